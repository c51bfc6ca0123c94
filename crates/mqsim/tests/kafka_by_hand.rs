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
//! when its session runs out. On the consumer protocol (KIP-848,
//! `GroupMetadataManager.consumerGroupHeartbeat`), the client's heartbeats
//! join, reconcile (a partition moves only once its owner has said it gave
//! it up) and are fenced at an epoch that is not theirs.

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
    let classic = refused(json!([group_add(), heartbeat(4_000, "alice", 0, None)]));
    assert!(
        classic.contains("timeline[1].do") && classic.contains("the classic protocol"),
        "{classic}"
    );
    let modern = refused(json!([modern_group_add(), sync(3_000, 1, json!([]))]));
    assert!(
        modern.contains("timeline[1].do") && modern.contains("the consumer protocol"),
        "{modern}"
    );
    let leaving = refused(json!([
        modern_group_add(),
        heartbeat(100, "alice", -1, None)
    ]));
    assert!(leaving.contains("timeline[1].member_epoch"), "{leaving}");
}

/// `lab` on the consumer protocol (KIP-848), with alice joining at once.
fn modern_group_add() -> Value {
    json!({"at_ms": 0, "do": "group_add", "group": {
        "name": "lab", "topics": ["orders"], "by_hand": true, "protocol": "consumer",
        "members": [{"name": "alice"}]
    }})
}

/// A ConsumerGroupHeartbeat from `member` at `epoch`, owning `owned`
/// partitions of `orders` (none: unchanged); joining (epoch 0) it
/// subscribes to `orders`.
fn heartbeat(at_ms: u64, member: &str, epoch: i64, owned: Option<&[u32]>) -> Value {
    let mut entry = json!({"at_ms": at_ms, "do": "consumer_heartbeat", "group": "lab",
                           "member": member, "member_epoch": epoch});
    if epoch == 0 {
        entry["topics"] = json!(["orders"]);
    }
    if let Some(owned) = owned {
        let owned: Vec<Value> = (owned.iter())
            .map(|p| json!({"topic": "orders", "partition": p}))
            .collect();
        entry["owned"] = json!(owned);
    }
    entry
}

/// A coordinator's answer: when, to whom, the member's epoch, the
/// partitions of its assignment if it came with one, and the error.
type Answer = (u64, ConsumerId, i64, Option<Vec<u32>>, Option<String>);

fn answers(trace: &[Event]) -> Vec<Answer> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ConsumerGroupHeartbeatAnswered {
                consumer,
                member_epoch,
                assignment,
                error,
                ..
            } => Some((
                e.at.as_millis(),
                *consumer,
                *member_epoch,
                (assignment.as_ref()).map(|tps| tps.iter().map(|tp| tp.partition).collect()),
                error.map(|e| format!("{e:?}")),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn on_the_consumer_protocol_the_clients_heartbeats_join_reconcile_and_are_fenced() {
    let s = scenario(json!([
        modern_group_add(),
        heartbeat(0, "alice", 0, Some(&[])),
        // alice acknowledges her three partitions.
        heartbeat(100, "alice", 1, Some(&[0, 1, 2])),
        {"at_ms": 1_000, "do": "consumer_join", "group": "lab", "member": {"name": "bob"}},
        heartbeat(1_000, "bob", 0, Some(&[])),
        // alice still owns all three: she is told to give one up first.
        heartbeat(1_500, "alice", 1, Some(&[0, 1, 2])),
        // Given up: she moves to the new epoch, and it is free for bob.
        heartbeat(1_600, "alice", 1, Some(&[0, 1])),
        heartbeat(2_000, "bob", 2, Some(&[])),
        // An epoch that is not bob's is fenced.
        heartbeat(2_500, "bob", 7, None),
        {"at_ms": 3_000, "do": "consumer_leave", "group": "lab", "member": "alice"}
    ]));
    let trace = run(&s, 4_000);
    let fenced = Some("FencedMemberEpoch".to_string());
    assert_eq!(
        answers(&trace),
        vec![
            // Each answer 20 ms after its heartbeat: the network's one way.
            (20, ALICE, 1, Some(vec![0, 1, 2]), None),
            (120, ALICE, 1, None, None),
            // Group epoch 2: bob's target is partition 2, still alice's.
            (1_020, BOB, 2, Some(vec![]), None),
            (1_520, ALICE, 1, Some(vec![0, 1]), None),
            (1_620, ALICE, 2, None, None),
            (2_020, BOB, 2, Some(vec![2]), None),
            (2_520, BOB, 7, None, fenced),
        ]
    );
    // The run sends no heartbeat of its own for them but alice's goodbye
    // (epoch -1) when her client has closed; nor does it poll or fetch.
    let sent: Vec<(u64, ConsumerId, i64)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ConsumerGroupHeartbeatSent {
                consumer,
                member_epoch,
                ..
            } => Some((e.at.as_millis(), *consumer, *member_epoch)),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        vec![
            (0, ALICE, 0),
            (100, ALICE, 1),
            (1_000, BOB, 0),
            (1_500, ALICE, 1),
            (1_600, ALICE, 1),
            (2_000, BOB, 2),
            (2_500, BOB, 7),
            (3_000, ALICE, -1),
        ]
    );
    assert!(!trace.iter().any(|e| matches!(
        e.kind,
        EventKind::FetchSent { .. } | EventKind::RecordProcessed { .. }
    )));
}
