//! The records of `__cluster_metadata`, named as Kafka's
//! `metadata/src/main/resources/common/metadata/*.json` name them.

use super::quorum::NodeId;

/// One record of the metadata log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataRecord {
    /// The control record a new leader appends first
    /// (`LeaderChangeMessage`). Its epoch's records can commit only once a
    /// record of that epoch has (see [`super::quorum`]).
    LeaderChange { leader: NodeId },
    /// `NoOpRecord`: appended every `metadata.max.idle.interval.ms`
    /// (500 ms) so that the high watermark keeps moving and brokers can
    /// tell that the quorum is alive.
    NoOp,
}
