# SPDX-License-Identifier: MIT
"""Timing and data helpers shared by the numpy and PyTorch peer benchmarks.

median_per_call(step): one warm-up call, then samples of back-to-back calls lasting at least ~20 ms each,
7 to 21 samples (stopping after ~3 s once 7 are taken); returns (median seconds per call, timed calls).
This is the same method as nnb-bench's end-to-end section, so the figures compare directly.
"""
import math
import statistics
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover - reported to the user
    sys.stderr.write("peer benchmarks: numpy is not installed for %s (Debian: python3-numpy)\n" % sys.executable)
    sys.exit(3)

SIZES = (1, 300, 10000, 100000)
MLP_BATCH = 128


def median_per_call(step, sample_s=0.02, least=7, most=21, budget_s=3.0):
    step()
    t = time.perf_counter()
    step()
    single = time.perf_counter() - t
    reps = max(1, math.ceil(sample_s / max(single, 1e-9)))
    per_call = []
    began = time.perf_counter()
    while len(per_call) < most:
        t = time.perf_counter()
        for _ in range(reps):
            step()
        per_call.append((time.perf_counter() - t) / reps)
        if len(per_call) >= least and time.perf_counter() - began > budget_s:
            break
    return statistics.median(per_call), reps * len(per_call)


def spiral(n, classes=3, seed=1):
    """n points on `classes` noisy spiral arms: float32 (n, 2) and uint8 labels; n = 1 works too."""
    gen = np.random.default_rng(seed)
    labels = np.arange(n) * classes // n
    X = np.empty((n, 2), dtype=np.float32)
    for k in range(classes):
        rows = np.flatnonzero(labels == k)
        if rows.size == 0:
            continue
        frac = np.linspace(0.0, 1.0, rows.size)
        angle = 4.0 * k + 4.0 * frac + 0.2 * gen.standard_normal(rows.size)
        X[rows, 0] = frac * np.sin(2.5 * angle)
        X[rows, 1] = frac * np.cos(2.5 * angle)
    return X, labels.astype(np.uint8)


def mnist_like(batch=MLP_BATCH, features=784, classes=10, seed=2):
    """A batch of pixel-like inputs in [0, 1) and random class labels."""
    gen = np.random.default_rng(seed)
    return gen.random((batch, features), dtype=np.float32), gen.integers(0, classes, batch).astype(np.uint8)


def emit(framework, threads, workload, n, seconds, calls):
    print("%s,%s,%s,%d,%.9g,%d" % (framework, threads, workload, n, seconds, calls), flush=True)


def header():
    print("framework,threads,workload,N,median_s,calls", flush=True)
