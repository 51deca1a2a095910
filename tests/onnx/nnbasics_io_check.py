# SPDX-License-Identifier: MIT
"""python/nnbasics_io.py against the C library: files the library writes are read and written back byte for
byte, NumPy predictions from them match the library's; a model built in Python loads in C and predicts as the
NumPy forward pass does; the same for the layer kinds of format version 3 (tanh, leaky ReLU, ELU, GELU,
softplus) and its training-settings section (weight decay, schedule, clipping); corrupt files raise ValueError.

usage: nnbasics_io_check.py ONNX_DRIVER SOURCE_DIR WORKDIR      (exit 77 = skipped: no NumPy)
"""
import os
import subprocess
import sys
import zlib

try:
    import numpy as np
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

driver, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(source, "python"))
import nnbasics_io as nio  # noqa: E402

os.makedirs(work, exist_ok=True)
failures = []


def run(*args):
    r = subprocess.run([driver, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"onnx_driver {' '.join(args)}: {r.stderr.strip()}")


def close(name, a, b, tol=1e-6):
    diff = float(np.abs(a.astype(np.float64) - b).max())
    ok = np.allclose(a, b, rtol=tol, atol=tol)
    print(f"{name}: max |diff| {diff:.3g} -> {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


# C -> Python: every kind of model the driver trains (dropout, sigmoid, linear, scaling, optimizer, precision).
for kind in ("softmax", "sigmoid", "regression", "dropout", "scaled", "tanh", "leaky_relu", "elu", "softplus", "gelu",
             "cnn", "cnn_gap"):
    path, xp, pp = (os.path.join(work, f"{kind}{s}") for s in (".nnb", "_x.npy", "_p.npy"))
    run("train", kind, path, xp)
    run("predict", path, xp, pp)
    data = open(path, "rb").read()
    m = nio.loads(data)
    if nio.dumps(m) != data:
        print(f"{kind}: written back, the bytes differ from the library's file")
        failures.append(kind + " bytes")
    close(f"{kind}: NumPy forward of the read model vs the library", m.predict(np.load(xp)), np.load(pp))
print(nio.load(os.path.join(work, "scaled.nnb")).summary())
print(nio.load(os.path.join(work, "cnn.nnb")).summary())

# The image layers' records as the C writer defines them (docs/MODEL_FORMAT.md), checked field by field on the
# library's file: conv2d geometry, pooling windows, batchnorm settings and running averages.
cnn = nio.load(os.path.join(work, "cnn.nnb"))
kinds = [l.kind for l in cnn.layers]
expect = ["conv2d", "batchnorm", "relu", "maxpool2d", "conv2d", "tanh", "avgpool2d", "flatten", "dense", "batchnorm",
          "relu", "dense", "softmax"]
conv0, bn0, pool0, conv1, avg = cnn.layers[0], cnn.layers[1], cnn.layers[3], cnn.layers[4], cnn.layers[6]
checks = [kinds == expect,
          (conv0.params["in_c"], conv0.params["in_h"], conv0.params["in_w"], conv0.params["out_c"]) == (2, 10, 9, 6),
          conv0.params["padding"] == 1 and conv0.params["bias"] == 1 and conv0.weights.shape == (18, 6),
          conv1.params["padding"] == 2 and conv1.params["pad_h"] == 1 and conv1.params["stride"] == 2,
          conv1.params["bias"] == 0 and not conv1.biases.any() and conv1.weights.shape == (54, 5),
          (pool0.params["kernel_h"], pool0.params["kernel_w"], pool0.params["stride"]) == (2, 2, 2),
          (avg.params["kernel_h"], avg.params["stride"]) == (2, 1),
          bn0.params["channels"] == 6 and abs(bn0.params["momentum"] - 0.3) < 1e-7 and bn0.params["eps"] == np.float32(1e-3),
          np.abs(bn0.running_mean).max() > 1e-3 and np.abs(bn0.running_var - 1).max() > 1e-3,
          cnn.layers[9].params["channels"] == 8,
          cnn.shapes()[7] == (10, 1, 1) and cnn.input_size == 180 and cnn.output_size == 3]
if not all(checks):
    print(f"cnn.nnb: record fields not as the library wrote them: {checks}")
    failures.append("cnn fields")

# Python -> C: a CNN built in Python (conv same and explicit, both pools, global average pooling, batchnorm
# with running statistics); the library predicts as the NumPy forward pass and saves the same bytes.
r2 = np.random.default_rng(5)
cm = nio.Model(layers=[
    # same padding with a 2-row kernel: an odd total, the extra zero row goes below the image
    nio.Layer("conv2d", weights=r2.normal(size=(3 * 6, 4)), biases=r2.normal(size=4),
              params={"in_c": 3, "in_h": 9, "in_w": 8, "out_c": 4, "kernel_h": 2, "kernel_w": 3, "padding": 1}),
    nio.Layer("batchnorm", weights=r2.uniform(0.5, 2, size=4), biases=r2.normal(size=4),
              running_mean=r2.normal(size=4), running_var=r2.uniform(0.2, 3, size=4), params={"eps": 1e-3}),
    nio.Layer("relu"),
    nio.Layer("maxpool2d", params={"kernel_h": 2, "kernel_w": 2, "stride": 2}),
    nio.Layer("conv2d", weights=r2.normal(size=(4 * 6, 5)), biases=r2.normal(size=5),
              params={"in_c": 4, "in_h": 4, "in_w": 4, "out_c": 5, "kernel_h": 3, "kernel_w": 2, "padding": 2,
                      "pad_h": 1, "pad_w": 1, "stride": 1}),
    nio.Layer("avgpool2d", params={"kernel_h": 2, "kernel_w": 2, "stride": 1}),
    nio.Layer("global_avgpool"), nio.Layer("flatten"),
    nio.Layer("dense", weights=r2.normal(size=(5, 3)), biases=r2.normal(size=3))],
    loss="mse")  # raw outputs: a softmax would saturate with these random weights and hide differences
path, xp, pp = (os.path.join(work, f"python_cnn{s}") for s in (".nnb", "_x.npy", "_p.npy"))
nio.save(cm, path)
X = r2.normal(size=(12, 3 * 9 * 8)).astype(np.float32)
np.save(xp, X)
run("predict", path, xp, pp)
# 1e-5: the library sums each output's 18 to 24 products in float32, NumPy in float64 (outputs up to ~10).
close("Python-built CNN: the library vs NumPy", np.load(pp), cm.predict(X), tol=1e-5)
again = os.path.join(work, "python_cnn_again.nnb")
run("convert", path, again)
if open(again, "rb").read() != open(path, "rb").read():
    print("the library's save of the Python-built CNN differs from Python's bytes")
    failures.append("python cnn bytes")
try:
    nio.dumps(nio.Model(layers=cm.layers, file_kind=nio.KIND_PARAMETERS))
    print("a parameters-only file with conv2d layers was written")
    failures.append("cnn parameters-only")
except ValueError:
    pass

# Python -> C: a model built from scratch, with names and scaling.
rng = np.random.default_rng(0)
m = nio.Model(layers=[nio.Layer("dense", weights=rng.normal(size=(3, 8)), biases=rng.normal(size=8)),
                      nio.Layer("sigmoid"), nio.Layer("dropout", params={"rate": 0.25}),
                      nio.Layer("dense", weights=rng.normal(size=(8, 4)), biases=rng.normal(size=4)),
                      nio.Layer("softmax")],
              loss="cce", accuracy="categorical", fused_backward=True,
              optimizer={"kind": "adam", "learning_rate": 0.001, "decay": 0.0, "epsilon": 1e-7, "beta_1": 0.9,
                         "beta_2": 0.999},
              preprocess="affine", center=np.array([0.5, -1, 2], np.float32), scale=np.array([2, 1, 0.5], np.float32),
              class_names=["a", "b", "c", "d"], feature_names=["x", "y", "z"])
path, xp, pp = (os.path.join(work, f"python{s}") for s in (".nnb", "_x.npy", "_p.npy"))
nio.save(m, path)
X = rng.normal(size=(25, 3)).astype(np.float32)
np.save(xp, X)
run("predict", path, xp, pp)
close("Python-built model: the library vs NumPy", np.load(pp), m.predict(X))
again = os.path.join(work, "python_again.nnb")
run("convert", path, again)  # the library loads and saves it
if open(again, "rb").read() != open(path, "rb").read():
    print("the library's save of the Python-built model differs from Python's bytes")
    failures.append("python bytes")

# Python -> C with the version-3 layers and training settings: the library loads the file, predicts as NumPy
# does and saves the same bytes again (so every field was read and written where the C library has it).
m3 = nio.Model(layers=[nio.Layer("dense", weights=rng.normal(size=(3, 6)), biases=rng.normal(size=6)),
                       nio.Layer("tanh"),
                       nio.Layer("dense", weights=rng.normal(size=(6, 6)), biases=rng.normal(size=6)),
                       nio.Layer("leaky_relu", params={"slope": 0.2}),
                       nio.Layer("dense", weights=rng.normal(size=(6, 6)), biases=rng.normal(size=6)),
                       nio.Layer("elu", params={"alpha": 0.7}),
                       nio.Layer("dense", weights=rng.normal(size=(6, 6)), biases=rng.normal(size=6)),
                       nio.Layer("gelu", params={"approximation": 1}),
                       nio.Layer("dense", weights=rng.normal(size=(6, 6)), biases=rng.normal(size=6)),
                       nio.Layer("gelu"),
                       nio.Layer("dense", weights=rng.normal(size=(6, 2)), biases=rng.normal(size=2)),
                       nio.Layer("softplus")],
               loss="mse", accuracy="regression",
               optimizer={"kind": "adam", "learning_rate": 0.01, "decay": 0.0, "epsilon": 1e-7, "beta_1": 0.9,
                          "beta_2": 0.999},
               weight_decay=0.01, clip_value=0.5, clip_norm=2.0,
               schedule={"kind": "cosine", "warmup": 10, "step_size": 1, "gamma": 1.0, "period": 200,
                         "min_lr": 1e-4, "restarts": 1})
path3, xp3, pp3 = (os.path.join(work, f"python_v3{s}") for s in (".nnb", "_x.npy", "_p.npy"))
nio.save(m3, path3)
np.save(xp3, X)
run("predict", path3, xp3, pp3)
close("Python-built version-3 model (tanh, leaky ReLU, ELU, GELU, softplus): the library vs NumPy",
      np.load(pp3), m3.predict(X))
again3 = os.path.join(work, "python_v3_again.nnb")
run("convert", path3, again3)
if open(again3, "rb").read() != open(path3, "rb").read():
    print("the library's save of the Python-built version-3 model differs from Python's bytes")
    failures.append("python v3 bytes")
back3 = nio.load(again3)
if (back3.schedule != m3.schedule or back3.weight_decay != np.float64(0.01) or back3.clip_norm != 2.0
        or [{k: np.float32(v) for k, v in l.params.items()} for l in back3.layers if l.weights is None]
        != [{k: np.float32(v) for k, v in l.params.items()} for l in m3.layers if l.weights is None]):
    print(f"version-3 settings read back differently: {back3.schedule} {back3.weight_decay} {back3.clip_norm}")
    failures.append("python v3 settings")
print(back3.summary())
# A version-2 file holding a version-3 layer kind is refused, as the C reader does.
d = bytearray(nio.dumps(m3)[:-4])
d[8] = 2
d += (zlib.crc32(bytes(d)) & 0xFFFFFFFF).to_bytes(4, "little")
try:
    nio.loads(bytes(d))
    print("version 2 with a kind-6 layer: accepted")
    failures.append("v2 kind 6")
except ValueError as e:
    print(f"version 2 with a kind-6 layer: refused ({e})")

# Corruption is refused.
data = bytearray(open(path, "rb").read())
for name, bad in (("crc", data[:-1] + bytes([data[-1] ^ 1])), ("truncated", data[:-5]),
                  ("version", data[:8] + b"\x09" + data[9:])):
    try:
        nio.loads(bytes(bad))
        print(f"{name}: a corrupt file was accepted")
        failures.append(name)
    except ValueError as e:
        print(f"{name}: refused ({e})")

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
