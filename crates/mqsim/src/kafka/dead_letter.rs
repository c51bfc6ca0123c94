//! Failed processing: retry N times, then a dead-letter topic.
//!
//! Processing a record can fail. Some failures pass (a timeout, a busy
//! database): trying again after a pause works. Others never pass (a
//! *poison* record: malformed, or naming a customer that does not exist):
//! retrying forever would block the whole partition, because a Kafka
//! consumer reads each partition strictly in order.
//!
//! The usual answer, and the design notes' "retry N times, then DLQ", is
//! what Spring for Apache Kafka's `DefaultErrorHandler` with a
//! `DeadLetterPublishingRecoverer` does:
//!
//! 1. On failure, wait `backoff_ms` and process the same record again, up
//!    to `retries` times. The partition waits meanwhile.
//! 2. Still failing: produce the record to the dead-letter topic, with its
//!    key, value and headers, plus headers saying where it came from and why
//!    it failed (`kafka_dlt-original-topic`, `-partition`, `-offset`,
//!    `kafka_dlt-exception-message`). It goes to the same partition number
//!    as the original when the dead-letter topic has one, as Spring does.
//! 3. Count the record as handled: the consumer commits past it and moves on.
//!    Someone can inspect and replay the dead-letter topic later.
//!
//! Without a dead-letter topic the record is skipped after its retries:
//! logged, committed past, never processed.

use super::cluster::writes::ProduceRequest;
use super::consumer::FetchedRecord;
use super::log::Header;
use super::partitioner::partition_for_key;
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, RecordId, TopicPartition};
use crate::scenario::POISON_HEADER;
use crate::trace::EventKind;
use std::rc::Rc;

impl Kafka {
    /// Why processing `record` fails this time, if it does: a poison key
    /// (or a record sent by hand marked with the `poison` header) always
    /// fails; otherwise the group's failure probability decides, drawn from
    /// the consumer's own random stream.
    pub(super) fn processing_error(
        &mut self,
        consumer: ConsumerId,
        record: &FetchedRecord,
    ) -> Option<Rc<str>> {
        if record.headers.iter().any(|h| &*h.name == POISON_HEADER) {
            return Some(Rc::from("poison record: its payload cannot be processed"));
        }
        let c = &mut self.consumers[consumer.index()];
        let group = &self.groups[c.group.index()];
        if let Some(key) = record
            .key
            .as_deref()
            .filter(|k| group.poison_keys.iter().any(|p| p.as_ref() == *k))
        {
            return Some(Rc::from(format!("poison record: cannot process key {key}")));
        }
        (group.failure_probability > 0.0 && c.rng.chance(group.failure_probability))
            .then(|| Rc::from("transient failure"))
    }

    /// Handles a failed attempt. Returns true when the record will be tried
    /// again (it stays first in line); false when the consumer has given up on
    /// it (dead-lettered or skipped) and moves on.
    pub(super) fn retry_or_give_up(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        record: &FetchedRecord,
        error: Rc<str>,
        ctx: &mut Ctx<'_, Action>,
    ) -> bool {
        let processing_ms = self.processing_ms(consumer);
        let c = &mut self.consumers[consumer.index()];
        let group = &self.groups[c.group.index()];
        c.attempt += 1;
        c.failures += 1;
        let retry_at = (c.attempt <= group.retries).then(|| ctx.now + group.backoff_ms);
        ctx.emit(EventKind::RecordFailed {
            consumer,
            record: record.record,
            tp: record.tp,
            offset: record.offset,
            attempt: c.attempt,
            error: error.clone(),
            retry_at,
            acknowledged: None,
        });
        if let Some(retry_at) = retry_at {
            ctx.at(
                retry_at + processing_ms,
                Action::Processed {
                    consumer,
                    incarnation,
                },
            );
            return true;
        }
        let dead_letter_topic = group.dead_letter_topic;
        self.groups[c.group.index()].note_processed(record.tp, record.offset);
        match dead_letter_topic {
            Some(topic) => {
                c.dead_lettered += 1;
                let partitions = self.topics[topic.index()].partitions.len() as u32;
                let partition = if record.tp.partition < partitions {
                    record.tp.partition
                } else {
                    record
                        .key
                        .as_deref()
                        .map_or(0, |k| partition_for_key(k, partitions))
                };
                let dead_letter = TopicPartition { topic, partition };
                let original_topic = self.topics[record.tp.topic.index()].name.clone();
                let mut headers: Vec<Header> = record.headers.to_vec();
                let mut header = |name: &str, value: String| {
                    headers.push(Header {
                        name: Rc::from(name),
                        value: Rc::from(value),
                    });
                };
                header("kafka_dlt-original-topic", original_topic.to_string());
                header(
                    "kafka_dlt-original-partition",
                    record.tp.partition.to_string(),
                );
                header("kafka_dlt-original-offset", record.offset.to_string());
                header("kafka_dlt-exception-message", error.to_string());
                let dead_letter_record = RecordId(self.next_record_id);
                self.next_record_id += 1;
                // The consumer's own producer: `acks=all`, retried until it
                // gets through.
                let request = ProduceRequest {
                    record: dead_letter_record,
                    tp: dead_letter,
                    key: record.key.clone(),
                    value: record.value.clone(),
                    headers: headers.into(),
                    producer: None,
                    attempt: 0,
                };
                let arrives_at = self.send_produce(request, ctx).unwrap_or(ctx.now);
                ctx.emit(EventKind::RecordDeadLettered {
                    consumer,
                    record: record.record,
                    tp: record.tp,
                    offset: record.offset,
                    dead_letter,
                    dead_letter_record,
                    arrives_at,
                });
            }
            None => {
                c.skipped += 1;
                ctx.emit(EventKind::RecordSkipped {
                    consumer,
                    record: record.record,
                    tp: record.tp,
                    offset: record.offset,
                });
            }
        }
        false
    }
}
