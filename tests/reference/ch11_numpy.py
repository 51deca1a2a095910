#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent numpy reference for examples/ch11_out_of_sample.c: the book's chapter-11 code.

The chapter-10 Adam model (tests/reference/ch10_numpy.py, the same classes) trains on spiral_data(100, 3),
then a second spiral data set tests it: "validation, acc: A, loss: L". Prints the lines the book's code
prints; --check PROGRAM runs the program with the same number of epochs and compares the whole text:

    /usr/bin/python3 tests/reference/ch11_numpy.py [epochs]
    /usr/bin/python3 tests/reference/ch11_numpy.py [epochs] --check PROGRAM

Exit 0 when identical, 1 otherwise, 77 (ctest's skip) without numpy or when numpy does not use its SIMD
float32 exp/log (see ch10_numpy.py).
"""
import sys

try:
    import numpy as np
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

import nnfs_book as book
from book_check import run_check


def run(epochs):
    lines = []
    np.random.seed(0)
    X, y = book.spiral_data(100, 3)
    dense1, activation1, dense2 = book.Dense(2, 64), book.ReLU(), book.Dense(64, 3)
    loss_activation = book.SoftmaxCCE()
    optimizer = book.Adam(learning_rate=0.05, decay=5e-7)
    for epoch in range(epochs):
        dense1.forward(X)
        activation1.forward(dense1.output)
        dense2.forward(activation1.output)
        loss = loss_activation.forward(dense2.output, y)
        accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y)
        if not epoch % 100:
            lines.append(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {optimizer.current_learning_rate}")
        loss_activation.backward(loss_activation.output, y)
        dense2.backward(loss_activation.dinputs)
        activation1.backward(dense2.dinputs)
        dense1.backward(activation1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()

    X_test, y_test = book.spiral_data(100, 3)
    dense1.forward(X_test)
    activation1.forward(dense1.output)
    dense2.forward(activation1.output)
    loss = loss_activation.forward(dense2.output, y_test)
    accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y_test)
    lines.append(f"validation, acc: {accuracy:.3f}, loss: {loss:.3f}")
    return lines


if __name__ == "__main__":
    sys.exit(run_check(run, 10001))
