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
    /// Records some member processed, to count those processed again.
    pub processed: BTreeSet<(TopicPartition, u64)>,
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
}
