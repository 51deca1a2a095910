/* SPDX-License-Identifier: MIT */
/*
 * The portable element-wise kernels (compute/kernels_isa.h): the reference loops, in plain C for any CPU,
 * and the tails of the vector kernels.
 */
#include <math.h>

#include "compute/kernels_isa.h"
#include "tensor/tensor_internal.h"

void nnb__relu_portable(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        y[i] = x[i] < 0.0f ? 0.0f : x[i];
    }
}

void nnb__relu_backward_portable(const float *x, const float *dv, float *dx, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        dx[i] = x[i] <= 0.0f ? 0.0f : dv[i];
    }
}

void nnb__div_portable(const float *x, float d, float *y, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        y[i] = x[i] / d;
    }
}

void nnb__exp_portable(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        y[i] = expf(x[i]);
    }
}

void nnb__neg_log_portable(const float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        y[i] = -logf(x[i]);
    }
}

void nnb__adam_portable(const nnb__adam_coef *c, float *w, const float *g, float *m, float *v, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        m[i] = c->b1 * m[i] + c->one_minus_b1 * g[i];
        v[i] = c->b2 * v[i] + c->one_minus_b2 * (g[i] * g[i]);
        float m_hat = m[i] / c->corr1;
        float v_hat = v[i] / c->corr2;
        w[i] += (c->neg_lr * m_hat) / (sqrtf(v_hat) + c->eps);
    }
}

void nnb__small_k_portable(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *b,
                           const float *bias, float *out)
{
    for (size_t r = 0; r < rows; ++r) {
        const float *xr = x + r * ldx;
        float *o = out + r * n;
        for (size_t j = 0; j < n; ++j) {
            float acc = xr[0] * b[j];
            for (size_t k = 1; k < K; ++k) {
                acc += xr[k] * b[k * n + j];
            }
            o[j] = bias != NULL ? acc + bias[j] : acc;
        }
    }
}

void nnb__small_n_portable(size_t rows, size_t K, size_t n, const float *x, size_t ldx, const float *bt,
                           const float *bias, float *out)
{
    for (size_t r = 0; r < rows; ++r) {
        const float *xr = x + r * ldx;
        float *o = out + r * n;
        for (size_t j = 0; j < n; ++j) {
            const float *bj = bt + j * K;
            float acc = 0.0f;
            for (size_t k = 0; k < K; ++k) {
                acc += xr[k] * bj[k];
            }
            o[j] = bias != NULL ? acc + bias[j] : acc;
        }
    }
}

void nnb__at_b_portable(size_t rows, size_t a, size_t b, const float *u, const float *v, float *out, float *sum)
{
    if (sum != NULL) {
        nnb__col_sum_portable(v, rows, b, sum);
    }
    for (size_t i = 0; i < a * b; ++i) {
        out[i] = 0.0f;
    }
    for (size_t r = 0; r < rows; ++r) {
        const float *ur = u + r * a;
        const float *vr = v + r * b;
        for (size_t i = 0; i < a; ++i) {
            for (size_t j = 0; j < b; ++j) {
                out[i * b + j] += ur[i] * vr[j];
            }
        }
    }
}

void nnb__add_bias_portable(float *c, const float *b, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; ++r) {
        float *row = c + r * cols;
        for (size_t j = 0; j < cols; ++j) {
            row[j] += b[j];
        }
    }
}

void nnb__col_sum_portable(const float *x, size_t rows, size_t cols, float *out)
{
    for (size_t j = 0; j < cols; ++j) {
        out[j] = 0.0f;
    }
    for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < cols; ++j) {
            out[j] += x[r * cols + j];
        }
    }
}

void nnb__softmax_portable(const float *src, float *dst, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; ++r) {
        const float *row = src + r * cols;
        float *drow = dst + r * cols;
        float max = row[0];
        for (size_t j = 1; j < cols; ++j) {
            if (row[j] > max) {
                max = row[j];
            }
        }
        float sum = 0.0f;
        for (size_t j = 0; j < cols; ++j) {
            drow[j] = expf(row[j] - max);
            sum += drow[j];
        }
        for (size_t j = 0; j < cols; ++j) {
            drow[j] /= sum;
        }
    }
}

int nnb__nonfinite_portable(const float *x, size_t n)
{
    int flags = 0;
    for (size_t i = 0; i < n; ++i) {
        flags |= ((x[i] != x[i]) | (x[i] == INFINITY)) | (x[i] == -INFINITY ? 2 : 0);
    }
    return flags;
}

/* ---- categorical accuracy ---- */

size_t nnb__argmax_hits_portable(const float *pred, size_t rows, size_t cols, const uint32_t *labels)
{
    size_t hits = 0;
    for (size_t r = 0; r < rows; ++r) {
        hits += nnb__row_argmax(pred + r * cols, cols) == labels[r];
    }
    return hits;
}
