//! A live run: the engine on the wall clock, taking what clients do as it
//! happens, and keeping it as a recording.
//!
//! Everything a client does (declares a queue, publishes, acknowledges)
//! becomes a timeline entry at "now", the milliseconds since the run
//! started, or just after the last millisecond the engine ran if the clock
//! has not moved on. The entries are the recording: the starting scenario
//! with them in its timeline is a scenario file, or a share link, whose
//! replay is the live run, event for event. No broker behaviour lives here;
//! the engine does it all, as in the browser and the CLI.
//!
//! An entry that changes nothing the run numbered at its start (a publish,
//! a crash) joins the running engine ([`Simulation::inject`]). One that
//! brings something new (a queue, a consumer) cannot: the engine starts
//! over from the recording and runs to the entry's moment, which is the
//! same run up to there, and goes on with the new thing in it.
//!
//! Each entry is checked as validating the whole recording would check it,
//! against the entries that shape its check rather than every one
//! ([`Scenario::push_entry`]), so the ten-thousandth publish costs what the
//! first did.

use mqsim::scenario::{Intervention, ScenarioFile, TimelineEntry};
use mqsim::trace::CountingSink;
use mqsim::{Scenario, SimTime, Simulation, TraceSink};

/// How much longer a live run's recording gets when a client acts near
/// its end.
const HOUR_MS: u64 = 3_600_000;

/// How long a replay goes on after the last entry, at least: long enough
/// for what it did to arrive (a publish's message in its queue).
const AFTERMATH_MS: u64 = 1_000;

/// The engine of a live run and its recording.
pub struct LiveRun {
    /// The recording: the starting scenario with every entry made.
    scenario: Scenario,
    sim: Simulation,
    /// The moment of entries recorded that the engine has yet to run.
    unrun: Option<u64>,
    /// Entries made since [`take_made`](Self::take_made) last took them,
    /// in the order made, while someone follows the run.
    made: Option<Vec<TimelineEntry>>,
}

impl LiveRun {
    /// A live run of `start` from its beginning. Its own timeline stays:
    /// what the scenario scripts happens as it would in a replay.
    pub fn new(start: Scenario) -> LiveRun {
        LiveRun {
            sim: Simulation::new(&start),
            scenario: start,
            unrun: None,
            made: None,
        }
    }

    /// The recording so far: the starting scenario and every entry made.
    pub fn recording(&self) -> &ScenarioFile {
        self.scenario.file()
    }

    /// The engine, to read the brokers' state.
    pub fn simulation(&self) -> &Simulation {
        &self.sim
    }

    /// Runs the engine up to `now_ms`, reporting what happens to `sink`.
    pub fn advance(&mut self, now_ms: u64, sink: &mut dyn TraceSink) {
        self.sim.run_until(SimTime::from_millis(now_ms), sink);
        self.unrun = self.unrun.filter(|&at| at > now_ms);
    }

    /// The moment of entries recorded ([`record`](Self::record)) that
    /// the engine has yet to run, if any.
    pub fn unrun(&self) -> Option<u64> {
        self.unrun
    }

    /// As [`apply`](Self::apply), for an action whose client waits for no
    /// answer from the run (an acknowledgement): recorded at `now_ms`, or
    /// at the millisecond the engine has yet to run, and not run yet, so
    /// that what else comes in that millisecond shares it. One action after
    /// another, each in a millisecond of its own, the run could take at
    /// most a thousand a second. The next [`advance`](Self::advance) past
    /// it runs it, as does the next action applied.
    pub fn record(
        &mut self,
        now_ms: u64,
        action: Intervention,
        sink: &mut dyn TraceSink,
    ) -> Result<u64, String> {
        let (at, refused) = self.enter(now_ms, vec![action], sink)?;
        match refused {
            Some(why) => Err(why),
            None => {
                self.unrun = Some(at);
                Ok(at)
            }
        }
    }

    /// Makes `actions` entries at `now_ms`, or just after the last
    /// millisecond run if that is later, in order, without running that
    /// millisecond: its moment, and why an action was refused if one was
    /// (those before it are entered, the rest not). An error when the run
    /// cannot be made long enough, and nothing is entered.
    fn enter(
        &mut self,
        now_ms: u64,
        actions: Vec<Intervention>,
        sink: &mut dyn TraceSink,
    ) -> Result<(u64, Option<String>), String> {
        let at = now_ms.max(self.sim.now().as_millis() + 1);
        self.advance(at - 1, sink);
        self.lengthen_to(at)?;
        let mut restart = false;
        let mut refused = None;
        for action in actions {
            let adds = action.adds_to_run();
            let entry = TimelineEntry { at_ms: at, action };
            let followed = self.made.is_some().then(|| entry.clone());
            let index = match self.scenario.push_entry(entry) {
                Ok(index) => index,
                Err(e) => {
                    refused = Some(e.to_string());
                    break;
                }
            };
            if let (Some(made), Some(entry)) = (&mut self.made, followed) {
                made.push(entry);
            }
            // An entry that adds nothing joins the run; one that does, or
            // one the run cannot take in (none, as the entry is new and
            // due after now), starts it over.
            restart = restart || adds || self.sim.inject(&self.scenario, index).is_err();
        }
        if restart {
            self.restart(at);
        }
        Ok((at, refused))
    }

    /// A run lasts as long as its clients: an hour more at a time, once an
    /// entry at `at` needs it. The engine does not read the duration; a
    /// replay stops there.
    fn lengthen_to(&mut self, at: u64) -> Result<(), String> {
        let end = at + AFTERMATH_MS;
        if end > self.scenario.file().duration_ms {
            (self.scenario)
                .lengthen(end.div_ceil(HOUR_MS) * HOUR_MS)
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The same run up to just before `at`, started over from the
    /// recording: with the new things in its roster.
    fn restart(&mut self, at: u64) {
        let mut sim = Simulation::new(&self.scenario);
        sim.run_until(SimTime::from_millis(at - 1), &mut CountingSink::default());
        self.sim = sim;
    }

    /// Makes `action` happen at `now_ms`, or just after the last
    /// millisecond run if that is later, and records it. The engine runs
    /// through that millisecond, so that what the action did is there for
    /// the client's answer (a queue declared is a queue that exists); what
    /// happens on the way is reported to `sink`. Returns the entry's
    /// moment, or, for an action the scenario cannot take, why (and
    /// nothing changes).
    pub fn apply(
        &mut self,
        now_ms: u64,
        action: Intervention,
        sink: &mut dyn TraceSink,
    ) -> Result<u64, String> {
        self.apply_all(now_ms, vec![action], sink)
    }

    /// As [`apply`](Self::apply), for several actions at one moment, in
    /// order: the records of one Kafka produce request. They share a
    /// millisecond, as a batch reaches its broker at once; one after
    /// another they would each take a millisecond of their own. An action
    /// the scenario cannot take stops there: those before it are recorded
    /// and happen.
    pub fn apply_all(
        &mut self,
        now_ms: u64,
        actions: Vec<Intervention>,
        sink: &mut dyn TraceSink,
    ) -> Result<u64, String> {
        let (at, refused) = self.enter(now_ms, actions, sink)?;
        self.advance(at, sink);
        match refused {
            Some(why) => Err(why),
            None => Ok(at),
        }
    }

    /// The recording as a scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Keeps the entries made from now on for [`take_made`](Self::take_made):
    /// someone follows the run (the page).
    pub fn keep_made(&mut self) {
        self.made.get_or_insert_with(Vec::new);
    }

    /// The entries made since last asked, in the order made: pushed in that
    /// order onto the recording as it was then, they make it the recording
    /// as it is now.
    pub fn take_made(&mut self) -> Vec<TimelineEntry> {
        self.made.as_mut().map(std::mem::take).unwrap_or_default()
    }
}
