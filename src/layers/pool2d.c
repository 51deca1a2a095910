/* SPDX-License-Identifier: MIT */
/* Max and average pooling over NCHW activations (see pool2d_internal.h). */
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/pool2d_internal.h"
#include "layers/split_internal.h"

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

typedef struct pool_pass {
    const nnb__pool2d_geom *g;
    const float *x;
    float *y;
    uint32_t *argmax;
    const uint32_t *cargmax;
} pool_pass;

/* 2 x 2 windows every 2 pixels (the usual pooling): the same comparisons, in the same order, as the general
 * loop below, without its index arithmetic. */
static void maxpool_2x2_planes(const nnb__pool2d_geom *g, size_t q0, size_t q1, const float *x, float *y,
                               uint32_t *argmax)
{
    const size_t in_w = g->in_w, out_w = g->out_w;
    const size_t in_plane = g->in_h * in_w;
    const size_t out_plane = g->out_h * out_w;
    for (size_t q = q0; q < q1; ++q) {
        const float *src = x + q * in_plane;
        float *dst = y + q * out_plane;
        uint32_t *arg = argmax != NULL ? argmax + q * out_plane : NULL;
        for (size_t oy = 0; oy < g->out_h; ++oy) {
            const float *r0 = src + 2u * oy * in_w, *r1 = r0 + in_w;
            float *d = dst + oy * out_w;
            const uint32_t base = (uint32_t)(2u * oy * in_w);
            for (size_t ox = 0; ox < out_w; ++ox) {
                const size_t x0 = 2u * ox;
                float v = r0[x0];
                uint32_t best = base + (uint32_t)x0;
                if (r0[x0 + 1u] > v) {
                    v = r0[x0 + 1u];
                    best = base + (uint32_t)x0 + 1u;
                }
                if (r1[x0] > v) {
                    v = r1[x0];
                    best = base + (uint32_t)(in_w + x0);
                }
                if (r1[x0 + 1u] > v) {
                    v = r1[x0 + 1u];
                    best = base + (uint32_t)(in_w + x0 + 1u);
                }
                d[ox] = v;
                if (arg != NULL) {
                    arg[oy * out_w + ox] = best;
                }
            }
        }
    }
}

static void maxpool_planes(const nnb__pool2d_geom *g, size_t q0, size_t q1, const float *x, float *y, uint32_t *argmax)
{
    if (g->kh == 2 && g->kw == 2 && g->stride == 2) {
        maxpool_2x2_planes(g, q0, q1, x, y, argmax);
        return;
    }
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    for (size_t q = q0; q < q1; ++q) {
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

static void maxpool_forward_part(void *ctx, size_t q0, size_t q1)
{
    const pool_pass *p = ctx;
    maxpool_planes(p->g, q0, q1, p->x, p->y, p->argmax);
}

void nnb__maxpool2d_forward(const nnb__pool2d_geom *g, size_t rows, const float *x, float *y, uint32_t *argmax)
{
    pool_pass p = {g, x, y, argmax, NULL};
    const size_t planes = rows * g->c;
    nnb__split(maxpool_forward_part, &p, planes, planes * g->in_h * g->in_w);
}

/*
 * 2 x 2 windows every 2 pixels do not overlap: every input pixel gets at most one gradient, so each window is
 * written once (0 + dy at its maximum, 0 elsewhere: the same bits as zeroing and then adding, -0 included)
 * and only the row and column no window covers (odd sizes) are zeroed apart, instead of a zeroing pass first.
 */
static void maxpool_2x2_backward_planes(const nnb__pool2d_geom *g, size_t q0, size_t q1, const uint32_t *argmax,
                                        const float *dy, float *dx)
{
    const size_t in_w = g->in_w, out_w = g->out_w;
    const size_t in_plane = g->in_h * in_w;
    const size_t out_plane = g->out_h * out_w;
    for (size_t q = q0; q < q1; ++q) {
        float *d = dx + q * in_plane;
        const float *s = dy + q * out_plane;
        const uint32_t *arg = argmax + q * out_plane;
        for (size_t oy = 0; oy < g->out_h; ++oy) {
            float *r0 = d + 2u * oy * in_w, *r1 = r0 + in_w;
            for (size_t ox = 0; ox < out_w; ++ox) {
                r0[2u * ox] = 0.0f;
                r0[2u * ox + 1u] = 0.0f;
                r1[2u * ox] = 0.0f;
                r1[2u * ox + 1u] = 0.0f;
                d[arg[oy * out_w + ox]] = 0.0f + s[oy * out_w + ox];
            }
            for (size_t x = 2u * out_w; x < in_w; ++x) {
                r0[x] = 0.0f;
                r1[x] = 0.0f;
            }
        }
        for (size_t y = 2u * g->out_h; y < g->in_h; ++y) {
            memset(d + y * in_w, 0, in_w * sizeof(float));
        }
    }
}

static void maxpool_backward_part(void *ctx, size_t q0, size_t q1)
{
    const pool_pass *p = ctx;
    const nnb__pool2d_geom *g = p->g;
    if (g->kh == 2 && g->kw == 2 && g->stride == 2) {
        maxpool_2x2_backward_planes(g, q0, q1, p->cargmax, p->x, p->y);
        return;
    }
    const size_t in_plane = g->in_h * g->in_w;
    const size_t out_plane = g->out_h * g->out_w;
    memset(p->y + q0 * in_plane, 0, (q1 - q0) * in_plane * sizeof(float));
    for (size_t q = q0; q < q1; ++q) {
        float *d = p->y + q * in_plane;
        const float *s = p->x + q * out_plane;
        const uint32_t *arg = p->cargmax + q * out_plane;
        for (size_t i = 0; i < out_plane; ++i) {
            d[arg[i]] += s[i];
        }
    }
}

void nnb__maxpool2d_backward(const nnb__pool2d_geom *g, size_t rows, const uint32_t *argmax, const float *dy, float *dx)
{
    pool_pass p = {g, dy, dx, NULL, argmax};
    const size_t planes = rows * g->c;
    nnb__split(maxpool_backward_part, &p, planes, planes * g->in_h * g->in_w);
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
