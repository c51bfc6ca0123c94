//! Messages in the air: each room's flights, kept in the order they land.
//!
//! A message leaves at its event and lands at its `arrives_at`. The world
//! asks after every event what has landed, so landing must cost only what
//! lands: flights wait in a queue sorted by landing time, taking off joins
//! it where it lands (nearly always at the back, as every message on a
//! link takes the same time), and landing takes from the front. A busy run
//! has thousands in the air and lands a few at each event; sorting them
//! out of a list at every event cost more than the whole engine's step.
//!
//! Flights that land at the same moment land in the order they took off,
//! as a stable sort of the list would have them.

use mqsim::SimTime;
use std::collections::VecDeque;

/// A message on the wire, as the rooms' flights are.
pub trait Flying {
    /// When it lands.
    fn lands_at(&self) -> SimTime;
}

/// Flights in the order they land.
#[derive(Clone, Debug, PartialEq)]
pub struct Flights<F> {
    queue: VecDeque<F>,
}

impl<F> Default for Flights<F> {
    fn default() -> Self {
        Flights {
            queue: VecDeque::new(),
        }
    }
}

impl<F: Flying> Flights<F> {
    /// `flight` takes off: it lands after those that land before it or
    /// at the same moment.
    pub fn take_off(&mut self, flight: F) {
        let end = flight.lands_at();
        let at = match self.queue.back() {
            Some(last) if last.lands_at() > end => {
                self.queue.partition_point(|f| f.lands_at() <= end)
            }
            _ => self.queue.len(),
        };
        self.queue.insert(at, flight);
    }

    /// When the first flight lands.
    pub fn next_landing(&self) -> Option<SimTime> {
        self.queue.front().map(Flying::lands_at)
    }

    /// Takes out the flights that have landed by `now`, first landed
    /// first.
    pub fn land_until(&mut self, now: SimTime) -> impl Iterator<Item = F> + '_ {
        std::iter::from_fn(move || {
            let first = self.queue.front()?;
            (first.lands_at() <= now).then(|| self.queue.pop_front())?
        })
    }

    /// Keeps only the flights `keep` says, as when a broker dies and its
    /// messages with it.
    pub fn retain(&mut self, keep: impl FnMut(&F) -> bool) {
        self.queue.retain(keep);
    }

    pub fn iter(&self) -> impl Iterator<Item = &F> {
        self.queue.iter()
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Note(u64, &'static str);

    impl Flying for Note {
        fn lands_at(&self) -> SimTime {
            SimTime::from_millis(self.0)
        }
    }

    fn landed(flights: &mut Flights<Note>, ms: u64) -> Vec<&'static str> {
        (flights.land_until(SimTime::from_millis(ms)))
            .map(|n| n.1)
            .collect()
    }

    #[test]
    fn flights_land_in_order_of_landing_then_of_taking_off() {
        let mut flights = Flights::default();
        for note in [Note(30, "c"), Note(10, "a"), Note(30, "d"), Note(20, "b")] {
            flights.take_off(note);
        }
        flights.take_off(Note(10, "a2"));
        assert_eq!(flights.next_landing(), Some(SimTime::from_millis(10)));
        assert_eq!(landed(&mut flights, 5), Vec::<&str>::new());
        assert_eq!(landed(&mut flights, 20), ["a", "a2", "b"]);
        assert_eq!(flights.len(), 2);
        assert_eq!(landed(&mut flights, 100), ["c", "d"]);
        assert!(flights.is_empty() && flights.next_landing().is_none());
    }

    #[test]
    fn flights_can_be_lost_in_the_air() {
        let mut flights = Flights::default();
        for note in [Note(10, "keep"), Note(20, "lose"), Note(30, "keep")] {
            flights.take_off(note);
        }
        flights.retain(|n| n.1 == "keep");
        assert_eq!(landed(&mut flights, 100), ["keep", "keep"]);
    }
}
