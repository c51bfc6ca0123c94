//! KRaft things: the voters of the controller quorum, and the records of
//! the metadata log they keep.
//!
//! A voter keeps a copy of the metadata log, `__cluster_metadata`. The
//! active controller (the Raft leader) appends every decision to it; the
//! other voters fetch it, and a record is committed once a majority holds
//! it: the high watermark. Brokers only act on committed records.

use super::{Action, Inspection};
use crate::cluster::scene::kafka_name;
use crate::cluster::world::VoterStatus;
use crate::playback::Playback;
use mqsim::kafka::kraft::record::MetadataRecord;
use mqsim::scenario::Intervention;
use mqsim::words::metadata_record as metadata_words;

pub(super) fn controller(playback: &Playback, id: u32) -> Option<Inspection> {
    let cluster = &playback.world().cluster;
    let quorum = cluster.quorum.as_ref()?;
    let voter = quorum.voter(id)?;
    // A voter numbered like a broker is that broker too
    // (`process.roles=broker,controller`) and lives and dies with it.
    let broker = cluster.brokers.iter().find(|b| b.id.0 == id);
    let status = match broker {
        Some(b) if !b.alive => VoterStatus::Dead,
        Some(b) if b.isolated => VoterStatus::CutOff,
        Some(_) => VoterStatus::Running,
        None => voter.status,
    };
    let majority = quorum.voters.len() / 2 + 1;
    let role = match status {
        VoterStatus::Dead => "dead: it neither votes nor copies the log".to_string(),
        VoterStatus::CutOff => {
            "cut off: it cannot reach the other voters, so it can neither lead nor follow"
                .to_string()
        }
        VoterStatus::Running if quorum.active == Some(id) => format!(
            "the active controller (Raft leader) of epoch {}: it decides every change and appends it to the log",
            quorum.epoch
        ),
        VoterStatus::Running => {
            "a follower: it fetches the log from the active controller and votes in elections"
                .to_string()
        }
    };
    let mut facts = vec![
        ("Role", role),
        (
            "Metadata log",
            format!(
                "ends at offset {}; committed below {} (the high watermark it knows)",
                voter.log_end, voter.high_watermark
            ),
        ),
        (
            "Quorum",
            format!(
                "{} voters: a record commits, and a leader is elected, with {majority} of them",
                quorum.voters.len()
            ),
        ),
    ];
    if broker.is_some() {
        facts.push((
            "Also",
            format!("broker {id} (process.roles=broker,controller)"),
        ));
    }
    let actions = match broker {
        Some(b) => broker_actions(id, b.alive, b.isolated),
        None => controller_actions(id, status),
    };
    Some(Inspection {
        title: format!("Controller {id}"),
        kind: "KRaft controller (voter)".to_string(),
        facts,
        actions,
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

/// A dedicated controller's process: kill, restart, isolate, reconnect.
fn controller_actions(controller: u32, status: VoterStatus) -> Vec<Action> {
    match status {
        VoterStatus::Dead => vec![Action {
            label: "Restart".into(),
            explain: "It starts from the log and vote on its disk, fetches what it missed and votes again.",
            interventions: vec![Intervention::ControllerRestart { controller }],
        }],
        VoterStatus::CutOff => vec![Action {
            label: "Reconnect".into(),
            explain: "Its links come back: it learns the current epoch and catches up, without disrupting the leader (pre-vote).",
            interventions: vec![Intervention::ControllerReconnect { controller }],
        }],
        VoterStatus::Running => vec![
            Action {
                label: "Kill".into(),
                explain: "The process dies. If it was the active controller, the others notice when its fetches stop answering and elect another.",
                interventions: vec![Intervention::ControllerKill { controller }],
            },
            Action {
                label: "Isolate".into(),
                explain: "It loses its network links. An isolated leader resigns once it cannot hear a majority (check-quorum).",
                interventions: vec![Intervention::ControllerIsolate { controller }],
            },
        ],
    }
}

/// A combined broker and controller is killed, restarted or cut off as
/// the broker it also is.
fn broker_actions(broker: u32, alive: bool, isolated: bool) -> Vec<Action> {
    if !alive {
        return vec![Action {
            label: "Restart".into(),
            explain: "The process starts again: as a voter it catches up on the log, as a broker it registers again.",
            interventions: vec![Intervention::BrokerRestart { broker }],
        }];
    }
    let link = if isolated {
        Action {
            label: "Reconnect".into(),
            explain: "Its links come back.",
            interventions: vec![Intervention::BrokerReconnect { broker }],
        }
    } else {
        Action {
            label: "Isolate".into(),
            explain: "It loses its network links, as a voter and as a broker.",
            interventions: vec![Intervention::BrokerIsolate { broker }],
        }
    };
    vec![
        Action {
            label: "Kill".into(),
            explain: "The process dies: a voter and a broker at once.",
            interventions: vec![Intervention::BrokerKill { broker }],
        },
        link,
    ]
}

/// A record of the metadata log: what it says, what it means, whether it
/// is committed, and who has it.
pub(super) fn metadata_record(playback: &Playback, offset: u64) -> Option<Inspection> {
    let cluster = &playback.world().cluster;
    let quorum = cluster.quorum.as_ref()?;
    let record = quorum.record(offset)?;
    let committed_below = quorum
        .active
        .and_then(|a| quorum.voter(a))
        .or_else(|| quorum.voters.iter().max_by_key(|v| v.high_watermark))
        .map_or(0, |v| v.high_watermark);
    let committed = if offset < committed_below {
        "yes: a majority of the voters hold it, and brokers act on it"
    } else {
        "not yet: until a majority of the voters hold it, no broker acts on it"
    };
    let held: Vec<String> = quorum
        .voters
        .iter()
        .filter(|v| v.log_end > offset)
        .map(|v| format!("controller {}", v.id))
        .collect();
    let applied: Vec<String> = cluster
        .brokers
        .iter()
        .filter(|b| b.metadata_offset > offset)
        .map(|b| format!("broker {}", b.id.0))
        .collect();
    Some(Inspection {
        title: format!("Metadata record {offset}"),
        kind: format!("{} in __cluster_metadata", kafka_name(record)),
        facts: vec![
            ("Record", metadata_words(record, playback.names())),
            ("Means", meaning(record).to_string()),
            ("Committed", committed.to_string()),
            ("Held by", super::list_or_none(&held)),
            ("Applied by", super::list_or_none(&applied)),
        ],
        actions: Vec::new(),
        path: Vec::new(),
        messages: Vec::new(),
        form: None,
    })
}

/// What a kind of record is for, as KIP-631 and Kafka's controller use it.
fn meaning(record: &MetadataRecord) -> &'static str {
    match record {
        MetadataRecord::LeaderChange { .. } => {
            "A new active controller writes it first in its epoch. Raft commits a leader's records only once one of its own epoch commits, and this is that record."
        }
        MetadataRecord::NoOp => {
            "Written every metadata.max.idle.interval.ms (500 ms) when nothing else is: the high watermark keeps moving, so every broker can tell its metadata is current."
        }
        MetadataRecord::RegisterBroker { .. } => {
            "A broker process registered (BrokerRegistrationRequest). It starts fenced: it leads nothing and joins no ISR until it has caught up with the log."
        }
        MetadataRecord::BrokerRegistrationChange {
            fenced: Some(true), ..
        } => {
            "The active controller fenced the broker: its heartbeats stopped for broker.session.timeout.ms, or it shut down. Its leaderships and ISR places were recorded away first."
        }
        MetadataRecord::BrokerRegistrationChange {
            fenced: Some(false),
            ..
        } => "The broker caught up past its registration and heartbeated: it may lead again.",
        MetadataRecord::BrokerRegistrationChange { .. } => {
            "The broker asked to shut down: its leaderships move to other replicas before it is let go."
        }
        MetadataRecord::Topic { .. } => "A topic was created (CreateTopics).",
        MetadataRecord::Partition { .. } => {
            "One partition of a new topic: its replicas, its ISR and its first leader."
        }
        MetadataRecord::PartitionChange { .. } => {
            "A partition's leader or ISR changed: an election by the active controller, or an AlterPartition from the partition's leader. Each broker acts on it when it reads it."
        }
    }
}
