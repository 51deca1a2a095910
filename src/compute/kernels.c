/* SPDX-License-Identifier: MIT */
/*
 * The element-wise kernels' entry points (compute/kernels.h): each picks the variant of the ISA level in
 * use (compute/isa.c) from kernels_portable.c, kernels_avx2.c or kernels_avx512.c, and large memory-bound
 * calls are split over threads here.
 */
#include <stdint.h>

#include "compute/kernels_isa.h"
#include "compute/pool.h"
#include "nnbasics/gemm.h"

/* ---- splitting large calls over threads ---------------------------------------------------------------- */

/*
 * Calls on large arrays (memory-bound) are split over nnb_get_num_threads() threads, as the GEMM core splits
 * its products: each part is an independent range of rows, columns or elements, computed exactly as in one
 * call, so the results do not depend on the thread count. The parts run on the compute layer's persistent
 * workers (compute/pool.h).
 */
#define SPLIT_MIN_WORK (1u << 20) /* elements touched */
#define SPLIT_MAX_PARTS 8u

typedef void (*part_fn)(void *ctx, size_t begin, size_t end);

/* The parts of one split call: part t covers [t * per, min((t + 1) * per, total)). */
typedef struct split_run {
    part_fn fn;
    void *ctx;
    size_t total, per;
} split_run;

static void run_split_part(void *arg, size_t t)
{
    const split_run *r = arg;
    size_t b = t * r->per < r->total ? t * r->per : r->total;
    size_t e = (t + 1) * r->per < r->total ? (t + 1) * r->per : r->total;
    r->fn(r->ctx, b, e);
}

/* fn over [0, total) in parts that start at multiples of `align`. */
static void run_split(part_fn fn, void *ctx, size_t total, size_t align, size_t work)
{
    size_t parts = 1;
    if (work >= SPLIT_MIN_WORK) {
        parts = nnb_get_num_threads();
        parts = parts > SPLIT_MAX_PARTS ? SPLIT_MAX_PARTS : parts;
        size_t units = (total + align - 1) / align;
        parts = parts > units ? units : parts;
    }
    if (parts <= 1) {
        fn(ctx, 0, total);
        return;
    }
    size_t units = (total + align - 1) / align;
    split_run run = {fn, ctx, total, (units + parts - 1) / parts * align};
    nnb__pool_run(parts, run_split_part, &run);
}

/* ---- dispatch ------------------------------------------------------------------------------------------- */

#if defined(NNB__ISA_X86)
/* 1: plain loops, 2: AVX2 + FMA, 3: also AVX-512 (used where it pays): the nnb__isa levels. */
static int level(void)
{
    return (int)nnb__isa_level();
}

#    define DISPATCH(avx2_call, plain_call)                                                                            \
        do {                                                                                                           \
            if (level() >= 2) {                                                                                        \
                avx2_call;                                                                                             \
            } else {                                                                                                   \
                plain_call;                                                                                            \
            }                                                                                                          \
        } while (0)
#else
#    define DISPATCH(avx2_call, plain_call) plain_call
#endif

static void relu_any(const float *x, float *y, size_t n)
{
#if defined(NNB__ISA_X86)
    if (level() == 3) {
        nnb__relu_avx512(x, y, n);
        return;
    }
#endif
    DISPATCH(nnb__relu_avx2(x, y, n), nnb__relu_portable(x, y, n));
}

typedef struct relu_ctx {
    const float *x, *dv;
    float *y;
} relu_ctx;

static void relu_part(void *p, size_t b, size_t e)
{
    const relu_ctx *c = p;
    relu_any(c->x + b, c->y + b, e - b);
}

void nnb__k_relu(const float *x, float *y, size_t n)
{
    relu_ctx c = {x, NULL, y};
    run_split(relu_part, &c, n, 64, n);
}

static void relu_backward_any(const float *x, const float *dv, float *dx, size_t n)
{
#if defined(NNB__ISA_X86)
    if (level() == 3) {
        nnb__relu_backward_avx512(x, dv, dx, n);
        return;
    }
#endif
    DISPATCH(nnb__relu_backward_avx2(x, dv, dx, n), nnb__relu_backward_portable(x, dv, dx, n));
}

static void relu_backward_part(void *p, size_t b, size_t e)
{
    const relu_ctx *c = p;
    relu_backward_any(c->x + b, c->dv + b, c->y + b, e - b);
}

void nnb__k_relu_backward(const float *x, const float *dv, float *dx, size_t n)
{
    relu_ctx c = {x, dv, dx};
    run_split(relu_backward_part, &c, n, 64, n);
}

void nnb__k_add_bias(float *c, const float *b, size_t rows, size_t cols)
{
    DISPATCH(nnb__add_bias_avx2(c, b, rows, cols), nnb__add_bias_portable(c, b, rows, cols));
}

void nnb__k_col_sum(const float *x, size_t rows, size_t cols, float *out)
{
    DISPATCH(nnb__col_sum_avx2(x, rows, cols, out), nnb__col_sum_portable(x, rows, cols, out));
}

void nnb__k_div(const float *x, float d, float *y, size_t n)
{
    DISPATCH(nnb__div_avx2(x, d, y, n), nnb__div_portable(x, d, y, n));
}

void nnb__k_exp(const float *x, float *y, size_t n)
{
    DISPATCH(nnb__exp_avx2(x, y, n), nnb__exp_portable(x, y, n));
}

void nnb__k_neg_log(const float *x, float *y, size_t n)
{
    DISPATCH(nnb__neg_log_avx2(x, y, n), nnb__neg_log_portable(x, y, n));
}

void nnb__k_adam(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n)
{
    DISPATCH(nnb__adam_avx2(c, w, g, m, v, n), nnb__adam_portable(c, w, g, m, v, n));
}

/* Arguments of the small-shape products, for their row-range parts. */
typedef struct small_ctx {
    size_t K, n, ldx;
    const float *x, *b, *bias;
    float *out;
} small_ctx;

static void small_k_rows(void *p, size_t r0, size_t r1)
{
    const small_ctx *c = p;
    const float *x = c->x + r0 * c->ldx;
    float *out = c->out + r0 * c->n;
#if defined(NNB__ISA_X86)
    if (level() == 3 && nnb__small_k_avx512(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out)) {
        return;
    }
#endif
    DISPATCH(nnb__small_k_avx2(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out),
             nnb__small_k_portable(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out));
}

void nnb__k_small_k(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b, const float *bias,
                    float *out)
{
    small_ctx c = {K, n, ldx, x, b, bias, out};
    run_split(small_k_rows, &c, rows, 16, rows * (n + K));
}

static void small_n_rows(void *p, size_t r0, size_t r1)
{
    const small_ctx *c = p;
    const float *x = c->x + r0 * c->ldx;
    float *out = c->out + r0 * c->n;
#if defined(NNB__ISA_X86)
    if (level() == 3 && nnb__small_n_avx512(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out)) {
        return;
    }
#endif
    DISPATCH(nnb__small_n_avx2(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out),
             nnb__small_n_portable(r1 - r0, c->K, c->n, x, c->ldx, c->b, c->bias, out));
}

void nnb__k_small_n(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt, const float *bias,
                    float *out)
{
    small_ctx c = {K, n, ldx, x, bt, bias, out};
    run_split(small_n_rows, &c, rows, 16, rows * (n + K));
}

#if defined(NNB__ISA_X86)
typedef struct at_b_ctx {
    size_t rows, a, b;
    const float *u, *v;
    float *out, *sum;
} at_b_ctx;

static void at_b_cols_part(void *p, size_t j0, size_t j1)
{
    const at_b_ctx *c = p;
    nnb__at_b_cols_avx2(c->rows, c->a, c->b, c->u, c->v, c->out, c->sum, j0, j1);
}

static void at_b_arows_part(void *p, size_t i0, size_t i1)
{
    const at_b_ctx *c = p;
    nnb__at_b_arows_avx2(c->rows, c->a, c->b, c->u, c->v, c->out, i0, i1);
}
#endif

void nnb__k_at_b(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum)
{
#if defined(NNB__ISA_X86)
    if (level() >= 2) {
        at_b_ctx c = {rows, a, b, u, v, out, sum};
        if (a <= NNB__K_SMALL_N && b % 16 == 0) {
            /* Parts are column ranges: each column's sums are formed exactly as in one call. */
            run_split(at_b_cols_part, &c, b, 16, rows * (a + b));
            return;
        }
        if (b <= NNB__K_SMALL_N && a % 16 == 0 && a <= NNB__AT_B_MAX_A) {
            run_split(at_b_arows_part, &c, a, 16, rows * (a + b));
            if (sum != NULL) {
                nnb__col_sum_avx2(v, rows, b, sum);
            }
            return;
        }
        if (sum != NULL) {
            nnb__col_sum_avx2(v, rows, b, sum);
        }
        nnb__at_b_portable(rows, a, b, u, v, out, NULL);
        return;
    }
#endif
    nnb__at_b_portable(rows, a, b, u, v, out, sum);
}

void nnb__k_softmax(const float *src, float *dst, size_t rows, size_t cols)
{
    DISPATCH(nnb__softmax_avx2(src, dst, rows, cols), nnb__softmax_portable(src, dst, rows, cols));
}

int nnb__k_nonfinite(const float *x, size_t n)
{
#if defined(NNB__ISA_X86)
    if (level() >= 2) {
        return nnb__nonfinite_avx2(x, n);
    }
#endif
    return nnb__nonfinite_portable(x, n);
}

size_t nnb__k_argmax_hits(const float *pred, size_t rows, size_t cols, const uint32_t *labels)
{
    DISPATCH(return nnb__argmax_hits_avx2(pred, rows, cols, labels),
                    return nnb__argmax_hits_portable(pred, rows, cols, labels));
}
