//! A scenario that grows: a live run's recording gains its entries one at a
//! time, each as it happens.
//!
//! Validation walks the whole timeline, entry by entry, keeping what each
//! entry leaves behind (the queues declared by then, the members joined).
//! Done again for every entry a client makes, that walk makes the n-th
//! entry cost n, and a run of many thousand publishes slows to a crawl.
//! But most entries leave nothing behind for later checks: a publish, an
//! acknowledgement or a broker kill is checked against what is there, and
//! changes nothing a later entry is checked against
//! ([`validate::shapes_later_checks`]). So a new entry is checked on a copy
//! of the scenario that keeps only the entries that shape later checks, the
//! new entry and whatever comes after it. That check says exactly what
//! validating the whole grown file would say, and costs what the
//! declarations cost, not the publishes.

use super::limits::{MAX_DURATION_MS, MAX_TIMELINE};
use super::{Problem, Scenario, ScenarioError, TimelineEntry, validate};

impl Scenario {
    /// Adds `entry` to the timeline, after the entries already there for
    /// its moment and before those scripted for later, and returns where
    /// it went. It is refused with the problems validation would report
    /// for the grown file, with their paths in it, and then nothing
    /// changes.
    pub fn push_entry(&mut self, entry: TimelineEntry) -> Result<usize, ScenarioError> {
        let file = &mut self.0;
        if file.timeline.len() >= MAX_TIMELINE {
            return Err(invalid(
                "timeline",
                format!("at most {MAX_TIMELINE} entries allowed"),
            ));
        }
        let index = file.timeline.partition_point(|e| e.at_ms <= entry.at_ms);
        // What the new entry's check needs: the entries before it that
        // later checks see, then it, then every entry after it.
        let kept: Vec<usize> = (0..index)
            .filter(|&i| validate::shapes_later_checks(&file.timeline[i].action))
            .collect();
        let timeline = std::mem::take(&mut file.timeline);
        let mut shaped = file.clone();
        shaped.timeline = (kept.iter().map(|&i| timeline[i].clone()))
            .chain(std::iter::once(entry.clone()))
            .chain(timeline[index..].iter().cloned())
            .collect();
        file.timeline = timeline;
        // The copy is shorter than the grown file, whose length is
        // checked above.
        let (problems, _) = validate::check_with(&shaped, usize::MAX);
        if !problems.is_empty() {
            // The checked copy's entry numbers are the grown file's.
            let number = |k: usize| match k.cmp(&kept.len()) {
                std::cmp::Ordering::Less => kept[k],
                _ => index + (k - kept.len()),
            };
            let problems = problems
                .into_iter()
                .map(|problem| renumbered(problem, number))
                .collect();
            return Err(ScenarioError::Invalid(problems));
        }
        file.timeline.insert(index, entry);
        Ok(index)
    }

    /// Makes the run last `duration_ms` if that is longer than it does:
    /// a live run lasts as long as its clients act.
    pub fn lengthen(&mut self, duration_ms: u64) -> Result<(), ScenarioError> {
        if duration_ms > MAX_DURATION_MS {
            return Err(invalid(
                "duration_ms",
                format!("must be 1..={MAX_DURATION_MS}, got {duration_ms}"),
            ));
        }
        self.0.duration_ms = self.0.duration_ms.max(duration_ms);
        Ok(())
    }
}

fn invalid(path: &str, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Problem {
        path: path.to_string(),
        message,
    }])
}

/// `problem` with the entry number in its path (`timeline[k]…`) made
/// `number(k)`.
fn renumbered(problem: Problem, number: impl Fn(usize) -> usize) -> Problem {
    let entry = problem
        .path
        .strip_prefix("timeline[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(k, rest)| Some((k.parse::<usize>().ok()?, rest)));
    match entry {
        Some((k, rest)) => Problem {
            path: format!("timeline[{}]{rest}", number(k)),
            message: problem.message,
        },
        None => problem,
    }
}
