#!/usr/bin/env bash
# Installs everything MQ Playground needs that is missing, at the versions that
# work on this project's machines (Debian 12, rustc 1.95), and nothing else.
# Idempotent: when everything is present it only checks versions (seconds).
#
#   wasm32 target            rustup
#   trunk 0.21.14            cargo install (0.22 needs a newer rustc)
#   wasm-bindgen-cli         cargo install, exactly the wasm-bindgen version in Cargo.lock
#   wasm-opt (binaryen 132)  npm, into .tools/ (Debian's binaryen is too old),
#                            copied into ~/.cargo/bin where trunk finds it
#   chromium, chromedriver   apt (never a browser download)
#   playwright-core, axe-core npm ci in tests/e2e (drive and audit Debian's chromium)
#   amqplib, kafkajs         npm ci in tests/e2e: the Node clients the live tests drive
#   pika                     pip, into .tools/venv (tests/live/requirements.txt):
#                            the real clients the live-mode tests drive
#
# Every tool trunk and cargo run lands in ~/.cargo/bin (on PATH in any login
# shell, where rustup put it), so after one run `trunk serve` and
# `trunk build --release` work in a fresh shell with nothing sourced.
# Source it (`. scripts/setup.sh`) to also get the CHROMEDRIVER it sets.

set -euo pipefail

MQ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
export CHROMEDRIVER=/usr/bin/chromedriver

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132.0.0

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The wasm-bindgen version pinned in Cargo.lock; the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$MQ_ROOT/Cargo.lock"
}

need_apt_update=1
apt_install() {
  if [ "$need_apt_update" -eq 1 ]; then
    as_root apt-get update -qq
    need_apt_update=0
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

setup_rust_target() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

setup_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (about 6 minutes on 2 cores)"
    cargo install --locked --force trunk --version "$TRUNK_VERSION" --no-default-features --features rustls
  fi
}

setup_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  if [ -z "$want" ]; then
    say "Cargo.lock names no wasm-bindgen version"; exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ] ||
    ! command -v wasm-bindgen-test-runner >/dev/null; then
    say "installing wasm-bindgen-cli $want (about 2 minutes)"
    # Not --locked: one of its locked dependencies is missing from the registry mirror.
    cargo install --force wasm-bindgen-cli --version "$want"
  fi
}

setup_browser() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Debian's chromium and chromium-driver"
    apt_install chromium chromium-driver
  fi
}

setup_node() {
  if ! command -v npm >/dev/null; then
    say "installing node and npm"
    apt_install nodejs npm
  fi
}

setup_wasm_opt() {
  local installed="$MQ_ROOT/.tools/node_modules/binaryen/bin/wasm-opt"
  local link="$HOME/.cargo/bin/wasm-opt"
  if [ "$("$installed" --version 2>/dev/null)" != "wasm-opt version 132 (version_132)" ]; then
    say "installing wasm-opt from npm binaryen@$BINARYEN_VERSION"
    mkdir -p "$MQ_ROOT/.tools"
    (cd "$MQ_ROOT/.tools" && npm install --no-save --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
  fi
  # trunk looks for wasm-opt on PATH and downloads binaryen when it finds
  # none (which fails on this network); one in ~/.cargo/bin is found in
  # every shell. A copy, not a link: a link into this checkout would break
  # when another checkout's set-up points it there, or this one is gone.
  if [ -L "$link" ] || [ "$("$link" --version 2>/dev/null)" != "wasm-opt version 132 (version_132)" ]; then
    say "copying $installed to $link"
    mkdir -p "$HOME/.cargo/bin"
    rm -f "$link"
    install -m 755 "$installed" "$link"
  fi
}

setup_playwright() {
  local e2e="$MQ_ROOT/tests/e2e" package want have
  for package in playwright-core axe-core amqplib; do
    want="$(node -p "require('$e2e/package-lock.json').packages['node_modules/$package'].version")"
    have="$(node -p "try { require('$e2e/node_modules/$package/package.json').version } catch { '' }")"
    if [ "$want" != "$have" ]; then
      say "installing the end-to-end tests' packages ($package $want)"
      (cd "$e2e" && npm ci --no-audit --no-fund --silent)
      break
    fi
  done
}

# The real clients live mode's tests drive, in a virtual environment of the
# project's own, at the versions tests/live/requirements.txt pins.
setup_python_clients() {
  local venv="$MQ_ROOT/.tools/venv" want="$MQ_ROOT/tests/live/requirements.txt"
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip' 2>/dev/null; then
    say "installing python3 and python3-venv"
    apt_install python3 python3-venv
  fi
  if [ ! -x "$venv/bin/python" ] || ! cmp -s "$want" "$venv/requirements.txt"; then
    say "installing the live tests' clients: $(tr '\n' ' ' <"$want")"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$want"
    cp "$want" "$venv/requirements.txt"
  fi
}

# Debian's RabbitMQ, only for `scripts/bench.sh --live` (the ratio of live
# mode's throughput to the real broker's); the bench starts its own on a
# free port, so the service is not started at install (RUNLEVEL=1).
setup_rabbitmq_server() {
  if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    say "installing rabbitmq-server (Debian's), for the live bench"
    if [ "$need_apt_update" -eq 1 ]; then
      as_root apt-get update -qq
      need_apt_update=0
    fi
    as_root env RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null
  fi
}

setup_rust_target
setup_node
setup_browser
setup_wasm_opt
setup_playwright
setup_python_clients
setup_wasm_bindgen
setup_trunk
say "all tools present"
