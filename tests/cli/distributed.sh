#!/bin/sh
# SPDX-License-Identifier: MIT
# nnb train --distributed under mpirun -np 2 on the synthetic data set: rank 0 prints and saves, and the
# epoch figures agree with one process's to the printed 4 decimals (README.md gives the full comparison).
# usage: distributed.sh MPIRUN NNB MAKE_DATA WORKDIR
set -u
MPIRUN=$1
NNB=$2
MAKE_DATA=$3
WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK/data" || exit 1
"$MAKE_DATA" "$WORK/data" >/dev/null || { echo "FAIL: could not write the synthetic data set"; exit 1; }
args="train --data fashion-mnist --dir $WORK/data --layers 32 --epochs 3 --batch 16 --seed 1 --threads 1"
# shellcheck disable=SC2086
"$MPIRUN" --oversubscribe -np 2 "$NNB" $args --distributed --save "$WORK/m.nnb" >"$WORK/dist.txt" 2>&1 ||
    { cat "$WORK/dist.txt"; echo "FAIL: mpirun nnb train --distributed"; exit 1; }
# shellcheck disable=SC2086
"$NNB" $args >"$WORK/one.txt" 2>&1 || { cat "$WORK/one.txt"; echo "FAIL: nnb train"; exit 1; }
fails=0
grep -q "^distributed: 2 processes" "$WORK/dist.txt" || { echo "FAIL: no 'distributed: 2 processes' line"; fails=1; }
[ "$(grep -c '^test: acc' "$WORK/dist.txt")" = 1 ] || { echo "FAIL: not exactly one rank printed the result"; fails=1; }
[ -s "$WORK/m.nnb" ] || { echo "FAIL: rank 0 saved no model"; fails=1; }
# The epoch lines without their timings (samples/s, seconds, ETA), with either progress style.
figures() { tr '\r' '\n' <"$1" | sed -n 's/^\(epoch [0-9]*\/[0-9]*  step [0-9]*\/[0-9]*  loss [0-9.]* (data.*lr [0-9.e-]*\).*/\1/p'; }
figures "$WORK/one.txt" >"$WORK/one.fig"
figures "$WORK/dist.txt" >"$WORK/dist.fig"
if [ ! -s "$WORK/one.fig" ] || ! cmp -s "$WORK/one.fig" "$WORK/dist.fig"; then
    echo "FAIL: the epoch figures differ:"; diff "$WORK/one.fig" "$WORK/dist.fig"; fails=1
fi
cat "$WORK/dist.fig"
[ "$fails" = 0 ] && echo "PASS"
exit "$fails"
