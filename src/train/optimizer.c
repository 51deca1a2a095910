/* SPDX-License-Identifier: MIT */
/*
 * Optimizers (chapter 10). All arithmetic follows numpy's rules for a Python float combined with a float32
 * array: the Python value is rounded to float32 first and the operation is done in float32. The learning
 * rate decay and the Adam bias corrections are computed in double, as Python does, then rounded.
 */
#include <math.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "layers/dense_internal.h"
#include "tensor/tensor_internal.h"
#include "train/optimizer_internal.h"
#include "compute/kernels.h"
#include "nnbasics/optimizer.h"

struct nnb_optimizer {
    nnb_optimizer_params params;
    double current_lr;
    size_t iterations;
    int scheduled;            /* a schedule is set */
    nnb_lr_schedule schedule; /* nnb_optimizer_set_schedule */
};

nnb_optimizer_params nnb_optimizer_adamw_defaults(double weight_decay)
{
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.weight_decay = weight_decay;
    return p;
}

nnb_optimizer_params nnb_optimizer_defaults(nnb_optimizer_kind kind)
{
    nnb_optimizer_params p;
    p.kind = kind;
    p.learning_rate = 1.0;
    p.decay = 0.0;
    p.momentum = 0.0;
    p.epsilon = 1e-7;
    p.rho = 0.9;
    p.beta_1 = 0.9;
    p.beta_2 = 0.999;
    p.weight_decay = 0.0;
    switch (kind) {
    case NNB_OPTIMIZER_RMSPROP:
    case NNB_OPTIMIZER_ADAM: p.learning_rate = 0.001; break;
    case NNB_OPTIMIZER_SGD:
    case NNB_OPTIMIZER_ADAGRAD:
    default: break;
    }
    return p;
}

static int nonneg_finite(double v)
{
    return isfinite(v) && v >= 0.0;
}

static int unit_interval(double v)
{
    return isfinite(v) && v >= 0.0 && v < 1.0;
}

static nnb_status check_params(const nnb_optimizer_params *p)
{
    if (p->kind != NNB_OPTIMIZER_SGD && p->kind != NNB_OPTIMIZER_ADAGRAD && p->kind != NNB_OPTIMIZER_RMSPROP &&
        p->kind != NNB_OPTIMIZER_ADAM) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (!isfinite(p->learning_rate) || p->learning_rate <= 0.0 || !nonneg_finite(p->decay)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    switch (p->kind) {
    case NNB_OPTIMIZER_SGD: return unit_interval(p->momentum) ? NNB_OK : NNB_ERR_ARGUMENT; /* >= 1 never decays */
    case NNB_OPTIMIZER_ADAGRAD: return nonneg_finite(p->epsilon) ? NNB_OK : NNB_ERR_ARGUMENT;
    case NNB_OPTIMIZER_RMSPROP: return nonneg_finite(p->epsilon) && unit_interval(p->rho) ? NNB_OK : NNB_ERR_ARGUMENT;
    case NNB_OPTIMIZER_ADAM:
    default:
        if (!nonneg_finite(p->weight_decay)) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "weight_decay %g must be >= 0 and finite", p->weight_decay);
        }
        return nonneg_finite(p->epsilon) && unit_interval(p->beta_1) && unit_interval(p->beta_2) ? NNB_OK
                                                                                                 : NNB_ERR_ARGUMENT;
    }
}

nnb_status nnb_optimizer_create(nnb_optimizer **out, const nnb_optimizer_params *params)
{
    if (out == NULL || params == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_status st = check_params(params);
    if (st != NNB_OK) {
        return st;
    }
    nnb_optimizer *opt = nnb__calloc(1, sizeof *opt);
    if (opt == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    opt->params = *params;
    opt->current_lr = params->learning_rate;
    opt->iterations = 0;
    opt->scheduled = 0;
    opt->schedule = nnb_lr_schedule_default();
    *out = opt;
    return NNB_OK;
}

void nnb_optimizer_destroy(nnb_optimizer *opt)
{
    nnb__free(opt);
}

const nnb_optimizer_params *nnb_optimizer_params_of(const nnb_optimizer *opt)
{
    return opt == NULL ? NULL : &opt->params;
}

nnb_status nnb_optimizer_pre_update(nnb_optimizer *opt)
{
    if (opt == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    double lr = opt->params.learning_rate;
    if (opt->scheduled) {
        lr = nnb__lr_schedule_value(&opt->schedule, lr, opt->iterations);
        opt->current_lr = lr;
    }
    /* The book: if self.decay: lr * (1. / (1. + decay * iterations)), in double. */
    if (opt->params.decay != 0.0) {
        opt->current_lr = lr * (1.0 / (1.0 + opt->params.decay * (double)opt->iterations));
    }
    return NNB_OK;
}

nnb_status nnb_optimizer_set_schedule(nnb_optimizer *opt, const nnb_lr_schedule *schedule)
{
    if (opt == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (schedule == NULL) {
        opt->scheduled = 0;
        opt->schedule = nnb_lr_schedule_default();
        opt->current_lr = opt->params.learning_rate;
        return NNB_OK;
    }
    nnb_status st = nnb__lr_schedule_check(schedule);
    if (st != NNB_OK) {
        return st;
    }
    opt->schedule = *schedule;
    opt->scheduled = 1;
    return NNB_OK;
}

nnb_status nnb_optimizer_schedule(const nnb_optimizer *opt, nnb_lr_schedule *out)
{
    if (opt == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *out = opt->scheduled ? opt->schedule : nnb_lr_schedule_default();
    return NNB_OK;
}

nnb_status nnb_optimizer_post_update(nnb_optimizer *opt)
{
    if (opt == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    opt->iterations += 1;
    return NNB_OK;
}

double nnb_optimizer_current_lr(const nnb_optimizer *opt)
{
    return opt == NULL ? 0.0 : opt->current_lr;
}

size_t nnb_optimizer_iterations(const nnb_optimizer *opt)
{
    return opt == NULL ? 0u : opt->iterations;
}

/* Creates (zeroed) whichever state tensors this optimizer needs and the layer lacks. All or nothing. */
static nnb_status ensure_state(const nnb_optimizer *opt, nnb_dense *layer)
{
    const nnb_optimizer_params *p = &opt->params;
    int need_m = p->kind == NNB_OPTIMIZER_ADAM || (p->kind == NNB_OPTIMIZER_SGD && p->momentum != 0.0);
    int need_v = p->kind != NNB_OPTIMIZER_SGD;
    nnb_tensor *created[4] = {NULL, NULL, NULL, NULL};
    nnb_tensor **slots[4] = {&layer->m_weights, &layer->m_biases, &layer->v_weights, &layer->v_biases};
    int needed[4] = {need_m, need_m, need_v, need_v};
    for (size_t i = 0; i < 4; ++i) {
        if (!needed[i] || *slots[i] != NULL) {
            continue;
        }
        size_t rows = (i % 2 == 0) ? layer->n_inputs : 1u;
        nnb_status st = nnb_tensor_create(&created[i], rows, layer->n_neurons);
        if (st == NNB_OK) {
            st = nnb_tensor_zero(created[i]);
        }
        if (st != NNB_OK) {
            for (size_t k = 0; k < 4; ++k) {
                nnb_tensor_destroy(created[k]);
            }
            return st;
        }
    }
    for (size_t i = 0; i < 4; ++i) {
        if (created[i] != NULL) {
            *slots[i] = created[i];
        }
    }
    return NNB_OK;
}

nnb_status nnb__optimizer_prepare_dense(const nnb_optimizer *opt, nnb_dense *layer)
{
    return ensure_state(opt, layer);
}

static void update_sgd(const nnb_optimizer *opt, float *w, const float *g, float *m, size_t n)
{
    float lr = (float)opt->current_lr;
    if (m == NULL) {
        /* weight_updates = -lr * dweights */
        float neg_lr = (float)-opt->current_lr;
        for (size_t i = 0; i < n; ++i) {
            w[i] += neg_lr * g[i];
        }
        return;
    }
    /* weight_updates = momentum * weight_momentums - lr * dweights; momentums = updates; w += updates */
    float momentum = (float)opt->params.momentum;
    for (size_t i = 0; i < n; ++i) {
        float update = momentum * m[i] - lr * g[i];
        m[i] = update;
        w[i] += update;
    }
}

static void update_adagrad(const nnb_optimizer *opt, float *w, const float *g, float *c, size_t n)
{
    float neg_lr = (float)-opt->current_lr;
    float eps = (float)opt->params.epsilon;
    for (size_t i = 0; i < n; ++i) {
        c[i] += g[i] * g[i];
        w[i] += neg_lr * g[i] / (sqrtf(c[i]) + eps);
    }
}

static void update_rmsprop(const nnb_optimizer *opt, float *w, const float *g, float *c, size_t n)
{
    float neg_lr = (float)-opt->current_lr;
    float eps = (float)opt->params.epsilon;
    float rho = (float)opt->params.rho;
    float one_minus_rho = (float)(1.0 - opt->params.rho);
    for (size_t i = 0; i < n; ++i) {
        c[i] = rho * c[i] + one_minus_rho * (g[i] * g[i]);
        w[i] += neg_lr * g[i] / (sqrtf(c[i]) + eps);
    }
}

static void update_adam(const nnb_optimizer *opt, float *w, const float *g, float *m, float *v, size_t n)
{
    const nnb_optimizer_params *p = &opt->params;
    double t = (double)opt->iterations + 1.0;
    float b1 = (float)p->beta_1;
    float b2 = (float)p->beta_2;
    float one_minus_b1 = (float)(1.0 - p->beta_1);
    float one_minus_b2 = (float)(1.0 - p->beta_2);
    float corr1 = (float)(1.0 - pow(p->beta_1, t));
    float corr2 = (float)(1.0 - pow(p->beta_2, t));
    float neg_lr = (float)-opt->current_lr;
    float eps = (float)p->epsilon;
    /* m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w += (-lr m / corr1) / (sqrt(v / corr2) + eps), in float32. */
    nnb__adam_coef c = {b1, b2, one_minus_b1, one_minus_b2, corr1, corr2, neg_lr, eps};
    nnb__k_adam(&c, w, g, m, v, n);
}

/* AdamW's decoupled decay of the weights before the Adam step: w = w - fl32(lr_t * weight_decay) * w.
   Nothing at all with weight_decay 0, so plain Adam keeps its bits. */
static void decay_weights(const nnb_optimizer *opt, float *w, size_t n)
{
    float f = (float)(opt->current_lr * opt->params.weight_decay);
    if (f == 0.0f) {
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        w[i] = w[i] - f * w[i];
    }
}

static void update_param(const nnb_optimizer *opt, nnb_tensor *param, const nnb_tensor *grad, nnb_tensor *m,
                         nnb_tensor *v, int decay)
{
    size_t n = param->rows * param->cols;
    float *w = param->data;
    const float *g = grad->data;
    switch (opt->params.kind) {
    case NNB_OPTIMIZER_SGD: update_sgd(opt, w, g, m == NULL ? NULL : m->data, n); break;
    case NNB_OPTIMIZER_ADAGRAD: update_adagrad(opt, w, g, v->data, n); break;
    case NNB_OPTIMIZER_RMSPROP: update_rmsprop(opt, w, g, v->data, n); break;
    case NNB_OPTIMIZER_ADAM:
    default:
        if (decay) {
            decay_weights(opt, w, n); /* AdamW when weight_decay > 0 */
        }
        update_adam(opt, w, g, m->data, v->data, n);
        break;
    }
}

/*
 * Adam on the biases when their gradient or moments are float64 (nnbasics/mixed.h), as numpy computes the
 * book's update with a float64 dbiases: m = b1 * m + (1 - b1) * g and v = b2 * v + (1 - b2) * g ** 2 become
 * float64 arrays; biases += -lr * (m / (1 - b1 ** t)) / (sqrt(v / (1 - b2 ** t)) + eps) is computed in
 * double and rounded when stored into the float32 biases. On the first such step the float32 moments are
 * scaled in float32 (b1 * m of a float32 array), then promoted. A float32 gradient meeting float64 moments
 * (a later float32 backward) is scaled in float32 before the double sum, as numpy does.
 */
static void update_adam_biases_f64(const nnb_optimizer *opt, nnb_dense *layer, int first)
{
    const nnb_optimizer_params *p = &opt->params;
    double t = (double)opt->iterations + 1.0;
    double b1 = p->beta_1, b2 = p->beta_2;
    double corr1 = 1.0 - pow(b1, t), corr2 = 1.0 - pow(b2, t);
    double neg_lr = -opt->current_lr;
    float b1f = (float)b1, b2f = (float)b2;
    float one_minus_b1f = (float)(1.0 - b1), one_minus_b2f = (float)(1.0 - b2);
    const double *g64 = layer->dbiases_f64_valid ? layer->dbiases_f64 : NULL;
    const float *g32 = layer->dbiases->data;
    double *m = layer->m_biases_f64, *v = layer->v_biases_f64;
    float *b = layer->biases->data;
    for (size_t j = 0; j < layer->n_neurons; ++j) {
        double old_m = first ? (double)(b1f * layer->m_biases->data[j]) : b1 * m[j];
        double old_v = first ? (double)(b2f * layer->v_biases->data[j]) : b2 * v[j];
        double new_m, new_v;
        if (g64 != NULL) {
            new_m = old_m + (1.0 - b1) * g64[j];
            new_v = old_v + (1.0 - b2) * (g64[j] * g64[j]);
        } else {
            new_m = old_m + (double)(one_minus_b1f * g32[j]);
            new_v = old_v + (double)(one_minus_b2f * (g32[j] * g32[j]));
        }
        m[j] = new_m;
        v[j] = new_v;
        double corrected_m = new_m / corr1, corrected_v = new_v / corr2;
        b[j] = (float)((double)b[j] + neg_lr * corrected_m / (sqrt(corrected_v) + p->epsilon));
    }
}

nnb_status nnb_optimizer_update_dense(nnb_optimizer *opt, nnb_dense *layer)
{
    if (opt == NULL || layer == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (layer->dweights == NULL || layer->dbiases == NULL) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    int f64_biases = layer->dbiases_f64_valid || layer->m_biases_f64 != NULL;
    if (f64_biases && opt->params.kind != NNB_OPTIMIZER_ADAM) {
        return NNB__FAILF(NNB_ERR_STATE, "the layer's float64 bias gradient (nnb_dense_backward_f64) is followed by "
                                         "Adam only");
    }
    nnb_status st = ensure_state(opt, layer);
    if (st != NNB_OK) {
        return st;
    }
    int first_f64 = 0;
    if (f64_biases && layer->m_biases_f64 == NULL) {
        double *m = nnb__calloc(layer->n_neurons, sizeof *m);
        double *v = nnb__calloc(layer->n_neurons, sizeof *v);
        if (m == NULL || v == NULL) {
            nnb__free(m);
            nnb__free(v);
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
        layer->m_biases_f64 = m;
        layer->v_biases_f64 = v;
        first_f64 = 1;
    }
    int use_m = opt->params.kind != NNB_OPTIMIZER_SGD || opt->params.momentum != 0.0;
    update_param(opt, layer->weights, layer->dweights, use_m ? layer->m_weights : NULL, layer->v_weights, 1);
    if (f64_biases) {
        update_adam_biases_f64(opt, layer, first_f64);
    } else {
        update_param(opt, layer->biases, layer->dbiases, use_m ? layer->m_biases : NULL, layer->v_biases, 0);
    }
    return NNB_OK;
}
