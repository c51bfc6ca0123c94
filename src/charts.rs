//! Charts over time: each group's lag, each queue's depth, throughput, and
//! the in-sync replicas.
//!
//! Playback samples the folded worlds every [`SAMPLE_MS`] of virtual time,
//! exactly at those moments, so a run rewound and replayed draws the same
//! lines. The newest [`SAMPLES`] are kept: a two-minute window. A
//! [`Chart`] is plain data (series of points scaled to a small box), drawn
//! by the charts component and tested natively.

use crate::kafka::world::World;
use crate::rabbit::world::RabbitWorld;
use mqsim::ids::{GroupId, TopicPartition};
use std::collections::VecDeque;

/// Virtual time between samples.
pub const SAMPLE_MS: u64 = 500;
/// Samples kept.
pub const SAMPLES: usize = 240;

/// Samples a rate is measured over.
const RATE_SAMPLES: usize = 4;

/// Chart box, in SVG units.
pub const CHART_W: f64 = 280.0;
pub const CHART_H: f64 = 90.0;

/// The measures at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub at_ms: u64,
    /// Per group: records not yet committed, summed over its partitions.
    pub lag: Vec<u64>,
    /// Per queue: ready plus unacknowledged.
    pub depth: Vec<u64>,
    /// Records appended so far, over every partition.
    pub appended: u64,
    /// Messages published so far.
    pub published: u64,
    /// Replicas in sync, over every partition.
    pub in_sync: u64,
}

impl Sample {
    pub fn take(at_ms: u64, world: &World, rabbit: &RabbitWorld) -> Sample {
        let lag = world
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                group
                    .committed
                    .keys()
                    .filter_map(|&tp: &TopicPartition| world.lag(GroupId(g as u32), tp))
                    .sum()
            })
            .collect();
        Sample {
            at_ms,
            lag,
            depth: rabbit
                .queues
                .iter()
                .map(|q| (q.ready.len() + q.unacked.len()) as u64)
                .collect(),
            appended: world
                .topics
                .iter()
                .flat_map(|t| &t.partitions)
                .map(|p| p.log_end)
                .sum(),
            published: rabbit.publishers.iter().map(|p| p.sent).sum(),
            in_sync: world
                .cluster
                .partitions
                .iter()
                .flatten()
                .map(|p| p.isr.len() as u64)
                .sum(),
        }
    }
}

/// The samples of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    samples: VecDeque<Sample>,
}

impl History {
    /// When the next sample is due, after `now_ms` has been sampled or not.
    pub fn next_due(&self) -> u64 {
        self.samples.back().map_or(0, |s| s.at_ms + SAMPLE_MS)
    }

    pub fn push(&mut self, sample: Sample) {
        self.samples.push_back(sample);
        if self.samples.len() > SAMPLES {
            self.samples.pop_front();
        }
    }

    pub fn samples(&self) -> &VecDeque<Sample> {
        &self.samples
    }
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
    /// Scaled into the chart box, oldest first.
    pub points: Vec<(f64, f64)>,
    /// The value now, said in the legend.
    pub last: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub title: &'static str,
    /// What the top of the box stands for.
    pub max_label: String,
    pub series: Vec<Series>,
}

const COLOURS: [&str; 6] = [
    "#2b6cb0", "#dd6b20", "#2f855a", "#805ad5", "#b7791f", "#c53030",
];

/// The charts that fit this run: lag when it has groups, depth when it has
/// queues, throughput always, in-sync replicas when partitions are
/// replicated.
pub fn charts(
    history: &History,
    groups: &[String],
    queues: &[String],
    replicated: bool,
) -> Vec<Chart> {
    let samples = history.samples();
    if samples.len() <= RATE_SAMPLES {
        return Vec::new();
    }
    let mut charts = Vec::new();
    if !groups.is_empty() {
        charts.push(chart(
            "Consumer lag (records)",
            samples,
            groups
                .iter()
                .enumerate()
                .map(|(g, name)| (name.clone(), value(move |s: &Sample| s.lag.get(g).copied())))
                .collect(),
        ));
    }
    if !queues.is_empty() {
        charts.push(chart(
            "Queue depth (ready + unacked)",
            samples,
            queues
                .iter()
                .enumerate()
                .map(|(q, name)| {
                    (
                        name.clone(),
                        value(move |s: &Sample| s.depth.get(q).copied()),
                    )
                })
                .collect(),
        ));
    }
    // Rates over the last RATE_SAMPLES samples (two seconds): per sample,
    // a steady 3 records a second would read 2, 4, 2, 4.
    let per_second = |count: fn(&Sample) -> u64| {
        let pairs: Vec<(f64, f64)> = samples
            .iter()
            .zip(samples.iter().skip(RATE_SAMPLES))
            .map(|(a, b)| {
                let seconds = (b.at_ms - a.at_ms) as f64 / 1000.0;
                (
                    b.at_ms as f64,
                    count(b).saturating_sub(count(a)) as f64 / seconds,
                )
            })
            .collect();
        pairs
    };
    let mut throughput = Vec::new();
    if !groups.is_empty() || samples.iter().any(|s| s.appended > 0) {
        throughput.push(("records/s appended".to_string(), per_second(|s| s.appended)));
    }
    if !queues.is_empty() {
        throughput.push((
            "messages/s published".to_string(),
            per_second(|s| s.published),
        ));
    }
    if !throughput.is_empty() {
        charts.push(scaled("Throughput (per second)", samples, throughput));
    }
    if replicated {
        charts.push(chart(
            "In-sync replicas (all partitions)",
            samples,
            vec![("in sync".to_string(), value(|s: &Sample| Some(s.in_sync)))],
        ));
    }
    charts
}

/// A measure read from each sample.
fn value(read: impl Fn(&Sample) -> Option<u64>) -> impl Fn(&Sample) -> Option<f64> {
    move |s| read(s).map(|v| v as f64)
}

fn chart<F: Fn(&Sample) -> Option<f64>>(
    title: &'static str,
    samples: &VecDeque<Sample>,
    lines: Vec<(String, F)>,
) -> Chart {
    let lines = lines
        .into_iter()
        .map(|(name, read)| {
            let points = samples
                .iter()
                .filter_map(|s| read(s).map(|v| (s.at_ms as f64, v)))
                .collect();
            (name, points)
        })
        .collect();
    scaled(title, samples, lines)
}

/// Scales raw (time, value) points into the chart box: time across what
/// was sampled (at least ten seconds), values from zero to the highest
/// seen.
fn scaled(
    title: &'static str,
    samples: &VecDeque<Sample>,
    lines: Vec<(String, Vec<(f64, f64)>)>,
) -> Chart {
    let first = samples.front().map_or(0.0, |s| s.at_ms as f64);
    let last = samples.back().map_or(0.0, |s| s.at_ms as f64);
    let span = (last - first).max(10_000.0);
    let max = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let top = if max <= 0.0 { 1.0 } else { max };
    let series = lines
        .into_iter()
        .enumerate()
        .map(|(i, (name, points))| Series {
            last: points.last().map_or("–".to_string(), |p| format_value(p.1)),
            points: points
                .iter()
                .map(|&(t, v)| ((t - first) / span * CHART_W, CHART_H - v / top * CHART_H))
                .collect(),
            name,
            colour: COLOURS[i % COLOURS.len()],
        })
        .collect();
    Chart {
        title,
        max_label: format_value(max),
        series,
    }
}

/// "12", or "2.5" for a fractional rate.
fn format_value(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playback::Playback;
    use mqsim::scenario::presets::Preset;

    fn played(preset: &str, to_ms: f64) -> Playback {
        let mut p = Playback::new(Preset::find(preset).unwrap().scenario());
        p.advance_to(to_ms);
        p
    }

    /// Samples fall every SAMPLE_MS, and the lag sampled at a moment is
    /// the lag the world shows at that moment.
    #[test]
    fn samples_are_taken_on_the_dot() {
        let p = played("consumer-crash", 30_000.0);
        let samples = p.history().samples();
        assert_eq!(samples.len(), 61);
        assert!(
            samples
                .iter()
                .enumerate()
                .all(|(i, s)| s.at_ms == i as u64 * SAMPLE_MS)
        );
        let at_20 = played("consumer-crash", 20_000.0);
        let world = at_20.world();
        let lag: u64 = world.groups[0]
            .committed
            .keys()
            .filter_map(|&tp| world.lag(GroupId(0), tp))
            .sum();
        assert_eq!(samples[40].lag[0], lag);
    }

    /// Rewinding then replaying draws the same lines.
    #[test]
    fn a_rewound_run_samples_the_same() {
        let forward = played("rabbit-retry-dead-letter", 40_000.0);
        let mut rewound = played("rabbit-retry-dead-letter", 70_000.0);
        rewound.seek(40_000.0);
        assert_eq!(forward.history(), rewound.history());
    }

    /// A steady producer charts a steady rate.
    #[test]
    fn throughput_is_a_rate_over_two_seconds() {
        let p = played("order-notifications", 30_000.0);
        let charts = charts(p.history(), &["notifications".to_string()], &[], false);
        let rate = &charts[1].series[0];
        assert_eq!(rate.name, "records/s appended");
        let rates: Vec<f64> = p
            .history()
            .samples()
            .iter()
            .zip(p.history().samples().iter().skip(RATE_SAMPLES))
            .map(|(a, b)| (b.appended - a.appended) as f64 / 2.0)
            .collect();
        assert!(
            rates[10..].iter().all(|r| (1.0..=2.5).contains(r)),
            "{rates:?}"
        );
        assert_eq!(rate.last, format_value(*rates.last().unwrap()));
    }

    #[test]
    fn the_window_is_bounded() {
        let p = played("order-notifications", f64::MAX);
        assert_eq!(p.history().samples().len(), SAMPLES);
    }

    /// A crashed consumer's lag climbs until the rebalance; the chart's
    /// points stay in the box, and the top is the highest lag.
    #[test]
    fn lag_is_charted_within_the_box() {
        let p = played("consumer-crash", 40_000.0);
        let charts = charts(p.history(), &["notifications".to_string()], &[], false);
        let titles: Vec<&str> = charts.iter().map(|c| c.title).collect();
        assert_eq!(
            titles,
            ["Consumer lag (records)", "Throughput (per second)"]
        );
        let lag = &charts[0];
        let max: u64 = p
            .history()
            .samples()
            .iter()
            .map(|s| s.lag[0])
            .max()
            .unwrap();
        assert_eq!(lag.max_label, max.to_string());
        let points = &lag.series[0].points;
        assert!(
            points
                .iter()
                .all(|&(x, y)| (0.0..=CHART_W).contains(&x) && (0.0..=CHART_H).contains(&y))
        );
        assert!(
            points.iter().any(|&(_, y)| y == 0.0),
            "the highest point touches the top"
        );
    }

    /// The failover preset charts the ISR shrinking when a broker dies.
    #[test]
    fn the_isr_shrinks_on_failover() {
        let p = played("leader-failover", 25_000.0);
        let in_sync: Vec<u64> = p.history().samples().iter().map(|s| s.in_sync).collect();
        assert_eq!(
            in_sync[0], 9,
            "three partitions, three replicas each, all in sync"
        );
        assert!(in_sync.iter().any(|&n| n < 9), "{in_sync:?}");
    }
}
