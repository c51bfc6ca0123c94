//! `StickyAssignor` and `CooperativeStickyAssignor`
//! (`AbstractStickyAssignor` in the Java client).
//!
//! Sticky assignment has two goals, in this order: the assignment is as
//! balanced as possible (counts differ by at most one), and it keeps as many
//! partitions as possible with the member that already owns them, so a
//! rebalance moves few partitions and little state.
//!
//! When all members subscribe to the same topics, Java runs
//! `constrainedAssign`, reproduced here step by step:
//!
//! 1. `minQuota = ⌊partitions / members⌋`, `maxQuota = ⌈partitions / members⌉`.
//! 2. Each member keeps its previously owned partitions, up to `maxQuota`;
//!    the rest of what it owned is revoked. Owned partitions only count if
//!    they come from the highest generation any member reports.
//! 3. Members below `minQuota`, in member-id order, take turns taking the
//!    next unassigned partition (sorted by topic name and partition) until
//!    they reach `minQuota`.
//! 4. If partitions ran out first, under-filled members take a partition
//!    each from members at `maxQuota`.
//! 5. Any partitions left go one each to members at `minQuota`.
//!
//! Java keeps members in `HashMap`s in steps 2, 4 and 5, so the order of
//! the queues there is the map's iteration order; [`super::java_order`]
//! reproduces it.
//!
//! The cooperative variant computes the same assignment, then withholds every
//! partition that changes owner: the old owner must first revoke it, and a
//! second rebalance assigns it. No member ever stops consuming everything at
//! once, unlike the eager protocol.
//!
//! When members subscribe to different topics Java runs `generalAssign`
//! instead, which is not reproduced yet and is refused.

use super::java_order::hash_map_order;
use super::{Assignment, Member, Topic, Unsupported, all_partitions_sorted};
use crate::ids::{TopicId, TopicPartition};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// `AbstractStickyAssignor.DEFAULT_GENERATION`.
const DEFAULT_GENERATION: i32 = -1;

pub(super) fn assign(
    topics: &[Topic<'_>],
    members: &[Member<'_>],
    cooperative: bool,
) -> Result<Assignment, Unsupported> {
    let mut assignment = Assignment {
        partitions: vec![Vec::new(); members.len()],
        withheld: Vec::new(),
    };
    let Some(first) = members.first() else {
        return Ok(assignment);
    };
    let subscribed: BTreeSet<TopicId> = first.topics.iter().copied().collect();
    if members
        .iter()
        .any(|m| m.topics.iter().copied().collect::<BTreeSet<_>>() != subscribed)
    {
        return Err(Unsupported(
            "the sticky assignors are reproduced for groups whose members all subscribe to the same topics; \
             Java's generalAssign, for differing subscriptions, is not reproduced yet"
                .to_string(),
        ));
    }

    // Both `subscriptions` and `consumerToOwnedPartitions` are HashMaps keyed
    // by member id, filled in join order: they iterate in this order.
    let ids: Vec<&str> = members.iter().map(|m| m.id).collect();
    let map_order = hash_map_order(&ids);
    let owned = valid_owned_partitions(members, &map_order, &subscribed);

    let mut unassigned: VecDeque<TopicPartition> = all_partitions_sorted(topics, members).into();
    let total = unassigned.len();
    let count = members.len();
    let min_quota = total / count;
    let max_quota = total.div_ceil(count);

    let mut revoked = BTreeSet::new();
    let mut transferring = BTreeMap::new();
    let mut unfilled = Vec::new();
    let mut at_max: VecDeque<usize> = VecDeque::new();
    let mut at_min: VecDeque<usize> = VecDeque::new();
    let list = &mut assignment.partitions;

    // Step 2: keep owned partitions up to maxQuota.
    for &m in &map_order {
        for (i, &tp) in owned[m].iter().enumerate() {
            if i < max_quota {
                list[m].push(tp);
                unassigned.retain(|&u| u != tp);
            } else {
                revoked.insert(tp);
            }
        }
        if owned[m].len() < min_quota {
            unfilled.push(m);
        } else {
            if list[m].len() == min_quota {
                at_min.push_back(m);
            }
            if list[m].len() == max_quota {
                at_max.push_back(m);
            }
        }
    }

    // Step 3: fill members below minQuota, in member-id order, in turns.
    unfilled.sort_by(|&a, &b| members[a].id.cmp(members[b].id));
    while !unfilled.is_empty() && !unassigned.is_empty() {
        let mut k = 0;
        while k < unfilled.len() {
            let m = unfilled[k];
            let Some(tp) = unassigned.pop_front() else {
                break;
            };
            list[m].push(tp);
            if revoked.contains(&tp) {
                transferring.insert(tp, m);
            }
            if list[m].len() == min_quota {
                at_min.push_back(m);
                unfilled.remove(k);
            } else {
                k += 1;
            }
        }
    }

    // Step 4: partitions ran out; take from members at maxQuota. Owned
    // partitions never exceed the total, so a full member is always there.
    for &m in &unfilled {
        while list[m].len() < min_quota {
            let Some(over) = at_max.pop_front() else {
                break;
            };
            let swapped = list[over].remove(0);
            list[m].push(swapped);
            transferring.insert(swapped, m);
        }
        at_min.push_back(m);
    }

    // Step 5: one each of what is left to members at minQuota.
    for tp in unassigned {
        let Some(m) = at_min.pop_front() else {
            break;
        };
        list[m].push(tp);
        if revoked.contains(&tp) {
            transferring.insert(tp, m);
        }
    }

    if cooperative {
        // CooperativeStickyAssignor.adjustAssignment: a partition changing
        // owner is withheld until its previous owner has revoked it.
        for (tp, m) in transferring {
            list[m].retain(|&p| p != tp);
            assignment.withheld.push(tp);
        }
    }
    Ok(assignment)
}

/// `allSubscriptionsEqual`'s rule for owned partitions: they count only for
/// members of the highest generation reported (or, while no member reports a
/// generation, for members without one), and only on subscribed topics.
fn valid_owned_partitions(
    members: &[Member<'_>],
    map_order: &[usize],
    subscribed: &BTreeSet<TopicId>,
) -> Vec<Vec<TopicPartition>> {
    let mut owned = vec![Vec::new(); members.len()];
    let mut max_generation = DEFAULT_GENERATION;
    let mut highest: Vec<usize> = Vec::new();
    let mut outdated: Vec<usize> = Vec::new();
    for &m in map_order {
        let generation = members[m].generation;
        let counts = match generation {
            Some(g) => g >= max_generation,
            None => max_generation == DEFAULT_GENERATION,
        };
        if !counts {
            continue;
        }
        if let Some(g) = generation.filter(|&g| g > max_generation) {
            outdated.append(&mut highest);
            max_generation = g;
        }
        highest.push(m);
        owned[m] = members[m]
            .owned
            .iter()
            .copied()
            .filter(|tp| subscribed.contains(&tp.topic))
            .collect();
    }
    for m in outdated {
        owned[m].clear();
    }
    owned
}
