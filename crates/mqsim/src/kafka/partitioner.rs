//! Choosing a partition for a record, as Kafka's Java producer does.
//!
//! A topic is split into partitions so that it can be written and read in
//! parallel. The producer, not the broker, decides where each record goes:
//!
//! 1. A record that names a partition goes there.
//! 2. A record with a key goes to `toPositive(murmur2(key)) % partitions`.
//!    The same key therefore always lands on the same partition, and since a
//!    partition is read in order, records with one key are read in the order
//!    they were sent. Adding partitions changes the modulus and so moves keys.
//! 3. A record with neither is spread over the partitions in one of two ways
//!    (the scenario chooses, see [`Keyless`]):
//!    - **round robin** (`RoundRobinPartitioner`, and the default for keyless
//!      records before Kafka 2.4): each record to the next partition in turn;
//!    - **sticky** (KIP-480, the default since Kafka 2.4): the producer sticks
//!      to one partition until a batch is full, then switches to another
//!      partition chosen at random. Batches fill faster, so fewer, larger
//!      requests go out; over time the load still evens out.
//!
//! The hash is bit-exact with `org.apache.kafka.common.utils.Utils.murmur2`:
//! MurmurHash2, 32-bit, seed `0x9747b28c`, over the key's UTF-8 bytes.

use crate::rng::SimRng;
use crate::trace::PartitionChoice;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `Utils.murmur2`: MurmurHash2 as the Kafka Java client computes it. Java
/// `int` arithmetic wraps, so this uses wrapping operations on `i32` and
/// logical (unsigned) right shifts, as Java's `>>>` is.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let mut h: u32 = SEED ^ data.len() as u32;
    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // The Java switch falls through from case 3 to case 1.
    let tail = blocks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on
/// `i32::MIN`).
pub fn to_positive(n: i32) -> u32 {
    (n & 0x7fff_ffff) as u32
}

/// The partition a keyed record goes to among `partitions` partitions.
pub fn partition_for_key(key: &str, partitions: u32) -> u32 {
    to_positive(murmur2(key.as_bytes())) % partitions
}

/// How keyless records without an explicit partition are spread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum Keyless {
    /// Each record to the next partition in turn.
    #[default]
    RoundRobin,
    /// `batch_records` records to one partition, then a switch to a random
    /// other partition (the playground counts a batch in records where Kafka
    /// counts `batch.size` in bytes).
    Sticky { batch_records: u32 },
}

/// Read as one flat struct, then checked (as the scenario's timeline is:
/// the derive for an internally tagged enum carries much more code).
impl<'de> Deserialize<'de> for Keyless {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            strategy: Strategy,
            batch_records: Option<u32>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Strategy {
            RoundRobin,
            Sticky,
        }
        let raw = Raw::deserialize(deserializer)?;
        match (raw.strategy, raw.batch_records) {
            (Strategy::RoundRobin, None) => Ok(Keyless::RoundRobin),
            (Strategy::RoundRobin, Some(_)) => Err(D::Error::custom(
                "`batch_records` does not apply to strategy round_robin",
            )),
            (Strategy::Sticky, Some(batch_records)) => Ok(Keyless::Sticky { batch_records }),
            (Strategy::Sticky, None) => Err(D::Error::missing_field("batch_records")),
        }
    }
}

/// A producer's partitioner for one topic: stateless for keyed records, a
/// counter or a sticky batch for keyless ones.
#[derive(Clone, Debug, Default)]
pub struct Partitioner {
    keyless: Keyless,
    next_round_robin: u32,
    /// The sticky partition and how many records its batch holds so far.
    sticky: Option<(u32, u32)>,
}

impl Partitioner {
    pub fn new(keyless: Keyless) -> Partitioner {
        Partitioner {
            keyless,
            ..Partitioner::default()
        }
    }

    /// The partition for a record with this explicit partition and key. The
    /// sticky strategy draws its next partition from `rng`.
    pub fn choose(
        &mut self,
        explicit: Option<u32>,
        key: Option<&str>,
        partitions: u32,
        rng: &mut SimRng,
    ) -> (u32, PartitionChoice) {
        if let Some(partition) = explicit {
            (partition, PartitionChoice::Explicit)
        } else if let Some(key) = key {
            (partition_for_key(key, partitions), PartitionChoice::KeyHash)
        } else if let Keyless::Sticky { batch_records } = self.keyless {
            let partition = match self.sticky {
                Some((partition, filled)) if filled < batch_records && partition < partitions => {
                    self.sticky = Some((partition, filled + 1));
                    partition
                }
                previous => {
                    // A new batch: any partition but the previous one.
                    let partition = match previous
                        .map(|(p, _)| p)
                        .filter(|&p| p < partitions && partitions > 1)
                    {
                        Some(old) => {
                            let pick = rng.index(partitions - 1);
                            if pick >= old { pick + 1 } else { pick }
                        }
                        None => rng.index(partitions),
                    };
                    self.sticky = Some((partition, 1));
                    partition
                }
            };
            (partition, PartitionChoice::Sticky)
        } else {
            let counter = self.next_round_robin;
            self.next_round_robin = counter.wrapping_add(1);
            (
                to_positive(counter as i32) % partitions,
                PartitionChoice::RoundRobin,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> SimRng {
        SimRng::new(1, crate::rng::Stream::Producer(0))
    }

    /// The vectors of `UtilsTest.testMurmur2` in Apache Kafka
    /// (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java).
    #[test]
    fn murmur2_matches_kafka_utils_test_vectors() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107),
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    /// `Utils.toPositive` masks the sign bit: `toPositive(Integer.MIN_VALUE)` is 0.
    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), 0x7fff_ffff);
        assert_eq!(to_positive(42), 42);
    }

    #[test]
    fn explicit_partition_wins_over_key() {
        let mut p = Partitioner::default();
        assert_eq!(
            p.choose(Some(2), Some("alice"), 3, &mut rng()),
            (2, PartitionChoice::Explicit)
        );
    }

    /// "foobar" hashes to -790332482; toPositive gives 1357151166, and
    /// 1357151166 % 3 = 0, % 4 = 2.
    #[test]
    fn keyed_records_use_the_positive_hash_modulo_partitions() {
        let mut p = Partitioner::default();
        assert_eq!(
            p.choose(None, Some("foobar"), 3, &mut rng()),
            (0, PartitionChoice::KeyHash)
        );
        assert_eq!(
            p.choose(None, Some("foobar"), 4, &mut rng()),
            (2, PartitionChoice::KeyHash)
        );
    }

    #[test]
    fn keyless_records_go_round_robin() {
        let mut p = Partitioner::default();
        let chosen: Vec<u32> = (0..7)
            .map(|_| p.choose(None, None, 3, &mut rng()).0)
            .collect();
        assert_eq!(chosen, [0, 1, 2, 0, 1, 2, 0]);
    }

    /// KIP-480: a whole batch goes to one partition, and each new batch to a
    /// different partition than the last.
    #[test]
    fn sticky_fills_a_batch_then_switches_partition() {
        let mut p = Partitioner::new(Keyless::Sticky { batch_records: 4 });
        let mut rng = rng();
        let chosen: Vec<u32> = (0..40)
            .map(|_| p.choose(None, None, 5, &mut rng).0)
            .collect();
        for batch in chosen.chunks(4) {
            assert!(
                batch.iter().all(|&x| x == batch[0]),
                "one partition per batch: {chosen:?}"
            );
        }
        for pair in chosen.chunks(4).collect::<Vec<_>>().windows(2) {
            assert_ne!(pair[0][0], pair[1][0], "a new batch switches: {chosen:?}");
        }
        let used: std::collections::BTreeSet<u32> = chosen.iter().copied().collect();
        assert!(used.len() >= 4, "load spreads over time: {used:?}");
        assert_eq!(
            p.choose(None, Some("foobar"), 4, &mut rng),
            (2, PartitionChoice::KeyHash),
            "keys still hash"
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        /// The same key always maps to the same partition, and it is in range.
        #[test]
        fn key_placement_is_stable_and_in_range(key in ".{0,40}", partitions in 1u32..=1024) {
            let first = partition_for_key(&key, partitions);
            proptest::prop_assert!(first < partitions);
            proptest::prop_assert_eq!(first, partition_for_key(&key, partitions));
        }
    }
}
