/* SPDX-License-Identifier: MIT */
/* The WebAssembly build's stand-in for the cmocka library (tests/wasm/cmocka.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmocka.h"

enum { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP };

static jmp_buf g_jump;
static int g_in_test;

/* Live test blocks, each preceded by its header, in a doubly linked list. */
typedef struct block_header {
    struct block_header *prev, *next;
    size_t size;
    const char *file;
    int line;
    int pad_;
} block_header;
static block_header g_blocks = {&g_blocks, &g_blocks, 0, NULL, 0, 0};

__attribute__((format(printf, 3, 0))) static void vreport(const char *file, int line, const char *fmt, va_list ap)
{
    printf("[  ERROR   ] %s:%d: ", file, line);
    vprintf(fmt, ap);
    printf("\n");
}

void _cmocka_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(file, line, fmt, ap);
    va_end(ap);
    if (!g_in_test) {
        exit(1);
    }
    longjmp(g_jump, OUTCOME_FAIL);
}

void _cmocka_skip(const char *file, int line)
{
    printf("[  SKIPPED ] at %s:%d\n", file, line);
    if (!g_in_test) {
        exit(0);
    }
    longjmp(g_jump, OUTCOME_SKIP);
}

void print_message(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void print_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void _assert_true(uintmax_t value, const char *expr, const char *file, int line)
{
    if (!value) {
        _cmocka_fail(file, line, "%s is false", expr);
    }
}

void _assert_int_equal(uintmax_t a, uintmax_t b, int equal, const char *file, int line)
{
    if ((a == b) != (equal != 0)) {
        _cmocka_fail(file, line, "%ju (%#jx) %s %ju (%#jx)", a, a, equal ? "!=" : "==", b, b);
    }
}

void _assert_string_equal(const char *a, const char *b, int equal, const char *file, int line)
{
    int same = (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
    if (same != (equal != 0)) {
        _cmocka_fail(file, line, "\"%s\" %s \"%s\"", a ? a : "(null)", equal ? "!=" : "==", b ? b : "(null)");
    }
}

void _assert_memory_equal(const void *a, const void *b, size_t size, const char *file, int line)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < size; ++i) {
        if (x[i] != y[i]) {
            _cmocka_fail(file, line, "memory differs at byte %zu of %zu: 0x%02x != 0x%02x", i, size, x[i], y[i]);
        }
    }
}

void _assert_in_range(uintmax_t value, uintmax_t lo, uintmax_t hi, const char *file, int line)
{
    if (value < lo || value > hi) {
        _cmocka_fail(file, line, "%ju is not within [%ju, %ju]", value, lo, hi);
    }
}

void *_test_malloc(size_t size, const char *file, int line)
{
    block_header *h = malloc(sizeof *h + size);
    if (h == NULL) {
        return NULL;
    }
    h->size = size;
    h->file = file;
    h->line = line;
    h->prev = g_blocks.prev;
    h->next = &g_blocks;
    g_blocks.prev->next = h;
    g_blocks.prev = h;
    return h + 1;
}

void *_test_calloc(size_t count, size_t size, const char *file, int line)
{
    if (size != 0 && count > (size_t)-1 / size) {
        return NULL;
    }
    void *p = _test_malloc(count * size, file, line);
    if (p != NULL) {
        memset(p, 0, count * size);
    }
    return p;
}

void _test_free(void *block, const char *file, int line)
{
    (void)file;
    (void)line;
    if (block == NULL) {
        return;
    }
    block_header *h = (block_header *)block - 1;
    h->prev->next = h->next;
    h->next->prev = h->prev;
    free(h);
}

static size_t live_blocks(void)
{
    size_t n = 0;
    for (block_header *h = g_blocks.next; h != &g_blocks; h = h->next) {
        ++n;
    }
    return n;
}

/* Runs one function under the failure trap: the outcome, and its return value in *rc for fixtures. */
static int run_trapped(CMUnitTestFunction test, CMFixtureFunction fixture, void **state, int *rc)
{
    g_in_test = 1;
    int outcome = setjmp(g_jump);
    if (outcome == 0) {
        if (test != NULL) {
            test(state);
        } else {
            *rc = fixture(state);
        }
        outcome = OUTCOME_PASS;
    }
    g_in_test = 0;
    return outcome;
}

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *tests, size_t count,
                            CMFixtureFunction group_setup, CMFixtureFunction group_teardown)
{
    void *group_state = NULL;
    int rc = 0;
    printf("[==========] %s: Running %zu test(s).\n", group_name, count);
    if (group_setup != NULL && (run_trapped(NULL, group_setup, &group_state, &rc) != OUTCOME_PASS || rc != 0)) {
        printf("[  ERROR   ] %s: group setup failed\n", group_name);
        return 1;
    }
    int failed = 0, passed = 0, skipped = 0;
    for (size_t i = 0; i < count; ++i) {
        const struct CMUnitTest *t = &tests[i];
        void *state = t->initial_state != NULL ? t->initial_state : group_state;
        printf("[ RUN      ] %s\n", t->name);
        size_t live_before = live_blocks();
        int outcome = OUTCOME_PASS;
        if (t->setup_func != NULL && (run_trapped(NULL, t->setup_func, &state, &rc) != OUTCOME_PASS || rc != 0)) {
            outcome = OUTCOME_FAIL;
        }
        if (outcome == OUTCOME_PASS) {
            outcome = run_trapped(t->test_func, NULL, &state, &rc);
        }
        if (t->teardown_func != NULL) {
            int td = run_trapped(NULL, t->teardown_func, &state, &rc);
            if (outcome == OUTCOME_PASS && (td != OUTCOME_PASS || rc != 0)) {
                outcome = OUTCOME_FAIL;
            }
        }
        if (outcome == OUTCOME_PASS && live_blocks() != live_before) {
            for (block_header *h = g_blocks.next; h != &g_blocks; h = h->next) {
                printf("[  ERROR   ] %s: %zu bytes allocated at %s:%d still live\n", t->name, h->size, h->file,
                       h->line);
            }
            outcome = OUTCOME_FAIL;
        }
        if (outcome == OUTCOME_PASS) {
            ++passed;
            printf("[       OK ] %s\n", t->name);
        } else if (outcome == OUTCOME_SKIP) {
            ++skipped;
            printf("[  SKIPPED ] %s\n", t->name);
        } else {
            ++failed;
            printf("[  FAILED  ] %s\n", t->name);
        }
    }
    if (group_teardown != NULL) {
        (void)run_trapped(NULL, group_teardown, &group_state, &rc);
    }
    printf("[==========] %s: %zu test(s) run.\n[  PASSED  ] %d test(s).\n", group_name, count, passed);
    if (skipped) {
        printf("[  SKIPPED ] %d test(s).\n", skipped);
    }
    if (failed) {
        printf("[  FAILED  ] %d test(s).\n", failed);
    }
    fflush(stdout);
    return failed;
}
