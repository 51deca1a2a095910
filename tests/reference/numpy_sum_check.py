#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy's float32 np.sum / np.mean (8192-element buffer blocks, pairwise inside each) against the library.

    /usr/bin/python3 tests/reference/numpy_sum_check.py PROGRAM WORKDIR

Writes 70000 float32 values of widely varying size (u^4 for uniform u, in (0, 1)) to WORKDIR/values.f32,
runs PROGRAM (tests/numpy_sum_check.c), and compares nnb_sum_f32 and nnb_mean_f32 of every prefix, sizes
1 .. 70000 (8191, 8192, 8193, 16385 and 60000 among them), with numpy's np.sum and np.mean of the same
prefix, and the library's mean cross-entropy (NNB_ARITHMETIC_NUMPY) of selected prefixes with
np.mean(-np.log(np.clip(x, 1e-7, 1 - 1e-7))), all bit for bit. Exits 0 when all agree, 1 otherwise, 77 (a
skip for ctest) when numpy is missing.
"""
import os
import subprocess
import sys

try:
    import numpy as np
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

N = 70000
CCE_SIZES = list(range(1, 300)) + list(range(8180, 8210)) + list(range(16375, 16395)) + \
    list(range(24570, 24590)) + [32768, 32769, 40000, 60000, 65536, 69999, 70000]


def main():
    program, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    rng = np.random.RandomState(20260)
    x = (rng.random_sample(N) ** 4).astype(np.float32)
    x[x == 0] = np.float32(1e-30)
    paths = [os.path.join(work, name) for name in ("values.f32", "sum.f32", "mean.f32", "cce.f32")]
    x.tofile(paths[0])
    subprocess.run([program] + paths + [str(n) for n in CCE_SIZES], check=True)
    got_sum = np.fromfile(paths[1], dtype=np.float32)
    got_mean = np.fromfile(paths[2], dtype=np.float32)
    got_cce = np.fromfile(paths[3], dtype=np.float32)
    bad = 0
    for n in range(1, N + 1):
        prefix = x[:n]
        want_sum, want_mean = np.sum(prefix), np.mean(prefix)
        if want_sum.view(np.uint32) != got_sum[n - 1].view(np.uint32) or \
                want_mean.view(np.uint32) != got_mean[n - 1].view(np.uint32):
            bad += 1
            if bad <= 10:
                print(f"n={n}: numpy sum {want_sum!r} mean {want_mean!r}, "
                      f"library sum {got_sum[n - 1]!r} mean {got_mean[n - 1]!r}")
    cce_bad = 0
    for k, n in enumerate(CCE_SIZES):
        want = np.mean(-np.log(np.clip(x[:n], 1e-7, 1 - 1e-7)))
        if want.view(np.uint32) != got_cce[k].view(np.uint32):
            cce_bad += 1
            if cce_bad <= 10:
                print(f"cross-entropy n={n}: numpy {want!r}, library {got_cce[k]!r}")
    print(f"numpy {np.__version__}: sums and means of {N} prefixes, {bad} differ; "
          f"cross-entropy means of {len(CCE_SIZES)} prefixes, {cce_bad} differ")
    return 1 if bad or cce_bad else 0


if __name__ == "__main__":
    sys.exit(main())
