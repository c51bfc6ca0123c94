//! Partition assignment: which member of a group reads which partitions.
//!
//! Within one consumer group each partition is read by exactly one member, so
//! the group shares the work and every record is processed once by the group.
//! A member may own several partitions; a member beyond the number of
//! partitions owns none and stays idle. After every membership change the
//! group *rebalances* and an assignor computes a new assignment.
//!
//! This module implements Kafka's `RangeAssignor`
//! (`org.apache.kafka.clients.consumer.RangeAssignor`), the Java client's
//! historical default. It works topic by topic: the members subscribed to the
//! topic are sorted by member id, the partitions are split into contiguous
//! ranges of `partitions / members`, and the first `partitions % members`
//! members get one partition extra.

use crate::ids::TopicId;
use crate::ids::TopicPartition;

/// A member taking part in an assignment: its id and the topics it subscribes to.
#[derive(Clone, Debug)]
pub struct Subscription<'a> {
    pub member_id: &'a str,
    pub topics: &'a [TopicId],
}

/// The range assignment for `members`, given each topic's partition count
/// (indexed by [`TopicId`]). Returns one list per member, in the order the
/// members were given, each sorted by topic and partition.
pub fn range_assign(
    members: &[Subscription<'_>],
    partitions_per_topic: &[u32],
) -> Vec<Vec<TopicPartition>> {
    let mut assignment = vec![Vec::new(); members.len()];
    for (topic_index, &partitions) in partitions_per_topic.iter().enumerate() {
        let topic = TopicId(topic_index as u32);
        let mut subscribed: Vec<usize> = (0..members.len())
            .filter(|&m| members[m].topics.contains(&topic))
            .collect();
        if subscribed.is_empty() {
            continue;
        }
        subscribed.sort_by_key(|&m| members[m].member_id);
        let count = subscribed.len() as u32;
        let per_member = partitions / count;
        let extra = partitions % count;
        for (i, &m) in subscribed.iter().enumerate() {
            let i = i as u32;
            let start = per_member * i + i.min(extra);
            let length = per_member + u32::from(i < extra);
            assignment[m].extend(
                (start..start + length).map(|partition| TopicPartition { topic, partition }),
            );
        }
    }
    for partitions in &mut assignment {
        partitions.sort();
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: u32, partition: u32) -> TopicPartition {
        TopicPartition {
            topic: TopicId(topic),
            partition,
        }
    }

    /// The example in the `RangeAssignor` javadoc: "suppose there are two
    /// consumers C0 and C1, two topics t0 and t1, and each topic has 3
    /// partitions ... The assignment will be: C0: [t0p0, t0p1, t1p0, t1p1],
    /// C1: [t0p2, t1p2]".
    #[test]
    fn matches_the_range_assignor_javadoc_example() {
        let both = [TopicId(0), TopicId(1)];
        let members = [
            Subscription {
                member_id: "C1",
                topics: &both,
            },
            Subscription {
                member_id: "C0",
                topics: &both,
            },
        ];
        let got = range_assign(&members, &[3, 3]);
        assert_eq!(got[1], vec![tp(0, 0), tp(0, 1), tp(1, 0), tp(1, 1)]);
        assert_eq!(got[0], vec![tp(0, 2), tp(1, 2)]);
    }

    #[test]
    fn members_beyond_the_partition_count_stay_idle() {
        let t = [TopicId(0)];
        let members: Vec<Subscription> = ["a", "b", "c", "d"]
            .iter()
            .map(|id| Subscription {
                member_id: id,
                topics: &t,
            })
            .collect();
        let got = range_assign(&members, &[3]);
        assert_eq!(
            got,
            vec![vec![tp(0, 0)], vec![tp(0, 1)], vec![tp(0, 2)], vec![]]
        );
    }

    #[test]
    fn only_subscribers_of_a_topic_share_it() {
        let only_0 = [TopicId(0)];
        let only_1 = [TopicId(1)];
        let members = [
            Subscription {
                member_id: "a",
                topics: &only_0,
            },
            Subscription {
                member_id: "b",
                topics: &only_1,
            },
        ];
        let got = range_assign(&members, &[2, 1]);
        assert_eq!(got, vec![vec![tp(0, 0), tp(0, 1)], vec![tp(1, 0)]]);
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// Every partition of every topic goes to exactly one subscribed member.
        #[test]
        fn every_partition_has_exactly_one_owner(
            members in 1usize..12,
            partitions in proptest::collection::vec(1u32..40, 1..4),
        ) {
            let topics: Vec<TopicId> = (0..partitions.len() as u32).map(TopicId).collect();
            let ids: Vec<String> = (0..members).map(|m| format!("m{m:02}")).collect();
            let subs: Vec<Subscription> =
                ids.iter().map(|id| Subscription { member_id: id, topics: &topics }).collect();
            let got = range_assign(&subs, &partitions);
            let mut owned: Vec<TopicPartition> = got.into_iter().flatten().collect();
            owned.sort();
            let expected: Vec<TopicPartition> = partitions
                .iter()
                .enumerate()
                .flat_map(|(t, &n)| (0..n).map(move |p| tp(t as u32, p)))
                .collect();
            proptest::prop_assert_eq!(owned, expected);
        }
    }
}
