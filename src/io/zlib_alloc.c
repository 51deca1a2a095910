/* SPDX-License-Identifier: MIT */
/* zlib's allocation callbacks on the library's allocator hook (io/zlib_internal.h). */
#include "io/zlib_internal.h"

#include <stddef.h>

#include "base/alloc_internal.h"

voidpf nnb__zlib_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    size_t bytes;
    if (nnb__mul_size((size_t)items, (size_t)size, &bytes) != NNB_OK) {
        return Z_NULL;
    }
    return nnb__malloc(bytes);
}

void nnb__zlib_free(voidpf opaque, voidpf block)
{
    (void)opaque;
    nnb__free(block);
}
