//! `mqsim rabbit route`: where RabbitMQ routes one message, read from a
//! definitions file.

use anyhow::{Context, bail};
use mqsim::rabbit::definitions::Definitions;
use mqsim::rabbit::headers::{FieldTable, FieldValue};
use mqsim::rabbit::topology::{Destination, Route};
use std::fmt::Write;
use std::path::Path;

/// What `route` prints: the routing, and notes for standard error.
pub struct Routed {
    pub stdout: String,
    pub notes: Vec<String>,
}

/// Routes one message published to `exchange` with `routing_key` and the
/// headers given as `NAME=VALUE` strings and/or one JSON object.
pub fn route(
    definitions: &Path,
    exchange: &str,
    routing_key: &str,
    header_pairs: &[String],
    headers_json: Option<&str>,
    json: bool,
) -> anyhow::Result<Routed> {
    let text = std::fs::read_to_string(definitions)
        .with_context(|| format!("cannot read {}", definitions.display()))?;
    let definitions_file = Definitions::from_json(&text)
        .with_context(|| format!("{} is not a usable definitions file", definitions.display()))?;
    let topology = definitions_file
        .topology()
        .with_context(|| format!("{}", definitions.display()))?;
    let headers = headers(header_pairs, headers_json)?;
    let route = topology.route(exchange, routing_key, &headers)?;
    let stdout = if json {
        format!("{}\n", serde_json::to_string_pretty(&route)?)
    } else {
        text_report(&route)
    };
    let notes = definitions_file
        .not_modelled
        .iter()
        .map(|line| format!("not modelled: {line}"))
        .collect();
    Ok(Routed { stdout, notes })
}

/// `--header NAME=VALUE` (string values) merged with `--headers JSON`
/// (typed values).
fn headers(pairs: &[String], json: Option<&str>) -> anyhow::Result<FieldTable> {
    let mut table = match json {
        Some(text) => serde_json::from_str::<FieldTable>(text).with_context(|| {
            format!(
                "--headers {text:?}: expected a JSON object whose values are strings, numbers, \
                 booleans, nulls, arrays or objects"
            )
        })?,
        None => FieldTable::new(),
    };
    for pair in pairs {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--header {pair:?}: expected NAME=VALUE");
        };
        table.insert(name.to_string(), FieldValue::Str(value.to_string()));
    }
    Ok(table)
}

fn text_report(route: &Route) -> String {
    let mut out = String::new();
    if route.queues.is_empty() {
        out.push_str(
            "queues: none (unroutable: returned to a mandatory publisher, dropped otherwise)\n",
        );
    } else {
        let names: Vec<&str> = route.queues.iter().map(String::as_str).collect();
        let _ = writeln!(out, "queues: {}", names.join(", "));
    }
    for hop in &route.via {
        let exchange = if hop.exchange.is_empty() {
            "(default exchange)"
        } else {
            hop.exchange.as_str()
        };
        let how = match (&hop.routing_key, hop.alternate) {
            (_, true) => "alternate exchange".to_string(),
            (Some(key), false) => format!("binding {key:?}"),
            (None, false) => "queue name".to_string(),
        };
        let to = match &hop.to {
            Destination::Queue(q) => format!("queue {q}"),
            Destination::Exchange(x) => format!("exchange {x}"),
        };
        let _ = writeln!(out, "  {exchange} --{how}--> {to}");
    }
    out
}
