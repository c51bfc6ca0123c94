//! Checkpoints: copies of a run's state, so that going back in time is a
//! short replay rather than one from the start.
//!
//! The engine only runs forward. To show an earlier moment, playback
//! restores the newest copy at or before it and runs on from there, which
//! gives exactly the same state because the engine is deterministic. How
//! long a rewind takes is how much virtual time it replays, so the copies
//! must be near every moment; how much memory they take is how many there
//! are. Two kinds keep both in hand:
//!
//! - the **recent** ones, one every [`CHECKPOINT_MS`] for the newest
//!   [`RECENT`]: scrubbing back a little, the commonest rewind, replays at
//!   most 5 s;
//! - **landmarks** over the rest of the run, at multiples of a stride. When
//!   there would be more than [`LANDMARKS`], the stride doubles and every
//!   other one goes. So a run of any length keeps at most `RECENT +
//!   LANDMARKS` copies, and a rewind anywhere in it replays less than one
//!   stride: for an hour, 160 s of virtual time (`?bench=hour` measures it).
//!
//! A copy is cheaper than it looks: the partition logs' chunks are shared
//! between copies (see `mqsim::kafka::log`).

/// Virtual time between checkpoints.
pub const CHECKPOINT_MS: u64 = 5_000;
/// The newest checkpoints kept at every [`CHECKPOINT_MS`]: two minutes.
pub const RECENT: usize = 24;
/// The most landmarks kept further back.
pub const LANDMARKS: usize = 24;

/// Copies of a state `S` at moments in virtual time (milliseconds).
pub struct Checkpoints<S> {
    /// Oldest first: the landmarks, then the recent ones.
    kept: Vec<(u64, S)>,
    /// The landmarks' spacing: a multiple of [`CHECKPOINT_MS`].
    stride: u64,
}

impl<S> Default for Checkpoints<S> {
    fn default() -> Self {
        Checkpoints {
            kept: Vec::new(),
            stride: CHECKPOINT_MS,
        }
    }
}

impl<S> Checkpoints<S> {
    /// Keeps `state`, the run at `at` (later than any kept), and lets
    /// older copies go as the spacing above says.
    pub fn keep(&mut self, at: u64, state: S) {
        self.kept.push((at, state));
        loop {
            // Those older than the recent ones stay only at a multiple of
            // the stride.
            let (landmarks, stride) = (self.kept.len().saturating_sub(RECENT), self.stride);
            let mut i = 0;
            self.kept.retain(|(t, _)| {
                i += 1;
                i > landmarks || t.is_multiple_of(stride)
            });
            if self.kept.len() <= RECENT + LANDMARKS {
                return;
            }
            self.stride *= 2;
        }
    }

    /// The newest copy at or before `at`, forgetting those after it: the
    /// replay from there makes them again.
    pub fn rewind_to(&mut self, at: u64) -> Option<&(u64, S)> {
        self.kept.retain(|(t, _)| *t <= at);
        self.kept.last()
    }

    pub fn clear(&mut self) {
        self.kept.clear();
        self.stride = CHECKPOINT_MS;
    }

    /// Every copy, oldest first.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut S> {
        self.kept.iter_mut().map(|(_, s)| s)
    }

    /// The moments kept, oldest first.
    pub fn moments(&self) -> impl Iterator<Item = u64> + '_ {
        self.kept.iter().map(|(t, _)| *t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checkpoints of a run `ms` long, kept as playback keeps them.
    fn run(ms: u64) -> Checkpoints<u64> {
        let mut c = Checkpoints::default();
        for at in (CHECKPOINT_MS..=ms).step_by(CHECKPOINT_MS as usize) {
            c.keep(at, at);
        }
        c
    }

    /// However long the run, the copies are bounded, the newest two
    /// minutes are there at every 5 s, and no moment is further than one
    /// stride, about 2 × the run / LANDMARKS, from a copy before it.
    #[test]
    fn copies_are_bounded_and_spread_over_the_whole_run() {
        for hours in [1, 2, 10] {
            let ms = hours * 3_600_000;
            let c = run(ms);
            let moments: Vec<u64> = c.moments().collect();
            assert!(moments.len() <= RECENT + LANDMARKS, "{hours} h");
            let recent = &moments[moments.len() - RECENT..];
            assert!(recent.windows(2).all(|w| w[1] - w[0] == CHECKPOINT_MS));
            assert_eq!(*recent.last().unwrap(), ms);
            let widest = (std::iter::once(0).chain(moments.iter().copied()))
                .collect::<Vec<_>>()
                .windows(2)
                .map(|w| w[1] - w[0])
                .max()
                .unwrap();
            assert_eq!(widest, c.stride, "{hours} h");
            assert!(c.stride <= 2 * ms / LANDMARKS as u64, "{hours} h");
        }
        // An hour: a rewind anywhere replays at most 160 s.
        assert_eq!(run(3_600_000).stride, 160_000);
    }

    /// Going back keeps the copies at or before the moment, and playing
    /// on from there keeps them as a run that never went back would.
    #[test]
    fn rewinding_forgets_the_copies_after_and_replays_them() {
        let mut c = run(3_600_000);
        assert_eq!(c.rewind_to(1_000_000).map(|(t, _)| *t), Some(960_000));
        assert_eq!(c.rewind_to(4_999), None);
        let mut c = run(600_000);
        c.rewind_to(300_000);
        for at in (305_000..=600_000).step_by(CHECKPOINT_MS as usize) {
            c.keep(at, at);
        }
        assert_eq!(
            c.moments().collect::<Vec<_>>(),
            run(600_000).moments().collect::<Vec<_>>()
        );
    }
}
