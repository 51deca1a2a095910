/* SPDX-License-Identifier: MIT */
/* The optional numerical health check: it names the first layer and step where NaN or infinity appears. */
#include <math.h>
#include <string.h>

#include "test_support.h"

/* Dense(2,4) -> ReLU -> Dense(4,3) -> softmax, CCE, SGD with the given learning rate. */
static nnb_model *small_model(double learning_rate)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 4, 0.01f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 4, 3, 0.01f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    sgd.learning_rate = learning_rate;
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_finalize(m));
    return m;
}

static const uint32_t g_labels[4] = {0, 1, 2, 1};

/* A first-layer weight of 1e30 times an input of 1e10 overflows float32 in layer 0's forward output. */
static void test_health_names_the_forward_layer_that_overflows(void **state)
{
    (void)state;
    nnb_model *m = small_model(0.1);
    float big_inputs[8] = {1e10f, 1.0f, 0.5f, 0.5f, -0.5f, 0.25f, 0.0f, 1.0f};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, big_inputs));
    assert_ok(nnb_tensor_set(nnb_dense_weights_mut(nnb_model_dense(m, 0)), 0, 1, 1e30f));
    nnb_targets y = nnb_targets_from_labels(g_labels, 4);
    nnb_train_params tp = nnb_train_params_default();

    /* Off (the default): training still stops on the non-finite loss, but nothing is recorded. */
    nnb_health_report report;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    assert_ok(nnb_model_health(m, &report));
    assert_int_equal(report.phase, NNB_HEALTH_NONE);

    assert_ok(nnb_model_set_health_check(m, 1));
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    assert_ok(nnb_model_health(m, &report));
    assert_int_equal(report.phase, NNB_HEALTH_FORWARD);
    assert_int_equal(report.layer, 0);
    assert_int_equal(report.epoch, 1);
    assert_int_equal(report.step, 0);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

/*
 * Inputs of 1e5 give first-layer weight gradients of order 1e5 * (p - y) / N * 0.01 ~ 1e2; a learning rate
 * of 1e37 turns the first update into an infinity in float32, in dense layer 0 (updated first), epoch 1,
 * step 0, while the forward (outputs of order 1e3) and the loss of that step were finite.
 */
static void test_health_names_the_update_that_overflows(void **state)
{
    (void)state;
    nnb_model *m = small_model(1e37);
    float inputs[8] = {1e5f, 1e5f, -1e5f, 1e5f, 1e5f, -1e5f, -1e5f, -1e5f};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, inputs));
    nnb_targets y = nnb_targets_from_labels(g_labels, 4);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    assert_ok(nnb_model_set_health_check(m, 1));
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    nnb_health_report report;
    assert_ok(nnb_model_health(m, &report));
    assert_int_equal(report.phase, NNB_HEALTH_UPDATE);
    assert_int_equal(report.layer, 0);
    assert_int_equal(report.epoch, 1);
    assert_int_equal(report.step, 0);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

/*
 * Dense(1,1) -> linear with MSE: a weight of 1e20 gives a finite prediction of 1e20 for the input 1, whose
 * squared error 1e40 overflows float32, so the loss is the first non-finite value (layer = the last layer).
 */
static void test_health_names_the_loss_that_overflows(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 1, 1, 0.01f, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_finalize(m));
    assert_ok(nnb_tensor_set(nnb_dense_weights_mut(nnb_model_dense(m, 0)), 0, 0, 1e20f));
    const float one = 1.0f, zero = 0.0f;
    nnb_tensor *X = NULL, *T = NULL;
    assert_ok(nnb_tensor_create_from(&X, 1, 1, &one));
    assert_ok(nnb_tensor_create_from(&T, 1, 1, &zero));
    nnb_targets y = nnb_targets_from_tensor(T);
    nnb_train_params tp = nnb_train_params_default();
    assert_ok(nnb_model_set_health_check(m, 1));
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    nnb_health_report report;
    assert_ok(nnb_model_health(m, &report));
    assert_int_equal(report.phase, NNB_HEALTH_LOSS);
    assert_int_equal(report.layer, 1);
    assert_int_equal(report.epoch, 1);
    assert_int_equal(report.step, 0);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(T);
    nnb_model_destroy(m);
}

/* A healthy run with the check on reports nothing and trains exactly like a run with it off. */
static void test_health_check_does_not_change_a_healthy_run(void **state)
{
    (void)state;
    nnb_model *a = small_model(0.5), *b = small_model(0.5);
    float inputs[8] = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, -0.7f, -0.8f};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, inputs));
    nnb_targets y = nnb_targets_from_labels(g_labels, 4);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 20;
    assert_ok(nnb_model_set_health_check(a, 1));
    assert_ok(nnb_model_train(a, X, &y, &tp));
    assert_ok(nnb_model_train(b, X, &y, &tp));
    nnb_health_report report;
    assert_ok(nnb_model_health(a, &report));
    assert_int_equal(report.phase, NNB_HEALTH_NONE);
    for (size_t i = 0; i < 4; i += 2) {
        const nnb_tensor *wa = nnb_dense_weights(nnb_model_cdense(a, i));
        const nnb_tensor *wb = nnb_dense_weights(nnb_model_cdense(b, i));
        assert_memory_equal(nnb_tensor_cdata(wa), nnb_tensor_cdata(wb), nnb_tensor_size(wa) * sizeof(float));
    }
    nnb_tensor_destroy(X);
    nnb_model_destroy(b);
    nnb_model_destroy(a);
}

static void test_health_rejects_null(void **state)
{
    (void)state;
    nnb_health_report report;
    memset(&report, 0x5a, sizeof report);
    assert_status(nnb_model_set_health_check(NULL, 1), NNB_ERR_NULL);
    assert_status(nnb_model_health(NULL, &report), NNB_ERR_NULL);
    nnb_model *m = small_model(0.1);
    assert_status(nnb_model_health(m, NULL), NNB_ERR_NULL);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_names_the_forward_layer_that_overflows),
        cmocka_unit_test(test_health_names_the_update_that_overflows),
        cmocka_unit_test(test_health_names_the_loss_that_overflows),
        cmocka_unit_test(test_health_check_does_not_change_a_healthy_run),
        cmocka_unit_test(test_health_rejects_null),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
