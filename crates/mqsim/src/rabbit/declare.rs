//! Declaring what may already exist. `exchange.declare` and `queue.declare`
//! are idempotent: declaring an exchange or a queue that exists succeeds
//! when the declaration agrees with it, and is refused (406
//! PRECONDITION_FAILED) at the first property that differs, in the order
//! RabbitMQ checks them: an exchange's `type`, `internal`, then its
//! `alternate-exchange` argument (`rabbit_exchange:assert_equivalence`); a
//! queue's arguments in the order classic queues list them
//! (`rabbit_amqqueue:assert_equivalence`, `rabbit_classic_queue`), a queue
//! with no `x-queue-type` being `classic`. The properties the playground
//! does not model (`durable`, `auto_delete`, `exclusive`) are not compared.

use super::headers::{FieldTable, FieldValue};
use super::topology::Exchange;
use std::fmt;

/// The queue arguments RabbitMQ compares, in its order.
const QUEUE_ARGUMENTS: [&str; 14] = [
    "x-expires",
    "x-message-ttl",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-priority",
    "x-overflow",
    "x-queue-mode",
    "x-queue-version",
    "x-single-active-consumer",
    "x-queue-type",
    "x-queue-master-locator",
    "x-queue-leader-locator",
];

/// A declaration that disagrees with what exists: the first property that
/// differs, as RabbitMQ words it.
#[derive(Clone, Debug, PartialEq)]
pub struct Inequivalent {
    /// `exchange` or `queue`.
    pub kind: &'static str,
    pub name: String,
    pub arg: String,
    /// The values as RabbitMQ prints them: `'30000'`, `none`, or `the value
    /// '60000' of type 'long'`.
    pub received: String,
    pub current: String,
}

impl fmt::Display for Inequivalent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "inequivalent arg '{}' for {} '{}' in vhost '/': received {} but current is {}",
            self.arg, self.kind, self.name, self.received, self.current
        )
    }
}

/// Whether declaring `requested` agrees with the exchange `current`.
pub fn exchange(current: &Exchange, requested: &Exchange) -> Result<(), Inequivalent> {
    let differs = |arg: &str, received: String, current: String| Inequivalent {
        kind: "exchange",
        name: requested.name.clone(),
        arg: arg.into(),
        received,
        current,
    };
    if current.kind != requested.kind {
        let quote = |e: &Exchange| format!("'{}'", e.kind.name());
        return Err(differs("type", quote(requested), quote(current)));
    }
    if current.internal != requested.internal {
        let quote = |e: &Exchange| format!("'{}'", e.internal);
        return Err(differs("internal", quote(requested), quote(current)));
    }
    if current.alternate_exchange != requested.alternate_exchange {
        let typed = |e: &Exchange| match &e.alternate_exchange {
            Some(name) => format!("the value '{name}' of type 'longstr'"),
            None => "none".into(),
        };
        let (received, current) = match (&requested.alternate_exchange, &current.alternate_exchange)
        {
            (Some(r), Some(c)) => (format!("'{r}'"), format!("'{c}'")),
            _ => (typed(requested), typed(current)),
        };
        return Err(differs("alternate-exchange", received, current));
    }
    Ok(())
}

/// Whether declaring the queue `name` with the arguments `requested` agrees
/// with its arguments `current`.
pub fn queue(name: &str, current: &FieldTable, requested: &FieldTable) -> Result<(), Inequivalent> {
    for arg in QUEUE_ARGUMENTS {
        let (received, existing) = (requested.get(arg), current.get(arg));
        let agree = match (received, existing) {
            (r, c) if r == c => true,
            (None, Some(FieldValue::Str(c))) | (Some(FieldValue::Str(c)), None) => {
                arg == "x-queue-type" && c == "classic"
            }
            _ => false,
        };
        if agree {
            continue;
        }
        let (received, current) = match (received, existing) {
            (Some(r), Some(c)) => (raw(r), raw(c)),
            (r, c) => (typed(r), typed(c)),
        };
        return Err(Inequivalent {
            kind: "queue",
            name: name.into(),
            arg: arg.into(),
            received,
            current,
        });
    }
    Ok(())
}

/// A value as RabbitMQ prints one that both sides have: `'30000'`.
fn raw(value: &FieldValue) -> String {
    format!("'{}'", plain(value))
}

/// A value as RabbitMQ prints one only one side has: `none`, or `the value
/// '60000' of type 'long'`.
fn typed(value: Option<&FieldValue>) -> String {
    let Some(value) = value else {
        return "none".into();
    };
    let kind = match value {
        FieldValue::Void(()) => "void",
        FieldValue::Bool(_) => "bool",
        FieldValue::Int(_) => "long",
        FieldValue::Float(_) => "double",
        FieldValue::Str(_) => "longstr",
        FieldValue::Array(_) => "array",
        FieldValue::Table(_) => "table",
    };
    format!("the value '{}' of type '{kind}'", plain(value))
}

fn plain(value: &FieldValue) -> String {
    match value {
        FieldValue::Str(s) => s.clone(),
        FieldValue::Int(n) => n.to_string(),
        FieldValue::Float(x) => x.to_string(),
        FieldValue::Bool(b) => b.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rabbit::topology::ExchangeType;

    fn orders(kind: ExchangeType) -> Exchange {
        Exchange {
            name: "orders".into(),
            kind,
            internal: false,
            alternate_exchange: None,
        }
    }

    #[test]
    fn an_exchange_declared_again_as_it_is_agrees() {
        assert_eq!(
            exchange(&orders(ExchangeType::Topic), &orders(ExchangeType::Topic)),
            Ok(())
        );
        let refused =
            exchange(&orders(ExchangeType::Direct), &orders(ExchangeType::Fanout)).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "inequivalent arg 'type' for exchange 'orders' in vhost '/': received 'fanout' but current is 'direct'"
        );
        let with_ae = Exchange {
            alternate_exchange: Some("lost".into()),
            ..orders(ExchangeType::Topic)
        };
        let refused = exchange(&orders(ExchangeType::Topic), &with_ae).unwrap_err();
        assert_eq!(refused.received, "the value 'lost' of type 'longstr'");
        assert_eq!(refused.current, "none");
    }

    #[test]
    fn a_queue_is_compared_argument_by_argument_in_rabbitmqs_order() {
        let table = |pairs: &[(&str, FieldValue)]| -> FieldTable {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        let current = table(&[("x-message-ttl", FieldValue::Int(60_000))]);
        assert_eq!(queue("q", &current, &current), Ok(()));
        let refused = queue(
            "q",
            &current,
            &table(&[("x-message-ttl", FieldValue::Int(30_000))]),
        )
        .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received '30000' but current is '60000'"
        );
        let refused = queue("q", &current, &FieldTable::new()).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received none but current is the value '60000' of type 'long'"
        );
        // No x-queue-type is a classic queue; x-expires is compared first.
        let classic = table(&[("x-queue-type", FieldValue::Str("classic".into()))]);
        assert_eq!(queue("q", &FieldTable::new(), &classic), Ok(()));
        let both = table(&[
            ("x-queue-type", FieldValue::Str("quorum".into())),
            ("x-expires", FieldValue::Int(1_000)),
        ]);
        assert_eq!(
            queue("q", &FieldTable::new(), &both).unwrap_err().arg,
            "x-expires"
        );
    }
}
