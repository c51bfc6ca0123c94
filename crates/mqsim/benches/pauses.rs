//! What a rebalance costs the group's processing, protocol by protocol:
//! figures folded from the trace ([`Pauses`]), not timings.
//! `cargo bench -p mqsim --bench pauses`.
//!
//! The `consumer-protocol` preset's timeline (a member joins each group at
//! 15 s and at 30 s, one leaves each at 45 s: three changes) runs with its
//! classic group on `range` (eager) and on `cooperative-sticky`, beside its
//! consumer-protocol group. The changes are shifted by 0 to 4.5 s in ten
//! steps, so that no figure hangs on where the heartbeats happen to fall;
//! each row gives the mean, least and most of the ten. Then the same with
//! one member of each group slowed to a second a record from 5 s on: an
//! eager rebalance waits for its slowest member to finish its batch and
//! rejoin, a consumer-protocol member waits for nobody.
//!
//! For each group: partition-seconds without an owner (the records that
//! waited) and seconds with no partition owned at all (the whole group
//! stopped), over the run.

use mqsim::ids::GroupId;
use mqsim::kafka::pauses::{CountingPauses, Pauses};
use mqsim::scenario::presets::Preset;
use mqsim::trace::CountingSink;
use mqsim::{Scenario, SimTime, Simulation};
use serde_json::{Value, json};

const SHIFTS: u64 = 10;
const SHIFT_STEP_MS: u64 = 500;

/// One run's figures in seconds: (paused, stopped) for the classic group,
/// then for the consumer-protocol group.
fn run(strategy: &str, shift_ms: u64, slow: bool) -> [(f64, f64); 2] {
    let preset = Preset::find("consumer-protocol").expect("the preset");
    let mut file: Value = serde_json::from_str(preset.json()).expect("its JSON");
    file["kafka"]["groups"][0]["assignment_strategy"] = json!(strategy);
    let timeline = file["timeline"].as_array_mut().expect("a timeline");
    for entry in timeline.iter_mut() {
        let at = entry["at_ms"].as_u64().expect("a time");
        entry["at_ms"] = json!(at + shift_ms);
    }
    if slow {
        for (group, member) in [("eager", "e1"), ("incremental", "i1")] {
            timeline.insert(
                0,
                json!({ "at_ms": 5_000, "do": "consumer_slow", "group": group, "member": member, "processing_ms": 1_000 }),
            );
        }
    }
    let scenario = Scenario::from_json(&file.to_string()).expect("a valid scenario");
    let end = SimTime::from_millis(scenario.file().duration_ms);
    let mut sim = Simulation::new(&scenario);
    let mut pauses = Pauses::new(&scenario);
    sim.run_until(
        end,
        &mut CountingPauses {
            pauses: &mut pauses,
            inner: &mut CountingSink::default(),
        },
    );
    let groups = scenario.groups();
    let figures = |name: &str| {
        let index = (groups.iter().position(|g| g.name == name)).expect("the group");
        let id = GroupId(index as u32);
        let seconds = |ms: u64| ms as f64 / 1000.0;
        (
            seconds(pauses.paused_ms(id, end)),
            seconds(pauses.stopped_ms(id, end)),
        )
    };
    [figures("eager"), figures("incremental")]
}

/// "mean (least–most)" of `values`.
fn spread(values: impl Iterator<Item = f64> + Clone) -> String {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let least = values.clone().fold(f64::INFINITY, f64::min);
    let most = values.fold(f64::NEG_INFINITY, f64::max);
    format!("{mean:5.1} ({least:4.1}–{most:4.1})")
}

fn main() {
    println!(
        "Rebalance pauses over the consumer-protocol timeline (3 changes), {SHIFTS} phase shifts"
    );
    println!(
        "{:<42} {:>26} {:>26}",
        "group", "partition-s without owner", "s the whole group stopped"
    );
    for slow in [false, true] {
        if slow {
            println!("with e1 and i1 slowed to 1 s a record from 5 s on:");
        }
        for strategy in ["range", "cooperative-sticky"] {
            let rows: Vec<[(f64, f64); 2]> = (0..SHIFTS)
                .map(|k| run(strategy, k * SHIFT_STEP_MS, slow))
                .collect();
            let row = |label: String, i: usize| {
                println!(
                    "{label:<42} {:>26} {:>26}",
                    spread(rows.iter().map(|r| r[i].0)),
                    spread(rows.iter().map(|r| r[i].1)),
                )
            };
            row(format!("classic, {strategy}"), 0);
            if strategy == "range" {
                row("consumer protocol (uniform)".into(), 1);
            }
        }
    }
}
