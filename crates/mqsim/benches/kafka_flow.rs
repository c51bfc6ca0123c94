//! How fast the engine simulates the produce → fetch → process → commit flow,
//! in simulated records per second of wall time, with the trace only counted.
//!
//! `cargo bench -p mqsim --bench kafka_flow`. Each run simulates 10 seconds of
//! 16 producers at 10 000 records/s each (1.6 million records) into one topic
//! read by one group of 8 members, once with 1 partition and once with 1 000:
//! the per-record cost should barely depend on the partition count. Then
//! the same load on 3 brokers with replication factor 1 and 3, for the cost
//! of replication, and with 3 in KRaft mode, for the cost of the quorum. A last benchmark runs the one-second slice that
//! `wasm_kafka_flow.rs` runs in headless Chromium, for the wasm/native ratio.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use workload::{records, replicated, run, scenario};

mod workload;

const SIMULATED_MS: u64 = 10_000;
/// The slice of the workload that the wasm benchmark also runs, for the
/// wasm/native ratio.
const RATIO_MS: u64 = 1_000;

fn produce_consume_commit(c: &mut Criterion) {
    let mut group = c.benchmark_group("produce_consume_commit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records(SIMULATED_MS)));
    for partitions in [1, 1000] {
        let scenario = scenario(partitions, SIMULATED_MS);
        group.bench_with_input(
            BenchmarkId::from_parameter(partitions),
            &scenario,
            |b, scenario| b.iter(|| black_box(run(scenario, SIMULATED_MS))),
        );
    }
    group.finish();

    // Replication's cost per record: 3 brokers, replication factor 1 or 3.
    let mut replication = c.benchmark_group("replication");
    replication.sample_size(10);
    replication.throughput(Throughput::Elements(records(SIMULATED_MS)));
    for replication_factor in [1, 3] {
        let scenario = replicated(12, 3, replication_factor, SIMULATED_MS);
        replication.bench_with_input(
            BenchmarkId::new("replication_factor", replication_factor),
            &scenario,
            |b, scenario| b.iter(|| black_box(run(scenario, SIMULATED_MS))),
        );
    }
    // The same with replication factor 3 in KRaft mode: the controller
    // quorum's own traffic (fetches, NoOpRecords, heartbeats) on top.
    let mut kraft = replicated(12, 3, 3, SIMULATED_MS).file().clone();
    kraft.kafka.cluster.metadata =
        serde_json::from_str(r#"{"mode": "kraft"}"#).expect("KRaft metadata");
    let kraft = kraft.validate().expect("a valid KRaft scenario");
    replication.bench_with_input(
        BenchmarkId::new("replication_factor_3", "kraft"),
        &kraft,
        |b, scenario| b.iter(|| black_box(run(scenario, SIMULATED_MS))),
    );
    replication.finish();

    // The same one-second slice the wasm benchmark runs (wasm_kafka_flow.rs).
    let mut ratio = c.benchmark_group("wasm_ratio");
    ratio.throughput(Throughput::Elements(records(RATIO_MS)));
    let scenario = scenario(1, RATIO_MS);
    ratio.bench_function("1_partition_1s", |b| {
        b.iter(|| black_box(run(&scenario, RATIO_MS)))
    });
    ratio.finish();
}

criterion_group!(benches, produce_consume_commit);
criterion_main!(benches);
