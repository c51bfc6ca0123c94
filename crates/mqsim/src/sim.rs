//! The simulation loop.
//!
//! A [`Simulation`] owns the virtual clock, the agenda of scheduled actions
//! and the state of every broker and client. Each step takes the earliest
//! action off the agenda, moves the clock to its time, and lets the component
//! it concerns handle it. Nothing else moves time: a run depends only on its
//! scenario, so it can be replayed exactly anywhere.

use crate::agenda::{Agenda, Ctx};
use crate::kafka::summary::KafkaSummary;
use crate::kafka::{self, Kafka};
use crate::rabbit::broker::{self as rabbit, Rabbit};
use crate::scenario::{Intervention, Scenario};
use crate::time::SimTime;
use crate::trace::{Event, TraceSink};

/// An action on the shared agenda, for the side of the engine it concerns.
#[derive(Clone, Debug)]
pub(crate) enum Scheduled {
    Kafka(kafka::Action),
    Rabbit(rabbit::Action),
}

impl From<kafka::Action> for Scheduled {
    fn from(action: kafka::Action) -> Scheduled {
        Scheduled::Kafka(action)
    }
}

impl From<rabbit::Action> for Scheduled {
    fn from(action: rabbit::Action) -> Scheduled {
        Scheduled::Rabbit(action)
    }
}

/// The actions of a scenario's timeline entries for one side of the
/// engine, each with its entry's index in the timeline.
pub(crate) type Entries<A> = Vec<(usize, A)>;

/// Why a run cannot take a timeline entry while it goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InjectError {
    /// The scenario's timeline has no entry of that number.
    NoSuchEntry,
    /// The run is already past the entry's moment.
    Past { at: SimTime, now: SimTime },
    /// The entry brings something new into the run: start over.
    AddsToRun,
}

impl std::fmt::Display for InjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InjectError::NoSuchEntry => write!(f, "the timeline has no such entry"),
            InjectError::Past { at, now } => {
                write!(f, "the entry is for {at}, and the run is already at {now}")
            }
            InjectError::AddsToRun => {
                write!(
                    f,
                    "the entry brings something new into the run, which must start over"
                )
            }
        }
    }
}

/// A run of one scenario. Cloning one is a checkpoint: the clone goes on
/// exactly as the original would.
#[derive(Clone, Debug)]
pub struct Simulation {
    now: SimTime,
    latency_ms: u64,
    agenda: Agenda<Scheduled>,
    kafka: Kafka,
    rabbit: Rabbit,
}

impl Simulation {
    /// A new run of `scenario`, at time zero. A scenario with Kafka panes
    /// is a run per pane ([`Scenario::runs`]): this is the first.
    pub fn new(scenario: &Scenario) -> Simulation {
        if !scenario.file().view.kafka_panes.is_empty()
            && let Some((_, first)) = scenario.runs().into_iter().next()
        {
            return Simulation::new(&first);
        }
        let (kafka, start, kafka_entries) = Kafka::new(scenario);
        let (rabbit, rabbit_start, rabbit_entries) = Rabbit::new(scenario);
        let mut agenda = Agenda::default();
        for (at, action) in start {
            agenda.schedule(at, Scheduled::Kafka(action));
        }
        for (at, action) in rabbit_start {
            agenda.schedule(at, Scheduled::Rabbit(action));
        }
        // The timeline's entries in timeline order, whichever side each is for.
        let timeline = &scenario.file().timeline;
        let mut by_entry: Vec<Vec<Scheduled>> = timeline.iter().map(|_| Vec::new()).collect();
        for (i, action) in kafka_entries {
            by_entry[i].push(Scheduled::Kafka(action));
        }
        for (i, action) in rabbit_entries {
            by_entry[i].push(Scheduled::Rabbit(action));
        }
        for (entry, actions) in timeline.iter().zip(by_entry) {
            for action in actions {
                agenda.schedule_entry(SimTime::from_millis(entry.at_ms), action);
            }
        }
        Simulation {
            now: SimTime::ZERO,
            latency_ms: scenario.file().network.latency_ms,
            agenda,
            kafka,
            rabbit,
        }
    }

    /// Live mode: `scenario`'s timeline entry number `index`, made while
    /// the run goes on, joins the run: scheduled exactly as the run's start
    /// schedules an entry of its scenario, first in its millisecond, so the
    /// run goes on as a replay of `scenario` from the start would. The run
    /// must have been started from `scenario` without this entry and the
    /// later ones, and must not have reached the entry's moment yet; an
    /// entry that brings something new into the run cannot join it
    /// ([`Intervention::adds_to_run`]): the run starts over instead.
    pub fn inject(&mut self, scenario: &Scenario, index: usize) -> Result<(), InjectError> {
        let timeline = &scenario.file().timeline;
        let entry = timeline.get(index).ok_or(InjectError::NoSuchEntry)?;
        let at = SimTime::from_millis(entry.at_ms);
        if at <= self.now {
            return Err(InjectError::Past { at, now: self.now });
        }
        if entry.action.adds_to_run() {
            return Err(InjectError::AddsToRun);
        }
        for (_, action) in Kafka::entry_actions(scenario, index) {
            self.agenda.schedule_entry(at, Scheduled::Kafka(action));
        }
        // Counted only for a binding: a recording's timeline is long.
        let binds_before = match entry.action {
            Intervention::RabbitBind { .. } => (timeline[..index].iter())
                .filter(|e| matches!(e.action, Intervention::RabbitBind { .. }))
                .count(),
            _ => 0,
        };
        if let Some(action) = Rabbit::entry_action(scenario, index, binds_before) {
            self.agenda.schedule_entry(at, Scheduled::Rabbit(action));
        }
        Ok(())
    }

    /// Runs `scenario` from the start to `until`, keeping every event: the
    /// whole trace, for tests and tools that look at a run after it ends.
    pub fn run_traced(scenario: &Scenario, until: SimTime) -> (Simulation, Vec<Event>) {
        let mut sim = Simulation::new(scenario);
        let mut trace = Vec::new();
        sim.run_until(until, &mut trace);
        (sim, trace)
    }

    /// When the next action is due: the time of the next event, if the
    /// run is to change again.
    pub fn next_due(&self) -> Option<SimTime> {
        self.agenda.next_due()
    }

    /// The virtual time the run has reached.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Runs the earliest scheduled action if it is due at or before `until`,
    /// reporting what happened to `sink`. Returns false when nothing was due.
    pub fn step(&mut self, until: SimTime, sink: &mut dyn TraceSink) -> bool {
        let Some((at, action)) = self.agenda.pop_due(until) else {
            return false;
        };
        self.now = at;
        match action {
            Scheduled::Kafka(action) => {
                let mut ctx = Ctx::new(at, self.latency_ms, &mut self.agenda, sink);
                self.kafka.handle(action, &mut ctx);
            }
            Scheduled::Rabbit(action) => {
                let mut ctx = Ctx::new(at, self.latency_ms, &mut self.agenda, sink);
                self.rabbit.handle(action, &mut ctx);
            }
        }
        true
    }

    /// Runs every action due at or before `until`, then sets the clock to `until`.
    pub fn run_until(&mut self, until: SimTime, sink: &mut dyn TraceSink) {
        while self.step(until, sink) {}
        self.now = self.now.max(until);
    }

    /// The RabbitMQ side's current state.
    pub fn rabbit(&self) -> &Rabbit {
        &self.rabbit
    }

    /// Queue depths and consumers on the RabbitMQ side.
    pub fn rabbit_summary(&self) -> crate::rabbit::summary::RabbitSummary {
        self.rabbit.summary()
    }

    /// The Kafka side's current state.
    pub fn kafka(&self) -> &Kafka {
        &self.kafka
    }

    /// Counts, committed offsets and lag at the current time.
    pub fn kafka_summary(&self) -> KafkaSummary {
        self.kafka.summary(self.now)
    }
}
