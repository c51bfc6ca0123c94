//! The records of `__cluster_metadata`, named as Kafka's
//! `metadata/src/main/resources/common/metadata/*.json` name them, with
//! the fields the playground shows.

use super::quorum::NodeId;
use crate::ids::{BrokerId, TopicPartition};
use std::rc::Rc;

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
    /// `RegisterBrokerRecord`: a broker process registered, as a new
    /// incarnation (one per process start) with this broker epoch (the
    /// record's own offset). It starts fenced: no leadership until it has
    /// caught up.
    RegisterBroker {
        broker: BrokerId,
        incarnation: u32,
        epoch: u64,
    },
    /// `BrokerRegistrationChangeRecord`: fenced or unfenced, or in
    /// controlled shutdown (`None`: unchanged).
    BrokerRegistrationChange {
        broker: BrokerId,
        fenced: Option<bool>,
        in_controlled_shutdown: Option<bool>,
    },
    /// `TopicRecord`: a topic was created.
    Topic { name: Rc<str> },
    /// `PartitionRecord`: one of its partitions, with its replicas, ISR and
    /// first leader.
    Partition {
        tp: TopicPartition,
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader: Option<BrokerId>,
    },
    /// `PartitionChangeRecord`: a new leader (`leader` is `Some`, holding
    /// `None` for no leader at all) or a new ISR, or both. A new leader
    /// bumps the leader epoch; every change bumps the partition epoch.
    PartitionChange {
        tp: TopicPartition,
        leader: Option<Option<BrokerId>>,
        isr: Option<Vec<BrokerId>>,
    },
}
