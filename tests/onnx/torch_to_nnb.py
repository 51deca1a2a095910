# SPDX-License-Identifier: MIT
"""PyTorch -> ONNX -> libnnbasics: small nn.Sequential MLPs are trained in PyTorch, exported with
torch.onnx.export (opsets 9 to 17, dynamic batch; Tanh, LeakyReLU(0.2), ELU(0.7), Softplus at opset 13), imported by the library (onnx_driver predict) and their
predictions on held-out inputs compared with PyTorch's: within 1e-5 relative / 1e-6 absolute.
Graphs torch does not write (MatMul+Add, Gemm with transB=0, alpha and beta, float_data initializers) are
built with onnx.helper when the onnx package is present. Unsupported operators must be refused with a
message naming the node and its op type.

usage: torch_to_nnb.py ONNX_DRIVER WORKDIR      (exit 77 = skipped: no python3-torch)
"""
import os
import re
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

driver, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
torch.manual_seed(0)
rng = np.random.default_rng(0)
failures = []
worst = {"abs": 0.0, "rel": 0.0}


def run(*args):
    return subprocess.run([driver, *args], capture_output=True, text=True)


def compare(name, expected, got, prob):
    diff = np.abs(expected.astype(np.float64) - got.astype(np.float64))
    rel = diff / np.maximum(np.abs(expected.astype(np.float64)), 1e-30)
    worst["abs"] = max(worst["abs"], float(diff.max()))
    worst["rel"] = max(worst["rel"], float(rel[np.abs(expected) > 1e-3].max(initial=0.0)))
    ok = np.allclose(got, expected, rtol=1e-5, atol=1e-6)
    print(f"{name}: max |diff| {diff.max():.3g}, max rel {rel.max():.3g}{' (probabilities)' if prob else ''}"
          f" -> {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


def train(model, X, y, loss_fn, epochs=60):
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(epochs):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()


def check_torch(name, model, n_in, task, opset):
    Xtr = torch.tensor(rng.normal(size=(128, n_in)), dtype=torch.float32)
    if task == "classify":
        n_out = model[-2].out_features if isinstance(model[-1], torch.nn.Softmax) else None
        y = torch.tensor(rng.integers(0, n_out, size=128))
        train(model, Xtr, y, lambda p, t: torch.nn.functional.nll_loss(torch.log(p + 1e-7), t))
    elif task == "binary":
        y = (Xtr[:, :1] > 0).float()
        train(model, Xtr, y, torch.nn.functional.binary_cross_entropy)
    else:
        y = (Xtr ** 2).sum(1, keepdim=True)
        train(model, Xtr, y, torch.nn.functional.mse_loss)
    model.eval()
    Xte = rng.normal(size=(50, n_in)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(Xte)).numpy()
    path = os.path.join(work, name + ".onnx")
    torch.onnx.export(model, torch.zeros(1, n_in), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=opset)
    predict(name, path, Xte, expected, task != "regression")


def predict(name, path, X, expected, prob):
    xp, pp = os.path.join(work, name + "_x.npy"), os.path.join(work, name + "_p.npy")
    np.save(xp, X)
    r = run("predict", path, xp, pp)
    if r.returncode != 0:
        print(f"{name}: import failed: {r.stderr.strip()}")
        failures.append(name)
        return
    compare(name, expected, np.load(pp), prob)


nn = torch.nn
check_torch("softmax_relu_opset13", nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3), nn.Softmax(dim=1)),
            4, "classify", 13)
check_torch("softmax_last_opset17", nn.Sequential(nn.Flatten(), nn.Linear(5, 8), nn.ReLU(), nn.Identity(),
                                                  nn.Linear(8, 4), nn.Softmax(dim=-1)), 5, "classify", 17)
check_torch("softmax_opset9", nn.Sequential(nn.Linear(3, 8), nn.Sigmoid(), nn.Linear(8, 3), nn.Softmax(dim=1)),
            3, "classify", 9)
check_torch("softmax_opset11", nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3),
                                             nn.Softmax(dim=1)), 3, "classify", 11)
check_torch("binary_sigmoid_opset12", nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid()),
            2, "binary", 12)
check_torch("regression_opset14", nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 16),
                                                nn.Sigmoid(), nn.Linear(16, 1)), 3, "regression", 14)

# The activations beyond ReLU and sigmoid (opset 13): Tanh, LeakyRelu and Elu with their alpha, Softplus.
check_torch("tanh_opset13", nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3), nn.Softmax(dim=1)),
            4, "classify", 13)
check_torch("leaky_relu_0.2_opset13", nn.Sequential(nn.Linear(3, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16),
                                                    nn.Tanh(), nn.Linear(16, 1)), 3, "regression", 13)
check_torch("elu_0.7_opset13", nn.Sequential(nn.Linear(3, 16), nn.ELU(0.7), nn.Linear(16, 1)), 3, "regression", 13)
check_torch("softplus_opset13", nn.Sequential(nn.Linear(2, 8), nn.Softplus(), nn.Linear(8, 1), nn.Sigmoid()),
            2, "binary", 13)
check_torch("leaky_default_elu_default_opset13", nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(), nn.Linear(8, 8),
                                                               nn.ELU(), nn.Linear(8, 1)), 3, "regression", 13)

# An operator the library does not run is refused with the node's name, index and op type.
bad = nn.Sequential(nn.Linear(3, 4), nn.Softsign(), nn.Linear(4, 2))
bad_path = os.path.join(work, "softsign.onnx")
torch.onnx.export(bad.eval(), torch.zeros(1, 3), bad_path, input_names=["input"], output_names=["output"],
                  opset_version=13)
np.save(os.path.join(work, "tanh_x.npy"), np.zeros((2, 3), np.float32))
r = run("predict", bad_path, os.path.join(work, "tanh_x.npy"), os.path.join(work, "tanh_p.npy"))
# torch writes Softsign as Abs, Add, Div (node 1 is Abs); the message names node 1 and its op type.
if r.returncode == 0 or not re.search(r"node 1 '[^']*' \(\w+\): unsupported operator", r.stderr):
    print(f"Softsign: expected a refusal naming node 1 and its op, got rc {r.returncode}: {r.stderr.strip()}")
    failures.append("softsign refusal")
else:
    print(f"Softsign refused: {r.stderr.strip()}")

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    onnx = None
    print("onnx package missing: hand-built graphs not checked")

if onnx is not None:
    W1 = rng.normal(size=(4, 6)).astype(np.float32)
    b1 = rng.normal(size=(6,)).astype(np.float32)
    W2 = rng.normal(size=(3, 6)).astype(np.float32)  # [out, in] for transB = 1
    b2 = rng.normal(size=(1, 3)).astype(np.float32)
    X = rng.normal(size=(20, 4)).astype(np.float32)

    def value(name, width):
        return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", width])

    def floats_tensor(name, a):  # float_data instead of raw_data
        return helper.make_tensor(name, TensorProto.FLOAT, a.shape, a.flatten().tolist())

    nodes = [helper.make_node("MatMul", ["input", "W1"], ["m1"], name="mm"),
             helper.make_node("Add", ["b1", "m1"], ["a1"], name="bias"),
             helper.make_node("Relu", ["a1"], ["r1"]),
             helper.make_node("Gemm", ["r1", "W2", "b2"], ["g2"], name="gemm", transB=1, alpha=0.5, beta=2.0),
             helper.make_node("Softmax", ["g2"], ["output"], axis=1)]
    graph = helper.make_graph(nodes, "handmade", [value("input", 4)], [value("output", 3)],
                              [numpy_helper.from_array(W1, "W1"), floats_tensor("b1", b1),
                               numpy_helper.from_array(W2, "W2"), floats_tensor("b2", b2)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    path = os.path.join(work, "handmade.onnx")
    onnx.save(m, path)
    h = np.maximum(X.astype(np.float64) @ W1 + b1, 0)
    z = 0.5 * h @ W2.T.astype(np.float64) + 2.0 * b2
    e = np.exp(z - z.max(1, keepdims=True))
    predict("matmul_add_gemm_alpha_beta", path, X, (e / e.sum(1, keepdims=True)).astype(np.float32), True)

    # A cycle and a missing initializer give clear refusals.
    cyc = [helper.make_node("Gemm", ["input", "W1", "b1"], ["g"], name="g0"),
           helper.make_node("Relu", ["r"], ["r"], name="loop")]
    graph = helper.make_graph(cyc, "cycle", [value("input", 4)], [value("r", 6)],
                              [numpy_helper.from_array(W1, "W1"), numpy_helper.from_array(b1, "b1")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), os.path.join(work, "cyc.onnx"))
    r = run("predict", os.path.join(work, "cyc.onnx"), os.path.join(work, "tanh_x.npy"), os.path.join(work, "c.npy"))
    if r.returncode == 0 or "cycle" not in r.stderr:
        print(f"cycle: expected a refusal, got rc {r.returncode}: {r.stderr.strip()}")
        failures.append("cycle")
    else:
        print(f"cycle refused: {r.stderr.strip()}")

print(f"worst agreement over all models: max |diff| {worst['abs']:.3g}, max rel (|p| > 1e-3) {worst['rel']:.3g}")
if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
