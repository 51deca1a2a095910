/* SPDX-License-Identifier: MIT */
/*
 * Internal: the compute layer's persistent worker threads, shared by the GEMM core and the element-wise
 * kernels. Never installed.
 *
 * Workers are created on first use, as many as a run needs (at most NNB_MAX_THREADS - 1), and then sleep
 * until the next run; nnb_release_threads() (gemm.h) joins them, and so does the library's unloading or the
 * process's normal exit. A child created by fork() starts without workers and creates its own.
 *
 * One run at a time uses the workers: a caller that finds them busy (another thread's run, or a part that
 * itself runs parts) computes all of its parts in its own thread. Every part is computed exactly once,
 * whoever computes it, so results never depend on which thread ran what.
 */
#ifndef NNB_INTERNAL_COMPUTE_POOL_H
#define NNB_INTERNAL_COMPUTE_POOL_H

#include <stddef.h>

/* One part of a run: part is in [0, parts). */
typedef void (*nnb__pool_fn)(void *ctx, size_t part);

/*
 * Calls fn(ctx, p) once for every p in [0, parts), over the calling thread and up to parts - 1 workers, and
 * returns when all calls have returned. Never fails: without workers (none could be created, or they are
 * busy) the calling thread runs the parts itself, in order.
 */
void nnb__pool_run(size_t parts, nnb__pool_fn fn, void *ctx);

/* Number of worker threads alive now (for tests). */
size_t nnb__pool_workers(void);

#endif
