/* SPDX-License-Identifier: MIT */
/*
 * The dense layer's three products (src/compute/linear.c) in NNB_ARITHMETIC_FAST mode, on the shapes that
 * select each specialised path of a builtin build (the small-K and small-n float32 kernels, and u^T v with
 * a <= 4 and b % 16 == 0, or b <= 4 and a % 16 == 0), with batch sizes that leave vector and row-block tails:
 * forward output, dweights, dbiases and dinputs against plain double-precision loops written here. Then a
 * few epochs of the README's spiral network (2 -> 64 -> 3) trained in FAST and in REFERENCE mode.
 *
 * Tolerance of a float32 result y of a sum of m terms t_i (products or values) computed in any order, with or
 * without fused multiply-adds (Higham, Accuracy and Stability of Numerical Algorithms, 3.1):
 *     |y - sum t_i| <= gamma_m * sum |t_i|,   gamma_m = m u / (1 - m u),   u = 2^-24,
 * compared with the sum in double (whose own error is below 2^-53 m sum |t_i|, negligible here). The
 * forward's bias is one more term (m = K + 1). The tests allow twice this bound.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static uint32_t g_lcg = 2024u;

static float rand_float(float lo, float hi)
{
    g_lcg = g_lcg * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(g_lcg >> 8) / 16777216.0f;
}

/* gamma_m of the header comment, times the safety factor 2. */
static double sum_bound(size_t m)
{
    const double u = ldexp(1.0, -24);
    return 2.0 * ((double)m * u / (1.0 - (double)m * u));
}

/* Fails unless |got - exact| <= sum_bound(m) * mag (+ the smallest normal float, for exact zeros). */
static void check_sum(const char *what, size_t K, size_t n, size_t rows, size_t i, float got, double exact, double mag,
                      size_t m)
{
    double tol = sum_bound(m) * mag + 1.2e-38;
    if (!(fabs((double)got - exact) <= tol)) {
        fail_msg("%s[%zu] of the %zu -> %zu layer, batch %zu: %.9g, exact %.9g (tolerance %.3g)", what, i, K, n, rows,
                 (double)got, exact, tol);
    }
}

/* One dense layer K -> n on a batch of `rows`: forward and two backwards, each checked against double loops. */
static void check_dense_shape(size_t K, size_t n, size_t rows)
{
    nnb_dense *layer = NULL;
    nnb_tensor *x = NULL, *out = NULL, *dv = NULL, *dx = NULL;
    assert_ok(nnb_dense_create(&layer, K, n, NULL, 1.0f));
    assert_ok(nnb_tensor_create(&x, rows, K));
    assert_ok(nnb_tensor_create(&out, rows, n));
    assert_ok(nnb_tensor_create(&dv, rows, n));
    assert_ok(nnb_tensor_create(&dx, rows, K));
    float *w = nnb_tensor_data(nnb_dense_weights_mut(layer)); /* K x n */
    float *b = nnb_tensor_data(nnb_dense_biases_mut(layer));  /* 1 x n */
    float *xv = nnb_tensor_data(x), *dvv = nnb_tensor_data(dv);
    for (size_t i = 0; i < K * n; ++i) {
        w[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t j = 0; j < n; ++j) {
        b[j] = rand_float(-1.0f, 1.0f);
    }
    for (size_t i = 0; i < rows * K; ++i) {
        xv[i] = rand_float(-1.0f, 1.0f);
    }

    /* Forward: out[r][j] = sum_k x[r][k] w[k][j] + b[j]. NaN first, so an unwritten element fails. */
    assert_ok(nnb_tensor_fill(out, NAN));
    assert_ok(nnb_dense_forward(layer, x, out));
    const float *o = nnb_tensor_cdata(out);
    for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < n; ++j) {
            double s = (double)b[j], mag = fabs((double)b[j]);
            for (size_t k = 0; k < K; ++k) {
                s += (double)xv[r * K + k] * (double)w[k * n + j];
                mag += fabs((double)xv[r * K + k] * (double)w[k * n + j]);
            }
            check_sum("output", K, n, rows, r * n + j, o[r * n + j], s, mag, K + 1);
        }
    }

    /*
     * Backward twice with different dvalues, checking after the second: gradients left over from the first
     * call (a kernel that skips a write, or keeps accumulating across calls) differ from the expected ones.
     */
    for (int pass = 0; pass < 2; ++pass) {
        for (size_t i = 0; i < rows * n; ++i) {
            dvv[i] = pass == 0 ? rand_float(2.0f, 3.0f) : rand_float(-1.0f, 1.0f);
        }
        assert_ok(nnb_tensor_fill(dx, NAN));
        assert_ok(nnb_dense_backward(layer, x, dv, dx));
    }
    const float *dw = nnb_tensor_cdata(nnb_dense_dweights(layer));
    const float *db = nnb_tensor_cdata(nnb_dense_dbiases(layer));
    const float *dxv = nnb_tensor_cdata(dx);
    /* dweights[k][j] = sum_r x[r][k] dv[r][j]; dbiases[j] = sum_r dv[r][j] */
    for (size_t k = 0; k < K; ++k) {
        for (size_t j = 0; j < n; ++j) {
            double s = 0.0, mag = 0.0;
            for (size_t r = 0; r < rows; ++r) {
                s += (double)xv[r * K + k] * (double)dvv[r * n + j];
                mag += fabs((double)xv[r * K + k] * (double)dvv[r * n + j]);
            }
            check_sum("dweights", K, n, rows, k * n + j, dw[k * n + j], s, mag, rows);
        }
    }
    for (size_t j = 0; j < n; ++j) {
        double s = 0.0, mag = 0.0;
        for (size_t r = 0; r < rows; ++r) {
            s += (double)dvv[r * n + j];
            mag += fabs((double)dvv[r * n + j]);
        }
        check_sum("dbiases", K, n, rows, j, db[j], s, mag, rows);
    }
    /* dinputs[r][k] = sum_j dv[r][j] w[k][j] */
    for (size_t r = 0; r < rows; ++r) {
        for (size_t k = 0; k < K; ++k) {
            double s = 0.0, mag = 0.0;
            for (size_t j = 0; j < n; ++j) {
                s += (double)dvv[r * n + j] * (double)w[k * n + j];
                mag += fabs((double)dvv[r * n + j] * (double)w[k * n + j]);
            }
            check_sum("dinputs", K, n, rows, r * K + k, dxv[r * K + k], s, mag, n);
        }
    }
    nnb_tensor_destroy(dx);
    nnb_tensor_destroy(dv);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(x);
    nnb_dense_destroy(layer);
}

/*
 * Layer shapes and the path each product takes in a builtin build in FAST mode (K inputs, n neurons):
 *   forward:  K <= 8 small-K kernel; else n <= 4 small-n kernel; else the GEMM;
 *   dweights + dbiases (u^T v, a = K, b = n): a <= 4 and b % 16 == 0 by 16-column blocks, b <= 4 and
 *             a % 16 == 0 by 16-row blocks (both in row blocks of 4096 / width rows, so that batches above
 *             64..256 rows continue the sums of a previous block), otherwise the portable loop; a > 4 and
 *             b > 4 take the GEMM;
 *   dinputs:  n <= 8 small-K kernel on the transposed weights; else K <= 4 small-n kernel; else the GEMM.
 * The batches leave tails of the 8-row and 16-row vector loops and of the row blocks.
 */
static void test_linear_fast_products_match_double_loops_on_every_small_path(void **state)
{
    (void)state;
    static const size_t shapes[][2] = {
        {2, 64},  /* the README's first layer: small-K forward, a = 2 column blocks, small-n dinputs */
        {64, 3},  /* its output layer: small-n forward, b = 3 row blocks, small-K dinputs */
        {1, 16},  /* a = 1, one column block */
        {3, 32},  /* a = 3, two column blocks */
        {4, 48},  /* a = 4 */
        {16, 1},  /* b = 1, one row block */
        {32, 2},  /* b = 2 */
        {48, 4},  /* b = 4, n = 4 forward */
        {16, 3},  /* n = 3: the AVX-512 small-n kernel has one case per K = 16, 32, 48, 64 */
        {32, 3},  /* K = 32 */
        {48, 3},  /* K = 48 */
        {8, 20},  /* K = 8 (largest small-K), GEMM for dweights */
        {5, 4},   /* b = 4 but a % 16 != 0: column sums + the portable loop */
        {2, 5},   /* a = 2 but b % 16 != 0 */
        {12, 9},  /* no small path at all */
        {3, 200}, /* wide n: column blocks of 20 rows */
        /* The rest of the AVX-512 small-K cases (K <= 3 by n = 16, 32, 48, 64; with a bias forward, without
           one in dinputs, where K and n trade places). */
        {1, 32},
        {1, 48},
        {1, 64},
        {2, 16},
        {2, 32},
        {2, 48},
        {3, 16},
        {3, 48},
        {3, 64},
        {16, 2},
        {32, 1},
        {48, 2},
        {64, 1},
        {64, 2},
    };
    static const size_t batches[] = {1, 7, 16, 33, 65, 300};
    const nnb_arithmetic modes[2] = {NNB_ARITHMETIC_FAST, NNB_ARITHMETIC_REFERENCE};
    for (int m = 0; m < 2; ++m) {
        assert_ok(nnb_set_arithmetic(modes[m]));
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
            for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; ++bi) {
                check_dense_shape(shapes[s][0], shapes[s][1], batches[bi]);
            }
        }
    }
    assert_ok(nnb_set_arithmetic(NNB_ARITHMETIC_FAST));
}

/* ---- the spiral network, FAST against REFERENCE ---- */

/* One model 2 -> 64 -> ReLU -> 3 -> softmax, CCE, SGD at learning rate 1 (the book's chapter 10), seed 0. */
static nnb_model *spiral_model(void)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 64, 0.01f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 64, 3, 0.01f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.learning_rate = 1.0;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_finalize(m));
    return m;
}

static int record_loss(const nnb_progress *progress, void *user)
{
    ((float *)user)[progress->epoch - 1] = progress->loss;
    return 0;
}

/*
 * FAST and REFERENCE differ only in rounding. In one step, each gradient element is a sum over the 300 rows
 * (or 64 or 3 products), so FAST is within gamma_300 = 300 u / (1 - 300 u) ~ 1.8e-5 of REFERENCE relative to
 * the sum of |terms| (the header's bound), plus the 2 ulp of the fast exp and log; near the start (weights
 * 0.01 N(0, 1), loss ~ ln 3) an SGD step at rate 1 barely amplifies earlier differences. Rounding errors
 * are not all worst-case, so the differences after 10 steps stay far below that bound: at most 5.3e-7 of
 * (|w| + 0.01) measured at every ISA level (portable, AVX2, AVX-512). The check allows the one-step bound,
 * 2e-5 * (|w| + 0.01), about 40 times the measured differences; the gradient bugs planted while writing this
 * test (a lost row block or a skipped write in a dweights or dbiases sum) move the parameters by 4e-3 of that
 * scale or more. The per-epoch losses must agree within 1e-5 relative.
 */
static void test_linear_spiral_training_fast_matches_reference(void **state)
{
    (void)state;
    enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES, EPOCHS = 10 };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    static uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, SAMPLES, CLASSES, X, labels, N));
    nnb_targets y = nnb_targets_from_labels(labels, N);

    nnb_model *models[2];
    float losses[2][EPOCHS];
    const nnb_arithmetic modes[2] = {NNB_ARITHMETIC_FAST, NNB_ARITHMETIC_REFERENCE};
    for (int k = 0; k < 2; ++k) {
        assert_ok(nnb_set_arithmetic(modes[k]));
        models[k] = spiral_model();
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = EPOCHS;
        tp.progress = record_loss;
        tp.user = losses[k];
        assert_ok(nnb_model_train(models[k], X, &y, &tp));
    }
    assert_ok(nnb_set_arithmetic(NNB_ARITHMETIC_FAST));
    for (size_t e = 0; e < EPOCHS; ++e) {
        assert_close(losses[0][e], losses[1][e], 1e-5, 0.0);
    }
    for (size_t i = 0; i < 4; i += 2) {
        const nnb_dense *f = nnb_model_cdense(models[0], i), *r = nnb_model_cdense(models[1], i);
        const nnb_tensor *pf[2] = {nnb_dense_weights(f), nnb_dense_biases(f)};
        const nnb_tensor *pr[2] = {nnb_dense_weights(r), nnb_dense_biases(r)};
        for (int t = 0; t < 2; ++t) {
            const float *a = nnb_tensor_cdata(pf[t]), *b = nnb_tensor_cdata(pr[t]);
            for (size_t j = 0; j < nnb_tensor_size(pf[t]); ++j) {
                if (!(fabs((double)a[j] - (double)b[j]) <= 2e-5 * (fabs((double)b[j]) + 1e-2))) {
                    fail_msg("layer %zu %s[%zu]: FAST %.9g, REFERENCE %.9g", i, t == 0 ? "weights" : "biases", j,
                             (double)a[j], (double)b[j]);
                }
            }
        }
    }
    nnb_model_destroy(models[0]);
    nnb_model_destroy(models[1]);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_fast_products_match_double_loops_on_every_small_path),
        cmocka_unit_test(test_linear_spiral_training_fast_matches_reference),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
