# SPDX-License-Identifier: MIT
"""Reference values for tests/test_datasets.c and tests/test_dense.c, computed with numpy's own legacy
generator (np.random.seed / np.random.randn) following the nnfs package's data-set code with its float32
conventions (normals rounded to float32, float32 arithmetic for the noise, float32 output arrays).

Run: python3 tests/reference/nnfs_data_reference.py
Prints selected elements as float32 bit patterns (hex) and as shortest float32 text.
"""
import struct

import numpy as np


def bits(x):
    return "0x%08x" % struct.unpack("<I", struct.pack("<f", np.float32(x)))[0]


def show(name, x):
    print("%s %s %s" % (name, bits(x), str(np.float32(x))))


def fnv1a64(arr):
    """FNV-1a (64-bit) over the float32 bit patterns in row-major order, each as 4 little-endian bytes."""
    h = 0xcbf29ce484222325
    for b in np.ascontiguousarray(arr, dtype="<f4").tobytes():
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def spiral_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype=np.float32)
    y = np.zeros(samples * classes, dtype=np.uint8)
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        g = np.random.randn(samples).astype(np.float32)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + (g * np.float32(0.2)).astype(np.float64)
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = c
    return X, y


def vertical_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype=np.float32)
    y = np.zeros(samples * classes, dtype=np.uint8)
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        g0 = np.random.randn(samples).astype(np.float32)
        g1 = np.random.randn(samples).astype(np.float32)
        X[ix, 0] = g0 * np.float32(0.1) + np.float32(c / 3)
        X[ix, 1] = g1 * np.float32(0.1) + np.float32(0.5)
        y[ix] = c
    return X, y


np.random.seed(0)
X, y = spiral_data(100, 3)
print("spiral_fnv1a64 0x%016x" % fnv1a64(X))
for row in (1, 2, 50, 99, 101, 150, 199, 250, 299):
    show("spiral X[%d][0]" % row, X[row, 0])
    show("spiral X[%d][1]" % row, X[row, 1])
# Dense(2, 3) built right after the data set: 0.01 * randn in float32 (normals 300..305).
w = np.float32(0.01) * np.random.randn(2, 3).astype(np.float32)
for i in range(6):
    show("dense_after_spiral w[%d]" % i, w.flat[i])

np.random.seed(0)
X, y = vertical_data(100, 3)
print("vertical_fnv1a64 0x%016x" % fnv1a64(X))
for row in (0, 1, 150, 299):
    show("vertical X[%d][0]" % row, X[row, 0])
    show("vertical X[%d][1]" % row, X[row, 1])

np.random.seed(0)
g = np.random.randn(6)
for i in range(6):
    print("randn[%d] %r" % (i, float(g[i])))
