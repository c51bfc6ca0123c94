//! Bad input never panics: link decoding and scenario parsing over random
//! and mutated inputs, and a short run of every mutated scenario that
//! still validates. Each property runs 2,000 cases (a proptest harness in
//! place of cargo-fuzz, which needs a nightly compiler).

#![cfg(not(target_arch = "wasm32"))]

use mqsim::scenario::link;
use mqsim::scenario::presets::PRESETS;
use mqsim::{Scenario, SimTime, Simulation};
use proptest::prelude::*;

/// A preset's JSON with `edits` applied: each deletes, inserts or replaces
/// one character at a position.
fn mutated(preset: usize, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = PRESETS[preset].json().chars().collect();
    for &(at, kind, c) in edits {
        if chars.is_empty() {
            break;
        }
        let at = at % chars.len();
        match kind % 3 {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, c),
            _ => chars[at] = c,
        }
    }
    chars.into_iter().collect()
}

fn digit_or_json() -> impl Strategy<Value = char> {
    prop_oneof![
        proptest::char::range('0', '9'),
        Just('-'),
        Just('"'),
        Just(','),
        Just('{'),
        Just(']'),
        any::<char>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn any_text_is_a_link_error_or_a_scenario(text in "\\PC{0,300}") {
        let _ = link::decode(&text);
        let _ = link::decode(&format!("s=1.{text}"));
        let _ = link::decode(&format!("s=2.{text}"));
        let _ = Scenario::from_json(&text);
    }

    #[test]
    fn damaged_links_never_panic(
        preset in 0..PRESETS.len(),
        cut in 0usize..2_000,
        flip in 0usize..2_000,
        c in proptest::char::range('A', 'z'),
    ) {
        let good = link::encode(&PRESETS[preset].scenario());
        let mut chars: Vec<char> = good.chars().collect();
        let at = flip % chars.len();
        chars[at] = c;
        chars.truncate(chars.len() - cut % chars.len());
        let _ = link::decode(&chars.into_iter().collect::<String>());
    }

    #[test]
    fn mutated_scenarios_are_refused_or_run(
        preset in 0..PRESETS.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), digit_or_json()), 1..4),
    ) {
        let text = mutated(preset, &edits);
        if let Ok(scenario) = Scenario::from_json(&text) {
            let mut sim = Simulation::new(&scenario);
            sim.run_until(SimTime::from_millis(2_000), &mut mqsim::trace::CountingSink::default());
            let _ = sim.kafka_summary();
            let _ = sim.rabbit_summary();
        }
    }
}
