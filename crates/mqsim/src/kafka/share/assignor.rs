//! `simple`, the share groups' assignor (`SimpleAssignor`, Kafka 4.2 and
//! later): members share a partition only when there are more members
//! than partitions.
//!
//! With `M` members and `P` partitions, each partition goes to
//! `ceil(M / P)` members (its *sharing*: one while members are no more
//! than partitions, as in a consumer group), and member `i` gets
//! `ceil(x·(i+1)) − ceil(x·i)` of them, `x = sharing · P / M`, so all
//! members have work. A member keeps what it had, down to its count; a
//! partition shared by too many drops members; the partitions short of
//! their sharing then go round-robin to the members short of their count.
//!
//! With every member on the same topics it is
//! `SimpleHomogeneousAssignmentBuilder`, over all partitions together;
//! otherwise `SimpleHeterogeneousAssignmentBuilder`, the same topic by
//! topic among each topic's subscribers. Members are numbered in the
//! coordinator's `HashMap` order, and the partitions visited in the order
//! Java's hash maps of `TopicIdPartition`s give (`31 · topic id hash +
//! partition`).

use crate::kafka::assignor::java_order::presized_order;
use crate::kafka::consumer_protocol::uniform::{in_java_order, member_order};
use crate::kafka::consumer_protocol::{Assigned, MemberSpec, TopicMeta};

/// The simple assignment of `topics` to `members`; per member, in the
/// order given.
pub fn assign(members: &[MemberSpec], topics: &[TopicMeta]) -> Assigned {
    let order = member_order(members);
    let by_index: Vec<&MemberSpec> = order.iter().map(|&m| &members[m]).collect();
    let per_index = if crate::kafka::consumer_protocol::homogeneous(members) {
        homogeneous(&by_index, topics)
    } else {
        heterogeneous(&by_index, topics)
    };
    let mut assigned: Assigned = vec![Vec::new(); members.len()];
    for (i, &member) in order.iter().enumerate() {
        let mut tps = per_index[i].clone();
        crate::sort::sort_by_key(&mut tps, |&tp| tp);
        tps.dedup();
        assigned[member] = tps;
    }
    assigned
}

/// `ceil(M / P)`, 0 without partitions.
fn sharing(members: usize, partitions: usize) -> usize {
    if partitions == 0 {
        0
    } else {
        members.div_ceil(partitions)
    }
}

/// Each member's desired count: `ceil(x·(i+1)) − ceil(x·i)`.
fn desired_counts(sharing: usize, partitions: usize, members: usize) -> Vec<usize> {
    let x = (sharing * partitions) as f64 / members as f64;
    (0..members)
        .map(|i| ((x * (i + 1) as f64).ceil() - (x * i as f64).ceil()) as usize)
        .collect()
}

/// `TopicIdPartition.hashCode()`.
fn tp_hash(topics: &[TopicMeta], (t, p): (usize, u32)) -> i32 {
    topics[t]
        .id
        .hash_code()
        .wrapping_mul(31)
        .wrapping_add(p as i32)
}

/// A `HashMap` or `HashSet` built up by insertions: its keys in insertion
/// order, iterated as Java would (by bucket, for the capacity it has).
struct JavaKeys<K> {
    keys: Vec<(K, i32)>,
    /// Presized (`AssignorHelpers.newHashMap`), else grown from 16.
    presized: Option<usize>,
}

impl<K: Copy + PartialEq> JavaKeys<K> {
    fn new(presized: Option<usize>) -> JavaKeys<K> {
        JavaKeys {
            keys: Vec::new(),
            presized,
        }
    }

    fn insert(&mut self, key: K, hash: i32) {
        if !self.keys.iter().any(|(k, _)| *k == key) {
            self.keys.push((key, hash));
        }
    }

    fn remove(&mut self, key: K) {
        self.keys.retain(|(k, _)| *k != key);
    }

    fn contains(&self, key: K) -> bool {
        self.keys.iter().any(|(k, _)| *k == key)
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// The keys in iteration order.
    fn ordered(&self) -> Vec<K> {
        let hashes: Vec<i32> = self.keys.iter().map(|(_, h)| *h).collect();
        let order = match self.presized {
            Some(n) => presized_order_for(&hashes, n),
            None => grown_order(&hashes),
        };
        order.into_iter().map(|i| self.keys[i].0).collect()
    }
}

/// `AssignorHelpers.newHashMap(n)`: sized for `n`, whatever it holds.
fn presized_order_for(hashes: &[i32], n: usize) -> Vec<usize> {
    let capacity = ((((n + 1) as f64 / 0.75) as usize) + 1).next_power_of_two();
    bucket_order(hashes, capacity.max(1))
}

/// `new HashMap<>()`: 16 buckets, doubling past three quarters full.
fn grown_order(hashes: &[i32]) -> Vec<usize> {
    let mut capacity = 16;
    while hashes.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    bucket_order(hashes, capacity)
}

fn bucket_order(hashes: &[i32], capacity: usize) -> Vec<usize> {
    let bucket = |h: i32| {
        let h = h as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    crate::sort::sort_by_key(&mut order, |&i| (bucket(hashes[i]), i));
    order
}

/// The members short of their count, as a `HashSet<Integer>` iterator
/// that may be restarted: ascending, with removal behind the cursor.
struct Unfilled {
    members: Vec<usize>,
    cursor: usize,
}

impl Unfilled {
    fn has_next(&self) -> bool {
        self.cursor < self.members.len()
    }

    fn next(&mut self) -> usize {
        self.cursor += 1;
        self.members[self.cursor - 1]
    }

    /// Removes the member `next` last returned.
    fn remove_last(&mut self) {
        self.cursor -= 1;
        self.members.remove(self.cursor);
    }

    fn restart(&mut self) {
        self.cursor = 0;
    }
}

/// Round-robin over the partitions short of their sharing (in `order`),
/// the members short of their count (`assignRemainingPartitions`).
/// `holders` is who holds each partition before this pass (Kafka does not
/// update it as it assigns), `counts` how many each member has.
fn assign_remaining<P: Copy + PartialEq>(
    order: &[P],
    holders: &dyn Fn(P) -> Vec<usize>,
    sharing: usize,
    desired: &[usize],
    unfilled: &mut Unfilled,
    held: &mut [Vec<P>],
) {
    let mut assigned_this_lap = false;
    for &p in order {
        if unfilled.members.is_empty() {
            break;
        }
        let before = holders(p);
        let mut to_make = sharing.saturating_sub(before.len());
        while to_make > 0 {
            if !unfilled.has_next() {
                if !assigned_this_lap {
                    break;
                }
                unfilled.restart();
                assigned_this_lap = false;
            }
            let member = unfilled.next();
            if !before.contains(&member) {
                if !held[member].contains(&p) {
                    held[member].push(p);
                }
                to_make -= 1;
                assigned_this_lap = true;
                if held[member].len() >= desired[member] {
                    unfilled.remove_last();
                }
            }
        }
    }
}

/// `SimpleHomogeneousAssignmentBuilder`; per member number.
fn homogeneous(members: &[&MemberSpec], topics: &[TopicMeta]) -> Vec<Vec<(usize, u32)>> {
    let m = members.len();
    let mut held: Vec<Vec<(usize, u32)>> = vec![Vec::new(); m];
    let subscribed = &members[0].topics;
    let targets: Vec<(usize, u32)> = subscribed
        .iter()
        .flat_map(|&t| (0..topics[t].partitions).map(move |p| (t, p)))
        .collect();
    if subscribed.is_empty() || m == 0 {
        return held;
    }
    let sharing = sharing(m, targets.len());
    let desired = desired_counts(sharing, targets.len(), m);
    let hash = |tp| tp_hash(topics, tp);
    // `finalAssignmentByPartition` and, per member, its partitions.
    let mut by_partition: JavaKeys<(usize, u32)> = JavaKeys::new(Some(targets.len()));
    let mut holders: Vec<((usize, u32), JavaKeys<usize>)> = Vec::new();
    let mut mine: Vec<JavaKeys<(usize, u32)>> = (0..m).map(|_| JavaKeys::new(None)).collect();
    let mut overfilled = Vec::new();
    let mut unfilled = Vec::new();
    // `revokeUnassignablePartitions`: keep what is still subscribed.
    for (i, member) in members.iter().enumerate() {
        for (t, partitions) in in_java_order(&member.target, topics) {
            if !subscribed.contains(&t) {
                continue;
            }
            for p in partitions {
                by_partition.insert((t, p), hash((t, p)));
                holder_set(&mut holders, (t, p)).insert(i, i as i32);
                mine[i].insert((t, p), hash((t, p)));
            }
        }
        let count = mine[i].len();
        if count < desired[i] {
            unfilled.push(i);
        } else if count > desired[i] {
            overfilled.push(i);
        }
    }
    // `revokeOverfilledMembers`: down to the desired count.
    for &i in &overfilled {
        for tp in mine[i].ordered() {
            if mine[i].len() <= desired[i] {
                break;
            }
            mine[i].remove(tp);
            holder_set(&mut holders, tp).remove(i);
        }
    }
    // `revokeOversharedPartitions`: no partition beyond its sharing.
    for tp in by_partition.ordered() {
        let members_of = holder_set(&mut holders, tp).ordered();
        let mut count = members_of.len();
        if count <= sharing {
            continue;
        }
        for i in members_of {
            if mine[i].contains(tp) {
                mine[i].remove(tp);
                holder_set(&mut holders, tp).remove(i);
                count -= 1;
                if !unfilled.contains(&i) {
                    unfilled.push(i);
                }
            }
            if count <= sharing {
                break;
            }
        }
    }
    for &tp in &targets {
        by_partition.insert(tp, hash(tp));
    }
    for i in 0..m {
        held[i] = mine[i].ordered();
    }
    unfilled.sort_unstable();
    let mut unfilled = Unfilled {
        members: unfilled,
        cursor: 0,
    };
    let before: Vec<((usize, u32), Vec<usize>)> = holders
        .iter()
        .map(|(tp, set)| (*tp, set.ordered()))
        .collect();
    let holders_of = |tp: (usize, u32)| {
        before
            .iter()
            .find(|(t, _)| *t == tp)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    assign_remaining(
        &by_partition.ordered(),
        &holders_of,
        sharing,
        &desired,
        &mut unfilled,
        &mut held,
    );
    held
}

/// The set of members holding `tp`, made on first use.
fn holder_set<P: Copy + PartialEq>(
    holders: &mut Vec<(P, JavaKeys<usize>)>,
    tp: P,
) -> &mut JavaKeys<usize> {
    let i = match holders.iter().position(|(t, _)| *t == tp) {
        Some(i) => i,
        None => {
            holders.push((tp, JavaKeys::new(None)));
            holders.len() - 1
        }
    };
    &mut holders[i].1
}

/// `SimpleHeterogeneousAssignmentBuilder`: the same, topic by topic, among
/// each topic's subscribers; per member number.
fn heterogeneous(members: &[&MemberSpec], topics: &[TopicMeta]) -> Vec<Vec<(usize, u32)>> {
    let m = members.len();
    let mut held: Vec<Vec<(usize, u32)>> = vec![Vec::new(); m];
    // `subscribedTopicIds`: a `HashSet<Uuid>` grown from 16.
    let mut subscribed: JavaKeys<usize> = JavaKeys::new(None);
    for member in members {
        for &t in &member.topics {
            subscribed.insert(t, topics[t].id.hash_code());
        }
    }
    for t in subscribed.ordered() {
        let subscribers: Vec<usize> = (0..m).filter(|&i| members[i].topics.contains(&t)).collect();
        let partitions = topics[t].partitions as usize;
        let sharing = sharing(subscribers.len(), partitions);
        let mut desired = vec![0; m];
        for (k, count) in desired_counts(sharing, partitions, subscribers.len())
            .into_iter()
            .enumerate()
        {
            desired[subscribers[k]] = count;
        }
        // Keys are partition numbers: `Integer` hashes to itself.
        let mut by_partition: JavaKeys<u32> = JavaKeys::new(Some(partitions));
        let mut holders: Vec<(u32, JavaKeys<usize>)> = Vec::new();
        let mut mine: Vec<JavaKeys<u32>> = (0..m).map(|_| JavaKeys::new(None)).collect();
        let mut had: Vec<bool> = vec![false; m];
        for i in 0..m {
            let Some((_, kept)) = members[i].target.iter().find(|(tt, _)| *tt == t) else {
                continue;
            };
            had[i] = true;
            let hashes: Vec<i32> = kept.iter().map(|&p| p as i32).collect();
            for j in presized_order(&hashes) {
                let p = kept[j];
                by_partition.insert(p, p as i32);
                holder_set(&mut holders, p).insert(i, i as i32);
                mine[i].insert(p, p as i32);
            }
        }
        // `revokeOverfilledMembers`, members in ascending number.
        for i in (0..m).filter(|&i| had[i]) {
            for p in mine[i].ordered() {
                if mine[i].len() <= desired[i] {
                    break;
                }
                mine[i].remove(p);
                holder_set(&mut holders, p).remove(i);
            }
        }
        // `revokeOversharedPartitions`.
        for p in by_partition.ordered() {
            let members_of = holder_set(&mut holders, p).ordered();
            let mut count = members_of.len();
            if count <= sharing {
                continue;
            }
            for i in members_of {
                if mine[i].contains(p) {
                    mine[i].remove(p);
                    holder_set(&mut holders, p).remove(i);
                    count -= 1;
                }
                if count <= sharing {
                    break;
                }
            }
        }
        for p in 0..partitions as u32 {
            by_partition.insert(p, p as i32);
        }
        let mut topic_held: Vec<Vec<u32>> = (0..m).map(|i| mine[i].ordered()).collect();
        let unfilled_members: Vec<usize> = subscribers
            .iter()
            .copied()
            .filter(|&i| topic_held[i].len() < desired[i])
            .collect();
        let mut unfilled = Unfilled {
            members: unfilled_members,
            cursor: 0,
        };
        let before: Vec<(u32, Vec<usize>)> =
            holders.iter().map(|(p, set)| (*p, set.ordered())).collect();
        let holders_of = |p: u32| {
            before
                .iter()
                .find(|(q, _)| *q == p)
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        };
        assign_remaining(
            &by_partition.ordered(),
            &holders_of,
            sharing,
            &desired,
            &mut unfilled,
            &mut topic_held,
        );
        for i in 0..m {
            held[i].extend(topic_held[i].iter().map(|&p| (t, p)));
        }
    }
    held
}
