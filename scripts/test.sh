#!/usr/bin/env bash
# Runs every test against the real engines and models, setting them up first if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The README's set-up (a release build with testing enabled), reused: only the test targets are compiled here.
bash scripts/setup.sh
# llama.cpp's own server, from the same source and ggml, for the external-backend tests.
bash scripts/engines.sh llama-server
# The deployment files, validated without Docker or a cluster (docs/deployment.md, "Validation").
bash scripts/check-deploy.sh --self-test
# One test at a time: the engines use every core, and suites that overlap make timings and deadlines meaningless.
# The same configuration and flags as scripts/setup.sh's build, so nothing of it is compiled again.
swift test -c release -Xswiftc -enable-testing --no-parallel "$@"
# The reliability run, short: the five-process layout under load, each service killed and restarted, bad input.
bash scripts/soak.sh --clients 8 --seconds 10 --kill-seconds 8
