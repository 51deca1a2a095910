/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "base/error_internal.h"
#include "compute/gemm_internal.h"
#include "tensor/tensor_internal.h"
#include "compute/kernels.h"
#include "compute/numpy_math.h"
#include "nnbasics/loss.h"

/* Clip bounds exactly as numpy applies them to float32: fl32(1e-7) and fl32(1 - 1e-7). */
#define CLIP_LOW ((float)1e-7)
#define CLIP_HIGH ((float)(1.0 - 1e-7))

static float clip(float p)
{
    return p < CLIP_LOW ? CLIP_LOW : (p > CLIP_HIGH ? CLIP_HIGH : p);
}

/*
 * numpy's float32 pairwise summation (np.sum / np.mean on a contiguous array): blocks of up to 128 use
 * eight interleaved partial sums; longer arrays split in two at a multiple of 8 and recurse.
 */
static float pairwise_sum(const float *x, size_t n)
{
    if (n < 8) {
        float s = 0.0f;
        for (size_t i = 0; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    if (n <= 128) {
        float p[8];
        for (size_t j = 0; j < 8; ++j) {
            p[j] = x[j];
        }
        size_t i = 8;
        for (; i + 8 <= n; i += 8) {
            for (size_t j = 0; j < 8; ++j) {
                p[j] += x[i + j];
            }
        }
        float s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    size_t half = (n / 2) & ~(size_t)7;
    return pairwise_sum(x, half) + pairwise_sum(x + half, n - half);
}

/*
 * numpy's reductions hand the data to the summation loop in blocks of its buffer size (8192 elements): the
 * sum of a contiguous float32 array is 0 + pairwise(block 0) + pairwise(block 1) + ..., added in float32 in
 * order, the pairwise summation above inside each block. np.sum / np.mean with axis=None (a 2-D contiguous
 * array is traversed as one 1-D array) and np.mean(axis=-1) of each row all sum this way.
 */
#define NUMPY_BUFSIZE ((size_t)8192)

static float numpy_sum(const float *x, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i += NUMPY_BUFSIZE) {
        acc += pairwise_sum(x + i, n - i < NUMPY_BUFSIZE ? n - i : NUMPY_BUFSIZE);
    }
    return acc;
}

nnb_status nnb_sum_f32(const float *values, size_t count, float *sum)
{
    if (values == NULL || sum == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *sum = numpy_sum(values, count);
    return NNB_OK;
}

nnb_status nnb_mean_f32(const float *values, size_t count, float *mean)
{
    if (values == NULL || mean == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    *mean = numpy_sum(values, count) / (float)count;
    return NNB_OK;
}

/* Per-sample loss i, computed on demand so that a mean needs no buffer of the whole batch. */
typedef float (*loss_fn)(const void *ctx, size_t i);

/* pairwise_sum over the virtual array loss_at(ctx, first .. first + n - 1): same splits, same leaves. */
static float pairwise_sum_of(loss_fn loss_at, const void *ctx, size_t first, size_t n)
{
    if (n <= 128) {
        float block[128];
        for (size_t i = 0; i < n; ++i) {
            block[i] = loss_at(ctx, first + i);
        }
        return pairwise_sum(block, n);
    }
    size_t half = (n / 2) & ~(size_t)7;
    return pairwise_sum_of(loss_at, ctx, first, half) + pairwise_sum_of(loss_at, ctx, first + half, n - half);
}

/* numpy_sum over the virtual array loss_at(ctx, first .. first + n - 1): the same blocks, splits and leaves. */
static float numpy_sum_of(loss_fn loss_at, const void *ctx, size_t first, size_t n)
{
    float acc = 0.0f;
    for (size_t i = 0; i < n; i += NUMPY_BUFSIZE) {
        acc += pairwise_sum_of(loss_at, ctx, first + i, n - i < NUMPY_BUFSIZE ? n - i : NUMPY_BUFSIZE);
    }
    return acc;
}

/* Shared tail of every loss: optional per-sample values, optional numpy-style mean. */
static nnb_status finish(loss_fn loss_at, const void *ctx, size_t n, float *per_sample, float *mean)
{
    if (per_sample != NULL) {
        for (size_t i = 0; i < n; ++i) {
            per_sample[i] = loss_at(ctx, i);
        }
        if (mean != NULL) {
            *mean = numpy_sum(per_sample, n) / (float)n;
        }
        return NNB_OK;
    }
    *mean = numpy_sum_of(loss_at, ctx, 0, n) / (float)n;
    return NNB_OK;
}

/*
 * float32 log of the exact modes: numpy's own routine in NNB_ARITHMETIC_NUMPY mode (numpy_log set), else the
 * correctly rounded value (double log, one rounding), as NNB_ARITHMETIC_REFERENCE promises; logf is not
 * correctly rounded (-logf(1 - 1e-7) gives 0x34000000, the right value is 0x34000001).
 */
static float log32(float x, int numpy_log)
{
    return numpy_log ? nnb__numpy_logf(x) : (float)log((double)x);
}

typedef struct sparse_ctx {
    const nnb_tensor *pred;
    const uint32_t *labels;
    int numpy_log;
} sparse_ctx;

static float sparse_loss_at(const void *ctx, size_t i)
{
    const sparse_ctx *c = ctx;
    return -log32(clip(c->pred->data[i * c->pred->cols + c->labels[i]]), c->numpy_log);
}

/*
 * The fast arithmetic mode's sparse CCE: the clipped confidences of up to 128 samples are gathered, then their
 * logarithms taken together by the vectorised log (within 2 ulp instead of logf's rounding). The sums keep
 * numpy's pairwise order: sparse_pairwise splits exactly as pairwise_sum_of does.
 */
static void sparse_block(const nnb_tensor *pred, const uint32_t *labels, size_t first, size_t n, float *out)
{
    size_t cols = pred->cols;
    for (size_t i = 0; i < n; ++i) {
        out[i] = clip(pred->data[(first + i) * cols + labels[first + i]]);
    }
    nnb__k_neg_log(out, out, n);
}

static float sparse_pairwise(const nnb_tensor *pred, const uint32_t *labels, size_t first, size_t n)
{
    if (n <= 128) {
        float block[128];
        sparse_block(pred, labels, first, n, block);
        return pairwise_sum(block, n);
    }
    size_t half = (n / 2) & ~(size_t)7;
    return sparse_pairwise(pred, labels, first, half) + sparse_pairwise(pred, labels, first + half, n - half);
}

nnb_status nnb_cce_sparse(const nnb_tensor *pred, const uint32_t *labels, size_t count, float *per_sample, float *mean)
{
    if (pred == NULL || labels == NULL || (per_sample == NULL && mean == NULL)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != pred->rows) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    if (!nnb__labels_in_range(labels, count, pred->cols)) {
        return NNB__FAIL(NNB_ERR_RANGE); /* every label before any content (status.h's order) */
    }
    for (size_t i = 0; i < count; ++i) {
        if (isnan(pred->data[i * pred->cols + labels[i]])) {
            return NNB__FAIL(NNB_ERR_NONFINITE);
        }
    }
    if (nnb__fast_arithmetic()) {
        if (per_sample != NULL) {
            for (size_t i0 = 0; i0 < count; i0 += 128u) {
                size_t nb = count - i0 < 128u ? count - i0 : 128u;
                sparse_block(pred, labels, i0, nb, per_sample + i0);
            }
            if (mean != NULL) {
                *mean = numpy_sum(per_sample, count) / (float)count;
            }
            return NNB_OK;
        }
        float acc = 0.0f;
        for (size_t i = 0; i < count; i += NUMPY_BUFSIZE) {
            acc += sparse_pairwise(pred, labels, i, count - i < NUMPY_BUFSIZE ? count - i : NUMPY_BUFSIZE);
        }
        *mean = acc / (float)count;
        return NNB_OK;
    }
    sparse_ctx ctx = {pred, labels, nnb__numpy_arithmetic()};
    return finish(sparse_loss_at, &ctx, count, per_sample, mean);
}

typedef struct onehot_ctx {
    const nnb_tensor *pred;
    const nnb_tensor *targets;
    int numpy_log;
} onehot_ctx;

static float onehot_loss_at(const void *ctx, size_t i)
{
    const onehot_ctx *c = ctx;
    const float *p = c->pred->data + i * c->pred->cols;
    const float *t = c->targets->data + i * c->targets->cols;
    float confidence = 0.0f;
    for (size_t j = 0; j < c->pred->cols; ++j) {
        confidence += clip(p[j]) * t[j];
    }
    return -log32(confidence, c->numpy_log);
}

nnb_status nnb_cce_onehot(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean)
{
    if (pred == NULL || targets == NULL || (per_sample == NULL && mean == NULL)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        if (isnan(pred->data[i]) || !isfinite(targets->data[i])) {
            return NNB__FAIL(NNB_ERR_NONFINITE);
        }
    }
    onehot_ctx ctx = {pred, targets, nnb__numpy_arithmetic()};
    return finish(onehot_loss_at, &ctx, pred->rows, per_sample, mean);
}

/* ---- gradients (chapter 9) and more heads (chapters 16, 17) ---- */

/* Arguments of the gradients taken against sparse labels, checked in status.h's order. */
static nnb_status check_sparse_gradient(const nnb_tensor *pred, const uint32_t *labels, size_t count,
                                        const nnb_tensor *dinputs)
{
    if (pred == NULL || labels == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != pred->rows || !nnb__same_shape(pred, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    if (!nnb__labels_in_range(labels, count, pred->cols)) {
        return NNB__FAIL(NNB_ERR_RANGE);
    }
    return NNB_OK;
}

nnb_status nnb_cce_sparse_backward(const nnb_tensor *pred, const uint32_t *labels, size_t count, nnb_tensor *dinputs)
{
    nnb_status st = check_sparse_gradient(pred, labels, count, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    /*
     * The book turns the labels into np.eye rows (float64), so -y_true / dvalues / samples is computed in
     * double; here it is rounded once to float32. Non-label entries are -0 / p / N = -0.
     */
    double n = (double)count;
    size_t cols = pred->cols;
    for (size_t i = 0; i < count; ++i) {
        for (size_t j = 0; j < cols; ++j) {
            double t = j == labels[i] ? 1.0 : 0.0;
            double p = (double)pred->data[i * cols + j];
            dinputs->data[i * cols + j] = (float)(-t / p / n);
        }
    }
    return NNB_OK;
}

nnb_status nnb_cce_onehot_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    if (pred == NULL || targets == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets) || !nnb__same_shape(pred, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* float32 targets: -y_true / dvalues, then / samples, both in float32. */
    float n = (float)pred->rows;
    size_t total = pred->rows * pred->cols;
    for (size_t i = 0; i < total; ++i) {
        dinputs->data[i] = (-targets->data[i] / pred->data[i]) / n;
    }
    return NNB_OK;
}

nnb_status nnb_softmax_cce_backward(const nnb_tensor *probs, const uint32_t *labels, size_t count, nnb_tensor *dinputs)
{
    nnb_status st = check_sparse_gradient(probs, labels, count, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    /* The book: dinputs = dvalues.copy(); dinputs[range(samples), y_true] -= 1; dinputs = dinputs / samples. */
    float n = (float)count;
    size_t cols = probs->cols;
    /*
     * Blocks of rows are divided by n as they are (one vectorised pass), then each row's label
     * entry is recomputed as (p - 1) / n from the probability saved before the division (dinputs may
     * alias probs).
     */
    size_t block = cols >= 4096u ? 1u : 4096u / cols;
    block = block > 256u ? 256u : block;
    float saved[256];
    for (size_t i0 = 0; i0 < count; i0 += block) {
        size_t nr = count - i0 < block ? count - i0 : block;
        for (size_t i = 0; i < nr; ++i) {
            saved[i] = probs->data[(i0 + i) * cols + labels[i0 + i]];
        }
        nnb__k_div(probs->data + i0 * cols, n, dinputs->data + i0 * cols, nr * cols);
        for (size_t i = 0; i < nr; ++i) {
            dinputs->data[(i0 + i) * cols + labels[i0 + i]] = (saved[i] - 1.0f) / n;
        }
    }
    return NNB_OK;
}

/* Element-wise regression/binary losses: one value per element, averaged per row like np.mean(axis=-1). */
typedef float (*elem_fn)(float p, float t);

typedef struct elem_row_ctx {
    elem_fn fn;
    const float *p;
    const float *t;
} elem_row_ctx;

static float elem_at(const void *ctx, size_t j)
{
    const elem_row_ctx *c = ctx;
    return c->fn(c->p[j], c->t[j]);
}

typedef struct elem_ctx {
    elem_fn fn;
    const nnb_tensor *pred;
    const nnb_tensor *targets;
} elem_ctx;

/* Per-sample value: the numpy pairwise float32 sum of the row's element values, divided by fl32(outputs). */
static float elem_row_mean(const void *ctx, size_t i)
{
    const elem_ctx *c = ctx;
    size_t cols = c->pred->cols;
    elem_row_ctx row = {c->fn, c->pred->data + i * cols, c->targets->data + i * cols};
    return numpy_sum_of(elem_at, &row, 0, cols) / (float)cols;
}

/*
 * Shared by BCE, MSE and MAE. clipped: the loss clips its predictions (BCE), so an infinite prediction is
 * fine; otherwise any non-finite prediction makes the loss non-finite and is reported.
 */
static nnb_status elementwise_loss(elem_fn fn, int clipped, const nnb_tensor *pred, const nnb_tensor *targets,
                                   float *per_sample, float *mean)
{
    if (pred == NULL || targets == NULL || (per_sample == NULL && mean == NULL)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        float x = pred->data[i];
        if ((clipped ? isnan(x) : !isfinite(x)) || !isfinite(targets->data[i])) {
            return NNB__FAIL(NNB_ERR_NONFINITE);
        }
    }
    elem_ctx ctx = {fn, pred, targets};
    return finish(elem_row_mean, &ctx, pred->rows, per_sample, mean);
}

static nnb_status check_elementwise_backward(const nnb_tensor *pred, const nnb_tensor *targets,
                                             const nnb_tensor *dinputs)
{
    if (pred == NULL || targets == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets) || !nnb__same_shape(pred, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    return NNB_OK;
}

/* -(t * log(clip p) + (1 - t) * log(1 - clip p)), float32 as numpy. */
static float bce_elem(float p, float t)
{
    float c = clip(p);
    return -(t * logf(c) + (1.0f - t) * logf(1.0f - c));
}

/* The same with the correctly rounded log (NNB_ARITHMETIC_REFERENCE). */
static float bce_reference_elem(float p, float t)
{
    float c = clip(p);
    return -(t * (float)log((double)c) + (1.0f - t) * (float)log((double)(1.0f - c)));
}

/* The same with numpy's float32 log (NNB_ARITHMETIC_NUMPY). */
static float bce_numpy_elem(float p, float t)
{
    float c = clip(p);
    return -(t * nnb__numpy_logf(c) + (1.0f - t) * nnb__numpy_logf(1.0f - c));
}

nnb_status nnb_bce(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean)
{
    elem_fn fn = nnb__numpy_arithmetic() ? bce_numpy_elem : (nnb__fast_arithmetic() ? bce_elem : bce_reference_elem);
    return elementwise_loss(fn, 1, pred, targets, per_sample, mean);
}

nnb_status nnb_bce_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    nnb_status st = check_elementwise_backward(pred, targets, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    /* The book: -(y_true / clipped - (1 - y_true) / (1 - clipped)) / outputs, then / samples (float32). */
    float outputs = (float)pred->cols;
    float samples = (float)pred->rows;
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        float c = clip(pred->data[i]);
        float t = targets->data[i];
        dinputs->data[i] = -(t / c - (1.0f - t) / (1.0f - c)) / outputs / samples;
    }
    return NNB_OK;
}

static float mse_elem(float p, float t)
{
    float d = t - p;
    return d * d;
}

nnb_status nnb_mse(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean)
{
    return elementwise_loss(mse_elem, 0, pred, targets, per_sample, mean);
}

nnb_status nnb_mse_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    nnb_status st = check_elementwise_backward(pred, targets, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    /* The book: -2 * (y_true - dvalues) / outputs, then / samples (float32). */
    float outputs = (float)pred->cols;
    float samples = (float)pred->rows;
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        dinputs->data[i] = -2.0f * (targets->data[i] - pred->data[i]) / outputs / samples;
    }
    return NNB_OK;
}

static float mae_elem(float p, float t)
{
    return fabsf(t - p);
}

nnb_status nnb_mae(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean)
{
    return elementwise_loss(mae_elem, 0, pred, targets, per_sample, mean);
}

nnb_status nnb_mae_backward(const nnb_tensor *pred, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    nnb_status st = check_elementwise_backward(pred, targets, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    /* d|t - p| / dp = -sign(t - p) (np.sign: 0 at 0), divided by outputs, then by samples (float32). */
    float outputs = (float)pred->cols;
    float samples = (float)pred->rows;
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        float d = targets->data[i] - pred->data[i];
        float s = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f);
        dinputs->data[i] = -s / outputs / samples;
    }
    return NNB_OK;
}
