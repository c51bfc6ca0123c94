//! Share groups (KIP-932, production-ready in Kafka 4.2): queues for Kafka.
//!
//! A consumer group gives each partition to one member, so a group reads
//! at most as fast as it has partitions. A share group lets any number of
//! members read the same partition: each record is *acquired* by one member
//! at a time, for a while (a lock), and acknowledged one by one — accepted,
//! released to be delivered again, or rejected. That is point-to-point
//! messaging, on a Kafka log: the records stay in the log, and the
//! partition's leader keeps, per share group, which of them are done.
//!
//! - [`partition`]: a share-partition (`SharePartition`): the in-flight
//!   records between the share-partition start offset (SPSO) and end, each
//!   available, acquired, acknowledged or archived, with its delivery count.
//! - [`assignor`]: `simple`, which spreads members over partitions, and
//!   has them share one only when they outnumber the partitions.
//! - [`coordinator`]: the group coordinator's side (`ShareGroupHeartbeat`):
//!   epochs and the target assignment, over initialized share-partitions.
//! - `consumer`: the engine's share consumers (`KafkaShareConsumer`) and
//!   the leaders' side of `ShareFetch`: acquiring, acknowledging on the
//!   next fetch, locks running out, a closed session's records released.

pub mod assignor;
mod consumer;
pub mod coordinator;
pub mod partition;

use crate::ids::TopicPartition;
use crate::scenario::{FailedAck, ShareGroupSpec};
use litemap::LiteMap;
use partition::{AckType, SharePartition};
use std::collections::BTreeSet;

/// A share group's state in the engine: its coordinator's, and its
/// share-partitions' on their leaders.
#[derive(Clone, Debug)]
pub struct ShareState {
    pub coordinator: coordinator::ShareGroup,
    /// Created when a member first fetches from the partition.
    pub partitions: LiteMap<TopicPartition, SharePartition>,
    pub settings: partition::Settings,
    /// How members acknowledge a record they failed to process.
    pub on_failure: AckType,
    /// Records some member processed, to count those processed again;
    /// only those a member may still process (see
    /// [`ShareState::processed_before`]).
    processed: BTreeSet<(TopicPartition, u64)>,
}

impl ShareState {
    pub fn new(spec: &ShareGroupSpec) -> ShareState {
        ShareState {
            coordinator: coordinator::ShareGroup::default(),
            partitions: LiteMap::new_vec(),
            settings: partition::Settings {
                delivery_count_limit: spec.delivery_count_limit,
                lock_ms: spec.record_lock_duration_ms,
                max_in_flight: u64::from(spec.partition_max_record_locks),
            },
            on_failure: match spec.on_failure {
                FailedAck::Release => AckType::Release,
                FailedAck::Reject => AckType::Reject,
            },
            processed: BTreeSet::new(),
        }
    }

    /// Whether some member already processed `tp`'s record at `offset`;
    /// from now on one has. A record can be processed again only while it
    /// is in flight (at or past the share-partition start offset) or held
    /// by a member (`held`: the lowest offset on `tp` a member of the group
    /// holds). The others are forgotten, so that the set stays as small as
    /// the records in flight however long the run.
    pub fn processed_before(&mut self, tp: TopicPartition, offset: u64, held: u64) -> bool {
        let start = self.partitions.get(&tp).map_or(0, |p| p.start);
        let keep_from = start.min(held).min(offset);
        let forgotten: Vec<_> = (self.processed.range((tp, 0)..(tp, keep_from)).copied()).collect();
        for old in forgotten {
            self.processed.remove(&old);
        }
        !self.processed.insert((tp, offset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TopicId;

    #[test]
    fn a_processed_record_is_forgotten_once_nobody_can_process_it_again() {
        let spec = serde_json::json!({ "name": "workers", "topics": ["jobs"], "members": [] });
        let mut state = ShareState::new(&serde_json::from_value(spec).unwrap());
        let tp = TopicPartition {
            topic: TopicId(0),
            partition: 0,
        };
        state
            .partitions
            .insert(tp, SharePartition::new(0, state.settings));
        for offset in 0..4 {
            assert!(!state.processed_before(tp, offset, u64::MAX));
        }
        assert!(state.processed_before(tp, 2, u64::MAX), "processed again");
        // The start offset moves past 0..3 while a member still holds 1.
        state.partitions.get_mut(&tp).unwrap().start = 3;
        assert!(state.processed_before(tp, 1, 1), "still remembered");
        assert_eq!(state.processed.len(), 3, "0 forgotten; 1, 2 and 3 kept");
        assert!(state.processed_before(tp, 3, u64::MAX));
        assert_eq!(state.processed.len(), 1, "only 3 is still in flight");
    }
}
