/* SPDX-License-Identifier: MIT */
/*
 * The activations beyond the book: tanh, leaky ReLU, ELU, GELU (exact and tanh approximation) and softplus,
 * forward and backward. Each value is computed in double from the float32 input and rounded once to float32,
 * so the results do not depend on the ISA or the arithmetic mode.
 */
#include <math.h>

#include "base/error_internal.h"
#include "tensor/tensor_internal.h"
#include "layers/activation_internal.h"

#define SQRT_HALF 0.70710678118654752440      /* 1 / sqrt(2) */
#define INV_SQRT_2PI 0.39894228040143267794   /* 1 / sqrt(2 pi) */
#define SQRT_2_OVER_PI 0.79788456080286535588 /* sqrt(2 / pi) */
#define GELU_TANH_CUBIC 0.044715              /* the tanh approximation's cubic coefficient */

static nnb_status check_unary(const nnb_tensor *in, const nnb_tensor *out)
{
    if (in == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(in, out)) {
        return NNB__FAILF(NNB_ERR_SHAPE, "out is %zux%zu, in is %zux%zu", out->rows, out->cols, in->rows, in->cols);
    }
    return NNB_OK;
}

static nnb_status check_backward(const nnb_tensor *x, const nnb_tensor *dvalues, const nnb_tensor *dinputs)
{
    if (x == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(x, dvalues) || !nnb__same_shape(x, dinputs)) {
        return NNB__FAILF(NNB_ERR_SHAPE, "dvalues %zux%zu and dinputs %zux%zu must both be %zux%zu", dvalues->rows,
                          dvalues->cols, dinputs->rows, dinputs->cols, x->rows, x->cols);
    }
    return NNB_OK;
}

nnb_status nnb__check_leaky_slope(float slope)
{
    if (!(slope >= 0.0f && slope <= 1.0f)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "leaky ReLU slope %g is not in [0, 1]", (double)slope);
    }
    return NNB_OK;
}

nnb_status nnb__check_elu_alpha(float alpha)
{
    if (!(alpha >= 0.0f && isfinite(alpha))) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "ELU alpha %g is not a finite value >= 0", (double)alpha);
    }
    return NNB_OK;
}

nnb_status nnb__check_gelu_approximation(nnb_gelu_approximation approximation)
{
    if (approximation != NNB_GELU_EXACT && approximation != NNB_GELU_TANH) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "unknown GELU approximation %d (0 exact, 1 tanh)", (int)approximation);
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- tanh */

nnb_status nnb_tanh_forward(const nnb_tensor *in, nnb_tensor *out)
{
    nnb_status st = check_unary(in, out);
    if (st != NNB_OK) {
        return st;
    }
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        out->data[i] = (float)tanh((double)in->data[i]);
    }
    return NNB_OK;
}

nnb_status nnb_tanh_backward(const nnb_tensor *outputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    nnb_status st = check_backward(outputs, dvalues, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    size_t n = outputs->rows * outputs->cols;
    for (size_t i = 0; i < n; ++i) {
        double y = (double)outputs->data[i];
        dinputs->data[i] = (float)((double)dvalues->data[i] * (1.0 - y * y));
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- leaky ReLU */

nnb_status nnb_leaky_relu_forward(float slope, const nnb_tensor *in, nnb_tensor *out)
{
    nnb_status st = check_unary(in, out);
    if (st == NNB_OK) {
        st = nnb__check_leaky_slope(slope);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        float x = in->data[i];
        /* NaN takes the second branch and stays NaN. */
        out->data[i] = x > 0.0f ? x : (float)((double)slope * (double)x);
    }
    return NNB_OK;
}

nnb_status nnb_leaky_relu_backward(float slope, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                   nnb_tensor *dinputs)
{
    nnb_status st = check_backward(inputs, dvalues, dinputs);
    if (st == NNB_OK) {
        st = nnb__check_leaky_slope(slope);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        float dv = dvalues->data[i];
        dinputs->data[i] = inputs->data[i] > 0.0f ? dv : (float)((double)slope * (double)dv);
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- ELU */

nnb_status nnb_elu_forward(float alpha, const nnb_tensor *in, nnb_tensor *out)
{
    nnb_status st = check_unary(in, out);
    if (st == NNB_OK) {
        st = nnb__check_elu_alpha(alpha);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        float x = in->data[i];
        out->data[i] = x > 0.0f ? x : (float)((double)alpha * expm1((double)x));
    }
    return NNB_OK;
}

nnb_status nnb_elu_backward(float alpha, const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    nnb_status st = check_backward(inputs, dvalues, dinputs);
    if (st == NNB_OK) {
        st = nnb__check_elu_alpha(alpha);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        float x = inputs->data[i];
        double dv = (double)dvalues->data[i];
        dinputs->data[i] = x > 0.0f ? (float)dv : (float)(dv * (double)alpha * exp((double)x));
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- GELU */

/* The tanh approximation's inner argument and its derivative. */
static double gelu_tanh_u(double x)
{
    return SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x * x * x);
}

nnb_status nnb_gelu_forward(nnb_gelu_approximation approximation, const nnb_tensor *in, nnb_tensor *out)
{
    nnb_status st = check_unary(in, out);
    if (st == NNB_OK) {
        st = nnb__check_gelu_approximation(approximation);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = in->rows * in->cols;
    if (approximation == NNB_GELU_EXACT) {
        for (size_t i = 0; i < n; ++i) {
            double x = (double)in->data[i];
            /* Phi(x) = erfc(-x / sqrt 2) / 2: no cancellation for negative x, where 1 + erf would lose it. */
            out->data[i] = (float)(0.5 * x * erfc(-x * SQRT_HALF));
        }
    } else {
        for (size_t i = 0; i < n; ++i) {
            double x = (double)in->data[i];
            out->data[i] = (float)(0.5 * x * (1.0 + tanh(gelu_tanh_u(x))));
        }
    }
    return NNB_OK;
}

nnb_status nnb_gelu_backward(nnb_gelu_approximation approximation, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                             nnb_tensor *dinputs)
{
    nnb_status st = check_backward(inputs, dvalues, dinputs);
    if (st == NNB_OK) {
        st = nnb__check_gelu_approximation(approximation);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        double x = (double)inputs->data[i];
        double d;
        if (approximation == NNB_GELU_EXACT) {
            /* Phi(x) + x phi(x); for |x| beyond 40, phi underflows to 0 and x * 0 stays 0. */
            d = 0.5 * erfc(-x * SQRT_HALF) + x * INV_SQRT_2PI * exp(-0.5 * x * x);
        } else {
            double t = tanh(gelu_tanh_u(x));
            double du = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * x * x);
            double sech2 = 1.0 - t * t;
            /* x * sech2 * du: sech2 reaches 0 long before x * du overflows, so multiply sech2 first. */
            d = 0.5 * (1.0 + t) + 0.5 * x * (sech2 == 0.0 ? 0.0 : sech2 * du);
        }
        dinputs->data[i] = (float)((double)dvalues->data[i] * d);
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- softplus */

nnb_status nnb_softplus_forward(const nnb_tensor *in, nnb_tensor *out)
{
    nnb_status st = check_unary(in, out);
    if (st != NNB_OK) {
        return st;
    }
    size_t n = in->rows * in->cols;
    for (size_t i = 0; i < n; ++i) {
        double x = (double)in->data[i];
        /* log(1 + e^x) without overflow: x + log1p(e^-x) for x > 0. */
        out->data[i] = (float)(x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x)));
    }
    return NNB_OK;
}

nnb_status nnb_softplus_backward(const nnb_tensor *inputs, const nnb_tensor *dvalues, nnb_tensor *dinputs)
{
    nnb_status st = check_backward(inputs, dvalues, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        double x = (double)inputs->data[i];
        /* The logistic sigmoid 1 / (1 + e^-x), written so that e^x or e^-x never overflows. */
        double s = x >= 0.0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
        dinputs->data[i] = (float)((double)dvalues->data[i] * s);
    }
    return NNB_OK;
}
