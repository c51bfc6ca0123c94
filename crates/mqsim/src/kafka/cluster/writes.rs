//! Writes: how a record reaches its partition leader and is confirmed.
//!
//! A producer sends each record to the broker it believes leads the
//! partition. The leader refuses it if it is not the leader, or if the
//! producer asked for `acks=all` while fewer replicas than
//! `min.insync.replicas` are in sync. Otherwise it appends the record and
//! answers according to `acks`:
//! - `acks=0`: no answer; the producer never learns whether it arrived.
//! - `acks=1`: as soon as the leader has it. If the leader dies before a
//!   follower copied it, the record is lost although it was confirmed.
//! - `acks=all`: once every in-sync replica has it, that is once the high
//!   watermark passes it. Such a record survives any failure that leaves
//!   one in-sync replica.
//!
//! A refused write is retried after `retry.backoff.ms`, doubling up to
//! `retry.backoff.max.ms` (1 s). Producers are idempotent (the default since
//! Kafka 3.0): a retry of a record the leader already has is confirmed
//! without being written twice.

use super::super::log::{Headers, StoredRecord, Value};
use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, ProducerId, RecordId, TopicPartition};
use crate::scenario::{Acks, defaults};
use crate::time::SimTime;
use crate::trace::{EventKind, ProduceError};
use std::rc::Rc;

/// `retry.backoff.max.ms`.
const RETRY_BACKOFF_MAX_MS: u64 = 1_000;
/// How far back from the log end a leader looks for a retried record
/// (the idempotent producer's window, generously).
const DEDUP_WINDOW: u64 = 10_000;

/// One record on its way to a partition leader.
#[derive(Clone, Debug)]
pub(crate) struct ProduceRequest {
    pub record: RecordId,
    pub tp: TopicPartition,
    pub key: Option<Rc<str>>,
    pub value: Value,
    pub headers: Headers,
    /// The producer that waits for the answer, whose `acks` and
    /// `retry.backoff.ms` apply; none for a consumer's dead-letter write,
    /// sent with `acks=all` and the default backoff.
    pub producer: Option<ProducerId>,
    /// Failed attempts so far.
    pub attempt: u32,
}

impl Kafka {
    /// Sends `request` to the partition's leader, or, with no leader,
    /// fails it at once. Returns when the request arrives, if it was sent.
    pub(crate) fn send_produce(
        &mut self,
        request: ProduceRequest,
        ctx: &mut Ctx<'_, Action>,
    ) -> Option<SimTime> {
        match self.partition(request.tp).leader {
            Some(broker) => Some(ctx.send(Action::ProduceRequest { request, broker })),
            None => {
                self.produce_failed(request, ProduceError::LeaderNotAvailable, ctx);
                None
            }
        }
    }

    /// A produce request reaches `broker`.
    pub(crate) fn on_produce_request(
        &mut self,
        request: ProduceRequest,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let error = if !self.cluster.is_alive(broker) {
            Some(ProduceError::NetworkException)
        } else if self.partition(request.tp).leader != Some(broker) {
            Some(ProduceError::NotLeaderOrFollower)
        } else if self.acks(&request) == Acks::All
            && self.partition(request.tp).isr.len() < self.min_insync_replicas(request.tp)
        {
            Some(ProduceError::NotEnoughReplicas)
        } else {
            None
        };
        if let Some(error) = error {
            // The answer (or the broken connection) reaches the sender.
            ctx.send(Action::ProduceFailed { request, error });
            return;
        }
        let offset = match self.already_written(&request) {
            Some(offset) => offset,
            None => self.append_at_leader(&request, broker, ctx),
        };
        match self.acks(&request) {
            Acks::None => {}
            Acks::Leader => self.acknowledge(request, offset, ctx),
            Acks::All => {
                if offset < self.partition(request.tp).high_watermark() {
                    self.acknowledge(request, offset, ctx);
                } else {
                    self.partition_mut(request.tp)
                        .pending_acks
                        .push((offset, request));
                }
            }
        }
    }

    /// The idempotent producer: the offset of the record if the leader
    /// already holds it (an earlier attempt got through).
    fn already_written(&self, request: &ProduceRequest) -> Option<u64> {
        request.attempt.checked_sub(1)?;
        let log = self.partition(request.tp).log();
        let end = log.log_end_offset();
        let from = end.saturating_sub(DEDUP_WINDOW).max(log.log_start_offset());
        (from..end).find(|&offset| log.get(offset).is_some_and(|r| r.id == request.record))
    }

    fn append_at_leader(
        &mut self,
        request: &ProduceRequest,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) -> u64 {
        let partition = self.partition_mut(request.tp);
        let leader_epoch = partition.leader_epoch;
        let offset = partition.leader_replica_mut().log.append(StoredRecord {
            id: request.record,
            key: request.key.clone(),
            value: request.value.clone(),
            headers: request.headers.clone(),
            timestamp: ctx.now,
            leader_epoch,
        });
        // A leader without in-sync followers commits at once.
        let high_watermark = partition.in_sync_end();
        partition.leader_replica_mut().high_watermark = high_watermark;
        ctx.emit(EventKind::RecordAppended {
            record: request.record,
            tp: request.tp,
            offset,
            broker,
            high_watermark,
        });
        offset
    }

    /// Confirms a write to its producer. The confirmation only informs: the
    /// producer has nothing left to do with the record.
    pub(crate) fn acknowledge(
        &mut self,
        request: ProduceRequest,
        offset: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(producer) = request.producer else {
            return;
        };
        let arrives_at = ctx.now + ctx.latency_ms;
        ctx.emit(EventKind::RecordAcknowledged {
            record: request.record,
            producer,
            tp: request.tp,
            offset,
            arrives_at,
        });
    }

    /// A write failed: schedule the retry, backing off.
    pub(crate) fn produce_failed(
        &mut self,
        mut request: ProduceRequest,
        error: ProduceError,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let base = request.producer.map_or(defaults::retry_backoff_ms(), |p| {
            self.producers[p.index()].retry_backoff_ms
        });
        let backoff = base
            .saturating_mul(1 << request.attempt.min(16))
            .min(RETRY_BACKOFF_MAX_MS.max(base));
        request.attempt += 1;
        let retry_at = ctx.now + backoff;
        ctx.emit(EventKind::ProduceFailed {
            record: request.record,
            producer: request.producer,
            tp: request.tp,
            error,
            retry_at,
        });
        ctx.at(retry_at, Action::ProduceRetry { request });
    }

    /// The leader's high watermark moved: confirm the `acks=all` writes it
    /// now covers.
    pub(crate) fn complete_pending_acks(&mut self, tp: TopicPartition, ctx: &mut Ctx<'_, Action>) {
        let partition = self.partition_mut(tp);
        let high_watermark = partition.high_watermark();
        if partition
            .pending_acks
            .iter()
            .all(|(offset, _)| *offset >= high_watermark)
        {
            return;
        }
        let (done, waiting) = std::mem::take(&mut partition.pending_acks)
            .into_iter()
            .partition(|(offset, _)| *offset < high_watermark);
        partition.pending_acks = waiting;
        for (offset, request) in done {
            self.acknowledge(request, offset, ctx);
        }
    }

    /// A leader lost leadership (or died): its waiting `acks=all` writes
    /// fail, and their producers retry with the new leader.
    pub(crate) fn fail_pending_acks(
        &mut self,
        tp: TopicPartition,
        error: ProduceError,
        ctx: &mut Ctx<'_, Action>,
    ) {
        for (_, request) in std::mem::take(&mut self.partition_mut(tp).pending_acks) {
            ctx.send(Action::ProduceFailed { request, error });
        }
    }

    fn acks(&self, request: &ProduceRequest) -> Acks {
        request
            .producer
            .map_or(Acks::All, |p| self.producers[p.index()].acks)
    }

    fn min_insync_replicas(&self, tp: TopicPartition) -> usize {
        self.topics[tp.topic.index()].min_insync_replicas as usize
    }
}
