//! Editing a scenario by name (`scenario::edit`), as the page's builder does:
//! renames carry every reference along, deletions take what cannot stand
//! alone, and every preset stays valid under both.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::scenario::edit::{self, Blank, Part};
use mqsim::scenario::presets::PRESETS;
use mqsim::scenario::{MetadataSpec, ScenarioFile};

/// The design notes' topic-exchange example, with a dead-letter exchange,
/// a pane, a timeline and a lesson that name its parts.
fn shop() -> ScenarioFile {
    ScenarioFile::from_json(
        r#"{
          "version": 1, "name": "shop", "seed": 7,
          "rabbit": {
            "exchanges": [
              {"name": "orders", "type": "topic", "alternate_exchange": "unrouted"},
              {"name": "unrouted", "type": "fanout"},
              {"name": "dlx", "type": "fanout"}
            ],
            "queues": [
              {"name": "india-all", "arguments": {"x-dead-letter-exchange": "dlx"}},
              {"name": "all-123"},
              {"name": "lost"}
            ],
            "bindings": [
              {"source": "orders", "destination": "india-all", "destination_type": "queue", "routing_key": "india.*"},
              {"source": "orders", "destination": "all-123", "destination_type": "queue", "routing_key": "*.123"},
              {"source": "unrouted", "destination": "lost", "destination_type": "queue"},
              {"source": "dlx", "destination": "lost", "destination_type": "queue"}
            ],
            "publishers": [{"name": "shop", "exchange": "orders", "rate_per_sec": 2, "routing_keys": ["india.123"]}],
            "consumers": [
              {"name": "indian-office", "queue": "india-all"},
              {"name": "store-123", "queue": "all-123"}
            ]
          },
          "view": {"panes": [{"title": "India", "queues": ["india-all"]}, {"title": "123", "queues": ["all-123", "lost"]}]},
          "timeline": [
            {"at_ms": 1000, "do": "rabbit_consumer_crash", "consumer": "indian-office"},
            {"at_ms": 2000, "do": "rabbit_publish", "publisher": "shop", "routing_key": "us.123"},
            {"at_ms": 3000, "do": "rabbit_bind", "binding": {"source": "orders", "destination": "all-123", "destination_type": "queue", "routing_key": "us.#"}}
          ],
          "narration": {
            "watch_for": ["{ready india-all} ready in India", "{routed orders} routed", "{acked store-123} acked"],
            "try_this": [
              {"text": "Crash the Indian office", "done_when": "did rabbit_consumer_crash consumer=indian-office"},
              {"text": "Look at a queue", "done_when": "inspected queue"}
            ]
          }
        }"#,
    )
    .expect("reads")
}

#[test]
fn renaming_a_queue_renames_every_reference_to_it() {
    let mut file = shop();
    edit::rename(&mut file, &Part::Queue("india-all".into()), "india");
    let rabbit = &file.rabbit;
    assert_eq!(rabbit.queues[0].name, "india");
    assert_eq!(rabbit.bindings[0].destination.name(), "india");
    assert_eq!(rabbit.consumers[0].queue, "india");
    assert_eq!(file.view.panes[0].queues, ["india"]);
    let narration = file.narration.as_ref().unwrap();
    assert_eq!(narration.watch_for[0], "{ready india} ready in India");
    // Other names are untouched, even where they contain the old one.
    assert_eq!(rabbit.queues[1].name, "all-123");
    file.validate().expect("still valid");
}

#[test]
fn renaming_an_exchange_follows_bindings_publishers_alternates_and_the_timeline() {
    let mut file = shop();
    edit::rename(&mut file, &Part::Exchange("unrouted".into()), "leftovers");
    edit::rename(&mut file, &Part::Exchange("orders".into()), "sales");
    edit::rename(&mut file, &Part::Exchange("dlx".into()), "dead");
    let rabbit = &file.rabbit;
    assert_eq!(
        rabbit.exchanges[0].alternate_exchange.as_deref(),
        Some("leftovers")
    );
    assert_eq!(rabbit.bindings[0].source, "sales");
    assert_eq!(rabbit.bindings[2].source, "leftovers");
    assert_eq!(rabbit.publishers[0].exchange, "sales");
    assert_eq!(
        rabbit.queues[0].arguments["x-dead-letter-exchange"].to_string(),
        "\"dead\""
    );
    let json = serde_json::to_string(&file.timeline[2]).unwrap();
    assert!(json.contains(r#""source":"sales""#), "{json}");
    assert_eq!(
        file.narration.as_ref().unwrap().watch_for[1],
        "{routed sales} routed"
    );
    file.validate().expect("still valid");
}

#[test]
fn renaming_a_consumer_follows_the_timeline_and_the_lessons_checks() {
    let mut file = shop();
    edit::rename(&mut file, &Part::Consumer("indian-office".into()), "mumbai");
    let json = serde_json::to_string(&file.timeline[0]).unwrap();
    assert!(json.contains(r#""consumer":"mumbai""#), "{json}");
    assert_eq!(
        file.narration.as_ref().unwrap().try_this[0].done_when,
        "did rabbit_consumer_crash consumer=mumbai"
    );
    file.validate().expect("still valid");
}

#[test]
fn deleting_a_queue_takes_its_bindings_consumers_and_what_names_them() {
    let mut file = shop();
    let gone = edit::delete(&mut file, &Part::Queue("india-all".into()));
    assert_eq!(
        gone,
        [
            r#"consumer "indian-office""#,
            "1 timeline entry",
            "2 lesson lines"
        ]
    );
    let rabbit = &file.rabbit;
    assert!(rabbit.queues.iter().all(|q| q.name != "india-all"));
    assert!(
        rabbit
            .bindings
            .iter()
            .all(|b| b.destination.name() != "india-all")
    );
    assert!(rabbit.consumers.iter().all(|c| c.queue != "india-all"));
    // Its pane is left empty, so it goes; the other stays.
    assert_eq!(file.view.panes.len(), 1);
    // The crash of its consumer, and the lesson lines about either.
    assert_eq!(file.timeline.len(), 2);
    let narration = file.narration.as_ref().unwrap();
    assert_eq!(narration.watch_for.len(), 2);
    assert_eq!(narration.try_this.len(), 1);
    file.validate().expect("still valid");
}

#[test]
fn deleting_an_exchange_clears_what_only_mentions_it() {
    let mut file = shop();
    let gone = edit::delete(&mut file, &Part::Exchange("dlx".into()));
    assert_eq!(gone, [r#"the x-dead-letter-exchange of queue "india-all""#]);
    assert!(file.rabbit.queues[0].arguments.is_empty());
    let gone = edit::delete(&mut file, &Part::Exchange("orders".into()));
    assert_eq!(
        gone,
        [r#"publisher "shop""#, "2 timeline entries", "1 lesson line"]
    );
    // Its bindings, the publish and the bind in the timeline.
    assert_eq!(file.rabbit.bindings.len(), 1);
    assert_eq!(file.timeline.len(), 1);
    file.validate().expect("still valid");
}

#[test]
fn deleting_a_topic_takes_its_producers_and_the_groups_left_without_topics() {
    let mut file = ScenarioFile::from_json(
        r#"{
          "version": 1, "name": "t", "seed": 1,
          "kafka": {
            "topics": [{"name": "orders", "partitions": 2}, {"name": "audit", "partitions": 1}, {"name": "orders-dlt", "partitions": 1}],
            "producers": [{"name": "shop", "topic": "orders", "rate_per_sec": 1}],
            "groups": [
              {"name": "billing", "topics": ["orders"], "retry": {"dead_letter_topic": "orders-dlt"}, "members": [{"name": "b1"}]},
              {"name": "auditors", "topics": ["orders", "audit"], "members": [{"name": "a1"}]}
            ]
          },
          "timeline": [{"at_ms": 10, "do": "consumer_crash", "group": "billing", "member": "b1"}],
          "narration": {"watch_for": ["{lag billing}", "{processed b1}", "{isr orders-1}", "{lag auditors}"]}
        }"#,
    )
    .unwrap();
    let mut without_dlt = file.clone();
    let gone = edit::delete(&mut without_dlt, &Part::Topic("orders-dlt".into()));
    assert_eq!(gone, [r#"the dead-letter topic of group "billing""#]);
    without_dlt.validate().expect("valid");

    let gone = edit::delete(&mut file, &Part::Topic("orders".into()));
    assert_eq!(
        gone,
        [
            r#"consumer group "billing""#,
            r#"consumer "b1""#,
            r#"producer "shop""#,
            "1 timeline entry",
            "3 lesson lines"
        ]
    );
    assert_eq!(file.kafka.groups.len(), 1);
    assert_eq!(file.kafka.groups[0].topics, ["audit"]);
    assert!(file.timeline.is_empty());
    assert_eq!(
        file.narration.as_ref().unwrap().watch_for,
        ["{lag auditors}"]
    );
    file.validate().expect("still valid");
}

#[test]
fn a_duplicate_queue_gets_a_fresh_name_and_the_same_bindings() {
    let mut file = shop();
    let copy = edit::duplicate(&mut file, &Part::Queue("all-123".into()));
    assert_eq!(copy.as_deref(), Some("all-123-copy"));
    let again = edit::duplicate(&mut file, &Part::Queue("all-123".into()));
    assert_eq!(again.as_deref(), Some("all-123-copy-2"));
    let bound: Vec<_> = file
        .rabbit
        .bindings
        .iter()
        .filter(|b| b.destination.name() == "all-123-copy")
        .map(|b| b.routing_key.as_str())
        .collect();
    assert_eq!(bound, ["*.123"]);
    assert_eq!(
        edit::duplicate(&mut file, &Part::Queue("nowhere".into())),
        None
    );
    file.validate().expect("still valid");
}

#[test]
fn fresh_names_skip_the_taken_ones() {
    let file = shop();
    assert_eq!(
        edit::fresh_name(&file, &Part::Queue(String::new()), "queue"),
        "queue"
    );
    assert_eq!(
        edit::fresh_name(&file, &Part::Queue(String::new()), "lost"),
        "lost-2"
    );
}

#[test]
fn every_blank_is_valid_and_empty() {
    for (name, blank) in Blank::ALL {
        assert_eq!(Blank::named(name), Some(blank));
        let file = blank.scenario();
        assert!(edit::parts(&file).is_empty(), "{name}");
        // A Kafka cluster made in the page keeps its metadata in KRaft, as
        // Kafka 4 does.
        let kraft = matches!(file.kafka.cluster.metadata, MetadataSpec::Kraft(_));
        assert_eq!(kraft, blank != Blank::Rabbit, "{name}");
        file.validate().expect(name);
    }
    assert_eq!(Blank::named("kafka4"), None);
}

/// Every part of every preset (the timeline's too), renamed and back: the
/// scenario stays valid
/// on the way and comes back as it was.
#[test]
fn every_part_of_every_preset_renames_and_back() {
    for preset in PRESETS {
        let original = preset.scenario().file().clone();
        for part in edit::all_parts(&original) {
            let mut file = original.clone();
            let new_name = edit::fresh_name(&file, &part, "renamed");
            edit::rename(&mut file, &part, &new_name);
            if let Err(err) = file.clone().validate() {
                panic!("{} renaming {}: {err}", preset.id, part.describe());
            }
            let renamed = edit::all_parts(&file)
                .into_iter()
                .find(|p| p.name() == new_name)
                .expect("the renamed part");
            edit::rename(&mut file, &renamed, part.name());
            assert_eq!(file, original, "{} {}", preset.id, part.describe());
        }
    }
}

/// Every part of every preset (the timeline's too) deleted: what is left
/// is valid, and the part is gone.
#[test]
fn every_part_of_every_preset_deletes_to_a_valid_scenario() {
    for preset in PRESETS {
        let original = preset.scenario().file().clone();
        for part in edit::all_parts(&original) {
            let mut file = original.clone();
            edit::delete(&mut file, &part);
            assert!(!edit::all_parts(&file).contains(&part));
            if let Err(err) = file.validate() {
                panic!("{} deleting {}: {err}", preset.id, part.describe());
            }
        }
    }
}

/// Every part of every preset, the setup's and those its timeline starts,
/// duplicated: the copy is there under its new name and the scenario is
/// valid.
#[test]
fn every_part_of_every_preset_duplicates_to_a_valid_scenario() {
    let mut from_timeline = 0;
    for preset in PRESETS {
        let original = preset.scenario().file().clone();
        from_timeline += edit::all_parts(&original).len() - edit::parts(&original).len();
        for part in edit::all_parts(&original) {
            let mut file = original.clone();
            let copy = edit::duplicate(&mut file, &part)
                .unwrap_or_else(|| panic!("{} {}", preset.id, part.describe()));
            let twin = part.with_name(&copy);
            assert!(
                edit::all_parts(&file).contains(&twin),
                "{} {copy}",
                preset.id
            );
            if let Err(err) = file.validate() {
                panic!("{} duplicating {}: {err}", preset.id, part.describe());
            }
        }
    }
    assert!(from_timeline > 0, "some preset's timeline starts a part");
}

#[test]
fn a_part_the_timeline_starts_is_copied_at_the_same_moment() {
    let mut file = shop();
    let later: Vec<mqsim::scenario::TimelineEntry> = serde_json::from_str(
        r#"[
          {"at_ms": 4000, "do": "rabbit_queue_declare", "queue": {"name": "audit"}},
          {"at_ms": 5000, "do": "rabbit_consumer_add", "consumer": {"name": "auditor", "queue": "audit"}}
        ]"#,
    )
    .expect("reads");
    file.timeline.extend(later);
    let copy = edit::duplicate(&mut file, &Part::Queue("audit".into()));
    assert_eq!(copy.as_deref(), Some("audit-copy"));
    let copy = edit::duplicate(&mut file, &Part::Consumer("auditor".into()));
    assert_eq!(copy.as_deref(), Some("auditor-copy"));
    let said: Vec<(u64, String)> = file
        .timeline
        .iter()
        .skip(3)
        .flat_map(|e| {
            edit::started_by(e)
                .into_iter()
                .map(|p| (e.at_ms, p.describe()))
        })
        .collect();
    assert_eq!(
        said,
        [
            (4000, "queue \"audit\"".to_string()),
            (4000, "queue \"audit-copy\"".to_string()),
            (5000, "consumer \"auditor\"".to_string()),
            (5000, "consumer \"auditor-copy\"".to_string()),
        ]
    );
    file.validate().expect("still valid");
}
