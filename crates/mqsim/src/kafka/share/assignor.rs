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
    let subscribed = &members[0].topics;
    let targets: Vec<(usize, u32)> = subscribed
        .iter()
        .flat_map(|&t| (0..topics[t].partitions).map(move |p| (t, p)))
        .collect();
    if subscribed.is_empty() || m == 0 {
        return vec![Vec::new(); m];
    }
    let sharing = sharing(m, targets.len());
    let desired = desired_counts(sharing, targets.len(), m);
    let hash = |tp| tp_hash(topics, tp);
    let mut holdings = Holdings::new(m, targets.len());
    // `revokeUnassignablePartitions`: keep what is still subscribed.
    for (i, member) in members.iter().enumerate() {
        for (t, partitions) in in_java_order(&member.target, topics) {
            if subscribed.contains(&t) {
                for p in partitions {
                    holdings.keep(i, (t, p), hash((t, p)));
                }
            }
        }
    }
    let all = targets.iter().map(|&tp| (tp, hash(tp)));
    holdings.finish(all, sharing, &desired, 0..m)
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
        let mut holdings = Holdings::new(m, partitions);
        for (i, member) in members.iter().enumerate() {
            if let Some((_, kept)) = member.target.iter().find(|(tt, _)| *tt == t) {
                let hashes: Vec<i32> = kept.iter().map(|&p| p as i32).collect();
                for j in presized_order(&hashes) {
                    holdings.keep(i, kept[j], kept[j] as i32);
                }
            }
        }
        let all = (0..partitions as u32).map(|p| (p, p as i32));
        let topic_held = holdings.finish(all, sharing, &desired, subscribers);
        for (i, ps) in topic_held.into_iter().enumerate() {
            held[i].extend(ps.into_iter().map(|p| (t, p)));
        }
    }
    held
}

/// Who holds what while a builder works: the partitions it has seen
/// (`finalAssignmentByPartition`'s keys), each partition's members and each
/// member's partitions.
struct Holdings<P> {
    by_partition: JavaKeys<P>,
    holders: Vec<(P, JavaKeys<usize>)>,
    mine: Vec<JavaKeys<P>>,
}

impl<P: Copy + PartialEq> Holdings<P> {
    /// For `members` members over `partitions` partitions.
    fn new(members: usize, partitions: usize) -> Holdings<P> {
        Holdings {
            by_partition: JavaKeys::new(Some(partitions)),
            holders: Vec::new(),
            mine: (0..members).map(|_| JavaKeys::new(None)).collect(),
        }
    }

    /// Member `i` keeps `p` (hashing to `hash`) from its last assignment.
    fn keep(&mut self, i: usize, p: P, hash: i32) {
        self.by_partition.insert(p, hash);
        self.holder_set(p).insert(i, i as i32);
        self.mine[i].insert(p, hash);
    }

    fn revoke(&mut self, i: usize, p: P) {
        self.mine[i].remove(p);
        self.holder_set(p).remove(i);
    }

    /// The set of members holding `p`, made on first use.
    fn holder_set(&mut self, p: P) -> &mut JavaKeys<usize> {
        let i = match self.holders.iter().position(|(q, _)| *q == p) {
            Some(i) => i,
            None => {
                self.holders.push((p, JavaKeys::new(None)));
                self.holders.len() - 1
            }
        };
        &mut self.holders[i].1
    }

    /// The revocations, then the partitions `all` (with their hashes) that
    /// are short of their `sharing` round-robin to the `subscribers` (in
    /// ascending number) short of their `desired` count. Per member, what
    /// it holds in the end.
    fn finish(
        mut self,
        all: impl Iterator<Item = (P, i32)>,
        sharing: usize,
        desired: &[usize],
        subscribers: impl IntoIterator<Item = usize>,
    ) -> Vec<Vec<P>> {
        // `revokeOverfilledMembers`: down to the desired count.
        for (i, &want) in desired.iter().enumerate() {
            for p in self.mine[i].ordered() {
                if self.mine[i].len() <= want {
                    break;
                }
                self.revoke(i, p);
            }
        }
        // `revokeOversharedPartitions`: no partition beyond its sharing.
        for p in self.by_partition.ordered() {
            let members_of = self.holder_set(p).ordered();
            let mut count = members_of.len();
            for i in members_of {
                if count <= sharing {
                    break;
                }
                if self.mine[i].contains(p) {
                    self.revoke(i, p);
                    count -= 1;
                }
            }
        }
        for (p, hash) in all {
            self.by_partition.insert(p, hash);
        }
        let mut held: Vec<Vec<P>> = self.mine.iter().map(JavaKeys::ordered).collect();
        // Those short of their count after the revocations.
        let unfilled = subscribers
            .into_iter()
            .filter(|&i| held[i].len() < desired[i]);
        let mut unfilled = Unfilled {
            members: unfilled.collect(),
            cursor: 0,
        };
        let before: Vec<(P, Vec<usize>)> = (self.holders.iter())
            .map(|(p, set)| (*p, set.ordered()))
            .collect();
        let holders_of = |p: P| {
            (before.iter().find(|(q, _)| *q == p))
                .map(|(_, m)| m.clone())
                .unwrap_or_default()
        };
        assign_remaining(
            &self.by_partition.ordered(),
            &holders_of,
            sharing,
            desired,
            &mut unfilled,
            &mut held,
        );
        held
    }
}
