//! What admin tools ask about groups: `ListGroups` (the groups a broker
//! coordinates, with their type and state: `kafka-consumer-groups.sh
//! --list`) and `DescribeGroups` (a classic group's state, assignor and
//! members, each with its subscription and assignment: `--describe
//! --members`).
//!
//! Every group of the run is there, the scenario's simulated ones beside
//! the live clients', so a student's admin tool sees the consumers the page
//! draws. A live client's member is described with the bytes it sent (its
//! subscription) and the leader's bytes for it (its assignment), as Kafka
//! keeps them; a simulated member's are written from the run, in the
//! consumer protocol's own encoding.
//!
//! As in Kafka, each broker answers for the groups it coordinates (admin
//! clients ask every broker and merge), and `DescribeGroups` describes
//! classic groups only: a group on the consumer protocol or a share group
//! is "Dead", and from version 6 `GROUP_ID_NOT_FOUND` (tools describe those
//! with their own requests).

use super::groups::{run_group, run_member, vote};
use super::metadata::by_topic;
use crate::broker::Broker;
use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::consumer_protocol_assignment::{
    ConsumerProtocolAssignment, TopicPartition as AssignedTopic,
};
use kafka_protocol::messages::consumer_protocol_subscription::{
    ConsumerProtocolSubscription, TopicPartition as OwnedTopic,
};
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{
    DescribeGroupsRequest, DescribeGroupsResponse, ListGroupsRequest, ListGroupsResponse, TopicName,
};
use kafka_protocol::protocol::{Encodable, StrBytes};
use mqsim::ids::{BrokerId, TopicId, TopicPartition};
use mqsim::kafka::Kafka;
use mqsim::kafka::group::{ConsumerGroup, GroupState};

/// The host a simulated member is described at: it has no socket.
const SIMULATED_HOST: &str = "/simulated";

/// `protocol_type` of every consumer group, classic or not.
const CONSUMER: &str = "consumer";

/// The group's type, as `ListGroups` v5 names it.
fn group_type(group: &ConsumerGroup) -> &'static str {
    if group.share.is_some() {
        "share"
    } else if group.modern.is_some() {
        "consumer"
    } else {
        "classic"
    }
}

/// `protocol_type`: "share" for a share group, else "consumer".
fn protocol_type(group: &ConsumerGroup) -> &'static str {
    if group.share.is_some() {
        "share"
    } else {
        CONSUMER
    }
}

/// `ListGroups` on broker `node`: the run's groups it coordinates, kept to
/// those in the states and of the types asked for (any letter case; none
/// asked: all).
pub fn list_groups(
    broker: &Broker,
    node: BrokerId,
    request: &ListGroupsRequest,
) -> ListGroupsResponse {
    let kafka = broker.kafka();
    let wanted = |asked: &[StrBytes], value: &str| {
        asked.is_empty() || asked.iter().any(|a| a.eq_ignore_ascii_case(value))
    };
    let groups = (kafka.groups.iter())
        .filter(|g| kafka.coordinator_of(&g.name) == Some(node))
        .filter_map(|g| Some((g, g.state()?)))
        .filter(|(g, state)| {
            wanted(&request.states_filter, state.name())
                && wanted(&request.types_filter, group_type(g))
        })
        .map(|(g, state)| {
            ListedGroup::default()
                .with_group_id(StrBytes::from_string(g.name.to_string()).into())
                .with_protocol_type(StrBytes::from_static_str(protocol_type(g)))
                .with_group_state(StrBytes::from_static_str(state.name()))
                .with_group_type(StrBytes::from_static_str(group_type(g)))
        })
        .collect();
    ListGroupsResponse::default().with_groups(groups)
}

/// `DescribeGroups` on broker `node`.
pub fn describe_groups(
    broker: &Broker,
    node: BrokerId,
    request: &DescribeGroupsRequest,
    version: i16,
) -> DescribeGroupsResponse {
    let groups = (request.groups.iter())
        .map(|name| describe(broker, node, name.0.as_str(), version).with_group_id(name.clone()))
        .collect();
    DescribeGroupsResponse::default().with_groups(groups)
}

fn describe(broker: &Broker, node: BrokerId, name: &str, version: i16) -> DescribedGroup {
    let kafka = broker.kafka();
    let refused = |e: ResponseError| DescribedGroup::default().with_error_code(e.code());
    if name.is_empty() {
        return refused(ResponseError::InvalidGroupId);
    }
    if kafka.coordinator_of(name) != Some(node) {
        return refused(ResponseError::NotCoordinator);
    }
    let group = run_group(broker, name).map(|g| &kafka.groups[g.index()]);
    let classic = group
        .and_then(|g| Some((g, g.state()?)))
        .filter(|(g, _)| g.modern.is_none() && g.share.is_none());
    let Some((group, state)) = classic else {
        let dead = DescribedGroup::default().with_group_state(StrBytes::from_static_str("Dead"));
        if version < 6 {
            return dead;
        }
        return dead
            .with_error_code(ResponseError::GroupIdNotFound.code())
            .with_error_message(Some(StrBytes::from_string(format!(
                "Group {name} not found or not a classic group."
            ))));
    };
    let stable = state == GroupState::Stable;
    // The protocol the members agreed on, told only of a stable group.
    let (protocol, members) = if group.by_hand {
        let live = broker.kafka_clients.groups.group(name);
        let agreed = live.and_then(|g| vote(&g.members)).unwrap_or_default();
        let members = live_members(broker, name, stable.then_some(agreed.as_str()));
        (agreed, members)
    } else {
        let members = simulated_members(kafka, group, stable);
        (group.strategy.name().to_string(), members)
    };
    let protocol = if stable { protocol } else { String::new() };
    DescribedGroup::default()
        .with_group_state(StrBytes::from_static_str(state.name()))
        .with_protocol_type(StrBytes::from_static_str(CONSUMER))
        .with_protocol_data(StrBytes::from_string(protocol))
        .with_members(members)
}

/// A live group's members with the bytes their clients sent; the
/// subscription for the protocol agreed on only while the group is stable
/// (Kafka's `describeNoMetadata` otherwise: `agreed` is none).
fn live_members(broker: &Broker, name: &str, agreed: Option<&str>) -> Vec<DescribedGroupMember> {
    let Some(group) = broker.kafka_clients.groups.group(name) else {
        return Vec::new();
    };
    let Some(run) = run_group(broker, name) else {
        return Vec::new();
    };
    let joined = &broker.kafka().groups[run.index()].members;
    (group.members.iter())
        .filter(|m| run_member(broker, run, &m.name).is_some_and(|c| joined.contains(&c)))
        .map(|m| {
            let metadata = (m.protocols.iter())
                .find(|(n, _)| Some(n.as_str()) == agreed)
                .map(|(_, b)| b.clone())
                .unwrap_or_default();
            let assignment = (group.assignment.as_ref())
                .and_then(|(_, parts)| parts.get(&m.id).cloned())
                .unwrap_or_default();
            DescribedGroupMember::default()
                .with_member_id(StrBytes::from_string(m.id.clone()))
                .with_client_id(StrBytes::from_string(m.client.clone()))
                .with_client_host(StrBytes::from_string(m.host.clone()))
                .with_member_metadata(metadata)
                .with_member_assignment(assignment)
        })
        .collect()
}

/// A simulated group's members, their subscription and assignment written
/// as a Java client would send them.
fn simulated_members(
    kafka: &Kafka,
    group: &ConsumerGroup,
    stable: bool,
) -> Vec<DescribedGroupMember> {
    let topic = |t: TopicId| -> TopicName {
        StrBytes::from_string(kafka.topics[t.index()].name.to_string()).into()
    };
    (group.members.iter())
        .map(|&c| {
            let consumer = &kafka.consumers[c.index()];
            let owned: Vec<TopicPartition> = consumer.assigned().collect();
            let owned = by_topic(&owned);
            let metadata = stable.then(|| {
                let subscription = ConsumerProtocolSubscription::default()
                    .with_topics(group.topics.iter().map(|&t| topic(t).0).collect())
                    .with_owned_partitions(
                        (owned.iter())
                            .map(|(t, ps)| {
                                OwnedTopic::default()
                                    .with_topic(topic(*t))
                                    .with_partitions(ps.clone())
                            })
                            .collect(),
                    );
                encoded(&subscription)
            });
            let assignment = ConsumerProtocolAssignment::default().with_assigned_partitions(
                (owned.into_iter())
                    .map(|(t, ps)| {
                        AssignedTopic::default()
                            .with_topic(topic(t))
                            .with_partitions(ps)
                    })
                    .collect(),
            );
            DescribedGroupMember::default()
                .with_member_id(StrBytes::from_string(consumer.name.to_string()))
                .with_client_id(StrBytes::from_string(consumer.name.to_string()))
                .with_client_host(StrBytes::from_static_str(SIMULATED_HOST))
                .with_member_metadata(metadata.unwrap_or_default())
                .with_member_assignment(encoded(&assignment))
        })
        .collect()
}

/// The consumer protocol's encoding: its version, then the message in it.
fn encoded<M: Encodable>(message: &M) -> Bytes {
    /// Version 1 (owned partitions in the subscription) is what every
    /// client in common use reads.
    const VERSION: i16 = 1;
    let mut bytes = BytesMut::new();
    bytes.put_i16(VERSION);
    // Only a field this version cannot hold fails to encode, and neither
    // message sets one.
    let _ = message.encode(&mut bytes, VERSION);
    bytes.freeze()
}
