/* SPDX-License-Identifier: MIT */
/* Internal: the tensor's layout, for modules that work on raw rows. Never installed. */
#ifndef NNB_INTERNAL_TENSOR_H
#define NNB_INTERNAL_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/tensor.h"

struct nnb_tensor {
    float *data; /* rows * cols elements, row-major */
    size_t rows;
    size_t cols;
    size_t capacity; /* elements the buffer can hold */
    int owned;       /* non-zero: data was allocated by the library (64-byte aligned) */
};

/* True when both tensors have the same shape. */
static inline int nnb__same_shape(const nnb_tensor *a, const nnb_tensor *b)
{
    return a->rows == b->rows && a->cols == b->cols;
}

/* Index of the largest of row[0..n), ties to the lowest index, NaN never chosen (0 for an all-NaN row). */
static inline size_t nnb__row_argmax(const float *row, size_t n)
{
    size_t best = 0;
    while (best < n && row[best] != row[best]) {
        ++best;
    }
    if (best == n) {
        return 0;
    }
    for (size_t c = best + 1; c < n; ++c) {
        if (row[c] > row[best]) {
            best = c;
        }
    }
    return best;
}

/* Non-zero when every label is below `classes`; branch-free, so that the scan vectorises. */
static inline int nnb__labels_in_range(const uint32_t *labels, size_t count, size_t classes)
{
    int out_of_range = 0;
    for (size_t i = 0; i < count; ++i) {
        out_of_range |= labels[i] >= classes;
    }
    return !out_of_range;
}

/*
 * Returns NNB_ERR_RANGE with a detail naming the first label >= classes, its index and the class count
 * (where: the public function to name). Call after nnb__labels_in_range has found one.
 */
nnb_status nnb__fail_label_range(const char *where, const uint32_t *labels, size_t count, size_t classes);

/* Initialises an embedded (not heap-allocated) tensor header as a view; used inside other objects. */
static inline void nnb__tensor_view_init(nnb_tensor *t, float *data, size_t rows, size_t cols)
{
    t->data = data;
    t->rows = rows;
    t->cols = cols;
    t->capacity = rows * cols;
    t->owned = 0;
}

#endif
