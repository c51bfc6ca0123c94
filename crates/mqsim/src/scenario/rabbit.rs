//! The RabbitMQ part of a scenario file: the topology as RabbitMQ declares
//! it (exchanges, queues with their `x-` arguments, bindings), and the
//! clients that publish and consume.

use super::file::defaults;
use crate::rabbit::headers::FieldTable;
use crate::rabbit::topology::{Binding, Exchange};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The RabbitMQ side of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RabbitSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exchanges: Vec<Exchange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<QueueSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bindings: Vec<Binding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publishers: Vec<PublisherSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<RabbitConsumerSpec>,
}

impl RabbitSpec {
    pub fn is_empty(&self) -> bool {
        *self == RabbitSpec::default()
    }
}

/// A queue, with RabbitMQ's own argument names (`x-queue-type`,
/// `x-message-ttl`, `x-max-length`, `x-overflow`, `x-dead-letter-exchange`,
/// `x-dead-letter-routing-key`, `x-delivery-limit`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
    pub arguments: FieldTable,
}

/// A client publishing to one exchange at a steady rate, or only by hand
/// (`rabbit_publish` entries) at rate 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublisherSpec {
    pub name: String,
    /// The exchange it publishes to; `""` is the default exchange.
    pub exchange: String,
    /// Messages per second; 0 publishes nothing on its own.
    pub rate_per_sec: f64,
    /// Routing keys to choose from, uniformly at random (none: `""`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routing_keys: Vec<String>,
    /// Headers on every message.
    #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
    pub headers: FieldTable,
    /// Ask for unroutable messages back (`basic.publish` `mandatory`).
    #[serde(default)]
    pub mandatory: bool,
}

/// A consumer of one queue. The broker pushes messages to it, at most
/// `prefetch` unacknowledged at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RabbitConsumerSpec {
    pub name: String,
    pub queue: String,
    /// `basic.qos` prefetch count; 0 means unlimited.
    #[serde(default = "defaults::prefetch")]
    pub prefetch: u32,
    /// How long handling one message takes.
    #[serde(default = "defaults::processing_ms")]
    pub processing_ms: u64,
    /// `auto_ack`: the broker forgets a message as soon as it sends it.
    #[serde(default)]
    pub auto_ack: bool,
    /// When handling a message fails.
    #[serde(default, skip_serializing_if = "RabbitFailures::is_none")]
    pub failures: RabbitFailures,
    /// Its acknowledgements come from the timeline (`rabbit_ack`,
    /// `rabbit_nack`): a live client's, or a teacher's. It handles nothing
    /// on its own, so `processing_ms` and `failures` do not apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_hand: bool,
    /// With `by_hand`: it takes messages only with `rabbit_get`
    /// (`basic.get`), from any queue; nothing is pushed to it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub get_only: bool,
}

impl RabbitConsumerSpec {
    /// A consumer of `queue` with the defaults a file would get by leaving
    /// fields out.
    pub fn new(name: &str, queue: &str) -> RabbitConsumerSpec {
        RabbitConsumerSpec {
            name: name.to_string(),
            queue: queue.to_string(),
            prefetch: defaults::prefetch(),
            processing_ms: defaults::processing_ms(),
            auto_ack: false,
            failures: RabbitFailures::default(),
            by_hand: false,
            get_only: false,
        }
    }
}

/// When handling fails, and what the consumer then does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RabbitFailures {
    /// Messages with these routing keys fail every time: poison messages.
    #[serde(default)]
    pub poison_routing_keys: Vec<String>,
    /// The chance (0 to 1) that handling fails for a passing reason.
    #[serde(default)]
    pub probability: f64,
    /// `basic.nack` with `requeue` (true: back into the queue; false: to
    /// the dead-letter exchange, or gone).
    #[serde(default)]
    pub requeue: bool,
}

impl RabbitFailures {
    pub fn is_none(&self) -> bool {
        self.poison_routing_keys.is_empty() && self.probability == 0.0
    }
}
