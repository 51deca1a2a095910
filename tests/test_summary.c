/* SPDX-License-Identifier: MIT */
/*
 * The model summary: parameter counts and workspace bytes counted by hand from the layer widths, and the
 * whole text of a small model's table written out here.
 */
/* fdopen, dup. */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <stdio.h>
#include <unistd.h>
#include <string.h>

/* Writes the summary to a temporary file and reads it back into buf. */
static void summary_text(const nnb_model *m, size_t batch, char *buf, size_t cap)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_ok(nnb_model_summary(m, f, batch));
    rewind(f);
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

static void test_summary_whole_text(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    assert_ok(nnb_model_add_dense_init(m, 2, 4, &he, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 4, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_finalize(m));
    /*
     * Parameters: 2*4 + 4 = 12 and 4*3 + 3 = 15, 27 in all, 108 bytes. Workspace at batch 10, in floats:
     * dense 0 output 40; relu in place, input gradient 40; dense 2 output 30, input gradient 40; softmax in
     * place, input gradient 30; loss gradient 30, per-sample losses 10, gathered inputs 20 and targets 30:
     * 270 floats = 1080 bytes, and 10 gathered labels of 4 bytes: 1120 bytes.
     */
    const char *expected = "Layer  Kind      Output shape        Parameters  Activation\n"
                           "-----  --------  ----------------  ------------  ----------\n"
                           "0      dense     (10, 4)                     12  relu\n"
                           "1      relu      (10, 4)                      0  -\n"
                           "2      dense     (10, 3)                     15  softmax\n"
                           "3      softmax   (10, 3)                      0  -\n"
                           "Total parameters: 27 (108 bytes of float32 weights and biases)\n"
                           "Training workspace for batches of 10: 1120 bytes (plus the GEMM packing scratch)\n";
    char buf[2048];
    summary_text(m, 10, buf, sizeof buf);
    assert_string_equal(buf, expected);
    size_t ws = 0;
    assert_ok(nnb_model_workspace_bytes(m, 10, &ws)); /* the same hand count, as a number */
    assert_int_equal(ws, 1120);
    nnb_model_destroy(m);
}

static void test_summary_of_the_header_example(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 4, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_relu(m));
    /* 2*4 + 4 = 12; dense output 40, relu input gradient 40, loss gradient 40, per-sample 10, gathered
       inputs 20 and targets 40 floats: 190 * 4 = 760, labels 40: 800 bytes. */
    char buf[2048];
    summary_text(m, 10, buf, sizeof buf);
    assert_non_null(strstr(buf, "Total parameters: 12 (48 bytes of float32 weights and biases)\n"));
    assert_non_null(strstr(buf, "batches of 10: 800 bytes"));
    nnb_model_destroy(m);
}

static void test_parameter_count_and_workspace_with_dropout(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 3, 5, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_dropout(m, 0.5f));
    assert_ok(nnb_model_add_dense(m, 5, 1, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_linear(m));
    size_t n = 0;
    assert_ok(nnb_model_parameter_count(m, &n));
    assert_int_equal(n, 3 * 5 + 5 + 5 * 1 + 1);
    /*
     * Batch 4: dense output 20; dropout output 20, input gradient 20, mask 20; dense output 4, input gradient
     * 20; linear nothing; loss gradient 4, per-sample 4, gathered inputs 12 and targets 4: 128 floats = 512
     * bytes, labels 16: 528 bytes.
     */
    char buf[2048];
    summary_text(m, 4, buf, sizeof buf);
    assert_non_null(strstr(buf, "1      dropout   (4, 5)                       0  -\n"));
    assert_non_null(strstr(buf, "2      dense     (4, 1)                       6  linear\n"));
    assert_non_null(strstr(buf, "Total parameters: 26 (104 bytes"));
    assert_non_null(strstr(buf, "batches of 4: 528 bytes"));
    nnb_model_destroy(m);
}

/* Per-layer counts by hand; a convolution without biases has only its weights (nnb info once added out_c). */
static void test_layer_parameter_count_conv_without_bias(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    nnb_conv2d_params cp = nnb_conv2d_params_default(3);
    cp.bias = 0;
    assert_ok(nnb_model_add_conv2d(m, 2, 5, 5, 3, &cp)); /* 2 * 3 * 3 * 3 = 54 weights, no biases */
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));  /* gamma and beta of 3 channels: 6 */
    assert_ok(nnb_model_add_relu(m));
    cp.bias = 1;
    assert_ok(nnb_model_add_conv2d(m, 0, 0, 0, 4, &cp)); /* 3 * 3 * 3 * 4 = 108 weights + 4 biases */
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 4, 2, NNB_DENSE_DEFAULT_INIT_SCALE, NULL)); /* 8 + 2 */
    static const size_t expected[6] = {54, 6, 0, 112, 0, 10};
    for (size_t i = 0; i < 6; ++i) {
        size_t n = 99;
        assert_ok(nnb_model_layer_parameter_count(m, i, &n));
        assert_int_equal(n, expected[i]);
    }
    size_t total = 0;
    assert_ok(nnb_model_parameter_count(m, &total));
    assert_int_equal(total, 54 + 6 + 112 + 10);
    size_t n = 7;
    assert_status(nnb_model_layer_parameter_count(m, 6, &n), NNB_ERR_RANGE);
    assert_status(nnb_model_layer_parameter_count(NULL, 0, &n), NNB_ERR_NULL);
    assert_status(nnb_model_layer_parameter_count(m, 0, NULL), NNB_ERR_NULL);
    assert_int_equal(n, 7);
    nnb_model_destroy(m);
}

/*
 * Every layer kind's name, the 4-element output shape of image layers, the activation column after a
 * convolution, and a convolution without bias. Parameters by hand: conv 1 -> 2 channels, 3 x 3 kernel with
 * bias: 9 * 2 + 2 = 20; batch normalisation of 2 channels: gamma and beta, 4; conv 2 -> 3, 1 x 1, no bias:
 * 6; dense 3 -> 2: 8; three dense 2 -> 2: 6 each; 20 + 4 + 6 + 8 + 18 = 56 (224 bytes). Shapes: 6 x 6 ->
 * 4 x 4 (valid 3 x 3) -> 2 x 2 (max pool 2) -> 1 x 1 (average pool 2).
 */
static void test_summary_names_every_layer_kind(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    nnb_conv2d_params cp = nnb_conv2d_params_default(3);
    assert_ok(nnb_model_add_conv2d(m, 1, 6, 6, 2, &cp));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_maxpool2d(m, 2, 2, 0));
    assert_ok(nnb_model_add_batchnorm(m, 0.1f, 1e-5f));
    nnb_conv2d_params cp1 = nnb_conv2d_params_default(1);
    cp1.bias = 0;
    assert_ok(nnb_model_add_conv2d(m, 0, 0, 0, 3, &cp1));
    assert_ok(nnb_model_add_avgpool2d(m, 2, 2, 0));
    assert_ok(nnb_model_add_global_avgpool(m));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 3, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_tanh(m));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_leaky_relu(m, 0.1f));
    assert_ok(nnb_model_add_elu(m, 1.0f));
    assert_ok(nnb_model_add_gelu(m, NNB_GELU_EXACT));
    assert_ok(nnb_model_add_softplus(m));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_sigmoid(m));
    assert_ok(nnb_model_add_dropout(m, 0.5f));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.1f, NULL));
    const char *expected = "Layer  Kind      Output shape        Parameters  Activation\n"
                           "-----  --------  ----------------  ------------  ----------\n"
                           "0      conv2d    (5, 2, 4, 4)                20  relu\n"
                           "1      relu      (5, 2, 4, 4)                 0  -\n"
                           "2      maxpool   (5, 2, 2, 2)                 0  -\n"
                           "3      bnorm     (5, 2, 2, 2)                 4  -\n"
                           "4      conv2d    (5, 3, 2, 2)                 6  linear\n"
                           "5      avgpool   (5, 3)                       0  -\n"
                           "6      gavgpool  (5, 3)                       0  -\n"
                           "7      flatten   (5, 3)                       0  -\n"
                           "8      dense     (5, 2)                       8  tanh\n"
                           "9      tanh      (5, 2)                       0  -\n"
                           "10     dense     (5, 2)                       6  leaky_relu\n"
                           "11     leaky_relu  (5, 2)                       0  -\n"
                           "12     elu       (5, 2)                       0  -\n"
                           "13     gelu      (5, 2)                       0  -\n"
                           "14     softplus  (5, 2)                       0  -\n"
                           "15     dense     (5, 2)                       6  sigmoid\n"
                           "16     sigmoid   (5, 2)                       0  -\n"
                           "17     dropout   (5, 2)                       0  -\n"
                           "18     dense     (5, 2)                       6  linear\n"
                           "Total parameters: 56 (224 bytes of float32 weights and biases)\n";
    char buf[4096];
    summary_text(m, 5, buf, sizeof buf);
    size_t n = strlen(expected);
    if (strncmp(buf, expected, n) != 0) {
        fail_msg("summary:\n%s\nexpected to start with:\n%s", buf, expected);
    }
    assert_non_null(strstr(buf + n, "Training workspace for batches of 5: "));
    size_t count = 0;
    assert_ok(nnb_model_parameter_count(m, &count));
    assert_int_equal(count, 56);
    nnb_model_destroy(m);
}

/* A stream that cannot be written (opened for reading): NNB_ERR_IO with a detail. */
static void test_summary_to_an_unwritable_stream_fails(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 3, 0.1f, NULL));
    FILE *f = tmpfile();
    assert_non_null(f);
    FILE *r = fdopen(dup(fileno(f)), "r");
    assert_non_null(r);
    assert_status(nnb_model_summary(m, r, 4), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "writing the model summary failed"));
    fclose(r);
    fclose(f);
    nnb_model_destroy(m);
}

static void test_summary_bad_arguments(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    size_t n = 7;
    assert_status(nnb_model_summary(NULL, stdout, 1), NNB_ERR_NULL);
    assert_status(nnb_model_summary(m, NULL, 1), NNB_ERR_NULL);
    assert_status(nnb_model_summary(m, stdout, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_parameter_count(NULL, &n), NNB_ERR_NULL);
    assert_status(nnb_model_parameter_count(m, NULL), NNB_ERR_NULL);
    assert_int_equal(n, 7);
    assert_ok(nnb_model_parameter_count(m, &n));
    assert_int_equal(n, 0);
    assert_status(nnb_model_workspace_bytes(NULL, 1, &n), NNB_ERR_NULL);
    assert_status(nnb_model_workspace_bytes(m, 1, NULL), NNB_ERR_NULL);
    n = 7;
    assert_status(nnb_model_workspace_bytes(m, 0, &n), NNB_ERR_ARGUMENT);
    assert_int_equal(n, 7); /* untouched on failure */
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_whole_text),
        cmocka_unit_test(test_summary_of_the_header_example),
        cmocka_unit_test(test_parameter_count_and_workspace_with_dropout),
        cmocka_unit_test(test_summary_names_every_layer_kind),
        cmocka_unit_test(test_summary_to_an_unwritable_stream_fails),
        cmocka_unit_test(test_summary_bad_arguments),
        cmocka_unit_test(test_layer_parameter_count_conv_without_bias),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
