//! The iteration order of Java's `HashMap` and `HashSet`.
//!
//! The sticky assignors keep members and partitions in Java hash maps and,
//! in a few steps, act in the order those maps iterate. To give the same
//! assignment, this engine must visit them in that same order. A `HashMap`
//! iterates its table bucket by bucket; a key's bucket is
//! `(h ^ (h >>> 16)) & (capacity - 1)`, where `h` is the key's `hashCode()`;
//! keys in one bucket come in insertion order (a resize splits buckets but
//! keeps that order). The table starts with 16 buckets and doubles whenever
//! it would be more than three quarters full; removing keys never shrinks it.
//!
//! Not reproduced: Java turns a bucket into a tree once it holds more than
//! eight keys, which needs nine keys with the same bucket.

/// `String.hashCode()`: `s[0]·31^(n-1) + … + s[n-1]` over UTF-16 code units,
/// in wrapping 32-bit arithmetic.
pub(crate) fn string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// `TopicPartition.hashCode()`: `31 · (31 + partition) + topic.hashCode()`.
pub(super) fn topic_partition_hash_code(topic: &str, partition: u32) -> i32 {
    31i32
        .wrapping_mul(31i32.wrapping_add(partition as i32))
        .wrapping_add(string_hash_code(topic))
}

/// The capacity a table starting at 16 buckets grows to for `len` keys.
fn capacity_for(len: usize, mut capacity: usize) -> usize {
    while len > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The bucket of a key with hash code `hash` in a table of `capacity`.
fn bucket(hash: i32, capacity: usize) -> usize {
    let h = hash as u32;
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// The order a `HashMap` filled by inserting `keys` in order iterates them,
/// as indices into `keys`.
pub(crate) fn hash_map_order(keys: &[&str]) -> Vec<usize> {
    let capacity = capacity_for(keys.len(), 16);
    let mut order: Vec<usize> = (0..keys.len()).collect();
    crate::sort::sort_by_key(&mut order, |&i| {
        (bucket(string_hash_code(keys[i]), capacity), i)
    });
    order
}

/// The order a `HashMap` or `HashSet` built for `hashes.len()` elements
/// (`new HashSet<>(collection)`, `AssignorHelpers.newHashMap(n)`: a table
/// of the next power of two at or above `max(n / 0.75 + 1, 16)`) iterates
/// elements with these hash codes, inserted in order, as indices.
pub(crate) fn presized_order(hashes: &[i32]) -> Vec<usize> {
    let wanted = ((hashes.len() as f64 / 0.75) as usize + 1).max(16);
    let capacity = wanted.next_power_of_two();
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    crate::sort::sort_by_key(&mut order, |&i| (bucket(hashes[i], capacity), i));
    order
}

/// A `java.util.HashSet` reduced to what the assignors ask of it: insert,
/// remove, and which element its iterator returns first.
#[derive(Clone, Debug)]
pub(super) struct JavaHashSet<T> {
    capacity: usize,
    inserted: u64,
    /// Elements with their hash code and when they were inserted.
    entries: Vec<(T, i32, u64)>,
}

impl<T> Default for JavaHashSet<T> {
    fn default() -> JavaHashSet<T> {
        JavaHashSet {
            capacity: 16,
            inserted: 0,
            entries: Vec::new(),
        }
    }
}

impl<T: PartialEq + Copy> JavaHashSet<T> {
    /// Adds `item`, whose `hashCode()` is `hash`, unless it is already there.
    pub(super) fn insert(&mut self, item: T, hash: i32) {
        if self.entries.iter().any(|(e, _, _)| *e == item) {
            return;
        }
        self.entries.push((item, hash, self.inserted));
        self.inserted += 1;
        self.capacity = capacity_for(self.entries.len(), self.capacity);
    }

    pub(super) fn remove(&mut self, item: &T) {
        self.entries.retain(|(e, _, _)| e != item);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `iterator().next()`.
    pub(super) fn first(&self) -> Option<T> {
        self.entries
            .iter()
            .min_by_key(|(_, hash, inserted)| (bucket(*hash, self.capacity), *inserted))
            .map(|(item, _, _)| *item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values Java prints for `"…".hashCode()`.
    #[test]
    fn string_hash_code_matches_java() {
        assert_eq!(string_hash_code(""), 0);
        assert_eq!(string_hash_code("a"), 97);
        assert_eq!(string_hash_code("hello"), 99_162_322);
        assert_eq!(string_hash_code("consumer-1"), -166_239_206);
    }

    /// `new HashMap<>()` with "C0", "C1", "C2" put in reverse iterates them
    /// in bucket order: their hashes 2125, 2126 and 2127 fall in buckets 13,
    /// 14 and 15 of 16.
    #[test]
    fn iterates_by_bucket_not_insertion() {
        assert_eq!(hash_map_order(&["C2", "C1", "C0"]), [2, 1, 0]);
    }

    /// `new TopicPartition("t", 3).hashCode()` is 31 · 34 + 116 = 1170.
    #[test]
    fn topic_partition_hash_code_matches_java() {
        assert_eq!(topic_partition_hash_code("t", 3), 1170);
        assert_eq!(topic_partition_hash_code("orders", 0), 961 - 1_008_770_331);
    }

    /// Hash codes 17 and 1 share bucket 1 of 16 and come in insertion order;
    /// 16 is in bucket 0 and comes first. Once a 13th element doubles the
    /// table, 17 moves to bucket 17, after 1, and removing elements does not
    /// shrink the table back.
    #[test]
    fn hash_set_first_follows_buckets_then_insertion() {
        let mut set = JavaHashSet::default();
        set.insert('a', 17);
        set.insert('b', 1);
        assert_eq!(set.first(), Some('a'));
        set.insert('c', 16);
        assert_eq!(set.first(), Some('c'));
        set.remove(&'c');
        for (i, item) in ('d'..='n').enumerate() {
            set.insert(item, 100 + i as i32);
        }
        for item in 'd'..='n' {
            set.remove(&item);
        }
        assert_eq!(set.first(), Some('b'), "bucket 1 before bucket 17 of 32");
    }

    #[test]
    fn keys_sharing_a_bucket_keep_insertion_order() {
        // "Aa" and "BB" have the same hashCode (2112), a classic collision.
        assert_eq!(string_hash_code("Aa"), string_hash_code("BB"));
        assert_eq!(hash_map_order(&["BB", "Aa"]), [0, 1]);
        assert_eq!(hash_map_order(&["Aa", "BB"]), [0, 1]);
    }
}
