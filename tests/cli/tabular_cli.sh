#!/bin/sh
# SPDX-License-Identifier: MIT
# nnb on tables: train / eval / predict on a small CSV written here (text labels, one of them quoted with a
# comma), classification and regression, feature selection and the stored feature names, missing values
# (an error naming line and column, or skipped and counted), a text-valued feature column (refused with its
# name), NumPy input (.npy pairs and a .npz archive), and a Fashion-MNIST model (synthetic IDX files) that
# takes raw pixel rows through the scaling and class names nnb train stores in it.
# usage: tabular_cli.sh NNB NPY_TOOL MAKE_DATA WORKDIR
set -u
NNB=$1
NPY_TOOL=$2
MAKE_DATA=$3
WORK=$4
rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
cd "$WORK" || exit 1
OUT="$WORK/out.txt"
fails=0
passes=0

# expect STATUS PATTERN ARGS...: runs nnb ARGS, checks the exit status and that stdout+stderr match PATTERN.
expect() {
    want=$1
    pattern=$2
    shift 2
    "$NNB" "$@" >"$OUT" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: nnb $* exited with $got, expected $want"
        sed 's/^/    /' "$OUT"
        fails=$((fails + 1))
        return 1
    fi
    if [ -n "$pattern" ] && ! grep -q -e "$pattern" "$OUT"; then
        echo "FAIL: nnb $*: output does not match '$pattern'"
        sed 's/^/    /' "$OUT"
        fails=$((fails + 1))
        return 1
    fi
    passes=$((passes + 1))
    echo "ok: nnb $*"
    return 0
}

# check CONDITION-TEXT COMMAND...: a shell check that counts as a test.
check() {
    what=$1
    shift
    if "$@"; then
        passes=$((passes + 1))
        echo "ok: $what"
    else
        echo "FAIL: $what"
        fails=$((fails + 1))
    fi
}

# at_least VALUE MIN NAME
at_least() {
    check "$3 = $1 >= $2" awk -v v="$1" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'
}

# Rows first..last of a table: features a, b (informative), c (noise), the class (text; "dark, blue" quoted)
# and a regression target y = 2a - b + 3 (+ a little noise).
make_rows() {
    awk -v first="$1" -v last="$2" 'BEGIN {
        split("red,green,\"dark, blue\"", names, ",");
        names[3] = "\"dark, blue\"";
        for (i = first; i <= last; ++i) {
            k = i % 3;
            a = 2 * k + 0.5 * sin(i * 1.7);
            b = -k + 0.5 * cos(i * 2.3);
            c = sin(i * 0.37);
            y = 2 * a - b + 3 + 0.05 * sin(i * 5.1);
            printf "%.5f,%.5f,%.5f,%s,%.5f\n", a, b, c, names[k + 1], y;
        }
    }'
}
{ echo "a,b,c,color,y"; make_rows 0 179; } >train.csv
{ echo "a,b,c,color,y"; make_rows 180 239; } >test.csv

# ---- classification with text labels ----
expect 0 "validation: acc" train --data train.csv --label color --features a,b,c --standardize --val-split 0.2 \
    --layers 16 --epochs 60 --batch 16 --seed 1 --save cls.nnb
acc=$(sed -n 's/^validation: acc \([0-9.]*\),.*/\1/p' "$OUT")
at_least "$acc" 0.9 "validation accuracy"
expect 0 "^test: acc" eval --model cls.nnb --data test.csv --label color
acc=$(sed -n 's/^test: acc \([0-9.]*\),.*/\1/p' "$OUT")
at_least "$acc" 0.9 "test accuracy"
expect 0 "wrote 60 predictions" predict --model cls.nnb --data test.csv --output pred.csv
check "predictions header names the classes" grep -qx 'row,class,name,p_red,p_green,"p_dark, blue"' pred.csv
check "one line per row" test "$(wc -l <pred.csv)" -eq 61
# Rows 180, 181, 182 are classes 0, 1, 2 (red, green, "dark, blue").
check "predicted names" sh -c 'sed -n 2,4p pred.csv | cut -d, -f2,3 | tr "\n" ";" | grep -qx "0,red;1,green;2,\"dark;"'
# The stored feature names find the columns in another order; the label column is not needed.
awk -F, 'BEGIN { OFS = "," } { print $3, $2, $1 }' test.csv >reordered.csv
expect 0 "" predict --model cls.nnb --data reordered.csv --output pred2.csv
check "column order does not matter" cmp -s pred.csv pred2.csv
expect 0 "^0,0,red," predict --model cls.nnb --data test.csv
expect 1 "no column is named 'colour'" train --data train.csv --label colour --features a,b
expect 1 "no column is named 'zz' (a feature column given with --features)" train --data train.csv --label color \
    --features a,zz
cut -d, -f1,2 test.csv >two.csv
expect 1 "two.csv: no column is named 'c' (a feature column of the model)" predict --model cls.nnb --data two.csv
expect 0 "holds 180 distinct numbers.*--task regression" train --data train.csv --label a --features b,c --epochs 1
{ echo "a,b,c,color"; echo "1,2,3,purple"; } >wrong.csv
expect 1 "label 'purple' is not one of the model's classes" eval --model cls.nnb --data wrong.csv --label color

# ---- a text-valued feature column is refused with its name (no one-hot encoding) ----
expect 1 "line 2, column 4 ('color'): not a number.*string-valued feature column is not supported" \
    train --data train.csv --label y --task regression

# ---- missing values ----
sed -e '4s/^[^,]*,/,/' -e '7s/^\([^,]*\),[^,]*,/\1,NA,/' -e '9s/,[^,]*,\([^,]*\),\([^,]*\)$/,NaN,\1,\2/' train.csv \
    >missing.csv
expect 1 "missing.csv line 4, column 1 ('a'): empty cell" train --data missing.csv --label color --features a,b,c
expect 1 "missing.csv line 4, column 1 ('a'): empty cell.*--skip-missing" train --data missing.csv --label color \
    --features a,b,c
expect 0 "skipped 3 rows with missing values" train --data missing.csv --label color --features a,b,c \
    --skip-missing --epochs 2 --quiet
expect 0 "data: missing.csv, 177 rows of 3 features" train --data missing.csv --label color --features a,b,c \
    --skip-missing --epochs 2
sed '5s/^[^,]*,/x1,/' train.csv >text.csv
expect 1 "text.csv line 5, column 1 ('a'): not a number" train --data text.csv --label color --features a,b,c \
    --skip-missing

# ---- regression ----
expect 0 "validation: mse" train --data train.csv --label y --features a,b,c --task regression --standardize \
    --val-split 0.2 --layers 16 --epochs 200 --batch 16 --lr 0.01 --save reg.nnb
expect 0 "^test: mse" eval --model reg.nnb --data test.csv --label y
r2=$(sed -n 's/^test: mse [^,]*, mae [^,]*, r2 \([-0-9.]*\) .*/\1/p' "$OUT")
at_least "$r2" 0.95 "regression test R^2"
expect 0 "" predict --model reg.nnb --data test.csv --output values.csv
check "regression predictions: row,value" sh -c 'head -1 values.csv | grep -qx "row,value" && test $(wc -l <values.csv) -eq 61'
expect 2 "--class-names applies to classification only" train --data train.csv --label y --task regression \
    --class-names a,b

# ---- NumPy input ----
expect 0 "" predict --model cls.nnb --data train.csv --output probs.npy
expect 0 "" predict --model reg.nnb --data train.csv --output yhat.npy
# int32 labels (180 rows: i % 3) as .npy: magic, version 1.0, header length 118, the dict padded to 128 bytes.
{
    printf '\223NUMPY\001\000\166\000'
    printf "%-117s\n" "{'descr': '<i4', 'fortran_order': False, 'shape': (180,), }"
    i=0
    while [ $i -lt 180 ]; do
        printf "\\00$((i % 3))\\000\\000\\000"
        i=$((i + 1))
    done
} >labels.npy
expect 0 "data: probs.npy, 180 rows of 3 features" train --data probs.npy --labels labels.npy --epochs 50 \
    --layers 8 --save npy.nnb
expect 0 "^test: acc 1.0000" eval --model npy.nnb --data probs.npy --labels labels.npy
expect 2 "--labels y.npy is required" train --data probs.npy
if "$NPY_TOOL" npz data.npz x probs.npy y yhat.npy >/dev/null; then
    expect 0 "data: data.npz, 180 rows of 3 features, regression target" train --data data.npz --task regression \
        --epochs 5
else
    echo "FAIL: npy_tool could not write data.npz"
    fails=$((fails + 1))
fi

# ---- a Fashion-MNIST model takes raw pixels (0..255): the stored (p - 127.5) / 127.5 and class names ----
mkdir -p fashion
if "$MAKE_DATA" fashion >/dev/null; then
    expect 0 "^test: acc" train --data fashion-mnist --dir fashion --layers 32 --epochs 10 --batch 16 --save f.nnb \
        --quiet
    # The synthetic classes: 0 bright top half, 1 bright left half, 2 bright centre square.
    awk 'BEGIN { for (r = 0; r < 3; ++r) { line = ""; for (i = 0; i < 784; ++i) {
        x = i % 28; y = (i - x) / 28;
        v = r == 0 ? (y < 14) : r == 1 ? (x < 14) : (x >= 9 && x < 19 && y >= 9 && y < 19);
        line = line (i ? "," : "") (v ? 255 : 0) } print line } }' >pixels.csv
    expect 0 "^0,0,T-shirt/top," predict --model f.nnb --data pixels.csv --no-header
    check "raw pixels: Trouser and Pullover too" sh -c "grep -q \"^1,1,Trouser,\" $OUT && grep -q \"^2,2,Pullover,\" $OUT"
    check "raw pixels: header names the classes" grep -q "^row,class,name,p_T-shirt/top,p_Trouser," "$OUT"
else
    echo "FAIL: nnb_cli_make_data could not write the IDX files"
    fails=$((fails + 1))
fi

# ---- usage ----
expect 2 "--label COLUMN is required" train --data train.csv
expect 2 "--model is required" eval --data test.csv --label color
expect 2 "--standardize and --minmax exclude each other" train --data train.csv --label color --standardize --minmax
expect 2 "--task: 'clustering'" train --data train.csv --label color --task clustering
expect 0 "usage: nnb train --data FILE.csv" train --data train.csv --help
expect 1 "cannot read nothere.csv" train --data nothere.csv --label color
expect 1 "is a directory" train --data train.csv --label color --save "$WORK"

# Training curves of a table (a PPM by name: its header and length).
expect 0 "wrote the training curves to curves.ppm (PPM" train --data train.csv --label color --features a,b,c \
    --val-split 0.2 --layers 8 --epochs 5 --plot curves.ppm
if [ "$(head -c 15 curves.ppm | od -An -c | tr -d ' \n')" = 'P6\n800450\n255\n' ] &&
    [ "$(wc -c <curves.ppm)" -eq $((15 + 800 * 450 * 3)) ]; then
    passes=$((passes + 1))
else
    echo "FAIL: curves.ppm lacks the P6 800 x 450 header or its pixels"
    fails=$((fails + 1))
fi
expect 2 "unknown option '--plot'" eval --model cls.nnb --data test.csv --label color --plot c.ppm

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
