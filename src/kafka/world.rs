//! What the view knows about a run, folded from the trace.
//!
//! The app never reads the engine's internal state. It only watches the
//! events, exactly as the CLI and the tests do, and folds them into a
//! [`World`]: logs with their latest records, committed offsets, assignments,
//! each consumer's inbox, and every message still travelling (a [`Flight`]).
//! A flight starts when its event is emitted and lands at its `arrives_at`
//! time; landing may change the world (fetched records enter the consumer's
//! inbox).

use super::share::Shares;
use crate::cluster::world::ClusterWorld;
use crate::flights::{Flights, Flying};
use crate::wire::OnTheWire;
use litemap::LiteMap;
use mqsim::ids::{ConsumerId, GroupId, ProducerId, RecordId, TopicId, TopicPartition};
use mqsim::kafka::pauses::Pauses;
use mqsim::scenario::GroupKind;
use mqsim::{Event, EventKind, Scenario, SimTime};
use std::collections::VecDeque;
use std::rc::Rc;

/// How many of a partition's newest records the view remembers.
pub const RECENT_RECORDS: usize = 256;

/// One record as the view draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordView {
    pub record: RecordId,
    pub tp: TopicPartition,
    pub offset: u64,
    pub key: Option<Rc<str>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartitionView {
    pub log_end: u64,
    /// The oldest offset retention has kept.
    pub log_start: u64,
    /// The newest records, oldest first.
    pub recent: VecDeque<RecordView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TopicView {
    pub name: String,
    /// Some group sends the records it gives up on here.
    pub dead_letter: bool,
    pub partitions: Vec<PartitionView>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupView {
    pub name: String,
    pub generation: u32,
    pub topics: Vec<String>,
    pub committed: LiteMap<TopicPartition, u64>,
    /// A rebalance is in progress: members are rejoining.
    pub rebalancing: bool,
    /// A consumer without a `group.id`, shown as a group of one.
    pub standalone: bool,
    /// A share group (KIP-932).
    pub share: bool,
    /// Its members are live clients (`by_hand`), which read on their own.
    pub live: bool,
    /// A share group's share-partitions, as far as it has read them.
    pub shares: Shares,
    /// On the consumer protocol (KIP-848): the group epoch its coordinator
    /// last gave.
    pub epoch: Option<u32>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerView {
    pub name: String,
    pub group: GroupId,
    pub assigned: Vec<TopicPartition>,
    /// Fetched records waiting to be processed; the first is in progress.
    pub inbox: VecDeque<RecordView>,
    pub processed: u64,
    /// Records it processed that its group had processed before.
    pub duplicates: u64,
    /// The failed attempts at the record in progress, while it is retried.
    pub retrying: Option<u32>,
    /// Records given up on: sent to a dead-letter topic or skipped.
    pub given_up: u64,
    pub status: ConsumerStatus,
    /// How long one record takes now.
    pub processing_ms: u64,
    /// How long one record took as the scenario set it up.
    pub usual_processing_ms: u64,
    /// On the consumer protocol: where the coordinator last said this
    /// member stands.
    pub member: Option<MemberView>,
}

/// A consumer-protocol member as its coordinator last answered it
/// (KIP-848): its epoch, and how far it is from its target assignment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberView {
    pub epoch: i64,
    /// Partitions it was told to give up and has not yet revoked.
    pub revoking: Vec<TopicPartition>,
    /// Partitions of its target it does not own yet.
    pub awaiting: Vec<TopicPartition>,
}

impl ConsumerView {
    /// Partitions it still owns but must give up.
    pub fn revoking(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        let pending = self.member.iter().flat_map(|m| &m.revoking);
        pending.copied().filter(|tp| self.assigned.contains(tp))
    }

    /// Partitions coming to it that it does not own yet.
    pub fn awaiting(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        let pending = self.member.iter().flat_map(|m| &m.awaiting);
        pending.copied().filter(|tp| !self.assigned.contains(tp))
    }
}

/// Where a consumer process is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerStatus {
    /// Not started yet (it joins later in the timeline).
    NotStarted,
    /// Sent JoinGroup and waits for its assignment.
    Joining,
    /// Consuming the partitions it owns.
    Running,
    Crashed,
    Left,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProducerView {
    pub name: String,
    pub sent: u64,
    /// Sending now: the scenario's producers from the start, an added one
    /// once the timeline starts it, none after it is removed.
    pub running: bool,
}

/// A place a flight starts or ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    Producer(ProducerId),
    /// The end of a partition's log, where the next record is appended.
    LogEnd(TopicPartition),
    /// One record's cell in a partition's log.
    Cell(TopicPartition, u64),
    /// The group's committed-offset marker on a partition.
    Committed(GroupId, TopicPartition),
    Consumer(ConsumerId),
}

/// What is travelling.
#[derive(Clone, Debug, PartialEq)]
pub enum Cargo {
    /// A record, produced or fetched.
    Record(RecordView),
    /// A consumer's fetch request: Kafka consumers pull.
    FetchRequest,
    /// An offset commit on its way to the group coordinator.
    Commit { offset: u64 },
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub cargo: Cargo,
    pub from: Anchor,
    pub to: Anchor,
    pub start: SimTime,
    pub end: SimTime,
    /// Who receives it, when landing changes their state.
    pub lands_in: Option<ConsumerId>,
}

impl Flying for Flight {
    fn lands_at(&self) -> SimTime {
        self.end
    }
}

/// The view's picture of a run at the time of the last applied event.
#[derive(Clone, Debug, PartialEq)]
pub struct World {
    pub topics: Vec<TopicView>,
    pub producers: Vec<ProducerView>,
    pub groups: Vec<GroupView>,
    pub consumers: Vec<ConsumerView>,
    pub flights: Flights<Flight>,
    /// Brokers, replicas, ZooKeeper and the controller.
    pub cluster: ClusterWorld,
    /// Every key the scenario's producers use, in the order first listed;
    /// the view gives each its own colour.
    pub known_keys: Vec<String>,
    /// Keys of records sent but not yet appended, so that the log cell can
    /// show the key the producer chose.
    unappended: OnTheWire<RecordId, Option<Rc<str>>>,
    /// How long each group's partitions have gone without an owner.
    pub pauses: Pauses,
}

impl World {
    /// The world of `scenario` before anything happened.
    pub fn new(scenario: &Scenario) -> World {
        let kafka = &scenario.file().kafka;
        let added_groups = scenario.added_groups();
        // A topic the timeline creates has no partitions (and takes no room)
        // until it is created.
        let topics = scenario
            .topics()
            .iter()
            .map(|(t, created_at)| TopicView {
                name: t.name.clone(),
                dead_letter: kafka
                    .groups
                    .iter()
                    .chain(added_groups.iter().map(|(g, _)| *g))
                    .any(|g| g.retry.dead_letter_topic.as_ref() == Some(&t.name)),
                partitions: match created_at {
                    None => vec![PartitionView::default(); t.partitions as usize],
                    Some(_) => Vec::new(),
                },
            })
            .collect();
        let roster = scenario.producers();
        let producers = roster
            .iter()
            .map(|(p, from)| ProducerView {
                name: p.name.clone(),
                sent: 0,
                running: from.is_none(),
            })
            .collect();
        let groups = (scenario.groups().iter())
            .map(|g| GroupView {
                name: g.name.to_string(),
                generation: 0,
                topics: g.topics.to_vec(),
                committed: LiteMap::new_vec(),
                rebalancing: false,
                standalone: g.kind == GroupKind::Standalone,
                share: g.kind == GroupKind::Share,
                live: g.by_hand,
                shares: Shares::new_vec(),
                epoch: None,
            })
            .collect();
        let consumers = scenario
            .consumers()
            .iter()
            .map(|c| ConsumerView {
                name: c.spec.name.clone(),
                group: c.group,
                assigned: Vec::new(),
                inbox: VecDeque::new(),
                processed: 0,
                duplicates: 0,
                retrying: None,
                given_up: 0,
                status: ConsumerStatus::NotStarted,
                processing_ms: c.spec.processing_ms,
                usual_processing_ms: c.spec.processing_ms,
                member: None,
            })
            .collect();
        let mut known_keys: Vec<String> = Vec::new();
        for key in roster.iter().flat_map(|(p, _)| &p.keys) {
            if !known_keys.contains(key) {
                known_keys.push(key.clone());
            }
        }
        World {
            topics,
            producers,
            groups,
            consumers,
            flights: Flights::default(),
            cluster: ClusterWorld::default(),
            known_keys,
            unappended: OnTheWire::default(),
            pauses: Pauses::new(scenario),
        }
    }

    pub fn partition(&self, tp: TopicPartition) -> &PartitionView {
        &self.topics[tp.topic.index()].partitions[tp.partition as usize]
    }

    fn partition_mut(&mut self, tp: TopicPartition) -> &mut PartitionView {
        &mut self.topics[tp.topic.index()].partitions[tp.partition as usize]
    }

    /// Lag of `group` on `tp`: log end minus committed offset, none before
    /// the first commit (as `kafka-consumer-groups.sh` shows it).
    /// A share group's lag is what it has not finished: the records from
    /// its start offset on, less those done in its window.
    pub fn lag(&self, group: GroupId, tp: TopicPartition) -> Option<u64> {
        let g = &self.groups[group.index()];
        let log_end = self.partition(tp).log_end;
        if let Some(view) = g.shares.get(&tp) {
            let from_start = log_end.saturating_sub(view.start);
            return Some(from_start.saturating_sub(view.done_in_window()));
        }
        let committed = g.committed.get(&tp)?;
        Some(log_end.saturating_sub(*committed))
    }

    /// Records `group` has yet to commit, over every partition of its
    /// topics: the lag where it has committed, and the whole retained log
    /// where it has not yet.
    pub fn backlog(&self, group: GroupId) -> u64 {
        let reads = &self.groups[group.index()].topics;
        let mut backlog = 0;
        for (t, topic) in self.topics.iter().enumerate() {
            if !reads.contains(&topic.name) {
                continue;
            }
            for (p, part) in topic.partitions.iter().enumerate() {
                let tp = TopicPartition {
                    topic: TopicId(t as u32),
                    partition: p as u32,
                };
                backlog += self.lag(group, tp).unwrap_or(part.log_end - part.log_start);
            }
        }
        backlog
    }

    /// Lands every flight that has arrived by `now`, in arrival order.
    pub fn land_until(&mut self, now: SimTime) {
        self.cluster.land_until(now);
        for flight in self.flights.land_until(now) {
            if let (Some(consumer), Cargo::Record(record)) = (flight.lands_in, flight.cargo) {
                // As in the engine: a fetched record is kept only by a
                // consumer that still owns its partition (not one that
                // crashed, left, or gave the partition up meanwhile).
                let c = &mut self.consumers[consumer.index()];
                if c.assigned.contains(&record.tp) {
                    c.inbox.push_back(record);
                }
            }
        }
    }

    /// Puts a message on the wire.
    pub(super) fn fly(&mut self, flight: Flight) {
        self.flights.take_off(flight);
    }

    /// Applies one event: state changes now, messages start flying.
    pub fn apply(&mut self, event: &Event) {
        self.cluster.apply(event);
        self.pauses.apply(event);
        self.land_until(event.at);
        let at = event.at;
        match &event.kind {
            EventKind::RecordSent {
                record,
                producer,
                tp,
                key,
                arrives_at,
                ..
            } => {
                let tp = *tp;
                self.producers[producer.index()].sent += 1;
                self.unappended.send(*record, key.clone());
                self.fly(Flight {
                    cargo: Cargo::Record(RecordView {
                        record: *record,
                        tp,
                        offset: 0,
                        key: key.clone(),
                    }),
                    from: Anchor::Producer(*producer),
                    to: Anchor::LogEnd(tp),
                    start: at,
                    end: *arrives_at,
                    lands_in: None,
                });
            }
            EventKind::RecordAppended {
                record, tp, offset, ..
            } => {
                let tp = *tp;
                let key = self.unappended.arrive(*record).flatten();
                let view = RecordView {
                    record: *record,
                    tp,
                    offset: *offset,
                    key,
                };
                let log = self.partition_mut(tp);
                log.log_end = offset + 1;
                log.recent.push_back(view);
                if log.recent.len() > RECENT_RECORDS {
                    log.recent.pop_front();
                }
            }
            EventKind::LogTrimmed {
                tp,
                log_start_offset,
                ..
            } => {
                let log = self.partition_mut(*tp);
                log.log_start = *log_start_offset;
                log.recent.retain(|r| r.offset >= *log_start_offset);
            }
            EventKind::OffsetReset { .. } => {}
            EventKind::PartitionsAdded {
                topic, partitions, ..
            } => {
                let logs = &mut self.topics[topic.index()].partitions;
                logs.resize_with(*partitions as usize, Default::default);
            }
            EventKind::TopicCreated { topic, replicas } => {
                let logs = &mut self.topics[topic.index()].partitions;
                logs.resize_with(replicas.len(), Default::default);
            }
            EventKind::ConsumerStarted { consumer } => {
                self.consumers[consumer.index()].status = ConsumerStatus::Joining;
            }
            EventKind::ConsumerCrashed { consumer } => {
                let c = &mut self.consumers[consumer.index()];
                c.status = ConsumerStatus::Crashed;
                c.member = None;
                c.assigned.clear();
                c.inbox.clear();
            }
            EventKind::ConsumerLeft { consumer } => {
                let c = &mut self.consumers[consumer.index()];
                c.status = ConsumerStatus::Left;
                c.member = None;
                c.inbox.clear();
            }
            EventKind::JoinGroupSent { consumer, .. } => {
                self.consumers[consumer.index()].status = ConsumerStatus::Joining;
            }
            EventKind::RebalanceStarted { group, .. } => {
                self.groups[group.index()].rebalancing = true;
            }
            EventKind::SessionExpired { .. } => {}
            // A group of live clients: still rebalancing until the
            // leader's assignment comes (`GroupRebalanced`).
            EventKind::GroupJoined { .. } | EventKind::SyncGroupSent { .. } => {}
            EventKind::ProducerStarted { producer } => {
                self.producers[producer.index()].running = true
            }
            EventKind::ProducerStopped { producer } => {
                self.producers[producer.index()].running = false;
            }
            EventKind::ConsumerSlowed {
                consumer,
                processing_ms,
            } => self.consumers[consumer.index()].processing_ms = *processing_ms,
            EventKind::ConsumerGroupHeartbeatAnswered {
                consumer,
                group_epoch,
                member_epoch,
                revoking,
                awaiting,
                ..
            } => {
                if let Some(c) = self.consumers.get_mut(consumer.index()) {
                    c.member = Some(MemberView {
                        epoch: *member_epoch,
                        revoking: revoking.clone(),
                        awaiting: awaiting.clone(),
                    });
                    let group = c.group;
                    self.groups[group.index()].epoch = Some(*group_epoch);
                }
            }
            EventKind::GroupRebalanced {
                group, generation, ..
            } => {
                let g = &mut self.groups[group.index()];
                g.generation = *generation;
                g.rebalancing = false;
            }
            EventKind::PartitionsAssigned {
                consumer,
                partitions,
                ..
            } => {
                let c = &mut self.consumers[consumer.index()];
                c.assigned = partitions.clone();
                c.status = ConsumerStatus::Running;
            }
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
            } => {
                let c = &mut self.consumers[consumer.index()];
                c.assigned.retain(|tp| !partitions.contains(tp));
                c.inbox.retain(|r| !partitions.contains(&r.tp));
            }
            EventKind::FetchSent {
                consumer,
                arrives_at,
            }
            | EventKind::ShareFetchSent {
                consumer,
                arrives_at,
                ..
            } => {
                let c = &self.consumers[consumer.index()];
                if let Some(&tp) = c.assigned.first() {
                    self.fly(Flight {
                        cargo: Cargo::FetchRequest,
                        from: Anchor::Consumer(*consumer),
                        to: Anchor::LogEnd(tp),
                        start: at,
                        end: *arrives_at,
                        lands_in: None,
                    });
                }
            }
            EventKind::FetchServed {
                consumer,
                batches,
                arrives_at,
            } => {
                for batch in batches {
                    let tp = batch.tp;
                    for offset in batch.from_offset..batch.to_offset {
                        let record = self.record_at(tp, offset);
                        self.fly(Flight {
                            cargo: Cargo::Record(record),
                            from: Anchor::Cell(tp, offset),
                            to: Anchor::Consumer(*consumer),
                            start: at,
                            end: *arrives_at,
                            lands_in: Some(*consumer),
                        });
                    }
                }
            }
            EventKind::RecordProcessed {
                consumer,
                tp,
                offset,
                duplicate,
                ..
            } => {
                let tp = *tp;
                let c = &mut self.consumers[consumer.index()];
                c.processed += 1;
                c.duplicates += u64::from(*duplicate);
                c.retrying = None;
                if let Some(i) = c
                    .inbox
                    .iter()
                    .position(|r| r.tp == tp && r.offset == *offset)
                {
                    c.inbox.remove(i);
                }
            }
            EventKind::RecordFailed {
                consumer,
                tp,
                offset,
                attempt,
                retry_at,
                acknowledged,
                ..
            } => {
                let c = &mut self.consumers[consumer.index()];
                c.retrying = retry_at.map(|_| *attempt);
                if acknowledged.is_some() {
                    // A share consumer does not retry: it acknowledges.
                    c.inbox.retain(|r| !(r.tp == *tp && r.offset == *offset));
                }
            }
            EventKind::ShareGroupHeartbeatAnswered {
                consumer,
                group_epoch,
                ..
            } => {
                let group = self.consumers[consumer.index()].group;
                self.groups[group.index()].epoch = Some(*group_epoch);
            }
            EventKind::ShareRecordsAcquired { .. }
            | EventKind::ShareRecordsAcknowledged { .. }
            | EventKind::ShareLocksExpired { .. }
            | EventKind::ShareSessionClosed { .. } => {
                self.apply_share(event);
            }
            EventKind::RecordDeadLettered {
                consumer,
                tp,
                offset,
                dead_letter,
                dead_letter_record,
                arrives_at,
                ..
            } => {
                let record = self.give_up(*consumer, *tp, *offset);
                self.unappended
                    .send(*dead_letter_record, record.key.clone());
                self.fly(Flight {
                    cargo: Cargo::Record(RecordView {
                        record: *dead_letter_record,
                        tp: *dead_letter,
                        offset: 0,
                        key: record.key,
                    }),
                    from: Anchor::Consumer(*consumer),
                    to: Anchor::LogEnd(*dead_letter),
                    start: at,
                    end: *arrives_at,
                    lands_in: None,
                });
            }
            EventKind::RecordSkipped {
                consumer,
                tp,
                offset,
                ..
            } => {
                self.give_up(*consumer, *tp, *offset);
            }
            EventKind::CommitSent {
                consumer,
                offsets,
                arrives_at,
            } => {
                let group = self.consumers[consumer.index()].group;
                for o in offsets {
                    let tp = o.tp;
                    self.fly(Flight {
                        cargo: Cargo::Commit { offset: o.offset },
                        from: Anchor::Consumer(*consumer),
                        to: Anchor::Committed(group, tp),
                        start: at,
                        end: *arrives_at,
                        lands_in: None,
                    });
                }
            }
            EventKind::OffsetCommitted { group, tp, offset } => {
                let tp = *tp;
                self.groups[group.index()].committed.insert(tp, *offset);
            }
            // The cluster's own events: `self.cluster` follows them.
            EventKind::RecordAcknowledged { .. }
            | EventKind::ProduceFailed { .. }
            | EventKind::BrokerStarted { .. }
            | EventKind::BrokerKilled { .. }
            | EventKind::BrokerIsolated { .. }
            | EventKind::BrokerReconnected { .. }
            | EventKind::ZookeeperHeartbeat { .. }
            | EventKind::BrokerRegistered { .. }
            | EventKind::BrokerRegisteredWithController { .. }
            | EventKind::BrokerFenced { .. }
            | EventKind::BrokerUnfenced { .. }
            | EventKind::ActiveControllerElected { .. }
            | EventKind::MetadataFetched { .. }
            | EventKind::BrokerShutdownBegan { .. }
            | EventKind::BrokerStopped { .. }
            | EventKind::ConsumerGroupHeartbeatSent { .. }
            | EventKind::MemberFenced { .. }
            | EventKind::RebalanceNoticed { .. }
            | EventKind::ConsumerSubscribed { .. }
            | EventKind::ShareGroupHeartbeatSent { .. }
            | EventKind::SharePartitionsInitialized { .. }
            | EventKind::ShareAcknowledgeChosen { .. }
            | EventKind::ControllerKilled { .. }
            | EventKind::ControllerStarted { .. }
            | EventKind::ControllerIsolated { .. }
            | EventKind::ControllerReconnected { .. }
            | EventKind::QuorumStarted { .. }
            | EventKind::ZookeeperSessionExpired { .. }
            | EventKind::ControllerElected { .. }
            | EventKind::LeaderElected { .. }
            | EventKind::IsrChanged { .. }
            | EventKind::LeaderAndIsrApplied { .. }
            | EventKind::ReplicaFetchSent { .. }
            | EventKind::ReplicaFetchServed { .. }
            | EventKind::HighWatermarkAdvanced { .. }
            | EventKind::ReplicaTruncated { .. }
            | EventKind::GroupCoordinatorMoved { .. }
            | EventKind::MessagePublished { .. }
            | EventKind::MessageRouted { .. }
            | EventKind::MessageUnroutable { .. }
            | EventKind::MessageEnqueued { .. }
            | EventKind::MessageRefused { .. }
            | EventKind::MessageDelivered { .. }
            | EventKind::MessageSettled { .. }
            | EventKind::MessageRequeued { .. }
            | EventKind::MessageDiscarded { .. }
            | EventKind::RabbitConsumerCrashed { .. }
            | EventKind::QueueDeleted { .. }
            | EventKind::QueuePurged { .. }
            | EventKind::ExchangeDeleted { .. }
            | EventKind::QueueDeclared { .. }
            | EventKind::BindingAdded { .. }
            | EventKind::BindingRemoved { .. }
            | EventKind::RabbitConsumerCancelled { .. }
            | EventKind::RabbitConsumerStarted { .. }
            | EventKind::RabbitConsumerSlowed { .. }
            | EventKind::RabbitConsumerPrefetchSet { .. }
            | EventKind::ExchangeDeclared { .. }
            | EventKind::PublisherStarted { .. }
            | EventKind::ClusterStarted { .. }
            | EventKind::MessageConsumed { .. }
            | EventKind::CoordinatorUnavailable { .. } => {}
        }
    }

    /// A consumer gave up on the record at `offset` of `tp`: it leaves the
    /// inbox. Returns what the view knows of it.
    fn give_up(&mut self, consumer: ConsumerId, tp: TopicPartition, offset: u64) -> RecordView {
        let record = self.record_at(tp, offset);
        let c = &mut self.consumers[consumer.index()];
        c.retrying = None;
        c.given_up += 1;
        c.inbox.retain(|r| !(r.tp == tp && r.offset == offset));
        record
    }

    /// The record at `offset` of `tp`. A record older than the view
    /// remembers is drawn without its key.
    pub(super) fn record_at(&self, tp: TopicPartition, offset: u64) -> RecordView {
        self.partition(tp)
            .recent
            .iter()
            .find(|r| r.offset == offset)
            .cloned()
            .unwrap_or(RecordView {
                record: RecordId(u64::MAX),
                tp,
                offset,
                key: None,
            })
    }
}
