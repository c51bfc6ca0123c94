#!/usr/bin/env bash
# Benchmarks, measured rather than asserted:
#   1. the engine, with criterion (cargo bench -p mqsim);
#   2. the page in headless Chromium: bundle size, first render, frame times
#      with a thousand messages in flight, memory after an hour of virtual
#      time (tests/e2e/bench.mjs; results in target/bench/browser.json).
# Pass --browser to skip the engine's benches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

if [[ "${1:-}" != "--browser" ]]; then
  cargo bench -p mqsim --locked --bench kafka_flow
fi
trunk build --release
(cd tests/e2e && node bench.mjs)
