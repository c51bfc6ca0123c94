//! The inspector: everything about one thing the user clicked, and what
//! can be done to it.
//!
//! An [`Inspection`] is plain data built from the folded worlds, so it is
//! tested natively like the scenes. Its actions are engine
//! [`Intervention`]s — kill or restart a broker, crash or restart a
//! consumer, add a partition — which playback writes into the scenario's
//! timeline at the moment shown, so a shared link replays them.
//!
//! A record or a message is described by its path: every event about it
//! (sent, appended, fetched, processed, dead-lettered; published, routed,
//! delivered, requeued) in words, which playback gathers while it is
//! selected. A RabbitMQ message's headers and `x-death` come from the copies
//! the broker holds now, as `rabbitmqctl` or the management UI would show.

use crate::playback::{Playback, Subject};
use crate::world::{ConsumerStatus, World};
use mqsim::ids::{
    BrokerId, ConsumerId, MessageId, QueueId, RabbitConsumerId, RecordId, TopicPartition,
};
use mqsim::rabbit::headers::FieldValue;
use mqsim::rabbit::queue::QueueType;
use mqsim::scenario::Intervention;
use mqsim::trace::DeathReason;
use mqsim::{Event, EventKind, SimTime};

/// What the user picked on the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Broker(BrokerId),
    /// A Kafka consumer: a group member, or a standalone consumer.
    Consumer(ConsumerId),
    Partition(TopicPartition),
    RabbitConsumer(RabbitConsumerId),
    Queue(QueueId),
    /// A Kafka record: a cell of a partition's log.
    Record(RecordId),
    /// A RabbitMQ message: in a queue or a consumer's window.
    Message(MessageId),
}

impl Selection {
    /// What playback must follow to describe this selection.
    pub fn subject(self) -> Option<Subject> {
        match self {
            Selection::Record(id) => Some(Subject::Record(id)),
            Selection::Message(id) => Some(Subject::Message(id)),
            _ => None,
        }
    }
}

/// One thing, described.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// "Broker 1", "Consumer notifier-2", …
    pub title: String,
    /// What it is, in a phrase: "Kafka broker", "member of notifications".
    pub kind: String,
    /// Label and value, in reading order.
    pub facts: Vec<(&'static str, String)>,
    /// What can be done to it now.
    pub actions: Vec<Action>,
    /// For a record or message: what happened to it, oldest first.
    pub path: Vec<(SimTime, String)>,
}

/// A button in the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub label: &'static str,
    /// What will happen, in a sentence, for the button's tooltip.
    pub explain: &'static str,
    pub intervention: Intervention,
}

impl Inspection {
    /// Describes `selection` as the run stands; none if it is not in this
    /// scenario.
    pub fn of(playback: &Playback, selection: Selection) -> Option<Inspection> {
        let world = playback.world();
        match selection {
            Selection::Broker(id) => broker(world, id),
            Selection::Consumer(id) => consumer(world, id),
            Selection::Partition(tp) => partition(playback, tp),
            Selection::RabbitConsumer(id) => rabbit_consumer(playback, id),
            Selection::Queue(id) => queue(playback, id),
            Selection::Record(_) | Selection::Message(_) => {
                let (subject, events) = playback.watched()?;
                if selection.subject() != Some(subject) {
                    return None;
                }
                let path = events
                    .iter()
                    .map(|e| {
                        let said = e.describe(playback.names());
                        (said.at, said.text)
                    })
                    .collect();
                let mut inspection = match selection {
                    Selection::Record(id) => record(playback, id, events),
                    Selection::Message(id) => message(playback, id, events),
                    _ => None,
                }?;
                inspection.path = path;
                Some(inspection)
            }
        }
    }
}

fn broker(world: &World, id: BrokerId) -> Option<Inspection> {
    let cluster = &world.cluster;
    let b = cluster.brokers.get(id.index())?;
    let status = if !b.alive {
        "dead"
    } else if b.isolated {
        "cut off from ZooKeeper and the other brokers"
    } else if b.registered {
        "running, registered with ZooKeeper"
    } else {
        "running, not registered yet"
    };
    let mut leads = Vec::new();
    let mut follows = Vec::new();
    for part in cluster.partitions.iter().flatten() {
        let name = tp_name(world, part.tp);
        if part.leader == Some(id) {
            leads.push(name);
        } else if part.replicas.iter().any(|r| r.broker == id) {
            let in_sync = if part.isr.contains(&id) {
                ""
            } else {
                " (out of sync)"
            };
            follows.push(format!("{name}{in_sync}"));
        }
    }
    let coordinates: Vec<String> = cluster
        .coordinators
        .iter()
        .filter(|(_, b)| **b == id)
        .filter_map(|(g, _)| world.groups.get(g.index()).map(|g| g.name.clone()))
        .collect();
    let mut facts = vec![("Status", status.to_string())];
    if cluster.controller == Some(id) {
        facts.push((
            "Controller",
            format!("yes, epoch {}", cluster.controller_epoch),
        ));
    }
    facts.push(("Leads", list_or_none(&leads)));
    facts.push(("Follows", list_or_none(&follows)));
    if !coordinates.is_empty() {
        facts.push(("Coordinates", coordinates.join(", ")));
    }
    let broker = id.0;
    let mut actions = Vec::new();
    if b.alive {
        actions.push(Action {
            label: "Kill",
            explain: "The process dies. ZooKeeper notices when its session times out; the controller then elects new leaders from the ISR.",
            intervention: Intervention::BrokerKill { broker },
        });
        if b.isolated {
            actions.push(Action {
                label: "Reconnect",
                explain: "Its links come back: it learns it no longer leads and throws away what it took in meanwhile.",
                intervention: Intervention::BrokerReconnect { broker },
            });
        } else {
            actions.push(Action {
                label: "Isolate",
                explain: "It loses its links to ZooKeeper and the other brokers while clients still reach it: a zombie leader.",
                intervention: Intervention::BrokerIsolate { broker },
            });
        }
    } else {
        actions.push(Action {
            label: "Restart",
            explain: "It registers again, truncates what it never had confirmed, catches up as a follower and rejoins the ISR.",
            intervention: Intervention::BrokerRestart { broker },
        });
    }
    if cluster.controller.is_some() {
        actions.push(Action {
            label: "Preferred leader election",
            explain: "The controller gives each partition back to its first replica, where that one is alive and in sync.",
            intervention: Intervention::PreferredLeaderElection,
        });
    }
    Some(Inspection {
        title: format!("Broker {broker}"),
        kind: "Kafka broker".to_string(),
        facts,
        actions,
        path: Vec::new(),
    })
}

fn consumer(world: &World, id: ConsumerId) -> Option<Inspection> {
    let c = world.consumers.get(id.index())?;
    let group = world.groups.get(c.group.index())?;
    let status = match c.status {
        ConsumerStatus::NotStarted => "not started yet",
        ConsumerStatus::Joining => "joining the group, waiting for an assignment",
        ConsumerStatus::Running => "running: polling and processing",
        ConsumerStatus::Crashed => "crashed",
        ConsumerStatus::Left => "left the group",
    };
    let owns: Vec<String> = c.assigned.iter().map(|&tp| tp_name(world, tp)).collect();
    let mut facts = vec![
        ("Status", status.to_string()),
        ("Owns", list_or_none(&owns)),
        ("Processed", c.processed.to_string()),
        ("Processed again", c.duplicates.to_string()),
        ("Waiting in its batch", c.inbox.len().to_string()),
    ];
    if let Some(record) = c.inbox.front() {
        facts.push((
            "In hand",
            format!(
                "{} offset {}{}",
                tp_name(world, record.tp),
                record.offset,
                c.retrying
                    .map_or(String::new(), |n| format!(", failed {n}×, retrying"))
            ),
        ));
    }
    if c.given_up > 0 {
        facts.push(("Given up on", c.given_up.to_string()));
    }
    let (kind, group_name) = if group.standalone {
        ("standalone consumer (no group.id)".to_string(), None)
    } else {
        facts.insert(0, ("Generation", group.generation.to_string()));
        (
            format!("member of group {}", group.name),
            Some(group.name.clone()),
        )
    };
    let member = c.name.clone();
    let mut actions = Vec::new();
    match c.status {
        ConsumerStatus::Joining | ConsumerStatus::Running => {
            actions.push(Action {
                label: "Crash",
                explain: "It dies without committing. The coordinator notices only when the session times out; then the group rebalances and the new owner re-reads from the last commit.",
                intervention: Intervention::ConsumerCrash {
                    group: group_name.clone(),
                    member: member.clone(),
                },
            });
            actions.push(Action {
                label: "Leave",
                explain: "It finishes its batch, commits and leaves (consumer.close()): the group rebalances at once.",
                intervention: Intervention::ConsumerLeave {
                    group: group_name,
                    member,
                },
            });
        }
        ConsumerStatus::Crashed | ConsumerStatus::Left => actions.push(Action {
            label: "Restart",
            explain: "It starts again and rejoins its group, which rebalances.",
            intervention: Intervention::ConsumerRestart {
                group: group_name,
                member,
            },
        }),
        ConsumerStatus::NotStarted => {}
    }
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind,
        facts,
        actions,
        path: Vec::new(),
    })
}

fn partition(playback: &Playback, tp: TopicPartition) -> Option<Inspection> {
    let world = playback.world();
    let topic = world.topics.get(tp.topic.index())?;
    let log = topic.partitions.get(tp.partition as usize)?;
    let mut facts = vec![
        ("Log start", log.log_start.to_string()),
        ("Log end", log.log_end.to_string()),
    ];
    if let Some(state) = world.cluster.partition(tp) {
        let leader = state
            .leader
            .map_or("none: offline".to_string(), |b| format!("broker {b}"));
        facts.push(("Leader", format!("{leader}, epoch {}", state.leader_epoch)));
        let brokers = |ids: Vec<BrokerId>| {
            ids.iter()
                .map(|b| b.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        facts.push((
            "Replicas",
            brokers(state.replicas.iter().map(|r| r.broker).collect()),
        ));
        facts.push(("In-sync replicas", brokers(state.isr.clone())));
        if let Some(hw) = state
            .leader
            .and_then(|l| state.replicas.iter().find(|r| r.broker == l))
        {
            facts.push(("High watermark", hw.high_watermark.to_string()));
        }
    }
    for group in world
        .groups
        .iter()
        .filter(|g| g.topics.contains(&topic.name))
    {
        let committed = group.committed.get(&tp).copied();
        facts.push((
            "Committed",
            match committed {
                Some(offset) => format!(
                    "{}: {offset}, lag {}",
                    group.name,
                    log.log_end.saturating_sub(offset)
                ),
                None => format!("{}: nothing yet", group.name),
            },
        ));
    }
    let partitions = topic.partitions.len() as u32 + 1;
    let actions = if topic.dead_letter {
        Vec::new()
    } else {
        vec![Action {
            label: "Add a partition",
            explain: "The topic grows by one partition. Keys hash over the new count from now on, so some keys move; groups rebalance to take it.",
            intervention: Intervention::AddPartitions {
                topic: topic.name.clone(),
                partitions,
            },
        }]
    };
    Some(Inspection {
        title: format!("Partition {}", tp_name(world, tp)),
        kind: if topic.dead_letter {
            "dead-letter topic partition".to_string()
        } else {
            "topic partition: an append-only log".to_string()
        },
        facts,
        actions,
        path: Vec::new(),
    })
}

fn rabbit_consumer(playback: &Playback, id: RabbitConsumerId) -> Option<Inspection> {
    let rabbit = playback.rabbit();
    let c = rabbit.consumers.get(id.index())?;
    let queue = rabbit.queues.get(c.queue.index())?;
    let holding = queue.unacked.iter().filter(|(_, by)| *by == id).count();
    let prefetch = if c.prefetch == 0 {
        "no limit".to_string()
    } else {
        c.prefetch.to_string()
    };
    let facts = vec![
        (
            "Status",
            if c.running { "running" } else { "crashed" }.to_string(),
        ),
        ("Queue", queue.name.clone()),
        ("Prefetch", prefetch),
        (
            "Acknowledges",
            if c.auto_ack {
                "automatically (the broker forgets a message once sent)"
            } else {
                "by hand, after handling"
            }
            .to_string(),
        ),
        ("Unacknowledged", holding.to_string()),
        ("Acked", c.acked.to_string()),
        ("Requeued", c.requeued.to_string()),
        ("Rejected", c.rejected.to_string()),
    ];
    let consumer = c.name.clone();
    let actions = if c.running {
        vec![Action {
            label: "Crash",
            explain: "Its channel closes: the broker requeues every message it had not acknowledged, marked redelivered.",
            intervention: Intervention::RabbitConsumerCrash { consumer },
        }]
    } else {
        vec![Action {
            label: "Restart",
            explain: "It consumes again; the broker pushes to it up to its prefetch.",
            intervention: Intervention::RabbitConsumerRestart { consumer },
        }]
    };
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind: format!("RabbitMQ consumer on {}", queue.name),
        facts,
        actions,
        path: Vec::new(),
    })
}

fn queue(playback: &Playback, id: QueueId) -> Option<Inspection> {
    let rabbit = playback.rabbit();
    let q = rabbit.queues.get(id.index())?;
    let mut facts = vec![
        ("Ready", q.ready.len().to_string()),
        ("Unacknowledged", q.unacked.len().to_string()),
        ("Discarded", q.discarded.to_string()),
    ];
    if !q.features.is_empty() {
        facts.push(("Arguments", q.features.join(", ")));
    }
    if let Some(dlx) = q.dead_letter_exchange.and_then(|x| rabbit.exchanges.get(x)) {
        facts.push(("Dead-letters to", exchange_name(&dlx.name)));
    }
    if q.refused > 0 {
        facts.push(("Refused when full", q.refused.to_string()));
    }
    if q.deleted {
        facts.push(("Deleted", "by x-expires".to_string()));
    }
    let consumers: Vec<String> = rabbit
        .consumers
        .iter()
        .filter(|c| c.queue == id)
        .map(|c| c.name.clone())
        .collect();
    facts.push(("Consumers", list_or_none(&consumers)));
    Some(Inspection {
        title: format!("Queue {}", q.name),
        kind: format!(
            "{} queue{}",
            match q.kind {
                QueueType::Classic => "classic",
                QueueType::Quorum => "quorum",
            },
            if q.dead_letter {
                ", a dead-letter queue"
            } else {
                ""
            }
        ),
        facts,
        actions: Vec::new(),
        path: Vec::new(),
    })
}

fn record(playback: &Playback, id: RecordId, path: &[Event]) -> Option<Inspection> {
    let names = playback.names();
    let mut facts = Vec::new();
    let mut title = format!("Record {}", id.0);
    let mut status = "sent, not yet stored";
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
            _ => {}
        }
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
    })
}

fn message(playback: &Playback, id: MessageId, path: &[Event]) -> Option<Inspection> {
    let names = playback.names();
    let mut facts = Vec::new();
    for event in path {
        if let EventKind::MessagePublished {
            publisher,
            exchange,
            routing_key,
            ..
        } = &event.kind
        {
            facts.push(("Routing key", routing_key.to_string()));
            facts.push(("Published to", exchange_name(exchange)));
            facts.push(("Publisher", names.publisher(*publisher).to_string()));
        }
    }
    if path.is_empty() {
        return None;
    }
    let copies = playback.held_copies(id);
    if let Some(first) = copies.first() {
        let headers: Vec<String> = first
            .message
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {}", field(value)))
            .collect();
        if !headers.is_empty() {
            facts.push(("Headers", headers.join(", ")));
        }
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

/// A header value as AMQP tables print it.
fn field(value: &FieldValue) -> String {
    match value {
        FieldValue::Void(()) => "(void)".to_string(),
        FieldValue::Bool(b) => b.to_string(),
        FieldValue::Int(i) => i.to_string(),
        FieldValue::Float(f) => f.to_string(),
        FieldValue::Str(s) => s.clone(),
    }
}

/// "orders-2".
fn tp_name(world: &World, tp: TopicPartition) -> String {
    let topic = world
        .topics
        .get(tp.topic.index())
        .map_or("?", |t| t.name.as_str());
    format!("{topic}-{}", tp.partition)
}

fn exchange_name(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_string()
    } else {
        name.to_string()
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::ids::TopicId;
    use mqsim::scenario::presets::{PRESETS, Preset};

    fn playback(preset: &str, at_ms: f64) -> Playback {
        let mut p = Playback::new(Preset::find(preset).unwrap().scenario());
        p.advance_to(at_ms);
        p
    }

    fn labels(inspection: &Inspection) -> Vec<&'static str> {
        inspection.actions.iter().map(|a| a.label).collect()
    }

    fn fact(inspection: &Inspection, label: &str) -> String {
        inspection
            .facts
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no fact {label} in {inspection:?}"))
    }

    /// Every selection the scenario has, for sweeping.
    fn everything(p: &Playback) -> Vec<Selection> {
        let world = p.world();
        let mut all: Vec<Selection> = (0..world.cluster.brokers.len())
            .map(|b| Selection::Broker(BrokerId(b as u32)))
            .collect();
        all.extend((0..world.consumers.len()).map(|c| Selection::Consumer(ConsumerId(c as u32))));
        for (t, topic) in world.topics.iter().enumerate() {
            all.extend((0..topic.partitions.len()).map(|partition| {
                Selection::Partition(TopicPartition {
                    topic: TopicId(t as u32),
                    partition: partition as u32,
                })
            }));
        }
        all.extend(
            (0..p.rabbit().consumers.len())
                .map(|c| Selection::RabbitConsumer(RabbitConsumerId(c as u32))),
        );
        all.extend((0..p.rabbit().queues.len()).map(|q| Selection::Queue(QueueId(q as u32))));
        all
    }

    /// Whatever the inspector offers, the engine takes: in every preset, at
    /// several moments, each action on each thing is a valid intervention
    /// that changes the run.
    #[test]
    fn every_action_offered_is_accepted() {
        for preset in PRESETS {
            for at_ms in [0.0, 12_000.0, 40_000.0] {
                let p = playback(preset.id, at_ms);
                for selection in everything(&p) {
                    let inspection = Inspection::of(&p, selection).expect("described");
                    for action in &inspection.actions {
                        let mut tried = Playback::new(p.shared());
                        tried
                            .intervene(action.intervention.clone())
                            .unwrap_or_else(|why| {
                                panic!("{} at {at_ms}: {:?} refused: {why}", preset.id, action)
                            });
                    }
                }
            }
        }
    }

    /// A broker's card tells what it leads and offers to kill it; once
    /// dead, it offers a restart instead.
    #[test]
    fn a_broker_offers_kill_then_restart() {
        let mut p = playback("leader-failover", 3_000.0);
        let alive = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
        assert_eq!(
            labels(&alive),
            ["Kill", "Isolate", "Preferred leader election"]
        );
        assert!(fact(&alive, "Leads").contains("orders-"), "{alive:?}");
        p.intervene(alive.actions[0].intervention.clone()).unwrap();
        p.advance_to(10_000.0);
        let dead = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
        assert_eq!(fact(&dead, "Status"), "dead");
        assert_eq!(fact(&dead, "Leads"), "none");
        assert_eq!(labels(&dead), ["Restart", "Preferred leader election"]);
    }

    #[test]
    fn a_consumer_offers_crash_and_leave_then_restart() {
        let mut p = playback("order-notifications", 6_000.0);
        let running = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
        assert_eq!(running.kind, "member of group notifications");
        assert_eq!(labels(&running), ["Crash", "Leave"]);
        assert!(fact(&running, "Owns").contains("orders-"));
        p.intervene(running.actions[0].intervention.clone())
            .unwrap();
        let crashed = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
        assert_eq!(fact(&crashed, "Status"), "crashed");
        assert_eq!(labels(&crashed), ["Restart"]);
    }

    /// A partition shows its log ends, each group's commit and lag, and
    /// adding a partition grows the topic.
    #[test]
    fn a_partition_shows_commits_and_lag_and_can_grow() {
        let mut p = playback("order-notifications", 20_000.0);
        let tp = TopicPartition {
            topic: TopicId(0),
            partition: 0,
        };
        let part = Inspection::of(&p, Selection::Partition(tp)).unwrap();
        let log_end = p.world().topics[0].partitions[0].log_end;
        assert_eq!(fact(&part, "Log end"), log_end.to_string());
        let committed = p.world().groups[0].committed[&tp];
        assert_eq!(
            fact(&part, "Committed"),
            format!("notifications: {committed}, lag {}", log_end - committed)
        );
        let before = p.world().topics[0].partitions.len();
        p.intervene(part.actions[0].intervention.clone()).unwrap();
        assert_eq!(p.world().topics[0].partitions.len(), before + 1);
    }

    /// A clicked record shows its key, where it is stored and its path,
    /// from sending to processing.
    #[test]
    fn a_record_shows_its_offset_key_and_path() {
        let mut p = playback("order-notifications", 20_000.0);
        let stored = p.world().topics[0].partitions[1].recent[0].clone();
        let selection = Selection::Record(stored.record);
        assert!(Inspection::of(&p, selection).is_none(), "not followed yet");
        p.watch(selection.subject());
        let record = Inspection::of(&p, selection).unwrap();
        assert!(
            record.title.starts_with("Record checkout-"),
            "{}",
            record.title
        );
        assert!(
            fact(&record, "Stored at").starts_with(&format!("orders-1 offset {} ", stored.offset)),
            "{record:?}"
        );
        assert_eq!(fact(&record, "Key"), stored.key.as_deref().unwrap());
        assert_eq!(fact(&record, "Status"), "processed");
        assert!(record.path.first().unwrap().1.starts_with("checkout sent"));
        assert!(
            record
                .path
                .iter()
                .any(|(_, said)| said.contains("processed orders-1 offset"))
        );
    }

    /// A poison message shows its routing key, its deliveries and, once
    /// dead-lettered, its x-death, as the broker holds it.
    #[test]
    fn a_dead_lettered_message_shows_its_x_death() {
        let mut p = playback("rabbit-retry-dead-letter", 0.0);
        let poison = Selection::Message(MessageId(1));
        p.watch(poison.subject());
        p.advance_to(30_000.0);
        let message = Inspection::of(&p, poison).unwrap();
        assert_eq!(fact(&message, "Routing key"), "order.poison");
        assert!(
            fact(&message, "x-death").starts_with("delivery_limit ×1 in payments"),
            "{message:?}"
        );
        assert!(
            message
                .path
                .iter()
                .any(|(_, said)| said.contains("(redelivered)"))
        );
        assert!(
            message
                .path
                .iter()
                .any(|(_, said)| said.contains("over its delivery limit, dead-lettered"))
        );
    }

    /// Crashing a RabbitMQ consumer requeues what it held.
    #[test]
    fn a_rabbit_consumer_crash_requeues_its_deliveries() {
        let mut p = playback("rabbit-retry-dead-letter", 0.0);
        let holding = |p: &Playback| {
            let rabbit = p.rabbit();
            rabbit
                .queues
                .iter()
                .flat_map(|q| &q.unacked)
                .map(|(_, by)| *by)
                .next()
        };
        while holding(&p).is_none() {
            p.advance_to(p.clock_ms() + 50.0);
        }
        let id = holding(&p).unwrap();
        let held = p
            .rabbit()
            .queues
            .iter()
            .flat_map(|q| &q.unacked)
            .filter(|(_, by)| *by == id)
            .count();
        let inspection = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
        assert_eq!(fact(&inspection, "Unacknowledged"), held.to_string());
        p.intervene(inspection.actions[0].intervention.clone())
            .unwrap();
        p.advance_to(p.clock_ms() + 1.0);
        let after = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
        assert_eq!(fact(&after, "Status"), "crashed");
        assert_eq!(fact(&after, "Unacknowledged"), "0");
        assert_eq!(labels(&after), ["Restart"]);
    }
}
