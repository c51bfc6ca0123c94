//! RabbitMQ's clients: publishers and push consumers.
//!
//! A consumer here handles its deliveries itself, taking `processing_ms`
//! for each and settling it, unless it acknowledges `by_hand`: then it
//! only receives, and each `ack` or `nack` is a timeline entry (a live
//! client's, or one written into the scenario).

use super::headers::FieldTable;
use super::message::Message;
use crate::ids::{MessageId, QueueId};
use crate::rng::SimRng;
use crate::scenario::{POISON_HEADER, PublisherSpec, RabbitConsumerSpec, RabbitFailures};
use crate::time::SimTime;
use crate::trace::Settlement;
use std::collections::VecDeque;
use std::rc::Rc;

/// A client publishing at a steady rate: message `n` leaves at
/// `floor(n × 1000 / rate)` ms, with a routing key drawn from its list.
#[derive(Clone, Debug)]
pub struct Publisher {
    pub name: Rc<str>,
    exchange: Rc<str>,
    rate_per_sec: f64,
    routing_keys: Vec<Rc<str>>,
    headers: FieldTable,
    pub mandatory: bool,
    rng: SimRng,
    /// When it starts publishing: 0, or when the timeline adds it.
    started_ms: u64,
    /// Messages published so far.
    pub sent: u64,
}

impl Publisher {
    pub fn new(spec: &PublisherSpec, rng: SimRng) -> Publisher {
        Publisher {
            name: Rc::from(spec.name.as_str()),
            exchange: Rc::from(spec.exchange.as_str()),
            rate_per_sec: spec.rate_per_sec,
            routing_keys: spec
                .routing_keys
                .iter()
                .map(|k| Rc::from(k.as_str()))
                .collect(),
            headers: spec.headers.clone(),
            mandatory: spec.mandatory,
            rng,
            started_ms: 0,
            sent: 0,
        }
    }

    /// The same publisher, starting at `started_ms`.
    pub fn starting_at(self, started_ms: u64) -> Publisher {
        Publisher { started_ms, ..self }
    }

    /// When message number `n` (from 0) is published; never, at rate 0
    /// (it publishes only by hand).
    pub fn send_time(&self, n: u64) -> Option<SimTime> {
        let after = (n as f64 * 1000.0 / self.rate_per_sec).floor() as u64;
        (self.rate_per_sec > 0.0).then(|| SimTime::from_millis(self.started_ms + after))
    }

    pub fn next_message(&mut self, id: MessageId) -> Message {
        let routing_key = if self.routing_keys.is_empty() {
            Rc::from("")
        } else {
            let i = self.rng.index(self.routing_keys.len() as u32) as usize;
            self.routing_keys[i].clone()
        };
        self.sent += 1;
        Message {
            id,
            exchange: self.exchange.clone(),
            routing_key,
            headers: self.headers.clone(),
            deaths: Vec::new(),
            first_death: None,
            content: None,
        }
    }
}

/// A consumer the broker pushes to. It handles its deliveries one at a
/// time, in arrival order, and settles each.
#[derive(Clone, Debug)]
pub struct RabbitConsumer {
    pub name: Rc<str>,
    pub queue: QueueId,
    pub prefetch: u32,
    pub processing_ms: u64,
    pub auto_ack: bool,
    /// Its acks and nacks come from the timeline.
    pub by_hand: bool,
    failures: RabbitFailures,
    rng: SimRng,
    pub running: bool,
    /// Counts crashes; deliveries and timers of a dead process are ignored.
    pub(super) incarnation: u32,
    next_tag: u64,
    /// The first delivery tag of the current `basic.consume`: deliveries
    /// made before it (to the consumer it replaced, when the prefetch was
    /// changed) stay unacknowledged on the channel, but do not count
    /// against the new consumer's prefetch.
    pub(super) counted_from: u64,
    /// Deliveries received and not yet handled (by hand: not yet
    /// settled), oldest first.
    pub(super) inbox: VecDeque<(u64, Rc<Message>)>,
    /// Messages handled successfully.
    pub handled: u64,
}

impl RabbitConsumer {
    pub fn new(spec: &RabbitConsumerSpec, queue: QueueId, rng: SimRng) -> RabbitConsumer {
        RabbitConsumer {
            name: Rc::from(spec.name.as_str()),
            queue,
            prefetch: spec.prefetch,
            processing_ms: spec.processing_ms,
            auto_ack: spec.auto_ack,
            by_hand: spec.by_hand,
            failures: spec.failures.clone(),
            rng,
            running: true,
            incarnation: 0,
            next_tag: 1,
            counted_from: 1,
            inbox: VecDeque::new(),
            handled: 0,
        }
    }

    /// The process stops consuming (it crashed, or the broker cancelled it):
    /// what it received and had not handled is lost, and deliveries and
    /// timers meant for this incarnation are ignored from now on.
    pub(super) fn stop(&mut self) {
        self.running = false;
        self.inbox.clear();
        self.incarnation += 1;
    }

    /// Whether something meant for `incarnation` still concerns this
    /// process.
    pub(super) fn is_current(&self, incarnation: u32) -> bool {
        self.running && self.incarnation == incarnation
    }

    /// `basic.cancel`, `basic.qos` with the new prefetch, and `basic.consume`
    /// again: a per-consumer prefetch (`global=false`) is fixed when the
    /// consumer starts, so this is how a client changes it. What the old
    /// consumer holds is still handled and acknowledged; the new one counts
    /// its deliveries from here. (rabbitmq-server, `rabbit_channel.erl`:
    /// `handle_method` for `basic.qos` with `global = false` only stores
    /// the channel's `consumer_prefetch`, which `basic.consume` reads.)
    pub(super) fn reconsume(&mut self, prefetch: u32) {
        self.prefetch = prefetch;
        self.counted_from = self.next_tag;
    }

    /// Delivery tags count up from 1 per channel.
    pub(super) fn take_tag(&mut self) -> u64 {
        let tag = self.next_tag;
        self.next_tag += 1;
        tag
    }

    /// How handling `message` ends: a poison routing key (or a message
    /// marked with the `poison` header) always fails, others
    /// fail with the failure probability; a failure is a `nack`, with or
    /// without requeue.
    pub(super) fn outcome(&mut self, message: &Message) -> Settlement {
        let poison = message.headers.contains_key(POISON_HEADER)
            || self
                .failures
                .poison_routing_keys
                .iter()
                .any(|k| **k == *message.routing_key);
        let failed = poison
            || (self.failures.probability > 0.0 && self.rng.chance(self.failures.probability));
        match (failed, self.failures.requeue) {
            (false, _) => Settlement::Ack,
            (true, true) => Settlement::Requeue,
            (true, false) => Settlement::Reject,
        }
    }
}
