# SPDX-License-Identifier: MIT
"""libnnbasics -> ONNX: models trained by the library (softmax, sigmoid and regression heads, dropout, stored
scaling) are exported, must pass onnx.checker.check_model, declare a dynamic batch dimension, and an
evaluation of the graph written here in NumPy must reproduce the library's predictions within 1e-6. The
exported file imported again must predict exactly as the original model.

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


def run(*args):
    r = subprocess.run([driver, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"onnx_driver {' '.join(args)}: {r.stderr.strip()}")


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def evaluate(model, X):
    """The graph's value for X, node by node, in float32 NumPy (no onnx runtime involved)."""
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = X
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
        elif op == "Softmax":
            axis = attr(n, "axis", -1)
            e = np.exp(a[0] - a[0].max(axis=axis, keepdims=True))
            y = e / e.sum(axis=axis, keepdims=True)
        elif op in ("Identity", "Dropout", "Flatten"):
            y = a[0]
        else:
            raise ValueError(f"the NumPy evaluation has no {op}")
        env[n.output[0]] = y.astype(np.float32)
    return env[model.graph.output[0].name]


for kind in ("softmax", "sigmoid", "regression", "dropout", "scaled"):
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
    if len(dims) != 2 or dims[0].dim_param != "N" or dims[1].dim_value != 2:
        print(f"{kind}: the input is not declared [N, 2]: {dims}")
        failures.append(kind)
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
    # And back: the exported file imported again predicts exactly as before.
    run("predict", path, xp, bp)
    if not np.array_equal(np.load(bp), mine):
        print(f"{kind}: the re-imported ONNX model predicts differently")
        failures.append(kind + " round trip")

print(f"worst NumPy-vs-library difference: {worst:.3g}")
if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
