#!/bin/sh
# SPDX-License-Identifier: MIT
# One short training epoch on the real Fashion-MNIST files, then eval and predict. Skipped (exit 77) when the
# data set is not installed, so that CI never depends on it.
# usage: fashion_smoke.sh NNB WORKDIR
set -u
NNB=$1
WORK=$2
DIR=/usr/share/datasets/fashion-mnist
if [ ! -d "$DIR" ]; then
    echo "Fashion-MNIST is not installed in $DIR: skipped"
    exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
"$NNB" train --data fashion-mnist --dir "$DIR" --layers 64 --epochs 1 --batch 128 --limit 12000 \
    --save "$WORK/smoke.nnb" >"$WORK/train.txt" 2>&1 || {
    cat "$WORK/train.txt"
    # Compressed files and a build without zlib: nothing to test here.
    grep -q "this nnb was built without zlib" "$WORK/train.txt" && exit 77
    exit 1
}
cat "$WORK/train.txt"
acc=$(sed -n 's/^test: acc \([0-9.]*\),.*/\1/p' "$WORK/train.txt")
awk -v a="$acc" 'BEGIN { exit !(a + 0 >= 0.7) }' || { echo "FAIL: test accuracy '$acc' below 0.7"; exit 1; }
"$NNB" eval --model "$WORK/smoke.nnb" --data fashion-mnist --dir "$DIR" || exit 1
"$NNB" predict --model "$WORK/smoke.nnb" --idx-index 0 --dir "$DIR" | grep -q "^prediction: " || exit 1
echo "fashion smoke test passed (test accuracy $acc)"
