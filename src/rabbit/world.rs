//! What the view knows of the RabbitMQ side, folded from the trace.
//!
//! RabbitMQ keeps every message *in the broker* until a consumer settles
//! it. A queue holds messages **ready** to deliver; once the broker pushes
//! one to a consumer it stays in the queue as **unacknowledged** until the
//! consumer's `ack` (gone for good), `nack` with requeue (ready again) or
//! `nack` without (dead-lettered) reaches the broker. [`RabbitWorld`]
//! follows each copy through those states, exactly as the events report
//! them, so its counts are the ones `rabbitmqctl list_queues` would print.
//!
//! Routing inside the broker takes no time: an exchange hands a message to
//! its queues the instant it arrives. So that the eye can still follow the
//! path, the hops along bindings (and to a dead-letter exchange) are drawn
//! as short [`ROUTE_HOP_MS`] flights that change nothing when they land.

use crate::flights::{Flights, Flying};
use crate::wire::OnTheWire;
use litemap::LiteMap;
use mqsim::ids::{MessageId, PublisherId, QueueId, RabbitConsumerId};
use mqsim::rabbit::queue::{Queue, QueueType};
use mqsim::rabbit::topology::Destination;
use mqsim::trace::Settlement;
use mqsim::{Event, EventKind, Scenario, SimTime};
use std::collections::VecDeque;
use std::rc::Rc;

/// How long, in virtual time, a token takes along one binding.
pub const ROUTE_HOP_MS: u64 = 250;

/// One copy of a message, as the view draws it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageView {
    pub id: MessageId,
    pub routing_key: Rc<str>,
    /// Delivered before and returned: the next delivery says so.
    pub redelivered: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeView {
    /// The name; the default exchange's is empty.
    pub name: String,
    pub kind: &'static str,
    pub internal: bool,
    /// Some queue dead-letters to it.
    pub dead_letter: bool,
    pub routed: u64,
    /// Messages that matched no binding and were dropped.
    pub dropped: u64,
    /// Messages that matched no binding and went back to a `mandatory`
    /// publisher.
    pub returned: u64,
    /// False until the timeline declares it.
    pub declared: bool,
}

/// A binding, with its ends as indexes into the world's lists.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingView {
    pub source: usize,
    pub to: BindingEnd,
    pub routing_key: String,
    /// In force now: false before the timeline makes it, and after it is
    /// removed (or its queue deleted).
    pub bound: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BindingEnd {
    Queue(QueueId),
    Exchange(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueueView {
    pub name: String,
    pub kind: QueueType,
    /// The queue's arguments in words: "TTL 2 s", "limit 3", …
    pub features: Vec<String>,
    /// The exchange it dead-letters to.
    pub dead_letter_exchange: Option<usize>,
    /// Fed only by a dead-letter exchange.
    pub dead_letter: bool,
    pub ready: VecDeque<MessageView>,
    /// Delivered and not yet settled, with who has each.
    pub unacked: Vec<(MessageView, RabbitConsumerId)>,
    /// Messages that left it unacknowledged: dead-lettered or dropped.
    pub discarded: u64,
    /// Messages a full queue refused (`x-overflow: reject-publish`).
    pub refused: u64,
    /// Declared: false for a queue the timeline declares later, until then.
    pub declared: bool,
    /// Deleted by `queue.delete` or `x-expires`.
    pub deleted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RabbitConsumerView {
    pub name: String,
    pub queue: QueueId,
    /// `basic.qos`: the most unacknowledged deliveries it may hold; 0 is
    /// no limit.
    pub prefetch: u32,
    pub auto_ack: bool,
    /// Deliveries that reached it and wait to be handled; the first is in
    /// hand.
    pub inbox: VecDeque<MessageView>,
    pub acked: u64,
    pub requeued: u64,
    pub rejected: u64,
    pub running: bool,
    /// How long handling one message takes now.
    pub processing_ms: u64,
    /// How long it took as the scenario set it up.
    pub usual_processing_ms: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PublisherView {
    pub name: String,
    pub exchange: usize,
    pub sent: u64,
    /// False until the timeline adds it.
    pub started: bool,
}

/// A place a flight starts or ends.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Anchor {
    Publisher(PublisherId),
    Exchange(usize),
    Queue(QueueId),
    Consumer(RabbitConsumerId),
}

/// What is travelling.
#[derive(Clone, Debug, PartialEq)]
pub enum Cargo {
    Message(MessageView),
    /// A consumer's settlement on its way to the broker.
    Settlement(Settlement),
}

/// What landing changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Landing {
    /// Nothing: a routing hop, drawn so that the path shows.
    Nothing,
    /// A delivery reaches its consumer.
    Inbox(RabbitConsumerId),
    /// An `ack` reaches the broker, which forgets the message.
    Ack(QueueId, MessageId, RabbitConsumerId),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    pub cargo: Cargo,
    pub from: Anchor,
    pub to: Anchor,
    pub start: SimTime,
    pub end: SimTime,
    pub landing: Landing,
}

impl Flying for Flight {
    fn lands_at(&self) -> SimTime {
        self.end
    }
}

/// The view's picture of the RabbitMQ side.
#[derive(Clone, Debug, PartialEq)]
pub struct RabbitWorld {
    pub exchanges: Vec<ExchangeView>,
    pub bindings: Vec<BindingView>,
    pub queues: Vec<QueueView>,
    pub publishers: Vec<PublisherView>,
    pub consumers: Vec<RabbitConsumerView>,
    pub flights: Flights<Flight>,
    /// Every routing key the publishers use, in the order first listed.
    pub known_keys: Vec<String>,
    /// Messages on their way to an exchange (published, or dead-lettered):
    /// the exchange, and when they reach it.
    in_transit: OnTheWire<MessageId, (MessageView, usize, SimTime)>,
    /// The message just routed; the enqueues that follow are its copies.
    routed: Option<MessageView>,
}

impl RabbitWorld {
    /// The RabbitMQ side of `scenario` before anything happened.
    pub fn new(scenario: &Scenario) -> RabbitWorld {
        let queue_roster = scenario.rabbit_queues();
        let binding_roster = scenario.rabbit_bindings();
        let queue_args: Vec<Queue> = queue_roster
            .iter()
            .map(|(q, _)| Queue::new(&q.name, &q.arguments))
            .collect();
        let publisher_roster = scenario.rabbit_publishers();
        let mut exchanges: Vec<ExchangeView> = scenario
            .rabbit_exchanges()
            .iter()
            .map(|(e, from)| ExchangeView {
                // One the timeline declares is drawn from then on.
                declared: from.is_none(),
                ..exchange(&e.name, e.kind.name(), e.internal)
            })
            .collect();
        // Exchanges used but not declared: the default one and `amq.*`.
        let mentioned = publisher_roster
            .iter()
            .map(|(p, _)| p.exchange.as_str())
            .chain(binding_roster.iter().map(|(b, _)| b.source.as_str()))
            .chain(
                queue_args
                    .iter()
                    .filter_map(|q| q.dead_letter_exchange.as_deref()),
            );
        for name in mentioned {
            if !exchanges.iter().any(|e| e.name == name) {
                exchanges.push(exchange(name, builtin_kind(name), false));
            }
        }
        let exchange_index = |name: &str| exchanges.iter().position(|e| e.name == name);
        let queue_index = |name: &str| {
            queue_roster
                .iter()
                .position(|(q, _)| q.name == name)
                .map(|i| QueueId(i as u32))
        };
        let dead_letter_exchanges: Vec<usize> = queue_args
            .iter()
            .filter_map(|q| exchange_index(q.dead_letter_exchange.as_deref()?))
            .collect();
        let bindings: Vec<BindingView> = binding_roster
            .iter()
            .filter_map(|(b, from)| {
                Some(BindingView {
                    bound: from.is_none(),
                    source: exchange_index(&b.source)?,
                    to: match &b.destination {
                        Destination::Queue(q) => BindingEnd::Queue(queue_index(q)?),
                        Destination::Exchange(e) => BindingEnd::Exchange(exchange_index(e)?),
                    },
                    routing_key: b.routing_key.clone(),
                })
            })
            .collect();
        let queues = queue_args
            .iter()
            .enumerate()
            .map(|(i, q)| {
                let fed_by: Vec<usize> = bindings
                    .iter()
                    .filter(|b| b.to == BindingEnd::Queue(QueueId(i as u32)))
                    .map(|b| b.source)
                    .collect();
                QueueView {
                    name: q.name.to_string(),
                    kind: q.kind,
                    features: features(q),
                    dead_letter_exchange: q
                        .dead_letter_exchange
                        .as_deref()
                        .and_then(exchange_index),
                    dead_letter: !fed_by.is_empty()
                        && fed_by.iter().all(|e| dead_letter_exchanges.contains(e)),
                    ready: VecDeque::new(),
                    unacked: Vec::new(),
                    discarded: 0,
                    refused: 0,
                    declared: queue_roster[i].1.is_none(),
                    deleted: false,
                }
            })
            .collect();
        for &e in &dead_letter_exchanges {
            exchanges[e].dead_letter = true;
        }
        let publishers = publisher_roster
            .iter()
            .map(|(p, from)| PublisherView {
                name: p.name.clone(),
                exchange: exchanges
                    .iter()
                    .position(|e| e.name == p.exchange)
                    .unwrap_or(0),
                sent: 0,
                // One the timeline adds is drawn once it starts.
                started: from.is_none(),
            })
            .collect();
        let consumers = scenario
            .rabbit_consumers()
            .into_iter()
            .map(|(c, from)| RabbitConsumerView {
                name: c.name.clone(),
                queue: queue_index(&c.queue).unwrap_or(QueueId(0)),
                prefetch: c.prefetch,
                auto_ack: c.auto_ack,
                inbox: VecDeque::new(),
                acked: 0,
                requeued: 0,
                rejected: 0,
                // One the timeline adds starts when it says; one that only
                // gets (basic.get) never consumes.
                running: from.is_none() && !c.get_only,
                processing_ms: c.processing_ms,
                usual_processing_ms: c.processing_ms,
            })
            .collect();
        let mut known_keys: Vec<String> = Vec::new();
        for key in publisher_roster.iter().flat_map(|(p, _)| &p.routing_keys) {
            if !known_keys.contains(key) {
                known_keys.push(key.clone());
            }
        }
        RabbitWorld {
            exchanges,
            bindings,
            queues,
            publishers,
            consumers,
            flights: Flights::default(),
            known_keys,
            in_transit: OnTheWire::default(),
            routed: None,
        }
    }

    /// Whether the scenario has a RabbitMQ side to draw: a queue, a
    /// publisher or an exchange declared by now.
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
            && self.publishers.is_empty()
            && !self.exchanges.iter().any(|e| e.declared)
    }

    /// The part of the picture one side-by-side pane shows: only the
    /// queues named, their consumers and bindings, and what travels to or
    /// from them (a publish to an exchange shows in every pane). Ids stay
    /// as they were, so a click on a pane selects the same thing.
    pub fn only(&self, queues: &[String]) -> RabbitWorld {
        let mut pane = self.clone();
        for queue in &mut pane.queues {
            queue.declared &= queues.contains(&queue.name);
        }
        let shown = |q: QueueId| pane.queues[q.index()].declared;
        for binding in &mut pane.bindings {
            if let BindingEnd::Queue(q) = binding.to {
                binding.bound &= shown(q);
            }
        }
        let seen = |anchor: Anchor| match anchor {
            Anchor::Queue(q) => shown(q),
            Anchor::Consumer(c) => shown(pane.consumers[c.index()].queue),
            Anchor::Publisher(_) | Anchor::Exchange(_) => true,
        };
        pane.flights.retain(|f| seen(f.from) && seen(f.to));
        pane
    }

    /// A consumer's unacknowledged deliveries, as the broker counts them
    /// against its prefetch.
    pub fn unacked_by(&self, consumer: RabbitConsumerId) -> usize {
        let queue = &self.queues[self.consumers[consumer.index()].queue.index()];
        queue.unacked.iter().filter(|(_, c)| *c == consumer).count()
    }

    /// Lands every flight that has arrived by `now`, in arrival order.
    pub fn land_until(&mut self, now: SimTime) {
        let landed: Vec<Flight> = self.flights.land_until(now).collect();
        for flight in landed {
            match (flight.landing, flight.cargo) {
                (Landing::Inbox(c), Cargo::Message(message)) => {
                    let consumer = &mut self.consumers[c.index()];
                    if consumer.running {
                        consumer.inbox.push_back(message);
                    }
                }
                (Landing::Ack(queue, message, consumer), _) => {
                    self.take_unacked(queue, message, Some(consumer));
                }
                _ => {}
            }
        }
    }

    /// Applies one event: state changes now, messages start flying.
    pub fn apply(&mut self, event: &Event) {
        self.land_until(event.at);
        let at = event.at;
        match &event.kind {
            EventKind::MessagePublished {
                message,
                publisher,
                routing_key,
                arrives_at,
                ..
            } => {
                let view = MessageView {
                    id: *message,
                    routing_key: routing_key.clone(),
                    redelivered: false,
                };
                let p = &mut self.publishers[publisher.index()];
                p.sent += 1;
                let exchange = p.exchange;
                self.in_transit
                    .send(*message, (view.clone(), exchange, *arrives_at));
                self.fly(
                    Cargo::Message(view),
                    Anchor::Publisher(*publisher),
                    Anchor::Exchange(exchange),
                    (at, *arrives_at),
                    Landing::Nothing,
                );
            }
            EventKind::MessageRouted {
                message,
                exchange,
                via,
                ..
            } => {
                let (view, _, from) = self.in_transit.arrive(*message).unwrap_or_else(|| {
                    let e = self.exchange_index(exchange).unwrap_or(0);
                    (unknown(*message), e, at)
                });
                if let Some(e) = self.exchange_index(exchange) {
                    self.exchanges[e].routed += 1;
                }
                // Each hop leaves when the one into its exchange arrives.
                let mut leaves: LiteMap<&str, SimTime> = LiteMap::new_vec();
                leaves.insert(exchange, from.max(at));
                for hop in via {
                    let Some(source) = self.exchange_index(&hop.exchange) else {
                        continue;
                    };
                    let start = leaves.get(hop.exchange.as_str()).copied().unwrap_or(at);
                    let end = SimTime::from_millis(start.as_millis() + ROUTE_HOP_MS);
                    let to = match &hop.to {
                        Destination::Queue(q) => self.queue_index(q).map(Anchor::Queue),
                        Destination::Exchange(e) => {
                            leaves.insert(e, end);
                            self.exchange_index(e).map(Anchor::Exchange)
                        }
                    };
                    if let Some(to) = to {
                        self.fly(
                            Cargo::Message(view.clone()),
                            Anchor::Exchange(source),
                            to,
                            (start, end),
                            Landing::Nothing,
                        );
                    }
                }
                self.routed = Some(view);
            }
            EventKind::MessageUnroutable { message, returned } => {
                if let Some((_, e, _)) = self.in_transit.arrive(*message) {
                    let x = &mut self.exchanges[e];
                    if *returned {
                        x.returned += 1;
                    } else {
                        x.dropped += 1;
                    }
                }
            }
            EventKind::MessageEnqueued { message, queue, .. } => {
                let view = match &self.routed {
                    Some(v) if v.id == *message => MessageView {
                        redelivered: false,
                        ..v.clone()
                    },
                    _ => unknown(*message),
                };
                self.queues[queue.index()].ready.push_back(view);
            }
            EventKind::MessageRefused { queue, .. } => {
                self.queues[queue.index()].refused += 1;
            }
            EventKind::MessageDelivered {
                message,
                queue,
                consumer,
                redelivered,
                arrives_at,
                ..
            } => {
                let q = &mut self.queues[queue.index()];
                let mut view = match q.ready.iter().position(|m| m.id == *message) {
                    Some(i) => q.ready.remove(i).unwrap_or_else(|| unknown(*message)),
                    None => unknown(*message),
                };
                view.redelivered = *redelivered;
                if !self.consumers[consumer.index()].auto_ack {
                    q.unacked.push((view.clone(), *consumer));
                }
                self.fly(
                    Cargo::Message(view),
                    Anchor::Queue(*queue),
                    Anchor::Consumer(*consumer),
                    (at, *arrives_at),
                    Landing::Inbox(*consumer),
                );
            }
            EventKind::MessageSettled {
                message,
                consumer,
                outcome,
                arrives_at,
                ..
            } => {
                let c = &mut self.consumers[consumer.index()];
                c.inbox.retain(|m| m.id != *message);
                match outcome {
                    Settlement::Ack => c.acked += 1,
                    Settlement::Requeue => c.requeued += 1,
                    Settlement::Reject => c.rejected += 1,
                }
                let queue = c.queue;
                let landing = match outcome {
                    // A nack is followed by the broker's own event (requeued
                    // or discarded) when it arrives.
                    Settlement::Ack => Landing::Ack(queue, *message, *consumer),
                    Settlement::Requeue | Settlement::Reject => Landing::Nothing,
                };
                self.fly(
                    Cargo::Settlement(*outcome),
                    Anchor::Consumer(*consumer),
                    Anchor::Queue(queue),
                    (at, *arrives_at),
                    landing,
                );
            }
            EventKind::MessageConsumed { message, consumer } => {
                let c = &mut self.consumers[consumer.index()];
                c.inbox.retain(|m| m.id != *message);
                c.acked += 1;
            }
            EventKind::MessageRequeued { message, queue, .. } => {
                let mut view = self
                    .take_unacked(*queue, *message, None)
                    .unwrap_or_else(|| unknown(*message));
                view.redelivered = true;
                self.queues[queue.index()].ready.push_front(view);
            }
            EventKind::MessageDiscarded {
                message,
                queue,
                dead_letter_exchange,
                ..
            } => {
                let q = &mut self.queues[queue.index()];
                q.discarded += 1;
                let view = match q.ready.iter().position(|m| m.id == *message) {
                    Some(i) => q.ready.remove(i),
                    None => self.take_unacked(*queue, *message, None),
                }
                .unwrap_or_else(|| unknown(*message));
                let dlx = dead_letter_exchange
                    .as_deref()
                    .and_then(|e| self.exchange_index(e));
                if let Some(dlx) = dlx {
                    let end = SimTime::from_millis(at.as_millis() + ROUTE_HOP_MS);
                    self.in_transit.send(*message, (view.clone(), dlx, end));
                    self.fly(
                        Cargo::Message(view),
                        Anchor::Queue(*queue),
                        Anchor::Exchange(dlx),
                        (at, end),
                        Landing::Nothing,
                    );
                }
            }
            EventKind::QueueDeleted { queue, .. } => self.delete(*queue),
            EventKind::QueueDeclared { queue } => self.queues[queue.index()].declared = true,
            EventKind::QueuePurged { queue, .. } => self.queues[queue.index()].ready.clear(),
            EventKind::ExchangeDeleted { exchange } => {
                if let Some(x) = self.exchanges.iter_mut().find(|x| *x.name == **exchange) {
                    x.declared = false;
                }
            }
            EventKind::ExchangeDeclared { exchange } => {
                if let Some(x) = self.exchanges.iter_mut().find(|x| *x.name == **exchange) {
                    x.declared = true;
                }
            }
            EventKind::PublisherStarted { publisher } => {
                self.publishers[publisher.index()].started = true;
            }
            EventKind::BindingAdded { binding } | EventKind::BindingRemoved { binding } => {
                if let Some(b) = self.bindings.get_mut(*binding as usize) {
                    b.bound = matches!(event.kind, EventKind::BindingAdded { .. });
                }
            }
            EventKind::RabbitConsumerCrashed { consumer }
            | EventKind::RabbitConsumerCancelled { consumer } => {
                let c = &mut self.consumers[consumer.index()];
                c.running = false;
                c.inbox.clear();
            }
            EventKind::RabbitConsumerStarted { consumer } => {
                self.consumers[consumer.index()].running = true;
            }
            EventKind::RabbitConsumerSlowed {
                consumer,
                processing_ms,
            } => self.consumers[consumer.index()].processing_ms = *processing_ms,
            EventKind::RabbitConsumerPrefetchSet { consumer, prefetch } => {
                self.consumers[consumer.index()].prefetch = *prefetch
            }
            _ => {}
        }
    }

    /// A queue goes with what it holds and its bindings. Tokens on their
    /// way to it, or to its consumers, vanish with it: nothing is delivered
    /// to a queue or consumer that is gone.
    fn delete(&mut self, queue: QueueId) {
        let q = &mut self.queues[queue.index()];
        q.deleted = true;
        q.ready.clear();
        q.unacked.clear();
        for b in &mut self.bindings {
            if b.to == BindingEnd::Queue(queue) {
                b.bound = false;
            }
        }
        let consumers = &self.consumers;
        self.flights.retain(|f| match f.to {
            Anchor::Queue(q) => q != queue,
            Anchor::Consumer(c) => consumers[c.index()].queue != queue,
            _ => true,
        });
    }

    fn fly(
        &mut self,
        cargo: Cargo,
        from: Anchor,
        to: Anchor,
        (start, end): (SimTime, SimTime),
        landing: Landing,
    ) {
        self.flights.take_off(Flight {
            cargo,
            from,
            to,
            start,
            end,
            landing,
        });
    }

    /// Removes `message`'s unacknowledged copy from `queue` (held by
    /// `consumer`, if given) and returns it.
    fn take_unacked(
        &mut self,
        queue: QueueId,
        message: MessageId,
        consumer: Option<RabbitConsumerId>,
    ) -> Option<MessageView> {
        let q = &mut self.queues[queue.index()];
        let i = q
            .unacked
            .iter()
            .position(|(m, c)| m.id == message && consumer.is_none_or(|x| x == *c))?;
        Some(q.unacked.remove(i).0)
    }

    fn exchange_index(&self, name: &str) -> Option<usize> {
        self.exchanges.iter().position(|e| e.name == name)
    }

    fn queue_index(&self, name: &str) -> Option<QueueId> {
        self.queues
            .iter()
            .position(|q| q.name == name)
            .map(|i| QueueId(i as u32))
    }
}

fn exchange(name: &str, kind: &'static str, internal: bool) -> ExchangeView {
    ExchangeView {
        name: name.to_string(),
        kind,
        internal,
        dead_letter: false,
        routed: 0,
        dropped: 0,
        returned: 0,
        declared: true,
    }
}

/// The type of an exchange every broker has without declaring it.
fn builtin_kind(name: &str) -> &'static str {
    match name {
        "amq.fanout" => "fanout",
        "amq.topic" => "topic",
        "amq.headers" | "amq.match" => "headers",
        _ => "direct",
    }
}

/// A message the view lost track of (it cannot happen with a consistent
/// trace); drawn grey, without a key.
fn unknown(id: MessageId) -> MessageView {
    MessageView {
        id,
        routing_key: Rc::from(""),
        redelivered: false,
    }
}

/// A queue's arguments in a few words each.
fn features(q: &Queue) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(ttl) = q.message_ttl_ms {
        words.push(format!("TTL {}", millis(ttl)));
    }
    if let Some(limit) = q.delivery_limit {
        words.push(format!("delivery limit {limit}"));
    }
    if let Some(max) = q.max_length {
        words.push(format!("max {max}"));
    }
    if let Some(expires) = q.expires_ms {
        words.push(format!("expires {}", millis(expires)));
    }
    words
}

fn millis(ms: u64) -> String {
    if ms >= 1000 && ms.is_multiple_of(100) {
        format!("{} s", ms as f64 / 1000.0)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::scenario::presets::Preset;
    use mqsim::{Scenario, Simulation};

    /// Runs `scenario` in steps of `step_ms`; after each step the folded
    /// world must count, per queue, the ready and unacknowledged messages
    /// the broker itself reports (`rabbitmqctl list_queues`).
    fn agrees_with_the_broker(scenario: &Scenario, step_ms: u64) -> RabbitWorld {
        let mut sim = Simulation::new(scenario);
        let mut world = RabbitWorld::new(scenario);
        let mut events = Vec::new();
        let end = scenario.file().duration_ms;
        for until in (step_ms..=end).step_by(step_ms as usize) {
            events.clear();
            sim.run_until(SimTime::from_millis(until), &mut events);
            for event in &events {
                world.apply(event);
            }
            world.land_until(SimTime::from_millis(until));
            let summary = sim.rabbit_summary();
            for (q, queue) in summary.queues.iter().enumerate() {
                let view = &world.queues[q];
                assert_eq!(
                    (view.ready.len() as u64, view.unacked.len() as u64),
                    (queue.messages_ready, queue.messages_unacknowledged),
                    "queue {} at {until} ms",
                    queue.name
                );
            }
        }
        world
    }

    fn preset(id: &str) -> Scenario {
        Preset::find(id).expect("preset").scenario()
    }

    #[test]
    fn the_retry_preset_is_counted_as_the_broker_counts_it() {
        let world = agrees_with_the_broker(&preset("rabbit-retry-dead-letter"), 250);
        let parking = world.queues.iter().find(|q| q.name == "parking").unwrap();
        assert!(parking.dead_letter, "fed only by the dead-letter exchange");
        assert!(!parking.ready.is_empty(), "poison orders end up parked");
        assert!(
            parking
                .ready
                .iter()
                .all(|m| &*m.routing_key == "order.poison"),
            "parked messages keep their routing key: {:?}",
            parking.ready
        );
        let dlx = world.exchanges.iter().find(|e| e.name == "dlx").unwrap();
        assert!(dlx.dead_letter && dlx.routed > 0);
    }

    /// Crashes, auto-ack, TTL and a full queue dropping its head: every
    /// path a copy can take, still counted as the broker counts it.
    #[test]
    fn every_way_out_of_a_queue_is_counted() {
        let json = r#"{
          "version": 1, "name": "ways out", "seed": 3, "duration_ms": 20000,
          "rabbit": {
            "exchanges": [{ "name": "in", "type": "fanout" }, { "name": "dead", "type": "fanout" }],
            "queues": [
              { "name": "work", "arguments": { "x-dead-letter-exchange": "dead", "x-max-length": 4 } },
              { "name": "fast", "arguments": { "x-message-ttl": 700, "x-dead-letter-exchange": "dead" } },
              { "name": "graveyard" }
            ],
            "bindings": [
              { "source": "in", "destination": "work", "destination_type": "queue" },
              { "source": "in", "destination": "fast", "destination_type": "queue" },
              { "source": "dead", "destination": "graveyard", "destination_type": "queue" }
            ],
            "publishers": [{ "name": "p", "exchange": "in", "rate_per_sec": 6, "routing_keys": ["a", "b"] }],
            "consumers": [
              { "name": "slow", "queue": "work", "prefetch": 2, "processing_ms": 400,
                "failures": { "probability": 0.3, "requeue": false } },
              { "name": "flaky", "queue": "work", "prefetch": 3, "processing_ms": 300,
                "failures": { "probability": 0.3, "requeue": true } },
              { "name": "eager", "queue": "fast", "auto_ack": true, "processing_ms": 900 }
            ]
          },
          "timeline": [
            { "at_ms": 5000, "do": "rabbit_consumer_crash", "consumer": "flaky" },
            { "at_ms": 9000, "do": "rabbit_consumer_restart", "consumer": "flaky" }
          ]
        }"#;
        let scenario = Scenario::from_json(json).expect("valid");
        let world = agrees_with_the_broker(&scenario, 100);
        let work = &world.queues[0];
        assert!(work.discarded > 0, "rejected or dropped from the head");
        let eager = &world.consumers[2];
        assert!(eager.acked > 0, "auto-ack consumers finish messages too");
        assert!(world.queues[2].ready.len() as u64 > 0);
    }
}
