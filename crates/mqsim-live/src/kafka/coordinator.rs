//! The group coordinator's small requests: `FindCoordinator` (which broker
//! runs a group: the run's leader of its `__consumer_offsets` partition),
//! `Heartbeat` (how a member hears of a rebalance) and `LeaveGroup`
//! (`consumer.close()`), answered from the run's group as Kafka's
//! coordinator answers them.

use super::groups::{run_group, run_member};
use super::{Client, Listeners};
use crate::broker::{Broker, Shared};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{
    BrokerId as WireBroker, FindCoordinatorRequest, FindCoordinatorResponse, HeartbeatRequest,
    HeartbeatResponse, LeaveGroupRequest, LeaveGroupResponse,
};
use kafka_protocol::protocol::StrBytes;
use mqsim::ids::BrokerId;
use mqsim::scenario::Intervention;

/// `FindCoordinator`, for groups (key type 0) only: one key up to v3, a
/// list from v4 (KIP-699).
pub fn find_coordinator(
    broker: &Broker,
    listeners: &Listeners,
    request: &FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    let find = |key: &StrBytes| -> Coordinator {
        let found = (request.key_type == 0)
            .then(|| broker.kafka().coordinator_of(key))
            .flatten();
        match found {
            Some(BrokerId(node)) => Coordinator::default()
                .with_key(key.clone())
                .with_node_id(WireBroker(node as i32))
                .with_host(StrBytes::from_string(listeners.host.clone()))
                .with_port(listeners.port(BrokerId(node))),
            None => Coordinator::default()
                .with_key(key.clone())
                .with_node_id(WireBroker(-1))
                .with_port(-1)
                .with_error_code(ResponseError::CoordinatorNotAvailable.code()),
        }
    };
    if version >= 4 {
        let coordinators = request.coordinator_keys.iter().map(find).collect();
        return FindCoordinatorResponse::default().with_coordinators(coordinators);
    }
    let one = find(&request.key);
    FindCoordinatorResponse::default()
        .with_error_code(one.error_code)
        .with_node_id(one.node_id)
        .with_host(one.host)
        .with_port(one.port)
}

/// `Heartbeat`: `REBALANCE_IN_PROGRESS` while the group waits for its
/// members to rejoin, so the client sends JoinGroup again.
pub fn heartbeat(
    broker: &mut Broker,
    client: &Client,
    request: &HeartbeatRequest,
) -> HeartbeatResponse {
    let (group, member) = (request.group_id.0.as_str(), request.member_id.as_str());
    (broker.kafka_clients.groups).seen(group, member, client.connection);
    let code = heartbeat_error(broker, request).map_or(0, |e| e.code());
    HeartbeatResponse::default().with_error_code(code)
}

fn heartbeat_error(broker: &Broker, request: &HeartbeatRequest) -> Option<ResponseError> {
    let name = request.group_id.0.as_str();
    let member_id = request.member_id.as_str();
    let Some(group) = run_group(broker, name) else {
        return Some(ResponseError::UnknownMemberId);
    };
    let member = (broker.kafka_clients.groups.group(name)).and_then(|g| g.member(member_id));
    let running = member
        .and_then(|m| run_member(broker, group, &m.name))
        .is_some_and(|c| broker.kafka().groups[group.index()].members.contains(&c));
    if !running {
        return Some(ResponseError::UnknownMemberId);
    }
    let run = &broker.kafka().groups[group.index()];
    if run.rebalance.is_some() {
        return Some(ResponseError::RebalanceInProgress);
    }
    if run.generation as i32 != request.generation_id {
        return Some(ResponseError::IllegalGeneration);
    }
    None
}

/// `LeaveGroup`: each member named leaves the run's group at once
/// (`consumer_leave`); one member up to v2, a list from v3.
pub fn leave_group(
    shared: &Shared,
    request: &LeaveGroupRequest,
    version: i16,
) -> LeaveGroupResponse {
    let name = request.group_id.0.to_string();
    let ids: Vec<StrBytes> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| m.member_id.clone())
            .collect()
    } else {
        vec![request.member_id.clone()]
    };
    let mut broker = shared.borrow();
    let answers: Vec<MemberResponse> = (ids.into_iter())
        .map(|id| {
            let member = (broker.kafka_clients.groups.group(&name))
                .and_then(|g| g.member(&id))
                .map(|m| m.name.clone());
            let left = member.map(|member| {
                broker.apply(Intervention::ConsumerLeave {
                    group: Some(name.clone()),
                    member,
                })
            });
            let code = match left {
                Some(Ok(())) => 0,
                _ => ResponseError::UnknownMemberId.code(),
            };
            MemberResponse::default()
                .with_member_id(id)
                .with_error_code(code)
        })
        .collect();
    if version >= 3 {
        LeaveGroupResponse::default().with_members(answers)
    } else {
        let code = answers.first().map_or(0, |a| a.error_code);
        LeaveGroupResponse::default().with_error_code(code)
    }
}
