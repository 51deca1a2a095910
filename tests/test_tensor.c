/* SPDX-License-Identifier: MIT */
/*
 * The tensor: construction (owned, copied, wrapped), ownership rules, element access, whole-tensor
 * operations, capacity-aware resizing, size overflow, argmax and finiteness checks, allocation failures
 * for every constructor, and NumPy-compatible text output.
 *
 * Expected printed texts come from tests/reference/numpy_print_reference.py (numpy's default print
 * options on np.array(values, dtype=np.float32)); each literal below names its case.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_sentinel_storage;
#define SENTINEL ((nnb_tensor *)(void *)&g_sentinel_storage)

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* ---- construction --------------------------------------------------------------------------------- */

static void test_tensor_create_is_zero_filled_with_shape(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 3, 5));
    assert_non_null(t);
    assert_int_equal(nnb_tensor_rows(t), 3);
    assert_int_equal(nnb_tensor_cols(t), 5);
    assert_int_equal(nnb_tensor_size(t), 15);
    const float *d = nnb_tensor_cdata(t);
    assert_non_null(d);
    assert_ptr_equal(d, nnb_tensor_data(t));
    for (size_t i = 0; i < 15; ++i) {
        /* +0.0 exactly: all bits zero. */
        assert_int_equal(float_bits(d[i]), 0u);
    }
    nnb_tensor_destroy(t);
}

static void test_tensor_owned_data_is_64_byte_aligned(void **state)
{
    (void)state;
    for (size_t n = 1; n <= 9; ++n) {
        nnb_tensor *t = NULL;
        assert_ok(nnb_tensor_create(&t, n, n + 1));
        assert_int_equal((uintptr_t)nnb_tensor_data(t) % 64u, 0u);
        nnb_tensor_destroy(t);
    }
}

static void test_tensor_create_rejects_null_and_zero_dims(void **state)
{
    (void)state;
    nnb_tensor *t = SENTINEL;
    assert_status(nnb_tensor_create(NULL, 2, 2), NNB_ERR_NULL);
    assert_status(nnb_tensor_create(&t, 0, 3), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_create(&t, 3, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_create(&t, 0, 0), NNB_ERR_ARGUMENT);
    assert_ptr_equal(t, SENTINEL);
}

static void test_tensor_create_detects_size_overflow(void **state)
{
    (void)state;
    nnb_tensor *t = SENTINEL;
    /* (SIZE_MAX / 2) * 3 does not fit in size_t. */
    assert_status(nnb_tensor_create(&t, SIZE_MAX / 2, 3), NNB_ERR_OVERFLOW);
    assert_status(nnb_tensor_create(&t, 3, SIZE_MAX / 2), NNB_ERR_OVERFLOW);
    /* The element count fits but the byte count (count * 4) does not. */
    assert_status(nnb_tensor_create(&t, SIZE_MAX / 4 + 1, 1), NNB_ERR_OVERFLOW);
    float buf[1] = {0.0f};
    assert_status(nnb_tensor_wrap(&t, SIZE_MAX / 2, 3, buf), NNB_ERR_OVERFLOW);
    assert_status(nnb_tensor_create_from(&t, SIZE_MAX / 2, 3, buf), NNB_ERR_OVERFLOW);
    assert_ptr_equal(t, SENTINEL);
}

static void test_tensor_create_from_copies_values(void **state)
{
    (void)state;
    float src[6] = {1.0f, -2.0f, 3.5f, 0.25f, -0.0f, 6.0f};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 3, src));
    assert_ptr_not_equal(nnb_tensor_cdata(t), src);
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(float_bits(nnb_tensor_cdata(t)[i]), float_bits(src[i]));
    }
    /* Row-major: element (1, 0) is src[3]. */
    float v = 0.0f;
    assert_ok(nnb_tensor_get(t, 1, 0, &v));
    assert_true(v == 0.25f);
    /* A copy: changing the source later does not change the tensor. */
    src[0] = 100.0f;
    assert_true(nnb_tensor_cdata(t)[0] == 1.0f);
    nnb_tensor_destroy(t);
}

static void test_tensor_create_from_rejects_null_values(void **state)
{
    (void)state;
    nnb_tensor *t = SENTINEL;
    float one = 1.0f;
    assert_status(nnb_tensor_create_from(&t, 1, 1, NULL), NNB_ERR_NULL);
    assert_status(nnb_tensor_create_from(NULL, 1, 1, &one), NNB_ERR_NULL);
    assert_status(nnb_tensor_create_from(&t, 0, 1, &one), NNB_ERR_ARGUMENT);
    assert_ptr_equal(t, SENTINEL);
}

static void test_tensor_wrap_writes_through_and_destroy_keeps_buffer(void **state)
{
    (void)state;
    float buf[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    nnb_tensor *v = NULL;
    assert_ok(nnb_tensor_wrap(&v, 3, 2, buf));
    assert_ptr_equal(nnb_tensor_data(v), buf);
    assert_int_equal(nnb_tensor_rows(v), 3);
    assert_int_equal(nnb_tensor_cols(v), 2);
    /* Element (2, 1) is buf[5]. */
    assert_ok(nnb_tensor_set(v, 2, 1, -7.5f));
    assert_true(buf[5] == -7.5f);
    /* Writes to the buffer are seen by the view. */
    buf[0] = 9.0f;
    float x = 0.0f;
    assert_ok(nnb_tensor_get(v, 0, 0, &x));
    assert_true(x == 9.0f);
    assert_ok(nnb_tensor_fill(v, 0.5f));
    /* Destroying the view frees only the view (a stack buffer passed to free would crash / be reported). */
    nnb_tensor_destroy(v);
    for (size_t i = 0; i < 6; ++i) {
        assert_true(buf[i] == 0.5f);
    }
}

static void test_tensor_wrap_rejects_bad_arguments(void **state)
{
    (void)state;
    float buf[4] = {0};
    nnb_tensor *v = SENTINEL;
    assert_status(nnb_tensor_wrap(NULL, 2, 2, buf), NNB_ERR_NULL);
    assert_status(nnb_tensor_wrap(&v, 2, 2, NULL), NNB_ERR_NULL);
    assert_status(nnb_tensor_wrap(&v, 0, 2, buf), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_wrap(&v, 2, 0, buf), NNB_ERR_ARGUMENT);
    assert_ptr_equal(v, SENTINEL);
}

static void test_tensor_rewrap_points_view_at_new_buffer(void **state)
{
    (void)state;
    float a[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    float b[6] = {10.0f, 20.0f, 30.0f, 40.0f, 50.0f, 60.0f};
    nnb_tensor *v = NULL;
    assert_ok(nnb_tensor_wrap(&v, 2, 2, a));
    size_t count = nnb_test_alloc_count();
    assert_ok(nnb_tensor_rewrap(v, 2, 3, b));
    /* No allocation. */
    assert_int_equal(nnb_test_alloc_count(), count);
    assert_ptr_equal(nnb_tensor_data(v), b);
    assert_int_equal(nnb_tensor_rows(v), 2);
    assert_int_equal(nnb_tensor_cols(v), 3);
    float x = 0.0f;
    assert_ok(nnb_tensor_get(v, 1, 2, &x));
    assert_true(x == 60.0f);
    /* Failures leave the view as it was. */
    assert_status(nnb_tensor_rewrap(v, 0, 3, a), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_rewrap(v, 2, 2, NULL), NNB_ERR_NULL);
    assert_status(nnb_tensor_rewrap(NULL, 2, 2, a), NNB_ERR_NULL);
    assert_status(nnb_tensor_rewrap(v, SIZE_MAX / 2, 3, a), NNB_ERR_OVERFLOW);
    assert_ptr_equal(nnb_tensor_data(v), b);
    assert_int_equal(nnb_tensor_rows(v), 2);
    assert_int_equal(nnb_tensor_cols(v), 3);
    nnb_tensor_destroy(v);
    /* Neither buffer was touched by the destroy. */
    assert_true(a[3] == 4.0f && b[5] == 60.0f);
}

static void test_tensor_rewrap_refuses_owned_tensor(void **state)
{
    (void)state;
    float b[4] = {0};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 2));
    float *before = nnb_tensor_data(t);
    assert_status(nnb_tensor_rewrap(t, 2, 2, b), NNB_ERR_STATE);
    assert_ptr_equal(nnb_tensor_data(t), before);
    nnb_tensor_destroy(t);
}

static void test_tensor_clone_is_independent(void **state)
{
    (void)state;
    const float src[6] = {1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f};
    nnb_tensor *a = NULL, *b = NULL;
    assert_ok(nnb_tensor_create_from(&a, 3, 2, src));
    assert_ok(nnb_tensor_clone(&b, a));
    assert_int_equal(nnb_tensor_rows(b), 3);
    assert_int_equal(nnb_tensor_cols(b), 2);
    assert_ptr_not_equal(nnb_tensor_cdata(a), nnb_tensor_cdata(b));
    assert_memory_equal(nnb_tensor_cdata(b), src, sizeof src);
    assert_ok(nnb_tensor_set(a, 0, 0, -1.0f));
    assert_ok(nnb_tensor_set(b, 2, 1, -6.0f));
    assert_true(nnb_tensor_cdata(b)[0] == 1.0f);
    assert_true(nnb_tensor_cdata(a)[5] == 6.0f);
    nnb_tensor_destroy(a);
    /* The clone survives its source. */
    assert_true(nnb_tensor_cdata(b)[1] == 2.0f);
    nnb_tensor_destroy(b);
}

static void test_tensor_clone_of_view_owns_its_data(void **state)
{
    (void)state;
    float buf[4] = {1.0f, 2.0f, 3.0f, 4.0f};
    nnb_tensor *v = NULL, *c = NULL;
    assert_ok(nnb_tensor_wrap(&v, 2, 2, buf));
    assert_ok(nnb_tensor_clone(&c, v));
    nnb_tensor_destroy(v);
    buf[0] = 0.0f;
    assert_true(nnb_tensor_cdata(c)[0] == 1.0f);
    /* An owned tensor can grow (a view could not). */
    assert_ok(nnb_tensor_resize(c, 4, 4));
    nnb_tensor_destroy(c);
}

static void test_tensor_clone_rejects_null(void **state)
{
    (void)state;
    nnb_tensor *t = SENTINEL;
    assert_status(nnb_tensor_clone(&t, NULL), NNB_ERR_NULL);
    assert_ptr_equal(t, SENTINEL);
    nnb_tensor *a = NULL;
    assert_ok(nnb_tensor_create(&a, 1, 1));
    assert_status(nnb_tensor_clone(NULL, a), NNB_ERR_NULL);
    nnb_tensor_destroy(a);
}

static void test_tensor_destroy_null_is_noop(void **state)
{
    (void)state;
    nnb_tensor_destroy(NULL);
    assert_int_equal(nnb_test_live_blocks(), 0);
}

static void test_tensor_accessors_of_null(void **state)
{
    (void)state;
    assert_int_equal(nnb_tensor_rows(NULL), 0);
    assert_int_equal(nnb_tensor_cols(NULL), 0);
    assert_int_equal(nnb_tensor_size(NULL), 0);
    assert_null(nnb_tensor_data(NULL));
    assert_null(nnb_tensor_cdata(NULL));
}

/* ---- element access and whole-tensor operations ------------------------------------------------ */

static void test_tensor_get_set_range_errors(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 3));
    assert_ok(nnb_tensor_set(t, 1, 2, 4.25f));
    assert_true(nnb_tensor_cdata(t)[1 * 3 + 2] == 4.25f);
    float v = -99.0f;
    assert_status(nnb_tensor_get(t, 2, 0, &v), NNB_ERR_RANGE);
    assert_status(nnb_tensor_get(t, 0, 3, &v), NNB_ERR_RANGE);
    assert_status(nnb_tensor_get(t, SIZE_MAX, SIZE_MAX, &v), NNB_ERR_RANGE);
    assert_true(v == -99.0f);
    assert_status(nnb_tensor_get(t, 0, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_tensor_get(NULL, 0, 0, &v), NNB_ERR_NULL);
    assert_status(nnb_tensor_set(t, 2, 0, 1.0f), NNB_ERR_RANGE);
    assert_status(nnb_tensor_set(t, 0, 3, 1.0f), NNB_ERR_RANGE);
    assert_status(nnb_tensor_set(NULL, 0, 0, 1.0f), NNB_ERR_NULL);
    /* Only the one element set above is non-zero. */
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(t)[i] == (i == 5 ? 4.25f : 0.0f));
    }
    assert_ok(nnb_tensor_get(t, 1, 2, &v));
    assert_true(v == 4.25f);
    nnb_tensor_destroy(t);
}

static void test_tensor_fill_and_zero(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 4, 3));
    assert_ok(nnb_tensor_fill(t, -2.5f));
    for (size_t i = 0; i < 12; ++i) {
        assert_true(nnb_tensor_cdata(t)[i] == -2.5f);
    }
    assert_ok(nnb_tensor_zero(t));
    for (size_t i = 0; i < 12; ++i) {
        assert_int_equal(float_bits(nnb_tensor_cdata(t)[i]), 0u);
    }
    assert_status(nnb_tensor_fill(NULL, 1.0f), NNB_ERR_NULL);
    assert_status(nnb_tensor_zero(NULL), NNB_ERR_NULL);
    nnb_tensor_destroy(t);
}

static void test_tensor_copy_requires_same_shape(void **state)
{
    (void)state;
    const float six[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *a = NULL, *b = NULL, *c = NULL;
    assert_ok(nnb_tensor_create_from(&a, 2, 3, six));
    assert_ok(nnb_tensor_create(&b, 2, 3));
    assert_ok(nnb_tensor_create(&c, 3, 2)); /* same size, other shape */
    assert_ok(nnb_tensor_fill(c, 7.0f));
    assert_ok(nnb_tensor_copy(b, a));
    assert_memory_equal(nnb_tensor_cdata(b), six, sizeof six);
    assert_status(nnb_tensor_copy(c, a), NNB_ERR_SHAPE);
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(c)[i] == 7.0f);
    }
    assert_status(nnb_tensor_copy(NULL, a), NNB_ERR_NULL);
    assert_status(nnb_tensor_copy(b, NULL), NNB_ERR_NULL);
    /* Copy onto itself is a no-op that succeeds. */
    assert_ok(nnb_tensor_copy(a, a));
    assert_memory_equal(nnb_tensor_cdata(a), six, sizeof six);
    nnb_tensor_destroy(a);
    nnb_tensor_destroy(b);
    nnb_tensor_destroy(c);
}

static void test_tensor_load_requires_matching_count(void **state)
{
    (void)state;
    const float values[7] = {1, 2, 3, 4, 5, 6, 7};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 3));
    assert_status(nnb_tensor_load(t, values, 5), NNB_ERR_SHAPE);
    assert_status(nnb_tensor_load(t, values, 7), NNB_ERR_SHAPE);
    assert_status(nnb_tensor_load(t, NULL, 6), NNB_ERR_NULL);
    assert_status(nnb_tensor_load(NULL, values, 6), NNB_ERR_NULL);
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(t)[i] == 0.0f);
    }
    assert_ok(nnb_tensor_load(t, values, 6));
    assert_memory_equal(nnb_tensor_cdata(t), values, 6 * sizeof(float));
    /* The shape is kept. */
    assert_int_equal(nnb_tensor_rows(t), 2);
    assert_int_equal(nnb_tensor_cols(t), 3);
    nnb_tensor_destroy(t);
}

static void test_tensor_add_row_adds_to_every_row(void **state)
{
    (void)state;
    const float x[6] = {1.0f, 2.0f, 3.0f, -1.0f, -2.0f, -3.0f};
    const float bias[3] = {0.5f, -0.25f, 10.0f};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 3, x));
    assert_ok(nnb_tensor_add_row(t, bias, 3));
    /* Hand-computed: 1+0.5, 2-0.25, 3+10 / -1+0.5, -2-0.25, -3+10 (all exact in float32). */
    const float expected[6] = {1.5f, 1.75f, 13.0f, -0.5f, -2.25f, 7.0f};
    assert_memory_equal(nnb_tensor_cdata(t), expected, sizeof expected);
    assert_status(nnb_tensor_add_row(t, bias, 2), NNB_ERR_SHAPE);
    assert_status(nnb_tensor_add_row(t, NULL, 3), NNB_ERR_NULL);
    assert_status(nnb_tensor_add_row(NULL, bias, 3), NNB_ERR_NULL);
    assert_memory_equal(nnb_tensor_cdata(t), expected, sizeof expected);
    nnb_tensor_destroy(t);
}

static void test_tensor_add_row_refuses_its_own_rows(void **state)
{
    (void)state;
    const float v[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 3, v));
    /* Adding row 0 to itself first would change what is then added to row 1. */
    assert_status(nnb_tensor_add_row(t, nnb_tensor_cdata(t), 3), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_add_row(t, nnb_tensor_cdata(t) + 3, 3), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_add_row(t, nnb_tensor_cdata(t) + 2, 3), NNB_ERR_ARGUMENT);
    assert_memory_equal(nnb_tensor_cdata(t), v, sizeof v);
    /* A copy of the row is fine: [[2, 4, 6], [5, 7, 9]]. */
    float row[3];
    memcpy(row, nnb_tensor_cdata(t), sizeof row);
    assert_ok(nnb_tensor_add_row(t, row, 3));
    const float want[6] = {2, 4, 6, 5, 7, 9};
    assert_memory_equal(nnb_tensor_cdata(t), want, sizeof want);
    nnb_tensor_destroy(t);
}

static void test_tensor_add_row_rounds_in_float32(void **state)
{
    (void)state;
    /* 1 + 2^-24 is a tie between 1 and 1 + 2^-23 in float32 and rounds to even (1); in double it would not. */
    const float x[1] = {1.0f};
    const float b[1] = {0x1p-24f};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 1, 1, x));
    assert_ok(nnb_tensor_add_row(t, b, 1));
    assert_true(nnb_tensor_cdata(t)[0] == 1.0f);
    nnb_tensor_destroy(t);
}

/* ---- resize ----------------------------------------------------------------------------------------- */

static void test_tensor_resize_within_capacity_keeps_pointer(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 4, 4));
    float *data = nnb_tensor_data(t);
    size_t count = nnb_test_alloc_count();
    assert_ok(nnb_tensor_resize(t, 2, 3));
    assert_int_equal(nnb_tensor_rows(t), 2);
    assert_int_equal(nnb_tensor_cols(t), 3);
    assert_int_equal(nnb_tensor_size(t), 6);
    assert_ptr_equal(nnb_tensor_data(t), data);
    /* Back up to the capacity remembered from creation: still no allocation. */
    assert_ok(nnb_tensor_resize(t, 16, 1));
    assert_ok(nnb_tensor_resize(t, 4, 4));
    assert_ptr_equal(nnb_tensor_data(t), data);
    assert_int_equal(nnb_test_alloc_count(), count);
    nnb_tensor_destroy(t);
}

static void test_tensor_resize_grow_reallocates(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 2));
    size_t count = nnb_test_alloc_count();
    assert_ok(nnb_tensor_resize(t, 10, 7));
    assert_int_equal(nnb_tensor_rows(t), 10);
    assert_int_equal(nnb_tensor_cols(t), 7);
    assert_true(nnb_test_alloc_count() > count);
    assert_int_equal((uintptr_t)nnb_tensor_data(t) % 64u, 0u);
    /* The whole new extent is writable. */
    assert_ok(nnb_tensor_fill(t, 3.0f));
    assert_ok(nnb_tensor_set(t, 9, 6, 4.0f));
    /* The grown capacity is remembered. */
    float *data = nnb_tensor_data(t);
    count = nnb_test_alloc_count();
    assert_ok(nnb_tensor_resize(t, 1, 1));
    assert_ok(nnb_tensor_resize(t, 7, 10));
    assert_ptr_equal(nnb_tensor_data(t), data);
    assert_int_equal(nnb_test_alloc_count(), count);
    nnb_tensor_destroy(t);
}

static void test_tensor_resize_view_cannot_grow(void **state)
{
    (void)state;
    float buf[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *v = NULL;
    assert_ok(nnb_tensor_wrap(&v, 2, 3, buf));
    assert_status(nnb_tensor_resize(v, 3, 3), NNB_ERR_SHAPE);
    assert_int_equal(nnb_tensor_rows(v), 2);
    assert_int_equal(nnb_tensor_cols(v), 3);
    assert_ptr_equal(nnb_tensor_data(v), buf);
    /* Shrinking (and reshaping within the buffer) is allowed. */
    assert_ok(nnb_tensor_resize(v, 3, 2));
    assert_ptr_equal(nnb_tensor_data(v), buf);
    float x = 0.0f;
    assert_ok(nnb_tensor_get(v, 2, 1, &x));
    assert_true(x == 6.0f);
    assert_ok(nnb_tensor_resize(v, 1, 1));
    assert_status(nnb_tensor_resize(v, 1, 7), NNB_ERR_SHAPE);
    nnb_tensor_destroy(v);
}

static void test_tensor_resize_rejects_bad_sizes_and_keeps_shape(void **state)
{
    (void)state;
    const float vals[4] = {1, 2, 3, 4};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 2, vals));
    assert_status(nnb_tensor_resize(t, 0, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_resize(t, 2, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_resize(t, SIZE_MAX / 2, 3), NNB_ERR_OVERFLOW);
    assert_status(nnb_tensor_resize(NULL, 2, 2), NNB_ERR_NULL);
    assert_int_equal(nnb_tensor_rows(t), 2);
    assert_int_equal(nnb_tensor_cols(t), 2);
    assert_memory_equal(nnb_tensor_cdata(t), vals, sizeof vals);
    nnb_tensor_destroy(t);
}

/* ---- argmax and finiteness ------------------------------------------------------------------------ */

static void test_tensor_argmax_ties_go_to_lowest_index(void **state)
{
    (void)state;
    const float x[12] = {
        1.0f,  1.0f,  1.0f,  /* all equal -> 0 */
        0.0f,  2.0f,  2.0f,  /* tie between 1 and 2 -> 1 */
        -1.0f, -3.0f, -0.5f, /* unique max -> 2 */
        0.25f, 0.0f,  0.25f, /* tie between 0 and 2 -> 0 */
    };
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 4, 3, x));
    uint32_t out[4] = {9, 9, 9, 9};
    assert_ok(nnb_tensor_argmax_rows(t, out, 4));
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 2);
    assert_int_equal(out[3], 0);
    nnb_tensor_destroy(t);
}

static void test_tensor_argmax_never_picks_nan(void **state)
{
    (void)state;
    const float x[12] = {
        NAN,  1.0f,  2.0f, /* leading NaN skipped -> 2 */
        3.0f, NAN,   1.0f, /* NaN in the middle -> 0 */
        NAN,  NAN,   NAN,  /* all NaN -> 0 */
        NAN,  -5.0f, NAN,  /* only one number -> 1 */
    };
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 4, 3, x));
    uint32_t out[4] = {9, 9, 9, 9};
    assert_ok(nnb_tensor_argmax_rows(t, out, 4));
    assert_int_equal(out[0], 2);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    assert_int_equal(out[3], 1);
    nnb_tensor_destroy(t);
}

static void test_tensor_argmax_rejects_count_mismatch(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 3, 2));
    uint32_t out[4] = {7, 7, 7, 7};
    assert_status(nnb_tensor_argmax_rows(t, out, 2), NNB_ERR_SHAPE);
    assert_status(nnb_tensor_argmax_rows(t, out, 4), NNB_ERR_SHAPE);
    assert_status(nnb_tensor_argmax_rows(t, NULL, 3), NNB_ERR_NULL);
    assert_status(nnb_tensor_argmax_rows(NULL, out, 3), NNB_ERR_NULL);
    for (size_t i = 0; i < 4; ++i) {
        assert_int_equal(out[i], 7);
    }
    nnb_tensor_destroy(t);
}

static void test_tensor_check_finite_reports_first_bad_index(void **state)
{
    (void)state;
    float x[6] = {1.0f, -2.0f, 3.0e38f, -3.0e38f, 0.0f, -0.0f};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_wrap(&t, 2, 3, x));
    size_t bad = 12345;
    assert_ok(nnb_tensor_check_finite(t, &bad));
    assert_int_equal(bad, 12345); /* untouched on success */
    assert_ok(nnb_tensor_check_finite(t, NULL));

    x[4] = NAN;
    assert_status(nnb_tensor_check_finite(t, &bad), NNB_ERR_NONFINITE);
    assert_int_equal(bad, 4);
    x[1] = INFINITY;
    assert_status(nnb_tensor_check_finite(t, &bad), NNB_ERR_NONFINITE);
    assert_int_equal(bad, 1);
    x[0] = -INFINITY;
    assert_status(nnb_tensor_check_finite(t, NULL), NNB_ERR_NONFINITE);
    assert_status(nnb_tensor_check_finite(t, &bad), NNB_ERR_NONFINITE);
    assert_int_equal(bad, 0);
    assert_status(nnb_tensor_check_finite(NULL, &bad), NNB_ERR_NULL);
    nnb_tensor_destroy(t);
}

/* ---- allocation failures -------------------------------------------------------------------------- */

/* Runs `call` with the k-th allocation failing for k = 1, 2, ... until it succeeds. Each failure must be
 * NNB_ERR_NOMEM with no block left behind. Returns the number of failures seen. */
#define OOM_SWEEP(failures, call, on_failure)                                                                          \
    do {                                                                                                               \
        (failures) = 0;                                                                                                \
        for (size_t k_ = 1; k_ < 64; ++k_) {                                                                           \
            size_t live_ = nnb_test_live_blocks();                                                                     \
            nnb_test_fail_allocation(k_);                                                                              \
            nnb_status st_ = (call);                                                                                   \
            nnb_test_fail_allocation(0);                                                                               \
            if (st_ == NNB_OK) {                                                                                       \
                break;                                                                                                 \
            }                                                                                                          \
            assert_status(st_, NNB_ERR_NOMEM);                                                                         \
            assert_int_equal(nnb_test_live_blocks(), live_);                                                           \
            on_failure;                                                                                                \
            ++(failures);                                                                                              \
        }                                                                                                              \
    } while (0)

static void test_tensor_create_oom_sweep(void **state)
{
    (void)state;
    nnb_tensor *t = SENTINEL;
    size_t failures;
    OOM_SWEEP(failures, nnb_tensor_create(&t, 5, 7), assert_ptr_equal(t, SENTINEL));
    assert_true(failures >= 1);
    assert_ptr_not_equal(t, SENTINEL);
    assert_int_equal(nnb_tensor_size(t), 35);
    nnb_tensor_destroy(t);
}

static void test_tensor_create_from_oom_sweep(void **state)
{
    (void)state;
    const float v[4] = {1, 2, 3, 4};
    nnb_tensor *t = SENTINEL;
    size_t failures;
    OOM_SWEEP(failures, nnb_tensor_create_from(&t, 2, 2, v), assert_ptr_equal(t, SENTINEL));
    assert_true(failures >= 1);
    assert_memory_equal(nnb_tensor_cdata(t), v, sizeof v);
    nnb_tensor_destroy(t);
}

static void test_tensor_wrap_oom_sweep(void **state)
{
    (void)state;
    float v[4] = {1, 2, 3, 4};
    nnb_tensor *t = SENTINEL;
    size_t failures;
    OOM_SWEEP(failures, nnb_tensor_wrap(&t, 2, 2, v), assert_ptr_equal(t, SENTINEL));
    assert_true(failures >= 1);
    assert_ptr_equal(nnb_tensor_data(t), v);
    nnb_tensor_destroy(t);
}

static void test_tensor_clone_oom_sweep(void **state)
{
    (void)state;
    const float v[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *src = NULL;
    assert_ok(nnb_tensor_create_from(&src, 3, 2, v));
    nnb_tensor *t = SENTINEL;
    size_t failures;
    OOM_SWEEP(failures, nnb_tensor_clone(&t, src), assert_ptr_equal(t, SENTINEL));
    assert_true(failures >= 1);
    assert_memory_equal(nnb_tensor_cdata(t), v, sizeof v);
    nnb_tensor_destroy(t);
    nnb_tensor_destroy(src);
}

static void test_tensor_resize_grow_oom_keeps_tensor(void **state)
{
    (void)state;
    const float v[4] = {1, 2, 3, 4};
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 2, v));
    float *data = nnb_tensor_data(t);
    size_t failures;
    OOM_SWEEP(failures, nnb_tensor_resize(t, 8, 8), {
        assert_int_equal(nnb_tensor_rows(t), 2);
        assert_int_equal(nnb_tensor_cols(t), 2);
        assert_ptr_equal(nnb_tensor_data(t), data);
        assert_memory_equal(nnb_tensor_cdata(t), v, sizeof v);
    });
    assert_true(failures >= 1);
    assert_int_equal(nnb_tensor_size(t), 64);
    nnb_tensor_destroy(t);
}

/* ---- text output ------------------------------------------------------------------------------------ */

/* Reads everything written to `f` into buf (NUL-terminated) and closes f. */
static void slurp(FILE *f, char *buf, size_t cap)
{
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void expect_print_floats(const float *values, size_t count, const char *expected)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_ok(nnb_print_floats(f, values, count));
    char buf[1024];
    slurp(f, buf, sizeof buf);
    assert_string_equal(buf, expected);
}

static void expect_tensor_print(size_t rows, size_t cols, const float *values, size_t max_rows, int as_vector,
                                const char *expected)
{
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, rows, cols, values));
    FILE *f = tmpfile();
    assert_non_null(f);
    nnb_status st = nnb_tensor_print(f, t, max_rows, as_vector);
    nnb_tensor_destroy(t);
    assert_ok(st);
    char buf[1024];
    slurp(f, buf, sizeof buf);
    assert_string_equal(buf, expected);
}

/* Python's repr of each value (python3 -c "print(repr(v))"). */
static void test_format_double_is_pythons_repr(void **state)
{
    (void)state;
    static const struct {
        double value;
        const char *text;
    } cases[] = {
        {4.8, "4.8"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e-5, "1e-05"},
        {1e16, "1e+16"},
        {123456789012345.6, "123456789012345.6"},
        {2.0, "2.0"},
        {-0.0, "-0.0"},
        {1.5e-7, "1.5e-07"},
        {1e22, "1e+22"},
        {5e-324, "5e-324"},
        {9999999999999998.0, "9999999999999998.0"},
        {0.0001, "0.0001"},
        {-2.5e-4, "-0.00025"},
        {0.35667494393873245, "0.35667494393873245"},
    };
    char buf[40];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_ok(nnb_format_double(buf, sizeof buf, cases[i].value));
        assert_string_equal(buf, cases[i].text);
    }
    assert_ok(nnb_format_double(buf, sizeof buf, (double)INFINITY));
    assert_string_equal(buf, "inf");
    assert_ok(nnb_format_double(buf, sizeof buf, (double)NAN));
    assert_string_equal(buf, "nan");
    strcpy(buf, "keep");
    assert_status(nnb_format_double(buf, 31, 1.0), NNB_ERR_ARGUMENT);
    assert_string_equal(buf, "keep");
    assert_status(nnb_format_double(NULL, 40, 1.0), NNB_ERR_NULL);
}

/* numpy's print of float64 arrays (python3 -c "import numpy as np; print(np.array([...]))"). */
static void test_print_doubles_like_numpy_float64(void **state)
{
    (void)state;
    const double losses[3] = {0.35667494393873245, 0.6931471805599453, 0.10536051565782628};
    const double rounded[2] = {0.1 + 0.2, 1.0 / 3.0};
    const double wide[3] = {1e-5, 1.0, 3.0};
    const double layer2[9] = {0.5031, -1.04185, -2.03875, 0.2434, -2.7332, -5.7633, -0.99314, 1.41254, -0.35655};
    const char *expected[4] = {"[0.35667494 0.69314718 0.10536052]\n", "[0.3        0.33333333]\n",
                               "[1.e-05 1.e+00 3.e+00]\n",
                               ("[[ 0.5031  -1.04185 -2.03875]\n [ 0.2434  -2.7332  -5.7633 ]\n"
                                " [-0.99314  1.41254 -0.35655]]\n")};
    for (int k = 0; k < 4; ++k) {
        FILE *f = tmpfile();
        assert_non_null(f);
        if (k == 0) {
            assert_ok(nnb_print_doubles(f, losses, 3));
        } else if (k == 1) {
            assert_ok(nnb_print_doubles(f, rounded, 2));
        } else if (k == 2) {
            assert_ok(nnb_print_doubles(f, wide, 3));
        } else {
            assert_ok(nnb_print_doubles_2d(f, layer2, 3, 3));
        }
        char buf[1024];
        slurp(f, buf, sizeof buf);
        assert_string_equal(buf, expected[k]);
    }
    assert_status(nnb_print_doubles(NULL, losses, 3), NNB_ERR_NULL);
    assert_status(nnb_print_doubles(stdout, NULL, 3), NNB_ERR_NULL);
    assert_status(nnb_print_doubles_2d(stdout, layer2, 0, 3), NNB_ERR_ARGUMENT);
    assert_status(nnb_print_doubles_2d(stdout, NULL, 3, 3), NNB_ERR_NULL);
}

static void test_format_float_gives_shortest_round_trip_text(void **state)
{
    (void)state;
    char buf[32];
    /* str(np.float32(v)) for each v (tests/reference/numpy_print_reference.py, "scalar" lines). */
    const struct {
        float value;
        const char *text;
    } cases[] = {
        {4.8f, "4.8"},     {1.0986104f, "1.0986104"}, {0.1f, "0.1"},    {-2.5f, "-2.5"},
        {1e-05f, "1e-05"}, {1e16f, "1e+16"},          {1e20f, "1e+20"}, {3.4028235e38f, "3.4028235e+38"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_ok(nnb_format_float(buf, sizeof buf, cases[i].value));
        assert_string_equal(buf, cases[i].text);
    }
}

static void test_format_float_whole_numbers_and_small_values_like_numpy(void **state)
{
    (void)state;
    /* str(np.float32(v)) (tests/reference/numpy_print_reference.py, "scalar" lines). */
    const struct {
        float value;
        const char *text;
    } cases[] = {
        {1.0f, "1.0"}, {100.0f, "100.0"}, {4800.0f, "4800.0"}, {123456.0f, "123456.0"}, {0.0001f, "1e-04"},
    };
    char buf[32];
    int mismatches = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_ok(nnb_format_float(buf, sizeof buf, cases[i].value));
        if (strcmp(buf, cases[i].text) != 0) {
            print_message("nnb_format_float(%.9g) gave \"%s\", numpy prints \"%s\"\n", (double)cases[i].value, buf,
                          cases[i].text);
            ++mismatches;
        }
    }
    if (mismatches > 0) {
        fail_msg("printing differs from numpy (see above)");
    }
}

static void test_format_float_special_values_and_bad_buffer(void **state)
{
    (void)state;
    char buf[32];
    assert_ok(nnb_format_float(buf, sizeof buf, NAN));
    assert_string_equal(buf, "nan");
    assert_ok(nnb_format_float(buf, sizeof buf, INFINITY));
    assert_string_equal(buf, "inf");
    assert_ok(nnb_format_float(buf, sizeof buf, -INFINITY));
    assert_string_equal(buf, "-inf");
    /* Zeros keep their sign, as numpy prints them (np.float32(-0.0) -> -0.0). */
    assert_ok(nnb_format_float(buf, sizeof buf, 0.0f));
    assert_string_equal(buf, "0.0");
    assert_ok(nnb_format_float(buf, sizeof buf, -0.0f));
    assert_string_equal(buf, "-0.0");
    char small[31];
    memset(small, 'x', sizeof small);
    assert_status(nnb_format_float(small, sizeof small, 1.0f), NNB_ERR_ARGUMENT);
    assert_status(nnb_format_float(NULL, 32, 1.0f), NNB_ERR_NULL);
}

static void test_format_float_round_trips_every_sampled_value(void **state)
{
    (void)state;
    /* Property: whatever the text, it reads back as the same float32 and is never longer than needed
     * (at most 9 significant digits). Sampled over many binades, both signs. */
    char buf[32];
    uint32_t bits = 0x00000001u;
    for (int i = 0; i < 4000; ++i) {
        bits = bits * 1664525u + 1013904223u;
        float x;
        uint32_t b = bits & 0x7f7fffffu; /* finite */
        memcpy(&x, &b, sizeof x);
        if (i % 2) {
            x = -x;
        }
        assert_ok(nnb_format_float(buf, sizeof buf, x));
        char *end = NULL;
        float back = strtof(buf, &end);
        assert_true(*end == '\0');
        assert_int_equal(float_bits(back), float_bits(x));
    }
}

static void test_print_floats_lesson2_outputs_like_numpy(void **state)
{
    (void)state;
    const float v[3] = {4.8f, 1.21f, 2.385f};
    expect_print_floats(v, 3, "[4.8   1.21  2.385]\n"); /* case lesson2_vector */
}

static void test_print_floats_positional_cases_like_numpy(void **state)
{
    (void)state;
    const float tiny[2] = {0.0f, 0.00011395361f};
    expect_print_floats(tiny, 2, "[0.         0.00011395]\n"); /* case tiny_vector */
    const float zeros[3] = {0.0f, 0.0f, 0.0f};
    expect_print_floats(zeros, 3, "[0. 0. 0.]\n"); /* case zeros_vector */
    const float ints[3] = {1.0f, -2.0f, 30.0f};
    expect_print_floats(ints, 3, "[ 1. -2. 30.]\n"); /* case integers_vector */
    const float mixed[3] = {-1.5f, 0.25f, 100.0f};
    expect_print_floats(mixed, 3, "[ -1.5    0.25 100.  ]\n"); /* case mixed_sign_vector */
    const float prec[2] = {0.1f, 1.0f / 3.0f};
    expect_print_floats(prec, 2, "[0.1        0.33333334]\n"); /* case precision_vector */
    const float eight[2] = {0.0012345678f, 0.5f};
    expect_print_floats(eight, 2, "[0.00123457 0.5       ]\n"); /* case eight_digit_vector */
}

static void test_print_floats_scientific_cases_like_numpy(void **state)
{
    (void)state;
    const float large[2] = {1e8f, 1.0f};
    expect_print_floats(large, 2, "[1.e+08 1.e+00]\n"); /* case large_vector */
    const float ratio[2] = {1000.5f, 0.5f};
    expect_print_floats(ratio, 2, "[1.0005e+03 5.0000e-01]\n"); /* case wide_ratio_vector */
    const float small[2] = {1e-5f, 1.0f};
    expect_print_floats(small, 2, "[1.e-05 1.e+00]\n"); /* case small_scientific_vector */
    const float neg[3] = {-2.5e-7f, 3.0f, 0.0f};
    expect_print_floats(neg, 3, "[-2.5e-07  3.0e+00  0.0e+00]\n"); /* case negative_scientific_vector */
}

static void test_print_floats_wraps_at_75_columns_like_numpy(void **state)
{
    (void)state;
    float v[20];
    for (size_t i = 0; i < 20; ++i) {
        v[i] = 1.5f;
    }
    /* case long_vector */
    expect_print_floats(v, 20,
                        "[1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5 1.5\n"
                        " 1.5 1.5]\n");
    for (size_t i = 0; i < 14; ++i) {
        v[i] = 12.25f;
    }
    /* case width_five_wrap_vector */
    expect_print_floats(v, 14,
                        "[12.25 12.25 12.25 12.25 12.25 12.25 12.25 12.25 12.25 12.25 12.25 12.25\n"
                        " 12.25 12.25]\n");
}

static void test_print_floats_nan_and_inf_like_numpy(void **state)
{
    (void)state;
    const float v[3] = {NAN, 1.0f, -INFINITY};
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_ok(nnb_print_floats(f, v, 3));
    char buf[256];
    slurp(f, buf, sizeof buf);
    const char *numpy_text = "[ nan   1. -inf]\n"; /* case special_vector */
    if (strcmp(buf, numpy_text) != 0) {
        print_message("nnb_print_floats gave \"%s\", numpy prints \"%s\"\n", buf, numpy_text);
        fail_msg("printing differs from numpy (see above)");
    }
}

static void test_print_floats_format_thresholds_like_numpy(void **state)
{
    (void)state;
    /* tests/reference/numpy_print_reference.py, one case per row (name in the comment). */
    static const struct {
        float v[2];
        size_t n;
        const char *text;
    } cases[] = {
        {{0.0001f, 1.0f}, 2, "[1.e-04 1.e+00]\n"},             /* threshold_1e-4_one_vector */
        {{-0.0f, 1.5f}, 2, "[-0.   1.5]\n"},                   /* negative_zero_vector */
        {{1e8f, 1e7f}, 2, "[1.e+08 1.e+07]\n"},                /* threshold_1e8_vector */
        {{0.001f, 1.0f}, 2, "[0.001 1.   ]\n"},                /* ratio_1000_vector */
        {{0.00099999f, 1.0f}, 2, "[9.9999e-04 1.0000e+00]\n"}, /* ratio_above_1000_vector */
        {{1.0f, 1000.0f}, 2, "[   1. 1000.]\n"},               /* ratio_exact_1000_vector */
        {{1.0f, 1000.1f}, 2, "[1.0000e+00 1.0001e+03]\n"},     /* ratio_1000_1_vector */
        {{123456789.0f, 0.0f}, 1, "[1.2345679e+08]\n"},        /* nine_digit_vector */
        {{1e-45f, 1.0f}, 2, "[1.e-45 1.e+00]\n"},              /* subnormal_vector */
        {{3.4028235e38f, 0.0f}, 1, "[3.4028235e+38]\n"},       /* float_max_vector */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        expect_print_floats(cases[i].v, cases[i].n, cases[i].text);
    }
}

static void test_print_floats_smallest_value_at_1e_4_like_numpy(void **state)
{
    (void)state;
    /* fl32(0.0001) = 9.99999974737875e-05 is below 1e-4, so numpy switches to scientific notation even
     * though the ratio 0.05 / 0.0001 = 500 alone would keep positional (case threshold_1e-4_vector). */
    const float v[2] = {0.0001f, 0.05f};
    expect_print_floats(v, 2, "[1.e-04 5.e-02]\n");
}

static void test_print_floats_empty_and_null(void **state)
{
    (void)state;
    expect_print_floats(NULL, 0, "[]\n");
    FILE *f = tmpfile();
    assert_non_null(f);
    const float one = 1.0f;
    assert_status(nnb_print_floats(f, NULL, 3), NNB_ERR_NULL);
    assert_status(nnb_print_floats(NULL, &one, 1), NNB_ERR_NULL);
    char buf[16];
    slurp(f, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static void test_tensor_print_matrices_like_numpy(void **state)
{
    (void)state;
    const float spiral_rows[4] = {0.0f, 0.0f, -1.0475188e-04f, 1.1395361e-04f};
    expect_tensor_print(2, 2, spiral_rows, 0, 0,
                        "[[ 0.          0.        ]\n"
                        " [-0.00010475  0.00011395]]\n"); /* case spiral_rows */
    const float layer1[9] = {4.8f, 1.21f, 2.385f, 8.9f, -1.81f, 0.2f, 1.41f, 1.051f, 0.026f};
    expect_tensor_print(3, 3, layer1, 0, 0,
                        "[[ 4.8    1.21   2.385]\n"
                        " [ 8.9   -1.81   0.2  ]\n"
                        " [ 1.41   1.051  0.026]]\n"); /* case lesson4_layer1 */
    const float head[8] = {0.0f, 0.0f, -1.0475188e-04f, 1.1395361e-04f, -2.7414842e-03f, 1.9876643e-03f, 0.5f, -0.9f};
    expect_tensor_print(4, 2, head, 0, 0,
                        "[[ 0.0000000e+00  0.0000000e+00]\n"
                        " [-1.0475188e-04  1.1395361e-04]\n"
                        " [-2.7414842e-03  1.9876643e-03]\n"
                        " [ 5.0000000e-01 -8.9999998e-01]]\n"); /* case spiral_head */
    const float soft[6] = {1.0f / 3.0f, 1.0f / 3.0f, 1.0f / 3.0f, 0.5f, 0.25f, 0.25f};
    expect_tensor_print(2, 3, soft, 0, 0,
                        "[[0.33333334 0.33333334 0.33333334]\n"
                        " [0.5        0.25       0.25      ]]\n"); /* case softmax_uniform */
}

static void test_print_wraps_long_rows_like_numpy(void **state)
{
    (void)state;
    float v[12];
    for (size_t i = 0; i < 12; ++i) {
        v[i] = (float)(1e-5 * (double)(i + 1));
    }
    /* case long_scientific_vector: np.array of the double values 1e-5 * (i + 1), rounded to float32 */
    expect_print_floats(v, 12,
                        "[1.0e-05 2.0e-05 3.0e-05 4.0e-05 5.0e-05 6.0e-05 7.0e-05 8.0e-05 9.0e-05\n"
                        " 1.0e-04 1.1e-04 1.2e-04]\n");
}

static void test_print_wrapped_matrix_rows_like_numpy(void **state)
{
    (void)state;
    float v[40];
    for (size_t i = 0; i < 40; ++i) {
        v[i] = i < 20 ? 1.5f : 2.25f;
    }
    /* case wide_matrix: continuation lines indented by two spaces, common width 4 ("1.5 " padded), and
     * numpy strips the padding at the end of a wrapped line. */
    const char *numpy_text = "[[1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5  1.5\n"
                             "  1.5  1.5  1.5  1.5  1.5  1.5 ]\n"
                             " [2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25 2.25\n"
                             "  2.25 2.25 2.25 2.25 2.25 2.25]]\n";
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 20, v));
    FILE *f = tmpfile();
    assert_non_null(f);
    nnb_status st = nnb_tensor_print(f, t, 0, 0);
    nnb_tensor_destroy(t);
    assert_ok(st);
    char buf[1024];
    slurp(f, buf, sizeof buf);
    if (strcmp(buf, numpy_text) != 0) {
        print_message("nnb_tensor_print gave \"%s\", numpy prints \"%s\"\n", buf, numpy_text);
        fail_msg("printing differs from numpy (see above)");
    }
}

static void test_tensor_print_vector_and_row_limit(void **state)
{
    (void)state;
    const float v[3] = {4.8f, 1.21f, 2.385f};
    /* A 1 x n tensor as a 1-D array, or as a 1 x n matrix (numpy's str of the 2-D array [[...]]). */
    expect_tensor_print(1, 3, v, 0, 1, "[4.8   1.21  2.385]\n");
    expect_tensor_print(1, 3, v, 0, 0, "[[4.8   1.21  2.385]]\n");
    /* max_rows: only the first rows, formatted among themselves (numpy's str(X[:2])). */
    const float layer1[9] = {4.8f, 1.21f, 2.385f, 8.9f, -1.81f, 0.2f, 1.41f, 1.051f, 0.026f};
    expect_tensor_print(3, 3, layer1, 1, 0, "[[4.8   1.21  2.385]]\n");
    expect_tensor_print(3, 3, layer1, 1, 1, "[4.8   1.21  2.385]\n");
    expect_tensor_print(3, 3, layer1, 99, 0,
                        "[[ 4.8    1.21   2.385]\n"
                        " [ 8.9   -1.81   0.2  ]\n"
                        " [ 1.41   1.051  0.026]]\n");
}

static void test_tensor_print_rejects_null(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 1, 1));
    assert_status(nnb_tensor_print(NULL, t, 0, 0), NNB_ERR_NULL);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_status(nnb_tensor_print(f, NULL, 0, 0), NNB_ERR_NULL);
    fclose(f);
    nnb_tensor_destroy(t);
}

static void test_tensor_print_reports_write_failure(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 2));
    /*
     * A stream opened read-only: every write fails. Opened by name: freopen(NULL, "rb", ...) of a read-write
     * stream keeps the descriptor writable under some C libraries (musl, hence Emscripten), and writes succeed.
     */
    FILE *ro = fopen("/dev/null", "r");
    if (ro == NULL) {
        nnb_tensor_destroy(t);
        skip();
    }
    assert_status(nnb_tensor_print(ro, t, 0, 0), NNB_ERR_IO);
    const float v[2] = {1.0f, 2.0f};
    assert_status(nnb_print_floats(ro, v, 2), NNB_ERR_IO);
    fclose(ro);
    nnb_tensor_destroy(t);
}

static void test_tensor_argument_checks_follow_documented_order(void **state)
{
    (void)state;
    /* status.h: NULL pointers first, then sizes (ARGUMENT / OVERFLOW), then shapes. */
    nnb_tensor *t = SENTINEL;
    assert_status(nnb_tensor_create(NULL, 0, 0), NNB_ERR_NULL);
    assert_status(nnb_tensor_create_from(&t, 0, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_tensor_wrap(&t, SIZE_MAX / 2, 3, NULL), NNB_ERR_NULL);
    assert_ptr_equal(t, SENTINEL);
    float buf[2] = {0};
    nnb_tensor *v = NULL;
    assert_ok(nnb_tensor_wrap(&v, 1, 2, buf));
    /* A zero size is an ARGUMENT error even where growing would also be a SHAPE error. */
    assert_status(nnb_tensor_resize(v, 0, 5), NNB_ERR_ARGUMENT);
    assert_status(nnb_tensor_load(v, NULL, 7), NNB_ERR_NULL);
    nnb_tensor_destroy(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensor_create_is_zero_filled_with_shape),
        cmocka_unit_test(test_tensor_owned_data_is_64_byte_aligned),
        cmocka_unit_test(test_tensor_create_rejects_null_and_zero_dims),
        cmocka_unit_test(test_tensor_create_detects_size_overflow),
        cmocka_unit_test(test_tensor_create_from_copies_values),
        cmocka_unit_test(test_tensor_create_from_rejects_null_values),
        cmocka_unit_test(test_tensor_wrap_writes_through_and_destroy_keeps_buffer),
        cmocka_unit_test(test_tensor_wrap_rejects_bad_arguments),
        cmocka_unit_test(test_tensor_rewrap_points_view_at_new_buffer),
        cmocka_unit_test(test_tensor_rewrap_refuses_owned_tensor),
        cmocka_unit_test(test_tensor_clone_is_independent),
        cmocka_unit_test(test_tensor_clone_of_view_owns_its_data),
        cmocka_unit_test(test_tensor_clone_rejects_null),
        cmocka_unit_test(test_tensor_destroy_null_is_noop),
        cmocka_unit_test(test_tensor_accessors_of_null),
        cmocka_unit_test(test_tensor_get_set_range_errors),
        cmocka_unit_test(test_tensor_fill_and_zero),
        cmocka_unit_test(test_tensor_copy_requires_same_shape),
        cmocka_unit_test(test_tensor_load_requires_matching_count),
        cmocka_unit_test(test_tensor_add_row_adds_to_every_row),
        cmocka_unit_test(test_tensor_add_row_rounds_in_float32),
        cmocka_unit_test(test_tensor_add_row_refuses_its_own_rows),
        cmocka_unit_test(test_tensor_resize_within_capacity_keeps_pointer),
        cmocka_unit_test(test_tensor_resize_grow_reallocates),
        cmocka_unit_test(test_tensor_resize_view_cannot_grow),
        cmocka_unit_test(test_tensor_resize_rejects_bad_sizes_and_keeps_shape),
        cmocka_unit_test(test_tensor_argument_checks_follow_documented_order),
        cmocka_unit_test(test_tensor_argmax_ties_go_to_lowest_index),
        cmocka_unit_test(test_tensor_argmax_never_picks_nan),
        cmocka_unit_test(test_tensor_argmax_rejects_count_mismatch),
        cmocka_unit_test(test_tensor_check_finite_reports_first_bad_index),
        cmocka_unit_test(test_tensor_create_oom_sweep),
        cmocka_unit_test(test_tensor_create_from_oom_sweep),
        cmocka_unit_test(test_tensor_wrap_oom_sweep),
        cmocka_unit_test(test_tensor_clone_oom_sweep),
        cmocka_unit_test(test_tensor_resize_grow_oom_keeps_tensor),
        cmocka_unit_test(test_format_float_gives_shortest_round_trip_text),
        cmocka_unit_test(test_format_float_whole_numbers_and_small_values_like_numpy),
        cmocka_unit_test(test_format_float_special_values_and_bad_buffer),
        cmocka_unit_test(test_format_float_round_trips_every_sampled_value),
        cmocka_unit_test(test_print_floats_lesson2_outputs_like_numpy),
        cmocka_unit_test(test_print_floats_positional_cases_like_numpy),
        cmocka_unit_test(test_print_floats_scientific_cases_like_numpy),
        cmocka_unit_test(test_print_floats_wraps_at_75_columns_like_numpy),
        cmocka_unit_test(test_format_double_is_pythons_repr),
        cmocka_unit_test(test_print_doubles_like_numpy_float64),
        cmocka_unit_test(test_print_floats_format_thresholds_like_numpy),
        cmocka_unit_test(test_print_floats_smallest_value_at_1e_4_like_numpy),
        cmocka_unit_test(test_print_floats_nan_and_inf_like_numpy),
        cmocka_unit_test(test_print_floats_empty_and_null),
        cmocka_unit_test(test_tensor_print_matrices_like_numpy),
        cmocka_unit_test(test_print_wraps_long_rows_like_numpy),
        cmocka_unit_test(test_print_wrapped_matrix_rows_like_numpy),
        cmocka_unit_test(test_tensor_print_vector_and_row_limit),
        cmocka_unit_test(test_tensor_print_rejects_null),
        cmocka_unit_test(test_tensor_print_reports_write_failure),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
