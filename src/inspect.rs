//! The inspector: everything about one thing the user clicked, and what
//! can be done to it.
//!
//! An [`Inspection`] is plain data built from the folded worlds, so it is
//! tested natively like the scenes. Its actions are engine
//! [`Intervention`]s — kill or restart a broker, crash or restart a
//! consumer, add a partition — which playback writes into the scenario's
//! timeline at the moment shown, so a shared link replays them.

use crate::playback::Playback;
use crate::world::{ConsumerStatus, World};
use mqsim::ids::{BrokerId, ConsumerId, QueueId, RabbitConsumerId, TopicPartition};
use mqsim::scenario::Intervention;

/// What the user picked on the picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    Broker(BrokerId),
    /// A Kafka consumer: a group member, or a standalone consumer.
    Consumer(ConsumerId),
    Partition(TopicPartition),
    RabbitConsumer(RabbitConsumerId),
    Queue(QueueId),
}

/// One thing, described.
#[derive(Clone, Debug, PartialEq)]
pub struct Inspection {
    /// "Broker 1", "Consumer notifier-2", …
    pub title: String,
    /// What it is, in a phrase: "Kafka broker", "member of notifications".
    pub kind: String,
    /// Label and value, in reading order.
    pub facts: Vec<(&'static str, String)>,
    /// What can be done to it now.
    pub actions: Vec<Action>,
}

/// A button in the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    pub label: &'static str,
    /// What will happen, in a sentence, for the button's tooltip.
    pub explain: &'static str,
    pub intervention: Intervention,
}

impl Inspection {
    /// Describes `selection` as the run stands; none if it is not in this
    /// scenario.
    pub fn of(playback: &Playback, selection: Selection) -> Option<Inspection> {
        let world = playback.world();
        match selection {
            Selection::Broker(id) => broker(world, id),
            Selection::Consumer(id) => consumer(world, id),
            Selection::Partition(tp) => partition(playback, tp),
            Selection::RabbitConsumer(id) => rabbit_consumer(playback, id),
            Selection::Queue(id) => queue(playback, id),
        }
    }
}

fn broker(world: &World, id: BrokerId) -> Option<Inspection> {
    let cluster = &world.cluster;
    let b = cluster.brokers.get(id.index())?;
    let status = if !b.alive {
        "dead"
    } else if b.isolated {
        "cut off from ZooKeeper and the other brokers"
    } else if b.registered {
        "running, registered with ZooKeeper"
    } else {
        "running, not registered yet"
    };
    let mut leads = Vec::new();
    let mut follows = Vec::new();
    for part in cluster.partitions.iter().flatten() {
        let name = tp_name(world, part.tp);
        if part.leader == Some(id) {
            leads.push(name);
        } else if part.replicas.iter().any(|r| r.broker == id) {
            let in_sync = if part.isr.contains(&id) {
                ""
            } else {
                " (out of sync)"
            };
            follows.push(format!("{name}{in_sync}"));
        }
    }
    let coordinates: Vec<String> = cluster
        .coordinators
        .iter()
        .filter(|(_, b)| **b == id)
        .filter_map(|(g, _)| world.groups.get(g.index()).map(|g| g.name.clone()))
        .collect();
    let mut facts = vec![("Status", status.to_string())];
    if cluster.controller == Some(id) {
        facts.push((
            "Controller",
            format!("yes, epoch {}", cluster.controller_epoch),
        ));
    }
    facts.push(("Leads", list_or_none(&leads)));
    facts.push(("Follows", list_or_none(&follows)));
    if !coordinates.is_empty() {
        facts.push(("Coordinates", coordinates.join(", ")));
    }
    let broker = id.0;
    let mut actions = Vec::new();
    if b.alive {
        actions.push(Action {
            label: "Kill",
            explain: "The process dies. ZooKeeper notices when its session times out; the controller then elects new leaders from the ISR.",
            intervention: Intervention::BrokerKill { broker },
        });
        if b.isolated {
            actions.push(Action {
                label: "Reconnect",
                explain: "Its links come back: it learns it no longer leads and throws away what it took in meanwhile.",
                intervention: Intervention::BrokerReconnect { broker },
            });
        } else {
            actions.push(Action {
                label: "Isolate",
                explain: "It loses its links to ZooKeeper and the other brokers while clients still reach it: a zombie leader.",
                intervention: Intervention::BrokerIsolate { broker },
            });
        }
    } else {
        actions.push(Action {
            label: "Restart",
            explain: "It registers again, truncates what it never had confirmed, catches up as a follower and rejoins the ISR.",
            intervention: Intervention::BrokerRestart { broker },
        });
    }
    if cluster.controller.is_some() {
        actions.push(Action {
            label: "Preferred leader election",
            explain: "The controller gives each partition back to its first replica, where that one is alive and in sync.",
            intervention: Intervention::PreferredLeaderElection,
        });
    }
    Some(Inspection {
        title: format!("Broker {broker}"),
        kind: "Kafka broker".to_string(),
        facts,
        actions,
    })
}

fn consumer(world: &World, id: ConsumerId) -> Option<Inspection> {
    let c = world.consumers.get(id.index())?;
    let group = world.groups.get(c.group.index())?;
    let status = match c.status {
        ConsumerStatus::NotStarted => "not started yet",
        ConsumerStatus::Joining => "joining the group, waiting for an assignment",
        ConsumerStatus::Running => "running: polling and processing",
        ConsumerStatus::Crashed => "crashed",
        ConsumerStatus::Left => "left the group",
    };
    let owns: Vec<String> = c.assigned.iter().map(|&tp| tp_name(world, tp)).collect();
    let mut facts = vec![
        ("Status", status.to_string()),
        ("Owns", list_or_none(&owns)),
        ("Processed", c.processed.to_string()),
        ("Processed again", c.duplicates.to_string()),
        ("Waiting in its batch", c.inbox.len().to_string()),
    ];
    if let Some(record) = c.inbox.front() {
        facts.push((
            "In hand",
            format!(
                "{} offset {}{}",
                tp_name(world, record.tp),
                record.offset,
                c.retrying
                    .map_or(String::new(), |n| format!(", failed {n}×, retrying"))
            ),
        ));
    }
    if c.given_up > 0 {
        facts.push(("Given up on", c.given_up.to_string()));
    }
    let (kind, group_name) = if group.standalone {
        ("standalone consumer (no group.id)".to_string(), None)
    } else {
        facts.insert(0, ("Generation", group.generation.to_string()));
        (
            format!("member of group {}", group.name),
            Some(group.name.clone()),
        )
    };
    let member = c.name.clone();
    let mut actions = Vec::new();
    match c.status {
        ConsumerStatus::Joining | ConsumerStatus::Running => {
            actions.push(Action {
                label: "Crash",
                explain: "It dies without committing. The coordinator notices only when the session times out; then the group rebalances and the new owner re-reads from the last commit.",
                intervention: Intervention::ConsumerCrash {
                    group: group_name.clone(),
                    member: member.clone(),
                },
            });
            actions.push(Action {
                label: "Leave",
                explain: "It finishes its batch, commits and leaves (consumer.close()): the group rebalances at once.",
                intervention: Intervention::ConsumerLeave {
                    group: group_name,
                    member,
                },
            });
        }
        ConsumerStatus::Crashed | ConsumerStatus::Left => actions.push(Action {
            label: "Restart",
            explain: "It starts again and rejoins its group, which rebalances.",
            intervention: Intervention::ConsumerRestart {
                group: group_name,
                member,
            },
        }),
        ConsumerStatus::NotStarted => {}
    }
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind,
        facts,
        actions,
    })
}

fn partition(playback: &Playback, tp: TopicPartition) -> Option<Inspection> {
    let world = playback.world();
    let topic = world.topics.get(tp.topic.index())?;
    let log = topic.partitions.get(tp.partition as usize)?;
    let mut facts = vec![
        ("Log start", log.log_start.to_string()),
        ("Log end", log.log_end.to_string()),
    ];
    if let Some(state) = world.cluster.partition(tp) {
        let leader = state
            .leader
            .map_or("none: offline".to_string(), |b| format!("broker {b}"));
        facts.push(("Leader", format!("{leader}, epoch {}", state.leader_epoch)));
        let brokers = |ids: Vec<BrokerId>| {
            ids.iter()
                .map(|b| b.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        facts.push((
            "Replicas",
            brokers(state.replicas.iter().map(|r| r.broker).collect()),
        ));
        facts.push(("In-sync replicas", brokers(state.isr.clone())));
        if let Some(hw) = state
            .leader
            .and_then(|l| state.replicas.iter().find(|r| r.broker == l))
        {
            facts.push(("High watermark", hw.high_watermark.to_string()));
        }
    }
    for group in world
        .groups
        .iter()
        .filter(|g| g.topics.contains(&topic.name))
    {
        let committed = group.committed.get(&tp).copied();
        facts.push((
            "Committed",
            match committed {
                Some(offset) => format!(
                    "{}: {offset}, lag {}",
                    group.name,
                    log.log_end.saturating_sub(offset)
                ),
                None => format!("{}: nothing yet", group.name),
            },
        ));
    }
    let partitions = topic.partitions.len() as u32 + 1;
    let actions = if topic.dead_letter {
        Vec::new()
    } else {
        vec![Action {
            label: "Add a partition",
            explain: "The topic grows by one partition. Keys hash over the new count from now on, so some keys move; groups rebalance to take it.",
            intervention: Intervention::AddPartitions {
                topic: topic.name.clone(),
                partitions,
            },
        }]
    };
    Some(Inspection {
        title: format!("Partition {}", tp_name(world, tp)),
        kind: if topic.dead_letter {
            "dead-letter topic partition".to_string()
        } else {
            "topic partition: an append-only log".to_string()
        },
        facts,
        actions,
    })
}

fn rabbit_consumer(playback: &Playback, id: RabbitConsumerId) -> Option<Inspection> {
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
            if c.running { "running" } else { "crashed" }.to_string(),
        ),
        ("Queue", queue.name.clone()),
        ("Prefetch", prefetch),
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
    let actions = if c.running {
        vec![Action {
            label: "Crash",
            explain: "Its channel closes: the broker requeues every message it had not acknowledged, marked redelivered.",
            intervention: Intervention::RabbitConsumerCrash { consumer },
        }]
    } else {
        vec![Action {
            label: "Restart",
            explain: "It consumes again; the broker pushes to it up to its prefetch.",
            intervention: Intervention::RabbitConsumerRestart { consumer },
        }]
    };
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind: format!("RabbitMQ consumer on {}", queue.name),
        facts,
        actions,
    })
}

fn queue(playback: &Playback, id: QueueId) -> Option<Inspection> {
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
        facts.push(("Deleted", "by x-expires".to_string()));
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
            "{:?} queue{}",
            q.kind,
            if q.dead_letter {
                ", a dead-letter queue"
            } else {
                ""
            }
        )
        .to_lowercase(),
        facts,
        actions: Vec::new(),
    })
}

/// "orders-2".
fn tp_name(world: &World, tp: TopicPartition) -> String {
    let topic = world
        .topics
        .get(tp.topic.index())
        .map_or("?", |t| t.name.as_str());
    format!("{topic}-{}", tp.partition)
}

fn exchange_name(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_string()
    } else {
        name.to_string()
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqsim::ids::TopicId;
    use mqsim::scenario::presets::{PRESETS, Preset};

    fn playback(preset: &str, at_ms: f64) -> Playback {
        let mut p = Playback::new(Preset::find(preset).unwrap().scenario());
        p.advance_to(at_ms);
        p
    }

    fn labels(inspection: &Inspection) -> Vec<&'static str> {
        inspection.actions.iter().map(|a| a.label).collect()
    }

    fn fact(inspection: &Inspection, label: &str) -> String {
        inspection
            .facts
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no fact {label} in {inspection:?}"))
    }

    /// Every selection the scenario has, for sweeping.
    fn everything(p: &Playback) -> Vec<Selection> {
        let world = p.world();
        let mut all: Vec<Selection> = (0..world.cluster.brokers.len())
            .map(|b| Selection::Broker(BrokerId(b as u32)))
            .collect();
        all.extend((0..world.consumers.len()).map(|c| Selection::Consumer(ConsumerId(c as u32))));
        for (t, topic) in world.topics.iter().enumerate() {
            all.extend((0..topic.partitions.len()).map(|partition| {
                Selection::Partition(TopicPartition {
                    topic: TopicId(t as u32),
                    partition: partition as u32,
                })
            }));
        }
        all.extend(
            (0..p.rabbit().consumers.len())
                .map(|c| Selection::RabbitConsumer(RabbitConsumerId(c as u32))),
        );
        all.extend((0..p.rabbit().queues.len()).map(|q| Selection::Queue(QueueId(q as u32))));
        all
    }

    /// Whatever the inspector offers, the engine takes: in every preset, at
    /// several moments, each action on each thing is a valid intervention
    /// that changes the run.
    #[test]
    fn every_action_offered_is_accepted() {
        for preset in PRESETS {
            for at_ms in [0.0, 12_000.0, 40_000.0] {
                let p = playback(preset.id, at_ms);
                for selection in everything(&p) {
                    let inspection = Inspection::of(&p, selection).expect("described");
                    for action in &inspection.actions {
                        let mut tried = Playback::new(p.shared());
                        tried
                            .intervene(action.intervention.clone())
                            .unwrap_or_else(|why| {
                                panic!("{} at {at_ms}: {:?} refused: {why}", preset.id, action)
                            });
                    }
                }
            }
        }
    }

    /// A broker's card tells what it leads and offers to kill it; once
    /// dead, it offers a restart instead.
    #[test]
    fn a_broker_offers_kill_then_restart() {
        let mut p = playback("leader-failover", 3_000.0);
        let alive = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
        assert_eq!(
            labels(&alive),
            ["Kill", "Isolate", "Preferred leader election"]
        );
        assert!(fact(&alive, "Leads").contains("orders-"), "{alive:?}");
        p.intervene(alive.actions[0].intervention.clone()).unwrap();
        p.advance_to(10_000.0);
        let dead = Inspection::of(&p, Selection::Broker(BrokerId(1))).unwrap();
        assert_eq!(fact(&dead, "Status"), "dead");
        assert_eq!(fact(&dead, "Leads"), "none");
        assert_eq!(labels(&dead), ["Restart", "Preferred leader election"]);
    }

    #[test]
    fn a_consumer_offers_crash_and_leave_then_restart() {
        let mut p = playback("order-notifications", 6_000.0);
        let running = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
        assert_eq!(running.kind, "member of group notifications");
        assert_eq!(labels(&running), ["Crash", "Leave"]);
        assert!(fact(&running, "Owns").contains("orders-"));
        p.intervene(running.actions[0].intervention.clone())
            .unwrap();
        let crashed = Inspection::of(&p, Selection::Consumer(ConsumerId(0))).unwrap();
        assert_eq!(fact(&crashed, "Status"), "crashed");
        assert_eq!(labels(&crashed), ["Restart"]);
    }

    /// A partition shows its log ends, each group's commit and lag, and
    /// adding a partition grows the topic.
    #[test]
    fn a_partition_shows_commits_and_lag_and_can_grow() {
        let mut p = playback("order-notifications", 20_000.0);
        let tp = TopicPartition {
            topic: TopicId(0),
            partition: 0,
        };
        let part = Inspection::of(&p, Selection::Partition(tp)).unwrap();
        let log_end = p.world().topics[0].partitions[0].log_end;
        assert_eq!(fact(&part, "Log end"), log_end.to_string());
        let committed = p.world().groups[0].committed[&tp];
        assert_eq!(
            fact(&part, "Committed"),
            format!("notifications: {committed}, lag {}", log_end - committed)
        );
        let before = p.world().topics[0].partitions.len();
        p.intervene(part.actions[0].intervention.clone()).unwrap();
        assert_eq!(p.world().topics[0].partitions.len(), before + 1);
    }

    /// Crashing a RabbitMQ consumer requeues what it held.
    #[test]
    fn a_rabbit_consumer_crash_requeues_its_deliveries() {
        let mut p = playback("rabbit-retry-dead-letter", 0.0);
        let holding = |p: &Playback| {
            let rabbit = p.rabbit();
            rabbit
                .queues
                .iter()
                .flat_map(|q| &q.unacked)
                .map(|(_, by)| *by)
                .next()
        };
        while holding(&p).is_none() {
            p.advance_to(p.clock_ms() + 50.0);
        }
        let id = holding(&p).unwrap();
        let held = p
            .rabbit()
            .queues
            .iter()
            .flat_map(|q| &q.unacked)
            .filter(|(_, by)| *by == id)
            .count();
        let inspection = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
        assert_eq!(fact(&inspection, "Unacknowledged"), held.to_string());
        p.intervene(inspection.actions[0].intervention.clone())
            .unwrap();
        p.advance_to(p.clock_ms() + 1.0);
        let after = Inspection::of(&p, Selection::RabbitConsumer(id)).unwrap();
        assert_eq!(fact(&after, "Status"), "crashed");
        assert_eq!(fact(&after, "Unacknowledged"), "0");
        assert_eq!(labels(&after), ["Restart"]);
    }
}
