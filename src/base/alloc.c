/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "nnbasics/alloc.h"

static void *default_alloc(void *user, size_t size)
{
    (void)user;
    return malloc(size);
}

static void default_free(void *user, void *block)
{
    (void)user;
    free(block);
}

/* The one documented piece of process-wide mutable state (see alloc.h for its rules). */
static nnb_allocator g_allocator = {default_alloc, default_free, NULL};

nnb_status nnb_set_allocator(const nnb_allocator *allocator)
{
    if (allocator == NULL) {
        g_allocator.alloc = default_alloc;
        g_allocator.free = default_free;
        g_allocator.user = NULL;
        return NNB_OK;
    }
    if (allocator->alloc == NULL || allocator->free == NULL) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    g_allocator = *allocator;
    return NNB_OK;
}

nnb_status nnb_get_allocator(nnb_allocator *out)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *out = g_allocator;
    return NNB_OK;
}

void *nnb__malloc(size_t size)
{
    if (size == 0) {
        return NULL;
    }
    return g_allocator.alloc(g_allocator.user, size);
}

void *nnb__calloc(size_t count, size_t size)
{
    size_t bytes;
    if (nnb__mul_size(count, size, &bytes) != NNB_OK) {
        return NULL;
    }
    void *block = nnb__malloc(bytes);
    if (block != NULL) {
        memset(block, 0, bytes);
    }
    return block;
}

void nnb__free(void *block)
{
    if (block != NULL) {
        g_allocator.free(g_allocator.user, block);
    }
}

/*
 * Aligned blocks are carved out of a larger hook allocation; the original pointer is stored just below
 * the aligned address so that any allocator (including test allocators) can be used.
 */
#define NNB_ALIGNMENT 64u

void *nnb__aligned_alloc(size_t size)
{
    if (size == 0 || size > SIZE_MAX - (NNB_ALIGNMENT - 1u) - sizeof(void *)) {
        return NULL;
    }
    unsigned char *raw = nnb__malloc(size + (NNB_ALIGNMENT - 1u) + sizeof(void *));
    if (raw == NULL) {
        return NULL;
    }
    uintptr_t start = (uintptr_t)(raw + sizeof(void *));
    uintptr_t aligned = (start + (NNB_ALIGNMENT - 1u)) & ~(uintptr_t)(NNB_ALIGNMENT - 1u);
    unsigned char *result = raw + (aligned - (uintptr_t)raw);
    memcpy(result - sizeof(void *), &raw, sizeof(void *));
    return result;
}

void nnb__aligned_free(void *block)
{
    if (block == NULL) {
        return;
    }
    void *raw;
    memcpy(&raw, (unsigned char *)block - sizeof(void *), sizeof(void *));
    nnb__free(raw);
}
