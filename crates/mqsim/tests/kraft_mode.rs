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

/// When the first event `is` happened at or after `from`.
fn first(trace: &[Event], from: u64, is: impl Fn(&EventKind) -> bool) -> Option<u64> {
    trace
        .iter()
        .filter(|e| at_ms(e) >= from && is(&e.kind))
        .map(at_ms)
        .next()
}

#[test]
fn the_active_controller_dies_and_a_broker_failure_meanwhile_waits_for_the_next() {
    let timeline = json!([
        {"at_ms": 10000, "do": "controller_kill", "controller": 100},
        {"at_ms": 10500, "do": "broker_kill", "broker": 0}
    ]);
    let trace = trace(&scenario(json!({"mode": "kraft"}), timeline));
    let elected = first(&trace, 10_000, |k| {
        matches!(k, EventKind::ActiveControllerElected { controller, epoch } if *controller != 100 && *epoch > 1)
    })
    .expect("another active controller");
    // The others notice after controller.quorum.fetch.timeout.ms (2 s),
    // then pre-vote and vote within an election timeout or two.
    assert!(
        (12_000..16_000).contains(&elected),
        "elected at {elected} ms"
    );
    // It gives every broker a fresh session: broker 0 is fenced a session
    // timeout after the new controller took over, not after it died.
    let moved = new_leader_at(&trace, BrokerId(0)).expect("a new leader");
    assert!(
        (elected + 9_000..=elected + 9_200).contains(&moved),
        "elected {elected}, moved {moved}"
    );
}

#[test]
fn without_a_majority_of_controllers_a_dead_leader_stays_until_one_returns() {
    let timeline = json!([
        {"at_ms": 10000, "do": "controller_kill", "controller": 101},
        {"at_ms": 10000, "do": "controller_kill", "controller": 102},
        {"at_ms": 11000, "do": "broker_kill", "broker": 0},
        {"at_ms": 40000, "do": "controller_restart", "controller": 101}
    ]);
    let trace = trace(&scenario(json!({"mode": "kraft"}), timeline));
    let moved = new_leader_at(&trace, BrokerId(0)).expect("a new leader, in the end");
    assert!(
        moved > 40_000,
        "nothing could change before a majority returned: {moved}"
    );
}

#[test]
fn controller_faults_need_a_kraft_cluster_and_a_controller_that_exists() {
    let bad = |metadata: Value, controller: u32| {
        let entry = json!([{"at_ms": 1000, "do": "controller_kill", "controller": controller}]);
        let file = json!({
            "version": 1, "name": "x", "seed": 1,
            "kafka": {"cluster": {"brokers": 3, "metadata": metadata}},
            "timeline": entry
        });
        match Scenario::from_json(&file.to_string()) {
            Err(mqsim::ScenarioError::Invalid(problems)) => problems[0].to_string(),
            other => panic!("refused, not {other:?}"),
        }
    };
    assert_eq!(
        bad(json!({"mode": "zookeeper"}), 100),
        "timeline[0].controller: only a KRaft cluster has controllers (kafka.cluster.metadata)"
    );
    assert_eq!(
        bad(json!({"mode": "kraft"}), 103),
        "timeline[0].controller: no controller 103: the controllers are 100..=102"
    );
    assert!(
        bad(
            json!({"mode": "kraft", "process_roles": "broker,controller"}),
            0
        )
        .contains("the controllers are brokers 0..=2")
    );
}

#[test]
fn a_group_coordinator_on_a_fenced_broker_moves() {
    let file = json!({
        "version": 1, "name": "kraft", "seed": 3, "duration_ms": 40000,
        "kafka": {
            "cluster": {"brokers": 3, "metadata": {"mode": "kraft"}},
            "topics": [{"name": "t", "partitions": 3, "replication_factor": 3}],
            "producers": [{"name": "p", "topic": "t", "rate_per_sec": 10.0}],
            "groups": [{"name": "g", "topics": ["t"], "members": [{"name": "c"}]}]
        }
    });
    let scenario = Scenario::from_json(&file.to_string()).expect("valid");
    let (sim, _) = Simulation::run_traced(&scenario, SimTime::from_millis(1));
    let coordinator = sim
        .kafka()
        .coordinator(mqsim::ids::GroupId(0))
        .expect("one");
    let mut file = file;
    file["timeline"] = json!([{"at_ms": 10000, "do": "broker_kill", "broker": coordinator.0}]);
    let scenario = Scenario::from_json(&file.to_string()).expect("valid");
    let trace = trace(&scenario);
    let moved = first(&trace, 10_000, |k| {
        matches!(k, EventKind::GroupCoordinatorMoved { coordinator: Some(c), .. } if *c != coordinator)
    })
    .expect("the coordinator moved");
    assert!((17_000..=19_100).contains(&moved), "moved at {moved}");
}

/// Every answer to a metadata fetch says how far the receiver's log now
/// reaches and what is committed: the high watermark never runs past the
/// log end, each node's log end only moves forward while it lives, and the
/// `PartitionChangeRecord` that moves a dead broker's partitions reaches
/// every live broker.
#[test]
fn metadata_fetches_carry_the_log_to_every_node_in_order() {
    let kill = json!([{"at_ms": 10000, "do": "broker_kill", "broker": 0}]);
    let trace = trace(&scenario(json!({"mode": "kraft"}), kill));
    let mut ends: std::collections::BTreeMap<u32, u64> = Default::default();
    let mut moved_to = std::collections::BTreeSet::new();
    for e in &trace {
        if let EventKind::MetadataFetched {
            controller,
            node,
            records,
            log_end,
            high_watermark,
            arrives_at,
        } = &e.kind
        {
            assert!(high_watermark <= log_end, "{e:?}");
            assert!(*arrives_at > e.at);
            assert_ne!(controller, node);
            if *node != 0 {
                let before = ends.insert(*node, *log_end).unwrap_or(0);
                assert!(before <= *log_end, "node {node}: {before} then {log_end}");
            }
            let change = records.iter().any(|r| {
                matches!(
                    r,
                    mqsim::kafka::kraft::record::MetadataRecord::PartitionChange {
                        leader: Some(_),
                        ..
                    }
                )
            });
            if change && e.at.as_millis() > 10_000 {
                moved_to.insert(*node);
            }
        }
    }
    // Brokers 1 and 2 and the two controllers that follow: 100 leads.
    assert_eq!(
        moved_to.into_iter().collect::<Vec<_>>(),
        vec![1, 2, 101, 102]
    );
}

/// Kafka panes: one scenario, a run per pane, each with its own metadata
/// on the same workload and timeline. In `zookeeper-vs-kraft` broker 1
/// dies at 10 s in both; at Kafka's defaults the ZooKeeper cluster moves
/// its partitions when the 18 s session expires, the KRaft cluster when
/// the 9 s broker session does.
#[test]
fn each_kafka_pane_is_a_run_with_its_own_metadata() {
    let scenario = mqsim::scenario::presets::Preset::find("zookeeper-vs-kraft")
        .expect("preset")
        .scenario();
    let runs = scenario.runs();
    let titles: Vec<&str> = runs.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["ZooKeeper (Kafka 3)", "KRaft (Kafka 4)"]);
    let moved: Vec<u64> = runs
        .iter()
        .map(|(_, run)| {
            assert!(run.file().view.kafka_panes.is_empty());
            new_leader_at(&trace(run), BrokerId(1)).expect("a new leader")
        })
        .collect();
    // The last heartbeat came at most an interval before the death (a
    // third of the session to ZooKeeper, 2 s to the active controller),
    // then the session runs out.
    assert!(
        (22_000..=28_200).contains(&moved[0]),
        "ZooKeeper: {}",
        moved[0]
    );
    assert!((17_000..=19_100).contains(&moved[1]), "KRaft: {}", moved[1]);
    // The engine started on the scenario itself runs the first pane.
    let first = trace(&scenario);
    assert_eq!(new_leader_at(&first, BrokerId(1)), Some(moved[0]));
}

/// A controlled shutdown hands leaderships over before the broker stops,
/// in both modes, so nothing waits for a session to expire: the partitions
/// broker 0 led have new leaders before it stops, well within a heartbeat
/// interval, no partition goes offline, and every record sent is
/// confirmed (a producer that still sends to the stopped broker retries
/// on the new leader, as the Java client does after a disconnect).
#[test]
fn a_controlled_shutdown_moves_leaderships_before_the_broker_stops() {
    let stop = json!([{"at_ms": 10000, "do": "broker_shutdown", "broker": 0}]);
    for metadata in [json!({"mode": "zookeeper"}), json!({"mode": "kraft"})] {
        let trace = trace(&scenario(metadata.clone(), stop.clone()));
        let at = |is: &dyn Fn(&EventKind) -> bool| trace.iter().find(|e| is(&e.kind)).map(at_ms);
        let began = at(&|k| matches!(k, EventKind::BrokerShutdownBegan { .. })).expect("began");
        let moved = new_leader_at(&trace, BrokerId(0)).expect("leaderships moved");
        let stopped = at(&|k| matches!(k, EventKind::BrokerStopped { .. })).expect("stopped");
        assert_eq!(began, 10_000);
        assert!(
            began < moved && moved <= stopped,
            "{metadata}: {began} {moved} {stopped}"
        );
        assert!(stopped - began < 2_000, "{metadata}: stopped at {stopped}");
        assert!(
            !trace
                .iter()
                .any(|e| matches!(e.kind, EventKind::BrokerKilled { .. })),
            "{metadata}: stopped, not killed"
        );
        let offline = trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::LeaderElected { leader: None, .. }));
        assert!(!offline, "{metadata}");
        let sent: Vec<_> = trace
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::RecordSent { record, .. } if at_ms(e) < 15_000 => Some(record),
                _ => None,
            })
            .collect();
        let confirmed: std::collections::BTreeSet<_> = trace
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::RecordAcknowledged { record, .. } => Some(record),
                _ => None,
            })
            .collect();
        assert!(
            sent.iter().all(|r| confirmed.contains(r)),
            "{metadata}: every record confirmed"
        );
    }
}
