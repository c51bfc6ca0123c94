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
//! With members subscribed to different topics it runs
//! `UniformHeterogeneousAssignmentBuilder` (see [`heterogeneous`]).
//!
//! The members and topics are visited in the order Java's hash maps give
//! them (member ids by `String.hashCode()`, topic ids by `Uuid.hashCode()`),
//! as the coordinator visits them.

use super::{Assigned, MemberSpec, TopicMeta, homogeneous};
use crate::kafka::assignor::java_order::{hash_map_order, presized_order};
use std::cmp::Ordering;

/// The uniform assignment of `topics` to `members`; per member, in the
/// order given.
pub fn assign(members: &[MemberSpec], topics: &[TopicMeta]) -> Result<Assigned, String> {
    let mut assigned: Assigned = vec![Vec::new(); members.len()];
    if members.is_empty() {
        return Ok(assigned);
    }
    let order = member_order(members);
    if !homogeneous(members) {
        return heterogeneous(members, topics, &order);
    }
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
pub(crate) fn in_java_order(
    target: &[(usize, Vec<u32>)],
    topics: &[TopicMeta],
) -> Vec<(usize, Vec<u32>)> {
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

/// `UniformHeterogeneousAssignmentBuilder`: members subscribed to
/// different topics. Each member keeps the whole of its previous target in
/// the topics it still subscribes to; the partitions nobody has go, topic
/// by topic (most partitions per subscriber first), each to one of the
/// topic's least loaded subscribers; then, topic by topic, partitions move
/// from the most to the least loaded subscribers until no two differ by
/// more than one (at most 16 passes). Members are numbered in the
/// coordinator's `HashMap` order and compared by how many partitions they
/// have, then by that number.
fn heterogeneous(
    members: &[MemberSpec],
    topics: &[TopicMeta],
    order: &[usize],
) -> Result<Assigned, String> {
    let mut b = Builder::new(members, topics, order);
    if b.subscribed.is_empty() {
        return Ok(vec![Vec::new(); members.len()]);
    }
    // `maybeRevokePartitions`: a member keeps whole topics it still reads.
    for (i, &member) in order.iter().enumerate() {
        for (t, partitions) in &members[member].target {
            if members[member].topics.contains(t) {
                for &p in partitions {
                    b.give(*t, p, i);
                }
            }
        }
    }
    // `assignRemainingPartitions`: to each topic's least loaded subscribers.
    let mut unassigned: Vec<(usize, Vec<u32>)> = b
        .subscribed
        .iter()
        .map(|&t| {
            let free = (0..topics[t].partitions).filter(|&p| b.owners[t][p as usize].is_none());
            (t, free.collect::<Vec<u32>>())
        })
        .filter(|(_, free)| !free.is_empty())
        .collect();
    crate::sort::sort_by(&mut unassigned, |a, c| b.topic_order(a.0, c.0));
    let mut balancer = Balancer::default();
    for (t, free) in unassigned {
        balancer.initialize(&b.subscribers[t], &b.sizes);
        for p in free {
            let least = balancer.next_least_loaded(&b.sizes);
            b.give(t, p, least);
        }
    }
    b.balance();
    let mut assigned: Assigned = vec![Vec::new(); members.len()];
    for (i, &member) in order.iter().enumerate() {
        assigned[member] = std::mem::take(&mut b.assigned[i]);
    }
    Ok(assigned)
}

/// The heterogeneous builder's state: members by their number in the
/// coordinator's order.
struct Builder<'a> {
    topics: &'a [TopicMeta],
    /// The topics anyone subscribes to.
    subscribed: Vec<usize>,
    /// Per topic, its subscribers' numbers, ascending.
    subscribers: Vec<Vec<usize>>,
    /// Per topic and partition, the member it goes to.
    owners: Vec<Vec<Option<usize>>>,
    /// Per member: how many partitions it has, and which.
    sizes: Vec<i64>,
    assigned: Vec<Vec<(usize, u32)>>,
}

/// The most balancing passes over the topics (`MAX_ITERATION_COUNT`).
const MAX_BALANCING_PASSES: usize = 16;

impl<'a> Builder<'a> {
    fn new(members: &[MemberSpec], topics: &'a [TopicMeta], order: &[usize]) -> Builder<'a> {
        let mut subscribed = Vec::new();
        let mut subscribers = vec![Vec::new(); topics.len()];
        for (i, &member) in order.iter().enumerate() {
            for &t in &members[member].topics {
                if !subscribed.contains(&t) {
                    subscribed.push(t);
                }
                subscribers[t].push(i);
            }
        }
        Builder {
            topics,
            subscribed,
            subscribers,
            owners: topics
                .iter()
                .map(|t| vec![None; t.partitions as usize])
                .collect(),
            sizes: vec![0; order.len()],
            assigned: vec![Vec::new(); order.len()],
        }
    }

    /// `topicComparator`: most partitions per subscriber first, then
    /// fewest subscribers, then by topic id.
    fn topic_order(&self, a: usize, b: usize) -> Ordering {
        let per = |t: usize| self.topics[t].partitions as f64 / self.subscribers[t].len() as f64;
        per(b)
            .partial_cmp(&per(a))
            .unwrap_or(Ordering::Equal)
            .then(self.subscribers[a].len().cmp(&self.subscribers[b].len()))
            .then(self.topics[a].id.java_cmp(self.topics[b].id))
    }

    /// `assignPartition`: partition `p` of topic `t` goes to member `to`.
    fn give(&mut self, t: usize, p: u32, to: usize) {
        if let Some(from) = self.owners[t][p as usize] {
            self.assigned[from].retain(|&tp| tp != (t, p));
            self.sizes[from] -= 1;
        }
        self.owners[t][p as usize] = Some(to);
        self.assigned[to].push((t, p));
        self.sizes[to] += 1;
    }

    /// `balanceTopics`, over the topics with two subscribers or more.
    fn balance(&mut self) {
        let mut shared: Vec<usize> = self
            .subscribed
            .iter()
            .copied()
            .filter(|&t| self.subscribers[t].len() >= 2)
            .collect();
        if shared.is_empty() {
            return;
        }
        crate::sort::sort_by(&mut shared, |&a, &b| self.topic_order(a, b));
        let mut last_moved: Option<usize> = None;
        let mut balancer = Balancer::default();
        for _ in 0..MAX_BALANCING_PASSES {
            for (index, &t) in shared.iter().enumerate() {
                if last_moved == Some(index) {
                    return;
                }
                if self.balance_topic(t, &mut balancer) > 0 || last_moved.is_none() {
                    last_moved = Some(index);
                }
            }
        }
    }

    /// `balanceTopic`: moves topic `t`'s partitions from its most to its
    /// least loaded subscribers; how many moved.
    fn balance_topic(&mut self, t: usize, balancer: &mut Balancer) -> usize {
        let subscribers = self.subscribers[t].clone();
        if balancer.initialize(&subscribers, &self.sizes) <= 1 {
            return 0;
        }
        // Each owner's partitions together, by owner then partition.
        let owner = |p: u32| self.owners[t][p as usize].map_or(-1, |o| o as i64);
        let mut partitions: Vec<u32> = (0..self.topics[t].partitions).collect();
        crate::sort::sort_by_key(&mut partitions, |&p| (owner(p), p));
        let mut ranges: Vec<(i64, usize, usize)> = Vec::new();
        for (i, &p) in partitions.iter().enumerate() {
            match ranges.iter_mut().find(|(o, _, _)| *o == owner(p)) {
                Some(range) => range.2 = i + 1,
                None => ranges.push((owner(p), i, i + 1)),
            }
        }
        let mut moved = 0;
        while !balancer.is_balanced() {
            let most = loop {
                let Some(m) = balancer.next_most_loaded(&self.sizes) else {
                    break None;
                };
                match ranges.iter().find(|(o, _, _)| *o == m as i64) {
                    Some((_, start, end)) if end > start => break Some(m),
                    _ => balancer.exclude_most_loaded(),
                }
            };
            let Some(most) = most else {
                break;
            };
            let Some(range) = ranges.iter_mut().find(|(o, _, _)| *o == most as i64) else {
                break;
            };
            range.2 -= 1;
            let p = partitions[range.2];
            let least = balancer.next_least_loaded(&self.sizes);
            if balancer.is_balanced() {
                break;
            }
            self.give(t, p, least);
            moved += 1;
        }
        moved
    }
}

/// `MemberAssignmentBalancer`: a topic's subscribers sorted by load, with a
/// least loaded range that grows rightwards, level by level, and a most
/// loaded range that grows leftwards, until their levels differ by one.
#[derive(Default)]
struct Balancer {
    sorted: Vec<usize>,
    least_end: usize,
    least_level: i64,
    next_least: usize,
    most_start: usize,
    most_end: usize,
    most_level: i64,
    next_most: i64,
}

impl Balancer {
    /// Starts over on `members`; the spread between the most and the
    /// least loaded.
    fn initialize(&mut self, members: &[usize], sizes: &[i64]) -> i64 {
        self.sorted = members.to_vec();
        crate::sort::sort_by_key(&mut self.sorted, |&m| (sizes[m], m));
        let (first, last) = (
            sizes[self.sorted[0]],
            sizes[self.sorted[self.sorted.len() - 1]],
        );
        self.least_end = 0;
        self.least_level = first - 1;
        self.next_least = 0;
        self.most_start = self.sorted.len();
        self.most_end = self.sorted.len();
        self.most_level = last + 1;
        self.next_most = self.sorted.len() as i64 - 1;
        last - first
    }

    fn next_least_loaded(&mut self, sizes: &[i64]) -> usize {
        if self.next_least >= self.least_end {
            self.least_level += 1;
            while self.least_end < self.sorted.len()
                && sizes[self.sorted[self.least_end]] == self.least_level
            {
                self.least_end += 1;
            }
            self.next_least = 0;
        }
        let member = self.sorted[self.next_least];
        self.next_least += 1;
        member
    }

    fn next_most_loaded(&mut self, sizes: &[i64]) -> Option<usize> {
        if self.next_most < self.most_start as i64 {
            if self.most_end <= self.most_start && self.most_start > 0 {
                self.most_level = sizes[self.sorted[self.most_start - 1]];
            } else {
                self.most_level -= 1;
            }
            while self.most_start > 0 && sizes[self.sorted[self.most_start - 1]] == self.most_level
            {
                self.most_start -= 1;
            }
            self.next_most = self.most_end as i64 - 1;
        }
        if self.next_most < 0 {
            return None;
        }
        let member = self.sorted[self.next_most as usize];
        self.next_most -= 1;
        Some(member)
    }

    /// The member just returned has nothing of the topic to give up: out
    /// of the most loaded range.
    fn exclude_most_loaded(&mut self) {
        let i = (self.next_most + 1) as usize;
        self.sorted.swap(i, self.most_end - 1);
        self.most_end -= 1;
    }

    fn is_balanced(&self) -> bool {
        self.most_level - self.least_level <= 1
    }
}
