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
//! since the previous poll. Group membership (joining, rebalancing, leaving)
//! also happens inside poll, as in the Java client: see
//! [`rebalance`](super::rebalance).

use super::log::{Headers, Value};
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, RecordId, TopicId, TopicPartition};
use crate::rng::{SimRng, Stream};
use crate::scenario::{CommitMode, MemberSpec};
use crate::time::SimTime;
use crate::trace::{AckType, CommittedOffset, EventKind, FetchedBatch};
use std::collections::VecDeque;
use std::rc::Rc;

/// A consumer's configuration and state.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub name: Rc<str>,
    pub group: GroupId,
    pub(super) poll_interval_ms: u64,
    pub(super) max_poll_records: u32,
    pub(super) processing_ms: u64,
    /// Whether the process is up.
    pub running: bool,
    /// Counts starts and stops. Scheduled actions carry the incarnation they
    /// were made for, so a crash cancels everything the dead process had
    /// planned.
    pub(super) incarnation: u32,
    /// Counts scheduled polls; only the latest one runs.
    pub(super) poll_seq: u32,
    pub(super) phase: Phase,
    /// The partitions this member owns, in partition order.
    owned: Vec<OwnedPartition>,
    /// The owned partitions whose position moved since the last commit, so
    /// that a commit need not look at every partition a member owns.
    moved: Vec<TopicPartition>,
    /// The generation its assignment comes from.
    pub generation: Option<u32>,
    /// Fetched records not yet processed, oldest first.
    pub(super) pending: VecDeque<FetchedRecord>,
    /// A JoinGroup is on its way; the member waits for its assignment.
    pub(super) join_pending: bool,
    /// An assignment (generation, partitions) that arrived and is applied
    /// at the next poll.
    pub(super) received_assignment: Option<(u32, Vec<TopicPartition>)>,
    /// KIP-848: its member epoch (0 until it has joined).
    pub(super) member_epoch: i64,
    /// KIP-848: counts scheduled heartbeats; only the latest one runs.
    pub(super) heartbeat_seq: u32,
    /// Its own subscription, once `consumer.subscribe()` changed it (else
    /// its group's topics).
    pub(super) subscription: Option<Vec<TopicId>>,
    /// The subscription changed since its last heartbeat, which must say so.
    pub(super) resubscribed: bool,
    /// Must rejoin at its next poll (after a cooperative revocation).
    pub(super) rejoin_requested: bool,
    /// Will leave the group at its next poll.
    pub(super) leave_requested: bool,
    pub(super) last_poll_at: SimTime,
    pub(super) last_commit_at: SimTime,
    /// Which owned partition the next fetch starts with, so that a small
    /// `max.poll.records` does not starve the later partitions.
    pub(super) next_partition: usize,
    /// Decides which processing attempts fail (when failures are random).
    pub(super) rng: SimRng,
    /// Failed attempts so far at the oldest pending record.
    pub(super) attempt: u32,
    /// Records processed so far.
    pub processed: u64,
    /// Records processed that the group had processed before.
    pub duplicates: u64,
    /// Processing attempts that failed.
    pub failures: u64,
    /// Records given up on and sent to the dead-letter topic.
    pub dead_lettered: u64,
    /// Records given up on without a dead-letter topic.
    pub skipped: u64,
    /// In a share group: its acknowledgements, sent with its next fetch.
    pub(super) share_acks: Vec<(TopicPartition, u64, AckType)>,
    /// In a share group: how the timeline has it acknowledge the record in
    /// hand, in place of what processing would decide.
    pub(super) ack_override: Option<AckType>,
}

/// Where a consumer is in its poll loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting for its next poll (or, before its first assignment, for nothing).
    Idle,
    /// A fetch request is out.
    Fetching,
    /// Working through fetched records.
    Processing,
}

/// What a consumer holds for one partition it owns: the Java client's
/// per-partition subscription state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnedPartition {
    pub tp: TopicPartition,
    /// The next offset to fetch, once a fetch has placed it.
    pub position: Option<u64>,
    /// The offset this member last sent in a commit.
    sent_commit: Option<u64>,
    /// The position moved since the last commit (it is listed in
    /// [`Consumer::moved`]).
    moved: bool,
}

impl OwnedPartition {
    fn new(tp: TopicPartition) -> OwnedPartition {
        OwnedPartition {
            tp,
            position: None,
            sent_commit: None,
            moved: false,
        }
    }
}

/// A record delivered to a consumer by a fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedRecord {
    pub tp: TopicPartition,
    pub offset: u64,
    pub record: RecordId,
    pub key: Option<Rc<str>>,
    pub value: Value,
    pub headers: Headers,
    /// In a share group, how many times it has been delivered, this time
    /// included; 0 for a consumer group's fetch, which does not count.
    pub delivery_count: u32,
}

impl Consumer {
    pub fn new(id: ConsumerId, spec: &MemberSpec, group: GroupId, seed: u64) -> Consumer {
        Consumer {
            name: Rc::from(spec.name.as_str()),
            group,
            poll_interval_ms: spec.poll_interval_ms,
            max_poll_records: spec.max_poll_records,
            processing_ms: spec.processing_ms,
            running: false,
            incarnation: 0,
            poll_seq: 0,
            phase: Phase::Idle,
            owned: Vec::new(),
            moved: Vec::new(),
            generation: None,
            pending: VecDeque::new(),
            join_pending: false,
            received_assignment: None,
            rejoin_requested: false,
            member_epoch: 0,
            heartbeat_seq: 0,
            subscription: None,
            resubscribed: false,
            leave_requested: false,
            last_poll_at: SimTime::ZERO,
            last_commit_at: SimTime::ZERO,
            next_partition: 0,
            rng: SimRng::new(seed, Stream::Consumer(id.0)),
            attempt: 0,
            processed: 0,
            duplicates: 0,
            failures: 0,
            dead_lettered: 0,
            skipped: 0,
            share_acks: Vec::new(),
            ack_override: None,
        }
    }

    /// The positions to commit: those that moved since this member last
    /// sent them. (Java's `commitSync()` sends every owned position; sending
    /// only the moved ones stores the same committed offsets.)
    pub(super) fn positions_to_commit(&mut self) -> Vec<CommittedOffset> {
        let mut moved = std::mem::take(&mut self.moved);
        crate::sort::sort_by(&mut moved, Ord::cmp);
        moved.dedup();
        let mut offsets = Vec::new();
        for tp in moved {
            let Some(i) = self.owned_index(&tp) else {
                continue;
            };
            let p = &mut self.owned[i];
            p.moved = false;
            if let Some(offset) = p.position
                && p.sent_commit != Some(offset)
            {
                p.sent_commit = Some(offset);
                offsets.push(CommittedOffset { tp, offset });
            }
        }
        offsets
    }

    /// A commit of `offsets` failed: those positions count as not yet
    /// committed, so the next commit sends them again (or newer ones).
    pub(super) fn commit_failed(&mut self, offsets: &[CommittedOffset]) {
        for o in offsets {
            if let Some(i) = self.owned_index(&o.tp)
                && self.owned[i].sent_commit == Some(o.offset)
            {
                self.owned[i].sent_commit = None;
                if !self.owned[i].moved {
                    self.owned[i].moved = true;
                    self.moved.push(o.tp);
                }
            }
        }
    }

    /// Moves the position on `tp`, which this member owns as `owned[i]`.
    fn advance(&mut self, i: usize, position: u64) {
        let p = &mut self.owned[i];
        p.position = Some(position);
        if !p.moved {
            p.moved = true;
            self.moved.push(p.tp);
        }
    }

    /// The partitions this member owns, in partition order.
    pub fn assigned(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        self.owned.iter().map(|p| p.tp)
    }

    /// Whether this member owns `tp`.
    pub fn owns(&self, tp: &TopicPartition) -> bool {
        self.owned_index(tp).is_some()
    }

    fn owned_index(&self, tp: &TopicPartition) -> Option<usize> {
        self.owned.binary_search_by_key(tp, |p| p.tp).ok()
    }

    /// Takes over `partitions` as the ones this member owns, keeping what it
    /// knew about those it already owned.
    pub(super) fn set_assigned(&mut self, partitions: &[TopicPartition]) {
        let mut owned: Vec<OwnedPartition> = partitions
            .iter()
            .map(|tp| match self.owned_index(tp) {
                Some(i) => self.owned[i],
                None => OwnedPartition::new(*tp),
            })
            .collect();
        crate::sort::sort_by_key(&mut owned, |p| p.tp);
        self.owned = owned;
        self.moved.retain(|tp| partitions.contains(tp));
    }

    /// When the next poll may start: one poll interval after the last one,
    /// but never in the past.
    pub(super) fn next_poll_at(&self, now: SimTime) -> SimTime {
        (self.last_poll_at + self.poll_interval_ms).max(now)
    }

    /// Forgets everything about owned partitions (after a revoke or a stop).
    pub(super) fn drop_partitions(&mut self, keep: impl Fn(&TopicPartition) -> bool) {
        self.owned.retain(|p| keep(&p.tp));
        self.moved.retain(|tp| keep(tp));
        self.pending.retain(|r| keep(&r.tp));
    }
}

impl Kafka {
    /// Schedules `consumer`'s next poll at `at`, replacing any scheduled one.
    pub(super) fn schedule_poll(
        &mut self,
        consumer: ConsumerId,
        at: SimTime,
        ctx: &mut Ctx<'_, Action>,
    ) {
        // A live client polls outside the run.
        if self.by_hand(consumer) {
            return;
        }
        let c = &mut self.consumers[consumer.index()];
        c.poll_seq = c.poll_seq.wrapping_add(1);
        c.phase = Phase::Idle;
        ctx.at(
            at,
            Action::Poll {
                consumer,
                incarnation: c.incarnation,
                seq: c.poll_seq,
            },
        );
    }

    /// A consumer polls: it handles group membership first (leave, rejoin),
    /// may auto-commit, then fetches from the partitions it owns.
    pub(super) fn on_poll(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        seq: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation || c.poll_seq != seq {
            return;
        }
        c.last_poll_at = ctx.now;
        if c.leave_requested {
            self.leave_group(consumer, ctx);
            return;
        }
        if self.groups[c.group.index()].share.is_some() {
            return self.share_poll(consumer, ctx);
        }
        self.apply_assignment(consumer, ctx);
        let c = &self.consumers[consumer.index()];
        // A member learns of a rebalance from its heartbeat's answer, and
        // acts on it here, inside poll.
        if c.rejoin_requested && !c.join_pending {
            self.rejoin(consumer, ctx);
        }
        self.maybe_auto_commit(consumer, ctx);

        let c = &self.consumers[consumer.index()];
        if c.owned.is_empty() {
            // Nothing to fetch: an idle member keeps polling, which is how it
            // notices the next rebalance.
            let next = c.next_poll_at(ctx.now);
            self.schedule_poll(consumer, next, ctx);
            return;
        }
        let group = &self.groups[c.group.index()];
        let fetch_from = c
            .owned
            .iter()
            .map(|p| {
                (
                    p.tp,
                    p.position.or_else(|| group.committed.get(&p.tp).copied()),
                )
            })
            .collect();
        let incarnation = c.incarnation;
        self.consumers[consumer.index()].phase = Phase::Fetching;
        let arrives_at = ctx.send(Action::Fetch {
            consumer,
            incarnation,
            fetch_from,
        });
        ctx.emit(EventKind::FetchSent {
            consumer,
            arrives_at,
        });
    }

    /// `enable.auto.commit`: the Java client commits inside poll(), sending the
    /// positions reached by the records the previous polls returned, once the
    /// interval has passed since the last commit.
    fn maybe_auto_commit(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        if let CommitMode::Auto { interval_ms } = self.groups[c.group.index()].commit
            && ctx.now.millis_since(c.last_commit_at) >= interval_ms
            && c.owned.iter().any(|p| p.position.is_some())
        {
            c.last_commit_at = ctx.now;
            let offsets = c.positions_to_commit();
            self.send_commit(consumer, offsets, ctx);
        }
    }

    /// A fetch request reaches the broker: read up to `max.poll.records`
    /// records from the requested offsets and send them back.
    pub(super) fn on_fetch(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        fetch_from: Vec<(TopicPartition, Option<u64>)>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
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
            let (tp, requested) = fetch_from[(start + i) % count];
            if budget == 0 && requested.is_some() {
                // Full: this partition waits for the next poll.
                continue;
            }
            if !self.partition_readable(tp) {
                // No live leader: nothing comes back for this partition.
                continue;
            }
            let from = self.fetch_start(consumer, tp, requested, ctx);
            let leader = self.partition(tp).leader_replica();
            let (log, high_watermark) = (&leader.log, leader.high_watermark);
            let range = log.read_range(from, budget);
            // Consumers only see what every in-sync replica has.
            let range = range.start..range.end.min(high_watermark.max(range.start));
            budget -= range.end - range.start;
            records.extend(range.clone().filter_map(|offset| {
                log.get(offset).map(|r| FetchedRecord {
                    tp,
                    offset,
                    record: r.id,
                    key: r.key.clone(),
                    value: r.value.clone(),
                    headers: r.headers.clone(),
                    delivery_count: 0,
                })
            }));
            // A partition with nothing new, whose position did not move,
            // is left out of the response.
            if !range.is_empty() || requested != Some(range.start) {
                batches.push(FetchedBatch {
                    tp,
                    from_offset: range.start,
                    to_offset: range.end,
                });
            }
        }
        crate::sort::sort_by_key(&mut batches, |b| b.tp);
        let arrives_at = ctx.send(Action::FetchResponse {
            consumer,
            incarnation,
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
        incarnation: u32,
        batches: Vec<FetchedBatch>,
        records: Vec<FetchedRecord>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation || c.phase != Phase::Fetching {
            return;
        }
        // A partition revoked while the fetch was in flight is dropped. The
        // broker sends its batches in partition order, so `kept` is sorted.
        let mut kept = Vec::with_capacity(batches.len());
        for batch in batches {
            if let Some(i) = c.owned_index(&batch.tp) {
                c.advance(i, batch.to_offset);
                kept.push(batch.tp);
            }
        }
        c.pending.extend(
            records
                .into_iter()
                .filter(|r| kept.binary_search(&r.tp).is_ok()),
        );
        self.start_processing(consumer, ctx);
    }

    /// Fetched records in hand: the consumer starts on the first, or, with
    /// none, polls again after its interval.
    pub(super) fn start_processing(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        if c.pending.is_empty() {
            let next = c.next_poll_at(ctx.now);
            self.schedule_poll(consumer, next, ctx);
        } else {
            c.phase = Phase::Processing;
            let incarnation = c.incarnation;
            ctx.at(
                ctx.now + c.processing_ms,
                Action::Processed {
                    consumer,
                    incarnation,
                },
            );
        }
    }

    /// A consumer finished an attempt at the oldest pending record: it
    /// succeeded, or it failed and is retried, dead-lettered or skipped (see
    /// [`dead_letter`](super::dead_letter)). Then it starts the next record
    /// or, with the batch done, commits (after-batch mode) and polls again.
    ///
    /// With a processing time of zero the next record is done in the same
    /// instant, so the whole batch is worked through here, in order.
    pub(super) fn on_processed(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation {
            return;
        }
        let share = self.groups[c.group.index()].share.is_some();
        while let Some(done) = self.consumers[consumer.index()].pending.pop_front() {
            if share {
                // No retries: the record is acknowledged, and a released
                // one is delivered again, perhaps to another member.
                self.share_processed(consumer, &done, ctx);
            } else if let Some(error) = self.processing_error(consumer, &done) {
                if self.retry_or_give_up(consumer, incarnation, &done, error, ctx) {
                    // Tried again later: it stays first in line.
                    self.consumers[consumer.index()].pending.push_front(done);
                    return;
                }
            } else {
                let duplicate = self.processed_before(consumer, &done);
                self.record_processed(consumer, &done, duplicate, ctx);
            }
            let c = &mut self.consumers[consumer.index()];
            c.attempt = 0;
            if c.pending.is_empty() {
                break;
            }
            if c.processing_ms > 0 {
                ctx.at(
                    ctx.now + c.processing_ms,
                    Action::Processed {
                        consumer,
                        incarnation,
                    },
                );
                return;
            }
        }
        let c = &mut self.consumers[consumer.index()];
        let next_poll = c.next_poll_at(ctx.now);
        if self.groups[c.group.index()].commit == CommitMode::AfterBatch && !share {
            c.last_commit_at = ctx.now;
            let offsets = c.positions_to_commit();
            self.send_commit(consumer, offsets, ctx);
        }
        self.schedule_poll(consumer, next_poll, ctx);
    }

    /// Whether the group had processed `done`'s offset before.
    fn processed_before(&mut self, consumer: ConsumerId, done: &FetchedRecord) -> bool {
        let group = &mut self.groups[self.consumers[consumer.index()].group.index()];
        group.note_processed(done.tp, done.offset)
    }

    /// A record was processed successfully; a `duplicate` when the group
    /// had processed it before (at-least-once delivery).
    pub(super) fn record_processed(
        &mut self,
        consumer: ConsumerId,
        done: &FetchedRecord,
        duplicate: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        c.processed += 1;
        c.duplicates += u64::from(duplicate);
        ctx.emit(EventKind::RecordProcessed {
            consumer,
            record: done.record,
            tp: done.tp,
            offset: done.offset,
            duplicate,
        });
    }

    /// How long one processing attempt takes for `consumer`.
    pub(super) fn processing_ms(&self, consumer: ConsumerId) -> u64 {
        self.consumers[consumer.index()].processing_ms
    }

    /// Processing takes `processing_ms` per record from the next record on.
    pub(super) fn set_processing_ms(&mut self, consumer: ConsumerId, processing_ms: u64) {
        self.consumers[consumer.index()].processing_ms = processing_ms;
    }

    /// Sends an offset commit to the group coordinator.
    pub(super) fn send_commit(
        &mut self,
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        // Without a group there is no coordinator to commit to.
        if offsets.is_empty() || self.groups[group.index()].standalone {
            return;
        }
        let arrives_at = ctx.send(Action::Commit {
            group,
            consumer,
            offsets: offsets.clone(),
        });
        ctx.emit(EventKind::CommitSent {
            consumer,
            offsets,
            arrives_at,
        });
    }
}
