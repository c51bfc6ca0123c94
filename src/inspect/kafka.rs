//! Kafka things: brokers, consumers, partitions and producers.

use super::{Action, Inspection, SendForm, list_or_none, next_name, slow_or_normal};
use crate::kafka::world::{ConsumerStatus, ConsumerView};
use crate::playback::Playback;
use mqsim::ids::{BrokerId, ConsumerId, GroupId, ProducerId, TopicPartition};
use mqsim::scenario::{Acks, GroupSpec, Intervention, MemberSpec, ProducerSpec};

pub(super) fn broker(playback: &Playback, id: BrokerId) -> Option<Inspection> {
    let world = playback.world();
    let cluster = &world.cluster;
    let b = cluster.brokers.get(id.index())?;
    let kraft = cluster.quorum.as_ref();
    let status = match (b.alive, b.isolated, b.registered, kraft.is_some()) {
        (false, ..) if b.stopped => "stopped after a controlled shutdown",
        (false, ..) => "dead",
        (true, false, ..) if b.shutting_down => {
            "shutting down: its leaderships move to other replicas before it stops"
        }
        (true, true, _, false) => "cut off from ZooKeeper and the other brokers",
        (true, true, _, true) => "cut off from the controllers and the other brokers",
        (true, false, true, false) => "running, registered with ZooKeeper",
        (true, false, false, false) => "running, not registered yet",
        (true, false, true, true) => "running, unfenced",
        (true, false, false, true) => {
            "fenced: the active controller does not let it lead (its heartbeats stopped, or it has not caught up)"
        }
    };
    let mut leads = Vec::new();
    let mut follows = Vec::new();
    for part in cluster.partitions.iter().flatten() {
        let name = playback.names().tp(part.tp);
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
    if let Some(quorum) = kraft {
        facts.push((
            "Registration",
            if b.registered {
                "unfenced in the metadata log: it may lead partitions and be in ISRs"
            } else {
                "fenced in the metadata log: it leads nothing and is in no ISR"
            }
            .to_string(),
        ));
        facts.push((
            "Metadata log",
            format!(
                "read to offset {}: it acts on the committed records before it",
                b.metadata_offset
            ),
        ));
        if quorum.voter(id.0).is_some() {
            let active = if quorum.active == Some(id.0) {
                format!(", the active controller of epoch {}", quorum.epoch)
            } else {
                String::new()
            };
            facts.push(("Controller", format!("a voter of the quorum{active}")));
        }
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
            label: "Kill".into(),
            explain: if kraft.is_some() {
                "The process dies. Its heartbeats stop; after broker.session.timeout.ms the active controller fences it and records new leaders from the ISR."
            } else {
                "The process dies. ZooKeeper notices when its session times out; the controller then elects new leaders from the ISR."
            },
            interventions: vec![Intervention::BrokerKill { broker }],
        });
        if !b.shutting_down {
            actions.push(Action {
                label: "Shut down".into(),
                explain: if kraft.is_some() {
                    "A controlled shutdown: its heartbeats ask for it, the active controller moves its leaderships and fences it, then it stops. No session has to expire."
                } else {
                    "A controlled shutdown: it asks the controller, which moves its leaderships to other in-sync replicas; then it stops and its ZooKeeper session closes. No session has to expire."
                },
                interventions: vec![Intervention::BrokerShutdown { broker }],
            });
        }
        if b.isolated {
            actions.push(Action {
                label: "Reconnect".into(),
                explain: "Its links come back: it learns it no longer leads and throws away what it took in meanwhile.",
                interventions: vec![Intervention::BrokerReconnect { broker }],
            });
        } else {
            actions.push(Action {
                label: "Isolate".into(),
                explain: if kraft.is_some() {
                    "It loses its links to the controllers and the other brokers while clients still reach it: it goes on leading until it is fenced."
                } else {
                    "It loses its links to ZooKeeper and the other brokers while clients still reach it: a zombie leader."
                },
                interventions: vec![Intervention::BrokerIsolate { broker }],
            });
        }
    } else {
        actions.push(Action {
            label: "Restart".into(),
            explain: "It registers again, truncates what it never had confirmed, catches up as a follower and rejoins the ISR.",
            interventions: vec![Intervention::BrokerRestart { broker }],
        });
    }
    if cluster.controller.is_some() {
        actions.push(Action {
            label: "Preferred leader election".into(),
            explain: "The controller gives each partition back to its first replica, where that one is alive and in sync.",
            interventions: vec![Intervention::PreferredLeaderElection],
        });
    }
    Some(Inspection {
        title: format!("Broker {broker}"),
        kind: "Kafka broker".to_string(),
        facts,
        actions,
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

pub(super) fn consumer(playback: &Playback, id: ConsumerId) -> Option<Inspection> {
    let world = playback.world();
    let c = world.consumers.get(id.index())?;
    let group = world.groups.get(c.group.index())?;
    if group.share {
        return super::share::member(playback, id);
    }
    let status = match c.status {
        ConsumerStatus::NotStarted => "not started yet",
        ConsumerStatus::Joining => "joining the group, waiting for an assignment",
        ConsumerStatus::Running => "running: polling and processing",
        ConsumerStatus::Crashed => "crashed",
        ConsumerStatus::Left => "left the group",
    };
    let owns: Vec<String> = c
        .assigned
        .iter()
        .map(|&tp| playback.names().tp(tp))
        .collect();
    // A subscription may name a topic that does not exist (yet): the
    // assignors leave it out until it is created.
    let subscribed: Vec<String> = group
        .topics
        .iter()
        .map(|name| match world.topics.iter().find(|t| &t.name == name) {
            Some(t) if !t.partitions.is_empty() => name.clone(),
            Some(_) => format!("{name} (not created yet)"),
            None => format!("{name} (no such topic)"),
        })
        .collect();
    let mut facts = vec![
        ("Status", status.to_string()),
        ("Subscribes to", subscribed.join(", ")),
        ("Owns", list_or_none(&owns)),
        ("Processing", format!("{} ms per record", c.processing_ms)),
        ("Processed", c.processed.to_string()),
        ("Processed again", c.duplicates.to_string()),
        ("Waiting in its batch", c.inbox.len().to_string()),
    ];
    if let Some(record) = c.inbox.front() {
        facts.push((
            "In hand",
            format!(
                "{} offset {}{}",
                playback.names().tp(record.tp),
                record.offset,
                c.retrying
                    .map_or(String::new(), |n| format!(", failed {n}×, retrying"))
            ),
        ));
    }
    if c.given_up > 0 {
        facts.push(("Given up on", c.given_up.to_string()));
    }
    // A group on the consumer protocol (KIP-848) has epochs, not
    // generations, and no group-wide rebalance.
    let modern = group.epoch.is_some();
    let (kind, group_name) = if group.standalone {
        ("standalone consumer (no group.id)".to_string(), None)
    } else if let Some(epoch) = group.epoch {
        let names = |tps: Vec<TopicPartition>| {
            let tps: Vec<String> = tps.into_iter().map(|tp| playback.names().tp(tp)).collect();
            list_or_none(&tps)
        };
        let member_epoch = c
            .member
            .as_ref()
            .map_or("none: not a member".into(), |m| m.epoch.to_string());
        facts.splice(
            0..0,
            [
                ("Group epoch", epoch.to_string()),
                ("Member epoch", member_epoch),
                ("Giving up", names(c.revoking().collect())),
                ("Waiting for", names(c.awaiting().collect())),
            ],
        );
        (
            format!(
                "member of group {} on the consumer protocol (KIP-848)",
                group.name
            ),
            Some(group.name.clone()),
        )
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
                label: "Crash".into(),
                explain: if modern {
                    "It dies without committing. The coordinator notices only when its session (45 s) runs out; then it fences it, and the others take its partitions on their next heartbeats and re-read from the last commit."
                } else {
                    "It dies without committing. The coordinator notices only when the session times out; then the group rebalances and the new owner re-reads from the last commit."
                },
                interventions: vec![Intervention::ConsumerCrash {
                    group: group_name.clone(),
                    member: member.clone(),
                }],
            });
            actions.push(Action {
                label: "Leave".into(),
                explain: if modern {
                    "It finishes its batch, commits and leaves (a heartbeat at epoch -1): the others take its partitions on their next heartbeats; nobody else stops."
                } else {
                    "It finishes its batch, commits and leaves (consumer.close()): the group rebalances at once."
                },
                interventions: vec![Intervention::ConsumerLeave {
                    group: group_name.clone(),
                    member: member.clone(),
                }],
            });
            actions.push(slow_or_normal(
                c.processing_ms,
                c.usual_processing_ms,
                |processing_ms| Intervention::ConsumerSlow {
                    group: group_name,
                    member,
                    processing_ms,
                },
            ));
        }
        ConsumerStatus::Crashed | ConsumerStatus::Left => actions.push(Action {
            label: "Restart".into(),
            explain: if modern {
                "It starts again and joins its group with a heartbeat at epoch 0."
            } else {
                "It starts again and rejoins its group, which rebalances."
            },
            interventions: vec![Intervention::ConsumerRestart {
                group: group_name,
                member,
            }],
        }),
        ConsumerStatus::NotStarted => {}
    }
    if let Some(spec) = (!group.standalone)
        .then(|| new_member(playback, c))
        .flatten()
    {
        actions.push(Action {
            label: "Add a consumer".into(),
            explain: if modern {
                "Another member, set up like this one, joins the group: the coordinator computes a new target, and partitions move to it one at a time, each once its owner has given it up."
            } else {
                "Another member, set up like this one, joins the group: the group rebalances and the partitions are shared out again."
            },
            interventions: vec![Intervention::ConsumerJoin {
                group: group.name.clone(),
                member: spec,
            }],
        });
    }
    actions.extend(
        (!group.standalone)
            .then(|| second_group(playback, c.group))
            .flatten(),
    );
    Some(Inspection {
        title: format!("Consumer {}", c.name),
        kind,
        facts,
        actions,
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

pub(super) fn partition(playback: &Playback, tp: TopicPartition) -> Option<Inspection> {
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
        vec![
            Action {
                label: "Add a partition".into(),
                explain: "The topic grows by one partition. Keys hash over the new count from now on, so some keys move; groups rebalance to take it.",
                interventions: vec![Intervention::AddPartitions {
                    topic: topic.name.clone(),
                    partitions,
                }],
            },
            Action {
                label: "Add a producer".into(),
                explain: "A new producer starts writing to this topic, two records a second with the keys the topic's producers use.",
                interventions: vec![Intervention::ProducerAdd {
                    producer: new_producer(playback, &topic.name),
                }],
            },
        ]
    };
    Some(Inspection {
        title: format!("Partition {}", playback.names().tp(tp)),
        kind: if topic.dead_letter {
            "dead-letter topic partition".to_string()
        } else {
            "topic partition: an append-only log".to_string()
        },
        facts,
        actions,
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

pub(super) fn producer(playback: &Playback, id: ProducerId) -> Option<Inspection> {
    let roster = playback.scenario().producers();
    let (spec, _) = *roster.get(id.index())?;
    let world = playback.world();
    let partitions = world
        .topics
        .iter()
        .find(|t| t.name == spec.topic)
        .map_or(0, |t| t.partitions.len() as u32);
    let view = world.producers.get(id.index())?;
    let sent = view.sent;
    let keys = if spec.keys.is_empty() {
        "none: every record unkeyed".to_string()
    } else {
        spec.keys.join(", ")
    };
    Some(Inspection {
        title: format!("Producer {}", spec.name),
        kind: format!("Kafka producer writing to {}", spec.topic),
        facts: vec![
            ("Sent", sent.to_string()),
            ("Rate", format!("{} per second", spec.rate_per_sec)),
            ("Keys", keys),
            (
                "acks",
                match spec.acks {
                    Acks::None => "0: no answer awaited",
                    Acks::Leader => "1: the leader's append",
                    Acks::All => "all: every in-sync replica",
                }
                .to_string(),
            ),
        ],
        actions: if view.running {
            vec![Action {
                label: "Stop".into(),
                explain: "The producer closes: what it has sent still arrives, and it sends nothing more.",
                interventions: vec![Intervention::ProducerRemove {
                    producer: spec.name.clone(),
                }],
            }]
        } else {
            Vec::new()
        },
        path: Vec::new(),
        // A closed producer sends nothing, by hand either.
        messages: Vec::new(),
        form: view.running.then(|| SendForm::Record {
            producer: spec.name.clone(),
            partitions,
            keys: spec.keys.clone(),
        }),
    })
}

/// A producer for `topic`, named `producer-N` after those there are,
/// sending two records a second with the keys the topic's producers use.
fn new_producer(playback: &Playback, topic: &str) -> ProducerSpec {
    let roster = playback.scenario().producers();
    let name = (roster.len() + 1..)
        .map(|n| format!("producer-{n}"))
        .find(|name| roster.iter().all(|(p, _)| &p.name != name))
        .unwrap_or_default();
    let mut keys: Vec<String> = Vec::new();
    for key in roster
        .iter()
        .filter(|(p, _)| p.topic == topic)
        .flat_map(|(p, _)| &p.keys)
    {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    let mut spec = ProducerSpec::new(&name, topic, 2.0);
    spec.keys = keys;
    spec
}

/// A member set up like `like` (its scenario settings), named after it
/// with the next free number: `notifier-3`.
pub(super) fn new_member(playback: &Playback, like: &ConsumerView) -> Option<MemberSpec> {
    let roster = playback.scenario().consumers();
    let mut spec = roster
        .iter()
        .find(|c| c.spec.name == like.name)?
        .spec
        .clone()
        .into_owned();
    spec.name = next_name(&like.name, |name| {
        roster.iter().any(|c| c.spec.name == name)
    })?;
    Some(spec)
}

/// "Start a second group": a new `group.id` with the same settings and
/// members, named anew. Each group gets every record of the topics it reads
/// (publish/subscribe between groups), and reads from its
/// `auto.offset.reset`: it has no committed offsets yet.
fn second_group(playback: &Playback, group: GroupId) -> Option<Action> {
    let scenario = playback.scenario();
    let file = scenario.file();
    let added = scenario.added_groups();
    let groups: Vec<&GroupSpec> = file
        .kafka
        .groups
        .iter()
        .chain(added.iter().map(|(g, _)| *g))
        .collect();
    let name = &playback.world().groups.get(group.index())?.name;
    let like = groups.iter().find(|g| &g.name == name)?;
    let mut spec = (*like).clone();
    spec.name = next_name(name, |n| groups.iter().any(|g| g.name == n))?;
    let consumers = scenario.consumers();
    // A group whose members all joined later is copied with them.
    if spec.members.is_empty() {
        let joined = consumers.iter().filter(|c| c.group == group);
        spec.members = joined.map(|c| c.spec.clone().into_owned()).collect();
    }
    let mut taken: Vec<String> = consumers.iter().map(|c| c.spec.name.clone()).collect();
    for member in &mut spec.members {
        member.name = next_name(&member.name, |n| taken.iter().any(|t| t == n))?;
        taken.push(member.name.clone());
    }
    Some(Action {
        label: "Start a second group".into(),
        explain: "A new consumer group with the same settings starts reading the same topics. Each group gets every record (publish/subscribe); it starts from auto.offset.reset, having committed nothing yet.",
        interventions: vec![Intervention::GroupAdd { group: spec }],
    })
}
