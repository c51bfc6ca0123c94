//! The cluster at one instant, as plain numbers: ZooKeeper on the left,
//! then one card per broker, side by side, each holding a chip per replica
//! it hosts. Cards share the width, so 1 to 9 brokers fit; chips wrap
//! inside their card, and the band grows to the fullest card.

use super::world::{Anchor, Cargo, ClusterWorld, Flight, QuorumView, VoterStatus};
use crate::picture::{Token, TokenShape, progress};
use mqsim::ids::BrokerId;
use mqsim::kafka::kraft::record::MetadataRecord;
use mqsim::scenario::{ClusterSpec, MetadataSpec};
use std::rc::Rc;

pub const WIDTH: f64 = 1000.0;
pub const ZK_X: f64 = 20.0;
pub const ZK_W: f64 = 166.0;
pub const ZK_H: f64 = 76.0;
const TOP: f64 = 44.0;
const CARDS_X: f64 = 200.0;
const CARDS_W: f64 = 780.0;
const CARD_GAP: f64 = 10.0;
/// Above the chips: the broker's name and its roles.
const CARD_HEAD: f64 = 46.0;
pub const CHIP_H: f64 = 20.0;
const CHIP_GAP: f64 = 4.0;
const PAD: f64 = 8.0;

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterScene {
    pub width: f64,
    pub height: f64,
    pub zookeeper: ZooKeeperNode,
    /// In KRaft mode, drawn where ZooKeeper would be.
    pub quorum: Option<QuorumNode>,
    /// In KRaft mode, the metadata log below the brokers.
    pub metadata: Option<MetadataStrip>,
    pub brokers: Vec<BrokerCard>,
    pub tokens: Rc<[Token]>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ZooKeeperNode {
    pub x: f64,
    pub y: f64,
    pub controller: Option<BrokerId>,
    pub controller_epoch: u32,
    /// Brokers with a live session.
    pub registered: usize,
    pub elections: u32,
}

/// A KRaft controller quorum, in ZooKeeper's place: a head line, then a
/// row per voter with its copy of the metadata log, then the brokers.
#[derive(Clone, Debug, PartialEq)]
pub struct QuorumNode {
    pub x: f64,
    pub y: f64,
    pub h: f64,
    pub voters: Vec<VoterRow>,
    pub active: Option<u32>,
    pub epoch: u32,
    pub elections: u32,
    /// Brokers unfenced in the committed metadata log, of all.
    pub unfenced: usize,
    pub brokers: usize,
}

/// `__cluster_metadata` drawn like a partition: its newest records,
/// committed left of the high watermark; above it where each voter's copy
/// ends, below it how far each broker has read.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataStrip {
    /// The top of the strip's band.
    pub y: f64,
    pub cells: Vec<MetadataCell>,
    /// The high watermark, and where it is drawn.
    pub high_watermark: u64,
    pub high_watermark_x: f64,
    /// Where voters' copies end: voters ending at one offset share a mark.
    pub voters: Vec<Mark>,
    /// How far brokers have read, likewise.
    pub brokers: Vec<Mark>,
}

/// One record of the metadata log.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataCell {
    pub offset: u64,
    pub x: f64,
    /// A letter for its kind: `·` a `NoOpRecord`, `C` a
    /// `PartitionChangeRecord`, …
    pub letter: &'static str,
    /// Its kind, as a CSS class.
    pub kind: &'static str,
    /// Its Kafka name.
    pub name: &'static str,
    /// Below the high watermark.
    pub committed: bool,
}

/// A mark on the metadata strip: at offset `offset`, drawn at `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub offset: u64,
    pub x: f64,
    pub label: String,
}

/// A metadata cell's width and the gap after it.
pub const METADATA_CELL: f64 = 22.0;
const METADATA_STEP: f64 = 24.0;
/// The strip's band: voters' marks, the cells, brokers' marks.
const METADATA_BAND: f64 = 78.0;

/// One voter's row in the quorum panel.
#[derive(Clone, Debug, PartialEq)]
pub struct VoterRow {
    pub id: u32,
    /// Its row's top.
    pub y: f64,
    /// "active", "voter", "dead" or "cut off".
    pub word: &'static str,
    /// Its copy of `__cluster_metadata`: where it ends, and the high
    /// watermark it knows.
    pub log_end: u64,
    pub high_watermark: u64,
    /// Also a broker (`process.roles=broker,controller`).
    pub broker: bool,
}

/// The quorum panel's head, above its voters' rows.
pub const QUORUM_HEAD: f64 = 30.0;
/// One voter's row.
pub const VOTER_ROW: f64 = 17.0;
/// Below the rows: the brokers and the elections.
const QUORUM_FOOT: f64 = 34.0;

/// How tall the quorum panel of `voters` voters is.
fn quorum_h(voters: usize) -> f64 {
    QUORUM_HEAD + voters as f64 * VOTER_ROW + QUORUM_FOOT
}

#[derive(Clone, Debug, PartialEq)]
pub struct BrokerCard {
    pub id: BrokerId,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// "running", "✕ dead", "cut off", …
    pub status: &'static str,
    /// In KRaft mode, how far it has read the metadata log.
    pub metadata_offset: Option<u64>,
    pub down: bool,
    pub controller: bool,
    /// Groups it coordinates.
    pub coordinates: Vec<String>,
    pub chips: Vec<ReplicaChip>,
}

/// What a replica is to its partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// ZooKeeper's leader for the partition.
    Leader,
    /// A follower in the ISR.
    InSync,
    /// A follower that fell out of the ISR.
    OutOfSync,
    /// Believes it leads, but ZooKeeper has moved on: a zombie.
    Zombie,
}

impl Role {
    pub fn words(self) -> &'static str {
        match self {
            Role::Leader => "leader",
            Role::InSync => "follower, in sync",
            Role::OutOfSync => "follower, out of the ISR",
            Role::Zombie => "stale leader: ZooKeeper has elected another",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaChip {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub label: String,
    pub role: Role,
    pub log_end: u64,
    pub title: String,
}

struct Layout {
    /// The quorum's voters, top to bottom, in KRaft mode.
    voters: Vec<u32>,
    card_w: f64,
    card_h: f64,
    chip_w: f64,
    per_row: usize,
}

impl Layout {
    fn new(world: &ClusterWorld) -> Layout {
        let n = world.brokers.len().max(1) as f64;
        let card_w = (CARDS_W - CARD_GAP * (n - 1.0)) / n;
        let chip_w = if card_w >= 150.0 { 66.0 } else { 34.0 };
        let per_row =
            (((card_w - 2.0 * PAD + CHIP_GAP) / (chip_w + CHIP_GAP)).floor() as usize).max(1);
        let most = (0..world.brokers.len())
            .map(|b| replicas_on(world, BrokerId(b as u32)).len())
            .max()
            .unwrap_or(0);
        let rows = most.div_ceil(per_row).max(1) as f64;
        let voters: Vec<u32> = world
            .quorum
            .iter()
            .flat_map(|q| q.voters.iter().map(|v| v.id))
            .collect();
        let side_h = if voters.is_empty() {
            ZK_H
        } else {
            quorum_h(voters.len())
        };
        Layout {
            voters,
            card_w,
            card_h: (CARD_HEAD + rows * (CHIP_H + CHIP_GAP) + PAD).max(side_h),
            chip_w,
            per_row,
        }
    }

    fn card_x(&self, b: BrokerId) -> f64 {
        CARDS_X + b.index() as f64 * (self.card_w + CARD_GAP)
    }

    fn centre(&self, anchor: Anchor) -> (f64, f64) {
        match anchor {
            Anchor::ZooKeeper => (ZK_X + ZK_W, TOP + ZK_H / 2.0),
            Anchor::Broker(b) => (self.card_x(b) + self.card_w / 2.0, TOP + CARD_HEAD / 2.0),
            Anchor::Voter(id) => (ZK_X + ZK_W, self.voter_y(id) + VOTER_ROW / 2.0),
        }
    }

    /// The top of voter `id`'s row.
    fn voter_y(&self, id: u32) -> f64 {
        let row = self.voters.iter().position(|v| *v == id).unwrap_or(0);
        TOP + QUORUM_HEAD + row as f64 * VOTER_ROW
    }
}

/// Every replica `broker` hosts: (topic index, partition index).
fn replicas_on(world: &ClusterWorld, broker: BrokerId) -> Vec<(usize, usize)> {
    let mut on = Vec::new();
    for (t, partitions) in world.partitions.iter().enumerate() {
        for (p, state) in partitions.iter().enumerate() {
            if state.replicas.iter().any(|r| r.broker == broker) {
                on.push((t, p));
            }
        }
    }
    on
}

impl ClusterScene {
    /// The cluster of `world` at `clock_ms`; `topics` and `groups` name
    /// the topics and consumer groups.
    pub fn build(
        world: &ClusterWorld,
        topics: &[String],
        groups: &[String],
        clock_ms: f64,
    ) -> ClusterScene {
        let layout = Layout::new(world);
        let brokers = world
            .brokers
            .iter()
            .map(|b| {
                let x = layout.card_x(b.id);
                let chips = replicas_on(world, b.id)
                    .into_iter()
                    .enumerate()
                    .map(|(i, (t, p))| {
                        let state = &world.partitions[t][p];
                        let replica = state
                            .replicas
                            .iter()
                            .find(|r| r.broker == b.id)
                            .expect("listed because it hosts one");
                        let role = if state.leader == Some(b.id) {
                            Role::Leader
                        } else if replica.believes_leader && b.alive {
                            Role::Zombie
                        } else if state.isr.contains(&b.id) {
                            Role::InSync
                        } else {
                            Role::OutOfSync
                        };
                        let topic = topics.get(t).map_or("?", String::as_str);
                        let label = if layout.chip_w > 40.0 {
                            format!("{}·P{p}", short(topic))
                        } else {
                            format!("P{p}")
                        };
                        let (row, col) = (i / layout.per_row, i % layout.per_row);
                        ReplicaChip {
                            x: x + PAD + col as f64 * (layout.chip_w + CHIP_GAP),
                            y: TOP + CARD_HEAD + row as f64 * (CHIP_H + CHIP_GAP),
                            w: layout.chip_w,
                            label,
                            role,
                            log_end: replica.log_end,
                            title: format!(
                                "{topic} partition {p} on broker {}: {}; log end {}, high watermark {}; leader epoch {}",
                                b.id.0,
                                role.words(),
                                replica.log_end,
                                replica.high_watermark,
                                state.leader_epoch
                            ),
                        }
                    })
                    .collect();
                let kraft = world.quorum.is_some();
                let (status, down) = match (b.alive, b.isolated, b.registered) {
                    (false, _, _) if b.stopped => ("✕ stopped", true),
                    (false, _, _) => ("✕ dead", true),
                    (true, false, _) if b.shutting_down => ("shutting down", false),
                    (true, true, _) if kraft => ("cut off from the controllers", false),
                    (true, true, _) => ("cut off from ZooKeeper", false),
                    (true, false, false) if kraft => ("fenced", false),
                    (true, false, false) => ("starting: not registered", false),
                    (true, false, true) => ("running", false),
                };
                BrokerCard {
                    id: b.id,
                    x,
                    y: TOP,
                    w: layout.card_w,
                    h: layout.card_h,
                    status,
                    metadata_offset: kraft.then_some(b.metadata_offset),
                    down,
                    controller: world.controller == Some(b.id),
                    coordinates: world
                        .coordinators
                        .iter()
                        .filter(|(_, c)| **c == b.id)
                        .filter_map(|(g, _)| groups.get(g.index()).cloned())
                        .collect(),
                    chips,
                }
            })
            .collect();
        let tokens = world
            .flights
            .iter()
            .enumerate()
            .filter_map(|(i, f)| token(&layout, f, i, clock_ms))
            .collect::<Vec<_>>()
            .into();
        ClusterScene {
            width: WIDTH,
            height: TOP
                + layout.card_h
                + 16.0
                + if world.quorum.is_some() {
                    METADATA_BAND
                } else {
                    0.0
                },
            zookeeper: ZooKeeperNode {
                x: ZK_X,
                y: TOP,
                controller: world.controller,
                controller_epoch: world.controller_epoch,
                registered: world.brokers.iter().filter(|b| b.registered).count(),
                elections: world.elections,
            },
            quorum: world.quorum.as_ref().map(|q| quorum(world, q, &layout)),
            metadata: world
                .quorum
                .as_ref()
                .map(|q| metadata_strip(world, q, TOP + layout.card_h + 16.0)),
            brokers,
            tokens,
        }
    }
}

/// The quorum's panel: each voter as it is. A voter numbered below 100
/// is a broker too (`process.roles=broker,controller`), alive as its
/// broker is.
fn quorum(world: &ClusterWorld, q: &QuorumView, layout: &Layout) -> QuorumNode {
    let voters: Vec<VoterRow> = q
        .voters
        .iter()
        .map(|v| {
            let broker = world.brokers.iter().find(|b| b.id.0 == v.id);
            let status = match broker {
                Some(b) if !b.alive => VoterStatus::Dead,
                Some(b) if b.isolated => VoterStatus::CutOff,
                Some(_) => VoterStatus::Running,
                None => v.status,
            };
            let word = match status {
                VoterStatus::Dead => "dead",
                VoterStatus::CutOff => "cut off",
                VoterStatus::Running if q.active == Some(v.id) => "active",
                VoterStatus::Running => "voter",
            };
            VoterRow {
                id: v.id,
                y: layout.voter_y(v.id),
                word,
                log_end: v.log_end,
                high_watermark: v.high_watermark,
                broker: broker.is_some(),
            }
        })
        .collect();
    let active = q
        .active
        .filter(|a| voters.iter().any(|v| v.id == *a && v.word == "active"));
    QuorumNode {
        x: ZK_X,
        y: TOP,
        h: quorum_h(voters.len()),
        voters,
        active,
        epoch: q.epoch,
        elections: q.elections,
        // As the committed log says: a dead broker stays unfenced until an
        // active controller fences it.
        unfenced: world.brokers.iter().filter(|b| b.registered).count(),
        brokers: world.brokers.len(),
    }
}

/// Why a cluster takes as long as it does to replace a dead broker's
/// leaderships: the settings that decide it, under Kafka's names.
pub fn failover_settings(cluster: &ClusterSpec) -> String {
    match &cluster.metadata {
        MetadataSpec::Zookeeper => format!(
            "zookeeper.session.timeout.ms {} ms (heartbeats every {} ms): a dead broker is noticed when its session expires",
            cluster.zookeeper_session_timeout_ms,
            (cluster.zookeeper_session_timeout_ms / 3).max(1)
        ),
        MetadataSpec::Kraft(k) => format!(
            "broker.session.timeout.ms {} ms (heartbeats every {} ms) · {} controllers: a dead broker is fenced when its session expires",
            k.broker_session_timeout_ms, k.broker_heartbeat_interval_ms, k.controllers
        ),
    }
}

/// The metadata log's strip, its band starting at `y`.
fn metadata_strip(world: &ClusterWorld, q: &QuorumView, y: f64) -> MetadataStrip {
    let first = q.log.first().map_or(0, |(o, _)| *o);
    let end = q.log.last().map_or(0, |(o, _)| o + 1);
    // Where offset `o`'s cell starts: before the first cell kept, at the
    // strip's left edge.
    let x_of = |o: u64| CARDS_X + o.clamp(first, end).saturating_sub(first) as f64 * METADATA_STEP;
    let leader = q.active.and_then(|a| q.voter(a));
    let high_watermark = leader
        .or_else(|| q.voters.iter().max_by_key(|v| v.high_watermark))
        .map_or(0, |v| v.high_watermark);
    let cells = q
        .log
        .iter()
        .map(|(offset, record)| {
            let (letter, kind) = letter(record);
            MetadataCell {
                offset: *offset,
                x: x_of(*offset),
                letter,
                kind,
                name: kafka_name(record),
                committed: *offset < high_watermark,
            }
        })
        .collect();
    let marks = |ends: Vec<(u64, String)>| {
        let mut marks: Vec<Mark> = Vec::new();
        for (offset, label) in ends {
            match marks.iter_mut().find(|m| m.offset == offset) {
                Some(mark) => mark.label = format!("{} {label}", mark.label),
                None => marks.push(Mark {
                    offset,
                    x: x_of(offset),
                    label,
                }),
            }
        }
        marks
    };
    MetadataStrip {
        y,
        cells,
        high_watermark,
        high_watermark_x: x_of(high_watermark),
        voters: marks(
            q.voters
                .iter()
                .map(|v| (v.log_end, v.id.to_string()))
                .collect(),
        ),
        brokers: marks(
            world
                .brokers
                .iter()
                .filter(|b| b.alive)
                .map(|b| (b.metadata_offset, format!("b{}", b.id.0)))
                .collect(),
        ),
    }
}

/// A metadata record's letter and kind (a CSS class).
fn letter(record: &MetadataRecord) -> (&'static str, &'static str) {
    match record {
        MetadataRecord::LeaderChange { .. } => ("L", "leader-change"),
        MetadataRecord::NoOp => ("·", "no-op"),
        MetadataRecord::RegisterBroker { .. } => ("R", "broker"),
        MetadataRecord::BrokerRegistrationChange {
            fenced: Some(true), ..
        } => ("F", "broker"),
        MetadataRecord::BrokerRegistrationChange {
            fenced: Some(false),
            ..
        } => ("U", "broker"),
        MetadataRecord::BrokerRegistrationChange { .. } => ("S", "broker"),
        MetadataRecord::Topic { .. } => ("T", "topic"),
        MetadataRecord::Partition { .. } => ("P", "partition"),
        MetadataRecord::PartitionChange { .. } => ("C", "partition"),
    }
}

/// A metadata record's name in Kafka.
pub fn kafka_name(record: &MetadataRecord) -> &'static str {
    match record {
        MetadataRecord::LeaderChange { .. } => "LeaderChangeMessage",
        MetadataRecord::NoOp => "NoOpRecord",
        MetadataRecord::RegisterBroker { .. } => "RegisterBrokerRecord",
        MetadataRecord::BrokerRegistrationChange { .. } => "BrokerRegistrationChangeRecord",
        MetadataRecord::Topic { .. } => "TopicRecord",
        MetadataRecord::Partition { .. } => "PartitionRecord",
        MetadataRecord::PartitionChange { .. } => "PartitionChangeRecord",
    }
}

/// A topic's name cut to fit a chip.
fn short(topic: &str) -> String {
    topic.chars().take(6).collect()
}

fn token(layout: &Layout, flight: &Flight, index: usize, clock_ms: f64) -> Option<Token> {
    let (x0, y0) = layout.centre(flight.from);
    let (x1, y1) = layout.centre(flight.to);
    let f = progress(
        flight.start.as_millis() as f64,
        flight.end.as_millis() as f64,
        clock_ms,
    );
    let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
    let id = format!("cluster-{index}-{}", flight.start.as_millis());
    let broker = |a: Anchor| match a {
        Anchor::Broker(b) => format!("broker {}", b.0),
        Anchor::ZooKeeper => "ZooKeeper".to_string(),
        Anchor::Voter(id) => format!("controller {id}"),
    };
    let (shape, colour, letter, title) = match &flight.cargo {
        Cargo::Heartbeat => (
            TokenShape::Heartbeat,
            "#d6336c",
            String::new(),
            format!(
                "{} heartbeats to ZooKeeper: its session stays alive",
                broker(flight.from)
            ),
        ),
        Cargo::ReplicaFetch => (
            TokenShape::FetchRequest,
            "#636363",
            String::new(),
            format!(
                "{} fetches from its leader, {}: followers pull",
                broker(flight.from),
                broker(flight.to)
            ),
        ),
        Cargo::Replicated { records: 0, .. } => return None,
        Cargo::Replicated { tp, records, .. } => (
            TokenShape::Record,
            "#4a6fa5",
            records.to_string(),
            format!(
                "{records} records of P{} copied from {} to {}",
                tp.partition,
                broker(flight.from),
                broker(flight.to)
            ),
        ),
        Cargo::Metadata { records, .. } if records.is_empty() => return None,
        Cargo::Metadata {
            records,
            log_end,
            high_watermark,
            ..
        } => {
            let idle = records.iter().all(|r| *r == MetadataRecord::NoOp);
            let kinds: Vec<&str> = records.iter().map(kafka_name).collect();
            (
                if idle {
                    TokenShape::Heartbeat
                } else {
                    TokenShape::LeaderAndIsr
                },
                if idle { "#9e9ac8" } else { "#54278f" },
                if idle { String::new() } else { "M".to_string() },
                format!(
                    "{} sends {} the metadata log's {}: its log will end at {log_end}, committed below {high_watermark}",
                    broker(flight.from),
                    broker(flight.to),
                    kinds.join(", ")
                ),
            )
        }
        Cargo::LeaderAndIsr { tp, leader, epoch } => (
            TokenShape::LeaderAndIsr,
            "#7b3294",
            "L".to_string(),
            format!(
                "LeaderAndIsr from the controller: P{} is now led by {} (epoch {epoch})",
                tp.partition,
                leader.map_or("no one: offline".to_string(), |b| format!("broker {}", b.0))
            ),
        ),
    };
    Some(Token {
        id,
        shape,
        x,
        y,
        colour,
        letter,
        title,
        carries: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::Playback;
    use mqsim::scenario::presets::Preset;

    /// The leader-failover preset with its brokers, topic size and timeline
    /// changed; the scene at `at_ms`.
    fn scene(brokers: u32, partitions: u32, timeline: &str, at_ms: f64) -> ClusterScene {
        let mut file = Preset::find("leader-failover")
            .expect("preset")
            .scenario()
            .file()
            .clone();
        file.kafka.cluster.brokers = brokers;
        file.kafka.topics[0].partitions = partitions;
        file.kafka.topics[0].replication_factor = brokers.min(3);
        file.kafka.topics[0].min_insync_replicas = 1;
        file.timeline = serde_json::from_str(timeline).expect("timeline");
        let mut p = Playback::new(file.validate().expect("valid"));
        p.advance_to(at_ms);
        ClusterScene::build(&p.world().cluster, &["orders".into()], &[], p.clock_ms())
    }

    /// From 1 to 9 brokers and up to 48 partitions, cards sit side by side
    /// within the width and every chip stays inside its card.
    #[test]
    fn cards_and_chips_fit_for_any_cluster_size() {
        for brokers in 1..=9 {
            for partitions in [1, 12, 48] {
                let s = scene(brokers, partitions, "[]", 0.0);
                assert_eq!(s.brokers.len(), brokers as usize);
                for pair in s.brokers.windows(2) {
                    assert!(
                        pair[0].x + pair[0].w < pair[1].x,
                        "{brokers} brokers overlap"
                    );
                }
                let last = s.brokers.last().unwrap();
                assert!(last.x + last.w <= WIDTH);
                let chips: usize = s.brokers.iter().map(|b| b.chips.len()).sum();
                assert_eq!(
                    chips,
                    (partitions * brokers.min(3)) as usize,
                    "every replica drawn"
                );
                for b in &s.brokers {
                    for c in &b.chips {
                        assert!(
                            c.x >= b.x && c.x + c.w <= b.x + b.w,
                            "{brokers}/{partitions}"
                        );
                        assert!(c.y + CHIP_H <= b.y + b.h, "{brokers}/{partitions}");
                    }
                }
            }
        }
    }

    /// An isolated leader keeps leading in its own eyes after ZooKeeper
    /// has elected another: its chip says so.
    #[test]
    fn an_isolated_leader_is_drawn_as_a_zombie() {
        let s = scene(
            3,
            3,
            r#"[{ "at_ms": 5000, "do": "broker_isolate", "broker": 1 }]"#,
            20_000.0,
        );
        let isolated = &s.brokers[1];
        assert_eq!(isolated.status, "cut off from ZooKeeper");
        assert!(
            isolated.chips.iter().any(|c| c.role == Role::Zombie),
            "{:?}",
            isolated.chips
        );
        let leaders = s
            .brokers
            .iter()
            .flat_map(|b| &b.chips)
            .filter(|c| c.role == Role::Leader)
            .count();
        assert_eq!(leaders, 3, "ZooKeeper records one leader per partition");
    }

    /// In KRaft mode the quorum panel has a row per voter with its copy of
    /// the metadata log, inside the panel and inside the band; brokers show
    /// how far they have read it; metadata flies from the active controller.
    #[test]
    fn the_quorum_shows_each_voters_log_and_the_brokers_metadata_offsets() {
        let scenario = Preset::find("kraft-controller-failover")
            .expect("preset")
            .scenario();
        let mut p = Playback::new(scenario);
        let mut saw_metadata = false;
        for at in (1_000..30_000).step_by(50) {
            p.advance_to(at as f64);
            let s = ClusterScene::build(&p.world().cluster, &["orders".into()], &[], p.clock_ms());
            saw_metadata |= s.tokens.iter().any(|t| t.title.contains("metadata log"));
        }
        assert!(saw_metadata, "metadata records drawn on their way");
        let s = ClusterScene::build(&p.world().cluster, &["orders".into()], &[], p.clock_ms());
        let q = s.quorum.as_ref().expect("KRaft draws the quorum");
        let ids: Vec<u32> = q.voters.iter().map(|v| v.id).collect();
        assert_eq!(ids, [100, 101, 102]);
        assert_eq!(q.voters[0].word, "dead");
        assert_eq!(q.active, Some(101));
        for v in &q.voters {
            assert!(v.y >= q.y && v.y + VOTER_ROW <= q.y + q.h);
            assert!(v.high_watermark <= v.log_end);
        }
        assert!(q.y + q.h <= s.height);
        let leader = &q.voters[1];
        assert!(
            leader.log_end > 60,
            "two NoOps a second: {}",
            leader.log_end
        );
        // The follower and the live brokers have read almost all of it;
        // the dead voter's copy stopped when it died.
        assert!(q.voters[2].log_end + 3 >= leader.log_end);
        assert!(q.voters[0].log_end < leader.log_end);
        // The metadata log: its newest records in a row, consecutive,
        // committed left of the high watermark, inside the picture.
        let m = s.metadata.as_ref().expect("KRaft draws the metadata log");
        assert!(!m.cells.is_empty() && m.cells.len() <= crate::cluster::world::METADATA_TAIL);
        for pair in m.cells.windows(2) {
            assert_eq!(pair[1].offset, pair[0].offset + 1);
            assert!(pair[0].x + METADATA_CELL < pair[1].x);
        }
        let last = m.cells.last().unwrap();
        assert_eq!(last.offset + 1, leader.log_end);
        assert!(last.x + METADATA_CELL <= WIDTH && m.y + METADATA_BAND <= s.height);
        assert_eq!(m.high_watermark, leader.high_watermark);
        for c in &m.cells {
            assert_eq!(c.committed, c.offset < m.high_watermark);
        }
        let ends: Vec<&str> = m.voters.iter().map(|v| v.label.as_str()).collect();
        assert!(ends.iter().any(|l| l.contains("101")), "{ends:?}");
        assert!(m.cells.iter().any(|c| c.name == "NoOpRecord"));
        for b in &s.brokers {
            let read = b.metadata_offset.expect("KRaft brokers read the log");
            if b.down {
                assert!(read + 20 < leader.high_watermark, "broker {}", b.id.0);
            } else {
                assert!(read + 3 >= leader.high_watermark, "broker {}", b.id.0);
            }
        }
    }
}
