/* SPDX-License-Identifier: MIT */
/* Batch normalisation over channels of NCHW (or dense) activations (see batchnorm_internal.h). */
#include <math.h>

#include "layers/batchnorm_internal.h"

void nnb__batchnorm_forward_train(size_t rows, size_t C, size_t S, float eps, float momentum, const float *x,
                                  const float *gamma, const float *beta, float *y, float *xhat, float *inv_std,
                                  float *running_mean, float *running_var)
{
    const size_t row = C * S;
    const double M = (double)(rows * S);
    for (size_t c = 0; c < C; ++c) {
        double sum = 0.0;
        for (size_t n = 0; n < rows; ++n) {
            const float *p = x + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                sum += (double)p[s];
            }
        }
        const double mean = sum / M;
        double ss = 0.0;
        for (size_t n = 0; n < rows; ++n) {
            const float *p = x + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                double d = (double)p[s] - mean;
                ss += d * d;
            }
        }
        const double var = ss / M;
        const double is = 1.0 / sqrt(var + (double)eps);
        inv_std[c] = (float)is;
        const float g = gamma[c], b = beta[c];
        for (size_t n = 0; n < rows; ++n) {
            const float *p = x + n * row + c * S;
            float *h = xhat + n * row + c * S;
            float *o = y + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                h[s] = (float)(((double)p[s] - mean) * is);
                o[s] = g * h[s] + b;
            }
        }
        if (running_mean != NULL && running_var != NULL) {
            double unbiased = M > 1.0 ? ss / (M - 1.0) : var;
            running_mean[c] = (float)((1.0 - (double)momentum) * (double)running_mean[c] + (double)momentum * mean);
            running_var[c] = (float)((1.0 - (double)momentum) * (double)running_var[c] + (double)momentum * unbiased);
        }
    }
}

void nnb__batchnorm_forward_infer(size_t rows, size_t C, size_t S, float eps, const float *x, const float *gamma,
                                  const float *beta, const float *running_mean, const float *running_var, float *y)
{
    const size_t row = C * S;
    for (size_t c = 0; c < C; ++c) {
        const float scale = (float)((double)gamma[c] / sqrt((double)running_var[c] + (double)eps));
        const float shift = beta[c] - scale * running_mean[c];
        for (size_t n = 0; n < rows; ++n) {
            const float *p = x + n * row + c * S;
            float *o = y + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                o[s] = scale * p[s] + shift;
            }
        }
    }
}

void nnb__batchnorm_backward(size_t rows, size_t C, size_t S, const float *gamma, const float *xhat,
                             const float *inv_std, const float *dy, float *dgamma, float *dbeta, float *dx)
{
    const size_t row = C * S;
    const double M = (double)(rows * S);
    for (size_t c = 0; c < C; ++c) {
        double sdy = 0.0, sdyx = 0.0;
        for (size_t n = 0; n < rows; ++n) {
            const float *g = dy + n * row + c * S;
            const float *h = xhat + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                sdy += (double)g[s];
                sdyx += (double)g[s] * (double)h[s];
            }
        }
        dgamma[c] = (float)sdyx;
        dbeta[c] = (float)sdy;
        if (dx == NULL) {
            continue;
        }
        const double k = (double)gamma[c] * (double)inv_std[c] / M;
        for (size_t n = 0; n < rows; ++n) {
            const float *g = dy + n * row + c * S;
            const float *h = xhat + n * row + c * S;
            float *d = dx + n * row + c * S;
            for (size_t s = 0; s < S; ++s) {
                d[s] = (float)(k * (M * (double)g[s] - sdy - (double)h[s] * sdyx));
            }
        }
    }
}
