/* SPDX-License-Identifier: MIT */
/*
 * Status codes: every code has its own static, non-empty description; values the library does not know
 * get "unknown status", never NULL. Also the version macros agree with the run-time version functions.
 */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

static const nnb_status k_all_codes[] = {
    NNB_OK,          NNB_ERR_NULL,  NNB_ERR_ARGUMENT,    NNB_ERR_SHAPE, NNB_ERR_OVERFLOW,
    NNB_ERR_NOMEM,   NNB_ERR_RANGE, NNB_ERR_NONFINITE,   NNB_ERR_IO,    NNB_ERR_FORMAT,
    NNB_ERR_VERSION, NNB_ERR_STATE, NNB_ERR_UNSUPPORTED, NNB_ERR_LIMIT,
};
#define N_CODES (sizeof k_all_codes / sizeof k_all_codes[0])

static void test_status_codes_have_documented_values(void **state)
{
    (void)state;
    /* Enum values are append-only: they are part of the ABI. */
    for (size_t i = 0; i < N_CODES; ++i) {
        assert_int_equal((int)k_all_codes[i], (int)i);
    }
}

static void test_status_string_is_nonempty_for_every_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CODES; ++i) {
        const char *s = nnb_status_string(k_all_codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0);
        assert_string_not_equal(s, "unknown status");
    }
}

static void test_status_strings_are_distinct(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_CODES; ++i) {
        for (size_t j = i + 1; j < N_CODES; ++j) {
            assert_string_not_equal(nnb_status_string(k_all_codes[i]), nnb_status_string(k_all_codes[j]));
        }
    }
}

static void test_status_string_is_static_and_stable(void **state)
{
    (void)state;
    /* The same pointer comes back for the same code: a static string, not a per-call buffer. */
    for (size_t i = 0; i < N_CODES; ++i) {
        assert_ptr_equal(nnb_status_string(k_all_codes[i]), nnb_status_string(k_all_codes[i]));
    }
}

static void test_status_string_names_out_of_memory(void **state)
{
    (void)state;
    /* The example the header gives. */
    assert_string_equal(nnb_status_string(NNB_ERR_NOMEM), "out of memory");
}

static void test_status_string_unknown_values_are_never_null(void **state)
{
    (void)state;
    const int unknown[] = {14, 99, 1000, -1, -2147483647 - 1, 2147483647};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
        const char *s = nnb_status_string((nnb_status)unknown[i]);
        assert_non_null(s);
        assert_string_equal(s, "unknown status");
    }
}

static void test_version_runtime_matches_macros(void **state)
{
    (void)state;
    assert_string_equal(nnb_version_string(), NNB_VERSION_STRING);
    assert_int_equal(nnb_version_number(), (unsigned)NNB_VERSION_NUMBER);
    assert_int_equal(NNB_VERSION_NUMBER, NNB_VERSION_MAJOR * 10000 + NNB_VERSION_MINOR * 100 + NNB_VERSION_PATCH);
    char expected[64];
    snprintf(expected, sizeof expected, "%d.%d.%d", NNB_VERSION_MAJOR, NNB_VERSION_MINOR, NNB_VERSION_PATCH);
    assert_string_equal(nnb_version_string(), expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_codes_have_documented_values),
        cmocka_unit_test(test_status_string_is_nonempty_for_every_code),
        cmocka_unit_test(test_status_strings_are_distinct),
        cmocka_unit_test(test_status_string_is_static_and_stable),
        cmocka_unit_test(test_status_string_names_out_of_memory),
        cmocka_unit_test(test_status_string_unknown_values_are_never_null),
        cmocka_unit_test(test_version_runtime_matches_macros),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
