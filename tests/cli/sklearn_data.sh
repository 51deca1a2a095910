#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the README's "Your own data with nnb" commands as they stand (the fenced block after the
# 'your-own-data' marker) on the real iris and diabetes tables of Debian's python3-sklearn, with
# build/tools/nnb/nnb pointing at the nnb under test, and checks the test results against floors derived
# from the scikit-learn baselines (tests/reference/tabular_baseline.py: iris LogisticRegression accuracy
# 0.9333 on 30 test rows, diabetes LinearRegression R^2 0.4475): iris accuracy >= 0.86 (at most 4 of the 30
# rows wrong, two more than the baseline's 2), diabetes R^2 >= 0.40. Skipped (77) without the data.
# usage: sklearn_data.sh NNB README WORKDIR
set -u
NNB=$1
README=$2
WORK=$3
D=/usr/lib/python3/dist-packages/sklearn/datasets/data
if [ ! -f "$D/iris.csv" ] || [ ! -f "$D/diabetes_data_raw.csv.gz" ]; then
    echo "python3-sklearn's data files are not in $D: skipped"
    exit 77
fi
rm -rf "$WORK"
mkdir -p "$WORK/build/tools/nnb" || exit 1
ln -s "$NNB" "$WORK/build/tools/nnb/nnb" || exit 1
awk '/<!-- your-own-data/ { found = 1; next }
     found && /^```sh$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$README" >"$WORK/commands.sh"
if ! grep -q "nnb train" "$WORK/commands.sh"; then
    echo "FAIL: no command block after the your-own-data marker in $README"
    exit 1
fi
cd "$WORK" || exit 1
sh -e commands.sh >output.txt 2>&1
rc=$?
cat output.txt
if [ "$rc" -ne 0 ]; then
    echo "FAIL: the README's commands exited with $rc"
    exit 1
fi
acc=$(sed -n 's/^test: acc \([0-9.]*\),.*(30 rows)$/\1/p' output.txt)
r2=$(sed -n 's/^test: mse [^,]*, mae [^,]*, r2 \([-0-9.]*\) (88 rows)$/\1/p' output.txt)
fails=0
awk -v v="$acc" 'BEGIN { exit !(v != "" && v + 0 >= 0.86) }' || { echo "FAIL: iris test accuracy '$acc' < 0.86"; fails=1; }
awk -v v="$r2" 'BEGIN { exit !(v != "" && v + 0 >= 0.40) }' || { echo "FAIL: diabetes test R^2 '$r2' < 0.40"; fails=1; }
head -1 iris-predictions.csv | grep -qx "row,class,name,p_setosa,p_versicolor,p_virginica" ||
    { echo "FAIL: iris-predictions.csv header"; fails=1; }
[ "$(wc -l <iris-predictions.csv)" -eq 31 ] || { echo "FAIL: iris-predictions.csv does not have 30 rows"; fails=1; }
[ "$(wc -l <diabetes-predictions.csv)" -eq 89 ] || { echo "FAIL: diabetes-predictions.csv does not have 88 rows"; fails=1; }
[ "$fails" -eq 0 ] && echo "README data examples passed: iris test accuracy $acc, diabetes test R^2 $r2"
exit "$fails"
