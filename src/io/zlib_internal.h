/* SPDX-License-Identifier: MIT */
/*
 * Internal: zlib's allocation callbacks routed through the library's allocator hook, shared by the readers
 * that inflate (gzip IDX files, deflated .npz members). Only built with NNB_WITH_ZLIB. Never installed.
 */
#ifndef NNB_INTERNAL_IO_ZLIB_H
#define NNB_INTERNAL_IO_ZLIB_H

#include <zlib.h>

/* zalloc: items * size bytes from the hook, Z_NULL when the product overflows or memory runs out. */
voidpf nnb__zlib_alloc(voidpf opaque, uInt items, uInt size);

/* zfree: returns a block from nnb__zlib_alloc to the hook. */
void nnb__zlib_free(voidpf opaque, voidpf block);

/* Sets both callbacks of a stream that is about to be initialised. */
static inline void nnb__zlib_use_hook(z_stream *zs)
{
    zs->zalloc = nnb__zlib_alloc;
    zs->zfree = nnb__zlib_free;
    zs->opaque = Z_NULL;
}

#endif
