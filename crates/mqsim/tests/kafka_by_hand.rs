//! Consumer groups of live clients (`by_hand`): what a live Kafka
//! consumer's client does, written as timeline entries, with the run's
//! coordinator doing what Kafka's does. Checked against Kafka's classic
//! group coordinator (`ClassicGroup`, `GroupMetadataManager` in the
//! `group-coordinator` module): JoinGroup answered once every known member
//! has joined, after `group.initial.rebalance.delay.ms` for a new group;
//! the first member to join leads and assigns; the coordinator hands each
//! member the leader's assignment as it is, and a SyncGroup for a
//! generation that is not the one completing comes to nothing; offsets
//! are stored as committed; a member whose client just goes is dropped
//! when its session runs out.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::ConsumerId;
use mqsim::trace::MemberAssignment;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};

/// Three partitions of `orders`, a producer, and `timeline`; 20 ms one way.
fn scenario(timeline: Value) -> Scenario {
    let file = json!({
        "version": 1, "name": "live group", "seed": 1, "duration_ms": 60000,
        "network": {"latency_ms": 20},
        "kafka": {
            "topics": [{"name": "orders", "partitions": 3}],
            "producers": [{"name": "shop", "topic": "orders", "rate_per_sec": 20}]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn group_add() -> Value {
    json!({"at_ms": 0, "do": "group_add", "group": {
        "name": "lab", "topics": ["orders"], "by_hand": true, "session_timeout_ms": 10000,
        "members": [{"name": "alice"}]
    }})
}

fn sync(at_ms: u64, generation: u32, parts: Value) -> Value {
    json!({"at_ms": at_ms, "do": "group_sync", "group": "lab", "member": "alice",
           "generation": generation, "assignment": parts})
}

fn run(scenario: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms)).1
}

const ALICE: ConsumerId = ConsumerId(0);
const BOB: ConsumerId = ConsumerId(1);

#[test]
fn the_leader_assigns_and_each_member_takes_its_part_without_polling() {
    let all = json!([{"member": "alice", "partitions": [
        {"topic": "orders", "partition": 0}, {"topic": "orders", "partition": 2}]}]);
    let s = scenario(json!([group_add(), sync(3_100, 1, all)]));
    let trace = run(&s, 6_000);
    // A new group waits group.initial.rebalance.delay.ms (3 s) for more
    // members; then the JoinGroup answers go out.
    let joined = trace
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::GroupJoined {
                generation,
                leader,
                members,
                ..
            } => Some((e.at.as_millis(), *generation, *leader, members.clone())),
            _ => None,
        })
        .expect("the group joined");
    assert_eq!(joined, (3_020, 1, ALICE, vec![ALICE]));
    // The leader's assignment, as it made it (partition 1 left out), not
    // the range assignor's.
    let assigned = trace.iter().find_map(|e| match &e.kind {
        EventKind::PartitionsAssigned {
            consumer,
            partitions,
            ..
        } => Some((e.at.as_millis(), *consumer, partitions.len())),
        _ => None,
    });
    assert_eq!(assigned, Some((3_140, ALICE, 2)), "taken on arrival");
    // A live client fetches, processes and heartbeats outside the run.
    assert!(!trace.iter().any(|e| matches!(
        e.kind,
        EventKind::FetchSent { .. }
            | EventKind::RebalanceNoticed { .. }
            | EventKind::RecordProcessed { .. }
    )));
}

#[test]
fn a_new_member_waits_for_the_others_to_rejoin_and_a_late_assignment_comes_to_nothing() {
    let alice_all = json!([{"member": "alice", "partitions": [
        {"topic": "orders", "partition": 0}, {"topic": "orders", "partition": 1}, {"topic": "orders", "partition": 2}]}]);
    let split = json!([
        {"member": "alice", "partitions": [{"topic": "orders", "partition": 0}, {"topic": "orders", "partition": 1}]},
        {"member": "bob", "partitions": [{"topic": "orders", "partition": 2}]}
    ]);
    let s = scenario(json!([
        group_add(),
        sync(3_100, 1, alice_all.clone()),
        {"at_ms": 5_000, "do": "consumer_join", "group": "lab", "member": {"name": "bob"}},
        // Too late: generation 1 is over once bob's JoinGroup arrives.
        sync(5_030, 1, alice_all),
        {"at_ms": 6_000, "do": "consumer_rejoin", "group": "lab", "member": "alice"},
        sync(6_100, 2, split)
    ]));
    let trace = run(&s, 8_000);
    let generations: Vec<(u64, u32)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GroupJoined { generation, .. } => Some((e.at.as_millis(), *generation)),
            _ => None,
        })
        .collect();
    // Bob's JoinGroup waits until alice rejoins at 6 s.
    assert_eq!(generations, vec![(3_020, 1), (6_020, 2)]);
    let rebalanced: Vec<(u32, Vec<MemberAssignment>)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::GroupRebalanced {
                generation,
                assignment,
                ..
            } => Some((*generation, assignment.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(rebalanced.len(), 2, "the late assignment came to nothing");
    let parts: Vec<(ConsumerId, usize)> = (rebalanced[1].1.iter())
        .map(|a| (a.consumer, a.partitions.len()))
        .collect();
    assert_eq!(parts, vec![(ALICE, 2), (BOB, 1)]);
    // Eager (range): alice gave up everything when she rejoined.
    assert!(trace.iter().any(|e| e.at.as_millis() == 6_000
        && matches!(&e.kind, EventKind::PartitionsRevoked { consumer, partitions } if *consumer == ALICE && partitions.len() == 3)));
}

#[test]
fn commits_are_stored_and_a_member_whose_client_goes_is_dropped_when_its_session_runs_out() {
    let split = json!([
        {"member": "alice", "partitions": [{"topic": "orders", "partition": 0}]},
        {"member": "bob", "partitions": [{"topic": "orders", "partition": 1}, {"topic": "orders", "partition": 2}]}
    ]);
    let s = scenario(json!([
        {"at_ms": 0, "do": "group_add", "group": {
            "name": "lab", "topics": ["orders"], "by_hand": true, "session_timeout_ms": 10000,
            "members": [{"name": "alice"}, {"name": "bob"}]}},
        sync(3_100, 1, split),
        {"at_ms": 4_000, "do": "offset_commit", "group": "lab", "member": "bob",
         "offsets": [{"topic": "orders", "partition": 1, "offset": 7}]},
        {"at_ms": 5_000, "do": "consumer_crash", "group": "lab", "member": "bob"},
        {"at_ms": 15_100, "do": "consumer_rejoin", "group": "lab", "member": "alice"}
    ]));
    let (sim, trace) = Simulation::run_traced(&s, SimTime::from_millis(16_000));
    let committed = trace.iter().find_map(|e| match &e.kind {
        EventKind::OffsetCommitted { tp, offset, .. } => {
            Some((e.at.as_millis(), tp.partition, *offset))
        }
        _ => None,
    });
    assert_eq!(committed, Some((4_020, 1, 7)));
    let summary = sim.kafka_summary();
    let lab = &summary.groups[0];
    let p1 = lab.partitions.iter().find(|p| p.partition == 1).unwrap();
    assert_eq!(p1.committed_offset, Some(7));
    // Bob's client went without a word: the coordinator waits out the
    // session, then rebalances without him; alice's client rejoins and
    // generation 2 has her alone.
    let expired = trace.iter().find_map(|e| match &e.kind {
        EventKind::SessionExpired { consumer, .. } => Some((e.at.as_millis(), *consumer)),
        _ => None,
    });
    assert_eq!(expired, Some((15_000, BOB)));
    let joined = trace.iter().rev().find_map(|e| match &e.kind {
        EventKind::GroupJoined {
            generation,
            members,
            ..
        } => Some((*generation, members.clone())),
        _ => None,
    });
    assert_eq!(joined, Some((2, vec![ALICE])));
}

#[test]
fn entries_for_live_clients_are_refused_for_other_groups_and_unknown_parts() {
    let refused = |timeline: Value| {
        let file = json!({
            "version": 1, "name": "t", "seed": 1, "duration_ms": 60000,
            "kafka": {"topics": [{"name": "orders", "partitions": 3}],
                      "groups": [{"name": "billing", "topics": ["orders"], "members": [{"name": "b1"}]}]},
            "timeline": timeline
        });
        Scenario::from_json(&file.to_string())
            .expect_err("refused")
            .to_string()
    };
    let own =
        refused(json!([{"at_ms": 1, "do": "consumer_rejoin", "group": "billing", "member": "b1"}]));
    assert!(
        own.contains("timeline[0].group") && own.contains("not a group of live clients"),
        "{own}"
    );
    let bad = refused(json!([
        group_add(),
        sync(
            3_000,
            1,
            json!([
        {"member": "carol", "partitions": [{"topic": "orders", "partition": 5}]}])
        )
    ]));
    assert!(bad.contains("timeline[1].assignment[0].member"), "{bad}");
    assert!(
        bad.contains("timeline[1].assignment[0].partitions[0]"),
        "{bad}"
    );
    let commit = refused(
        json!([group_add(), {"at_ms": 4000, "do": "offset_commit", "group": "lab",
        "member": "alice", "offsets": [{"topic": "returns", "partition": 0, "offset": 1}]}]),
    );
    assert!(commit.contains("timeline[1].offsets[0]"), "{commit}");
    let protocol = refused(json!([{"at_ms": 0, "do": "group_add", "group": {
        "name": "lab", "topics": ["orders"], "by_hand": true, "protocol": "consumer", "members": [{"name": "a"}]}}]));
    assert!(protocol.contains("by_hand"), "{protocol}");
}
