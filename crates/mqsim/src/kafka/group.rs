//! Consumer groups and their coordinator.
//!
//! Consumers that share a `group.id` divide the partitions of the topics they
//! subscribe to: each partition is read by one member of the group, so adding
//! members (up to the number of partitions) adds throughput. Different groups
//! are independent: each gets every record, which is how Kafka does
//! publish/subscribe.
//!
//! A broker acts as each group's *coordinator*. It stores the group's
//! committed offsets and runs its rebalances; the assignment itself is
//! computed with the group's `partition.assignment.strategy` (see
//! [`assignor`](super::assignor)).
//! The assignment is numbered by a *generation* that grows with every
//! rebalance.

use super::assignor::{self, Member, Strategy, Topic};
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, TopicId, TopicPartition};
use crate::scenario::{CommitMode, GroupSpec, OffsetReset};
use crate::trace::{CommittedOffset, EventKind, MemberAssignment};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A consumer group as its coordinator sees it.
#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    pub name: Arc<str>,
    pub topics: Vec<TopicId>,
    pub commit: CommitMode,
    pub auto_offset_reset: OffsetReset,
    pub strategy: Strategy,
    pub members: Vec<ConsumerId>,
    pub generation: u32,
    /// The committed offset of each partition: the next record the group reads.
    pub committed: BTreeMap<TopicPartition, u64>,
}

impl ConsumerGroup {
    pub fn new(spec: &GroupSpec, topics: Vec<TopicId>, members: Vec<ConsumerId>) -> ConsumerGroup {
        ConsumerGroup {
            name: Arc::from(spec.name.as_str()),
            topics,
            commit: spec.commit,
            auto_offset_reset: spec.auto_offset_reset,
            strategy: spec.assignment_strategy,
            members,
            generation: 0,
            committed: BTreeMap::new(),
        }
    }
}

impl Kafka {
    /// The group forms when the run starts: all members join at once, the
    /// coordinator computes the first assignment (generation 1), and every
    /// member starts its poll loop.
    pub(super) fn on_group_start(&mut self, group: GroupId, ctx: &mut Ctx<'_, Action>) {
        let g = &mut self.groups[group.index()];
        g.generation += 1;
        let members: Vec<Member> = g
            .members
            .iter()
            .map(|m| Member {
                id: &self.consumers[m.index()].name,
                topics: &g.topics,
                owned: &[],
                generation: None,
            })
            .collect();
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .map(|t| Topic {
                name: &t.name,
                partitions: t.partitions.len() as u32,
            })
            .collect();
        // Every member of a group subscribes to the group's topics, which is
        // the case every assignor here reproduces.
        let assignment = assignor::assign(g.strategy, &topics, &members)
            .expect("members of one group share one subscription");
        let mut event = Vec::new();
        for (&member, partitions) in g.members.iter().zip(assignment.partitions) {
            self.consumers[member.index()].assigned = partitions.clone();
            event.push(MemberAssignment {
                consumer: member,
                partitions,
            });
            ctx.at(ctx.now, Action::Poll { consumer: member });
        }
        ctx.emit(EventKind::GroupRebalanced {
            group,
            generation: g.generation,
            assignment: event,
        });
    }

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
