//! Consumer groups for live Kafka clients: FindCoordinator, JoinGroup,
//! SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch, the
//! classic group protocol as Kafka's coordinator answers it.
//!
//! The coordinator is the run's (`mqsim::kafka::by_hand`): a group of live
//! clients is a `by_hand` group, and what a client does is a timeline
//! entry: its first JoinGroup with a member id makes it a member
//! (`group_add`, `consumer_join`), a JoinGroup after that rejoins
//! (`consumer_rejoin`), the leader's SyncGroup is the assignment
//! (`group_sync`), a commit is `offset_commit`, a LeaveGroup
//! `consumer_leave`. The answers wait for the run: a JoinGroup until every
//! member has joined (`GroupJoined`), a SyncGroup until the leader's
//! assignment reaches the coordinator (`GroupRebalanced`).
//!
//! What only the front end knows is kept here: each member's id (Kafka's
//! `clientId-uuid`, KIP-394: a first JoinGroup with no id is answered
//! `MEMBER_ID_REQUIRED` with one), its name in the run, the protocols it
//! offered with their metadata, and the bytes of the leader's assignment,
//! handed to each member as the leader made them.

use super::Client;
use crate::broker::{Broker, Shared};
use bytes::{Buf, Bytes};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::consumer_protocol_assignment::ConsumerProtocolAssignment;
use kafka_protocol::messages::consumer_protocol_subscription::ConsumerProtocolSubscription;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{
    JoinGroupRequest, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse,
};
use kafka_protocol::protocol::{Decodable, StrBytes};
use mqsim::ids::{ConsumerId, GroupId};
use mqsim::scenario::{GroupSpec, Intervention, MemberAssignmentSpec, MemberSpec, PartitionSpec};
use std::collections::HashMap;

/// A live client's member of a group.
#[derive(Clone, Debug)]
pub struct Member {
    /// Its member id, as its client knows it.
    pub id: String,
    /// Its name in the run.
    pub name: String,
    /// Its client's `client.id`, and the address it connected from as Kafka
    /// shows it (`/127.0.0.1`).
    pub client: String,
    pub host: String,
    /// The connection its client last spoke to the coordinator on.
    pub connection: u64,
    /// The protocols it offered, in its order, with their metadata.
    pub protocols: Vec<(String, Bytes)>,
}

/// What the front end keeps of one group.
#[derive(Default)]
pub struct LiveGroup {
    pub members: Vec<Member>,
    /// The leader's assignment for a generation, by member id.
    pub assignment: Option<(u32, HashMap<String, Bytes>)>,
    /// Members named so far, for the next name.
    named: u32,
}

/// Every group of live clients, by `group.id`.
#[derive(Default)]
pub struct LiveGroups {
    groups: HashMap<String, LiveGroup>,
    /// Member ids handed out.
    ids: u64,
}

impl LiveGroups {
    /// A new member id for `client`: Kafka's `clientId-uuid`, the uuid
    /// unique to this server.
    pub(super) fn new_member_id(&mut self, client: &str) -> String {
        self.ids += 1;
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        format!("{client}-{}", uuid::Uuid::from_u64_pair(started, self.ids))
    }

    pub fn group(&self, name: &str) -> Option<&LiveGroup> {
        self.groups.get(name)
    }

    /// `member` of `group` spoke on `connection`.
    pub(super) fn seen(&mut self, group: &str, member: &str, connection: u64) {
        let group = self.groups.get_mut(group);
        if let Some(member) = group.and_then(|g| g.members.iter_mut().find(|m| m.id == member)) {
            member.connection = connection;
        }
    }

    /// A member of `group` on the consumer protocol, with the id its
    /// client made (KIP-1082).
    pub fn add_member(&mut self, group: &str, id: &str, client: &Client) -> Member {
        let group = self.group_mut(group);
        let member = group.new_member(id, client, Vec::new());
        group.members.push(member.clone());
        member
    }

    fn group_mut(&mut self, name: &str) -> &mut LiveGroup {
        self.groups.entry(name.to_string()).or_default()
    }
}

impl LiveGroup {
    /// A new member with id `id` for `client`, named in the run after it.
    fn new_member(&mut self, id: &str, client: &Client, protocols: Vec<(String, Bytes)>) -> Member {
        self.named += 1;
        Member {
            id: id.to_string(),
            name: format!("{}-{}", client.id, self.named),
            client: client.id.clone(),
            host: client.host.clone(),
            connection: client.connection,
            protocols,
        }
    }

    /// The member with id `id`.
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The member called `name` in the run.
    pub fn named(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }
}

/// The run's group called `name`, if it has one.
pub fn run_group(broker: &Broker, name: &str) -> Option<GroupId> {
    let groups = &broker.kafka().groups;
    let at = groups.iter().position(|g| &*g.name == name)?;
    Some(GroupId(at as u32))
}

/// The run's member of `group` called `name`, if it has one.
pub fn run_member(broker: &Broker, group: GroupId, name: &str) -> Option<ConsumerId> {
    let consumers = &broker.kafka().consumers;
    let at = (consumers.iter()).position(|c| c.group == group && &*c.name == name)?;
    Some(ConsumerId(at as u32))
}

fn error(e: ResponseError) -> i16 {
    e.code()
}

/// What makes `member` a running member of the run's group `name`: the
/// group started with it (`new_group`), a join, or a restart once its
/// client has come back after going away; none if it runs already.
pub(super) fn joining(
    broker: &Broker,
    name: &str,
    member: &str,
    new_group: impl FnOnce() -> GroupSpec,
) -> Option<Intervention> {
    let Some(group) = run_group(broker, name) else {
        return Some(Intervention::GroupAdd { group: new_group() });
    };
    match run_member(broker, group, member) {
        None => Some(Intervention::ConsumerJoin {
            group: name.to_string(),
            member: MemberSpec::new(member),
        }),
        Some(c) if !broker.kafka().consumers[c.index()].running => {
            Some(Intervention::ConsumerRestart {
                group: Some(name.to_string()),
                member: member.to_string(),
            })
        }
        Some(_) => None,
    }
}

/// The protocol every member offers, by vote: each member votes for the
/// first of those in its own order; most votes wins, a tie going to the
/// earliest member's order (Kafka's `selectProtocol`).
pub(super) fn vote(members: &[Member]) -> Option<String> {
    let offered = |m: &Member, name: &str| m.protocols.iter().any(|(n, _)| n == name);
    let first = members.first()?;
    let candidates: Vec<&str> = (first.protocols.iter())
        .map(|(n, _)| n.as_str())
        .filter(|n| members.iter().all(|m| offered(m, n)))
        .collect();
    fn choice<'a>(m: &'a Member, candidates: &[&str]) -> Option<&'a str> {
        (m.protocols.iter())
            .map(|(n, _)| n.as_str())
            .find(|n| candidates.contains(n))
    }
    let votes = |name: &str| {
        (members.iter())
            .filter(|m| choice(m, &candidates) == Some(name))
            .count()
    };
    let best = candidates.iter().map(|&c| votes(c)).max()?;
    let winner = candidates.iter().find(|&&c| votes(c) == best)?;
    Some(winner.to_string())
}

/// The topics a subscription's metadata names (its i16 version first).
fn subscribed(metadata: &Bytes) -> Vec<String> {
    let mut bytes = metadata.clone();
    if bytes.remaining() < 2 {
        return Vec::new();
    }
    let version = bytes.get_i16().clamp(0, 3);
    ConsumerProtocolSubscription::decode(&mut bytes, version)
        .map(|s| s.topics.iter().map(|t| t.to_string()).collect())
        .unwrap_or_default()
}

/// The partitions an assignment's bytes name (its i16 version first).
fn assigned(bytes: &Bytes) -> Vec<PartitionSpec> {
    let mut bytes = bytes.clone();
    if bytes.remaining() < 2 {
        return Vec::new();
    }
    let version = bytes.get_i16().clamp(0, 3);
    let Ok(assignment) = ConsumerProtocolAssignment::decode(&mut bytes, version) else {
        return Vec::new();
    };
    (assignment.assigned_partitions.iter())
        .flat_map(|tp| {
            let topic = tp.topic.0.to_string();
            tp.partitions.iter().map(move |&p| PartitionSpec {
                topic: topic.clone(),
                partition: p.max(0) as u32,
            })
        })
        .collect()
}

/// `JoinGroup`. A first one without a member id gets one
/// (`MEMBER_ID_REQUIRED`); with it, the client becomes a member of the
/// run's group (or rejoins), and the answer waits until every member has
/// joined. The leader's answer lists the members and their metadata for
/// the protocol chosen.
pub async fn join_group(
    shared: &Shared,
    client: &Client,
    request: &JoinGroupRequest,
    version: i16,
) -> JoinGroupResponse {
    let name = request.group_id.0.to_string();
    let refused = |e: ResponseError| {
        JoinGroupResponse::default()
            .with_error_code(error(e))
            .with_generation_id(-1)
            .with_protocol_name(Some(StrBytes::from_static_str("")))
            .with_member_id(request.member_id.clone())
    };
    if name.is_empty() {
        return refused(ResponseError::InvalidGroupId);
    }
    let protocols: Vec<(String, Bytes)> = (request.protocols.iter())
        .map(|p| (p.name.to_string(), p.metadata.clone()))
        .collect();
    if protocols.is_empty() {
        return refused(ResponseError::InconsistentGroupProtocol);
    }
    let mut member_id = request.member_id.to_string();
    if member_id.is_empty() {
        member_id = shared
            .borrow()
            .kafka_clients
            .groups
            .new_member_id(&client.id);
        if version >= 4 {
            return refused(ResponseError::MemberIdRequired)
                .with_member_id(StrBytes::from_string(member_id));
        }
    }
    let joined = {
        let mut broker = shared.borrow();
        // A classic member cannot join a group on the consumer protocol
        // here (Kafka 4 can, converting the group: not modelled).
        let modern = run_group(&broker, &name)
            .is_some_and(|g| broker.kafka().groups[g.index()].modern.is_some());
        if modern {
            return refused(ResponseError::InconsistentGroupProtocol);
        }
        let group = broker.kafka_clients.groups.group_mut(&name);
        let known = group.member(&member_id).cloned();
        // The group's members with this one as it joins now, last.
        let mut members: Vec<Member> = (group.members.iter())
            .filter(|m| m.id != member_id)
            .cloned()
            .collect();
        let member = match known {
            Some(member) => Member {
                protocols,
                connection: client.connection,
                ..member
            },
            None => group.new_member(&member_id, client, protocols),
        };
        let new_group = || GroupSpec {
            by_hand: true,
            session_timeout_ms: request.session_timeout_ms.clamp(1, 600_000) as u64,
            ..GroupSpec::new(
                &name,
                subscribed(&member.protocols[0].1),
                vec![MemberSpec::new(&member.name)],
            )
        };
        let action = joining(&broker, &name, &member.name, new_group).unwrap_or_else(|| {
            Intervention::ConsumerRejoin {
                group: name.clone(),
                member: member.name.clone(),
            }
        });
        members.push(member);
        if vote(&members).is_none() {
            return refused(ResponseError::InconsistentGroupProtocol);
        }
        broker.kafka_clients.groups.group_mut(&name).members = members;
        if let Err(why) = broker.apply(action) {
            eprintln!("mqsim serve: JoinGroup for {name:?} refused: {why}");
            return refused(ResponseError::UnknownServerError);
        }
        let Some(group) = run_group(&broker, &name) else {
            return refused(ResponseError::CoordinatorNotAvailable);
        };
        broker.kafka_clients.await_joined(group)
    };
    let Ok(joined) = joined.await else {
        return refused(ResponseError::CoordinatorNotAvailable);
    };
    let broker = shared.borrow();
    let group = broker.kafka_clients.groups.group(&name);
    let Some(group) = group else {
        return refused(ResponseError::UnknownMemberId);
    };
    let members: Vec<Member> = (joined.members.iter())
        .filter_map(|&c| group.named(&broker.kafka().consumers[c.index()].name))
        .cloned()
        .collect();
    let protocol = vote(&members).unwrap_or_default();
    let leader = group.named(&broker.kafka().consumers[joined.leader.index()].name);
    let leader_id = leader.map(|m| m.id.clone()).unwrap_or_default();
    let listed = if leader_id == member_id {
        (members.iter())
            .map(|m| {
                let metadata = (m.protocols.iter())
                    .find(|(n, _)| *n == protocol)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_default();
                JoinGroupResponseMember::default()
                    .with_member_id(StrBytes::from_string(m.id.clone()))
                    .with_metadata(metadata)
            })
            .collect()
    } else {
        Vec::new()
    };
    JoinGroupResponse::default()
        .with_generation_id(joined.generation as i32)
        .with_protocol_type((version >= 7).then(|| request.protocol_type.clone()))
        .with_protocol_name(Some(StrBytes::from_string(protocol)))
        .with_leader(StrBytes::from_string(leader_id))
        .with_member_id(StrBytes::from_string(member_id))
        .with_members(listed)
}

/// `SyncGroup`. The leader's carries the assignment, which becomes the
/// run's `group_sync`; every member's answer waits for it to reach the
/// coordinator, and is its part as the leader made it.
pub async fn sync_group(
    shared: &Shared,
    client: &Client,
    request: &SyncGroupRequest,
) -> SyncGroupResponse {
    let name = request.group_id.0.to_string();
    let member_id = request.member_id.to_string();
    (shared.borrow().kafka_clients.groups).seen(&name, &member_id, client.connection);
    let generation = request.generation_id.max(0) as u32;
    let refused = |e: ResponseError| SyncGroupResponse::default().with_error_code(error(e));
    let synced = {
        let mut broker = shared.borrow();
        let (Some(group), Some(member)) = (
            run_group(&broker, &name),
            (broker.kafka_clients.groups.group(&name)).and_then(|g| g.member(&member_id).cloned()),
        ) else {
            return refused(ResponseError::UnknownMemberId);
        };
        let run = &broker.kafka().groups[group.index()];
        if run.generation != generation {
            return refused(ResponseError::IllegalGeneration);
        }
        if run.rebalance.is_some() {
            return refused(ResponseError::RebalanceInProgress);
        }
        if run.awaiting_sync.is_none() {
            // Stable: the member's part of the assignment handed out.
            return answer(&broker, &name, &member_id, generation);
        }
        if !request.assignments.is_empty() {
            let bytes: HashMap<String, Bytes> = (request.assignments.iter())
                .map(|a| (a.member_id.to_string(), a.assignment.clone()))
                .collect();
            let live = broker.kafka_clients.groups.group(&name);
            let assignment = (bytes.iter())
                .filter_map(|(id, b)| {
                    Some(MemberAssignmentSpec {
                        member: live?.member(id)?.name.clone(),
                        partitions: assigned(b),
                    })
                })
                .collect();
            broker.kafka_clients.groups.group_mut(&name).assignment = Some((generation, bytes));
            let sync = Intervention::GroupSync {
                group: name.clone(),
                member: member.name,
                generation,
                assignment,
            };
            if let Err(why) = broker.apply(sync) {
                eprintln!("mqsim serve: SyncGroup for {name:?} refused: {why}");
                return refused(ResponseError::UnknownServerError);
            }
        }
        broker.kafka_clients.await_synced(group, generation)
    };
    match synced.await {
        Ok(true) => answer(&shared.borrow(), &name, &member_id, generation),
        _ => refused(ResponseError::RebalanceInProgress),
    }
}

/// A member's part of the leader's assignment for `generation`.
fn answer(broker: &Broker, group: &str, member: &str, generation: u32) -> SyncGroupResponse {
    let bytes = (broker.kafka_clients.groups.group(group))
        .and_then(|g| g.assignment.as_ref())
        .filter(|(n, _)| *n == generation)
        .and_then(|(_, parts)| parts.get(member).cloned())
        .unwrap_or_default();
    SyncGroupResponse::default().with_assignment(bytes)
}

/// A client's connection closed: the classic members it spoke for there
/// stop as a crashed consumer does (`consumer_crash`), unless they left
/// first. Kafka's coordinator knows nothing of connections: it notices
/// when their sessions run out, and so does the run's. A member whose
/// client comes back with its id joins again (`consumer_restart`).
pub fn went_away(shared: &Shared, connection: u64) {
    let mut broker = shared.borrow();
    let gone: Vec<(String, String)> = (broker.kafka_clients.groups.groups.iter())
        .flat_map(|(group, live)| {
            (live.members.iter())
                .filter(|m| m.connection == connection && !m.protocols.is_empty())
                .map(move |m| (group.clone(), m.name.clone()))
        })
        .collect();
    for (group, member) in gone {
        let running = run_group(&broker, &group)
            .and_then(|g| run_member(&broker, g, &member))
            .is_some_and(|c| broker.kafka().consumers[c.index()].running);
        if running {
            let _ = broker.apply(Intervention::ConsumerCrash {
                group: Some(group),
                member,
            });
        }
    }
}
