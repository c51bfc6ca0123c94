//! Assignor tests. Each example cites the Kafka document or source it checks.

use super::*;

/// A small group description: topics by name and size, members by id and
/// subscriptions, plus what they owned in the previous generation.
/// One member of a test case: id, subscribed topics, owned (topic,
/// partition) pairs and the generation they come from.
struct CaseMember {
    id: &'static str,
    topics: Vec<&'static str>,
    owned: Vec<(&'static str, u32)>,
    generation: Option<i32>,
}

struct Case {
    topics: Vec<(&'static str, u32)>,
    members: Vec<CaseMember>,
}

impl Case {
    fn new(topics: &[(&'static str, u32)]) -> Case {
        Case {
            topics: topics.to_vec(),
            members: Vec::new(),
        }
    }

    fn member(mut self, id: &'static str, topics: &[&'static str]) -> Case {
        self.members.push(CaseMember {
            id,
            topics: topics.to_vec(),
            owned: Vec::new(),
            generation: None,
        });
        self
    }

    fn owning(
        mut self,
        id: &'static str,
        topics: &[&'static str],
        owned: &[(&'static str, u32)],
        generation: i32,
    ) -> Case {
        self.members.push(CaseMember {
            id,
            topics: topics.to_vec(),
            owned: owned.to_vec(),
            generation: Some(generation),
        });
        self
    }

    fn topic_id(&self, name: &str) -> TopicId {
        TopicId(
            self.topics
                .iter()
                .position(|(n, _)| *n == name)
                .expect("known topic") as u32,
        )
    }

    /// Runs `strategy` and renders each member's partitions as "t0p1"-style names.
    fn run(&self, strategy: Strategy) -> (Vec<(String, Vec<String>)>, Vec<String>) {
        let topics: Vec<Topic> = self
            .topics
            .iter()
            .map(|&(name, partitions)| Topic { name, partitions })
            .collect();
        let subscriptions: Vec<Vec<TopicId>> = self
            .members
            .iter()
            .map(|m| m.topics.iter().map(|t| self.topic_id(t)).collect())
            .collect();
        let owned: Vec<Vec<TopicPartition>> = self
            .members
            .iter()
            .map(|m| {
                m.owned
                    .iter()
                    .map(|&(t, partition)| TopicPartition {
                        topic: self.topic_id(t),
                        partition,
                    })
                    .collect()
            })
            .collect();
        let members: Vec<Member> = self
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| Member {
                id: m.id,
                topics: &subscriptions[i],
                owned: &owned[i],
                generation: m.generation,
            })
            .collect();
        let result = assign(strategy, &topics, &members);
        let name =
            |tp: &TopicPartition| format!("{}p{}", self.topics[tp.topic.index()].0, tp.partition);
        let per_member = self
            .members
            .iter()
            .zip(&result.partitions)
            .map(|(m, tps)| (m.id.to_string(), tps.iter().map(name).collect()))
            .collect();
        (per_member, result.withheld.iter().map(name).collect())
    }

    fn assigned(&self, strategy: Strategy) -> Vec<(String, Vec<String>)> {
        self.run(strategy).0
    }
}

fn expect(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    pairs
        .iter()
        .map(|(id, tps)| (id.to_string(), tps.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// `RangeAssignor` javadoc: two consumers C0 and C1 subscribed to t0 and t1,
/// three partitions each: "C0: [t0p0, t0p1, t1p0, t1p1], C1: [t0p2, t1p2]".
#[test]
fn range_matches_its_javadoc_example() {
    let case = Case::new(&[("t0", 3), ("t1", 3)])
        .member("C1", &["t0", "t1"])
        .member("C0", &["t0", "t1"]);
    assert_eq!(
        case.assigned(Strategy::Range),
        expect(&[
            ("C1", &["t0p2", "t1p2"]),
            ("C0", &["t0p0", "t0p1", "t1p0", "t1p1"])
        ])
    );
}

/// `RoundRobinAssignor` javadoc, equal subscriptions: "C0: [t0p0, t0p2, t1p1],
/// C1: [t0p1, t1p0, t1p2]".
#[test]
fn roundrobin_matches_its_javadoc_example_with_equal_subscriptions() {
    let case = Case::new(&[("t0", 3), ("t1", 3)])
        .member("C0", &["t0", "t1"])
        .member("C1", &["t0", "t1"]);
    assert_eq!(
        case.assigned(Strategy::RoundRobin),
        expect(&[
            ("C0", &["t0p0", "t0p2", "t1p1"]),
            ("C1", &["t0p1", "t1p0", "t1p2"])
        ])
    );
}

/// `RoundRobinAssignor` javadoc, differing subscriptions: t0, t1, t2 with 1,
/// 2 and 3 partitions; C0 reads t0, C1 t0 and t1, C2 all three: "C0: [t0p0],
/// C1: [t1p0], C2: [t1p1, t2p0, t2p1, t2p2]".
#[test]
fn roundrobin_matches_its_javadoc_example_with_differing_subscriptions() {
    let case = Case::new(&[("t0", 1), ("t1", 2), ("t2", 3)])
        .member("C0", &["t0"])
        .member("C1", &["t0", "t1"])
        .member("C2", &["t0", "t1", "t2"]);
    assert_eq!(
        case.assigned(Strategy::RoundRobin),
        expect(&[
            ("C0", &["t0p0"]),
            ("C1", &["t1p0"]),
            ("C2", &["t1p1", "t2p0", "t2p1", "t2p2"])
        ])
    );
}

/// `StickyAssignor` javadoc: three consumers, four topics of two partitions:
/// "C0: [t0p0, t1p1, t3p0], C1: [t0p1, t2p0, t3p1], C2: [t1p0, t2p1]".
#[test]
fn sticky_matches_its_javadoc_example_for_a_new_group() {
    let all = ["t0", "t1", "t2", "t3"];
    let case = Case::new(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)])
        .member("C0", &all)
        .member("C1", &all)
        .member("C2", &all);
    let expected = expect(&[
        ("C0", &["t0p0", "t1p1", "t3p0"]),
        ("C1", &["t0p1", "t2p0", "t3p1"]),
        ("C2", &["t1p0", "t2p1"]),
    ]);
    assert_eq!(case.assigned(Strategy::Sticky), expected);
    assert_eq!(case.assigned(Strategy::CooperativeSticky), expected);
}

/// After C1 of the previous example leaves, C0 and C2 keep all they owned and
/// share C1's partitions, which `ConstrainedAssignmentBuilder` deals round
/// robin in member-id order from the sorted unassigned set (t0p1, t2p0,
/// t3p1). The javadoc's own second example predates the constrained
/// algorithm (Kafka 2.8) and moves other partitions; this follows the code.
#[test]
fn sticky_keeps_owned_partitions_when_a_member_leaves() {
    let all = ["t0", "t1", "t2", "t3"];
    let case = Case::new(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)])
        .owning("C0", &all, &[("t0", 0), ("t1", 1), ("t3", 0)], 1)
        .owning("C2", &all, &[("t1", 0), ("t2", 1)], 1);
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[
            ("C0", &["t0p0", "t0p1", "t1p1", "t3p0"]),
            ("C2", &["t1p0", "t2p0", "t2p1", "t3p1"])
        ])
    );
}

/// Which members may keep `maxQuota` partitions is decided in
/// `java.util.HashMap` order. Four partitions for three members: only one
/// member may keep two. "p" (hash 112, bucket 0) comes before "o" (hash
/// 111, bucket 15), though "o" sorts first, so "p" keeps both of its
/// partitions, "o" is cut to one, and "q" gets the partition "o" gave up.
#[test]
fn sticky_grants_max_quota_in_java_hash_map_order() {
    let case = Case::new(&[("t", 4)])
        .owning("o", &["t"], &[("t", 0), ("t", 1)], 1)
        .owning("p", &["t"], &[("t", 2), ("t", 3)], 1)
        .member("q", &["t"]);
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[("o", &["tp0"]), ("p", &["tp2", "tp3"]), ("q", &["tp1"])])
    );
}

/// More members than partitions: minQuota is 0, and the one partition goes
/// to the first member at minQuota in member-id order.
#[test]
fn sticky_gives_scarce_partitions_in_member_id_order() {
    let case = Case::new(&[("t", 1)])
        .member("p", &["t"])
        .member("o", &["t"]);
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[("p", &[]), ("o", &["tp0"])])
    );
}

/// Two members claim the same partition (`allSubscriptionsEqual`): the
/// newer generation wins, so B's claim on t0 from generation 1 loses to A's
/// from generation 2, while B keeps t1, which nobody else claims.
#[test]
fn sticky_ignores_ownership_from_an_older_generation() {
    let case = Case::new(&[("t", 2)])
        .owning("A", &["t"], &[("t", 0)], 2)
        .owning("B", &["t"], &[("t", 0), ("t", 1)], 1);
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[("A", &["tp0"]), ("B", &["tp1"])])
    );
}

/// A joins B, which owns all four partitions. Sticky moves two to A at once;
/// cooperative-sticky withholds them: B revokes t0p2 and t0p3 first, and a
/// second rebalance gives them to A (`CooperativeStickyAssignor.adjustAssignment`).
#[test]
fn cooperative_sticky_withholds_partitions_that_change_owner() {
    let case = Case::new(&[("t0", 4)])
        .owning(
            "B",
            &["t0"],
            &[("t0", 0), ("t0", 1), ("t0", 2), ("t0", 3)],
            1,
        )
        .member("C", &["t0"]);
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[("B", &["t0p0", "t0p1"]), ("C", &["t0p2", "t0p3"])])
    );
    let (assigned, withheld) = case.run(Strategy::CooperativeSticky);
    assert_eq!(assigned, expect(&[("B", &["t0p0", "t0p1"]), ("C", &[])]));
    assert_eq!(withheld, ["t0p2", "t0p3"]);
}

/// `StickyAssignor` javadoc, differing subscriptions: t0, t1, t2 with 1, 2
/// and 3 partitions; C0 reads t0, C1 t0 and t1, C2 all three. "C0: [t0p0],
/// C1: [t1p0, t1p1], C2: [t2p0, t2p1, t2p2]" (roundrobin gives C2 four).
/// This is `GeneralAssignmentBuilder`'s case.
#[test]
fn sticky_matches_its_javadoc_example_with_differing_subscriptions() {
    let case = Case::new(&[("t0", 1), ("t1", 2), ("t2", 3)])
        .member("C0", &["t0"])
        .member("C1", &["t0", "t1"])
        .member("C2", &["t0", "t1", "t2"]);
    let expected = expect(&[
        ("C0", &["t0p0"]),
        ("C1", &["t1p0", "t1p1"]),
        ("C2", &["t2p0", "t2p1", "t2p2"]),
    ]);
    assert_eq!(case.assigned(Strategy::Sticky), expected);
    assert_eq!(case.assigned(Strategy::CooperativeSticky), expected);
}

/// The same javadoc, after C0 leaves: "C1: [t0p0, t1p0, t1p1], C2: [t2p0,
/// t2p1, t2p2]": C1 takes t0p0 and nothing else moves, where roundrobin
/// would reshuffle.
#[test]
fn sticky_general_case_keeps_owned_partitions_when_a_member_leaves() {
    let case = Case::new(&[("t0", 1), ("t1", 2), ("t2", 3)])
        .owning("C1", &["t0", "t1"], &[("t1", 0), ("t1", 1)], 1)
        .owning(
            "C2",
            &["t0", "t1", "t2"],
            &[("t2", 0), ("t2", 1), ("t2", 2)],
            1,
        );
    assert_eq!(
        case.assigned(Strategy::Sticky),
        expect(&[
            ("C1", &["t0p0", "t1p0", "t1p1"]),
            ("C2", &["t2p0", "t2p1", "t2p2"])
        ])
    );
}

/// General case, cooperative: A owns all of t0 and t1; B joins reading only
/// t1. B gets half of t1, but those partitions are withheld until A has
/// revoked them (`CooperativeStickyAssignor.computePartitionsTransferringOwnership`).
#[test]
fn cooperative_sticky_withholds_moves_in_the_general_case() {
    let case = Case::new(&[("t0", 2), ("t1", 4)])
        .owning(
            "A",
            &["t0", "t1"],
            &[
                ("t0", 0),
                ("t0", 1),
                ("t1", 0),
                ("t1", 1),
                ("t1", 2),
                ("t1", 3),
            ],
            3,
        )
        .member("B", &["t1"]);
    let (eager, _) = case.run(Strategy::Sticky);
    let (assigned, withheld) = case.run(Strategy::CooperativeSticky);
    let moved: Vec<String> = eager[1].1.clone();
    assert_eq!(moved.len(), 3, "{eager:?}");
    assert!(assigned[1].1.is_empty());
    assert_eq!(withheld, moved);
    assert_eq!(assigned[0], eager[0]);
}

/// A subscription may name a topic the cluster does not have (`missing`,
/// here a topic with no partitions). `AbstractPartitionAssignor.assign`
/// leaves it out of `partitionsPerTopic`, so every strategy deals out the
/// partitions of `orders` alone, exactly as if nobody had named `missing`.
/// Expected results follow each Java class by hand: `RangeAssignor`
/// (contiguous ranges in member-id order), `RoundRobinAssignor` (cards in
/// member-id order) and `AbstractStickyAssignor` (equal subscriptions:
/// `ConstrainedAssignmentBuilder`, quotas 1 and 2, round robin by member
/// id; unequal, because `allSubscriptionsEqual` compares the raw
/// subscriptions: `GeneralAssignmentBuilder`, each partition to the least
/// loaded reader, ties by member id, which here comes out the same).
#[test]
fn a_topic_the_cluster_does_not_have_is_left_out_by_every_strategy() {
    let equal = Case::new(&[("missing", 0), ("orders", 3)])
        .member("c1", &["orders", "missing"])
        .member("c0", &["orders", "missing"]);
    let unequal = Case::new(&[("missing", 0), ("orders", 3)])
        .member("c0", &["orders", "missing"])
        .member("c1", &["orders"]);
    let range_equal = expect(&[("c1", &["ordersp2"]), ("c0", &["ordersp0", "ordersp1"])]);
    let range_unequal = expect(&[("c0", &["ordersp0", "ordersp1"]), ("c1", &["ordersp2"])]);
    let dealt_equal = expect(&[("c1", &["ordersp1"]), ("c0", &["ordersp0", "ordersp2"])]);
    let dealt_unequal = expect(&[("c0", &["ordersp0", "ordersp2"]), ("c1", &["ordersp1"])]);
    assert_eq!(equal.assigned(Strategy::Range), range_equal);
    assert_eq!(unequal.assigned(Strategy::Range), range_unequal);
    for strategy in [
        Strategy::RoundRobin,
        Strategy::Sticky,
        Strategy::CooperativeSticky,
    ] {
        assert_eq!(equal.assigned(strategy), dealt_equal, "{strategy}");
        assert_eq!(unequal.assigned(strategy), dealt_unequal, "{strategy}");
    }
    // Nothing changes when the missing topic is not named at all.
    for strategy in Strategy::ALL {
        let without = Case::new(&[("missing", 0), ("orders", 3)])
            .member("c0", &["orders"])
            .member("c1", &["orders"]);
        assert_eq!(
            without.assigned(strategy),
            unequal.assigned(strategy),
            "{strategy}"
        );
    }
}

/// Members whose only topics do not exist get nothing, and the others are
/// not held back: two topics, one missing, read by members with differing
/// subscriptions.
#[test]
fn members_of_missing_topics_only_stay_idle() {
    let case = Case::new(&[("gone", 0), ("t0", 2), ("t1", 1)])
        .member("a", &["gone"])
        .member("b", &["t0", "gone"])
        .member("c", &["t0", "t1"]);
    for strategy in Strategy::ALL {
        let assigned = case.assigned(strategy);
        assert!(assigned[0].1.is_empty(), "{strategy}: {assigned:?}");
        let mut all: Vec<String> = assigned.iter().flat_map(|(_, t)| t.clone()).collect();
        all.sort();
        assert_eq!(all, ["t0p0", "t0p1", "t1p0"], "{strategy}");
    }
    // Range cuts t0 between b and c, and gives t1 to c.
    assert_eq!(
        case.assigned(Strategy::Range),
        expect(&[("a", &[]), ("b", &["t0p0"]), ("c", &["t0p1", "t1p0"])])
    );
}

#[test]
fn strategies_parse_by_their_kafka_names() {
    for strategy in Strategy::ALL {
        assert_eq!(strategy.name().parse::<Strategy>(), Ok(strategy));
    }
    assert!(
        "sticki"
            .parse::<Strategy>()
            .unwrap_err()
            .contains("cooperative-sticky")
    );
}

#[cfg(not(target_arch = "wasm32"))]
mod properties {
    use super::*;
    use proptest::{prop_assert, prop_assert_eq, proptest};

    fn any_strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
        proptest::sample::select(Strategy::ALL.to_vec())
    }

    proptest! {
        /// With equal subscriptions every partition goes to exactly one
        /// member (or, cooperative, is withheld), and roundrobin and the
        /// sticky assignors balance the counts to within one.
        #[test]
        fn every_partition_has_exactly_one_owner(
            strategy in any_strategy(),
            member_count in 1usize..10,
            sizes in proptest::collection::vec(1u32..12, 1..4),
            previous_owner in proptest::collection::vec(0usize..12, 0..40),
        ) {
            let names = ["a", "b", "c", "d"];
            let topics: Vec<Topic> = sizes.iter().enumerate().map(|(i, &p)| Topic { name: names[i], partitions: p }).collect();
            let subscribed: Vec<TopicId> = (0..sizes.len() as u32).map(TopicId).collect();
            let all: Vec<TopicPartition> = all_partitions_sorted(&topics, &[Member { id: "", topics: &subscribed, owned: &[], generation: None }]);
            // A previous generation: each partition owned by at most one member.
            let mut owned = vec![Vec::new(); member_count];
            for (tp, &owner) in all.iter().zip(&previous_owner) {
                if owner < member_count {
                    owned[owner].push(*tp);
                }
            }
            let ids: Vec<String> = (0..member_count).map(|m| format!("member-{m}")).collect();
            let members: Vec<Member> = (0..member_count)
                .map(|m| Member { id: &ids[m], topics: &subscribed, owned: &owned[m], generation: Some(1) })
                .collect();
            let result = assign(strategy, &topics, &members);
            let mut seen: Vec<TopicPartition> = result.partitions.iter().flatten().chain(&result.withheld).copied().collect();
            seen.sort();
            let mut expected = all.clone();
            expected.sort();
            prop_assert_eq!(seen, expected);
            if strategy != Strategy::Range && strategy != Strategy::CooperativeSticky {
                let counts: Vec<usize> = result.partitions.iter().map(Vec::len).collect();
                prop_assert!(counts.iter().max().unwrap_or(&0) - counts.iter().min().unwrap_or(&0) <= 1, "{:?}", counts);
            }
            if strategy == Strategy::Sticky {
                // Stickiness: a member keeps what it owned, at least up to
                // minQuota (one partition above it may go to a member below).
                let min_quota = all.len() / member_count;
                for (had, got) in owned.iter().zip(&result.partitions) {
                    let kept = had.iter().filter(|tp| got.contains(tp)).count();
                    prop_assert!(kept >= had.len().min(min_quota), "kept {} of {:?}", kept, had);
                }
            }
        }

        /// With differing subscriptions (`GeneralAssignmentBuilder`) every
        /// partition goes to exactly one member that subscribes to its
        /// topic, and, for a new group, no partition could move to a reader
        /// with two fewer partitions than its owner: the balance Java's
        /// `isBalanced` asks for.
        #[test]
        fn sticky_general_case_assigns_to_readers_and_balances(
            cooperative in proptest::bool::ANY,
            sizes in proptest::collection::vec(1u32..8, 1..5),
            subscriptions in proptest::collection::vec(1u8..16, 1..8),
            previous_owner in proptest::collection::vec(0usize..10, 0..30),
        ) {
            let names = ["a", "b", "c", "d"];
            let topics: Vec<Topic> = sizes.iter().enumerate().map(|(i, &p)| Topic { name: names[i], partitions: p }).collect();
            let topic_count = sizes.len();
            // Each member subscribes to the topics its bit mask selects (at least one).
            let subscribed: Vec<Vec<TopicId>> = subscriptions
                .iter()
                .map(|&mask| {
                    let picked: Vec<TopicId> = (0..topic_count as u32).filter(|t| mask & (1 << t) != 0).map(TopicId).collect();
                    if picked.is_empty() { vec![TopicId(0)] } else { picked }
                })
                .collect();
            let member_count = subscribed.len();
            let fresh = previous_owner.is_empty();
            let mut owned = vec![Vec::new(); member_count];
            let everything: Vec<TopicPartition> = (0..topic_count as u32)
                .flat_map(|t| (0..sizes[t as usize]).map(move |partition| TopicPartition { topic: TopicId(t), partition }))
                .collect();
            for (tp, &owner) in everything.iter().zip(&previous_owner) {
                if owner < member_count && subscribed[owner].contains(&tp.topic) {
                    owned[owner].push(*tp);
                }
            }
            let ids: Vec<String> = (0..member_count).map(|m| format!("m{m}")).collect();
            let members: Vec<Member> = (0..member_count)
                .map(|m| Member { id: &ids[m], topics: &subscribed[m], owned: &owned[m], generation: Some(1) })
                .collect();
            let strategy = if cooperative { Strategy::CooperativeSticky } else { Strategy::Sticky };
            let result = assign(strategy, &topics, &members);

            let mut expected: Vec<TopicPartition> = everything
                .iter()
                .copied()
                .filter(|tp| subscribed.iter().any(|s| s.contains(&tp.topic)))
                .collect();
            expected.sort();
            let mut seen: Vec<TopicPartition> = result.partitions.iter().flatten().chain(&result.withheld).copied().collect();
            seen.sort();
            prop_assert_eq!(seen, expected);
            for (m, partitions) in result.partitions.iter().enumerate() {
                prop_assert!(partitions.iter().all(|tp| subscribed[m].contains(&tp.topic)));
            }
            if fresh {
                let load: Vec<usize> = result.partitions.iter().map(Vec::len).collect();
                for (owner, partitions) in result.partitions.iter().enumerate() {
                    for tp in partitions {
                        for reader in (0..member_count).filter(|&r| subscribed[r].contains(&tp.topic)) {
                            prop_assert!(load[reader] + 1 >= load[owner], "{:?} could move from {} to {}: {:?}", tp, owner, reader, load);
                        }
                    }
                }
            }
        }
    }
}
