/* Internal: the tensor's layout, for modules that work on raw rows. Never installed. */
#ifndef NNB_INTERNAL_TENSOR_H
#define NNB_INTERNAL_TENSOR_H

#include <stddef.h>

#include "nnbasics/tensor.h"

struct nnb_tensor {
    float *data;     /* rows * cols elements, row-major */
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
