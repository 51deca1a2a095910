/* SPDX-License-Identifier: MIT */
/*
 * The data-parallel hook of nnb_train_params (shard_count, shard_index, reduce_gradients, reduce_sums),
 * without MPI:
 *  - the shard a process trains on: the gradient handed to reduce_gradients equals, bit for bit, the gradient
 *    one process computes on exactly those rows, and the counts passed along are the shard's and the batch's;
 *  - two threads standing in for two processes, exchanging through shared memory in rank order (as
 *    nnbasics_mpi does over MPI): both end with the same weights bit for bit, and within rounding of one
 *    process trained on the global batches (same shuffles);
 *  - the argument checks (and nothing changes when they fail), a failing callback stops training.
 */
#define _POSIX_C_SOURCE 200809L /* pthread barriers */

#include <math.h>
#include <pthread.h>
#include <string.h>

#include "test_support.h"

/* |a - b| <= tol in double precision. */
#define assert_near(a, b, tol) assert_true(fabs((double)(a) - (double)(b)) <= (tol))

enum { ROWS = 12, IN = 2, HIDDEN = 5, OUT = 3 };

static const float k_x[ROWS * IN] = {0.9f,  -1.2f, 1.5f,  0.3f,  -0.7f, 2.0f, 1.1f,  -0.4f, 0.2f, 0.8f,  -1.5f, -0.3f,
                                     -0.6f, 1.7f,  0.05f, -1.1f, 1.3f,  1.2f, -0.9f, -0.8f, 0.4f, -0.2f, 0.7f,  0.6f};
static const uint32_t k_labels[ROWS] = {0, 1, 2, 0, 1, 2, 2, 1, 0, 0, 2, 1};

static nnb_model *make_model(int with_dropout)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    nnb_regularization reg;
    memset(&reg, 0, sizeof reg);
    reg.weight_l2 = 1e-2f;
    assert_ok(nnb_model_add_dense_init(m, IN, HIDDEN, &he, &reg));
    assert_ok(nnb_model_add_relu(m));
    if (with_dropout) {
        assert_ok(nnb_model_add_dropout(m, 0.1f));
    }
    assert_ok(nnb_model_add_dense_init(m, HIDDEN, OUT, &he, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    sgd.learning_rate = 0.5;
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    return m;
}

#define N_PARAMS (IN * HIDDEN + HIDDEN + HIDDEN * OUT + OUT)

/* Every parameter (or, with grads, every gradient) of the model in the hook's packing order. */
static void pack(const nnb_model *m, int grads, float out[N_PARAMS])
{
    size_t k = 0;
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        const nnb_dense *d = nnb_model_cdense(m, i);
        if (d == NULL) {
            continue;
        }
        const nnb_tensor *parts[2] = {grads ? nnb_dense_dweights(d) : nnb_dense_weights(d),
                                      grads ? nnb_dense_dbiases(d) : nnb_dense_biases(d)};
        for (int p = 0; p < 2; ++p) {
            size_t n = nnb_tensor_rows(parts[p]) * nnb_tensor_cols(parts[p]);
            memcpy(out + k, nnb_tensor_cdata(parts[p]), n * sizeof(float));
            k += n;
        }
    }
    assert_int_equal(k, N_PARAMS);
}

/* ---------------------------------------------------------------- the shard's gradient */

typedef struct capture {
    float grads[N_PARAMS];
    size_t count, local_rows, global_rows, calls;
    double sums[3];
    size_t sum_count;
    nnb_status fail_with; /* returned by the callbacks when not NNB_OK */
} capture;

static nnb_status capture_gradients(float *grads, size_t count, size_t local_rows, size_t global_rows, void *user)
{
    capture *c = user;
    assert_int_equal(count, N_PARAMS);
    memcpy(c->grads, grads, count * sizeof(float));
    c->count = count;
    c->local_rows = local_rows;
    c->global_rows = global_rows;
    c->calls++;
    return c->fail_with;
}

static nnb_status capture_sums(double *values, size_t count, void *user)
{
    capture *c = user;
    assert_true(count <= 3);
    memcpy(c->sums, values, count * sizeof(double));
    c->sum_count = count;
    return NNB_OK;
}

/* One full-batch step as shard 1 of 3: the gradient is the one of rows [4, 8) computed alone. */
static void test_shard_gradient_is_the_rows_own(void **state)
{
    (void)state;
    nnb_tensor *X = NULL, *Xpart = NULL;
    assert_ok(nnb_tensor_create_from(&X, ROWS, IN, k_x));
    assert_ok(nnb_tensor_create_from(&Xpart, 4, IN, k_x + 4 * IN));
    nnb_targets y = nnb_targets_from_labels(k_labels, ROWS);
    nnb_targets ypart = nnb_targets_from_labels(k_labels + 4, 4);

    nnb_model *alone = make_model(0);
    nnb_train_params tp = nnb_train_params_default();
    assert_ok(nnb_model_train(alone, Xpart, &ypart, &tp));
    float expected[N_PARAMS];
    pack(alone, 1, expected);
    float loss_alone = 0.0f;
    double acc_alone = 0.0;
    nnb_model *fresh = make_model(0); /* the weights before the step, for the loss of those rows */
    assert_ok(nnb_model_evaluate(fresh, Xpart, &ypart, 0, &loss_alone, &acc_alone));

    nnb_model *m = make_model(0);
    capture c;
    memset(&c, 0, sizeof c);
    tp.shard_count = 3;
    tp.shard_index = 1;
    tp.reduce_gradients = capture_gradients;
    tp.reduce_sums = capture_sums;
    tp.reduce_user = &c;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.local_rows, 4);
    assert_int_equal(c.global_rows, ROWS);
    assert_memory_equal(c.grads, expected, sizeof expected);
    /* The figures sent for summing: the shard's loss sum, correct-count and rows. */
    assert_int_equal(c.sum_count, 3);
    assert_near(c.sums[0], 4.0 * (double)loss_alone, 1e-5);
    assert_near(c.sums[1], 4.0 * acc_alone, 1e-12);
    assert_near(c.sums[2], 4.0, 0.0);
    /* The callback returned the gradients unchanged, so the update is the alone model's. */
    float wa[N_PARAMS], wm[N_PARAMS];
    pack(alone, 0, wa);
    pack(m, 0, wm);
    assert_memory_equal(wa, wm, sizeof wa);
    nnb_model_destroy(alone);
    nnb_model_destroy(fresh);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Xpart);
}

/* ---------------------------------------------------------------- two threads as two processes */

enum { RANKS = 2 };

/* Shared memory standing in for MPI_Allgather: each rank writes its slot, then everyone sums in rank order. */
typedef struct exchange {
    pthread_barrier_t barrier;
    float grads[RANKS][N_PARAMS];
    double rows[RANKS];
    double sums[RANKS][3];
} exchange;

typedef struct rank_ctx {
    exchange *ex;
    size_t rank;
    nnb_model *model;
    float last_loss;
    double last_acc;
} rank_ctx;

static nnb_status thread_gradients(float *grads, size_t count, size_t local_rows, size_t global_rows, void *user)
{
    rank_ctx *r = user;
    memcpy(r->ex->grads[r->rank], grads, count * sizeof(float));
    r->ex->rows[r->rank] = (double)local_rows;
    pthread_barrier_wait(&r->ex->barrier);
    for (size_t j = 0; j < count; ++j) {
        double s = 0.0;
        for (size_t k = 0; k < RANKS; ++k) {
            s += r->ex->rows[k] * (double)r->ex->grads[k][j];
        }
        grads[j] = (float)(s / (double)global_rows);
    }
    pthread_barrier_wait(&r->ex->barrier); /* nobody overwrites a slot before everyone has read it */
    return NNB_OK;
}

static nnb_status thread_sums(double *values, size_t count, void *user)
{
    rank_ctx *r = user;
    memcpy(r->ex->sums[r->rank], values, count * sizeof(double));
    pthread_barrier_wait(&r->ex->barrier);
    for (size_t j = 0; j < count; ++j) {
        double s = 0.0;
        for (size_t k = 0; k < RANKS; ++k) {
            s += r->ex->sums[k][j];
        }
        values[j] = s;
    }
    pthread_barrier_wait(&r->ex->barrier);
    return NNB_OK;
}

static int keep_last(const nnb_progress *p, void *user)
{
    rank_ctx *r = user;
    if (p->event == NNB_PROGRESS_EPOCH) {
        r->last_loss = p->loss;
        r->last_acc = p->accuracy;
    }
    return 0;
}

enum { EPOCHS = 40, BATCH = 6 };

static nnb_train_params shared_params(void)
{
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = EPOCHS;
    tp.batch_size = BATCH;
    tp.shuffle = 1;
    return tp;
}

static void *rank_main(void *arg)
{
    rank_ctx *r = arg;
    nnb_tensor *X = NULL;
    if (nnb_tensor_create_from(&X, ROWS, IN, k_x) != NNB_OK) {
        return arg;
    }
    nnb_targets y = nnb_targets_from_labels(k_labels, ROWS);
    nnb_train_params tp = shared_params();
    tp.progress = keep_last;
    tp.user = r;
    tp.shard_count = RANKS;
    tp.shard_index = r->rank;
    tp.reduce_gradients = thread_gradients;
    tp.reduce_sums = thread_sums;
    tp.reduce_user = r;
    nnb_status st = nnb_model_train(r->model, X, &y, &tp);
    nnb_tensor_destroy(X);
    return st == NNB_OK ? NULL : arg;
}

static void test_two_ranks_match_one_process(void **state)
{
    (void)state;
    exchange ex;
    memset(&ex, 0, sizeof ex);
    assert_int_equal(pthread_barrier_init(&ex.barrier, NULL, RANKS), 0);
    rank_ctx ranks[RANKS];
    pthread_t th[RANKS];
    for (size_t k = 0; k < RANKS; ++k) {
        memset(&ranks[k], 0, sizeof ranks[k]);
        ranks[k].ex = &ex;
        ranks[k].rank = k;
        ranks[k].model = make_model(0);
        assert_int_equal(pthread_create(&th[k], NULL, rank_main, &ranks[k]), 0);
    }
    for (size_t k = 0; k < RANKS; ++k) {
        void *ret = &ret;
        assert_int_equal(pthread_join(th[k], &ret), 0);
        assert_null(ret);
    }
    pthread_barrier_destroy(&ex.barrier);

    float w0[N_PARAMS], w1[N_PARAMS], ws[N_PARAMS];
    pack(ranks[0].model, 0, w0);
    pack(ranks[1].model, 0, w1);
    assert_memory_equal(w0, w1, sizeof w0);
    assert_memory_equal(&ranks[0].last_loss, &ranks[1].last_loss, sizeof(float));
    assert_memory_equal(&ranks[0].last_acc, &ranks[1].last_acc, sizeof(double));

    /* One process, the same seed and shuffles, on the global batches. */
    nnb_model *single = make_model(0);
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, ROWS, IN, k_x));
    nnb_targets y = nnb_targets_from_labels(k_labels, ROWS);
    nnb_train_params tp = shared_params();
    rank_ctx figures;
    memset(&figures, 0, sizeof figures);
    tp.progress = keep_last;
    tp.user = &figures;
    assert_ok(nnb_model_train(single, X, &y, &tp));
    pack(single, 0, ws);
    /* 80 steps of SGD on batches of 6: float32 reordering of 6-term sums, ~1e-6 per step at most. */
    double max_diff = 0.0, max_w = 0.0;
    for (size_t j = 0; j < N_PARAMS; ++j) {
        max_diff = fmax(max_diff, fabs((double)w0[j] - (double)ws[j]));
        max_w = fmax(max_w, fabs((double)ws[j]));
    }
    assert_true(max_w > 0.1);
    assert_true(max_diff <= 1e-4);
    assert_near(ranks[0].last_loss, figures.last_loss, 1e-5);
    assert_near(ranks[0].last_acc, figures.last_acc, 1e-12);

    for (size_t k = 0; k < RANKS; ++k) {
        nnb_model_destroy(ranks[k].model);
    }
    nnb_model_destroy(single);
    nnb_tensor_destroy(X);
}

/* ---------------------------------------------------------------- checks */

static void test_bad_shard_settings(void **state)
{
    (void)state;
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, ROWS, IN, k_x));
    nnb_targets y = nnb_targets_from_labels(k_labels, ROWS);
    nnb_model *m = make_model(0);
    float before[N_PARAMS], after[N_PARAMS];
    pack(m, 0, before);
    capture c;
    memset(&c, 0, sizeof c);
    nnb_train_params ok = nnb_train_params_default();
    ok.shard_count = 2;
    ok.reduce_gradients = capture_gradients;
    ok.reduce_sums = capture_sums;
    ok.reduce_user = &c;

    nnb_train_params tp = ok;
    tp.reduce_gradients = NULL;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    tp = ok;
    tp.reduce_sums = NULL;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    tp = ok;
    tp.shard_index = 2;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "shard_index"));
    tp = ok;
    tp.shard_count = 5;
    tp.batch_size = 8; /* 12 rows: batches of 8 and 4, and 4 rows cannot feed 5 shards */
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "last batch of 4"));
    pack(m, 0, after);
    assert_memory_equal(before, after, sizeof before);
    assert_int_equal(c.calls, 0);

    /* shard_count 1 is off: the callbacks are not needed and not called. */
    tp = nnb_train_params_default();
    tp.shard_count = 1;
    assert_ok(nnb_model_train(m, X, &y, &tp));

    nnb_model *d = make_model(1);
    assert_status(nnb_model_train(d, X, &y, &ok), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "dropout"));
    nnb_model_destroy(d);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static void test_failing_callback_stops_training(void **state)
{
    (void)state;
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, ROWS, IN, k_x));
    nnb_targets y = nnb_targets_from_labels(k_labels, ROWS);
    nnb_model *m = make_model(0);
    float before[N_PARAMS], after[N_PARAMS];
    pack(m, 0, before);
    capture c;
    memset(&c, 0, sizeof c);
    c.fail_with = NNB_ERR_IO;
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.shard_count = 2;
    tp.reduce_gradients = capture_gradients;
    tp.reduce_sums = capture_sums;
    tp.reduce_user = &c;
    assert_status(nnb_model_train(m, X, &y, &tp), NNB_ERR_IO);
    assert_int_equal(c.calls, 1);
    pack(m, 0, after);
    assert_memory_equal(before, after, sizeof before); /* no update was applied */
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_gradient_is_the_rows_own),
        cmocka_unit_test(test_two_ranks_match_one_process),
        cmocka_unit_test(test_bad_shard_settings),
        cmocka_unit_test(test_failing_callback_stops_training),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
