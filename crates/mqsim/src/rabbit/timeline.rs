//! What each timeline entry does on the RabbitMQ side: the action it
//! schedules at its moment, the same whether the entry was in the scenario
//! from the start or made while the run goes on (live mode).

use super::broker::Action;
use super::headers::FieldValue;
use super::topology::Exchange;
use crate::ids::{PublisherId, QueueId, RabbitConsumerId};
use crate::scenario::{
    Intervention, POISON_HEADER, PublisherSpec, QueueSpec, RabbitConsumerSpec, Scenario,
    ScenarioFile,
};
use std::rc::Rc;

/// `scenario`'s rosters, numbered as the run numbers them, to find what
/// each entry names.
pub(super) struct EntryAction<'a> {
    file: &'a ScenarioFile,
    consumers: Vec<(&'a RabbitConsumerSpec, Option<u64>)>,
    queues: Vec<(&'a QueueSpec, Option<u64>)>,
    exchanges: Vec<(&'a Exchange, Option<u64>)>,
    publishers: Vec<(&'a PublisherSpec, Option<u64>)>,
}

impl<'a> EntryAction<'a> {
    pub(super) fn new(scenario: &'a Scenario) -> EntryAction<'a> {
        EntryAction {
            file: scenario.file(),
            consumers: scenario.rabbit_consumers(),
            queues: scenario.rabbit_queues(),
            exchanges: scenario.rabbit_exchanges(),
            publishers: scenario.rabbit_publishers(),
        }
    }

    /// The action of the timeline entry number `index`, if it is one for
    /// the RabbitMQ side. `binds_before` counts the `rabbit_bind` entries
    /// before it: the bindings the timeline makes follow the scenario's, in
    /// timeline order.
    pub(super) fn of(&self, index: usize, binds_before: usize) -> Option<Action> {
        let file = self.file;
        let entry = &file.timeline[index];
        let consumer_id = |name: &str| {
            let index = self.consumers.iter().position(|(c, _)| c.name == name);
            index.map(|i| RabbitConsumerId(i as u32))
        };
        let queue_id = |name: &str| {
            let index = self.queues.iter().position(|(q, _)| q.name == name);
            index.map(|i| QueueId(i as u32))
        };
        let exchange_roster = &self.exchanges;
        let publisher_roster = &self.publishers;
        match &entry.action {
            Intervention::RabbitConsumerCrash { consumer } => {
                consumer_id(consumer).map(|consumer| Action::Crash { consumer })
            }
            Intervention::RabbitConsumerRestart { consumer } => {
                consumer_id(consumer).map(|consumer| Action::Restart { consumer })
            }
            Intervention::RabbitConsumerAdd { consumer } => {
                consumer_id(&consumer.name).map(|consumer| Action::Restart { consumer })
            }
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
            Intervention::RabbitExchangeDeclare { exchange } => exchange_roster
                .iter()
                .position(|(x, _)| x.name == exchange.name)
                .map(|exchange| Action::DeclareExchange { exchange }),
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
                routing_key,
                headers,
                poison,
            } => publisher_roster
                .iter()
                .position(|(p, _)| &p.name == publisher)
                .map(|i| {
                    let mut headers = headers.clone();
                    if *poison {
                        headers.insert(
                            POISON_HEADER.to_string(),
                            FieldValue::Str("cannot be handled".to_string()),
                        );
                    }
                    Action::PublishByHand {
                        publisher: PublisherId(i as u32),
                        routing_key: Rc::from(routing_key.as_str()),
                        headers,
                    }
                }),
            _ => None,
        }
    }
}
