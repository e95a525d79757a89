#!/usr/bin/env bash
# Installs the real Chroma server (pinned in versions.env) into an ignored, cached venv and prints the path of
# its `chroma` executable. Idempotent: a second run only checks the stamp. Used by the Chroma integration
# tests and `voice bench rag`, which start `chroma run --path <tmp> --port <free port>` themselves.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/versions.env"
venv=${VOICE_CACHE_DIR:-$HOME/.cache/voice}/venvs/chroma
stamp="$venv/.chromadb-$CHROMADB_VERSION"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "chromadb==$CHROMADB_VERSION" >&2
  touch "$stamp"
fi
echo "$venv/bin/chroma"
