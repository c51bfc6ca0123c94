//! Share consumers in the engine (`KafkaShareConsumer`, Kafka 4.2), and
//! the partition leaders' side of `ShareFetch`.
//!
//! A share consumer joins with `ShareGroupHeartbeat` (epoch 0) and
//! heartbeats every `group.share.heartbeat.interval.ms` (5 s); each answer
//! may bring its partitions ([`super::coordinator`]). Its poll loop:
//! 1. **`ShareFetch`** to the partitions' leaders, carrying the
//!    acknowledgements of the records the previous poll returned
//!    (`share.acknowledgement.mode`: each processed record is accepted; a
//!    failed one is released or rejected, as the group says);
//! 2. each leader applies those acknowledgements, then **acquires** new
//!    records for this member, at most `max.poll.records` in all, and locks
//!    them for it (`group.share.record.lock.duration.ms`);
//! 3. the member processes them one by one, and polls again.
//!
//! No member waits for another: records, not partitions, are handed out,
//! so any number of members read the same partition. What can go wrong is
//! time: a member that takes longer than the lock loses its records to the
//! others (its late acknowledgements are refused), and a member that
//! crashes drops its connection, which releases what it held at once.
//!
//! Simplified: one `ShareFetch` covers all of a member's partitions (Kafka
//! sends one per leader, alike on a network of one latency); an empty
//! fetch is answered at once rather than held, and the member fetches
//! again after its poll interval; share-partition state is kept across a
//! leader change, as the share coordinator persists it.

use super::ShareState;
use super::coordinator::{HEARTBEAT_INTERVAL_MS, Heartbeat, Response, SESSION_TIMEOUT_MS};
use super::partition::{RecordState, SharePartition};
use crate::agenda::Ctx;
use crate::ids::{ConsumerId, GroupId, TopicId, TopicPartition};
use crate::kafka::consumer::{FetchedRecord, Phase};
use crate::kafka::heartbeat::tp_of;
use crate::kafka::{Action, Kafka};
use crate::scenario::OffsetReset;
use crate::trace::{AckType, AcquiredRecord, EventKind};
use std::rc::Rc;

/// One acknowledgement: a record of a partition, and how.
pub type Acknowledgement = (TopicPartition, u64, AckType);

/// Of `offsets`, those that ended archived: below the start offset now
/// (done) without being accepted, or archived in flight.
fn archived_of(sp: &SharePartition, offsets: &[u64]) -> Vec<u64> {
    let archived = |o: &u64| match sp.record(*o) {
        Some(r) => r.state == RecordState::Archived,
        None => *o < sp.start,
    };
    offsets.iter().copied().filter(archived).collect()
}

impl Kafka {
    fn share_state(&mut self, group: GroupId) -> &mut ShareState {
        let share = self.groups[group.index()].share.as_mut();
        share.expect("a share consumer's group is a share group")
    }

    /// `consumer` sends `ShareGroupHeartbeat` at `epoch`.
    pub(in crate::kafka) fn send_share_heartbeat(
        &mut self,
        consumer: ConsumerId,
        epoch: i64,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let topics = self.subscription_to_send(consumer, epoch);
        let request = Heartbeat {
            member: self.consumers[consumer.index()].name.to_string(),
            epoch,
            topics,
        };
        let arrives_at = ctx.send(Action::ShareGroupHeartbeat { consumer, request });
        ctx.emit(EventKind::ShareGroupHeartbeatSent {
            consumer,
            member_epoch: epoch,
            arrives_at,
        });
    }

    /// A heartbeat reaches the coordinator, which answers, and asks the
    /// share coordinator to initialize what is newly subscribed.
    pub(in crate::kafka) fn on_share_group_heartbeat(
        &mut self,
        consumer: ConsumerId,
        request: Heartbeat,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let action = Action::ShareGroupHeartbeat {
            consumer,
            request: request.clone(),
        };
        if !self.coordinator_ready(group, &action, true, ctx) {
            return;
        }
        let topics = self.topic_metas();
        let share = self.share_state(group);
        let reply = share.coordinator.heartbeat(&request, &topics, ctx.now);
        let group_epoch = share.coordinator.epoch;
        // `InitializeShareGroupState`: a write to the share coordinator
        // and its answer.
        for &(topic, partitions) in &reply.initialize {
            ctx.at(
                ctx.now + 2 * ctx.latency_ms,
                Action::ShareStateInitialized {
                    group,
                    topic: TopicId(topic as u32),
                    partitions,
                },
            );
        }
        if request.epoch == -1 {
            return;
        }
        ctx.at(
            ctx.now + SESSION_TIMEOUT_MS,
            Action::ShareGroupExpiry { group },
        );
        let incarnation = self.consumers[consumer.index()].incarnation;
        let assignment = reply
            .assignment
            .as_ref()
            .map(|tps| tps.iter().copied().map(tp_of).collect());
        let member_epoch = reply.epoch;
        let arrives_at = ctx.send(Action::ShareGroupHeartbeatReply {
            consumer,
            incarnation,
            reply,
        });
        ctx.emit(EventKind::ShareGroupHeartbeatAnswered {
            consumer,
            group_epoch,
            member_epoch,
            assignment,
            arrives_at,
        });
    }

    /// The share coordinator has the group's state for these partitions:
    /// the next heartbeat can assign them.
    pub(in crate::kafka) fn on_share_state_initialized(
        &mut self,
        group: GroupId,
        topic: TopicId,
        partitions: u32,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let new = self
            .share_state(group)
            .coordinator
            .initialized(topic.index(), partitions);
        if !new.is_empty() {
            let partitions = new
                .map(|partition| TopicPartition { topic, partition })
                .collect();
            ctx.emit(EventKind::SharePartitionsInitialized { group, partitions });
        }
    }

    /// The coordinator fences the members whose session ran out. Their
    /// records stay locked until the locks run out.
    pub(in crate::kafka) fn on_share_group_expiry(
        &mut self,
        group: GroupId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let fenced = self.share_state(group).coordinator.expire(ctx.now);
        self.say_fenced(group, &fenced, ctx);
    }

    /// The coordinator's answer reaches the member: it reads its new
    /// partitions from its next fetch on, and heartbeats again in an
    /// interval. Fenced, it joins again.
    pub(in crate::kafka) fn on_share_heartbeat_reply(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        reply: Response,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation {
            return;
        }
        if reply.error.is_some() {
            c.member_epoch = 0;
            return self.send_share_heartbeat(consumer, 0, ctx);
        }
        c.member_epoch = reply.epoch;
        if let Some(assignment) = reply.assignment {
            let partitions: Vec<TopicPartition> = assignment.into_iter().map(tp_of).collect();
            if !c.assigned().eq(partitions.iter().copied()) {
                c.set_assigned(&partitions);
                ctx.emit(EventKind::PartitionsAssigned {
                    consumer,
                    generation: reply.epoch.max(0) as u32,
                    partitions,
                });
            }
        }
        self.schedule_heartbeat(consumer, HEARTBEAT_INTERVAL_MS, ctx);
    }

    /// The member polls: a `ShareFetch` with its acknowledgements, or (with
    /// neither partitions nor acknowledgements) a later poll.
    pub(in crate::kafka) fn share_poll(&mut self, consumer: ConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        let partitions: Vec<TopicPartition> = c.assigned().collect();
        if partitions.is_empty() && c.share_acks.is_empty() {
            let next = c.next_poll_at(ctx.now);
            return self.schedule_poll(consumer, next, ctx);
        }
        let acks = std::mem::take(&mut c.share_acks);
        c.phase = Phase::Fetching;
        let acknowledgements = acks.len() as u32;
        let arrives_at = ctx.send(Action::ShareFetch {
            consumer,
            incarnation: c.incarnation,
            acks,
            partitions,
        });
        ctx.emit(EventKind::ShareFetchSent {
            consumer,
            acknowledgements,
            arrives_at,
        });
    }

    /// A `ShareFetch` reaches the leaders: acknowledgements first, then
    /// records acquired for the member, each partition in turn.
    pub(in crate::kafka) fn on_share_fetch(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        acks: Vec<Acknowledgement>,
        partitions: Vec<TopicPartition>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if c.incarnation != incarnation {
            // The connection it came on is gone.
            return;
        }
        let group = c.group;
        let mut budget = c.max_poll_records;
        let count = partitions.len();
        let first = if count == 0 {
            0
        } else {
            c.next_partition % count
        };
        c.next_partition = c.next_partition.wrapping_add(1);
        self.apply_share_acks(consumer, acks, ctx);
        let mut acquired = Vec::new();
        let mut records = Vec::new();
        for i in 0..count {
            let tp = partitions[(first + i) % count];
            if budget == 0 {
                break;
            }
            if !self.partition_readable(tp) {
                continue;
            }
            let leader = self.partition(tp).leader_replica();
            let (high_watermark, log_start) =
                (leader.high_watermark, leader.log.log_start_offset());
            let reset = self.groups[group.index()].auto_offset_reset;
            let share = self.share_state(group);
            let settings = share.settings;
            // `share.auto.offset.reset`, when the partition is first read.
            let sp = share.partitions.entry(tp).or_insert_with(|| {
                let start = match reset {
                    OffsetReset::Latest => high_watermark,
                    OffsetReset::Earliest => log_start,
                };
                SharePartition::new(start, settings)
            });
            let got = sp.acquire(consumer.0, budget, high_watermark, ctx.now);
            if got.is_empty() {
                continue;
            }
            budget -= got.len() as u32;
            let log = &self.partition(tp).leader_replica().log;
            let mut list = Vec::with_capacity(got.len());
            for (offset, delivery_count) in got {
                let Some(r) = log.get(offset) else { continue };
                list.push(AcquiredRecord {
                    offset,
                    record: r.id,
                    delivery_count,
                });
                records.push(FetchedRecord {
                    tp,
                    offset,
                    record: r.id,
                    key: r.key.clone(),
                    value: r.value.clone(),
                    headers: r.headers.clone(),
                    delivery_count,
                });
            }
            acquired.push((tp, list));
            let lock = ctx.now + settings.lock_ms;
            ctx.at(lock, Action::ShareLockExpiry { group, tp });
        }
        let locked_until = ctx.now + self.share_state(group).settings.lock_ms;
        let arrives_at = ctx.send(Action::ShareFetchResponse {
            consumer,
            incarnation,
            records,
        });
        for (tp, records) in acquired {
            ctx.emit(EventKind::ShareRecordsAcquired {
                consumer,
                tp,
                records,
                locked_until,
                arrives_at,
            });
        }
    }

    /// The leaders apply a member's acknowledgements, each run of one
    /// partition and one type as one batch.
    fn apply_share_acks(
        &mut self,
        consumer: ConsumerId,
        acks: Vec<Acknowledgement>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let share = self.share_state(group);
        let mut i = 0;
        while i < acks.len() {
            let (tp, _, ack) = acks[i];
            let run = acks[i..]
                .iter()
                .take_while(|&&(t, _, a)| t == tp && a == ack)
                .count();
            let offsets: Vec<u64> = acks[i..i + run].iter().map(|&(_, o, _)| o).collect();
            i += run;
            let Some(sp) = share.partitions.get_mut(&tp) else {
                continue;
            };
            // Offsets below the start are done already: skipped, as
            // Kafka skips them; like one no longer its own, not applied.
            let refused: Vec<u64> = (offsets.iter().copied())
                .filter(|&o| o < sp.start || sp.acknowledge(consumer.0, o, ack).is_err())
                .collect();
            let archived = match ack {
                AckType::Release => archived_of(sp, &offsets),
                AckType::Accept | AckType::Reject => Vec::new(),
            };
            let start = sp.start;
            ctx.emit(EventKind::ShareRecordsAcknowledged {
                consumer,
                tp,
                ack,
                offsets,
                refused,
                archived,
                start,
            });
        }
    }

    /// The records reach the member, which starts on them (or polls again
    /// later, with none).
    pub(in crate::kafka) fn on_share_fetch_response(
        &mut self,
        consumer: ConsumerId,
        incarnation: u32,
        records: Vec<FetchedRecord>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if !c.running || c.incarnation != incarnation || c.phase != Phase::Fetching {
            return;
        }
        c.pending.extend(records);
        self.start_processing(consumer, ctx);
    }

    /// The member is done with `done`: accepted when processed, else
    /// released or rejected as its group says (or as the timeline told it).
    pub(in crate::kafka) fn share_processed(
        &mut self,
        consumer: ConsumerId,
        done: &FetchedRecord,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let told = self.consumers[consumer.index()].ack_override.take();
        let error = match told {
            Some(_) => Some(Rc::from("acknowledged by hand, not processed")),
            None => self.processing_error(consumer, done),
        };
        let group = self.consumers[consumer.index()].group;
        let held = (self.consumers.iter())
            .filter(|o| o.group == group)
            .flat_map(|o| o.pending.iter().filter(|r| r.tp == done.tp))
            .map(|r| r.offset)
            .min()
            .unwrap_or(u64::MAX);
        let c = &mut self.consumers[consumer.index()];
        let share = self.groups[group.index()].share.as_mut();
        let share = share.expect("a share consumer's group is a share group");
        let ack = match (told, &error) {
            (Some(ack), _) => ack,
            (None, Some(_)) => share.on_failure,
            (None, None) => AckType::Accept,
        };
        if let Some(error) = error {
            c.failures += 1;
            ctx.emit(EventKind::RecordFailed {
                consumer,
                record: done.record,
                tp: done.tp,
                offset: done.offset,
                attempt: done.delivery_count,
                error,
                retry_at: None,
                acknowledged: Some(ack),
            });
        } else {
            // Records come in any order: the group remembers each.
            let duplicate = share.processed_before(done.tp, done.offset, held);
            self.record_processed(consumer, done, duplicate, ctx);
        }
        let c = &mut self.consumers[consumer.index()];
        c.share_acks.push((done.tp, done.offset, ack));
    }

    /// The timeline has `consumer` acknowledge the record in hand (or its
    /// next) with `ack`, whatever processing would say.
    pub(in crate::kafka) fn on_share_ack_override(
        &mut self,
        consumer: ConsumerId,
        ack: AckType,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if c.running && self.groups[c.group.index()].share.is_some() {
            c.ack_override = Some(ack);
            ctx.emit(EventKind::ShareAcknowledgeChosen { consumer, ack });
        }
    }

    /// Locks on `tp` may have run out: their records are available again,
    /// or archived at the limit.
    pub(in crate::kafka) fn on_share_lock_expiry(
        &mut self,
        group: GroupId,
        tp: TopicPartition,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let share = self.share_state(group);
        let Some(sp) = share.partitions.get_mut(&tp) else {
            return;
        };
        let offsets = sp.expire_locks(ctx.now);
        if !offsets.is_empty() {
            let archived = archived_of(sp, &offsets);
            let start = sp.start;
            ctx.emit(EventKind::ShareLocksExpired {
                group,
                tp,
                offsets,
                archived,
                start,
            });
        }
    }

    /// `consumer`'s share session closes: what it holds is released.
    pub(in crate::kafka) fn close_share_session(
        &mut self,
        consumer: ConsumerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let group = self.consumers[consumer.index()].group;
        let Some(share) = self.groups[group.index()].share.as_mut() else {
            return;
        };
        for (&tp, sp) in share.partitions.iter_mut() {
            let offsets = sp.release_member(consumer.0);
            if !offsets.is_empty() {
                let archived = archived_of(sp, &offsets);
                let start = sp.start;
                ctx.emit(EventKind::ShareSessionClosed {
                    consumer,
                    tp,
                    offsets,
                    archived,
                    start,
                });
            }
        }
    }

    /// `consumer.close()`: its last acknowledgements, its session closed
    /// (releasing what it had not processed), a heartbeat at epoch -1.
    pub(in crate::kafka) fn leave_share_group(
        &mut self,
        consumer: ConsumerId,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let acks = std::mem::take(&mut self.consumers[consumer.index()].share_acks);
        self.apply_share_acks(consumer, acks, ctx);
        self.close_share_session(consumer, ctx);
        self.revoke(consumer, |_| true, ctx);
        let c = &mut self.consumers[consumer.index()];
        c.running = false;
        c.incarnation = c.incarnation.wrapping_add(1);
        c.drop_partitions(|_| false);
        self.send_share_heartbeat(consumer, -1, ctx);
        ctx.emit(EventKind::ConsumerLeft { consumer });
    }
}
