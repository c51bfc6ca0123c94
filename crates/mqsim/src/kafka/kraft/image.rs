//! The metadata image: the cluster as the committed records describe it.
//! Every controller and every broker builds its own by applying the
//! records in order (Kafka's `MetadataDelta` and `MetadataImage`), each as
//! far as it has read: a broker acts on its image, so a broker that is
//! behind acts on an older cluster. That is KRaft's counterpart of a
//! ZooKeeper-era broker that has not yet heard from the controller.

use super::record::MetadataRecord;
use crate::ids::{BrokerId, TopicPartition};
use std::rc::Rc;

/// One broker as registered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerRegistration {
    pub id: BrokerId,
    /// Which start of the process registered.
    pub incarnation: u32,
    /// Its incarnation's broker epoch.
    pub epoch: u64,
    /// A fenced broker leads nothing and is in no new ISR.
    pub fenced: bool,
    pub in_controlled_shutdown: bool,
}

/// One partition as registered (`PartitionRegistration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionRegistration {
    pub tp: TopicPartition,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: u32,
    pub partition_epoch: u32,
}

/// The cluster as the records up to [`MetadataImage::offset`] say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataImage {
    /// The offset after the last record applied.
    pub offset: u64,
    pub brokers: Vec<BrokerRegistration>,
    pub topics: Vec<Rc<str>>,
    pub partitions: Vec<PartitionRegistration>,
}

impl MetadataImage {
    /// Applies the next record.
    pub fn apply(&mut self, record: &MetadataRecord) {
        self.offset += 1;
        match record {
            MetadataRecord::LeaderChange { .. } | MetadataRecord::NoOp => {}
            MetadataRecord::RegisterBroker {
                broker,
                incarnation,
                epoch,
            } => {
                let registration = BrokerRegistration {
                    id: *broker,
                    incarnation: *incarnation,
                    epoch: *epoch,
                    fenced: true,
                    in_controlled_shutdown: false,
                };
                match self.brokers.iter_mut().find(|b| b.id == *broker) {
                    Some(b) => *b = registration,
                    None => self.brokers.push(registration),
                }
            }
            MetadataRecord::BrokerRegistrationChange {
                broker,
                fenced,
                in_controlled_shutdown,
            } => {
                if let Some(b) = self.brokers.iter_mut().find(|b| b.id == *broker) {
                    if let Some(fenced) = fenced {
                        b.fenced = *fenced;
                    }
                    if let Some(shutting_down) = in_controlled_shutdown {
                        b.in_controlled_shutdown = *shutting_down;
                    }
                }
            }
            MetadataRecord::Topic { name } => self.topics.push(name.clone()),
            MetadataRecord::Partition {
                tp,
                replicas,
                isr,
                leader,
            } => self.partitions.push(PartitionRegistration {
                tp: *tp,
                replicas: replicas.clone(),
                isr: isr.clone(),
                leader: *leader,
                leader_epoch: 0,
                partition_epoch: 0,
            }),
            MetadataRecord::PartitionChange { tp, leader, isr } => {
                if let Some(p) = self.partitions.iter_mut().find(|p| p.tp == *tp) {
                    if let Some(leader) = leader {
                        p.leader = *leader;
                        p.leader_epoch += 1;
                    }
                    if let Some(isr) = isr {
                        p.isr = isr.clone();
                    }
                    p.partition_epoch += 1;
                }
            }
        }
    }

    pub fn broker(&self, id: BrokerId) -> Option<&BrokerRegistration> {
        self.brokers.iter().find(|b| b.id == id)
    }

    pub fn partition(&self, tp: TopicPartition) -> Option<&PartitionRegistration> {
        self.partitions.iter().find(|p| p.tp == tp)
    }

    /// Whether `broker` may lead or join an ISR: registered, unfenced and
    /// not shutting down (`ClusterControlManager.isActive`).
    pub fn is_active(&self, broker: BrokerId) -> bool {
        self.broker(broker)
            .is_some_and(|b| !b.fenced && !b.in_controlled_shutdown)
    }
}
