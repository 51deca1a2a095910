/* SPDX-License-Identifier: MIT */
/*
 * Categorical cross-entropy forward (lessons 7 and 8) and numpy's float32 mean: the published single and
 * batch examples (lessons.json cce_single, cce_batch), sparse and one-hot targets, clipping of exact 0
 * and 1 predictions to the bounds fl32(1e-7) = 0x33d6bf95 and fl32(1 - 1e-7) = 0x3f7ffffe, errors that
 * leave every output untouched, pairwise summation examples derived by hand, and the whole chapter-5
 * pipeline (lessons.json chapter5_spiral_pipeline: loss 1.0986104, accuracy 0.34).
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

static float float_from_bits(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* lessons.json cce_batch */
static const float k_batch_pred[9] = {0.7f, 0.1f, 0.2f, 0.1f, 0.5f, 0.4f, 0.02f, 0.9f, 0.08f};
static const uint32_t k_batch_labels[3] = {0, 1, 1};
static const float k_batch_onehot[9] = {1, 0, 0, 0, 1, 0, 0, 1, 0};

/* ---- published examples ----------------------------------------------------------------------------- */

static void test_cce_single_sample_matches_published(void **state)
{
    (void)state;
    const float p[3] = {0.7f, 0.1f, 0.2f};
    const uint32_t label = 0;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 1, 3, p));
    float per = 0.0f, mean = 0.0f;
    assert_ok(nnb_cce_sparse(pred, &label, 1, &per, &mean));
    /* lessons.json cce_single: -log(0.7) */
    assert_close(per, 0.35667494393873245, 1e-6, 0.0);
    assert_true(mean == per);
    nnb_tensor_destroy(pred);
}

static void test_cce_batch_sparse_matches_published(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_batch_pred));
    float per[3] = {0}, mean = 0.0f;
    assert_ok(nnb_cce_sparse(pred, k_batch_labels, 3, per, &mean));
    /* -log(0.7), -log(0.5), -log(0.9) */
    assert_close(per[0], -log(0.7), 1e-6, 0.0);
    assert_close(per[1], -log(0.5), 1e-6, 0.0);
    assert_close(per[2], -log(0.9), 1e-6, 0.0);
    /* lessons.json cce_batch mean_loss */
    assert_close(mean, 0.38506088005216804, 1e-6, 0.0);
    /* n < 8: the mean is ((0 + l0) + l1) + l2 divided by 3, all in float32. */
    assert_true(mean == ((per[0] + per[1]) + per[2]) / 3.0f);
    nnb_tensor_destroy(pred);
}

static void test_cce_batch_onehot_matches_sparse(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL, *targets = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_batch_pred));
    assert_ok(nnb_tensor_create_from(&targets, 3, 3, k_batch_onehot));
    float per_sparse[3], per_onehot[3], mean_sparse = 0.0f, mean_onehot = 0.0f;
    assert_ok(nnb_cce_sparse(pred, k_batch_labels, 3, per_sparse, &mean_sparse));
    assert_ok(nnb_cce_onehot(pred, targets, per_onehot, &mean_onehot));
    /* sum_j p_ij * t_ij with a one-hot row adds exact zeros to the one selected p: identical results. */
    assert_memory_equal(per_sparse, per_onehot, sizeof per_sparse);
    assert_true(mean_sparse == mean_onehot);
    assert_close(mean_onehot, 0.38506088005216804, 1e-6, 0.0);
    nnb_tensor_destroy(pred);
    nnb_tensor_destroy(targets);
}

static void test_cce_onehot_soft_targets_weight_the_row(void **state)
{
    (void)state;
    /* A target row (0.5, 0.5, 0) gives -log(0.5 * 0.7 + 0.5 * 0.1) = -log(0.4). */
    const float p[3] = {0.7f, 0.1f, 0.2f};
    const float t[3] = {0.5f, 0.5f, 0.0f};
    nnb_tensor *pred = NULL, *targets = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 1, 3, p));
    assert_ok(nnb_tensor_create_from(&targets, 1, 3, t));
    float per = 0.0f;
    assert_ok(nnb_cce_onehot(pred, targets, &per, NULL));
    assert_close(per, -log(0.4), 1e-6, 0.0);
    nnb_tensor_destroy(pred);
    nnb_tensor_destroy(targets);
}

static void test_cce_outputs_are_optional(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_batch_pred));
    float per[3] = {0}, both_mean = 0.0f, only_mean = 0.0f;
    assert_ok(nnb_cce_sparse(pred, k_batch_labels, 3, per, &both_mean));
    float only_per[3] = {0};
    assert_ok(nnb_cce_sparse(pred, k_batch_labels, 3, only_per, NULL));
    assert_ok(nnb_cce_sparse(pred, k_batch_labels, 3, NULL, &only_mean));
    assert_memory_equal(per, only_per, sizeof per);
    assert_true(both_mean == only_mean);
    assert_status(nnb_cce_sparse(pred, k_batch_labels, 3, NULL, NULL), NNB_ERR_NULL);
    nnb_tensor_destroy(pred);
}

static void test_cce_mean_without_buffer_matches_pairwise_of_per_sample(void **state)
{
    (void)state;
    /* 300 rows (pairwise split 144 | 156, 156 -> 72 | 84): the mean computed without a per-sample buffer
     * must equal nnb_mean_f32 of the per-sample losses. */
    enum { N = 300 };
    static float p[N * 3];
    static uint32_t labels[N];
    for (size_t i = 0; i < N; ++i) {
        float a = 0.05f + 0.003f * (float)i;
        p[3 * i] = a;
        p[3 * i + 1] = 1.0f - a - 0.01f;
        p[3 * i + 2] = 0.01f;
        labels[i] = (uint32_t)(i % 3);
    }
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, N, 3, p));
    static float per[N];
    float mean_direct = 0.0f, mean_of_per = 0.0f;
    assert_ok(nnb_cce_sparse(pred, labels, N, per, NULL));
    assert_ok(nnb_cce_sparse(pred, labels, N, NULL, &mean_direct));
    assert_ok(nnb_mean_f32(per, N, &mean_of_per));
    assert_true(mean_direct == mean_of_per);
    double sum = 0.0;
    for (size_t i = 0; i < N; ++i) {
        sum += -log((double)p[3 * i + labels[i]]);
    }
    assert_close(mean_direct, sum / N, 1e-5, 0.0);
    nnb_tensor_destroy(pred);
}

/* ---- clipping ----------------------------------------------------------------------------------------- */

static void test_cce_exact_zero_and_one_are_clipped(void **state)
{
    (void)state;
    const float low = float_from_bits(0x33d6bf95u);  /* fl32(1e-7) = 1.0000000116860974e-07 */
    const float high = float_from_bits(0x3f7ffffeu); /* fl32(1 - 1e-7) = 0.9999998807907104 */
    assert_true((double)low == 1.0000000116860974e-07);
    assert_true((double)high == 0.9999998807907104);
    /* Rows: p = 0 selected, p = 1 selected, p > 1 and p < 0 (not probabilities, still clipped). */
    const float p[8] = {0.0f, 1.0f, 1.0f, 0.0f, 1.5f, -0.5f, -0.5f, 1.5f};
    const uint32_t labels[4] = {0, 0, 0, 0};
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 4, 2, p));
    float per[4], mean = 0.0f;
    assert_ok(nnb_cce_sparse(pred, labels, 4, per, &mean));
    /* -log(low) = 16.118095..., -log(high) = 1.1920929e-07 (float32 log: within 1e-6 relative). */
    assert_close(per[0], -log((double)low), 1e-6, 0.0);
    assert_close(per[1], -log((double)high), 1e-6, 0.0);
    assert_close(per[2], -log((double)high), 1e-6, 0.0);
    assert_close(per[3], -log((double)low), 1e-6, 0.0);
    assert_true(per[1] > 0.0f);
    assert_true(isfinite(mean));
    nnb_tensor_destroy(pred);
}

static void test_cce_onehot_clips_too(void **state)
{
    (void)state;
    const float p[4] = {0.0f, 1.0f, 1.0f, 0.0f};
    const float t[4] = {1.0f, 0.0f, 1.0f, 0.0f};
    nnb_tensor *pred = NULL, *targets = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 2, 2, p));
    assert_ok(nnb_tensor_create_from(&targets, 2, 2, t));
    float per[2];
    assert_ok(nnb_cce_onehot(pred, targets, per, NULL));
    assert_close(per[0], -log(1.0000000116860974e-07), 1e-6, 0.0);
    assert_close(per[1], -log(0.9999998807907104), 1e-6, 0.0);
    nnb_tensor_destroy(pred);
    nnb_tensor_destroy(targets);
}

/* ---- errors ------------------------------------------------------------------------------------------- */

static void test_cce_label_out_of_range_leaves_outputs_untouched(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_batch_pred));
    const uint32_t bad[3][3] = {{0, 1, 3}, {3, 0, 0}, {0, UINT32_MAX, 1}};
    for (size_t b = 0; b < 3; ++b) {
        float per[3] = {-1.0f, -1.0f, -1.0f}, mean = -1.0f;
        assert_status(nnb_cce_sparse(pred, bad[b], 3, per, &mean), NNB_ERR_RANGE);
        assert_true(per[0] == -1.0f && per[1] == -1.0f && per[2] == -1.0f);
        assert_true(mean == -1.0f);
    }
    nnb_tensor_destroy(pred);
}

static void test_cce_shape_null_and_nan_errors(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL, *targets = NULL, *wrong = NULL;
    float p[9];
    memcpy(p, k_batch_pred, sizeof p);
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, p));
    assert_ok(nnb_tensor_create_from(&targets, 3, 3, k_batch_onehot));
    assert_ok(nnb_tensor_create(&wrong, 3, 2));
    float per[3] = {-1.0f, -1.0f, -1.0f}, mean = -1.0f;
    assert_status(nnb_cce_sparse(pred, k_batch_labels, 2, per, &mean), NNB_ERR_SHAPE);
    assert_status(nnb_cce_sparse(NULL, k_batch_labels, 3, per, &mean), NNB_ERR_NULL);
    assert_status(nnb_cce_sparse(pred, NULL, 3, per, &mean), NNB_ERR_NULL);
    assert_status(nnb_cce_onehot(pred, wrong, per, &mean), NNB_ERR_SHAPE);
    assert_status(nnb_cce_onehot(NULL, targets, per, &mean), NNB_ERR_NULL);
    assert_status(nnb_cce_onehot(pred, NULL, per, &mean), NNB_ERR_NULL);
    assert_status(nnb_cce_onehot(pred, targets, NULL, NULL), NNB_ERR_NULL);
    /* A NaN in a selected prediction (row 2, label 1). */
    assert_ok(nnb_tensor_set(pred, 2, 1, NAN));
    assert_status(nnb_cce_sparse(pred, k_batch_labels, 3, per, &mean), NNB_ERR_NONFINITE);
    assert_status(nnb_cce_onehot(pred, targets, per, &mean), NNB_ERR_NONFINITE);
    assert_true(per[0] == -1.0f && per[1] == -1.0f && per[2] == -1.0f && mean == -1.0f);
    nnb_tensor_destroy(pred);
    nnb_tensor_destroy(targets);
    nnb_tensor_destroy(wrong);
}

static void test_cce_sparse_ignores_nan_in_unselected_columns(void **state)
{
    (void)state;
    /* Only p[i, y_i] is read: a NaN elsewhere does not matter. */
    const float p[3] = {0.5f, NAN, 0.25f};
    const uint32_t label = 0;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 1, 3, p));
    float per = 0.0f;
    assert_ok(nnb_cce_sparse(pred, &label, 1, &per, NULL));
    assert_close(per, -log(0.5), 1e-6, 0.0);
    nnb_tensor_destroy(pred);
}

/* ---- numpy's float32 mean ------------------------------------------------------------------------------ */

static void test_mean_f32_short_arrays_add_left_to_right(void **state)
{
    (void)state;
    /* n = 3 < 8: ((0 + 1) + 2^-24) + 2^-24; 1 + 2^-24 is a tie that rounds to even (1), twice, so the
     * sum is 1 and the mean fl32(1/3); the exact mean (1 + 2^-23) / 3 would round higher. */
    const float v[3] = {1.0f, 0x1p-24f, 0x1p-24f};
    float mean = 0.0f;
    assert_ok(nnb_mean_f32(v, 3, &mean));
    assert_true(mean == 1.0f / 3.0f);
}

static void test_mean_f32_uses_eight_partial_sums(void **state)
{
    (void)state;
    /* n = 16: partial sums s_j = v[j] + v[8 + j]. v[0] = 1, the other 15 are 2^-24.
     * Sequentially, every 1 + 2^-24 ties back to 1: sum 1, mean 1/16.
     * Pairwise: s0 = 1 + 2^-24 -> 1 (tie to even); s1..s7 = 2^-23 each.
     * ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)) = ((1 + 2^-23) + 2^-22) + (2^-22 + 2^-22)
     *   = (1 + 3 * 2^-23) + 4 * 2^-23 = 1 + 7 * 2^-23 (all exact), mean = (1 + 7 * 2^-23) / 16 (exact). */
    float v[16];
    v[0] = 1.0f;
    for (size_t i = 1; i < 16; ++i) {
        v[i] = 0x1p-24f;
    }
    float mean = 0.0f;
    assert_ok(nnb_mean_f32(v, 16, &mean));
    const float expected = (1.0f + 7.0f * 0x1p-23f) / 16.0f;
    assert_true(expected == 0x1p-4f + 7.0f * 0x1p-27f);
    assert_true(mean == expected);
    /* And it is not the sequential result. */
    assert_true(mean != 1.0f / 16.0f);
}

static void test_mean_f32_splits_long_arrays(void **state)
{
    (void)state;
    /* n = 136 > 128: split at floor(136 / 2) rounded down to a multiple of 8 = 64, parts 64 | 72.
     * v[0] = 2^24, all others 1. Left part (64): s0 = 2^24 + 1 + ... (7 ones) stays 2^24 (each + 1 is a
     * tie to even); s1..s7 = 8 each; combined ((2^24 + 8) + 16) + 32 = 2^24 + 56 (exact, even).
     * Right part (72): partial sums of 9 ones each = 72 exactly. Total 2^24 + 128; mean fl32(that / 136).
     * Sequential summation would give 2^24 (every + 1 lost). */
    static float v[136];
    v[0] = 16777216.0f;
    for (size_t i = 1; i < 136; ++i) {
        v[i] = 1.0f;
    }
    float mean = 0.0f;
    assert_ok(nnb_mean_f32(v, 136, &mean));
    const float total = 16777216.0f + 56.0f + 72.0f;
    assert_true(mean == total / 136.0f);
    assert_true(mean != 16777216.0f / 136.0f);
}

/*
 * numpy's float32 pairwise summation (numpy/core/src/umath/loops_utils.h.src, pairwise_sum), written out
 * again here with the leaf size as a parameter: fewer than 8 values are added left to right; up to `leaf`
 * values go into 8 interleaved partial sums, combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the rest left to
 * right; longer arrays split at n / 2 rounded down to a multiple of 8. numpy's leaf is 128.
 */
static float numpy_pairwise(const float *x, size_t n, size_t leaf)
{
    if (n < 8) {
        float s = 0.0f;
        for (size_t i = 0; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    if (n <= leaf) {
        float r[8];
        memcpy(r, x, sizeof r);
        size_t i;
        for (i = 8; i < n - n % 8; i += 8) {
            for (size_t j = 0; j < 8; ++j) {
                r[j] += x[i + j];
            }
        }
        float s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    size_t n2 = n / 2;
    n2 -= n2 % 8;
    return numpy_pairwise(x, n2, leaf) + numpy_pairwise(x + n2, n - n2, leaf);
}

/* numpy's reduction hands the array to pairwise summation in blocks of its buffer size, 8192 elements, and
 * adds the blocks' sums in order to an accumulator starting at 0 (numpy's reduction buffering). */
static float numpy_blocked_sum(const float *x, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i += 8192) {
        acc += numpy_pairwise(x + i, n - i < 8192 ? n - i : 8192, 128);
    }
    return acc;
}

static uint32_t g_pw_lcg = 12u; /* a seed whose data tells leaves of 127, 128 and 129 apart */

/* Positive values m * 2^e, m in [1, 2), e in [-12, 12]: sums of these depend on the order of the additions. */
static float wide_range_value(void)
{
    g_pw_lcg = g_pw_lcg * 1664525u + 1013904223u;
    float m = 1.0f + (float)(g_pw_lcg >> 9) / 8388608.0f;
    g_pw_lcg = g_pw_lcg * 1664525u + 1013904223u;
    int e = (int)((g_pw_lcg >> 8) % 25u) - 12;
    return ldexpf(m, e);
}

static void test_mean_f32_and_loss_means_follow_numpy_pairwise_order_bit_for_bit(void **state)
{
    (void)state;
    /* Around the leaf size (127, 128, 129), two leaves (256), one buffer (8192) and one, two and three
     * buffers plus one (8193, 16385, 24577). */
    static const size_t sizes[] = {127, 128, 129, 256, 8192, 8193, 16385, 24577};
    enum { MAX = 24577 };
    size_t blocks_matter = 0;
    static float x[MAX], zeros[MAX];
    for (size_t i = 0; i < MAX; ++i) {
        x[i] = wide_range_value();
    }
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; ++s) {
        const size_t n = sizes[s];
        const float sum = numpy_blocked_sum(x, n);
        const float want = sum / (float)n;

        /* The data makes the order visible: a leaf of 127 or 129, or plain left-to-right addition, would
         * give a different sum (checked so that a change of the values cannot silently weaken the test). */
        float sequential = 0.0f;
        for (size_t i = 0; i < n; ++i) {
            sequential += x[i];
        }
        assert_true(sequential != sum);
        if (n == 128) {
            assert_true(numpy_pairwise(x, n, 127) != sum);
        }
        if (n == 129) {
            assert_true(numpy_pairwise(x, n, 129) != sum);
        }

        float total = 0.0f;
        assert_ok(nnb_sum_f32(x, n, &total));
        if (total != sum) {
            fail_msg("nnb_sum_f32 of %zu values: %.9g, numpy %.9g", n, (double)total, (double)sum);
        }
        float mean = 0.0f;
        assert_ok(nnb_mean_f32(x, n, &mean));
        if (mean != want) {
            fail_msg("nnb_mean_f32 of %zu values: %.9g, numpy %.9g", n, (double)mean, (double)want);
        }
        /* The losses' mean without a per-sample buffer: n samples of one output (MAE against 0 is |x| = x)... */
        nnb_tensor *pred = NULL, *target = NULL;
        assert_ok(nnb_tensor_wrap(&pred, n, 1, x));
        assert_ok(nnb_tensor_wrap(&target, n, 1, zeros));
        mean = 0.0f;
        assert_ok(nnb_mae(pred, target, NULL, &mean));
        if (mean != want) {
            fail_msg("MAE mean over %zu samples: %.9g, numpy %.9g", n, (double)mean, (double)want);
        }
        /* ... and one sample of n outputs (the per-sample mean over the row). */
        assert_ok(nnb_tensor_rewrap(pred, 1, n, x));
        assert_ok(nnb_tensor_rewrap(target, 1, n, zeros));
        mean = 0.0f;
        assert_ok(nnb_mae(pred, target, NULL, &mean));
        if (mean != want) {
            fail_msg("MAE mean over %zu outputs: %.9g, numpy %.9g", n, (double)mean, (double)want);
        }
        nnb_tensor_destroy(pred);
        nnb_tensor_destroy(target);
    }
    /* The blocks matter for this data: pairwise summation over the whole array gives another sum for some
     * of the lengths 8193 .. 24577 (so that the test tells the two methods apart). */
    for (size_t n = 8193; n <= MAX; n += 61) {
        blocks_matter += numpy_pairwise(x, n, 128) != numpy_blocked_sum(x, n);
    }
    assert_true(blocks_matter > 0);
}

/* The cross-entropy's log is the mode's: numpy's in NUMPY mode, the correctly rounded one in REFERENCE mode.
 * -log(fl32(1 - 1e-7)) = -log(1 - 2^-23) = 2^-23 (1 + 2^-24 + ...), which rounds up to 0x34000001 (what numpy
 * prints as well); the C library's logf gives 0x34000000. The binary cross-entropy of the same prediction
 * with target 1 is the same value. */
static void test_cce_and_bce_use_the_modes_log(void **state)
{
    (void)state;
    const nnb_arithmetic modes[2] = {NNB_ARITHMETIC_REFERENCE, NNB_ARITHMETIC_NUMPY};
    const nnb_arithmetic saved = nnb_get_arithmetic();
    float p[2] = {float_from_bits(0x3f7ffffeu), 0.0f};
    float onehot[2] = {1.0f, 0.0f};
    const uint32_t label = 0;
    for (size_t m = 0; m < 2; ++m) {
        assert_ok(nnb_set_arithmetic(modes[m]));
        nnb_tensor *pred = NULL, *target = NULL, *one = NULL, *t1 = NULL;
        assert_ok(nnb_tensor_wrap(&pred, 1, 2, p));
        assert_ok(nnb_tensor_wrap(&target, 1, 2, onehot));
        assert_ok(nnb_tensor_wrap(&one, 1, 1, p));
        assert_ok(nnb_tensor_wrap(&t1, 1, 1, onehot));
        float per = 0.0f, mean = 0.0f;
        assert_ok(nnb_cce_sparse(pred, &label, 1, &per, NULL));
        assert_int_equal(float_bits(per), 0x34000001u);
        assert_ok(nnb_cce_sparse(pred, &label, 1, NULL, &mean));
        assert_int_equal(float_bits(mean), 0x34000001u);
        assert_ok(nnb_cce_onehot(pred, target, &per, NULL));
        assert_int_equal(float_bits(per), 0x34000001u);
        assert_ok(nnb_bce(one, t1, &per, NULL));
        assert_int_equal(float_bits(per), 0x34000001u);
        nnb_tensor_destroy(t1);
        nnb_tensor_destroy(one);
        nnb_tensor_destroy(target);
        nnb_tensor_destroy(pred);
    }
    assert_ok(nnb_set_arithmetic(saved));
}

static void test_sum_f32_arguments(void **state)
{
    (void)state;
    const float v[3] = {1.0f, 2.0f, 4.0f};
    float sum = -5.0f;
    assert_status(nnb_sum_f32(NULL, 3, &sum), NNB_ERR_NULL);
    assert_status(nnb_sum_f32(v, 3, NULL), NNB_ERR_NULL);
    assert_true(sum == -5.0f);
    assert_ok(nnb_sum_f32(v, 0, &sum));
    assert_true(sum == 0.0f && !signbit(sum));
    assert_ok(nnb_sum_f32(v, 3, &sum));
    assert_true(sum == 7.0f);
}

static void test_mean_f32_arguments(void **state)
{
    (void)state;
    const float v[2] = {1.0f, 3.0f};
    float mean = -5.0f;
    assert_status(nnb_mean_f32(v, 0, &mean), NNB_ERR_ARGUMENT);
    assert_status(nnb_mean_f32(NULL, 2, &mean), NNB_ERR_NULL);
    assert_status(nnb_mean_f32(v, 2, NULL), NNB_ERR_NULL);
    assert_true(mean == -5.0f);
    assert_ok(nnb_mean_f32(v, 2, &mean));
    assert_true(mean == 2.0f);
    assert_ok(nnb_mean_f32(v, 1, &mean));
    assert_true(mean == 1.0f);
}

/* ---- the chapter-5 pipeline --------------------------------------------------------------------------- */

static void test_chapter5_pipeline_loss_and_accuracy(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *h1 = NULL, *a1 = NULL, *h2 = NULL, *probs = NULL;
    nnb_dense *dense1 = NULL, *dense2 = NULL;
    uint32_t y[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, y, 300));
    assert_ok(nnb_dense_create(&dense1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_ok(nnb_dense_create(&dense2, 3, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_ok(nnb_tensor_create(&h1, 300, 3));
    assert_ok(nnb_tensor_create(&a1, 300, 3));
    assert_ok(nnb_tensor_create(&h2, 300, 3));
    assert_ok(nnb_tensor_create(&probs, 300, 3));
    assert_ok(nnb_dense_forward(dense1, X, h1));
    assert_ok(nnb_relu_forward(h1, a1));
    assert_ok(nnb_dense_forward(dense2, a1, h2));
    assert_ok(nnb_softmax_forward(h2, probs));

    /* The first point of each class is (0, 0): a uniform softmax row (exactly 1/3 each). */
    for (size_t j = 0; j < 3; ++j) {
        assert_true(nnb_tensor_cdata(probs)[j] == 1.0f / 3.0f);
    }

    float loss = 0.0f;
    assert_ok(nnb_cce_sparse(probs, y, 300, NULL, &loss));
    double acc = 0.0;
    assert_ok(nnb_accuracy_categorical(probs, y, 300, &acc));

    /* lessons.json chapter5_spiral_pipeline: the book prints loss 1.0986104 and acc 0.34. */
    char text[32];
    assert_ok(nnb_format_float(text, sizeof text, loss));
    assert_close(loss, 1.0986104, 2e-7, 0.0);
    assert_string_equal(text, "1.0986104");
    /* 0.34 = 102 / 300 correct predictions. */
    assert_true(acc == 102.0 / 300.0);

    nnb_tensor_destroy(X);
    nnb_tensor_destroy(h1);
    nnb_tensor_destroy(a1);
    nnb_tensor_destroy(h2);
    nnb_tensor_destroy(probs);
    nnb_dense_destroy(dense1);
    nnb_dense_destroy(dense2);
    nnb_rng_destroy(rng);
}

static void test_cce_argument_checks_follow_documented_order(void **state)
{
    (void)state;
    /* Shapes are checked before contents: a batch-size mismatch wins over a bad label. */
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_batch_pred));
    const uint32_t bad[3] = {9, 9, 9};
    float mean = -1.0f;
    assert_status(nnb_cce_sparse(pred, bad, 2, NULL, &mean), NNB_ERR_SHAPE);
    assert_status(nnb_cce_sparse(NULL, bad, 2, NULL, &mean), NNB_ERR_NULL);
    assert_true(mean == -1.0f);
    nnb_tensor_destroy(pred);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cce_single_sample_matches_published),
        cmocka_unit_test(test_cce_batch_sparse_matches_published),
        cmocka_unit_test(test_cce_batch_onehot_matches_sparse),
        cmocka_unit_test(test_cce_onehot_soft_targets_weight_the_row),
        cmocka_unit_test(test_cce_outputs_are_optional),
        cmocka_unit_test(test_cce_mean_without_buffer_matches_pairwise_of_per_sample),
        cmocka_unit_test(test_cce_exact_zero_and_one_are_clipped),
        cmocka_unit_test(test_cce_onehot_clips_too),
        cmocka_unit_test(test_cce_label_out_of_range_leaves_outputs_untouched),
        cmocka_unit_test(test_cce_shape_null_and_nan_errors),
        cmocka_unit_test(test_cce_argument_checks_follow_documented_order),
        cmocka_unit_test(test_cce_sparse_ignores_nan_in_unselected_columns),
        cmocka_unit_test(test_mean_f32_short_arrays_add_left_to_right),
        cmocka_unit_test(test_mean_f32_uses_eight_partial_sums),
        cmocka_unit_test(test_mean_f32_splits_long_arrays),
        cmocka_unit_test(test_mean_f32_arguments),
        cmocka_unit_test(test_sum_f32_arguments),
        cmocka_unit_test(test_cce_and_bce_use_the_modes_log),
        cmocka_unit_test(test_mean_f32_and_loss_means_follow_numpy_pairwise_order_bit_for_bit),
        cmocka_unit_test(test_chapter5_pipeline_loss_and_accuracy),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
