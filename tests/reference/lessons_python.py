#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""What the book's code prints for the lessons computed with Python floats (lessons 1-3 and 7).

The book's own code for each lesson, run as written: Python floats (double precision) printed with
print(), Python lists printed as lists, numpy float64 arrays printed by numpy. Prints every lesson's text:

    /usr/bin/python3 tests/reference/lessons_python.py                 # all lessons, with headers
    /usr/bin/python3 tests/reference/lessons_python.py NAME            # one lesson's text
    /usr/bin/python3 tests/reference/lessons_python.py NAME --check PROGRAM

--check runs PROGRAM and compares its whole output with the lesson's text: exit 0 when identical, 1
otherwise, 77 (ctest's skip) when numpy is missing (lessons 3 and 7 use numpy).
"""
import io
import math
import subprocess
import sys
from contextlib import redirect_stdout


def lesson_01_intro_neuron():
    inputs = [1, 2, 3, 2.5]
    weights = [0.2, 0.8, -0.5, 1.0]
    bias = 2
    output = (inputs[0] * weights[0] +
              inputs[1] * weights[1] +
              inputs[2] * weights[2] +
              inputs[3] * weights[3] + bias)
    print(output)


def lesson_02_layer():
    inputs = [1, 2, 3, 2.5]
    weights = [[0.2, 0.8, -0.5, 1],
               [0.5, -0.91, 0.26, -0.5],
               [-0.26, -0.27, 0.17, 0.87]]
    biases = [2, 3, 0.5]
    layer_outputs = []
    for neuron_weights, neuron_bias in zip(weights, biases):
        neuron_output = 0
        for n_input, weight in zip(inputs, neuron_weights):
            neuron_output += n_input * weight
        neuron_output += neuron_bias
        layer_outputs.append(neuron_output)
    print(layer_outputs)


def lesson_03_dot_product():
    import numpy as np
    inputs = [1.0, 2.0, 3.0, 2.5]
    weights = [0.2, 0.8, -0.5, 1.0]
    bias = 2.0
    outputs = np.dot(weights, inputs) + bias
    print(outputs)

    weights = [[0.2, 0.8, -0.5, 1],
               [0.5, -0.91, 0.26, -0.5],
               [-0.26, -0.27, 0.17, 0.87]]
    biases = [2.0, 3.0, 0.5]
    layer_outputs = np.dot(weights, inputs) + biases
    print(layer_outputs)


def lesson_07_cross_entropy_loss():
    import numpy as np
    softmax_output = [0.7, 0.1, 0.2]
    target_output = [1, 0, 0]
    loss = -(math.log(softmax_output[0]) * target_output[0] +
             math.log(softmax_output[1]) * target_output[1] +
             math.log(softmax_output[2]) * target_output[2])
    print(loss)

    softmax_outputs = np.array([[0.7, 0.1, 0.2],
                                [0.1, 0.5, 0.4],
                                [0.02, 0.9, 0.08]])
    class_targets = [0, 1, 1]
    print(-np.log(softmax_outputs[range(len(softmax_outputs)), class_targets]))
    neg_log = -np.log(softmax_outputs[range(len(softmax_outputs)), class_targets])
    average_loss = np.mean(neg_log)
    print(average_loss)

    class_targets = np.array([[1, 0, 0],
                              [0, 1, 0],
                              [0, 1, 0]])
    y_pred_clipped = np.clip(softmax_outputs, 1e-7, 1 - 1e-7)
    correct_confidences = np.sum(y_pred_clipped * class_targets, axis=1)
    print(np.mean(-np.log(correct_confidences)))

    softmax_outputs = np.array([[0.7, 0.2, 0.1],
                                [0.5, 0.1, 0.4],
                                [0.02, 0.9, 0.08]])
    class_targets = np.array([0, 1, 1])
    predictions = np.argmax(softmax_outputs, axis=1)
    accuracy = np.mean(predictions == class_targets)
    print('acc:', accuracy)


LESSONS = {f.__name__: f for f in (lesson_01_intro_neuron, lesson_02_layer, lesson_03_dot_product,
                                   lesson_07_cross_entropy_loss)}


def text_of(name):
    out = io.StringIO()
    with redirect_stdout(out):
        LESSONS[name]()
    return out.getvalue()


def main():
    argv = sys.argv[1:]
    if not argv:
        for name in LESSONS:
            print(f"== {name}")
            print(text_of(name), end="")
        return 0
    name = argv[0]
    try:
        want = text_of(name)
    except ImportError:
        print("numpy is not available: skipped")
        return 77
    if len(argv) >= 3 and argv[1] == "--check":
        got = subprocess.run([argv[2]], check=True, capture_output=True, text=True).stdout
        if got == want:
            print(f"{name}: the program prints the book's text ({len(want.splitlines())} lines)")
            return 0
        print(f"{name}: the program's text differs from the book's code\n--- book (python3)\n{want}--- program\n{got}")
        return 1
    print(want, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
