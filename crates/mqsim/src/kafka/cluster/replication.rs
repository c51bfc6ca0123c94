//! Followers copying their leaders, and the ISR that tracks who keeps up.
//!
//! Every `replica_fetch_interval_ms` a follower sends each leader it follows
//! one fetch request listing its partitions and, for each, its log end
//! offset and the leader epoch of its last record. The leader:
//! 1. checks the follower's log agrees with its own up to there: the epoch
//!    must end no earlier on the leader (KIP-320's diverging epoch). If not,
//!    it tells the follower where to truncate;
//! 2. notes the follower's progress: it has everything below its fetch
//!    offset. A follower that has reached the leader's log end is caught
//!    up; one that reaches the high watermark rejoins the ISR;
//! 3. moves the high watermark to the lowest log end in the ISR;
//! 4. returns the records from the fetch offset on, with the high watermark.
//!
//! Every half `replica.lag.time.max.ms` each leader drops from the ISR the
//! followers that have not been caught up for that long.

use super::super::log::StoredRecord;
use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, TopicId, TopicPartition};
use crate::trace::{EventKind, IsrChange, ReplicaBatch, Truncation};
use std::collections::BTreeMap;

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
    /// A follower's fetch loop comes round.
    pub(crate) fn on_replica_fetch_tick(
        &mut self,
        broker: BrokerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.is_current(broker, incarnation) {
            return;
        }
        let mut by_leader: BTreeMap<BrokerId, Vec<FetchPosition>> = BTreeMap::new();
        for (t, topic) in self.topics.iter().enumerate() {
            for (p, partition) in topic.partitions.iter().enumerate() {
                let (Some(leader), Some(replica)) = (partition.leader, partition.replica(broker))
                else {
                    continue;
                };
                if leader == broker {
                    continue;
                }
                by_leader.entry(leader).or_default().push(FetchPosition {
                    tp: TopicPartition {
                        topic: TopicId(t as u32),
                        partition: p as u32,
                    },
                    fetch_offset: replica.log.log_end_offset(),
                    last_epoch: replica.log.last_epoch(),
                });
            }
        }
        for (leader, positions) in by_leader {
            let arrives_at = ctx.send(Action::ReplicaFetch {
                follower: broker,
                incarnation,
                leader,
                positions,
            });
            ctx.emit(EventKind::ReplicaFetchSent {
                follower: broker,
                leader,
                arrives_at,
            });
        }
        ctx.at(
            ctx.now + self.cluster.settings.replica_fetch_interval_ms,
            Action::ReplicaFetchTick {
                broker,
                incarnation,
            },
        );
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
        if !self.cluster.is_alive(leader) {
            return;
        }
        let mut results = Vec::new();
        let mut batches = Vec::new();
        for position in positions {
            let tp = position.tp;
            if self.partition(tp).leader != Some(leader) {
                continue;
            }
            if let Some(end_offset) = self.divergence(&position) {
                results.push(FetchResult::Diverging { tp, end_offset });
                continue;
            }
            self.note_follower_progress(tp, follower, position.fetch_offset, ctx);
            let partition = self.partition(tp);
            let log = partition.log();
            let range = log.read_range(position.fetch_offset, MAX_FETCH_RECORDS);
            let high_watermark = partition.high_watermark();
            batches.push(ReplicaBatch {
                tp,
                from_offset: range.start,
                to_offset: range.end,
                high_watermark,
            });
            results.push(FetchResult::Records {
                tp,
                from_offset: range.start,
                records: log.records_in(range).cloned().collect(),
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

    /// Where the follower's log parts from the leader's, if it does: the
    /// end, on the leader, of the follower's last epoch.
    fn divergence(&self, position: &FetchPosition) -> Option<u64> {
        let last_epoch = position.last_epoch?;
        let log = self.partition(position.tp).log();
        match log.end_of_epoch(last_epoch) {
            Some((epoch, end)) if epoch == last_epoch && end >= position.fetch_offset => None,
            Some((_, end)) => Some(end.min(position.fetch_offset)),
            None => Some(log.log_start_offset().min(position.fetch_offset)),
        }
    }

    /// The leader learns the follower has everything below `fetch_offset`.
    fn note_follower_progress(
        &mut self,
        tp: TopicPartition,
        follower: BrokerId,
        fetch_offset: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let now = ctx.now;
        let partition = self.partition_mut(tp);
        let leader_end = partition.log().log_end_offset();
        let high_watermark = partition.high_watermark();
        let Some(replica) = partition.replica_mut(follower) else {
            return;
        };
        replica.fetch_offset = fetch_offset;
        if fetch_offset >= leader_end {
            replica.caught_up_at = now;
        }
        if !partition.in_sync(follower) && fetch_offset >= high_watermark {
            let order: Vec<BrokerId> = partition.replicas.iter().map(|r| r.broker).collect();
            partition.isr.push(follower);
            partition
                .isr
                .sort_by_key(|b| order.iter().position(|o| o == b));
            let (isr, leader) = (partition.isr.clone(), partition.leader);
            ctx.emit(EventKind::IsrChanged {
                tp,
                isr,
                reason: IsrChange::CaughtUp,
                broker: leader.unwrap_or(follower),
            });
        }
        self.advance_high_watermark(tp, ctx);
    }

    /// Moves the leader's high watermark to the lowest log end in the ISR.
    pub(crate) fn advance_high_watermark(&mut self, tp: TopicPartition, ctx: &mut Ctx<'_, Action>) {
        let partition = self.partition_mut(tp);
        let Some(leader) = partition.leader else {
            return;
        };
        let high_watermark = partition.in_sync_end();
        let replica = partition.leader_replica_mut();
        if high_watermark <= replica.high_watermark {
            return;
        }
        replica.high_watermark = high_watermark;
        ctx.emit(EventKind::HighWatermarkAdvanced {
            tp,
            broker: leader,
            high_watermark,
        });
        self.complete_pending_acks(tp, ctx);
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
        if !self.cluster.is_current(follower, incarnation) {
            return;
        }
        for result in results {
            match result {
                FetchResult::Diverging { tp, end_offset } => {
                    self.truncate_replica(tp, follower, end_offset, ctx);
                }
                FetchResult::Records {
                    tp,
                    from_offset,
                    records,
                    high_watermark,
                } => {
                    let partition = self.partition_mut(tp);
                    if partition.leader != Some(leader) {
                        continue;
                    }
                    let Some(replica) = partition.replica_mut(follower) else {
                        continue;
                    };
                    if replica.log.log_end_offset() != from_offset {
                        continue;
                    }
                    for record in records {
                        replica.log.append(record);
                    }
                    replica.high_watermark = high_watermark.min(replica.log.log_end_offset());
                }
            }
        }
    }

    /// Cuts `broker`'s copy of `tp` back to `end_offset`. Records removed
    /// that the leader does not hold are lost for good.
    pub(crate) fn truncate_replica(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
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
        let leader_log = partition.log();
        let lost = removed
            .iter()
            .filter(|r| {
                let from = leader_log.log_start_offset().max(end_offset);
                !(from..leader_log.log_end_offset())
                    .any(|o| leader_log.get(o).is_some_and(|l| l.id == r.id))
            })
            .map(|r| r.id)
            .collect();
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

    /// Leaders drop followers that have not caught up for
    /// `replica.lag.time.max.ms`.
    pub(crate) fn on_isr_check(&mut self, ctx: &mut Ctx<'_, Action>) {
        let lag_max = self.cluster.settings.replica_lag_time_max_ms;
        for t in 0..self.topics.len() {
            for p in 0..self.topics[t].partitions.len() {
                let tp = TopicPartition {
                    topic: TopicId(t as u32),
                    partition: p as u32,
                };
                let Some(leader) = self
                    .partition(tp)
                    .leader
                    .filter(|&l| self.cluster.is_alive(l))
                else {
                    continue;
                };
                let partition = self.partition_mut(tp);
                let behind: Vec<BrokerId> = partition
                    .replicas
                    .iter()
                    .filter(|r| {
                        r.broker != leader
                            && partition.isr.contains(&r.broker)
                            && ctx.now.millis_since(r.caught_up_at) > lag_max
                    })
                    .map(|r| r.broker)
                    .collect();
                if behind.is_empty() {
                    continue;
                }
                partition.isr.retain(|b| !behind.contains(b));
                ctx.emit(EventKind::IsrChanged {
                    tp,
                    isr: partition.isr.clone(),
                    reason: IsrChange::FellBehind,
                    broker: leader,
                });
                self.advance_high_watermark(tp, ctx);
            }
        }
        ctx.at(ctx.now + (lag_max / 2).max(1), Action::IsrCheck);
    }
}
