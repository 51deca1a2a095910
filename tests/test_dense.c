/* SPDX-License-Identifier: MIT */
/*
 * The dense layer's forward path: lesson 4's two layers with the published weights and outputs
 * (lessons.json), the book's seed-0 initialisation (0.01 * randn in float32, row-major), parameter
 * loading, shape and aliasing errors that leave the output untouched, the layer-owned output buffer and
 * its reuse, and allocation failures.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int g_sentinel_storage;
#define SENTINEL ((nnb_dense *)(void *)&g_sentinel_storage)

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

/* lessons.json lesson4_batch_two_layers. Weights are listed per neuron (rows), the layer stores inputs x
 * neurons, so they are transposed when loaded. */
static const float k_inputs[12] = {1.0f, 2.0f, 3.0f, 2.5f, 2.0f, 5.0f, -1.0f, 2.0f, -1.5f, 2.7f, 3.3f, -0.8f};
static const float k_w1_per_neuron[3][4] = {
    {0.2f, 0.8f, -0.5f, 1.0f}, {0.5f, -0.91f, 0.26f, -0.5f}, {-0.26f, -0.27f, 0.17f, 0.87f}};
static const float k_b1[3] = {2.0f, 3.0f, 0.5f};
static const float k_w2_per_neuron[3][3] = {{0.1f, -0.14f, 0.5f}, {-0.5f, 0.12f, -0.33f}, {-0.44f, 0.73f, -0.13f}};
static const float k_b2[3] = {-1.0f, 2.0f, -0.5f};
static const double k_layer1_output[9] = {4.8, 1.21, 2.385, 8.9, -1.81, 0.2, 1.41, 1.051, 0.026};
static const double k_layer2_output[9] = {0.5031,  -1.04185, -2.03875, 0.2434,  -2.7332,
                                          -5.7633, -0.99314, 1.41254,  -0.35655};

/* lessons.json rng_numpy_legacy_seed0.randn_first5, then the sixth normal of seed 0 printed by
 * tests/reference/nnfs_data_reference.py ("randn[5]"). */
static const double k_randn_first6[6] = {1.764052345967664, 0.4001572083672233, 0.9787379841057392,
                                         2.240893199201458, 1.8675579901499675, -0.977277879876411};

static nnb_dense *make_lesson4_layer1(void)
{
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 4, 3, NULL, NNB_DENSE_DEFAULT_INIT_SCALE));
    float w[12];
    for (size_t i = 0; i < 4; ++i) {
        for (size_t j = 0; j < 3; ++j) {
            w[i * 3 + j] = k_w1_per_neuron[j][i];
        }
    }
    assert_ok(nnb_dense_set_weights(layer, w, 12));
    assert_ok(nnb_dense_set_biases(layer, k_b1, 3));
    return layer;
}

static nnb_dense *make_lesson4_layer2(void)
{
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 3, 3, NULL, NNB_DENSE_DEFAULT_INIT_SCALE));
    float w[9];
    for (size_t i = 0; i < 3; ++i) {
        for (size_t j = 0; j < 3; ++j) {
            w[i * 3 + j] = k_w2_per_neuron[j][i];
        }
    }
    assert_ok(nnb_dense_set_weights(layer, w, 9));
    assert_ok(nnb_dense_set_biases(layer, k_b2, 3));
    return layer;
}

/* Independent reference: out[r][j] = fl32(sum_i x[r][i] * w_per_neuron[j][i] in double) + b[j] in float. */
static float reference_output(const float *x, size_t n_in, const float *w_per_neuron, const float *b, size_t r,
                              size_t j)
{
    double s = 0.0;
    for (size_t i = 0; i < n_in; ++i) {
        s += (double)x[r * n_in + i] * (double)w_per_neuron[j * n_in + i];
    }
    return (float)s + b[j];
}

/* ---- lesson 4 ---------------------------------------------------------------------------------------- */

static void test_dense_lesson4_layer1_matches_published_outputs(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer1();
    nnb_tensor *X = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&X, 3, 4, k_inputs));
    assert_ok(nnb_tensor_create(&out, 3, 3));
    assert_ok(nnb_dense_forward(layer, X, out));
    const float *o = nnb_tensor_cdata(out);
    /* Row 0 by hand: as lesson 2 (4.8, 1.21, 2.385).
     * Row 1, neuron 1: 2*0.2 + 5*0.8 + (-1)*(-0.5) + 2*1.0 + 2 = 0.4 + 4 + 0.5 + 2 + 2 = 8.9 */
    for (size_t k = 0; k < 9; ++k) {
        assert_close(o[k], k_layer1_output[k], 1e-6, 1e-6);
        assert_close(o[k], reference_output(k_inputs, 4, &k_w1_per_neuron[0][0], k_b1, k / 3, k % 3), 1e-6, 1e-7);
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(out);
    nnb_dense_destroy(layer);
}

static void test_dense_lesson4_two_layers_match_published_outputs(void **state)
{
    (void)state;
    nnb_dense *l1 = make_lesson4_layer1();
    nnb_dense *l2 = make_lesson4_layer2();
    nnb_tensor *X = NULL, *h = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&X, 3, 4, k_inputs));
    assert_ok(nnb_tensor_create(&h, 3, 3));
    assert_ok(nnb_tensor_create(&out, 3, 3));
    assert_ok(nnb_dense_forward(l1, X, h));
    assert_ok(nnb_dense_forward(l2, h, out));
    const float *o = nnb_tensor_cdata(out);
    /* Row 0, neuron 1 by hand: 4.8*0.1 + 1.21*(-0.14) + 2.385*0.5 - 1 = 0.48 - 0.1694 + 1.1925 - 1 = 0.5031 */
    for (size_t k = 0; k < 9; ++k) {
        /* lessons.json: relative tolerance about 1e-5. */
        assert_close(o[k], k_layer2_output[k], 1e-5, 1e-6);
        assert_close(o[k], reference_output(nnb_tensor_cdata(h), 3, &k_w2_per_neuron[0][0], k_b2, k / 3, k % 3), 1e-6,
                     1e-7);
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(h);
    nnb_tensor_destroy(out);
    nnb_dense_destroy(l1);
    nnb_dense_destroy(l2);
}

static void test_dense_batch_of_one_equals_first_row(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer1();
    nnb_tensor *X = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&X, 1, 4, k_inputs));
    assert_ok(nnb_tensor_create(&out, 1, 3));
    assert_ok(nnb_dense_forward(layer, X, out));
    /* The lesson 2 layer: the same single input vector gives the same outputs as nnb_layer_output. */
    float single[3];
    assert_ok(nnb_layer_output(k_inputs, 4, &k_w1_per_neuron[0][0], k_b1, 3, single));
    for (size_t j = 0; j < 3; ++j) {
        assert_close(nnb_tensor_cdata(out)[j], single[j], 1e-6, 1e-7);
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(out);
    nnb_dense_destroy(layer);
}

static void test_dense_bias_is_added_after_rounding_the_product(void **state)
{
    (void)state;
    /* x = 1 + 2^-23, w = 1 + 2^-22: x*w = 1 + 3*2^-23 + 2^-45, which float32 rounds to 1 + 3*2^-23.
     * Adding the bias -1 in float32 then gives 3*2^-23 exactly; adding it before rounding would keep the
     * 2^-45 (3*2^-23 + 2^-45 is a float32). */
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 1, 1, NULL, 0.01f));
    const float w = 1.0f + 0x1p-22f, b = -1.0f, x = 1.0f + 0x1p-23f;
    assert_ok(nnb_dense_set_weights(layer, &w, 1));
    assert_ok(nnb_dense_set_biases(layer, &b, 1));
    nnb_tensor *X = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&X, 1, 1, &x));
    assert_ok(nnb_tensor_create(&out, 1, 1));
    assert_ok(nnb_dense_forward(layer, X, out));
    assert_true(nnb_tensor_cdata(out)[0] == 0x3p-23f);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(out);
    nnb_dense_destroy(layer);
}

/* ---- initialisation ----------------------------------------------------------------------------------- */

static void test_dense_seed0_init_is_scaled_float32_normals(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_dense *layer = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_dense_create(&layer, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    const nnb_tensor *W = nnb_dense_weights(layer);
    const nnb_tensor *B = nnb_dense_biases(layer);
    assert_int_equal(nnb_tensor_rows(W), 2);
    assert_int_equal(nnb_tensor_cols(W), 3);
    assert_int_equal(nnb_tensor_rows(B), 1);
    assert_int_equal(nnb_tensor_cols(B), 3);
    for (size_t i = 0; i < 6; ++i) {
        /* Row-major order of draws; fl32(fl32(0.01) * fl32(g)). */
        float expected = 0.01f * (float)k_randn_first6[i];
        assert_int_equal(float_bits(nnb_tensor_cdata(W)[i]), float_bits(expected));
    }
    /* e.g. W[0][0] = 0.01 * 1.764052345967664 = 0.017640523... */
    assert_close(nnb_tensor_cdata(W)[0], 0.01764052345967664, 1e-6, 0.0);
    for (size_t j = 0; j < 3; ++j) {
        assert_int_equal(float_bits(nnb_tensor_cdata(B)[j]), 0u);
    }
    /* Exactly six normals were drawn: the generator continues with the seventh, like a clone that
     * skipped six. */
    nnb_rng *witness = NULL;
    assert_ok(nnb_rng_create(&witness, 0));
    for (int i = 0; i < 6; ++i) {
        (void)nnb_rng_normal(witness);
    }
    assert_true(nnb_rng_normal(rng) == nnb_rng_normal(witness));
    nnb_rng_destroy(witness);
    nnb_dense_destroy(layer);
    nnb_rng_destroy(rng);
}

static void test_dense_init_after_spiral_matches_numpy_bits(void **state)
{
    (void)state;
    /* Chapter 5: dense1 = Dense(2, 3) after spiral_data(100, 3) uses normals 300..305.
     * tests/reference/nnfs_data_reference.py, "dense_after_spiral w[i]" lines. */
    const uint32_t expected[6] = {0xbc560fb5u, 0x3c87d585u, 0xba9ae146u, 0xbbdee17cu, 0x3bda5c44u, 0xbb96f7fau};
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[300];
    nnb_dense *layer = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, 300, 2));
    assert_ok(nnb_spiral_data(rng, 100, 3, X, labels, 300));
    assert_ok(nnb_dense_create(&layer, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(float_bits(nnb_tensor_cdata(nnb_dense_weights(layer))[i]), expected[i]);
    }
    nnb_dense_destroy(layer);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_dense_without_rng_starts_at_zero(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 5, 4, NULL, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_int_equal(nnb_dense_n_inputs(layer), 5);
    assert_int_equal(nnb_dense_n_neurons(layer), 4);
    for (size_t i = 0; i < 20; ++i) {
        assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[i] == 0.0f);
    }
    for (size_t j = 0; j < 4; ++j) {
        assert_true(nnb_tensor_cdata(nnb_dense_biases(layer))[j] == 0.0f);
    }
    nnb_dense_destroy(layer);
}

static void test_dense_init_scale_multiplies_normals(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    nnb_dense *layer = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_dense_create(&layer, 1, 2, rng, 2.0f));
    /* 2 * fl32(1.764052345967664), 2 * fl32(0.4001572083672233): doubling is exact. */
    assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[0] == 2.0f * (float)k_randn_first6[0]);
    assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[1] == 2.0f * (float)k_randn_first6[1]);
    nnb_dense_destroy(layer);
    nnb_rng_destroy(rng);
}

static void test_dense_create_bad_arguments_consume_nothing(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    nnb_dense *layer = SENTINEL;
    assert_status(nnb_dense_create(NULL, 2, 3, rng, 0.01f), NNB_ERR_NULL);
    assert_status(nnb_dense_create(&layer, 0, 3, rng, 0.01f), NNB_ERR_ARGUMENT);
    assert_status(nnb_dense_create(&layer, 2, 0, rng, 0.01f), NNB_ERR_ARGUMENT);
    assert_status(nnb_dense_create(&layer, 2, 3, rng, NAN), NNB_ERR_ARGUMENT);
    assert_status(nnb_dense_create(&layer, 2, 3, rng, INFINITY), NNB_ERR_ARGUMENT);
    assert_status(nnb_dense_create(&layer, SIZE_MAX / 2, 3, rng, 0.01f), NNB_ERR_OVERFLOW);
    assert_ptr_equal(layer, SENTINEL);
    assert_close(nnb_rng_normal(rng), k_randn_first6[0], 1e-15, 0.0);
    nnb_rng_destroy(rng);
}

static void test_dense_create_oom_sweep(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    nnb_dense *layer = SENTINEL;
    size_t failures = 0;
    for (size_t k = 1; k < 64; ++k) {
        size_t live = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_dense_create(&layer, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            break;
        }
        assert_status(st, NNB_ERR_NOMEM);
        assert_ptr_equal(layer, SENTINEL);
        assert_int_equal(nnb_test_live_blocks(), live);
        ++failures;
    }
    assert_true(failures >= 2);
    assert_ptr_not_equal(layer, SENTINEL);
    /* No failed attempt consumed normals: the layer holds the first six. */
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[i] == 0.01f * (float)k_randn_first6[i]);
    }
    nnb_dense_destroy(layer);
    nnb_rng_destroy(rng);
}

/* ---- parameters --------------------------------------------------------------------------------------- */

static void test_dense_parameter_accessors(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 2, 3, NULL, 0.01f));
    assert_ptr_equal(nnb_dense_weights(layer), nnb_dense_weights_mut(layer));
    assert_ptr_equal(nnb_dense_biases(layer), nnb_dense_biases_mut(layer));
    /* Writing through the mutable handle changes the layer. */
    assert_ok(nnb_tensor_set(nnb_dense_weights_mut(layer), 1, 2, 0.5f));
    assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[5] == 0.5f);
    assert_null(nnb_dense_weights(NULL));
    assert_null(nnb_dense_biases(NULL));
    assert_null(nnb_dense_weights_mut(NULL));
    assert_null(nnb_dense_biases_mut(NULL));
    assert_int_equal(nnb_dense_n_inputs(NULL), 0);
    assert_int_equal(nnb_dense_n_neurons(NULL), 0);
    nnb_dense_destroy(layer);
    nnb_dense_destroy(NULL);
}

static void test_dense_set_parameters_require_matching_counts(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, 2, 3, NULL, 0.01f));
    const float w[7] = {1, 2, 3, 4, 5, 6, 7};
    assert_status(nnb_dense_set_weights(layer, w, 5), NNB_ERR_SHAPE);
    assert_status(nnb_dense_set_weights(layer, w, 7), NNB_ERR_SHAPE);
    assert_status(nnb_dense_set_weights(layer, NULL, 6), NNB_ERR_NULL);
    assert_status(nnb_dense_set_weights(NULL, w, 6), NNB_ERR_NULL);
    assert_status(nnb_dense_set_biases(layer, w, 2), NNB_ERR_SHAPE);
    assert_status(nnb_dense_set_biases(layer, NULL, 3), NNB_ERR_NULL);
    assert_status(nnb_dense_set_biases(NULL, w, 3), NNB_ERR_NULL);
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(nnb_dense_weights(layer))[i] == 0.0f);
    }
    assert_ok(nnb_dense_set_weights(layer, w, 6));
    assert_ok(nnb_dense_set_biases(layer, w, 3));
    assert_memory_equal(nnb_tensor_cdata(nnb_dense_weights(layer)), w, 6 * sizeof(float));
    assert_memory_equal(nnb_tensor_cdata(nnb_dense_biases(layer)), w, 3 * sizeof(float));
    nnb_dense_destroy(layer);
}

/* ---- forward errors ----------------------------------------------------------------------------------- */

static void test_dense_forward_shape_errors_leave_output_untouched(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer1(); /* 4 inputs, 3 neurons */
    nnb_tensor *X = NULL, *X5 = NULL, *out = NULL, *out_rows = NULL, *out_cols = NULL;
    assert_ok(nnb_tensor_create_from(&X, 3, 4, k_inputs));
    assert_ok(nnb_tensor_create(&X5, 3, 5));
    assert_ok(nnb_tensor_create(&out, 3, 3));
    assert_ok(nnb_tensor_create(&out_rows, 2, 3));
    assert_ok(nnb_tensor_create(&out_cols, 3, 4));
    assert_ok(nnb_tensor_fill(out, 8.0f));
    assert_ok(nnb_tensor_fill(out_rows, 8.0f));
    assert_ok(nnb_tensor_fill(out_cols, 8.0f));
    assert_status(nnb_dense_forward(layer, X5, out), NNB_ERR_SHAPE);
    assert_status(nnb_dense_forward(layer, X, out_rows), NNB_ERR_SHAPE);
    assert_status(nnb_dense_forward(layer, X, out_cols), NNB_ERR_SHAPE);
    assert_status(nnb_dense_forward(NULL, X, out), NNB_ERR_NULL);
    assert_status(nnb_dense_forward(layer, NULL, out), NNB_ERR_NULL);
    assert_status(nnb_dense_forward(layer, X, NULL), NNB_ERR_NULL);
    for (size_t i = 0; i < 9; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == 8.0f);
    }
    for (size_t i = 0; i < 6; ++i) {
        assert_true(nnb_tensor_cdata(out_rows)[i] == 8.0f);
    }
    for (size_t i = 0; i < 12; ++i) {
        assert_true(nnb_tensor_cdata(out_cols)[i] == 8.0f);
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(X5);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(out_rows);
    nnb_tensor_destroy(out_cols);
    nnb_dense_destroy(layer);
}

static void test_dense_forward_rejects_aliased_output(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer2(); /* 3 x 3: input and output shapes agree */
    const float x[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 2, 3, x));
    assert_status(nnb_dense_forward(layer, X, X), NNB_ERR_ARGUMENT);
    assert_memory_equal(nnb_tensor_cdata(X), x, sizeof x);
    /* Two views of one buffer alias too. */
    float buf[6] = {1, 2, 3, 4, 5, 6};
    nnb_tensor *in_view = NULL, *out_view = NULL;
    assert_ok(nnb_tensor_wrap(&in_view, 2, 3, buf));
    assert_ok(nnb_tensor_wrap(&out_view, 2, 3, buf));
    assert_status(nnb_dense_forward(layer, in_view, out_view), NNB_ERR_ARGUMENT);
    assert_memory_equal(buf, x, sizeof x);
    nnb_tensor_destroy(in_view);
    nnb_tensor_destroy(out_view);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

/* ---- layer-owned output --------------------------------------------------------------------------------- */

static void test_dense_forward_own_reuses_its_buffer(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer1();
    nnb_tensor *X = NULL, *X1 = NULL, *big = NULL, *ref = NULL;
    assert_ok(nnb_tensor_create_from(&X, 3, 4, k_inputs));
    assert_ok(nnb_tensor_create_from(&X1, 1, 4, k_inputs));
    assert_ok(nnb_tensor_create(&big, 40, 4));
    assert_ok(nnb_tensor_create(&ref, 3, 3));
    assert_ok(nnb_dense_forward(layer, X, ref));

    const nnb_tensor *out = NULL;
    assert_ok(nnb_dense_forward_own(layer, X, &out));
    assert_non_null(out);
    assert_int_equal(nnb_tensor_rows(out), 3);
    assert_int_equal(nnb_tensor_cols(out), 3);
    assert_memory_equal(nnb_tensor_cdata(out), nnb_tensor_cdata(ref), 9 * sizeof(float));
    const float *data = nnb_tensor_cdata(out);

    /* Same batch and smaller batches: no allocation, same buffer. */
    size_t count = nnb_test_alloc_count();
    const nnb_tensor *out2 = NULL;
    assert_ok(nnb_dense_forward_own(layer, X, &out2));
    assert_ptr_equal(out2, out);
    assert_ptr_equal(nnb_tensor_cdata(out2), data);
    assert_ok(nnb_dense_forward_own(layer, X1, &out2));
    assert_int_equal(nnb_tensor_rows(out2), 1);
    assert_ptr_equal(nnb_tensor_cdata(out2), data);
    assert_memory_equal(nnb_tensor_cdata(out2), nnb_tensor_cdata(ref), 3 * sizeof(float));
    assert_ok(nnb_dense_forward_own(layer, X, &out2));
    assert_int_equal(nnb_test_alloc_count(), count);

    /* A larger batch grows it. */
    assert_ok(nnb_dense_forward_own(layer, big, &out2));
    assert_int_equal(nnb_tensor_rows(out2), 40);
    assert_true(nnb_test_alloc_count() > count);
    /* Zero inputs give the biases. */
    for (size_t r = 0; r < 40; ++r) {
        for (size_t j = 0; j < 3; ++j) {
            assert_true(nnb_tensor_cdata(out2)[r * 3 + j] == k_b1[j]);
        }
    }
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(X1);
    nnb_tensor_destroy(big);
    nnb_tensor_destroy(ref);
    nnb_dense_destroy(layer);
}

/*
 * np.sum(dvalues, axis=0) of a single-column dvalues is numpy's pairwise sum (the length-1 axis goes away):
 * dvalues = [2^24, 1 x 15]: eight partial sums 2^24 + 1 -> 2^24 (a tie, to even), 2, 2, ..., combined
 * ((2^24 + 2) + 4) + 8 = 2^24 + 14; adding row after row would lose every 1 and give 2^24. The exact modes
 * follow numpy; several columns are summed row after row, as numpy does.
 */
static void test_dense_single_column_dbiases_are_numpys_pairwise_sum(void **state)
{
    (void)state;
    enum { BATCH = 16 };
    float x[BATCH], dv[BATCH];
    for (size_t i = 0; i < BATCH; ++i) {
        x[i] = 0.0f;
        dv[i] = i == 0 ? 16777216.0f : 1.0f;
    }
    const nnb_arithmetic saved = nnb_get_arithmetic();
    const nnb_arithmetic modes[2] = {NNB_ARITHMETIC_REFERENCE, NNB_ARITHMETIC_NUMPY};
    for (int m = 0; m < 2; ++m) {
        assert_ok(nnb_set_arithmetic(modes[m]));
        nnb_dense *layer = NULL;
        nnb_tensor *inputs = NULL, *dvalues = NULL;
        assert_ok(nnb_dense_create(&layer, 1, 1, NULL, 0.01f));
        assert_ok(nnb_tensor_wrap(&inputs, BATCH, 1, x));
        assert_ok(nnb_tensor_wrap(&dvalues, BATCH, 1, dv));
        assert_ok(nnb_dense_backward(layer, inputs, dvalues, NULL));
        assert_true(nnb_tensor_cdata(nnb_dense_dbiases(layer))[0] == 16777216.0f + 14.0f);
        nnb_tensor_destroy(dvalues);
        nnb_tensor_destroy(inputs);
        nnb_dense_destroy(layer);
    }
    assert_ok(nnb_set_arithmetic(saved));
}

static void test_dense_forward_own_errors_leave_output_pointer(void **state)
{
    (void)state;
    nnb_dense *layer = make_lesson4_layer1();
    nnb_tensor *X5 = NULL, *X = NULL;
    assert_ok(nnb_tensor_create(&X5, 2, 5));
    assert_ok(nnb_tensor_create_from(&X, 3, 4, k_inputs));
    static int sentinel;
    const nnb_tensor *out = (const nnb_tensor *)(const void *)&sentinel;
    assert_status(nnb_dense_forward_own(layer, X5, &out), NNB_ERR_SHAPE);
    assert_status(nnb_dense_forward_own(NULL, X, &out), NNB_ERR_NULL);
    assert_status(nnb_dense_forward_own(layer, NULL, &out), NNB_ERR_NULL);
    assert_status(nnb_dense_forward_own(layer, X, NULL), NNB_ERR_NULL);
    assert_ptr_equal(out, (const void *)&sentinel);

    /* Allocation failures on the first call: NOMEM, pointer untouched, no leak. */
    size_t failures = 0;
    for (size_t k = 1; k < 16; ++k) {
        size_t live = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_dense_forward_own(layer, X, &out);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            break;
        }
        assert_status(st, NNB_ERR_NOMEM);
        assert_ptr_equal(out, (const void *)&sentinel);
        assert_int_equal(nnb_test_live_blocks(), live);
        ++failures;
    }
    assert_true(failures >= 1);
    for (size_t k = 0; k < 9; ++k) {
        assert_close(nnb_tensor_cdata(out)[k], k_layer1_output[k], 1e-6, 1e-6);
    }
    nnb_tensor_destroy(X5);
    nnb_tensor_destroy(X);
    nnb_dense_destroy(layer);
}

/*
 * nnb_dense_forward_mut computes what nnb_dense_forward computes, bit for bit, and after its first call for a
 * batch size allocates nothing, even for a layer large enough for the GEMM core's packed path.
 */
static void test_dense_forward_mut_matches_forward_and_reuses_its_memory(void **state)
{
    (void)state;
    enum { BATCH = 128, IN = 784, OUT = 128 };
    nnb_rng *rng = NULL;
    nnb_dense *layer = NULL;
    nnb_tensor *x = NULL, *a = NULL, *b = NULL;
    assert_ok(nnb_rng_create(&rng, 9));
    assert_ok(nnb_dense_create(&layer, IN, OUT, rng, 0.05f));
    assert_ok(nnb_tensor_create(&x, BATCH, IN));
    assert_ok(nnb_tensor_create(&a, BATCH, OUT));
    assert_ok(nnb_tensor_create(&b, BATCH, OUT));
    assert_ok(nnb_rng_fill_normal(rng, nnb_tensor_data(x), (size_t)BATCH * IN, 1.0f));
    assert_ok(nnb_dense_forward(layer, x, a));
    assert_ok(nnb_dense_forward_mut(layer, x, b));
    assert_memory_equal(nnb_tensor_cdata(a), nnb_tensor_cdata(b), sizeof(float) * BATCH * OUT);
    nnb_test_reset_counts();
    assert_ok(nnb_dense_forward_mut(layer, x, b));
    assert_int_equal(nnb_test_alloc_count(), 0);
    assert_memory_equal(nnb_tensor_cdata(a), nnb_tensor_cdata(b), sizeof(float) * BATCH * OUT);

    assert_status(nnb_dense_forward_mut(NULL, x, b), NNB_ERR_NULL);
    assert_status(nnb_dense_forward_mut(layer, NULL, b), NNB_ERR_NULL);
    assert_status(nnb_dense_forward_mut(layer, x, NULL), NNB_ERR_NULL);
    assert_status(nnb_dense_forward_mut(layer, a, b), NNB_ERR_SHAPE);
    assert_status(nnb_dense_forward_mut(layer, x, x), NNB_ERR_ARGUMENT); /* aliasing is checked first */
    nnb_tensor_destroy(b);
    nnb_tensor_destroy(a);
    nnb_tensor_destroy(x);
    nnb_dense_destroy(layer);
    nnb_rng_destroy(rng);
}

/*
 * The layer's GEMM scratch grows with the batch: a small batch, a large one (the scratch is replaced by a
 * larger block, the old one freed: the allocator's leak check sees it otherwise), then a small one again;
 * every output against a double loop.
 */
static void test_dense_forward_scratch_grows_with_the_batch(void **state)
{
    (void)state;
    enum { IN = 200, OUT = 150 };
    nnb_dense *layer = NULL;
    assert_ok(nnb_dense_create(&layer, IN, OUT, NULL, NNB_DENSE_DEFAULT_INIT_SCALE));
    float *w = nnb_tensor_data(nnb_dense_weights_mut(layer));
    float *b = nnb_tensor_data(nnb_dense_biases_mut(layer));
    for (size_t i = 0; i < IN; ++i) {
        for (size_t j = 0; j < OUT; ++j) {
            w[i * OUT + j] = (float)((int)((i * 3u + j) % 7u) - 3) * 0.125f;
        }
    }
    for (size_t j = 0; j < OUT; ++j) {
        b[j] = (float)j * 0.25f;
    }
    static const size_t batches[] = {4, 300, 5};
    for (size_t bi = 0; bi < 3; ++bi) {
        size_t rows = batches[bi];
        nnb_tensor *X = NULL, *out = NULL;
        assert_ok(nnb_tensor_create(&X, rows, IN));
        assert_ok(nnb_tensor_create(&out, rows, OUT));
        float *x = nnb_tensor_data(X);
        for (size_t r = 0; r < rows; ++r) {
            for (size_t i = 0; i < IN; ++i) {
                x[r * IN + i] = (float)((int)((r + i) % 5u) - 2) * 0.5f;
            }
        }
        assert_ok(nnb_dense_forward(layer, X, out));
        const float *o = nnb_tensor_cdata(out);
        for (size_t r = 0; r < rows; ++r) {
            for (size_t j = 0; j < OUT; ++j) {
                /* Every product is a multiple of 1/16 below 2^10: the sums are exact in float. */
                double want = (double)b[j];
                for (size_t i = 0; i < IN; ++i) {
                    want += (double)x[r * IN + i] * (double)w[i * OUT + j];
                }
                if ((double)o[r * OUT + j] != want) {
                    fail_msg("batch %zu: out[%zu][%zu] = %.9g, expected %.9g", rows, r, j, (double)o[r * OUT + j],
                             want);
                }
            }
        }
        nnb_tensor_destroy(X);
        nnb_tensor_destroy(out);
    }
    nnb_dense_destroy(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_forward_scratch_grows_with_the_batch),
        cmocka_unit_test(test_dense_lesson4_layer1_matches_published_outputs),
        cmocka_unit_test(test_dense_lesson4_two_layers_match_published_outputs),
        cmocka_unit_test(test_dense_batch_of_one_equals_first_row),
        cmocka_unit_test(test_dense_bias_is_added_after_rounding_the_product),
        cmocka_unit_test(test_dense_seed0_init_is_scaled_float32_normals),
        cmocka_unit_test(test_dense_init_after_spiral_matches_numpy_bits),
        cmocka_unit_test(test_dense_without_rng_starts_at_zero),
        cmocka_unit_test(test_dense_init_scale_multiplies_normals),
        cmocka_unit_test(test_dense_create_bad_arguments_consume_nothing),
        cmocka_unit_test(test_dense_create_oom_sweep),
        cmocka_unit_test(test_dense_parameter_accessors),
        cmocka_unit_test(test_dense_set_parameters_require_matching_counts),
        cmocka_unit_test(test_dense_forward_shape_errors_leave_output_untouched),
        cmocka_unit_test(test_dense_forward_rejects_aliased_output),
        cmocka_unit_test(test_dense_forward_own_reuses_its_buffer),
        cmocka_unit_test(test_dense_forward_mut_matches_forward_and_reuses_its_memory),
        cmocka_unit_test(test_dense_forward_own_errors_leave_output_pointer),
        cmocka_unit_test(test_dense_single_column_dbiases_are_numpys_pairwise_sum),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
