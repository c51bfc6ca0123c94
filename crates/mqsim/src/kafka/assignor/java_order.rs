//! The iteration order of a `java.util.HashMap<String, _>`.
//!
//! The sticky assignors keep members in Java `HashMap`s and, in a few steps,
//! hand out partitions in the order those maps iterate. To give the same
//! assignment, this engine must visit members in that same order. A
//! `HashMap` iterates its table bucket by bucket; a key's bucket is
//! `(h ^ (h >>> 16)) & (capacity - 1)`, where `h` is `String.hashCode()`;
//! keys in one bucket come in insertion order. The table starts with 16
//! buckets and doubles whenever it would be more than three quarters full.
//!
//! Not reproduced: Java turns a bucket into a tree once it holds more than
//! eight keys, which needs nine member ids with the same bucket.

/// `String.hashCode()`: `s[0]·31^(n-1) + … + s[n-1]` over UTF-16 code units,
/// in wrapping 32-bit arithmetic.
pub(super) fn string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The order a `HashMap` filled by inserting `keys` in order iterates them,
/// as indices into `keys`.
pub(super) fn hash_map_order(keys: &[&str]) -> Vec<usize> {
    let mut capacity: usize = 16;
    while keys.len() > capacity / 4 * 3 {
        capacity *= 2;
    }
    let bucket = |key: &str| {
        let h = string_hash_code(key) as u32;
        ((h ^ (h >> 16)) as usize) & (capacity - 1)
    };
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (bucket(keys[i]), i));
    order
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

    #[test]
    fn keys_sharing_a_bucket_keep_insertion_order() {
        // "Aa" and "BB" have the same hashCode (2112), a classic collision.
        assert_eq!(string_hash_code("Aa"), string_hash_code("BB"));
        assert_eq!(hash_map_order(&["BB", "Aa"]), [0, 1]);
        assert_eq!(hash_map_order(&["Aa", "BB"]), [0, 1]);
    }
}
