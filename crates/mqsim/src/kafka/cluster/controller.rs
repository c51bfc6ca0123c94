//! The controller: electing leaders and telling the brokers.
//!
//! When a broker's ZooKeeper session expires, the controller
//! - gives each partition the dead broker led a new leader: the first
//!   replica, in replica order, that is alive and in the ISR. The leader
//!   epoch goes up by one, so requests from the old leader can be told
//!   apart;
//! - removes the dead broker from every ISR;
//! - leaves a partition with no live in-sync replica offline, unless
//!   `unclean.leader.election.enable` lets an out-of-sync replica lead,
//!   throwing away what only the in-sync replicas had.
//!
//! It writes each decision to ZooKeeper, then sends `LeaderAndIsr` to the
//! partition's replicas. A broker acts on what it last received: a new
//! leader starts leading, an old one steps down and fails the writes it was
//! holding. A broker the request cannot reach goes on as before.
//!
//! Producers keep sending to the leader they knew until a request fails,
//! then ask again. Consumers here read from the leader ZooKeeper records as
//! soon as it changes (a real consumer also learns it after a failed fetch,
//! a round trip later).

use super::super::{Action, Kafka};
use super::partition::{LeaderAndIsr, Partition};
use super::placement::assign_replicas;
use crate::agenda::Ctx;
use crate::ids::{BrokerId, TopicId, TopicPartition};
use crate::time::SimTime;
use crate::trace::{EventKind, IsrChange, ProduceError};

impl Kafka {
    /// The controller reacts to registrations coming and going: new
    /// leaders where they died, dead brokers out of the ISRs, and every
    /// registered broker brought up to date.
    pub(crate) fn on_controller_broker_change(
        &mut self,
        bounced: Option<BrokerId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.controller_up() {
            return;
        }
        self.elect_coordinators(bounced, false, ctx);
        for tp in self.all_partitions() {
            let registered =
                |b: BrokerId| self.cluster.zookeeper.is_registered(b) && Some(b) != bounced;
            let partition = self.partition(tp);
            let leader_ok = partition.leader.is_some_and(registered);
            let isr_ok = partition.isr.iter().all(|&b| registered(b));
            if !leader_ok {
                self.elect_leader(tp, bounced, None, ctx);
            } else if !isr_ok {
                self.shrink_isr_to_registered(tp, bounced, ctx);
            }
            self.send_stale_states(tp, ctx);
        }
    }

    fn controller_up(&self) -> bool {
        self.cluster
            .zookeeper
            .controller
            .is_some_and(|c| self.cluster.reaches_zookeeper(c))
    }

    /// Sends `LeaderAndIsr` to every registered replica of `tp` whose state
    /// differs from what ZooKeeper records (a restarted broker knows none).
    fn send_stale_states(&mut self, tp: TopicPartition, ctx: &mut Ctx<'_, Action>) {
        let partition = self.partition(tp);
        let recorded = partition.recorded_state();
        let stale: Vec<BrokerId> = partition
            .replicas
            .iter()
            .filter(|r| r.state.as_ref() != Some(&recorded))
            .map(|r| r.broker)
            .filter(|&b| self.cluster.zookeeper.is_registered(b))
            .collect();
        for broker in stale {
            ctx.send(Action::LeaderAndIsr {
                tp,
                broker,
                state: recorded.clone(),
            });
        }
    }

    /// A `LeaderAndIsr` request reaches `broker`.
    pub(crate) fn on_leader_and_isr(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        state: LeaderAndIsr,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.cluster.reaches_zookeeper(broker) {
            return;
        }
        self.apply_leader_and_isr(tp, broker, state, ctx);
    }

    /// `broker` acts on leadership of `tp` as it now knows it: from a
    /// `LeaderAndIsr` request, or in KRaft mode from the records it applied.
    /// A state of an older leader epoch than it knows is ignored; a new
    /// leader starts leading, an old one fails the writes it held.
    pub(crate) fn apply_leader_and_isr(
        &mut self,
        tp: TopicPartition,
        broker: BrokerId,
        state: LeaderAndIsr,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let now = ctx.now;
        let replicas: Vec<BrokerId> = self
            .partition(tp)
            .replicas
            .iter()
            .map(|r| r.broker)
            .collect();
        let Some(replica) = self.partition_mut(tp).replica_mut(broker) else {
            return;
        };
        let known_epoch = replica.state.as_ref().map(|s| s.leader_epoch);
        if known_epoch.is_some_and(|e| e > state.leader_epoch) {
            return;
        }
        let was_leader = replica.believes_leader();
        let leads = state.leader == Some(broker);
        let new_epoch = known_epoch != Some(state.leader_epoch);
        ctx.emit(EventKind::LeaderAndIsrApplied {
            tp,
            broker,
            leader: state.leader,
            leader_epoch: state.leader_epoch,
            isr: state.isr.clone(),
        });
        replica.state = Some(state);
        if leads && (!was_leader || new_epoch) {
            replica.become_leader(&replicas, now);
        }
        if was_leader && !leads {
            self.fail_pending_acks(tp, broker, ProduceError::NotLeaderOrFollower, ctx);
        }
        if leads {
            self.advance_high_watermark(tp, broker, ctx);
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
        let partition = self.partition(tp);
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
        let isr: Vec<BrokerId> = match leader {
            Some(l) if unclean => vec![l],
            Some(_) => partition.isr.iter().copied().filter(|&b| live(b)).collect(),
            // Offline: the ISR keeps its last members, whose data waits for them.
            None => partition.isr.clone(),
        };
        let partition = self.partition_mut(tp);
        partition.leader = leader;
        partition.leader_epoch += 1;
        partition.isr = isr.clone();
        let leader_epoch = partition.leader_epoch;
        ctx.emit(EventKind::LeaderElected {
            tp,
            previous,
            leader,
            leader_epoch,
            isr,
            unclean,
            arrives_at: ctx.now + ctx.latency_ms,
        });
        if unclean && let Some(l) = leader {
            // The new leader's log is the truth now, even below the old high
            // watermark.
            if let Some(replica) = self.partition_mut(tp).replica_mut(l) {
                replica.high_watermark = replica.high_watermark.min(replica.log.log_end_offset());
            }
        }
    }

    /// The controller moves leadership back to preferred replicas.
    pub(crate) fn on_preferred_leader_election(&mut self, ctx: &mut Ctx<'_, Action>) {
        if !self.controller_up() {
            return;
        }
        self.elect_coordinators(None, true, ctx);
        for tp in self.all_partitions() {
            let partition = self.partition(tp);
            let preferred = partition.replicas[0].broker;
            if partition.leader != Some(preferred)
                && partition.in_sync(preferred)
                && self.cluster.zookeeper.is_registered(preferred)
            {
                self.elect_leader(tp, None, Some(preferred), ctx);
                self.send_stale_states(tp, ctx);
            }
        }
    }

    /// The cluster comes up: every broker has registered with ZooKeeper,
    /// the first won `/controller`, and each topic is created with its
    /// partitions led by their preferred (first) replica, every replica in
    /// sync, at leader epoch 0.
    pub(crate) fn on_bootstrap(&mut self, ctx: &mut Ctx<'_, Action>) {
        let zookeeper = &self.cluster.zookeeper;
        let kraft = self.cluster.kraft.is_some();
        ctx.emit(EventKind::ClusterStarted {
            brokers: self.cluster.brokers.len() as u32,
            controller: zookeeper.controller.filter(|_| !kraft),
            controller_epoch: if kraft { 0 } else { zookeeper.controller_epoch },
        });
        if kraft {
            self.kraft_bootstrap(ctx);
        }
        for (t, topic) in self.topics.iter().enumerate() {
            if topic.partitions.is_empty() {
                // The timeline creates it later.
                continue;
            }
            ctx.emit(EventKind::TopicCreated {
                topic: TopicId(t as u32),
                replicas: topic
                    .partitions
                    .iter()
                    .map(Partition::replica_ids)
                    .collect(),
            });
        }
    }

    /// Creates a topic the timeline adds (`kafka-topics --create`): the
    /// controller makes each partition online, led by its first registered
    /// replica with the registered ones in sync (`PartitionStateMachine`,
    /// `NewPartition` → `OnlinePartition`).
    pub(crate) fn create_topic(
        &mut self,
        topic: TopicId,
        placement: &[Vec<BrokerId>],
        now: SimTime,
    ) {
        let zookeeper = &self.cluster.zookeeper;
        let partitions = placement
            .iter()
            .map(|replicas| {
                let live: Vec<BrokerId> = replicas
                    .iter()
                    .copied()
                    .filter(|&b| zookeeper.is_registered(b))
                    .collect();
                Partition::new(replicas, now).led_by(live.first().copied(), &live, now)
            })
            .collect();
        self.topics[topic.index()].partitions = partitions;
    }

    /// Grows `topic` to `count` partitions (`kafka-topics --alter`). The
    /// new partitions are placed continuing from partition 0's leader, and
    /// led by their first registered replica. Returns false if the topic
    /// already has that many.
    pub(crate) fn create_partitions(&mut self, topic: TopicId, count: u32, now: SimTime) -> bool {
        let brokers = self.cluster.brokers.len() as u32;
        let t = &self.topics[topic.index()];
        let existing = t.partitions.len() as u32;
        if count <= existing || existing == 0 {
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
                let live: Vec<BrokerId> = replicas
                    .iter()
                    .map(|&b| BrokerId(b))
                    .filter(|&b| zookeeper.is_registered(b))
                    .collect();
                let all: Vec<BrokerId> = replicas.iter().map(|&b| BrokerId(b)).collect();
                Partition::new(&all, now).led_by(live.first().copied(), &live, now)
            })
            .collect();
        self.topics[topic.index()].partitions.extend(partitions);
        true
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
