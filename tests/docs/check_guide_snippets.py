#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every ```c block of docs/GUIDE.md must be an excerpt, verbatim, of one of the guide's programs in
examples/guide/ (which are compiled and run by ctest), so that the guide's code cannot rot.

usage: check_guide_snippets.py GUIDE.md SOURCE.c...
"""
import re
import sys


def normalise(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def main():
    guide = open(sys.argv[1], encoding="utf-8").read()
    sources = {path: normalise(open(path, encoding="utf-8").read()) for path in sys.argv[2:]}
    blocks = re.findall(r"^```c\n(.*?)^```", guide, flags=re.S | re.M)
    if not blocks:
        print("FAIL: the guide has no C code block")
        return 1
    fails = 0
    for number, block in enumerate(blocks, 1):
        text = normalise(block)
        homes = [path for path, source in sources.items() if text in source]
        first = text.splitlines()[0].strip()
        if homes:
            print(f"ok: block {number} ({first!r}) is in {homes[0]}")
        else:
            print(f"FAIL: block {number} ({first!r}) is not an excerpt of any guide program:\n{block}")
            fails += 1
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
