#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent reference for the lesson programs' expected output (examples/expected/*.txt).

Published numbers come from lessons.json (the course's values); the spiral rows of lessons 4-6 come from
numpy itself, following the nnfs package's recipe: np.random.seed(0), float32 data and weights, np.dot in
float64 rounded to float32. Run:  /usr/bin/python3 tests/reference/nnfs_lessons.py examples/expected
"""
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REF = json.load(open(os.path.join(HERE, "lessons.json")))
F32 = np.float32


def randn32(*shape):
    return np.random.randn(*shape).astype(F32)


def dot32(a, b):
    return np.dot(a.astype(np.float64), b.astype(np.float64)).astype(F32)


def spiral_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype=F32)
    y = np.zeros(samples * classes, dtype=np.uint8)
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + (randn32(samples) * F32(0.2)).astype(np.float64)
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = c
    return X, y


class Dense:
    def __init__(self, n_in, n_out):
        self.weights = (F32(0.01) * randn32(n_in, n_out)).astype(F32)
        self.biases = np.zeros((1, n_out), dtype=F32)

    def forward(self, x):
        return dot32(x, self.weights) + self.biases


def softmax(x):
    e = np.exp(x - np.max(x, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def fmt(a):
    return np.array2string(np.asarray(a, dtype=F32), separator=" ")


def lessons():
    out = {}
    # Lessons 1-3 compute with Python floats (float64): print() of a float, of a list, of a float64 array.
    out["lesson_01_intro_neuron"] = f"{REF['lesson1_neuron']['output']!r}\n"
    out["lesson_02_layer"] = f"{REF['lesson2_layer']['output']!r}\n"
    out["lesson_03_dot_product"] = (f"{REF['lesson1_neuron']['output']!r}\n"
                                    f"{np.array(REF['lesson2_layer']['output'], dtype=np.float64)}\n")

    np.random.seed(0)
    X, y = spiral_data(100, 3)
    d1 = Dense(2, 3)
    spiral_rows = d1.forward(X)[:5]
    out["lesson_04_batches_layers_objects"] = (
        f'{np.array(REF["lesson4_batch_two_layers"]["layer2_output"], dtype=np.float64)}\n' + fmt(spiral_rows) + "\n")

    relu_list = np.maximum(0, np.array([0, 2, -1, 3.3, -2.7, 1.1, 2.2, -100], dtype=F32))
    out["lesson_05_activation_functions"] = fmt(relu_list) + "\n" + fmt(np.maximum(0, spiral_rows)) + "\n"

    np.random.seed(0)
    X, y = spiral_data(100, 3)
    d1, d2 = Dense(2, 3), Dense(3, 3)
    probs = softmax(d2.forward(np.maximum(0, d1.forward(X))))
    out["lesson_06_softmax"] = (f'{np.array(REF["softmax_single"]["output"], dtype=np.float64)}\n' +
                                fmt(probs[:5]) + "\n")

    batch = REF["cce_batch"]
    losses = [-math.log(row[t]) for row, t in zip(batch["softmax_outputs"], batch["targets_sparse"])]
    # Lesson 7 also computes with Python floats and float64 arrays: the book's print() lines, unlabelled.
    out["lesson_07_cross_entropy_loss"] = (
        f"{REF['cce_single']['loss']!r}\n"
        f"{np.array(losses, dtype=np.float64)}\n"
        f"{batch['mean_loss']!r}\n"
        f"{batch['mean_loss']!r}\n"
        f"acc: {REF['accuracy_book_example']['accuracy']!r}\n")

    ch5 = REF["chapter5_spiral_pipeline"]
    out["lesson_08_implementing_loss"] = f"loss: {ch5['book_print_loss']}\nacc: {ch5['book_print_acc']}\n"
    return out


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, text in lessons().items():
        with open(os.path.join(target, name + ".txt"), "w") as f:
            f.write(text)
