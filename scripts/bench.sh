#!/usr/bin/env bash
# Benchmarks, measured rather than asserted:
#   1. the engine, with criterion (cargo bench -p mqsim);
#   2. the page in headless Chromium: bundle size, first render, frame times
#      with a thousand messages in flight, memory after an hour of virtual
#      time (tests/e2e/bench.mjs; results in target/bench/browser.json);
#   3. with --live, only live mode: messages a second through a release
#      `mqsim serve` with pika and confluent-kafka, and the ratio against
#      Debian's rabbitmq-server when it is installed (tests/live/bench_live.py);
#      then the latency from an amqplib publish to the page showing it
#      (tests/e2e/bench_live_page.mjs; target/bench/live_page.json).
# Pass --browser to skip the engine's benches.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh

if [[ "${1:-}" == "--live" ]]; then
  setup_rabbitmq_server
  cargo build --release --locked -p mqsim-cli
  (cd tests/live && MQSIM="$MQ_ROOT/target/release/mqsim" "$MQ_ROOT/.tools/venv/bin/python" bench_live.py)
  trunk build --release
  (cd tests/e2e && MQSIM="$MQ_ROOT/target/release/mqsim" node bench_live_page.mjs)
  exit 0
fi

if [[ "${1:-}" != "--browser" ]]; then
  cargo bench -p mqsim --locked --bench kafka_flow
fi
trunk build --release
(cd tests/e2e && node bench.mjs)
