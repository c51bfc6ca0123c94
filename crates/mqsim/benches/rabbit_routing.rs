//! How routing cost grows with the number of topic bindings.
//!
//! `cargo bench -p mqsim --bench rabbit_routing`. One topic exchange with
//! 10, 1 000 or 10 000 bindings, each a pattern like `region-7.*.shipped`,
//! `region-7.#` or `*.orders-7.*`, each to its own queue; each iteration
//! routes 1 000 messages with keys drawn over the same words. With a trie
//! the cost per message should barely depend on the binding count.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mqsim::rabbit::headers::FieldTable;
use mqsim::rabbit::topology::{Binding, Destination, Exchange, ExchangeType, Topology};
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

criterion_group!(benches, topic_routing);
criterion_main!(benches);
