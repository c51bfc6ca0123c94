//! Helpers shared by the engine's integration tests, native and wasm.

use mqsim::scenario::presets;
use mqsim::trace::to_json_lines;
use mqsim::{Scenario, SimTime, Simulation};

/// How much of the default preset the golden trace covers.
pub const GOLDEN_UNTIL_MS: u64 = 8_000;

/// The checked-in trace of the default preset's first seconds. Native and
/// wasm tests both compare against these exact bytes, so together they prove
/// that the engine gives the same trace on both.
pub const GOLDEN_TRACE: &str = include_str!("../golden/order-notifications.jsonl");

/// Runs `scenario` up to `until_ms` and returns its trace as JSON Lines.
pub fn trace_json_lines(scenario: &Scenario, until_ms: u64) -> String {
    let (_, trace) = Simulation::run_traced(scenario, SimTime::from_millis(until_ms));
    to_json_lines(&trace)
}

/// The default preset's trace over the golden window.
pub fn default_preset_trace() -> String {
    trace_json_lines(&presets::default_scenario(), GOLDEN_UNTIL_MS)
}
