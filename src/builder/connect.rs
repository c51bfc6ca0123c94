//! Connecting two parts by dragging from one to the other in the picture:
//! a producer to the topic it sends to, a consumer group to a topic it
//! reads, a publisher to its exchange, an exchange to a queue or another
//! exchange (a new binding, whose key is typed next), a queue to the
//! consumer that consumes from it. Either direction works. A press that
//! ends on the node it started on is a click: it opens the node's form
//! (an exchange, say, which the inspector does not describe).

use super::Target;
use mqsim::rabbit::topology::{Binding, Destination};
use mqsim::scenario::ScenarioFile;
use mqsim::scenario::edit::Part;

/// One end of a connection: a drawn node, as its `data-connect` attribute
/// names it (`queue:india-all`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    Producer(String),
    Topic(String),
    Group(String),
    Publisher(String),
    Exchange(String),
    Queue(String),
    Consumer(String),
}

impl End {
    /// Reads a `data-connect` attribute.
    pub fn parse(attribute: &str) -> Option<End> {
        let (kind, name) = attribute.split_once(':')?;
        let name = name.to_string();
        Some(match kind {
            "producer" => End::Producer(name),
            "topic" => End::Topic(name),
            "group" => End::Group(name),
            "publisher" => End::Publisher(name),
            "exchange" => End::Exchange(name),
            "queue" => End::Queue(name),
            "consumer" => End::Consumer(name),
            _ => return None,
        })
    }

    /// The part of the scenario it is.
    pub fn part(&self) -> Part {
        match self.clone() {
            End::Producer(n) => Part::Producer(n),
            End::Topic(n) => Part::Topic(n),
            End::Group(n) => Part::Group(n),
            End::Publisher(n) => Part::Publisher(n),
            End::Exchange(n) => Part::Exchange(n),
            End::Queue(n) => Part::Queue(n),
            End::Consumer(n) => Part::Consumer(n),
        }
    }

    /// The attribute that names it.
    pub fn attribute(&self) -> String {
        let (kind, name) = match self {
            End::Producer(n) => ("producer", n),
            End::Topic(n) => ("topic", n),
            End::Group(n) => ("group", n),
            End::Publisher(n) => ("publisher", n),
            End::Exchange(n) => ("exchange", n),
            End::Queue(n) => ("queue", n),
            End::Consumer(n) => ("consumer", n),
        };
        format!("{kind}:{name}")
    }
}

/// What connecting `from` to `to` makes of `file`, and the form to show
/// next (a new binding's, so that its key can be typed); refused, saying
/// what connects to what, for a pair that means nothing.
pub fn connect(
    file: &ScenarioFile,
    from: &End,
    to: &End,
) -> Result<(ScenarioFile, Target), String> {
    use End::*;
    let mut file = file.clone();
    let target = match (from, to) {
        (Producer(p), Topic(t)) | (Topic(t), Producer(p)) => {
            let producer = file.kafka.producers.iter_mut().find(|x| x.name == *p);
            producer.ok_or_else(|| not_in_setup("producer", p))?.topic = t.clone();
            Target::Part(Part::Producer(p.clone()))
        }
        (Group(g), Topic(t)) | (Topic(t), Group(g)) => {
            let group = file.kafka.groups.iter_mut().find(|x| x.name == *g);
            let group = group.ok_or_else(|| not_in_setup("consumer group", g))?;
            if group.topics.contains(t) {
                return Err(format!("Group {g:?} already reads {t:?}."));
            }
            group.topics.push(t.clone());
            Target::Part(Part::Group(g.clone()))
        }
        (Publisher(p), Exchange(x)) | (Exchange(x), Publisher(p)) => {
            let publisher = file.rabbit.publishers.iter_mut().find(|y| y.name == *p);
            publisher
                .ok_or_else(|| not_in_setup("publisher", p))?
                .exchange = x.clone();
            Target::Part(Part::Publisher(p.clone()))
        }
        (Exchange(x), Queue(q)) | (Queue(q), Exchange(x)) => {
            bind(&mut file, x, Destination::Queue(q.clone()))
        }
        (Exchange(a), Exchange(b)) if a != b => {
            bind(&mut file, a, Destination::Exchange(b.clone()))
        }
        (Queue(q), Consumer(c)) | (Consumer(c), Queue(q)) => {
            let consumer = file.rabbit.consumers.iter_mut().find(|y| y.name == *c);
            consumer.ok_or_else(|| not_in_setup("consumer", c))?.queue = q.clone();
            Target::Part(Part::Consumer(c.clone()))
        }
        _ => {
            return Err("Drag a producer to a topic, a consumer group to a topic, a publisher to an exchange, an exchange to a queue or another exchange, or a queue to a consumer.".into());
        }
    };
    Ok((file, target))
}

/// Adds a binding from `source` with an empty key; its form comes next.
fn bind(file: &mut ScenarioFile, source: &str, destination: Destination) -> Target {
    file.rabbit.bindings.push(Binding {
        source: source.to_string(),
        destination,
        routing_key: String::new(),
        arguments: Default::default(),
    });
    Target::Binding(file.rabbit.bindings.len() - 1)
}

fn not_in_setup(noun: &str, name: &str) -> String {
    format!(
        "The {noun} {name:?} was made in the timeline, not the setup: connect it there, in the JSON view."
    )
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
                End::Producer("producer".into()),
                End::Topic("topic-2".into()),
            ),
            (End::Topic("topic-2".into()), End::Group("group".into())),
            (
                End::Exchange("exchange-2".into()),
                End::Publisher("publisher".into()),
            ),
            (End::Queue("queue".into()), End::Exchange("exchange".into())),
            (
                End::Exchange("exchange".into()),
                End::Exchange("exchange-2".into()),
            ),
            (End::Consumer("consumer".into()), End::Queue("queue".into())),
        ];
        for (from, to) in cases {
            let (made, _) =
                connect(&file, &from, &to).unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
            made.validate()
                .unwrap_or_else(|e| panic!("{from:?} → {to:?}: {e}"));
        }
        let (made, target) = connect(
            &file,
            &End::Exchange("exchange".into()),
            &End::Queue("queue".into()),
        )
        .unwrap();
        assert_eq!(target, Target::Binding(0));
        assert_eq!(
            made.rabbit.bindings[0].destination,
            Destination::Queue("queue".into())
        );
        let (made, _) = connect(
            &file,
            &End::Producer("producer".into()),
            &End::Topic("topic-2".into()),
        )
        .unwrap();
        assert_eq!(made.kafka.producers[0].topic, "topic-2");
        let (made, _) = connect(
            &file,
            &End::Group("group".into()),
            &End::Topic("topic-2".into()),
        )
        .unwrap();
        assert_eq!(made.kafka.groups[0].topics, ["topic", "topic-2"]);
    }

    #[test]
    fn a_pair_that_means_nothing_says_what_connects() {
        let file = built();
        let refused = connect(
            &file,
            &End::Producer("producer".into()),
            &End::Queue("queue".into()),
        );
        assert!(
            refused
                .unwrap_err()
                .starts_with("Drag a producer to a topic")
        );
        let again = connect(
            &file,
            &End::Group("group".into()),
            &End::Topic("topic".into()),
        );
        assert_eq!(
            again.unwrap_err(),
            "Group \"group\" already reads \"topic\"."
        );
        assert_eq!(End::parse("queue:a:b"), Some(End::Queue("a:b".into())));
        assert_eq!(
            End::parse(&End::Topic("t".into()).attribute()),
            Some(End::Topic("t".into()))
        );
        assert_eq!(End::parse("broker:1"), None);
        assert_eq!(End::Exchange("x".into()).part(), Part::Exchange("x".into()));
    }
}
