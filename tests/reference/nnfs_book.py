# SPDX-License-Identifier: MIT
"""The book's classes, once, for every chapter reference (tests/reference/chNN_numpy.py).

Written out with the nnfs conventions the book's code runs under (nnfs.init()): np.random.seed(0), float32
data and weights (np.random.randn and np.zeros produce float32), np.dot computed in float64 and rounded to
float32. Everything else is the book's code as printed: numpy's own float32 exp and log, np.mean and np.sum,
Python floats for the hyperparameters.

Chapters 10-17 use the layer, loss and optimizer classes directly; chapters 19-22 (Fashion-MNIST) use the
Model class of chapters 18-22 (training with batches, the accumulated epoch loss and accuracy, evaluate,
predict, parameters and saving).
"""
import copy
import gzip
import os
import pickle
import sys
import zlib

import numpy as np

F32 = np.float32

# ch10_numpy.py --correctly-rounded: the softmax exp in float64, rounded once (NNB_ARITHMETIC_REFERENCE).
CORRECTLY_ROUNDED = "--correctly-rounded" in sys.argv


def dot32(a, b):
    """nnfs.init()'s np.dot: both operands in float64, the product rounded to float32."""
    return np.dot(a.astype(np.float64), b.astype(np.float64)).astype(F32)


def exp32(x):
    if CORRECTLY_ROUNDED:
        return np.exp(x.astype(np.float64)).astype(F32)
    return np.exp(x)


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


def sine_data(samples=1000):
    """nnfs.datasets.sine_data: float64 arrays, as nnfs returns them."""
    X = np.arange(samples).reshape(-1, 1) / samples
    y = np.sin(2 * np.pi * X).reshape(-1, 1)
    return X, y


class Dense:
    def __init__(self, n_in, n_out, weight_regularizer_l1=0, weight_regularizer_l2=0,
                 bias_regularizer_l1=0, bias_regularizer_l2=0, scale=0.01):
        self.weights = (F32(scale) * np.random.randn(n_in, n_out).astype(F32)).astype(F32)
        self.biases = np.zeros((1, n_out), dtype=F32)
        self.weight_regularizer_l1 = weight_regularizer_l1
        self.weight_regularizer_l2 = weight_regularizer_l2
        self.bias_regularizer_l1 = bias_regularizer_l1
        self.bias_regularizer_l2 = bias_regularizer_l2

    def forward(self, inputs, training=False):
        self.inputs = inputs
        self.output = dot32(inputs, self.weights) + self.biases

    def backward(self, dvalues):
        self.dweights = dot32(self.inputs.T, dvalues)
        self.dbiases = np.sum(dvalues, axis=0, keepdims=True)
        if self.weight_regularizer_l1 > 0:
            dL1 = np.ones_like(self.weights)
            dL1[self.weights < 0] = -1
            self.dweights += self.weight_regularizer_l1 * dL1
        if self.weight_regularizer_l2 > 0:
            self.dweights += 2 * self.weight_regularizer_l2 * self.weights
        if self.bias_regularizer_l1 > 0:
            dL1 = np.ones_like(self.biases)
            dL1[self.biases < 0] = -1
            self.dbiases += self.bias_regularizer_l1 * dL1
        if self.bias_regularizer_l2 > 0:
            self.dbiases += 2 * self.bias_regularizer_l2 * self.biases
        self.dinputs = dot32(dvalues, self.weights.T)

    def get_parameters(self):
        return self.weights, self.biases

    def set_parameters(self, weights, biases):
        self.weights = weights
        self.biases = biases


def regularization_loss(layer):
    regularization_loss = 0
    if layer.weight_regularizer_l1 > 0:
        regularization_loss += layer.weight_regularizer_l1 * np.sum(np.abs(layer.weights))
    if layer.weight_regularizer_l2 > 0:
        regularization_loss += layer.weight_regularizer_l2 * np.sum(layer.weights * layer.weights)
    if layer.bias_regularizer_l1 > 0:
        regularization_loss += layer.bias_regularizer_l1 * np.sum(np.abs(layer.biases))
    if layer.bias_regularizer_l2 > 0:
        regularization_loss += layer.bias_regularizer_l2 * np.sum(layer.biases * layer.biases)
    return regularization_loss


class ReLU:
    def forward(self, inputs, training=False):
        self.inputs = inputs
        self.output = np.maximum(0, inputs)

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()
        self.dinputs[self.inputs <= 0] = 0


class Dropout:
    def __init__(self, rate):
        self.rate = 1 - rate

    def forward(self, inputs, training=True):
        self.inputs = inputs
        self.binary_mask = np.random.binomial(1, self.rate, size=inputs.shape) / self.rate
        self.output = inputs * self.binary_mask

    def backward(self, dvalues):
        self.dinputs = dvalues * self.binary_mask


class Sigmoid:
    def forward(self, inputs, training=False):
        self.inputs = inputs
        self.output = 1 / (1 + np.exp(-inputs))

    def backward(self, dvalues):
        self.dinputs = dvalues * (1 - self.output) * self.output


class Linear:
    def forward(self, inputs, training=False):
        self.inputs = inputs
        self.output = inputs

    def backward(self, dvalues):
        self.dinputs = dvalues.copy()


class Softmax:
    def forward(self, inputs, training=False):
        self.inputs = inputs
        e = exp32(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = e / np.sum(e, axis=1, keepdims=True)

    def predictions(self, outputs):
        return np.argmax(outputs, axis=1)


class SoftmaxCCE:
    """Activation_Softmax_Loss_CategoricalCrossentropy of chapters 10-17 (forward returns the mean loss)."""

    def forward(self, inputs, y):
        e = exp32(inputs - np.max(inputs, axis=1, keepdims=True))
        self.output = e / np.sum(e, axis=1, keepdims=True)
        clipped = np.clip(self.output, 1e-7, 1 - 1e-7)
        return np.mean(-np.log(clipped[range(len(clipped)), y]))

    def backward(self, dvalues, y):
        self.dinputs = dvalues.copy()
        self.dinputs[range(len(dvalues)), y] -= 1
        self.dinputs = self.dinputs / len(dvalues)


class BinaryCrossentropy:
    def forward(self, y_pred, y_true):
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        sample_losses = -(y_true * np.log(y_pred_clipped) + (1 - y_true) * np.log(1 - y_pred_clipped))
        return np.mean(sample_losses, axis=-1)

    def calculate(self, output, y):
        return np.mean(self.forward(output, y))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        clipped_dvalues = np.clip(dvalues, 1e-7, 1 - 1e-7)
        self.dinputs = -(y_true / clipped_dvalues - (1 - y_true) / (1 - clipped_dvalues)) / outputs
        self.dinputs = self.dinputs / samples


class MeanSquaredError:
    def calculate(self, output, y):
        return np.mean(np.mean((y - output) ** 2, axis=-1))

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        outputs = len(dvalues[0])
        self.dinputs = -2 * (y_true - dvalues) / outputs
        self.dinputs = self.dinputs / samples


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


# ---- Chapters 18-22: the Model class, its loss and accuracy with accumulated sums, Fashion-MNIST ----

class CategoricalCrossentropy:
    """Loss_CategoricalCrossentropy with the Loss base class of chapters 18-22."""

    def remember_trainable_layers(self, trainable_layers):
        self.trainable_layers = trainable_layers

    def forward(self, y_pred, y_true):
        samples = len(y_pred)
        y_pred_clipped = np.clip(y_pred, 1e-7, 1 - 1e-7)
        correct_confidences = y_pred_clipped[range(samples), y_true]
        return -np.log(correct_confidences)

    def regularization_loss(self):
        regularization = 0
        for layer in self.trainable_layers:
            regularization += regularization_loss(layer)
        return regularization

    def calculate(self, output, y, *, include_regularization=False):
        sample_losses = self.forward(output, y)
        data_loss = np.mean(sample_losses)
        self.accumulated_sum += np.sum(sample_losses)
        self.accumulated_count += len(sample_losses)
        if not include_regularization:
            return data_loss
        return data_loss, self.regularization_loss()

    def calculate_accumulated(self, *, include_regularization=False):
        data_loss = self.accumulated_sum / self.accumulated_count
        if not include_regularization:
            return data_loss
        return data_loss, self.regularization_loss()

    def new_pass(self):
        self.accumulated_sum = 0
        self.accumulated_count = 0


class AccuracyCategorical:
    def init(self, y):
        pass

    def compare(self, predictions, y):
        if len(y.shape) == 2:
            y = np.argmax(y, axis=1)
        return predictions == y

    def calculate(self, predictions, y):
        comparisons = self.compare(predictions, y)
        accuracy = np.mean(comparisons)
        self.accumulated_sum += np.sum(comparisons)
        self.accumulated_count += len(comparisons)
        return accuracy

    def calculate_accumulated(self):
        return self.accumulated_sum / self.accumulated_count

    def new_pass(self):
        self.accumulated_sum = 0
        self.accumulated_count = 0


class SoftmaxCCEBackward:
    """Activation_Softmax_Loss_CategoricalCrossentropy as the Model uses it: the combined gradient only."""

    def backward(self, dvalues, y_true):
        samples = len(dvalues)
        self.dinputs = dvalues.copy()
        self.dinputs[range(samples), y_true] -= 1
        self.dinputs = self.dinputs / samples


class Model:
    """The book's Model (chapters 18-22); print() goes to self.lines so that a reference returns its text."""

    def __init__(self):
        self.layers = []
        self.softmax_classifier_output = None
        self.lines = []

    def print(self, text):
        self.lines.append(text)

    def add(self, layer):
        self.layers.append(layer)

    def set(self, *, loss=None, optimizer=None, accuracy=None):
        if loss is not None:
            self.loss = loss
        if optimizer is not None:
            self.optimizer = optimizer
        if accuracy is not None:
            self.accuracy = accuracy

    def finalize(self):
        self.trainable_layers = [layer for layer in self.layers if hasattr(layer, "weights")]
        self.output_layer_activation = self.layers[-1]
        if self.loss is not None:
            self.loss.remember_trainable_layers(self.trainable_layers)
        if isinstance(self.layers[-1], Softmax) and isinstance(self.loss, CategoricalCrossentropy):
            self.softmax_classifier_output = SoftmaxCCEBackward()

    def forward(self, X, training):
        for layer in self.layers:
            layer.forward(X, training)
            X = layer.output
        return X

    def backward(self, output, y):
        self.softmax_classifier_output.backward(output, y)
        dinputs = self.softmax_classifier_output.dinputs
        for layer in reversed(self.layers[:-1]):
            layer.backward(dinputs)
            dinputs = layer.dinputs

    @staticmethod
    def steps(count, batch_size):
        if batch_size is None:
            return 1
        steps = count // batch_size
        if steps * batch_size < count:
            steps += 1
        return steps

    def train(self, X, y, *, epochs=1, batch_size=None, print_every=1, validation_data=None):
        self.accuracy.init(y)
        train_steps = self.steps(len(X), batch_size)
        for epoch in range(1, epochs + 1):
            self.print(f"epoch: {epoch}")
            self.loss.new_pass()
            self.accuracy.new_pass()
            for step in range(train_steps):
                if batch_size is None:
                    batch_X, batch_y = X, y
                else:
                    batch_X = X[step * batch_size:(step + 1) * batch_size]
                    batch_y = y[step * batch_size:(step + 1) * batch_size]
                output = self.forward(batch_X, training=True)
                data_loss, regularization = self.loss.calculate(output, batch_y, include_regularization=True)
                loss = data_loss + regularization
                predictions = self.output_layer_activation.predictions(output)
                accuracy = self.accuracy.calculate(predictions, batch_y)
                self.backward(output, batch_y)
                self.optimizer.pre_update_params()
                for layer in self.trainable_layers:
                    self.optimizer.update_params(layer)
                self.optimizer.post_update_params()
                if not step % print_every or step == train_steps - 1:
                    self.print(f"step: {step}, acc: {accuracy:.3f}, loss: {loss:.3f} (data_loss: {data_loss:.3f}, "
                               f"reg_loss: {regularization:.3f}), lr: {self.optimizer.current_learning_rate}")
            epoch_data_loss, epoch_regularization = self.loss.calculate_accumulated(include_regularization=True)
            epoch_loss = epoch_data_loss + epoch_regularization
            epoch_accuracy = self.accuracy.calculate_accumulated()
            self.print(f"training, acc: {epoch_accuracy:.3f}, loss: {epoch_loss:.3f} (data_loss: "
                       f"{epoch_data_loss:.3f}, reg_loss: {epoch_regularization:.3f}), "
                       f"lr: {self.optimizer.current_learning_rate}")
            if validation_data is not None:
                self.evaluate(*validation_data, batch_size=batch_size)

    def evaluate(self, X_val, y_val, *, batch_size=None):
        validation_steps = self.steps(len(X_val), batch_size)
        self.loss.new_pass()
        self.accuracy.new_pass()
        for step in range(validation_steps):
            if batch_size is None:
                batch_X, batch_y = X_val, y_val
            else:
                batch_X = X_val[step * batch_size:(step + 1) * batch_size]
                batch_y = y_val[step * batch_size:(step + 1) * batch_size]
            output = self.forward(batch_X, training=False)
            self.loss.calculate(output, batch_y)
            predictions = self.output_layer_activation.predictions(output)
            self.accuracy.calculate(predictions, batch_y)
        validation_loss = self.loss.calculate_accumulated()
        validation_accuracy = self.accuracy.calculate_accumulated()
        self.print(f"validation, acc: {validation_accuracy:.3f}, loss: {validation_loss:.3f}")

    def predict(self, X, *, batch_size=None):
        prediction_steps = self.steps(len(X), batch_size)
        output = []
        for step in range(prediction_steps):
            batch_X = X if batch_size is None else X[step * batch_size:(step + 1) * batch_size]
            output.append(self.forward(batch_X, training=False))
        return np.vstack(output)

    def get_parameters(self):
        return [layer.get_parameters() for layer in self.trainable_layers]

    def set_parameters(self, parameters):
        for parameter_set, layer in zip(parameters, self.trainable_layers):
            layer.set_parameters(*parameter_set)

    def save_parameters(self, path):
        with open(path, "wb") as f:
            pickle.dump(self.get_parameters(), f)

    def load_parameters(self, path):
        with open(path, "rb") as f:
            self.set_parameters(pickle.load(f))

    def save(self, path):
        model = copy.deepcopy(self)
        model.loss.new_pass()
        model.accuracy.new_pass()
        for layer in model.layers:
            for attribute in ("inputs", "output", "dinputs", "dweights", "dbiases"):
                layer.__dict__.pop(attribute, None)
        model.lines = []
        with open(path, "wb") as f:
            pickle.dump(model, f)

    @staticmethod
    def load(path):
        with open(path, "rb") as f:
            return pickle.load(f)


def print_digest(model):
    """With NNB_BOOK_DIGEST set (book_check.py sets it for --check): the CRC-32 of every weight and bias as
    little-endian float32, layer after layer, the programs' "parameters crc32" line (examples/fashion_book.h)."""
    if not os.environ.get("NNB_BOOK_DIGEST"):
        return
    crc = 0
    for layer in model.trainable_layers:
        for values in (layer.weights, layer.biases):
            crc = zlib.crc32(np.ascontiguousarray(values, dtype="<f4").tobytes(), crc)
    model.print(f"parameters crc32: {crc:08x}")


FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

FASHION_MNIST_LABELS = {0: "T-shirt/top", 1: "Trouser", 2: "Pullover", 3: "Dress", 4: "Coat", 5: "Sandal",
                        6: "Shirt", 7: "Sneaker", 8: "Bag", 9: "Ankle boot"}


def fashion_mnist_available(path=FASHION_MNIST_DIR):
    return all(os.path.exists(os.path.join(path, name + ".gz")) or os.path.exists(os.path.join(path, name))
               for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte"))


def _read_idx(path):
    if not os.path.exists(path):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * k:8 + 4 * k], "big") for k in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def create_data_mnist(path=FASHION_MNIST_DIR):
    """The book's create_data_mnist, reading the IDX files in their own order instead of PNG folders.

    The book lists PNG folders with os.listdir, whose order depends on the file system; the IDX files'
    order is fixed, so the library's programs and this reference start from the same arrays.
    """
    X = _read_idx(os.path.join(path, "train-images-idx3-ubyte"))
    y = _read_idx(os.path.join(path, "train-labels-idx1-ubyte")).astype("uint8")
    X_test = _read_idx(os.path.join(path, "t10k-images-idx3-ubyte"))
    y_test = _read_idx(os.path.join(path, "t10k-labels-idx1-ubyte")).astype("uint8")
    return X, y, X_test, y_test


def fashion_mnist_prepared(train_samples=None):
    """Chapter 19's data preparation: seed 0, shuffle the training keys, scale to [-1, 1] in float32.

    train_samples (the programs' second argument) keeps the first samples of the shuffled training set and
    of the test set in proportion (test = train_samples // 6), for a short check; None is the book's run.
    """
    np.random.seed(0)
    X, y, X_test, y_test = create_data_mnist()
    keys = np.array(range(X.shape[0]))
    np.random.shuffle(keys)
    X = X[keys]
    y = y[keys]
    X = (X.reshape(X.shape[0], -1).astype(np.float32) - 127.5) / 127.5
    X_test = (X_test.reshape(X_test.shape[0], -1).astype(np.float32) - 127.5) / 127.5
    if train_samples is not None:
        X, y = X[:train_samples], y[:train_samples]
        X_test, y_test = X_test[:train_samples // 6], y_test[:train_samples // 6]
    return X, y, X_test, y_test


def fashion_mnist_model():
    """Chapter 19's model: Dense(784, 128) -> ReLU -> Dense(128, 128) -> ReLU -> Dense(128, 10) -> softmax,
    categorical cross-entropy, Adam(decay=1e-3), categorical accuracy."""
    model = Model()
    model.add(Dense(784, 128))
    model.add(ReLU())
    model.add(Dense(128, 128))
    model.add(ReLU())
    model.add(Dense(128, 10))
    model.add(Softmax())
    model.set(loss=CategoricalCrossentropy(), optimizer=Adam(decay=1e-3), accuracy=AccuracyCategorical())
    model.finalize()
    return model
