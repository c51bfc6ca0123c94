//! `Metadata` and `CreateTopics`: the cluster as a client sees it, and new
//! topics.
//!
//! Metadata is how a client finds its way: the live brokers with their
//! host and port, and for each partition its leader, replicas and in-sync
//! replicas. Everything in it is the run's own state, so a client sends
//! each record to the broker the simulation has leading that partition, and
//! after a failover in the run its next metadata request shows the new
//! leader. A topic a client names that does not exist is created as Kafka
//! does with `auto.create.topics.enable` (its default): with
//! `num.partitions` 1 and `default.replication.factor` 1, and answered
//! `UNKNOWN_TOPIC_OR_PARTITION` until the client asks again (Kafka 4's
//! `AutoTopicCreationManager`).

use super::Listeners;
use crate::broker::Broker;
use kafka_protocol::ResponseError;
use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, CreateTopicsRequest, CreateTopicsResponse, MetadataRequest, MetadataResponse,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;
use mqsim::ids::{BrokerId as RunBroker, TopicId, TopicPartition};
use mqsim::kafka::Kafka;
use mqsim::kafka::cluster::partition::Partition;
use mqsim::scenario::{Intervention, TopicSpec};

/// `num.partitions` and `default.replication.factor`: Kafka's defaults for
/// a topic created on first use.
const AUTO_PARTITIONS: u32 = 1;
const AUTO_REPLICATION_FACTOR: u32 = 1;

/// The cluster id clients see.
const CLUSTER_ID: &str = "mq-playground";

/// Answers `Metadata`: the live brokers, and the topics asked about (all,
/// when the request names none), creating those that do not exist if the
/// client allows it.
pub fn metadata(
    broker: &mut Broker,
    listeners: &Listeners,
    request: &MetadataRequest,
) -> MetadataResponse {
    // A topic is asked for by name, or (from v10, as a consumer-protocol
    // member resolves its assignment) by id alone.
    let by_id = |id: &uuid::Uuid| {
        (broker.kafka().topics.iter())
            .find(|t| topic_id(&t.name) == *id)
            .map(|t| t.name.to_string())
    };
    let unknown_ids: Vec<uuid::Uuid> = (request.topics.iter().flatten())
        .filter(|t| t.name.is_none() && by_id(&t.topic_id).is_none())
        .map(|t| t.topic_id)
        .collect();
    let asked: Option<Vec<String>> = request.topics.as_ref().map(|topics| {
        (topics.iter())
            .filter_map(|t| match &t.name {
                Some(name) => Some(name.0.to_string()),
                None => by_id(&t.topic_id),
            })
            .collect()
    });
    let mut created = Vec::new();
    if request.allow_auto_topic_creation
        && let Some(asked) = &asked
    {
        for name in asked {
            if topic(broker.kafka(), name).is_none() && legal_topic_name(name).is_ok() {
                let spec = TopicSpec {
                    replication_factor: AUTO_REPLICATION_FACTOR,
                    ..TopicSpec::new(name, AUTO_PARTITIONS)
                };
                if broker
                    .apply(Intervention::TopicCreate { topic: spec })
                    .is_ok()
                {
                    created.push(name.clone());
                }
            }
        }
    }
    let kafka = broker.kafka();
    let names: Vec<String> = asked.unwrap_or_else(|| {
        (kafka.topics.iter())
            .filter(|t| !t.partitions.is_empty())
            .map(|t| t.name.to_string())
            .collect()
    });
    let topics = names
        .iter()
        .map(|name| {
            let described = MetadataResponseTopic::default()
                .with_name(Some(TopicName(StrBytes::from_string(name.clone()))));
            if created.contains(name) {
                // Being created: the client asks again.
                return described.with_error_code(ResponseError::UnknownTopicOrPartition.code());
            }
            match topic(kafka, name) {
                Some((_, partitions)) => described.with_topic_id(topic_id(name)).with_partitions(
                    (partitions.iter().enumerate())
                        .map(|(i, p)| partition_metadata(kafka, i, p))
                        .collect(),
                ),
                None => described.with_error_code(ResponseError::UnknownTopicOrPartition.code()),
            }
        })
        .chain(unknown_ids.into_iter().map(|id| {
            MetadataResponseTopic::default()
                .with_topic_id(id)
                .with_error_code(ResponseError::UnknownTopicId.code())
        }))
        .collect();
    MetadataResponse::default()
        .with_brokers(live_brokers(kafka, listeners))
        .with_cluster_id(Some(StrBytes::from_static_str(CLUSTER_ID)))
        .with_controller_id(BrokerId(controller(kafka)))
        .with_topics(topics)
}

/// The brokers the cluster's metadata has as live, each at its port: with
/// ZooKeeper those registered (a broker that died stays registered until
/// its session times out, and its partitions keep it as their leader till
/// then), with KRaft those unfenced.
pub fn live_brokers(kafka: &Kafka, listeners: &Listeners) -> Vec<MetadataResponseBroker> {
    let cluster = &kafka.cluster;
    let listed = |broker: RunBroker| match &cluster.kraft {
        Some(kraft) => kraft.is_active(broker),
        None => cluster.zookeeper.is_registered(broker),
    };
    (cluster.brokers.iter())
        .filter(|b| listed(b.id))
        .map(|b| {
            MetadataResponseBroker::default()
                .with_node_id(BrokerId(b.id.0 as i32))
                .with_host(StrBytes::from_string(listeners.host.clone()))
                .with_port(listeners.port(b.id))
        })
        .collect()
}

/// The controller a client is told of: ZooKeeper's elected controller, or
/// with KRaft (whose controllers clients never reach: brokers forward
/// their requests) the first live broker, as a KRaft broker names a broker.
fn controller(kafka: &Kafka) -> i32 {
    let elected = kafka
        .cluster
        .zookeeper
        .controller
        .filter(|_| kafka.cluster.kraft.is_none());
    let first_live = kafka.cluster.brokers.iter().find(|b| b.alive).map(|b| b.id);
    elected.or(first_live).map_or(-1, |b| b.0 as i32)
}

/// One partition as Metadata describes it.
fn partition_metadata(kafka: &Kafka, index: usize, p: &Partition) -> MetadataResponsePartition {
    let ids = |brokers: &[RunBroker]| -> Vec<BrokerId> {
        brokers.iter().map(|b| BrokerId(b.0 as i32)).collect()
    };
    let replicas = p.replica_ids();
    let offline: Vec<RunBroker> = (replicas.iter())
        .filter(|b| !kafka.cluster.is_alive(**b))
        .copied()
        .collect();
    let described = MetadataResponsePartition::default()
        .with_partition_index(index as i32)
        .with_leader_epoch(p.leader_epoch as i32)
        .with_replica_nodes(ids(&replicas))
        .with_isr_nodes(ids(&p.isr))
        .with_offline_replicas(ids(&offline));
    match p.leader {
        Some(leader) => described.with_leader_id(BrokerId(leader.0 as i32)),
        None => described
            .with_leader_id(BrokerId(-1))
            .with_error_code(ResponseError::LeaderNotAvailable.code()),
    }
}

/// The topic called `name`, if the run has created it: its number and
/// partitions.
pub fn topic<'k>(kafka: &'k Kafka, name: &str) -> Option<(usize, &'k [Partition])> {
    let i = kafka.topics.iter().position(|t| &*t.name == name)?;
    let partitions = &kafka.topics[i].partitions;
    (!partitions.is_empty()).then_some((i, partitions.as_slice()))
}

/// Partition `index` of topic `name`, if broker `node` leads it: what a
/// request only a leader serves (Produce, Fetch, ListOffsets) checks
/// first, as Kafka's `ReplicaManager` does.
pub fn led_by<'k>(
    kafka: &'k Kafka,
    name: &str,
    index: i32,
    node: RunBroker,
) -> Result<&'k Partition, ResponseError> {
    let partition = topic(kafka, name).and_then(|(_, all)| all.get(usize::try_from(index).ok()?));
    match partition {
        None => Err(ResponseError::UnknownTopicOrPartition),
        Some(p) if p.leader != Some(node) => Err(ResponseError::NotLeaderOrFollower),
        Some(p) => Ok(p),
    }
}

/// `partitions` grouped by topic, topics in the order they first come,
/// each with its partition numbers as the wire carries them.
pub fn by_topic(partitions: &[TopicPartition]) -> Vec<(TopicId, Vec<i32>)> {
    let mut topics: Vec<(TopicId, Vec<i32>)> = Vec::new();
    for tp in partitions {
        match topics.iter_mut().find(|(t, _)| *t == tp.topic) {
            Some((_, ps)) => ps.push(tp.partition as i32),
            None => topics.push((tp.topic, vec![tp.partition as i32])),
        }
    }
    topics
}

/// A topic's id: made from its name, as the run makes it.
pub fn topic_id(name: &str) -> uuid::Uuid {
    let id = mqsim::kafka::consumer_protocol::uuid::Uuid::from_name(name);
    uuid::Uuid::from_u64_pair(id.msb, id.lsb)
}

/// Kafka's rule for topic names (`Topic.validate`): 1 to 249 characters,
/// ASCII letters, digits, `.`, `_` and `-`, and not `.` or `..`.
pub fn legal_topic_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Topic name is illegal, it can't be empty".into());
    }
    if name == "." || name == ".." {
        return Err("Topic name cannot be \".\" or \"..\"".into());
    }
    if name.len() > 249 {
        return Err(format!(
            "Topic name is illegal, it can't be longer than 249 characters, topic name: {name}"
        ));
    }
    if !(name.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

/// Answers `CreateTopics`: each topic created, or why not, in Kafka's
/// words. `validate_only` checks without creating.
pub fn create_topics(broker: &mut Broker, request: &CreateTopicsRequest) -> CreateTopicsResponse {
    let topics = (request.topics.iter())
        .map(|creatable| {
            let name = creatable.name.0.to_string();
            let result = CreatableTopicResult::default().with_name(creatable.name.clone());
            match create_topic(broker, creatable, request.validate_only) {
                Ok(spec) => result
                    .with_topic_id(topic_id(&name))
                    .with_num_partitions(spec.partitions as i32)
                    .with_replication_factor(spec.replication_factor as i16),
                Err((error, message)) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(StrBytes::from_string(message))),
            }
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}

/// Creates one topic (unless only validating), with the checks Kafka makes
/// and the run's own.
fn create_topic(
    broker: &mut Broker,
    creatable: &CreatableTopic,
    validate_only: bool,
) -> Result<TopicSpec, (ResponseError, String)> {
    let name = creatable.name.0.as_str();
    legal_topic_name(name).map_err(|why| (ResponseError::InvalidTopicException, why))?;
    if topic(broker.kafka(), name).is_some() {
        return Err((
            ResponseError::TopicAlreadyExists,
            format!("Topic '{name}' already exists."),
        ));
    }
    if !creatable.assignments.is_empty() {
        return Err((
            ResponseError::InvalidRequest,
            "the playground places replicas itself: leave out replica assignments".into(),
        ));
    }
    let partitions = match creatable.num_partitions {
        -1 => AUTO_PARTITIONS,
        n if n >= 1 => n as u32,
        _ => {
            return Err((
                ResponseError::InvalidPartitions,
                "Number of partitions was set to an invalid non-positive value.".into(),
            ));
        }
    };
    let live = (broker.kafka().cluster.brokers.iter())
        .filter(|b| b.alive)
        .count() as u32;
    let replication_factor = match creatable.replication_factor {
        -1 => AUTO_REPLICATION_FACTOR,
        n if n >= 1 => n as u32,
        _ => {
            return Err((
                ResponseError::InvalidReplicationFactor,
                "Replication factor must be larger than 0, or -1 to use the default value.".into(),
            ));
        }
    };
    if replication_factor > live {
        return Err((
            ResponseError::InvalidReplicationFactor,
            format!(
                "Unable to replicate the partition {replication_factor} time(s): The target replication factor of {replication_factor} cannot be reached because only {live} broker(s) are registered."
            ),
        ));
    }
    let mut spec = TopicSpec {
        replication_factor,
        ..TopicSpec::new(name, partitions)
    };
    for config in &creatable.configs {
        let value = config.value.as_deref().unwrap_or("");
        let number = || {
            value.parse::<u64>().map_err(|_| {
                (
                    ResponseError::InvalidConfig,
                    format!("Invalid value {value} for configuration {}", &*config.name),
                )
            })
        };
        match &*config.name {
            "retention.ms" => spec.retention_ms = Some(number()?),
            "min.insync.replicas" => spec.min_insync_replicas = number()? as u32,
            // Configurations the playground does not model are kept by
            // Kafka and change nothing here.
            _ => {}
        }
    }
    if validate_only {
        return Ok(spec);
    }
    broker
        .apply(Intervention::TopicCreate {
            topic: spec.clone(),
        })
        .map_err(|why| (ResponseError::InvalidRequest, why))?;
    Ok(spec)
}
