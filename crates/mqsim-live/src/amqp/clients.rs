//! The AMQP clients as the engine knows them, and what the engine has for
//! each.
//!
//! A connection publishes through a publisher of its own, named after the
//! connection, at rate 0: it publishes only what the client publishes.
//! Each `basic.consume` is a consumer that acknowledges by hand, named
//! after the connection, the channel and the consumer tag. After every
//! step of the run the engine's events come here, and those that concern a
//! client become what its connection sends it ([`Push`]):
//! - a delivery, at the moment the message reaches the consumer in the
//!   run (its `arrives_at`), so that a client never acknowledges what the
//!   run has not yet handed it;
//! - a publisher confirm once the exchange has routed the message: `ack`,
//!   or `nack` if a full queue with `x-overflow: reject-publish` refused
//!   it;
//! - a `basic.return` (312 NO_ROUTE) for a mandatory message no queue
//!   took, before its confirm, as RabbitMQ sends them;
//! - a `basic.cancel` when the broker cancels a consumer (its queue was
//!   deleted);
//! - the answers that wait for the run: `basic.recover-ok` once what the
//!   channel held is back in its queues, `tx.commit-ok` once the
//!   transaction's messages are routed.
//!
//! It also keeps which queues are a connection's alone (`exclusive`) and
//! which go with their last consumer (`auto_delete`): the engine's queues
//! have no owner, so the front end deletes them when the time comes.

use amq_protocol::protocol::AMQPClass;
use mqsim::ids::{MessageId, RabbitConsumerId};
use mqsim::rabbit::message::Message;
use mqsim::{Event, EventKind, SimTime};
use std::collections::BTreeMap;
use std::rc::Rc;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A connection, as the registry numbers it.
pub type ConnectionId = u64;

/// What the engine has for a connection to send.
#[derive(Debug)]
pub enum Push {
    /// `basic.deliver` to `consumer_tag` on `channel`, or without one the
    /// answer to a `basic.get` (`get-ok`); the connection gives it the
    /// channel's next delivery tag and remembers the engine's.
    Deliver {
        channel: u16,
        consumer_tag: Option<String>,
        consumer: RabbitConsumerId,
        engine_tag: u64,
        redelivered: bool,
        message: Rc<Message>,
    },
    /// A publisher confirm for publish number `seq` on `channel`.
    Confirm { channel: u16, seq: u64, ack: bool },
    /// `basic.return` of a mandatory message no queue took.
    Return {
        channel: u16,
        returned: Rc<Returned>,
    },
    /// The broker cancelled the consumer `consumer_tag` (its queue went).
    Cancel { channel: u16, consumer_tag: String },
    /// A method's answer that waits for the run: `basic.recover-ok` once
    /// what the channel held is back in its queues, `tx.commit-ok` once
    /// the transaction's messages are routed.
    Answer { channel: u16, method: AMQPClass },
}

/// A mandatory message as it was published, to give it back.
#[derive(Debug)]
pub struct Returned {
    pub exchange: String,
    pub routing_key: String,
    pub properties: amq_protocol::protocol::BasicProperties,
    pub body: Vec<u8>,
}

/// A published message whose outcome its publisher waits for.
#[derive(Debug)]
pub struct Awaited {
    pub connection: ConnectionId,
    pub channel: u16,
    /// Its confirm's sequence number, on a channel in confirm mode.
    pub seq: Option<u64>,
    /// What to give back if no queue takes it (mandatory only).
    pub returned: Option<Rc<Returned>>,
}

/// A consumer of a live client.
#[derive(Debug)]
struct LiveConsumer {
    connection: ConnectionId,
    channel: u16,
    /// Its consumer tag; none for the channel's `basic.get`s.
    tag: Option<String>,
    /// The client cancelled it: the broker's own cancel needs no notice.
    cancelled: bool,
}

/// Every live AMQP client and what awaits it.
#[derive(Default)]
pub struct Clients {
    next: ConnectionId,
    outboxes: BTreeMap<ConnectionId, UnboundedSender<Push>>,
    consumers: BTreeMap<RabbitConsumerId, LiveConsumer>,
    awaited: BTreeMap<MessageId, Awaited>,
    /// Exclusive queues and the connection each belongs to.
    exclusive: BTreeMap<String, ConnectionId>,
    /// Auto-delete queues, and whether each has had a consumer yet.
    auto_delete: BTreeMap<String, bool>,
    /// Deliveries waiting for their moment, in the order they will arrive.
    due: BTreeMap<(SimTime, u64), (ConnectionId, Push)>,
    scheduled: u64,
}

impl Clients {
    /// A new connection's number, and where its pushes arrive.
    pub fn connect(&mut self) -> (ConnectionId, UnboundedReceiver<Push>) {
        self.next += 1;
        let (send, receive) = unbounded_channel();
        self.outboxes.insert(self.next, send);
        (self.next, receive)
    }

    /// A connection ended: nothing more is sent to it, and its consumers
    /// are forgotten (the broker's run has them closed by then). Returns
    /// its exclusive queues, which go with it.
    pub fn disconnect(&mut self, connection: ConnectionId) -> Vec<String> {
        let exclusive: Vec<String> = (self.exclusive.iter())
            .filter(|(_, owner)| **owner == connection)
            .map(|(queue, _)| queue.clone())
            .collect();
        self.outboxes.remove(&connection);
        self.consumers.retain(|_, c| c.connection != connection);
        self.awaited.retain(|_, a| a.connection != connection);
        self.due.retain(|_, (c, _)| *c != connection);
        exclusive
    }

    /// Queue `queue`, just declared, is `connection`'s alone (`exclusive`)
    /// and/or goes once its last consumer has (`auto_delete`).
    pub fn declared(
        &mut self,
        queue: &str,
        connection: ConnectionId,
        exclusive: bool,
        auto_delete: bool,
    ) {
        if exclusive {
            self.exclusive.insert(queue.to_string(), connection);
        }
        if auto_delete {
            self.auto_delete.insert(queue.to_string(), false);
        }
    }

    /// The connection an exclusive queue belongs to.
    pub fn owner(&self, queue: &str) -> Option<ConnectionId> {
        self.exclusive.get(queue).copied()
    }

    /// Queue `queue` has a consumer.
    pub fn consumed(&mut self, queue: &str) {
        if let Some(had) = self.auto_delete.get_mut(queue) {
            *had = true;
        }
    }

    /// The auto-delete queues that have had a consumer.
    pub fn auto_deleting(&self) -> Vec<String> {
        (self.auto_delete.iter())
            .filter(|(_, had)| **had)
            .map(|(queue, _)| queue.clone())
            .collect()
    }

    /// Queue `queue` is gone.
    pub fn deleted(&mut self, queue: &str) {
        self.exclusive.remove(queue);
        self.auto_delete.remove(queue);
    }

    /// Consumer `consumer` of the run is `tag` on `channel` of
    /// `connection`, or without a tag the channel's `basic.get`s.
    pub fn consuming(
        &mut self,
        consumer: RabbitConsumerId,
        connection: ConnectionId,
        channel: u16,
        tag: Option<&str>,
    ) {
        let live = LiveConsumer {
            connection,
            channel,
            tag: tag.map(str::to_string),
            cancelled: false,
        };
        self.consumers.insert(consumer, live);
    }

    /// The client cancelled `consumer`.
    pub fn cancelled(&mut self, consumer: RabbitConsumerId) {
        if let Some(c) = self.consumers.get_mut(&consumer) {
            c.cancelled = true;
        }
    }

    /// The client's channel closed: its consumers are done with.
    pub fn channel_closed(&mut self, connection: ConnectionId, channel: u16) {
        let gone = |c: ConnectionId, ch: u16| c == connection && ch == channel;
        self.consumers.retain(|_, c| !gone(c.connection, c.channel));
        self.awaited.retain(|_, a| !gone(a.connection, a.channel));
        self.due.retain(|_, (c, push)| !(gone(*c, push.channel())));
    }

    /// Message `id` waits for its outcome.
    pub fn awaiting(&mut self, id: MessageId, awaited: Awaited) {
        self.awaited.insert(id, awaited);
    }

    /// What the run did, in order: turned into pushes for the clients
    /// concerned, sent at once or (deliveries) when due.
    pub fn on_events(&mut self, events: &[Event]) {
        // A message's routing is one step: its confirm waits for the whole
        // of it, which may include a queue's refusal.
        let mut outcomes: Vec<(MessageId, bool)> = Vec::new();
        for event in events {
            match &event.kind {
                EventKind::MessageRouted { message, .. } if self.awaited.contains_key(message) => {
                    outcomes.push((*message, true));
                }
                EventKind::MessageRefused { message, .. } => {
                    if let Some(outcome) = outcomes.iter_mut().find(|(m, _)| m == message) {
                        outcome.1 = false;
                    }
                }
                EventKind::MessageUnroutable { message, returned } => {
                    if *returned {
                        self.give_back(*message);
                    }
                    outcomes.push((*message, true));
                }
                EventKind::MessageDelivered {
                    consumer,
                    delivery_tag,
                    redelivered,
                    arrives_at,
                    copy: Some(message),
                    ..
                } => {
                    let Some(live) = self.consumers.get(consumer) else {
                        continue;
                    };
                    let push = Push::Deliver {
                        channel: live.channel,
                        consumer_tag: live.tag.clone(),
                        consumer: *consumer,
                        engine_tag: *delivery_tag,
                        redelivered: *redelivered,
                        message: message.clone(),
                    };
                    self.later(*arrives_at, live.connection, push);
                }
                EventKind::RabbitConsumerCancelled { consumer } => {
                    if let Some(live) = self.consumers.get_mut(consumer)
                        && !live.cancelled
                        && let Some(consumer_tag) = live.tag.clone()
                    {
                        live.cancelled = true;
                        let push = Push::Cancel {
                            channel: live.channel,
                            consumer_tag,
                        };
                        let connection = live.connection;
                        self.send(connection, push);
                    }
                }
                _ => {}
            }
        }
        for (message, ack) in outcomes {
            if let Some(awaited) = self.awaited.remove(&message)
                && let Some(seq) = awaited.seq
            {
                let push = Push::Confirm {
                    channel: awaited.channel,
                    seq,
                    ack,
                };
                self.send(awaited.connection, push);
            }
        }
    }

    /// `push` for `connection`, sent at `at` in the run.
    pub fn later(&mut self, at: SimTime, connection: ConnectionId, push: Push) {
        self.scheduled += 1;
        self.due.insert((at, self.scheduled), (connection, push));
    }

    /// Sends what is due by `now`.
    pub fn flush(&mut self, now: SimTime) {
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (connection, push) = entry.remove();
            self.send(connection, push);
        }
    }

    /// When the next delivery is due, if one is waiting.
    pub fn next_due(&self) -> Option<SimTime> {
        self.due.keys().next().map(|(at, _)| *at)
    }

    /// A mandatory message no queue took goes back to its publisher.
    fn give_back(&mut self, message: MessageId) {
        let Some(awaited) = self.awaited.get(&message) else {
            return;
        };
        if let Some(returned) = &awaited.returned {
            let push = Push::Return {
                channel: awaited.channel,
                returned: returned.clone(),
            };
            self.send(awaited.connection, push);
        }
    }

    fn send(&mut self, connection: ConnectionId, push: Push) {
        if let Some(outbox) = self.outboxes.get(&connection) {
            // A connection that has ended has dropped its receiver.
            let _ = outbox.send(push);
        }
    }
}

impl Push {
    /// The channel it is for.
    pub fn channel(&self) -> u16 {
        match self {
            Push::Deliver { channel, .. }
            | Push::Confirm { channel, .. }
            | Push::Return { channel, .. }
            | Push::Cancel { channel, .. }
            | Push::Answer { channel, .. } => *channel,
        }
    }
}
