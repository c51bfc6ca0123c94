//! Retention: how long a partition keeps its records.
//!
//! Kafka does not delete a record when it is read: every group reads at its
//! own pace, and a new group may start from the beginning. Records go only
//! when retention says so, by age (`retention.ms`) or by size
//! (`retention.bytes`; the playground counts records instead of bytes). A
//! cleaner runs every `log.retention.check.interval.ms` and deletes the
//! oldest records; the partition's *log start offset* moves forward, and
//! offsets never change.
//!
//! A group that falls further behind than retention allows loses records it
//! never read. Its next fetch asks for an offset the log no longer holds
//! (`OFFSET_OUT_OF_RANGE`), and `auto.offset.reset` moves it: `earliest`
//! to the new log start, `latest` to the log end.
//!
//! Kafka deletes whole log segments, so real logs shrink in steps; here each
//! record is its own segment and the log start moves one record at a time.

use super::{Action, Kafka};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, TopicId, TopicPartition};
use crate::scenario::OffsetReset;
use crate::trace::EventKind;

/// A topic's retention settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    pub max_age_ms: Option<u64>,
    pub max_records: Option<u64>,
}

impl Retention {
    pub fn is_unlimited(&self) -> bool {
        self.max_age_ms.is_none() && self.max_records.is_none()
    }
}

impl Kafka {
    /// The retention cleaner's periodic run.
    pub(super) fn on_retention_check(&mut self, ctx: &mut Ctx<'_, Action>) {
        for (t, topic) in self.topics.iter_mut().enumerate() {
            if topic.retention.is_unlimited() {
                continue;
            }
            let older_than = topic
                .retention
                .max_age_ms
                .map(|age| ctx.now.saturating_sub_millis(age));
            for (p, partition) in topic.partitions.iter_mut().enumerate() {
                // Every replica deletes on its own; the leader's count is shown.
                let mut deleted = 0;
                for replica in &mut partition.replicas {
                    let n = replica
                        .log
                        .apply_retention(topic.retention.max_records, older_than);
                    if Some(replica.broker) == partition.leader {
                        deleted = n;
                    }
                }
                let log = partition.log();
                if deleted > 0 {
                    let tp = TopicPartition {
                        topic: TopicId(t as u32),
                        partition: p as u32,
                    };
                    ctx.emit(EventKind::LogTrimmed {
                        tp,
                        deleted,
                        log_start_offset: log.log_start_offset(),
                    });
                }
            }
        }
        ctx.at(
            ctx.now + self.retention_check_interval_ms,
            Action::RetentionCheck,
        );
    }

    /// Where a fetch from `from` on `tp` really starts: `from` itself, or,
    /// when the leader's log does not hold it (or the member has no offset
    /// yet), wherever `auto.offset.reset` says.
    pub(super) fn fetch_start(
        &self,
        consumer: ConsumerId,
        tp: TopicPartition,
        from: Option<u64>,
        ctx: &mut Ctx<'_, Action>,
    ) -> u64 {
        let log = self.log(tp);
        let reset =
            match self.groups[self.consumers[consumer.index()].group.index()].auto_offset_reset {
                OffsetReset::Earliest => log.log_start_offset(),
                OffsetReset::Latest => self.partition(tp).high_watermark(),
            };
        match from {
            // Out of range below (retention) or above (a new leader with a
            // shorter log) resets.
            Some(offset) if (log.log_start_offset()..=log.log_end_offset()).contains(&offset) => {
                offset
            }
            _ => {
                ctx.emit(EventKind::OffsetReset {
                    consumer,
                    tp,
                    from,
                    to: reset,
                });
                reset
            }
        }
    }
}
