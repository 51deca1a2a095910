/* SPDX-License-Identifier: MIT */
/*
 * Learning-rate schedules: values at chosen iterations computed by hand from the formulas of schedule.h,
 * the composition with the book's decay through the optimizer, and the rate the training progress reports
 * at every step of a small model.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

static double rate(const nnb_lr_schedule *s, double lr, size_t t)
{
    double r = -1.0;
    assert_ok(nnb_lr_schedule_rate(s, lr, t, &r));
    return r;
}

static void test_step_values(void **state)
{
    (void)state;
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_STEP;
    s.step_size = 10;
    s.gamma = 0.5;
    assert_close(rate(&s, 0.1, 0), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 9), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 10), 0.05, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 25), 0.025, 1e-15, 0.0);
}

static void test_exponential_values(void **state)
{
    (void)state;
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_EXPONENTIAL;
    s.gamma = 0.9;
    assert_close(rate(&s, 0.1, 0), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 2), 0.081, 1e-14, 0.0);
    s.step_size = 4; /* 0.9 per 4 iterations: at 2, 0.1 * sqrt(0.9) */
    assert_close(rate(&s, 0.1, 2), 0.0948683298050514, 1e-13, 0.0);
    assert_close(rate(&s, 0.1, 8), 0.081, 1e-14, 0.0);
}

static void test_cosine_values_with_and_without_restarts(void **state)
{
    (void)state;
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_COSINE;
    s.period = 10;
    assert_close(rate(&s, 0.1, 0), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 5), 0.05, 1e-14, 0.0);
    assert_close(rate(&s, 0.1, 10), 0.0, 0.0, 1e-17);
    assert_close(rate(&s, 0.1, 15), 0.0, 0.0, 1e-17);
    s.restarts = 1;
    assert_close(rate(&s, 0.1, 10), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 15), 0.05, 1e-14, 0.0);
    s.restarts = 0;
    s.period = 4;
    s.min_lr = 0.01;
    /* 0.01 + 0.09 * (1 + cos(pi / 4)) / 2 = 0.01 + 0.09 * 0.853553390593274 */
    assert_close(rate(&s, 0.1, 1), 0.0868198051533946, 1e-13, 0.0);
    assert_close(rate(&s, 0.1, 4), 0.01, 1e-14, 0.0);
}

static void test_warmup_then_step(void **state)
{
    (void)state;
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.warmup = 5;
    assert_close(rate(&s, 0.1, 0), 0.02, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 2), 0.06, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 4), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 5), 0.1, 1e-15, 0.0);
    s.kind = NNB_SCHEDULE_STEP;
    s.step_size = 10;
    s.gamma = 0.5;
    assert_close(rate(&s, 0.1, 14), 0.1, 1e-15, 0.0);
    assert_close(rate(&s, 0.1, 15), 0.05, 1e-15, 0.0);
}

static void test_optimizer_composes_schedule_and_decay(void **state)
{
    (void)state;
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.1;
    p.decay = 0.1;
    nnb_optimizer *opt = NULL;
    assert_ok(nnb_optimizer_create(&opt, &p));
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_STEP;
    s.step_size = 10;
    s.gamma = 0.5;
    assert_ok(nnb_optimizer_set_schedule(opt, &s));
    /* Iteration 10: 0.1 * 0.5 * 1 / (1 + 0.1 * 10) = 0.025; iteration 3: 0.1 / 1.3. */
    for (size_t t = 0; t <= 10; ++t) {
        assert_ok(nnb_optimizer_pre_update(opt));
        if (t == 3) {
            assert_close(nnb_optimizer_current_lr(opt), 0.1 / 1.3, 1e-15, 0.0);
        }
        if (t < 10) {
            assert_ok(nnb_optimizer_post_update(opt));
        }
    }
    assert_close(nnb_optimizer_current_lr(opt), 0.025, 1e-15, 0.0);
    nnb_lr_schedule back;
    assert_ok(nnb_optimizer_schedule(opt, &back));
    assert_int_equal(back.kind, NNB_SCHEDULE_STEP);
    /* Removing it gives the book's decay alone. */
    assert_ok(nnb_optimizer_set_schedule(opt, NULL));
    assert_ok(nnb_optimizer_pre_update(opt));
    assert_close(nnb_optimizer_current_lr(opt), 0.05, 1e-15, 0.0);
    nnb_optimizer_destroy(opt);
}

typedef struct seen {
    double lr[32];
    size_t n;
} seen;

static int record(const nnb_progress *pr, void *user)
{
    seen *s = user;
    if (pr->event == NNB_PROGRESS_STEP && s->n < 32) {
        s->lr[s->n++] = pr->learning_rate;
    }
    return 0;
}

static void test_progress_reports_the_scheduled_rate(void **state)
{
    (void)state;
    const float x[8] = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, 0.7f, 0.8f};
    const uint32_t labels[4] = {0, 1, 1, 0};
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create_from(&X, 4, 2, x));
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 2, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_STEP;
    s.warmup = 2;
    s.step_size = 5;
    s.gamma = 0.5;
    assert_ok(nnb_model_set_schedule(m, &s)); /* before the optimizer: kept and given to it */
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    assert_ok(nnb_model_finalize(m));
    nnb_targets y = nnb_targets_from_labels(labels, 4);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.batch_size = 1;
    tp.print_every_steps = 1;
    seen rec;
    memset(&rec, 0, sizeof rec);
    tp.progress = record;
    tp.user = &rec;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    /* 12 steps: warm-up 0.5, 1; then 1 for 5 steps (2..6) and 0.5 for 5 (7..11). */
    const double expected[12] = {0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5};
    assert_int_equal(rec.n, 12);
    for (size_t i = 0; i < 12; ++i) {
        assert_close(rec.lr[i], expected[i], 1e-15, 0.0);
    }
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

static void test_bad_schedules(void **state)
{
    (void)state;
    double r = 7.0;
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_STEP;
    s.step_size = 0;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s.step_size = 1;
    s.gamma = -1.0;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_COSINE;
    s.period = 0;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s.period = 3;
    s.min_lr = NAN;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s = nnb_lr_schedule_default();
    s.kind = (nnb_schedule_kind)42;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s = nnb_lr_schedule_default();
    assert_status(nnb_lr_schedule_rate(&s, 0.0, 0, &r), NNB_ERR_ARGUMENT);
    assert_status(nnb_lr_schedule_rate(NULL, 0.1, 0, &r), NNB_ERR_NULL);
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_lr_schedule_rate(&s, NAN, 0, &r), NNB_ERR_ARGUMENT);
    assert_status(nnb_lr_schedule_rate(&s, INFINITY, 0, &r), NNB_ERR_ARGUMENT);
    assert_status(nnb_lr_schedule_rate(&s, -0.1, 0, &r), NNB_ERR_ARGUMENT);
    /* gamma must be finite and > 0, for both step kinds; min_lr finite and >= 0. */
    const nnb_schedule_kind steps[2] = {NNB_SCHEDULE_STEP, NNB_SCHEDULE_EXPONENTIAL};
    const double bad_gamma[3] = {0.0, INFINITY, NAN};
    for (size_t k = 0; k < 2; ++k) {
        s = nnb_lr_schedule_default();
        s.kind = steps[k];
        s.step_size = 0;
        s.gamma = 0.5;
        assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
        s.step_size = 2;
        for (size_t g = 0; g < 3; ++g) {
            s.gamma = bad_gamma[g];
            assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
        }
    }
    s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_COSINE;
    s.period = 4;
    s.min_lr = -0.01;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    s.min_lr = INFINITY;
    assert_status(nnb_lr_schedule_rate(&s, 0.1, 0, &r), NNB_ERR_ARGUMENT);
    assert_true(r == 7.0);
    /* The boundaries themselves are accepted: min_lr 0 (cosine at half the period: 0.1 (1 + cos(pi/2)) / 2),
     * a tiny gamma (step: 0.1 * 1e-300^(3 / 2 whole steps = 1)). */
    s.min_lr = 0.0;
    assert_ok(nnb_lr_schedule_rate(&s, 0.1, 2, &r));
    assert_close(r, 0.05, 1e-15, 0.0);
    s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_STEP;
    s.step_size = 2;
    s.gamma = 1e-300;
    assert_ok(nnb_lr_schedule_rate(&s, 0.1, 3, &r));
    assert_close(r, 1e-301, 1e-12, 0.0);
    r = 7.0;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    s.kind = (nnb_schedule_kind)42;
    assert_status(nnb_model_set_schedule(m, &s), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_set_schedule(NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_optimizer_set_schedule(NULL, NULL), NNB_ERR_NULL);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_step_values),
        cmocka_unit_test(test_exponential_values),
        cmocka_unit_test(test_cosine_values_with_and_without_restarts),
        cmocka_unit_test(test_warmup_then_step),
        cmocka_unit_test(test_optimizer_composes_schedule_and_decay),
        cmocka_unit_test(test_progress_reports_the_scheduled_rate),
        cmocka_unit_test(test_bad_schedules),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
