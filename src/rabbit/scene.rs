//! The RabbitMQ picture at one instant, as plain numbers.
//!
//! Four columns, in the direction messages go: publishers, exchanges,
//! queues, consumers. Each queue's row is tall enough for its consumers,
//! which sit beside it. Each exchange is placed level with the queues it
//! feeds (the mean of their heights), then pushed down just enough not to
//! overlap the one above, so bindings stay short and rarely cross. Binding
//! labels sit near the queue end of their line, where lines have fanned
//! apart, so that they do not overlap.

use super::world::{Anchor, BindingEnd, Cargo, Flight, MessageView, RabbitWorld};
use crate::picture::{DETAILED_TOKENS, Palette, Token, TokenShape, progress};
use crate::playback::Subject;
use mqsim::ids::{MessageId, PublisherId, QueueId, RabbitConsumerId};
use mqsim::rabbit::queue::QueueType;
use mqsim::trace::Settlement;
use std::rc::Rc;

pub const WIDTH: f64 = 1000.0;
const TOP: f64 = 56.0;
pub const PUBLISHER_X: f64 = 20.0;
pub const PUBLISHER_W: f64 = 140.0;
pub const NODE_H: f64 = 56.0;
pub const EXCHANGE_X: f64 = 220.0;
pub const EXCHANGE_W: f64 = 160.0;
pub const QUEUE_X: f64 = 500.0;
pub const QUEUE_W: f64 = 230.0;
pub const QUEUE_H: f64 = 84.0;
pub const CONSUMER_X: f64 = 780.0;
pub const CONSUMER_W: f64 = 200.0;
pub const CONSUMER_H: f64 = 76.0;
const GAP: f64 = 14.0;
/// Ready messages drawn in a queue; the rest are counted.
pub const QUEUE_CELLS: usize = 9;
/// Prefetch slots drawn on a consumer; a larger window is counted.
pub const WINDOW_SLOTS: usize = 10;

#[derive(Clone, Debug, PartialEq)]
pub struct RabbitScene {
    pub width: f64,
    pub height: f64,
    pub publishers: Vec<PublisherNode>,
    pub exchanges: Vec<ExchangeNode>,
    pub bindings: Vec<BindingLine>,
    pub queues: Vec<QueueNode>,
    pub consumers: Vec<ConsumerNode>,
    pub tokens: Rc<[Token]>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PublisherNode {
    pub id: PublisherId,
    pub x: f64,
    pub y: f64,
    pub name: String,
    pub exchange: String,
    pub sent: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeNode {
    pub x: f64,
    pub y: f64,
    /// "(default)" for the default exchange.
    pub name: String,
    pub kind: &'static str,
    pub dead_letter: bool,
    pub internal: bool,
    pub routed: u64,
    pub dropped: u64,
    pub returned: u64,
}

/// A binding: a line (or, between two exchanges, a curve) with its key.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingLine {
    /// An SVG path.
    pub path: String,
    pub label: String,
    pub label_at: (f64, f64),
    /// From a queue to its dead-letter exchange, rather than a binding.
    pub dead_letter: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QueueNode {
    pub id: QueueId,
    pub x: f64,
    pub y: f64,
    pub name: String,
    pub kind: &'static str,
    pub features: Vec<String>,
    pub dead_letter: bool,
    pub deleted: bool,
    /// Ready messages to draw, the head (next to go) last, at the right.
    pub cells: Vec<MessageChip>,
    /// Ready messages not drawn.
    pub more: usize,
    pub ready: usize,
    pub unacked: usize,
    /// Messages that left unacknowledged: dead-lettered, or dropped when
    /// the queue has no dead-letter exchange.
    pub discarded: u64,
    pub dead_letter_exchange: Option<String>,
    pub refused: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConsumerNode {
    pub id: RabbitConsumerId,
    pub x: f64,
    pub y: f64,
    pub name: String,
    pub queue: String,
    pub running: bool,
    /// Stopped by the broker because its queue was deleted.
    pub cancelled: bool,
    pub prefetch: u32,
    pub auto_ack: bool,
    /// The prefetch window: each unacknowledged delivery it holds.
    pub window: Vec<MessageChip>,
    /// Deliveries that reached it and wait; the first is in hand.
    pub waiting: usize,
    pub acked: u64,
    pub requeued: u64,
    pub rejected: u64,
}

/// One message drawn in a queue or a consumer's window: coloured and
/// lettered by its routing key, and clickable.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageChip {
    pub id: MessageId,
    pub colour: &'static str,
    pub letter: String,
}

impl MessageChip {
    fn new(palette: &Palette, m: &MessageView) -> MessageChip {
        MessageChip {
            id: m.id,
            colour: colour(palette, &m.routing_key),
            letter: routing_key_letter(&m.routing_key),
        }
    }
}

/// Where each node goes for a world of this shape.
struct Layout {
    queue_y: Vec<f64>,
    exchange_y: Vec<f64>,
    publisher_y: Vec<f64>,
    consumer_y: Vec<f64>,
    height: f64,
}

impl Layout {
    fn new(world: &RabbitWorld) -> Layout {
        let mut queue_y = Vec::new();
        let mut consumer_y = vec![0.0; world.consumers.len()];
        let mut y = TOP;
        for (q, queue) in world.queues.iter().enumerate() {
            queue_y.push(y);
            // A queue the timeline declares later takes no room until then.
            if !queue.declared {
                continue;
            }
            let mut cy = y;
            for (c, consumer) in world.consumers.iter().enumerate() {
                if consumer.queue.index() == q {
                    consumer_y[c] = cy;
                    cy += CONSUMER_H + GAP;
                }
            }
            y = (y + QUEUE_H + GAP + 10.0).max(cy);
        }
        let centre = |q: QueueId| queue_y[q.index()] + QUEUE_H / 2.0;
        // An exchange wants to sit level with what it feeds: its queues,
        // and (one level deep) the queues of exchanges it feeds.
        let wanted: Vec<Option<f64>> = (0..world.exchanges.len())
            .map(|e| {
                let targets: Vec<f64> = world
                    .bindings
                    .iter()
                    .filter(|b| b.bound && b.source == e)
                    .flat_map(|b| match b.to {
                        BindingEnd::Queue(q) => vec![centre(q)],
                        BindingEnd::Exchange(x) => world
                            .bindings
                            .iter()
                            .filter(|b| b.bound && b.source == x)
                            .filter_map(|b| match b.to {
                                BindingEnd::Queue(q) => Some(centre(q)),
                                BindingEnd::Exchange(_) => None,
                            })
                            .collect(),
                    })
                    .collect();
                (!targets.is_empty())
                    .then(|| targets.iter().sum::<f64>() / targets.len() as f64 - NODE_H / 2.0)
            })
            .collect();
        // An exchange or a publisher the timeline adds takes room from
        // then on.
        let declared: Vec<bool> = world.exchanges.iter().map(|e| e.declared).collect();
        let exchange_y = stack_shown(&wanted, &declared, NODE_H + GAP + 12.0);
        let publisher_wanted: Vec<Option<f64>> = world
            .publishers
            .iter()
            .map(|p| exchange_y.get(p.exchange).copied())
            .collect();
        let started: Vec<bool> = world.publishers.iter().map(|p| p.started).collect();
        let publisher_y = stack_shown(&publisher_wanted, &started, NODE_H + GAP);
        // Only what is drawn takes room: a queue not declared (yet), or
        // not in this pane, adds nothing below.
        let drawn_queues = queue_y
            .iter()
            .zip(&world.queues)
            .filter(|(_, queue)| queue.declared)
            .map(|(y, _)| y);
        let bottom = [&exchange_y, &publisher_y, &consumer_y]
            .iter()
            .flat_map(|ys| ys.iter())
            .chain(drawn_queues)
            .fold(TOP, |a, &b| a.max(b + QUEUE_H));
        Layout {
            queue_y,
            exchange_y,
            publisher_y,
            consumer_y,
            height: bottom + 24.0,
        }
    }
}

/// Places boxes as near their wanted heights as they can go without
/// overlapping: in order of wanted height, each at least `step` below the
/// one before. Boxes that want nothing go last.
fn stack(wanted: &[Option<f64>], step: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    mqsim::sort::sort_by(&mut order, |&a, &b| {
        let key = |i: usize| wanted[i].unwrap_or(f64::MAX);
        key(a).total_cmp(&key(b)).then(a.cmp(&b))
    });
    let mut placed = vec![TOP; wanted.len()];
    let mut next = TOP;
    for i in order {
        let y = wanted[i].unwrap_or(next).max(next).max(TOP);
        placed[i] = y;
        next = y + step;
    }
    placed
}

/// [`stack`] for the boxes `shown`; the others are left at the top and take
/// no room.
fn stack_shown(wanted: &[Option<f64>], shown: &[bool], step: f64) -> Vec<f64> {
    let drawn: Vec<usize> = (0..wanted.len()).filter(|&i| shown[i]).collect();
    let placed = stack(&drawn.iter().map(|&i| wanted[i]).collect::<Vec<_>>(), step);
    let mut all = vec![TOP; wanted.len()];
    for (&i, y) in drawn.iter().zip(placed) {
        all[i] = y;
    }
    all
}

/// The label on a message: the initial of its routing key, or of the
/// first and last words of a dotted key (`order.card` → `OC`,
/// `india.123` → `I1`), so that keys sharing a word still differ by more
/// than colour.
pub fn routing_key_letter(key: &str) -> String {
    let mut words = key.split('.').filter(|w| !w.is_empty());
    let initial = |w: &str| w.chars().next().map(|c| c.to_ascii_uppercase());
    let first = words.next().and_then(initial);
    let last = words.next_back().and_then(initial);
    match (first, last) {
        (Some(a), Some(b)) => [a, b].iter().collect(),
        (Some(a), None) => a.to_string(),
        _ => "·".to_string(),
    }
}

fn colour<'a>(palette: &Palette<'a>, key: &str) -> &'static str {
    palette.colour((!key.is_empty()).then_some(key))
}

impl RabbitScene {
    pub fn build(world: &RabbitWorld, clock_ms: f64) -> RabbitScene {
        let layout = Layout::new(world);
        let palette = Palette::new(&world.known_keys);
        let exchange_name = |e: usize| display_name(&world.exchanges[e].name);
        let publishers = world
            .publishers
            .iter()
            .enumerate()
            .filter(|(_, p)| p.started)
            .map(|(i, p)| PublisherNode {
                id: PublisherId(i as u32),
                x: PUBLISHER_X,
                y: layout.publisher_y[i],
                name: p.name.clone(),
                exchange: exchange_name(p.exchange),
                sent: p.sent,
            })
            .collect();
        let exchanges = world
            .exchanges
            .iter()
            .enumerate()
            .filter(|(_, e)| e.declared)
            .map(|(i, e)| ExchangeNode {
                x: EXCHANGE_X,
                y: layout.exchange_y[i],
                name: display_name(&e.name),
                kind: e.kind,
                dead_letter: e.dead_letter,
                internal: e.internal,
                routed: e.routed,
                dropped: e.dropped,
                returned: e.returned,
            })
            .collect();
        let bindings = bindings(world, &layout);
        let queues = world
            .queues
            .iter()
            .enumerate()
            .filter(|(_, q)| q.declared)
            .map(|(i, q)| {
                let shown = q.ready.len().min(QUEUE_CELLS);
                QueueNode {
                    id: QueueId(i as u32),
                    x: QUEUE_X,
                    y: layout.queue_y[i],
                    name: q.name.clone(),
                    kind: match q.kind {
                        QueueType::Classic => "classic",
                        QueueType::Quorum => "quorum",
                    },
                    features: q.features.clone(),
                    dead_letter: q.dead_letter,
                    deleted: q.deleted,
                    // The tail on the left, the head on the right.
                    cells: q
                        .ready
                        .iter()
                        .take(shown)
                        .rev()
                        .map(|m| MessageChip::new(&palette, m))
                        .collect(),
                    more: q.ready.len() - shown,
                    ready: q.ready.len(),
                    unacked: q.unacked.len(),
                    discarded: q.discarded,
                    dead_letter_exchange: q.dead_letter_exchange.map(exchange_name),
                    refused: q.refused,
                }
            })
            .collect();
        let consumers = world
            .consumers
            .iter()
            .enumerate()
            .filter(|(_, c)| world.queues[c.queue.index()].declared)
            .map(|(i, c)| {
                let id = RabbitConsumerId(i as u32);
                let queue = &world.queues[c.queue.index()];
                ConsumerNode {
                    id,
                    x: CONSUMER_X,
                    y: layout.consumer_y[i],
                    name: c.name.clone(),
                    queue: queue.name.clone(),
                    running: c.running,
                    cancelled: !c.running && queue.deleted,
                    prefetch: c.prefetch,
                    auto_ack: c.auto_ack,
                    window: queue
                        .unacked
                        .iter()
                        .filter(|(_, holder)| *holder == id)
                        .map(|(m, _)| MessageChip::new(&palette, m))
                        .collect(),
                    waiting: c.inbox.len(),
                    acked: c.acked,
                    requeued: c.requeued,
                    rejected: c.rejected,
                }
            })
            .collect();
        let started = |f: &&Flight| f.start.as_millis() as f64 <= clock_ms;
        // A crowd is drawn as dots: no ids, letters or titles to make.
        let detailed = world.flights.iter().filter(started).count() <= DETAILED_TOKENS;
        let tokens = world
            .flights
            .iter()
            .filter(started)
            .enumerate()
            .map(|(i, f)| token(world, &layout, &palette, f, i, clock_ms, detailed))
            .collect::<Vec<_>>()
            .into();
        RabbitScene {
            width: WIDTH,
            height: layout.height,
            publishers,
            exchanges,
            bindings,
            queues,
            consumers,
            tokens,
        }
    }
}

/// Characters of a name that fit on a consumer's card.
pub const CONSUMER_NAME_CHARS: usize = 24;

/// The default exchange has no name; it is shown as "(default)".
fn display_name(name: &str) -> String {
    if name.is_empty() {
        "(default)".to_string()
    } else {
        name.to_string()
    }
}

fn bindings(world: &RabbitWorld, layout: &Layout) -> Vec<BindingLine> {
    let mut lines = Vec::new();
    for b in world.bindings.iter().filter(|b| b.bound) {
        let (x1, y1) = (
            EXCHANGE_X + EXCHANGE_W,
            layout.exchange_y[b.source] + NODE_H / 2.0,
        );
        let label = if b.routing_key.is_empty() {
            String::new()
        } else {
            b.routing_key.clone()
        };
        match b.to {
            BindingEnd::Queue(q) => {
                let (x2, y2) = (QUEUE_X, layout.queue_y[q.index()] + QUEUE_H / 2.0);
                lines.push(BindingLine {
                    path: format!("M{x1},{y1} L{x2},{y2}"),
                    label,
                    label_at: (x1 + (x2 - x1) * 0.62, y1 + (y2 - y1) * 0.62 - 5.0),
                    dead_letter: false,
                });
            }
            BindingEnd::Exchange(e) => {
                let y2 = layout.exchange_y[e] + NODE_H / 2.0;
                let bulge = x1 + 50.0;
                lines.push(BindingLine {
                    path: format!("M{x1},{y1} C{bulge},{y1} {bulge},{y2} {x1},{y2}"),
                    label,
                    label_at: (x1 + 40.0, (y1 + y2) / 2.0),
                    dead_letter: false,
                });
            }
        }
    }
    for (q, queue) in world.queues.iter().enumerate() {
        if let Some(dlx) = queue.dead_letter_exchange
            && queue.declared
            && !queue.deleted
        {
            let (x1, y1) = queue_dead_letter_port(layout, QueueId(q as u32));
            let (x2, y2) = exchange_dead_letter_port(layout, dlx);
            lines.push(BindingLine {
                path: format!("M{x1},{y1} L{x2},{y2}"),
                label: String::new(),
                label_at: (x2, y2),
                dead_letter: true,
            });
        }
    }
    lines
}

/// Where dead letters leave a queue: its lower left corner.
fn queue_dead_letter_port(layout: &Layout, q: QueueId) -> (f64, f64) {
    (QUEUE_X, layout.queue_y[q.index()] + QUEUE_H - 10.0)
}

/// Where dead letters reach their exchange: low on its right side.
fn exchange_dead_letter_port(layout: &Layout, e: usize) -> (f64, f64) {
    (EXCHANGE_X + EXCHANGE_W, layout.exchange_y[e] + NODE_H - 8.0)
}

/// Where a flight leaves `from` and arrives at `to`.
fn ports(layout: &Layout, from: Anchor, to: Anchor) -> ((f64, f64), (f64, f64)) {
    let publisher = |p: PublisherId| {
        (
            PUBLISHER_X + PUBLISHER_W,
            layout.publisher_y[p.index()] + NODE_H / 2.0,
        )
    };
    let exchange_left = |e: usize| (EXCHANGE_X, layout.exchange_y[e] + NODE_H / 2.0);
    let exchange_right = |e: usize| (EXCHANGE_X + EXCHANGE_W, layout.exchange_y[e] + NODE_H / 2.0);
    let queue_left = |q: QueueId| (QUEUE_X, layout.queue_y[q.index()] + QUEUE_H / 2.0);
    let queue_right = |q: QueueId| (QUEUE_X + QUEUE_W, layout.queue_y[q.index()] + QUEUE_H / 2.0);
    let consumer =
        |c: RabbitConsumerId| (CONSUMER_X, layout.consumer_y[c.index()] + CONSUMER_H / 2.0);
    match (from, to) {
        (Anchor::Publisher(p), Anchor::Exchange(e)) => (publisher(p), exchange_left(e)),
        (Anchor::Exchange(a), Anchor::Exchange(b)) => (exchange_right(a), exchange_right(b)),
        (Anchor::Exchange(e), Anchor::Queue(q)) => (exchange_right(e), queue_left(q)),
        (Anchor::Queue(q), Anchor::Consumer(c)) => (queue_right(q), consumer(c)),
        (Anchor::Consumer(c), Anchor::Queue(q)) => (consumer(c), queue_right(q)),
        (Anchor::Queue(q), Anchor::Exchange(e)) => (
            queue_dead_letter_port(layout, q),
            exchange_dead_letter_port(layout, e),
        ),
        (from, to) => (point(layout, from), point(layout, to)),
    }
}

/// The middle of an anchor's box, for pairs no flight uses.
fn point(layout: &Layout, anchor: Anchor) -> (f64, f64) {
    match anchor {
        Anchor::Publisher(p) => (PUBLISHER_X, layout.publisher_y[p.index()]),
        Anchor::Exchange(e) => (EXCHANGE_X, layout.exchange_y[e]),
        Anchor::Queue(q) => (QUEUE_X, layout.queue_y[q.index()]),
        Anchor::Consumer(c) => (CONSUMER_X, layout.consumer_y[c.index()]),
    }
}

fn anchor_id(anchor: Anchor) -> String {
    match anchor {
        Anchor::Publisher(p) => format!("p{}", p.0),
        Anchor::Exchange(e) => format!("x{e}"),
        Anchor::Queue(q) => format!("q{}", q.0),
        Anchor::Consumer(c) => format!("c{}", c.0),
    }
}

fn token(
    world: &RabbitWorld,
    layout: &Layout,
    palette: &Palette,
    flight: &Flight,
    index: usize,
    clock_ms: f64,
    detailed: bool,
) -> Token {
    let ((x0, y0), (x1, y1)) = ports(layout, flight.from, flight.to);
    let f = progress(
        flight.start.as_millis() as f64,
        flight.end.as_millis() as f64,
        clock_ms,
    );
    let (x, y) = (x0 + (x1 - x0) * f, y0 + (y1 - y0) * f);
    if !detailed {
        let (shape, colour) = match &flight.cargo {
            Cargo::Message(m) => (TokenShape::Record, colour(palette, &m.routing_key)),
            Cargo::Settlement(outcome) => settlement_look(*outcome),
        };
        return Token::dot(shape, (x, y), colour);
    }
    let route = format!(
        "{}-{}-{}",
        anchor_id(flight.from),
        anchor_id(flight.to),
        flight.start.as_millis()
    );
    match &flight.cargo {
        Cargo::Message(m) => {
            let key = &m.routing_key;
            let mut title = format!("message {} · routing key {key}", m.id.0);
            if m.redelivered {
                title.push_str(" · redelivered");
            }
            title.push_str(&format!(" · {}", hop_words(world, flight)));
            Token {
                id: format!("msg-{}-{route}", m.id.0),
                shape: TokenShape::Record,
                x,
                y,
                colour: colour(palette, key),
                letter: routing_key_letter(key),
                title,
                carries: Some(Subject::Message(m.id)),
            }
        }
        Cargo::Settlement(outcome) => {
            let (shape, colour) = settlement_look(*outcome);
            let (letter, title) = match outcome {
                Settlement::Ack => ("✓", "ack: the broker forgets the message"),
                Settlement::Requeue => ("↺", "nack, requeue: the message goes back to its queue"),
                Settlement::Reject => ("✗", "nack without requeue: the message is dead-lettered"),
            };
            Token {
                id: format!("settle-{index}-{route}"),
                shape,
                x,
                y,
                colour,
                letter: letter.to_string(),
                title: title.to_string(),
                carries: None,
            }
        }
    }
}

/// A settlement's shape and colour: green ack, amber requeue, red reject.
fn settlement_look(outcome: Settlement) -> (TokenShape, &'static str) {
    match outcome {
        Settlement::Ack => (TokenShape::Ack, "#2ca25f"),
        Settlement::Requeue => (TokenShape::Requeue, "#dd8800"),
        Settlement::Reject => (TokenShape::Reject, "#c0392b"),
    }
}

/// Where a message is going, in words.
fn hop_words(world: &RabbitWorld, flight: &Flight) -> String {
    let exchange = |e: usize| display_name(&world.exchanges[e].name);
    match (flight.from, flight.to) {
        (Anchor::Publisher(_), Anchor::Exchange(e)) => {
            format!("published to exchange {}", exchange(e))
        }
        (Anchor::Exchange(a), Anchor::Exchange(b)) => {
            format!(
                "routed from exchange {} to exchange {}",
                exchange(a),
                exchange(b)
            )
        }
        (Anchor::Exchange(e), Anchor::Queue(q)) => format!(
            "routed by exchange {} to queue {}",
            exchange(e),
            world.queues[q.index()].name
        ),
        (Anchor::Queue(q), Anchor::Consumer(c)) => format!(
            "pushed from queue {} to consumer {}",
            world.queues[q.index()].name,
            world.consumers[c.index()].name
        ),
        (Anchor::Queue(q), Anchor::Exchange(e)) => format!(
            "dead-lettered from queue {} to exchange {}",
            world.queues[q.index()].name,
            exchange(e)
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::Playback;
    use mqsim::scenario::presets::Preset;

    fn scene_at(ms: f64) -> RabbitScene {
        let preset = Preset::find("rabbit-retry-dead-letter").expect("preset");
        let mut p = Playback::new(preset.scenario());
        p.advance_to(ms);
        RabbitScene::build(p.rabbit(), p.clock_ms())
    }

    /// Every message token seen over a run, by where it goes in words.
    fn paths_seen(until_ms: u64) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        for ms in (0..until_ms).step_by(50) {
            for t in scene_at(ms as f64).tokens.iter() {
                if let Some(path) = t.title.split(" · ").last()
                    && !seen.iter().any(|s| s == path)
                {
                    seen.push(path.to_string());
                }
            }
        }
        seen
    }

    /// Messages go publisher → exchange → queue → consumer, and dead
    /// letters queue → dead-letter exchange → parking queue: the paths the
    /// preset's bindings and arguments define, and no other.
    #[test]
    fn tokens_travel_the_paths_the_topology_defines() {
        let seen = paths_seen(14_000);
        for expected in [
            "published to exchange orders",
            "routed by exchange orders to queue payments",
            "routed by exchange orders to queue emails",
            "pushed from queue payments to consumer payment-service",
            "pushed from queue emails to consumer mailer",
            "dead-lettered from queue payments to exchange dlx",
            "routed by exchange dlx to queue parking",
            "dead-lettered from queue emails to exchange retry-x",
            "dead-lettered from queue email-retry to exchange emails-x",
            "routed by exchange emails-x to queue emails",
        ] {
            assert!(
                seen.iter().any(|s| s == expected),
                "{expected} in {seen:#?}"
            );
        }
        assert!(
            !seen
                .iter()
                .any(|s| s.contains("queue payments to exchange retry-x")),
            "payments dead-letters to dlx only"
        );
    }

    #[test]
    fn a_published_message_moves_from_its_publisher_to_its_exchange() {
        let first = |s: &RabbitScene| {
            s.tokens
                .iter()
                .find(|t| t.id.starts_with("msg-0-p0-x"))
                .cloned()
        };
        let (a, b) = (scene_at(20.0), scene_at(80.0));
        let (a, b) = (first(&a).expect("in flight"), first(&b).expect("in flight"));
        assert!(PUBLISHER_X + PUBLISHER_W <= a.x && a.x < b.x && b.x <= EXCHANGE_X);
        assert!(first(&scene_at(400.0)).is_none(), "it has arrived");
    }

    #[test]
    fn nodes_in_a_column_never_overlap() {
        let scene = scene_at(10_000.0);
        let check = |name: &str, mut ys: Vec<f64>, h: f64| {
            mqsim::sort::sort_by(&mut ys, f64::total_cmp);
            for pair in ys.windows(2) {
                assert!(pair[1] - pair[0] >= h, "{name}: {ys:?}");
            }
        };
        check(
            "exchanges",
            scene.exchanges.iter().map(|e| e.y).collect(),
            NODE_H,
        );
        check(
            "queues",
            scene.queues.iter().map(|q| q.y).collect(),
            QUEUE_H,
        );
        check(
            "consumers",
            scene.consumers.iter().map(|c| c.y).collect(),
            CONSUMER_H,
        );
        check(
            "publishers",
            scene.publishers.iter().map(|p| p.y).collect(),
            NODE_H,
        );
        assert!(
            scene.queues.iter().all(|q| q.y + QUEUE_H <= scene.height),
            "everything fits"
        );
    }

    /// Binding labels sit where their lines have fanned out: no two of
    /// them overlap (7 px per character, 14 px high).
    #[test]
    fn binding_labels_do_not_overlap() {
        let scene = scene_at(0.0);
        let boxes: Vec<(f64, f64, f64, f64)> = scene
            .bindings
            .iter()
            .filter(|b| !b.label.is_empty())
            .map(|b| {
                let (x, y) = b.label_at;
                (x, y - 14.0, x + 7.0 * b.label.len() as f64, y)
            })
            .collect();
        for (i, a) in boxes.iter().enumerate() {
            for b in &boxes[i + 1..] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{a:?} and {b:?} overlap");
            }
        }
    }

    #[test]
    fn queues_show_their_type_and_arguments() {
        let scene = scene_at(0.0);
        let payments = &scene.queues[0];
        assert_eq!(payments.kind, "quorum");
        assert_eq!(payments.features, ["delivery limit 3"]);
        let retry = scene
            .queues
            .iter()
            .find(|q| q.name == "email-retry")
            .unwrap();
        assert_eq!(retry.features, ["TTL 2 s"]);
        assert_eq!(routing_key_letter("order.card"), "OC");
        assert_eq!(routing_key_letter("eu.#"), "E#");
        assert_eq!(routing_key_letter("card"), "C");
        assert_eq!(routing_key_letter("a.b.c"), "AC");
        assert_eq!(routing_key_letter(""), "·");
    }

    /// A pane is as tall as what it draws: the point-to-point pane (one
    /// queue, three workers) is shorter than the publish/subscribe pane,
    /// and no shorter than its last worker.
    #[test]
    fn a_pane_takes_the_room_of_its_own_queues() {
        let preset = Preset::find("point-to-point-vs-pub-sub").expect("preset");
        let mut p = Playback::new(preset.scenario());
        p.advance_to(1_000.0);
        let panes = &p.scenario().file().view.panes;
        let heights: Vec<(f64, f64)> = panes
            .iter()
            .map(|pane| {
                let scene = RabbitScene::build(&p.rabbit().only(&pane.queues), p.clock_ms());
                let last = scene
                    .consumers
                    .iter()
                    .filter(|c| c.y > 0.0)
                    .map(|c| c.y + CONSUMER_H)
                    .fold(0.0, f64::max);
                (scene.height, last)
            })
            .collect();
        assert!(heights[0].0 < heights[1].0, "{heights:?}");
        for (height, last) in heights {
            assert!(last <= height, "{last} > {height}");
        }
    }
}
