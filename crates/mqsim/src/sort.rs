//! One stable sort for the whole engine and the app.
//!
//! Every call of the standard `sort_by` with its own element type and
//! closure compiles to its own copy of the sorting algorithm, about 3.5 KB
//! of WebAssembly each. The playground's page carries the engine, so twenty
//! copies cost more than most of its features. Here every caller sorts
//! through one instance: the standard stable sort of `u32` positions, with
//! a `dyn` comparison that looks the elements up; then the elements are
//! moved into that order. The result is exactly the standard stable sort's.
//!
//! Collecting into a map sorts the items first, with yet another copy;
//! [`btree_map`], [`lite_map`] and [`lite_set`] insert them one by one
//! instead, which gives the same collection.
//!
//! The maps themselves are generic code too: every `BTreeMap<K, V>` with its
//! own `K` and `V` carries a B-tree of about 4.5 KB. Maps that stay small
//! (per topic, partition, member or exchange) are a [`LiteMap`] instead, a
//! sorted `Vec` with a map's interface, whose code is a binary search and a
//! `Vec` insert; a set is a `LiteMap<T, ()>`. Both iterate in key order, as
//! a `BTreeMap` does. A map that grows large and empties from the front
//! stays a `BTreeMap`: a `Vec` would shift all of it on each removal.

use litemap::LiteMap;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Collects `items` into a map, as `collect()` would (a later duplicate
/// key wins), without sorting them first.
pub fn btree_map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    map.extend(items);
    map
}

/// Collects `items` into a [`LiteMap`], as `collect()` would (a later
/// duplicate key wins), without sorting them first.
pub fn lite_map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> LiteMap<K, V> {
    let mut map = LiteMap::new_vec();
    for (key, value) in items {
        map.insert(key, value);
    }
    map
}

/// Collects `items` into a set: a [`LiteMap`] whose keys are the items.
pub fn lite_set<T: Ord>(items: impl IntoIterator<Item = T>) -> LiteMap<T, ()> {
    lite_map(items.into_iter().map(|item| (item, ())))
}

/// Sorts `items` stably by `compare`, as `<[T]>::sort_by` does.
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    let mut order: Vec<u32> = (0..items.len() as u32).collect();
    {
        let items = &*items;
        let by_element = |a: &u32, b: &u32| compare(&items[*a as usize], &items[*b as usize]);
        sort_positions(&mut order, &by_element);
    }
    permute(items, &mut order);
}

/// Sorts `items` stably by `key`, as `<[T]>::sort_by_key` does.
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The one instance of the standard sort.
fn sort_positions(order: &mut [u32], compare: &dyn Fn(&u32, &u32) -> Ordering) {
    order.sort_by(compare);
}

/// Moves `items` so that position `i` holds what was at `order[i]`,
/// following each cycle of the permutation once.
fn permute<T>(items: &mut [T], order: &mut [u32]) {
    for start in 0..order.len() {
        let mut at = start;
        loop {
            let from = order[at] as usize;
            order[at] = at as u32;
            if from == start || from == at {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same order as the standard stable sort, equal keys included.
        #[test]
        fn sorts_as_the_standard_stable_sort(items in proptest::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(key, _)| key);
            let mut std = items;
            std.sort_by_key(|&(key, _)| key);
            prop_assert_eq!(ours, std);
        }
    }
}
