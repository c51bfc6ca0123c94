//! `RoundRobinAssignor`: every subscribed partition, sorted by topic name and
//! partition, dealt to the members in id order like cards. A member that does
//! not subscribe to a partition's topic is skipped for that card. With equal
//! subscriptions the counts differ by at most one.

use super::{Member, Topic, all_partitions_sorted, sorted_by_id};
use crate::ids::TopicPartition;

pub(super) fn assign(topics: &[Topic<'_>], members: &[Member<'_>]) -> Vec<Vec<TopicPartition>> {
    let mut assignment = vec![Vec::new(); members.len()];
    let circle = sorted_by_id(members);
    if circle.is_empty() {
        return assignment;
    }
    let mut next = 0;
    for tp in all_partitions_sorted(topics, members) {
        // Some member subscribes to every listed topic, so this stops.
        while !members[circle[next]].topics.contains(&tp.topic) {
            next = (next + 1) % circle.len();
        }
        assignment[circle[next]].push(tp);
        next = (next + 1) % circle.len();
    }
    assignment
}
