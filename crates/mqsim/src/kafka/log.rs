//! A partition's log: an append-only sequence of records numbered by offset.
//!
//! Kafka stores every partition as a log. A record's offset is its position in
//! that log: the first record ever appended has offset 0 and each later one the
//! next number. The broker never deletes a record because it was read; readers
//! keep their own position (see [`consumer`](super::consumer)). The *log end
//! offset* is the offset the next record will get.

use crate::ids::RecordId;
use crate::time::SimTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

/// A record's value.
///
/// Scenario producers send values named after themselves and the record's
/// number, like `checkout-42`. Such a value is kept as those two parts and
/// spelled out only when shown: a run holds millions of records, and most
/// values are never looked at. Either way a value reads, compares and
/// serializes as its text.
#[derive(Clone, Debug)]
pub enum Value {
    /// `<producer>-<n>`: record number `n` of a scenario producer.
    Numbered { producer: Rc<str>, n: u64 },
    /// Any other text.
    Text(Rc<str>),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Numbered { producer, n } => write!(f, "{producer}-{n}"),
            Value::Text(text) => f.write_str(text),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a == b,
            (Value::Numbered { producer: a, n: m }, Value::Numbered { producer: b, n }) => {
                a == b && m == n
            }
            _ => self.to_string() == other.to_string(),
        }
    }
}

impl Eq for Value {}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(Rc::from(text))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        Ok(Value::Text(Rc::deserialize(deserializer)?))
    }
}

/// A record header: a name and a value, as Kafka records carry them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: Rc<str>,
    pub value: Rc<str>,
}

/// A record's headers, shared between the copies of one record.
pub type Headers = Rc<[Header]>;

/// Serde's `skip_serializing_if` test for headers.
pub fn no_headers(headers: &Headers) -> bool {
    headers.is_empty()
}

/// One record as stored in a partition.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRecord {
    pub id: RecordId,
    pub key: Option<Rc<str>>,
    pub value: Value,
    pub headers: Headers,
    /// When the leader appended it (`LogAppendTime`).
    pub timestamp: SimTime,
    /// The leader epoch of the leader that appended it.
    pub leader_epoch: u32,
}

/// Records per chunk of a log.
const CHUNK: usize = 256;

/// The log of one partition.
///
/// Records are kept in chunks of [`CHUNK`] behind `Rc`, so cloning a log
/// (each playback checkpoint clones the whole engine) shares every chunk;
/// a chunk written after the clone is copied first (copy on write). An
/// hour-long run keeps one copy of its records, not one per checkpoint.
#[derive(Clone, Debug, Default)]
pub struct PartitionLog {
    /// The log start offset: the oldest record retention has kept.
    start: u64,
    /// The offset of the first record of `chunks[0]`. Every chunk but the
    /// last is full, so the record at offset `o` is in chunk
    /// `(o - base) / CHUNK`.
    base: u64,
    /// The log end offset.
    end: u64,
    chunks: VecDeque<Rc<Vec<StoredRecord>>>,
    /// The leader epoch cache: each epoch seen, with the offset of its first
    /// record, oldest first. Replicas compare it to find where their logs
    /// part ways after a leader change.
    epochs: Vec<(u32, u64)>,
}

impl PartitionLog {
    /// Appends a record and returns its offset.
    pub fn append(&mut self, record: StoredRecord) -> u64 {
        let offset = self.end;
        if self
            .epochs
            .last()
            .is_none_or(|&(e, _)| e < record.leader_epoch)
        {
            self.epochs.push((record.leader_epoch, offset));
        }
        match self.chunks.back_mut() {
            Some(chunk) if chunk.len() < CHUNK => Rc::make_mut(chunk).push(record),
            _ => {
                // Made full size at once: grown by doubling, each chunk
                // would be moved eight times on its way to 256 records.
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(record);
                self.chunks.push_back(Rc::new(chunk));
            }
        }
        self.end += 1;
        offset
    }

    /// The epoch of the last record, if the log ever held one.
    pub fn last_epoch(&self) -> Option<u32> {
        self.epochs.last().map(|&(e, _)| e)
    }

    /// `OffsetsForLeaderEpoch`: the largest epoch at or below `epoch` this
    /// log knows, and the offset where that epoch ends (the start of the
    /// next epoch, or the log end for the latest). `None` when every epoch
    /// here is newer than `epoch`.
    pub fn end_of_epoch(&self, epoch: u32) -> Option<(u32, u64)> {
        let i = self.epochs.iter().rposition(|&(e, _)| e <= epoch)?;
        let end = self
            .epochs
            .get(i + 1)
            .map_or(self.log_end_offset(), |&(_, start)| start);
        Some((self.epochs[i].0, end))
    }

    /// Removes every record at `offset` and above; returns them, oldest first.
    pub fn truncate_to(&mut self, offset: u64) -> Vec<StoredRecord> {
        let keep = offset.clamp(self.start, self.end);
        let removed: Vec<StoredRecord> = self.records_in(keep..self.end).cloned().collect();
        self.epochs.retain(|&(_, start)| start < offset);
        let kept = (keep - self.base) as usize;
        self.chunks.truncate(kept.div_ceil(CHUNK));
        let full = self.chunks.len().saturating_sub(1) * CHUNK;
        if let Some(last) = self.chunks.back_mut() {
            let in_last = kept - full;
            if last.len() > in_last {
                Rc::make_mut(last).truncate(in_last);
            }
        }
        self.end = keep;
        removed
    }

    /// Records in `range`, for copying to a follower.
    pub fn records_in(&self, range: std::ops::Range<u64>) -> impl Iterator<Item = &StoredRecord> {
        range.filter_map(|offset| self.get(offset))
    }

    /// The offset the next appended record will get.
    pub fn log_end_offset(&self) -> u64 {
        self.end
    }

    /// The oldest offset still in the log. Retention moves it forward.
    pub fn log_start_offset(&self) -> u64 {
        self.start
    }

    /// The record at `offset`, if the log still holds it.
    pub fn get(&self, offset: u64) -> Option<&StoredRecord> {
        if !(self.start..self.end).contains(&offset) {
            return None;
        }
        let index = usize::try_from(offset - self.base).ok()?;
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The offsets a read of at most `max` records from `from` returns.
    pub fn read_range(&self, from: u64, max: u64) -> std::ops::Range<u64> {
        let start = from.clamp(self.log_start_offset(), self.log_end_offset());
        start..start.saturating_add(max).min(self.log_end_offset())
    }

    /// Deletes the oldest records while there are more than `max_records`
    /// or while they were appended before `older_than`. Returns how many
    /// were deleted.
    pub fn apply_retention(
        &mut self,
        max_records: Option<u64>,
        older_than: Option<SimTime>,
    ) -> u64 {
        let mut deleted = 0;
        while let Some(oldest) = self.get(self.start) {
            let too_many = max_records.is_some_and(|max| self.end - self.start > max);
            let too_old = older_than.is_some_and(|cutoff| oldest.timestamp < cutoff);
            if !(too_many || too_old) {
                break;
            }
            self.start += 1;
            deleted += 1;
        }
        // Chunks wholly below the log start go.
        while self.start - self.base >= CHUNK as u64 && self.chunks.len() > 1 {
            self.chunks.pop_front();
            self.base += CHUNK as u64;
        }
        deleted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: u64) -> StoredRecord {
        StoredRecord {
            id: RecordId(id),
            key: None,
            value: Value::from("v"),
            headers: Rc::from([]),
            timestamp: SimTime::ZERO,
            leader_epoch: 0,
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
    fn retention_moves_the_log_start_and_keeps_offsets() {
        let mut log = PartitionLog::default();
        for id in 0..6 {
            let mut r = record(id);
            r.timestamp = SimTime::from_millis(id * 100);
            log.append(r);
        }
        assert_eq!(log.apply_retention(Some(4), None), 2);
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (2, 6));
        assert_eq!(log.get(1), None, "deleted");
        assert_eq!(
            log.get(2).map(|r| r.id),
            Some(RecordId(2)),
            "offsets never change"
        );
        assert_eq!(
            log.apply_retention(None, Some(SimTime::from_millis(450))),
            3
        );
        assert_eq!(log.log_start_offset(), 5);
        assert_eq!(log.read_range(0, 10), 5..6, "reads start at the log start");
        assert_eq!(log.append(record(9)), 6);
    }

    /// Two epochs: 0 wrote offsets 0..3, 2 wrote 3..5. Asking about epoch 1
    /// (never seen here) answers with epoch 0, which ends at 3.
    #[test]
    fn the_epoch_cache_says_where_each_epoch_ends() {
        let mut log = PartitionLog::default();
        for (id, epoch) in [(0, 0), (1, 0), (2, 0), (3, 2), (4, 2)] {
            let mut r = record(id);
            r.leader_epoch = epoch;
            log.append(r);
        }
        assert_eq!(log.last_epoch(), Some(2));
        assert_eq!(log.end_of_epoch(0), Some((0, 3)));
        assert_eq!(log.end_of_epoch(1), Some((0, 3)));
        assert_eq!(log.end_of_epoch(2), Some((2, 5)));
        let removed = log.truncate_to(3);
        assert_eq!(removed.iter().map(|r| r.id.0).collect::<Vec<_>>(), [3, 4]);
        assert_eq!((log.log_end_offset(), log.last_epoch()), (3, Some(0)));
    }

    /// A clone shares its records; writing to either copies only the
    /// chunk written, and neither sees the other's changes.
    #[test]
    fn clones_share_records_until_written() {
        let mut log = PartitionLog::default();
        for id in 0..(CHUNK as u64 * 3 + 10) {
            log.append(record(id));
        }
        let checkpoint = log.clone();
        assert!(
            log.chunks
                .iter()
                .zip(&checkpoint.chunks)
                .all(|(a, b)| Rc::ptr_eq(a, b))
        );
        log.append(record(9_999));
        let removed = log.truncate_to(CHUNK as u64 + 5);
        assert_eq!(removed.len(), 2 * CHUNK - 5 + 10 + 1);
        assert_eq!(log.log_end_offset(), CHUNK as u64 + 5);
        assert!(
            Rc::ptr_eq(&log.chunks[0], &checkpoint.chunks[0]),
            "untouched chunks stay shared"
        );
        assert_eq!(checkpoint.log_end_offset(), CHUNK as u64 * 3 + 10);
        assert_eq!(
            checkpoint.get(CHUNK as u64 * 2).map(|r| r.id.0),
            Some(CHUNK as u64 * 2)
        );
        assert_eq!(log.append(record(7)), CHUNK as u64 + 5);
        assert_eq!(log.get(CHUNK as u64 + 5).map(|r| r.id.0), Some(7));
        assert_eq!(
            checkpoint.get(CHUNK as u64 + 5).map(|r| r.id.0),
            Some(CHUNK as u64 + 5)
        );
    }

    /// Retention frees whole chunks below the log start.
    #[test]
    fn retention_frees_chunks() {
        let mut log = PartitionLog::default();
        for id in 0..(CHUNK as u64 * 4) {
            log.append(record(id));
        }
        assert_eq!(
            log.apply_retention(Some(CHUNK as u64), None),
            3 * CHUNK as u64
        );
        assert_eq!(log.chunks.len(), 1);
        assert_eq!(
            log.get(3 * CHUNK as u64).map(|r| r.id.0),
            Some(3 * CHUNK as u64)
        );
        assert_eq!(log.get(3 * CHUNK as u64 - 1), None);
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
