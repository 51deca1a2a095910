#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs nnb-bench's end-to-end section and the numpy and PyTorch peers (bench/peers/) interleaved, one thread
# each, for several rounds, and prints one table: the median over rounds of each tool's median per call.
#
#   bench/compare_peers.sh [path/to/nnb-bench] [rounds]       (defaults: build/bench/nnb-bench, 3)
#
# Environment: PYTHON (default /usr/bin/python3, which needs python3-numpy and python3-torch), OUT (a
# directory to keep the raw CSV files in; default a temporary one, removed at the end).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-"$here/../build/bench/nnb-bench"}
rounds=${2:-3}
python=${PYTHON:-/usr/bin/python3}

if [ ! -x "$bench" ]; then
    echo "compare_peers: $bench not found; build with -DNNB_BUILD_BENCH=ON and pass its path" >&2
    exit 2
fi
have_numpy=1
have_torch=1
if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "compare_peers: numpy is missing for $python (Debian package python3-numpy); skipping the numpy peer" >&2
    have_numpy=0
fi
if [ "$have_numpy" = 0 ] || ! "$python" -c 'import torch' 2>/dev/null; then
    echo "compare_peers: PyTorch is missing for $python (Debian package python3-torch); skipping the torch peer" >&2
    have_torch=0
fi

if [ -n "${OUT:-}" ]; then
    out=$OUT
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

# One thread everywhere.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

r=1
while [ "$r" -le "$rounds" ]; do
    echo "round $r/$rounds: nnb" >&2
    "$bench" --e2e-only --csv --threads 1 > "$out/nnb.$r.csv"
    if [ "$have_numpy" = 1 ]; then
        echo "round $r/$rounds: numpy" >&2
        (cd "$here/peers" && "$python" nnfs_numpy.py 1) > "$out/numpy.$r.csv"
    fi
    if [ "$have_torch" = 1 ]; then
        echo "round $r/$rounds: torch" >&2
        (cd "$here/peers" && "$python" nnfs_torch.py 1) > "$out/torch.$r.csv"
    fi
    r=$((r + 1))
done

# nnb rows: workload,variant,shape,threads,median_us,gflops; peer rows: framework,threads,workload,N,median_s,calls
awk -F, '
    FNR == 1 { next }
    FILENAME ~ /\/nnb\.[0-9]+\.csv$/ {
        key = $1 SUBSEP $3; us = $5 + 0
        if ($2 == "layers") { add("nnb", key, us) } else { add("nnb-model", key, us) }
        seen(key); next
    }
    { key = $3 SUBSEP $4; add($1, key, $5 * 1e6); seen(key) }
    function seen(k) { if (!(k in known)) { known[k] = 1; order[++nkeys] = k } }
    function add(tool, k, v) { n = ++count[tool, k]; val[tool, k, n] = v }
    function median(tool, k,    n, i, j, t, a) {
        n = count[tool, k]
        if (n == 0) return -1
        for (i = 1; i <= n; i++) a[i] = val[tool, k, i]
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function cell(v) { return v < 0 ? "-" : (v < 100 ? sprintf("%.2f", v) : sprintf("%.0f", v)) }
    END {
        printf "%-11s %7s %11s %11s %11s %11s %-6s %12s %12s\n", "workload", "N", "nnb_us", "nnb_model_us",
               "numpy_us", "torch_us", "best", "best/nnb", "best/model"
        for (i = 1; i <= nkeys; i++) {
            split(order[i], kp, SUBSEP)
            a = median("nnb", order[i]); m = median("nnb-model", order[i])
            np_ = median("numpy", order[i]); tp = median("torch", order[i])
            best = -1; who = "-"
            if (np_ >= 0) { best = np_; who = "numpy" }
            if (tp >= 0 && (best < 0 || tp < best)) { best = tp; who = "torch" }
            r1 = (best >= 0 && a > 0) ? sprintf("%.2fx", best / a) : "-"
            r2 = (best >= 0 && m > 0) ? sprintf("%.2fx", best / m) : "-"
            printf "%-11s %7s %11s %11s %11s %11s %-6s %12s %12s\n", kp[1], kp[2], cell(a), cell(m), cell(np_),
                   cell(tp), who, r1, r2
        }
        printf "\nMedian over rounds of each tool'"'"'s median per call (microseconds), 1 thread. best/nnb > 1: nnb is faster.\n"
    }
' "$out"/nnb.*.csv $( [ "$have_numpy" = 1 ] && echo "$out"/numpy.*.csv ) $( [ "$have_torch" = 1 ] && echo "$out"/torch.*.csv )
