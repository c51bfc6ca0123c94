//! The bench page: `?bench` keeps about a thousand messages in flight and
//! measures the time between animation frames; `?bench=hour` runs an hour of
//! virtual time at 100 messages a second, as fast as it will go, to show
//! that memory stays bounded.
//!
//! The page reports what it measured in an `<output>` element's data
//! attributes, which `tests/e2e/bench.mjs` reads. The figures come from the
//! real app drawing a real run; nothing here is a timed test.

use crate::playback::Playback;
use mqsim::Scenario;

/// Frames before measuring: the page settles, the first flights launch.
pub const WARM_UP_MS: f64 = 2_000.0;
/// How long frames are measured.
pub const MEASURE_MS: f64 = 10_000.0;

/// What the address asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bench {
    /// About a thousand messages in flight, at real time.
    InFlight,
    /// An hour of virtual time at 100 messages a second.
    Hour,
}

impl Bench {
    /// Reads `?bench` or `?bench=hour` from the page's address.
    pub fn requested() -> Option<Bench> {
        let search = web_sys::window()?.location().search().ok()?;
        Bench::from_query(&search)
    }

    fn from_query(search: &str) -> Option<Bench> {
        search
            .trim_start_matches('?')
            .split('&')
            .find_map(|pair| match pair {
                "bench" | "bench=flight" => Some(Bench::InFlight),
                "bench=hour" => Some(Bench::Hour),
                _ => None,
            })
    }

    pub fn scenario(self) -> Scenario {
        let (name, rate, partitions, duration_ms, speed) = match self {
            // 10 000 records a second, each on the wire for 100 ms: a
            // thousand tokens from producers to partitions alone.
            Bench::InFlight => ("Bench: a thousand messages in flight", 2_500, 12, 60_000, 1),
            Bench::Hour => (
                "Bench: one hour at 100 messages a second",
                25,
                6,
                3_600_000,
                100,
            ),
        };
        // Four shops without keys: records go round robin over the
        // partitions.
        let producers: Vec<String> = (1..=4)
            .map(|i| {
                format!(r#"{{"name": "shop-{i}", "topic": "orders", "rate_per_sec": {rate}}}"#)
            })
            .collect();
        // The hour keeps ten minutes of records, as `retention.ms` would:
        // then memory should level off rather than follow the log.
        let retention = if self == Bench::Hour {
            r#", "retention_ms": 600000"#
        } else {
            ""
        };
        let member = |n: u32| {
            format!(
                r#"{{"name": "biller-{n}", "poll_interval_ms": 100, "max_poll_records": 500, "processing_ms": 0}}"#
            )
        };
        let file = format!(
            r#"{{"version": 1, "name": "{name}", "seed": 7, "duration_ms": {duration_ms},
                "network": {{"latency_ms": 100}}, "view": {{"speed": {speed}}},
                "kafka": {{
                    "topics": [{{"name": "orders", "partitions": {partitions}{retention}}}],
                    "producers": [{producers}],
                    "groups": [{{"name": "billing", "topics": ["orders"], "members": [{m1}, {m2}]}}]
                }}}}"#,
            producers = producers.join(", "),
            m1 = member(1),
            m2 = member(2),
        );
        Scenario::from_json(&file).expect("the bench scenario is valid")
    }
}

/// A bench under way in the page.
pub struct BenchRun {
    pub kind: Bench,
    elapsed_ms: f64,
    halfway_wasm_bytes: f64,
    stats: FrameStats,
    pub result: Option<BenchResult>,
}

/// What a bench measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    pub frames: usize,
    pub median_ms: f64,
    pub p95_ms: f64,
    pub in_flight: f64,
    /// Virtual time the run reached.
    pub virtual_ms: f64,
    /// The WebAssembly memory's size, in bytes.
    pub wasm_bytes: f64,
    /// The JavaScript heap in use, in bytes (Chromium reports it).
    pub js_heap_bytes: f64,
    /// The WebAssembly memory halfway through an hour's run.
    pub halfway_wasm_bytes: f64,
}

impl BenchRun {
    pub fn new(kind: Bench) -> BenchRun {
        BenchRun {
            kind,
            elapsed_ms: 0.0,
            halfway_wasm_bytes: 0.0,
            stats: FrameStats::default(),
            result: None,
        }
    }

    /// Notes one frame; returns true when the result has just come in.
    pub fn frame(&mut self, interval_ms: f64, playback: &Playback) -> bool {
        if self.result.is_some() {
            return false;
        }
        self.elapsed_ms += interval_ms;
        let done = match self.kind {
            Bench::InFlight => {
                if self.elapsed_ms > WARM_UP_MS {
                    self.stats.record(interval_ms, playback.in_flight());
                }
                self.elapsed_ms > WARM_UP_MS + MEASURE_MS
            }
            Bench::Hour => {
                self.stats.record(interval_ms, playback.in_flight());
                if self.halfway_wasm_bytes == 0.0
                    && playback.clock_ms() >= playback.duration_ms() / 2.0
                {
                    self.halfway_wasm_bytes = wasm_memory_bytes();
                }
                playback.finished()
            }
        };
        if done {
            self.result = Some(BenchResult {
                frames: self.stats.frames(),
                median_ms: self.stats.quantile(0.5),
                p95_ms: self.stats.quantile(0.95),
                in_flight: self.stats.mean_in_flight(),
                virtual_ms: playback.clock_ms(),
                wasm_bytes: wasm_memory_bytes(),
                js_heap_bytes: js_heap_bytes(),
                halfway_wasm_bytes: self.halfway_wasm_bytes,
            });
        }
        done
    }
}

/// The size of this module's WebAssembly memory.
fn wasm_memory_bytes() -> f64 {
    let buffer = js_sys::Reflect::get(&wasm_bindgen::memory(), &"buffer".into());
    buffer
        .and_then(|b| js_sys::Reflect::get(&b, &"byteLength".into()))
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0)
}

/// `performance.memory.usedJSHeapSize`, where the browser has it.
fn js_heap_bytes() -> f64 {
    let Some(window) = web_sys::window() else {
        return 0.0;
    };
    js_sys::Reflect::get(&window, &"performance".into())
        .and_then(|p| js_sys::Reflect::get(&p, &"memory".into()))
        .and_then(|m| js_sys::Reflect::get(&m, &"usedJSHeapSize".into()))
        .ok()
        .and_then(|n| n.as_f64())
        .unwrap_or(0.0)
}

/// Frame intervals, and what they say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameStats {
    intervals: Vec<f64>,
    in_flight: Vec<usize>,
}

impl FrameStats {
    pub fn record(&mut self, interval_ms: f64, in_flight: usize) {
        self.intervals.push(interval_ms);
        self.in_flight.push(in_flight);
    }

    pub fn frames(&self) -> usize {
        self.intervals.len()
    }

    /// The `q` quantile (0–1) of the frame intervals, by nearest rank.
    pub fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.intervals.clone();
        mqsim::sort::sort_by(&mut sorted, f64::total_cmp);
        match sorted.len() {
            0 => 0.0,
            n => sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1],
        }
    }

    /// The mean number of messages in flight over the frames measured.
    pub fn mean_in_flight(&self) -> f64 {
        if self.in_flight.is_empty() {
            return 0.0;
        }
        self.in_flight.iter().sum::<usize>() as f64 / self.in_flight.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_asks_for_a_bench() {
        assert_eq!(Bench::from_query("?bench"), Some(Bench::InFlight));
        assert_eq!(Bench::from_query("?x=1&bench=hour"), Some(Bench::Hour));
        assert_eq!(Bench::from_query(""), None);
        assert_eq!(Bench::from_query("?benchmark"), None);
    }

    /// The hour's run keeps ten minutes of records: after twenty, the
    /// oldest are gone.
    #[test]
    fn the_hour_keeps_ten_minutes_of_records() {
        let mut p = Playback::new(Bench::Hour.scenario());
        p.advance_to(1_200_000.0);
        let log = &p.world().topics[0].partitions[0];
        assert!(log.log_start > 0, "retention deleted the oldest");
        let kept = log.log_end - log.log_start;
        // Ten minutes at 100 a second over six partitions, and the few
        // appended since the last retention check.
        assert!((10_000..10_500).contains(&kept), "{kept} kept");
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut stats = FrameStats::default();
        for ms in [16.0, 17.0, 15.0, 40.0, 16.5] {
            stats.record(ms, 1000);
        }
        assert_eq!(stats.quantile(0.5), 16.5);
        assert_eq!(stats.quantile(0.95), 40.0);
        assert_eq!(stats.mean_in_flight(), 1000.0);
    }

    /// The bench keeps about a thousand messages in the air.
    #[test]
    fn the_bench_keeps_a_thousand_messages_in_flight() {
        let mut p = Playback::new(Bench::InFlight.scenario());
        p.advance_to(5_000.0);
        let in_flight = p.in_flight();
        assert!((900..2_000).contains(&in_flight), "{in_flight} in flight");
    }
}
