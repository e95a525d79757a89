#!/usr/bin/env bash
# The reliability run (docs/deployment.md): the five-process layout on loopback, its knowledge in a scratch
# PostgreSQL cluster, under load from closed-loop clients (30% spoken), each service killed with SIGKILL mid-load and
# started again, the database stopped and started mid-ingest, then bad input. Prints figures; fails on a 500, a
# killed service the gateway does not name or recover from, an acknowledged document lost or stored in part, or bad
# input that is not a JSON 4xx.
#   bash scripts/soak.sh [--clients 50] [--seconds 60] [--kill-seconds 20]
# Needs the set-up's build (bash scripts/setup.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -x .build/release/voice ] || { echo "run bash scripts/setup.sh first" >&2; exit 1; }
question=$(mktemp --suffix=.wav)
trap 'rm -f "$question"' EXIT
espeak-ng -w "$question" "How much is a return ferry ticket?"
python3 scripts/soak.py --binary .build/release/voice --wav "$question" "$@"
