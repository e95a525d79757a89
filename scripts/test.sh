#!/usr/bin/env bash
# Runs every test against the real engines and models, setting them up first if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
VOICE_BUILD_CONFIG=debug bash scripts/setup.sh
# llama.cpp's own server, from the same source and ggml, for the external-backend tests.
bash scripts/engines.sh llama-server
# The deployment files, validated without Docker or a cluster (docs/deployment.md, "Validation").
bash scripts/check-deploy.sh --self-test
# One test at a time: the engines use every core, and suites that overlap make timings and deadlines meaningless.
swift test --no-parallel "$@"
