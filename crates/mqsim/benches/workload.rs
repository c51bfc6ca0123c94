//! The benchmark workload, shared by the native (criterion) and the wasm
//! (wasm-bindgen-test) benchmarks so that both measure the same run: 16
//! producers at 10,000 keyed records/s each into one topic, read by one
//! group of 8 members that process instantly and commit after each batch.

use mqsim::kafka::assignor::Strategy;
use mqsim::scenario::{
    Acks, ClusterSpec, CommitMode, GroupSpec, KafkaSpec, MemberSpec, Network, OffsetReset,
    ProducerSpec, ScenarioFile, TopicSpec,
};
use mqsim::trace::CountingSink;
use mqsim::{Scenario, SimTime, Simulation};

/// Producers, each at `RATE` records per second.
pub const PRODUCERS: usize = 16;
pub const RATE: f64 = 10_000.0;

/// The workload over `partitions` partitions, lasting `simulated_ms`, on
/// one broker.
pub fn scenario(partitions: u32, simulated_ms: u64) -> Scenario {
    replicated(partitions, 1, 1, simulated_ms)
}

/// The workload on `brokers` brokers with `replication_factor` replicas
/// per partition.
pub fn replicated(
    partitions: u32,
    brokers: u32,
    replication_factor: u32,
    simulated_ms: u64,
) -> Scenario {
    ScenarioFile {
        version: 1,
        name: "throughput".into(),
        description: String::new(),
        seed: 1,
        duration_ms: simulated_ms,
        network: Network { latency_ms: 1 },
        kafka: KafkaSpec {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
                retention_ms: None,
                retention_records: None,
                replication_factor,
                min_insync_replicas: 1,
            }],
            producers: (0..PRODUCERS)
                .map(|p| ProducerSpec {
                    keys: (0..100).map(|k| format!("key-{k}")).collect(),
                    unkeyed_ratio: 0.1,
                    acks: Acks::All,
                    ..ProducerSpec::new(&format!("p{p}"), "t", RATE)
                })
                .collect(),
            groups: vec![GroupSpec {
                name: "g".into(),
                topics: vec!["t".into()],
                commit: CommitMode::AfterBatch,
                auto_offset_reset: OffsetReset::Earliest,
                assignment_strategy: Strategy::Range,
                protocol: Default::default(),
                remote_assignor: Default::default(),
                failures: Default::default(),
                retry: Default::default(),
                session_timeout_ms: 45_000,
                by_hand: false,
                members: (0..8)
                    .map(|m| MemberSpec {
                        name: format!("m{m}"),
                        poll_interval_ms: 5,
                        max_poll_records: 500,
                        processing_ms: 0,
                    })
                    .collect(),
            }],
            standalone_consumers: Vec::new(),
            share_groups: Vec::new(),
            group_initial_rebalance_delay_ms: 0,
            retention_check_interval_ms: 300_000,
            cluster: ClusterSpec {
                brokers,
                // A follower fetch every 5 ms, like the consumers' polls.
                replica_fetch_interval_ms: 5,
                ..ClusterSpec::default()
            },
        },
        rabbit: Default::default(),
        view: Default::default(),
        preset: None,
        narration: None,
        timeline: Vec::new(),
    }
    .validate()
    .expect("valid benchmark scenario")
}

/// Records the workload produces in `simulated_ms`.
pub fn records(simulated_ms: u64) -> u64 {
    (simulated_ms as f64 / 1000.0 * RATE) as u64 * PRODUCERS as u64
}

/// Runs the workload for `simulated_ms`, only counting events; returns the count.
pub fn run(scenario: &Scenario, simulated_ms: u64) -> u64 {
    let mut sim = Simulation::new(scenario);
    let mut sink = CountingSink::default();
    sim.run_until(SimTime::from_millis(simulated_ms), &mut sink);
    sink.events
}
