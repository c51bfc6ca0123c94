//! Groups of live clients (`by_hand`): consumer groups whose members are
//! real Kafka clients talking to `mqsim serve`.
//!
//! The coordinator is the run's, as for any group: it keeps the members,
//! counts generations, waits for every member to rejoin and stores the
//! committed offsets. What a simulated member does on its own, a live
//! client does itself, and the timeline records it:
//! - it fetches outside the run (from the leaders' logs), so the run has
//!   no polls, fetches or processing for it, and no heartbeats: its
//!   client heartbeats, and hears of a rebalance in the answer;
//! - it rejoins when its client does (`consumer_rejoin`);
//! - once every member has joined, the coordinator answers their
//!   JoinGroup and waits for the leader, the first member to have joined,
//!   to send the assignment its client's assignor made (`group_sync`):
//!   Kafka's coordinator never assigns a classic group itself. It hands
//!   each member its part as the leader made it, and a member takes it at
//!   once, with no poll to wait for;
//! - it commits when its client does (`offset_commit`), and leaves when
//!   its client closes (`consumer_leave`) or, if the client just goes,
//!   when its session runs out (`consumer_crash`).
//!
//! On the consumer protocol (KIP-848) there is no leader and no rejoining:
//! the client heartbeats (`consumer_heartbeat`), to join with epoch 0 and
//! then every few seconds, saying what it owns once it has taken or given
//! up partitions, and the coordinator computes the assignment and answers
//! each heartbeat as it answers a simulated member's. The run takes each
//! answer as its member's state; the client acts on it itself.

use super::consumer_protocol::coordinator::Heartbeat;
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, TopicPartition};
use crate::trace::{CommittedOffset, EventKind, MemberAssignment};

impl Kafka {
    /// Whether `consumer` is a live client's member.
    pub(super) fn by_hand(&self, consumer: ConsumerId) -> bool {
        self.groups[self.consumers[consumer.index()].group.index()].by_hand
    }

    /// Every member has joined generation `generation`: the JoinGroup
    /// answers go out, and the coordinator waits for the leader's
    /// assignment.
    pub(super) fn await_leader(&mut self, group: GroupId, ctx: &mut Ctx<'_, Action>) {
        let g = &mut self.groups[group.index()];
        g.generation += 1;
        g.rebalance = None;
        g.awaiting_sync = Some(g.generation);
        let members = g.members.clone();
        ctx.emit(EventKind::GroupJoined {
            group,
            generation: g.generation,
            leader: members[0],
            members,
        });
    }

    /// A live client's JoinGroup again (`consumer_rejoin`).
    pub(super) fn on_rejoin_by_hand(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        if self.consumers[consumer.index()].running {
            self.rejoin(consumer, ctx);
        }
    }

    /// The leader sends its assignment (`group_sync`).
    pub(super) fn on_assign_by_hand(
        &mut self,
        consumer: ConsumerId,
        generation: u32,
        assignment: Vec<MemberAssignment>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.consumers[consumer.index()].running {
            return;
        }
        let group = self.consumers[consumer.index()].group;
        let arrives_at = ctx.send(Action::LeaderSync {
            group,
            generation,
            assignment,
        });
        ctx.emit(EventKind::SyncGroupSent {
            consumer,
            generation,
            arrives_at,
        });
    }

    /// The leader's assignment reaches the coordinator: for the generation
    /// it waits on, each member is sent its part (none, if the leader gave
    /// it nothing); for any other, it is too late and comes to nothing, as
    /// Kafka answers it `ILLEGAL_GENERATION` or `REBALANCE_IN_PROGRESS`.
    pub(super) fn on_leader_sync(
        &mut self,
        group: GroupId,
        generation: u32,
        assignment: Vec<MemberAssignment>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let g = &mut self.groups[group.index()];
        if g.awaiting_sync != Some(generation) {
            return;
        }
        g.awaiting_sync = None;
        let mut parts = Vec::new();
        let mut arrives_at = ctx.now;
        for &consumer in &g.members {
            let partitions: Vec<TopicPartition> = (assignment.iter())
                .find(|a| a.consumer == consumer)
                .map(|a| a.partitions.clone())
                .unwrap_or_default();
            let incarnation = self.consumers[consumer.index()].incarnation;
            arrives_at = ctx.send(Action::SyncGroup {
                consumer,
                incarnation,
                generation,
                partitions: partitions.clone(),
            });
            parts.push(MemberAssignment {
                consumer,
                partitions,
            });
        }
        ctx.emit(EventKind::GroupRebalanced {
            group,
            generation,
            assignment: parts,
            withheld: Vec::new(),
            arrives_at,
        });
    }

    /// A live client's OffsetCommit (`offset_commit`).
    pub(super) fn on_commit_by_hand(
        &mut self,
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if self.consumers[consumer.index()].running {
            self.send_commit(consumer, offsets, ctx);
        }
    }

    /// A live client's ConsumerGroupHeartbeat (`consumer_heartbeat`): it
    /// crosses the network to the coordinator as a simulated member's does.
    pub(super) fn on_heartbeat_by_hand(
        &mut self,
        consumer: ConsumerId,
        request: Heartbeat,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.consumers[consumer.index()].running {
            return;
        }
        let member_epoch = request.epoch;
        let arrives_at = ctx.send(Action::ConsumerGroupHeartbeat { consumer, request });
        ctx.emit(EventKind::ConsumerGroupHeartbeatSent {
            consumer,
            member_epoch,
            arrives_at,
        });
    }
}
