/* SPDX-License-Identifier: MIT */
/*
 * Thread safety: several threads at once predict with one shared read-only model (each with its own
 * workspace, and without one) and train models of their own; every result must equal the single-thread
 * result bit for bit. Run under ThreadSanitizer in CI. Uses the default allocator (the leak-counting test
 * allocator is single-threaded); leaks are caught by the sanitizer and memcheck runs.
 */
#include <pthread.h>
#include <string.h>

#include "test_support.h"

#define THREADS 4
#define ROWS 1024
#define IN 128
#define HIDDEN 128
#define OUT 10

static nnb_model *build_model(uint32_t seed)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, seed));
    assert_ok(nnb_model_add_dense(m, IN, HIDDEN, 0.1f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, HIDDEN, OUT, 0.1f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.01;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_finalize(m));
    return m;
}

typedef struct shared_data {
    const nnb_model *model;
    const nnb_tensor *X;
    const uint32_t *labels;
    const float *expected_predictions; /* ROWS x OUT from one thread */
    const float *expected_weights;     /* first-layer weights after training, from one thread */
} shared_data;

typedef struct thread_job {
    const shared_data *shared;
    int use_workspace;
    int ok; /* set by the thread: 1 when every result matched */
} thread_job;

/* Trains a fresh model (seed 1) for a few epochs; returns it (caller destroys) or NULL on failure. */
static nnb_model *train_private_model(const nnb_tensor *X, const uint32_t *labels)
{
    nnb_model *m = build_model(1);
    nnb_targets y = nnb_targets_from_labels(labels, ROWS);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 5;
    tp.batch_size = 64;
    tp.shuffle = 1;
    if (nnb_model_train(m, X, &y, &tp) != NNB_OK) {
        nnb_model_destroy(m);
        return NULL;
    }
    return m;
}

static void *worker(void *arg)
{
    thread_job *job = arg;
    const shared_data *sd = job->shared;
    job->ok = 0;
    nnb_tensor *out = NULL;
    nnb_model_workspace *ws = NULL;
    if (nnb_tensor_create(&out, ROWS, OUT) != NNB_OK) {
        return NULL;
    }
    if (job->use_workspace && nnb_model_workspace_create(&ws, sd->model, ROWS) != NNB_OK) {
        nnb_tensor_destroy(out);
        return NULL;
    }
    int ok = 1;
    for (int round = 0; round < 5 && ok; ++round) {
        ok = nnb_model_predict(sd->model, sd->X, out, 0, ws) == NNB_OK &&
             memcmp(nnb_tensor_cdata(out), sd->expected_predictions, sizeof(float) * ROWS * OUT) == 0;
    }
    nnb_model *mine = ok ? train_private_model(sd->X, sd->labels) : NULL;
    if (mine != NULL) {
        const nnb_tensor *w = nnb_dense_weights(nnb_model_cdense(mine, 0));
        ok = memcmp(nnb_tensor_cdata(w), sd->expected_weights, sizeof(float) * IN * HIDDEN) == 0;
        nnb_model_destroy(mine);
    } else {
        ok = 0;
    }
    nnb_model_workspace_destroy(ws);
    nnb_tensor_destroy(out);
    job->ok = ok;
    return NULL;
}

static void fill_data(nnb_tensor *X, uint32_t *labels)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 42));
    float *x = nnb_tensor_data(X);
    for (size_t i = 0; i < (size_t)ROWS * IN; ++i) {
        x[i] = (float)nnb_rng_normal(rng);
    }
    for (size_t i = 0; i < ROWS; ++i) {
        assert_ok(nnb_rng_below(rng, OUT, &labels[i]));
    }
    nnb_rng_destroy(rng);
}

static void run_threads(size_t gemm_threads)
{
    assert_ok(nnb_set_num_threads(gemm_threads));
    nnb_tensor *X = NULL, *expected = NULL;
    uint32_t labels[ROWS];
    assert_ok(nnb_tensor_create(&X, ROWS, IN));
    fill_data(X, labels);

    /* Single-thread references. */
    nnb_model *shared_model = build_model(0);
    assert_ok(nnb_tensor_create(&expected, ROWS, OUT));
    assert_ok(nnb_model_predict(shared_model, X, expected, 0, NULL));
    nnb_model *reference = train_private_model(X, labels);
    assert_non_null(reference);
    shared_data sd = {shared_model, X, labels, nnb_tensor_cdata(expected),
                      nnb_tensor_cdata(nnb_dense_weights(nnb_model_cdense(reference, 0)))};

    pthread_t tid[THREADS];
    thread_job jobs[THREADS];
    for (int t = 0; t < THREADS; ++t) {
        jobs[t].shared = &sd;
        jobs[t].use_workspace = t % 2;
        jobs[t].ok = 0;
        assert_int_equal(pthread_create(&tid[t], NULL, worker, &jobs[t]), 0);
    }
    for (int t = 0; t < THREADS; ++t) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    }
    for (int t = 0; t < THREADS; ++t) {
        if (!jobs[t].ok) {
            fail_msg("thread %d (workspace %d, GEMM threads %zu) got results that differ from one thread", t,
                     jobs[t].use_workspace, gemm_threads);
        }
    }
    nnb_model_destroy(reference);
    nnb_model_destroy(shared_model);
    nnb_tensor_destroy(expected);
    nnb_tensor_destroy(X);
    assert_ok(nnb_set_num_threads(0));
}

static void test_threads_match_single_thread_with_serial_gemm(void **state)
{
    (void)state;
    run_threads(1);
}

/* The GEMM core may start threads of its own inside each caller thread. */
static void test_threads_match_single_thread_with_threaded_gemm(void **state)
{
    (void)state;
    run_threads(2);
}

/*
 * The element-wise kernels split work of 2^20 elements or more over the GEMM threads: ReLU and its backward
 * pass on 2^20 + 1022 elements with 1, 3 and 8 threads (parts that start at multiples of 64, a short last
 * part), each element checked against max(0, x) and (x > 0 ? dv : 0).
 */
static void test_threads_split_elementwise_kernels_exactly(void **state)
{
    (void)state;
    const size_t big_rows = 1026, cols = 1023; /* 1 049 598 = 2^20 + 1022 elements */
    nnb_tensor *x = NULL, *y = NULL, *dv = NULL, *dx = NULL;
    assert_ok(nnb_tensor_create(&x, big_rows, cols));
    assert_ok(nnb_tensor_create(&y, big_rows, cols));
    assert_ok(nnb_tensor_create(&dv, big_rows, cols));
    assert_ok(nnb_tensor_create(&dx, big_rows, cols));
    float *xd = nnb_tensor_data(x), *dvd = nnb_tensor_data(dv);
    const size_t n = big_rows * cols;
    for (size_t i = 0; i < n; ++i) {
        xd[i] = (float)((int)(i % 7u) - 3) * 0.5f; /* -1.5 .. 1.5, zero included */
        dvd[i] = (float)(i % 5u) + 1.0f;
    }
    static const size_t threads[] = {1, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; ++t) {
        assert_ok(nnb_set_num_threads(threads[t]));
        assert_ok(nnb_tensor_fill(y, -7.0f));
        assert_ok(nnb_tensor_fill(dx, -7.0f));
        assert_ok(nnb_relu_forward(x, y));
        assert_ok(nnb_relu_backward(x, dv, dx));
        const float *yd = nnb_tensor_cdata(y), *dxd = nnb_tensor_cdata(dx);
        for (size_t i = 0; i < n; ++i) {
            float want_y = xd[i] > 0.0f ? xd[i] : 0.0f;
            float want_dx = xd[i] > 0.0f ? dvd[i] : 0.0f;
            if (yd[i] != want_y || dxd[i] != want_dx) {
                fail_msg("%zu threads: element %zu: relu %g (want %g), backward %g (want %g)", threads[t], i,
                         (double)yd[i], (double)want_y, (double)dxd[i], (double)want_dx);
            }
        }
    }
    assert_ok(nnb_set_num_threads(0));
    nnb_tensor_destroy(x);
    nnb_tensor_destroy(y);
    nnb_tensor_destroy(dv);
    nnb_tensor_destroy(dx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_match_single_thread_with_serial_gemm),
        cmocka_unit_test(test_threads_match_single_thread_with_threaded_gemm),
        cmocka_unit_test(test_threads_split_elementwise_kernels_exactly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
