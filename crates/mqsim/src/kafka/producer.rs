//! Producers: clients that write records to a topic.
//!
//! A producer sends each record straight to the broker that leads the chosen
//! partition. It does not wait for anyone to read it: that is the point of a
//! message queue. The checkout can confirm an order while the notification
//! service, at its own pace, sends the e-mail later.
//!
//! Here a producer sends at a steady rate: record `n` leaves at
//! `floor(n × 1000 / rate)` ms, which keeps the long-run rate exact even when
//! it does not divide a second evenly. Keys are drawn from the producer's own
//! random stream.
//!
//! A record can also be sent by hand (the playground's "produce" form): it
//! goes through the same producer, so the same partitioner, acks and
//! retries decide its fate.

use super::cluster::writes::ProduceRequest;
use super::log::{Header, Headers, Value};
use super::partitioner::Partitioner;
use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{BrokerId, ProducerId, RecordId, TopicId, TopicPartition};
use crate::rng::{SimRng, Stream};
use crate::scenario::{Acks, POISON_HEADER, ProducerSpec};
use crate::time::SimTime;
use crate::trace::{EventKind, PartitionChoice};
use std::collections::BTreeMap;
use std::rc::Rc;

/// A producer's configuration and state.
#[derive(Clone, Debug)]
pub struct Producer {
    pub name: Rc<str>,
    pub topic: TopicId,
    rate_per_sec: f64,
    keys: Vec<Rc<str>>,
    unkeyed_ratio: f64,
    explicit_partition: Option<u32>,
    headers: Headers,
    partitioner: Partitioner,
    rng: SimRng,
    pub(super) acks: Acks,
    pub(super) retry_backoff_ms: u64,
    /// How many times a refused record is sent again; none: until it gets
    /// through.
    pub(super) retries: Option<u32>,
    /// Which broker leads each partition of its topic, by partition
    /// number, as this producer last heard.
    pub(super) metadata: Vec<Option<BrokerId>>,
    /// Records sent so far on its schedule.
    pub sent: u64,
    /// Records sent by hand so far.
    pub by_hand: u64,
    /// When it started sending: zero, or when the timeline added it.
    pub started_at: SimTime,
    /// Closed: it sends nothing more.
    pub stopped: bool,
}

/// A record on its way from a producer to a partition leader.
#[derive(Clone, Debug, PartialEq)]
pub struct OutgoingRecord {
    pub key: Option<Rc<str>>,
    pub value: Value,
    pub partition: u32,
    pub chosen_by: PartitionChoice,
}

/// A record typed in by the user.
#[derive(Clone, Debug, PartialEq)]
pub struct HandRecord {
    key: Option<Rc<str>>,
    value: Option<Rc<str>>,
    partition: Option<u32>,
    headers: Headers,
    /// The broker its client sends it to, as the client's metadata has the
    /// leader; none: the leader in the producer's own metadata.
    broker: Option<BrokerId>,
}

impl HandRecord {
    pub fn new(
        key: &Option<String>,
        value: &Option<String>,
        partition: Option<u32>,
        headers: &BTreeMap<String, String>,
        poison: bool,
    ) -> HandRecord {
        let mut list: Vec<Header> = headers
            .iter()
            .map(|(name, value)| Header {
                name: Rc::from(name.as_str()),
                value: Rc::from(value.as_str()),
            })
            .collect();
        if poison {
            list.push(Header {
                name: Rc::from(POISON_HEADER),
                value: Rc::from("cannot be processed"),
            });
        }
        HandRecord {
            key: key.as_deref().map(Rc::from),
            value: value.as_deref().map(Rc::from),
            partition,
            headers: list.into(),
            broker: None,
        }
    }

    /// The record, sent to `broker` (a live client's choice of leader).
    pub fn sent_to(self, broker: Option<BrokerId>) -> HandRecord {
        HandRecord { broker, ..self }
    }
}

impl Producer {
    pub fn new(id: ProducerId, spec: &ProducerSpec, topic: TopicId, seed: u64) -> Producer {
        Producer {
            name: Rc::from(spec.name.as_str()),
            topic,
            rate_per_sec: spec.rate_per_sec,
            keys: spec.keys.iter().map(|k| Rc::from(k.as_str())).collect(),
            unkeyed_ratio: spec.unkeyed_ratio,
            explicit_partition: spec.partition,
            headers: spec
                .headers
                .iter()
                .map(|(name, value)| Header {
                    name: Rc::from(name.as_str()),
                    value: Rc::from(value.as_str()),
                })
                .collect(),
            partitioner: Partitioner::new(spec.keyless),
            rng: SimRng::new(seed, Stream::Producer(id.0)),
            acks: spec.acks,
            retry_backoff_ms: spec.retry_backoff_ms,
            retries: spec.retries,
            metadata: Vec::new(),
            sent: 0,
            by_hand: 0,
            started_at: SimTime::ZERO,
            stopped: false,
        }
    }

    /// When record number `n` (counting from 0) is sent.
    pub fn send_time(&self, n: u64) -> SimTime {
        self.started_at + (n as f64 * 1000.0 / self.rate_per_sec).floor() as u64
    }

    /// The next record, with its partition chosen among `partitions`.
    pub fn next_record(&mut self, partitions: u32) -> OutgoingRecord {
        let key = if self.keys.is_empty() || self.rng.chance(self.unkeyed_ratio) {
            None
        } else {
            let i = self.rng.index(self.keys.len() as u32) as usize;
            Some(self.keys[i].clone())
        };
        let (partition, chosen_by) = self.partitioner.choose(
            self.explicit_partition,
            key.as_deref(),
            partitions,
            &mut self.rng,
        );
        self.sent += 1;
        OutgoingRecord {
            key,
            value: Value::Numbered {
                producer: self.name.clone(),
                n: self.sent,
            },
            partition,
            chosen_by,
        }
    }
}

impl Kafka {
    /// A producer's next send is due: send one record and schedule the next.
    pub(super) fn on_produce(&mut self, producer: ProducerId, ctx: &mut Ctx<'_, Action>) {
        let p = &mut self.producers[producer.index()];
        // At rate 0 it sends only what the timeline says (`produce`).
        if p.stopped || p.rate_per_sec == 0.0 {
            return;
        }
        let topic = p.topic;
        let outgoing = p.next_record(self.topics[topic.index()].partitions.len() as u32);
        let headers = p.headers.clone();
        let next_send = p.send_time(p.sent);
        ctx.at(next_send, Action::Produce { producer });
        self.send_record(producer, outgoing, headers, ctx);
    }

    /// Sends a record typed in by the user through `producer`.
    pub(super) fn on_produce_by_hand(
        &mut self,
        producer: ProducerId,
        hand: HandRecord,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let p = &mut self.producers[producer.index()];
        let partitions = self.topics[p.topic.index()].partitions.len() as u32;
        let (partition, chosen_by) =
            p.partitioner
                .choose(hand.partition, hand.key.as_deref(), partitions, &mut p.rng);
        p.by_hand += 1;
        if let Some(broker) = hand.broker {
            // The client's metadata names the leader: so does the
            // producer's.
            let metadata = &mut p.metadata;
            if metadata.len() <= partition as usize {
                metadata.resize(partition as usize + 1, None);
            }
            metadata[partition as usize] = Some(broker);
        }
        let value = match hand.value {
            Some(text) => Value::Text(text),
            None => Value::Text(Rc::from(format!("{}-by-hand-{}", p.name, p.by_hand))),
        };
        let outgoing = OutgoingRecord {
            key: hand.key,
            value,
            partition,
            chosen_by,
        };
        self.send_record(producer, outgoing, hand.headers, ctx);
    }

    /// Sends one record to its partition's leader.
    fn send_record(
        &mut self,
        producer: ProducerId,
        outgoing: OutgoingRecord,
        headers: Headers,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let topic = self.producers[producer.index()].topic;
        let record = RecordId(self.next_record_id);
        self.next_record_id += 1;
        let tp = TopicPartition {
            topic,
            partition: outgoing.partition,
        };
        let request = ProduceRequest {
            record,
            tp,
            key: outgoing.key.clone(),
            value: outgoing.value.clone(),
            headers: headers.clone(),
            producer: Some(producer),
            attempt: 0,
        };
        // With no leader the send fails at once; the record is shown
        // staying with its producer.
        let arrives_at = self.send_produce(request, ctx).unwrap_or(ctx.now);
        ctx.emit(EventKind::RecordSent {
            record,
            producer,
            tp,
            key: outgoing.key,
            value: outgoing.value,
            headers,
            chosen_by: outgoing.chosen_by,
            arrives_at,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(rate_per_sec: f64, keys: &[&str], unkeyed_ratio: f64) -> ProducerSpec {
        ProducerSpec {
            name: "p".into(),
            topic: "t".into(),
            rate_per_sec,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            unkeyed_ratio,
            partition: None,
            keyless: Default::default(),
            headers: Default::default(),
            acks: Acks::All,
            retry_backoff_ms: 100,
            retries: None,
        }
    }

    #[test]
    fn send_times_keep_a_fractional_rate_exact() {
        let p = Producer::new(ProducerId(0), &spec(3.0, &[], 0.0), TopicId(0), 1);
        let times: Vec<u64> = (0..4).map(|n| p.send_time(n).as_millis()).collect();
        assert_eq!(times, [0, 333, 666, 1000]);
    }

    #[test]
    fn without_keys_every_record_is_unkeyed_and_round_robin() {
        let mut p = Producer::new(ProducerId(0), &spec(1.0, &[], 0.0), TopicId(0), 1);
        let records: Vec<OutgoingRecord> = (0..4).map(|_| p.next_record(3)).collect();
        assert!(
            records
                .iter()
                .all(|r| r.key.is_none() && r.chosen_by == PartitionChoice::RoundRobin)
        );
        let partitions: Vec<u32> = records.iter().map(|r| r.partition).collect();
        assert_eq!(partitions, [0, 1, 2, 0]);
        assert_eq!(records[3].value.to_string(), "p-4");
    }

    #[test]
    fn keyed_records_follow_the_key_hash() {
        let mut p = Producer::new(ProducerId(0), &spec(1.0, &["foobar"], 0.0), TopicId(0), 1);
        let r = p.next_record(4);
        assert_eq!(r.key.as_deref(), Some("foobar"));
        assert_eq!((r.partition, r.chosen_by), (2, PartitionChoice::KeyHash));
    }

    #[test]
    fn the_unkeyed_ratio_mixes_keyed_and_unkeyed_records() {
        let mut p = Producer::new(ProducerId(0), &spec(1.0, &["a", "b"], 0.5), TopicId(0), 9);
        let unkeyed = (0..1000).filter(|_| p.next_record(3).key.is_none()).count();
        assert!((400..600).contains(&unkeyed), "{unkeyed} of 1000 unkeyed");
    }
}
