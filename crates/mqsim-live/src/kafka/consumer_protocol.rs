//! `ConsumerGroupHeartbeat`: consumer groups on the consumer protocol
//! (KIP-848, Kafka 4's default for new groups), as librdkafka speaks it
//! with `group.protocol=consumer`.
//!
//! There is no JoinGroup, no leader and no SyncGroup: a member heartbeats
//! to the coordinator, to join with epoch 0 and then every
//! `heartbeat_interval_ms` (5 s), and the coordinator computes the
//! assignment itself (`uniform` or `range`) and hands each member its part
//! in the answer, one step at a time: a partition another member still
//! owns comes only once that member has said, in a heartbeat, that it gave
//! it up. The member ids are the clients' own (KIP-1082), partitions are
//! named by topic id, as in Kafka's metadata.
//!
//! Each heartbeat is the run's `consumer_heartbeat` entry, answered by the
//! run's coordinator (`mqsim::kafka::consumer_protocol::coordinator`), the
//! same state machine as a simulated member's; the answer goes back when
//! the run has made it. A member's first heartbeat makes it a member of
//! the run's `by_hand` group (`group_add` or `consumer_join`), a leave
//! (epoch -1) is `consumer_leave`. Refusals are Kafka's: `INVALID_REQUEST`
//! for a request Kafka would not take (`ConsumerGroupHeartbeatRequest`'s
//! checks), `UNSUPPORTED_ASSIGNOR`, `GROUP_ID_NOT_FOUND` for a classic
//! group, `UNKNOWN_MEMBER_ID` and `FENCED_MEMBER_EPOCH` from the
//! coordinator.

use super::Client;
use super::groups::{joining, run_group, run_member};
use super::metadata::{by_topic, topic_id};
use crate::broker::{Broker, Shared};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::consumer_group_heartbeat_response::{Assignment, TopicPartitions};
use kafka_protocol::messages::{ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse};
use kafka_protocol::protocol::StrBytes;
use mqsim::ids::{BrokerId, ConsumerId, TopicPartition};
use mqsim::kafka::consumer_protocol::coordinator::{HEARTBEAT_INTERVAL_MS, HeartbeatError};
use mqsim::scenario::{
    GroupProtocol, GroupSpec, Intervention, MemberSpec, PartitionSpec, RemoteAssignor,
};
use std::time::Duration;

/// How long an answer may take before the client is told the coordinator
/// is not available (it asks again). Under the heartbeat interval, which
/// librdkafka takes as the request's timeout.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(4);

/// A refusal in Kafka's words.
type Refusal = (ResponseError, String);

/// `ConsumerGroupHeartbeat` on broker `node`.
pub async fn consumer_group_heartbeat(
    shared: &Shared,
    node: BrokerId,
    client: &Client,
    request: &ConsumerGroupHeartbeatRequest,
    version: i16,
) -> ConsumerGroupHeartbeatResponse {
    match heartbeat(shared, node, client, request, version).await {
        Ok(answer) => answer,
        Err((error, message)) => ConsumerGroupHeartbeatResponse::default()
            .with_error_code(error.code())
            .with_error_message(Some(StrBytes::from_string(message))),
    }
}

async fn heartbeat(
    shared: &Shared,
    node: BrokerId,
    client: &Client,
    request: &ConsumerGroupHeartbeatRequest,
    version: i16,
) -> Result<ConsumerGroupHeartbeatResponse, Refusal> {
    check(request, version)?;
    let remote_assignor = assignor(request)?;
    let name = request.group_id.0.to_string();
    let epoch = i64::from(request.member_epoch);
    let mut member_id = request.member_id.to_string();
    let answered = {
        let mut broker = shared.borrow();
        if member_id.is_empty() {
            // Version 0: the coordinator gives a joining member its id.
            member_id = broker.kafka_clients.groups.new_member_id(&client.id);
        }
        coordinates(&broker, node, &name)?;
        if let Some(group) = run_group(&broker, &name)
            && broker.kafka().groups[group.index()].modern.is_none()
        {
            return Err((
                ResponseError::GroupIdNotFound,
                format!("Group {name} is not a consumer group."),
            ));
        }
        if epoch < 0 {
            return leave(&mut broker, &name, &member_id, request.member_epoch);
        }
        let known =
            (broker.kafka_clients.groups.group(&name)).and_then(|g| g.member(&member_id).cloned());
        let member = match known {
            Some(member) => member,
            None if epoch == 0 => {
                (broker.kafka_clients.groups).add_member(&name, &member_id, client)
            }
            None => {
                return Err((
                    ResponseError::UnknownMemberId,
                    format!("Member {member_id} is not a member of group {name}."),
                ));
            }
        };
        let new_group = || GroupSpec {
            by_hand: true,
            protocol: GroupProtocol::Consumer,
            remote_assignor,
            ..GroupSpec::new(
                &name,
                subscribed(request),
                vec![MemberSpec::new(&member.name)],
            )
        };
        let mut actions: Vec<Intervention> = joining(&broker, &name, &member.name, new_group)
            .into_iter()
            .collect();
        actions.push(Intervention::ConsumerHeartbeat {
            group: name.clone(),
            member: member.name.clone(),
            member_epoch: epoch,
            topics: request
                .subscribed_topic_names
                .as_ref()
                .map(|_| subscribed(request)),
            owned: request
                .topic_partitions
                .as_ref()
                .map(|tps| owned(&broker, tps)),
        });
        let mut waiting = None;
        let acted = broker.act_all(actions, |broker, _| {
            let consumer =
                run_group(broker, &name).and_then(|g| run_member(broker, g, &member.name));
            waiting = consumer.map(|c| (c, broker.kafka_clients.await_heartbeat(c)));
        });
        if let Err(why) = acted {
            eprintln!("mqsim serve: ConsumerGroupHeartbeat for {name:?} refused: {why}");
            return Err((ResponseError::UnknownServerError, why));
        }
        waiting.ok_or((ResponseError::CoordinatorNotAvailable, String::new()))?
    };
    let (consumer, answered) = answered;
    let not_yet = (
        ResponseError::CoordinatorNotAvailable,
        "The coordinator has not answered yet.".to_string(),
    );
    let answer = match tokio::time::timeout(ANSWER_TIMEOUT, answered).await {
        Ok(Ok(answer)) => answer,
        _ => return Err(not_yet),
    };
    if let Some(error) = answer.error {
        return Err(match error {
            HeartbeatError::UnknownMemberId => (
                ResponseError::UnknownMemberId,
                format!("Member {member_id} is not a member of group {name}."),
            ),
            HeartbeatError::FencedMemberEpoch => (
                ResponseError::FencedMemberEpoch,
                format!(
                    "The consumer group member has a greater or smaller member epoch ({epoch}) than expected."
                ),
            ),
        });
    }
    // A full request (after an error, or on joining) gets the member's
    // whole assignment, as Kafka answers it, changed or not.
    let full = request.rebalance_timeout_ms != -1
        && request.subscribed_topic_names.is_some()
        && request.topic_partitions.is_some();
    let broker = shared.borrow();
    let assignment = answer
        .assignment
        .or_else(|| full.then(|| assigned(&broker, consumer)));
    Ok(ConsumerGroupHeartbeatResponse::default()
        .with_member_id(Some(StrBytes::from_string(member_id)))
        .with_member_epoch(answer.member_epoch as i32)
        .with_heartbeat_interval_ms(HEARTBEAT_INTERVAL_MS as i32)
        .with_assignment(assignment.map(|tps| wire_assignment(&broker, &tps))))
}

/// `ConsumerGroupHeartbeatRequest`'s own checks, as Kafka makes them.
fn check(request: &ConsumerGroupHeartbeatRequest, version: i16) -> Result<(), Refusal> {
    let invalid = |why: &str| Err((ResponseError::InvalidRequest, why.to_string()));
    if request.group_id.0.is_empty() {
        return invalid("GroupId can't be empty.");
    }
    if version >= 1 && request.member_id.is_empty() {
        return invalid("MemberId can't be empty.");
    }
    if request.instance_id.as_deref() == Some("") {
        return invalid("InstanceId can't be empty.");
    }
    if request.rack_id.as_deref() == Some("") {
        return invalid("RackId can't be empty.");
    }
    match request.member_epoch {
        0 => {
            if request.rebalance_timeout_ms == -1 {
                return invalid("RebalanceTimeoutMs must be provided in first request.");
            }
            if request
                .topic_partitions
                .as_ref()
                .is_none_or(|t| !t.is_empty())
            {
                return invalid("TopicPartitions must be empty when (re-)joining.");
            }
            if request.subscribed_topic_names.is_none() && request.subscribed_topic_regex.is_none()
            {
                return invalid(
                    "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.",
                );
            }
        }
        e if e < -2 => return invalid("MemberEpoch is invalid."),
        _ => {}
    }
    // librdkafka sends an empty one with its topic names.
    if request
        .subscribed_topic_regex
        .as_deref()
        .is_some_and(|r| !r.is_empty())
    {
        return invalid("SubscribedTopicRegex is not modelled here: subscribe to topics by name.");
    }
    Ok(())
}

/// Broker `node` must be the group's coordinator.
fn coordinates(broker: &Broker, node: BrokerId, name: &str) -> Result<(), Refusal> {
    match broker.kafka().coordinator_of(name) {
        Some(coordinator) if coordinator == node => Ok(()),
        Some(_) => Err((
            ResponseError::NotCoordinator,
            format!("This is not the coordinator of group {name}."),
        )),
        None => Err((ResponseError::CoordinatorNotAvailable, String::new())),
    }
}

/// A member's goodbye (epoch -1, or -2 for a static member, which the run
/// treats alike): it leaves at once.
fn leave(
    broker: &mut Broker,
    name: &str,
    member_id: &str,
    epoch: i32,
) -> Result<ConsumerGroupHeartbeatResponse, Refusal> {
    let member = (broker.kafka_clients.groups.group(name))
        .and_then(|g| g.member(member_id))
        .map(|m| m.name.clone());
    let unknown = || {
        (
            ResponseError::UnknownMemberId,
            format!("Member {member_id} is not a member of group {name}."),
        )
    };
    let member = member.ok_or_else(unknown)?;
    let left = broker.apply(Intervention::ConsumerLeave {
        group: Some(name.to_string()),
        member,
    });
    left.map_err(|_| unknown())?;
    Ok(ConsumerGroupHeartbeatResponse::default()
        .with_member_id(Some(StrBytes::from_string(member_id.to_string())))
        .with_member_epoch(epoch))
}

/// `group.remote.assignor`: the client's choice, or the coordinator's
/// default, `uniform`.
fn assignor(request: &ConsumerGroupHeartbeatRequest) -> Result<RemoteAssignor, Refusal> {
    match request.server_assignor.as_deref() {
        None | Some("uniform") => Ok(RemoteAssignor::Uniform),
        Some("range") => Ok(RemoteAssignor::Range),
        Some(other) => Err((
            ResponseError::UnsupportedAssignor,
            format!(
                "ServerAssignor {other} is not supported. Supported assignors: uniform, range."
            ),
        )),
    }
}

/// The topics subscribed to, by name.
fn subscribed(request: &ConsumerGroupHeartbeatRequest) -> Vec<String> {
    (request.subscribed_topic_names.iter().flatten())
        .map(|t| t.0.to_string())
        .collect()
}

/// What the member says it owns, by topic name; a topic id the run does
/// not have is left out.
fn owned(
    broker: &Broker,
    topics: &[kafka_protocol::messages::consumer_group_heartbeat_request::TopicPartitions],
) -> Vec<PartitionSpec> {
    let kafka = broker.kafka();
    (topics.iter())
        .filter_map(|t| {
            let topic = kafka
                .topics
                .iter()
                .find(|k| topic_id(&k.name) == t.topic_id)?;
            Some((t.partitions.iter()).map(move |&p| PartitionSpec {
                topic: topic.name.to_string(),
                partition: p.max(0) as u32,
            }))
        })
        .flatten()
        .collect()
}

/// The member's current assignment at its coordinator.
fn assigned(broker: &Broker, consumer: ConsumerId) -> Vec<TopicPartition> {
    let kafka = broker.kafka();
    let c = &kafka.consumers[consumer.index()];
    let modern = kafka.groups[c.group.index()].modern.as_ref();
    let member = modern.and_then(|g| g.members.iter().find(|m| *m.id == *c.name));
    (member.iter())
        .flat_map(|m| m.current.assigned.iter())
        .map(|&(topic, partition)| TopicPartition {
            topic: mqsim::ids::TopicId(topic as u32),
            partition,
        })
        .collect()
}

/// An assignment as the wire has it: partitions by topic id.
fn wire_assignment(broker: &Broker, partitions: &[TopicPartition]) -> Assignment {
    let kafka = broker.kafka();
    let topics = (by_topic(partitions).into_iter())
        .map(|(topic, ps)| {
            TopicPartitions::default()
                .with_topic_id(topic_id(&kafka.topics[topic.index()].name))
                .with_partitions(ps)
        })
        .collect();
    Assignment::default().with_topic_partitions(topics)
}
