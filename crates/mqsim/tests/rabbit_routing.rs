//! Routing through a RabbitMQ topology read from a definitions file,
//! checked against the behaviour RabbitMQ documents ("Exchanges", "Alternate
//! Exchanges", "Exchange to Exchange Bindings") and implements in
//! `rabbit_exchange:route/2`.

use mqsim::rabbit::definitions::Definitions;
use mqsim::rabbit::headers::FieldTable;
use mqsim::rabbit::topology::{Destination, Topology};

const SHOP: &str = include_str!("rabbit/shop.json");

fn shop() -> Topology {
    Definitions::from_json(SHOP)
        .expect("a valid file")
        .topology()
        .expect("a valid topology")
}

fn queues(topology: &Topology, exchange: &str, key: &str, headers: &str) -> Vec<String> {
    let headers: FieldTable = serde_json::from_str(headers).expect("headers");
    topology
        .route(exchange, key, &headers)
        .expect("routable")
        .queues
        .into_iter()
        .collect()
}

/// A fanout exchange sends to every binding, whatever the key: here the
/// two queues and the `orders` exchange, which routes `anything` nowhere
/// and so hands it to its alternate exchange.
#[test]
fn fanout_ignores_the_routing_key() {
    let t = shop();
    assert_eq!(
        queues(&t, "notifications", "anything", "{}"),
        ["email", "sms", "unrouted"]
    );
}

/// "Exchange to Exchange Bindings": `orders` passes paid orders to the
/// `notifications` fanout, which binds back to `orders`; each exchange is
/// visited once, so the cycle ends.
#[test]
fn exchange_to_exchange_bindings_route_on_and_cycles_end() {
    let t = shop();
    assert_eq!(
        queues(&t, "orders", "eu.paid.big", "{}"),
        ["big-orders", "email", "eu-orders", "sms"]
    );
    let route = t
        .route("orders", "us.paid.small", &FieldTable::new())
        .expect("route");
    let via: Vec<(String, String)> = route
        .via
        .iter()
        .map(|h| (h.exchange.clone(), h.to.name().to_string()))
        .collect();
    assert_eq!(
        via,
        [
            ("orders".into(), "notifications".into()),
            ("notifications".into(), "email".into()),
            ("notifications".into(), "sms".into()),
        ]
    );
}

/// "Alternate Exchanges": a message `orders` routes nowhere goes to its
/// alternate exchange `unrouted-x`. One that `orders` routes somewhere does
/// not, even if no queue is reached directly.
#[test]
fn an_alternate_exchange_takes_what_its_exchange_cannot_route() {
    let t = shop();
    let route = t
        .route("orders", "us.shipped.small", &FieldTable::new())
        .expect("route");
    assert_eq!(route.queues.into_iter().collect::<Vec<_>>(), ["unrouted"]);
    assert!(route.via[0].alternate);
    assert_eq!(route.via[0].to, Destination::Exchange("unrouted-x".into()));
}

/// The default exchange routes by queue name, and every queue is bound to
/// it; `amq.*` exchanges exist without being declared.
#[test]
fn the_default_and_predeclared_exchanges() {
    let t = shop();
    assert_eq!(queues(&t, "", "sms", "{}"), ["sms"]);
    assert!(queues(&t, "", "no-such-queue", "{}").is_empty());
    assert_eq!(queues(&t, "amq.topic", "anything.at.all", "{}"), ["audit"]);
    assert!(queues(&t, "amq.direct", "x", "{}").is_empty());
}

#[test]
fn headers_need_every_value_with_x_match_all() {
    let t = shop();
    assert_eq!(
        queues(
            &t,
            "reports",
            "",
            r#"{"format": "pdf", "pages": 2, "lang": "en"}"#
        ),
        ["pdf-reports"]
    );
    assert!(queues(&t, "reports", "", r#"{"format": "pdf", "pages": "2"}"#).is_empty());
    assert!(queues(&t, "reports", "", r#"{"format": "pdf"}"#).is_empty());
}

#[test]
fn publishing_to_internal_or_unknown_exchanges_is_refused() {
    let t = shop();
    let err = t
        .route("dlx", "email", &FieldTable::new())
        .expect_err("internal");
    assert!(err.0.contains("internal"), "{err}");
    let err = t
        .route("nope", "k", &FieldTable::new())
        .expect_err("unknown");
    assert!(err.0.contains("no exchange named \"nope\""), "{err}");
}

/// Users, permissions, global parameters and the `x-max-priority`
/// argument are reported, not dropped.
#[test]
fn what_is_not_modelled_is_listed() {
    let d = Definitions::from_json(SHOP).expect("valid");
    let listed = d.not_modelled.join("\n");
    for expected in [
        "users: 1 entries",
        "permissions: 1 entries",
        "global_parameters: 1 entries",
        "queues[2] (\"audit\"): argument x-max-priority",
    ] {
        assert!(listed.contains(expected), "{listed}");
    }
    assert!(!listed.contains("x-delivery-limit"), "modelled: {listed}");
}

#[test]
fn bad_definitions_name_the_entry() {
    let cases = [
        (
            r#"{"exchanges": [{"name": "x", "type": "x-delayed-message"}]}"#,
            "exchanges[0] (\"x\"): unknown exchange type \"x-delayed-message\"",
        ),
        (
            r#"{"queues": [], "bindings": [{"source": "amq.fanout", "destination": "q", "destination_type": "queue"}]}"#,
            "bindings[0].destination: no queue named \"q\"",
        ),
        (
            r#"{"queues": [{"durable": true}]}"#,
            "queues[0]: needs a \"name\" string",
        ),
        (r#"{"exchanges": "#, "not valid JSON at line 1"),
        (
            r#"{"queues": [{"name": "a", "vhost": "/"}, {"name": "b", "vhost": "other"}]}"#,
            "queues[1]: in vhost \"other\"",
        ),
    ];
    for (text, expected) in cases {
        let message = match Definitions::from_json(text) {
            Err(err) => err.to_string(),
            Ok(d) => d.topology().expect_err("a bad binding").to_string(),
        };
        assert!(message.contains(expected), "{text}: {message}");
    }
}
