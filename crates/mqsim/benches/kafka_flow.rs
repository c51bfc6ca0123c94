//! How fast the engine simulates the produce → fetch → process → commit flow,
//! in simulated records per second of wall time, with the trace only counted.
//!
//! `cargo bench -p mqsim --bench kafka_flow`. Each run simulates 10 seconds of
//! 16 producers at 10 000 records/s each (1.6 million records) into one topic
//! read by one group of 8 members, once with 1 partition and once with 1 000:
//! the per-record cost should barely depend on the partition count.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mqsim::kafka::assignor::Strategy;
use mqsim::scenario::{
    CommitMode, GroupSpec, KafkaSpec, MemberSpec, Network, OffsetReset, ProducerSpec, ScenarioFile,
    TopicSpec,
};
use mqsim::trace::CountingSink;
use mqsim::{Scenario, SimTime, Simulation};
use std::hint::black_box;

const SIMULATED_MS: u64 = 10_000;
const PRODUCERS: usize = 16;
const RATE: f64 = 10_000.0;

fn scenario(partitions: u32) -> Scenario {
    ScenarioFile {
        version: 1,
        name: "throughput".into(),
        description: String::new(),
        seed: 1,
        duration_ms: SIMULATED_MS,
        network: Network { latency_ms: 1 },
        kafka: KafkaSpec {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
                retention_ms: None,
                retention_records: None,
            }],
            producers: (0..PRODUCERS)
                .map(|p| ProducerSpec {
                    name: format!("p{p}"),
                    topic: "t".into(),
                    rate_per_sec: RATE,
                    keys: (0..100).map(|k| format!("key-{k}")).collect(),
                    unkeyed_ratio: 0.1,
                    partition: None,
                    keyless: Default::default(),
                    headers: Default::default(),
                })
                .collect(),
            groups: vec![GroupSpec {
                name: "g".into(),
                topics: vec!["t".into()],
                commit: CommitMode::AfterBatch,
                auto_offset_reset: OffsetReset::Earliest,
                assignment_strategy: Strategy::Range,
                failures: Default::default(),
                retry: Default::default(),
                session_timeout_ms: 45_000,
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
            group_initial_rebalance_delay_ms: 0,
            retention_check_interval_ms: 300_000,
        },
        timeline: Vec::new(),
    }
    .validate()
    .expect("valid benchmark scenario")
}

fn produce_consume_commit(c: &mut Criterion) {
    let mut group = c.benchmark_group("produce_consume_commit");
    group.sample_size(10);
    let records = (SIMULATED_MS as f64 / 1000.0 * RATE) as u64 * PRODUCERS as u64;
    group.throughput(Throughput::Elements(records));
    for partitions in [1, 1000] {
        let scenario = scenario(partitions);
        group.bench_with_input(
            BenchmarkId::from_parameter(partitions),
            &scenario,
            |b, scenario| {
                b.iter(|| {
                    let mut sim = Simulation::new(scenario);
                    let mut sink = CountingSink::default();
                    sim.run_until(SimTime::from_millis(SIMULATED_MS), &mut sink);
                    black_box(sink.events)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, produce_consume_commit);
criterion_main!(benches);
