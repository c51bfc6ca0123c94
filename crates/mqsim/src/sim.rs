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
use crate::scenario::Scenario;
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
        let (kafka, start) = Kafka::new(scenario);
        let (rabbit, rabbit_start) = Rabbit::new(scenario);
        let mut agenda = Agenda::default();
        for (at, action) in start {
            agenda.schedule(at, Scheduled::Kafka(action));
        }
        for (at, action) in rabbit_start {
            agenda.schedule(at, Scheduled::Rabbit(action));
        }
        Simulation {
            now: SimTime::ZERO,
            latency_ms: scenario.file().network.latency_ms,
            agenda,
            kafka,
            rabbit,
        }
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
