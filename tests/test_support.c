/* SPDX-License-Identifier: MIT */
/* mkdtemp, mmap with MAP_ANONYMOUS, sysconf. */
#define _DEFAULT_SOURCE

#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t g_count;
static size_t g_live;
static size_t g_fail_at; /* 0: never fail */

/*
 * Guard-page mode (NNB_TEST_GUARD_PAGES=1): every block gets its own mapping
 *
 *     [header page][data pages ...][PROT_NONE guard page]
 *
 * and is placed so that it ends exactly at the guard page, so the first byte past the block faults (read or
 * write). A block of n bytes starts at guard - n, so it is aligned to the largest power of two dividing n
 * (up to the page size): enough for any object that fills the block exactly, which is how the library sizes
 * its plain allocations (arrays and structs). The library's 64-byte aligned blocks are carved out of a
 * larger hook allocation (src/base/alloc.c); with the raw block at the guard page, the aligned block ends
 * (-size mod 64) bytes before it, the least any 64-byte-aligned placement allows.
 */
#define NNB_TEST_GUARD_MAGIC 0x6e6e6267756172ULL

typedef struct guard_header {
    unsigned long long magic;
    size_t map_size;
    size_t size;
} guard_header;

static int g_guard_pages;

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096u;
}

static void *guard_alloc(size_t size)
{
    size_t page = page_size();
    if (size > SIZE_MAX / 2) {
        return NULL;
    }
    size_t data_pages = (size + page - 1) / page;
    size_t map_size = (data_pages + 2) * page;
    unsigned char *base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return NULL;
    }
    unsigned char *guard = base + (1 + data_pages) * page;
    if (mprotect(guard, page, PROT_NONE) != 0) {
        (void)munmap(base, map_size);
        return NULL;
    }
    guard_header h = {NNB_TEST_GUARD_MAGIC, map_size, size};
    memcpy(base, &h, sizeof h);
    return guard - size;
}

static void guard_free(void *block)
{
    size_t page = page_size();
    uintptr_t addr = (uintptr_t)block;
    /* The header page is the page before the one holding the block's first byte. */
    unsigned char *base = (unsigned char *)(addr - addr % page - page);
    guard_header h;
    memcpy(&h, base, sizeof h);
    if (h.magic != NNB_TEST_GUARD_MAGIC || (unsigned char *)block + h.size != base + h.map_size - page) {
        fprintf(stderr, "guard-page allocator: free of a block it did not allocate (%p)\n", block);
        abort();
    }
    (void)munmap(base, h.map_size);
}

static void *counting_alloc(void *user, size_t size)
{
    (void)user;
    ++g_count;
    if (g_fail_at != 0) {
        if (--g_fail_at == 0) {
            return NULL;
        }
    }
    void *block = g_guard_pages ? guard_alloc(size) : _test_malloc(size, __FILE__, __LINE__);
    if (block != NULL) {
        ++g_live;
    }
    return block;
}

static void counting_free(void *user, void *block)
{
    (void)user;
    --g_live;
    if (g_guard_pages) {
        guard_free(block);
    } else {
        _test_free(block, __FILE__, __LINE__);
    }
}

int nnb_test_guard_pages_enabled(void)
{
    const char *v = getenv("NNB_TEST_GUARD_PAGES");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

int nnb_test_setup_allocator(void **state)
{
    (void)state;
    nnb_allocator a = {counting_alloc, counting_free, NULL};
    g_count = 0;
    g_live = 0;
    g_fail_at = 0;
    g_guard_pages = nnb_test_guard_pages_enabled();
    return nnb_set_allocator(&a) == NNB_OK ? 0 : -1;
}

int nnb_test_teardown_allocator(void **state)
{
    (void)state;
    g_fail_at = 0;
    int rc = nnb_set_allocator(NULL) == NNB_OK ? 0 : -1;
    if (g_guard_pages && g_live != 0) {
        /* cmocka's per-test leak check does not see guard-page blocks; report leaks for the whole group. */
        fprintf(stderr, "guard-page allocator: %zu block(s) still live at the end of the group\n", g_live);
        rc = -1;
    }
    return rc;
}

void nnb_test_force_guard_pages(int on)
{
    g_guard_pages = on;
}

static char g_temp_dir[512];

int nnb_test_temp_dir_setup(void **state, const char *prefix)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(g_temp_dir, sizeof g_temp_dir, "%s/%sXXXXXX", base != NULL ? base : "/tmp", prefix);
    if (n < 0 || (size_t)n >= sizeof g_temp_dir || mkdtemp(g_temp_dir) == NULL) {
        return -1;
    }
    return nnb_test_setup_allocator(state);
}

const char *nnb_test_temp_dir(void)
{
    return g_temp_dir;
}

int nnb_test_temp_dir_teardown(void **state)
{
    (void)rmdir(g_temp_dir);
    return nnb_test_teardown_allocator(state);
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
