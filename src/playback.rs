//! Playback: the engine running in the page, paced by the wall clock.
//!
//! Each animation frame reports how much real time passed. Playback turns it
//! into virtual time (times the speed), runs the engine up to there, and
//! folds the new events into the [`World`]. The engine only ever moves
//! forward in virtual time; the view interpolates between events.
//!
//! Going back is replay: every [`CHECKPOINT_MS`] of virtual time playback
//! keeps a copy of the engine and the worlds. Seeking to an earlier moment
//! restores the last copy before it and runs forward from there, which
//! gives exactly the same state, because the engine is deterministic. The
//! copies thin out with age ([`Checkpoints`]), so memory stays bounded and
//! a rewind anywhere in a long run is a short replay.
//!
//! A scenario with Kafka panes (`view.kafka_panes`) is several runs on one
//! clock, one *lane* per pane, each with its own engine and Kafka world:
//! every frame, every seek and every intervention moves them all. The
//! lane the user last clicked in is *focused*: [`Playback::world`], the
//! log and the inspector's paths are its. The RabbitMQ side and the
//! charts are the first lane's.
//!
//! Changing the run — killing a broker, crashing a consumer — is an
//! [`Intervention`] written into the scenario's timeline at the moment shown,
//! so a shared link replays it. The run is then replayed from the start with
//! the new timeline. An intervention made after a rewind replaces the
//! interventions the user made later than that moment: the old future is
//! gone. The scenario's own scripted timeline stays.

use crate::charts::{History, Sample};
use crate::checkpoints::{CHECKPOINT_MS, Checkpoints};
use crate::kafka::world::World;
use crate::rabbit::world::RabbitWorld;
use mqsim::ids::{MessageId, RecordId, TopicPartition};
use mqsim::rabbit::broker::HeldCopy;
use mqsim::scenario::{Intervention, TimelineEntry, ViewSpec};
use mqsim::words::Names;
use mqsim::{Event, EventKind, Scenario, SimTime, Simulation};
use std::collections::VecDeque;

/// Speeds offered to the user, as multiples of real time.
pub const SPEEDS: [f64; 11] = [0.01, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0, 25.0, 50.0, 100.0];

/// How many of the newest events the event log keeps.
pub const LOG_EVENTS: usize = 5_000;

/// The most virtual time one frame may advance, so that a tab that was in the
/// background for a minute does not replay that minute in one frame.
const MAX_FRAME_MS: f64 = 250.0;

/// How far behind the live run's edge the page shows it: news comes every
/// 40 ms, so the picture moves on smoothly between two.
pub const LIVE_LAG_MS: f64 = 120.0;

/// A live run being followed: how far the server's engine has run.
#[derive(Clone, Copy, Debug)]
struct Live {
    /// The edge: no entry can come at or before it.
    edge_ms: f64,
    /// Real time since the edge was heard of: the server's run has gone on
    /// about as far, and its news is on the way.
    since_ms: f64,
    /// Whether the picture keeps up with the run, [`LIVE_LAG_MS`] behind;
    /// after a rewind it replays the recording until it catches up.
    following: bool,
}

/// Everything a run has reached at one moment; restoring it and running
/// on gives the same run.
#[derive(Clone)]
struct State {
    /// One per run: the scenario's, or each Kafka pane's.
    lanes: Vec<Lane>,
    rabbit: RabbitWorld,
    history: History,
}

/// One run: its engine and its Kafka world.
#[derive(Clone)]
struct Lane {
    sim: Simulation,
    world: World,
}

impl State {
    fn new(runs: &[Scenario]) -> State {
        State {
            lanes: runs
                .iter()
                .map(|run| Lane {
                    sim: Simulation::new(run),
                    world: World::new(run),
                })
                .collect(),
            rabbit: RabbitWorld::new(&runs[0]),
            history: History::default(),
        }
    }

    /// Runs every lane to `until` and folds what happened, stopping on
    /// each sample time on the way to take the charts' sample exactly
    /// there; each lane's events are left in `events`.
    fn run_until(&mut self, until: SimTime, events: &mut [Vec<Event>]) {
        events.iter_mut().for_each(Vec::clear);
        loop {
            let due = self.history.next_due();
            let stop = SimTime::from_millis(due.min(until.as_millis()));
            for (i, (lane, events)) in self.lanes.iter_mut().zip(events.iter_mut()).enumerate() {
                let from = events.len();
                lane.sim.run_until(stop, events);
                for event in &events[from..] {
                    lane.world.apply(event);
                    if i == 0 {
                        self.rabbit.apply(event);
                    }
                }
                lane.world.land_until(stop);
            }
            self.rabbit.land_until(stop);
            if stop.as_millis() == due {
                self.history
                    .push(Sample::take(due, &self.lanes[0].world, &self.rabbit));
            }
            if stop >= until {
                break;
            }
        }
    }
}

/// The scenario's runs, one per lane.
fn runs(scenario: &Scenario) -> Vec<Scenario> {
    scenario.runs().into_iter().map(|(_, run)| run).collect()
}

/// A Kafka record or a RabbitMQ message to follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Record(RecordId),
    Message(MessageId),
}

/// Everything that happened to one subject: its path.
struct Watch {
    subject: Subject,
    /// Records it became: a Kafka record sent to a dead-letter topic is
    /// a new record there, and the path follows it.
    records: Vec<RecordId>,
    /// Where those records are stored: a share group's events name a
    /// record by its partition and offset.
    places: Vec<(TopicPartition, u64)>,
    events: Vec<Event>,
}

impl Watch {
    fn new(subject: Subject) -> Watch {
        let mut watch = Watch {
            subject,
            records: Vec::new(),
            places: Vec::new(),
            events: Vec::new(),
        };
        watch.forget_after(None);
        watch
    }

    fn see(&mut self, event: &Event) {
        let about = match self.subject {
            Subject::Record(_) => {
                event.record().is_some_and(|r| self.records.contains(&r))
                    || self.is_share_event_about(event)
            }
            Subject::Message(id) => event.message() == Some(id),
        };
        if about {
            if let EventKind::RecordAppended { tp, offset, .. } = event.kind {
                self.places.push((tp, offset));
            }
            if let EventKind::RecordDeadLettered {
                dead_letter_record, ..
            } = event.kind
            {
                self.records.push(dead_letter_record);
            }
            self.events.push(event.clone());
        }
    }

    /// A share group's event about a followed record: acquired,
    /// acknowledged, released or timed out, named by partition and offset.
    fn is_share_event_about(&self, event: &Event) -> bool {
        let at = |tp: &TopicPartition, offset: u64| self.places.contains(&(*tp, offset));
        match &event.kind {
            EventKind::ShareRecordsAcquired { tp, records, .. } => {
                records.iter().any(|r| at(tp, r.offset))
            }
            EventKind::ShareRecordsAcknowledged { tp, offsets, .. }
            | EventKind::ShareLocksExpired { tp, offsets, .. }
            | EventKind::ShareSessionClosed { tp, offsets, .. } => {
                offsets.iter().any(|&o| at(tp, o))
            }
            _ => false,
        }
    }

    /// Forgets what happened after `at` (everything, for none): the run
    /// goes back there and replays.
    fn forget_after(&mut self, at: Option<SimTime>) {
        self.events.retain(|e| at.is_some_and(|at| e.at <= at));
        self.places.clear();
        let seen = std::mem::take(&mut self.events);
        self.records = match self.subject {
            Subject::Record(id) => vec![id],
            Subject::Message(_) => Vec::new(),
        };
        for event in &seen {
            self.see(event);
        }
    }
}

/// A scenario being played.
pub struct Playback {
    scenario: Scenario,
    /// The runs it is: the scenario, or one per Kafka pane.
    runs: Vec<Scenario>,
    /// The lane shown by [`Playback::world`], the log and the inspector.
    focus: usize,
    /// The timeline the scenario was opened with.
    scripted: Vec<TimelineEntry>,
    /// Interventions the user made since, in the order made.
    added: Vec<TimelineEntry>,
    state: State,
    /// Copies of the state at multiples of [`CHECKPOINT_MS`].
    checkpoints: Checkpoints<State>,
    /// Per lane, the newest events, oldest first: the event log's window.
    logs: Vec<VecDeque<Event>>,
    /// The message being inspected, and every event about it so far.
    watch: Option<Watch>,
    /// Reused for each lane's events.
    events: Vec<Vec<Event>>,
    names: Names,
    /// Virtual time shown, in fractional milliseconds for smooth motion.
    clock_ms: f64,
    playing: bool,
    speed: f64,
    /// How many times the scenario was changed (by an intervention or a
    /// setup edit) since it opened: a cheap way to tell that it changed.
    edits: u32,
    /// How many times the clock has jumped (a seek, a restart, a replay,
    /// back to live) rather than moved on with the frames.
    jumps: u32,
    /// The live run this is, while the page follows one.
    live: Option<Live>,
}

impl Playback {
    /// Starts `scenario` where its view says: at its moment (the engine
    /// runs there at once), speed and paused or playing.
    pub fn new(scenario: Scenario) -> Playback {
        let view = scenario.file().view.clone();
        let runs = runs(&scenario);
        let mut playback = Playback {
            state: State::new(&runs),
            logs: vec![VecDeque::new(); runs.len()],
            events: vec![Vec::new(); runs.len()],
            runs,
            focus: 0,
            scripted: scenario.file().timeline.clone(),
            added: Vec::new(),
            watch: None,
            names: Names::new(&scenario),
            checkpoints: Checkpoints::default(),
            scenario,
            clock_ms: 0.0,
            playing: !view.paused,
            speed: view.speed,
            edits: 0,
            jumps: 0,
            live: None,
        };
        playback.advance_to(view.at_ms as f64);
        playback
    }

    /// Follows the live run whose recording so far is `recording`, its
    /// server's engine at `edge_ms`: the picture plays on as the run does.
    pub fn live(recording: Scenario, edge_ms: u64) -> Playback {
        let mut playback = Playback::new(recording);
        playback.live = Some(Live {
            edge_ms: edge_ms as f64,
            since_ms: 0.0,
            following: true,
        });
        playback.speed = 1.0;
        playback.playing = true;
        playback.advance_to(edge_ms as f64 - LIVE_LAG_MS);
        playback
    }

    /// Whether this is a live run, and whether the picture keeps up with it.
    pub fn is_live(&self) -> Option<bool> {
        self.live.map(|live| live.following)
    }

    /// The live run grew: `entries` were made, in order, and the server's
    /// engine is at `edge_ms`. Each entry joins the run where the engine
    /// can take it in; one that brings something new (a queue, a producer)
    /// starts the run over with it, up to the moment shown. The server
    /// checked them; one the page's copy refuses is a bug, and stops there.
    pub fn grow(
        &mut self,
        entries: Vec<TimelineEntry>,
        edge_ms: u64,
        duration_ms: u64,
    ) -> Result<(), String> {
        let Some(live) = &mut self.live else {
            return Err("this is not a live run".into());
        };
        live.edge_ms = live.edge_ms.max(edge_ms as f64);
        live.since_ms = 0.0;
        let mut restart = false;
        for entry in entries {
            let adds = entry.action.adds_to_run();
            let index = (self.scenario.push_entry(entry.clone())).map_err(|e| e.to_string())?;
            for run in &mut self.runs {
                run.push_entry(entry.clone()).map_err(|e| e.to_string())?;
            }
            self.scripted.push(entry);
            restart = restart || adds || !self.inject(index);
        }
        for run in std::iter::once(&mut self.scenario).chain(&mut self.runs) {
            run.lengthen(duration_ms).map_err(|e| e.to_string())?;
        }
        if restart {
            self.names = Names::new(&self.scenario);
            self.replay_to(self.clock_ms);
        }
        Ok(())
    }

    /// Has the timeline's entry `index` join every lane's run, and every
    /// checkpoint's: false if one cannot take it in.
    fn inject(&mut self, index: usize) -> bool {
        let states = std::iter::once(&mut self.state).chain(self.checkpoints.iter_mut());
        let mut taken = true;
        for state in states {
            for (lane, run) in state.lanes.iter_mut().zip(&self.runs) {
                taken &= lane.sim.inject(run, index).is_ok();
            }
        }
        taken
    }

    /// The live run is no longer followed (its server stopped): what it
    /// recorded plays as any scenario does, up to a second after where the
    /// run had got.
    pub fn end_live(&mut self) {
        if let Some(live) = self.live.take() {
            let mut file = self.scenario.file().clone();
            file.duration_ms = live.edge_ms as u64 + 1_000;
            if let Ok(scenario) = file.validate() {
                self.scenario = scenario;
            }
            self.playing = self.playing && !self.finished();
        }
    }

    /// Back to following the live run, from wherever the picture is.
    pub fn go_live(&mut self) {
        if let Some(live) = &mut self.live {
            live.following = true;
            self.playing = true;
            self.speed = 1.0;
            self.jumps += 1;
        }
    }

    /// The scenario with the view as it is now: what a share link carries,
    /// so that it opens at this moment.
    pub fn shared(&self) -> Scenario {
        let mut file = self.scenario.file().clone();
        file.view.at_ms = self.clock_ms.floor() as u64;
        file.view.speed = self.speed;
        file.view.paused = !self.playing;
        file.validate().unwrap_or_else(|_| self.scenario.clone())
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// How many times the scenario has changed since it opened.
    pub fn edits(&self) -> u32 {
        self.edits
    }

    /// How many times the clock has jumped since the scenario opened: the
    /// page draws everything at once after a jump (see `pacing`).
    pub fn jumps(&self) -> u32 {
        self.jumps
    }

    /// The focused lane's Kafka world.
    pub fn world(&self) -> &World {
        &self.state.lanes[self.focus].world
    }

    /// Each lane's Kafka world, with its pane's title (empty without
    /// Kafka panes).
    pub fn lanes(&self) -> impl Iterator<Item = (&str, &World)> {
        let titles = self.scenario.file().view.kafka_panes.iter();
        let titles = titles
            .map(|p| p.title.as_str())
            .chain(std::iter::repeat(""));
        titles.zip(self.state.lanes.iter().map(|l| &l.world))
    }

    /// Lane `i`'s scenario: the scenario, or its Kafka pane's run.
    pub fn lane_scenario(&self, i: usize) -> Option<&Scenario> {
        self.runs.get(i)
    }

    /// The focused lane.
    pub fn focus(&self) -> usize {
        self.focus
    }

    /// Shows lane `lane` in the inspector and the log; what was followed
    /// in the other lane is let go.
    pub fn set_focus(&mut self, lane: usize) {
        if lane < self.state.lanes.len() && lane != self.focus {
            self.focus = lane;
            self.watch = None;
        }
    }

    /// The RabbitMQ side, as the view knows it.
    pub fn rabbit(&self) -> &RabbitWorld {
        &self.state.rabbit
    }

    /// The virtual time shown, in milliseconds.
    pub fn clock_ms(&self) -> f64 {
        self.clock_ms
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The scenario's length, in milliseconds: a live run's, so far.
    pub fn duration_ms(&self) -> f64 {
        match self.live {
            Some(live) => live.edge_ms,
            None => self.scenario.file().duration_ms as f64,
        }
    }

    /// Plays or pauses; a finished run starts again. A paused live run
    /// stops following: played again, it replays the recording from there.
    pub fn toggle_playing(&mut self) {
        if self.finished() {
            self.restart();
        } else {
            self.playing = !self.playing;
            if let Some(live) = &mut self.live {
                live.following &= self.playing;
            }
        }
    }

    pub fn set_speed(&mut self, speed: f64) {
        if speed.is_finite() && speed > 0.0 {
            self.speed = speed;
        }
    }

    /// Starts the same scenario again from time zero, the user's
    /// interventions included.
    pub fn restart(&mut self) {
        self.replay_to(0.0);
        self.playing = true;
    }

    /// Makes `action` happen now: it joins the timeline at the moment shown
    /// (after what is already there for that moment), and the run is
    /// replayed up to here with it. The user's own interventions later than
    /// now are dropped. A change the scenario cannot take (a member that is
    /// not there yet, say) is refused with the reason, and nothing changes.
    pub fn intervene(&mut self, action: Intervention) -> Result<(), String> {
        self.intervene_all(vec![action])
    }

    /// Makes several things happen now, in order, as one edit: declaring a
    /// queue, binding it and starting its consumer, say.
    pub fn intervene_all(&mut self, actions: Vec<Intervention>) -> Result<(), String> {
        let now = self.clock_ms.floor() as u64;
        let mut added: Vec<TimelineEntry> = self
            .added
            .iter()
            .filter(|entry| entry.at_ms <= now)
            .cloned()
            .collect();
        added.extend(
            actions
                .into_iter()
                .map(|action| TimelineEntry { at_ms: now, action }),
        );
        let mut file = self.scenario.file().clone();
        file.timeline = self.scripted.clone();
        file.timeline.extend(added.iter().cloned());
        // Stable: at one moment, the scripted entries and then the user's,
        // in the order made.
        mqsim::sort::sort_by_key(&mut file.timeline, |entry| entry.at_ms);
        // The moment and pace are playback's now; the panes stay.
        file.view = ViewSpec {
            panes: std::mem::take(&mut file.view.panes),
            kafka_panes: std::mem::take(&mut file.view.kafka_panes),
            ..ViewSpec::default()
        };
        let scenario = file.validate().map_err(|e| e.to_string())?;
        self.names = Names::new(&scenario);
        self.set_scenario(scenario);
        self.added = added;
        self.edits += 1;
        self.replay_to(self.clock_ms);
        Ok(())
    }

    /// Puts `scenario` in place of the one playing, as a change to its setup:
    /// the run is replayed from time zero to the moment shown, at the same
    /// speed. Its timeline becomes the scripted one, so interventions made
    /// before stay in it. A live run stops being followed: its setup is
    /// the user's now, a scenario of their own.
    pub fn change_setup(&mut self, scenario: Scenario) {
        self.live = None;
        self.scripted = scenario.file().timeline.clone();
        self.added.clear();
        self.names = Names::new(&scenario);
        self.set_scenario(scenario);
        self.edits += 1;
        let at = self.clock_ms.min(self.duration_ms());
        self.replay_to(at);
    }

    /// Gives the scenario this narration. The engine never reads a
    /// narration, so the run stays as it is.
    pub fn set_narration(&mut self, narration: Option<mqsim::scenario::narration::Narration>) {
        let mut file = self.scenario.file().clone();
        file.narration = narration;
        if let Ok(scenario) = file.validate() {
            self.scenario = scenario;
            self.edits += 1;
        }
    }

    /// Puts `scenario` in place, with its runs: one lane each, a log each,
    /// and the focus on the first if there are fewer lanes now.
    fn set_scenario(&mut self, scenario: Scenario) {
        self.runs = runs(&scenario);
        self.logs.resize_with(self.runs.len(), VecDeque::new);
        self.events.resize_with(self.runs.len(), Vec::new);
        if self.focus >= self.runs.len() {
            self.focus = 0;
            self.watch = None;
        }
        self.scenario = scenario;
    }

    /// The interventions the user made, oldest moment first.
    pub fn interventions(&self) -> &[TimelineEntry] {
        &self.added
    }

    /// Runs the scenario again from time zero up to `clock_ms`, making
    /// fresh checkpoints on the way.
    fn replay_to(&mut self, clock_ms: f64) {
        self.jumps += 1;
        self.start_over();
        self.checkpoints.clear();
        self.advance_to(clock_ms);
    }

    /// Whether the run has played to its end: a live run never has.
    pub fn finished(&self) -> bool {
        self.live.is_none() && self.clock_ms >= self.duration_ms()
    }

    /// Advances by `wall_ms` of real time. Returns whether anything visible
    /// changed (false while paused).
    pub fn tick(&mut self, wall_ms: f64) -> bool {
        if !wall_ms.is_finite() || wall_ms <= 0.0 {
            return false;
        }
        if let Some(live) = &mut self.live {
            live.since_ms += wall_ms;
        }
        if !self.playing {
            return false;
        }
        if let Some(live) = &mut self.live {
            let keep_up = live.edge_ms + live.since_ms - LIVE_LAG_MS;
            if live.following {
                self.advance_to(keep_up);
                return true;
            }
            // Replaying the recording: caught up, it follows again.
            live.following = self.clock_ms >= keep_up.min(live.edge_ms);
        }
        let step = (wall_ms * self.speed).min(MAX_FRAME_MS * self.speed);
        self.advance_to(self.clock_ms + step);
        if self.finished() {
            self.playing = false;
        }
        true
    }

    /// Back to time zero, before anything happened.
    fn start_over(&mut self) {
        self.state = State::new(&self.runs);
        self.clock_ms = 0.0;
        self.logs.iter_mut().for_each(VecDeque::clear);
        if let Some(watch) = &mut self.watch {
            watch.forget_after(None);
        }
    }

    /// Runs the engine to `until`; the events go to their lane's log, and
    /// the focused lane's to the watch.
    fn run(&mut self, until: SimTime) {
        let mut events = std::mem::take(&mut self.events);
        self.state.run_until(until, &mut events);
        if let Some(watch) = &mut self.watch {
            for event in &events[self.focus] {
                watch.see(event);
            }
        }
        for (log, events) in self.logs.iter_mut().zip(events.iter_mut()) {
            log.extend(events.drain(..));
            if log.len() > LOG_EVENTS {
                log.drain(..log.len() - LOG_EVENTS);
            }
        }
        self.events = events;
    }

    /// Follows `subject` (or nothing): its path so far is found by running
    /// the scenario again from the start, then each new event about it is
    /// added as the run goes on.
    pub fn watch(&mut self, subject: Option<Subject>) {
        if self.watch.as_ref().map(|w| w.subject) == subject {
            return;
        }
        self.watch = subject.map(|subject| {
            let mut watch = Watch::new(subject);
            let mut sim = Simulation::new(&self.runs[self.focus]);
            let mut events = Vec::new();
            let now = self.clock_ms.floor() as u64;
            // In slices, so a long run's whole trace is never held at once.
            for until in (CHECKPOINT_MS..now)
                .step_by(CHECKPOINT_MS as usize)
                .chain([now])
            {
                events.clear();
                sim.run_until(SimTime::from_millis(until), &mut events);
                for event in &events {
                    watch.see(event);
                }
            }
            watch
        });
    }

    /// The subject being followed and every event about it so far.
    pub fn watched(&self) -> Option<(Subject, &[Event])> {
        self.watch
            .as_ref()
            .map(|w| (w.subject, w.events.as_slice()))
    }

    /// Messages on the wire now: records, requests, replica fetches and
    /// deliveries, each drawn as a token.
    pub fn in_flight(&self) -> usize {
        let state = &self.state;
        let kafka = state
            .lanes
            .iter()
            .map(|l| l.world.flights.len() + l.world.cluster.flights.len());
        kafka.sum::<usize>() + state.rabbit.flights.len()
    }

    /// The charts' samples so far.
    pub fn history(&self) -> &History {
        &self.state.history
    }

    /// The newest events, oldest first.
    pub fn log(&self) -> &VecDeque<Event> {
        &self.logs[self.focus]
    }

    /// The scenario's names for the engine's ids.
    pub fn names(&self) -> &Names {
        &self.names
    }

    /// The copies of a RabbitMQ message the broker holds now.
    pub fn held_copies(&self, id: MessageId) -> Vec<HeldCopy<'_>> {
        self.state.lanes[0].sim.rabbit().held_copies(id)
    }

    /// Moves virtual time forward to `clock_ms` (never past the end),
    /// keeping a checkpoint at each multiple of [`CHECKPOINT_MS`] passed.
    pub fn advance_to(&mut self, clock_ms: f64) {
        let target = clock_ms.clamp(self.clock_ms, self.duration_ms());
        let from = self.clock_ms.floor() as u64;
        let to = target.floor() as u64;
        let mut next = (from / CHECKPOINT_MS + 1) * CHECKPOINT_MS;
        while next <= to {
            self.run(SimTime::from_millis(next));
            self.checkpoints.keep(next, self.state.clone());
            next += CHECKPOINT_MS;
        }
        self.run(SimTime::from_millis(to));
        self.clock_ms = target;
    }

    /// Moves to `clock_ms`, earlier or later. Going back restores the
    /// newest checkpoint at or before it (or starts again from zero) and
    /// replays forward; the checkpoints after it are dropped, since the
    /// replay makes them again.
    pub fn seek(&mut self, clock_ms: f64) {
        self.jumps += 1;
        let target = clock_ms.clamp(0.0, self.duration_ms());
        if let Some(live) = &mut self.live {
            live.following &= target >= self.clock_ms;
        }
        if target < self.clock_ms {
            let at = target.floor() as u64;
            match self.checkpoints.rewind_to(at) {
                Some((t, state)) => {
                    let at = SimTime::from_millis(*t);
                    self.state = state.clone();
                    self.clock_ms = *t as f64;
                    for log in &mut self.logs {
                        log.retain(|e| e.at <= at);
                    }
                    if let Some(watch) = &mut self.watch {
                        watch.forget_after(Some(at));
                    }
                }
                None => self.start_over(),
            }
        }
        self.advance_to(target);
    }

    /// Pauses and goes back to the last moment something happened before
    /// now (as far back as the log reaches, else the start).
    pub fn step_back(&mut self) {
        self.playing = false;
        let now = self.clock_ms;
        let mut before = self.log().iter().rev().map(|e| e.at.as_millis() as f64);
        let target = before.find(|&at| at < now).unwrap_or(0.0);
        self.seek(target);
    }

    /// Pauses and moves to the next moment anything happens.
    pub fn step(&mut self) {
        self.playing = false;
        let next = self
            .state
            .lanes
            .iter()
            .filter_map(|l| l.sim.next_due())
            .min()
            .map_or(self.duration_ms(), |t| t.as_millis() as f64);
        self.advance_to(next.max(self.clock_ms.floor() + 1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoints::{LANDMARKS, RECENT};
    use crate::kafka::world::ConsumerStatus;
    use mqsim::ids::BrokerId;
    use mqsim::scenario::presets::{self, Preset};

    #[test]
    fn a_step_back_returns_to_the_moment_of_the_step_before() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(3_000.0);
        p.step();
        let first = p.clock_ms();
        p.step();
        assert!(p.clock_ms() > first);
        p.step_back();
        assert_eq!(p.clock_ms(), first);
        assert!(!p.playing());
    }

    #[test]
    fn frames_advance_virtual_time_by_speed() {
        let mut p = Playback::new(presets::default_scenario());
        p.set_speed(2.0);
        assert!(p.tick(100.0));
        assert_eq!(p.clock_ms(), 200.0);
    }

    /// A shared link opens where it was taken: the view's moment, speed
    /// and pause; sharing again carries the moment on.
    #[test]
    fn the_view_sets_where_a_scenario_opens() {
        let mut file = presets::default_scenario().file().clone();
        file.view = ViewSpec {
            at_ms: 5_000,
            speed: 4.0,
            paused: true,
            ..ViewSpec::default()
        };
        let p = Playback::new(file.validate().expect("valid"));
        assert_eq!(
            (p.clock_ms(), p.speed(), p.playing()),
            (5_000.0, 4.0, false)
        );
        assert!(
            p.world().topics[0]
                .partitions
                .iter()
                .any(|log| log.log_end > 0)
        );
        let mut again = Playback::new(p.shared());
        assert_eq!(again.clock_ms(), 5_000.0);
        again.restart();
        assert_eq!(again.clock_ms(), 0.0, "restart starts from zero");
    }

    /// A live run's recording so far: no brokers of its own, a Kafka
    /// cluster to be had, as `mqsim serve` starts.
    fn live_start() -> Scenario {
        let file = r#"{"version":1,"name":"Live run","seed":1,"duration_ms":3600000,
            "network":{"latency_ms":20},"kafka":{"cluster":{"brokers":3}}}"#;
        Scenario::from_json(file).expect("valid")
    }

    /// What an AMQP client does: a queue, a publisher, messages.
    fn client_entries(at_ms: u64, messages: usize) -> Vec<TimelineEntry> {
        let mut json = vec![
            r#"{"at_ms":0,"do":"rabbit_queue_declare","queue":{"name":"eu"}}"#.to_string(),
            r#"{"at_ms":0,"do":"rabbit_publisher_add","publisher":{"name":"amqp-1","exchange":"","rate_per_sec":0.0}}"#.to_string(),
        ];
        json.extend((0..messages).map(|n| {
            format!(r#"{{"at_ms":0,"do":"rabbit_publish","publisher":"amqp-1","exchange":"","routing_key":"eu","body":"order {n}"}}"#)
        }));
        json.iter()
            .enumerate()
            .map(|(i, text)| TimelineEntry {
                at_ms: at_ms + i as u64,
                ..serde_json::from_str(text).expect("an entry")
            })
            .collect()
    }

    fn ready(p: &Playback, queue: &str) -> Option<usize> {
        let queues = &p.rabbit().queues;
        queues
            .iter()
            .find(|q| q.name == queue)
            .map(|q| q.ready.len())
    }

    /// The page runs the live run's entries on its own engine as they
    /// come: the same run as the recording's replay, moment for moment,
    /// whether an entry joined the running engine (a publish) or started
    /// it over (a queue declared).
    #[test]
    fn a_live_run_grown_entry_by_entry_is_the_recordings_replay() {
        let mut live = Playback::live(live_start(), 900);
        assert_eq!(live.is_live(), Some(true));
        assert_eq!(live.clock_ms(), 900.0 - LIVE_LAG_MS);
        let entries = client_entries(1_000, 30);
        // In three pieces of news, each with the edge the server had.
        live.grow(entries[..2].to_vec(), 1_001, 3_600_000).unwrap();
        live.tick(500.0);
        live.grow(entries[2..20].to_vec(), 1_500, 3_600_000)
            .unwrap();
        live.tick(500.0);
        live.grow(entries[20..].to_vec(), 2_000, 3_600_000).unwrap();
        live.tick(1_000.0);
        // Never past the edge, however much time passes without news.
        assert_eq!(live.clock_ms(), 2_000.0);
        assert_eq!(ready(&live, "eu"), Some(30));

        let mut file = live_start().file().clone();
        file.timeline = entries;
        let mut replay = Playback::new(file.validate().unwrap());
        for at in [1_001.0, 1_010.0, 1_025.0, 1_040.0, 2_000.0] {
            replay.seek(at);
            let mut again = Playback::new(live.scenario().clone());
            again.seek(at);
            assert_eq!(ready(&again, "eu"), ready(&replay, "eu"), "at {at} ms");
        }
        assert_eq!(
            live.scenario().file().timeline,
            replay.scenario().file().timeline
        );
    }

    /// Rewound, a live run replays its recording; at the edge again it
    /// follows; paused, it stops following, and "Back to live" returns.
    #[test]
    fn a_rewound_live_run_replays_until_it_catches_up() {
        let mut live = Playback::live(live_start(), 900);
        live.grow(client_entries(1_000, 5), 3_000, 3_600_000)
            .unwrap();
        live.tick(100.0);
        assert_eq!(ready(&live, "eu"), Some(5));
        live.seek(999.0);
        assert_eq!(live.is_live(), Some(false));
        assert_eq!(
            ready(&live, "eu").unwrap_or(0),
            0,
            "nothing published before 1 s"
        );
        assert!(!live.finished(), "a live run has no end");
        live.set_speed(10.0);
        for _ in 0..10 {
            live.tick(50.0);
        }
        assert_eq!(live.is_live(), Some(true), "caught up with the edge");
        live.toggle_playing();
        assert_eq!(live.is_live(), Some(false), "paused, it no longer follows");
        live.go_live();
        assert_eq!((live.is_live(), live.playing()), (Some(true), true));
        // The server stops: what was recorded plays as a scenario.
        live.end_live();
        assert_eq!(live.is_live(), None);
        assert_eq!(live.duration_ms(), 4_000.0);
        assert!(live.grow(Vec::new(), 5_000, 3_600_000).is_err());
    }

    #[test]
    fn a_paused_playback_does_not_move() {
        let mut p = Playback::new(presets::default_scenario());
        p.toggle_playing();
        assert!(!p.tick(100.0));
        assert_eq!(p.clock_ms(), 0.0);
    }

    #[test]
    fn a_long_gap_between_frames_is_capped() {
        let mut p = Playback::new(presets::default_scenario());
        p.tick(60_000.0);
        assert_eq!(p.clock_ms(), MAX_FRAME_MS);
    }

    /// The world the view folds from the trace agrees with the engine's own
    /// summary: log ends and committed offsets are the same.
    #[test]
    fn the_folded_world_agrees_with_the_engine() {
        let mut p = Playback::new(presets::default_scenario());
        for _ in 0..200 {
            p.tick(100.0);
        }
        let summary = p.state.lanes[0].sim.kafka_summary();
        for (t, topic) in summary.topics.iter().enumerate() {
            for part in &topic.partitions {
                let view = &p.world().topics[t].partitions[part.partition as usize];
                assert_eq!(view.log_end, part.log_end_offset);
            }
        }
        let group = &summary.groups[0];
        for part in &group.partitions {
            let tp = mqsim::ids::TopicPartition {
                topic: mqsim::ids::TopicId(0),
                partition: part.partition,
            };
            assert_eq!(
                p.world().groups[0].committed.get(&tp).copied(),
                part.committed_offset
            );
        }
        assert!(
            group
                .partitions
                .iter()
                .all(|p| p.committed_offset.is_some())
        );
    }

    /// Frames move the clock on; a seek, a step back or a restart jumps
    /// it, and the page draws everything at once after a jump.
    #[test]
    fn jumps_are_counted_and_frames_are_not() {
        let mut p = Playback::new(presets::default_scenario());
        p.tick(16.0);
        p.tick(16.0);
        assert_eq!(p.jumps(), 0);
        p.seek(5_000.0);
        p.step_back();
        p.restart();
        assert!(p.jumps() >= 3, "{} jumps", p.jumps());
    }

    /// Rewinding replays from a checkpoint: the state at a moment is the
    /// same whether it was reached going forward or by seeking back.
    #[test]
    fn rewinding_gives_the_state_going_forward_gave() {
        for preset in mqsim::scenario::presets::PRESETS {
            let mut forward = Playback::new(preset.scenario());
            forward.advance_to(23_456.0);
            let mut rewound = Playback::new(preset.scenario());
            rewound.advance_to(57_000.0);
            rewound.seek(23_456.0);
            assert_eq!(rewound.clock_ms(), 23_456.0);
            let lanes = |p: &Playback| p.lanes().map(|(_, w)| w.clone()).collect::<Vec<_>>();
            assert!(
                lanes(&rewound) == lanes(&forward) && rewound.rabbit() == forward.rabbit(),
                "{}",
                preset.id
            );
            // Further back than the checkpoints reach: replay from zero.
            rewound.seek(1_234.0);
            forward = Playback::new(preset.scenario());
            forward.advance_to(1_234.0);
            assert!(rewound.world() == forward.world(), "{}", preset.id);
        }
    }

    /// Far back in a long run, a rewind replays from a landmark, not from
    /// the start, and lands on the state going forward gave.
    #[test]
    fn a_rewind_far_back_replays_from_a_landmark() {
        let scenario = crate::bench::Bench::Hour.scenario();
        let mut p = Playback::new(scenario.clone());
        p.advance_to(900_000.0);
        let kept: Vec<u64> = p.checkpoints.moments().collect();
        assert!(kept.len() <= RECENT + LANDMARKS);
        let from = kept.iter().rev().find(|&&t| t <= 300_000).copied();
        assert!(from.is_some_and(|t| t >= 300_000 - 40_000), "{kept:?}");
        p.seek(300_000.0);
        let mut forward = Playback::new(scenario);
        forward.advance_to(300_000.0);
        assert!(p.world() == forward.world());
    }

    /// A step runs to the next event and pauses there.
    #[test]
    fn a_step_moves_to_the_next_event() {
        let mut p = Playback::new(presets::default_scenario());
        p.step();
        assert!(!p.playing());
        let first = p.clock_ms();
        assert!(first > 0.0);
        p.step();
        assert!(p.clock_ms() > first);
    }

    fn crash(member: &str) -> Intervention {
        Intervention::ConsumerCrash {
            group: Some("notifications".into()),
            member: member.into(),
        }
    }

    /// Killing a broker by hand gives what a scripted kill gives: ZooKeeper
    /// notices, and the controller elects new leaders.
    #[test]
    fn a_broker_killed_by_hand_loses_its_leadership() {
        let mut p = Playback::new(Preset::find("leader-failover").unwrap().scenario());
        p.advance_to(3_000.0);
        let led_by_0 = |p: &Playback| {
            p.world().cluster.partitions[0]
                .iter()
                .filter(|part| part.leader == Some(mqsim::ids::BrokerId(0)))
                .count()
        };
        assert!(led_by_0(&p) > 0, "broker 0 leads something at 3 s");
        let elections = p.world().cluster.elections;
        p.intervene(Intervention::BrokerKill { broker: 0 }).unwrap();
        assert_eq!(p.clock_ms(), 3_000.0, "the moment shown stays");
        assert_eq!(p.interventions().len(), 1);
        p.advance_to(9_900.0);
        assert!(!p.world().cluster.brokers[0].alive);
        assert_eq!(led_by_0(&p), 0, "leadership moved away");
        assert!(p.world().cluster.elections > elections);
    }

    /// A consumer crashed by hand: after its session times out the group
    /// rebalances, and the survivor processes again what the dead member
    /// had processed but not committed.
    #[test]
    fn a_consumer_crashed_by_hand_is_replaced_after_its_session() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(8_000.0);
        let generation = p.world().groups[0].generation;
        p.intervene(crash("notifier-1")).unwrap();
        assert_eq!(p.world().consumers[0].status, ConsumerStatus::Crashed);
        p.advance_to(60_000.0);
        assert!(p.world().groups[0].generation > generation);
        assert_eq!(
            p.world().consumers[1].assigned.len(),
            3,
            "the survivor owns every partition"
        );
    }

    /// Going back and acting again drops what the user did later: the
    /// old future is gone. The scenario's own timeline stays.
    #[test]
    fn acting_after_a_rewind_replaces_the_later_interventions() {
        let mut p = Playback::new(Preset::find("leader-failover").unwrap().scenario());
        p.advance_to(20_000.0);
        p.intervene(Intervention::BrokerKill { broker: 2 }).unwrap();
        p.seek(5_000.0);
        p.intervene(Intervention::BrokerKill { broker: 0 }).unwrap();
        let timeline = &p.scenario().file().timeline;
        assert_eq!(p.interventions().len(), 1);
        assert_eq!(timeline.len(), 4, "three scripted entries and one by hand");
        assert_eq!(
            timeline[0],
            TimelineEntry {
                at_ms: 5_000,
                action: Intervention::BrokerKill { broker: 0 }
            }
        );
    }

    /// A change the scenario cannot take is refused, and nothing moves.
    #[test]
    fn an_impossible_intervention_is_refused_with_its_reason() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(4_000.0);
        let before = p.world().clone();
        let why = p.intervene(crash("nobody")).unwrap_err();
        assert!(why.contains("nobody"), "{why}");
        assert!(p.interventions().is_empty());
        assert!(p.world() == &before);
    }

    /// A link taken after an intervention replays it: the state there is
    /// the same as in the tab that made it.
    #[test]
    fn a_shared_link_replays_the_interventions() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(6_000.0);
        p.intervene(crash("notifier-2")).unwrap();
        p.advance_to(30_000.0);
        let opened = Playback::new(p.shared());
        assert_eq!(opened.clock_ms(), 30_000.0);
        assert!(opened.world() == p.world());
    }

    /// A record's path is the same whether it was followed from its start
    /// or picked later, and rewinding takes back what has not happened yet.
    #[test]
    fn a_watched_record_gathers_its_whole_path() {
        let record = Subject::Record(RecordId(3));
        let mut early = Playback::new(presets::default_scenario());
        early.advance_to(500.0);
        early.watch(Some(record));
        early.advance_to(20_000.0);
        let mut late = Playback::new(presets::default_scenario());
        late.advance_to(20_000.0);
        late.watch(Some(record));
        let path = late.watched().unwrap().1.to_vec();
        assert_eq!(early.watched().unwrap().1, path.as_slice());
        let kinds: Vec<&str> = path
            .iter()
            .map(|e| match e.kind {
                EventKind::RecordSent { .. } => "sent",
                EventKind::RecordAppended { .. } => "appended",
                EventKind::RecordProcessed { .. } => "processed",
                _ => "other",
            })
            .filter(|k| *k != "other")
            .collect();
        assert_eq!(kinds, ["sent", "appended", "processed"]);
        let processed_at = path.last().unwrap().at.as_millis() as f64;
        late.seek(processed_at - 1.0);
        assert_eq!(
            late.watched().unwrap().1.len(),
            path.len() - 1,
            "not processed yet"
        );
    }

    /// The log keeps the newest events only, and going back takes back
    /// the events after the new moment.
    #[test]
    fn the_log_is_a_bounded_window_that_rewinds() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(f64::MAX);
        assert!(p.log().len() <= LOG_EVENTS);
        p.seek(30_000.0);
        let last = p.log().back().unwrap().at;
        assert!(last <= SimTime::from_millis(30_000));
        assert!(
            p.log()
                .iter()
                .zip(p.log().iter().skip(1))
                .all(|(a, b)| a.at <= b.at)
        );
    }

    #[test]
    fn playback_stops_at_the_end_and_restarts_on_play() {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(f64::MAX);
        assert!(p.finished());
        p.tick(10.0);
        assert!(!p.playing());
        p.toggle_playing();
        assert_eq!(p.clock_ms(), 0.0);
        assert!(p.playing());
    }

    /// Kafka panes are lanes on one clock: each runs its own metadata
    /// mode, an intervention happens in every lane, and the focus decides
    /// which lane the inspector and the log speak of.
    #[test]
    fn kafka_panes_run_side_by_side_on_one_clock() {
        let scenario = Preset::find("zookeeper-vs-kraft").unwrap().scenario();
        let mut p = Playback::new(scenario);
        p.advance_to(20_000.0);
        let leader = |w: &World| w.cluster.partitions[0][0].leader;
        let leaders: Vec<_> = p.lanes().map(|(_, w)| leader(w)).collect();
        // Broker 1 died at 10 s: fenced by 20 s in KRaft (9 s sessions),
        // still leading for ZooKeeper (18 s).
        assert_eq!(leaders, [Some(BrokerId(1)), Some(BrokerId(0))]);
        assert!(p.world().cluster.quorum.is_none(), "lane 0 is ZooKeeper");
        assert!(
            p.log()
                .iter()
                .all(|e| !matches!(e.kind, EventKind::MetadataFetched { .. }))
        );
        p.set_focus(1);
        assert!(p.world().cluster.quorum.is_some());
        assert!(
            p.log()
                .iter()
                .any(|e| matches!(e.kind, EventKind::BrokerFenced { .. }))
        );
        // Killing broker 2 now kills it in both.
        p.intervene(Intervention::BrokerKill { broker: 2 }).unwrap();
        p.advance_to(21_000.0);
        for (_, world) in p.lanes() {
            assert!(!world.cluster.brokers[2].alive);
        }
        assert_eq!(p.focus(), 1, "the focus stays on the lane");
        let counters = crate::lesson::counters(p.scenario().file().narration.as_ref().unwrap(), &p);
        let failover = &counters
            .iter()
            .find(|(c, _)| c == "failover orders-0")
            .unwrap()
            .1;
        assert_eq!(
            failover,
            "ZooKeeper (Kafka 3): no leader for 11.0 s so far · KRaft (Kafka 4): 7.4 s"
        );
    }
}
