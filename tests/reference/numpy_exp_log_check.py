#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compares the library's numpy float32 exp and log (src/compute/numpy_math.c) with numpy itself, bit for bit.

    /usr/bin/python3 tests/reference/numpy_exp_log_check.py PROGRAM WORKDIR

PROGRAM is tests/numpy_math_check (it reads float32 values from a file and writes its exp and log of each).
The arguments: every float32 sign and exponent with random mantissas (subnormals included), the first and
last mantissas of every binade, a few thousand values on each side of exp's overflow and underflow bounds and
of the point where exp's results become subnormal, neighbours of 0, 1, sqrt(1/2) and the smallest normal,
neighbours of every (k + 1/2) * ln 2 (where exp's choice of k is decided by its last rounding), NaN (quiet and signalling, both signs), +-inf and +-0; over 10^7 in all. numpy evaluates them as one
contiguous float32 array whose length is not a multiple of 16, so the last block takes its masked tail path;
the script also checks that numpy gives the same bits for a misaligned slice (one element in), for a
strided view (its gather path) and element by element, so the comparison does not depend on how numpy
splits the array.

Exit status: 0 when every result matches, 1 on a mismatch, 77 (ctest's skip) when numpy is missing or runs
neither its AVX2 + FMA3 nor its AVX-512F routine on this CPU (it then calls the C library's expf/logf, which
is not the algorithm under test). Set NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX" to make numpy
take its AVX2 routine on an AVX-512 machine.
"""
import os
import subprocess
import sys

try:
    import numpy as np
    from numpy.core._multiarray_umath import __cpu_features__ as features
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

SKIP = 77


def numpy_path():
    if features.get("AVX512F"):
        return "AVX512F"
    if features.get("AVX2") and features.get("FMA3"):
        return "AVX2+FMA3"
    return None


def arguments(rng):
    parts = []
    # Every sign and exponent field (0 = zero/subnormals, 255 = inf/NaN), random mantissas.
    per_exponent = 19500
    for sign in (0, 1):
        for exponent in range(256):
            mant = rng.integers(0, 1 << 23, per_exponent, dtype=np.uint32)
            mant[:4] = [0, 1, (1 << 23) - 2, (1 << 23) - 1]
            parts.append((np.uint32(sign << 31) | np.uint32(exponent << 23) | mant).astype(np.uint32))
    # Neighbourhoods (4096 float32 steps each side) of the interesting points.
    centres = [88.72283935546875, -103.97208404541015625, -87.33654, -86.6434, -88.0, 0.0, 1.0,
               0.70710677, 1.4142135, 0.5, 2.0, 1.17549435e-38, 3.4028235e38, 1e-7, 0.9999999, 88.0, -104.0]
    for c in centres:
        for s in (1.0, -1.0):
            b = np.array([c * s], dtype=np.float32).view(np.uint32)[0]
            lo = max(int(b) - 4096, 0)
            parts.append(np.arange(lo, int(b) + 4096, dtype=np.uint32))
    # exp's reduction picks k = rint(x * log2(e)): arguments around every (k + 1/2) * ln 2 in exp's range,
    # where that rounding is decided by the last bit (numpy's compiled code fuses the product with the
    # rounding addition, and a separate product picks the other k for about one argument in 10^8).
    for k in range(-151, 129):
        b = np.array([(k + 0.5) * 0.6931471805599453], dtype=np.float32).view(np.uint32)[0]
        parts.append(np.arange(int(b) - 256, int(b) + 256, dtype=np.uint32))
    specials = [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FFFFFFF, 0x7F800000, 0xFF800000, 0, 0x80000000]
    parts.append(np.array(specials, dtype=np.uint32))
    bits = np.concatenate(parts)
    # An odd length, so that numpy's last block is a masked tail.
    if len(bits) % 16 == 0:
        bits = bits[:-1]
    return bits.view(np.float32)


def check_numpy_consistency(func, x, full):
    """numpy's own results must not depend on alignment, stride or array length."""
    bad = 0
    sliced = func(x[1:])
    bad += np.count_nonzero(sliced.view(np.uint32) != full[1:].view(np.uint32))
    strided = func(x[::3])
    bad += np.count_nonzero(strided.view(np.uint32) != full[::3].view(np.uint32))
    for i in list(range(0, 40)) + list(range(len(x) - 40, len(x))):
        one = func(x[i:i + 1])
        bad += int(one.view(np.uint32)[0] != full.view(np.uint32)[i])
    return bad


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    program, workdir = sys.argv[1], sys.argv[2]
    path = numpy_path()
    if path is None:
        print("numpy runs neither its AVX2 nor its AVX-512F exp/log on this CPU: skipped")
        return SKIP
    rng = np.random.default_rng(20240613)
    x = arguments(rng)
    print(f"numpy {np.__version__}, {path} routine, {len(x)} arguments")
    os.makedirs(workdir, exist_ok=True)
    fin = os.path.join(workdir, "numpy_math_in.f32")
    fexp = os.path.join(workdir, "numpy_math_exp.f32")
    flog = os.path.join(workdir, "numpy_math_log.f32")
    x.tofile(fin)
    subprocess.run([program, fin, fexp, flog], check=True)
    failed = False
    with np.errstate(all="ignore"):
        for name, func, fout in (("exp", np.exp, fexp), ("log", np.log, flog)):
            want = func(x)
            got = np.fromfile(fout, dtype=np.float32)
            if got.shape != want.shape:
                print(f"{name}: {got.shape[0]} results for {want.shape[0]} arguments")
                failed = True
                continue
            diff = np.nonzero(got.view(np.uint32) != want.view(np.uint32))[0]
            print(f"{name}: {len(diff)} mismatches in {len(x)} arguments")
            for i in diff[:10]:
                xb, gb, wb = (int(a.view(np.uint32)) for a in (x[i], got[i], want[i]))
                print(f"  x = {x[i]!r} (0x{xb:08x}): ours 0x{gb:08x}, numpy 0x{wb:08x}")
            failed |= len(diff) > 0
            inconsistent = check_numpy_consistency(func, x, want)
            if inconsistent:
                print(f"{name}: numpy's own results depend on the array layout ({inconsistent} differ)")
                failed = True
    for f in (fin, fexp, flog):
        os.remove(f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
