//! The cluster: replication, acks, ISR, ZooKeeper and the controller,
//! checked against Kafka's documented semantics through the public API.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{BrokerId, GroupId, RecordId, TopicId, TopicPartition};
use mqsim::trace::{IsrChange, ProduceError};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const P0: TopicPartition = TopicPartition {
    topic: TopicId(0),
    partition: 0,
};

/// One topic `t` with one partition on `brokers` brokers, written by one
/// producer at 20 records/s with `acks`; faults from `timeline`.
fn cluster(
    brokers: u32,
    replication_factor: u32,
    min_insync: u32,
    acks: &str,
    extra: Value,
    timeline: Value,
) -> Scenario {
    let mut cluster = json!({
        "brokers": brokers,
        "replica_fetch_interval_ms": 200,
        "replica_lag_time_max_ms": 2000,
        "zookeeper_session_timeout_ms": 3000
    });
    if let (Some(c), Some(e)) = (cluster.as_object_mut(), extra.as_object()) {
        c.extend(e.clone());
    }
    let file = json!({
        "version": 1,
        "name": "cluster",
        "seed": 7,
        "duration_ms": 60000,
        "network": {"latency_ms": 10},
        "kafka": {
            "cluster": cluster,
            "topics": [{"name": "t", "partitions": 1,
                        "replication_factor": replication_factor,
                        "min_insync_replicas": min_insync}],
            "producers": [{"name": "p", "topic": "t", "rate_per_sec": 20.0, "acks": acks}]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

/// The leader of partition 0 when `scenario` starts.
fn leader_at_start(scenario: &Scenario) -> BrokerId {
    let (sim, _) = run(scenario, 1);
    sim.kafka().partition(P0).leader.expect("a leader")
}

fn run(scenario: &Scenario, until_ms: u64) -> (Simulation, Vec<Event>) {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms))
}

/// The records `broker` truncated away that no leader held.
fn lost_by(trace: &[Event], broker: BrokerId) -> Vec<RecordId> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ReplicaTruncated {
                broker: b,
                truncation,
                ..
            } if *b == broker => Some(truncation.lost.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn acknowledged(trace: &[Event]) -> Vec<RecordId> {
    trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::RecordAcknowledged { record, .. } => Some(record),
            _ => None,
        })
        .collect()
}

/// Whether the partition's log on `broker` holds `record`.
fn holds(sim: &Simulation, broker: BrokerId, record: RecordId) -> bool {
    let Some(replica) = sim.kafka().partition(P0).replica(broker) else {
        return false;
    };
    let log = &replica.log;
    (log.log_start_offset()..log.log_end_offset())
        .any(|o| log.get(o).is_some_and(|r| r.id == record))
}

/// Where acknowledged data must survive: the leader, or, while the
/// partition is offline, its last in-sync replicas.
fn keepers(sim: &Simulation) -> Vec<BrokerId> {
    let partition = sim.kafka().partition(P0);
    match partition.leader {
        Some(leader) => vec![leader],
        None => partition.isr.clone(),
    }
}

/// Kafka topic config `min.insync.replicas`: "When a producer sets acks to
/// "all" … min.insync.replicas specifies the minimum number of replicas that
/// must acknowledge a write … If this minimum cannot be met, then the
/// producer will raise an exception (either NotEnoughReplicas or
/// NotEnoughReplicasAfterAppend)." Two of three brokers down leaves an ISR
/// of one, below 2: writes are refused, and none is confirmed.
#[test]
fn acks_all_is_refused_below_min_insync_replicas() {
    let leader = leader_at_start(&cluster(3, 3, 2, "all", json!({}), json!([])));
    let followers: Vec<u32> = (0..3).filter(|&b| b != leader.0).collect();
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_kill", "broker": followers[0]},
        {"at_ms": 2000, "do": "broker_kill", "broker": followers[1]}
    ]);
    let (sim, trace) = run(&cluster(3, 3, 2, "all", json!({}), timeline), 12_000);
    let partition = sim.kafka().partition(P0);
    assert_eq!(partition.isr.len(), 1, "the followers left the ISR");
    let refused_after = trace.iter().any(|e| {
        e.at > SimTime::from_millis(6_000)
            && matches!(
                e.kind,
                EventKind::ProduceFailed {
                    error: ProduceError::NotEnoughReplicas,
                    ..
                }
            )
    });
    assert!(refused_after, "writes are refused with NotEnoughReplicas");
    let late_acks = trace.iter().any(|e| {
        e.at > SimTime::from_millis(6_000) && matches!(e.kind, EventKind::RecordAcknowledged { .. })
    });
    assert!(
        !late_acks,
        "nothing is confirmed while the ISR is too small"
    );
}

/// `acks=0`: "the producer will not wait for any acknowledgment from the
/// server at all" (producer configs): records are written, none confirmed.
#[test]
fn acks_zero_confirms_nothing() {
    let (sim, trace) = run(&cluster(3, 3, 2, "0", json!({}), json!([])), 5_000);
    assert!(acknowledged(&trace).is_empty());
    assert!(sim.kafka().partition(P0).log().log_end_offset() > 50);
}

/// Kafka documentation, "Replicated Logs: Quorums, In-Sync Replicas, and
/// State": a committed message (below the high watermark) is not lost as
/// long as one in-sync replica remains; the controller elects the new
/// leader from the ISR. Killing the leader moves leadership to a follower
/// with the next epoch, and every confirmed `acks=all` record is there.
#[test]
fn a_dead_leader_is_replaced_from_the_isr_without_losing_committed_records() {
    let first = leader_at_start(&cluster(3, 3, 2, "all", json!({}), json!([])));
    let timeline = json!([{"at_ms": 3000, "do": "broker_kill", "broker": first.0}]);
    let (sim, trace) = run(&cluster(3, 3, 2, "all", json!({}), timeline), 15_000);
    let election = trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::LeaderElected {
                previous,
                leader,
                leader_epoch,
                unclean,
                ..
            } => Some((*previous, *leader, *leader_epoch, *unclean, e.at)),
            _ => None,
        })
        .expect("an election");
    let (previous, leader, epoch, unclean, at) = election;
    assert_eq!(previous, Some(first));
    assert!(leader.is_some_and(|l| l != first));
    assert_eq!(epoch, 1);
    assert!(!unclean);
    // The last heartbeat before the kill reached ZooKeeper at 2010 ms; the
    // 3 s session runs out at 5010 ms.
    assert!(
        (SimTime::from_millis(5_000)..SimTime::from_millis(5_100)).contains(&at),
        "only once the session timed out, at {at:?}"
    );
    let acked = acknowledged(&trace);
    assert!(acked.len() > 100, "writes resume after the election");
    let leader = leader.expect("checked");
    for record in acked {
        assert!(holds(&sim, leader, record), "{record:?} lost");
    }
}

/// `acks=1`: the leader confirms before any follower has the record. The
/// follower fetches only every 5 s but stays in the ISR (lag limit 30 s);
/// kill the leader between two fetches, and the follower, now leader, lacks
/// the last confirmed records. When the old leader comes back it truncates
/// them away, reported as lost.
#[test]
fn acks_one_loses_confirmed_records_when_the_leader_dies() {
    let slow_fetches = json!({"replica_fetch_interval_ms": 5000, "replica_lag_time_max_ms": 30000});
    let first = leader_at_start(&cluster(2, 2, 1, "1", slow_fetches.clone(), json!([])));
    let timeline = json!([
        {"at_ms": 4000, "do": "broker_kill", "broker": first.0},
        {"at_ms": 12000, "do": "broker_restart", "broker": first.0}
    ]);
    let (_, trace) = run(&cluster(2, 2, 1, "1", slow_fetches, timeline), 20_000);
    let acked: BTreeSet<RecordId> = acknowledged(&trace).into_iter().collect();
    let lost = lost_by(&trace, first);
    assert!(!lost.is_empty(), "the old leader truncates");
    assert!(
        lost.iter().all(|r| acked.contains(r)),
        "the lost records had been confirmed"
    );
}

/// `unclean.leader.election.enable`: with no in-sync replica alive, an
/// out-of-sync one may lead, and what only the ISR had is lost. Off (the
/// default), the partition stays offline instead and loses nothing.
#[test]
fn unclean_election_trades_lost_records_for_availability() {
    let first = leader_at_start(&cluster(2, 2, 1, "1", json!({}), json!([])));
    let follower = 1 - first.0;
    // The follower dies and drops out of the ISR; the leader carries on
    // alone, then dies too; the follower comes back first.
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_kill", "broker": follower},
        {"at_ms": 10000, "do": "broker_kill", "broker": first.0},
        {"at_ms": 16000, "do": "broker_restart", "broker": follower},
        {"at_ms": 24000, "do": "broker_restart", "broker": first.0}
    ]);
    for unclean in [false, true] {
        let extra = json!({"unclean_leader_election": unclean});
        let (sim, trace) = run(&cluster(2, 2, 1, "1", extra, timeline.clone()), 30_000);
        let unclean_elected = trace.iter().any(|e| {
            matches!(e.kind, EventKind::LeaderElected { unclean: true, leader: Some(l), .. } if l.0 == follower)
        });
        let lost: usize = trace
            .iter()
            .map(|e| match &e.kind {
                EventKind::ReplicaTruncated { truncation, .. } => truncation.lost.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(unclean_elected, unclean);
        assert_eq!(
            sim.kafka().partition(P0).lost_records,
            lost as u64,
            "counted"
        );
        if unclean {
            assert!(lost > 0, "the records only the old leader had are lost");
        } else {
            assert_eq!(lost, 0);
            for record in acknowledged(&trace) {
                assert!(keepers(&sim).iter().any(|&b| holds(&sim, b, record)));
            }
        }
    }
}

/// A restarted broker catches up as a follower and rejoins the ISR; a
/// preferred leader election then gives it back the leadership.
/// A follower that fetches everything there is stays in the ISR, even when
/// records keep arriving between its fetches: it was caught up as of its
/// previous fetch (`Replica.updateFetchState`, `lastFetchLeaderLogEndOffset`).
/// Only a follower that has not had the leader's log end within
/// `replica.lag.time.max.ms` falls behind.
#[test]
fn a_follower_that_keeps_fetching_stays_in_the_isr() {
    let slow_fetches = json!({"replica_fetch_interval_ms": 300, "replica_lag_time_max_ms": 1000});
    let (sim, trace) = run(&cluster(3, 3, 2, "all", slow_fetches, json!([])), 20_000);
    let shrinks = trace
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::IsrChanged {
                    reason: IsrChange::FellBehind,
                    ..
                }
            )
        })
        .count();
    assert_eq!(shrinks, 0, "no follower fell behind");
    assert_eq!(sim.kafka().partition(P0).isr.len(), 3);
}

/// With the ISR down to the leader alone, its log end is the high
/// watermark, and records keep coming. A restarted follower fetches back to
/// back while each answer brings records, as Kafka's fetcher does, so it
/// soon meets the high watermark between two writes and rejoins.
#[test]
fn a_restarted_follower_rejoins_an_isr_of_the_leader_alone_while_writes_go_on() {
    let leader = leader_at_start(&cluster(2, 2, 1, "1", json!({}), json!([])));
    let follower = BrokerId(1 - leader.0);
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_kill", "broker": follower.0},
        {"at_ms": 8000, "do": "broker_restart", "broker": follower.0}
    ]);
    let (_, trace) = run(&cluster(2, 2, 1, "1", json!({}), timeline), 20_000);
    let isr_alone = trace
        .iter()
        .any(|e| matches!(&e.kind, EventKind::IsrChanged { isr, .. } if *isr == [leader]));
    assert!(isr_alone, "the ISR shrank to the leader");
    let rejoined_at = trace.iter().find_map(|e| match &e.kind {
        EventKind::IsrChanged {
            reason: IsrChange::CaughtUp,
            isr,
            ..
        } if isr.contains(&follower) => Some(e.at),
        _ => None,
    });
    let rejoined_at = rejoined_at.expect("the follower rejoined");
    assert!(
        rejoined_at < SimTime::from_millis(10_000),
        "rejoined at {rejoined_at:?}, two seconds after its restart at most"
    );
}

#[test]
fn a_restarted_broker_rejoins_the_isr_and_can_lead_again() {
    let first = leader_at_start(&cluster(3, 3, 2, "all", json!({}), json!([])));
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_kill", "broker": first.0},
        {"at_ms": 9000, "do": "broker_restart", "broker": first.0},
        {"at_ms": 14000, "do": "preferred_leader_election"}
    ]);
    let (sim, trace) = run(&cluster(3, 3, 2, "all", json!({}), timeline), 16_000);
    let rejoined = trace.iter().any(|e| {
        matches!(&e.kind, EventKind::IsrChanged { reason: IsrChange::CaughtUp, isr, .. } if isr.contains(&first))
    });
    assert!(rejoined, "it caught up and rejoined the ISR");
    let partition = sim.kafka().partition(P0);
    assert_eq!(partition.leader, Some(first), "preferred leader again");
    assert_eq!(partition.leader_epoch, 2);
    assert_eq!(partition.isr.len(), 3);
}

/// When the controller's broker dies, its ZooKeeper session expires, the
/// others race for `/controller`, and the winner's epoch is one higher.
#[test]
fn the_controller_fails_over() {
    let timeline = json!([{"at_ms": 1000, "do": "broker_kill", "broker": 0}]);
    let (sim, trace) = run(&cluster(3, 3, 1, "all", json!({}), timeline), 8_000);
    let elected = trace.iter().find_map(|e| match e.kind {
        EventKind::ControllerElected { broker, epoch } => Some((broker, epoch)),
        _ => None,
    });
    assert_eq!(elected, Some((BrokerId(1), 2)));
    assert_eq!(sim.kafka().cluster.zookeeper.controller, Some(BrokerId(1)));
    assert!(
        sim.kafka()
            .partition(P0)
            .leader
            .is_some_and(|l| l != BrokerId(0))
    );
}

/// Consumers read only below the high watermark: with a follower that
/// dies before it has fetched anything, nothing is readable under
/// `acks=all` … until the ISR shrinks and the high watermark moves.
#[test]
fn the_high_watermark_is_the_lowest_log_end_in_the_isr() {
    let leader = leader_at_start(&cluster(2, 2, 1, "all", json!({}), json!([])));
    let follower = 1 - leader.0;
    let extra = json!({"replica_lag_time_max_ms": 4000});
    let timeline = json!([{"at_ms": 1, "do": "broker_kill", "broker": follower}]);
    let scenario = cluster(2, 2, 1, "all", extra, timeline);
    let (sim, trace) = run(&scenario, 1_500);
    let partition = sim.kafka().partition(P0);
    assert!(partition.log().log_end_offset() > 10);
    assert_eq!(
        partition.high_watermark(),
        0,
        "the follower has nothing yet"
    );
    assert!(acknowledged(&trace).is_empty());
    let (sim, trace) = run(&scenario, 8_000);
    let partition = sim.kafka().partition(P0);
    assert_eq!(partition.isr.len(), 1, "the follower fell behind");
    assert_eq!(partition.high_watermark(), partition.log().log_end_offset());
    assert!(!acknowledged(&trace).is_empty());
}

/// A leader cut off from ZooKeeper and the other brokers (a "zombie")
/// keeps believing it leads, and clients with old metadata keep writing to
/// it. ZooKeeper expires its session and the controller elects another
/// leader. With `acks=1` the zombie confirms what it alone holds; when its
/// links come back it learns it was replaced, truncates, and those
/// confirmed records are lost.
#[test]
fn an_isolated_leader_loses_what_it_confirmed_with_acks_one() {
    let first = leader_at_start(&cluster(3, 3, 1, "1", json!({}), json!([])));
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_isolate", "broker": first.0},
        {"at_ms": 12000, "do": "broker_reconnect", "broker": first.0}
    ]);
    let (sim, trace) = run(&cluster(3, 3, 1, "1", json!({}), timeline), 16_000);
    let replaced = trace.iter().any(|e| {
        matches!(e.kind, EventKind::LeaderElected { previous: Some(p), leader: Some(l), .. } if p == first && l != first)
    });
    assert!(replaced, "the controller replaced the isolated leader");
    let zombie_appends = trace
        .iter()
        .filter(|e| {
            e.at > SimTime::from_millis(6_000)
                && e.at < SimTime::from_millis(12_000)
                && matches!(e.kind, EventKind::RecordAppended { broker, .. } if broker == first)
        })
        .count();
    assert!(
        zombie_appends > 50,
        "the zombie kept taking writes: {zombie_appends}"
    );
    let acked: BTreeSet<RecordId> = acknowledged(&trace).into_iter().collect();
    let lost = lost_by(&trace, first);
    assert!(
        lost.len() >= zombie_appends,
        "{} lost of {zombie_appends}",
        lost.len()
    );
    assert!(lost.iter().all(|r| acked.contains(r)));
    assert_ne!(sim.kafka().partition(P0).leader, Some(first));
}

/// The same zombie under `acks=all`: the followers no longer fetch from it
/// and it cannot shrink the ISR in ZooKeeper, so nothing it takes in is
/// confirmed; the producer's requests time out after `request.timeout.ms`,
/// it asks who leads now, and nothing confirmed is lost.
#[test]
fn an_isolated_leader_confirms_nothing_with_acks_all() {
    let first = leader_at_start(&cluster(3, 3, 2, "all", json!({}), json!([])));
    let timeline = json!([
        {"at_ms": 2000, "do": "broker_isolate", "broker": first.0},
        {"at_ms": 45000, "do": "broker_reconnect", "broker": first.0}
    ]);
    let (sim, trace) = run(&cluster(3, 3, 2, "all", json!({}), timeline), 50_000);
    let zombie_appends = trace
        .iter()
        .filter(|e| {
            e.at > SimTime::from_millis(6_000)
                && matches!(e.kind, EventKind::RecordAppended { broker, .. } if broker == first)
        })
        .count();
    assert!(
        zombie_appends > 0,
        "the zombie took writes after it was replaced"
    );
    assert!(trace.iter().any(|e| matches!(
        e.kind,
        EventKind::ProduceFailed {
            error: ProduceError::RequestTimedOut,
            ..
        }
    )));
    let leader = sim.kafka().partition(P0).leader.expect("a leader");
    for record in acknowledged(&trace) {
        assert!(holds(&sim, leader, record), "{record:?} lost");
    }
}

/// A group's coordinator is the leader of its `__consumer_offsets`
/// partition. Kill it: the group's commits fail with
/// COORDINATOR_NOT_AVAILABLE until the controller elects a new leader for
/// that partition; then the new coordinator carries on from the committed
/// offsets, which never go back. (The dead broker also follows the topic's
/// partitions: their high watermark waits until the leaders drop it from
/// the ISR, after `replica.lag.time.max.ms`. That is set below the
/// ZooKeeper session timeout, so the consumer has records to commit while
/// the coordinator is still gone.)
#[test]
fn the_group_coordinator_moves_and_committed_offsets_survive() {
    let file = |timeline: Value| {
        json!({
            "version": 1, "name": "coordinator", "seed": 3, "duration_ms": 60000,
            "network": {"latency_ms": 10},
            "kafka": {
                "cluster": {"brokers": 3, "replica_fetch_interval_ms": 200,
                            "replica_lag_time_max_ms": 1000, "zookeeper_session_timeout_ms": 3000},
                "topics": [{"name": "t", "partitions": 2, "replication_factor": 3, "min_insync_replicas": 2}],
                "producers": [{"name": "p", "topic": "t", "rate_per_sec": 20.0}],
                "groups": [{"name": "g", "topics": ["t"], "auto_offset_reset": "earliest",
                            "commit": {"mode": "after_batch"}, "session_timeout_ms": 6000,
                            "members": [{"name": "m", "poll_interval_ms": 100, "processing_ms": 5}]}]
            },
            "timeline": timeline
        })
        .to_string()
    };
    let coordinator = {
        let s = Scenario::from_json(&file(json!([]))).expect("valid");
        let (sim, _) = run(&s, 1);
        sim.kafka().coordinator(GroupId(0)).expect("a coordinator")
    };
    let timeline = json!([{"at_ms": 5000, "do": "broker_kill", "broker": coordinator.0}]);
    let s = Scenario::from_json(&file(timeline)).expect("valid");
    let (sim, trace) = run(&s, 20_000);
    let moved = trace.iter().find_map(|e| match e.kind {
        EventKind::GroupCoordinatorMoved { coordinator, .. } => Some((e.at, coordinator)),
        _ => None,
    });
    let (moved_at, new) = moved.expect("the coordinator moved");
    assert!(new.is_some_and(|b| b != coordinator));
    assert_eq!(sim.kafka().coordinator(GroupId(0)), new);
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::CoordinatorUnavailable { .. })),
        "commits failed while it was down"
    );
    let mut committed = std::collections::BTreeMap::new();
    let mut after_move = 0;
    for e in &trace {
        if let EventKind::OffsetCommitted { tp, offset, .. } = e.kind {
            let previous = committed.insert(tp, offset).unwrap_or(0);
            assert!(
                offset >= previous,
                "{tp:?} went back from {previous} to {offset}"
            );
            after_move += usize::from(e.at > moved_at);
        }
    }
    assert!(after_move > 10, "the new coordinator takes commits");
}

#[test]
fn cluster_values_out_of_range_are_refused_by_field() {
    let file = json!({
        "version": 1, "name": "bad", "seed": 1,
        "kafka": {
            "cluster": {"brokers": 3},
            "topics": [
                {"name": "a", "partitions": 1, "replication_factor": 4},
                {"name": "b", "partitions": 1, "replication_factor": 2, "min_insync_replicas": 3}
            ]
        },
        "timeline": [{"at_ms": 1, "do": "broker_kill", "broker": 5}]
    });
    let err = Scenario::from_json(&file.to_string())
        .expect_err("invalid")
        .to_string();
    for expected in [
        "kafka.topics[0].replication_factor: must be 1..=3 (the cluster has 3 brokers), got 4",
        "kafka.topics[1].min_insync_replicas: must be 1..=2, got 3",
        "timeline[0].broker: no broker 5: the cluster has brokers 0..=2",
    ] {
        assert!(err.contains(expected), "{err}");
    }
}

/// Random schedules of kills, restarts, isolations and reconnections: with
/// `acks=all`, `min.insync.replicas=2` and unclean election off, no record
/// confirmed to a producer is ever lost,
/// and a consumer group's committed offset never goes back.
fn fault_schedule() -> impl Strategy<Value = Vec<(u64, u8, u32)>> {
    proptest::collection::vec((0u64..20_000, 0u8..4, 0u32..3), 0..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]
    #[test]
    fn acknowledged_records_survive_any_faults(schedule in fault_schedule(), seed in 0u64..1000) {
        let timeline: Vec<Value> = {
            let mut entries = schedule.clone();
            entries.sort_by_key(|e| e.0);
            entries
                .iter()
                .map(|&(at, fault, broker)| {
                    let fault = ["broker_kill", "broker_restart", "broker_isolate", "broker_reconnect"][fault as usize];
                    json!({"at_ms": at, "do": fault, "broker": broker})
                })
                .collect()
        };
        let mut scenario_json: Value = serde_json::from_str(&cluster(3, 3, 2, "all", json!({}), json!(timeline)).to_json()).expect("json");
        scenario_json["seed"] = json!(seed);
        scenario_json["kafka"]["groups"] = json!([{
            "name": "g", "topics": ["t"], "auto_offset_reset": "earliest",
            "commit": {"mode": "after_batch"}, "session_timeout_ms": 6000,
            "members": [{"name": "m", "poll_interval_ms": 100, "processing_ms": 5}]
        }]);
        let scenario = Scenario::from_json(&scenario_json.to_string()).expect("valid");
        let (sim, trace) = run(&scenario, 25_000);
        // Committed offsets never go back, whichever broker coordinates.
        let mut committed = 0;
        for e in &trace {
            if let EventKind::OffsetCommitted { offset, .. } = e.kind {
                prop_assert!(offset >= committed, "commit went back from {} to {}", committed, offset);
                committed = offset;
            }
        }
        let keepers = keepers(&sim);
        for record in acknowledged(&trace) {
            prop_assert!(
                keepers.iter().any(|&b| holds(&sim, b, record)),
                "{:?} confirmed but lost; keepers {:?}", record, keepers
            );
        }
    }
}

/// The `leader-failover` preset does what its description promises.
#[test]
fn the_leader_failover_preset_tells_its_story() {
    let preset = mqsim::scenario::presets::Preset::find("leader-failover").expect("preset");
    let (sim, trace) = run(&preset.scenario(), 60_000);
    let elections: Vec<(SimTime, Option<BrokerId>, Option<BrokerId>)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::LeaderElected {
                tp,
                previous,
                leader,
                ..
            } if tp == P0 => Some((e.at, previous, leader)),
            _ => None,
        })
        .collect();
    assert_eq!(elections.len(), 2, "{elections:?}");
    let (failover_at, from, to) = elections[0];
    assert_eq!(from, Some(BrokerId(1)));
    assert!(to.is_some_and(|b| b != BrokerId(1)));
    assert!(
        failover_at > SimTime::from_millis(10_000) && failover_at < SimTime::from_millis(17_000)
    );
    assert_eq!(elections[1].2, Some(BrokerId(1)), "preferred leader again");
    assert!(trace.iter().any(|e| matches!(
        e.kind,
        EventKind::GroupCoordinatorMoved { coordinator: Some(b), .. } if b != BrokerId(1)
    )));
    let partition = sim.kafka().partition(P0);
    assert_eq!(partition.isr.len(), 3, "broker 1 rejoined the ISR");
    let acked_on_p0 = trace.iter().filter_map(|e| match e.kind {
        EventKind::RecordAcknowledged { record, tp, .. } if tp == P0 => Some(record),
        _ => None,
    });
    for record in acked_on_p0 {
        assert!(holds(&sim, BrokerId(1), record), "{record:?} lost");
    }
}

/// A producer with `retries` 0 (a live client's, which retries itself)
/// sends a refused record once: "retries … Setting a value greater than
/// zero will cause the client to resend any record whose send fails with a
/// potentially transient error" (producer configs). A `produce` entry's
/// `broker` is where its client sent it: sent to a follower, it is refused
/// with NOT_LEADER_OR_FOLLOWER, the producer gives up on it, and the next
/// record, sent as its own metadata says, goes to the leader.
#[test]
fn a_record_sent_to_a_follower_without_retries_is_refused_once() {
    let leader = leader_at_start(&cluster(3, 3, 1, "1", json!({}), json!([])));
    let follower = (0..3).find(|&b| b != leader.0).unwrap();
    let mut file: Value =
        serde_json::to_value(cluster(3, 3, 1, "1", json!({}), json!([])).file()).unwrap();
    file["kafka"]["producers"] = json!([
        {"name": "live", "topic": "t", "rate_per_sec": 0, "acks": "1", "retries": 0}
    ]);
    file["timeline"] = json!([
        {"at_ms": 1000, "do": "produce", "producer": "live", "value": "misdirected", "partition": 0, "broker": follower},
        {"at_ms": 2000, "do": "produce", "producer": "live", "value": "to the leader", "partition": 0}
    ]);
    let scenario = Scenario::from_json(&file.to_string()).unwrap();
    let (sim, trace) = run(&scenario, 5_000);
    let failures: Vec<(ProduceError, Option<SimTime>)> = (trace.iter())
        .filter_map(|e| match e.kind {
            EventKind::ProduceFailed {
                error, retry_at, ..
            } => Some((error, retry_at)),
            _ => None,
        })
        .collect();
    assert_eq!(failures, [(ProduceError::NotLeaderOrFollower, None)]);
    let log = &sim.kafka().partition(P0).log();
    let values: Vec<String> = (log.log_start_offset()..log.log_end_offset())
        .filter_map(|o| log.get(o).map(|r| r.value.to_string()))
        .collect();
    assert_eq!(
        values,
        ["to the leader"],
        "the refused record is not sent again"
    );
    // An entry naming a broker the cluster does not have is refused.
    file["timeline"][0]["broker"] = json!(3);
    let refused = Scenario::from_json(&file.to_string())
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        "timeline[0].broker: no broker 3: the cluster has brokers 0..=2"
    );
}
