//! Validation: every value checked, every problem reported with its path.

mod narration;
mod rabbit;

use super::limits::*;
use super::{
    ClusterSpec, CommitMode, FORMAT_VERSION, GroupProtocol, GroupSpec, Intervention, KraftSpec,
    MemberSpec, MetadataSpec, Problem, ProcessRoles, ProducerSpec, RemoteAssignor, ScenarioFile,
    TopicSpec, defaults,
};
use crate::kafka::assignor::Strategy;
use crate::scenario::Failures;
use litemap::LiteMap;
use std::fmt::Display;
use std::ops::RangeInclusive;

/// Collects problems (which stop the run) and warnings (which do not) as
/// validation walks the scenario.
pub(super) struct Problems {
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    /// Checking one Kafka pane's run: a controller fault is for the KRaft
    /// panes, and a ZooKeeper pane's run ignores it.
    in_pane: bool,
    /// How many timeline entries the scenario may have.
    max_timeline: usize,
}

impl Problems {
    pub(super) fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Something the run can go on with, but its author should hear of.
    pub(super) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Reports `value` unless it lies in `range`, as `must be 1..=1024, got 0`.
    pub(super) fn in_range<T: PartialOrd + Display>(
        &mut self,
        path: String,
        value: T,
        range: RangeInclusive<T>,
    ) {
        if !range.contains(&value) {
            let (lo, hi) = (range.start(), range.end());
            self.add(path, format!("must be {lo}..={hi}, got {value}"));
        }
    }

    /// Reports a send rate that is not above 0 and at most the limit.
    pub(super) fn rate(&mut self, path: String, rate: f64) {
        if !(rate.is_finite() && rate > 0.0 && rate <= MAX_RATE_PER_SEC) {
            self.add(
                path,
                format!("must be above 0 and at most {MAX_RATE_PER_SEC}, got {rate}"),
            );
        }
    }

    pub(super) fn name(&mut self, path: String, name: &str) {
        if name.trim().is_empty() {
            self.add(path, "must not be empty");
        } else if name.chars().count() > MAX_NAME_LEN {
            self.add(path, format!("must be at most {MAX_NAME_LEN} characters"));
        }
    }

    pub(super) fn at_most(&mut self, path: &str, len: usize, max: usize) {
        if len > max {
            self.add(path, format!("at most {max} allowed, got {len}"));
        }
    }

    /// Reports each name that appeared earlier in the same list.
    pub(super) fn unique<'a>(&mut self, path: &str, names: impl Iterator<Item = &'a str>) {
        let mut seen = LiteMap::new_vec();
        for (i, name) in names.enumerate() {
            if seen.insert(name, ()).is_some() {
                self.add(
                    format!("{path}[{i}].name"),
                    format!("{name:?} is used twice"),
                );
            }
        }
    }
}

/// Every problem with `file`, in document order (none when it is valid),
/// and every warning. With Kafka panes, each pane's run is checked; a
/// problem some runs have and others not says in which pane.
pub(super) fn check(file: &ScenarioFile) -> (Vec<Problem>, Vec<Problem>) {
    check_with(file, MAX_TIMELINE)
}

/// As [`check`], with a timeline of up to `max_timeline` entries.
pub(super) fn check_with(file: &ScenarioFile, max_timeline: usize) -> (Vec<Problem>, Vec<Problem>) {
    if file.view.kafka_panes.is_empty() {
        return check_run(file, false, max_timeline);
    }
    let mut p = Problems {
        errors: Vec::new(),
        warnings: Vec::new(),
        in_pane: false,
        max_timeline,
    };
    kafka_panes(&mut p, file);
    narration::problems(&mut p, file);
    let panes = &file.view.kafka_panes;
    let runs: Vec<(Vec<Problem>, Vec<Problem>)> = (0..panes.len())
        .map(|i| {
            let (errors, warnings) = check_run(&file.pane_run(i), true, max_timeline);
            let at = |problems: Vec<Problem>| in_pane(problems, i);
            (at(errors), at(warnings))
        })
        .collect();
    let errors = merged(runs.iter().map(|r| &r.0).collect(), file);
    let warnings = merged(runs.iter().map(|r| &r.1).collect(), file);
    p.errors.splice(0..0, errors);
    p.warnings.splice(0..0, warnings);
    (p.errors, p.warnings)
}

/// A pane's run's problems, its metadata's where the pane says it.
fn in_pane(problems: Vec<Problem>, i: usize) -> Vec<Problem> {
    problems
        .into_iter()
        .map(
            |problem| match problem.path.strip_prefix("kafka.cluster.metadata") {
                Some(rest) => Problem {
                    path: format!("view.kafka_panes[{i}].metadata{rest}"),
                    message: problem.message,
                },
                None => problem,
            },
        )
        .collect()
}

/// The problems of every pane's run, each once, in the first pane's order;
/// one that not every run has names the panes that have it.
fn merged(runs: Vec<&Vec<Problem>>, file: &ScenarioFile) -> Vec<Problem> {
    let mut all: Vec<Problem> = Vec::new();
    for run in &runs {
        for problem in run.iter() {
            if all.contains(problem) {
                continue;
            }
            let panes: Vec<String> = runs
                .iter()
                .zip(&file.view.kafka_panes)
                .filter(|(r, _)| r.contains(problem))
                .map(|(_, pane)| format!("{:?}", pane.title))
                .collect();
            all.push(problem.clone());
            if panes.len() < runs.len() && !problem.path.starts_with("view.kafka_panes") {
                let last = all.len() - 1;
                all[last].message = format!("{} (in pane {})", problem.message, panes.join(", "));
            }
        }
    }
    all
}

/// Kafka panes: a few, titled, over a Kafka side, each with its own
/// metadata.
fn kafka_panes(p: &mut Problems, file: &ScenarioFile) {
    let panes = &file.view.kafka_panes;
    if !(2..=MAX_PANES).contains(&panes.len()) {
        p.add(
            "view.kafka_panes",
            format!("must have 2..={MAX_PANES} panes, got {}", panes.len()),
        );
    }
    for (i, pane) in panes.iter().enumerate() {
        p.name(format!("view.kafka_panes[{i}].title"), &pane.title);
    }
    if file.topics().is_empty() {
        p.add(
            "view.kafka_panes",
            "Kafka panes show the Kafka side: the scenario has no topics",
        );
    }
    if file.kafka.cluster.metadata != MetadataSpec::default() {
        p.add(
            "kafka.cluster.metadata",
            "with Kafka panes each pane sets its own metadata (view.kafka_panes[].metadata): leave this out",
        );
    }
}

/// Every problem with one run of the scenario: the whole scenario, or one
/// Kafka pane's run (`in_pane`), whose narration is checked once over all
/// panes instead.
fn check_run(
    file: &ScenarioFile,
    in_pane: bool,
    max_timeline: usize,
) -> (Vec<Problem>, Vec<Problem>) {
    let mut p = Problems {
        errors: Vec::new(),
        warnings: Vec::new(),
        in_pane,
        max_timeline,
    };
    if file.version != FORMAT_VERSION {
        p.add(
            "version",
            format!(
                "unknown scenario version {}; this playground reads version {FORMAT_VERSION}",
                file.version
            ),
        );
    }
    p.name("name".into(), &file.name);
    p.in_range("duration_ms".into(), file.duration_ms, 1..=MAX_DURATION_MS);
    p.in_range(
        "network.latency_ms".into(),
        file.network.latency_ms,
        0..=MAX_LATENCY_MS,
    );
    kafka(&mut p, file);
    rabbit::problems(&mut p, &file.rabbit);
    p.in_range("view.at_ms".into(), file.view.at_ms, 0..=file.duration_ms);
    let speed = file.view.speed;
    if !(speed.is_finite() && speed > 0.0 && speed <= MAX_SPEED) {
        p.add(
            "view.speed",
            format!("must be above 0 and at most {MAX_SPEED}, got {speed}"),
        );
    }
    panes(&mut p, file);
    standalone(&mut p, file);
    timeline(&mut p, file);
    if !in_pane {
        narration::problems(&mut p, file);
    }
    (p.errors, p.warnings)
}

/// Side-by-side panes: a few, each with queues the scenario has.
fn panes(p: &mut Problems, file: &ScenarioFile) {
    let panes = &file.view.panes;
    p.at_most("view.panes", panes.len(), MAX_PANES);
    let queues = file.rabbit_queues();
    for (i, pane) in panes.iter().enumerate() {
        p.name(format!("view.panes[{i}].title"), &pane.title);
        if pane.queues.is_empty() {
            p.add(
                format!("view.panes[{i}].queues"),
                "must name at least one queue",
            );
        }
        for (j, queue) in pane.queues.iter().enumerate() {
            if !queues.iter().any(|(q, _)| &q.name == queue) {
                p.add(
                    format!("view.panes[{i}].queues[{j}]"),
                    format!("no queue named {queue:?}"),
                );
            }
        }
    }
}

/// Timeline entries must name groups and members that exist by then, and
/// fall within the run.
fn timeline(p: &mut Problems, file: &ScenarioFile) {
    p.at_most("timeline", file.timeline.len(), p.max_timeline);
    // (group, member, since): members present from the start are known from
    // 0 ms, members that join later from their join time.
    let kafka = &file.kafka;
    let mut known: Vec<(&str, &str, u64)> = (kafka.groups.iter())
        .map(|g| (&g.name, &g.members))
        .chain(kafka.share_groups.iter().map(|g| (&g.name, &g.members)))
        .flat_map(|(g, members)| {
            members
                .iter()
                .map(move |m| (g.as_str(), m.name.as_str(), 0))
        })
        .collect();
    // topic → (partition count, since when) after earlier timeline entries:
    // the scenario's topics, then those created earlier.
    let mut grown: Vec<(&str, u32, u64)> = file
        .kafka
        .topics
        .iter()
        .map(|t| (t.name.as_str(), t.partitions, 0))
        .collect();
    let mut rabbit = rabbit::Timeline::new(&file.rabbit);
    // Group names known so far: the scenario's, then those started earlier.
    let mut groups: Vec<&str> = (kafka.groups.iter().map(|g| g.name.as_str()))
        .chain(kafka.share_groups.iter().map(|g| g.name.as_str()))
        .collect();
    // Those whose members are live clients (`by_hand`).
    let mut by_hand: Vec<(&str, GroupProtocol)> = (kafka.groups.iter())
        .filter(|g| g.by_hand)
        .map(|g| (g.name.as_str(), g.protocol))
        .collect();
    // Producers known so far: the scenario's, then those added earlier.
    let mut producers: Vec<(&str, &ProducerSpec)> = file
        .kafka
        .producers
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    for (i, entry) in file.timeline.iter().enumerate() {
        let at = format!("timeline[{i}]");
        if entry.at_ms > file.duration_ms {
            p.add(
                format!("{at}.at_ms"),
                format!(
                    "must be within the run (duration_ms {}), got {}",
                    file.duration_ms, entry.at_ms
                ),
            );
        }
        let (group, member) = match &entry.action {
            Intervention::ConsumerJoin { group, member } => (group, &member.name),
            Intervention::ConsumerSubscribe {
                group,
                member,
                topics,
            } => {
                let classic = (kafka.groups.iter())
                    .any(|g| &g.name == group && g.protocol == GroupProtocol::Classic);
                if classic {
                    p.add(
                        format!("{at}.group"),
                        format!("{group:?} is on the classic protocol, where a group here has one subscription; consumer_subscribe is for protocol consumer and share groups"),
                    );
                    continue;
                }
                subscription(
                    p,
                    &at,
                    topics,
                    &|t| partitions_by_then(&grown, t),
                    &created_later(file),
                );
                (group, member)
            }
            Intervention::ConsumerRejoin { group, member }
            | Intervention::GroupSync { group, member, .. }
            | Intervention::OffsetCommit { group, member, .. }
            | Intervention::ConsumerHeartbeat { group, member, .. } => {
                let protocol = (by_hand.iter()).find(|(g, _)| g == group).map(|(_, p)| *p);
                if groups.contains(&group.as_str()) && protocol.is_none() {
                    p.add(
                        format!("{at}.group"),
                        format!("{group:?} is not a group of live clients (by_hand): its members join, assign, heartbeat and commit on their own"),
                    );
                    continue;
                }
                let wrong_protocol = match (&entry.action, protocol) {
                    (
                        Intervention::ConsumerRejoin { .. } | Intervention::GroupSync { .. },
                        Some(GroupProtocol::Consumer),
                    ) => Some(
                        "the consumer protocol, whose members heartbeat (consumer_heartbeat) and never rejoin or assign",
                    ),
                    (Intervention::ConsumerHeartbeat { .. }, Some(GroupProtocol::Classic)) => Some(
                        "the classic protocol, whose members rejoin and assign (consumer_rejoin, group_sync)",
                    ),
                    _ => None,
                };
                if let Some(why) = wrong_protocol {
                    p.add(format!("{at}.do"), format!("{group:?} is on {why}"));
                    continue;
                }
                let member_known = |name: &str| {
                    known
                        .iter()
                        .any(|(g, m, since)| g == group && *m == name && *since <= entry.at_ms)
                };
                let partition_known =
                    |p: &mut Problems, path: String, topic: &str, partition: u32| {
                        match partitions_by_then(&grown, topic) {
                            None => p.add(path, unknown_topic(topic)),
                            Some(count) if partition >= count => p.add(
                                path,
                                format!(
                                    "topic {topic:?} has partitions 0..={}, got {partition}",
                                    count.saturating_sub(1)
                                ),
                            ),
                            Some(_) => {}
                        }
                    };
                match &entry.action {
                    Intervention::GroupSync { assignment, .. } => {
                        for (j, part) in assignment.iter().enumerate() {
                            if !member_known(&part.member) {
                                p.add(
                                    format!("{at}.assignment[{j}].member"),
                                    format!(
                                        "group {group:?} has no member named {:?} by then",
                                        part.member
                                    ),
                                );
                            }
                            for (k, tp) in part.partitions.iter().enumerate() {
                                let path = format!("{at}.assignment[{j}].partitions[{k}]");
                                partition_known(p, path, &tp.topic, tp.partition);
                            }
                        }
                    }
                    Intervention::OffsetCommit { offsets, .. } => {
                        for (j, offset) in offsets.iter().enumerate() {
                            let path = format!("{at}.offsets[{j}]");
                            partition_known(p, path, &offset.topic, offset.partition);
                        }
                    }
                    Intervention::ConsumerHeartbeat {
                        member_epoch,
                        owned,
                        ..
                    } => {
                        if *member_epoch < 0 {
                            p.add(
                                format!("{at}.member_epoch"),
                                format!("must be 0 (to join) or the member's epoch, got {member_epoch}: a member leaves with consumer_leave"),
                            );
                        }
                        for (j, tp) in owned.iter().flatten().enumerate() {
                            let path = format!("{at}.owned[{j}]");
                            partition_known(p, path, &tp.topic, tp.partition);
                        }
                    }
                    _ => {}
                }
                (group, member)
            }
            Intervention::ShareAcknowledge { group, member, .. } => {
                if kafka.groups.iter().any(|g| &g.name == group) {
                    p.add(
                        format!("{at}.group"),
                        format!("{group:?} is a consumer group; only share consumers acknowledge records"),
                    );
                    continue;
                }
                (group, member)
            }
            Intervention::ConsumerSlow { processing_ms, .. }
                if *processing_ms > MAX_INTERVAL_MS =>
            {
                p.add(
                    format!("{at}.processing_ms"),
                    format!("must be at most {MAX_INTERVAL_MS}, got {processing_ms}"),
                );
                continue;
            }
            Intervention::ConsumerLeave { group, member }
            | Intervention::ConsumerCrash { group, member }
            | Intervention::ConsumerRestart { group, member }
            | Intervention::ConsumerSlow { group, member, .. } => match group {
                Some(group) => (group, member),
                None => {
                    if !file
                        .kafka
                        .standalone_consumers
                        .iter()
                        .any(|c| &c.name == member)
                    {
                        p.add(
                            format!("{at}.member"),
                            format!("no standalone consumer named {member:?}; name its group to address a group member"),
                        );
                    }
                    continue;
                }
            },
            Intervention::TopicCreate { topic } => {
                if grown.iter().any(|(name, _, _)| *name == topic.name) {
                    p.add(
                        format!("{at}.topic.name"),
                        format!("there is already a topic named {:?} by then", topic.name),
                    );
                }
                let brokers = file.kafka.cluster.brokers.clamp(1, MAX_BROKERS);
                topic_spec(p, &format!("{at}.topic"), topic, brokers);
                grown.push((topic.name.as_str(), topic.partitions, entry.at_ms));
                p.at_most("timeline (topics)", grown.len(), MAX_TOPICS);
                continue;
            }
            Intervention::AddPartitions { topic, partitions } => {
                add_partitions(p, &at, &mut grown, topic, *partitions, entry.at_ms);
                continue;
            }
            Intervention::BrokerKill { broker }
            | Intervention::BrokerShutdown { broker }
            | Intervention::BrokerRestart { broker }
            | Intervention::BrokerIsolate { broker }
            | Intervention::BrokerReconnect { broker } => {
                let brokers = file.kafka.cluster.brokers;
                if *broker >= brokers {
                    p.add(
                        format!("{at}.broker"),
                        format!(
                            "no broker {broker}: the cluster has brokers 0..={}",
                            brokers.saturating_sub(1)
                        ),
                    );
                }
                continue;
            }
            Intervention::ControllerKill { controller }
            | Intervention::ControllerRestart { controller }
            | Intervention::ControllerIsolate { controller }
            | Intervention::ControllerReconnect { controller } => {
                controller_named(
                    p,
                    &format!("{at}.controller"),
                    *controller,
                    &file.kafka.cluster,
                );
                continue;
            }
            Intervention::PreferredLeaderElection => continue,
            Intervention::ProducerAdd { producer } => {
                if producers.iter().any(|(name, _)| *name == producer.name) {
                    p.add(
                        format!("{at}.producer.name"),
                        format!("there is already a producer named {:?}", producer.name),
                    );
                }
                let partitions_of = |topic: &str| partitions_by_then(&grown, topic);
                producer_spec(p, &format!("{at}.producer"), producer, &partitions_of);
                producers.push((producer.name.as_str(), producer));
                continue;
            }
            Intervention::ProducerRemove { producer } => {
                if !producers.iter().any(|(name, _)| name == producer) {
                    p.add(
                        format!("{at}.producer"),
                        format!("no producer named {producer:?} by then"),
                    );
                }
                continue;
            }
            Intervention::Produce {
                producer,
                partition,
                broker,
                ..
            } => {
                let brokers = file.kafka.cluster.brokers;
                if let Some(broker) = broker.filter(|&b| b >= brokers) {
                    p.add(
                        format!("{at}.broker"),
                        format!(
                            "no broker {broker}: the cluster has brokers 0..={}",
                            brokers.saturating_sub(1)
                        ),
                    );
                }
                let spec = producers
                    .iter()
                    .find(|(name, _)| name == producer)
                    .map(|&(_, spec)| spec);
                match (spec, partition) {
                    (None, _) => p.add(
                        format!("{at}.producer"),
                        format!("no producer named {producer:?} by then"),
                    ),
                    (Some(spec), Some(partition)) => {
                        let count = partitions_by_then(&grown, &spec.topic).unwrap_or(0);
                        if *partition >= count {
                            p.add(
                                format!("{at}.partition"),
                                format!(
                                    "topic {:?} has partitions 0..={}, got {partition}",
                                    spec.topic,
                                    count.saturating_sub(1)
                                ),
                            );
                        }
                    }
                    (Some(_), None) => {}
                }
                continue;
            }
            Intervention::GroupAdd { group } => {
                if groups.contains(&group.name.as_str()) {
                    p.add(
                        format!("{at}.group.name"),
                        format!("there is already a group named {:?}", group.name),
                    );
                }
                let partitions_of = |topic: &str| partitions_by_then(&grown, topic);
                group_spec(
                    p,
                    &format!("{at}.group"),
                    group,
                    &partitions_of,
                    &created_later(file),
                );
                groups.push(&group.name);
                if group.by_hand {
                    by_hand.push((&group.name, group.protocol));
                }
                p.at_most("timeline (groups)", groups.len(), MAX_GROUPS);
                known.extend(
                    group
                        .members
                        .iter()
                        .map(|m| (group.name.as_str(), m.name.as_str(), entry.at_ms)),
                );
                continue;
            }
            Intervention::RabbitPublish { .. }
            | Intervention::RabbitConsumerSlow { .. }
            | Intervention::RabbitConsumerPrefetch { .. }
            | Intervention::RabbitExchangeDeclare { .. }
            | Intervention::RabbitPublisherAdd { .. }
            | Intervention::RabbitConsumerAdd { .. }
            | Intervention::RabbitConsumerCrash { .. }
            | Intervention::RabbitConsumerRestart { .. }
            | Intervention::RabbitQueueDeclare { .. }
            | Intervention::RabbitQueueDelete { .. }
            | Intervention::RabbitBind { .. }
            | Intervention::RabbitUnbind { .. }
            | Intervention::RabbitAck { .. }
            | Intervention::RabbitConsumerCancel { .. }
            | Intervention::RabbitGet { .. }
            | Intervention::RabbitQueuePurge { .. }
            | Intervention::RabbitExchangeDelete { .. }
            | Intervention::RabbitNack { .. } => {
                rabbit.entry(p, &at, &entry.action);
                continue;
            }
        };
        if !groups.contains(&group.as_str()) {
            p.add(
                format!("{at}.group"),
                format!("no group named {group:?} by then"),
            );
            continue;
        }
        let since = known
            .iter()
            .find(|(g, m, _)| g == group && m == member)
            .map(|&(_, _, since)| since);
        match (&entry.action, since) {
            (Intervention::ConsumerJoin { member: spec, .. }, None) => {
                member_spec(p, &format!("{at}.member"), spec);
                known.push((group, &spec.name, entry.at_ms));
            }
            (Intervention::ConsumerJoin { .. }, Some(_)) => p.add(
                format!("{at}.member.name"),
                format!("group {group:?} already has a member named {member:?}"),
            ),
            (_, None) => p.add(
                format!("{at}.member"),
                format!("group {group:?} has no member named {member:?}"),
            ),
            (_, Some(since)) if since > entry.at_ms => {
                p.add(
                    format!("{at}.at_ms"),
                    format!("member {member:?} only joins at {since} ms"),
                );
            }
            _ => {}
        }
    }
}

/// Whether checking `action` changes what the checks of later entries see:
/// it declares, adds, joins, creates, binds or deletes something later
/// entries may name. The others (a publish, an acknowledgement, a fault)
/// are only checked against what is there, so later entries are checked
/// the same without them.
pub(super) fn shapes_later_checks(action: &Intervention) -> bool {
    match action {
        Intervention::ConsumerJoin { .. }
        | Intervention::TopicCreate { .. }
        | Intervention::AddPartitions { .. }
        | Intervention::ProducerAdd { .. }
        | Intervention::GroupAdd { .. }
        | Intervention::RabbitExchangeDeclare { .. }
        | Intervention::RabbitPublisherAdd { .. }
        | Intervention::RabbitConsumerAdd { .. }
        | Intervention::RabbitQueueDeclare { .. }
        | Intervention::RabbitExchangeDelete { .. }
        | Intervention::RabbitQueueDelete { .. }
        | Intervention::RabbitBind { .. }
        | Intervention::RabbitUnbind { .. } => true,
        Intervention::ConsumerSubscribe { .. }
        | Intervention::ShareAcknowledge { .. }
        | Intervention::ConsumerRejoin { .. }
        | Intervention::GroupSync { .. }
        | Intervention::OffsetCommit { .. }
        | Intervention::ConsumerHeartbeat { .. }
        | Intervention::ConsumerSlow { .. }
        | Intervention::ConsumerLeave { .. }
        | Intervention::ConsumerCrash { .. }
        | Intervention::ConsumerRestart { .. }
        | Intervention::BrokerKill { .. }
        | Intervention::BrokerShutdown { .. }
        | Intervention::BrokerRestart { .. }
        | Intervention::BrokerIsolate { .. }
        | Intervention::BrokerReconnect { .. }
        | Intervention::ControllerKill { .. }
        | Intervention::ControllerRestart { .. }
        | Intervention::ControllerIsolate { .. }
        | Intervention::ControllerReconnect { .. }
        | Intervention::PreferredLeaderElection
        | Intervention::ProducerRemove { .. }
        | Intervention::Produce { .. }
        | Intervention::RabbitPublish { .. }
        | Intervention::RabbitConsumerSlow { .. }
        | Intervention::RabbitConsumerPrefetch { .. }
        | Intervention::RabbitConsumerCrash { .. }
        | Intervention::RabbitConsumerRestart { .. }
        | Intervention::RabbitAck { .. }
        | Intervention::RabbitNack { .. }
        | Intervention::RabbitConsumerCancel { .. }
        | Intervention::RabbitGet { .. }
        | Intervention::RabbitQueuePurge { .. } => false,
    }
}

/// One producer's settings, at `at`: in `kafka.producers` or added by the
/// timeline.
fn producer_spec(
    p: &mut Problems,
    at: &str,
    producer: &ProducerSpec,
    partitions_of: &dyn Fn(&str) -> Option<u32>,
) {
    p.name(format!("{at}.name"), &producer.name);
    p.in_range(
        format!("{at}.retry_backoff_ms"),
        producer.retry_backoff_ms,
        1..=MAX_INTERVAL_MS,
    );
    if let Some(retries) = producer.retries {
        p.in_range(format!("{at}.retries"), retries, 0..=MAX_RETRIES);
    }
    // Rate 0: it sends only what the timeline says (a live client's
    // records).
    if producer.rate_per_sec != 0.0 {
        p.rate(format!("{at}.rate_per_sec"), producer.rate_per_sec);
    }
    if !(0.0..=1.0).contains(&producer.unkeyed_ratio) {
        p.add(
            format!("{at}.unkeyed_ratio"),
            format!("must be 0..=1, got {}", producer.unkeyed_ratio),
        );
    }
    p.at_most(&format!("{at}.keys"), producer.keys.len(), MAX_KEYS);
    for (k, key) in producer.keys.iter().enumerate() {
        p.name(format!("{at}.keys[{k}]"), key);
    }
    p.at_most(
        &format!("{at}.headers"),
        producer.headers.len(),
        MAX_HEADERS,
    );
    for (name, value) in &producer.headers {
        p.name(format!("{at}.headers.{name}"), name);
        if value.chars().count() > MAX_NAME_LEN {
            p.add(
                format!("{at}.headers.{name}"),
                format!("must be at most {MAX_NAME_LEN} characters"),
            );
        }
    }
    match partitions_of(&producer.topic) {
        None => p.add(format!("{at}.topic"), unknown_topic(&producer.topic)),
        Some(count) => {
            if let Some(partition) = producer.partition.filter(|&n| n >= count) {
                p.add(
                    format!("{at}.partition"),
                    format!(
                        "topic {:?} has partitions 0..={}, got {partition}",
                        producer.topic,
                        count - 1
                    ),
                );
            }
        }
    }
}

/// The cluster's size and timings.
fn cluster(p: &mut Problems, file: &ScenarioFile) {
    let cluster = &file.kafka.cluster;
    p.in_range(
        "kafka.cluster.brokers".into(),
        cluster.brokers,
        1..=MAX_BROKERS,
    );
    p.in_range(
        "kafka.cluster.replica_fetch_interval_ms".into(),
        cluster.replica_fetch_interval_ms,
        1..=MAX_INTERVAL_MS,
    );
    p.in_range(
        "kafka.cluster.replica_lag_time_max_ms".into(),
        cluster.replica_lag_time_max_ms,
        1..=MAX_INTERVAL_MS,
    );
    p.in_range(
        "kafka.cluster.zookeeper_session_timeout_ms".into(),
        cluster.zookeeper_session_timeout_ms,
        3..=MAX_INTERVAL_MS,
    );
    if let MetadataSpec::Kraft(kraft) = &cluster.metadata {
        quorum(p, kraft, cluster.brokers);
    }
}

/// A timeline entry's `controller`: a dedicated controller of a KRaft
/// cluster (node ids from 100); combined controllers are brokers.
fn controller_named(p: &mut Problems, at: &str, controller: u32, cluster: &ClusterSpec) {
    let why = match &cluster.metadata {
        MetadataSpec::Zookeeper if p.in_pane => return,
        MetadataSpec::Zookeeper => {
            "only a KRaft cluster has controllers (kafka.cluster.metadata)".to_string()
        }
        MetadataSpec::Kraft(k) if k.process_roles == ProcessRoles::BrokerController => format!(
            "the controllers are brokers 0..={} (process_roles \"broker,controller\"): kill or isolate the broker",
            k.controllers.saturating_sub(1)
        ),
        MetadataSpec::Kraft(k) if !(100..100 + k.controllers).contains(&controller) => format!(
            "no controller {controller}: the controllers are {}..={}",
            100,
            100 + k.controllers.saturating_sub(1)
        ),
        MetadataSpec::Kraft(_) => return,
    };
    p.add(at.to_string(), why);
}

/// A KRaft quorum: an odd number of voters, which combined with brokers
/// must be brokers too, and timings a run can keep.
fn quorum(p: &mut Problems, kraft: &KraftSpec, brokers: u32) {
    let at = "kafka.cluster.metadata";
    if ![1, 3, 5].contains(&kraft.controllers) {
        p.add(
            format!("{at}.controllers"),
            format!("must be 1, 3 or 5, got {}", kraft.controllers),
        );
    }
    if kraft.process_roles == ProcessRoles::BrokerController && kraft.controllers > brokers {
        p.add(
            format!("{at}.controllers"),
            format!(
                "with process_roles \"broker,controller\" the controllers are brokers: at most {brokers}, got {}",
                kraft.controllers
            ),
        );
    }
    for (field, value) in [
        (
            "broker_heartbeat_interval_ms",
            kraft.broker_heartbeat_interval_ms,
        ),
        ("election_timeout_ms", kraft.election_timeout_ms),
        ("fetch_timeout_ms", kraft.fetch_timeout_ms),
    ] {
        p.in_range(format!("{at}.{field}"), value, 1..=MAX_INTERVAL_MS);
    }
    p.in_range(
        format!("{at}.broker_session_timeout_ms"),
        kraft.broker_session_timeout_ms,
        kraft.broker_heartbeat_interval_ms.saturating_add(1)..=MAX_INTERVAL_MS,
    );
}

fn kafka(p: &mut Problems, file: &ScenarioFile) {
    let kafka = &file.kafka;
    cluster(p, file);
    let brokers = kafka.cluster.brokers.clamp(1, MAX_BROKERS);
    p.in_range(
        "kafka.group_initial_rebalance_delay_ms".into(),
        kafka.group_initial_rebalance_delay_ms,
        0..=MAX_INTERVAL_MS,
    );
    p.in_range(
        "kafka.retention_check_interval_ms".into(),
        kafka.retention_check_interval_ms,
        1..=MAX_INTERVAL_MS,
    );
    p.at_most("kafka.topics", kafka.topics.len(), MAX_TOPICS);
    p.unique("kafka.topics", kafka.topics.iter().map(|t| t.name.as_str()));
    for (i, topic) in kafka.topics.iter().enumerate() {
        topic_spec(p, &format!("kafka.topics[{i}]"), topic, brokers);
    }
    let created = created_later(file);
    let partitions_of = |name: &str| {
        kafka
            .topics
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.partitions)
    };

    p.at_most("kafka.producers", kafka.producers.len(), MAX_PRODUCERS);
    p.unique(
        "kafka.producers",
        kafka.producers.iter().map(|t| t.name.as_str()),
    );
    for (i, producer) in kafka.producers.iter().enumerate() {
        producer_spec(
            p,
            &format!("kafka.producers[{i}]"),
            producer,
            &partitions_of,
        );
    }

    p.at_most("kafka.groups", kafka.groups.len(), MAX_GROUPS);
    p.unique("kafka.groups", kafka.groups.iter().map(|g| g.name.as_str()));
    for (i, group) in kafka.groups.iter().enumerate() {
        group_spec(
            p,
            &format!("kafka.groups[{i}]"),
            group,
            &partitions_of,
            &created,
        );
    }
    share_groups(p, file, &partitions_of, &created);
}

/// Share groups: names no other group has, known topics, members, and
/// Kafka's ranges for the `group.share.*` settings.
fn share_groups(
    p: &mut Problems,
    file: &ScenarioFile,
    partitions_of: &dyn Fn(&str) -> Option<u32>,
    created: &[&str],
) {
    let kafka = &file.kafka;
    p.at_most("kafka.share_groups", kafka.share_groups.len(), MAX_GROUPS);
    p.unique(
        "kafka.share_groups",
        kafka.share_groups.iter().map(|g| g.name.as_str()),
    );
    for (i, group) in kafka.share_groups.iter().enumerate() {
        let at = format!("kafka.share_groups[{i}]");
        p.name(format!("{at}.name"), &group.name);
        if kafka.groups.iter().any(|g| g.name == group.name) {
            p.add(
                format!("{at}.name"),
                format!(
                    "{:?} is a consumer group's group.id too; a group has one type",
                    group.name
                ),
            );
        }
        subscription(p, &at, &group.topics, partitions_of, created);
        // `GroupCoordinatorConfig`'s ranges.
        p.in_range(
            format!("{at}.record_lock_duration_ms"),
            group.record_lock_duration_ms,
            1_000..=3_600_000,
        );
        p.in_range(
            format!("{at}.delivery_count_limit"),
            group.delivery_count_limit,
            2..=10,
        );
        p.in_range(
            format!("{at}.partition_max_record_locks"),
            group.partition_max_record_locks,
            100..=10_000,
        );
        failures_spec(p, &at, &group.failures);
        members(p, &at, &group.members);
    }
}

/// One topic's settings, at `at`: in `kafka.topics` or created by the
/// timeline, on a cluster of `brokers`.
fn topic_spec(p: &mut Problems, at: &str, topic: &TopicSpec, brokers: u32) {
    topic_name(p, format!("{at}.name"), &topic.name);
    p.in_range(
        format!("{at}.partitions"),
        topic.partitions,
        1..=MAX_PARTITIONS,
    );
    if let Some(ms) = topic.retention_ms {
        p.in_range(format!("{at}.retention_ms"), ms, 1..=MAX_DURATION_MS);
    }
    if topic.replication_factor > brokers || topic.replication_factor == 0 {
        p.add(
            format!("{at}.replication_factor"),
            format!(
                "must be 1..={brokers} (the cluster has {brokers} broker{}), got {}",
                if brokers == 1 { "" } else { "s" },
                topic.replication_factor
            ),
        );
    } else {
        p.in_range(
            format!("{at}.min_insync_replicas"),
            topic.min_insync_replicas,
            1..=topic.replication_factor,
        );
    }
    if let Some(records) = topic.retention_records {
        p.in_range(
            format!("{at}.retention_records"),
            records,
            1..=MAX_RETAINED_RECORDS,
        );
    }
}

/// The topics the timeline creates.
fn created_later(file: &ScenarioFile) -> Vec<&str> {
    file.timeline
        .iter()
        .filter_map(|entry| match &entry.action {
            Intervention::TopicCreate { topic } => Some(topic.name.as_str()),
            _ => None,
        })
        .collect()
}

/// One group's settings, at `at`: in `kafka.groups` or started by the
/// timeline.
///
/// A group may subscribe to a topic that does not exist, as a Kafka
/// consumer may: its members read the other topics (the assignors leave a
/// topic without metadata out) and take the topic's partitions if the
/// timeline creates it. One the run never has is only warned about.
fn group_spec(
    p: &mut Problems,
    at: &str,
    group: &GroupSpec,
    partitions_of: &dyn Fn(&str) -> Option<u32>,
    created_later: &[&str],
) {
    p.name(format!("{at}.name"), &group.name);
    subscription(p, at, &group.topics, partitions_of, created_later);
    failures_spec(p, at, &group.failures);
    if group.by_hand && !group.failures.is_none() {
        p.add(
            format!("{at}.failures"),
            "the members of a by_hand group process records outside the run: failures do not apply",
        );
    }
    p.in_range(
        format!("{at}.retry.retries"),
        group.retry.retries,
        0..=MAX_RETRIES,
    );
    p.in_range(
        format!("{at}.retry.backoff_ms"),
        group.retry.backoff_ms,
        0..=MAX_INTERVAL_MS,
    );
    if let Some(dlt) = &group.retry.dead_letter_topic {
        if partitions_of(dlt).is_none() {
            p.add(format!("{at}.retry.dead_letter_topic"), unknown_topic(dlt));
        } else if group.topics.contains(dlt) {
            p.add(
                format!("{at}.retry.dead_letter_topic"),
                format!(
                    "{dlt:?} is a topic the group reads; dead letters would come straight back"
                ),
            );
        }
    }
    if let CommitMode::Auto { interval_ms } = group.commit {
        p.in_range(
            format!("{at}.commit.interval_ms"),
            interval_ms,
            1..=MAX_INTERVAL_MS,
        );
    }
    p.in_range(
        format!("{at}.session_timeout_ms"),
        group.session_timeout_ms,
        1..=MAX_INTERVAL_MS,
    );
    // Each protocol's own settings, refused by name under the other.
    match group.protocol {
        GroupProtocol::Consumer if group.assignment_strategy != Strategy::default() => p.add(
            format!("{at}.assignment_strategy"),
            "applies to the classic protocol; with protocol consumer the coordinator assigns (remote_assignor)",
        ),
        GroupProtocol::Consumer if group.session_timeout_ms != defaults::session_timeout_ms() => p.add(
            format!("{at}.session_timeout_ms"),
            "applies to the classic protocol; with protocol consumer the coordinator's group.consumer.session.timeout.ms (45 s) holds",
        ),
        GroupProtocol::Classic if group.remote_assignor != RemoteAssignor::default() => p.add(
            format!("{at}.remote_assignor"),
            "applies to protocol consumer; the classic protocol uses assignment_strategy",
        ),
        _ => {}
    }
    members(p, at, &group.members);
}

/// A group's topics: at least one; one the run never has is a warning.
fn subscription(
    p: &mut Problems,
    at: &str,
    topics: &[String],
    partitions_of: &dyn Fn(&str) -> Option<u32>,
    created_later: &[&str],
) {
    if topics.is_empty() {
        p.add(
            format!("{at}.topics"),
            "a group must subscribe to at least one topic",
        );
    }
    for (t, topic) in topics.iter().enumerate() {
        if partitions_of(topic).is_none() && !created_later.contains(&topic.as_str()) {
            p.warn(
                format!("{at}.topics[{t}]"),
                format!(
                    "no topic named {topic:?} in kafka.topics, and the timeline creates none: \
                     the group is given no partitions of it, as Kafka's assignors leave out a \
                     topic the cluster does not have"
                ),
            );
        }
    }
}

/// Processing failures: a probability and a few poison keys.
fn failures_spec(p: &mut Problems, at: &str, failures: &Failures) {
    if !(0.0..=1.0).contains(&failures.probability) {
        p.add(
            format!("{at}.failures.probability"),
            format!("must be 0..=1, got {}", failures.probability),
        );
    }
    p.at_most(
        &format!("{at}.failures.poison_keys"),
        failures.poison_keys.len(),
        MAX_KEYS,
    );
}

/// A group's members: a few, named apart, with sane poll settings.
fn members(p: &mut Problems, at: &str, members: &[MemberSpec]) {
    p.at_most(&format!("{at}.members"), members.len(), MAX_MEMBERS);
    p.unique(
        &format!("{at}.members"),
        members.iter().map(|m| m.name.as_str()),
    );
    for (m, member) in members.iter().enumerate() {
        member_spec(p, &format!("{at}.members[{m}]"), member);
    }
}

/// How many partitions `topic` has after the timeline entries read so far
/// (`grown`: topic, count, since when).
fn partitions_by_then(grown: &[(&str, u32, u64)], topic: &str) -> Option<u32> {
    grown
        .iter()
        .find(|(name, _, _)| *name == topic)
        .map(|&(_, count, _)| count)
}

/// A topic may only grow, within the limit, and in time order.
fn add_partitions(
    p: &mut Problems,
    at: &str,
    grown: &mut [(&str, u32, u64)],
    topic: &str,
    partitions: u32,
    at_ms: u64,
) {
    let Some(entry) = grown.iter_mut().find(|(name, _, _)| *name == topic) else {
        p.add(format!("{at}.topic"), unknown_topic(topic));
        return;
    };
    let (_, count, since) = *entry;
    if partitions <= count {
        p.add(
            format!("{at}.partitions"),
            format!("topic {topic:?} already has {count} partitions; partitions can be added, never removed"),
        );
    } else if partitions > MAX_PARTITIONS {
        p.add(
            format!("{at}.partitions"),
            format!("must be at most {MAX_PARTITIONS}, got {partitions}"),
        );
    } else if at_ms < since {
        p.add(
            format!("{at}.at_ms"),
            format!("an earlier entry grows topic {topic:?} later, at {since} ms"),
        );
    } else {
        *entry = (entry.0, partitions, at_ms);
    }
}

fn member_spec(p: &mut Problems, at: &str, member: &MemberSpec) {
    p.name(format!("{at}.name"), &member.name);
    p.in_range(
        format!("{at}.poll_interval_ms"),
        member.poll_interval_ms,
        1..=MAX_INTERVAL_MS,
    );
    p.in_range(
        format!("{at}.max_poll_records"),
        member.max_poll_records,
        1..=MAX_POLL_RECORDS,
    );
    p.in_range(
        format!("{at}.processing_ms"),
        member.processing_ms,
        0..=MAX_INTERVAL_MS,
    );
}

/// Standalone consumers: unique names, known topics, sane poll settings.
fn standalone(p: &mut Problems, file: &ScenarioFile) {
    let kafka = &file.kafka;
    p.at_most(
        "kafka.standalone_consumers",
        kafka.standalone_consumers.len(),
        MAX_MEMBERS,
    );
    p.unique(
        "kafka.standalone_consumers",
        kafka.standalone_consumers.iter().map(|c| c.name.as_str()),
    );
    for (i, consumer) in kafka.standalone_consumers.iter().enumerate() {
        let at = format!("kafka.standalone_consumers[{i}]");
        member_spec(p, &at, &consumer.member());
        if consumer.topics.is_empty() {
            p.add(
                format!("{at}.topics"),
                "a consumer must read at least one topic",
            );
        }
        for (t, topic) in consumer.topics.iter().enumerate() {
            if !kafka.topics.iter().any(|x| &x.name == topic) {
                p.add(format!("{at}.topics[{t}]"), unknown_topic(topic));
            }
        }
    }
}

fn unknown_topic(name: &str) -> String {
    format!("no topic named {name:?} in kafka.topics")
}

/// Kafka's rule for topic names: 1 to 249 of `a-z A-Z 0-9 . _ -`, not `.` or `..`.
fn topic_name(p: &mut Problems, path: String, name: &str) {
    let legal = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if name.is_empty() || name.len() > MAX_TOPIC_NAME_LEN {
        p.add(
            path,
            format!("must be 1 to {MAX_TOPIC_NAME_LEN} characters"),
        );
    } else if name == "." || name == ".." {
        p.add(path, "cannot be \".\" or \"..\"");
    } else if let Some(c) = name.chars().find(|&c| !legal(c)) {
        p.add(
            path,
            format!("may only contain letters, digits, '.', '_' and '-', found {c:?}"),
        );
    }
}
