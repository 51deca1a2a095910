#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""numpy reference for examples/ch22_prediction.c: the book's chapter-22 code on Fashion-MNIST.

Trains as chapter 21 does (ch21_numpy.py, the same epochs and training samples), saves and loads the model
(Model.save / Model.load), then predicts X_test[:5] and prints the predictions, y_test[:5] and the class
names, and classifies test image 42 on its own (the book's photograph of trousers is not shipped). The
program under --check is run without arguments in the directory where ch21_saving_loading saved
fashion_mnist.model with the same epochs and training samples:

    /usr/bin/python3 tests/reference/ch22_numpy.py [epochs [train_samples]] [--check PROGRAM]
"""
import os
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

import nnfs_book as book
from book_check import run_check
from ch21_numpy import train


def run(epochs, train_samples=None):
    model, _, _ = train(epochs, train_samples)
    with tempfile.TemporaryDirectory() as tmp:
        model.save(os.path.join(tmp, "fashion_mnist.model"))
        model = book.Model.load(os.path.join(tmp, "fashion_mnist.model"))
    _, _, X_test, y_test = book.create_data_mnist()
    X_test = (X_test.reshape(X_test.shape[0], -1).astype(np.float32) - 127.5) / 127.5
    lines = []
    confidences = model.predict(X_test[:5])
    predictions = model.output_layer_activation.predictions(confidences)
    lines.append(str(predictions))
    lines.append(str(y_test[:5]))
    for prediction in predictions:
        lines.append(book.FASHION_MNIST_LABELS[prediction])
    image_data = X_test[42].reshape(1, -1)
    confidences = model.predict(image_data)
    predictions = model.output_layer_activation.predictions(confidences)
    lines.append(book.FASHION_MNIST_LABELS[predictions[0]])
    return lines


if __name__ == "__main__":
    if not book.fashion_mnist_available():
        print(f"the Fashion-MNIST files are not in {book.FASHION_MNIST_DIR}: skipped")
        sys.exit(77)
    sys.exit(run_check(run, 10, program_args=lambda epochs, more: []))
