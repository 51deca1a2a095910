# SPDX-License-Identifier: MIT
"""PyTorch -> ONNX -> libnnbasics for convolutional networks: small CNNs (Conv2d 3x3 with padding 1 and 0,
stride 2, MaxPool2d, AvgPool2d, BatchNorm2d in eval mode with non-trivial running statistics, global average
pooling, Flatten, Linear, Softmax) are trained briefly in PyTorch, exported with torch.onnx.export (dynamic
batch), imported by the library (onnx_driver predict) and compared with PyTorch on held-out images: within
1e-5 relative / 1e-6 absolute. Graphs torch does not write (asymmetric pads, auto_pad SAME_UPPER, SAME_LOWER,
VALID, Reshape to [N, -1], float_data) are built with onnx.helper and checked against a float64 NumPy
reference written here. Unsupported settings (group 2, dilation 2, padded average pooling, ceil_mode with a
partial window, BatchNormalization in training mode, unequal strides) are refused with the node named.

usage: torch_cnn_to_nnb.py ONNX_DRIVER WORKDIR      (exit 77 = skipped: no python3-torch / python3-onnx)
"""
import os
import re
import subprocess
import sys

try:
    import numpy as np
    import torch
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

driver, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
torch.manual_seed(0)
rng = np.random.default_rng(0)
failures = []
worst = {"abs": 0.0, "rel": 0.0}
nn = torch.nn


def run(*args):
    return subprocess.run([driver, *args], capture_output=True, text=True)


def compare(name, expected, got, prob):
    expected = expected.reshape(len(expected), -1)
    diff = np.abs(expected.astype(np.float64) - got.astype(np.float64))
    rel = diff / np.maximum(np.abs(expected.astype(np.float64)), 1e-30)
    worst["abs"] = max(worst["abs"], float(diff.max()))
    worst["rel"] = max(worst["rel"], float(rel[np.abs(expected) > 1e-3].max(initial=0.0)))
    ok = got.shape == expected.shape and np.allclose(got, expected, rtol=1e-5, atol=1e-6)
    print(f"{name}: max |diff| {diff.max():.3g}, max rel {rel.max():.3g}{' (probabilities)' if prob else ''}"
          f" -> {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


def predict(name, path, X, expected, prob):
    xp, pp = os.path.join(work, name + "_x.npy"), os.path.join(work, name + "_p.npy")
    np.save(xp, X.reshape(len(X), -1))  # NCHW rows: the library's layout
    r = run("predict", path, xp, pp)
    if r.returncode != 0:
        print(f"{name}: import failed: {r.stderr.strip()}")
        failures.append(name)
        return
    compare(name, expected, np.load(pp), prob)


def check_torch(name, model, shape, n_out, opset, keep_bn=False):
    X = torch.tensor(rng.normal(size=(96, *shape)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, n_out, size=96))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model.train()
    for _ in range(15):  # also moves BatchNorm's running statistics away from 0 and 1
        opt.zero_grad()
        loss = nn.functional.nll_loss(torch.log(model(X) + 1e-7), y)
        loss.backward()
        opt.step()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            assert float((m.running_mean.abs()).max()) > 1e-3 and float((m.running_var - 1).abs().max()) > 1e-3
    model.eval()
    Xte = rng.normal(size=(40, *shape)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(Xte)).numpy()
    path = os.path.join(work, name + ".onnx")
    # EVAL (the default) folds BatchNorm into the convolution before it; PRESERVE of a model in eval mode
    # writes BatchNormalization in its inference form.
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, torch.zeros(1, *shape), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, opset_version=opset, training=mode)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    if keep_bn and "BatchNormalization" not in ops:
        print(f"{name}: expected a BatchNormalization node, the graph has {ops}")
        failures.append(name)
    predict(name, path, Xte, expected, True)


check_torch("cnn_pad1_pad0_stride2_opset13",
            nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 8, 3, stride=2, padding=0), nn.ReLU(), nn.AvgPool2d(2, stride=1),
                          nn.Flatten(), nn.Linear(32, 5), nn.Softmax(dim=1)), (3, 16, 16), 5, 13, keep_bn=True)
check_torch("cnn_nobias_gap_opset11",
            nn.Sequential(nn.Conv2d(2, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
                          nn.Conv2d(6, 6, 3, stride=2, padding=1), nn.Tanh(), nn.AvgPool2d(2),
                          nn.Conv2d(6, 4, (3, 2)), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
                          nn.Softmax(dim=1)), (2, 14, 13), 3, 11, keep_bn=True)
check_torch("cnn_maxpool_stride_bn_opset9",
            nn.Sequential(nn.Conv2d(1, 4, 5, stride=2, padding=2), nn.BatchNorm2d(4), nn.LeakyReLU(0.1),
                          nn.MaxPool2d(3, stride=2), nn.Flatten(), nn.Linear(144, 3), nn.Softmax(dim=1)),
            (1, 28, 28), 3, 9)
check_torch("cnn_opset17", nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                         nn.Linear(27, 4), nn.Softmax(dim=-1)), (1, 8, 8), 4, 17)

# AvgPool2d with padding: torch writes Pad (real zeros, count_include_pad=True) + AveragePool; refused by name.
padded = nn.Sequential(nn.Conv2d(1, 2, 3), nn.AvgPool2d(2, padding=1)).eval()
padded_path = os.path.join(work, "avgpool_padding.onnx")
torch.onnx.export(padded, torch.zeros(1, 1, 8, 8), padded_path, input_names=["input"], output_names=["output"],
                  opset_version=13)
np.save(os.path.join(work, "pad_x.npy"), np.zeros((2, 64), np.float32))
r = run("predict", padded_path, os.path.join(work, "pad_x.npy"), os.path.join(work, "pad_p.npy"))
if r.returncode == 0 or not re.search(r"node \d+ '[^']*' \((Pad|AveragePool)\): .*count_include_pad", r.stderr):
    print(f"AvgPool2d(padding=1): expected a refusal, got rc {r.returncode}: {r.stderr.strip()}")
    failures.append("avgpool padding")
else:
    print(f"AvgPool2d(padding=1) refused: {r.stderr.strip().split('nnb_model_parse_onnx: ')[-1]}")


# ---- hand-built graphs, float64 NumPy reference ----

def conv_ref(x, w, b, stride, pads):
    """x: N C H W, w: O C kh kw, pads: top, left, bottom, right."""
    pt, pl, pb, pr = pads
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            y[:, :, i, j] = np.tensordot(patch, w.astype(np.float64), axes=([1, 2, 3], [1, 2, 3]))
    return y + (0 if b is None else b.reshape(1, -1, 1, 1))


def same_pads(size, k, s, upper):
    out = -(-size // s)
    total = max(0, (out - 1) * s + k - size)
    first = total // 2 if upper else total - total // 2
    return first, total - first


def image_value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", *shape])


def save_graph(name, nodes, inits, in_shape, out_shape, opset=13):
    graph = helper.make_graph(nodes, name, [image_value("input", in_shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", *out_shape])] if out_shape else
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 7
    path = os.path.join(work, name + ".onnx")
    onnx.save(m, path)
    return m, path


C, H, W, O = 2, 7, 8, 3
Wc = rng.normal(size=(O, C, 3, 3)).astype(np.float32)
bc = rng.normal(size=(O,)).astype(np.float32)
X = rng.normal(size=(10, C, H, W)).astype(np.float32)
cases = [
    # name, conv attributes, pads the reference uses (top, left, bottom, right), stride
    # The third zero row below is never reached by a stride-2 window: the same as 1 on both sides.
    ("asym_pads_unused_extra", {"pads": [1, 1, 2, 1], "strides": [2, 2]}, (1, 1, 2, 1), 2),
    # SAME_LOWER with an odd total along W (one zero left): 1 on both sides gives the same windows.
    ("same_lower_odd_stride2", {"auto_pad": "SAME_LOWER", "strides": [2, 2]},
     (same_pads(H, 3, 2, False)[0], same_pads(W, 3, 2, False)[0], same_pads(H, 3, 2, False)[1],
      same_pads(W, 3, 2, False)[1]), 2),
    ("same_upper_stride2", {"auto_pad": "SAME_UPPER", "strides": [2, 2]},
     (same_pads(H, 3, 2, True)[0], same_pads(W, 3, 2, True)[0], same_pads(H, 3, 2, True)[1],
      same_pads(W, 3, 2, True)[1]), 2),
    ("same_lower_even_total", {"auto_pad": "SAME_LOWER"}, (1, 1, 1, 1), 1),
    ("valid", {"auto_pad": "VALID"}, (0, 0, 0, 0), 1),
    ("notset_explicit_2", {"pads": [2, 2, 2, 2], "kernel_shape": [3, 3]}, (2, 2, 2, 2), 1),
]
for name, attrs, pads, stride in cases:
    expect = conv_ref(X, Wc, bc, stride, pads)
    node = helper.make_node("Conv", ["input", "W", "B"], ["c"], name="conv", **attrs)
    flat = helper.make_node("Reshape", ["c", "shape"], ["output"], name="flat")
    inits = [numpy_helper.from_array(Wc, "W"), helper.make_tensor("B", TensorProto.FLOAT, [O], bc.tolist()),
             numpy_helper.from_array(np.array([0, -1], np.int64), "shape")]
    m, path = save_graph(name, [node, flat], inits, (C, H, W), (int(np.prod(expect.shape[1:])),))
    onnx.checker.check_model(m)
    predict("conv_" + name, path, X, expect.reshape(len(X), -1).astype(np.float32), False)

# SAME_LOWER with an odd total that matters (a 2 x 2 kernel at stride 1) puts the extra zero above and left: the
# library pads below and right only.
refusals = [
    ("same_lower_odd", [helper.make_node("Conv", ["input", "W22"], ["output"], name="c0", auto_pad="SAME_LOWER")],
     r"match no padding"),
    # Fewer zeros below than above at stride 1: the library's symmetric padding would add an output row.
    ("asym_pads_fewer_below", [helper.make_node("Conv", ["input", "W"], ["output"], name="c0", pads=[1, 1, 0, 0])],
     r"match no padding"),
    ("group2", [helper.make_node("Conv", ["input", "W2"], ["output"], name="g", group=2)], r"group = 2"),
    ("dilation2", [helper.make_node("Conv", ["input", "W"], ["output"], name="d", dilations=[2, 2])],
     r"dilation 2"),
    ("strides_1_2", [helper.make_node("Conv", ["input", "W"], ["output"], name="s", strides=[1, 2])],
     r"strides \[1, 2\]"),
    ("avgpool_padded", [helper.make_node("Conv", ["input", "W"], ["c"], name="c0"),
                        helper.make_node("AveragePool", ["c"], ["output"], name="ap", kernel_shape=[2, 2],
                                         pads=[1, 1, 1, 1], count_include_pad=1)], r"count_include_pad 1"),
    ("maxpool_ceil", [helper.make_node("Conv", ["input", "W"], ["c"], name="c0"),
                      helper.make_node("MaxPool", ["c"], ["output"], name="mp", kernel_shape=[2, 2],
                                       strides=[2, 2], ceil_mode=1)], r"ceil_mode 1"),
    ("bn_training", [helper.make_node("Conv", ["input", "W"], ["c"], name="c0"),
                     helper.make_node("BatchNormalization", ["c", "s", "b", "mu", "var"], ["output"], name="bn",
                                      training_mode=1)], r"training_mode = 1"),
    ("pool_first", [helper.make_node("MaxPool", ["input"], ["output"], name="mp", kernel_shape=[2, 2])],
     r"needs a layer before it"),
]
ones = np.ones(O, np.float32)
for name, nodes, pattern in refusals:
    inits = [numpy_helper.from_array(Wc, "W"), numpy_helper.from_array(Wc[:, :1].copy(), "W2"),
             numpy_helper.from_array(Wc[:, :, :2, :2].copy(), "W22"),
             numpy_helper.from_array(ones, "s"), numpy_helper.from_array(0 * ones, "b"),
             numpy_helper.from_array(0 * ones, "mu"), numpy_helper.from_array(ones, "var")]
    _, path = save_graph("bad_" + name, nodes, inits, (C, H, W), None, opset=15)
    r = run("predict", path, os.path.join(work, "conv_valid_x.npy"), os.path.join(work, "bad.npy"))
    if r.returncode == 0 or not re.search(r"node \d+ '[^']*' \(\w+\): .*" + pattern, r.stderr):
        print(f"{name}: expected a refusal naming the node and /{pattern}/, got rc {r.returncode}: {r.stderr.strip()}")
        failures.append(name)
    else:
        print(f"{name} refused: {r.stderr.strip().split('nnb_model_parse_onnx: ')[-1]}")

print(f"worst agreement over all models: max |diff| {worst['abs']:.3g}, max rel (|p| > 1e-3) {worst['rel']:.3g}")
if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
