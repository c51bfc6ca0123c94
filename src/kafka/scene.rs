//! The Kafka scene: everything on screen at one instant, as plain numbers.
//!
//! [`Scene::build`] is a pure function of the [`World`] and the clock. It
//! lays out producers, partition logs and consumers, and places every
//! travelling message on the line between its two ends, eased by how far
//! through its flight it is. The SVG components only draw what it returns,
//! and the tests check it without a browser.

use super::share::{SharePartitionView, ShareState};
use super::world::{Anchor, Cargo, ConsumerStatus, Flight, World};
use crate::picture::{
    DETAILED_TOKENS, Palette, Token, TokenShape, UNKEYED_COLOUR, fit, key_letter, progress,
};
use crate::playback::Subject;
use mqsim::ids::{ConsumerId, GroupId, ProducerId, RecordId, TopicId, TopicPartition};
use std::rc::Rc;

/// Offsets visible in one partition strip; older ones scroll off the left.
pub const CELLS: u64 = 14;
const CELL_W: f64 = 30.0;
const ROW_H: f64 = 64.0;
/// Each group after the first draws its marker (a committed offset, or a
/// share group's window) on a line of its own under the strips.
const MARKER_LINE_H: f64 = 13.0;
const TOP: f64 = 56.0;
const WIDTH: f64 = 1000.0;
const PRODUCER_X: f64 = 20.0;
pub const NODE_W: f64 = 130.0;
pub const NODE_H: f64 = 60.0;
const STRIP_X: f64 = 270.0;
pub const STRIP_H: f64 = 30.0;
const CONSUMER_X: f64 = 810.0;
pub const CONSUMER_W: f64 = 170.0;
pub const CONSUMER_H: f64 = 72.0;
/// A member's card when the groups have more members than
/// [`FULL_CARDS_UP_TO`]: two lines, so that a class sees every member of a
/// big group (a share group of ten, say) without scrolling.
pub const COMPACT_H: f64 = 36.0;
const FULL_CARDS_UP_TO: usize = 6;
const GROUP_GAP: f64 = 28.0;
/// Where assignment links leave a strip: after its "log end" label.
const LINK_X: f64 = STRIP_X + CELLS as f64 * CELL_W + 82.0;

/// Colours for consumers, used for their assignment links.
const CONSUMER_COLOURS: [&str; 6] = [
    "#2b8cbe", "#e34a33", "#2ca25f", "#8856a7", "#dd8800", "#636363",
];

fn consumer_colour(c: ConsumerId) -> &'static str {
    CONSUMER_COLOURS[c.index() % CONSUMER_COLOURS.len()]
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub width: f64,
    pub height: f64,
    pub clock_ms: f64,
    pub producers: Vec<ProducerNode>,
    pub strips: Vec<Strip>,
    pub groups: Vec<GroupNode>,
    pub links: Vec<Link>,
    pub tokens: Rc<[Token]>,
    pub lag_rows: Vec<LagRow>,
}

/// One group's position on one partition, for the offsets table.
#[derive(Clone, Debug, PartialEq)]
pub struct LagRow {
    pub group: String,
    pub topic: String,
    pub partition: u32,
    pub log_end: u64,
    pub committed: Option<u64>,
    pub lag: Option<u64>,
    pub owner: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ProducerNode {
    pub id: ProducerId,
    pub x: f64,
    pub y: f64,
    pub name: String,
    pub sent: u64,
    /// "sending", "not started" or "stopped".
    pub status: &'static str,
}

/// One partition drawn as a strip of offset cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Strip {
    pub tp: TopicPartition,
    /// Its topic's name.
    pub topic: String,
    pub label: String,
    /// A dead-letter topic, drawn apart from the others.
    pub dead_letter: bool,
    pub x: f64,
    pub y: f64,
    pub cell_w: f64,
    pub log_end: u64,
    /// The oldest offset retention kept (0 until retention deletes any).
    pub log_start: u64,
    /// A replicated partition's high watermark and where it is drawn:
    /// consumers read only below it.
    pub high_watermark: Option<(u64, f64)>,
    pub cells: Vec<Cell>,
    pub markers: Vec<CommitMarker>,
    /// Each share group's window on this partition, for those that read
    /// it; the cells show the first one's record states.
    pub shares: Vec<ShareWindow>,
}

impl Strip {
    /// How many of `now`'s cells `shown` does not have (at least one, when
    /// anything differs): what drawing the strip again costs.
    pub fn new_cells(shown: &Strip, now: &Strip) -> usize {
        let new = (now.cells.iter())
            .filter(|c| !shown.cells.iter().any(|old| old.offset == c.offset))
            .count();
        new.max(1)
    }
}

/// A share group's in-flight window on a partition (KIP-932): from the
/// share-partition start offset (SPSO) to the last record acquired.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareWindow {
    pub group: String,
    pub start: u64,
    pub end: u64,
    pub start_x: f64,
    pub end_x: f64,
    /// The start is older than the visible cells.
    pub off_strip: bool,
    pub acquired: u64,
    pub available: u64,
    pub archived: u64,
}

/// A record's place in a share group's window.
#[derive(Clone, Debug, PartialEq)]
pub struct CellShare {
    /// `available`, `acquired`, `acknowledged` or `archived` (a class).
    pub state: &'static str,
    /// Who holds it, by colour, while acquired.
    pub holder: Option<&'static str>,
    /// Deliveries so far.
    pub deliveries: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub x: f64,
    pub record: RecordId,
    pub offset: u64,
    pub colour: &'static str,
    pub letter: String,
    pub key: Option<Rc<str>>,
    /// Where it stands with a share group reading the partition.
    pub share: Option<CellShare>,
}

/// A group's committed offset on a partition, and its lag there.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitMarker {
    pub x: f64,
    pub group: String,
    pub offset: u64,
    pub lag: u64,
    /// True when the committed offset is older than the visible cells.
    pub off_strip: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupNode {
    pub name: String,
    pub generation: u32,
    /// On the consumer protocol: its group epoch.
    pub epoch: Option<u32>,
    pub rebalancing: bool,
    pub standalone: bool,
    /// A share group (KIP-932).
    pub share: bool,
    pub x: f64,
    pub y: f64,
    pub consumers: Vec<ConsumerNode>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerNode {
    pub id: ConsumerId,
    pub name: String,
    pub colour: &'static str,
    pub x: f64,
    pub y: f64,
    /// Drawn on a compact card ([`COMPACT_H`]).
    pub compact: bool,
    pub owns: String,
    /// `owns` in words, for a screen reader.
    pub owns_said: String,
    /// On the consumer protocol: its member epoch.
    pub epoch: Option<i64>,
    /// "running", "joining…", "crashed", … (also said in words, not only shown).
    pub status: &'static str,
    /// Crashed, left, or not started: drawn faded.
    pub down: bool,
    /// A live client's member: it reads and processes on its own.
    pub live: bool,
    pub processed: u64,
    pub duplicates: u64,
    /// Failed attempts at the record in progress, while it is retried.
    pub retrying: Option<u32>,
    /// Records given up on (dead-lettered or skipped).
    pub given_up: u64,
    /// Records fetched and waiting; the first is being processed.
    pub inbox: Vec<(&'static str, String)>,
}

/// An assignment: a consumer owns a partition, or (on the consumer
/// protocol) is giving it up or waiting for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub from: (f64, f64),
    pub to: (f64, f64),
    pub colour: &'static str,
    pub state: LinkState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    Owned,
    /// Still owned, but the coordinator told the member to give it up.
    Revoking,
    /// In the member's target; another member (or its own revocation)
    /// has to release it first.
    Awaiting,
}

impl LinkState {
    pub fn class(self) -> &'static str {
        match self {
            LinkState::Owned => "owned",
            LinkState::Revoking => "revoking",
            LinkState::Awaiting => "awaiting",
        }
    }
}

/// Where rows and nodes go for a world of this size.
struct Layout {
    /// First row of each topic's partitions.
    topic_rows: Vec<usize>,
    rows: usize,
    /// Taller when several groups draw their markers under the strips.
    row_h: f64,
    producer_count: usize,
    /// Consumer → (group position, position within the group).
    group_starts: Vec<f64>,
    /// Whether members are drawn on compact cards.
    compact: bool,
    height: f64,
}

impl Layout {
    fn new(world: &World) -> Layout {
        let mut topic_rows = Vec::new();
        let mut rows = 0;
        for t in &world.topics {
            topic_rows.push(rows);
            rows += t.partitions.len();
        }
        let members = |g: usize| world.consumers.iter().filter(move |c| c.group.index() == g);
        let listed_members = (0..world.groups.len())
            .filter(|&g| listed(world, g))
            .map(|g| members(g).count())
            .sum::<usize>();
        let compact = listed_members > FULL_CARDS_UP_TO;
        let mut group_starts = Vec::new();
        let mut y = TOP;
        for g in 0..world.groups.len() {
            group_starts.push(y);
            if listed(world, g) {
                y += GROUP_GAP + members(g).count() as f64 * member_pitch(compact);
            }
        }
        let producers_h = TOP + world.producers.len() as f64 * (NODE_H + 24.0);
        let marking = world.groups.iter().filter(|g| !g.standalone).count();
        let row_h = ROW_H + MARKER_LINE_H * marking.saturating_sub(1) as f64;
        let rows_h = TOP + rows as f64 * row_h + 24.0;
        Layout {
            topic_rows,
            rows,
            row_h,
            producer_count: world.producers.len(),
            group_starts,
            compact,
            height: rows_h.max(y).max(producers_h) + 16.0,
        }
    }

    fn row_y(&self, tp: TopicPartition) -> f64 {
        TOP + (self.topic_rows[tp.topic.index()] + tp.partition as usize) as f64 * self.row_h
    }

    fn producer_pos(&self, p: ProducerId) -> (f64, f64) {
        let area = self.rows as f64 * self.row_h;
        let used = self.producer_count as f64 * (NODE_H + 24.0);
        let top = TOP + ((area - used) / 2.0).max(0.0);
        (PRODUCER_X, top + p.index() as f64 * (NODE_H + 24.0))
    }

    fn consumer_pos(&self, world: &World, c: ConsumerId) -> (f64, f64) {
        let group = world.consumers[c.index()].group;
        let within = world.consumers[..c.index()]
            .iter()
            .filter(|o| o.group == group)
            .count();
        (
            CONSUMER_X,
            self.group_starts[group.index()] + 22.0 + within as f64 * member_pitch(self.compact),
        )
    }

    /// Where links and tokens meet a member's card: the middle of its left
    /// edge.
    fn consumer_anchor(&self, world: &World, c: ConsumerId) -> (f64, f64) {
        let (x, y) = self.consumer_pos(world, c);
        (x, y + card_height(self.compact) / 2.0)
    }
}

/// A member card's height.
pub fn card_height(compact: bool) -> f64 {
    if compact { COMPACT_H } else { CONSUMER_H }
}

/// From one member card's top to the next one's.
fn member_pitch(compact: bool) -> f64 {
    card_height(compact) + if compact { 4.0 } else { 12.0 }
}

/// Whether group `g` is drawn: once a member has started, as Kafka lists a
/// group once a member has joined it. A group the timeline starts later
/// takes no room until then.
fn listed(world: &World, g: usize) -> bool {
    let mut members = world.consumers.iter().filter(|c| c.group.index() == g);
    members.any(|c| c.status != ConsumerStatus::NotStarted)
}

/// A member's partitions as its card lists them: `owns P0, P1`, or by
/// topic when it reads several (`orders P0, P1 · returns P0`), cut to fit;
/// and the same in words. A consumer-protocol member on the move also
/// says what it gives up (`gives up P2`) and what it waits for
/// (`awaits P1`).
fn owned(
    world: &World,
    assigned: &[TopicPartition],
    revoking: &[TopicPartition],
    awaiting: &[TopicPartition],
) -> (String, String) {
    let kept: Vec<&TopicPartition> = (assigned.iter())
        .filter(|tp| !revoking.contains(tp))
        .collect();
    let one_topic = kept.iter().all(|tp| tp.topic == kept[0].topic);
    let mut shown = match kept.as_slice() {
        [] => "owns nothing".to_string(),
        _ if one_topic => format!("owns {}", by_topic(world, kept.into_iter())),
        _ => by_topic(world, kept.into_iter()),
    };
    let mut said = shown.clone();
    if !revoking.is_empty() {
        let tps = by_topic(world, revoking.iter());
        shown += &format!(" · gives up {tps}");
        said += &format!(", giving up {tps}");
    }
    if !awaiting.is_empty() {
        let tps = by_topic(world, awaiting.iter());
        shown += &format!(" · awaits {tps}");
        said += &format!(", waiting for {tps} to be released");
    }
    (fit(&shown, 28), said)
}

/// `P0, P1`, or by topic when there are several (`orders P0 · returns P1`).
fn by_topic<'a>(world: &World, tps: impl Iterator<Item = &'a TopicPartition>) -> String {
    let mut topics: Vec<(TopicId, Vec<String>)> = Vec::new();
    for tp in tps {
        let label = format!("P{}", tp.partition);
        match topics.iter_mut().find(|(t, _)| *t == tp.topic) {
            Some((_, list)) => list.push(label),
            None => topics.push((tp.topic, vec![label])),
        }
    }
    match topics.as_slice() {
        [(_, list)] => list.join(", "),
        _ => topics
            .iter()
            .map(|(t, list)| format!("{} {}", world.topics[t.index()].name, list.join(", ")))
            .collect::<Vec<_>>()
            .join(" · "),
    }
}

/// Where the record at `offset` stands with a share group: done below the
/// start (from where the group began), its state within the window,
/// nothing beyond.
fn cell_share(view: &SharePartitionView, offset: u64) -> Option<CellShare> {
    if offset < view.first {
        return None;
    }
    if offset < view.start {
        let archived = view.archived_offsets.contains(&offset);
        return Some(CellShare {
            state: if archived { "archived" } else { "done" },
            holder: None,
            deliveries: 0,
        });
    }
    let record = view.record(offset)?;
    let (state, holder) = match record.state {
        ShareState::Available => ("available", None),
        ShareState::Acquired(c) => ("acquired", Some(consumer_colour(c))),
        ShareState::Acknowledged => ("acknowledged", None),
        ShareState::Archived => ("archived", None),
    };
    Some(CellShare {
        state,
        holder,
        deliveries: record.deliveries,
    })
}

/// The first visible offset of a strip whose log ends at `log_end`.
fn window_start(log_end: u64) -> u64 {
    log_end.saturating_sub(CELLS)
}

/// The x of the boundary before `offset` on a strip (clamped to the strip).
fn boundary_x(offset: u64, log_end: u64) -> f64 {
    let start = window_start(log_end);
    STRIP_X + offset.saturating_sub(start).min(CELLS) as f64 * CELL_W
}

impl Scene {
    /// The scene for `world` at `clock_ms`.
    pub fn build(world: &World, clock_ms: f64) -> Scene {
        let layout = Layout::new(world);
        let palette = Palette::new(&world.known_keys);
        let producers = world
            .producers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (x, y) = layout.producer_pos(ProducerId(i as u32));
                ProducerNode {
                    id: ProducerId(i as u32),
                    x,
                    y,
                    name: p.name.clone(),
                    sent: p.sent,
                    status: match (p.running, p.sent) {
                        (true, _) => "sending",
                        (false, 0) => "not started",
                        (false, _) => "stopped",
                    },
                }
            })
            .collect();

        let mut strips = Vec::new();
        for (t, topic) in world.topics.iter().enumerate() {
            for (p, part) in topic.partitions.iter().enumerate() {
                let tp = TopicPartition {
                    topic: TopicId(t as u32),
                    partition: p as u32,
                };
                let start = window_start(part.log_end);
                let shared: Vec<_> = (world.groups.iter())
                    .filter_map(|g| g.shares.get(&tp).map(|view| (g, view)))
                    .collect();
                let cells = part
                    .recent
                    .iter()
                    .filter(|r| r.offset >= start)
                    .map(|r| Cell {
                        x: STRIP_X + (r.offset - start) as f64 * CELL_W,
                        record: r.record,
                        offset: r.offset,
                        colour: palette.colour(r.key.as_deref()),
                        letter: key_letter(r.key.as_deref()),
                        key: r.key.clone(),
                        share: (shared.first()).and_then(|(_, view)| cell_share(view, r.offset)),
                    })
                    .collect();
                let shares = (shared.into_iter()).map(|(g, view)| {
                    let count = |state: fn(&ShareState) -> bool| {
                        view.records.iter().filter(|r| state(&r.state)).count() as u64
                    };
                    ShareWindow {
                        group: g.name.clone(),
                        start: view.start,
                        end: view.end(),
                        start_x: boundary_x(view.start, part.log_end),
                        end_x: boundary_x(view.end(), part.log_end),
                        off_strip: view.start < start,
                        acquired: count(|s| matches!(s, ShareState::Acquired(_))),
                        available: count(|s| *s == ShareState::Available),
                        archived: view.archived,
                    }
                });
                let markers = world
                    .groups
                    .iter()
                    .enumerate()
                    .filter(|(_, g)| g.topics.contains(&topic.name))
                    .filter_map(|(g, group)| {
                        let offset = *group.committed.get(&tp)?;
                        Some(CommitMarker {
                            x: boundary_x(offset, part.log_end),
                            group: group.name.clone(),
                            offset,
                            lag: world.lag(GroupId(g as u32), tp).unwrap_or(0),
                            off_strip: offset < start,
                        })
                    })
                    .collect();
                strips.push(Strip {
                    tp,
                    topic: topic.name.clone(),
                    label: format!("{} · P{}", topic.name, p),
                    dead_letter: topic.dead_letter,
                    x: STRIP_X,
                    y: layout.row_y(tp),
                    cell_w: CELL_W,
                    log_end: part.log_end,
                    log_start: part.log_start,
                    high_watermark: world
                        .cluster
                        .partition(tp)
                        .filter(|p| p.replicas.len() > 1)
                        .map(|p| {
                            let hw = p.high_watermark();
                            (hw, boundary_x(hw, part.log_end))
                        }),
                    cells,
                    markers,
                    shares: shares.collect(),
                });
            }
        }

        let mut links = Vec::new();
        let groups = world
            .groups
            .iter()
            .enumerate()
            .filter(|(g, _)| listed(world, *g))
            .map(|(g, group)| {
                let consumers: Vec<ConsumerNode> = world
                    .consumers
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.group.index() == g)
                    .map(|(i, c)| {
                        let id = ConsumerId(i as u32);
                        let (x, y) = layout.consumer_pos(world, id);
                        let anchor = layout.consumer_anchor(world, id);
                        let revoking: Vec<TopicPartition> = c.revoking().collect();
                        let awaiting: Vec<TopicPartition> = c.awaiting().collect();
                        let states = c.assigned.iter().map(|&tp| {
                            let revoked = revoking.contains(&tp);
                            (
                                tp,
                                if revoked {
                                    LinkState::Revoking
                                } else {
                                    LinkState::Owned
                                },
                            )
                        });
                        let waits = awaiting.iter().map(|&tp| (tp, LinkState::Awaiting));
                        for (tp, state) in states.chain(waits) {
                            links.push(Link {
                                from: (LINK_X, layout.row_y(tp) + STRIP_H / 2.0),
                                to: anchor,
                                colour: consumer_colour(id),
                                state,
                            });
                        }
                        let (status, down) = match c.status {
                            ConsumerStatus::NotStarted => ("not started", true),
                            ConsumerStatus::Joining => ("joining the group…", false),
                            ConsumerStatus::Running => ("running", false),
                            ConsumerStatus::Crashed => ("✕ crashed", true),
                            ConsumerStatus::Left => ("left the group", true),
                        };
                        let (owns, owns_said) = if down {
                            (status.to_string(), status.to_string())
                        } else if c.assigned.is_empty() && awaiting.is_empty() {
                            let line = if c.status == ConsumerStatus::Joining {
                                "waiting for an assignment"
                            } else {
                                "idle: no partition"
                            };
                            (line.to_string(), line.to_string())
                        } else if group.share {
                            // A share group's members share partitions:
                            // nobody owns one.
                            let (shown, said) = owned(world, &c.assigned, &[], &[]);
                            let shares = |line: String| line.replacen("owns", "shares", 1);
                            (shares(shown), shares(said))
                        } else {
                            owned(world, &c.assigned, &revoking, &awaiting)
                        };
                        ConsumerNode {
                            id,
                            name: c.name.clone(),
                            colour: consumer_colour(id),
                            x,
                            y,
                            compact: layout.compact,
                            owns,
                            owns_said,
                            epoch: c.member.as_ref().filter(|_| !down).map(|m| m.epoch),
                            status,
                            down,
                            live: group.live,
                            processed: c.processed,
                            duplicates: c.duplicates,
                            retrying: c.retrying,
                            given_up: c.given_up,
                            inbox: c
                                .inbox
                                .iter()
                                .map(|r| {
                                    (
                                        palette.colour(r.key.as_deref()),
                                        key_letter(r.key.as_deref()),
                                    )
                                })
                                .collect(),
                        }
                    })
                    .collect();
                GroupNode {
                    name: group.name.clone(),
                    generation: group.generation,
                    epoch: group.epoch,
                    rebalancing: group.rebalancing,
                    standalone: group.standalone,
                    share: group.share,
                    x: CONSUMER_X,
                    y: layout.group_starts[g],
                    consumers,
                }
            })
            .collect();

        // A crowd is drawn as dots: no ids, letters or titles to make.
        let detailed = world.flights.len() <= DETAILED_TOKENS;
        let tokens = world
            .flights
            .iter()
            .enumerate()
            .map(|(i, f)| {
                if detailed {
                    token(world, &layout, &palette, f, i, clock_ms)
                } else {
                    dot(world, &layout, &palette, f, clock_ms)
                }
            })
            .collect::<Vec<_>>()
            .into();

        Scene {
            width: WIDTH,
            height: layout.height,
            clock_ms,
            producers,
            strips,
            groups,
            links,
            tokens,
            lag_rows: lag_rows(world),
        }
    }
}

/// Every group's committed offset and lag on every partition it reads.
fn lag_rows(world: &World) -> Vec<LagRow> {
    let mut rows = Vec::new();
    for (g, group) in world.groups.iter().enumerate() {
        for (t, topic) in world
            .topics
            .iter()
            .enumerate()
            .filter(|(_, t)| group.topics.contains(&t.name))
        {
            for (p, part) in topic.partitions.iter().enumerate() {
                let tp = TopicPartition {
                    topic: TopicId(t as u32),
                    partition: p as u32,
                };
                rows.push(LagRow {
                    group: group.name.clone(),
                    topic: topic.name.clone(),
                    partition: p as u32,
                    log_end: part.log_end,
                    committed: group.committed.get(&tp).copied(),
                    lag: world.lag(GroupId(g as u32), tp),
                    owner: world
                        .consumers
                        .iter()
                        .find(|c| c.group.index() == g && c.assigned.contains(&tp))
                        .map(|c| c.name.clone()),
                });
            }
        }
    }
    rows
}

/// Where an anchor is on screen.
fn anchor_pos(world: &World, layout: &Layout, anchor: Anchor) -> (f64, f64) {
    match anchor {
        Anchor::Producer(p) => {
            let (x, y) = layout.producer_pos(p);
            (x + NODE_W, y + NODE_H / 2.0)
        }
        Anchor::LogEnd(tp) => {
            let log_end = world.partition(tp).log_end;
            (
                boundary_x(log_end, log_end) + CELL_W / 2.0,
                layout.row_y(tp) + STRIP_H / 2.0,
            )
        }
        Anchor::Cell(tp, offset) => {
            let log_end = world.partition(tp).log_end;
            (
                boundary_x(offset, log_end) + CELL_W / 2.0,
                layout.row_y(tp) + STRIP_H / 2.0,
            )
        }
        Anchor::Committed(g, tp) => {
            let log_end = world.partition(tp).log_end;
            let offset = world.groups[g.index()]
                .committed
                .get(&tp)
                .copied()
                .unwrap_or(0);
            (
                boundary_x(offset, log_end),
                layout.row_y(tp) + STRIP_H + 8.0,
            )
        }
        Anchor::Consumer(c) => layout.consumer_anchor(world, c),
    }
}

/// Where `flight` is at `clock_ms`, between its two ends.
fn flight_pos(world: &World, layout: &Layout, flight: &Flight, clock_ms: f64) -> (f64, f64) {
    let (x0, y0) = anchor_pos(world, layout, flight.from);
    let (x1, y1) = anchor_pos(world, layout, flight.to);
    let f = progress(
        flight.start.as_millis() as f64,
        flight.end.as_millis() as f64,
        clock_ms,
    );
    (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f)
}

/// A flight's shape and colour: a record in its key's colour, a fetch
/// request in its consumer's, a commit in black.
fn look(palette: &Palette, flight: &Flight) -> (TokenShape, &'static str) {
    match &flight.cargo {
        Cargo::Record(r) => (TokenShape::Record, palette.colour(r.key.as_deref())),
        Cargo::FetchRequest => (
            TokenShape::FetchRequest,
            match flight.from {
                Anchor::Consumer(c) => consumer_colour(c),
                _ => UNKEYED_COLOUR,
            },
        ),
        Cargo::Commit { .. } => (TokenShape::Commit, "#222"),
    }
}

/// A flight in a crowd: where it is, its shape and colour, nothing more.
fn dot(world: &World, layout: &Layout, palette: &Palette, flight: &Flight, clock_ms: f64) -> Token {
    let (x, y) = flight_pos(world, layout, flight, clock_ms);
    let (shape, colour) = look(palette, flight);
    Token::dot(shape, (x, y), colour)
}

fn token(
    world: &World,
    layout: &Layout,
    palette: &Palette,
    flight: &Flight,
    index: usize,
    clock_ms: f64,
) -> Token {
    let (x, y) = flight_pos(world, layout, flight, clock_ms);
    let (shape, colour) = look(palette, flight);
    let start = flight.start.as_millis();
    match &flight.cargo {
        Cargo::Record(r) => {
            let key = r.key.as_deref();
            let title = match (flight.lands_in, key) {
                (Some(_), Some(k)) => format!(
                    "record key {k}, offset {} of P{}, fetched",
                    r.offset, r.tp.partition
                ),
                (Some(_), None) => format!(
                    "unkeyed record, offset {} of P{}, fetched",
                    r.offset, r.tp.partition
                ),
                (None, Some(k)) => format!("record key {k} to partition {}", r.tp.partition),
                (None, None) => format!("unkeyed record to partition {}", r.tp.partition),
            };
            let hop = if flight.lands_in.is_some() {
                "fetch"
            } else {
                "produce"
            };
            Token {
                id: format!("{hop}-{}-{}-{}", r.record.0, r.offset, start),
                shape,
                x,
                y,
                colour,
                letter: key_letter(key),
                title,
                carries: Some(Subject::Record(r.record)),
            }
        }
        Cargo::FetchRequest => Token {
            id: format!("pull-{index}-{start}"),
            shape,
            x,
            y,
            colour,
            letter: String::new(),
            title: "fetch request: the consumer pulls".to_string(),
            carries: None,
        },
        Cargo::Commit { offset } => Token {
            id: format!("commit-{index}-{start}"),
            shape,
            x,
            y,
            colour,
            letter: offset.to_string(),
            title: format!("offset commit: next read starts at {offset}"),
            carries: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::Playback;
    use mqsim::kafka::partitioner::partition_for_key;

    /// A group the timeline starts at 3 s is not drawn before then, and
    /// takes no room; once its members join it is drawn below the first.
    #[test]
    fn a_group_started_later_is_drawn_from_when_it_starts() {
        let mut file = mqsim::scenario::presets::default_scenario().file().clone();
        let mut audit = file.kafka.groups[0].clone();
        audit.name = "audit".into();
        for member in &mut audit.members {
            member.name = format!("auditor-{}", member.name);
        }
        file.timeline.push(mqsim::scenario::TimelineEntry {
            at_ms: 3_000,
            action: mqsim::scenario::Intervention::GroupAdd { group: audit },
        });
        let mut p = Playback::new(file.validate().expect("valid"));
        p.advance_to(2_000.0);
        let before = Scene::build(p.world(), p.clock_ms());
        let names = |scene: &Scene| {
            scene
                .groups
                .iter()
                .map(|g| g.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&before), ["notifications"]);
        p.advance_to(5_000.0);
        let after = Scene::build(p.world(), p.clock_ms());
        assert_eq!(names(&after), ["notifications", "audit"]);
        assert!(after.groups[1].y > after.groups[0].consumers.last().unwrap().y);
        assert!(after.height >= before.height);
    }

    /// A consumer-protocol member joining a group waits for its partition
    /// (a faint link) until its owner has given it up (a dotted link); at
    /// no moment do two members' links own the same partition, and the
    /// cards show each member's epoch.
    #[test]
    fn a_consumer_protocol_member_waits_for_its_partition_to_be_released() {
        let file: mqsim::scenario::ScenarioFile = serde_json::from_str(
            r#"{"version": 1, "name": "moving", "seed": 5, "duration_ms": 40000,
                "network": {"latency_ms": 10},
                "kafka": {"group_initial_rebalance_delay_ms": 0,
                  "topics": [{"name": "t", "partitions": 4}],
                  "producers": [{"name": "p", "topic": "t", "rate_per_sec": 20}],
                  "groups": [{"name": "g", "topics": ["t"], "protocol": "consumer",
                              "members": [{"name": "a"}, {"name": "b"}]}]},
                "timeline": [{"at_ms": 20000, "do": "consumer_join", "group": "g",
                              "member": {"name": "c"}}]}"#,
        )
        .unwrap();
        let mut p = Playback::new(file.validate().expect("valid"));
        let mut seen = Vec::new();
        for ms in (20_000..32_000).step_by(2) {
            p.advance_to(ms as f64);
            let scene = Scene::build(p.world(), p.clock_ms());
            for strip in 0..4 {
                let y = scene.strips[strip].y + STRIP_H / 2.0;
                let owners = scene
                    .links
                    .iter()
                    .filter(|l| l.from.1 == y && l.state != LinkState::Awaiting);
                assert!(owners.count() <= 1, "P{strip} owned twice at {ms} ms");
            }
            for l in &scene.links {
                if !seen.contains(&l.state) {
                    seen.push(l.state);
                }
            }
        }
        assert!(seen.contains(&LinkState::Awaiting), "{seen:?}");
        assert!(seen.contains(&LinkState::Revoking), "{seen:?}");
        let scene = Scene::build(p.world(), p.clock_ms());
        let cards: Vec<_> = scene.groups[0]
            .consumers
            .iter()
            .map(|c| (c.name.as_str(), c.epoch, c.owns.as_str()))
            .collect();
        assert_eq!(
            cards,
            [
                ("a", Some(3), "owns P0, P1"),
                ("b", Some(3), "owns P2"),
                ("c", Some(3), "owns P3")
            ]
        );
    }

    /// A share group's window under each partition it reads: its start
    /// offset, the records in flight by state, the poison record's
    /// deliveries counted on its cell, then archived (and still drawn so
    /// once the start offset has passed it).
    #[test]
    fn a_share_groups_window_shows_each_records_state() {
        let preset = mqsim::scenario::presets::Preset::find("share-group").unwrap();
        let mut p = Playback::new(preset.scenario());
        p.advance_to(16_500.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let windows: Vec<&ShareWindow> = scene.strips.iter().flat_map(|s| &s.shares).collect();
        assert_eq!(windows.len(), 2);
        assert!(
            windows
                .iter()
                .all(|w| w.group == "workers" && w.start <= w.end)
        );
        let cells: Vec<&CellShare> = scene
            .strips
            .iter()
            .flat_map(|s| &s.cells)
            .filter_map(|c| c.share.as_ref())
            .collect();
        assert!(cells.iter().any(|c| c.state == "done"));
        let redelivered = cells
            .iter()
            .find(|c| c.deliveries >= 2)
            .expect("the poison record, again");
        assert!(matches!(redelivered.state, "acquired" | "available"));
        assert!(
            cells
                .iter()
                .filter(|c| c.state == "acquired")
                .all(|c| c.holder.is_some())
        );
        p.advance_to(22_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let p0 = &scene.strips[0];
        let archived: Vec<u64> = (p0.cells.iter())
            .filter(|c| c.share.as_ref().is_some_and(|s| s.state == "archived"))
            .map(|c| c.offset)
            .collect();
        assert_eq!(archived, [14]);
        assert!(p0.shares[0].start > 14, "the start has passed it");
        assert_eq!(p0.shares[0].archived, 1);
    }

    /// Two share groups reading the same partitions: each has its window
    /// under the strip, in its own line.
    #[test]
    fn each_share_group_reading_a_partition_has_its_window() {
        let preset = mqsim::scenario::presets::Preset::find("share-group").unwrap();
        let mut file = preset.scenario().file().clone();
        let mut audit = file.kafka.share_groups[0].clone();
        audit.name = "audit".into();
        audit.members.truncate(1);
        audit.members[0].name = "a1".into();
        file.kafka.share_groups.push(audit);
        let mut p = Playback::new(file.validate().expect("valid"));
        p.advance_to(20_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        for strip in &scene.strips {
            let groups: Vec<&str> = strip.shares.iter().map(|w| w.group.as_str()).collect();
            assert_eq!(groups, ["workers", "audit"]);
        }
    }

    /// A topic the timeline creates at 3 s, to which the group already
    /// subscribes, has no strips (and takes no room) before; after, its
    /// partitions are drawn below the first topic's and the group's
    /// members own them.
    #[test]
    fn a_topic_created_later_is_drawn_from_when_it_exists() {
        let mut file = mqsim::scenario::presets::default_scenario().file().clone();
        file.kafka.groups[0].topics.push("returns".into());
        let returns: mqsim::scenario::TopicSpec =
            serde_json::from_str(r#"{"name": "returns", "partitions": 2}"#).unwrap();
        file.timeline.push(mqsim::scenario::TimelineEntry {
            at_ms: 3_000,
            action: mqsim::scenario::Intervention::TopicCreate { topic: returns },
        });
        let mut p = Playback::new(file.validate().expect("valid"));
        p.advance_to(2_000.0);
        let before = Scene::build(p.world(), p.clock_ms());
        let labels = |scene: &Scene| {
            scene
                .strips
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(&before),
            ["orders · P0", "orders · P1", "orders · P2"]
        );
        p.advance_to(8_000.0);
        let after = Scene::build(p.world(), p.clock_ms());
        assert_eq!(
            labels(&after)[3..],
            ["returns · P0".to_string(), "returns · P1".to_string()]
        );
        assert!(after.strips[3].y > after.strips[2].y);
        let owned: usize = p
            .world()
            .consumers
            .iter()
            .flat_map(|c| &c.assigned)
            .filter(|tp| tp.topic.index() == 1)
            .count();
        assert_eq!(owned, 2, "the group reads both partitions of returns");
        let cards: Vec<&str> = after.groups[0]
            .consumers
            .iter()
            .map(|c| c.owns.as_str())
            .collect();
        assert!(
            cards.iter().all(|owns| owns.starts_with("orders P")),
            "a member reading two topics names them: {cards:?}"
        );
    }

    /// A crowd is dots: past DETAILED_TOKENS in flight, tokens carry no
    /// ids, letters or titles; a quiet run's tokens all do.
    #[test]
    fn a_crowd_of_tokens_is_drawn_as_dots() {
        let mut busy = Playback::new(
            crate::bench::Bench::InFlight {
                tokens: crate::bench::DEFAULT_TOKENS,
            }
            .scenario(),
        );
        busy.advance_to(3_000.0);
        let crowd = Scene::build(busy.world(), busy.clock_ms());
        assert!(crowd.tokens.len() > DETAILED_TOKENS);
        assert!(
            crowd
                .tokens
                .iter()
                .all(|t| t.id.is_empty() && t.title.is_empty())
        );
        let mut quiet = Playback::new(mqsim::scenario::presets::default_scenario());
        quiet.advance_to(3_000.0);
        let few = Scene::build(quiet.world(), quiet.clock_ms());
        assert!(
            !few.tokens.is_empty()
                && few
                    .tokens
                    .iter()
                    .all(|t| !t.id.is_empty() && !t.title.is_empty())
        );
    }
    use mqsim::scenario::presets;

    fn scene_after(ms: f64) -> (Playback, Scene) {
        let mut p = Playback::new(presets::default_scenario());
        p.advance_to(ms);
        let scene = Scene::build(p.world(), p.clock_ms());
        (p, scene)
    }

    #[test]
    fn the_scenarios_keys_get_distinct_colours() {
        let (p, _) = scene_after(0.0);
        let palette = Palette::new(&p.world().known_keys);
        let colours: Vec<&str> = ["alice", "bob", "carol", "dave", "erin"]
            .iter()
            .map(|k| palette.colour(Some(k)))
            .collect();
        for (i, c) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(c), "{c} used twice: {colours:?}");
        }
        assert_eq!(palette.colour(Some("zed")), palette.colour(Some("zed")));
        assert_eq!(palette.colour(None), UNKEYED_COLOUR);
        assert_eq!(key_letter(Some("bob")), "B");
        assert_eq!(key_letter(None), "·");
    }

    /// Colour is never the only signal: within a preset, keys that differ
    /// are drawn with labels that differ.
    #[test]
    fn every_preset_labels_its_keys_apart() {
        use crate::rabbit::scene::routing_key_letter;
        for preset in mqsim::scenario::presets::PRESETS {
            let scenario = preset.scenario();
            let file = scenario.file();
            let kafka = scenario
                .producers()
                .into_iter()
                .flat_map(|(p, _)| p.keys.clone());
            let rabbit = file
                .rabbit
                .publishers
                .iter()
                .flat_map(|p| p.routing_keys.clone());
            type Label = fn(&str) -> String;
            let kafka_label: Label = |k| key_letter(Some(k));
            let labelled = [
                (kafka.collect::<Vec<_>>(), kafka_label),
                (rabbit.collect(), routing_key_letter),
            ];
            for (mut keys, label) in labelled {
                mqsim::sort::sort_by(&mut keys, |a, b| a.cmp(b));
                keys.dedup();
                let mut labels: Vec<String> = keys.iter().map(|k| label(k)).collect();
                mqsim::sort::sort_by(&mut labels, |a, b| a.cmp(b));
                labels.dedup();
                assert_eq!(labels.len(), keys.len(), "{}: {keys:?}", preset.id);
            }
        }
    }

    #[test]
    fn the_default_preset_shows_one_strip_per_partition_and_every_member() {
        let (_, scene) = scene_after(5_000.0);
        assert_eq!(scene.strips.len(), 3);
        assert_eq!(scene.producers.len(), 1);
        let members: Vec<&str> = scene.groups[0]
            .consumers
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(members, ["notifier-1", "notifier-2"]);
        assert_eq!(scene.links.len(), 3, "each partition linked to its owner");
        assert_eq!(scene.groups[0].consumers[0].owns, "owns P0, P1");
    }

    #[test]
    fn members_of_big_groups_are_drawn_on_compact_cards_that_stay_on_screen() {
        let (_, small) = scene_after(5_000.0);
        assert!(small.groups[0].consumers.iter().all(|c| !c.compact));
        let preset = mqsim::scenario::presets::Preset::find("share-group").unwrap();
        let mut p = Playback::new(preset.scenario());
        p.advance_to(5_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let members: Vec<&ConsumerNode> = scene.groups.iter().flat_map(|g| &g.consumers).collect();
        assert_eq!(members.len(), 10);
        assert!(members.iter().all(|c| c.compact));
        // Ten cards one under the other, none overlapping, in a picture
        // short enough for a 1080p projector (at most 700 units high for
        // its 1000 wide).
        for pair in members.windows(2) {
            assert!(
                pair[1].y >= pair[0].y + COMPACT_H,
                "{} overlaps {}",
                pair[1].name,
                pair[0].name
            );
        }
        assert!(scene.height <= 700.0, "picture height {}", scene.height);
        // Links meet the middle of a compact card's left edge.
        assert!(!scene.links.is_empty());
        for link in &scene.links {
            let meets = |c: &ConsumerNode| (c.x, c.y + COMPACT_H / 2.0) == link.to;
            assert!(members.iter().any(|c| meets(c)), "{link:?}");
        }
    }

    #[test]
    fn a_produced_record_moves_from_the_producer_towards_its_partition() {
        // The first record leaves at 0 ms and arrives at 250 ms (latency).
        let (p, early) = scene_after(50.0);
        let (_, later) = scene_after(200.0);
        let id = |s: &Scene| {
            s.tokens
                .iter()
                .find(|t| t.id.starts_with("produce-0-"))
                .cloned()
        };
        let (a, b) = (
            id(&early).expect("in flight at 50 ms"),
            id(&later).expect("in flight at 200 ms"),
        );
        assert!(b.x > a.x, "moves right: {} then {}", a.x, b.x);
        assert!(a.x >= PRODUCER_X + NODE_W && b.x <= STRIP_X + CELLS as f64 * CELL_W);
        assert_eq!(
            p.world().topics[0]
                .partitions
                .iter()
                .map(|p| p.log_end)
                .sum::<u64>(),
            0
        );
        let (_, landed) = scene_after(300.0);
        assert!(id(&landed).is_none(), "landed at 250 ms");
        assert_eq!(
            landed.strips.iter().map(|s| s.cells.len()).sum::<usize>(),
            1
        );
    }

    /// Cells carry the key the producer chose, so the log shows which
    /// records belong together.
    #[test]
    fn log_cells_show_the_producers_keys() {
        let (p, scene) = scene_after(20_000.0);
        let keys = &p.scenario().file().kafka.producers[0].keys;
        let cells: Vec<&Cell> = scene.strips.iter().flat_map(|s| &s.cells).collect();
        assert!(cells.iter().filter(|c| c.key.is_some()).count() > cells.len() / 2);
        for cell in cells.iter().filter_map(|c| c.key.as_deref()) {
            assert!(
                keys.iter().any(|k| k == cell),
                "{cell} is one of the producer's keys"
            );
        }
        // Keyed records stay on the partition their key hashes to.
        for strip in &scene.strips {
            for cell in &strip.cells {
                if let Some(key) = cell.key.as_deref() {
                    assert_eq!(partition_for_key(key, 3), strip.tp.partition);
                }
            }
        }
    }

    #[test]
    fn committed_markers_trail_the_log_end_by_the_lag() {
        let (_, scene) = scene_after(20_000.0);
        for strip in &scene.strips {
            let marker = strip.markers.first().expect("committed by 20 s");
            assert_eq!(marker.lag, strip.log_end - marker.offset);
            assert!(marker.x <= STRIP_X + CELLS as f64 * CELL_W);
        }
    }

    #[test]
    fn lag_rows_list_every_partition_with_its_owner() {
        let (_, scene) = scene_after(20_000.0);
        let owners: Vec<Option<&str>> = scene.lag_rows.iter().map(|r| r.owner.as_deref()).collect();
        assert_eq!(
            owners,
            [Some("notifier-1"), Some("notifier-1"), Some("notifier-2")]
        );
        for row in &scene.lag_rows {
            let committed = row.committed.expect("committed by 20 s");
            assert_eq!(row.lag, Some(row.log_end - committed));
        }
    }

    /// A group's backlog (the lesson's `lag` counter) adds up the lag rows,
    /// and counts a partition it has not committed on yet whole.
    #[test]
    fn a_groups_backlog_adds_up_its_lag() {
        let mut p = Playback::new(mqsim::scenario::presets::default_scenario());
        p.advance_to(20_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let lag: u64 = scene.lag_rows.iter().filter_map(|r| r.lag).sum();
        assert_eq!(p.world().backlog(GroupId(0)), lag);
        let fresh = Playback::new(mqsim::scenario::presets::default_scenario());
        assert_eq!(fresh.world().backlog(GroupId(0)), 0, "nothing written yet");
        p.seek(1_500.0);
        let written: u64 = p.world().topics[0]
            .partitions
            .iter()
            .map(|t| t.log_end)
            .sum();
        assert_eq!(
            p.world().backlog(GroupId(0)),
            written,
            "nothing committed at 1.5 s"
        );
    }

    /// The consumer-crash preset: the crashed member is shown down, the
    /// survivor takes both partitions after the session timeout, and the
    /// orders it reads again are counted on screen.
    #[test]
    fn a_crashed_consumer_is_shown_and_its_partitions_move() {
        let crash = mqsim::scenario::presets::Preset::find("consumer-crash")
            .expect("preset")
            .scenario();
        let mut p = Playback::new(crash);
        p.advance_to(13_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let node = |s: &Scene, name: &str| {
            s.groups[0]
                .consumers
                .iter()
                .find(|c| c.name == name)
                .cloned()
                .expect("member")
        };
        let down = node(&scene, "notifier-1");
        assert!(down.down && down.status == "✕ crashed", "{down:?}");
        assert!(
            down.inbox.is_empty(),
            "records in flight to a dead consumer never arrive: {down:?}"
        );
        assert_eq!(
            node(&scene, "notifier-2").owns,
            "owns P1",
            "the survivor waits for the session timeout"
        );

        p.advance_to(25_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let survivor = node(&scene, "notifier-2");
        assert_eq!(survivor.owns, "owns P0, P1");
        assert!(
            survivor.duplicates > 0,
            "orders processed since the last commit are read again"
        );
        assert!(scene.groups[0].generation >= 2);

        p.advance_to(40_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        assert_eq!(
            node(&scene, "notifier-1").status,
            "running",
            "restarted and rejoined"
        );
    }

    /// The retry-dead-letter preset: poison records land in the dead-letter
    /// strip, which is marked apart, and the consumer counts what it gave up.
    #[test]
    fn dead_lettered_records_fill_the_dead_letter_strip() {
        let preset = mqsim::scenario::presets::Preset::find("retry-dead-letter")
            .expect("preset")
            .scenario();
        let mut p = Playback::new(preset);
        p.advance_to(30_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        let dlt = scene
            .strips
            .iter()
            .find(|s| s.dead_letter)
            .expect("a dead-letter strip");
        assert!(dlt.label.starts_with("orders.DLT"));
        assert!(!dlt.cells.is_empty());
        assert!(
            dlt.cells
                .iter()
                .all(|c| c.key.as_deref() == Some("mallory")),
            "only poison records"
        );
        assert!(scene.strips.iter().filter(|s| !s.dead_letter).count() == 2);
        let given_up: u64 = scene.groups[0].consumers.iter().map(|c| c.given_up).sum();
        assert_eq!(
            given_up, dlt.log_end,
            "every given-up record reached the dead-letter topic"
        );
    }

    /// With retention, the strip says where the kept log starts, and no cell
    /// shows a deleted offset.
    #[test]
    fn a_trimmed_log_shows_where_it_starts() {
        let mut file = presets::default_scenario().file().clone();
        file.kafka.retention_check_interval_ms = 1_000;
        file.kafka.topics[0].retention_records = Some(5);
        let mut p = Playback::new(file.validate().expect("valid"));
        p.advance_to(30_000.0);
        let scene = Scene::build(p.world(), p.clock_ms());
        for strip in &scene.strips {
            assert!(strip.log_start > 0, "trimmed: {}", strip.label);
            assert!(strip.log_end - strip.log_start <= 5 + 3, "about five kept");
            assert!(strip.cells.iter().all(|c| c.offset >= strip.log_start));
        }
    }

    #[test]
    fn the_strip_scrolls_to_keep_the_newest_offsets() {
        let (_, scene) = scene_after(60_000.0);
        for strip in &scene.strips {
            assert!(strip.cells.len() as u64 <= CELLS);
            assert_eq!(
                strip.cells.last().map(|c| c.offset + 1),
                Some(strip.log_end)
            );
        }
    }
}
