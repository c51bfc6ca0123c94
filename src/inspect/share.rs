//! A share group's member (KIP-932): what it reads, what it holds, and
//! what can be done to it — crash, leave, slow down, or have it release or
//! reject the record in hand.

use super::kafka::new_member;
use super::{Action, Inspection, list_or_none, slow_or_normal};
use crate::kafka::share::ShareState;
use crate::kafka::world::ConsumerStatus;
use crate::playback::Playback;
use mqsim::ids::ConsumerId;
use mqsim::scenario::{FailedAck, Intervention};

pub(super) fn member(playback: &Playback, id: ConsumerId) -> Option<Inspection> {
    let world = playback.world();
    let c = world.consumers.get(id.index())?;
    let group = world.groups.get(c.group.index())?;
    let names = playback.names();
    let status = match c.status {
        ConsumerStatus::NotStarted => "not started yet",
        ConsumerStatus::Joining => "joining, waiting for its partitions",
        ConsumerStatus::Running => "running: fetching, processing, acknowledging",
        ConsumerStatus::Crashed => "crashed",
        ConsumerStatus::Left => "left the group",
    };
    let reads: Vec<String> = c.assigned.iter().map(|&tp| names.tp(tp)).collect();
    // What it holds now, from the share-partitions' windows.
    let mut holds = Vec::new();
    for (&tp, view) in group.shares.iter() {
        for (i, r) in view.records.iter().enumerate() {
            if r.state == ShareState::Acquired(id) {
                let offset = view.start + i as u64;
                holds.push(format!(
                    "{} offset {offset} (delivery {})",
                    names.tp(tp),
                    r.deliveries
                ));
            }
        }
    }
    let mut facts = vec![
        ("Status", status.to_string()),
        (
            "Group epoch",
            group.epoch.map_or("none yet".into(), |e| e.to_string()),
        ),
        ("Reads", list_or_none(&reads)),
        ("Holds", list_or_none(&holds)),
        ("Processing", format!("{} ms per record", c.processing_ms)),
        ("Processed", c.processed.to_string()),
        ("Processed again", c.duplicates.to_string()),
        ("Waiting in its batch", c.inbox.len().to_string()),
    ];
    if !c.assigned.is_empty() {
        facts.insert(
            3,
            (
                "Shares them with",
                "the group's other members on the same partitions".into(),
            ),
        );
    }
    let group_name = Some(group.name.clone());
    let member = c.name.clone();
    let mut actions = Vec::new();
    match c.status {
        ConsumerStatus::Joining | ConsumerStatus::Running => {
            let told = |ack, label: &'static str, explain: &'static str| Action {
                label: label.into(),
                explain,
                interventions: vec![Intervention::ShareAcknowledge {
                    group: group.name.clone(),
                    member: member.clone(),
                    ack,
                }],
            };
            actions.push(Action {
                label: "Crash".into(),
                explain: "It dies: its connection drops, so the leaders release what it held at once, each delivery counted, and the others take it. The coordinator removes it from the group only after 45 s without a heartbeat.",
                interventions: vec![Intervention::ConsumerCrash {
                    group: group_name.clone(),
                    member: member.clone(),
                }],
            });
            actions.push(Action {
                label: "Leave".into(),
                explain: "It finishes its batch, acknowledges it and leaves (close()): the others carry on; nobody stops.",
                interventions: vec![Intervention::ConsumerLeave {
                    group: group_name.clone(),
                    member: member.clone(),
                }],
            });
            actions.push(told(
                FailedAck::Release,
                "Release the record in hand",
                "It gives its record back unprocessed: available again, delivered again (perhaps to another member), its delivery count kept.",
            ));
            actions.push(told(
                FailedAck::Reject,
                "Reject the record in hand",
                "It rejects its record: archived, never delivered again.",
            ));
            actions.push(slow_or_normal(
                c.processing_ms,
                c.usual_processing_ms,
                |processing_ms| Intervention::ConsumerSlow {
                    group: group_name.clone(),
                    member: member.clone(),
                    processing_ms,
                },
            ));
        }
        ConsumerStatus::Crashed | ConsumerStatus::Left => actions.push(Action {
            label: "Restart".into(),
            explain: "It starts again and joins its share group with a heartbeat at epoch 0.",
            interventions: vec![Intervention::ConsumerRestart {
                group: group_name,
                member,
            }],
        }),
        ConsumerStatus::NotStarted => {}
    }
    if let Some(spec) = new_member(playback, c) {
        actions.push(Action {
            label: "Add a consumer".into(),
            explain: "Another member, set up like this one, joins: the coordinator spreads the members over the partitions again, and nobody stops.",
            interventions: vec![Intervention::ConsumerJoin {
                group: group.name.clone(),
                member: spec,
            }],
        });
    }
    Some(Inspection {
        title: format!("Share consumer {}", c.name),
        kind: format!("member of share group {} (KIP-932)", group.name),
        facts,
        actions,
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}
