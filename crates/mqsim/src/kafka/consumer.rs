//! Consumers: clients that *pull* records from the partitions they own.
//!
//! Kafka's brokers never push. Each consumer runs a poll loop: it asks the
//! broker for records after its *position* (the next offset it wants), gets
//! at most `max.poll.records` of them, processes them one by one, and polls
//! again. A consumer that falls behind simply reads later; records wait in
//! the log meanwhile. That is how a queue matches the producer's pace to the
//! consumer's.
//!
//! A consumer tracks two offsets per partition, and the difference matters:
//! - its **position**, in memory, moves as soon as records are fetched;
//! - the group's **committed offset**, stored by the group coordinator, moves
//!   only when the consumer commits. After a crash or a rebalance the next
//!   owner starts from the committed offset, so anything processed but not yet
//!   committed is read again (at-least-once delivery).
//!
//! The loop here: poll → fetch request (one network hop) → the broker reads
//! the logs → fetch response (one hop) → process each record → commit (when
//! the commit mode says so) → poll again once the poll interval has passed
//! since the previous poll.

use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, RecordId, TopicPartition};
use crate::scenario::{CommitMode, MemberSpec, OffsetReset};
use crate::time::SimTime;
use crate::trace::{CommittedOffset, EventKind, FetchedBatch};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// A consumer's configuration and state.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub name: Arc<str>,
    pub group: GroupId,
    poll_interval_ms: u64,
    max_poll_records: u32,
    processing_ms: u64,
    /// The partitions this member owns in the current generation.
    pub assigned: Vec<TopicPartition>,
    /// The next offset to fetch per owned partition.
    pub positions: BTreeMap<TopicPartition, u64>,
    /// Fetched records not yet processed, oldest first.
    pending: VecDeque<FetchedRecord>,
    last_poll_at: SimTime,
    last_commit_at: SimTime,
    /// Which owned partition the next fetch starts with, so that a small
    /// `max.poll.records` does not starve the later partitions.
    next_partition: usize,
    /// Records processed so far.
    pub processed: u64,
}

/// A record delivered to a consumer by a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchedRecord {
    pub tp: TopicPartition,
    pub offset: u64,
    pub record: RecordId,
}

impl Consumer {
    pub fn new(spec: &MemberSpec, group: GroupId) -> Consumer {
        Consumer {
            name: Arc::from(spec.name.as_str()),
            group,
            poll_interval_ms: spec.poll_interval_ms,
            max_poll_records: spec.max_poll_records,
            processing_ms: spec.processing_ms,
            assigned: Vec::new(),
            positions: BTreeMap::new(),
            pending: VecDeque::new(),
            last_poll_at: SimTime::ZERO,
            last_commit_at: SimTime::ZERO,
            next_partition: 0,
            processed: 0,
        }
    }

    /// The positions of all owned partitions, as offsets to commit.
    fn positions_to_commit(&self) -> Vec<CommittedOffset> {
        self.positions
            .iter()
            .map(|(&tp, &offset)| CommittedOffset { tp, offset })
            .collect()
    }

    /// When the next poll may start: one poll interval after the last one,
    /// but never in the past.
    fn next_poll_at(&self, now: SimTime) -> SimTime {
        (self.last_poll_at + self.poll_interval_ms).max(now)
    }
}

impl Kafka {
    /// A consumer polls: it may auto-commit, then sends a fetch request.
    pub(super) fn on_poll(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        c.last_poll_at = ctx.now;
        if let CommitMode::Auto { interval_ms } = self.groups[c.group.index()].commit {
            // The Java client auto-commits inside poll(), committing the
            // positions reached by the records the previous polls returned.
            if ctx.now.millis_since(c.last_commit_at) >= interval_ms && !c.positions.is_empty() {
                c.last_commit_at = ctx.now;
                let offsets = c.positions_to_commit();
                self.send_commit(consumer, offsets, ctx);
            }
        }
        let c = &self.consumers[consumer.index()];
        let group = &self.groups[c.group.index()];
        let fetch_from = c
            .assigned
            .iter()
            .map(|tp| {
                (
                    *tp,
                    c.positions
                        .get(tp)
                        .copied()
                        .or_else(|| group.committed.get(tp).copied()),
                )
            })
            .collect();
        let arrives_at = ctx.send(Action::Fetch {
            consumer,
            fetch_from,
        });
        ctx.emit(EventKind::FetchSent {
            consumer,
            arrives_at,
        });
    }

    /// A fetch request reaches the broker: read up to `max.poll.records`
    /// records from the requested offsets and send them back.
    pub(super) fn on_fetch(
        &mut self,
        consumer: ConsumerId,
        fetch_from: Vec<(TopicPartition, Option<u64>)>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        let reset = self.groups[c.group.index()].auto_offset_reset;
        let mut budget = u64::from(c.max_poll_records);
        let mut batches = Vec::new();
        let mut records = Vec::new();
        let count = fetch_from.len();
        let start = if count == 0 {
            0
        } else {
            c.next_partition % count
        };
        c.next_partition = c.next_partition.wrapping_add(1);
        for i in 0..count {
            let (tp, from) = fetch_from[(start + i) % count];
            let log = &self.topics[tp.topic.index()].partitions[tp.partition as usize];
            // No position and no committed offset: auto.offset.reset decides.
            let from = from.unwrap_or(match reset {
                OffsetReset::Earliest => log.log_start_offset(),
                OffsetReset::Latest => log.log_end_offset(),
            });
            let range = log.read_range(from, budget);
            budget -= range.end - range.start;
            records.extend(range.clone().filter_map(|offset| {
                log.get(offset).map(|r| FetchedRecord {
                    tp,
                    offset,
                    record: r.id,
                })
            }));
            batches.push(FetchedBatch {
                tp,
                from_offset: range.start,
                to_offset: range.end,
            });
        }
        batches.sort_by_key(|b| b.tp);
        let arrives_at = ctx.send(Action::FetchResponse {
            consumer,
            batches: batches.clone(),
            records,
        });
        ctx.emit(EventKind::FetchServed {
            consumer,
            batches,
            arrives_at,
        });
    }

    /// A fetch response reaches the consumer: positions move past what was
    /// fetched, and processing starts, or the next poll is scheduled.
    pub(super) fn on_fetch_response(
        &mut self,
        consumer: ConsumerId,
        batches: Vec<FetchedBatch>,
        records: Vec<FetchedRecord>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        for batch in batches {
            // A partition revoked while the fetch was in flight is dropped.
            if c.assigned.contains(&batch.tp) {
                c.positions.insert(batch.tp, batch.to_offset);
            }
        }
        c.pending
            .extend(records.into_iter().filter(|r| c.assigned.contains(&r.tp)));
        if c.pending.is_empty() {
            ctx.at(c.next_poll_at(ctx.now), Action::Poll { consumer });
        } else {
            ctx.at(ctx.now + c.processing_ms, Action::Processed { consumer });
        }
    }

    /// A consumer finished processing the oldest pending record.
    pub(super) fn on_processed(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        let Some(done) = c.pending.pop_front() else {
            return;
        };
        c.processed += 1;
        ctx.emit(EventKind::RecordProcessed {
            consumer,
            record: done.record,
            tp: done.tp,
            offset: done.offset,
        });
        if !c.pending.is_empty() {
            ctx.at(ctx.now + c.processing_ms, Action::Processed { consumer });
            return;
        }
        let next_poll = c.next_poll_at(ctx.now);
        if self.groups[c.group.index()].commit == CommitMode::AfterBatch {
            c.last_commit_at = ctx.now;
            let offsets = c.positions_to_commit();
            self.send_commit(consumer, offsets, ctx);
        }
        ctx.at(next_poll, Action::Poll { consumer });
    }

    /// Sends an offset commit to the group coordinator.
    fn send_commit(
        &mut self,
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let arrives_at = ctx.send(Action::Commit {
            group,
            offsets: offsets.clone(),
        });
        ctx.emit(EventKind::CommitSent {
            consumer,
            offsets,
            arrives_at,
        });
    }
}
