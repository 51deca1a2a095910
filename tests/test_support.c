/* SPDX-License-Identifier: MIT */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>

static size_t g_count;
static size_t g_live;
static size_t g_fail_at; /* 0: never fail */

static void *counting_alloc(void *user, size_t size)
{
    (void)user;
    ++g_count;
    if (g_fail_at != 0) {
        if (--g_fail_at == 0) {
            return NULL;
        }
    }
    void *block = _test_malloc(size, __FILE__, __LINE__);
    if (block != NULL) {
        ++g_live;
    }
    return block;
}

static void counting_free(void *user, void *block)
{
    (void)user;
    --g_live;
    _test_free(block, __FILE__, __LINE__);
}

int nnb_test_setup_allocator(void **state)
{
    (void)state;
    nnb_allocator a = {counting_alloc, counting_free, NULL};
    g_count = 0;
    g_live = 0;
    g_fail_at = 0;
    return nnb_set_allocator(&a) == NNB_OK ? 0 : -1;
}

int nnb_test_teardown_allocator(void **state)
{
    (void)state;
    g_fail_at = 0;
    return nnb_set_allocator(NULL) == NNB_OK ? 0 : -1;
}

size_t nnb_test_alloc_count(void)
{
    return g_count;
}

size_t nnb_test_live_blocks(void)
{
    return g_live;
}

void nnb_test_reset_counts(void)
{
    g_count = 0;
}

void nnb_test_fail_allocation(size_t n)
{
    g_fail_at = n;
}

int nnb_test_close(double a, double b, double rel_tol, double abs_tol)
{
    if (isnan(a) || isnan(b)) {
        return 0;
    }
    return fabs(a - b) <= abs_tol + rel_tol * fabs(b);
}
