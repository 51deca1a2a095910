/* SPDX-License-Identifier: MIT */
/*
 * Internal: max and average pooling over NCHW activations (pool2d.c), without padding; a window of kh x kw
 * every `stride` pixels, out = (in - k) / stride + 1 (floor, as PyTorch's default). Global average pooling is
 * average pooling with the window the whole image. Never installed.
 */
#ifndef NNB_INTERNAL_POOL2D_H
#define NNB_INTERNAL_POOL2D_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/status.h"

typedef struct nnb__pool2d_geom {
    size_t c, in_h, in_w;
    size_t kh, kw, stride;
    size_t out_h, out_w;
} nnb__pool2d_geom;

/* Fills g; NNB_ERR_ARGUMENT (with detail) for zero sizes or a window larger than the input. */
nnb_status nnb__pool2d_geom_init(nnb__pool2d_geom *g, size_t c, size_t in_h, size_t in_w, size_t kh, size_t kw,
                                 size_t stride);

/* y = max over each window; argmax (rows x c*out_h*out_w; NULL: not kept) receives the index in the channel's
 * plane (y * in_w + x) of the first largest value, for the backward. */
void nnb__maxpool2d_forward(const nnb__pool2d_geom *g, size_t rows, const float *x, float *y, uint32_t *argmax);

/* dx = dy routed to the positions argmax recorded (dx overwritten). */
void nnb__maxpool2d_backward(const nnb__pool2d_geom *g, size_t rows, const uint32_t *argmax, const float *dy,
                             float *dx);

/* y = mean over each window. */
void nnb__avgpool2d_forward(const nnb__pool2d_geom *g, size_t rows, const float *x, float *y);

/* dx = dy / (kh * kw) spread over each window (overlapping windows add; dx overwritten). */
void nnb__avgpool2d_backward(const nnb__pool2d_geom *g, size_t rows, const float *dy, float *dx);

#endif
