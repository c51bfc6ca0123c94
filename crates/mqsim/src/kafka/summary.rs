//! A snapshot of the Kafka side in the terms `kafka-consumer-groups.sh
//! --describe` uses: log end offset, committed ("current") offset and lag
//! per partition and group.
//!
//! *Lag* is how far a group is behind: the end of what it can read (the
//! leader's high watermark) minus the group's committed offset. Like Kafka's
//! tool, the summary shows no lag for a partition the group has never
//! committed. The cluster is described as `kafka-topics.sh --describe` and
//! ZooKeeper show it: leader, replicas and ISR per partition, live brokers
//! and the controller.

use super::Kafka;
use super::share::ShareState;
use super::share::partition::RecordState;
use crate::ids::{GroupId, TopicPartition};
use crate::time::SimTime;
use serde::Serialize;

/// The state of the Kafka side at one moment.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KafkaSummary {
    pub at_ms: u64,
    pub cluster: ClusterSummary,
    pub topics: Vec<TopicSummary>,
    pub groups: Vec<GroupSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClusterSummary {
    /// The brokers whose process is up.
    pub live_brokers: Vec<u32>,
    /// The brokers whose process is down.
    pub dead_brokers: Vec<u32>,
    /// Live brokers cut off from ZooKeeper and the other brokers.
    pub isolated_brokers: Vec<u32>,
    /// In ZooKeeper mode, the broker that is the controller, and its epoch.
    pub controller: Option<u32>,
    pub controller_epoch: u32,
    /// In KRaft mode, the metadata quorum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<QuorumSummary>,
}

/// The metadata quorum as `kafka-metadata-quorum.sh describe --status`
/// shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuorumSummary {
    /// The active controller's node id, if a controller leads.
    pub leader_id: Option<u32>,
    /// The highest epoch any live controller is in.
    pub leader_epoch: u32,
    /// How far the quorum has committed the metadata log.
    pub high_watermark: u64,
    /// How many records the furthest-behind live voter lacks.
    pub max_follower_lag: u64,
    pub current_voters: Vec<u32>,
    /// The brokers that only read the log.
    pub current_observers: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicSummary {
    pub name: String,
    pub partitions: Vec<PartitionSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionSummary {
    pub partition: u32,
    /// Records in the leader's log.
    pub messages: u64,
    pub log_end_offset: u64,
    /// Records below it are on every in-sync replica; consumers read up to it.
    pub high_watermark: u64,
    /// The leader; none while the partition is offline.
    pub leader: Option<u32>,
    pub leader_epoch: u32,
    /// The replicas, preferred leader first.
    pub replicas: Vec<u32>,
    /// Each replica's own log end offset and high watermark, in the same
    /// order.
    pub replica_offsets: Vec<ReplicaOffsets>,
    /// The in-sync replicas.
    pub isr: Vec<u32>,
    /// Records lost to truncation (after `acks=1` or an unclean election).
    pub lost_records: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplicaOffsets {
    pub broker: u32,
    pub log_end_offset: u64,
    pub high_watermark: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupSummary {
    pub name: String,
    /// A consumer without a `group.id`: it owns every partition and commits nothing.
    pub standalone: bool,
    pub generation: u32,
    /// On the consumer protocol (KIP-848): its group epoch, in place of a
    /// generation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    /// The broker coordinating the group; none for a standalone consumer or
    /// while its `__consumer_offsets` partition has no live leader.
    pub coordinator: Option<u32>,
    pub partitions: Vec<GroupPartitionSummary>,
    pub members: Vec<MemberSummary>,
    /// Records processed more than once by the group (at-least-once delivery).
    pub duplicates: u64,
    /// A share group's state (`kafka-share-groups.sh --describe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<ShareGroupSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareGroupSummary {
    pub group_epoch: u32,
    pub partitions: Vec<SharePartitionSummary>,
}

/// One share-partition: its window of in-flight records and their states.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SharePartitionSummary {
    pub topic: String,
    pub partition: u32,
    /// The share-partition start offset (SPSO): everything below is done.
    pub start_offset: u64,
    /// One past the last record acquired so far.
    pub end_offset: u64,
    pub available: u64,
    pub acquired: u64,
    /// Done, but above a record that is not, so inside the window.
    pub done_in_window: u64,
    /// Records archived so far (rejected, or at the delivery count limit).
    pub archived: u64,
    /// Records not yet done: the high watermark less the start offset and
    /// the done records in the window.
    pub lag: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupPartitionSummary {
    pub topic: String,
    pub partition: u32,
    /// The member that owns the partition now, if any.
    pub owner: Option<String>,
    pub committed_offset: Option<u64>,
    /// The leader's high watermark: the end of what consumers can read.
    pub log_end_offset: u64,
    /// `log_end_offset - committed_offset`; none before the first commit.
    pub lag: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemberSummary {
    pub name: String,
    /// Whether the consumer process is up (it may have crashed or left).
    pub running: bool,
    pub processed: u64,
    /// Records it processed that the group had already processed.
    pub duplicates: u64,
    /// Processing attempts that failed.
    pub failures: u64,
    /// Records it gave up on and sent to the dead-letter topic.
    pub dead_lettered: u64,
    /// Records it gave up on and skipped.
    pub skipped: u64,
}

impl Kafka {
    /// The summary at time `now`.
    pub fn summary(&self, now: SimTime) -> KafkaSummary {
        let topics = self
            .topics
            .iter()
            .map(|t| TopicSummary {
                name: t.name.to_string(),
                partitions: t
                    .partitions
                    .iter()
                    .enumerate()
                    .map(|(p, partition)| {
                        let log = partition.log();
                        PartitionSummary {
                            partition: p as u32,
                            messages: log.log_end_offset() - log.log_start_offset(),
                            log_end_offset: log.log_end_offset(),
                            high_watermark: partition.high_watermark(),
                            leader: partition.leader.map(|b| b.0),
                            leader_epoch: partition.leader_epoch,
                            replicas: partition.replicas.iter().map(|r| r.broker.0).collect(),
                            replica_offsets: partition
                                .replicas
                                .iter()
                                .map(|r| ReplicaOffsets {
                                    broker: r.broker.0,
                                    log_end_offset: r.log.log_end_offset(),
                                    high_watermark: r.high_watermark,
                                })
                                .collect(),
                            isr: partition.isr.iter().map(|b| b.0).collect(),
                            lost_records: partition.lost_records,
                        }
                    })
                    .collect(),
            })
            .collect();
        let groups = self
            .groups
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                let partitions = g
                    .topics
                    .iter()
                    .flat_map(|&topic| {
                        (0..self.topics[topic.index()].partitions.len() as u32)
                            .map(move |partition| TopicPartition { topic, partition })
                    })
                    .map(|tp| {
                        let log_end_offset = self.partition(tp).high_watermark();
                        let committed_offset = g.committed.get(&tp).copied();
                        GroupPartitionSummary {
                            topic: self.topics[tp.topic.index()].name.to_string(),
                            partition: tp.partition,
                            // A share group's partitions are shared, not owned.
                            owner: (self.consumers.iter())
                                .filter(|_| g.share.is_none())
                                .find(|c| c.group.index() == gi && c.running && c.owns(&tp))
                                .map(|c| c.name.to_string()),
                            committed_offset,
                            log_end_offset,
                            lag: committed_offset.map(|c| log_end_offset.saturating_sub(c)),
                        }
                    })
                    .collect();
                let members: Vec<MemberSummary> = self
                    .consumers
                    .iter()
                    .filter(|c| c.group.index() == gi)
                    .map(|c| MemberSummary {
                        name: c.name.to_string(),
                        running: c.running,
                        processed: c.processed,
                        duplicates: c.duplicates,
                        failures: c.failures,
                        dead_lettered: c.dead_lettered,
                        skipped: c.skipped,
                    })
                    .collect();
                GroupSummary {
                    name: g.name.to_string(),
                    standalone: g.standalone,
                    generation: g.generation,
                    epoch: g.modern.as_ref().map(|m| m.epoch),
                    coordinator: if g.standalone {
                        None
                    } else {
                        self.coordinator(GroupId(gi as u32)).map(|b| b.0)
                    },
                    partitions,
                    duplicates: members.iter().map(|m| m.duplicates).sum(),
                    members,
                    share: g.share.as_ref().map(|share| self.share_summary(share)),
                }
            })
            .collect();
        let (live, dead): (Vec<_>, Vec<_>) = self.cluster.brokers.iter().partition(|b| b.alive);
        let zookeeper = &self.cluster.zookeeper;
        KafkaSummary {
            at_ms: now.as_millis(),
            cluster: ClusterSummary {
                live_brokers: live.iter().map(|b| b.id.0).collect(),
                dead_brokers: dead.iter().map(|b| b.id.0).collect(),
                isolated_brokers: live.iter().filter(|b| b.isolated).map(|b| b.id.0).collect(),
                // In KRaft mode no broker is the controller: the quorum's
                // active controller is.
                controller: zookeeper
                    .controller
                    .filter(|_| self.cluster.kraft.is_none())
                    .map(|b| b.0),
                controller_epoch: if self.cluster.kraft.is_none() {
                    zookeeper.controller_epoch
                } else {
                    0
                },
                quorum: self
                    .cluster
                    .kraft
                    .as_ref()
                    .map(|kraft| self.quorum_summary(kraft)),
            },
            topics,
            groups,
        }
    }
}

impl Kafka {
    fn share_summary(&self, share: &ShareState) -> ShareGroupSummary {
        let partitions = share
            .partitions
            .iter()
            .map(|(&tp, sp)| {
                let count = |state| sp.records.iter().filter(|r| r.state == state).count() as u64;
                let done = count(RecordState::Acknowledged) + count(RecordState::Archived);
                let high_watermark = self.partition(tp).high_watermark();
                SharePartitionSummary {
                    topic: self.topics[tp.topic.index()].name.to_string(),
                    partition: tp.partition,
                    start_offset: sp.start,
                    end_offset: sp.end(),
                    available: count(RecordState::Available),
                    acquired: count(RecordState::Acquired),
                    done_in_window: done,
                    archived: sp.archived,
                    lag: high_watermark.saturating_sub(sp.start).saturating_sub(done),
                }
            })
            .collect();
        ShareGroupSummary {
            group_epoch: share.coordinator.epoch,
            partitions,
        }
    }
}
