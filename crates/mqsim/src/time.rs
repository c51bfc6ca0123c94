//! Virtual time.
//!
//! The simulation never reads a wall clock. Time is a count of virtual
//! milliseconds since the scenario started, and it only moves when the
//! simulation jumps to the next scheduled action. Keeping time as an integer
//! makes every run bit-identical on every platform, native or wasm.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Add;

/// A point in virtual time, in milliseconds since the scenario started.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(u64);

impl SimTime {
    /// The moment the scenario starts.
    pub const ZERO: SimTime = SimTime(0);

    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time `ms` milliseconds earlier, or zero.
    pub fn saturating_sub_millis(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_sub(ms))
    }

    /// Milliseconds from `earlier` to `self`, or zero if `earlier` is later.
    pub fn millis_since(self, earlier: SimTime) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// Adding a number of milliseconds to a point in time.
impl Add<u64> for SimTime {
    type Output = SimTime;

    fn add(self, ms: u64) -> SimTime {
        SimTime(self.0.saturating_add(ms))
    }
}

impl fmt::Display for SimTime {
    /// Formats as seconds with millisecond precision, e.g. `12.345s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}s", self.0 / 1000, self.0 % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_as_seconds() {
        assert_eq!(SimTime::from_millis(12_345).to_string(), "12.345s");
        assert_eq!(SimTime::from_millis(7).to_string(), "0.007s");
    }

    #[test]
    fn adding_saturates_instead_of_wrapping() {
        assert_eq!(
            SimTime::from_millis(u64::MAX) + 5,
            SimTime::from_millis(u64::MAX)
        );
    }
}
