//! Editing a scenario by name: renaming a part so that everything naming it
//! follows, deleting a part together with what cannot stand without it, and
//! duplicating one. The page's builder makes every such edit through here.
//!
//! Names are how a scenario's parts refer to each other, as they are how a
//! real system's do: a producer names its topic, a binding its exchange and
//! its queue, a timeline entry the consumer it crashes, a lesson's counter
//! the queue it counts. [`sites`] is the one list of every place that can
//! name each kind of part; renaming rewrites those places, and deleting
//! removes what holds them:
//!
//! - a part that cannot exist without the deleted one goes with it (a
//!   producer with its topic, a binding with its queue, a consumer with its
//!   queue), and so, in turn, does what depends on that;
//! - a list that names it loses the name (a group's topics, a pane's
//!   queues), and the holder goes only if its list is left empty;
//! - an optional setting that names it is cleared (a dead-letter topic, an
//!   alternate exchange, `x-dead-letter-exchange`);
//! - timeline entries and lesson lines that name any part that went are
//!   removed.
//!
//! [`delete`] returns each part that went, in words, so that the page can
//! ask before it deletes.

use super::narration::{self, Measured, Piece};
use super::{Intervention, MemberSpec, ScenarioFile, TimelineEntry};
use crate::rabbit::headers::FieldValue;
use crate::rabbit::topology::Destination;

/// A named part of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Topic(String),
    Producer(String),
    /// A consumer group, by `group.id`.
    Group(String),
    /// A share group (KIP-932), by `group.id`.
    ShareGroup(String),
    /// A member of a group or of a share group (group ids are unique
    /// across both).
    Member {
        group: String,
        name: String,
    },
    /// A consumer outside any group.
    Standalone(String),
    Exchange(String),
    Queue(String),
    Publisher(String),
    /// A RabbitMQ consumer.
    Consumer(String),
}

/// The `x-` argument that names a queue's dead-letter exchange.
const DEAD_LETTER_EXCHANGE: &str = "x-dead-letter-exchange";

impl Part {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Part::Topic(n)
            | Part::Producer(n)
            | Part::Group(n)
            | Part::ShareGroup(n)
            | Part::Standalone(n)
            | Part::Exchange(n)
            | Part::Queue(n)
            | Part::Publisher(n)
            | Part::Consumer(n) => n,
            Part::Member { name, .. } => name,
        }
    }

    /// Its kind, as the format names the field that holds one: `topic`,
    /// `member`, `queue` (a timeline entry that starts a queue has it in
    /// `queue`).
    pub fn kind(&self) -> &'static str {
        match self {
            Part::Topic(_) => "topic",
            Part::Producer(_) => "producer",
            Part::Group(_) => "group",
            Part::ShareGroup(_) => "share_group",
            Part::Member { .. } => "member",
            Part::Standalone(_) => "standalone",
            Part::Exchange(_) => "exchange",
            Part::Queue(_) => "queue",
            Part::Publisher(_) => "publisher",
            Part::Consumer(_) => "consumer",
        }
    }

    /// What it is and its name, in words: `queue "india-all"`.
    pub fn describe(&self) -> String {
        let noun = match self {
            Part::Topic(_) => "topic",
            Part::Producer(_) => "producer",
            Part::Group(_) => "consumer group",
            Part::ShareGroup(_) => "share group",
            Part::Member { .. } | Part::Standalone(_) => "consumer",
            Part::Exchange(_) => "exchange",
            Part::Queue(_) => "queue",
            Part::Publisher(_) => "publisher",
            Part::Consumer(_) => "consumer",
        };
        format!("{noun} {:?}", self.name())
    }

    /// The same kind of part, called `name`.
    pub fn with_name(&self, name: &str) -> Part {
        let name = name.to_string();
        match self {
            Part::Topic(_) => Part::Topic(name),
            Part::Producer(_) => Part::Producer(name),
            Part::Group(_) => Part::Group(name),
            Part::ShareGroup(_) => Part::ShareGroup(name),
            Part::Member { group, .. } => Part::Member {
                group: group.clone(),
                name,
            },
            Part::Standalone(_) => Part::Standalone(name),
            Part::Exchange(_) => Part::Exchange(name),
            Part::Queue(_) => Part::Queue(name),
            Part::Publisher(_) => Part::Publisher(name),
            Part::Consumer(_) => Part::Consumer(name),
        }
    }

    /// Whether a lesson counter on `measured` counts this kind of part.
    fn counted_by(&self, measured: Measured) -> bool {
        matches!(
            (self, measured),
            (Part::Topic(_), Measured::Topic | Measured::Partition)
                | (Part::Group(_) | Part::ShareGroup(_), Measured::Group)
                | (Part::Member { .. } | Part::Standalone(_), Measured::Member)
                | (Part::Exchange(_), Measured::Exchange)
                | (Part::Queue(_), Measured::Queue)
                | (Part::Consumer(_), Measured::RabbitConsumer)
        )
    }

    /// The field a timeline entry names this kind of part by, as a lesson's
    /// `did` check writes it.
    fn check_field(&self) -> Option<&'static str> {
        match self {
            Part::Topic(_) => Some("topic"),
            Part::Producer(_) => Some("producer"),
            Part::Group(_) | Part::ShareGroup(_) => Some("group"),
            Part::Member { .. } | Part::Standalone(_) => Some("member"),
            Part::Queue(_) => Some("queue"),
            Part::Publisher(_) => Some("publisher"),
            Part::Consumer(_) => Some("consumer"),
            Part::Exchange(_) => None,
        }
    }
}

/// Every place in the scenario's setup and timeline that names `part`: its
/// own name, each reference to it, and a timeline entry that starts a part
/// of that name. (Lesson lines are text, read
/// by [`narration`]; see [`rename`].)
fn sites<'a>(file: &'a mut ScenarioFile, part: &Part) -> Vec<&'a mut String> {
    let name = part.name().to_string();
    let kafka = &mut file.kafka;
    let rabbit = &mut file.rabbit;
    let mut sites: Vec<&mut String> = Vec::new();
    match part {
        Part::Topic(_) => {
            sites.extend(kafka.topics.iter_mut().map(|t| &mut t.name));
            sites.extend(kafka.producers.iter_mut().map(|p| &mut p.topic));
            for group in &mut kafka.groups {
                sites.extend(group.topics.iter_mut());
                sites.extend(group.retry.dead_letter_topic.as_mut());
            }
            for consumer in &mut kafka.standalone_consumers {
                sites.extend(consumer.topics.iter_mut());
            }
            for group in &mut kafka.share_groups {
                sites.extend(group.topics.iter_mut());
            }
        }
        Part::Producer(_) => sites.extend(kafka.producers.iter_mut().map(|p| &mut p.name)),
        Part::Group(_) => sites.extend(kafka.groups.iter_mut().map(|g| &mut g.name)),
        Part::ShareGroup(_) => sites.extend(kafka.share_groups.iter_mut().map(|g| &mut g.name)),
        Part::Member { group, .. } => {
            for g in kafka.groups.iter_mut().filter(|g| g.name == *group) {
                sites.extend(g.members.iter_mut().map(|m| &mut m.name));
            }
            for g in kafka.share_groups.iter_mut().filter(|g| g.name == *group) {
                sites.extend(g.members.iter_mut().map(|m| &mut m.name));
            }
        }
        Part::Standalone(_) => {
            sites.extend(kafka.standalone_consumers.iter_mut().map(|c| &mut c.name))
        }
        Part::Exchange(_) => {
            for x in &mut rabbit.exchanges {
                sites.push(&mut x.name);
                sites.extend(x.alternate_exchange.as_mut());
            }
            for binding in &mut rabbit.bindings {
                sites.push(&mut binding.source);
                if let Destination::Exchange(to) = &mut binding.destination {
                    sites.push(to);
                }
            }
            sites.extend(rabbit.publishers.iter_mut().map(|p| &mut p.exchange));
            for queue in &mut rabbit.queues {
                if let Some(FieldValue::Str(x)) = queue.arguments.get_mut(DEAD_LETTER_EXCHANGE) {
                    sites.push(x);
                }
            }
        }
        Part::Queue(_) => {
            sites.extend(rabbit.queues.iter_mut().map(|q| &mut q.name));
            for binding in &mut rabbit.bindings {
                if let Destination::Queue(to) = &mut binding.destination {
                    sites.push(to);
                }
            }
            sites.extend(rabbit.consumers.iter_mut().map(|c| &mut c.queue));
            for pane in &mut file.view.panes {
                sites.extend(pane.queues.iter_mut());
            }
        }
        Part::Publisher(_) => sites.extend(rabbit.publishers.iter_mut().map(|p| &mut p.name)),
        Part::Consumer(_) => sites.extend(rabbit.consumers.iter_mut().map(|c| &mut c.name)),
    }
    for entry in &mut file.timeline {
        sites.extend(entry_sites(entry, part));
    }
    sites.retain(|site| **site == name);
    sites
}

/// The places in one timeline entry that can name `part`'s kind.
fn entry_sites<'a>(entry: &'a mut TimelineEntry, part: &Part) -> Vec<&'a mut String> {
    use Intervention as I;
    let mut sites: Vec<&mut String> = Vec::new();
    match &mut entry.action {
        I::AddPartitions { topic, .. } if matches!(part, Part::Topic(_)) => sites.push(topic),
        I::TopicCreate { topic } if matches!(part, Part::Topic(_)) => sites.push(&mut topic.name),
        I::ProducerAdd { producer } => match part {
            Part::Topic(_) => sites.push(&mut producer.topic),
            Part::Producer(_) => sites.push(&mut producer.name),
            _ => {}
        },
        I::GroupAdd { group } => match part {
            Part::Topic(_) => {
                sites.extend(group.topics.iter_mut());
                sites.extend(group.retry.dead_letter_topic.as_mut());
            }
            Part::Group(_) => sites.push(&mut group.name),
            Part::Member { group: of, .. } if group.name == *of => {
                sites.extend(group.members.iter_mut().map(|m| &mut m.name))
            }
            _ => {}
        },
        I::ProducerRemove { producer } | I::Produce { producer, .. }
            if matches!(part, Part::Producer(_)) =>
        {
            sites.push(producer)
        }
        I::ConsumerJoin { group, member } => match part {
            Part::Group(_) | Part::ShareGroup(_) => sites.push(group),
            Part::Member { group: of, .. } if *group == *of => sites.push(&mut member.name),
            _ => {}
        },
        I::ConsumerLeave { group, member }
        | I::ConsumerCrash { group, member }
        | I::ConsumerRestart { group, member }
        | I::ConsumerSlow { group, member, .. } => {
            let of_group = |name: &str| group.as_deref() == Some(name);
            match part {
                Part::Member { group: of, .. } if of_group(of) => sites.push(member),
                Part::Standalone(_) if group.is_none() => sites.push(member),
                Part::Group(_) | Part::ShareGroup(_) => sites.extend(group.as_mut()),
                _ => {}
            }
        }
        I::ConsumerSubscribe {
            group,
            member,
            topics,
        } => match part {
            Part::Topic(_) => sites.extend(topics.iter_mut()),
            Part::Group(_) | Part::ShareGroup(_) => sites.push(group),
            Part::Member { group: of, .. } if *group == *of => sites.push(member),
            _ => {}
        },
        I::ShareAcknowledge { group, member, .. } => match part {
            Part::Member { group: of, .. } if *group == *of => sites.push(member),
            Part::ShareGroup(_) => sites.push(group),
            _ => {}
        },
        I::RabbitBind { binding } | I::RabbitUnbind { binding } => match part {
            Part::Exchange(_) => {
                sites.push(&mut binding.source);
                if let Destination::Exchange(to) = &mut binding.destination {
                    sites.push(to);
                }
            }
            Part::Queue(_) => {
                if let Destination::Queue(to) = &mut binding.destination {
                    sites.push(to);
                }
            }
            _ => {}
        },
        I::RabbitQueueDeclare { queue } => match part {
            Part::Exchange(_) => {
                if let Some(FieldValue::Str(x)) = queue.arguments.get_mut(DEAD_LETTER_EXCHANGE) {
                    sites.push(x);
                }
            }
            Part::Queue(_) => sites.push(&mut queue.name),
            _ => {}
        },
        I::RabbitQueueDelete { queue } | I::RabbitQueuePurge { queue }
            if matches!(part, Part::Queue(_)) =>
        {
            sites.push(queue)
        }
        I::RabbitExchangeDelete { exchange } if matches!(part, Part::Exchange(_)) => {
            sites.push(exchange)
        }
        I::RabbitGet {
            consumer, queue, ..
        } => match part {
            Part::Queue(_) => sites.push(queue),
            Part::Consumer(_) => sites.push(consumer),
            _ => {}
        },
        I::RabbitConsumerAdd { consumer } => match part {
            Part::Queue(_) => sites.push(&mut consumer.queue),
            Part::Consumer(_) => sites.push(&mut consumer.name),
            _ => {}
        },
        I::RabbitPublish {
            publisher,
            exchange,
            ..
        } => match part {
            Part::Publisher(_) => sites.push(publisher),
            Part::Exchange(_) => sites.extend(exchange.as_mut()),
            _ => {}
        },
        I::RabbitExchangeDeclare { exchange } if matches!(part, Part::Exchange(_)) => {
            sites.push(&mut exchange.name);
            sites.extend(exchange.alternate_exchange.as_mut());
        }
        I::RabbitPublisherAdd { publisher } => match part {
            Part::Exchange(_) => sites.push(&mut publisher.exchange),
            Part::Publisher(_) => sites.push(&mut publisher.name),
            _ => {}
        },
        I::RabbitConsumerCrash { consumer }
        | I::RabbitConsumerRestart { consumer }
        | I::RabbitConsumerSlow { consumer, .. }
        | I::RabbitConsumerPrefetch { consumer, .. }
        | I::RabbitConsumerCancel { consumer }
        | I::RabbitAck { consumer, .. }
        | I::RabbitNack { consumer, .. }
            if matches!(part, Part::Consumer(_)) =>
        {
            sites.push(consumer)
        }
        _ => {}
    }
    sites
}

/// Whether `entry` names `part`.
fn names(entry: &TimelineEntry, part: &Part) -> bool {
    let mut entry = entry.clone();
    entry_sites(&mut entry, part)
        .iter()
        .any(|site| **site == part.name())
}

/// Renames `part` to `new_name`, and every reference to it: in the setup, the
/// timeline, the panes and the lesson (counters and `did` checks). Whether
/// the new name is free and well formed is validation's to say.
pub fn rename(file: &mut ScenarioFile, part: &Part, new_name: &str) {
    for site in sites(file, part) {
        *site = new_name.to_string();
    }
    if let Some(narration) = &mut file.narration {
        for line in &mut narration.watch_for {
            *line = renamed_counters(line, part, new_name);
        }
        for step in &mut narration.try_this {
            step.done_when = renamed_check(&step.done_when, part, new_name);
        }
    }
}

/// A watch line with `part`'s counters renamed.
fn renamed_counters(line: &str, part: &Part, new_name: &str) -> String {
    narration::pieces(line)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_string(),
            Piece::Counter(counter) => {
                let renamed = match narration::parse_counter(counter) {
                    Some((Measured::Partition, measure, name)) => narration::parse_partition(name)
                        .filter(|(topic, _)| {
                            part.counted_by(Measured::Partition) && *topic == part.name()
                        })
                        .map(|(_, n)| format!("{measure} {new_name}-{n}")),
                    Some((measured, measure, name))
                        if part.counted_by(measured) && name == part.name() =>
                    {
                        Some(format!("{measure} {new_name}"))
                    }
                    _ => None,
                };
                format!("{{{}}}", renamed.as_deref().unwrap_or(counter))
            }
        })
        .collect()
}

/// A step's check with `part`'s name renamed in its `did` fields.
fn renamed_check(check: &str, part: &Part, new_name: &str) -> String {
    let Some(field) = part.check_field() else {
        return check.to_string();
    };
    check
        .split_whitespace()
        .map(|word| match word.split_once('=') {
            Some((f, value)) if f == field && value == part.name() => format!("{f}={new_name}"),
            _ => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a lesson's watch line or step check mentions `part`.
fn mentioned(text: &str, part: &Part) -> bool {
    renamed_counters(text, part, "\u{0}") != text || renamed_check(text, part, "\u{0}") != text
}

/// Deletes `part` and whatever cannot stand without it (see the module
/// docs). Returns, in words, each other part of the setup that went, each
/// setting that was cleared and how many timeline entries and lesson lines
/// went; the scenario is unchanged if there is no such part.
pub fn delete(file: &mut ScenarioFile, part: &Part) -> Vec<String> {
    let mut gone: Vec<Part> = Vec::new();
    let mut said: Vec<String> = Vec::new();
    let mut queue = vec![part.clone()];
    while let Some(next) = queue.pop() {
        if gone.contains(&next) {
            continue;
        }
        let dependents = remove(file, &next, &mut said);
        gone.push(next);
        queue.extend(dependents);
    }
    let described: Vec<String> = gone.iter().skip(1).map(Part::describe).collect();
    // A timeline entry that names a part that went goes too, and so does
    // what it had started (a consumer that joined, a queue declared), with
    // the later entries and lesson lines that name that.
    let before = file.timeline.len();
    loop {
        let (dropped, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut file.timeline)
            .into_iter()
            .partition(|entry| gone.iter().any(|part| names(entry, part)));
        file.timeline = kept;
        if dropped.is_empty() {
            break;
        }
        gone.extend(dropped.iter().flat_map(started_by));
    }
    let mut lines = 0;
    if let Some(narration) = &mut file.narration {
        let (watch, steps) = (narration.watch_for.len(), narration.try_this.len());
        narration
            .watch_for
            .retain(|line| !gone.iter().any(|part| mentioned(line, part)));
        narration
            .try_this
            .retain(|step| !gone.iter().any(|part| mentioned(&step.done_when, part)));
        lines = watch + steps - narration.watch_for.len() - narration.try_this.len();
    }
    let entries = before - file.timeline.len();
    // Kafka panes show the Kafka side: without topics, there is none.
    if file.topics().is_empty() && !file.view.kafka_panes.is_empty() {
        file.view.kafka_panes.clear();
        said.push("the Kafka panes".to_string());
    }
    described
        .into_iter()
        .chain(said)
        .chain((entries > 0).then(|| plural(entries, "timeline entry", "timeline entries")))
        .chain((lines > 0).then(|| plural(lines, "lesson line", "lesson lines")))
        .collect()
}

/// `n` things, in words.
fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The parts a timeline entry starts: a group, a member, a producer, a
/// topic, a RabbitMQ consumer, queue, exchange or publisher.
pub fn started_by(entry: &TimelineEntry) -> Vec<Part> {
    use Intervention as I;
    match &entry.action {
        I::GroupAdd { group } => std::iter::once(Part::Group(group.name.clone()))
            .chain(group.members.iter().map(|m| Part::Member {
                group: group.name.clone(),
                name: m.name.clone(),
            }))
            .collect(),
        I::ConsumerJoin { group, member } => vec![Part::Member {
            group: group.clone(),
            name: member.name.clone(),
        }],
        I::ProducerAdd { producer } => vec![Part::Producer(producer.name.clone())],
        I::TopicCreate { topic } => vec![Part::Topic(topic.name.clone())],
        I::RabbitConsumerAdd { consumer } => vec![Part::Consumer(consumer.name.clone())],
        I::RabbitQueueDeclare { queue } => vec![Part::Queue(queue.name.clone())],
        I::RabbitExchangeDeclare { exchange } => vec![Part::Exchange(exchange.name.clone())],
        I::RabbitPublisherAdd { publisher } => vec![Part::Publisher(publisher.name.clone())],
        _ => Vec::new(),
    }
}

/// Removes `part` itself, clears the optional settings that name it (said
/// in `said`), and returns the parts that cannot stand without it.
fn remove(file: &mut ScenarioFile, part: &Part, said: &mut Vec<String>) -> Vec<Part> {
    let name = part.name();
    let kafka = &mut file.kafka;
    let rabbit = &mut file.rabbit;
    let mut dependents = Vec::new();
    match part {
        Part::Topic(_) => {
            kafka.topics.retain(|t| t.name != name);
            for producer in kafka.producers.iter().filter(|p| p.topic == name) {
                dependents.push(Part::Producer(producer.name.clone()));
            }
            for group in &mut kafka.groups {
                if group.retry.dead_letter_topic.as_deref() == Some(name) {
                    group.retry.dead_letter_topic = None;
                    said.push(format!("the dead-letter topic of group {:?}", group.name));
                }
                group.topics.retain(|t| t != name);
                if group.topics.is_empty() {
                    dependents.push(Part::Group(group.name.clone()));
                }
            }
            for consumer in &mut kafka.standalone_consumers {
                consumer.topics.retain(|t| t != name);
                if consumer.topics.is_empty() {
                    dependents.push(Part::Standalone(consumer.name.clone()));
                }
            }
            for group in &mut kafka.share_groups {
                group.topics.retain(|t| t != name);
                if group.topics.is_empty() {
                    dependents.push(Part::ShareGroup(group.name.clone()));
                }
            }
        }
        Part::Producer(_) => kafka.producers.retain(|p| p.name != name),
        Part::Group(_) => {
            if let Some(group) = kafka.groups.iter().find(|g| g.name == name) {
                dependents.extend(group.members.iter().map(|m| Part::Member {
                    group: name.to_string(),
                    name: m.name.clone(),
                }));
            }
            kafka.groups.retain(|g| g.name != name);
        }
        Part::ShareGroup(_) => {
            if let Some(group) = kafka.share_groups.iter().find(|g| g.name == name) {
                dependents.extend(group.members.iter().map(|m| Part::Member {
                    group: name.to_string(),
                    name: m.name.clone(),
                }));
            }
            kafka.share_groups.retain(|g| g.name != name);
        }
        Part::Member { group, .. } => {
            for g in kafka.groups.iter_mut().filter(|g| g.name == *group) {
                g.members.retain(|m| m.name != name);
            }
            for g in kafka.share_groups.iter_mut().filter(|g| g.name == *group) {
                g.members.retain(|m| m.name != name);
            }
        }
        Part::Standalone(_) => kafka.standalone_consumers.retain(|c| c.name != name),
        Part::Exchange(_) => {
            rabbit.exchanges.retain(|x| x.name != name);
            for x in &mut rabbit.exchanges {
                if x.alternate_exchange.as_deref() == Some(name) {
                    x.alternate_exchange = None;
                    said.push(format!("the alternate exchange of exchange {:?}", x.name));
                }
            }
            rabbit.bindings.retain(|b| {
                b.source != name && b.destination != Destination::Exchange(name.to_string())
            });
            for publisher in rabbit.publishers.iter().filter(|p| p.exchange == name) {
                dependents.push(Part::Publisher(publisher.name.clone()));
            }
            for queue in &mut rabbit.queues {
                let dead_letters_here = matches!(
                    queue.arguments.get(DEAD_LETTER_EXCHANGE),
                    Some(FieldValue::Str(x)) if x == name
                );
                if dead_letters_here {
                    queue.arguments.remove(DEAD_LETTER_EXCHANGE);
                    said.push(format!(
                        "the {DEAD_LETTER_EXCHANGE} of queue {:?}",
                        queue.name
                    ));
                }
            }
        }
        Part::Queue(_) => {
            rabbit.queues.retain(|q| q.name != name);
            let to_it = Destination::Queue(name.to_string());
            rabbit.bindings.retain(|b| b.destination != to_it);
            for consumer in rabbit.consumers.iter().filter(|c| c.queue == name) {
                dependents.push(Part::Consumer(consumer.name.clone()));
            }
            for pane in &mut file.view.panes {
                pane.queues.retain(|q| q != name);
            }
            file.view.panes.retain(|pane| !pane.queues.is_empty());
        }
        Part::Publisher(_) => rabbit.publishers.retain(|p| p.name != name),
        Part::Consumer(_) => rabbit.consumers.retain(|c| c.name != name),
    }
    dependents
}

/// A name like `base` that no part of `part`'s kind has yet: `base`
/// itself, else `base-2`, `base-3`, …
pub fn fresh_name(file: &ScenarioFile, part: &Part, base: &str) -> String {
    let mut probe = file.clone();
    let mut taken = |name: &str| !sites(&mut probe, &part.with_name(name)).is_empty();
    std::iter::once(base.to_string())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|name| !taken(name))
        .expect("some number is free")
}

/// Duplicates `part` under a fresh name, placed after it, and returns the
/// new name; a queue's copy gets the queue's bindings too, so that it
/// receives what the queue receives. A part the timeline starts is copied
/// by a second entry at the same moment. `None` if there is no such part.
pub fn duplicate(file: &mut ScenarioFile, part: &Part) -> Option<String> {
    let name = part.name();
    let copy = fresh_name(file, part, &format!("{name}-copy"));
    fn after<T: Clone>(
        list: &mut Vec<T>,
        is: impl Fn(&T) -> bool,
        rename: impl Fn(&mut T),
    ) -> bool {
        let Some(at) = list.iter().position(is) else {
            return false;
        };
        let mut twin = list[at].clone();
        rename(&mut twin);
        list.insert(at + 1, twin);
        true
    }
    let kafka = &mut file.kafka;
    let rabbit = &mut file.rabbit;
    let new = || copy.clone();
    let found = match part {
        Part::Topic(_) => after(&mut kafka.topics, |t| t.name == name, |t| t.name = new()),
        Part::Producer(_) => after(&mut kafka.producers, |p| p.name == name, |p| p.name = new()),
        Part::Group(_) => after(&mut kafka.groups, |g| g.name == name, |g| g.name = new()),
        Part::ShareGroup(_) => after(
            &mut kafka.share_groups,
            |g| g.name == name,
            |g| g.name = new(),
        ),
        Part::Member { group, .. } => {
            let of_group = |members: &mut Vec<_>| {
                after(members, |m: &MemberSpec| m.name == name, |m| m.name = new())
            };
            (kafka.groups.iter_mut().find(|g| g.name == *group))
                .map(|g| &mut g.members)
                .or_else(|| {
                    (kafka.share_groups.iter_mut().find(|g| g.name == *group))
                        .map(|g| &mut g.members)
                })
                .is_some_and(of_group)
        }
        Part::Standalone(_) => after(
            &mut kafka.standalone_consumers,
            |c| c.name == name,
            |c| c.name = new(),
        ),
        Part::Exchange(_) => after(
            &mut rabbit.exchanges,
            |x| x.name == name,
            |x| x.name = new(),
        ),
        Part::Queue(_) => {
            let twins: Vec<_> = rabbit
                .bindings
                .iter()
                .filter(|b| b.destination == Destination::Queue(name.to_string()))
                .map(|b| {
                    let mut twin = b.clone();
                    twin.destination = Destination::Queue(new());
                    twin
                })
                .collect();
            rabbit.bindings.extend(twins);
            after(&mut rabbit.queues, |q| q.name == name, |q| q.name = new())
        }
        Part::Publisher(_) => after(
            &mut rabbit.publishers,
            |p| p.name == name,
            |p| p.name = new(),
        ),
        Part::Consumer(_) => after(
            &mut rabbit.consumers,
            |c| c.name == name,
            |c| c.name = new(),
        ),
    };
    if found {
        return Some(copy);
    }
    // A part the timeline starts: a copy of its entry, at the same moment
    // (or, for a member of a group added then, a copy in that group).
    let i = file
        .timeline
        .iter()
        .position(|e| started_by(e).contains(part))?;
    if let (Part::Member { .. }, Intervention::GroupAdd { group }) =
        (part, &mut file.timeline[i].action)
    {
        let copied = after(&mut group.members, |m| m.name == name, |m| m.name = new());
        return copied.then_some(copy);
    }
    let mut alone = file.clone();
    alone.timeline = vec![file.timeline[i].clone()];
    rename(&mut alone, part, &copy);
    file.timeline.insert(i + 1, alone.timeline.pop()?);
    Some(copy)
}

/// Every named part of the scenario's setup, Kafka's then RabbitMQ's, each
/// kind in the order written.
pub fn parts(file: &ScenarioFile) -> Vec<Part> {
    let kafka = &file.kafka;
    let rabbit = &file.rabbit;
    let named = |make: fn(String) -> Part, names: Vec<&String>| -> Vec<Part> {
        names.into_iter().map(|n| make(n.clone())).collect()
    };
    let mut parts = named(Part::Topic, kafka.topics.iter().map(|t| &t.name).collect());
    parts.extend(named(
        Part::Producer,
        kafka.producers.iter().map(|p| &p.name).collect(),
    ));
    for group in &kafka.groups {
        parts.push(Part::Group(group.name.clone()));
        parts.extend(group.members.iter().map(|m| Part::Member {
            group: group.name.clone(),
            name: m.name.clone(),
        }));
    }
    parts.extend(named(
        Part::Standalone,
        kafka.standalone_consumers.iter().map(|c| &c.name).collect(),
    ));
    for group in &kafka.share_groups {
        parts.push(Part::ShareGroup(group.name.clone()));
        parts.extend(group.members.iter().map(|m| Part::Member {
            group: group.name.clone(),
            name: m.name.clone(),
        }));
    }
    parts.extend(named(
        Part::Exchange,
        rabbit.exchanges.iter().map(|x| &x.name).collect(),
    ));
    parts.extend(named(
        Part::Queue,
        rabbit.queues.iter().map(|q| &q.name).collect(),
    ));
    parts.extend(named(
        Part::Publisher,
        rabbit.publishers.iter().map(|p| &p.name).collect(),
    ));
    parts.extend(named(
        Part::Consumer,
        rabbit.consumers.iter().map(|c| &c.name).collect(),
    ));
    parts
}

/// Every named part of the run: the setup's ([`parts`]), then those the
/// timeline starts, in timeline order.
pub fn all_parts(file: &ScenarioFile) -> Vec<Part> {
    let started = file.timeline.iter().flat_map(started_by);
    parts(file).into_iter().chain(started).collect()
}

/// What a new, empty scenario has in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blank {
    /// A Kafka cluster of one broker, with nothing on it yet.
    Kafka,
    /// A RabbitMQ broker with only its default exchange.
    Rabbit,
    /// Both, for the two models side by side.
    Both,
}

impl Blank {
    /// Its name in a link: `?new=kafka`, `?new=rabbitmq`, `?new=both`.
    pub const ALL: [(&str, Blank); 3] = [
        ("kafka", Blank::Kafka),
        ("rabbitmq", Blank::Rabbit),
        ("both", Blank::Both),
    ];

    /// The blank named `name` in a link.
    pub fn named(name: &str) -> Option<Blank> {
        Blank::ALL.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
    }

    /// The empty scenario: every setting at its default, but a Kafka
    /// cluster keeps its metadata in KRaft, as Kafka 4 does. (Kafka's side
    /// and RabbitMQ's differ only in that and the title until something is
    /// added.)
    pub fn scenario(self) -> ScenarioFile {
        let (name, kafka) = match self {
            Blank::Kafka => ("New Kafka scenario", true),
            Blank::Rabbit => ("New RabbitMQ scenario", false),
            Blank::Both => ("New scenario: Kafka and RabbitMQ", true),
        };
        let kraft = if kafka {
            r#", "kafka": {"cluster": {"metadata": {"mode": "kraft"}}}"#
        } else {
            ""
        };
        let text = format!(
            r#"{{"version": {}, "name": "{name}", "seed": 1{kraft}}}"#,
            super::FORMAT_VERSION
        );
        ScenarioFile::from_json(&text).expect("the blank scenario reads")
    }
}
