//! Partition assignment: which member of a group reads which partitions.
//!
//! Within one consumer group each partition is read by exactly one member, so
//! the group shares the work and each record is processed once by the group.
//! A member may own several partitions; a member beyond the number of
//! partitions owns none and stays idle. After every membership change the
//! group *rebalances*, and an assignor computes the new assignment.
//!
//! The four assignors of Kafka's Java client, each reproducing its Java
//! class exactly (same member ids, subscriptions and partition counts give
//! the same assignment):
//!
//! | strategy | Java class | idea |
//! | --- | --- | --- |
//! | `range` | `RangeAssignor` | per topic, contiguous ranges to members in id order |
//! | `roundrobin` | `RoundRobinAssignor` | all partitions, dealt out like cards |
//! | `sticky` | `StickyAssignor` | balanced, and keeps what members already own |
//! | `cooperative-sticky` | `CooperativeStickyAssignor` | sticky, but a moving partition is first revoked, then assigned in a second rebalance |
//!
//! The sticky pair follows the client since Kafka 3.5, whose
//! `AbstractStickyAssignor` was rewritten for rack awareness (KIP-881); racks
//! are not modelled, and without them that code is what runs.
//!
//! Java orders topics by name, so the assignors here do too: a
//! [`TopicPartition`]'s `TopicId` is only an index into [`Topic`] names.
//!
//! # Topics that do not exist
//! A member may subscribe to a topic the cluster does not have (yet). Java's
//! `AbstractPartitionAssignor.assign(Cluster, GroupSubscription)` leaves a
//! topic without partitions in the metadata out of `partitionsPerTopic`
//! ("Skipping assignment for topic … since no metadata is available"), so
//! no assignor ever hands out a partition of it; the subscriptions
//! themselves are passed on unchanged. Here such a topic is a [`Topic`]
//! with no partitions. `range` and `roundrobin` then find nothing to deal
//! out for it. The sticky pair is the one place the raw subscriptions
//! matter: `allSubscriptionsEqual` compares them as given, so a missing
//! topic named by only some members sends them to the general builder,
//! which (like the constrained one) reads only the topics that exist.

pub(crate) mod java_order;
mod range;
mod round_robin;
mod sticky;

use crate::ids::{TopicId, TopicPartition};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// `partition.assignment.strategy`, by the names Kafka gives them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Strategy {
    #[default]
    #[serde(rename = "range")]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [
        Strategy::Range,
        Strategy::RoundRobin,
        Strategy::Sticky,
        Strategy::CooperativeSticky,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Range => "range",
            Strategy::RoundRobin => "roundrobin",
            Strategy::Sticky => "sticky",
            Strategy::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Whether rebalances with this strategy follow the cooperative protocol
    /// (members keep what they own while others move) rather than the eager
    /// one (every member gives up everything first).
    pub fn is_cooperative(self) -> bool {
        self == Strategy::CooperativeSticky
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Strategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Strategy, String> {
        Strategy::ALL
            .into_iter()
            .find(|strategy| strategy.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
                format!(
                    "unknown assignment strategy {s:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A topic as the assignor sees it.
#[derive(Clone, Copy, Debug)]
pub struct Topic<'a> {
    pub name: &'a str,
    /// The partition count in the metadata; 0 for a topic the cluster does
    /// not have.
    pub partitions: u32,
}

/// A member taking part in a rebalance, in the order members joined.
#[derive(Clone, Copy, Debug)]
pub struct Member<'a> {
    /// The member id; assignors order members by it.
    pub id: &'a str,
    /// The topics it subscribes to.
    pub topics: &'a [TopicId],
    /// What it owned in the previous generation (sticky assignors keep it).
    pub owned: &'a [TopicPartition],
    /// The generation its `owned` list comes from, if it has one.
    pub generation: Option<i32>,
}

/// The outcome of one assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// One list per member, in the order the members were given, sorted by
    /// topic name and partition.
    pub partitions: Vec<Vec<TopicPartition>>,
    /// Cooperative only: partitions that move to a new owner. They are left
    /// out of this assignment until their old owner has revoked them, and are
    /// assigned in a follow-up rebalance.
    pub withheld: Vec<TopicPartition>,
}

/// Computes the assignment of `topics` to `members` with `strategy`.
pub fn assign(strategy: Strategy, topics: &[Topic<'_>], members: &[Member<'_>]) -> Assignment {
    let names = |tp: &TopicPartition| topics[tp.topic.index()].name;
    let mut assignment = match strategy {
        Strategy::Range => Assignment {
            partitions: range::assign(topics, members),
            withheld: Vec::new(),
        },
        Strategy::RoundRobin => Assignment {
            partitions: round_robin::assign(topics, members),
            withheld: Vec::new(),
        },
        Strategy::Sticky | Strategy::CooperativeSticky => {
            sticky::assign(topics, members, strategy.is_cooperative())
        }
    };
    for list in &mut assignment.partitions {
        crate::sort::sort_by(list, |a, b| by_name(names(a), a, names(b), b));
    }
    crate::sort::sort_by(&mut assignment.withheld, |a, b| {
        by_name(names(a), a, names(b), b)
    });
    assignment
}

/// Java's `TopicPartition` order in the assignors: topic name, then partition.
fn by_name(name_a: &str, a: &TopicPartition, name_b: &str, b: &TopicPartition) -> Ordering {
    name_a.cmp(name_b).then(a.partition.cmp(&b.partition))
}

/// Every partition of the topics any member subscribes to, sorted as Java
/// sorts them: by topic name, then partition.
fn all_partitions_sorted(topics: &[Topic<'_>], members: &[Member<'_>]) -> Vec<TopicPartition> {
    let mut subscribed: Vec<TopicId> = members
        .iter()
        .flat_map(|m| m.topics.iter().copied())
        .collect();
    crate::sort::sort_by(&mut subscribed, |a, b| {
        topics[a.index()].name.cmp(topics[b.index()].name)
    });
    subscribed.dedup();
    subscribed
        .into_iter()
        .flat_map(|topic| {
            (0..topics[topic.index()].partitions)
                .map(move |partition| TopicPartition { topic, partition })
        })
        .collect()
}

/// Member indices sorted by member id, as Java's `Utils.sorted(memberInfos)`
/// orders members without a `group.instance.id`.
fn sorted_by_id(members: &[Member<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    crate::sort::sort_by(&mut order, |&a, &b| members[a].id.cmp(members[b].id));
    order
}

#[cfg(test)]
mod tests;
