//! ZooKeeper and the controller: noticing dead brokers and electing leaders.
//!
//! Each broker keeps a session with ZooKeeper by heartbeating every third of
//! `zookeeper.session.timeout.ms`, and registers itself under
//! `/brokers/ids` with a node that lives as long as the session. One broker
//! is the *controller*: the first to create `/controller`. It watches the
//! registrations; when a session expires it
//! - gives each partition the dead broker led a new leader: the first
//!   replica, in replica order, that is alive and in the ISR. The leader
//!   epoch goes up by one, so stale requests from the old leader can be
//!   told apart;
//! - removes the dead broker from every ISR;
//! - leaves a partition with no live in-sync replica offline, unless
//!   `unclean.leader.election.enable` lets an out-of-sync replica lead,
//!   throwing away what only the in-sync replicas had.
//!
//! If the controller itself dies, its session expires like any other, the
//! surviving brokers race to create `/controller`, and the winner takes over
//! with a higher controller epoch.
//!
//! Clients here learn a new leader as soon as the controller elects it;
//! real clients refresh their metadata after an error, a round trip later.

use super::super::{Action, Kafka};
use super::partition::Partition;
use super::placement::assign_replicas;
use crate::agenda::Ctx;
use crate::ids::{BrokerId, TopicId, TopicPartition};
use crate::trace::{EventKind, IsrChange, ProduceError};

impl Kafka {
    /// The starting actions of the cluster: heartbeats, follower fetches
    /// and ISR checks.
    pub(crate) fn cluster_start(&self) -> Vec<Action> {
        let mut actions = Vec::new();
        for b in &self.cluster.brokers {
            actions.push(Action::ZookeeperHeartbeatTick {
                broker: b.id,
                incarnation: b.incarnation,
            });
            if self.cluster.brokers.len() > 1 {
                actions.push(Action::ReplicaFetchTick {
                    broker: b.id,
                    incarnation: b.incarnation,
                });
            }
        }
        if self.cluster.brokers.len() > 1 {
            actions.push(Action::IsrCheck);
        }
        actions
    }

    /// A broker process dies: it answers nothing from now on.
    pub(crate) fn on_broker_kill(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        if !b.alive {
            return;
        }
        b.alive = false;
        b.incarnation += 1;
        ctx.emit(EventKind::BrokerKilled { broker });
        // Writes waiting on it lose their connection.
        for tp in self.partitions_led_by(broker) {
            self.fail_pending_acks(tp, ProduceError::NetworkException, ctx);
        }
    }

    /// A broker process starts again, with what its disk held.
    pub(crate) fn on_broker_restart(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        if b.alive {
            return;
        }
        b.alive = true;
        b.incarnation += 1;
        let incarnation = b.incarnation;
        ctx.emit(EventKind::BrokerStarted { broker });
        ctx.send(Action::ZookeeperRegister { broker });
        ctx.at(
            ctx.now,
            Action::ZookeeperHeartbeatTick {
                broker,
                incarnation,
            },
        );
        if self.cluster.brokers.len() > 1 {
            ctx.at(
                ctx.now,
                Action::ReplicaFetchTick {
                    broker,
                    incarnation,
                },
            );
        }
    }

    /// A broker's heartbeat timer.
    pub(crate) fn on_heartbeat_tick(
        &mut self,
        broker: BrokerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.is_current(broker, incarnation) {
            return;
        }
        let arrives_at = ctx.send(Action::ZookeeperHeartbeat { broker });
        ctx.emit(EventKind::ZookeeperHeartbeat { broker, arrives_at });
        ctx.at(
            ctx.now + self.cluster.heartbeat_interval_ms(),
            Action::ZookeeperHeartbeatTick {
                broker,
                incarnation,
            },
        );
    }

    /// A heartbeat reaches ZooKeeper: the session lives on.
    pub(crate) fn on_zookeeper_heartbeat(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(session) = self.cluster.zookeeper.sessions.get_mut(broker.index()) else {
            return;
        };
        if session.is_some() {
            *session = Some(ctx.now);
            ctx.at(
                ctx.now + self.cluster.settings.zookeeper_session_timeout_ms,
                Action::ZookeeperSessionCheck { broker },
            );
        }
    }

    /// A restarted broker's registration reaches ZooKeeper. If its old
    /// session had not expired yet, the controller still treats the restart
    /// as a failure: the broker lost everything it held in memory.
    pub(crate) fn on_zookeeper_register(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        if !self.cluster.is_alive(broker) {
            return;
        }
        let bounced = self.cluster.zookeeper.is_registered(broker);
        self.cluster.zookeeper.sessions[broker.index()] = Some(ctx.now);
        ctx.emit(EventKind::BrokerRegistered { broker });
        ctx.at(
            ctx.now + self.cluster.settings.zookeeper_session_timeout_ms,
            Action::ZookeeperSessionCheck { broker },
        );
        let bounced = bounced.then_some(broker);
        match self.cluster.zookeeper.controller {
            Some(_) => {
                ctx.send(Action::ControllerBrokerChange { bounced });
            }
            None => {
                ctx.send(Action::ControllerElection);
            }
        }
    }

    /// ZooKeeper checks whether a session outlived its timeout.
    pub(crate) fn on_zookeeper_session_check(
        &mut self,
        broker: BrokerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let timeout = self.cluster.settings.zookeeper_session_timeout_ms;
        let zookeeper = &mut self.cluster.zookeeper;
        let Some(Some(last)) = zookeeper.sessions.get(broker.index()).copied() else {
            return;
        };
        if ctx.now.millis_since(last) < timeout {
            return;
        }
        zookeeper.sessions[broker.index()] = None;
        ctx.emit(EventKind::ZookeeperSessionExpired { broker });
        if zookeeper.controller == Some(broker) {
            // `/controller` vanishes with the session: the others race for it.
            zookeeper.controller = None;
            ctx.send(Action::ControllerElection);
        } else if zookeeper.controller.is_some() {
            ctx.send(Action::ControllerBrokerChange { bounced: None });
        }
    }

    /// The surviving brokers race to create `/controller`; the lowest id
    /// gets there first.
    pub(crate) fn on_controller_election(&mut self, ctx: &mut Ctx<'_, Action>) {
        let zookeeper = &self.cluster.zookeeper;
        if zookeeper.controller.is_some() {
            return;
        }
        let Some(winner) = self
            .cluster
            .brokers
            .iter()
            .find(|b| b.alive && zookeeper.is_registered(b.id))
            .map(|b| b.id)
        else {
            return;
        };
        let zookeeper = &mut self.cluster.zookeeper;
        zookeeper.controller = Some(winner);
        zookeeper.controller_epoch += 1;
        ctx.emit(EventKind::ControllerElected {
            broker: winner,
            epoch: zookeeper.controller_epoch,
        });
        self.on_controller_broker_change(None, ctx);
    }

    /// The controller reacts to registrations coming and going.
    pub(crate) fn on_controller_broker_change(
        &mut self,
        bounced: Option<BrokerId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(controller) = self.cluster.zookeeper.controller else {
            return;
        };
        if !self.cluster.is_alive(controller) {
            return;
        }
        self.elect_coordinators(bounced, false, ctx);
        for tp in self.all_partitions() {
            let registered =
                |b: BrokerId| self.cluster.zookeeper.is_registered(b) && Some(b) != bounced;
            let partition = self.partition(tp);
            let leader_ok = partition.leader.is_some_and(registered);
            let isr_ok = partition.isr.iter().all(|&b| registered(b));
            if leader_ok && isr_ok {
                continue;
            }
            if leader_ok {
                self.shrink_isr_to_registered(tp, bounced, ctx);
            } else {
                self.elect_leader(tp, bounced, None, ctx);
            }
        }
    }

    /// Removes brokers without a live registration from `tp`'s ISR.
    fn shrink_isr_to_registered(
        &mut self,
        tp: TopicPartition,
        bounced: Option<BrokerId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let zookeeper = &self.cluster.zookeeper;
        let partition = &mut self.topics[tp.topic.index()].partitions[tp.partition as usize];
        partition
            .isr
            .retain(|&b| zookeeper.is_registered(b) && Some(b) != bounced);
        let broker = partition.leader.unwrap_or(BrokerId(0));
        ctx.emit(EventKind::IsrChanged {
            tp,
            isr: partition.isr.clone(),
            reason: IsrChange::BrokerFailed,
            broker,
        });
        self.advance_high_watermark(tp, ctx);
    }

    /// Elects `tp`'s leader: `preferred` if given, else the first live
    /// in-sync replica, else (when allowed) the first live replica.
    fn elect_leader(
        &mut self,
        tp: TopicPartition,
        bounced: Option<BrokerId>,
        preferred: Option<BrokerId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let unclean_allowed = self.cluster.settings.unclean_leader_election;
        let zookeeper = &self.cluster.zookeeper;
        let live = |b: BrokerId| zookeeper.is_registered(b) && Some(b) != bounced;
        let partition = &self.topics[tp.topic.index()].partitions[tp.partition as usize];
        let in_order = || partition.replicas.iter().map(|r| r.broker);
        let clean = preferred.or_else(|| in_order().find(|&b| live(b) && partition.in_sync(b)));
        let (leader, unclean) = match clean {
            Some(b) => (Some(b), false),
            None if unclean_allowed => (in_order().find(|&b| live(b)), true),
            None => (None, false),
        };
        let previous = partition.leader;
        if leader.is_none() && previous.is_none() {
            // Still offline; nothing to tell anyone.
            return;
        }
        let new_isr: Vec<BrokerId> = match leader {
            Some(l) if unclean => vec![l],
            Some(_) => partition.isr.iter().copied().filter(|&b| live(b)).collect(),
            // Offline: the ISR keeps its last member, whose data waits for it.
            None => partition.isr.clone(),
        };
        self.fail_pending_acks(tp, ProduceError::NotLeaderOrFollower, ctx);
        let now = ctx.now;
        let partition = self.partition_mut(tp);
        partition.leader = leader;
        partition.leader_epoch += 1;
        partition.isr = new_isr.clone();
        for replica in &mut partition.replicas {
            // The new leader knows nothing yet of its followers' progress.
            replica.fetch_offset = 0;
            replica.caught_up_at = now;
        }
        let leader_epoch = partition.leader_epoch;
        let arrives_at = ctx.now + ctx.latency_ms;
        ctx.emit(EventKind::LeaderElected {
            tp,
            previous,
            leader,
            leader_epoch,
            isr: new_isr,
            unclean,
            arrives_at,
        });
        if unclean {
            // The new leader's log is the truth now, even below the old high
            // watermark.
            let replica = self.partition_mut(tp).leader_replica_mut();
            replica.high_watermark = replica.high_watermark.min(replica.log.log_end_offset());
        }
    }

    /// The controller moves leadership back to preferred replicas.
    pub(crate) fn on_preferred_leader_election(&mut self, ctx: &mut Ctx<'_, Action>) {
        let Some(controller) = self.cluster.zookeeper.controller else {
            return;
        };
        if !self.cluster.is_alive(controller) {
            return;
        }
        self.elect_coordinators(None, true, ctx);
        for tp in self.all_partitions() {
            let partition = self.partition(tp);
            let preferred = partition.replicas[0].broker;
            if partition.leader != Some(preferred)
                && partition.in_sync(preferred)
                && self.cluster.zookeeper.is_registered(preferred)
                && self.cluster.is_alive(preferred)
            {
                self.elect_leader(tp, None, Some(preferred), ctx);
            }
        }
    }

    /// Grows `topic` to `count` partitions (`kafka-topics --alter`). The
    /// new partitions are placed continuing from partition 0's leader, and
    /// led by their first live replica. Returns false if the topic already
    /// has that many.
    pub(crate) fn create_partitions(&mut self, topic: TopicId, count: u32) -> bool {
        let brokers = self.cluster.brokers.len() as u32;
        let t = &self.topics[topic.index()];
        let existing = t.partitions.len() as u32;
        if count <= existing {
            return false;
        }
        let start = t.partitions[0].replicas[0].broker.0;
        let placement = assign_replicas(
            count - existing,
            existing,
            t.replication_factor,
            brokers,
            start,
            start,
        );
        let zookeeper = &self.cluster.zookeeper;
        let partitions: Vec<Partition> = placement
            .iter()
            .map(|replicas| {
                let ids: Vec<BrokerId> = replicas.iter().map(|&b| BrokerId(b)).collect();
                let mut partition = Partition::new(&ids);
                partition.isr.retain(|&b| zookeeper.is_registered(b));
                partition.leader = partition.isr.first().copied();
                partition
            })
            .collect();
        self.topics[topic.index()].partitions.extend(partitions);
        true
    }

    fn partitions_led_by(&self, broker: BrokerId) -> Vec<TopicPartition> {
        self.all_partitions()
            .into_iter()
            .filter(|&tp| self.partition(tp).leader == Some(broker))
            .collect()
    }

    /// Every partition of every topic.
    pub(crate) fn all_partitions(&self) -> Vec<TopicPartition> {
        self.topics
            .iter()
            .enumerate()
            .flat_map(|(t, topic)| {
                (0..topic.partitions.len() as u32).map(move |partition| TopicPartition {
                    topic: TopicId(t as u32),
                    partition,
                })
            })
            .collect()
    }
}
