#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Round trip between numpy and libnnbasics' .npy/.npz code.

numpy writes .npy files (every supported dtype, versions 1.0, 2.0 and 3.0, several ranks) and .npz archives
(np.savez and np.savez_compressed); the library reads each one (through tests/numpy/npy_tool) and must give
exactly, bit for bit, what numpy's astype(np.float32) gives. The library's own .npy output must be
byte-identical to np.save of the same float32 array, and its .npz must load in numpy unchanged.
Formats the library refuses (Fortran order, big-endian, object arrays) must be refused with
NNB_ERR_UNSUPPORTED.

Usage: npy_roundtrip.py <npy_tool> <work dir>. Exits 77 (skipped) when numpy is not installed.
"""
import io
import os
import subprocess
import sys
import warnings
import zipfile

try:
    import numpy as np
except ImportError:
    print("numpy is not installed: skipped")
    sys.exit(77)

NNB_ERR_UNSUPPORTED = 12

TOOL, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
failures = []
checks = 0


def run(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True)


def expected(arr, vector):
    a = np.asarray(arr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float64 beyond float32's range -> inf, as documented
        f = a.astype(np.float32)
    if a.ndim == 0:
        return f.reshape(1, 1)
    if a.ndim == 1:
        return f.reshape(1, -1) if vector == "row" else f.reshape(-1, 1)
    return f.reshape(a.shape[0], -1)


def check_tensor(label, path, member, vector, arr):
    global checks
    checks += 1
    out = os.path.join(WORK, "out.npy")
    r = run("tensor", path, member, vector, out)
    if r.returncode != 0:
        failures.append(f"{label}: the library refused it ({r.stdout.strip()} {r.stderr.strip()})")
        return
    got = np.load(out)
    want = expected(arr, vector)
    if got.dtype != np.float32 or got.shape != want.shape:
        failures.append(f"{label}: got {got.dtype} {got.shape}, want float32 {want.shape}")
        return
    if not np.array_equal(got.view(np.uint32), want.view(np.uint32)):
        failures.append(f"{label}: values differ in their bits")
        return
    # The library's .npy of a float32 array is what np.save writes.
    buf = io.BytesIO()
    np.save(buf, want)
    with open(out, "rb") as f:
        if f.read() != buf.getvalue():
            failures.append(f"{label}: the library's .npy bytes differ from np.save's")


def check_labels(label, path, member, arr):
    global checks
    checks += 1
    out = os.path.join(WORK, "labels.txt")
    r = run("labels", path, member, out)
    if r.returncode != 0:
        failures.append(f"{label}: the library refused the labels ({r.stdout.strip()})")
        return
    with open(out) as f:
        got = [int(line) for line in f]
    if got != [int(v) for v in np.asarray(arr).ravel()]:
        failures.append(f"{label}: labels differ")


def check_refused(label, path, member, status):
    global checks
    checks += 1
    r = run("tensor", path, member, "row", os.path.join(WORK, "refused.npy"))
    if r.returncode != 3 or r.stdout.strip() != f"status {status}":
        failures.append(f"{label}: want status {status}, got exit {r.returncode} {r.stdout.strip()}")


rng = np.random.default_rng(20261129)
specials = np.array([0.0, -0.0, 1.0, -1.5, 1e-45, 1e-310, 3.4028234663852886e38, 3.5e38, -1e300, np.inf, -np.inf,
                     0.1, 1 / 3, 16777217.0])
arrays = {
    "f4_2d": rng.standard_normal((5, 3)).astype(np.float32),
    "f8_2d": np.concatenate([rng.standard_normal(10) * 1e3, specials]).reshape(4, 6),
    "f8_1d": rng.standard_normal(7),
    "i4_2d": rng.integers(-2**31, 2**31, size=(3, 4), dtype=np.int32),
    "i8_1d": rng.integers(-2**62, 2**62, size=9, dtype=np.int64),
    "u1_3d": rng.integers(0, 256, size=(2, 3, 4), dtype=np.uint8),
    "f4_0d": np.array(2.5, dtype=np.float32),
    "f4_4d": rng.standard_normal((2, 2, 2, 3)).astype(np.float32),
}

for name, arr in arrays.items():
    for version in [(1, 0), (2, 0), (3, 0)]:
        path = os.path.join(WORK, f"{name}_v{version[0]}.npy")
        with open(path, "wb") as f:
            np.lib.format.write_array(f, arr, version=version)
        for vector in ("row", "col"):
            if arr.ndim != 1 and vector == "col":
                continue
            check_tensor(f"{name} v{version[0]} {vector}", path, "-", vector, arr)
    if arr.dtype.kind in "iu" and arr.min() >= 0 and arr.max() <= 0xFFFFFFFF:
        check_labels(f"{name} labels", os.path.join(WORK, f"{name}_v1.npy"), "-", arr)

labels = np.array([3, 0, 2, 2, 1, 4294967295], dtype=np.int64)
np.save(os.path.join(WORK, "labels.npy"), labels)
check_labels("int64 labels", os.path.join(WORK, "labels.npy"), "-", labels)
np.save(os.path.join(WORK, "labels_u1.npy"), labels[:5].astype(np.uint8))
check_labels("uint8 labels", os.path.join(WORK, "labels_u1.npy"), "-", labels[:5])

# Refused: Fortran order, big-endian, object arrays.
np.save(os.path.join(WORK, "fortran.npy"), np.asfortranarray(rng.standard_normal((3, 4)).astype(np.float32)))
check_refused("fortran order", os.path.join(WORK, "fortran.npy"), "-", NNB_ERR_UNSUPPORTED)
np.save(os.path.join(WORK, "big.npy"), np.arange(6, dtype=">f4").reshape(2, 3))
check_refused("big-endian", os.path.join(WORK, "big.npy"), "-", NNB_ERR_UNSUPPORTED)
np.save(os.path.join(WORK, "object.npy"), np.array([1, "a", None], dtype=object), allow_pickle=True)
check_refused("object array", os.path.join(WORK, "object.npy"), "-", NNB_ERR_UNSUPPORTED)

# .npz from numpy, stored and compressed.
members = {"x": arrays["f8_2d"], "y": arrays["u1_3d"], "w": arrays["f4_2d"], "v": arrays["f8_1d"]}
for kind, save in (("savez", np.savez), ("savez_compressed", np.savez_compressed)):
    path = os.path.join(WORK, f"{kind}.npz")
    save(path, **members, labels=labels)
    for member, arr in members.items():
        check_tensor(f"{kind} {member}", path, member, "row", arr)
        check_tensor(f"{kind} {member}.npy", path, member + ".npy", "row", arr)
    check_labels(f"{kind} labels", path, "labels", labels)

# The library's .npz loads in numpy unchanged.
inputs = []
for name in ("f4_2d", "f8_2d", "u1_3d"):
    p = os.path.join(WORK, f"{name}_v1.npy")
    inputs += [name, p]
lib_npz = os.path.join(WORK, "lib.npz")
r = run("npz", lib_npz, *inputs)
checks += 1
if r.returncode != 0:
    failures.append(f"library npz: {r.stdout.strip()} {r.stderr.strip()}")
else:
    with zipfile.ZipFile(lib_npz) as z:
        if z.testzip() is not None:
            failures.append("library npz: zipfile finds a bad CRC")
    with np.load(lib_npz) as got:
        if sorted(got.files) != ["f4_2d", "f8_2d", "u1_3d"]:
            failures.append(f"library npz: members {got.files}")
        for name in ("f4_2d", "f8_2d", "u1_3d"):
            want = expected(arrays[name], "row")
            if got[name].dtype != np.float32 or not np.array_equal(got[name].view(np.uint32), want.view(np.uint32)):
                failures.append(f"library npz: member {name} differs")

for f in failures:
    print("FAIL", f)
print(f"{checks} checks, {len(failures)} failures (numpy {np.__version__})")
sys.exit(1 if failures else 0)
