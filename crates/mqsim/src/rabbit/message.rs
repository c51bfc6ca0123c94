//! Messages, and the `x-death` history RabbitMQ writes when it
//! dead-letters one.
//!
//! Each time a queue dead-letters a message, RabbitMQ records it in the
//! message's `x-death` header: one entry per (queue, reason), most recent
//! first, with a count of how often it happened, the exchange and routing
//! keys the message had, and when. The first death is also kept apart
//! (`x-first-death-queue`, `-reason`, `-exchange`). A message with its own
//! `expiration` loses it on dying; the entry keeps it as
//! `original-expiration`.

use super::content::Content;
use super::headers::FieldTable;
use crate::ids::MessageId;
use crate::time::SimTime;
use crate::trace::DeathReason;
use serde::Serialize;
use std::rc::Rc;

/// A message as the broker holds it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    pub id: MessageId,
    /// The exchange it was (last) published to.
    pub exchange: Rc<str>,
    pub routing_key: Rc<str>,
    pub headers: FieldTable,
    /// `x-death`, most recent first.
    pub deaths: Vec<Death>,
    /// `x-first-death-queue`, `-reason` and `-exchange`.
    pub first_death: Option<(Rc<str>, DeathReason, Rc<str>)>,
    /// Its properties and body, if it has any (a publisher that publishes
    /// at a rate sends empty ones).
    #[serde(skip)]
    pub content: Option<Rc<Content>>,
}

/// One `x-death` entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Death {
    pub queue: Rc<str>,
    pub reason: DeathReason,
    pub count: u32,
    pub exchange: Rc<str>,
    #[serde(rename = "routing-keys")]
    pub routing_keys: Vec<Rc<str>>,
    pub time: SimTime,
    /// The message's `expiration` when it died, which it no longer has.
    #[serde(
        rename = "original-expiration",
        skip_serializing_if = "Option::is_none"
    )]
    pub original_expiration: Option<String>,
}

impl Message {
    /// The message as `queue` dead-letters it for `reason` at `now`: the
    /// matching `x-death` entry counts one more and moves to the front, or
    /// a new one goes there. Republished to `dead_letter_exchange` with
    /// `routing_key` (the queue's `x-dead-letter-routing-key`, if set).
    pub fn dead_lettered(
        &self,
        queue: &Rc<str>,
        reason: DeathReason,
        dead_letter_exchange: &Rc<str>,
        routing_key: Option<&Rc<str>>,
        now: SimTime,
    ) -> Message {
        let mut deaths = self.deaths.clone();
        let entry = match deaths
            .iter()
            .position(|d| d.queue == *queue && d.reason == reason)
        {
            Some(i) => {
                let mut entry = deaths.remove(i);
                entry.count += 1;
                entry.time = now;
                entry
            }
            None => Death {
                queue: queue.clone(),
                reason,
                count: 1,
                exchange: self.exchange.clone(),
                routing_keys: vec![self.routing_key.clone()],
                time: now,
                original_expiration: self.expiration(),
            },
        };
        deaths.insert(0, entry);
        Message {
            id: self.id,
            exchange: dead_letter_exchange.clone(),
            routing_key: routing_key
                .cloned()
                .unwrap_or_else(|| self.routing_key.clone()),
            headers: self.headers.clone(),
            deaths,
            first_death: self
                .first_death
                .clone()
                .or_else(|| Some((queue.clone(), reason, self.exchange.clone()))),
            content: match &self.content {
                Some(content) if self.expiration().is_some() => {
                    Some(Rc::new(content.without_expiration()))
                }
                other => other.clone(),
            },
        }
    }

    /// The message's own `expiration` property, if set.
    pub fn expiration(&self) -> Option<String> {
        self.content.as_ref()?.expiration().map(str::to_string)
    }

    /// The message's own time to live, if it has one.
    pub fn ttl_ms(&self) -> Option<u64> {
        self.content.as_ref()?.ttl_ms()
    }

    /// RabbitMQ's cycle check: a message dead-lettered back into `queue`,
    /// which it already died in, with no rejection anywhere in its history
    /// since, would circle for ever (say, between two queues whose TTLs
    /// expire into each other). It is dropped instead.
    pub fn would_cycle(&self, queue: &str) -> bool {
        match self.deaths.iter().position(|d| &*d.queue == queue) {
            Some(i) => self.deaths[..=i]
                .iter()
                .all(|d| d.reason != DeathReason::Rejected),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            id: MessageId(1),
            exchange: Rc::from("orders"),
            routing_key: Rc::from("eu.paid"),
            headers: FieldTable::new(),
            deaths: Vec::new(),
            first_death: None,
            content: None,
        }
    }

    /// RabbitMQ's dead-lettering guide: one `x-death` entry per queue and
    /// reason, counted, most recent first; the first death kept apart.
    #[test]
    fn x_death_counts_per_queue_and_reason_most_recent_first() {
        let (work, retry) = (Rc::from("work"), Rc::from("retry"));
        let (dlx, back): (Rc<str>, Rc<str>) = (Rc::from("dlx"), Rc::from("back"));
        let t = SimTime::from_millis;
        let m = message()
            .dead_lettered(&work, DeathReason::Rejected, &dlx, None, t(1))
            .dead_lettered(&retry, DeathReason::Expired, &back, None, t(2))
            .dead_lettered(&work, DeathReason::Rejected, &dlx, None, t(3));
        let entries: Vec<(&str, DeathReason, u32)> = m
            .deaths
            .iter()
            .map(|d| (&*d.queue, d.reason, d.count))
            .collect();
        assert_eq!(
            entries,
            [
                ("work", DeathReason::Rejected, 2),
                ("retry", DeathReason::Expired, 1)
            ]
        );
        assert_eq!(m.deaths[0].time, t(3));
        assert_eq!(&*m.deaths[0].exchange, "orders", "where it first came from");
        let first = m.first_death.as_ref().map(|(q, r, x)| (&**q, *r, &**x));
        assert_eq!(first, Some(("work", DeathReason::Rejected, "orders")));
        assert_eq!(&*m.routing_key, "eu.paid", "no x-dead-letter-routing-key");
    }

    #[test]
    fn a_cycle_without_rejection_is_caught() {
        let (a, b, x): (Rc<str>, Rc<str>, Rc<str>) = (Rc::from("a"), Rc::from("b"), Rc::from("x"));
        let expired_twice = message()
            .dead_lettered(&a, DeathReason::Expired, &x, None, SimTime::ZERO)
            .dead_lettered(&b, DeathReason::Expired, &x, None, SimTime::ZERO);
        assert!(expired_twice.would_cycle("a"));
        let retried = message()
            .dead_lettered(&a, DeathReason::Rejected, &x, None, SimTime::ZERO)
            .dead_lettered(&b, DeathReason::Expired, &x, None, SimTime::ZERO);
        assert!(
            !retried.would_cycle("a"),
            "the retry pattern: rejected, then expired"
        );
        assert!(!retried.would_cycle("c"));
    }
}
