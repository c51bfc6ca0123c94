//! RabbitMQ definitions files: the JSON `rabbitmqctl export_definitions`
//! writes and the management UI imports.
//!
//! The playground reads one virtual host's exchanges, queues (with their
//! arguments) and bindings, including exchange-to-exchange bindings. The
//! predefined `amq.*` exchanges exist without being listed, as on a real
//! broker. Everything else the file holds (users, permissions, policies,
//! parameters, arguments the playground does not act on) is listed in
//! [`Definitions::not_modelled`], never dropped silently.
//!
//! Arguments are JSON objects whose values may be tables and arrays, nested
//! (see [`super::headers`]). RabbitMQ turns them into AMQP tables with
//! `rabbit_misc:to_amqp_table`, which reads each object as an Erlang map:
//! a nested table therefore comes in sorted by key (as it goes out again
//! here), and `null` is refused (`null_not_allowed`), so a headers binding
//! that matches on presence alone cannot travel in a definitions file.

use super::headers::{FieldTable, FieldValue};
use super::topology::{Binding, Destination, Exchange, ExchangeType, Topology, TopologyError};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// Queue arguments the playground acts on.
pub const MODELLED_QUEUE_ARGUMENTS: &[&str] = &[
    "x-queue-type",
    "x-message-ttl",
    "x-max-length",
    "x-overflow",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-delivery-limit",
    "x-expires",
];

/// Top-level sections that describe the broker, not the topology.
const BROKER_SECTIONS: &[&str] = &[
    "users",
    "permissions",
    "topic_permissions",
    "policies",
    "parameters",
    "global_parameters",
];

/// Top-level fields that only identify the exporting broker.
const VERSION_FIELDS: &[&str] = &[
    "rabbit_version",
    "rabbitmq_version",
    "product_name",
    "product_version",
];

/// A queue as declared.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueDefinition {
    pub name: String,
    pub arguments: FieldTable,
}

/// The topology read from a definitions file.
#[derive(Clone, Debug, PartialEq)]
pub struct Definitions {
    /// The virtual host the entries belong to.
    pub vhost: String,
    pub exchanges: Vec<Exchange>,
    pub queues: Vec<QueueDefinition>,
    pub bindings: Vec<Binding>,
    /// What the file holds that the playground does not model, one line
    /// each.
    pub not_modelled: Vec<String>,
}

/// Everything wrong with a definitions file, each naming its entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionsError(pub Vec<String>);

impl fmt::Display for DefinitionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for DefinitionsError {}

impl Definitions {
    /// Reads a definitions file.
    pub fn from_json(text: &str) -> Result<Definitions, DefinitionsError> {
        let root: Value = serde_json::from_str(text).map_err(|err| {
            DefinitionsError(vec![format!(
                "not valid JSON at line {} column {}: {err}",
                err.line(),
                err.column()
            )])
        })?;
        let Some(root) = root.as_object() else {
            return Err(DefinitionsError(vec![
                "a definitions file is a JSON object".into(),
            ]));
        };
        let mut reader = Reader::default();
        reader.read(root);
        if reader.problems.is_empty() {
            Ok(reader.definitions())
        } else {
            Err(DefinitionsError(reader.problems))
        }
    }

    /// The routing topology, checking that every binding's ends exist.
    pub fn topology(&self) -> Result<Topology, TopologyError> {
        let queues: Vec<String> = self.queues.iter().map(|q| q.name.clone()).collect();
        Topology::new(&self.exchanges, &queues, &self.bindings)
    }
}

#[derive(Default)]
struct Reader {
    vhost: Option<String>,
    exchanges: Vec<Exchange>,
    queues: Vec<QueueDefinition>,
    bindings: Vec<Binding>,
    not_modelled: Vec<String>,
    problems: Vec<String>,
}

impl Reader {
    fn read(&mut self, root: &Map<String, Value>) {
        for (key, value) in root {
            match key.as_str() {
                "exchanges" => self.each(value, key, Reader::exchange),
                "queues" => self.each(value, key, Reader::queue),
                "bindings" => self.each(value, key, Reader::binding),
                "vhosts" => {
                    if let Some(list) = value.as_array().filter(|l| l.len() > 1) {
                        let names: Vec<String> = list
                            .iter()
                            .filter_map(|v| v.get("name").and_then(Value::as_str))
                            .map(str::to_string)
                            .collect();
                        self.not_modelled.push(format!(
                            "vhosts: {} declared ({}); the playground models the one its entries use",
                            list.len(),
                            names.join(", ")
                        ));
                    }
                }
                section if BROKER_SECTIONS.contains(&section) => {
                    let count = value.as_array().map_or(0, Vec::len);
                    if count > 0 {
                        self.not_modelled
                            .push(format!("{section}: {count} entries (broker settings)"));
                    }
                }
                field if VERSION_FIELDS.contains(&field) => {}
                other => self
                    .not_modelled
                    .push(format!("{other}: not a topology section")),
            }
        }
    }

    fn each(
        &mut self,
        value: &Value,
        section: &str,
        read: fn(&mut Reader, &str, &Map<String, Value>),
    ) {
        let Some(list) = value.as_array() else {
            self.problems.push(format!("{section}: must be a list"));
            return;
        };
        for (i, entry) in list.iter().enumerate() {
            let at = format!("{section}[{i}]");
            match entry.as_object() {
                Some(object) => read(self, &at, object),
                None => self.problems.push(format!("{at}: must be an object")),
            }
        }
    }

    /// The entry's vhost, which must be the same for all entries.
    fn vhost(&mut self, at: &str, entry: &Map<String, Value>) {
        let vhost = entry.get("vhost").and_then(Value::as_str).unwrap_or("/");
        match &self.vhost {
            None => self.vhost = Some(vhost.to_string()),
            Some(first) if first != vhost => self.problems.push(format!(
                "{at}: in vhost {vhost:?}, but earlier entries are in {first:?}; the playground models one vhost"
            )),
            Some(_) => {}
        }
    }

    fn name(&mut self, at: &str, entry: &Map<String, Value>) -> Option<String> {
        match entry.get("name").and_then(Value::as_str) {
            Some(name) => Some(name.to_string()),
            None => {
                self.problems.push(format!("{at}: needs a \"name\" string"));
                None
            }
        }
    }

    fn arguments(&mut self, at: &str, entry: &Map<String, Value>) -> FieldTable {
        let mut table = FieldTable::new();
        let Some(value) = entry.get("arguments") else {
            return table;
        };
        let Some(object) = value.as_object() else {
            self.problems
                .push(format!("{at}.arguments: must be an object"));
            return table;
        };
        for (name, value) in object {
            if holds_null(value) {
                self.problems.push(format!(
                    "{at}.arguments.{name}: null is not a value RabbitMQ accepts here \
                     (its import refuses it: null_not_allowed)"
                ));
                continue;
            }
            match FieldValue::deserialize(value) {
                Ok(field) => {
                    table.insert(name.clone(), field);
                }
                Err(why) => self.problems.push(format!("{at}.arguments.{name}: {why}")),
            }
        }
        table
    }

    fn exchange(&mut self, at: &str, entry: &Map<String, Value>) {
        self.vhost(at, entry);
        let Some(name) = self.name(at, entry) else {
            return;
        };
        let kind_name = entry.get("type").and_then(Value::as_str).unwrap_or("");
        let Some(kind) = ExchangeType::parse(kind_name) else {
            self.problems.push(format!(
                "{at} ({name:?}): unknown exchange type {kind_name:?}; expected direct, fanout, topic or headers"
            ));
            return;
        };
        let mut arguments = self.arguments(at, entry);
        let alternate_exchange = match arguments.remove("alternate-exchange") {
            Some(FieldValue::Str(ae)) => Some(ae),
            Some(_) => {
                self.problems.push(format!(
                    "{at} ({name:?}): alternate-exchange must be a string"
                ));
                None
            }
            None => None,
        };
        for argument in arguments.keys() {
            self.not_modelled
                .push(format!("{at} ({name:?}): argument {argument}"));
        }
        self.exchanges.push(Exchange {
            name,
            kind,
            internal: entry
                .get("internal")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            alternate_exchange,
        });
    }

    fn queue(&mut self, at: &str, entry: &Map<String, Value>) {
        self.vhost(at, entry);
        let Some(name) = self.name(at, entry) else {
            return;
        };
        let arguments = self.arguments(at, entry);
        for argument in arguments.keys() {
            if !MODELLED_QUEUE_ARGUMENTS.contains(&argument.as_str()) {
                self.not_modelled
                    .push(format!("{at} ({name:?}): argument {argument}"));
            }
        }
        self.queues.push(QueueDefinition { name, arguments });
    }

    fn binding(&mut self, at: &str, entry: &Map<String, Value>) {
        self.vhost(at, entry);
        let text = |field: &str| entry.get(field).and_then(Value::as_str);
        let (Some(source), Some(destination)) = (text("source"), text("destination")) else {
            self.problems.push(format!(
                "{at}: needs \"source\" and \"destination\" strings"
            ));
            return;
        };
        let destination = match text("destination_type") {
            Some("queue") => Destination::Queue(destination.to_string()),
            Some("exchange") => Destination::Exchange(destination.to_string()),
            other => {
                self.problems.push(format!(
                    "{at}: destination_type must be \"queue\" or \"exchange\", got {other:?}"
                ));
                return;
            }
        };
        let arguments = self.arguments(at, entry);
        self.bindings.push(Binding {
            source: source.to_string(),
            destination,
            routing_key: text("routing_key").unwrap_or("").to_string(),
            arguments,
        });
    }

    fn definitions(self) -> Definitions {
        Definitions {
            vhost: self.vhost.unwrap_or_else(|| "/".to_string()),
            exchanges: self.exchanges,
            queues: self.queues,
            bindings: self.bindings,
            not_modelled: self.not_modelled,
        }
    }
}

impl Definitions {
    /// The scenario's RabbitMQ section, declaring these exchanges, queues and
    /// bindings (clients are not part of a definitions file).
    pub fn to_rabbit_spec(&self) -> crate::scenario::RabbitSpec {
        crate::scenario::RabbitSpec {
            exchanges: self.exchanges.clone(),
            queues: self
                .queues
                .iter()
                .map(|q| crate::scenario::QueueSpec {
                    name: q.name.clone(),
                    arguments: crate::sort::btree_map(
                        q.arguments
                            .iter()
                            .filter(|(name, _)| MODELLED_QUEUE_ARGUMENTS.contains(&name.as_str()))
                            .map(|(name, value)| (name.clone(), value.clone())),
                    ),
                })
                .collect(),
            bindings: self.bindings.clone(),
            publishers: Vec::new(),
            consumers: Vec::new(),
        }
    }
}

/// Whether a JSON value is, or holds, `null`: `rabbit_misc:to_amqp_table`
/// throws `null_not_allowed` on it.
fn holds_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(values) => values.iter().any(holds_null),
        Value::Object(entries) => entries.values().any(holds_null),
        _ => false,
    }
}

/// A definitions file, as `rabbitmqctl import_definitions` and the
/// management UI accept it, declaring `spec`'s exchanges, queues and
/// bindings in virtual host `vhost`.
pub fn export(spec: &crate::scenario::RabbitSpec, vhost: &str) -> Value {
    let exchanges: Vec<Value> = spec
        .exchanges
        .iter()
        .map(|x| {
            let mut arguments = Map::new();
            if let Some(ae) = &x.alternate_exchange {
                arguments.insert("alternate-exchange".into(), Value::String(ae.clone()));
            }
            serde_json::json!({
                "name": x.name, "vhost": vhost, "type": x.kind.name(), "durable": true,
                "auto_delete": false, "internal": x.internal, "arguments": arguments,
            })
        })
        .collect();
    let queues: Vec<Value> = spec
        .queues
        .iter()
        .map(|q| {
            serde_json::json!({
                "name": q.name, "vhost": vhost, "durable": true, "auto_delete": false,
                "arguments": q.arguments,
            })
        })
        .collect();
    let bindings: Vec<Value> = spec
        .bindings
        .iter()
        .map(|b| {
            let (destination_type, destination) = match &b.destination {
                Destination::Queue(q) => ("queue", q),
                Destination::Exchange(x) => ("exchange", x),
            };
            serde_json::json!({
                "source": b.source, "vhost": vhost, "destination": destination,
                "destination_type": destination_type, "routing_key": b.routing_key,
                "arguments": b.arguments,
            })
        })
        .collect();
    serde_json::json!({
        "vhosts": [{"name": vhost}],
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exporting a scenario's topology and importing it back gives the same
    /// exchanges, queues and bindings, and nothing is reported unmodelled.
    #[test]
    fn export_then_import_is_the_identity() {
        let preset = crate::scenario::presets::Preset::find("rabbit-retry-dead-letter")
            .expect("preset")
            .scenario();
        let spec = &preset.file().rabbit;
        let exported = export(spec, "/").to_string();
        let imported = Definitions::from_json(&exported).expect("valid definitions");
        assert!(
            imported.not_modelled.is_empty(),
            "{:?}",
            imported.not_modelled
        );
        let back = imported.to_rabbit_spec();
        assert_eq!(back.exchanges, spec.exchanges);
        assert_eq!(back.queues, spec.queues);
        assert_eq!(back.bindings, spec.bindings);
        imported.topology().expect("a valid topology");
    }

    /// Binding and queue arguments holding tables and arrays, nested, come
    /// back from import and export unchanged (nested keys in the order
    /// RabbitMQ's own export writes them: sorted).
    #[test]
    fn nested_arguments_survive_a_round_trip() {
        let file = r#"{
            "vhosts": [{"name": "/"}],
            "exchanges": [{"name": "reports", "vhost": "/", "type": "headers", "durable": true,
                           "auto_delete": false, "internal": false, "arguments": {}}],
            "queues": [{"name": "pdf", "vhost": "/", "durable": true, "auto_delete": false,
                        "arguments": {}}],
            "bindings": [{"source": "reports", "vhost": "/", "destination": "pdf",
                          "destination_type": "queue", "routing_key": "",
                          "arguments": {"x-match": "any",
                                        "geo": {"city": "Pune", "country": "IN", "zip": [411001, 411002]},
                                        "tags": ["a", 1, 2.5, true, {}, [], {"n": {"m": []}}],
                                        "empty": {}}}]
        }"#;
        let imported = Definitions::from_json(file).expect("valid definitions");
        assert!(
            imported.not_modelled.is_empty(),
            "{:?}",
            imported.not_modelled
        );
        let exported = export(&imported.to_rabbit_spec(), "/");
        let original: Value = serde_json::from_str(file).unwrap();
        assert_eq!(exported["bindings"], original["bindings"]);
        let geo = &imported.bindings[0].arguments["geo"];
        assert_eq!(
            geo.to_string(),
            r#"{city: "Pune", country: "IN", zip: [411001, 411002]}"#
        );
    }

    /// RabbitMQ's import throws `null_not_allowed` on a null argument, even
    /// deep inside a table; so does this one, naming where.
    #[test]
    fn null_arguments_are_refused_where_they_are() {
        let file = r#"{"queues": [], "exchanges": [], "bindings": [
            {"source": "amq.headers", "vhost": "/", "destination": "q", "destination_type": "queue",
             "routing_key": "", "arguments": {"meta": {"trace": null}}}]}"#;
        let why = Definitions::from_json(file).unwrap_err().to_string();
        assert!(why.contains("bindings[0].arguments.meta: null"), "{why}");
        assert!(why.contains("null_not_allowed"), "{why}");
    }
}
