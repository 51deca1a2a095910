/* SPDX-License-Identifier: MIT */
/*
 * nnb_last_error (status.h): the detail names the failing function and the specifics, stays until the
 * thread's next failure, and is thread-local.
 */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "test_support.h"

static void assert_detail_has(const char *part)
{
    const char *detail = nnb_last_error();
    assert_non_null(detail);
    if (strstr(detail, part) == NULL) {
        fail_msg("detail \"%s\" does not contain \"%s\"", detail, part);
    }
}

/* A fresh thread has no detail yet. */
static void *fresh_detail(void *arg)
{
    (void)arg;
    return (void *)(strcmp(nnb_last_error(), "") == 0 ? "empty" : NULL);
}

/* A failure in another thread does not touch this thread's detail. */
static void *fail_in_thread(void *arg)
{
    (void)arg;
    float value = 0.0f;
    nnb_tensor *t = NULL;
    if (nnb_tensor_create(&t, 2, 2) != NNB_OK) {
        return NULL;
    }
    nnb_status st = nnb_tensor_get(t, 5, 0, &value);
    nnb_tensor_destroy(t);
    return (void *)(st == NNB_ERR_RANGE && strstr(nnb_last_error(), "(5, 0)") != NULL ? "ok" : NULL);
}

static void test_detail_starts_empty_and_is_thread_local(void **state)
{
    (void)state;
    pthread_t tid;
    void *result = NULL;
    assert_int_equal(pthread_create(&tid, NULL, fresh_detail, NULL), 0);
    assert_int_equal(pthread_join(tid, &result), 0);
    assert_non_null(result);

    nnb_tensor *a = NULL, *b = NULL;
    assert_ok(nnb_tensor_create(&a, 2, 3));
    assert_ok(nnb_tensor_create(&b, 3, 2));
    assert_status(nnb_tensor_copy(a, b), NNB_ERR_SHAPE);
    assert_detail_has("nnb_tensor_copy: dst is 2 x 3, src 3 x 2");

    assert_int_equal(pthread_create(&tid, NULL, fail_in_thread, NULL), 0);
    assert_int_equal(pthread_join(tid, &result), 0);
    assert_non_null(result);
    /* Still this thread's own detail; a successful call does not clear it either. */
    assert_ok(nnb_tensor_copy(a, a));
    assert_detail_has("nnb_tensor_copy: dst is 2 x 3, src 3 x 2");
    nnb_tensor_destroy(a);
    nnb_tensor_destroy(b);
}

static void test_dense_shape_errors_name_both_shapes(void **state)
{
    (void)state;
    nnb_dense *layer = NULL;
    nnb_tensor *x = NULL, *y = NULL;
    assert_ok(nnb_dense_create(&layer, 2, 4, NULL, 0.0f));
    assert_ok(nnb_tensor_create(&x, 5, 3));
    assert_ok(nnb_tensor_create(&y, 5, 4));
    assert_status(nnb_dense_forward(layer, x, y), NNB_ERR_SHAPE);
    assert_detail_has("nnb_dense_forward: inputs are 5 x 3");
    assert_detail_has("(2 -> 4)");
    assert_status(nnb_dense_create(&layer, 0, 4, NULL, 0.0f), NNB_ERR_ARGUMENT);
    assert_detail_has("nnb_dense_create: n_inputs 0");
    nnb_tensor_destroy(x);
    nnb_tensor_destroy(y);
    nnb_dense_destroy(layer);
}

static void test_label_and_finite_errors_name_the_position(void **state)
{
    (void)state;
    const float p[6] = {0.2f, 0.8f, 0.6f, 0.4f, 0.5f, 0.5f};
    const uint32_t labels[3] = {1, 0, 7};
    nnb_tensor *pred = NULL;
    assert_ok(nnb_tensor_create_from(&pred, 3, 2, p));
    double acc = 0.0;
    assert_status(nnb_accuracy_categorical(pred, labels, 3, &acc), NNB_ERR_RANGE);
    assert_detail_has("label 2 is 7; the 2 classes are 0 to 1");
    assert_ok(nnb_tensor_set(pred, 2, 1, NAN));
    size_t bad = 0;
    assert_status(nnb_tensor_check_finite(pred, &bad), NNB_ERR_NONFINITE);
    assert_detail_has("element (2, 1) of the 3 x 2 tensor is nan");
    nnb_tensor_destroy(pred);
}

/* SGD at a huge learning rate on the spiral data diverges; the detail says where, not "NaN in data". */
static void test_diverging_training_says_so_with_epoch_and_step(void **state)
{
    (void)state;
    enum { SAMPLES = 50, CLASSES = 3, N = SAMPLES * CLASSES };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, SAMPLES, CLASSES, X, labels, N));
    for (int health = 0; health <= 1; ++health) {
        nnb_model *m = NULL;
        assert_ok(nnb_model_create(&m, 0));
        assert_ok(nnb_model_add_dense(m, 2, 64, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
        assert_ok(nnb_model_add_relu(m));
        assert_ok(nnb_model_add_dense(m, 64, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
        assert_ok(nnb_model_add_softmax(m));
        assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
        nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
        sgd.learning_rate = 1e30;
        assert_ok(nnb_model_set_optimizer(m, &sgd));
        assert_ok(nnb_model_finalize(m));
        assert_ok(nnb_model_set_health_check(m, health));
        nnb_targets y = nnb_targets_from_labels(labels, N);
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = 50;
        assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
        assert_detail_has("nnb_model_train: training diverged");
        assert_detail_has("epoch ");
        assert_detail_has(", step 0");
        if (health) {
            assert_detail_has("of layer ");
        }
        nnb_model_destroy(m);
    }
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detail_starts_empty_and_is_thread_local),
        cmocka_unit_test(test_dense_shape_errors_name_both_shapes),
        cmocka_unit_test(test_label_and_finite_errors_name_the_position),
        cmocka_unit_test(test_diverging_training_says_so_with_epoch_and_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
