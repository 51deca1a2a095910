/* SPDX-License-Identifier: MIT */
/*
 * Model-level gradient check: the gradient that one training step computes for every parameter of a model,
 * against central finite differences of the loss that nnb_model_evaluate reports for the same parameters.
 * test_backward.c checks each layer alone; here layers are stacked, because where the model puts each
 * layer's output in its workspace (an activation may overwrite the buffer before it) decides what every
 * backward reads. Every ordered pair (A, B) of the kinds a model can hold between two dense layers (dense,
 * ReLU, softmax, sigmoid, linear, dropout, tanh, leaky ReLU, ELU, GELU, softplus) is checked as dense-A-B-dense with
 * MSE, as dense-A-dropout-B-dense with MSE, and at the output as dense-A-B with the loss that suits B (softmax: CCE,
 * fused and not; sigmoid: BCE; otherwise MSE). Dropout has rate 0: its training forward then keeps every value with
 * scale 1, the identity it is in evaluation, so training and evaluation differentiate the same function.
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { ROWS = 5, IN = 3, WIDTH = 4, OUT = 2, MAX_PARAMS = 256, N_KINDS = 11 };

static const nnb_layer_kind KINDS[N_KINDS] = {
    NNB_LAYER_DENSE, NNB_LAYER_RELU,       NNB_LAYER_SOFTMAX, NNB_LAYER_SIGMOID, NNB_LAYER_LINEAR,  NNB_LAYER_DROPOUT,
    NNB_LAYER_TANH,  NNB_LAYER_LEAKY_RELU, NNB_LAYER_ELU,     NNB_LAYER_GELU,    NNB_LAYER_SOFTPLUS};

/* The GELU layers' approximation: exact in the pair tests, tanh in the test of that approximation. */
static nnb_gelu_approximation g_gelu = NNB_GELU_EXACT;

/*
 * Weights of scale 1 and inputs in [-1, 1] keep pre-activations of order 1: every kind works in its
 * non-flat range and most gradients are of order 0.01 to 1 (up to 20 through three dense layers), well
 * above the tolerances below.
 */
#define INIT_SCALE 1.0f

/*
 * Step and tolerance. The loss is one float32 number, computed in NNB_ARITHMETIC_REFERENCE mode
 * (double-accumulated products rounded once, correctly rounded exp and log), so each evaluation is off by
 * a few float32 ulp of the loss. A central difference with step h is off by about that error / h from
 * rounding and by h^2 |f'''| / 6 from truncation; for losses and third derivatives of order 1,
 * h = 2^-7 (7.8e-3) keeps both below about 5e-5. The step actually taken is measured after rounding the
 * perturbed parameter to float. The analytic gradient is float32 (relative error ~1e-6).
 * Measured on correct gradients, with every GEMM core: |grad - fd| <= 1e-4 for gradients below 1, and
 * 3e-4 on gradients of order 10 (whose losses are larger too). The tolerance |grad - fd| <= 5e-4 + 1e-2 |fd|
 * is five times that or more, while the wrong gradients this test exists for are off by 0.009 to 0.19,
 * fourteen times the tolerance or more.
 */
#define FD_STEP 0.0078125
#define FD_ABS 5e-4
#define FD_REL 1e-2

/*
 * ReLU kinks: when a perturbation moves a ReLU input across 0, the loss is not smooth over the step and
 * the central difference means nothing. Such a parameter is recognised by its differences with steps h and
 * h/4 disagreeing beyond the tolerance (on smooth functions they agree within it: the rounding term grows
 * four times at h/4); it is skipped and counted, and the count is bounded so that a broken check cannot
 * pass by skipping.
 */
#define MAX_SKIPPED_PERCENT 2

static const char *kind_name(nnb_layer_kind k)
{
    switch (k) {
    case NNB_LAYER_DENSE: return "dense";
    case NNB_LAYER_RELU: return "relu";
    case NNB_LAYER_SOFTMAX: return "softmax";
    case NNB_LAYER_SIGMOID: return "sigmoid";
    case NNB_LAYER_LINEAR: return "linear";
    case NNB_LAYER_DROPOUT: return "dropout";
    case NNB_LAYER_TANH: return "tanh";
    case NNB_LAYER_LEAKY_RELU: return "leaky_relu";
    case NNB_LAYER_ELU: return "elu";
    case NNB_LAYER_GELU: return g_gelu == NNB_GELU_TANH ? "gelu(tanh)" : "gelu";
    case NNB_LAYER_SOFTPLUS: return "softplus";
    default: break;
    }
    return "?";
}

static const char *loss_name(nnb_loss_kind k, int fused)
{
    switch (k) {
    case NNB_LOSS_CCE: return fused ? "CCE (fused)" : "CCE (chained)";
    case NNB_LOSS_BCE: return "BCE";
    case NNB_LOSS_MSE: return "MSE";
    case NNB_LOSS_MAE: return "MAE";
    case NNB_LOSS_NONE: break;
    }
    return "?";
}

/* ---------------------------------------------------------------- one model */

/* A model to check: dense(IN, WIDTH), then `kinds` (a dense one is WIDTH x WIDTH), then an optional
 * dense(WIDTH, OUT), and its loss. */
typedef struct gc_case {
    nnb_layer_kind kinds[3];
    size_t n_kinds;
    int dense_last;
    nnb_loss_kind loss;
    int fused;
} gc_case;

/* What the checks found over all the models of one test. */
typedef struct gc_tally {
    size_t models;
    size_t failed_models;
    size_t checked;
    size_t skipped;
    double worst_passing; /* largest |grad - fd| / tolerance among the models that passed */
} gc_tally;

static void case_name(const gc_case *c, char *buf, size_t size)
{
    int len = snprintf(buf, size, "dense");
    for (size_t i = 0; i < c->n_kinds && len > 0 && (size_t)len < size; ++i) {
        len += snprintf(buf + len, size - (size_t)len, "-%s", kind_name(c->kinds[i]));
    }
    if (len > 0 && (size_t)len < size) {
        snprintf(buf + len, size - (size_t)len, "%s, %s", c->dense_last ? "-dense" : "", loss_name(c->loss, c->fused));
    }
}

static void fill_uniform(nnb_rng *rng, float *out, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; ++i) {
        out[i] = (float)(lo + (hi - lo) * nnb_rng_uniform(rng));
    }
}

static void add_kind(nnb_model *m, nnb_layer_kind k)
{
    switch (k) {
    case NNB_LAYER_DENSE: assert_ok(nnb_model_add_dense(m, WIDTH, WIDTH, INIT_SCALE, NULL)); return;
    case NNB_LAYER_RELU: assert_ok(nnb_model_add_relu(m)); return;
    case NNB_LAYER_SOFTMAX: assert_ok(nnb_model_add_softmax(m)); return;
    case NNB_LAYER_SIGMOID: assert_ok(nnb_model_add_sigmoid(m)); return;
    case NNB_LAYER_LINEAR: assert_ok(nnb_model_add_linear(m)); return;
    case NNB_LAYER_DROPOUT: assert_ok(nnb_model_add_dropout(m, 0.0f)); return;
    case NNB_LAYER_TANH: assert_ok(nnb_model_add_tanh(m)); return;
    case NNB_LAYER_LEAKY_RELU: assert_ok(nnb_model_add_leaky_relu(m, 0.1f)); return;
    case NNB_LAYER_ELU: assert_ok(nnb_model_add_elu(m, 1.5f)); return;
    case NNB_LAYER_GELU: assert_ok(nnb_model_add_gelu(m, g_gelu)); return;
    case NNB_LAYER_SOFTPLUS: assert_ok(nnb_model_add_softplus(m)); return;
    default: break;
    }
    fail_msg("unknown layer kind %d", (int)k);
}

/* The case's model, with non-zero biases. SGD: its update, after the backward, leaves the gradients as they are. */
static nnb_model *build_model(const gc_case *c, nnb_rng *rng)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 1));
    assert_ok(nnb_model_add_dense(m, IN, WIDTH, INIT_SCALE, NULL));
    for (size_t i = 0; i < c->n_kinds; ++i) {
        add_kind(m, c->kinds[i]);
    }
    if (c->dense_last) {
        assert_ok(nnb_model_add_dense(m, WIDTH, OUT, INIT_SCALE, NULL));
    }
    assert_ok(nnb_model_set_loss(m, c->loss));
    assert_ok(nnb_model_set_fused_backward(m, c->fused));
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &p));
    assert_ok(nnb_model_finalize(m));
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        nnb_dense *d = nnb_model_dense(m, i);
        if (d != NULL) {
            nnb_tensor *b = nnb_dense_biases_mut(d);
            fill_uniform(rng, nnb_tensor_data(b), nnb_tensor_size(b), -0.5, 0.5);
        }
    }
    return m;
}

/* Inputs in [-1, 1] and targets that suit the loss: labels (CCE), 0/1 values (BCE), values in [-1, 1]. */
typedef struct gc_data {
    nnb_tensor *X;
    nnb_tensor *values;
    uint32_t labels[ROWS];
    nnb_targets y;
} gc_data;

static void make_data(gc_data *d, nnb_rng *rng, size_t out_w, nnb_loss_kind loss)
{
    memset(d, 0, sizeof *d);
    assert_ok(nnb_tensor_create(&d->X, ROWS, IN));
    fill_uniform(rng, nnb_tensor_data(d->X), ROWS * IN, -1.0, 1.0);
    if (loss == NNB_LOSS_CCE) {
        for (size_t r = 0; r < ROWS; ++r) {
            d->labels[r] = (uint32_t)((r * 3u + 1u) % out_w);
        }
        d->y = nnb_targets_from_labels(d->labels, ROWS);
        return;
    }
    assert_ok(nnb_tensor_create(&d->values, ROWS, out_w));
    float *v = nnb_tensor_data(d->values);
    for (size_t i = 0; i < ROWS * out_w; ++i) {
        v[i] = (float)(loss == NNB_LOSS_BCE ? (double)((i * 7u + 3u) % 2u) : 2.0 * nnb_rng_uniform(rng) - 1.0);
    }
    d->y = nnb_targets_from_tensor(d->values);
}

static void free_data(gc_data *d)
{
    nnb_tensor_destroy(d->X);
    nnb_tensor_destroy(d->values);
}

/* The data loss of the model (evaluation: dropout off, one batch), as the library computes it. */
static double loss_of(nnb_model *m, const gc_data *d)
{
    float loss = 0.0f;
    assert_ok(nnb_model_evaluate(m, d->X, &d->y, 0, &loss, NULL));
    return (double)loss;
}

/* Central difference of the loss with respect to *p, divided by the step actually taken in float. */
static double central_difference(nnb_model *m, const gc_data *d, float *p, double h)
{
    float saved = *p;
    float up = (float)((double)saved + h);
    float down = (float)((double)saved - h);
    *p = up;
    double plus = loss_of(m, d);
    *p = down;
    double minus = loss_of(m, d);
    *p = saved;
    return (plus - minus) / ((double)up - (double)down);
}

/* The parameter tensors of dense layer i (weights, biases) and their gradients. */
static void layer_params(nnb_model *m, size_t i, nnb_tensor *params[2], const nnb_tensor *grads[2])
{
    nnb_dense *d = nnb_model_dense(m, i);
    params[0] = nnb_dense_weights_mut(d);
    params[1] = nnb_dense_biases_mut(d);
    grads[0] = nnb_dense_dweights(d);
    grads[1] = nnb_dense_dbiases(d);
}

/*
 * Finite differences of every parameter (in layer order, weights then biases) into fd; smooth[k] = 0 where
 * the steps h and h/4 disagree (a ReLU kink within the step). Returns the number of parameters.
 */
static size_t finite_differences(nnb_model *m, const gc_data *d, double *fd, int *smooth)
{
    size_t count = 0;
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        if (nnb_model_dense(m, i) == NULL) {
            continue;
        }
        nnb_tensor *params[2];
        const nnb_tensor *grads[2];
        layer_params(m, i, params, grads);
        for (size_t t = 0; t < 2; ++t) {
            float *p = nnb_tensor_data(params[t]);
            for (size_t k = 0; k < nnb_tensor_size(params[t]); ++k) {
                assert_true(count < MAX_PARAMS);
                double wide = central_difference(m, d, &p[k], FD_STEP);
                double narrow = central_difference(m, d, &p[k], FD_STEP / 4.0);
                fd[count] = wide;
                smooth[count] = nnb_test_close(narrow, wide, FD_REL, FD_ABS);
                ++count;
            }
        }
    }
    return count;
}

/* The comparison of one model: its largest error against the tolerance, and where its largest error is. */
typedef struct gc_worst {
    double ratio; /* max over parameters of |grad - fd| / (FD_ABS + FD_REL |fd|): above 1 fails */
    double err;   /* max |grad - fd| */
    double grad, fd;
    size_t layer, index;
    int bias;
} gc_worst;

/* Compares the gradients of the last training step with fd (in finite_differences' order), skipping kinks. */
static void compare_gradients(nnb_model *m, const double *fd, const int *smooth, size_t count, gc_tally *tally,
                              gc_worst *w)
{
    size_t k = 0;
    memset(w, 0, sizeof *w);
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        if (nnb_model_dense(m, i) == NULL) {
            continue;
        }
        nnb_tensor *params[2];
        const nnb_tensor *grads[2];
        layer_params(m, i, params, grads);
        for (size_t t = 0; t < 2; ++t) {
            const float *g = nnb_tensor_cdata(grads[t]);
            for (size_t j = 0; j < nnb_tensor_size(grads[t]); ++j, ++k) {
                if (!smooth[k]) {
                    tally->skipped++;
                    continue;
                }
                tally->checked++;
                double err = fabs((double)g[j] - fd[k]);
                double ratio = err / (FD_ABS + FD_REL * fabs(fd[k]));
                w->ratio = ratio > w->ratio ? ratio : w->ratio;
                if (err > w->err) {
                    w->err = err;
                    w->grad = g[j];
                    w->fd = fd[k];
                    w->layer = i;
                    w->index = j;
                    w->bias = (int)t;
                }
            }
        }
    }
    assert_int_equal(k, count);
}

/* Finite differences, then one full-batch training step whose gradients are compared with them. */
static void check_case(const gc_case *c, gc_tally *tally)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 7));
    nnb_model *m = build_model(c, rng);
    gc_data d;
    make_data(&d, rng, nnb_model_output_size(m), c->loss);

    double fd[MAX_PARAMS];
    int smooth[MAX_PARAMS];
    size_t count = finite_differences(m, &d, fd, smooth);
    nnb_train_params tp = nnb_train_params_default();
    assert_ok(nnb_model_train(m, d.X, &d.y, &tp)); /* the gradients are those of the parameters above */
    gc_worst w;
    compare_gradients(m, fd, smooth, count, tally, &w);

    tally->models++;
    if (w.ratio > 1.0) {
        char name[128];
        case_name(c, name, sizeof name);
        tally->failed_models++;
        print_message("%s: max |grad - fd| = %.3g (layer %zu %s[%zu]: grad %.4g, finite difference %.4g), %.0f times "
                      "the tolerance\n",
                      name, w.err, w.layer, w.bias ? "bias" : "weight", w.index, w.grad, w.fd, w.ratio);
    } else if (w.ratio > tally->worst_passing) {
        tally->worst_passing = w.ratio;
    }
    free_data(&d);
    nnb_model_destroy(m);
    nnb_rng_destroy(rng);
}

/* Every case failing or not, then one verdict: the messages list every wrong pair with its figures. */
static void finish(const gc_tally *tally, const char *what)
{
    print_message("%s: %zu models, %zu parameters checked, %zu skipped at ReLU kinks, worst passing error %.2f of "
                  "the tolerance\n",
                  what, tally->models, tally->checked, tally->skipped, tally->worst_passing);
    assert_true(tally->skipped * 100 <= (tally->checked + tally->skipped) * MAX_SKIPPED_PERCENT);
    if (tally->failed_models != 0) {
        fail_msg("%zu of %zu models have gradients that disagree with finite differences", tally->failed_models,
                 tally->models);
    }
}

/* ---------------------------------------------------------------- tests */

static int use_reference_arithmetic(void **state)
{
    (void)state;
    return nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE) == NNB_OK ? 0 : -1;
}

static int restore_fast_arithmetic(void **state)
{
    (void)state;
    return nnb_set_arithmetic(NNB_ARITHMETIC_FAST) == NNB_OK ? 0 : -1;
}

static void test_every_pair_of_layers_between_dense_layers_matches_finite_differences(void **state)
{
    (void)state;
    gc_tally tally;
    memset(&tally, 0, sizeof tally);
    for (size_t a = 0; a < N_KINDS; ++a) {
        for (size_t b = 0; b < N_KINDS; ++b) {
            gc_case c = {{KINDS[a], KINDS[b]}, 2, 1, NNB_LOSS_MSE, 1};
            check_case(&c, &tally);
        }
    }
    finish(&tally, "dense-A-B-dense");
}

static void test_every_pair_of_layers_around_dropout_matches_finite_differences(void **state)
{
    (void)state;
    gc_tally tally;
    memset(&tally, 0, sizeof tally);
    for (size_t a = 0; a < N_KINDS; ++a) {
        for (size_t b = 0; b < N_KINDS; ++b) {
            gc_case c = {{KINDS[a], NNB_LAYER_DROPOUT, KINDS[b]}, 3, 1, NNB_LOSS_MSE, 1};
            check_case(&c, &tally);
        }
    }
    finish(&tally, "dense-A-dropout-B-dense");
}

static void test_every_pair_of_layers_at_the_output_matches_finite_differences(void **state)
{
    (void)state;
    gc_tally tally;
    memset(&tally, 0, sizeof tally);
    for (size_t a = 0; a < N_KINDS; ++a) {
        for (size_t b = 0; b < N_KINDS; ++b) {
            gc_case c = {{KINDS[a], KINDS[b]}, 2, 0, NNB_LOSS_MSE, 1};
            if (KINDS[b] == NNB_LAYER_SIGMOID) {
                c.loss = NNB_LOSS_BCE;
            }
            if (KINDS[b] == NNB_LAYER_SOFTMAX) {
                c.loss = NNB_LOSS_CCE;
                check_case(&c, &tally); /* fused softmax + CCE gradient */
                c.fused = 0;            /* then through the CCE derivative and the softmax Jacobian */
            }
            check_case(&c, &tally);
        }
    }
    finish(&tally, "dense-A-B with the output's loss");
}

/* GELU with the tanh approximation, before and after every kind, between dense layers. */
static void test_gelu_tanh_approximation_in_every_pair_matches_finite_differences(void **state)
{
    (void)state;
    gc_tally tally;
    memset(&tally, 0, sizeof tally);
    g_gelu = NNB_GELU_TANH;
    for (size_t a = 0; a < N_KINDS; ++a) {
        gc_case c = {{NNB_LAYER_GELU, KINDS[a]}, 2, 1, NNB_LOSS_MSE, 1};
        check_case(&c, &tally);
        gc_case d = {{KINDS[a], NNB_LAYER_GELU}, 2, 1, NNB_LOSS_MSE, 1};
        check_case(&d, &tally);
    }
    g_gelu = NNB_GELU_EXACT;
    finish(&tally, "dense-gelu(tanh)-B-dense and dense-A-gelu(tanh)-dense");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_pair_of_layers_between_dense_layers_matches_finite_differences,
                                        use_reference_arithmetic, restore_fast_arithmetic),
        cmocka_unit_test_setup_teardown(test_every_pair_of_layers_around_dropout_matches_finite_differences,
                                        use_reference_arithmetic, restore_fast_arithmetic),
        cmocka_unit_test_setup_teardown(test_every_pair_of_layers_at_the_output_matches_finite_differences,
                                        use_reference_arithmetic, restore_fast_arithmetic),
        cmocka_unit_test_setup_teardown(test_gelu_tanh_approximation_in_every_pair_matches_finite_differences,
                                        use_reference_arithmetic, restore_fast_arithmetic),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
