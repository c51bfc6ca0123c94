//! What every picture shares: the tokens that travel in it, how far
//! through its flight a token is (eased, or jumping for readers who ask for
//! less motion), the colours and letters that tell keys apart, and text cut
//! to fit a card.
//!
//! The Kafka, RabbitMQ and cluster scenes each lay out their own nodes and
//! place their own flights; they draw them with these.

use crate::playback::Subject;
use mqsim::kafka::partitioner::partition_for_key;
use std::sync::atomic::{AtomicBool, Ordering};

/// Colours for keys. Keys also carry a letter: colour is never the only signal.
const KEY_COLOURS: [&str; 8] = [
    "#e6550d", "#3182bd", "#31a354", "#756bb1", "#d6616b", "#8c6d31", "#17becf", "#c51b8a",
];
/// The colour of a record without a key.
pub const UNKEYED_COLOUR: &str = "#8a8f98";

/// Gives each key a colour: the scenario's keys get distinct colours in the
/// order they are listed (while the palette lasts); any other key gets its
/// murmur2 slot, so a key's colour never changes between runs.
pub struct Palette<'a> {
    known_keys: &'a [String],
}

impl<'a> Palette<'a> {
    pub fn new(known_keys: &'a [String]) -> Palette<'a> {
        Palette { known_keys }
    }

    pub fn colour(&self, key: Option<&str>) -> &'static str {
        let Some(key) = key else {
            return UNKEYED_COLOUR;
        };
        let slot = match self.known_keys.iter().position(|k| k == key) {
            Some(i) if i < KEY_COLOURS.len() => i,
            _ => partition_for_key(key, KEY_COLOURS.len() as u32) as usize,
        };
        KEY_COLOURS[slot]
    }
}
/// `text` cut to `max` characters, ending in "…" when cut: a card or a
/// column shows what fits, and its label and title say the whole.
pub fn fit(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The letter drawn on a record token: the key's first letter, or `·`.
/// (ASCII upper-casing only: the full Unicode case tables would weigh
/// more than the rest of this module in the page's WebAssembly.)
pub fn key_letter(key: Option<&str>) -> String {
    key.and_then(|k| k.chars().next())
        .map_or("·".to_string(), |c| c.to_ascii_uppercase().to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenShape {
    /// A Kafka record or a RabbitMQ message.
    Record,
    FetchRequest,
    Commit,
    /// RabbitMQ `basic.ack`.
    Ack,
    /// `basic.nack` with requeue.
    Requeue,
    /// `basic.nack` without requeue: the message is dead-lettered.
    Reject,
    /// A broker's ZooKeeper session heartbeat.
    Heartbeat,
    /// The controller's `LeaderAndIsr` request.
    LeaderAndIsr,
}

/// The most tokens a picture draws one by one, with letters and titles;
/// beyond it, a crowd of dots (see the token layer).
pub const DETAILED_TOKENS: usize = 200;

/// A message in flight, at its position for this instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// Stable across frames, so the DOM node is reused as the token moves.
    pub id: String,
    pub shape: TokenShape,
    pub x: f64,
    pub y: f64,
    pub colour: &'static str,
    pub letter: String,
    pub title: String,
    /// The record or message it carries, which a click inspects.
    pub carries: Option<Subject>,
}

impl Token {
    /// A token in a crowd: where it is, its shape and colour, and no id,
    /// letter or title to make.
    pub fn dot(shape: TokenShape, (x, y): (f64, f64), colour: &'static str) -> Token {
        Token {
            id: String::new(),
            shape,
            x,
            y,
            colour,
            letter: String::new(),
            title: String::new(),
            carries: None,
        }
    }
}

/// Whether tokens jump instead of glide: set once when the page starts, from
/// the reader's `prefers-reduced-motion`. (A page-wide preference, like the
/// media query it mirrors; nothing else writes it.)
static JUMP: AtomicBool = AtomicBool::new(false);

/// Asks every picture to move tokens in jumps (`true`) or glides.
pub fn reduce_motion(jump: bool) {
    JUMP.store(jump, Ordering::Relaxed);
}

/// How far through its flight a message is, eased in and out (0 to 1). With
/// reduced motion, a token stays at its start for the first half of its
/// flight and then stands at its end.
pub fn progress(start_ms: f64, end_ms: f64, clock_ms: f64) -> f64 {
    if end_ms <= start_ms {
        return 1.0;
    }
    let f = ((clock_ms - start_ms) / (end_ms - start_ms)).clamp(0.0, 1.0);
    if JUMP.load(Ordering::Relaxed) {
        return jump(f);
    }
    f * f * (3.0 - 2.0 * f)
}

/// A glide's fraction as a jump: start, then end.
fn jump(f: f64) -> f64 {
    if f < 0.5 { 0.0 } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_what_does_not_fit_with_an_ellipsis() {
        assert_eq!(fit("worker-1", 24), "worker-1");
        assert_eq!(
            fit("payment-service-2 · cancelled", 24),
            "payment-service-2 · can…"
        );
        assert_eq!(fit("payment-service-2 · cancelled", 24).chars().count(), 24);
    }

    #[test]
    fn progress_eases_from_start_to_end() {
        assert_eq!(progress(100.0, 200.0, 50.0), 0.0);
        assert_eq!(progress(100.0, 200.0, 150.0), 0.5);
        assert_eq!(progress(100.0, 200.0, 250.0), 1.0);
        assert!(progress(100.0, 200.0, 110.0) < 0.1);
        assert_eq!([0.0, 0.49, 0.5, 1.0].map(jump), [0.0, 0.0, 1.0, 1.0]);
    }
}
