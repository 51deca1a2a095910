# SPDX-License-Identifier: MIT
"""numpy peer: the spiral classifier and the MNIST-sized MLP written the way the book writes them
(a class per layer, forward/backward methods, float32 arrays), timed per call.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 nnfs_numpy.py [threads-label]
Prints CSV: framework,threads,workload,N,median_s,calls
"""
import os
import sys

from peer_common import SIZES, emit, header, median_per_call, mnist_like, np, spiral

f32 = np.float32


class Dense:
    def __init__(self, fan_in, fan_out, gen):
        self.weights = (0.01 * gen.standard_normal((fan_in, fan_out))).astype(f32)
        self.biases = np.zeros((1, fan_out), dtype=f32)
        self.w_m = np.zeros_like(self.weights)
        self.w_v = np.zeros_like(self.weights)
        self.b_m = np.zeros_like(self.biases)
        self.b_v = np.zeros_like(self.biases)

    def forward(self, x):
        self.inputs = x
        self.output = np.dot(x, self.weights) + self.biases

    def backward(self, grad):
        self.dweights = np.dot(self.inputs.T, grad)
        self.dbiases = np.sum(grad, axis=0, keepdims=True)
        self.dinputs = np.dot(grad, self.weights.T)


class ReLU:
    def forward(self, x):
        self.inputs = x
        self.output = np.maximum(0, x)

    def backward(self, grad):
        self.dinputs = grad.copy()
        self.dinputs[self.inputs <= 0] = 0


class Softmax:
    def forward(self, x):
        shifted = np.exp(x - np.max(x, axis=1, keepdims=True))
        self.output = shifted / np.sum(shifted, axis=1, keepdims=True)


class CategoricalCrossentropy:
    def calculate(self, probs, labels):
        picked = np.clip(probs, 1e-7, 1 - 1e-7)[range(len(probs)), labels]
        return np.mean(-np.log(picked))


class SoftmaxCrossentropy:
    """Softmax and CCE together, with the fused gradient (p - onehot) / samples."""

    def __init__(self):
        self.softmax = Softmax()
        self.loss = CategoricalCrossentropy()

    def forward(self, logits, labels):
        self.softmax.forward(logits)
        self.output = self.softmax.output
        return self.loss.calculate(self.output, labels)

    def backward(self, probs, labels):
        n = len(probs)
        grad = probs.copy()
        grad[range(n), labels] -= 1
        self.dinputs = grad / f32(n)


class Adam:
    def __init__(self, lr, decay=0.0, eps=1e-7, beta_1=0.9, beta_2=0.999):
        self.lr, self.decay, self.eps, self.beta_1, self.beta_2 = lr, decay, eps, beta_1, beta_2
        self.current_lr = lr
        self.steps = 0

    def pre_update(self):
        if self.decay:
            self.current_lr = self.lr / (1.0 + self.decay * self.steps)

    def update(self, layer):
        t = self.steps + 1
        for p, g, m, v in (("weights", layer.dweights, "w_m", "w_v"), ("biases", layer.dbiases, "b_m", "b_v")):
            new_m = self.beta_1 * getattr(layer, m) + (1 - self.beta_1) * g
            new_v = self.beta_2 * getattr(layer, v) + (1 - self.beta_2) * g ** 2
            setattr(layer, m, new_m)
            setattr(layer, v, new_v)
            m_hat = new_m / (1 - self.beta_1 ** t)
            v_hat = new_v / (1 - self.beta_2 ** t)
            param = getattr(layer, p)
            param += -self.current_lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def post_update(self):
        self.steps += 1


class Network:
    def __init__(self, sizes, lr, decay):
        gen = np.random.default_rng(0)
        self.dense1 = Dense(sizes[0], sizes[1], gen)
        self.relu = ReLU()
        self.dense2 = Dense(sizes[1], sizes[2], gen)
        self.softmax = Softmax()
        self.cce = CategoricalCrossentropy()
        self.head = SoftmaxCrossentropy()
        self.adam = Adam(lr, decay)

    def forward_loss(self, X, y):
        self.dense1.forward(X)
        self.relu.forward(self.dense1.output)
        self.dense2.forward(self.relu.output)
        self.softmax.forward(self.dense2.output)
        return self.cce.calculate(self.softmax.output, y)

    def train_step(self, X, y):
        self.dense1.forward(X)
        self.relu.forward(self.dense1.output)
        self.dense2.forward(self.relu.output)
        loss = self.head.forward(self.dense2.output, y)
        accuracy = np.mean(np.argmax(self.head.output, axis=1) == y)
        self.head.backward(self.head.output, y)
        self.dense2.backward(self.head.dinputs)
        self.relu.backward(self.dense2.dinputs)
        self.dense1.backward(self.relu.dinputs)
        self.adam.pre_update()
        self.adam.update(self.dense1)
        self.adam.update(self.dense2)
        self.adam.post_update()
        return loss, accuracy


def main():
    threads = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OPENBLAS_NUM_THREADS", "default")
    header()
    runs = [("nnfs", n, spiral(n), (2, 64, 3), 0.05, 5e-7) for n in SIZES]
    runs.append(("mlp", 128, mnist_like(), (784, 128, 10), 1e-3, 0.0))
    for tag, n, (X, y), sizes, lr, decay in runs:
        net = Network(sizes, lr, decay)
        t, calls = median_per_call(lambda: net.forward_loss(X, y))
        emit("numpy", threads, tag + "_fwd", n, t, calls)
        net = Network(sizes, lr, decay)
        t, calls = median_per_call(lambda: net.train_step(X, y))
        if net.dense1.weights.dtype != f32 or net.head.dinputs.dtype != f32:
            sys.exit("numpy peer: a float64 array crept in")
        emit("numpy", threads, tag + "_train", n, t, calls)


if __name__ == "__main__":
    main()
