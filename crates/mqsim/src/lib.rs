//! # mqsim: the MQ Playground engine
//!
//! A deterministic, discrete-event simulation of message brokers. It holds all
//! broker logic of MQ Playground: the browser app (through WebAssembly) and the
//! `mqsim` command-line tool run exactly this code.
//!
//! ## Brief overview
//! A [`Scenario`] describes a run: topics, producers, consumer groups, network
//! latency and a seed. [`Simulation::new`] builds the brokers and clients;
//! [`Simulation::run_until`] advances virtual time and reports every
//! [`Event`] to a [`TraceSink`]. The trace is the contract: the CLI prints it,
//! tests compare it and the app animates it.
//!
//! ```
//! use mqsim::{Scenario, SimTime, Simulation, scenario::presets};
//!
//! let scenario: Scenario = presets::default_scenario();
//! let mut sim = Simulation::new(&scenario);
//! let mut trace = Vec::new();
//! sim.run_until(SimTime::from_millis(10_000), &mut trace);
//! let summary = sim.kafka_summary();
//! assert!(summary.topics[0].partitions.iter().any(|p| p.log_end_offset > 0));
//! ```
//!
//! ## Layout
//! - [`scenario`]: the scenario file: parsing, validation, limits, presets,
//!   lessons and share links.
//! - [`sim`]: the simulation loop and its clock.
//! - [`kafka`]: topics, partitions, producers, consumer groups, and the
//!   cluster: brokers, replicas, the ISR, acks, ZooKeeper and the controller.
//! - [`rabbit`]: the RabbitMQ broker: exchanges, bindings and routing,
//!   queues (TTL, length limits, dead-lettering), publishers, and consumers
//!   pushed to within their prefetch; definitions files.
//! - [`live`]: what `mqsim serve` and the page say to each other when the
//!   page follows a live run.
//! - [`trace`]: the events a run reports; [`words`]: each event in words.
//! - [`time`], [`rng`], [`ids`], [`sort`]: virtual time, seeded randomness,
//!   identifiers, and the one sort the engine and the app share.
//!
//! ## Invariants
//! - **Deterministic.** The same scenario gives the same trace, byte for byte,
//!   natively and in wasm. Time is an integer count of virtual milliseconds;
//!   randomness comes from the seed; no `HashMap` is ever iterated.
//! - **No I/O, no web.** The engine reads no clock, file or network, and
//!   depends on no web crate. Input arrives as a [`Scenario`]; output leaves
//!   as events.
//! - **No panics on input.** Everything from outside is validated into a
//!   [`Scenario`] first, with every problem reported by its path.

pub(crate) mod agenda;
pub mod ids;
pub mod kafka;
pub mod live;
pub mod rabbit;
pub mod rng;
pub mod scenario;
pub mod sim;
pub mod sort;
pub mod time;
pub mod trace;
pub mod words;

pub use scenario::{Scenario, ScenarioError};
pub use sim::{InjectError, Simulation};
pub use time::SimTime;
pub use trace::{Event, EventKind, TraceSink};
