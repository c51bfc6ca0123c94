//! Topology changed while messages move: queues declared and deleted,
//! bindings made and removed (RabbitMQ's `queue.declare`, `queue.delete`,
//! `queue.bind`, `queue.unbind`), and consumer groups started (Kafka's
//! groups exist once a member joins with the `group.id`).
//!
//! The rule every test here keeps: nothing is delivered to something that
//! no longer exists, and nothing reaches something before it exists.
//! Routing happens when a message reaches its exchange, with the bindings in
//! force then ("AMQP 0-9-1 Model Explained": an exchange routes to the
//! queues bound at that moment); a deleted queue's consumers are cancelled
//! ("Consumer Cancel Notification").

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{GroupId, QueueId, RabbitConsumerId};
use mqsim::scenario::ScenarioError;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};

/// Orders go through a fanout exchange to `billing`; a second subscriber
/// queue comes and goes on the timeline.
fn fanout(timeline: Value) -> Result<Scenario, ScenarioError> {
    let file = json!({
        "version": 1, "name": "edits", "seed": 3, "duration_ms": 30000,
        "network": {"latency_ms": 40},
        "rabbit": {
            "exchanges": [{"name": "orders", "type": "fanout"}],
            "queues": [{"name": "billing"}],
            "bindings": [{"source": "orders", "destination": "billing", "destination_type": "queue"}],
            "publishers": [{"name": "shop", "exchange": "orders", "rate_per_sec": 20, "routing_keys": ["order"]}],
            "consumers": [{"name": "biller", "queue": "billing", "prefetch": 5, "processing_ms": 30}]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string())
}

fn run(scenario: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms)).1
}

const AUDIT: QueueId = QueueId(1);
const AUDITOR: RabbitConsumerId = RabbitConsumerId(1);

fn audit_subscriber() -> Value {
    json!([
        {"at_ms": 2000, "do": "rabbit_queue_declare", "queue": {"name": "audit"}},
        {"at_ms": 2000, "do": "rabbit_bind", "binding": {"source": "orders", "destination": "audit", "destination_type": "queue"}},
        {"at_ms": 2000, "do": "rabbit_consumer_add", "consumer": {"name": "auditor", "queue": "audit", "processing_ms": 30}}
    ])
}

/// A queue declared and bound at 2 s gets every message that reaches the
/// fanout from then on, and none before; its new consumer handles them.
#[test]
fn a_queue_bound_mid_run_gets_messages_from_then_on() {
    let trace = run(&fanout(audit_subscriber()).unwrap(), 6_000);
    let first_audit = trace
        .iter()
        .find(|e| matches!(&e.kind, EventKind::MessageEnqueued { queue, .. } if *queue == AUDIT))
        .expect("audit gets messages");
    assert!(first_audit.at >= SimTime::from_millis(2000));
    let routed_after: Vec<&Vec<QueueId>> = trace
        .iter()
        .filter(|e| e.at > SimTime::from_millis(2000))
        .filter_map(|e| match &e.kind {
            EventKind::MessageRouted { queues, .. } => Some(queues),
            _ => None,
        })
        .collect();
    assert!(routed_after.len() > 50);
    assert!(
        routed_after.iter().all(|q| q.contains(&AUDIT)),
        "pub/sub: every message after the bind reaches both queues"
    );
    let audited = trace
        .iter()
        .filter(
            |e| matches!(e.kind, EventKind::MessageSettled { consumer, .. } if consumer == AUDITOR),
        )
        .count();
    assert!(audited > 50, "the auditor handles what arrives: {audited}");
}

/// Unbinding at 4 s: messages reaching the exchange after that go to
/// billing only.
#[test]
fn an_unbound_queue_gets_nothing_more() {
    let mut timeline = audit_subscriber();
    timeline.as_array_mut().unwrap().push(json!(
        {"at_ms": 4000, "do": "rabbit_unbind", "binding": {"source": "orders", "destination": "audit", "destination_type": "queue"}}
    ));
    let trace = run(&fanout(timeline).unwrap(), 8_000);
    assert!(
        trace
            .iter()
            .any(|e| e.kind == EventKind::BindingRemoved { binding: 1 })
    );
    for e in trace.iter().filter(|e| e.at > SimTime::from_millis(4000)) {
        if let EventKind::MessageRouted { queues, .. } = &e.kind {
            assert_eq!(queues, &vec![QueueId(0)], "at {}", e.at);
        }
        if let EventKind::MessageEnqueued { queue, .. } = e.kind {
            assert_ne!(queue, AUDIT, "at {}", e.at);
        }
    }
}

/// Deleting a queue at 4 s drops what it holds, cancels its consumer, and
/// nothing reaches it or its consumer afterwards — not even deliveries that
/// were on the wire.
#[test]
fn a_deleted_queue_and_its_consumer_get_nothing_more() {
    let mut timeline = audit_subscriber();
    timeline
        .as_array_mut()
        .unwrap()
        .push(json!({"at_ms": 4000, "do": "rabbit_queue_delete", "queue": "audit"}));
    let trace = run(&fanout(timeline).unwrap(), 8_000);
    let deleted = trace
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::QueueDeleted {
                    queue: AUDIT,
                    expired: false,
                    ..
                }
            )
        })
        .expect("deleted");
    assert_eq!(deleted.at, SimTime::from_millis(4000));
    assert!(
        trace
            .iter()
            .any(|e| e.kind == EventKind::RabbitConsumerCancelled { consumer: AUDITOR })
    );
    for e in trace.iter().filter(|e| e.at > deleted.at) {
        let touches = match &e.kind {
            EventKind::MessageRouted { queues, .. } => queues.contains(&AUDIT),
            EventKind::MessageEnqueued { queue, .. }
            | EventKind::MessageDelivered { queue, .. }
            | EventKind::MessageRequeued { queue, .. } => *queue == AUDIT,
            EventKind::MessageSettled { consumer, .. }
            | EventKind::MessageConsumed { consumer, .. } => *consumer == AUDITOR,
            _ => false,
        };
        assert!(!touches, "{:?} at {}", e.kind, e.at);
    }
    // Billing goes on as before.
    assert!(trace.iter().any(|e| e.at > SimTime::from_millis(6000)
        && matches!(
            e.kind,
            EventKind::MessageEnqueued {
                queue: QueueId(0),
                ..
            }
        )));
}

/// The timeline is checked in order: each entry must make sense with what
/// exists by then, and each problem names its entry.
#[test]
fn edits_that_cannot_happen_are_named() {
    let problems = |timeline: Value| match fanout(timeline) {
        Err(ScenarioError::Invalid(problems)) => problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect::<Vec<_>>(),
        other => panic!("expected problems, got {other:?}"),
    };
    let bind_audit =
        json!({"source": "orders", "destination": "audit", "destination_type": "queue"});
    assert_eq!(
        problems(json!([{"at_ms": 1000, "do": "rabbit_bind", "binding": bind_audit}])),
        ["timeline[0].binding: no queue named \"audit\""]
    );
    assert_eq!(
        problems(
            json!([{"at_ms": 1000, "do": "rabbit_queue_declare", "queue": {"name": "billing"}}])
        ),
        ["timeline[0].queue.name: the run already has a queue named \"billing\""]
    );
    assert_eq!(
        problems(json!([{"at_ms": 1000, "do": "rabbit_unbind", "binding": bind_audit}])),
        ["timeline[0].binding: no such binding by then"]
    );
    assert_eq!(
        problems(json!([
            {"at_ms": 1000, "do": "rabbit_queue_delete", "queue": "billing"},
            {"at_ms": 2000, "do": "rabbit_consumer_restart", "consumer": "biller"},
            {"at_ms": 3000, "do": "rabbit_queue_delete", "queue": "billing"}
        ])),
        [
            "timeline[1].consumer: \"biller\" cannot consume again: its queue \"billing\" was deleted",
            "timeline[2].queue: no queue named \"billing\" by then"
        ]
    );
    assert_eq!(
        problems(
            json!([{"at_ms": 1000, "do": "rabbit_queue_declare", "queue": {"name": "q", "arguments": {"x-max-length": -1}}}])
        ),
        ["timeline[0].queue.arguments.x-max-length: must be a whole number, 0 or more"]
    );
}

/// A consumer group started at 3 s: its members join then, share the
/// topic's partitions, and read from `auto.offset.reset` (earliest here:
/// the records sent before it existed too).
#[test]
fn a_group_started_mid_run_joins_and_reads_from_the_start() {
    let file = json!({
        "version": 1, "name": "groups", "seed": 5, "duration_ms": 30000,
        "network": {"latency_ms": 20},
        "kafka": {
            "topics": [{"name": "orders", "partitions": 2}],
            "producers": [{"name": "shop", "topic": "orders", "rate_per_sec": 10, "keys": ["a", "b", "c", "d"]}],
            "groups": [{"name": "billing", "topics": ["orders"], "members": [{"name": "b1"}]}],
            "standalone_consumers": [{"name": "tail", "topics": ["orders"]}]
        },
        "timeline": [{"at_ms": 3000, "do": "group_add", "group": {
            "name": "analytics", "topics": ["orders"], "auto_offset_reset": "earliest",
            "members": [{"name": "a1"}, {"name": "a2"}]
        }}]
    });
    let scenario = Scenario::from_json(&file.to_string()).expect("valid");
    // After the scenario's group and the standalone consumer's group of one.
    assert_eq!(scenario.group_id("analytics"), Some(GroupId(2)));
    let trace = run(&scenario, 10_000);
    let joined_at = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ConsumerStarted { .. }))
        .map(|e| e.at)
        .max()
        .unwrap();
    assert_eq!(joined_at, SimTime::from_millis(3000));
    // b1 is consumer 0 and tail consumer 1; a1 and a2 come after.
    let analytics_first_fetch = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::FetchServed {
                consumer, batches, ..
            } if consumer.0 >= 2 => batches.iter().map(|b| b.from_offset).min(),
            _ => None,
        })
        .min();
    assert_eq!(analytics_first_fetch, Some(0), "earliest: from offset 0");
    let sim = Simulation::run_traced(&scenario, SimTime::from_millis(10_000)).0;
    let summary = sim.kafka_summary();
    let analytics = summary
        .groups
        .iter()
        .find(|g| g.name == "analytics")
        .unwrap();
    assert_eq!(analytics.members.len(), 2);
}
