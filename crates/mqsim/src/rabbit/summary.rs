//! A snapshot of the RabbitMQ side in the terms `rabbitmqctl list_queues`
//! uses: per queue, messages ready and unacknowledged, and its consumers.

use super::broker::Rabbit;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RabbitSummary {
    pub queues: Vec<QueueSummary>,
    pub consumers: Vec<ConsumerSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueSummary {
    pub name: String,
    /// `classic` or `quorum`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub messages_ready: u64,
    pub messages_unacknowledged: u64,
    pub consumers: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerSummary {
    pub name: String,
    pub queue: String,
    /// Messages it handled and acknowledged (or took with auto-ack).
    pub handled: u64,
}

impl Rabbit {
    pub fn summary(&self) -> RabbitSummary {
        RabbitSummary {
            // As `rabbitmqctl list_queues`: the queues that exist now.
            queues: self
                .queues
                .iter()
                .enumerate()
                .filter(|(_, q)| q.is_live())
                .map(|(i, q)| QueueSummary {
                    name: q.name.to_string(),
                    kind: match q.kind {
                        super::queue::QueueType::Classic => "classic",
                        super::queue::QueueType::Quorum => "quorum",
                    },
                    messages_ready: q.ready_count(),
                    messages_unacknowledged: q.unacked,
                    // Those consuming now, as `rabbitmqctl list_queues
                    // consumers` counts them.
                    consumers: self
                        .consumers
                        .iter()
                        .filter(|c| c.queue.index() == i && c.running)
                        .count() as u64,
                })
                .collect(),
            consumers: self
                .consumers
                .iter()
                .map(|c| ConsumerSummary {
                    name: c.name.to_string(),
                    queue: self.queues[c.queue.index()].name.to_string(),
                    handled: c.handled,
                })
                .collect(),
        }
    }
}
