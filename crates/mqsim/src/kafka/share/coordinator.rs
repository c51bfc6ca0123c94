//! The group coordinator's side of a share group
//! (`GroupMetadataManager.shareGroupHeartbeat`, Kafka 4.2), as a state
//! machine without I/O: a `ShareGroupHeartbeat` in, its response out.
//!
//! It is the consumer protocol's loop ([`crate::kafka::consumer_protocol`])
//! without reconciliation:
//! - the **group epoch** goes up when a member joins, leaves or is fenced,
//!   changes its subscription, when a subscribed topic gains partitions,
//!   and when share-partitions finish initializing;
//! - the next heartbeat then has the `simple` assignor
//!   ([`super::assignor`]) compute a new target at the group epoch;
//! - a member is given its target at once: partitions are shared, records
//!   are protected by their locks, so nothing has to be revoked first.
//!
//! **Only initialized share-partitions are assigned.** A topic a member
//! subscribes to for the first time is handed to the share coordinator to
//! initialize (`InitializeShareGroupState`); the heartbeat's answer has
//! no partitions of it, and a heartbeat after the initialization has them.
//! So a new share group starts reading one heartbeat interval after it
//! joins.
//!
//! A member whose heartbeats stop for `group.share.session.timeout.ms`
//! (45 s) is fenced. Fencing only changes the assignment: the records the
//! member had acquired stay locked until their locks run out (or its
//! connection closes, see [`super::partition::SharePartition::release_member`]).

use super::assignor::assign;
pub use crate::kafka::consumer_protocol::coordinator::HeartbeatError;
use crate::kafka::consumer_protocol::coordinator::resubscribed;
use crate::kafka::consumer_protocol::reconcile::Tp;
use crate::kafka::consumer_protocol::{MemberSpec, TopicMeta};
use crate::time::SimTime;

/// `group.share.heartbeat.interval.ms`.
pub const HEARTBEAT_INTERVAL_MS: u64 = 5_000;
/// `group.share.session.timeout.ms`.
pub const SESSION_TIMEOUT_MS: u64 = 45_000;

/// A `ShareGroupHeartbeat` request.
#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    pub member: String,
    /// 0 to join, -1 to leave, else the epoch the member is at.
    pub epoch: i64,
    /// Its subscribed topics (indices), when they changed (always on
    /// joining).
    pub topics: Option<Vec<usize>>,
}

/// The response, and what the coordinator asks of the share coordinator.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub epoch: i64,
    /// The member's partitions, when they changed (always on joining).
    pub assignment: Option<Vec<Tp>>,
    pub error: Option<HeartbeatError>,
    /// Topics (index, partition count) whose share-partitions are now to
    /// be initialized; their state is ready after a write to the share
    /// coordinator, and then [`ShareGroup::initialized`] is called.
    pub initialize: Vec<(usize, u32)>,
}

/// One member as the coordinator keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: String,
    /// Subscribed topic indices, sorted.
    pub topics: Vec<usize>,
    pub epoch: u32,
    pub previous_epoch: Option<u32>,
    /// Its share of the target assignment, sorted.
    pub target: Vec<Tp>,
    /// Its partitions, sorted: the target as of its last heartbeat.
    pub assigned: Vec<Tp>,
    pub last_heartbeat: SimTime,
}

/// A share group at its coordinator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShareGroup {
    pub epoch: u32,
    /// The group epoch the target assignment was computed for.
    pub assignment_epoch: u32,
    /// In the order they joined.
    pub members: Vec<Member>,
    /// Per topic index, how many of its partitions are initialized.
    initialized: Vec<u32>,
    /// Per topic index, how many are asked for (initialized or on the way).
    requested: Vec<u32>,
    /// Something bumps the group epoch at the next heartbeat: metadata
    /// changed, or share-partitions finished initializing.
    bump_pending: bool,
}

impl ShareGroup {
    fn member(&self, id: &str) -> Option<usize> {
        self.members.iter().position(|m| m.id == id)
    }

    /// A subscribed topic gained partitions (or appeared).
    pub fn metadata_changed(&mut self) {
        self.bump_pending = true;
    }

    /// The share coordinator has initialized the first `partitions`
    /// partitions of topic `topic`: they can be assigned from the next
    /// heartbeat on (`initializedAssignmentPending`). The partitions new
    /// to it.
    pub fn initialized(&mut self, topic: usize, partitions: u32) -> std::ops::Range<u32> {
        grow(&mut self.initialized, topic);
        let done = &mut self.initialized[topic];
        let new = *done..partitions.max(*done);
        if !new.is_empty() {
            *done = partitions;
            self.bump_pending = true;
        }
        new
    }

    /// Handles one heartbeat at `now` over the cluster's `topics`.
    pub fn heartbeat(&mut self, hb: &Heartbeat, topics: &[TopicMeta], now: SimTime) -> Response {
        let answer = |epoch, error| Response {
            epoch,
            assignment: None,
            error,
            initialize: Vec::new(),
        };
        if hb.epoch == -1 {
            self.fence(&hb.member);
            return answer(-1, None);
        }
        let index = match (self.member(&hb.member), hb.epoch) {
            (Some(i), 0) => i,
            (None, 0) => {
                self.members.push(Member {
                    id: hb.member.clone(),
                    topics: Vec::new(),
                    epoch: 0,
                    previous_epoch: None,
                    target: Vec::new(),
                    assigned: Vec::new(),
                    last_heartbeat: now,
                });
                self.members.len() - 1
            }
            (None, _) => return answer(hb.epoch, Some(HeartbeatError::UnknownMemberId)),
            (Some(i), epoch) => {
                // A lower epoch is taken only as the one before (a lost
                // response): `throwIfShareGroupMemberEpochIsInvalid`.
                let member = &self.members[i];
                let current = i64::from(member.epoch);
                let previous = member.previous_epoch.map(i64::from);
                if epoch > current || (epoch < current && previous != Some(epoch)) {
                    return answer(epoch, Some(HeartbeatError::FencedMemberEpoch));
                }
                i
            }
        };
        self.members[index].last_heartbeat = now;
        let before = self.members[index].assigned.clone();
        let mut bump = std::mem::take(&mut self.bump_pending);
        bump |= resubscribed(&mut self.members[index].topics, hb.topics.as_deref());
        if bump {
            self.epoch += 1;
        }
        if self.epoch > self.assignment_epoch {
            self.compute_target(topics);
        }
        // `ShareGroupAssignmentBuilder`: the target, at once.
        let member = &mut self.members[index];
        if member.epoch != self.assignment_epoch {
            member.previous_epoch = Some(member.epoch);
            member.epoch = self.assignment_epoch;
            member.assigned = member.target.clone();
        }
        let changed = member.assigned != before || hb.epoch == 0;
        let epoch = i64::from(member.epoch);
        let assignment = changed.then(|| member.assigned.clone());
        Response {
            epoch,
            assignment,
            error: None,
            initialize: self.newly_subscribed(topics),
        }
    }

    /// The subscribed partitions nobody has asked the share coordinator to
    /// initialize yet; from now on they are asked for.
    fn newly_subscribed(&mut self, topics: &[TopicMeta]) -> Vec<(usize, u32)> {
        let mut subscribed: Vec<usize> = (self.members.iter())
            .flat_map(|m| m.topics.iter().copied())
            .collect();
        crate::sort::sort_by_key(&mut subscribed, |&t| t);
        subscribed.dedup();
        let mut asks = Vec::new();
        for t in subscribed {
            let Some(meta) = topics.get(t) else { continue };
            grow(&mut self.requested, t);
            if meta.partitions > self.requested[t] {
                self.requested[t] = meta.partitions;
                asks.push((t, meta.partitions));
            }
        }
        asks
    }

    /// Computes the target at the group epoch, over the initialized
    /// share-partitions only.
    fn compute_target(&mut self, topics: &[TopicMeta]) {
        let assignable: Vec<TopicMeta> = (topics.iter().enumerate())
            .map(|(t, meta)| TopicMeta {
                partitions: meta
                    .partitions
                    .min(self.initialized.get(t).copied().unwrap_or(0)),
                ..meta.clone()
            })
            .collect();
        let specs: Vec<MemberSpec> = self
            .members
            .iter()
            .map(|m| MemberSpec::of(&m.id, &m.topics, &m.target))
            .collect();
        let assigned = assign(&specs, &assignable);
        for (member, target) in self.members.iter_mut().zip(assigned) {
            member.target = target;
        }
        self.assignment_epoch = self.epoch;
    }

    /// Removes a member that left or was fenced; the group epoch goes up.
    pub fn fence(&mut self, id: &str) -> bool {
        let Some(i) = self.member(id) else {
            return false;
        };
        self.members.remove(i);
        self.epoch += 1;
        true
    }

    /// Fences the members whose session has run out by `now`; their ids.
    pub fn expire(&mut self, now: SimTime) -> Vec<String> {
        let expired: Vec<String> = (self.members.iter())
            .filter(|m| now.millis_since(m.last_heartbeat) >= SESSION_TIMEOUT_MS)
            .map(|m| m.id.clone())
            .collect();
        for id in &expired {
            self.fence(id);
        }
        expired
    }
}

fn grow(counts: &mut Vec<u32>, topic: usize) {
    if counts.len() <= topic {
        counts.resize(topic + 1, 0);
    }
}
