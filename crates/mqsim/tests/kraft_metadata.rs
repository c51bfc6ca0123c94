//! The KRaft controller's decisions (`kafka::kraft::controller`) as the
//! records it appends, and the image those records build, on tables
//! derived from Kafka's `ReplicationControlManager`,
//! `PartitionChangeBuilder` and `BrokerHeartbeatManager`.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::{BrokerId, TopicId, TopicPartition};
use mqsim::kafka::kraft::controller;
use mqsim::kafka::kraft::image::MetadataImage;
use mqsim::kafka::kraft::record::MetadataRecord;

const TP: TopicPartition = TopicPartition {
    topic: TopicId(0),
    partition: 0,
};

fn b(id: u32) -> BrokerId {
    BrokerId(id)
}

fn apply(image: &mut MetadataImage, records: &[MetadataRecord]) {
    for record in records {
        image.apply(record);
    }
}

/// What the controller decides on `image`, applied to it.
fn decide(
    image: &mut MetadataImage,
    decision: impl FnOnce(&MetadataImage) -> Vec<MetadataRecord>,
) -> Vec<MetadataRecord> {
    let records = decision(image);
    apply(image, &records);
    records
}

/// Brokers 0..n registered and unfenced, and one partition with these
/// replicas, all in sync, led by the first.
fn cluster(brokers: u32, replicas: &[u32]) -> MetadataImage {
    let mut image = MetadataImage::default();
    for id in 0..brokers {
        let offset = image.offset;
        decide(&mut image, |i| controller::register(i, b(id), 1, offset));
        let unfence = controller::heartbeat(&image, b(id), image.offset, false, false);
        apply(&mut image, &unfence);
    }
    let placement = [replicas.iter().map(|r| b(*r)).collect::<Vec<_>>()];
    let topic = controller::create_topic(&image, "orders".into(), 0, &placement).unwrap();
    apply(&mut image, &topic);
    image
}

fn change(leader: Option<Option<u32>>, isr: Option<&[u32]>) -> MetadataRecord {
    MetadataRecord::PartitionChange {
        tp: TP,
        leader: leader.map(|l| l.map(b)),
        isr: isr.map(|isr| isr.iter().map(|r| b(*r)).collect()),
    }
}

fn fenced(broker: u32) -> MetadataRecord {
    MetadataRecord::BrokerRegistrationChange {
        broker: b(broker),
        fenced: Some(true),
        in_controlled_shutdown: None,
    }
}

#[test]
fn a_fenced_leader_hands_over_to_the_first_in_sync_replica_in_replica_order() {
    let mut image = cluster(3, &[2, 0, 1]);
    assert_eq!(image.partition(TP).unwrap().leader, Some(b(2)));
    let records = controller::fence(&image, b(2), false);
    assert_eq!(records, [change(Some(Some(0)), Some(&[0, 1])), fenced(2)]);
    apply(&mut image, &records);
    let p = image.partition(TP).unwrap();
    assert_eq!(
        (p.leader, p.leader_epoch, p.partition_epoch),
        (Some(b(0)), 1, 1)
    );
    assert!(!image.is_active(b(2)));
}

#[test]
fn a_fenced_follower_only_leaves_the_isr() {
    let mut image = cluster(3, &[0, 1, 2]);
    let records = controller::fence(&image, b(1), false);
    assert_eq!(records, [change(None, Some(&[0, 2])), fenced(1)]);
    apply(&mut image, &records);
    let p = image.partition(TP).unwrap();
    assert_eq!(
        (p.leader_epoch, p.partition_epoch),
        (0, 1),
        "no new leader epoch"
    );
}

#[test]
fn a_fenced_replica_is_skipped_when_electing() {
    let mut image = cluster(3, &[0, 1, 2]);
    // Broker 1 was fenced as a follower; then the leader goes.
    decide(&mut image, |i| controller::fence(i, b(1), false));
    let records = controller::fence(&image, b(0), false);
    assert_eq!(records, [change(Some(Some(2)), Some(&[2])), fenced(0)]);
}

#[test]
fn the_last_in_sync_replica_fenced_leaves_the_partition_leaderless_until_it_returns() {
    let mut image = cluster(2, &[0, 1]);
    decide(&mut image, |i| controller::fence(i, b(1), false));
    // The ISR keeps broker 0: it is the only one known to have everything.
    let records = controller::fence(&image, b(0), false);
    assert_eq!(records, [change(Some(None), None), fenced(0)]);
    apply(&mut image, &records);
    let p = image.partition(TP).unwrap();
    assert_eq!((p.leader, p.isr.clone()), (None, vec![b(0)]));
    // Broker 1 comes back first: it is not in the ISR, so it may not lead.
    let offset = image.offset;
    decide(&mut image, |i| controller::register(i, b(1), 2, offset));
    decide(&mut image, |i| {
        controller::heartbeat(i, b(1), i.offset, false, false)
    });
    assert_eq!(image.partition(TP).unwrap().leader, None);
    // Broker 0 re-registers; not caught up past its registration, it stays
    // fenced; caught up, it is unfenced and leads again.
    let offset = image.offset;
    decide(&mut image, |i| controller::register(i, b(0), 2, offset));
    assert!(controller::heartbeat(&image, b(0), offset, false, false).is_empty());
    let records = controller::heartbeat(&image, b(0), offset + 1, false, false);
    assert_eq!(records[1], change(Some(Some(0)), None));
    apply(&mut image, &records);
    assert_eq!(image.partition(TP).unwrap().leader, Some(b(0)));
}

#[test]
fn unclean_election_lets_an_out_of_sync_replica_lead() {
    let mut image = cluster(2, &[0, 1]);
    decide(&mut image, |i| controller::fence(i, b(1), false));
    let offset = image.offset;
    decide(&mut image, |i| controller::register(i, b(1), 2, offset));
    decide(&mut image, |i| {
        controller::heartbeat(i, b(1), i.offset, false, false)
    });
    let records = controller::fence(&image, b(0), true);
    assert_eq!(records[0], change(Some(Some(1)), Some(&[1])));
}

#[test]
fn a_controlled_shutdown_moves_leadership_first_then_fences() {
    let mut image = cluster(3, &[0, 1, 2]);
    let records = controller::heartbeat(&image, b(0), image.offset, true, false);
    assert_eq!(
        records,
        [
            MetadataRecord::BrokerRegistrationChange {
                broker: b(0),
                fenced: None,
                in_controlled_shutdown: Some(true),
            },
            change(Some(Some(1)), Some(&[1, 2])),
        ]
    );
    apply(&mut image, &records);
    assert!(!image.is_active(b(0)), "shutting down: no new leaderships");
    let records = controller::heartbeat(&image, b(0), image.offset, true, false);
    assert_eq!(records, [fenced(0)], "it leads nothing now: shut down");
}

#[test]
fn a_topic_is_created_on_active_brokers_only() {
    let mut image = cluster(3, &[0, 1, 2]);
    decide(&mut image, |i| controller::fence(i, b(0), false));
    let placement = [vec![b(0), b(1)], vec![b(0)]];
    let refused = controller::create_topic(&image, "audit".into(), 1, &placement);
    assert!(
        refused
            .unwrap_err()
            .starts_with("INVALID_REPLICATION_FACTOR")
    );
    let records = controller::create_topic(&image, "audit".into(), 1, &placement[..1]).unwrap();
    assert_eq!(
        records[1],
        MetadataRecord::Partition {
            tp: TopicPartition {
                topic: TopicId(1),
                partition: 0
            },
            replicas: vec![b(0), b(1)],
            isr: vec![b(1)],
            leader: Some(b(1)),
        }
    );
}
