//! The engine compiled to wasm32, benchmarked in headless Chromium with
//! wasm-bindgen-test's criterion: the one-second slice of the shared
//! workload that the native benchmark also runs as `wasm_ratio`. Compare
//! their throughputs for the wasm/native ratio.
//!
//! `cargo bench -p mqsim --target wasm32-unknown-unknown --bench wasm_kafka_flow`

#![cfg(target_arch = "wasm32")]

mod workload;

use std::hint::black_box;
use wasm_bindgen_test::{Criterion, wasm_bindgen_bench, wasm_bindgen_test_configure};
use workload::{records, run, scenario};

wasm_bindgen_test_configure!(run_in_browser);

const RATIO_MS: u64 = 1_000;

#[wasm_bindgen_bench]
fn wasm_ratio_1_partition_1s(c: &mut Criterion) {
    let scenario = scenario(1, RATIO_MS);
    c.bench_function(
        &format!("wasm_ratio/1_partition_1s ({} records)", records(RATIO_MS)),
        |b| b.iter(|| black_box(run(&scenario, RATIO_MS))),
    );
}
