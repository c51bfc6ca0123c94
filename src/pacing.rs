//! How often each part of the page is drawn again.
//!
//! A frame's time is short: about 16.7 ms on a 60 Hz screen, and the
//! browser needs much of it to lay out and paint what changed. So each
//! frame draws only its new work:
//!
//! - tokens move every frame, drawn straight onto their layer;
//! - the picture's nodes (producers, strips, cards) are drawn again only
//!   when what they show has changed. In a busy run every partition's
//!   strip changes every frame, and drawing them all would take several
//!   frames' time; then a frame draws at most [`CELLS_PER_FRAME`] new
//!   cells, the strips shown longest ago first ([`Staggered`]), so each
//!   is at most a few frames behind while the tokens stay smooth;
//! - the tables, lesson counters and event log change far more
//!   often than anyone can read them, and are drawn again at most
//!   [`DETAILS_EVERY_MS`] apart while the run plays ([`Every`]).
//!
//! Paused, stepped, rewound or moved by a seek (`Playback::jumps`),
//! everything is drawn as it is at once.

use std::rc::Rc;

/// How often the tables, counters and the log are drawn again
/// while the run plays, in wall-clock milliseconds.
pub const DETAILS_EVERY_MS: f64 = 250.0;

/// The most new log cells a playing picture draws in one frame (a strip
/// shows 14); the strips that wait are drawn in the frames after.
pub const CELLS_PER_FRAME: usize = 16;

/// Parts of a picture of which only so many are drawn again in one frame,
/// the rest shown as they were.
#[derive(Debug)]
pub struct Staggered<T> {
    /// Each part as last drawn, and the frame it was drawn in.
    shown: Vec<(Rc<T>, u64)>,
    frame: u64,
}

impl<T> Default for Staggered<T> {
    fn default() -> Self {
        Staggered {
            shown: Vec::new(),
            frame: 0,
        }
    }
}

impl<T: PartialEq> Staggered<T> {
    /// What to draw this frame, given the parts as they are now: those that
    /// have changed, those drawn longest ago first, while what they cost
    /// (`cost(as shown, as now)`) stays within `budget` (the first always
    /// drawn, so every part gets its turn); the rest as they were last
    /// drawn. Parts added or taken away draw everything anew.
    pub fn show(
        &mut self,
        parts: Vec<T>,
        budget: usize,
        cost: impl Fn(&T, &T) -> usize,
    ) -> Vec<Rc<T>> {
        self.frame += 1;
        let frame = self.frame;
        if parts.len() != self.shown.len() {
            self.shown = parts.into_iter().map(|p| (Rc::new(p), frame)).collect();
        } else {
            let mut changed: Vec<usize> = (0..parts.len())
                .filter(|&i| *self.shown[i].0 != parts[i])
                .collect();
            mqsim::sort::sort_by_key(&mut changed, |&i| self.shown[i].1);
            let mut spent = 0;
            changed.retain(|&i| {
                let first = spent == 0;
                spent += cost(&self.shown[i].0, &parts[i]);
                first || spent <= budget
            });
            for (i, part) in parts.into_iter().enumerate() {
                if changed.contains(&i) {
                    self.shown[i] = (Rc::new(part), frame);
                }
            }
        }
        self.shown.iter().map(|(part, _)| part.clone()).collect()
    }
}

/// Something drawn again at most every so many milliseconds while the run
/// plays, and at once when it does not.
#[derive(Debug)]
pub struct Every<T> {
    every_ms: f64,
    drawn: Option<(f64, T)>,
}

impl<T: Clone> Every<T> {
    pub fn new(every_ms: f64) -> Every<T> {
        Every {
            every_ms,
            drawn: None,
        }
    }

    /// What to draw at wall-clock time `now_ms`: what `make` makes, when it
    /// is time (or the run is not `calm`: paused, or just moved by a
    /// jump), else what was drawn last.
    pub fn show(&mut self, now_ms: f64, calm: bool, make: impl FnOnce() -> T) -> T {
        match &self.drawn {
            Some((at, shown)) if calm && (0.0..self.every_ms).contains(&(now_ms - at)) => {
                shown.clone()
            }
            _ => {
                let shown = make();
                self.drawn = Some((now_ms, shown.clone()));
                shown
            }
        }
    }

    /// What was drawn last, if anything.
    pub fn last(&self) -> Option<&T> {
        self.drawn.as_ref().map(|(_, shown)| shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(shown: &[Rc<u32>]) -> Vec<u32> {
        shown.iter().map(|p| **p).collect()
    }

    #[test]
    fn at_most_the_budget_of_changed_parts_is_drawn_oldest_first() {
        let mut strips = Staggered::default();
        let one = |_: &u32, _: &u32| 1;
        assert_eq!(values(&strips.show(vec![1, 2, 3, 4], 2, one)), [1, 2, 3, 4]);
        // All four change; two are drawn, then the two that waited.
        assert_eq!(
            values(&strips.show(vec![10, 20, 30, 40], 2, one)),
            [10, 20, 3, 4]
        );
        assert_eq!(
            values(&strips.show(vec![11, 21, 30, 40], 2, one)),
            [10, 20, 30, 40]
        );
        assert_eq!(
            values(&strips.show(vec![11, 21, 30, 40], 2, one)),
            [11, 21, 30, 40]
        );
        // A part that has not changed is the same one, not drawn again.
        let before = strips.show(vec![11, 21, 30, 40], 2, one);
        let after = strips.show(vec![11, 21, 30, 41], 2, one);
        assert!(Rc::ptr_eq(&before[0], &after[0]));
        assert_eq!(values(&after), [11, 21, 30, 41]);
        // With no limit, or parts added, everything is drawn as it is.
        assert_eq!(
            values(&strips.show(vec![1, 2, 3, 4], usize::MAX, one)),
            [1, 2, 3, 4]
        );
        assert_eq!(
            values(&strips.show(vec![5, 6, 7, 8, 9], 1, one)),
            [5, 6, 7, 8, 9]
        );
    }

    /// The budget is in what the parts cost: many cheap changes go
    /// together, and one dear change is drawn alone, but drawn.
    #[test]
    fn the_budget_is_spent_on_what_changes_cost() {
        let mut strips = Staggered::default();
        let by_difference = |a: &u32, b: &u32| a.abs_diff(*b) as usize;
        strips.show(vec![0, 0, 0, 0], 10, by_difference);
        assert_eq!(
            values(&strips.show(vec![2, 2, 2, 2], 10, by_difference)),
            [2, 2, 2, 2]
        );
        assert_eq!(
            values(&strips.show(vec![50, 9, 9, 2], 10, by_difference)),
            [50, 2, 2, 2]
        );
        assert_eq!(
            values(&strips.show(vec![50, 9, 9, 2], 10, by_difference)),
            [50, 9, 2, 2]
        );
    }

    #[test]
    fn details_are_drawn_at_their_own_pace_while_playing() {
        let mut table = Every::new(250.0);
        assert_eq!(table.show(0.0, true, || 1), 1);
        assert_eq!(table.show(100.0, true, || 2), 1, "too soon");
        assert_eq!(table.show(260.0, true, || 3), 3);
        assert_eq!(table.show(270.0, false, || 4), 4, "paused: at once");
    }
}
