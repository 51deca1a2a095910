#!/usr/bin/env bash
# Installs any missing test dependency from Debian's packages, then configures, builds and tests every
# configuration CI checks: the naive, cblas and builtin GEMM cores (warnings as errors), the whole suite
# under AddressSanitizer + UndefinedBehaviorSanitizer, and the unit tests under valgrind memcheck.
# Each configuration also runs the consumer test (install + find_package + pkg-config).
#
#   scripts/test-all.sh                 # everything
#   NNB_TEST_CONFIGS="ci-naive" scripts/test-all.sh   # a subset (names from CMakePresets.json)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake make gcc pkg-config libcmocka-dev libopenblas-dev zlib1g-dev libpng-dev valgrind)
missing=()
for pkg in "${packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

jobs=$(nproc 2>/dev/null || echo 2)
configs=${NNB_TEST_CONFIGS:-"ci-naive ci-cblas ci-builtin ci-sanitize ci-memcheck"}
for config in $configs; do
    if [ "$config" = ci-builtin ] && [ ! -f src/gemm_builtin.c ]; then
        echo "== $config: skipped (no builtin GEMM core in this tree)"
        continue
    fi
    echo "== $config: configure and build"
    cmake --preset "$config" >/dev/null
    cmake --build "build/$config" -j "$jobs"
    case "$config" in
        ci-memcheck) filter=(-L unit) ;;
        ci-sanitize) filter=(-LE slow) ;;
        *) filter=() ;;
    esac
    echo "== $config: test"
    ctest --test-dir "build/$config" --output-on-failure -j "$jobs" "${filter[@]}"
done
echo "== all configurations passed: $configs"
