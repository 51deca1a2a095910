/* SPDX-License-Identifier: MIT */
/*
 * Lessons 1 to 3: a neuron and a layer of neurons on one input vector, against the published lesson
 * outputs (lessons.json) and the hand arithmetic written next to each check.
 */
#include "test_support.h"

#include <stdint.h>

/* lessons.json lesson1_neuron / lesson2_layer */
static const float k_inputs[4] = {1.0f, 2.0f, 3.0f, 2.5f};
static const float k_weights[12] = {
    0.2f,   0.8f,   -0.5f, 1.0f,  /* neuron 1 */
    0.5f,   -0.91f, 0.26f, -0.5f, /* neuron 2 */
    -0.26f, -0.27f, 0.17f, 0.87f  /* neuron 3 */
};
static const float k_biases[3] = {2.0f, 3.0f, 0.5f};

static void test_neuron_output_lesson1(void **state)
{
    (void)state;
    float out = 0.0f;
    assert_ok(nnb_neuron_output(k_inputs, k_weights, 4, 2.0f, &out));
    /* 1*0.2 + 2*0.8 + 3*(-0.5) + 2.5*1.0 + 2 = 0.2 + 1.6 - 1.5 + 2.5 + 2 = 4.8 */
    assert_close(out, 4.8, 1e-6, 0.0);
}

static void test_neuron_output_is_dot_rounded_once_plus_bias(void **state)
{
    (void)state;
    /* The sum is exact in double (1e8 + 1 - 1e8 = 1) and rounded once; float accumulation would give 0. */
    const float x[3] = {1e8f, 1.0f, -1e8f};
    const float w[3] = {1.0f, 1.0f, 1.0f};
    float out = 0.0f;
    assert_ok(nnb_neuron_output(x, w, 3, 0.5f, &out));
    assert_true(out == 1.5f);
}

/* The book's plain-Python lessons: Python prints 4.8 and [4.8, 1.21, 2.385], so the doubles are exactly the
 * doubles nearest those decimals (python3 runs the book's code: tests/reference/lessons_python.py). */
static void test_f64_neuron_and_layer_are_pythons_doubles(void **state)
{
    (void)state;
    const double inputs[4] = {1, 2, 3, 2.5};
    const double weights[12] = {0.2, 0.8, -0.5, 1, 0.5, -0.91, 0.26, -0.5, -0.26, -0.27, 0.17, 0.87};
    const double biases[3] = {2, 3, 0.5};
    double out = 0.0, layer[3] = {0};
    assert_ok(nnb_neuron_output_f64(inputs, weights, 4, 2.0, &out));
    assert_true(out == 4.8);
    assert_ok(nnb_layer_output_f64(inputs, 4, weights, biases, 3, layer));
    assert_true(layer[0] == 4.8 && layer[1] == 1.21 && layer[2] == 2.385);
    /* Left to right, the bias last: (1e16 + 1) - 1e16 = 0 in double (1e16 + 1 rounds to 1e16), then + 0.5. */
    const double x[3] = {1e16, 1, -1e16};
    const double ones[3] = {1, 1, 1};
    assert_ok(nnb_neuron_output_f64(x, ones, 3, 0.5, &out));
    assert_true(out == 0.5);
    out = -1.0;
    assert_status(nnb_neuron_output_f64(x, ones, 0, 0.5, &out), NNB_ERR_ARGUMENT);
    assert_status(nnb_neuron_output_f64(NULL, ones, 3, 0.5, &out), NNB_ERR_NULL);
    assert_true(out == -1.0);
    assert_status(nnb_layer_output_f64(inputs, 4, weights, biases, 0, layer), NNB_ERR_ARGUMENT);
    assert_status(nnb_layer_output_f64(inputs, 4, NULL, biases, 3, layer), NNB_ERR_NULL);
}

static void test_layer_output_lesson2(void **state)
{
    (void)state;
    float out[3] = {0};
    assert_ok(nnb_layer_output(k_inputs, 4, k_weights, k_biases, 3, out));
    /* neuron 1: 4.8 (as lesson 1)
     * neuron 2: 1*0.5 + 2*(-0.91) + 3*0.26 + 2.5*(-0.5) + 3 = 0.5 - 1.82 + 0.78 - 1.25 + 3 = 1.21
     * neuron 3: 1*(-0.26) + 2*(-0.27) + 3*0.17 + 2.5*0.87 + 0.5 = -0.26 - 0.54 + 0.51 + 2.175 + 0.5 = 2.385 */
    assert_close(out[0], 4.8, 1e-6, 0.0);
    assert_close(out[1], 1.21, 1e-6, 0.0);
    assert_close(out[2], 2.385, 1e-6, 0.0);
}

static void test_layer_output_matches_neuron_output_per_row(void **state)
{
    (void)state;
    float out[3];
    assert_ok(nnb_layer_output(k_inputs, 4, k_weights, k_biases, 3, out));
    for (size_t j = 0; j < 3; ++j) {
        float single = 0.0f;
        assert_ok(nnb_neuron_output(k_inputs, k_weights + 4 * j, 4, k_biases[j], &single));
        assert_true(out[j] == single);
    }
}

static void test_neuron_output_bad_arguments_leave_out_untouched(void **state)
{
    (void)state;
    float out = -123.0f;
    assert_status(nnb_neuron_output(NULL, k_weights, 4, 0.0f, &out), NNB_ERR_NULL);
    assert_status(nnb_neuron_output(k_inputs, NULL, 4, 0.0f, &out), NNB_ERR_NULL);
    assert_status(nnb_neuron_output(k_inputs, k_weights, 4, 0.0f, NULL), NNB_ERR_NULL);
    assert_status(nnb_neuron_output(k_inputs, k_weights, 0, 0.0f, &out), NNB_ERR_ARGUMENT);
    assert_true(out == -123.0f);
}

static void test_layer_output_bad_arguments_leave_outputs_untouched(void **state)
{
    (void)state;
    float out[3] = {7.0f, 7.0f, 7.0f};
    assert_status(nnb_layer_output(NULL, 4, k_weights, k_biases, 3, out), NNB_ERR_NULL);
    assert_status(nnb_layer_output(k_inputs, 4, NULL, k_biases, 3, out), NNB_ERR_NULL);
    assert_status(nnb_layer_output(k_inputs, 4, k_weights, NULL, 3, out), NNB_ERR_NULL);
    assert_status(nnb_layer_output(k_inputs, 4, k_weights, k_biases, 3, NULL), NNB_ERR_NULL);
    assert_status(nnb_layer_output(k_inputs, 0, k_weights, k_biases, 3, out), NNB_ERR_ARGUMENT);
    assert_status(nnb_layer_output(k_inputs, 4, k_weights, k_biases, 0, out), NNB_ERR_ARGUMENT);
    /* n_inputs * n_neurons does not fit in size_t. */
    assert_status(nnb_layer_output(k_inputs, SIZE_MAX / 2, k_weights, k_biases, 3, out), NNB_ERR_OVERFLOW);
    for (size_t j = 0; j < 3; ++j) {
        assert_true(out[j] == 7.0f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_neuron_output_lesson1),
        cmocka_unit_test(test_neuron_output_is_dot_rounded_once_plus_bias),
        cmocka_unit_test(test_layer_output_lesson2),
        cmocka_unit_test(test_f64_neuron_and_layer_are_pythons_doubles),
        cmocka_unit_test(test_layer_output_matches_neuron_output_per_row),
        cmocka_unit_test(test_neuron_output_bad_arguments_leave_out_untouched),
        cmocka_unit_test(test_layer_output_bad_arguments_leave_outputs_untouched),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
