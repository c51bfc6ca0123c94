//! One client's connection to one broker of the run.
//!
//! A Kafka broker reads a connection's requests one at a time and answers
//! each before it reads the next (its socket server mutes the connection
//! meanwhile), so answers come back in the order asked even while one waits
//! for replication. The connection belongs to its broker: when the run's
//! broker goes down, its connections close and its port turns clients
//! away, and they find the new leaders through another broker's metadata.
//!
//! What a broker cannot read it does not answer: a request too large, a
//! header that does not decode or an API key Kafka does not have closes the
//! connection, as Kafka's `SocketServer` does. A version of a request this
//! broker does not serve closes it too, except for `ApiVersions`, which
//! is answered in version 0 with `UNSUPPORTED_VERSION` and the versions
//! served, so that the client can ask again (KIP-511).

use super::frames::{self, Request};
use super::{
    Client, Listeners, consumer_protocol, coordinator, describe, epochs, fetch, groups, metadata,
    offsets, produce, versions,
};
use crate::broker::Shared;
use bytes::Bytes;
use kafka_protocol::messages::{
    ApiKey, ApiVersionsRequest, ConsumerGroupHeartbeatRequest, CreateTopicsRequest,
    DescribeGroupsRequest, FetchRequest, FindCoordinatorRequest, HeartbeatRequest,
    InitProducerIdRequest, JoinGroupRequest, LeaveGroupRequest, ListGroupsRequest,
    ListOffsetsRequest, MetadataRequest, OffsetCommitRequest, OffsetFetchRequest,
    OffsetForLeaderEpochRequest, ProduceRequest, SyncGroupRequest,
};
use mqsim::ids::BrokerId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How often a connection looks whether its broker is still up.
const WATCH: Duration = Duration::from_millis(50);

/// Why a connection ended.
#[derive(Debug)]
pub enum End {
    /// The client closed it.
    Closed,
    /// The run's broker went down.
    BrokerDown,
    /// The client sent what a broker cannot read or answer.
    Refused(String),
    Io(std::io::Error),
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Closed => write!(f, "closed by the client"),
            End::BrokerDown => write!(f, "its broker went down in the run"),
            End::Refused(why) => write!(f, "closed: {why}"),
            End::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Numbers connections, so that a group member is known by the one its
/// client spoke on.
static CONNECTIONS: AtomicU64 = AtomicU64::new(0);

/// Serves `stream`, a connection to broker `node`, until it ends.
pub async fn serve(mut stream: TcpStream, node: BrokerId, listeners: &Listeners, shared: Shared) {
    let peer = stream.peer_addr();
    let client = Client {
        id: String::new(),
        host: peer
            .as_ref()
            .map_or(String::new(), |a| format!("/{}", a.ip())),
        connection: CONNECTIONS.fetch_add(1, Ordering::Relaxed),
    };
    let peer = peer.map_or("a client".into(), |a| a.to_string());
    if !shared.borrow().kafka_broker_up(node) {
        // A broker that is down takes no connections.
        return;
    }
    let end = run(&mut stream, node, &client, listeners, &shared).await;
    let _ = stream.shutdown().await;
    if matches!(end, End::Closed | End::Io(_)) {
        // The client went: its members on this connection with it.
        groups::went_away(&shared, client.connection);
    }
    if !matches!(end, End::Closed) {
        eprintln!(
            "kafka: connection from {peer} to broker {} ended: {end}",
            node.0
        );
    }
}

async fn run(
    stream: &mut TcpStream,
    node: BrokerId,
    client: &Client,
    listeners: &Listeners,
    shared: &Shared,
) -> End {
    loop {
        let read = tokio::select! {
            read = frames::read_request(stream) => read,
            () = down(shared, node) => return End::BrokerDown,
        };
        let request = match read {
            Ok(request) => request,
            Err(frames::ReadError::Closed) => return End::Closed,
            Err(frames::ReadError::Io(e)) => return End::Io(e),
            Err(e) => return End::Refused(e.to_string()),
        };
        let request = match frames::header(request) {
            Ok(request) => request,
            Err(e) => return End::Refused(e.to_string()),
        };
        let answer = tokio::select! {
            answer = answer(request, node, client, listeners, shared) => answer,
            () = down(shared, node) => return End::BrokerDown,
        };
        // A broker that went down answers nothing, not even what the run
        // had for it on the way down (its writes failing).
        if !shared.borrow().kafka_broker_up(node) {
            return End::BrokerDown;
        }
        match answer {
            Ok(Some(bytes)) => {
                if let Err(e) = stream.write_all(&bytes).await {
                    return End::Io(e);
                }
            }
            Ok(None) => {}
            Err(why) => return End::Refused(why),
        }
    }
}

/// Resolves once broker `node` is down in the run.
pub(super) async fn down(shared: &Shared, node: BrokerId) {
    while shared.borrow().kafka_broker_up(node) {
        tokio::time::sleep(WATCH).await;
    }
}

/// The framed answer to `request`, none for one that gets none (a Produce
/// with `acks=0`), or why the connection must close.
async fn answer(
    request: Request,
    node: BrokerId,
    connected: &Client,
    listeners: &Listeners,
    shared: &Shared,
) -> Result<Option<Bytes>, String> {
    let version = request.header.request_api_version;
    let correlation = request.header.correlation_id;
    let Some((min, max)) = versions::served(request.api_key) else {
        return Err(format!("{:?} is not served", request.api_key));
    };
    if !(min..=max).contains(&version) {
        if request.api_key == ApiKey::ApiVersions {
            let refused = versions::unsupported_api_versions();
            return frames::response(correlation, 0, &refused).map(Some);
        }
        return Err(format!(
            "{:?} v{version} is not served (v{min}..=v{max} are)",
            request.api_key
        ));
    }
    let client = Client {
        id: (request.header.client_id.as_deref())
            .unwrap_or("")
            .to_string(),
        ..connected.clone()
    };
    match request.api_key {
        ApiKey::ApiVersions => {
            frames::decode::<ApiVersionsRequest>(&request)?;
            frames::response(correlation, version, &versions::api_versions()).map(Some)
        }
        ApiKey::Metadata => {
            let asked = frames::decode::<MetadataRequest>(&request)?;
            let answer = metadata::metadata(&mut shared.borrow(), listeners, &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::CreateTopics => {
            let asked = frames::decode::<CreateTopicsRequest>(&request)?;
            let answer = metadata::create_topics(&mut shared.borrow(), &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::InitProducerId => {
            let asked = frames::decode::<InitProducerIdRequest>(&request)?;
            let answer = produce::init_producer_id(&mut shared.borrow(), &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::Produce => {
            let asked = frames::decode::<ProduceRequest>(&request)?;
            match produce::produce(shared, listeners, node, &client.id, asked, version).await {
                produce::Answer::Response(answer) => {
                    frames::response(correlation, version, &answer).map(Some)
                }
                produce::Answer::Nothing => Ok(None),
                produce::Answer::Close(why) => Err(why),
            }
        }
        ApiKey::Fetch => {
            let asked = frames::decode::<FetchRequest>(&request)?;
            let answer = fetch::fetch(shared, node, &asked).await;
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::ListOffsets => {
            let asked = frames::decode::<ListOffsetsRequest>(&request)?;
            let answer = fetch::list_offsets(&shared.borrow(), node, &asked, version);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::OffsetForLeaderEpoch => {
            let asked = frames::decode::<OffsetForLeaderEpochRequest>(&request)?;
            let answer = epochs::offset_for_leader_epoch(&shared.borrow(), node, &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::FindCoordinator => {
            let asked = frames::decode::<FindCoordinatorRequest>(&request)?;
            let answer =
                coordinator::find_coordinator(&shared.borrow(), listeners, &asked, version);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::JoinGroup => {
            let asked = frames::decode::<JoinGroupRequest>(&request)?;
            let answer = groups::join_group(shared, &client, &asked, version).await;
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::SyncGroup => {
            let asked = frames::decode::<SyncGroupRequest>(&request)?;
            let answer = groups::sync_group(shared, &client, &asked).await;
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::Heartbeat => {
            let asked = frames::decode::<HeartbeatRequest>(&request)?;
            let answer = coordinator::heartbeat(&mut shared.borrow(), &client, &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::LeaveGroup => {
            let asked = frames::decode::<LeaveGroupRequest>(&request)?;
            let answer = coordinator::leave_group(shared, &asked, version);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::OffsetCommit => {
            let asked = frames::decode::<OffsetCommitRequest>(&request)?;
            let answer = offsets::offset_commit(shared, &asked, version).await;
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::ConsumerGroupHeartbeat => {
            let asked = frames::decode::<ConsumerGroupHeartbeatRequest>(&request)?;
            let answer =
                consumer_protocol::consumer_group_heartbeat(shared, node, &client, &asked, version)
                    .await;
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::ListGroups => {
            let asked = frames::decode::<ListGroupsRequest>(&request)?;
            let answer = describe::list_groups(&shared.borrow(), node, &asked);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::DescribeGroups => {
            let asked = frames::decode::<DescribeGroupsRequest>(&request)?;
            let answer = describe::describe_groups(&shared.borrow(), node, &asked, version);
            frames::response(correlation, version, &answer).map(Some)
        }
        ApiKey::OffsetFetch => {
            let asked = frames::decode::<OffsetFetchRequest>(&request)?;
            let answer = offsets::offset_fetch(&shared.borrow(), &asked, version);
            frames::response(correlation, version, &answer).map(Some)
        }
        other => Err(format!("{other:?} is not served")),
    }
}
