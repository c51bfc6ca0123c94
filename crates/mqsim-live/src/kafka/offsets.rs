//! Committed offsets: `OffsetCommit` (a member's commit becomes the run's
//! `offset_commit`, checked as Kafka's coordinator checks it: a known
//! member, the group's current generation, no assignment being handed
//! out) and `OffsetFetch` (the run's group's committed offsets, -1 where
//! none; one group up to v7, a list from v8).

use super::groups::run_group;
use crate::broker::{Broker, Shared};
use kafka_protocol::ResponseError;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions,
    OffsetFetchResponseTopic, OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, TopicName,
};
use mqsim::ids::{GroupId, TopicId, TopicPartition};
use mqsim::scenario::{Intervention, OffsetSpec};
use std::time::Duration;

/// How long a commit may take to reach the coordinator and be stored
/// before the client is told the coordinator is not available.
const COMMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// `OffsetCommit`: answered once the commit is stored, as Kafka answers.
pub async fn offset_commit(
    shared: &Shared,
    request: &OffsetCommitRequest,
    version: i16,
) -> OffsetCommitResponse {
    let committed = commit(shared, request, version);
    let code = match committed {
        Err(code) => code,
        Ok(stored) => match tokio::time::timeout(COMMIT_TIMEOUT, stored).await {
            Ok(Ok(())) => 0,
            _ => ResponseError::CoordinatorNotAvailable.code(),
        },
    };
    let topics = (request.topics.iter())
        .map(|t| {
            let partitions = (t.partitions.iter())
                .map(|p| {
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code)
                })
                .collect();
            OffsetCommitResponseTopic::default()
                .with_name(t.name.clone())
                .with_partitions(partitions)
        })
        .collect();
    OffsetCommitResponse::default().with_topics(topics)
}

/// Makes the commit the run's `offset_commit`: what tells when it is
/// stored, or the error code of its refusal.
fn commit(
    shared: &Shared,
    request: &OffsetCommitRequest,
    version: i16,
) -> Result<tokio::sync::oneshot::Receiver<()>, i16> {
    let mut broker = shared.borrow();
    let (group, member) = committer(&broker, request, version).map_err(|e| e.code())?;
    let offsets = (request.topics.iter())
        .flat_map(|t| {
            t.partitions.iter().map(|p| OffsetSpec {
                topic: t.name.0.to_string(),
                partition: p.partition_index.max(0) as u32,
                offset: p.committed_offset.max(0) as u64,
            })
        })
        .collect();
    let stored = broker.kafka_clients.await_committed(group);
    let commit = Intervention::OffsetCommit {
        group: request.group_id.0.to_string(),
        member,
        offsets,
    };
    match broker.apply(commit) {
        Ok(()) => Ok(stored),
        Err(_) => Err(ResponseError::UnknownTopicOrPartition.code()),
    }
}

/// The run's group and the member's name in it, or why the coordinator
/// refuses the commit. A commit for a group the run does not have (from
/// `assign()` with a `group.id`, generation -1, which Kafka keeps as a
/// group of no members) is refused `ILLEGAL_GENERATION`, as Kafka refuses
/// one for a generation it does not have. On the consumer protocol the
/// commit carries the member's epoch (from version 9, which such a member
/// must use), and one that is not its epoch at the coordinator is stale
/// (`ConsumerGroup.validateOffsetCommit`).
fn committer(
    broker: &Broker,
    request: &OffsetCommitRequest,
    version: i16,
) -> Result<(GroupId, String), ResponseError> {
    let name = request.group_id.0.as_str();
    let group = run_group(broker, name).ok_or(ResponseError::IllegalGeneration)?;
    let member = (broker.kafka_clients.groups.group(name))
        .and_then(|g| g.member(&request.member_id))
        .ok_or(ResponseError::UnknownMemberId)?;
    let run = &broker.kafka().groups[group.index()];
    if let Some(modern) = &run.modern {
        if version < 9 {
            return Err(ResponseError::UnsupportedVersion);
        }
        let at = modern.members.iter().find(|m| m.id == member.name);
        let epoch = at.ok_or(ResponseError::UnknownMemberId)?.current.epoch;
        if i64::from(epoch) != i64::from(request.generation_id_or_member_epoch) {
            return Err(ResponseError::StaleMemberEpoch);
        }
        return Ok((group, member.name.clone()));
    }
    if run.generation as i32 != request.generation_id_or_member_epoch {
        return Err(ResponseError::IllegalGeneration);
    }
    if run.awaiting_sync.is_some() {
        return Err(ResponseError::RebalanceInProgress);
    }
    Ok((group, member.name.clone()))
}

/// `OffsetFetch`.
pub fn offset_fetch(
    broker: &Broker,
    request: &OffsetFetchRequest,
    version: i16,
) -> OffsetFetchResponse {
    if version >= 8 {
        let groups = (request.groups.iter())
            .map(|g| {
                let asked: Option<Vec<(String, Vec<i32>)>> = (g.topics.as_ref()).map(|ts| {
                    ts.iter()
                        .map(|t| (t.name.0.to_string(), t.partition_indexes.clone()))
                        .collect()
                });
                let topics = committed(broker, g.group_id.0.as_str(), asked)
                    .into_iter()
                    .map(|(topic, parts)| {
                        let partitions = (parts.into_iter())
                            .map(|(p, offset)| {
                                OffsetFetchResponsePartitions::default()
                                    .with_partition_index(p)
                                    .with_committed_offset(offset)
                                    .with_committed_leader_epoch(-1)
                                    .with_metadata(Some(Default::default()))
                            })
                            .collect();
                        OffsetFetchResponseTopics::default()
                            .with_name(TopicName(topic.into()))
                            .with_partitions(partitions)
                    })
                    .collect();
                OffsetFetchResponseGroup::default()
                    .with_group_id(g.group_id.clone())
                    .with_topics(topics)
            })
            .collect();
        return OffsetFetchResponse::default().with_groups(groups);
    }
    let asked: Option<Vec<(String, Vec<i32>)>> = (request.topics.as_ref()).map(|ts| {
        ts.iter()
            .map(|t| (t.name.0.to_string(), t.partition_indexes.clone()))
            .collect()
    });
    let topics = committed(broker, request.group_id.0.as_str(), asked)
        .into_iter()
        .map(|(topic, parts)| {
            let partitions = (parts.into_iter())
                .map(|(p, offset)| {
                    OffsetFetchResponsePartition::default()
                        .with_partition_index(p)
                        .with_committed_offset(offset)
                        .with_committed_leader_epoch(-1)
                        .with_metadata(Some(Default::default()))
                })
                .collect();
            OffsetFetchResponseTopic::default()
                .with_name(TopicName(topic.into()))
                .with_partitions(partitions)
        })
        .collect();
    OffsetFetchResponse::default().with_topics(topics)
}

/// The committed offset of each partition asked about (-1 where none), or
/// of every partition with one when `asked` is none.
fn committed(
    broker: &Broker,
    group: &str,
    asked: Option<Vec<(String, Vec<i32>)>>,
) -> Vec<(String, Vec<(i32, i64)>)> {
    let kafka = broker.kafka();
    let run: Option<GroupId> = run_group(broker, group);
    let offset_of = |topic: &str, partition: i32| -> i64 {
        let Some(group) = run else { return -1 };
        let Some(t) = kafka.topics.iter().position(|t| &*t.name == topic) else {
            return -1;
        };
        let tp = TopicPartition {
            topic: TopicId(t as u32),
            partition: partition.max(0) as u32,
        };
        (kafka.groups[group.index()].committed.get(&tp)).map_or(-1, |&o| o as i64)
    };
    match asked {
        Some(asked) => (asked.into_iter())
            .map(|(topic, parts)| {
                let offsets = parts.iter().map(|&p| (p, offset_of(&topic, p))).collect();
                (topic, offsets)
            })
            .collect(),
        None => {
            let Some(group) = run else { return Vec::new() };
            let mut by_topic: Vec<(String, Vec<(i32, i64)>)> = Vec::new();
            for (tp, &offset) in kafka.groups[group.index()].committed.iter() {
                let topic = kafka.topics[tp.topic.index()].name.to_string();
                match by_topic.iter_mut().find(|(t, _)| *t == topic) {
                    Some((_, parts)) => parts.push((tp.partition as i32, offset as i64)),
                    None => by_topic.push((topic, vec![(tp.partition as i32, offset as i64)])),
                }
            }
            by_topic
        }
    }
}
