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
import book_check  # the shared numpy-reference cache (tests/reference/book_check.py)

try:
    import numpy as np
except ImportError:
    print("numpy is not available: skipped")
    sys.exit(77)

F32 = np.float32


def dot32(a, b):
    return np.dot(a.astype(np.float64), b.astype(np.float64)).astype(F32)


def spiral_data(samples, classes):
    X = np.zeros((samples * classes, 2), dtype=F32)
    y = np.zeros(samples * classes, dtype=np.uint8)
    for c in range(classes):
        ix = range(samples * c, samples * (c + 1))
        r = np.linspace(0.0, 1, samples)
        t = np.linspace(c * 4, (c + 1) * 4, samples) + (np.random.randn(samples).astype(F32) * F32(0.2)).astype(np.float64)
        X[ix] = np.c_[r * np.sin(t * 2.5), r * np.cos(t * 2.5)]
        y[ix] = c
    return X, y


class Dense:
    def __init__(self, n_in, n_out):
        self.weights = (F32(0.01) * np.random.randn(n_in, n_out).astype(F32)).astype(F32)
        self.biases = np.zeros((1, n_out), dtype=F32)

    def forward(self, inputs):
        self.inputs = inputs
        self.output = dot32(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = dot32(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        self.dinputs = dot32(dvalues, self.weights.T)


class ReLU:
    def forward(self, inputs):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


CORRECTLY_ROUNDED = "--correctly-rounded" in sys.argv


def exp32(x):
    if CORRECTLY_ROUNDED:
        return np.exp(x.astype(np.float64)).astype(F32)
    return np.exp(x)


class SoftmaxCCE:
    def forward(self, inputs, y):
        e = exp32(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = e / np.sum(e, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(clipped)), y]))

    def backward(self, dvalues, y):
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y] -= 1
        self.dinputs = self.dinputs / len(dvalues)


class SGD:
    def __init__(self, learning_rate=1.0, decay=0.0, momentum=0.0):
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.momentum, self.iterations = decay, momentum, 0

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1.0 / (1.0 + self.decay * self.iterations))

    def update_params(self, layer):
        if not hasattr(layer, "weight_momentums"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
        wu = self.momentum * layer.weight_momentums - self.current_learning_rate * layer.dweights
        layer.weight_momentums = wu
        bu = self.momentum * layer.bias_momentums - self.current_learning_rate * layer.dbiases
        layer.bias_momentums = bu
        layer.weights += wu
        layer.biases += bu

    def post_update_params(self):
        self.iterations += 1


class Adam:
    def __init__(self, learning_rate=0.001, decay=0.0, epsilon=1e-7, beta_1=0.9, beta_2=0.999):
        self.learning_rate = self.current_learning_rate = learning_rate
        self.decay, self.iterations, self.epsilon = decay, 0, epsilon
        self.beta_1, self.beta_2 = beta_1, beta_2

    def pre_update_params(self):
        if self.decay:
            self.current_learning_rate = self.learning_rate * (1.0 / (1.0 + self.decay * self.iterations))

    def update_params(self, layer):
        if not hasattr(layer, "weight_cache"):
            layer.weight_momentums = np.zeros_like(layer.weights)
            layer.weight_cache = np.zeros_like(layer.weights)
            layer.bias_momentums = np.zeros_like(layer.biases)
            layer.bias_cache = np.zeros_like(layer.biases)
        b1, b2, t = self.beta_1, self.beta_2, self.iterations + 1
        layer.weight_momentums = b1 * layer.weight_momentums + (1 - b1) * layer.dweights
        layer.bias_momentums = b1 * layer.bias_momentums + (1 - b1) * layer.dbiases
        wm = layer.weight_momentums / (1 - b1 ** t)
        bm = layer.bias_momentums / (1 - b1 ** t)
        layer.weight_cache = b2 * layer.weight_cache + (1 - b2) * layer.dweights ** 2
        layer.bias_cache = b2 * layer.bias_cache + (1 - b2) * layer.dbiases ** 2
        wc = layer.weight_cache / (1 - b2 ** t)
        bc = layer.bias_cache / (1 - b2 ** t)
        layer.weights += -self.current_learning_rate * wm / (np.sqrt(wc) + self.epsilon)
        layer.biases += -self.current_learning_rate * bm / (np.sqrt(bc) + self.epsilon)

    def post_update_params(self):
        self.iterations += 1


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


def numpy_uses_simd_exp_log():
    """True when numpy 1.x computes float32 exp/log with its AVX2 + FMA3 or AVX-512F routine."""
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return False
    return bool(features.get("AVX512F") or (features.get("AVX2") and features.get("FMA3")))


def check(which, program):
    if not numpy_uses_simd_exp_log():
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
