//! Connecting two parts by dragging from one to the other in the picture:
//! a producer to the topic it sends to, a consumer group or a share group
//! to a topic it reads, a publisher to its exchange, an exchange to a queue or another
//! exchange (a new binding, whose key is typed next), a queue to the
//! consumer that consumes from it. Either direction works. A press that
//! ends on the node it started on is a click: it opens the node's form
//! (an exchange, say, which the inspector does not describe).
//!
//! A part the timeline starts is connected where it is written, in its
//! timeline entry, as its form edits it there.

use super::{Target, fields};
use mqsim::rabbit::topology::{Binding, Destination};
use mqsim::scenario::ScenarioFile;
use mqsim::scenario::edit::Part;
use serde_json::Value;

/// The part a drawn node is, read from its `data-connect` attribute
/// (`queue:india-all`).
pub fn parse(attribute: &str) -> Option<Part> {
    let (kind, name) = attribute.split_once(':')?;
    let name = name.to_string();
    Some(match kind {
        "producer" => Part::Producer(name),
        "topic" => Part::Topic(name),
        "group" => Part::Group(name),
        "share_group" => Part::ShareGroup(name),
        "publisher" => Part::Publisher(name),
        "exchange" => Part::Exchange(name),
        "queue" => Part::Queue(name),
        "consumer" => Part::Consumer(name),
        _ => return None,
    })
}

/// What connecting `from` to `to` makes of `file`, and the form to show
/// next (a new binding's, so that its key can be typed); refused, saying
/// what connects to what, for a pair that means nothing.
pub fn connect(
    file: &ScenarioFile,
    from: &Part,
    to: &Part,
) -> Result<(ScenarioFile, Target), String> {
    use Part::*;
    // The part that names the other, the field it names it in, the name.
    let (holder, key, name) = match (from, to) {
        (p @ Producer(_), Topic(t)) | (Topic(t), p @ Producer(_)) => (p, "topic", t),
        (g @ (Group(_) | ShareGroup(_)), Topic(t)) | (Topic(t), g @ (Group(_) | ShareGroup(_))) => {
            (g, "topics", t)
        }
        (p @ Publisher(_), Exchange(x)) | (Exchange(x), p @ Publisher(_)) => (p, "exchange", x),
        (c @ Consumer(_), Queue(q)) | (Queue(q), c @ Consumer(_)) => (c, "queue", q),
        (Exchange(x), Queue(q)) | (Queue(q), Exchange(x)) => {
            return Ok(bind(file, x, Destination::Queue(q.clone())));
        }
        (Exchange(a), Exchange(b)) if a != b => {
            return Ok(bind(file, a, Destination::Exchange(b.clone())));
        }
        _ => {
            return Err("Drag a producer to a topic, a consumer or share group to a topic, a publisher to an exchange, an exchange to a queue or another exchange, or a queue to a consumer.".into());
        }
    };
    Ok((
        refer(file, holder, key, name)?,
        Target::Part(holder.clone()),
    ))
}

/// `file` with `holder`'s field `key` naming `name` (added to it, for a
/// list), wherever `holder` is written: the setup or a timeline entry.
fn refer(
    file: &ScenarioFile,
    holder: &Part,
    key: &str,
    name: &str,
) -> Result<ScenarioFile, String> {
    let missing = || format!("There is no {} to connect.", holder.describe());
    let at = fields::pointer_of(file, &Target::Part(holder.clone())).ok_or_else(missing)?;
    let mut json = fields::json_of(file);
    let Some(Value::Object(written)) = json.pointer_mut(&at) else {
        return Err(missing());
    };
    match written.get_mut(key) {
        Some(Value::Array(names)) => {
            if names.iter().any(|n| n == name) {
                return Err(format!("The {} already reads {name:?}.", holder.describe()));
            }
            names.push(name.into());
        }
        _ => {
            written.insert(key.to_string(), name.into());
        }
    }
    ScenarioFile::from_json(&json.to_string()).map_err(|err| err.to_string())
}

/// `file` with a binding from `source` with an empty key, and its form,
/// where the key is typed next.
fn bind(file: &ScenarioFile, source: &str, destination: Destination) -> (ScenarioFile, Target) {
    let mut file = file.clone();
    file.rabbit.bindings.push(Binding {
        source: source.to_string(),
        destination,
        routing_key: String::new(),
        arguments: Default::default(),
    });
    let i = file.rabbit.bindings.len() - 1;
    (file, Target::Binding(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::palette::{self, Add};
    use mqsim::scenario::edit::Blank;

    fn built() -> ScenarioFile {
        let mut file = Blank::Both.scenario();
        for what in [
            Add::Topic,
            Add::Topic,
            Add::Producer,
            Add::Group,
            Add::ShareGroup,
            Add::Exchange,
            Add::Exchange,
            Add::Queue,
            Add::RabbitConsumer,
            Add::Publisher,
        ] {
            file = palette::add(&file, what, &Target::Scenario).unwrap().file;
        }
        file
    }

    #[test]
    fn each_pair_connects_either_way_and_stays_valid() {
        let file = built();
        let cases = [
            (
                Part::Producer("producer".into()),
                Part::Topic("topic-2".into()),
            ),
            (Part::Topic("topic-2".into()), Part::Group("group".into())),
            (
                Part::ShareGroup("share-group".into()),
                Part::Topic("topic-2".into()),
            ),
            (
                Part::Exchange("exchange-2".into()),
                Part::Publisher("publisher".into()),
            ),
            (
                Part::Queue("queue".into()),
                Part::Exchange("exchange".into()),
            ),
            (
                Part::Exchange("exchange".into()),
                Part::Exchange("exchange-2".into()),
            ),
            (
                Part::Consumer("consumer".into()),
                Part::Queue("queue".into()),
            ),
        ];
        for (from, to) in cases {
            let (made, _) =
                connect(&file, &from, &to).unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
            made.validate()
                .unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
        }
        let (made, target) = connect(
            &file,
            &Part::Exchange("exchange".into()),
            &Part::Queue("queue".into()),
        )
        .unwrap();
        assert_eq!(target, Target::Binding(0));
        assert_eq!(
            made.rabbit.bindings[0].destination,
            Destination::Queue("queue".into())
        );
        let (made, _) = connect(
            &file,
            &Part::Producer("producer".into()),
            &Part::Topic("topic-2".into()),
        )
        .unwrap();
        assert_eq!(made.kafka.producers[0].topic, "topic-2");
        let (made, _) = connect(
            &file,
            &Part::Group("group".into()),
            &Part::Topic("topic-2".into()),
        )
        .unwrap();
        assert_eq!(made.kafka.groups[0].topics, ["topic", "topic-2"]);
    }

    #[test]
    fn a_pair_that_means_nothing_says_what_connects() {
        let file = built();
        let refused = connect(
            &file,
            &Part::Producer("producer".into()),
            &Part::Queue("queue".into()),
        );
        assert!(
            refused
                .unwrap_err()
                .starts_with("Drag a producer to a topic")
        );
        let again = connect(
            &file,
            &Part::Group("group".into()),
            &Part::Topic("topic".into()),
        );
        assert_eq!(
            again.unwrap_err(),
            "The consumer group \"group\" already reads \"topic\"."
        );
        assert_eq!(parse("queue:a:b"), Some(Part::Queue("a:b".into())));
        assert_eq!(parse("group:g"), Some(Part::Group("g".into())));
        assert_eq!(parse("share_group:w"), Some(Part::ShareGroup("w".into())));
        assert_eq!(parse("broker:1"), None);
    }

    #[test]
    fn a_part_the_timeline_starts_is_connected_in_its_entry() {
        let mut file = built();
        let later: mqsim::scenario::TimelineEntry = serde_json::from_str(
            r#"{"at_ms": 2000, "do": "rabbit_consumer_add", "consumer": {"name": "late", "queue": "queue"}}"#,
        )
        .unwrap();
        file.timeline.push(later);
        file = palette::add(&file, Add::Queue, &Target::Scenario)
            .unwrap()
            .file;
        let (made, target) = connect(
            &file,
            &Part::Queue("queue-2".into()),
            &Part::Consumer("late".into()),
        )
        .unwrap();
        assert_eq!(target, Target::Part(Part::Consumer("late".into())));
        let json = fields::json_of(&made);
        assert_eq!(
            json.pointer("/timeline/0/consumer/queue"),
            Some(&"queue-2".into())
        );
        made.validate().unwrap();
    }
}
