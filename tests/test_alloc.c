/* SPDX-License-Identifier: MIT */
/*
 * The allocator hook: set / get / restore, rejection of incomplete allocators, every allocation and free
 * going through the installed functions with their user pointer, and failure injection through the test
 * allocator (each failed allocation reported as NNB_ERR_NOMEM without a leak).
 */
/* fork, waitpid */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "compute/gemm_internal.h"

/* A forwarding allocator that counts calls and delegates to the allocator installed before it. */
typedef struct forwarding {
    nnb_allocator inner;
    size_t allocs;
    size_t frees;
    size_t live;
    void *last_user_seen;
} forwarding;

static void *forwarding_alloc(void *user, size_t size)
{
    forwarding *f = user;
    f->last_user_seen = user;
    ++f->allocs;
    void *block = f->inner.alloc(f->inner.user, size);
    if (block != NULL) {
        ++f->live;
    }
    return block;
}

static void forwarding_free(void *user, void *block)
{
    forwarding *f = user;
    f->last_user_seen = user;
    ++f->frees;
    --f->live;
    f->inner.free(f->inner.user, block);
}

static void *never_alloc(void *user, size_t size)
{
    (void)user;
    (void)size;
    return NULL;
}

static void never_free(void *user, void *block)
{
    (void)user;
    (void)block;
}

static void test_get_allocator_returns_installed_functions(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    forwarding f;
    memset(&f, 0, sizeof f);
    f.inner = saved;
    nnb_allocator mine = {forwarding_alloc, forwarding_free, &f};
    assert_ok(nnb_set_allocator(&mine));

    nnb_allocator now;
    assert_ok(nnb_get_allocator(&now));
    assert_true(now.alloc == forwarding_alloc);
    assert_true(now.free == forwarding_free);
    assert_ptr_equal(now.user, &f);

    assert_ok(nnb_set_allocator(&saved));
    assert_ok(nnb_get_allocator(&now));
    assert_true(now.alloc == saved.alloc);
    assert_ptr_equal(now.user, saved.user);
}

static void test_set_allocator_copies_the_struct(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    forwarding f;
    memset(&f, 0, sizeof f);
    f.inner = saved;
    nnb_allocator mine = {forwarding_alloc, forwarding_free, &f};
    assert_ok(nnb_set_allocator(&mine));
    /* Changing the caller's struct afterwards must not change the installed hook. */
    mine.alloc = never_alloc;
    mine.free = never_free;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 2));
    nnb_tensor_destroy(t);
    assert_ok(nnb_set_allocator(&saved));
    assert_true(f.allocs >= 1);
}

static void test_set_allocator_rejects_null_functions(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));

    nnb_allocator no_alloc = {NULL, never_free, NULL};
    nnb_allocator no_free = {never_alloc, NULL, NULL};
    nnb_allocator neither = {NULL, NULL, NULL};
    assert_status(nnb_set_allocator(&no_alloc), NNB_ERR_ARGUMENT);
    assert_status(nnb_set_allocator(&no_free), NNB_ERR_ARGUMENT);
    assert_status(nnb_set_allocator(&neither), NNB_ERR_ARGUMENT);

    /* Nothing changed. */
    nnb_allocator now;
    assert_ok(nnb_get_allocator(&now));
    assert_true(now.alloc == saved.alloc);
    assert_true(now.free == saved.free);
    assert_ptr_equal(now.user, saved.user);
}

static void test_get_allocator_rejects_null_out(void **state)
{
    (void)state;
    assert_status(nnb_get_allocator(NULL), NNB_ERR_NULL);
}

static void test_set_allocator_null_restores_default(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    /* A hook with a user pointer first: restoring the default must clear it too. */
    int marker = 0;
    nnb_allocator with_user = {saved.alloc, saved.free, &marker};
    assert_ok(nnb_set_allocator(&with_user));
    assert_ok(nnb_set_allocator(NULL));
    nnb_allocator dflt;
    assert_ok(nnb_get_allocator(&dflt));
    assert_true(dflt.alloc != NULL);
    assert_true(dflt.free != NULL);
    assert_true(dflt.alloc != saved.alloc);
    assert_null(dflt.user);

    /* The default (malloc/free) works. */
    size_t before = nnb_test_alloc_count();
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 3, 3));
    nnb_tensor_destroy(t);
    /* ... and does not go through the test hook. */
    assert_int_equal(nnb_test_alloc_count(), before);

    assert_ok(nnb_set_allocator(&saved));
}

static void test_every_allocation_goes_through_the_hook_with_its_user_pointer(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    forwarding f;
    memset(&f, 0, sizeof f);
    f.inner = saved;
    nnb_allocator mine = {forwarding_alloc, forwarding_free, &f};
    assert_ok(nnb_set_allocator(&mine));

    nnb_tensor *t = NULL;
    nnb_rng *rng = NULL;
    nnb_dense *layer = NULL;
    assert_ok(nnb_tensor_create(&t, 4, 5));
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_dense_create(&layer, 5, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_true(f.allocs >= 3);
    assert_int_equal(f.live, f.allocs);
    assert_ptr_equal(f.last_user_seen, &f);

    nnb_dense_destroy(layer);
    nnb_rng_destroy(rng);
    nnb_tensor_destroy(t);
    /* Everything allocated through the hook was freed through it. */
    assert_int_equal(f.frees, f.allocs);
    assert_int_equal(f.live, 0);
    assert_ok(nnb_set_allocator(&saved));
}

static void test_alloc_count_advances_per_constructor(void **state)
{
    (void)state;
    nnb_test_reset_counts();
    size_t live = nnb_test_live_blocks();
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 3));
    assert_true(nnb_test_alloc_count() >= 1);
    assert_true(nnb_test_live_blocks() > live);
    nnb_tensor_destroy(t);
    assert_int_equal(nnb_test_live_blocks(), live);
}

static void test_failing_hook_gives_nomem_everywhere(void **state)
{
    (void)state;
    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    nnb_allocator failing = {never_alloc, never_free, NULL};
    assert_ok(nnb_set_allocator(&failing));

    static int sentinel_storage;
    nnb_tensor *t = (nnb_tensor *)(void *)&sentinel_storage;
    nnb_rng *rng = (nnb_rng *)(void *)&sentinel_storage;
    nnb_dense *layer = (nnb_dense *)(void *)&sentinel_storage;
    float values[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    nnb_status st_create = nnb_tensor_create(&t, 2, 2);
    nnb_status st_from = nnb_tensor_create_from(&t, 2, 2, values);
    nnb_status st_wrap = nnb_tensor_wrap(&t, 2, 2, values);
    nnb_status st_rng = nnb_rng_create(&rng, 0);
    nnb_status st_dense = nnb_dense_create(&layer, 2, 2, NULL, 0.01f);
    assert_ok(nnb_set_allocator(&saved));

    assert_status(st_create, NNB_ERR_NOMEM);
    assert_status(st_from, NNB_ERR_NOMEM);
    assert_status(st_wrap, NNB_ERR_NOMEM);
    assert_status(st_rng, NNB_ERR_NOMEM);
    assert_status(st_dense, NNB_ERR_NOMEM);
    assert_ptr_equal(t, (void *)&sentinel_storage);
    assert_ptr_equal(rng, (void *)&sentinel_storage);
    assert_ptr_equal(layer, (void *)&sentinel_storage);
    /* The caller's buffer is intact. */
    assert_true(values[0] == 1.0f && values[3] == 4.0f);
}

static void test_fail_allocation_injects_exactly_the_nth_failure(void **state)
{
    (void)state;
    static int sentinel_storage;
    nnb_tensor *a = NULL;
    nnb_tensor *b = (nnb_tensor *)(void *)&sentinel_storage;
    /* A 1 x 1 tensor takes at least one allocation; fail the first one of the second create. */
    nnb_test_reset_counts();
    assert_ok(nnb_tensor_create(&a, 1, 1));
    size_t per_create = nnb_test_alloc_count();
    assert_true(per_create >= 1);
    size_t live = nnb_test_live_blocks();
    nnb_test_fail_allocation(1);
    assert_status(nnb_tensor_create(&b, 1, 1), NNB_ERR_NOMEM);
    assert_ptr_equal(b, (void *)&sentinel_storage);
    assert_int_equal(nnb_test_live_blocks(), live);
    /* The injection is one-shot: the next create succeeds. */
    assert_ok(nnb_tensor_create(&b, 1, 1));
    nnb_tensor_destroy(b);
    nnb_tensor_destroy(a);
    nnb_test_fail_allocation(0);
}

/* The internal entry points refuse empty and overflowing sizes without calling the hook. */
static void test_internal_allocators_refuse_empty_and_overflowing_sizes(void **state)
{
    (void)state;
    nnb_test_reset_counts();
    assert_null(nnb__malloc(0));
    assert_null(nnb__calloc(0, 4));
    assert_null(nnb__calloc(SIZE_MAX / 2 + 1, 2));
    assert_null(nnb__aligned_alloc(0));
    assert_null(nnb__aligned_alloc(SIZE_MAX - 70));
    assert_int_equal(nnb_test_alloc_count(), 0);
    nnb__free(NULL);
    nnb__aligned_free(NULL);
    assert_int_equal(nnb_test_live_blocks(), 0);
    /* calloc zeroes what it returns. */
    unsigned char *p = nnb__calloc(3, 5);
    assert_non_null(p);
    for (size_t i = 0; i < 15; ++i) {
        assert_int_equal(p[i], 0);
    }
    nnb__free(p);
}

/* A GEMM scratch grows by replacing its block (the old one freed) and never shrinks. */
static void test_gemm_scratch_grows_by_replacing_its_block(void **state)
{
    (void)state;
    nnb__gemm_scratch scratch;
    memset(&scratch, 0, sizeof scratch);
    assert_ok(nnb__gemm_scratch_reserve(&scratch, 64));
    assert_non_null(scratch.data);
    assert_int_equal(scratch.bytes, 64);
    void *first = scratch.data;
    assert_ok(nnb__gemm_scratch_reserve(&scratch, 32));
    assert_ptr_equal(scratch.data, first);
    assert_int_equal(scratch.bytes, 64);
    assert_ok(nnb__gemm_scratch_reserve(&scratch, 1000));
    assert_int_equal(scratch.bytes, 1000);
    memset(scratch.data, 0x5a, 1000);
    assert_int_equal(nnb_test_live_blocks(), 1);
    /* A failed growth keeps the old block. */
    nnb_test_fail_allocation(1);
    assert_status(nnb__gemm_scratch_reserve(&scratch, 5000), NNB_ERR_NOMEM);
    assert_int_equal(scratch.bytes, 1000);
    assert_int_equal(((unsigned char *)scratch.data)[999], 0x5a);
    nnb__aligned_free(scratch.data);
    assert_int_equal(nnb_test_live_blocks(), 0);
}

/*
 * The guard-page mode of the test allocator: in a child process (a fault there is the expected outcome), a
 * block is allocated with guard pages forced on, its last byte is touched (must not fault), and then the
 * byte one past its end (must fault with SIGSEGV). Plain blocks of any size are guarded exactly; the
 * library's 64-byte-aligned blocks exactly when their size is a multiple of 64 bytes.
 */
enum guard_case {
    GUARD_PLAIN_WRITE,
    GUARD_PLAIN_READ,
    GUARD_TENSOR_WRITE,
    GUARD_TENSOR_READ,
    GUARD_IN_BOUNDS,
    GUARD_ALIGNED_SIZES
};

static void guard_child(enum guard_case which)
{
    /* cmocka catches SIGSEGV to report a crashing test; the child must die of it instead. */
    (void)signal(SIGSEGV, SIG_DFL);
    nnb_test_force_guard_pages(1);
    if (which == GUARD_ALIGNED_SIZES) {
        /* Every size: 64-byte aligned, and every byte up to the last one usable (the raw block placed at
           the guard page leaves no byte to spare, so a block carved one byte too far faults). */
        for (size_t n = 1; n <= 300; ++n) {
            unsigned char *p = nnb__aligned_alloc(n);
            if (p == NULL) {
                _exit(3);
            }
            if ((uintptr_t)p % 64u != 0) {
                _exit(6);
            }
            memset(p, 0xA5, n);
            nnb__aligned_free(p);
        }
        _exit(0);
    }
    if (which == GUARD_PLAIN_WRITE || which == GUARD_PLAIN_READ || which == GUARD_IN_BOUNDS) {
        volatile unsigned char *p = nnb__malloc(13);
        if (p == NULL) {
            _exit(3);
        }
        p[12] = 7; /* the last byte: fine */
        if (which == GUARD_PLAIN_WRITE) {
            p[13] = 7;
        } else if (which == GUARD_PLAIN_READ) {
            _exit(p[13] == 42 ? 4 : 5);
        }
        nnb__free((void *)p);
        _exit(0);
    }
    nnb_tensor *t = NULL;
    if (nnb_tensor_create(&t, 4, 4) != NNB_OK) { /* 64 bytes of data */
        _exit(3);
    }
    volatile float *d = nnb_tensor_data(t);
    d[15] = 1.0f;
    if (which == GUARD_TENSOR_WRITE) {
        d[16] = 1.0f;
    } else {
        _exit(d[16] == 42.0f ? 4 : 5);
    }
    _exit(0);
}

static int guard_outcome(enum guard_case which)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        guard_child(which);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
        return -1;
    }
    return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* Under AddressSanitizer its own SEGV handler reports the fault and exits instead of dying by the signal. */
#if defined(__SANITIZE_ADDRESS__)
#    define NNB_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#    if __has_feature(address_sanitizer)
#        define NNB_TEST_UNDER_ASAN 1
#    endif
#endif

static void test_guard_pages_fault_one_past_the_end(void **state)
{
    (void)state;
    assert_int_equal(guard_outcome(GUARD_IN_BOUNDS), 0);
    assert_int_equal(guard_outcome(GUARD_ALIGNED_SIZES), 0);
#ifdef NNB_TEST_UNDER_ASAN
    return; /* the guard pages are for plain builds; ASan checks these accesses itself */
#endif
    assert_int_equal(guard_outcome(GUARD_PLAIN_WRITE), 1000 + SIGSEGV);
    assert_int_equal(guard_outcome(GUARD_PLAIN_READ), 1000 + SIGSEGV);
    assert_int_equal(guard_outcome(GUARD_TENSOR_WRITE), 1000 + SIGSEGV);
    assert_int_equal(guard_outcome(GUARD_TENSOR_READ), 1000 + SIGSEGV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_allocator_returns_installed_functions),
        cmocka_unit_test(test_set_allocator_copies_the_struct),
        cmocka_unit_test(test_set_allocator_rejects_null_functions),
        cmocka_unit_test(test_get_allocator_rejects_null_out),
        cmocka_unit_test(test_set_allocator_null_restores_default),
        cmocka_unit_test(test_every_allocation_goes_through_the_hook_with_its_user_pointer),
        cmocka_unit_test(test_alloc_count_advances_per_constructor),
        cmocka_unit_test(test_failing_hook_gives_nomem_everywhere),
        cmocka_unit_test(test_fail_allocation_injects_exactly_the_nth_failure),
        cmocka_unit_test(test_internal_allocators_refuse_empty_and_overflowing_sizes),
        cmocka_unit_test(test_gemm_scratch_grows_by_replacing_its_block),
        cmocka_unit_test(test_guard_pages_fault_one_past_the_end),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
