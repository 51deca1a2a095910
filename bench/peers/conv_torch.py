# SPDX-License-Identifier: MIT
"""PyTorch peer of nnb-bench's conv section: the network of `nnb train --arch cnn`
(conv:32:3,relu,pool:2,conv:64:3,relu,pool:2,flatten,dense:128,relu,dense:10, valid padding, stride 1) as
nn.Conv2d / nn.MaxPool2d / nn.Linear on 64 x 1 x 28 x 28 float32 inputs, F.cross_entropy on the logits and
torch.optim.Adam (lr 1e-3), on the CPU.

  conv_fwd   forward and loss under torch.no_grad()
  conv_train forward, loss, zero_grad, backward, Adam step

Two modes:
  /usr/bin/python3 conv_torch.py [threads]   standalone: prints CSV framework,threads,workload,N,median_s,calls
  /usr/bin/python3 conv_torch.py --serve     for nnb-bench's interleaved comparison: prints "ready", then
        answers each request line "WORKLOAD THREADS CALLS" with the seconds per call of CALLS back-to-back
        calls (one line), and "quit" ends it. The first request of a workload and thread count builds its
        network and runs one warm-up call.
Exits with status 3 (and a message on stderr) when PyTorch is not installed.
"""
import sys
import time

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("conv peer: PyTorch is not installed for %s (Debian: python3-torch)\n" % sys.executable)
    sys.exit(3)

BATCH = 64


def build():
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(64 * 5 * 5, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )


def data(seed=3):
    gen = np.random.default_rng(seed)
    X = torch.from_numpy(gen.random((BATCH, 1, 28, 28), dtype=np.float32))
    y = torch.from_numpy(gen.integers(0, 10, BATCH).astype("int64"))
    return X, y


def make_step(workload):
    """A function running one call of the workload on a fresh network."""
    torch.manual_seed(0)
    X, y = data()
    net = build()
    if workload == "conv_fwd":

        def forward_loss():
            with torch.no_grad():
                return F.cross_entropy(net(X), y)

        return forward_loss
    adam = torch.optim.Adam(net.parameters(), lr=1e-3)

    def train_step():
        logits = net(X)
        loss = F.cross_entropy(logits, y)
        adam.zero_grad(set_to_none=True)
        loss.backward()
        adam.step()
        return loss

    return train_step


def serve():
    steps = {}
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words or words[0] == "quit":
            break
        workload, threads, calls = words[0], int(words[1]), int(words[2])
        torch.set_num_threads(threads)
        key = (workload, threads)
        if key not in steps:
            steps[key] = make_step(workload)
            steps[key]()
        step = steps[key]
        t = time.perf_counter()
        for _ in range(calls):
            step()
        print("%.9g" % ((time.perf_counter() - t) / calls), flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve()
        return
    from peer_common import emit, header, median_per_call

    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    header()
    for workload in ("conv_fwd", "conv_train"):
        t, calls = median_per_call(make_step(workload))
        emit("torch", threads, workload, BATCH, t, calls)


if __name__ == "__main__":
    main()
