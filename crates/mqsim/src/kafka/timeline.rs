//! What each timeline entry does on the Kafka side: the action it
//! schedules at its moment. The run's start schedules every entry of its
//! scenario this way, and live mode each entry a client makes, so that an
//! entry does the same whether it was in the scenario from the start or
//! made while the run goes on.

use super::Action;
use super::consumer_protocol::coordinator::Heartbeat;
use super::producer::HandRecord;
use crate::ids::{BrokerId, ProducerId, TopicId, TopicPartition};
use crate::kafka::cluster::kraft_mode::Fault;
use crate::scenario::{
    Consumer as ScenarioConsumer, FailedAck, Intervention, ProducerSpec, Scenario, ScenarioFile,
    TopicSpec, find_consumer,
};
use crate::sim::Entries;
use crate::trace::{AckType, CommittedOffset, MemberAssignment};
use std::cell::OnceCell;

/// `scenario`'s rosters, numbered as the run numbers them, to find what
/// each entry names. Each is listed the first time an entry needs it: the
/// run's start lists them once for all its entries, and an entry a live
/// client makes lists only the one it names (a recording's rosters take a
/// walk over its whole timeline).
pub(super) struct EntryActions<'a> {
    scenario: &'a Scenario,
    topics: OnceCell<Vec<(&'a TopicSpec, Option<u64>)>>,
    producers: OnceCell<Vec<(&'a ProducerSpec, Option<u64>)>>,
    consumers: OnceCell<Vec<ScenarioConsumer<'a>>>,
}

impl<'a> EntryActions<'a> {
    pub(super) fn new(scenario: &'a Scenario) -> EntryActions<'a> {
        EntryActions {
            scenario,
            topics: OnceCell::new(),
            producers: OnceCell::new(),
            consumers: OnceCell::new(),
        }
    }

    /// Adds to `out` the actions of the timeline entry number `index`, each
    /// with that number: none for an entry of the RabbitMQ side or one
    /// scheduled with the thing it adds (a producer, a topic).
    pub(super) fn of(&self, index: usize, out: &mut Entries<Action>) {
        let scenario = self.scenario;
        let file: &ScenarioFile = scenario.file();
        let entry = &file.timeline[index];
        let known_topic = |name: &str| {
            let topics = self.topics.get_or_init(|| scenario.topics());
            let index = topics.iter().position(|(t, _)| t.name == name);
            index.map(|i| TopicId(i as u32))
        };
        let topic_id = |name: &str| known_topic(name).unwrap_or(TopicId(0));
        let producer_roster = || self.producers.get_or_init(|| scenario.producers());
        let roster = || self.consumers.get_or_init(|| scenario.consumers());
        let action = match &entry.action {
            Intervention::AddPartitions { topic, partitions } => Action::AddPartitions {
                topic: topic_id(topic),
                partitions: *partitions,
            },
            Intervention::BrokerKill { broker } => Action::BrokerKill {
                broker: BrokerId(*broker),
            },
            Intervention::BrokerShutdown { broker } => Action::BrokerShutdown {
                broker: BrokerId(*broker),
            },
            Intervention::BrokerRestart { broker } => Action::BrokerRestart {
                broker: BrokerId(*broker),
            },
            Intervention::BrokerIsolate { broker } => Action::BrokerIsolate {
                broker: BrokerId(*broker),
            },
            Intervention::BrokerReconnect { broker } => Action::BrokerReconnect {
                broker: BrokerId(*broker),
            },
            Intervention::ControllerKill { controller } => Action::ControllerFault {
                controller: *controller,
                fault: Fault::Kill,
            },
            Intervention::ControllerRestart { controller } => Action::ControllerFault {
                controller: *controller,
                fault: Fault::Restart,
            },
            Intervention::ControllerIsolate { controller } => Action::ControllerFault {
                controller: *controller,
                fault: Fault::Isolate,
            },
            Intervention::ControllerReconnect { controller } => Action::ControllerFault {
                controller: *controller,
                fault: Fault::Reconnect,
            },
            Intervention::PreferredLeaderElection => Action::PreferredLeaderElection,
            // Scheduled with the topics when the run starts (`Kafka::new`).
            Intervention::TopicCreate { .. } => return,
            // The RabbitMQ side schedules its own interventions.
            Intervention::RabbitConsumerCrash { .. }
            | Intervention::RabbitConsumerRestart { .. }
            | Intervention::RabbitConsumerSlow { .. }
            | Intervention::RabbitConsumerPrefetch { .. }
            | Intervention::RabbitExchangeDeclare { .. }
            | Intervention::RabbitPublisherAdd { .. }
            | Intervention::RabbitConsumerAdd { .. }
            | Intervention::RabbitPublish { .. }
            | Intervention::RabbitQueueDeclare { .. }
            | Intervention::RabbitQueueDelete { .. }
            | Intervention::RabbitBind { .. }
            | Intervention::RabbitUnbind { .. }
            | Intervention::RabbitAck { .. }
            | Intervention::RabbitConsumerCancel { .. }
            | Intervention::RabbitGet { .. }
            | Intervention::RabbitQueuePurge { .. }
            | Intervention::RabbitExchangeDelete { .. }
            | Intervention::RabbitNack { .. } => return,
            Intervention::GroupAdd { group } => {
                // Every member joins at once.
                for member in &group.members {
                    if let Some(consumer) =
                        find_consumer(roster(), file, Some(&group.name), &member.name)
                    {
                        out.push((index, Action::Start { consumer }));
                    }
                }
                return;
            }
            // Scheduled with the producers when the run starts (`Kafka::new`).
            Intervention::ProducerAdd { .. } => return,
            Intervention::ProducerRemove { producer } => {
                let Some(i) = producer_roster()
                    .iter()
                    .position(|(p, _)| &p.name == producer)
                else {
                    return;
                };
                Action::ProducerStop {
                    producer: ProducerId(i as u32),
                }
            }
            Intervention::Produce {
                producer,
                key,
                value,
                partition,
                headers,
                poison,
                broker,
            } => {
                // Validation guarantees the producer exists.
                let Some(i) = producer_roster()
                    .iter()
                    .position(|(p, _)| &p.name == producer)
                else {
                    return;
                };
                let record = HandRecord::new(key, value, *partition, headers, *poison);
                Action::ProduceByHand {
                    producer: ProducerId(i as u32),
                    record: Box::new(record.sent_to(broker.map(BrokerId))),
                }
            }
            Intervention::ConsumerJoin { group, member } => {
                // Validation guarantees the member exists.
                let Some(consumer) = find_consumer(roster(), file, Some(group), &member.name)
                else {
                    return;
                };
                Action::Start { consumer }
            }
            Intervention::ConsumerSubscribe {
                group,
                member,
                topics,
            } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                // A topic the run never has is left out, as the
                // coordinator's `TopicIds` view skips it.
                let topics = topics.iter().filter_map(|t| known_topic(t)).collect();
                Action::Subscribe { consumer, topics }
            }
            Intervention::ConsumerRejoin { group, member } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                Action::RejoinByHand { consumer }
            }
            Intervention::GroupSync {
                group,
                member,
                generation,
                assignment,
            } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                let assignment = (assignment.iter())
                    .filter_map(|part| {
                        let member = find_consumer(roster(), file, Some(group), &part.member)?;
                        let partitions = (part.partitions.iter())
                            .map(|p| TopicPartition {
                                topic: topic_id(&p.topic),
                                partition: p.partition,
                            })
                            .collect();
                        Some(MemberAssignment {
                            consumer: member,
                            partitions,
                        })
                    })
                    .collect();
                Action::AssignByHand {
                    consumer,
                    generation: *generation,
                    assignment,
                }
            }
            Intervention::OffsetCommit {
                group,
                member,
                offsets,
            } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                let offsets = (offsets.iter())
                    .map(|o| CommittedOffset {
                        tp: TopicPartition {
                            topic: topic_id(&o.topic),
                            partition: o.partition,
                        },
                        offset: o.offset,
                    })
                    .collect();
                Action::CommitByHand { consumer, offsets }
            }
            Intervention::ConsumerHeartbeat {
                group,
                member,
                member_epoch,
                topics,
                owned,
            } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                let request = Heartbeat {
                    member: member.clone(),
                    epoch: *member_epoch,
                    // A topic the run never has is left out, as the
                    // coordinator's `TopicIds` view skips it.
                    topics: (topics.as_ref()).map(|ts| {
                        ts.iter()
                            .filter_map(|t| known_topic(t))
                            .map(|t| t.index())
                            .collect()
                    }),
                    owned: (owned.as_ref()).map(|ps| {
                        ps.iter()
                            .map(|p| (topic_id(&p.topic).index(), p.partition))
                            .collect()
                    }),
                };
                Action::HeartbeatByHand { consumer, request }
            }
            Intervention::ShareAcknowledge { group, member, ack } => {
                let Some(consumer) = find_consumer(roster(), file, Some(group), member) else {
                    return;
                };
                let ack = match ack {
                    FailedAck::Release => AckType::Release,
                    FailedAck::Reject => AckType::Reject,
                };
                Action::ShareAcknowledge { consumer, ack }
            }
            Intervention::ConsumerLeave { group, member }
            | Intervention::ConsumerCrash { group, member }
            | Intervention::ConsumerRestart { group, member }
            | Intervention::ConsumerSlow { group, member, .. } => {
                let Some(consumer) = find_consumer(roster(), file, group.as_deref(), member) else {
                    return;
                };
                match entry.action {
                    Intervention::ConsumerLeave { .. } => Action::Leave { consumer },
                    Intervention::ConsumerCrash { .. } => Action::Crash { consumer },
                    Intervention::ConsumerSlow { processing_ms, .. } => Action::SetProcessing {
                        consumer,
                        processing_ms,
                    },
                    _ => Action::Start { consumer },
                }
            }
        };
        out.push((index, action));
    }
}
