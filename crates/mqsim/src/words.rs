//! The trace in words.
//!
//! Every [`Event`] as a sentence a student can read — "checkout sent key
//! alice to orders-2 (murmur2 of the key)" — with the scenario's names in
//! place of the engine's numeric ids. The playground's event log and
//! inspector, and `mqsim trace --words`, all read the same sentences.
//!
//! Each sentence also says what it is [`About`], so a log can be filtered,
//! and whether it is *routine*: heartbeats, fetch requests and empty fetch
//! answers happen all the time and mean "all is well", so a log hides
//! them unless asked.

use crate::ids::{
    BrokerId, ConsumerId, GroupId, MessageId, ProducerId, PublisherId, QueueId, RabbitConsumerId,
    RecordId, TopicId, TopicPartition,
};
use crate::kafka::consumer_protocol::coordinator::HeartbeatError;
use crate::kafka::kraft::record::MetadataRecord;
use crate::rabbit::topology::{Binding, Destination};
use crate::scenario::{GroupKind, Scenario};
use crate::time::SimTime;
use crate::trace::{
    AckType, DeathReason, Event, EventKind, IsrChange, PartitionChoice, ProduceError,
    RebalanceReason, Settlement,
};
use serde::Serialize;

/// What an event concerns, for filtering a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum About {
    /// Kafka producers writing records.
    Producing,
    /// Kafka consumers fetching, processing and committing.
    Consuming,
    /// Consumer groups: joining, rebalancing, assignments.
    Groups,
    /// Brokers, ZooKeeper, the controller, replication and the ISR.
    Cluster,
    /// RabbitMQ: publishing, routing, queues and deliveries.
    Rabbit,
}

impl About {
    pub const ALL: [About; 5] = [
        About::Producing,
        About::Consuming,
        About::Groups,
        About::Cluster,
        About::Rabbit,
    ];

    pub fn label(self) -> &'static str {
        match self {
            About::Producing => "producing",
            About::Consuming => "consuming",
            About::Groups => "groups",
            About::Cluster => "cluster",
            About::Rabbit => "RabbitMQ",
        }
    }
}

/// One event, said in words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sentence {
    pub at: SimTime,
    pub about: About,
    /// Heartbeats, fetch requests, empty answers: hidden unless asked for.
    pub routine: bool,
    pub text: String,
}

/// The scenario's names for the engine's ids.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    topics: Vec<String>,
    producers: Vec<String>,
    consumers: Vec<String>,
    /// Per consumer: whether it is a share group's member.
    sharing: Vec<bool>,
    groups: Vec<String>,
    publishers: Vec<String>,
    queues: Vec<String>,
    rabbit_consumers: Vec<String>,
    bindings: Vec<String>,
}

impl Names {
    pub fn new(scenario: &Scenario) -> Names {
        let entries = scenario.groups();
        let groups: Vec<String> = entries.iter().map(|g| g.name.into()).collect();
        let roster = scenario.consumers();
        let share = |c: &crate::scenario::Consumer<'_>| {
            entries
                .get(c.group.index())
                .is_some_and(|g| g.kind == GroupKind::Share)
        };
        Names {
            sharing: roster.iter().map(share).collect(),
            topics: scenario
                .topics()
                .iter()
                .map(|(t, _)| t.name.clone())
                .collect(),
            producers: scenario
                .producers()
                .iter()
                .map(|(p, _)| p.name.clone())
                .collect(),
            consumers: scenario
                .consumers()
                .iter()
                .map(|c| c.spec.name.clone())
                .collect(),
            groups,
            publishers: scenario
                .rabbit_publishers()
                .iter()
                .map(|(p, _)| p.name.clone())
                .collect(),
            queues: scenario
                .rabbit_queues()
                .iter()
                .map(|(q, _)| q.name.clone())
                .collect(),
            rabbit_consumers: scenario
                .rabbit_consumers()
                .iter()
                .map(|(c, _)| c.name.clone())
                .collect(),
            bindings: scenario
                .rabbit_bindings()
                .iter()
                .map(|(b, _)| binding(b))
                .collect(),
        }
    }

    /// A binding, as "orders → queue payments (key order.*)".
    pub fn binding(&self, index: u32) -> &str {
        name(&self.bindings, index as usize)
    }

    pub fn topic(&self, id: TopicId) -> &str {
        name(&self.topics, id.index())
    }

    /// "orders-2", as Kafka's tools write a topic partition.
    pub fn tp(&self, tp: TopicPartition) -> String {
        format!("{}-{}", self.topic(tp.topic), tp.partition)
    }

    pub fn producer(&self, id: ProducerId) -> &str {
        name(&self.producers, id.index())
    }

    pub fn consumer(&self, id: ConsumerId) -> &str {
        name(&self.consumers, id.index())
    }

    pub fn group(&self, id: GroupId) -> &str {
        name(&self.groups, id.index())
    }

    pub fn publisher(&self, id: PublisherId) -> &str {
        name(&self.publishers, id.index())
    }

    pub fn queue(&self, id: QueueId) -> &str {
        name(&self.queues, id.index())
    }

    pub fn rabbit_consumer(&self, id: RabbitConsumerId) -> &str {
        name(&self.rabbit_consumers, id.index())
    }

    fn tps(&self, tps: &[TopicPartition]) -> String {
        if tps.is_empty() {
            return "nothing".to_string();
        }
        tps.iter()
            .map(|&tp| self.tp(tp))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn binding(b: &Binding) -> String {
    let (kind, to) = match &b.destination {
        Destination::Queue(q) => ("queue", q),
        Destination::Exchange(x) => ("exchange", x),
    };
    let key = if b.routing_key.is_empty() {
        String::new()
    } else {
        format!(" (key {})", b.routing_key)
    };
    format!("{} → {kind} {to}{key}", b.source)
}

fn name(names: &[String], index: usize) -> &str {
    names.get(index).map_or("?", String::as_str)
}

/// A metadata record in words, under its Kafka name.
pub fn metadata_record(record: &MetadataRecord, n: &Names) -> String {
    match record {
        MetadataRecord::LeaderChange { leader } => {
            format!("LeaderChangeMessage (controller {leader} leads)")
        }
        MetadataRecord::NoOp => "NoOpRecord (the quorum is alive)".to_string(),
        MetadataRecord::RegisterBroker { broker, epoch, .. } => {
            format!("RegisterBrokerRecord (broker {broker}, broker epoch {epoch}, fenced)")
        }
        MetadataRecord::BrokerRegistrationChange {
            broker,
            fenced,
            in_controlled_shutdown,
        } => {
            let change = match (fenced, in_controlled_shutdown) {
                (Some(true), _) => "fenced",
                (Some(false), _) => "unfenced",
                (None, Some(true)) => "shutting down",
                _ => "changed",
            };
            format!("BrokerRegistrationChangeRecord (broker {broker} {change})")
        }
        MetadataRecord::Topic { name } => format!("TopicRecord ({name})"),
        MetadataRecord::Partition { tp, leader, .. } => format!(
            "PartitionRecord ({}, leader {})",
            n.tp(*tp),
            leader.map_or("none".to_string(), |b| b.to_string())
        ),
        MetadataRecord::PartitionChange { tp, leader, isr } => {
            let mut said = Vec::new();
            if let Some(leader) = leader {
                said.push(format!(
                    "leader {}",
                    leader.map_or("none".to_string(), |b| b.to_string())
                ));
            }
            if let Some(isr) = isr {
                said.push(format!("ISR {}", brokers(isr)));
            }
            format!("PartitionChangeRecord ({}: {})", n.tp(*tp), said.join(", "))
        }
    }
}

fn brokers(ids: &[BrokerId]) -> String {
    if ids.is_empty() {
        return "none".to_string();
    }
    let ids: Vec<String> = ids.iter().map(|b| b.0.to_string()).collect();
    format!("{{{}}}", ids.join(", "))
}

fn exchange(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_string()
    } else {
        format!("exchange {name}")
    }
}

impl Event {
    /// This event in words.
    pub fn describe(&self, names: &Names) -> Sentence {
        let (about, routine, text) = words(&self.kind, names);
        Sentence {
            at: self.at,
            about,
            routine,
            text,
        }
    }

    /// The Kafka record this event is about, if it is about one.
    pub fn record(&self) -> Option<RecordId> {
        match &self.kind {
            EventKind::RecordSent { record, .. }
            | EventKind::RecordAppended { record, .. }
            | EventKind::RecordAcknowledged { record, .. }
            | EventKind::ProduceFailed { record, .. }
            | EventKind::RecordProcessed { record, .. }
            | EventKind::RecordFailed { record, .. }
            | EventKind::RecordDeadLettered { record, .. }
            | EventKind::RecordSkipped { record, .. } => Some(*record),
            _ => None,
        }
    }

    /// The RabbitMQ message this event is about, if it is about one.
    pub fn message(&self) -> Option<MessageId> {
        match &self.kind {
            EventKind::MessagePublished { message, .. }
            | EventKind::MessageRouted { message, .. }
            | EventKind::MessageUnroutable { message, .. }
            | EventKind::MessageEnqueued { message, .. }
            | EventKind::MessageRefused { message, .. }
            | EventKind::MessageDelivered { message, .. }
            | EventKind::MessageSettled { message, .. }
            | EventKind::MessageConsumed { message, .. }
            | EventKind::MessageRequeued { message, .. }
            | EventKind::MessageDiscarded { message, .. } => Some(*message),
            _ => None,
        }
    }
}

fn words(kind: &EventKind, n: &Names) -> (About, bool, String) {
    use About::*;
    match kind {
        EventKind::RecordSent {
            producer,
            tp,
            key,
            value,
            chosen_by,
            ..
        } => {
            let why = match chosen_by {
                PartitionChoice::Explicit => "the partition it named",
                PartitionChoice::KeyHash => "murmur2 of the key",
                PartitionChoice::RoundRobin => "no key: round robin",
                PartitionChoice::Sticky => "no key: the sticky partition",
            };
            let key = key
                .as_deref()
                .map_or("no key".to_string(), |k| format!("key {k}"));
            (
                Producing,
                false,
                format!(
                    "{} sent {value} ({key}) to {} ({why})",
                    n.producer(*producer),
                    n.tp(*tp)
                ),
            )
        }
        EventKind::RecordAppended {
            tp,
            offset,
            broker,
            high_watermark,
            ..
        } => (
            Producing,
            false,
            format!(
                "broker {broker} appended a record to {} at offset {offset} (high watermark {high_watermark})",
                n.tp(*tp)
            ),
        ),
        EventKind::RecordAcknowledged {
            producer,
            tp,
            offset,
            ..
        } => (
            Producing,
            false,
            format!(
                "the leader confirmed {}'s record at {} offset {offset}",
                n.producer(*producer),
                n.tp(*tp)
            ),
        ),
        EventKind::ProduceFailed {
            producer,
            tp,
            error,
            retry_at,
            ..
        } => {
            let who = producer.map_or("a dead-letter write", |p| n.producer(p));
            let why = match error {
                ProduceError::NotEnoughReplicas => {
                    "NOT_ENOUGH_REPLICAS: fewer in-sync replicas than min.insync.replicas"
                }
                ProduceError::NotLeaderOrFollower => {
                    "NOT_LEADER_OR_FOLLOWER: that broker no longer leads"
                }
                ProduceError::LeaderNotAvailable => {
                    "LEADER_NOT_AVAILABLE: the partition is offline"
                }
                ProduceError::NetworkException => "NETWORK_EXCEPTION: the broker is down",
                ProduceError::RequestTimedOut => {
                    "REQUEST_TIMED_OUT: not confirmed within request.timeout.ms"
                }
            };
            (
                Producing,
                false,
                match retry_at {
                    Some(at) => format!(
                        "{who}: write to {} failed with {why}; retrying at {at}",
                        n.tp(*tp)
                    ),
                    None => format!(
                        "{who}: write to {} failed with {why}; out of retries, it is not sent again",
                        n.tp(*tp)
                    ),
                },
            )
        }
        EventKind::LogTrimmed {
            tp,
            deleted,
            log_start_offset,
        } => (
            Producing,
            false,
            format!(
                "retention deleted {deleted} old records of {}: the log now starts at {log_start_offset}",
                n.tp(*tp)
            ),
        ),
        EventKind::OffsetReset {
            consumer,
            tp,
            from,
            to,
        } => {
            let why = match from {
                None => "no committed offset".to_string(),
                Some(from) => format!("offset {from} was deleted by retention"),
            };
            (
                Consuming,
                false,
                format!(
                    "{} starts {} at offset {to} (auto.offset.reset: {why})",
                    n.consumer(*consumer),
                    n.tp(*tp)
                ),
            )
        }
        EventKind::PartitionsAdded {
            topic, partitions, ..
        } => (
            Cluster,
            false,
            format!(
                "topic {} grew to {partitions} partitions: keys now hash over {partitions}",
                n.topic(*topic)
            ),
        ),
        EventKind::ProducerStarted { producer } => (
            Producing,
            false,
            format!("producer {} started sending", n.producer(*producer)),
        ),
        EventKind::ProducerStopped { producer } => (
            Producing,
            false,
            format!("producer {} stopped sending", n.producer(*producer)),
        ),
        EventKind::ConsumerStarted { consumer } => {
            (Groups, false, format!("{} started", n.consumer(*consumer)))
        }
        EventKind::ConsumerCrashed { consumer } => (
            Groups,
            false,
            if n.sharing.get(consumer.index()).copied().unwrap_or(false) {
                format!(
                    "{} crashed: its connection drops, and the leaders release what it held; its share group only notices when the session times out",
                    n.consumer(*consumer)
                )
            } else {
                format!(
                    "{} crashed without committing; its group only notices when the session times out",
                    n.consumer(*consumer)
                )
            },
        ),
        EventKind::ConsumerGroupHeartbeatSent {
            consumer,
            member_epoch,
            ..
        }
        | EventKind::ShareGroupHeartbeatSent {
            consumer,
            member_epoch,
            ..
        } => {
            let (group, request) = match kind {
                EventKind::ShareGroupHeartbeatSent { .. } => ("share group", "ShareGroupHeartbeat"),
                _ => ("group", "ConsumerGroupHeartbeat"),
            };
            let who = n.consumer(*consumer);
            (
                Groups,
                *member_epoch > 0,
                match member_epoch {
                    0 => format!("{who} heartbeats to join its {group} ({request}, epoch 0)"),
                    -1 => format!("{who} heartbeats to leave its {group} (epoch -1)"),
                    e => format!("{who} heartbeats at member epoch {e}"),
                },
            )
        }
        EventKind::ConsumerGroupHeartbeatAnswered {
            consumer,
            member_epoch,
            error: Some(error),
            ..
        } => (
            Groups,
            false,
            format!(
                "the coordinator refuses {}'s heartbeat at member epoch {member_epoch}: {}; it must rejoin with epoch 0",
                n.consumer(*consumer),
                match error {
                    HeartbeatError::UnknownMemberId =>
                        "UNKNOWN_MEMBER_ID, it is no member (fenced, or never joined)",
                    HeartbeatError::FencedMemberEpoch =>
                        "FENCED_MEMBER_EPOCH, that is not its epoch",
                }
            ),
        ),
        EventKind::ConsumerGroupHeartbeatAnswered {
            consumer,
            group_epoch,
            member_epoch,
            assignment,
            revoking,
            awaiting,
            ..
        } => {
            let mut line = match assignment {
                Some(tps) => format!(
                    "the coordinator (group epoch {group_epoch}) gives {} member epoch {member_epoch} and {}",
                    n.consumer(*consumer),
                    n.tps(tps)
                ),
                None => format!(
                    "the coordinator (group epoch {group_epoch}) answers {}: member epoch {member_epoch}",
                    n.consumer(*consumer)
                ),
            };
            if !revoking.is_empty() {
                line += &format!("; it must first give up {}", n.tps(revoking));
            }
            if !awaiting.is_empty() {
                line += &format!("; {} to come once released", n.tps(awaiting));
            }
            (
                Groups,
                assignment.is_none() && revoking.is_empty() && awaiting.is_empty(),
                line,
            )
        }
        EventKind::ShareGroupHeartbeatAnswered {
            consumer,
            group_epoch,
            member_epoch,
            assignment,
            ..
        } => (
            Groups,
            assignment.is_none(),
            match assignment {
                Some(tps) if tps.is_empty() => format!(
                    "the coordinator (group epoch {group_epoch}) gives {} member epoch {member_epoch} and no partitions yet",
                    n.consumer(*consumer)
                ),
                Some(tps) => format!(
                    "the coordinator (group epoch {group_epoch}) gives {} member epoch {member_epoch} and {}, shared with the group's other members",
                    n.consumer(*consumer),
                    n.tps(tps)
                ),
                None => format!(
                    "the coordinator (group epoch {group_epoch}) answers {}: member epoch {member_epoch}",
                    n.consumer(*consumer)
                ),
            },
        ),
        EventKind::SharePartitionsInitialized { group, partitions } => (
            Groups,
            false,
            format!(
                "the share coordinator initialized share group {}'s state for {}: they can be assigned",
                n.group(*group),
                n.tps(partitions)
            ),
        ),
        EventKind::ShareAcknowledgeChosen { consumer, ack } => (
            Consuming,
            false,
            format!(
                "{} will {} the record in hand",
                n.consumer(*consumer),
                ack_verb(*ack)
            ),
        ),
        EventKind::ShareFetchSent {
            consumer,
            acknowledgements,
            ..
        } => (
            Consuming,
            true,
            match acknowledgements {
                0 => format!("{} sends ShareFetch", n.consumer(*consumer)),
                k => format!(
                    "{} sends ShareFetch with {k} acknowledgement{}",
                    n.consumer(*consumer),
                    if *k == 1 { "" } else { "s" }
                ),
            },
        ),
        EventKind::ShareRecordsAcquired {
            consumer,
            tp,
            records,
            locked_until,
            ..
        } => {
            let offsets: Vec<u64> = records.iter().map(|r| r.offset).collect();
            let again = records.iter().filter(|r| r.delivery_count > 1).count();
            let again = match again {
                0 => String::new(),
                k => format!(" ({k} delivered before)"),
            };
            (
                Consuming,
                true,
                format!(
                    "{} acquires {}{again}, locked until {locked_until}",
                    n.consumer(*consumer),
                    records_said(n, *tp, &offsets)
                ),
            )
        }
        EventKind::ShareRecordsAcknowledged {
            consumer,
            tp,
            ack,
            offsets,
            refused,
            archived,
            start,
        } => {
            let mut line = format!(
                "{} {}s {}",
                n.consumer(*consumer),
                ack_verb(*ack),
                records_said(n, *tp, offsets)
            );
            if !refused.is_empty() {
                line += &format!(
                    "; not applied to {} (its lock ran out: another member may have it, or it is done)",
                    offsets_said(refused.iter().copied())
                );
            }
            if !archived.is_empty() {
                line += &format!(
                    "; {} reached the delivery count limit: archived",
                    offsets_said(archived.iter().copied())
                );
            }
            line += &format!("; start offset {start}");
            (
                Consuming,
                refused.is_empty() && archived.is_empty() && *ack == AckType::Accept,
                line,
            )
        }
        EventKind::ShareLocksExpired {
            group,
            tp,
            offsets,
            archived,
            ..
        } => available_again(
            format!(
                "{}'s locks on {} ran out:",
                n.group(*group),
                records_said(n, *tp, offsets)
            ),
            archived,
        ),
        EventKind::ShareSessionClosed {
            consumer,
            tp,
            offsets,
            archived,
            ..
        } => available_again(
            format!(
                "{}'s share session closed: its {} {}",
                n.consumer(*consumer),
                records_said(n, *tp, offsets),
                if offsets.len() == 1 { "is" } else { "are" }
            ),
            archived,
        ),
        EventKind::ConsumerSubscribed { consumer, topics } => (
            Groups,
            false,
            format!(
                "{} subscribes to {} (consumer.subscribe): its next heartbeat says so",
                n.consumer(*consumer),
                match topics.as_slice() {
                    [] => "nothing the cluster has".to_string(),
                    _ => topics
                        .iter()
                        .map(|&t| n.topic(t))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            ),
        ),
        EventKind::RebalanceNoticed { consumer } => (
            Groups,
            false,
            format!(
                "{}'s heartbeat is answered REBALANCE_IN_PROGRESS: it rejoins at its next poll",
                n.consumer(*consumer)
            ),
        ),
        EventKind::MemberFenced { consumer } => (
            Groups,
            false,
            format!(
                "the coordinator fenced {}: no heartbeat for the session timeout; its partitions are free",
                n.consumer(*consumer)
            ),
        ),
        EventKind::ConsumerLeft { consumer } => (
            Groups,
            false,
            format!("{} committed and left its group", n.consumer(*consumer)),
        ),
        EventKind::ConsumerSlowed {
            consumer,
            processing_ms,
        } => (
            Consuming,
            false,
            format!(
                "{} now takes {processing_ms} ms per record",
                n.consumer(*consumer)
            ),
        ),
        EventKind::JoinGroupSent { consumer, .. } => (
            Groups,
            false,
            format!("{} sent JoinGroup", n.consumer(*consumer)),
        ),
        EventKind::GroupJoined {
            group,
            generation,
            leader,
            members,
        } => (
            Groups,
            false,
            format!(
                "group {} generation {generation}: {} joined; the coordinator waits for the leader, {}, to assign",
                n.group(*group),
                members
                    .iter()
                    .map(|&m| n.consumer(m))
                    .collect::<Vec<_>>()
                    .join(", "),
                n.consumer(*leader)
            ),
        ),
        EventKind::SyncGroupSent {
            consumer,
            generation,
            ..
        } => (
            Groups,
            false,
            format!(
                "{} sent SyncGroup with its assignment for generation {generation}",
                n.consumer(*consumer)
            ),
        ),
        EventKind::RebalanceStarted { group, reason } => {
            let why = match reason {
                RebalanceReason::Joined { consumer } => format!("{} joined", n.consumer(*consumer)),
                RebalanceReason::Rejoined { consumer } => {
                    format!("{} rejoined", n.consumer(*consumer))
                }
                RebalanceReason::Left { consumer } => format!("{} left", n.consumer(*consumer)),
                RebalanceReason::Expired { consumer } => {
                    format!("{}'s session expired", n.consumer(*consumer))
                }
                RebalanceReason::PartitionsAdded { topic } => {
                    format!("{} gained partitions", n.topic(*topic))
                }
                RebalanceReason::TopicCreated { topic } => format!(
                    "its leader's metadata now has {}, which the group subscribes to",
                    n.topic(*topic)
                ),
            };
            (
                Groups,
                false,
                format!("group {} is rebalancing: {why}", n.group(*group)),
            )
        }
        EventKind::SessionExpired { group, consumer } => (
            Groups,
            false,
            format!(
                "no heartbeat from {} for session.timeout.ms: group {} drops it",
                n.consumer(*consumer),
                n.group(*group)
            ),
        ),
        EventKind::GroupRebalanced {
            group,
            generation,
            assignment,
            ..
        } => {
            let parts: Vec<String> = assignment
                .iter()
                .map(|a| format!("{}: {}", n.consumer(a.consumer), n.tps(&a.partitions)))
                .collect();
            (
                Groups,
                false,
                format!(
                    "group {} generation {generation}: {}",
                    n.group(*group),
                    parts.join("; ")
                ),
            )
        }
        EventKind::PartitionsAssigned {
            consumer,
            partitions,
            ..
        } => (
            Groups,
            false,
            format!("{} now owns {}", n.consumer(*consumer), n.tps(partitions)),
        ),
        EventKind::PartitionsRevoked {
            consumer,
            partitions,
        } => (
            Groups,
            false,
            format!("{} gave up {}", n.consumer(*consumer), n.tps(partitions)),
        ),
        EventKind::FetchSent { consumer, .. } => (
            Consuming,
            true,
            format!("{} polls: a fetch request", n.consumer(*consumer)),
        ),
        EventKind::FetchServed {
            consumer, batches, ..
        } => {
            let got: Vec<String> = batches
                .iter()
                .filter(|b| b.to_offset > b.from_offset)
                .map(|b| {
                    format!(
                        "{} offsets {}–{}",
                        n.tp(b.tp),
                        b.from_offset,
                        b.to_offset - 1
                    )
                })
                .collect();
            if got.is_empty() {
                (
                    Consuming,
                    true,
                    format!("nothing new for {}", n.consumer(*consumer)),
                )
            } else {
                (
                    Consuming,
                    false,
                    format!("{} fetched {}", n.consumer(*consumer), got.join(", ")),
                )
            }
        }
        EventKind::RecordProcessed {
            consumer,
            tp,
            offset,
            duplicate,
            ..
        } => (
            Consuming,
            false,
            format!(
                "{} processed {} offset {offset}{}",
                n.consumer(*consumer),
                n.tp(*tp),
                if *duplicate {
                    " — again: its group had processed it before (at-least-once)"
                } else {
                    ""
                }
            ),
        ),
        EventKind::RecordFailed {
            consumer,
            tp,
            offset,
            attempt,
            error,
            retry_at,
            acknowledged,
            ..
        } => {
            let next = match (retry_at, acknowledged) {
                (_, Some(AckType::Release)) => "it releases it, to be delivered again".into(),
                (_, Some(_)) => "it rejects it: archived, never delivered again".into(),
                (Some(t), None) => format!("retrying at {t}"),
                (None, None) => "no retries left".into(),
            };
            (
                Consuming,
                false,
                format!(
                    "{} failed on {} offset {offset} (attempt {attempt}: {error}); {next}",
                    n.consumer(*consumer),
                    n.tp(*tp)
                ),
            )
        }
        EventKind::RecordDeadLettered {
            consumer,
            tp,
            offset,
            dead_letter,
            ..
        } => (
            Consuming,
            false,
            format!(
                "{} gave up on {} offset {offset}: sent to dead-letter topic {}",
                n.consumer(*consumer),
                n.tp(*tp),
                n.tp(*dead_letter)
            ),
        ),
        EventKind::RecordSkipped {
            consumer,
            tp,
            offset,
            ..
        } => (
            Consuming,
            false,
            format!(
                "{} gave up on {} offset {offset} and skipped it: no dead-letter topic",
                n.consumer(*consumer),
                n.tp(*tp)
            ),
        ),
        EventKind::CommitSent {
            consumer, offsets, ..
        } => {
            let list: Vec<String> = offsets
                .iter()
                .map(|c| format!("{} → {}", n.tp(c.tp), c.offset))
                .collect();
            (
                Consuming,
                false,
                format!("{} commits {}", n.consumer(*consumer), list.join(", ")),
            )
        }
        EventKind::OffsetCommitted { group, tp, offset } => (
            Consuming,
            false,
            format!(
                "group {} committed offset {offset} on {}",
                n.group(*group),
                n.tp(*tp)
            ),
        ),
        EventKind::ClusterStarted {
            brokers,
            controller,
            ..
        } => (
            Cluster,
            false,
            match controller {
                Some(b) => {
                    format!("{brokers} broker(s) registered with ZooKeeper; controller: broker {b}")
                }
                None => format!("{brokers} broker(s) started"),
            },
        ),
        EventKind::QuorumStarted {
            voters,
            leader,
            epoch,
        } => (
            Cluster,
            false,
            format!(
                "KRaft controller quorum {voters:?}: node {leader} is the active controller (epoch {epoch}); every broker registered and unfenced"
            ),
        ),
        EventKind::TopicCreated { topic, replicas } => (
            Cluster,
            false,
            format!(
                "topic {} created with {} partition(s)",
                n.topic(*topic),
                replicas.len()
            ),
        ),
        EventKind::BrokerStarted { broker } => (Cluster, false, format!("broker {broker} started")),
        EventKind::BrokerKilled { broker } => (Cluster, false, format!("broker {broker} died")),
        EventKind::BrokerShutdownBegan { broker } => (
            Cluster,
            false,
            format!(
                "broker {broker} began a controlled shutdown: the controller moves its leaderships first"
            ),
        ),
        EventKind::BrokerStopped { broker } => (
            Cluster,
            false,
            format!("broker {broker} stopped cleanly, leading nothing"),
        ),
        EventKind::BrokerIsolated { broker } => (
            Cluster,
            false,
            format!("broker {broker} lost its links to ZooKeeper and the other brokers"),
        ),
        EventKind::BrokerReconnected { broker } => {
            (Cluster, false, format!("broker {broker}'s links came back"))
        }
        EventKind::ZookeeperHeartbeat { broker, .. } => (
            Cluster,
            true,
            format!("broker {broker} heartbeats to ZooKeeper"),
        ),
        EventKind::BrokerRegistered { broker } => (
            Cluster,
            false,
            format!("ZooKeeper registered broker {broker}"),
        ),
        EventKind::BrokerRegisteredWithController {
            broker,
            incarnation,
            broker_epoch,
        } => (
            Cluster,
            false,
            format!(
                "the active controller registered broker {broker} (incarnation {incarnation}, broker epoch {broker_epoch}), fenced until it catches up"
            ),
        ),
        EventKind::BrokerFenced { broker } => (
            Cluster,
            false,
            format!("broker {broker} was fenced: it leads nothing and leaves every ISR"),
        ),
        EventKind::BrokerUnfenced { broker } => (
            Cluster,
            false,
            format!("broker {broker} caught up and was unfenced"),
        ),
        EventKind::ControllerKilled { controller } => {
            (Cluster, false, format!("controller {controller} died"))
        }
        EventKind::ControllerStarted { controller } => {
            (Cluster, false, format!("controller {controller} started"))
        }
        EventKind::ControllerIsolated { controller } => (
            Cluster,
            false,
            format!("controller {controller} lost its network links"),
        ),
        EventKind::ControllerReconnected { controller } => (
            Cluster,
            false,
            format!("controller {controller}'s links came back"),
        ),
        EventKind::ActiveControllerElected { controller, epoch } => (
            Cluster,
            false,
            format!(
                "controller {controller} won the election: the active controller of epoch {epoch}"
            ),
        ),
        EventKind::MetadataFetched {
            controller,
            node,
            records,
            high_watermark,
            ..
        } => {
            let what = match records.as_slice() {
                [] => "nothing new".to_string(),
                [one] => metadata_record(one, n),
                [first, rest @ ..] => {
                    format!(
                        "{} and {} more records",
                        metadata_record(first, n),
                        rest.len()
                    )
                }
            };
            (
                Cluster,
                true,
                format!(
                    "controller {controller} sends node {node} {what} from the metadata log (high watermark {high_watermark})"
                ),
            )
        }
        EventKind::ZookeeperSessionExpired { broker } => (
            Cluster,
            false,
            format!(
                "ZooKeeper's session for broker {broker} expired: the controller treats it as dead"
            ),
        ),
        EventKind::ControllerElected { broker, epoch } => (
            Cluster,
            false,
            format!("broker {broker} became the controller (epoch {epoch})"),
        ),
        EventKind::LeaderElected {
            tp,
            leader,
            leader_epoch,
            isr,
            unclean,
            ..
        } => {
            let text = match leader {
                None => format!("{} is offline: no in-sync replica is alive", n.tp(*tp)),
                Some(leader) if *unclean => format!(
                    "unclean election: out-of-sync broker {leader} leads {} (epoch {leader_epoch}); records are lost",
                    n.tp(*tp)
                ),
                Some(leader) => format!(
                    "the controller elected broker {leader} leader of {} (epoch {leader_epoch}, ISR {})",
                    n.tp(*tp),
                    brokers(isr)
                ),
            };
            (Cluster, false, text)
        }
        EventKind::LeaderAndIsrApplied {
            tp, broker, leader, ..
        } => (
            Cluster,
            false,
            format!(
                "broker {broker} learned that {} is led by {}",
                n.tp(*tp),
                leader.map_or("nobody".to_string(), |l| format!("broker {l}"))
            ),
        ),
        EventKind::IsrChanged {
            tp, isr, reason, ..
        } => {
            let why = match reason {
                IsrChange::FellBehind => "a follower fell behind",
                IsrChange::CaughtUp => "a follower caught up",
                IsrChange::BrokerFailed => "a broker failed",
            };
            (
                Cluster,
                false,
                format!("ISR of {} is now {} ({why})", n.tp(*tp), brokers(isr)),
            )
        }
        EventKind::ReplicaFetchSent {
            follower, leader, ..
        } => (
            Cluster,
            true,
            format!("broker {follower} fetches from leader {leader}"),
        ),
        EventKind::ReplicaFetchServed {
            follower,
            leader,
            batches,
            ..
        } => {
            let copied: u64 = batches.iter().map(|b| b.to_offset - b.from_offset).sum();
            (
                Cluster,
                copied == 0,
                format!("broker {leader} sent {copied} record(s) to follower {follower}"),
            )
        }
        EventKind::HighWatermarkAdvanced {
            tp, high_watermark, ..
        } => (
            Cluster,
            false,
            format!(
                "high watermark of {} is now {high_watermark}: readable up to there",
                n.tp(*tp)
            ),
        ),
        EventKind::GroupCoordinatorMoved { group, coordinator } => (
            Groups,
            false,
            format!(
                "group {}'s coordinator is now {}",
                n.group(*group),
                coordinator.map_or("nobody".to_string(), |b| format!("broker {b}"))
            ),
        ),
        EventKind::CoordinatorUnavailable { group, .. } => (
            Groups,
            false,
            format!("group {}'s coordinator is unavailable", n.group(*group)),
        ),
        EventKind::ReplicaTruncated {
            tp,
            broker,
            truncation,
        } => (
            Cluster,
            false,
            format!(
                "broker {broker} cut its log of {} back from {} to {}{}",
                n.tp(*tp),
                truncation.from_offset,
                truncation.to_offset,
                if truncation.lost.is_empty() {
                    String::new()
                } else {
                    format!(": {} record(s) lost", truncation.lost.len())
                }
            ),
        ),
        EventKind::MessagePublished {
            publisher,
            exchange: to,
            routing_key,
            headers,
            ..
        } => (
            Rabbit,
            false,
            format!(
                "{} published with routing key {routing_key}{} to {}",
                n.publisher(*publisher),
                if headers.is_empty() {
                    String::new()
                } else {
                    format!(" and headers {{{}}}", crate::rabbit::headers::show(headers))
                },
                exchange(to)
            ),
        ),
        EventKind::MessageRouted {
            exchange: at, via, ..
        } => {
            let hops: Vec<String> = via
                .iter()
                .map(|hop| {
                    let to = match &hop.to {
                        Destination::Queue(q) => format!("queue {q}"),
                        Destination::Exchange(x) => exchange(x),
                    };
                    match &hop.routing_key {
                        Some(key) => format!("{to} (binding {key})"),
                        None => to,
                    }
                })
                .collect();
            (
                Rabbit,
                false,
                format!("{} routed it to {}", exchange(at), hops.join(", ")),
            )
        }
        EventKind::MessageUnroutable { returned, .. } => (
            Rabbit,
            false,
            if *returned {
                "no binding matched: returned to its publisher (mandatory)".to_string()
            } else {
                "no binding matched: dropped".to_string()
            },
        ),
        EventKind::MessageEnqueued { queue, ready, .. } => (
            Rabbit,
            false,
            format!("queue {} took it ({ready} ready)", n.queue(*queue)),
        ),
        EventKind::MessageRefused { queue, .. } => (
            Rabbit,
            false,
            format!(
                "queue {} is full and refused it (reject-publish)",
                n.queue(*queue)
            ),
        ),
        EventKind::MessageDelivered {
            queue,
            consumer,
            redelivered,
            ..
        } => (
            Rabbit,
            false,
            format!(
                "queue {} pushed it to {}{}",
                n.queue(*queue),
                n.rabbit_consumer(*consumer),
                if *redelivered { " (redelivered)" } else { "" }
            ),
        ),
        EventKind::MessageSettled {
            consumer, outcome, ..
        } => {
            let what = match outcome {
                Settlement::Ack => "acked it",
                Settlement::Requeue => "nacked it with requeue",
                Settlement::Reject => "rejected it (nack, no requeue)",
            };
            (
                Rabbit,
                false,
                format!("{} {what}", n.rabbit_consumer(*consumer)),
            )
        }
        EventKind::MessageConsumed { consumer, .. } => (
            Rabbit,
            false,
            format!("{} handled it (auto-ack)", n.rabbit_consumer(*consumer)),
        ),
        EventKind::QueueDeleted {
            queue,
            dropped,
            expired,
        } => (
            Rabbit,
            false,
            format!(
                "queue {} {} deleted with {dropped} message(s) and its bindings",
                n.queue(*queue),
                if *expired {
                    "went unused for x-expires and was"
                } else {
                    "was"
                }
            ),
        ),
        EventKind::ExchangeDeclared { exchange } => (
            Rabbit,
            false,
            format!("exchange {exchange} was declared (exchange.declare)"),
        ),
        EventKind::ExchangeDeleted { exchange } => (
            Rabbit,
            false,
            format!("exchange {exchange} was deleted with its bindings (exchange.delete)"),
        ),
        EventKind::QueuePurged { queue, purged } => (
            Rabbit,
            false,
            format!(
                "queue {} was purged of {purged} ready message(s) (queue.purge)",
                n.queue(*queue)
            ),
        ),
        EventKind::PublisherStarted { publisher } => (
            Rabbit,
            false,
            format!("publisher {} started publishing", n.publisher(*publisher)),
        ),
        EventKind::QueueDeclared { queue } => (
            Rabbit,
            false,
            format!("queue {} was declared", n.queue(*queue)),
        ),
        EventKind::BindingAdded { binding } => {
            (Rabbit, false, format!("bound {}", n.binding(*binding)))
        }
        EventKind::BindingRemoved { binding } => {
            (Rabbit, false, format!("unbound {}", n.binding(*binding)))
        }
        EventKind::RabbitConsumerCancelled { consumer } => (
            Rabbit,
            false,
            format!(
                "{} was cancelled: its queue is gone",
                n.rabbit_consumer(*consumer)
            ),
        ),
        EventKind::RabbitConsumerCrashed { consumer } => (
            Rabbit,
            false,
            format!(
                "{} crashed: its unacknowledged messages go back to the queue",
                n.rabbit_consumer(*consumer)
            ),
        ),
        EventKind::RabbitConsumerStarted { consumer } => (
            Rabbit,
            false,
            format!("{} started consuming", n.rabbit_consumer(*consumer)),
        ),
        EventKind::RabbitConsumerPrefetchSet { consumer, prefetch } => (
            Rabbit,
            false,
            format!(
                "{} consumes again with prefetch {prefetch} (basic.cancel, basic.qos, basic.consume: a consumer's prefetch is fixed when it starts); what it holds is still acknowledged",
                n.rabbit_consumer(*consumer)
            ),
        ),
        EventKind::RabbitConsumerSlowed {
            consumer,
            processing_ms,
        } => (
            Rabbit,
            false,
            format!(
                "{} now takes {processing_ms} ms per message",
                n.rabbit_consumer(*consumer)
            ),
        ),
        EventKind::MessageRequeued {
            queue,
            delivery_count,
            ..
        } => (
            Rabbit,
            false,
            format!(
                "back in queue {} (delivered {delivery_count} time(s))",
                n.queue(*queue)
            ),
        ),
        EventKind::MessageDiscarded {
            queue,
            reason,
            dead_letter_exchange,
            ..
        } => {
            let why = match reason {
                DeathReason::Rejected => "rejected",
                DeathReason::Expired => "expired (TTL)",
                DeathReason::Maxlen => "pushed out of a full queue (maxlen)",
                DeathReason::DeliveryLimit => "over its delivery limit",
            };
            let fate = dead_letter_exchange
                .as_deref()
                .map_or("dropped: no dead-letter exchange".to_string(), |x| {
                    format!("dead-lettered to {}", exchange(x))
                });
            (
                Rabbit,
                false,
                format!("queue {}: {why}, {fate}", n.queue(*queue)),
            )
        }
    }
}

/// "accept", "release" or "reject".
fn ack_verb(ack: AckType) -> &'static str {
    match ack {
        AckType::Accept => "accept",
        AckType::Release => "release",
        AckType::Reject => "reject",
    }
}

/// Records of a partition by offset: `orders-0 offsets 3-7, 9`.
fn records_said(n: &Names, tp: TopicPartition, offsets: &[u64]) -> String {
    format!(
        "{} offset{} {}",
        n.tp(tp),
        if offsets.len() == 1 { "" } else { "s" },
        offsets_said(offsets.iter().copied())
    )
}

/// Offsets as runs: `3-7, 9`.
fn offsets_said(offsets: impl Iterator<Item = u64>) -> String {
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for o in offsets {
        match runs.last_mut() {
            Some((_, last)) if *last + 1 == o => *last = o,
            _ => runs.push((o, o)),
        }
    }
    let run = |&(first, last): &(u64, u64)| match first == last {
        true => first.to_string(),
        false => format!("{first}-{last}"),
    };
    runs.iter().map(run).collect::<Vec<_>>().join(", ")
}

/// Records released by a share group's leader: `why`, then "available
/// again", and which were archived instead.
fn available_again(why: String, archived: &[u64]) -> (About, bool, String) {
    let line = format!("{why} available again{}", archived_said(archived));
    (About::Consuming, false, line)
}

/// ", except … archived at the delivery count limit", when some were.
fn archived_said(archived: &[u64]) -> String {
    match archived {
        [] => String::new(),
        _ => format!(
            ", except {} (archived: delivered as often as the limit allows)",
            offsets_said(archived.iter().copied())
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Simulation;
    use crate::scenario::presets::PRESETS;

    /// Every event of every preset reads as a sentence with real names: no
    /// unresolved id ("?") and nothing empty.
    #[test]
    fn every_event_of_every_preset_is_said_with_names() {
        for preset in PRESETS {
            let scenario = preset.scenario();
            let names = Names::new(&scenario);
            let (_, trace) = Simulation::run_traced(
                &scenario,
                SimTime::from_millis(scenario.file().duration_ms),
            );
            assert!(!trace.is_empty());
            for event in &trace {
                let sentence = event.describe(&names);
                assert!(
                    !sentence.text.is_empty() && !sentence.text.contains('?'),
                    "{}: {event:?} said as {:?}",
                    preset.id,
                    sentence.text
                );
                assert_eq!(sentence.at, event.at);
            }
        }
    }

    #[test]
    fn a_keyed_record_says_why_it_went_to_its_partition() {
        let scenario = crate::scenario::presets::default_scenario();
        let names = Names::new(&scenario);
        let (_, trace) = Simulation::run_traced(&scenario, SimTime::from_millis(2_000));
        let sent = trace
            .iter()
            .find(|e| matches!(e.kind, EventKind::RecordSent { .. }))
            .expect("a record was sent")
            .describe(&names);
        assert_eq!(sent.about, About::Producing);
        assert!(
            sent.text.starts_with("checkout sent checkout-1 (key ")
                && sent.text.contains("to orders-")
                && sent.text.ends_with("(murmur2 of the key)"),
            "{}",
            sent.text
        );
    }
}
