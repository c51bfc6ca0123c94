//! `--record FILE`: the live run's recording, kept in a file as it grows.
//!
//! The file is always a whole scenario: it is written next to its place and
//! moved over it, so a reader never sees half of one. Writing it costs what
//! the recording's length costs, so a long run is not written after every
//! entry: after a write that took more than a couple of milliseconds, the
//! next waits ten times as long as that one took. A recording of a few
//! hundred entries is written after each; one of many thousands, whose
//! write takes tens of milliseconds, a few times a second. The server
//! spends at most a tenth of its time writing, and the file is never more
//! than a moment behind.

use mqsim::scenario::ScenarioFile;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A write that takes this long or less may be followed by another at once.
const CHEAP: Duration = Duration::from_millis(2);

/// How many times as long as a write took must pass before the next, when
/// it was not cheap.
const SPACING: u32 = 10;

/// The longest the file is behind the run.
const MOST_BEHIND: Duration = Duration::from_secs(5);

/// The recording's file, and whether it is behind the run.
pub struct Recorder {
    path: PathBuf,
    /// The run has entries the file does not.
    behind: bool,
    /// When the next write may happen.
    next: Instant,
}

impl Recorder {
    pub fn new(path: PathBuf) -> Recorder {
        Recorder {
            path,
            behind: false,
            next: Instant::now(),
        }
    }

    /// The recording gained an entry: written now, or soon.
    pub fn changed(&mut self, recording: &ScenarioFile) {
        self.behind = true;
        self.catch_up(recording);
    }

    /// Writes the recording if the file is behind and a write is due.
    /// Called as the run keeps time, so a deferred write is never long in
    /// coming.
    pub fn catch_up(&mut self, recording: &ScenarioFile) {
        if self.behind && Instant::now() >= self.next {
            self.write(recording);
        }
    }

    /// Writes the recording if the file is behind, due or not: when the
    /// server stops.
    pub fn flush(&mut self, recording: &ScenarioFile) {
        if self.behind {
            self.write(recording);
        }
    }

    fn write(&mut self, recording: &ScenarioFile) {
        let started = Instant::now();
        if let Err(e) = self.write_file(recording) {
            eprintln!(
                "mqsim serve: cannot write the recording to {}: {e}",
                self.path.display()
            );
        }
        let took = started.elapsed();
        self.behind = false;
        self.next = Instant::now();
        if took > CHEAP {
            self.next += took.saturating_mul(SPACING).min(MOST_BEHIND);
        }
    }

    fn write_file(&self, recording: &ScenarioFile) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(recording).map_err(std::io::Error::other)?;
        let partial = self.path.with_extension("partial");
        std::fs::write(&partial, text + "\n")?;
        std::fs::rename(partial, &self.path)
    }
}
