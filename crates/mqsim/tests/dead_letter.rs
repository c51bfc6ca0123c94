//! Retry N times, then the dead-letter topic: the pattern of Spring for
//! Apache Kafka's `DefaultErrorHandler` with `DeadLetterPublishingRecoverer`
//! (header names from `KafkaHeaders.DLT_ORIGINAL_TOPIC` and friends).

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{TopicId, TopicPartition};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One partition of `orders` fed by keys a, b and "mallory" (poison when
/// `poison`); a one-member group that retries `retries` times 500 ms apart.
fn scenario(
    retries: u32,
    dead_letter: bool,
    probability: f64,
    seed: u64,
    poison: bool,
) -> Scenario {
    let dlt = if dead_letter {
        r#", "dead_letter_topic": "orders.DLT""#
    } else {
        ""
    };
    let poison_keys = if poison { r#"["mallory"]"# } else { "[]" };
    Scenario::from_json(&format!(
        r#"{{
        "version": 1, "name": "dlt", "seed": {seed}, "duration_ms": 60000,
        "network": {{ "latency_ms": 10 }},
        "kafka": {{
            "group_initial_rebalance_delay_ms": 0,
            "topics": [{{ "name": "orders", "partitions": 1 }}, {{ "name": "orders.DLT", "partitions": 1 }}],
            "producers": [{{ "name": "shop", "topic": "orders", "rate_per_sec": 4,
                             "keys": ["a", "b", "mallory"], "headers": {{ "source": "web" }} }}],
            "groups": [{{ "name": "billing", "topics": ["orders"], "auto_offset_reset": "earliest",
                          "commit": {{ "mode": "after_batch" }},
                          "failures": {{ "poison_keys": {poison_keys}, "probability": {probability} }},
                          "retry": {{ "retries": {retries}, "backoff_ms": 500{dlt} }},
                          "members": [{{ "name": "biller", "poll_interval_ms": 100, "max_poll_records": 10,
                                         "processing_ms": 20 }}] }}]
        }}
    }}"#
    ))
    .expect("valid scenario")
}

fn run(scenario: &Scenario, until_ms: u64) -> (Simulation, Vec<Event>) {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms))
}

#[test]
fn a_poison_record_is_retried_then_dead_lettered_with_its_origin_in_headers() {
    let (sim, trace) = run(&scenario(2, true, 0.0, 1, true), 20_000);
    let poison_offset = trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RecordFailed { offset, .. } => Some(*offset),
            _ => None,
        })
        .expect("the poison key was produced and failed");
    let attempts: Vec<(u32, u64, Option<u64>)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordFailed {
                offset,
                attempt,
                retry_at,
                ..
            } if *offset == poison_offset => {
                Some((*attempt, e.at.as_millis(), retry_at.map(SimTime::as_millis)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        attempts.len(),
        3,
        "the first try and two retries: {attempts:?}"
    );
    assert_eq!(
        attempts[0].2,
        Some(attempts[0].1 + 500),
        "retried after the 500 ms backoff"
    );
    assert_eq!(
        attempts[1].1,
        attempts[0].1 + 500 + 20,
        "the retry takes processing time too"
    );
    assert_eq!(attempts[2].2, None, "no retry after the last");

    let dlt = TopicPartition {
        topic: TopicId(1),
        partition: 0,
    };
    let dead = sim
        .kafka()
        .log(dlt)
        .get(0)
        .expect("the record is in the dead-letter topic");
    assert_eq!(dead.key.as_deref(), Some("mallory"));
    let header = |name: &str| {
        dead.headers
            .iter()
            .find(|h| h.name.as_ref() == name)
            .map(|h| h.value.to_string())
    };
    assert_eq!(
        header("source").as_deref(),
        Some("web"),
        "original headers kept"
    );
    assert_eq!(
        header("kafka_dlt-original-topic").as_deref(),
        Some("orders")
    );
    assert_eq!(header("kafka_dlt-original-partition").as_deref(), Some("0"));
    assert_eq!(
        header("kafka_dlt-original-offset"),
        Some(poison_offset.to_string())
    );
    assert_eq!(
        header("kafka_dlt-exception-message").as_deref(),
        Some("poison record: cannot process key mallory")
    );

    // The partition is not blocked: the group committed past the poison record.
    let summary = sim.kafka_summary();
    let committed = summary.groups[0].partitions[0]
        .committed_offset
        .expect("committed");
    assert!(
        committed > poison_offset + 5,
        "committed {committed}, poison at {poison_offset}"
    );
}

#[test]
fn without_a_dead_letter_topic_the_record_is_skipped() {
    let (sim, trace) = run(&scenario(1, false, 0.0, 1, true), 10_000);
    let skipped = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::RecordSkipped { .. }))
        .count();
    assert!(skipped > 0);
    assert!(
        !trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::RecordDeadLettered { .. }))
    );
    assert_eq!(
        sim.kafka_summary().topics[1].partitions[0].log_end_offset,
        0,
        "nothing dead-lettered"
    );
}

#[test]
fn transient_failures_mostly_pass_on_retry_and_are_deterministic() {
    let scenario = scenario(3, true, 0.3, 9, false);
    let (_, first) = run(&scenario, 30_000);
    let (_, second) = run(&scenario, 30_000);
    assert_eq!(first, second, "the seed decides which attempts fail");
    let transient = |e: &&Event| matches!(&e.kind, EventKind::RecordFailed { error, .. } if error.as_ref() == "transient failure");
    assert!(first.iter().filter(transient).count() > 10);
    let recovered = first
        .iter()
        .filter(|e| matches!(e.kind, EventKind::RecordProcessed { .. }))
        .count();
    assert!(recovered > 50, "most records pass");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Conservation: every record below the committed offset was processed,
    /// dead-lettered or skipped; nothing is silently lost. Every dead-lettered
    /// record arrives in the dead-letter topic.
    #[test]
    fn every_committed_record_was_handled(
        retries in 0u32..4,
        dead_letter in any::<bool>(),
        probability in 0.0f64..0.6,
        seed in any::<u64>(),
        poison in any::<bool>(),
    ) {
        let (sim, trace) = run(&scenario(retries, dead_letter, probability, seed, poison), 15_000);
        let mut handled: BTreeSet<u64> = BTreeSet::new();
        let mut dead_lettered = BTreeMap::new();
        for e in &trace {
            match &e.kind {
                EventKind::RecordProcessed { offset, .. } | EventKind::RecordSkipped { offset, .. } => {
                    handled.insert(*offset);
                }
                EventKind::RecordDeadLettered { offset, dead_letter_record, .. } => {
                    handled.insert(*offset);
                    dead_lettered.insert(*dead_letter_record, *offset);
                }
                _ => {}
            }
        }
        let summary = sim.kafka_summary();
        if let Some(committed) = summary.groups[0].partitions[0].committed_offset {
            for offset in 0..committed {
                prop_assert!(handled.contains(&offset), "offset {} committed but never handled", offset);
            }
        }
        let appended_to_dlt = trace
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::RecordAppended { record, tp, .. }
                if tp.topic == TopicId(1) && dead_lettered.contains_key(record)))
            .count();
        let in_flight = trace
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::RecordDeadLettered { arrives_at, .. } if arrives_at.as_millis() > 15_000))
            .count();
        prop_assert_eq!(appended_to_dlt + in_flight, dead_lettered.len());
    }
}
