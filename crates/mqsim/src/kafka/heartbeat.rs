//! Groups on the consumer protocol (KIP-848) in the engine.
//!
//! A member sends `ConsumerGroupHeartbeat` to its group's coordinator when
//! it starts, every `group.consumer.heartbeat.interval.ms` (5 s), and at
//! once after giving partitions up. The coordinator's side is
//! [`super::consumer_protocol::coordinator`]; its answer carries the
//! member's epoch and, when it changed, its assignment. A member told to
//! give partitions up commits (with auto-commit), revokes just those and
//! heartbeats again, saying what it owns now; new partitions it starts
//! reading from the group's committed offsets. Nobody else stops: there
//! is no group-wide rebalance. A member that stops heartbeating is fenced
//! once the session (45 s) runs out; a member that leaves sends epoch -1.

use super::consumer_protocol::TopicMeta;
use super::consumer_protocol::coordinator::{
    HEARTBEAT_INTERVAL_MS, Heartbeat, Response, SESSION_TIMEOUT_MS,
};
use super::consumer_protocol::reconcile::Tp;
use super::consumer_protocol::uuid::Uuid;
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, TopicId, TopicPartition};
use crate::trace::EventKind;

/// A partition as the coordinator's assignors name it, as the engine does.
pub(in crate::kafka) fn tp_of((t, p): Tp) -> TopicPartition {
    TopicPartition {
        topic: TopicId(t as u32),
        partition: p,
    }
}

impl Kafka {
    /// The topics as the coordinator's assignors see them; a topic not
    /// created yet is left out.
    pub(super) fn topic_metas(&self) -> Vec<TopicMeta> {
        self.topics
            .iter()
            .map(|t| TopicMeta {
                id: Uuid::from_name(&t.name),
                name: t.name.to_string(),
                partitions: t.partitions.len() as u32,
            })
            .collect()
    }

    /// `consumer` heartbeats now: to join (epoch 0), to leave (-1), or at
    /// its epoch with what it owns.
    pub(super) fn send_heartbeat(
        &mut self,
        consumer: ConsumerId,
        epoch: i64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        // A live client heartbeats itself (`consumer_heartbeat`); the run
        // sends only its goodbye, when the client has closed.
        if self.by_hand(consumer) && epoch != -1 {
            return;
        }
        let c = &self.consumers[consumer.index()];
        let group = &self.groups[c.group.index()];
        if group.share.is_some() {
            return self.send_share_heartbeat(consumer, epoch, ctx);
        }
        if group.modern.is_none() {
            let incarnation = c.incarnation;
            ctx.send(Action::Heartbeat {
                consumer,
                incarnation,
            });
            return;
        }
        let owned = c.assigned().map(|tp| (tp.topic.index(), tp.partition));
        let (member, owned) = (c.name.to_string(), Some(owned.collect()));
        let request = Heartbeat {
            member,
            epoch,
            topics: self.subscription_to_send(consumer, epoch),
            owned,
        };
        let arrives_at = ctx.send(Action::ConsumerGroupHeartbeat { consumer, request });
        ctx.emit(EventKind::ConsumerGroupHeartbeatSent {
            consumer,
            member_epoch: epoch,
            arrives_at,
        });
    }

    /// The subscription a heartbeat at `epoch` carries: on joining, and
    /// after `consumer.subscribe()` changed it; none otherwise (unchanged).
    pub(super) fn subscription_to_send(
        &mut self,
        consumer: ConsumerId,
        epoch: i64,
    ) -> Option<Vec<usize>> {
        let c = &mut self.consumers[consumer.index()];
        if epoch != 0 && !std::mem::take(&mut c.resubscribed) {
            return None;
        }
        let group = &self.groups[c.group.index()].topics;
        let topics = c.subscription.as_ref().unwrap_or(group);
        Some(topics.iter().map(|t| t.index()).collect())
    }

    /// `consumer.subscribe(topics)` on a running member: its next
    /// heartbeat, at once, carries the new list.
    pub(super) fn on_subscribe(
        &mut self,
        consumer: ConsumerId,
        topics: Vec<TopicId>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        ctx.emit(EventKind::ConsumerSubscribed {
            consumer,
            topics: topics.clone(),
        });
        c.subscription = Some(topics);
        if !c.running {
            return;
        }
        c.resubscribed = true;
        let epoch = c.member_epoch;
        self.send_heartbeat(consumer, epoch, ctx);
    }

    /// The member's next heartbeat, in `after_ms`.
    pub(super) fn schedule_heartbeat(
        &mut self,
        consumer: ConsumerId,
        after_ms: u64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if self.by_hand(consumer) {
            return;
        }
        let c = &mut self.consumers[consumer.index()];
        c.heartbeat_seq = c.heartbeat_seq.wrapping_add(1);
        ctx.at(
            ctx.now + after_ms,
            Action::MemberHeartbeat {
                consumer,
                incarnation: c.incarnation,
                seq: c.heartbeat_seq,
            },
        );
    }

    /// A member's heartbeat timer fires.
    pub(super) fn on_member_heartbeat(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        seq: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &self.consumers[consumer.index()];
        if c.running && c.incarnation == incarnation && c.heartbeat_seq == seq {
            let epoch = c.member_epoch;
            self.send_heartbeat(consumer, epoch, ctx);
        }
    }

    /// A heartbeat reaches the group's coordinator, which answers.
    pub(super) fn on_consumer_group_heartbeat(
        &mut self,
        consumer: ConsumerId,
        request: Heartbeat,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let action = Action::ConsumerGroupHeartbeat {
            consumer,
            request: request.clone(),
        };
        if !self.coordinator_ready(group, &action, true, ctx) {
            return;
        }
        let topics = self.topic_metas();
        let Some(modern) = self.groups[group.index()].modern.as_mut() else {
            return;
        };
        let reply = modern.heartbeat(&request, &topics, ctx.now);
        let group_epoch = modern.epoch;
        if request.epoch == -1 {
            return;
        }
        let (revoking, awaiting) = match modern.members.iter().find(|m| m.id == request.member) {
            Some(m) => (
                m.current
                    .pending_revocation
                    .iter()
                    .copied()
                    .map(tp_of)
                    .collect(),
                m.target
                    .iter()
                    .filter(|tp| !m.current.assigned.contains(tp))
                    .copied()
                    .map(tp_of)
                    .collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };
        ctx.at(
            ctx.now + SESSION_TIMEOUT_MS,
            Action::ConsumerGroupExpiry { group },
        );
        let incarnation = self.consumers[consumer.index()].incarnation;
        let assignment = reply
            .assignment
            .as_ref()
            .map(|tps| tps.iter().copied().map(tp_of).collect());
        let arrives_at = ctx.send(Action::ConsumerGroupHeartbeatReply {
            consumer,
            incarnation,
            reply: reply.clone(),
        });
        ctx.emit(EventKind::ConsumerGroupHeartbeatAnswered {
            consumer,
            group_epoch,
            member_epoch: reply.epoch,
            assignment,
            revoking,
            awaiting,
            error: reply.error,
            arrives_at,
        });
    }

    /// The coordinator fences the members whose session ran out.
    pub(super) fn on_consumer_group_expiry(&mut self, group: GroupId, ctx: &mut Ctx<'_, Action>) {
        let Some(modern) = self.groups[group.index()].modern.as_mut() else {
            return;
        };
        let fenced = modern.expire(ctx.now);
        self.say_fenced(group, &fenced, ctx);
    }

    /// Says that the coordinator fenced these members of `group`, by name.
    pub(super) fn say_fenced(&self, group: GroupId, names: &[String], ctx: &mut Ctx<'_, Action>) {
        for (i, c) in self.consumers.iter().enumerate() {
            if c.group == group && names.iter().any(|n| **n == *c.name) {
                ctx.emit(EventKind::MemberFenced {
                    consumer: ConsumerId(i as u32),
                });
            }
        }
    }

    /// The coordinator's answer reaches the member: it gives up what is no
    /// longer its own (and says so at once), takes what is new, and
    /// heartbeats again in an interval.
    pub(super) fn on_heartbeat_reply(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        reply: Response,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation {
            return;
        }
        if reply.error.is_some() {
            // Fenced: its partitions are lost; it rejoins.
            c.member_epoch = 0;
            self.revoke(consumer, |_| true, ctx);
            return self.send_heartbeat(consumer, 0, ctx);
        }
        c.member_epoch = reply.epoch;
        let Some(assignment) = reply.assignment else {
            return self.schedule_heartbeat(consumer, HEARTBEAT_INTERVAL_MS, ctx);
        };
        let target: Vec<TopicPartition> = assignment.into_iter().map(tp_of).collect();
        let revoked: Vec<TopicPartition> = c.assigned().filter(|tp| !target.contains(tp)).collect();
        let added = target.iter().any(|tp| !c.owns(tp));
        if !revoked.is_empty() {
            self.commit_before_revoking(consumer, ctx);
            self.revoke(consumer, |tp| revoked.contains(tp), ctx);
        }
        if added {
            self.consumers[consumer.index()].set_assigned(&target);
            ctx.emit(EventKind::PartitionsAssigned {
                consumer,
                generation: reply.epoch.max(0) as u32,
                partitions: target,
            });
        }
        if revoked.is_empty() {
            self.schedule_heartbeat(consumer, HEARTBEAT_INTERVAL_MS, ctx);
        } else {
            // Acknowledges the revocation at once.
            let epoch = reply.epoch;
            self.send_heartbeat(consumer, epoch, ctx);
        }
    }
}
