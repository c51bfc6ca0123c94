//! What `mqsim serve` and the page say to each other in live mode.
//!
//! A live run is a scenario that grows: real clients act, and each action
//! becomes a timeline entry at the moment it happened. The page does not
//! watch the server's engine; it runs its own, on the same entries. The
//! server sends the recording so far when the page connects, then every
//! entry as it is made, with the *edge*: the moment up to which the
//! server's engine has run. No entry made later can be at or before the
//! edge, so the page may run its engine up to there and be sure it is the
//! run the clients see. The engine being deterministic, the two runs are
//! the same, event for event.
//!
//! The page acts too (a broker killed, a consumer crashed): it asks, and
//! the server makes the entry at its own "now", like any client's, and
//! sends it to every page watching.
//!
//! Both sides speak JSON, one message per WebSocket text frame, each an
//! object with one field named for its kind (`{"grew": {…}}`). Not a
//! `"type"` field inside the message: serde reads those by buffering the
//! whole message first, which would put a second copy of the scenario
//! reader in the page (70 KB of WebAssembly, gzipped).

use crate::scenario::{ScenarioFile, TimelineEntry};
use serde::{Deserialize, Serialize};

/// The server's path for the page's WebSocket.
pub const PATH: &str = "/live";

/// The server to the page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum News {
    /// The run so far, sent once when the page connects.
    Start {
        recording: Box<ScenarioFile>,
        edge_ms: u64,
        /// Client connections open now (AMQP and Kafka).
        connections: u32,
    },
    /// Entries made since the last news, in the order made, and the edge.
    /// The recording's `duration_ms` grows with it, an hour at a time.
    Grew {
        entries: Vec<TimelineEntry>,
        edge_ms: u64,
        duration_ms: u64,
        connections: u32,
    },
    /// What the page asked cannot be done; nothing was made.
    Refused { why: String },
}

/// The page to the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ask {
    /// Make these entries now, in order. Their `at_ms` is the moment the
    /// page showed when asked; the entries are made at the server's now.
    Act { entries: Vec<TimelineEntry> },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Intervention;
    use crate::scenario::presets;

    #[test]
    fn news_and_asks_read_back_what_was_written() {
        let kill = TimelineEntry {
            at_ms: 1_200,
            action: Intervention::BrokerKill { broker: 1 },
        };
        let news = [
            News::Start {
                recording: Box::new(presets::default_scenario().file().clone()),
                edge_ms: 40,
                connections: 3,
            },
            News::Grew {
                entries: vec![kill.clone()],
                edge_ms: 1_199,
                duration_ms: 3_600_000,
                connections: 0,
            },
            News::Refused {
                why: "no broker 9".into(),
            },
        ];
        for said in news {
            let text = serde_json::to_string(&said).unwrap();
            assert_eq!(serde_json::from_str::<News>(&text).unwrap(), said, "{text}");
        }
        let ask = Ask::Act {
            entries: vec![kill],
        };
        let text = serde_json::to_string(&ask).unwrap();
        assert!(text.starts_with(r#"{"act":{"entries":[{"at_ms":1200,"do":"broker_kill""#));
        assert_eq!(serde_json::from_str::<Ask>(&text).unwrap(), ask);
    }
}
