#!/usr/bin/env bash
# Sets up everything on a fresh Debian machine, idempotently: system packages, the native engines,
# the Swift build and the models. VOICE_BUILD_CONFIG=debug|release (default release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
config=${VOICE_BUILD_CONFIG:-release}
# A release build with testing enabled: scripts/test.sh then builds only the test targets on top of it, instead of
# compiling everything again in debug (docs/decisions.md, 38). Debug builds are testable already.
flags=()
[ "$config" = release ] && flags=(-Xswiftc -enable-testing)

# wordnet-base relates a question's words to the documents' (Retrieval/Lexicon.swift); chromium, chromium-driver and
# node-react(-dom) (React 18) are for the widget's browser tests.
# poppler-utils reads uploaded PDFs (pdftotext); curl is what scripts/soak.sh sends its oversized upload with.
# postgresql is the deployed layout's shared knowledge store; its tests start their own scratch cluster.
packages=(cmake ninja-build pkg-config libespeak-ng-dev espeak-ng-data espeak-ng libsqlite3-dev wordnet-base ffmpeg sox alsa-utils
  poppler-utils curl postgresql python3-venv chromium chromium-driver node-react node-react-dom)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

mkdir -p .build
# The Swift modules that need no engine (the gateway, the voices and most dependencies) compile while the engines
# do: on 2 cores either build alone leaves a core idle at times (a release build compiles a module as one job;
# cmake configures and links on one core). Its errors, if any, are the full build's below.
setsid swift build -c "$config" "${flags[@]}" --target Gateway > .build/setup-deps.log 2>&1 &
deps=$!
# A failed engine build stops this one whole (its process group), compilers included.
trap 'kill -- -"$deps" 2>/dev/null || true' EXIT
bash scripts/engines.sh
wait "$deps" || true
trap - EXIT
# llama.cpp's own server (the external backend the tests start, and an optional backend for `voice up`) compiles
# beside the Swift build, which leaves a core idle much of the time; built in the test command instead, it held that
# command up by about 4.5 minutes on a fresh machine (docs/decisions.md, 38).
setsid bash scripts/engines.sh llama-server > .build/llama-server-build.log 2>&1 &
server=$!
trap 'kill -- -"$server" 2>/dev/null || true' EXIT
echo "building voice ($config)"
if ! swift build -c "$config" "${flags[@]}" --product voice > .build/setup-build.log 2>&1; then
  grep -E 'error:' .build/setup-build.log | head -40 >&2 || tail -40 .build/setup-build.log >&2
  echo "swift build failed (full log: .build/setup-build.log)" >&2
  exit 1
fi
".build/$config/voice" models
wait "$server" || { cat .build/llama-server-build.log >&2; echo "building llama-server failed (compiler output: .deps/prefix/../build.log)" >&2; exit 1; }
trap - EXIT
