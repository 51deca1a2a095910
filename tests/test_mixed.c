/* SPDX-License-Identifier: MIT */
/*
 * float64 steps as numpy promotes them (nnbasics/mixed.h). Expected values come from numpy running the
 * book's classes on two small cases (tests/reference/mixed_numpy.py prints them): a chapter-15 network in
 * small (float64 dropout mask, dense passes with a float64 operand, float64 bias gradient, two Adam steps
 * with float64 bias moments) and chapter 17's float64 loss, gradient, precision and accuracy. Float32 values
 * are compared as bit patterns, doubles exactly.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static void assert_f32_bits(const float *got, const uint32_t *want, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (float_bits(got[i]) != want[i]) {
            print_error("element %zu: got 0x%08x, numpy 0x%08x\n", i, (unsigned)float_bits(got[i]), (unsigned)want[i]);
        }
        assert_int_equal(float_bits(got[i]), want[i]);
    }
}

static void assert_f64_equal(const double *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (got[i] != want[i]) {
            print_error("element %zu: got %a, numpy %a\n", i, got[i], want[i]);
        }
        assert_true(got[i] == want[i]);
    }
}

/* ---- case 1: the chapter-15 network in small ------------------------------------------------------------ */

static const double k_mask[20] = {0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x0.0p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0,
                                  0x1.1c71c71c71c72p+0, 0x1.1c71c71c71c72p+0};
static const double k_dropout_out[20] = {0x0.0p+0,
                                         0x1.5d1e5dc71c71dp-5,
                                         0x0.0p+0,
                                         0x1.5752995555556p-7,
                                         0x0.0p+0,
                                         0x0.0p+0,
                                         0x1.8d445471c71c7p-6,
                                         0x1.9d76638e38e39p-6,
                                         0x0.0p+0,
                                         0x1.1e1bb2aaaaaabp-6,
                                         0x0.0p+0,
                                         0x1.d782a1c71c71dp-10,
                                         0x0.0p+0,
                                         0x1.42d10aaaaaaabp-5,
                                         0x0.0p+0,
                                         0x1.d176200000000p-9,
                                         0x0.0p+0,
                                         0x1.4dd8d15555556p-6,
                                         0x0.0p+0,
                                         0x1.08df60e38e38ep-8};
static const uint32_t k_dense2_out[10] = {0x39db7fc9u, 0x37f826acu, 0xb9d6004au, 0xb99ee446u, 0x3967b1ceu,
                                          0x37ae7bfdu, 0x3a0558d4u, 0x384c4797u, 0x39660036u, 0x3792e562u};
static const uint32_t k_dense2_dweights[8] = {0x00000000u, 0x00000000u, 0xba37b695u, 0x3a027fb3u,
                                              0xba1ee821u, 0xb9beb028u, 0xba704aecu, 0xb9f41b78u};
static const uint32_t k_dense2_dbiases[2] = {0xbccccccau, 0x3ccccccau};
static const double k_drelu[20] = {0x0.0p+0,
                                   -0x1.a0c699c71c71dp-11,
                                   0x0.0p+0,
                                   0x1.2718455555556p-10,
                                   0x0.0p+0,
                                   0x0.0p+0,
                                   0x1.68082b1c71c72p-15,
                                   0x1.3ee019c71c71dp-11,
                                   0x0.0p+0,
                                   -0x1.3247b0e38e38ep-14,
                                   0x0.0p+0,
                                   0x1.7c7d56aaaaaabp-14,
                                   0x0.0p+0,
                                   0x1.2debb80000000p-12,
                                   0x0.0p+0,
                                   -0x1.bf81895555556p-12,
                                   0x0.0p+0,
                                   0x1.5434aeaaaaaabp-11,
                                   0x0.0p+0,
                                   -0x1.ef1136aaaaaabp-11};
static const uint32_t k_dense1_dweights[12] = {0x365fecd2u, 0xba5d6e4au, 0x38c56552u, 0x3b26bc3cu,
                                               0xb70f4b22u, 0xb95e7415u, 0x38b5cd71u, 0x3ab82362u,
                                               0xb6f9077eu, 0xb82c28eeu, 0xb86ced17u, 0xba0de631u};
static const double k_dense1_dbiases[4] = {0x0.0p+0, 0x1.20d7d638e38e0p-14, 0x1.68082b1c71c72p-15,
                                           0x1.db9ca7e38e392p-12};
static const uint32_t k_dense1_dinputs[15] = {0xb70c22f4u, 0x37fbdf76u, 0xb793091du, 0x35f3bedeu, 0x36b9d3cau,
                                              0xb4b9b376u, 0xb558a1cfu, 0x3631bbf5u, 0xb5d8e2e9u, 0x3647093bu,
                                              0xb73938fau, 0x36d4bd24u, 0x36e21d75u, 0xb7cf7079u, 0x376fd982u};
static const double k_step2_dense1_dbiases[4] = {0x1.9dbdd471c71c7p-12, -0x1.a26d397471c72p-9, -0x1.a274960000000p-15,
                                                 -0x1.a356840000000p-15};
static const uint32_t k_dense1_biases[4] = {0xbd18583au, 0xbc5c6a77u, 0xbd324e33u, 0xbda2353bu};
static const uint32_t k_dense1_weights[12] = {0xbdaa9e88u, 0x3ddb3ebeu, 0xbd81a73fu, 0xbda32dc4u,
                                              0x3bde27e8u, 0x3d843f88u, 0xbd682596u, 0xbd970606u,
                                              0x3ba7d240u, 0x3de595feu, 0x3d342e95u, 0x3da48b9eu};
static const uint32_t k_dense2_biases[2] = {0x3dcccc97u, 0xbdcccc97u};

static void test_chapter15_in_small_follows_numpy(void **state)
{
    (void)state;
    /* The float32 steps around the float64 ones (dense1's forward pass) follow numpy in the exact modes. */
    const nnb_arithmetic saved = nnb_get_arithmetic();
    assert_int_equal(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY), NNB_OK);
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *h = NULL, *r = NULL, *out2 = NULL, *dlogits = NULL, *ddrop = NULL, *dx = NULL;
    nnb_dense *dense1 = NULL, *dense2 = NULL;
    nnb_optimizer *opt = NULL;
    assert_int_equal(nnb_rng_create(&rng, 0), NNB_OK);
    assert_int_equal(nnb_tensor_create(&X, 5, 3), NNB_OK);
    assert_int_equal(nnb_rng_fill_normal(rng, nnb_tensor_data(X), 15, 1.0f), NNB_OK);
    assert_int_equal(nnb_dense_create(&dense1, 3, 4, rng, 0.01f), NNB_OK);
    const nnb_regularization reg = {0.0f, 5e-4f, 0.0f, 5e-4f};
    assert_int_equal(nnb_dense_set_regularization(dense1, &reg), NNB_OK);
    assert_int_equal(nnb_dense_create(&dense2, 4, 2, rng, 0.01f), NNB_OK);
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.05;
    assert_int_equal(nnb_optimizer_create(&opt, &params), NNB_OK);
    assert_int_equal(nnb_tensor_create(&h, 5, 4), NNB_OK);
    assert_int_equal(nnb_tensor_create(&r, 5, 4), NNB_OK);
    assert_int_equal(nnb_tensor_create(&out2, 5, 2), NNB_OK);
    assert_int_equal(nnb_tensor_create(&dlogits, 5, 2), NNB_OK);
    assert_int_equal(nnb_tensor_create(&ddrop, 5, 4), NNB_OK);
    assert_int_equal(nnb_tensor_create(&dx, 5, 3), NNB_OK);
    for (int i = 0; i < 10; ++i) {
        nnb_tensor_data(dlogits)[i] = ((float)i - 4.5f) * 0.01f;
    }
    double mask[20], dropout_out[20], drelu[20];
    for (int step = 0; step < 2; ++step) {
        assert_int_equal(nnb_dense_forward(dense1, X, h), NNB_OK);
        assert_int_equal(nnb_relu_forward(h, r), NNB_OK);
        assert_int_equal(nnb_dropout_forward_f64(rng, 0.1, r, mask, dropout_out), NNB_OK);
        assert_int_equal(nnb_dense_forward_f64(dense2, dropout_out, 5, out2), NNB_OK);
        assert_int_equal(nnb_dense_backward_f64_inputs(dense2, dropout_out, dlogits, ddrop), NNB_OK);
        assert_null(nnb_dense_dbiases_f64(dense2));
        assert_int_equal(nnb_dropout_backward_f64(mask, ddrop, drelu), NNB_OK);
        assert_int_equal(nnb_relu_backward_f64(h, drelu, drelu), NNB_OK);
        assert_int_equal(nnb_dense_backward_f64(dense1, X, drelu, dx), NNB_OK);
        if (step == 0) {
            assert_f64_equal(mask, k_mask, 20);
            assert_f64_equal(dropout_out, k_dropout_out, 20);
            assert_f32_bits(nnb_tensor_data(out2), k_dense2_out, 10);
            assert_f32_bits(nnb_tensor_cdata(nnb_dense_dweights(dense2)), k_dense2_dweights, 8);
            assert_f32_bits(nnb_tensor_cdata(nnb_dense_dbiases(dense2)), k_dense2_dbiases, 2);
            assert_f64_equal(drelu, k_drelu, 20);
            assert_f32_bits(nnb_tensor_cdata(nnb_dense_dweights(dense1)), k_dense1_dweights, 12);
            assert_non_null(nnb_dense_dbiases_f64(dense1));
            assert_f64_equal(nnb_dense_dbiases_f64(dense1), k_dense1_dbiases, 4);
            assert_f32_bits(nnb_tensor_data(dx), k_dense1_dinputs, 15);
        } else {
            assert_f64_equal(nnb_dense_dbiases_f64(dense1), k_step2_dense1_dbiases, 4);
        }
        assert_int_equal(nnb_optimizer_pre_update(opt), NNB_OK);
        assert_int_equal(nnb_optimizer_update_dense(opt, dense1), NNB_OK);
        assert_int_equal(nnb_optimizer_update_dense(opt, dense2), NNB_OK);
        assert_int_equal(nnb_optimizer_post_update(opt), NNB_OK);
    }
    assert_f32_bits(nnb_tensor_cdata(nnb_dense_biases(dense1)), k_dense1_biases, 4);
    assert_f32_bits(nnb_tensor_cdata(nnb_dense_weights(dense1)), k_dense1_weights, 12);
    assert_f32_bits(nnb_tensor_cdata(nnb_dense_biases(dense2)), k_dense2_biases, 2);

    /* A float64 bias gradient is followed by Adam only: SGD refuses it and leaves the layer alone. */
    nnb_optimizer *sgd = NULL;
    nnb_optimizer_params sgd_params = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_int_equal(nnb_optimizer_create(&sgd, &sgd_params), NNB_OK);
    float before = nnb_tensor_cdata(nnb_dense_weights(dense1))[0];
    assert_int_equal(nnb_optimizer_update_dense(sgd, dense1), NNB_ERR_STATE);
    assert_true(strstr(nnb_last_error(), "Adam") != NULL);
    assert_true(float_bits(nnb_tensor_cdata(nnb_dense_weights(dense1))[0]) == float_bits(before));
    nnb_optimizer_destroy(sgd);

    /* A float32 backward pass clears the float64 bias gradient. */
    nnb_tensor *dh = NULL;
    assert_int_equal(nnb_tensor_create(&dh, 5, 4), NNB_OK);
    assert_int_equal(nnb_tensor_zero(dh), NNB_OK);
    assert_int_equal(nnb_dense_backward(dense1, X, dh, NULL), NNB_OK);
    assert_null(nnb_dense_dbiases_f64(dense1));
    nnb_tensor_destroy(dh);

    nnb_tensor_destroy(dx);
    nnb_tensor_destroy(ddrop);
    nnb_tensor_destroy(dlogits);
    nnb_tensor_destroy(out2);
    nnb_tensor_destroy(r);
    nnb_tensor_destroy(h);
    nnb_optimizer_destroy(opt);
    nnb_dense_destroy(dense2);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    assert_int_equal(nnb_set_arithmetic(saved), NNB_OK);
}

/* ---- case 2: chapter 17's float64 loss ------------------------------------------------------------------ */

static void test_chapter17_loss_gradient_precision_accuracy_follow_numpy(void **state)
{
    (void)state;
    enum { N = 300 };
    double X[N], y[N], d[N];
    assert_int_equal(nnb_sine_data_f64(N, X, y), NNB_OK);
    assert_true(X[75] == 0.25 && y[75] == 1.0 && y[0] == 0.0); /* sin(pi / 2) rounds to 1 */
    nnb_tensor *pred = NULL;
    assert_int_equal(nnb_tensor_create(&pred, N, 1), NNB_OK);
    for (int i = 0; i < N; ++i) {
        nnb_tensor_data(pred)[i] = (float)(0.9 * y[i] + 0.01);
    }
    double loss;
    assert_int_equal(nnb_mse_f64(pred, y, &loss), NNB_OK);
    assert_true(loss == 0x1.4e3bcbe4fdef9p-8);
    assert_int_equal(nnb_mse_backward_f64(pred, y, d), NNB_OK);
    assert_true(d[0] == 0x1.179ec962fc963p-14 && d[7] == -0x1.01b70f82a651fp-15);
    assert_true(d[150] == 0x1.179ec962fc926p-14 && d[299] == 0x1.522df4440fa13p-14);
    double precision;
    assert_int_equal(nnb_regression_precision_f64(y, N, 250.0, &precision), NNB_OK);
    assert_true(precision == 0x1.72ba43fff3718p-9);
    double wide, accuracy;
    assert_int_equal(nnb_regression_precision_f64(y, N, 40.0, &wide), NNB_OK);
    assert_int_equal(nnb_accuracy_regression_f64(pred, y, wide, &accuracy), NNB_OK);
    assert_true(accuracy == 0x1.d0369d0369d03p-4);
    nnb_tensor_destroy(pred);
}

/* ---- bad input ------------------------------------------------------------------------------------------ */

static void test_bad_arguments_report_and_leave_outputs(void **state)
{
    (void)state;
    double a[4] = {1, 2, 3, 4}, b[4] = {0, 0, 0, 0}, v = 7.0;
    nnb_dense *layer = NULL;
    nnb_tensor *t22 = NULL, *t21 = NULL;
    assert_int_equal(nnb_dense_create(&layer, 2, 2, NULL, 0.0f), NNB_OK);
    assert_int_equal(nnb_tensor_create(&t22, 2, 2), NNB_OK);
    assert_int_equal(nnb_tensor_create(&t21, 2, 1), NNB_OK);
    assert_int_equal(nnb_sine_data_f64(0, a, b), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_sine_data_f64(4, NULL, b), NNB_ERR_NULL);
    assert_int_equal(nnb_dense_forward_f64(layer, a, 0, t22), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_dense_forward_f64(layer, a, 2, t21), NNB_ERR_SHAPE);
    assert_true(strlen(nnb_last_error()) > 0);
    assert_int_equal(nnb_dense_backward_f64(layer, t21, a, NULL), NNB_ERR_SHAPE);
    assert_int_equal(nnb_dense_backward_f64_inputs(layer, a, t21, NULL), NNB_ERR_SHAPE);
    assert_int_equal(nnb_dense_backward_f64_inputs(layer, a, t22, t22), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_dense_backward_f64(layer, t22, a, nnb_dense_weights_mut(layer)), NNB_ERR_ARGUMENT);
    assert_null(nnb_dense_dweights(layer)); /* nothing was created by the failed calls */
    assert_null(nnb_dense_dbiases_f64(layer));
    nnb_rng *rng = NULL;
    assert_int_equal(nnb_rng_create(&rng, 0), NNB_OK);
    assert_int_equal(nnb_dropout_forward_f64(rng, 1.0, t22, a, b), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_dropout_forward_f64(rng, 0.1, t22, a, a), NNB_ERR_ARGUMENT);
    assert_true(b[0] == 0.0 && a[0] == 1.0);
    assert_int_equal(nnb_regression_precision_f64(a, 4, 0.0, &v), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_regression_precision_f64(a, 0, 250.0, &v), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_accuracy_regression_f64(t21, a, -1.0, &v), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_mse_f64(NULL, a, &v), NNB_ERR_NULL);
    assert_int_equal(nnb_mse_backward_f64(t21, NULL, b), NNB_ERR_NULL);
    assert_true(v == 7.0);
    nnb_rng_destroy(rng);
    nnb_tensor_destroy(t21);
    nnb_tensor_destroy(t22);
    nnb_dense_destroy(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chapter15_in_small_follows_numpy),
        cmocka_unit_test(test_chapter17_loss_gradient_precision_accuracy_follow_numpy),
        cmocka_unit_test(test_bad_arguments_report_and_leave_outputs),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
