//! Which of the run's Kafka producers are live clients, and the answers
//! the run has for them.
//!
//! A client's records are sent through producers of the run made for it:
//! one per client id, topic and `acks`, at rate 0, so that they send only
//! what the client sends. A producer waiting for `acks=1` or `all` hears
//! back when the run's leader acknowledges the record and the answer has
//! crossed the network to it: the Produce response goes out then. The
//! run's producer never sends a record again (`retries` 0): a refusal
//! (`NOT_ENOUGH_REPLICAS`, a leader gone) goes back to the client, which
//! retries itself, as it would with Kafka.

use mqsim::ids::{ConsumerId, GroupId, ProducerId, RecordId, TopicPartition};
use mqsim::kafka::consumer_protocol::coordinator::HeartbeatError;
use mqsim::trace::ProduceError;
use mqsim::{Event, EventKind, SimTime};
use std::collections::{BTreeMap, HashMap};
use tokio::sync::oneshot;

/// A record's offset once acknowledged, or why the run refused it.
pub type Acked = oneshot::Receiver<Result<u64, ProduceError>>;

/// The run's Kafka producers that are live clients, and what they wait for.
#[derive(Default)]
pub struct KafkaClients {
    /// The run's producer for each client id, topic and `acks`.
    producers: HashMap<(String, String, i16), ProducerId>,
    /// Records whose producer waits for their acknowledgement.
    awaited: HashMap<RecordId, oneshot::Sender<Result<u64, ProduceError>>>,
    /// Acknowledgements on their way, by when they reach their producer
    /// (and the order they were made in), with the record's offset.
    due: BTreeMap<(SimTime, u64), (RecordId, u64)>,
    made: u64,
    /// The last producer id handed out by `InitProducerId`.
    producer_ids: i64,
    /// The groups of live clients: member ids, protocols, assignments.
    pub groups: super::groups::LiveGroups,
    /// JoinGroup requests waiting for their group's members to have
    /// joined (`GroupJoined`).
    joining: Vec<(GroupId, oneshot::Sender<Joined>)>,
    /// SyncGroup requests waiting for the leader's assignment to reach the
    /// coordinator (`GroupRebalanced` for their generation), or for a
    /// rebalance that ends the wait (`false`).
    syncing: Vec<(GroupId, u32, oneshot::Sender<bool>)>,
    /// OffsetCommit requests waiting for their commit to reach the
    /// coordinator and be stored (`OffsetCommitted`).
    committing: Vec<(GroupId, oneshot::Sender<()>)>,
    /// ConsumerGroupHeartbeat requests waiting for the coordinator's answer.
    heartbeating: Vec<(ConsumerId, oneshot::Sender<Answered>)>,
}

/// The coordinator's answer to a member's ConsumerGroupHeartbeat.
#[derive(Clone, Debug)]
pub struct Answered {
    pub member_epoch: i64,
    /// Its assignment, when it changed.
    pub assignment: Option<Vec<TopicPartition>>,
    pub error: Option<HeartbeatError>,
}

/// A group's members have all joined `generation`, led by `leader`.
#[derive(Clone, Debug)]
pub struct Joined {
    pub generation: u32,
    pub leader: ConsumerId,
    pub members: Vec<ConsumerId>,
}

impl KafkaClients {
    /// The run's producer for `client` sending to `topic` with `acks`, if
    /// one was made.
    pub fn producer(&self, client: &str, topic: &str, acks: i16) -> Option<ProducerId> {
        (self.producers)
            .get(&(client.to_string(), topic.to_string(), acks))
            .copied()
    }

    /// Keeps `producer` as the one for `client`, `topic` and `acks`.
    pub fn made_producer(&mut self, client: &str, topic: &str, acks: i16, producer: ProducerId) {
        (self.producers).insert((client.to_string(), topic.to_string(), acks), producer);
    }

    /// The next producer id for an idempotent producer (`InitProducerId`).
    pub fn next_producer_id(&mut self) -> i64 {
        self.producer_ids += 1;
        self.producer_ids
    }

    /// Someone waits for `record`'s acknowledgement: its offset comes on
    /// the returned channel.
    pub fn awaiting(&mut self, record: RecordId) -> Acked {
        let (tell, told) = oneshot::channel();
        self.awaited.insert(record, tell);
        told
    }

    /// No one waits for these any longer (the request timed out, or its
    /// connection closed).
    pub fn forget(&mut self, records: &[RecordId]) {
        for record in records {
            self.awaited.remove(record);
        }
    }

    /// A JoinGroup for `group` waits for its members to have joined.
    pub fn await_joined(&mut self, group: GroupId) -> oneshot::Receiver<Joined> {
        let (tell, told) = oneshot::channel();
        self.joining.push((group, tell));
        told
    }

    /// A SyncGroup for `group`'s `generation` waits for the leader's
    /// assignment: `true` once it is handed out, `false` if a rebalance
    /// comes first.
    pub fn await_synced(&mut self, group: GroupId, generation: u32) -> oneshot::Receiver<bool> {
        let (tell, told) = oneshot::channel();
        self.syncing.push((group, generation, tell));
        told
    }

    /// An OffsetCommit for `group` waits for its commit to be stored.
    pub fn await_committed(&mut self, group: GroupId) -> oneshot::Receiver<()> {
        let (tell, told) = oneshot::channel();
        self.committing.push((group, tell));
        told
    }

    /// A ConsumerGroupHeartbeat from `consumer` waits for its answer.
    pub fn await_heartbeat(&mut self, consumer: ConsumerId) -> oneshot::Receiver<Answered> {
        let (tell, told) = oneshot::channel();
        self.heartbeating.push((consumer, tell));
        told
    }

    /// Takes note of the acknowledgements among `events`, and tells those
    /// waiting of the refusals (which reach the producer as they happen),
    /// and of their groups' progress.
    pub fn on_events(&mut self, events: &[Event]) {
        for event in events {
            match &event.kind {
                EventKind::GroupJoined {
                    group,
                    generation,
                    leader,
                    members,
                } => {
                    let joined = Joined {
                        generation: *generation,
                        leader: *leader,
                        members: members.clone(),
                    };
                    for (_, tell) in extract(&mut self.joining, |(g, _)| g == group) {
                        let _ = tell.send(joined.clone());
                    }
                }
                EventKind::GroupRebalanced {
                    group, generation, ..
                } => {
                    let done = |(g, n, _): &(GroupId, u32, _)| g == group && n == generation;
                    for (_, _, tell) in extract(&mut self.syncing, done) {
                        let _ = tell.send(true);
                    }
                }
                EventKind::OffsetCommitted { group, .. } => {
                    for (_, tell) in extract(&mut self.committing, |(g, _)| g == group) {
                        let _ = tell.send(());
                    }
                }
                EventKind::ConsumerGroupHeartbeatAnswered {
                    consumer,
                    member_epoch,
                    assignment,
                    error,
                    ..
                } => {
                    let answered = Answered {
                        member_epoch: *member_epoch,
                        assignment: assignment.clone(),
                        error: *error,
                    };
                    for (_, tell) in extract(&mut self.heartbeating, |(c, _)| c == consumer) {
                        let _ = tell.send(answered.clone());
                    }
                }
                EventKind::RebalanceStarted { group, .. } => {
                    for (_, _, tell) in extract(&mut self.syncing, |(g, _, _)| g == group) {
                        let _ = tell.send(false);
                    }
                }
                EventKind::RecordAcknowledged {
                    record,
                    offset,
                    arrives_at,
                    ..
                } if self.awaited.contains_key(record) => {
                    self.made += 1;
                    self.due
                        .insert((*arrives_at, self.made), (*record, *offset));
                }
                EventKind::ProduceFailed {
                    record,
                    error,
                    retry_at: None,
                    ..
                } => {
                    if let Some(tell) = self.awaited.remove(record) {
                        let _ = tell.send(Err(*error));
                    }
                }
                _ => {}
            }
        }
    }

    /// Hands out every acknowledgement that has reached its producer by
    /// `now`.
    pub fn flush(&mut self, now: SimTime) {
        while let Some(entry) = self.due.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (record, offset) = entry.remove();
            if let Some(tell) = self.awaited.remove(&record) {
                let _ = tell.send(Ok(offset));
            }
        }
    }

    /// When the next acknowledgement reaches its producer.
    pub fn next_due(&self) -> Option<SimTime> {
        self.due.first_key_value().map(|((at, _), _)| *at)
    }
}

/// Takes out of `waiting` those `which` selects.
fn extract<T>(waiting: &mut Vec<T>, which: impl Fn(&T) -> bool) -> Vec<T> {
    let (taken, kept) = std::mem::take(waiting).into_iter().partition(which);
    *waiting = kept;
    taken
}
