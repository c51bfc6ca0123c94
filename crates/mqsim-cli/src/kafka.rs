//! `mqsim kafka …`: explainers that answer one Kafka question exactly as the
//! Java client would, for teaching and for checking the engine against Kafka.

use anyhow::{Context, bail};
use mqsim::ids::TopicId;
use mqsim::kafka::assignor::{self, Member, Strategy, Topic};
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
    let stdout = if json {
        let mut out = Map::new();
        for ((id, _), partitions) in members.iter().zip(&result.partitions) {
            let mut topics_out = Map::new();
            for (name, list) in per_topic(partitions) {
                topics_out.insert(name.to_string(), json!(list));
            }
            out.insert(id.clone(), Value::Object(topics_out));
        }
        format!("{}\n", Value::Object(out))
    } else {
        members
            .iter()
            .zip(&result.partitions)
            .map(|((id, _), partitions)| {
                let listed: Vec<String> = per_topic(partitions)
                    .into_iter()
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
    };
    Ok(Assigned { stdout, notes })
}
