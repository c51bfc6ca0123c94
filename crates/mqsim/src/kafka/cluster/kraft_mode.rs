//! KRaft mode: the cluster keeps its metadata in a controller quorum
//! ([`crate::kafka::kraft`]) instead of ZooKeeper. The engine carries what
//! the processes send with the network's latency, and wakes them when they
//! asked; a broker acts on the partition records it has applied, as it
//! acted on `LeaderAndIsr` requests in ZooKeeper mode, at its own pace.
//!
//! Node ids: broker `b` is node `b`; dedicated controllers are nodes 100,
//! 101, … (`process.roles=controller`), or with
//! `process.roles=broker,controller` the first brokers are the controllers.

use super::super::kraft::controller;
use super::super::kraft::image::{BrokerRegistration, MetadataImage, PartitionRegistration};
use super::super::kraft::node::{Node, Out, Settings, Wake, Wire};
use super::super::kraft::quorum::{Fetched, Message, NodeId, Timing};
use super::super::kraft::record::MetadataRecord;
use super::super::{Action, Kafka};
use super::partition::LeaderAndIsr;
use crate::agenda::Ctx;
use crate::ids::{BrokerId, TopicPartition};
use crate::kafka::summary::QuorumSummary;
use crate::scenario::{KraftSpec, ProcessRoles};
use crate::trace::{EventKind, IsrChange};
use std::rc::Rc;

/// The first dedicated controller's node id.
pub const FIRST_CONTROLLER: NodeId = 100;

/// The cluster's processes in KRaft mode.
#[derive(Clone, Debug)]
pub struct KRaftCluster {
    /// Every process: the brokers (node id = broker id), then any dedicated
    /// controllers.
    pub nodes: Vec<Node>,
    /// Per node: whether a dedicated controller's process is up and not
    /// cut off (brokers' are their [`super::Broker`]'s), and which start
    /// of it this is.
    controller_up: Vec<bool>,
    controller_isolated: Vec<bool>,
    incarnation: Vec<u32>,
    /// How far the partitions' recorded state ([`super::partition::Partition`])
    /// follows the committed metadata log.
    mirrored: u64,
    /// The brokers as the committed log said when last mirrored.
    registrations: Vec<BrokerRegistration>,
    /// The active controller last announced, and its epoch.
    announced: Option<(NodeId, u32)>,
    /// The voters.
    pub voters: Vec<NodeId>,
}

impl KRaftCluster {
    pub(crate) fn new(spec: &KraftSpec, brokers: u32, unclean: bool, seed: u64) -> KRaftCluster {
        let voters: Vec<NodeId> = match spec.process_roles {
            ProcessRoles::Controller => (0..spec.controllers)
                .map(|i| FIRST_CONTROLLER + i)
                .collect(),
            ProcessRoles::BrokerController => (0..spec.controllers).collect(),
        };
        let settings = Settings {
            timing: Timing {
                election_timeout_ms: spec.election_timeout_ms,
                fetch_timeout_ms: spec.fetch_timeout_ms,
            },
            heartbeat_interval_ms: spec.broker_heartbeat_interval_ms,
            session_timeout_ms: spec.broker_session_timeout_ms,
            unclean,
        };
        let dedicated = voters.iter().copied().filter(|v| *v >= FIRST_CONTROLLER);
        let ids: Vec<(NodeId, Option<BrokerId>)> = (0..brokers)
            .map(|b| (b, Some(BrokerId(b))))
            .chain(dedicated.map(|v| (v, None)))
            .collect();
        let nodes: Vec<Node> = ids
            .iter()
            .map(|&(id, broker)| Node::new(id, broker, voters.clone(), settings, seed))
            .collect();
        let count = nodes.len();
        KRaftCluster {
            nodes,
            controller_up: vec![true; count],
            controller_isolated: vec![false; count],
            incarnation: vec![0; count],
            mirrored: 0,
            registrations: Vec::new(),
            announced: None,
            voters,
        }
    }

    fn index(&self, id: NodeId) -> Option<usize> {
        self.nodes.iter().position(|n| n.raft.id == id)
    }

    /// Whether `broker` is unfenced and not shutting down, as the
    /// committed log says.
    pub fn is_active(&self, broker: BrokerId) -> bool {
        self.registrations
            .iter()
            .any(|b| b.id == broker && !b.fenced && !b.in_controlled_shutdown)
    }

    /// The active controller, if one leads.
    pub fn active(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .find(|n| n.active.is_some())
            .map(|n| n.raft.id)
    }
}

impl Kafka {
    /// Whether node `id` is up and on the network.
    fn kraft_reachable(&self, id: NodeId) -> bool {
        let Some(kraft) = &self.cluster.kraft else {
            return false;
        };
        let Some(i) = kraft.index(id) else {
            return false;
        };
        match kraft.nodes[i].broker {
            Some(broker) => self.cluster.reaches_zookeeper(broker),
            None => kraft.controller_up[i] && !kraft.controller_isolated[i],
        }
    }

    /// Whether process `i` is running, cut off or not.
    fn kraft_alive(&self, i: usize) -> bool {
        let Some(kraft) = &self.cluster.kraft else {
            return false;
        };
        match kraft.nodes[i].broker {
            Some(broker) => self.cluster.is_alive(broker),
            None => kraft.controller_up[i],
        }
    }

    /// The cluster starts running: the quorum led by its first controller
    /// in epoch 1, every broker registered and unfenced, each topic
    /// created, all committed.
    pub(crate) fn kraft_bootstrap(&mut self, ctx: &mut Ctx<'_, Action>) {
        let brokers: Vec<BrokerId> = self.cluster.brokers.iter().map(|b| b.id).collect();
        let topics: Vec<(Rc<str>, Vec<Vec<BrokerId>>)> = self
            .topics
            .iter()
            .filter(|t| !t.partitions.is_empty())
            .map(|t| {
                let placement = t.partitions.iter().map(|p| p.replica_ids()).collect();
                (t.name.clone(), placement)
            })
            .collect();
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let Ok(records) = controller::bootstrap(&brokers, &topics) else {
            return;
        };
        let leader = kraft.voters[0];
        let mut started = Vec::new();
        for i in 0..kraft.nodes.len() {
            kraft.incarnation[i] += 1;
            let node = kraft.nodes[i].clone();
            let (node, out) = node.running(leader, &records, ctx.now);
            started.push((node.raft.id, out));
            kraft.nodes[i] = node;
        }
        kraft.mirrored = records.len() as u64 + 1;
        kraft.registrations = kraft.nodes[0].image.brokers.clone();
        kraft.announced = Some((leader, 1));
        ctx.emit(EventKind::QuorumStarted {
            voters: kraft.voters.clone(),
            leader,
            epoch: 1,
        });
        for (id, out) in started {
            self.kraft_route(id, out, ctx);
        }
    }

    /// Sends and schedules what node `from` asked for.
    fn kraft_route(&mut self, from: NodeId, out: Vec<Out>, ctx: &mut Ctx<'_, Action>) {
        let Some(kraft) = &self.cluster.kraft else {
            return;
        };
        let Some(i) = kraft.index(from) else {
            return;
        };
        let incarnation = kraft.incarnation[i];
        for o in out {
            match o {
                Out::Send { to, wire } => {
                    if self.kraft_reachable(from) && self.kraft_reachable(to) {
                        let fetched = metadata_fetched(&wire);
                        let arrives_at = ctx.send(Action::KraftWire { from, to, wire });
                        if let Some((records, high_watermark)) = fetched {
                            ctx.emit(EventKind::MetadataFetched {
                                controller: from,
                                node: to,
                                records,
                                log_end: kraft.nodes[i].raft.log.len() as u64,
                                high_watermark,
                                arrives_at,
                            });
                        }
                    }
                }
                Out::Wake { at, wake } => ctx.at(
                    at,
                    Action::KraftWake {
                        node: from,
                        incarnation,
                        wake,
                    },
                ),
            }
        }
    }

    /// A message reaches node `to`.
    pub(crate) fn on_kraft_wire(
        &mut self,
        from: NodeId,
        to: NodeId,
        wire: Wire,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !(self.kraft_reachable(from) && self.kraft_reachable(to)) {
            return;
        }
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let Some(i) = kraft.index(to) else {
            return;
        };
        let applied = kraft.nodes[i].image.offset;
        let out = kraft.nodes[i].on_wire(from, wire, ctx.now);
        self.kraft_route(to, out, ctx);
        self.kraft_sync(i, applied, ctx);
    }

    /// A node wakes.
    pub(crate) fn on_kraft_wake(
        &mut self,
        node: NodeId,
        incarnation: u32,
        wake: Wake,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let current = self.cluster.kraft.as_ref().and_then(|k| {
            let i = k.index(node)?;
            (k.incarnation[i] == incarnation).then_some(i)
        });
        let Some(i) = current.filter(|i| self.kraft_alive(*i)) else {
            return;
        };
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let applied = kraft.nodes[i].image.offset;
        let out = kraft.nodes[i].on_wake(wake, ctx.now);
        self.kraft_route(node, out, ctx);
        self.kraft_sync(i, applied, ctx);
    }

    /// After node `i` moved (its image was at offset `applied` before): if
    /// it applied records, a broker acts on the partitions as its image now
    /// says, and the partitions' recorded state follows the committed log;
    /// a newly active controller is announced.
    fn kraft_sync(&mut self, i: usize, applied: u64, ctx: &mut Ctx<'_, Action>) {
        let Some(kraft) = &self.cluster.kraft else {
            return;
        };
        let node = &kraft.nodes[i];
        if node.image.offset == applied {
            return self.kraft_announce(i, ctx);
        }
        let image = node.image.clone();
        let broker = node.broker;
        let newer = image.offset > kraft.mirrored;
        for registration in &image.partitions {
            let tp = registration.tp;
            if tp.topic.index() >= self.topics.len()
                || tp.partition as usize >= self.topics[tp.topic.index()].partitions.len()
            {
                continue;
            }
            if newer {
                self.kraft_record(registration, &image, ctx);
            }
            if let Some(broker) = broker {
                let state = leader_and_isr(registration);
                let stale = self
                    .partition(tp)
                    .replica(broker)
                    .is_some_and(|r| r.state.as_ref() != Some(&state));
                if stale {
                    self.apply_leader_and_isr(tp, broker, state, ctx);
                }
            }
        }
        let fencing = newer && self.kraft_brokers(&image, ctx);
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        if newer {
            kraft.mirrored = image.offset;
            kraft.registrations = image.brokers.clone();
        }
        if fencing {
            // Group coordinators move off fenced brokers, and back.
            self.elect_coordinators(None, false, ctx);
        }
        self.kraft_announce(i, ctx);
        // A broker in controlled shutdown that has read its own fencing
        // stops.
        if let Some(kraft) = &self.cluster.kraft
            && kraft.nodes[i].may_stop()
            && let Some(broker) = broker
        {
            let incarnation = self.cluster.brokers[broker.index()].incarnation;
            self.on_broker_stop(broker, incarnation, ctx);
        }
    }

    /// Announces node `i` if it has just become the active controller.
    fn kraft_announce(&mut self, i: usize, ctx: &mut Ctx<'_, Action>) {
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let node = &kraft.nodes[i];
        let leading = node
            .active
            .is_some()
            .then_some((node.raft.id, node.raft.epoch));
        if leading.is_some() && leading != kraft.announced {
            kraft.announced = leading;
            let (controller, epoch) = leading.unwrap_or_default();
            ctx.emit(EventKind::ActiveControllerElected { controller, epoch });
        }
    }

    /// What the committed log newly says of the brokers; whether any was
    /// fenced or unfenced.
    fn kraft_brokers(&mut self, image: &MetadataImage, ctx: &mut Ctx<'_, Action>) -> bool {
        let Some(kraft) = &self.cluster.kraft else {
            return false;
        };
        let mut changed = false;
        for now in &image.brokers {
            let before = kraft.registrations.iter().find(|b| b.id == now.id);
            if before.is_none_or(|b| b.incarnation != now.incarnation) {
                ctx.emit(EventKind::BrokerRegisteredWithController {
                    broker: now.id,
                    incarnation: now.incarnation,
                    broker_epoch: now.epoch,
                });
            }
            let was_fenced = before.is_none_or(|b| b.fenced);
            if now.fenced && !was_fenced {
                ctx.emit(EventKind::BrokerFenced { broker: now.id });
                changed = true;
            } else if !now.fenced && was_fenced {
                ctx.emit(EventKind::BrokerUnfenced { broker: now.id });
                changed = true;
            }
        }
        changed
    }

    /// The partitions' recorded state follows the committed log, and says
    /// so: a new leader, or a new ISR.
    fn kraft_record(
        &mut self,
        registration: &PartitionRegistration,
        image: &MetadataImage,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let tp = registration.tp;
        let partition = self.partition_mut(tp);
        let previous = partition.leader;
        let old_isr = std::mem::replace(&mut partition.isr, registration.isr.clone());
        partition.leader = registration.leader;
        let new_epoch = partition.leader_epoch != registration.leader_epoch;
        partition.leader_epoch = registration.leader_epoch;
        if new_epoch {
            ctx.emit(EventKind::LeaderElected {
                tp,
                previous,
                leader: registration.leader,
                leader_epoch: registration.leader_epoch,
                isr: registration.isr.clone(),
                unclean: registration.isr.len() == 1 && !old_isr.contains(&registration.isr[0]),
                arrives_at: ctx.now,
            });
        } else if old_isr != registration.isr {
            let fenced = old_isr
                .iter()
                .any(|b| !registration.isr.contains(b) && !image.is_active(*b));
            let reason = if registration.isr.len() > old_isr.len() {
                IsrChange::CaughtUp
            } else if fenced {
                IsrChange::BrokerFailed
            } else {
                IsrChange::FellBehind
            };
            ctx.emit(EventKind::IsrChanged {
                tp,
                isr: registration.isr.clone(),
                reason,
                broker: registration.leader.unwrap_or(BrokerId(0)),
            });
        }
    }

    /// A broker process dies, starts or is cut off: its node with it.
    pub(crate) fn kraft_broker_restarted(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let Some(i) = kraft.index(broker.0) else {
            return;
        };
        kraft.incarnation[i] += 1;
        let out = kraft.nodes[i].start(ctx.now);
        self.kraft_route(broker.0, out, ctx);
    }

    /// A broker begins a controlled shutdown: its node's heartbeats ask
    /// for it. A broker already fenced stops at once.
    pub(crate) fn kraft_broker_shutdown(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let Some(i) = kraft.index(broker.0) else {
            return;
        };
        let out = kraft.nodes[i].begin_shutdown(ctx.now);
        let stop = kraft.nodes[i].may_stop();
        self.kraft_route(broker.0, out, ctx);
        if stop {
            let incarnation = self.cluster.brokers[broker.index()].incarnation;
            self.on_broker_stop(broker, incarnation, ctx);
        }
    }

    /// A broker process died: what its node scheduled dies with it.
    pub(crate) fn kraft_broker_killed(&mut self, broker: BrokerId) {
        if let Some(kraft) = &mut self.cluster.kraft
            && let Some(i) = kraft.index(broker.0)
        {
            kraft.incarnation[i] += 1;
            // Whatever it held in memory, an active controller's state
            // included, is gone.
            kraft.nodes[i].active = None;
        }
    }

    /// The leader of `tp`, as its leader asked the active controller to
    /// record a new ISR (`AlterPartition`).
    pub(crate) fn kraft_alter_partition(
        &mut self,
        tp: TopicPartition,
        leader: BrokerId,
        isr: Vec<BrokerId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(kraft) = &self.cluster.kraft else {
            return;
        };
        let Some(active) = kraft.active() else {
            return;
        };
        let Some(epoch) = self
            .partition(tp)
            .replica(leader)
            .and_then(|r| r.state.as_ref())
            .map(|s| s.leader_epoch)
        else {
            return;
        };
        let wire = Wire::AlterPartition {
            tp,
            leader,
            leader_epoch: epoch,
            isr,
        };
        self.kraft_route(leader.0, vec![Out::Send { to: active, wire }], ctx);
    }
}

impl Kafka {
    /// The quorum as `kafka-metadata-quorum.sh describe --status` would
    /// show it, from the live processes.
    pub(crate) fn quorum_summary(&self, kraft: &KRaftCluster) -> QuorumSummary {
        let live: Vec<&Node> = kraft
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| self.kraft_alive(*i))
            .map(|(_, n)| n)
            .collect();
        let leader = live.iter().find(|n| n.active.is_some());
        let high_watermark = leader.map_or(0, |n| n.raft.high_watermark);
        let end = leader.map_or(0, |n| n.raft.log.len() as u64);
        let voters = live.iter().filter(|n| kraft.voters.contains(&n.raft.id));
        QuorumSummary {
            leader_id: leader.map(|n| n.raft.id),
            leader_epoch: live.iter().map(|n| n.raft.epoch).max().unwrap_or(0),
            high_watermark,
            max_follower_lag: voters
                .map(|n| end.saturating_sub(n.raft.log.len() as u64))
                .max()
                .unwrap_or(0),
            current_voters: kraft.voters.clone(),
            current_observers: kraft
                .nodes
                .iter()
                .map(|n| n.raft.id)
                .filter(|id| !kraft.voters.contains(id))
                .collect(),
        }
    }
}

/// What can happen to a dedicated controller's process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Kill,
    Restart,
    Isolate,
    Reconnect,
}

impl Kafka {
    /// A dedicated controller dies, starts again, or loses or regains its
    /// links.
    pub(crate) fn on_controller_fault(
        &mut self,
        controller: NodeId,
        fault: Fault,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(kraft) = &mut self.cluster.kraft else {
            return;
        };
        let Some(i) = kraft.index(controller) else {
            return;
        };
        let up = kraft.controller_up[i];
        match fault {
            Fault::Kill if up => {
                kraft.controller_up[i] = false;
                kraft.incarnation[i] += 1;
                kraft.nodes[i].active = None;
                ctx.emit(EventKind::ControllerKilled { controller });
            }
            Fault::Restart if !up => {
                kraft.controller_up[i] = true;
                kraft.controller_isolated[i] = false;
                kraft.incarnation[i] += 1;
                let out = kraft.nodes[i].start(ctx.now);
                ctx.emit(EventKind::ControllerStarted { controller });
                self.kraft_route(controller, out, ctx);
            }
            Fault::Isolate if up => {
                kraft.controller_isolated[i] = true;
                ctx.emit(EventKind::ControllerIsolated { controller });
            }
            Fault::Reconnect if kraft.controller_isolated[i] => {
                kraft.controller_isolated[i] = false;
                ctx.emit(EventKind::ControllerReconnected { controller });
            }
            _ => {}
        }
    }
}

/// The records and high watermark a fetch reply carries, if it is one.
fn metadata_fetched(wire: &Wire) -> Option<(Vec<MetadataRecord>, u64)> {
    match wire {
        Wire::Raft(Message::FetchReply {
            fetched:
                Fetched::Records {
                    entries,
                    high_watermark,
                },
            ..
        }) => Some((
            entries.iter().map(|e| e.record.clone()).collect(),
            *high_watermark,
        )),
        _ => None,
    }
}

/// What a broker knows of a partition, from its image.
fn leader_and_isr(registration: &PartitionRegistration) -> LeaderAndIsr {
    LeaderAndIsr {
        leader: registration.leader,
        leader_epoch: registration.leader_epoch,
        isr: registration.isr.clone(),
    }
}
