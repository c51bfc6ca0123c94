//! The broker every client of `mqsim serve` talks to: one live run on the
//! wall clock, with its recording written to a file as it grows. The
//! engine is single-threaded, so the server is too: every connection is a
//! task on one thread, and each borrows the broker for the moment an action
//! needs, never across a wait.

use crate::amqp::clients::{Awaited, Clients};
use crate::kafka::clients::KafkaClients;
use crate::live::LiveRun;
use crate::recorder::Recorder;
use mqsim::ids::{BrokerId as KafkaBroker, PublisherId, RabbitConsumerId};
use mqsim::kafka::Kafka;
use mqsim::rabbit::broker::Rabbit;
use mqsim::scenario::Intervention;
use mqsim::{Event, EventKind, Scenario, SimTime};
use std::cell::{RefCell, RefMut};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// The longest the engine waits before catching up with the wall clock.
const TICK: Duration = Duration::from_millis(20);

/// The scenario a live run starts from when given none: a Kafka cluster of
/// three brokers (enough to see a failover) and nothing else yet; the
/// clients bring the rest. Its network is a LAN's, 20 ms one way, and its
/// followers fetch again within 50 ms of an empty fetch (a real follower's
/// fetch waits at the leader for records, so it replicates at once): a
/// broker answers each connection's requests one at a time, so an
/// `acks=all` write that took half a second would hold up everything a
/// client sends after it.
pub fn blank() -> Scenario {
    let file = serde_json::json!({
        "version": 1,
        "name": "Live run",
        "description": "What clients did, live, with mqsim serve.",
        "seed": 1,
        "duration_ms": 3_600_000,
        "network": {"latency_ms": 20},
        "kafka": {"cluster": {"brokers": 3, "replica_fetch_interval_ms": 50}},
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

    /// Counts a client's connection as open until the guard is dropped:
    /// the page's banner says how many there are.
    pub fn connected(&self) -> Connected {
        self.borrow().connections += 1;
        Connected(self.clone())
    }
}

/// A client connection, counted while it is open.
pub struct Connected(Shared);

impl Drop for Connected {
    fn drop(&mut self) {
        self.0.borrow().connections -= 1;
    }
}

/// Keeps the run on the wall clock: the engine catches up at least every
/// 20 ms, and when a delivery is due. Runs until its task is dropped.
pub async fn keep_time(broker: Shared) {
    loop {
        let wait = {
            let broker = broker.borrow();
            let now = broker.now_ms();
            let due = broker.next_due().map(|at| at.as_millis());
            due.map_or(TICK, |at| {
                Duration::from_millis(at.saturating_sub(now)).min(TICK)
            })
        };
        tokio::time::sleep(wait).await;
        broker.borrow().tick();
    }
}

/// A live run on the wall clock.
pub struct Broker {
    run: LiveRun,
    started: Instant,
    /// The wall clock's time at the start, in milliseconds since 1970.
    epoch_ms: u64,
    /// The file the recording is kept in.
    recorder: Option<Recorder>,
    /// The AMQP clients, and what the run has for them.
    pub clients: Clients,
    /// The Kafka clients' producers, and their acknowledgements.
    pub kafka_clients: KafkaClients,
    /// Client connections open now, AMQP and Kafka.
    connections: u32,
}

impl Broker {
    /// A live run of `start` from now, its recording written to `record`.
    pub fn new(start: Scenario, record: Option<PathBuf>) -> Broker {
        Broker {
            run: LiveRun::new(start),
            started: Instant::now(),
            epoch_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            recorder: record.map(Recorder::new),
            clients: Clients::default(),
            kafka_clients: KafkaClients::default(),
            connections: 0,
        }
    }

    /// When the run started, in milliseconds since 1970: what a client's
    /// timestamps (an `x-death` entry's `time`) count from.
    pub fn epoch_ms(&self) -> u64 {
        self.epoch_ms
    }

    /// Milliseconds since the run started.
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The engine catches up with the wall clock, and the clients get
    /// what is theirs by now.
    pub fn tick(&mut self) {
        let now = self.now_ms();
        let mut events = Vec::new();
        self.run.advance(now, &mut events);
        self.dispatch(&events);
        if let Some(recorder) = &mut self.recorder {
            recorder.catch_up(self.run.recording());
        }
    }

    /// Writes what the recording's file does not have yet: when the
    /// server stops.
    pub fn flush_recording(&mut self) {
        if let Some(recorder) = &mut self.recorder {
            recorder.flush(self.run.recording());
        }
    }

    /// A client's action, now. Refused with the scenario's reason if the
    /// run cannot take it.
    pub fn apply(&mut self, action: Intervention) -> Result<(), String> {
        self.act(action, |_, _| {})
    }

    /// A client's action, now, and `then` with what happened on the way,
    /// before the clients are sent their part of it (a consumer just added
    /// is known as the client's before its first delivery is handed out).
    pub fn act(
        &mut self,
        action: Intervention,
        then: impl FnOnce(&mut Broker, &[Event]),
    ) -> Result<(), String> {
        self.act_all(vec![action], then)
    }

    /// As [`act`](Self::act), for several actions at one moment, in order
    /// ([`LiveRun::apply_all`]). What the run did on the way reaches the
    /// clients even when an action is refused.
    pub fn act_all(
        &mut self,
        actions: Vec<Intervention>,
        then: impl FnOnce(&mut Broker, &[Event]),
    ) -> Result<(), String> {
        let (events, outcome) = self.step(|run, now, events| run.apply_all(now, actions, events));
        if outcome.is_ok() {
            then(self, &events);
        }
        self.dispatch(&events);
        outcome
    }

    /// A client's action that waits for no answer from the run (an
    /// acknowledgement), now: recorded, and run with whatever else comes in
    /// the same millisecond ([`LiveRun::record`]), at once after.
    pub fn record(&mut self, action: Intervention) -> Result<(), String> {
        let (events, outcome) = self.step(|run, now, events| run.record(now, action, events));
        self.dispatch(&events);
        outcome
    }

    /// Runs what was recorded and not yet run: before the run's state is
    /// read (a passive declare counts the messages published just before
    /// it) or a client asks for something else.
    pub fn run_recorded(&mut self) {
        if let Some(at) = self.run.unrun() {
            let mut events = Vec::new();
            self.run.advance(at, &mut events);
            self.dispatch(&events);
        }
    }

    /// A client's `rabbit_publish`, now, through `publisher`; `awaited`
    /// says who waits for the message's confirm or return. Returns when
    /// the message reaches its exchange in the run.
    pub fn publish(
        &mut self,
        action: Intervention,
        publisher: PublisherId,
        awaited: Awaited,
    ) -> Result<Option<SimTime>, String> {
        let mut arrives = None;
        self.act(action, |broker, events| {
            let published = events.iter().find_map(|e| match e.kind {
                EventKind::MessagePublished {
                    message,
                    publisher: p,
                    arrives_at,
                    ..
                } if p == publisher => Some((message, arrives_at)),
                _ => None,
            });
            if let Some((message, arrives_at)) = published {
                broker.clients.awaiting(message, awaited);
                arrives = Some(arrives_at);
            }
        })?;
        Ok(arrives)
    }

    /// The run's RabbitMQ side as it stands.
    pub fn rabbit(&self) -> &Rabbit {
        self.run.simulation().rabbit()
    }

    /// The name of the run's consumer `consumer`.
    pub fn consumer_name(&self, consumer: RabbitConsumerId) -> String {
        self.rabbit().consumers[consumer.index()].name.to_string()
    }

    /// The publisher called `name`, if the run has it.
    pub fn publisher(&self, name: &str) -> Option<PublisherId> {
        let publishers = &self.rabbit().publishers;
        let at = publishers.iter().position(|p| &*p.name == name)?;
        Some(PublisherId(at as u32))
    }

    /// The consumer called `name`, if the run has it.
    pub fn consumer(&self, name: &str) -> Option<RabbitConsumerId> {
        let consumers = &self.rabbit().consumers;
        let at = consumers.iter().position(|c| &*c.name == name)?;
        Some(RabbitConsumerId(at as u32))
    }

    /// Makes entries of the run now with `enter` (applied or recorded),
    /// and keeps them in the recording's file; what happened on the way,
    /// and whether every action was taken.
    fn step(
        &mut self,
        enter: impl FnOnce(&mut LiveRun, u64, &mut Vec<Event>) -> Result<u64, String>,
    ) -> (Vec<Event>, Result<(), String>) {
        let now = self.now_ms();
        let mut events = Vec::new();
        let outcome = enter(&mut self.run, now, &mut events).map(|_| ());
        if let Some(recorder) = &mut self.recorder {
            recorder.changed(self.run.recording());
        }
        (events, outcome)
    }

    /// The clients get what `events` has for them, and what is due.
    fn dispatch(&mut self, events: &[Event]) {
        let now = self.run.simulation().now();
        self.clients.on_events(events);
        self.clients.flush(now);
        self.kafka_clients.on_events(events);
        self.kafka_clients.flush(now);
    }

    /// When the run next has something to do for its clients: an answer
    /// due to a client, AMQP or Kafka, or entries recorded and not yet run.
    pub fn next_due(&self) -> Option<SimTime> {
        let unrun = self.run.unrun().map(SimTime::from_millis);
        let due = [
            self.clients.next_due(),
            self.kafka_clients.next_due(),
            unrun,
        ];
        due.into_iter().flatten().min()
    }

    /// The run's Kafka side as it stands.
    pub fn kafka(&self) -> &Kafka {
        self.run.simulation().kafka()
    }

    /// Whether the run's broker `node` is up: a broker that is down takes
    /// no connections.
    pub fn kafka_broker_up(&self, node: KafkaBroker) -> bool {
        self.kafka().cluster.is_alive(node)
    }

    /// The run so far, as the engine has it.
    pub fn run(&self) -> &LiveRun {
        &self.run
    }

    /// The run, to follow what is made in it ([`LiveRun::take_made`]).
    pub fn run_mut(&mut self) -> &mut LiveRun {
        &mut self.run
    }

    /// Client connections open now, AMQP and Kafka.
    pub fn connections(&self) -> u32 {
        self.connections
    }
}
