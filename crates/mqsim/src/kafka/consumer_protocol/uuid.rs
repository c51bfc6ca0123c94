//! Kafka's `Uuid`: a topic's id, 128 random bits, written as 22 characters
//! of URL-safe base64. The coordinator keeps topics in Java hash maps keyed
//! by it, so its `hashCode()` decides the order assignors visit topics in.

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use std::cmp::Ordering;

/// `org.apache.kafka.common.Uuid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Uuid {
    pub msb: u64,
    pub lsb: u64,
}

impl Uuid {
    /// `Uuid.fromString`: URL-safe base64 without padding, read as Java's
    /// decoder reads it (the last character's unused bits ignored).
    pub fn parse(text: &str) -> Option<Uuid> {
        let config = GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true);
        let bytes = GeneralPurpose::new(&alphabet::URL_SAFE, config)
            .decode(text)
            .ok()?;
        let bytes: [u8; 16] = bytes.try_into().ok()?;
        let (msb, lsb) = bytes.split_at(8);
        Some(Uuid {
            msb: u64::from_be_bytes(msb.try_into().ok()?),
            lsb: u64::from_be_bytes(lsb.try_into().ok()?),
        })
    }

    /// An id made from a topic's name (murmur2 of the name with four
    /// suffixes), standing in for the random one a cluster gives it.
    pub fn from_name(name: &str) -> Uuid {
        let word = |i: u8| {
            crate::kafka::partitioner::murmur2(format!("{name}/{i}").as_bytes()) as u32 as u64
        };
        Uuid {
            msb: word(0) << 32 | word(1),
            lsb: word(2) << 32 | word(3),
        }
    }

    /// `Uuid.hashCode()`: the two halves folded together.
    pub fn hash_code(self) -> i32 {
        let x = self.msb ^ self.lsb;
        ((x >> 32) as u32 ^ x as u32) as i32
    }

    /// `Uuid.compareTo`: the halves as signed longs, most significant
    /// first.
    pub fn java_cmp(self, other: Uuid) -> Ordering {
        (self.msb as i64, self.lsb as i64).cmp(&(other.msb as i64, other.lsb as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The topic ids of the coordinator's unit tests, and the hash codes
    /// Java gives them.
    #[test]
    fn hash_codes_match_java() {
        for (text, hash) in [
            ("T1-A4s3VTwiI5CTbEp6POw", 418_407_434),
            ("T2-B4s3VTwiI5YHbPp6YUe", 885_118_816),
            ("T3-CU8fVTLCz5YMkLoDQsa", 365_927_798),
        ] {
            assert_eq!(
                Uuid::parse(text).expect("a uuid").hash_code(),
                hash,
                "{text}"
            );
        }
        assert_eq!(Uuid::parse("too short"), None);
    }
}
