//! The RabbitMQ broker at work: push delivery with prefetch, competing
//! consumers, requeue and dead-lettering, checked against RabbitMQ's
//! documented behaviour ("Consumer Acknowledgements and Publisher
//! Confirms", "Consumer Prefetch", "Dead Letter Exchanges", "Quorum Queues",
//! "Time-To-Live and Expiration", "Queue Length Limit").

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{MessageId, QueueId, RabbitConsumerId};
use mqsim::trace::{DeathReason, Settlement};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn scenario(rabbit: Value, seed: u64) -> Scenario {
    let file = json!({
        "version": 1, "name": "rabbit", "seed": seed, "duration_ms": 60000,
        "network": {"latency_ms": 5},
        "rabbit": rabbit
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn run(scenario: &Scenario, until_ms: u64) -> (Simulation, Vec<Event>) {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms))
}

fn delivered_to(trace: &[Event]) -> BTreeMap<RabbitConsumerId, u64> {
    let mut counts = BTreeMap::new();
    for e in trace {
        if let EventKind::MessageDelivered { consumer, .. } = e.kind {
            *counts.entry(consumer).or_default() += 1;
        }
    }
    counts
}

/// Point-to-point: competing consumers on one queue share the messages,
/// each delivered to one consumer, in turn (round robin).
#[test]
fn competing_consumers_each_get_a_share() {
    let rabbit = json!({
        "queues": [{"name": "tasks"}],
        "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 20, "routing_keys": ["tasks"]}],
        "consumers": [
            {"name": "w1", "queue": "tasks", "prefetch": 1, "processing_ms": 10},
            {"name": "w2", "queue": "tasks", "prefetch": 1, "processing_ms": 10}
        ]
    });
    let (sim, trace) = run(&scenario(rabbit, 1), 5_000);
    let counts = delivered_to(&trace);
    assert_eq!(counts.len(), 2);
    let (a, b) = (counts[&RabbitConsumerId(0)], counts[&RabbitConsumerId(1)]);
    assert!(a.abs_diff(b) <= 1, "{a} vs {b}");
    let mut seen = BTreeSet::new();
    for e in &trace {
        if let EventKind::MessageDelivered { message, .. } = e.kind {
            assert!(seen.insert(message), "{message:?} delivered twice");
        }
    }
    let handled: u64 = sim.rabbit().consumers.iter().map(|c| c.handled).sum();
    assert!(
        handled <= a + b && handled + 2 >= a + b,
        "{handled} of {}",
        a + b
    );
}

/// "Consumer Acknowledgements": when a consumer's channel closes, its
/// unacknowledged deliveries are requeued and redelivered, flagged
/// `redelivered`, to another consumer.
#[test]
fn a_crashed_consumers_unacked_messages_are_redelivered() {
    let file = json!({
        "version": 1, "name": "crash", "seed": 1, "duration_ms": 60000,
        "network": {"latency_ms": 5},
        "rabbit": {
            "queues": [{"name": "tasks"}],
            "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 20, "routing_keys": ["tasks"]}],
            "consumers": [
                {"name": "w1", "queue": "tasks", "prefetch": 5, "processing_ms": 400},
                {"name": "w2", "queue": "tasks", "prefetch": 5, "processing_ms": 50}
            ]
        },
        "timeline": [{"at_ms": 1000, "do": "rabbit_consumer_crash", "consumer": "w1"}]
    });
    let scenario = Scenario::from_json(&file.to_string()).expect("valid");
    let (sim, trace) = run(&scenario, 3_000);
    let held_by_w1: BTreeSet<MessageId> = {
        let mut held = BTreeSet::new();
        let mut tags = BTreeMap::new();
        for e in trace.iter().filter(|e| e.at < SimTime::from_millis(1_000)) {
            match e.kind {
                EventKind::MessageDelivered {
                    message,
                    consumer: RabbitConsumerId(0),
                    delivery_tag,
                    ..
                } => {
                    tags.insert(delivery_tag, message);
                    held.insert(message);
                }
                EventKind::MessageSettled {
                    consumer: RabbitConsumerId(0),
                    delivery_tag,
                    arrives_at,
                    ..
                } if arrives_at < SimTime::from_millis(1_000) => {
                    held.remove(&tags[&delivery_tag]);
                }
                _ => {}
            }
        }
        held
    };
    assert!(!held_by_w1.is_empty());
    let redelivered: BTreeSet<MessageId> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDelivered {
                message,
                consumer: RabbitConsumerId(1),
                redelivered: true,
                ..
            } => Some(message),
            _ => None,
        })
        .collect();
    assert_eq!(
        redelivered, held_by_w1,
        "exactly what w1 held comes again, flagged"
    );
    assert!(!sim.rabbit().consumers[0].running);
}

/// A message no queue takes is returned to a publisher that asked with
/// `mandatory`, and dropped otherwise; the trace names the bindings that
/// routed the others.
#[test]
fn unroutable_messages_are_returned_or_dropped() {
    for mandatory in [true, false] {
        let rabbit = json!({
            "exchanges": [{"name": "orders", "type": "direct"}],
            "queues": [{"name": "paid"}],
            "bindings": [{"source": "orders", "destination": "paid", "destination_type": "queue", "routing_key": "paid"}],
            "publishers": [{"name": "p", "exchange": "orders", "rate_per_sec": 10,
                            "routing_keys": ["paid", "refunded"], "mandatory": mandatory}]
        });
        let (_, trace) = run(&scenario(rabbit, 3), 2_000);
        let unroutable: Vec<bool> = trace
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::MessageUnroutable { returned, .. } => Some(returned),
                _ => None,
            })
            .collect();
        assert!(!unroutable.is_empty());
        assert!(unroutable.iter().all(|&r| r == mandatory));
        let bound = trace.iter().any(|e| matches!(&e.kind,
            EventKind::MessageRouted { via, .. } if via.iter().any(|h| h.routing_key.as_deref() == Some("paid"))));
        assert!(bound, "routed messages name their binding");
    }
}

/// "Time-To-Live and Expiration", queue TTL: a queue with `x-expires` is
/// deleted once it has had no consumer for that long, with the messages in
/// it; a queue with a consumer stays.
#[test]
fn an_unused_queue_expires() {
    let file = json!({
        "version": 1, "name": "expires", "seed": 1, "duration_ms": 60000,
        "network": {"latency_ms": 5},
        "rabbit": {
            "exchanges": [{"name": "x", "type": "fanout"}],
            "queues": [
                {"name": "idle", "arguments": {"x-expires": 3000}},
                {"name": "busy", "arguments": {"x-expires": 3000}}
            ],
            "bindings": [
                {"source": "x", "destination": "idle", "destination_type": "queue"},
                {"source": "x", "destination": "busy", "destination_type": "queue"}
            ],
            "publishers": [{"name": "p", "exchange": "x", "rate_per_sec": 10}],
            "consumers": [{"name": "c", "queue": "busy", "processing_ms": 10}]
        },
        "timeline": [{"at_ms": 5000, "do": "rabbit_consumer_crash", "consumer": "c"}]
    });
    let scenario = Scenario::from_json(&file.to_string()).expect("valid");
    let (sim, trace) = run(&scenario, 9_000);
    let deleted: Vec<(SimTime, QueueId, u64)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::QueueDeleted {
                queue,
                dropped,
                expired: true,
            } => Some((e.at, queue, dropped)),
            _ => None,
        })
        .collect();
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    assert_eq!(
        (deleted[0].0, deleted[0].1),
        (SimTime::from_millis(3_000), QueueId(0))
    );
    assert!(deleted[0].2 >= 29, "its messages went with it");
    assert_eq!(
        (deleted[1].0, deleted[1].1),
        (SimTime::from_millis(8_000), QueueId(1))
    );
    assert!(
        sim.rabbit()
            .queues
            .iter()
            .all(|q| q.deleted && q.ready_count() == 0)
    );
}

/// Pub/sub: a fanout exchange gives every subscriber's queue its own copy.
#[test]
fn a_fanout_gives_every_subscriber_a_copy() {
    let rabbit = json!({
        "exchanges": [{"name": "news", "type": "fanout"}],
        "queues": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
        "bindings": [
            {"source": "news", "destination": "a", "destination_type": "queue"},
            {"source": "news", "destination": "b", "destination_type": "queue"},
            {"source": "news", "destination": "c", "destination_type": "queue"}
        ],
        "publishers": [{"name": "p", "exchange": "news", "rate_per_sec": 10}],
        "consumers": [
            {"name": "sa", "queue": "a"}, {"name": "sb", "queue": "b"}, {"name": "sc", "queue": "c"}
        ]
    });
    let (_, trace) = run(&scenario(rabbit, 1), 3_000);
    let mut reached: BTreeMap<MessageId, BTreeSet<RabbitConsumerId>> = BTreeMap::new();
    for e in &trace {
        if let EventKind::MessageDelivered {
            message, consumer, ..
        } = e.kind
        {
            reached.entry(message).or_default().insert(consumer);
        }
    }
    assert!(reached.len() > 20);
    assert!(reached.values().all(|c| c.len() == 3));
}

/// Consumer prefetch: at most `prefetch` unacknowledged deliveries per
/// consumer at any moment.
#[test]
fn prefetch_bounds_unacknowledged_deliveries() {
    let rabbit = json!({
        "queues": [{"name": "q"}],
        "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 100, "routing_keys": ["q"]}],
        "consumers": [{"name": "slow", "queue": "q", "prefetch": 3, "processing_ms": 200}]
    });
    let (sim, trace) = run(&scenario(rabbit, 1), 4_000);
    let mut out = 0i64;
    for e in &trace {
        match e.kind {
            EventKind::MessageDelivered { .. } => out += 1,
            EventKind::MessageSettled { .. } => out -= 1,
            _ => {}
        }
        assert!(out <= 3, "{out} unacked at {:?}", e.at);
    }
    assert!(
        sim.rabbit().queues[0].ready_count() > 100,
        "the rest waits in the queue"
    );
}

/// "Retry N times, then dead-letter", the quorum queue way: a poison
/// message is requeued with its delivery count going up, and once past
/// `x-delivery-limit` is dead-lettered with reason `delivery_limit`.
#[test]
fn a_quorum_queue_dead_letters_after_its_delivery_limit() {
    let rabbit = json!({
        "exchanges": [{"name": "dlx", "type": "fanout"}],
        "queues": [
            {"name": "work", "arguments": {"x-queue-type": "quorum", "x-delivery-limit": 3, "x-dead-letter-exchange": "dlx"}},
            {"name": "parking"}
        ],
        "bindings": [{"source": "dlx", "destination": "parking", "destination_type": "queue"}],
        "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 1, "routing_keys": ["work"]}],
        "consumers": [{"name": "c", "queue": "work", "processing_ms": 10,
                       "failures": {"probability": 1.0, "requeue": true}}]
    });
    let (sim, trace) = run(&scenario(rabbit, 1), 1_500);
    let first = MessageId(0);
    let requeues: Vec<u32> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageRequeued {
                message,
                delivery_count,
                ..
            } if message == first => Some(delivery_count),
            _ => None,
        })
        .collect();
    assert_eq!(requeues, [1, 2, 3]);
    let discarded = trace.iter().find_map(|e| match &e.kind {
        EventKind::MessageDiscarded {
            message,
            reason,
            dead_letter_exchange,
            ..
        } if *message == first => {
            Some((*reason, dead_letter_exchange.as_deref().map(str::to_string)))
        }
        _ => None,
    });
    assert_eq!(
        discarded,
        Some((DeathReason::DeliveryLimit, Some("dlx".to_string())))
    );
    let parked = &sim.rabbit().queues[1].ready[0].message;
    assert_eq!(parked.deaths[0].reason, DeathReason::DeliveryLimit);
    assert_eq!(&*parked.deaths[0].queue, "work");
    // The inspector's view of it: one copy, ready in parking.
    let copies = sim.rabbit().held_copies(first);
    assert_eq!(copies.len(), 1);
    assert_eq!((copies[0].queue, copies[0].held_by), (QueueId(1), None));
    assert_eq!(copies[0].message.deaths[0].count, 1);
}

/// What the broker holds of one message: a fanout's copy per queue, and a
/// delivered copy marked with the consumer holding it.
#[test]
fn held_copies_are_found_in_queues_and_with_consumers() {
    let rabbit = json!({
        "exchanges": [{"name": "news", "type": "fanout"}],
        "queues": [{"name": "a"}, {"name": "b"}],
        "bindings": [
            {"source": "news", "destination": "a", "destination_type": "queue"},
            {"source": "news", "destination": "b", "destination_type": "queue"}
        ],
        "publishers": [{"name": "p", "exchange": "news", "rate_per_sec": 1, "routing_keys": ["x"]}],
        "consumers": [{"name": "slow", "queue": "a", "processing_ms": 5000}]
    });
    let (sim, _) = run(&scenario(rabbit, 1), 100);
    let mut copies = sim.rabbit().held_copies(MessageId(0));
    copies.sort_by_key(|c| c.queue);
    let places: Vec<(QueueId, Option<RabbitConsumerId>)> =
        copies.iter().map(|c| (c.queue, c.held_by)).collect();
    assert_eq!(
        places,
        [(QueueId(0), Some(RabbitConsumerId(0))), (QueueId(1), None)]
    );
    assert!(copies.iter().all(|c| &*c.message.routing_key == "x"));
    assert!(sim.rabbit().held_copies(MessageId(99)).is_empty());
}

/// "Retry N times, then dead-letter", the classic way: the consumer rejects
/// into a retry queue whose TTL expires the message back to work; the
/// `x-death` count grows by one per round.
#[test]
fn a_ttl_retry_queue_sends_rejected_messages_back() {
    let rabbit = json!({
        "exchanges": [{"name": "retry-x", "type": "fanout"}, {"name": "work-x", "type": "fanout"}],
        "queues": [
            {"name": "work", "arguments": {"x-dead-letter-exchange": "retry-x"}},
            {"name": "retry", "arguments": {"x-message-ttl": 200, "x-dead-letter-exchange": "work-x"}}
        ],
        "bindings": [
            {"source": "retry-x", "destination": "retry", "destination_type": "queue"},
            {"source": "work-x", "destination": "work", "destination_type": "queue"}
        ],
        "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 0.5, "routing_keys": ["work"]}],
        "consumers": [{"name": "c", "queue": "work", "processing_ms": 10,
                       "failures": {"probability": 1.0, "requeue": false}}]
    });
    let (_, trace) = run(&scenario(rabbit, 1), 1_000);
    let first = MessageId(0);
    let reasons: Vec<(QueueId, DeathReason)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDiscarded {
                message,
                queue,
                reason,
                ..
            } if message == first => Some((queue, reason)),
            _ => None,
        })
        .collect();
    assert!(reasons.len() >= 4, "{reasons:?}");
    assert_eq!(reasons[0], (QueueId(0), DeathReason::Rejected));
    assert_eq!(reasons[1], (QueueId(1), DeathReason::Expired));
    assert_eq!(reasons[2], (QueueId(0), DeathReason::Rejected));
}

/// Queue length limit: `drop-head` pushes the oldest out (dead-lettered as
/// `maxlen`); `reject-publish` refuses the newest.
#[test]
fn a_full_queue_drops_its_head_or_refuses() {
    for (overflow, expect_refused) in [("drop-head", false), ("reject-publish", true)] {
        let rabbit = json!({
            "queues": [{"name": "q", "arguments": {"x-max-length": 5, "x-overflow": overflow}}],
            "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 50, "routing_keys": ["q"]}]
        });
        let (sim, trace) = run(&scenario(rabbit, 1), 1_000);
        assert_eq!(sim.rabbit().queues[0].ready_count(), 5);
        let refused = trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::MessageRefused { .. }));
        let dropped = trace.iter().any(|e| {
            matches!(
                e.kind,
                EventKind::MessageDiscarded {
                    reason: DeathReason::Maxlen,
                    ..
                }
            )
        });
        assert_eq!(
            (refused, dropped),
            (expect_refused, !expect_refused),
            "{overflow}"
        );
        let kept: Vec<u64> = sim.rabbit().queues[0]
            .ready
            .iter()
            .map(|q| q.message.id.0)
            .collect();
        if expect_refused {
            assert_eq!(kept, [0, 1, 2, 3, 4], "the first five stay");
        } else {
            assert!(kept[0] > 0, "the oldest went: {kept:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// Conservation: every published message is routed (or unroutable),
    /// and every copy a queue took in is still ready, out unacknowledged,
    /// acked, or discarded (dead-lettered, expired or dropped). Counted
    /// from the trace and checked against what the broker's queues hold.
    #[test]
    fn every_message_is_accounted_for(
        seed in 0u64..1000,
        prefetch in 0u32..5,
        probability in 0.0f64..0.6,
        requeue in any::<bool>(),
        max_length in 1i64..20,
        ttl in 50i64..2000,
    ) {
        let rabbit = json!({
            "exchanges": [{"name": "x", "type": "topic"}, {"name": "dlx", "type": "fanout"}],
            "queues": [
                {"name": "a", "arguments": {"x-max-length": max_length, "x-dead-letter-exchange": "dlx"}},
                {"name": "b", "arguments": {"x-message-ttl": ttl, "x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": "dlx"}},
                {"name": "dead"}
            ],
            "bindings": [
                {"source": "x", "destination": "a", "destination_type": "queue", "routing_key": "a.*"},
                {"source": "x", "destination": "b", "destination_type": "queue", "routing_key": "#.b"},
                {"source": "dlx", "destination": "dead", "destination_type": "queue"}
            ],
            "publishers": [{"name": "p", "exchange": "x", "rate_per_sec": 40, "routing_keys": ["a.b", "a.x", "z.b", "none"]}],
            "consumers": [
                {"name": "ca", "queue": "a", "prefetch": prefetch, "processing_ms": 30,
                 "failures": {"probability": probability, "requeue": requeue}},
                {"name": "cb", "queue": "b", "prefetch": prefetch, "processing_ms": 60,
                 "failures": {"probability": probability, "requeue": requeue}}
            ]
        });
        let (sim, trace) = run(&scenario(rabbit, seed), 3_000);
        // Per (message, queue): entered minus left must match the broker.
        let mut inside: BTreeMap<(MessageId, QueueId), i64> = BTreeMap::new();
        let mut published = BTreeSet::new();
        let mut placed = BTreeSet::new();
        for e in &trace {
            match &e.kind {
                EventKind::MessagePublished { message, .. } => { published.insert(*message); }
                EventKind::MessageUnroutable { message, .. } => { placed.insert(*message); }
                EventKind::MessageRouted { message, .. } => { placed.insert(*message); }
                EventKind::MessageEnqueued { message, queue, .. } => *inside.entry((*message, *queue)).or_default() += 1,
                EventKind::MessageDiscarded { message, queue, .. } => *inside.entry((*message, *queue)).or_default() -= 1,
                _ => {}
            }
        }
        let mut acked: BTreeMap<(MessageId, QueueId), i64> = BTreeMap::new();
        let mut deliveries: BTreeMap<(RabbitConsumerId, u64), (MessageId, QueueId)> = BTreeMap::new();
        for e in &trace {
            match &e.kind {
                EventKind::MessageDelivered { message, queue, consumer, delivery_tag, .. } => {
                    deliveries.insert((*consumer, *delivery_tag), (*message, *queue));
                }
                EventKind::MessageSettled { consumer, delivery_tag, outcome: Settlement::Ack, arrives_at, .. }
                    if *arrives_at <= SimTime::from_millis(3_000) => {
                    let key = deliveries[&(*consumer, *delivery_tag)];
                    *acked.entry(key).or_default() += 1;
                }
                _ => {}
            }
        }
        // What the broker still holds, per (message, queue).
        let mut held: BTreeMap<(MessageId, QueueId), i64> = BTreeMap::new();
        for (q, queue) in sim.rabbit().queues.iter().enumerate() {
            for queued in queue.waiting() {
                *held.entry((queued.message.id, QueueId(q as u32))).or_default() += 1;
            }
        }
        let unacked_total: i64 = sim.rabbit().queues.iter().map(|q| q.unacked as i64).sum();
        let held_total: i64 = held.values().sum::<i64>() + unacked_total;
        let inside_total: i64 = inside.values().sum::<i64>() - acked.values().sum::<i64>();
        prop_assert_eq!(inside_total, held_total, "entered - discarded - acked == ready + unacked");
        // A queue never gives out more copies than it took in (a message
        // can reach one queue twice: dead-lettered by two queues it was in).
        for (key, n) in &inside {
            let left = n - acked.get(key).copied().unwrap_or(0);
            prop_assert!(left >= 0, "{:?} counted {}", key, left);
        }
        // Messages still in flight to their exchange are the only ones not placed.
        prop_assert!(published.len() - placed.len() <= 1);
    }
}

/// Deliveries made by the broker before `until_ms` and not yet settled by
/// then, for the one consumer.
fn unsettled_at(trace: &[Event], until_ms: u64) -> usize {
    let mut open = BTreeSet::new();
    for e in trace.iter().filter(|e| e.at.as_millis() <= until_ms) {
        match &e.kind {
            EventKind::MessageDelivered { delivery_tag, .. } => {
                open.insert(*delivery_tag);
            }
            EventKind::MessageSettled { delivery_tag, .. } => {
                open.remove(delivery_tag);
            }
            _ => {}
        }
    }
    open.len()
}

/// Changing a consumer's prefetch while it runs, as a client must: a
/// per-consumer `basic.qos` (`global=false`) only sets the prefetch of
/// consumers started after it (rabbit_channel's `handle_method` for
/// `basic.qos` stores it as the channel's `consumer_prefetch`, which
/// `basic.consume` reads), so the client cancels and consumes again. The
/// old deliveries stay on the channel, handled and acknowledged; the new
/// consumer's count starts from nothing.
#[test]
fn a_prefetch_change_is_a_new_consume_whose_count_starts_afresh() {
    let rabbit = json!({
        "queues": [{"name": "work"}],
        "publishers": [{"name": "p", "exchange": "", "rate_per_sec": 50, "routing_keys": ["work"]}],
        "consumers": [{"name": "w", "queue": "work", "prefetch": 2, "processing_ms": 1000}]
    });
    let mut file = scenario(rabbit, 3).file().clone();
    file.timeline = serde_json::from_value(json!([
        {"at_ms": 3000, "do": "rabbit_consumer_prefetch", "consumer": "w", "prefetch": 5}
    ]))
    .unwrap();
    let scenario = file.validate().expect("valid");
    let (_, trace) = run(&scenario, 6_000);
    // Before: never more than 2 unacknowledged.
    for at in (100..3000).step_by(100) {
        assert!(unsettled_at(&trace, at) <= 2, "at {at} ms");
    }
    let set = trace
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                EventKind::RabbitConsumerPrefetchSet { prefetch: 5, .. }
            )
        })
        .expect("the prefetch change");
    assert_eq!(set.at.as_millis(), 3000);
    // At once: the 2 held from before, and 5 more for the new consumer.
    assert_eq!(unsettled_at(&trace, 3000), 7);
    // Then 5 at a time, the old 2 acknowledged meanwhile.
    assert_eq!(unsettled_at(&trace, 5500), 5);
}

#[test]
fn a_prefetch_change_names_a_consumer_that_is_there() {
    let rabbit = json!({
        "queues": [{"name": "work"}],
        "consumers": [{"name": "w", "queue": "work"}]
    });
    let mut file = scenario(rabbit, 3).file().clone();
    file.timeline = serde_json::from_value(json!([
        {"at_ms": 1, "do": "rabbit_consumer_prefetch", "consumer": "nobody", "prefetch": 5},
        {"at_ms": 2, "do": "rabbit_consumer_prefetch", "consumer": "w", "prefetch": 70000}
    ]))
    .unwrap();
    let err = file.validate().unwrap_err().to_string();
    assert!(
        err.contains("timeline[0].consumer: no consumer named \"nobody\" by then"),
        "{err}"
    );
    assert!(
        err.contains("timeline[1].prefetch: must be 0..=65535, got 70000"),
        "{err}"
    );
}

/// `exchange.declare` and a publisher starting, at moments of the run: the
/// exchange routes from its declaration on (a binding to it made then), and
/// the publisher's first message leaves when it starts.
#[test]
fn an_exchange_declared_and_a_publisher_added_later_take_part_from_then_on() {
    let rabbit = json!({
        "queues": [{"name": "q"}],
        "consumers": [{"name": "c", "queue": "q", "processing_ms": 10}]
    });
    let mut file = scenario(rabbit, 5).file().clone();
    file.timeline = serde_json::from_value(json!([
        {"at_ms": 1000, "do": "rabbit_exchange_declare", "exchange": {"name": "late", "type": "topic"}},
        {"at_ms": 1000, "do": "rabbit_bind", "binding": {"source": "late", "destination": "q", "destination_type": "queue", "routing_key": "k.#"}},
        {"at_ms": 2000, "do": "rabbit_publisher_add", "publisher": {"name": "p", "exchange": "late", "rate_per_sec": 10, "routing_keys": ["k.1"]}},
        {"at_ms": 2500, "do": "rabbit_publish", "publisher": "p", "routing_key": "other"}
    ]))
    .unwrap();
    let scenario = file.validate().expect("valid");
    let (_, trace) = run(&scenario, 4_000);
    let at = |pick: &dyn Fn(&EventKind) -> bool| {
        trace
            .iter()
            .find(|e| pick(&e.kind))
            .map(|e| e.at.as_millis())
    };
    assert_eq!(
        at(&|k| matches!(k, EventKind::ExchangeDeclared { exchange } if &**exchange == "late")),
        Some(1000)
    );
    assert_eq!(
        at(&|k| matches!(k, EventKind::PublisherStarted { .. })),
        Some(2000)
    );
    assert_eq!(
        at(&|k| matches!(k, EventKind::MessagePublished { .. })),
        Some(2000)
    );
    let delivered = delivered_to(&trace)[&RabbitConsumerId(0)];
    assert!((18..=20).contains(&delivered), "{delivered} delivered");
    let names = mqsim::words::Names::new(&scenario);
    let said: Vec<String> = trace
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ExchangeDeclared { .. } | EventKind::PublisherStarted { .. }
            )
        })
        .map(|e| e.describe(&names).text)
        .collect();
    assert_eq!(
        said,
        [
            "exchange late was declared (exchange.declare)",
            "publisher p started publishing"
        ]
    );
}

#[test]
fn what_the_timeline_declares_is_there_only_from_then_on() {
    let rabbit = json!({"queues": [{"name": "q"}], "exchanges": [{"name": "x", "type": "direct"}]});
    let mut file = scenario(rabbit, 5).file().clone();
    file.timeline = serde_json::from_value(json!([
        {"at_ms": 10, "do": "rabbit_bind", "binding": {"source": "late", "destination": "q", "destination_type": "queue"}},
        {"at_ms": 20, "do": "rabbit_publisher_add", "publisher": {"name": "p", "exchange": "late", "rate_per_sec": 1}},
        {"at_ms": 30, "do": "rabbit_exchange_declare", "exchange": {"name": "late", "type": "fanout"}},
        {"at_ms": 40, "do": "rabbit_exchange_declare", "exchange": {"name": "x", "type": "fanout"}},
        {"at_ms": 50, "do": "rabbit_publish", "publisher": "nobody", "routing_key": ""},
        {"at_ms": 60, "do": "rabbit_publisher_add", "publisher": {"name": "amq", "exchange": "amq.topic", "rate_per_sec": 1}},
        {"at_ms": 70, "do": "rabbit_publisher_add", "publisher": {"name": "bogus", "exchange": "amq.bogus", "rate_per_sec": 1}},
        {"at_ms": 80, "do": "rabbit_exchange_declare", "exchange": {"name": "amq.mine", "type": "fanout"}},
        {"at_ms": 90, "do": "rabbit_queue_declare", "queue": {"name": "w", "arguments": {"x-dead-letter-exchange": "amq.bogus"}}}
    ]))
    .unwrap();
    let err = file.validate().unwrap_err().to_string();
    for expected in [
        "timeline[0].binding: no exchange named \"late\"",
        "timeline[1].publisher.exchange: no exchange named \"late\" by then",
        "timeline[3].exchange.name: there is already an exchange named \"x\"",
        "timeline[4].publisher: no publisher named \"nobody\" by then",
        // Only the predeclared amq.* exchanges exist; no other amq. name can.
        "timeline[6].publisher.exchange: no exchange named \"amq.bogus\" by then",
        "timeline[7].exchange.name: names starting with \"amq.\" are reserved",
        "timeline[8].queue.arguments.x-dead-letter-exchange: no exchange named \"amq.bogus\"",
    ] {
        assert!(err.contains(expected), "{expected} in {err}");
    }
    assert!(!err.contains("timeline[5]"), "amq.topic is there: {err}");
}

/// A queue declared from the timeline may dead-letter to an exchange the
/// timeline declared before it.
#[test]
fn a_queue_declared_later_dead_letters_to_an_exchange_declared_before_it() {
    let rabbit = json!({"queues": [{"name": "q"}]});
    let mut file = scenario(rabbit, 5).file().clone();
    file.timeline = serde_json::from_value(json!([
        {"at_ms": 10, "do": "rabbit_exchange_declare", "exchange": {"name": "dlx", "type": "fanout"}},
        {"at_ms": 20, "do": "rabbit_queue_declare", "queue": {"name": "work", "arguments": {"x-dead-letter-exchange": "dlx"}}},
        {"at_ms": 5, "do": "rabbit_queue_declare", "queue": {"name": "early", "arguments": {"x-dead-letter-exchange": "dlx"}}}
    ]))
    .unwrap();
    file.timeline.sort_by_key(|e| e.at_ms);
    let err = file.validate().unwrap_err().to_string();
    assert!(
        err.contains(
            "timeline[0].queue.arguments.x-dead-letter-exchange: no exchange named \"dlx\""
        ),
        "{err}"
    );
    assert!(!err.contains("timeline[2]"), "{err}");
}
