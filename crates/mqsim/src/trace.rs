//! The trace: what happened, in order.
//!
//! The trace is the contract between the engine and everything that shows a
//! run. The CLI prints it, the tests compare it, and the browser animates it.
//! Each [`Event`] carries what is needed to draw it without asking the
//! engine again: who sent what to whom, and when it arrives. A message that
//! travels over the network appears once, when it is sent, with its
//! `arrives_at` time; the view interpolates the token between the two.
//!
//! Events are *pushed* into a [`TraceSink`] rather than returned, so the
//! caller decides what to keep: the browser keeps a window, the CLI streams
//! lines, and a benchmark only counts.

use crate::ids::{
    BrokerId, ConsumerId, GroupId, MessageId, ProducerId, PublisherId, QueueId, RabbitConsumerId,
    RecordId, TopicId, TopicPartition,
};
use crate::kafka::consumer_protocol::coordinator::HeartbeatError;
use crate::kafka::kraft::record::MetadataRecord;
use crate::kafka::log::{Headers, Value, no_headers};
pub use crate::kafka::share::partition::AckType;
use crate::rabbit::headers::FieldTable;
use crate::rabbit::message::Message;
use crate::rabbit::topology::Hop;
use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// One thing that happened at one moment of virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: SimTime,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Everything the simulation can report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A producer sent a record to the leader of the partition it chose.
    RecordSent {
        record: RecordId,
        producer: ProducerId,
        #[serde(flatten)]
        tp: TopicPartition,
        key: Option<Rc<str>>,
        value: Value,
        #[serde(default = "empty_headers", skip_serializing_if = "no_headers")]
        headers: Headers,
        chosen_by: PartitionChoice,
        arrives_at: SimTime,
    },
    /// The partition leader, `broker`, appended the record to its log at
    /// `offset`; its high watermark is now `high_watermark`.
    RecordAppended {
        record: RecordId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
        broker: BrokerId,
        high_watermark: u64,
    },
    /// The leader confirmed the record to its producer (`acks=1` or `all`).
    RecordAcknowledged {
        record: RecordId,
        producer: ProducerId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
        arrives_at: SimTime,
    },
    /// A write was refused or failed; the sender tries again at `retry_at`,
    /// or, out of `retries`, gives up on it (none). `producer` is none for a
    /// consumer's dead-letter write.
    ProduceFailed {
        record: RecordId,
        producer: Option<ProducerId>,
        #[serde(flatten)]
        tp: TopicPartition,
        error: ProduceError,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_at: Option<SimTime>,
    },
    /// Retention deleted the oldest records of a partition: the log now
    /// starts at `log_start_offset`.
    LogTrimmed {
        #[serde(flatten)]
        tp: TopicPartition,
        deleted: u64,
        log_start_offset: u64,
    },
    /// `auto.offset.reset` placed a consumer at `to`: either its group had
    /// no committed offset for the partition (`from` is none: a new group
    /// starts at the log start or the log end), or it asked for `from`, an
    /// offset retention had already deleted.
    OffsetReset {
        consumer: ConsumerId,
        #[serde(flatten)]
        tp: TopicPartition,
        from: Option<u64>,
        to: u64,
    },
    /// A topic grew: it now has `partitions` partitions.
    PartitionsAdded {
        topic: TopicId,
        partitions: u32,
        /// The new partitions' replicas, preferred leader first. Each is
        /// led by its first replica that is registered with ZooKeeper.
        replicas: Vec<Vec<BrokerId>>,
    },
    /// A producer the timeline added started sending.
    ProducerStarted { producer: ProducerId },
    /// A producer stopped sending.
    ProducerStopped { producer: ProducerId },
    /// A consumer started (or restarted) and is joining its group.
    ConsumerStarted { consumer: ConsumerId },
    /// A consumer died on the spot: no commit, no goodbye to its group.
    ConsumerCrashed { consumer: ConsumerId },
    /// A consumer committed, gave up its partitions and left its group.
    ConsumerLeft { consumer: ConsumerId },
    /// KIP-848: a member's `ConsumerGroupHeartbeat`, at `member_epoch` (0
    /// to join, -1 to leave).
    ConsumerGroupHeartbeatSent {
        consumer: ConsumerId,
        member_epoch: i64,
        arrives_at: SimTime,
    },
    /// KIP-848: the coordinator answered: the group's epoch, the member's,
    /// and its assignment when it changed. The coordinator's record of the
    /// member comes with it: the partitions it must still give up
    /// (`revoking`), and those of its target it waits for (`awaiting`),
    /// because it is revoking first or another member still owns them.
    ConsumerGroupHeartbeatAnswered {
        consumer: ConsumerId,
        group_epoch: u32,
        member_epoch: i64,
        assignment: Option<Vec<TopicPartition>>,
        revoking: Vec<TopicPartition>,
        awaiting: Vec<TopicPartition>,
        /// Why the heartbeat was refused (the member's epoch is then the
        /// one it sent): it must rejoin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<HeartbeatError>,
        arrives_at: SimTime,
    },
    /// KIP-848: the coordinator fenced a member whose session ran out.
    MemberFenced { consumer: ConsumerId },
    /// `consumer.subscribe(topics)`: a member's subscription is now these
    /// topics.
    ConsumerSubscribed {
        consumer: ConsumerId,
        topics: Vec<TopicId>,
    },
    /// The classic protocol: a member's heartbeat was answered
    /// `REBALANCE_IN_PROGRESS`; it rejoins at its next poll.
    RebalanceNoticed { consumer: ConsumerId },
    /// KIP-932: a share consumer's `ShareGroupHeartbeat`, at
    /// `member_epoch` (0 to join, -1 to leave).
    ShareGroupHeartbeatSent {
        consumer: ConsumerId,
        member_epoch: i64,
        arrives_at: SimTime,
    },
    /// KIP-932: the coordinator answered: the group's epoch, the
    /// member's, and its partitions when they changed.
    ShareGroupHeartbeatAnswered {
        consumer: ConsumerId,
        group_epoch: u32,
        member_epoch: i64,
        assignment: Option<Vec<TopicPartition>>,
        arrives_at: SimTime,
    },
    /// KIP-932: the share coordinator has the group's state for these
    /// partitions; they can be assigned. Each starts where
    /// `share.auto.offset.reset` says when it is first read.
    SharePartitionsInitialized {
        group: GroupId,
        partitions: Vec<TopicPartition>,
    },
    /// KIP-932: the timeline has a share consumer acknowledge the record
    /// in hand (or its next) this way, whatever processing says.
    ShareAcknowledgeChosen { consumer: ConsumerId, ack: AckType },
    /// KIP-932: a share consumer's `ShareFetch`, carrying the
    /// acknowledgements of the records its previous poll returned.
    ShareFetchSent {
        consumer: ConsumerId,
        acknowledgements: u32,
        arrives_at: SimTime,
    },
    /// KIP-932: the leader of `tp` handed these records to the member,
    /// locked for it until `locked_until`.
    ShareRecordsAcquired {
        consumer: ConsumerId,
        #[serde(flatten)]
        tp: TopicPartition,
        records: Vec<AcquiredRecord>,
        locked_until: SimTime,
        arrives_at: SimTime,
    },
    /// KIP-932: the member's acknowledgements of `offsets` reached the
    /// leader. Those in `refused` were not applied: no longer its own
    /// (its lock had run out: `INVALID_RECORD_STATE`), or done already. Released records delivered as
    /// often as the limit allows are `archived`. `start` is the
    /// share-partition start offset (SPSO) after.
    ShareRecordsAcknowledged {
        consumer: ConsumerId,
        #[serde(flatten)]
        tp: TopicPartition,
        ack: AckType,
        offsets: Vec<u64>,
        refused: Vec<u64>,
        archived: Vec<u64>,
        start: u64,
    },
    /// KIP-932: locks ran out before the member acknowledged: the records
    /// are available again, or `archived` at the delivery count limit.
    ShareLocksExpired {
        group: GroupId,
        #[serde(flatten)]
        tp: TopicPartition,
        offsets: Vec<u64>,
        archived: Vec<u64>,
        start: u64,
    },
    /// KIP-932: a member's share session closed (it left, or it crashed
    /// and its connection dropped): the records it held are available
    /// again, or `archived` at the delivery count limit.
    ShareSessionClosed {
        consumer: ConsumerId,
        #[serde(flatten)]
        tp: TopicPartition,
        offsets: Vec<u64>,
        archived: Vec<u64>,
        start: u64,
    },
    /// A consumer's processing now takes `processing_ms` per record.
    ConsumerSlowed {
        consumer: ConsumerId,
        processing_ms: u64,
    },
    /// A member asked to join (or rejoin) its group, reporting the
    /// partitions it owns.
    JoinGroupSent {
        consumer: ConsumerId,
        owned: Vec<TopicPartition>,
        arrives_at: SimTime,
    },
    /// Every member of a group of live clients (`by_hand`) has joined
    /// `generation`: the coordinator answers their JoinGroup, and waits
    /// for `leader`'s assignment.
    GroupJoined {
        group: GroupId,
        generation: u32,
        leader: ConsumerId,
        members: Vec<ConsumerId>,
    },
    /// A live client's leader sent the assignment its assignor made for
    /// `generation` (SyncGroup).
    SyncGroupSent {
        consumer: ConsumerId,
        generation: u32,
        arrives_at: SimTime,
    },
    /// The group coordinator began a rebalance: every member must rejoin.
    RebalanceStarted {
        group: GroupId,
        reason: RebalanceReason,
    },
    /// No heartbeat from this member for `session.timeout.ms`: the
    /// coordinator removes it from the group.
    SessionExpired {
        group: GroupId,
        consumer: ConsumerId,
    },
    /// Every member has rejoined: the coordinator computed a new assignment
    /// (a new generation) and sends each member its part.
    GroupRebalanced {
        group: GroupId,
        generation: u32,
        assignment: Vec<MemberAssignment>,
        /// Cooperative rebalances only: partitions left unassigned until
        /// their previous owner has revoked them.
        withheld: Vec<TopicPartition>,
        arrives_at: SimTime,
    },
    /// A member received its assignment and now owns these partitions.
    PartitionsAssigned {
        consumer: ConsumerId,
        generation: u32,
        partitions: Vec<TopicPartition>,
    },
    /// A member gave up these partitions: it stops reading them.
    PartitionsRevoked {
        consumer: ConsumerId,
        partitions: Vec<TopicPartition>,
    },
    /// A consumer's poll sent a fetch request for its assigned partitions.
    FetchSent {
        consumer: ConsumerId,
        arrives_at: SimTime,
    },
    /// The broker answered a fetch with these offset ranges (possibly none).
    FetchServed {
        consumer: ConsumerId,
        batches: Vec<FetchedBatch>,
        arrives_at: SimTime,
    },
    /// A consumer finished processing one record. `duplicate` when the group
    /// had processed it before: a member died before committing, and the next
    /// owner read it again from the committed offset (at-least-once delivery).
    RecordProcessed {
        consumer: ConsumerId,
        record: RecordId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
        duplicate: bool,
    },
    /// Processing a record failed. `retry_at` is when the consumer tries again
    /// after its backoff; none when it has used up its retries.
    RecordFailed {
        consumer: ConsumerId,
        record: RecordId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
        attempt: u32,
        error: Rc<str>,
        retry_at: Option<SimTime>,
        /// In a share group, which does not retry: how the member
        /// acknowledges it instead (`attempt` is its delivery count).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acknowledged: Option<AckType>,
    },
    /// A record that failed every retry was produced to the dead-letter
    /// topic, with headers naming where it came from and why it failed.
    RecordDeadLettered {
        consumer: ConsumerId,
        record: RecordId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
        dead_letter: TopicPartition,
        dead_letter_record: RecordId,
        arrives_at: SimTime,
    },
    /// A record that failed every retry was skipped, with no dead-letter
    /// topic to keep it: it is never processed.
    RecordSkipped {
        consumer: ConsumerId,
        record: RecordId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
    },
    /// A consumer sent an offset commit to its group coordinator.
    CommitSent {
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
        arrives_at: SimTime,
    },
    /// The group coordinator stored a committed offset: the next record the
    /// group will read from that partition after a restart or a rebalance.
    OffsetCommitted {
        group: GroupId,
        #[serde(flatten)]
        tp: TopicPartition,
        offset: u64,
    },

    // The cluster: brokers, replication, ZooKeeper and the controller.
    /// At time zero: `brokers` brokers have registered with ZooKeeper, and
    /// `controller` won the race to create `/controller`.
    ClusterStarted {
        brokers: u32,
        controller: Option<BrokerId>,
        controller_epoch: u32,
    },
    /// At time zero, in KRaft mode: the controller quorum of `voters`, led
    /// by `leader` (the active controller) in `epoch`.
    QuorumStarted {
        voters: Vec<u32>,
        leader: u32,
        epoch: u32,
    },
    /// At time zero: a topic exists, each partition's replicas listed
    /// preferred leader first. Every partition starts led by its preferred
    /// leader at leader epoch 0, with every replica in the ISR.
    TopicCreated {
        topic: TopicId,
        replicas: Vec<Vec<BrokerId>>,
    },
    /// A broker process started (or restarted) and registers with ZooKeeper.
    BrokerStarted { broker: BrokerId },
    /// A broker process died on the spot.
    BrokerKilled { broker: BrokerId },
    /// A broker began a controlled shutdown: the controller moves its
    /// leaderships before it stops.
    BrokerShutdownBegan { broker: BrokerId },
    /// A broker in controlled shutdown stopped, its leaderships moved and
    /// its registration gone.
    BrokerStopped { broker: BrokerId },
    /// A broker lost its links to ZooKeeper and the other brokers; clients
    /// still reach it.
    BrokerIsolated { broker: BrokerId },
    /// An isolated broker's links came back.
    BrokerReconnected { broker: BrokerId },
    /// A broker's heartbeat to ZooKeeper.
    ZookeeperHeartbeat {
        broker: BrokerId,
        arrives_at: SimTime,
    },
    /// ZooKeeper registered a broker: it is alive as far as the cluster knows.
    BrokerRegistered { broker: BrokerId },
    /// KRaft: the active controller recorded a broker's registration
    /// (`RegisterBrokerRecord`), fenced until it catches up.
    BrokerRegisteredWithController {
        broker: BrokerId,
        incarnation: u32,
        broker_epoch: u64,
    },
    /// KRaft: a broker was fenced: its session expired, or it shut down.
    /// It leads nothing and is in no new ISR.
    BrokerFenced { broker: BrokerId },
    /// KRaft: a broker caught up past its registration and was unfenced.
    BrokerUnfenced { broker: BrokerId },
    /// KRaft: a dedicated controller process died.
    ControllerKilled { controller: u32 },
    /// KRaft: a dead controller started again.
    ControllerStarted { controller: u32 },
    /// KRaft: a controller lost its network links.
    ControllerIsolated { controller: u32 },
    /// KRaft: an isolated controller's links came back.
    ControllerReconnected { controller: u32 },
    /// KRaft: a controller won an election and is the active controller of
    /// `epoch`.
    ActiveControllerElected { controller: u32, epoch: u32 },
    /// KRaft: the active controller answered a fetch of the metadata log
    /// (`__cluster_metadata`) from `node`, a voter or a broker, with the
    /// `records` it lacked (perhaps none) and the high watermark. When the
    /// answer arrives at `arrives_at`, the node's log ends at `log_end`.
    MetadataFetched {
        controller: u32,
        node: u32,
        records: Vec<MetadataRecord>,
        log_end: u64,
        high_watermark: u64,
        arrives_at: SimTime,
    },
    /// ZooKeeper heard nothing from a broker for the session timeout and
    /// deleted its registration: the controller now treats it as dead.
    ZookeeperSessionExpired { broker: BrokerId },
    /// A broker won the race to create `/controller` in ZooKeeper.
    ControllerElected { broker: BrokerId, epoch: u32 },
    /// The controller chose a partition's leader (none: the partition is
    /// offline) and told the brokers, who hear it at `arrives_at`. `unclean`:
    /// the new leader was not in sync, so records are lost.
    LeaderElected {
        #[serde(flatten)]
        tp: TopicPartition,
        previous: Option<BrokerId>,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
        unclean: bool,
        arrives_at: SimTime,
    },
    /// A broker applied a `LeaderAndIsr` request: this is what it now
    /// believes about `tp`.
    LeaderAndIsrApplied {
        #[serde(flatten)]
        tp: TopicPartition,
        broker: BrokerId,
        leader: Option<BrokerId>,
        leader_epoch: u32,
        isr: Vec<BrokerId>,
    },
    /// A partition's ISR changed.
    IsrChanged {
        #[serde(flatten)]
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        reason: IsrChange,
        broker: BrokerId,
    },
    /// A follower asked its leader for new records.
    ReplicaFetchSent {
        follower: BrokerId,
        leader: BrokerId,
        arrives_at: SimTime,
    },
    /// A leader answered a follower's fetch with these records.
    ReplicaFetchServed {
        follower: BrokerId,
        leader: BrokerId,
        batches: Vec<ReplicaBatch>,
        arrives_at: SimTime,
    },
    /// A leader's high watermark moved: records below it are committed and
    /// readable by consumers.
    HighWatermarkAdvanced {
        #[serde(flatten)]
        tp: TopicPartition,
        broker: BrokerId,
        high_watermark: u64,
    },
    /// The leader of a group's `__consumer_offsets` partition changed: this
    /// broker (none: no live replica) now coordinates the group.
    GroupCoordinatorMoved {
        group: GroupId,
        coordinator: Option<BrokerId>,
    },
    /// A group's coordinator was down: the request is retried at
    /// `retry_at`, or, for a commit, sent again with the next commit.
    CoordinatorUnavailable {
        group: GroupId,
        retry_at: Option<SimTime>,
    },
    // RabbitMQ: publishing, routing, queues and push delivery.
    /// A publisher sent a message to an exchange (`""`: the default one).
    MessagePublished {
        message: MessageId,
        publisher: PublisherId,
        exchange: Rc<str>,
        routing_key: Rc<str>,
        /// The message's headers (AMQP field values).
        #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
        headers: FieldTable,
        arrives_at: SimTime,
    },
    /// An exchange routed a message (or a dead-lettered one) to queues,
    /// along the bindings in `via`.
    MessageRouted {
        message: MessageId,
        exchange: Rc<str>,
        queues: Vec<QueueId>,
        via: Vec<Hop>,
    },
    /// A message reached no queue: returned to its publisher (published
    /// `mandatory`) or dropped.
    MessageUnroutable { message: MessageId, returned: bool },
    /// A queue took a message; `ready` messages now wait in it.
    MessageEnqueued {
        message: MessageId,
        queue: QueueId,
        ready: u64,
    },
    /// A full queue with `x-overflow: reject-publish` refused a message.
    MessageRefused { message: MessageId, queue: QueueId },
    /// The broker pushed a message to a consumer.
    MessageDelivered {
        message: MessageId,
        queue: QueueId,
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        redelivered: bool,
        arrives_at: SimTime,
        /// The message as delivered (its headers with any `x-death`
        /// history, properties and body), for a live client's
        /// `basic.deliver`. The trace names the message by id instead.
        #[serde(skip)]
        copy: Option<Rc<Message>>,
    },
    /// A consumer acknowledged (`ack`) or rejected (`nack`) a delivery.
    MessageSettled {
        message: MessageId,
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        outcome: Settlement,
        arrives_at: SimTime,
    },
    /// An `auto_ack` consumer finished handling a message. Nothing goes
    /// back to the broker, which forgot the message when it sent it.
    MessageConsumed {
        message: MessageId,
        consumer: RabbitConsumerId,
    },
    /// A queue was deleted, by `queue.delete` or (`expired`) because it
    /// went unused for its `x-expires`. The messages it still held and its
    /// bindings went with it.
    QueueDeleted {
        queue: QueueId,
        dropped: u64,
        expired: bool,
    },
    /// A queue was declared while the run went on (`queue.declare`).
    QueueDeclared { queue: QueueId },
    /// A binding was made: `binding` numbers it in
    /// [`Scenario::rabbit_bindings`](crate::Scenario::rabbit_bindings).
    BindingAdded { binding: u32 },
    /// A binding was removed (`queue.unbind`).
    BindingRemoved { binding: u32 },
    /// The broker cancelled a consumer because its queue was deleted
    /// (`basic.cancel`); it stops consuming.
    RabbitConsumerCancelled { consumer: RabbitConsumerId },
    /// A RabbitMQ consumer died; its unacknowledged messages are requeued.
    RabbitConsumerCrashed { consumer: RabbitConsumerId },
    /// A RabbitMQ consumer started again.
    RabbitConsumerStarted { consumer: RabbitConsumerId },
    /// `exchange.declare`: an exchange exists from now on.
    ExchangeDeclared { exchange: Rc<str> },
    /// `exchange.delete`: the exchange is gone, and the bindings from and
    /// to it (each reported as removed first).
    ExchangeDeleted { exchange: Rc<str> },
    /// `queue.purge`: the queue's ready messages are gone (not
    /// dead-lettered); those delivered and unacknowledged stay.
    QueuePurged { queue: QueueId, purged: u64 },
    /// A RabbitMQ publisher started publishing.
    PublisherStarted { publisher: PublisherId },
    /// A RabbitMQ consumer consumed again with another prefetch
    /// (`basic.cancel`, `basic.qos`, `basic.consume`).
    RabbitConsumerPrefetchSet {
        consumer: RabbitConsumerId,
        prefetch: u32,
    },
    /// A RabbitMQ consumer's handling now takes `processing_ms` per message.
    RabbitConsumerSlowed {
        consumer: RabbitConsumerId,
        processing_ms: u64,
    },
    /// A message went back into its queue to be delivered again.
    MessageRequeued {
        message: MessageId,
        queue: QueueId,
        delivery_count: u32,
    },
    /// A message left its queue for good without being acknowledged: sent
    /// to the queue's dead-letter exchange, or dropped without one.
    MessageDiscarded {
        message: MessageId,
        queue: QueueId,
        reason: DeathReason,
        dead_letter_exchange: Option<Rc<str>>,
    },
    /// A replica cut its log back to where it agrees with its leader.
    ReplicaTruncated {
        #[serde(flatten)]
        tp: TopicPartition,
        broker: BrokerId,
        #[serde(flatten)]
        truncation: Truncation,
    },
}

/// How a consumer settled a delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    Ack,
    /// `basic.nack` with `requeue=true`.
    Requeue,
    /// `basic.nack` with `requeue=false`.
    Reject,
}

/// Why a message was dead-lettered, by RabbitMQ's names for the reasons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeathReason {
    /// Rejected by a consumer with `requeue=false`.
    Rejected,
    /// Its time to live ran out.
    Expired,
    /// Pushed out of a full queue (`x-overflow: drop-head`).
    Maxlen,
    /// Returned to a quorum queue more than `x-delivery-limit` times.
    DeliveryLimit,
}

/// Why a write to a partition leader did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProduceError {
    /// `acks=all`, and fewer replicas than `min.insync.replicas` are in sync.
    NotEnoughReplicas,
    /// The broker is not (or no longer) the partition's leader.
    NotLeaderOrFollower,
    /// The partition has no leader: no in-sync replica is alive.
    LeaderNotAvailable,
    /// The broker is down: the connection failed.
    NetworkException,
    /// The leader held the write for `request.timeout.ms` without
    /// confirming it.
    RequestTimedOut,
}

/// Why the ISR changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IsrChange {
    /// A follower had not caught up for `replica.lag.time.max.ms`.
    FellBehind,
    /// A follower caught up with the high watermark.
    CaughtUp,
    /// The controller removed brokers whose ZooKeeper session ended.
    BrokerFailed,
}

/// Why a replica's log was cut back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncation {
    /// The replica's log end before.
    pub from_offset: u64,
    /// Its log end after: where its log and the leader's part ways.
    pub to_offset: u64,
    /// Records removed that the leader's log does not hold either: gone.
    pub lost: Vec<RecordId>,
}

/// One partition in a follower's fetch response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaBatch {
    #[serde(flatten)]
    pub tp: TopicPartition,
    pub from_offset: u64,
    pub to_offset: u64,
    pub high_watermark: u64,
}

/// Why a producer's record went to the partition it did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionChoice {
    /// The record named its partition explicitly.
    Explicit,
    /// `toPositive(murmur2(key)) % partitions`.
    KeyHash,
    /// No key and no partition: the next partition in turn.
    RoundRobin,
    /// No key and no partition: the current sticky batch's partition.
    Sticky,
}

/// What made a group rebalance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum RebalanceReason {
    /// A new member joined.
    Joined { consumer: ConsumerId },
    /// A member of the stable group rejoined (after a cooperative revocation).
    Rejoined { consumer: ConsumerId },
    /// A member left the group.
    Left { consumer: ConsumerId },
    /// A member's session expired.
    Expired { consumer: ConsumerId },
    /// A subscribed topic gained partitions.
    PartitionsAdded { topic: TopicId },
    /// A subscribed topic that did not exist was created.
    TopicCreated { topic: TopicId },
}

/// The partitions one member owns after a rebalance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAssignment {
    pub consumer: ConsumerId,
    pub partitions: Vec<TopicPartition>,
}

/// Records `from_offset..to_offset` (end exclusive) of one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchedBatch {
    #[serde(flatten)]
    pub tp: TopicPartition,
    pub from_offset: u64,
    pub to_offset: u64,
}

/// An offset a consumer asks its coordinator to store for one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommittedOffset {
    #[serde(flatten)]
    pub tp: TopicPartition,
    pub offset: u64,
}

fn empty_headers() -> Headers {
    Rc::from([])
}

/// Where the simulation puts events as they happen.
pub trait TraceSink {
    fn record(&mut self, event: Event);
}

/// Keeping every event, in order.
impl TraceSink for Vec<Event> {
    fn record(&mut self, event: Event) {
        self.push(event);
    }
}

/// A sink that only counts events, for benchmarks that measure the engine
/// rather than the cost of keeping its output.
#[derive(Debug, Default)]
pub struct CountingSink {
    pub events: u64,
}

impl TraceSink for CountingSink {
    fn record(&mut self, _event: Event) {
        self.events += 1;
    }
}

/// Writes events as JSON Lines: one event per line, in order. This is the
/// byte-level form compared across native and wasm runs.
pub fn to_json_lines(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        // Serializing these plain data types cannot fail: no maps with
        // non-string keys, no non-finite floats.
        out.push_str(&serde_json::to_string(event).expect("trace events always serialize"));
        out.push('\n');
    }
    out
}

/// A record a share consumer acquired, and how many times it has been
/// delivered, this time included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcquiredRecord {
    pub offset: u64,
    pub record: RecordId,
    pub delivery_count: u32,
}
