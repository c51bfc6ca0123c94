//! What the view knows of the Kafka cluster, folded from the trace.
//!
//! Every partition has *replicas* on several brokers. ZooKeeper records
//! which one leads and which are in sync (the ISR); the controller, one of
//! the brokers, changes that record when a broker's session expires and
//! tells the replicas with `LeaderAndIsr`. Followers *pull* from their
//! leader, as consumers do; the leader's **high watermark** is the offset
//! every in-sync replica has reached, and consumers only read below it.
//!
//! Each broker also acts on what it was last told, which may be stale: a
//! leader cut off from ZooKeeper goes on believing it leads (a *zombie*)
//! until it hears otherwise. [`ReplicaView::believes_leader`] keeps what
//! the broker believes, beside what ZooKeeper says.

use crate::flights::{Flights, Flying};
use litemap::LiteMap;
use mqsim::ids::{BrokerId, GroupId, TopicPartition};
use mqsim::kafka::kraft::record::MetadataRecord;
use mqsim::{Event, EventKind, SimTime};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq)]
pub struct BrokerView {
    pub id: BrokerId,
    pub alive: bool,
    /// Cut off from ZooKeeper and the other brokers.
    pub isolated: bool,
    /// In a controlled shutdown, not stopped yet.
    pub shutting_down: bool,
    /// Down after a controlled shutdown, not killed.
    pub stopped: bool,
    /// Its ZooKeeper session is live (in KRaft mode: it is unfenced).
    pub registered: bool,
    /// In KRaft mode, how far it has read the metadata log: it acts on
    /// the records before this offset, and knows nothing of later ones.
    pub metadata_offset: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaView {
    pub broker: BrokerId,
    pub log_end: u64,
    /// The high watermark as this replica knows it.
    pub high_watermark: u64,
    /// What the broker itself last heard: it leads this partition.
    pub believes_leader: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PartitionState {
    pub tp: TopicPartition,
    /// Preferred leader first.
    pub replicas: Vec<ReplicaView>,
    /// The leader ZooKeeper records; none while offline.
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub isr: Vec<BrokerId>,
    /// The last election was unclean: an out-of-sync replica took over.
    pub unclean: bool,
    /// Since when its leader has been dead or cut off, until a new one is
    /// elected.
    pub leader_lost_at: Option<SimTime>,
    /// How long its last failover took: from losing its leader to the
    /// election of the next, in milliseconds.
    pub last_failover_ms: Option<u64>,
}

impl PartitionState {
    fn new(
        tp: TopicPartition,
        replicas: &[BrokerId],
        leader: Option<BrokerId>,
        isr: Vec<BrokerId>,
    ) -> PartitionState {
        PartitionState {
            tp,
            replicas: replicas
                .iter()
                .map(|&broker| ReplicaView {
                    broker,
                    log_end: 0,
                    high_watermark: 0,
                    believes_leader: Some(broker) == leader,
                })
                .collect(),
            leader,
            leader_epoch: 0,
            isr,
            unclean: false,
            leader_lost_at: None,
            last_failover_ms: None,
        }
    }

    /// The leader's high watermark: consumers read below it. Zero while
    /// the partition is offline.
    pub fn high_watermark(&self) -> u64 {
        self.replicas
            .iter()
            .find(|r| Some(r.broker) == self.leader)
            .map_or(0, |r| r.high_watermark)
    }

    fn replica_mut(&mut self, broker: BrokerId) -> Option<&mut ReplicaView> {
        self.replicas.iter_mut().find(|r| r.broker == broker)
    }
}

/// Where a cluster flight starts or ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    Broker(BrokerId),
    ZooKeeper,
    /// A voter of the KRaft quorum, by node id.
    Voter(u32),
}

/// What travels between brokers and ZooKeeper.
#[derive(Clone, Debug, PartialEq)]
pub enum Cargo {
    /// A broker's session heartbeat.
    Heartbeat,
    /// A follower asks its leader for what it lacks.
    ReplicaFetch,
    /// A fetch response: records copied from leader to follower (maybe
    /// none), and the leader's high watermark. Once it arrives the
    /// follower's log ends at `to_offset` and it knows the high watermark.
    Replicated {
        tp: TopicPartition,
        records: u64,
        to_offset: u64,
        high_watermark: u64,
    },
    /// The controller's decision for a partition.
    LeaderAndIsr {
        tp: TopicPartition,
        leader: Option<BrokerId>,
        epoch: u32,
    },
    /// KRaft: the active controller's answer to a metadata fetch from node
    /// `node`: the records it lacked (perhaps none). Once it arrives the
    /// node's log ends at `log_end`, and it knows the high watermark.
    Metadata {
        node: u32,
        records: Rc<[MetadataRecord]>,
        log_end: u64,
        high_watermark: u64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub cargo: Cargo,
    pub from: Anchor,
    pub to: Anchor,
    pub start: SimTime,
    pub end: SimTime,
}

impl Flying for Flight {
    fn lands_at(&self) -> SimTime {
        self.end
    }
}

/// The view's picture of the cluster.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClusterWorld {
    pub brokers: Vec<BrokerView>,
    pub controller: Option<BrokerId>,
    pub controller_epoch: u32,
    /// Per topic, per partition.
    pub partitions: Vec<Vec<PartitionState>>,
    /// Which broker coordinates each group.
    pub coordinators: LiteMap<GroupId, BrokerId>,
    pub flights: Flights<Flight>,
    /// Leader elections so far (not counting the start).
    pub elections: u32,
    /// In KRaft mode, the controller quorum (there is no ZooKeeper).
    pub quorum: Option<QuorumView>,
}

/// How many of the metadata log's newest records the view keeps.
pub const METADATA_TAIL: usize = 32;

/// A KRaft controller quorum as the events have told it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QuorumView {
    pub voters: Vec<VoterView>,
    /// The newest records of the active controller's log
    /// (`__cluster_metadata`), oldest first, by offset: at most
    /// [`METADATA_TAIL`].
    pub log: Vec<(u64, MetadataRecord)>,
    /// The active controller, while one is known.
    pub active: Option<u32>,
    pub epoch: u32,
    /// Elections of an active controller after the start.
    pub elections: u32,
}

/// One voter: a controller process and its copy of the metadata log.
#[derive(Clone, Debug, PartialEq)]
pub struct VoterView {
    /// Its node id.
    pub id: u32,
    pub status: VoterStatus,
    /// Where its copy of `__cluster_metadata` ends.
    pub log_end: u64,
    /// The high watermark as it knows it: records below it are committed.
    pub high_watermark: u64,
}

/// A controller process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VoterStatus {
    #[default]
    Running,
    Dead,
    CutOff,
}

impl QuorumView {
    /// The active controller sent `records`, the end of its log at
    /// `log_end`: what it no longer has goes (a new leader's log may end
    /// before the old one's uncommitted records), what it sent is written
    /// at its offsets.
    fn leader_log(&mut self, records: &[MetadataRecord], log_end: u64) {
        self.log.retain(|(offset, _)| *offset < log_end);
        let first = log_end - records.len() as u64;
        self.log.retain(|(offset, _)| *offset < first);
        self.log.extend((first..).zip(records.iter().cloned()));
        let extra = self.log.len().saturating_sub(METADATA_TAIL);
        self.log.drain(..extra);
    }

    /// The record at `offset`, if the view still has it.
    pub fn record(&self, offset: u64) -> Option<&MetadataRecord> {
        self.log.iter().find(|(o, _)| *o == offset).map(|(_, r)| r)
    }

    pub fn voter(&self, id: u32) -> Option<&VoterView> {
        self.voters.iter().find(|v| v.id == id)
    }

    fn voter_mut(&mut self, id: u32) -> Option<&mut VoterView> {
        self.voters.iter_mut().find(|v| v.id == id)
    }

    fn set(&mut self, controller: u32, status: VoterStatus) {
        if let Some(v) = self.voter_mut(controller) {
            v.status = status;
        }
        if status != VoterStatus::Running && self.active == Some(controller) {
            self.active = None;
        }
    }
}

impl ClusterWorld {
    pub fn partition(&self, tp: TopicPartition) -> Option<&PartitionState> {
        self.partitions
            .get(tp.topic.index())?
            .get(tp.partition as usize)
    }

    fn partition_mut(&mut self, tp: TopicPartition) -> Option<&mut PartitionState> {
        self.partitions
            .get_mut(tp.topic.index())?
            .get_mut(tp.partition as usize)
    }

    fn broker_mut(&mut self, broker: BrokerId) -> Option<&mut BrokerView> {
        self.brokers.get_mut(broker.index())
    }

    /// Lands the flights that have arrived by `now`: copied records
    /// extend their follower's log.
    pub fn land_until(&mut self, now: SimTime) {
        let landed: Vec<Flight> = self.flights.land_until(now).collect();
        for flight in landed {
            if let Cargo::Metadata {
                node,
                log_end,
                high_watermark,
                ..
            } = flight.cargo
            {
                if self.reachable(node) {
                    self.read_metadata(node, log_end, high_watermark);
                }
                continue;
            }
            if let (
                Cargo::Replicated {
                    tp,
                    to_offset,
                    high_watermark,
                    ..
                },
                Anchor::Broker(follower),
            ) = (flight.cargo, flight.to)
                && let Some(r) = self.partition_mut(tp).and_then(|p| p.replica_mut(follower))
            {
                r.log_end = r.log_end.max(to_offset);
                r.high_watermark = high_watermark;
            }
        }
    }

    /// Node `node`'s metadata log now ends at `log_end`, committed below
    /// `high_watermark`: a voter's copy grows, and a broker applies what is
    /// committed (a combined node is both).
    fn read_metadata(&mut self, node: u32, log_end: u64, high_watermark: u64) {
        if let Some(v) = self.quorum.as_mut().and_then(|q| q.voter_mut(node)) {
            v.log_end = log_end;
            v.high_watermark = high_watermark;
        }
        if let Some(b) = self.broker_mut(BrokerId(node)) {
            b.metadata_offset = b.metadata_offset.max(log_end.min(high_watermark));
        }
    }

    /// Broker `broker` died or was cut off at `at`: the partitions it
    /// led are without a usable leader from then on.
    fn leader_lost(&mut self, broker: BrokerId, at: SimTime) {
        for p in self.partitions.iter_mut().flatten() {
            if p.leader == Some(broker) && p.leader_lost_at.is_none() {
                p.leader_lost_at = Some(at);
            }
        }
    }

    /// Whether node `node` is up and on the network: what it is sent
    /// reaches it.
    fn reachable(&self, node: u32) -> bool {
        match self.brokers.get(node as usize) {
            Some(b) => b.alive && !b.isolated,
            None => self
                .quorum
                .as_ref()
                .and_then(|q| q.voter(node))
                .is_some_and(|v| v.status == VoterStatus::Running),
        }
    }

    /// Where node `node` is drawn: in the quorum if it votes, else as a
    /// broker.
    fn node_anchor(&self, node: u32) -> Anchor {
        match self.quorum.as_ref().and_then(|q| q.voter(node)) {
            Some(_) => Anchor::Voter(node),
            None => Anchor::Broker(BrokerId(node)),
        }
    }

    fn fly(&mut self, cargo: Cargo, from: Anchor, to: Anchor, start: SimTime, end: SimTime) {
        self.flights.take_off(Flight {
            cargo,
            from,
            to,
            start,
            end,
        });
    }

    /// The brokers registered with ZooKeeper.
    fn registered(&self) -> Vec<BrokerId> {
        self.brokers
            .iter()
            .filter(|b| b.registered)
            .map(|b| b.id)
            .collect()
    }

    /// Applies one event.
    pub fn apply(&mut self, event: &Event) {
        self.land_until(event.at);
        let at = event.at;
        match &event.kind {
            EventKind::ClusterStarted {
                brokers,
                controller,
                controller_epoch,
            } => {
                self.brokers = (0..*brokers)
                    .map(|b| BrokerView {
                        id: BrokerId(b),
                        alive: true,
                        isolated: false,
                        shutting_down: false,
                        stopped: false,
                        registered: true,
                        metadata_offset: 0,
                    })
                    .collect();
                self.controller = *controller;
                self.controller_epoch = *controller_epoch;
            }
            EventKind::TopicCreated { topic, replicas } => {
                let t = topic.index();
                if self.partitions.len() <= t {
                    self.partitions.resize_with(t + 1, Vec::new);
                }
                // Led by the first registered replica, all registered ones
                // in sync (at start-up, every broker is).
                let registered = self.registered();
                self.partitions[t] = replicas
                    .iter()
                    .enumerate()
                    .map(|(p, r)| {
                        let tp = TopicPartition {
                            topic: *topic,
                            partition: p as u32,
                        };
                        let live: Vec<BrokerId> = r
                            .iter()
                            .copied()
                            .filter(|b| registered.contains(b))
                            .collect();
                        PartitionState::new(tp, r, live.first().copied(), live)
                    })
                    .collect();
            }
            EventKind::PartitionsAdded {
                topic, replicas, ..
            } => {
                let registered = self.registered();
                let Some(logs) = self.partitions.get_mut(topic.index()) else {
                    return;
                };
                for r in replicas {
                    let live: Vec<BrokerId> = r
                        .iter()
                        .copied()
                        .filter(|b| registered.contains(b))
                        .collect();
                    let tp = TopicPartition {
                        topic: *topic,
                        partition: logs.len() as u32,
                    };
                    logs.push(PartitionState::new(tp, r, live.first().copied(), live));
                }
            }
            EventKind::RecordAppended {
                tp,
                offset,
                broker,
                high_watermark,
                ..
            } => {
                if let Some(r) = self.partition_mut(*tp).and_then(|p| p.replica_mut(*broker)) {
                    r.log_end = r.log_end.max(offset + 1);
                    r.high_watermark = *high_watermark;
                }
            }
            EventKind::HighWatermarkAdvanced {
                tp,
                broker,
                high_watermark,
            } => {
                if let Some(r) = self.partition_mut(*tp).and_then(|p| p.replica_mut(*broker)) {
                    r.high_watermark = *high_watermark;
                }
            }
            EventKind::BrokerStarted { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.alive = true;
                    b.isolated = false;
                    b.shutting_down = false;
                    b.stopped = false;
                }
            }
            EventKind::BrokerShutdownBegan { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.shutting_down = true;
                }
            }
            EventKind::BrokerStopped { broker } => {
                let zookeeper = self.quorum.is_none();
                if let Some(b) = self.broker_mut(*broker) {
                    b.alive = false;
                    b.shutting_down = false;
                    b.stopped = true;
                    // Its ZooKeeper session closed with it; in KRaft mode it
                    // was fenced first.
                    b.registered &= !zookeeper;
                }
                let gone = [Anchor::Broker(*broker), Anchor::Voter(broker.0)];
                self.flights
                    .retain(|f| !gone.contains(&f.from) && !gone.contains(&f.to));
            }
            EventKind::BrokerKilled { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.alive = false;
                }
                self.leader_lost(*broker, at);
                let gone = [Anchor::Broker(*broker), Anchor::Voter(broker.0)];
                self.flights
                    .retain(|f| !gone.contains(&f.from) && !gone.contains(&f.to));
            }
            EventKind::BrokerIsolated { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.isolated = true;
                }
                self.leader_lost(*broker, at);
            }
            EventKind::BrokerReconnected { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.isolated = false;
                }
            }
            EventKind::BrokerRegistered { broker } | EventKind::BrokerUnfenced { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.registered = true;
                }
            }
            EventKind::QuorumStarted {
                voters,
                leader,
                epoch,
            } => {
                self.quorum = Some(QuorumView {
                    log: Vec::new(),
                    voters: voters
                        .iter()
                        .map(|&id| VoterView {
                            id,
                            status: VoterStatus::Running,
                            log_end: 0,
                            high_watermark: 0,
                        })
                        .collect(),
                    active: Some(*leader),
                    epoch: *epoch,
                    elections: 0,
                });
            }
            EventKind::ActiveControllerElected { controller, epoch } => {
                if let Some(q) = &mut self.quorum {
                    q.active = Some(*controller);
                    q.epoch = *epoch;
                    q.elections += 1;
                }
            }
            EventKind::ControllerKilled { controller }
            | EventKind::ControllerStarted { controller }
            | EventKind::ControllerIsolated { controller }
            | EventKind::ControllerReconnected { controller } => {
                let status = match &event.kind {
                    EventKind::ControllerKilled { .. } => VoterStatus::Dead,
                    EventKind::ControllerIsolated { .. } => VoterStatus::CutOff,
                    _ => VoterStatus::Running,
                };
                if let Some(q) = &mut self.quorum {
                    q.set(*controller, status);
                }
                if status == VoterStatus::Dead {
                    let gone = Anchor::Voter(*controller);
                    self.flights.retain(|f| f.from != gone && f.to != gone);
                }
            }
            EventKind::BrokerFenced { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.registered = false;
                }
            }
            EventKind::MetadataFetched {
                controller,
                node,
                records,
                log_end,
                high_watermark,
                arrives_at,
            } => {
                // The active controller's own log is where it sends from.
                if let Some(q) = self.quorum.as_mut() {
                    q.leader_log(records, *log_end);
                    if let Some(v) = q.voter_mut(*controller) {
                        v.log_end = *log_end;
                        v.high_watermark = *high_watermark;
                    }
                }
                let (from, to) = (self.node_anchor(*controller), self.node_anchor(*node));
                self.fly(
                    Cargo::Metadata {
                        node: *node,
                        records: records.as_slice().into(),
                        log_end: *log_end,
                        high_watermark: *high_watermark,
                    },
                    from,
                    to,
                    at,
                    *arrives_at,
                );
            }
            EventKind::ZookeeperSessionExpired { broker } => {
                if let Some(b) = self.broker_mut(*broker) {
                    b.registered = false;
                }
                if self.controller == Some(*broker) {
                    self.controller = None;
                }
            }
            EventKind::ZookeeperHeartbeat { broker, arrives_at } => {
                self.fly(
                    Cargo::Heartbeat,
                    Anchor::Broker(*broker),
                    Anchor::ZooKeeper,
                    at,
                    *arrives_at,
                );
            }
            EventKind::ControllerElected { broker, epoch } => {
                self.controller = Some(*broker);
                self.controller_epoch = *epoch;
            }
            EventKind::LeaderElected {
                tp,
                leader,
                leader_epoch,
                isr,
                unclean,
                arrives_at,
                ..
            } => {
                self.elections += 1;
                let controller = self.controller;
                let Some(p) = self.partition_mut(*tp) else {
                    return;
                };
                if leader.is_some()
                    && let Some(lost) = p.leader_lost_at.take()
                {
                    p.last_failover_ms = Some(at.as_millis() - lost.as_millis());
                }
                p.leader = *leader;
                p.leader_epoch = *leader_epoch;
                p.isr = isr.clone();
                p.unclean = *unclean;
                let replicas: Vec<BrokerId> = p.replicas.iter().map(|r| r.broker).collect();
                if let Some(controller) = controller {
                    for broker in replicas {
                        self.fly(
                            Cargo::LeaderAndIsr {
                                tp: *tp,
                                leader: *leader,
                                epoch: *leader_epoch,
                            },
                            Anchor::Broker(controller),
                            Anchor::Broker(broker),
                            at,
                            *arrives_at,
                        );
                    }
                }
            }
            EventKind::LeaderAndIsrApplied {
                tp, broker, leader, ..
            } => {
                if let Some(r) = self.partition_mut(*tp).and_then(|p| p.replica_mut(*broker)) {
                    r.believes_leader = *leader == Some(*broker);
                }
            }
            EventKind::IsrChanged { tp, isr, .. } => {
                if let Some(p) = self.partition_mut(*tp) {
                    p.isr = isr.clone();
                }
            }
            EventKind::ReplicaFetchSent {
                follower,
                leader,
                arrives_at,
            } => {
                self.fly(
                    Cargo::ReplicaFetch,
                    Anchor::Broker(*follower),
                    Anchor::Broker(*leader),
                    at,
                    *arrives_at,
                );
            }
            EventKind::ReplicaFetchServed {
                follower,
                leader,
                batches,
                arrives_at,
            } => {
                for batch in batches {
                    self.fly(
                        Cargo::Replicated {
                            tp: batch.tp,
                            records: batch.to_offset - batch.from_offset,
                            to_offset: batch.to_offset,
                            high_watermark: batch.high_watermark,
                        },
                        Anchor::Broker(*leader),
                        Anchor::Broker(*follower),
                        at,
                        *arrives_at,
                    );
                }
            }
            EventKind::ReplicaTruncated {
                tp,
                broker,
                truncation,
            } => {
                if let Some(r) = self.partition_mut(*tp).and_then(|p| p.replica_mut(*broker)) {
                    r.log_end = truncation.to_offset;
                }
            }
            EventKind::GroupCoordinatorMoved { group, coordinator } => match coordinator {
                Some(broker) => {
                    self.coordinators.insert(*group, *broker);
                }
                None => {
                    self.coordinators.remove(group);
                }
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::scenario::presets::Preset;
    use mqsim::{Scenario, Simulation};

    /// Runs `scenario` in `step_ms` steps; after each, the folded cluster
    /// must show what the engine reports: live brokers, the controller, and
    /// per partition its leader, epoch, ISR, high watermark and every
    /// replica's log end.
    fn agrees_with_the_engine(scenario: &Scenario, step_ms: u64) -> ClusterWorld {
        let mut sim = Simulation::new(scenario);
        let mut world = ClusterWorld::default();
        let mut events = Vec::new();
        for until in (0..=scenario.file().duration_ms).step_by(step_ms as usize) {
            events.clear();
            sim.run_until(SimTime::from_millis(until), &mut events);
            for event in &events {
                world.apply(event);
            }
            world.land_until(SimTime::from_millis(until));
            let summary = sim.kafka_summary();
            let live: Vec<u32> = world
                .brokers
                .iter()
                .filter(|b| b.alive)
                .map(|b| b.id.0)
                .collect();
            assert_eq!(live, summary.cluster.live_brokers, "at {until} ms");
            assert_eq!(world.controller.map(|b| b.0), summary.cluster.controller);
            for (t, topic) in summary.topics.iter().enumerate() {
                for p in &topic.partitions {
                    let view = &world.partitions[t][p.partition as usize];
                    let ids = |v: &[BrokerId]| v.iter().map(|b| b.0).collect::<Vec<_>>();
                    let at = format!("{} P{} at {until} ms", topic.name, p.partition);
                    assert_eq!(view.leader.map(|b| b.0), p.leader, "leader of {at}");
                    assert_eq!(view.leader_epoch, p.leader_epoch, "epoch of {at}");
                    assert_eq!(ids(&view.isr), p.isr, "ISR of {at}");
                    assert_eq!(view.high_watermark(), p.high_watermark, "HW of {at}");
                    let ends: Vec<u64> = view.replicas.iter().map(|r| r.log_end).collect();
                    let expected: Vec<u64> =
                        p.replica_offsets.iter().map(|r| r.log_end_offset).collect();
                    assert_eq!(ends, expected, "replica log ends of {at}");
                }
            }
        }
        world
    }

    /// Kafka documents leader failover as: the controller notices the dead
    /// broker's expired ZooKeeper session and elects a new leader from the
    /// ISR (kafka.apache.org/documentation, "Replicated Logs").
    #[test]
    fn leader_failover_is_followed_step_by_step() {
        let scenario = Preset::find("leader-failover").expect("preset").scenario();
        let world = agrees_with_the_engine(&scenario, 100);
        assert!(world.elections >= 2, "failover, then preferred election");
        assert!(world.brokers.iter().all(|b| b.alive), "broker 1 restarted");
    }

    #[test]
    fn isolation_and_added_partitions_are_followed() {
        let mut file = Preset::find("leader-failover")
            .expect("preset")
            .scenario()
            .file()
            .clone();
        file.timeline = serde_json::from_str(
            r#"[
              { "at_ms": 5000, "do": "broker_isolate", "broker": 0 },
              { "at_ms": 15000, "do": "add_partitions", "topic": "orders", "partitions": 5 },
              { "at_ms": 25000, "do": "broker_reconnect", "broker": 0 },
              { "at_ms": 35000, "do": "broker_kill", "broker": 2 }
            ]"#,
        )
        .expect("timeline");
        let world = agrees_with_the_engine(&file.validate().expect("valid"), 100);
        assert_eq!(world.partitions[0].len(), 5);
    }
}
