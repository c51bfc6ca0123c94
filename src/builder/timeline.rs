//! The timeline as the builder lists it: each intervention at its moment,
//! in a line a teacher can read (`2.000s rabbit_consumer_crash
//! consumer=worker`), so that one can be found, jumped to or deleted.

use mqsim::SimTime;
use mqsim::scenario::{ScenarioFile, TimelineEntry};

/// One entry, in words: its moment, its kind and its fields.
pub fn describe(entry: &TimelineEntry) -> String {
    let mut said = SimTime::from_millis(entry.at_ms).to_string();
    for (name, value) in entry.said() {
        match name.as_str() {
            "do" => said.push_str(&format!(" {value}")),
            _ => said.push_str(&format!(" {name}={value}")),
        }
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
