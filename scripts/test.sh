#!/usr/bin/env bash
# Runs every test against the real engines and models, setting them up first if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
VOICE_BUILD_CONFIG=debug bash scripts/setup.sh
swift test "$@"
