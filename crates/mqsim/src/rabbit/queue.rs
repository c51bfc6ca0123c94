//! Queues: messages waiting (ready) and out with consumers (unacked).
//!
//! A queue is first in, first out. Two types behave differently when a
//! message comes back (`nack` with requeue, or its consumer gone), as in
//! RabbitMQ 3.13:
//! - a *classic* queue puts it back at its original position, marked
//!   redelivered ("Consumer Acknowledgements": "placed back at its original
//!   position in its queue, if possible"), and does not count deliveries;
//! - a *quorum* queue (`rabbit_fifo`) keeps returned messages in a separate
//!   first-in first-out *returns* queue that is served before the main one,
//!   so a returned message comes next, behind earlier returns. It counts
//!   each return in the message's delivery count (`x-delivery-count`); once
//!   that exceeds `x-delivery-limit`, the message is dead-lettered (reason
//!   `delivery_limit`) instead of being requeued. (RabbitMQ's documentation
//!   once said "the back of the queue"; the quorum queue maintainer
//!   corrected it: returns are served first.)
//!
//! `x-expires` deletes the queue itself, messages and all, once it has had
//! no consumer for that long. `x-message-ttl`, and a message's own
//! `expiration` (the earlier of the two counts), expire messages only when
//! they reach the head of the queue. `x-max-length` counts ready messages,
//! and a full queue either drops its oldest (`drop-head`, dead-lettered as `maxlen`) or refuses the
//! newest (`reject-publish`).

use super::headers::{FieldTable, FieldValue};
use super::message::Message;
use crate::time::SimTime;
use std::collections::VecDeque;
use std::rc::Rc;

/// `x-queue-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueType {
    Classic,
    Quorum,
}

/// `x-overflow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    DropHead,
    RejectPublish,
}

/// A message in a queue.
#[derive(Clone, Debug)]
pub struct Queued {
    pub message: Rc<Message>,
    /// Its place in arrival order, to put it back where it was.
    pub position: u64,
    pub enqueued_at: SimTime,
    pub redelivered: bool,
    /// Returns so far (quorum queues count them).
    pub delivery_count: u32,
}

/// One queue's settings and contents.
#[derive(Clone, Debug)]
pub struct Queue {
    pub name: Rc<str>,
    pub kind: QueueType,
    pub message_ttl_ms: Option<u64>,
    pub max_length: Option<u64>,
    pub overflow: Overflow,
    pub dead_letter_exchange: Option<Rc<str>>,
    pub dead_letter_routing_key: Option<Rc<str>>,
    pub delivery_limit: Option<u32>,
    /// `x-expires`: deleted after this long without consumers.
    pub expires_ms: Option<u64>,
    /// Since when it has had no consumer (its last use).
    pub unused_since: SimTime,
    /// Declared: false for a queue the timeline declares later, until then.
    pub declared: bool,
    /// Deleted (`queue.delete` or `x-expires`): nothing reaches it any more.
    pub deleted: bool,
    /// Messages waiting to be delivered, in order.
    pub ready: VecDeque<Queued>,
    /// Quorum queues: returned messages, served before `ready`.
    pub returns: VecDeque<Queued>,
    /// Messages delivered and not yet settled.
    pub unacked: u64,
    next_position: u64,
    /// When the expiry timer next fires, if set.
    pub(super) expiry_timer: Option<SimTime>,
}

impl Queue {
    /// A queue named `name` with RabbitMQ `arguments` (validated).
    pub fn new(name: &str, arguments: &FieldTable) -> Queue {
        let text = |key: &str| match arguments.get(key) {
            Some(FieldValue::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let whole = |key: &str| match arguments.get(key) {
            Some(FieldValue::Int(n)) => u64::try_from(*n).ok(),
            _ => None,
        };
        Queue {
            name: Rc::from(name),
            kind: match text("x-queue-type") {
                Some("quorum") => QueueType::Quorum,
                _ => QueueType::Classic,
            },
            message_ttl_ms: whole("x-message-ttl"),
            max_length: whole("x-max-length"),
            overflow: match text("x-overflow") {
                Some("reject-publish") => Overflow::RejectPublish,
                _ => Overflow::DropHead,
            },
            dead_letter_exchange: text("x-dead-letter-exchange").map(Rc::from),
            dead_letter_routing_key: text("x-dead-letter-routing-key").map(Rc::from),
            delivery_limit: whole("x-delivery-limit").map(|n| n.min(u64::from(u32::MAX)) as u32),
            expires_ms: whole("x-expires"),
            unused_since: SimTime::ZERO,
            declared: true,
            deleted: false,
            ready: VecDeque::new(),
            returns: VecDeque::new(),
            unacked: 0,
            next_position: 0,
            expiry_timer: None,
        }
    }

    /// Adds a new message at the tail.
    pub fn push(&mut self, message: Rc<Message>, now: SimTime) {
        self.ready.push_back(Queued {
            message,
            position: self.next_position,
            enqueued_at: now,
            redelivered: false,
            delivery_count: 0,
        });
        self.next_position += 1;
    }

    /// Declared and not deleted: it can take messages and consumers.
    pub fn is_live(&self) -> bool {
        self.declared && !self.deleted
    }

    /// How many messages wait to be delivered.
    pub fn ready_count(&self) -> u64 {
        (self.ready.len() + self.returns.len()) as u64
    }

    /// The waiting messages, in the order they will be delivered.
    pub fn waiting(&self) -> impl Iterator<Item = &Queued> {
        self.returns.iter().chain(&self.ready)
    }

    /// Takes the next message to deliver.
    pub fn take_next(&mut self) -> Option<Queued> {
        self.returns.pop_front().or_else(|| self.ready.pop_front())
    }

    /// Whether the queue is at `x-max-length`.
    pub fn is_full(&self) -> bool {
        self.max_length.is_some_and(|max| self.ready_count() >= max)
    }

    /// Puts a returned message back: a classic queue at its place in
    /// arrival order, a quorum queue at the back of its returns.
    pub fn requeue(&mut self, queued: Queued) {
        if self.kind == QueueType::Quorum {
            self.returns.push_back(queued);
            return;
        }
        let at = self
            .ready
            .iter()
            .position(|q| q.position > queued.position)
            .unwrap_or(self.ready.len());
        self.ready.insert(at, queued);
    }

    /// When the message at the head expires, if the queue has a TTL or
    /// the message its own (`expiration`): the earlier of the two.
    pub fn head_expires_at(&self) -> Option<SimTime> {
        let head = self.ready.front()?;
        let ttl = match (self.message_ttl_ms, head.message.ttl_ms()) {
            (Some(queue), Some(own)) => queue.min(own),
            (ttl, None) | (None, ttl) => ttl?,
        };
        Some(head.enqueued_at + ttl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MessageId;

    fn message(id: u64) -> Rc<Message> {
        Rc::new(Message {
            id: MessageId(id),
            exchange: Rc::from(""),
            routing_key: Rc::from("q"),
            headers: FieldTable::new(),
            deaths: Vec::new(),
            first_death: None,
            content: None,
        })
    }

    /// RabbitMQ's consumer guide: a requeued message is placed back at its
    /// original position in the queue, if possible.
    #[test]
    fn a_requeued_message_goes_back_to_its_place() {
        let mut q = Queue::new("q", &FieldTable::new());
        for id in 0..4 {
            q.push(message(id), SimTime::ZERO);
        }
        let second = q.ready.remove(1).expect("present");
        let first = q.ready.pop_front().expect("present");
        q.requeue(second);
        q.requeue(first);
        let order: Vec<u64> = q.ready.iter().map(|m| m.message.id.0).collect();
        assert_eq!(order, [0, 1, 2, 3]);
    }

    /// A quorum queue serves returned messages first, in the order they
    /// came back (`rabbit_fifo`'s returns queue).
    #[test]
    fn a_quorum_queue_serves_returns_first() {
        let quorum: FieldTable =
            serde_json::from_str(r#"{"x-queue-type": "quorum"}"#).expect("arguments");
        let mut q = Queue::new("q", &quorum);
        for id in 0..4 {
            q.push(message(id), SimTime::ZERO);
        }
        let first = q.take_next().expect("0");
        let second = q.take_next().expect("1");
        q.requeue(second);
        q.requeue(first);
        let order: Vec<u64> = q.waiting().map(|m| m.message.id.0).collect();
        assert_eq!(order, [1, 0, 2, 3]);
    }

    #[test]
    fn arguments_configure_the_queue() {
        let arguments: FieldTable = serde_json::from_str(
            r#"{"x-queue-type": "quorum", "x-message-ttl": 5000, "x-max-length": 3,
                "x-overflow": "reject-publish", "x-dead-letter-exchange": "dlx",
                "x-delivery-limit": 2}"#,
        )
        .expect("arguments");
        let q = Queue::new("q", &arguments);
        assert_eq!(q.kind, QueueType::Quorum);
        assert_eq!((q.message_ttl_ms, q.max_length), (Some(5000), Some(3)));
        assert_eq!(q.overflow, Overflow::RejectPublish);
        assert_eq!(q.dead_letter_exchange.as_deref(), Some("dlx"));
        assert_eq!(q.delivery_limit, Some(2));
    }
}
