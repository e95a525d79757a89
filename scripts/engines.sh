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
  case "$tool" in
    llama-bench|llama-server) ;;
    *) echo "unknown tool: $tool (llama-bench or llama-server)" >&2; exit 2 ;;
  esac
  [ -x "$out/prefix/bin/$tool" ] && continue
  echo "building $tool"
  # A build folder of their own, on the ggml above, at -O0: a tool's own code parses arguments and requests, while
  # the model runs in libggml and libllama, built at -O3 above and loaded from the prefix at run time (the install
  # RPATH, used in the build tree too). On 2 cores llama-server took 4.5 min so (libllama compiled again included),
  # 5.3 min at -O1, and its sources 665 CPU-seconds at -O3.
  cmake -S "$out/src/llama.cpp" -B "$out/build/tools" -G Ninja -DLLAMA_USE_SYSTEM_GGML=ON -DCMAKE_PREFIX_PATH="$out/prefix" \
    "${llama_flags[@]}" -DLLAMA_BUILD_COMMON=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_SERVER=ON \
    -DCMAKE_BUILD_WITH_INSTALL_RPATH=ON "-DCMAKE_C_FLAGS_RELEASE=-O0 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELEASE=-O0 -DNDEBUG" \
    >> "$out/build.log" 2>&1
  cmake --build "$out/build/tools" -j "$jobs" --target "$tool" >> "$out/build.log"
  # The tool and the libraries it adds (common, mtmd, the server's); the prefix keeps its -O3 libllama.
  for lib in "$out/build/tools/bin"/lib*.so*; do
    case "$(basename "$lib")" in libllama.so*) ;; *) cp -P "$lib" "$out/prefix/lib/" ;; esac
  done
  install -m 0755 "$out/build/tools/bin/$tool" "$out/prefix/bin/$tool"
done
flock -u 9

mkdir -p "$root/.deps"
ln -sfn "$out/prefix" "$root/.deps/prefix"
ln -sfn "$out/src" "$root/.deps/src"
echo "engines ready: .deps/prefix -> $out/prefix"
