/* SPDX-License-Identifier: MIT */
/*
 * Internal: 2-D convolution over NCHW activations (conv2d.c). Never installed.
 *
 * A batch of images is a rows x (C * H * W) float buffer: image n, channel c, row y, column x at
 * n * C*H*W + (c * H + y) * W + x (NCHW, as PyTorch and ONNX store it). The weights are a K x out_c matrix,
 * K = in_c * kh * kw, row k = (c * kh + i) * kw + j (kernel tap i, j of input channel c): the same layout as
 * a dense layer's n_inputs x n_neurons weights, so a convolution is a dense layer applied to every patch.
 *
 * Forward, for a batch of N images and P = out_h * out_w output pixels per image:
 *   col  (K x N*P)      = im2col of the batch (column n * P + p: the patch of output pixel p of image n)
 *   tmp  (out_c x N*P)  = W^T col                (one GEMM for the whole batch)
 *   y[n][o][p]          = tmp[o][n * P + p] + b[o]
 * Backward, from dy:
 *   tmp  = dy rearranged as above; dW = col tmp^T; db[o] = sum of dy[., o, .]
 *   col  = W tmp (the input patches' gradients, overwriting the patches, no longer needed); dx = col2im(col)
 */
#ifndef NNB_INTERNAL_CONV2D_H
#define NNB_INTERNAL_CONV2D_H

#include <stddef.h>

#include "compute/gemm_internal.h"
#include "nnbasics/status.h"

typedef struct nnb__conv2d_geom {
    size_t in_c, in_h, in_w;
    size_t out_c, kh, kw;
    size_t stride;
    size_t pad_top, pad_left; /* zeros above and left of the image (below and right follow from the sizes) */
    size_t out_h, out_w;
} nnb__conv2d_geom;

/*
 * Fills g for the given sizes. padding: 0 valid, 1 same (out = ceil(in / stride); an odd total padding puts the
 * extra row/column below/right, as TensorFlow and PyTorch's padding='same'), 2 explicit (pad_h rows above and
 * below, pad_w columns left and right). Returns NNB_ERR_ARGUMENT (with detail) for zero sizes, a kernel larger
 * than the padded input, or NNB_ERR_OVERFLOW.
 */
nnb_status nnb__conv2d_geom_init(nnb__conv2d_geom *g, size_t in_c, size_t in_h, size_t in_w, size_t out_c, size_t kh,
                                 size_t kw, size_t stride, int padding, size_t pad_h, size_t pad_w);

/* K = in_c * kh * kw (rows of the weights). */
size_t nnb__conv2d_k(const nnb__conv2d_geom *g);

/* out_h * out_w. */
size_t nnb__conv2d_pixels(const nnb__conv2d_geom *g);

/* Floats of the col buffer and of the tmp buffer for `rows` images (0 on overflow). */
size_t nnb__conv2d_col_floats(const nnb__conv2d_geom *g, size_t rows);
size_t nnb__conv2d_tmp_floats(const nnb__conv2d_geom *g, size_t rows);

/* GEMM scratch bytes for `rows` images, forward only or with backward. */
size_t nnb__conv2d_scratch_bytes(const nnb__conv2d_geom *g, size_t rows, int training);

/* col (K x rows*P) from the images x. */
void nnb__conv2d_im2col(const nnb__conv2d_geom *g, size_t rows, const float *x, float *col);

/* dx = col2im(col): every patch gradient added back to the pixels it came from (dx is overwritten). */
void nnb__conv2d_col2im(const nnb__conv2d_geom *g, size_t rows, const float *col, float *dx);

/*
 * y (rows x out_c*P) = conv(x) + bias (bias NULL: none). w is K x out_c. col and tmp are the buffers above;
 * scratch the GEMM's packing memory (NULL: the GEMM allocates).
 */
nnb_status nnb__conv2d_forward(const nnb__conv2d_geom *g, size_t rows, const float *x, const float *w,
                               const float *bias, float *y, float *col, float *tmp, const nnb__gemm_scratch *scratch);

/*
 * Gradients from dy (rows x out_c*P): dw (K x out_c) and dbias (out_c; NULL: no bias) are overwritten;
 * dx (rows x in_c*H*W; NULL: not wanted). col must hold the im2col of this batch's x (the forward leaves it
 * there); it is overwritten. tmp is scratch of nnb__conv2d_tmp_floats.
 */
nnb_status nnb__conv2d_backward(const nnb__conv2d_geom *g, size_t rows, const float *w, const float *dy, float *dw,
                                float *dbias, float *dx, float *col, float *tmp, const nnb__gemm_scratch *scratch);

#endif
