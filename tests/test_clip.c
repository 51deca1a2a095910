/* SPDX-License-Identifier: MIT */
/*
 * Gradient clipping in training: the gradients a clipped step leaves in the layers against those of the same
 * step unclipped, clamped or scaled here by hand; the global norm after clipping by norm.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

#define N_GRADS (2 * 3 + 3 + 3 * 2 + 2)

static const float k_x[8] = {0.9f, -1.2f, 1.5f, 0.3f, -0.7f, 2.0f, 1.1f, -0.4f};
static const uint32_t k_labels[4] = {0, 1, 1, 0};

/* One full-batch step of dense(2,3) relu dense(3,2) softmax with SGD; the gradients it leaves into g. */
static void train_once(double clip_value, double clip_norm, float g[N_GRADS])
{
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, k_x));
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    assert_ok(nnb_model_add_dense_init(m, 2, 3, &he, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense_init(m, 3, 2, &he, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_finalize(m));
    nnb_targets y = nnb_targets_from_labels(k_labels, 4);
    nnb_train_params tp = nnb_train_params_default();
    tp.clip_value = clip_value;
    tp.clip_norm = clip_norm;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    size_t k = 0;
    for (size_t i = 0; i < 4; i += 2) {
        const nnb_dense *d = nnb_model_cdense(m, i);
        const nnb_tensor *parts[2] = {nnb_dense_dweights(d), nnb_dense_dbiases(d)};
        for (size_t p = 0; p < 2; ++p) {
            size_t n = nnb_tensor_size(parts[p]);
            memcpy(g + k, nnb_tensor_cdata(parts[p]), n * sizeof(float));
            k += n;
        }
    }
    assert_int_equal(k, N_GRADS);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static double norm(const float *g)
{
    double s = 0.0;
    for (size_t i = 0; i < N_GRADS; ++i) {
        s += (double)g[i] * g[i];
    }
    return sqrt(s);
}

static void test_clip_by_norm_scales_to_the_norm(void **state)
{
    (void)state;
    float raw[N_GRADS], clipped[N_GRADS];
    train_once(0.0, 0.0, raw);
    double n0 = norm(raw);
    assert_true(n0 > 0.0);
    double c = 0.5 * n0;
    train_once(0.0, c, clipped);
    for (size_t i = 0; i < N_GRADS; ++i) {
        assert_close(clipped[i], raw[i] * (c / n0), 1e-6, 1e-12);
    }
    assert_close(norm(clipped), c, 1e-6, 0.0);
    /* A limit above the norm changes nothing. */
    train_once(0.0, 2.0 * n0, clipped);
    assert_memory_equal(clipped, raw, sizeof raw);
}

static void test_clip_by_value_clamps(void **state)
{
    (void)state;
    float raw[N_GRADS], clipped[N_GRADS];
    train_once(0.0, 0.0, raw);
    float most = 0.0f;
    for (size_t i = 0; i < N_GRADS; ++i) {
        most = fabsf(raw[i]) > most ? fabsf(raw[i]) : most;
    }
    float v = 0.5f * most;
    train_once((double)v, 0.0, clipped);
    size_t changed = 0;
    for (size_t i = 0; i < N_GRADS; ++i) {
        float want = raw[i] > v ? v : (raw[i] < -v ? -v : raw[i]);
        changed += want != raw[i];
        assert_true(clipped[i] == want);
    }
    assert_true(changed > 0);
    /* Both: the clamped gradients, then scaled to the norm. */
    float both[N_GRADS];
    double c = 0.5 * norm(clipped);
    train_once((double)v, c, both);
    for (size_t i = 0; i < N_GRADS; ++i) {
        assert_close(both[i], clipped[i] * (c / norm(clipped)), 1e-6, 1e-12);
    }
}

static void test_bad_clip_settings(void **state)
{
    (void)state;
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, k_x));
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 2, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_finalize(m));
    nnb_targets y = nnb_targets_from_labels(k_labels, 4);
    nnb_train_params tp = nnb_train_params_default();
    tp.clip_norm = -1.0;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.clip_norm = 0.0;
    tp.clip_value = NAN;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 0);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clip_by_norm_scales_to_the_norm),
        cmocka_unit_test(test_clip_by_value_clamps),
        cmocka_unit_test(test_bad_clip_settings),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
