/* SPDX-License-Identifier: MIT */
/*
 * Internal: splitting an image layer's memory-bound passes (im2col, col2im, rearranging, pooling) over the
 * compute layer's threads. Never installed.
 *
 * A pass over `total` independent items (images, channel planes, output channels) runs as fn(ctx, begin, end)
 * on consecutive ranges, one per thread (nnb_get_num_threads(), at most NNB__SPLIT_MAX_PARTS), when it touches
 * at least NNB__SPLIT_MIN_WORK floats; otherwise as one call. Every item is computed by exactly one call, by
 * the same code and in the same order as in a single call, so the results do not depend on the thread count.
 */
#ifndef NNB_INTERNAL_LAYERS_SPLIT_H
#define NNB_INTERNAL_LAYERS_SPLIT_H

#include <stddef.h>

#include "compute/pool.h"
#include "nnbasics/gemm.h"

#define NNB__SPLIT_MIN_WORK ((size_t)1 << 16)
#define NNB__SPLIT_MAX_PARTS 8u

typedef void (*nnb__split_fn)(void *ctx, size_t begin, size_t end);

typedef struct nnb__split_run {
    nnb__split_fn fn;
    void *ctx;
    size_t total, parts;
} nnb__split_run;

static inline void nnb__split_part(void *arg, size_t t)
{
    const nnb__split_run *r = arg;
    r->fn(r->ctx, r->total * t / r->parts, r->total * (t + 1u) / r->parts);
}

/* fn over [0, total) in up to nnb_get_num_threads() ranges when `work` (floats touched) is large enough. */
static inline void nnb__split(nnb__split_fn fn, void *ctx, size_t total, size_t work)
{
    size_t parts = 1;
    if (work >= NNB__SPLIT_MIN_WORK && total > 1) {
        parts = nnb_get_num_threads();
        parts = parts > NNB__SPLIT_MAX_PARTS ? NNB__SPLIT_MAX_PARTS : parts;
        parts = parts > total ? total : parts;
    }
    if (parts <= 1) {
        fn(ctx, 0, total);
        return;
    }
    nnb__split_run run = {fn, ctx, total, parts};
    nnb__pool_run(parts, nnb__split_part, &run);
}

#endif
