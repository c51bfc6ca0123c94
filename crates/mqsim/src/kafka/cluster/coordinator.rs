//! Group coordinators: which broker runs each consumer group.
//!
//! A group's state and committed offsets are records in the internal topic
//! `__consumer_offsets`, in partition `abs(group.id.hashCode()) % 50`
//! (`offsets.topic.num.partitions`). The leader of that partition is the
//! group's *coordinator*: it handles the group's joins, heartbeats and
//! commits. When that broker fails, the controller elects a new leader for
//! the partition; the new leader becomes the coordinator and loads the group
//! from the replicated log, so committed offsets survive. Until then the
//! group's requests fail with `COORDINATOR_NOT_AVAILABLE` and are retried.
//!
//! The internal topic's leadership is modelled here, not its records: the
//! group's offsets are kept with the group.

use super::super::assignor::java_order::string_hash_code;
use super::super::{Action, Kafka};
use super::placement::assign_replicas;
use crate::agenda::Ctx;
use crate::ids::{BrokerId, GroupId};
use crate::rng::{SimRng, Stream};
use crate::trace::EventKind;

/// `offsets.topic.num.partitions`.
pub const OFFSETS_TOPIC_PARTITIONS: u32 = 50;
/// `offsets.topic.replication.factor`, capped by the cluster size.
const OFFSETS_TOPIC_REPLICATION_FACTOR: u32 = 3;
/// How long a client waits before asking again for an unavailable
/// coordinator (`retry.backoff.ms`).
pub(crate) const COORDINATOR_RETRY_MS: u64 = 100;

/// One partition of `__consumer_offsets`: its replicas and leader.
#[derive(Clone, Debug)]
pub struct OffsetsPartition {
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
}

/// The `__consumer_offsets` partitions of a cluster of `brokers`.
pub(super) fn offsets_topic(brokers: u32, seed: u64) -> Vec<OffsetsPartition> {
    let mut rng = SimRng::new(seed, Stream::OffsetsTopic);
    let (start, shift) = (rng.index(brokers), rng.index(brokers));
    let replication_factor = OFFSETS_TOPIC_REPLICATION_FACTOR.min(brokers);
    assign_replicas(
        OFFSETS_TOPIC_PARTITIONS,
        0,
        replication_factor,
        brokers,
        start,
        shift,
    )
    .into_iter()
    .map(|replicas| OffsetsPartition {
        leader: replicas.first().map(|&b| BrokerId(b)),
        replicas: replicas.into_iter().map(BrokerId).collect(),
    })
    .collect()
}

/// `GroupCoordinator.partitionFor`: `Utils.abs(groupId.hashCode) % 50`.
pub fn offsets_partition_for(group: &str) -> u32 {
    let hash = string_hash_code(group);
    // Utils.abs maps Integer.MIN_VALUE to 0.
    let abs = if hash == i32::MIN {
        0
    } else {
        hash.unsigned_abs()
    };
    abs % OFFSETS_TOPIC_PARTITIONS
}

impl Kafka {
    /// The broker coordinating `group`, if its partition has a live leader.
    pub fn coordinator(&self, group: GroupId) -> Option<BrokerId> {
        self.coordinator_of(&self.groups[group.index()].name)
    }

    /// The broker that coordinates, or would coordinate, the group named
    /// `group`: a client asks before the group exists (`FindCoordinator`).
    pub fn coordinator_of(&self, group: &str) -> Option<BrokerId> {
        self.cluster.offsets[offsets_partition_for(group) as usize]
            .leader
            .filter(|&b| self.cluster.is_alive(b))
    }

    /// Whether `action`, bound for `group`'s coordinator, can be handled
    /// now. If not, it is tried again shortly: a client's request (`shown`)
    /// is retried, and a coordinator's own timer waits for the new
    /// coordinator, which restarts it when it loads the group.
    pub(crate) fn coordinator_ready(
        &mut self,
        group: GroupId,
        action: &Action,
        shown: bool,
        ctx: &mut Ctx<'_, Action>,
    ) -> bool {
        if self.groups[group.index()].standalone || self.coordinator(group).is_some() {
            return true;
        }
        let retry_at = ctx.now + COORDINATOR_RETRY_MS;
        if shown {
            ctx.emit(EventKind::CoordinatorUnavailable {
                group,
                retry_at: Some(retry_at),
            });
        }
        ctx.at(retry_at, action.clone());
        false
    }

    /// The controller gives each `__consumer_offsets` partition whose leader
    /// lost its registration (in KRaft mode: was fenced) a new one: the
    /// first registered replica. With
    /// `preferred`, every partition goes back to its first replica where that
    /// one is registered. (The internal topic's followers have nothing to
    /// fetch, so every registered replica counts as in sync.)
    pub(crate) fn elect_coordinators(
        &mut self,
        bounced: Option<BrokerId>,
        preferred: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        // Registered with ZooKeeper, or in KRaft mode unfenced.
        let (zookeeper, kraft) = (&self.cluster.zookeeper, self.cluster.kraft.as_ref());
        let member =
            |b: BrokerId| kraft.map_or_else(|| zookeeper.is_registered(b), |k| k.is_active(b));
        let live = |b: BrokerId| member(b) && Some(b) != bounced;
        let mut moved = Vec::new();
        for (p, partition) in self.cluster.offsets.iter_mut().enumerate() {
            let first = partition.replicas[0];
            if partition.leader.is_some_and(live) && !(preferred && live(first)) {
                continue;
            }
            let leader = partition.replicas.iter().copied().find(|&b| live(b));
            if leader != partition.leader {
                partition.leader = leader;
                moved.push((p as u32, leader));
            }
        }
        for (p, coordinator) in moved {
            for (g, group) in self.groups.iter().enumerate() {
                if !group.standalone && offsets_partition_for(&group.name) == p {
                    ctx.emit(EventKind::GroupCoordinatorMoved {
                        group: GroupId(g as u32),
                        coordinator,
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Utils.abs(groupId.hashCode()) % 50`, with hash codes Java prints:
    /// "test-group" is 627841412, "my-group" -1906497762, and
    /// "polygenelubricants" is the classic `Integer.MIN_VALUE`, which
    /// `Utils.abs` maps to 0 where `Math.abs` would stay negative.
    #[test]
    fn groups_map_to_offsets_partitions_like_kafka() {
        assert_eq!(offsets_partition_for("test-group"), 12);
        assert_eq!(offsets_partition_for("my-group"), 12);
        assert_eq!(string_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(offsets_partition_for("polygenelubricants"), 0);
    }

    #[test]
    fn the_offsets_topic_has_fifty_partitions_on_up_to_three_brokers() {
        let one = offsets_topic(1, 7);
        assert_eq!(one.len(), 50);
        assert!(one.iter().all(|p| p.replicas == [BrokerId(0)]));
        let five = offsets_topic(5, 7);
        assert!(five.iter().all(|p| p.replicas.len() == 3));
    }
}
