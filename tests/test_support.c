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

/* ---- model-file bytes ---- */

void nnb_test_put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

void nnb_test_put_le64(unsigned char *p, uint64_t v)
{
    nnb_test_put_le32(p, (uint32_t)v);
    nnb_test_put_le32(p + 4, (uint32_t)(v >> 32));
}

uint32_t nnb_test_get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void nnb_test_fix_crc(unsigned char *file, size_t size)
{
    nnb_test_put_le32(file + size - 4, nnb_crc32(0, file, size - 4));
}

unsigned char *nnb_test_serialize(const nnb_model *m, nnb_model_file_kind kind, size_t *size)
{
    assert_ok(nnb_model_serialize(m, kind, NULL, 0, size));
    unsigned char *buf = malloc(*size);
    assert_non_null(buf);
    assert_ok(nnb_model_serialize(m, kind, buf, *size, size));
    return buf;
}

/* ---- a small trained model ---- */

void nnb_test_small_data(nnb_tensor **X, uint32_t labels[NNB_TEST_SMALL_ROWS])
{
    /* Class c sits around (c - 1, (c % 2) - 0.5) with a small offset per row. */
    assert_ok(nnb_tensor_create(X, NNB_TEST_SMALL_ROWS, NNB_TEST_SMALL_FEATURES));
    float *x = nnb_tensor_data(*X);
    for (uint32_t i = 0; i < NNB_TEST_SMALL_ROWS; ++i) {
        uint32_t c = i % NNB_TEST_SMALL_CLASSES;
        float d = 0.05f * (float)(i / NNB_TEST_SMALL_CLASSES);
        x[2 * i] = (float)c - 1.0f + d;
        x[2 * i + 1] = (float)(c % 2u) - 0.5f - d;
        labels[i] = c;
    }
}

nnb_model *nnb_test_small_model(uint32_t seed, size_t epochs)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, seed));
    assert_ok(nnb_model_add_dense(m, NNB_TEST_SMALL_FEATURES, 4, 0.5f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 4, NNB_TEST_SMALL_CLASSES, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.02;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    if (epochs > 0) {
        nnb_tensor *X = NULL;
        uint32_t labels[NNB_TEST_SMALL_ROWS];
        nnb_test_small_data(&X, labels);
        nnb_targets y = nnb_targets_from_labels(labels, NNB_TEST_SMALL_ROWS);
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = epochs;
        tp.batch_size = 0;
        tp.print_every = 0;
        assert_ok(nnb_model_train(m, X, &y, &tp));
        nnb_tensor_destroy(X);
    }
    return m;
}
