/* SPDX-License-Identifier: MIT */
/* Internal: allocation through the user's hook, and checked size arithmetic. Never installed. */
#ifndef NNB_INTERNAL_ALLOC_H
#define NNB_INTERNAL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "base/error_internal.h"
#include "nnbasics/status.h"

/* Allocates size bytes through the installed hook; NULL on failure or size 0. */
void *nnb__malloc(size_t size);
/* Allocates count * size zeroed bytes; NULL on failure or overflow. */
void *nnb__calloc(size_t count, size_t size);
/* Frees a block from nnb__malloc/nnb__calloc. NULL is ignored. */
void nnb__free(void *block);

/* Allocates size bytes aligned to 64 bytes (for SIMD); free with nnb__aligned_free. */
void *nnb__aligned_alloc(size_t size);
void nnb__aligned_free(void *block);

/* *out = a * b, or NNB_ERR_OVERFLOW (and *out untouched) when the product does not fit in size_t. */
static inline nnb_status nnb__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    *out = a * b;
    return NNB_OK;
}

/* *out = a * b * c with the same overflow check. */
static inline nnb_status nnb__mul3_size(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    nnb_status st = nnb__mul_size(a, b, &ab);
    if (st != NNB_OK) {
        return st;
    }
    return nnb__mul_size(ab, c, out);
}

#endif
