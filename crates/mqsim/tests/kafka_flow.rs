//! The produce → log → poll → commit flow, checked through the public API
//! over many random scenarios.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::kafka::assignor::Strategy as AssignmentStrategy;
use mqsim::scenario::{
    CommitMode, GroupSpec, KafkaSpec, MemberSpec, Network, OffsetReset, ProducerSpec, ScenarioFile,
    TopicSpec,
};
use mqsim::{EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The knobs the tests turn; everything else is fixed.
struct Flow {
    seed: u64,
    partitions: u32,
    rate_per_sec: f64,
    members: usize,
    commit: CommitMode,
    processing_ms: u64,
    strategy: AssignmentStrategy,
}

fn scenario(flow: &Flow) -> Scenario {
    let &Flow {
        seed,
        partitions,
        rate_per_sec,
        members,
        commit,
        processing_ms,
        strategy,
    } = flow;
    ScenarioFile {
        version: 1,
        name: "flow".into(),
        description: String::new(),
        seed,
        duration_ms: 60_000,
        network: Network { latency_ms: 20 },
        kafka: KafkaSpec {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
            }],
            producers: vec![ProducerSpec {
                name: "p".into(),
                topic: "t".into(),
                rate_per_sec,
                keys: (0..10).map(|k| format!("key-{k}")).collect(),
                unkeyed_ratio: 0.3,
                partition: None,
            }],
            groups: vec![GroupSpec {
                name: "g".into(),
                topics: vec!["t".into()],
                commit,
                auto_offset_reset: OffsetReset::Earliest,
                assignment_strategy: strategy,
                members: (0..members)
                    .map(|m| MemberSpec {
                        name: format!("m{m}"),
                        poll_interval_ms: 200,
                        max_poll_records: 8,
                        processing_ms,
                    })
                    .collect(),
            }],
        },
    }
    .validate()
    .expect("valid")
}

fn commit_mode() -> impl Strategy<Value = CommitMode> {
    prop_oneof![
        Just(CommitMode::AfterBatch),
        (100u64..3_000).prop_map(|interval_ms| CommitMode::Auto { interval_ms }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Offsets are dense per partition, each record is processed at most
    /// once (no failures yet), in offset order per partition, only by the
    /// partition's owner; committed offsets never go back and never pass the
    /// log end.
    #[test]
    fn the_flow_keeps_kafkas_ordering_and_offset_rules(
        seed in any::<u64>(),
        partitions in 1u32..8,
        rate in 1.0f64..80.0,
        members in 1usize..6,
        commit in commit_mode(),
        processing_ms in 0u64..40,
        strategy in proptest::sample::select(AssignmentStrategy::ALL.to_vec()),
    ) {
        let scenario = scenario(&Flow { seed, partitions, rate_per_sec: rate, members, commit, processing_ms, strategy });
        let mut sim = Simulation::new(&scenario);
        let mut trace = Vec::new();
        sim.run_until(SimTime::from_millis(20_000), &mut trace);

        let mut log_end = vec![0u64; partitions as usize];
        let mut next_processed = vec![0u64; partitions as usize];
        let mut committed: BTreeMap<u32, u64> = BTreeMap::new();
        let mut owner = BTreeMap::new();
        let mut sent_key = BTreeMap::new();
        for event in &trace {
            match &event.kind {
                EventKind::RecordSent { record, key, tp, .. } => {
                    let partition = &tp.partition;
                    sent_key.insert(*record, (key.clone(), *partition));
                }
                EventKind::RecordAppended { record, tp, offset } => {
                    let partition = &tp.partition;
                    prop_assert_eq!(*offset, log_end[*partition as usize], "offsets are dense");
                    log_end[*partition as usize] += 1;
                    prop_assert_eq!(sent_key[record].1, *partition, "lands where it was sent");
                }
                EventKind::GroupRebalanced { assignment, .. } => {
                    for a in assignment {
                        for tp in &a.partitions {
                            prop_assert!(owner.insert(tp.partition, a.consumer).is_none(), "one owner");
                        }
                    }
                }
                EventKind::RecordProcessed { consumer, tp, offset, .. } => {
                    let partition = &tp.partition;
                    prop_assert_eq!(owner.get(partition), Some(consumer), "only the owner reads");
                    prop_assert_eq!(*offset, next_processed[*partition as usize], "in offset order");
                    next_processed[*partition as usize] += 1;
                    prop_assert!(*offset < log_end[*partition as usize]);
                }
                EventKind::OffsetCommitted { tp, offset, .. } => {
                    let partition = &tp.partition;
                    let before = committed.insert(*partition, *offset).unwrap_or(0);
                    prop_assert!(*offset >= before, "committed offsets never go back");
                    prop_assert!(*offset <= log_end[*partition as usize]);
                    prop_assert!(*offset <= next_processed[*partition as usize], "commit only what was processed");
                }
                _ => {}
            }
        }
        prop_assert_eq!(owner.len() as u32, partitions, "every partition is owned");

        // The same key always went to the same partition.
        let mut key_partition = BTreeMap::new();
        for (key, partition) in sent_key.values() {
            if let Some(key) = key {
                let first = *key_partition.entry(key.clone()).or_insert(*partition);
                prop_assert_eq!(first, *partition);
            }
        }

        // The summary agrees with the trace: lag = log end - committed.
        let summary = sim.kafka_summary();
        for p in &summary.groups[0].partitions {
            prop_assert_eq!(p.log_end_offset, log_end[p.partition as usize]);
            prop_assert_eq!(p.committed_offset, committed.get(&p.partition).copied());
            if let Some(c) = p.committed_offset {
                prop_assert_eq!(p.lag, Some(p.log_end_offset - c));
            }
        }
    }
}

/// A consumer that keeps up leaves no lag once the producer's last records
/// have had time to be processed and committed.
#[test]
fn a_fast_group_catches_up_to_zero_lag() {
    let scenario = scenario(&Flow {
        seed: 3,
        partitions: 3,
        rate_per_sec: 10.0,
        members: 2,
        commit: CommitMode::AfterBatch,
        processing_ms: 5,
        strategy: AssignmentStrategy::Range,
    });
    let mut sim = Simulation::new(&scenario);
    let mut trace = Vec::new();
    sim.run_until(SimTime::from_millis(30_000), &mut trace);
    let produced: u64 = sim.kafka_summary().topics[0]
        .partitions
        .iter()
        .map(|p| p.log_end_offset)
        .sum();
    assert!(produced >= 299, "10/s for 30 s, got {produced}");
    let lag: u64 = sim.kafka_summary().groups[0]
        .partitions
        .iter()
        .map(|p| p.lag.unwrap_or(u64::MAX))
        .sum();
    assert!(
        lag <= 3,
        "lag {lag}: only records still in flight may be unprocessed"
    );
}

/// A consumer slower than the producer falls behind: lag grows. This is the
/// design notes' pace-matching example, where the queue absorbs the backlog.
#[test]
fn a_slow_group_builds_a_backlog() {
    let scenario = scenario(&Flow {
        seed: 3,
        partitions: 1,
        rate_per_sec: 10.0,
        members: 1,
        commit: CommitMode::AfterBatch,
        processing_ms: 400,
        strategy: AssignmentStrategy::Range,
    });
    let mut sim = Simulation::new(&scenario);
    let mut trace = Vec::new();
    sim.run_until(SimTime::from_millis(10_000), &mut trace);
    let early = sim.kafka_summary().groups[0].partitions[0].lag.unwrap_or(0);
    sim.run_until(SimTime::from_millis(20_000), &mut trace);
    let late = sim.kafka_summary().groups[0].partitions[0].lag.unwrap_or(0);
    assert!(early >= 50 && late >= early + 50, "lag {early} then {late}");
}
