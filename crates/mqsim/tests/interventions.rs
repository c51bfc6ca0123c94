//! Interventions made by hand in the playground, run by the engine: a
//! record produced through a producer (its partitioner decides, as the Java
//! client's `send()` does), a poison record or message that no consumer can
//! process, and a consumer slowed down.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{MessageId, RecordId, TopicPartition};
use mqsim::rabbit::headers::FieldTable;
use mqsim::scenario::presets::Preset;
use mqsim::scenario::{Intervention, TimelineEntry};
use mqsim::trace::{DeathReason, PartitionChoice};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use std::collections::BTreeMap;

fn with(preset: &str, timeline: Vec<TimelineEntry>) -> Scenario {
    let mut file = Preset::find(preset)
        .expect("preset")
        .scenario()
        .file()
        .clone();
    file.timeline.extend(timeline);
    file.validate().expect("valid")
}

fn at(at_ms: u64, action: Intervention) -> TimelineEntry {
    TimelineEntry { at_ms, action }
}

fn run(scenario: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms)).1
}

fn produce(key: Option<&str>, partition: Option<u32>, poison: bool) -> Intervention {
    Intervention::Produce {
        producer: "checkout".into(),
        key: key.map(str::to_string),
        value: Some("typed by hand".into()),
        partition,
        headers: BTreeMap::from([("trace-id".to_string(), "42".to_string())]),
        poison,
        broker: None,
    }
}

/// The record sent at `at_ms` by hand: the one whose value was typed.
fn sent_by_hand(trace: &[Event]) -> (RecordId, TopicPartition, PartitionChoice) {
    trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RecordSent {
                record,
                tp,
                value,
                chosen_by,
                headers,
                ..
            } if value.to_string() == "typed by hand" => {
                assert!(
                    headers
                        .iter()
                        .any(|h| &*h.name == "trace-id" && &*h.value == "42")
                );
                Some((*record, *tp, *chosen_by))
            }
            _ => None,
        })
        .expect("the record was sent")
}

/// A keyed record goes where murmur2 puts the key, like every other record
/// from that producer; a named partition overrides the partitioner.
#[test]
fn a_record_produced_by_hand_goes_through_the_partitioner() {
    let keyed = run(
        &with(
            "order-notifications",
            vec![at(5_000, produce(Some("alice"), None, false))],
        ),
        6_000,
    );
    let (_, tp, chosen_by) = sent_by_hand(&keyed);
    assert_eq!(chosen_by, PartitionChoice::KeyHash);
    let alice = keyed
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RecordSent { key, tp, value, .. }
                if key.as_deref() == Some("alice") && value.to_string() != "typed by hand" =>
            {
                Some(*tp)
            }
            _ => None,
        })
        .expect("checkout sends alice too");
    assert_eq!(tp, alice, "the same key, the same partition");

    let pinned = run(
        &with(
            "order-notifications",
            vec![at(5_000, produce(Some("alice"), Some(2), false))],
        ),
        6_000,
    );
    let (_, tp, chosen_by) = sent_by_hand(&pinned);
    assert_eq!((tp.partition, chosen_by), (2, PartitionChoice::Explicit));
}

/// A poison record fails every attempt, is retried, then goes to the
/// dead-letter topic, and the group moves on past it.
#[test]
fn a_poison_record_is_retried_then_dead_lettered() {
    let trace = run(
        &with(
            "retry-dead-letter",
            vec![at(5_000, produce(Some("bob"), None, true))],
        ),
        20_000,
    );
    let (record, _, _) = sent_by_hand(&trace);
    let failures = trace
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::RecordFailed { record: r, error, .. } if *r == record && error.contains("poison")))
        .count();
    assert_eq!(failures, 3, "the first attempt and two retries");
    assert!(
        trace.iter().any(
            |e| matches!(e.kind, EventKind::RecordDeadLettered { record: r, .. } if r == record)
        )
    );
}

/// A slowed consumer falls behind: its group's lag grows.
#[test]
fn a_slowed_consumer_falls_behind() {
    let slow = Intervention::ConsumerSlow {
        group: Some("notifications".into()),
        member: "notifier-1".into(),
        processing_ms: 2_000,
    };
    let lag = |scenario: &Scenario| {
        let (sim, _) = Simulation::run_traced(scenario, SimTime::from_millis(60_000));
        sim.kafka_summary().groups[0]
            .partitions
            .iter()
            .filter_map(|p| p.lag)
            .sum::<u64>()
    };
    let normal = lag(&with("order-notifications", vec![]));
    let slowed_scenario = with("order-notifications", vec![at(10_000, slow)]);
    let slowed = lag(&slowed_scenario);
    assert!(slowed > normal + 20, "lag {slowed} slowed vs {normal}");
    let said = run(&slowed_scenario, 10_000);
    assert!(said.iter().any(|e| matches!(
        e.kind,
        EventKind::ConsumerSlowed {
            processing_ms: 2_000,
            ..
        }
    )));
}

/// A poison message published by hand is requeued until the quorum
/// queue's delivery limit, then dead-lettered; the headers given travel
/// with it, a nested table and array among them.
#[test]
fn a_poison_message_published_by_hand_is_dead_lettered() {
    let headers: FieldTable = serde_json::from_str(
        r#"{"priority": "high", "route": {"region": "eu", "hops": [1, 2.5]}}"#,
    )
    .unwrap();
    let poison = Intervention::RabbitPublish {
        publisher: "checkout".into(),
        exchange: None,
        routing_key: "order.card".into(),
        headers: headers.clone(),
        poison: true,
        mandatory: false,
        body: None,
        body_base64: None,
        properties: Default::default(),
    };
    let scenario = with("rabbit-retry-dead-letter", vec![at(5_000, poison)]);
    let (sim, trace) = Simulation::run_traced(&scenario, SimTime::from_millis(30_000));
    let id = trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::MessagePublished { message, .. } if e.at.as_millis() == 5_000 => {
                Some(*message)
            }
            _ => None,
        })
        .expect("published at 5 s");
    let payments_death = trace.iter().any(|e| {
        matches!(e.kind, EventKind::MessageDiscarded { message, reason: DeathReason::DeliveryLimit, .. } if message == id)
    });
    assert!(payments_death, "payments gives up after its delivery limit");
    let parked = sim.rabbit().held_copies(id);
    assert!(!parked.is_empty(), "a copy waits in a dead-letter queue");
    assert!(
        parked
            .iter()
            .all(|c| c.message.headers.get("route") == headers.get("route"))
    );
    let published = trace.iter().find_map(|e| match &e.kind {
        EventKind::MessagePublished {
            message, headers, ..
        } if *message == id => Some(headers),
        _ => None,
    });
    assert_eq!(
        published
            .and_then(|h| h.get("route"))
            .map(|v| v.to_string()),
        Some(r#"{region: "eu", hops: [1, 2.5]}"#.to_string())
    );
    assert_ne!(id, MessageId(u64::MAX));
}

#[test]
fn hand_interventions_name_what_does_not_exist() {
    let mut file = Preset::find("order-notifications")
        .unwrap()
        .scenario()
        .file()
        .clone();
    file.timeline = vec![
        at(
            1_000,
            Intervention::Produce {
                producer: "nobody".into(),
                key: None,
                value: None,
                partition: None,
                headers: BTreeMap::new(),
                poison: false,
                broker: None,
            },
        ),
        at(1_000, produce(None, Some(7), false)),
        at(
            1_000,
            Intervention::RabbitPublish {
                publisher: "ghost".into(),
                exchange: None,
                routing_key: "x".into(),
                headers: BTreeMap::new(),
                poison: false,
                mandatory: false,
                body: None,
                body_base64: None,
                properties: Default::default(),
            },
        ),
    ];
    let err = file.validate().unwrap_err().to_string();
    assert!(
        err.contains("timeline[0].producer: no producer named \"nobody\""),
        "{err}"
    );
    assert!(
        err.contains("timeline[1].partition: topic \"orders\" has partitions 0..=2, got 7"),
        "{err}"
    );
    assert!(
        err.contains("timeline[2].publisher: no publisher named \"ghost\""),
        "{err}"
    );
}

/// A producer added at 5 s sends from then on at its own rate; the one
/// removed at 10 s sends nothing after.
#[test]
fn producers_are_added_and_removed() {
    let added: mqsim::scenario::ProducerSpec = serde_json::from_str(
        r#"{"name": "mobile-app", "topic": "orders", "rate_per_sec": 2, "keys": ["zoe"]}"#,
    )
    .unwrap();
    let scenario = with(
        "order-notifications",
        vec![
            at(5_000, Intervention::ProducerAdd { producer: added }),
            at(
                10_000,
                Intervention::ProducerRemove {
                    producer: "checkout".into(),
                },
            ),
        ],
    );
    let trace = run(&scenario, 20_000);
    let sent_by = |producer: u32| -> Vec<u64> {
        trace
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::RecordSent { producer: p, .. } if p.0 == producer => {
                    Some(e.at.as_millis())
                }
                _ => None,
            })
            .collect()
    };
    let mobile = sent_by(1);
    assert_eq!(mobile.first(), Some(&5_000));
    assert_eq!(
        mobile.len(),
        31,
        "two a second from 5 s to 20 s, both ends: {mobile:?}"
    );
    assert!(sent_by(0).iter().all(|&t| t <= 10_000));
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::ProducerStopped { .. })
                && e.at.as_millis() == 10_000)
    );
    let mut dup = scenario.file().clone();
    dup.timeline.push(at(
        15_000,
        Intervention::ProducerRemove {
            producer: "nobody".into(),
        },
    ));
    let err = dup.validate().unwrap_err().to_string();
    assert!(
        err.contains("timeline[2].producer: no producer named \"nobody\" by then"),
        "{err}"
    );
}
