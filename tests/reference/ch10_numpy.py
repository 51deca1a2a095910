#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Independent numpy reference for the chapter-10 programs (examples/ch10_adam_spiral.c, ch10_sgd_spiral.c).

The book's chapter-10 code, written out with the nnfs conventions: np.random.seed(0), float32 data and
weights, np.dot done in float64 and rounded to float32 (what nnfs.init() installs). Prints the same lines as
the C programs:

    /usr/bin/python3 tests/reference/ch10_numpy.py adam|sgd [epochs] [--correctly-rounded]
    /usr/bin/python3 tests/reference/ch10_numpy.py adam|sgd --check PROGRAM

With numpy's own float32 exp and log (numpy 1.24 on a CPU with AVX2 + FMA3 or AVX-512F, where numpy uses its
SIMD routines) this prints the book's lines: finals Adam acc 0.967, loss 0.074; SGD acc 0.957, loss 0.121.
The C programs select NNB_ARITHMETIC_NUMPY, which computes exp and log with numpy's algorithm, and then print
exactly the same 101 lines: the parameters agree bit for bit epoch after epoch. --check PROGRAM runs the
program and compares its whole output with this script's; it exits 0 when they are identical, 1 otherwise
(listing the lines that differ) and 77 (ctest's skip) when numpy is missing or would use the C library's
expf/logf instead of its SIMD routines (a CPU without AVX2 + FMA3 and AVX-512F).

With --correctly-rounded the softmax exp is computed in float64 and rounded once; that is what
NNB_ARITHMETIC_REFERENCE computes, and the programs in that mode end at Adam acc 0.973, loss 0.078 and SGD
acc 0.960, loss 0.117 (within the +-0.01 of the book's that 10000 chaotic steps allow). Epoch 0 is the same
in every variant: loss 1.0985943 (float32), acc 0.360; lr 0.05 (Adam) and 1.0 (SGD).
"""
import subprocess
import sys
import book_check  # the shared numpy-reference cache and command line (tests/reference/book_check.py)

try:
    import numpy as np
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

from nnfs_book import Adam, Dense, ReLU, SGD, SoftmaxCCE, spiral_data  # the book's classes, shared

CORRECTLY_ROUNDED = "--correctly-rounded" in sys.argv  # read by nnfs_book.exp32 as well


def train(which, epochs):
    """The book's training loop; returns the printed lines."""
    lines = []
    np.random.seed(0)
    X, y = spiral_data(100, 3)
    dense1, activation1, dense2 = Dense(2, 64), ReLU(), Dense(64, 3)
    loss_activation = SoftmaxCCE()
    if which == "adam":
        optimizer = Adam(learning_rate=0.05, decay=5e-7)
    else:
        optimizer = SGD(learning_rate=1.0, decay=1e-3, momentum=0.9)
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
    return lines


def check(which, program):
    if not book_check.numpy_uses_simd_exp_log():
        print("numpy does not use its SIMD float32 exp/log on this CPU: skipped")
        return 77
    want = book_check.reference_lines(lambda: list(train(which, 10001)), which, 10001,
                                      CORRECTLY_ROUNDED)
    got = subprocess.run([program], check=True, capture_output=True, text=True).stdout.strip().split("\n")
    differ = [i for i in range(max(len(got), len(want)))
              if i >= len(got) or i >= len(want) or got[i] != want[i]]
    print(f"numpy {np.__version__}: {len(want)} lines, {len(got)} printed by {program}, {len(differ)} differ")
    for i in differ[:20]:
        print(f"  numpy:   {want[i] if i < len(want) else '(none)'}")
        print(f"  program: {got[i] if i < len(got) else '(none)'}")
    if want:
        print(f"last line: {want[-1]}")
    return 1 if differ else 0


def main():
    argv = sys.argv[1:]
    program = None
    if "--check" in argv:
        k = argv.index("--check")
        program = argv[k + 1]
        del argv[k:k + 2]
    args = [a for a in argv if not a.startswith("--")]
    which = args[0] if args else "adam"
    if program is not None:
        return check(which, program)
    epochs = int(args[1]) if len(args) > 1 else 10001
    for line in train(which, epochs):
        print(line)
    return 0

if __name__ == "__main__":
    sys.exit(main())
