//! Subscriptions that name a topic the cluster does not have, and topics
//! created while the run goes on (`kafka-topics --create`).
//!
//! A Kafka consumer may subscribe to a topic that does not exist yet. The
//! Java client's assignors leave a topic without metadata out
//! (`AbstractPartitionAssignor.assign`), so the group reads its other
//! topics; while the topic is unknown, the client keeps refreshing its
//! metadata, and once the topic is created the leader's metadata no longer
//! matches its assignment and the group rebalances onto it
//! (`ConsumerCoordinator.rejoinNeededOrPending`).

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{GroupId, TopicId, TopicPartition};
use mqsim::scenario::ScenarioError;
use mqsim::trace::RebalanceReason;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};

/// One group, `shipping`, of two members subscribed to `orders` and to
/// `subscribed`, a topic that `kafka.topics` lacks.
fn shop(subscribed: &str, timeline: Value) -> Result<Scenario, ScenarioError> {
    let file = json!({
        "version": 1, "name": "missing topics", "seed": 5, "duration_ms": 40000,
        "kafka": {
            "cluster": {"brokers": 3},
            "topics": [{"name": "orders", "partitions": 3, "replication_factor": 2}],
            "producers": [{"name": "shop", "topic": "orders", "rate_per_sec": 10, "keys": ["a", "b", "c"]}],
            "groups": [{"name": "shipping", "topics": ["orders", subscribed], "members": [
                {"name": "packer-1", "processing_ms": 20}, {"name": "packer-2", "processing_ms": 20}
            ]}]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string())
}

fn run(scenario: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms)).1
}

/// The partitions of each rebalance of `shipping`, in order.
fn assignments(trace: &[Event]) -> Vec<(u64, Vec<TopicPartition>)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GroupRebalanced { assignment, .. } => {
                let mut all: Vec<TopicPartition> = assignment
                    .iter()
                    .flat_map(|m| m.partitions.clone())
                    .collect();
                all.sort();
                Some((e.at.as_millis(), all))
            }
            _ => None,
        })
        .collect()
}

fn partitions(topic: u32, count: u32) -> Vec<TopicPartition> {
    (0..count)
        .map(|partition| TopicPartition {
            topic: TopicId(topic),
            partition,
        })
        .collect()
}

/// A topic nobody creates is a warning, named by its path, not an error;
/// the group reads the other topic's partitions, all of them.
#[test]
fn a_topic_the_run_never_has_is_warned_about_and_left_out() {
    let scenario = shop("returns", json!([])).expect("valid despite the missing topic");
    let warnings = scenario.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].path, "kafka.groups[0].topics[1]");
    assert!(
        warnings[0].message.contains("no topic named \"returns\""),
        "{}",
        warnings[0].message
    );
    let trace = run(&scenario, 20_000);
    let rebalances = assignments(&trace);
    assert!(!rebalances.is_empty());
    for (_, assigned) in &rebalances {
        assert_eq!(assigned, &partitions(0, 3), "only orders, all of it");
    }
    let processed = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::RecordProcessed { .. }))
        .count();
    assert!(processed > 100, "the group reads orders: {processed}");
}

/// `returns` is created at 15 s with two partitions. The group learns of it
/// at its leader's next metadata refresh, a second later, rebalances, and
/// from then on reads both topics; a producer added after the creation
/// writes records the group processes.
#[test]
fn a_topic_created_later_is_taken_up_at_the_next_metadata_refresh() {
    let scenario = shop(
        "returns",
        json!([
            {"at_ms": 15000, "do": "topic_create",
             "topic": {"name": "returns", "partitions": 2, "replication_factor": 3}},
            {"at_ms": 16000, "do": "producer_add",
             "producer": {"name": "desk", "topic": "returns", "rate_per_sec": 5}}
        ]),
    )
    .expect("valid");
    assert!(scenario.warnings().is_empty(), "{:?}", scenario.warnings());
    let trace = run(&scenario, 30_000);
    let created = trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TopicCreated { topic, replicas } if *topic == TopicId(1) => {
                Some((e.at.as_millis(), replicas.clone()))
            }
            _ => None,
        })
        .expect("returns is created");
    assert_eq!(created.0, 15_000);
    assert_eq!(created.1.len(), 2);
    assert!(created.1.iter().all(|replicas| replicas.len() == 3));
    let noticed = trace
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::RebalanceStarted {
                    group: GroupId(0),
                    reason: RebalanceReason::TopicCreated { topic: TopicId(1) }
                }
            )
        })
        .expect("the group rebalances for the new topic");
    assert_eq!(noticed.at.as_millis(), 16_000);
    let rebalances = assignments(&trace);
    let (before, after): (Vec<_>, Vec<_>) = rebalances.iter().partition(|(at, _)| *at < 15_000);
    assert!(before.iter().all(|(_, a)| *a == partitions(0, 3)));
    let mut both = partitions(0, 3);
    both.extend(partitions(1, 2));
    assert_eq!(after.last().map(|(_, a)| a), Some(&both));
    let returns_processed = trace.iter().any(
        |e| matches!(&e.kind, EventKind::RecordProcessed { tp, .. } if tp.topic == TopicId(1)),
    );
    assert!(returns_processed, "records written to returns are read");
}

/// A group whose rebalance already took the new topic in does not
/// rebalance again when its leader's refresh comes round: a member that
/// joins right after the creation brings the topic into the assignment.
#[test]
fn a_rebalance_that_already_has_the_topic_is_not_repeated() {
    let scenario = shop(
        "returns",
        json!([
            {"at_ms": 15000, "do": "topic_create", "topic": {"name": "returns", "partitions": 2}},
            {"at_ms": 15000, "do": "consumer_join", "group": "shipping", "member": {"name": "packer-3"}}
        ]),
    )
    .expect("valid");
    let trace = run(&scenario, 25_000);
    let for_topic = trace.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::RebalanceStarted {
                reason: RebalanceReason::TopicCreated { .. },
                ..
            }
        )
    });
    assert!(!for_topic, "the join's rebalance had the topic already");
    let last = assignments(&trace).pop().expect("rebalanced");
    assert_eq!(last.1.len(), 5, "all five partitions: {:?}", last.1);
}

/// Creating a topic the run has, growing one before it exists, and a
/// producer writing to one not created yet are errors, each named.
#[test]
fn topic_creation_mistakes_are_named() {
    let problems = |timeline: Value| match shop("returns", timeline) {
        Err(ScenarioError::Invalid(problems)) => problems
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        other => panic!("expected problems, got {other:?}"),
    };
    let twice = problems(json!([
        {"at_ms": 1000, "do": "topic_create", "topic": {"name": "orders", "partitions": 1}}
    ]));
    assert!(
        twice.contains("timeline[0].topic.name: there is already a topic named \"orders\""),
        "{twice}"
    );
    let early = problems(json!([
        {"at_ms": 1000, "do": "add_partitions", "topic": "returns", "partitions": 4},
        {"at_ms": 2000, "do": "topic_create", "topic": {"name": "returns", "partitions": 2}}
    ]));
    assert!(
        early.contains("timeline[0].topic: no topic named \"returns\""),
        "{early}"
    );
    let writer = problems(json!([
        {"at_ms": 1000, "do": "producer_add", "producer": {"name": "desk", "topic": "returns", "rate_per_sec": 1}},
        {"at_ms": 2000, "do": "topic_create", "topic": {"name": "returns", "partitions": 2}}
    ]));
    assert!(writer.contains("timeline[0].producer.topic"), "{writer}");
    let big = problems(json!([
        {"at_ms": 1000, "do": "topic_create",
         "topic": {"name": "returns", "partitions": 2, "replication_factor": 4}}
    ]));
    assert!(
        big.contains("timeline[0].topic.replication_factor: must be 1..=3"),
        "{big}"
    );
}
