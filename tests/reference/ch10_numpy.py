#!/usr/bin/python3
"""Independent numpy reference for the chapter-10 programs (examples/ch10_adam_spiral.c, ch10_sgd_spiral.c).

The book's chapter-10 code, written out with the nnfs conventions: np.random.seed(0), float32 data and
weights, np.dot done in float64 and rounded to float32 (what nnfs.init() installs). Prints the same lines as
the C programs:  /usr/bin/python3 tests/reference/ch10_numpy.py adam|sgd [epochs] [--correctly-rounded]

With numpy's own float32 exp this prints the book's lines (finals Adam 0.967/0.074, SGD 0.957/0.121).
numpy's float32 exp is a SIMD routine that is often 1-2 ulp off; the library's softmax uses a correctly
rounded exp instead. With --correctly-rounded the softmax exp is computed in float64 and rounded once, and
the C programs then follow this script's trajectory bit for bit: the parameters agree exactly epoch after
epoch, and the logged lines are identical (finals Adam acc 0.973, loss 0.078; SGD acc 0.960, loss 0.117 --
all within the +-0.01 of the book's that 10000 chaotic steps allow). Epoch 0 is the same in every variant:
loss 1.0985943 (float32), acc 0.360; lr 0.05 (Adam) and 1.0 (SGD).
"""
import sys

import numpy as np

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


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    which = args[0] if args else "adam"
    epochs = int(args[1]) if len(args) > 1 else 10001
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
            print(f"epoch: {epoch}, acc: {accuracy:.3f}, loss: {loss:.3f}, lr: {optimizer.current_learning_rate}")
        loss_activation.backward(loss_activation.output, y)
        dense2.backward(loss_activation.dinputs)
        activation1.backward(dense2.dinputs)
        dense1.backward(activation1.dinputs)
        optimizer.pre_update_params()
        optimizer.update_params(dense1)
        optimizer.update_params(dense2)
        optimizer.post_update_params()


if __name__ == "__main__":
    main()
