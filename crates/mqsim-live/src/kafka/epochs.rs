//! `OffsetForLeaderEpoch` (KIP-320): where a leader epoch ends in a
//! partition's log.
//!
//! Every record carries the leader epoch it was written in. When a
//! partition's leader changes, a consumer asks the new leader where the
//! epoch of its last record ends: if that is below its position, the
//! records it read past that point were never committed and are gone from
//! the new leader's log (an unclean election), and it resets; otherwise it
//! reads on. A follower asks the same before truncating its log. The
//! answer is the leader's log as the run has it (`PartitionLog::end_of_epoch`).

use super::metadata::led_by;
use crate::broker::Broker;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
use mqsim::ids::BrokerId;

/// Answers `OffsetForLeaderEpoch` at broker `node`.
pub fn offset_for_leader_epoch(
    broker: &Broker,
    node: BrokerId,
    request: &OffsetForLeaderEpochRequest,
) -> OffsetForLeaderEpochResponse {
    let kafka = broker.kafka();
    let topics = (request.topics.iter())
        .map(|asked| {
            let partitions = (asked.partitions.iter())
                .map(|p| {
                    let answer = EpochEndOffset::default().with_partition(p.partition);
                    let refused = |e: ResponseError| {
                        answer
                            .clone()
                            .with_error_code(e.code())
                            .with_leader_epoch(-1)
                            .with_end_offset(-1)
                    };
                    let partition = match led_by(kafka, &asked.topic.0, p.partition, node) {
                        Ok(partition) => partition,
                        Err(error) => return refused(error),
                    };
                    // The client's idea of the current epoch (v2 on; -1:
                    // none) must be the leader's.
                    let current = partition.leader_epoch as i32;
                    if p.current_leader_epoch > current {
                        return refused(ResponseError::UnknownLeaderEpoch);
                    }
                    if p.current_leader_epoch >= 0 && p.current_leader_epoch < current {
                        return refused(ResponseError::FencedLeaderEpoch);
                    }
                    let ends = u32::try_from(p.leader_epoch)
                        .ok()
                        .and_then(|epoch| partition.log().end_of_epoch(epoch));
                    match ends {
                        Some((epoch, end)) => answer
                            .with_leader_epoch(epoch as i32)
                            .with_end_offset(end as i64),
                        // Every epoch here is newer: UNDEFINED_EPOCH and
                        // UNDEFINED_EPOCH_OFFSET.
                        None => answer.with_leader_epoch(-1).with_end_offset(-1),
                    }
                })
                .collect();
            OffsetForLeaderTopicResult::default()
                .with_topic(asked.topic.clone())
                .with_partitions(partitions)
        })
        .collect();
    OffsetForLeaderEpochResponse::default().with_topics(topics)
}
