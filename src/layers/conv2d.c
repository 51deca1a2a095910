/* SPDX-License-Identifier: MIT */
/*
 * 2-D convolution over NCHW activations through im2col and the library's GEMM: one product per batch for
 * the forward pass and two for the backward pass (see conv2d_internal.h for the layout).
 */
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/conv2d_internal.h"
#include "layers/split_internal.h"

static size_t out_size(size_t in, size_t pad_total, size_t k, size_t stride)
{
    return (in + pad_total - k) / stride + 1u;
}

nnb_status nnb__conv2d_geom_init(nnb__conv2d_geom *g, size_t in_c, size_t in_h, size_t in_w, size_t out_c, size_t kh,
                                 size_t kw, size_t stride, int padding, size_t pad_h, size_t pad_w)
{
    if (in_c == 0 || in_h == 0 || in_w == 0 || out_c == 0 || kh == 0 || kw == 0 || stride == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT,
                          "conv2d: a size is 0 (in %zu x %zu x %zu, out_c %zu, kernel %zu x %zu, stride %zu; all must "
                          "be >= 1)",
                          in_c, in_h, in_w, out_c, kh, kw, stride);
    }
    if (padding < 0 || padding > 2) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "conv2d: padding %d is not valid (0), same (1) or explicit (2)", padding);
    }
    size_t big = (size_t)1 << 24;
    if (in_c > big || in_h > big || in_w > big || out_c > big || kh > big || kw > big || stride > big || pad_h > big ||
        pad_w > big) {
        return NNB__FAILF(NNB_ERR_OVERFLOW, "conv2d: a size is above %zu", big);
    }
    nnb__conv2d_geom r;
    memset(&r, 0, sizeof r);
    r.in_c = in_c;
    r.in_h = in_h;
    r.in_w = in_w;
    r.out_c = out_c;
    r.kh = kh;
    r.kw = kw;
    r.stride = stride;
    size_t th = 0, tw = 0; /* total padding */
    if (padding == 1) {
        r.out_h = (in_h + stride - 1) / stride;
        r.out_w = (in_w + stride - 1) / stride;
        size_t need_h = (r.out_h - 1) * stride + kh;
        size_t need_w = (r.out_w - 1) * stride + kw;
        th = need_h > in_h ? need_h - in_h : 0;
        tw = need_w > in_w ? need_w - in_w : 0;
        r.pad_top = th / 2;
        r.pad_left = tw / 2;
    } else {
        if (padding == 2) {
            th = 2 * pad_h;
            tw = 2 * pad_w;
            r.pad_top = pad_h;
            r.pad_left = pad_w;
        }
        if (in_h + th < kh || in_w + tw < kw) {
            return NNB__FAILF(NNB_ERR_ARGUMENT,
                              "conv2d: the %zu x %zu kernel is larger than the %zu x %zu padded input", kh, kw,
                              in_h + th, in_w + tw);
        }
        r.out_h = out_size(in_h, th, kh, stride);
        r.out_w = out_size(in_w, tw, kw, stride);
    }
    size_t k, p, t;
    if (nnb__mul3_size(in_c, kh, kw, &k) != NNB_OK || nnb__mul_size(r.out_h, r.out_w, &p) != NNB_OK ||
        nnb__mul_size(k, p, &t) != NNB_OK || nnb__mul_size(out_c, p, &t) != NNB_OK ||
        nnb__mul3_size(in_c, in_h, in_w, &t) != NNB_OK) {
        return NNB__FAILF(NNB_ERR_OVERFLOW, "conv2d: the sizes overflow");
    }
    *g = r;
    return NNB_OK;
}

size_t nnb__conv2d_k(const nnb__conv2d_geom *g)
{
    return g->in_c * g->kh * g->kw;
}

size_t nnb__conv2d_pixels(const nnb__conv2d_geom *g)
{
    return g->out_h * g->out_w;
}

size_t nnb__conv2d_col_floats(const nnb__conv2d_geom *g, size_t rows)
{
    size_t n;
    return nnb__mul3_size(nnb__conv2d_k(g), nnb__conv2d_pixels(g), rows, &n) == NNB_OK ? n : 0u;
}

size_t nnb__conv2d_tmp_floats(const nnb__conv2d_geom *g, size_t rows)
{
    size_t n;
    return nnb__mul3_size(g->out_c, nnb__conv2d_pixels(g), rows, &n) == NNB_OK ? n : 0u;
}

size_t nnb__conv2d_scratch_bytes(const nnb__conv2d_geom *g, size_t rows, int training)
{
    size_t k = nnb__conv2d_k(g);
    size_t np = nnb__conv2d_pixels(g) * rows;
    size_t most = nnb__gemm_scratch_bytes(g->out_c, np, k);
    if (training) {
        size_t b = nnb__gemm_scratch_bytes(k, g->out_c, np);
        most = b > most ? b : most;
        b = nnb__gemm_scratch_bytes(k, np, g->out_c);
        most = b > most ? b : most;
    }
    return most;
}

/*
 * The output columns [*lo, *hi) of a row whose kernel column j lands inside the image (xx = ox * stride + j
 * in [pad_left, pad_left + in_w), padded coordinates); the others read zero padding.
 */
static void inside_columns(const nnb__conv2d_geom *g, size_t j, size_t *lo, size_t *hi)
{
    size_t a = 0, b = g->out_w;
    if (g->pad_left > j) {
        a = (g->pad_left - j + g->stride - 1u) / g->stride; /* the first ox with ox * stride + j >= pad_left */
    }
    size_t end = g->pad_left + g->in_w; /* xx must stay below end */
    b = end > j ? (end - j + g->stride - 1u) / g->stride : 0u;
    b = b < g->out_w ? b : g->out_w;
    *lo = a < b ? a : b;
    *hi = b;
}

/* Coordinates below are in the padded image: a row yy is image row yy - pad_top when that is in range. */
static void im2col_images(const nnb__conv2d_geom *g, size_t rows, size_t n0, size_t n1, const float *x, float *col)
{
    const size_t P = nnb__conv2d_pixels(g);
    const size_t NP = P * rows;
    const size_t plane = g->in_h * g->in_w;
    const size_t img = g->in_c * plane;
    for (size_t c = 0; c < g->in_c; ++c) {
        for (size_t i = 0; i < g->kh; ++i) {
            for (size_t j = 0; j < g->kw; ++j) {
                float *dst_row = col + ((c * g->kh + i) * g->kw + j) * NP;
                size_t lo, hi;
                inside_columns(g, j, &lo, &hi);
                for (size_t n = n0; n < n1; ++n) {
                    const float *src = x + n * img + c * plane;
                    float *dst = dst_row + n * P;
                    for (size_t oy = 0; oy < g->out_h; ++oy) {
                        size_t yy = oy * g->stride + i; /* in padded coordinates */
                        float *d = dst + oy * g->out_w;
                        if (yy < g->pad_top || yy - g->pad_top >= g->in_h || lo == hi) {
                            memset(d, 0, g->out_w * sizeof(float));
                            continue;
                        }
                        /* s[ox * stride] is image column ox * stride + j - pad_left, for ox in [lo, hi) */
                        const float *s = src + (yy - g->pad_top) * g->in_w + (lo * g->stride + j - g->pad_left);
                        for (size_t ox = 0; ox < lo; ++ox) {
                            d[ox] = 0.0f;
                        }
                        if (g->stride == 1) {
                            memcpy(d + lo, s, (hi - lo) * sizeof(float));
                        } else {
                            for (size_t ox = lo; ox < hi; ++ox) {
                                d[ox] = s[(ox - lo) * g->stride];
                            }
                        }
                        for (size_t ox = hi; ox < g->out_w; ++ox) {
                            d[ox] = 0.0f;
                        }
                    }
                }
            }
        }
    }
}

typedef struct conv_pass {
    const nnb__conv2d_geom *g;
    size_t rows;
    const float *src;
    float *dst;
    const float *bias;
    float *dbias;
} conv_pass;

static void im2col_part(void *ctx, size_t n0, size_t n1)
{
    const conv_pass *c = ctx;
    im2col_images(c->g, c->rows, n0, n1, c->src, c->dst);
}

void nnb__conv2d_im2col(const nnb__conv2d_geom *g, size_t rows, const float *x, float *col)
{
    conv_pass c = {g, rows, x, col, NULL, NULL};
    nnb__split(im2col_part, &c, rows, nnb__conv2d_col_floats(g, rows));
}

/* dx of images [n0, n1) from their patch gradients: each pixel adds its patches in (c, i, j, oy, ox) order. */
static void col2im_images(const nnb__conv2d_geom *g, size_t rows, size_t n0, size_t n1, const float *col, float *dx)
{
    const size_t P = nnb__conv2d_pixels(g);
    const size_t NP = P * rows;
    const size_t plane = g->in_h * g->in_w;
    const size_t img = g->in_c * plane;
    memset(dx + n0 * img, 0, (n1 - n0) * img * sizeof(float));
    for (size_t c = 0; c < g->in_c; ++c) {
        for (size_t i = 0; i < g->kh; ++i) {
            for (size_t j = 0; j < g->kw; ++j) {
                const float *src_row = col + ((c * g->kh + i) * g->kw + j) * NP;
                size_t lo, hi;
                inside_columns(g, j, &lo, &hi);
                if (lo == hi) {
                    continue;
                }
                for (size_t n = n0; n < n1; ++n) {
                    float *dst = dx + n * img + c * plane;
                    const float *s = src_row + n * P;
                    for (size_t oy = 0; oy < g->out_h; ++oy) {
                        size_t yy = oy * g->stride + i;
                        if (yy < g->pad_top || yy - g->pad_top >= g->in_h) {
                            continue;
                        }
                        float *d = dst + (yy - g->pad_top) * g->in_w + (lo * g->stride + j - g->pad_left);
                        const float *sr = s + oy * g->out_w;
                        if (g->stride == 1) {
                            for (size_t ox = lo; ox < hi; ++ox) {
                                d[ox - lo] += sr[ox];
                            }
                        } else {
                            for (size_t ox = lo; ox < hi; ++ox) {
                                d[(ox - lo) * g->stride] += sr[ox];
                            }
                        }
                    }
                }
            }
        }
    }
}

static void col2im_part(void *ctx, size_t n0, size_t n1)
{
    const conv_pass *c = ctx;
    col2im_images(c->g, c->rows, n0, n1, c->src, c->dst);
}

void nnb__conv2d_col2im(const nnb__conv2d_geom *g, size_t rows, const float *col, float *dx)
{
    conv_pass c = {g, rows, col, dx, NULL, NULL};
    nnb__split(col2im_part, &c, rows, nnb__conv2d_col_floats(g, rows));
}

/* y[n][o][p] = tmp[o][n * P + p] + b[o] for images [n0, n1). */
static void unpack_part(void *ctx, size_t n0, size_t n1)
{
    const conv_pass *c = ctx;
    const size_t P = nnb__conv2d_pixels(c->g);
    const size_t NP = P * c->rows;
    const size_t out_c = c->g->out_c;
    for (size_t n = n0; n < n1; ++n) {
        for (size_t o = 0; o < out_c; ++o) {
            const float *s = c->src + o * NP + n * P;
            float *d = c->dst + (n * out_c + o) * P;
            float b = c->bias != NULL ? c->bias[o] : 0.0f;
            for (size_t p = 0; p < P; ++p) {
                d[p] = s[p] + b;
            }
        }
    }
}

/* tmp[o][n * P + p] = dy[n][o][p] and dbias[o] = sum over n (double) of the per-image float sums, for output
 * channels [o0, o1). */
static void pack_dy_part(void *ctx, size_t o0, size_t o1)
{
    const conv_pass *c = ctx;
    const size_t P = nnb__conv2d_pixels(c->g);
    const size_t NP = P * c->rows;
    const size_t out_c = c->g->out_c;
    for (size_t o = o0; o < o1; ++o) {
        double sum = 0.0;
        for (size_t n = 0; n < c->rows; ++n) {
            const float *s = c->src + (n * out_c + o) * P;
            float *d = c->dst + o * NP + n * P;
            float part = 0.0f;
            for (size_t p = 0; p < P; ++p) {
                d[p] = s[p];
                part += s[p];
            }
            sum += (double)part;
        }
        if (c->dbias != NULL) {
            c->dbias[o] = (float)sum;
        }
    }
}

nnb_status nnb__conv2d_forward(const nnb__conv2d_geom *g, size_t rows, const float *x, const float *w,
                               const float *bias, float *y, float *col, float *tmp, const nnb__gemm_scratch *scratch)
{
    const size_t K = nnb__conv2d_k(g);
    const size_t P = nnb__conv2d_pixels(g);
    const size_t NP = P * rows;
    nnb__conv2d_im2col(g, rows, x, col);
    /* tmp (out_c x NP) = W^T (out_c x K) * col (K x NP) */
    nnb_status st =
        nnb__gemm_ws(scratch, NNB_TRANS, NNB_NO_TRANS, g->out_c, NP, K, 1.0f, w, g->out_c, col, NP, 0.0f, tmp, NP);
    if (st != NNB_OK) {
        return st;
    }
    conv_pass c = {g, rows, tmp, y, bias, NULL};
    nnb__split(unpack_part, &c, rows, 2u * nnb__conv2d_tmp_floats(g, rows));
    return NNB_OK;
}

nnb_status nnb__conv2d_backward(const nnb__conv2d_geom *g, size_t rows, const float *w, const float *dy, float *dw,
                                float *dbias, float *dx, float *col, float *tmp, const nnb__gemm_scratch *scratch)
{
    const size_t K = nnb__conv2d_k(g);
    const size_t P = nnb__conv2d_pixels(g);
    const size_t NP = P * rows;
    conv_pass c = {g, rows, dy, tmp, NULL, dbias};
    nnb__split(pack_dy_part, &c, g->out_c, 2u * nnb__conv2d_tmp_floats(g, rows));
    /* dW (K x out_c) = col (K x NP) * tmp^T (NP x out_c) */
    nnb_status st =
        nnb__gemm_ws(scratch, NNB_NO_TRANS, NNB_TRANS, K, g->out_c, NP, 1.0f, col, NP, tmp, NP, 0.0f, dw, g->out_c);
    if (st != NNB_OK || dx == NULL) {
        return st;
    }
    /* dcol (K x NP) = W (K x out_c) * tmp (out_c x NP), into col */
    st = nnb__gemm_ws(scratch, NNB_NO_TRANS, NNB_NO_TRANS, K, NP, g->out_c, 1.0f, w, g->out_c, tmp, NP, 0.0f, col, NP);
    if (st != NNB_OK) {
        return st;
    }
    nnb__conv2d_col2im(g, rows, col, dx);
    return NNB_OK;
}
