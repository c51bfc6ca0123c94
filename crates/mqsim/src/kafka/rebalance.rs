//! Group membership and rebalancing: Kafka's classic group protocol.
//!
//! Members come and go: a new consumer joins, one leaves with `close()`, one
//! crashes. Each time, the group's coordinator starts a *rebalance*: every
//! member must rejoin, and once all have, the partitions are divided again
//! (a new *generation*). The steps, as the Java client takes them:
//!
//! 1. **Trigger.** A JoinGroup from a new member, a LeaveGroup, or a session
//!    expiry (no heartbeat for `session.timeout.ms`: a crash is noticed only
//!    then, and until then the group waits for the dead member).
//! 2. **Rejoin.** Each member learns of the rebalance from its next
//!    heartbeat (every `heartbeat.interval.ms`, 3 s, answered
//!    `REBALANCE_IN_PROGRESS`) and acts on it inside its next `poll()`:
//!    it auto-commits if auto-commit is on, and sends JoinGroup with what it
//!    owns. Until then it goes on reading, so the members stop at
//!    different moments. An *eager* member (range, roundrobin, sticky) first revokes all
//!    its partitions and stops consuming; a *cooperative* member keeps them.
//! 3. **Assign.** When every known member has joined, the coordinator runs
//!    the group's assignor and sends each member its part. (Kafka sends the
//!    JoinGroup responses, then the leader's assignment in SyncGroup; the
//!    playground draws both as one round trip.)
//! 4. **Cooperative follow-up.** A cooperative member told to give up
//!    partitions revokes just those and rejoins at once; the second rebalance
//!    hands them to their new owners. Nobody stops consuming everything.
//!
//! A new owner starts each partition at the group's committed offset, so
//! whatever a crashed member processed after its last commit is processed
//! again: a duplicate, counted.
//!
//! Members are identified by name; a restarted consumer rejoins under its old
//! name (as with Kafka's static membership), so a crash that restarts within
//! the session timeout rejoins without the group first expiring it.

use super::consumer::Phase;
use super::group::{JoinRequest, Rebalance};
use super::{Action, Kafka, assignor};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, ConsumerId, GroupId, TopicId, TopicPartition};
use crate::scenario::CommitMode;
use crate::trace::{EventKind, MemberAssignment, RebalanceReason};

/// How long a group's leader takes to see a topic it subscribes to once the
/// topic is created: `retry.backoff.max.ms`, the Java client's longest wait
/// between metadata requests while a subscribed topic is unknown.
const METADATA_REFRESH_MS: u64 = 1_000;

/// `heartbeat.interval.ms`, the Java client's default.
const HEARTBEAT_INTERVAL_MS: u64 = 3_000;

impl Kafka {
    /// A consumer process starts (at the start of the run, from the
    /// timeline, or after a crash) and asks to join its group.
    pub(super) fn on_start(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        if c.running {
            return;
        }
        c.running = true;
        c.incarnation = c.incarnation.wrapping_add(1);
        c.leave_requested = false;
        c.rejoin_requested = false;
        c.generation = None;
        c.phase = Phase::Idle;
        c.last_commit_at = ctx.now;
        ctx.emit(EventKind::ConsumerStarted { consumer });
        let group = &self.groups[c.group.index()];
        if group.standalone {
            // consumer.assign(): every partition of its topics, at once.
            let partitions: Vec<TopicPartition> = group
                .topics
                .iter()
                .flat_map(|&topic| {
                    (0..self.topics[topic.index()].partitions.len() as u32)
                        .map(move |partition| TopicPartition { topic, partition })
                })
                .collect();
            c.set_assigned(&partitions);
            ctx.emit(EventKind::PartitionsAssigned {
                consumer,
                generation: 0,
                partitions,
            });
            self.schedule_poll(consumer, ctx.now, ctx);
            return;
        }
        if group.modern.is_some() || group.share.is_some() {
            // KIP-848 and KIP-932: join with a heartbeat; the poll loop
            // runs meanwhile, idle until partitions come.
            self.consumers[consumer.index()].member_epoch = 0;
            self.send_heartbeat(consumer, 0, ctx);
            self.schedule_poll(consumer, ctx.now, ctx);
            return;
        }
        self.send_join(consumer, Vec::new(), ctx);
    }

    /// A consumer dies: it keeps nothing, commits nothing and tells no one.
    pub(super) fn on_crash(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running {
            return;
        }
        c.running = false;
        c.incarnation = c.incarnation.wrapping_add(1);
        c.join_pending = false;
        c.received_assignment = None;
        c.phase = Phase::Idle;
        c.drop_partitions(|_| false);
        c.share_acks.clear();
        c.ack_override = None;
        // Its connection drops: a share group's leaders release what it
        // held at once.
        self.close_share_session(consumer, ctx);
        let c = &self.consumers[consumer.index()];
        // The coordinator notices only when the session runs out. A
        // standalone consumer has no coordinator, so nobody is waiting.
        let group = &self.groups[c.group.index()];
        if !group.standalone {
            let expiry = ctx.now + group.session_timeout_ms;
            ctx.at(
                expiry,
                Action::SessionTimeout {
                    consumer,
                    incarnation: c.incarnation,
                },
            );
        }
        ctx.emit(EventKind::ConsumerCrashed { consumer });
    }

    /// The timeline asks a consumer to leave; it does so at its next poll,
    /// once its current batch is processed. A live client's member has
    /// left already: its client closed.
    pub(super) fn on_leave_requested(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        if !self.consumers[consumer.index()].running {
            return;
        }
        if self.by_hand(consumer) {
            return self.leave_group(consumer, ctx);
        }
        self.consumers[consumer.index()].leave_requested = true;
    }

    /// `consumer.close()`: commit (with auto-commit), revoke, say goodbye.
    pub(super) fn leave_group(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        if self.groups[self.consumers[consumer.index()].group.index()]
            .share
            .is_some()
        {
            return self.leave_share_group(consumer, ctx);
        }
        self.commit_before_revoking(consumer, ctx);
        self.revoke(consumer, |_| true, ctx);
        let c = &mut self.consumers[consumer.index()];
        c.running = false;
        c.incarnation = c.incarnation.wrapping_add(1);
        c.join_pending = false;
        c.received_assignment = None;
        c.drop_partitions(|_| false);
        let group = &self.groups[c.group.index()];
        if group.modern.is_some() {
            self.send_heartbeat(consumer, -1, ctx);
        } else if !group.standalone {
            ctx.send(Action::LeaveGroup { consumer });
        }
        ctx.emit(EventKind::ConsumerLeft { consumer });
    }

    /// A member rejoins a rebalancing group (step 2).
    pub(super) fn rejoin(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &self.consumers[consumer.index()];
        let owned = c.assigned().collect();
        let cooperative = self.groups[c.group.index()].strategy.is_cooperative();
        self.commit_before_revoking(consumer, ctx);
        if !cooperative {
            self.revoke(consumer, |_| true, ctx);
        }
        self.consumers[consumer.index()].rejoin_requested = false;
        self.send_join(consumer, owned, ctx);
    }

    /// `onJoinPrepare`: with auto-commit on, commit the positions reached
    /// before giving anything up.
    pub(super) fn commit_before_revoking(
        &mut self,
        consumer: ConsumerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        let group = &self.groups[c.group.index()];
        // A live client commits for itself (`offset_commit`).
        if matches!(group.commit, CommitMode::Auto { .. }) && !group.by_hand {
            c.last_commit_at = ctx.now;
            let offsets = c.positions_to_commit();
            self.send_commit(consumer, offsets, ctx);
        }
    }

    /// Gives up the owned partitions that `which` selects.
    pub(super) fn revoke(
        &mut self,
        consumer: ConsumerId,
        which: impl Fn(&TopicPartition) -> bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        let partitions: Vec<TopicPartition> = c.assigned().filter(|tp| which(tp)).collect();
        if partitions.is_empty() {
            return;
        }
        c.drop_partitions(|tp| !partitions.contains(tp));
        ctx.emit(EventKind::PartitionsRevoked {
            consumer,
            partitions,
        });
    }

    fn send_join(
        &mut self,
        consumer: ConsumerId,
        owned: Vec<TopicPartition>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        c.join_pending = true;
        let generation = c.generation;
        let arrives_at = ctx.send(Action::JoinGroup {
            consumer,
            owned: owned.clone(),
            generation,
        });
        ctx.emit(EventKind::JoinGroupSent {
            consumer,
            owned,
            arrives_at,
        });
    }

    /// A JoinGroup reaches the coordinator (steps 1 and 3).
    pub(super) fn on_join_group(
        &mut self,
        consumer: ConsumerId,
        owned: Vec<TopicPartition>,
        generation: Option<u32>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let g = &mut self.groups[group.index()];
        let was_empty = g.members.is_empty();
        let reason = if g.members.contains(&consumer) {
            RebalanceReason::Rejoined { consumer }
        } else {
            g.members.push(consumer);
            RebalanceReason::Joined { consumer }
        };
        if g.rebalance.is_none() {
            let delay = if was_empty {
                self.initial_rebalance_delay_ms
            } else {
                0
            };
            self.start_rebalance(group, reason, delay, ctx);
        }
        let g = &mut self.groups[group.index()];
        if let Some(rebalance) = &mut g.rebalance {
            rebalance.joined.retain(|j| j.consumer != consumer);
            rebalance.joined.push(JoinRequest {
                consumer,
                owned,
                generation,
            });
        }
        self.try_complete_rebalance(group, ctx);
    }

    fn start_rebalance(
        &mut self,
        group: GroupId,
        reason: RebalanceReason,
        delay_ms: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let not_before = ctx.now + delay_ms;
        let g = &mut self.groups[group.index()];
        g.rebalance = Some(Rebalance {
            joined: Vec::new(),
            not_before,
        });
        // A leader's assignment still to come is for a generation gone.
        g.awaiting_sync = None;
        if delay_ms > 0 {
            ctx.at(not_before, Action::CompleteRebalance { group });
        }
        ctx.emit(EventKind::RebalanceStarted { group, reason });
    }

    /// Completes the rebalance once every known member has joined (step 3).
    pub(super) fn try_complete_rebalance(&mut self, group: GroupId, ctx: &mut Ctx<'_, Action>) {
        let g = &mut self.groups[group.index()];
        let Some(rebalance) = &g.rebalance else {
            return;
        };
        if ctx.now < rebalance.not_before {
            return;
        }
        if g.members.is_empty() {
            g.rebalance = None;
            return;
        }
        if !g
            .members
            .iter()
            .all(|m| rebalance.joined.iter().any(|j| j.consumer == *m))
        {
            return;
        }
        // The metadata the assignment is made with: the leader's
        // `assignmentSnapshot`.
        g.assigned_metadata = (g.topics.iter())
            .map(|t| self.topics[t.index()].partitions.len() as u32)
            .collect();
        if g.by_hand {
            return self.await_leader(group, ctx);
        }
        let joins: Vec<&JoinRequest> = g
            .members
            .iter()
            .filter_map(|m| rebalance.joined.iter().find(|j| j.consumer == *m))
            .collect();
        let topics: Vec<assignor::Topic> = self
            .topics
            .iter()
            .map(|t| assignor::Topic {
                name: &t.name,
                partitions: t.partitions.len() as u32,
            })
            .collect();
        let members: Vec<assignor::Member> = joins
            .iter()
            .map(|j| assignor::Member {
                id: &self.consumers[j.consumer.index()].name,
                topics: &g.topics,
                owned: &j.owned,
                generation: j.generation.map(|g| g as i32),
            })
            .collect();
        let result = assignor::assign(g.strategy, &topics, &members);
        g.generation += 1;
        g.rebalance = None;
        let generation = g.generation;
        let mut assignment = Vec::new();
        let mut arrives_at = ctx.now;
        for (&consumer, partitions) in g.members.iter().zip(result.partitions) {
            let incarnation = self.consumers[consumer.index()].incarnation;
            arrives_at = ctx.send(Action::SyncGroup {
                consumer,
                incarnation,
                generation,
                partitions: partitions.clone(),
            });
            assignment.push(MemberAssignment {
                consumer,
                partitions,
            });
        }
        ctx.emit(EventKind::GroupRebalanced {
            group,
            generation,
            assignment,
            withheld: result.withheld,
            arrives_at,
        });
    }

    /// A member's assignment arrives. Like the Java client, which handles
    /// the SyncGroup response inside `poll()`, the member applies it at its
    /// next poll, never in the middle of a batch.
    pub(super) fn on_sync_group(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        generation: u32,
        partitions: Vec<TopicPartition>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation {
            return;
        }
        c.received_assignment = Some((generation, partitions));
        // A live client takes it in its SyncGroup answer: it has no poll.
        if self.by_hand(consumer) {
            return self.apply_assignment(consumer, ctx);
        }
        let c = &self.consumers[consumer.index()];
        if c.phase == Phase::Idle {
            self.schedule_poll(consumer, ctx.now, ctx);
        }
    }

    /// Applies a received assignment (steps 3 and 4), at the start of a poll.
    pub(super) fn apply_assignment(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        let Some((generation, partitions)) = c.received_assignment.take() else {
            return;
        };
        c.join_pending = false;
        c.generation = Some(generation);
        let lost: Vec<TopicPartition> =
            c.assigned().filter(|tp| !partitions.contains(tp)).collect();
        if !lost.is_empty() {
            // Cooperative: give up what moves, then rejoin so that it can be
            // assigned to its new owner.
            self.commit_before_revoking(consumer, ctx);
            self.revoke(consumer, |tp| lost.contains(tp), ctx);
            self.consumers[consumer.index()].rejoin_requested = true;
        }
        self.consumers[consumer.index()].set_assigned(&partitions);
        ctx.emit(EventKind::PartitionsAssigned {
            consumer,
            generation,
            partitions,
        });
        // A member of a stable group heartbeats to its coordinator; a live
        // client does so itself.
        if self.by_hand(consumer) {
            return;
        }
        let interval = self.classic_heartbeat_interval_ms(consumer);
        self.schedule_heartbeat(consumer, interval, ctx);
    }

    /// `heartbeat.interval.ms`: 3 s, Kafka's default, or a third of the
    /// group's session timeout when that is shorter (Kafka's advice).
    fn classic_heartbeat_interval_ms(&self, consumer: ConsumerId) -> u64 {
        let group = &self.groups[self.consumers[consumer.index()].group.index()];
        HEARTBEAT_INTERVAL_MS
            .min(group.session_timeout_ms / 3)
            .max(1)
    }

    /// A classic member's `Heartbeat` reaches the coordinator, which
    /// answers `REBALANCE_IN_PROGRESS` while a rebalance waits for it.
    pub(super) fn on_classic_heartbeat(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = &self.groups[self.consumers[consumer.index()].group.index()];
        let rebalancing = group
            .rebalance
            .as_ref()
            .is_some_and(|r| !r.joined.iter().any(|j| j.consumer == consumer));
        ctx.send(Action::HeartbeatReply {
            consumer,
            incarnation,
            rebalancing,
        });
    }

    /// The coordinator's answer reaches the member: it heartbeats again in
    /// an interval, or, told a rebalance is on, rejoins at its next poll.
    pub(super) fn on_classic_heartbeat_reply(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        rebalancing: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation || c.join_pending {
            return;
        }
        if rebalancing {
            c.rejoin_requested = true;
            ctx.emit(EventKind::RebalanceNoticed { consumer });
        } else {
            let interval = self.classic_heartbeat_interval_ms(consumer);
            self.schedule_heartbeat(consumer, interval, ctx);
        }
    }

    /// A topic grows. Its new partitions start empty; every group reading it
    /// sees the new metadata and rebalances to take them on.
    pub(super) fn on_add_partitions(
        &mut self,
        topic: TopicId,
        partitions: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let partitions_before = self.topics[topic.index()].partitions.len();
        if !self.create_partitions(topic, partitions, ctx.now) {
            return;
        }
        let replicas = self.topics[topic.index()]
            .partitions
            .iter()
            .skip(partitions_before)
            .map(|p| p.replica_ids())
            .collect();
        ctx.emit(EventKind::PartitionsAdded {
            topic,
            partitions,
            replicas,
        });
        for g in 0..self.groups.len() {
            let group = &mut self.groups[g];
            if let Some(share) = group.share.as_mut() {
                if group.topics.contains(&topic) {
                    share.coordinator.metadata_changed();
                }
                continue;
            }
            if let Some(modern) = group.modern.as_mut() {
                // The coordinator sees the new metadata: the group epoch
                // goes up at the next heartbeat.
                if group.topics.contains(&topic) {
                    modern.metadata_changed();
                }
                continue;
            }
            if group.topics.contains(&topic)
                && !group.members.is_empty()
                && group.rebalance.is_none()
            {
                self.start_rebalance(
                    GroupId(g as u32),
                    RebalanceReason::PartitionsAdded { topic },
                    0,
                    ctx,
                );
            }
        }
    }

    /// A topic the timeline creates comes into being. A group that
    /// subscribes to it finds out at its leader's next metadata refresh:
    /// while a subscribed topic is unknown, the Java client keeps asking
    /// (`Metadata.handleMetadataResponse` requests an update on
    /// `UNKNOWN_TOPIC_OR_PARTITION`), backing off from `retry.backoff.ms`
    /// (100 ms) to `retry.backoff.max.ms` (1 s). The engine takes the full
    /// second.
    pub(super) fn on_create_topic(
        &mut self,
        topic: TopicId,
        placement: Vec<Vec<BrokerId>>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        self.create_topic(topic, &placement, ctx.now);
        ctx.emit(EventKind::TopicCreated {
            topic,
            replicas: placement,
        });
        for g in 0..self.groups.len() {
            if self.groups[g].topics.contains(&topic) {
                ctx.at(
                    ctx.now + METADATA_REFRESH_MS,
                    Action::TopicNoticed {
                        group: GroupId(g as u32),
                        topic,
                    },
                );
            }
        }
    }

    /// The leader's metadata now has `topic`. If its group's assignment was
    /// made without it, the group rebalances, as
    /// `ConsumerCoordinator.rejoinNeededOrPending` rejoins when "cached
    /// metadata has changed". A group with no members, or one whose
    /// rebalance is under way or was computed with the topic, has nothing
    /// to do.
    pub(super) fn on_topic_noticed(
        &mut self,
        group: GroupId,
        topic: TopicId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if let Some(share) = self.groups[group.index()].share.as_mut() {
            share.coordinator.metadata_changed();
            return;
        }
        if let Some(modern) = self.groups[group.index()].modern.as_mut() {
            modern.metadata_changed();
            return;
        }
        let g = &self.groups[group.index()];
        let now: Vec<u32> = g
            .topics
            .iter()
            .map(|t| self.topics[t.index()].partitions.len() as u32)
            .collect();
        if g.members.is_empty() || g.rebalance.is_some() || g.assigned_metadata == now {
            return;
        }
        self.start_rebalance(group, RebalanceReason::TopicCreated { topic }, 0, ctx);
    }

    /// A LeaveGroup reaches the coordinator.
    pub(super) fn on_leave_group(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        self.remove_member(consumer, RebalanceReason::Left { consumer }, ctx);
    }

    /// No heartbeat for `session.timeout.ms`: if the member is still down,
    /// the coordinator removes it.
    pub(super) fn on_session_timeout(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &self.consumers[consumer.index()];
        if c.running
            || c.incarnation != incarnation
            || !self.groups[c.group.index()].members.contains(&consumer)
        {
            return;
        }
        ctx.emit(EventKind::SessionExpired {
            group: c.group,
            consumer,
        });
        self.remove_member(consumer, RebalanceReason::Expired { consumer }, ctx);
    }

    fn remove_member(
        &mut self,
        consumer: ConsumerId,
        reason: RebalanceReason,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let g = &mut self.groups[group.index()];
        g.members.retain(|m| *m != consumer);
        match &mut g.rebalance {
            Some(rebalance) => rebalance.joined.retain(|j| j.consumer != consumer),
            None if !g.members.is_empty() => self.start_rebalance(group, reason, 0, ctx),
            None => {}
        }
        self.try_complete_rebalance(group, ctx);
    }
}
