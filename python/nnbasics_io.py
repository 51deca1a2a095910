# SPDX-License-Identifier: MIT
"""Read and write libnnbasics model files (.nnb) in pure Python with NumPy: no build, no C library.

The format is docs/MODEL_FORMAT.md (versions 1 to 3 are read, version 3 is written). A notebook can inspect a
model trained in C, change its weights, or produce a model file from scratch:

    import nnbasics_io as nio
    m = nio.load("model.nnb")
    print(m.summary())
    probs = m.predict(X)                       # NumPy forward pass (float32), raw rows: the stored scaling applies
    m.layers[0].weights *= 0.5                 # (n_inputs, n_neurons) float32, the library's layout
    nio.save(m, "half.nnb")

    m = nio.Model(layers=[nio.Layer("dense", weights=W1, biases=b1), nio.Layer("relu"),
                          nio.Layer("dense", weights=W2, biases=b2), nio.Layer("softmax")], loss="cce")
    nio.save(m, "from_python.nnb")

Image models (kinds 16 to 21: conv2d, max and average pooling, global average pooling, batchnorm, flatten) are
read, written and predicted too; their rows are NCHW images flattened (x.reshape(N, -1) of a PyTorch batch):

    m = nio.load("cnn.nnb")
    m.layers[0].params["in_c"], m.layers[0].weights.shape   # conv2d: (in_c * kh * kw, out_c), PyTorch's transposed
    m.layers[1].running_mean, m.layers[1].running_var        # batchnorm statistics (weights = gamma, biases = beta)

Layer kinds are a table (LAYER_KINDS): a kind the format gains is one entry, with the names and struct formats
of the fields its record holds after the kind.
"""
import math
import struct
import zlib
from dataclasses import dataclass, field
from typing import List, Optional

import numpy as np

MAGIC = b"\x89NNB\r\n\x1a\n"
VERSIONS_READ = (1, 2, 3)
VERSION_WRITTEN = 3
KIND_PARAMETERS, KIND_MODEL = 1, 2
MAX_LAYERS = 1024
MAX_WIDTH = 1 << 24
MAX_NAME = 1024


@dataclass(frozen=True)
class LayerKind:
    """One layer kind of the format: its code, its name and the scalar fields of its record (name, struct
    format) after the kind. Dense layers also carry their weights and biases (has_parameters)."""
    code: int
    name: str
    fields: tuple = ()
    has_parameters: bool = False
    since: int = 1  # the first format version with this kind
    defaults: tuple = ()  # (name, value) for the fields a Layer built in Python may leave out
    record: str = ""  # "dense", "conv2d", "batchnorm": the arrays after the fields (see Layer)


# The layer kinds (nnb_layer_kind). Append new kinds here.
LAYER_KINDS = [
    LayerKind(0, "dense", (("n_inputs", "<Q"), ("n_neurons", "<Q"), ("init_scale", "<f"), ("weight_l1", "<f"),
                           ("weight_l2", "<f"), ("bias_l1", "<f"), ("bias_l2", "<f")), has_parameters=True,
              record="dense"),
    LayerKind(1, "relu"),
    LayerKind(2, "softmax"),
    LayerKind(3, "sigmoid"),
    LayerKind(4, "linear"),
    LayerKind(5, "dropout", (("rate", "<f"),), defaults=(("rate", 0.0),)),
    LayerKind(6, "tanh", since=3),
    LayerKind(7, "leaky_relu", (("slope", "<f"),), since=3, defaults=(("slope", 0.01),)),
    LayerKind(8, "elu", (("alpha", "<f"),), since=3, defaults=(("alpha", 1.0),)),
    LayerKind(9, "gelu", (("approximation", "<I"),), since=3, defaults=(("approximation", 0),)),
    LayerKind(10, "softplus", since=3),
    # Image layers (NCHW activations as rows of C*H*W). conv2d: weights (in_c*kernel_h*kernel_w, out_c), the
    # transpose of PyTorch's (out_c, in_c, kh, kw); biases (out_c). padding: 0 valid, 1 same, 2 explicit.
    LayerKind(16, "conv2d", tuple((n, "<Q") for n in ("in_c", "in_h", "in_w", "out_c", "kernel_h", "kernel_w",
                                                        "stride", "pad_h", "pad_w")) +
              (("padding", "<I"), ("bias", "<I"), ("init_scale", "<f")), has_parameters=True, since=3,
              defaults=(("stride", 1), ("pad_h", 0), ("pad_w", 0), ("padding", 0), ("bias", 1),
                        ("init_scale", 0.0)), record="conv2d"),
    LayerKind(17, "maxpool2d", (("kernel_h", "<Q"), ("kernel_w", "<Q"), ("stride", "<Q")), since=3),
    LayerKind(18, "avgpool2d", (("kernel_h", "<Q"), ("kernel_w", "<Q"), ("stride", "<Q")), since=3),
    LayerKind(19, "global_avgpool", since=3),
    # batchnorm: weights = gamma (C), biases = beta (C), running_mean and running_var (C each).
    LayerKind(20, "batchnorm", (("channels", "<Q"), ("momentum", "<f"), ("eps", "<f")), has_parameters=True,
              since=3, defaults=(("momentum", 0.1), ("eps", 1e-5)), record="batchnorm"),
    LayerKind(21, "flatten", since=3),
]
PADDINGS = ["valid", "same", "explicit"]
KIND_BY_CODE = {k.code: k for k in LAYER_KINDS}
KIND_BY_NAME = {k.name: k for k in LAYER_KINDS}

LOSSES = ["none", "cce", "bce", "mse", "mae"]
ACCURACIES = ["none", "categorical", "binary", "regression"]
OPTIMIZERS = ["sgd", "adagrad", "rmsprop", "adam"]
OPTIMIZER_FIELDS = ["learning_rate", "decay", "momentum", "epsilon", "rho", "beta_1", "beta_2"]
PREPROCESS = ["none", "standardize", "minmax", "affine"]
GELU_APPROXIMATIONS = ["exact", "tanh"]
SCHEDULES = ["none", "step", "exponential", "cosine"]
# The version-3 training-settings section after its u32 length: (name, struct format) in file order.
TRAINING_FIELDS = (("weight_decay", "<d"), ("schedule_present", "<I"), ("schedule_kind", "<I"), ("warmup", "<Q"),
                   ("step_size", "<Q"), ("gamma", "<d"), ("period", "<Q"), ("min_lr", "<d"), ("restarts", "<I"),
                   ("clip_value", "<d"), ("clip_norm", "<d"))
TRAINING_LENGTH = sum(struct.calcsize(f) for _, f in TRAINING_FIELDS)  # 76
SCHEDULE_FIELDS = ("warmup", "step_size", "gamma", "period", "min_lr", "restarts")


@dataclass
class Layer:
    """A layer: kind name, its scalar fields (params), and for dense layers weights (n_inputs x n_neurons) and
    biases (n_neurons), float32. conv2d: weights (in_c * kernel_h * kernel_w, out_c), biases (out_c), params
    in_c, in_h, in_w, out_c, kernel_h, kernel_w (stride, padding, pad_h, pad_w, bias may be left to their
    defaults). batchnorm: weights = gamma, biases = beta, running_mean, running_var (C each)."""
    kind: str
    weights: Optional[np.ndarray] = None
    biases: Optional[np.ndarray] = None
    params: dict = field(default_factory=dict)
    running_mean: Optional[np.ndarray] = None
    running_var: Optional[np.ndarray] = None

    def __post_init__(self):
        if self.kind not in KIND_BY_NAME:
            raise ValueError(f"unknown layer kind {self.kind!r} (known: {', '.join(KIND_BY_NAME)})")
        for name, value in KIND_BY_NAME[self.kind].defaults:
            self.params.setdefault(name, value)
        record = KIND_BY_NAME[self.kind].record
        if record == "conv2d":
            p = self.params
            k = p["in_c"] * p["kernel_h"] * p["kernel_w"]
            self.weights = np.ascontiguousarray(self.weights, dtype=np.float32).reshape(k, p["out_c"])
            self.biases = np.zeros(p["out_c"], np.float32) if self.biases is None else \
                np.ascontiguousarray(self.biases, dtype=np.float32).reshape(p["out_c"])
            return
        if record == "batchnorm":
            self.weights = np.ascontiguousarray(self.weights, dtype=np.float32).reshape(-1)
            c = len(self.weights)
            self.params["channels"] = c
            self.biases = np.zeros(c, np.float32) if self.biases is None else \
                np.ascontiguousarray(self.biases, dtype=np.float32).reshape(c)
            self.running_mean = np.zeros(c, np.float32) if self.running_mean is None else \
                np.ascontiguousarray(self.running_mean, dtype=np.float32).reshape(c)
            self.running_var = np.ones(c, np.float32) if self.running_var is None else \
                np.ascontiguousarray(self.running_var, dtype=np.float32).reshape(c)
            return
        if KIND_BY_NAME[self.kind].has_parameters:
            if self.weights is None:
                raise ValueError("a dense layer needs weights")
            self.weights = np.ascontiguousarray(self.weights, dtype=np.float32)
            if self.weights.ndim != 2:
                raise ValueError("dense weights must be (n_inputs, n_neurons)")
            n_out = self.weights.shape[1]
            self.biases = np.zeros(n_out, np.float32) if self.biases is None else \
                np.ascontiguousarray(self.biases, dtype=np.float32).reshape(-1)
            if self.biases.shape != (n_out,):
                raise ValueError(f"dense biases must have {n_out} values")
            self.params.setdefault("init_scale", 0.01)
            for k in ("weight_l1", "weight_l2", "bias_l1", "bias_l2"):
                self.params.setdefault(k, 0.0)
        for name, value in KIND_BY_NAME[self.kind].defaults:
            self.params.setdefault(name, value)


@dataclass
class Model:
    """A whole model (file kind 2), or the dense layers of a parameters-only file (kind 1)."""
    layers: List[Layer]
    loss: str = "none"
    accuracy: str = "none"
    fused_backward: bool = False
    regression_precision: Optional[float] = None
    optimizer: Optional[dict] = None  # {"kind": "adam", "learning_rate": ..., ...}
    preprocess: str = "none"
    center: Optional[np.ndarray] = None
    scale: Optional[np.ndarray] = None
    class_names: List[str] = field(default_factory=list)
    feature_names: List[str] = field(default_factory=list)
    weight_decay: float = 0.0  # AdamW (Adam only)
    schedule: Optional[dict] = None  # {"kind": "cosine", "warmup": 0, "step_size": 1, "gamma": 1.0, ...}
    clip_value: float = 0.0
    clip_norm: float = 0.0
    version: int = VERSION_WRITTEN
    file_kind: int = KIND_MODEL

    @property
    def input_size(self):
        first = self.layers[0]
        if first.kind == "conv2d":
            return first.params["in_c"] * first.params["in_h"] * first.params["in_w"]
        return first.weights.shape[0]

    @property
    def output_size(self):
        c, h, w = self.shapes()[-1]
        return c * h * w

    def shapes(self):
        """The output shape (C, H, W) of every layer (flat layers: (width, 1, 1)), as the library computes it."""
        shape, out = None, []
        for i, l in enumerate(self.layers):
            p = l.params
            if l.kind == "dense":
                shape = (l.weights.shape[1], 1, 1)
            elif l.kind == "conv2d":
                oh, _ = _conv_axis(p["in_h"], p["kernel_h"], p["stride"], p["padding"], p["pad_h"])
                ow, _ = _conv_axis(p["in_w"], p["kernel_w"], p["stride"], p["padding"], p["pad_w"])
                shape = (p["out_c"], oh, ow)
            elif shape is None:
                raise ValueError(f"layer {i} ({l.kind}) takes its shape from a layer before it")
            elif l.kind in ("maxpool2d", "avgpool2d"):
                shape = (shape[0], (shape[1] - p["kernel_h"]) // p["stride"] + 1,
                         (shape[2] - p["kernel_w"]) // p["stride"] + 1)
            elif l.kind == "global_avgpool":
                shape = (shape[0], 1, 1)
            elif l.kind == "flatten":
                shape = (shape[0] * shape[1] * shape[2], 1, 1)
            out.append(shape)
        return out

    def predict(self, X):
        """Forward pass of raw rows (the stored scaling first), in float32 NumPy, dropout off."""
        x = np.asarray(X, dtype=np.float32)
        if self.preprocess != "none":
            x = (x - self.center) / self.scale
        n = len(x)
        shape = None  # (C, H, W) of x's rows while they are images
        for layer in self.layers:
            p = layer.params
            if layer.kind == "conv2d":
                shape = (p["in_c"], p["in_h"], p["in_w"])
                x, shape = _conv2d(x.reshape(n, *shape), layer), None
                shape = x.shape[1:]
                x = x.reshape(n, -1)
            elif layer.kind in ("maxpool2d", "avgpool2d"):
                img = x.reshape(n, *shape)
                kh, kw, s = p["kernel_h"], p["kernel_w"], p["stride"]
                oh, ow = (shape[1] - kh) // s + 1, (shape[2] - kw) // s + 1
                y = np.empty((n, shape[0], oh, ow), np.float32)
                for i in range(oh):
                    for j in range(ow):
                        win = img[:, :, i * s:i * s + kh, j * s:j * s + kw].reshape(n, shape[0], -1)
                        y[:, :, i, j] = win.max(axis=2) if layer.kind == "maxpool2d" else \
                            win.astype(np.float64).mean(axis=2)
                shape, x = y.shape[1:], y.reshape(n, -1)
            elif layer.kind == "global_avgpool":
                x = x.reshape(n, shape[0], -1).astype(np.float64).mean(axis=2).astype(np.float32)
                shape = (shape[0], 1, 1)
            elif layer.kind == "flatten":
                shape = None
            elif layer.kind == "batchnorm":
                c = len(layer.weights)
                per = x.reshape(n, c, -1).astype(np.float64)
                inv = 1.0 / np.sqrt(layer.running_var.astype(np.float64) + np.float64(np.float32(p["eps"])))
                y = (per - layer.running_mean.reshape(1, c, 1)) * (inv * layer.weights).reshape(1, c, 1) + \
                    layer.biases.reshape(1, c, 1)
                x = y.reshape(n, -1).astype(np.float32)
            elif layer.kind == "dense":
                x = x @ layer.weights + layer.biases
            elif layer.kind == "relu":
                x = np.maximum(x, np.float32(0))
            elif layer.kind == "sigmoid":
                x = np.float32(1) / (np.float32(1) + np.exp(-x))
            elif layer.kind == "softmax":
                e = np.exp(x - x.max(axis=1, keepdims=True))
                x = e / e.sum(axis=1, keepdims=True)
            elif layer.kind == "tanh":
                x = np.tanh(x)
            elif layer.kind == "leaky_relu":
                x = np.where(x > 0, x, np.float32(layer.params["slope"]) * x)
            elif layer.kind == "elu":
                x = np.where(x > 0, x, np.float32(layer.params["alpha"]) * np.expm1(np.minimum(x, np.float32(0))))
            elif layer.kind == "gelu":
                x64 = x.astype(np.float64)
                if layer.params["approximation"] == 1:
                    y = 0.5 * x64 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)))
                else:
                    y = 0.5 * x64 * (1 + np.vectorize(math.erf)(x64 / math.sqrt(2)))
                x = y.astype(np.float32)
            elif layer.kind == "softplus":
                x = np.logaddexp(np.float32(0), x)
            elif layer.kind in ("linear", "dropout"):
                pass
            else:
                raise NotImplementedError(f"predict has no {layer.kind} layer")
        return x

    def image_input(self):
        """(C, H, W) of the input when the first layer is a convolution, else None."""
        p = self.layers[0].params
        return (p["in_c"], p["in_h"], p["in_w"]) if self.layers[0].kind == "conv2d" else None

    def summary(self):
        lines = [f"nnb model file version {self.version}, {len(self.layers)} layers, loss {self.loss}, "
                 f"accuracy {self.accuracy}, optimizer {self.optimizer['kind'] if self.optimizer else 'none'}"]
        for i, (l, out) in enumerate(zip(self.layers, self.shapes())):
            if l.kind == "dense":
                shape = f" {l.weights.shape[0]} -> {l.weights.shape[1]}"
            elif out[1:] != (1, 1) or l.kind in ("conv2d", "global_avgpool"):
                shape = f" -> {out[0]} x {out[1]} x {out[2]}"
            else:
                shape = f" -> {out[0]}"
            extra = "".join(f" {k} {v:g}" for k, v in l.params.items()) if l.kind != "dense" else ""
            lines.append(f"  {i:2d} {l.kind}{shape}{extra}")
        if self.preprocess != "none":
            lines.append(f"  scaling: {self.preprocess}")
        return "\n".join(lines)


def _conv_axis(size, k, stride, padding, pad):
    """Output size and zeros before the image along one axis, as the library's conv2d computes them."""
    if padding == 1:  # same: ceil(size / stride); an odd total puts the extra zero after the image
        out = -(-size // stride)
        total = max(0, (out - 1) * stride + k - size)
        return out, total // 2
    before = pad if padding == 2 else 0
    if size + 2 * before < k:
        raise ValueError(f"conv2d: the kernel ({k}) is larger than the padded input ({size + 2 * before})")
    return (size + 2 * before - k) // stride + 1, before


def _conv2d(img, layer):
    """conv2d of N x C x H x W images in float64 (one rounding to float32 at the end)."""
    p = layer.params
    kh, kw, s = p["kernel_h"], p["kernel_w"], p["stride"]
    oh, top = _conv_axis(p["in_h"], kh, s, p["padding"], p["pad_h"])
    ow, left = _conv_axis(p["in_w"], kw, s, p["padding"], p["pad_w"])
    bottom = max(0, (oh - 1) * s + kh - p["in_h"] - top)
    right = max(0, (ow - 1) * s + kw - p["in_w"] - left)
    x = np.pad(img.astype(np.float64), ((0, 0), (0, 0), (top, bottom), (left, right)))
    w = layer.weights.astype(np.float64).T.reshape(p["out_c"], p["in_c"], kh, kw)
    y = np.empty((len(img), p["out_c"], oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = np.tensordot(x[:, :, i * s:i * s + kh, j * s:j * s + kw], w, axes=([1, 2, 3], [1, 2, 3]))
    if p["bias"]:
        y += layer.biases.astype(np.float64).reshape(1, -1, 1, 1)
    return y.astype(np.float32)


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, what):
        if n > len(self.data) - self.pos:
            raise ValueError(f"truncated: {what} needs {n} bytes, {len(self.data) - self.pos} are left")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))[0]

    def floats(self, n, what):
        a = np.frombuffer(self.take(4 * n, what), dtype="<f4").astype(np.float32)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{what}: NaN or infinity")
        return a


def _enum(names, value, what):
    if not 0 <= value < len(names):
        raise ValueError(f"{what} {value} is unknown")
    return names[value]


def _read_dense(r, i):
    n_in, n_out = r.unpack("<Q", f"layer {i} n_inputs"), r.unpack("<Q", f"layer {i} n_neurons")
    if not (1 <= n_in <= MAX_WIDTH and 1 <= n_out <= MAX_WIDTH):
        raise ValueError(f"layer {i}: {n_in} x {n_out} is outside 1 .. 2^24")
    return n_in, n_out


def _read_layer(r, i, version):
    code = r.unpack("<I", f"layer {i} kind")
    if code not in KIND_BY_CODE or KIND_BY_CODE[code].since > version:
        raise ValueError(f"layer {i}: unknown layer kind {code}")
    kind = KIND_BY_CODE[code]
    params = {}
    for name, fmt in kind.fields:
        params[name] = r.unpack(fmt, f"layer {i} {name}")
    if code == 7 and not 0 <= params["slope"] <= 1:
        raise ValueError(f"layer {i} (leaky_relu): slope {params['slope']} outside [0, 1]")
    if code == 8 and not (math.isfinite(params["alpha"]) and params["alpha"] >= 0):
        raise ValueError(f"layer {i} (elu): alpha {params['alpha']} is not finite and >= 0")
    if code == 9 and params["approximation"] >= len(GELU_APPROXIMATIONS):
        raise ValueError(f"layer {i} (gelu): approximation {params['approximation']} is unknown")
    for name, fmt in kind.fields:  # every size of an image layer is 1 .. 2^24 (padding sizes 0 .. 2^24)
        if fmt == "<Q" and code >= 16 and not (0 if name.startswith("pad_") else 1) <= params[name] <= MAX_WIDTH:
            raise ValueError(f"layer {i} ({kind.name}): {name} {params[name]} is outside the format's range")
    if kind.record == "conv2d":
        if params["padding"] >= len(PADDINGS) or params["bias"] > 1:
            raise ValueError(f"layer {i} (conv2d): padding {params['padding']} or bias flag {params['bias']} invalid")
        k = params["in_c"] * params["kernel_h"] * params["kernel_w"]
        if k > MAX_WIDTH:
            raise ValueError(f"layer {i} (conv2d): in_c x kernel {k} is above the limit")
        w = r.floats(k * params["out_c"], f"layer {i} weights").reshape(k, params["out_c"])
        return Layer(kind.name, weights=w, biases=r.floats(params["out_c"], f"layer {i} biases"), params=params)
    if kind.record == "batchnorm":
        c = params["channels"]
        if not 0 <= params["momentum"] <= 1 or not (math.isfinite(params["eps"]) and params["eps"] > 0):
            raise ValueError(f"layer {i} (batchnorm): momentum {params['momentum']} or eps {params['eps']} invalid")
        gamma, beta = r.floats(c, f"layer {i} gamma"), r.floats(c, f"layer {i} beta")
        mean, var = r.floats(c, f"layer {i} running means"), r.floats(c, f"layer {i} running variances")
        if np.any(var < 0):
            raise ValueError(f"layer {i} (batchnorm): a running variance is negative")
        return Layer(kind.name, weights=gamma, biases=beta, params=params, running_mean=mean, running_var=var)
    if kind.has_parameters:
        n_in, n_out = params.pop("n_inputs"), params.pop("n_neurons")
        if not (1 <= n_in <= MAX_WIDTH and 1 <= n_out <= MAX_WIDTH):
            raise ValueError(f"layer {i}: {n_in} x {n_out} is outside 1 .. 2^24")
        w = r.floats(n_in * n_out, f"layer {i} weights").reshape(n_in, n_out)
        b = r.floats(n_out, f"layer {i} biases")
        return Layer(kind.name, weights=w, biases=b, params=params)
    return Layer(kind.name, params=params)


def _read_names(r, what):
    count = r.unpack("<I", f"{what} count")
    names = []
    for k in range(count):
        n = r.unpack("<I", f"{what} {k} length")
        if not 1 <= n <= MAX_NAME:
            raise ValueError(f"{what} {k}: length {n} outside 1 .. {MAX_NAME}")
        text = r.take(n, f"{what} {k}")
        if b"\0" in text:
            raise ValueError(f"{what} {k} holds a NUL byte")
        names.append(text.decode("utf-8"))
    return names


def loads(data):
    """A Model from the bytes of a .nnb file. Raises ValueError on anything the C reader would refuse as
    malformed (the checks of docs/MODEL_FORMAT.md's reading rules 1 to 6)."""
    data = bytes(data)
    if len(data) < 28 or data[:8] != MAGIC:
        raise ValueError("not a libnnbasics model file (magic)")
    version, kind, size = struct.unpack_from("<IIQ", data, 8)
    if version not in VERSIONS_READ:
        raise ValueError(f"format version {version} is not supported (reads {VERSIONS_READ})")
    if size != len(data) - 28:
        raise ValueError(f"payload size {size} does not match the file ({len(data)} bytes)")
    (crc,) = struct.unpack_from("<I", data, 24 + size)
    if zlib.crc32(data[:24 + size]) & 0xFFFFFFFF != crc:
        raise ValueError("CRC-32 mismatch")
    r = _Reader(data[24:24 + size])
    if kind == KIND_PARAMETERS:
        count = r.unpack("<I", "dense layer count")
        if not 1 <= count <= MAX_LAYERS:
            raise ValueError(f"{count} dense layers (1 .. {MAX_LAYERS})")
        layers = []
        for i in range(count):
            n_in, n_out = _read_dense(r, i)
            w = r.floats(n_in * n_out, f"layer {i} weights").reshape(n_in, n_out)
            layers.append(Layer("dense", weights=w, biases=r.floats(n_out, f"layer {i} biases")))
        model = Model(layers=layers, version=version, file_kind=KIND_PARAMETERS)
    elif kind == KIND_MODEL:
        count = r.unpack("<I", "layer count")
        if not 1 <= count <= MAX_LAYERS:
            raise ValueError(f"{count} layers (1 .. {MAX_LAYERS})")
        loss = _enum(LOSSES, r.unpack("<I", "loss"), "loss kind")
        accuracy = _enum(ACCURACIES, r.unpack("<I", "accuracy"), "accuracy kind")
        flags = r.unpack("<I", "flags")
        if flags & ~3:
            raise ValueError(f"unknown flags {flags:#x}")
        precision = r.unpack("<f", "regression precision")
        present = r.unpack("<I", "optimizer present")
        okind = r.unpack("<I", "optimizer kind")
        values = [r.unpack("<d", f"optimizer {n}") for n in OPTIMIZER_FIELDS]
        optimizer = None
        if present == 1:
            optimizer = {"kind": _enum(OPTIMIZERS, okind, "optimizer kind"), **dict(zip(OPTIMIZER_FIELDS, values))}
        elif present != 0:
            raise ValueError(f"optimizer present = {present}")
        layers = [_read_layer(r, i, version) for i in range(count)]
        model = Model(layers=layers, loss=loss, accuracy=accuracy, fused_backward=bool(flags & 1),
                      regression_precision=precision if flags & 2 else None, optimizer=optimizer, version=version)
        if version >= 2:
            model.preprocess = _enum(PREPROCESS, r.unpack("<I", "preprocessing kind"), "preprocessing kind")
            n = r.unpack("<Q", "preprocessing width")
            if (model.preprocess == "none") != (n == 0) or (n and n != model.input_size):
                raise ValueError(f"preprocessing width {n} (input width {model.input_size})")
            if n:
                model.center = r.floats(n, "preprocessing center")
                model.scale = r.floats(n, "preprocessing scale")
                if not np.all(model.scale > 0):
                    raise ValueError("a preprocessing scale is not > 0")
            model.class_names = _read_names(r, "class name")
            model.feature_names = _read_names(r, "feature name")
        if version >= 3:
            _read_training(r, model)
    else:
        raise ValueError(f"file kind {kind} is unknown")
    if r.pos != len(r.data):
        raise ValueError(f"{len(r.data) - r.pos} bytes after the last field")
    return model


def _read_training(r, model):
    """The version-3 training-settings section into model (the checks of docs/MODEL_FORMAT.md)."""
    length = r.unpack("<I", "training settings length")
    if length != TRAINING_LENGTH:
        raise ValueError(f"training settings: length {length} (must be {TRAINING_LENGTH})")
    t = {name: r.unpack(fmt, f"training settings: {name}") for name, fmt in TRAINING_FIELDS}

    def nonneg(name):
        if not (math.isfinite(t[name]) and t[name] >= 0):
            raise ValueError(f"training settings: {name} is {t[name]} (must be finite and >= 0)")

    for name in ("weight_decay", "clip_value", "clip_norm"):
        nonneg(name)
    if t["weight_decay"] != 0 and (model.optimizer is None or model.optimizer["kind"] != "adam"):
        raise ValueError("training settings: weight_decay is not 0 but the optimizer is not Adam")
    if t["schedule_present"] == 0:
        if t["schedule_kind"] != 0 or any(struct.pack(dict(TRAINING_FIELDS)[n], t[n]) != bytes(
                struct.calcsize(dict(TRAINING_FIELDS)[n])) for n in SCHEDULE_FIELDS):
            raise ValueError("training settings: no schedule, but its fields are not all zero")
        model.schedule = None
    elif t["schedule_present"] == 1:
        kind = _enum(SCHEDULES, t["schedule_kind"], "training settings: schedule kind")
        if t["step_size"] < 1 or t["period"] < 1:
            raise ValueError("training settings: step_size and period must be >= 1")
        if not (math.isfinite(t["gamma"]) and t["gamma"] > 0):
            raise ValueError(f"training settings: gamma is {t['gamma']} (must be finite and > 0)")
        nonneg("min_lr")
        if t["restarts"] > 1:
            raise ValueError(f"training settings: restarts is {t['restarts']} (must be 0 or 1)")
        if model.optimizer is None:
            raise ValueError("training settings: a schedule is stored without an optimizer")
        model.schedule = {"kind": kind, **{n: t[n] for n in SCHEDULE_FIELDS}}
    else:
        raise ValueError(f"training settings: schedule present = {t['schedule_present']}")
    model.weight_decay, model.clip_value, model.clip_norm = t["weight_decay"], t["clip_value"], t["clip_norm"]


def _training_bytes(model):
    s = model.schedule
    values = {"weight_decay": float(model.weight_decay), "schedule_present": 0 if s is None else 1,
              "schedule_kind": 0 if s is None else SCHEDULES.index(s["kind"]),
              "clip_value": float(model.clip_value), "clip_norm": float(model.clip_norm)}
    for n in SCHEDULE_FIELDS:
        values[n] = 0 if s is None else s[n]
    out = [struct.pack("<I", TRAINING_LENGTH)]
    for name, fmt in TRAINING_FIELDS:
        out.append(struct.pack(fmt, float(values[name]) if fmt == "<d" else int(values[name])))
    return b"".join(out)


def load(path):
    """A Model from a .nnb file."""
    with open(path, "rb") as f:
        return loads(f.read())


def _f32(values):
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def dumps(model):
    """The bytes of a version-3 .nnb file for model (a whole model, or parameters-only when file_kind is 1)."""
    out = []
    dense = [l for l in model.layers if l.kind == "dense"]
    if model.file_kind == KIND_PARAMETERS and len(dense) != len(model.layers):
        raise ValueError("parameters-only files hold dense layers only; save the whole model")
    if model.file_kind == KIND_PARAMETERS:
        out.append(struct.pack("<I", len(dense)))
        for l in dense:
            out += [struct.pack("<QQ", *l.weights.shape), _f32(l.weights), _f32(l.biases)]
    else:
        flags = (1 if model.fused_backward else 0) | (2 if model.regression_precision is not None else 0)
        out.append(struct.pack("<IIIIf", len(model.layers), LOSSES.index(model.loss),
                               ACCURACIES.index(model.accuracy), flags, model.regression_precision or 0.0))
        if model.optimizer is None:
            out.append(struct.pack("<II7d", 0, 0, *([0.0] * 7)))
        else:
            o = model.optimizer
            out.append(struct.pack("<II7d", 1, OPTIMIZERS.index(o["kind"]),
                                   *[float(o.get(n, 0.0)) for n in OPTIMIZER_FIELDS]))
        for l in model.layers:
            kind = KIND_BY_NAME[l.kind]
            out.append(struct.pack("<I", kind.code))
            values = dict(l.params)
            if kind.record == "dense":
                values["n_inputs"], values["n_neurons"] = l.weights.shape
            for name, fmt in kind.fields:
                out.append(struct.pack(fmt, values[name]))
            if kind.has_parameters:
                out += [_f32(l.weights), _f32(l.biases)]
            if kind.record == "batchnorm":
                out += [_f32(l.running_mean), _f32(l.running_var)]
        n = 0 if model.preprocess == "none" else model.input_size
        out.append(struct.pack("<IQ", PREPROCESS.index(model.preprocess), n))
        if n:
            out += [_f32(model.center), _f32(model.scale)]
        for names in (model.class_names, model.feature_names):
            out.append(struct.pack("<I", len(names)))
            for s in names:
                b = s.encode("utf-8")
                out.append(struct.pack("<I", len(b)) + b)
        out.append(_training_bytes(model))
    payload = b"".join(out)
    head = MAGIC + struct.pack("<IIQ", VERSION_WRITTEN, model.file_kind, len(payload)) + payload
    return head + struct.pack("<I", zlib.crc32(head) & 0xFFFFFFFF)


def save(model, path):
    """Writes model as a version-3 .nnb file."""
    with open(path, "wb") as f:
        f.write(dumps(model))
