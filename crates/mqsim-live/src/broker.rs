//! The broker every client of `mqsim serve` talks to: one live run on the
//! wall clock, with its recording written to a file as it grows. The
//! engine is single-threaded, so the server is too: every connection is a
//! task on one thread, and each borrows the broker for the moment an action
//! needs, never across a wait.

use crate::live::LiveRun;
use mqsim::Scenario;
use mqsim::scenario::Intervention;
use mqsim::trace::CountingSink;
use std::cell::{RefCell, RefMut};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;

/// The scenario a live run starts from when given none: nothing yet, the
/// clients bring it all.
pub fn blank() -> Scenario {
    let file = serde_json::json!({
        "version": 1,
        "name": "Live run",
        "description": "What clients did, live, with mqsim serve.",
        "seed": 1,
        "duration_ms": 3_600_000,
    });
    Scenario::from_json(&file.to_string()).expect("the blank scenario is valid")
}

/// The broker, shared by every connection's task.
#[derive(Clone)]
pub struct Shared(Rc<RefCell<Broker>>);

impl Shared {
    pub fn new(broker: Broker) -> Shared {
        Shared(Rc::new(RefCell::new(broker)))
    }

    /// The broker, for one action.
    pub fn borrow(&self) -> RefMut<'_, Broker> {
        self.0.borrow_mut()
    }
}

/// A live run on the wall clock.
pub struct Broker {
    run: LiveRun,
    started: Instant,
    /// Where the recording is written after each entry.
    record: Option<PathBuf>,
}

impl Broker {
    /// A live run of `start` from now, its recording written to `record`.
    pub fn new(start: Scenario, record: Option<PathBuf>) -> Broker {
        Broker {
            run: LiveRun::new(start),
            started: Instant::now(),
            record,
        }
    }

    /// Milliseconds since the run started.
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The engine catches up with the wall clock.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        self.run.advance(now, &mut CountingSink::default());
    }

    /// A client's action, now. Refused with the scenario's reason if the
    /// run cannot take it.
    pub fn apply(&mut self, action: Intervention) -> Result<(), String> {
        let now = self.now_ms();
        self.run.apply(now, action, &mut CountingSink::default())?;
        if let Some(path) = &self.record
            && let Err(e) = self.write_recording(path)
        {
            eprintln!(
                "mqsim serve: cannot write the recording to {}: {e}",
                path.display()
            );
        }
        Ok(())
    }

    /// The run so far, as the engine has it.
    pub fn run(&self) -> &LiveRun {
        &self.run
    }

    /// The recording, long enough to cover its last entry, written whole
    /// next to `path` and then moved over it, so that a reader never sees
    /// half a file.
    fn write_recording(&self, path: &PathBuf) -> std::io::Result<()> {
        let mut file = self.run.recording().clone();
        let last = file.timeline.last().map_or(0, |e| e.at_ms);
        file.duration_ms = file.duration_ms.max(last + 1_000);
        let text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, text + "\n")?;
        std::fs::rename(partial, path)
    }
}
