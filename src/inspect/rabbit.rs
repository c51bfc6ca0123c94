//! RabbitMQ things: consumers, queues and publishers.

use super::{Action, Inspection, SendForm, exchange_name, list_or_none, next_name, slow_or_normal};
use crate::playback::Playback;
use crate::rabbit::world::{BindingEnd, MessageView};
use mqsim::ids::{MessageId, PublisherId, QueueId, RabbitConsumerId};
use mqsim::rabbit::queue::QueueType;
use mqsim::rabbit::topology::{Binding, Destination};
use mqsim::scenario::{Intervention, RabbitConsumerSpec};

pub(super) fn consumer(playback: &Playback, id: RabbitConsumerId) -> Option<Inspection> {
    let rabbit = playback.rabbit();
    let c = rabbit.consumers.get(id.index())?;
    let queue = rabbit.queues.get(c.queue.index())?;
    let holding = queue.unacked.iter().filter(|(_, by)| *by == id).count();
    let prefetch = if c.prefetch == 0 {
        "no limit".to_string()
    } else {
        c.prefetch.to_string()
    };
    let facts = vec![
        (
            "Status",
            match (c.running, queue.deleted) {
                (true, _) => "running",
                (false, true) => "cancelled: its queue was deleted",
                (false, false) => "crashed",
            }
            .to_string(),
        ),
        ("Queue", queue.name.clone()),
        ("Prefetch", prefetch),
        ("Handling", format!("{} ms per message", c.processing_ms)),
        (
            "Acknowledges",
            if c.auto_ack {
                "automatically (the broker forgets a message once sent)"
            } else {
                "by hand, after handling"
            }
            .to_string(),
        ),
        ("Unacknowledged", holding.to_string()),
        ("Acked", c.acked.to_string()),
        ("Requeued", c.requeued.to_string()),
        ("Rejected", c.rejected.to_string()),
    ];
    let consumer = c.name.clone();
    let mut actions = if queue.deleted {
        // Nothing to consume from any more.
        Vec::new()
    } else if c.running {
        vec![
            Action {
                label: "Crash".into(),
                explain: "Its channel closes: the broker requeues every message it had not acknowledged, marked redelivered.",
                interventions: vec![Intervention::RabbitConsumerCrash {
                    consumer: consumer.clone(),
                }],
            },
            slow_or_normal(c.processing_ms, c.usual_processing_ms, |processing_ms| {
                Intervention::RabbitConsumerSlow {
                    consumer,
                    processing_ms,
                }
            }),
        ]
    } else {
        vec![Action {
            label: "Restart".into(),
            explain: "It consumes again; the broker pushes to it up to its prefetch.",
            interventions: vec![Intervention::RabbitConsumerRestart { consumer }],
        }]
    };
    if !queue.deleted {
        actions.extend(add_consumer(playback, &queue.name, Some(&c.name)));
    }
    let held = queue.unacked.iter().filter(|(_, by)| *by == id);
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind: format!("RabbitMQ consumer on {}", queue.name),
        facts,
        actions,
        path: Vec::new(),
        messages: held.map(|(m, _)| message_line(m, "held")).collect(),
        form: None,
    })
}

pub(super) fn queue(playback: &Playback, id: QueueId) -> Option<Inspection> {
    let rabbit = playback.rabbit();
    let q = rabbit.queues.get(id.index())?;
    let mut facts = vec![
        ("Ready", q.ready.len().to_string()),
        ("Unacknowledged", q.unacked.len().to_string()),
        ("Discarded", q.discarded.to_string()),
    ];
    if !q.features.is_empty() {
        facts.push(("Arguments", q.features.join(", ")));
    }
    if let Some(dlx) = q.dead_letter_exchange.and_then(|x| rabbit.exchanges.get(x)) {
        facts.push(("Dead-letters to", exchange_name(&dlx.name)));
    }
    if q.refused > 0 {
        facts.push(("Refused when full", q.refused.to_string()));
    }
    if q.deleted {
        facts.push((
            "Deleted",
            "its messages and bindings went with it".to_string(),
        ));
    }
    let consumers: Vec<String> = rabbit
        .consumers
        .iter()
        .filter(|c| c.queue == id)
        .map(|c| c.name.clone())
        .collect();
    facts.push(("Consumers", list_or_none(&consumers)));
    Some(Inspection {
        title: format!("Queue {}", q.name),
        kind: format!(
            "{} queue{}",
            match q.kind {
                QueueType::Classic => "classic",
                QueueType::Quorum => "quorum",
            },
            if q.dead_letter {
                ", a dead-letter queue"
            } else {
                ""
            }
        ),
        facts,
        actions: queue_actions(playback, id),
        path: Vec::new(),
        messages: q
            .ready
            .iter()
            .take(MESSAGES_LISTED)
            .map(|m| message_line(m, "ready"))
            .chain(q.unacked.iter().map(|(m, _)| message_line(m, "unacked")))
            .collect(),
        form: None,
    })
}

/// Ready messages a queue's inspector lists, from the head.
const MESSAGES_LISTED: usize = 20;

/// A message as its holder's inspector lists it: `#12 order.card, ready`.
fn message_line(m: &MessageView, state: &str) -> (MessageId, String) {
    let again = if m.redelivered { ", redelivered" } else { "" };
    (
        m.id,
        format!("#{} {}, {state}{again}", m.id.0, m.routing_key),
    )
}

/// What can be done to a live queue: another consumer, a twin queue bound
/// the same way, unbinding, deletion.
fn queue_actions(playback: &Playback, id: QueueId) -> Vec<Action> {
    let rabbit = playback.rabbit();
    let q = &rabbit.queues[id.index()];
    if q.deleted || !q.declared {
        return Vec::new();
    }
    let scenario = playback.scenario();
    let roster = scenario.rabbit_bindings();
    let bound: Vec<&Binding> = rabbit
        .bindings
        .iter()
        .zip(&roster)
        .filter(|(view, _)| view.bound && view.to == BindingEnd::Queue(id))
        .map(|(_, (binding, _))| *binding)
        .collect();
    let mut actions: Vec<Action> = add_consumer(playback, &q.name, None).into_iter().collect();
    actions.extend(twin_queue(playback, id, &bound));
    actions.extend(bound.iter().map(|&binding| Action {
        label: format!(
            "Unbind from {}{}",
            binding.source,
            if binding.routing_key.is_empty() {
                String::new()
            } else {
                format!(" ({})", binding.routing_key)
            }
        )
        .into(),
        explain: "queue.unbind: messages that reach the exchange from now on no longer come here.",
        interventions: vec![Intervention::RabbitUnbind {
            binding: binding.clone(),
        }],
    }));
    actions.push(Action {
        label: "Delete queue".into(),
        explain: "queue.delete: the queue goes with its messages (not dead-lettered) and its bindings; the broker cancels its consumers, and deliveries still on the wire are lost.",
        interventions: vec![Intervention::RabbitQueueDelete {
            queue: q.name.clone(),
        }],
    });
    actions
}

/// "Add a queue bound like this one": `queue.declare` with the same
/// arguments, `queue.bind` with the same bindings, and a consumer like the
/// queue's first. With a fanout exchange the new queue gets a copy of every
/// message: one more subscriber (publish/subscribe).
fn twin_queue(playback: &Playback, id: QueueId, bound: &[&Binding]) -> Option<Action> {
    let scenario = playback.scenario();
    let queues = scenario.rabbit_queues();
    let (spec, _) = queues.get(id.index())?;
    let name = next_name(&spec.name, |name| {
        queues.iter().any(|(q, _)| q.name == name)
    })?;
    let mut queue = (*spec).clone();
    queue.name = name.clone();
    let mut interventions = vec![Intervention::RabbitQueueDeclare { queue }];
    interventions.extend(bound.iter().map(|&b| Intervention::RabbitBind {
        binding: Binding {
            destination: Destination::Queue(name.clone()),
            ..b.clone()
        },
    }));
    let consumers = scenario.rabbit_consumers();
    let model = consumers
        .iter()
        .map(|(c, _)| *c)
        .find(|c| c.queue == spec.name);
    interventions.push(Intervention::RabbitConsumerAdd {
        consumer: new_consumer(&consumers, model, &name)?,
    });
    Some(Action {
        label: "Add a queue bound like this one".into(),
        explain: "queue.declare a twin with the same arguments, queue.bind it the same way, and start a consumer on it. A fanout copies every message to each queue (pub/sub); a direct or topic exchange copies the matching ones.",
        interventions,
    })
}

/// A new consumer of `queue`, set up like `model` (or with the defaults)
/// and named after it (or after the queue) with the next free number.
fn new_consumer(
    roster: &[(&RabbitConsumerSpec, Option<u64>)],
    model: Option<&RabbitConsumerSpec>,
    queue: &str,
) -> Option<RabbitConsumerSpec> {
    let like = model.map_or(format!("{queue}-consumer"), |c| c.name.clone());
    let name = next_name(&like, |name| roster.iter().any(|(c, _)| c.name == name))?;
    let mut spec = model
        .cloned()
        .unwrap_or_else(|| RabbitConsumerSpec::new(&name, queue));
    spec.name = name;
    spec.queue = queue.to_string();
    Some(spec)
}

/// "Add a consumer" for `queue`: set up like consumer `like` (or like the
/// queue's first consumer, or with the defaults), named after it with the
/// next free number.
fn add_consumer(playback: &Playback, queue: &str, like: Option<&str>) -> Option<Action> {
    let roster = playback.scenario().rabbit_consumers();
    let model = roster
        .iter()
        .map(|(c, _)| *c)
        .find(|c| like.map_or(c.queue == queue, |name| c.name == name));
    let spec = new_consumer(&roster, model, queue)?;
    Some(Action {
        label: "Add a consumer".into(),
        explain: "Another consumer subscribes to this queue: the broker pushes to each in turn (competing consumers).",
        interventions: vec![Intervention::RabbitConsumerAdd { consumer: spec }],
    })
}

pub(super) fn publisher(playback: &Playback, id: PublisherId) -> Option<Inspection> {
    let spec = playback
        .scenario()
        .file()
        .rabbit
        .publishers
        .get(id.index())?;
    let sent = playback
        .rabbit()
        .publishers
        .get(id.index())
        .map_or(0, |p| p.sent);
    Some(Inspection {
        title: format!("Publisher {}", spec.name),
        kind: format!("RabbitMQ publisher to {}", exchange_name(&spec.exchange)),
        facts: vec![
            ("Sent", sent.to_string()),
            ("Rate", format!("{} per second", spec.rate_per_sec)),
            ("Routing keys", list_or_none(&spec.routing_keys)),
        ],
        actions: Vec::new(),
        path: Vec::new(),
        messages: Vec::new(),
        form: Some(SendForm::Message {
            publisher: spec.name.clone(),
            routing_keys: spec.routing_keys.clone(),
        }),
    })
}
