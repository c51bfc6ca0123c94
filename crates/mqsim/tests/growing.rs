//! A live run's recording grows one entry at a time
//! ([`Scenario::push_entry`]), each checked against only the entries that
//! shape its check. The promise: the verdict is exactly the one validating
//! the whole grown file gives, problems, paths and all.
//!
//! Over random sequences of entries, valid and not, for both brokers (names
//! drawn from a few, so that entries collide: a queue declared twice, one
//! deleted and then published to), each entry pushed gets the same answer
//! as the grown file's validation, and the recording stays valid. The
//! starting scenario scripts entries for late in the run, which a deletion
//! before them makes wrong: those problems come back with their numbers in
//! the grown file. Deliberate mutations, each caught: counting
//! `rabbit_queue_delete` as an entry that shapes nothing; numbering the
//! scripted entries' problems as in the checked copy.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::Scenario;
use mqsim::scenario::{ScenarioFile, TimelineEntry};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Both brokers, with entries scripted for late in the run.
fn start() -> Scenario {
    let file = json!({
        "version": 1, "name": "growing", "seed": 1, "duration_ms": 60000,
        "kafka": {
            "topics": [{"name": "orders", "partitions": 3}],
            "producers": [{"name": "shop", "topic": "orders", "rate_per_sec": 1}],
            "groups": [{"name": "billing", "topics": ["orders"], "members": [{"name": "b1"}]}]
        },
        "rabbit": {
            "queues": [{"name": "work"}],
            "publishers": [{"name": "front", "exchange": "", "routing_keys": ["work"], "rate_per_sec": 0}],
            "consumers": [{"name": "w1", "queue": "work", "by_hand": true}]
        },
        "timeline": [
            {"at_ms": 50000, "do": "rabbit_bind", "binding": {"source": "amq.topic", "destination": "work", "destination_type": "queue", "routing_key": "#"}},
            {"at_ms": 55000, "do": "rabbit_get", "consumer": "w1", "queue": "work"},
            {"at_ms": 56000, "do": "produce", "producer": "shop", "partition": 2}
        ]
    });
    Scenario::from_json(&file.to_string()).expect("the starting scenario is valid")
}

const QUEUES: [&str; 3] = ["work", "q1", "q2"];
const EXCHANGES: [&str; 2] = ["x1", "x2"];
const CONSUMERS: [&str; 3] = ["w1", "c1", "c2"];
const TOPICS: [&str; 2] = ["orders", "returns"];

/// The entry a kind and two picks make, at `at_ms`.
fn entry(at_ms: u64, kind: u8, a: usize, b: usize) -> TimelineEntry {
    let queue = QUEUES[a % QUEUES.len()];
    let exchange = EXCHANGES[b % EXCHANGES.len()];
    let consumer = CONSUMERS[b % CONSUMERS.len()];
    let topic = TOPICS[a % TOPICS.len()];
    let action = match kind {
        0 => json!({"do": "rabbit_queue_declare", "queue": {"name": queue}}),
        1 => json!({"do": "rabbit_queue_delete", "queue": queue}),
        2 => {
            json!({"do": "rabbit_exchange_declare", "exchange": {"name": exchange, "type": "topic"}})
        }
        3 => json!({"do": "rabbit_exchange_delete", "exchange": exchange}),
        4 => {
            json!({"do": "rabbit_bind", "binding": {"source": exchange, "destination": queue, "destination_type": "queue", "routing_key": "a.#"}})
        }
        5 => {
            json!({"do": "rabbit_unbind", "binding": {"source": exchange, "destination": queue, "destination_type": "queue", "routing_key": "a.#"}})
        }
        6 => {
            json!({"do": "rabbit_consumer_add", "consumer": {"name": consumer, "queue": queue, "by_hand": true}})
        }
        7 => {
            json!({"do": "rabbit_publish", "publisher": "front", "exchange": exchange, "routing_key": "a.b", "body": "hi"})
        }
        8 => json!({"do": "rabbit_get", "consumer": consumer, "queue": queue}),
        9 => json!({"do": "rabbit_ack", "consumer": consumer, "delivery_tag": b as u64 % 4}),
        10 => {
            json!({"do": "topic_create", "topic": {"name": topic, "partitions": 1 + a as u32 % 4}})
        }
        11 => json!({"do": "add_partitions", "topic": topic, "partitions": 2 + b as u32 % 4}),
        12 => json!({"do": "produce", "producer": "shop", "partition": b as u32 % 5}),
        13 => json!({"do": "consumer_join", "group": "billing", "member": {"name": consumer}}),
        14 => json!({"do": "broker_kill", "broker": b as u32 % 4}),
        _ => json!({"do": "rabbit_queue_purge", "queue": queue}),
    };
    let mut value = action;
    value["at_ms"] = json!(at_ms);
    serde_json::from_value(value).expect("a well-formed entry")
}

/// What validating `file` with `entry` in its timeline says: its path
/// and message of every problem, or where the entry went.
fn whole_file_verdict(file: &ScenarioFile, entry: &TimelineEntry) -> Result<usize, Vec<String>> {
    let mut grown = file.clone();
    let index = grown.timeline.partition_point(|e| e.at_ms <= entry.at_ms);
    grown.timeline.insert(index, entry.clone());
    match grown.validate() {
        Ok(_) => Ok(index),
        Err(e) => Err(said(&e.to_string())),
    }
}

fn said(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn an_entry_pushed_gets_the_whole_files_verdict(
        steps in prop::collection::vec((1u64..200, 0u8..16, any::<usize>(), any::<usize>()), 1..60)
    ) {
        let mut scenario = start();
        let mut at_ms = 0;
        for (gap, kind, a, b) in steps {
            // Live entries come in time order, a few at the same moment.
            at_ms += gap / 2 * 100;
            let entry = entry(at_ms, kind, a, b);
            let expected = whole_file_verdict(scenario.file(), &entry);
            let got = scenario.push_entry(entry).map_err(|e| said(&e.to_string()));
            prop_assert_eq!(&got, &expected);
            let recording: Value = serde_json::to_value(scenario.file()).unwrap();
            let replayed = Scenario::from_json(&recording.to_string());
            prop_assert!(replayed.is_ok(), "the recording stays valid: {:?}", replayed.err());
        }
    }
}

/// A deletion before a scripted entry that names the queue is refused, and
/// the problem names the scripted entry where it stands in the grown file.
#[test]
fn a_scripted_entry_made_wrong_is_named_where_it_stands() {
    let mut scenario = start();
    scenario
        .push_entry(entry(1000, 7, 0, 0))
        .expect_err("x1 is not declared");
    scenario
        .push_entry(entry(1000, 2, 0, 0))
        .expect("declares x1");
    for n in 0..5 {
        scenario
            .push_entry(entry(2000 + n, 7, 0, 0))
            .expect("publishes");
    }
    let refused = scenario.push_entry(entry(3000, 1, 0, 0)).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "timeline[7].binding: no queue named \"work\"\n\
         timeline[8].queue: no queue named \"work\" by then"
    );
    assert_eq!(scenario.file().timeline.len(), 9, "nothing changed");
}
