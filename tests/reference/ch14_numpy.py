#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent numpy reference for examples/ch14_regularization.c: the book's chapter-14 code.

spiral_data(1000, 3); Dense(2, 512, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4) -> ReLU ->
Dense(512, 3) -> softmax + cross-entropy; Adam(learning_rate=0.02, decay=5e-7); every 100th epoch
"epoch: E, acc: A, loss: L (data_loss: D, reg_loss: R), lr: LR"; then a test set spiral_data(100, 3):
"validation, acc: A, loss: L". The classes are in tests/reference/nnfs_book.py. Usage as every chapter
reference (book_check.py):

    /usr/bin/python3 tests/reference/ch14_numpy.py [epochs] [--check PROGRAM]
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
    X, y = book.spiral_data(1000, 3)
    dense1 = book.Dense(2, 512, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4)
    activation1 = book.ReLU()
    dense2 = book.Dense(512, 3)
    loss_activation = book.SoftmaxCCE()
    optimizer = book.Adam(learning_rate=0.02, decay=5e-7)
    for epoch in range(epochs):
        dense1.forward(X)
        activation1.forward(dense1.output)
        dense2.forward(activation1.output)
        data_loss = loss_activation.forward(dense2.output, y)
        reg_loss = book.regularization_loss(dense1) + book.regularization_loss(dense2)
        loss = data_loss + reg_loss
        accuracy = np.mean(np.argmax(loss_activation.output, axis=1) == y)
        if not epoch % 100:
            lines.append(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f} (data_loss: {data_loss:.3f}, "
                         f"reg_loss: {reg_loss:.3f}), lr: {optimizer.current_learning_rate}")
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
