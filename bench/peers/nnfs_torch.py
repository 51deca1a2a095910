# SPDX-License-Identifier: MIT
"""PyTorch peer: the same two networks as nnfs_numpy.py written idiomatically (nn.Linear, F.cross_entropy on
the logits, autograd, torch.optim.Adam), float32 on the CPU, timed per call. The forward workloads run
under torch.no_grad() and include the loss, as the numpy forward does.

Usage: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 nnfs_torch.py [threads]
Prints CSV: framework,threads,workload,N,median_s,calls
"""
import sys

from peer_common import SIZES, emit, header, median_per_call, mnist_like, spiral

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("peer benchmarks: PyTorch is not installed for %s (Debian: python3-torch)\n" % sys.executable)
    sys.exit(3)


def build(n_in, n_hidden, n_out):
    return torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, n_out))


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    header()
    runs = [("nnfs", n, spiral(n), (2, 64, 3), 0.05) for n in SIZES]
    runs.append(("mlp", 128, mnist_like(), (784, 128, 10), 1e-3))
    for tag, n, (X_np, y_np), sizes, lr in runs:
        X = torch.from_numpy(X_np)
        y = torch.from_numpy(y_np.astype("int64"))
        net = build(*sizes)

        def forward_loss():
            with torch.no_grad():
                return F.cross_entropy(net(X), y)

        t, calls = median_per_call(forward_loss)
        emit("torch", threads, tag + "_fwd", n, t, calls)

        net = build(*sizes)
        adam = torch.optim.Adam(net.parameters(), lr=lr)

        def train_step():
            logits = net(X)
            loss = F.cross_entropy(logits, y)
            accuracy = (logits.argmax(dim=1) == y).float().mean()
            adam.zero_grad(set_to_none=True)
            loss.backward()
            adam.step()
            return loss, accuracy

        t, calls = median_per_call(train_step)
        emit("torch", threads, tag + "_train", n, t, calls)


if __name__ == "__main__":
    main()
