//! What is on the wire: records and messages sent and not yet arrived,
//! looked up by id when they arrive.
//!
//! They are sent in id order and mostly arrive in it, so they wait in a
//! queue sorted by id: sending appends at the back, and arriving usually
//! takes from the front (else a binary search finds it). A `BTreeMap` would do the same
//! with a B-tree's code, some 4.5 KB of WebAssembly for every key and value
//! type; a sorted `Vec` would shift everything behind the front on each
//! arrival, and a busy run has a thousand things in flight.

use std::collections::VecDeque;

#[derive(Clone, Debug, PartialEq)]
pub struct OnTheWire<K, V> {
    /// Sorted by id, each id once.
    items: VecDeque<(K, V)>,
}

impl<K, V> Default for OnTheWire<K, V> {
    fn default() -> Self {
        OnTheWire {
            items: VecDeque::new(),
        }
    }
}

impl<K: Ord + Copy, V> OnTheWire<K, V> {
    /// `id` is sent with `value`; sending the same id again replaces it.
    pub fn send(&mut self, id: K, value: V) {
        if self.items.back().is_none_or(|(last, _)| *last < id) {
            self.items.push_back((id, value));
            return;
        }
        match self.items.binary_search_by(|(k, _)| k.cmp(&id)) {
            Ok(at) => self.items[at].1 = value,
            Err(at) => self.items.insert(at, (id, value)),
        }
    }

    /// `id` arrives: what was sent with it, if it was sent.
    pub fn arrive(&mut self, id: K) -> Option<V> {
        if self.items.front().is_some_and(|(first, _)| *first == id) {
            return self.items.pop_front().map(|(_, value)| value);
        }
        let at = self.items.binary_search_by(|(k, _)| k.cmp(&id)).ok()?;
        self.items.remove(at).map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_sent_arrives_once() {
        let mut wire = OnTheWire::default();
        wire.send(1, "a");
        wire.send(2, "b");
        assert_eq!(wire.arrive(1), Some("a"));
        assert_eq!(wire.arrive(1), None);
        assert_eq!(wire.arrive(2), Some("b"));
        assert_eq!(wire, OnTheWire::default());
    }

    #[test]
    fn order_of_sending_and_arriving_does_not_matter() {
        let mut wire = OnTheWire::default();
        for id in [5, 1, 4, 2, 3] {
            wire.send(id, id * 10);
        }
        for id in [3, 5, 1, 2, 4] {
            assert_eq!(wire.arrive(id), Some(id * 10));
        }
        assert_eq!(wire.arrive(6), None);
    }

    #[test]
    fn sending_an_id_again_replaces_what_it_carries() {
        let mut wire = OnTheWire::default();
        wire.send(7, "first");
        wire.send(7, "again");
        assert_eq!(wire.arrive(7), Some("again"));
        assert_eq!(wire.arrive(7), None);
    }
}
