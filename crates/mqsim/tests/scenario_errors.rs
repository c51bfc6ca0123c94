//! Bad scenarios are refused with every problem named by its path.

use mqsim::scenario::presets;
use mqsim::{Scenario, ScenarioError};

/// The default preset with `edit` applied to its JSON value.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(presets::PRESETS[0].json).expect("preset is JSON");
    edit(&mut value);
    value.to_string()
}

fn problems(text: &str) -> Vec<String> {
    match Scenario::from_json(text) {
        Err(ScenarioError::Invalid(problems)) => problems.iter().map(|p| p.to_string()).collect(),
        other => panic!("expected validation problems, got {other:?}"),
    }
}

#[test]
fn zero_partitions_is_refused_with_its_path_and_range() {
    let text = edited(|v| v["kafka"]["topics"][0]["partitions"] = 0.into());
    assert_eq!(
        problems(&text),
        ["kafka.topics[0].partitions: must be 1..=1024, got 0"]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = edited(|v| {
        v["kafka"]["topics"][0]["partitions"] = 5000.into();
        v["kafka"]["producers"][0]["topic"] = "payments".into();
        v["kafka"]["producers"][0]["rate_per_sec"] = (-2).into();
        v["kafka"]["groups"][0]["members"][1]["max_poll_records"] = 0.into();
    });
    assert_eq!(
        problems(&text),
        [
            "kafka.topics[0].partitions: must be 1..=1024, got 5000",
            "kafka.producers[0].rate_per_sec: must be above 0 and at most 10000, got -2",
            "kafka.producers[0].topic: no topic named \"payments\" in kafka.topics",
            "kafka.groups[0].members[1].max_poll_records: must be 1..=10000, got 0",
        ]
    );
}

#[test]
fn a_partition_that_does_not_exist_is_refused() {
    let text = edited(|v| v["kafka"]["producers"][0]["partition"] = 3.into());
    assert_eq!(
        problems(&text),
        ["kafka.producers[0].partition: topic \"orders\" has partitions 0..=2, got 3"]
    );
}

#[test]
fn an_unknown_version_is_named() {
    let text = edited(|v| v["version"] = 7.into());
    assert_eq!(
        problems(&text),
        ["version: unknown scenario version 7; this playground reads version 1"]
    );
}

#[test]
fn duplicate_names_and_illegal_topic_names_are_refused() {
    let text = edited(|v| {
        let topic = v["kafka"]["topics"][0].clone();
        v["kafka"]["topics"]
            .as_array_mut()
            .expect("array")
            .push(topic);
        v["kafka"]["topics"][1]["name"] = "orders".into();
        v["kafka"]["groups"][0]["members"][1]["name"] = "notifier-1".into();
    });
    assert_eq!(
        problems(&text),
        [
            "kafka.topics[1].name: \"orders\" is used twice",
            "kafka.groups[0].members[1].name: \"notifier-1\" is used twice",
        ]
    );
    let text = edited(|v| v["kafka"]["topics"][0]["name"] = "orders/eu".into());
    assert!(
        problems(&text)
            .iter()
            .any(|p| p.starts_with("kafka.topics[0].name: may only contain"))
    );
}

#[test]
fn a_wrong_type_names_the_field_line_and_column() {
    let text = "{\n  \"version\": 1,\n  \"name\": \"x\",\n  \"seed\": \"forty-two\"\n}";
    let err = Scenario::from_json(text).expect_err("seed must be a number");
    assert_eq!(
        err.to_string(),
        "seed (line 4, column 21): invalid type: string \"forty-two\", expected u64"
    );
}

#[test]
fn an_unknown_field_is_refused_not_ignored() {
    let text = edited(|v| v["kafka"]["topics"][0]["partitons"] = 3.into());
    let err = Scenario::from_json(&text).expect_err("typo must be caught");
    let message = err.to_string();
    assert!(
        message.starts_with("kafka.topics[0].partitons"),
        "{message}"
    );
    assert!(message.contains("unknown field `partitons`"), "{message}");
}

#[test]
fn truncated_json_gives_line_and_column() {
    let text = &presets::PRESETS[0].json[..200];
    let err = Scenario::from_json(text).expect_err("truncated");
    assert!(matches!(err, ScenarioError::Syntax { .. }), "{err:?}");
    assert!(err.to_string().contains("EOF"), "{err}");
}

#[test]
fn a_valid_scenario_round_trips_through_json() {
    let scenario = presets::default_scenario();
    assert_eq!(Scenario::from_json(&scenario.to_json()), Ok(scenario));
}
