/* SPDX-License-Identifier: MIT */
/*
 * Training gradients: every backward pass checked against central finite differences of the same loss
 * computed in double precision from the float parameters (dense dW/db/dinputs, ReLU, softmax through its
 * Jacobian, sparse and one-hot CCE, the fused softmax+CCE, sigmoid, BCE, MSE, MAE, L1/L2 penalties), exact
 * arithmetic checks where the result is a single rounding, the other training heads (sigmoid, dropout as
 * numpy draws it, BCE/MSE/MAE values, binary and regression accuracies), invalid arguments that leave
 * outputs untouched, and a small training loop on two separable blobs that reaches 100% accuracy.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define SENTINEL_VALUE 42.0f

/* ---- helpers ---- */

typedef double (*dloss_fn)(const double *x, void *ctx);

/*
 * Central differences of f around x (in place, restored afterwards) compared with the analytic gradient.
 * x is one of the arrays f reads through ctx.
 */
static void check_fd(dloss_fn f, double *x, size_t n, void *ctx, const float *grad, double h, double rel,
                     double abs_tol)
{
    for (size_t i = 0; i < n; ++i) {
        double saved = x[i];
        x[i] = saved + h;
        double plus = f(x, ctx);
        x[i] = saved - h;
        double minus = f(x, ctx);
        x[i] = saved;
        double fd = (plus - minus) / (2.0 * h);
        if (!nnb_test_close(grad[i], fd, rel, abs_tol)) {
            fail_msg("gradient[%zu] = %.9g, finite difference %.9g", i, (double)grad[i], fd);
        }
    }
}

static nnb_tensor *tensor_from(size_t rows, size_t cols, const float *values)
{
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, rows, cols, values));
    return t;
}

static nnb_tensor *tensor_filled(size_t rows, size_t cols, float value)
{
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, rows, cols));
    assert_ok(nnb_tensor_fill(t, value));
    return t;
}

/* Uniform values in [lo, hi) from a seeded generator, rounded to float. */
static void fill_uniform(nnb_rng *rng, float *out, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; ++i) {
        out[i] = (float)(lo + (hi - lo) * nnb_rng_uniform(rng));
    }
}

static void to_double(const float *src, double *dst, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        dst[i] = (double)src[i];
    }
}

static void assert_all_equal(const nnb_tensor *t, float value)
{
    const float *d = nnb_tensor_cdata(t);
    for (size_t i = 0; i < nnb_tensor_size(t); ++i) {
        if (d[i] != value) {
            fail_msg("element %zu = %.9g, expected untouched %.9g", i, (double)d[i], (double)value);
        }
    }
}

/* ---- dense ---- */

enum { DB = 5, DI = 3, DN = 4 };

typedef struct dense_ctx {
    double *X;       /* DB x DI */
    double *W;       /* DI x DN */
    double *b;       /* DN */
    const double *G; /* DB x DN: the upstream gradient, L = sum(out * G) */
    nnb_regularization reg;
} dense_ctx;

static double penalty_d(const double *p, size_t n, double l1, double l2)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        s += l1 * fabs(p[i]) + l2 * p[i] * p[i];
    }
    return s;
}

static double dense_loss(const double *x, void *vctx)
{
    (void)x;
    const dense_ctx *c = vctx;
    double L = 0.0;
    for (size_t r = 0; r < DB; ++r) {
        for (size_t j = 0; j < DN; ++j) {
            double out = c->b[j];
            for (size_t k = 0; k < DI; ++k) {
                out += c->X[r * DI + k] * c->W[k * DN + j];
            }
            L += out * c->G[r * DN + j];
        }
    }
    L += penalty_d(c->W, DI * DN, c->reg.weight_l1, c->reg.weight_l2);
    L += penalty_d(c->b, DN, c->reg.bias_l1, c->reg.bias_l2);
    return L;
}

/* Builds a random layer, inputs and upstream gradient (seed 7); biases nonzero so every term matters. */
static void make_dense_case(nnb_dense **layer, nnb_tensor **X, nnb_tensor **G)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 7));
    assert_ok(nnb_dense_create(layer, DI, DN, rng, 0.5f));
    float b[DN], x[DB * DI], g[DB * DN];
    fill_uniform(rng, b, DN, -0.5, 0.5);
    fill_uniform(rng, x, DB * DI, -1.0, 1.0);
    fill_uniform(rng, g, DB * DN, -1.0, 1.0);
    assert_ok(nnb_dense_set_biases(*layer, b, DN));
    *X = tensor_from(DB, DI, x);
    *G = tensor_from(DB, DN, g);
    nnb_rng_destroy(rng);
}

static void run_dense_fd(const nnb_regularization *reg)
{
    nnb_dense *layer = NULL;
    nnb_tensor *X = NULL, *G = NULL;
    make_dense_case(&layer, &X, &G);
    if (reg != NULL) {
        assert_ok(nnb_dense_set_regularization(layer, reg));
    }
    nnb_tensor *dX = tensor_filled(DB, DI, 0.0f);
    assert_null(nnb_dense_dweights(layer));
    assert_ok(nnb_dense_backward(layer, X, G, dX));

    double Xd[DB * DI], Wd[DI * DN], bd[DN], Gd[DB * DN];
    to_double(nnb_tensor_cdata(X), Xd, DB * DI);
    to_double(nnb_tensor_cdata(nnb_dense_weights(layer)), Wd, DI * DN);
    to_double(nnb_tensor_cdata(nnb_dense_biases(layer)), bd, DN);
    to_double(nnb_tensor_cdata(G), Gd, DB * DN);
    dense_ctx ctx = {Xd, Wd, bd, Gd, {0.0f, 0.0f, 0.0f, 0.0f}};
    if (reg != NULL) {
        ctx.reg = *reg;
    }
    check_fd(dense_loss, Wd, DI * DN, &ctx, nnb_tensor_cdata(nnb_dense_dweights(layer)), 1e-4, 1e-5, 1e-6);
    check_fd(dense_loss, bd, DN, &ctx, nnb_tensor_cdata(nnb_dense_dbiases(layer)), 1e-4, 1e-5, 1e-6);
    check_fd(dense_loss, Xd, DB * DI, &ctx, nnb_tensor_cdata(dX), 1e-4, 1e-5, 1e-6);

    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

static void test_dense_backward_matches_finite_differences(void **state)
{
    (void)state;
    run_dense_fd(NULL);
}

static void test_dense_backward_regularization_matches_finite_differences(void **state)
{
    (void)state;
    nnb_regularization reg = {0.01f, 0.02f, 0.03f, 0.04f};
    run_dense_fd(&reg);
}

static void test_dense_backward_rounds_like_numpy(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    nnb_tensor *X = NULL, *G = NULL;
    make_dense_case(&layer, &X, &G);
    assert_ok(nnb_dense_backward(layer, X, G, NULL));
    const float *x = nnb_tensor_cdata(X), *g = nnb_tensor_cdata(G);
    const float *dw = nnb_tensor_cdata(nnb_dense_dweights(layer));
    const float *db = nnb_tensor_cdata(nnb_dense_dbiases(layer));
    for (size_t i = 0; i < DI; ++i) {
        for (size_t j = 0; j < DN; ++j) {
            /* numpy under nnfs: the product in double, rounded once (the naive body does exactly this). */
            double acc = 0.0;
            for (size_t r = 0; r < DB; ++r) {
                acc += (double)x[r * DI + i] * (double)g[r * DN + j];
            }
            if (strcmp(nnb_backend_name(), "naive") == 0) {
                assert_true(dw[i * DN + j] == (float)acc);
            } else {
                /* float-accumulating backends: within a few ulp of the sum of |terms| */
                double mag = 0.0;
                for (size_t r = 0; r < DB; ++r) {
                    mag += fabs((double)x[r * DI + i] * (double)g[r * DN + j]);
                }
                assert_close(dw[i * DN + j], acc, 0.0, 1e-6 * mag);
            }
        }
    }
    for (size_t j = 0; j < DN; ++j) {
        /* np.sum(axis=0): sequential float32 from 0 - must be bit-identical. */
        float s = 0.0f;
        for (size_t r = 0; r < DB; ++r) {
            s += g[r * DN + j];
        }
        assert_true(db[j] == s);
    }
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

static void test_dense_regularization_loss_hand_computed(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 2, 2, NULL, 1.0f));
    const float w[4] = {0.5f, -1.0f, 2.0f, 0.0f};
    const float b[2] = {-3.0f, 1.0f};
    assert_ok(nnb_dense_set_weights(layer, w, 4));
    assert_ok(nnb_dense_set_biases(layer, b, 2));
    float loss = -1.0f;
    assert_ok(nnb_dense_regularization_loss(layer, &loss));
    assert_true(loss == 0.0f);
    nnb_regularization reg = {0.5f, 0.25f, 0.125f, 1.0f};
    assert_ok(nnb_dense_set_regularization(layer, &reg));
    assert_ok(nnb_dense_regularization_loss(layer, &loss));
    /* 0.5*(0.5+1+2+0) + 0.25*(0.25+1+4+0) + 0.125*(3+1) + 1*(9+1) = 1.75 + 1.3125 + 0.5 + 10 */
    assert_close(loss, 13.5625, 1e-7, 0.0);

    /* L1 gradient of a weight of exactly 0 is +l1 (the book's ones_like, -1 only where negative). */
    nnb_tensor *X = tensor_filled(1, 2, 0.0f);
    nnb_tensor *G = tensor_filled(1, 2, 0.0f);
    assert_ok(nnb_dense_backward(layer, X, G, NULL));
    const float *dw = nnb_tensor_cdata(nnb_dense_dweights(layer));
    assert_close(dw[0], 0.5 + 2 * 0.25 * 0.5, 1e-7, 0.0);
    assert_close(dw[1], -0.5 + 2 * 0.25 * -1.0, 1e-7, 0.0);
    assert_close(dw[3], 0.5, 1e-7, 0.0);
    const float *db = nnb_tensor_cdata(nnb_dense_dbiases(layer));
    assert_close(db[0], -0.125 + 2 * 1.0 * -3.0, 1e-7, 0.0);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

static void test_dense_backward_allocates_only_once(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    nnb_tensor *X = NULL, *G = NULL;
    make_dense_case(&layer, &X, &G);
    nnb_tensor *dX = tensor_filled(DB, DI, 0.0f);
    assert_ok(nnb_dense_backward(layer, X, G, dX));
    nnb_test_reset_counts();
    for (int i = 0; i < 3; ++i) {
        assert_ok(nnb_dense_backward(layer, X, G, dX));
    }
    assert_int_equal(nnb_test_alloc_count(), 0);
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

static void test_dense_backward_rejects_bad_arguments(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    nnb_tensor *X = NULL, *G = NULL;
    make_dense_case(&layer, &X, &G);
    nnb_tensor *dX = tensor_filled(DB, DI, SENTINEL_VALUE);
    nnb_tensor *wrong_rows = tensor_filled(DB + 1, DN, 0.0f);
    nnb_tensor *wrong_cols = tensor_filled(DB, DI + 1, SENTINEL_VALUE);

    assert_status(nnb_dense_backward(NULL, X, G, dX), NNB_ERR_NULL);
    assert_status(nnb_dense_backward(layer, NULL, G, dX), NNB_ERR_NULL);
    assert_status(nnb_dense_backward(layer, X, NULL, dX), NNB_ERR_NULL);
    assert_status(nnb_dense_backward(layer, X, wrong_rows, dX), NNB_ERR_SHAPE); /* batch mismatch */
    assert_status(nnb_dense_backward(layer, G, G, dX), NNB_ERR_SHAPE);
    assert_status(nnb_dense_backward(layer, X, G, wrong_cols), NNB_ERR_SHAPE);
    /* dinputs over the dvalues' memory */
    nnb_tensor *alias = NULL;
    assert_ok(nnb_tensor_wrap(&alias, DB, DI, nnb_tensor_data(G)));
    float g_before[DB * DN];
    memcpy(g_before, nnb_tensor_cdata(G), sizeof g_before);
    assert_status(nnb_dense_backward(layer, X, G, alias), NNB_ERR_ARGUMENT);
    assert_memory_equal(nnb_tensor_cdata(G), g_before, sizeof g_before);
    nnb_tensor_destroy(alias);
    assert_null(nnb_dense_dweights(layer));
    assert_all_equal(dX, SENTINEL_VALUE);
    assert_all_equal(wrong_cols, SENTINEL_VALUE);

    nnb_regularization bad = {0.0f, NAN, 0.0f, 0.0f};
    assert_status(nnb_dense_set_regularization(layer, &bad), NNB_ERR_ARGUMENT);
    bad.weight_l2 = -1.0f;
    assert_status(nnb_dense_set_regularization(layer, &bad), NNB_ERR_ARGUMENT);
    bad.weight_l2 = INFINITY;
    assert_status(nnb_dense_set_regularization(layer, &bad), NNB_ERR_ARGUMENT);
    assert_status(nnb_dense_set_regularization(NULL, &bad), NNB_ERR_NULL);
    assert_status(nnb_dense_set_regularization(layer, NULL), NNB_ERR_NULL);
    float loss = SENTINEL_VALUE;
    assert_ok(nnb_dense_regularization_loss(layer, &loss)); /* the rejected settings were not applied */
    assert_true(loss == 0.0f);
    assert_status(nnb_dense_regularization_loss(NULL, &loss), NNB_ERR_NULL);
    assert_status(nnb_dense_regularization_loss(layer, NULL), NNB_ERR_NULL);
    assert_null(nnb_dense_dweights(NULL));
    assert_null(nnb_dense_dbiases(NULL));

    nnb_tensor_destroy(wrong_cols);
    nnb_tensor_destroy(wrong_rows);
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

static void test_dense_backward_oom_leaves_layer_usable(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    nnb_tensor *X = NULL, *G = NULL;
    make_dense_case(&layer, &X, &G);
    nnb_tensor *dX = tensor_filled(DB, DI, SENTINEL_VALUE);
    for (size_t k = 1; k <= 4; ++k) {
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_dense_backward(layer, X, G, dX);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            break;
        }
        assert_int_equal(st, NNB_ERR_NOMEM);
        assert_all_equal(dX, SENTINEL_VALUE);
    }
    assert_ok(nnb_dense_backward(layer, X, G, dX));
    assert_non_null(nnb_dense_dweights(layer));
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

/* ---- element-wise and row-wise activations ---- */

enum { AR = 4, AC = 3 };

typedef struct act_ctx {
    const double *X; /* the point, read through here (check_fd may perturb any part of it) */
    const double *G;
    size_t rows, cols;
} act_ctx;

static double relu_loss(const double *xp, void *vctx)
{
    const act_ctx *c = vctx;
    const double *x = c->X;
    (void)xp;
    double L = 0.0;
    for (size_t i = 0; i < c->rows * c->cols; ++i) {
        L += (x[i] > 0.0 ? x[i] : 0.0) * c->G[i];
    }
    return L;
}

static double sigmoid_loss(const double *xp, void *vctx)
{
    const act_ctx *c = vctx;
    const double *x = c->X;
    (void)xp;
    double L = 0.0;
    for (size_t i = 0; i < c->rows * c->cols; ++i) {
        L += 1.0 / (1.0 + exp(-x[i])) * c->G[i];
    }
    return L;
}

static void softmax_d(const double *x, double *p, size_t cols)
{
    double m = x[0];
    for (size_t j = 1; j < cols; ++j) {
        m = x[j] > m ? x[j] : m;
    }
    double s = 0.0;
    for (size_t j = 0; j < cols; ++j) {
        p[j] = exp(x[j] - m);
        s += p[j];
    }
    for (size_t j = 0; j < cols; ++j) {
        p[j] /= s;
    }
}

static double softmax_loss(const double *xp, void *vctx)
{
    const act_ctx *c = vctx;
    const double *x = c->X;
    (void)xp;
    double L = 0.0, p[16];
    for (size_t r = 0; r < c->rows; ++r) {
        softmax_d(x + r * c->cols, p, c->cols);
        for (size_t j = 0; j < c->cols; ++j) {
            L += p[j] * c->G[r * c->cols + j];
        }
    }
    return L;
}

static void make_act_case(uint32_t seed, float *x, double *xd, float *g, double *gd, double lo, double hi)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, seed));
    fill_uniform(rng, x, AR * AC, lo, hi);
    fill_uniform(rng, g, AR * AC, -1.0, 1.0);
    to_double(x, xd, AR * AC);
    to_double(g, gd, AR * AC);
    nnb_rng_destroy(rng);
}

static void test_relu_backward_matches_finite_differences(void **state)
{
    (void)state;
    float x[AR * AC], g[AR * AC];
    double xd[AR * AC], gd[AR * AC];
    make_act_case(11, x, xd, g, gd, -1.0, 1.0);
    x[0] = 0.0f; /* exactly zero: gradient zero (the book's inputs <= 0) */
    xd[0] = 0.0;
    for (size_t i = 0; i < AR * AC; ++i) {
        if (x[i] != 0.0f && fabsf(x[i]) < 0.01f) {
            x[i] = 0.5f; /* keep finite differences away from the kink */
            xd[i] = 0.5;
        }
    }
    nnb_tensor *X = tensor_from(AR, AC, x), *G = tensor_from(AR, AC, g);
    nnb_tensor *dX = tensor_filled(AR, AC, SENTINEL_VALUE);
    assert_ok(nnb_relu_backward(X, G, dX));
    assert_true(nnb_tensor_cdata(dX)[0] == 0.0f);
    act_ctx ctx = {xd, gd, AR, AC};
    /* element 0 sits on the kink, where a central difference sees half the slope: checked above */
    check_fd(relu_loss, xd + 1, AR * AC - 1, &ctx, nnb_tensor_cdata(dX) + 1, 1e-4, 1e-6, 1e-7);
    for (size_t i = 1; i < AR * AC; ++i) {
        /* a pure mask: either the upstream value itself or zero */
        float v = nnb_tensor_cdata(dX)[i];
        assert_true(v == (x[i] > 0.0f ? g[i] : 0.0f));
    }
    /* in place on dvalues */
    assert_ok(nnb_relu_backward(X, G, G));
    for (size_t i = 0; i < AR * AC; ++i) {
        assert_true(nnb_tensor_cdata(G)[i] == nnb_tensor_cdata(dX)[i]);
    }
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
}

static void test_softmax_backward_matches_finite_differences(void **state)
{
    (void)state;
    float x[AR * AC], g[AR * AC];
    double xd[AR * AC], gd[AR * AC];
    make_act_case(12, x, xd, g, gd, -2.0, 2.0);
    nnb_tensor *X = tensor_from(AR, AC, x), *G = tensor_from(AR, AC, g);
    nnb_tensor *S = tensor_filled(AR, AC, 0.0f), *dX = tensor_filled(AR, AC, 0.0f);
    assert_ok(nnb_softmax_forward(X, S));
    assert_ok(nnb_softmax_backward(S, G, dX));
    act_ctx ctx = {xd, gd, AR, AC};
    check_fd(softmax_loss, xd, AR * AC, &ctx, nnb_tensor_cdata(dX), 1e-4, 1e-4, 2e-7);

    /* The closed form s_i (g_i - sum_j g_j s_j) agrees with the Jacobian product. */
    const float *s = nnb_tensor_cdata(S);
    for (size_t r = 0; r < AR; ++r) {
        double dot = 0.0;
        for (size_t j = 0; j < AC; ++j) {
            dot += (double)g[r * AC + j] * (double)s[r * AC + j];
        }
        for (size_t i = 0; i < AC; ++i) {
            double expected = (double)s[r * AC + i] * ((double)g[r * AC + i] - dot);
            assert_close(nnb_tensor_cdata(dX)[r * AC + i], expected, 1e-5, 1e-7);
        }
    }
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(S);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
}

static void test_sigmoid_forward_and_backward(void **state)
{
    (void)state;
    float x[AR * AC], g[AR * AC];
    double xd[AR * AC], gd[AR * AC];
    make_act_case(13, x, xd, g, gd, -4.0, 4.0);
    nnb_tensor *X = tensor_from(AR, AC, x), *G = tensor_from(AR, AC, g);
    nnb_tensor *Y = tensor_filled(AR, AC, 0.0f), *dX = tensor_filled(AR, AC, 0.0f);
    assert_ok(nnb_sigmoid_forward(X, Y));
    for (size_t i = 0; i < AR * AC; ++i) {
        assert_close(nnb_tensor_cdata(Y)[i], 1.0 / (1.0 + exp(-xd[i])), 3e-7, 0.0);
    }
    assert_ok(nnb_sigmoid_backward(Y, G, dX));
    act_ctx ctx = {xd, gd, AR, AC};
    check_fd(sigmoid_loss, xd, AR * AC, &ctx, nnb_tensor_cdata(dX), 1e-4, 1e-5, 1e-7);

    /* Saturation: no NaN, y in [0, 1]. */
    const float big[3] = {-1000.0f, 0.0f, 1000.0f};
    nnb_tensor *B = tensor_from(1, 3, big), *BY = tensor_filled(1, 3, 0.0f);
    assert_ok(nnb_sigmoid_forward(B, BY));
    assert_true(nnb_tensor_cdata(BY)[0] == 0.0f);
    assert_true(nnb_tensor_cdata(BY)[1] == 0.5f);
    assert_true(nnb_tensor_cdata(BY)[2] == 1.0f);
    nnb_tensor_destroy(BY);
    nnb_tensor_destroy(B);
    nnb_tensor_destroy(dX);
    nnb_tensor_destroy(Y);
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(X);
}

static void test_activation_backward_rejects_bad_arguments(void **state)
{
    (void)state;
    nnb_tensor *A = tensor_filled(2, 3, 0.25f), *B = tensor_filled(2, 3, 0.5f);
    nnb_tensor *out = tensor_filled(2, 3, SENTINEL_VALUE), *wrong = tensor_filled(3, 2, SENTINEL_VALUE);
    assert_status(nnb_relu_backward(NULL, B, out), NNB_ERR_NULL);
    assert_status(nnb_relu_backward(A, NULL, out), NNB_ERR_NULL);
    assert_status(nnb_relu_backward(A, B, NULL), NNB_ERR_NULL);
    assert_status(nnb_relu_backward(A, B, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_relu_backward(A, wrong, out), NNB_ERR_SHAPE);
    assert_status(nnb_softmax_backward(NULL, B, out), NNB_ERR_NULL);
    assert_status(nnb_softmax_backward(A, B, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_softmax_backward(A, B, B), NNB_ERR_ARGUMENT); /* aliasing */
    assert_status(nnb_softmax_backward(A, B, A), NNB_ERR_ARGUMENT);
    assert_status(nnb_sigmoid_forward(NULL, out), NNB_ERR_NULL);
    assert_status(nnb_sigmoid_forward(A, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_sigmoid_backward(A, B, NULL), NNB_ERR_NULL);
    assert_status(nnb_sigmoid_backward(A, wrong, out), NNB_ERR_SHAPE);
    assert_status(nnb_dropout_backward(NULL, B, out), NNB_ERR_NULL);
    assert_status(nnb_dropout_backward(A, B, wrong), NNB_ERR_SHAPE);
    assert_all_equal(out, SENTINEL_VALUE);
    assert_all_equal(wrong, SENTINEL_VALUE);
    nnb_tensor_destroy(wrong);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(B);
    nnb_tensor_destroy(A);
}

/* ---- dropout ---- */

static void run_dropout(uint32_t seed, float rate, const int *expected_kept, size_t n)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, seed));
    float x[12];
    for (size_t i = 0; i < n; ++i) {
        x[i] = (float)i - 3.5f;
    }
    nnb_tensor *X = tensor_from(2, n / 2, x);
    nnb_tensor *mask = tensor_filled(2, n / 2, 0.0f), *out = tensor_filled(2, n / 2, 0.0f);
    assert_ok(nnb_dropout_forward(rng, rate, X, mask, out));
    float scale = (float)(1.0 / (1.0 - (double)rate));
    for (size_t i = 0; i < n; ++i) {
        float m = nnb_tensor_cdata(mask)[i];
        assert_true(m == (expected_kept[i] ? scale : 0.0f));
        assert_close(nnb_tensor_cdata(out)[i], (double)x[i] * (expected_kept[i] ? 1.0 / (1.0 - (double)rate) : 0.0),
                     1e-7, 0.0);
    }
    /* backward multiplies by the same mask */
    nnb_tensor *G = tensor_filled(2, n / 2, 2.0f);
    assert_ok(nnb_dropout_backward(mask, G, G));
    for (size_t i = 0; i < n; ++i) {
        assert_true(nnb_tensor_cdata(G)[i] == 2.0f * nnb_tensor_cdata(mask)[i]);
    }
    nnb_tensor_destroy(G);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(mask);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_dropout_draws_like_numpy_binomial(void **state)
{
    (void)state;
    /*
     * np.random.seed(0); np.random.binomial(1, 1 - rate, size=(2, 6)).ravel() with numpy 1.24:
     *   rate 0.1 -> [1,1,1,1,1,1,1,1,0,1,1,1]   rate 0.7 -> [0,1,0,0,0,0,0,1,1,0,1,0]
     * One uniform per element (seed 0 uniforms: .549 .715 .603 .545 .424 .646 .438 .892 .964 .383 .792 .529):
     * kept with keep-probability 0.9 iff u <= 0.9, with keep-probability 0.3 iff u > 0.7.
     * np.random.seed(3); np.random.binomial(1, 0.5, size=(2, 6)) -> [1,1,0,1,1,1,0,0,0,0,0,0]
     */
    const int kept_01[12] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1};
    const int kept_07[12] = {0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0};
    const int kept_05[12] = {1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0};
    run_dropout(0, 0.1f, kept_01, 12);
    run_dropout(0, 0.7f, kept_07, 12);
    run_dropout(3, 0.5f, kept_05, 12);

    /* rate 0 keeps everything but, as numpy, still consumes one uniform per element. */
    nnb_rng *rng = NULL, *ref = NULL;
    assert_ok(nnb_rng_create(&rng, 3));
    assert_ok(nnb_rng_create(&ref, 3));
    nnb_tensor *X = tensor_filled(1, 3, 1.5f), *mask = tensor_filled(1, 3, 0.0f), *out = tensor_filled(1, 3, 0.0f);
    assert_ok(nnb_dropout_forward(rng, 0.0f, X, mask, out));
    assert_all_equal(mask, 1.0f);
    assert_all_equal(out, 1.5f);
    for (int i = 0; i < 3; ++i) {
        (void)nnb_rng_uniform(ref);
    }
    assert_true(nnb_rng_uniform(rng) == nnb_rng_uniform(ref)); /* numpy: 0.510827605197663 */

    /* invalid rates and arguments leave the outputs and the stream alone */
    nnb_tensor *wrong = tensor_filled(3, 1, 0.0f);
    assert_ok(nnb_tensor_fill(mask, SENTINEL_VALUE));
    assert_ok(nnb_tensor_fill(out, SENTINEL_VALUE));
    assert_status(nnb_dropout_forward(rng, 1.0f, X, mask, out), NNB_ERR_ARGUMENT);
    assert_status(nnb_dropout_forward(rng, -0.1f, X, mask, out), NNB_ERR_ARGUMENT);
    assert_status(nnb_dropout_forward(rng, NAN, X, mask, out), NNB_ERR_ARGUMENT);
    assert_status(nnb_dropout_forward(NULL, 0.5f, X, mask, out), NNB_ERR_NULL);
    assert_status(nnb_dropout_forward(rng, 0.5f, X, NULL, out), NNB_ERR_NULL);
    assert_status(nnb_dropout_forward(rng, 0.5f, X, wrong, out), NNB_ERR_SHAPE);
    assert_status(nnb_dropout_forward(rng, 0.5f, X, mask, mask), NNB_ERR_ARGUMENT);
    assert_all_equal(mask, SENTINEL_VALUE);
    assert_all_equal(out, SENTINEL_VALUE);
    assert_true(nnb_rng_uniform(rng) == nnb_rng_uniform(ref));

    nnb_tensor_destroy(wrong);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(mask);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(ref);
    nnb_rng_destroy(rng);
}

/* ---- losses ---- */

enum { LR = 4, LC = 3 };
static const uint32_t k_labels[LR] = {0, 2, 1, 2};

typedef struct loss_ctx {
    const double *T; /* targets (one-hot or regression) */
    const uint32_t *labels;
    size_t rows, cols;
} loss_ctx;

static double cce_sparse_loss(const double *p, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0;
    for (size_t r = 0; r < c->rows; ++r) {
        L -= log(p[r * c->cols + c->labels[r]]);
    }
    return L / (double)c->rows;
}

static double cce_onehot_loss(const double *p, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0;
    for (size_t r = 0; r < c->rows; ++r) {
        double conf = 0.0;
        for (size_t j = 0; j < c->cols; ++j) {
            conf += p[r * c->cols + j] * c->T[r * c->cols + j];
        }
        L -= log(conf);
    }
    return L / (double)c->rows;
}

static double fused_loss(const double *z, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0, p[16];
    for (size_t r = 0; r < c->rows; ++r) {
        softmax_d(z + r * c->cols, p, c->cols);
        L -= log(p[c->labels[r]]);
    }
    return L / (double)c->rows;
}

static double bce_loss(const double *p, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0;
    for (size_t i = 0; i < c->rows * c->cols; ++i) {
        L -= c->T[i] * log(p[i]) + (1.0 - c->T[i]) * log(1.0 - p[i]);
    }
    return L / (double)c->cols / (double)c->rows;
}

static double mse_loss(const double *p, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0;
    for (size_t i = 0; i < c->rows * c->cols; ++i) {
        L += (c->T[i] - p[i]) * (c->T[i] - p[i]);
    }
    return L / (double)c->cols / (double)c->rows;
}

static double mae_loss(const double *p, void *vctx)
{
    const loss_ctx *c = vctx;
    double L = 0.0;
    for (size_t i = 0; i < c->rows * c->cols; ++i) {
        L += fabs(c->T[i] - p[i]);
    }
    return L / (double)c->cols / (double)c->rows;
}

/* Probabilities: a softmax of random logits (rows sum to 1, all well inside (0, 1)). */
static void make_probs(uint32_t seed, float *z, float *p)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, seed));
    fill_uniform(rng, z, LR * LC, -1.5, 1.5);
    nnb_rng_destroy(rng);
    nnb_tensor *Z = tensor_from(LR, LC, z), *P = tensor_filled(LR, LC, 0.0f);
    assert_ok(nnb_softmax_forward(Z, P));
    memcpy(p, nnb_tensor_cdata(P), sizeof(float) * LR * LC);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(Z);
}

static void onehot_of(const uint32_t *labels, float *t, double *td)
{
    for (size_t i = 0; i < LR * LC; ++i) {
        t[i] = (i % LC) == labels[i / LC] ? 1.0f : 0.0f;
        td[i] = (double)t[i];
    }
}

static void test_cce_backward_matches_finite_differences(void **state)
{
    (void)state;
    float z[LR * LC], p[LR * LC], t[LR * LC];
    double pd[LR * LC], td[LR * LC];
    make_probs(21, z, p);
    to_double(p, pd, LR * LC);
    onehot_of(k_labels, t, td);
    nnb_tensor *P = tensor_from(LR, LC, p), *T = tensor_from(LR, LC, t);
    nnb_tensor *dS = tensor_filled(LR, LC, 0.0f), *dO = tensor_filled(LR, LC, 0.0f);
    assert_ok(nnb_cce_sparse_backward(P, k_labels, LR, dS));
    assert_ok(nnb_cce_onehot_backward(P, T, dO));
    loss_ctx ctx = {td, k_labels, LR, LC};
    check_fd(cce_sparse_loss, pd, LR * LC, &ctx, nnb_tensor_cdata(dS), 1e-6, 1e-5, 1e-7);
    check_fd(cce_onehot_loss, pd, LR * LC, &ctx, nnb_tensor_cdata(dO), 1e-6, 1e-5, 1e-7);
    for (size_t i = 0; i < LR * LC; ++i) {
        /* both forms agree; the sparse one rounds -1/p/N once (numpy's float64 one-hot), the one-hot form
         * twice in float32 */
        assert_close(nnb_tensor_cdata(dS)[i], nnb_tensor_cdata(dO)[i], 2.5e-7, 0.0);
        if (t[i] == 0.0f) {
            assert_true(nnb_tensor_cdata(dS)[i] == 0.0f);
        } else {
            assert_true(nnb_tensor_cdata(dS)[i] == (float)(-1.0 / (double)p[i] / (double)LR));
        }
    }
    nnb_tensor_destroy(dO);
    nnb_tensor_destroy(dS);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(P);
}

static void test_fused_softmax_cce_matches_chain_and_finite_differences(void **state)
{
    (void)state;
    float z[LR * LC], p[LR * LC];
    double zd[LR * LC];
    make_probs(22, z, p);
    to_double(z, zd, LR * LC);
    nnb_tensor *P = tensor_from(LR, LC, p);
    nnb_tensor *dF = tensor_filled(LR, LC, 0.0f), *dP = tensor_filled(LR, LC, 0.0f), *dZ = tensor_filled(LR, LC, 0.0f);
    assert_ok(nnb_softmax_cce_backward(P, k_labels, LR, dF));
    loss_ctx ctx = {NULL, k_labels, LR, LC};
    check_fd(fused_loss, zd, LR * LC, &ctx, nnb_tensor_cdata(dF), 1e-4, 1e-4, 2e-7);

    /* the chained backward: softmax_backward(cce_backward(p)) */
    assert_ok(nnb_cce_sparse_backward(P, k_labels, LR, dP));
    assert_ok(nnb_softmax_backward(P, dP, dZ));
    for (size_t i = 0; i < LR * LC; ++i) {
        assert_close(nnb_tensor_cdata(dF)[i], nnb_tensor_cdata(dZ)[i], 1e-5, 1e-7);
        /* exact book arithmetic: (p - [j == y]) / fl32(N) in float32 */
        float expected = ((i % LC) == k_labels[i / LC] ? p[i] - 1.0f : p[i]) / (float)LR;
        assert_true(nnb_tensor_cdata(dF)[i] == expected);
    }
    /* in place on the probabilities */
    assert_ok(nnb_softmax_cce_backward(P, k_labels, LR, P));
    for (size_t i = 0; i < LR * LC; ++i) {
        assert_true(nnb_tensor_cdata(P)[i] == nnb_tensor_cdata(dF)[i]);
    }
    nnb_tensor_destroy(dZ);
    nnb_tensor_destroy(dP);
    nnb_tensor_destroy(dF);
    nnb_tensor_destroy(P);
}

static void test_regression_and_binary_losses_match_finite_differences(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 23));
    float p[LR * LC], t[LR * LC], tb[LR * LC];
    fill_uniform(rng, p, LR * LC, 0.05, 0.95);
    fill_uniform(rng, t, LR * LC, -1.0, 2.0);
    for (size_t i = 0; i < LR * LC; ++i) {
        tb[i] = nnb_rng_uniform(rng) < 0.5 ? 0.0f : 1.0f;
    }
    nnb_rng_destroy(rng);
    double pd[LR * LC], td[LR * LC], tbd[LR * LC];
    to_double(p, pd, LR * LC);
    to_double(t, td, LR * LC);
    to_double(tb, tbd, LR * LC);
    nnb_tensor *P = tensor_from(LR, LC, p), *T = tensor_from(LR, LC, t), *TB = tensor_from(LR, LC, tb);
    nnb_tensor *d = tensor_filled(LR, LC, 0.0f);

    loss_ctx bin = {tbd, NULL, LR, LC}, reg = {td, NULL, LR, LC};
    assert_ok(nnb_bce_backward(P, TB, d));
    check_fd(bce_loss, pd, LR * LC, &bin, nnb_tensor_cdata(d), 1e-6, 1e-5, 1e-7);
    assert_ok(nnb_mse_backward(P, T, d));
    check_fd(mse_loss, pd, LR * LC, &reg, nnb_tensor_cdata(d), 1e-6, 1e-5, 1e-7);
    assert_ok(nnb_mae_backward(P, T, d));
    check_fd(mae_loss, pd, LR * LC, &reg, nnb_tensor_cdata(d), 1e-6, 1e-5, 1e-7);

    /* the losses themselves: per sample the mean over outputs, then the mean over samples */
    float per[LR], mean = 0.0f;
    assert_ok(nnb_bce(P, TB, per, &mean));
    assert_close(mean, bce_loss(pd, &bin), 1e-6, 0.0);
    for (size_t r = 0; r < LR; ++r) {
        loss_ctx row = {tbd + r * LC, NULL, 1, LC};
        assert_close(per[r], bce_loss(pd + r * LC, &row), 1e-6, 0.0);
    }
    assert_ok(nnb_mse(P, T, per, &mean));
    assert_close(mean, mse_loss(pd, &reg), 1e-6, 0.0);
    assert_ok(nnb_mae(P, T, NULL, &mean));
    assert_close(mean, mae_loss(pd, &reg), 1e-6, 0.0);

    nnb_tensor_destroy(d);
    nnb_tensor_destroy(TB);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(P);
}

static void test_losses_hand_computed(void **state)
{
    (void)state;
    /* BCE clips at 1e-7: p = 0 with t = 1 costs -log(1e-7) = 16.118, not inf. */
    const float p[4] = {0.0f, 1.0f, 0.8f, 0.25f};
    const float t[4] = {1.0f, 1.0f, 1.0f, 0.0f};
    nnb_tensor *P = tensor_from(2, 2, p), *T = tensor_from(2, 2, t);
    float per[2], mean;
    assert_ok(nnb_bce(P, T, per, &mean));
    assert_close(per[0], (-log((double)(float)1e-7) - log((double)(float)(1.0 - 1e-7))) / 2.0, 1e-6, 0.0);
    assert_close(per[1], (-log(0.8) - log(0.75)) / 2.0, 1e-6, 0.0);
    /* MSE: row 0 ((1-0)^2 + 0)/2 = 0.5, row 1 (0.04 + 0.0625)/2 = 0.05125 */
    assert_ok(nnb_mse(P, T, per, &mean));
    assert_close(per[0], 0.5, 1e-7, 0.0);
    assert_close(per[1], 0.05125, 1e-6, 0.0);
    assert_close(mean, 0.275625, 1e-6, 0.0);
    /* MAE: row 0 (1 + 0)/2, row 1 (0.2 + 0.25)/2; backward -sign(t - p)/2/2, sign(0) = 0 */
    assert_ok(nnb_mae(P, T, per, &mean));
    assert_close(per[0], 0.5, 1e-7, 0.0);
    assert_close(per[1], 0.225, 1e-6, 0.0);
    nnb_tensor *d = tensor_filled(2, 2, 0.0f);
    assert_ok(nnb_mae_backward(P, T, d));
    assert_true(nnb_tensor_cdata(d)[0] == -0.25f);
    assert_true(nnb_tensor_cdata(d)[1] == 0.0f);
    assert_true(nnb_tensor_cdata(d)[2] == -0.25f);
    assert_true(nnb_tensor_cdata(d)[3] == 0.25f);
    nnb_tensor_destroy(d);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(P);
}

static void test_loss_backward_rejects_bad_arguments(void **state)
{
    (void)state;
    nnb_tensor *P = tensor_filled(2, 3, 0.25f), *T = tensor_filled(2, 3, 0.0f);
    nnb_tensor *d = tensor_filled(2, 3, SENTINEL_VALUE), *wrong = tensor_filled(3, 3, SENTINEL_VALUE);
    const uint32_t ok[2] = {0, 2}, bad[2] = {0, 3};
    assert_status(nnb_cce_sparse_backward(NULL, ok, 2, d), NNB_ERR_NULL);
    assert_status(nnb_cce_sparse_backward(P, NULL, 2, d), NNB_ERR_NULL);
    assert_status(nnb_cce_sparse_backward(P, ok, 2, NULL), NNB_ERR_NULL);
    assert_status(nnb_cce_sparse_backward(P, ok, 1, d), NNB_ERR_SHAPE); /* batch mismatch */
    assert_status(nnb_cce_sparse_backward(P, ok, 2, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_cce_sparse_backward(P, bad, 2, d), NNB_ERR_RANGE);
    assert_status(nnb_cce_onehot_backward(P, wrong, d), NNB_ERR_SHAPE);
    assert_status(nnb_cce_onehot_backward(P, T, NULL), NNB_ERR_NULL);
    assert_status(nnb_softmax_cce_backward(P, bad, 2, d), NNB_ERR_RANGE);
    assert_status(nnb_softmax_cce_backward(P, ok, 3, d), NNB_ERR_SHAPE);
    assert_status(nnb_softmax_cce_backward(P, ok, 2, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_softmax_cce_backward(NULL, ok, 2, d), NNB_ERR_NULL);
    assert_status(nnb_bce_backward(P, wrong, d), NNB_ERR_SHAPE);
    assert_status(nnb_mse_backward(P, T, wrong), NNB_ERR_SHAPE);
    assert_status(nnb_mae_backward(NULL, T, d), NNB_ERR_NULL);
    assert_all_equal(d, SENTINEL_VALUE);
    assert_all_equal(wrong, SENTINEL_VALUE);

    float per[2] = {SENTINEL_VALUE, SENTINEL_VALUE}, mean = SENTINEL_VALUE;
    assert_status(nnb_bce(P, T, NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_mse(P, wrong, per, &mean), NNB_ERR_SHAPE);
    assert_ok(nnb_tensor_set(P, 1, 1, NAN));
    assert_status(nnb_mae(P, T, per, &mean), NNB_ERR_NONFINITE);
    assert_status(nnb_bce(P, T, per, &mean), NNB_ERR_NONFINITE);
    assert_true(per[0] == SENTINEL_VALUE && per[1] == SENTINEL_VALUE && mean == SENTINEL_VALUE);
    nnb_tensor_destroy(wrong);
    nnb_tensor_destroy(d);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(P);
}

/* ---- accuracies ---- */

static void test_binary_and_regression_accuracy(void **state)
{
    (void)state;
    const float p[6] = {0.9f, 0.5f, 0.51f, 0.1f, 0.7f, 0.2f};
    const float t[6] = {1.0f, 1.0f, 1.0f, 0.0f, 0.0f, 1.0f};
    nnb_tensor *P = tensor_from(3, 2, p), *T = tensor_from(3, 2, t);
    double acc = -1.0;
    /* 0.5 is not > 0.5: predictions 1,0,1,0,1,0 -> matches at 0, 2, 3 */
    assert_ok(nnb_accuracy_binary(P, T, &acc));
    assert_true(acc == 0.5);
    /* |p - t| < 0.35: 0.1 yes, 0.5 no, 0.49 no, 0.1 yes, 0.7 no, 0.8 no */
    assert_ok(nnb_accuracy_regression(P, T, 0.35f, &acc));
    assert_true(acc == 2.0 / 6.0);

    /* std of {1,1,1,0,0,1} = sqrt(2/9); / 250 */
    float precision = 0.0f;
    assert_ok(nnb_regression_precision(T, 250.0f, &precision));
    assert_close(precision, sqrt(2.0 / 9.0) / 250.0, 1e-7, 0.0);

    nnb_tensor *wrong = tensor_filled(2, 3, 0.0f);
    acc = -1.0;
    precision = -1.0f;
    assert_status(nnb_accuracy_binary(P, wrong, &acc), NNB_ERR_SHAPE);
    assert_status(nnb_accuracy_binary(NULL, T, &acc), NNB_ERR_NULL);
    assert_status(nnb_accuracy_regression(P, T, NAN, &acc), NNB_ERR_ARGUMENT);
    assert_status(nnb_accuracy_regression(P, T, -1.0f, &acc), NNB_ERR_ARGUMENT);
    assert_status(nnb_accuracy_regression(P, wrong, 0.1f, &acc), NNB_ERR_SHAPE);
    assert_status(nnb_regression_precision(T, 0.0f, &precision), NNB_ERR_ARGUMENT);
    assert_status(nnb_regression_precision(T, NAN, &precision), NNB_ERR_ARGUMENT);
    assert_status(nnb_regression_precision(NULL, 250.0f, &precision), NNB_ERR_NULL);
    assert_true(acc == -1.0 && precision == -1.0f);
    nnb_tensor_destroy(wrong);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(P);
}

/* ---- a small end-to-end training loop ---- */

static void test_two_blobs_train_to_full_accuracy(void **state)
{
    (void)state;
    enum { PER = 50, N = 2 * PER, H = 8, EPOCHS = 300 };
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 5));
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create(&X, N, 2));
    uint32_t y[N];
    for (size_t i = 0; i < N; ++i) {
        y[i] = i < PER ? 0u : 1u;
        double centre = y[i] == 0 ? -0.5 : 0.5;
        assert_ok(nnb_tensor_set(X, i, 0, (float)(centre + 0.15 * nnb_rng_normal(rng))));
        assert_ok(nnb_tensor_set(X, i, 1, (float)(centre + 0.15 * nnb_rng_normal(rng))));
    }
    nnb_dense *d1 = NULL, *d2 = NULL;
    assert_ok(nnb_dense_create(&d1, 2, H, rng, 0.1f));
    assert_ok(nnb_dense_create(&d2, H, 2, rng, 0.1f));
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.05;
    nnb_optimizer *opt = NULL;
    assert_ok(nnb_optimizer_create(&opt, &params));
    nnb_tensor *h = tensor_filled(N, H, 0.0f), *a = tensor_filled(N, H, 0.0f), *z = tensor_filled(N, 2, 0.0f);
    nnb_tensor *p = tensor_filled(N, 2, 0.0f), *dz = tensor_filled(N, 2, 0.0f), *da = tensor_filled(N, H, 0.0f);
    float first_loss = 0.0f, loss = 0.0f;
    double acc = 0.0;
    for (int epoch = 0; epoch < EPOCHS; ++epoch) {
        assert_ok(nnb_dense_forward(d1, X, h));
        assert_ok(nnb_relu_forward(h, a));
        assert_ok(nnb_dense_forward(d2, a, z));
        assert_ok(nnb_softmax_forward(z, p));
        assert_ok(nnb_cce_sparse(p, y, N, NULL, &loss));
        assert_ok(nnb_accuracy_categorical(p, y, N, &acc));
        if (epoch == 0) {
            first_loss = loss;
        }
        assert_ok(nnb_softmax_cce_backward(p, y, N, dz));
        assert_ok(nnb_dense_backward(d2, a, dz, da));
        assert_ok(nnb_relu_backward(h, da, da));
        assert_ok(nnb_dense_backward(d1, X, da, NULL));
        assert_ok(nnb_optimizer_pre_update(opt));
        assert_ok(nnb_optimizer_update_dense(opt, d1));
        assert_ok(nnb_optimizer_update_dense(opt, d2));
        assert_ok(nnb_optimizer_post_update(opt));
    }
    assert_close(first_loss, log(2.0), 0.02, 0.0);
    assert_true(loss < 0.05f);
    assert_true(acc == 1.0);
    nnb_tensor_destroy(da);
    nnb_tensor_destroy(dz);
    nnb_tensor_destroy(p);
    nnb_tensor_destroy(z);
    nnb_tensor_destroy(a);
    nnb_tensor_destroy(h);
    nnb_optimizer_destroy(opt);
    nnb_dense_destroy(d2);
    nnb_dense_destroy(d1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_backward_matches_finite_differences),
        cmocka_unit_test(test_dense_backward_regularization_matches_finite_differences),
        cmocka_unit_test(test_dense_backward_rounds_like_numpy),
        cmocka_unit_test(test_dense_regularization_loss_hand_computed),
        cmocka_unit_test(test_dense_backward_allocates_only_once),
        cmocka_unit_test(test_dense_backward_rejects_bad_arguments),
        cmocka_unit_test(test_dense_backward_oom_leaves_layer_usable),
        cmocka_unit_test(test_relu_backward_matches_finite_differences),
        cmocka_unit_test(test_softmax_backward_matches_finite_differences),
        cmocka_unit_test(test_sigmoid_forward_and_backward),
        cmocka_unit_test(test_activation_backward_rejects_bad_arguments),
        cmocka_unit_test(test_dropout_draws_like_numpy_binomial),
        cmocka_unit_test(test_cce_backward_matches_finite_differences),
        cmocka_unit_test(test_fused_softmax_cce_matches_chain_and_finite_differences),
        cmocka_unit_test(test_regression_and_binary_losses_match_finite_differences),
        cmocka_unit_test(test_losses_hand_computed),
        cmocka_unit_test(test_loss_backward_rejects_bad_arguments),
        cmocka_unit_test(test_binary_and_regression_accuracy),
        cmocka_unit_test(test_two_blobs_train_to_full_accuracy),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
