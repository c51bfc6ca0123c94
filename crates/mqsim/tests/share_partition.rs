//! Share groups (KIP-932): the `simple` assignor (in `mod assignor`, on
//! examples worked through Kafka's code and over random groups), and a
//! share-partition on cases from Kafka 4.2's
//! `SharePartitionTest` (named), and over random schedules of fetches,
//! acknowledgements, lock expiries and members leaving: a record is
//! acquired by at most one member at a time, everything below the SPSO is
//! acknowledged or archived, and no record is delivered more often than
//! the delivery-count limit allows.
//!
//! Deliberate mutations, each caught: a released record left available
//! past the delivery-count limit; the SPSO moving past an acquired record;
//! an acquired record acquired again; a record on its last attempt
//! delivered with others.

use mqsim::kafka::share::partition::{AckError, AckType, RecordState, Settings, SharePartition};
use mqsim::time::SimTime;
use proptest::prelude::*;

fn at(ms: u64) -> SimTime {
    SimTime::from_millis(ms)
}

fn partition(start: u64, limit: u32) -> SharePartition {
    SharePartition::new(
        start,
        Settings {
            delivery_count_limit: limit,
            ..Settings::default()
        },
    )
}

fn state(sp: &SharePartition, offset: u64) -> (RecordState, u32) {
    let r = sp.record(offset).expect("in flight");
    (r.state, r.delivery_count)
}

/// `testAcquisitionLockTimeoutCauseMaxDeliveryCountExceed`: with a limit
/// of 2, a record whose lock runs out twice is archived.
#[test]
fn a_record_whose_lock_runs_out_too_often_is_archived() {
    let mut sp = partition(0, 2);
    sp.records.clear();
    assert_eq!(sp.acquire(1, 10, 2, at(0)), [(0, 1), (1, 1)]);
    assert_eq!(sp.expire_locks(at(29_999)), Vec::<u64>::new());
    assert_eq!(sp.expire_locks(at(30_000)), [0, 1]);
    assert_eq!(state(&sp, 0), (RecordState::Available, 1));
    assert_eq!(sp.acquire(1, 10, 2, at(31_000)), [(0, 2), (1, 2)]);
    sp.expire_locks(at(61_000));
    // Both archived: the SPSO moves past them, nothing is in flight.
    assert_eq!((sp.start, sp.end()), (2, 2));
}

/// `testMaxDeliveryCountLimitExceededForRecordBatch`: records 5..14
/// released twice with a limit of 2 are archived; start and end are 15.
#[test]
fn records_released_as_often_as_allowed_are_archived() {
    let mut sp = partition(5, 2);
    for round in 1..=2 {
        let got = sp.acquire(1, 500, 15, at(round * 100));
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|&(_, count)| count == round as u32));
        for (offset, _) in got {
            sp.acknowledge(1, offset, AckType::Release)
                .expect("held by 1");
        }
    }
    assert_eq!((sp.start, sp.end(), sp.records.len()), (15, 15, 0));
}

/// Accept and reject finish a record; release gives it back with its
/// count; only the member holding a record may acknowledge it.
#[test]
fn acknowledgements_follow_the_holder_and_the_type() {
    let mut sp = partition(0, 5);
    assert_eq!(sp.acquire(1, 2, 10, at(0)), [(0, 1), (1, 1)]);
    assert_eq!(sp.acquire(2, 2, 10, at(0)), [(2, 1), (3, 1)]);
    assert_eq!(
        sp.acknowledge(2, 0, AckType::Accept),
        Err(AckError::InvalidRecordState)
    );
    assert_eq!(
        sp.acknowledge(1, 5, AckType::Accept),
        Err(AckError::InvalidRecordState)
    );
    sp.acknowledge(1, 1, AckType::Accept).unwrap();
    assert_eq!(sp.start, 0, "offset 0 is still acquired");
    sp.acknowledge(1, 0, AckType::Reject).unwrap();
    assert_eq!(
        sp.start, 2,
        "0 archived, 1 acknowledged: the SPSO moves past both"
    );
    sp.acknowledge(2, 2, AckType::Release).unwrap();
    assert_eq!(state(&sp, 2), (RecordState::Available, 1));
    // Released records go out again before new ones.
    assert_eq!(sp.acquire(1, 2, 10, at(10)), [(2, 2), (4, 1)]);
    assert_eq!(
        sp.acknowledge(1, 0, AckType::Accept),
        Ok(()),
        "below the SPSO: nothing to do"
    );
}

/// More members than partitions are all busy: each fetch takes the next
/// records, up to the in-flight limit.
#[test]
fn members_share_a_partition_up_to_the_in_flight_limit() {
    let mut sp = SharePartition::new(
        0,
        Settings {
            max_in_flight: 6,
            ..Settings::default()
        },
    );
    let a = sp.acquire(1, 4, 100, at(0));
    let b = sp.acquire(2, 4, 100, at(0));
    let c = sp.acquire(3, 4, 100, at(0));
    assert_eq!((a.len(), b.len(), c.len()), (4, 2, 0));
    sp.acknowledge(1, 0, AckType::Accept).unwrap();
    assert_eq!(
        sp.acquire(3, 4, 100, at(1)),
        [(6, 1)],
        "one freed lock, one record"
    );
}

/// With a limit above 2, a record on its last attempt is delivered alone,
/// so a poison record cannot take good ones down with it.
#[test]
fn a_record_on_its_last_attempt_goes_alone() {
    let mut sp = partition(0, 3);
    sp.acquire(1, 10, 3, at(0));
    sp.acknowledge(1, 0, AckType::Release).unwrap();
    sp.acknowledge(1, 1, AckType::Accept).unwrap();
    sp.acknowledge(1, 2, AckType::Accept).unwrap();
    assert_eq!(sp.acquire(1, 10, 3, at(1)), [(0, 2)]);
    sp.acknowledge(1, 0, AckType::Release).unwrap();
    // Delivery 3 of 3: alone, and no new record comes with it.
    assert_eq!(sp.acquire(1, 10, 10, at(2)), [(0, 3)]);
    sp.acknowledge(1, 0, AckType::Release).unwrap();
    assert_eq!(sp.start, 3, "archived after its third delivery");
    // Behind another available record, it waits for a fetch of its own.
    sp.acquire(1, 2, 5, at(3));
    sp.acknowledge(1, 4, AckType::Release).unwrap();
    assert_eq!(sp.acquire(1, 1, 5, at(4)), [(4, 2)]);
    sp.acknowledge(1, 4, AckType::Release).unwrap();
    sp.acknowledge(1, 3, AckType::Release).unwrap();
    assert_eq!(
        (state(&sp, 3), state(&sp, 4)),
        ((RecordState::Available, 1), (RecordState::Available, 2))
    );
    assert_eq!(sp.acquire(1, 10, 5, at(5)), [(3, 2)]);
    assert_eq!(sp.acquire(2, 10, 5, at(5)), [(4, 3)]);
}

/// A member that leaves (or whose connection drops) gives back what it
/// held, its delivery counts kept (Kafka 4.2).
#[test]
fn a_member_leaving_gives_its_records_back() {
    let mut sp = partition(0, 5);
    sp.acquire(1, 3, 10, at(0));
    sp.acquire(2, 3, 10, at(0));
    assert_eq!(sp.release_member(1), [0, 1, 2]);
    assert_eq!(state(&sp, 1), (RecordState::Available, 1));
    assert_eq!(
        sp.acquire(2, 5, 10, at(1)),
        [(0, 2), (1, 2), (2, 2), (6, 1), (7, 1)]
    );
}

#[derive(Clone, Debug)]
enum Step {
    Fetch { member: u32, max: u32 },
    Ack { member: u32, pick: usize, ack: u8 },
    Wait(u64),
    Leave(u32),
    Produce(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        ((0u32..4), (1u32..6)).prop_map(|(member, max)| Step::Fetch { member, max }),
        ((0u32..4), any::<usize>(), 0u8..3).prop_map(|(member, pick, ack)| Step::Ack {
            member,
            pick,
            ack
        }),
        (1u64..40_000).prop_map(Step::Wait),
        (0u32..4).prop_map(Step::Leave),
        (1u64..6).prop_map(Step::Produce),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn share_partition_invariants(steps in prop::collection::vec(step(), 1..120), limit in 2u32..6) {
        let mut sp = SharePartition::new(0, Settings { delivery_count_limit: limit, lock_ms: 30_000, max_in_flight: 8 });
        let mut now = 0u64;
        let mut log_end = 0u64;
        // Every delivery of every offset, and what each member holds.
        let mut deliveries: std::collections::BTreeMap<u64, u32> = Default::default();
        let mut held: Vec<(u32, u64)> = Vec::new();
        // Offsets acknowledged or archived, as the acknowledgements and the
        // delivery counts say.
        let mut finished: std::collections::BTreeSet<u64> = Default::default();
        for step in steps {
            match step {
                Step::Fetch { member, max } => {
                    for (offset, count) in sp.acquire(member, max, log_end, SimTime::from_millis(now)) {
                        prop_assert!(!held.iter().any(|&(_, o)| o == offset), "{offset} acquired twice");
                        let n = deliveries.entry(offset).or_default();
                        *n += 1;
                        prop_assert_eq!(*n, count);
                        prop_assert!(count <= limit, "{} delivered {} times", offset, count);
                        held.push((member, offset));
                    }
                }
                Step::Ack { member, pick, ack } => {
                    let mine: Vec<u64> = held.iter().filter(|&&(m, _)| m == member).map(|&(_, o)| o).collect();
                    if !mine.is_empty() {
                        let offset = mine[pick % mine.len()];
                        let ack = [AckType::Accept, AckType::Release, AckType::Reject][ack as usize];
                        prop_assert!(sp.acknowledge(member, offset, ack).is_ok());
                        held.retain(|&(_, o)| o != offset);
                        if ack != AckType::Release || deliveries[&offset] >= limit {
                            finished.insert(offset);
                        }
                    }
                }
                Step::Wait(ms) => {
                    now += ms;
                    for offset in sp.expire_locks(SimTime::from_millis(now)) {
                        held.retain(|&(_, o)| o != offset);
                        if deliveries[&offset] >= limit {
                            finished.insert(offset);
                        }
                    }
                }
                Step::Leave(member) => {
                    for offset in sp.release_member(member) {
                        if deliveries[&offset] >= limit {
                            finished.insert(offset);
                        }
                    }
                    held.retain(|&(m, _)| m != member);
                }
                Step::Produce(n) => log_end += n,
            }
            // What the partition says is acquired is exactly what members hold.
            for i in 0..sp.records.len() as u64 {
                let offset = sp.start + i;
                let r = sp.record(offset).unwrap();
                let holder = held.iter().find(|&&(_, o)| o == offset).map(|&(m, _)| m);
                prop_assert_eq!(r.member, holder);
                prop_assert_eq!(r.state == RecordState::Acquired, holder.is_some());
            }
            // Below the SPSO everything was finished: nobody holds it, and
            // its front record is never a finished one.
            prop_assert!(held.iter().all(|&(_, o)| o >= sp.start));
            for offset in 0..sp.start {
                prop_assert!(finished.contains(&offset), "{} below the SPSO but not finished", offset);
            }
            prop_assert!(sp.records.front().is_none_or(|r| !r.state.is_terminal()));
            prop_assert!(sp.records.len() as u64 <= 8);
        }
    }
}

mod assignor {
    //! `simple`, worked through Kafka 4.3's `SimpleHomogeneousAssignmentBuilder`
    //! (members A, B, C… numbered in that order; topic1's id as in the
    //! coordinator's tests), and over random groups: every partition
    //! someone subscribes to has a member, members share a partition only
    //! when there are more of them than partitions, and every subscriber
    //! has work when there are at least as many partitions as members.
    use mqsim::kafka::consumer_protocol::uuid::Uuid;
    use mqsim::kafka::consumer_protocol::{MemberSpec, TopicMeta};
    use mqsim::kafka::share::assignor::assign;
    use proptest::prelude::*;

    fn topics(counts: &[u32]) -> Vec<TopicMeta> {
        let ids = [
            "T1-A4s3VTwiI5CTbEp6POw",
            "T2-B4s3VTwiI5YHbPp6YUe",
            "T3-CU8fVTLCz5YMkLoDQsa",
        ];
        counts
            .iter()
            .enumerate()
            .map(|(i, &partitions)| TopicMeta {
                id: Uuid::parse(ids[i]).expect("a uuid"),
                name: format!("topic{}", i + 1),
                partitions,
            })
            .collect()
    }

    fn member(id: &str, topics: &[usize], target: &[u32]) -> MemberSpec {
        MemberSpec {
            id: id.into(),
            instance_id: None,
            topics: topics.to_vec(),
            target: if target.is_empty() {
                Vec::new()
            } else {
                vec![(0, target.to_vec())]
            },
        }
    }

    fn partitions(assigned: &[Vec<(usize, u32)>]) -> Vec<Vec<u32>> {
        assigned
            .iter()
            .map(|tps| tps.iter().map(|&(_, p)| p).collect())
            .collect()
    }

    #[test]
    fn simple_shares_only_when_members_outnumber_partitions() {
        let t = topics(&[2]);
        // S1: three members, two partitions: each partition shared by two.
        let s1 = [
            member("A", &[0], &[]),
            member("B", &[0], &[]),
            member("C", &[0], &[]),
        ];
        assert_eq!(partitions(&assign(&s1, &t)), [vec![0, 1], vec![0], vec![1]]);
        let t = topics(&[4]);
        // S2: two members, four partitions: no sharing.
        let s2 = [member("A", &[0], &[]), member("B", &[0], &[])];
        assert_eq!(partitions(&assign(&s2, &t)), [vec![0, 2], vec![1, 3]]);
        // S3: C joins; B gives up one partition (its set's first in
        // Java's hash order) and C takes it.
        let s3 = [
            member("A", &[0], &[0, 2]),
            member("B", &[0], &[1, 3]),
            member("C", &[0], &[]),
        ];
        assert_eq!(partitions(&assign(&s3, &t)), [vec![0, 2], vec![1], vec![3]]);
        let s3b = [
            member("A", &[0], &[0, 1]),
            member("B", &[0], &[2, 3]),
            member("C", &[0], &[]),
        ];
        assert_eq!(
            partitions(&assign(&s3b, &t)),
            [vec![0, 1], vec![3], vec![2]]
        );
        // S4: six members over four partitions: each partition shared by two.
        let s4 = [
            member("A", &[0], &[0, 2]),
            member("B", &[0], &[1, 3]),
            member("C", &[0], &[]),
            member("D", &[0], &[]),
            member("E", &[0], &[]),
            member("F", &[0], &[]),
        ];
        assert_eq!(
            partitions(&assign(&s4, &t)),
            [vec![0, 2], vec![1], vec![0], vec![1, 3], vec![2], vec![3]]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn every_partition_is_read_and_nobody_idles_needlessly(
            counts in prop::collection::vec(1u32..7, 1..=3),
            n in 1usize..9,
            same in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let t = topics(&counts);
            let mut bits = seed;
            let mut coin = || { bits = bits.rotate_left(5) ^ 0x9E37_79B9_7F4A_7C15; bits % 3 > 0 };
            let all: Vec<usize> = (0..counts.len()).collect();
            let members: Vec<MemberSpec> = (0..n)
                .map(|i| MemberSpec {
                    id: format!("member-{i}"),
                    instance_id: None,
                    topics: if same { all.clone() } else { all.iter().copied().filter(|_| coin()).collect() },
                    target: Vec::new(),
                })
                .collect();
            let first = assign(&members, &t);
            // Again, from the first assignment as the previous target.
            let again: Vec<MemberSpec> = members
                .iter()
                .zip(&first)
                .map(|(m, tps)| {
                    let mut m = m.clone();
                    for &(topic, p) in tps {
                        match m.target.iter_mut().find(|(tt, _)| *tt == topic) {
                            Some((_, ps)) => ps.push(p),
                            None => m.target.push((topic, vec![p])),
                        }
                    }
                    m
                })
                .collect();
            for assigned in [first.clone(), assign(&again, &t)] {
                for (topic, &count) in counts.iter().enumerate() {
                    let subscribers: Vec<usize> = (0..n).filter(|&m| members[m].topics.contains(&topic)).collect();
                    for p in 0..count {
                        let readers = subscribers.iter().filter(|&&m| assigned[m].contains(&(topic, p))).count();
                        if !subscribers.is_empty() {
                            prop_assert!(readers >= 1, "topic {} partition {} unread", topic, p);
                            prop_assert!(readers <= subscribers.len().div_ceil(count as usize));
                        }
                    }
                    for (member, tps) in members.iter().zip(&assigned) {
                        if !member.topics.contains(&topic) {
                            prop_assert!(tps.iter().all(|&(tt, _)| tt != topic));
                        }
                    }
                }
                if same {
                    for (m, tps) in assigned.iter().enumerate() {
                        prop_assert!(!tps.is_empty(), "member {} idle", m);
                    }
                }
            }
        }
    }
}
