//! KRaft: Kafka without ZooKeeper (KIP-500). The cluster's metadata
//! (brokers, topics, partition leaders and ISRs) is a log,
//! `__cluster_metadata`, replicated by Raft among a few *controllers*
//! (KIP-595). One of them, the *active controller*, is the Raft leader: it
//! decides every change and appends it as a record (KIP-631). Brokers are
//! Raft *observers*: they fetch the log like followers do, never vote, and
//! act on each record once the quorum has committed it.
//!
//! - [`quorum`]: the Raft core, one node at a time, without I/O: elections
//!   with pre-vote (KIP-996), fetch-based replication, the high watermark,
//!   check-quorum. It says what to send and when to wake; the engine (or a
//!   test) delivers.
//! - [`record`]: the metadata records.
//! - [`image`]: the cluster as the records applied so far describe it.
//! - [`controller`]: the active controller's decisions, as records:
//!   registering, unfencing and fencing brokers, electing partition
//!   leaders, creating topics.
//! - [`node`]: one process, controller or broker or both: the Raft core,
//!   its image, and as a broker its registration and heartbeats, as the
//!   active controller its sessions and decisions.

pub mod controller;
pub mod image;
pub mod node;
pub mod quorum;
pub mod record;
