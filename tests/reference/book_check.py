# SPDX-License-Identifier: MIT
"""Shared command line of the chapter references (tests/reference/chNN_numpy.py).

    chNN_numpy.py [epochs]                    prints the lines the book's code prints
    chNN_numpy.py [epochs] --check PROGRAM    runs PROGRAM [epochs] and compares the whole text

A further number after the epochs (the Fashion-MNIST chapters' training samples) is handed to run() and to
PROGRAM alike.

--check exits 0 when the texts are identical, 1 otherwise (listing the lines that differ), 77 (ctest's skip)
when numpy would compute float32 exp/log with the C library instead of its SIMD routines.

When the environment variable NNB_NUMPY_REFERENCE_CACHE names a directory, numpy's lines are kept there, keyed
by the reference scripts' contents, the arguments and numpy's version, so that the same check run against
several builds (backends, instruction sets, sanitizers) computes numpy's side once.
"""
import hashlib
import os
import subprocess
import sys


def numpy_uses_simd_exp_log():
    """True when numpy 1.x computes float32 exp/log with its AVX2 + FMA3 or AVX-512F routine."""
    try:
        from numpy.core._multiarray_umath import __cpu_features__ as features
    except ImportError:
        return False
    return bool(features.get("AVX512F") or (features.get("AVX2") and features.get("FMA3")))


def reference_lines(compute, *key):
    """compute() (a list of lines), or the copy kept in $NNB_NUMPY_REFERENCE_CACHE by an earlier run."""
    cache = os.environ.get("NNB_NUMPY_REFERENCE_CACHE")
    if not cache:
        return compute()
    import numpy as np
    digest = hashlib.sha256()
    for path in (sys.argv[0], __file__, os.path.join(os.path.dirname(os.path.abspath(__file__)), "nnfs_book.py")):
        with open(path, "rb") as f:
            digest.update(f.read())
    digest.update(repr((key, np.__version__)).encode())
    path = os.path.join(cache, os.path.basename(sys.argv[0]) + "-" + digest.hexdigest()[:24] + ".txt")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().split("\n")
    except OSError:
        pass
    lines = compute()
    os.makedirs(cache, exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)  # atomic: parallel tests never read half a file
    return lines


def run_check(run, default_epochs, extra_args=(), program_args=None):
    """The command line above; program_args(epochs, more), when given, is PROGRAM's argument list instead."""
    argv = sys.argv[1:]
    program = None
    if "--check" in argv:
        k = argv.index("--check")
        program = argv[k + 1]
        del argv[k:k + 2]
    epochs = int(argv[0]) if argv else default_epochs
    more = [int(a) for a in argv[1:]]
    if program is None:
        for line in run(epochs, *more):
            print(line)
        return 0
    if not numpy_uses_simd_exp_log():
        print("numpy does not use its SIMD float32 exp/log on this CPU: skipped")
        return 77
    import numpy as np
    # Programs that can, print a digest of their final parameters too (examples/fashion_book.h); so do the
    # references (nnfs_book.print_digest).
    os.environ["NNB_BOOK_DIGEST"] = "1"
    want = reference_lines(lambda: list(run(epochs, *more)), epochs, tuple(extra_args), *more)
    if program_args is None:
        cmd = [program, str(epochs)] + [str(a) for a in more] + list(extra_args)
    else:
        cmd = [program] + list(program_args(epochs, more))
    got = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.rstrip("\n").split("\n")
    differ = [i for i in range(max(len(got), len(want)))
              if i >= len(got) or i >= len(want) or got[i] != want[i]]
    print(f"numpy {np.__version__}: {len(want)} lines, {len(got)} printed by {' '.join(cmd)}, {len(differ)} differ")
    for i in differ[:20]:
        print(f"  numpy:   {want[i] if i < len(want) else '(none)'}")
        print(f"  program: {got[i] if i < len(got) else '(none)'}")
    if want:
        print(f"last line: {want[-1]}")
    return 1 if differ else 0
