/* SPDX-License-Identifier: MIT */
/*
 * Optimizers: the book's defaults, argument checks, the decayed learning rate (the exact values the
 * chapter-10 programs log), and the first two updates of every optimizer on a 1 x 2 layer compared with
 * the arithmetic written out here in float32, as numpy performs it (a Python float meeting a float32 array
 * is rounded to float32 first). The layer is fed X = [[1]], so its gradients equal the upstream values
 * exactly: dweights = dbiases = g.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const float k_w0[2] = {0.5f, -0.25f};
static const float k_b0[2] = {0.1f, 0.0f};
static const float k_g1[2] = {0.2f, -0.4f};
static const float k_g2[2] = {-0.1f, 0.3f};

typedef struct fixture {
    nnb_dense *layer;
    nnb_tensor *X;
    nnb_tensor *G;
} fixture;

static void fixture_init(fixture *f)
{
    assert_ok(nnb_dense_create(&f->layer, 1, 2, NULL, 1.0f));
    assert_ok(nnb_dense_set_weights(f->layer, k_w0, 2));
    assert_ok(nnb_dense_set_biases(f->layer, k_b0, 2));
    const float one = 1.0f;
    assert_ok(nnb_tensor_create_from(&f->X, 1, 1, &one));
    assert_ok(nnb_tensor_create(&f->G, 1, 2));
}

static void fixture_free(fixture *f)
{
    nnb_tensor_destroy(f->G);
    nnb_tensor_destroy(f->X);
    nnb_dense_destroy(f->layer);
}

/* backward with upstream g, then one full optimizer step */
static void step(fixture *f, nnb_optimizer *opt, const float *g)
{
    assert_ok(nnb_tensor_load(f->G, g, 2));
    assert_ok(nnb_dense_backward(f->layer, f->X, f->G, NULL));
    assert_ok(nnb_optimizer_pre_update(opt));
    assert_ok(nnb_optimizer_update_dense(opt, f->layer));
    assert_ok(nnb_optimizer_post_update(opt));
}

static void assert_params(const fixture *f, const float *w, const float *b)
{
    const float *lw = nnb_tensor_cdata(nnb_dense_weights(f->layer));
    const float *lb = nnb_tensor_cdata(nnb_dense_biases(f->layer));
    for (size_t i = 0; i < 2; ++i) {
        if (lw[i] != w[i] || lb[i] != b[i]) {
            fail_msg("param %zu: w %.9g (expected %.9g), b %.9g (expected %.9g)", i, (double)lw[i], (double)w[i],
                     (double)lb[i], (double)b[i]);
        }
    }
}

static nnb_optimizer *make(nnb_optimizer_params p)
{
    nnb_optimizer *opt = NULL;
    assert_ok(nnb_optimizer_create(&opt, &p));
    return opt;
}

static void test_defaults_are_the_books(void **state)
{
    (void)state;
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_true(p.kind == NNB_OPTIMIZER_SGD && p.learning_rate == 1.0 && p.decay == 0.0 && p.momentum == 0.0);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAGRAD);
    assert_true(p.learning_rate == 1.0 && p.epsilon == 1e-7 && p.decay == 0.0);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_RMSPROP);
    assert_true(p.learning_rate == 0.001 && p.epsilon == 1e-7 && p.rho == 0.9);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_true(p.learning_rate == 0.001 && p.epsilon == 1e-7 && p.beta_1 == 0.9 && p.beta_2 == 0.999);
    nnb_optimizer *opt = make(p);
    /* Field by field: the struct has padding after `kind`, which memcmp would read. */
    const nnb_optimizer_params *kept = nnb_optimizer_params_of(opt);
    assert_true(kept->kind == p.kind && kept->learning_rate == p.learning_rate && kept->decay == p.decay &&
                kept->momentum == p.momentum && kept->epsilon == p.epsilon && kept->rho == p.rho &&
                kept->beta_1 == p.beta_1 && kept->beta_2 == p.beta_2);
    assert_true(nnb_optimizer_current_lr(opt) == 0.001);
    assert_int_equal(nnb_optimizer_iterations(opt), 0);
    nnb_optimizer_destroy(opt);
    nnb_optimizer_destroy(NULL);
    assert_null(nnb_optimizer_params_of(NULL));
    assert_true(nnb_optimizer_current_lr(NULL) == 0.0);
    assert_int_equal(nnb_optimizer_iterations(NULL), 0);
}

static void test_create_rejects_bad_hyper_parameters(void **state)
{
    (void)state;
    nnb_optimizer *const sentinel = (nnb_optimizer *)(void *)&state;
    nnb_optimizer *opt = sentinel;
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_status(nnb_optimizer_create(NULL, &p), NNB_ERR_NULL);
    assert_status(nnb_optimizer_create(&opt, NULL), NNB_ERR_NULL);

    const double bad_rates[] = {NAN, INFINITY, 0.0, -0.1};
    for (size_t i = 0; i < 4; ++i) {
        p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
        p.learning_rate = bad_rates[i];
        assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    }
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.decay = NAN;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p.decay = -1e-3;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.momentum = -0.5;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p.momentum = NAN;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p.momentum = 1.0; /* the momentum would never decay */
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p.momentum = 0.999;
    nnb_optimizer *fine = NULL;
    assert_ok(nnb_optimizer_create(&fine, &p));
    nnb_optimizer_destroy(fine);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAGRAD);
    p.epsilon = -1e-7;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_RMSPROP);
    p.rho = 1.0;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p.rho = NAN;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.beta_1 = 1.0;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.beta_2 = -0.1;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.epsilon = NAN;
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    p = nnb_optimizer_defaults((nnb_optimizer_kind)7);
    assert_int_equal(p.kind, 7);
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_ARGUMENT);
    /* unused fields are ignored: SGD does not care about a bad beta */
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.beta_1 = NAN;
    assert_true(opt == sentinel);
    assert_ok(nnb_optimizer_create(&opt, &p));
    nnb_optimizer_destroy(opt);

    /* allocation failure */
    opt = sentinel;
    nnb_test_fail_allocation(1);
    assert_status(nnb_optimizer_create(&opt, &p), NNB_ERR_NOMEM);
    nnb_test_fail_allocation(0);
    assert_true(opt == sentinel);
}

static void test_learning_rate_decay_matches_the_book(void **state)
{
    (void)state;
    /* chapter 10's logged values: epoch e shows lr / (1 + decay * (e - 1)), the rate of the last update */
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.05;
    p.decay = 5e-7;
    nnb_optimizer *adam = make(p);
    p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.decay = 1e-3;
    p.momentum = 0.9;
    nnb_optimizer *sgd = make(p);
    assert_true(nnb_optimizer_current_lr(adam) == 0.05);
    assert_true(nnb_optimizer_current_lr(sgd) == 1.0);
    for (int i = 0; i < 10000; ++i) {
        assert_ok(nnb_optimizer_pre_update(adam));
        assert_ok(nnb_optimizer_post_update(adam));
        assert_ok(nnb_optimizer_pre_update(sgd));
        assert_ok(nnb_optimizer_post_update(sgd));
    }
    assert_int_equal(nnb_optimizer_iterations(adam), 10000);
    assert_true(nnb_optimizer_current_lr(adam) == 0.04975126853296942);
    assert_true(nnb_optimizer_current_lr(sgd) == 0.09091735612328393);
    /* the formula itself, in double: lr * (1 / (1 + decay * iterations)) */
    assert_ok(nnb_optimizer_pre_update(sgd));
    assert_true(nnb_optimizer_current_lr(sgd) == 1.0 * (1.0 / (1.0 + 1e-3 * 10000.0)));
    nnb_optimizer_destroy(sgd);
    nnb_optimizer_destroy(adam);

    assert_status(nnb_optimizer_pre_update(NULL), NNB_ERR_NULL);
    assert_status(nnb_optimizer_post_update(NULL), NNB_ERR_NULL);
}

static void test_sgd_first_two_updates(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.learning_rate = 0.5;
    p.decay = 0.1;
    nnb_optimizer *opt = make(p);

    /* step 1, lr 0.5: w += -0.5 * g  ->  w = {0.5 - 0.1, -0.25 + 0.2} = {0.4, -0.05} */
    step(&f, opt, k_g1);
    float w[2] = {0.5f + -0.5f * 0.2f, -0.25f + -0.5f * -0.4f};
    float b[2] = {0.1f + -0.5f * 0.2f, 0.0f + -0.5f * -0.4f};
    assert_params(&f, w, b);
    assert_close(w[0], 0.4, 1e-7, 0.0);

    /* step 2, lr = 0.5 / 1.1 = 0.454545...: w += -fl32(lr) * g2 */
    step(&f, opt, k_g2);
    float lr2 = (float)(0.5 * (1.0 / 1.1));
    w[0] = w[0] + -lr2 * -0.1f;
    w[1] = w[1] + -lr2 * 0.3f;
    b[0] = b[0] + -lr2 * -0.1f;
    b[1] = b[1] + -lr2 * 0.3f;
    assert_params(&f, w, b);
    assert_close(w[0], 0.4 + 0.0454545, 1e-6, 0.0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

static void test_sgd_momentum_first_two_updates(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    p.learning_rate = 1.0;
    p.decay = 0.01;
    p.momentum = 0.9;
    nnb_optimizer *opt = make(p);

    /* step 1: m = 0.9 * 0 - 1 * g = -g; w += m */
    step(&f, opt, k_g1);
    float mw[2] = {0.9f * 0.0f - 1.0f * 0.2f, 0.9f * 0.0f - 1.0f * -0.4f};
    float w[2] = {0.5f + mw[0], -0.25f + mw[1]};
    float b[2] = {0.1f + mw[0], 0.0f + mw[1]};
    assert_params(&f, w, b);
    /* step 2, lr = 1 / 1.01: m = 0.9 m - fl32(lr) g2 = {-0.18 + 0.0990099, 0.36 - 0.2970297} */
    step(&f, opt, k_g2);
    float lr2 = (float)(1.0 / 1.01);
    float m2[2] = {0.9f * mw[0] - lr2 * -0.1f, 0.9f * mw[1] - lr2 * 0.3f};
    w[0] += m2[0];
    w[1] += m2[1];
    b[0] += m2[0];
    b[1] += m2[1];
    assert_params(&f, w, b);
    assert_close(m2[0], -0.18 + 0.1 / 1.01, 1e-6, 0.0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

static void test_adagrad_first_two_updates(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer *opt = make(nnb_optimizer_defaults(NNB_OPTIMIZER_ADAGRAD)); /* lr 1, eps 1e-7 */
    const float eps = 1e-7f;

    /* step 1: c = g^2; w += -1 * g / (sqrt(c) + eps), about -sign(g) */
    step(&f, opt, k_g1);
    float c[2] = {0.2f * 0.2f, -0.4f * -0.4f};
    float w[2] = {0.5f + -1.0f * 0.2f / (sqrtf(c[0]) + eps), -0.25f + -1.0f * -0.4f / (sqrtf(c[1]) + eps)};
    float b[2] = {0.1f + -1.0f * 0.2f / (sqrtf(c[0]) + eps), 0.0f + -1.0f * -0.4f / (sqrtf(c[1]) + eps)};
    assert_params(&f, w, b);
    assert_close(w[0], -0.5, 0.0, 1e-6);
    assert_close(w[1], 0.75, 0.0, 1e-6);
    /* step 2: c += g2^2 = {0.05, 0.25}; w += -g2 / sqrt(c) = {+0.4472136, -0.6} */
    step(&f, opt, k_g2);
    c[0] += -0.1f * -0.1f;
    c[1] += 0.3f * 0.3f;
    float u[2] = {-1.0f * -0.1f / (sqrtf(c[0]) + eps), -1.0f * 0.3f / (sqrtf(c[1]) + eps)};
    w[0] += u[0];
    w[1] += u[1];
    b[0] += u[0];
    b[1] += u[1];
    assert_params(&f, w, b);
    assert_close(u[0], 0.1 / sqrt(0.05), 1e-6, 0.0);
    assert_close(u[1], -0.3 / sqrt(0.25), 1e-6, 0.0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

static void test_rmsprop_first_two_updates(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_RMSPROP); /* lr 0.001, rho 0.9 */
    p.learning_rate = 0.02;
    nnb_optimizer *opt = make(p);
    const float eps = 1e-7f, rho = 0.9f, one_minus_rho = (float)(1.0 - 0.9), nlr = -0.02f;

    /* step 1: c = 0.1 g^2; w += -0.02 g / sqrt(c) = -0.02 sign(g) / sqrt(0.1) = -0.0632456 sign(g) */
    step(&f, opt, k_g1);
    float c[2] = {rho * 0.0f + one_minus_rho * (0.2f * 0.2f), rho * 0.0f + one_minus_rho * (-0.4f * -0.4f)};
    float u[2] = {nlr * 0.2f / (sqrtf(c[0]) + eps), nlr * -0.4f / (sqrtf(c[1]) + eps)};
    float w[2] = {0.5f + u[0], -0.25f + u[1]};
    float b[2] = {0.1f + u[0], 0.0f + u[1]};
    assert_params(&f, w, b);
    assert_close(u[0], -0.02 / sqrt(0.1), 1e-5, 0.0);
    /* step 2: c = 0.9 c + 0.1 g2^2 */
    step(&f, opt, k_g2);
    c[0] = rho * c[0] + one_minus_rho * (-0.1f * -0.1f);
    c[1] = rho * c[1] + one_minus_rho * (0.3f * 0.3f);
    u[0] = nlr * -0.1f / (sqrtf(c[0]) + eps);
    u[1] = nlr * 0.3f / (sqrtf(c[1]) + eps);
    w[0] += u[0];
    w[1] += u[1];
    b[0] += u[0];
    b[1] += u[1];
    assert_params(&f, w, b);
    assert_close(c[0], 0.9 * 0.004 + 0.001, 1e-6, 0.0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

static void test_adam_first_two_updates(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.learning_rate = 0.05;
    p.decay = 5e-7;
    nnb_optimizer *opt = make(p);
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-7f;
    const float omb1 = (float)(1.0 - 0.9), omb2 = (float)(1.0 - 0.999);

    /*
     * step 1 (t = 1, lr 0.05): m = 0.1 g, v = 0.001 g^2, m^ = m / fl32(1 - 0.9) = g, v^ = g^2, so the step is
     * -0.05 g / |g| = -0.05 sign(g) (up to eps).
     */
    step(&f, opt, k_g1);
    float m[2], v[2], w[2] = {k_w0[0], k_w0[1]}, bb[2] = {k_b0[0], k_b0[1]};
    float c1 = (float)(1.0 - pow(0.9, 1.0)), c2 = (float)(1.0 - pow(0.999, 1.0));
    for (size_t i = 0; i < 2; ++i) {
        m[i] = b1 * 0.0f + omb1 * k_g1[i];
        v[i] = b2 * 0.0f + omb2 * (k_g1[i] * k_g1[i]);
        float u = (-0.05f * (m[i] / c1)) / (sqrtf(v[i] / c2) + eps);
        w[i] += u;
        bb[i] += u;
    }
    assert_params(&f, w, bb);
    assert_close(w[0], 0.5 - 0.05, 0.0, 1e-6);
    assert_close(w[1], -0.25 + 0.05, 0.0, 1e-6);

    /* step 2 (t = 2, lr = 0.05 / (1 + 5e-7)): corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999 */
    step(&f, opt, k_g2);
    float lr2 = (float)-(0.05 * (1.0 / (1.0 + 5e-7)));
    c1 = (float)(1.0 - pow(0.9, 2.0));
    c2 = (float)(1.0 - pow(0.999, 2.0));
    for (size_t i = 0; i < 2; ++i) {
        m[i] = b1 * m[i] + omb1 * k_g2[i];
        v[i] = b2 * v[i] + omb2 * (k_g2[i] * k_g2[i]);
        float u = (lr2 * (m[i] / c1)) / (sqrtf(v[i] / c2) + eps);
        w[i] += u;
        bb[i] += u;
    }
    assert_params(&f, w, bb);
    /* in decimals: m = {0.008, -0.006}, m^ = {0.0421053, -0.0315789}; v^ = {0.0249925, 0.1249825} */
    assert_close(m[0] / c1, 0.008 / 0.19, 1e-6, 0.0);
    assert_close(v[1] / c2, (0.999 * 0.001 * 0.16 + 0.001 * 0.09) / 0.001999, 1e-5, 0.0);
    assert_close(w[0], 0.45 - 0.05 * (0.008 / 0.19) / sqrt((0.999 * 0.001 * 0.04 + 0.001 * 0.01) / 0.001999), 0.0,
                 2e-6);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

/*
 * AdamW, one step, against the definition computed in double: w1 = w0 (1 - lr wd) - lr m^ / (sqrt(v^) + eps)
 * with m^ = g and v^ = g^2 at t = 1; biases are not decayed. lr 0.05, wd 0.1.
 */
static void test_adamw_one_step_matches_double(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer_params p = nnb_optimizer_adamw_defaults(0.1);
    p.learning_rate = 0.05;
    nnb_optimizer *opt = make(p);
    step(&f, opt, k_g1);
    const float *lw = nnb_tensor_cdata(nnb_dense_weights(f.layer));
    const float *lb = nnb_tensor_cdata(nnb_dense_biases(f.layer));
    for (size_t i = 0; i < 2; ++i) {
        double g = k_g1[i];
        double adam = 0.05 * g / (fabs(g) + 1e-7);
        double w = (double)k_w0[i] * (1.0 - 0.05 * 0.1) - adam;
        double b = (double)k_b0[i] - adam;
        assert_close(lw[i], w, 1e-6, 1e-9);
        assert_close(lb[i], b, 1e-6, 1e-9);
    }
    /* By hand: 0.5 * 0.995 - 0.05 * 0.2 / 0.2000001 = 0.447500025. */
    assert_close(lw[0], 0.447500025, 1e-6, 0.0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

static void test_adam_with_zero_weight_decay_is_adam(void **state)
{
    (void)state;
    fixture a, b;
    fixture_init(&a);
    fixture_init(&b);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_true(p.weight_decay == 0.0);
    nnb_optimizer *oa = make(p);
    nnb_optimizer *ob = make(nnb_optimizer_adamw_defaults(0.0));
    step(&a, oa, k_g1);
    step(&b, ob, k_g1);
    assert_memory_equal(nnb_tensor_cdata(nnb_dense_weights(a.layer)), nnb_tensor_cdata(nnb_dense_weights(b.layer)),
                        2 * sizeof(float));
    p.weight_decay = -1.0;
    nnb_optimizer *bad = NULL;
    assert_status(nnb_optimizer_create(&bad, &p), NNB_ERR_ARGUMENT);
    p.weight_decay = NAN;
    assert_status(nnb_optimizer_create(&bad, &p), NNB_ERR_ARGUMENT);
    assert_null(bad);
    nnb_optimizer_destroy(oa);
    nnb_optimizer_destroy(ob);
    fixture_free(&a);
    fixture_free(&b);
}

static void test_update_needs_gradients_and_allocates_state_once(void **state)
{
    (void)state;
    const nnb_optimizer_kind kinds[4] = {NNB_OPTIMIZER_SGD, NNB_OPTIMIZER_ADAGRAD, NNB_OPTIMIZER_RMSPROP,
                                         NNB_OPTIMIZER_ADAM};
    for (size_t k = 0; k < 4; ++k) {
        fixture f;
        fixture_init(&f);
        nnb_optimizer_params p = nnb_optimizer_defaults(kinds[k]);
        p.momentum = 0.5; /* SGD with momentum state */
        nnb_optimizer *opt = make(p);
        assert_status(nnb_optimizer_update_dense(opt, f.layer), NNB_ERR_STATE);
        assert_status(nnb_optimizer_update_dense(NULL, f.layer), NNB_ERR_NULL);
        assert_status(nnb_optimizer_update_dense(opt, NULL), NNB_ERR_NULL);
        assert_params(&f, k_w0, k_b0);

        assert_ok(nnb_tensor_load(f.G, k_g1, 2));
        assert_ok(nnb_dense_backward(f.layer, f.X, f.G, NULL));
        /* every allocation of the first update failing in turn: parameters untouched, no leak */
        size_t fail_at = 1;
        for (;; ++fail_at) {
            nnb_test_fail_allocation(fail_at);
            nnb_status st = nnb_optimizer_update_dense(opt, f.layer);
            nnb_test_fail_allocation(0);
            if (st == NNB_OK) {
                break;
            }
            assert_int_equal(st, NNB_ERR_NOMEM);
            assert_params(&f, k_w0, k_b0);
        }
        assert_true(fail_at > 1); /* the first update did allocate */
        nnb_test_reset_counts();
        for (int i = 0; i < 3; ++i) {
            step(&f, opt, k_g2);
        }
        assert_int_equal(nnb_test_alloc_count(), 0);
        nnb_optimizer_destroy(opt);
        fixture_free(&f);
    }
}

static void test_plain_sgd_needs_no_state(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f);
    nnb_optimizer *opt = make(nnb_optimizer_defaults(NNB_OPTIMIZER_SGD));
    assert_ok(nnb_tensor_load(f.G, k_g1, 2));
    assert_ok(nnb_dense_backward(f.layer, f.X, f.G, NULL));
    nnb_test_reset_counts();
    assert_ok(nnb_optimizer_update_dense(opt, f.layer));
    assert_int_equal(nnb_test_alloc_count(), 0);
    nnb_optimizer_destroy(opt);
    fixture_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_the_books),
        cmocka_unit_test(test_create_rejects_bad_hyper_parameters),
        cmocka_unit_test(test_learning_rate_decay_matches_the_book),
        cmocka_unit_test(test_sgd_first_two_updates),
        cmocka_unit_test(test_sgd_momentum_first_two_updates),
        cmocka_unit_test(test_adagrad_first_two_updates),
        cmocka_unit_test(test_rmsprop_first_two_updates),
        cmocka_unit_test(test_adam_first_two_updates),
        cmocka_unit_test(test_adamw_one_step_matches_double),
        cmocka_unit_test(test_adam_with_zero_weight_decay_is_adam),
        cmocka_unit_test(test_update_needs_gradients_and_allocates_state_once),
        cmocka_unit_test(test_plain_sgd_needs_no_state),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
