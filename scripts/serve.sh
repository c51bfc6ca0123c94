#!/usr/bin/env bash
# Sets up what is missing, then serves the playground on http://127.0.0.1:8080
# with the default scenario playing. Extra arguments go to `trunk serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/setup.sh
exec trunk serve --address 127.0.0.1 --port 8080 "$@"
