//! Share groups (KIP-932) run by the engine: any number of members read
//! the same partitions, each record acquired by one member at a time and
//! acknowledged one by one; failed records are released and delivered
//! again until `group.share.delivery.count.limit` archives them; a member
//! that crashes drops its connection and its records are released at once;
//! one that is too slow loses its records to the others when their locks
//! run out, and its late acknowledgements are refused.
//!
//! Behaviour follows Kafka 4.2's `SharePartition`, `SharePartitionManager`
//! and `GroupMetadataManager.shareGroupHeartbeat` (see the module docs of
//! `mqsim::kafka::share`). The property test at the end folds the trace
//! into its own model of every record and checks KIP-932's guarantees.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{ConsumerId, TopicPartition};
use mqsim::trace::AckType;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A topic of 2 partitions, a producer of `rate` records a second, and
/// share group `workers` of `members` members (each with `member`'s
/// settings) with the group settings `group`; `timeline` adds faults.
fn scenario(members: usize, member: Value, group: Value, rate: f64, timeline: Value) -> Scenario {
    let members: Vec<Value> = (1..=members)
        .map(|i| {
            let mut m = member.clone();
            m["name"] = json!(format!("w{i}"));
            m
        })
        .collect();
    let mut share = json!({"name": "workers", "topics": ["orders"], "members": members});
    for (k, v) in group.as_object().into_iter().flatten() {
        share[k] = v.clone();
    }
    let file = json!({
        "version": 1, "name": "kip-932", "seed": 7, "duration_ms": 90000,
        "network": {"latency_ms": 10},
        "kafka": {
            "topics": [{"name": "orders", "partitions": 2}],
            "producers": [{"name": "p", "topic": "orders", "rate_per_sec": rate,
                           "keys": ["a", "b", "c", "d", "e", "f"]}],
            "share_groups": [share]
        },
        "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn trace(s: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(s, SimTime::from_millis(until_ms)).1
}

fn processed_by(trace: &[Event]) -> BTreeMap<ConsumerId, u64> {
    let mut by = BTreeMap::new();
    for e in trace {
        if let EventKind::RecordProcessed { consumer, .. } = e.kind {
            *by.entry(consumer).or_insert(0) += 1;
        }
    }
    by
}

/// Five share consumers on two partitions are all busy; a consumer group
/// of five on the same topic leaves three idle (one partition, one member).
#[test]
fn more_members_than_partitions_all_work() {
    let member = json!({"processing_ms": 200, "max_poll_records": 5});
    let t = trace(
        &scenario(5, member.clone(), json!({}), 20.0, json!([])),
        60_000,
    );
    let by = processed_by(&t);
    assert_eq!(by.len(), 5, "every member processed records: {by:?}");
    assert!(by.values().all(|&n| n > 20), "{by:?}");

    let members: Vec<Value> = (1..=5).map(|i| json!({"name": format!("c{i}")})).collect();
    let group = json!({
        "version": 1, "name": "classic", "seed": 7, "duration_ms": 60000,
        "kafka": {
            "topics": [{"name": "orders", "partitions": 2}],
            "producers": [{"name": "p", "topic": "orders", "rate_per_sec": 20.0}],
            "groups": [{"name": "g", "topics": ["orders"], "members": members}]
        }
    });
    let classic = Scenario::from_json(&group.to_string()).unwrap();
    let by = processed_by(&trace(&classic, 60_000));
    assert_eq!(by.len(), 2, "two partitions keep two members busy: {by:?}");
}

/// The first heartbeat asks the share coordinator to initialize the
/// topic's share-partitions; they are assigned from a later heartbeat.
#[test]
fn partitions_are_assigned_once_initialized() {
    let t = trace(&scenario(2, json!({}), json!({}), 10.0, json!([])), 12_000);
    let initialized = t
        .iter()
        .find(|e| matches!(e.kind, EventKind::SharePartitionsInitialized { .. }))
        .expect("initialized");
    let first = t.iter().find_map(|e| match &e.kind {
        EventKind::ShareGroupHeartbeatAnswered {
            assignment: Some(tps),
            ..
        } if !tps.is_empty() => Some(e.at),
        _ => None,
    });
    let first = first.expect("assigned");
    assert!(first > initialized.at);
    // The first answers came before, with nothing.
    assert!(t.iter().any(|e| matches!(&e.kind,
        EventKind::ShareGroupHeartbeatAnswered { assignment: Some(tps), .. } if tps.is_empty())));
    // One heartbeat interval (5 s) later.
    assert_eq!(first.as_millis(), 5_030);
}

/// A poison record is released after each failed delivery and delivered
/// again, its last attempt alone, until the limit archives it; Kafka 4.2
/// has no dead-letter queue, so archived is where it ends.
#[test]
fn a_poison_record_is_archived_at_the_delivery_count_limit() {
    let produce = json!([{"at_ms": 8000, "do": "produce", "producer": "p",
                          "key": "x", "partition": 0, "poison": true}]);
    let s = scenario(
        3,
        json!({"processing_ms": 50}),
        json!({"delivery_count_limit": 4}),
        5.0,
        produce,
    );
    let t = trace(&s, 40_000);
    let poison = t
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RecordSent { tp, .. } if e.at.as_millis() == 8_000 => Some(*tp),
            _ => None,
        })
        .expect("sent");
    let poison_offset = t
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::RecordFailed { tp, offset, .. } if *tp == poison => Some(*offset),
            _ => None,
        })
        .expect("failed");
    let mut deliveries = Vec::new();
    for e in &t {
        if let EventKind::ShareRecordsAcquired {
            consumer,
            tp,
            records,
            ..
        } = &e.kind
            && *tp == poison
            && let Some(r) = records.iter().find(|r| r.offset == poison_offset)
        {
            deliveries.push((r.delivery_count, *consumer, records.len()));
        }
    }
    let counts: Vec<u32> = deliveries.iter().map(|d| d.0).collect();
    assert_eq!(counts, [1, 2, 3, 4], "{deliveries:?}");
    // Its last attempt (delivery count limit − 1 before it) goes alone.
    assert_eq!(deliveries[3].2, 1);
    let archived = t.iter().any(|e| {
        matches!(&e.kind, EventKind::ShareRecordsAcknowledged { tp, ack: AckType::Release, archived, .. }
            if *tp == poison && archived == &[poison_offset])
    });
    assert!(archived, "the fourth release archives it");
}

/// A member that crashes holding records drops its connection: they are
/// released at once with their delivery counts, and another member gets
/// them (without waiting for the 30 s lock).
#[test]
fn a_crashed_members_records_are_released_at_once() {
    let crash =
        json!([{"at_ms": 10000, "do": "consumer_crash", "group": "workers", "member": "w1"}]);
    // Four members on two partitions: two share each.
    let s = scenario(
        4,
        json!({"processing_ms": 400, "max_poll_records": 10}),
        json!({}),
        10.0,
        crash,
    );
    let t = trace(&s, 20_000);
    let released: Vec<(TopicPartition, Vec<u64>)> = t
        .iter()
        .filter(|e| e.at.as_millis() == 10_000)
        .filter_map(|e| match &e.kind {
            EventKind::ShareSessionClosed {
                consumer: ConsumerId(0),
                tp,
                offsets,
                ..
            } => Some((*tp, offsets.clone())),
            _ => None,
        })
        .collect();
    assert!(!released.is_empty(), "w1 held records when it crashed");
    for (tp, offsets) in released {
        for offset in offsets {
            let again = t.iter().find_map(|e| match &e.kind {
                EventKind::ShareRecordsAcquired {
                    consumer,
                    records,
                    tp: at,
                    ..
                } if *at == tp => records
                    .iter()
                    .find(|r| r.offset == offset && r.delivery_count == 2)
                    .map(|_| (*consumer, e.at)),
                _ => None,
            });
            let (by, when) = again.unwrap_or_else(|| panic!("{tp:?} {offset} redelivered"));
            assert_ne!(by, ConsumerId(0));
            assert!(when.as_millis() < 12_000, "well before the lock's 30 s");
        }
    }
}

/// A member slower than its locks: its records time out and go to the
/// other member; its acknowledgements come too late and are refused, and
/// those records are processed twice.
#[test]
fn a_member_slower_than_its_locks_loses_them_and_is_refused() {
    let slow = json!([{"at_ms": 6000, "do": "consumer_slow", "group": "workers",
                       "member": "w1", "processing_ms": 2000}]);
    let s = scenario(
        2,
        json!({"processing_ms": 100, "max_poll_records": 10}),
        json!({"record_lock_duration_ms": 5000}),
        5.0,
        slow,
    );
    let t = trace(&s, 60_000);
    assert!(
        t.iter()
            .any(|e| matches!(&e.kind, EventKind::ShareLocksExpired { .. })),
        "locks ran out"
    );
    let refused: usize = t
        .iter()
        .map(|e| match &e.kind {
            EventKind::ShareRecordsAcknowledged {
                consumer: ConsumerId(0),
                refused,
                ..
            } => refused.len(),
            _ => 0,
        })
        .sum();
    assert!(refused > 0, "w1's late acknowledgements are refused");
    let twice = t.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::RecordProcessed {
                duplicate: true,
                ..
            }
        )
    });
    assert!(twice, "what timed out was processed twice");
}

/// `share.auto.offset.reset`: `latest` starts at the end of the log when
/// the partition is first read, `earliest` at its start.
#[test]
fn auto_offset_reset_picks_where_a_share_partition_starts() {
    let first_offsets = |reset: &str| {
        let join =
            json!([{"at_ms": 20000, "do": "consumer_restart", "group": "workers", "member": "w1"}]);
        let crash = json!({"at_ms": 0, "do": "consumer_crash", "group": "workers", "member": "w1"});
        let mut timeline = vec![crash];
        timeline.extend(join.as_array().unwrap().iter().cloned());
        let s = scenario(
            1,
            json!({}),
            json!({"auto_offset_reset": reset}),
            10.0,
            Value::Array(timeline),
        );
        let t = trace(&s, 40_000);
        t.iter()
            .find_map(|e| match &e.kind {
                EventKind::ShareRecordsAcquired { records, .. } => Some(records[0].offset),
                _ => None,
            })
            .expect("acquired")
    };
    assert_eq!(first_offsets("earliest"), 0);
    assert!(first_offsets("latest") > 50);
}

/// The timeline has a member reject, or release, its record in hand.
#[test]
fn a_member_told_to_reject_archives_its_record() {
    let reject = json!([{"at_ms": 9000, "do": "share_acknowledge", "group": "workers",
                         "member": "w1", "ack": "reject"}]);
    let s = scenario(1, json!({"processing_ms": 500}), json!({}), 5.0, reject);
    let t = trace(&s, 15_000);
    let rejected = t.iter().any(|e| {
        matches!(&e.kind, EventKind::ShareRecordsAcknowledged { ack: AckType::Reject, offsets, .. }
            if offsets.len() == 1)
    });
    assert!(rejected);
}

/// A member leaving (`close()`) acknowledges the records of its last
/// poll, all processed by then, and holds nothing after.
#[test]
fn a_member_leaving_acknowledges_its_last_records() {
    let leave =
        json!([{"at_ms": 10000, "do": "consumer_leave", "group": "workers", "member": "w1"}]);
    let s = scenario(
        4,
        json!({"processing_ms": 300, "max_poll_records": 10}),
        json!({}),
        50.0,
        leave,
    );
    let t = trace(&s, 20_000);
    let left = t
        .iter()
        .find(|e| matches!(e.kind, EventKind::ConsumerLeft { .. }))
        .expect("left");
    let acknowledged = t.iter().any(|e| {
        e.at == left.at
            && matches!(
                &e.kind,
                EventKind::ShareRecordsAcknowledged {
                    consumer: ConsumerId(0),
                    ack: AckType::Accept,
                    refused,
                    ..
                } if refused.is_empty()
            )
    });
    assert!(acknowledged, "its last acknowledgements go as it leaves");
    let later = t.iter().filter(|e| e.at > left.at).any(|e| {
        matches!(
            e.kind,
            EventKind::ShareRecordsAcquired {
                consumer: ConsumerId(0),
                ..
            }
        )
    });
    assert!(!later);
    check(&t, 5).unwrap();
}

/// Each record as the trace tells it: state, holder, deliveries.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Seen {
    holder: Option<ConsumerId>,
    deliveries: u32,
    done: bool,
}

/// Folds a trace into [`Seen`] per record, checking KIP-932's guarantees
/// at every step: a record is held by at most one member at a time; no
/// record is delivered more often than `limit`; every record below a
/// share-partition's start offset is acknowledged or archived.
fn check(trace: &[Event], limit: u32) -> Result<(), String> {
    let mut seen: BTreeMap<(TopicPartition, u64), Seen> = BTreeMap::new();
    let below_start_done = |seen: &BTreeMap<(TopicPartition, u64), Seen>, tp, start, at| {
        for ((t, o), s) in seen.range((tp, 0)..(tp, start)) {
            if *t == tp && !s.done {
                return Err(format!(
                    "{tp:?} {o} below the start {start} not done at {at}"
                ));
            }
        }
        Ok(())
    };
    for e in trace {
        match &e.kind {
            EventKind::ShareRecordsAcquired {
                consumer,
                tp,
                records,
                ..
            } => {
                for r in records {
                    let s = seen.entry((*tp, r.offset)).or_default();
                    if let Some(holder) = s.holder {
                        return Err(format!(
                            "{tp:?} {} acquired by {consumer:?} while {holder:?} holds it at {}",
                            r.offset, e.at
                        ));
                    }
                    if s.done {
                        return Err(format!("{tp:?} {} delivered after it was done", r.offset));
                    }
                    s.deliveries += 1;
                    if s.deliveries != r.delivery_count || s.deliveries > limit {
                        return Err(format!(
                            "{tp:?} {} delivery {} (count {}) at {}",
                            r.offset, s.deliveries, r.delivery_count, e.at
                        ));
                    }
                    s.holder = Some(*consumer);
                }
            }
            EventKind::ShareRecordsAcknowledged {
                consumer,
                tp,
                ack,
                offsets,
                refused,
                archived,
                start,
            } => {
                for o in offsets {
                    if refused.contains(o) {
                        continue;
                    }
                    let s = seen.entry((*tp, *o)).or_default();
                    if s.holder != Some(*consumer) {
                        return Err(format!(
                            "{tp:?} {o} acknowledged by {consumer:?}, not its holder {:?}, at {}: {}",
                            s.holder,
                            e.at,
                            history(trace, *tp, *o)
                        ));
                    }
                    s.holder = None;
                    s.done = *ack != AckType::Release || archived.contains(o);
                }
                below_start_done(&seen, *tp, *start, e.at)?;
            }
            EventKind::ShareLocksExpired {
                tp,
                offsets,
                archived,
                start,
                ..
            }
            | EventKind::ShareSessionClosed {
                tp,
                offsets,
                archived,
                start,
                ..
            } => {
                for o in offsets {
                    let s = seen.entry((*tp, *o)).or_default();
                    s.holder = None;
                    s.done = archived.contains(o);
                }
                below_start_done(&seen, *tp, *start, e.at)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The events about one record, for a failure's message.
fn history(trace: &[Event], tp: TopicPartition, offset: u64) -> String {
    let about = |e: &&Event| match &e.kind {
        EventKind::ShareRecordsAcquired { tp: t, records, .. } => {
            *t == tp && records.iter().any(|r| r.offset == offset)
        }
        EventKind::ShareRecordsAcknowledged { tp: t, offsets, .. }
        | EventKind::ShareLocksExpired { tp: t, offsets, .. }
        | EventKind::ShareSessionClosed { tp: t, offsets, .. } => {
            *t == tp && offsets.contains(&offset)
        }
        _ => false,
    };
    let lines: Vec<String> = (trace.iter().filter(about))
        .map(|e| format!("{} {:?}", e.at, e.kind))
        .collect();
    lines.join("\n")
}

/// A random share-group timeline: members, their pace and failures, the
/// lock and the limit, and crashes, restarts, slowdowns, departures and
/// told releases and rejects at random moments.
fn random_scenario() -> impl Strategy<Value = (Scenario, u32)> {
    let entry = (1_000u64..40_000, 0u8..6, 1usize..=4, 0u64..1_500);
    (
        1usize..=4,
        (20u64..400, 1u32..12),
        (1_000u64..8_000, 2u32..=6, 0.0f64..0.5),
        proptest::collection::vec(entry, 0..8),
        any::<u64>(),
    )
        .prop_map(
            |(members, (processing, records), (lock, limit, failing), entries, seed)| {
                let timeline: Vec<Value> = entries
                    .into_iter()
                    .map(|(at, kind, m, ms)| {
                        let member = format!("w{}", m.min(members));
                        let base = json!({"at_ms": at, "group": "workers", "member": member});
                        let mut e = base.as_object().unwrap().clone();
                        let (what, extra) = match kind {
                            0 => ("consumer_crash", None),
                            1 => ("consumer_restart", None),
                            2 => ("consumer_slow", Some(("processing_ms", json!(ms)))),
                            3 => ("consumer_leave", None),
                            4 => ("share_acknowledge", Some(("ack", json!("release")))),
                            _ => ("share_acknowledge", Some(("ack", json!("reject")))),
                        };
                        e.insert("do".into(), json!(what));
                        if let Some((k, v)) = extra {
                            e.insert(k.into(), v);
                        }
                        Value::Object(e)
                    })
                    .collect();
                let mut s = scenario(
                    members,
                    json!({"processing_ms": processing, "max_poll_records": records}),
                    json!({"record_lock_duration_ms": lock, "delivery_count_limit": limit,
                           "failures": {"probability": failing}}),
                    10.0,
                    Value::Array(timeline),
                )
                .file()
                .clone();
                s.seed = seed;
                (s.validate().expect("valid"), limit)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Mutations this catches (each tried by hand; see the issue notes):
    /// acquiring a record that is already acquired (`SharePartition::acquire`
    /// not skipping `Acquired`) breaks "one holder at a time"; archiving
    /// at `delivery_count > limit` rather than `>=` delivers a record once
    /// too often; advancing the start offset past a record still in
    /// flight breaks "below the start is done".
    #[test]
    fn share_groups_keep_kip_932s_guarantees((s, limit) in random_scenario()) {
        let t = Simulation::run_traced(&s, SimTime::from_millis(45_000)).1;
        check(&t, limit).map_err(TestCaseError::fail)?;
    }
}
