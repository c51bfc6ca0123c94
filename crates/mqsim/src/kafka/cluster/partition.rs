//! A replicated partition: one copy of the log per replica, a leader, and
//! the in-sync replicas (ISR).
//!
//! Every read and write goes through the leader. Followers copy the
//! leader's log by fetching from it, the way a consumer does. The leader
//! keeps track of how far each follower has got, and the *high watermark*
//! is the lowest log end offset among the ISR: every record below it is on
//! every in-sync replica, so it survives the loss of any of them.
//! Consumers only ever see records below the high watermark.

use super::super::log::PartitionLog;
use super::writes::ProduceRequest;
use crate::ids::BrokerId;
use crate::time::SimTime;

/// One broker's copy of a partition.
#[derive(Clone, Debug)]
pub struct Replica {
    pub broker: BrokerId,
    pub log: PartitionLog,
    /// The high watermark as this replica last heard it (a follower learns
    /// it from its fetch responses).
    pub high_watermark: u64,
    /// The leader's view of this follower: the offset it last asked for,
    /// meaning it has everything below.
    pub(super) fetch_offset: u64,
    /// The leader's view of this follower: when it last fetched up to the
    /// leader's log end.
    pub(super) caught_up_at: SimTime,
}

/// A partition's replicas and leadership.
#[derive(Clone, Debug)]
pub struct Partition {
    /// The replicas, preferred leader first.
    pub replicas: Vec<Replica>,
    /// The broker leading the partition; none while it is offline.
    pub leader: Option<BrokerId>,
    /// Counts leader changes; records carry the epoch they were written in.
    pub leader_epoch: u32,
    /// The in-sync replicas, in replica order.
    pub isr: Vec<BrokerId>,
    /// `acks=all` writes the leader holds until the high watermark passes
    /// their offset.
    pub(crate) pending_acks: Vec<(u64, ProduceRequest)>,
}

impl Partition {
    /// A new, empty partition on `brokers`, led by the first.
    pub fn new(brokers: &[BrokerId]) -> Partition {
        Partition {
            replicas: brokers
                .iter()
                .map(|&broker| Replica {
                    broker,
                    log: PartitionLog::default(),
                    high_watermark: 0,
                    fetch_offset: 0,
                    caught_up_at: SimTime::ZERO,
                })
                .collect(),
            leader: brokers.first().copied(),
            leader_epoch: 0,
            isr: brokers.to_vec(),
            pending_acks: Vec::new(),
        }
    }

    pub fn replica(&self, broker: BrokerId) -> Option<&Replica> {
        self.replicas.iter().find(|r| r.broker == broker)
    }

    pub(super) fn replica_mut(&mut self, broker: BrokerId) -> Option<&mut Replica> {
        self.replicas.iter_mut().find(|r| r.broker == broker)
    }

    /// The leader's replica; while offline, the preferred replica's, which
    /// is where the data waits.
    pub fn leader_replica(&self) -> &Replica {
        self.leader
            .and_then(|leader| self.replica(leader))
            .unwrap_or(&self.replicas[0])
    }

    pub(super) fn leader_replica_mut(&mut self) -> &mut Replica {
        let i = self
            .leader
            .and_then(|leader| self.replicas.iter().position(|r| r.broker == leader))
            .unwrap_or(0);
        &mut self.replicas[i]
    }

    /// The log clients see: the leader's.
    pub fn log(&self) -> &PartitionLog {
        &self.leader_replica().log
    }

    /// The leader's high watermark: consumers read below it.
    pub fn high_watermark(&self) -> u64 {
        self.leader_replica().high_watermark
    }

    /// What the high watermark should be: the lowest log end offset over
    /// the ISR, as the leader knows them. Never below where it already is.
    pub(super) fn in_sync_end(&self) -> u64 {
        let leader = self.leader_replica();
        let lowest = self
            .isr
            .iter()
            .filter_map(|&b| self.replica(b))
            .map(|r| {
                if Some(r.broker) == self.leader {
                    r.log.log_end_offset()
                } else {
                    r.fetch_offset
                }
            })
            .min()
            .unwrap_or(leader.log.log_end_offset());
        lowest.max(leader.high_watermark)
    }

    /// Whether `broker` is in the ISR.
    pub fn in_sync(&self, broker: BrokerId) -> bool {
        self.isr.contains(&broker)
    }
}
