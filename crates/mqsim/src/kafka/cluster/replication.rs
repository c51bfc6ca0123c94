//! Followers copying their leaders, and the ISR that tracks who keeps up.
//!
//! A follower has one fetcher per leader it follows, with one fetch request
//! out at a time, listing its partitions there and, for each, its log end
//! offset and the leader epoch of its last record. An answer that brings
//! records is followed at once by the next request; an empty one is
//! followed at the follower's next round, every `replica_fetch_interval_ms`
//! (the playground's stand-in for Kafka's leader holding an empty fetch up
//! to `replica.fetch.wait.max.ms`). The leader:
//! 1. checks the follower's log agrees with its own up to there: the epoch
//!    must end no earlier on the leader (KIP-320's diverging epoch). If not,
//!    it tells the follower where to truncate;
//! 2. notes the follower's progress: it has everything below its fetch
//!    offset. A follower that has reached the leader's log end is caught
//!    up now; one that has reached the log end the leader had at its
//!    previous fetch was caught up then. One that reaches the high
//!    watermark rejoins the ISR;
//! 3. moves the high watermark to the lowest log end in the ISR;
//! 4. returns the records from the fetch offset on, with the high watermark.
//!
//! Every half `replica.lag.time.max.ms` each leader drops from the ISR the
//! followers that have not been caught up for that long.
//!
//! What is simplified: the leader answers an empty fetch at once instead of
//! holding it until records arrive, so a caught-up follower learns of new
//! records at its next round rather than one network trip after they are
//! written. While records keep coming, every answer brings some and the
//! follower fetches back to back, as Kafka's does: a restarted follower
//! catches up and meets the high watermark within a few round trips.

use super::super::log::{PartitionLog, StoredRecord};
use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, RecordId, TopicId, TopicPartition};
use crate::trace::{EventKind, IsrChange, ReplicaBatch, Truncation};

/// Records a leader returns to one follower per partition and fetch.
const MAX_FETCH_RECORDS: u64 = 1_000;

/// One partition in a follower's fetch request.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FetchPosition {
    pub tp: TopicPartition,
    /// The follower's log end offset.
    pub fetch_offset: u64,
    /// The leader epoch of the follower's last record.
    pub last_epoch: Option<u32>,
    /// The leader epoch the follower knows (KIP-320): a leader that knows
    /// a different one does not answer.
    pub current_epoch: u32,
}

/// One partition in the leader's answer.
#[derive(Clone, Debug)]
pub(crate) enum FetchResult {
    /// Records from `from_offset` on, and the leader's high watermark.
    Records {
        tp: TopicPartition,
        from_offset: u64,
        records: Vec<StoredRecord>,
        high_watermark: u64,
    },
    /// The follower's log parts from the leader's at `end_offset`.
    Diverging { tp: TopicPartition, end_offset: u64 },
}

impl Kafka {
    /// A follower's fetch loop comes round: it sends a fetch to each leader
    /// it follows that has none of its fetches in hand. A fetch unanswered
    /// for `replica.lag.time.max.ms` is given up (the leader died, or the
    /// network lost it) and sent again.
    pub(crate) fn on_replica_fetch_tick(
        &mut self,
        broker: BrokerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.is_current(broker, incarnation) {
            return;
        }
        let give_up_ms = self.cluster.settings.replica_lag_time_max_ms;
        let mut leaders: Vec<BrokerId> = Vec::new();
        for topic in &self.topics {
            for partition in &topic.partitions {
                let following = partition.replica(broker).and_then(|r| r.following());
                if let Some(leader) = following
                    && !leaders.contains(&leader)
                {
                    leaders.push(leader);
                }
            }
        }
        crate::sort::sort_by_key(&mut leaders, |b| b.0);
        for leader in leaders {
            let waiting = self.cluster.brokers[broker.index()]
                .fetching
                .get(&leader)
                .is_some_and(|&sent| ctx.now.millis_since(sent) < give_up_ms);
            if !waiting {
                self.send_replica_fetch(broker, incarnation, leader, ctx);
            }
        }
        ctx.at(
            ctx.now + self.cluster.settings.replica_fetch_interval_ms,
            Action::ReplicaFetchTick {
                broker,
                incarnation,
            },
        );
    }

    /// `follower` asks `leader` for what follows its log end, for every
    /// partition it follows there.
    fn send_replica_fetch(
        &mut self,
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let mut positions = Vec::new();
        for (t, topic) in self.topics.iter().enumerate() {
            for (p, partition) in topic.partitions.iter().enumerate() {
                let Some(replica) = partition.replica(follower) else {
                    continue;
                };
                let Some(state) = &replica.state else {
                    continue;
                };
                if replica.following() != Some(leader) {
                    continue;
                }
                positions.push(FetchPosition {
                    tp: TopicPartition {
                        topic: TopicId(t as u32),
                        partition: p as u32,
                    },
                    fetch_offset: replica.log.log_end_offset(),
                    last_epoch: replica.log.last_epoch(),
                    current_epoch: state.leader_epoch,
                });
            }
        }
        let linked = self.cluster.linked(follower, leader);
        let fetching = &mut self.cluster.brokers[follower.index()].fetching;
        if positions.is_empty() || !linked {
            // Nothing to fetch there, or cut off: the request never goes.
            fetching.remove(&leader);
            return;
        }
        fetching.insert(leader, ctx.now);
        let arrives_at = ctx.send(Action::ReplicaFetch {
            follower,
            incarnation,
            leader,
            positions,
        });
        ctx.emit(EventKind::ReplicaFetchSent {
            follower,
            leader,
            arrives_at,
        });
    }

    /// A follower's fetch reaches its leader.
    pub(crate) fn on_replica_fetch(
        &mut self,
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        positions: Vec<FetchPosition>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.linked(follower, leader) {
            return;
        }
        let mut results = Vec::new();
        let mut batches = Vec::new();
        for position in positions {
            let tp = position.tp;
            let Some(replica) = self.partition(tp).replica(leader) else {
                continue;
            };
            let epoch = replica.state.as_ref().map(|s| s.leader_epoch);
            if !replica.believes_leader() || epoch != Some(position.current_epoch) {
                // NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH: the follower
                // waits for the controller to tell it who leads.
                continue;
            }
            if let Some(end_offset) = divergence(&replica.log, &position) {
                results.push(FetchResult::Diverging { tp, end_offset });
                continue;
            }
            self.note_follower_progress(tp, leader, follower, position.fetch_offset, ctx);
            let Some(replica) = self.partition(tp).replica(leader) else {
                continue;
            };
            let range = replica
                .log
                .read_range(position.fetch_offset, MAX_FETCH_RECORDS);
            let high_watermark = replica.high_watermark;
            batches.push(ReplicaBatch {
                tp,
                from_offset: range.start,
                to_offset: range.end,
                high_watermark,
            });
            results.push(FetchResult::Records {
                tp,
                from_offset: range.start,
                records: replica.log.records_in(range).cloned().collect(),
                high_watermark,
            });
        }
        let arrives_at = ctx.send(Action::ReplicaFetchResponse {
            follower,
            incarnation,
            leader,
            results,
        });
        ctx.emit(EventKind::ReplicaFetchServed {
            follower,
            leader,
            batches,
            arrives_at,
        });
    }

    /// The leader learns the follower has everything below `fetch_offset`.
    fn note_follower_progress(
        &mut self,
        tp: TopicPartition,
        leader: BrokerId,
        follower: BrokerId,
        fetch_offset: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let now = ctx.now;
        let Some(replica) = self.partition_mut(tp).replica_mut(leader) else {
            return;
        };
        let leader_end = replica.log.log_end_offset();
        let high_watermark = replica.high_watermark;
        let Some(progress) = replica.followers.iter_mut().find(|f| f.broker == follower) else {
            return;
        };
        progress.fetch_offset = fetch_offset;
        if fetch_offset >= leader_end {
            progress.caught_up_at = now;
        } else if fetch_offset >= progress.last_fetch_leader_end {
            // It has everything the leader had at its previous fetch: it was
            // caught up then (`Replica.updateFetchState`). Records written
            // since do not count against it until its next fetch.
            progress.caught_up_at = progress.caught_up_at.max(progress.last_fetch_at);
        }
        progress.last_fetch_leader_end = leader_end;
        progress.last_fetch_at = now;
        let state = replica.state.clone();
        if let Some(state) = state
            && !state.isr.contains(&follower)
            && fetch_offset >= high_watermark
        {
            let order: Vec<BrokerId> = self
                .partition(tp)
                .replicas
                .iter()
                .map(|r| r.broker)
                .collect();
            let mut isr = state.isr.clone();
            isr.push(follower);
            crate::sort::sort_by_key(&mut isr, |b| order.iter().position(|o| o == b));
            self.change_isr(tp, leader, isr, IsrChange::CaughtUp, ctx);
        }
        self.advance_high_watermark(tp, leader, ctx);
    }

    /// A leader changes its partition's ISR. In ZooKeeper-era Kafka it writes
    /// the new ISR to ZooKeeper itself, on condition that the partition's
    /// state there is still the one it knows; a leader cut off from
    /// ZooKeeper, or one the controller has replaced, cannot.
    fn change_isr(
        &mut self,
        tp: TopicPartition,
        leader: BrokerId,
        isr: Vec<BrokerId>,
        reason: IsrChange,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let reaches_zookeeper = self.cluster.reaches_zookeeper(leader);
        let partition = self.partition_mut(tp);
        let Some(replica) = partition.replica(leader) else {
            return;
        };
        let current = replica
            .state
            .as_ref()
            .is_some_and(|s| s.leader_epoch == partition.leader_epoch)
            && partition.leader == Some(leader);
        if !(reaches_zookeeper && current) {
            return;
        }
        if self.cluster.kraft.is_some() {
            // The active controller records it, and the leader acts on it
            // once it has applied the record.
            return self.kraft_alter_partition(tp, leader, isr, ctx);
        }
        let partition = self.partition_mut(tp);
        partition.isr = isr.clone();
        if let Some(state) = partition.replica_mut(leader).and_then(|r| r.state.as_mut()) {
            state.isr = isr.clone();
        }
        ctx.emit(EventKind::IsrChanged {
            tp,
            isr,
            reason,
            broker: leader,
        });
        self.advance_high_watermark(tp, leader, ctx);
    }

    /// Moves `leader`'s high watermark to the lowest log end in its ISR.
    pub(crate) fn advance_high_watermark(
        &mut self,
        tp: TopicPartition,
        leader: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(replica) = self.partition_mut(tp).replica_mut(leader) else {
            return;
        };
        if !replica.believes_leader() {
            return;
        }
        let high_watermark = replica.in_sync_end();
        if high_watermark <= replica.high_watermark {
            return;
        }
        replica.high_watermark = high_watermark;
        ctx.emit(EventKind::HighWatermarkAdvanced {
            tp,
            broker: leader,
            high_watermark,
        });
        self.complete_pending_acks(tp, leader, ctx);
    }

    /// The leader's answer reaches the follower.
    pub(crate) fn on_replica_fetch_response(
        &mut self,
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        results: Vec<FetchResult>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.is_current(follower, incarnation) || !self.cluster.linked(follower, leader)
        {
            return;
        }
        self.cluster.brokers[follower.index()]
            .fetching
            .remove(&leader);
        // A follower that got something asks again at once, as Kafka's
        // fetcher does; one that got nothing waits for its next round (the
        // stand-in for the leader holding an empty fetch).
        let mut got_something = false;
        for result in results {
            match result {
                FetchResult::Diverging { tp, end_offset } => {
                    got_something = true;
                    self.truncate_replica(tp, follower, leader, end_offset, ctx);
                }
                FetchResult::Records {
                    tp,
                    from_offset,
                    records,
                    high_watermark,
                } => {
                    let Some(replica) = self.partition_mut(tp).replica_mut(follower) else {
                        continue;
                    };
                    if replica.following() != Some(leader)
                        || replica.log.log_end_offset() != from_offset
                    {
                        continue;
                    }
                    got_something |= !records.is_empty();
                    for record in records {
                        replica.log.append(record);
                    }
                    replica.high_watermark = high_watermark.min(replica.log.log_end_offset());
                }
            }
        }
        if got_something {
            self.send_replica_fetch(follower, incarnation, leader, ctx);
        }
    }

    /// Cuts `broker`'s copy of `tp` back to `end_offset`, where it agrees
    /// with `leader`'s. Records removed that the leader does not hold are
    /// lost for good.
    fn truncate_replica(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        leader: BrokerId,
        end_offset: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let partition = self.partition_mut(tp);
        let Some(replica) = partition.replica_mut(broker) else {
            return;
        };
        let from_offset = replica.log.log_end_offset();
        if end_offset >= from_offset {
            return;
        }
        let removed = replica.log.truncate_to(end_offset);
        replica.high_watermark = replica.high_watermark.min(end_offset);
        let lost: Vec<RecordId> = match partition.replica(leader) {
            Some(leader) => {
                let log = &leader.log;
                let from = log.log_start_offset().max(end_offset);
                removed
                    .iter()
                    .filter(|r| {
                        !(from..log.log_end_offset())
                            .any(|o| log.get(o).is_some_and(|l| l.id == r.id))
                    })
                    .map(|r| r.id)
                    .collect()
            }
            None => removed.iter().map(|r| r.id).collect(),
        };
        partition.lost_records += lost.len() as u64;
        ctx.emit(EventKind::ReplicaTruncated {
            tp,
            broker,
            truncation: Truncation {
                from_offset,
                to_offset: end_offset,
                lost,
            },
        });
    }

    /// Each leader drops followers that have not caught up for
    /// `replica.lag.time.max.ms`, and lets writes it has held too long fail.
    pub(crate) fn on_isr_check(&mut self, ctx: &mut Ctx<'_, Action>) {
        let lag_max = self.cluster.settings.replica_lag_time_max_ms;
        for tp in self.all_partitions() {
            let leaders: Vec<BrokerId> = self
                .partition(tp)
                .replicas
                .iter()
                .filter(|r| r.believes_leader() && self.cluster.is_alive(r.broker))
                .map(|r| r.broker)
                .collect();
            for leader in leaders {
                self.expire_pending_acks(tp, leader, ctx);
                let Some(replica) = self.partition(tp).replica(leader) else {
                    continue;
                };
                let Some(state) = &replica.state else {
                    continue;
                };
                let behind = |b: &BrokerId| {
                    replica
                        .followers
                        .iter()
                        .find(|f| f.broker == *b)
                        .is_some_and(|f| ctx.now.millis_since(f.caught_up_at) > lag_max)
                };
                if !state.isr.iter().any(|b| *b != leader && behind(b)) {
                    continue;
                }
                let isr: Vec<BrokerId> = state
                    .isr
                    .iter()
                    .copied()
                    .filter(|b| *b == leader || !behind(b))
                    .collect();
                self.change_isr(tp, leader, isr, IsrChange::FellBehind, ctx);
            }
        }
        ctx.at(ctx.now + (lag_max / 2).max(1), Action::IsrCheck);
    }
}

/// Where the follower's log parts from `log`, the leader's, if it does:
/// the end, on the leader, of the follower's last epoch.
fn divergence(log: &PartitionLog, position: &FetchPosition) -> Option<u64> {
    let last_epoch = position.last_epoch?;
    match log.end_of_epoch(last_epoch) {
        Some((epoch, end)) if epoch == last_epoch && end >= position.fetch_offset => None,
        Some((_, end)) => Some(end.min(position.fetch_offset)),
        None => Some(log.log_start_offset().min(position.fetch_offset)),
    }
}
