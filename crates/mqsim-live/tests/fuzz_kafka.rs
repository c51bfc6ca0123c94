//! The Kafka decoder's entry points ([`frames::header`], then
//! [`frames::decode`] of each request served, and the record batches of a
//! Produce) fed what no client should send: requests of every kind served,
//! in several versions, mutated (bits flipped, bytes overwritten, lengths
//! lied about, cut short, bytes inserted, requests spliced together), and
//! plain random bytes. Whatever comes in, the decoders answer with a
//! request or an error, and never panic.
//!
//! A run tries 20,000 inputs; `FUZZ_INPUTS=1000000 cargo test --release -p
//! mqsim-live --test fuzz_kafka -- --nocapture` tries a million and prints
//! the count (the figure in the notes).

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, CreateTopicsRequest, FetchRequest, InitProducerIdRequest,
    ListOffsetsRequest, MetadataRequest, ProduceRequest, RequestHeader, TopicName,
};
use kafka_protocol::protocol::{Encodable, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use mqsim_live::kafka::frames::{self, Request};
use mqsim_live::reserve::Reserving;
mod common;

use rand::SeedableRng;
use rand_pcg::Pcg64;

/// As `mqsim serve`: a request that claims billions of elements gets
/// address space, not an abort.
#[global_allocator]
static ALLOCATOR: Reserving = Reserving;

fn name(text: &'static str) -> TopicName {
    TopicName(StrBytes::from_static_str(text))
}

fn batch(compression: Compression) -> Bytes {
    let records: Vec<Record> = (0..3)
        .map(|i| Record {
            transactional: false,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 0,
            producer_id: -1,
            producer_epoch: -1,
            timestamp_type: TimestampType::Creation,
            offset: i,
            sequence: i as i32,
            timestamp: 1_700_000_000_000 + i,
            key: Some(Bytes::from(format!("key-{i}"))),
            value: Some(Bytes::from(format!("value {i}"))),
            headers: [(
                StrBytes::from_static_str("trace"),
                Some(Bytes::from_static(b"42")),
            )]
            .into_iter()
            .collect(),
        })
        .collect();
    let mut out = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression,
    };
    RecordBatchEncoder::encode(&mut out, &records, &options).unwrap();
    out.freeze()
}

/// One request, as a client writes it after the size.
fn request<T: Encodable>(key: ApiKey, version: i16, body: &T) -> Vec<u8> {
    let mut out = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(version)
        .with_correlation_id(1)
        .with_client_id(Some(StrBytes::from_static_str("fuzz")))
        .encode(&mut out, key.request_header_version(version))
        .unwrap();
    body.encode(&mut out, version).unwrap();
    out.to_vec()
}

/// Requests of every kind served, well formed, in their first, a middle
/// and their last version served.
fn corpus() -> Vec<Vec<u8>> {
    let produce = |compression| {
        ProduceRequest::default()
            .with_acks(-1)
            .with_timeout_ms(30_000)
            .with_topic_data(vec![
                TopicProduceData::default()
                    .with_name(name("orders"))
                    .with_partition_data(vec![
                        PartitionProduceData::default()
                            .with_index(1)
                            .with_records(Some(batch(compression))),
                    ]),
            ])
    };
    let metadata = MetadataRequest::default()
        .with_topics(Some(vec![
            MetadataRequestTopic::default().with_name(Some(name("orders"))),
        ]))
        .with_allow_auto_topic_creation(true);
    let create = CreateTopicsRequest::default().with_topics(vec![
        CreatableTopic::default()
            .with_name(name("payments"))
            .with_num_partitions(3)
            .with_replication_factor(1),
    ]);
    let fetch = FetchRequest::default()
        .with_max_wait_ms(500)
        .with_max_bytes(1 << 20)
        .with_topics(vec![
            FetchTopic::default()
                .with_topic(name("orders"))
                .with_partitions(vec![
                    FetchPartition::default()
                        .with_partition(0)
                        .with_fetch_offset(3)
                        .with_partition_max_bytes(1 << 20),
                ]),
        ]);
    let offsets = ListOffsetsRequest::default().with_topics(vec![
        ListOffsetsTopic::default()
            .with_name(name("orders"))
            .with_partitions(vec![ListOffsetsPartition::default().with_timestamp(-2)]),
    ]);
    let mut corpus = Vec::new();
    for version in [0, 3, 4] {
        corpus.push(request(
            ApiKey::ApiVersions,
            version,
            &ApiVersionsRequest::default(),
        ));
    }
    for version in [1, 9, 12] {
        corpus.push(request(ApiKey::Metadata, version, &metadata));
    }
    for version in [3, 9, 12] {
        corpus.push(request(
            ApiKey::Produce,
            version,
            &produce(Compression::None),
        ));
    }
    for compression in [
        Compression::Gzip,
        Compression::Snappy,
        Compression::Lz4,
        Compression::Zstd,
    ] {
        corpus.push(request(ApiKey::Produce, 9, &produce(compression)));
    }
    for version in [4, 12] {
        corpus.push(request(ApiKey::Fetch, version, &fetch));
    }
    for version in [1, 7, 10] {
        corpus.push(request(ApiKey::ListOffsets, version, &offsets));
    }
    for version in [2, 5, 7] {
        corpus.push(request(ApiKey::CreateTopics, version, &create));
    }
    for version in [0, 4] {
        corpus.push(request(
            ApiKey::InitProducerId,
            version,
            &InitProducerIdRequest::default(),
        ));
    }
    corpus
}

/// One input: a request or two, mutated, or random bytes; its lies are
/// about the length of whatever stands where they land (an array, a
/// string, a record batch).
fn input(rng: &mut Pcg64, corpus: &[Vec<u8>]) -> Vec<u8> {
    common::input(rng, corpus, |rng, bytes, at| {
        if at + 4 <= bytes.len() {
            bytes[at..at + 4].copy_from_slice(&common::length(rng).to_be_bytes());
        }
    })
}

/// Decodes a request as the connection does: its header, then its body
/// by its key, then a Produce's record batches. Whether it decoded.
fn decode(request: &Request) -> bool {
    match request.api_key {
        ApiKey::ApiVersions => frames::decode::<ApiVersionsRequest>(request).is_ok(),
        ApiKey::Metadata => frames::decode::<MetadataRequest>(request).is_ok(),
        ApiKey::CreateTopics => frames::decode::<CreateTopicsRequest>(request).is_ok(),
        ApiKey::InitProducerId => frames::decode::<InitProducerIdRequest>(request).is_ok(),
        ApiKey::Fetch => frames::decode::<FetchRequest>(request).is_ok(),
        ApiKey::ListOffsets => frames::decode::<ListOffsetsRequest>(request).is_ok(),
        ApiKey::Produce => match frames::decode::<ProduceRequest>(request) {
            Ok(produce) => {
                for partition in produce.topic_data.iter().flat_map(|t| &t.partition_data) {
                    if let Some(mut records) = partition.records.clone() {
                        let _ = RecordBatchDecoder::decode_all(&mut records);
                    }
                }
                true
            }
            Err(_) => false,
        },
        _ => false,
    }
}

#[test]
fn the_decoders_never_panic_on_what_comes_in() {
    let inputs: usize = std::env::var("FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let corpus = corpus();
    let mut rng = Pcg64::seed_from_u64(0x5eed_ca7a_u64);
    let (mut decoded, mut refused) = (0, 0);
    for _ in 0..inputs {
        let bytes = input(&mut rng, &corpus);
        match frames::header(Bytes::from(bytes)) {
            Ok(request) if decode(&request) => decoded += 1,
            _ => refused += 1,
        }
    }
    println!("{inputs} inputs: {decoded} decoded, {refused} refused, no panic");
    assert!(
        decoded > inputs / 10,
        "the mutations leave many requests whole"
    );
    assert!(refused > inputs / 10, "and break many");
}
