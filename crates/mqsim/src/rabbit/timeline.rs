//! What each timeline entry does on the RabbitMQ side: the action it
//! schedules at its moment, the same whether the entry was in the scenario
//! from the start or made while the run goes on (live mode).

use super::broker::Action;
use super::content::Content;
use super::headers::FieldValue;
use super::message::Message;
use super::topology::Exchange;
use crate::ids::{MessageId, PublisherId, QueueId, RabbitConsumerId};
use crate::scenario::{
    Intervention, POISON_HEADER, PublisherSpec, QueueSpec, RabbitConsumerSpec, Scenario,
    ScenarioFile,
};
use crate::trace::Settlement;
use std::cell::OnceCell;
use std::rc::Rc;

/// `scenario`'s rosters, numbered as the run numbers them, to find what
/// each entry names. Each is listed the first time an entry needs it: the
/// run's start lists them once for all its entries, and an entry a live
/// client makes lists only the one it names (a recording's rosters take a
/// walk over its whole timeline).
pub(super) struct EntryAction<'a> {
    scenario: &'a Scenario,
    consumers: OnceCell<Vec<(&'a RabbitConsumerSpec, Option<u64>)>>,
    queues: OnceCell<Vec<(&'a QueueSpec, Option<u64>)>>,
    exchanges: OnceCell<Vec<(&'a Exchange, Option<u64>)>>,
    publishers: OnceCell<Vec<(&'a PublisherSpec, Option<u64>)>>,
}

impl<'a> EntryAction<'a> {
    pub(super) fn new(scenario: &'a Scenario) -> EntryAction<'a> {
        EntryAction {
            scenario,
            consumers: OnceCell::new(),
            queues: OnceCell::new(),
            exchanges: OnceCell::new(),
            publishers: OnceCell::new(),
        }
    }

    /// The action of the timeline entry number `index`, if it is one for
    /// the RabbitMQ side. `binds_before` counts the `rabbit_bind` entries
    /// before it: the bindings the timeline makes follow the scenario's, in
    /// timeline order.
    pub(super) fn of(&self, index: usize, binds_before: usize) -> Option<Action> {
        let scenario = self.scenario;
        let file: &ScenarioFile = scenario.file();
        let entry = &file.timeline[index];
        let consumer_id = |name: &str| {
            let consumers = self.consumers.get_or_init(|| scenario.rabbit_consumers());
            let index = consumers.iter().position(|(c, _)| c.name == name);
            index.map(|i| RabbitConsumerId(i as u32))
        };
        let queue_id = |name: &str| {
            let queues = self.queues.get_or_init(|| scenario.rabbit_queues());
            let index = queues.iter().position(|(q, _)| q.name == name);
            index.map(|i| QueueId(i as u32))
        };
        let exchange_roster = || self.exchanges.get_or_init(|| scenario.rabbit_exchanges());
        let publisher_roster = || self.publishers.get_or_init(|| scenario.rabbit_publishers());
        match &entry.action {
            Intervention::RabbitConsumerCrash { consumer } => {
                consumer_id(consumer).map(|consumer| Action::Crash { consumer })
            }
            Intervention::RabbitConsumerCancel { consumer } => {
                consumer_id(consumer).map(|consumer| Action::Cancel { consumer })
            }
            Intervention::RabbitConsumerRestart { consumer } => {
                consumer_id(consumer).map(|consumer| Action::Restart { consumer })
            }
            // One that only gets is never started: nothing is pushed to it.
            Intervention::RabbitConsumerAdd { consumer } if consumer.get_only => None,
            Intervention::RabbitConsumerAdd { consumer } => {
                consumer_id(&consumer.name).map(|consumer| Action::Restart { consumer })
            }
            Intervention::RabbitGet {
                consumer,
                queue,
                auto_ack,
            } => Some(Action::Get {
                consumer: consumer_id(consumer)?,
                queue: queue_id(queue)?,
                auto_ack: *auto_ack,
            }),
            Intervention::RabbitConsumerPrefetch { consumer, prefetch } => consumer_id(consumer)
                .map(|consumer| Action::SetPrefetch {
                    consumer,
                    prefetch: *prefetch,
                }),
            Intervention::RabbitConsumerSlow {
                consumer,
                processing_ms,
            } => consumer_id(consumer).map(|consumer| Action::SetProcessing {
                consumer,
                processing_ms: *processing_ms,
            }),
            Intervention::RabbitQueueDeclare { queue } => {
                queue_id(&queue.name).map(|queue| Action::DeclareQueue { queue })
            }
            Intervention::RabbitExchangeDeclare { exchange } => exchange_roster()
                .iter()
                .position(|(x, _)| x.name == exchange.name)
                .map(|exchange| Action::DeclareExchange { exchange }),
            Intervention::RabbitQueuePurge { queue } => {
                queue_id(queue).map(|queue| Action::PurgeQueue { queue })
            }
            Intervention::RabbitExchangeDelete { exchange } => exchange_roster()
                .iter()
                .position(|(x, _)| x.name == *exchange)
                .map(|exchange| Action::DeleteExchange { exchange }),
            Intervention::RabbitQueueDelete { queue } => {
                queue_id(queue).map(|queue| Action::DeleteQueue { queue })
            }
            Intervention::RabbitBind { .. } => Some(Action::Bind {
                binding: (file.rabbit.bindings.len() + binds_before) as u32,
            }),
            Intervention::RabbitUnbind { binding } => Some(Action::Unbind {
                binding: Rc::new(binding.clone()),
            }),
            Intervention::RabbitPublish {
                publisher,
                exchange,
                routing_key,
                headers,
                poison,
                mandatory,
                body,
                body_base64,
                properties,
            } => {
                let publisher_roster = publisher_roster();
                let i = publisher_roster
                    .iter()
                    .position(|(p, _)| &p.name == publisher)?;
                let spec = publisher_roster[i].0;
                // The publisher's own headers, then the entry's.
                let mut all = spec.headers.clone();
                all.extend(headers.clone());
                if *poison {
                    all.insert(
                        POISON_HEADER.to_string(),
                        FieldValue::Str("cannot be handled".to_string()),
                    );
                }
                let message = Message {
                    id: MessageId(0),
                    exchange: Rc::from(exchange.as_deref().unwrap_or(&spec.exchange)),
                    routing_key: Rc::from(routing_key.as_str()),
                    headers: all,
                    deaths: Vec::new(),
                    first_death: None,
                    content: Some(Content {
                        body: body.clone(),
                        body_base64: body_base64.clone(),
                        properties: properties.clone(),
                    })
                    .filter(|c| !c.is_empty())
                    .map(Rc::new),
                };
                Some(Action::PublishByHand {
                    publisher: PublisherId(i as u32),
                    message: Rc::new(message),
                    mandatory: *mandatory || spec.mandatory,
                })
            }
            Intervention::RabbitAck {
                consumer,
                delivery_tag,
                multiple,
            } => consumer_id(consumer).map(|consumer| Action::SettleByHand {
                consumer,
                delivery_tag: *delivery_tag,
                multiple: *multiple,
                outcome: Settlement::Ack,
            }),
            Intervention::RabbitNack {
                consumer,
                delivery_tag,
                multiple,
                requeue,
            } => consumer_id(consumer).map(|consumer| Action::SettleByHand {
                consumer,
                delivery_tag: *delivery_tag,
                multiple: *multiple,
                outcome: if *requeue {
                    Settlement::Requeue
                } else {
                    Settlement::Reject
                },
            }),
            _ => None,
        }
    }
}
