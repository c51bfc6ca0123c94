//! Small typed identifiers.
//!
//! Everything in a run is named in the scenario file, but the engine and its
//! trace refer to things by their position in the scenario: a `TopicId(1)` is
//! the second topic listed. Integers keep events small and cheap to copy, and
//! distinct types keep a producer index from being used as a consumer index.
//! Ids are `u32`, never `usize`, because `usize` is 32 bits on wasm32 and 64
//! natively, and the trace must be identical on both.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub u32);

        impl $name {
            /// The position of this item in its scenario list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// A Kafka topic, by its position in `kafka.topics`.
    TopicId
);
id_type!(
    /// A producer, by its position in `kafka.producers`.
    ProducerId
);
id_type!(
    /// A consumer group, by its position in `kafka.groups`.
    GroupId
);
id_type!(
    /// A consumer, numbered across all groups in the order the scenario lists
    /// them (the first group's members first).
    ConsumerId
);

id_type!(
    /// A Kafka broker, by its `broker.id`: brokers are numbered from 0.
    BrokerId
);

id_type!(
    /// A RabbitMQ queue, by its position in `rabbit.queues`.
    QueueId
);
id_type!(
    /// A RabbitMQ publisher, by its position in `rabbit.publishers`.
    PublisherId
);
id_type!(
    /// A RabbitMQ consumer, by its position in `rabbit.consumers`.
    RabbitConsumerId
);

/// One RabbitMQ message published during a run, numbered in publishing
/// order. A dead-lettered message keeps its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub u64);

/// One record produced during a run, numbered in production order. It follows
/// the record through every hop, so the view can animate one token per record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordId(pub u64);

/// A partition of a topic: Kafka's unit of ordering, storage and parallelism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: TopicId,
    pub partition: u32,
}
