/* SPDX-License-Identifier: MIT */
/*
 * What a model stores so that it takes raw rows (preprocess.h): the per-feature scaling, computing it from
 * training rows, applying it, and the class and feature names.
 */
#include <math.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "train/model_internal.h"

static void free_names(char **names, size_t count)
{
    if (names == NULL) {
        return;
    }
    for (size_t i = 0; i < count; ++i) {
        nnb__free(names[i]);
    }
    nnb__free(names);
}

void nnb__model_free_meta(nnb_model *m)
{
    nnb__free(m->pre_center);
    nnb__free(m->pre_scale);
    m->pre_center = NULL;
    m->pre_scale = NULL;
    m->pre_kind = NNB_PREPROCESS_NONE;
    free_names(m->class_names, m->n_class_names);
    free_names(m->feature_names, m->n_feature_names);
    m->class_names = NULL;
    m->feature_names = NULL;
    m->n_class_names = 0;
    m->n_feature_names = 0;
}

/* ---------------------------------------------------------------- computing */

nnb_status nnb_preprocess_compute(nnb_preprocess_kind kind, const nnb_tensor *X, float *center, float *scale)
{
    if (X == NULL || center == NULL || scale == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (kind != NNB_PREPROCESS_STANDARDIZE && kind != NNB_PREPROCESS_MINMAX) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "kind %d cannot be computed from data (standardize or min-max only)",
                          (int)kind);
    }
    const size_t rows = nnb_tensor_rows(X), cols = nnb_tensor_cols(X);
    if (rows == 0) {
        return NNB__FAILF(NNB_ERR_SHAPE, "no rows to compute the scaling from");
    }
    size_t bad = 0;
    if (nnb_tensor_check_finite(X, &bad) != NNB_OK) {
        return NNB__FAILF(NNB_ERR_NONFINITE, "row %zu, column %zu is not finite", bad / cols, bad % cols);
    }
    const float *x = nnb_tensor_cdata(X);
    /* Two passes per column in double: the mean, then the mean squared deviation (no cancellation). */
    for (int write = 0; write < 2; ++write) {
        for (size_t j = 0; j < cols; ++j) {
            double c, s;
            if (kind == NNB_PREPROCESS_STANDARDIZE) {
                double sum = 0.0;
                for (size_t i = 0; i < rows; ++i) {
                    sum += (double)x[i * cols + j];
                }
                const double mean = sum / (double)rows;
                double sq = 0.0;
                for (size_t i = 0; i < rows; ++i) {
                    const double d = (double)x[i * cols + j] - mean;
                    sq += d * d;
                }
                c = mean;
                s = sqrt(sq / (double)rows);
            } else {
                double lo = (double)x[j], hi = (double)x[j];
                for (size_t i = 1; i < rows; ++i) {
                    const double v = (double)x[i * cols + j];
                    lo = v < lo ? v : lo;
                    hi = v > hi ? v : hi;
                }
                c = lo;
                s = hi - lo;
            }
            float sf = (float)s;
            if (sf == 0.0f) {
                sf = 1.0f; /* a constant column maps to 0 */
            }
            if (!isfinite(sf)) {
                return NNB__FAILF(NNB_ERR_NONFINITE, "the scale of column %zu overflows float32", j);
            }
            if (write) {
                center[j] = (float)c;
                scale[j] = sf;
            }
        }
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- storing */

nnb_status nnb_model_set_preprocess(nnb_model *model, nnb_preprocess_kind kind, size_t n_features, const float *center,
                                    const float *scale)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    if (kind != NNB_PREPROCESS_NONE && kind != NNB_PREPROCESS_STANDARDIZE && kind != NNB_PREPROCESS_MINMAX &&
        kind != NNB_PREPROCESS_AFFINE) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "unknown preprocessing kind %d", (int)kind);
    }
    if (kind == NNB_PREPROCESS_NONE) {
        nnb__free(model->pre_center);
        nnb__free(model->pre_scale);
        model->pre_center = NULL;
        model->pre_scale = NULL;
        model->pre_kind = NNB_PREPROCESS_NONE;
        return NNB_OK;
    }
    if (center == NULL || scale == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const size_t width = model->layers[0].n_in;
    if (n_features != width) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu features given, the model takes %zu", n_features, width);
    }
    for (size_t j = 0; j < width; ++j) {
        if (!isfinite(center[j])) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "center[%zu] is not finite", j);
        }
        if (!isfinite(scale[j]) || !(scale[j] > 0.0f)) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "scale[%zu] = %g is not a finite value > 0", j, (double)scale[j]);
        }
    }
    float *c = nnb__calloc(width, sizeof(float));
    float *s = nnb__calloc(width, sizeof(float));
    if (c == NULL || s == NULL) {
        nnb__free(c);
        nnb__free(s);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    memcpy(c, center, width * sizeof(float));
    memcpy(s, scale, width * sizeof(float));
    nnb__free(model->pre_center);
    nnb__free(model->pre_scale);
    model->pre_center = c;
    model->pre_scale = s;
    model->pre_kind = kind;
    return NNB_OK;
}

nnb_status nnb_model_preprocess_info(const nnb_model *model, nnb_preprocess_kind *kind, const float **center,
                                     const float **scale)
{
    if (model == NULL || kind == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *kind = model->pre_kind;
    if (center != NULL) {
        *center = model->pre_center;
    }
    if (scale != NULL) {
        *scale = model->pre_scale;
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- applying */

nnb_status nnb__model_apply_preprocess(const nnb_model *m, const float *src, float *dst, size_t rows)
{
    const size_t w = m->layers[0].n_in;
    if (m->pre_kind == NNB_PREPROCESS_NONE) {
        if (dst != src) {
            memmove(dst, src, rows * w * sizeof(float));
        }
        return NNB_OK;
    }
    int finite = 1;
    for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < w; ++j) {
            const float v = (src[i * w + j] - m->pre_center[j]) / m->pre_scale[j];
            finite &= isfinite(v) != 0;
            dst[i * w + j] = v;
        }
    }
    return finite ? NNB_OK : NNB__FAILF(NNB_ERR_NONFINITE, "a scaled feature is not finite (float32 overflow)");
}

nnb_status nnb_model_preprocess(const nnb_model *model, const nnb_tensor *raw, nnb_tensor *out)
{
    if (model == NULL || raw == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    const size_t w = model->layers[0].n_in;
    if (raw->cols != w || out->cols != w || out->rows != raw->rows) {
        return NNB__FAILF(NNB_ERR_SHAPE, "raw is %zu x %zu and out %zu x %zu; the model takes %zu features", raw->rows,
                          raw->cols, out->rows, out->cols, w);
    }
    size_t bad = 0;
    if (nnb_tensor_check_finite(raw, &bad) != NNB_OK) {
        return NNB__FAILF(NNB_ERR_NONFINITE, "raw row %zu, column %zu is not finite", bad / w, bad % w);
    }
    /* Check first, so that out stays untouched when a scaled value would overflow. */
    if (model->pre_kind != NNB_PREPROCESS_NONE) {
        for (size_t i = 0; i < raw->rows; ++i) {
            for (size_t j = 0; j < w; ++j) {
                if (!isfinite((raw->data[i * w + j] - model->pre_center[j]) / model->pre_scale[j])) {
                    return NNB__FAILF(NNB_ERR_NONFINITE, "row %zu, column %zu overflows float32 when scaled", i, j);
                }
            }
        }
    }
    return nnb__model_apply_preprocess(model, raw->data, out->data, raw->rows);
}

/* ---------------------------------------------------------------- names */

static nnb_status set_names(char ***slot, size_t *slot_count, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        if (names[i] == NULL) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "name %zu is NULL", i);
        }
        const size_t len = strlen(names[i]);
        if (len == 0 || len > NNB_MODEL_MAX_NAME) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "name %zu has %zu bytes (1 to %u allowed)", i, len, NNB_MODEL_MAX_NAME);
        }
    }
    char **copy = NULL;
    if (count > 0) {
        copy = nnb__calloc(count, sizeof *copy);
        if (copy == NULL) {
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
        for (size_t i = 0; i < count; ++i) {
            const size_t len = strlen(names[i]);
            copy[i] = nnb__malloc(len + 1);
            if (copy[i] == NULL) {
                free_names(copy, count);
                return NNB__FAIL(NNB_ERR_NOMEM);
            }
            memcpy(copy[i], names[i], len + 1);
        }
    }
    free_names(*slot, *slot_count);
    *slot = copy;
    *slot_count = count;
    return NNB_OK;
}

nnb_status nnb_model_set_class_names(nnb_model *model, const char *const *names, size_t count)
{
    if (model == NULL || (names == NULL && count > 0)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    const size_t out_w = nnb__model_last_width(model);
    if (count != 0 && count != out_w && !(out_w == 1 && count == 2)) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu class names for %zu outputs", count, out_w);
    }
    return set_names(&model->class_names, &model->n_class_names, names, count);
}

nnb_status nnb_model_set_feature_names(nnb_model *model, const char *const *names, size_t count)
{
    if (model == NULL || (names == NULL && count > 0)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    const size_t in_w = model->layers[0].n_in;
    if (count != 0 && count != in_w) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu feature names for %zu inputs", count, in_w);
    }
    return set_names(&model->feature_names, &model->n_feature_names, names, count);
}

size_t nnb_model_class_name_count(const nnb_model *model)
{
    return model == NULL ? 0 : model->n_class_names;
}

const char *nnb_model_class_name(const nnb_model *model, size_t index)
{
    return model == NULL || index >= model->n_class_names ? NULL : model->class_names[index];
}

size_t nnb_model_feature_name_count(const nnb_model *model)
{
    return model == NULL ? 0 : model->n_feature_names;
}

const char *nnb_model_feature_name(const nnb_model *model, size_t index)
{
    return model == NULL || index >= model->n_feature_names ? NULL : model->feature_names[index];
}
