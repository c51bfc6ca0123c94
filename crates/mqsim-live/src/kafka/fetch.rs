//! `Fetch` and `ListOffsets`: reading a partition's log.
//!
//! A consumer asks a partition's leader for the records from an offset on.
//! The leader answers with the records it holds up to its high watermark
//! (those every in-sync replica has: a record beyond it may yet be lost in
//! a failover, so no consumer sees it), or, when there are none yet, holds
//! the request up to its `max_wait_ms` for some to arrive. An offset the
//! log does not hold is answered `OFFSET_OUT_OF_RANGE`, and the consumer
//! resets by its `auto.offset.reset` through `ListOffsets` (`-2` the log
//! start, `-1` its end: the high watermark). All of it is read from the
//! run's leader replica as it stands; reading changes nothing in the run.
//!
//! Fetch sessions (KIP-227) are not kept: every answer carries session id
//! 0, which tells a client to send full fetch requests, as Kafka does when
//! it has no room for a session.

use super::metadata::{led_by, topic_id};
use crate::broker::{Broker, Shared};
use bytes::{Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::indexmap::IndexMap;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::{
    FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use mqsim::ids::BrokerId;
use mqsim::kafka::cluster::partition::Partition;
use std::time::{Duration, Instant};

/// How often a held fetch looks for records.
const HOLD_STEP: Duration = Duration::from_millis(10);

/// Records one partition's answer carries at most, whatever its bytes.
const MAX_RECORDS: usize = 2_000;

/// Answers a Fetch sent to broker `node`: at once if it finds records or
/// errors, else once records arrive or `max_wait_ms` has passed.
pub async fn fetch(shared: &Shared, node: BrokerId, request: &FetchRequest) -> FetchResponse {
    let until = Instant::now() + Duration::from_millis(request.max_wait_ms.max(0) as u64);
    loop {
        let (response, found) = read(&shared.borrow(), node, request);
        if found || Instant::now() >= until {
            return response;
        }
        tokio::time::sleep(HOLD_STEP.min(until - Instant::now())).await;
    }
}

/// The answer as the logs stand, and whether it has anything to give
/// (records, or an error the client must hear at once).
fn read(broker: &Broker, node: BrokerId, request: &FetchRequest) -> (FetchResponse, bool) {
    let kafka = broker.kafka();
    let mut found = false;
    let mut budget = request.max_bytes.max(0) as usize;
    let responses = (request.topics.iter())
        .map(|asked| {
            let name = asked.topic.0.as_str();
            let partitions = (asked.partitions.iter())
                .map(|p| {
                    // No records is an empty record set, never a null one,
                    // as Kafka writes it.
                    let data = PartitionData::default()
                        .with_partition_index(p.partition)
                        .with_records(Some(Bytes::new()));
                    let partition = match led_by(kafka, name, p.partition, node) {
                        Ok(partition) => partition,
                        Err(error) => {
                            found = true;
                            return data.with_error_code(error.code());
                        }
                    };
                    let log = partition.log();
                    let (start, watermark) = (log.log_start_offset(), partition.high_watermark());
                    let data = data
                        .with_high_watermark(watermark as i64)
                        .with_last_stable_offset(watermark as i64)
                        .with_log_start_offset(start as i64);
                    let from = p.fetch_offset;
                    if from < start as i64 || from > log.log_end_offset() as i64 {
                        found = true;
                        return data.with_error_code(ResponseError::OffsetOutOfRange.code());
                    }
                    let limit = (p.partition_max_bytes.max(0) as usize).min(budget);
                    let (records, bytes) = batch(broker, partition, from as u64, watermark, limit);
                    if records.is_some() {
                        found = true;
                        budget = budget.saturating_sub(bytes);
                    }
                    data.with_records(records.or(Some(Bytes::new())))
                })
                .collect();
            FetchableTopicResponse::default()
                .with_topic(asked.topic.clone())
                .with_topic_id(topic_id(name))
                .with_partitions(partitions)
        })
        .collect();
    (
        FetchResponse::default()
            .with_session_id(0)
            .with_responses(responses),
        found,
    )
}

/// The records of `partition` from `from` up to `watermark`, at least one
/// and about `limit` bytes, as one record batch (v2); none when there are
/// none. With their size.
fn batch(
    broker: &Broker,
    partition: &Partition,
    from: u64,
    watermark: u64,
    limit: usize,
) -> (Option<Bytes>, usize) {
    let mut records = Vec::new();
    let mut size = 0;
    for stored in partition.log().records_in(from..watermark) {
        let offset = from + records.len() as u64;
        let value = stored.value.to_string();
        let headers: IndexMap<StrBytes, Option<Bytes>> = (stored.headers.iter())
            .map(|h| {
                let value = Bytes::copy_from_slice(h.value.as_bytes());
                (StrBytes::from_string(h.name.to_string()), Some(value))
            })
            .collect();
        let bytes = value.len() + stored.key.as_ref().map_or(0, |k| k.len()) + 24;
        if !records.is_empty() && (size + bytes > limit || records.len() >= MAX_RECORDS) {
            break;
        }
        size += bytes;
        records.push(Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: stored.leader_epoch as i32,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::LogAppend,
            offset: offset as i64,
            // Counted from the batch's first record, so that the encoder
            // keeps the records in one batch.
            sequence: (offset - from) as i32,
            timestamp: (broker.epoch_ms() + stored.timestamp.as_millis()) as i64,
            key: (stored.key.as_ref()).map(|k| Bytes::copy_from_slice(k.as_bytes())),
            value: Some(Bytes::from(value)),
            headers,
        });
    }
    if records.is_empty() {
        return (None, 0);
    }
    let mut out = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    match RecordBatchEncoder::encode(&mut out, &records, &options) {
        Ok(()) => {
            let len = out.len();
            (Some(out.freeze()), len)
        }
        Err(_) => (None, 0),
    }
}

/// Answers `ListOffsets` at broker `node`: for each partition, the offset
/// for its timestamp: `-1` the high watermark (where a consumer reading
/// committed records ends), `-2` the log start, else the first record
/// appended at or after the timestamp.
pub fn list_offsets(
    broker: &Broker,
    node: BrokerId,
    request: &ListOffsetsRequest,
    version: i16,
) -> ListOffsetsResponse {
    let kafka = broker.kafka();
    let topics = (request.topics.iter())
        .map(|asked| {
            let name = asked.name.0.as_str();
            let partitions = (asked.partitions.iter())
                .map(|p| {
                    let answer = ListOffsetsPartitionResponse::default()
                        .with_partition_index(p.partition_index);
                    let partition = match led_by(kafka, name, p.partition_index, node) {
                        Ok(partition) => partition,
                        Err(error) => return answer.with_error_code(error.code()),
                    };
                    let log = partition.log();
                    let watermark = partition.high_watermark();
                    let offset = match p.timestamp {
                        -1 => Some(watermark),
                        -2 => Some(log.log_start_offset()),
                        at => {
                            let since = (at as u64).saturating_sub(broker.epoch_ms());
                            (log.log_start_offset()..watermark).find(|&o| {
                                log.get(o).is_some_and(|r| r.timestamp.as_millis() >= since)
                            })
                        }
                    };
                    match offset {
                        Some(offset) => answer
                            .with_offset(offset as i64)
                            .with_timestamp(-1)
                            .with_leader_epoch(if version >= 4 {
                                // A field from v4; before it, none.
                                partition.leader_epoch as i32
                            } else {
                                -1
                            }),
                        None => answer.with_offset(-1).with_timestamp(-1),
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default()
                .with_name(asked.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}
