/* SPDX-License-Identifier: MIT */
/*
 * The part of cmocka's interface the unit tests use, for the WebAssembly build (NNB_TARGET_WASM), where no
 * cmocka library is installed for the target. Same names and meanings: a failed assertion prints where and why
 * and ends the test (longjmp), skip() ends it as skipped, and blocks from _test_malloc still live at the end
 * of a test fail it as leaks. The group runner prints one line per test and returns the number that failed.
 */
#ifndef NNB_TESTS_WASM_CMOCKA_H
#define NNB_TESTS_WASM_CMOCKA_H

#include <stddef.h>
#include <stdint.h>

typedef void (*CMUnitTestFunction)(void **state);
typedef int (*CMFixtureFunction)(void **state);

struct CMUnitTest {
    const char *name;
    CMUnitTestFunction test_func;
    CMFixtureFunction setup_func;
    CMFixtureFunction teardown_func;
    void *initial_state;
};

#define cmocka_unit_test(f)                                                                                            \
    {                                                                                                                  \
#        f, f, NULL, NULL, NULL                                                                                        \
    }
#define cmocka_unit_test_setup_teardown(f, setup, teardown)                                                            \
    {                                                                                                                  \
#        f, f, setup, teardown, NULL                                                                                   \
    }
#define cmocka_run_group_tests(tests, group_setup, group_teardown)                                                     \
    _cmocka_run_group_tests(#tests, tests, sizeof(tests) / sizeof((tests)[0]), group_setup, group_teardown)

int _cmocka_run_group_tests(const char *group_name, const struct CMUnitTest *tests, size_t count,
                            CMFixtureFunction group_setup, CMFixtureFunction group_teardown);

void _cmocka_fail(const char *file, int line, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
void _cmocka_skip(const char *file, int line) __attribute__((noreturn));
void print_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void print_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void _assert_true(uintmax_t value, const char *expr, const char *file, int line);
void _assert_int_equal(uintmax_t a, uintmax_t b, int equal, const char *file, int line);
void _assert_string_equal(const char *a, const char *b, int equal, const char *file, int line);
void _assert_memory_equal(const void *a, const void *b, size_t size, const char *file, int line);
void _assert_in_range(uintmax_t value, uintmax_t lo, uintmax_t hi, const char *file, int line);

void *_test_malloc(size_t size, const char *file, int line);
void *_test_calloc(size_t count, size_t size, const char *file, int line);
void _test_free(void *block, const char *file, int line);

#define test_malloc(size) _test_malloc(size, __FILE__, __LINE__)
#define test_calloc(n, size) _test_calloc(n, size, __FILE__, __LINE__)
#define test_free(p) _test_free(p, __FILE__, __LINE__)

#define fail() _cmocka_fail(__FILE__, __LINE__, "%s", "fail()")
#define fail_msg(...) _cmocka_fail(__FILE__, __LINE__, __VA_ARGS__)
#define skip() _cmocka_skip(__FILE__, __LINE__)

#define assert_true(c) _assert_true((uintmax_t)((c) != 0), #c, __FILE__, __LINE__)
#define assert_false(c) _assert_true((uintmax_t)((c) == 0), "!(" #c ")", __FILE__, __LINE__)
#define assert_non_null(p) _assert_true((uintmax_t)((p) != NULL), #p " != NULL", __FILE__, __LINE__)
#define assert_null(p) _assert_true((uintmax_t)((p) == NULL), #p " == NULL", __FILE__, __LINE__)
#define assert_int_equal(a, b) _assert_int_equal((uintmax_t)(a), (uintmax_t)(b), 1, __FILE__, __LINE__)
#define assert_int_not_equal(a, b) _assert_int_equal((uintmax_t)(a), (uintmax_t)(b), 0, __FILE__, __LINE__)
#define assert_ptr_equal(a, b)                                                                                         \
    _assert_int_equal((uintmax_t)(uintptr_t)(const void *)(a), (uintmax_t)(uintptr_t)(const void *)(b), 1, __FILE__,   \
                      __LINE__)
#define assert_ptr_not_equal(a, b)                                                                                     \
    _assert_int_equal((uintmax_t)(uintptr_t)(const void *)(a), (uintmax_t)(uintptr_t)(const void *)(b), 0, __FILE__,   \
                      __LINE__)
#define assert_string_equal(a, b) _assert_string_equal((a), (b), 1, __FILE__, __LINE__)
#define assert_string_not_equal(a, b) _assert_string_equal((a), (b), 0, __FILE__, __LINE__)
#define assert_memory_equal(a, b, n) _assert_memory_equal((a), (b), (size_t)(n), __FILE__, __LINE__)
#define assert_in_range(v, lo, hi)                                                                                     \
    _assert_in_range((uintmax_t)(v), (uintmax_t)(lo), (uintmax_t)(hi), __FILE__, __LINE__)

#endif
