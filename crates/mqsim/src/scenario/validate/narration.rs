//! Validation of a scenario's narration: every counter and check must read,
//! and name something the scenario has by its end.

use super::Problems;
use crate::scenario::limits::MAX_NAME_LEN;
use crate::scenario::narration::{
    Check, INSPECTABLE, Measured, Piece, parse_check, parse_counter, parse_partition, pieces,
};
use crate::scenario::{Intervention, MetadataSpec, ScenarioFile, TimelineEntry, group_id, roster};

/// Lines one narration's lists may have, each.
const MAX_LINES: usize = 16;
/// Characters in one narration line.
const MAX_LINE: usize = 4 * MAX_NAME_LEN;

pub(super) fn problems(p: &mut Problems, file: &ScenarioFile) {
    let id = |b: u8| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-');
    if let Some(preset) = &file.preset
        && (!(1..=64).contains(&preset.len()) || !preset.bytes().all(id))
    {
        p.add("preset", "must be a preset id: 1 to 64 of a-z, 0-9 and -");
    }
    let Some(narration) = &file.narration else {
        return;
    };
    p.at_most("narration.watch_for", narration.watch_for.len(), MAX_LINES);
    p.at_most("narration.try_this", narration.try_this.len(), MAX_LINES);
    for (i, line) in narration.watch_for.iter().enumerate() {
        let at = format!("narration.watch_for[{i}]");
        line_length(p, &at, line);
        for piece in pieces(line) {
            if let Piece::Counter(counter) = piece {
                counter_problem(p, &at, file, counter);
            }
        }
    }
    for (i, step) in narration.try_this.iter().enumerate() {
        let at = format!("narration.try_this[{i}]");
        line_length(p, &format!("{at}.text"), &step.text);
        if pieces(&step.text)
            .iter()
            .any(|piece| matches!(piece, Piece::Counter(_)))
        {
            p.add(
                format!("{at}.text"),
                "counters go in watch_for lines, not in steps",
            );
        }
        check_problem(p, &format!("{at}.done_when"), &step.done_when);
    }
}

fn line_length(p: &mut Problems, at: &str, line: &str) {
    if line.trim().is_empty() || line.chars().count() > MAX_LINE {
        p.add(at, format!("must be 1 to {MAX_LINE} characters"));
    }
}

/// Reports a check that does not read, or names an unknown kind, field or
/// thing to inspect.
fn check_problem(p: &mut Problems, at: &str, text: &str) {
    match parse_check(text) {
        None => p.add(
            at,
            format!("{text:?} is not `did KIND FIELD=VALUE…`, `inspected WHAT` or `rewound`"),
        ),
        Some(Check::Did { kind, with }) => match TimelineEntry::fields_of(kind) {
            None => p.add(at, format!("{kind:?} is not a timeline `do`")),
            Some(fields) => {
                for (field, _) in with {
                    if !fields.contains(&field) {
                        p.add(at, format!("{kind} has no field {field:?}"));
                    }
                }
            }
        },
        Some(Check::Inspected(what)) if !INSPECTABLE.contains(&what) => p.add(
            at,
            format!(
                "the inspector opens on {}, not {what:?}",
                INSPECTABLE.join(", ")
            ),
        ),
        Some(_) => {}
    }
}

/// Reports a counter whose measure is unknown or whose name the scenario
/// lacks.
fn counter_problem(p: &mut Problems, at: &str, file: &ScenarioFile, counter: &str) {
    let Some((measured, _, name)) = parse_counter(counter) else {
        p.add(
            at,
            format!("{{{counter}}} is not `{{MEASURE NAME}}` with a known measure"),
        );
        return;
    };
    let topics = file.topics();
    let known = match measured {
        Measured::Group => group_id(file, name).is_some(),
        Measured::Member => roster(file).iter().any(|c| c.spec.name == name),
        Measured::Topic => topics.iter().any(|(t, _)| t.name == name),
        Measured::Partition => parse_partition(name).is_some_and(|(topic, n)| {
            let base = topics.iter().map(|(t, _)| t).find(|t| t.name == topic);
            let grown = file
                .timeline
                .iter()
                .filter_map(|entry| match &entry.action {
                    Intervention::AddPartitions {
                        topic: t,
                        partitions,
                    } if t == topic => Some(*partitions),
                    _ => None,
                });
            let count = base.map(|t| t.partitions).into_iter().chain(grown).max();
            count.is_some_and(|count| n < count)
        }),
        Measured::Queue => file.rabbit_queues().iter().any(|(q, _)| q.name == name),
        Measured::RabbitConsumer => file.rabbit_consumers().iter().any(|(c, _)| c.name == name),
        Measured::Exchange => {
            name.is_empty() || file.rabbit.exchanges.iter().any(|x| x.name == name)
        }
        Measured::Quorum => {
            if !file
                .kafka_modes()
                .iter()
                .any(|m| matches!(m, MetadataSpec::Kraft(_)))
            {
                p.add(
                    at,
                    format!("{{{counter}}}: only a KRaft cluster has a controller quorum (kafka.cluster.metadata)"),
                );
                return;
            }
            ["active", "epoch"].contains(&name)
        }
    };
    if !known {
        p.add(
            at,
            format!(
                "{{{counter}}}: the scenario has no {} named {name:?}",
                measured.noun()
            ),
        );
    }
}
