//! The scenario file as it is written: plain serde types, no checks beyond
//! shape. [`ScenarioFile::validate`] turns it into a [`Scenario`].

use super::narration::Narration;
use super::rabbit::RabbitSpec;
use super::timeline::TimelineEntry;
use super::{Scenario, ScenarioError, validate};
use crate::kafka::assignor::Strategy;
use crate::kafka::partitioner::Keyless;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scenario exactly as read from JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Format version; this engine reads version 1.
    pub version: u32,
    /// A short title, shown above the playground.
    pub name: String,
    /// What the scenario shows, in a sentence or two.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub description: String,
    /// Every random choice in the run comes from this seed.
    pub seed: u64,
    /// How long the run lasts, in virtual milliseconds.
    #[serde(
        default = "defaults::duration_ms",
        skip_serializing_if = "skip::duration_ms"
    )]
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub network: Network,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub kafka: KafkaSpec,
    /// Exchanges, queues, bindings, publishers and consumers.
    #[serde(default, skip_serializing_if = "RabbitSpec::is_empty")]
    pub rabbit: RabbitSpec,
    /// Where the playground shows the run: a shared link opens at this
    /// moment, at this speed.
    #[serde(default, skip_serializing_if = "ViewSpec::is_default")]
    pub view: ViewSpec,
    /// The preset this scenario started from, by id. A link leaves out a
    /// preset's narration: the page takes it from the preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// What to watch for and what to try, shown beside the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narration: Option<Narration>,
    /// Interventions at set times: consumers joining, leaving, crashing and
    /// restarting. A shared link replays them exactly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

impl Default for KafkaSpec {
    fn default() -> Self {
        KafkaSpec {
            topics: Vec::new(),
            producers: Vec::new(),
            groups: Vec::new(),
            standalone_consumers: Vec::new(),
            share_groups: Vec::new(),
            group_initial_rebalance_delay_ms: defaults::initial_rebalance_delay_ms(),
            retention_check_interval_ms: defaults::retention_check_interval_ms(),
            cluster: ClusterSpec::default(),
        }
    }
}

/// The moment and pace a scenario is shown at.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewSpec {
    /// Virtual time to open at, in milliseconds.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub at_ms: u64,
    /// Playback speed, a multiple of real time.
    #[serde(default = "defaults::speed", skip_serializing_if = "skip::speed")]
    pub speed: f64,
    /// Open paused.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub paused: bool,
    /// Show the RabbitMQ picture as panes side by side, each with some of
    /// the queues (and their consumers), on one clock: one stream seen
    /// through two models at once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub panes: Vec<Pane>,
    /// Show the Kafka side as panes side by side, each a run of the same
    /// scenario with its own cluster metadata (ZooKeeper or KRaft), on one
    /// clock: the same producers, consumers and timeline, so each cluster
    /// meets the same failure at the same moment. `kafka.cluster.metadata`
    /// is then left out: each pane sets its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kafka_panes: Vec<KafkaPane>,
}

/// One Kafka pane: a run of the scenario with this cluster metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaPane {
    /// Shown above the pane.
    pub title: String,
    /// Where this pane's cluster keeps its metadata.
    #[serde(default)]
    pub metadata: MetadataSpec,
}

/// One pane of a side-by-side view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pane {
    /// Shown above the pane.
    pub title: String,
    /// The queues drawn in it, with their consumers and what feeds them.
    pub queues: Vec<String>,
}

impl ViewSpec {
    pub fn is_default(&self) -> bool {
        *self == ViewSpec::default()
    }
}

impl Default for ViewSpec {
    fn default() -> Self {
        ViewSpec {
            at_ms: 0,
            speed: defaults::speed(),
            paused: false,
            panes: Vec::new(),
            kafka_panes: Vec::new(),
        }
    }
}

/// The network between clients and brokers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// One-way delay of every request and response, in milliseconds. Real
    /// networks take about a millisecond; a teaching demo uses more, so that
    /// messages can be seen travelling.
    #[serde(
        default = "defaults::latency_ms",
        skip_serializing_if = "skip::latency_ms"
    )]
    pub latency_ms: u64,
}

impl Default for Network {
    fn default() -> Self {
        Network {
            latency_ms: defaults::latency_ms(),
        }
    }
}

/// The Kafka side of a scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KafkaSpec {
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub topics: Vec<TopicSpec>,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub producers: Vec<ProducerSpec>,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub groups: Vec<GroupSpec>,
    /// Consumers without a `group.id`: each reads every partition of its
    /// topics on its own (`consumer.assign()`), and can commit nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub standalone_consumers: Vec<StandaloneSpec>,
    /// Share groups (KIP-932, Kafka 4.2): members share partitions, and
    /// each record is acquired by one member at a time and acknowledged
    /// one by one — point-to-point on a Kafka log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_groups: Vec<ShareGroupSpec>,
    /// `group.initial.rebalance.delay.ms`: how long a group's coordinator
    /// waits for more members before the first rebalance of an empty group.
    #[serde(
        default = "defaults::initial_rebalance_delay_ms",
        skip_serializing_if = "skip::initial_rebalance_delay_ms"
    )]
    pub group_initial_rebalance_delay_ms: u64,
    /// `log.retention.check.interval.ms`: how often retention deletes old
    /// records.
    #[serde(
        default = "defaults::retention_check_interval_ms",
        skip_serializing_if = "skip::retention_check_interval_ms"
    )]
    pub retention_check_interval_ms: u64,
    /// The brokers and how they replicate.
    #[serde(default, skip_serializing_if = "ClusterSpec::is_default")]
    pub cluster: ClusterSpec,
}

/// The brokers of a Kafka cluster and the settings that govern replication
/// and failover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    /// How many brokers, numbered from 0.
    #[serde(default = "defaults::brokers")]
    pub brokers: u32,
    /// How long a follower whose last fetch brought nothing waits before
    /// fetching again; a fetch that brings records is followed at once (the
    /// playground's stand-in for the leader holding an empty fetch up to
    /// `replica.fetch.wait.max.ms`).
    #[serde(default = "defaults::replica_fetch_interval_ms")]
    pub replica_fetch_interval_ms: u64,
    /// `replica.lag.time.max.ms`: a follower that has not caught up with its
    /// leader for this long drops out of the ISR.
    #[serde(default = "defaults::replica_lag_time_max_ms")]
    pub replica_lag_time_max_ms: u64,
    /// `zookeeper.session.timeout.ms`: a broker that has not heartbeated for
    /// this long is declared dead. Brokers heartbeat every third of it.
    #[serde(default = "defaults::zookeeper_session_timeout_ms")]
    pub zookeeper_session_timeout_ms: u64,
    /// `unclean.leader.election.enable`: when no replica in the ISR is
    /// alive, elect an out-of-sync one anyway (losing records) rather than
    /// leave the partition offline.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub unclean_leader_election: bool,
    /// Where the cluster keeps its metadata: with ZooKeeper (the default)
    /// or in a KRaft controller quorum.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub metadata: MetadataSpec,
}

/// Where a Kafka cluster keeps its metadata.
#[derive(Clone, Debug, Default, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum MetadataSpec {
    /// In ZooKeeper, with one broker as the controller: Kafka before 4.0,
    /// as the design notes teach it.
    #[default]
    Zookeeper,
    /// In `__cluster_metadata`, replicated by a quorum of controllers
    /// (KIP-500): Kafka 4's only mode.
    Kraft(KraftSpec),
}

/// A KRaft controller quorum and its timings (Kafka's defaults).
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KraftSpec {
    /// How many controllers vote: 1, 3 or 5 (a majority must live).
    #[serde(default = "defaults::controllers")]
    pub controllers: u32,
    /// The controllers' `process.roles`.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub process_roles: ProcessRoles,
    /// `broker.heartbeat.interval.ms`.
    #[serde(default = "defaults::broker_heartbeat_interval_ms")]
    pub broker_heartbeat_interval_ms: u64,
    /// `broker.session.timeout.ms`: a broker silent this long is fenced.
    #[serde(default = "defaults::broker_session_timeout_ms")]
    pub broker_session_timeout_ms: u64,
    /// `controller.quorum.election.timeout.ms`.
    #[serde(default = "defaults::election_timeout_ms")]
    pub election_timeout_ms: u64,
    /// `controller.quorum.fetch.timeout.ms`.
    #[serde(default = "defaults::fetch_timeout_ms")]
    pub fetch_timeout_ms: u64,
}

/// Read as one flat struct, then checked, as [`CommitMode`] is: a KRaft
/// setting in ZooKeeper mode is named, not silently dropped.
impl<'de> Deserialize<'de> for MetadataSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            /// ZooKeeper when left out, as when `metadata` is.
            #[serde(default)]
            mode: Mode,
            controllers: Option<u32>,
            process_roles: Option<ProcessRoles>,
            broker_heartbeat_interval_ms: Option<u64>,
            broker_session_timeout_ms: Option<u64>,
            election_timeout_ms: Option<u64>,
            fetch_timeout_ms: Option<u64>,
        }
        #[derive(Default, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Mode {
            #[default]
            Zookeeper,
            Kraft,
        }
        let raw = Raw::deserialize(deserializer)?;
        if let Mode::Kraft = raw.mode {
            return Ok(MetadataSpec::Kraft(KraftSpec {
                controllers: raw.controllers.unwrap_or_else(defaults::controllers),
                process_roles: raw.process_roles.unwrap_or_default(),
                broker_heartbeat_interval_ms: raw
                    .broker_heartbeat_interval_ms
                    .unwrap_or_else(defaults::broker_heartbeat_interval_ms),
                broker_session_timeout_ms: raw
                    .broker_session_timeout_ms
                    .unwrap_or_else(defaults::broker_session_timeout_ms),
                election_timeout_ms: raw
                    .election_timeout_ms
                    .unwrap_or_else(defaults::election_timeout_ms),
                fetch_timeout_ms: raw
                    .fetch_timeout_ms
                    .unwrap_or_else(defaults::fetch_timeout_ms),
            }));
        }
        let kraft_only = [
            ("controllers", raw.controllers.is_some()),
            ("process_roles", raw.process_roles.is_some()),
            (
                "broker_heartbeat_interval_ms",
                raw.broker_heartbeat_interval_ms.is_some(),
            ),
            (
                "broker_session_timeout_ms",
                raw.broker_session_timeout_ms.is_some(),
            ),
            ("election_timeout_ms", raw.election_timeout_ms.is_some()),
            ("fetch_timeout_ms", raw.fetch_timeout_ms.is_some()),
        ];
        match kraft_only.iter().find(|(_, present)| *present) {
            Some((field, _)) => Err(D::Error::custom(format!(
                "`{field}` does not apply to mode zookeeper (only to kraft)"
            ))),
            None => Ok(MetadataSpec::Zookeeper),
        }
    }
}

/// `process.roles` of the controllers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ProcessRoles {
    /// Dedicated controller nodes, as production clusters run.
    #[default]
    #[serde(rename = "controller")]
    Controller,
    /// The first brokers are controllers too, as small clusters run.
    #[serde(rename = "broker,controller")]
    BrokerController,
}

impl ClusterSpec {
    fn is_default(&self) -> bool {
        *self == ClusterSpec::default()
    }
}

impl Default for ClusterSpec {
    fn default() -> Self {
        ClusterSpec {
            brokers: defaults::brokers(),
            replica_fetch_interval_ms: defaults::replica_fetch_interval_ms(),
            replica_lag_time_max_ms: defaults::replica_lag_time_max_ms(),
            zookeeper_session_timeout_ms: defaults::zookeeper_session_timeout_ms(),
            unclean_leader_election: false,
            metadata: MetadataSpec::default(),
        }
    }
}

/// A topic: a named log split into partitions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    /// `retention.ms`: records older than this are deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_ms: Option<u64>,
    /// Keep at most this many records per partition (the playground's
    /// stand-in for `retention.bytes`, which counts bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_records: Option<u64>,
    /// How many brokers hold a copy of each partition: one leader and the
    /// rest followers.
    #[serde(default = "defaults::one", skip_serializing_if = "is_one")]
    pub replication_factor: u32,
    /// `min.insync.replicas`: an `acks=all` write is refused while fewer
    /// replicas than this are in sync.
    #[serde(default = "defaults::one", skip_serializing_if = "is_one")]
    pub min_insync_replicas: u32,
}

impl TopicSpec {
    /// A topic with the defaults a file would get by leaving fields out.
    pub fn new(name: &str, partitions: u32) -> TopicSpec {
        TopicSpec {
            name: name.to_string(),
            partitions,
            retention_ms: None,
            retention_records: None,
            replication_factor: 1,
            min_insync_replicas: 1,
        }
    }
}

/// A producer sending records to one topic at a steady rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub name: String,
    pub topic: String,
    /// Records per second; 0 sends only the `produce` entries of the
    /// timeline (a live client's records).
    pub rate_per_sec: f64,
    /// Keys to choose from, uniformly at random. Records with the same key
    /// always go to the same partition, so they stay in order.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub keys: Vec<String>,
    /// The share of records sent without a key (0 to 1). Ignored when `keys`
    /// is empty: then every record is unkeyed.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub unkeyed_ratio: f64,
    /// Send every record to this partition, whatever its key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<u32>,
    /// How records without a key are spread: round robin (the default) or
    /// sticky batches.
    #[serde(default, skip_serializing_if = "is_round_robin")]
    pub keyless: Keyless,
    /// Headers added to every record, name → value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// How many replicas must have a record before the leader confirms it.
    #[serde(default, skip_serializing_if = "is_acks_all")]
    pub acks: Acks,
    /// `retry.backoff.ms`: the pause before re-sending a refused record.
    #[serde(
        default = "defaults::retry_backoff_ms",
        skip_serializing_if = "is_default_backoff"
    )]
    pub retry_backoff_ms: u64,
    /// `retries`: how many times a refused record is sent again before the
    /// producer gives up on it. None: until it gets through (Kafka's
    /// default, 2147483647). A live client's producer has 0: the client
    /// retries itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<u32>,
}

impl ProducerSpec {
    /// A producer with the defaults a file would get by leaving fields out.
    pub fn new(name: &str, topic: &str, rate_per_sec: f64) -> ProducerSpec {
        ProducerSpec {
            name: name.to_string(),
            topic: topic.to_string(),
            rate_per_sec,
            keys: Vec::new(),
            unkeyed_ratio: 0.0,
            partition: None,
            keyless: Keyless::default(),
            headers: BTreeMap::new(),
            acks: Acks::default(),
            retry_backoff_ms: defaults::retry_backoff_ms(),
            retries: None,
        }
    }
}

/// The producer's `acks` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Acks {
    /// `acks=0`: the producer does not wait for any answer.
    #[serde(rename = "0")]
    None,
    /// `acks=1`: the leader confirms once it has appended the record, before
    /// any follower has it.
    #[serde(rename = "1")]
    Leader,
    /// `acks=all` (the default since Kafka 3.0): the leader confirms once
    /// every replica in the ISR has the record, and refuses the write while
    /// the ISR is smaller than `min.insync.replicas`.
    #[default]
    #[serde(rename = "all")]
    All,
}

/// A consumer group: members sharing the partitions of the topics it reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// The `group.id`.
    pub name: String,
    /// The topics the group subscribes to.
    pub topics: Vec<String>,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub commit: CommitMode,
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub auto_offset_reset: OffsetReset,
    /// `partition.assignment.strategy`: `range` (default), `roundrobin`,
    /// `sticky` or `cooperative-sticky`. The classic protocol only.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub assignment_strategy: Strategy,
    /// `group.protocol`: `classic` (JoinGroup and SyncGroup: a rebalance
    /// stops the whole group) or `consumer` (KIP-848: the coordinator
    /// assigns, and members move one at a time through their heartbeats).
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub protocol: GroupProtocol,
    /// With the consumer protocol, `group.remote.assignor`: `uniform`
    /// (the coordinator's default) or `range`.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub remote_assignor: RemoteAssignor,
    /// When processing a record fails.
    #[serde(default, skip_serializing_if = "Failures::is_none")]
    pub failures: Failures,
    /// What a member does when processing fails.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub retry: Retry,
    /// `session.timeout.ms`: how long the coordinator waits for a heartbeat
    /// before it declares a member dead.
    #[serde(
        default = "defaults::session_timeout_ms",
        skip_serializing_if = "skip::session_timeout_ms"
    )]
    pub session_timeout_ms: u64,
    /// Its members are clients outside the run (live mode's Kafka
    /// consumers): they fetch on their own, outside the run, and join,
    /// rejoin, commit and leave when the timeline says (`consumer_join`,
    /// `consumer_rejoin`, `offset_commit`, `consumer_leave`); the leader's
    /// client assigns the partitions (`group_sync`). The classic protocol
    /// only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_hand: bool,
    /// The members present from the start, in the order they join.
    pub members: Vec<MemberSpec>,
}

impl GroupSpec {
    /// A group with the defaults a file would get by leaving fields out.
    pub fn new(name: &str, topics: Vec<String>, members: Vec<MemberSpec>) -> GroupSpec {
        GroupSpec {
            name: name.to_string(),
            topics,
            commit: CommitMode::default(),
            auto_offset_reset: OffsetReset::default(),
            assignment_strategy: Strategy::default(),
            protocol: GroupProtocol::Classic,
            remote_assignor: RemoteAssignor::default(),
            failures: Failures::default(),
            retry: Retry::default(),
            session_timeout_ms: defaults::session_timeout_ms(),
            by_hand: false,
            members,
        }
    }
}

/// `group.protocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupProtocol {
    #[default]
    Classic,
    Consumer,
}

/// `group.remote.assignor`: the coordinator's assignors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RemoteAssignor {
    #[default]
    Uniform,
    Range,
}

/// When processing a record fails.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Failures {
    /// Records with these keys fail every time: poison messages.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub poison_keys: Vec<String>,
    /// The chance (0 to 1) that one processing attempt fails for a passing
    /// reason, drawn from the seed.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub probability: f64,
}

impl Failures {
    /// True when nothing ever fails.
    pub fn is_none(&self) -> bool {
        self.poison_keys.is_empty() && self.probability == 0.0
    }
}

/// Retrying a failed record, then giving up on it. Defaults are Spring for
/// Apache Kafka's `DefaultErrorHandler`: 9 retries without backoff.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// How many times a failed record is retried before giving up.
    #[serde(default = "defaults::retries", skip_serializing_if = "skip::retries")]
    pub retries: u32,
    /// The pause before each retry.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub backoff_ms: u64,
    /// Where a record that failed every retry goes. Without one it is
    /// skipped: logged and never processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_topic: Option<String>,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            retries: defaults::retries(),
            backoff_ms: 0,
            dead_letter_topic: None,
        }
    }
}

/// When a member commits the offsets it has consumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum CommitMode {
    /// `enable.auto.commit=true`: each poll commits the positions reached by
    /// the previous polls once `interval_ms` (`auto.commit.interval.ms`) has
    /// passed since the last commit.
    Auto { interval_ms: u64 },
    /// `enable.auto.commit=false` and a `commitSync()` after each processed batch.
    AfterBatch,
}

/// Read as one flat struct, then checked (as the timeline is: see
/// `timeline.rs` for why not the derive).
impl<'de> Deserialize<'de> for CommitMode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            mode: Mode,
            interval_ms: Option<u64>,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Mode {
            Auto,
            AfterBatch,
        }
        let raw = Raw::deserialize(deserializer)?;
        match (raw.mode, raw.interval_ms) {
            (Mode::Auto, Some(interval_ms)) => Ok(CommitMode::Auto { interval_ms }),
            (Mode::Auto, None) => Err(D::Error::missing_field("interval_ms")),
            (Mode::AfterBatch, None) => Ok(CommitMode::AfterBatch),
            (Mode::AfterBatch, Some(_)) => Err(D::Error::custom(
                "`interval_ms` does not apply to mode after_batch",
            )),
        }
    }
}

impl Default for CommitMode {
    /// Kafka's default: auto-commit every 5 seconds.
    fn default() -> Self {
        CommitMode::Auto { interval_ms: 5_000 }
    }
}

/// `auto.offset.reset`: where a group starts on a partition it has no
/// committed offset for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    /// The oldest record still in the log.
    Earliest,
    /// Only records produced from now on (Kafka's default).
    #[default]
    Latest,
}

/// A consumer outside any group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StandaloneSpec {
    pub name: String,
    /// The topics it reads, every partition of each.
    pub topics: Vec<String>,
    /// Where it starts; with no group there is no committed offset, so a
    /// restart starts here again.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub auto_offset_reset: OffsetReset,
    #[serde(
        default = "defaults::poll_interval_ms",
        skip_serializing_if = "skip::poll_interval_ms"
    )]
    pub poll_interval_ms: u64,
    #[serde(
        default = "defaults::max_poll_records",
        skip_serializing_if = "skip::max_poll_records"
    )]
    pub max_poll_records: u32,
    #[serde(
        default = "defaults::processing_ms",
        skip_serializing_if = "skip::processing_ms"
    )]
    pub processing_ms: u64,
}

impl StandaloneSpec {
    /// Its poll-loop settings, as a member's.
    pub fn member(&self) -> MemberSpec {
        MemberSpec {
            name: self.name.clone(),
            poll_interval_ms: self.poll_interval_ms,
            max_poll_records: self.max_poll_records,
            processing_ms: self.processing_ms,
        }
    }
}

/// A share group (KIP-932): `KafkaShareConsumer`s with one `group.id`.
/// Its settings are the broker's `group.share.*` configs, with Kafka 4.2's
/// defaults and ranges.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareGroupSpec {
    /// The `group.id`.
    pub name: String,
    /// The topics the group subscribes to.
    pub topics: Vec<String>,
    /// `share.auto.offset.reset`: where a share-partition starts when the
    /// group first reads it, `latest` (the default) or `earliest`.
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub auto_offset_reset: OffsetReset,
    /// `group.share.record.lock.duration.ms`: how long a member holds a
    /// record it acquired before it is available to others again.
    #[serde(
        default = "defaults::record_lock_duration_ms",
        skip_serializing_if = "skip::record_lock_duration_ms"
    )]
    pub record_lock_duration_ms: u64,
    /// `group.share.delivery.count.limit`: a record delivered this often
    /// and released (or timed out) again is archived.
    #[serde(
        default = "defaults::delivery_count_limit",
        skip_serializing_if = "skip::delivery_count_limit"
    )]
    pub delivery_count_limit: u32,
    /// `group.share.partition.max.record.locks`: at most this many
    /// records in flight per share-partition.
    #[serde(
        default = "defaults::partition_max_record_locks",
        skip_serializing_if = "skip::partition_max_record_locks"
    )]
    pub partition_max_record_locks: u32,
    /// When processing a record fails.
    #[serde(default, skip_serializing_if = "Failures::is_none")]
    pub failures: Failures,
    /// How a member acknowledges a record it failed to process:
    /// `release` (the default: delivered again, to any member) or
    /// `reject` (archived at once).
    #[serde(default, skip_serializing_if = "skip::is_default")]
    pub on_failure: FailedAck,
    pub members: Vec<MemberSpec>,
}

/// The acknowledgement a share consumer gives a record it could not
/// process (`AcknowledgeType`, with `share.acknowledgement.mode=explicit`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailedAck {
    /// Available again: delivered again, to any member, until the
    /// delivery count limit archives it.
    #[default]
    Release,
    /// Archived: never delivered again.
    Reject,
}

/// One member (consumer) of a group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// The member's name; the range assignor orders members by it.
    pub name: String,
    /// How often the member polls when it has nothing to process.
    #[serde(
        default = "defaults::poll_interval_ms",
        skip_serializing_if = "skip::poll_interval_ms"
    )]
    pub poll_interval_ms: u64,
    /// `max.poll.records`: at most this many records per poll.
    #[serde(
        default = "defaults::max_poll_records",
        skip_serializing_if = "skip::max_poll_records"
    )]
    pub max_poll_records: u32,
    /// How long processing one record takes.
    #[serde(
        default = "defaults::processing_ms",
        skip_serializing_if = "skip::processing_ms"
    )]
    pub processing_ms: u64,
}

impl MemberSpec {
    /// A member with the defaults a file would get by leaving fields out.
    pub fn new(name: &str) -> MemberSpec {
        MemberSpec {
            name: name.to_string(),
            poll_interval_ms: defaults::poll_interval_ms(),
            max_poll_records: defaults::max_poll_records(),
            processing_ms: defaults::processing_ms(),
        }
    }
}

pub(crate) mod defaults {
    pub fn duration_ms() -> u64 {
        60_000
    }
    pub fn latency_ms() -> u64 {
        100
    }
    pub fn poll_interval_ms() -> u64 {
        500
    }
    pub fn max_poll_records() -> u32 {
        500
    }
    pub fn processing_ms() -> u64 {
        100
    }
    pub fn session_timeout_ms() -> u64 {
        45_000
    }
    pub fn initial_rebalance_delay_ms() -> u64 {
        3_000
    }
    pub fn retries() -> u32 {
        9
    }
    pub fn retention_check_interval_ms() -> u64 {
        300_000
    }
    pub fn one() -> u32 {
        1
    }
    pub fn retry_backoff_ms() -> u64 {
        100
    }
    pub fn brokers() -> u32 {
        1
    }
    pub fn replica_fetch_interval_ms() -> u64 {
        500
    }
    pub fn replica_lag_time_max_ms() -> u64 {
        30_000
    }
    pub fn zookeeper_session_timeout_ms() -> u64 {
        18_000
    }
    pub fn controllers() -> u32 {
        3
    }
    pub fn broker_heartbeat_interval_ms() -> u64 {
        2_000
    }
    pub fn broker_session_timeout_ms() -> u64 {
        9_000
    }
    pub fn election_timeout_ms() -> u64 {
        1_000
    }
    pub fn fetch_timeout_ms() -> u64 {
        2_000
    }
    pub fn prefetch() -> u32 {
        10
    }
    pub fn record_lock_duration_ms() -> u64 {
        30_000
    }
    pub fn delivery_count_limit() -> u32 {
        5
    }
    pub fn partition_max_record_locks() -> u32 {
        2_000
    }
    pub fn speed() -> f64 {
        1.0
    }
}

/// `skip_serializing_if` tests: a value equal to its default is left out
/// of written files and links, which keeps links short.
mod skip {
    use super::defaults;

    pub fn is_default<T: Default + PartialEq>(value: &T) -> bool {
        *value == T::default()
    }

    pub fn duration_ms(value: &u64) -> bool {
        *value == defaults::duration_ms()
    }

    pub fn initial_rebalance_delay_ms(value: &u64) -> bool {
        *value == defaults::initial_rebalance_delay_ms()
    }

    pub fn retention_check_interval_ms(value: &u64) -> bool {
        *value == defaults::retention_check_interval_ms()
    }

    pub fn session_timeout_ms(value: &u64) -> bool {
        *value == defaults::session_timeout_ms()
    }

    pub fn record_lock_duration_ms(value: &u64) -> bool {
        *value == defaults::record_lock_duration_ms()
    }

    pub fn delivery_count_limit(value: &u32) -> bool {
        *value == defaults::delivery_count_limit()
    }

    pub fn partition_max_record_locks(value: &u32) -> bool {
        *value == defaults::partition_max_record_locks()
    }

    pub fn retries(value: &u32) -> bool {
        *value == defaults::retries()
    }

    pub fn poll_interval_ms(value: &u64) -> bool {
        *value == defaults::poll_interval_ms()
    }

    pub fn max_poll_records(value: &u32) -> bool {
        *value == defaults::max_poll_records()
    }

    pub fn processing_ms(value: &u64) -> bool {
        *value == defaults::processing_ms()
    }

    pub fn latency_ms(value: &u64) -> bool {
        *value == defaults::latency_ms()
    }

    pub fn speed(value: &f64) -> bool {
        *value == defaults::speed()
    }
}

impl ScenarioFile {
    /// Reads the JSON shape, naming the line and column of the first error
    /// and, in native builds, its field path.
    ///
    /// The browser build leaves the path out: tracking it wraps every
    /// field's deserializer, which costs 10 KB of the page's 400 KB
    /// (gzipped) budget, while the line and column already point at the
    /// spot in the file the user opened.
    pub fn from_json(text: &str) -> Result<ScenarioFile, ScenarioError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let file = read_tracked(&mut de)?;
        de.end().map_err(|err| ScenarioError::Syntax {
            path: String::new(),
            line: err.line(),
            column: err.column(),
            message: without_location(&err),
        })?;
        Ok(file)
    }

    /// Checks every value, reporting all problems at once.
    pub fn validate(self) -> Result<Scenario, ScenarioError> {
        let (problems, _warnings) = validate::check(&self);
        if problems.is_empty() {
            Ok(Scenario(self))
        } else {
            Err(ScenarioError::Invalid(problems))
        }
    }
}

/// serde_json's message without its trailing " at line L column C", which
/// [`ScenarioError`] reports in its own fields.
fn without_location(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&suffix) {
        Some(bare) => bare.to_string(),
        None => message,
    }
}

/// Deserializes, keeping the field path of an error.
#[cfg(not(target_arch = "wasm32"))]
fn read_tracked(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
) -> Result<ScenarioFile, ScenarioError> {
    serde_path_to_error::deserialize(de).map_err(|err| {
        // serde_path_to_error writes the root as "." and an unknown place
        // as "?": neither is inside a field.
        let path = match err.path().to_string().as_str() {
            "." | "?" => String::new(),
            named => named.to_string(),
        };
        ScenarioError::Syntax {
            path,
            line: err.inner().line(),
            column: err.inner().column(),
            message: without_location(err.inner()),
        }
    })
}

/// Deserializes, reporting where an error is by line and column only.
#[cfg(target_arch = "wasm32")]
fn read_tracked(
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'_>>,
) -> Result<ScenarioFile, ScenarioError> {
    serde::Deserialize::deserialize(de).map_err(|err: serde_json::Error| ScenarioError::Syntax {
        path: String::new(),
        line: err.line(),
        column: err.column(),
        message: without_location(&err),
    })
}

fn is_round_robin(keyless: &Keyless) -> bool {
    *keyless == Keyless::RoundRobin
}

fn is_default_backoff(ms: &u64) -> bool {
    *ms == defaults::retry_backoff_ms()
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_acks_all(acks: &Acks) -> bool {
    *acks == Acks::All
}
