//! The produce → log → poll → commit flow, checked through the public API
//! over many random scenarios.

#![cfg(not(target_arch = "wasm32"))]

use mqsim::ids::ConsumerId;
use mqsim::kafka::assignor::Strategy as AssignmentStrategy;
use mqsim::scenario::{
    CommitMode, GroupSpec, Intervention, KafkaSpec, MemberSpec, Network, OffsetReset, ProducerSpec,
    ScenarioFile, StandaloneSpec, TimelineEntry, TopicSpec,
};
use mqsim::{EventKind, Scenario, SimTime, Simulation};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The knobs the tests turn; everything else is fixed. The defaults are
/// what most tests use: they name only what they change.
struct Flow {
    seed: u64,
    partitions: u32,
    rate_per_sec: f64,
    members: usize,
    commit: CommitMode,
    processing_ms: u64,
    strategy: AssignmentStrategy,
}

impl Default for Flow {
    fn default() -> Flow {
        Flow {
            seed: 1,
            partitions: 2,
            rate_per_sec: 10.0,
            members: 1,
            commit: CommitMode::AfterBatch,
            processing_ms: 5,
            strategy: AssignmentStrategy::Range,
        }
    }
}

/// Validates `file` and runs it for `until_ms`, keeping the trace.
fn run_file(file: ScenarioFile, until_ms: u64) -> (Simulation, Vec<mqsim::Event>) {
    let scenario = file.validate().expect("valid scenario");
    Simulation::run_traced(&scenario, SimTime::from_millis(until_ms))
}

fn scenario(flow: &Flow) -> Scenario {
    let &Flow {
        seed,
        partitions,
        rate_per_sec,
        members,
        commit,
        processing_ms,
        strategy,
    } = flow;
    ScenarioFile {
        version: 1,
        name: "flow".into(),
        description: String::new(),
        seed,
        duration_ms: 60_000,
        network: Network { latency_ms: 20 },
        kafka: KafkaSpec {
            topics: vec![TopicSpec {
                name: "t".into(),
                partitions,
                retention_ms: None,
                retention_records: None,
                replication_factor: 1,
                min_insync_replicas: 1,
            }],
            producers: vec![ProducerSpec {
                name: "p".into(),
                topic: "t".into(),
                rate_per_sec,
                keys: (0..10).map(|k| format!("key-{k}")).collect(),
                unkeyed_ratio: 0.3,
                partition: None,
                keyless: Default::default(),
                headers: Default::default(),
                acks: Default::default(),
                retry_backoff_ms: 100,
                retries: None,
            }],
            groups: vec![GroupSpec {
                name: "g".into(),
                topics: vec!["t".into()],
                commit,
                auto_offset_reset: OffsetReset::Earliest,
                assignment_strategy: strategy,
                protocol: Default::default(),
                remote_assignor: Default::default(),
                failures: Default::default(),
                retry: Default::default(),
                session_timeout_ms: 3_000,
                by_hand: false,
                members: (0..members)
                    .map(|m| MemberSpec {
                        name: format!("m{m}"),
                        poll_interval_ms: 200,
                        max_poll_records: 8,
                        processing_ms,
                    })
                    .collect(),
            }],
            standalone_consumers: Vec::new(),
            share_groups: Vec::new(),
            group_initial_rebalance_delay_ms: 0,
            retention_check_interval_ms: 300_000,
            cluster: Default::default(),
        },
        rabbit: Default::default(),
        view: Default::default(),
        preset: None,
        narration: None,
        timeline: Vec::new(),
    }
    .validate()
    .expect("valid")
}

fn commit_mode() -> impl Strategy<Value = CommitMode> {
    prop_oneof![
        Just(CommitMode::AfterBatch),
        (100u64..3_000).prop_map(|interval_ms| CommitMode::Auto { interval_ms }),
    ]
}

/// What a random timeline may do to member `n` of the group.
#[derive(Clone, Copy, Debug)]
enum Change {
    Crash,
    Restart,
    Leave,
}

fn timeline(members: usize) -> impl Strategy<Value = Vec<(u64, Change, usize)>> {
    let change = prop_oneof![
        Just(Change::Crash),
        Just(Change::Restart),
        Just(Change::Leave)
    ];
    proptest::collection::vec((1_000u64..18_000, change, 0..members), 0..6)
}

/// Checks a run's trace against Kafka's rules, returning the number of
/// crashes seen. Panics (through `prop_assert`) on the first broken rule.
fn check_trace(trace: &[mqsim::Event], partitions: u32) -> Result<u32, TestCaseError> {
    let mut log_end = vec![0u64; partitions as usize];
    let mut next_processed = vec![0u64; partitions as usize];
    let mut committed: BTreeMap<u32, u64> = BTreeMap::new();
    let mut owner: BTreeMap<u32, ConsumerId> = BTreeMap::new();
    let mut sent_partition = BTreeMap::new();
    let mut key_partition = BTreeMap::new();
    let mut crashes = 0;
    for event in trace {
        match &event.kind {
            EventKind::RecordSent {
                record, key, tp, ..
            } => {
                sent_partition.insert(*record, tp.partition);
                if let Some(key) = key {
                    let first = *key_partition.entry(key.clone()).or_insert(tp.partition);
                    prop_assert_eq!(first, tp.partition, "one key, one partition");
                }
            }
            EventKind::RecordAppended {
                record, tp, offset, ..
            } => {
                let p = tp.partition as usize;
                prop_assert_eq!(*offset, log_end[p], "offsets are dense");
                log_end[p] += 1;
                prop_assert_eq!(
                    sent_partition[record],
                    tp.partition,
                    "lands where it was sent"
                );
            }
            EventKind::GroupRebalanced {
                assignment,
                withheld,
                ..
            } => {
                let mut all: Vec<u32> = assignment
                    .iter()
                    .flat_map(|a| a.partitions.iter())
                    .chain(withheld)
                    .map(|tp| tp.partition)
                    .collect();
                all.sort();
                prop_assert_eq!(
                    all,
                    (0..partitions).collect::<Vec<_>>(),
                    "each partition assigned once"
                );
            }
            EventKind::PartitionsAssigned {
                consumer,
                partitions: tps,
                ..
            } => {
                for tp in tps {
                    let previous = owner.insert(tp.partition, *consumer);
                    prop_assert!(
                        previous.is_none() || previous == Some(*consumer),
                        "P{} given to {:?} while {:?} still owns it",
                        tp.partition,
                        consumer,
                        previous
                    );
                }
            }
            EventKind::PartitionsRevoked {
                consumer,
                partitions: tps,
            } => {
                for tp in tps {
                    prop_assert_eq!(
                        owner.remove(&tp.partition),
                        Some(*consumer),
                        "revokes what it owns"
                    );
                }
            }
            EventKind::ConsumerCrashed { consumer } => {
                crashes += 1;
                owner.retain(|_, c| c != consumer);
            }
            EventKind::ConsumerLeft { consumer } => {
                prop_assert!(
                    owner.values().all(|c| c != consumer),
                    "revoked everything before leaving"
                );
            }
            EventKind::RecordProcessed {
                consumer,
                tp,
                offset,
                duplicate,
                ..
            } => {
                let p = tp.partition as usize;
                prop_assert_eq!(
                    owner.get(&tp.partition),
                    Some(consumer),
                    "only the owner processes"
                );
                if *duplicate {
                    prop_assert!(
                        *offset < next_processed[p],
                        "a duplicate was processed before"
                    );
                } else {
                    prop_assert_eq!(*offset, next_processed[p], "new records in offset order");
                    next_processed[p] += 1;
                }
                prop_assert!(*offset < log_end[p]);
            }
            EventKind::OffsetCommitted { tp, offset, .. } => {
                let p = tp.partition as usize;
                let before = committed.insert(tp.partition, *offset).unwrap_or(0);
                prop_assert!(*offset >= before, "committed offsets never go back");
                prop_assert!(
                    *offset <= next_processed[p],
                    "commit only what was processed"
                );
            }
            _ => {}
        }
    }
    Ok(crashes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Kafka's rules hold through any sequence of crashes, restarts and
    /// leaves, for every assignor and commit mode: offsets are dense and
    /// per-key placement fixed; a partition has at most one owner at any time
    /// and only its owner processes it; new records are processed in offset
    /// order and re-reads are flagged as duplicates; committed offsets never
    /// go back and never pass what was processed. Without a crash there is
    /// no duplicate: leaving and rebalancing commit first.
    #[test]
    fn kafkas_rules_hold_through_membership_changes(
        seed in any::<u64>(),
        partitions in 1u32..8,
        rate in 1.0f64..80.0,
        members in 1usize..6,
        commit in commit_mode(),
        processing_ms in 0u64..40,
        strategy in proptest::sample::select(AssignmentStrategy::ALL.to_vec()),
        changes in timeline(5),
    ) {
        let flow = Flow { seed, partitions, rate_per_sec: rate, members, commit, processing_ms, strategy };
        let mut file = scenario(&flow).file().clone();
        for (at_ms, change, m) in changes {
            let (group, member) = (Some("g".to_string()), format!("m{}", m % members));
            let action = match change {
                Change::Crash => Intervention::ConsumerCrash { group, member },
                Change::Restart => Intervention::ConsumerRestart { group, member },
                Change::Leave => Intervention::ConsumerLeave { group, member },
            };
            file.timeline.push(TimelineEntry { at_ms, action });
        }
        let (sim, trace) = run_file(file, 20_000);
        let crashes = check_trace(&trace, partitions)?;

        let summary = sim.kafka_summary();
        if crashes == 0 {
            prop_assert_eq!(summary.groups[0].duplicates, 0, "no crash, no duplicate");
        }
        let duplicates = trace.iter().filter(|e| matches!(e.kind, EventKind::RecordProcessed { duplicate: true, .. })).count();
        prop_assert_eq!(summary.groups[0].duplicates, duplicates as u64);
        for p in &summary.groups[0].partitions {
            if let Some(c) = p.committed_offset {
                prop_assert_eq!(p.lag, Some(p.log_end_offset - c));
            }
        }
    }
}

/// A member crashes before committing: the group waits for its session to
/// expire, rebalances, and the new owner re-reads from the committed offset.
/// The re-read records are flagged and counted as duplicates.
#[test]
fn a_crash_before_commit_makes_the_next_owner_read_again() {
    let flow = Flow {
        seed: 5,
        rate_per_sec: 20.0,
        members: 2,
        commit: CommitMode::Auto { interval_ms: 5_000 },
        processing_ms: 10,
        ..Flow::default()
    };
    let mut file = scenario(&flow).file().clone();
    file.timeline.push(TimelineEntry {
        at_ms: 8_000,
        action: Intervention::ConsumerCrash {
            group: Some("g".into()),
            member: "m0".into(),
        },
    });
    let (sim, trace) = run_file(file, 20_000);

    let at = |pred: &dyn Fn(&EventKind) -> bool| {
        trace
            .iter()
            .find(|e| pred(&e.kind))
            .map(|e| e.at.as_millis())
    };
    let crash = at(&|k| matches!(k, EventKind::ConsumerCrashed { .. })).expect("crashed");
    let expired = at(&|k| matches!(k, EventKind::SessionExpired { .. })).expect("expired");
    assert_eq!(expired, crash + 3_000, "noticed after session.timeout.ms");
    let summary = sim.kafka_summary();
    assert!(
        summary.groups[0].duplicates > 0,
        "records processed since the last auto-commit are read again"
    );
    assert_eq!(
        summary.groups[0].members[1].duplicates, summary.groups[0].duplicates,
        "by the survivor"
    );
    assert!(!summary.groups[0].members[0].running);
    assert_eq!(
        summary.groups[0]
            .partitions
            .iter()
            .filter(|p| p.owner.as_deref() == Some("m1"))
            .count(),
        2
    );
}

/// Eager: on a join every member revokes everything before the new
/// assignment. Cooperative: members keep what stays; only moved partitions
/// are revoked, and a second rebalance assigns them.
#[test]
fn eager_and_cooperative_rebalances_take_their_real_steps() {
    let run = |strategy| {
        let flow = Flow {
            seed: 2,
            partitions: 4,
            strategy,
            ..Flow::default()
        };
        let mut file = scenario(&flow).file().clone();
        let member = file.kafka.groups[0].members[0].clone();
        file.timeline.push(TimelineEntry {
            at_ms: 5_000,
            action: Intervention::ConsumerJoin {
                group: "g".into(),
                member: MemberSpec {
                    name: "m1".into(),
                    ..member
                },
            },
        });
        run_file(file, 10_000).1
    };
    let revoked = |trace: &[mqsim::Event]| -> Vec<usize> {
        trace
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::PartitionsRevoked { partitions, .. } => Some(partitions.len()),
                _ => None,
            })
            .collect()
    };
    let rebalances = |trace: &[mqsim::Event]| {
        trace
            .iter()
            .filter(|e| matches!(e.kind, EventKind::GroupRebalanced { .. }))
            .count()
    };
    let eager = run(AssignmentStrategy::Sticky);
    assert_eq!(
        revoked(&eager),
        [4],
        "eager: m0 gives up all four partitions"
    );
    assert_eq!(rebalances(&eager), 2, "the first join, then one rebalance");
    let cooperative = run(AssignmentStrategy::CooperativeSticky);
    assert_eq!(
        revoked(&cooperative),
        [2],
        "cooperative: m0 gives up only the two that move"
    );
    assert_eq!(
        rebalances(&cooperative),
        3,
        "the first join, then two rounds"
    );
}

/// A consumer that keeps up leaves no lag once the producer's last records
/// have had time to be processed and committed.
#[test]
fn a_fast_group_catches_up_to_zero_lag() {
    let scenario = scenario(&Flow {
        seed: 3,
        partitions: 3,
        members: 2,
        ..Flow::default()
    });
    let (sim, _) = Simulation::run_traced(&scenario, SimTime::from_millis(30_000));
    let produced: u64 = sim.kafka_summary().topics[0]
        .partitions
        .iter()
        .map(|p| p.log_end_offset)
        .sum();
    assert!(produced >= 299, "10/s for 30 s, got {produced}");
    let lag: u64 = sim.kafka_summary().groups[0]
        .partitions
        .iter()
        .map(|p| p.lag.unwrap_or(u64::MAX))
        .sum();
    assert!(
        lag <= 3,
        "lag {lag}: only records still in flight may be unprocessed"
    );
}

/// A consumer slower than the producer falls behind: lag grows. This is the
/// design notes' pace-matching example, where the queue absorbs the backlog.
#[test]
fn a_slow_group_builds_a_backlog() {
    let scenario = scenario(&Flow {
        seed: 3,
        partitions: 1,
        processing_ms: 400,
        ..Flow::default()
    });
    let (mut sim, mut trace) = Simulation::run_traced(&scenario, SimTime::from_millis(10_000));
    let early = sim.kafka_summary().groups[0].partitions[0].lag.unwrap_or(0);
    sim.run_until(SimTime::from_millis(20_000), &mut trace);
    let late = sim.kafka_summary().groups[0].partitions[0].lag.unwrap_or(0);
    assert!(early >= 50 && late >= early + 50, "lag {early} then {late}");
}

/// Adding partitions moves keys: `toPositive(murmur2(key)) % partitions`
/// changes with the count, so a key's later records can land on another
/// partition than its earlier ones (Kafka's documented caveat on adding
/// partitions to a keyed topic). The group rebalances and takes the new
/// partitions.
#[test]
fn adding_partitions_moves_keys_and_rebalances_the_group() {
    let flow = Flow {
        seed: 4,
        rate_per_sec: 20.0,
        members: 2,
        ..Flow::default()
    };
    let mut file = scenario(&flow).file().clone();
    file.timeline.push(TimelineEntry {
        at_ms: 5_000,
        action: Intervention::AddPartitions {
            topic: "t".into(),
            partitions: 5,
        },
    });
    let (sim, trace) = run_file(file, 10_000);

    let mut before = BTreeMap::new();
    let mut after = BTreeMap::new();
    for e in &trace {
        if let EventKind::RecordSent {
            key: Some(key), tp, ..
        } = &e.kind
        {
            let side = if e.at.as_millis() < 5_000 {
                &mut before
            } else {
                &mut after
            };
            let first = *side.entry(key.clone()).or_insert(tp.partition);
            assert_eq!(first, tp.partition, "stable within one partition count");
        }
    }
    let moved = before
        .iter()
        .filter(|(k, p)| after.get(*k).is_some_and(|q| q != *p))
        .count();
    assert!(moved > 0, "some keys moved: {before:?} then {after:?}");
    assert!(
        after.values().any(|&p| p >= 2),
        "new partitions receive keyed records"
    );
    assert!(trace.iter().any(|e| matches!(
        e.kind,
        EventKind::RebalanceStarted {
            reason: mqsim::trace::RebalanceReason::PartitionsAdded { .. },
            ..
        }
    )));
    let summary = sim.kafka_summary();
    assert_eq!(summary.topics[0].partitions.len(), 5);
    assert!(
        summary.groups[0]
            .partitions
            .iter()
            .all(|p| p.owner.is_some()),
        "every new partition owned"
    );
}

/// The flow's scenario plus "auditor", a standalone consumer of topic `t`
/// that reads from the earliest offset.
fn with_auditor(flow: &Flow) -> ScenarioFile {
    let mut file = scenario(flow).file().clone();
    file.kafka.standalone_consumers.push(StandaloneSpec {
        name: "auditor".into(),
        topics: vec!["t".into()],
        auto_offset_reset: OffsetReset::Earliest,
        poll_interval_ms: 100,
        max_poll_records: 50,
        processing_ms: 1,
    });
    file
}

/// A consumer without a `group.id` is assigned every partition by
/// `consumer.assign()`: it reads everything, alongside a group that shares
/// the partitions, commits nothing, and does not pick up partitions added
/// later (manual assignment is not updated by Kafka).
#[test]
fn a_standalone_consumer_reads_every_partition_and_commits_nothing() {
    let flow = Flow {
        seed: 8,
        partitions: 3,
        members: 2,
        ..Flow::default()
    };
    let mut file = with_auditor(&flow);
    file.timeline.push(TimelineEntry {
        at_ms: 5_000,
        action: Intervention::AddPartitions {
            topic: "t".into(),
            partitions: 4,
        },
    });
    let scenario = file.validate().expect("valid");
    let auditor = scenario
        .consumers()
        .iter()
        .find(|c| c.spec.name == "auditor")
        .map(|c| (c.id, c.group))
        .expect("listed");
    let (sim, trace) = Simulation::run_traced(&scenario, SimTime::from_millis(10_000));

    let mut read = BTreeMap::new();
    for e in &trace {
        match &e.kind {
            EventKind::RecordProcessed {
                consumer,
                tp,
                offset,
                ..
            } if *consumer == auditor.0 => {
                let next = read.entry(tp.partition).or_insert(0u64);
                assert_eq!(*offset, *next, "in order on P{}", tp.partition);
                *next += 1;
            }
            EventKind::OffsetCommitted { group, .. } => {
                assert_ne!(*group, auditor.1, "no commits without a group")
            }
            EventKind::JoinGroupSent { consumer, .. } => {
                assert_ne!(*consumer, auditor.0, "it joins no group")
            }
            _ => {}
        }
    }
    let summary = sim.kafka_summary();
    let logs = &summary.topics[0].partitions;
    for p in 0..3 {
        let read = read.get(&p).copied().unwrap_or(0);
        assert!(
            read + 2 >= logs[p as usize].log_end_offset,
            "P{p}: read {read} of {}",
            logs[p as usize].log_end_offset
        );
    }
    assert_eq!(
        read.get(&3),
        None,
        "the added partition is not in its manual assignment"
    );
    let group = summary.groups.iter().find(|g| g.standalone).expect("shown");
    assert_eq!(group.name, "auditor");
    assert!(
        group
            .partitions
            .iter()
            .all(|p| p.committed_offset.is_none())
    );
    assert!(
        summary.groups[0]
            .partitions
            .iter()
            .all(|p| p.owner.is_some()),
        "the group still shares the topic"
    );
}

/// Without a group there is no committed offset: a standalone consumer that
/// crashes and restarts starts over from `auto.offset.reset` (earliest here)
/// and reads everything again, each re-read counted as a duplicate.
#[test]
fn a_restarted_standalone_consumer_starts_over() {
    let flow = Flow {
        seed: 8,
        ..Flow::default()
    };
    let mut file = with_auditor(&flow);
    for (at_ms, action) in [
        (
            3_000,
            Intervention::ConsumerCrash {
                group: None,
                member: "auditor".into(),
            },
        ),
        (
            4_000,
            Intervention::ConsumerRestart {
                group: None,
                member: "auditor".into(),
            },
        ),
    ] {
        file.timeline.push(TimelineEntry { at_ms, action });
    }
    let (sim, _) = run_file(file, 8_000);
    let summary = sim.kafka_summary();
    let auditor = summary
        .groups
        .iter()
        .find(|g| g.standalone)
        .expect("listed");
    assert!(auditor.members[0].running, "restarted");
    assert!(
        auditor.duplicates >= 25,
        "re-read what it read before the crash: {}",
        auditor.duplicates
    );
    assert_eq!(summary.groups[0].duplicates, 0, "the group is unaffected");
}
