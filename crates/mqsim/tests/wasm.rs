//! The engine compiled to wasm32 and run in headless Chromium
//! (`wasm-bindgen-test`): its trace must equal, byte for byte, the golden trace
//! that the native `determinism` test checks.

#![cfg(target_arch = "wasm32")]

mod common;

use common::{
    FAILOVER_GOLDEN, GOLDEN_TRACE, KAFKA4_GOLDENS, RABBIT_GOLDEN, default_preset_trace,
    failover_outcome, preset_outcome, rabbit_outcome,
};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_browser_engine_gives_the_native_trace() {
    let trace = default_preset_trace();
    assert_eq!(trace.lines().count(), GOLDEN_TRACE.lines().count());
    assert!(
        trace == GOLDEN_TRACE,
        "the wasm trace differs from the native golden trace"
    );
}

/// The whole cluster run (ZooKeeper, elections, replication, truncation)
/// ends the same in the browser as natively.
#[wasm_bindgen_test]
fn the_browser_cluster_ends_as_the_native_one() {
    assert!(
        failover_outcome() == FAILOVER_GOLDEN,
        "the wasm cluster run differs from the native golden outcome"
    );
}

/// The Kafka 4 presets (the KRaft controller quorum's elections, the
/// metadata log, fencing; share groups' deliveries) end the same in the
/// browser as natively.
#[wasm_bindgen_test]
fn the_browser_kafka_4_presets_end_as_the_native_ones() {
    for (id, golden) in KAFKA4_GOLDENS {
        assert!(
            preset_outcome(id) == *golden,
            "the wasm run of {id} differs from the native golden outcome"
        );
    }
}

/// The RabbitMQ broker (routing, requeues, dead-lettering, TTL) ends the
/// same in the browser as natively.
#[wasm_bindgen_test]
fn the_browser_broker_ends_as_the_native_one() {
    assert!(
        rabbit_outcome() == RABBIT_GOLDEN,
        "the wasm broker run differs from the native golden outcome"
    );
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic_in_wasm() {
    let err = mqsim::Scenario::from_json("{\"version\": 1,").expect_err("truncated");
    assert!(err.to_string().contains("EOF"), "{err}");
}
