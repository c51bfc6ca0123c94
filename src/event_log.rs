//! The event log: the newest events in words, filtered.
//!
//! Playback keeps a window of the newest events; the log says them with
//! the engine's [`Names`] and shows the newest that pass the filter: the
//! kinds the user ticked, routine chatter (heartbeats, polls, empty
//! answers) only when asked for, and a free-text search.

use mqsim::Event;
use mqsim::words::{About, Names, Sentence};

/// How many lines the log shows at most.
pub const LOG_LINES: usize = 60;

/// What the user chose to see.
#[derive(Clone, Debug, PartialEq)]
pub struct LogFilter {
    /// The kinds of event shown.
    pub shown: Vec<About>,
    pub routine: bool,
    /// Shown lines contain this, ignoring ASCII case.
    pub text: String,
}

impl Default for LogFilter {
    fn default() -> Self {
        LogFilter {
            shown: About::ALL.to_vec(),
            routine: false,
            text: String::new(),
        }
    }
}

impl LogFilter {
    pub fn toggle(&mut self, about: About) {
        match self.shown.iter().position(|a| *a == about) {
            Some(i) => {
                self.shown.remove(i);
            }
            None => self.shown.push(about),
        }
    }

    fn passes(&self, sentence: &Sentence, needle: &str) -> bool {
        (self.routine || !sentence.routine)
            && self.shown.contains(&sentence.about)
            && (needle.is_empty() || sentence.text.to_ascii_lowercase().contains(needle))
    }

    /// The newest events that pass, newest first, at most [`LOG_LINES`].
    pub fn select<'a>(
        &self,
        events: impl DoubleEndedIterator<Item = &'a Event>,
        names: &Names,
    ) -> Vec<Sentence> {
        let needle = self.text.trim().to_ascii_lowercase();
        events
            .rev()
            .map(|event| event.describe(names))
            .filter(|sentence| self.passes(sentence, &needle))
            .take(LOG_LINES)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::Playback;
    use mqsim::scenario::presets::Preset;

    fn at_20s(preset: &str) -> Playback {
        let mut p = Playback::new(Preset::find(preset).unwrap().scenario());
        p.advance_to(20_000.0);
        p
    }

    #[test]
    fn the_log_shows_the_newest_lines_first_without_routine_chatter() {
        let p = at_20s("leader-failover");
        let lines = LogFilter::default().select(p.log().iter(), p.names());
        assert_eq!(lines.len(), LOG_LINES);
        assert!(lines.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
        assert!(lines.iter().all(|l| !l.routine));
        let chatty = LogFilter {
            routine: true,
            ..LogFilter::default()
        };
        assert!(
            chatty
                .select(p.log().iter(), p.names())
                .iter()
                .any(|l| l.routine)
        );
    }

    #[test]
    fn the_log_filters_by_kind_and_text() {
        let p = at_20s("leader-failover");
        let mut cluster_only = LogFilter::default();
        for about in [
            About::Producing,
            About::Consuming,
            About::Groups,
            About::Rabbit,
        ] {
            cluster_only.toggle(about);
        }
        let lines = cluster_only.select(p.log().iter(), p.names());
        assert!(!lines.is_empty() && lines.iter().all(|l| l.about == About::Cluster));
        let search = LogFilter {
            text: "BROKER 1 DIED".into(),
            ..LogFilter::default()
        };
        let found = search.select(p.log().iter(), p.names());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].at.as_millis(), 10_000);
    }
}
