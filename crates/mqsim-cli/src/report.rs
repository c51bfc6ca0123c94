//! The plain-text report of `mqsim run`, in the columns of
//! `kafka-topics.sh` and `kafka-consumer-groups.sh --describe` for Kafka
//! and of `rabbitmqctl list_queues` for RabbitMQ.

use mqsim::Scenario;
use mqsim::SimTime;
use mqsim::ids::GroupId;
use mqsim::kafka::pauses::Pauses;
use mqsim::kafka::summary::{GroupSummary, KafkaSummary, ShareGroupSummary};
use mqsim::rabbit::summary::RabbitSummary;
use std::fmt::Write;

/// The report for a run of `scenario`.
pub fn text(
    scenario: &Scenario,
    kafka: &KafkaSummary,
    rabbit: &RabbitSummary,
    pauses: &Pauses,
) -> String {
    let at = SimTime::from_millis(kafka.at_ms);
    let mut out = format!("{} at {at}\n", scenario.file().name);
    if !kafka.topics.is_empty() {
        out.push_str(&kafka_text(kafka, pauses));
    }
    if !rabbit.queues.is_empty() {
        out.push_str(&rabbit_text(rabbit));
    }
    out
}

fn rabbit_text(summary: &RabbitSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<20} {:<8} {:>14} {:>24} {:>10}",
        "QUEUE", "TYPE", "MESSAGES_READY", "MESSAGES_UNACKNOWLEDGED", "CONSUMERS"
    );
    for q in &summary.queues {
        let _ = writeln!(
            out,
            "{:<20} {:<8} {:>14} {:>24} {:>10}",
            q.name, q.kind, q.messages_ready, q.messages_unacknowledged, q.consumers
        );
    }
    for c in &summary.consumers {
        let _ = writeln!(
            out,
            "  {} on {}: handled {} messages",
            c.name, c.queue, c.handled
        );
    }
    out
}

fn kafka_text(summary: &KafkaSummary, pauses: &Pauses) -> String {
    let at = SimTime::from_millis(summary.at_ms);
    let mut out = String::new();
    let cluster = &summary.cluster;
    let ids = |ids: &[u32]| {
        let names: Vec<String> = ids.iter().map(u32::to_string).collect();
        names.join(",")
    };
    let or_none = |b: Option<u32>| b.map_or("none".to_string(), |b| b.to_string());
    let _ = write!(out, "\nBROKERS {}", ids(&cluster.live_brokers));
    if !cluster.dead_brokers.is_empty() {
        let _ = write!(out, " (down: {})", ids(&cluster.dead_brokers));
    }
    if !cluster.isolated_brokers.is_empty() {
        let _ = write!(out, " (cut off: {})", ids(&cluster.isolated_brokers));
    }
    match &cluster.quorum {
        None => {
            let _ = writeln!(
                out,
                "  CONTROLLER {} (epoch {})",
                or_none(cluster.controller),
                cluster.controller_epoch
            );
        }
        // As `kafka-metadata-quorum.sh describe --status` prints it.
        Some(q) => {
            let list = |nodes: &[u32]| format!("[{}]", ids(nodes));
            let _ = writeln!(out, "\nMETADATA QUORUM (KRaft)");
            let _ = writeln!(out, "LeaderId:              {}", or_none(q.leader_id));
            let _ = writeln!(out, "LeaderEpoch:           {}", q.leader_epoch);
            let _ = writeln!(out, "HighWatermark:         {}", q.high_watermark);
            let _ = writeln!(out, "MaxFollowerLag:        {}", q.max_follower_lag);
            let _ = writeln!(out, "CurrentVoters:         {}", list(&q.current_voters));
            let _ = writeln!(out, "CurrentObservers:      {}", list(&q.current_observers));
        }
    }
    for topic in &summary.topics {
        if topic.partitions.is_empty() {
            let _ = writeln!(out, "\nTOPIC {}: not created yet", topic.name);
            continue;
        }
        let _ = writeln!(out, "\nTOPIC {}", topic.name);
        let _ = writeln!(
            out,
            "{:<10} {:>9} {:>15} {:>15}  {:<7} {:<9} {:<7} LOST",
            "PARTITION",
            "MESSAGES",
            "LOG-END-OFFSET",
            "HIGH-WATERMARK",
            "LEADER",
            "REPLICAS",
            "ISR"
        );
        for p in &topic.partitions {
            let _ = writeln!(
                out,
                "{:<10} {:>9} {:>15} {:>15}  {:<7} {:<9} {:<7} {}",
                p.partition,
                p.messages,
                p.log_end_offset,
                p.high_watermark,
                or_none(p.leader),
                ids(&p.replicas),
                ids(&p.isr),
                p.lost_records
            );
            if p.replica_offsets.len() > 1 {
                let each: Vec<String> = p
                    .replica_offsets
                    .iter()
                    .map(|r| {
                        format!(
                            "broker {} {}/{}",
                            r.broker, r.log_end_offset, r.high_watermark
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "{:<10} log end/high watermark: {}",
                    "",
                    each.join(", ")
                );
            }
        }
    }
    for (g, group) in summary.groups.iter().enumerate() {
        if let Some(share) = &group.share {
            share_group(&mut out, group, share);
            continue;
        }
        if group.standalone {
            let _ = writeln!(
                out,
                "\nSTANDALONE CONSUMER {} (no group.id: commits nothing)",
                group.name
            );
        } else {
            let era = match group.epoch {
                Some(epoch) => format!("consumer protocol, group epoch {epoch}"),
                None => format!("generation {}", group.generation),
            };
            let _ = writeln!(
                out,
                "\nGROUP {} ({era}, coordinator {})",
                group.name,
                or_none(group.coordinator)
            );
        }
        let _ = writeln!(
            out,
            "{:<16} {:<10} {:>15} {:>15} {:>6}  CONSUMER",
            "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"
        );
        for p in &group.partitions {
            let or_dash = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            let _ = writeln!(
                out,
                "{:<16} {:<10} {:>15} {:>15} {:>6}  {}",
                p.topic,
                p.partition,
                or_dash(p.committed_offset),
                p.log_end_offset,
                or_dash(p.lag),
                p.owner.as_deref().unwrap_or("-")
            );
        }
        for m in &group.members {
            let state = if m.running { "" } else { " (not running)" };
            let again = if m.duplicates > 0 {
                format!(", {} of them again", m.duplicates)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {}{state} processed {} records{again}",
                m.name, m.processed
            );
            if m.failures > 0 {
                let _ = writeln!(
                    out,
                    "    {} failed attempts; {} records dead-lettered, {} skipped",
                    m.failures, m.dead_lettered, m.skipped
                );
            }
        }
        if group.duplicates > 0 {
            let _ = writeln!(
                out,
                "  {} records were processed twice: a member stopped before committing them",
                group.duplicates
            );
        }
        let (paused, stopped) = (
            pauses.paused_ms(GroupId(g as u32), at),
            pauses.stopped_ms(GroupId(g as u32), at),
        );
        if paused > 0 {
            let _ = writeln!(
                out,
                "  its partitions went without an owner for {:.1} s in all (partition-seconds: rebalances and crashes); the whole group stopped for {:.1} s",
                paused as f64 / 1000.0,
                stopped as f64 / 1000.0
            );
        }
    }
    out
}

/// A share group, as `kafka-share-groups.sh --describe` shows it, with
/// each share-partition's in-flight records by state.
fn share_group(out: &mut String, group: &GroupSummary, share: &ShareGroupSummary) {
    let _ = writeln!(
        out,
        "\nSHARE GROUP {} (group epoch {}, coordinator {})",
        group.name,
        share.group_epoch,
        group
            .coordinator
            .map_or("none".to_string(), |b| b.to_string())
    );
    let _ = writeln!(
        out,
        "{:<16} {:<10} {:>12} {:>10} {:>9} {:>8} {:>8} {:>6}",
        "TOPIC",
        "PARTITION",
        "START-OFFSET",
        "END-OFFSET",
        "AVAILABLE",
        "ACQUIRED",
        "ARCHIVED",
        "LAG"
    );
    for p in &share.partitions {
        let _ = writeln!(
            out,
            "{:<16} {:<10} {:>12} {:>10} {:>9} {:>8} {:>8} {:>6}",
            p.topic,
            p.partition,
            p.start_offset,
            p.end_offset,
            p.available,
            p.acquired,
            p.archived,
            p.lag
        );
    }
    for m in &group.members {
        let state = if m.running { "" } else { " (not running)" };
        let again = match m.duplicates {
            0 => String::new(),
            k => format!(", {k} of them again"),
        };
        let _ = writeln!(
            out,
            "  {}{state} processed {} records{again}",
            m.name, m.processed
        );
        if m.failures > 0 {
            let _ = writeln!(out, "    {} failed deliveries", m.failures);
        }
    }
}
