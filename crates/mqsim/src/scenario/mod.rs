//! Scenarios: what a run contains, as a file a person can read and share.
//!
//! A scenario is JSON with a `version` and a required `seed`. It is read in two
//! steps, as any input from outside should be:
//!
//! 1. **Parse** ([`ScenarioFile`]): the JSON must have the right shape. Unknown
//!    fields are refused, so a typo is reported instead of ignored. An error
//!    names the field path and the line and column.
//! 2. **Validate** ([`ScenarioFile::validate`] → [`Scenario`]): the values must
//!    make sense together (a producer's topic exists, partition counts are
//!    within limits). Every problem is reported at once, each with its path.
//!
//! Only a [`Scenario`] can start a [`Simulation`](crate::Simulation), so the
//! engine never sees unchecked input. Defaults follow Kafka's own defaults
//! where Kafka has one (`max.poll.records` 500, auto-commit every 5 s,
//! `auto.offset.reset` latest).

pub mod edit;
mod file;
mod growing;
pub mod limits;
pub(crate) use file::defaults;
pub mod link;
pub mod narration;
pub mod presets;
mod rabbit;
mod timeline;
mod validate;

pub use file::{
    Acks, ClusterSpec, CommitMode, FailedAck, Failures, GroupProtocol, GroupSpec, KafkaPane,
    KafkaSpec, KraftSpec, MemberSpec, MetadataSpec, Network, OffsetReset, Pane, ProcessRoles,
    ProducerSpec, RemoteAssignor, Retry, ScenarioFile, ShareGroupSpec, StandaloneSpec, TopicSpec,
    ViewSpec,
};
pub use rabbit::{PublisherSpec, QueueSpec, RabbitConsumerSpec, RabbitFailures, RabbitSpec};
pub use timeline::{
    Intervention, MemberAssignmentSpec, OffsetSpec, POISON_HEADER, PartitionSpec, TimelineEntry,
};

use crate::ids::{ConsumerId, GroupId};
use crate::rabbit::topology::{Binding, Exchange};
use std::borrow::Cow;

use std::fmt;

/// The scenario format version this engine reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A scenario that has passed validation and can be simulated.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario(ScenarioFile);

impl Scenario {
    /// Parses and validates a scenario from JSON text.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        ScenarioFile::from_json(text)?.validate()
    }

    /// The JSON Schema of scenario files, generated from these types: what
    /// editors and other tools can check a file against. Values are checked
    /// further by validation (ranges, references between entries).
    pub fn json_schema() -> serde_json::Value {
        serde_json::to_value(schemars::schema_for!(ScenarioFile)).expect("a schema is JSON")
    }

    /// The validated contents.
    pub fn file(&self) -> &ScenarioFile {
        &self.0
    }

    /// The runs the scenario is: itself, or with Kafka panes
    /// (`view.kafka_panes`) one run per pane, with its title, each the
    /// scenario with that pane's cluster metadata. Validation checked each.
    pub fn runs(&self) -> Vec<(String, Scenario)> {
        if self.0.view.kafka_panes.is_empty() {
            return vec![(String::new(), self.clone())];
        }
        (0..self.0.view.kafka_panes.len())
            .map(|i| {
                let title = self.0.view.kafka_panes[i].title.clone();
                (title, Scenario(self.0.pane_run(i)))
            })
            .collect()
    }

    /// Every consumer of the run, numbered as [`ConsumerId`]s: first the
    /// members each group starts with (group by group), then the members
    /// that join later, in timeline order.
    pub fn consumers(&self) -> Vec<Consumer<'_>> {
        roster(&self.0)
    }

    /// Every topic of the run, numbered as [`TopicId`](crate::ids::TopicId)s:
    /// the scenario's, then those the timeline creates (with the moment
    /// each is created), in timeline order.
    pub fn topics(&self) -> Vec<(&TopicSpec, Option<u64>)> {
        self.0.topics()
    }

    /// Problems that do not stop the run, each named by its path: a group
    /// subscribed to a topic the run never has.
    pub fn warnings(&self) -> Vec<Problem> {
        validate::check(&self.0).1
    }

    /// Every producer of the run, numbered: the scenario's, then those the
    /// timeline adds (with the moment they start), in timeline order.
    pub fn producers(&self) -> Vec<(&ProducerSpec, Option<u64>)> {
        with_added(
            &self.0.kafka.producers,
            &self.0.timeline,
            |action| match action {
                Intervention::ProducerAdd { producer } => Some(producer),
                _ => None,
            },
        )
    }

    /// Every RabbitMQ consumer of the run, numbered: the scenario's, then
    /// those the timeline adds (with the moment they start).
    pub fn rabbit_consumers(&self) -> Vec<(&RabbitConsumerSpec, Option<u64>)> {
        self.0.rabbit_consumers()
    }

    /// Every RabbitMQ queue of the run, numbered: the scenario's, then
    /// those the timeline declares (with the moment they are declared).
    pub fn rabbit_queues(&self) -> Vec<(&QueueSpec, Option<u64>)> {
        self.0.rabbit_queues()
    }

    /// Every RabbitMQ exchange of the run: the scenario's, then those the
    /// timeline declares (with the moment they are declared).
    pub fn rabbit_exchanges(&self) -> Vec<(&Exchange, Option<u64>)> {
        with_added(
            &self.0.rabbit.exchanges,
            &self.0.timeline,
            |action| match action {
                Intervention::RabbitExchangeDeclare { exchange } => Some(exchange),
                _ => None,
            },
        )
    }

    /// Every RabbitMQ publisher of the run, numbered as
    /// [`PublisherId`](crate::ids::PublisherId)s: the scenario's, then
    /// those the timeline adds (with the moment they start).
    pub fn rabbit_publishers(&self) -> Vec<(&PublisherSpec, Option<u64>)> {
        with_added(
            &self.0.rabbit.publishers,
            &self.0.timeline,
            |action| match action {
                Intervention::RabbitPublisherAdd { publisher } => Some(publisher),
                _ => None,
            },
        )
    }

    /// Every RabbitMQ binding of the run, numbered: the scenario's, then
    /// those the timeline adds (with the moment they are made).
    pub fn rabbit_bindings(&self) -> Vec<(&Binding, Option<u64>)> {
        with_added(
            &self.0.rabbit.bindings,
            &self.0.timeline,
            |action| match action {
                Intervention::RabbitBind { binding } => Some(binding),
                _ => None,
            },
        )
    }

    /// The consumer groups the timeline starts, with the moment each
    /// starts. Their [`GroupId`]s follow the scenario's groups and its
    /// standalone consumers' groups of one.
    pub fn added_groups(&self) -> Vec<(&GroupSpec, u64)> {
        added_groups(&self.0)
    }

    /// Every group of the run, numbered as the engine numbers them (see
    /// [`group_id`]): a consumer without a `group.id` has a group of one.
    pub fn groups<'a>(&'a self) -> Vec<GroupEntry<'a>> {
        let kafka = &self.0.kafka;
        fn entry<'a>(name: &'a str, topics: &'a [String], kind: GroupKind) -> GroupEntry<'a> {
            GroupEntry {
                name,
                topics,
                kind,
                by_hand: false,
            }
        }
        let consumers = |g: &'a GroupSpec| GroupEntry {
            by_hand: g.by_hand,
            ..entry(&g.name, &g.topics, GroupKind::Consumer)
        };
        let mut groups: Vec<GroupEntry<'_>> = Vec::new();
        groups.extend(kafka.groups.iter().map(consumers));
        groups.extend(
            (kafka.standalone_consumers.iter())
                .map(|c| entry(&c.name, &c.topics, GroupKind::Standalone)),
        );
        groups.extend(
            kafka
                .share_groups
                .iter()
                .map(|g| entry(&g.name, &g.topics, GroupKind::Share)),
        );
        groups.extend((self.added_groups().into_iter()).map(|(g, _)| consumers(g)));
        groups
    }

    /// The group named `name`: one of the scenario's or one the timeline
    /// starts.
    pub fn group_id(&self, name: &str) -> Option<GroupId> {
        group_id(&self.0, name)
    }

    /// The scenario as pretty-printed JSON, which [`Scenario::from_json`] reads back.
    ///
    /// Written compact (as links are) and then re-indented: serializing
    /// the scenario's types a second time, for the pretty printer, would
    /// put a second copy of that code in the page's WebAssembly.
    pub fn to_json(&self) -> String {
        self.0.to_json()
    }
}

impl ScenarioFile {
    /// The file as pretty-printed JSON, written as [`Scenario::to_json`]
    /// writes it.
    pub fn to_json(&self) -> String {
        let compact = serde_json::to_string(self).expect("scenario files always serialize");
        let mut pretty = Vec::with_capacity(compact.len() * 2);
        let mut reader = serde_json::Deserializer::from_str(&compact);
        serde_transcode::transcode(
            &mut reader,
            &mut serde_json::Serializer::pretty(&mut pretty),
        )
        .expect("compact JSON re-indents");
        String::from_utf8(pretty).expect("JSON is UTF-8")
    }
}

/// The rosters, read from the file itself so that validation can ask them
/// too (of names that need not exist yet).
impl ScenarioFile {
    /// Where the Kafka cluster keeps its metadata: in each Kafka pane, or
    /// as the cluster says.
    pub(crate) fn kafka_modes(&self) -> Vec<&MetadataSpec> {
        if self.view.kafka_panes.is_empty() {
            vec![&self.kafka.cluster.metadata]
        } else {
            self.view.kafka_panes.iter().map(|p| &p.metadata).collect()
        }
    }

    /// Kafka pane `i`'s run: this scenario with the pane's metadata, and
    /// no panes.
    pub(crate) fn pane_run(&self, i: usize) -> ScenarioFile {
        let mut run = self.clone();
        let pane = run.view.kafka_panes.swap_remove(i);
        run.view.kafka_panes.clear();
        run.kafka.cluster.metadata = pane.metadata;
        run
    }

    pub(crate) fn topics(&self) -> Vec<(&TopicSpec, Option<u64>)> {
        with_added(&self.kafka.topics, &self.timeline, |action| match action {
            Intervention::TopicCreate { topic } => Some(topic),
            _ => None,
        })
    }

    pub(crate) fn rabbit_consumers(&self) -> Vec<(&RabbitConsumerSpec, Option<u64>)> {
        with_added(
            &self.rabbit.consumers,
            &self.timeline,
            |action| match action {
                Intervention::RabbitConsumerAdd { consumer } => Some(consumer),
                _ => None,
            },
        )
    }

    pub(crate) fn rabbit_queues(&self) -> Vec<(&QueueSpec, Option<u64>)> {
        with_added(&self.rabbit.queues, &self.timeline, |action| match action {
            Intervention::RabbitQueueDeclare { queue } => Some(queue),
            _ => None,
        })
    }
}

/// One group of a run, as listed by [`Scenario::groups`].
#[derive(Clone, Copy, Debug)]
pub struct GroupEntry<'a> {
    pub name: &'a str,
    pub topics: &'a [String],
    pub kind: GroupKind,
    /// Its members are live clients (`by_hand`): they read outside the run.
    pub by_hand: bool,
}

/// What kind of group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A consumer group: each partition read by one member.
    Consumer,
    /// A consumer without a `group.id`, as a group of one.
    Standalone,
    /// A share group (KIP-932): members share partitions record by record.
    Share,
}

/// One consumer of a run, as listed by [`Scenario::consumers`].
///
/// A standalone consumer (no `group.id`) is given a group of its own,
/// numbered after the scenario's groups, so that the engine and the view
/// treat every consumer alike; its group is marked standalone.
#[derive(Clone, Debug)]
pub struct Consumer<'a> {
    pub id: ConsumerId,
    pub group: GroupId,
    pub spec: Cow<'a, MemberSpec>,
    /// Present when the run starts, rather than joining from the timeline.
    pub from_start: bool,
}

pub(crate) fn roster<'a>(file: &'a ScenarioFile) -> Vec<Consumer<'a>> {
    let mut consumers = Vec::new();
    let mut push = |group: GroupId, spec: Cow<'a, MemberSpec>, from_start| {
        let id = ConsumerId(consumers.len() as u32);
        consumers.push(Consumer {
            id,
            group,
            spec,
            from_start,
        });
    };
    for (g, group) in file.kafka.groups.iter().enumerate() {
        for member in &group.members {
            push(GroupId(g as u32), Cow::Borrowed(member), true);
        }
    }
    let groups = file.kafka.groups.len();
    for (s, standalone) in file.kafka.standalone_consumers.iter().enumerate() {
        push(
            GroupId((groups + s) as u32),
            Cow::Owned(standalone.member()),
            true,
        );
    }
    let before_share = groups + file.kafka.standalone_consumers.len();
    for (s, share) in file.kafka.share_groups.iter().enumerate() {
        for member in &share.members {
            push(
                GroupId((before_share + s) as u32),
                Cow::Borrowed(member),
                true,
            );
        }
    }
    for entry in &file.timeline {
        match &entry.action {
            Intervention::ConsumerJoin { group, member } => {
                if let Some(g) = group_id(file, group) {
                    push(g, Cow::Borrowed(member), false);
                }
            }
            Intervention::GroupAdd { group } => {
                if let Some(g) = group_id(file, &group.name) {
                    for member in &group.members {
                        push(g, Cow::Borrowed(member), false);
                    }
                }
            }
            _ => {}
        }
    }
    consumers
}

/// A roster: the scenario's own entities (`None`: there from the start),
/// then those timeline entries add, picked out by `added`, each with the
/// moment it comes. Its order numbers them, so ids stay stable.
fn with_added<'a, T>(
    own: &'a [T],
    timeline: &'a [TimelineEntry],
    added: impl Fn(&'a Intervention) -> Option<&'a T>,
) -> Vec<(&'a T, Option<u64>)> {
    own.iter()
        .map(|x| (x, None))
        .chain(
            timeline
                .iter()
                .filter_map(|entry| added(&entry.action).map(|x| (x, Some(entry.at_ms)))),
        )
        .collect()
}

fn added_groups(file: &ScenarioFile) -> Vec<(&GroupSpec, u64)> {
    file.timeline
        .iter()
        .filter_map(|entry| match &entry.action {
            Intervention::GroupAdd { group } => Some((group, entry.at_ms)),
            _ => None,
        })
        .collect()
}

/// The group named `name`. The engine numbers groups: the scenario's
/// consumer groups, the standalone consumers' groups of one, the share
/// groups, then the groups the timeline adds.
pub(crate) fn group_id(file: &ScenarioFile, name: &str) -> Option<GroupId> {
    let kafka = &file.kafka;
    let before_share = kafka.groups.len() + kafka.standalone_consumers.len();
    let share = || kafka.share_groups.iter().position(|g| g.name == name);
    let added = || {
        let added = added_groups(file).iter().position(|(g, _)| g.name == name);
        added.map(|a| before_share + kafka.share_groups.len() + a)
    };
    let g = (kafka.groups.iter().position(|g| g.name == name))
        .or_else(|| share().map(|s| before_share + s))
        .or_else(added)?;
    Some(GroupId(g as u32))
}

/// The consumer a timeline entry names, if the roster has one.
pub(crate) fn find_consumer(
    consumers: &[Consumer<'_>],
    file: &ScenarioFile,
    group: Option<&str>,
    member: &str,
) -> Option<ConsumerId> {
    let g = match group {
        Some(group) => group_id(file, group)?.index(),
        // A standalone consumer's group of one comes after the scenario's groups.
        None => {
            let s = file
                .kafka
                .standalone_consumers
                .iter()
                .position(|c| c.name == member)?;
            file.kafka.groups.len() + s
        }
    };
    consumers
        .iter()
        .find(|c| c.group.index() == g && c.spec.name == member)
        .map(|c| c.id)
}

/// What is wrong with a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The text is not JSON of the scenario's shape.
    Syntax {
        /// Where in the document, e.g. `kafka.topics[0].partitions` (empty
        /// when the document itself is broken, and in the browser build:
        /// see [`ScenarioFile::from_json`]).
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON has the right shape, but these values are not acceptable.
    Invalid(Vec<Problem>),
}

/// One invalid value, named by its path in the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Syntax {
                path,
                line,
                column,
                message,
            } => {
                if path.is_empty() {
                    write!(f, "line {line}, column {column}: {message}")
                } else {
                    write!(f, "{path} (line {line}, column {column}): {message}")
                }
            }
            ScenarioError::Invalid(problems) => {
                for (i, problem) in problems.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ScenarioError {}
