//! Narration: what a scenario says to the class beside the run.
//!
//! A teacher projects a preset and talks over it. The narration is the
//! script at the side of the picture:
//!
//! - **watch for**: what to look at while it runs. A line may hold live
//!   counters in braces, `lag now {lag notifications}`, which the page
//!   fills in as the run goes;
//! - **try this**: steps for the student, each with a check the page uses
//!   to tick it off once done ("kill broker 1" ✓).
//!
//! Counters and checks are short phrases rather than nested JSON, so that a
//! teacher can write them by hand; validation reads them, so one cannot
//! name something the scenario lacks. The engine never reads a narration:
//! the run is the same with or without it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What to watch and what to try.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Narration {
    /// Things to look at while it runs, in the order they happen. A
    /// `{MEASURE NAME}` in a line is a live counter; the measures:
    ///
    /// - `lag GROUP`: records the group has yet to commit, over its topics;
    /// - `processed MEMBER`, `duplicates MEMBER`: a Kafka consumer's counts;
    /// - `records TOPIC`: records written to the topic (its log-end offsets);
    /// - `isr TOPIC-N`, `leader TOPIC-N`: partition N's in-sync replicas and
    ///   leader;
    /// - `failover TOPIC-N`: how long partition N last went without a
    ///   leader after its leader died or was cut off (or how long so far);
    /// - `controller active`, `controller epoch`: in KRaft mode, the active
    ///   controller and its epoch;
    /// - `ready QUEUE`, `unacked QUEUE`, `discarded QUEUE`: a queue's counts;
    /// - `acked CONSUMER`, `requeued CONSUMER`: a RabbitMQ consumer's counts;
    /// - `routed EXCHANGE`, `dropped EXCHANGE`: messages the exchange routed
    ///   to at least one queue, and those it could route nowhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch_for: Vec<String>,
    /// Steps for the student, checked off when done.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub try_this: Vec<Step>,
}

/// One step for the student to take.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub text: String,
    /// When the step counts as done, one of:
    ///
    /// - `did KIND FIELD=VALUE…`: an intervention of that kind (a timeline
    ///   `do`) made in the page, with those fields, as in its timeline
    ///   entry (`did broker_kill broker=1`). Where the entry holds a whole
    ///   object (a new consumer, a queue), the value matches its `name`;
    /// - `inspected WHAT`: the inspector opened on a `broker`, `controller`
    ///   (a KRaft voter), `metadata_record` (a record of the KRaft metadata
    ///   log), `partition`, `record`, `consumer`, `producer`, `queue`,
    ///   `message`, `rabbit_consumer` or `publisher`;
    /// - `rewound`: the timeline scrubbed back to an earlier moment.
    pub done_when: String,
}

/// A step's check, read.
#[derive(Clone, Debug, PartialEq)]
pub enum Check<'a> {
    Did {
        kind: &'a str,
        /// `(field, value)` pairs, values as written.
        with: Vec<(&'a str, &'a str)>,
    },
    Inspected(&'a str),
    Rewound,
}

/// What the inspector can be opened on, as a check names it.
pub const INSPECTABLE: &[&str] = &[
    "broker",
    "controller",
    "metadata_record",
    "partition",
    "record",
    "consumer",
    "producer",
    "queue",
    "message",
    "rabbit_consumer",
    "publisher",
];

/// Reads a step's `done_when`; `None` if it is none of the three forms.
pub fn parse_check(text: &str) -> Option<Check<'_>> {
    let mut words = text.split_whitespace();
    let check = match words.next()? {
        "did" => Check::Did {
            kind: words.next()?,
            with: words
                .map(|pair| pair.split_once('='))
                .collect::<Option<_>>()?,
        },
        "inspected" => Check::Inspected(words.next()?),
        "rewound" => Check::Rewound,
        _ => return None,
    };
    // Nothing may follow `inspected WHAT` or `rewound`.
    let words = text.split_whitespace().count();
    match check {
        Check::Inspected(_) if words != 2 => None,
        Check::Rewound if words != 1 => None,
        check => Some(check),
    }
}

/// A piece of a watch line: words, or a counter to fill in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// The braces' contents: `lag notifications`.
    Counter(&'a str),
}

/// Splits a watch line into words and counters. An unclosed `{` is text.
pub fn pieces(line: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while let Some((before, after)) = rest.split_once('{') {
        let Some((counter, after)) = after.split_once('}') else {
            break;
        };
        if !before.is_empty() {
            pieces.push(Piece::Text(before));
        }
        pieces.push(Piece::Counter(counter));
        rest = after;
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// The measures a counter may use, with what each measures.
pub const MEASURES: &[(&str, Measured)] = &[
    ("lag", Measured::Group),
    ("archived", Measured::Group),
    ("paused", Measured::Group),
    ("stopped", Measured::Group),
    ("processed", Measured::Member),
    ("duplicates", Measured::Member),
    ("records", Measured::Topic),
    ("isr", Measured::Partition),
    ("leader", Measured::Partition),
    ("failover", Measured::Partition),
    ("controller", Measured::Quorum),
    ("ready", Measured::Queue),
    ("unacked", Measured::Queue),
    ("discarded", Measured::Queue),
    ("acked", Measured::RabbitConsumer),
    ("requeued", Measured::RabbitConsumer),
    ("routed", Measured::Exchange),
    ("dropped", Measured::Exchange),
];

/// What a counter's name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measured {
    Group,
    Member,
    Topic,
    /// `TOPIC-N`, as Kafka's tools write a partition.
    Partition,
    /// A KRaft quorum's `active` controller or its `epoch`.
    Quorum,
    Queue,
    RabbitConsumer,
    Exchange,
}

impl Measured {
    /// What it is, in words.
    pub fn noun(self) -> &'static str {
        match self {
            Measured::Group => "consumer or share group",
            Measured::Member => "Kafka consumer",
            Measured::Topic => "topic",
            Measured::Partition => "partition",
            Measured::Quorum => "KRaft quorum fact (active or epoch)",
            Measured::Queue => "queue",
            Measured::RabbitConsumer => "RabbitMQ consumer",
            Measured::Exchange => "exchange",
        }
    }
}

/// Splits a counter into what it measures, the measure and the name:
/// `"lag billing"` gives `(Measured::Group, "lag", "billing")`.
pub fn parse_counter(counter: &str) -> Option<(Measured, &str, &str)> {
    let (measure, name) = counter.split_once(' ')?;
    let (_, measured) = MEASURES.iter().find(|(m, _)| *m == measure)?;
    Some((*measured, measure, name))
}

/// Splits `orders-2` into the topic and partition 2.
pub fn parse_partition(name: &str) -> Option<(&str, u32)> {
    let (topic, partition) = name.rsplit_once('-')?;
    Some((topic, partition.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_read_in_their_three_forms() {
        assert_eq!(
            parse_check("did broker_kill broker=1"),
            Some(Check::Did {
                kind: "broker_kill",
                with: vec![("broker", "1")]
            })
        );
        assert_eq!(
            parse_check("inspected record"),
            Some(Check::Inspected("record"))
        );
        assert_eq!(parse_check("rewound"), Some(Check::Rewound));
        for bad in [
            "",
            "did",
            "did broker_kill 1",
            "inspected",
            "inspected a b",
            "rewound twice",
            "kill",
        ] {
            assert_eq!(parse_check(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_watch_line_splits_into_words_and_counters() {
        assert_eq!(
            pieces("lag {lag g}, ready {ready q}."),
            vec![
                Piece::Text("lag "),
                Piece::Counter("lag g"),
                Piece::Text(", ready "),
                Piece::Counter("ready q"),
                Piece::Text("."),
            ]
        );
        assert_eq!(
            pieces("no counter {here"),
            vec![Piece::Text("no counter {here")]
        );
    }
}
