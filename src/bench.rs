//! The bench page: `?bench` keeps about 1,400 messages in flight (and
//! `?bench&tokens=N` about N) and measures each animation frame two ways:
//! the time between frames, which a busy machine stretches as much as a
//! slow page, and the frame's own work, from the animation frame callback
//! to the end of the rendering it set off (the engine, the scenes, Yew and
//! the token layer), which is the page's alone. `?bench=hour` runs an hour
//! of virtual time at 100 messages a second, as fast as it will go, to show
//! that memory stays bounded.
//!
//! While a bench runs, each phase of a frame is also a
//! `performance.measure` (`engine`, `picture`, `tokens`, …), so a
//! DevTools profile of the page shows where a frame's time goes.
//!
//! The page reports what it measured in an `<output>` element's data
//! attributes, which `tests/e2e/bench.mjs` reads. The figures come from the
//! real app drawing a real run; nothing here is a timed test.

use crate::playback::Playback;
use mqsim::Scenario;
use std::cell::RefCell;

/// Frames before measuring: the page settles, the first flights launch.
pub const WARM_UP_MS: f64 = 2_000.0;
/// How long frames are measured.
pub const MEASURE_MS: f64 = 10_000.0;

/// Messages in flight when the address does not say.
pub const DEFAULT_TOKENS: u32 = 1_400;

/// What the address asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bench {
    /// About `tokens` messages in flight, at real time.
    InFlight { tokens: u32 },
    /// An hour of virtual time at 100 messages a second.
    Hour,
}

impl Bench {
    /// Reads `?bench`, `?bench&tokens=N` or `?bench=hour` from the page's
    /// address.
    pub fn requested() -> Option<Bench> {
        Bench::from_query(&search()?)
    }

    /// What is wrong with the address's `tokens=N` for a bench, and what
    /// the bench measures instead: none when N is a number from 100 to
    /// 20,000 (or not given, or no bench asked for).
    pub fn problem() -> Option<String> {
        Bench::problem_in(&search()?)
    }

    fn problem_in(search: &str) -> Option<String> {
        let Bench::InFlight { tokens } = Bench::from_query(search)? else {
            return None;
        };
        let asked = tokens_asked(search)?;
        (asked.parse() != Ok(tokens)).then(|| {
            let asked: String = asked.chars().take(24).collect();
            format!(
                "tokens={asked} is not a number from 100 to 20000: the bench keeps about {tokens} messages in flight"
            )
        })
    }

    fn from_query(search: &str) -> Option<Bench> {
        // 100 to 20,000: fewer is no bench, more than the engine's
        // producers can send.
        let tokens = (tokens_asked(search).and_then(|n| n.parse::<u64>().ok()))
            .map_or(DEFAULT_TOKENS, |n| n.clamp(100, 20_000) as u32);
        pairs(search).find_map(|pair| match pair {
            "bench" | "bench=flight" => Some(Bench::InFlight { tokens }),
            "bench=hour" => Some(Bench::Hour),
            _ => None,
        })
    }

    pub fn scenario(self) -> Scenario {
        // Records are on the wire for 100 ms, so every 10 records a second
        // keep one token in flight from a producer to its partition.
        // Producers send at most 10,000 a second each.
        let (name, producers, rate, partitions, duration_ms, speed) = match self {
            Bench::InFlight { tokens } => {
                let per_sec = tokens * 10;
                let producers = per_sec.div_ceil(10_000).max(4);
                let name = format!("Bench: {tokens} messages in flight");
                (name, producers, per_sec / producers, 12, 60_000, 1)
            }
            Bench::Hour => (
                "Bench: one hour at 100 messages a second".to_string(),
                4,
                25,
                6,
                3_600_000,
                100,
            ),
        };
        // Shops without keys: records go round robin over the partitions.
        let producers: Vec<String> = (1..=producers)
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

/// The page address's query (`?bench&tokens=5000`).
fn search() -> Option<String> {
    web_sys::window()?.location().search().ok()
}

/// A query's `name=value` pairs.
fn pairs(search: &str) -> impl Iterator<Item = &str> {
    search.trim_start_matches('?').split('&')
}

/// A query's `tokens=N`, as written.
fn tokens_asked(search: &str) -> Option<&str> {
    pairs(search).find_map(|pair| pair.strip_prefix("tokens="))
}

/// A bench under way in the page.
pub struct BenchRun {
    pub kind: Bench,
    elapsed_ms: f64,
    halfway_wasm_bytes: f64,
    stats: FrameStats,
    /// When the frame being measured began (its callback's start), and
    /// when the last work it set off ended.
    began: Option<f64>,
    ended: f64,
    pub result: Option<BenchResult>,
}

/// What a bench measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchResult {
    pub frames: usize,
    /// Between frames.
    pub median_ms: f64,
    pub p95_ms: f64,
    /// Each frame's own work, from its callback to the end of the
    /// rendering it set off.
    pub work_median_ms: f64,
    pub work_p95_ms: f64,
    /// The median of each phase of a frame's work, by name, in the order
    /// first measured.
    pub phases: Vec<(&'static str, f64)>,
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
        PHASES.with_borrow_mut(|phases| *phases = Some(Vec::new()));
        BenchRun {
            kind,
            elapsed_ms: 0.0,
            halfway_wasm_bytes: 0.0,
            stats: FrameStats::default(),
            began: None,
            ended: 0.0,
            result: None,
        }
    }

    /// Notes one frame, `interval_ms` after the last, whose callback began
    /// at `began`; returns true when the result has just come in.
    pub fn frame(&mut self, interval_ms: f64, began: f64, playback: &Playback) -> bool {
        if self.result.is_some() {
            return false;
        }
        self.elapsed_ms += interval_ms;
        let (measured, done) = match self.kind {
            Bench::InFlight { .. } => (
                self.elapsed_ms > WARM_UP_MS,
                self.elapsed_ms > WARM_UP_MS + MEASURE_MS,
            ),
            Bench::Hour => {
                if self.halfway_wasm_bytes == 0.0
                    && playback.clock_ms() >= playback.duration_ms() / 2.0
                {
                    self.halfway_wasm_bytes = wasm_memory_bytes();
                }
                (true, playback.finished())
            }
        };
        self.last_frame_done();
        if measured {
            self.stats.record(interval_ms, playback.in_flight());
            self.began = Some(began);
        }
        if done {
            PHASES.with_borrow_mut(|phases| *phases = None);
            self.began = None;
            self.result = Some(BenchResult {
                frames: self.stats.frames(),
                median_ms: quantile(&self.stats.intervals, 0.5),
                p95_ms: quantile(&self.stats.intervals, 0.95),
                work_median_ms: quantile(&self.stats.work, 0.5),
                work_p95_ms: quantile(&self.stats.work, 0.95),
                phases: (self.stats.phases.iter())
                    .map(|(name, times)| (*name, quantile(times, 0.5)))
                    .collect(),
                in_flight: self.stats.mean_in_flight(),
                virtual_ms: playback.clock_ms(),
                wasm_bytes: wasm_memory_bytes(),
                js_heap_bytes: js_heap_bytes(),
                halfway_wasm_bytes: self.halfway_wasm_bytes,
            });
        }
        done
    }

    /// Some of the frame's work is done: the rendering it set off, or a
    /// task queued after it. Whatever ends last before the next frame ends
    /// the frame's work.
    pub fn work_done(&mut self) {
        self.ended = now();
    }

    /// Notes how long the last frame's work took, and each phase's part.
    fn last_frame_done(&mut self) {
        let phases = PHASES.with_borrow_mut(|phases| phases.as_mut().map(std::mem::take));
        let (Some(began), Some(phases)) = (self.began.take(), phases) else {
            return;
        };
        self.stats.work.push((self.ended - began).max(0.0));
        for (name, ms) in phases {
            let times = match self.stats.phases.iter().position(|(n, _)| *n == name) {
                Some(i) => &mut self.stats.phases[i].1,
                None => {
                    self.stats.phases.push((name, Vec::new()));
                    &mut self.stats.phases.last_mut().expect("just pushed").1
                }
            };
            times.push(ms);
        }
        // The profile has them; the page's timeline need not keep them.
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            performance.clear_marks();
            performance.clear_measures();
        }
    }
}

thread_local! {
    /// The phases measured in the frame under way, while a bench runs.
    static PHASES: RefCell<Option<Vec<(&'static str, f64)>>> = const { RefCell::new(None) };
}

/// `performance.now()`: milliseconds, to a few microseconds.
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// One phase of a frame, measured from its start until it is dropped:
/// while a bench runs, a `performance.measure` named after it (seen in a
/// DevTools profile) and a sample for the bench's report. Otherwise
/// nothing, not even a reading of the clock.
pub struct Measure(Option<(&'static str, f64)>);

impl Measure {
    pub fn start(name: &'static str) -> Measure {
        if !PHASES.with_borrow(Option::is_some) {
            return Measure(None);
        }
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            let _ = performance.mark(name);
        }
        Measure(Some((name, now())))
    }
}

impl Drop for Measure {
    fn drop(&mut self) {
        let Some((name, start)) = self.0 else {
            return;
        };
        let end = now();
        PHASES.with_borrow_mut(|phases| {
            if let Some(phases) = phases {
                phases.push((name, end - start));
            }
        });
        if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
            // Only fails for a mark the page has not made, and start made it.
            let _ = performance.measure_with_start_mark(name, name);
        }
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

/// Frame intervals and frames' work, and what they say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameStats {
    intervals: Vec<f64>,
    work: Vec<f64>,
    phases: Vec<(&'static str, Vec<f64>)>,
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

    /// The mean number of messages in flight over the frames measured.
    pub fn mean_in_flight(&self) -> f64 {
        if self.in_flight.is_empty() {
            return 0.0;
        }
        self.in_flight.iter().sum::<usize>() as f64 / self.in_flight.len() as f64
    }
}

/// The `q` quantile (0–1) of `times`, by nearest rank.
fn quantile(times: &[f64], q: f64) -> f64 {
    let mut sorted = times.to_vec();
    mqsim::sort::sort_by(&mut sorted, f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n => sorted[((q * n as f64).ceil() as usize).clamp(1, n) - 1],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_asks_for_a_bench() {
        assert_eq!(
            Bench::from_query("?bench"),
            Some(Bench::InFlight {
                tokens: DEFAULT_TOKENS
            })
        );
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
        assert_eq!(quantile(&stats.intervals, 0.5), 16.5);
        assert_eq!(quantile(&stats.intervals, 0.95), 40.0);
        assert_eq!(stats.mean_in_flight(), 1000.0);
    }

    /// The bench keeps about as many messages in the air as it is asked
    /// for, in the order of tens of thousands too.
    #[test]
    fn the_bench_keeps_the_messages_asked_for_in_flight() {
        assert_eq!(
            Bench::from_query("?bench&tokens=5000"),
            Some(Bench::InFlight { tokens: 5_000 })
        );
        assert_eq!(
            Bench::from_query("?tokens=999999&bench"),
            Some(Bench::InFlight { tokens: 20_000 })
        );
        // What the address asked for and could not have is said.
        assert_eq!(Bench::problem_in("?bench&tokens=5000"), None);
        assert_eq!(Bench::problem_in("?bench"), None);
        assert_eq!(Bench::problem_in("?tokens=abc"), None, "no bench");
        assert_eq!(
            Bench::problem_in("?tokens=999999&bench").as_deref(),
            Some(
                "tokens=999999 is not a number from 100 to 20000: the bench keeps about 20000 messages in flight"
            )
        );
        assert_eq!(
            Bench::problem_in("?bench&tokens=lots").as_deref(),
            Some(
                "tokens=lots is not a number from 100 to 20000: the bench keeps about 1400 messages in flight"
            )
        );
        for tokens in [DEFAULT_TOKENS, 5_000, 10_000] {
            let mut p = Playback::new(Bench::InFlight { tokens }.scenario());
            p.advance_to(3_000.0);
            let in_flight = p.in_flight() as f64;
            let asked = f64::from(tokens);
            assert!(
                (asked * 0.9..asked * 1.1).contains(&in_flight),
                "{in_flight} in flight, {tokens} asked"
            );
        }
    }
}
