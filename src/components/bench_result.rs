//! The bench page's report: what `?bench` measured, in words and in data
//! attributes for `tests/e2e/bench.mjs`.

use crate::bench::BenchResult;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BenchReportProps {
    pub result: BenchResult,
}

#[component]
pub fn BenchReport(props: &BenchReportProps) -> Html {
    let r = &props.result;
    let mib = |bytes: f64| bytes / 1_048_576.0;
    // "engine=0.41 app=1.20 …": each phase's median, in milliseconds.
    let phases: Vec<String> = (r.phases.iter())
        .map(|(name, ms)| format!("{name}={ms:.3}"))
        .collect();
    html! {
        <output class="bench-result" data-testid="bench-result" data-frames={r.frames.to_string()}
                data-median-ms={r.median_ms.to_string()} data-p95-ms={r.p95_ms.to_string()}
                data-in-flight={r.in_flight.to_string()} data-virtual-ms={r.virtual_ms.to_string()}
                data-wasm-bytes={r.wasm_bytes.to_string()} data-js-heap-bytes={r.js_heap_bytes.to_string()}
                data-halfway-wasm-bytes={r.halfway_wasm_bytes.to_string()}
                data-work-median-ms={r.work_median_ms.to_string()} data-work-p95-ms={r.work_p95_ms.to_string()}
                data-phases={phases.join(" ")}>
            { format!(
                "Bench: {} frames, median {:.1} ms, p95 {:.1} ms between frames; each frame's own work median {:.1} ms, \
                 p95 {:.1} ms; {:.0} messages in flight on average; after {:.0} s of virtual time: WebAssembly memory \
                 {:.1} MiB, JavaScript heap {:.1} MiB.",
                r.frames, r.median_ms, r.p95_ms, r.work_median_ms, r.work_p95_ms, r.in_flight, r.virtual_ms / 1000.0,
                mib(r.wasm_bytes), mib(r.js_heap_bytes)
            ) }
        </output>
    }
}
