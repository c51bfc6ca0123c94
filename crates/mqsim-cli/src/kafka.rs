//! `mqsim kafka …`: explainers that answer one Kafka question exactly as the
//! Java client would, for teaching and for checking the engine against Kafka.

use anyhow::{Context, bail};
use mqsim::ids::TopicId;
use mqsim::kafka::assignor::{self, Member, Strategy, Topic};
use mqsim::kafka::consumer_protocol::uuid::Uuid;
use mqsim::kafka::consumer_protocol::{self, MemberSpec, ServerAssignor, TopicMeta};
use mqsim::kafka::partitioner::partition_for_key;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::io::BufRead;

/// `kafka partition`: the partition of each key under the default partitioner.
pub fn partition(partitions: u32, keys: Vec<String>, json: bool) -> anyhow::Result<String> {
    let keys = if keys.is_empty() {
        std::io::stdin()
            .lock()
            .lines()
            .collect::<Result<Vec<String>, _>>()
            .context("cannot read keys from standard input")?
    } else {
        keys
    };
    let placed: Vec<(String, u32)> = keys
        .into_iter()
        .map(|key| {
            let partition = partition_for_key(&key, partitions);
            (key, partition)
        })
        .collect();
    Ok(if json {
        let list: Vec<Value> = placed
            .iter()
            .map(|(key, partition)| json!({"key": key, "partition": partition}))
            .collect();
        format!("{}\n", Value::Array(list))
    } else {
        placed
            .iter()
            .map(|(key, partition)| format!("{key}\t{partition}\n"))
            .collect()
    })
}

/// What `assign` prints: the assignment, and notes for standard error.
pub struct Assigned {
    pub stdout: String,
    pub notes: Vec<String>,
}

/// `kafka assign`: the assignment a Java assignor computes for a new group.
///
/// A member may subscribe to a topic given no `--topic`: the cluster does
/// not have it, and the assignors leave it out, as the Java client does.
pub fn assign(
    strategy: Strategy,
    topic_args: &[String],
    member_args: &[String],
    json: bool,
) -> anyhow::Result<Assigned> {
    let mut topics: Vec<(String, u32)> = Vec::new();
    for arg in topic_args {
        let (name, count) = arg
            .rsplit_once(':')
            .with_context(|| format!("--topic {arg:?}: expected NAME:PARTITIONS"))?;
        let count: u32 = count.parse().ok().filter(|&n| n >= 1).with_context(|| {
            format!("--topic {arg:?}: the partition count must be a whole number of at least 1")
        })?;
        if name.is_empty() || topics.iter().any(|(n, _)| n == name) {
            bail!("--topic {arg:?}: topic names must be non-empty and given once");
        }
        topics.push((name.to_string(), count));
    }
    let mut notes = Vec::new();
    let mut members: Vec<(String, Vec<TopicId>)> = Vec::new();
    for arg in member_args {
        let (id, subscribed) = arg
            .split_once(':')
            .with_context(|| format!("--member {arg:?}: expected ID:TOPIC[,TOPIC...]"))?;
        if id.is_empty() || members.iter().any(|(m, _)| m == id) {
            bail!("--member {arg:?}: member ids must be non-empty and given once");
        }
        let mut ids = BTreeSet::new();
        for name in subscribed.split(',') {
            if name.is_empty() {
                bail!("--member {arg:?}: topic names must be non-empty");
            }
            let index = match topics.iter().position(|(n, _)| n == name) {
                Some(index) => index,
                None => {
                    // Not in the cluster's metadata: a topic with no partitions.
                    notes.push(format!(
                        "note: no --topic {name:?}: the cluster does not have it, so no \
                         member is given its partitions (the Java client skips a topic \
                         without metadata)"
                    ));
                    topics.push((name.to_string(), 0));
                    topics.len() - 1
                }
            };
            ids.insert(TopicId(index as u32));
        }
        members.push((id.to_string(), ids.into_iter().collect()));
    }
    let topic_view: Vec<Topic> = topics
        .iter()
        .map(|(name, partitions)| Topic {
            name,
            partitions: *partitions,
        })
        .collect();
    let member_view: Vec<Member> = members
        .iter()
        .map(|(id, subscribed)| Member {
            id,
            topics: subscribed,
            owned: &[],
            generation: None,
        })
        .collect();
    let result = assignor::assign(strategy, &topic_view, &member_view);

    let per_topic = |partitions: &[mqsim::ids::TopicPartition]| {
        let mut by_topic: Vec<(&str, Vec<u32>)> = Vec::new();
        for tp in partitions {
            let name = topics[tp.topic.index()].0.as_str();
            match by_topic.iter_mut().find(|(n, _)| *n == name) {
                Some((_, list)) => list.push(tp.partition),
                None => by_topic.push((name, vec![tp.partition])),
            }
        }
        by_topic
    };
    let by_member: Vec<MemberPartitions> = members
        .iter()
        .zip(&result.partitions)
        .map(|((id, _), partitions)| (id.as_str(), per_topic(partitions)))
        .collect();
    Ok(Assigned {
        stdout: said(&by_member, json),
        notes,
    })
}

/// A member's id and its partitions, by topic.
type MemberPartitions<'a> = (&'a str, Vec<(&'a str, Vec<u32>)>);

/// An assignment as `kafka assign` prints it: each member's partitions by
/// topic, a line per member (`(idle)` for none), or one JSON object.
fn said(by_member: &[MemberPartitions], json: bool) -> String {
    if json {
        let mut out = Map::new();
        for (id, topics) in by_member {
            let mut topics_out = Map::new();
            for (name, list) in topics {
                topics_out.insert(name.to_string(), json!(list));
            }
            out.insert(id.to_string(), Value::Object(topics_out));
        }
        return format!("{}\n", Value::Object(out));
    }
    by_member
        .iter()
        .map(|(id, topics)| {
            let listed: Vec<String> = topics
                .iter()
                .map(|(name, list)| {
                    let numbers: Vec<String> = list.iter().map(u32::to_string).collect();
                    format!("{name}[{}]", numbers.join(","))
                })
                .collect();
            let shown = if listed.is_empty() {
                "(idle)".to_string()
            } else {
                listed.join(" ")
            };
            format!("{id}\t{shown}\n")
        })
        .collect()
}

/// `kafka assign --protocol consumer`: the assignment the group
/// coordinator's `uniform` or `range` assignor computes for a new group
/// (KIP-848), with the order it visited members and topics in: `uniform`
/// follows Java's hash maps, by member id and by topic id.
pub fn assign_consumer(
    assignor: ServerAssignor,
    topic_args: &[String],
    member_args: &[String],
    json: bool,
) -> anyhow::Result<Assigned> {
    let mut topics: Vec<TopicMeta> = Vec::new();
    for arg in topic_args {
        let mut fields = arg.split(':');
        let (Some(name), Some(count)) = (fields.next(), fields.next()) else {
            bail!("--topic {arg:?}: expected NAME:PARTITIONS[:ID]");
        };
        let partitions: u32 = count.parse().ok().filter(|&n| n >= 1).with_context(|| {
            format!("--topic {arg:?}: the partition count must be a whole number of at least 1")
        })?;
        let id = match fields.next() {
            Some(id) => Uuid::parse(id).with_context(|| {
                format!(
                    "--topic {arg:?}: {id:?} is not a topic id (22 characters of URL-safe base64)"
                )
            })?,
            None => Uuid::from_name(name),
        };
        if fields.next().is_some() || name.is_empty() || topics.iter().any(|t| t.name == name) {
            bail!("--topic {arg:?}: expected NAME:PARTITIONS[:ID], each topic once");
        }
        topics.push(TopicMeta {
            id,
            name: name.to_string(),
            partitions,
        });
    }
    let mut members: Vec<MemberSpec> = Vec::new();
    for arg in member_args {
        let (id, subscribed) = arg
            .split_once(':')
            .with_context(|| format!("--member {arg:?}: expected ID:TOPIC[,TOPIC...]"))?;
        if id.is_empty() || members.iter().any(|m| m.id == id) {
            bail!("--member {arg:?}: member ids must be non-empty and given once");
        }
        let mut indices = Vec::new();
        for name in subscribed.split(',') {
            // The coordinator refuses a subscription to a topic it lacks.
            let index = topics.iter().position(|t| t.name == name).with_context(|| {
                format!("--member {arg:?}: no --topic {name:?} (the coordinator's assignors refuse a topic the cluster lacks)")
            })?;
            if !indices.contains(&index) {
                indices.push(index);
            }
        }
        members.push(MemberSpec {
            id: id.to_string(),
            instance_id: None,
            topics: indices,
            target: Vec::new(),
        });
    }
    let result = consumer_protocol::assign(assignor, &members, &topics)
        .map_err(|e| anyhow::anyhow!("{}: {e}", assignor.name()))?;
    let mut notes = Vec::new();
    if assignor == ServerAssignor::Uniform {
        let order: Vec<&str> = consumer_protocol::uniform::member_order(&members)
            .into_iter()
            .map(|i| members[i].id.as_str())
            .collect();
        notes.push(format!(
            "note: uniform visits members in Java HashMap order of their ids ({}) and topics by their ids' hash codes; a cluster gives topics random ids, so give NAME:PARTITIONS:ID to reproduce one",
            order.join(", ")
        ));
    }
    let per_topic = |assigned: &[(usize, u32)]| {
        let mut by_topic: Vec<(&str, Vec<u32>)> = Vec::new();
        for &(t, p) in assigned {
            let name = topics[t].name.as_str();
            match by_topic.iter_mut().find(|(n, _)| *n == name) {
                Some((_, list)) => list.push(p),
                None => by_topic.push((name, vec![p])),
            }
        }
        by_topic
    };
    let by_member: Vec<MemberPartitions> = members
        .iter()
        .zip(&result)
        .map(|(member, assigned)| (member.id.as_str(), per_topic(assigned)))
        .collect();
    Ok(Assigned {
        stdout: said(&by_member, json),
        notes,
    })
}
