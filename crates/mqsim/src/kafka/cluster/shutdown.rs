//! Controlled shutdown: a broker stopped on purpose (`kafka-server-stop.sh`)
//! hands over its leaderships before it goes, so no partition waits for a
//! session to expire.
//!
//! - ZooKeeper mode (`KafkaController.doControlledShutdown`): the broker
//!   sends `ControlledShutdownRequest` to the controller, which elects new
//!   leaders for the partitions it leads from the rest of their ISR, takes
//!   it out of every ISR, and answers. The broker then stops and closes its
//!   ZooKeeper session, so its registration goes at once. Without a
//!   controller to ask it stops anyway, as Kafka does once its retries run
//!   out.
//! - KRaft mode (`BrokerHeartbeatManager.calculateNextBrokerState`): the
//!   broker's heartbeats ask to shut down; the active controller records it
//!   in controlled shutdown and moves its leaderships (partition change
//!   records), then, once it leads nothing, fences it. The broker stops
//!   once it has read its own fencing (Kafka tells it in the heartbeat
//!   response, a round trip sooner).
//!
//! A partition with no other in-sync replica goes offline, in both modes,
//! unless `unclean.leader.election.enable` lets an out-of-sync one lead.

use super::super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::BrokerId;
use crate::trace::EventKind;

impl Kafka {
    /// `broker` begins a controlled shutdown.
    pub(crate) fn on_broker_shutdown(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get(broker.index()) else {
            return;
        };
        if !b.alive {
            return;
        }
        let incarnation = b.incarnation;
        ctx.emit(EventKind::BrokerShutdownBegan { broker });
        if self.cluster.kraft.is_some() {
            return self.kraft_broker_shutdown(broker, ctx);
        }
        let controller = self.cluster.zookeeper.controller;
        match controller {
            Some(c)
                if self.cluster.reaches_zookeeper(broker) && self.cluster.reaches_zookeeper(c) =>
            {
                ctx.send(Action::ControlledShutdown { broker });
            }
            _ => self.on_broker_stop(broker, incarnation, ctx),
        }
    }

    /// ZooKeeper mode: the controller moves `broker`'s leaderships to other
    /// in-sync replicas, takes it out of every ISR, and answers.
    pub(crate) fn on_controlled_shutdown(&mut self, broker: BrokerId, ctx: &mut Ctx<'_, Action>) {
        let Some(b) = self.cluster.brokers.get(broker.index()) else {
            return;
        };
        let incarnation = b.incarnation;
        self.on_controller_broker_change(Some(broker), ctx);
        ctx.send(Action::BrokerStop {
            broker,
            incarnation,
        });
    }

    /// `broker` (its process `incarnation`) stops: its process ends, and
    /// in ZooKeeper mode its session closes at once.
    pub(crate) fn on_broker_stop(
        &mut self,
        broker: BrokerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let running = self
            .cluster
            .brokers
            .get(broker.index())
            .is_some_and(|b| b.alive && b.incarnation == incarnation);
        if !running {
            return;
        }
        ctx.emit(EventKind::BrokerStopped { broker });
        self.stop_process(broker, ctx);
        if self.cluster.kraft.is_some() {
            return;
        }
        let zookeeper = &mut self.cluster.zookeeper;
        if let Some(session) = zookeeper.sessions.get_mut(broker.index()) {
            *session = None;
        }
        if zookeeper.controller == Some(broker) {
            // It resigns with its session: the others race for `/controller`.
            zookeeper.controller = None;
            ctx.send(Action::ControllerElection);
        } else if zookeeper.controller.is_some() {
            ctx.send(Action::ControllerBrokerChange { bounced: None });
        }
    }
}
