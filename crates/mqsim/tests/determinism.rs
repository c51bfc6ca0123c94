//! Same scenario and seed ⇒ the same trace, run after run and platform after
//! platform. The wasm half of this check is `wasm.rs`, run in headless
//! Chromium; both compare against the same checked-in golden trace.

mod common;

use common::{
    FAILOVER_GOLDEN, GOLDEN_TRACE, KAFKA4_GOLDENS, RABBIT_GOLDEN, default_preset_trace,
    failover_outcome, preset_outcome, rabbit_outcome, trace_json_lines,
};
use mqsim::scenario::presets;

#[test]
fn the_default_preset_matches_the_golden_trace() {
    let trace = default_preset_trace();
    if std::env::var_os("MQSIM_UPDATE_GOLDEN").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/golden/order-notifications.jsonl"
        );
        std::fs::write(path, &trace).expect("write golden trace");
        return;
    }
    assert!(
        trace == GOLDEN_TRACE,
        "the engine's trace changed. If the change is intended, regenerate with \
         MQSIM_UPDATE_GOLDEN=1 cargo test -p mqsim --test determinism, and say so in the commit: \
         shared links replay differently."
    );
}

/// Compares `outcome` with the checked-in `golden`, or, with
/// `MQSIM_UPDATE_GOLDEN` set, writes it as `tests/golden/<file>`.
fn check_golden_outcome(outcome: &str, golden: &str, file: &str) {
    if std::env::var_os("MQSIM_UPDATE_GOLDEN").is_some() {
        let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
        std::fs::write(path, outcome).expect("write golden outcome");
        return;
    }
    assert!(
        outcome == golden,
        "the outcome in {file} changed; regenerate with MQSIM_UPDATE_GOLDEN=1 if intended"
    );
}

#[test]
fn the_leader_failover_preset_matches_its_golden_outcome() {
    check_golden_outcome(&failover_outcome(), FAILOVER_GOLDEN, "leader-failover.json");
}

#[test]
fn the_kafka_4_presets_match_their_golden_outcomes() {
    for (id, golden) in KAFKA4_GOLDENS {
        check_golden_outcome(&preset_outcome(id), golden, &format!("{id}.json"));
    }
}

#[test]
fn the_rabbit_preset_matches_its_golden_outcome() {
    check_golden_outcome(
        &rabbit_outcome(),
        RABBIT_GOLDEN,
        "rabbit-retry-dead-letter.json",
    );
}

#[test]
fn two_runs_of_one_scenario_are_identical() {
    let scenario = presets::default_scenario();
    assert_eq!(
        trace_json_lines(&scenario, 30_000),
        trace_json_lines(&scenario, 30_000)
    );
}

#[test]
fn another_seed_gives_another_run() {
    let scenario = presets::default_scenario();
    let mut file = scenario.file().clone();
    file.seed += 1;
    let reseeded = file.validate().expect("still valid");
    assert_ne!(
        trace_json_lines(&scenario, 10_000),
        trace_json_lines(&reseeded, 10_000)
    );
}
