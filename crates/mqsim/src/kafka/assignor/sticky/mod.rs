//! `StickyAssignor` and `CooperativeStickyAssignor`
//! (`AbstractStickyAssignor` in the Java client, as rewritten for KIP-881 in
//! Kafka 3.5 and unchanged since; racks are not modelled).
//!
//! Sticky assignment has two goals, in this order: the assignment is as
//! balanced as possible, and it keeps as many partitions as possible with the
//! member that already owns them, so a rebalance moves few partitions and
//! little state.
//!
//! Java first works out what each member may keep ([`owned_partitions`]),
//! then picks one of two algorithms:
//! - every member subscribes to the same topics: [`constrained`], which deals
//!   with quotas (`ConstrainedAssignmentBuilder`);
//! - subscriptions differ: [`general`], which assigns to the least loaded
//!   member and then moves partitions until no move improves the balance
//!   (`GeneralAssignmentBuilder`).
//!
//! The cooperative variant computes the same assignment, then withholds every
//! partition that changes owner: the old owner must first revoke it, and a
//! second rebalance assigns it. No member ever stops consuming everything at
//! once, unlike the eager protocol.

mod constrained;
mod general;
mod movements;

use super::java_order::hash_map_order;
use super::{Assignment, Member, Topic};
use crate::ids::{TopicId, TopicPartition};
use litemap::LiteMap;

/// `AbstractStickyAssignor.DEFAULT_GENERATION`.
const DEFAULT_GENERATION: i32 = -1;

pub(super) fn assign(
    topics: &[Topic<'_>],
    members: &[Member<'_>],
    cooperative: bool,
) -> Assignment {
    let mut assignment = Assignment {
        partitions: vec![Vec::new(); members.len()],
        withheld: Vec::new(),
    };
    if members.is_empty() {
        return assignment;
    }
    // `subscriptions` is a HashMap keyed by member id, filled in join order;
    // Java visits members in the order it iterates.
    let ids: Vec<&str> = members.iter().map(|m| m.id).collect();
    let map_order = hash_map_order(&ids);
    // `allSubscriptionsEqual` compares the subscriptions as given, topics
    // the cluster does not have included.
    let first = crate::sort::lite_set(members[0].topics.iter().copied());
    let all_equal = members
        .iter()
        .all(|m| crate::sort::lite_set(m.topics.iter().copied()) == first);
    // Everything after reads only topics with partitions
    // (`partitionsPerTopic`, and the general builder's
    // `partitionsPerTopic.get(topic) != null`).
    let existing: Vec<Vec<TopicId>> = members
        .iter()
        .map(|m| {
            let mut known = m.topics.to_vec();
            known.retain(|t| topics[t.index()].partitions > 0);
            known
        })
        .collect();
    let members: Vec<Member<'_>> = members
        .iter()
        .zip(&existing)
        .map(|(m, topics)| Member { topics, ..*m })
        .collect();
    let members = &members[..];
    let subscribed: LiteMap<TopicId, ()> =
        crate::sort::lite_set(members.iter().flat_map(|m| m.topics.iter().copied()));
    let claims = owned_partitions(members, &map_order, &subscribed);

    let transferring = if all_equal {
        let (partitions, transferring) =
            constrained::assign(topics, members, &map_order, &subscribed, &claims);
        assignment.partitions = partitions;
        transferring
    } else {
        assignment.partitions = general::assign(topics, members, &map_order, &subscribed, claims);
        transferring_ownership(members, &assignment.partitions)
    };

    if cooperative {
        // CooperativeStickyAssignor.adjustAssignment: a partition changing
        // owner is withheld until its previous owner has revoked it.
        for (tp, m) in transferring {
            assignment.partitions[m].retain(|&p| p != tp);
            assignment.withheld.push(tp);
        }
    }
    assignment
}

/// What members may keep, as `allSubscriptionsEqual` works it out while
/// checking the subscriptions.
struct Claims {
    /// Per member, the partitions it owned that it keeps claiming.
    owned: Vec<Vec<TopicPartition>>,
    /// Partitions two members of the same generation both claimed: neither
    /// keeps them.
    doubly_claimed: LiteMap<TopicPartition, ()>,
    /// The highest generation any member reports.
    max_generation: i32,
}

/// `allSubscriptionsEqual`'s bookkeeping of owned partitions. A partition on
/// a subscribed topic goes to its first claimant; a later claimant from a
/// newer generation takes it over, one from the same generation makes it
/// doubly claimed (nobody keeps it), and one from an older generation loses.
fn owned_partitions(
    members: &[Member<'_>],
    map_order: &[usize],
    subscribed: &LiteMap<TopicId, ()>,
) -> Claims {
    let generation = |m: usize| members[m].generation.unwrap_or(DEFAULT_GENERATION);
    let mut owned = vec![Vec::new(); members.len()];
    let mut owner: LiteMap<TopicPartition, usize> = LiteMap::new_vec();
    let mut doubly_claimed = LiteMap::new_vec();
    let mut max_generation = DEFAULT_GENERATION;
    for &m in map_order {
        max_generation = max_generation.max(generation(m));
        for &tp in members[m].owned {
            if !subscribed.contains_key(&tp.topic) {
                continue;
            }
            match owner.get(&tp).copied() {
                None => {
                    owned[m].push(tp);
                    owner.insert(tp, m);
                }
                Some(other) if generation(m) == generation(other) => {
                    doubly_claimed.insert(tp, ());
                    owned[other].retain(|&p| p != tp);
                    owner.insert(tp, m);
                }
                Some(other) if generation(m) > generation(other) => {
                    owned[m].push(tp);
                    owned[other].retain(|&p| p != tp);
                    owner.insert(tp, m);
                }
                Some(_) => {}
            }
        }
    }
    Claims {
        owned,
        doubly_claimed,
        max_generation,
    }
}

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`, for
/// the general case: partitions assigned to a member that did not own them
/// while another member that did own them lost them.
fn transferring_ownership(
    members: &[Member<'_>],
    partitions: &[Vec<TopicPartition>],
) -> LiteMap<TopicPartition, usize> {
    let mut added = LiteMap::new_vec();
    let mut revoked: LiteMap<TopicPartition, ()> = LiteMap::new_vec();
    for (m, assigned) in partitions.iter().enumerate() {
        let owned = members[m].owned;
        for &tp in assigned {
            if !owned.contains(&tp) {
                added.insert(tp, m);
            }
        }
        for &tp in owned.iter().filter(|tp| !assigned.contains(tp)) {
            revoked.insert(tp, ());
        }
    }
    added.retain(|tp, _| revoked.contains_key(tp));
    added
}

/// Every partition of `topics`, in the given topic order.
fn partitions_of(topics: &[Topic<'_>], order: &[TopicId]) -> Vec<TopicPartition> {
    order
        .iter()
        .flat_map(|&topic| {
            (0..topics[topic.index()].partitions)
                .map(move |partition| TopicPartition { topic, partition })
        })
        .collect()
}
