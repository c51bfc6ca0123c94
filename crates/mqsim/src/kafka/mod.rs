//! The Kafka side of the engine.
//!
//! Kafka is a distributed, partitioned, append-only log. Producers append
//! records to the partitions of a topic; consumers in a group split the
//! partitions between them and pull records in offset order, committing how
//! far they got.
//!
//! # Layout
//! - [`cluster`]: brokers, replicas, the ISR, acks, ZooKeeper and the controller.
//! - [`kraft`]: Kafka 4's metadata quorum, which replaces ZooKeeper.
//! - [`partitioner`]: which partition a record goes to (murmur2, round robin).
//! - [`log`]: a partition's log of records and offsets.
//! - [`producer`]: sending records at a rate.
//! - [`consumer`]: the poll loop, positions, processing and commits.
//! - [`dead_letter`]: failed processing, retries and dead-letter topics.
//! - [`group`]: consumer groups, their coordinator and committed offsets.
//! - [`rebalance`]: joining, leaving, crashing and the rebalance protocol.
//! - [`assignor`]: which member owns which partition.
//! - [`retention`]: deleting old records; resetting offsets that fell off.
//! - [`summary`]: per-partition counts, committed offsets and lag.
//!
//! Each handler (`on_produce`, `on_poll`, …) lives beside the component it
//! drives and reacts to one [`Action`]: it updates state, emits trace events
//! and schedules further actions through its context, and does nothing else.

pub mod assignor;
mod by_hand;
pub mod cluster;
pub mod consumer;
pub mod consumer_protocol;
pub mod dead_letter;
pub mod group;
mod heartbeat;
pub mod kraft;
pub mod log;
pub mod partitioner;
pub mod pauses;
pub mod producer;
pub mod rebalance;
pub mod retention;
pub mod share;
pub mod summary;
mod timeline;

use crate::agenda::Ctx;
use crate::ids::{BrokerId, ConsumerId, GroupId, ProducerId, TopicId, TopicPartition};
use crate::rng::{SimRng, Stream};
use crate::scenario::{GroupSpec, Scenario};
use crate::sim::Entries;
use crate::time::SimTime;
use crate::trace::{
    AckType, CommittedOffset, EventKind, FetchedBatch, MemberAssignment, ProduceError,
};
use cluster::Cluster;
use cluster::kraft_mode::Fault;
use cluster::partition::{LeaderAndIsr, Partition};
use cluster::placement::assign_replicas;
use cluster::replication::{FetchPosition, FetchResult};
use cluster::writes::ProduceRequest;
use consumer::{Consumer, FetchedRecord};
use group::ConsumerGroup;
use log::PartitionLog;
use producer::{HandRecord, Producer};
use retention::Retention;
use std::rc::Rc;

/// A topic and its replicated partitions.
#[derive(Clone, Debug)]
pub struct Topic {
    pub name: Rc<str>,
    /// None until the topic is created: one the timeline creates later has
    /// none before, and Kafka has no topic without partitions.
    pub partitions: Vec<Partition>,
    pub retention: Retention,
    pub replication_factor: u32,
    pub min_insync_replicas: u32,
}

/// Something that will happen on the Kafka side at a scheduled time.
///
/// Actions bound for a consumer process carry its `incarnation`: a crash
/// starts a new one, so whatever the dead process had scheduled is ignored.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// The cluster comes up: brokers register, the controller is chosen,
    /// and topics are created. Runs first, at time zero.
    Bootstrap,
    /// A producer's next record is due.
    Produce { producer: ProducerId },
    /// A produce request reaches `broker`, which the sender took for the
    /// partition leader.
    ProduceRequest {
        request: ProduceRequest,
        broker: BrokerId,
    },
    /// A refusal (or a broken connection) reaches the sender.
    ProduceFailed {
        request: ProduceRequest,
        error: ProduceError,
    },
    /// A refused write is sent again.
    ProduceRetry { request: ProduceRequest },
    /// A producer the timeline adds starts sending.
    ProducerStart { producer: ProducerId },
    /// A producer stops sending.
    ProducerStop { producer: ProducerId },
    /// One record sent by hand through a producer.
    ProduceByHand {
        producer: ProducerId,
        record: Box<HandRecord>,
    },
    /// A consumer's processing time per record changes.
    SetProcessing {
        consumer: ConsumerId,
        processing_ms: u64,
    },
    /// A consumer process starts (or restarts) and joins its group.
    Start { consumer: ConsumerId },
    /// A consumer process dies.
    Crash { consumer: ConsumerId },
    /// A consumer is asked to leave its group.
    Leave { consumer: ConsumerId },
    /// `consumer.subscribe(topics)`.
    Subscribe {
        consumer: ConsumerId,
        topics: Vec<TopicId>,
    },
    /// A consumer's poll loop comes round; only the latest scheduled poll runs.
    Poll {
        consumer: ConsumerId,
        incarnation: u32,
        seq: u32,
    },
    /// A fetch request reaches the broker, with the offset to read from per
    /// partition (`None`: no position yet, use `auto.offset.reset`).
    Fetch {
        consumer: ConsumerId,
        incarnation: u32,
        fetch_from: Vec<(TopicPartition, Option<u64>)>,
    },
    /// A fetch response reaches the consumer.
    FetchResponse {
        consumer: ConsumerId,
        incarnation: u32,
        batches: Vec<FetchedBatch>,
        records: Vec<FetchedRecord>,
    },
    /// A consumer finishes processing a record.
    Processed {
        consumer: ConsumerId,
        incarnation: u32,
    },
    /// An offset commit reaches the group coordinator.
    Commit {
        group: GroupId,
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
    },
    /// The coordinator could not take a commit; the answer reaches the
    /// consumer.
    CommitFailed {
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
    },
    /// A JoinGroup request reaches the coordinator.
    JoinGroup {
        consumer: ConsumerId,
        owned: Vec<TopicPartition>,
        generation: Option<u32>,
    },
    /// `group.initial.rebalance.delay.ms` has passed for a new group.
    CompleteRebalance { group: GroupId },
    /// A live client's member rejoins (`consumer_rejoin`).
    RejoinByHand { consumer: ConsumerId },
    /// A live client's leader sends its assignment (`group_sync`).
    AssignByHand {
        consumer: ConsumerId,
        generation: u32,
        assignment: Vec<MemberAssignment>,
    },
    /// The leader's assignment reaches the coordinator.
    LeaderSync {
        group: GroupId,
        generation: u32,
        assignment: Vec<MemberAssignment>,
    },
    /// A live client's member commits (`offset_commit`).
    CommitByHand {
        consumer: ConsumerId,
        offsets: Vec<CommittedOffset>,
    },
    /// A live client's member heartbeats (`consumer_heartbeat`).
    HeartbeatByHand {
        consumer: ConsumerId,
        request: consumer_protocol::coordinator::Heartbeat,
    },
    /// A member's assignment reaches it.
    SyncGroup {
        consumer: ConsumerId,
        incarnation: u32,
        generation: u32,
        partitions: Vec<TopicPartition>,
    },
    /// A LeaveGroup request reaches the coordinator.
    LeaveGroup { consumer: ConsumerId },
    /// The classic protocol: a member's `Heartbeat` reaches the
    /// coordinator.
    Heartbeat {
        consumer: ConsumerId,
        incarnation: u32,
    },
    /// The classic protocol: the coordinator's answer reaches the member;
    /// `rebalancing` is `REBALANCE_IN_PROGRESS`.
    HeartbeatReply {
        consumer: ConsumerId,
        incarnation: u32,
        rebalancing: bool,
    },
    /// KIP-848: a member's heartbeat timer (only its latest, `seq`).
    MemberHeartbeat {
        consumer: ConsumerId,
        incarnation: u32,
        seq: u32,
    },
    /// KIP-848: a `ConsumerGroupHeartbeat` reaches the coordinator.
    ConsumerGroupHeartbeat {
        consumer: ConsumerId,
        request: consumer_protocol::coordinator::Heartbeat,
    },
    /// KIP-848: the coordinator's answer reaches the member.
    ConsumerGroupHeartbeatReply {
        consumer: ConsumerId,
        incarnation: u32,
        reply: consumer_protocol::coordinator::Response,
    },
    /// KIP-848: the coordinator looks for members whose session ran out.
    ConsumerGroupExpiry { group: GroupId },
    /// KIP-932: a `ShareGroupHeartbeat` reaches the coordinator.
    ShareGroupHeartbeat {
        consumer: ConsumerId,
        request: share::coordinator::Heartbeat,
    },
    /// KIP-932: the coordinator's answer reaches the member.
    ShareGroupHeartbeatReply {
        consumer: ConsumerId,
        incarnation: u32,
        reply: share::coordinator::Response,
    },
    /// KIP-932: the share coordinator has initialized the group's state
    /// for the first `partitions` partitions of `topic`.
    ShareStateInitialized {
        group: GroupId,
        topic: TopicId,
        partitions: u32,
    },
    /// KIP-932: the coordinator looks for members whose session ran out.
    ShareGroupExpiry { group: GroupId },
    /// KIP-932: a `ShareFetch` reaches the leaders, with acknowledgements.
    ShareFetch {
        consumer: ConsumerId,
        incarnation: u32,
        acks: Vec<(TopicPartition, u64, AckType)>,
        partitions: Vec<TopicPartition>,
    },
    /// KIP-932: the acquired records reach the member.
    ShareFetchResponse {
        consumer: ConsumerId,
        incarnation: u32,
        records: Vec<FetchedRecord>,
    },
    /// KIP-932: record locks on `tp` may have run out.
    ShareLockExpiry { group: GroupId, tp: TopicPartition },
    /// KIP-932: the timeline has a member acknowledge its record in hand
    /// this way.
    ShareAcknowledge { consumer: ConsumerId, ack: AckType },
    /// A crashed member's session runs out.
    SessionTimeout {
        consumer: ConsumerId,
        incarnation: u32,
    },
    /// A topic the timeline creates comes into being, its partitions on
    /// these brokers (placed when the run was built, from the seed).
    CreateTopic {
        topic: TopicId,
        placement: Vec<Vec<BrokerId>>,
    },
    /// A group's leader refreshes its metadata and finds a topic the group
    /// subscribes to, created since.
    TopicNoticed { group: GroupId, topic: TopicId },
    /// A topic grows to `partitions` partitions.
    AddPartitions { topic: TopicId, partitions: u32 },
    /// The retention cleaner runs.
    RetentionCheck,
    /// A broker process dies.
    BrokerKill { broker: BrokerId },
    /// A broker begins a controlled shutdown.
    BrokerShutdown { broker: BrokerId },
    /// ZooKeeper mode: a broker's `ControlledShutdownRequest` reaches the
    /// controller.
    ControlledShutdown { broker: BrokerId },
    /// A broker in controlled shutdown hears it may stop (its process
    /// `incarnation`).
    BrokerStop { broker: BrokerId, incarnation: u32 },
    /// A dead broker process starts again.
    BrokerRestart { broker: BrokerId },
    /// A broker is cut off from ZooKeeper and the other brokers.
    BrokerIsolate { broker: BrokerId },
    /// An isolated broker's links come back.
    BrokerReconnect { broker: BrokerId },
    /// The controller's word on `tp` reaches `broker`.
    LeaderAndIsr {
        tp: TopicPartition,
        broker: BrokerId,
        state: LeaderAndIsr,
    },
    /// In KRaft mode: something happens to a dedicated controller process.
    ControllerFault { controller: u32, fault: Fault },
    /// In KRaft mode: what one process sends another reaches it.
    KraftWire {
        from: u32,
        to: u32,
        wire: kraft::node::Wire,
    },
    /// In KRaft mode: a process wakes as it asked.
    KraftWake {
        node: u32,
        incarnation: u32,
        wake: kraft::node::Wake,
    },
    /// A broker's timer to heartbeat to ZooKeeper.
    ZookeeperHeartbeatTick { broker: BrokerId, incarnation: u32 },
    /// A heartbeat reaches ZooKeeper.
    ZookeeperHeartbeat { broker: BrokerId },
    /// A (re)started broker's registration reaches ZooKeeper.
    ZookeeperRegister { broker: BrokerId },
    /// ZooKeeper checks whether a broker's session has expired.
    ZookeeperSessionCheck { broker: BrokerId },
    /// The brokers race to become controller.
    ControllerElection,
    /// ZooKeeper tells the controller that registrations changed;
    /// `bounced` restarted before its old session expired.
    ControllerBrokerChange { bounced: Option<BrokerId> },
    /// The controller moves leaders back to their preferred replicas.
    PreferredLeaderElection,
    /// A follower's fetch loop comes round.
    ReplicaFetchTick { broker: BrokerId, incarnation: u32 },
    /// A follower's fetch reaches its leader.
    ReplicaFetch {
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        positions: Vec<FetchPosition>,
    },
    /// The leader's answer reaches the follower.
    ReplicaFetchResponse {
        follower: BrokerId,
        incarnation: u32,
        leader: BrokerId,
        results: Vec<FetchResult>,
    },
    /// Leaders check which followers fell behind.
    IsrCheck,
}

/// The whole Kafka side: the cluster, topics, producers, groups and their
/// consumers.
#[derive(Clone, Debug)]
pub struct Kafka {
    pub cluster: Cluster,
    pub topics: Vec<Topic>,
    pub producers: Vec<Producer>,
    pub groups: Vec<ConsumerGroup>,
    pub consumers: Vec<Consumer>,
    initial_rebalance_delay_ms: u64,
    retention_check_interval_ms: u64,
    next_record_id: u64,
}

impl Kafka {
    /// Builds the Kafka side of `scenario`, the actions that start it and
    /// those of the timeline's entries (each with the entry's index).
    pub(crate) fn new(scenario: &Scenario) -> (Kafka, Vec<(SimTime, Action)>, Entries<Action>) {
        let file = scenario.file();
        let spec = &file.kafka;
        let topic_roster = scenario.topics();
        // Validation guarantees that producers, dead-letter topics and
        // standalone consumers name topics that exist; a group's
        // subscription may name one that never does.
        let known_topic = |name: &str| {
            let index = topic_roster.iter().position(|(t, _)| t.name == name);
            index.map(|i| TopicId(i as u32))
        };
        let topic_id = |name: &str| known_topic(name).unwrap_or(TopicId(0));
        let brokers = spec.cluster.brokers;
        let mut creations = Vec::new();
        let topics: Vec<Topic> = topic_roster
            .iter()
            .enumerate()
            .map(|(i, (t, created_at))| {
                // Kafka picks the placement's start and shift at random.
                let mut rng = SimRng::new(file.seed, Stream::Topic(i as u32));
                let (first, shift) = (rng.index(brokers), rng.index(brokers));
                let placement: Vec<Vec<BrokerId>> =
                    assign_replicas(t.partitions, 0, t.replication_factor, brokers, first, shift)
                        .iter()
                        .map(|r| broker_ids(r))
                        .collect();
                let partitions = match created_at {
                    None => placement
                        .iter()
                        .map(|r| Partition::new(r, SimTime::ZERO))
                        .collect(),
                    Some(at) => {
                        creations.push((
                            SimTime::from_millis(*at),
                            Action::CreateTopic {
                                topic: TopicId(i as u32),
                                placement,
                            },
                        ));
                        Vec::new()
                    }
                };
                Topic {
                    name: Rc::from(t.name.as_str()),
                    partitions,
                    retention: Retention {
                        max_age_ms: t.retention_ms,
                        max_records: t.retention_records,
                    },
                    replication_factor: t.replication_factor,
                    min_insync_replicas: t.min_insync_replicas,
                }
            })
            .collect();
        let producer_roster = scenario.producers();
        let producers: Vec<Producer> = producer_roster
            .iter()
            .enumerate()
            .map(|(i, (p, from))| {
                let mut producer =
                    Producer::new(ProducerId(i as u32), p, topic_id(&p.topic), file.seed);
                producer.started_at = SimTime::from_millis(from.unwrap_or(0));
                producer
            })
            .collect();
        let group = |g: &GroupSpec| {
            // A topic the run never has is left out: every member of the
            // group subscribes alike, so no assignor's result changes.
            let topics = g.topics.iter().filter_map(|t| known_topic(t)).collect();
            let dead_letter = g.retry.dead_letter_topic.as_deref().map(topic_id);
            ConsumerGroup::new(g, topics, dead_letter)
        };
        let mut groups: Vec<ConsumerGroup> = spec.groups.iter().map(group).collect();
        for standalone in &spec.standalone_consumers {
            let topics = standalone.topics.iter().map(|t| topic_id(t)).collect();
            groups.push(ConsumerGroup::standalone(standalone, topics));
        }
        for share in &spec.share_groups {
            let topics = share.topics.iter().filter_map(|t| known_topic(t)).collect();
            groups.push(ConsumerGroup::share(share, topics));
        }
        // Groups the timeline starts come last, as `Scenario::group_id` numbers them.
        groups.extend(scenario.added_groups().into_iter().map(|(g, _)| group(g)));
        let roster = scenario.consumers();
        let consumers = roster
            .iter()
            .map(|c| Consumer::new(c.id, &c.spec, c.group, file.seed))
            .collect();

        let mut start = Vec::new();
        if !topics.is_empty() {
            start.push((SimTime::ZERO, Action::Bootstrap));
        }
        start.extend(creations);
        for (i, (p, from)) in producers.iter().zip(&producer_roster).enumerate() {
            let producer = ProducerId(i as u32);
            match from.1 {
                None => start.push((p.send_time(0), Action::Produce { producer })),
                Some(at) => {
                    start.push((SimTime::from_millis(at), Action::ProducerStart { producer }))
                }
            }
        }
        for c in roster.iter().filter(|c| c.from_start) {
            start.push((SimTime::ZERO, Action::Start { consumer: c.id }));
        }
        let entry_actions = timeline::EntryActions::new(scenario);
        let mut entries = Vec::new();
        for index in 0..file.timeline.len() {
            entry_actions.of(index, &mut entries);
        }
        if topic_roster
            .iter()
            .any(|(t, _)| t.retention_ms.is_some() || t.retention_records.is_some())
        {
            start.push((
                SimTime::from_millis(spec.retention_check_interval_ms),
                Action::RetentionCheck,
            ));
        }
        let kafka = Kafka {
            cluster: Cluster::new(&spec.cluster, file.seed),
            topics,
            producers,
            groups,
            consumers,
            initial_rebalance_delay_ms: spec.group_initial_rebalance_delay_ms,
            retention_check_interval_ms: spec.retention_check_interval_ms,
            next_record_id: 0,
        };
        start.extend(
            kafka
                .cluster_start()
                .into_iter()
                .map(|a| (SimTime::ZERO, a)),
        );
        (kafka, start, entries)
    }

    /// The actions of `scenario`'s timeline entry number `index`.
    pub(crate) fn entry_actions(scenario: &Scenario, index: usize) -> Entries<Action> {
        let mut actions = Vec::new();
        timeline::EntryActions::new(scenario).of(index, &mut actions);
        actions
    }

    /// Carries out one scheduled action.
    pub(crate) fn handle(&mut self, action: Action, ctx: &mut Ctx<'_, Action>) {
        if let Some((group, shown)) = self.coordinator_bound(&action)
            && !self.coordinator_ready(group, &action, shown, ctx)
        {
            return;
        }
        match action {
            Action::Bootstrap => self.on_bootstrap(ctx),
            Action::Produce { producer } => self.on_produce(producer, ctx),
            Action::ProduceRequest { request, broker } => {
                self.on_produce_request(request, broker, ctx)
            }
            Action::ProduceFailed { request, error } => self.produce_failed(request, error, ctx),
            Action::ProduceRetry { request } => {
                self.send_produce(request, ctx);
            }
            Action::ProducerStart { producer } => {
                ctx.emit(EventKind::ProducerStarted { producer });
                self.on_produce(producer, ctx);
            }
            Action::ProducerStop { producer } => {
                self.producers[producer.index()].stopped = true;
                ctx.emit(EventKind::ProducerStopped { producer });
            }
            Action::ProduceByHand { producer, record } => {
                self.on_produce_by_hand(producer, *record, ctx)
            }
            Action::SetProcessing {
                consumer,
                processing_ms,
            } => {
                self.set_processing_ms(consumer, processing_ms);
                ctx.emit(EventKind::ConsumerSlowed {
                    consumer,
                    processing_ms,
                });
            }
            Action::Start { consumer } => self.on_start(consumer, ctx),
            Action::Crash { consumer } => self.on_crash(consumer, ctx),
            Action::Leave { consumer } => self.on_leave_requested(consumer, ctx),
            Action::RejoinByHand { consumer } => self.on_rejoin_by_hand(consumer, ctx),
            Action::AssignByHand {
                consumer,
                generation,
                assignment,
            } => self.on_assign_by_hand(consumer, generation, assignment, ctx),
            Action::LeaderSync {
                group,
                generation,
                assignment,
            } => self.on_leader_sync(group, generation, assignment, ctx),
            Action::CommitByHand { consumer, offsets } => {
                self.on_commit_by_hand(consumer, offsets, ctx)
            }
            Action::HeartbeatByHand { consumer, request } => {
                self.on_heartbeat_by_hand(consumer, request, ctx)
            }
            Action::Subscribe { consumer, topics } => self.on_subscribe(consumer, topics, ctx),
            Action::Poll {
                consumer,
                incarnation,
                seq,
            } => self.on_poll(consumer, incarnation, seq, ctx),
            Action::Fetch {
                consumer,
                incarnation,
                fetch_from,
            } => self.on_fetch(consumer, incarnation, fetch_from, ctx),
            Action::FetchResponse {
                consumer,
                incarnation,
                batches,
                records,
            } => self.on_fetch_response(consumer, incarnation, batches, records, ctx),
            Action::Processed {
                consumer,
                incarnation,
            } => self.on_processed(consumer, incarnation, ctx),
            Action::Commit {
                group,
                consumer,
                offsets,
            } => {
                if self.coordinator(group).is_some() {
                    self.on_commit(group, offsets, ctx);
                } else {
                    // Not retried as such (a newer commit may be on its way,
                    // and commits must not go back): the next commit carries
                    // these partitions again.
                    ctx.emit(EventKind::CoordinatorUnavailable {
                        group,
                        retry_at: None,
                    });
                    ctx.send(Action::CommitFailed { consumer, offsets });
                }
            }
            Action::CommitFailed { consumer, offsets } => {
                self.consumers[consumer.index()].commit_failed(&offsets);
            }
            Action::JoinGroup {
                consumer,
                owned,
                generation,
            } => self.on_join_group(consumer, owned, generation, ctx),
            Action::CompleteRebalance { group } => self.try_complete_rebalance(group, ctx),
            Action::SyncGroup {
                consumer,
                incarnation,
                generation,
                partitions,
            } => self.on_sync_group(consumer, incarnation, generation, partitions, ctx),
            Action::LeaveGroup { consumer } => self.on_leave_group(consumer, ctx),
            Action::Heartbeat {
                consumer,
                incarnation,
            } => self.on_classic_heartbeat(consumer, incarnation, ctx),
            Action::HeartbeatReply {
                consumer,
                incarnation,
                rebalancing,
            } => self.on_classic_heartbeat_reply(consumer, incarnation, rebalancing, ctx),
            Action::MemberHeartbeat {
                consumer,
                incarnation,
                seq,
            } => self.on_member_heartbeat(consumer, incarnation, seq, ctx),
            Action::ConsumerGroupHeartbeat { consumer, request } => {
                self.on_consumer_group_heartbeat(consumer, request, ctx)
            }
            Action::ConsumerGroupHeartbeatReply {
                consumer,
                incarnation,
                reply,
            } => self.on_heartbeat_reply(consumer, incarnation, reply, ctx),
            Action::ConsumerGroupExpiry { group } => self.on_consumer_group_expiry(group, ctx),
            Action::ShareGroupHeartbeat { consumer, request } => {
                self.on_share_group_heartbeat(consumer, request, ctx)
            }
            Action::ShareGroupHeartbeatReply {
                consumer,
                incarnation,
                reply,
            } => self.on_share_heartbeat_reply(consumer, incarnation, reply, ctx),
            Action::ShareStateInitialized {
                group,
                topic,
                partitions,
            } => self.on_share_state_initialized(group, topic, partitions, ctx),
            Action::ShareGroupExpiry { group } => self.on_share_group_expiry(group, ctx),
            Action::ShareFetch {
                consumer,
                incarnation,
                acks,
                partitions,
            } => self.on_share_fetch(consumer, incarnation, acks, partitions, ctx),
            Action::ShareFetchResponse {
                consumer,
                incarnation,
                records,
            } => self.on_share_fetch_response(consumer, incarnation, records, ctx),
            Action::ShareLockExpiry { group, tp } => self.on_share_lock_expiry(group, tp, ctx),
            Action::ShareAcknowledge { consumer, ack } => {
                self.on_share_ack_override(consumer, ack, ctx)
            }
            Action::SessionTimeout {
                consumer,
                incarnation,
            } => self.on_session_timeout(consumer, incarnation, ctx),
            Action::CreateTopic { topic, placement } => self.on_create_topic(topic, placement, ctx),
            Action::TopicNoticed { group, topic } => self.on_topic_noticed(group, topic, ctx),
            Action::AddPartitions { topic, partitions } => {
                self.on_add_partitions(topic, partitions, ctx)
            }
            Action::RetentionCheck => self.on_retention_check(ctx),
            Action::BrokerKill { broker } => self.on_broker_kill(broker, ctx),
            Action::BrokerShutdown { broker } => self.on_broker_shutdown(broker, ctx),
            Action::ControlledShutdown { broker } => self.on_controlled_shutdown(broker, ctx),
            Action::BrokerStop {
                broker,
                incarnation,
            } => self.on_broker_stop(broker, incarnation, ctx),
            Action::BrokerRestart { broker } => self.on_broker_restart(broker, ctx),
            Action::BrokerIsolate { broker } => self.on_broker_isolate(broker, ctx),
            Action::BrokerReconnect { broker } => self.on_broker_reconnect(broker, ctx),
            Action::LeaderAndIsr { tp, broker, state } => {
                self.on_leader_and_isr(tp, broker, state, ctx)
            }
            Action::KraftWire { from, to, wire } => self.on_kraft_wire(from, to, wire, ctx),
            Action::ControllerFault { controller, fault } => {
                self.on_controller_fault(controller, fault, ctx)
            }
            Action::KraftWake {
                node,
                incarnation,
                wake,
            } => self.on_kraft_wake(node, incarnation, wake, ctx),
            Action::ZookeeperHeartbeatTick {
                broker,
                incarnation,
            } => self.on_heartbeat_tick(broker, incarnation, ctx),
            Action::ZookeeperHeartbeat { broker } => self.on_zookeeper_heartbeat(broker, ctx),
            Action::ZookeeperRegister { broker } => self.on_zookeeper_register(broker, ctx),
            Action::ZookeeperSessionCheck { broker } => {
                self.on_zookeeper_session_check(broker, ctx)
            }
            Action::ControllerElection => self.on_controller_election(ctx),
            Action::ControllerBrokerChange { bounced } => {
                self.on_controller_broker_change(bounced, ctx)
            }
            Action::PreferredLeaderElection => self.on_preferred_leader_election(ctx),
            Action::ReplicaFetchTick {
                broker,
                incarnation,
            } => self.on_replica_fetch_tick(broker, incarnation, ctx),
            Action::ReplicaFetch {
                follower,
                incarnation,
                leader,
                positions,
            } => self.on_replica_fetch(follower, incarnation, leader, positions, ctx),
            Action::ReplicaFetchResponse {
                follower,
                incarnation,
                leader,
                results,
            } => self.on_replica_fetch_response(follower, incarnation, leader, results, ctx),
            Action::IsrCheck => self.on_isr_check(ctx),
        }
    }

    /// The group whose coordinator handles `action`, if it is one of the
    /// coordinator's, and whether it is a client's request (rather than the
    /// coordinator's own timer).
    fn coordinator_bound(&self, action: &Action) -> Option<(GroupId, bool)> {
        let group_of = |c: &ConsumerId| self.consumers[c.index()].group;
        match action {
            Action::JoinGroup { consumer, .. } | Action::LeaveGroup { consumer } => {
                Some((group_of(consumer), true))
            }
            Action::Heartbeat { consumer, .. } => Some((group_of(consumer), false)),
            Action::SessionTimeout { consumer, .. } => Some((group_of(consumer), false)),
            Action::CompleteRebalance { group } => Some((*group, false)),
            Action::LeaderSync { group, .. } => Some((*group, true)),
            _ => None,
        }
    }

    /// The log clients see for one partition: its leader's.
    pub fn log(&self, tp: TopicPartition) -> &PartitionLog {
        self.partition(tp).log()
    }

    /// One partition's replicas and leadership.
    pub fn partition(&self, tp: TopicPartition) -> &Partition {
        &self.topics[tp.topic.index()].partitions[tp.partition as usize]
    }

    /// Whether `tp` has a live leader to read from.
    pub(crate) fn partition_readable(&self, tp: TopicPartition) -> bool {
        self.partition(tp)
            .leader
            .is_some_and(|leader| self.cluster.is_alive(leader))
    }

    pub(crate) fn partition_mut(&mut self, tp: TopicPartition) -> &mut Partition {
        &mut self.topics[tp.topic.index()].partitions[tp.partition as usize]
    }
}

/// Broker ids from placement's broker indices.
fn broker_ids(indices: &[u32]) -> Vec<BrokerId> {
    indices.iter().map(|&b| BrokerId(b)).collect()
}
