//! The JSON Schema of scenario files (`docs/scenario.schema.json`) is
//! generated from the Rust types, stays in step with them, and every preset
//! conforms to it.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::Scenario;
use mqsim::scenario::presets::PRESETS;

const CHECKED_IN: &str = include_str!("../../../docs/scenario.schema.json");

fn generated() -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&Scenario::json_schema()).expect("json")
    )
}

#[test]
fn the_checked_in_schema_is_current() {
    if std::env::var_os("MQSIM_UPDATE_GOLDEN").is_some() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/scenario.schema.json"
        );
        std::fs::write(path, generated()).expect("write the schema");
        return;
    }
    assert!(
        generated() == CHECKED_IN,
        "docs/scenario.schema.json is stale: regenerate with MQSIM_UPDATE_GOLDEN=1 cargo test -p mqsim --test schema"
    );
}

#[test]
fn every_preset_conforms_to_the_schema() {
    let schema = Scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for preset in PRESETS {
        let file: serde_json::Value = serde_json::from_str(preset.json()).expect("json");
        let errors: Vec<String> = validator
            .iter_errors(&file)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", preset.id);
    }
}

#[test]
fn the_schema_refuses_what_serde_refuses() {
    let schema = Scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let typo = serde_json::json!({"version": 1, "name": "x", "seed": 1, "kafak": {}});
    assert!(!validator.is_valid(&typo), "unknown fields are refused");
    let wrong_type = serde_json::json!({"version": 1, "name": "x", "seed": "one"});
    assert!(!validator.is_valid(&wrong_type));
}
