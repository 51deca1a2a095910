#include <math.h>

#include "internal/tensor.h"
#include "nnbasics/activation.h"

nnb_status nnb_relu_forward(const nnb_tensor *in, nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    if (!nnb__same_shape(in, out)) {
        return NNB_ERR_SHAPE;
    }
    size_t n = in->rows * in->cols;
    const float *x = in->data;
    float *y = out->data;
    for (size_t i = 0; i < n; ++i) {
        /* Written so NaN passes through (x > 0 is false for NaN, but x < 0 is false too). */
        y[i] = x[i] < 0.0f ? 0.0f : x[i];
    }
    return NNB_OK;
}

/* Softmax of one row into dst (dst may equal src). The row has been checked for NaN and +inf. */
static void softmax_row(const float *src, float *dst, size_t n)
{
    float max = src[0];
    for (size_t j = 1; j < n; ++j) {
        if (src[j] > max) {
            max = src[j];
        }
    }
    float sum = 0.0f;
    for (size_t j = 0; j < n; ++j) {
        float e = expf(src[j] - max);
        dst[j] = e;
        sum += e;
    }
    for (size_t j = 0; j < n; ++j) {
        dst[j] /= sum;
    }
}

nnb_status nnb_softmax_forward(const nnb_tensor *in, nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    if (!nnb__same_shape(in, out)) {
        return NNB_ERR_SHAPE;
    }
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        /* -inf is fine (probability 0) unless a whole row is -inf, checked per row below. */
        if (isnan(in->data[i]) || in->data[i] == INFINITY) {
            return NNB_ERR_NONFINITE;
        }
    }
    for (size_t r = 0; r < in->rows; ++r) {
        const float *row = in->data + r * in->cols;
        int all_neg_inf = 1;
        for (size_t j = 0; j < in->cols && all_neg_inf; ++j) {
            all_neg_inf = row[j] == -INFINITY;
        }
        if (all_neg_inf) {
            return NNB_ERR_NONFINITE;
        }
    }
    for (size_t r = 0; r < in->rows; ++r) {
        softmax_row(in->data + r * in->cols, out->data + r * out->cols, in->cols);
    }
    return NNB_OK;
}
