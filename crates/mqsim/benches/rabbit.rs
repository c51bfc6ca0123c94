//! The RabbitMQ side's speed. `cargo bench -p mqsim --bench rabbit`.
//!
//! - `topic_routing`: how routing cost grows with the number of topic
//!   bindings. One topic exchange with 10, 1 000 or 10 000 bindings, each a
//!   pattern like `region-7.*.shipped`, `region-7.#` or `*.orders-7.*`, each
//!   to its own queue; each iteration routes 1 000 messages with keys drawn
//!   over the same words. With a trie the cost per message should barely
//!   depend on the binding count.
//! - `publish_deliver_ack`: whole simulated runs, 10 s of 4 publishers at
//!   10 000 messages/s each into 4 queues, each drained by 2 consumers
//!   (prefetch 100, no processing time) that acknowledge every message.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mqsim::rabbit::headers::FieldTable;
use mqsim::rabbit::topology::{Binding, Destination, Exchange, ExchangeType, Topology};
use mqsim::trace::CountingSink;
use mqsim::{Scenario, SimTime, Simulation};
use serde_json::json;
use std::hint::black_box;

const MESSAGES: usize = 1_000;

fn topology(bindings: usize) -> Topology {
    let exchange = Exchange {
        name: "events".into(),
        kind: ExchangeType::Topic,
        internal: false,
        alternate_exchange: None,
    };
    let queues: Vec<String> = (0..bindings).map(|i| format!("q{i}")).collect();
    let bindings: Vec<Binding> = (0..bindings)
        .map(|i| {
            let n = i / 3;
            let routing_key = match i % 3 {
                0 => format!("region-{n}.*.shipped"),
                1 => format!("region-{n}.#"),
                _ => format!("*.orders-{n}.*"),
            };
            Binding {
                source: "events".into(),
                destination: Destination::Queue(queues[i].clone()),
                routing_key,
                arguments: FieldTable::new(),
            }
        })
        .collect();
    Topology::new(&[exchange], &queues, &bindings).expect("a valid topology")
}

fn keys(bindings: usize) -> Vec<String> {
    let n = (bindings / 3).max(1);
    (0..MESSAGES)
        .map(|i| format!("region-{}.orders-{}.shipped", (i * 7) % n, (i * 13) % n))
        .collect()
}

fn topic_routing(c: &mut Criterion) {
    let mut group = c.benchmark_group("topic_routing");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    for bindings in [10, 1_000, 10_000] {
        let topology = topology(bindings);
        let keys = keys(bindings);
        let headers = FieldTable::new();
        group.bench_with_input(BenchmarkId::from_parameter(bindings), &keys, |b, keys| {
            b.iter(|| {
                let mut reached = 0;
                for key in keys {
                    reached += topology
                        .route("events", key, &headers)
                        .map_or(0, |r| r.queues.len());
                }
                black_box(reached)
            })
        });
    }
    group.finish();
}

const FLOW_MS: u64 = 10_000;
const FLOW_MESSAGES: u64 = 4 * 10_000 * FLOW_MS / 1_000;

fn flow_scenario() -> Scenario {
    let queues: Vec<String> = (0..4).map(|q| format!("q{q}")).collect();
    let file = json!({
        "version": 1, "name": "throughput", "seed": 1, "duration_ms": FLOW_MS,
        "network": {"latency_ms": 1},
        "rabbit": {
            "queues": queues.iter().map(|q| json!({"name": q})).collect::<Vec<_>>(),
            "publishers": (0..4).map(|p| json!({
                "name": format!("p{p}"), "exchange": "", "rate_per_sec": 10_000, "routing_keys": queues
            })).collect::<Vec<_>>(),
            "consumers": (0..8).map(|c| json!({
                "name": format!("c{c}"), "queue": queues[c % 4], "prefetch": 100, "processing_ms": 0
            })).collect::<Vec<_>>()
        }
    });
    Scenario::from_json(&file.to_string()).expect("a valid benchmark scenario")
}

fn publish_deliver_ack(c: &mut Criterion) {
    let mut group = c.benchmark_group("publish_deliver_ack");
    group.sample_size(10);
    group.throughput(Throughput::Elements(FLOW_MESSAGES));
    let scenario = flow_scenario();
    group.bench_function("4x10k_per_s_10s", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(&scenario);
            let mut sink = CountingSink::default();
            sim.run_until(SimTime::from_millis(FLOW_MS), &mut sink);
            black_box(sink.events)
        })
    });
    group.finish();
}

criterion_group!(benches, topic_routing, publish_deliver_ack);
criterion_main!(benches);
