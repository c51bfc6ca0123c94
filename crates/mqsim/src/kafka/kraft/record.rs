//! The records of `__cluster_metadata`, named as Kafka's
//! `metadata/src/main/resources/common/metadata/*.json` name them, with
//! the fields the playground shows.

use super::quorum::NodeId;
use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Deserializer, Serialize};
use std::rc::Rc;

/// One record of the metadata log. In a trace each is written under its
/// Kafka name (`{"PartitionChangeRecord": {…}}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetadataRecord {
    /// The control record a new leader appends first
    /// (`LeaderChangeMessage`). Its epoch's records can commit only once a
    /// record of that epoch has (see [`super::quorum`]).
    #[serde(rename = "LeaderChangeMessage")]
    LeaderChange { leader: NodeId },
    /// `NoOpRecord`: appended every `metadata.max.idle.interval.ms`
    /// (500 ms) so that the high watermark keeps moving and brokers can
    /// tell that the quorum is alive.
    #[serde(rename = "NoOpRecord")]
    NoOp,
    /// `RegisterBrokerRecord`: a broker process registered, as a new
    /// incarnation (one per process start) with this broker epoch (the
    /// record's own offset). It starts fenced: no leadership until it has
    /// caught up.
    #[serde(rename = "RegisterBrokerRecord")]
    RegisterBroker {
        broker: BrokerId,
        incarnation: u32,
        epoch: u64,
    },
    /// `BrokerRegistrationChangeRecord`: fenced or unfenced, or in
    /// controlled shutdown (`None`: unchanged).
    #[serde(rename = "BrokerRegistrationChangeRecord")]
    BrokerRegistrationChange {
        broker: BrokerId,
        fenced: Option<bool>,
        in_controlled_shutdown: Option<bool>,
    },
    /// `TopicRecord`: a topic was created.
    #[serde(rename = "TopicRecord")]
    Topic { name: Rc<str> },
    /// `PartitionRecord`: one of its partitions, with its replicas, ISR and
    /// first leader.
    #[serde(rename = "PartitionRecord")]
    Partition {
        tp: TopicPartition,
        replicas: Vec<BrokerId>,
        isr: Vec<BrokerId>,
        leader: Option<BrokerId>,
    },
    /// `PartitionChangeRecord`: a new leader (`leader` is `Some`, holding
    /// `None` for no leader at all) or a new ISR, or both. A new leader
    /// bumps the leader epoch; every change bumps the partition epoch.
    #[serde(rename = "PartitionChangeRecord")]
    PartitionChange {
        tp: TopicPartition,
        /// Written only when it changes; `null` is "no leader".
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            deserialize_with = "changed"
        )]
        leader: Option<Option<BrokerId>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        isr: Option<Vec<BrokerId>>,
    },
}

/// A field that is present was changed, even to `null`.
fn changed<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
