//! A replicated partition: one copy of the log per replica, a leader, and
//! the in-sync replicas (ISR).
//!
//! Every read and write goes through the leader. Followers copy the
//! leader's log by fetching from it, the way a consumer does. The leader
//! keeps track of how far each follower has got, and the *high watermark*
//! is the lowest log end offset among the ISR: every record below it is on
//! every in-sync replica, so it survives the loss of any of them.
//! Consumers only ever see records below the high watermark.
//!
//! Who leads is written in ZooKeeper (here [`Partition::leader`],
//! [`Partition::leader_epoch`] and [`Partition::isr`]), but each broker acts
//! on what it last heard from the controller ([`Replica::state`]). The two
//! usually agree; a broker cut off from the controller keeps acting on an
//! old state, and that is where records get lost.

use super::super::log::PartitionLog;
use super::writes::ProduceRequest;
use crate::ids::BrokerId;
use crate::time::SimTime;

/// Leadership as one broker knows it: the contents of the last
/// `LeaderAndIsr` request it got (a leader also records its own ISR changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderAndIsr {
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub isr: Vec<BrokerId>,
}

/// What a leader knows of one follower.
#[derive(Clone, Copy, Debug)]
pub(super) struct FollowerProgress {
    pub broker: BrokerId,
    /// The offset it last asked for: it has everything below.
    pub fetch_offset: u64,
    /// When it last had everything the leader had (`lastCaughtUpTimeMs`).
    pub caught_up_at: SimTime,
    /// The leader's log end at its previous fetch, and when that was
    /// (`lastFetchLeaderLogEndOffset`, `lastFetchTimeMs`).
    pub last_fetch_leader_end: u64,
    pub last_fetch_at: SimTime,
}

/// One broker's copy of a partition.
#[derive(Clone, Debug)]
pub struct Replica {
    pub broker: BrokerId,
    pub log: PartitionLog,
    /// The high watermark as this replica knows it (a follower learns it
    /// from its fetch responses).
    pub high_watermark: u64,
    /// Leadership as this broker knows it; none until the controller has
    /// told it (after a restart).
    pub state: Option<LeaderAndIsr>,
    /// As leader: its followers' progress.
    pub(super) followers: Vec<FollowerProgress>,
    /// As leader: `acks=all` writes waiting for the high watermark, with
    /// when they arrived.
    pub(crate) pending_acks: Vec<(u64, SimTime, ProduceRequest)>,
}

impl Replica {
    /// Whether this broker believes it leads the partition.
    pub fn believes_leader(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|s| s.leader == Some(self.broker))
    }

    /// The leader this broker follows, if it is a follower.
    pub fn following(&self) -> Option<BrokerId> {
        self.state
            .as_ref()
            .and_then(|s| s.leader)
            .filter(|&l| l != self.broker)
    }

    /// What the high watermark should be, as this broker leads: the lowest
    /// log end offset over its ISR. Never below where it already is.
    pub(super) fn in_sync_end(&self) -> u64 {
        let own = self.log.log_end_offset();
        let isr = self.state.as_ref().map_or(&[][..], |s| &s.isr[..]);
        let lowest = isr
            .iter()
            .filter(|&&b| b != self.broker)
            .map(|&b| {
                self.followers
                    .iter()
                    .find(|f| f.broker == b)
                    .map_or(0, |f| f.fetch_offset)
            })
            .fold(own, u64::min);
        lowest.max(self.high_watermark)
    }

    /// Starts leading at `now`: nothing is known yet of the followers.
    pub(super) fn become_leader(&mut self, followers: &[BrokerId], now: SimTime) {
        let log_end = self.log.log_end_offset();
        self.followers = followers
            .iter()
            .filter(|&&b| b != self.broker)
            .map(|&broker| FollowerProgress {
                broker,
                fetch_offset: 0,
                caught_up_at: now,
                last_fetch_leader_end: log_end,
                last_fetch_at: now,
            })
            .collect();
    }
}

/// A partition's replicas and leadership.
#[derive(Clone, Debug)]
pub struct Partition {
    /// The replicas, preferred leader first.
    pub replicas: Vec<Replica>,
    /// The broker leading the partition, as ZooKeeper records it; none while
    /// the partition is offline.
    pub leader: Option<BrokerId>,
    /// Counts leader changes; records carry the epoch they were written in.
    pub leader_epoch: u32,
    /// The in-sync replicas, as ZooKeeper records them, in replica order.
    pub isr: Vec<BrokerId>,
    /// Records replicas truncated away that no leader holds any more.
    pub lost_records: u64,
}

impl Partition {
    /// The brokers holding a replica, preferred leader first.
    pub fn replica_ids(&self) -> Vec<BrokerId> {
        self.replicas.iter().map(|r| r.broker).collect()
    }

    /// A new, empty partition on `brokers`, led by the first.
    pub fn new(brokers: &[BrokerId], now: SimTime) -> Partition {
        let state = LeaderAndIsr {
            leader: brokers.first().copied(),
            leader_epoch: 0,
            isr: brokers.to_vec(),
        };
        let mut partition = Partition {
            replicas: brokers
                .iter()
                .map(|&broker| Replica {
                    broker,
                    log: PartitionLog::default(),
                    high_watermark: 0,
                    state: Some(state.clone()),
                    followers: Vec::new(),
                    pending_acks: Vec::new(),
                })
                .collect(),
            leader: state.leader,
            leader_epoch: 0,
            isr: state.isr.clone(),
            lost_records: 0,
        };
        if let Some(leader) = partition.replicas.first_mut() {
            leader.become_leader(brokers, now);
        }
        partition
    }

    /// The partition with `leader` and `isr` instead, as every replica
    /// knows it.
    pub(super) fn led_by(
        mut self,
        leader: Option<BrokerId>,
        isr: &[BrokerId],
        now: SimTime,
    ) -> Partition {
        self.leader = leader;
        self.isr = isr.to_vec();
        let state = self.recorded_state();
        let brokers: Vec<BrokerId> = self.replicas.iter().map(|r| r.broker).collect();
        for replica in &mut self.replicas {
            replica.state = Some(state.clone());
            replica.followers.clear();
            if Some(replica.broker) == leader {
                replica.become_leader(&brokers, now);
            }
        }
        self
    }

    /// ZooKeeper's record of leadership, as a `LeaderAndIsr` request.
    pub fn recorded_state(&self) -> LeaderAndIsr {
        LeaderAndIsr {
            leader: self.leader,
            leader_epoch: self.leader_epoch,
            isr: self.isr.clone(),
        }
    }

    pub fn replica(&self, broker: BrokerId) -> Option<&Replica> {
        self.replicas.iter().find(|r| r.broker == broker)
    }

    pub(crate) fn replica_mut(&mut self, broker: BrokerId) -> Option<&mut Replica> {
        self.replicas.iter_mut().find(|r| r.broker == broker)
    }

    /// The recorded leader's replica; while offline, the preferred
    /// replica's, which is where the data waits.
    pub fn leader_replica(&self) -> &Replica {
        self.leader
            .and_then(|leader| self.replica(leader))
            .unwrap_or(&self.replicas[0])
    }

    /// The log clients see: the recorded leader's.
    pub fn log(&self) -> &PartitionLog {
        &self.leader_replica().log
    }

    /// The recorded leader's high watermark: consumers read below it.
    pub fn high_watermark(&self) -> u64 {
        self.leader_replica().high_watermark
    }

    /// Whether `broker` is in the ISR, as ZooKeeper records it.
    pub fn in_sync(&self, broker: BrokerId) -> bool {
        self.isr.contains(&broker)
    }
}
