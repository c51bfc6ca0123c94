//! Groups on the consumer protocol (KIP-848) run by the engine: members
//! join through heartbeats, a member that must give a partition up
//! revokes just that one before its new owner gets it, the others keep
//! reading throughout, and a crashed member is fenced after the session.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{ConsumerId, TopicPartition};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};

/// A topic of 4 partitions, a producer, and group `g` of two members
/// with `protocol`; `timeline` adds members and faults.
fn scenario(protocol: &str, timeline: Value) -> Scenario {
    let file = json!({
        "version": 1, "name": "kip-848", "seed": 5, "duration_ms": 90000,
        "network": {"latency_ms": 10},
        "kafka": {
            "group_initial_rebalance_delay_ms": 0,
            "topics": [{"name": "t", "partitions": 4}],
            "producers": [{"name": "p", "topic": "t", "rate_per_sec": 20.0}],
            "groups": [{
                "name": "g", "topics": ["t"], "protocol": protocol,
                "members": [{"name": "a"}, {"name": "b"}]
            }]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn trace(s: &Scenario) -> Vec<Event> {
    Simulation::run_traced(s, SimTime::from_millis(90_000)).1
}

/// Who owns what over the run, from the engine's own assignment events.
fn owners_ok(trace: &[Event]) {
    let mut owned: Vec<(ConsumerId, Vec<TopicPartition>)> = Vec::new();
    for e in trace {
        match &e.kind {
            EventKind::PartitionsAssigned {
                consumer,
                partitions,
                ..
            } => {
                for tp in partitions {
                    let other = owned
                        .iter()
                        .any(|(c, tps)| c != consumer && tps.contains(tp));
                    assert!(
                        !other,
                        "{tp:?} given to {consumer:?} while owned at {}",
                        e.at
                    );
                }
                owned.retain(|(c, _)| c != consumer);
                owned.push((*consumer, partitions.clone()));
            }
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
            } => {
                if let Some((_, tps)) = owned.iter_mut().find(|(c, _)| c == consumer) {
                    tps.retain(|tp| !partitions.contains(tp));
                }
            }
            EventKind::ConsumerCrashed { consumer } => owned.retain(|(c, _)| c != consumer),
            _ => {}
        }
    }
}

#[test]
fn a_member_joins_and_only_what_moves_stops() {
    let join =
        json!([{"at_ms": 20000, "do": "consumer_join", "group": "g", "member": {"name": "c"}}]);
    let trace = trace(&scenario("consumer", join));
    owners_ok(&trace);
    // No group-wide rebalance: nobody gives up everything.
    assert!(
        !trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::RebalanceStarted { .. }))
    );
    // After c joins, a and b revoke only what c takes; c gets partitions.
    let c = ConsumerId(2);
    let got = trace.iter().rev().find_map(|e| match &e.kind {
        EventKind::PartitionsAssigned {
            consumer,
            partitions,
            ..
        } if *consumer == c => Some(partitions.len()),
        _ => None,
    });
    assert_eq!(got, Some(1), "4 partitions over 3 members: c has 1 or 2");
    let revoked: usize = trace
        .iter()
        .filter(|e| e.at.as_millis() >= 20_000)
        .map(|e| match &e.kind {
            EventKind::PartitionsRevoked { partitions, .. } => partitions.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(revoked, 1, "only the partition that moves is revoked");
    // Members a and b keep processing while c joins.
    for member in [ConsumerId(0), ConsumerId(1)] {
        let processed = trace.iter().any(|e| {
            (20_000..25_000).contains(&e.at.as_millis())
                && matches!(e.kind, EventKind::RecordProcessed { consumer, .. } if consumer == member)
        });
        assert!(processed, "{member:?} kept processing");
    }
}

#[test]
fn a_crashed_member_is_fenced_after_the_session_and_its_partitions_move() {
    let crash = json!([{"at_ms": 10000, "do": "consumer_crash", "group": "g", "member": "b"}]);
    let trace = trace(&scenario("consumer", crash));
    owners_ok(&trace);
    let fenced = trace.iter().find_map(|e| match e.kind {
        EventKind::MemberFenced { consumer } => Some((consumer, e.at.as_millis())),
        _ => None,
    });
    let (who, at) = fenced.expect("fenced");
    assert_eq!(who, ConsumerId(1));
    // Its last heartbeat came at most 5 s before the crash, then 45 s.
    assert!((50_000..=55_100).contains(&at), "fenced at {at}");
    let a_all = trace.iter().rev().find_map(|e| match &e.kind {
        EventKind::PartitionsAssigned {
            consumer,
            partitions,
            ..
        } if *consumer == ConsumerId(0) => Some(partitions.len()),
        _ => None,
    });
    assert_eq!(a_all, Some(4));
}

#[test]
fn the_classic_protocol_stays_as_it_was() {
    let join =
        json!([{"at_ms": 20000, "do": "consumer_join", "group": "g", "member": {"name": "c"}}]);
    let trace = trace(&scenario("classic", join));
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::RebalanceStarted { .. }))
    );
    assert!(
        !trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::ConsumerGroupHeartbeatSent { .. }))
    );
}

/// KIP-848's subscription-change trigger: a member subscribes to a second
/// topic; its heartbeat says so at once, the group epoch goes up, and it
/// is given partitions of the new topic while the other keeps its own.
#[test]
fn a_member_that_subscribes_to_more_topics_is_given_their_partitions() {
    let file = json!({
        "version": 1, "name": "subscribe", "seed": 5, "duration_ms": 40000,
        "network": {"latency_ms": 10},
        "kafka": {
            "topics": [{"name": "t", "partitions": 2}, {"name": "u", "partitions": 2}],
            "producers": [{"name": "p", "topic": "t", "rate_per_sec": 5.0}],
            "groups": [{
                "name": "g", "topics": ["t"], "protocol": "consumer",
                "members": [{"name": "a"}, {"name": "b"}]
            }]
        },
        "timeline": [{"at_ms": 12000, "do": "consumer_subscribe", "group": "g",
                      "member": "a", "topics": ["t", "u"]}]
    });
    let s = Scenario::from_json(&file.to_string()).expect("valid");
    let trace = Simulation::run_traced(&s, SimTime::from_millis(40_000)).1;
    owners_ok(&trace);
    let epochs: Vec<(u64, u32)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::ConsumerGroupHeartbeatAnswered { group_epoch, .. } => {
                Some((e.at.as_millis(), group_epoch))
            }
            _ => None,
        })
        .collect();
    // Two members joined: epoch 2; a's new subscription: 3, at once.
    let bumped = epochs.iter().find(|(_, epoch)| *epoch == 3);
    assert_eq!(bumped.map(|(at, _)| *at), Some(12_010), "{epochs:?}");
    assert!(epochs.iter().all(|(_, epoch)| *epoch <= 3));
    let u = |tp: &TopicPartition| tp.topic.index() == 1;
    let last = |c: u32| {
        trace
            .iter()
            .rev()
            .find_map(|e| match &e.kind {
                EventKind::PartitionsAssigned {
                    consumer,
                    partitions,
                    ..
                } if consumer.0 == c => Some(partitions.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    assert_eq!(last(0).iter().filter(|tp| u(tp)).count(), 2, "a reads u");
    assert!(!last(1).iter().any(u), "b does not subscribe to u");
    assert!(
        trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::ConsumerSubscribed { .. }))
    );
}
