//! Where a topic's replicas live: Kafka's rack-unaware replica placement
//! (`AdminUtils.assignReplicasToBrokers` in ZooKeeper-era Kafka, unchanged
//! since as `StripedReplicaPlacer`'s rack-unaware case).
//!
//! The first replica of partition `p` goes to broker `(p + start) mod n`,
//! so leaders are spread round robin. Each further replica sits a *shift*
//! further along; the shift grows by one after every `n` partitions, so
//! that the followers of one broker's leaders do not all land on the same
//! other broker. `start` and the initial shift are random in Kafka; here
//! they come from the scenario's seed.

/// The replicas (broker indices, preferred leader first) of partitions
/// `first_partition..first_partition + count` of a topic with
/// `replication_factor` replicas on `brokers` brokers.
///
/// Growing a topic places partitions from `first_partition` on, with
/// `start_index` and `first_shift` both set to partition 0's leader, as
/// `AdminZkClient.addPartitions` does.
pub fn assign_replicas(
    count: u32,
    first_partition: u32,
    replication_factor: u32,
    brokers: u32,
    start_index: u32,
    first_shift: u32,
) -> Vec<Vec<u32>> {
    let n = brokers;
    let mut shift = first_shift;
    (first_partition..first_partition + count)
        .map(|partition| {
            if partition > 0 && partition % n == 0 {
                shift += 1;
            }
            let first = (partition + start_index) % n;
            let mut replicas = vec![first];
            for j in 0..replication_factor.saturating_sub(1) {
                let step = 1 + (shift + j) % (n - 1);
                replicas.push((first + step) % n);
            }
            replicas
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in `AdminUtils.assignReplicasToBrokers`' documentation:
    /// 5 brokers, 10 partitions, replication factor 3, start index 0 and
    /// shift 0:
    ///
    /// ```text
    /// broker-0  broker-1  broker-2  broker-3  broker-4
    /// p0        p1        p2        p3        p4       (1st replica)
    /// p5        p6        p7        p8        p9       (1st replica)
    /// p4        p0        p1        p2        p3       (2nd replica)
    /// p8        p9        p5        p6        p7       (2nd replica)
    /// p3        p4        p0        p1        p2       (3nd replica)
    /// p7        p8        p9        p5        p6       (3nd replica)
    /// ```
    #[test]
    fn matches_the_admin_utils_example() {
        let replicas = assign_replicas(10, 0, 3, 5, 0, 0);
        assert_eq!(replicas[0], [0, 1, 2]);
        assert_eq!(replicas[4], [4, 0, 1]);
        assert_eq!(replicas[5], [0, 2, 3]);
        assert_eq!(replicas[9], [4, 1, 2]);
        for (partition, brokers) in replicas.iter().enumerate() {
            assert_eq!(brokers[0], partition as u32 % 5, "leaders round robin");
        }
    }

    /// Partitions 10 and 11 added later: leaders continue round robin from
    /// partition 0's leader, and partition 10, a multiple of 5, bumps the
    /// shift from 0 to 1.
    #[test]
    fn added_partitions_start_from_partition_zeros_leader() {
        assert_eq!(assign_replicas(2, 10, 3, 5, 0, 0), [[0, 2, 3], [1, 3, 4]]);
    }

    #[test]
    fn one_broker_holds_everything() {
        assert_eq!(assign_replicas(3, 0, 1, 1, 0, 0), [[0], [0], [0]]);
    }
}
