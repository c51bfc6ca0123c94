//! Messages published and settled by hand: what a live AMQP client does,
//! written as timeline entries. A publisher at rate 0 publishes only what
//! `rabbit_publish` says, with a body, properties, an exchange of its own
//! and `mandatory`; a consumer with `by_hand` settles only what
//! `rabbit_ack` and `rabbit_nack` say. Checked against RabbitMQ's
//! "Consumer Acknowledgements and Publisher Confirms", "Time-To-Live and
//! Expiration" (per-message TTL) and "Dead Letter Exchanges".

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::RabbitConsumerId;
use mqsim::rabbit::message::Message;
use mqsim::trace::{DeathReason, Settlement};
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use serde_json::{Value, json};
use std::rc::Rc;

/// A scenario with `rabbit` and `timeline`, 5 ms one way.
fn scenario(rabbit: Value, timeline: Value) -> Scenario {
    let file = json!({
        "version": 1, "name": "by hand", "seed": 1, "duration_ms": 60000,
        "network": {"latency_ms": 5},
        "rabbit": rabbit, "timeline": timeline
    });
    Scenario::from_json(&file.to_string()).expect("valid scenario")
}

fn run(scenario: &Scenario, until_ms: u64) -> Vec<Event> {
    Simulation::run_traced(scenario, SimTime::from_millis(until_ms)).1
}

/// The messages delivered, as delivered, with their tags.
fn deliveries(trace: &[Event]) -> Vec<(u64, u64, Rc<Message>)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageDelivered {
                delivery_tag,
                copy: Some(copy),
                ..
            } => Some((e.at.as_millis(), *delivery_tag, copy.clone())),
            _ => None,
        })
        .collect()
}

/// When the events that `kind` picks happened, in milliseconds.
fn when(trace: &[Event], kind: impl Fn(&EventKind) -> bool) -> Vec<u64> {
    (trace.iter().filter(|e| kind(&e.kind)))
        .map(|e| e.at.as_millis())
        .collect()
}

fn settled(trace: &[Event]) -> Vec<(u64, u64, Settlement)> {
    trace
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSettled {
                delivery_tag,
                outcome,
                ..
            } => Some((e.at.as_millis(), *delivery_tag, *outcome)),
            _ => None,
        })
        .collect()
}

fn by_hand_rabbit() -> Value {
    json!({
        "exchanges": [{"name": "orders", "type": "topic"}, {"name": "dlx", "type": "fanout"}],
        "queues": [
            {"name": "work", "arguments": {"x-dead-letter-exchange": "dlx"}},
            {"name": "dead"}
        ],
        "bindings": [
            {"source": "orders", "destination": "work", "destination_type": "queue", "routing_key": "order.*"},
            {"source": "dlx", "destination": "dead", "destination_type": "queue"}
        ],
        "publishers": [{"name": "client", "exchange": "", "rate_per_sec": 0}],
        "consumers": [{"name": "app", "queue": "work", "prefetch": 0, "by_hand": true}]
    })
}

/// A publisher at rate 0 publishes nothing of its own; each entry is one
/// message, to the exchange it names, with its body and properties as
/// published.
#[test]
fn a_message_by_hand_carries_its_exchange_body_and_properties() {
    let timeline = json!([
        {"at_ms": 100, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
         "routing_key": "order.paid", "body": "{\"id\": 7}",
         "properties": {"content_type": "application/json", "correlation_id": "c-7", "delivery_mode": 2}},
        {"at_ms": 200, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
         "routing_key": "order.sent", "body_base64": "/wBB"}
    ]);
    let trace = run(&scenario(by_hand_rabbit(), timeline), 1_000);
    let published = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessagePublished { .. }))
        .count();
    assert_eq!(published, 2, "only the two by hand");
    let got = deliveries(&trace);
    assert_eq!(got.len(), 2);
    let (at, tag, first) = &got[0];
    assert_eq!((*at, *tag), (105, 1), "routed on arrival, pushed at once");
    assert_eq!(&*first.exchange, "orders");
    assert_eq!(&*first.routing_key, "order.paid");
    let content = first.content.as_ref().expect("a body");
    assert_eq!(content.body.as_deref(), Some("{\"id\": 7}"));
    let properties = serde_json::to_value(&content.properties).unwrap();
    assert_eq!(
        properties,
        json!({"content_type": "application/json", "correlation_id": "c-7", "delivery_mode": 2})
    );
    let second = got[1].2.content.as_ref().expect("a body");
    assert_eq!(second.body_bytes(), Some(vec![0xff, 0x00, 0x41]));
}

/// "Publishers": a mandatory message no queue takes is returned
/// (`basic.return`); one that is not mandatory is dropped quietly.
#[test]
fn a_mandatory_message_no_queue_takes_comes_back() {
    let timeline = json!([
        {"at_ms": 100, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
         "routing_key": "nowhere", "mandatory": true},
        {"at_ms": 200, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
         "routing_key": "nowhere"}
    ]);
    let trace = run(&scenario(by_hand_rabbit(), timeline), 1_000);
    let unroutable: Vec<bool> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageUnroutable { returned, .. } => Some(returned),
            _ => None,
        })
        .collect();
    assert_eq!(unroutable, [true, false]);
}

/// A consumer acknowledging by hand holds its deliveries until the
/// timeline settles them: `multiple` settles every one up to the tag, a
/// nack with requeue redelivers (flagged), one without dead-letters.
#[test]
fn a_by_hand_consumer_settles_only_when_the_timeline_says() {
    let publish = |at: u64| {
        json!({"at_ms": at, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
               "routing_key": "order.new"})
    };
    let timeline = json!([
        publish(100), publish(101), publish(102), publish(103),
        {"at_ms": 500, "do": "rabbit_ack", "consumer": "app", "delivery_tag": 2, "multiple": true},
        {"at_ms": 600, "do": "rabbit_nack", "consumer": "app", "delivery_tag": 3, "requeue": true},
        {"at_ms": 700, "do": "rabbit_nack", "consumer": "app", "delivery_tag": 4},
        {"at_ms": 800, "do": "rabbit_ack", "consumer": "app", "delivery_tag": 4},
        {"at_ms": 900, "do": "rabbit_ack", "consumer": "app", "delivery_tag": 5}
    ]);
    let trace = run(&scenario(by_hand_rabbit(), timeline), 2_000);
    assert_eq!(
        settled(&trace),
        [
            (500, 1, Settlement::Ack),
            (500, 2, Settlement::Ack),
            (600, 3, Settlement::Requeue),
            (700, 4, Settlement::Reject),
            (900, 5, Settlement::Ack),
        ],
        "nothing before the entries; tag 4 once (the second time it is not held)"
    );
    // The requeued message comes back as delivery 5, redelivered.
    let redelivered: Vec<(u64, u64)> = trace
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDelivered {
                delivery_tag,
                redelivered: true,
                ..
            } => Some((e.at.as_millis(), delivery_tag)),
            _ => None,
        })
        .collect();
    assert_eq!(redelivered, [(605, 5)]);
    let dead_lettered = trace.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::MessageDiscarded {
                reason: DeathReason::Rejected,
                ..
            }
        )
    });
    assert!(dead_lettered, "the nack without requeue dead-letters");
    let sim = Simulation::run_traced(
        &scenario(by_hand_rabbit(), json!([])),
        SimTime::from_millis(10),
    )
    .0;
    assert_eq!(sim.rabbit().consumers[0].handled, 0);
}

/// AMQP: `multiple` with delivery tag 0 settles everything held.
#[test]
fn multiple_with_tag_zero_settles_everything_held() {
    let publish = |at: u64| {
        json!({"at_ms": at, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
               "routing_key": "order.new"})
    };
    let timeline = json!([
        publish(100), publish(110), publish(120),
        {"at_ms": 500, "do": "rabbit_nack", "consumer": "app", "delivery_tag": 0, "multiple": true}
    ]);
    let trace = run(&scenario(by_hand_rabbit(), timeline), 1_000);
    let tags: Vec<u64> = settled(&trace).iter().map(|&(_, tag, _)| tag).collect();
    assert_eq!(tags, [1, 2, 3]);
}

/// An auto-ack consumer by hand: the broker forgets each message on
/// sending it, and the consumer has it on arrival.
#[test]
fn an_auto_ack_consumer_by_hand_consumes_on_arrival() {
    let mut rabbit = by_hand_rabbit();
    rabbit["consumers"][0]["auto_ack"] = json!(true);
    let timeline = json!([
        {"at_ms": 100, "do": "rabbit_publish", "publisher": "client", "exchange": "orders", "routing_key": "order.x"}
    ]);
    let trace = run(&scenario(rabbit, timeline), 1_000);
    let consumed = when(&trace, |e| {
        matches!(
            e,
            EventKind::MessageConsumed {
                consumer: RabbitConsumerId(0),
                ..
            }
        )
    });
    assert_eq!(
        consumed,
        [110],
        "published at 100, routed at 105, arrived at 110"
    );
}

/// "Time-To-Live and Expiration": a message's own `expiration` applies
/// beside the queue's `x-message-ttl`, the earlier winning, and only at
/// the head. A dead-lettered message loses its `expiration`; its `x-death`
/// entry keeps it as `original-expiration`.
#[test]
fn a_message_expires_by_its_own_ttl_and_dies_without_it() {
    let rabbit = json!({
        "exchanges": [{"name": "dlx", "type": "fanout"}],
        "queues": [
            {"name": "slow", "arguments": {"x-message-ttl": 1000, "x-dead-letter-exchange": "dlx"}},
            {"name": "dead"}
        ],
        "bindings": [{"source": "dlx", "destination": "dead", "destination_type": "queue"}],
        "publishers": [{"name": "client", "exchange": "", "rate_per_sec": 0}],
        "consumers": [{"name": "reader", "queue": "dead", "by_hand": true}]
    });
    let timeline = json!([
        {"at_ms": 100, "do": "rabbit_publish", "publisher": "client", "routing_key": "slow",
         "properties": {"expiration": "300"}},
        {"at_ms": 101, "do": "rabbit_publish", "publisher": "client", "routing_key": "slow",
         "properties": {"expiration": "5000"}}
    ]);
    let trace = run(&scenario(rabbit, timeline), 3_000);
    let expired = when(&trace, |e| {
        matches!(
            e,
            EventKind::MessageDiscarded {
                reason: DeathReason::Expired,
                ..
            }
        )
    });
    assert_eq!(
        expired,
        [405, 1106],
        "its own 300 ms; the queue's 1000 ms under 5000"
    );
    let got = deliveries(&trace);
    assert_eq!(got.len(), 2);
    let dead = &got[0].2;
    assert_eq!(dead.expiration(), None, "no expiration after dying");
    assert_eq!(dead.deaths[0].original_expiration.as_deref(), Some("300"));
    assert_eq!(
        got[1].2.deaths[0].original_expiration.as_deref(),
        Some("5000")
    );
}

/// What a scenario cannot say is refused by name.
#[test]
fn bodies_properties_and_acks_by_hand_are_checked() {
    let timeline = json!([
        {"at_ms": 1, "do": "rabbit_publish", "publisher": "client", "routing_key": "k",
         "body": "a", "body_base64": "YQ=="},
        {"at_ms": 2, "do": "rabbit_publish", "publisher": "client", "routing_key": "k",
         "body_base64": "not base64!"},
        {"at_ms": 3, "do": "rabbit_publish", "publisher": "client", "routing_key": "k",
         "properties": {"expiration": "soon"}},
        {"at_ms": 4, "do": "rabbit_publish", "publisher": "client", "exchange": "nope", "routing_key": "k"},
        {"at_ms": 5, "do": "rabbit_ack", "consumer": "auto", "delivery_tag": 1},
        {"at_ms": 6, "do": "rabbit_publish", "publisher": "client", "routing_key": "k",
         "body": "x".repeat(70_000)},
        {"at_ms": 7, "do": "rabbit_publish", "publisher": "client", "routing_key": "k",
         "properties": {"priority": 300, "delivery_mode": "2", "reply_to": 1, "colour": "red"}}
    ]);
    let mut rabbit = by_hand_rabbit();
    rabbit["consumers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "auto", "queue": "work"}));
    let file = json!({
        "version": 1, "name": "bad", "seed": 1, "duration_ms": 60000,
        "rabbit": rabbit, "timeline": timeline
    });
    let err = Scenario::from_json(&file.to_string())
        .expect_err("invalid")
        .to_string();
    for expected in [
        "timeline[0].body_base64: a message has one body",
        "timeline[1].body_base64: is not valid base64",
        "timeline[2].properties.expiration: must be a whole number of milliseconds, written as a string, got \"soon\"",
        "timeline[3].exchange: no exchange named \"nope\" by then",
        "timeline[4].consumer: \"auto\" acknowledges on its own",
        "timeline[5].body (bytes): at most 65536 allowed, got 70000",
        "timeline[6].properties.priority: must be 0..=255, got 300",
        "timeline[6].properties.delivery_mode: must be a whole number",
        "timeline[6].properties.reply_to: must be a string",
        "timeline[6].properties.colour: not a basic property",
    ] {
        assert!(err.contains(expected), "{expected}\n---\n{err}");
    }
    let stray = json!({"version": 1, "name": "bad", "seed": 1, "duration_ms": 60000,
        "rabbit": by_hand_rabbit(),
        "timeline": [{"at_ms": 1, "do": "rabbit_ack", "consumer": "app", "delivery_tag": 1, "requeue": true}]});
    let err = Scenario::from_json(&stray.to_string())
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains("`requeue` does not apply to rabbit_ack"),
        "{err}"
    );
}

/// An entry survives a round trip through a file as it was written.
#[test]
fn entries_by_hand_read_back_as_written() {
    let timeline = json!([
        {"at_ms": 100, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
         "routing_key": "order.paid", "mandatory": true, "body": "hi",
         "properties": {"type": "greeting", "timestamp": 1700000000}},
        {"at_ms": 200, "do": "rabbit_nack", "consumer": "app", "delivery_tag": 3, "multiple": true, "requeue": true}
    ]);
    let scenario = scenario(by_hand_rabbit(), timeline.clone());
    let written = serde_json::to_value(&scenario.file().timeline).unwrap();
    assert_eq!(written, timeline);
}

/// "Consumer Cancel": after `basic.cancel` nothing more is pushed to the
/// consumer; what it holds stays unacknowledged, and it may still settle
/// it. When its channel closes, whatever is left goes back to the queue.
#[test]
fn a_cancelled_consumer_keeps_what_it_holds_until_its_channel_closes() {
    let publish = |at: u64| {
        json!({"at_ms": at, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
               "routing_key": "order.new"})
    };
    let timeline = json!([
        publish(100), publish(110),
        {"at_ms": 200, "do": "rabbit_consumer_cancel", "consumer": "app"},
        publish(300),
        {"at_ms": 400, "do": "rabbit_ack", "consumer": "app", "delivery_tag": 1},
        {"at_ms": 500, "do": "rabbit_consumer_crash", "consumer": "app"}
    ]);
    let trace = run(&scenario(by_hand_rabbit(), timeline), 1_000);
    assert_eq!(settled(&trace), [(400, 1, Settlement::Ack)]);
    let delivered: Vec<u64> = deliveries(&trace).iter().map(|d| d.0).collect();
    assert_eq!(delivered, [105, 115], "nothing after the cancel");
    let requeued = when(&trace, |e| matches!(e, EventKind::MessageRequeued { .. }));
    assert_eq!(requeued, [500], "delivery 2, when the channel closed");
    let ready = trace.iter().rev().find_map(|e| match e.kind {
        EventKind::MessageEnqueued { ready, .. } => Some(ready),
        _ => None,
    });
    assert_eq!(ready, Some(1), "the one published after the cancel waits");
}

/// `basic.get`: the next ready message goes to the consumer that asked,
/// which nothing is pushed to (`get_only`); it holds it until it settles
/// it, unless it asked without acknowledgements. An empty queue gives
/// nothing. When its channel closes, what it holds goes back.
#[test]
fn a_get_takes_the_next_ready_message_or_nothing() {
    let mut rabbit = by_hand_rabbit();
    rabbit["consumers"] = json!([
        {"name": "getter", "queue": "work", "by_hand": true, "get_only": true}
    ]);
    let publish = |at: u64| {
        json!({"at_ms": at, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
               "routing_key": "order.new"})
    };
    let get = |at: u64, auto_ack: bool| json!({"at_ms": at, "do": "rabbit_get", "consumer": "getter", "queue": "work", "auto_ack": auto_ack});
    let timeline = json!([
        publish(100), publish(110),
        get(300, false), get(400, true), get(500, false),
        {"at_ms": 700, "do": "rabbit_consumer_crash", "consumer": "getter"}
    ]);
    let trace = run(&scenario(rabbit, timeline), 1_000);
    let got: Vec<(u64, u64)> = deliveries(&trace).iter().map(|d| (d.0, d.1)).collect();
    assert_eq!(
        got,
        [(300, 1), (400, 2)],
        "two messages, nothing for the third get"
    );
    let consumed = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::MessageConsumed { .. }))
        .count();
    assert_eq!(consumed, 1, "the one got without acknowledgements");
    let requeued = when(&trace, |e| matches!(e, EventKind::MessageRequeued { .. }));
    assert_eq!(requeued, [700], "the one held, when the channel closed");
    let started = trace
        .iter()
        .any(|e| matches!(e.kind, EventKind::RabbitConsumerStarted { .. }));
    assert!(!started, "a consumer that only gets never consumes");
}

/// `queue.purge` drops the ready messages without dead-lettering them and
/// leaves those delivered and unacknowledged; `exchange.delete` takes the
/// exchange and every binding from or to it. Publishing to it is refused
/// from then on (RabbitMQ's 404), and its name is not used again in the
/// run.
#[test]
fn a_purge_empties_the_queue_and_a_deleted_exchange_routes_nothing() {
    let publish = |at: u64| {
        json!({"at_ms": at, "do": "rabbit_publish", "publisher": "client", "exchange": "orders",
               "routing_key": "order.new"})
    };
    let mut rabbit = by_hand_rabbit();
    rabbit["consumers"][0]["prefetch"] = json!(1);
    let timeline = json!([
        publish(100), publish(110), publish(120),
        {"at_ms": 300, "do": "rabbit_queue_purge", "queue": "work"},
        {"at_ms": 400, "do": "rabbit_exchange_delete", "exchange": "orders"}
    ]);
    let trace = run(&scenario(rabbit, timeline), 1_000);
    let purged = trace.iter().find_map(|e| match e.kind {
        EventKind::QueuePurged { purged, .. } => Some((e.at.as_millis(), purged)),
        _ => None,
    });
    assert_eq!(purged, Some((300, 2)), "two ready; the one delivered stays");
    assert!(
        !trace
            .iter()
            .any(|e| matches!(e.kind, EventKind::MessageDiscarded { .. })),
        "purged messages are not dead-lettered"
    );
    let removed = trace
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BindingRemoved { .. }))
        .count();
    assert_eq!(removed, 1, "orders -> work");
    let deleted = trace.iter().any(
        |e| matches!(&e.kind, EventKind::ExchangeDeleted { exchange } if &**exchange == "orders"),
    );
    assert!(deleted);
    let again = json!({"version": 1, "name": "again", "seed": 1, "duration_ms": 60000,
    "rabbit": by_hand_rabbit(),
    "timeline": [
        {"at_ms": 1, "do": "rabbit_exchange_delete", "exchange": "orders"},
        {"at_ms": 2, "do": "rabbit_exchange_declare", "exchange": {"name": "orders", "type": "direct"}},
        {"at_ms": 3, "do": "rabbit_exchange_delete", "exchange": "amq.topic"}
    ]});
    let err = Scenario::from_json(&again.to_string())
        .expect_err("invalid")
        .to_string();
    assert!(
        err.contains(
            "timeline[1].exchange.name: the run had an exchange named \"orders\", deleted"
        ),
        "{err}"
    );
    assert!(
        err.contains("timeline[2].exchange: no exchange named \"amq.topic\" by then"),
        "{err}"
    );
}
