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

/// The checked-in outcome of the whole `leader-failover` preset: how many
/// events it traced and the summary at its end. It exercises the cluster
/// (elections, replication, truncation) on both platforms.
pub const FAILOVER_GOLDEN: &str = include_str!("../golden/leader-failover.json");

/// The checked-in outcome of the whole `rabbit-retry-dead-letter` preset,
/// in the same form: the broker's queues, requeues and dead-lettering.
pub const RABBIT_GOLDEN: &str = include_str!("../golden/rabbit-retry-dead-letter.json");

/// The checked-in outcomes of the Kafka 4 presets, by id: the KRaft
/// controller quorum's elections, the metadata log and fencing (with Kafka
/// panes, each pane's run), consumer-protocol groups' epochs and share
/// groups' deliveries, on both platforms.
pub const KAFKA4_GOLDENS: &[(&str, &str)] = &[
    (
        "kraft-controller-failover",
        include_str!("../golden/kraft-controller-failover.json"),
    ),
    (
        "kraft-quorum-loss",
        include_str!("../golden/kraft-quorum-loss.json"),
    ),
    (
        "zookeeper-vs-kraft",
        include_str!("../golden/zookeeper-vs-kraft.json"),
    ),
    (
        "consumer-protocol",
        include_str!("../golden/consumer-protocol.json"),
    ),
    ("share-group", include_str!("../golden/share-group.json")),
    (
        "point-to-point-three-ways",
        include_str!("../golden/point-to-point-three-ways.json"),
    ),
];

/// The `leader-failover` preset's outcome, in [`FAILOVER_GOLDEN`]'s form.
pub fn failover_outcome() -> String {
    preset_outcome("leader-failover")
}

/// The `rabbit-retry-dead-letter` preset's outcome.
pub fn rabbit_outcome() -> String {
    preset_outcome("rabbit-retry-dead-letter")
}

/// A whole preset's event count and final summary, as pretty JSON.
pub fn preset_outcome(id: &str) -> String {
    let scenario = presets::Preset::find(id)
        .expect("the preset exists")
        .scenario();
    let until = SimTime::from_millis(scenario.file().duration_ms);
    let mut runs: Vec<serde_json::Value> = scenario
        .runs()
        .into_iter()
        .map(|(title, run)| {
            let (sim, trace) = Simulation::run_traced(&run, until);
            // Each side the run has: Kafka's summary, RabbitMQ's, or both.
            let mut outcome = serde_json::json!({"events": trace.len()});
            if !run.topics().is_empty() {
                outcome["summary"] = serde_json::json!(sim.kafka_summary());
            }
            if !run.file().rabbit.is_empty() {
                outcome["rabbit"] = serde_json::json!(sim.rabbit_summary());
            }
            if !title.is_empty() {
                outcome["title"] = title.into();
            }
            outcome
        })
        .collect();
    // Kafka panes: each pane's run.
    let outcome = match runs.len() {
        1 => runs.remove(0),
        _ => serde_json::json!({ "panes": runs }),
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&outcome).expect("json")
    )
}

/// Runs `scenario` up to `until_ms` and returns its trace as JSON Lines.
pub fn trace_json_lines(scenario: &Scenario, until_ms: u64) -> String {
    let (_, trace) = Simulation::run_traced(scenario, SimTime::from_millis(until_ms));
    to_json_lines(&trace)
}

/// The default preset's trace over the golden window.
pub fn default_preset_trace() -> String {
    trace_json_lines(&presets::default_scenario(), GOLDEN_UNTIL_MS)
}
