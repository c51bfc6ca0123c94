//! The timeline: interventions at set moments of a run.
//!
//! An entry is written flat, `{"at_ms": 12000, "do": "consumer_crash",
//! "group": "notifications", "member": "notifier-1"}`: the moment, what
//! happens, and the fields that kind of intervention takes.
//!
//! Entries are read through [`RawEntry`], one flat struct with every field
//! optional, and then checked per kind: which fields it needs and which do
//! not apply. Serde's derive for this shape (an internally tagged enum,
//! flattened into the entry) buffers each entry and carries a copy of every
//! variant's reader; it was the largest function in the page's
//! WebAssembly. Writing still uses the derive.

use super::file::{FailedAck, GroupSpec, MemberSpec, ProducerSpec, TopicSpec};
use super::rabbit::{PublisherSpec, QueueSpec, RabbitConsumerSpec};
use crate::rabbit::content::Properties;
use crate::rabbit::headers::{FieldTable, FieldValue};
use crate::rabbit::topology::{Binding, Exchange};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One intervention at one moment of the run.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct TimelineEntry {
    /// When, in virtual milliseconds from the start.
    pub at_ms: u64,
    #[serde(flatten)]
    pub action: Intervention,
}

/// What can be done to a running scenario.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Intervention {
    /// A new consumer group starts: its members join at this moment. (Kafka
    /// has no "create group": a group exists once a member joins with its
    /// `group.id`.)
    GroupAdd { group: GroupSpec },
    /// A new consumer starts and joins `group`.
    ConsumerJoin { group: String, member: MemberSpec },
    /// A consumer finishes its current batch, commits, and leaves its group
    /// (`consumer.close()`): the group rebalances at once.
    ConsumerLeave {
        /// The member's group; none for a standalone consumer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        member: String,
    },
    /// A consumer dies on the spot, without committing. The coordinator only
    /// notices when `session_timeout_ms` passes without a heartbeat.
    ConsumerCrash {
        /// The member's group; none for a standalone consumer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        member: String,
    },
    /// A consumer that crashed or left starts again and rejoins (a
    /// standalone consumer starts over from `auto_offset_reset`: it has no
    /// committed offset).
    ConsumerRestart {
        /// The member's group; none for a standalone consumer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        member: String,
    },
    /// A consumer's processing gets slower (or faster): each record now
    /// takes `processing_ms`. Lag grows when it can no longer keep up.
    ConsumerSlow {
        /// The member's group; none for a standalone consumer.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
        member: String,
        processing_ms: u64,
    },
    /// `consumer.subscribe(topics)`: a member of a consumer-protocol or
    /// share group changes what it reads. Its next heartbeat, sent at once,
    /// carries the new list; the group epoch goes up and the coordinator
    /// computes a new target (KIP-848's subscription-change trigger).
    ConsumerSubscribe {
        group: String,
        member: String,
        topics: Vec<String>,
    },
    /// A share consumer acknowledges the record in hand (or, between
    /// records, its next) with `ack`, whatever processing would say:
    /// `release` gives it back to be delivered again, `reject` archives it.
    ShareAcknowledge {
        group: String,
        member: String,
        ack: FailedAck,
    },
    /// A member of a `by_hand` group (a live Kafka client) sends JoinGroup
    /// again: its client heard of a rebalance in its heartbeat's answer.
    /// With an eager assignor it first gives up every partition.
    ConsumerRejoin { group: String, member: String },
    /// The leader of a `by_hand` group sends the assignment its client's
    /// assignor made for `generation` (SyncGroup). The coordinator hands
    /// each member its part as the leader made it; one for another
    /// generation is too late, and nothing comes of it.
    GroupSync {
        group: String,
        member: String,
        generation: u32,
        assignment: Vec<MemberAssignmentSpec>,
    },
    /// A member of a `by_hand` group commits `offsets` (OffsetCommit):
    /// for each partition, the next record the group is to read.
    OffsetCommit {
        group: String,
        member: String,
        offsets: Vec<OffsetSpec>,
    },
    /// A member of a `by_hand` group on the consumer protocol (a live
    /// Kafka client, KIP-848) heartbeats (ConsumerGroupHeartbeat): to join
    /// (`member_epoch` 0), or at its epoch, saying what it subscribes to
    /// and what it owns when those changed. The coordinator answers with
    /// its epoch and, when it changed, its assignment.
    ConsumerHeartbeat {
        group: String,
        member: String,
        member_epoch: i64,
        /// Its subscription, when it changed (always on joining).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topics: Option<Vec<String>>,
        /// What it owns, when that changed (its acknowledgement of an
        /// assignment).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owned: Option<Vec<PartitionSpec>>,
    },
    /// A new producer starts sending.
    ProducerAdd { producer: ProducerSpec },
    /// A producer stops sending (`producer.close()`): what it has sent
    /// still arrives.
    ProducerRemove { producer: String },
    /// One record sent by hand through `producer`: its partitioner, acks
    /// and retries, as `producer.send()` would.
    Produce {
        producer: String,
        /// None: a record without a key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        /// None: `<producer>-by-hand-<n>`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        /// The partition, instead of the partitioner's choice.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<u32>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        headers: BTreeMap<String, String>,
        /// A poison record: every consumer's processing fails on it
        /// (think malformed JSON). It carries the header `poison`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        poison: bool,
        /// The broker it is sent to, as its client's metadata has the
        /// partition's leader (a live client's choice); none: the leader in
        /// the producer's own metadata.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        broker: Option<u32>,
    },
    /// `kafka-topics --create`: a new topic. Its partitions are placed on
    /// the brokers as at start-up, each led by its first live replica.
    /// Groups that already subscribe to it (a subscription may name a topic
    /// that does not exist yet) take its partitions once their leader's
    /// metadata has it.
    TopicCreate { topic: TopicSpec },
    /// The topic grows to `partitions` partitions (Kafka never removes
    /// any). Keyed records hash over the new count from then on, so keys
    /// move; groups reading the topic rebalance to take the new partitions.
    AddPartitions { topic: String, partitions: u32 },
    /// A broker process dies on the spot. ZooKeeper notices when its session
    /// times out, and the controller moves leadership away from it.
    BrokerKill { broker: u32 },
    /// A broker shuts down cleanly (`kafka-server-stop.sh`, a controlled
    /// shutdown): the controller first moves its leaderships to other
    /// in-sync replicas, then it stops. Nothing waits for a session to
    /// expire.
    BrokerShutdown { broker: u32 },
    /// A dead broker starts again: it registers, truncates what its leaders
    /// never confirmed, catches up as a follower and rejoins the ISR.
    BrokerRestart { broker: u32 },
    /// A broker loses its network links to ZooKeeper and the other brokers,
    /// while clients still reach it. ZooKeeper soon declares it dead and
    /// leadership moves on, but it goes on believing it leads.
    BrokerIsolate { broker: u32 },
    /// An isolated broker's links come back; it learns it no longer leads
    /// and throws away what it took in meanwhile.
    BrokerReconnect { broker: u32 },
    /// KRaft: a dedicated controller process (`controller`, its node id)
    /// dies. If it was the active controller, the others elect another.
    ControllerKill { controller: u32 },
    /// KRaft: a dead controller starts again with its log and its vote, and
    /// follows whichever controller now leads.
    ControllerRestart { controller: u32 },
    /// KRaft: a controller loses its network links.
    ControllerIsolate { controller: u32 },
    /// KRaft: an isolated controller's links come back.
    ControllerReconnect { controller: u32 },
    /// The controller moves leadership back to each partition's preferred
    /// replica (its first), where that replica is alive and in the ISR.
    PreferredLeaderElection,
    /// A RabbitMQ consumer dies: its channel closes, and the broker requeues
    /// everything it had not acknowledged, marked redelivered.
    RabbitConsumerCrash { consumer: String },
    /// A crashed RabbitMQ consumer starts again and consumes anew.
    RabbitConsumerRestart { consumer: String },
    /// A new RabbitMQ consumer starts consuming from its queue.
    RabbitConsumerAdd { consumer: RabbitConsumerSpec },
    /// A RabbitMQ consumer changes its prefetch: `basic.cancel`, then
    /// `basic.qos` with `prefetch` and `basic.consume` again (a
    /// per-consumer prefetch is fixed when the consumer starts). What it
    /// holds is still handled and acknowledged; only deliveries from now on
    /// count against the new prefetch.
    RabbitConsumerPrefetch { consumer: String, prefetch: u32 },
    /// A RabbitMQ consumer's handling gets slower (or faster): each
    /// message now takes `processing_ms`.
    RabbitConsumerSlow {
        consumer: String,
        processing_ms: u64,
    },
    /// `exchange.declare`: a new exchange. Nothing reaches it until a
    /// publisher publishes to it or another exchange is bound to it.
    RabbitExchangeDeclare { exchange: Exchange },
    /// A new publisher starts publishing to its exchange at its rate.
    RabbitPublisherAdd { publisher: PublisherSpec },
    /// `queue.declare`: a new queue. Nothing reaches it until it is bound
    /// (apart from the default exchange, which reaches every queue by name).
    RabbitQueueDeclare { queue: QueueSpec },
    /// `queue.delete`: the queue goes with its messages (not dead-lettered)
    /// and its bindings; its consumers are cancelled.
    RabbitQueueDelete { queue: String },
    /// `queue.purge`: the queue's ready messages go, without
    /// dead-lettering; what consumers hold unacknowledged stays.
    RabbitQueuePurge { queue: String },
    /// `exchange.delete`: the exchange goes, with the bindings from and to
    /// it. Its name is not used again in the run.
    RabbitExchangeDelete { exchange: String },
    /// `queue.bind` (or `exchange.bind`): a new binding, routing from the
    /// next message on.
    RabbitBind { binding: Binding },
    /// `queue.unbind` (or `exchange.unbind`): the binding with these
    /// source, destination, key and arguments goes.
    RabbitUnbind { binding: Binding },
    /// One message published by hand through `publisher`, to its exchange
    /// or the one named.
    RabbitPublish {
        publisher: String,
        /// The exchange, if not the publisher's own (a live client names
        /// one with each `basic.publish`); `""` is the default exchange.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exchange: Option<String>,
        routing_key: String,
        /// AMQP field values: strings, numbers, booleans, tables, arrays.
        #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
        headers: FieldTable,
        /// A poison message: every consumer's handling fails on it. It
        /// carries the header `poison`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        poison: bool,
        /// Return the message to the publisher if no queue takes it
        /// (`basic.return`), as its publisher's `mandatory` does for all.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        mandatory: bool,
        /// The body as text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// The body as standard base64, for bytes that are not UTF-8 text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body_base64: Option<String>,
        /// The `basic` properties other than `headers`
        /// ([`Properties`]).
        #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
        properties: Properties,
    },
    /// `basic.cancel` from a consumer acknowledging `by_hand`: nothing more
    /// is pushed to it, and what it holds stays unacknowledged until it
    /// settles it, or its channel closes (`rabbit_consumer_crash`).
    RabbitConsumerCancel { consumer: String },
    /// `basic.get` by a consumer acknowledging `by_hand`: the next ready
    /// message of `queue` goes to it, kept unacknowledged until it settles
    /// it, or with `auto_ack` forgotten on sending. An empty queue gives
    /// nothing.
    RabbitGet {
        consumer: String,
        queue: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto_ack: bool,
    },
    /// `basic.ack` from a consumer whose acknowledgements come from the
    /// timeline (`by_hand`): the delivery `delivery_tag` is done with, and
    /// with `multiple` every earlier one it holds too.
    RabbitAck {
        consumer: String,
        delivery_tag: u64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        multiple: bool,
    },
    /// `basic.nack` (or `basic.reject`, which is one delivery without
    /// `multiple`) from a `by_hand` consumer: back into the queue with
    /// `requeue`, else dead-lettered or dropped.
    RabbitNack {
        consumer: String,
        delivery_tag: u64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        multiple: bool,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        requeue: bool,
    },
}

impl Intervention {
    /// Whether the entry brings something new into the run (a topic, a
    /// producer, a group or member, an exchange, a queue, a binding, a
    /// publisher, a consumer). The run numbers what it has from the whole
    /// scenario at its start, so a run can only take such an entry by
    /// starting over; any other entry it can take while it goes on
    /// ([`crate::Simulation::inject`]).
    pub fn adds_to_run(&self) -> bool {
        matches!(
            self,
            Intervention::GroupAdd { .. }
                | Intervention::ConsumerJoin { .. }
                | Intervention::ProducerAdd { .. }
                | Intervention::TopicCreate { .. }
                | Intervention::RabbitExchangeDeclare { .. }
                | Intervention::RabbitPublisherAdd { .. }
                | Intervention::RabbitConsumerAdd { .. }
                | Intervention::RabbitQueueDeclare { .. }
                | Intervention::RabbitBind { .. }
        )
    }
}

/// One member's part of a group leader's assignment (`group_sync`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberAssignmentSpec {
    pub member: String,
    pub partitions: Vec<PartitionSpec>,
}

/// A partition, by its topic's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    pub topic: String,
    pub partition: u32,
}

/// A partition's committed offset (`offset_commit`): the next record to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffsetSpec {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
}

impl TimelineEntry {
    /// The fields an entry of kind `name` (as written after `"do"`) takes
    /// besides `at_ms` and `do`; `None` if there is no such kind.
    pub fn fields_of(name: &str) -> Option<&'static [&'static str]> {
        use serde::de::IntoDeserializer;
        let name: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            name.into_deserializer();
        Kind::deserialize(name).ok().map(Kind::fields)
    }

    /// The entry's fields in words, by name, as written (`do` first, then
    /// the rest; `at_ms` left out): a name or a number as it is, a whole
    /// object (a queue declared, a consumer added) by its `name`. A
    /// lesson's `did … field=value` check compares with these, and the
    /// builder lists entries by them.
    pub fn said(&self) -> Vec<(String, String)> {
        use serde_json::Value;
        let json = serde_json::to_string(self)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok());
        let Some(Value::Object(fields)) = json else {
            return Vec::new();
        };
        let word = |value: &Value| match value {
            Value::String(text) => text.clone(),
            Value::Object(object) => match object.get("name") {
                Some(Value::String(name)) => name.clone(),
                _ => value.to_string(),
            },
            other => other.to_string(),
        };
        let kind = fields.get("do").map(|v| ("do".to_string(), word(v)));
        let rest = fields
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "at_ms" | "do"))
            .map(|(name, value)| (name.clone(), word(value)));
        kind.into_iter().chain(rest).collect()
    }
}

/// The header that marks a message sent by hand as poison: no consumer can
/// process it.
pub const POISON_HEADER: &str = "poison";

/// Every field an entry may have, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    at_ms: u64,
    #[serde(rename = "do")]
    kind: Kind,
    /// A name, or for `group_add` a whole group object.
    group: Option<Named<GroupSpec>>,
    /// A name, or for `consumer_join` a whole member object.
    member: Option<Named<MemberSpec>>,
    /// A name, or for `topic_create` a whole topic object.
    topic: Option<Named<TopicSpec>>,
    /// A member's new subscription.
    topics: Option<Vec<String>>,
    partitions: Option<u32>,
    broker: Option<u32>,
    controller: Option<u32>,
    /// A name, or for `rabbit_consumer_add` a whole consumer object.
    consumer: Option<Named<RabbitConsumerSpec>>,
    /// A name, or for `producer_add` a whole producer object.
    producer: Option<Named<ProducerSpec>>,
    /// A name, or for `rabbit_publisher_add` a whole publisher object.
    publisher: Option<Named<PublisherSpec>>,
    /// A name, or for `rabbit_exchange_declare` a whole exchange object.
    exchange: Option<Named<Exchange>>,
    key: Option<String>,
    value: Option<String>,
    partition: Option<u32>,
    routing_key: Option<String>,
    /// Read as AMQP field values; `produce` takes strings only.
    headers: Option<FieldTable>,
    poison: Option<bool>,
    mandatory: Option<bool>,
    body: Option<String>,
    body_base64: Option<String>,
    properties: Option<FieldTable>,
    delivery_tag: Option<u64>,
    auto_ack: Option<bool>,
    multiple: Option<bool>,
    requeue: Option<bool>,
    prefetch: Option<u32>,
    processing_ms: Option<u64>,
    ack: Option<FailedAck>,
    generation: Option<u32>,
    assignment: Option<Vec<MemberAssignmentSpec>>,
    offsets: Option<Vec<OffsetSpec>>,
    member_epoch: Option<i64>,
    owned: Option<Vec<PartitionSpec>>,
    /// A name, or for `rabbit_queue_declare` a whole queue object.
    queue: Option<Named<QueueSpec>>,
    binding: Option<Binding>,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    GroupAdd,
    ConsumerJoin,
    ConsumerLeave,
    ConsumerCrash,
    ConsumerRestart,
    ConsumerSlow,
    ConsumerSubscribe,
    ShareAcknowledge,
    ConsumerRejoin,
    GroupSync,
    OffsetCommit,
    ConsumerHeartbeat,
    ProducerAdd,
    ProducerRemove,
    Produce,
    TopicCreate,
    AddPartitions,
    BrokerKill,
    BrokerShutdown,
    BrokerRestart,
    BrokerIsolate,
    BrokerReconnect,
    ControllerKill,
    ControllerRestart,
    ControllerIsolate,
    ControllerReconnect,
    PreferredLeaderElection,
    RabbitConsumerCrash,
    RabbitConsumerRestart,
    RabbitConsumerSlow,
    RabbitConsumerPrefetch,
    RabbitConsumerAdd,
    RabbitPublish,
    RabbitExchangeDeclare,
    RabbitPublisherAdd,
    RabbitQueueDeclare,
    RabbitQueueDelete,
    RabbitBind,
    RabbitUnbind,
    RabbitConsumerCancel,
    RabbitGet,
    RabbitQueuePurge,
    RabbitExchangeDelete,
    RabbitAck,
    RabbitNack,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::GroupAdd => "group_add",
            Kind::ConsumerJoin => "consumer_join",
            Kind::ConsumerLeave => "consumer_leave",
            Kind::ConsumerCrash => "consumer_crash",
            Kind::ConsumerRestart => "consumer_restart",
            Kind::ConsumerSlow => "consumer_slow",
            Kind::ConsumerSubscribe => "consumer_subscribe",
            Kind::ShareAcknowledge => "share_acknowledge",
            Kind::ConsumerRejoin => "consumer_rejoin",
            Kind::GroupSync => "group_sync",
            Kind::OffsetCommit => "offset_commit",
            Kind::ConsumerHeartbeat => "consumer_heartbeat",
            Kind::ProducerAdd => "producer_add",
            Kind::ProducerRemove => "producer_remove",
            Kind::Produce => "produce",
            Kind::TopicCreate => "topic_create",
            Kind::AddPartitions => "add_partitions",
            Kind::BrokerKill => "broker_kill",
            Kind::BrokerShutdown => "broker_shutdown",
            Kind::BrokerRestart => "broker_restart",
            Kind::BrokerIsolate => "broker_isolate",
            Kind::BrokerReconnect => "broker_reconnect",
            Kind::ControllerKill => "controller_kill",
            Kind::ControllerRestart => "controller_restart",
            Kind::ControllerIsolate => "controller_isolate",
            Kind::ControllerReconnect => "controller_reconnect",
            Kind::PreferredLeaderElection => "preferred_leader_election",
            Kind::RabbitConsumerCrash => "rabbit_consumer_crash",
            Kind::RabbitConsumerRestart => "rabbit_consumer_restart",
            Kind::RabbitConsumerSlow => "rabbit_consumer_slow",
            Kind::RabbitConsumerPrefetch => "rabbit_consumer_prefetch",
            Kind::RabbitConsumerAdd => "rabbit_consumer_add",
            Kind::RabbitPublish => "rabbit_publish",
            Kind::RabbitExchangeDeclare => "rabbit_exchange_declare",
            Kind::RabbitPublisherAdd => "rabbit_publisher_add",
            Kind::RabbitQueueDeclare => "rabbit_queue_declare",
            Kind::RabbitQueueDelete => "rabbit_queue_delete",
            Kind::RabbitBind => "rabbit_bind",
            Kind::RabbitUnbind => "rabbit_unbind",
            Kind::RabbitConsumerCancel => "rabbit_consumer_cancel",
            Kind::RabbitGet => "rabbit_get",
            Kind::RabbitQueuePurge => "rabbit_queue_purge",
            Kind::RabbitExchangeDelete => "rabbit_exchange_delete",
            Kind::RabbitAck => "rabbit_ack",
            Kind::RabbitNack => "rabbit_nack",
        }
    }

    /// The name in `field`, which this kind needs.
    fn name_of<T>(self, field: Option<Named<T>>, name: &str) -> Result<String, String> {
        match field {
            Some(Named::Name(value)) => Ok(value),
            Some(Named::Spec(_)) => Err(format!("{}: `{name}` is a name", self.name())),
            None => Err(format!("{} needs `{name}`", self.name())),
        }
    }

    /// The whole object in `field`, which this kind needs.
    fn spec_of<T>(self, field: Option<Named<T>>, name: &str) -> Result<T, String> {
        match field {
            Some(Named::Spec(spec)) => Ok(spec),
            Some(Named::Name(_)) => Err(format!(
                "{}: `{name}` is a whole object, not a name",
                self.name()
            )),
            None => Err(format!("{} needs `{name}`", self.name())),
        }
    }

    /// The fields this kind takes, besides `at_ms` and `do`.
    fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::GroupAdd => &["group"],
            Kind::ConsumerJoin => &["group", "member"],
            Kind::ConsumerLeave | Kind::ConsumerCrash | Kind::ConsumerRestart => {
                &["group", "member"]
            }
            Kind::ConsumerSlow => &["group", "member", "processing_ms"],
            Kind::ConsumerSubscribe => &["group", "member", "topics"],
            Kind::ShareAcknowledge => &["group", "member", "ack"],
            Kind::ConsumerRejoin => &["group", "member"],
            Kind::GroupSync => &["group", "member", "generation", "assignment"],
            Kind::OffsetCommit => &["group", "member", "offsets"],
            Kind::ConsumerHeartbeat => &["group", "member", "member_epoch", "topics", "owned"],
            Kind::ProducerAdd | Kind::ProducerRemove => &["producer"],
            Kind::Produce => &[
                "producer",
                "key",
                "value",
                "partition",
                "headers",
                "poison",
                "broker",
            ],
            Kind::TopicCreate => &["topic"],
            Kind::AddPartitions => &["topic", "partitions"],
            Kind::BrokerKill
            | Kind::BrokerShutdown
            | Kind::BrokerRestart
            | Kind::BrokerIsolate
            | Kind::BrokerReconnect => &["broker"],
            Kind::ControllerKill
            | Kind::ControllerRestart
            | Kind::ControllerIsolate
            | Kind::ControllerReconnect => &["controller"],
            Kind::PreferredLeaderElection => &[],
            Kind::RabbitConsumerCrash
            | Kind::RabbitConsumerRestart
            | Kind::RabbitConsumerAdd
            | Kind::RabbitConsumerCancel => &["consumer"],
            Kind::RabbitConsumerSlow => &["consumer", "processing_ms"],
            Kind::RabbitConsumerPrefetch => &["consumer", "prefetch"],
            Kind::RabbitPublish => &[
                "publisher",
                "exchange",
                "routing_key",
                "headers",
                "poison",
                "mandatory",
                "body",
                "body_base64",
                "properties",
            ],
            Kind::RabbitGet => &["consumer", "queue", "auto_ack"],
            Kind::RabbitQueuePurge => &["queue"],
            Kind::RabbitExchangeDelete => &["exchange"],
            Kind::RabbitAck => &["consumer", "delivery_tag", "multiple"],
            Kind::RabbitNack => &["consumer", "delivery_tag", "multiple", "requeue"],
            Kind::RabbitExchangeDeclare => &["exchange"],
            Kind::RabbitPublisherAdd => &["publisher"],
            Kind::RabbitQueueDeclare | Kind::RabbitQueueDelete => &["queue"],
            Kind::RabbitBind | Kind::RabbitUnbind => &["binding"],
        }
    }
}

impl RawEntry {
    /// The fields present, by name.
    fn present(&self) -> Vec<&'static str> {
        let fields: [(&'static str, bool); 35] = [
            ("group", self.group.is_some()),
            ("member", self.member.is_some()),
            ("topic", self.topic.is_some()),
            ("partitions", self.partitions.is_some()),
            ("broker", self.broker.is_some()),
            ("controller", self.controller.is_some()),
            ("consumer", self.consumer.is_some()),
            ("producer", self.producer.is_some()),
            ("publisher", self.publisher.is_some()),
            ("exchange", self.exchange.is_some()),
            ("key", self.key.is_some()),
            ("value", self.value.is_some()),
            ("partition", self.partition.is_some()),
            ("routing_key", self.routing_key.is_some()),
            ("headers", self.headers.is_some()),
            ("poison", self.poison.is_some()),
            ("mandatory", self.mandatory.is_some()),
            ("body", self.body.is_some()),
            ("body_base64", self.body_base64.is_some()),
            ("properties", self.properties.is_some()),
            ("delivery_tag", self.delivery_tag.is_some()),
            ("auto_ack", self.auto_ack.is_some()),
            ("multiple", self.multiple.is_some()),
            ("requeue", self.requeue.is_some()),
            ("processing_ms", self.processing_ms.is_some()),
            ("queue", self.queue.is_some()),
            ("binding", self.binding.is_some()),
            ("prefetch", self.prefetch.is_some()),
            ("ack", self.ack.is_some()),
            ("topics", self.topics.is_some()),
            ("generation", self.generation.is_some()),
            ("assignment", self.assignment.is_some()),
            ("offsets", self.offsets.is_some()),
            ("member_epoch", self.member_epoch.is_some()),
            ("owned", self.owned.is_some()),
        ];
        fields
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(name, _)| name)
            .collect()
    }

    fn into_entry(self) -> Result<TimelineEntry, String> {
        let kind = self.kind;
        if let Some(stray) = self
            .present()
            .into_iter()
            .find(|f| !kind.fields().contains(f))
        {
            return Err(format!(
                "`{stray}` does not apply to {} (it takes {})",
                kind.name(),
                match kind.fields() {
                    [] => "no other field".to_string(),
                    fields => fields
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            ));
        }
        let need = |field: Option<String>, name: &str| {
            field.ok_or_else(|| format!("{} needs `{name}`", kind.name()))
        };
        let group_name = |group: Option<Named<GroupSpec>>| match group {
            None => Ok(None),
            Some(named) => kind.name_of(Some(named), "group").map(Some),
        };
        let binding = self
            .binding
            .ok_or_else(|| format!("{} needs `binding`", kind.name()));
        let need_u32 = |field: Option<u32>, name: &str| {
            field.ok_or_else(|| format!("{} needs `{name}`", kind.name()))
        };
        let need_u64 = |field: Option<u64>, name: &str| {
            field.ok_or_else(|| format!("{} needs `{name}`", kind.name()))
        };
        let member_name = |member: Option<Named<MemberSpec>>| kind.name_of(member, "member");
        let processing_ms = self
            .processing_ms
            .ok_or_else(|| format!("{} needs `processing_ms`", kind.name()));
        let action = match kind {
            Kind::GroupAdd => Intervention::GroupAdd {
                group: kind.spec_of(self.group, "group")?,
            },
            Kind::ConsumerJoin => Intervention::ConsumerJoin {
                group: kind.name_of(self.group, "group")?,
                member: kind.spec_of(self.member, "member")?,
            },
            Kind::ConsumerLeave => Intervention::ConsumerLeave {
                group: group_name(self.group)?,
                member: member_name(self.member)?,
            },
            Kind::ConsumerCrash => Intervention::ConsumerCrash {
                group: group_name(self.group)?,
                member: member_name(self.member)?,
            },
            Kind::ConsumerRestart => Intervention::ConsumerRestart {
                group: group_name(self.group)?,
                member: member_name(self.member)?,
            },
            Kind::ConsumerSlow => Intervention::ConsumerSlow {
                group: group_name(self.group)?,
                member: member_name(self.member)?,
                processing_ms: processing_ms?,
            },
            Kind::ConsumerSubscribe => Intervention::ConsumerSubscribe {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
                topics: (self.topics).ok_or_else(|| format!("{} needs `topics`", kind.name()))?,
            },
            Kind::ShareAcknowledge => Intervention::ShareAcknowledge {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
                ack: (self.ack).ok_or_else(|| format!("{} needs `ack`", kind.name()))?,
            },
            Kind::ConsumerRejoin => Intervention::ConsumerRejoin {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
            },
            Kind::GroupSync => Intervention::GroupSync {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
                generation: need_u32(self.generation, "generation")?,
                assignment: (self.assignment)
                    .ok_or_else(|| format!("{} needs `assignment`", kind.name()))?,
            },
            Kind::OffsetCommit => Intervention::OffsetCommit {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
                offsets: (self.offsets)
                    .ok_or_else(|| format!("{} needs `offsets`", kind.name()))?,
            },
            Kind::ConsumerHeartbeat => Intervention::ConsumerHeartbeat {
                group: kind.name_of(self.group, "group")?,
                member: member_name(self.member)?,
                member_epoch: (self.member_epoch)
                    .ok_or_else(|| format!("{} needs `member_epoch`", kind.name()))?,
                topics: self.topics,
                owned: self.owned,
            },
            Kind::ProducerAdd => Intervention::ProducerAdd {
                producer: kind.spec_of(self.producer, "producer")?,
            },
            Kind::ProducerRemove => Intervention::ProducerRemove {
                producer: kind.name_of(self.producer, "producer")?,
            },
            Kind::Produce => Intervention::Produce {
                producer: kind.name_of(self.producer, "producer")?,
                key: self.key,
                value: self.value,
                partition: self.partition,
                headers: kafka_headers(self.headers)?,
                poison: self.poison.unwrap_or_default(),
                broker: self.broker,
            },
            Kind::TopicCreate => Intervention::TopicCreate {
                topic: kind.spec_of(self.topic, "topic")?,
            },
            Kind::AddPartitions => Intervention::AddPartitions {
                topic: kind.name_of(self.topic, "topic")?,
                partitions: need_u32(self.partitions, "partitions")?,
            },
            Kind::BrokerKill => Intervention::BrokerKill {
                broker: need_u32(self.broker, "broker")?,
            },
            Kind::BrokerShutdown => Intervention::BrokerShutdown {
                broker: need_u32(self.broker, "broker")?,
            },
            Kind::BrokerRestart => Intervention::BrokerRestart {
                broker: need_u32(self.broker, "broker")?,
            },
            Kind::BrokerIsolate => Intervention::BrokerIsolate {
                broker: need_u32(self.broker, "broker")?,
            },
            Kind::BrokerReconnect => Intervention::BrokerReconnect {
                broker: need_u32(self.broker, "broker")?,
            },
            Kind::ControllerKill => Intervention::ControllerKill {
                controller: need_u32(self.controller, "controller")?,
            },
            Kind::ControllerRestart => Intervention::ControllerRestart {
                controller: need_u32(self.controller, "controller")?,
            },
            Kind::ControllerIsolate => Intervention::ControllerIsolate {
                controller: need_u32(self.controller, "controller")?,
            },
            Kind::ControllerReconnect => Intervention::ControllerReconnect {
                controller: need_u32(self.controller, "controller")?,
            },
            Kind::PreferredLeaderElection => Intervention::PreferredLeaderElection,
            Kind::RabbitConsumerCrash => Intervention::RabbitConsumerCrash {
                consumer: kind.name_of(self.consumer, "consumer")?,
            },
            Kind::RabbitConsumerRestart => Intervention::RabbitConsumerRestart {
                consumer: kind.name_of(self.consumer, "consumer")?,
            },
            Kind::RabbitConsumerSlow => Intervention::RabbitConsumerSlow {
                consumer: kind.name_of(self.consumer, "consumer")?,
                processing_ms: processing_ms?,
            },
            Kind::RabbitConsumerPrefetch => Intervention::RabbitConsumerPrefetch {
                consumer: kind.name_of(self.consumer, "consumer")?,
                prefetch: need_u32(self.prefetch, "prefetch")?,
            },
            Kind::RabbitConsumerAdd => Intervention::RabbitConsumerAdd {
                consumer: kind.spec_of(self.consumer, "consumer")?,
            },
            Kind::RabbitPublish => Intervention::RabbitPublish {
                publisher: kind.name_of(self.publisher, "publisher")?,
                exchange: match self.exchange {
                    None => None,
                    named => Some(kind.name_of(named, "exchange")?),
                },
                routing_key: need(self.routing_key, "routing_key")?,
                headers: self.headers.unwrap_or_default(),
                poison: self.poison.unwrap_or_default(),
                mandatory: self.mandatory.unwrap_or_default(),
                body: self.body,
                body_base64: self.body_base64,
                properties: self.properties.unwrap_or_default(),
            },
            Kind::RabbitQueuePurge => Intervention::RabbitQueuePurge {
                queue: kind.name_of(self.queue, "queue")?,
            },
            Kind::RabbitExchangeDelete => Intervention::RabbitExchangeDelete {
                exchange: kind.name_of(self.exchange, "exchange")?,
            },
            Kind::RabbitGet => Intervention::RabbitGet {
                consumer: kind.name_of(self.consumer, "consumer")?,
                queue: kind.name_of(self.queue, "queue")?,
                auto_ack: self.auto_ack.unwrap_or_default(),
            },
            Kind::RabbitConsumerCancel => Intervention::RabbitConsumerCancel {
                consumer: kind.name_of(self.consumer, "consumer")?,
            },
            Kind::RabbitAck => Intervention::RabbitAck {
                consumer: kind.name_of(self.consumer, "consumer")?,
                delivery_tag: need_u64(self.delivery_tag, "delivery_tag")?,
                multiple: self.multiple.unwrap_or_default(),
            },
            Kind::RabbitNack => Intervention::RabbitNack {
                consumer: kind.name_of(self.consumer, "consumer")?,
                delivery_tag: need_u64(self.delivery_tag, "delivery_tag")?,
                multiple: self.multiple.unwrap_or_default(),
                requeue: self.requeue.unwrap_or_default(),
            },
            Kind::RabbitExchangeDeclare => Intervention::RabbitExchangeDeclare {
                exchange: kind.spec_of(self.exchange, "exchange")?,
            },
            Kind::RabbitPublisherAdd => Intervention::RabbitPublisherAdd {
                publisher: kind.spec_of(self.publisher, "publisher")?,
            },
            Kind::RabbitQueueDeclare => Intervention::RabbitQueueDeclare {
                queue: kind.spec_of(self.queue, "queue")?,
            },
            Kind::RabbitQueueDelete => Intervention::RabbitQueueDelete {
                queue: kind.name_of(self.queue, "queue")?,
            },
            Kind::RabbitBind => Intervention::RabbitBind { binding: binding? },
            Kind::RabbitUnbind => Intervention::RabbitUnbind { binding: binding? },
        };
        Ok(TimelineEntry {
            at_ms: self.at_ms,
            action,
        })
    }
}

/// A record's headers: Kafka header values are bytes, which a scenario
/// writes as strings.
fn kafka_headers(headers: Option<FieldTable>) -> Result<BTreeMap<String, String>, String> {
    let mut strings = BTreeMap::new();
    for (name, value) in headers.unwrap_or_default() {
        match value {
            FieldValue::Str(text) => strings.insert(name, text),
            other => {
                return Err(format!(
                    "produce: header {name:?} is {other}; a Kafka header's value is bytes, \
                     written as a string"
                ));
            }
        };
    }
    Ok(strings)
}

/// A field that holds a name, or (for the kinds that create something) a
/// whole object. Read without buffering: an object goes straight to its
/// type's reader, the same code the scenario's other objects use.
enum Named<T> {
    Name(String),
    Spec(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visit<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a name or an object")
            }
            fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Named<T>, E> {
                Ok(Named::Name(name.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Named<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Named::Spec)
            }
        }
        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

impl<'de> Deserialize<'de> for TimelineEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawEntry::deserialize(deserializer)?
            .into_entry()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<TimelineEntry, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    /// Every kind of entry reads back what was written.
    #[test]
    fn entries_round_trip() {
        for preset in super::super::presets::PRESETS {
            for entry in &preset.scenario().file().timeline {
                let json = serde_json::to_string(entry).unwrap();
                assert_eq!(&read(&json).unwrap(), entry, "{json}");
            }
        }
        let hand = [
            r#"{"at_ms":1,"do":"produce","producer":"p","key":"k","partition":2,"headers":{"a":"b"},"poison":true}"#,
            r#"{"at_ms":1,"do":"rabbit_publish","publisher":"p","routing_key":"a.b"}"#,
            r#"{"at_ms":1,"do":"consumer_slow","member":"m","processing_ms":900}"#,
            r#"{"at_ms":1,"do":"consumer_join","group":"g","member":{"name":"m"}}"#,
            r#"{"at_ms":1,"do":"preferred_leader_election"}"#,
            r#"{"at_ms":1,"do":"producer_add","producer":{"name":"p2","topic":"t","rate_per_sec":2}}"#,
            r#"{"at_ms":1,"do":"producer_remove","producer":"p2"}"#,
            r#"{"at_ms":1,"do":"rabbit_consumer_add","consumer":{"name":"c2","queue":"q"}}"#,
            r#"{"at_ms":1,"do":"group_add","group":{"name":"g2","topics":["t"],"members":[{"name":"m"}]}}"#,
            r#"{"at_ms":1,"do":"rabbit_queue_declare","queue":{"name":"q2","arguments":{"x-message-ttl":500}}}"#,
            r#"{"at_ms":1,"do":"rabbit_queue_delete","queue":"q2"}"#,
            r#"{"at_ms":1,"do":"rabbit_bind","binding":{"source":"x","destination":"q2","destination_type":"queue","routing_key":"a.*"}}"#,
            r#"{"at_ms":1,"do":"rabbit_unbind","binding":{"source":"x","destination":"y","destination_type":"exchange"}}"#,
            r#"{"at_ms":1,"do":"topic_create","topic":{"name":"t2","partitions":3,"replication_factor":2}}"#,
            r#"{"at_ms":1,"do":"rabbit_publish","publisher":"p","routing_key":"k","headers":{"geo":{"city":"Pune","n":[1,2.5,null]}}}"#,
        ];
        for json in hand {
            let entry = read(json).unwrap();
            assert_eq!(
                read(&serde_json::to_string(&entry).unwrap()).unwrap(),
                entry
            );
        }
    }

    /// A missing field, a field of another kind and an unknown field are
    /// each named.
    #[test]
    fn mistakes_are_named() {
        let missing = read(r#"{"at_ms":1,"do":"broker_kill"}"#).unwrap_err();
        assert!(
            missing.starts_with("broker_kill needs `broker`"),
            "{missing}"
        );
        let stray = read(r#"{"at_ms":1,"do":"broker_kill","broker":1,"member":"m"}"#).unwrap_err();
        assert!(
            stray.starts_with("`member` does not apply to broker_kill (it takes `broker`)"),
            "{stray}"
        );
        let unknown = read(r#"{"at_ms":1,"do":"broker_kill","brokr":1}"#).unwrap_err();
        assert!(unknown.starts_with("unknown field `brokr`"), "{unknown}");
        let kind = read(r#"{"at_ms":1,"do":"broker_explode"}"#).unwrap_err();
        assert!(
            kind.starts_with("unknown variant `broker_explode`"),
            "{kind}"
        );
        let join =
            read(r#"{"at_ms":1,"do":"consumer_join","group":"g","member":"m"}"#).unwrap_err();
        assert!(
            join.starts_with("consumer_join: `member` is a whole object"),
            "{join}"
        );
        let field = read(r#"{"at_ms":1,"do":"consumer_join","group":"g","member":{"nam":"m"}}"#)
            .unwrap_err();
        assert!(field.starts_with("unknown field `nam`"), "{field}");
        let create = read(r#"{"at_ms":1,"do":"topic_create","topic":"t2"}"#).unwrap_err();
        assert!(
            create.starts_with("topic_create: `topic` is a whole object"),
            "{create}"
        );
        let header =
            read(r#"{"at_ms":1,"do":"produce","producer":"p","headers":{"n":1}}"#).unwrap_err();
        assert!(
            header.starts_with("produce: header \"n\" is 1; a Kafka header's value is bytes"),
            "{header}"
        );
    }
}
