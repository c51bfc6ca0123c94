//! Consumer groups and their coordinator.
//!
//! Consumers that share a `group.id` divide the partitions of the topics they
//! subscribe to: each partition is read by one member of the group, so adding
//! members (up to the number of partitions) adds throughput. Different groups
//! are independent: each gets every record, which is how Kafka does
//! publish/subscribe.
//!
//! A broker acts as each group's *coordinator*. It keeps the member list,
//! runs rebalances (see [`rebalance`](super::rebalance)) and stores the
//! group's committed offsets. Each completed rebalance starts a new
//! *generation* of the group.

use super::assignor::Strategy;
use super::consumer_protocol::ServerAssignor;
use super::consumer_protocol::coordinator::Group as ModernGroup;
use super::share::ShareState;
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, TopicId, TopicPartition};
use crate::scenario::{
    CommitMode, Failures, GroupProtocol, GroupSpec, OffsetReset, RemoteAssignor, ShareGroupSpec,
    StandaloneSpec,
};
use crate::time::SimTime;
use crate::trace::{CommittedOffset, EventKind};
use litemap::LiteMap;
use std::rc::Rc;

/// A consumer group as its coordinator sees it.
#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    pub name: Rc<str>,
    pub topics: Vec<TopicId>,
    pub commit: CommitMode,
    pub auto_offset_reset: OffsetReset,
    pub strategy: Strategy,
    pub session_timeout_ms: u64,
    /// Keys whose records always fail: poison messages.
    pub poison_keys: Vec<Rc<str>>,
    /// The chance that one processing attempt fails.
    pub failure_probability: f64,
    pub retries: u32,
    pub backoff_ms: u64,
    /// Where records go that failed every retry; none: they are skipped.
    pub dead_letter_topic: Option<TopicId>,
    /// A standalone consumer's group of one: no coordinator, no rebalance,
    /// no commits.
    pub standalone: bool,
    /// Its members are live clients: they fetch outside the run, and join,
    /// rejoin, commit and leave as the timeline says; the leader's client
    /// assigns (`group_sync`).
    pub by_hand: bool,
    /// With `by_hand`: the generation whose members have all joined, while
    /// the coordinator waits for its leader's assignment.
    pub awaiting_sync: Option<u32>,
    /// The members the coordinator knows, in the order they joined.
    pub members: Vec<ConsumerId>,
    pub generation: u32,
    /// The rebalance in progress, if any.
    pub rebalance: Option<Rebalance>,
    /// The partition count of each subscribed topic when the last
    /// assignment was computed (0: the topic did not exist), as the
    /// leader's `assignmentSnapshot`: metadata that no longer matches it
    /// makes the group rebalance.
    pub assigned_metadata: Vec<u32>,
    /// With the consumer protocol (KIP-848), the group as its coordinator
    /// keeps it: epochs, the target assignment, each member's state.
    pub modern: Option<ModernGroup>,
    /// A share group (KIP-932): its coordinator's state and its
    /// share-partitions. It commits no offsets.
    pub share: Option<Box<ShareState>>,
    /// The committed offset of each partition: the next record the group reads.
    pub committed: LiteMap<TopicPartition, u64>,
    /// Per partition, one past the highest offset any member has processed
    /// (see [`ConsumerGroup::note_processed`]): by topic, then partition.
    processed_next: Vec<Vec<u64>>,
}

/// A rebalance waiting for its members to (re)join.
#[derive(Clone, Debug, Default)]
pub struct Rebalance {
    pub joined: Vec<JoinRequest>,
    /// An empty group waits `group.initial.rebalance.delay.ms` for more members.
    pub not_before: SimTime,
}

/// What a member said in its JoinGroup request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinRequest {
    pub consumer: ConsumerId,
    pub owned: Vec<TopicPartition>,
    pub generation: Option<u32>,
}

impl ConsumerGroup {
    pub fn new(
        spec: &GroupSpec,
        topics: Vec<TopicId>,
        dead_letter_topic: Option<TopicId>,
    ) -> ConsumerGroup {
        ConsumerGroup {
            name: Rc::from(spec.name.as_str()),
            topics,
            commit: spec.commit,
            auto_offset_reset: spec.auto_offset_reset,
            strategy: spec.assignment_strategy,
            session_timeout_ms: spec.session_timeout_ms,
            poison_keys: spec
                .failures
                .poison_keys
                .iter()
                .map(|k| Rc::from(k.as_str()))
                .collect(),
            failure_probability: spec.failures.probability,
            retries: spec.retry.retries,
            backoff_ms: spec.retry.backoff_ms,
            dead_letter_topic,
            standalone: false,
            by_hand: spec.by_hand,
            awaiting_sync: None,
            members: Vec::new(),
            generation: 0,
            rebalance: None,
            assigned_metadata: Vec::new(),
            modern: (spec.protocol == GroupProtocol::Consumer).then(|| {
                ModernGroup::new(match spec.remote_assignor {
                    RemoteAssignor::Uniform => ServerAssignor::Uniform,
                    RemoteAssignor::Range => ServerAssignor::Range,
                })
            }),
            share: None,
            committed: LiteMap::new_vec(),
            processed_next: Vec::new(),
        }
    }
}

impl ConsumerGroup {
    /// The stand-in group of a consumer without a `group.id`.
    pub fn standalone(spec: &StandaloneSpec, topics: Vec<TopicId>) -> ConsumerGroup {
        let as_group = plain_group(&spec.name, spec.auto_offset_reset, Failures::default());
        ConsumerGroup {
            standalone: true,
            ..ConsumerGroup::new(&as_group, topics, None)
        }
    }

    /// A share group: members that share partitions record by record.
    pub fn share(spec: &ShareGroupSpec, topics: Vec<TopicId>) -> ConsumerGroup {
        let as_group = plain_group(&spec.name, spec.auto_offset_reset, spec.failures.clone());
        ConsumerGroup {
            share: Some(Box::new(ShareState::new(spec))),
            ..ConsumerGroup::new(&as_group, topics, None)
        }
    }
}

impl ConsumerGroup {
    /// Notes that a member processed `offset` of `tp`, and says whether the
    /// group had processed it before: records are read in offset order, so
    /// one below the highest processed is a duplicate (at-least-once
    /// delivery). This runs for every record, so the partitions are
    /// indexed, not searched.
    pub fn note_processed(&mut self, tp: TopicPartition, offset: u64) -> bool {
        let (topic, partition) = (tp.topic.index(), tp.partition as usize);
        while self.processed_next.len() <= topic {
            self.processed_next.push(Vec::new());
        }
        let partitions = &mut self.processed_next[topic];
        while partitions.len() <= partition {
            partitions.push(0);
        }
        let next = &mut partitions[partition];
        let before = offset < *next;
        *next = (*next).max(offset + 1);
        before
    }

    /// Its state as its coordinator names it; none for a standalone
    /// consumer's stand-in, which no coordinator keeps.
    pub fn state(&self) -> Option<GroupState> {
        if self.standalone {
            return None;
        }
        if let Some(share) = &self.share {
            let empty = share.coordinator.members.is_empty();
            return Some(if empty {
                GroupState::Empty
            } else {
                GroupState::Stable
            });
        }
        if let Some(modern) = &self.modern {
            return Some(modern.state());
        }
        Some(if self.members.is_empty() {
            GroupState::Empty
        } else if self.rebalance.is_some() {
            GroupState::PreparingRebalance
        } else if self.awaiting_sync.is_some() {
            GroupState::CompletingRebalance
        } else {
            GroupState::Stable
        })
    }
}

/// A group's state, as its coordinator names it (`ListGroups`,
/// `kafka-consumer-groups.sh --describe --state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupState {
    /// No members (a group of committed offsets only).
    Empty,
    /// Classic: waiting for every member to (re)join.
    PreparingRebalance,
    /// Classic: every member has joined; waiting for the leader's assignment.
    CompletingRebalance,
    /// Consumer protocol: the group epoch is ahead of the target assignment's.
    Assigning,
    /// Consumer protocol: some member has yet to reach the target.
    Reconciling,
    /// Every member has its assignment.
    Stable,
}

impl GroupState {
    /// Kafka's name for it.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Assigning => "Assigning",
            GroupState::Reconciling => "Reconciling",
            GroupState::Stable => "Stable",
        }
    }
}

/// A group's settings with the classic protocol's defaults, for the
/// groups that are not consumer groups (a standalone consumer's group of
/// one, a share group): they commit nothing and never rebalance.
fn plain_group(name: &str, auto_offset_reset: OffsetReset, failures: Failures) -> GroupSpec {
    GroupSpec {
        commit: CommitMode::AfterBatch,
        auto_offset_reset,
        failures,
        ..GroupSpec::new(name, Vec::new(), Vec::new())
    }
}

impl Kafka {
    /// An offset commit reaches the coordinator, which stores it.
    pub(super) fn on_commit(
        &mut self,
        group: GroupId,
        offsets: Vec<CommittedOffset>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let g = &mut self.groups[group.index()];
        for o in offsets {
            g.committed.insert(o.tp, o.offset);
            ctx.emit(EventKind::OffsetCommitted {
                group,
                tp: o.tp,
                offset: o.offset,
            });
        }
    }
}
