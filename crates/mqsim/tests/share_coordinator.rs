//! The share group coordinator (`GroupMetadataManager.shareGroupHeartbeat`,
//! Kafka 4.2) as a state machine: heartbeats in, answers out. A new
//! subscription is first initialized by the share coordinator and only then
//! assigned; a member is given its target at once, with no revocation;
//! partitions are shared when members outnumber them; epochs are checked
//! as Kafka checks them; leaving and a session running out fence.

use mqsim::kafka::consumer_protocol::TopicMeta;
use mqsim::kafka::consumer_protocol::uuid::Uuid;
use mqsim::kafka::share::coordinator::{Heartbeat, HeartbeatError, SESSION_TIMEOUT_MS, ShareGroup};
use mqsim::time::SimTime;

fn topics() -> Vec<TopicMeta> {
    vec![TopicMeta {
        id: Uuid::from_name("jobs"),
        name: "jobs".into(),
        partitions: 2,
    }]
}

fn join(member: &str) -> Heartbeat {
    Heartbeat {
        member: member.into(),
        epoch: 0,
        topics: Some(vec![0]),
    }
}

fn beat(member: &str, epoch: i64) -> Heartbeat {
    Heartbeat {
        member: member.into(),
        epoch,
        topics: None,
    }
}

fn at(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}

/// The first heartbeat asks for the topic's share-partitions to be
/// initialized and gets none; once they are, the next heartbeat bumps the
/// group epoch and assigns them (`initializedAssignmentPending`).
#[test]
fn partitions_are_assigned_only_once_initialized() {
    let mut group = ShareGroup::default();
    let first = group.heartbeat(&join("a"), &topics(), at(0));
    assert_eq!((first.epoch, first.error), (1, None));
    assert_eq!(first.assignment, Some(vec![]));
    assert_eq!(first.initialize, [(0, 2)]);
    // Not initialized yet: still nothing, and not asked for again.
    let waiting = group.heartbeat(&beat("a", 1), &topics(), at(5_000));
    assert_eq!((waiting.assignment, waiting.initialize), (None, vec![]));
    assert_eq!(group.initialized(0, 2), 0..2);
    let assigned = group.heartbeat(&beat("a", 1), &topics(), at(10_000));
    assert_eq!(assigned.epoch, 2);
    assert_eq!(assigned.assignment, Some(vec![(0, 0), (0, 1)]));
}

/// Three members on two partitions: each partition is shared by two
/// (`ceil(3 / 2)`), every member has work, and a member is given its
/// target at once at the new epoch: nothing is revoked first.
#[test]
fn members_outnumbering_partitions_share_them_at_once() {
    let mut group = ShareGroup::default();
    for (i, m) in ["a", "b", "c"].iter().enumerate() {
        group.heartbeat(&join(m), &topics(), at(i as u64));
    }
    group.initialized(0, 2);
    let mut assigned = Vec::new();
    for m in ["a", "b", "c"] {
        let epoch = group.members.iter().find(|x| x.id == m).unwrap().epoch;
        let answer = group.heartbeat(&beat(m, i64::from(epoch)), &topics(), at(5_000));
        assert_eq!(
            answer.epoch,
            i64::from(group.epoch),
            "{m} at the group epoch"
        );
        assigned.push(answer.assignment.expect("its partitions"));
    }
    assert!(assigned.iter().all(|tps| !tps.is_empty()), "{assigned:?}");
    for p in 0..2 {
        let sharing = assigned.iter().filter(|tps| tps.contains(&(0, p))).count();
        assert_eq!(sharing, 2, "partition {p} in {assigned:?}");
    }
}

/// `throwIfShareGroupMemberEpochIsInvalid`: an epoch ahead of the member's
/// is fenced, one behind only if it is the one before; an unknown member
/// must join with epoch 0.
#[test]
fn epochs_are_checked_as_kafka_checks_them() {
    let mut group = ShareGroup::default();
    group.heartbeat(&join("a"), &topics(), at(0));
    group.initialized(0, 2);
    group.heartbeat(&beat("a", 1), &topics(), at(1_000)); // now at 2
    let ahead = group.heartbeat(&beat("a", 5), &topics(), at(2_000));
    assert_eq!(ahead.error, Some(HeartbeatError::FencedMemberEpoch));
    let previous = group.heartbeat(&beat("a", 1), &topics(), at(3_000));
    assert_eq!(previous.error, None, "a lost response: the epoch before");
    let unknown = group.heartbeat(&beat("z", 2), &topics(), at(4_000));
    assert_eq!(unknown.error, Some(HeartbeatError::UnknownMemberId));
}

/// Leaving (epoch -1) and a session running out both remove the member
/// and bump the group epoch.
#[test]
fn leaving_and_a_silent_session_fence() {
    let mut group = ShareGroup::default();
    group.heartbeat(&join("a"), &topics(), at(0));
    group.heartbeat(&join("b"), &topics(), at(0));
    let epoch = group.epoch;
    // a joined at epoch 1; b's joining moved the group on, but a is at 1
    // until its own next heartbeat: 2 would be ahead of it.
    let ahead = group.heartbeat(&beat("a", 2), &topics(), at(100));
    assert_eq!(ahead.error, Some(HeartbeatError::FencedMemberEpoch));
    let moved = group.heartbeat(&beat("a", 1), &topics(), at(100));
    assert_eq!((moved.error, moved.epoch), (None, 2));
    group.heartbeat(&beat("a", -1), &topics(), at(200));
    assert_eq!(group.epoch, epoch + 1);
    assert!(group.expire(at(SESSION_TIMEOUT_MS - 1)).is_empty());
    assert_eq!(group.expire(at(SESSION_TIMEOUT_MS)), ["b"]);
    assert!(group.members.is_empty());
    assert_eq!(group.epoch, epoch + 2);
}
