/*
 * activation.h - activation functions (lessons 5 and 6), applied element-wise or per row.
 *
 *   ReLU:    y = max(0, x)
 *   softmax: y_ij = exp(x_ij - max_k x_ik) / sum_k exp(x_ik - max_k x_ik)   (per row; the max is subtracted
 *            so that rows of large values, e.g. 1e30, do not overflow)
 *
 * `in` and `out` must have the same shape; they may be the same tensor (in-place). Reentrant.
 */
#ifndef NNB_ACTIVATION_H
#define NNB_ACTIVATION_H

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ReLU forward. NaN inputs stay NaN. Returns NNB_ERR_NULL, NNB_ERR_SHAPE. */
NNB_API nnb_status nnb_relu_forward(const nnb_tensor *in, nnb_tensor *out);

/*
 * Softmax forward, row by row. Each output row sums to 1 within float32 rounding.
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE (a row holds NaN or +inf: out is then untouched).
 */
NNB_API nnb_status nnb_softmax_forward(const nnb_tensor *in, nnb_tensor *out);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ACTIVATION_H */
