#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the browser playground: the library compiled to WebAssembly with Debian's emscripten (preset wasm)
# and the static page, into build/wasm/playground. Serve that folder with any static server:
#
#   scripts/build-web.sh && python3 -m http.server -d build/wasm/playground 8000    # then open http://localhost:8000
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v emcc >/dev/null 2>&1; then
    echo "build-web.sh: emcc not found; install Debian's emscripten (apt-get install emscripten)" >&2
    exit 2
fi
cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "${NNB_JOBS:-2}"
echo "built build/wasm/playground; serve it with: python3 -m http.server -d build/wasm/playground 8000"
