#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy reference for examples/ch20_model_evaluation.c: the book's chapter-20 code on Fashion-MNIST.

Chapter 19's training (ch19_numpy.py), then model.evaluate(X_test, y_test) and model.evaluate(X, y), each
in one pass. The classes are in nnfs_book.py. Usage as ch19_numpy.py:

    /usr/bin/python3 tests/reference/ch20_numpy.py [epochs [train_samples]] [--check PROGRAM]
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
    model.evaluate(X_test, y_test)
    model.evaluate(X, y)
    book.print_digest(model)
    return model.lines


if __name__ == "__main__":
    if not book.fashion_mnist_available():
        print(f"the Fashion-MNIST files are not in {book.FASHION_MNIST_DIR}: skipped")
        sys.exit(77)
    sys.exit(run_check(run, 10))
