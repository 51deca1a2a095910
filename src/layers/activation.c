/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "base/error_internal.h"
#include "nnbasics/mixed.h"
#include "compute/gemm_internal.h"
#include "tensor/tensor_internal.h"
#include "compute/kernels.h"
#include "compute/numpy_math.h"
#include "nnbasics/activation.h"
#include "nnbasics/loss.h"

nnb_status nnb_relu_forward(const nnb_tensor *in, nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(in, out)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = in->rows * in->cols;
    const float *x = in->data;
    float *y = out->data;
    /* x < 0 ? 0 : x, so that NaN passes through (x > 0 is false for NaN, but x < 0 is false too). */
    nnb__k_relu(x, y, n);
    return NNB_OK;
}

/*
 * Softmax of one row into dst (dst may equal src). The row has been checked for NaN and +inf. numpy_exp:
 * take exp from numpy's float32 routine (NNB_ARITHMETIC_NUMPY) instead of rounding it correctly.
 */
static void softmax_row(const float *src, float *dst, size_t n, int numpy_exp)
{
    float max = src[0];
    for (size_t j = 1; j < n; ++j) {
        if (src[j] > max) {
            max = src[j];
        }
    }
    for (size_t j = 0; j < n; ++j) {
        /*
         * The float32 difference, then exp rounded correctly to float32 (through double): expf may be
         * 1 ulp off in rare cases, and training amplifies any such difference. In NUMPY mode numpy's own
         * float32 exp instead, with the few ulp of error the book's results carry.
         */
        float d = src[j] - max;
        dst[j] = numpy_exp ? nnb__numpy_expf(d) : (float)exp((double)d);
    }
    /*
     * np.sum(exp_values, axis=1, keepdims=True): numpy sums each row with its pairwise float32 summation
     * (nnb_sum_f32), which equals a left-to-right sum below 8 classes only (Fashion-MNIST has 10).
     */
    float sum;
    (void)nnb_sum_f32(dst, n, &sum);
    for (size_t j = 0; j < n; ++j) {
        dst[j] /= sum;
    }
}

nnb_status nnb_softmax_forward(const nnb_tensor *in, nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(in, out)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = in->rows * in->cols;
    /* -inf is fine (probability 0) unless a whole row is -inf, checked per row below. */
    int flags = nnb__k_nonfinite(in->data, n);
    if (flags & NNB__K_NAN_OR_POSINF) {
        return NNB__FAIL(NNB_ERR_NONFINITE);
    }
    /* Only an input holding some -inf can have a row of nothing else. */
    size_t check_rows = (flags & NNB__K_NEGINF) ? in->rows : 0u;
    for (size_t r = 0; r < check_rows; ++r) {
        const float *row = in->data + r * in->cols;
        int all_neg_inf = 1;
        for (size_t j = 0; j < in->cols && all_neg_inf; ++j) {
            all_neg_inf = row[j] == -INFINITY;
        }
        if (all_neg_inf) {
            return NNB__FAIL(NNB_ERR_NONFINITE);
        }
    }
    if (nnb__fast_arithmetic()) {
        /* The same steps with a vectorised exp (within 2 ulp instead of correctly rounded), 8 rows at a time. */
        nnb__k_softmax(in->data, out->data, in->rows, in->cols);
        return NNB_OK;
    }
    int numpy_exp = nnb__numpy_arithmetic();
    for (size_t r = 0; r < in->rows; ++r) {
        softmax_row(in->data + r * in->cols, out->data + r * out->cols, in->cols, numpy_exp);
    }
    return NNB_OK;
}

/* ---- backward passes and more activations (chapters 9, 15, 16) ---- */

nnb_status nnb_relu_backward(const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    if (inputs == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(inputs, dvalues) || !nnb__same_shape(inputs, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = inputs->rows * inputs->cols;
    const float *x = inputs->data;
    const float *dv = dvalues->data;
    float *dx = dinputs->data;
    /* The book: dinputs = dvalues.copy(); dinputs[inputs <= 0] = 0. */
    nnb__k_relu_backward(x, dv, dx, n);
    return NNB_OK;
}

static int overlaps(const nnb_tensor *a, const nnb_tensor *b)
{
    const float *a0 = a->data, *b0 = b->data;
    size_t na = a->rows * a->cols, nb = b->rows * b->cols;
    /* Compared as addresses of distinct buffers; equal starts are the common case. */
    return a0 == b0 || (a0 < b0 + nb && b0 < a0 + na);
}

nnb_status nnb_softmax_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    if (outputs == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(outputs, dvalues) || !nnb__same_shape(outputs, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    if (overlaps(dinputs, outputs) || overlaps(dinputs, dvalues)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    size_t n = outputs->cols;
    for (size_t r = 0; r < outputs->rows; ++r) {
        const float *s = outputs->data + r * n;
        const float *dv = dvalues->data + r * n;
        float *dx = dinputs->data + r * n;
        /*
         * The book's Jacobian, J = diagflat(s) - s s^T in float32, times dvalue: each J_ij formed in float32,
         * the row-vector product accumulated in double and rounded once (as every dot product here).
         */
        for (size_t i = 0; i < n; ++i) {
            double acc = 0.0;
            for (size_t j = 0; j < n; ++j) {
                float jac = (i == j ? s[i] : 0.0f) - s[i] * s[j];
                acc += (double)jac * (double)dv[j];
            }
            dx[i] = (float)acc;
        }
    }
    return NNB_OK;
}

nnb_status nnb_sigmoid_forward(const nnb_tensor *in, nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(in, out)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = in->rows * in->cols;
    /* 1 / (1 + np.exp(-inputs)) in float32; a large negative x gives exp = inf and y = 0. */
    if (nnb__numpy_arithmetic()) {
        for (size_t i = 0; i < n; ++i) {
            out->data[i] = 1.0f / (1.0f + nnb__numpy_expf(-in->data[i]));
        }
        return NNB_OK;
    }
    if (!nnb__fast_arithmetic()) {
        /* NNB_ARITHMETIC_REFERENCE: the correctly rounded exp (double exp, one rounding). */
        for (size_t i = 0; i < n; ++i) {
            out->data[i] = 1.0f / (1.0f + (float)exp(-(double)in->data[i]));
        }
        return NNB_OK;
    }
    for (size_t i = 0; i < n; ++i) {
        out->data[i] = 1.0f / (1.0f + expf(-in->data[i]));
    }
    return NNB_OK;
}

nnb_status nnb_sigmoid_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    if (outputs == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(outputs, dvalues) || !nnb__same_shape(outputs, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = outputs->rows * outputs->cols;
    for (size_t i = 0; i < n; ++i) {
        /* The book: dvalues * (1 - output) * output, left to right in float32. */
        float y = outputs->data[i];
        dinputs->data[i] = dvalues->data[i] * (1.0f - y) * y;
    }
    return NNB_OK;
}

/*
 * One draw of numpy's legacy binomial(1, p), p > 0 (it always consumes at least one uniform, even for p = 1) (the
 * inversion algorithm, which n = 1 always takes): with pp = min(p, 1 - p) and q = 1 - pp, one uniform u gives the count
 * 1 when u > q' = exp(log(q)), else 0; for p > 0.5 the result is 1 minus that count. (numpy redraws u in the
 * practically impossible case that u - q' still exceeds pp after the first step; that case is reproduced too.)
 */
static int binomial_one(nnb_rng *rng, double p, double pp, double q, double qn)
{
    int x;
    for (;;) {
        double u = nnb_rng_uniform(rng);
        if (!(u > qn)) {
            x = 0;
            break;
        }
        u -= qn;
        double px = (pp * qn) / q;
        if (!(u > px)) {
            x = 1;
            break;
        }
        /* X would exceed its bound of 1: numpy starts over with a fresh uniform. */
    }
    return p > 0.5 ? 1 - x : x;
}

nnb_status nnb_dropout_forward(nnb_rng *rng, float rate, const nnb_tensor *in, nnb_tensor *mask, nnb_tensor *out)
{
    if (rng == NULL || in == NULL || mask == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(rate >= 0.0f && rate < 1.0f)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (!nnb__same_shape(in, mask) || !nnb__same_shape(in, out)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    if (mask->data == in->data || mask->data == out->data) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    /* The book: self.rate = 1 - rate (a Python float from the float32 rate, in double). */
    double keep = 1.0 - (double)rate;
    double scale = 1.0 / keep;
    float scale_f = (float)scale;
    double pp = keep <= 0.5 ? keep : 1.0 - keep;
    double q = 1.0 - pp;
    double qn = exp(log(q));
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        int kept = binomial_one(rng, keep, pp, q, qn);
        /* numpy keeps the mask and product in float64; here each is rounded once to float32. */
        mask->data[i] = kept ? scale_f : 0.0f;
        out->data[i] = kept ? (float)((double)in->data[i] * scale) : 0.0f * in->data[i];
    }
    return NNB_OK;
}

nnb_status nnb_dropout_forward_f64(nnb_rng *rng, double rate, const nnb_tensor *inputs, double *mask, double *output)
{
    if (rng == NULL || inputs == NULL || mask == NULL || output == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(rate >= 0.0 && rate < 1.0) || mask == output) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "rate %g must lie in [0, 1), mask and output must be two buffers", rate);
    }
    /* self.rate = 1 - rate; binary_mask = np.random.binomial(1, self.rate, size) / self.rate (float64);
       output = inputs * binary_mask (float32 times float64: in double, kept unrounded). */
    double keep = 1.0 - rate;
    double pp = keep <= 0.5 ? keep : 1.0 - keep;
    double q = 1.0 - pp;
    double qn = exp(log(q));
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        mask[i] = (double)binomial_one(rng, keep, pp, q, qn) / keep;
        output[i] = (double)inputs->data[i] * mask[i];
    }
    return NNB_OK;
}

nnb_status nnb_dropout_backward(const nnb_tensor *mask, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    if (mask == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(mask, dvalues) || !nnb__same_shape(mask, dinputs)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t n = mask->rows * mask->cols;
    for (size_t i = 0; i < n; ++i) {
        dinputs->data[i] = dvalues->data[i] * mask->data[i];
    }
    return NNB_OK;
}
