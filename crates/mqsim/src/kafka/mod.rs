//! The Kafka side of the engine.
//!
//! Kafka is a distributed, partitioned, append-only log. Producers append
//! records to the partitions of a topic; consumers in a group split the
//! partitions between them and pull records in offset order, committing how
//! far they got.
//!
//! # Layout
//! - [`partitioner`]: which partition a record goes to (murmur2, round robin).
//! - [`log`]: a partition's log of records and offsets.
//! - [`producer`]: sending records at a rate.
//! - [`consumer`]: the poll loop, positions, processing and commits.
//! - [`group`]: consumer groups, their coordinator and committed offsets.
//! - [`assignor`]: which member owns which partition.
//! - [`summary`]: per-partition counts, committed offsets and lag.
//!
//! Each handler (`on_produce`, `on_poll`, …) lives beside the component it
//! drives and reacts to one [`Action`]: it updates state, emits trace events
//! and schedules further actions through its context, and does nothing else.

pub mod assignor;
pub mod consumer;
pub mod group;
pub mod log;
pub mod partitioner;
pub mod producer;
pub mod summary;

use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, ProducerId, RecordId, TopicId, TopicPartition};
use crate::scenario::Scenario;
use crate::time::SimTime;
use crate::trace::{CommittedOffset, EventKind, FetchedBatch};
use consumer::{Consumer, FetchedRecord};
use group::ConsumerGroup;
use log::{PartitionLog, StoredRecord};
use producer::Producer;
use std::sync::Arc;

/// A topic and the logs of its partitions.
#[derive(Clone, Debug)]
pub struct Topic {
    pub name: Arc<str>,
    pub partitions: Vec<PartitionLog>,
}

/// Something that will happen on the Kafka side at a scheduled time.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// A producer's next record is due.
    Produce { producer: ProducerId },
    /// A produce request reaches the partition leader.
    Append {
        record: RecordId,
        tp: TopicPartition,
        key: Option<Arc<str>>,
        value: Arc<str>,
    },
    /// A group forms at the start of the run.
    GroupStart { group: GroupId },
    /// A consumer's poll loop comes round.
    Poll { consumer: ConsumerId },
    /// A fetch request reaches the broker, with the offset to read from per
    /// partition (`None`: no position yet, use `auto.offset.reset`).
    Fetch {
        consumer: ConsumerId,
        fetch_from: Vec<(TopicPartition, Option<u64>)>,
    },
    /// A fetch response reaches the consumer.
    FetchResponse {
        consumer: ConsumerId,
        batches: Vec<FetchedBatch>,
        records: Vec<FetchedRecord>,
    },
    /// A consumer finishes processing a record.
    Processed { consumer: ConsumerId },
    /// An offset commit reaches the group coordinator.
    Commit {
        group: GroupId,
        offsets: Vec<CommittedOffset>,
    },
}

/// The whole Kafka side: topics, producers, groups and their consumers.
#[derive(Clone, Debug)]
pub struct Kafka {
    pub topics: Vec<Topic>,
    pub producers: Vec<Producer>,
    pub groups: Vec<ConsumerGroup>,
    pub consumers: Vec<Consumer>,
    next_record_id: u64,
}

impl Kafka {
    /// Builds the Kafka side of `scenario` and the actions that start it.
    pub(crate) fn new(scenario: &Scenario) -> (Kafka, Vec<(SimTime, Action)>) {
        let file = scenario.file();
        let spec = &file.kafka;
        let topic_id = |name: &str| {
            // Validation guarantees every referenced topic exists.
            TopicId(spec.topics.iter().position(|t| t.name == name).unwrap_or(0) as u32)
        };
        let topics = spec
            .topics
            .iter()
            .map(|t| Topic {
                name: Arc::from(t.name.as_str()),
                partitions: vec![PartitionLog::default(); t.partitions as usize],
            })
            .collect();
        let producers: Vec<Producer> = spec
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| Producer::new(ProducerId(i as u32), p, topic_id(&p.topic), file.seed))
            .collect();
        let mut consumers = Vec::new();
        let mut groups = Vec::new();
        for (g, group) in spec.groups.iter().enumerate() {
            let first = consumers.len() as u32;
            consumers.extend(
                group
                    .members
                    .iter()
                    .map(|m| Consumer::new(m, GroupId(g as u32))),
            );
            let members = (first..consumers.len() as u32).map(ConsumerId).collect();
            let topics = group.topics.iter().map(|t| topic_id(t)).collect();
            groups.push(ConsumerGroup::new(group, topics, members));
        }
        let mut start = Vec::new();
        for (i, p) in producers.iter().enumerate() {
            start.push((
                p.send_time(0),
                Action::Produce {
                    producer: ProducerId(i as u32),
                },
            ));
        }
        for g in 0..groups.len() {
            start.push((
                SimTime::ZERO,
                Action::GroupStart {
                    group: GroupId(g as u32),
                },
            ));
        }
        let kafka = Kafka {
            topics,
            producers,
            groups,
            consumers,
            next_record_id: 0,
        };
        (kafka, start)
    }

    /// Carries out one scheduled action.
    pub(crate) fn handle(&mut self, action: Action, ctx: &mut Ctx<'_, Action>) {
        match action {
            Action::Produce { producer } => self.on_produce(producer, ctx),
            Action::Append {
                record,
                tp,
                key,
                value,
            } => {
                let log = &mut self.topics[tp.topic.index()].partitions[tp.partition as usize];
                let offset = log.append(StoredRecord {
                    id: record,
                    key,
                    value,
                    timestamp: ctx.now,
                });
                ctx.emit(EventKind::RecordAppended { record, tp, offset });
            }
            Action::GroupStart { group } => self.on_group_start(group, ctx),
            Action::Poll { consumer } => self.on_poll(consumer, ctx),
            Action::Fetch {
                consumer,
                fetch_from,
            } => self.on_fetch(consumer, fetch_from, ctx),
            Action::FetchResponse {
                consumer,
                batches,
                records,
            } => self.on_fetch_response(consumer, batches, records, ctx),
            Action::Processed { consumer } => self.on_processed(consumer, ctx),
            Action::Commit { group, offsets } => self.on_commit(group, offsets, ctx),
        }
    }

    /// The log of one partition.
    pub fn log(&self, tp: TopicPartition) -> &PartitionLog {
        &self.topics[tp.topic.index()].partitions[tp.partition as usize]
    }
}
