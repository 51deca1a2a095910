# SPDX-License-Identifier: MIT
"""NumPy weights round trip: a model trained by the library is written by 'nnb export --format npz', loaded into a
torch.nn.Sequential with load_state_dict (strict: every name and shape must match PyTorch's) and predicts as the
library does; then PyTorch trains it further, saves its state_dict with np.savez, 'nnb import --layers' builds a
model from it, and the library predicts as PyTorch does (1e-5 relative, 1e-6 absolute).

usage: npz_torch.py ONNX_DRIVER NNB_TOOL WORKDIR      (exit 77 = skipped: no python3-torch)
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    print(f"skipped: {e}")
    sys.exit(77)

driver, tool, work = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(work, exist_ok=True)
torch.manual_seed(0)
failures = []


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def check(name, expected, got):
    diff = float(np.abs(expected.astype(np.float64) - got).max())
    ok = np.allclose(got, expected, rtol=1e-5, atol=1e-6)
    print(f"{name}: max |diff| {diff:.3g} -> {'ok' if ok else 'FAIL'}")
    if not ok:
        failures.append(name)


nn = torch.nn
cases = {
    "softmax": ("dense,relu,dense,softmax", lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3),
                                                                  nn.Softmax(dim=1))),
    "dropout": ("dense,relu,dropout:0.1,dense,softmax",
                lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3),
                                      nn.Softmax(dim=1))),
    "sigmoid": ("dense,relu,dense,sigmoid", lambda: nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1),
                                                                  nn.Sigmoid())),
}
for kind, (spec, make) in cases.items():
    nnb, xp, pp = (os.path.join(work, f"{kind}{s}") for s in (".nnb", "_x.npy", "_p.npy"))
    npz = os.path.join(work, kind + ".npz")
    run(driver, "train", kind, nnb, xp)
    run(driver, "predict", nnb, xp, pp)
    run(tool, "export", "--format", "npz", "--quiet", nnb, npz)
    model = make()
    with np.load(npz) as z:
        model.load_state_dict({k: torch.from_numpy(v) for k, v in z.items()}, strict=True)
    model.eval()
    X = np.load(xp)
    with torch.no_grad():
        check(f"{kind}: C -> npz -> torch", model(torch.from_numpy(X)).numpy(), np.load(pp))

    # And back: PyTorch changes the weights, the library imports its state_dict.
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(5):
        opt.zero_grad()
        model(torch.from_numpy(X)).square().sum().backward()
        opt.step()
    model.eval()
    back_npz, back_nnb, back_p = (os.path.join(work, f"{kind}_back{s}") for s in (".npz", ".nnb", "_p.npy"))
    np.savez(back_npz, **{k: v.detach().numpy() for k, v in model.state_dict().items()})
    run(tool, "import", "--layers", spec, "--quiet", back_npz, back_nnb)
    run(driver, "predict", back_nnb, xp, back_p)
    with torch.no_grad():
        check(f"{kind}: torch -> npz -> C", model(torch.from_numpy(X)).numpy(), np.load(back_p))

# A spec that does not fit the arrays is refused with a message.
r = subprocess.run([tool, "import", "--layers", "dense,relu,dense,relu,dense", os.path.join(work, "softmax.npz"),
                    os.path.join(work, "bad.nnb")], capture_output=True, text=True)
if r.returncode != 1 or "4.weight" not in r.stderr:
    print(f"a spec with a missing module: expected exit 1 naming 4.weight, got {r.returncode}: {r.stderr.strip()}")
    failures.append("bad spec")

# nnb convert both ways predicts as the original; a wrong extension is a usage error (exit 2).
src = os.path.join(work, "softmax.nnb")
onnx_path, back = os.path.join(work, "softmax_cli.onnx"), os.path.join(work, "softmax_cli.nnb")
run(tool, "convert", "--quiet", src, onnx_path)
run(tool, "convert", onnx_path, back)
info = run(tool, "info", onnx_path)
if "ONNX ir_version 7, opset 13" not in info or "parameters: 99" not in info:
    print(f"nnb info on the ONNX file: unexpected text:\n{info}")
    failures.append("info onnx")
bp = os.path.join(work, "softmax_cli_p.npy")
run(driver, "predict", back, os.path.join(work, "softmax_x.npy"), bp)
if not np.array_equal(np.load(bp), np.load(os.path.join(work, "softmax_p.npy"))):
    print("nnb convert .nnb -> .onnx -> .nnb changed the predictions")
    failures.append("convert round trip")
r = subprocess.run([tool, "convert", src, os.path.join(work, "x.txt")], capture_output=True, text=True)
if r.returncode != 2 or ".onnx or .nnb" not in r.stderr:
    print(f"nnb convert to .txt: expected exit 2, got {r.returncode}: {r.stderr.strip()}")
    failures.append("convert extension")

if failures:
    print("FAILED: " + ", ".join(failures))
    sys.exit(1)
