//! The palette: adding a part, with a free name and settings that work at
//! once (a producer sends, a consumer consumes), next to what is selected
//! where that makes sense (a binding from the selected exchange, a
//! consumer of the selected queue).
//!
//! Each addition changes the setup; all but a broker can also be done
//! now, as the intervention Kafka or RabbitMQ has for it
//! (`kafka-topics --create`, `exchange.declare`, `queue.declare`,
//! `queue.bind`, a client starting).

use super::{Mode, Target};
use mqsim::rabbit::topology::{Binding, Destination, Exchange, ExchangeType};
use mqsim::scenario::edit::{self, Part};
use mqsim::scenario::{
    GroupSpec, Intervention, MemberSpec, ProducerSpec, PublisherSpec, QueueSpec,
    RabbitConsumerSpec, ScenarioFile, ShareGroupSpec, TopicSpec,
};
use serde_json::json;

/// What the palette can add, each named by its button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Add {
    Broker,
    Topic,
    Producer,
    Group,
    /// A share group (KIP-932).
    ShareGroup,
    /// A member of a consumer group or a share group.
    Consumer,
    Exchange,
    Queue,
    Binding,
    Publisher,
    /// A RabbitMQ consumer.
    RabbitConsumer,
}

impl Add {
    pub const KAFKA: [Add; 6] = [
        Add::Broker,
        Add::Topic,
        Add::Producer,
        Add::Group,
        Add::ShareGroup,
        Add::Consumer,
    ];
    pub const RABBIT: [Add; 5] = [
        Add::Exchange,
        Add::Queue,
        Add::Binding,
        Add::Publisher,
        Add::RabbitConsumer,
    ];

    /// The button's name.
    pub fn label(self) -> &'static str {
        match self {
            Add::Broker => "Add broker",
            Add::Topic => "Add topic",
            Add::Producer => "Add producer",
            Add::Group => "Add consumer group",
            Add::ShareGroup => "Add share group",
            Add::Consumer | Add::RabbitConsumer => "Add consumer",
            Add::Exchange => "Add exchange",
            Add::Queue => "Add queue",
            Add::Binding => "Add binding",
            Add::Publisher => "Add publisher",
        }
    }

    /// Whether it can be done now, as an intervention. (Kafka has no
    /// "create group"; a share group is set up before the run here.)
    pub fn now(self) -> bool {
        !matches!(self, Add::Broker | Add::ShareGroup)
    }
}

/// The outcome of adding: the scenario with the part in its setup, and the
/// form to show.
pub struct Added {
    pub file: ScenarioFile,
    pub target: Target,
    /// The same addition as an intervention, for doing it now.
    pub now: Option<Intervention>,
    /// Why it can only be done now, if it can only be done now.
    pub only_now: Option<String>,
}

/// Adds `what` to `file`, next to `near` (what is selected). Refused, with
/// what to add first, where the part needs another that is not there.
pub fn add(file: &ScenarioFile, what: Add, near: &Target) -> Result<Added, String> {
    let mut file = file.clone();
    let kafka = &mut file.kafka;
    let selected = |kind: fn(&Part) -> bool| match near {
        Target::Part(part) if kind(part) => Some(part.name().to_string()),
        _ => None,
    };
    let first = |names: Vec<&String>| names.first().map(|n| n.to_string());
    let (target, now) = match what {
        Add::Broker => {
            kafka.cluster.brokers += 1;
            (Target::Cluster, None)
        }
        Add::Topic => {
            let name = edit::fresh_name(&file, &Part::Topic(String::new()), "topic");
            let topic: TopicSpec = read(json!({"name": name, "partitions": 3}));
            file.kafka.topics.push(topic.clone());
            (
                Target::Part(Part::Topic(name)),
                Some(Intervention::TopicCreate { topic }),
            )
        }
        Add::Producer => {
            let topic = selected(|p| matches!(p, Part::Topic(_)))
                .or_else(|| first(kafka.topics.iter().map(|t| &t.name).collect()))
                .ok_or("Add a topic first: a producer sends to one")?;
            let name = edit::fresh_name(&file, &Part::Producer(String::new()), "producer");
            let producer = ProducerSpec::new(&name, &topic, 2.0);
            file.kafka.producers.push(producer.clone());
            (
                Target::Part(Part::Producer(name)),
                Some(Intervention::ProducerAdd { producer }),
            )
        }
        Add::Group => {
            let topic = selected(|p| matches!(p, Part::Topic(_)))
                .or_else(|| first(kafka.topics.iter().map(|t| &t.name).collect()))
                .ok_or("Add a topic first: a consumer group reads one")?;
            let name = edit::fresh_name(&file, &Part::Group(String::new()), "group");
            let group: GroupSpec = read(json!({
                "name": name, "topics": [topic], "members": [{"name": format!("{name}-1")}]
            }));
            file.kafka.groups.push(group.clone());
            (
                Target::Part(Part::Group(name)),
                Some(Intervention::GroupAdd { group }),
            )
        }
        Add::ShareGroup => {
            let topic = selected(|p| matches!(p, Part::Topic(_)))
                .or_else(|| first(kafka.topics.iter().map(|t| &t.name).collect()))
                .ok_or("Add a topic first: a share group reads one")?;
            let name = edit::fresh_name(&file, &Part::ShareGroup(String::new()), "share-group");
            let group: ShareGroupSpec = read(json!({
                "name": name, "topics": [topic], "members": [{"name": format!("{name}-1")}]
            }));
            file.kafka.share_groups.push(group);
            return Ok(Added {
                file,
                target: Target::Part(Part::ShareGroup(name)),
                now: None,
                only_now: None,
            });
        }
        Add::Consumer => {
            let group = match near {
                Target::Part(
                    Part::Group(g) | Part::ShareGroup(g) | Part::Member { group: g, .. },
                ) => Some(g.clone()),
                // Next to a topic: a consumer of its own, without a group.
                Target::Part(Part::Topic(_)) => None,
                _ => first(kafka.groups.iter().map(|g| &g.name).collect()),
            };
            let Some(group) = group else {
                let topic = selected(|p| matches!(p, Part::Topic(_)))
                    .or_else(|| first(kafka.topics.iter().map(|t| &t.name).collect()))
                    .ok_or("Add a topic first: a consumer reads one")?;
                let name = edit::fresh_name(&file, &Part::Standalone(String::new()), "consumer");
                let consumer = read(json!({"name": name, "topics": [topic]}));
                file.kafka.standalone_consumers.push(consumer);
                // Kafka has no intervention that starts a consumer outside
                // a group: it is part of the setup.
                return Ok(Added {
                    file,
                    target: Target::Part(Part::Standalone(name)),
                    now: None,
                    only_now: None,
                });
            };
            let base = Part::Member {
                group: group.clone(),
                name: String::new(),
            };
            let name = (1..)
                .map(|n| format!("{group}-{n}"))
                .find(|n| edit::fresh_name(&file, &base, n) == *n)
                .expect("a free name");
            let member: MemberSpec = read(json!({ "name": name }));
            let target = Target::Part(base.with_name(&name));
            let now = Some(Intervention::ConsumerJoin {
                group: group.clone(),
                member: member.clone(),
            });
            let kafka = &mut file.kafka;
            let members = (kafka.groups.iter_mut().find(|g| g.name == group))
                .map(|g| &mut g.members)
                .or_else(|| {
                    (kafka.share_groups.iter_mut().find(|g| g.name == group))
                        .map(|g| &mut g.members)
                });
            let Some(members) = members else {
                // A group the timeline started: it can only be joined now.
                return Ok(Added {
                    only_now: Some(format!(
                        "Consumer group {group:?} starts in the timeline, not in the setup: choose \"Do it now\" to add a consumer to it."
                    )),
                    file,
                    target,
                    now,
                });
            };
            members.push(member);
            (target, now)
        }
        Add::Exchange => {
            let name = edit::fresh_name(&file, &Part::Exchange(String::new()), "exchange");
            let exchange = Exchange {
                name: name.clone(),
                kind: ExchangeType::Direct,
                internal: false,
                alternate_exchange: None,
            };
            file.rabbit.exchanges.push(exchange.clone());
            (
                Target::Part(Part::Exchange(name)),
                Some(Intervention::RabbitExchangeDeclare { exchange }),
            )
        }
        Add::Queue => {
            let name = edit::fresh_name(&file, &Part::Queue(String::new()), "queue");
            let queue = QueueSpec {
                name: name.clone(),
                arguments: Default::default(),
            };
            file.rabbit.queues.push(queue.clone());
            (
                Target::Part(Part::Queue(name)),
                Some(Intervention::RabbitQueueDeclare { queue }),
            )
        }
        Add::Binding => {
            let rabbit = &file.rabbit;
            let source = selected(|p| matches!(p, Part::Exchange(_)))
                .or_else(|| first(rabbit.exchanges.iter().map(|x| &x.name).collect()))
                .ok_or("Add an exchange first: a binding routes from one")?;
            let queue = selected(|p| matches!(p, Part::Queue(_)))
                .or_else(|| first(rabbit.queues.iter().map(|q| &q.name).collect()))
                .ok_or("Add a queue first: a binding routes to one")?;
            let binding = Binding {
                source,
                destination: Destination::Queue(queue),
                routing_key: String::new(),
                arguments: Default::default(),
            };
            file.rabbit.bindings.push(binding.clone());
            (
                Target::Binding(file.rabbit.bindings.len() - 1),
                Some(Intervention::RabbitBind { binding }),
            )
        }
        Add::Publisher => {
            // The default exchange ("") when there is no other.
            let exchange = selected(|p| matches!(p, Part::Exchange(_)))
                .or_else(|| first(file.rabbit.exchanges.iter().map(|x| &x.name).collect()))
                .unwrap_or_default();
            let name = edit::fresh_name(&file, &Part::Publisher(String::new()), "publisher");
            let publisher: PublisherSpec =
                read(json!({"name": name, "exchange": exchange, "rate_per_sec": 1}));
            file.rabbit.publishers.push(publisher.clone());
            (
                Target::Part(Part::Publisher(name)),
                Some(Intervention::RabbitPublisherAdd { publisher }),
            )
        }
        Add::RabbitConsumer => {
            let queue = selected(|p| matches!(p, Part::Queue(_)))
                .or_else(|| first(file.rabbit.queues.iter().map(|q| &q.name).collect()))
                .ok_or("Add a queue first: a consumer consumes from one")?;
            let name = edit::fresh_name(&file, &Part::Consumer(String::new()), "consumer");
            let consumer = RabbitConsumerSpec::new(&name, &queue);
            file.rabbit.consumers.push(consumer.clone());
            (
                Target::Part(Part::Consumer(name)),
                Some(Intervention::RabbitConsumerAdd { consumer }),
            )
        }
    };
    Ok(Added {
        file,
        target,
        now,
        only_now: None,
    })
}

/// A part written as JSON, read as a scenario file reads it (names are
/// escaped by `json!`, so any name a scenario allows reads back).
fn read<T: serde::de::DeserializeOwned>(json: serde_json::Value) -> T {
    serde_json::from_str(&json.to_string()).expect("the palette writes parts that read")
}

/// What `mode` does with `what`, in words, for its button's title.
pub fn explain(what: Add, mode: Mode) -> &'static str {
    match (mode, what.now()) {
        (Mode::Setup, _) => {
            "Adds it to the setup: the run replays to this moment as if it had always been there"
        }
        (Mode::Now, true) => {
            "Does it now: kept in the timeline at this moment, so a link replays it"
        }
        (Mode::Now, false) => "Only as a change to the setup: switch to \"Change the setup\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::scenario::edit::Blank;

    fn added(file: &ScenarioFile, what: Add, near: &Target) -> ScenarioFile {
        let added = add(file, what, near).expect("added");
        added.file.clone().validate().expect("valid");
        added.file
    }

    #[test]
    fn the_design_notes_topology_builds_from_a_blank_one_valid_step_at_a_time() {
        let mut file = Blank::Rabbit.scenario();
        for what in [
            Add::Exchange,
            Add::Queue,
            Add::Queue,
            Add::Binding,
            Add::Publisher,
        ] {
            file = added(&file, what, &Target::Scenario);
        }
        let near = Target::Part(Part::Queue("queue-2".into()));
        file = added(&file, Add::Binding, &near);
        file = added(&file, Add::RabbitConsumer, &near);
        let r = &file.rabbit;
        assert_eq!(r.queues[1].name, "queue-2");
        assert_eq!(r.bindings[1].destination.name(), "queue-2");
        assert_eq!(r.publishers[0].exchange, "exchange");
        assert_eq!(r.consumers[0].queue, "queue-2");
    }

    #[test]
    fn names_with_quotes_and_backslashes_are_written_as_they_are() {
        let mut file = Blank::Both.scenario();
        file = added(&file, Add::Exchange, &Target::Scenario);
        file.rabbit.exchanges[0].name = r#"say "hi" \ there"#.into();
        file = added(&file, Add::Publisher, &Target::Scenario);
        assert_eq!(file.rabbit.publishers[0].exchange, r#"say "hi" \ there"#);
        file = added(&file, Add::Topic, &Target::Scenario);
        file = added(&file, Add::Group, &Target::Scenario);
        file.kafka.groups[0].name = r#"g"1"#.into();
        let group = Target::Part(Part::Group(r#"g"1"#.into()));
        file = added(&file, Add::Consumer, &group);
        assert_eq!(file.kafka.groups[0].members[1].name, r#"g"1-1"#);
    }

    #[test]
    fn a_part_that_needs_another_says_which() {
        let blank = Blank::Both.scenario();
        let refused = |what| add(&blank, what, &Target::Scenario).err();
        assert_eq!(
            refused(Add::Producer).as_deref(),
            Some("Add a topic first: a producer sends to one")
        );
        assert!(
            refused(Add::Binding)
                .unwrap()
                .starts_with("Add an exchange first")
        );
        assert!(
            refused(Add::RabbitConsumer)
                .unwrap()
                .starts_with("Add a queue first")
        );
        assert!(
            refused(Add::Consumer)
                .unwrap()
                .starts_with("Add a topic first")
        );
        // A publisher needs no exchange of its own: the default one is there.
        assert!(refused(Add::Publisher).is_none());
    }

    #[test]
    fn a_kafka_cluster_builds_from_a_blank_with_members_named_after_their_group() {
        let mut file = Blank::Kafka.scenario();
        for what in [
            Add::Broker,
            Add::Broker,
            Add::Topic,
            Add::Producer,
            Add::Group,
        ] {
            file = added(&file, what, &Target::Scenario);
        }
        let group = Target::Part(Part::Group("group".into()));
        file = added(&file, Add::Consumer, &group);
        assert_eq!(file.kafka.cluster.brokers, 3);
        let members: Vec<_> = file.kafka.groups[0]
            .members
            .iter()
            .map(|m| &m.name)
            .collect();
        assert_eq!(members, ["group-1", "group-2"]);
        // Next to a topic, a consumer without a group.
        let topic = Target::Part(Part::Topic("topic".into()));
        let alone = added(&file, Add::Consumer, &topic);
        assert_eq!(alone.kafka.standalone_consumers[0].topics, ["topic"]);
        // Doing it now joins the group with the same member.
        let now = add(&file, Add::Consumer, &group).unwrap().now;
        assert!(
            matches!(now, Some(Intervention::ConsumerJoin { member, .. }) if member.name == "group-3")
        );
    }

    /// A share group is added to the setup reading the selected topic;
    /// a consumer added next to it joins it; its form has the share
    /// group's settings, and the scenario runs.
    #[test]
    fn a_share_group_builds_with_its_members_and_settings() {
        let mut file = Blank::Kafka.scenario();
        for what in [Add::Topic, Add::Producer, Add::ShareGroup] {
            file = added(&file, what, &Target::Scenario);
        }
        assert!(!Add::ShareGroup.now(), "set up before the run");
        let share = Target::Part(Part::ShareGroup("share-group".into()));
        file = added(&file, Add::Consumer, &share);
        let group = &file.kafka.share_groups[0];
        assert_eq!(group.topics, ["topic"]);
        let members: Vec<_> = group.members.iter().map(|m| &m.name).collect();
        assert_eq!(members, ["share-group-1", "share-group-2"]);
        let labels: Vec<&str> = crate::builder::fields::fields(&file, &share)
            .iter()
            .map(|f| f.label)
            .collect();
        for label in [
            "group.share.record.lock.duration.ms",
            "group.share.delivery.count.limit",
            "on failure",
        ] {
            assert!(labels.contains(&label), "{label} in {labels:?}");
        }
        let member = Target::Part(Part::Member {
            group: "share-group".into(),
            name: "share-group-2".into(),
        });
        assert_eq!(
            crate::builder::fields::pointer_of(&file, &member).as_deref(),
            Some("/kafka/share_groups/0/members/1")
        );
        file.validate().expect("valid");
    }

    #[test]
    fn a_group_started_in_the_timeline_is_joined_now_only() {
        let mut file = Blank::Kafka.scenario();
        file = added(&file, Add::Topic, &Target::Scenario);
        let group = add(&file, Add::Group, &Target::Scenario)
            .unwrap()
            .now
            .unwrap();
        file.timeline.push(mqsim::scenario::TimelineEntry {
            at_ms: 1_000,
            action: group,
        });
        let started = Target::Part(Part::Group("group".into()));
        let joined = add(&file, Add::Consumer, &started).unwrap();
        assert!(joined.only_now.unwrap().contains("starts in the timeline"));
        assert!(
            matches!(joined.now, Some(Intervention::ConsumerJoin { member, .. }) if member.name == "group-2")
        );
    }
}
