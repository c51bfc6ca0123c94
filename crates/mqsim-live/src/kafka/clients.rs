//! Which of the run's Kafka producers are live clients, and the answers
//! the run has for them.
//!
//! A client's records are sent through producers of the run made for it:
//! one per client id, topic and `acks`, at rate 0, so that they send only
//! what the client sends. A producer waiting for `acks=1` or `all` hears
//! back when the run's leader acknowledges the record and the answer has
//! crossed the network to it: the Produce response goes out then. The
//! run's producer never sends a record again (`retries` 0): a refusal
//! (`NOT_ENOUGH_REPLICAS`, a leader gone) goes back to the client, which
//! retries itself, as it would with Kafka.

use mqsim::ids::{ProducerId, RecordId};
use mqsim::trace::ProduceError;
use mqsim::{Event, EventKind, SimTime};
use std::collections::{BTreeMap, HashMap};
use tokio::sync::oneshot;

/// A record's offset once acknowledged, or why the run refused it.
pub type Acked = oneshot::Receiver<Result<u64, ProduceError>>;

/// The run's Kafka producers that are live clients, and what they wait for.
#[derive(Default)]
pub struct KafkaClients {
    /// The run's producer for each client id, topic and `acks`.
    producers: HashMap<(String, String, i16), ProducerId>,
    /// Records whose producer waits for their acknowledgement.
    awaited: HashMap<RecordId, oneshot::Sender<Result<u64, ProduceError>>>,
    /// Acknowledgements on their way, by when they reach their producer
    /// (and the order they were made in), with the record's offset.
    due: BTreeMap<(SimTime, u64), (RecordId, u64)>,
    made: u64,
    /// The last producer id handed out by `InitProducerId`.
    producer_ids: i64,
}

impl KafkaClients {
    /// The run's producer for `client` sending to `topic` with `acks`, if
    /// one was made.
    pub fn producer(&self, client: &str, topic: &str, acks: i16) -> Option<ProducerId> {
        (self.producers)
            .get(&(client.to_string(), topic.to_string(), acks))
            .copied()
    }

    /// Keeps `producer` as the one for `client`, `topic` and `acks`.
    pub fn made_producer(&mut self, client: &str, topic: &str, acks: i16, producer: ProducerId) {
        (self.producers).insert((client.to_string(), topic.to_string(), acks), producer);
    }

    /// The next producer id for an idempotent producer (`InitProducerId`).
    pub fn next_producer_id(&mut self) -> i64 {
        self.producer_ids += 1;
        self.producer_ids
    }

    /// Someone waits for `record`'s acknowledgement: its offset comes on
    /// the returned channel.
    pub fn awaiting(&mut self, record: RecordId) -> Acked {
        let (tell, told) = oneshot::channel();
        self.awaited.insert(record, tell);
        told
    }

    /// No one waits for these any longer (the request timed out, or its
    /// connection closed).
    pub fn forget(&mut self, records: &[RecordId]) {
        for record in records {
            self.awaited.remove(record);
        }
    }

    /// Takes note of the acknowledgements among `events`, and tells those
    /// waiting of the refusals (which reach the producer as they happen).
    pub fn on_events(&mut self, events: &[Event]) {
        for event in events {
            match &event.kind {
                EventKind::RecordAcknowledged {
                    record,
                    offset,
                    arrives_at,
                    ..
                } if self.awaited.contains_key(record) => {
                    self.made += 1;
                    self.due
                        .insert((*arrives_at, self.made), (*record, *offset));
                }
                EventKind::ProduceFailed {
                    record,
                    error,
                    retry_at: None,
                    ..
                } => {
                    if let Some(tell) = self.awaited.remove(record) {
                        let _ = tell.send(Err(*error));
                    }
                }
                _ => {}
            }
        }
    }

    /// Hands out every acknowledgement that has reached its producer by
    /// `now`.
    pub fn flush(&mut self, now: SimTime) {
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (record, offset) = entry.remove();
            if let Some(tell) = self.awaited.remove(&record) {
                let _ = tell.send(Ok(offset));
            }
        }
    }

    /// When the next acknowledgement reaches its producer.
    pub fn next_due(&self) -> Option<SimTime> {
        self.due.first_key_value().map(|((at, _), _)| *at)
    }
}
