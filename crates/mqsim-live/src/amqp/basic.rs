//! The `basic` class: publishing, consuming and acknowledging, carried out
//! by the engine.
//!
//! - `basic.publish` (its content assembled in [`super::content`]) is a
//!   `rabbit_publish` entry through the connection's own publisher, which
//!   the run gains with the connection's first publish.
//! - `basic.consume` is a consumer acknowledging by hand
//!   (`rabbit_consumer_add` with `by_hand`), `basic.cancel` a
//!   `rabbit_consumer_cancel`.
//! - `basic.ack`, `basic.nack` and `basic.reject` name the channel's
//!   delivery tags, counted per channel from 1; the engine counts per
//!   consumer. The channel translates, and refuses a tag it does not hold
//!   with `406 PRECONDITION_FAILED - unknown delivery tag N`, as RabbitMQ
//!   does, before anything reaches the run.
//! - `basic.get` takes one message through the channel's getter, a
//!   consumer of the run that only gets (`get_only`); `basic.recover`
//!   requeues what the channel holds.
//! - `basic.qos` sets the prefetch of the channel's next consumers (a
//!   per-consumer limit, RabbitMQ 4's default).
//! - `confirm.select` puts the channel in confirm mode: each publish is
//!   numbered, and confirmed once routed ([`super::clients`]).
//! - `tx.select` makes it transactional instead: publishes and
//!   settlements wait for `tx.commit`, which makes them entries in order,
//!   or `tx.rollback`, which drops the publishes and leaves the deliveries
//!   unacknowledged.
//!
//! When a channel closes, its consumers' unacknowledged deliveries go
//! back to their queues (`rabbit_consumer_crash`), as when RabbitMQ's
//! channel process ends, and an auto-delete queue left without consumers
//! goes.

use super::clients::{Awaited, ConnectionId, Push, Returned};
use super::content::{Published, properties_in};
use super::methods::{ChannelState, server_named};
use super::reply::Reply;
use crate::broker::Broker;
use amq_protocol::protocol::{AMQPClass, AMQPHardError, AMQPSoftError, basic, confirm, tx};
use mqsim::ids::{PublisherId, RabbitConsumerId};
use mqsim::rabbit::content::Content;
use mqsim::scenario::limits::MAX_BODY_BYTES;
use mqsim::scenario::{Intervention, PublisherSpec, RabbitConsumerSpec};
use mqsim::{EventKind, SimTime};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Who a connection is, to the run and to RabbitMQ's checks.
#[derive(Debug)]
pub struct Client {
    pub id: ConnectionId,
    /// Its name in the run: the client's `connection_name`, or `amqp`,
    /// and its number.
    pub name: String,
    /// The user it logged in as (`user_id` must name it).
    pub user: String,
}

impl Client {
    /// The run's publisher for this connection.
    fn publisher(&self) -> String {
        self.name.clone()
    }

    /// The run's consumer for `tag` on `channel`.
    fn consumer(&self, channel: u16, tag: &str) -> String {
        format!("{}/{channel} {tag}", self.name)
    }
}

/// A channel's side of the `basic` class.
#[derive(Debug, Default)]
pub struct BasicState {
    /// `basic.qos`: the prefetch of the channel's next consumers.
    prefetch: u32,
    /// In confirm mode: the number the next publish gets.
    next_confirm: Option<u64>,
    /// In tx mode: what the transaction holds so far.
    tx: Option<Vec<Staged>>,
    /// Consumers by tag: the run's consumer, and whether it takes
    /// deliveries without acknowledging (`no_ack`).
    consumers: BTreeMap<String, (RabbitConsumerId, bool)>,
    /// Consumers that cancelled but may still hold deliveries.
    cancelled: Vec<RabbitConsumerId>,
    /// The run's consumer for the channel's `basic.get`s, once it has
    /// got.
    getter: Option<RabbitConsumerId>,
    /// A `basic.get` whose message is on its way: whether it was asked
    /// for without acknowledgements, and the queue's count after it.
    pending_get: Option<(bool, u32)>,
    /// The last delivery tag given.
    last_tag: u64,
    /// Deliveries held unacknowledged: the channel's tag, and the run's
    /// consumer and tag.
    unacked: BTreeMap<u64, (RabbitConsumerId, u64)>,
}

impl BasicState {
    /// The channel's tag for a delivery the run made to `consumer` with
    /// `engine_tag`; it is remembered until settled, unless the consumer
    /// takes deliveries without acknowledging. `None` if the channel no
    /// longer has that consumer.
    pub fn deliver(&mut self, consumer: RabbitConsumerId, engine_tag: u64) -> Option<u64> {
        let live = self.consumers.values().find(|(c, _)| *c == consumer);
        let no_ack = match live {
            Some((_, no_ack)) => *no_ack,
            None if self.getter == Some(consumer) => self.pending_get?.0,
            None if self.cancelled.contains(&consumer) => false,
            None => return None,
        };
        self.last_tag += 1;
        if !no_ack {
            self.unacked.insert(self.last_tag, (consumer, engine_tag));
        }
        Some(self.last_tag)
    }

    /// The message count of the `basic.get` answered now.
    pub fn got(&mut self) -> u32 {
        self.pending_get.take().map_or(0, |(_, count)| count)
    }

    /// The broker cancelled the consumer `tag`.
    pub fn forget(&mut self, tag: &str) {
        if let Some((consumer, _)) = self.consumers.remove(tag) {
            self.cancelled.push(consumer);
        }
    }
}

/// A method's answer: one to send, none (`nowait`), or a refusal.
pub type Answer = Result<Option<AMQPClass>, Reply>;

/// `basic.qos`: the prefetch count of consumers the channel starts from
/// now on.
pub fn qos(channel: &mut ChannelState, q: &basic::Qos) -> Answer {
    channel.basic.prefetch = u32::from(q.prefetch_count);
    Ok(Some(AMQPClass::Basic(basic::AMQPMethod::QosOk(
        basic::QosOk {},
    ))))
}

/// `confirm.select`; a transactional channel cannot.
pub fn confirm_select(channel: &mut ChannelState, s: &confirm::Select) -> Answer {
    if channel.basic.tx.is_some() {
        let detail = "cannot switch from tx to confirm mode";
        let cause = AMQPClass::Confirm(confirm::AMQPMethod::Select(s.clone()));
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, detail).caused_by(&cause));
    }
    channel.basic.next_confirm.get_or_insert(1);
    Ok(
        (!s.nowait).then_some(AMQPClass::Confirm(confirm::AMQPMethod::SelectOk(
            confirm::SelectOk {},
        ))),
    )
}

/// A whole `basic.publish`, checked in RabbitMQ's order (`rabbit_channel`,
/// `handle_method(#'basic.publish'{…})`): the size, the exchange, that it
/// is not internal, `user_id`, `expiration`. Then the run takes it.
pub fn publish(
    broker: &mut Broker,
    client: &Client,
    channel_id: u16,
    channel: &mut ChannelState,
    published: Published,
) -> Result<(), Reply> {
    let Published {
        publish,
        properties,
        body,
        size,
    } = published;
    let cause = AMQPClass::Basic(basic::AMQPMethod::Publish(publish.clone()));
    let refuse = |error, detail: String| Err(Reply::soft(error, detail).caused_by(&cause));
    if size > MAX_BODY_BYTES as u64 {
        return refuse(
            AMQPSoftError::PRECONDITIONFAILED,
            format!("message size {size} is larger than configured max size {MAX_BODY_BYTES}"),
        );
    }
    let exchange = publish.exchange.as_str();
    if !exchange.is_empty() {
        let topology = &broker.rabbit().topology;
        match topology.exchange(exchange) {
            None => {
                return refuse(
                    AMQPSoftError::NOTFOUND,
                    format!("no exchange '{exchange}' in vhost '/'"),
                );
            }
            Some(x) if x.internal => {
                return refuse(
                    AMQPSoftError::ACCESSREFUSED,
                    format!("cannot publish to internal exchange '{exchange}' in vhost '/'"),
                );
            }
            Some(_) => {}
        }
    }
    if let Some(user_id) = properties.user_id()
        && user_id.as_str() != client.user
    {
        return refuse(
            AMQPSoftError::PRECONDITIONFAILED,
            format!(
                "user_id property set to '{user_id}' but authenticated user was '{}'",
                client.user
            ),
        );
    }
    if let Some(expiration) = properties.expiration() {
        let why = match expiration.as_str().parse::<i64>() {
            Ok(n) if n < 0 => Some(format!("{{value_negative,{n}}}")),
            Ok(_) => None,
            Err(_) => Some("no_integer".to_string()),
        };
        if let Some(why) = why {
            return refuse(
                AMQPSoftError::PRECONDITIONFAILED,
                format!("invalid expiration '{expiration}': {why}"),
            );
        }
    }
    let publisher = match broker.publisher(&client.publisher()) {
        Some(publisher) => publisher,
        None => {
            let spec = PublisherSpec {
                name: client.publisher(),
                exchange: String::new(),
                rate_per_sec: 0.0,
                routing_keys: Vec::new(),
                headers: Default::default(),
                mandatory: false,
            };
            let added = broker.apply(Intervention::RabbitPublisherAdd { publisher: spec });
            added.map_err(|why| {
                Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(&cause)
            })?;
            broker
                .publisher(&client.publisher())
                .ok_or_else(Reply::internal_error)?
        }
    };
    // Only a mandatory message keeps its content as published, to give it
    // back.
    let returned = publish.mandatory.then(|| {
        Rc::new(Returned {
            exchange: exchange.to_string(),
            routing_key: publish.routing_key.to_string(),
            properties: properties.clone(),
            body: body.clone(),
        })
    });
    let (headers, named) = properties_in(&properties);
    let content = Content {
        body: None,
        body_base64: None,
        properties: named,
    }
    .with_body(body);
    let action = Intervention::RabbitPublish {
        publisher: client.publisher(),
        exchange: Some(exchange.to_string()),
        routing_key: publish.routing_key.to_string(),
        headers,
        poison: false,
        mandatory: publish.mandatory,
        body: content.body,
        body_base64: content.body_base64,
        properties: content.properties,
    };
    let seq = channel.basic.next_confirm;
    if let Some(next) = &mut channel.basic.next_confirm {
        *next += 1;
    }
    let awaited = Awaited {
        connection: client.id,
        channel: channel_id,
        seq,
        returned,
    };
    if let Some(staged) = &mut channel.basic.tx {
        staged.push(Staged::Publish {
            action: Box::new(action),
            publisher,
            awaited,
        });
        return Ok(());
    }
    let published = if awaited.seq.is_none() && awaited.returned.is_none() {
        // Neither confirmed nor mandatory: no answer waits for it, so it
        // shares a millisecond with what follows (`Broker::record`).
        broker.record(action)
    } else {
        broker.publish(action, publisher, awaited).map(|_| ())
    };
    published.map_err(|why| Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(&cause))
}

/// `basic.consume`: a consumer of the run, acknowledging by hand.
pub fn consume(
    broker: &mut Broker,
    client: &Client,
    channel_id: u16,
    channel: &mut ChannelState,
    c: &basic::Consume,
) -> Answer {
    let cause = AMQPClass::Basic(basic::AMQPMethod::Consume(c.clone()));
    let queue = channel
        .existing_queue(broker, c.queue.as_str())
        .map_err(|reply| reply.caused_by(&cause))?;
    let tag = match c.consumer_tag.as_str() {
        "" => server_named(broker, "amq.ctag"),
        tag => tag.to_string(),
    };
    if channel.basic.consumers.contains_key(&tag) {
        return Err(Reply::hard(
            AMQPHardError::NOTALLOWED,
            format!("attempt to reuse consumer tag '{tag}'"),
        )
        .caused_by(&cause));
    }
    let summary = broker.run().simulation().rabbit_summary();
    let in_use = summary
        .queues
        .iter()
        .any(|q| q.name == queue && q.consumers > 0);
    if c.exclusive && in_use {
        return Err(Reply::soft(
            AMQPSoftError::ACCESSREFUSED,
            format!("queue '{queue}' in vhost '/' in exclusive use"),
        )
        .caused_by(&cause));
    }
    let name = client.consumer(channel_id, &tag);
    let spec = RabbitConsumerSpec {
        prefetch: channel.basic.prefetch,
        auto_ack: c.no_ack,
        by_hand: true,
        ..RabbitConsumerSpec::new(&name, &queue)
    };
    let mut added = None;
    broker
        .act(
            Intervention::RabbitConsumerAdd { consumer: spec },
            |broker, _| {
                added = broker.consumer(&name);
                if let Some(consumer) = added {
                    broker
                        .clients
                        .consuming(consumer, client.id, channel_id, Some(&tag));
                }
            },
        )
        .map_err(|why| Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(&cause))?;
    let consumer = added.ok_or_else(Reply::internal_error)?;
    broker.clients.consumed(&queue);
    channel
        .basic
        .consumers
        .insert(tag.clone(), (consumer, c.no_ack));
    Ok((!c.nowait).then(|| {
        AMQPClass::Basic(basic::AMQPMethod::ConsumeOk(basic::ConsumeOk {
            consumer_tag: tag.as_str().into(),
        }))
    }))
}

/// `basic.get`: the queue's next ready message goes to the channel's
/// getter, a consumer of the run that only gets (added with the channel's
/// first `basic.get`). The answer is `get-empty` at once, or `get-ok` with
/// the message when it reaches the client in the run.
pub fn get(
    broker: &mut Broker,
    client: &Client,
    channel_id: u16,
    channel: &mut ChannelState,
    g: &basic::Get,
) -> Answer {
    let cause = AMQPClass::Basic(basic::AMQPMethod::Get(g.clone()));
    let refuse =
        |why: String| Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(&cause);
    let queue = channel
        .existing_queue(broker, g.queue.as_str())
        .map_err(|reply| reply.caused_by(&cause))?;
    let name = client.consumer(channel_id, "basic.get");
    if channel.basic.getter.is_none() {
        let spec = RabbitConsumerSpec {
            by_hand: true,
            get_only: true,
            ..RabbitConsumerSpec::new(&name, &queue)
        };
        broker
            .act(
                Intervention::RabbitConsumerAdd { consumer: spec },
                |broker, _| {
                    channel.basic.getter = broker.consumer(&name);
                    if let Some(getter) = channel.basic.getter {
                        broker
                            .clients
                            .consuming(getter, client.id, channel_id, None);
                    }
                },
            )
            .map_err(refuse)?;
    }
    let getter = channel.basic.getter.ok_or_else(Reply::internal_error)?;
    let mut got = false;
    let action = Intervention::RabbitGet {
        consumer: name,
        queue: queue.clone(),
        auto_ack: g.no_ack,
    };
    broker
        .act(action, |broker, events| {
            got = events.iter().any(|e| {
                matches!(e.kind, EventKind::MessageDelivered { consumer, .. } if consumer == getter)
            });
            let summary = broker.run().simulation().rabbit_summary();
            let left = summary.queues.iter().find(|q| q.name == queue);
            let count = left.map_or(0, |q| q.messages_ready as u32);
            channel.basic.pending_get = got.then_some((g.no_ack, count));
        })
        .map_err(refuse)?;
    Ok(
        (!got).then_some(AMQPClass::Basic(basic::AMQPMethod::GetEmpty(
            basic::GetEmpty {},
        ))),
    )
}

/// `basic.recover` (and `recover-async`): everything the channel holds
/// unacknowledged goes back to its queues, to be delivered again; the
/// answer (`recover-ok`, unless `asynchronous`) comes once it is back.
/// RabbitMQ does not implement it without `requeue`.
pub fn recover(
    broker: &mut Broker,
    client: &Client,
    channel_id: u16,
    channel: &mut ChannelState,
    requeue: bool,
    asynchronous: bool,
    cause: &AMQPClass,
) -> Result<(), Reply> {
    if !requeue {
        return Err(Reply::hard(AMQPHardError::NOTIMPLEMENTED, "requeue=false").caused_by(cause));
    }
    let taken = take(channel, 0, true, cause)?;
    let back = send_settlements(broker, taken, true, Some(true))?;
    if !asynchronous {
        let at = back.unwrap_or_else(|| broker.run().simulation().now());
        let ok = basic::AMQPMethod::RecoverOk(basic::RecoverOk {});
        let answer = Push::Answer {
            channel: channel_id,
            method: AMQPClass::Basic(ok),
        };
        broker.clients.later(at, client.id, answer);
    }
    Ok(())
}

/// `basic.cancel`: nothing more is pushed to the consumer; what it holds
/// it may still acknowledge. A tag the channel does not have is fine.
pub fn cancel(broker: &mut Broker, channel: &mut ChannelState, c: &basic::Cancel) -> Answer {
    let tag = c.consumer_tag.as_str();
    if let Some((consumer, _)) = channel.basic.consumers.remove(tag) {
        let name = broker.consumer_name(consumer);
        broker.clients.cancelled(consumer);
        channel.basic.cancelled.push(consumer);
        broker
            .apply(Intervention::RabbitConsumerCancel { consumer: name })
            .map_err(|_| Reply::internal_error())?;
        delete_unused(broker);
    }
    Ok((!c.nowait).then(|| {
        AMQPClass::Basic(basic::AMQPMethod::CancelOk(basic::CancelOk {
            consumer_tag: c.consumer_tag.clone(),
        }))
    }))
}

/// `basic.ack`, `basic.nack` or `basic.reject`, as `method` says.
pub fn settle_method(
    broker: &mut Broker,
    channel: &mut ChannelState,
    method: &AMQPClass,
) -> Answer {
    let (tag, multiple, requeue) = match method {
        AMQPClass::Basic(basic::AMQPMethod::Ack(a)) => (a.delivery_tag, a.multiple, None),
        AMQPClass::Basic(basic::AMQPMethod::Nack(n)) => {
            (n.delivery_tag, n.multiple, Some(n.requeue))
        }
        AMQPClass::Basic(basic::AMQPMethod::Reject(r)) => (r.delivery_tag, false, Some(r.requeue)),
        _ => return Ok(None),
    };
    settle(broker, channel, tag, multiple, requeue, method).map(|_| None)
}

/// `basic.ack`, `basic.nack` (`requeue` given) and `basic.reject` (one
/// tag): the run's consumers settle what the channel's tags name. Returns
/// when the last settlement reaches the broker in the run, if one was
/// sent.
pub fn settle(
    broker: &mut Broker,
    channel: &mut ChannelState,
    tag: u64,
    multiple: bool,
    requeue: Option<bool>,
    cause: &AMQPClass,
) -> Result<Option<SimTime>, Reply> {
    let taken = take(channel, tag, multiple, cause)?;
    match &mut channel.basic.tx {
        Some(staged) => {
            staged.push(Staged::Settle {
                taken,
                multiple,
                requeue,
            });
            Ok(None)
        }
        // No answer waits for them: they share a millisecond with what
        // else comes in it (`Broker::record`).
        None => {
            for action in settlements(broker, taken, multiple, requeue) {
                broker.record(action).map_err(|_| Reply::internal_error())?;
            }
            Ok(None)
        }
    }
}

/// The deliveries `tag` names (with `multiple`, every one up to it; tag 0,
/// all), taken off the channel's unacknowledged ones.
fn take(
    channel: &mut ChannelState,
    tag: u64,
    multiple: bool,
    cause: &AMQPClass,
) -> Result<Taken, Reply> {
    let unacked = &mut channel.basic.unacked;
    // Tag 0 with `multiple`: everything outstanding.
    let everything = multiple && tag == 0;
    if !everything && !unacked.contains_key(&tag) {
        let unknown = format!("unknown delivery tag {tag}");
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, unknown).caused_by(cause));
    }
    Ok(if multiple {
        let upto = if tag == 0 { u64::MAX } else { tag };
        let tags: Vec<u64> = unacked.range(..=upto).map(|(t, _)| *t).collect();
        tags.iter()
            .filter_map(|t| unacked.remove(t).map(|d| (*t, d)))
            .collect()
    } else {
        unacked.remove(&tag).map(|d| (tag, d)).into_iter().collect()
    })
}

/// The run's consumers settle `taken`: per consumer its highest tag, all
/// at once with `multiple`, or each one. Returns when the last settlement
/// reaches the broker in the run, if one was sent.
fn send_settlements(
    broker: &mut Broker,
    taken: Taken,
    multiple: bool,
    requeue: Option<bool>,
) -> Result<Option<SimTime>, Reply> {
    let mut last = None;
    for action in settlements(broker, taken, multiple, requeue) {
        broker
            .act(action, |_, events| {
                for event in events {
                    if let EventKind::MessageSettled { arrives_at, .. } = event.kind {
                        last = last.max(Some(arrives_at));
                    }
                }
            })
            .map_err(|_| Reply::internal_error())?;
    }
    Ok(last)
}

/// The entries that settle `taken`: per consumer its highest tag, all at
/// once with `multiple`, or each one; acknowledged, or with `requeue`
/// given, rejected.
fn settlements(
    broker: &Broker,
    taken: Taken,
    multiple: bool,
    requeue: Option<bool>,
) -> Vec<Intervention> {
    let mut by_consumer: BTreeMap<RabbitConsumerId, Vec<u64>> = BTreeMap::new();
    for (_, (consumer, engine_tag)) in taken {
        by_consumer.entry(consumer).or_default().push(engine_tag);
    }
    let mut actions = Vec::new();
    for (consumer, tags) in by_consumer {
        let name = broker.consumer_name(consumer);
        let entries: Vec<(u64, bool)> = match (multiple, tags.iter().max()) {
            (true, Some(&highest)) => vec![(highest, true)],
            _ => tags.iter().map(|&t| (t, false)).collect(),
        };
        for (delivery_tag, multiple) in entries {
            actions.push(match requeue {
                None => Intervention::RabbitAck {
                    consumer: name.clone(),
                    delivery_tag,
                    multiple,
                },
                Some(requeue) => Intervention::RabbitNack {
                    consumer: name.clone(),
                    delivery_tag,
                    multiple,
                    requeue,
                },
            });
        }
    }
    actions
}

/// Deliveries taken off a channel: its tag, the run's consumer and tag.
type Taken = Vec<(u64, (RabbitConsumerId, u64))>;

/// What a transaction holds until `tx.commit`.
#[derive(Debug)]
pub enum Staged {
    Publish {
        action: Box<Intervention>,
        publisher: PublisherId,
        awaited: Awaited,
    },
    Settle {
        taken: Taken,
        multiple: bool,
        requeue: Option<bool>,
    },
}

/// `tx.select`: from now on the channel's publishes and settlements wait
/// for `tx.commit`. A channel in confirm mode cannot.
pub fn tx_select(channel: &mut ChannelState, cause: &AMQPClass) -> Answer {
    if channel.basic.next_confirm.is_some() {
        let detail = "cannot switch from confirm to tx mode";
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, detail).caused_by(cause));
    }
    channel.basic.tx.get_or_insert_with(Vec::new);
    Ok(Some(AMQPClass::Tx(tx::AMQPMethod::SelectOk(
        tx::SelectOk {},
    ))))
}

/// `tx.commit`: what the transaction holds happens now, in order; the
/// answer comes once it has all reached the broker in the run.
pub fn tx_commit(
    broker: &mut Broker,
    client: &Client,
    channel_id: u16,
    channel: &mut ChannelState,
    cause: &AMQPClass,
) -> Answer {
    let staged = std::mem::take(transaction(channel, cause)?);
    let refuse = |why| Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(cause);
    let mut done = broker.run().simulation().now();
    for step in staged {
        let arrives = match step {
            Staged::Publish {
                action,
                publisher,
                awaited,
            } => (broker.publish(*action, publisher, awaited)).map_err(refuse)?,
            Staged::Settle {
                taken,
                multiple,
                requeue,
            } => send_settlements(broker, taken, multiple, requeue)?,
        };
        done = done.max(arrives.unwrap_or(done));
    }
    let ok = tx::AMQPMethod::CommitOk(tx::CommitOk {});
    let answer = Push::Answer {
        channel: channel_id,
        method: AMQPClass::Tx(ok),
    };
    broker.clients.later(done, client.id, answer);
    Ok(None)
}

/// `tx.rollback`: the transaction's publishes are dropped, and what it
/// acknowledged is unacknowledged again.
pub fn tx_rollback(channel: &mut ChannelState, cause: &AMQPClass) -> Answer {
    let staged = std::mem::take(transaction(channel, cause)?);
    for step in staged {
        if let Staged::Settle { taken, .. } = step {
            channel.basic.unacked.extend(taken);
        }
    }
    Ok(Some(AMQPClass::Tx(tx::AMQPMethod::RollbackOk(
        tx::RollbackOk {},
    ))))
}

/// The channel's transaction, which it must have.
fn transaction<'a>(
    channel: &'a mut ChannelState,
    cause: &AMQPClass,
) -> Result<&'a mut Vec<Staged>, Reply> {
    let detail = "channel is not transactional";
    (channel.basic.tx.as_mut())
        .ok_or_else(|| Reply::soft(AMQPSoftError::PRECONDITIONFAILED, detail).caused_by(cause))
}

/// The channel closed (or its connection ended): its consumers stop, and
/// what they held unacknowledged goes back to its queues.
pub fn closed(broker: &mut Broker, client: &Client, channel_id: u16, channel: &ChannelState) {
    let basic = &channel.basic;
    let mut done: Vec<RabbitConsumerId> = basic.consumers.values().map(|(c, _)| *c).collect();
    done.extend(
        (basic.cancelled.iter().chain(&basic.getter))
            .filter(|c| basic.unacked.values().any(|(held, _)| held == *c)),
    );
    for consumer in done {
        let name = broker.consumer_name(consumer);
        let _ = broker.apply(Intervention::RabbitConsumerCrash { consumer: name });
    }
    broker.clients.channel_closed(client.id, channel_id);
    delete_unused(broker);
}

/// Auto-delete queues whose last consumer has gone are deleted.
fn delete_unused(broker: &mut Broker) {
    let candidates = broker.clients.auto_deleting();
    if candidates.is_empty() {
        return;
    }
    let summary = broker.run().simulation().rabbit_summary();
    let unused: Vec<String> = (candidates.into_iter())
        .filter(|queue| (summary.queues.iter()).any(|q| q.name == *queue && q.consumers == 0))
        .collect();
    for queue in unused {
        broker.clients.deleted(&queue);
        let _ = broker.apply(Intervention::RabbitQueueDelete { queue });
    }
}
