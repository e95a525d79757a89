#!/usr/bin/env bash
# Builds llama.cpp and whisper.cpp (one shared ggml) from the sources inside their pinned PyPI
# source packages, into a cache keyed by versions, flags and CPU, linked in as .deps/prefix.
# A second run with nothing changed only checks the key.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/versions.env"
cache=${VOICE_CACHE_DIR:-$HOME/.cache/voice}
jobs=${VOICE_BUILD_JOBS:-$(nproc)}

# $ORIGIN: each library finds its siblings (libggml loads libggml-cpu), wherever the prefix is copied;
# $ORIGIN/../lib: the tools in bin/ find them too.
common_flags=(-DCMAKE_INSTALL_LIBDIR=lib '-DCMAKE_INSTALL_RPATH=$ORIGIN:$ORIGIN/../lib')
# Only the libraries are built by default. llama.cpp's own tools come from this very source and ggml, on demand:
# `scripts/engines.sh llama-bench` (the peer `voice bench llm` measures against) and `scripts/engines.sh
# llama-server` (the external backend the tests start), with llama.cpp's common library, which `voice up` does not
# need. No web UI or TLS: nothing is downloaded at build time.
llama_flags=(-DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=${GGML_NATIVE:-ON}
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_TOOLS=OFF
  -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF "${common_flags[@]}")
whisper_flags=(-DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=Release -DWHISPER_USE_SYSTEM_GGML=ON
  -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_EXAMPLES=OFF -DWHISPER_BUILD_SERVER=OFF "${common_flags[@]}")

cpu=$(grep -m1 -E '^(flags|Features)' /proc/cpuinfo | sha256sum | cut -c1-12)
key=$(printf '%s\n' "$LLAMA_CPP_PYTHON_VERSION" "$PYWHISPERCPP_VERSION" "${llama_flags[*]}" \
  "${whisper_flags[*]}" "$cpu" \
  | sha256sum | cut -c1-16)
out="$cache/engines/$key"

mkdir -p "$cache"
# Two checkouts setting up at once must not build into (and delete) the same folder.
exec 9> "$cache/engines.lock"
flock 9
if [ ! -f "$out/.complete" ]; then
  dl="$cache/downloads"
  mkdir -p "$dl"
  llama_sdist="$dl/llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION.tar.gz"
  whisper_sdist="$dl/pywhispercpp-$PYWHISPERCPP_VERSION.tar.gz"
  [ -f "$llama_sdist" ] || python3 -m pip download -q --no-deps --no-binary llama-cpp-python -d "$dl" "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
  [ -f "$whisper_sdist" ] || python3 -m pip download -q --no-deps --no-binary pywhispercpp -d "$dl" "pywhispercpp==$PYWHISPERCPP_VERSION"

  rm -rf "$out" && mkdir -p "$out/src"
  tar -xzf "$llama_sdist" -C "$out/src" --strip-components=2 "llama_cpp_python-$LLAMA_CPP_PYTHON_VERSION/vendor/llama.cpp"
  tar -xzf "$whisper_sdist" -C "$out/src" --strip-components=1 "pywhispercpp-$PYWHISPERCPP_VERSION/whisper.cpp"
  echo "building llama.cpp + ggml ($jobs jobs)"
  cmake -S "$out/src/llama.cpp" -B "$out/build/llama" -G Ninja -DCMAKE_INSTALL_PREFIX="$out/prefix" "${llama_flags[@]}" > "$out/build.log" 2>&1
  cmake --build "$out/build/llama" -j "$jobs" >> "$out/build.log"
  cmake --install "$out/build/llama" >> "$out/build.log"
  echo "building whisper.cpp on the same ggml"
  cmake -S "$out/src/whisper.cpp" -B "$out/build/whisper" -G Ninja -DCMAKE_INSTALL_PREFIX="$out/prefix" \
    -DCMAKE_PREFIX_PATH="$out/prefix" "${whisper_flags[@]}" >> "$out/build.log" 2>&1
  cmake --build "$out/build/whisper" -j "$jobs" >> "$out/build.log"
  cmake --install "$out/build/whisper" >> "$out/build.log"
  touch "$out/.complete"
fi
for tool in "$@"; do
  # The target to build, the targets its install scripts expect, and the folders whose install scripts run (a
  # whole-tree install would want every tool built). llama-mtmd-cli is one file; tools/mtmd's script installs the
  # libmtmd the server links.
  case "$tool" in
    llama-bench) targets=(llama-bench); dirs=(tools/llama-bench) ;;
    llama-server) targets=(llama-server llama-mtmd-cli); dirs=(tools/mtmd tools/server) ;;
    *) echo "unknown tool: $tool (llama-bench or llama-server)" >&2; exit 2 ;;
  esac
  [ -x "$out/prefix/bin/$tool" ] && continue
  echo "building $tool"
  # The same build folder with the tools switched on: the libraries are up to date, so only common and the tool
  # compile.
  cmake -S "$out/src/llama.cpp" -B "$out/build/llama" "${llama_flags[@]}" -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_TOOLS_INSTALL=ON >> "$out/build.log" 2>&1
  cmake --build "$out/build/llama" -j "$jobs" --target "${targets[@]}" >> "$out/build.log"
  cmake -DCMAKE_INSTALL_LOCAL_ONLY=ON -P "$out/build/llama/cmake_install.cmake" >> "$out/build.log"
  for dir in "${dirs[@]}"; do cmake -P "$out/build/llama/$dir/cmake_install.cmake" >> "$out/build.log"; done
done
flock -u 9

mkdir -p "$root/.deps"
ln -sfn "$out/prefix" "$root/.deps/prefix"
ln -sfn "$out/src" "$root/.deps/src"
echo "engines ready: .deps/prefix -> $out/prefix"
