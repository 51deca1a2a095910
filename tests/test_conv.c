/* SPDX-License-Identifier: MIT */
/*
 * Convolutional layers: Conv2D, max/average/global pooling, batch normalisation, flatten.
 *
 * Every layer's forward is compared with a double-precision reference written here (plain loops over the
 * NCHW definition, independent of the im2col + GEMM code), and its backward with central finite
 * differences of that reference in double precision: the gradients of L = sum(r * y) for a random r, with
 * respect to inputs and parameters, within 1e-6 (relative, in the 2-norm). Small hand-computed cases pin
 * the conventions (padding placement, PyTorch's momentum). The model-level tests check shapes and their
 * errors, the wiring of the backward through a whole convolutional model against the same references, zero
 * allocations per training step, prediction agreeing with evaluation, and that a tiny network learns.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers/batchnorm_internal.h"
#include "layers/conv2d_internal.h"
#include "layers/pool2d_internal.h"
#include "layers/split_internal.h"
#include "nnbasics/dense.h"
#include "nnbasics/model.h"
#include "nnbasics/model_file.h"
#include "train/model_internal.h"

#define GRAD_TOL 1e-6
#define FD_STEP 1e-5

/* ---------------------------------------------------------------- helpers */

/* Deterministic values in [-1, 1) that are exactly representable in float (multiples of 2^-12). */
/* Largest |a - b| over n floats, relative to the largest |b| (sums that cancel make elementwise ratios useless). */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0, scale = 1e-30;
    for (size_t i = 0; i < n; ++i) {
        double d = fabs((double)a[i] - (double)b[i]);
        worst = d > worst ? d : worst;
        scale = fmax(scale, fabs((double)b[i]));
    }
    return worst / scale;
}

static void fill(double *v, size_t n, unsigned seed)
{
    unsigned s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; ++i) {
        s = s * 1103515245u + 12345u;
        v[i] = (double)((int)((s >> 8) % 8192u) - 4096) / 4096.0;
    }
}

static void to_float(const double *d, float *f, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        f[i] = (float)d[i];
    }
}

/* ||a - b|| / ||b|| (b: the reference), with b's norm floored at 1e-12. */
static double rel_err_f(const float *a, const double *b, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double d = (double)a[i] - b[i];
        num += d * d;
        den += b[i] * b[i];
    }
    return sqrt(num) / fmax(sqrt(den), 1e-12);
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        s += a[i] * b[i];
    }
    return s;
}

/* ---------------------------------------------------------------- double-precision references */

typedef struct conv_ref {
    size_t C, H, W, O, kh, kw, s, pt, pl, oh, ow;
} conv_ref;

static void ref_conv(const conv_ref *g, size_t rows, const double *x, const double *w, const double *b, double *y)
{
    for (size_t n = 0; n < rows; ++n) {
        for (size_t o = 0; o < g->O; ++o) {
            for (size_t oy = 0; oy < g->oh; ++oy) {
                for (size_t ox = 0; ox < g->ow; ++ox) {
                    double acc = b != NULL ? b[o] : 0.0;
                    for (size_t c = 0; c < g->C; ++c) {
                        for (size_t i = 0; i < g->kh; ++i) {
                            for (size_t j = 0; j < g->kw; ++j) {
                                long yy = (long)(oy * g->s + i) - (long)g->pt;
                                long xx = (long)(ox * g->s + j) - (long)g->pl;
                                if (yy < 0 || xx < 0 || yy >= (long)g->H || xx >= (long)g->W) {
                                    continue;
                                }
                                double xv = x[((n * g->C + c) * g->H + (size_t)yy) * g->W + (size_t)xx];
                                acc += w[((c * g->kh + i) * g->kw + j) * g->O + o] * xv;
                            }
                        }
                    }
                    y[((n * g->O + o) * g->oh + oy) * g->ow + ox] = acc;
                }
            }
        }
    }
}

typedef struct pool_ref {
    size_t C, H, W, kh, kw, s, oh, ow;
    int max;
} pool_ref;

static void ref_pool(const pool_ref *g, size_t rows, const double *x, double *y)
{
    for (size_t q = 0; q < rows * g->C; ++q) {
        for (size_t oy = 0; oy < g->oh; ++oy) {
            for (size_t ox = 0; ox < g->ow; ++ox) {
                double acc = g->max ? -INFINITY : 0.0;
                for (size_t i = 0; i < g->kh; ++i) {
                    for (size_t j = 0; j < g->kw; ++j) {
                        double v = x[(q * g->H + oy * g->s + i) * g->W + ox * g->s + j];
                        acc = g->max ? fmax(acc, v) : acc + v;
                    }
                }
                y[(q * g->oh + oy) * g->ow + ox] = g->max ? acc : acc / (double)(g->kh * g->kw);
            }
        }
    }
}

/* Training-mode batch normalisation: per channel over rows * S values, biased variance. */
static void ref_bn(size_t rows, size_t C, size_t S, double eps, const double *x, const double *gamma,
                   const double *beta, double *y)
{
    for (size_t c = 0; c < C; ++c) {
        double mean = 0.0, var = 0.0;
        for (size_t n = 0; n < rows; ++n) {
            for (size_t s = 0; s < S; ++s) {
                mean += x[(n * C + c) * S + s];
            }
        }
        mean /= (double)(rows * S);
        for (size_t n = 0; n < rows; ++n) {
            for (size_t s = 0; s < S; ++s) {
                double d = x[(n * C + c) * S + s] - mean;
                var += d * d;
            }
        }
        var /= (double)(rows * S);
        for (size_t n = 0; n < rows; ++n) {
            for (size_t s = 0; s < S; ++s) {
                size_t k = (n * C + c) * S + s;
                y[k] = gamma[c] * (x[k] - mean) / sqrt(var + eps) + beta[c];
            }
        }
    }
}

/*
 * Central differences of L(v) = sum(r * f(v)) for every element of v (perturbed in place and restored).
 * f is a closure: eval(ctx, out) computes the layer's output with the current values.
 */
typedef void (*eval_fn)(void *ctx, double *out);

static void fd_grad(eval_fn eval, void *ctx, double *v, size_t n, const double *r, size_t n_out, double *grad)
{
    double *yp = malloc(n_out * sizeof *yp), *ym = malloc(n_out * sizeof *ym);
    assert_non_null(yp);
    assert_non_null(ym);
    for (size_t i = 0; i < n; ++i) {
        double keep = v[i];
        v[i] = keep + FD_STEP;
        eval(ctx, yp);
        v[i] = keep - FD_STEP;
        eval(ctx, ym);
        v[i] = keep;
        grad[i] = (dot(r, yp, n_out) - dot(r, ym, n_out)) / (2.0 * FD_STEP);
    }
    free(yp);
    free(ym);
}

/* ---------------------------------------------------------------- Conv2D */

typedef struct conv_ctx {
    conv_ref g;
    size_t rows;
    double *x, *w, *b;
} conv_ctx;

static void conv_eval(void *p, double *out)
{
    conv_ctx *c = p;
    ref_conv(&c->g, c->rows, c->x, c->w, c->b, out);
}

/* Forward against the reference, then dx, dw, db against finite differences, for one geometry. */
static void check_conv(size_t rows, size_t C, size_t H, size_t W, size_t O, size_t kh, size_t kw, size_t stride,
                       int padding, size_t pad, size_t expect_oh, size_t expect_ow, size_t expect_pt, size_t expect_pl,
                       int bias)
{
    nnb__conv2d_geom g;
    assert_ok(nnb__conv2d_geom_init(&g, C, H, W, O, kh, kw, stride, padding, pad, pad));
    assert_int_equal(g.out_h, expect_oh);
    assert_int_equal(g.out_w, expect_ow);
    assert_int_equal(g.pad_top, expect_pt);
    assert_int_equal(g.pad_left, expect_pl);
    conv_ctx c = {{C, H, W, O, kh, kw, stride, expect_pt, expect_pl, expect_oh, expect_ow}, rows, NULL, NULL, NULL};
    const size_t nx = rows * C * H * W, K = C * kh * kw, nw = K * O, ny = rows * O * expect_oh * expect_ow;
    c.x = malloc(nx * sizeof(double));
    c.w = malloc(nw * sizeof(double));
    c.b = bias ? malloc(O * sizeof(double)) : NULL;
    double *r = malloc(ny * sizeof(double)), *yref = malloc(ny * sizeof(double));
    double *gx = malloc(nx * sizeof(double)), *gw = malloc(nw * sizeof(double)), *gb = malloc(O * sizeof(double));
    float *fx = malloc(nx * sizeof(float)), *fw = malloc(nw * sizeof(float)), *fb = malloc(O * sizeof(float));
    float *fy = malloc(ny * sizeof(float)), *fr = malloc(ny * sizeof(float)), *fdx = malloc(nx * sizeof(float));
    float *fdw = malloc(nw * sizeof(float)), *fdb = malloc(O * sizeof(float));
    float *col = malloc(nnb__conv2d_col_floats(&g, rows) * sizeof(float));
    float *tmp = malloc(nnb__conv2d_tmp_floats(&g, rows) * sizeof(float));
    assert_true(c.x && c.w && r && yref && gx && gw && gb && fx && fw && fb && fy && fr && fdx && fdw && fdb && col &&
                tmp);
    fill(c.x, nx, 1);
    fill(c.w, nw, 2);
    if (bias) {
        fill(c.b, O, 3);
    }
    fill(r, ny, 4);
    to_float(c.x, fx, nx);
    to_float(c.w, fw, nw);
    if (bias) {
        to_float(c.b, fb, O);
    }
    to_float(r, fr, ny);

    ref_conv(&c.g, rows, c.x, c.w, c.b, yref);
    assert_ok(nnb__conv2d_forward(&g, rows, fx, fw, bias ? fb : NULL, fy, col, tmp, NULL));
    assert_true(rel_err_f(fy, yref, ny) < GRAD_TOL);

    assert_ok(nnb__conv2d_backward(&g, rows, fw, fr, fdw, bias ? fdb : NULL, fdx, col, tmp, NULL));
    fd_grad(conv_eval, &c, c.x, nx, r, ny, gx);
    fd_grad(conv_eval, &c, c.w, nw, r, ny, gw);
    double ex = rel_err_f(fdx, gx, nx), ew = rel_err_f(fdw, gw, nw);
    print_message("conv %zux%zux%zu k%zux%zu s%zu pad%d: dx %.2e dw %.2e\n", C, H, W, kh, kw, stride, padding, ex, ew);
    assert_true(ex < GRAD_TOL);
    assert_true(ew < GRAD_TOL);
    if (bias) {
        fd_grad(conv_eval, &c, c.b, O, r, ny, gb);
        assert_true(rel_err_f(fdb, gb, O) < GRAD_TOL);
    }
    free(c.x), free(c.w), free(c.b), free(r), free(yref), free(gx), free(gw), free(gb), free(fx), free(fw);
    free(fb), free(fy), free(fr), free(fdx), free(fdw), free(fdb), free(col), free(tmp);
}

static void test_conv2d_gradients_match_finite_differences(void **state)
{
    (void)state;
    /* valid, stride 1: 5 - 3 + 1 = 3, 4 - 2 + 1 = 3 */
    check_conv(2, 2, 5, 4, 3, 3, 2, 1, 0, 0, 3, 3, 0, 0, 1);
    /* same, stride 2 (PyTorch refuses padding='same' with a stride; this is the TensorFlow/ONNX SAME_UPPER rule):
       ceil(5/2) = 3, ceil(6/2) = 3; total padding (3-1)*2+3-5 = 2 -> 1 above, (3-1)*2+3-6 = 1 -> 0 left, the odd
       one at the right */
    check_conv(3, 2, 5, 6, 2, 3, 3, 2, 1, 0, 3, 3, 1, 0, 1);
    /* explicit padding 1, stride 2, no bias: (4 + 2 - 2) / 2 + 1 = 3 */
    check_conv(2, 3, 4, 4, 4, 2, 2, 2, 2, 1, 3, 3, 1, 1, 0);
    /* 1x1 kernel, one image */
    check_conv(1, 4, 3, 3, 2, 1, 1, 1, 0, 0, 3, 3, 0, 0, 1);
}

static void test_conv2d_forward_matches_hand_computed(void **state)
{
    (void)state;
    /* x = 1..9 in a 3x3 image; kernel [[1, 0], [0, -1]] valid: every output is x[y][x] - x[y+1][x+1] = -4; bias 0.5 */
    nnb__conv2d_geom g;
    assert_ok(nnb__conv2d_geom_init(&g, 1, 3, 3, 1, 2, 2, 1, 0, 0, 0));
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, -1}, b[1] = {0.5f}, y[4], col[16], tmp[4];
    assert_ok(nnb__conv2d_forward(&g, 1, x, w, b, y, col, tmp, NULL));
    for (size_t i = 0; i < 4; ++i) {
        assert_float_equal(y[i], -3.5f, 0.0f);
    }
    /* Ones through a 3x3 kernel of ones with 'same' padding: the neighbour counts 4 6 4 / 6 9 6 / 4 6 4. */
    assert_ok(nnb__conv2d_geom_init(&g, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0));
    float ones[9], k9[9], out[9], col9[81], tmp9[9];
    for (size_t i = 0; i < 9; ++i) {
        ones[i] = 1.0f;
        k9[i] = 1.0f;
    }
    assert_ok(nnb__conv2d_forward(&g, 1, ones, k9, NULL, out, col9, tmp9, NULL));
    const float expect[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    for (size_t i = 0; i < 9; ++i) {
        assert_float_equal(out[i], expect[i], 0.0f);
    }
    /* Its input gradient for dy = ones is the same count pattern (the kernel is symmetric). */
    float dw[9], dx[9];
    assert_ok(nnb__conv2d_backward(&g, 1, k9, ones, dw, NULL, dx, col9, tmp9, NULL));
    for (size_t i = 0; i < 9; ++i) {
        assert_float_equal(dx[i], expect[i], 0.0f);
        assert_float_equal(dw[i], expect[i], 0.0f); /* dW[tap] = sum of the inputs that tap sees */
    }
}

/*
 * 'same' padding with an even kernel on odd sizes, stride 1, as PyTorch defines padding='same': total padding
 * k - 1 per axis, floor((k - 1) / 2) before and the rest after (the extra row and column at the bottom and right).
 * Kernels of ones over x = 1..9 (3x3), so each output is the sum of the pixels its window covers.
 */
static void test_conv2d_same_padding_even_kernel_puts_extra_at_end(void **state)
{
    (void)state;
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    float ones[16], y[9], col[16 * 9], tmp[9];
    for (size_t i = 0; i < 16; ++i) {
        ones[i] = 1.0f;
    }
    nnb__conv2d_geom g;
    /* 2x2: total 1, 0 before and 1 after; window (i..i+1, j..j+1). */
    assert_ok(nnb__conv2d_geom_init(&g, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0));
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.out_w, 3);
    assert_int_equal(g.pad_top, 0);
    assert_int_equal(g.pad_left, 0);
    assert_ok(nnb__conv2d_forward(&g, 1, x, ones, NULL, y, col, tmp, NULL));
    const float e2[9] = {1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 6, 4 + 5 + 7 + 8, 5 + 6 + 8 + 9, 6 + 9, 7 + 8, 8 + 9, 9};
    for (size_t i = 0; i < 9; ++i) {
        assert_float_equal(y[i], e2[i], 0.0f);
    }
    /* 4x4: total 3, 1 before and 2 after; window rows i-1..i+2 (clipped to 0..2): all rows for i = 0, 1, rows 1..2
       for i = 2; the same for the columns. */
    assert_ok(nnb__conv2d_geom_init(&g, 1, 3, 3, 1, 4, 4, 1, 1, 0, 0));
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.pad_top, 1);
    assert_int_equal(g.pad_left, 1);
    assert_ok(nnb__conv2d_forward(&g, 1, x, ones, NULL, y, col, tmp, NULL));
    const float e4[9] = {45, 45, 2 + 3 + 5 + 6 + 8 + 9, 45, 45, 33, 4 + 5 + 6 + 7 + 8 + 9, 39, 5 + 6 + 8 + 9};
    for (size_t i = 0; i < 9; ++i) {
        assert_float_equal(y[i], e4[i], 0.0f);
    }
    /* Rectangular: 3x4 image, 4x3 kernel: rows total 3 -> 1 before, columns total 2 -> 1 before. */
    assert_ok(nnb__conv2d_geom_init(&g, 1, 3, 4, 1, 4, 3, 1, 1, 0, 0));
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.out_w, 4);
    assert_int_equal(g.pad_top, 1);
    assert_int_equal(g.pad_left, 1);
}

/* ---------------------------------------------------------------- pooling */

typedef struct pool_ctx {
    pool_ref g;
    size_t rows;
    double *x;
} pool_ctx;

static void pool_eval(void *p, double *out)
{
    pool_ctx *c = p;
    ref_pool(&c->g, c->rows, c->x, out);
}

static void check_pool(int max, size_t rows, size_t C, size_t H, size_t W, size_t kh, size_t kw, size_t s,
                       size_t expect_oh, size_t expect_ow)
{
    nnb__pool2d_geom g;
    assert_ok(nnb__pool2d_geom_init(&g, C, H, W, kh, kw, s));
    assert_int_equal(g.out_h, expect_oh);
    assert_int_equal(g.out_w, expect_ow);
    pool_ctx c = {{C, H, W, kh, kw, s, expect_oh, expect_ow, max}, rows, NULL};
    const size_t nx = rows * C * H * W, ny = rows * C * expect_oh * expect_ow;
    c.x = malloc(nx * sizeof(double));
    double *r = malloc(ny * sizeof(double)), *yref = malloc(ny * sizeof(double)), *gx = malloc(nx * sizeof(double));
    float *fx = malloc(nx * sizeof(float)), *fy = malloc(ny * sizeof(float)), *fr = malloc(ny * sizeof(float));
    float *fdx = malloc(nx * sizeof(float));
    uint32_t *arg = malloc(ny * sizeof(uint32_t));
    assert_true(c.x && r && yref && gx && fx && fy && fr && fdx && arg);
    /* Distinct values (a permutation of multiples of 1/64), so every window has one maximum. */
    for (size_t i = 0; i < nx; ++i) {
        c.x[i] = (double)((i * 37u + 11u) % nx) / 64.0 - 1.0;
    }
    fill(r, ny, 9);
    to_float(c.x, fx, nx);
    to_float(r, fr, ny);
    ref_pool(&c.g, rows, c.x, yref);
    if (max) {
        nnb__maxpool2d_forward(&g, rows, fx, fy, arg);
        nnb__maxpool2d_backward(&g, rows, arg, fr, fdx);
    } else {
        nnb__avgpool2d_forward(&g, rows, fx, fy);
        nnb__avgpool2d_backward(&g, rows, fr, fdx);
    }
    assert_true(rel_err_f(fy, yref, ny) < GRAD_TOL);
    fd_grad(pool_eval, &c, c.x, nx, r, ny, gx);
    assert_true(rel_err_f(fdx, gx, nx) < GRAD_TOL);
    free(c.x), free(r), free(yref), free(gx), free(fx), free(fy), free(fr), free(fdx), free(arg);
}

static void test_pooling_gradients_match_finite_differences(void **state)
{
    (void)state;
    check_pool(1, 2, 3, 4, 4, 2, 2, 2, 2, 2);
    check_pool(1, 1, 2, 5, 7, 3, 2, 2, 2, 3); /* overlapping rows, floor of (7 - 2) / 2 + 1 */
    check_pool(1, 2, 2, 5, 7, 2, 2, 2, 2, 3); /* 2 x 2 / 2 on odd sizes: the last row and column unused */
    check_pool(0, 2, 3, 4, 4, 2, 2, 2, 2, 2);
    check_pool(0, 2, 2, 5, 5, 3, 3, 1, 3, 3); /* overlapping windows add */
    check_pool(0, 3, 2, 3, 4, 3, 4, 1, 1, 1); /* global average */
}

static void test_maxpool_forward_and_backward_hand_computed(void **state)
{
    (void)state;
    nnb__pool2d_geom g;
    assert_ok(nnb__pool2d_geom_init(&g, 1, 4, 4, 2, 2, 2));
    const float x[16] = {1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 2, -1, 7, 3, 3};
    float y[4], dx[16];
    uint32_t arg[4];
    nnb__maxpool2d_forward(&g, 1, x, y, arg);
    const float ey[4] = {5, 8, 7, 3};
    const uint32_t earg[4] = {1, 6, 13, 14};
    for (size_t i = 0; i < 4; ++i) {
        assert_float_equal(y[i], ey[i], 0.0f);
        assert_int_equal(arg[i], earg[i]);
    }
    const float dy[4] = {1, 2, 3, 4};
    nnb__maxpool2d_backward(&g, 1, arg, dy, dx);
    for (size_t i = 0; i < 16; ++i) {
        float e = i == 1 ? 1.0f : i == 6 ? 2.0f : i == 13 ? 3.0f : i == 14 ? 4.0f : 0.0f;
        assert_float_equal(dx[i], e, 0.0f);
    }
    assert_status(nnb__pool2d_geom_init(&g, 1, 2, 2, 3, 1, 1), NNB_ERR_ARGUMENT);
    assert_status(nnb__pool2d_geom_init(&g, 1, 2, 2, 0, 1, 1), NNB_ERR_ARGUMENT);
}

/*
 * A convolution and a max pooling large enough for their passes (im2col, col2im, the rearranging, pooling)
 * to be split over threads: at 1, 2 and 3 threads every output and gradient has the same bits, and the
 * 1-thread forward agrees with the double-precision reference. Geometries: 'same' padding with stride 1
 * (the padded edges of the row copies), explicit padding with stride 2, and a 2 x 2 / stride 2 pooling of an
 * odd-sized input with ties.
 */
static void check_conv_threads(size_t rows, size_t C, size_t H, size_t W, size_t O, size_t k, size_t stride,
                               int padding, size_t pad)
{
    nnb__conv2d_geom g;
    assert_ok(nnb__conv2d_geom_init(&g, C, H, W, O, k, k, stride, padding, pad, pad));
    /* large enough for every pass to be split */
    assert_true(nnb__conv2d_col_floats(&g, rows) >= NNB__SPLIT_MIN_WORK);
    assert_true(2u * nnb__conv2d_tmp_floats(&g, rows) >= NNB__SPLIT_MIN_WORK);
    const size_t nx = rows * C * H * W, nw = C * k * k * O, ny = rows * O * g.out_h * g.out_w;
    const size_t ncol = nnb__conv2d_col_floats(&g, rows), ntmp = nnb__conv2d_tmp_floats(&g, rows);
    double *dx = malloc(nx * sizeof(double)), *dw = malloc(nw * sizeof(double)), *db = malloc(O * sizeof(double));
    double *yref = malloc(ny * sizeof(double)), *dr = malloc(ny * sizeof(double));
    float *x = malloc(nx * sizeof(float)), *w = malloc(nw * sizeof(float)), *b = malloc(O * sizeof(float));
    float *r = malloc(ny * sizeof(float)), *col = malloc(ncol * sizeof(float)), *tmp = malloc(ntmp * sizeof(float));
    float *y[3], *gx[3], *gw[3], *gb[3];
    assert_true(dx && dw && db && yref && dr && x && w && b && r && col && tmp);
    for (size_t t = 0; t < 3; ++t) {
        y[t] = malloc(ny * sizeof(float));
        gx[t] = malloc(nx * sizeof(float));
        gw[t] = malloc(nw * sizeof(float));
        gb[t] = malloc(O * sizeof(float));
        assert_true(y[t] && gx[t] && gw[t] && gb[t]);
    }
    fill(dx, nx, 21);
    fill(dw, nw, 22);
    fill(db, O, 23);
    fill(dr, ny, 24);
    to_float(dx, x, nx);
    to_float(dw, w, nw);
    to_float(db, b, O);
    to_float(dr, r, ny);
    for (size_t t = 0; t < 3; ++t) {
        assert_ok(nnb_set_num_threads(t + 1u));
        assert_ok(nnb__conv2d_forward(&g, rows, x, w, b, y[t], col, tmp, NULL));
        assert_ok(nnb__conv2d_backward(&g, rows, w, r, gw[t], gb[t], gx[t], col, tmp, NULL));
    }
    assert_ok(nnb_set_num_threads(0));
    conv_ref ref = {C, H, W, O, k, k, stride, g.pad_top, g.pad_left, g.out_h, g.out_w};
    ref_conv(&ref, rows, dx, dw, db, yref);
    assert_true(rel_err_f(y[0], yref, ny) < GRAD_TOL);
    /*
     * The library's own GEMM cores sum in the same order at every thread count; OpenBLAS (the cblas core) splits
     * the long reductions by thread, so there the products (y, dx, dW) agree only to float32 rounding. The bias
     * gradient and every pass around the products are the layer's own: bit for bit on every core.
     */
    const int own_gemm = strcmp(nnb_backend_name(), "cblas") != 0;
    for (size_t t = 1; t < 3; ++t) {
        if (own_gemm) {
            assert_memory_equal(y[t], y[0], ny * sizeof(float));
            assert_memory_equal(gx[t], gx[0], nx * sizeof(float));
            assert_memory_equal(gw[t], gw[0], nw * sizeof(float));
        } else {
            printf("cblas, %zu threads: y %.2e dx %.2e dW %.2e (relative to the largest element)\n", t + 1u,
                   max_rel_diff(y[t], y[0], ny), max_rel_diff(gx[t], gx[0], nx), max_rel_diff(gw[t], gw[0], nw));
            assert_true(max_rel_diff(y[t], y[0], ny) < 1e-5);
            assert_true(max_rel_diff(gx[t], gx[0], nx) < 1e-5);
            assert_true(max_rel_diff(gw[t], gw[0], nw) < 1e-5);
        }
        assert_memory_equal(gb[t], gb[0], O * sizeof(float));
    }
    for (size_t t = 0; t < 3; ++t) {
        free(y[t]), free(gx[t]), free(gw[t]), free(gb[t]);
    }
    free(dx), free(dw), free(db), free(yref), free(dr), free(x), free(w), free(b), free(r), free(col), free(tmp);
}

static void test_conv_and_pool_results_do_not_depend_on_thread_count(void **state)
{
    (void)state;
    check_conv_threads(16, 4, 21, 19, 8, 3, 1, 1, 0);  /* same: 21 x 19 */
    check_conv_threads(16, 4, 33, 31, 16, 5, 2, 2, 2); /* explicit 2, stride 2: 17 x 16 */

    nnb__pool2d_geom g;
    const size_t rows = 16, C = 8, H = 23, W = 25; /* 11 x 12 windows; the last row and column are dropped */
    assert_ok(nnb__pool2d_geom_init(&g, C, H, W, 2, 2, 2));
    assert_true(rows * C * H * W >= NNB__SPLIT_MIN_WORK);
    const size_t nx = rows * C * H * W, ny = rows * C * g.out_h * g.out_w;
    double *dref = malloc(nx * sizeof(double)), *yref = malloc(ny * sizeof(double));
    float *x = malloc(nx * sizeof(float)), *r = malloc(ny * sizeof(float));
    uint32_t *arg = malloc(ny * sizeof(uint32_t));
    float *y[3], *dx[3];
    assert_true(dref && yref && x && r && arg);
    /* Values on a coarse grid (multiples of 1/8 in [-1, 1)): many windows hold their maximum twice. */
    fill(dref, nx, 31);
    for (size_t i = 0; i < nx; ++i) {
        dref[i] = floor(dref[i] * 8.0) / 8.0;
        x[i] = (float)dref[i];
    }
    for (size_t i = 0; i < ny; ++i) {
        r[i] = (float)(i % 7u) - 3.0f;
    }
    for (size_t t = 0; t < 3; ++t) {
        y[t] = malloc(ny * sizeof(float));
        dx[t] = malloc(nx * sizeof(float));
        assert_true(y[t] && dx[t]);
        assert_ok(nnb_set_num_threads(t + 1u));
        nnb__maxpool2d_forward(&g, rows, x, y[t], arg);
        nnb__maxpool2d_backward(&g, rows, arg, r, dx[t]);
    }
    assert_ok(nnb_set_num_threads(0));
    pool_ref pr = {C, H, W, 2, 2, 2, g.out_h, g.out_w, 1};
    ref_pool(&pr, rows, dref, yref);
    assert_true(rel_err_f(y[0], yref, ny) == 0.0);
    /* Each gradient lands on the first maximum of its window, in row-major order (PyTorch's choice too). */
    for (size_t q = 0; q < rows * C; ++q) {
        for (size_t oy = 0; oy < g.out_h; ++oy) {
            for (size_t ox = 0; ox < g.out_w; ++ox) {
                const float *px = x + q * H * W;
                size_t first = SIZE_MAX;
                for (size_t i = 0; i < 2 && first == SIZE_MAX; ++i) {
                    for (size_t j = 0; j < 2 && first == SIZE_MAX; ++j) {
                        size_t at = (2 * oy + i) * W + 2 * ox + j;
                        if ((double)px[at] == yref[(q * g.out_h + oy) * g.out_w + ox]) {
                            first = at;
                        }
                    }
                }
                assert_int_equal(arg[(q * g.out_h + oy) * g.out_w + ox], first);
            }
        }
    }
    for (size_t t = 1; t < 3; ++t) {
        assert_memory_equal(y[t], y[0], ny * sizeof(float));
        assert_memory_equal(dx[t], dx[0], nx * sizeof(float));
    }
    for (size_t t = 0; t < 3; ++t) {
        free(y[t]), free(dx[t]);
    }
    free(dref), free(yref), free(x), free(r), free(arg);
}

/* ---------------------------------------------------------------- batch normalisation */

typedef struct bn_ctx {
    size_t rows, C, S;
    double eps;
    double *x, *gamma, *beta;
} bn_ctx;

static void bn_eval(void *p, double *out)
{
    bn_ctx *c = p;
    ref_bn(c->rows, c->C, c->S, c->eps, c->x, c->gamma, c->beta, out);
}

static void check_bn(size_t rows, size_t C, size_t S)
{
    bn_ctx c = {rows, C, S, 1e-5, NULL, NULL, NULL};
    const size_t n = rows * C * S;
    c.x = malloc(n * sizeof(double));
    c.gamma = malloc(C * sizeof(double));
    c.beta = malloc(C * sizeof(double));
    double *r = malloc(n * sizeof(double)), *yref = malloc(n * sizeof(double)), *gx = malloc(n * sizeof(double));
    double *gg = malloc(C * sizeof(double)), *gbeta = malloc(C * sizeof(double));
    float *fx = malloc(n * sizeof(float)), *fy = malloc(n * sizeof(float)), *fr = malloc(n * sizeof(float));
    float *fdx = malloc(n * sizeof(float)), *xhat = malloc(n * sizeof(float));
    float fg[8], fb[8], fdg[8], fdb[8], inv[8];
    assert_true(C <= 8);
    assert_true(c.x && c.gamma && c.beta && r && yref && gx && gg && gbeta && fx && fy && fr && fdx && xhat);
    fill(c.x, n, 21);
    fill(c.gamma, C, 22);
    fill(c.beta, C, 23);
    fill(r, n, 24);
    to_float(c.x, fx, n);
    to_float(c.gamma, fg, C);
    to_float(c.beta, fb, C);
    to_float(r, fr, n);
    ref_bn(rows, C, S, c.eps, c.x, c.gamma, c.beta, yref);
    nnb__batchnorm_forward_train(rows, C, S, (float)c.eps, 0.1f, fx, fg, fb, fy, xhat, inv, NULL, NULL);
    assert_true(rel_err_f(fy, yref, n) < GRAD_TOL);
    nnb__batchnorm_backward(rows, C, S, fg, xhat, inv, fr, fdg, fdb, fdx);
    fd_grad(bn_eval, &c, c.x, n, r, n, gx);
    fd_grad(bn_eval, &c, c.gamma, C, r, n, gg);
    fd_grad(bn_eval, &c, c.beta, C, r, n, gbeta);
    double ex = rel_err_f(fdx, gx, n);
    print_message("batchnorm rows %zu C %zu S %zu: dx %.2e\n", rows, C, S, ex);
    assert_true(ex < GRAD_TOL);
    assert_true(rel_err_f(fdg, gg, C) < GRAD_TOL);
    assert_true(rel_err_f(fdb, gbeta, C) < GRAD_TOL);
    free(c.x), free(c.gamma), free(c.beta), free(r), free(yref), free(gx), free(gg), free(gbeta), free(fx);
    free(fy), free(fr), free(fdx), free(xhat);
}

static void test_batchnorm_gradients_match_finite_differences(void **state)
{
    (void)state;
    check_bn(5, 3, 1); /* dense activations: every feature a channel */
    check_bn(3, 2, 6); /* conv activations: 2 channels of 2 x 3 pixels */
}

static void test_batchnorm_running_averages_follow_pytorch_momentum(void **state)
{
    (void)state;
    /* One channel, x = 1 2 3 4: mean 2.5, biased variance 1.25, unbiased 5/3. With momentum 0.1 from (0, 1):
       running mean 0.25, running variance 0.9 + 0.1 * 5/3 = 1.0666667. */
    const float x[4] = {1, 2, 3, 4}, gamma[1] = {2.0f}, beta[1] = {0.5f};
    float y[4], xhat[4], inv[1], running[2] = {0.0f, 1.0f};
    nnb__batchnorm_forward_train(4, 1, 1, 1e-5f, 0.1f, x, gamma, beta, y, xhat, inv, &running[0], &running[1]);
    assert_float_equal(running[0], 0.25f, 1e-7f);
    assert_float_equal(running[1], 0.9f + 0.1f * 5.0f / 3.0f, 1e-6f);
    /* y = 2 * (x - 2.5) / sqrt(1.25 + 1e-5) + 0.5 */
    for (size_t i = 0; i < 4; ++i) {
        double e = 2.0 * ((double)x[i] - 2.5) / sqrt(1.25 + 1e-5) + 0.5;
        assert_float_equal(y[i], (float)e, 1e-6f);
    }
    /* Inference: (x - 0.25) / sqrt(1.0666667 + 1e-5) * 2 + 0.5. */
    float yi[4];
    nnb__batchnorm_forward_infer(4, 1, 1, 1e-5f, x, gamma, beta, &running[0], &running[1], yi);
    for (size_t i = 0; i < 4; ++i) {
        double e = 2.0 * ((double)x[i] - 0.25) / sqrt((0.9 + 0.1 * 5.0 / 3.0) + 1e-5) + 0.5;
        assert_float_equal(yi[i], (float)e, 1e-5f);
    }
}

/* ---------------------------------------------------------------- the model */

static nnb_conv2d_params conv_params(size_t k, nnb_padding padding)
{
    nnb_conv2d_params p = nnb_conv2d_params_default(k);
    p.padding = padding;
    return p;
}

static void test_model_checks_image_shapes(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    nnb_conv2d_params same = conv_params(3, NNB_PADDING_SAME), valid = conv_params(3, NNB_PADDING_VALID);
    assert_status(nnb_model_add_conv2d(NULL, 1, 8, 8, 4, &same), NNB_ERR_NULL);
    assert_status(nnb_model_add_maxpool2d(m, 2, 2, 0), NNB_ERR_STATE); /* no input shape yet */
    assert_status(nnb_model_add_conv2d(m, 0, 0, 0, 4, &same), NNB_ERR_STATE);
    assert_status(nnb_model_add_conv2d(m, 1, 8, 8, 0, &same), NNB_ERR_ARGUMENT);
    nnb_conv2d_params big = conv_params(9, NNB_PADDING_VALID);
    assert_status(nnb_model_add_conv2d(m, 1, 8, 8, 4, &big), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "larger"));
    assert_int_equal(nnb_model_layer_count(m), 0);

    assert_ok(nnb_model_add_conv2d(m, 1, 8, 8, 4, &same)); /* 4 x 8 x 8 */
    assert_status(nnb_model_add_maxpool2d(m, 9, 9, 0), NNB_ERR_SHAPE);
    assert_status(nnb_model_add_batchnorm(m, 1.5f, 1e-5f), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_batchnorm(m, 0.1f, 0.0f), NNB_ERR_ARGUMENT);
    assert_ok(nnb_model_add_maxpool2d(m, 2, 2, 0)); /* 4 x 4 x 4 */
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_conv2d(m, 0, 0, 0, 6, &valid)); /* 6 x 2 x 2 */
    assert_ok(nnb_model_add_global_avgpool(m));             /* 6 x 1 x 1 */
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 6, 3, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_finalize(m));
    const size_t expect[9][3] = {{4, 8, 8}, {4, 4, 4}, {4, 4, 4}, {4, 4, 4}, {6, 2, 2},
                                 {6, 1, 1}, {6, 1, 1}, {3, 1, 1}, {3, 1, 1}};
    for (size_t i = 0; i < 9; ++i) {
        size_t chw[3];
        assert_ok(nnb_model_layer_shape(m, i, chw));
        assert_int_equal(chw[0], expect[i][0]);
        assert_int_equal(chw[1], expect[i][1]);
        assert_int_equal(chw[2], expect[i][2]);
    }
    assert_int_equal(nnb_model_input_size(m), 64);
    assert_int_equal(nnb_model_output_size(m), 3);
    size_t params = 0;
    assert_ok(nnb_model_parameter_count(m, &params));
    /* conv 9*4 + 4, batchnorm 2*4, conv 36*6 + 6, dense 6*3 + 3 */
    assert_int_equal(params, 40 + 8 + 222 + 21);
    char text[4096];
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_ok(nnb_model_summary(m, f, 2));
    rewind(f);
    size_t got = fread(text, 1, sizeof text - 1, f);
    text[got] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "conv2d"));
    assert_non_null(strstr(text, "(2, 4, 8, 8)"));
    assert_non_null(strstr(text, "(2, 6, 2, 2)"));
    nnb_model_destroy(m);

    /* A dense layer straight after an image: finalize asks for a flatten. */
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_model_add_conv2d(m, 1, 4, 4, 2, &valid));
    assert_ok(nnb_model_add_dense(m, 8, 2, 0.1f, NULL));
    assert_status(nnb_model_finalize(m), NNB_ERR_SHAPE);
    assert_non_null(strstr(nnb_last_error(), "flatten"));
    nnb_model_destroy(m);

    /* A convolution told the wrong input shape. */
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_model_add_conv2d(m, 1, 6, 6, 2, &valid));
    assert_ok(nnb_model_add_conv2d(m, 2, 5, 5, 2, &valid));
    assert_status(nnb_model_finalize(m), NNB_ERR_SHAPE);
    assert_non_null(strstr(nnb_last_error(), "2 x 4 x 4"));
    nnb_model_destroy(m);
}

/* softmax + mean cross-entropy of logits (rows x k) against labels, in double. */
static double ref_cce(const double *z, const uint32_t *labels, size_t rows, size_t k)
{
    double loss = 0.0;
    for (size_t n = 0; n < rows; ++n) {
        double mx = z[n * k];
        for (size_t j = 1; j < k; ++j) {
            mx = fmax(mx, z[n * k + j]);
        }
        double s = 0.0;
        for (size_t j = 0; j < k; ++j) {
            s += exp(z[n * k + j] - mx);
        }
        loss -= z[n * k + labels[n]] - mx - log(s);
    }
    return loss / (double)rows;
}

/* conv(1x5x5 -> 2, 3x3 same) -> relu -> maxpool 2 -> flatten -> dense(8 -> 3) -> softmax + CCE. */
typedef struct net_ctx {
    double x[3 * 25], cw[9 * 2], cb[2], dw[8 * 3], db[3];
    uint32_t labels[3];
} net_ctx;

static double net_loss(net_ctx *c)
{
    const conv_ref cg = {1, 5, 5, 2, 3, 3, 1, 1, 1, 5, 5};
    const pool_ref pg = {2, 5, 5, 2, 2, 2, 2, 2, 1};
    double a[3 * 50], p[3 * 8], z[3 * 3];
    ref_conv(&cg, 3, c->x, c->cw, c->cb, a);
    for (size_t i = 0; i < 150; ++i) {
        a[i] = fmax(a[i], 0.0);
    }
    ref_pool(&pg, 3, a, p);
    for (size_t n = 0; n < 3; ++n) {
        for (size_t j = 0; j < 3; ++j) {
            double s = c->db[j];
            for (size_t i = 0; i < 8; ++i) {
                s += p[n * 8 + i] * c->dw[i * 3 + j];
            }
            z[n * 3 + j] = s;
        }
    }
    return ref_cce(z, c->labels, 3, 3);
}

static void fd_loss(net_ctx *c, double *v, size_t n, double *grad)
{
    for (size_t i = 0; i < n; ++i) {
        double keep = v[i];
        v[i] = keep + FD_STEP;
        double lp = net_loss(c);
        v[i] = keep - FD_STEP;
        double lm = net_loss(c);
        v[i] = keep;
        grad[i] = (lp - lm) / (2.0 * FD_STEP);
    }
}

static void test_model_backward_through_conv_layers_matches_reference(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 5));
    nnb_conv2d_params same = conv_params(3, NNB_PADDING_SAME);
    same.init = nnb_init_of(NNB_INIT_GLOROT_UNIFORM);
    same.init.bias = 0.05f;
    assert_ok(nnb_model_add_conv2d(m, 1, 5, 5, 2, &same));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_maxpool2d(m, 2, 2, 2));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 8, 3, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_finalize(m));
    assert_ok(nnb_model_prepare(m, 3));

    net_ctx c;
    fill(c.x, 75, 31);
    for (size_t i = 0; i < 75; ++i) {
        c.x[i] = (double)(float)(c.x[i] + 0.25); /* mostly positive pre-activations: ReLU passes most values */
    }
    c.labels[0] = 0;
    c.labels[1] = 2;
    c.labels[2] = 1;
    nnb_dense *conv = nnb_model_dense_params(m, 0), *dense = nnb_model_dense_params(m, 4);
    assert_non_null(conv);
    assert_non_null(dense);
    assert_null(nnb_model_dense(m, 0)); /* not a dense layer */
    for (size_t i = 0; i < 18; ++i) {
        c.cw[i] = (double)nnb_tensor_cdata(nnb_dense_weights(conv))[i];
    }
    for (size_t i = 0; i < 2; ++i) {
        c.cb[i] = (double)nnb_tensor_cdata(nnb_dense_biases(conv))[i];
    }
    for (size_t i = 0; i < 24; ++i) {
        c.dw[i] = (double)nnb_tensor_cdata(nnb_dense_weights(dense))[i];
    }
    for (size_t i = 0; i < 3; ++i) {
        c.db[i] = (double)nnb_tensor_cdata(nnb_dense_biases(dense))[i];
    }
    float fx[75];
    to_float(c.x, fx, 75);
    nnb_tensor X;
    nnb__tensor_view_init(&X, fx, 3, 25);
    nnb_targets t = nnb_targets_from_labels(c.labels, 3);
    assert_ok(nnb__model_forward_ws(m, &X, 1));
    assert_ok(nnb__model_backward_ws(m, &t));

    double g_cw[18], g_cb[2], g_dw[24];
    fd_loss(&c, c.cw, 18, g_cw);
    fd_loss(&c, c.cb, 2, g_cb);
    fd_loss(&c, c.dw, 24, g_dw);
    /* The model computes in float32 (its softmax too): 1e-5 here, the layers alone are held to 1e-6 above. */
    double e1 = rel_err_f(nnb_tensor_cdata(nnb_dense_dweights(conv)), g_cw, 18);
    double e2 = rel_err_f(nnb_tensor_cdata(nnb_dense_dbiases(conv)), g_cb, 2);
    double e3 = rel_err_f(nnb_tensor_cdata(nnb_dense_dweights(dense)), g_dw, 24);
    print_message("model: conv dW %.2e db %.2e dense dW %.2e\n", e1, e2, e3);
    assert_true(e1 < 1e-5);
    assert_true(e2 < 1e-5);
    assert_true(e3 < 1e-5);
    nnb_model_destroy(m);
}

/* Mean cross-entropy of the model's training-mode output for X (batch statistics in batchnorm), in double. */
static double model_loss(nnb_model *m, const nnb_tensor *X, const uint32_t *labels)
{
    assert_ok(nnb__model_forward_ws(m, X, 1));
    const nnb_tensor *out = nnb__model_output(m);
    double loss = 0.0;
    for (size_t n = 0; n < out->rows; ++n) {
        loss -= log((double)out->data[n * out->cols + labels[n]]);
    }
    return loss / (double)out->rows;
}

/*
 * Batchnorm's wiring inside a model (on top of the layer checks above): conv -> batchnorm -> relu (in place)
 * -> flatten -> dense -> softmax; the backward's conv and gamma/beta gradients against central differences
 * of the model's own float32 forward (step 1e-2: a coarse check, 2e-2 relative, that catches wiring errors).
 */
static void test_model_backward_through_batchnorm_matches_differences(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 11));
    nnb_conv2d_params same = conv_params(3, NNB_PADDING_SAME);
    assert_ok(nnb_model_add_conv2d(m, 1, 4, 4, 2, &same));
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 32, 3, 0.3f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_finalize(m));
    assert_ok(nnb_model_prepare(m, 6));
    double xd[6 * 16];
    float xf[6 * 16];
    fill(xd, 96, 41);
    to_float(xd, xf, 96);
    nnb_tensor X;
    nnb__tensor_view_init(&X, xf, 6, 16);
    const uint32_t labels[6] = {0, 1, 2, 2, 1, 0};
    nnb_targets t = nnb_targets_from_labels(labels, 6);
    nnb_dense *bn = nnb_model_dense_params(m, 1), *conv = nnb_model_dense_params(m, 0);
    float *gamma = nnb_tensor_data(nnb_dense_weights_mut(bn));
    float *beta = nnb_tensor_data(nnb_dense_biases_mut(bn));
    gamma[0] = 1.5f;
    beta[1] = 0.25f;
    (void)model_loss(m, &X, labels);
    assert_ok(nnb__model_backward_ws(m, &t));
    float *params[3] = {nnb_tensor_data(nnb_dense_weights_mut(conv)), gamma, beta};
    const float *grads[3] = {nnb_tensor_cdata(nnb_dense_dweights(conv)), nnb_tensor_cdata(nnb_dense_dweights(bn)),
                             nnb_tensor_cdata(nnb_dense_dbiases(bn))};
    float analytic[18];
    double numeric[18];
    const size_t counts[3] = {18, 2, 2};
    for (size_t k = 0; k < 3; ++k) {
        memcpy(analytic, grads[k], counts[k] * sizeof(float));
        for (size_t i = 0; i < counts[k]; ++i) {
            const float keep = params[k][i];
            params[k][i] = keep + 1e-2f;
            double lp = model_loss(m, &X, labels);
            params[k][i] = keep - 1e-2f;
            double lm = model_loss(m, &X, labels);
            params[k][i] = keep;
            numeric[i] = (lp - lm) / (2e-2);
        }
        double e = rel_err_f(analytic, numeric, counts[k]);
        print_message("batchnorm model: parameter set %zu: %.2e\n", k, e);
        assert_true(e < 2e-2);
    }
    nnb_model_destroy(m);
}

/* n 8x8 images: class 0 a vertical bar, class 1 a horizontal bar, at a random place, on low noise. */
static void make_bars(size_t n, unsigned seed, nnb_tensor **X, uint32_t *labels)
{
    assert_ok(nnb_tensor_create(X, n, 64));
    float *x = nnb_tensor_data(*X);
    double noise[64];
    for (size_t i = 0; i < n; ++i) {
        fill(noise, 64, seed + (unsigned)i);
        labels[i] = (uint32_t)(i % 2);
        size_t at = (size_t)((noise[0] + 1.0) * 3.0) + 1; /* 1..6 */
        for (size_t k = 0; k < 64; ++k) {
            size_t y = k / 8, xx = k % 8;
            int on = labels[i] == 0 ? xx == at : y == at;
            x[i * 64 + k] = (float)(0.1 * noise[k]) + (on ? 1.0f : 0.0f);
        }
    }
}

static nnb_model *make_cnn(void)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 7));
    nnb_conv2d_params same = conv_params(3, NNB_PADDING_SAME);
    assert_ok(nnb_model_add_conv2d(m, 1, 8, 8, 4, &same));
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_maxpool2d(m, 2, 2, 0));
    nnb_conv2d_params valid = conv_params(3, NNB_PADDING_VALID);
    assert_ok(nnb_model_add_conv2d(m, 0, 0, 0, 8, &valid));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_avgpool2d(m, 2, 2, 0));
    assert_ok(nnb_model_add_global_avgpool(m));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 8, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.01;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    return m;
}

/* The running statistics of batchnorm layer 1 after every epoch's validation report, by epoch. */
typedef struct bn_snapshots {
    nnb_model *m;
    float mean[40][4], var[40][4];
    size_t last;
} bn_snapshots;

static int snapshot_bn(const nnb_progress *p, void *user)
{
    bn_snapshots *s = user;
    if (p->event == NNB_PROGRESS_VALIDATION && p->epoch < 40) {
        float *mean = NULL, *var = NULL;
        size_t C = 0;
        assert_ok(nnb_model_batchnorm_stats(s->m, 1, &mean, &var, &C));
        assert_int_equal(C, 4);
        memcpy(s->mean[p->epoch], mean, sizeof s->mean[0]);
        memcpy(s->var[p->epoch], var, sizeof s->var[0]);
        s->last = p->epoch;
    }
    return 0;
}

/*
 * Early stopping keeps the best epoch's model: its parameters and also the batchnorm running mean and variance
 * its inference uses (bit for bit the values they had when that epoch's validation ran), not the last epoch's.
 */
static void test_early_stopping_restores_batchnorm_statistics(void **state)
{
    (void)state;
    enum { N = 64 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_bars(N, 300, &X, labels);
    nnb_model *m = make_cnn();
    nnb_targets y = nnb_targets_from_labels(labels, N);
    bn_snapshots snap;
    memset(&snap, 0, sizeof snap);
    snap.m = m;
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 39;
    tp.batch_size = 8;
    tp.shuffle = 1;
    tp.validation_split = 0.5; /* a small, noisy validation half: its loss stops improving early */
    tp.early_stop = NNB_MONITOR_VAL_ACCURACY;
    tp.patience = 2;
    tp.progress = snapshot_bn;
    tp.user = &snap;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    const size_t best = nnb_model_best_epoch(m);
    print_message("early stopping: best epoch %zu of %zu\n", best, snap.last);
    assert_true(best >= 1);
    assert_true(best < snap.last); /* training went on after the best epoch: its statistics moved on */
    assert_true(memcmp(snap.mean[best], snap.mean[snap.last], sizeof snap.mean[0]) != 0);
    float *mean = NULL, *var = NULL;
    assert_ok(nnb_model_batchnorm_stats(m, 1, &mean, &var, NULL));
    assert_memory_equal(mean, snap.mean[best], sizeof snap.mean[0]);
    assert_memory_equal(var, snap.var[best], sizeof snap.var[0]);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

/* Early stopping on a convolution without bias: its parameter copy is sized for what it copies. */
static void test_early_stopping_with_bias_free_convolution(void **state)
{
    (void)state;
    enum { N = 32 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    nnb_test_force_guard_pages(1); /* every block ends at an unmapped page: an overrun faults */
    make_bars(N, 400, &X, labels);
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    nnb_conv2d_params p = conv_params(3, NNB_PADDING_VALID);
    p.bias = 0;
    assert_ok(nnb_model_add_conv2d(m, 1, 8, 8, 8, &p)); /* 72 weights, no bias: the holder keeps 8 zeros */
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_global_avgpool(m));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 8, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_finalize(m));
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.batch_size = 8;
    tp.validation_split = 0.25;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 5;
    assert_ok(nnb_model_train(m, X, &y, &tp)); /* the sanitizers and the test allocator see any overrun */
    const float *b = nnb_tensor_cdata(nnb_dense_biases(nnb_model_dense_params(m, 0)));
    for (size_t i = 0; i < 8; ++i) {
        assert_float_equal(b[i], 0.0f, 0.0f);
    }
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_test_force_guard_pages(nnb_test_guard_pages_enabled());
}

static void test_cnn_learns_and_allocates_nothing_per_step(void **state)
{
    (void)state;
    enum { N = 96 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *P = NULL;
    make_bars(N, 100, &X, labels);
    assert_ok(nnb_tensor_create(&P, N, 2));
    nnb_model *m = make_cnn();
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_model_workspace_create(&ws, m, 32));
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 1;
    tp.batch_size = 32;
    tp.shuffle = 1;
    assert_ok(nnb_model_train(m, X, &y, &tp)); /* first run: workspace, gradients, optimizer state */

    nnb_test_reset_counts();
    tp.epochs = 30;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(nnb_test_alloc_count(), 0);
    float loss = 0.0f;
    double acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 32, &loss, &acc));
    assert_ok(nnb_model_predict(m, X, P, 0, ws));
    assert_int_equal(nnb_test_alloc_count(), 0);
    print_message("bars: loss %.4f accuracy %.3f\n", (double)loss, acc);
    assert_true(acc >= 0.95);

    /* Prediction (running averages, in place) agrees with evaluation: the same accuracy. */
    size_t right = 0;
    const float *p = nnb_tensor_cdata(P);
    for (size_t i = 0; i < N; ++i) {
        right += (p[2 * i + 1] > p[2 * i]) == (labels[i] == 1);
    }
    assert_true(fabs((double)right / N - acc) < 1e-12);

    /* A workspace made for another model is refused, not overrun. */
    nnb_model *dense_only = NULL;
    nnb_model_workspace *small = NULL;
    assert_ok(nnb_model_create(&dense_only, 1));
    assert_ok(nnb_model_add_dense(dense_only, 64, 64, 0.1f, NULL));
    assert_ok(nnb_model_finalize(dense_only));
    assert_ok(nnb_model_workspace_create(&small, dense_only, 32));
    assert_status(nnb_model_predict(m, X, P, 0, small), NNB_ERR_SHAPE);
    nnb_model_workspace_destroy(small);
    nnb_model_destroy(dense_only);

    nnb_model_workspace_destroy(ws);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
}

/* Every allocation of building and training a conv model, failed in turn: NNB_ERR_NOMEM, no leak, and the
   model still trains once memory is back. */
static void test_conv_model_allocation_failures_are_clean(void **state)
{
    (void)state;
    enum { N = 16 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_bars(N, 500, &X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    const size_t live_before = nnb_test_live_blocks();
    int succeeded = 0;
    for (size_t fail_at = 1; fail_at < 400 && !succeeded; ++fail_at) {
        nnb_test_fail_allocation(fail_at);
        nnb_model *m = NULL;
        nnb_status st = nnb_model_create(&m, 0);
        nnb_conv2d_params same = conv_params(3, NNB_PADDING_SAME);
        if (st == NNB_OK) {
            st = nnb_model_add_conv2d(m, 1, 8, 8, 2, &same);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_batchnorm(m, 0.1f, 1e-5f);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_maxpool2d(m, 2, 2, 0);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_flatten(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_dense(m, 32, 2, 0.1f, NULL);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_softmax(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_set_loss(m, NNB_LOSS_CCE);
        }
        if (st == NNB_OK) {
            nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
            st = nnb_model_set_optimizer(m, &p);
        }
        if (st == NNB_OK) {
            st = nnb_model_finalize(m);
        }
        nnb_train_params tp = nnb_train_params_default();
        tp.batch_size = 8;
        tp.shuffle = 1;
        if (st == NNB_OK) {
            st = nnb_model_train(m, X, &y, &tp);
        }
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            succeeded = 1;
        } else {
            assert_int_equal(st, NNB_ERR_NOMEM);
            if (m != NULL && nnb_model_is_finalized(m)) {
                assert_ok(nnb_model_train(m, X, &y, &tp));
            }
        }
        nnb_model_destroy(m);
        assert_int_equal(nnb_test_live_blocks(), live_before);
    }
    assert_true(succeeded);
    nnb_tensor_destroy(X);
}

/* ---------------------------------------------------------------- model files */

static void put32(unsigned char *b, uint32_t v)
{
    for (int k = 0; k < 4; ++k) {
        b[k] = (unsigned char)(v >> (8 * k));
    }
}

static void put64(unsigned char *b, uint64_t v)
{
    for (int k = 0; k < 8; ++k) {
        b[k] = (unsigned char)(v >> (8 * k));
    }
}

static void putf(unsigned char *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(b, u);
}

static void recrc(unsigned char *b, size_t size)
{
    put32(b + size - 4, nnb_crc32(0, b, size - 4));
}

/* Record offsets of make_cnn's file (docs/MODEL_FORMAT.md): the layer records start at byte 108. */
enum {
    CONV_KIND = 108,
    CONV_IN_C = 112,
    CONV_KH = 144,
    CONV_PADDING = 184,
    CONV_BIAS = 188,
    BN_KIND = 196 + 9 * 4 * 4 + 4 * 4, /* after the conv's 9 x 4 weights and 4 biases */
    BN_C = BN_KIND + 4,
    BN_EPS = BN_KIND + 16,
    BN_VAR0 = BN_KIND + 20 + 3 * 4 * 4
};

static void test_model_file_round_trip_and_corrupt_image_records(void **state)
{
    (void)state;
    enum { N = 32 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *P1 = NULL, *P2 = NULL;
    make_bars(N, 300, &X, labels);
    assert_ok(nnb_tensor_create(&P1, N, 2));
    assert_ok(nnb_tensor_create(&P2, N, 2));
    nnb_model *m = make_cnn();
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 2;
    tp.batch_size = 16;
    assert_ok(nnb_model_train(m, X, &y, &tp)); /* non-trivial running averages */
    size_t size = 0;
    assert_ok(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, &size)); /* the size only */
    unsigned char *buf = malloc(size), *w = malloc(size);
    assert_non_null(buf);
    assert_non_null(w);
    assert_ok(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, buf, size, &size));
    assert_int_equal(buf[8], 3); /* version 3 */
    assert_int_equal(buf[CONV_KIND], NNB_LAYER_CONV2D);
    assert_int_equal(buf[BN_KIND], NNB_LAYER_BATCHNORM);

    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    assert_ok(nnb_model_predict(m, X, P1, 0, NULL));
    assert_ok(nnb_model_predict(r, X, P2, 0, NULL));
    assert_memory_equal(nnb_tensor_cdata(P1), nnb_tensor_cdata(P2), N * 2 * sizeof(float));
    float *mean1, *var1, *mean2, *var2;
    size_t c1, c2;
    assert_ok(nnb_model_batchnorm_stats(m, 1, &mean1, &var1, &c1));
    assert_ok(nnb_model_batchnorm_stats(r, 1, &mean2, &var2, &c2));
    assert_int_equal(c1, 4);
    assert_int_equal(c2, 4);
    assert_memory_equal(mean1, mean2, 4 * sizeof(float));
    assert_memory_equal(var1, var2, 4 * sizeof(float));
    assert_true(var1[0] != 1.0f); /* trained: the averages moved */
    nnb_model_destroy(r);
    r = NULL;

    /* Parameters-only files hold dense layers only. */
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_PARAMETERS, buf, size, &size), NNB_ERR_STATE);
    assert_non_null(strstr(nnb_last_error(), "whole model"));

    /* Every truncation and every flipped byte is refused. */
    for (size_t cut = 0; cut < size; cut += 7) {
        assert_true(nnb_model_parse(&r, buf, cut) != NNB_OK);
        assert_null(r);
    }
    for (size_t i = 0; i < size; ++i) {
        memcpy(w, buf, size);
        w[i] ^= 0x10;
        assert_true(nnb_model_parse(&r, w, size) != NNB_OK);
        assert_null(r);
    }

    /* Fields with a valid checksum. */
    const struct {
        size_t at;
        int kind; /* 32: u32, 64: u64, 0: f32 */
        double value;
        nnb_status want;
        const char *text;
    } edits[] = {
        {CONV_PADDING, 32, 3, NNB_ERR_FORMAT, "padding 3"},
        {CONV_BIAS, 32, 2, NNB_ERR_FORMAT, "bias flag 2"},
        {CONV_IN_C, 64, 0, NNB_ERR_FORMAT, "in_c 0"},
        {CONV_KH, 64, 1u << 30, NNB_ERR_FORMAT, "kernel_h"},
        {CONV_KH + 16, 64, 0, NNB_ERR_FORMAT, "stride 0"},
        {CONV_IN_C + 8, 64, 2, NNB_ERR_FORMAT, "takes 4 x 4 x 4"}, /* a 2x8 input: the chain breaks */
        {CONV_IN_C, 64, 2, NNB_ERR_FORMAT, "layer "}, /* 2 channels: the weights run into the records after it */
        {BN_C, 64, 5, NNB_ERR_FORMAT, ""},
        {BN_EPS, 0, 0.0, NNB_ERR_FORMAT, "eps"},
        {BN_VAR0, 0, -1.0, NNB_ERR_FORMAT, "variance"},
        {BN_VAR0, 0, NAN, NNB_ERR_NONFINITE, "running variance 0"},
        {BN_KIND, 32, 22, NNB_ERR_FORMAT, "unknown layer kind 22"},
    };
    for (size_t e = 0; e < sizeof edits / sizeof edits[0]; ++e) {
        memcpy(w, buf, size);
        if (edits[e].kind == 32) {
            put32(w + edits[e].at, (uint32_t)edits[e].value);
        } else if (edits[e].kind == 64) {
            put64(w + edits[e].at, (uint64_t)edits[e].value);
        } else {
            putf(w + edits[e].at, (float)edits[e].value);
        }
        recrc(w, size);
        nnb_status st = nnb_model_parse(&r, w, size);
        if (st != edits[e].want || strstr(nnb_last_error(), edits[e].text) == NULL) {
            fail_msg("edit %zu: got %s '%s'", e, nnb_status_string(st), nnb_last_error());
        }
        assert_null(r);
    }
    /* The same records in a version-2 file are unknown kinds there. */
    memcpy(w, buf, size);
    put32(w + 8, 2);
    recrc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "unknown layer kind 16"));

    free(buf);
    free(w);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P1);
    nnb_tensor_destroy(P2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv2d_forward_matches_hand_computed),
        cmocka_unit_test(test_conv2d_gradients_match_finite_differences),
        cmocka_unit_test(test_maxpool_forward_and_backward_hand_computed),
        cmocka_unit_test(test_pooling_gradients_match_finite_differences),
        cmocka_unit_test(test_conv2d_same_padding_even_kernel_puts_extra_at_end),
        cmocka_unit_test(test_conv_and_pool_results_do_not_depend_on_thread_count),
        cmocka_unit_test(test_batchnorm_running_averages_follow_pytorch_momentum),
        cmocka_unit_test(test_batchnorm_gradients_match_finite_differences),
        cmocka_unit_test(test_model_checks_image_shapes),
        cmocka_unit_test(test_model_backward_through_conv_layers_matches_reference),
        cmocka_unit_test(test_model_backward_through_batchnorm_matches_differences),
        cmocka_unit_test(test_cnn_learns_and_allocates_nothing_per_step),
        cmocka_unit_test(test_early_stopping_restores_batchnorm_statistics),
        cmocka_unit_test(test_early_stopping_with_bias_free_convolution),
        cmocka_unit_test(test_model_file_round_trip_and_corrupt_image_records),
        cmocka_unit_test(test_conv_model_allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
