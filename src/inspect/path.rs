//! A record or message, told by its path: every event about it so far,
//! and for a RabbitMQ message what the broker holds of it now.

use super::{Inspection, exchange_name};
use crate::playback::Playback;
use mqsim::ids::{MessageId, RecordId};
use mqsim::rabbit::headers;
use mqsim::trace::{AckType, DeathReason};
use mqsim::{Event, EventKind};

pub(super) fn record(playback: &Playback, id: RecordId, path: &[Event]) -> Option<Inspection> {
    let names = playback.names();
    let mut facts = Vec::new();
    let mut title = format!("Record {}", id.0);
    let mut status = "sent, not yet stored";
    // To a share group: who it was delivered to, and how often.
    let mut deliveries = Vec::new();
    let mut delivered = 0;
    for event in path {
        match &event.kind {
            EventKind::RecordSent {
                record,
                producer,
                key,
                value,
                headers,
                ..
            } if *record == id => {
                title = format!("Record {value}");
                facts.push(("Key", key.as_deref().unwrap_or("none (null)").to_string()));
                facts.push(("Value", value.to_string()));
                if !headers.is_empty() {
                    let list: Vec<String> = headers
                        .iter()
                        .map(|h| format!("{}: {}", h.name, h.value))
                        .collect();
                    facts.push(("Headers", list.join(", ")));
                }
                facts.push(("Producer", names.producer(*producer).to_string()));
            }
            EventKind::RecordAppended {
                record,
                tp,
                offset,
                broker,
                ..
            } => {
                let place = if *record == id {
                    status = "stored, not yet processed";
                    "Stored at"
                } else {
                    "Dead-letter copy"
                };
                facts.push((
                    place,
                    format!(
                        "{} offset {offset} (leader: broker {broker}, at {})",
                        names.tp(*tp),
                        event.at
                    ),
                ));
            }
            EventKind::RecordProcessed { consumer, .. } => {
                status = "processed";
                facts.push(("Processed by", names.consumer(*consumer).to_string()));
            }
            EventKind::RecordDeadLettered { .. } => status = "given up on: dead-lettered",
            EventKind::RecordSkipped { .. } => status = "given up on: skipped",
            // A share group's deliveries, each to one member.
            EventKind::ShareRecordsAcquired {
                consumer, records, ..
            } => {
                let count = records
                    .iter()
                    .find(|r| r.record == id)
                    .map(|r| r.delivery_count);
                deliveries.push(format!("{} at {}", names.consumer(*consumer), event.at));
                status = "acquired by a share consumer (locked for it)";
                if let Some(n) = count {
                    delivered = n;
                }
            }
            EventKind::ShareRecordsAcknowledged {
                ack,
                offsets,
                refused,
                archived,
                ..
            } => {
                let applied = offsets.len() > refused.len();
                status = match ack {
                    _ if !applied => status,
                    AckType::Accept => "acknowledged by the share group: done",
                    AckType::Reject => "rejected: archived, never delivered again",
                    AckType::Release if !archived.is_empty() => {
                        "archived: delivered as often as group.share.delivery.count.limit allows (Kafka 4.2 has no dead-letter queue for share groups; KIP-1191 adds one in 4.4)"
                    }
                    AckType::Release => "released: available to be delivered again",
                };
            }
            EventKind::ShareLocksExpired { archived, .. }
            | EventKind::ShareSessionClosed { archived, .. } => {
                status = if archived.is_empty() {
                    "available again: its lock ran out or its holder went"
                } else {
                    "archived: delivered as often as group.share.delivery.count.limit allows"
                };
            }
            _ => {}
        }
    }
    if !deliveries.is_empty() {
        facts.push((
            "Deliveries",
            format!("{delivered}: {}", deliveries.join(", ")),
        ));
    }
    if path.is_empty() {
        return None;
    }
    facts.insert(0, ("Status", status.to_string()));
    Some(Inspection {
        title,
        kind: "Kafka record".to_string(),
        facts,
        actions: Vec::new(),
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

pub(super) fn message(playback: &Playback, id: MessageId, path: &[Event]) -> Option<Inspection> {
    let names = playback.names();
    let mut facts = Vec::new();
    for event in path {
        if let EventKind::MessagePublished {
            publisher,
            exchange,
            routing_key,
            headers,
            ..
        } = &event.kind
        {
            facts.push(("Routing key", routing_key.to_string()));
            if !headers.is_empty() {
                facts.push(("Headers", headers::show(headers)));
            }
            facts.push(("Published to", exchange_name(exchange)));
            facts.push(("Publisher", names.publisher(*publisher).to_string()));
        }
    }
    if path.is_empty() {
        return None;
    }
    let copies = playback.held_copies(id);
    if let Some(first) = copies.first() {
        for death in &first.message.deaths {
            facts.push((
                "x-death",
                format!(
                    "{} ×{} in {} (from {}, at {})",
                    reason_name(death.reason),
                    death.count,
                    death.queue,
                    exchange_name(&death.exchange),
                    death.time
                ),
            ));
        }
    }
    for copy in &copies {
        let queue = names.queue(copy.queue);
        let place = match copy.held_by {
            Some(consumer) => format!(
                "{queue}: delivered to {}, not acked yet",
                names.rabbit_consumer(consumer)
            ),
            None => format!("{queue}: ready"),
        };
        facts.push(("Copy", place));
        facts.push((
            "Delivered",
            format!(
                "{} time(s){}",
                copy.delivery_count,
                if copy.redelivered {
                    ", next delivery marked redelivered"
                } else {
                    ""
                }
            ),
        ));
    }
    if copies.is_empty() {
        facts.insert(
            0,
            (
                "Status",
                "no longer in the broker: handled, dropped or still being routed".to_string(),
            ),
        );
    }
    Some(Inspection {
        title: format!("Message {}", id.0),
        kind: "RabbitMQ message".to_string(),
        facts,
        actions: Vec::new(),
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

/// RabbitMQ's name for a dead-letter reason, as `x-death` writes it.
fn reason_name(reason: DeathReason) -> &'static str {
    match reason {
        DeathReason::Rejected => "rejected",
        DeathReason::Expired => "expired",
        DeathReason::Maxlen => "maxlen",
        DeathReason::DeliveryLimit => "delivery_limit",
    }
}
