/* SPDX-License-Identifier: MIT */
/* The compute layer's persistent worker threads (compute/pool.h). */
#include "compute/pool.h"

#include "nnbasics/gemm.h"

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
/*
 * WebAssembly without threads (NNB_TARGET_WASM): no workers; the caller computes every part, in order, which
 * gives the same results as any split over threads (every part is computed exactly once).
 */
void nnb__pool_run(size_t parts, nnb__pool_fn fn, void *ctx)
{
    for (size_t p = 0; p < parts; ++p) {
        fn(ctx, p);
    }
}

void nnb_release_threads(void)
{
}

size_t nnb__pool_workers(void)
{
    return 0;
}

#else

#    include <pthread.h>

#    define POOL_MAX_WORKERS (NNB_MAX_THREADS - 1u)

/*
 * The pool's state: documented process-wide state (gemm.h, thread count). `run_lock` admits one run at a
 * time; `lock` guards everything below it. A run publishes fn/ctx and parts, sets `next` to 0 and wakes the
 * workers; each thread (the caller included) takes the part `next` and advances it until none is left, and
 * the caller waits until `unfinished` reaches 0. Workers sleep while next == parts.
 */
static struct {
    pthread_mutex_t run_lock;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    pthread_t tid[POOL_MAX_WORKERS];
    size_t workers;
    nnb__pool_fn fn;
    void *ctx;
    size_t parts, next, unfinished;
    int stopping;
} g_pool = {
    .run_lock = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};

static pthread_once_t g_fork_once = PTHREAD_ONCE_INIT;

/* Takes and runs parts while any is left; called and returns with g_pool.lock held. */
static void run_parts_locked(void)
{
    while (g_pool.next < g_pool.parts) {
        size_t part = g_pool.next++;
        nnb__pool_fn fn = g_pool.fn;
        void *ctx = g_pool.ctx;
        pthread_mutex_unlock(&g_pool.lock);
        fn(ctx, part);
        pthread_mutex_lock(&g_pool.lock);
        if (--g_pool.unfinished == 0) {
            pthread_cond_signal(&g_pool.done);
        }
    }
}

static void *worker_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&g_pool.lock);
    for (;;) {
        while (!g_pool.stopping && g_pool.next >= g_pool.parts) {
            pthread_cond_wait(&g_pool.wake, &g_pool.lock);
        }
        if (g_pool.stopping) {
            break;
        }
        run_parts_locked();
    }
    pthread_mutex_unlock(&g_pool.lock);
    return NULL;
}

/* fork() while a run is in progress would copy its locks held: the forking thread waits for the run. */
static void before_fork(void)
{
    pthread_mutex_lock(&g_pool.run_lock);
    pthread_mutex_lock(&g_pool.lock);
}

static void after_fork_parent(void)
{
    pthread_mutex_unlock(&g_pool.lock);
    pthread_mutex_unlock(&g_pool.run_lock);
}

/* The child has only the forking thread: forget the parent's workers (their ids mean nothing here). */
static void after_fork_child(void)
{
    g_pool.workers = 0;
    g_pool.parts = g_pool.next = g_pool.unfinished = 0;
    pthread_cond_init(&g_pool.wake, NULL);
    pthread_cond_init(&g_pool.done, NULL);
    pthread_mutex_unlock(&g_pool.lock);
    pthread_mutex_unlock(&g_pool.run_lock);
}

static void register_fork_handlers(void)
{
    (void)pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

/* Grows the pool to `wanted` workers (as far as the system allows); run_lock held, lock not. */
static void grow_pool(size_t wanted)
{
    if (wanted > POOL_MAX_WORKERS) {
        wanted = POOL_MAX_WORKERS;
    }
    if (g_pool.workers >= wanted) {
        return;
    }
    pthread_once(&g_fork_once, register_fork_handlers);
    for (size_t t = g_pool.workers; t < wanted; ++t) {
        if (pthread_create(&g_pool.tid[t], NULL, worker_main, NULL) != 0) {
            break; /* the parts run on fewer threads */
        }
        pthread_mutex_lock(&g_pool.lock);
        g_pool.workers = t + 1u;
        pthread_mutex_unlock(&g_pool.lock);
    }
}

void nnb__pool_run(size_t parts, nnb__pool_fn fn, void *ctx)
{
    if (parts <= 1 || pthread_mutex_trylock(&g_pool.run_lock) != 0) {
        for (size_t p = 0; p < parts; ++p) {
            fn(ctx, p);
        }
        return;
    }
    grow_pool(parts - 1u);
    pthread_mutex_lock(&g_pool.lock);
    g_pool.fn = fn;
    g_pool.ctx = ctx;
    g_pool.parts = parts;
    g_pool.next = 0;
    g_pool.unfinished = parts;
    pthread_cond_broadcast(&g_pool.wake);
    run_parts_locked();
    while (g_pool.unfinished != 0) {
        pthread_cond_wait(&g_pool.done, &g_pool.lock);
    }
    g_pool.fn = NULL;
    g_pool.ctx = NULL;
    pthread_mutex_unlock(&g_pool.lock);
    pthread_mutex_unlock(&g_pool.run_lock);
}

/* Stops and joins every worker; run_lock held. */
static void stop_workers(void)
{
    pthread_mutex_lock(&g_pool.lock);
    g_pool.stopping = 1;
    pthread_cond_broadcast(&g_pool.wake);
    pthread_mutex_unlock(&g_pool.lock);
    for (size_t t = 0; t < g_pool.workers; ++t) {
        pthread_join(g_pool.tid[t], NULL);
    }
    pthread_mutex_lock(&g_pool.lock);
    g_pool.workers = 0;
    g_pool.stopping = 0;
    pthread_mutex_unlock(&g_pool.lock);
}

void nnb_release_threads(void)
{
    pthread_mutex_lock(&g_pool.run_lock);
    stop_workers();
    pthread_mutex_unlock(&g_pool.run_lock);
}

size_t nnb__pool_workers(void)
{
    pthread_mutex_lock(&g_pool.lock);
    size_t n = g_pool.workers;
    pthread_mutex_unlock(&g_pool.lock);
    return n;
}

#    if defined(__GNUC__)
/*
 * At exit (or when a shared library build is unloaded) the workers are joined, so that no thread of ours
 * outlives the code it runs. A run still in progress in another thread keeps its workers: exit then ends them.
 */
__attribute__((destructor)) static void release_at_exit(void)
{
    if (pthread_mutex_trylock(&g_pool.run_lock) == 0) {
        stop_workers();
        pthread_mutex_unlock(&g_pool.run_lock);
    }
}
#    endif

#endif /* threads */
