/* SPDX-License-Identifier: MIT */
/*
 * Forward activations (lessons 5 and 6): ReLU element by element, softmax row by row against the
 * published single-row example (lessons.json softmax_single), hand-derived rows (equal values, huge
 * magnitudes, -inf entries), a double-precision softmax computed here, in-place use, and the errors
 * (shape, NULL, NaN / +inf) that leave the output untouched.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* ---- ReLU --------------------------------------------------------------------------------------------- */

static void test_relu_zeroes_negatives_and_keeps_positives(void **state)
{
    (void)state;
    const float x[8] = {-2.0f, -0.5f, 0.0f, 0.25f, 3.0f, -1e30f, 1e30f, -1e-40f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 2, 4, x));
    assert_ok(nnb_tensor_create(&out, 2, 4));
    assert_ok(nnb_tensor_fill(out, 9.0f));
    assert_ok(nnb_relu_forward(in, out));
    /* max(0, x) by hand; the subnormal -1e-40 is negative, so 0. */
    const float expected[8] = {0.0f, 0.0f, 0.0f, 0.25f, 3.0f, 0.0f, 1e30f, 0.0f};
    for (size_t i = 0; i < 8; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == expected[i]);
    }
    /* The input is not modified. */
    assert_memory_equal(nnb_tensor_cdata(in), x, sizeof x);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_relu_passes_nan_and_infinities(void **state)
{
    (void)state;
    const float x[3] = {NAN, INFINITY, -INFINITY};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 3, x));
    assert_ok(nnb_tensor_create(&out, 1, 3));
    assert_ok(nnb_relu_forward(in, out));
    assert_true(isnan(nnb_tensor_cdata(out)[0]));
    assert_true(nnb_tensor_cdata(out)[1] == INFINITY);
    assert_true(nnb_tensor_cdata(out)[2] == 0.0f);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_relu_in_place(void **state)
{
    (void)state;
    const float x[4] = {-1.0f, 2.0f, -3.0f, 4.0f};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 2, x));
    assert_ok(nnb_relu_forward(t, t));
    const float expected[4] = {0.0f, 2.0f, 0.0f, 4.0f};
    assert_memory_equal(nnb_tensor_cdata(t), expected, sizeof expected);
    nnb_tensor_destroy(t);
}

static void test_relu_errors_leave_output_untouched(void **state)
{
    (void)state;
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create(&in, 2, 3));
    assert_ok(nnb_tensor_create(&out, 3, 2));
    assert_ok(nnb_tensor_fill(out, 4.0f));
    assert_status(nnb_relu_forward(in, out), NNB_ERR_SHAPE);
    assert_status(nnb_relu_forward(NULL, out), NNB_ERR_NULL);
    assert_status(nnb_relu_forward(in, NULL), NNB_ERR_NULL);
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == 4.0f);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

/* ---- softmax ------------------------------------------------------------------------------------------ */

/* Softmax of one row in double precision (different code path: exp of the raw difference, long sum). */
static void softmax_double(const float *x, size_t n, double *p)
{
    double m = -INFINITY;
    for (size_t j = 0; j < n; ++j) {
        m = fmax(m, (double)x[j]);
    }
    double s = 0.0;
    for (size_t j = 0; j < n; ++j) {
        p[j] = exp((double)x[j] - m);
        s += p[j];
    }
    for (size_t j = 0; j < n; ++j) {
        p[j] /= s;
    }
}

static void test_softmax_single_row_matches_published(void **state)
{
    (void)state;
    /* lessons.json softmax_single */
    const float x[3] = {4.8f, 1.21f, 2.385f};
    const double published[3] = {0.8952826639572619, 0.02470830678209937, 0.08000902926063869};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 3, x));
    assert_ok(nnb_tensor_create(&out, 1, 3));
    assert_ok(nnb_softmax_forward(in, out));
    for (size_t j = 0; j < 3; ++j) {
        /* float32 exp / division: a few ulp (reference notes: relative 3e-7); 1e-6 allowed. */
        assert_close(nnb_tensor_cdata(out)[j], published[j], 1e-6, 0.0);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_rows_sum_to_one(void **state)
{
    (void)state;
    /* 64 rows of 10 values spread over [-20, 20), from a fixed linear congruential sequence. */
    enum { ROWS = 64, COLS = 10 };
    static float x[ROWS * COLS];
    uint32_t s = 12345u;
    for (size_t i = 0; i < ROWS * COLS; ++i) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((double)(s >> 8) / 16777216.0 * 40.0 - 20.0);
    }
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, ROWS, COLS, x));
    assert_ok(nnb_tensor_create(&out, ROWS, COLS));
    assert_ok(nnb_softmax_forward(in, out));
    const float *p = nnb_tensor_cdata(out);
    for (size_t r = 0; r < ROWS; ++r) {
        double sum = 0.0, ref[COLS];
        softmax_double(x + r * COLS, COLS, ref);
        for (size_t j = 0; j < COLS; ++j) {
            float v = p[r * COLS + j];
            assert_true(v >= 0.0f && v <= 1.0f);
            sum += (double)v;
            assert_close(v, ref[j], 1e-5, 1e-12);
        }
        assert_close(sum, 1.0, 0.0, 1e-6);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_equal_values_give_exact_thirds(void **state)
{
    (void)state;
    /* Every e_j = exp(0) = 1, the sum is 3, each output is fl32(1/3). Also for a large common value. */
    const float x[6] = {5.0f, 5.0f, 5.0f, -1e30f, -1e30f, -1e30f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 2, 3, x));
    assert_ok(nnb_tensor_create(&out, 2, 3));
    assert_ok(nnb_softmax_forward(in, out));
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(float_bits(nnb_tensor_cdata(out)[i]), float_bits(1.0f / 3.0f));
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_huge_magnitudes_do_not_overflow(void **state)
{
    (void)state;
    /* Row 0: max 1e30 -> exp(0) = 1, exp(-2e30) = exp(-1e30) = 0, so (1, 0, 0).
     * Row 1: max 1e30 shared by two entries -> (0.5, 0.5, 0) (exp(-1e30) = 0).
     * Row 2: a -inf entry has probability 0: (0, 1/(1+e^-1), e^-1/(1+e^-1)) with x = (-inf, 1, 0). */
    const float x[9] = {1e30f, -1e30f, 0.0f, 1e30f, 1e30f, 0.0f, -INFINITY, 1.0f, 0.0f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 3, 3, x));
    assert_ok(nnb_tensor_create(&out, 3, 3));
    assert_ok(nnb_softmax_forward(in, out));
    const float *p = nnb_tensor_cdata(out);
    assert_true(p[0] == 1.0f && p[1] == 0.0f && p[2] == 0.0f);
    assert_true(p[3] == 0.5f && p[4] == 0.5f && p[5] == 0.0f);
    assert_true(p[6] == 0.0f);
    double e1 = exp(-1.0);
    assert_close(p[7], 1.0 / (1.0 + e1), 1e-6, 0.0);
    assert_close(p[8], e1 / (1.0 + e1), 1e-6, 0.0);
    for (size_t i = 0; i < 9; ++i) {
        assert_true(isfinite(p[i]));
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_batch_of_one_and_single_column(void **state)
{
    (void)state;
    /* One column: every row is exactly 1. */
    const float col[4] = {-3.0f, 0.0f, 7.5f, 1e30f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 4, 1, col));
    assert_ok(nnb_tensor_create(&out, 4, 1));
    assert_ok(nnb_softmax_forward(in, out));
    for (size_t i = 0; i < 4; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == 1.0f);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
    /* Batch of one with two values: (0, ln 3) -> (1/4, 3/4) since exp(ln 3) = 3. */
    const float two[2] = {0.0f, (float)log(3.0)};
    assert_ok(nnb_tensor_create_from(&in, 1, 2, two));
    assert_ok(nnb_tensor_create(&out, 1, 2));
    assert_ok(nnb_softmax_forward(in, out));
    assert_close(nnb_tensor_cdata(out)[0], 0.25, 1e-6, 0.0);
    assert_close(nnb_tensor_cdata(out)[1], 0.75, 1e-6, 0.0);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_is_shift_invariant_per_row(void **state)
{
    (void)state;
    /* Row 1 is row 0 plus 100 (exactly representable shifts): the outputs agree within float rounding. */
    const float x[8] = {0.5f, -1.25f, 2.0f, 0.0f, 100.5f, 98.75f, 102.0f, 100.0f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 2, 4, x));
    assert_ok(nnb_tensor_create(&out, 2, 4));
    assert_ok(nnb_softmax_forward(in, out));
    for (size_t j = 0; j < 4; ++j) {
        /* x - max is computed exactly in float32 for both rows, so the results are identical. */
        assert_true(nnb_tensor_cdata(out)[j] == nnb_tensor_cdata(out)[4 + j]);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_softmax_in_place(void **state)
{
    (void)state;
    const float x[3] = {4.8f, 1.21f, 2.385f};
    nnb_tensor *t = NULL, *in = NULL, *ref = NULL;
    assert_ok(nnb_tensor_create_from(&t, 1, 3, x));
    assert_ok(nnb_tensor_create_from(&in, 1, 3, x));
    assert_ok(nnb_tensor_create(&ref, 1, 3));
    assert_ok(nnb_softmax_forward(in, ref));
    assert_ok(nnb_softmax_forward(t, t));
    assert_memory_equal(nnb_tensor_cdata(t), nnb_tensor_cdata(ref), 3 * sizeof(float));
    nnb_tensor_destroy(t);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(ref);
}

static void test_softmax_nonfinite_input_leaves_output_untouched(void **state)
{
    (void)state;
    const float bad_rows[4][3] = {
        {1.0f, NAN, 0.0f},
        {INFINITY, 1.0f, 0.0f},
        {-INFINITY, -INFINITY, -INFINITY}, /* no finite maximum */
        {NAN, NAN, NAN},
    };
    for (size_t b = 0; b < 4; ++b) {
        /* The bad row comes second, so a partial write of the good first row would show. */
        float x[6] = {0.1f, 0.2f, 0.3f, bad_rows[b][0], bad_rows[b][1], bad_rows[b][2]};
        nnb_tensor *in = NULL, *out = NULL;
        assert_ok(nnb_tensor_create_from(&in, 2, 3, x));
        assert_ok(nnb_tensor_create(&out, 2, 3));
        assert_ok(nnb_tensor_fill(out, 7.0f));
        assert_status(nnb_softmax_forward(in, out), NNB_ERR_NONFINITE);
        for (size_t i = 0; i < 6; ++i) {
            assert_true(nnb_tensor_cdata(out)[i] == 7.0f);
        }
        /* In place: the input is left as it was. */
        assert_status(nnb_softmax_forward(in, in), NNB_ERR_NONFINITE);
        assert_true(nnb_tensor_cdata(in)[0] == 0.1f);
        nnb_tensor_destroy(in);
        nnb_tensor_destroy(out);
    }
}

static void test_softmax_shape_and_null_errors(void **state)
{
    (void)state;
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create(&in, 2, 3));
    assert_ok(nnb_tensor_create(&out, 2, 2));
    assert_ok(nnb_tensor_fill(out, 7.0f));
    assert_status(nnb_softmax_forward(in, out), NNB_ERR_SHAPE);
    assert_status(nnb_softmax_forward(NULL, out), NNB_ERR_NULL);
    assert_status(nnb_softmax_forward(in, NULL), NNB_ERR_NULL);
    for (size_t i = 0; i < 4; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == 7.0f);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relu_zeroes_negatives_and_keeps_positives),
        cmocka_unit_test(test_relu_passes_nan_and_infinities),
        cmocka_unit_test(test_relu_in_place),
        cmocka_unit_test(test_relu_errors_leave_output_untouched),
        cmocka_unit_test(test_softmax_single_row_matches_published),
        cmocka_unit_test(test_softmax_rows_sum_to_one),
        cmocka_unit_test(test_softmax_equal_values_give_exact_thirds),
        cmocka_unit_test(test_softmax_huge_magnitudes_do_not_overflow),
        cmocka_unit_test(test_softmax_batch_of_one_and_single_column),
        cmocka_unit_test(test_softmax_is_shift_invariant_per_row),
        cmocka_unit_test(test_softmax_in_place),
        cmocka_unit_test(test_softmax_nonfinite_input_leaves_output_untouched),
        cmocka_unit_test(test_softmax_shape_and_null_errors),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
