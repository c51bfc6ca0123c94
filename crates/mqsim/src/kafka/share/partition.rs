//! A share-partition: one partition as one share group reads it
//! (`SharePartition` in Kafka 4.2's `core`, kept by the partition's leader).
//!
//! - Records below the **share-partition start offset** (SPSO) are done.
//!   From there to the last record acquired so far they are *in flight*,
//!   each in a state: `Available` (to be delivered, again perhaps),
//!   `Acquired` (by one member, until its lock runs out),
//!   `Acknowledged` or `Archived` (done, for good).
//! - **Acquiring** hands a member the available records first, in offset
//!   order, then new records from the log, at most `max.poll.records` and
//!   at most `group.share.partition.max.record.locks` in flight. Each
//!   delivery counts; a record on its last attempt is delivered alone.
//! - **Acknowledging**, by the member that holds the record: `Accept`
//!   (acknowledged), `Release` (available again, to be delivered again:
//!   its count stays), `Reject` (archived, not delivered again).
//! - A **lock** that runs out (`group.share.record.lock.duration.ms`, 30 s)
//!   makes the record available again; so does its member leaving or
//!   crashing (its share session closes). A record whose delivery count
//!   has reached `group.share.delivery.count.limit` (5) is archived
//!   instead: a poison record ends there (Kafka 4.2 has no dead-letter
//!   queue; KIP-1191 adds one in 4.4).
//! - The SPSO moves past the leading run of finished records.
//!
//! Simplified, as the playground's logs have no multi-record batches:
//! records are acquired and locked one by one rather than batch by batch
//! (so the batch rounding of `batch_optimized` and the throttling of
//! batches with high delivery counts have nothing to act on), and the
//! share coordinator's persistence always succeeds.

use crate::time::SimTime;
use std::collections::VecDeque;

/// `RecordState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    Available,
    Acquired,
    Acknowledged,
    Archived,
}

impl RecordState {
    pub fn is_terminal(self) -> bool {
        matches!(self, RecordState::Acknowledged | RecordState::Archived)
    }
}

/// `AcknowledgeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckType {
    Accept,
    Release,
    Reject,
}

/// One in-flight record (`InFlightState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub state: RecordState,
    /// How many times it has been delivered.
    pub delivery_count: u32,
    /// While acquired: by whom, and until when.
    pub member: Option<u32>,
    pub lock_until: Option<SimTime>,
}

/// The share group's settings that a share-partition follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `group.share.delivery.count.limit`.
    pub delivery_count_limit: u32,
    /// `group.share.record.lock.duration.ms`.
    pub lock_ms: u64,
    /// `group.share.partition.max.record.locks`.
    pub max_in_flight: u64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            delivery_count_limit: 5,
            lock_ms: 30_000,
            max_in_flight: 2_000,
        }
    }
}

/// Why an acknowledgement was refused (`INVALID_RECORD_STATE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckError {
    /// Not acquired, or acquired by another member.
    InvalidRecordState,
}

/// A share-partition.
#[derive(Clone, Debug, PartialEq)]
pub struct SharePartition {
    /// The SPSO.
    pub start: u64,
    /// The in-flight records, from the SPSO on: `records[i]` is offset
    /// `start + i`. One past the last is the next new record to acquire.
    pub records: VecDeque<InFlight>,
    pub settings: Settings,
    /// Records archived so far: rejected, or delivered as often as the
    /// limit allows.
    pub archived: u64,
}

impl SharePartition {
    /// A share-partition starting at `start`: the log end when the group
    /// first reads it (`share.auto.offset.reset=latest`, the default) or
    /// the log start (`earliest`).
    pub fn new(start: u64, settings: Settings) -> SharePartition {
        SharePartition {
            start,
            records: VecDeque::new(),
            settings,
            archived: 0,
        }
    }

    /// One past the last record acquired so far.
    pub fn end(&self) -> u64 {
        self.start + self.records.len() as u64
    }

    /// The record at `offset`, if in flight.
    pub fn record(&self, offset: u64) -> Option<&InFlight> {
        let i = offset.checked_sub(self.start)?;
        self.records.get(i as usize)
    }

    /// `member` fetches at `now`, the log ending at `log_end`: the records
    /// it acquires (offset and delivery count), at most `max_records`.
    pub fn acquire(
        &mut self,
        member: u32,
        max_records: u32,
        log_end: u64,
        now: SimTime,
    ) -> Vec<(u64, u32)> {
        let limit = self.settings.delivery_count_limit;
        let lock_until = SimTime::from_millis(now.as_millis() + self.settings.lock_ms);
        let mut acquired: Vec<(u64, u32)> = Vec::new();
        let take = |record: &mut InFlight| {
            record.state = RecordState::Acquired;
            record.delivery_count += 1;
            record.member = Some(member);
            record.lock_until = Some(lock_until);
            record.delivery_count
        };
        // Available records first, in offset order. One on its last
        // attempt goes alone.
        for i in 0..self.records.len() {
            if acquired.len() as u32 >= max_records {
                return acquired;
            }
            let record = &mut self.records[i];
            if record.state != RecordState::Available {
                continue;
            }
            let last_attempt = limit > 2 && record.delivery_count == limit - 1;
            if last_attempt && !acquired.is_empty() {
                return acquired;
            }
            let count = take(record);
            acquired.push((self.start + i as u64, count));
            if last_attempt {
                return acquired;
            }
        }
        // Then new records, within the in-flight limit.
        let room = self
            .settings
            .max_in_flight
            .saturating_sub(self.records.len() as u64);
        let wanted = u64::from(max_records) - acquired.len() as u64;
        let new = wanted.min(room).min(log_end.saturating_sub(self.end()));
        for _ in 0..new {
            let offset = self.end();
            let mut record = InFlight {
                state: RecordState::Available,
                delivery_count: 0,
                member: None,
                lock_until: None,
            };
            let count = take(&mut record);
            self.records.push_back(record);
            acquired.push((offset, count));
        }
        acquired
    }

    /// `member` acknowledges the record at `offset`.
    pub fn acknowledge(&mut self, member: u32, offset: u64, ack: AckType) -> Result<(), AckError> {
        if offset < self.start {
            return Ok(());
        }
        let limit = self.settings.delivery_count_limit;
        let i = (offset - self.start) as usize;
        let record = self
            .records
            .get_mut(i)
            .filter(|r| r.state == RecordState::Acquired && r.member == Some(member))
            .ok_or(AckError::InvalidRecordState)?;
        let state = match ack {
            AckType::Accept => RecordState::Acknowledged,
            AckType::Reject => RecordState::Archived,
            AckType::Release => available_or_archived(record.delivery_count, limit),
        };
        self.archived += u64::from(unlock(record, state));
        self.advance();
        Ok(())
    }

    /// Locks that ran out by `now` give their records back: the offsets.
    pub fn expire_locks(&mut self, now: SimTime) -> Vec<u64> {
        let limit = self.settings.delivery_count_limit;
        let mut expired = Vec::new();
        for (i, record) in self.records.iter_mut().enumerate() {
            if record.state == RecordState::Acquired && record.lock_until.is_some_and(|t| t <= now)
            {
                let state = available_or_archived(record.delivery_count, limit);
                self.archived += u64::from(unlock(record, state));
                expired.push(self.start + i as u64);
            }
        }
        self.advance();
        expired
    }

    /// `member`'s share session closed (it left or its connection
    /// dropped): what it had acquired is available again (Kafka 4.2 keeps
    /// the delivery count).
    pub fn release_member(&mut self, member: u32) -> Vec<u64> {
        let limit = self.settings.delivery_count_limit;
        let mut released = Vec::new();
        for (i, record) in self.records.iter_mut().enumerate() {
            if record.state == RecordState::Acquired && record.member == Some(member) {
                let state = available_or_archived(record.delivery_count, limit);
                self.archived += u64::from(unlock(record, state));
                released.push(self.start + i as u64);
            }
        }
        self.advance();
        released
    }

    /// The earliest lock still running, if any.
    pub fn next_lock_expiry(&self) -> Option<SimTime> {
        self.records.iter().filter_map(|r| r.lock_until).min()
    }

    /// The SPSO moves past the leading run of finished records.
    fn advance(&mut self) {
        while self.records.front().is_some_and(|r| r.state.is_terminal()) {
            self.records.pop_front();
            self.start += 1;
        }
    }
}

/// Available again, or archived once delivered as often as allowed.
fn available_or_archived(delivery_count: u32, limit: u32) -> RecordState {
    if delivery_count >= limit {
        RecordState::Archived
    } else {
        RecordState::Available
    }
}

/// Ends the record's lock in `state`; true when that archives it.
fn unlock(record: &mut InFlight, state: RecordState) -> bool {
    record.state = state;
    record.member = None;
    record.lock_until = None;
    state == RecordState::Archived
}
