/* SPDX-License-Identifier: MIT */
/*
 * Shared test helpers: cmocka includes, a leak-checking allocator hook with failure injection, and float
 * comparisons with explicit tolerances.
 */
#ifndef NNB_TEST_SUPPORT_H
#define NNB_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four includes above first. */
#include <cmocka.h>

#include "nnbasics/nnbasics.h"

/*
 * Routes every library allocation through cmocka's test allocator (so a block still live at the end of a
 * test fails it with a leak report) and counts them. Use as a cmocka group setup / teardown.
 */
int nnb_test_setup_allocator(void **state);
int nnb_test_teardown_allocator(void **state);

/*
 * Nonzero when NNB_TEST_GUARD_PAGES is set (and not "0"): nnb_test_setup_allocator then places every block
 * in its own mapping so that it ends at a PROT_NONE page, and a read or write one past the end faults. Leaks
 * are then reported by nnb_test_teardown_allocator for the whole group instead of per test.
 */
int nnb_test_guard_pages_enabled(void);

/* Turns guard-page placement on or off whatever the environment says; only while no block is live. */
void nnb_test_force_guard_pages(int on);

/*
 * Group setup for tests that write files: creates a fresh directory $TMPDIR/<prefix>XXXXXX ($TMPDIR
 * defaults to /tmp), then installs the allocator as nnb_test_setup_allocator does. Returns 0 or -1.
 * nnb_test_temp_dir() is the directory's path; the teardown removes the (emptied) directory and restores
 * the default allocator.
 */
int nnb_test_temp_dir_setup(void **state, const char *prefix);
const char *nnb_test_temp_dir(void);
int nnb_test_temp_dir_teardown(void **state);

/* Allocations made through the hook since the last reset, and blocks currently live. */
size_t nnb_test_alloc_count(void);
size_t nnb_test_live_blocks(void);
void nnb_test_reset_counts(void);

/* Makes the n-th allocation from now on fail (1 = the next one); 0 disables failure injection. */
void nnb_test_fail_allocation(size_t n);

/* Relative-or-absolute closeness: |a - b| <= abs_tol + rel_tol * |b|. */
int nnb_test_close(double a, double b, double rel_tol, double abs_tol);

#define assert_close(a, b, rel, abs_)                                                                                  \
    do {                                                                                                               \
        double nnb_a_ = (double)(a), nnb_b_ = (double)(b);                                                             \
        if (!nnb_test_close(nnb_a_, nnb_b_, (rel), (abs_))) {                                                          \
            fail_msg("%s = %.9g, expected %.9g (rel %g, abs %g)", #a, nnb_a_, nnb_b_, (double)(rel), (double)(abs_));  \
        }                                                                                                              \
    } while (0)

#define assert_status(expr, expected)                                                                                  \
    do {                                                                                                               \
        nnb_status nnb_s_ = (expr);                                                                                    \
        if (nnb_s_ != (expected)) {                                                                                    \
            fail_msg("%s returned %d (%s), expected %s", #expr, (int)nnb_s_, nnb_status_string(nnb_s_), #expected);    \
        }                                                                                                              \
    } while (0)

#define assert_ok(expr) assert_status(expr, NNB_OK)

/* ---- model-file bytes ---- */

/* Little-endian stores and loads, as the library's files hold their integers. */
void nnb_test_put_le32(unsigned char *p, uint32_t v);
void nnb_test_put_le64(unsigned char *p, uint64_t v);
uint32_t nnb_test_get_le32(const unsigned char *p);

/* Recomputes a model file's trailing CRC-32 (its last 4 bytes) after a deliberate edit, so that the reader
 * judges the edited field on its own. */
void nnb_test_fix_crc(unsigned char *file, size_t size);

/* Serializes m as a file of the given kind into a malloc'd buffer (the caller frees it with free()); *size
 * receives its length. Fails the test on error. */
unsigned char *nnb_test_serialize(const nnb_model *m, nnb_model_file_kind kind, size_t *size);

/* ---- a small trained model ---- */

/* The 12 rows of NNB_TEST_SMALL_FEATURES features and their labels (3 classes, 4 rows each, separable)
 * that nnb_test_small_model trains on. X is created here; the caller destroys it. */
#define NNB_TEST_SMALL_ROWS 12u
#define NNB_TEST_SMALL_FEATURES 2u
#define NNB_TEST_SMALL_CLASSES 3u
void nnb_test_small_data(nnb_tensor **X, uint32_t labels[NNB_TEST_SMALL_ROWS]);

/* Dense(2,4) -> ReLU -> Dense(4,3) -> softmax, categorical cross-entropy, Adam (learning rate 0.02),
 * categorical accuracy, finalized, weights from seed; then `epochs` full-batch epochs on
 * nnb_test_small_data (none when epochs is 0). The caller destroys it. Fails the test on error. */
nnb_model *nnb_test_small_model(uint32_t seed, size_t epochs);

#endif
