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
//! `retry.backoff.max.ms` (1 s); one the leader holds for
//! `request.timeout.ms` (30 s) without confirming fails the same way. After
//! any failure the producer asks again who leads. Producers are idempotent (the default since
//! Kafka 3.0): a retry of a record the leader already has is confirmed
//! without being written twice.

use super::super::log::{Headers, PartitionLog, StoredRecord, Value};
use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, ProducerId, RecordId, TopicPartition};
use crate::scenario::{Acks, defaults};
use crate::time::SimTime;
use crate::trace::{EventKind, ProduceError};
use std::rc::Rc;

/// `retry.backoff.max.ms`.
const RETRY_BACKOFF_MAX_MS: u64 = 1_000;
/// `request.timeout.ms`.
const REQUEST_TIMEOUT_MS: u64 = 30_000;
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
    /// Sends `request` to the broker the sender believes leads the
    /// partition, or, knowing of none, fails it at once. Returns when the
    /// request arrives, if it was sent.
    pub(crate) fn send_produce(
        &mut self,
        request: ProduceRequest,
        ctx: &mut Ctx<'_, Action>,
    ) -> Option<SimTime> {
        match self.believed_leader(&request) {
            Some(broker) => Some(ctx.send(Action::ProduceRequest { request, broker })),
            None => {
                self.produce_failed(request, ProduceError::LeaderNotAvailable, ctx);
                None
            }
        }
    }

    /// The leader in the sender's metadata. A producer caches it, and asks
    /// again (getting what ZooKeeper records) only after an error.
    fn believed_leader(&mut self, request: &ProduceRequest) -> Option<BrokerId> {
        let recorded = self.partition(request.tp).leader;
        let Some(producer) = request.producer else {
            return recorded;
        };
        let metadata = &mut self.producers[producer.index()].metadata;
        let p = request.tp.partition as usize;
        if metadata.len() <= p {
            metadata.resize(p + 1, None);
        }
        if metadata[p].is_none() {
            metadata[p] = recorded;
        }
        metadata[p]
    }

    /// A produce request reaches `broker`.
    pub(crate) fn on_produce_request(
        &mut self,
        request: ProduceRequest,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let tp = request.tp;
        let acks = self.acks(&request);
        let min_insync = self.min_insync_replicas(tp);
        let alive = self.cluster.is_alive(broker);
        let error = match self.partition(tp).replica(broker) {
            _ if !alive => Some(ProduceError::NetworkException),
            Some(replica) if replica.believes_leader() => {
                let isr = replica.state.as_ref().map_or(0, |s| s.isr.len());
                (acks == Acks::All && isr < min_insync).then_some(ProduceError::NotEnoughReplicas)
            }
            _ => Some(ProduceError::NotLeaderOrFollower),
        };
        if let Some(error) = error {
            // The answer (or the broken connection) reaches the sender.
            ctx.send(Action::ProduceFailed { request, error });
            return;
        }
        if self
            .partition(tp)
            .replica(broker)
            .is_some_and(|r| !r.pending_acks.is_empty())
        {
            self.expire_pending_acks(tp, broker, ctx);
        }
        let now = ctx.now;
        let Some(replica) = self.partition_mut(tp).replica_mut(broker) else {
            return;
        };
        let offset = match already_written(&replica.log, &request) {
            Some(offset) => offset,
            None => {
                let leader_epoch = replica.state.as_ref().map_or(0, |s| s.leader_epoch);
                let offset = replica.log.append(StoredRecord {
                    id: request.record,
                    key: request.key.clone(),
                    value: request.value.clone(),
                    headers: request.headers.clone(),
                    timestamp: now,
                    leader_epoch,
                });
                // A leader without in-sync followers commits at once.
                replica.high_watermark = replica.in_sync_end();
                ctx.emit(EventKind::RecordAppended {
                    record: request.record,
                    tp,
                    offset,
                    broker,
                    high_watermark: replica.high_watermark,
                });
                offset
            }
        };
        match acks {
            Acks::None => {}
            Acks::Leader => self.acknowledge(request, offset, ctx),
            Acks::All if offset < replica.high_watermark => self.acknowledge(request, offset, ctx),
            Acks::All => replica.pending_acks.push((offset, now, request)),
        }
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

    /// A write failed: the sender forgets the leader it had, and retries
    /// after a backoff.
    pub(crate) fn produce_failed(
        &mut self,
        mut request: ProduceRequest,
        error: ProduceError,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let (base, retries) = match request.producer {
            Some(p) => {
                let producer = &mut self.producers[p.index()];
                if let Some(known) = producer.metadata.get_mut(request.tp.partition as usize) {
                    *known = None;
                }
                (producer.retry_backoff_ms, producer.retries)
            }
            None => (defaults::retry_backoff_ms(), None),
        };
        if retries.is_some_and(|retries| request.attempt >= retries) {
            // Out of retries: the record is not sent again.
            ctx.emit(EventKind::ProduceFailed {
                record: request.record,
                producer: request.producer,
                tp: request.tp,
                error,
                retry_at: None,
            });
            return;
        }
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
            retry_at: Some(retry_at),
        });
        ctx.at(retry_at, Action::ProduceRetry { request });
    }

    /// `broker`'s high watermark for `tp` moved: confirm the `acks=all`
    /// writes it now covers.
    pub(crate) fn complete_pending_acks(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(replica) = self.partition_mut(tp).replica_mut(broker) else {
            return;
        };
        let high_watermark = replica.high_watermark;
        if replica
            .pending_acks
            .iter()
            .all(|(offset, _, _)| *offset >= high_watermark)
        {
            return;
        }
        let (done, waiting) = std::mem::take(&mut replica.pending_acks)
            .into_iter()
            .partition(|(offset, _, _)| *offset < high_watermark);
        replica.pending_acks = waiting;
        for (offset, _, request) in done {
            self.acknowledge(request, offset, ctx);
        }
    }

    /// `broker` stopped leading `tp` (or died): its waiting `acks=all`
    /// writes fail, and their producers retry with the new leader.
    pub(crate) fn fail_pending_acks(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        error: ProduceError,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(replica) = self.partition_mut(tp).replica_mut(broker) else {
            return;
        };
        for (_, _, request) in std::mem::take(&mut replica.pending_acks) {
            ctx.send(Action::ProduceFailed { request, error });
        }
    }

    /// `request.timeout.ms`: a write the leader has held too long fails at
    /// the producer, which asks for fresh metadata and retries.
    pub(crate) fn expire_pending_acks(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let now = ctx.now;
        let Some(replica) = self.partition_mut(tp).replica_mut(broker) else {
            return;
        };
        let expired = replica
            .pending_acks
            .iter()
            .take_while(|(_, since, _)| now.millis_since(*since) >= REQUEST_TIMEOUT_MS)
            .count();
        for (_, _, request) in replica.pending_acks.drain(..expired).collect::<Vec<_>>() {
            self.produce_failed(request, ProduceError::RequestTimedOut, ctx);
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

/// The idempotent producer: the offset of the record if the leader's `log`
/// already holds it (an earlier attempt got through).
fn already_written(log: &PartitionLog, request: &ProduceRequest) -> Option<u64> {
    request.attempt.checked_sub(1)?;
    let end = log.log_end_offset();
    let from = end.saturating_sub(DEDUP_WINDOW).max(log.log_start_offset());
    (from..end).find(|&offset| log.get(offset).is_some_and(|r| r.id == request.record))
}
