/* SPDX-License-Identifier: MIT */
/*
 * The model's accessors (src/train/model_access.c) on the shared small model and on an image model: what
 * each returns for every layer, and NULL, out-of-range and wrong-kind arguments (status, detail, outputs
 * untouched).
 */
#include "test_support.h"

#include <string.h>

static void expect_detail(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

static void test_dense_and_shape_accessors(void **state)
{
    (void)state;
    nnb_model *m = nnb_test_small_model(3, 0);
    /* Dense(2,4) ReLU Dense(4,3) softmax: parameters at 0 and 2 only. */
    assert_non_null(nnb_model_dense_params(m, 0));
    assert_null(nnb_model_dense_params(m, 1));
    assert_non_null(nnb_model_cdense_params(m, 2));
    assert_ptr_equal(nnb_model_cdense_params(m, 2), nnb_model_cdense(m, 2));
    assert_null(nnb_model_dense_params(m, 4));
    assert_null(nnb_model_cdense_params(m, 4));
    assert_null(nnb_model_dense_params(NULL, 0));
    assert_null(nnb_model_cdense_params(NULL, 0));
    assert_null(nnb_model_dense(m, 1));
    assert_null(nnb_model_cdense(m, 9));

    size_t chw[3] = {7, 7, 7};
    assert_ok(nnb_model_layer_shape(m, 2, chw));
    assert_int_equal(chw[0], 3);
    assert_int_equal(chw[1], 1);
    assert_int_equal(chw[2], 1);
    chw[0] = chw[1] = chw[2] = 7;
    assert_status(nnb_model_layer_shape(m, 4, chw), NNB_ERR_RANGE);
    expect_detail("layer 4 of a model of 4 layers");
    assert_int_equal(chw[0], 7);
    assert_status(nnb_model_layer_shape(NULL, 0, chw), NNB_ERR_NULL);
    assert_status(nnb_model_layer_shape(m, 0, NULL), NNB_ERR_NULL);

    assert_int_equal(nnb_model_input_size(m), 2);
    assert_int_equal(nnb_model_output_size(m), 3);
    assert_int_equal(nnb_model_input_size(NULL), 0);
    assert_int_equal(nnb_model_output_size(NULL), 0);

    float *mean = NULL;
    size_t channels = 99;
    assert_status(nnb_model_batchnorm_stats(m, 1, &mean, NULL, &channels), NNB_ERR_ARGUMENT);
    expect_detail("layer 1 is not batch normalisation");
    assert_status(nnb_model_batchnorm_stats(m, 4, &mean, NULL, &channels), NNB_ERR_RANGE);
    assert_status(nnb_model_batchnorm_stats(NULL, 0, &mean, NULL, &channels), NNB_ERR_NULL);
    assert_null(mean);
    assert_int_equal(channels, 99);

    nnb_optimizer_params p;
    memset(&p, 0, sizeof p);
    assert_ok(nnb_model_optimizer_params(m, &p));
    assert_close(p.learning_rate, 0.02, 0.0, 0.0);
    assert_status(nnb_model_optimizer_params(NULL, &p), NNB_ERR_NULL);
    assert_status(nnb_model_optimizer_params(m, NULL), NNB_ERR_NULL);
    float prec = 5.0f;
    assert_status(nnb_model_regression_precision(NULL, &prec, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_regression_precision(m, NULL, NULL), NNB_ERR_NULL);
    assert_ok(nnb_model_regression_precision(m, &prec, NULL));
    nnb_model_destroy(m);

    /* Without an optimizer: NNB_ERR_STATE; before finalize, the last dense width is the output size. */
    assert_ok(nnb_model_create(&m, 0));
    assert_int_equal(nnb_model_input_size(m), 0);
    assert_int_equal(nnb_model_output_size(m), 0);
    assert_ok(nnb_model_add_dense(m, 5, 6, 0.1f, NULL));
    assert_ok(nnb_model_add_sigmoid(m));
    assert_int_equal(nnb_model_output_size(m), 6);
    assert_status(nnb_model_optimizer_params(m, &p), NNB_ERR_STATE);
    nnb_model_destroy(m);
}

/* conv 1 x 4 x 4 -> 2 channels (3 x 3 valid: 2 x 2), batch normalisation, flatten, dense 8 -> 3. */
static void test_image_model_accessors(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    nnb_conv2d_params cp = nnb_conv2d_params_default(3);
    assert_ok(nnb_model_add_conv2d(m, 1, 4, 4, 2, &cp));
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 8, 3, 0.1f, NULL));
    assert_ok(nnb_model_finalize(m));
    assert_int_equal(nnb_model_input_size(m), 16);
    assert_int_equal(nnb_model_output_size(m), 3);
    size_t chw[3];
    assert_ok(nnb_model_layer_shape(m, 1, chw));
    assert_int_equal(chw[0], 2);
    assert_int_equal(chw[1], 2);
    assert_int_equal(chw[2], 2);
    float *mean = NULL, *var = NULL;
    size_t channels = 0;
    assert_ok(nnb_model_batchnorm_stats(m, 1, &mean, &var, &channels));
    assert_int_equal(channels, 2);
    /* The running averages start at 0 and 1, the variance right after the mean. */
    assert_ptr_equal(var, mean + 2);
    assert_close(mean[0], 0.0, 0.0, 0.0);
    assert_close(mean[1], 0.0, 0.0, 0.0);
    assert_close(var[0], 1.0, 0.0, 0.0);
    assert_close(var[1], 1.0, 0.0, 0.0);
    assert_ok(nnb_model_batchnorm_stats(m, 1, NULL, NULL, NULL));
    /* The conv and batch-normalisation layers have parameters (not dense ones). */
    assert_non_null(nnb_model_dense_params(m, 0));
    assert_non_null(nnb_model_dense_params(m, 1));
    assert_null(nnb_model_dense(m, 0));
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_and_shape_accessors),
        cmocka_unit_test(test_image_model_accessors),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
