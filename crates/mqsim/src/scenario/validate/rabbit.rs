//! Validation of the RabbitMQ part of a scenario.

use super::Problems;
use crate::rabbit::headers::FieldValue;
use crate::rabbit::topology::Topology;
use crate::scenario::limits::*;
use crate::scenario::{RabbitConsumerSpec, RabbitSpec};

pub(super) fn problems(p: &mut Problems, rabbit: &RabbitSpec) {
    p.at_most(
        "rabbit.exchanges",
        rabbit.exchanges.len(),
        MAX_RABBIT_ENTITIES,
    );
    p.unique(
        "rabbit.exchanges",
        rabbit.exchanges.iter().map(|x| x.name.as_str()),
    );
    for (i, x) in rabbit.exchanges.iter().enumerate() {
        p.name(format!("rabbit.exchanges[{i}].name"), &x.name);
        if x.name.starts_with("amq.") {
            p.add(
                format!("rabbit.exchanges[{i}].name"),
                "names starting with \"amq.\" are reserved for the predeclared exchanges",
            );
        }
    }
    p.at_most("rabbit.queues", rabbit.queues.len(), MAX_RABBIT_ENTITIES);
    p.unique(
        "rabbit.queues",
        rabbit.queues.iter().map(|q| q.name.as_str()),
    );
    for (i, q) in rabbit.queues.iter().enumerate() {
        p.name(format!("rabbit.queues[{i}].name"), &q.name);
        queue_arguments(p, &format!("rabbit.queues[{i}].arguments"), rabbit, i);
    }
    p.at_most("rabbit.bindings", rabbit.bindings.len(), MAX_BINDINGS);
    let queues: Vec<String> = rabbit.queues.iter().map(|q| q.name.clone()).collect();
    let topology = match Topology::new(&rabbit.exchanges, &queues, &rabbit.bindings) {
        Ok(topology) => Some(topology),
        Err(err) => {
            let message = err.0;
            match message.split_once(": ") {
                Some((at, why)) if at.starts_with("bindings[") => {
                    p.add(format!("rabbit.{at}"), why)
                }
                _ => p.add("rabbit.exchanges", message),
            }
            None
        }
    };
    p.at_most(
        "rabbit.publishers",
        rabbit.publishers.len(),
        MAX_RABBIT_ENTITIES,
    );
    p.unique(
        "rabbit.publishers",
        rabbit.publishers.iter().map(|x| x.name.as_str()),
    );
    for (i, publisher) in rabbit.publishers.iter().enumerate() {
        let at = format!("rabbit.publishers[{i}]");
        p.name(format!("{at}.name"), &publisher.name);
        p.rate(format!("{at}.rate_per_sec"), publisher.rate_per_sec);
        p.at_most(
            &format!("{at}.routing_keys"),
            publisher.routing_keys.len(),
            MAX_KEYS,
        );
        if let Some(topology) = &topology
            && !publisher.exchange.is_empty()
        {
            match topology.exchange(&publisher.exchange) {
                None => p.add(
                    format!("{at}.exchange"),
                    format!("no exchange named {:?}", publisher.exchange),
                ),
                Some(x) if x.internal => p.add(
                    format!("{at}.exchange"),
                    format!(
                        "exchange {:?} is internal: clients cannot publish to it",
                        x.name
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    p.at_most(
        "rabbit.consumers",
        rabbit.consumers.len(),
        MAX_RABBIT_ENTITIES,
    );
    p.unique(
        "rabbit.consumers",
        rabbit.consumers.iter().map(|c| c.name.as_str()),
    );
    for (i, consumer) in rabbit.consumers.iter().enumerate() {
        consumer_spec(p, &format!("rabbit.consumers[{i}]"), consumer, rabbit);
    }
}

/// One consumer's settings, at `at`: in `rabbit.consumers` or added by the
/// timeline.
pub(super) fn consumer_spec(
    p: &mut Problems,
    at: &str,
    consumer: &RabbitConsumerSpec,
    rabbit: &RabbitSpec,
) {
    let known = rabbit.queues.iter().any(|q| q.name == consumer.queue);
    p.name(format!("{at}.name"), &consumer.name);
    if !known {
        p.add(
            format!("{at}.queue"),
            format!("no queue named {:?}", consumer.queue),
        );
    }
    p.in_range(
        format!("{at}.prefetch"),
        consumer.prefetch,
        0..=MAX_PREFETCH,
    );
    p.in_range(
        format!("{at}.processing_ms"),
        consumer.processing_ms,
        0..=MAX_INTERVAL_MS,
    );
    let probability = consumer.failures.probability;
    if !(0.0..=1.0).contains(&probability) {
        p.add(
            format!("{at}.failures.probability"),
            format!("must be 0..=1, got {probability}"),
        );
    }
}

/// The `x-` arguments of queue `i`: known names, types and ranges.
fn queue_arguments(p: &mut Problems, at: &str, rabbit: &RabbitSpec, i: usize) {
    let arguments = &rabbit.queues[i].arguments;
    let quorum = matches!(arguments.get("x-queue-type"), Some(FieldValue::Str(t)) if t == "quorum");
    for (name, value) in arguments {
        let path = format!("{at}.{name}");
        let whole = |v: &FieldValue| matches!(v, FieldValue::Int(n) if *n >= 0);
        match name.as_str() {
            "x-queue-type" => {
                if !matches!(text(value), Some("classic" | "quorum")) {
                    p.add(path, "must be \"classic\" or \"quorum\"");
                }
            }
            "x-message-ttl" | "x-max-length" => {
                if !whole(value) {
                    p.add(path, "must be a whole number, 0 or more");
                }
            }
            "x-overflow" => {
                if !matches!(text(value), Some("drop-head" | "reject-publish")) {
                    p.add(path, "must be \"drop-head\" or \"reject-publish\"");
                }
            }
            "x-dead-letter-exchange" => match text(value) {
                Some("") => {}
                Some(x)
                    if x.starts_with("amq.") || rabbit.exchanges.iter().any(|e| e.name == x) => {}
                Some(x) => p.add(path, format!("no exchange named {x:?}")),
                None => p.add(path, "must be an exchange name"),
            },
            "x-expires" => {
                if !matches!(value, FieldValue::Int(n) if *n > 0) {
                    p.add(path, "must be a whole number of milliseconds, above 0");
                }
            }
            "x-dead-letter-routing-key" => {
                if text(value).is_none() {
                    p.add(path, "must be a string");
                }
            }
            "x-delivery-limit" => {
                if !quorum {
                    p.add(
                        path,
                        "only quorum queues count deliveries; set x-queue-type to \"quorum\"",
                    );
                } else if !whole(value) {
                    p.add(path, "must be a whole number, 0 or more");
                }
            }
            _ => p.add(path, "not an argument the playground models"),
        }
    }
}

/// The value as text, if it is a string.
fn text(value: &FieldValue) -> Option<&str> {
    match value {
        FieldValue::Str(s) => Some(s.as_str()),
        _ => None,
    }
}
