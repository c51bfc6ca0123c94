//! Headers exchange matching, as RabbitMQ does it
//! (`rabbit_exchange_type_headers`), and AMQP field values.
//!
//! A binding's arguments list header names and values; `x-match` says how
//! many must agree:
//! - `all` (the default): every listed header is present with an equal value;
//! - `any`: at least one is;
//! - `all-with-x` / `any-with-x` (RabbitMQ 3.10+): the same, but arguments
//!   whose names start with `x-` count too (plain `all` and `any` skip them).
//!
//! # Field values
//! Headers and arguments are AMQP *field tables*. A value is void, a
//! boolean, a number, a string, or itself a table or an array; that is how
//! `x-death` travels, a table per dead-lettering inside an array. A scenario
//! writes them as JSON, and the JSON type picks the AMQP type, as RabbitMQ's
//! own JSON reader does (`rabbit_misc:to_amqp_table`, used for definitions
//! and the HTTP API): `null` → void, `true` → bool, `1` → long, `1.0` →
//! double, `"s"` → longstr, `{…}` → table, `[…]` → array.
//!
//! # When a binding value equals a header value
//! This module follows `headers_match/5` of RabbitMQ 3.x
//! (`deps/rabbit/src/rabbit_exchange_type_headers.erl`, v3.12.14), which
//! compares a binding's `{Name, Type, Value}` with the message's as
//! `PV == DV`: Erlang's `==` on the decoded *values*, the type atoms set
//! aside. What the decoded values are comes from `rabbit_binary_parser`:
//! a table is a list of `{Name, Type, Value}` triples in the order they were
//! sent, an array a list of `{Type, Value}` pairs. So:
//! - **At the top of the table**, numbers compare by value (`1` equals
//!   `1.0`); a string is never a number (`"1"` is not `1`) and `"true"` is
//!   not `true`. An empty table equals an empty array: both decode to `[]`.
//! - **Inside a table or an array**, each value still carries its type, so
//!   the types must agree too: `{"n": 1}` does not equal `{"n": 1.0}` (a
//!   `long` is not a `double`), nor `[1]` equal `[1.0]`, and an empty table
//!   inside an array is not an empty array there. Values of the same type
//!   compare as at the top.
//! - **Order counts inside a table.** RabbitMQ sorts a binding's arguments
//!   and a message's headers by name (`rabbit_misc:sort_field_table`), but
//!   only at the top: a nested table is compared as the list it arrived as,
//!   so `{"a": 1, "b": 2}` does not equal `{"b": 2, "a": 1}`. Here a nested
//!   table keeps the order its keys were written in, as a client's table
//!   keeps its wire order.
//! - **An argument without a value** (void, JSON `null`) matches on the
//!   header's presence alone, whatever the header holds.
//!
//! RabbitMQ 3.13 and 4.x (`match/2`, after the message-container rewrite)
//! compare with `=:=` instead: there `1` no longer equals `1.0` at the top
//! of the table. Everything else above reads the same in both.

use schemars::JsonSchema;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A header or binding-argument value: the AMQP field types a scenario can
/// write in JSON.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum FieldValue {
    /// No value (`void`): as a binding argument, matches on presence.
    Void(()),
    Bool(bool),
    /// A whole number (`long`).
    Int(i64),
    /// A number with a fraction or an exponent (`double`).
    Float(f64),
    /// A string (`longstr`).
    Str(String),
    /// An array of values, each with its own type.
    Array(Vec<FieldValue>),
    /// A table inside a table, its entries in the order they were written.
    Table(Table),
}

/// A nested field table: names and values in the order they were written
/// (RabbitMQ sorts only the outermost table).
#[derive(Clone, Debug, Default, PartialEq, JsonSchema)]
#[schemars(with = "BTreeMap<String, FieldValue>")]
pub struct Table(pub Vec<(String, FieldValue)>);

impl Serialize for Table {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// Read by the JSON type of the value (what `#[serde(untagged)]` would
/// derive, without buffering each value to try the variants in turn).
impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = FieldValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("null, a boolean, a number, a string, an array or an object")
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
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<FieldValue, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element()? {
                    values.push(value);
                }
                Ok(FieldValue::Array(values))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<FieldValue, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(FieldValue::Table(Table(entries)))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl FieldValue {
    /// `PV == DV` in `headers_match/5`: a binding's value and a message's,
    /// at the top of their tables, compared by Erlang's `==` on the values
    /// alone.
    fn loosely_equals(&self, other: &FieldValue) -> bool {
        use FieldValue::*;
        match (self, other) {
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b,
            // Both decode to the empty list.
            (Table(t), Array(a)) | (Array(a), Table(t)) => t.0.is_empty() && a.is_empty(),
            _ => self.typed_equals(other),
        }
    }

    /// `{Type, Value} == {Type, Value}`: two values inside a table or an
    /// array, each still carrying its AMQP type. Types must agree; values
    /// of one type compare as Erlang's `==` does.
    fn typed_equals(&self, other: &FieldValue) -> bool {
        use FieldValue::*;
        match (self, other) {
            (Void(()), Void(())) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Str(a), Str(b)) => a == b,
            (Array(a), Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.typed_equals(y))
            }
            (Table(a), Table(b)) => {
                a.0.len() == b.0.len()
                    && a.0
                        .iter()
                        .zip(&b.0)
                        .all(|((n, x), (m, y))| n == m && x.typed_equals(y))
            }
            _ => false,
        }
    }
}

/// How many values `table` holds, counting those inside nested tables and
/// arrays.
pub fn size(table: &FieldTable) -> usize {
    fn values(value: &FieldValue) -> usize {
        1 + match value {
            FieldValue::Array(items) => items.iter().map(values).sum(),
            FieldValue::Table(table) => table.0.iter().map(|(_, v)| values(v)).sum(),
            _ => 0,
        }
    }
    table.values().map(values).sum()
}

/// A value as the inspector and the event log show it: strings quoted, so
/// that `"1"` and `1` look as different as they are; tables as
/// `{name: value, …}` and arrays as `[value, …]`.
impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Void(()) => f.write_str("void"),
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::Int(n) => write!(f, "{n}"),
            // `{:?}` keeps the point: 1.0 is a double, 1 a long.
            FieldValue::Float(x) => write!(f, "{x:?}"),
            FieldValue::Str(s) => write!(f, "{s:?}"),
            FieldValue::Array(values) => {
                f.write_str("[")?;
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                f.write_str("]")
            }
            FieldValue::Table(table) => {
                let entries = table.0.iter().map(|(name, value)| (name, value));
                write!(f, "{{{}}}", Entries(entries))
            }
        }
    }
}

/// A whole table, `name: value, …`, as the inspector lists a message's
/// headers.
pub fn show(table: &FieldTable) -> String {
    Entries(table.iter()).to_string()
}

/// `name: value, name: value`.
struct Entries<I>(I);

impl<'a, I> fmt::Display for Entries<I>
where
    I: Iterator<Item = (&'a String, &'a FieldValue)> + Clone,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, value)) in self.0.clone().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}: {value}")?;
        }
        Ok(())
    }
}

/// A field table: headers of a message, or arguments of a binding. Sorted
/// by name, as RabbitMQ sorts the outermost table before it matches.
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

    /// Binding value × message value, each written as JSON, and whether
    /// RabbitMQ's `headers_match/5` (`PV == DV` on the values decoded by
    /// `rabbit_binary_parser`) routes the message. The `why` says which
    /// Erlang comparison decides.
    #[test]
    fn nested_values_compare_as_erlang_compares_the_decoded_terms() {
        let cases: &[(&str, &str, bool, &str)] = &[
            // Tables.
            (
                r#"{"n": 1}"#,
                r#"{"n": 1}"#,
                true,
                "[{n,long,1}] == [{n,long,1}]",
            ),
            (
                r#"{"n": 1}"#,
                r#"{"n": 1.0}"#,
                false,
                "inside a table the type counts: long is not double",
            ),
            (
                r#"{"n": 1.5}"#,
                r#"{"n": 1.5}"#,
                true,
                "double against double, by value",
            ),
            (r#"{"n": 1}"#, r#"{"n": 2}"#, false, "1 /= 2"),
            (
                r#"{"n": 1}"#,
                r#"{"n": "1"}"#,
                false,
                "a string is not a number, here either",
            ),
            (
                r#"{"a": 1, "b": 2}"#,
                r#"{"a": 1, "b": 2}"#,
                true,
                "same entries, same order",
            ),
            (
                r#"{"a": 1, "b": 2}"#,
                r#"{"b": 2, "a": 1}"#,
                false,
                "nested tables are never sorted: the lists differ",
            ),
            (
                r#"{"a": 1}"#,
                r#"{"a": 1, "b": 2}"#,
                false,
                "a longer list is another list",
            ),
            (
                r#"{"a": {"b": {"c": true}}}"#,
                r#"{"a": {"b": {"c": true}}}"#,
                true,
                "tables in tables",
            ),
            (
                r#"{"a": {"b": {"c": true}}}"#,
                r#"{"a": {"b": {"c": false}}}"#,
                false,
                "true /= false, three levels down",
            ),
            (
                r#"{"v": null}"#,
                r#"{"v": null}"#,
                true,
                "{void, undefined} == {void, undefined}",
            ),
            // Arrays.
            ("[1, 2]", "[1, 2]", true, "element by element"),
            ("[1, 2]", "[2, 1]", false, "in order"),
            ("[1]", "[1.0]", false, "{long,1} /= {double,1.0}"),
            (
                r#"[1, "x", true, null, 2.5]"#,
                r#"[1, "x", true, null, 2.5]"#,
                true,
                "mixed types, each agreeing",
            ),
            (
                r#"[1, "x"]"#,
                r#"["x", 1]"#,
                false,
                "mixed types out of order",
            ),
            (
                r#"[[1], {"a": 1}]"#,
                r#"[[1], {"a": 1}]"#,
                true,
                "arrays and tables inside arrays",
            ),
            (
                r#"[{"a": 1}]"#,
                r#"[{"a": 1.0}]"#,
                false,
                "the type of a number in a table in an array",
            ),
            // Empty tables and arrays.
            ("{}", "{}", true, "[] == []"),
            ("[]", "[]", true, "[] == []"),
            (
                "{}",
                "[]",
                true,
                "at the top only values compare, and both are []",
            ),
            ("[]", "{}", true, "the same, the other way round"),
            (
                "[{}]",
                "[[]]",
                false,
                "inside an array the types differ: {table,[]} /= {array,[]}",
            ),
            (r#"{"e": {}}"#, r#"{"e": []}"#, false, "and inside a table"),
            ("{}", "[1]", false, "[] /= [{long,1}]"),
            // A table is not a scalar, nor an array with the same contents.
            (r#"{"n": 1}"#, "1", false, "a table is not a number"),
            ("[1]", "1", false, "an array is not a number"),
            (
                r#"{"a": 1}"#,
                r#"[["a", 1]]"#,
                false,
                "triples are not pairs",
            ),
            (
                r#""{}""#,
                "{}",
                false,
                "a string that looks like a table is a string",
            ),
        ];
        for (wanted, have, routed, why) in cases {
            let arguments = table(&format!(r#"{{"x-match": "all", "h": {wanted}}}"#));
            let headers = table(&format!(r#"{{"h": {have}}}"#));
            assert_eq!(
                matches(&arguments, &headers),
                *routed,
                "binding h = {wanted}, message h = {have}: {why}"
            );
        }
    }

    /// A binding argument without a value matches any header of that name,
    /// a table or an array too.
    #[test]
    fn void_matches_nested_values_on_presence() {
        let present = table(r#"{"meta": null}"#);
        assert!(matches(&present, &table(r#"{"meta": {"n": 1}}"#)));
        assert!(matches(&present, &table(r#"{"meta": []}"#)));
    }

    /// `any` with nested values: one agreeing table is enough.
    #[test]
    fn any_with_a_nested_table() {
        let any = table(r#"{"x-match": "any", "geo": {"country": "IN"}, "tier": [1, 2]}"#);
        assert!(matches(&any, &table(r#"{"geo": {"country": "IN"}}"#)));
        assert!(matches(&any, &table(r#"{"tier": [1, 2], "geo": "IN"}"#)));
        assert!(!matches(
            &any,
            &table(r#"{"geo": {"country": "FR"}, "tier": [2, 1]}"#)
        ));
    }

    /// Tables and arrays are read from JSON, nested, and written back the
    /// same, nested keys in their order.
    #[test]
    fn nested_values_read_and_write_back_unchanged() {
        let text = r#"{"a":{"z":1,"b":[1,2.5,"x",true,null,{}]},"e":[]}"#;
        let read = table(text);
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
    }

    #[test]
    fn values_are_shown_with_their_types() {
        let headers = table(r#"{"a": {"n": 1, "f": 1.0}, "b": [1, "1"], "c": null, "d": true}"#);
        assert_eq!(
            show(&headers),
            r#"a: {n: 1, f: 1.0}, b: [1, "1"], c: void, d: true"#
        );
    }

    /// `all` with nothing to check matches everything; `any` nothing.
    #[test]
    fn empty_bindings() {
        let empty = FieldTable::new();
        assert!(matches(&table(r#"{"x-match": "all"}"#), &empty));
        assert!(!matches(&table(r#"{"x-match": "any"}"#), &empty));
    }
}
