//! Bad scenarios are refused with every problem named by its path.

use mqsim::scenario::presets;
use mqsim::{Scenario, ScenarioError};

/// The default preset with `edit` applied to its JSON value.
fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(presets::PRESETS[0].json()).expect("preset is JSON");
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
    let text = &presets::PRESETS[0].json()[..200];
    let err = Scenario::from_json(text).expect_err("truncated");
    assert!(matches!(err, ScenarioError::Syntax { .. }), "{err:?}");
    assert!(err.to_string().contains("EOF"), "{err}");
}

#[test]
fn a_valid_scenario_round_trips_through_json() {
    let scenario = presets::default_scenario();
    assert_eq!(Scenario::from_json(&scenario.to_json()), Ok(scenario));
}

#[test]
fn timeline_entries_must_name_existing_groups_and_members_in_time() {
    let text = edited(|v| {
        v["timeline"] = serde_json::json!([
            { "at_ms": 1000, "do": "consumer_crash", "group": "nobody", "member": "notifier-1" },
            { "at_ms": 1000, "do": "consumer_crash", "group": "notifications", "member": "ghost" },
            { "at_ms": 999999999, "do": "consumer_leave", "group": "notifications", "member": "notifier-1" },
            { "at_ms": 5000, "do": "consumer_restart", "group": "notifications", "member": "late" },
            { "at_ms": 8000, "do": "consumer_join", "group": "notifications", "member": { "name": "late" } },
            { "at_ms": 9000, "do": "consumer_join", "group": "notifications", "member": { "name": "notifier-2" } }
        ]);
    });
    assert_eq!(
        problems(&text),
        [
            "timeline[0].group: no group named \"nobody\" by then",
            "timeline[1].member: group \"notifications\" has no member named \"ghost\"",
            "timeline[2].at_ms: must be within the run (duration_ms 120000), got 999999999",
            "timeline[3].member: group \"notifications\" has no member named \"late\"",
            "timeline[5].member.name: group \"notifications\" already has a member named \"notifier-2\"",
        ]
    );
}

#[test]
fn an_unknown_intervention_is_named() {
    let text = edited(|v| {
        v["timeline"] = serde_json::json!([{ "at_ms": 1, "do": "consumer_explode", "group": "g", "member": "m" }]);
    });
    let err = Scenario::from_json(&text).expect_err("unknown intervention");
    assert!(
        err.to_string()
            .contains("unknown variant `consumer_explode`"),
        "{err}"
    );
}

#[test]
fn a_dead_letter_topic_must_exist_and_not_be_read_by_the_group() {
    let text = edited(|v| {
        v["kafka"]["groups"][0]["retry"] = serde_json::json!({ "dead_letter_topic": "orders.DLT" })
    });
    assert_eq!(
        problems(&text),
        ["kafka.groups[0].retry.dead_letter_topic: no topic named \"orders.DLT\" in kafka.topics"]
    );
    let text = edited(|v| {
        v["kafka"]["groups"][0]["retry"] =
            serde_json::json!({ "retries": 500, "dead_letter_topic": "orders" });
        v["kafka"]["groups"][0]["failures"] = serde_json::json!({ "probability": 1.5 });
    });
    assert_eq!(
        problems(&text),
        [
            "kafka.groups[0].failures.probability: must be 0..=1, got 1.5",
            "kafka.groups[0].retry.retries: must be 0..=100, got 500",
            "kafka.groups[0].retry.dead_letter_topic: \"orders\" is a topic the group reads; dead letters would come straight back",
        ]
    );
}

#[test]
fn partitions_can_only_be_added() {
    let text = edited(|v| {
        v["timeline"] = serde_json::json!([
            { "at_ms": 1000, "do": "add_partitions", "topic": "orders", "partitions": 2 },
            { "at_ms": 1000, "do": "add_partitions", "topic": "payments", "partitions": 9 },
            { "at_ms": 2000, "do": "add_partitions", "topic": "orders", "partitions": 6 },
            { "at_ms": 1500, "do": "add_partitions", "topic": "orders", "partitions": 8 }
        ]);
    });
    assert_eq!(
        problems(&text),
        [
            "timeline[0].partitions: topic \"orders\" already has 3 partitions; partitions can be added, never removed",
            "timeline[1].topic: no topic named \"payments\" in kafka.topics",
            "timeline[3].at_ms: an earlier entry grows topic \"orders\" later, at 2000 ms",
        ]
    );
}

#[test]
fn an_intervention_without_a_group_names_a_standalone_consumer() {
    let text = edited(|v| {
        v["timeline"] =
            serde_json::json!([{ "at_ms": 1000, "do": "consumer_crash", "member": "notifier-1" }]);
    });
    assert_eq!(
        problems(&text),
        [
            "timeline[0].member: no standalone consumer named \"notifier-1\"; name its group to address a group member"
        ]
    );
}

/// The small tagged objects are read flat and checked: a field of the other
/// kind and a missing one are each named.
#[test]
fn commit_modes_and_keyless_strategies_name_their_fields() {
    use mqsim::kafka::partitioner::Keyless;
    use mqsim::scenario::CommitMode;
    let read = |json: &str| serde_json::from_str::<CommitMode>(json).map_err(|e| e.to_string());
    assert_eq!(
        read(r#"{"mode":"auto","interval_ms":500}"#),
        Ok(CommitMode::Auto { interval_ms: 500 })
    );
    assert_eq!(
        read(r#"{"mode":"after_batch"}"#),
        Ok(CommitMode::AfterBatch)
    );
    assert!(
        read(r#"{"mode":"after_batch","interval_ms":5}"#)
            .unwrap_err()
            .starts_with("`interval_ms` does not apply to mode after_batch")
    );
    assert!(
        read(r#"{"mode":"auto"}"#)
            .unwrap_err()
            .starts_with("missing field `interval_ms`")
    );
    let keyless = |json: &str| serde_json::from_str::<Keyless>(json).map_err(|e| e.to_string());
    assert_eq!(
        keyless(r#"{"strategy":"sticky","batch_records":4}"#),
        Ok(Keyless::Sticky { batch_records: 4 })
    );
    assert!(
        keyless(r#"{"strategy":"sticky"}"#)
            .unwrap_err()
            .starts_with("missing field `batch_records`")
    );
    assert!(
        keyless(r#"{"strategy":"round_robin","batch_records":4}"#)
            .unwrap_err()
            .starts_with("`batch_records` does not apply")
    );
    assert!(
        keyless(r#"{"strategy":"random"}"#)
            .unwrap_err()
            .starts_with("unknown variant `random`")
    );
}

#[test]
fn a_narration_must_name_what_the_scenario_has() {
    let text = edited(|v| {
        v["narration"]["watch_for"][0] = "lag {lag shipping}, then {speed notifier-1}".into();
        v["narration"]["watch_for"][1] = "leader {leader orders-7}, {controller active}".into();
        v["narration"]["try_this"][0]["done_when"] = "did broker_explode".into();
        v["narration"]["try_this"][1]["done_when"] = "did consumer_crash brokr=1".into();
        v["narration"]["try_this"][2]["done_when"] = "inspected zookeeper".into();
    });
    assert_eq!(
        problems(&text),
        [
            "narration.watch_for[0]: {lag shipping}: the scenario has no consumer or share group named \"shipping\"",
            "narration.watch_for[0]: {speed notifier-1} is not `{MEASURE NAME}` with a known measure",
            "narration.watch_for[1]: {leader orders-7}: the scenario has no partition named \"orders-7\"",
            "narration.watch_for[1]: {controller active}: only a KRaft cluster has a controller quorum (kafka.cluster.metadata)",
            "narration.try_this[0].done_when: \"broker_explode\" is not a timeline `do`",
            "narration.try_this[1].done_when: consumer_crash has no field \"brokr\"",
            "narration.try_this[2].done_when: the inspector opens on broker, controller, metadata_record, partition, record, consumer, producer, queue, message, rabbit_consumer, publisher, not \"zookeeper\"",
        ]
    );
}

#[test]
fn a_check_must_be_one_of_three_forms_and_a_pane_needs_real_queues() {
    let text = edited(|v| {
        v["narration"]["try_this"][0]["done_when"] = "kill broker 1".into();
        v["narration"]["try_this"][1]["text"] = "watch {lag notifications}".into();
        v["preset"] = "Order Notifications!".into();
        v["view"] = serde_json::json!({ "panes": [{ "title": "left", "queues": ["work"] }] });
    });
    assert_eq!(
        problems(&text),
        [
            "view.panes[0].queues[0]: no queue named \"work\"",
            "preset: must be a preset id: 1 to 64 of a-z, 0-9 and -",
            "narration.try_this[0].done_when: \"kill broker 1\" is not `did KIND FIELD=VALUE…`, `inspected WHAT` or `rewound`",
            "narration.try_this[1].text: counters go in watch_for lines, not in steps",
        ]
    );
}

#[test]
fn a_kraft_quorum_is_refused_with_each_problem_named() {
    let text = edited(|v| {
        v["kafka"]["cluster"] = serde_json::json!({
            "brokers": 2,
            "metadata": {
                "mode": "kraft",
                "controllers": 4,
                "process_roles": "broker,controller",
                "broker_heartbeat_interval_ms": 2000,
                "broker_session_timeout_ms": 2000,
                "fetch_timeout_ms": 0
            }
        });
    });
    assert_eq!(
        problems(&text),
        [
            "kafka.cluster.metadata.controllers: must be 1, 3 or 5, got 4",
            "kafka.cluster.metadata.controllers: with process_roles \"broker,controller\" the controllers are brokers: at most 2, got 4",
            "kafka.cluster.metadata.fetch_timeout_ms: must be 1..=600000, got 0",
            "kafka.cluster.metadata.broker_session_timeout_ms: must be 2001..=600000, got 2000",
        ]
    );
    // Kafka's defaults, dedicated controllers: valid, and read back as written.
    let text = edited(|v| {
        v["kafka"]["cluster"] = serde_json::json!({"brokers": 3, "metadata": {"mode": "kraft"}})
    });
    let scenario = Scenario::from_json(&text).expect("valid");
    let metadata = &scenario.file().kafka.cluster.metadata;
    assert_eq!(
        serde_json::to_value(metadata).unwrap(),
        serde_json::json!({
            "mode": "kraft", "controllers": 3, "broker_heartbeat_interval_ms": 2000,
            "broker_session_timeout_ms": 9000, "election_timeout_ms": 1000, "fetch_timeout_ms": 2000
        })
    );
    let unknown = edited(|v| {
        v["kafka"]["cluster"] = serde_json::json!({"metadata": {"mode": "kraft", "voters": 3}})
    });
    assert!(matches!(
        Scenario::from_json(&unknown),
        Err(ScenarioError::Syntax { .. })
    ));
    // A KRaft setting in ZooKeeper mode is named, not dropped.
    let stray = edited(|v| {
        v["kafka"]["cluster"] =
            serde_json::json!({"metadata": {"mode": "zookeeper", "controllers": 3}})
    });
    let err = Scenario::from_json(&stray).unwrap_err().to_string();
    assert!(
        err.contains("`controllers` does not apply to mode zookeeper"),
        "{err}"
    );
}

/// Kafka panes: each pane's run is checked; a problem only some panes have
/// names them, a pane's metadata is named by its own path, and the
/// cluster's own metadata must be left to the panes.
#[test]
fn kafka_panes_are_checked_run_by_run() {
    let preset = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut value: serde_json::Value =
            serde_json::from_str(presets::Preset::find("zookeeper-vs-kraft").unwrap().json())
                .unwrap();
        edit(&mut value);
        value.to_string()
    };
    let text = preset(&|v| {
        v["view"]["kafka_panes"][1]["metadata"]["controllers"] = 4.into();
        v["view"]["kafka_panes"][0]["title"] = "".into();
        v["kafka"]["cluster"]["metadata"] = serde_json::json!({"mode": "kraft"});
        v["timeline"][0]["broker"] = 7.into();
    });
    assert_eq!(
        problems(&text),
        [
            "timeline[0].broker: no broker 7: the cluster has brokers 0..=2",
            "view.kafka_panes[1].metadata.controllers: must be 1, 3 or 5, got 4",
            "view.kafka_panes[0].title: must not be empty",
            "kafka.cluster.metadata: with Kafka panes each pane sets its own metadata (view.kafka_panes[].metadata): leave this out",
        ]
    );
    // A controller fault is for the KRaft panes: the ZooKeeper one ignores
    // it; a controller the KRaft pane lacks is named with its pane.
    let kill = |controller: u32| {
        preset(&move |v| {
            v["timeline"][1] = serde_json::json!({"at_ms": 20000, "do": "controller_kill", "controller": controller});
        })
    };
    assert!(Scenario::from_json(&kill(101)).is_ok());
    assert_eq!(
        problems(&kill(107)),
        [
            "timeline[1].controller: no controller 107: the controllers are 100..=102 (in pane \"KRaft (Kafka 4)\")"
        ]
    );
    let one = preset(&|v| {
        v["view"]["kafka_panes"].as_array_mut().unwrap().truncate(1);
    });
    assert_eq!(
        problems(&one),
        ["view.kafka_panes: must have 2..=4 panes, got 1"]
    );
}

/// Each group protocol's settings are refused by name under the other.
#[test]
fn a_group_protocol_refuses_the_other_protocols_settings() {
    let text = edited(|v| {
        let group = &mut v["kafka"]["groups"][0];
        group["protocol"] = "consumer".into();
        group["assignment_strategy"] = "sticky".into();
    });
    assert_eq!(
        problems(&text),
        [
            "kafka.groups[0].assignment_strategy: applies to the classic protocol; with protocol consumer the coordinator assigns (remote_assignor)"
        ]
    );
    let text = edited(|v| v["kafka"]["groups"][0]["remote_assignor"] = "range".into());
    assert_eq!(
        problems(&text),
        [
            "kafka.groups[0].remote_assignor: applies to protocol consumer; the classic protocol uses assignment_strategy"
        ]
    );
    let text = edited(|v| {
        v["kafka"]["groups"][0]["protocol"] = "consumer".into();
        v["kafka"]["groups"][0]["remote_assignor"] = "range".into();
    });
    assert!(Scenario::from_json(&text).is_ok());
}

/// A share group's settings outside Kafka's ranges, a name a consumer
/// group has, and `share_acknowledge` aimed at a consumer group are each
/// named. (A topic the run never has is a warning, as for consumer
/// groups.)
#[test]
fn a_share_groups_bad_settings_are_named() {
    let text = edited(|v| {
        let name = v["kafka"]["groups"][0]["name"].clone();
        v["kafka"]["share_groups"] = serde_json::json!([{
            "name": name, "topics": ["nowhere"],
            "record_lock_duration_ms": 500, "delivery_count_limit": 11,
            "partition_max_record_locks": 50,
            "members": [{"name": "w"}]
        }]);
        v["timeline"] = serde_json::json!([{
            "at_ms": 1000, "do": "share_acknowledge", "group": name,
            "member": "m", "ack": "reject"
        }]);
    });
    let problems = problems(&text);
    let expected = [
        "is a consumer group's group.id too; a group has one type",
        "kafka.share_groups[0].record_lock_duration_ms: must be 1000..=3600000, got 500",
        "kafka.share_groups[0].delivery_count_limit: must be 2..=10, got 11",
        "kafka.share_groups[0].partition_max_record_locks: must be 100..=10000, got 50",
        "is a consumer group; only share consumers acknowledge records",
    ];
    for e in expected {
        assert!(
            problems.iter().any(|p| p.contains(e)),
            "{e} in {problems:#?}"
        );
    }
    let text = edited(|v| {
        v["timeline"] = serde_json::json!([{"at_ms": 1000, "do": "share_acknowledge",
            "group": "g", "member": "m", "ack": "accept"}]);
    });
    assert!(
        Scenario::from_json(&text).is_err(),
        "accept is not a choice"
    );
}

/// `consumer_subscribe` is for groups whose members subscribe one by one:
/// the consumer protocol's and share groups; a classic group here has one
/// subscription, so it is refused by name.
#[test]
fn consumer_subscribe_refuses_a_classic_group() {
    let text = edited(|v| {
        let group = v["kafka"]["groups"][0]["name"].clone();
        let member = v["kafka"]["groups"][0]["members"][0]["name"].clone();
        v["timeline"] = serde_json::json!([{"at_ms": 1000, "do": "consumer_subscribe",
            "group": group, "member": member, "topics": []}]);
    });
    let problems = problems(&text);
    assert!(
        problems[0].contains("is on the classic protocol, where a group here has one subscription"),
        "{problems:?}"
    );
}
