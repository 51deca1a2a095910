/*
 * loss.h - loss functions (lessons 7 and 8).
 *
 * Categorical cross-entropy of predicted probabilities p (batch x classes) against the true classes:
 *   loss_i = -log(clip(p_i,y_i))                       sparse targets (class indices)
 *   loss_i = -log(sum_j clip(p_ij) * t_ij)              one-hot targets
 * with clip(x) = min(max(x, 1e-7), 1 - 1e-7), so a prediction of exactly 0 or 1 gives a finite loss.
 * The mean is the float32 pairwise sum of the per-sample losses divided by the batch size, the way numpy's
 * np.mean computes it (so lesson 8 prints the book's 1.0986104).
 *
 * Outputs: per_sample (caller buffer of `batch` floats) and mean are each optional (NULL to skip) but
 * not both. Reentrant.
 */
#ifndef NNB_LOSS_H
#define NNB_LOSS_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The clipping bound used by every cross-entropy. */
#define NNB_CCE_EPSILON 1e-7f

/*
 * Sparse categorical cross-entropy. labels: `count` class indices, count == rows of pred, each < cols.
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE (count differs from the batch), NNB_ERR_RANGE (a label >= classes),
 * NNB_ERR_NONFINITE (a selected prediction is NaN). Outputs are untouched on failure.
 */
NNB_API nnb_status nnb_cce_sparse(const nnb_tensor *pred, const uint32_t *labels, size_t count,
                                  float *per_sample, float *mean);

/*
 * One-hot categorical cross-entropy. targets: same shape as pred.
 * Returns NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NONFINITE. Outputs are untouched on failure.
 */
NNB_API nnb_status nnb_cce_onehot(const nnb_tensor *pred, const nnb_tensor *targets, float *per_sample,
                                  float *mean);

/*
 * Mean of `count` floats as numpy's np.mean computes it for float32 (pairwise summation in float32, then
 * one division). Returns NNB_ERR_NULL, NNB_ERR_ARGUMENT (count 0).
 */
NNB_API nnb_status nnb_mean_f32(const float *values, size_t count, float *mean);

#ifdef __cplusplus
}
#endif

#endif /* NNB_LOSS_H */
