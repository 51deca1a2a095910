/* SPDX-License-Identifier: MIT */
/* Max and average pooling over NCHW activations (see pool2d_internal.h). */
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/pool2d_internal.h"

nnb_status nnb__pool2d_geom_init(nnb__pool2d_geom *g, size_t c, size_t in_h, size_t in_w, size_t kh, size_t kw,
                                 size_t stride)
{
    if (c == 0 || in_h == 0 || in_w == 0 || kh == 0 || kw == 0 || stride == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT,
                          "pool2d: a size is 0 (input %zu x %zu x %zu, window %zu x %zu, stride %zu; all must be >= 1)",
                          c, in_h, in_w, kh, kw, stride);
    }
    if (kh > in_h || kw > in_w) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "pool2d: the %zu x %zu window is larger than the %zu x %zu input", kh, kw,
                          in_h, in_w);
    }
    size_t plane, all;
    if (nnb__mul_size(in_h, in_w, &plane) != NNB_OK || plane > UINT32_MAX || nnb__mul_size(plane, c, &all) != NNB_OK) {
        return NNB__FAILF(NNB_ERR_OVERFLOW, "pool2d: the %zu x %zu x %zu input is too large", c, in_h, in_w);
    }
    g->c = c;
    g->in_h = in_h;
    g->in_w = in_w;
    g->kh = kh;
    g->kw = kw;
    g->stride = stride;
    g->out_h = (in_h - kh) / stride + 1u;
    g->out_w = (in_w - kw) / stride + 1u;
    return NNB_OK;
}

void nnb__maxpool2d_forward(const nnb__pool2d_geom *g, size_t rows, const float *x, float *y, uint32_t *argmax)
{
    const size_t planes = rows * g->c;
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    for (size_t q = 0; q < planes; ++q) {
        const float *src = x + q * in_plane;
        float *dst = y + q * out_plane;
        uint32_t *arg = argmax != NULL ? argmax + q * out_plane : NULL;
        for (size_t oy = 0; oy < g->out_h; ++oy) {
            for (size_t ox = 0; ox < g->out_w; ++ox) {
                size_t y0 = oy * g->stride, x0 = ox * g->stride;
                size_t best = y0 * g->in_w + x0;
                float v = src[best];
                for (size_t i = 0; i < g->kh; ++i) {
                    const float *r = src + (y0 + i) * g->in_w + x0;
                    for (size_t j = 0; j < g->kw; ++j) {
                        if (r[j] > v) {
                            v = r[j];
                            best = (y0 + i) * g->in_w + x0 + j;
                        }
                    }
                }
                dst[oy * g->out_w + ox] = v;
                if (arg != NULL) {
                    arg[oy * g->out_w + ox] = (uint32_t)best;
                }
            }
        }
    }
}

void nnb__maxpool2d_backward(const nnb__pool2d_geom *g, size_t rows, const uint32_t *argmax, const float *dy, float *dx)
{
    const size_t planes = rows * g->c;
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    memset(dx, 0, planes * in_plane * sizeof(float));
    for (size_t q = 0; q < planes; ++q) {
        float *d = dx + q * in_plane;
        const float *s = dy + q * out_plane;
        const uint32_t *arg = argmax + q * out_plane;
        for (size_t p = 0; p < out_plane; ++p) {
            d[arg[p]] += s[p];
        }
    }
}

void nnb__avgpool2d_forward(const nnb__pool2d_geom *g, size_t rows, const float *x, float *y)
{
    const size_t planes = rows * g->c;
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    const float inv = 1.0f / (float)(g->kh * g->kw);
    for (size_t q = 0; q < planes; ++q) {
        const float *src = x + q * in_plane;
        float *dst = y + q * out_plane;
        for (size_t oy = 0; oy < g->out_h; ++oy) {
            for (size_t ox = 0; ox < g->out_w; ++ox) {
                float sum = 0.0f;
                for (size_t i = 0; i < g->kh; ++i) {
                    const float *r = src + (oy * g->stride + i) * g->in_w + ox * g->stride;
                    for (size_t j = 0; j < g->kw; ++j) {
                        sum += r[j];
                    }
                }
                dst[oy * g->out_w + ox] = sum * inv;
            }
        }
    }
}

void nnb__avgpool2d_backward(const nnb__pool2d_geom *g, size_t rows, const float *dy, float *dx)
{
    const size_t planes = rows * g->c;
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    const float inv = 1.0f / (float)(g->kh * g->kw);
    memset(dx, 0, planes * in_plane * sizeof(float));
    for (size_t q = 0; q < planes; ++q) {
        float *d = dx + q * in_plane;
        const float *s = dy + q * out_plane;
        for (size_t oy = 0; oy < g->out_h; ++oy) {
            for (size_t ox = 0; ox < g->out_w; ++ox) {
                float v = s[oy * g->out_w + ox] * inv;
                for (size_t i = 0; i < g->kh; ++i) {
                    float *r = d + (oy * g->stride + i) * g->in_w + ox * g->stride;
                    for (size_t j = 0; j < g->kw; ++j) {
                        r[j] += v;
                    }
                }
            }
        }
    }
}
