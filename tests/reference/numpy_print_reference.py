# SPDX-License-Identifier: MIT
"""Prints how numpy formats the float32 arrays used by tests/test_tensor.c (default print options).

Run: python3 tests/reference/numpy_print_reference.py
Each block is the repr of one case, between the case name and an END marker, so that the text can be
pasted into the C test as a string literal.
"""
import numpy as np

CASES = [
    ("lesson2_vector", [4.8, 1.21, 2.385]),
    ("tiny_vector", [0.0, 0.00011395361]),
    ("zeros_vector", [0.0, 0.0, 0.0]),
    ("integers_vector", [1.0, -2.0, 30.0]),
    ("mixed_sign_vector", [-1.5, 0.25, 100.0]),
    ("large_vector", [1e8, 1.0]),
    ("wide_ratio_vector", [1000.5, 0.5]),
    ("long_vector", [1.5] * 20),
    ("precision_vector", [0.1, 1.0 / 3.0]),
    ("special_vector", [float("nan"), 1.0, float("-inf")]),
    ("eight_digit_vector", [0.0012345678, 0.5]),
    ("small_scientific_vector", [1e-5, 1.0]),
    ("negative_scientific_vector", [-2.5e-7, 3.0, 0.0]),
    ("width_five_wrap_vector", [12.25] * 14),
    # Thresholds of the positional / scientific choice.
    ("threshold_1e-4_vector", [0.0001, 0.05]),
    ("threshold_1e-4_one_vector", [0.0001, 1.0]),
    ("negative_zero_vector", [-0.0, 1.5]),
    ("threshold_1e8_vector", [1e8, 1e7]),
    ("ratio_1000_vector", [0.001, 1.0]),
    ("ratio_above_1000_vector", [0.00099999, 1.0]),
    ("ratio_exact_1000_vector", [1.0, 1000.0]),
    ("ratio_1000_1_vector", [1.0, 1000.1]),
    ("nine_digit_vector", [123456789.0]),
    ("subnormal_vector", [1e-45, 1.0]),
    ("float_max_vector", [3.4028235e38]),
    ("long_scientific_vector", [1e-5 * (i + 1) for i in range(12)]),
]

MATRICES = [
    ("spiral_rows", [[0.0, 0.0], [-1.0475188e-04, 1.1395361e-04]]),
    ("lesson4_layer1", [[4.8, 1.21, 2.385], [8.9, -1.81, 0.2], [1.41, 1.051, 0.026]]),
    ("spiral_head", [[0.0, 0.0], [-1.0475188e-04, 1.1395361e-04], [-2.7414842e-03, 1.9876643e-03],
                     [0.5, -0.9]]),
    ("wide_matrix", [[1.5] * 20, [2.25] * 20]),
    ("lesson2_as_matrix", [[4.8, 1.21, 2.385]]),
    ("softmax_uniform", [[1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0], [0.5, 0.25, 0.25]]),
]

for name, values in CASES:
    print(name)
    print(str(np.array(values, dtype=np.float32)))
    print("END")
for name, values in MATRICES:
    print(name)
    print(str(np.array(values, dtype=np.float32)))
    print("END")

# Python's text for single np.float32 scalars (str of the scalar).
for v in [4.8, 1.0986104, 0.1, 1.0, 100.0, 4800.0, 123456.0, 1e-05, 0.0001, 1e16, 1e20, -2.5, 3.4028235e38]:
    print("scalar", repr(v), str(np.float32(v)))
