/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "tensor/tensor_internal.h"

static nnb_status checked_size(size_t rows, size_t cols, size_t *count)
{
    if (rows == 0 || cols == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    nnb_status st = nnb__mul_size(rows, cols, count);
    if (st != NNB_OK) {
        return st;
    }
    /* The byte count must fit too. */
    size_t bytes;
    return nnb__mul_size(*count, sizeof(float), &bytes);
}

nnb_status nnb_tensor_create(nnb_tensor **out, size_t rows, size_t cols)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t count;
    nnb_status st = checked_size(rows, cols, &count);
    if (st != NNB_OK) {
        return st;
    }
    nnb_tensor *t = nnb__malloc(sizeof *t);
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    t->data = nnb__aligned_alloc(count * sizeof(float));
    if (t->data == NULL) {
        nnb__free(t);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    memset(t->data, 0, count * sizeof(float));
    t->rows = rows;
    t->cols = cols;
    t->capacity = count;
    t->owned = 1;
    *out = t;
    return NNB_OK;
}

nnb_status nnb_tensor_create_from(nnb_tensor **out, size_t rows, size_t cols, const float *values)
{
    if (out == NULL || values == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_tensor *t = NULL;
    nnb_status st = nnb_tensor_create(&t, rows, cols);
    if (st != NNB_OK) {
        return st;
    }
    memcpy(t->data, values, rows * cols * sizeof(float));
    *out = t;
    return NNB_OK;
}

nnb_status nnb_tensor_wrap(nnb_tensor **out, size_t rows, size_t cols, float *data)
{
    if (out == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t count;
    nnb_status st = checked_size(rows, cols, &count);
    if (st != NNB_OK) {
        return st;
    }
    nnb_tensor *t = nnb__malloc(sizeof *t);
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    nnb__tensor_view_init(t, data, rows, cols);
    *out = t;
    return NNB_OK;
}

nnb_status nnb_tensor_rewrap(nnb_tensor *view, size_t rows, size_t cols, float *data)
{
    if (view == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (view->owned) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    size_t count;
    nnb_status st = checked_size(rows, cols, &count);
    if (st != NNB_OK) {
        return st;
    }
    nnb__tensor_view_init(view, data, rows, cols);
    return NNB_OK;
}

nnb_status nnb_tensor_clone(nnb_tensor **out, const nnb_tensor *src)
{
    if (out == NULL || src == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return nnb_tensor_create_from(out, src->rows, src->cols, src->data);
}

void nnb_tensor_destroy(nnb_tensor *t)
{
    if (t == NULL) {
        return;
    }
    if (t->owned) {
        nnb__aligned_free(t->data);
    }
    nnb__free(t);
}

size_t nnb_tensor_rows(const nnb_tensor *t)
{
    return t == NULL ? 0u : t->rows;
}

size_t nnb_tensor_cols(const nnb_tensor *t)
{
    return t == NULL ? 0u : t->cols;
}

size_t nnb_tensor_size(const nnb_tensor *t)
{
    return t == NULL ? 0u : t->rows * t->cols;
}

float *nnb_tensor_data(nnb_tensor *t)
{
    return t == NULL ? NULL : t->data;
}

const float *nnb_tensor_cdata(const nnb_tensor *t)
{
    return t == NULL ? NULL : t->data;
}

nnb_status nnb_tensor_get(const nnb_tensor *t, size_t row, size_t col, float *value)
{
    if (t == NULL || value == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (row >= t->rows || col >= t->cols) {
        return NNB__FAILF(NNB_ERR_RANGE, "element (%zu, %zu) is outside the %zu x %zu tensor", row, col, t->rows,
                          t->cols);
    }
    *value = t->data[row * t->cols + col];
    return NNB_OK;
}

nnb_status nnb_tensor_set(nnb_tensor *t, size_t row, size_t col, float value)
{
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (row >= t->rows || col >= t->cols) {
        return NNB__FAILF(NNB_ERR_RANGE, "element (%zu, %zu) is outside the %zu x %zu tensor", row, col, t->rows,
                          t->cols);
    }
    t->data[row * t->cols + col] = value;
    return NNB_OK;
}

nnb_status nnb_tensor_fill(nnb_tensor *t, float value)
{
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t n = t->rows * t->cols;
    for (size_t i = 0; i < n; ++i) {
        t->data[i] = value;
    }
    return NNB_OK;
}

nnb_status nnb_tensor_zero(nnb_tensor *t)
{
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    memset(t->data, 0, t->rows * t->cols * sizeof(float));
    return NNB_OK;
}

nnb_status nnb_tensor_copy(nnb_tensor *dst, const nnb_tensor *src)
{
    if (dst == NULL || src == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(dst, src)) {
        return NNB__FAILF(NNB_ERR_SHAPE, "dst is %zu x %zu, src %zu x %zu", dst->rows, dst->cols, src->rows, src->cols);
    }
    if (dst != src) {
        memmove(dst->data, src->data, src->rows * src->cols * sizeof(float));
    }
    return NNB_OK;
}

nnb_status nnb_tensor_load(nnb_tensor *t, const float *values, size_t count)
{
    if (t == NULL || values == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != t->rows * t->cols) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu values for a %zu x %zu tensor", count, t->rows, t->cols);
    }
    memmove(t->data, values, count * sizeof(float));
    return NNB_OK;
}

nnb_status nnb_tensor_resize(nnb_tensor *t, size_t rows, size_t cols)
{
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t count;
    nnb_status st = checked_size(rows, cols, &count);
    if (st != NNB_OK) {
        return st;
    }
    if (count > t->capacity) {
        if (!t->owned) {
            return NNB__FAILF(NNB_ERR_SHAPE, "a view of %zu elements cannot grow to %zu x %zu", t->capacity, rows,
                              cols);
        }
        float *data = nnb__aligned_alloc(count * sizeof(float));
        if (data == NULL) {
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
        nnb__aligned_free(t->data);
        t->data = data;
        t->capacity = count;
    }
    t->rows = rows;
    t->cols = cols;
    return NNB_OK;
}

nnb_status nnb_tensor_add_row(nnb_tensor *t, const float *row, size_t count)
{
    if (t == NULL || row == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != t->cols) {
        return NNB__FAILF(NNB_ERR_SHAPE, "a row of %zu values for a tensor of %zu columns", count, t->cols);
    }
    /* A row of t itself would change while it is being added (compared as integers: distinct objects). */
    uintptr_t first = (uintptr_t)t->data, end = first + t->rows * t->cols * sizeof(float), r0 = (uintptr_t)row;
    if (r0 < end && first < r0 + count * sizeof(float)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "row points into the tensor's own data");
    }
    for (size_t r = 0; r < t->rows; ++r) {
        float *dst = t->data + r * t->cols;
        for (size_t c = 0; c < count; ++c) {
            dst[c] += row[c];
        }
    }
    return NNB_OK;
}

nnb_status nnb_tensor_argmax_rows(const nnb_tensor *t, uint32_t *out, size_t count)
{
    if (t == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != t->rows || t->cols > UINT32_MAX) {
        return NNB__FAILF(NNB_ERR_SHAPE, "room for %zu indices, the tensor has %zu rows (of %zu columns)", count,
                          t->rows, t->cols);
    }
    for (size_t r = 0; r < t->rows; ++r) {
        out[r] = (uint32_t)nnb__row_argmax(t->data + r * t->cols, t->cols);
    }
    return NNB_OK;
}

nnb_status nnb_tensor_check_finite(const nnb_tensor *t, size_t *first_bad)
{
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t n = t->rows * t->cols;
    const float *d = t->data;
    /* Blocks scanned without branches (x - x is NaN exactly for NaN and infinities), so the loop
     * vectorises; only a block that holds a bad value is searched for its index. */
    for (size_t start = 0; start < n; start += 1024) {
        size_t end = n - start < 1024 ? n : start + 1024;
        int bad = 0;
        for (size_t i = start; i < end; ++i) {
            float x = d[i];
            bad |= (x - x) != 0.0f;
        }
        if (!bad) {
            continue;
        }
        for (size_t i = start; i < end; ++i) {
            if (!isfinite(d[i])) {
                if (first_bad != NULL) {
                    *first_bad = i;
                }
                return NNB__FAILF(NNB_ERR_NONFINITE, "element (%zu, %zu) of the %zu x %zu tensor is %g", i / t->cols,
                                  i % t->cols, t->rows, t->cols, (double)d[i]);
            }
        }
    }
    return NNB_OK;
}

nnb_status nnb__fail_label_range(const char *where, const uint32_t *labels, size_t count, size_t classes)
{
    for (size_t i = 0; i < count; ++i) {
        if (labels[i] >= classes) {
            return nnb__failf(NNB_ERR_RANGE, where, "label %zu is %u; the %zu classes are 0 to %zu", i, labels[i],
                              classes, classes - 1u);
        }
    }
    return nnb__fail(NNB_ERR_RANGE, where);
}
