/* SPDX-License-Identifier: MIT */
/*
 * The nnfs data sets: shapes, labels, the exact float32 values of selected points under seed 0 (bit
 * patterns printed by tests/reference/nnfs_data_reference.py, which runs numpy's own generator), the
 * signed zeros of each class's first spiral point, the number of normals consumed, and argument errors
 * that write nothing and consume nothing.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* FNV-1a (64-bit) over the float32 bit patterns of all elements, each as 4 little-endian bytes: the same
 * digest tests/reference/nnfs_data_reference.py prints for numpy's arrays ("..._fnv1a64" lines). */
static uint64_t fnv1a64_floats(const float *x, size_t count)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < count; ++i) {
        uint32_t u = float_bits(x[i]);
        for (unsigned k = 0; k < 4; ++k) {
            h ^= (u >> (8u * k)) & 0xffu;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

typedef struct expected_point {
    size_t row;
    uint32_t x_bits;
    uint32_t y_bits;
} expected_point;

/* ---- spiral ----------------------------------------------------------------------------------------- */

static void test_spiral_100_3_shape_and_labels(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    assert_int_equal(nnb_tensor_rows(X), 300);
    assert_int_equal(nnb_tensor_cols(X), 2);
    for (size_t i = 0; i < 300; ++i) {
        assert_int_equal(labels[i], i / 100);
    }
    /* Every point lies within the unit disc (radius linspace(0, 1)). */
    const float *x = nnb_tensor_cdata(X);
    for (size_t i = 0; i < 300; ++i) {
        double r2 = (double)x[2 * i] * x[2 * i] + (double)x[2 * i + 1] * x[2 * i + 1];
        assert_true(r2 <= 1.0 + 1e-6);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_spiral_first_points_are_signed_zeros(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_tensor_fill(X, 5.0f));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    const float *x = nnb_tensor_cdata(X);
    /* r = 0 for the first point of each class: X[0] and X[200] are +0.0, X[100] is -0.0 (0 times a
     * negative sin/cos), see the reference notes. */
    assert_true(x[0] == 0.0f && x[1] == 0.0f);
    assert_int_equal(float_bits(x[0]), 0x00000000u);
    assert_int_equal(float_bits(x[1]), 0x00000000u);
    assert_true(x[200] == 0.0f && x[201] == 0.0f);
    assert_int_equal(float_bits(x[200]), 0x80000000u);
    assert_int_equal(float_bits(x[201]), 0x80000000u);
    assert_int_equal(float_bits(x[400]), 0x00000000u);
    assert_int_equal(float_bits(x[401]), 0x00000000u);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_spiral_seed0_points_match_numpy_bits(void **state)
{
    (void)state;
    /* tests/reference/nnfs_data_reference.py, "spiral X[row][col]" lines (float32 bit patterns). */
    static const expected_point expected[] = {
        {1, 0x3b44511bu, 0x3c1e0cceu},   {2, 0x3c530ab4u, 0x3c7efb51u},   {50, 0xbf008455u, 0xbd624f52u},
        {99, 0xbf335987u, 0xbf36ac78u},  {101, 0xb7c7581cu, 0xbc257e97u}, {150, 0x3ea4ea0au, 0xbec72c54u},
        {199, 0x3f782c5eu, 0xbe7b44e8u}, {250, 0x3db771abu, 0x3efe7c90u}, {299, 0xbf715a9bu, 0x3eaab22fu},
    };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    const float *x = nnb_tensor_cdata(X);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; ++i) {
        size_t row = expected[i].row;
        if (float_bits(x[2 * row]) != expected[i].x_bits || float_bits(x[2 * row + 1]) != expected[i].y_bits) {
            fail_msg("X[%zu] = (%.9g, %.9g) bits (0x%08x, 0x%08x), numpy (0x%08x, 0x%08x)", row, (double)x[2 * row],
                     (double)x[2 * row + 1], (unsigned)float_bits(x[2 * row]), (unsigned)float_bits(x[2 * row + 1]),
                     (unsigned)expected[i].x_bits, (unsigned)expected[i].y_bits);
        }
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_spiral_seed0_all_points_match_numpy_digest(void **state)
{
    (void)state;
    /* All 300 rows bit for bit: digest printed by tests/reference/nnfs_data_reference.py. */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    assert_int_equal(fnv1a64_floats(nnb_tensor_cdata(X), 600), 0xfa75b31b023ca853ull);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_spiral_consumes_samples_times_classes_normals(void **state)
{
    (void)state;
    nnb_rng *rng = NULL, *witness = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_rng_create(&witness, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    for (int i = 0; i < 300; ++i) {
        (void)nnb_rng_normal(witness);
    }
    for (int i = 0; i < 5; ++i) {
        assert_true(nnb_rng_normal(rng) == nnb_rng_normal(witness));
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    nnb_rng_destroy(witness);
}

static void test_spiral_class_zero_uses_first_normals(void **state)
{
    (void)state;
    /* Point 1 of class 0 by hand from the recipe: r = 1/99, noise = fl32(fl32(g1) * fl32(0.2)) with g1 the
     * second normal of seed 0 (0.4001572083672233, lessons.json), t = linspace(0, 4, 100)[1] + noise =
     * 1 * (4/99) + noise; X = fl32(r sin(2.5 t)), fl32(r cos(2.5 t)), computed here in double. */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[200];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 200, 2));
    assert_ok(nnb_spiral_data(rng, 100, 2, X, labels, 200));
    float noise = (float)0.4001572083672233 * 0.2f;
    double r = 1.0 * (1.0 / 99.0);
    double t = 1.0 * (4.0 / 99.0) + (double)noise;
    float ex = (float)(r * sin(t * 2.5)), ey = (float)(r * cos(t * 2.5));
    float gx = 0.0f, gy = 0.0f;
    assert_ok(nnb_tensor_get(X, 1, 0, &gx));
    assert_ok(nnb_tensor_get(X, 1, 1, &gy));
    assert_close(gx, ex, 1e-6, 0.0);
    assert_close(gy, ey, 1e-6, 0.0);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_spiral_bad_arguments_write_and_consume_nothing(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *X3 = NULL;
    uint32_t labels[300];
    for (size_t i = 0; i < 300; ++i) {
        labels[i] = 77;
    }
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_tensor_create(&X3, 300, 3));
    assert_ok(nnb_tensor_fill(X, 5.0f));
    assert_status(nnb_spiral_data(NULL, 100, 3, X, labels, 300), NNB_ERR_NULL);
    assert_status(nnb_spiral_data(rng, 100, 3, NULL, labels, 300), NNB_ERR_NULL);
    assert_status(nnb_spiral_data(rng, 100, 3, X, NULL, 300), NNB_ERR_NULL);
    assert_status(nnb_spiral_data(rng, 1, 300, X, labels, 300), NNB_ERR_ARGUMENT); /* samples < 2 */
    assert_status(nnb_spiral_data(rng, 0, 3, X, labels, 300), NNB_ERR_ARGUMENT);
    assert_status(nnb_spiral_data(rng, 100, 0, X, labels, 300), NNB_ERR_ARGUMENT);
    assert_status(nnb_spiral_data(rng, SIZE_MAX / 2, 3, X, labels, 300), NNB_ERR_OVERFLOW);
    assert_status(nnb_spiral_data(rng, 100, 2, X, labels, 200), NNB_ERR_SHAPE);  /* X has 300 rows */
    assert_status(nnb_spiral_data(rng, 100, 3, X, labels, 299), NNB_ERR_SHAPE);  /* label count */
    assert_status(nnb_spiral_data(rng, 100, 3, X3, labels, 300), NNB_ERR_SHAPE); /* 3 columns */
    for (size_t i = 0; i < 600; ++i) {
        assert_true(nnb_tensor_cdata(X)[i] == 5.0f);
    }
    for (size_t i = 0; i < 300; ++i) {
        assert_int_equal(labels[i], 77);
    }
    for (size_t i = 0; i < 900; ++i) {
        assert_true(nnb_tensor_cdata(X3)[i] == 0.0f);
    }
    /* No normal was consumed: the stream still starts at randn[0] (lessons.json). */
    assert_close(nnb_rng_normal(rng), 1.764052345967664, 1e-15, 0.0);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(X3);
    nnb_rng_destroy(rng);
}

/* ---- vertical --------------------------------------------------------------------------------------- */

static void test_vertical_seed0_points_match_numpy_bits(void **state)
{
    (void)state;
    /* tests/reference/nnfs_data_reference.py, "vertical X[row][col]" lines. */
    static const expected_point expected[] = {
        {0, 0x3e34a393u, 0x3f30356bu},
        {1, 0x3d23e787u, 0x3ebafea7u},
        {150, 0x3ec5585fu, 0x3ed8e036u},
        {299, 0x3f28ac70u, 0x3ef6db32u},
    };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_vertical_data(rng, 100, 3, X, labels, 300));
    const float *x = nnb_tensor_cdata(X);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; ++i) {
        size_t row = expected[i].row;
        assert_int_equal(float_bits(x[2 * row]), expected[i].x_bits);
        assert_int_equal(float_bits(x[2 * row + 1]), expected[i].y_bits);
    }
    /* Point 0 by hand: fl32(fl32(randn[0]) * fl32(0.1)) + fl32(0/3) (lessons.json randn_first5). */
    assert_true(x[0] == (float)1.764052345967664 * 0.1f + 0.0f);
    for (size_t i = 0; i < 300; ++i) {
        assert_int_equal(labels[i], i / 100);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_vertical_seed0_all_points_match_numpy_digest(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_vertical_data(rng, 100, 3, X, labels, 300));
    /* tests/reference/nnfs_data_reference.py, "vertical_fnv1a64" line. */
    assert_int_equal(fnv1a64_floats(nnb_tensor_cdata(X), 600), 0x68dc8425f8310129ull);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_vertical_blobs_centre_on_class_positions(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[3000];
    assert_ok(nnb_rng_create(&rng, 3));
    assert_ok(nnb_tensor_create(&X, 3000, 2));
    assert_ok(nnb_vertical_data(rng, 1000, 3, X, labels, 3000));
    const float *x = nnb_tensor_cdata(X);
    for (size_t c = 0; c < 3; ++c) {
        double mx = 0.0, my = 0.0;
        for (size_t i = 0; i < 1000; ++i) {
            mx += x[2 * (c * 1000 + i)];
            my += x[2 * (c * 1000 + i) + 1];
        }
        mx /= 1000.0;
        my /= 1000.0;
        /* sigma 0.1 over 1000 points: the mean is within 5 * 0.1 / sqrt(1000) = 0.016 of the centre. */
        assert_close(mx, (double)c / 3.0, 0.0, 0.016);
        assert_close(my, 0.5, 0.0, 0.016);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_vertical_consumes_two_normals_per_point(void **state)
{
    (void)state;
    nnb_rng *rng = NULL, *witness = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[20];
    assert_ok(nnb_rng_create(&rng, 9));
    assert_ok(nnb_rng_create(&witness, 9));
    assert_ok(nnb_tensor_create(&X, 20, 2));
    assert_ok(nnb_vertical_data(rng, 1, 20, X, labels, 20)); /* one sample per class is allowed */
    for (int i = 0; i < 40; ++i) {
        (void)nnb_rng_normal(witness);
    }
    assert_true(nnb_rng_normal(rng) == nnb_rng_normal(witness));
    for (size_t i = 0; i < 20; ++i) {
        assert_int_equal(labels[i], i);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    nnb_rng_destroy(witness);
}

static void test_vertical_bad_arguments_write_nothing(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[6] = {9, 9, 9, 9, 9, 9};
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 6, 2));
    assert_status(nnb_vertical_data(NULL, 2, 3, X, labels, 6), NNB_ERR_NULL);
    assert_status(nnb_vertical_data(rng, 0, 3, X, labels, 6), NNB_ERR_ARGUMENT);
    assert_status(nnb_vertical_data(rng, 2, 0, X, labels, 6), NNB_ERR_ARGUMENT);
    assert_status(nnb_vertical_data(rng, 3, 3, X, labels, 6), NNB_ERR_SHAPE);
    assert_status(nnb_vertical_data(rng, 2, 3, X, labels, 5), NNB_ERR_SHAPE);
    assert_status(nnb_vertical_data(rng, SIZE_MAX / 2, 3, X, labels, 6), NNB_ERR_OVERFLOW);
    for (size_t i = 0; i < 12; ++i) {
        assert_true(nnb_tensor_cdata(X)[i] == 0.0f);
    }
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(labels[i], 9);
    }
    assert_close(nnb_rng_normal(rng), 1.764052345967664, 1e-15, 0.0);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

/* ---- sine ------------------------------------------------------------------------------------------- */

static void test_sine_data_values(void **state)
{
    (void)state;
    nnb_tensor *X = NULL, *Y = NULL;
    assert_ok(nnb_tensor_create(&X, 1000, 1));
    assert_ok(nnb_tensor_create(&Y, 1000, 1));
    assert_ok(nnb_sine_data(1000, X, Y));
    const float *x = nnb_tensor_cdata(X), *y = nnb_tensor_cdata(Y);
    for (size_t i = 0; i < 1000; ++i) {
        /* X = arange(1000) / 1000, rounded to float32. */
        assert_true(x[i] == (float)((double)i / 1000.0));
        assert_close(y[i], sin(2.0 * 3.141592653589793 * ((double)i / 1000.0)), 0.0, 1e-6);
    }
    /* Hand-known points: sin(0) = 0, sin(pi/2) = 1, sin(3 pi/2) = -1. */
    assert_true(y[0] == 0.0f);
    assert_close(y[250], 1.0, 0.0, 1e-7);
    assert_close(y[750], -1.0, 0.0, 1e-7);
    assert_close(y[500], 0.0, 0.0, 1e-6);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Y);
}

static void test_sine_data_bad_arguments(void **state)
{
    (void)state;
    nnb_tensor *X = NULL, *Y = NULL, *W = NULL;
    assert_ok(nnb_tensor_create(&X, 4, 1));
    assert_ok(nnb_tensor_create(&Y, 4, 1));
    assert_ok(nnb_tensor_create(&W, 4, 2));
    assert_ok(nnb_tensor_fill(X, 3.0f));
    assert_ok(nnb_tensor_fill(Y, 3.0f));
    assert_status(nnb_sine_data(4, NULL, Y), NNB_ERR_NULL);
    assert_status(nnb_sine_data(4, X, NULL), NNB_ERR_NULL);
    assert_status(nnb_sine_data(0, X, Y), NNB_ERR_ARGUMENT);
    assert_status(nnb_sine_data(5, X, Y), NNB_ERR_SHAPE);
    assert_status(nnb_sine_data(4, X, W), NNB_ERR_SHAPE);
    assert_status(nnb_sine_data(4, W, Y), NNB_ERR_SHAPE);
    for (size_t i = 0; i < 4; ++i) {
        assert_true(nnb_tensor_cdata(X)[i] == 3.0f && nnb_tensor_cdata(Y)[i] == 3.0f);
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Y);
    nnb_tensor_destroy(W);
}

static void test_data_set_argument_checks_follow_documented_order(void **state)
{
    (void)state;
    /* NULL first, then sizes, then shapes. */
    nnb_tensor *X = NULL;
    uint32_t labels[4] = {5, 5, 5, 5};
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 4, 3)); /* wrong shape for any call below */
    assert_status(nnb_spiral_data(NULL, 0, 0, X, labels, 1), NNB_ERR_NULL);
    assert_status(nnb_spiral_data(rng, 1, 0, X, labels, 1), NNB_ERR_ARGUMENT);
    assert_status(nnb_vertical_data(rng, 0, 2, X, labels, 1), NNB_ERR_ARGUMENT);
    assert_status(nnb_sine_data(0, X, NULL), NNB_ERR_NULL);
    assert_status(nnb_sine_data(0, X, X), NNB_ERR_ARGUMENT);
    for (size_t i = 0; i < 4; ++i) {
        assert_int_equal(labels[i], 5);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spiral_100_3_shape_and_labels),
        cmocka_unit_test(test_spiral_first_points_are_signed_zeros),
        cmocka_unit_test(test_spiral_seed0_points_match_numpy_bits),
        cmocka_unit_test(test_spiral_seed0_all_points_match_numpy_digest),
        cmocka_unit_test(test_spiral_consumes_samples_times_classes_normals),
        cmocka_unit_test(test_spiral_class_zero_uses_first_normals),
        cmocka_unit_test(test_spiral_bad_arguments_write_and_consume_nothing),
        cmocka_unit_test(test_vertical_seed0_points_match_numpy_bits),
        cmocka_unit_test(test_vertical_seed0_all_points_match_numpy_digest),
        cmocka_unit_test(test_vertical_blobs_centre_on_class_positions),
        cmocka_unit_test(test_vertical_consumes_two_normals_per_point),
        cmocka_unit_test(test_vertical_bad_arguments_write_nothing),
        cmocka_unit_test(test_sine_data_values),
        cmocka_unit_test(test_sine_data_bad_arguments),
        cmocka_unit_test(test_data_set_argument_checks_follow_documented_order),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
