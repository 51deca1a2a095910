#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Where tests/test_mixed.c's expected values come from: numpy running the book's classes (nnfs_book.py) on
two small cases, printed as C initialisers (float32 as bit patterns, float64 as hex floats).

Case 1 (chapter 15 in small): X = randn(5, 3) as float32 after seed 0; Dense(3, 4, L2 5e-4 on weights and
biases) -> ReLU -> Dropout(0.1) -> Dense(4, 2); a fixed float32 gradient for dense2's output; two passes,
each followed by an Adam(learning_rate=0.05) step on both layers.
Case 2 (chapter 17 in small): sine_data(300) with y computed by math.sin (the C library's sin), float32
predictions 0.9 * y + 0.01; the mean squared error, its gradient, np.std(y) / 250 and the accuracy.

    /usr/bin/python3 tests/reference/mixed_numpy.py
"""
import math
import struct
import sys

import numpy as np

import nnfs_book as book


def f32(a):
    return ", ".join(f"0x{struct.unpack('<I', struct.pack('<f', v))[0]:08x}u" for v in np.asarray(a).ravel())


def f64(a):
    return ", ".join(float(v).hex() for v in np.asarray(a).ravel())


def case1():
    np.random.seed(0)
    X = np.random.randn(5, 3).astype(np.float32)
    dense1 = book.Dense(3, 4, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4)
    relu = book.ReLU()
    dropout = book.Dropout(0.1)
    dense2 = book.Dense(4, 2)
    dlogits = (np.arange(10, dtype=np.float32).reshape(5, 2) - np.float32(4.5)) * np.float32(0.01)
    optimizer = book.Adam(learning_rate=0.05)
    out = {}
    for step in range(2):
        dense1.forward(X)
        relu.forward(dense1.output)
        dropout.forward(relu.output)
        dense2.forward(dropout.output)
        dense2.backward(dlogits)
        dropout.backward(dense2.dinputs)
        relu.backward(dropout.dinputs)
        dense1.backward(relu.dinputs)
        assert dropout.output.dtype == np.float64 and dense2.output.dtype == np.float32
        assert dense1.dbiases.dtype == np.float64 and dense2.dbiases.dtype == np.float32
        if step == 0:
            out["mask"] = f64(dropout.binary_mask)
            out["dropout_out"] = f64(dropout.output)
            out["dense2_out"] = f32(dense2.output)
            out["dense2_dweights"] = f32(dense2.dweights)
            out["dense2_dbiases"] = f32(dense2.dbiases)
            out["drelu"] = f64(relu.dinputs)
            out["dense1_dweights"] = f32(dense1.dweights)
            out["dense1_dbiases"] = f64(dense1.dbiases)
            out["dense1_dinputs"] = f32(dense1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()
        assert dense1.bias_momentums.dtype == np.float64 and dense1.biases.dtype == np.float32
    out["step2_dense1_dbiases"] = f64(dense1.dbiases)
    out["dense1_bias_momentums"] = f64(dense1.bias_momentums)
    out["dense1_bias_cache"] = f64(dense1.bias_cache)
    out["dense1_biases"] = f32(dense1.biases)
    out["dense1_weights"] = f32(dense1.weights)
    out["dense2_biases"] = f32(dense2.biases)
    return out


def case2():
    n = 300
    X = np.arange(n).reshape(-1, 1) / n
    y = np.array([math.sin(2 * math.pi * x) for x in X.ravel()]).reshape(-1, 1)
    pred = (0.9 * y + 0.01).astype(np.float32)
    loss = book.MeanSquaredError()
    out = {"loss": f64(loss.calculate(pred, y))}
    loss.backward(pred, y)
    out["dinputs_0_7_150_299"] = f64(loss.dinputs.ravel()[[0, 7, 150, 299]])
    precision = np.std(y) / 250
    out["precision"] = f64(precision)
    wide = np.std(y) / 40
    out["accuracy_wide"] = f64(np.mean(np.absolute(pred - y) < wide))
    return out


if __name__ == "__main__":
    for name, values in list(case1().items()) + list(case2().items()):
        print(f"{name}: {values}")
    sys.exit(0)
