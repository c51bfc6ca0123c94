//! Validation of the RabbitMQ part of a scenario.

use super::Problems;
use crate::rabbit::content::{self, PROPERTIES, Properties};
use crate::rabbit::headers::{self, FieldTable, FieldValue};
use crate::rabbit::topology::{Binding, Destination, Exchange, Topology, predeclared_exchanges};
use crate::scenario::limits::*;
use crate::scenario::{Intervention, PublisherSpec, RabbitConsumerSpec, RabbitSpec};

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
        exchange_name(p, &format!("rabbit.exchanges[{i}].name"), &x.name);
    }
    p.at_most("rabbit.queues", rabbit.queues.len(), MAX_RABBIT_ENTITIES);
    p.unique(
        "rabbit.queues",
        rabbit.queues.iter().map(|q| q.name.as_str()),
    );
    for (i, q) in rabbit.queues.iter().enumerate() {
        p.name(format!("rabbit.queues[{i}].name"), &q.name);
        queue_arguments(
            p,
            &format!("rabbit.queues[{i}].arguments"),
            &rabbit.exchanges,
            &q.arguments,
        );
    }
    p.at_most("rabbit.bindings", rabbit.bindings.len(), MAX_BINDINGS);
    for (i, binding) in rabbit.bindings.iter().enumerate() {
        field_table(
            p,
            &format!("rabbit.bindings[{i}].arguments"),
            &binding.arguments,
        );
    }
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
        publisher_spec(p, &at, publisher);
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
    let queues: Vec<&str> = rabbit.queues.iter().map(|q| q.name.as_str()).collect();
    for (i, consumer) in rabbit.consumers.iter().enumerate() {
        consumer_spec(p, &format!("rabbit.consumers[{i}]"), consumer, &queues);
    }
}

/// Checks a declared exchange's name at `at`: a name, and not one of the
/// `amq.` names RabbitMQ keeps for its predeclared exchanges (declaring one
/// is refused with `403 ACCESS_REFUSED`).
fn exchange_name(p: &mut Problems, at: &str, name: &str) {
    p.name(at.to_string(), name);
    if name.starts_with("amq.") {
        p.add(
            at,
            "names starting with \"amq.\" are reserved for the predeclared exchanges",
        );
    }
}

/// The exchange called `name`: one of `declared`, or a predeclared
/// `amq.*` exchange.
fn exchange_named(declared: &[Exchange], name: &str) -> Option<Exchange> {
    let every = declared.iter().cloned().chain(predeclared_exchanges());
    every.into_iter().find(|x| x.name == name)
}

/// One publisher's own settings, at `at`: in `rabbit.publishers` or added
/// by the timeline (its exchange is checked against what exists there).
fn publisher_spec(p: &mut Problems, at: &str, publisher: &PublisherSpec) {
    p.name(format!("{at}.name"), &publisher.name);
    // Rate 0: it publishes only what the timeline says.
    if publisher.rate_per_sec != 0.0 {
        p.rate(format!("{at}.rate_per_sec"), publisher.rate_per_sec);
    }
    field_table(p, &format!("{at}.headers"), &publisher.headers);
    p.at_most(
        &format!("{at}.routing_keys"),
        publisher.routing_keys.len(),
        MAX_KEYS,
    );
}

/// One consumer's settings, at `at`: in `rabbit.consumers` or added by the
/// timeline, when `queues` exist.
fn consumer_spec(p: &mut Problems, at: &str, consumer: &RabbitConsumerSpec, queues: &[&str]) {
    p.name(format!("{at}.name"), &consumer.name);
    if !queues.contains(&consumer.queue.as_str()) {
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
    if consumer.get_only && !consumer.by_hand {
        p.add(
            format!("{at}.get_only"),
            "a consumer that only gets (basic.get) acknowledges by hand: set by_hand",
        );
    }
    if consumer.by_hand && !consumer.failures.is_none() {
        p.add(
            format!("{at}.failures"),
            "a consumer acknowledging by hand fails only when the timeline says (rabbit_nack)",
        );
    }
    let probability = consumer.failures.probability;
    if !(0.0..=1.0).contains(&probability) {
        p.add(
            format!("{at}.failures.probability"),
            format!("must be 0..=1, got {probability}"),
        );
    }
}

/// A field table no larger than the limit, nested values included.
fn field_table(p: &mut Problems, at: &str, table: &FieldTable) {
    p.at_most(at, headers::size(table), MAX_FIELD_VALUES);
}

/// A queue's `x-` arguments: known names, types and ranges.
/// A queue's arguments, with `exchanges` the exchanges there are by then.
fn queue_arguments(p: &mut Problems, at: &str, exchanges: &[Exchange], arguments: &FieldTable) {
    field_table(p, at, arguments);
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
                Some(x) if exchange_named(exchanges, x).is_some() => {}
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

/// The RabbitMQ side as the timeline changes it, entry by entry: which
/// queues, bindings and consumers exist by then.
pub(super) struct Timeline<'a> {
    /// Queues declared and not deleted.
    queues: Vec<&'a str>,
    /// Every queue name used so far, deleted ones too: a name is not
    /// reused, so that each names one queue of the run.
    named: Vec<&'a str>,
    bindings: Vec<&'a Binding>,
    /// Every binding made so far, for the limit.
    bound: usize,
    /// Consumers so far, with their queue and whether they acknowledge
    /// by hand.
    consumers: Vec<(&'a str, &'a str, bool)>,
    /// Exchanges declared so far, and not deleted.
    exchanges: Vec<Exchange>,
    /// Every exchange name declared so far, deleted ones too: a name is
    /// not reused, so that each names one exchange of the run.
    exchanges_named: Vec<String>,
    /// Publishers so far.
    publishers: Vec<&'a str>,
}

impl<'a> Timeline<'a> {
    pub(super) fn new(spec: &'a RabbitSpec) -> Timeline<'a> {
        let queues: Vec<&str> = spec.queues.iter().map(|q| q.name.as_str()).collect();
        Timeline {
            named: queues.clone(),
            queues,
            bindings: spec.bindings.iter().collect(),
            bound: spec.bindings.len(),
            consumers: spec
                .consumers
                .iter()
                .map(|c| (c.name.as_str(), c.queue.as_str(), c.by_hand))
                .collect(),
            exchanges: spec.exchanges.clone(),
            exchanges_named: spec.exchanges.iter().map(|x| x.name.clone()).collect(),
            publishers: spec.publishers.iter().map(|p| p.name.as_str()).collect(),
        }
    }

    /// Checks one RabbitMQ entry of the timeline, at `at`, and applies it.
    pub(super) fn entry(&mut self, p: &mut Problems, at: &str, action: &'a Intervention) {
        match action {
            Intervention::RabbitPublish {
                publisher,
                exchange,
                headers,
                body,
                body_base64,
                properties,
                ..
            } => {
                if !self.publishers.contains(&publisher.as_str()) {
                    p.add(
                        format!("{at}.publisher"),
                        format!("no publisher named {publisher:?} by then"),
                    );
                }
                if let Some(exchange) = exchange {
                    self.publishable(p, &format!("{at}.exchange"), exchange);
                }
                field_table(p, &format!("{at}.headers"), headers);
                self::content(p, at, body.as_deref(), body_base64.as_deref(), properties);
            }
            Intervention::RabbitGet { queue, .. } | Intervention::RabbitQueuePurge { queue }
                if !self.queues.contains(&queue.as_str()) =>
            {
                p.add(
                    format!("{at}.queue"),
                    format!("no queue named {queue:?} by then"),
                );
            }
            Intervention::RabbitAck { consumer, .. }
            | Intervention::RabbitNack { consumer, .. }
            | Intervention::RabbitConsumerCancel { consumer }
            | Intervention::RabbitGet { consumer, .. }
                if self.known_consumer(p, at, consumer).is_some() && !self.by_hand(consumer) =>
            {
                p.add(
                    format!("{at}.consumer"),
                    format!("{consumer:?} acknowledges on its own; only a consumer with by_hand takes rabbit_ack, rabbit_nack, rabbit_get and rabbit_consumer_cancel"),
                );
            }
            Intervention::RabbitExchangeDeclare { exchange } => {
                let at = format!("{at}.exchange.name");
                exchange_name(p, &at, &exchange.name);
                if self.exchanges.iter().any(|x| x.name == exchange.name) {
                    p.add(
                        at,
                        format!("there is already an exchange named {:?}", exchange.name),
                    );
                } else if self.exchanges_named.contains(&exchange.name) {
                    p.add(
                        at,
                        format!(
                            "the run had an exchange named {:?}, deleted: a name is not used again",
                            exchange.name
                        ),
                    );
                } else {
                    self.exchanges.push(exchange.clone());
                    self.exchanges_named.push(exchange.name.clone());
                }
                p.at_most(
                    "timeline (exchanges)",
                    self.exchanges.len(),
                    MAX_RABBIT_ENTITIES,
                );
            }
            Intervention::RabbitPublisherAdd { publisher } => {
                let at = format!("{at}.publisher");
                publisher_spec(p, &at, publisher);
                if self.publishers.contains(&publisher.name.as_str()) {
                    p.add(
                        format!("{at}.name"),
                        format!("there is already a publisher named {:?}", publisher.name),
                    );
                }
                self.publishable(p, &format!("{at}.exchange"), &publisher.exchange);
                self.publishers.push(&publisher.name);
                p.at_most(
                    "timeline (publishers)",
                    self.publishers.len(),
                    MAX_RABBIT_ENTITIES,
                );
            }
            Intervention::RabbitConsumerAdd { consumer } => {
                if self.consumer(&consumer.name).is_some() {
                    p.add(
                        format!("{at}.consumer.name"),
                        format!("there is already a consumer named {:?}", consumer.name),
                    );
                }
                consumer_spec(p, &format!("{at}.consumer"), consumer, &self.queues);
                self.consumers
                    .push((&consumer.name, &consumer.queue, consumer.by_hand));
            }
            Intervention::RabbitConsumerPrefetch { consumer, prefetch } => {
                self.known_consumer(p, at, consumer);
                p.in_range(format!("{at}.prefetch"), *prefetch, 0..=MAX_PREFETCH);
            }
            Intervention::RabbitConsumerSlow {
                consumer,
                processing_ms,
            } => {
                self.known_consumer(p, at, consumer);
                p.in_range(
                    format!("{at}.processing_ms"),
                    *processing_ms,
                    0..=MAX_INTERVAL_MS,
                );
            }
            Intervention::RabbitConsumerCrash { consumer } => {
                self.known_consumer(p, at, consumer);
            }
            Intervention::RabbitConsumerRestart { consumer } => {
                if let Some(queue) = self.known_consumer(p, at, consumer)
                    && !self.queues.contains(&queue)
                {
                    p.add(
                        format!("{at}.consumer"),
                        format!(
                            "{consumer:?} cannot consume again: its queue {queue:?} was deleted"
                        ),
                    );
                }
            }
            Intervention::RabbitQueueDeclare { queue } => {
                p.name(format!("{at}.queue.name"), &queue.name);
                if self.named.contains(&queue.name.as_str()) {
                    p.add(
                        format!("{at}.queue.name"),
                        format!("the run already has a queue named {:?}", queue.name),
                    );
                }
                queue_arguments(
                    p,
                    &format!("{at}.queue.arguments"),
                    &self.exchanges,
                    &queue.arguments,
                );
                self.named.push(&queue.name);
                self.queues.push(&queue.name);
                p.at_most("timeline (queues)", self.named.len(), MAX_RABBIT_ENTITIES);
            }
            Intervention::RabbitExchangeDelete { exchange } => {
                let Some(i) = self.exchanges.iter().position(|x| x.name == *exchange) else {
                    p.add(
                        format!("{at}.exchange"),
                        format!("no exchange named {exchange:?} by then (the amq.* exchanges cannot be deleted)"),
                    );
                    return;
                };
                self.exchanges.remove(i);
                let to = Destination::Exchange(exchange.clone());
                self.bindings
                    .retain(|b| b.source != *exchange && b.destination != to);
            }
            Intervention::RabbitQueueDelete { queue } => {
                let Some(i) = self.queues.iter().position(|q| q == queue) else {
                    p.add(
                        format!("{at}.queue"),
                        format!("no queue named {queue:?} by then"),
                    );
                    return;
                };
                self.queues.remove(i);
                // Deleting a queue removes its bindings.
                self.bindings
                    .retain(|b| b.destination != Destination::Queue(queue.clone()));
            }
            Intervention::RabbitBind { binding } => {
                field_table(p, &format!("{at}.binding.arguments"), &binding.arguments);
                if self.bindings.contains(&binding) {
                    p.add(format!("{at}.binding"), "that binding exists already");
                    return;
                }
                // Bound onto the topology as it stands by then (a scenario
                // whose own topology is broken is reported elsewhere).
                let bindings: Vec<Binding> = self.bindings.iter().map(|&b| b.clone()).collect();
                let queues: Vec<String> = self.queues.iter().map(|q| q.to_string()).collect();
                if let Ok(mut topology) = Topology::new(&self.exchanges, &queues, &bindings)
                    && let Err(err) = topology.bind(binding.clone())
                {
                    p.add(format!("{at}.binding"), err.0);
                    return;
                }
                self.bindings.push(binding);
                self.bound += 1;
                p.at_most("timeline (bindings)", self.bound, MAX_BINDINGS);
            }
            Intervention::RabbitUnbind { binding } => {
                match self.bindings.iter().position(|b| *b == binding) {
                    Some(i) => {
                        self.bindings.remove(i);
                    }
                    None => p.add(format!("{at}.binding"), "no such binding by then"),
                }
            }
            _ => {}
        }
    }

    /// Checks that clients can publish to `exchange` by then: the default
    /// exchange, or one that exists and is not internal.
    fn publishable(&self, p: &mut Problems, at: &str, exchange: &str) {
        match exchange_named(&self.exchanges, exchange) {
            Some(x) if x.internal => p.add(
                at,
                format!("exchange {exchange:?} is internal: clients cannot publish to it"),
            ),
            None if !exchange.is_empty() => {
                p.add(at, format!("no exchange named {exchange:?} by then"))
            }
            _ => {}
        }
    }

    /// Whether consumer `name` acknowledges by hand.
    fn by_hand(&self, name: &str) -> bool {
        (self.consumers.iter()).any(|&(c, _, by_hand)| c == name && by_hand)
    }

    /// The queue of consumer `name`, if there is one by then.
    fn consumer(&self, name: &str) -> Option<&'a str> {
        self.consumers
            .iter()
            .find(|(c, _, _)| *c == name)
            .map(|&(_, queue, _)| queue)
    }

    fn known_consumer(&self, p: &mut Problems, at: &str, name: &str) -> Option<&'a str> {
        let queue = self.consumer(name);
        if queue.is_none() {
            p.add(
                format!("{at}.consumer"),
                format!("no consumer named {name:?} by then"),
            );
        }
        queue
    }
}

/// A published message's body and properties, in the entry at `at`: one
/// body at most, base64 that decodes, no more than the limit, and an
/// `expiration` that is a number of milliseconds.
fn content(
    p: &mut Problems,
    at: &str,
    text: Option<&str>,
    base64: Option<&str>,
    properties: &Properties,
) {
    if text.is_some() && base64.is_some() {
        p.add(
            format!("{at}.body_base64"),
            "a message has one body: `body` (text) or `body_base64`, not both",
        );
    }
    match content::body(text, base64) {
        None => p.add(format!("{at}.body_base64"), "is not valid base64"),
        Some(bytes) => p.at_most(&format!("{at}.body (bytes)"), bytes.len(), MAX_BODY_BYTES),
    }
    for (name, value) in properties {
        let path = format!("{at}.properties.{name}");
        let Some(&(_, number)) = PROPERTIES.iter().find(|(known, _)| known == name) else {
            p.add(
                path,
                "not a basic property (a message's own fields go in `headers`)",
            );
            continue;
        };
        match (value, number) {
            (FieldValue::Int(n), true) => {
                let most = if name == "timestamp" { i64::MAX } else { 255 };
                if !(0..=most).contains(n) {
                    p.add(path, format!("must be 0..={most}, got {n}"));
                }
            }
            // AMQP short strings.
            (FieldValue::Str(text), false) => {
                p.at_most(&format!("{path} (bytes)"), text.len(), 255)
            }
            (_, true) => p.add(path, "must be a whole number"),
            (_, false) => p.add(path, "must be a string"),
        }
    }
    if let Some(expiration) = content::expiration(properties)
        && content::ttl_ms(properties).is_none()
    {
        p.add(
            format!("{at}.properties.expiration"),
            format!(
                "must be a whole number of milliseconds, written as a string, got {expiration:?}"
            ),
        );
    }
}

/// The value as text, if it is a string.
fn text(value: &FieldValue) -> Option<&str> {
    match value {
        FieldValue::Str(s) => Some(s.as_str()),
        _ => None,
    }
}
