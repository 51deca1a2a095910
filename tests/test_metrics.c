/* SPDX-License-Identifier: MIT */
/*
 * Categorical accuracy (the forward metric of lessons 7 and 8): the published example
 * (lessons.json accuracy_book_example, 2/3), argmax ties to the lowest index (a uniform row predicts
 * class 0), NaN handling, one-hot targets, and the errors that leave *accuracy untouched.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>

/* lessons.json accuracy_book_example */
static const float k_pred[9] = {0.7f, 0.2f, 0.1f, 0.5f, 0.1f, 0.4f, 0.02f, 0.9f, 0.08f};
static const uint32_t k_labels[3] = {0, 1, 1};

static void test_accuracy_matches_published_example(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_pred));
    double acc = -1.0;
    assert_ok(nnb_accuracy_categorical(pred, k_labels, 3, &acc));
    /* argmax per row: 0, 0, 1 against 0, 1, 1: two of three correct. */
    assert_true(acc == 2.0 / 3.0);
    assert_close(acc, 0.6666666666666666, 1e-15, 0.0);
    nnb_tensor_destroy(pred);
}

static void test_accuracy_ties_go_to_lowest_index(void **state)
{
    (void)state;
    const float p[12] = {
        1.0f / 3.0f, 1.0f / 3.0f, 1.0f / 3.0f, /* uniform: predicts 0 */
        0.1f,        0.45f,       0.45f,       /* tie 1 / 2: predicts 1 */
        0.4f,        0.2f,        0.4f,        /* tie 0 / 2: predicts 0 */
        0.25f,       0.25f,       0.5f,        /* unique: predicts 2 */
    };
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 4, 3, p));
    double acc = -1.0;
    const uint32_t lowest[4] = {0, 1, 0, 2};
    assert_ok(nnb_accuracy_categorical(pred, lowest, 4, &acc));
    assert_true(acc == 1.0);
    const uint32_t highest[4] = {2, 2, 2, 2};
    assert_ok(nnb_accuracy_categorical(pred, highest, 4, &acc));
    assert_true(acc == 0.25); /* only the unique row */
    nnb_tensor_destroy(pred);
}

static void test_accuracy_never_predicts_nan(void **state)
{
    (void)state;
    const float p[6] = {NAN, 0.2f, 0.1f, 0.3f, NAN, 0.6f};
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 2, 3, p));
    double acc = -1.0;
    const uint32_t labels[2] = {1, 2};
    assert_ok(nnb_accuracy_categorical(pred, labels, 2, &acc));
    assert_true(acc == 1.0);
    nnb_tensor_destroy(pred);
}

static void test_accuracy_onehot_targets(void **state)
{
    (void)state;
    const float t[9] = {1, 0, 0, 0, 1, 0, 0, 1, 0};
    nnb_tensor *pred = NULL, *targets = NULL, *wrong = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_pred));
    assert_ok(nnb_tensor_create_from(&targets, 3, 3, t));
    assert_ok(nnb_tensor_create(&wrong, 3, 2));
    double acc = -1.0;
    assert_ok(nnb_accuracy_onehot(pred, targets, &acc));
    assert_true(acc == 2.0 / 3.0);
    double untouched = -1.0;
    assert_status(nnb_accuracy_onehot(pred, wrong, &untouched), NNB_ERR_SHAPE);
    assert_status(nnb_accuracy_onehot(NULL, targets, &untouched), NNB_ERR_NULL);
    assert_status(nnb_accuracy_onehot(pred, NULL, &untouched), NNB_ERR_NULL);
    assert_status(nnb_accuracy_onehot(pred, targets, NULL), NNB_ERR_NULL);
    assert_true(untouched == -1.0);
    nnb_tensor_destroy(pred);
    nnb_tensor_destroy(targets);
    nnb_tensor_destroy(wrong);
}

static void test_accuracy_label_out_of_range_leaves_result_untouched(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_pred));
    double acc = -1.0;
    const uint32_t bad_last[3] = {0, 1, 3};
    const uint32_t bad_first[3] = {UINT32_MAX, 1, 1};
    assert_status(nnb_accuracy_categorical(pred, bad_last, 3, &acc), NNB_ERR_RANGE);
    assert_status(nnb_accuracy_categorical(pred, bad_first, 3, &acc), NNB_ERR_RANGE);
    assert_true(acc == -1.0);
    nnb_tensor_destroy(pred);
}

static void test_accuracy_shape_and_null_errors(void **state)
{
    (void)state;
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_pred));
    double acc = -1.0;
    assert_status(nnb_accuracy_categorical(pred, k_labels, 2, &acc), NNB_ERR_SHAPE);
    assert_status(nnb_accuracy_categorical(pred, k_labels, 4, &acc), NNB_ERR_SHAPE);
    assert_status(nnb_accuracy_categorical(NULL, k_labels, 3, &acc), NNB_ERR_NULL);
    assert_status(nnb_accuracy_categorical(pred, NULL, 3, &acc), NNB_ERR_NULL);
    assert_status(nnb_accuracy_categorical(pred, k_labels, 3, NULL), NNB_ERR_NULL);
    assert_true(acc == -1.0);
    nnb_tensor_destroy(pred);
}

static void test_accuracy_batch_of_one(void **state)
{
    (void)state;
    const float p[3] = {0.1f, 0.7f, 0.2f};
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 1, 3, p));
    double acc = -1.0;
    const uint32_t right = 1, wrong = 2;
    assert_ok(nnb_accuracy_categorical(pred, &right, 1, &acc));
    assert_true(acc == 1.0);
    assert_ok(nnb_accuracy_categorical(pred, &wrong, 1, &acc));
    assert_true(acc == 0.0);
    nnb_tensor_destroy(pred);
}

static void test_accuracy_argument_checks_follow_documented_order(void **state)
{
    (void)state;
    /* Shapes before contents: a count mismatch wins over an out-of-range label. */
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 3, k_pred));
    const uint32_t bad[4] = {7, 7, 7, 7};
    double acc = -1.0;
    assert_status(nnb_accuracy_categorical(pred, bad, 4, &acc), NNB_ERR_SHAPE);
    assert_status(nnb_accuracy_categorical(NULL, bad, 4, &acc), NNB_ERR_NULL);
    assert_true(acc == -1.0);
    nnb_tensor_destroy(pred);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accuracy_matches_published_example),
        cmocka_unit_test(test_accuracy_ties_go_to_lowest_index),
        cmocka_unit_test(test_accuracy_never_predicts_nan),
        cmocka_unit_test(test_accuracy_onehot_targets),
        cmocka_unit_test(test_accuracy_label_out_of_range_leaves_result_untouched),
        cmocka_unit_test(test_accuracy_shape_and_null_errors),
        cmocka_unit_test(test_accuracy_argument_checks_follow_documented_order),
        cmocka_unit_test(test_accuracy_batch_of_one),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
