/* SPDX-License-Identifier: MIT */
/*
 * The per-epoch training history: its entries against the progress reports of the same run and against
 * nnb_model_evaluate after the run, NaN without validation data, the CSV text, a run stopped by the callback,
 * and no allocation per step or per epoch.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const float k_x[16] = {0.9f, -1.2f, 1.5f,  0.3f, -0.7f, 2.0f,  1.1f,  -0.4f,
                              0.2f, 0.8f,  -1.3f, 0.6f, 0.4f,  -0.9f, -1.6f, 1.0f};
static const uint32_t k_labels[8] = {0, 1, 1, 0, 1, 0, 1, 0};
static const float k_vx[6] = {0.5f, 0.5f, -0.5f, 1.5f, 1.0f, -1.0f};
static const uint32_t k_vlabels[3] = {0, 1, 0};

typedef struct fixture {
    nnb_tensor *X, *VX;
    nnb_model *m;
} fixture;

static void setup(fixture *f)
{
    assert_ok(nnb_tensor_create_from(&f->X, 8, 2, k_x));
    assert_ok(nnb_tensor_create_from(&f->VX, 3, 2, k_vx));
    assert_ok(nnb_model_create(&f->m, 1));
    nnb_init he = nnb_init_of(NNB_INIT_HE_UNIFORM);
    assert_ok(nnb_model_add_dense_init(f->m, 2, 8, &he, NULL));
    assert_ok(nnb_model_add_relu(f->m));
    assert_ok(nnb_model_add_dense_init(f->m, 8, 2, &he, NULL));
    assert_ok(nnb_model_add_softmax(f->m));
    assert_ok(nnb_model_set_loss(f->m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_accuracy(f->m, NNB_ACCURACY_CATEGORICAL));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.01;
    adam.decay = 0.05;
    assert_ok(nnb_model_set_optimizer(f->m, &adam));
    assert_ok(nnb_model_finalize(f->m));
}

static void teardown(fixture *f)
{
    nnb_model_destroy(f->m);
    nnb_tensor_destroy(f->X);
    nnb_tensor_destroy(f->VX);
}

typedef struct reports {
    nnb_progress epoch[8];
    nnb_progress val[8];
    size_t ne, nv;
    size_t stop_after;
} reports;

static int collect(const nnb_progress *p, void *user)
{
    reports *r = user;
    if (p->event == NNB_PROGRESS_EPOCH && r->ne < 8) {
        r->epoch[r->ne++] = *p;
    } else if (p->event == NNB_PROGRESS_VALIDATION && r->nv < 8) {
        r->val[r->nv++] = *p;
    }
    return r->stop_after != 0 && p->event == NNB_PROGRESS_EPOCH && p->epoch == r->stop_after;
}

static void test_history_matches_reports_and_evaluate(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_targets vy = nnb_targets_from_labels(k_vlabels, 3);
    reports r;
    memset(&r, 0, sizeof r);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 5;
    tp.batch_size = 3; /* 3 steps per epoch: the epoch figures are sums over the batches */
    tp.shuffle = 1;
    tp.validation_x = f.VX;
    tp.validation_y = &vy;
    tp.progress = collect;
    tp.user = &r;
    tp.record_history = 1;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(f.m, &h, &n));
    assert_int_equal(n, 5);
    assert_int_equal(r.ne, 5);
    assert_int_equal(r.nv, 5);
    for (size_t i = 0; i < n; ++i) {
        assert_int_equal(h[i].epoch, i + 1);
        assert_true(h[i].loss == (double)r.epoch[i].loss);
        assert_true(h[i].accuracy == r.epoch[i].accuracy);
        assert_true(h[i].learning_rate == r.epoch[i].learning_rate);
        assert_true(h[i].val_loss == (double)r.val[i].loss);
        assert_true(h[i].val_accuracy == r.val[i].accuracy);
        assert_true(h[i].seconds >= 0.0);
    }
    /* The learning rate of epoch e is that of its last update, iteration 3e - 1: 0.01 / (1 + 0.05 (3e - 1)). */
    assert_close(h[4].learning_rate, 0.01 / (1.0 + 0.05 * 14.0), 1e-15, 0.0);
    float vloss = 0.0f;
    double vacc = 0.0;
    assert_ok(nnb_model_evaluate(f.m, f.VX, &vy, 0, &vloss, &vacc));
    assert_true(h[4].val_loss == (double)vloss);
    assert_true(h[4].val_accuracy == vacc);
    teardown(&f);
}

static void test_history_csv_and_missing_validation(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.record_history = 1;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(f.m, &h, &n));
    assert_int_equal(n, 3);
    assert_true(isnan(h[0].val_loss) && isnan(h[2].val_accuracy));
    FILE *file = tmpfile();
    assert_non_null(file);
    assert_ok(nnb_model_history_write_csv(f.m, file));
    rewind(file);
    char line[256];
    assert_non_null(fgets(line, sizeof line, file));
    assert_string_equal(line, "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n");
    for (size_t i = 0; i < 3; ++i) {
        assert_non_null(fgets(line, sizeof line, file));
        unsigned epoch = 0;
        double loss = 0.0, acc = 0.0, lr = 0.0;
        int used = 0;
        assert_int_equal(sscanf(line, "%u,%lf,%lf,,,%lf,%*f%n", &epoch, &loss, &acc, &lr, &used), 4);
        assert_int_equal(epoch, i + 1);
        assert_close(loss, h[i].loss, 1e-8, 0.0);
        assert_close(acc, h[i].accuracy, 1e-8, 0.0);
        assert_close(lr, 0.01 / (1.0 + 0.05 * (double)i), 1e-8, 0.0);
    }
    assert_null(fgets(line, sizeof line, file));
    fclose(file);
    teardown(&f);
}

static void test_stopped_run_keeps_completed_epochs(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    reports r;
    memset(&r, 0, sizeof r);
    r.stop_after = 2;
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 6;
    tp.progress = collect;
    tp.user = &r;
    tp.record_history = 1;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(f.m, &h, &n));
    assert_int_equal(n, 2);
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(f.m)), 2);
    teardown(&f);
}

/* Allocations of one nnb_model_train of `epochs` epochs on a fresh model. */
static size_t allocations(size_t epochs)
{
    fixture f;
    setup(&f);
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_targets vy = nnb_targets_from_labels(k_vlabels, 3);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = epochs;
    tp.batch_size = 3;
    tp.shuffle = 1;
    tp.validation_x = f.VX;
    tp.validation_y = &vy;
    tp.record_history = 1;
    tp.clip_norm = 0.1;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 100;
    nnb_test_reset_counts();
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    size_t count = nnb_test_alloc_count();
    teardown(&f);
    return count;
}

static void test_no_allocation_per_step_or_epoch(void **state)
{
    (void)state;
    size_t two = allocations(2);
    size_t six = allocations(6);
    assert_true(two > 0);
    assert_int_equal(two, six);
}

#define N_PARAMS (2 * 8 + 8 + 8 * 2 + 2)
#define MAX_EPOCHS 60

typedef struct snapshots {
    nnb_model *m;
    float w[MAX_EPOCHS][N_PARAMS];
    size_t n;
} snapshots;

static void params_of(const nnb_model *m, float *out)
{
    size_t k = 0;
    for (size_t i = 0; i < 4; i += 2) {
        const nnb_dense *d = nnb_model_cdense(m, i);
        const nnb_tensor *parts[2] = {nnb_dense_weights(d), nnb_dense_biases(d)};
        for (size_t p = 0; p < 2; ++p) {
            memcpy(out + k, nnb_tensor_cdata(parts[p]), nnb_tensor_size(parts[p]) * sizeof(float));
            k += nnb_tensor_size(parts[p]);
        }
    }
}

/* The parameters after every epoch, as the EPOCH report sees them. */
static int snapshot(const nnb_progress *p, void *user)
{
    snapshots *s = user;
    if (p->event == NNB_PROGRESS_EPOCH && s->n < MAX_EPOCHS) {
        params_of(s->m, s->w[s->n++]);
    }
    return 0;
}

static void test_early_stopping_restores_the_best_epoch(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.3; /* large: the validation loss soon stops improving */
    assert_ok(nnb_model_set_optimizer(f.m, &adam));
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_targets vy = nnb_targets_from_labels(k_vlabels, 3);
    static snapshots snaps;
    memset(&snaps, 0, sizeof snaps);
    snaps.m = f.m;
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = MAX_EPOCHS;
    tp.validation_x = f.VX;
    tp.validation_y = &vy;
    tp.progress = snapshot;
    tp.user = &snaps;
    tp.record_history = 1;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 3;
    tp.min_delta = 1e-4;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(f.m, &h, &n));
    /* The best epoch by the rule, from the history: better than the best so far by more than min_delta. */
    size_t best = 1, wait = 0, stopped = 0;
    for (size_t i = 1; i < n && !stopped; ++i) {
        if (h[i].val_loss < h[best - 1].val_loss - 1e-4) {
            best = i + 1;
            wait = 0;
        } else if (++wait >= 3) {
            stopped = i + 1;
        }
    }
    assert_true(stopped != 0); /* the run did stop early */
    assert_int_equal(n, stopped);
    assert_int_equal(snaps.n, n);
    assert_int_equal(nnb_model_best_epoch(f.m), best);
    assert_true(best < n);
    float now[N_PARAMS];
    params_of(f.m, now);
    assert_memory_equal(now, snaps.w[best - 1], sizeof now);
    assert_true(memcmp(now, snaps.w[n - 1], sizeof now) != 0);
    teardown(&f);
}

static void test_early_stopping_arguments(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_train_params tp = nnb_train_params_default();
    tp.early_stop = NNB_MONITOR_VAL_ACCURACY; /* no validation data */
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.early_stop = (nnb_monitor)9;
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.early_stop = NNB_MONITOR_LOSS;
    tp.min_delta = -1.0;
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(f.m)), 0);
    tp.min_delta = 0.0;
    tp.epochs = 4;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    assert_true(nnb_model_best_epoch(f.m) >= 1);
    assert_int_equal(nnb_model_best_epoch(NULL), 0);
    teardown(&f);
}

static void test_validation_split_takes_the_permuted_rows(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    /* The documented split, from a copy of the model's generator: perm by Fisher-Yates, first 2 rows validate. */
    nnb_rng *copy = NULL;
    assert_ok(nnb_rng_clone(&copy, nnb_model_rng(f.m)));
    uint32_t perm[8];
    for (uint32_t i = 0; i < 8; ++i) {
        perm[i] = i;
    }
    for (uint32_t i = 7; i > 0; --i) {
        uint32_t j = 0;
        assert_ok(nnb_rng_below(copy, i + 1, &j));
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    nnb_rng_destroy(copy);
    float vx[4];
    uint32_t vl[2];
    for (size_t r = 0; r < 2; ++r) {
        vx[2 * r] = k_x[2 * perm[r]];
        vx[2 * r + 1] = k_x[2 * perm[r] + 1];
        vl[r] = k_labels[perm[r]];
    }
    nnb_targets y = nnb_targets_from_labels(k_labels, 8);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.validation_split = 0.25; /* floor(0.25 * 8) = 2 rows */
    tp.record_history = 1;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 10;
    assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(f.m, &h, &n));
    assert_int_equal(n, 3);
    nnb_tensor *VX = NULL;
    assert_ok(nnb_tensor_create_from(&VX, 2, 2, vx));
    nnb_targets vy = nnb_targets_from_labels(vl, 2);
    float vloss = 0.0f;
    double vacc = 0.0;
    assert_ok(nnb_model_evaluate(f.m, VX, &vy, 0, &vloss, &vacc));
    size_t best = nnb_model_best_epoch(f.m);
    assert_true(best >= 1 && best <= 3);
    assert_true(h[best - 1].val_loss == (double)vloss);
    assert_true(h[best - 1].val_accuracy == vacc);
    /* Bad splits. */
    tp.validation_split = 0.05; /* no row */
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.validation_split = 1.0;
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    tp.validation_split = 0.5;
    tp.validation_x = VX;
    tp.validation_y = &vy;
    assert_status(nnb_model_train(f.m, f.X, &y, &tp), NNB_ERR_ARGUMENT);
    nnb_tensor_destroy(VX);
    teardown(&f);
}

/* Early stopping on the training figures: the loss (lower is better, min_delta 0.02) and the accuracy (higher
 * is better, min_delta 0): the best epoch and the stopping epoch follow the rule applied to the history, and
 * the parameters are those the best epoch's report saw. */
static void test_early_stopping_on_training_loss_and_accuracy(void **state)
{
    (void)state;
    const nnb_monitor monitors[2] = {NNB_MONITOR_LOSS, NNB_MONITOR_ACCURACY};
    const double deltas[2] = {0.02, 0.0};
    for (size_t k = 0; k < 2; ++k) {
        fixture f;
        setup(&f);
        nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
        adam.learning_rate = 0.3;
        assert_ok(nnb_model_set_optimizer(f.m, &adam));
        nnb_targets y = nnb_targets_from_labels(k_labels, 8);
        static snapshots snaps;
        memset(&snaps, 0, sizeof snaps);
        snaps.m = f.m;
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = MAX_EPOCHS;
        tp.progress = snapshot;
        tp.user = &snaps;
        tp.record_history = 1;
        tp.early_stop = monitors[k];
        tp.patience = 3;
        tp.min_delta = deltas[k];
        assert_ok(nnb_model_train(f.m, f.X, &y, &tp));
        const nnb_history_entry *h = NULL;
        size_t n = 0;
        assert_ok(nnb_model_history(f.m, &h, &n));
        size_t best = 1, wait = 0, stopped = 0;
        for (size_t i = 1; i < n && !stopped; ++i) {
            int better =
                k == 0 ? h[i].loss < h[best - 1].loss - deltas[k] : h[i].accuracy > h[best - 1].accuracy + deltas[k];
            if (better) {
                best = i + 1;
                wait = 0;
            } else if (++wait >= 3) {
                stopped = i + 1;
            }
        }
        assert_true(stopped != 0);
        assert_int_equal(n, stopped);
        assert_int_equal(nnb_model_best_epoch(f.m), best);
        assert_true(best < n);
        float now[N_PARAMS];
        params_of(f.m, now);
        assert_memory_equal(now, snaps.w[best - 1], sizeof now);
        teardown(&f);
    }
}

/*
 * validation_split with tensor (regression) targets: a 1 -> 1 linear model, targets 2x + 1 for eight inputs;
 * the two validation rows are those of the documented permutation, with their own targets (the best epoch's
 * validation loss equals the evaluation of those rows and values), and the fit converges on them.
 */
static void test_validation_split_with_tensor_targets(void **state)
{
    (void)state;
    static const float xs[8] = {-1.5f, -1.0f, -0.5f, 0.0f, 0.25f, 0.5f, 1.0f, 1.5f};
    float ys[8];
    for (size_t i = 0; i < 8; ++i) {
        ys[i] = 2.0f * xs[i] + 1.0f;
    }
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_model_add_dense(m, 1, 1, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_REGRESSION));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.05;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_finalize(m));
    nnb_rng *copy = NULL;
    assert_ok(nnb_rng_clone(&copy, nnb_model_rng(m)));
    uint32_t perm[8];
    for (uint32_t i = 0; i < 8; ++i) {
        perm[i] = i;
    }
    for (uint32_t i = 7; i > 0; --i) {
        uint32_t j = 0;
        assert_ok(nnb_rng_below(copy, i + 1, &j));
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    nnb_rng_destroy(copy);
    float vx[2], vyv[2];
    for (size_t r = 0; r < 2; ++r) {
        vx[r] = xs[perm[r]];
        vyv[r] = ys[perm[r]];
    }
    nnb_tensor *X = NULL, *Y = NULL, *VX = NULL, *VY = NULL;
    assert_ok(nnb_tensor_create_from(&X, 8, 1, xs));
    assert_ok(nnb_tensor_create_from(&Y, 8, 1, ys));
    assert_ok(nnb_tensor_create_from(&VX, 2, 1, vx));
    assert_ok(nnb_tensor_create_from(&VY, 2, 1, vyv));
    nnb_targets y = nnb_targets_from_tensor(Y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 400;
    tp.validation_split = 0.25;
    tp.record_history = 1;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 400;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(m, &h, &n));
    assert_int_equal(n, 400);
    nnb_targets vy = nnb_targets_from_tensor(VY);
    float vloss = 0.0f;
    double vacc = 0.0;
    assert_ok(nnb_model_evaluate(m, VX, &vy, 0, &vloss, &vacc));
    size_t best = nnb_model_best_epoch(m);
    assert_true(best >= 1 && best <= 400);
    assert_true(h[best - 1].val_loss == (double)vloss);
    /* The line is learnt from the six training rows: the validation rows' loss is near 0 (it starts above 1). */
    assert_true(h[0].val_loss > 0.1);
    assert_true(vloss < 1e-3f);
    nnb_tensor_destroy(VY);
    nnb_tensor_destroy(VX);
    nnb_tensor_destroy(Y);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

static void test_history_bad_arguments(void **state)
{
    (void)state;
    fixture f;
    setup(&f);
    const nnb_history_entry *h = (const nnb_history_entry *)&f;
    size_t n = 9;
    assert_ok(nnb_model_history(f.m, &h, &n));
    assert_null(h);
    assert_int_equal(n, 0);
    assert_status(nnb_model_history(NULL, &h, &n), NNB_ERR_NULL);
    assert_status(nnb_model_history(f.m, NULL, &n), NNB_ERR_NULL);
    assert_status(nnb_model_history_write_csv(f.m, NULL), NNB_ERR_NULL);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_matches_reports_and_evaluate),
        cmocka_unit_test(test_history_csv_and_missing_validation),
        cmocka_unit_test(test_stopped_run_keeps_completed_epochs),
        cmocka_unit_test(test_no_allocation_per_step_or_epoch),
        cmocka_unit_test(test_early_stopping_restores_the_best_epoch),
        cmocka_unit_test(test_early_stopping_arguments),
        cmocka_unit_test(test_validation_split_takes_the_permuted_rows),
        cmocka_unit_test(test_early_stopping_on_training_loss_and_accuracy),
        cmocka_unit_test(test_validation_split_with_tensor_targets),
        cmocka_unit_test(test_history_bad_arguments),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
