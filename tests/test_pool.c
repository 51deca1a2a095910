/* SPDX-License-Identifier: MIT */
/*
 * The compute layer's persistent workers (compute/pool.h): every part runs exactly once, on several threads
 * at once when workers exist; nested and concurrent runs fall back to the caller's thread without deadlock;
 * nnb_release_threads joins the workers and the next run creates them again; a child made by fork() runs
 * parts with workers of its own. Run under ThreadSanitizer in CI.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compute/pool.h"
#include "test_support.h"

#define MAX_TEST_PARTS 64

/* ThreadSanitizer cannot start threads in the child of a multi-threaded process (it stops the child). */
#if defined(__SANITIZE_THREAD__)
#    define UNDER_TSAN 1
#elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#        define UNDER_TSAN 1
#    endif
#endif

typedef struct counts {
    atomic_int hits[MAX_TEST_PARTS];
} counts;

static void count_part(void *ctx, size_t part)
{
    counts *c = ctx;
    atomic_fetch_add(&c->hits[part], 1);
}

/* Each part of [0, parts) was run exactly once, and nothing beyond parts. */
static int counted_once(const counts *c, size_t parts)
{
    for (size_t p = 0; p < MAX_TEST_PARTS; ++p) {
        if (atomic_load(&c->hits[p]) != (p < parts ? 1 : 0)) {
            return 0;
        }
    }
    return 1;
}

static void test_every_part_runs_once(void **state)
{
    (void)state;
    for (size_t parts = 0; parts <= MAX_TEST_PARTS; ++parts) {
        counts c;
        memset(&c, 0, sizeof c);
        nnb__pool_run(parts, count_part, &c);
        assert_true(counted_once(&c, parts));
    }
}

/* Parts that wait (up to 20 s) until `want` of them run at the same moment: only several threads get there. */
typedef struct rendezvous {
    atomic_int arrived;
    int want;
    atomic_int met;
} rendezvous;

static void meet_part(void *ctx, size_t part)
{
    (void)part;
    rendezvous *r = ctx;
    atomic_fetch_add(&r->arrived, 1);
    struct timespec pause = {0, 1000000};
    for (int i = 0; i < 20000 && atomic_load(&r->arrived) < r->want; ++i) {
        nanosleep(&pause, NULL);
    }
    if (atomic_load(&r->arrived) >= r->want) {
        atomic_store(&r->met, 1);
    }
}

static void test_parts_run_concurrently_and_workers_persist(void **state)
{
    (void)state;
    nnb_release_threads(); /* earlier tests left workers */
    assert_int_equal(nnb__pool_workers(), 0);
    rendezvous r = {.want = 2};
    nnb__pool_run(2, meet_part, &r);
    assert_int_equal(atomic_load(&r.met), 1);
    assert_int_equal(nnb__pool_workers(), 1);

    /* The same worker serves the next run (no new thread for a run of the same size). */
    rendezvous again = {.want = 2};
    nnb__pool_run(2, meet_part, &again);
    assert_int_equal(atomic_load(&again.met), 1);
    assert_int_equal(nnb__pool_workers(), 1);

    nnb__pool_run(4, count_part, &(counts){0});
    assert_int_equal(nnb__pool_workers(), 3);

    nnb_release_threads();
    assert_int_equal(nnb__pool_workers(), 0);
    nnb_release_threads(); /* twice is harmless */

    counts c;
    memset(&c, 0, sizeof c);
    nnb__pool_run(3, count_part, &c);
    assert_true(counted_once(&c, 3));
    assert_int_equal(nnb__pool_workers(), 2);
}

/* A part that runs a whole run of its own: the inner run cannot have the workers and runs in place. */
typedef struct nested {
    counts outer;
    counts inner[4];
} nested;

static void nested_part(void *ctx, size_t part)
{
    nested *n = ctx;
    atomic_fetch_add(&n->outer.hits[part], 1);
    nnb__pool_run(5, count_part, &n->inner[part]);
}

static void test_nested_runs_complete(void **state)
{
    (void)state;
    nested n;
    memset(&n, 0, sizeof n);
    nnb__pool_run(4, nested_part, &n);
    assert_true(counted_once(&n.outer, 4));
    for (int p = 0; p < 4; ++p) {
        assert_true(counted_once(&n.inner[p], 5));
    }
}

/* Several threads of the caller's run at once; whoever loses the race for the workers runs in place. */
#define CALLERS 4
#define RUNS_PER_CALLER 300

static void *caller_thread(void *arg)
{
    int *ok = arg;
    *ok = 1;
    for (int i = 0; i < RUNS_PER_CALLER; ++i) {
        counts c;
        memset(&c, 0, sizeof c);
        size_t parts = (size_t)(i % 7) + 1u;
        nnb__pool_run(parts, count_part, &c);
        if (!counted_once(&c, parts)) {
            *ok = 0;
        }
    }
    return NULL;
}

static void test_concurrent_callers(void **state)
{
    (void)state;
    pthread_t tid[CALLERS];
    int ok[CALLERS];
    for (int t = 0; t < CALLERS; ++t) {
        assert_int_equal(pthread_create(&tid[t], NULL, caller_thread, &ok[t]), 0);
    }
    for (int t = 0; t < CALLERS; ++t) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(ok[t], 1);
    }
}

/* After fork() the child has none of the parent's threads: its runs must create workers of its own. */
static void test_fork_child_runs_parts(void **state)
{
    (void)state;
#if defined(UNDER_TSAN)
    skip();
#endif
    nnb__pool_run(3, count_part, &(counts){0}); /* the parent has workers */
    assert_true(nnb__pool_workers() >= 1);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int good = nnb__pool_workers() == 0;
        rendezvous r = {.want = 2};
        nnb__pool_run(2, meet_part, &r);
        good = good && atomic_load(&r.met) == 1 && nnb__pool_workers() == 1;
        _exit(good ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_part_runs_once),  cmocka_unit_test(test_parts_run_concurrently_and_workers_persist),
        cmocka_unit_test(test_nested_runs_complete),  cmocka_unit_test(test_concurrent_callers),
        cmocka_unit_test(test_fork_child_runs_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
