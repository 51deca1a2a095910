#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Mutation testing for libnnbasics: plants one small bug at a time in src/**/*.c and checks that a test fails.

Usage (from the repository root; Python 3 standard library only):

    /usr/bin/python3 scripts/mutate.py --seed 1 --count 80              # 80 mutants over every file
    /usr/bin/python3 scripts/mutate.py --files 'src/compute/linear.c' --count 20
    /usr/bin/python3 scripts/mutate.py --count 30 --floor 60             # exit 1 when the score is below 60 %

How it works. The working tree is never modified: the tracked and untracked (not ignored) files are copied to
<workdir>/src-copy (default workdir: build/mutate), which is configured once into <workdir>/build (Release,
builtin GEMM body, tests ON, examples/tools/benchmark OFF, warnings not errors). Every candidate mutation of
every selected file is listed (operator classes below), a --seed-fixed random sample of --count is drawn, and
for each mutant: the one line is changed in the copy, the build is updated incrementally, `ctest -L 'unit|isa'`
(the unit tests, and the kernel tests again at each lower ISA level, so that a mutant of an AVX2 or portable
kernel is seen on an AVX-512 machine too) runs with a per-test --timeout (NNB_ISA set from --isa, if given,
for the unit tests; stopping at the first failure), and the
line is put back. Before the first mutant, the unmutated copy must build and pass, or the run stops.

Operator classes (each mutant changes exactly one token or one line):
    rel      relational flip: <  <->  <=,  >  <->  >=,  ==  <->  !=
    logic    && <-> ||
    arith    binary + <-> -, * <-> / (and += <-> -=, *= <-> /=); clang-format spaces binary operators, so
             only ' op ' with spaces is taken, which leaves pointers, unary minus and ++/-- alone
    int      an integer literal n -> n + 1 or n - 1 (loop bounds, block sizes, shifts, indices)
    const    a floating-point literal c -> 2c (0 -> 1)
    delete   a one-line expression statement (assignment, call, ++/--) replaced by ';'
             (declarations, returns, break/continue and control lines are never deleted)
Comments, string literals and preprocessor lines are never mutated.

Reading the output. One line per mutant while it runs:

    [ 12/80] KILLED     src/compute/linear.c:41 rel  'K <= NNB__K_SMALL_K' -> 'K < NNB__K_SMALL_K'  (test_dense)
    [ 13/80] SURVIVED   src/layers/loss.c:30 int  'n <= 128' -> 'n <= 129'
    [ 14/80] NOCOMPILE  src/tensor/tensor.c:88 delete ...

KILLED: a unit test failed (or timed out: TIMEOUT is listed as killed) - the tests noticed the bug.
NOTBUILT: the file is not compiled in this configuration (gemm_cblas.c with the builtin body); left out of
the score like NOCOMPILE and counted in the same column.
SURVIVED: the mutant built and every unit test passed - either a gap in the tests, or an equivalent mutant
(one that cannot change behaviour, e.g. a block size in a loop that only changes speed); the unified diff of
every survivor is printed at the end so it can be judged. NOCOMPILE: the mutant did not build; it says
nothing about the tests and is left out of the score. Then a per-file table (killed / survived / not compiled)
and the score = killed / (killed + survived). With --floor PCT the exit status is 1 when the score is below
PCT, 0 otherwise; 2 means the run itself failed (the unmutated build or tests failed, bad options).
"""

import argparse
import difflib
import fnmatch
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# ---- finding candidate mutations ---------------------------------------------------------------


def mask_code(text):
    """Returns a copy of text where comments, string/char literals and preprocessor lines are blanked
    (replaced by spaces, newlines kept), so offsets still line up with the original."""
    out = list(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and c in " \t":
            i += 1
            continue
        if line_start and c == "#":
            # Preprocessor line, with backslash continuations.
            while i < n and not (text[i] == "\n" and text[i - 1] != "\\"):
                if text[i] != "\n":
                    out[i] = " "
                i += 1
            continue
        line_start = c == "\n"
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                if out[k] != "\n":
                    out[k] = " "
            i = j
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            for k in range(i + 1, min(j, n)):
                out[k] = " "
            i = j + 1
            continue
        i += 1
    return "".join(out)


REL = {" < ": " <= ", " <= ": " < ", " > ": " >= ", " >= ": " > ", " == ": " != ", " != ": " == "}
LOGIC = {" && ": " || ", " || ": " && "}
ARITH = {
    " + ": " - ",
    " - ": " + ",
    " * ": " / ",
    " / ": " * ",
    " += ": " -= ",
    " -= ": " += ",
    " *= ": " /= ",
    " /= ": " *= ",
}
OP_RE = re.compile(r" (?:<=|>=|==|!=|&&|\|\||\+=|-=|\*=|/=|<|>|\+|-|\*|/) ")
NUM_RE = re.compile(r"(?<![\w.])(\d[\w.]*(?:[eEpP][+-][\w.]+)?|\.\d[\w.]*(?:[eE][+-][\w.]+)?)")
INT_RE = re.compile(r"^(\d+)([uUlL]*)$")
FLOAT_RE = re.compile(r"^((?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?)([fF]?)$")
# A line that starts an expression statement: `x = ...;`, `a[i] += ...;`, `p->f = ...;`, `f(...);`, `++i;`,
# `*p = ...;`. A declaration starts with a type followed by a name or `*name`, which this does not match.
EXPR_STMT_RE = re.compile(
    r"^(?:\+\+|--|\*+\s*[A-Za-z_(])|^[A-Za-z_]\w*(?:\s*(?:\[[^;]*?\]|\.\w+|->\w+))*\s*"
    r"(?:=(?!=)|\+=|-=|\*=|/=|\|=|&=|\^=|<<=|>>=|\+\+|--|\()"
)
NOT_DELETABLE = re.compile(r"^(?:return|break|continue|goto|case|default|if|for|while|do|switch|else|typedef)\b")


def candidates(path, text):
    """Every mutation of one file: (path, line number, operator class, original line, mutated line)."""
    masked = mask_code(text)
    lines = text.split("\n")
    mlines = masked.split("\n")
    out = []
    prev_end = ";"
    for no, (line, code) in enumerate(zip(lines, mlines), start=1):
        stripped = code.strip()
        if not stripped:
            continue
        for m in OP_RE.finditer(code):
            op = m.group(0)
            table = REL if op in REL else LOGIC if op in LOGIC else ARITH
            kind = "rel" if op in REL else "logic" if op in LOGIC else "arith"
            mutated = line[: m.start()] + table[op] + line[m.end() :]
            out.append((path, no, kind, line, mutated))
        for m in NUM_RE.finditer(code):
            tok = m.group(1)
            # Skip numbers that are parts of names (avx512 is excluded by the look-behind) or hex.
            mi = INT_RE.match(tok)
            if mi:
                v = int(mi.group(1))
                if tok.startswith("0") and len(mi.group(1)) > 1:
                    continue  # octal
                for nv in (v + 1, v - 1):
                    if nv >= 0:
                        mutated = line[: m.start()] + str(nv) + mi.group(2) + line[m.end() :]
                        out.append((path, no, "int", line, mutated))
                continue
            mf = FLOAT_RE.match(tok)
            if mf:
                v = float(mf.group(1))
                nv = "1.0" if v == 0.0 else repr(v * 2.0)
                mutated = line[: m.start()] + nv + mf.group(2) + line[m.end() :]
                out.append((path, no, "const", line, mutated))
        # Statement deletion: a whole one-line statement (the previous code line ended one).
        if (
            prev_end in ";{}:"
            and stripped.endswith(";")
            and stripped.count("(") == stripped.count(")")
            and EXPR_STMT_RE.match(stripped)
            and not NOT_DELETABLE.match(stripped)
        ):
            indent = line[: len(line) - len(line.lstrip())]
            out.append((path, no, "delete", line, indent + ";"))
        prev_end = stripped[-1]
    return out


# ---- building and testing ----------------------------------------------------------------------


def run(cmd, cwd=None, env=None, timeout=None):
    try:
        p = subprocess.run(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
        )
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else (e.stdout or b"").decode("utf-8", "replace")
        return -1, out + "\n(timed out)"


def repo_files():
    rc, out = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT)
    if rc != 0:
        sys.exit("mutate.py: git ls-files failed:\n" + out)
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


def sync_copy(copy):
    """Makes copy/ hold the working tree's files; files whose bytes are unchanged keep their timestamps, so
    the build stays incremental from one run to the next."""
    for rel in repo_files():
        src, dst = os.path.join(ROOT, rel), os.path.join(copy, rel)
        with open(src, "rb") as f:
            data = f.read()
        if os.path.exists(dst):
            with open(dst, "rb") as f:
                if f.read() == data:
                    continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)


def build(build_dir, jobs):
    rc, out = run(["cmake", "--build", build_dir, "-j", str(jobs)])
    return rc == 0, out


def test(build_dir, jobs, timeout, isa):
    env = dict(os.environ)
    if isa:
        env["NNB_ISA"] = isa
    # The unit tests, plus the kernel tests at each lower ISA level (label isa): CI runs both, and without the
    # second a mutant of a kernel below the CPU's best level (its AVX2 or portable code) is never executed.
    cmd = ["ctest", "--test-dir", build_dir, "-L", "unit|isa", "-j", str(jobs), "--timeout", str(timeout)]
    cmd += ["--stop-on-failure", "--output-on-failure"]
    # A bound on the whole run, in case a mutant hangs ctest itself.
    rc, out = run(cmd, env=env, timeout=timeout * 40)
    tail = out.split("The following tests FAILED:")[-1] if "The following tests FAILED:" in out else ""
    listed = re.findall(r"^\s*\d+ - (\S+) \(([^)]*)\)", tail, re.M)
    failed = [name for name, _ in listed]
    timed_out = any(why == "Timeout" for _, why in listed) or out.endswith("(timed out)")
    return rc == 0, failed, timed_out, out


def stop_on_signal(signum, frame):
    """SIGTERM ends the run like Ctrl-C, so the mutated line is put back (the `finally` below)."""
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, stop_on_signal)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="random seed of the sample (default 1)")
    ap.add_argument("--count", type=int, default=50, help="number of mutants (default 50; 0 = all)")
    ap.add_argument("--files", nargs="+", default=["src/**/*.c"], metavar="GLOB", help="files to mutate")
    ap.add_argument("--jobs", type=int, default=2, help="build and ctest parallelism (default 2)")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per test (default 60)")
    ap.add_argument("--isa", choices=["portable", "avx2", "avx512"], help="NNB_ISA for the test runs")
    ap.add_argument("--floor", type=float, help="exit 1 when the score (percent) is below this")
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "mutate"), help="scratch folder")
    ap.add_argument(
        "--per-file",
        type=int,
        default=0,
        metavar="N",
        help="stratified sample: N mutants from every selected file (all of a file's if it has fewer); "
        "--count is then ignored",
    )
    ap.add_argument(
        "--slice",
        metavar="A:B",
        help="run only mutants A..B-1 of the (sorted) sample, to split a long run into batches",
    )
    ap.add_argument(
        "--guard-pages",
        action="store_true",
        help="run the tests with NNB_TEST_GUARD_PAGES=1 (one-past-the-end accesses fault)",
    )
    ap.add_argument("--list", action="store_true", help="only print the sampled mutants")
    args = ap.parse_args()

    all_c = [f for f in repo_files() if f.startswith("src/") and f.endswith(".c")]
    selected = sorted(
        f
        for f in all_c
        if any(fnmatch.fnmatch(f, g) or fnmatch.fnmatch(f, g.replace("**/", "")) for g in args.files)
    )
    if not selected:
        print("mutate.py: no file matches " + " ".join(args.files), file=sys.stderr)
        return 2
    pool = []
    by_file = {}
    for f in selected:
        with open(os.path.join(ROOT, f), encoding="utf-8") as fh:
            by_file[f] = candidates(f, fh.read())
            pool += by_file[f]
    rng = random.Random(args.seed)
    if args.per_file > 0:
        sample = []
        for f in selected:
            c = by_file[f]
            sample += c if len(c) <= args.per_file else rng.sample(c, args.per_file)
    else:
        sample = pool if args.count <= 0 or args.count >= len(pool) else rng.sample(pool, args.count)
    sample.sort(key=lambda m: (m[0], m[1], m[2], m[4]))
    print(f"== {len(selected)} files, {len(pool)} candidate mutants, {len(sample)} sampled (seed {args.seed})")
    if args.slice:
        a, _, b = args.slice.partition(":")
        lo = int(a) if a else 0
        hi = int(b) if b else len(sample)
        sample = sample[lo:hi]
        print(f"== slice {lo}:{hi}: {len(sample)} mutants")
    if args.guard_pages:
        os.environ["NNB_TEST_GUARD_PAGES"] = "1"
    if args.list:
        for path, no, kind, old, new in sample:
            print(f"{path}:{no} {kind:6} {old.strip()!r} -> {new.strip()!r}")
        return 0

    copy = os.path.join(args.workdir, "src-copy")
    build_dir = os.path.join(args.workdir, "build")
    os.makedirs(copy, exist_ok=True)
    sync_copy(copy)
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        rc, out = run(
            [
                "cmake", "-S", copy, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release", "-DNNB_GEMM_BACKEND=builtin",
                "-DNNB_BUILD_TESTS=ON", "-DNNB_BUILD_EXAMPLES=OFF", "-DNNB_BUILD_TOOLS=OFF",
                "-DNNB_BUILD_BENCH=OFF", "-DNNB_WERROR=OFF",
            ]
        )  # fmt: skip
        if rc != 0:
            print(out + "\nmutate.py: configure failed", file=sys.stderr)
            return 2
    ok, out = build(build_dir, args.jobs)
    if not ok:
        print(out + "\nmutate.py: the unmutated copy does not build", file=sys.stderr)
        return 2
    t0 = time.time()
    ok, failed, _, out = test(build_dir, args.jobs, args.timeout, args.isa)
    if not ok:
        print(out + "\nmutate.py: the unmutated copy fails its tests", file=sys.stderr)
        return 2
    print(f"== baseline builds and passes (unit tests {time.time() - t0:.0f}s)")

    results = []  # (mutant, verdict, detail)
    start = time.time()
    for idx, mutant in enumerate(sample, start=1):
        path, no, kind, old, new = mutant
        target = os.path.join(copy, path)
        with open(target, encoding="utf-8") as fh:
            original = fh.read()
        lines = original.split("\n")
        assert lines[no - 1] == old, f"{path}:{no} changed under the run"
        lines[no - 1] = new
        try:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write("\n".join(lines))
            built, bout = build(build_dir, args.jobs)
            if not built:
                verdict, detail = "NOCOMPILE", ""
            elif os.path.basename(path) + ".o" not in bout:
                # The file is not part of this configuration (e.g. gemm_cblas.c in the builtin build): the
                # tests cannot see the mutant, so it says nothing about them.
                verdict, detail = "NOTBUILT", ""
            else:
                passed, failed, timed_out, _ = test(build_dir, args.jobs, args.timeout, args.isa)
                if passed:
                    verdict, detail = "SURVIVED", ""
                else:
                    verdict = "TIMEOUT" if timed_out else "KILLED"
                    detail = ", ".join(failed) if failed else "ctest failed"
        finally:
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(original)
        results.append((mutant, verdict, detail))
        extra = f"  ({detail})" if detail else ""
        print(f"[{idx:3}/{len(sample)}] {verdict:10} {path}:{no} {kind:6} {old.strip()!r} -> {new.strip()!r}{extra}")
        sys.stdout.flush()
    # Leave the copy's build matching the unmutated sources for the next run.
    build(build_dir, args.jobs)

    survivors = [r for r in results if r[1] == "SURVIVED"]
    if survivors:
        print("\n== survivors (a test gap, or an equivalent mutant)")
        for (path, no, kind, old, new), _, _ in survivors:
            diff = difflib.unified_diff(
                [old + "\n"], [new + "\n"], f"a/{path}", f"b/{path}", lineterm="\n", n=0
            )
            text = "".join(diff).replace("@@ -1 +1 @@", f"@@ -{no} +{no} @@ ({kind})")
            print(text, end="")
    print("\n== per file: killed survived not-compiled")
    per_file = {}
    for (path, *_), verdict, _ in results:
        k = per_file.setdefault(path, [0, 0, 0])
        k[0 if verdict in ("KILLED", "TIMEOUT") else 1 if verdict == "SURVIVED" else 2] += 1
    for path in sorted(per_file):
        k, s, nc = per_file[path]
        print(f"{path:40} {k:4} {s:4} {nc:4}")
    killed = sum(v[0] for v in per_file.values())
    survived = sum(v[1] for v in per_file.values())
    nocomp = sum(v[2] for v in per_file.values())
    score = 100.0 * killed / (killed + survived) if killed + survived else 100.0
    print(
        f"== total: {killed} killed, {survived} survived, {nocomp} not compiled; "
        f"score {score:.1f}% ({time.time() - start:.0f}s)"
    )
    if args.floor is not None and score < args.floor:
        print(f"== score {score:.1f}% is below the floor {args.floor}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
