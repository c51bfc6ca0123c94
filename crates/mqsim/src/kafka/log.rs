//! A partition's log: an append-only sequence of records numbered by offset.
//!
//! Kafka stores every partition as a log. A record's offset is its position in
//! that log: the first record ever appended has offset 0 and each later one the
//! next number. The broker never deletes a record because it was read; readers
//! keep their own position (see [`consumer`](super::consumer)). The *log end
//! offset* is the offset the next record will get.

use crate::ids::RecordId;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A record header: a name and a value, as Kafka records carry them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: Arc<str>,
    pub value: Arc<str>,
}

/// A record's headers, shared between the copies of one record.
pub type Headers = Arc<[Header]>;

/// Serde's `skip_serializing_if` test for headers.
pub fn no_headers(headers: &Headers) -> bool {
    headers.is_empty()
}

/// One record as stored in a partition.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    pub id: RecordId,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
    pub headers: Headers,
    /// When the leader appended it (`LogAppendTime`).
    pub timestamp: SimTime,
}

/// The log of one partition.
#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    records: Vec<StoredRecord>,
}

impl PartitionLog {
    /// Appends a record and returns its offset.
    pub fn append(&mut self, record: StoredRecord) -> u64 {
        self.records.push(record);
        self.log_end_offset() - 1
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> u64 {
        self.records.len() as u64
    }

    /// The oldest offset still in the log.
    pub fn log_start_offset(&self) -> u64 {
        0
    }

    /// The record at `offset`, if the log holds it.
    pub fn get(&self, offset: u64) -> Option<&StoredRecord> {
        usize::try_from(offset)
            .ok()
            .and_then(|i| self.records.get(i))
    }

    /// The offsets a read of at most `max` records from `from` returns.
    pub fn read_range(&self, from: u64, max: u64) -> std::ops::Range<u64> {
        let start = from.clamp(self.log_start_offset(), self.log_end_offset());
        start..start.saturating_add(max).min(self.log_end_offset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> StoredRecord {
        StoredRecord {
            id: RecordId(id),
            key: None,
            value: Arc::from("v"),
            headers: Arc::from([]),
            timestamp: SimTime::ZERO,
        }
    }

    #[test]
    fn offsets_count_up_from_zero() {
        let mut log = PartitionLog::default();
        assert_eq!(log.append(record(7)), 0);
        assert_eq!(log.append(record(8)), 1);
        assert_eq!(log.log_end_offset(), 2);
        assert_eq!(log.get(1).map(|r| r.id), Some(RecordId(8)));
        assert_eq!(log.get(2), None);
    }

    #[test]
    fn reads_stop_at_the_log_end() {
        let mut log = PartitionLog::default();
        for id in 0..5 {
            log.append(record(id));
        }
        assert_eq!(log.read_range(1, 3), 1..4);
        assert_eq!(log.read_range(3, 10), 3..5);
        assert_eq!(log.read_range(9, 10), 5..5);
    }
}
