/* SPDX-License-Identifier: MIT */
/*
 * The model summary: parameter counts and workspace bytes counted by hand from the layer widths, and the
 * whole text of a small model's table written out here.
 */
#include "test_support.h"

#include <stdio.h>
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
        cmocka_unit_test(test_summary_bad_arguments),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
