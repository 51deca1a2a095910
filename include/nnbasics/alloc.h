/* SPDX-License-Identifier: MIT */
/**
 * @file alloc.h
 * @brief The allocator hook: the one piece of process-wide mutable state in libnnbasics.
 *
 * Every allocation the library makes goes through the hook. The default uses malloc/free.
 * Rules: set the hook before creating any library object (or after destroying all of them), because a
 * block must be freed by the allocator that made it; the hook's functions must be thread-safe if the
 * library is used from several threads.
 */
#ifndef NNB_ALLOC_H
#define NNB_ALLOC_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A pair of allocation functions and their context. */
typedef struct nnb_allocator {
    /** Returns a block of at least `size` bytes (size > 0) aligned for any object type, or NULL. */
    void *(*alloc)(void *user, size_t size);
    /** Releases a block returned by alloc. Never called with NULL. */
    void (*free)(void *user, void *block);
    /** Passed unchanged to both functions. */
    void *user;
} nnb_allocator;

/**
 * Installs an allocator, or restores the default malloc/free.
 *
 * Not thread-safe: call it while no other thread uses the library.
 * @param allocator the allocator (copied), or NULL for the default.
 * @return NNB_OK, NNB_ERR_ARGUMENT (and nothing changes) if either function pointer is NULL.
 */
NNB_API nnb_status nnb_set_allocator(const nnb_allocator *allocator);

/**
 * Copies the allocator currently installed.
 * @param out receives the allocator.
 * @return NNB_OK, NNB_ERR_NULL if out is NULL.
 */
NNB_API nnb_status nnb_get_allocator(nnb_allocator *out);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ALLOC_H */
