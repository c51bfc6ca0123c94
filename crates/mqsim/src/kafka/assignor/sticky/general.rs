//! `GeneralAssignmentBuilder`: the sticky assignors when members subscribe
//! to different topics.
//!
//! Quotas no longer work (a member can only take partitions of its own
//! topics), so Java searches instead:
//!
//! 1. Each member keeps what it owned on topics it still subscribes to.
//! 2. Topics are ordered by how many members could read them (fewest first,
//!    then by name). Each partition nobody kept goes to the member with the
//!    fewest partitions that can read it (ties broken by member id).
//! 3. Partitions of topics only one member reads, and members that already
//!    have everything they could read, are set aside: they cannot move.
//! 4. While the assignment is unbalanced (some member could take a partition
//!    from a member with at least two more), partitions move to the least
//!    loaded member that can read them, or back to their previous owner.
//!    [`PartitionMovements`] turns a move that would undo an earlier one
//!    into moving that earlier partition back, which keeps things sticky.
//! 5. If members already owned partitions and the moves did not improve the
//!    balance score (the sum of the count differences over all member
//!    pairs), the moves are undone.

use super::super::{Member, Topic};
use super::movements::PartitionMovements;
use super::{Claims, DEFAULT_GENERATION, partitions_of};
use crate::ids::{TopicId, TopicPartition};
use litemap::LiteMap;

/// Returns each member's partitions.
pub(super) fn assign(
    topics: &[Topic<'_>],
    members: &[Member<'_>],
    map_order: &[usize],
    subscribed: &LiteMap<TopicId, ()>,
    claims: Claims,
) -> Vec<Vec<TopicPartition>> {
    let mut topic_members: LiteMap<TopicId, Vec<usize>> =
        crate::sort::lite_map(subscribed.keys().map(|&t| (t, Vec::new())));
    for &m in map_order {
        for topic in members[m].topics {
            if let Some(list) = topic_members.get_mut(topic) {
                list.push(m);
            }
        }
    }
    let mut owner = LiteMap::new_vec();
    for (m, owned) in claims.owned.iter().enumerate() {
        for &tp in owned {
            owner.insert(tp, m);
        }
    }
    let mut builder = General {
        topics,
        members,
        topic_members,
        current: claims.owned,
        owner,
        participating: vec![true; members.len()],
        movements: PartitionMovements::default(),
    };
    let previous = previous_owners(members, map_order, claims.max_generation);
    builder.build(map_order, &previous)
}

/// `prevAssignment`: per partition, the member of the newest generation
/// below the highest that owned it, and that generation. The sticky
/// algorithm prefers to give a partition back to it.
fn previous_owners(
    members: &[Member<'_>],
    map_order: &[usize],
    max_generation: i32,
) -> LiteMap<TopicPartition, (usize, i32)> {
    let mut previous: LiteMap<TopicPartition, (usize, i32)> = LiteMap::new_vec();
    for &m in map_order {
        let generation = match members[m].generation {
            Some(g) if g < max_generation => g,
            None if max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
            _ => continue,
        };
        for &tp in members[m].owned {
            match previous.get(&tp) {
                Some(&(_, newest)) if newest >= generation => {}
                _ => {
                    previous.insert(tp, (m, generation));
                }
            }
        }
    }
    previous
}

struct General<'a> {
    topics: &'a [Topic<'a>],
    members: &'a [Member<'a>],
    /// `topic2AllPotentialConsumers`: the members subscribed to each topic.
    topic_members: LiteMap<TopicId, Vec<usize>>,
    /// `currentAssignment`: each member's partitions so far.
    current: Vec<Vec<TopicPartition>>,
    /// `currentPartitionConsumer`: each partition's member so far.
    owner: LiteMap<TopicPartition, usize>,
    /// Members not set aside as unable to move (step 3).
    participating: Vec<bool>,
    movements: PartitionMovements,
}

impl General<'_> {
    fn build(
        &mut self,
        map_order: &[usize],
        previous: &LiteMap<TopicPartition, (usize, i32)>,
    ) -> Vec<Vec<TopicPartition>> {
        // Step 1: keep what is owned on topics still subscribed to.
        let mut revocation_required = false;
        let mut kept = LiteMap::new_vec();
        for &m in map_order {
            let subscribed = self.members[m].topics;
            let before = self.current[m].len();
            self.current[m].retain(|tp| subscribed.contains(&tp.topic));
            revocation_required |= self.current[m].len() < before;
            for &tp in &self.current[m] {
                kept.insert(tp, ());
            }
        }

        let mut by_readers: Vec<TopicId> = self.topic_members.keys().copied().collect();
        crate::sort::sort_by_key(&mut by_readers, |t| {
            (self.readers(*t), self.topics[t.index()].name)
        });
        let mut sorted_partitions = partitions_of(self.topics, &by_readers);
        let mut unassigned: Vec<TopicPartition> = sorted_partitions
            .iter()
            .copied()
            .filter(|tp| !kept.contains_key(tp))
            .collect();

        // Step 2: each unassigned partition to the least loaded reader.
        let initializing = self.current.iter().all(Vec::is_empty);
        for &tp in &unassigned {
            if let Some(m) = self.least_loaded_reader(tp.topic) {
                self.current[m].push(tp);
                self.owner.insert(tp, m);
            }
        }

        // Step 3: set aside what cannot move.
        sorted_partitions.retain(|tp| self.readers(tp.topic) >= 2);
        unassigned.retain(|tp| self.readers(tp.topic) >= 2);
        for m in 0..self.members.len() {
            self.participating[m] = self.can_participate(m);
        }

        // Step 4: move partitions while that improves the balance.
        let before = (self.current.clone(), self.owner.clone());
        if !revocation_required {
            // First try moving only the partitions that were new.
            self.perform_reassignments(&unassigned, previous);
        }
        let moved = self.perform_reassignments(&sorted_partitions, previous);

        // Step 5: keep the moves only if they made things better.
        if !initializing
            && moved
            && self.balance_score(&self.current) >= self.balance_score(&before.0)
        {
            (self.current, self.owner) = before;
        }
        std::mem::take(&mut self.current)
    }

    /// How many members subscribe to `topic`.
    fn readers(&self, topic: TopicId) -> usize {
        self.topic_members.get(&topic).map_or(0, Vec::len)
    }

    /// `sortedCurrentSubscriptions`: the participating members, fewest
    /// partitions first, ties by member id.
    fn by_load(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.members.len())
            .filter(|&m| self.participating[m])
            .collect();
        crate::sort::sort_by_key(&mut order, |&m| (self.current[m].len(), self.members[m].id));
        order
    }

    fn least_loaded_reader(&self, topic: TopicId) -> Option<usize> {
        self.by_load()
            .into_iter()
            .find(|&m| self.members[m].topics.contains(&topic))
    }

    /// How many partitions `m` could read at most.
    fn max_assignment_size(&self, m: usize) -> usize {
        self.members[m]
            .topics
            .iter()
            .map(|t| self.topics[t.index()].partitions as usize)
            .sum()
    }

    /// `canConsumerParticipateInReassignment`: it could take more, or it
    /// holds a partition someone else could take.
    fn can_participate(&self, m: usize) -> bool {
        self.current[m].len() < self.max_assignment_size(m)
            || self.current[m].iter().any(|tp| self.readers(tp.topic) >= 2)
    }

    /// `isBalanced`: counts differ by at most one, or no member could take a
    /// partition from a member with at least two more than it has.
    fn is_balanced(&self) -> bool {
        let order = self.by_load();
        let (Some(&least), Some(&most)) = (order.first(), order.last()) else {
            return true;
        };
        if self.current[least].len() + 1 >= self.current[most].len() {
            return true;
        }
        for &m in &order {
            let count = self.current[m].len();
            if count == self.max_assignment_size(m) {
                continue;
            }
            for &topic in self.members[m].topics {
                for partition in 0..self.topics[topic.index()].partitions {
                    let tp = TopicPartition { topic, partition };
                    if let Some(&other) = self.owner.get(&tp)
                        && other != m
                        && self.participating[other]
                        && count + 1 < self.current[other].len()
                    {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// `performReassignments`: passes over `partitions`, moving each to a
    /// better member while the assignment is unbalanced, until a pass moves
    /// nothing. Returns whether anything moved.
    fn perform_reassignments(
        &mut self,
        partitions: &[TopicPartition],
        previous: &LiteMap<TopicPartition, (usize, i32)>,
    ) -> bool {
        let mut moved_any = false;
        loop {
            let mut moved = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(&m) = self.owner.get(&tp) else {
                    continue;
                };
                let load = self.current[m].len();
                if let Some(&(prev, _)) = previous.get(&tp)
                    && self.participating[prev]
                    && load > self.current[prev].len() + 1
                {
                    self.reassign(tp, prev);
                    moved = true;
                    continue;
                }
                let better = self.topic_members.get(&tp.topic).is_some_and(|readers| {
                    readers.iter().any(|&other| {
                        self.participating[other] && load > self.current[other].len() + 1
                    })
                });
                if better && let Some(to) = self.least_loaded_reader(tp.topic) {
                    self.reassign(tp, to);
                    moved = true;
                }
            }
            moved_any |= moved;
            if !moved {
                return moved_any;
            }
        }
    }

    /// `reassignPartition`: moves `tp` to `to`, or rather the partition
    /// [`PartitionMovements`] says to move instead.
    fn reassign(&mut self, tp: TopicPartition, to: usize) {
        // Every partition being balanced has an owner by now.
        let Some(&from) = self.owner.get(&tp) else {
            return;
        };
        let tp = self.movements.actual_partition_to_move(tp, from, to);
        let Some(&from) = self.owner.get(&tp) else {
            return;
        };
        self.movements.move_partition(self.topics, tp, from, to);
        self.current[from].retain(|&p| p != tp);
        self.current[to].push(tp);
        self.owner.insert(tp, to);
    }

    /// `getBalanceScore`: the sum of count differences over all pairs of
    /// participating members; 0 is perfectly balanced.
    fn balance_score(&self, assignment: &[Vec<TopicPartition>]) -> usize {
        let counts: Vec<usize> = (0..self.members.len())
            .filter(|&m| self.participating[m])
            .map(|m| assignment[m].len())
            .collect();
        let mut score = 0;
        for (i, a) in counts.iter().enumerate() {
            for b in &counts[i + 1..] {
                score += a.abs_diff(*b);
            }
        }
        score
    }
}
