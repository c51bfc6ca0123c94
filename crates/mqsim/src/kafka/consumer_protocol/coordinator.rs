//! The group coordinator's side of a consumer-protocol group
//! (`GroupMetadataManager.consumerGroupHeartbeat`, Kafka 4.2), as a state
//! machine without I/O: a heartbeat in, its response out.
//!
//! - The **group epoch** goes up whenever what the group wants changes: a
//!   member joins, leaves or is fenced, changes its subscription, or a
//!   subscribed topic gains partitions.
//! - When the group epoch is ahead of the **target assignment**'s, the
//!   next heartbeat (from any member) has the server-side assignor compute
//!   a new target, at the group epoch.
//! - Each heartbeat then moves its own member one step towards its target
//!   ([`super::reconcile`]): only the member that heartbeats moves, the
//!   others on their own next heartbeats.
//! - A member whose heartbeats stop for the session timeout
//!   (`group.consumer.session.timeout.ms`, 45 s), or which holds
//!   partitions it must revoke for longer than its rebalance timeout (the
//!   client's `max.poll.interval.ms`, 5 minutes), is fenced: its partitions
//!   are free at once, and the group epoch goes up.

use super::reconcile::{Current, MemberState, Tp, reconcile};
use super::{MemberSpec, ServerAssignor, TopicMeta, assign};
use crate::kafka::group::GroupState;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

/// `group.consumer.heartbeat.interval.ms`.
pub const HEARTBEAT_INTERVAL_MS: u64 = 5_000;
/// `group.consumer.session.timeout.ms`.
pub const SESSION_TIMEOUT_MS: u64 = 45_000;
/// The client's `max.poll.interval.ms`, sent as its rebalance timeout.
pub const REBALANCE_TIMEOUT_MS: u64 = 300_000;

/// A `ConsumerGroupHeartbeat` request.
#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    pub member: String,
    /// 0 to join, -1 to leave, else the epoch the member is at.
    pub epoch: i64,
    /// Its subscribed topics, when they changed (always on joining).
    pub topics: Option<Vec<usize>>,
    /// What it owns, when that changed.
    pub owned: Option<Vec<Tp>>,
}

/// Why a heartbeat was refused, by Kafka's names for the errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum HeartbeatError {
    /// `UNKNOWN_MEMBER_ID`: fenced or never joined; rejoin with epoch 0.
    UnknownMemberId,
    /// `FENCED_MEMBER_EPOCH`: the epoch is not the member's; rejoin.
    FencedMemberEpoch,
}

/// The response: the member's epoch and, when it changed, its assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub epoch: i64,
    pub assignment: Option<Vec<Tp>>,
    pub error: Option<HeartbeatError>,
}

/// One member as the coordinator keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub id: String,
    pub topics: Vec<usize>,
    pub current: Current,
    pub previous_epoch: Option<u32>,
    /// Its share of the target assignment, sorted.
    pub target: Vec<Tp>,
    pub last_heartbeat: SimTime,
    /// Since when it has had partitions to revoke.
    pub revoking_since: Option<SimTime>,
}

/// A consumer-protocol group at its coordinator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub epoch: u32,
    /// The group epoch the target assignment was computed for.
    pub assignment_epoch: u32,
    pub assignor: ServerAssignor,
    /// In the order they joined.
    pub members: Vec<Member>,
    /// A subscribed topic's metadata changed: the next heartbeat looks.
    metadata_changed: bool,
}

impl Group {
    pub fn new(assignor: ServerAssignor) -> Group {
        Group {
            assignor,
            ..Group::default()
        }
    }

    /// Its state (`ConsumerGroup.maybeUpdateGroupState`): empty without
    /// members, assigning while the group epoch is ahead of the target's,
    /// reconciling while some member has yet to reach the target.
    pub fn state(&self) -> GroupState {
        let reconciled = |m: &Member| {
            m.current.epoch == self.assignment_epoch && m.current.state == MemberState::Stable
        };
        if self.members.is_empty() {
            GroupState::Empty
        } else if self.epoch > self.assignment_epoch {
            GroupState::Assigning
        } else if !self.members.iter().all(reconciled) {
            GroupState::Reconciling
        } else {
            GroupState::Stable
        }
    }

    fn member(&self, id: &str) -> Option<usize> {
        self.members.iter().position(|m| m.id == id)
    }

    /// The epoch of the member that owns `tp` now (`currentPartitionEpoch`):
    /// in its assignment or still to revoke.
    pub fn owner_epoch(&self, tp: Tp) -> Option<u32> {
        self.members
            .iter()
            .find(|m| {
                m.current.assigned.contains(&tp) || m.current.pending_revocation.contains(&tp)
            })
            .map(|m| m.current.epoch)
    }

    /// A subscribed topic gained partitions (or appeared): the group epoch
    /// goes up on the next heartbeat.
    pub fn metadata_changed(&mut self) {
        self.metadata_changed = true;
    }

    /// Handles one heartbeat at `now` over `topics`.
    pub fn heartbeat(&mut self, hb: &Heartbeat, topics: &[TopicMeta], now: SimTime) -> Response {
        let refuse = |error| Response {
            epoch: hb.epoch,
            assignment: None,
            error: Some(error),
        };
        if hb.epoch == -1 {
            self.fence(&hb.member);
            return Response {
                epoch: -1,
                assignment: None,
                error: None,
            };
        }
        let index = match (self.member(&hb.member), hb.epoch) {
            (Some(i), 0) => i,
            (None, 0) => {
                self.members.push(Member {
                    id: hb.member.clone(),
                    topics: Vec::new(),
                    current: Current {
                        epoch: 0,
                        state: MemberState::Stable,
                        assigned: Vec::new(),
                        pending_revocation: Vec::new(),
                    },
                    previous_epoch: None,
                    target: Vec::new(),
                    last_heartbeat: now,
                    revoking_since: None,
                });
                self.members.len() - 1
            }
            (None, _) => return refuse(HeartbeatError::UnknownMemberId),
            (Some(i), epoch) => {
                let member = &self.members[i];
                let current = i64::from(member.current.epoch);
                let lost_response = member.previous_epoch.map(i64::from) == Some(epoch)
                    && hb.owned.as_ref().is_some_and(|owned| {
                        owned.iter().all(|tp| member.current.assigned.contains(tp))
                    });
                if epoch > current || (epoch < current && !lost_response) {
                    return refuse(HeartbeatError::FencedMemberEpoch);
                }
                i
            }
        };
        self.members[index].last_heartbeat = now;
        let before = self.members[index].current.assigned.clone();
        // A new or changed subscription bumps the group epoch, as does a
        // change in the subscribed topics' metadata.
        let mut bump = std::mem::take(&mut self.metadata_changed);
        bump |= resubscribed(&mut self.members[index].topics, hb.topics.as_deref());
        if bump {
            self.epoch += 1;
        }
        if self.epoch > self.assignment_epoch {
            self.compute_target(topics);
        }
        self.reconcile(index, hb.owned.as_deref(), now);
        let member = &self.members[index];
        let changed = member.current.assigned != before || hb.epoch == 0;
        Response {
            epoch: i64::from(member.current.epoch),
            assignment: changed.then(|| member.current.assigned.clone()),
            error: None,
        }
    }

    /// Computes the target assignment at the group epoch.
    fn compute_target(&mut self, topics: &[TopicMeta]) {
        let specs: Vec<MemberSpec> = self
            .members
            .iter()
            .map(|m| MemberSpec::of(&m.id, &m.topics, &m.target))
            .collect();
        // A topic the cluster lacks is left out, as the coordinator's
        // `TopicIds` view skips it.
        let assigned = assign(self.assignor, &specs, topics).unwrap_or_default();
        for (member, target) in self.members.iter_mut().zip(assigned) {
            member.target = target;
        }
        self.assignment_epoch = self.epoch;
    }

    /// Moves member `index` one step towards its target.
    fn reconcile(&mut self, index: usize, owned: Option<&[Tp]>, now: SimTime) {
        let member = &self.members[index];
        let next = reconcile(
            &member.current,
            self.assignment_epoch,
            &member.target,
            |tp| self.owner_epoch(tp),
            owned,
        );
        let member = &mut self.members[index];
        if next.epoch != member.current.epoch {
            member.previous_epoch = Some(member.current.epoch);
        }
        member.revoking_since = match next.state {
            MemberState::UnrevokedPartitions => member.revoking_since.or(Some(now)),
            _ => None,
        };
        member.current = next;
    }

    /// Removes a member that left or was fenced: its partitions are free
    /// at once, and the group epoch goes up.
    pub fn fence(&mut self, id: &str) -> bool {
        let Some(i) = self.member(id) else {
            return false;
        };
        self.members.remove(i);
        self.epoch += 1;
        true
    }

    /// Fences the members whose session or rebalance timeout has run out
    /// by `now`; their ids.
    pub fn expire(&mut self, now: SimTime) -> Vec<String> {
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|m| {
                now.millis_since(m.last_heartbeat) >= SESSION_TIMEOUT_MS
                    || m.revoking_since
                        .is_some_and(|since| now.millis_since(since) >= REBALANCE_TIMEOUT_MS)
            })
            .map(|m| m.id.clone())
            .collect();
        for id in &expired {
            self.fence(id);
        }
        expired
    }
}

/// Takes a heartbeat's subscription (`None`: unchanged) into `topics`
/// (sorted); true when it changed, which bumps the group epoch
/// (`hasMemberSubscriptionChanged`).
pub fn resubscribed(topics: &mut Vec<usize>, subscribed: Option<&[usize]>) -> bool {
    let Some(subscribed) = subscribed else {
        return false;
    };
    let mut sorted = subscribed.to_vec();
    crate::sort::sort_by_key(&mut sorted, |&t| t);
    sorted.dedup();
    let changed = sorted != *topics;
    *topics = sorted;
    changed
}
