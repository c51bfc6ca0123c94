//! `RangeAssignor`, the Java client's historical default.
//!
//! It works topic by topic: the members subscribed to the topic are sorted by
//! member id, the partitions are cut into contiguous ranges of
//! `partitions / members`, and the first `partitions % members` members get
//! one extra. Because every topic is cut the same way, the first members get
//! the extra partition of *every* topic, which is why range can be unbalanced
//! across many topics.

use super::{Member, Topic, sorted_by_id};
use crate::ids::{TopicId, TopicPartition};

pub(super) fn assign(topics: &[Topic<'_>], members: &[Member<'_>]) -> Vec<Vec<TopicPartition>> {
    let mut assignment = vec![Vec::new(); members.len()];
    let by_id = sorted_by_id(members);
    for (t, topic_info) in topics.iter().enumerate() {
        let topic = TopicId(t as u32);
        let subscribed: Vec<usize> = by_id
            .iter()
            .copied()
            .filter(|&m| members[m].topics.contains(&topic))
            .collect();
        if subscribed.is_empty() {
            continue;
        }
        let count = subscribed.len() as u32;
        let per_member = topic_info.partitions / count;
        let extra = topic_info.partitions % count;
        for (i, &m) in subscribed.iter().enumerate() {
            let i = i as u32;
            let start = per_member * i + i.min(extra);
            let length = per_member + u32::from(i < extra);
            assignment[m].extend(
                (start..start + length).map(|partition| TopicPartition { topic, partition }),
            );
        }
    }
    assignment
}
