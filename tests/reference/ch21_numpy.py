#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy reference for examples/ch21_saving_loading.c: the book's chapter-21 code on Fashion-MNIST.

Chapter 19's training, then the parameters moved into a new model three ways (get_parameters /
set_parameters, save_parameters / load_parameters, save / Model.load, the book's pickle files, written to a
temporary directory), each followed by model.evaluate(X_test, y_test). The classes are in nnfs_book.py.
Usage as ch19_numpy.py:

    /usr/bin/python3 tests/reference/ch21_numpy.py [epochs [train_samples]] [--check PROGRAM]
"""
import os
import sys
import tempfile

try:
    import numpy as np  # noqa: F401
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

import nnfs_book as book
from book_check import run_check


def train(epochs, train_samples):
    X, y, X_test, y_test = book.fashion_mnist_prepared(train_samples)
    model = book.fashion_mnist_model()
    model.train(X, y, validation_data=(X_test, y_test), epochs=epochs, batch_size=128, print_every=100)
    return model, X_test, y_test


def new_model(lines):
    """A model of the same layers for loss and accuracy only (the book's second model.set), printing to lines."""
    model = book.fashion_mnist_model()
    model.lines = lines
    return model


def run(epochs, train_samples=None):
    model, X_test, y_test = train(epochs, train_samples)
    lines = model.lines
    parameters = model.get_parameters()
    copy = new_model(lines)
    copy.set_parameters(parameters)
    copy.evaluate(X_test, y_test)
    with tempfile.TemporaryDirectory() as tmp:
        copy = new_model(lines)
        model.save_parameters(os.path.join(tmp, "fashion_mnist.parms"))
        copy.load_parameters(os.path.join(tmp, "fashion_mnist.parms"))
        copy.evaluate(X_test, y_test)
        model.save(os.path.join(tmp, "fashion_mnist.model"))
        loaded = book.Model.load(os.path.join(tmp, "fashion_mnist.model"))
        loaded.lines = lines
        loaded.evaluate(X_test, y_test)
    book.print_digest(model)
    book.print_digest(loaded)
    return lines


if __name__ == "__main__":
    if not book.fashion_mnist_available():
        print(f"the Fashion-MNIST files are not in {book.FASHION_MNIST_DIR}: skipped")
        sys.exit(77)
    sys.exit(run_check(run, 10))
