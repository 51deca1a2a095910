/* SPDX-License-Identifier: MIT */
/*
 * The sequential model: learning on separable, binary and regression toy sets; fused softmax + CCE backward
 * equal to the chained one; zero allocations per training step; evaluate and predict agreeing with the
 * loss and metric functions; progress reports; accessors; invalid arguments, and the model unchanged after
 * a rejected call; allocation failures without leaks.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

/* Threads, except in a WebAssembly build without them (NNB_TARGET_WASM), where pthread_create always fails. */
#if (defined(__unix__) || defined(__APPLE__)) && !(defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))
#    include <pthread.h>
#    define HAVE_PTHREADS 1
#endif

/* ---------------------------------------------------------------- helpers */

/* n points in [-1, 1]^2, label 1 when x + y > 0, pushed at least 0.3 away from the boundary. */
static void make_separable(uint32_t seed, size_t n, nnb_tensor **X, uint32_t *labels)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, seed));
    assert_ok(nnb_tensor_create(X, n, 2));
    float *x = nnb_tensor_data(*X);
    for (size_t i = 0; i < n; ++i) {
        float a = (float)(2.0 * nnb_rng_uniform(rng) - 1.0);
        float b = (float)(2.0 * nnb_rng_uniform(rng) - 1.0);
        float s = a + b;
        if (fabsf(s) < 0.3f) {
            float shift = (s >= 0.0f ? 0.3f : -0.3f) - s;
            a += shift / 2.0f;
            b += shift / 2.0f;
            s = a + b;
        }
        x[2 * i] = a;
        x[2 * i + 1] = b;
        labels[i] = s > 0.0f ? 1u : 0u;
    }
    nnb_rng_destroy(rng);
}

/* Dense(2, hidden) - ReLU - Dense(hidden, classes) - softmax, CCE, Adam(lr), categorical accuracy. */
static nnb_model *make_classifier(uint32_t seed, size_t hidden, size_t classes, double lr, int fused)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, seed));
    assert_ok(nnb_model_add_dense(m, 2, hidden, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, hidden, classes, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_fused_backward(m, fused));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = lr;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    return m;
}

static void assert_tensors_close(const nnb_tensor *a, const nnb_tensor *b, double rel, double abs_tol)
{
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(nnb_tensor_rows(a), nnb_tensor_rows(b));
    assert_int_equal(nnb_tensor_cols(a), nnb_tensor_cols(b));
    const float *x = nnb_tensor_cdata(a);
    const float *y = nnb_tensor_cdata(b);
    for (size_t i = 0; i < nnb_tensor_size(a); ++i) {
        assert_close(x[i], y[i], rel, abs_tol);
    }
}

static int tensors_equal(const nnb_tensor *a, const nnb_tensor *b)
{
    return nnb_tensor_size(a) == nnb_tensor_size(b) &&
           memcmp(nnb_tensor_cdata(a), nnb_tensor_cdata(b), nnb_tensor_size(a) * sizeof(float)) == 0;
}

/*
 * Predictions of the same rows in batches of different sizes: bit for bit with the library's own GEMM
 * cores (each element's arithmetic does not depend on the batch); OpenBLAS picks kernels by shape, so with
 * the cblas core only float32 rounding may differ (documented in model.h).
 */
static int batch_results_equal(const nnb_tensor *a, const nnb_tensor *b)
{
    if (strcmp(nnb_backend_name(), "cblas") != 0) {
        return tensors_equal(a, b);
    }
    if (nnb_tensor_size(a) != nnb_tensor_size(b)) {
        return 0;
    }
    const float *x = nnb_tensor_cdata(a), *y = nnb_tensor_cdata(b);
    for (size_t i = 0; i < nnb_tensor_size(a); ++i) {
        if (!nnb_test_close(x[i], y[i], 1e-5, 1e-7)) {
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- learning */

static void test_model_reaches_full_accuracy_on_separable_data(void **state)
{
    (void)state;
    enum { N = 200 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(7, N, &X, labels);
    nnb_model *m = make_classifier(0, 16, 2, 0.05, 1);
    assert_true(nnb_model_uses_fused_backward(m));
    nnb_targets y = nnb_targets_from_labels(labels, N);

    float loss0 = 0.0f;
    double acc0 = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss0, &acc0));

    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 300;
    tp.batch_size = 50;
    tp.shuffle = 1;
    assert_ok(nnb_model_train(m, X, &y, &tp));

    float loss = 0.0f;
    double acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss, &acc));
    assert_true(acc == 1.0);
    assert_true(loss < 0.1f * loss0);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static void test_model_learns_sine_regression(void **state)
{
    (void)state;
    enum { N = 200 };
    nnb_tensor *X = NULL, *Y = NULL;
    assert_ok(nnb_tensor_create(&X, N, 1));
    assert_ok(nnb_tensor_create(&Y, N, 1));
    assert_ok(nnb_sine_data(N, X, Y));

    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 1, 64, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 64, 64, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 64, 1, 0.1f, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.005;
    p.decay = 1e-3;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_REGRESSION));
    assert_ok(nnb_model_finalize(m));
    assert_false(nnb_model_uses_fused_backward(m));

    nnb_targets y = nnb_targets_from_tensor(Y);
    float loss0 = 0.0f;
    double acc0 = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss0, &acc0));

    float prec = -1.0f;
    int set = 1;
    assert_ok(nnb_model_regression_precision(m, &prec, &set));
    assert_int_equal(set, 0);

    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 1000;
    assert_ok(nnb_model_train(m, X, &y, &tp));

    /* The precision was fixed by the first run: std(Y) / 250 (std of sin over a full period ~ 0.707). */
    assert_ok(nnb_model_regression_precision(m, &prec, &set));
    assert_int_equal(set, 1);
    float expected_prec = 0.0f;
    assert_ok(nnb_regression_precision(Y, NNB_REGRESSION_PRECISION_DIVISOR, &expected_prec));
    assert_true(prec == expected_prec);

    float loss = 0.0f;
    double acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss, &acc));
    assert_true(loss < 0.05f * loss0);
    assert_true(acc > acc0);
    assert_true(acc > 0.05);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Y);
}

static void test_model_learns_binary_task_with_sigmoid_and_bce(void **state)
{
    (void)state;
    enum { N = 200 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *T = NULL;
    make_separable(11, N, &X, labels);
    assert_ok(nnb_tensor_create(&T, N, 1));
    for (size_t i = 0; i < N; ++i) {
        assert_ok(nnb_tensor_set(T, i, 0, (float)labels[i]));
    }
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_model_add_dense(m, 2, 16, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 16, 1, 0.1f, NULL));
    assert_ok(nnb_model_add_sigmoid(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_BCE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.02;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_BINARY));
    assert_ok(nnb_model_finalize(m));

    nnb_targets y = nnb_targets_from_tensor(T);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 200;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    float loss = 0.0f;
    double acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 64, &loss, &acc));
    assert_true(acc >= 0.98);
    assert_true(loss < 0.3f);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(T);
}

static void test_model_with_dropout_and_regularization_trains_and_predicts_deterministically(void **state)
{
    (void)state;
    enum { N = 120 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *P1 = NULL, *P2 = NULL;
    make_separable(5, N, &X, labels);
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 1));
    nnb_regularization reg = {0.0f, 5e-4f, 0.0f, 5e-4f};
    assert_ok(nnb_model_add_dense(m, 2, 32, 0.1f, &reg));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dropout(m, 0.1f));
    assert_ok(nnb_model_add_dense(m, 32, 2, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.02;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 200;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    double acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, NULL, &acc));
    assert_true(acc >= 0.95);
    /* Inference skips dropout: two predictions agree bit for bit. */
    assert_ok(nnb_tensor_create(&P1, N, 2));
    assert_ok(nnb_tensor_create(&P2, N, 2));
    assert_ok(nnb_model_predict(m, X, P1, 0, NULL));
    assert_ok(nnb_model_predict(m, X, P2, 0, NULL));
    assert_true(tensors_equal(P1, P2));
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P1);
    nnb_tensor_destroy(P2);
}

/* ---------------------------------------------------------------- fused backward */

static void test_fused_softmax_cce_backward_equals_chained_path(void **state)
{
    (void)state;
    enum { SAMPLES = 20, CLASSES = 3, N = SAMPLES * CLASSES };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, SAMPLES, CLASSES, X, labels, N));

    nnb_model *fused = NULL, *chained = NULL;
    for (int k = 0; k < 2; ++k) {
        nnb_model *m = NULL;
        assert_ok(nnb_model_create_from_rng(&m, rng));
        assert_ok(nnb_model_add_dense(m, 2, 8, 0.5f, NULL));
        assert_ok(nnb_model_add_relu(m));
        assert_ok(nnb_model_add_dense(m, 8, CLASSES, 0.5f, NULL));
        assert_ok(nnb_model_add_softmax(m));
        assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
        assert_ok(nnb_model_set_fused_backward(m, k == 0));
        nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
        assert_ok(nnb_model_set_optimizer(m, &p));
        assert_ok(nnb_model_finalize(m));
        if (k == 0) {
            fused = m;
        } else {
            chained = m;
        }
    }
    assert_true(nnb_model_uses_fused_backward(fused));
    assert_false(nnb_model_uses_fused_backward(chained));
    /* Same generator state copied into both: same initial weights. */
    assert_true(
        tensors_equal(nnb_dense_weights(nnb_model_cdense(fused, 0)), nnb_dense_weights(nnb_model_cdense(chained, 0))));

    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    assert_ok(nnb_model_train(fused, X, &y, &tp));
    assert_ok(nnb_model_train(chained, X, &y, &tp));
    size_t dense_idx[2] = {0, 2};
    for (size_t k = 0; k < 2; ++k) {
        const nnb_dense *a = nnb_model_cdense(fused, dense_idx[k]);
        const nnb_dense *b = nnb_model_cdense(chained, dense_idx[k]);
        assert_tensors_close(nnb_dense_dweights(a), nnb_dense_dweights(b), 1e-5, 1e-6);
        assert_tensors_close(nnb_dense_dbiases(a), nnb_dense_dbiases(b), 1e-5, 1e-6);
        assert_tensors_close(nnb_dense_weights(a), nnb_dense_weights(b), 1e-5, 1e-6);
        assert_tensors_close(nnb_dense_biases(a), nnb_dense_biases(b), 1e-5, 1e-6);
    }

    /* One-hot targets take the fused path too and give the same gradients as sparse labels. */
    nnb_tensor *onehot = NULL;
    assert_ok(nnb_tensor_create(&onehot, N, CLASSES));
    for (size_t i = 0; i < N; ++i) {
        assert_ok(nnb_tensor_set(onehot, i, labels[i], 1.0f));
    }
    nnb_targets yo = nnb_targets_from_tensor(onehot);
    nnb_model *again = NULL;
    assert_ok(nnb_model_create_from_rng(&again, rng));
    assert_ok(nnb_model_add_dense(again, 2, 8, 0.5f, NULL));
    assert_ok(nnb_model_add_relu(again));
    assert_ok(nnb_model_add_dense(again, 8, CLASSES, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(again));
    assert_ok(nnb_model_set_loss(again, NNB_LOSS_CCE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(again, &p));
    assert_ok(nnb_model_finalize(again));
    assert_ok(nnb_model_train(again, X, &yo, &tp));
    assert_tensors_close(nnb_dense_dweights(nnb_model_cdense(again, 0)), nnb_dense_dweights(nnb_model_cdense(fused, 0)),
                         1e-6, 1e-7);
    assert_tensors_close(nnb_dense_weights(nnb_model_cdense(again, 2)), nnb_dense_weights(nnb_model_cdense(fused, 2)),
                         1e-6, 1e-7);

    nnb_model_destroy(again);
    nnb_model_destroy(fused);
    nnb_model_destroy(chained);
    nnb_tensor_destroy(onehot);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

/* The model's step is the book's hand-written loop (chapter 10): same weights after 20 epochs, bit for bit. */
static void test_model_training_equals_the_hand_written_book_loop(void **state)
{
    (void)state;
    enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES, HIDDEN = 64, EPOCHS = 20 };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *h = NULL, *a = NULL, *o = NULL, *p = NULL, *dz = NULL, *da = NULL;
    uint32_t y[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, SAMPLES, CLASSES, X, y, N));

    nnb_model *m = NULL;
    assert_ok(nnb_model_create_from_rng(&m, rng));
    assert_ok(nnb_model_add_dense(m, 2, HIDDEN, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, HIDDEN, CLASSES, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.05;
    params.decay = 5e-7;
    assert_ok(nnb_model_set_optimizer(m, &params));
    assert_ok(nnb_model_finalize(m));

    nnb_dense *d1 = NULL, *d2 = NULL;
    nnb_optimizer *opt = NULL;
    assert_ok(nnb_dense_create(&d1, 2, HIDDEN, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_ok(nnb_dense_create(&d2, HIDDEN, CLASSES, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_ok(nnb_optimizer_create(&opt, &params));
    assert_ok(nnb_tensor_create(&h, N, HIDDEN));
    assert_ok(nnb_tensor_create(&a, N, HIDDEN));
    assert_ok(nnb_tensor_create(&o, N, CLASSES));
    assert_ok(nnb_tensor_create(&p, N, CLASSES));
    assert_ok(nnb_tensor_create(&dz, N, CLASSES));
    assert_ok(nnb_tensor_create(&da, N, HIDDEN));
    for (int e = 0; e < EPOCHS; ++e) {
        assert_ok(nnb_dense_forward(d1, X, h));
        assert_ok(nnb_relu_forward(h, a));
        assert_ok(nnb_dense_forward(d2, a, o));
        assert_ok(nnb_softmax_forward(o, p));
        assert_ok(nnb_softmax_cce_backward(p, y, N, dz));
        assert_ok(nnb_dense_backward(d2, a, dz, da));
        assert_ok(nnb_relu_backward(h, da, da));
        assert_ok(nnb_dense_backward(d1, X, da, NULL));
        assert_ok(nnb_optimizer_pre_update(opt));
        assert_ok(nnb_optimizer_update_dense(opt, d1));
        assert_ok(nnb_optimizer_update_dense(opt, d2));
        assert_ok(nnb_optimizer_post_update(opt));
    }
    nnb_targets t = nnb_targets_from_labels(y, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = EPOCHS;
    assert_ok(nnb_model_train(m, X, &t, &tp));
    assert_true(tensors_equal(nnb_dense_weights(nnb_model_cdense(m, 0)), nnb_dense_weights(d1)));
    assert_true(tensors_equal(nnb_dense_biases(nnb_model_cdense(m, 0)), nnb_dense_biases(d1)));
    assert_true(tensors_equal(nnb_dense_weights(nnb_model_cdense(m, 2)), nnb_dense_weights(d2)));
    assert_true(tensors_equal(nnb_dense_biases(nnb_model_cdense(m, 2)), nnb_dense_biases(d2)));
    assert_true(nnb_optimizer_current_lr(nnb_model_optimizer(m)) == nnb_optimizer_current_lr(opt));

    nnb_tensor *tensors[] = {X, h, a, o, p, dz, da};
    for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; ++i) {
        nnb_tensor_destroy(tensors[i]);
    }
    nnb_optimizer_destroy(opt);
    nnb_dense_destroy(d1);
    nnb_dense_destroy(d2);
    nnb_model_destroy(m);
    nnb_rng_destroy(rng);
}

/* ---------------------------------------------------------------- memory */

static void test_training_step_allocates_nothing_after_the_first(void **state)
{
    (void)state;
    enum { N = 100 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *VX = NULL, *P = NULL;
    make_separable(2, N, &X, labels);
    assert_ok(nnb_tensor_clone(&VX, X));
    assert_ok(nnb_tensor_create(&P, N, 2));
    nnb_model *m = make_classifier(0, 16, 2, 0.01, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_model_workspace_create(&ws, m, 32));

    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 1;
    tp.batch_size = 32; /* 4 steps, the last one of 4 rows */
    tp.shuffle = 1;
    tp.validation_x = VX;
    tp.validation_y = &y;
    assert_ok(nnb_model_train(m, X, &y, &tp)); /* first run: workspace, gradients, optimizer state */

    nnb_test_reset_counts();
    tp.epochs = 3;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(nnb_test_alloc_count(), 0);
    tp.shuffle = 0; /* views instead of the gather buffer */
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(nnb_test_alloc_count(), 0);
    float loss = 0.0f;
    assert_ok(nnb_model_evaluate(m, X, &y, 32, &loss, NULL));
    assert_ok(nnb_model_predict(m, X, P, 0, ws));
    assert_int_equal(nnb_test_alloc_count(), 0);

    /* A larger batch than prepared grows the workspace once, then runs allocation-free again. */
    tp.batch_size = 0;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    nnb_test_reset_counts();
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(nnb_test_alloc_count(), 0);

    nnb_model_workspace_destroy(ws);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(VX);
    nnb_tensor_destroy(P);
}

/*
 * The same with layers large enough for the builtin GEMM core's packed path (784 -> 128 -> 10, batches of
 * 128): its packing memory comes from the model's workspace, not from an allocation per product.
 */
static void test_large_training_step_allocates_nothing_after_the_first(void **state)
{
    (void)state;
    enum { N = 256, IN = 784, HIDDEN = 128, OUT = 10 };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *P = NULL;
    uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 5));
    assert_ok(nnb_tensor_create(&X, N, IN));
    float *x = nnb_tensor_data(X);
    for (size_t i = 0; i < (size_t)N * IN; ++i) {
        x[i] = (float)nnb_rng_uniform(rng);
    }
    for (size_t i = 0; i < N; ++i) {
        assert_ok(nnb_rng_below(rng, OUT, &labels[i]));
    }
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, IN, HIDDEN, 0.01f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, HIDDEN, OUT, 0.01f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_finalize(m));
    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_model_workspace_create(&ws, m, 128));
    assert_ok(nnb_tensor_create(&P, N, OUT));
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.batch_size = 128;
    assert_ok(nnb_model_train(m, X, &y, &tp));

    nnb_test_reset_counts();
    tp.epochs = 2;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_ok(nnb_model_predict(m, X, P, 128, ws));
    assert_int_equal(nnb_test_alloc_count(), 0);

    nnb_tensor_destroy(P);
    nnb_model_workspace_destroy(ws);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}

static void test_prepare_sizes_workspace_in_advance(void **state)
{
    (void)state;
    enum { N = 64 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(4, N, &X, labels);
    nnb_model *m = make_classifier(0, 8, 2, 0.01, 1);
    assert_ok(nnb_model_prepare(m, N));
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    assert_ok(nnb_model_train(m, X, &y, &tp));
    /* Only the layers' gradients and optimizer state were created by that first step. */
    nnb_test_reset_counts();
    tp.epochs = 2;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(nnb_test_alloc_count(), 0);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static void test_allocation_failures_are_reported_without_leaks(void **state)
{
    (void)state;
    enum { N = 40 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(9, N, &X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    size_t live_before = nnb_test_live_blocks();
    int succeeded = 0;
    for (size_t fail_at = 1; fail_at < 200 && !succeeded; ++fail_at) {
        nnb_test_fail_allocation(fail_at);
        nnb_model *m = NULL;
        nnb_status st = nnb_model_create(&m, 0);
        if (st == NNB_OK) {
            st = nnb_model_add_dense(m, 2, 8, 0.1f, NULL);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_relu(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_dense(m, 8, 2, 0.1f, NULL);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_softmax(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_set_loss(m, NNB_LOSS_CCE);
        }
        if (st == NNB_OK) {
            nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
            st = nnb_model_set_optimizer(m, &p);
        }
        if (st == NNB_OK) {
            st = nnb_model_finalize(m);
        }
        nnb_train_params tp = nnb_train_params_default();
        tp.batch_size = 16;
        tp.shuffle = 1;
        if (st == NNB_OK) {
            st = nnb_model_train(m, X, &y, &tp);
        }
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            succeeded = 1;
        } else {
            assert_int_equal(st, NNB_ERR_NOMEM);
            /* The model survives the failure: the same call succeeds once memory is back. */
            if (m != NULL && nnb_model_is_finalized(m)) {
                assert_ok(nnb_model_train(m, X, &y, &tp));
            }
        }
        nnb_model_destroy(m);
        assert_int_equal(nnb_test_live_blocks(), live_before);
    }
    assert_true(succeeded);
    nnb_tensor_destroy(X);
}

/* ---------------------------------------------------------------- evaluate / predict */

static void test_evaluate_and_predict_agree_with_loss_and_metric_functions(void **state)
{
    (void)state;
    enum { N = 90 };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *P = NULL, *P2 = NULL, *P3 = NULL;
    uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, 30, 3, X, labels, N));
    nnb_model *m = make_classifier(1, 16, 3, 0.02, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 50;
    assert_ok(nnb_model_train(m, X, &y, &tp));

    assert_ok(nnb_tensor_create(&P, N, 3));
    assert_ok(nnb_tensor_create(&P2, N, 3));
    assert_ok(nnb_tensor_create(&P3, N, 3));
    assert_ok(nnb_model_predict(m, X, P, 0, NULL));
    assert_ok(nnb_model_predict(m, X, P2, 7, NULL));
    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_model_workspace_create(&ws, m, 16));
    assert_ok(nnb_model_predict(m, X, P3, 0, ws));
    assert_true(batch_results_equal(P, P2));
    assert_true(batch_results_equal(P, P3));
    assert_status(nnb_model_predict(m, X, P3, 17, ws), NNB_ERR_ARGUMENT);

    float loss = 0.0f, loss_b = 0.0f, ref_loss = 0.0f;
    double acc = 0.0, acc_b = 0.0, ref_acc = 0.0;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss, &acc));
    assert_ok(nnb_model_evaluate(m, X, &y, 7, &loss_b, &acc_b));
    assert_ok(nnb_cce_sparse(P, labels, N, NULL, &ref_loss));
    assert_ok(nnb_accuracy_categorical(P, labels, N, &ref_acc));
    assert_true(loss == ref_loss);
    assert_true(acc == ref_acc);
    assert_close(loss_b, ref_loss, 1e-5, 0.0);
    assert_close(acc_b, ref_acc, 1e-12, 1e-12);

    nnb_model_workspace_destroy(ws);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(P2);
    nnb_tensor_destroy(P3);
    nnb_rng_destroy(rng);
}

#ifdef HAVE_PTHREADS
typedef struct predict_job {
    const nnb_model *model;
    const nnb_tensor *X;
    nnb_tensor *out;
    nnb_model_workspace *ws;
    size_t batch;
    nnb_status status;
} predict_job;

static void *predict_thread(void *arg)
{
    predict_job *job = arg;
    job->status = NNB_OK;
    for (int rep = 0; rep < 20 && job->status == NNB_OK; ++rep) {
        job->status = nnb_model_predict(job->model, job->X, job->out, job->batch, job->ws);
    }
    return NULL;
}

static void test_threads_predict_on_one_shared_model(void **state)
{
    (void)state;
    enum { N = 90, THREADS = 4 };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *ref = NULL;
    uint32_t labels[N];
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_tensor_create(&X, N, 2));
    assert_ok(nnb_spiral_data(rng, 30, 3, X, labels, N));
    nnb_model *m = make_classifier(2, 16, 3, 0.02, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 20;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_ok(nnb_tensor_create(&ref, N, 3));
    assert_ok(nnb_model_predict(m, X, ref, 0, NULL));

    /* Everything is allocated up front: the test allocator is not thread-safe, and predict with a
     * workspace allocates nothing. */
    predict_job jobs[THREADS];
    pthread_t tids[THREADS];
    for (size_t t = 0; t < THREADS; ++t) {
        jobs[t].model = m;
        jobs[t].X = X;
        jobs[t].out = NULL;
        jobs[t].ws = NULL;
        jobs[t].batch = 5 + 7 * t;
        assert_ok(nnb_tensor_create(&jobs[t].out, N, 3));
        assert_ok(nnb_model_workspace_create(&jobs[t].ws, m, jobs[t].batch));
    }
    nnb_test_reset_counts();
    for (size_t t = 0; t < THREADS; ++t) {
        assert_int_equal(pthread_create(&tids[t], NULL, predict_thread, &jobs[t]), 0);
    }
    for (size_t t = 0; t < THREADS; ++t) {
        assert_int_equal(pthread_join(tids[t], NULL), 0);
    }
    assert_int_equal(nnb_test_alloc_count(), 0);
    for (size_t t = 0; t < THREADS; ++t) {
        assert_ok(jobs[t].status);
        assert_true(batch_results_equal(jobs[t].out, ref));
        nnb_tensor_destroy(jobs[t].out);
        nnb_model_workspace_destroy(jobs[t].ws);
    }
    nnb_model_destroy(m);
    nnb_tensor_destroy(ref);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
}
#endif

/* ---------------------------------------------------------------- progress */

typedef struct progress_log {
    size_t epochs_seen;
    size_t last_epoch;
    size_t steps_seen;
    size_t validations;
    size_t stop_at_epoch;
    double last_lr;
    int bad;
} progress_log;

static int record_progress(const nnb_progress *p, void *user)
{
    progress_log *log = user;
    if (!(isfinite(p->loss) && p->loss == p->data_loss + p->regularization_loss)) {
        log->bad = 1;
    }
    if (p->event == NNB_PROGRESS_EPOCH) {
        log->epochs_seen++;
        log->last_epoch = p->epoch;
        log->last_lr = p->learning_rate;
        if (p->samples_per_second < 0.0 || p->step + 1 != p->steps) {
            log->bad = 1;
        }
        return log->stop_at_epoch != 0 && p->epoch >= log->stop_at_epoch;
    }
    if (p->event == NNB_PROGRESS_STEP) {
        log->steps_seen++;
    } else {
        log->validations++;
    }
    return 0;
}

static void test_progress_reports_follow_print_every_and_can_stop_training(void **state)
{
    (void)state;
    enum { N = 60 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(3, N, &X, labels);
    nnb_model *m = make_classifier(0, 8, 2, 0.01, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    progress_log log;
    memset(&log, 0, sizeof log);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 25;
    tp.batch_size = 25; /* 3 steps: 25, 25, 10 */
    tp.print_every = 10;
    tp.print_every_steps = 2;
    tp.validation_x = X;
    tp.validation_y = &y;
    tp.progress = record_progress;
    tp.user = &log;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_false(log.bad);
    assert_int_equal(log.epochs_seen, 3); /* 10, 20, 25 */
    assert_int_equal(log.last_epoch, 25);
    assert_int_equal(log.validations, 3);
    assert_int_equal(log.steps_seen, 25 * 2); /* steps 0 and 2 of each epoch */
    assert_true(log.last_lr == nnb_optimizer_current_lr(nnb_model_optimizer(m)));
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 75);

    memset(&log, 0, sizeof log);
    log.stop_at_epoch = 4;
    tp.print_every = 2;
    tp.print_every_steps = 0;
    tp.validation_x = NULL;
    tp.validation_y = NULL;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(log.last_epoch, 4);
    assert_int_equal(log.epochs_seen, 2);
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 75 + 4 * 3);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

/* Stops at the third STEP report; records the (epoch, step) of each. */
typedef struct step_stop {
    size_t n;
    size_t epoch[8], step[8];
    size_t epoch_reports;
} step_stop;

static int stop_at_third_step_report(const nnb_progress *p, void *user)
{
    step_stop *s = user;
    if (p->event != NNB_PROGRESS_STEP) {
        s->epoch_reports++;
        return 0;
    }
    if (s->n < 8) {
        s->epoch[s->n] = p->epoch;
        s->step[s->n] = p->step;
    }
    return ++s->n == 3;
}

/* A progress function that returns non-zero at a STEP report stops training right after that step: with 3
 * steps per epoch and a report every 2 steps (steps 0 and 2), the third report is epoch 2's step 0, so 4
 * updates ran, no EPOCH report came and the history holds only epoch 1. */
static void test_a_step_report_can_stop_training(void **state)
{
    (void)state;
    enum { N = 60 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(3, N, &X, labels);
    nnb_model *m = make_classifier(0, 8, 2, 0.01, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    step_stop s;
    memset(&s, 0, sizeof s);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 5;
    tp.batch_size = 25;
    tp.print_every = 0;
    tp.print_every_steps = 2;
    tp.record_history = 1;
    tp.progress = stop_at_third_step_report;
    tp.user = &s;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(s.n, 3);
    assert_int_equal(s.epoch[0], 1);
    assert_int_equal(s.step[0], 0);
    assert_int_equal(s.epoch[1], 1);
    assert_int_equal(s.step[1], 2);
    assert_int_equal(s.epoch[2], 2);
    assert_int_equal(s.step[2], 0);
    assert_int_equal(s.epoch_reports, 0);
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 4);
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(m, &h, &n));
    assert_int_equal(n, 1);
    assert_int_equal(h[0].epoch, 1);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

/* Captures every EPOCH report. */
typedef struct epoch_log {
    nnb_progress rep[4];
    size_t n;
} epoch_log;

static int log_epochs(const nnb_progress *p, void *user)
{
    epoch_log *log = user;
    if (p->event == NNB_PROGRESS_EPOCH && log->n < 4) {
        log->rep[log->n++] = *p;
    }
    return 0;
}

/* Full-batch training reports, per epoch, the data loss and accuracy of the forward pass before that epoch's
 * update: they must equal a separate evaluation (nnb_model_evaluate) of the same parameters, taken before
 * the first epoch and between the two epochs (a data loss left at 0 or at the previous epoch's fails). */
static void test_full_batch_epoch_figures_match_a_separate_evaluation(void **state)
{
    (void)state;
    enum { N = 60 };
    uint32_t labels[N];
    nnb_tensor *X = NULL;
    make_separable(3, N, &X, labels);
    nnb_model *m = make_classifier(4, 8, 2, 0.05, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    float loss0 = 0.0f, loss1 = 0.0f;
    double acc0 = 0.0, acc1 = 0.0;
    epoch_log log;
    memset(&log, 0, sizeof log);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 1;
    tp.batch_size = 0;
    tp.progress = log_epochs;
    tp.user = &log;
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss0, &acc0));
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_ok(nnb_model_evaluate(m, X, &y, 0, &loss1, &acc1));
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(log.n, 2);
    assert_true(loss0 > 0.5f && loss1 != loss0); /* about log 2 at the start, and training moved it */
    assert_close(log.rep[0].data_loss, loss0, 1e-5, 0.0);
    assert_close(log.rep[1].data_loss, loss1, 1e-5, 0.0);
    assert_close(log.rep[0].accuracy, acc0, 0.0, 1e-12);
    assert_close(log.rep[1].accuracy, acc1, 0.0, 1e-12);
    assert_true(log.rep[0].regularization_loss == 0.0f);
    assert_true(log.rep[1].loss == log.rep[1].data_loss);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

/* ---------------------------------------------------------------- accessors */

static void test_accessors_describe_the_model(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_int_equal(nnb_model_layer_count(m), 0);
    nnb_regularization reg = {1e-4f, 5e-4f, 2e-4f, 3e-4f};
    assert_ok(nnb_model_add_dense(m, 4, 6, 0.01f, &reg));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dropout(m, 0.25f));
    assert_ok(nnb_model_add_dense(m, 6, 3, 0.05f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_status(nnb_model_optimizer_params(m, &(nnb_optimizer_params){0}), NNB_ERR_STATE);
    assert_null(nnb_model_optimizer(m));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_RMSPROP);
    p.decay = 1e-4;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_false(nnb_model_is_finalized(m));
    assert_ok(nnb_model_finalize(m));
    assert_true(nnb_model_is_finalized(m));
    assert_true(nnb_model_uses_fused_backward(m));

    assert_int_equal(nnb_model_layer_count(m), 5);
    assert_int_equal(nnb_model_input_size(m), 4);
    assert_int_equal(nnb_model_output_size(m), 3);
    nnb_layer_info info;
    assert_ok(nnb_model_layer_info(m, 0, &info));
    assert_int_equal(info.kind, NNB_LAYER_DENSE);
    assert_int_equal(info.n_inputs, 4);
    assert_int_equal(info.n_outputs, 6);
    assert_true(info.init_scale == 0.01f);
    assert_true(info.regularization.weight_l1 == 1e-4f && info.regularization.weight_l2 == 5e-4f);
    assert_true(info.regularization.bias_l1 == 2e-4f && info.regularization.bias_l2 == 3e-4f);
    assert_ok(nnb_model_layer_info(m, 1, &info));
    assert_int_equal(info.kind, NNB_LAYER_RELU);
    assert_int_equal(info.n_inputs, 6);
    assert_int_equal(info.n_outputs, 6);
    assert_ok(nnb_model_layer_info(m, 2, &info));
    assert_int_equal(info.kind, NNB_LAYER_DROPOUT);
    assert_true(info.rate == 0.25f);
    assert_ok(nnb_model_layer_info(m, 4, &info));
    assert_int_equal(info.kind, NNB_LAYER_SOFTMAX);
    assert_int_equal(info.n_outputs, 3);
    assert_status(nnb_model_layer_info(m, 5, &info), NNB_ERR_RANGE);
    assert_status(nnb_model_layer_info(m, 0, NULL), NNB_ERR_NULL);

    assert_non_null(nnb_model_dense(m, 0));
    assert_null(nnb_model_dense(m, 1));
    assert_non_null(nnb_model_cdense(m, 3));
    assert_null(nnb_model_cdense(m, 9));
    assert_int_equal(nnb_dense_n_inputs(nnb_model_cdense(m, 3)), 6);
    assert_int_equal(nnb_model_loss_kind(m), NNB_LOSS_CCE);
    assert_int_equal(nnb_model_accuracy_kind(m), NNB_ACCURACY_CATEGORICAL);
    nnb_optimizer_params q;
    assert_ok(nnb_model_optimizer_params(m, &q));
    assert_int_equal(q.kind, NNB_OPTIMIZER_RMSPROP);
    assert_true(q.decay == 1e-4 && q.learning_rate == p.learning_rate && q.rho == p.rho);
    assert_non_null(nnb_model_rng(m));

    /* Parameters loaded through the accessor are the ones predict uses. */
    float w[4 * 6];
    for (size_t i = 0; i < 24; ++i) {
        w[i] = (float)i * 0.01f;
    }
    assert_ok(nnb_dense_set_weights(nnb_model_dense(m, 0), w, 24));
    assert_true(memcmp(nnb_tensor_cdata(nnb_dense_weights(nnb_model_cdense(m, 0))), w, sizeof w) == 0);

    assert_ok(nnb_model_set_regression_precision(m, 0.5f));
    float prec = 0.0f;
    int set = 0;
    assert_ok(nnb_model_regression_precision(m, &prec, &set));
    assert_true(prec == 0.5f && set == 1);

    assert_int_equal(nnb_model_layer_count(NULL), 0);
    assert_int_equal(nnb_model_input_size(NULL), 0);
    assert_int_equal(nnb_model_output_size(NULL), 0);
    assert_false(nnb_model_is_finalized(NULL));
    assert_int_equal(nnb_model_loss_kind(NULL), NNB_LOSS_NONE);
    assert_int_equal(nnb_model_accuracy_kind(NULL), NNB_ACCURACY_NONE);
    assert_null(nnb_model_dense(NULL, 0));
    assert_null(nnb_model_rng(NULL));
    nnb_model_destroy(m);
    nnb_model_destroy(NULL);
    nnb_model_workspace_destroy(NULL);
}

static void test_model_from_rng_draws_the_same_weights_as_a_bare_layer(void **state)
{
    (void)state;
    nnb_rng *a = NULL, *b = NULL;
    assert_ok(nnb_rng_create(&a, 0));
    assert_ok(nnb_rng_create(&b, 0));
    nnb_model *m = NULL;
    assert_ok(nnb_model_create_from_rng(&m, a));
    assert_ok(nnb_model_add_dense(m, 2, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_dense(m, 3, 4, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    nnb_dense *d1 = NULL, *d2 = NULL;
    assert_ok(nnb_dense_create(&d1, 2, 3, b, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_ok(nnb_dense_create(&d2, 3, 4, b, NNB_DENSE_DEFAULT_INIT_SCALE));
    assert_true(tensors_equal(nnb_dense_weights(nnb_model_cdense(m, 0)), nnb_dense_weights(d1)));
    assert_true(tensors_equal(nnb_dense_weights(nnb_model_cdense(m, 1)), nnb_dense_weights(d2)));
    /* The caller's generator was copied, not advanced. */
    nnb_rng *fresh = NULL;
    assert_ok(nnb_rng_create(&fresh, 0));
    assert_true(nnb_rng_u32(a) == nnb_rng_u32(fresh));
    nnb_dense_destroy(d1);
    nnb_dense_destroy(d2);
    nnb_model_destroy(m);
    nnb_rng_destroy(a);
    nnb_rng_destroy(b);
    nnb_rng_destroy(fresh);
}

/* ---------------------------------------------------------------- invalid input */

static void test_building_rejects_invalid_arguments(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_status(nnb_model_create(NULL, 0), NNB_ERR_NULL);
    assert_status(nnb_model_create_from_rng(&m, NULL), NNB_ERR_NULL);
    assert_null(m);
    assert_status(nnb_model_add_dense(NULL, 2, 2, 0.1f, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_add_relu(NULL), NNB_ERR_NULL);
    assert_status(nnb_model_finalize(NULL), NNB_ERR_NULL);

    assert_ok(nnb_model_create(&m, 0));
    assert_status(nnb_model_finalize(m), NNB_ERR_STATE); /* no layers */
    assert_status(nnb_model_add_dense(m, 0, 2, 0.1f, NULL), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dense(m, 2, 0, 0.1f, NULL), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dense(m, 2, 2, NAN, NULL), NNB_ERR_ARGUMENT);
    nnb_regularization bad = {-1.0f, 0.0f, 0.0f, 0.0f};
    assert_status(nnb_model_add_dense(m, 2, 2, 0.1f, &bad), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dense(m, SIZE_MAX, 2, 0.1f, NULL), NNB_ERR_OVERFLOW);
    assert_status(nnb_model_add_dropout(m, 1.0f), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dropout(m, -0.1f), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dropout(m, NAN), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_set_loss(m, (nnb_loss_kind)42), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_set_accuracy(m, (nnb_accuracy_kind)42), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_set_optimizer(m, NULL), NNB_ERR_NULL);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = -1.0;
    assert_status(nnb_model_set_optimizer(m, &p), NNB_ERR_ARGUMENT);
    assert_null(nnb_model_optimizer(m));
    assert_int_equal(nnb_model_layer_count(m), 0);

    /* First layer must be dense. */
    assert_ok(nnb_model_add_relu(m));
    assert_status(nnb_model_finalize(m), NNB_ERR_STATE);
    nnb_model_destroy(m);

    /* Shape mismatch between dense layers: finalize fails, the model can still be inspected. */
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 8, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 7, 3, 0.1f, NULL));
    assert_status(nnb_model_finalize(m), NNB_ERR_SHAPE);
    assert_false(nnb_model_is_finalized(m));
    nnb_tensor *X = NULL, *P = NULL;
    assert_ok(nnb_tensor_create(&X, 4, 2));
    assert_ok(nnb_tensor_create(&P, 4, 3));
    assert_status(nnb_model_predict(m, X, P, 0, NULL), NNB_ERR_STATE);
    assert_status(nnb_model_prepare(m, 4), NNB_ERR_STATE);
    nnb_model_workspace *ws = NULL;
    assert_status(nnb_model_workspace_create(&ws, m, 4), NNB_ERR_STATE);
    nnb_model_destroy(m);

    /* After finalize the structure is frozen. */
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 3, 0.1f, NULL));
    assert_ok(nnb_model_finalize(m));
    assert_status(nnb_model_finalize(m), NNB_ERR_STATE);
    assert_status(nnb_model_add_dense(m, 3, 3, 0.1f, NULL), NNB_ERR_STATE);
    assert_status(nnb_model_add_softmax(m), NNB_ERR_STATE);
    assert_status(nnb_model_set_loss(m, NNB_LOSS_MSE), NNB_ERR_STATE);
    assert_status(nnb_model_set_fused_backward(m, 0), NNB_ERR_STATE);
    assert_status(nnb_model_prepare(m, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_prepare(NULL, 1), NNB_ERR_NULL);
    assert_status(nnb_model_workspace_create(&ws, m, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_workspace_create(NULL, m, 1), NNB_ERR_NULL);
    assert_status(nnb_model_set_regression_precision(m, -1.0f), NNB_ERR_ARGUMENT);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
}

/* Parameters of every dense layer equal bit for bit. */
static int same_parameters(nnb_model *a, nnb_model *b)
{
    for (size_t i = 0; i < nnb_model_layer_count(a); ++i) {
        const nnb_dense *da = nnb_model_cdense(a, i), *db = nnb_model_cdense(b, i);
        if ((da == NULL) != (db == NULL)) {
            return 0;
        }
        if (da != NULL && !(tensors_equal(nnb_dense_weights(da), nnb_dense_weights(db)) &&
                            tensors_equal(nnb_dense_biases(da), nnb_dense_biases(db)))) {
            return 0;
        }
    }
    return 1;
}

static void test_train_rejects_invalid_input_and_leaves_the_model_unchanged(void **state)
{
    (void)state;
    enum { N = 30 };
    uint32_t labels[N];
    nnb_tensor *X = NULL, *Xw = NULL, *T = NULL, *Tw = NULL;
    make_separable(1, N, &X, labels);
    assert_ok(nnb_tensor_create(&Xw, N, 3));
    assert_ok(nnb_tensor_create(&T, N, 2));
    assert_ok(nnb_tensor_create(&Tw, N, 3));
    nnb_model *m = make_classifier(0, 8, 2, 0.01, 1);
    nnb_model *twin = make_classifier(0, 8, 2, 0.01, 1);
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.shuffle = 1;

    /* Not finalized, no loss, no optimizer. */
    nnb_model *raw = NULL;
    assert_ok(nnb_model_create(&raw, 0));
    assert_ok(nnb_model_add_dense(raw, 2, 2, 0.1f, NULL));
    assert_status(nnb_model_train(raw, X, &y, &tp), NNB_ERR_STATE);
    assert_ok(nnb_model_finalize(raw));
    assert_status(nnb_model_train(raw, X, &y, &tp), NNB_ERR_STATE);
    float loss = 0.0f;
    assert_status(nnb_model_evaluate(raw, X, &y, 0, &loss, NULL), NNB_ERR_STATE);
    nnb_model_destroy(raw);

    assert_status(nnb_model_train(NULL, X, &y, &tp), NNB_ERR_NULL);
    assert_status(nnb_model_train(m, NULL, &y, &tp), NNB_ERR_NULL);
    assert_status(nnb_model_train(m, X, NULL, &tp), NNB_ERR_NULL);
    assert_status(nnb_model_train(m, X, &y, NULL), NNB_ERR_NULL);
    nnb_targets none = nnb_targets_from_labels(NULL, N);
    assert_status(nnb_model_train(m, X, &none, &tp), NNB_ERR_NULL);
    nnb_targets both = y;
    both.values = T;
    assert_status(nnb_model_train(m, X, &both, &tp), NNB_ERR_ARGUMENT);

    tp.epochs = 0;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.epochs = 1;

    nnb_targets short_y = nnb_targets_from_labels(labels, N - 1);
    assert_status(nnb_model_train(m, X, &short_y, &tp), NNB_ERR_SHAPE);
    assert_status(nnb_model_train(m, Xw, &y, &tp), NNB_ERR_SHAPE);
    nnb_targets wide = nnb_targets_from_tensor(Tw);
    assert_status(nnb_model_train(m, X, &wide, &tp), NNB_ERR_SHAPE);

    labels[5] = 2; /* only classes 0 and 1 exist */
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_RANGE);
    labels[5] = 1;

    float *x = nnb_tensor_data(X);
    float saved = x[7];
    x[7] = NAN;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    assert_status(nnb_model_evaluate(m, X, &y, 0, &loss, NULL), NNB_ERR_NONFINITE);
    nnb_tensor *P = NULL;
    assert_ok(nnb_tensor_create(&P, N, 2));
    assert_ok(nnb_tensor_fill(P, 3.0f));
    assert_status(nnb_model_predict(m, X, P, 0, NULL), NNB_ERR_NONFINITE);
    for (size_t i = 0; i < 2 * N; ++i) {
        assert_true(nnb_tensor_cdata(P)[i] == 3.0f);
    }
    x[7] = INFINITY;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    x[7] = saved;

    assert_ok(nnb_tensor_set(T, 3, 1, NAN));
    nnb_targets ty = nnb_targets_from_tensor(T);
    assert_status(nnb_model_train(m, X, &ty, &tp), NNB_ERR_NONFINITE);

    /* Validation data is checked as strictly, before anything runs. */
    tp.validation_x = X;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NULL);
    tp.validation_y = &short_y;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_SHAPE);
    tp.validation_x = NULL;
    tp.validation_y = NULL;

    /* Evaluate and predict argument checks. */
    assert_status(nnb_model_evaluate(m, X, &y, 0, NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_evaluate(m, X, &short_y, 0, &loss, NULL), NNB_ERR_SHAPE);
    assert_status(nnb_model_predict(NULL, X, P, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_predict(m, X, NULL, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_predict(m, Xw, P, 0, NULL), NNB_ERR_SHAPE);
    assert_status(nnb_model_predict(m, X, Tw, 0, NULL), NNB_ERR_SHAPE);

    /* Nothing above changed the model: it still trains exactly like its untouched twin. */
    assert_true(same_parameters(m, twin));
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 0);
    tp.epochs = 3;
    tp.batch_size = 8;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_ok(nnb_model_train(twin, X, &y, &tp));
    assert_true(same_parameters(m, twin));

    nnb_model_destroy(m);
    nnb_model_destroy(twin);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Xw);
    nnb_tensor_destroy(T);
    nnb_tensor_destroy(Tw);
    nnb_tensor_destroy(P);
}

static void test_labels_only_go_with_categorical_loss_and_accuracy(void **state)
{
    (void)state;
    enum { N = 10 };
    uint32_t labels[N] = {0};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create(&X, N, 2));
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();

    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 1, 0.1f, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_finalize(m));
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    nnb_model_destroy(m);

    m = make_classifier(0, 4, 2, 0.01, 1);
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_BINARY));
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_NONE));
    assert_ok(nnb_model_train(m, X, &y, &tp));
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static void test_non_finite_loss_stops_training(void **state)
{
    (void)state;
    enum { N = 16 };
    nnb_tensor *X = NULL, *Y = NULL;
    assert_ok(nnb_tensor_create(&X, N, 1));
    assert_ok(nnb_tensor_create(&Y, N, 1));
    assert_ok(nnb_sine_data(N, X, Y));
    assert_ok(nnb_tensor_fill(X, 1.0f));
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 1, 4, 0.1f, NULL));
    assert_ok(nnb_model_add_dense(m, 4, 1, 0.1f, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_finalize(m));
    /* Weights so large that the squared error overflows float32. */
    assert_ok(nnb_tensor_fill(nnb_dense_weights_mut(nnb_model_dense(m, 0)), 1e30f));
    assert_ok(nnb_tensor_fill(nnb_dense_weights_mut(nnb_model_dense(m, 1)), 1.0f));
    nnb_targets y = nnb_targets_from_tensor(Y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 5;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_NONFINITE);
    /* Stopped before any update; the model is still usable. */
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(m)), 0);
    assert_ok(nnb_tensor_fill(nnb_dense_weights_mut(nnb_model_dense(m, 0)), 0.1f));
    assert_ok(nnb_tensor_fill(nnb_dense_weights_mut(nnb_model_dense(m, 1)), 0.1f));
    p.learning_rate = 0.01;
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_train(m, X, &y, &tp));
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_reaches_full_accuracy_on_separable_data),
        cmocka_unit_test(test_model_learns_sine_regression),
        cmocka_unit_test(test_model_learns_binary_task_with_sigmoid_and_bce),
        cmocka_unit_test(test_model_with_dropout_and_regularization_trains_and_predicts_deterministically),
        cmocka_unit_test(test_fused_softmax_cce_backward_equals_chained_path),
        cmocka_unit_test(test_model_training_equals_the_hand_written_book_loop),
        cmocka_unit_test(test_training_step_allocates_nothing_after_the_first),
        cmocka_unit_test(test_large_training_step_allocates_nothing_after_the_first),
        cmocka_unit_test(test_prepare_sizes_workspace_in_advance),
        cmocka_unit_test(test_allocation_failures_are_reported_without_leaks),
        cmocka_unit_test(test_evaluate_and_predict_agree_with_loss_and_metric_functions),
#ifdef HAVE_PTHREADS
        cmocka_unit_test(test_threads_predict_on_one_shared_model),
#endif
        cmocka_unit_test(test_progress_reports_follow_print_every_and_can_stop_training),
        cmocka_unit_test(test_a_step_report_can_stop_training),
        cmocka_unit_test(test_full_batch_epoch_figures_match_a_separate_evaluation),
        cmocka_unit_test(test_accessors_describe_the_model),
        cmocka_unit_test(test_model_from_rng_draws_the_same_weights_as_a_bare_layer),
        cmocka_unit_test(test_building_rejects_invalid_arguments),
        cmocka_unit_test(test_train_rejects_invalid_input_and_leaves_the_model_unchanged),
        cmocka_unit_test(test_labels_only_go_with_categorical_loss_and_accuracy),
        cmocka_unit_test(test_non_finite_loss_stops_training),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
