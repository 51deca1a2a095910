# SPDX-License-Identifier: MIT
"""libnnbasics -> ONNX: models trained by the library (softmax, sigmoid and regression heads, dropout, stored
scaling, the hidden activations tanh, leaky ReLU 0.2, ELU 0.7 and softplus; two small CNNs with same, explicit and
valid padding, stride 2, batch normalisation of images and of dense activations, max, average and global
average pooling, flatten) are exported, must pass onnx.checker.check_model, declare a dynamic batch dimension, and an
evaluation of the graph written here in NumPy must reproduce the library's predictions within 1e-6. The
exported file imported again must predict exactly as the original model. A model with GELU (no ONNX operator
before opset 20) is refused with NNB_ERR_UNSUPPORTED's message.

usage: nnb_to_onnx.py ONNX_DRIVER WORKDIR      (exit 77 = skipped: no python3-onnx)
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

driver, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
failures = []
worst = 0.0


def run(*args, check=True):
    r = subprocess.run([driver, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"onnx_driver {' '.join(args)}: {r.stderr.strip()}")
    return r


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def conv(x, w, b, strides, pads, kernel):
    """ONNX Conv (group 1, dilation 1) in float64: x N C H W, w O C kh kw, pads top, left, bottom, right."""
    assert list(w.shape[2:]) == list(kernel) and strides[0] == strides[1]
    s = strides[0]
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    kh, kw = w.shape[2:]
    oh, ow = (x.shape[2] - kh) // s + 1, (x.shape[3] - kw) // s + 1
    y = np.zeros((x.shape[0], w.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = np.tensordot(x[:, :, i * s:i * s + kh, j * s:j * s + kw], w.astype(np.float64),
                                         axes=([1, 2, 3], [1, 2, 3]))
    return y if b is None else y + b.astype(np.float64).reshape(1, -1, 1, 1)


def pool(x, kernel, strides, is_max):
    kh, kw = kernel
    s = strides[0]
    oh, ow = (x.shape[2] - kh) // s + 1, (x.shape[3] - kw) // s + 1
    y = np.zeros(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * s:i * s + kh, j * s:j * s + kw].astype(np.float64)
            y[:, :, i, j] = win.max(axis=(2, 3)) if is_max else win.mean(axis=(2, 3))
    return y


def evaluate(model, X):
    """The graph's value for X, node by node, in float32 NumPy (no onnx runtime involved)."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    env[model.graph.input[0].name] = X.reshape(len(X), *dims)  # NCHW rows -> N x C x H x W for an image input
    for n in model.graph.node:
        a = [env[i] for i in n.input if i]
        op = n.op_type
        if op == "Gemm":
            A, B = a[0], a[1]
            if attr(n, "transA", 0):
                A = A.T
            if attr(n, "transB", 0):
                B = B.T
            y = np.float32(attr(n, "alpha", 1.0)) * (A @ B)
            if len(a) > 2:
                y = y + np.float32(attr(n, "beta", 1.0)) * a[2]
        elif op == "MatMul":
            y = a[0] @ a[1]
        elif op == "Add":
            y = a[0] + a[1]
        elif op == "Sub":
            y = a[0] - a[1]
        elif op == "Div":
            y = a[0] / a[1]
        elif op == "Relu":
            y = np.maximum(a[0], np.float32(0))
        elif op == "Sigmoid":
            y = np.float32(1) / (np.float32(1) + np.exp(-a[0]))
        elif op == "Tanh":
            y = np.tanh(a[0])
        elif op == "LeakyRelu":
            alpha = np.float32(attr(n, "alpha", 0.01))
            y = np.where(a[0] > 0, a[0], alpha * a[0])
        elif op == "Elu":
            alpha = np.float32(attr(n, "alpha", 1.0))
            y = np.where(a[0] > 0, a[0], alpha * np.expm1(np.minimum(a[0], np.float32(0))))
        elif op == "Softplus":
            y = np.logaddexp(np.float32(0), a[0])
        elif op == "Softmax":
            axis = attr(n, "axis", -1)
            e = np.exp(a[0] - a[0].max(axis=axis, keepdims=True))
            y = e / e.sum(axis=axis, keepdims=True)
        elif op in ("Identity", "Dropout"):
            y = a[0]
        elif op == "Flatten":
            assert attr(n, "axis", 1) == 1
            y = a[0].reshape(len(a[0]), -1)
        elif op == "Conv":
            y = conv(a[0], a[1], a[2] if len(a) > 2 else None, attr(n, "strides", [1, 1]),
                     attr(n, "pads", [0, 0, 0, 0]), attr(n, "kernel_shape", list(a[1].shape[2:])))
        elif op in ("MaxPool", "AveragePool"):
            assert attr(n, "pads", [0, 0, 0, 0]) == [0, 0, 0, 0] and attr(n, "ceil_mode", 0) == 0
            y = pool(a[0], attr(n, "kernel_shape", None), attr(n, "strides", [1, 1]), op == "MaxPool")
        elif op == "GlobalAveragePool":
            y = a[0].mean(axis=(2, 3), keepdims=True, dtype=np.float64)
        elif op == "BatchNormalization":
            x, scale, bias, mean, var = (v.astype(np.float64) for v in a)
            shape = (1, -1) + (1,) * (x.ndim - 2)
            eps = attr(n, "epsilon", 1e-5)
            y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) + \
                bias.reshape(shape)
        else:
            raise ValueError(f"the NumPy evaluation has no {op}")
        env[n.output[0]] = y.astype(np.float32)
    return env[model.graph.output[0].name]


EXPECTED_ALPHA = {"leaky_relu": ("LeakyRelu", 0.2), "elu": ("Elu", 0.7)}

for kind in ("softmax", "sigmoid", "regression", "dropout", "scaled", "tanh", "leaky_relu", "elu", "softplus", "cnn",
             "cnn_gap"):
    nnb = os.path.join(work, kind + ".nnb")
    path = os.path.join(work, kind + ".onnx")
    xp, pp, bp = (os.path.join(work, f"{kind}_{s}.npy") for s in ("x", "p", "back"))
    run("train", kind, nnb, xp)
    run("predict", nnb, xp, pp)
    run("convert", nnb, path)
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # noqa: BLE001 - any checker complaint fails the test
        print(f"{kind}: onnx.checker refused the export: {e}")
        failures.append(kind)
        continue
    dims = model.graph.input[0].type.tensor_type.shape.dim
    want = [2, 10, 9] if kind.startswith("cnn") else [2]
    if dims[0].dim_param != "N" or [d.dim_value for d in dims[1:]] != want:
        print(f"{kind}: the input is not declared [N, {want}]: {dims}")
        failures.append(kind)
    for n in model.graph.node:
        if n.op_type == "BatchNormalization":  # the running statistics, moved by training, are exported
            inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
            mean, var = inits[n.input[3]], inits[n.input[4]]
            if np.abs(mean).max() < 1e-3 or np.abs(var - 1).max() < 1e-3:
                print(f"{kind}: BatchNormalization {n.name} has trivial running statistics {mean} {var}")
                failures.append(kind + " running stats")
    X = np.load(xp)
    mine = np.load(pp)
    ref = evaluate(model, X)
    diff = float(np.abs(ref.astype(np.float64) - mine).max())
    worst = max(worst, diff)
    ok = np.allclose(mine, ref, rtol=1e-6, atol=1e-6)
    ops = " ".join(n.op_type for n in model.graph.node)
    print(f"{kind}: opset {model.opset_import[0].version}, ir {model.ir_version}, nodes [{ops}]: "
          f"NumPy vs library max |diff| {diff:.3g} -> {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(kind)
    if kind in EXPECTED_ALPHA:
        op, alpha = EXPECTED_ALPHA[kind]
        got = [attr(n, "alpha", None) for n in model.graph.node if n.op_type == op]
        if len(got) != 1 or got[0] is None or abs(got[0] - alpha) > 1e-7:
            print(f"{kind}: expected one {op} node with alpha {alpha}, got {got}")
            failures.append(kind + " alpha")
    # And back: the exported file imported again predicts exactly as before.
    run("predict", path, xp, bp)
    if not np.array_equal(np.load(bp), mine):
        print(f"{kind}: the re-imported ONNX model predicts differently")
        failures.append(kind + " round trip")

# GELU: refused with a message, no file written.
gelu_nnb, gelu_onnx = os.path.join(work, "gelu.nnb"), os.path.join(work, "gelu.onnx")
if os.path.exists(gelu_onnx):
    os.remove(gelu_onnx)
run("train", "gelu", gelu_nnb, os.path.join(work, "gelu_x.npy"))
r = run("convert", gelu_nnb, gelu_onnx, check=False)
if r.returncode == 0 or "GELU" not in r.stderr or "opset 20" not in r.stderr:
    print(f"gelu: expected a refusal naming GELU and opset 20, got rc {r.returncode}: {r.stderr.strip()}")
    failures.append("gelu refusal")
else:
    print(f"gelu refused: {r.stderr.strip()}")

print(f"worst NumPy-vs-library difference: {worst:.3g}")
if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
