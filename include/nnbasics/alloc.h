/* SPDX-License-Identifier: MIT */
/*
 * alloc.h - the allocator hook: the one piece of process-wide mutable state in libnnbasics.
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

typedef struct nnb_allocator {
    /* Returns a block of at least `size` bytes (size > 0) aligned for any object type, or NULL. */
    void *(*alloc)(void *user, size_t size);
    /* Releases a block returned by alloc. Never called with NULL. */
    void (*free)(void *user, void *block);
    /* Passed unchanged to both functions. */
    void *user;
} nnb_allocator;

/*
 * Installs `allocator` (copied), or restores the default malloc/free when `allocator` is NULL.
 * Returns NNB_ERR_ARGUMENT (and changes nothing) if either function pointer is NULL.
 * Not thread-safe: call it while no other thread uses the library.
 */
NNB_API nnb_status nnb_set_allocator(const nnb_allocator *allocator);

/* Copies the allocator currently installed into *out. Returns NNB_ERR_NULL if out is NULL. */
NNB_API nnb_status nnb_get_allocator(nnb_allocator *out);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ALLOC_H */
