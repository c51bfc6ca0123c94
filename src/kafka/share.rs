//! What the view knows of share groups (KIP-932), folded from the trace.
//!
//! For each partition a share group reads, the leader keeps a window of
//! *in-flight* records, from the share-partition start offset (SPSO) to
//! the last record acquired: each available, acquired by one member,
//! acknowledged, or archived, with how often it has been delivered. The
//! view keeps the same window from the events, to colour the log's cells
//! and move the SPSO marker; it never asks the engine.

use super::world::{Anchor, Cargo, Flight, World};
use litemap::LiteMap;
use mqsim::ids::{ConsumerId, TopicPartition};
use mqsim::trace::AckType;
use mqsim::{Event, EventKind};
use std::collections::VecDeque;

/// How many archived offsets a share-partition's view remembers: more
/// than a strip shows.
const KEPT_ARCHIVED: usize = 64;

/// Where one in-flight record is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareState {
    /// To be delivered (again).
    Available,
    /// Locked for this member.
    Acquired(ConsumerId),
    /// Accepted: done.
    Acknowledged,
    /// Rejected, or delivered as often as the limit allows: done, never
    /// delivered again.
    Archived,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShareRecord {
    pub state: ShareState,
    /// Deliveries so far.
    pub deliveries: u32,
}

/// One share-partition as the view knows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SharePartitionView {
    /// Where the group started reading (`share.auto.offset.reset`).
    pub first: u64,
    /// The SPSO: every record below it is done.
    pub start: u64,
    /// From `start` on, each record's state.
    pub records: VecDeque<ShareRecord>,
    /// Records archived so far.
    pub archived: u64,
    /// The offsets of the newest of them, to draw once the start has
    /// passed them.
    pub archived_offsets: VecDeque<u64>,
}

impl SharePartitionView {
    /// One past the last record acquired so far (the end of the window).
    pub fn end(&self) -> u64 {
        self.start + self.records.len() as u64
    }

    /// Records done (acknowledged or archived) inside the window.
    pub fn done_in_window(&self) -> u64 {
        let done =
            |r: &&ShareRecord| matches!(r.state, ShareState::Acknowledged | ShareState::Archived);
        self.records.iter().filter(done).count() as u64
    }

    /// The record at `offset`, if in the window.
    pub fn record(&self, offset: u64) -> Option<ShareRecord> {
        let i = offset.checked_sub(self.start)?;
        self.records.get(i as usize).copied()
    }

    fn record_mut(&mut self, offset: u64) -> Option<&mut ShareRecord> {
        let i = offset.checked_sub(self.start)?;
        while self.records.len() as u64 <= i {
            self.records.push_back(ShareRecord {
                state: ShareState::Available,
                deliveries: 0,
            });
        }
        self.records.get_mut(i as usize)
    }

    /// Sets `offsets` to `state`, counting those archived.
    fn settle(&mut self, offsets: &[u64], state: impl Fn(u64) -> ShareState) {
        for &offset in offsets {
            let state = state(offset);
            if let Some(r) = self.record_mut(offset) {
                r.state = state;
            }
            if state == ShareState::Archived {
                self.archived += 1;
                if self.archived_offsets.len() == KEPT_ARCHIVED {
                    self.archived_offsets.pop_front();
                }
                self.archived_offsets.push_back(offset);
            }
        }
    }

    /// The start moves to `start`, dropping the records below it.
    fn advance(&mut self, start: u64) {
        while self.start < start {
            self.records.pop_front();
            self.start += 1;
        }
    }
}

/// Per share-partition of one group.
pub type Shares = LiteMap<TopicPartition, SharePartitionView>;

impl World {
    /// Applies a share-group event; false if `event` is none.
    pub(super) fn apply_share(&mut self, event: &Event) -> bool {
        let at = event.at;
        match &event.kind {
            EventKind::ShareRecordsAcquired {
                consumer,
                tp,
                records,
                arrives_at,
                ..
            } => {
                let tp = *tp;
                let view = self.share_mut(*consumer, tp, records.first().map(|r| r.offset));
                for r in records {
                    if let Some(record) = view.record_mut(r.offset) {
                        record.state = ShareState::Acquired(*consumer);
                        record.deliveries = r.delivery_count;
                    }
                }
                for r in records {
                    let record = self.record_at(tp, r.offset);
                    self.fly(Flight {
                        cargo: Cargo::Record(record),
                        from: Anchor::Cell(tp, r.offset),
                        to: Anchor::Consumer(*consumer),
                        start: at,
                        end: *arrives_at,
                        lands_in: Some(*consumer),
                    });
                }
            }
            EventKind::ShareRecordsAcknowledged {
                consumer,
                tp,
                ack,
                offsets,
                refused,
                archived,
                start,
            } => {
                let view = self.share_mut(*consumer, *tp, None);
                let applied: Vec<u64> = (offsets.iter().copied())
                    .filter(|o| !refused.contains(o))
                    .collect();
                view.settle(&applied, |o| match ack {
                    AckType::Accept => ShareState::Acknowledged,
                    AckType::Reject => ShareState::Archived,
                    AckType::Release if archived.contains(&o) => ShareState::Archived,
                    AckType::Release => ShareState::Available,
                });
                view.advance(*start);
            }
            EventKind::ShareLocksExpired {
                group,
                tp,
                offsets,
                archived,
                start,
            } => {
                let shares = &mut self.groups[group.index()].shares;
                let view = shares.entry(*tp).or_default();
                view.settle(offsets, |o| released(archived, o));
                view.advance(*start);
            }
            EventKind::ShareSessionClosed {
                consumer,
                tp,
                offsets,
                archived,
                start,
            } => {
                let view = self.share_mut(*consumer, *tp, None);
                view.settle(offsets, |o| released(archived, o));
                view.advance(*start);
            }
            _ => return false,
        }
        true
    }

    /// `consumer`'s group's view of `tp`, made (starting at `first`) when
    /// it is new.
    fn share_mut(
        &mut self,
        consumer: ConsumerId,
        tp: TopicPartition,
        first: Option<u64>,
    ) -> &mut SharePartitionView {
        let group = self.consumers[consumer.index()].group;
        let shares = &mut self.groups[group.index()].shares;
        let first = first.unwrap_or(0);
        shares.entry(tp).or_insert_with(|| SharePartitionView {
            first,
            start: first,
            ..SharePartitionView::default()
        })
    }
}

/// A released record is available again, unless it was archived.
fn released(archived: &[u64], offset: u64) -> ShareState {
    if archived.contains(&offset) {
        ShareState::Archived
    } else {
        ShareState::Available
    }
}
