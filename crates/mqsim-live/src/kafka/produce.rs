//! `Produce` and `InitProducerId`: a client's records become the run's.
//!
//! A client sends each partition's records to the broker it believes
//! leads the partition. That broker checks, as Kafka's `ReplicaManager`
//! does, that it knows the topic and partition and that it is the leader;
//! if not, the partition is answered `UNKNOWN_TOPIC_OR_PARTITION` or
//! `NOT_LEADER_OR_FOLLOWER` (with the leader it knows of, from version 10,
//! as KIP-951 has it) and the client refreshes its metadata. Otherwise each
//! record becomes a `produce` entry of the run, through a producer of the
//! run that stands for this client: the run's leader appends it, the
//! followers copy it, and with `acks=1` the answer goes back once the
//! leader has it, with `acks=all` once the in-sync replicas all have it
//! (and the run refuses it while they are fewer than
//! `min.insync.replicas`). With `acks=0` nothing goes back at all. A
//! partition not acknowledged within the request's `timeout_ms` is
//! answered `REQUEST_TIMED_OUT`; the run may still append it, as Kafka
//! may.

use super::Listeners;
use super::clients::Acked;
use super::metadata::topic;
use crate::broker::{Broker, Shared};
use bytes::Bytes;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::produce_request::PartitionProduceData;
use kafka_protocol::messages::produce_response::{
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse, TopicProduceResponse,
};
use kafka_protocol::messages::{
    BrokerId, InitProducerIdRequest, InitProducerIdResponse, ProduceRequest, ProduceResponse,
    ProducerId as WireProducerId,
};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{Record, RecordBatchDecoder};
use mqsim::EventKind;
use mqsim::ids::{BrokerId as RunBroker, ProducerId, RecordId};
use mqsim::scenario::limits::MAX_NAME_LEN;
use mqsim::scenario::{Acks, Intervention, ProducerSpec};
use mqsim::trace::ProduceError;
use std::collections::BTreeMap;
use std::time::Duration;

/// One partition's part of a Produce request, as far as it got.
enum Part {
    /// Answered at once: refused.
    Refused(PartitionProduceResponse),
    /// Made entries of the run: the first record's offset comes on the
    /// first channel, and every record's on its own.
    Sent {
        index: i32,
        records: Vec<RecordId>,
        acked: Vec<Acked>,
    },
}

/// What a Produce request gets.
pub enum Answer {
    Response(ProduceResponse),
    /// `acks=0`, all taken: nothing.
    Nothing,
    /// `acks=0` and a partition refused: the client cannot be told, so the
    /// connection closes (Kafka's `KafkaApis.handleProduceRequest`), and
    /// the client finds out why by asking again.
    Close(String),
}

/// Carries out a Produce request sent to broker `node` by `client`.
pub async fn produce(
    shared: &Shared,
    listeners: &Listeners,
    node: RunBroker,
    client: &str,
    request: ProduceRequest,
    version: i16,
) -> Answer {
    let acks = request.acks;
    let mut topics: Vec<(kafka_protocol::messages::TopicName, Vec<Part>)> = Vec::new();
    {
        let mut broker = shared.borrow();
        for data in &request.topic_data {
            let name = data.name.0.to_string();
            let parts = (data.partition_data.iter())
                .map(|partition| {
                    produce_partition(&mut broker, node, client, &name, acks, partition, version)
                })
                .collect();
            topics.push((data.name.clone(), parts));
        }
    }
    if acks == 0 {
        let refused = (topics.iter())
            .flat_map(|(_, parts)| parts)
            .find_map(|part| match part {
                Part::Refused(response) => Some(response.error_code),
                Part::Sent { .. } => None,
            });
        return match refused {
            Some(code) => Answer::Close(format!(
                "an acks=0 Produce was refused ({:?}), which the client cannot be told",
                ResponseError::try_from_code(code)
            )),
            None => Answer::Nothing,
        };
    }
    let deadline = Duration::from_millis(request.timeout_ms.max(0) as u64);
    let mut responses = Vec::new();
    for (name, parts) in topics {
        let mut partition_responses = Vec::new();
        for part in parts {
            let (index, records, acked) = match part {
                Part::Refused(response) => {
                    partition_responses.push(response);
                    continue;
                }
                Part::Sent {
                    index,
                    records,
                    acked,
                } => (index, records, acked),
            };
            let answered = PartitionProduceResponse::default().with_index(index);
            let error = match tokio::time::timeout(deadline, first_offset(acked)).await {
                Ok(Ok(base_offset)) => {
                    let start = log_start(shared, &name.0, index);
                    partition_responses.push(
                        answered
                            .with_base_offset(base_offset as i64)
                            .with_log_start_offset(start),
                    );
                    continue;
                }
                Ok(Err(error)) => error,
                Err(_) => ResponseError::RequestTimedOut,
            };
            shared.borrow().kafka_clients.forget(&records);
            partition_responses.push(answered.with_base_offset(-1).with_error_code(error.code()));
        }
        responses.push(
            TopicProduceResponse::default()
                .with_name(name)
                .with_partition_responses(partition_responses),
        );
    }
    // KIP-951: the leaders named in refusals, with where to reach them.
    let mut leaders: Vec<i32> = (responses.iter())
        .flat_map(|t| &t.partition_responses)
        .map(|p| p.current_leader.leader_id.0)
        .filter(|&id| id >= 0)
        .collect();
    leaders.sort_unstable();
    leaders.dedup();
    let node_endpoints = (leaders.into_iter())
        .map(|id| endpoint(listeners, RunBroker(id as u32)))
        .collect();
    Answer::Response(
        ProduceResponse::default()
            .with_responses(responses)
            .with_node_endpoints(node_endpoints),
    )
}

/// Waits for every record's acknowledgement: the first record's offset,
/// or the error of the first refused.
async fn first_offset(acked: Vec<Acked>) -> Result<u64, ResponseError> {
    let mut first = None;
    for offset in acked {
        match offset.await {
            Ok(Ok(offset)) => {
                first.get_or_insert(offset);
            }
            Ok(Err(error)) => return Err(wire_error(error)),
            Err(_) => return Err(ResponseError::UnknownServerError),
        }
    }
    first.ok_or(ResponseError::UnknownServerError)
}

/// The run's refusal as the client is told it.
fn wire_error(error: ProduceError) -> ResponseError {
    match error {
        ProduceError::NotEnoughReplicas => ResponseError::NotEnoughReplicas,
        ProduceError::NotLeaderOrFollower => ResponseError::NotLeaderOrFollower,
        ProduceError::LeaderNotAvailable => ResponseError::LeaderNotAvailable,
        ProduceError::NetworkException => ResponseError::NetworkException,
        ProduceError::RequestTimedOut => ResponseError::RequestTimedOut,
    }
}

/// The log start offset of `topic`'s partition `index`, as the leader has it.
fn log_start(shared: &Shared, name: &str, index: i32) -> i64 {
    let broker = shared.borrow();
    topic(broker.kafka(), name)
        .and_then(|(_, partitions)| partitions.get(index as usize))
        .map_or(-1, |p| p.log().log_start_offset() as i64)
}

/// One partition's records: refused, or made entries of the run.
fn produce_partition(
    broker: &mut Broker,
    node: RunBroker,
    client: &str,
    name: &str,
    acks: i16,
    data: &PartitionProduceData,
    version: i16,
) -> Part {
    let index = data.index;
    let refused = |error: ResponseError, message: Option<String>| {
        Part::Refused(
            PartitionProduceResponse::default()
                .with_index(index)
                .with_base_offset(-1)
                .with_error_code(error.code())
                .with_error_message(message.map(StrBytes::from_string)),
        )
    };
    if !(-1..=1).contains(&acks) {
        return refused(ResponseError::InvalidRequiredAcks, None);
    }
    let leader = match topic(broker.kafka(), name).and_then(|(_, p)| p.get(index as usize)) {
        None => return refused(ResponseError::UnknownTopicOrPartition, None),
        Some(partition) => (partition.leader, partition.leader_epoch),
    };
    if leader.0 != Some(node) {
        let mut response = PartitionProduceResponse::default()
            .with_index(index)
            .with_base_offset(-1)
            .with_error_code(ResponseError::NotLeaderOrFollower.code());
        // KIP-951: from version 10 the client is told the leader it should
        // go to, so it need not ask for metadata first.
        if version >= 10
            && let (Some(at), epoch) = leader
        {
            response = response.with_current_leader(
                LeaderIdAndEpoch::default()
                    .with_leader_id(BrokerId(at.0 as i32))
                    .with_leader_epoch(epoch as i32),
            );
        }
        return Part::Refused(response);
    }
    let records = match data
        .records
        .clone()
        .map(|mut bytes: Bytes| RecordBatchDecoder::decode_all(&mut bytes))
    {
        None => Vec::new(),
        Some(Ok(batches)) => batches.into_iter().flat_map(|b| b.records).collect(),
        Some(Err(e)) => return refused(ResponseError::CorruptMessage, Some(e.to_string())),
    };
    let entries: Vec<TextRecord> = match records.iter().map(as_text).collect() {
        Ok(entries) => entries,
        Err(why) => return refused(ResponseError::InvalidRecord, Some(why)),
    };
    let producer = match producer_for(broker, client, name, acks) {
        Ok(producer) => producer,
        Err(why) => return refused(ResponseError::UnknownServerError, Some(why)),
    };
    let producer_name = broker.kafka().producers[producer.index()].name.to_string();
    // The batch's records at one moment, as the batch reaches its broker.
    let actions = (entries.into_iter())
        .map(|(key, value, headers)| Intervention::Produce {
            producer: producer_name.clone(),
            key,
            value,
            partition: Some(index as u32),
            headers,
            poison: false,
            broker: Some(node.0),
        })
        .collect();
    let mut sent = Vec::new();
    let mut acked = Vec::new();
    let outcome = broker.act_all(actions, |broker, events| {
        for event in events {
            if let EventKind::RecordSent {
                record,
                producer: p,
                ..
            } = event.kind
                && p == producer
            {
                sent.push(record);
                if acks != 0 {
                    acked.push(broker.kafka_clients.awaiting(record));
                }
            }
        }
    });
    if let Err(why) = outcome {
        return refused(ResponseError::UnknownServerError, Some(why));
    }
    Part::Sent {
        index,
        records: sent,
        acked,
    }
}

/// A record's key, value and headers, as the run keeps them.
type TextRecord = (Option<String>, Option<String>, BTreeMap<String, String>);

/// `record` as text: the run keeps keys, values and headers as text.
fn as_text(record: &Record) -> Result<TextRecord, String> {
    let headers = (record.headers.iter())
        .map(|(name, value)| {
            let value = text(value, "header value")?.unwrap_or_default();
            Ok((name.to_string(), value))
        })
        .collect::<Result<_, String>>()?;
    Ok((
        text(&record.key, "key")?,
        text(&record.value, "value")?,
        headers,
    ))
}

/// `bytes` as text, or why not.
fn text(bytes: &Option<Bytes>, what: &str) -> Result<Option<String>, String> {
    let text = |b: &Bytes| {
        String::from_utf8(b.to_vec()).map_err(|_| {
            format!("the playground keeps records as text: this record's {what} is not UTF-8")
        })
    };
    bytes.as_ref().map(text).transpose()
}

/// The run's producer for `client` sending to `topic` with `acks`, made
/// (at rate 0) the first time.
fn producer_for(
    broker: &mut Broker,
    client: &str,
    topic: &str,
    acks: i16,
) -> Result<ProducerId, String> {
    if let Some(producer) = broker.kafka_clients.producer(client, topic, acks) {
        return Ok(producer);
    }
    let who: String = (if client.is_empty() { "kafka" } else { client })
        .chars()
        .take(MAX_NAME_LEN / 2)
        .collect();
    let base = format!("{who} → {topic}");
    let taken = |name: &str| broker.kafka().producers.iter().any(|p| &*p.name == name);
    let name = std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base} ({n})")))
        .find(|name| !taken(name))
        .expect("some name is free");
    let mut spec = ProducerSpec::new(&name, topic, 0.0);
    // The client retries itself.
    spec.retries = Some(0);
    spec.acks = match acks {
        0 => Acks::None,
        1 => Acks::Leader,
        _ => Acks::All,
    };
    broker.apply(Intervention::ProducerAdd { producer: spec })?;
    let producer = (broker.kafka().producers.iter())
        .position(|p| *p.name == name)
        .map(|i| ProducerId(i as u32))
        .ok_or("the run did not add the producer")?;
    broker
        .kafka_clients
        .made_producer(client, topic, acks, producer);
    Ok(producer)
}

/// Answers `InitProducerId` for an idempotent producer: a producer id of
/// its own, epoch 0. Transactions are not served.
pub fn init_producer_id(
    broker: &mut Broker,
    request: &InitProducerIdRequest,
) -> InitProducerIdResponse {
    if request.transactional_id.is_some() {
        return InitProducerIdResponse::default()
            .with_error_code(ResponseError::TransactionalIdAuthorizationFailed.code());
    }
    InitProducerIdResponse::default()
        .with_producer_id(WireProducerId(broker.kafka_clients.next_producer_id()))
        .with_producer_epoch(0)
}

/// The leader's endpoint, for a refusal that names it (`node_endpoints`).
fn endpoint(listeners: &Listeners, leader: RunBroker) -> NodeEndpoint {
    NodeEndpoint::default()
        .with_node_id(BrokerId(leader.0 as i32))
        .with_host(StrBytes::from_string(listeners.host.clone()))
        .with_port(listeners.port(leader))
}
