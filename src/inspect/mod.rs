//! The inspector: everything about one thing the user clicked, and what
//! can be done to it.
//!
//! An [`Inspection`] is plain data built from the folded worlds, so it is
//! tested natively like the scenes. Its actions are engine
//! [`Intervention`]s — kill or restart a broker, crash or restart a
//! consumer, add a partition — which playback writes into the scenario's
//! timeline at the moment shown, so a shared link replays them.
//!
//! A record or a message is described by its path: every event about it
//! (sent, appended, fetched, processed, dead-lettered; published, routed,
//! delivered, requeued) in words, which playback gathers while it is
//! selected. A RabbitMQ message's headers and `x-death` come from the copies
//! the broker holds now, as `rabbitmqctl` or the management UI would show.

mod kafka;
mod kraft;
mod path;
mod rabbit;
mod share;

use crate::playback::{Playback, Subject};
use mqsim::SimTime;
use mqsim::ids::{
    BrokerId, ConsumerId, MessageId, ProducerId, PublisherId, QueueId, RabbitConsumerId, RecordId,
    TopicPartition,
};
use mqsim::rabbit::headers::{FieldTable, FieldValue};
use mqsim::scenario::Intervention;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What the user picked on the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Broker(BrokerId),
    /// A voter of the KRaft controller quorum, by node id.
    Controller(u32),
    /// A record of the KRaft metadata log, by offset.
    MetadataRecord(u64),
    /// A Kafka consumer: a group member, or a standalone consumer.
    Consumer(ConsumerId),
    Partition(TopicPartition),
    RabbitConsumer(RabbitConsumerId),
    Queue(QueueId),
    /// A Kafka record: a cell of a partition's log.
    Record(RecordId),
    /// A RabbitMQ message: in a queue or a consumer's window.
    Message(MessageId),
    /// A Kafka producer: send a record by hand.
    Producer(ProducerId),
    /// A RabbitMQ publisher: publish a message by hand.
    Publisher(PublisherId),
}

impl Selection {
    /// What playback must follow to describe this selection.
    pub fn subject(self) -> Option<Subject> {
        match self {
            Selection::Record(id) => Some(Subject::Record(id)),
            Selection::Message(id) => Some(Subject::Message(id)),
            _ => None,
        }
    }
}

/// One thing, described.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// "Broker 1", "Consumer notifier-2", …
    pub title: String,
    /// What it is, in a phrase: "Kafka broker", "member of notifications".
    pub kind: String,
    /// Label and value, in reading order.
    pub facts: Vec<(&'static str, String)>,
    /// What can be done to it now.
    pub actions: Vec<Action>,
    /// For a record or message: what happened to it, oldest first.
    pub path: Vec<(SimTime, String)>,
    /// For a queue or a RabbitMQ consumer: the messages it holds, to
    /// inspect one by one (they are drawn too small to click reliably, and
    /// this is the way to them from the keyboard).
    pub messages: Vec<(MessageId, String)>,
    /// For a producer or publisher: a form to send one by hand.
    pub form: Option<SendForm>,
}

/// What a hand-sent record or message can be given.
#[derive(Clone, Debug, PartialEq)]
pub enum SendForm {
    Record {
        producer: String,
        /// The topic's partitions now, to pick one instead of the
        /// partitioner.
        partitions: u32,
        /// The keys the producer uses, offered first.
        keys: Vec<String>,
    },
    Message {
        publisher: String,
        /// The routing keys the publisher uses, offered first.
        routing_keys: Vec<String>,
    },
}

/// Reads a RabbitMQ message's headers: `name=value` pairs (string values),
/// or a JSON object whose values may be any AMQP field value, tables and
/// arrays included: `{"geo": {"country": "IN"}, "tiers": [1, 2]}`.
pub fn parse_field_table(text: &str) -> Result<FieldTable, String> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|err| {
            format!("headers: not a JSON object of header values ({err}); write {{\"geo\": {{\"country\": \"IN\"}}, \"tiers\": [1, 2]}}")
        });
    }
    // Already in name order: no sort needed (`mqsim::sort`).
    Ok(mqsim::sort::btree_map(
        parse_headers(text)?
            .into_iter()
            .map(|(name, value)| (name, FieldValue::Str(value))),
    ))
}

/// Reads headers typed as `name=value, name=value`.
pub fn parse_headers(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut headers = BTreeMap::new();
    for pair in text
        .split(',')
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
    {
        match pair.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                headers.insert(name.trim().to_string(), value.trim().to_string());
            }
            _ => {
                return Err(format!(
                    "headers: {pair:?} is not name=value; write pairs like trace-id=42, source=web"
                ));
            }
        }
    }
    Ok(headers)
}

/// A button in the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub label: Cow<'static, str>,
    /// What will happen, in a sentence, for the button's tooltip.
    pub explain: &'static str,
    pub interventions: Vec<Intervention>,
}

impl Inspection {
    /// Describes `selection` as the run stands; none if it is not in this
    /// scenario.
    pub fn of(playback: &Playback, selection: Selection) -> Option<Inspection> {
        match selection {
            Selection::Broker(id) => kafka::broker(playback, id),
            Selection::Controller(id) => kraft::controller(playback, id),
            Selection::MetadataRecord(offset) => kraft::metadata_record(playback, offset),
            Selection::Consumer(id) => kafka::consumer(playback, id),
            Selection::Partition(tp) => kafka::partition(playback, tp),
            Selection::RabbitConsumer(id) => rabbit::consumer(playback, id),
            Selection::Queue(id) => rabbit::queue(playback, id),
            Selection::Producer(id) => kafka::producer(playback, id),
            Selection::Publisher(id) => rabbit::publisher(playback, id),
            Selection::Record(_) | Selection::Message(_) => {
                let (subject, events) = playback.watched()?;
                if selection.subject() != Some(subject) {
                    return None;
                }
                let path = events
                    .iter()
                    .map(|e| {
                        let said = e.describe(playback.names());
                        (said.at, said.text)
                    })
                    .collect();
                let mut inspection = match selection {
                    Selection::Record(id) => path::record(playback, id, events),
                    Selection::Message(id) => path::message(playback, id, events),
                    _ => None,
                }?;
                inspection.path = path;
                Some(inspection)
            }
        }
    }
}

/// "Slow down" for a consumer at its usual pace (five times slower, at
/// least a second per item), "Normal speed" for one slowed down.
pub(super) fn slow_or_normal(
    now: u64,
    usual: u64,
    slow: impl FnOnce(u64) -> Intervention,
) -> Action {
    if now == usual {
        Action {
            label: "Slow down".into(),
            explain: "Each item now takes five times as long (at least a second): watch the backlog and the lag grow.",
            interventions: vec![slow((usual * 5).max(1_000))],
        }
    } else {
        Action {
            label: "Normal speed".into(),
            explain: "Back to the pace the scenario set.",
            interventions: vec![slow(usual)],
        }
    }
}

/// A name for a new thing like `like`: its stem (the name without a
/// trailing `-N`) and the first number from 2 that `taken` does not hold:
/// `notifier-3`.
pub(super) fn next_name(like: &str, taken: impl Fn(&str) -> bool) -> Option<String> {
    let stem = like
        .trim_end_matches(|c: char| c.is_ascii_digit())
        .trim_end_matches('-');
    (2..)
        .map(|n| format!("{stem}-{n}"))
        .find(|name| !taken(name))
}

pub(super) fn exchange_name(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_string()
    } else {
        name.to_string()
    }
}

pub(super) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests;
