//! `ConstrainedAssignmentBuilder`: the sticky assignors when every member
//! subscribes to the same topics.
//!
//! With `P` partitions and `N` members, every member ends with
//! `minQuota = ⌊P / N⌋` or `maxQuota = ⌈P / N⌉` partitions, and exactly
//! `P mod N` members get `maxQuota`. Step by step:
//!
//! 1. Members are visited in `HashMap` order. Each keeps its owned
//!    partitions, sorted by partition number and then topic: all of them if
//!    it owned fewer than `minQuota`; `maxQuota` of them if it owned that
//!    many and the members allowed `maxQuota` are not all taken yet;
//!    otherwise `minQuota`. What it does not keep is revoked.
//! 2. The partitions nobody kept, sorted by topic name and partition, are
//!    dealt round robin to the members still below `minQuota`, in member-id
//!    order; once those are full, one each to members at exactly
//!    `minQuota`, again in member-id order, until `P mod N` members have
//!    `maxQuota`.

use super::super::{Member, Topic};
use super::{Claims, partitions_of};
use crate::ids::{TopicId, TopicPartition};
use litemap::LiteMap;
use std::collections::VecDeque;

/// Returns each member's partitions and the partitions that change owner
/// (`partitionsTransferringOwnership`), with their new owner.
pub(super) fn assign(
    topics: &[Topic<'_>],
    members: &[Member<'_>],
    map_order: &[usize],
    subscribed: &LiteMap<TopicId, ()>,
    claims: &Claims,
) -> (Vec<Vec<TopicPartition>>, LiteMap<TopicPartition, usize>) {
    let mut by_name: Vec<TopicId> = subscribed.keys().copied().collect();
    crate::sort::sort_by_key(&mut by_name, |t| topics[t.index()].name);
    let all = partitions_of(topics, &by_name);

    let count = members.len();
    let min_quota = all.len() / count;
    let max_quota = all.len().div_ceil(count);
    let expected_over_min = all.len() % count;
    let mut over_min = 0;

    let mut assignment = vec![Vec::new(); count];
    let mut kept = LiteMap::new_vec();
    let mut revoked = LiteMap::new_vec();
    let mut under_min: Vec<usize> = Vec::new();
    let mut at_min: VecDeque<usize> = VecDeque::new();

    // Step 1: keep owned partitions, up to the member's quota.
    for &m in map_order {
        let mut owned: Vec<TopicPartition> = claims.owned[m]
            .iter()
            .copied()
            .filter(|tp| !claims.doubly_claimed.contains_key(tp))
            .collect();
        crate::sort::sort_by(&mut owned, |a, b| {
            (a.partition, topics[a.topic.index()].name)
                .cmp(&(b.partition, topics[b.topic.index()].name))
        });
        let keep = if owned.len() < min_quota {
            under_min.push(m);
            owned.len()
        } else if owned.len() >= max_quota && over_min < expected_over_min {
            over_min += 1;
            if over_min == expected_over_min {
                at_min.clear();
            }
            max_quota
        } else {
            if over_min < expected_over_min {
                at_min.push_back(m);
            }
            min_quota
        };
        for &tp in &owned[..keep] {
            kept.insert(tp, ());
        }
        for &tp in &owned[keep..] {
            revoked.insert(tp, ());
        }
        assignment[m].extend_from_slice(&owned[..keep]);
    }

    // Step 2: deal the rest round robin.
    crate::sort::sort_by_key(&mut under_min, |&m| members[m].id);
    crate::sort::sort_by_key(at_min.make_contiguous(), |&m| members[m].id);
    let mut transferring = LiteMap::new_vec();
    // The position of Java's iterator over `under_min`.
    let mut next = 0;
    for tp in all.into_iter().filter(|tp| !kept.contains_key(tp)) {
        let (m, from_under_min) = if next < under_min.len() {
            next += 1;
            (under_min[next - 1], true)
        } else if !under_min.is_empty() {
            next = 1;
            (under_min[0], true)
        } else if let Some(m) = at_min.pop_front() {
            (m, false)
        } else {
            // Cannot happen: the quotas add up to the partition count. Java
            // throws here; the partition stays unassigned.
            continue;
        };
        assignment[m].push(tp);
        if revoked.contains_key(&tp) || claims.doubly_claimed.contains_key(&tp) {
            transferring.insert(tp, m);
        }
        if assignment[m].len() == min_quota && from_under_min {
            next -= 1;
            under_min.remove(next);
            at_min.push_back(m);
        }
    }
    (assignment, transferring)
}
