//! Retention and `auto.offset.reset`, after Kafka's topic configs
//! `retention.ms` / `retention.bytes`, the broker's
//! `log.retention.check.interval.ms`, and the consumer's `auto.offset.reset`
//! handling of `OFFSET_OUT_OF_RANGE`.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use std::collections::BTreeSet;

/// One partition at 10 records/s, kept by count or by age, read by one
/// consumer that needs `processing_ms` per record.
fn scenario(retention: &str, reset: &str, processing_ms: u64, seed: u64) -> Scenario {
    Scenario::from_json(&format!(
        r#"{{
        "version": 1, "name": "retention", "seed": {seed}, "duration_ms": 60000,
        "network": {{ "latency_ms": 10 }},
        "kafka": {{
            "group_initial_rebalance_delay_ms": 0,
            "retention_check_interval_ms": 1000,
            "topics": [{{ "name": "gps", "partitions": 1, {retention} }}],
            "producers": [{{ "name": "cab", "topic": "gps", "rate_per_sec": 10 }}],
            "groups": [{{ "name": "tracker", "topics": ["gps"], "auto_offset_reset": "{reset}",
                          "commit": {{ "mode": "after_batch" }},
                          "members": [{{ "name": "t1", "poll_interval_ms": 200, "max_poll_records": 5,
                                         "processing_ms": {processing_ms} }}] }}]
        }}
    }}"#
    ))
    .expect("valid scenario")
}

fn run(scenario: &Scenario, until_ms: u64) -> (Simulation, Vec<Event>) {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms))
}

#[test]
fn count_retention_trims_the_log_and_a_slow_group_resets_to_the_log_start() {
    let (sim, trace) = run(
        &scenario(r#""retention_records": 20"#, "earliest", 300, 1),
        30_000,
    );
    let summary = sim.kafka_summary();
    let partition = &summary.topics[0].partitions[0];
    assert!(
        partition.messages <= 20 + 10,
        "at most 20 kept, plus one check interval of new records"
    );
    assert_eq!(partition.log_end_offset, 300, "offsets keep counting");
    let trims: Vec<u64> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::LogTrimmed {
                log_start_offset, ..
            } => Some(log_start_offset),
            _ => None,
        })
        .collect();
    assert!(
        trims.windows(2).all(|w| w[0] < w[1]),
        "the log start only moves forward"
    );
    let resets: Vec<(u64, u64)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::OffsetReset {
                from: Some(from),
                to,
                ..
            } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert!(!resets.is_empty(), "the group fell off the log");
    for (from, to) in resets {
        assert!(from < to, "earliest jumps forward to the log start");
        assert!(trims.contains(&to), "to a log start retention set");
    }
}

#[test]
fn latest_resets_jump_to_the_log_end() {
    let (_, trace) = run(
        &scenario(r#""retention_records": 20"#, "latest", 300, 1),
        30_000,
    );
    let ends: Vec<(u64, u64)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::OffsetReset {
                from: Some(from),
                to,
                ..
            } => Some((*from, *to)),
            _ => None,
        })
        .collect();
    assert!(!ends.is_empty());
    assert!(
        ends.iter().all(|(from, to)| to - from > 20),
        "skips everything still retained: {ends:?}"
    );
}

#[test]
fn time_retention_deletes_records_older_than_retention_ms() {
    let (sim, _) = run(
        &scenario(r#""retention_ms": 5000"#, "earliest", 1, 1),
        20_000,
    );
    let log = sim.kafka().log(mqsim::ids::TopicPartition {
        topic: mqsim::ids::TopicId(0),
        partition: 0,
    });
    let oldest = log
        .get(log.log_start_offset())
        .expect("recent records kept")
        .timestamp;
    assert!(
        oldest.as_millis() >= 20_000 - 5_000 - 1_000,
        "oldest kept at {oldest}"
    );
    assert!(log.log_start_offset() > 100, "older ones are gone");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Conservation: every record below the group's committed offset was
    /// processed, or was deleted by retention before the group read it
    /// (skipped by an offset reset); everything from the committed offset up
    /// is lag. Nothing disappears unaccounted.
    #[test]
    fn every_record_is_consumed_trimmed_or_lag(
        keep in 5u64..60,
        processing_ms in 1u64..300,
        earliest in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let reset = if earliest { "earliest" } else { "latest" };
        let (sim, trace) = run(&scenario(&format!(r#""retention_records": {keep}"#), reset, processing_ms, seed), 20_000);
        let mut handled = BTreeSet::new();
        let mut skipped = BTreeSet::new();
        for e in &trace {
            match e.kind {
                EventKind::RecordProcessed { offset, .. } => { handled.insert(offset); }
                // A new group's start (from none) skips what came before it.
                EventKind::OffsetReset { from, to, .. } => { skipped.extend(from.unwrap_or(0)..to); }
                _ => {}
            }
        }
        let summary = sim.kafka_summary();
        let p = &summary.groups[0].partitions[0];
        if let Some(committed) = p.committed_offset {
            for offset in 0..committed {
                prop_assert!(handled.contains(&offset) || skipped.contains(&offset),
                    "offset {} below committed {} neither consumed nor trimmed", offset, committed);
            }
            prop_assert_eq!(p.lag, Some(p.log_end_offset - committed));
        }
    }
}
