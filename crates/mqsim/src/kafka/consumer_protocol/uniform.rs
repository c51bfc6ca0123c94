//! `uniform`, the consumer protocol's default assignor (`UniformAssignor`).
//!
//! It spreads the partitions evenly over the members and keeps each
//! member's previous target where it can (it is *sticky*). With every
//! member subscribed to the same topics it runs
//! `UniformHomogeneousAssignmentBuilder` (Kafka 4, with KAFKA-18688's fix
//! for stability): each member keeps up to its quota of what it had; the
//! members that already hold more keep the spare "+1" slots, so a count
//! that does not divide evenly causes no churn; the partitions nobody
//! kept — never assigned first, in topic then partition order, then those
//! given up, in member order — fill the members still short of their
//! quota.
//!
//! The members and topics are visited in the order Java's hash maps give
//! them (member ids by `String.hashCode()`, topic ids by `Uuid.hashCode()`),
//! as the coordinator visits them. Members subscribed to different topics
//! need `UniformHeterogeneousAssignmentBuilder`, which this module does not
//! have yet: such a group is refused.

use super::{Assigned, MemberSpec, TopicMeta, homogeneous};
use crate::kafka::assignor::java_order::{hash_map_order, presized_order};

/// The uniform assignment of `topics` to `members`; per member, in the
/// order given.
pub fn assign(members: &[MemberSpec], topics: &[TopicMeta]) -> Result<Assigned, String> {
    let mut assigned: Assigned = vec![Vec::new(); members.len()];
    if members.is_empty() {
        return Ok(assigned);
    }
    if !homogeneous(members) {
        return Err(
            "uniform with members subscribed to different topics is not modelled yet".to_string(),
        );
    }
    let order = member_order(members);
    // The first member's subscription, as a `HashSet<Uuid>`.
    let first = &members[order[0]];
    let hashes: Vec<i32> = first
        .topics
        .iter()
        .map(|&t| topics[t].id.hash_code())
        .collect();
    let subscribed: Vec<usize> = presized_order(&hashes)
        .into_iter()
        .map(|i| first.topics[i])
        .collect();
    if subscribed.is_empty() {
        return Ok(assigned);
    }
    // `GroupSpec.isPartitionAssigned`: in some member's previous target.
    let targeted = |t: usize, p: u32| {
        members
            .iter()
            .any(|m| m.target.iter().any(|(tt, ps)| *tt == t && ps.contains(&p)))
    };
    let mut unassigned: Vec<(usize, u32)> = Vec::new();
    let mut total = 0u32;
    for &t in &subscribed {
        let count = topics[t].partitions;
        unassigned.extend((0..count).filter(|&p| !targeted(t, p)).map(|p| (t, p)));
        total += count;
    }
    let m = members.len() as u32;
    let min_quota = total / m;
    let mut extra = total % m;
    // `maybeRevokePartitions`: each keeps up to its quota of its target.
    let mut unfilled: Vec<(usize, u32)> = Vec::new();
    for (index, &member) in order.iter().enumerate() {
        let mut quota = min_quota;
        let mut has_extra = false;
        if extra > 0 {
            quota += 1;
            has_extra = true;
        }
        for (t, partitions) in in_java_order(&members[member].target, topics) {
            if !subscribed.contains(&t) {
                continue;
            }
            if partitions.len() as u32 <= quota {
                quota -= partitions.len() as u32;
                assigned[member].extend(partitions.iter().map(|&p| (t, p)));
                continue;
            }
            for p in partitions {
                if quota > 0 {
                    quota -= 1;
                    assigned[member].push((t, p));
                } else {
                    unassigned.push((t, p));
                }
            }
        }
        // The spare slot goes to a later member, unless this one is among
        // the last that must take one.
        if quota > 0 && has_extra && m - index as u32 > extra {
            quota -= 1;
            has_extra = false;
        }
        if quota > 0 {
            unfilled.push((member, quota));
        }
        if has_extra {
            extra -= 1;
        }
    }
    // `assignRemainingPartitions`.
    let mut next = unassigned.into_iter();
    for (member, quota) in unfilled {
        for _ in 0..quota {
            let tp = next
                .next()
                .ok_or("partitions ran out before every member's quota")?;
            assigned[member].push(tp);
        }
    }
    if next.next().is_some() {
        return Err("partitions were left unassigned".to_string());
    }
    Ok(assigned)
}

/// The order the coordinator visits members in: its `HashMap` of member
/// ids, by `String.hashCode()`.
pub fn member_order(members: &[MemberSpec]) -> Vec<usize> {
    let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    hash_map_order(&ids)
}

/// A previous target as the coordinator iterates it: topics as a
/// `HashMap<Uuid, …>` does, each topic's partitions as a `HashSet<Integer>`.
fn in_java_order(target: &[(usize, Vec<u32>)], topics: &[TopicMeta]) -> Vec<(usize, Vec<u32>)> {
    let hashes: Vec<i32> = target
        .iter()
        .map(|(t, _)| topics[*t].id.hash_code())
        .collect();
    presized_order(&hashes)
        .into_iter()
        .map(|i| {
            let (t, partitions) = &target[i];
            let hashes: Vec<i32> = partitions.iter().map(|&p| p as i32).collect();
            let ordered = presized_order(&hashes).into_iter().map(|j| partitions[j]);
            (*t, ordered.collect())
        })
        .collect()
}
