//! The timeline as the builder lists it: each intervention at its moment,
//! in a line a teacher can read (`2.000s rabbit_consumer_crash
//! consumer=worker`), so that one can be found, jumped to or deleted.

use mqsim::SimTime;
use mqsim::scenario::{ScenarioFile, TimelineEntry};
use serde_json::Value;

/// One entry, in words: its moment, its kind and its fields.
pub fn describe(entry: &TimelineEntry) -> String {
    let at = SimTime::from_millis(entry.at_ms);
    let json = serde_json::to_string(entry)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    let Some(Value::Object(fields)) = json else {
        return at.to_string();
    };
    let kind = fields.get("do").and_then(Value::as_str).unwrap_or_default();
    let mut said = format!("{at} {kind}");
    for (name, value) in fields
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "at_ms" | "do"))
    {
        let shown = match value {
            Value::String(text) => text.clone(),
            // A whole object (a queue declared, a consumer added): its name.
            Value::Object(object) => match object.get("name").and_then(Value::as_str) {
                Some(name) => name.to_string(),
                None => value.to_string(),
            },
            other => other.to_string(),
        };
        said.push_str(&format!(" {name}={shown}"));
    }
    said
}

/// `file` without its timeline entry `i`.
pub fn without(file: &ScenarioFile, i: usize) -> ScenarioFile {
    let mut file = file.clone();
    if i < file.timeline.len() {
        file.timeline.remove(i);
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_as_its_moment_kind_and_fields() {
        let entries: Vec<TimelineEntry> = serde_json::from_str(
            r#"[
              {"at_ms": 2000, "do": "rabbit_consumer_crash", "consumer": "worker"},
              {"at_ms": 12500, "do": "rabbit_queue_declare", "queue": {"name": "audit"}},
              {"at_ms": 0, "do": "broker_kill", "broker": 1}
            ]"#,
        )
        .unwrap();
        let said: Vec<String> = entries.iter().map(describe).collect();
        assert_eq!(
            said,
            [
                "2.000s rabbit_consumer_crash consumer=worker",
                "12.500s rabbit_queue_declare queue=audit",
                "0.000s broker_kill broker=1"
            ]
        );
    }
}
