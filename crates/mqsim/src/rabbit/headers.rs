//! Headers exchange matching, as RabbitMQ does it
//! (`rabbit_exchange_type_headers`).
//!
//! A binding's arguments list header names and values; `x-match` says how
//! many must agree:
//! - `all` (the default): every listed header is present with an equal value;
//! - `any`: at least one is;
//! - `all-with-x` / `any-with-x` (RabbitMQ 3.10+): the same, but arguments
//!   whose names start with `x-` count too (plain `all` and `any` skip them).
//!
//! An argument without a value (AMQP `void`, JSON `null`) matches on the
//! header's presence alone. Values are compared as Erlang's `==` compares
//! them: numbers by value (`1` equals `1.0`), otherwise only equal values
//! of the same type (the string `"1"` is not the number `1`, and `"true"`
//! is not `true`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A header or binding-argument value: the AMQP field types a scenario can
/// write in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// No value: matches on presence.
    Void(()),
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// Read by the JSON type of the value (what `#[serde(untagged)]` would
/// derive, without buffering each value to try the variants in turn).
impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = FieldValue;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("null, a boolean, a number or a string")
            }
            fn visit_unit<E>(self) -> Result<FieldValue, E> {
                Ok(FieldValue::Void(()))
            }
            fn visit_bool<E>(self, b: bool) -> Result<FieldValue, E> {
                Ok(FieldValue::Bool(b))
            }
            fn visit_i64<E>(self, n: i64) -> Result<FieldValue, E> {
                Ok(FieldValue::Int(n))
            }
            fn visit_u64<E>(self, n: u64) -> Result<FieldValue, E> {
                Ok(i64::try_from(n).map_or(FieldValue::Float(n as f64), FieldValue::Int))
            }
            fn visit_f64<E>(self, n: f64) -> Result<FieldValue, E> {
                Ok(FieldValue::Float(n))
            }
            fn visit_str<E>(self, s: &str) -> Result<FieldValue, E> {
                Ok(FieldValue::Str(s.to_string()))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl FieldValue {
    /// Erlang's `==` on the values RabbitMQ stores.
    fn loosely_equals(&self, other: &FieldValue) -> bool {
        use FieldValue::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b,
            (Float(a), Float(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Bool(a), Bool(b)) => a == b,
            (Void(()), Void(())) => true,
            _ => false,
        }
    }
}

/// A field table: headers of a message, or arguments of a binding.
pub type FieldTable = BTreeMap<String, FieldValue>;

/// How many of a binding's headers must match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XMatch {
    All,
    Any,
    AllWithX,
    AnyWithX,
}

impl XMatch {
    /// The binding's `x-match` argument; `None` if it names no known mode.
    pub fn of(arguments: &FieldTable) -> Option<XMatch> {
        match arguments.get("x-match") {
            None => Some(XMatch::All),
            Some(FieldValue::Str(mode)) => match mode.as_str() {
                "all" => Some(XMatch::All),
                "any" => Some(XMatch::Any),
                "all-with-x" => Some(XMatch::AllWithX),
                "any-with-x" => Some(XMatch::AnyWithX),
                _ => None,
            },
            Some(_) => None,
        }
    }
}

/// Whether a message with `headers` matches a binding with `arguments`.
pub fn matches(arguments: &FieldTable, headers: &FieldTable) -> bool {
    let Some(mode) = XMatch::of(arguments) else {
        return false;
    };
    let with_x = matches!(mode, XMatch::AllWithX | XMatch::AnyWithX);
    let mut checked = arguments
        .iter()
        .filter(|(name, _)| name.as_str() != "x-match")
        .filter(|(name, _)| with_x || !name.starts_with("x-"))
        .map(|(name, wanted)| match (wanted, headers.get(name)) {
            (_, None) => false,
            (FieldValue::Void(()), Some(_)) => true,
            (wanted, Some(have)) => wanted.loosely_equals(have),
        });
    match mode {
        XMatch::All | XMatch::AllWithX => checked.all(|ok| ok),
        XMatch::Any | XMatch::AnyWithX => checked.any(|ok| ok),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json: &str) -> FieldTable {
        serde_json::from_str(json).expect("a field table")
    }

    /// The RabbitMQ tutorial's headers exchange: a binding for PDF reports
    /// (`x-match: all`, format pdf, type report) and one for either
    /// (`x-match: any`).
    #[test]
    fn all_needs_every_header_and_any_needs_one() {
        let all = table(r#"{"x-match": "all", "format": "pdf", "type": "report"}"#);
        let any = table(r#"{"x-match": "any", "format": "pdf", "type": "report"}"#);
        let pdf_report = table(r#"{"format": "pdf", "type": "report"}"#);
        let pdf_log = table(r#"{"format": "pdf", "type": "log"}"#);
        let zip = table(r#"{"format": "zip"}"#);
        assert!(matches(&all, &pdf_report));
        assert!(!matches(&all, &pdf_log));
        assert!(matches(&any, &pdf_log));
        assert!(!matches(&any, &zip));
    }

    #[test]
    fn values_compare_by_type_and_numbers_by_value() {
        let one = table(r#"{"n": 1}"#);
        assert!(matches(&one, &table(r#"{"n": 1}"#)));
        assert!(matches(&one, &table(r#"{"n": 1.0}"#)), "Erlang: 1 == 1.0");
        assert!(
            !matches(&one, &table(r#"{"n": "1"}"#)),
            "a string is not a number"
        );
        let yes = table(r#"{"flag": true}"#);
        assert!(matches(&yes, &table(r#"{"flag": true}"#)));
        assert!(!matches(&yes, &table(r#"{"flag": "true"}"#)));
    }

    #[test]
    fn a_void_argument_matches_on_presence() {
        let present = table(r#"{"trace": null}"#);
        assert!(matches(&present, &table(r#"{"trace": "anything"}"#)));
        assert!(matches(&present, &table(r#"{"trace": 0}"#)));
        assert!(!matches(&present, &table(r#"{"other": 1}"#)));
    }

    #[test]
    fn x_arguments_count_only_with_x() {
        let plain = table(r#"{"x-match": "all", "x-tenant": "a"}"#);
        let with_x = table(r#"{"x-match": "all-with-x", "x-tenant": "a"}"#);
        let header = table(r#"{"x-tenant": "b"}"#);
        assert!(matches(&plain, &header), "x- arguments are skipped");
        assert!(!matches(&with_x, &header));
        assert!(matches(&with_x, &table(r#"{"x-tenant": "a"}"#)));
    }

    /// `all` with nothing to check matches everything; `any` nothing.
    #[test]
    fn empty_bindings() {
        let empty = FieldTable::new();
        assert!(matches(&table(r#"{"x-match": "all"}"#), &empty));
        assert!(!matches(&table(r#"{"x-match": "any"}"#), &empty));
    }
}
