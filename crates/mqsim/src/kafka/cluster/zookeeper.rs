//! ZooKeeper: broker sessions, and which broker is the controller.
//!
//! Each broker keeps a session with ZooKeeper by heartbeating every third of
//! `zookeeper.session.timeout.ms`, and registers itself under
//! `/brokers/ids` with a node that lives as long as the session. When a
//! session goes silent for the timeout, ZooKeeper deletes the node and the
//! controller, watching, hears of it. The first broker to create
//! `/controller` is the controller; if its session expires, the surviving
//! brokers race to create it again, and the winner takes over with a higher
//! controller epoch.
//!
//! Faults are broker-side: a killed process stops everything; an isolated
//! broker keeps serving clients but cannot reach ZooKeeper or the other
//! brokers, so ZooKeeper declares it dead while it still believes it leads.

use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::BrokerId;
use crate::trace::{EventKind, ProduceError};
use litemap::LiteMap;

impl Kafka {
    /// The starting actions of the cluster: heartbeats, follower fetches
    /// and ISR checks.
    pub(crate) fn cluster_start(&self) -> Vec<Action> {
        let replicated = self.cluster.brokers.len() > 1;
        let zookeeper = self.cluster.kraft.is_none();
        let mut actions = Vec::new();
        for b in &self.cluster.brokers {
            if zookeeper {
                actions.push(Action::ZookeeperHeartbeatTick {
                    broker: b.id,
                    incarnation: b.incarnation,
                });
            }
            if replicated {
                actions.push(Action::ReplicaFetchTick {
                    broker: b.id,
                    incarnation: b.incarnation,
                });
            }
        }
        if replicated {
            actions.push(Action::IsrCheck);
        }
        actions
    }

    /// A broker process dies: it answers nothing from now on.
    pub(crate) fn on_broker_kill(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        if self.cluster.is_alive(broker) {
            ctx.emit(EventKind::BrokerKilled { broker });
            self.stop_process(broker, ctx);
        }
    }

    /// A broker process ends (killed, or stopped after a controlled
    /// shutdown): what it held in memory is gone.
    pub(crate) fn stop_process(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        b.alive = false;
        b.incarnation += 1;
        b.fetching = LiteMap::new_vec();
        self.kraft_broker_killed(broker);
        // Writes waiting on it lose their connection.
        for tp in self.all_partitions() {
            self.fail_pending_acks(tp, broker, ProduceError::NetworkException, ctx);
        }
    }

    /// A broker process starts again, with what its disk held. Leadership
    /// is not on disk: it waits for the controller to tell it.
    pub(crate) fn on_broker_restart(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        if b.alive {
            return;
        }
        b.alive = true;
        b.isolated = false;
        b.incarnation += 1;
        b.fetching = LiteMap::new_vec();
        let incarnation = b.incarnation;
        for tp in self.all_partitions() {
            if let Some(replica) = self.partition_mut(tp).replica_mut(broker) {
                replica.state = None;
            }
        }
        ctx.emit(EventKind::BrokerStarted { broker });
        if self.cluster.kraft.is_some() {
            // It registers with the active controller, as a new incarnation.
            self.kraft_broker_restarted(broker, ctx);
        } else {
            ctx.send(Action::ZookeeperRegister { broker });
        }
        self.start_broker_timers(broker, incarnation, ctx);
    }

    fn start_broker_timers(&self, broker: BrokerId, incarnation: u32, ctx: &mut Ctx<'_, Action>) {
        if self.cluster.kraft.is_none() {
            ctx.at(
                ctx.now,
                Action::ZookeeperHeartbeatTick {
                    broker,
                    incarnation,
                },
            );
        }
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

    /// A broker loses its network links to ZooKeeper and the other brokers;
    /// clients still reach it.
    pub(crate) fn on_broker_isolate(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        if b.alive && !b.isolated {
            b.isolated = true;
            ctx.emit(EventKind::BrokerIsolated { broker });
        }
    }

    /// An isolated broker's links come back. If ZooKeeper kept its session,
    /// nothing else happens; if the session expired meanwhile, it registers
    /// anew and the controller brings it up to date.
    pub(crate) fn on_broker_reconnect(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get_mut(broker.index()) else {
            return;
        };
        if !(b.alive && b.isolated) {
            return;
        }
        b.isolated = false;
        ctx.emit(EventKind::BrokerReconnected { broker });
        // In KRaft mode its heartbeats carry on, and unfence it once it
        // has caught up.
        if self.cluster.kraft.is_none() && !self.cluster.zookeeper.is_registered(broker) {
            ctx.send(Action::ZookeeperRegister { broker });
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
        if self.cluster.reaches_zookeeper(broker) {
            let arrives_at = ctx.send(Action::ZookeeperHeartbeat { broker });
            ctx.emit(EventKind::ZookeeperHeartbeat { broker, arrives_at });
        }
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

    /// A (re)started broker's registration reaches ZooKeeper. If its old
    /// session had not expired yet, the controller still treats the restart
    /// as a failure: the broker lost everything it held in memory.
    pub(crate) fn on_zookeeper_register(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        if !self.cluster.reaches_zookeeper(broker) {
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

    /// The brokers race to create `/controller`; the lowest id gets there
    /// first.
    pub(crate) fn on_controller_election(&mut self, ctx: &mut Ctx<'_, Action>) {
        let zookeeper = &self.cluster.zookeeper;
        if zookeeper.controller.is_some() {
            return;
        }
        let Some(winner) = self
            .cluster
            .brokers
            .iter()
            .find(|b| self.cluster.reaches_zookeeper(b.id) && zookeeper.is_registered(b.id))
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
}
