# SPDX-License-Identifier: MIT
"""scikit-learn baselines for the README's "Your own data" examples.

Reads the data files Debian's python3-sklearn installs, splits them exactly as the README's awk lines do
(every fifth data row, data rows 4, 9, 14, ... counting from 0, is a test row; the others train), and
prints the test accuracy of a standardized LogisticRegression on iris and wine and the test MSE, MAE and
R^2 of a LinearRegression on diabetes.

Run with Debian's interpreter: /usr/bin/python3 tests/reference/tabular_baseline.py
Exits with 77 when scikit-learn or its data files are missing.
"""
import gzip
import os
import sys

DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data"


def split(rows):
    test = [r for i, r in enumerate(rows) if i % 5 == 4]
    train = [r for i, r in enumerate(rows) if i % 5 != 4]
    return train, test


def read_counted_csv(name):
    # First line: sample count, feature count, class names. Then features and the class index per line.
    with open(os.path.join(DATA, name)) as f:
        lines = f.read().split("\n")[1:]
    return [[float(v) for v in line.split(",")] for line in lines if line.strip()]


def classification(name):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, test = split(read_counted_csv(name))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    model.fit([r[:-1] for r in train], [int(r[-1]) for r in train])
    acc = model.score([r[:-1] for r in test], [int(r[-1]) for r in test])
    print("%s: LogisticRegression (standardized) test acc %.4f (%d train, %d test rows)" % (name, acc, len(train), len(test)))


def regression():
    from sklearn.linear_model import LinearRegression
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    with gzip.open(os.path.join(DATA, "diabetes_data_raw.csv.gz"), "rt") as f:
        x = [[float(v) for v in line.split()] for line in f if line.strip()]
    with gzip.open(os.path.join(DATA, "diabetes_target.csv.gz"), "rt") as f:
        y = [float(line) for line in f if line.strip()]
    rows = [a + [b] for a, b in zip(x, y)]
    train, test = split(rows)
    model = LinearRegression().fit([r[:-1] for r in train], [r[-1] for r in train])
    pred = model.predict([r[:-1] for r in test])
    truth = [r[-1] for r in test]
    print("diabetes: LinearRegression test mse %.2f, mae %.2f, r2 %.4f (%d train, %d test rows)"
          % (mean_squared_error(truth, pred), mean_absolute_error(truth, pred), r2_score(truth, pred),
             len(train), len(test)))


def main():
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is not installed (apt-get install python3-sklearn): skipped")
        return 77
    if not os.path.isdir(DATA):
        print("no data in %s: skipped" % DATA)
        return 77
    classification("iris.csv")
    classification("wine_data.csv")
    regression()
    return 0


if __name__ == "__main__":
    sys.exit(main())
