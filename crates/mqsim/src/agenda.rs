//! The agenda: what will happen next, in time order.
//!
//! A discrete-event simulation does not tick through every millisecond. It
//! keeps a queue of scheduled actions and jumps straight to the earliest one.
//! Actions scheduled for the same millisecond run in the order they were
//! scheduled: the key is `(time, sequence number)`, and the sequence number
//! breaks ties, so the order never depends on anything but the scenario.
//!
//! The timeline's entries come first in their millisecond, in timeline
//! order ([`Agenda::schedule_entry`]), except at time zero, where the
//! scenario's own start (its brokers, producers and members) comes first.
//! So an entry made while the run goes on (live mode: a client's request,
//! stamped after the last millisecond run) does exactly what it does when
//! the run is replayed with the entry in its scenario from the start.

use crate::sim::Scheduled;
use crate::time::SimTime;
use crate::trace::{Event, EventKind, TraceSink};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Scheduled actions of type `A`, earliest first.
///
/// The heap orders small `(time, sequence, slot)` keys; the actions
/// themselves wait in a slab, so sifting the heap never moves them.
#[derive(Clone, Debug)]
pub(crate) struct Agenda<A> {
    /// `(time, 0 for a timeline entry else 1, sequence, slot)`.
    queue: BinaryHeap<Reverse<(SimTime, u8, u64, u32)>>,
    slots: Vec<Option<A>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<A> Default for Agenda<A> {
    fn default() -> Self {
        Agenda {
            queue: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<A> Agenda<A> {
    pub fn schedule(&mut self, at: SimTime, action: A) {
        self.push(at, 1, action);
    }

    /// Schedules a timeline entry's action: before everything else due in
    /// its millisecond (after the start at time zero), after the entries
    /// scheduled before it.
    pub fn schedule_entry(&mut self, at: SimTime, action: A) {
        self.push(at, u8::from(at == SimTime::ZERO), action);
    }

    fn push(&mut self, at: SimTime, class: u8, action: A) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(action);
                slot
            }
            None => {
                self.slots.push(Some(action));
                (self.slots.len() - 1) as u32
            }
        };
        self.queue.push(Reverse((at, class, self.next_seq, slot)));
        self.next_seq += 1;
    }

    /// When the earliest action is due, if any is scheduled.
    pub fn next_due(&self) -> Option<SimTime> {
        self.queue.peek().map(|Reverse((at, _, _, _))| *at)
    }

    /// Removes and returns the earliest action if it is due at or before `until`.
    pub fn pop_due(&mut self, until: SimTime) -> Option<(SimTime, A)> {
        if self.next_due()? > until {
            return None;
        }
        let Reverse((at, _, _, slot)) = self.queue.pop()?;
        self.free.push(slot);
        self.slots[slot as usize].take().map(|action| (at, action))
    }
}

/// What a handler may do: read the clock, emit events, schedule actions.
/// Handlers never touch the agenda or the sink directly, which keeps them
/// free of I/O and easy to test.
///
/// Each side of the engine schedules its own action type `A`; the shared
/// agenda holds them converted into `S` (see [`crate::sim`]).
pub(crate) struct Ctx<'a, A, S = Scheduled> {
    pub now: SimTime,
    /// One-way network latency in milliseconds.
    pub latency_ms: u64,
    agenda: &'a mut Agenda<S>,
    sink: &'a mut dyn TraceSink,
    side: std::marker::PhantomData<fn(A)>,
}

impl<'a, A: Into<S>, S> Ctx<'a, A, S> {
    pub fn new(
        now: SimTime,
        latency_ms: u64,
        agenda: &'a mut Agenda<S>,
        sink: &'a mut dyn TraceSink,
    ) -> Self {
        Ctx {
            now,
            latency_ms,
            agenda,
            sink,
            side: std::marker::PhantomData,
        }
    }

    pub fn emit(&mut self, kind: EventKind) {
        self.sink.record(Event { at: self.now, kind });
    }

    pub fn at(&mut self, at: SimTime, action: A) {
        self.agenda.schedule(at, action.into());
    }

    /// Sends `action` over the network: it happens one latency from now.
    /// Returns when it arrives.
    pub fn send(&mut self, action: A) -> SimTime {
        let arrives_at = self.now + self.latency_ms;
        self.agenda.schedule(arrives_at, action.into());
        arrives_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_ties_in_scheduling_order() {
        let mut agenda = Agenda::default();
        agenda.schedule(SimTime::from_millis(20), "late");
        agenda.schedule(SimTime::from_millis(10), "first at 10");
        agenda.schedule(SimTime::from_millis(10), "second at 10");
        let until = SimTime::from_millis(15);
        assert_eq!(
            agenda.pop_due(until),
            Some((SimTime::from_millis(10), "first at 10"))
        );
        assert_eq!(
            agenda.pop_due(until),
            Some((SimTime::from_millis(10), "second at 10"))
        );
        assert_eq!(agenda.pop_due(until), None);
        assert_eq!(agenda.next_due(), Some(SimTime::from_millis(20)));
    }
}
