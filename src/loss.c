#include <math.h>

#include "internal/tensor.h"
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

nnb_status nnb_mean_f32(const float *values, size_t count, float *mean)
{
    if (values == NULL || mean == NULL) {
        return NNB_ERR_NULL;
    }
    if (count == 0) {
        return NNB_ERR_ARGUMENT;
    }
    *mean = pairwise_sum(values, count) / (float)count;
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

/* Shared tail of every loss: optional per-sample values, optional numpy-style mean. */
static nnb_status finish(loss_fn loss_at, const void *ctx, size_t n, float *per_sample, float *mean)
{
    if (per_sample != NULL) {
        for (size_t i = 0; i < n; ++i) {
            per_sample[i] = loss_at(ctx, i);
        }
        if (mean != NULL) {
            *mean = pairwise_sum(per_sample, n) / (float)n;
        }
        return NNB_OK;
    }
    *mean = pairwise_sum_of(loss_at, ctx, 0, n) / (float)n;
    return NNB_OK;
}

typedef struct sparse_ctx {
    const nnb_tensor *pred;
    const uint32_t *labels;
} sparse_ctx;

static float sparse_loss_at(const void *ctx, size_t i)
{
    const sparse_ctx *c = ctx;
    return -logf(clip(c->pred->data[i * c->pred->cols + c->labels[i]]));
}

nnb_status nnb_cce_sparse(const nnb_tensor *pred, const uint32_t *labels, size_t count, float *per_sample,
                          float *mean)
{
    if (pred == NULL || labels == NULL || (per_sample == NULL && mean == NULL)) {
        return NNB_ERR_NULL;
    }
    if (count != pred->rows) {
        return NNB_ERR_SHAPE;
    }
    for (size_t i = 0; i < count; ++i) {
        if (labels[i] >= pred->cols) {
            return NNB_ERR_RANGE;
        }
        if (isnan(pred->data[i * pred->cols + labels[i]])) {
            return NNB_ERR_NONFINITE;
        }
    }
    sparse_ctx ctx = {pred, labels};
    return finish(sparse_loss_at, &ctx, count, per_sample, mean);
}

typedef struct onehot_ctx {
    const nnb_tensor *pred;
    const nnb_tensor *targets;
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
    return -logf(confidence);
}

nnb_status nnb_cce_onehot(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample, float *mean)
{
    if (pred == NULL || targets == NULL || (per_sample == NULL && mean == NULL)) {
        return NNB_ERR_NULL;
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB_ERR_SHAPE;
    }
    size_t n = pred->rows * pred->cols;
    for (size_t i = 0; i < n; ++i) {
        if (isnan(pred->data[i]) || !isfinite(targets->data[i])) {
            return NNB_ERR_NONFINITE;
        }
    }
    onehot_ctx ctx = {pred, targets};
    return finish(onehot_loss_at, &ctx, pred->rows, per_sample, mean);
}
