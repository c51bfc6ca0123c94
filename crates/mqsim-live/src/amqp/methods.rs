//! The broker's methods on a channel, carried out by the engine through
//! the live run: `exchange.declare`, `exchange.delete`, `exchange.bind`,
//! `exchange.unbind`, `queue.declare`, `queue.bind`, `queue.unbind`,
//! `queue.purge` and `queue.delete`. A
//! method either answers (`declare-ok`, `bind-ok`; nothing with `nowait`)
//! or is refused with RabbitMQ's reply: a soft one (403, 404, 406) closes
//! the channel, as RabbitMQ's channel does.
//!
//! What a declaration creates becomes a timeline entry; declaring what
//! exists, as it is, changes nothing (the engine's equivalence checks,
//! `mqsim::rabbit::declare`). `durable` is taken and not kept (nothing
//! here outlives the run); `exclusive` and `auto_delete` are kept by the
//! live clients' registry ([`super::clients`]), which deletes such a queue
//! when its connection, or its last consumer, is gone.

use super::content::table;
use super::reply::Reply;
use crate::broker::Broker;
use amq_protocol::protocol::{AMQPClass, AMQPHardError, AMQPSoftError, exchange, queue};
use amq_protocol::types::{FieldTable as AmqpTable, ShortString};
use base64::Engine;
use mqsim::rabbit::declare;
use mqsim::rabbit::headers::FieldValue;
use mqsim::rabbit::topology::{Binding, Destination, Exchange, ExchangeType};
use mqsim::scenario::{Intervention, QueueSpec};
use rand::{Rng, SeedableRng};

/// What a channel remembers between methods.
#[derive(Debug, Default)]
pub struct ChannelState {
    /// The connection it is on, which exclusive queues belong to.
    connection: super::clients::ConnectionId,
    /// The queue it declared last: what an empty queue name means.
    last_queue: Option<String>,
    /// The `basic` class's side: consumers, deliveries, confirms.
    pub basic: super::basic::BasicState,
}

impl ChannelState {
    /// A channel just opened on `connection`.
    pub fn on(connection: super::clients::ConnectionId) -> ChannelState {
        ChannelState {
            connection,
            ..ChannelState::default()
        }
    }

    /// The queue `name` names: itself, or, empty, the channel's last
    /// declared (RabbitMQ's `expand_queue_name_shortcut`); refused if it is
    /// another connection's exclusive queue.
    pub(super) fn queue_named(&self, broker: &Broker, name: &str) -> Result<String, Reply> {
        let name = match (name, &self.last_queue) {
            ("", Some(last)) => last.clone(),
            ("", None) => {
                let detail = "no previously declared queue";
                return Err(Reply::soft(AMQPSoftError::NOTFOUND, detail));
            }
            (name, _) => name.to_string(),
        };
        match broker.clients.owner(&name) {
            Some(owner) if owner != self.connection => Err(locked(&name)),
            _ => Ok(name),
        }
    }

    /// The queue `name` names, as [`ChannelState::queue_named`], which
    /// must exist.
    pub(super) fn existing_queue(&self, broker: &Broker, name: &str) -> Result<String, Reply> {
        let queue = self.queue_named(broker, name)?;
        if !broker.rabbit().topology.has_queue(&queue) {
            let detail = format!("no queue '{queue}' in vhost '/'");
            return Err(Reply::soft(AMQPSoftError::NOTFOUND, detail));
        }
        Ok(queue)
    }
}

/// RabbitMQ's refusal of another connection's exclusive queue (or a
/// declaration whose `exclusive` differs from the queue's).
fn locked(queue: &str) -> Reply {
    Reply::soft(
        AMQPSoftError::RESOURCELOCKED,
        format!(
            "cannot obtain exclusive access to locked queue '{queue}' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration."
        ),
    )
}

/// A method's answer: one to send, none (`nowait`), or a refusal.
pub type Answer = Result<Option<AMQPClass>, Reply>;

/// `exchange.declare`.
pub fn exchange_declare(broker: &mut Broker, d: &exchange::Declare) -> Answer {
    let cause = AMQPClass::Exchange(exchange::AMQPMethod::Declare(d.clone()));
    let refuse = |error, detail: String| Err(Reply::soft(error, detail).caused_by(&cause));
    let name = d.exchange.as_str();
    if name.is_empty() {
        return refuse(
            AMQPSoftError::ACCESSREFUSED,
            "operation not permitted on the default exchange".into(),
        );
    }
    // The type is checked first, whether or not the exchange exists.
    let Some(kind) = ExchangeType::parse(d.kind.as_str()) else {
        return refuse(
            AMQPSoftError::PRECONDITIONFAILED,
            format!("unknown exchange type '{}'", d.kind),
        );
    };
    let arguments = table(&d.arguments);
    let requested = Exchange {
        name: name.to_string(),
        kind,
        internal: d.internal,
        alternate_exchange: match arguments.get("alternate-exchange") {
            Some(FieldValue::Str(ae)) => Some(ae.clone()),
            _ => None,
        },
    };
    let current = broker.rabbit().topology.exchange(name).cloned();
    match current {
        Some(current) if !d.passive => {
            if let Err(differs) = declare::exchange(&current, &requested) {
                return refuse(AMQPSoftError::PRECONDITIONFAILED, differs.to_string());
            }
        }
        Some(_) => {}
        None if d.passive => {
            return refuse(
                AMQPSoftError::NOTFOUND,
                format!("no exchange '{name}' in vhost '/'"),
            );
        }
        None if name.starts_with("amq.") => {
            return refuse(
                AMQPSoftError::ACCESSREFUSED,
                format!("exchange name '{name}' contains reserved prefix 'amq.*'"),
            );
        }
        None => {
            let declared = broker.apply(Intervention::RabbitExchangeDeclare {
                exchange: requested,
            });
            if let Err(why) = declared {
                return refuse(AMQPSoftError::PRECONDITIONFAILED, why);
            }
        }
    }
    Ok(
        (!d.nowait).then_some(AMQPClass::Exchange(exchange::AMQPMethod::DeclareOk(
            exchange::DeclareOk {},
        ))),
    )
}

/// `exchange.delete`: the exchange goes with the bindings from and to it,
/// unless told to keep one in use (`if_unused`: something is bound to
/// it). Deleting an exchange that is not there is fine; the default and
/// the `amq.*` exchanges cannot be deleted.
pub fn exchange_delete(broker: &mut Broker, d: &exchange::Delete) -> Answer {
    let cause = AMQPClass::Exchange(exchange::AMQPMethod::Delete(d.clone()));
    let refuse = |error, detail: String| Err(Reply::soft(error, detail).caused_by(&cause));
    let name = d.exchange.as_str();
    let deleted = Ok(
        (!d.nowait).then_some(AMQPClass::Exchange(exchange::AMQPMethod::DeleteOk(
            exchange::DeleteOk {},
        ))),
    );
    if name.is_empty() {
        let detail = "operation not permitted on the default exchange";
        return refuse(AMQPSoftError::ACCESSREFUSED, detail.into());
    }
    if name.starts_with("amq.") {
        return refuse(
            AMQPSoftError::ACCESSREFUSED,
            format!("deletion of system exchange '{name}' in vhost '/' not allowed"),
        );
    }
    if broker.rabbit().topology.exchange(name).is_none() {
        return deleted;
    }
    let topology = &broker.rabbit().topology;
    let in_use = (broker.run().scenario().rabbit_bindings().iter())
        .any(|(b, _)| b.source == name && topology.has_binding(b));
    if d.if_unused && in_use {
        return refuse(
            AMQPSoftError::PRECONDITIONFAILED,
            format!("exchange '{name}' in vhost '/' in use"),
        );
    }
    let exchange = name.to_string();
    if let Err(why) = broker.apply(Intervention::RabbitExchangeDelete { exchange }) {
        return refuse(AMQPSoftError::PRECONDITIONFAILED, why);
    }
    deleted
}

/// `queue.declare`; an empty name asks the server for one.
pub fn queue_declare(
    broker: &mut Broker,
    channel: &mut ChannelState,
    d: &queue::Declare,
) -> Answer {
    let cause = AMQPClass::Queue(queue::AMQPMethod::Declare(d.clone()));
    let refuse = |error, detail: String| Err(Reply::soft(error, detail).caused_by(&cause));
    let name = match d.queue.as_str() {
        "" if d.passive => {
            (channel.queue_named(broker, "")).map_err(|reply| reply.caused_by(&cause))?
        }
        "" => server_named(broker, "amq.gen"),
        name if name.starts_with("amq.") && !d.passive => {
            return refuse(
                AMQPSoftError::ACCESSREFUSED,
                format!("queue name '{name}' contains reserved prefix 'amq.*'"),
            );
        }
        name => name.to_string(),
    };
    let exists = broker.rabbit().topology.has_queue(&name);
    let arguments = table(&d.arguments);
    match (exists, d.passive) {
        (false, true) => {
            return refuse(
                AMQPSoftError::NOTFOUND,
                format!("no queue '{name}' in vhost '/'"),
            );
        }
        (true, true) => {
            channel
                .queue_named(broker, &name)
                .map_err(|reply| reply.caused_by(&cause))?;
        }
        (true, false) => {
            // Strict: the queue's owner must be the one this declaration
            // asks for.
            let asked = d.exclusive.then_some(channel.connection);
            if broker.clients.owner(&name) != asked {
                return Err(locked(&name).caused_by(&cause));
            }
            let scenario = broker.run().scenario();
            let queues = scenario.rabbit_queues();
            let current = queues.iter().rev().find(|(q, _)| q.name == name);
            let current = current
                .map(|(q, _)| q.arguments.clone())
                .unwrap_or_default();
            if let Err(differs) = declare::queue(&name, &current, &arguments) {
                return refuse(AMQPSoftError::PRECONDITIONFAILED, differs.to_string());
            }
        }
        (false, false) => {
            let queue = QueueSpec {
                name: name.clone(),
                arguments,
            };
            if let Err(why) = broker.apply(Intervention::RabbitQueueDeclare { queue }) {
                return refuse(AMQPSoftError::PRECONDITIONFAILED, why);
            }
            let owner = channel.connection;
            (broker.clients).declared(&name, owner, d.exclusive, d.auto_delete);
        }
    }
    channel.last_queue = Some(name.clone());
    let summary = broker.run().simulation().rabbit_summary();
    let counts = summary.queues.iter().find(|q| q.name == name);
    let (messages, consumers) = counts.map_or((0, 0), |q| (q.messages_ready, q.consumers));
    Ok((!d.nowait).then(|| {
        AMQPClass::Queue(queue::AMQPMethod::DeclareOk(queue::DeclareOk {
            queue: name.as_str().into(),
            message_count: messages as u32,
            consumer_count: consumers as u32,
        }))
    }))
}

/// `queue.bind`; an empty queue name is the channel's last declared.
pub fn queue_bind(broker: &mut Broker, channel: &ChannelState, b: &queue::Bind) -> Answer {
    let cause = AMQPClass::Queue(queue::AMQPMethod::Bind(b.clone()));
    let to = To::Queue(&b.queue);
    let binding = binding(
        broker,
        channel,
        to,
        &b.exchange,
        &b.routing_key,
        &b.arguments,
    );
    bind(broker, binding, &cause)?;
    Ok(
        (!b.nowait).then_some(AMQPClass::Queue(queue::AMQPMethod::BindOk(
            queue::BindOk {},
        ))),
    )
}

/// `exchange.bind`: `destination` gets what `source` routes with the key.
pub fn exchange_bind(broker: &mut Broker, channel: &ChannelState, b: &exchange::Bind) -> Answer {
    let cause = AMQPClass::Exchange(exchange::AMQPMethod::Bind(b.clone()));
    let to = To::Exchange(&b.destination);
    let binding = binding(broker, channel, to, &b.source, &b.routing_key, &b.arguments);
    bind(broker, binding, &cause)?;
    Ok(
        (!b.nowait).then_some(AMQPClass::Exchange(exchange::AMQPMethod::BindOk(
            exchange::BindOk {},
        ))),
    )
}

/// `exchange.unbind`: unbinding what is not bound changes nothing.
pub fn exchange_unbind(
    broker: &mut Broker,
    channel: &ChannelState,
    u: &exchange::Unbind,
) -> Answer {
    let cause = AMQPClass::Exchange(exchange::AMQPMethod::Unbind(u.clone()));
    let to = To::Exchange(&u.destination);
    let binding = binding(broker, channel, to, &u.source, &u.routing_key, &u.arguments);
    unbind(broker, binding, &cause)?;
    Ok(
        (!u.nowait).then_some(AMQPClass::Exchange(exchange::AMQPMethod::UnbindOk(
            exchange::UnbindOk {},
        ))),
    )
}

/// Makes `binding` unless it is there already.
fn bind(
    broker: &mut Broker,
    binding: Result<Binding, Reply>,
    cause: &AMQPClass,
) -> Result<(), Reply> {
    let binding = binding.map_err(|reply| reply.caused_by(cause))?;
    if !broker.rabbit().topology.has_binding(&binding)
        && let Err(why) = broker.apply(Intervention::RabbitBind { binding })
    {
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(cause));
    }
    Ok(())
}

/// Removes `binding` if it is there.
fn unbind(
    broker: &mut Broker,
    binding: Result<Binding, Reply>,
    cause: &AMQPClass,
) -> Result<(), Reply> {
    let binding = binding.map_err(|reply| reply.caused_by(cause))?;
    if broker.rabbit().topology.has_binding(&binding)
        && let Err(why) = broker.apply(Intervention::RabbitUnbind { binding })
    {
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(cause));
    }
    Ok(())
}

/// `queue.unbind`: unbinding what is not bound changes nothing.
pub fn queue_unbind(broker: &mut Broker, channel: &ChannelState, u: &queue::Unbind) -> Answer {
    let cause = AMQPClass::Queue(queue::AMQPMethod::Unbind(u.clone()));
    let to = To::Queue(&u.queue);
    let binding = binding(
        broker,
        channel,
        to,
        &u.exchange,
        &u.routing_key,
        &u.arguments,
    );
    unbind(broker, binding, &cause)?;
    Ok(Some(AMQPClass::Queue(queue::AMQPMethod::UnbindOk(
        queue::UnbindOk {},
    ))))
}

/// What a binding leads to, as a method names it.
enum To<'a> {
    /// A queue; an empty name is the channel's last declared.
    Queue(&'a ShortString),
    Exchange(&'a ShortString),
}

/// The binding a bind or unbind names, checked in the order of RabbitMQ's
/// `binding_action`: an empty queue name is the channel's last declared;
/// neither end may be the default exchange (the destination is looked at
/// first); both ends must exist (the source is reported first when both
/// are missing).
fn binding(
    broker: &Broker,
    channel: &ChannelState,
    to: To<'_>,
    source: &ShortString,
    routing_key: &ShortString,
    arguments: &AmqpTable,
) -> Result<Binding, Reply> {
    let destination = match to {
        To::Queue(name) => Destination::Queue(channel.queue_named(broker, name.as_str())?),
        To::Exchange(name) => Destination::Exchange(name.to_string()),
    };
    let source = source.as_str();
    if source.is_empty() || destination == Destination::Exchange(String::new()) {
        let detail = "operation not permitted on the default exchange";
        return Err(Reply::soft(AMQPSoftError::ACCESSREFUSED, detail));
    }
    let topology = &broker.rabbit().topology;
    let missing = |what: &str, name: &str| {
        let detail = format!("no {what} '{name}' in vhost '/'");
        Err(Reply::soft(AMQPSoftError::NOTFOUND, detail))
    };
    if topology.exchange(source).is_none() {
        return missing("exchange", source);
    }
    match &destination {
        Destination::Queue(queue) if !topology.has_queue(queue) => return missing("queue", queue),
        Destination::Exchange(x) if topology.exchange(x).is_none() => {
            return missing("exchange", x);
        }
        _ => {}
    }
    Ok(Binding {
        source: source.to_string(),
        destination,
        routing_key: routing_key.to_string(),
        arguments: table(arguments),
    })
}

/// `queue.purge`: the queue's ready messages go; the answer counts them.
pub fn queue_purge(broker: &mut Broker, channel: &ChannelState, p: &queue::Purge) -> Answer {
    let cause = AMQPClass::Queue(queue::AMQPMethod::Purge(p.clone()));
    let name =
        (channel.queue_named(broker, p.queue.as_str())).map_err(|reply| reply.caused_by(&cause))?;
    let summary = broker.run().simulation().rabbit_summary();
    let Some(queue) = summary.queues.iter().find(|q| q.name == name) else {
        let detail = format!("no queue '{name}' in vhost '/'");
        return Err(Reply::soft(AMQPSoftError::NOTFOUND, detail).caused_by(&cause));
    };
    let count = queue.messages_ready;
    if let Err(why) = broker.apply(Intervention::RabbitQueuePurge { queue: name }) {
        return Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, why).caused_by(&cause));
    }
    Ok(
        (!p.nowait).then_some(AMQPClass::Queue(queue::AMQPMethod::PurgeOk(
            queue::PurgeOk {
                message_count: count as u32,
            },
        ))),
    )
}

/// `queue.delete`: the queue goes with its messages and bindings, unless
/// told to keep one that is in use (`if_unused`) or not empty
/// (`if_empty`). Deleting a queue that is not there is fine.
pub fn queue_delete(broker: &mut Broker, channel: &ChannelState, d: &queue::Delete) -> Answer {
    let cause = AMQPClass::Queue(queue::AMQPMethod::Delete(d.clone()));
    let name =
        (channel.queue_named(broker, d.queue.as_str())).map_err(|reply| reply.caused_by(&cause))?;
    let deleted = |count: u64| {
        let ok = queue::DeleteOk {
            message_count: count as u32,
        };
        Ok((!d.nowait).then_some(AMQPClass::Queue(queue::AMQPMethod::DeleteOk(ok))))
    };
    if !broker.rabbit().topology.has_queue(&name) {
        return deleted(0);
    }
    let summary = broker.run().simulation().rabbit_summary();
    let Some(queue) = summary.queues.iter().find(|q| q.name == name) else {
        return deleted(0);
    };
    let whose = format!("queue '{name}' in vhost '/'");
    if queue.kind == "quorum" && (d.if_unused || d.if_empty) {
        let flag = if d.if_unused { "if-unused" } else { "if-empty" };
        let detail = format!(
            "cannot delete {whose}. queue.delete operations with {flag} flag set are not supported by quorum queues"
        );
        return Err(Reply::hard(AMQPHardError::NOTIMPLEMENTED, detail).caused_by(&cause));
    }
    let refuse = |detail: String| {
        Err(Reply::soft(AMQPSoftError::PRECONDITIONFAILED, detail).caused_by(&cause))
    };
    // When both fail, "not empty" is what RabbitMQ says.
    if d.if_empty && queue.messages_ready + queue.messages_unacknowledged > 0 {
        return refuse(format!("{whose} not empty"));
    }
    if d.if_unused && queue.consumers > 0 {
        return refuse(format!("{whose} in use"));
    }
    let count = queue.messages_ready;
    broker.clients.deleted(&name);
    if let Err(why) = broker.apply(Intervention::RabbitQueueDelete { queue: name }) {
        return refuse(why);
    }
    deleted(count)
}

/// A name the server makes up, as RabbitMQ makes them: `kind` (`amq.gen`
/// for a queue, `amq.ctag` for a consumer tag), a dash and 16 random
/// bytes in base64url, drawn from the run's seed.
pub(super) fn server_named(broker: &Broker, kind: &str) -> String {
    let recording = broker.run().recording();
    let seed = recording.seed ^ recording.timeline.len() as u64;
    let bytes: [u8; 16] = rand_pcg::Pcg64::seed_from_u64(seed).random();
    format!(
        "{kind}-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
