#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy reference for examples/ch19_fashion_mnist.c: the book's chapter-19 code on Fashion-MNIST.

np.random.seed(0); the IDX files read in their own order; np.random.shuffle of the training keys; pixels
scaled to [-1, 1] in float32; Dense(784, 128) -> ReLU -> Dense(128, 128) -> ReLU -> Dense(128, 10) ->
softmax, categorical cross-entropy, Adam(decay=1e-3); model.train(X, y, validation_data=(X_test, y_test),
epochs=10, batch_size=128, print_every=100). The classes are in nnfs_book.py. Usage as every chapter
reference (book_check.py); the optional second number keeps that many shuffled training samples (and a sixth
of it from the test set) for a short check:

    /usr/bin/python3 tests/reference/ch19_numpy.py [epochs [train_samples]] [--check PROGRAM]

Exits 77 (ctest's skip) without numpy or without the Fashion-MNIST files.
"""
import sys

try:
    import numpy as np  # noqa: F401
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

import nnfs_book as book
from book_check import run_check


def run(epochs, train_samples=None):
    X, y, X_test, y_test = book.fashion_mnist_prepared(train_samples)
    model = book.fashion_mnist_model()
    model.train(X, y, validation_data=(X_test, y_test), epochs=epochs, batch_size=128, print_every=100)
    book.print_digest(model)
    return model.lines


if __name__ == "__main__":
    if not book.fashion_mnist_available():
        print(f"the Fashion-MNIST files are not in {book.FASHION_MNIST_DIR}: skipped")
        sys.exit(77)
    sys.exit(run_check(run, 10))
