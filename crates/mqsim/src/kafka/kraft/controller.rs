//! The active controller's decisions, each as the records it appends to
//! the metadata log (Kafka's `QuorumController` with its
//! `ClusterControlManager`, `BrokerHeartbeatManager`,
//! `ReplicationControlManager` and `PartitionChangeBuilder`). Each takes
//! the controller's image of the cluster and returns records; nothing
//! happens until the quorum commits them and the brokers apply them.
//!
//! - **Registration.** A broker process registers as a new incarnation,
//!   with a broker epoch (the offset of its `RegisterBrokerRecord`), and
//!   starts *fenced*: it leads nothing.
//! - **Heartbeats** every `broker.heartbeat.interval.ms` (2 s) carry how far
//!   the broker has applied the log. Once it has applied its own
//!   registration it is *unfenced*, and partitions left without a leader
//!   whose ISR still names it get it back as leader.
//! - **Fencing.** A broker silent for `broker.session.timeout.ms` (9 s) is
//!   fenced: it leaves every ISR, and each partition it led gets the first
//!   replica, in replica order, that is in the new ISR and active. A
//!   partition whose ISR held only it has no leader, and keeps it in its
//!   ISR: it is the only replica known to have everything
//!   (`unclean.leader.election.enable` lets another replica lead instead).
//!   Eligible leader replicas (KIP-966), off by default in Kafka 4.0, are
//!   not modelled.
//! - **Controlled shutdown**: the broker says it wants to stop; leadership
//!   moves away and it leaves the ISRs first, then it is fenced.

use super::image::{MetadataImage, PartitionRegistration};
use super::record::MetadataRecord;
use crate::ids::{BrokerId, TopicPartition};
use std::rc::Rc;

/// `broker.heartbeat.interval.ms`.
pub const BROKER_HEARTBEAT_INTERVAL_MS: u64 = 2_000;
/// `broker.session.timeout.ms`.
pub const BROKER_SESSION_TIMEOUT_MS: u64 = 9_000;
/// `metadata.max.idle.interval.ms`: how often the active controller
/// appends a `NoOpRecord` when nothing else happens.
pub const METADATA_MAX_IDLE_INTERVAL_MS: u64 = 500;

/// A broker registers as a new incarnation; its record will sit at
/// `offset`, which becomes its broker epoch. The same incarnation asking
/// again (its request or the reply was lost) is already registered.
pub fn register(
    image: &MetadataImage,
    broker: BrokerId,
    incarnation: u32,
    offset: u64,
) -> Vec<MetadataRecord> {
    if image
        .broker(broker)
        .is_some_and(|b| b.incarnation == incarnation)
    {
        return Vec::new();
    }
    vec![MetadataRecord::RegisterBroker {
        broker,
        incarnation,
        epoch: offset,
    }]
}

/// A heartbeat from `broker`, whose image is at `metadata_offset` (the
/// offset after the last record it applied), and which may want to shut
/// down: the records for its next state
/// (`BrokerHeartbeatManager.calculateNextBrokerState`). (Kafka also waits,
/// before a shutting-down broker is let go, until every active broker has
/// applied its shutdown; the playground lets it go once it leads nothing.)
pub fn heartbeat(
    image: &MetadataImage,
    broker: BrokerId,
    metadata_offset: u64,
    want_shutdown: bool,
    unclean: bool,
) -> Vec<MetadataRecord> {
    let Some(registration) = image.broker(broker) else {
        return Vec::new();
    };
    match (registration.fenced, want_shutdown) {
        // Caught up past its own registration: it may lead.
        (true, false) if metadata_offset > registration.epoch => unfence(image, broker),
        (false, true) if leads_any(image, broker) && !registration.in_controlled_shutdown => {
            controlled_shutdown(image, broker, unclean)
        }
        (false, true) if !leads_any(image, broker) => fence(image, broker, unclean),
        _ => Vec::new(),
    }
}

fn leads_any(image: &MetadataImage, broker: BrokerId) -> bool {
    image.partitions.iter().any(|p| p.leader == Some(broker))
}

/// Fences `broker` (its session expired, or it may now shut down): out of
/// every ISR, its leaderships elsewhere, then the fence itself.
pub fn fence(image: &MetadataImage, broker: BrokerId, unclean: bool) -> Vec<MetadataRecord> {
    let mut records = leave(image, broker, unclean);
    records.push(MetadataRecord::BrokerRegistrationChange {
        broker,
        fenced: Some(true),
        in_controlled_shutdown: None,
    });
    records
}

/// `broker` asked to shut down while it still leads: it is marked as
/// shutting down and leaves every ISR and leadership; the fence comes once
/// it leads nothing.
pub fn controlled_shutdown(
    image: &MetadataImage,
    broker: BrokerId,
    unclean: bool,
) -> Vec<MetadataRecord> {
    let mut records = vec![MetadataRecord::BrokerRegistrationChange {
        broker,
        fenced: None,
        in_controlled_shutdown: Some(true),
    }];
    records.extend(leave(image, broker, unclean));
    records
}

/// The partition changes that take `broker` out of every ISR it is in.
fn leave(image: &MetadataImage, broker: BrokerId, unclean: bool) -> Vec<MetadataRecord> {
    let active = |b: BrokerId| b != broker && image.is_active(b);
    image
        .partitions
        .iter()
        .filter(|p| p.isr.contains(&broker) || p.leader == Some(broker))
        .filter_map(|p| change(p, broker, &active, unclean))
        .collect()
}

/// The `PartitionChangeRecord` that removes `broker` from `p`, if
/// anything changes (`PartitionChangeBuilder`): a leader that stays in
/// the ISR stays; otherwise the first replica, in replica order, that is
/// in the new ISR and active leads (`electAnyLeader`).
fn change(
    p: &PartitionRegistration,
    broker: BrokerId,
    active: &dyn Fn(BrokerId) -> bool,
    unclean: bool,
) -> Option<MetadataRecord> {
    let mut isr: Vec<BrokerId> = p.isr.iter().copied().filter(|b| *b != broker).collect();
    let keeps = p.leader.is_some_and(|l| l != broker && isr.contains(&l));
    let in_sync = p
        .replicas
        .iter()
        .copied()
        .find(|r| isr.contains(r) && active(*r));
    let leader = match (keeps, in_sync) {
        (true, _) => p.leader,
        (false, Some(l)) => Some(l),
        // No in-sync replica can lead: unclean election takes any active
        // replica, with what it has, as the whole ISR.
        (false, None) => match p.replicas.iter().copied().find(|r| active(*r)) {
            Some(any) if unclean => {
                isr = vec![any];
                Some(any)
            }
            _ => None,
        },
    };
    // An ISR is never left empty: it keeps the last replica known to have
    // everything, and the partition waits for that one.
    if isr.is_empty() {
        isr = p.isr.clone();
    }
    let leader = (leader != p.leader).then_some(leader);
    let isr = (isr != p.isr).then_some(isr);
    (leader.is_some() || isr.is_some()).then_some(MetadataRecord::PartitionChange {
        tp: p.tp,
        leader,
        isr,
    })
}

/// A partition's leader asks for a new ISR (`AlterPartition`): granted
/// if it still leads in that leader epoch and every replica it adds is
/// active (`ReplicationControlManager.alterPartition`).
pub fn alter_partition(
    image: &MetadataImage,
    tp: TopicPartition,
    leader: BrokerId,
    leader_epoch: u32,
    isr: Vec<BrokerId>,
) -> Vec<MetadataRecord> {
    let Some(p) = image.partition(tp) else {
        return Vec::new();
    };
    let current = p.leader == Some(leader) && p.leader_epoch == leader_epoch;
    let eligible = isr.iter().all(|b| p.isr.contains(b) || image.is_active(*b));
    if !current || !eligible || isr == p.isr || isr.is_empty() {
        return Vec::new();
    }
    vec![MetadataRecord::PartitionChange {
        tp,
        leader: None,
        isr: Some(isr),
    }]
}

/// Unfences `broker`, and gives it the partitions that have no leader and
/// whose ISR still names it.
pub fn unfence(image: &MetadataImage, broker: BrokerId) -> Vec<MetadataRecord> {
    let mut records = vec![MetadataRecord::BrokerRegistrationChange {
        broker,
        fenced: Some(false),
        in_controlled_shutdown: Some(false),
    }];
    records.extend(
        image
            .partitions
            .iter()
            .filter(|p| p.leader.is_none() && p.isr.contains(&broker))
            .map(|p| MetadataRecord::PartitionChange {
                tp: p.tp,
                leader: Some(Some(broker)),
                isr: None,
            }),
    );
    records
}

/// Creates a topic with the replicas placed for each partition: its ISR
/// is the active replicas, its leader the first of them; refused
/// (`INVALID_REPLICATION_FACTOR`) if a partition would have none.
pub fn create_topic(
    image: &MetadataImage,
    name: Rc<str>,
    topic: u32,
    placement: &[Vec<BrokerId>],
) -> Result<Vec<MetadataRecord>, String> {
    let mut records = vec![MetadataRecord::Topic { name }];
    for (partition, replicas) in placement.iter().enumerate() {
        let isr: Vec<BrokerId> = replicas
            .iter()
            .copied()
            .filter(|b| image.is_active(*b))
            .collect();
        let Some(&leader) = isr.first() else {
            return Err(format!(
                "INVALID_REPLICATION_FACTOR: no replica of partition {partition} is on an unfenced broker"
            ));
        };
        records.push(MetadataRecord::Partition {
            tp: TopicPartition {
                topic: crate::ids::TopicId(topic),
                partition: partition as u32,
            },
            replicas: replicas.clone(),
            isr,
            leader: Some(leader),
        });
    }
    Ok(records)
}

/// The records of a cluster already running when the run starts, after the
/// leader's `LeaderChangeMessage` at offset 0: each broker registered (its
/// first incarnation) and unfenced, then each topic created with its
/// placement.
pub fn bootstrap(
    brokers: &[BrokerId],
    topics: &[(Rc<str>, Vec<Vec<BrokerId>>)],
) -> Result<Vec<MetadataRecord>, String> {
    let mut image = MetadataImage {
        offset: 1,
        ..MetadataImage::default()
    };
    let mut records = Vec::new();
    let mut write = |image: &mut MetadataImage, new: Vec<MetadataRecord>| {
        for record in &new {
            image.apply(record);
        }
        records.extend(new);
    };
    for &broker in brokers {
        let offset = image.offset;
        let registration = register(&image, broker, 1, offset);
        write(&mut image, registration);
        let unfenced = unfence(&image, broker);
        write(&mut image, unfenced);
    }
    for (topic, (name, placement)) in topics.iter().enumerate() {
        let created = create_topic(&image, name.clone(), topic as u32, placement)?;
        write(&mut image, created);
    }
    Ok(records)
}
