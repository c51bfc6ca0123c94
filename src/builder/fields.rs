//! The settings of each part of a scenario, as the builder's forms show
//! them: a label (Kafka's or RabbitMQ's own config name where there is
//! one), where the value sits in the scenario's JSON, and how it is typed.
//!
//! A form reads and writes the scenario as JSON ([`serde_json::Value`]),
//! one field at a time, and the result is read back through the engine
//! ([`ScenarioFile::from_json`] and validation), so the builder accepts
//! exactly what a scenario file may say and nothing the engine would
//! refuse. A problem's path (`rabbit.queues[0].arguments.x-message-ttl`) is
//! the field's path, so each problem is shown beside its field.

use super::Target;
use mqsim::rabbit::topology::predeclared_exchanges;
use mqsim::scenario::edit::{self, Part};
use mqsim::scenario::{Intervention, MemberSpec, MetadataSpec, ScenarioFile, TimelineEntry};
use serde_json::Value;

/// How a field is typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input {
    /// The part's name: changing it renames the part and every reference.
    Name,
    /// Text, `""` allowed.
    Text,
    /// Text; empty leaves the setting out.
    OptText,
    /// A whole number.
    Int,
    /// A whole number; empty leaves the setting out (its default applies).
    OptInt,
    /// A number with a fraction.
    Number,
    /// A number; empty leaves it out.
    OptNumber,
    Bool,
    /// One of these values; empty leaves it out when `optional`.
    Choice {
        options: &'static [&'static str],
        optional: bool,
    },
    /// One of these values (the first is the default), each with the
    /// sibling settings it does not take: choosing it removes them, and
    /// the form hides them (a group's `protocol` and the settings of the
    /// other protocol).
    Switch(&'static [(&'static str, &'static [&'static str])]),
    /// A setting written as an object tagged by this field (`{"mode":
    /// "auto", "interval_ms": 5000}`): choosing a tag writes the object
    /// that goes with it, whose other fields have their own inputs.
    Tagged(&'static [(&'static str, &'static str)]),
    /// A list of names or keys, written comma-separated.
    List,
    /// Lines of text, one entry per line.
    Lines,
    /// An object of names and values, written as JSON.
    Table,
    /// The side-by-side panes, one per line: `title: queue, queue`.
    Panes,
    /// A timeline entry's own value, written as JSON writes it (`1`,
    /// `true`, `{"tier": "gold"}`) or as the text of a name; text stays
    /// text where the entry had text. Empty leaves it out.
    Scalar,
    /// The name of a part of this kind; empty leaves it out when optional.
    Pick {
        of: Of,
        optional: bool,
    },
}

impl Input {
    /// A [`Input::Switch`]'s or [`Input::Tagged`]'s choices, in order.
    pub fn tags(self) -> Vec<&'static str> {
        match self {
            Switch(options) => options.iter().map(|(tag, _)| *tag).collect(),
            Tagged(options) => options.iter().map(|(tag, _)| *tag).collect(),
            _ => Vec::new(),
        }
    }
}

/// What an [`Input::Pick`] lists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Of {
    Topic,
    Exchange,
    Queue,
}

/// The names an [`Input::Pick`] of `of` offers: the setup's parts of that
/// kind, those the timeline starts, and for exchanges the predeclared
/// `amq.*` ones.
pub fn choices(file: &ScenarioFile, of: Of) -> Vec<String> {
    let kind = match of {
        Of::Topic => "topic",
        Of::Exchange => "exchange",
        Of::Queue => "queue",
    };
    let parts = edit::all_parts(file)
        .into_iter()
        .filter(|p| p.kind() == kind);
    let mut names: Vec<String> = parts.map(|p| p.name().to_string()).collect();
    if of == Of::Exchange {
        names.extend(predeclared_exchanges().into_iter().map(|x| x.name));
    }
    names
}

/// One field of a form.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// What the field is called: a config name where it has one.
    pub label: &'static str,
    /// Where its value is: a JSON pointer into the scenario.
    pub pointer: String,
    pub input: Input,
    /// What applies while the setting is left out.
    pub default: &'static str,
}

impl Field {
    /// The path validation names it by: `rabbit.queues[0].name`.
    pub fn path(&self) -> String {
        path_of(&self.pointer)
    }
}

/// A JSON pointer as validation writes paths: `/kafka/topics/0/name` is
/// `kafka.topics[0].name`.
pub fn path_of(pointer: &str) -> String {
    let mut path = String::new();
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        if segment.bytes().all(|b| b.is_ascii_digit()) && !segment.is_empty() {
            path.push_str(&format!("[{segment}]"));
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&segment);
        }
    }
    path
}

use Input::*;

const OFFSET_RESET: Input = Choice {
    options: &["latest", "earliest"],
    optional: true,
};

/// `(label, key, input, default)`: a form's fields, keys relative to the
/// part's place in the JSON.
type Spec = (&'static str, &'static str, Input, &'static str);

const SCENARIO: &[Spec] = &[
    ("name", "name", Text, ""),
    ("description", "description", OptText, ""),
    ("seed", "seed", Int, ""),
    ("duration_ms", "duration_ms", OptInt, "60000"),
    ("network latency_ms", "network/latency_ms", OptInt, "100"),
    (
        "panes",
        "view/panes",
        Panes,
        "one picture; or per line, title: queue, queue",
    ),
];

const CLUSTER: &[Spec] = &[
    ("brokers", "cluster/brokers", OptInt, "1"),
    (
        "replica fetch interval (ms)",
        "cluster/replica_fetch_interval_ms",
        OptInt,
        "500",
    ),
    (
        "replica.lag.time.max.ms",
        "cluster/replica_lag_time_max_ms",
        OptInt,
        "30000",
    ),
    (
        "zookeeper.session.timeout.ms",
        "cluster/zookeeper_session_timeout_ms",
        OptInt,
        "18000",
    ),
    (
        "unclean.leader.election.enable",
        "cluster/unclean_leader_election",
        Bool,
        "false",
    ),
    (
        "metadata",
        "cluster/metadata/mode",
        Tagged(&[
            ("zookeeper", r#"{"mode": "zookeeper"}"#),
            ("kraft", r#"{"mode": "kraft"}"#),
        ]),
        "zookeeper",
    ),
    ("controllers", "cluster/metadata/controllers", OptInt, "3"),
    (
        "process.roles",
        "cluster/metadata/process_roles",
        Choice {
            options: &["controller", "broker,controller"],
            optional: true,
        },
        "controller",
    ),
    (
        "broker.heartbeat.interval.ms",
        "cluster/metadata/broker_heartbeat_interval_ms",
        OptInt,
        "2000",
    ),
    (
        "broker.session.timeout.ms",
        "cluster/metadata/broker_session_timeout_ms",
        OptInt,
        "9000",
    ),
    (
        "controller.quorum.election.timeout.ms",
        "cluster/metadata/election_timeout_ms",
        OptInt,
        "1000",
    ),
    (
        "controller.quorum.fetch.timeout.ms",
        "cluster/metadata/fetch_timeout_ms",
        OptInt,
        "2000",
    ),
    (
        "group.initial.rebalance.delay.ms",
        "group_initial_rebalance_delay_ms",
        OptInt,
        "3000",
    ),
    (
        "log.retention.check.interval.ms",
        "retention_check_interval_ms",
        OptInt,
        "300000",
    ),
];

const TOPIC: &[Spec] = &[
    ("name", "name", Name, ""),
    ("partitions", "partitions", Int, ""),
    ("replication.factor", "replication_factor", OptInt, "1"),
    ("min.insync.replicas", "min_insync_replicas", OptInt, "1"),
    ("retention.ms", "retention_ms", OptInt, "keep all"),
    (
        "retention (records)",
        "retention_records",
        OptInt,
        "keep all",
    ),
];

const PRODUCER: &[Spec] = &[
    ("name", "name", Name, ""),
    (
        "topic",
        "topic",
        Pick {
            of: Of::Topic,
            optional: false,
        },
        "",
    ),
    ("records per second", "rate_per_sec", Number, ""),
    ("keys", "keys", List, "none: unkeyed"),
    ("unkeyed share", "unkeyed_ratio", OptNumber, "0"),
    ("partition", "partition", OptInt, "the partitioner's"),
    (
        "keyless",
        "keyless/strategy",
        Tagged(&[
            ("round_robin", r#"{"strategy": "round_robin"}"#),
            ("sticky", r#"{"strategy": "sticky", "batch_records": 16}"#),
        ]),
        "round_robin",
    ),
    (
        "sticky batch (records)",
        "keyless/batch_records",
        OptInt,
        "",
    ),
    ("headers", "headers", Table, "none"),
    (
        "acks",
        "acks",
        Choice {
            options: &["all", "1", "0"],
            optional: true,
        },
        "all",
    ),
    ("retry.backoff.ms", "retry_backoff_ms", OptInt, "100"),
];

const GROUP: &[Spec] = &[
    ("group.id", "name", Name, ""),
    ("topics", "topics", List, ""),
    (
        "group.protocol",
        "protocol",
        Switch(&[
            ("classic", &["remote_assignor"]),
            ("consumer", &["assignment_strategy", "session_timeout_ms"]),
        ]),
        "classic",
    ),
    (
        "group.remote.assignor",
        "remote_assignor",
        Choice {
            options: &["uniform", "range"],
            optional: true,
        },
        "uniform",
    ),
    (
        "commit",
        "commit/mode",
        Tagged(&[
            ("auto", r#"{"mode": "auto", "interval_ms": 5000}"#),
            ("after_batch", r#"{"mode": "after_batch"}"#),
        ]),
        "auto",
    ),
    (
        "auto.commit.interval.ms",
        "commit/interval_ms",
        OptInt,
        "5000",
    ),
    (
        "auto.offset.reset",
        "auto_offset_reset",
        OFFSET_RESET,
        "latest",
    ),
    (
        "partition.assignment.strategy",
        "assignment_strategy",
        Choice {
            options: &["range", "roundrobin", "sticky", "cooperative-sticky"],
            optional: true,
        },
        "range",
    ),
    ("session.timeout.ms", "session_timeout_ms", OptInt, "45000"),
    ("poison keys", "failures/poison_keys", List, "none"),
    (
        "failure probability",
        "failures/probability",
        OptNumber,
        "0",
    ),
    ("retries", "retry/retries", OptInt, "9"),
    ("retry backoff (ms)", "retry/backoff_ms", OptInt, "0"),
    (
        "dead-letter topic",
        "retry/dead_letter_topic",
        Pick {
            of: Of::Topic,
            optional: true,
        },
        "none: skip",
    ),
];

const SHARE_GROUP: &[Spec] = &[
    ("group.id", "name", Name, ""),
    ("topics", "topics", List, ""),
    (
        "share.auto.offset.reset",
        "auto_offset_reset",
        OFFSET_RESET,
        "latest",
    ),
    (
        "group.share.record.lock.duration.ms",
        "record_lock_duration_ms",
        OptInt,
        "30000",
    ),
    (
        "group.share.delivery.count.limit",
        "delivery_count_limit",
        OptInt,
        "5",
    ),
    (
        "group.share.partition.max.record.locks",
        "partition_max_record_locks",
        OptInt,
        "2000",
    ),
    ("poison keys", "failures/poison_keys", List, "none"),
    (
        "failure probability",
        "failures/probability",
        OptNumber,
        "0",
    ),
    (
        "on failure",
        "on_failure",
        Choice {
            options: &["release", "reject"],
            optional: true,
        },
        "release",
    ),
];

const MEMBER: &[Spec] = &[
    ("name", "name", Name, ""),
    ("poll interval (ms)", "poll_interval_ms", OptInt, "500"),
    ("max.poll.records", "max_poll_records", OptInt, "500"),
    ("processing (ms)", "processing_ms", OptInt, "100"),
];

const STANDALONE: &[Spec] = &[
    ("name", "name", Name, ""),
    ("topics", "topics", List, ""),
    (
        "auto.offset.reset",
        "auto_offset_reset",
        OFFSET_RESET,
        "latest",
    ),
    ("poll interval (ms)", "poll_interval_ms", OptInt, "500"),
    ("max.poll.records", "max_poll_records", OptInt, "500"),
    ("processing (ms)", "processing_ms", OptInt, "100"),
];

const EXCHANGE: &[Spec] = &[
    ("name", "name", Name, ""),
    (
        "type",
        "type",
        Choice {
            options: &["direct", "fanout", "topic", "headers"],
            optional: false,
        },
        "",
    ),
    ("internal", "internal", Bool, "false"),
    (
        "alternate-exchange",
        "alternate_exchange",
        Pick {
            of: Of::Exchange,
            optional: true,
        },
        "none",
    ),
];

const QUEUE: &[Spec] = &[
    ("name", "name", Name, ""),
    (
        "x-queue-type",
        "arguments/x-queue-type",
        Choice {
            options: &["classic", "quorum"],
            optional: true,
        },
        "classic",
    ),
    ("x-message-ttl", "arguments/x-message-ttl", OptInt, "none"),
    ("x-max-length", "arguments/x-max-length", OptInt, "none"),
    (
        "x-overflow",
        "arguments/x-overflow",
        Choice {
            options: &["drop-head", "reject-publish"],
            optional: true,
        },
        "drop-head",
    ),
    (
        "x-dead-letter-exchange",
        "arguments/x-dead-letter-exchange",
        Pick {
            of: Of::Exchange,
            optional: true,
        },
        "none",
    ),
    (
        "x-dead-letter-routing-key",
        "arguments/x-dead-letter-routing-key",
        OptText,
        "the message's",
    ),
    (
        "x-delivery-limit",
        "arguments/x-delivery-limit",
        OptInt,
        "none",
    ),
    ("x-expires", "arguments/x-expires", OptInt, "never"),
];

const BINDING: &[Spec] = &[
    (
        "source",
        "source",
        Pick {
            of: Of::Exchange,
            optional: false,
        },
        "",
    ),
    (
        "destination_type",
        "destination_type",
        Choice {
            options: &["queue", "exchange"],
            optional: false,
        },
        "",
    ),
    ("destination", "destination", Text, ""),
    ("routing key", "routing_key", Text, ""),
    ("arguments", "arguments", Table, "none"),
];

const PUBLISHER: &[Spec] = &[
    ("name", "name", Name, ""),
    (
        "exchange",
        "exchange",
        Pick {
            of: Of::Exchange,
            optional: false,
        },
        "",
    ),
    ("messages per second", "rate_per_sec", Number, ""),
    ("routing keys", "routing_keys", List, "\"\""),
    ("headers", "headers", Table, "none"),
    ("mandatory", "mandatory", Bool, "false"),
];

const CONSUMER: &[Spec] = &[
    ("name", "name", Name, ""),
    (
        "queue",
        "queue",
        Pick {
            of: Of::Queue,
            optional: false,
        },
        "",
    ),
    ("prefetch", "prefetch", OptInt, "10"),
    ("processing (ms)", "processing_ms", OptInt, "100"),
    ("auto_ack", "auto_ack", Bool, "false"),
    (
        "poison routing keys",
        "failures/poison_routing_keys",
        List,
        "none",
    ),
    (
        "failure probability",
        "failures/probability",
        OptNumber,
        "0",
    ),
    ("requeue on failure", "failures/requeue", Bool, "false"),
];

const LESSON: &[Spec] = &[("watch for", "watch_for", Lines, "")];

/// The fields of `target` in `file`; none if it is not there.
pub fn fields(file: &ScenarioFile, target: &Target) -> Vec<Field> {
    let Some(base) = pointer_of(file, target) else {
        return Vec::new();
    };
    let spec: &[Spec] = match target {
        Target::Entry(i) => return entry_fields(file, *i, &base),
        Target::Scenario => SCENARIO,
        Target::Cluster => CLUSTER,
        Target::Lesson => LESSON,
        Target::Binding(_) => BINDING,
        Target::Part(part) => match part {
            Part::Topic(_) => TOPIC,
            Part::Producer(_) => PRODUCER,
            Part::Group(_) => GROUP,
            Part::ShareGroup(_) => SHARE_GROUP,
            Part::Member { .. } => MEMBER,
            Part::Standalone(_) => STANDALONE,
            Part::Exchange(_) => EXCHANGE,
            Part::Queue(_) => QUEUE,
            Part::Publisher(_) => PUBLISHER,
            Part::Consumer(_) => CONSUMER,
        },
    };
    let mut fields = at(&base, spec);
    // A switch hides the settings its choice does not take.
    let switches: Vec<Field> = (fields.iter())
        .filter(|f| matches!(f.input, Switch(_)))
        .cloned()
        .collect();
    let json = (!switches.is_empty()).then(|| json_of(file));
    for (switch, json) in switches.iter().zip(json.iter().cycle()) {
        if let Switch(options) = switch.input {
            let chosen = read(json, switch);
            let (_, others) = options
                .iter()
                .find(|(option, _)| *option == chosen)
                .unwrap_or(&options[0]);
            fields.retain(|f| {
                !others
                    .iter()
                    .any(|key| f.pointer == format!("{base}/{key}"))
            });
        }
    }
    if let Target::Cluster = target {
        // Only the settings of the metadata mode the cluster is in.
        let kraft = matches!(file.kafka.cluster.metadata, MetadataSpec::Kraft(_));
        fields.retain(|f| {
            let quorum = f.pointer.contains("/metadata/") && !f.pointer.ends_with("/mode");
            let zookeeper = f.pointer.ends_with("/zookeeper_session_timeout_ms");
            if kraft { !zookeeper } else { !quorum }
        });
    }
    if let Target::Lesson = target {
        // Each step: what to do, and the check that ticks it off.
        let steps = file.narration.as_ref().map_or(0, |n| n.try_this.len());
        for i in 0..steps {
            for (label, key) in [("step", "text"), ("done when", "done_when")] {
                fields.push(Field {
                    label,
                    pointer: format!("{base}/try_this/{i}/{key}"),
                    input: Text,
                    default: "",
                });
            }
        }
    }
    fields
}

/// The fields of `spec`, for the part at `base`.
fn at(base: &str, spec: &[Spec]) -> Vec<Field> {
    spec.iter()
        .map(|&(label, key, input, default)| Field {
            label,
            pointer: format!("{base}/{key}"),
            input,
            default,
        })
        .collect()
}

/// Timeline entry `i`'s fields: its moment, then each field its kind
/// takes, by the format's own names (a binding's as a binding's form has
/// them). A part the entry starts has its own form and is left out.
fn entry_fields(file: &ScenarioFile, i: usize, base: &str) -> Vec<Field> {
    let Some(entry) = file.timeline.get(i) else {
        return Vec::new();
    };
    let kind = entry.said().into_iter().next().map(|(_, kind)| kind);
    let names = kind.and_then(|kind| TimelineEntry::fields_of(&kind));
    let started = edit::started_by(entry);
    let mut fields = at(base, &[("at_ms", "at_ms", Int, "")]);
    for &name in names.unwrap_or_default() {
        if name == "binding" {
            fields.extend(at(&format!("{base}/binding"), BINDING));
        } else if !started.iter().any(|part| part.kind() == name) {
            fields.extend(at(base, &[(name, name, Scalar, "")]));
        }
    }
    fields
}

/// Where `target` is in the scenario's JSON; `None` if it is not there.
pub fn pointer_of(file: &ScenarioFile, target: &Target) -> Option<String> {
    let bindings = file.rabbit.bindings.len();
    match target {
        Target::Entry(i) => (*i < file.timeline.len()).then(|| format!("/timeline/{i}")),
        Target::Scenario => Some(String::new()),
        Target::Cluster => Some("/kafka".into()),
        Target::Lesson => Some("/narration".into()),
        Target::Binding(i) => (*i < bindings).then(|| format!("/rabbit/bindings/{i}")),
        Target::Part(part) => in_setup(file, part).or_else(|| in_timeline(file, part)),
    }
}

/// Where `part` is in the scenario's setup.
fn in_setup(file: &ScenarioFile, part: &Part) -> Option<String> {
    let (k, r) = (&file.kafka, &file.rabbit);
    let at = |list: &str, i: Option<usize>| i.map(|i| format!("/{list}/{i}"));
    let name = part.name();
    match part {
        Part::Topic(_) => at("kafka/topics", k.topics.iter().position(|t| t.name == name)),
        Part::Producer(_) => at(
            "kafka/producers",
            k.producers.iter().position(|p| p.name == name),
        ),
        Part::Group(_) => at("kafka/groups", k.groups.iter().position(|g| g.name == name)),
        Part::ShareGroup(_) => at(
            "kafka/share_groups",
            k.share_groups.iter().position(|g| g.name == name),
        ),
        Part::Member { group, .. } => {
            let member = |members: &[MemberSpec]| members.iter().position(|m| m.name == name);
            if let Some(g) = k.groups.iter().position(|g| g.name == *group) {
                let m = member(&k.groups[g].members)?;
                return Some(format!("/kafka/groups/{g}/members/{m}"));
            }
            let g = k.share_groups.iter().position(|g| g.name == *group)?;
            let m = member(&k.share_groups[g].members)?;
            Some(format!("/kafka/share_groups/{g}/members/{m}"))
        }
        Part::Standalone(_) => at(
            "kafka/standalone_consumers",
            k.standalone_consumers.iter().position(|c| c.name == name),
        ),
        Part::Exchange(_) => at(
            "rabbit/exchanges",
            r.exchanges.iter().position(|x| x.name == name),
        ),
        Part::Queue(_) => at(
            "rabbit/queues",
            r.queues.iter().position(|q| q.name == name),
        ),
        Part::Publisher(_) => at(
            "rabbit/publishers",
            r.publishers.iter().position(|p| p.name == name),
        ),
        Part::Consumer(_) => at(
            "rabbit/consumers",
            r.consumers.iter().position(|c| c.name == name),
        ),
    }
}

/// Where `part` is written in the timeline entry that starts it:
/// `/timeline/3/queue`, or `/timeline/5/group/members/1` for a member of a
/// group added then. (An entry's field is named for what it starts.)
fn in_timeline(file: &ScenarioFile, part: &Part) -> Option<String> {
    let i = file
        .timeline
        .iter()
        .position(|entry| edit::started_by(entry).contains(part))?;
    let key = match (part, &file.timeline[i].action) {
        (Part::Member { .. }, Intervention::GroupAdd { group }) => {
            let m = group.members.iter().position(|m| m.name == part.name())?;
            format!("group/members/{m}")
        }
        _ => part.kind().to_string(),
    };
    Some(format!("/timeline/{i}/{key}"))
}

/// The scenario as JSON.
pub fn json_of(file: &ScenarioFile) -> Value {
    // Through text: the page already reads and writes scenarios as text,
    // and a second serializer for `Value` would only add to its size.
    serde_json::to_string(file)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// The field's value, as its input shows it; empty when left out.
pub fn read(json: &Value, field: &Field) -> String {
    let Some(value) = json.pointer(&field.pointer) else {
        return String::new();
    };
    match (field.input, value) {
        (_, Value::String(text)) => text.clone(),
        (List, Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        (Lines, Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        (Table, Value::Object(map)) if map.is_empty() => String::new(),
        (Panes, Value::Array(panes)) => panes
            .iter()
            .map(|pane| {
                let title = pane["title"].as_str().unwrap_or_default();
                let queues = pane["queues"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let queues: Vec<&str> = queues.iter().filter_map(Value::as_str).collect();
                format!("{title}: {}", queues.join(", "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, other) => other.to_string(),
    }
}

/// Writes `text` into the field's place in `json`, typed as the field
/// says; a text that is not of its type is refused with the reason.
pub fn write(json: &mut Value, field: &Field, text: &str) -> Result<(), String> {
    let text = text.trim();
    let value = match field.input {
        Name | Text => Some(Value::String(text.to_string())),
        OptText | Pick { optional: true, .. } | Choice { optional: true, .. }
            if text.is_empty() =>
        {
            None
        }
        OptText | Pick { .. } | Choice { .. } => Some(Value::String(text.to_string())),
        Switch(options) => {
            let (_, others) = options
                .iter()
                .find(|(option, _)| *option == text)
                .ok_or_else(|| format!("must be one of {options:?}"))?;
            let parent = field.pointer.rsplit_once('/').map_or("", |(p, _)| p);
            for key in *others {
                put(json, &format!("{parent}/{key}"), None)?;
            }
            Some(Value::String(text.to_string()))
        }
        OptInt | OptNumber if text.is_empty() => None,
        Int | OptInt => {
            Some(Value::from(text.parse::<i64>().map_err(|_| {
                format!("must be a whole number, got {text:?}")
            })?))
        }
        Number | OptNumber => {
            let n: f64 = text
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| format!("must be a number, got {text:?}"))?;
            Some(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
        }
        Bool => Some(Value::Bool(text == "true")),
        Tagged(options) => {
            let (_, object) = options
                .iter()
                .find(|(tag, _)| *tag == text)
                .ok_or_else(|| format!("must be one of {options:?}"))?;
            let object: Value = serde_json::from_str(object).expect("an option is JSON");
            let parent = field.pointer.rsplit_once('/').map_or("", |(p, _)| p);
            return put(json, parent, Some(object));
        }
        List => {
            let items: Vec<Value> = text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| Value::String(item.to_string()))
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Lines => {
            let lines: Vec<Value> = text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(|line| Value::String(line.to_string()))
                .collect();
            (!lines.is_empty()).then_some(Value::Array(lines))
        }
        Panes => {
            let mut panes = Vec::new();
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let (title, queues) = line
                    .split_once(':')
                    .ok_or_else(|| format!("{line:?}: write each pane as title: queue, queue"))?;
                let queues: Vec<Value> = queues
                    .split(',')
                    .map(str::trim)
                    .filter(|q| !q.is_empty())
                    .map(|q| Value::String(q.to_string()))
                    .collect();
                panes.push(serde_json::json!({"title": title.trim(), "queues": queues}));
            }
            (!panes.is_empty()).then_some(Value::Array(panes))
        }
        Scalar if text.is_empty() => None,
        Scalar => match (json.pointer(&field.pointer), serde_json::from_str(text)) {
            (Some(Value::String(_)), _) | (_, Err(_)) => Some(Value::String(text.to_string())),
            (_, Ok(value)) => Some(value),
        },
        Table if text.is_empty() => None,
        Table => match serde_json::from_str::<Value>(text) {
            Ok(object @ Value::Object(_)) => Some(object),
            Ok(_) => return Err("must be a JSON object: {\"name\": value, …}".into()),
            Err(err) => return Err(format!("is not JSON: {err}")),
        },
    };
    put(json, &field.pointer, value)
}

/// Sets (or, for `None`, removes) the value at `pointer`, making the
/// objects on the way.
fn put(json: &mut Value, pointer: &str, value: Option<Value>) -> Result<(), String> {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return Err(format!("{pointer:?} names nothing"));
    };
    let mut at = &mut *json;
    for segment in parent.split('/').skip(1) {
        at = match at {
            Value::Object(map) => map
                .entry(segment.to_string())
                .or_insert_with(|| Value::Object(Default::default())),
            Value::Array(items) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or_else(|| format!("no {segment} in {parent}"))?,
            _ => return Err(format!("{parent} holds no fields")),
        };
    }
    let Value::Object(map) = at else {
        return Err(format!("{parent} holds no fields"));
    };
    match value {
        Some(value) => {
            map.insert(key.to_string(), value);
        }
        None => {
            map.remove(key);
        }
    }
    Ok(())
}
