#!/usr/bin/env bash
# Runs every test against the real engines and models, setting them up first if needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The README's set-up (a release build with testing enabled), reused: only the test targets are compiled here.
bash scripts/setup.sh
# What the tests need besides the assistant (set-up already built llama-server) comes at once: the deployment
# checks' tools and Chroma, downloads that hide behind the compile of the test targets.
# Each runs in a process group of its own (setsid), so that a failed step stops the others whole, pip included,
# instead of leaving them writing into the next attempt's venv.
setsid bash scripts/check-deploy.sh --tools-only > .build/deploy-tools.log 2>&1 &
tools=$!
setsid bash scripts/chroma.sh > .build/chroma-install.log 2>&1 &
chroma=$!
trap 'kill -- -"$tools" -"$chroma" 2>/dev/null || true' EXIT
# The same configuration and flags as scripts/setup.sh's build, so nothing of it is compiled again: `swift build
# --build-tests` reuses that build and adds only the test targets (about 2 minutes), where `swift test` building for
# itself compiled every module and dependency a second time (about 8 minutes on 2 cores).
swift build -c release -Xswiftc -enable-testing --build-tests > .build/test-build.log 2>&1 || {
  grep -E 'error:' .build/test-build.log | head -40 >&2 || tail -40 .build/test-build.log >&2
  echo "swift build --build-tests failed (full log: .build/test-build.log)" >&2
  exit 1
}
wait "$chroma" || { cat .build/chroma-install.log >&2; echo "installing Chroma failed" >&2; exit 1; }
wait "$tools" || { cat .build/deploy-tools.log >&2; echo "installing the deployment checks' tools failed" >&2; exit 1; }
trap - EXIT
# The deployment files, validated without Docker or a cluster (docs/deployment.md, "Validation").
bash scripts/check-deploy.sh --self-test
# One test at a time: the engines use every core, and suites that overlap make timings and deadlines meaningless.
swift test -c release -Xswiftc -enable-testing --skip-build --no-parallel "$@"
# The reliability run, short: the five-process layout under load, each service killed and restarted, bad input.
bash scripts/soak.sh --clients 8 --seconds 10 --kill-seconds 8
