//! A Kafka cluster in KRaft mode, run by the engine: the same failures as
//! ZooKeeper mode, handled by the controller quorum at Kafka 4's defaults
//! (`broker.session.timeout.ms` 9 s, heartbeats every 2 s).

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::BrokerId;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};

/// Three brokers, a topic of three partitions replicated three times, a
/// producer with `acks=all`; the cluster keeps its metadata as `metadata`
/// says, with faults from `timeline`.
fn scenario(metadata: Value, timeline: Value) -> Scenario {
    let file = json!({
        "version": 1, "name": "kraft", "seed": 3, "duration_ms": 60000,
        "network": {"latency_ms": 10},
        "kafka": {
            "cluster": {"brokers": 3, "metadata": metadata},
            "topics": [{"name": "t", "partitions": 3, "replication_factor": 3}],
            "producers": [{"name": "p", "topic": "t", "rate_per_sec": 20.0}]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn trace(scenario: &Scenario) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(60_000)).1
}

fn at_ms(event: &Event) -> u64 {
    event.at.as_millis()
}

/// When a partition broker `dead` led first got a new leader.
fn new_leader_at(trace: &[Event], dead: BrokerId) -> Option<u64> {
    trace.iter().find_map(|e| match &e.kind {
        EventKind::LeaderElected { previous, .. } if *previous == Some(dead) => Some(at_ms(e)),
        _ => None,
    })
}

#[test]
fn a_dead_broker_is_fenced_after_its_session_and_its_partitions_move() {
    let kill = json!([{"at_ms": 10000, "do": "broker_kill", "broker": 0}]);
    let kraft = trace(&scenario(json!({"mode": "kraft"}), kill.clone()));
    let moved = new_leader_at(&kraft, BrokerId(0)).expect("a new leader");
    // Its last heartbeat came at most 2 s before it died; 9 s after that
    // it is fenced.
    assert!(
        (17_000..=19_100).contains(&moved),
        "KRaft: new leader at {moved} ms"
    );
    let fenced = kraft.iter().find_map(|e| match e.kind {
        EventKind::BrokerFenced { broker } => Some((broker, at_ms(e))),
        _ => None,
    });
    assert_eq!(fenced, Some((BrokerId(0), moved)));
    // ZooKeeper mode, at its defaults (18 s sessions, heartbeats every
    // 6 s), for the same death.
    let zookeeper = trace(&scenario(json!({"mode": "zookeeper"}), kill));
    let zk_moved = new_leader_at(&zookeeper, BrokerId(0)).expect("a new leader");
    assert!(
        (22_000..=28_200).contains(&zk_moved),
        "ZooKeeper: new leader at {zk_moved} ms"
    );
}

#[test]
fn a_restarted_broker_registers_anew_is_unfenced_and_rejoins_the_isr() {
    let timeline = json!([
        {"at_ms": 10000, "do": "broker_kill", "broker": 0},
        {"at_ms": 30000, "do": "broker_restart", "broker": 0}
    ]);
    let trace = trace(&scenario(json!({"mode": "kraft"}), timeline));
    let after = |kind: fn(&EventKind) -> bool| {
        trace
            .iter()
            .filter(|e| at_ms(e) >= 30_000 && kind(&e.kind))
            .map(at_ms)
            .next()
    };
    let registered = after(
        |k| matches!(k, EventKind::BrokerRegisteredWithController { broker, incarnation: 2, .. } if *broker == BrokerId(0)),
    );
    let unfenced =
        after(|k| matches!(k, EventKind::BrokerUnfenced { broker } if *broker == BrokerId(0)));
    let rejoined =
        after(|k| matches!(k, EventKind::IsrChanged { isr, .. } if isr.contains(&BrokerId(0))));
    let (registered, unfenced, rejoined) = (
        registered.expect("registered"),
        unfenced.expect("unfenced"),
        rejoined.expect("back in an ISR"),
    );
    assert!(
        registered < unfenced && unfenced <= rejoined,
        "{registered} {unfenced} {rejoined}"
    );
}

#[test]
fn a_kraft_run_is_the_same_every_time() {
    let kill = json!([{"at_ms": 10000, "do": "broker_kill", "broker": 1}]);
    let s = scenario(json!({"mode": "kraft", "controllers": 5}), kill);
    assert_eq!(trace(&s), trace(&s));
}
