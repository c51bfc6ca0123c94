//! The Kafka cluster: brokers, replicated partitions, and the ZooKeeper-era
//! controller that keeps partitions available when brokers fail.
//!
//! - Each partition has replicas on several brokers ([`placement`]): one
//!   leader, which takes every read and write, and followers that copy the
//!   leader's log ([`replication`]). The in-sync replicas (ISR) are those
//!   keeping up; the high watermark marks what all of them have
//!   ([`partition`]).
//! - Brokers heartbeat to ZooKeeper ([`zookeeper`]). One broker is the
//!   *controller*: it watches ZooKeeper, and when a broker's session
//!   expires it elects new leaders from the ISR and tells the brokers
//!   ([`controller`]). Each group is coordinated by the leader of its
//!   `__consumer_offsets` partition ([`coordinator`]).
//! - Producers choose how safe a write must be with `acks`; with
//!   `acks=all` and `min.insync.replicas`, a write confirmed to a producer
//!   is on enough replicas to survive a broker failure.

mod controller;
pub mod coordinator;
pub mod kraft_mode;
pub mod partition;
pub mod placement;
pub(crate) mod replication;
mod shutdown;
pub(crate) mod writes;
mod zookeeper;

use crate::ids::BrokerId;
use crate::scenario::{ClusterSpec, MetadataSpec};
use crate::time::SimTime;
use coordinator::OffsetsPartition;
use litemap::LiteMap;

/// The brokers and ZooKeeper.
#[derive(Clone, Debug)]
pub struct Cluster {
    pub brokers: Vec<Broker>,
    pub zookeeper: ZooKeeper,
    /// In KRaft mode, the processes that keep the metadata instead.
    pub kraft: Option<kraft_mode::KRaftCluster>,
    /// The partitions of `__consumer_offsets`, whose leaders coordinate the
    /// consumer groups.
    pub offsets: Vec<OffsetsPartition>,
    settings: ClusterSpec,
}

/// One broker process.
#[derive(Clone, Debug)]
pub struct Broker {
    pub id: BrokerId,
    pub alive: bool,
    /// Cut off from ZooKeeper and the other brokers, while clients still
    /// reach it.
    pub isolated: bool,
    /// Counts starts; timers carry the incarnation that set them, so a
    /// killed broker's timers die with it.
    incarnation: u32,
    /// As a follower, the leaders it has a fetch out to, and when each was
    /// sent: one fetcher per leader (`ReplicaFetcherThread`), one request at
    /// a time.
    pub(crate) fetching: LiteMap<BrokerId, SimTime>,
}

/// What ZooKeeper holds: broker registrations (ephemeral nodes tied to each
/// broker's session) and which broker is the controller.
#[derive(Clone, Debug)]
pub struct ZooKeeper {
    /// Per broker: when its last heartbeat arrived, while it is registered.
    sessions: Vec<Option<SimTime>>,
    pub controller: Option<BrokerId>,
    /// Counts controller changes.
    pub controller_epoch: u32,
}

impl ZooKeeper {
    /// Whether `broker` is registered: alive as far as ZooKeeper knows.
    pub fn is_registered(&self, broker: BrokerId) -> bool {
        self.sessions
            .get(broker.index())
            .is_some_and(Option::is_some)
    }
}

impl Cluster {
    pub(crate) fn new(spec: &ClusterSpec, seed: u64) -> Cluster {
        Cluster {
            offsets: coordinator::offsets_topic(spec.brokers, seed),
            brokers: (0..spec.brokers)
                .map(|b| Broker {
                    id: BrokerId(b),
                    alive: true,
                    isolated: false,
                    incarnation: 0,
                    fetching: LiteMap::new_vec(),
                })
                .collect(),
            zookeeper: ZooKeeper {
                sessions: vec![Some(SimTime::ZERO); spec.brokers as usize],
                controller: Some(BrokerId(0)),
                controller_epoch: 1,
            },
            kraft: match &spec.metadata {
                MetadataSpec::Zookeeper => None,
                MetadataSpec::Kraft(kraft) => Some(kraft_mode::KRaftCluster::new(
                    kraft,
                    spec.brokers,
                    spec.unclean_leader_election,
                    seed,
                )),
            },
            settings: spec.clone(),
        }
    }

    pub fn is_alive(&self, broker: BrokerId) -> bool {
        self.brokers.get(broker.index()).is_some_and(|b| b.alive)
    }

    /// Whether two brokers can talk: both up, neither cut off.
    pub fn linked(&self, a: BrokerId, b: BrokerId) -> bool {
        self.reaches_zookeeper(a) && self.reaches_zookeeper(b)
    }

    /// Whether `broker` is up and can reach ZooKeeper (and the controller).
    pub fn reaches_zookeeper(&self, broker: BrokerId) -> bool {
        self.brokers
            .get(broker.index())
            .is_some_and(|b| b.alive && !b.isolated)
    }

    /// Whether a timer set by `broker` in `incarnation` should still fire.
    fn is_current(&self, broker: BrokerId, incarnation: u32) -> bool {
        self.brokers
            .get(broker.index())
            .is_some_and(|b| b.alive && b.incarnation == incarnation)
    }

    /// How often a broker heartbeats to ZooKeeper: a third of the session
    /// timeout, as ZooKeeper clients do.
    fn heartbeat_interval_ms(&self) -> u64 {
        (self.settings.zookeeper_session_timeout_ms / 3).max(1)
    }
}
