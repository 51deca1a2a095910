#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy reference for examples/ch17_regression.c: the book's chapter-17 code.

X, y = sine_data() (float64, as nnfs returns it); Dense(1, 64) -> ReLU -> Dense(64, 64) -> ReLU ->
Dense(64, 1) -> linear, weights 0.1 * randn; mean squared error; Adam(learning_rate=0.005, decay=1e-3);
accuracy within np.std(y) / 250. Because y is float64, numpy computes the loss, its gradient and the last
layer's bias gradient and Adam state in float64 (the C program stays in float32: docs/BOOK.md). Usage as
every chapter reference (book_check.py):

    /usr/bin/python3 tests/reference/ch17_numpy.py [epochs] [--check PROGRAM]
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
    X, y = book.sine_data()
    dense1, activation1 = book.Dense(1, 64, scale=0.1), book.ReLU()
    dense2, activation2 = book.Dense(64, 64, scale=0.1), book.ReLU()
    dense3, activation3 = book.Dense(64, 1, scale=0.1), book.Linear()
    loss_function = book.MeanSquaredError()
    optimizer = book.Adam(learning_rate=0.005, decay=1e-3)
    accuracy_precision = np.std(y) / 250
    for epoch in range(epochs):
        dense1.forward(X)
        activation1.forward(dense1.output)
        dense2.forward(activation1.output)
        activation2.forward(dense2.output)
        dense3.forward(activation2.output)
        activation3.forward(dense3.output)
        data_loss = loss_function.calculate(activation3.output, y)
        reg_loss = (book.regularization_loss(dense1) + book.regularization_loss(dense2)
                    + book.regularization_loss(dense3))
        loss = data_loss + reg_loss
        accuracy = np.mean(np.absolute(activation3.output - y) < accuracy_precision)
        if not epoch % 100:
            lines.append(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f} (data_loss: {data_loss:.3f}, "
                         f"reg_loss: {reg_loss:.3f}), lr: {optimizer.current_learning_rate}")
        loss_function.backward(activation3.output, y)
        activation3.backward(loss_function.dinputs)
        dense3.backward(activation3.dinputs)
        activation2.backward(dense3.dinputs)
        dense2.backward(activation2.dinputs)
        activation1.backward(dense2.dinputs)
        dense1.backward(activation1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.update_params(dense3)
        optimizer.post_update_params()
    return lines


if __name__ == "__main__":
    sys.exit(run_check(run, 10001))
