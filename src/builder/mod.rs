//! The builder: making and changing a scenario in the page.
//!
//! Everything the builder does is an edit of the scenario file, checked by
//! the engine before it is applied, so the picture on screen is always a
//! valid scenario. There are two kinds of edit, as there are two kinds of
//! change to a real system:
//!
//! - **changing the setup**: the scenario from time zero is different (a
//!   queue has a TTL, a topic has more partitions). The run is replayed to
//!   the moment on screen, which gives the same run as if it had always been
//!   so, because the engine is deterministic;
//! - **doing it now**: something happens at the moment on screen (a topic
//!   is created, a binding added), written into the timeline as an
//!   intervention, as the inspector's kills and crashes are, so a link
//!   replays it.
//!
//! - [`fields`]: each part's settings, where they sit in the JSON and how
//!   they are typed; a field edit goes through JSON and back through the
//!   engine's reader and validation.
//! - [`palette`]: adding parts, with names and settings that work at once.
//! - [`connect`]: dragging from one node to another in the picture.
//! - [`history`]: undo and redo.
//! - [`json_at`]: where a problem's path is in the JSON view's text.
//! - [`store`]: the scenario being built survives a reload.
//! - [`timeline`]: the interventions listed, to jump to or delete.
//!
//! Renaming, deleting and duplicating are the engine's
//! ([`mqsim::scenario::edit`]), which knows what names what.

pub mod connect;
pub mod fields;
pub mod history;
pub mod json_at;
pub mod now;
pub mod palette;
pub mod store;
pub mod timeline;

use crate::inspect::Selection;
use fields::Field;
use history::History;
use mqsim::Scenario;
use mqsim::scenario::edit::{self, Part};
use mqsim::scenario::{ScenarioError, ScenarioFile};
use mqsim::words::Names;

/// The builder's state in the page.
#[derive(Default)]
pub struct Builder {
    /// Whether its panel is shown.
    pub open: bool,
    pub target: Target,
    pub mode: Mode,
    /// What is wrong with the last edit, which was not applied.
    pub problems: Vec<Problem>,
    /// The text of the field being typed in, by its JSON pointer (`""`
    /// for the JSON view), until it is applied: the form shows it instead
    /// of the scenario's value, so a refused value stays beside its reason.
    pub typing: Option<(String, String)>,
    pub history: History,
    /// Whether the builder changed the scenario since it was opened, saved
    /// or shared: work that opening another scenario would lose.
    pub built: bool,
}

impl Builder {
    /// Nothing typed and refused is pending: an edit was applied, undone,
    /// or another form chosen.
    pub fn settle(&mut self) {
        self.problems.clear();
        self.typing = None;
    }

    /// The scenario on screen was saved or shared as it is.
    pub fn saved(&mut self) {
        self.history.saved();
        self.built = false;
    }

    /// Another scenario is on screen: its own undo history, nothing built
    /// in it yet, its form the scenario's. The panel stays as it was.
    pub fn start_over(&mut self) {
        self.history = History::default();
        self.built = false;
        self.target = Target::Scenario;
        self.settle();
    }

    /// The scenario on screen is a draft brought back after a reload: work
    /// that differs from what its address holds.
    pub fn restored(&mut self) {
        self.history.restored();
        self.built = true;
    }
}

/// What the builder's form shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Target {
    /// Name, seed, duration, network.
    #[default]
    Scenario,
    /// The Kafka cluster's brokers and settings.
    Cluster,
    /// What to watch for and what to try.
    Lesson,
    /// A binding, by its place in `rabbit.bindings`.
    Binding(usize),
    /// A named part.
    Part(Part),
    /// A timeline entry, by its place in `timeline`.
    Entry(usize),
}

/// Whether an edit changes the setup or happens now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The scenario from time zero; the run replays to the moment shown.
    #[default]
    Setup,
    /// An intervention at the moment shown, kept in the timeline.
    Now,
}

/// A problem with an edit: the path of what is wrong, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

/// Checks `file` as the engine does; the problems are named by path.
pub fn check(file: ScenarioFile) -> Result<Scenario, Vec<Problem>> {
    file.validate().map_err(|err| problems(err, ""))
}

/// An engine error as problems; a syntax error (which the page's reader
/// names by line and column only) is put at `at`.
fn problems(err: ScenarioError, at: &str) -> Vec<Problem> {
    match err {
        ScenarioError::Invalid(problems) => problems
            .into_iter()
            .map(|p| Problem {
                path: p.path,
                message: p.message,
            })
            .collect(),
        syntax @ ScenarioError::Syntax { .. } => vec![Problem {
            path: at.to_string(),
            message: syntax.to_string(),
        }],
    }
}

/// `file` with `field` of `target` set to `text`, checked.
pub fn set_field(
    file: &ScenarioFile,
    target: &Target,
    field: &Field,
    text: &str,
) -> Result<Scenario, Vec<Problem>> {
    let at = field.path();
    if let (fields::Input::Name, Target::Part(part)) = (field.input, target) {
        let mut renamed = file.clone();
        edit::rename(&mut renamed, part, text.trim());
        return check(renamed);
    }
    let mut json = fields::json_of(file);
    fields::write(&mut json, field, text).map_err(|message| {
        vec![Problem {
            path: at.clone(),
            message,
        }]
    })?;
    let mut edited =
        ScenarioFile::from_json(&json.to_string()).map_err(|err| problems(err, &at))?;
    if let Target::Entry(_) = target {
        // An entry moved to another moment takes its place in time order.
        mqsim::sort::sort_by_key(&mut edited.timeline, |entry| entry.at_ms);
    }
    check(edited)
}

/// The JSON view's text read as a scenario; a problem in the text is named
/// by line and column, one in the values by path.
pub fn from_text(text: &str) -> Result<Scenario, Vec<Problem>> {
    let file = ScenarioFile::from_json(text).map_err(|err| problems(err, ""))?;
    check(file).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| match json_at::locate(text, &p.path) {
                Some((line, column)) => Problem {
                    message: format!("line {line}, column {column}: {}", p.message),
                    ..p
                },
                None => p,
            })
            .collect()
    })
}

/// The scenario as the JSON view shows it.
pub fn to_text(file: &ScenarioFile) -> String {
    file.to_json()
}

/// The form for something picked in the picture: its part of the scenario
/// (a partition's topic, a broker's cluster); none for a record or a
/// message.
pub fn target_of(scenario: &Scenario, names: &Names, picked: Selection) -> Option<Target> {
    let part = match picked {
        Selection::Broker(_) | Selection::Controller(_) => return Some(Target::Cluster),
        Selection::Partition(tp) => Part::Topic(names.topic(tp.topic).to_string()),
        Selection::Producer(id) => Part::Producer(names.producer(id).to_string()),
        Selection::Consumer(id) => {
            let consumer = scenario.consumers().into_iter().find(|c| c.id == id)?;
            let name = consumer.spec.name.clone();
            // Group ids number the scenario's groups, then its standalone
            // consumers, then the groups the timeline adds.
            let kafka = &scenario.file().kafka;
            let groups = kafka.groups.len();
            let standalone = groups..groups + kafka.standalone_consumers.len();
            if standalone.contains(&consumer.group.index()) {
                Part::Standalone(name)
            } else {
                Part::Member {
                    group: names.group(consumer.group).to_string(),
                    name,
                }
            }
        }
        Selection::Publisher(id) => Part::Publisher(names.publisher(id).to_string()),
        Selection::Queue(id) => Part::Queue(names.queue(id).to_string()),
        Selection::RabbitConsumer(id) => Part::Consumer(names.rabbit_consumer(id).to_string()),
        Selection::Record(_) | Selection::Message(_) | Selection::MetadataRecord(_) => return None,
    };
    Some(Target::Part(part))
}

/// Where the form goes after `field` of `target` in `file` was set to
/// `text`: a renamed part's form under its new name, an entry moved in
/// time where it now is (in time order, after those already at that
/// moment, as the timeline is sorted: stably).
pub fn followed(target: &Target, field: &Field, text: &str, file: &ScenarioFile) -> Target {
    match target {
        Target::Part(part) if field.input == fields::Input::Name => {
            Target::Part(part.with_name(text.trim()))
        }
        Target::Entry(i) if field.label == "at_ms" => {
            let Ok(at) = text.trim().parse::<u64>() else {
                return target.clone();
            };
            let before = |(j, entry): &(usize, &mqsim::scenario::TimelineEntry)| {
                entry.at_ms < at || (entry.at_ms == at && j < i)
            };
            let others = file.timeline.iter().enumerate().filter(|(j, _)| j != i);
            Target::Entry(others.filter(before).count())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::palette::{self, Add};

    /// A scenario built with the palette: an exchange, a queue, a binding.
    fn built() -> ScenarioFile {
        let mut file = edit::Blank::Both.scenario();
        for what in [
            Add::Topic,
            Add::Group,
            Add::Exchange,
            Add::Queue,
            Add::Binding,
        ] {
            file = palette::add(&file, what, &Target::Scenario).unwrap().file;
        }
        file
    }

    fn field(file: &ScenarioFile, target: &Target, label: &str) -> Field {
        fields::fields(file, target)
            .into_iter()
            .find(|f| f.label == label)
            .unwrap_or_else(|| panic!("no field {label}"))
    }

    fn set(
        file: &ScenarioFile,
        target: &Target,
        label: &str,
        text: &str,
    ) -> Result<ScenarioFile, Vec<Problem>> {
        let field = field(file, target, label);
        set_field(file, target, &field, text).map(|s| s.file().clone())
    }

    #[test]
    fn a_queue_argument_is_set_read_back_and_left_out_when_emptied() {
        let file = built();
        let queue = Target::Part(Part::Queue("queue".into()));
        let with_ttl = set(&file, &queue, "x-message-ttl", "5000").unwrap();
        let ttl = field(&with_ttl, &queue, "x-message-ttl");
        assert_eq!(ttl.path(), "rabbit.queues[0].arguments.x-message-ttl");
        assert_eq!(fields::read(&fields::json_of(&with_ttl), &ttl), "5000");
        let without = set(&with_ttl, &queue, "x-message-ttl", "").unwrap();
        assert_eq!(without, file);
    }

    #[test]
    fn a_refused_value_is_named_by_its_fields_path() {
        let file = built();
        let topic = Target::Part(Part::Topic("topic".into()));
        let problems = set(&file, &topic, "partitions", "0").unwrap_err();
        assert_eq!(problems[0].path, "kafka.topics[0].partitions");
        assert!(problems[0].message.contains("1..=1024"), "{problems:?}");
        let problems = set(&file, &topic, "partitions", "many").unwrap_err();
        assert_eq!(problems[0].path, "kafka.topics[0].partitions");
        assert_eq!(problems[0].message, "must be a whole number, got \"many\"");
        let queue = Target::Part(Part::Queue("queue".into()));
        let problems = set(&file, &queue, "x-message-ttl", "-1").unwrap_err();
        assert_eq!(problems[0].path, "rabbit.queues[0].arguments.x-message-ttl");
    }

    #[test]
    fn renaming_through_the_name_field_carries_references_and_refuses_a_taken_name() {
        let file = built();
        let queue = Target::Part(Part::Queue("queue".into()));
        let renamed = set(&file, &queue, "name", "india-all").unwrap();
        assert_eq!(renamed.rabbit.bindings[0].destination.name(), "india-all");
        let exchange = Target::Part(Part::Exchange("exchange".into()));
        let mut two = palette::add(&file, Add::Exchange, &exchange).unwrap().file;
        two.rabbit.exchanges[1].name = "orders".into();
        let problems = set(&two, &exchange, "name", "orders").unwrap_err();
        assert!(problems[0].message.contains("used twice"), "{problems:?}");
    }

    #[test]
    fn a_tagged_setting_writes_the_object_of_its_tag() {
        let file = built();
        let group = Target::Part(Part::Group("group".into()));
        let batch = set(&file, &group, "commit", "after_batch").unwrap();
        assert_eq!(
            batch.kafka.groups[0].commit,
            mqsim::scenario::CommitMode::AfterBatch
        );
        let problems = set(&batch, &group, "auto.commit.interval.ms", "1000").unwrap_err();
        assert!(
            problems[0].message.contains("does not apply"),
            "{problems:?}"
        );
        let auto = set(&batch, &group, "commit", "auto").unwrap();
        assert_eq!(auto, file);
    }

    #[test]
    fn lists_tables_and_the_lesson_read_as_they_are_written() {
        let file = built();
        let binding = Target::Binding(0);
        let headers = set(
            &file,
            &binding,
            "arguments",
            r#"{"x-match": "any", "n": [1, {"a": 2}]}"#,
        );
        assert!(headers.is_ok(), "{headers:?}");
        let problems = set(&file, &binding, "arguments", "[1]").unwrap_err();
        assert_eq!(problems[0].path, "rabbit.bindings[0].arguments");
        let lesson = set(
            &file,
            &Target::Lesson,
            "watch for",
            "ready {ready queue}\n\n second",
        )
        .unwrap();
        assert_eq!(
            lesson.narration.unwrap().watch_for,
            ["ready {ready queue}", "second"]
        );
        let problems = set(&file, &Target::Lesson, "watch for", "{ready nowhere}").unwrap_err();
        assert_eq!(problems[0].path, "narration.watch_for[0]");
    }

    #[test]
    fn the_json_views_problems_name_line_and_column_or_path() {
        let problems = from_text("{\n  \"version\": 1,\n  \"name\": }").unwrap_err();
        assert!(
            problems[0].message.contains("line 3, column 11"),
            "{problems:?}"
        );
        let text = to_text(&built()).replace("\"partitions\": 3", "\"partitions\": 0");
        let problems = from_text(&text).unwrap_err();
        assert_eq!(problems[0].path, "kafka.topics[0].partitions");
        let line = text
            .lines()
            .position(|l| l.contains("\"partitions\": 0"))
            .unwrap()
            + 1;
        assert_eq!(
            problems[0].message,
            format!("line {line}, column 23: must be 1..=1024, got 0")
        );
        assert_eq!(from_text(&to_text(&built())).unwrap().file(), &built());
    }

    #[test]
    fn a_part_the_timeline_starts_is_edited_in_its_entry() {
        let mut file = built();
        let later: Vec<mqsim::scenario::TimelineEntry> = serde_json::from_str(
            r#"[
              {"at_ms": 2000, "do": "rabbit_queue_declare", "queue": {"name": "audit"}},
              {"at_ms": 3000, "do": "group_add", "group": {"name": "late", "topics": ["topic"], "members": [{"name": "a"}, {"name": "b"}]}}
            ]"#,
        )
        .unwrap();
        file.timeline.extend(later);
        let audit = Target::Part(Part::Queue("audit".into()));
        let ttl = field(&file, &audit, "x-message-ttl");
        assert_eq!(ttl.path(), "timeline[0].queue.arguments.x-message-ttl");
        let with_ttl = set(&file, &audit, "x-message-ttl", "5000").unwrap();
        assert_eq!(fields::read(&fields::json_of(&with_ttl), &ttl), "5000");
        let problems = set(&file, &audit, "x-message-ttl", "-1").unwrap_err();
        assert_eq!(problems[0].path, ttl.path());
        let b = Target::Part(Part::Member {
            group: "late".into(),
            name: "b".into(),
        });
        let records = field(&file, &b, "max.poll.records");
        assert_eq!(
            records.path(),
            "timeline[1].group.members[1].max_poll_records"
        );
        let scenario = file.clone().validate().unwrap();
        let picked = Selection::Consumer(mqsim::ids::ConsumerId(2));
        let names = Names::new(&scenario);
        assert_eq!(target_of(&scenario, &names, picked), Some(b.clone()));
        let renamed = set(&file, &b, "name", "c").unwrap();
        assert_eq!(renamed.timeline[1].action, {
            let mut json = fields::json_of(&file);
            json["timeline"][1]["group"]["members"][1]["name"] = "c".into();
            ScenarioFile::from_json(&json.to_string()).unwrap().timeline[1]
                .action
                .clone()
        });
    }

    /// The cluster's form shows the settings of its metadata mode only:
    /// ZooKeeper's session timeout, or the quorum's and the brokers'.
    #[test]
    fn the_cluster_form_shows_the_settings_of_its_metadata_mode() {
        let file = built();
        let labels = |file: &ScenarioFile| -> Vec<&str> {
            let fields = fields::fields(file, &Target::Cluster);
            fields.iter().map(|f| f.label).collect()
        };
        let zookeeper = set(&file, &Target::Cluster, "metadata", "zookeeper").unwrap();
        let zookeeper = labels(&zookeeper);
        assert!(zookeeper.contains(&"zookeeper.session.timeout.ms"));
        assert!(zookeeper.contains(&"metadata"));
        assert!(!zookeeper.contains(&"broker.session.timeout.ms"));
        assert!(!zookeeper.contains(&"controllers"));
        let kraft = labels(&file);
        assert!(!kraft.contains(&"zookeeper.session.timeout.ms"));
        for label in [
            "metadata",
            "controllers",
            "process.roles",
            "broker.session.timeout.ms",
        ] {
            assert!(kraft.contains(&label), "{label}");
        }
    }

    #[test]
    fn a_timeline_entry_has_its_moment_and_its_fields_as_the_format_names_them() {
        let mut file = built();
        file.kafka.cluster.brokers = 3;
        let later: Vec<mqsim::scenario::TimelineEntry> = serde_json::from_str(
            r#"[
              {"at_ms": 1000, "do": "rabbit_queue_declare", "queue": {"name": "audit"}},
              {"at_ms": 2000, "do": "rabbit_bind", "binding": {"source": "exchange", "destination": "audit", "destination_type": "queue", "routing_key": "a.*"}},
              {"at_ms": 3000, "do": "broker_kill", "broker": 1}
            ]"#,
        )
        .unwrap();
        file.timeline.extend(later);
        let labels = |i| -> Vec<&str> {
            let fields = fields::fields(&file, &Target::Entry(i));
            fields.iter().map(|f| f.label).collect()
        };
        assert_eq!(labels(0), ["at_ms"], "the queue has its own form");
        assert_eq!(
            labels(1),
            [
                "at_ms",
                "source",
                "destination_type",
                "destination",
                "routing key",
                "arguments"
            ]
        );
        assert_eq!(labels(2), ["at_ms", "broker"]);
        assert!(fields::fields(&file, &Target::Entry(3)).is_empty());

        let bind = Target::Entry(1);
        let keyed = set(&file, &bind, "routing key", "b.#").unwrap();
        assert_eq!(
            fields::read(
                &fields::json_of(&keyed),
                &field(&file, &bind, "routing key")
            ),
            "b.#"
        );
        let kill = Target::Entry(2);
        let problems = set(&file, &kill, "broker", "7").unwrap_err();
        assert_eq!(problems[0].path, "timeline[2].broker");
        let second = set(&file, &kill, "broker", "2").unwrap();
        assert_eq!(
            second.timeline[2].action,
            mqsim::scenario::Intervention::BrokerKill { broker: 2 }
        );
        // Moved before the others, it is first in time order, and its form
        // follows it there.
        let at = field(&file, &kill, "at_ms");
        let moved = set_field(&file, &kill, &at, "500").unwrap();
        assert_eq!(moved.file().timeline[0].at_ms, 500);
        assert_eq!(followed(&kill, &at, "500", &file), Target::Entry(0));
        let problems = set(&file, &Target::Entry(1), "at_ms", "500").unwrap_err();
        assert!(
            problems[0].message.contains("no queue named \"audit\""),
            "bound before the queue is declared: {problems:?}"
        );
    }

    #[test]
    fn the_cluster_form_sets_the_metadata_mode_and_the_quorum() {
        use mqsim::scenario::{MetadataSpec, ProcessRoles};
        let file = built();
        let cluster = Target::Cluster;
        let zookeeper = set(&file, &cluster, "metadata", "zookeeper").unwrap();
        assert_eq!(zookeeper.kafka.cluster.metadata, MetadataSpec::Zookeeper);
        let kraft = set(&zookeeper, &cluster, "metadata", "kraft").unwrap();
        let five = set(&kraft, &cluster, "controllers", "5").unwrap();
        let combined = set(&five, &cluster, "brokers", "5").unwrap();
        let combined = set(&combined, &cluster, "process.roles", "broker,controller").unwrap();
        let MetadataSpec::Kraft(spec) = &combined.kafka.cluster.metadata else {
            panic!("KRaft");
        };
        assert_eq!(
            (spec.controllers, spec.process_roles),
            (5, ProcessRoles::BrokerController)
        );
        let problems = set(&kraft, &cluster, "controllers", "4").unwrap_err();
        assert_eq!(problems[0].message, "must be 1, 3 or 5, got 4");
    }

    /// A group's form shows the settings of its protocol; switching to
    /// the consumer protocol drops the classic protocol's own settings
    /// (which it would refuse) and offers the coordinator's assignors.
    #[test]
    fn the_group_form_shows_the_settings_of_its_protocol() {
        use mqsim::scenario::{GroupProtocol, RemoteAssignor};
        let file = built();
        let group = Target::Part(Part::Group("group".into()));
        let labels = |file: &ScenarioFile| -> Vec<&str> {
            fields::fields(file, &group)
                .iter()
                .map(|f| f.label)
                .collect()
        };
        let classic = set(&file, &group, "partition.assignment.strategy", "sticky").unwrap();
        let classic = set(&classic, &group, "session.timeout.ms", "10000").unwrap();
        assert!(labels(&classic).contains(&"partition.assignment.strategy"));
        assert!(!labels(&classic).contains(&"group.remote.assignor"));
        let consumer = set(&classic, &group, "group.protocol", "consumer").unwrap();
        let g = &consumer.kafka.groups[0];
        assert_eq!(g.protocol, GroupProtocol::Consumer);
        assert_eq!(
            g.assignment_strategy,
            file.kafka.groups[0].assignment_strategy
        );
        assert!(labels(&consumer).contains(&"group.remote.assignor"));
        assert!(!labels(&consumer).contains(&"partition.assignment.strategy"));
        assert!(!labels(&consumer).contains(&"session.timeout.ms"));
        let range = set(&consumer, &group, "group.remote.assignor", "range").unwrap();
        assert_eq!(range.kafka.groups[0].remote_assignor, RemoteAssignor::Range);
        let back = set(&range, &group, "group.protocol", "classic").unwrap();
        assert_eq!(
            back.kafka.groups[0].remote_assignor,
            RemoteAssignor::default()
        );
    }

    #[test]
    fn what_is_picked_in_the_picture_opens_its_form() {
        use mqsim::ids::{BrokerId, ConsumerId, QueueId, TopicId, TopicPartition};
        let mut file = built();
        file = palette::add(&file, Add::RabbitConsumer, &Target::Scenario)
            .unwrap()
            .file;
        let scenario = file.validate().unwrap();
        let names = Names::new(&scenario);
        let of = |picked| target_of(&scenario, &names, picked);
        assert_eq!(of(Selection::Broker(BrokerId(0))), Some(Target::Cluster));
        assert_eq!(
            of(Selection::Partition(TopicPartition {
                topic: TopicId(0),
                partition: 1
            })),
            Some(Target::Part(Part::Topic("topic".into())))
        );
        assert_eq!(
            of(Selection::Consumer(ConsumerId(0))),
            Some(Target::Part(Part::Member {
                group: "group".into(),
                name: "group-1".into()
            }))
        );
        assert_eq!(
            of(Selection::Queue(QueueId(0))),
            Some(Target::Part(Part::Queue("queue".into())))
        );
        assert_eq!(of(Selection::Message(mqsim::ids::MessageId(0))), None);
    }

    #[test]
    fn panes_are_written_one_per_line_and_name_their_queues() {
        let mut file = built();
        file = palette::add(&file, Add::Queue, &Target::Scenario)
            .unwrap()
            .file;
        let panes = set(
            &file,
            &Target::Scenario,
            "panes",
            "Work: queue\nBoth: queue, queue-2",
        )
        .unwrap();
        assert_eq!(panes.view.panes.len(), 2);
        assert_eq!(panes.view.panes[1].queues, ["queue", "queue-2"]);
        let shown = fields::read(
            &fields::json_of(&panes),
            &field(&panes, &Target::Scenario, "panes"),
        );
        assert_eq!(shown, "Work: queue\nBoth: queue, queue-2");
        let problems = set(&file, &Target::Scenario, "panes", "Work: nowhere").unwrap_err();
        assert_eq!(problems[0].path, "view.panes[0].queues[0]");
        let problems = set(&file, &Target::Scenario, "panes", "no colon").unwrap_err();
        assert_eq!(problems[0].path, "view.panes");
    }
}
