/* SPDX-License-Identifier: MIT */
/*
 * preprocess.h - what a model needs to take raw rows: per-feature scaling, class names and feature names,
 * stored in the model (and in its file, docs/MODEL_FORMAT.md version 2), and single-sample inference.
 *
 * Scaling: every kind is one per-feature affine map, applied in float32 as
 *
 *     x'[j] = (x[j] - center[j]) / scale[j]
 *
 * with center and scale chosen by the kind: NNB_PREPROCESS_STANDARDIZE (mean and standard deviation of the
 * training set), NNB_PREPROCESS_MINMAX (minimum and max - min: the training range becomes [0, 1]) or
 * NNB_PREPROCESS_AFFINE (fixed values: the book's Fashion-MNIST scaling (p - 127.5) / 127.5 is center 127.5
 * and scale 127.5 for every pixel, which gives the same float32 values bit for bit). nnb_preprocess_compute
 * computes center and scale from a training tensor.
 *
 * Which calls apply it: nnb_model_train, nnb_model_evaluate and nnb_model_predict work on the network's
 * inputs, i.e. on rows that are already preprocessed (as before this header existed; a model without
 * preprocessing behaves exactly as it always did). The raw-row calls are nnb_model_preprocess (apply the
 * stored map to a tensor), nnb_model_predict_raw (a tensor of raw rows) and nnb_model_predict_one /
 * nnb_model_classify_one (one raw row). A typical program trains on nnb_model_preprocess's output, saves
 * the model, and a later program loads it and calls nnb_model_predict_one on raw measurements.
 *
 * Single-sample inference allocates nothing when it is given a workspace (nnb_model_workspace_create,
 * model.h; max_batch 1 is enough): the preprocessed row goes into the workspace's own buffers. One
 * workspace per thread; the model is only read.
 *
 * Names: class names (one per output, e.g. from a CSV's string labels) and feature names (one per input,
 * e.g. the CSV header) are optional texts of 1 to NNB_MODEL_MAX_NAME bytes without NUL bytes, copied into
 * the model.
 *
 * The setters need a finalized model (the widths are known then) and copy their inputs; on failure the
 * model keeps what it had. All memory comes from the library allocator (alloc.h).
 */
#ifndef NNB_PREPROCESS_H
#define NNB_PREPROCESS_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/model.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest class or feature name in bytes. */
#define NNB_MODEL_MAX_NAME 1024u

/** Kinds of stored scaling (append-only values: the model file stores them). */
typedef enum nnb_preprocess_kind {
    NNB_PREPROCESS_NONE = 0,        /**< the network takes the rows as they are */
    NNB_PREPROCESS_STANDARDIZE = 1, /**< center = mean, scale = standard deviation (population, ddof 0) */
    NNB_PREPROCESS_MINMAX = 2,      /**< center = minimum, scale = maximum - minimum */
    NNB_PREPROCESS_AFFINE = 3       /**< fixed center (offset) and scale chosen by the caller */
} nnb_preprocess_kind;

/**
 * Computes the center and scale of a kind from training rows.
 * STANDARDIZE: center = mean, scale = population standard deviation (as numpy's std and scikit-learn's
 * StandardScaler), computed in double and rounded to float32. MINMAX: center = column minimum, scale =
 * maximum - minimum. A constant column (scale 0) gets scale 1, so that it maps to 0 instead of dividing by
 * zero (scikit-learn does the same).
 * @param kind NNB_PREPROCESS_STANDARDIZE or NNB_PREPROCESS_MINMAX.
 * @param X training rows (samples x features, at least one row, all finite).
 * @param center receives X's column count values (caller's buffer).
 * @param scale receives X's column count values (caller's buffer).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (another kind), NNB_ERR_SHAPE (no rows),
 *         NNB_ERR_NONFINITE (NaN or infinity in X, or a scale that overflows float32). Outputs untouched on
 *         failure.
 */
NNB_API nnb_status nnb_preprocess_compute(nnb_preprocess_kind kind, const nnb_tensor *X, float *center, float *scale);

/**
 * Stores the model's scaling (copied), replacing any earlier one.
 * @param model a finalized model.
 * @param kind the kind; NNB_PREPROCESS_NONE removes the scaling (then n_features, center and scale are ignored).
 * @param n_features must equal the model's input width.
 * @param center n_features finite values.
 * @param scale n_features finite values > 0.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_ARGUMENT (unknown kind; a center not
 *         finite, a scale not finite or <= 0: the detail names the index), NNB_ERR_SHAPE (n_features),
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_set_preprocess(nnb_model *model, nnb_preprocess_kind kind, size_t n_features,
                                            const float *center, const float *scale);

/**
 * The stored scaling.
 * @param model the model.
 * @param kind receives the kind (NNB_PREPROCESS_NONE when none is stored).
 * @param center optional: receives a borrowed pointer to the input-width centers (NULL when none), valid
 *        until the scaling is replaced or the model destroyed.
 * @param scale optional: the same for the scales.
 * @return NNB_OK, NNB_ERR_NULL (model or kind).
 */
NNB_API nnb_status nnb_model_preprocess_info(const nnb_model *model, nnb_preprocess_kind *kind, const float **center,
                                             const float **scale);

/**
 * Applies the stored scaling to raw rows (a copy when none is stored).
 * @param model a model whose input width equals raw's column count.
 * @param raw raw rows (finite values).
 * @param out same shape as raw; may be raw itself (in place).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_SHAPE, NNB_ERR_NONFINITE (NaN or
 *         infinity in raw or produced by the scaling; out untouched).
 */
NNB_API nnb_status nnb_model_preprocess(const nnb_model *model, const nnb_tensor *raw, nnb_tensor *out);

/**
 * nnb_model_predict on raw rows: each batch is scaled by the stored preprocessing into the workspace, then
 * run forward. The results equal nnb_model_predict on nnb_model_preprocess's output, bit for bit.
 * @param model a finalized model.
 * @param raw raw rows (samples x input width).
 * @param out samples x output width.
 * @param batch_size rows per batch (as nnb_model_predict).
 * @param ws a workspace for this model (no allocation), or NULL (allocated and freed by the call).
 * @return the statuses of nnb_model_predict.
 */
NNB_API nnb_status nnb_model_predict_raw(const nnb_model *model, const nnb_tensor *raw, nnb_tensor *out,
                                         size_t batch_size, nnb_model_workspace *ws);

/**
 * Forward pass of one raw row: stored scaling, then the network (dropout off). Allocates nothing when ws is
 * given; thread-safe on a shared model with one workspace per thread.
 * @param model a finalized model.
 * @param features n_features raw values (caller's buffer, read only).
 * @param n_features must equal the model's input width.
 * @param outputs receives n_outputs values (probabilities for a softmax model); untouched on failure.
 * @param n_outputs must equal the model's output width.
 * @param ws a workspace for this model, or NULL (the call allocates its scratch and frees it).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_SHAPE (a width; a workspace made for
 *         another model), NNB_ERR_NONFINITE (a feature not finite; or a non-finite output), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_predict_one(const nnb_model *model, const float *features, size_t n_features,
                                         float *outputs, size_t n_outputs, nnb_model_workspace *ws);

/**
 * Classifies one raw row: nnb_model_predict_one, then the predicted class: the index of the largest output
 * (the first one on ties), or, for a model with a single output (sigmoid), 1 when it is > 0.5 and else 0.
 * Its name, if the model stores class names, is nnb_model_class_name(model, *class_index).
 * @param model a finalized model.
 * @param features n_features raw values.
 * @param n_features must equal the model's input width.
 * @param class_index receives the class.
 * @param score optional: receives the output of that class (its probability for softmax; for a single
 *        output, the output itself).
 * @param ws a workspace for this model, or NULL.
 * @return the statuses of nnb_model_predict_one; outputs untouched on failure.
 */
NNB_API nnb_status nnb_model_classify_one(const nnb_model *model, const float *features, size_t n_features,
                                          size_t *class_index, float *score, nnb_model_workspace *ws);

/**
 * Stores one name per class (copied), replacing earlier ones.
 * @param model a finalized model.
 * @param names count texts of 1 to NNB_MODEL_MAX_NAME bytes; NULL with count 0 removes the names.
 * @param count the model's output width, or 2 for a model with one output (binary), or 0.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_SHAPE (count),
 *         NNB_ERR_ARGUMENT (a name NULL, empty or too long; the detail names its index), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_set_class_names(nnb_model *model, const char *const *names, size_t count);

/**
 * Stores one name per input feature (copied), replacing earlier ones.
 * @param model a finalized model.
 * @param names count texts as for nnb_model_set_class_names; NULL with count 0 removes the names.
 * @param count the model's input width, or 0.
 * @return as nnb_model_set_class_names.
 */
NNB_API nnb_status nnb_model_set_feature_names(nnb_model *model, const char *const *names, size_t count);

/**
 * Number of stored class names (0 when none, or for NULL).
 * @param model the model.
 * @return the count.
 */
NNB_API size_t nnb_model_class_name_count(const nnb_model *model);

/**
 * A stored class name.
 * @param model the model.
 * @param index 0-based class.
 * @return the name (borrowed, NUL-terminated, valid until the names are replaced or the model destroyed),
 *         or NULL when the model is NULL, stores no names or index is out of range.
 */
NNB_API const char *nnb_model_class_name(const nnb_model *model, size_t index);

/**
 * Number of stored feature names (0 when none, or for NULL).
 * @param model the model.
 * @return the count.
 */
NNB_API size_t nnb_model_feature_name_count(const nnb_model *model);

/**
 * A stored feature name.
 * @param model the model.
 * @param index 0-based input feature.
 * @return the name (borrowed, as nnb_model_class_name), or NULL.
 */
NNB_API const char *nnb_model_feature_name(const nnb_model *model, size_t index);

#ifdef __cplusplus
}
#endif

#endif /* NNB_PREPROCESS_H */
