//! `PartitionMovements`: the general sticky algorithm's memory of which
//! partitions it moved between which members during one assignment.
//!
//! When the algorithm wants to move a partition of topic `t` from member A
//! to member B, and earlier in the same assignment it moved some partition of
//! `t` from B to A, it moves that one back instead. Two moves that cancel
//! out keep both partitions where they were: that is what makes the
//! assignment sticky.
//!
//! Which partition comes back is the first one Java's `HashSet` iterates,
//! so the set's order is reproduced ([`JavaHashSet`]).

use super::super::Topic;
use super::super::java_order::{JavaHashSet, topic_partition_hash_code};
use crate::ids::{TopicId, TopicPartition};
use litemap::LiteMap;

/// A move from one member (`.0`) to another (`.1`), by member index.
type Pair = (usize, usize);

#[derive(Default)]
pub(super) struct PartitionMovements {
    /// Each moved partition's original owner and current owner.
    moves: LiteMap<TopicPartition, Pair>,
    /// The moved partitions per topic and per (from, to) pair.
    by_topic: LiteMap<TopicId, LiteMap<Pair, JavaHashSet<TopicPartition>>>,
}

impl PartitionMovements {
    /// `getTheActualPartitionToBeMoved`: the partition to move from `from`
    /// to `to` when the algorithm asks to move `tp`.
    pub(super) fn actual_partition_to_move(
        &self,
        tp: TopicPartition,
        from: usize,
        to: usize,
    ) -> TopicPartition {
        let Some(pairs) = self.by_topic.get(&tp.topic) else {
            return tp;
        };
        // A partition that moved before counts as moving from its original owner.
        let from = self.moves.get(&tp).map_or(from, |&(original, _)| original);
        pairs
            .get(&(to, from))
            .and_then(JavaHashSet::first)
            .unwrap_or(tp)
    }

    /// `movePartition`: records that `tp` moves from `from` to `to`.
    pub(super) fn move_partition(
        &mut self,
        topics: &[Topic<'_>],
        tp: TopicPartition,
        from: usize,
        to: usize,
    ) {
        match self.remove(tp) {
            // Moving back to where it started: no movement left to record.
            Some((original, _)) if original == to => {}
            Some((original, _)) => self.add(topics, tp, (original, to)),
            None => self.add(topics, tp, (from, to)),
        }
    }

    fn remove(&mut self, tp: TopicPartition) -> Option<Pair> {
        let pair = self.moves.remove(&tp)?;
        if let Some(pairs) = self.by_topic.get_mut(&tp.topic) {
            if let Some(set) = pairs.get_mut(&pair) {
                set.remove(&tp);
                if set.is_empty() {
                    pairs.remove(&pair);
                }
            }
            if pairs.is_empty() {
                self.by_topic.remove(&tp.topic);
            }
        }
        Some(pair)
    }

    fn add(&mut self, topics: &[Topic<'_>], tp: TopicPartition, pair: Pair) {
        self.moves.insert(tp, pair);
        let hash = topic_partition_hash_code(topics[tp.topic.index()].name, tp.partition);
        self.by_topic
            .entry(tp.topic)
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp, hash);
    }
}
