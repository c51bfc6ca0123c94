//! KIP-848's server-side assignors on tables: cases from the unit tests of
//! Apache Kafka 4's `group-coordinator` module
//! (`UniformHomogeneousAssignmentBuilderTest`, `RangeAssignorTest`), with
//! their topic ids, and examples worked through the same code (each
//! named). Members are `A`, `B`, `C`, `D`, as in those tests.
//!
//! Deliberate mutations of reconciliation, each caught: new partitions
//! handed out while a revocation is pending; partitions another member
//! still owns handed out at once; an unknown owned list counted as
//! revoked; a member waiting to revoke moving on anyway.

use mqsim::kafka::consumer_protocol::uuid::Uuid;
use mqsim::kafka::consumer_protocol::{MemberSpec, ServerAssignor, TopicMeta, assign};

/// The unit tests' topics: topic1 to topic4 with their ids, as many as
/// partition counts are given.
fn topics(partitions: &[u32]) -> Vec<TopicMeta> {
    let ids = [
        "T1-A4s3VTwiI5CTbEp6POw",
        "T2-B4s3VTwiI5YHbPp6YUe",
        "T3-CU8fVTLCz5YMkLoDQsa",
        "T4-Tw9fVTLCz5HbPp6YQsa",
    ];
    (0..partitions.len())
        .map(|i| TopicMeta {
            id: Uuid::parse(ids[i]).expect("a uuid"),
            name: format!("topic{}", i + 1),
            partitions: partitions[i],
        })
        .collect()
}

/// `"t1:0,1 t3:0"` as (topic index, partitions) pairs.
fn parts(text: &str) -> Vec<(usize, Vec<u32>)> {
    text.split_whitespace()
        .map(|topic| {
            let (t, ps) = topic.split_once(':').expect("t:p,p");
            let t: usize = t.trim_start_matches('t').parse::<usize>().expect("topic") - 1;
            (
                t,
                ps.split(',')
                    .map(|p| p.parse().expect("partition"))
                    .collect(),
            )
        })
        .collect()
}

/// A member: its id, the topics it subscribes to (`"t1 t2"`) and its
/// previous target (`"t1:0,1"`).
fn member(id: &str, subscribed: &str, target: &str) -> MemberSpec {
    MemberSpec {
        id: id.to_string(),
        instance_id: None,
        topics: subscribed
            .split_whitespace()
            .map(|t| t.trim_start_matches('t').parse::<usize>().expect("topic") - 1)
            .collect(),
        target: parts(target),
    }
}

/// A table row: the case, the members, the partitions of topic1..3, and
/// each member's expected assignment.
type Case = (&'static str, Vec<MemberSpec>, [u32; 3], Vec<&'static str>);

/// The assignment in the tables' notation, one string per member.
fn run(assignor: ServerAssignor, members: &[MemberSpec], counts: &[u32]) -> Vec<String> {
    let assigned = assign(assignor, members, &topics(counts)).expect("assigned");
    assigned
        .iter()
        .map(|tps| {
            let mut said: Vec<String> = Vec::new();
            for t in 0..counts.len() {
                let ps: Vec<String> = tps
                    .iter()
                    .filter(|(tt, _)| *tt == t)
                    .map(|(_, p)| p.to_string())
                    .collect();
                if !ps.is_empty() {
                    said.push(format!("t{}:{}", t + 1, ps.join(",")));
                }
            }
            said.join(" ")
        })
        .collect()
}

#[test]
fn uniform_spreads_evenly_and_keeps_what_members_had() {
    use ServerAssignor::Uniform;
    // (case, members, partitions of topic1..3, expected per member)
    let cases: Vec<Case> = vec![
        (
            "testFirstAssignmentTwoMembersTwoTopicsNoMemberRacks",
            vec![member("A", "t1 t3", ""), member("B", "t1 t3", "")],
            [3, 0, 2],
            vec!["t3:0,1", "t1:0,1,2"],
        ),
        (
            "testFirstAssignmentNumMembersGreaterThanTotalNumPartitions",
            vec![
                member("A", "t3", ""),
                member("B", "t3", ""),
                member("C", "t3", ""),
            ],
            [0, 0, 2],
            vec!["", "t3:0", "t3:1"],
        ),
        (
            // The unit test builds the previous target as a LinkedHashMap
            // (topic1 first) and expects A = t1:0,1 t2:0. The coordinator
            // keeps it in a HashMap, which visits topic2 first, so A keeps
            // all of topic2 and gives up t1:1: as balanced, and what a
            // broker does.
            "testReassignmentForTwoMembersTwoTopicsGivenUnbalancedPrevAssignment, in the coordinator's map order",
            vec![
                member("A", "t1 t2", "t1:0,1 t2:0,1"),
                member("B", "t1 t2", "t1:2 t2:2"),
            ],
            [3, 3, 0],
            vec!["t1:0 t2:0,1", "t1:1,2 t2:2"],
        ),
        (
            "testReassignmentWhenPartitionsAreAddedForTwoMembersTwoTopics",
            vec![
                member("A", "t1 t2", "t1:0,2 t2:0"),
                member("B", "t1 t2", "t1:1 t2:1,2"),
            ],
            [6, 5, 0],
            vec!["t1:0,2 t2:0,3,4", "t1:1,3,4,5 t2:1,2"],
        ),
        (
            "testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersTwoTopics",
            vec![
                member("A", "t1 t2", "t1:0 t2:0"),
                member("B", "t1 t2", "t1:1 t2:1"),
            ],
            [3, 3, 0],
            vec!["t1:0 t2:0,2", "t1:1,2 t2:1"],
        ),
        (
            "first assignment: topic2 is visited before topic1 (their ids' hash codes)",
            vec![
                member("A", "t1 t2", ""),
                member("B", "t1 t2", ""),
                member("C", "t1 t2", ""),
            ],
            [3, 3, 0],
            vec!["t2:0,1", "t1:0 t2:2", "t1:1,2"],
        ),
        (
            "D joins: only C gives up a partition",
            vec![
                member("A", "t1 t2", "t2:0,1"),
                member("B", "t1 t2", "t1:0 t2:2"),
                member("C", "t1 t2", "t1:1,2"),
                member("D", "t1 t2", ""),
            ],
            [3, 3, 0],
            vec!["t2:0,1", "t1:0 t2:2", "t1:1", "t1:2"],
        ),
        (
            "B leaves: its partitions go to the members short of their quota",
            vec![
                member("A", "t1 t2", "t2:0,1"),
                member("C", "t1 t2", "t1:1,2"),
            ],
            [3, 3, 0],
            vec!["t2:0,1,2", "t1:0,1,2"],
        ),
        (
            "seven partitions over three: the member already holding three keeps them (KAFKA-18688)",
            vec![
                member("A", "t1", "t1:0,1"),
                member("B", "t1", "t1:2,3"),
                member("C", "t1", "t1:4,5,6"),
            ],
            [7, 0, 0],
            vec!["t1:0,1", "t1:2,3", "t1:4,5,6"],
        ),
        (
            "then C leaves: the spare slot goes to the last member",
            vec![member("A", "t1", "t1:0,1"), member("B", "t1", "t1:2,3")],
            [7, 0, 0],
            vec!["t1:0,1,4", "t1:2,3,5,6"],
        ),
    ];
    for (case, members, counts, expected) in cases {
        assert_eq!(run(Uniform, &members, &counts), expected, "{case}");
    }
}

/// `UniformHeterogeneousAssignmentBuilderTest`'s cases, whose members
/// subscribe to different topics (its members sit in a `TreeMap`, A before
/// B before C, as the coordinator's `HashMap` of ids `A`, `B`, `C` orders
/// them too).
#[test]
fn uniform_balances_members_with_different_subscriptions() {
    type Row = (&'static str, Vec<MemberSpec>, Vec<u32>, Vec<&'static str>);
    let cases: Vec<Row> = vec![
        (
            "testFirstAssignmentTwoMembersTwoTopics",
            vec![member("A", "t1 t3", ""), member("B", "t3", "")],
            vec![3, 0, 6],
            vec!["t1:0,1,2 t3:4", "t3:0,1,2,3,5"],
        ),
        (
            "testFirstAssignmentNumMembersGreaterThanTotalNumPartitions",
            vec![
                member("A", "t3", ""),
                member("B", "t3", ""),
                member("C", "t1", ""),
            ],
            vec![2, 0, 1],
            vec!["t3:0", "", "t1:0,1"],
        ),
        (
            "testReassignmentForTwoMembersThreeTopicsGivenUnbalancedPrevAssignment",
            vec![
                member("A", "t1", "t1:0,1,2"),
                member("B", "t1 t2", "t1:3 t2:0"),
                member("C", "t1 t2 t3", "t1:4,5 t2:1,2,3 t3:0,1,2,3"),
            ],
            vec![6, 4, 4],
            vec!["t1:0,1,2,5", "t1:3 t2:0,1,2,3", "t1:4 t3:0,1,2,3"],
        ),
        (
            "testReassignmentWhenPartitionsAreAddedForTwoMembers",
            vec![
                member("A", "t1 t3", "t1:0,1,2,3 t3:0,1"),
                member("B", "t1 t2 t3 t4", "t2:0,1,2 t4:0,1,2"),
            ],
            vec![6, 5, 3, 3],
            vec!["t1:0,1,2,3,4,5 t3:0,1,2", "t2:0,1,2,3,4 t4:0,1,2"],
        ),
        (
            "testReassignmentWhenOneMemberAddedAndPartitionsAddedTwoMembersTwoTopics",
            vec![
                member("A", "t1", "t1:0,2 t2:0"),
                member("B", "t1 t2", "t1:1 t2:1,2"),
                member("C", "t1 t2", ""),
            ],
            vec![6, 7],
            vec!["t1:0,2,3,4,5", "t1:1 t2:1,2,6", "t2:0,3,4,5"],
        ),
        (
            "testReassignmentWhenOneMemberRemovedAfterInitialAssignmentWithThreeMembersThreeTopics",
            vec![
                member("A", "t1 t3", "t1:0,1,2 t3:0,1"),
                member("B", "t2", "t2:3,4,5,6"),
            ],
            vec![3, 8, 3],
            vec!["t1:0,1,2 t3:0,1,2", "t2:0,1,2,3,4,5,6,7"],
        ),
        (
            "testReassignmentWhenOneSubscriptionRemovedAfterInitialAssignmentWithTwoMembersTwoTopics",
            vec![
                member("A", "t1", "t1:0,2 t2:1,3"),
                member("B", "t1 t2", "t1:1 t2:0,2,4"),
            ],
            vec![3, 5],
            vec!["t1:0,1,2", "t2:0,1,2,3,4"],
        ),
        (
            "testFirstAssignmentWithTwoMembersIncludingOneWithoutSubscriptions",
            vec![member("A", "t1", ""), member("B", "", "")],
            vec![3],
            vec!["t1:0,1,2", ""],
        ),
        (
            "H1, worked through the code: topic1 (2 per subscriber) first",
            vec![
                member("A", "t1", ""),
                member("B", "t1 t2", ""),
                member("C", "t2", ""),
            ],
            vec![4, 2],
            vec!["t1:0,2", "t1:1,3", "t2:0,1"],
        ),
    ];
    for (case, members, counts, expected) in cases {
        assert_eq!(
            run(ServerAssignor::Uniform, &members, &counts),
            expected,
            "{case}"
        );
    }
}

#[test]
fn range_gives_each_subscriber_a_contiguous_range() {
    use ServerAssignor::Range;
    let cases: Vec<Case> = vec![
        (
            "testFirstAssignmentTwoMembersTwoTopicsSameSubscriptions",
            vec![member("A", "t1 t3", ""), member("B", "t1 t3", "")],
            [3, 0, 2],
            vec!["t1:0,1 t3:0", "t1:2 t3:1"],
        ),
        (
            "testFirstAssignmentThreeMembersThreeTopicsDifferentSubscriptions",
            vec![
                member("A", "t1 t2", ""),
                member("B", "t3", ""),
                member("C", "t2 t3", ""),
            ],
            [3, 3, 2],
            vec!["t1:0,1,2 t2:0,1", "t3:0", "t2:2 t3:1"],
        ),
        (
            "testFirstAssignmentNumMembersGreaterThanNumPartitions",
            vec![
                member("A", "t1 t3", ""),
                member("B", "t1 t3", ""),
                member("C", "t1 t3", ""),
            ],
            [3, 0, 2],
            vec!["t1:0 t3:0", "t1:1 t3:1", "t1:2"],
        ),
        (
            "testReassignmentWhenOneMemberAddedAndOnePartitionAfterInitialAssignmentWithTwoMembersTwoTopics",
            vec![
                member("A", "t1 t2", "t1:0,1 t2:0,1"),
                member("B", "t1 t2", "t1:2,3 t2:2"),
                member("C", "t1", ""),
            ],
            [4, 3, 0],
            vec!["t1:0,1 t2:0,1", "t1:2 t2:2", "t1:3"],
        ),
        (
            "heterogeneous: totals are not balanced across members",
            vec![
                member("A", "t1", ""),
                member("B", "t1 t2", ""),
                member("C", "t2", ""),
            ],
            [3, 3, 0],
            vec!["t1:0,1", "t1:2 t2:0,1", "t2:2"],
        ),
        (
            "members given in any order are sorted by member id",
            vec![
                member("C", "t1 t2", ""),
                member("A", "t1 t2", ""),
                member("B", "t1 t2", ""),
            ],
            [5, 3, 0],
            vec!["t1:4 t2:2", "t1:0,1 t2:0", "t1:2,3 t2:1"],
        ),
    ];
    for (case, members, counts, expected) in cases {
        assert_eq!(run(Range, &members, &counts), expected, "{case}");
    }
}

/// `testStaticMembership`: a static member that comes back under a new
/// member id keeps its partitions, since members sort by instance id.
#[test]
fn range_sorts_static_members_by_instance_id() {
    let mut members = vec![member("Z", "t1", ""), member("Y", "t1", "")];
    members[0].instance_id = Some("instance-a".into());
    members[1].instance_id = Some("instance-b".into());
    assert_eq!(
        run(ServerAssignor::Range, &members, &[4, 0, 0]),
        ["t1:0,1", "t1:2,3"]
    );
}

mod reconciliation {
    //! `CurrentAssignmentBuilderTest`'s cases: a member at epoch 10 owning
    //! partitions 1–3 of topic1 and 4–6 of topic2 (here topics 0 and 1).
    use MemberState::*;
    use mqsim::kafka::consumer_protocol::reconcile::{Current, MemberState, Tp, reconcile};

    fn tps(t1: &[u32], t2: &[u32]) -> Vec<Tp> {
        t1.iter()
            .map(|&p| (0, p))
            .chain(t2.iter().map(|&p| (1, p)))
            .collect()
    }

    fn stable() -> Current {
        Current {
            epoch: 10,
            state: Stable,
            assigned: tps(&[1, 2, 3], &[4, 5, 6]),
            pending_revocation: Vec::new(),
        }
    }

    fn unrevoked() -> Current {
        Current {
            epoch: 10,
            state: UnrevokedPartitions,
            assigned: tps(&[2, 3], &[5, 6]),
            pending_revocation: tps(&[1], &[4]),
        }
    }

    /// Partitions owned by some member at epoch 10.
    fn owned_by_others(held: Vec<Tp>) -> impl Fn(Tp) -> Option<u32> {
        move |tp| held.contains(&tp).then_some(10)
    }

    #[test]
    fn stable_to_stable() {
        let mine = tps(&[1, 2, 3], &[4, 5, 6]);
        let next = reconcile(&stable(), 11, &mine, owned_by_others(mine.clone()), None);
        assert_eq!((next.state, next.epoch, next.assigned), (Stable, 11, mine));
    }

    #[test]
    fn stable_to_stable_with_new_partitions() {
        let target = tps(&[1, 2, 3, 4], &[4, 5, 6, 7]);
        let next = reconcile(&stable(), 11, &target, |_| None, None);
        assert_eq!(
            (next.state, next.epoch, next.assigned),
            (Stable, 11, target)
        );
    }

    #[test]
    fn stable_to_unrevoked_partitions() {
        let target = tps(&[2, 3, 4], &[5, 6, 7]);
        let next = reconcile(&stable(), 11, &target, |_| None, None);
        assert_eq!(
            next,
            unrevoked(),
            "nothing new while a revocation is pending"
        );
    }

    #[test]
    fn stable_to_unreleased_partitions() {
        let target = tps(&[1, 2, 3, 4], &[4, 5, 6, 7]);
        let others = owned_by_others(tps(&[4], &[7]));
        let next = reconcile(&stable(), 11, &target, others, None);
        assert_eq!(
            (next.state, next.epoch, next.assigned),
            (UnreleasedPartitions, 11, tps(&[1, 2, 3], &[4, 5, 6]))
        );
    }

    /// Partitions the member says it no longer owns count as revoked.
    #[test]
    fn stable_to_unreleased_when_the_revoked_ones_are_not_owned() {
        let target = tps(&[1, 2, 3], &[4, 5, 7]);
        let others = owned_by_others(tps(&[], &[7]));
        let next = reconcile(&stable(), 11, &target, others, Some(&[]));
        assert_eq!(
            (next.state, next.epoch, next.assigned),
            (UnreleasedPartitions, 11, tps(&[1, 2, 3], &[4, 5]))
        );
    }

    #[test]
    fn unrevoked_partitions_to_stable() {
        let target = tps(&[2, 3], &[5, 6]);
        let owned = tps(&[2, 3], &[5, 6]);
        let next = reconcile(&unrevoked(), 11, &target, |_| None, Some(&owned));
        assert_eq!(
            (next.state, next.epoch, next.assigned),
            (Stable, 11, target)
        );
        assert!(next.pending_revocation.is_empty());
    }

    #[test]
    fn remains_in_unrevoked_partitions_until_they_are_given_up() {
        let target = tps(&[3], &[6]);
        let member = unrevoked();
        assert_eq!(reconcile(&member, 12, &target, |_| None, None), member);
        let still = tps(&[1, 2, 3], &[5, 6]);
        assert_eq!(
            reconcile(&member, 12, &target, |_| None, Some(&still)),
            member
        );
    }

    /// Once the partition's owner has released it, the waiting member gets
    /// it on its next heartbeat.
    #[test]
    fn unreleased_partitions_to_stable() {
        let member = Current {
            epoch: 11,
            state: UnreleasedPartitions,
            assigned: tps(&[1, 2, 3], &[4, 5, 6]),
            pending_revocation: Vec::new(),
        };
        let target = tps(&[1, 2, 3, 4], &[4, 5, 6]);
        let waiting = reconcile(&member, 11, &target, owned_by_others(tps(&[4], &[])), None);
        assert_eq!(waiting.state, UnreleasedPartitions);
        let released = reconcile(&member, 11, &target, |_| None, None);
        assert_eq!((released.state, released.assigned), (Stable, target));
    }
}

mod properties {
    //! Over random groups: every partition of a topic someone subscribes
    //! to goes to exactly one of its subscribers, and nothing else is
    //! given out; with every member on the same topics, `uniform` leaves
    //! no two members more than one partition apart, and `range` gives
    //! each topic's subscribers counts at most one apart.
    use super::topics;
    use mqsim::kafka::consumer_protocol::{MemberSpec, ServerAssignor, assign};
    use proptest::prelude::*;

    /// Up to 6 members over up to 4 topics; each member's previous target
    /// is a slice of a valid earlier assignment (or nothing).
    fn group() -> impl Strategy<Value = (Vec<u32>, Vec<MemberSpec>, bool)> {
        (
            prop::collection::vec(1u32..9, 1..=4),
            1usize..=6,
            any::<bool>(),
            any::<u64>(),
        )
            .prop_map(|(counts, n, same, seed)| {
                let mut bits = seed;
                let mut next = |m: u64| {
                    bits = bits.rotate_left(7) ^ 0x9E37_79B9_7F4A_7C15;
                    bits % m
                };
                let all: Vec<usize> = (0..counts.len()).collect();
                let members: Vec<MemberSpec> = (0..n)
                    .map(|i| MemberSpec {
                        id: format!("member-{i}"),
                        instance_id: None,
                        topics: if same {
                            all.clone()
                        } else {
                            all.iter().copied().filter(|_| next(3) > 0).collect()
                        },
                        target: Vec::new(),
                    })
                    .collect();
                (counts, members, same)
            })
    }

    fn check(assignor: ServerAssignor, counts: &[u32], members: &[MemberSpec], same: bool) {
        let topics = topics(counts);
        let assigned = assign(assignor, members, &topics).expect("assigned");
        for (t, topic) in topics.iter().enumerate() {
            let readers = members.iter().any(|m| m.topics.contains(&t));
            for p in 0..topic.partitions {
                let owners: Vec<usize> = (0..members.len())
                    .filter(|&m| assigned[m].contains(&(t, p)))
                    .collect();
                if readers {
                    assert_eq!(owners.len(), 1, "{t}:{p} owned by {owners:?}");
                    assert!(members[owners[0]].topics.contains(&t), "not a subscriber");
                } else {
                    assert!(owners.is_empty());
                }
            }
        }
        if same && assignor == ServerAssignor::Uniform {
            let sizes: Vec<usize> = assigned.iter().map(Vec::len).collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "{sizes:?}");
        }
        if assignor == ServerAssignor::Range {
            for t in 0..topics.len() {
                let counts: Vec<usize> = (0..members.len())
                    .filter(|&m| members[m].topics.contains(&t))
                    .map(|m| assigned[m].iter().filter(|(tt, _)| *tt == t).count())
                    .collect();
                if let (Some(min), Some(max)) = (counts.iter().min(), counts.iter().max()) {
                    assert!(max - min <= 1, "topic {t}: {counts:?}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// A first assignment, then another after the first's targets are
        /// kept and one member leaves: both valid.
        #[test]
        fn assignments_are_valid_and_balanced((counts, members, same) in group()) {
            for assignor in [ServerAssignor::Uniform, ServerAssignor::Range] {
                check(assignor, &counts, &members, same);
                let first = assign(assignor, &members, &topics(&counts)).expect("assigned");
                let mut next: Vec<MemberSpec> = members
                    .iter()
                    .zip(&first)
                    .map(|(m, tps)| {
                        let mut m = m.clone();
                        for &(t, p) in tps {
                            match m.target.iter_mut().find(|(tt, _)| *tt == t) {
                                Some((_, ps)) => ps.push(p),
                                None => m.target.push((t, vec![p])),
                            }
                        }
                        m
                    })
                    .collect();
                next.pop();
                if !next.is_empty() {
                    check(assignor, &counts, &next, same);
                }
            }
        }
    }
}

mod coordinator {
    //! The coordinator driven heartbeat by heartbeat: member D joining a
    //! stable group of A, B and C over topic1 and topic2 (3 partitions
    //! each, `uniform`), step by step as `consumerGroupHeartbeat` takes
    //! it, and random
    //! heartbeat orders that never let two members own one partition.
    use super::topics;
    use mqsim::kafka::consumer_protocol::ServerAssignor;
    use mqsim::kafka::consumer_protocol::coordinator::{Group, Heartbeat, HeartbeatError};
    use mqsim::kafka::consumer_protocol::reconcile::{MemberState, Tp};
    use mqsim::kafka::group::GroupState;
    use mqsim::time::SimTime;
    use proptest::prelude::*;

    fn at(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    /// A member's heartbeat at its current epoch, saying what it owns.
    fn beat(group: &Group, id: &str) -> Heartbeat {
        let member = group.members.iter().find(|m| m.id == id).expect("a member");
        Heartbeat {
            member: id.to_string(),
            epoch: i64::from(member.current.epoch),
            topics: None,
            owned: Some(member.current.assigned.clone()),
        }
    }

    fn join(id: &str) -> Heartbeat {
        Heartbeat {
            member: id.to_string(),
            epoch: 0,
            topics: Some(vec![0, 1]),
            owned: Some(Vec::new()),
        }
    }

    fn state(group: &Group, id: &str) -> (MemberState, u32, Vec<Tp>) {
        let m = group.members.iter().find(|m| m.id == id).expect("a member");
        (m.current.state, m.current.epoch, m.current.assigned.clone())
    }

    /// No partition is owned (assigned or still to revoke) by two members.
    fn exclusive(group: &Group) {
        let mut seen: Vec<Tp> = Vec::new();
        for m in &group.members {
            for tp in m
                .current
                .assigned
                .iter()
                .chain(&m.current.pending_revocation)
            {
                assert!(!seen.contains(tp), "{tp:?} owned twice: {group:?}");
                seen.push(*tp);
            }
        }
    }

    #[test]
    fn d_joins_a_stable_group_one_heartbeat_at_a_time() {
        let topics = topics(&[3, 3]);
        let mut g = Group::new(ServerAssignor::Uniform);
        assert_eq!(g.state(), GroupState::Empty);
        // A, B and C join one after another and heartbeat until stable,
        // at epoch 3. uniform is sticky: A alone had all six; with B, A
        // kept topic2 (visited first) and B took topic1; with C, each gave
        // up its last partition of a topic and C took them.
        for (i, id) in ["A", "B", "C"].iter().enumerate() {
            g.heartbeat(&join(id), &topics, at(i as u64));
        }
        for round in 0..4 {
            for id in ["A", "B", "C"] {
                let hb = beat(&g, id);
                g.heartbeat(&hb, &topics, at(100 + round));
                exclusive(&g);
            }
        }
        let (t1, t2) = (0, 1);
        assert_eq!((g.epoch, g.assignment_epoch), (3, 3));
        assert_eq!(g.state(), GroupState::Stable);
        assert_eq!(
            state(&g, "A"),
            (MemberState::Stable, 3, vec![(t2, 0), (t2, 1)])
        );
        assert_eq!(
            state(&g, "B"),
            (MemberState::Stable, 3, vec![(t1, 0), (t1, 1)])
        );
        assert_eq!(
            state(&g, "C"),
            (MemberState::Stable, 3, vec![(t1, 2), (t2, 2)])
        );

        // 1. D joins: epoch 4; C keeps t2:2 and gives up t1:2, which is
        // D's target, so D waits for it.
        let r = g.heartbeat(&join("D"), &topics, at(1_000));
        assert_eq!((r.epoch, r.assignment), (4, Some(vec![])));
        assert_eq!(
            state(&g, "D"),
            (MemberState::UnreleasedPartitions, 4, vec![])
        );
        // Kafka's state for it: members still to reach the target.
        assert_eq!(g.state(), GroupState::Reconciling);
        // 2. C, not saying what it owns: it must revoke t1:2 first and
        // stays at epoch 3; its assignment comes without it.
        let hb = Heartbeat {
            owned: None,
            ..beat(&g, "C")
        };
        let r = g.heartbeat(&hb, &topics, at(1_100));
        assert_eq!((r.epoch, r.assignment), (3, Some(vec![(t2, 2)])));
        assert_eq!(g.members[2].current.state, MemberState::UnrevokedPartitions);
        exclusive(&g);
        // 3. C, having revoked it: epoch 4; t1:2 is free.
        let r = g.heartbeat(&beat(&g, "C"), &topics, at(1_200));
        assert_eq!((r.epoch, r.assignment), (4, None));
        assert_eq!(g.owner_epoch((t1, 2)), None);
        // 4, 5. A and B move to epoch 4 unchanged.
        for id in ["A", "B"] {
            let r = g.heartbeat(&beat(&g, id), &topics, at(1_300));
            assert_eq!((r.epoch, r.assignment), (4, None));
        }
        // 6. D's next heartbeat: t1:2 is its own.
        let r = g.heartbeat(&beat(&g, "D"), &topics, at(6_000));
        assert_eq!((r.epoch, r.assignment), (4, Some(vec![(t1, 2)])));
        assert_eq!(state(&g, "D"), (MemberState::Stable, 4, vec![(t1, 2)]));
        assert_eq!(g.state(), GroupState::Stable);
        exclusive(&g);
    }

    #[test]
    fn a_silent_member_is_fenced_and_a_stale_epoch_refused() {
        let topics = topics(&[3, 3]);
        let mut g = Group::new(ServerAssignor::Uniform);
        g.heartbeat(&join("A"), &topics, at(0));
        g.heartbeat(&join("B"), &topics, at(0));
        for _ in 0..3 {
            for id in ["A", "B"] {
                let hb = beat(&g, id);
                g.heartbeat(&hb, &topics, at(4_000));
            }
        }
        let epoch = g.epoch;
        // B stops heartbeating; 45 s after its last, it is fenced.
        let hb = beat(&g, "A");
        g.heartbeat(&hb, &topics, at(40_000));
        assert!(g.expire(at(48_999)).is_empty());
        assert_eq!(g.expire(at(49_000)), ["B"]);
        assert_eq!(g.epoch, epoch + 1);
        // The group epoch is ahead of the target's until the next heartbeat.
        assert_eq!(g.state(), GroupState::Assigning);
        // Its heartbeat is refused: it must rejoin.
        let stale = Heartbeat {
            member: "B".into(),
            epoch: i64::from(epoch),
            topics: None,
            owned: None,
        };
        let r = g.heartbeat(&stale, &topics, at(49_100));
        assert_eq!(r.error, Some(HeartbeatError::UnknownMemberId));
        // A takes everything on its next heartbeat.
        let hb = beat(&g, "A");
        g.heartbeat(&hb, &topics, at(49_200));
        assert_eq!(g.members[0].current.assigned.len(), 6);
        let ahead = Heartbeat {
            epoch: 99,
            ..beat(&g, "A")
        };
        let r = g.heartbeat(&ahead, &topics, at(49_300));
        assert_eq!(r.error, Some(HeartbeatError::FencedMemberEpoch));
    }

    #[derive(Clone, Debug)]
    enum Step {
        Join(usize),
        Beat(usize, bool),
        Leave(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..5).prop_map(Step::Join),
            ((0usize..5), any::<bool>()).prop_map(|(m, say)| Step::Beat(m, say)),
            (0usize..5).prop_map(Step::Leave),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Whatever order members join, heartbeat (saying what they own or
        /// not) and leave in: no partition is ever owned by two members, a
        /// partition is only given to a member once nobody else owns it,
        /// and a member's epoch never passes the group's.
        #[test]
        fn no_partition_is_ever_owned_twice(steps in prop::collection::vec(step(), 1..80),
                                            counts in (1u32..6, 1u32..6),
                                            range in any::<bool>()) {
            let topics = topics(&[counts.0, counts.1]);
            let assignor = if range { ServerAssignor::Range } else { ServerAssignor::Uniform };
            let mut g = Group::new(assignor);
            for (i, step) in steps.iter().enumerate() {
                let now = at(i as u64 * 100);
                let before = g.clone();
                match step {
                    Step::Join(m) => {
                        let id = format!("m{m}");
                        if g.members.iter().all(|x| x.id != id) {
                            g.heartbeat(&join(&id), &topics, now);
                        }
                    }
                    Step::Beat(m, say) => {
                        let id = format!("m{m}");
                        if g.members.iter().any(|x| x.id == id) {
                            let mut hb = beat(&g, &id);
                            if !say {
                                hb.owned = None;
                            }
                            g.heartbeat(&hb, &topics, now);
                        }
                    }
                    Step::Leave(m) => {
                        g.fence(&format!("m{m}"));
                    }
                }
                exclusive(&g);
                for m in &g.members {
                    prop_assert!(m.current.epoch <= g.epoch);
                    let had = before.members.iter().find(|b| b.id == m.id);
                    for tp in &m.current.assigned {
                        let new = had.is_none_or(|b| !b.current.assigned.contains(tp));
                        if new {
                            let elsewhere = before.members.iter().any(|b| {
                                b.id != m.id
                                    && (b.current.assigned.contains(tp)
                                        || b.current.pending_revocation.contains(tp))
                            });
                            prop_assert!(!elsewhere, "{tp:?} given to {} while another owned it", m.id);
                        }
                    }
                }
            }
        }
    }
}
