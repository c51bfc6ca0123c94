//! The Kafka front end over a real socket, in raw requests: what a broker
//! answers, and what makes it close a connection as Kafka's socket server
//! does (a size above `socket.request.max.bytes`, an unknown API key, a
//! version not served, a request that does not decode), while the server
//! goes on serving everyone else. `ApiVersions` in a version not served is
//! answered in version 0 with `UNSUPPORTED_VERSION` (KIP-511), and a
//! Produce sent to a broker that does not lead the partition gets
//! `NOT_LEADER_OR_FOLLOWER` with the leader (KIP-951). A JoinGroup is
//! answered as Kafka's group coordinator answers it, and so is a
//! ConsumerGroupHeartbeat (KIP-848): its checks, its refusals, a member
//! joining and one at an epoch not its own. OffsetForLeaderEpoch says where
//! an epoch ends (KIP-320). A dead broker's port refuses connections
//! until the broker restarts.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ApiVersionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    MetadataRequest, MetadataResponse, ProduceRequest, ProduceResponse, RequestHeader,
    ResponseHeader, TopicName,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, StrBytes};
use kafka_protocol::records::{
    Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType,
};
use mqsim::Scenario;
use mqsim_live::broker::{Broker, Shared, keep_time};
use mqsim_live::kafka::KafkaServer;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// A run of `brokers` brokers and a topic `orders` of 2 partitions,
/// replicated on all of them.
fn cluster(brokers: u32) -> Scenario {
    let file = serde_json::json!({
        "version": 1, "name": "kafka", "seed": 1, "duration_ms": 3_600_000,
        "network": {"latency_ms": 1},
        "kafka": {
            "cluster": {"brokers": brokers, "replica_fetch_interval_ms": 5},
            "topics": [{"name": "orders", "partitions": 2, "replication_factor": brokers}]
        }
    });
    Scenario::from_json(&file.to_string()).unwrap()
}

/// A server for `cluster(brokers)` on free ports; the first broker's
/// address. Its tasks run on the test's thread, inside [`local`].
async fn server(brokers: u32) -> SocketAddr {
    server_and_run(brokers).await.0
}

/// [`server`], with the run it serves.
async fn server_and_run(brokers: u32) -> (SocketAddr, Shared) {
    // The brokers after the first take the ports after its own: try
    // again if one of those is taken.
    for _ in 0..20 {
        let broker = Shared::new(Broker::new(cluster(brokers), None));
        let Ok(server) = KafkaServer::bind("127.0.0.1:0".parse().unwrap(), broker.clone()).await
        else {
            continue;
        };
        let listeners = server.listeners().clone();
        tokio::task::spawn_local(keep_time(broker.clone()));
        tokio::task::spawn_local(server.run());
        let addr = SocketAddr::new("127.0.0.1".parse().unwrap(), listeners.base_port);
        return (addr, broker);
    }
    panic!("no free ports for the brokers");
}

async fn local<F: std::future::Future>(body: F) -> F::Output {
    tokio::task::LocalSet::new().run_until(body).await
}

/// A client that writes raw requests.
struct Client {
    stream: TcpStream,
    correlation: i32,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            correlation: 0,
        }
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Sends `body` as `key` at `version`; returns its correlation id.
    async fn send<T: Encodable>(&mut self, key: ApiKey, version: i16, body: &T) -> i32 {
        self.correlation += 1;
        let header = RequestHeader::default()
            .with_request_api_key(key as i16)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation)
            .with_client_id(Some(StrBytes::from_static_str("raw-test")));
        let mut request = BytesMut::new();
        header
            .encode(&mut request, key.request_header_version(version))
            .unwrap();
        body.encode(&mut request, version).unwrap();
        let mut framed = BytesMut::new();
        framed.put_i32(request.len() as i32);
        framed.extend_from_slice(&request);
        self.send_bytes(&framed).await;
        self.correlation
    }

    /// The next response's bytes after its size, or none if the server
    /// closed the connection.
    async fn next_bytes(&mut self) -> Option<Bytes> {
        let mut size = [0u8; 4];
        let read = timeout(Duration::from_secs(5), self.stream.read_exact(&mut size)).await;
        read.expect("an answer or a close in time").ok()?;
        let mut body = vec![0u8; i32::from_be_bytes(size) as usize];
        self.stream.read_exact(&mut body).await.ok()?;
        Some(Bytes::from(body))
    }

    /// The next response, as `R` at `version`, checking its correlation id.
    async fn next<R: Decodable + HeaderVersion>(&mut self, correlation: i32, version: i16) -> R {
        let mut bytes = self.next_bytes().await.expect("a response");
        let header = ResponseHeader::decode(&mut bytes, R::header_version(version)).unwrap();
        assert_eq!(header.correlation_id, correlation);
        let response = R::decode(&mut bytes, version).unwrap();
        assert!(!bytes.has_remaining(), "nothing after the response");
        response
    }

    async fn expect_closed(&mut self) {
        assert!(
            self.next_bytes().await.is_none(),
            "the server closes the connection"
        );
    }

    async fn metadata(&mut self, version: i16) -> MetadataResponse {
        let asked = MetadataRequest::default().with_topics(None);
        let correlation = self.send(ApiKey::Metadata, version, &asked).await;
        self.next(correlation, version).await
    }
}

/// Another connection still gets answers.
async fn still_serves(addr: SocketAddr) {
    let mut client = Client::connect(addr).await;
    let metadata = client.metadata(12).await;
    assert_eq!(metadata.topics.len(), 1);
}

fn one_record_batch(value: &[u8]) -> Bytes {
    let record = Record {
        transactional: false,
        control: false,
        delete_horizon: false,
        partition_leader_epoch: -1,
        producer_id: -1,
        producer_epoch: -1,
        timestamp_type: TimestampType::Creation,
        offset: 0,
        sequence: -1,
        timestamp: 0,
        key: Some(Bytes::from_static(b"k")),
        value: Some(Bytes::copy_from_slice(value)),
        headers: Default::default(),
    };
    let mut out = BytesMut::new();
    let options = RecordEncodeOptions {
        version: 2,
        compression: Compression::None,
    };
    RecordBatchEncoder::encode(&mut out, [&record], &options).unwrap();
    out.freeze()
}

fn produce(partition: i32, value: &[u8]) -> ProduceRequest {
    let data = PartitionProduceData::default()
        .with_index(partition)
        .with_records(Some(one_record_batch(value)));
    ProduceRequest::default()
        .with_acks(-1)
        .with_timeout_ms(5_000)
        .with_topic_data(vec![
            TopicProduceData::default()
                .with_name(TopicName(StrBytes::from_static_str("orders")))
                .with_partition_data(vec![data]),
        ])
}

#[tokio::test]
async fn every_version_served_reads_metadata() {
    local(async {
        let addr = server(1).await;
        let mut client = Client::connect(addr).await;
        for version in 0..=12 {
            let metadata = client.metadata(version).await;
            assert_eq!(metadata.brokers.len(), 1, "v{version}");
            let partitions = &metadata.topics[0].partitions;
            assert_eq!(partitions.len(), 2, "v{version}");
            assert_eq!(partitions[0].leader_id.0, 0);
        }
    })
    .await;
}

#[tokio::test]
async fn api_versions_in_a_version_not_served_is_answered_in_version_0() {
    local(async {
        let addr = server(1).await;
        let mut client = Client::connect(addr).await;
        // Version 4's body is what a newer client sends for its version 9.
        let asked = ApiVersionsRequest::default();
        let mut request = BytesMut::new();
        RequestHeader::default()
            .with_request_api_key(ApiKey::ApiVersions as i16)
            .with_request_api_version(9)
            .with_correlation_id(7)
            .encode(&mut request, 2)
            .unwrap();
        asked.encode(&mut request, 4).unwrap();
        let mut framed = BytesMut::new();
        framed.put_i32(request.len() as i32);
        framed.extend_from_slice(&request);
        client.send_bytes(&framed).await;
        let refused: ApiVersionsResponse = client.next(7, 0).await;
        assert_eq!(refused.error_code, 35, "UNSUPPORTED_VERSION");
        assert_eq!(refused.api_keys.len(), 1);
        assert_eq!(refused.api_keys[0].api_key, ApiKey::ApiVersions as i16);
        // The client asks again, in a version served.
        let correlation = client.send(ApiKey::ApiVersions, 3, &asked).await;
        let served: ApiVersionsResponse = client.next(correlation, 3).await;
        assert_eq!(served.error_code, 0);
        let produce = served.api_keys.iter().find(|k| k.api_key == 0).unwrap();
        assert_eq!((produce.min_version, produce.max_version), (3, 12));
    })
    .await;
}

#[tokio::test]
async fn what_a_broker_cannot_read_closes_the_connection_and_no_other() {
    local(async {
        let addr = server(1).await;
        // A size above socket.request.max.bytes, before any bytes of it.
        let mut client = Client::connect(addr).await;
        client.send_bytes(&(200_000_000i32).to_be_bytes()).await;
        client.expect_closed().await;
        // A negative size.
        let mut client = Client::connect(addr).await;
        client.send_bytes(&(-1i32).to_be_bytes()).await;
        client.expect_closed().await;
        // An API key Kafka does not have.
        let mut client = Client::connect(addr).await;
        client
            .send_bytes(&[0, 0, 0, 8, 0x7f, 0x00, 0, 0, 0, 0, 0, 1])
            .await;
        client.expect_closed().await;
        // A request served, in a version not served.
        let mut client = Client::connect(addr).await;
        let asked = MetadataRequest::default();
        client.send(ApiKey::Metadata, 13, &asked).await;
        client.expect_closed().await;
        // A request not served at all.
        let mut client = Client::connect(addr).await;
        client
            .send(
                ApiKey::DescribeConfigs,
                4,
                &kafka_protocol::messages::DescribeConfigsRequest::default(),
            )
            .await;
        client.expect_closed().await;
        // A body cut short.
        let mut client = Client::connect(addr).await;
        let mut request = BytesMut::new();
        RequestHeader::default()
            .with_request_api_key(ApiKey::CreateTopics as i16)
            .with_request_api_version(7)
            .with_correlation_id(1)
            .encode(&mut request, 2)
            .unwrap();
        request.put_u8(5);
        let mut framed = BytesMut::new();
        framed.put_i32(request.len() as i32);
        framed.extend_from_slice(&request);
        client.send_bytes(&framed).await;
        client.expect_closed().await;
        // A client that goes away mid-request.
        let mut client = Client::connect(addr).await;
        client.send_bytes(&[0, 0, 1, 0, 0, 3]).await;
        drop(client);
        still_serves(addr).await;
    })
    .await;
}

#[tokio::test]
async fn topics_are_created_with_kafkas_checks() {
    local(async {
        let addr = server(1).await;
        let mut client = Client::connect(addr).await;
        let topic = |name: &'static str, partitions: i32, replication: i16| {
            CreatableTopic::default()
                .with_name(TopicName(StrBytes::from_static_str(name)))
                .with_num_partitions(partitions)
                .with_replication_factor(replication)
        };
        let asked = CreateTopicsRequest::default().with_topics(vec![
            topic("payments", 3, 1),
            topic("orders", 1, 1),
            topic("wide", 2, 3),
            topic("bad name!", 1, 1),
            topic("none", 0, 1),
        ]);
        let correlation = client.send(ApiKey::CreateTopics, 7, &asked).await;
        let created: CreateTopicsResponse = client.next(correlation, 7).await;
        let said: Vec<(i16, String)> = (created.topics.iter())
            .map(|t| {
                let message = t.error_message.as_deref().unwrap_or("").to_string();
                (t.error_code, message)
            })
            .collect();
        assert_eq!(said[0], (0, String::new()));
        assert_eq!(said[1], (36, "Topic 'orders' already exists.".into()));
        assert_eq!(said[2].0, 38, "INVALID_REPLICATION_FACTOR");
        assert!(
            said[2].1.contains("only 1 broker(s) are registered"),
            "{}",
            said[2].1
        );
        assert_eq!(said[3].0, 17, "INVALID_TOPIC_EXCEPTION");
        assert_eq!(said[4].0, 37, "INVALID_PARTITIONS");
        let metadata = client.metadata(12).await;
        let names: Vec<&str> = (metadata.topics.iter())
            .filter_map(|t| t.name.as_ref().map(|n| n.0.as_str()))
            .collect();
        assert_eq!(names, ["orders", "payments"]);
    })
    .await;
}

#[tokio::test]
async fn a_record_goes_to_its_leader_and_no_other_broker() {
    local(async {
        let addr = server(2).await;
        let mut client = Client::connect(addr).await;
        let metadata = client.metadata(12).await;
        assert_eq!(metadata.brokers.len(), 2);
        let leaders: Vec<i32> = (metadata.topics[0].partitions.iter())
            .map(|p| p.leader_id.0)
            .collect();
        // Broker 0 leads one partition and not the other.
        let led = leaders.iter().position(|&l| l == 0).unwrap() as i32;
        let other = 1 - led;
        let correlation = client
            .send(ApiKey::Produce, 10, &produce(other, b"misdirected"))
            .await;
        let refused: ProduceResponse = client.next(correlation, 10).await;
        let answer = &refused.responses[0].partition_responses[0];
        assert_eq!(answer.error_code, 6, "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(answer.current_leader.leader_id.0, leaders[other as usize]);
        assert_eq!(refused.node_endpoints.len(), 1, "where to find the leader");
        assert_eq!(refused.node_endpoints[0].port, i32::from(addr.port()) + 1);
        // Sent to its leader, acks=all, in every version served: the
        // next offset each time.
        for (n, version) in (3..=12).enumerate() {
            let correlation = client
                .send(ApiKey::Produce, version, &produce(led, b"hello"))
                .await;
            let taken: ProduceResponse = client.next(correlation, version).await;
            let answer = &taken.responses[0].partition_responses[0];
            assert_eq!(
                (answer.error_code, answer.base_offset),
                (0, n as i64),
                "v{version}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn two_hundred_connections_are_served_at_once() {
    local(async {
        let addr = server(1).await;
        let started = std::time::Instant::now();
        let mut clients = Vec::new();
        for _ in 0..200 {
            clients.push(Client::connect(addr).await);
        }
        let asked = MetadataRequest::default().with_topics(None);
        let mut asked_by = Vec::new();
        for client in &mut clients {
            asked_by.push(client.send(ApiKey::Metadata, 12, &asked).await);
        }
        for (client, correlation) in clients.iter_mut().zip(asked_by) {
            let metadata: MetadataResponse = client.next(correlation, 12).await;
            assert_eq!(metadata.topics.len(), 1);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "bounded in time"
        );
    })
    .await;
}

/// A subscription to `topics`, as a consumer's JoinGroup carries it: the
/// ConsumerProtocol version (0), then the subscription.
fn subscription(topics: &[&'static str]) -> Bytes {
    use kafka_protocol::messages::ConsumerProtocolSubscription;
    let subscription = ConsumerProtocolSubscription::default().with_topics(
        topics
            .iter()
            .map(|t| StrBytes::from_static_str(t))
            .collect(),
    );
    let mut bytes = BytesMut::new();
    bytes.put_i16(0);
    subscription.encode(&mut bytes, 0).unwrap();
    bytes.freeze()
}

/// JoinGroup as Kafka's coordinator answers it: a first one without a
/// member id gets one (KIP-394's `MEMBER_ID_REQUIRED`); with it, the answer
/// waits for the group's first generation (after
/// `group.initial.rebalance.delay.ms`) and lists the members to the leader;
/// a member offering no protocol the group's members share is refused
/// `INCONSISTENT_GROUP_PROTOCOL` at once.
#[tokio::test]
async fn join_group_hands_out_member_ids_and_refuses_a_protocol_no_member_shares() {
    use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
    use kafka_protocol::messages::{GroupId, JoinGroupRequest, JoinGroupResponse};
    local(async {
        let addr = server(1).await;
        let join = |member: StrBytes, protocol: &'static str| {
            JoinGroupRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("billing")))
                .with_session_timeout_ms(10_000)
                .with_rebalance_timeout_ms(60_000)
                .with_member_id(member)
                .with_protocol_type(StrBytes::from_static_str("consumer"))
                .with_protocols(vec![
                    JoinGroupRequestProtocol::default()
                        .with_name(StrBytes::from_static_str(protocol))
                        .with_metadata(subscription(&["orders"])),
                ])
        };
        let mut alice = Client::connect(addr).await;
        let correlation = alice
            .send(ApiKey::JoinGroup, 5, &join(StrBytes::default(), "range"))
            .await;
        let first: JoinGroupResponse = alice.next(correlation, 5).await;
        assert_eq!(first.error_code, 79, "MEMBER_ID_REQUIRED");
        assert!(
            first.member_id.starts_with("raw-test-"),
            "{}",
            first.member_id
        );
        let alice_id = first.member_id.clone();
        let joining = alice
            .send(ApiKey::JoinGroup, 5, &join(alice_id.clone(), "range"))
            .await;

        let mut bob = Client::connect(addr).await;
        let correlation = bob
            .send(
                ApiKey::JoinGroup,
                5,
                &join(StrBytes::default(), "RoundRobinAssigner"),
            )
            .await;
        let bob_id = bob
            .next::<JoinGroupResponse>(correlation, 5)
            .await
            .member_id;
        let correlation = bob
            .send(ApiKey::JoinGroup, 5, &join(bob_id, "RoundRobinAssigner"))
            .await;
        let refused: JoinGroupResponse = bob.next(correlation, 5).await;
        assert_eq!(refused.error_code, 23, "INCONSISTENT_GROUP_PROTOCOL");

        // Alice's answer comes once the new group's 3 s have passed (the
        // client waits up to 5 s).
        let joined: JoinGroupResponse = alice.next(joining, 5).await;
        assert_eq!(joined.error_code, 0);
        assert_eq!(joined.generation_id, 1);
        assert_eq!(joined.leader, alice_id);
        assert_eq!(joined.protocol_name.as_deref(), Some("range"));
        let listed: Vec<&str> = joined
            .members
            .iter()
            .map(|m| m.member_id.as_str())
            .collect();
        assert_eq!(
            listed,
            [alice_id.as_str()],
            "the leader is told every member"
        );
    })
    .await;
}

#[tokio::test]
async fn consumer_group_heartbeats_are_checked_and_answered_as_kafkas_coordinator_does() {
    use kafka_protocol::messages::{
        ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, GroupId,
    };
    local(async {
        let addr = server(1).await;
        let mut client = Client::connect(addr).await;
        let join = |member: &'static str| {
            ConsumerGroupHeartbeatRequest::default()
                .with_group_id(GroupId(StrBytes::from_static_str("audit")))
                .with_member_id(StrBytes::from_static_str(member))
                .with_member_epoch(0)
                .with_rebalance_timeout_ms(300_000)
                .with_subscribed_topic_names(Some(vec![TopicName(StrBytes::from_static_str(
                    "orders",
                ))]))
                .with_topic_partitions(Some(Vec::new()))
        };
        let mut ask = async |request: &ConsumerGroupHeartbeatRequest| {
            let correlation = client
                .send(ApiKey::ConsumerGroupHeartbeat, 1, request)
                .await;
            client
                .next::<ConsumerGroupHeartbeatResponse>(correlation, 1)
                .await
        };
        // What ConsumerGroupHeartbeatRequest's checks refuse, with Kafka's words.
        let no_id = ask(&join("")).await;
        assert_eq!(no_id.error_code, 42, "INVALID_REQUEST");
        assert_eq!(
            no_id.error_message.as_deref(),
            Some("MemberId can't be empty.")
        );
        let no_timeout = ask(&join("m1").with_rebalance_timeout_ms(-1)).await;
        assert_eq!(no_timeout.error_code, 42);
        let owning = ask(&join("m1").with_topic_partitions(None)).await;
        assert_eq!(owning.error_code, 42, "joining says it owns nothing");
        let assignor =
            ask(&join("m1").with_server_assignor(Some(StrBytes::from_static_str("sticky")))).await;
        assert_eq!(assignor.error_code, 112, "UNSUPPORTED_ASSIGNOR");
        let stranger = ask(&join("m9").with_member_epoch(3)).await;
        assert_eq!(stranger.error_code, 25, "UNKNOWN_MEMBER_ID");

        // A member joins: epoch 1 and both partitions of orders, by topic id.
        let joined = ask(&join("m1")).await;
        assert_eq!(joined.error_code, 0, "{:?}", joined.error_message);
        assert_eq!(joined.member_id.as_deref(), Some("m1"));
        assert_eq!(joined.member_epoch, 1);
        assert_eq!(joined.heartbeat_interval_ms, 5_000);
        let assignment = joined.assignment.expect("an assignment");
        let [topic] = assignment.topic_partitions.as_slice() else {
            panic!("one topic: {assignment:?}");
        };
        assert_eq!(topic.partitions, [0, 1]);
        // An epoch that is not its own is fenced.
        let ahead = ask(&ConsumerGroupHeartbeatRequest::default()
            .with_group_id(GroupId(StrBytes::from_static_str("audit")))
            .with_member_id(StrBytes::from_static_str("m1"))
            .with_member_epoch(7)
            .with_rebalance_timeout_ms(-1))
        .await;
        assert_eq!(ahead.error_code, 110, "FENCED_MEMBER_EPOCH");
    })
    .await;
}

#[tokio::test]
async fn offset_for_leader_epoch_says_where_an_epoch_ends() {
    use kafka_protocol::messages::offset_for_leader_epoch_request::{
        OffsetForLeaderPartition, OffsetForLeaderTopic,
    };
    use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
    local(async {
        let addr = server(1).await;
        let mut client = Client::connect(addr).await;
        for value in [b"one".as_slice(), b"two", b"three"] {
            let correlation = client.send(ApiKey::Produce, 9, &produce(0, value)).await;
            let _: ProduceResponse = client.next(correlation, 9).await;
        }
        let mut ask = async |current: i32, epoch: i32| {
            let request = OffsetForLeaderEpochRequest::default().with_topics(vec![
                OffsetForLeaderTopic::default()
                    .with_topic(TopicName(StrBytes::from_static_str("orders")))
                    .with_partitions(vec![
                        OffsetForLeaderPartition::default()
                            .with_partition(0)
                            .with_current_leader_epoch(current)
                            .with_leader_epoch(epoch),
                    ]),
            ]);
            let correlation = client.send(ApiKey::OffsetForLeaderEpoch, 4, &request).await;
            let answer: OffsetForLeaderEpochResponse = client.next(correlation, 4).await;
            let p = &answer.topics[0].partitions[0];
            (p.error_code, p.leader_epoch, p.end_offset)
        };
        // Epoch 0, the only one, ends at the log end.
        assert_eq!(ask(0, 0).await, (0, 0, 3));
        assert_eq!(ask(-1, 0).await, (0, 0, 3), "no current epoch given");
        // A current epoch the leader has not reached: UNKNOWN_LEADER_EPOCH.
        assert_eq!(ask(5, 0).await.0, 75);
    })
    .await;
}

#[tokio::test]
async fn a_dead_brokers_port_refuses_connections_until_it_restarts() {
    use mqsim::scenario::Intervention;
    local(async {
        let (addr, run) = server_and_run(2).await;
        let mut second = addr;
        second.set_port(addr.port() + 1);
        assert!(TcpStream::connect(second).await.is_ok());
        run.borrow()
            .apply(Intervention::BrokerKill { broker: 1 })
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let refused = TcpStream::connect(second).await.map(|_| ());
        assert_eq!(
            refused.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::ConnectionRefused),
            "a dead broker's port is closed, as a killed Kafka broker's is"
        );
        still_serves(addr).await;
        run.borrow()
            .apply(Intervention::BrokerRestart { broker: 1 })
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            TcpStream::connect(second).await.is_ok(),
            "open again once it restarts"
        );
    })
    .await;
}
