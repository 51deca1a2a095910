/* SPDX-License-Identifier: MIT */
/*
 * The sequential model, building it: creation and destruction, adding layers, the loss, optimizer and
 * accuracy settings, and finalize, which checks the layer chain and freezes it.
 */
#include <math.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "layers/activation_internal.h"
#include "train/model_internal.h"
#include "train/optimizer_internal.h"

/* ---------------------------------------------------------------- creation and building */

static nnb_status model_new(nnb_model **out, nnb_rng *rng)
{
    nnb_model *m = nnb__calloc(1, sizeof *m);
    if (m == NULL) {
        nnb_rng_destroy(rng);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    m->rng = rng;
    m->fused_allowed = 1;
    *out = m;
    return NNB_OK;
}

nnb_status nnb_model_create(nnb_model **out, uint32_t seed)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_rng *rng = NULL;
    nnb_status st = nnb_rng_create(&rng, seed);
    if (st != NNB_OK) {
        return st;
    }
    return model_new(out, rng);
}

nnb_status nnb_model_create_from_rng(nnb_model **out, const nnb_rng *rng)
{
    if (out == NULL || rng == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_rng *copy = NULL;
    nnb_status st = nnb_rng_clone(&copy, rng);
    if (st != NNB_OK) {
        return st;
    }
    return model_new(out, copy);
}

void nnb_model_destroy(nnb_model *model)
{
    if (model == NULL) {
        return;
    }
    nnb__model_free_workspace(model);
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb_dense_destroy(model->layers[i].dense);
    }
    nnb__free(model->layers);
    nnb__free(model->perm);
    nnb__free(model->history);
    nnb__free(model->best);
    nnb_optimizer_destroy(model->optimizer);
    nnb_rng_destroy(model->rng);
    nnb__model_free_meta(model);
    nnb__free(model);
}

/* Room for one more layer (the array only grows while building). */
static nnb_status reserve_layer(nnb_model *m)
{
    if (m->n_layers < m->cap_layers) {
        return NNB_OK;
    }
    size_t cap = m->cap_layers == 0 ? 8u : m->cap_layers * 2u;
    size_t bytes;
    if (nnb__mul_size(cap, sizeof(nnb__model_layer), &bytes) != NNB_OK) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    nnb__model_layer *grown = nnb__malloc(bytes);
    if (grown == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    if (m->n_layers > 0) {
        memcpy(grown, m->layers, m->n_layers * sizeof(nnb__model_layer));
    }
    nnb__free(m->layers);
    m->layers = grown;
    m->cap_layers = cap;
    return NNB_OK;
}

/* Width of the output of the last layer added (0 if none). */
size_t nnb__model_last_width(const nnb_model *m)
{
    return m->n_layers == 0 ? 0u : m->layers[m->n_layers - 1].n_out;
}

static nnb_status check_building(const nnb_model *m)
{
    if (m == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return m->finalized ? NNB_ERR_STATE : NNB_OK;
}

static nnb_status add_simple(nnb_model *m, nnb_layer_kind kind, float rate)
{
    nnb_status st = reserve_layer(m);
    if (st != NNB_OK) {
        return st;
    }
    nnb__model_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->n_in = nnb__model_last_width(m);
    l->n_out = l->n_in;
    l->rate = rate;
    m->n_layers++;
    return NNB_OK;
}

static int reg_valid(const nnb_regularization *r)
{
    const float v[4] = {r->weight_l1, r->weight_l2, r->bias_l1, r->bias_l2};
    for (size_t i = 0; i < 4; ++i) {
        if (!(isfinite(v[i]) && v[i] >= 0.0f)) {
            return 0;
        }
    }
    return 1;
}

nnb_status nnb__model_add_dense_with_init(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                                          const nnb_init *init, const nnb_regularization *reg, int draw_weights)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    nnb_init how = nnb_init_default();
    how.scale = init_scale;
    if (init != NULL) {
        how = *init;
    }
    double std = 0.0;
    if (n_inputs == 0 || n_neurons == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "%s is 0 (must be >= 1)", n_inputs == 0 ? "n_inputs" : "n_neurons");
    }
    if (!isfinite(init_scale)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "init_scale is %s (must be finite)",
                          isnan(init_scale) ? "NaN" : "infinite");
    }
    if (reg != NULL && !reg_valid(reg)) {
        const float v[4] = {reg->weight_l1, reg->weight_l2, reg->bias_l1, reg->bias_l2};
        static const char *const names[4] = {"weight_l1", "weight_l2", "bias_l1", "bias_l2"};
        size_t bad = 0;
        while (bad < 3 && isfinite(v[bad]) && v[bad] >= 0.0f) {
            ++bad;
        }
        return NNB__FAILF(NNB_ERR_ARGUMENT, "regularization %s is %g (must be finite and >= 0)", names[bad],
                          (double)v[bad]);
    }
    st = nnb_init_std(&how, n_inputs, n_neurons, &std);
    if (st != NNB_OK) {
        return st;
    }
    size_t count;
    st = nnb__mul_size(n_inputs, n_neurons, &count);
    if (st != NNB_OK) {
        return st;
    }
    st = reserve_layer(model);
    if (st != NNB_OK) {
        return st;
    }
    /* The layer is created with zero weights and filled once everything is allocated, so the generator is
       untouched on failure. */
    nnb_dense *dense = NULL;
    st = nnb_dense_create(&dense, n_inputs, n_neurons, NULL, init_scale);
    if (st != NNB_OK) {
        return st;
    }
    if (reg != NULL) {
        st = nnb_dense_set_regularization(dense, reg);
        if (st != NNB_OK) {
            nnb_dense_destroy(dense);
            return st;
        }
    }
    if (draw_weights) {
        st = nnb_dense_init(dense, model->rng, &how);
        if (st != NNB_OK) {
            nnb_dense_destroy(dense);
            return st;
        }
    }
    nnb__model_layer *l = &model->layers[model->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = NNB_LAYER_DENSE;
    l->n_in = n_inputs;
    l->n_out = n_neurons;
    l->init_scale = how.weights == NNB_INIT_SCALED_NORMAL ? how.scale : (float)std;
    l->init = how;
    if (reg != NULL) {
        l->reg = *reg;
    }
    l->dense = dense;
    model->n_layers++;
    return NNB_OK;
}

nnb_status nnb__model_add_dense_weights(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                                        const nnb_regularization *reg, int draw_weights)
{
    return nnb__model_add_dense_with_init(model, n_inputs, n_neurons, init_scale, NULL, reg, draw_weights);
}

nnb_status nnb_model_add_dense(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                               const nnb_regularization *reg)
{
    return nnb__model_add_dense_weights(model, n_inputs, n_neurons, init_scale, reg, 1);
}

nnb_status nnb_model_add_dense_init(nnb_model *model, size_t n_inputs, size_t n_neurons, const nnb_init *init,
                                    const nnb_regularization *reg)
{
    float scale = init != NULL ? init->scale : NNB_DENSE_DEFAULT_INIT_SCALE;
    if (init != NULL && init->weights != NNB_INIT_SCALED_NORMAL) {
        scale = NNB_DENSE_DEFAULT_INIT_SCALE; /* ignored by the other initializers */
    }
    return nnb__model_add_dense_with_init(model, n_inputs, n_neurons, scale, init, reg, 1);
}

nnb_status nnb_model_add_relu(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_RELU, 0.0f);
}

nnb_status nnb_model_add_softmax(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_SOFTMAX, 0.0f);
}

nnb_status nnb_model_add_sigmoid(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_SIGMOID, 0.0f);
}

nnb_status nnb_model_add_linear(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_LINEAR, 0.0f);
}

nnb_status nnb_model_add_dropout(nnb_model *model, float rate)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (!(rate >= 0.0f && rate < 1.0f)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "dropout rate %g is not in [0, 1)", (double)rate);
    }
    return add_simple(model, NNB_LAYER_DROPOUT, rate);
}

nnb_status nnb_model_add_tanh(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_TANH, 0.0f);
}

nnb_status nnb_model_add_softplus(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_SOFTPLUS, 0.0f);
}

/* An activation with a parameter: alpha (leaky ReLU, ELU) or the GELU approximation, checked by the caller. */
static nnb_status add_param(nnb_model *m, nnb_layer_kind kind, float alpha, nnb_gelu_approximation gelu)
{
    nnb_status st = add_simple(m, kind, 0.0f);
    if (st == NNB_OK) {
        m->layers[m->n_layers - 1].alpha = alpha;
        m->layers[m->n_layers - 1].gelu = gelu;
    }
    return st;
}

nnb_status nnb_model_add_leaky_relu(nnb_model *model, float slope)
{
    nnb_status st = check_building(model);
    if (st == NNB_OK) {
        st = nnb__check_leaky_slope(slope);
    }
    return st != NNB_OK ? st : add_param(model, NNB_LAYER_LEAKY_RELU, slope, NNB_GELU_EXACT);
}

nnb_status nnb_model_add_elu(nnb_model *model, float alpha)
{
    nnb_status st = check_building(model);
    if (st == NNB_OK) {
        st = nnb__check_elu_alpha(alpha);
    }
    return st != NNB_OK ? st : add_param(model, NNB_LAYER_ELU, alpha, NNB_GELU_EXACT);
}

nnb_status nnb_model_add_gelu(nnb_model *model, nnb_gelu_approximation approximation)
{
    nnb_status st = check_building(model);
    if (st == NNB_OK) {
        st = nnb__check_gelu_approximation(approximation);
    }
    return st != NNB_OK ? st : add_param(model, NNB_LAYER_GELU, 0.0f, approximation);
}

nnb_status nnb_model_set_loss(nnb_model *model, nnb_loss_kind kind)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    switch (kind) {
    case NNB_LOSS_NONE:
    case NNB_LOSS_CCE:
    case NNB_LOSS_BCE:
    case NNB_LOSS_MSE:
    case NNB_LOSS_MAE: model->loss = kind; return NNB_OK;
    }
    return NNB__FAIL(NNB_ERR_ARGUMENT);
}

nnb_status nnb_model_set_optimizer(nnb_model *model, const nnb_optimizer_params *params)
{
    if (model == NULL || params == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_optimizer *opt = NULL;
    nnb_status st = nnb_optimizer_create(&opt, params);
    if (st != NNB_OK) {
        return st;
    }
    if (model->scheduled) {
        (void)nnb_optimizer_set_schedule(opt, &model->schedule); /* checked when the model took it */
    }
    nnb_optimizer_destroy(model->optimizer);
    model->optimizer = opt;
    return NNB_OK;
}

nnb_status nnb_model_set_schedule(nnb_model *model, const nnb_lr_schedule *schedule)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (schedule != NULL) {
        nnb_status st = nnb__lr_schedule_check(schedule);
        if (st != NNB_OK) {
            return st;
        }
    }
    if (model->optimizer != NULL) {
        (void)nnb_optimizer_set_schedule(model->optimizer, schedule);
    }
    model->scheduled = schedule != NULL;
    model->schedule = schedule != NULL ? *schedule : nnb_lr_schedule_default();
    return NNB_OK;
}

nnb_status nnb_model_schedule(const nnb_model *model, nnb_lr_schedule *out, int *is_set)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *out = model->scheduled ? model->schedule : nnb_lr_schedule_default();
    if (is_set != NULL) {
        *is_set = model->scheduled;
    }
    return NNB_OK;
}

nnb_status nnb_model_set_clip(nnb_model *model, double clip_value, double clip_norm)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(isfinite(clip_value) && clip_value >= 0.0) || !(isfinite(clip_norm) && clip_norm >= 0.0)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "clip_value %g and clip_norm %g must be >= 0 and finite", clip_value,
                          clip_norm);
    }
    model->keep_clip_value = clip_value;
    model->keep_clip_norm = clip_norm;
    return NNB_OK;
}

nnb_status nnb_model_clip(const nnb_model *model, double *clip_value, double *clip_norm)
{
    if (model == NULL || clip_value == NULL || clip_norm == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *clip_value = model->keep_clip_value;
    *clip_norm = model->keep_clip_norm;
    return NNB_OK;
}

nnb_status nnb_model_set_accuracy(nnb_model *model, nnb_accuracy_kind kind)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    switch (kind) {
    case NNB_ACCURACY_NONE:
    case NNB_ACCURACY_CATEGORICAL:
    case NNB_ACCURACY_BINARY:
    case NNB_ACCURACY_REGRESSION:
        model->accuracy = kind;
        if (kind == NNB_ACCURACY_REGRESSION) {
            model->precision = 0.0f;
            model->precision_set = 0;
        }
        return NNB_OK;
    }
    return NNB__FAIL(NNB_ERR_ARGUMENT);
}

nnb_status nnb_model_set_fused_backward(nnb_model *model, int enabled)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    model->fused_allowed = enabled != 0;
    return NNB_OK;
}

nnb_status nnb_model_finalize(nnb_model *model)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (model->n_layers == 0 || model->layers[0].kind != NNB_LAYER_DENSE) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    size_t width = model->layers[0].n_in;
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb__model_layer *l = &model->layers[i];
        if (l->kind == NNB_LAYER_DENSE) {
            if (l->n_in != width) {
                return NNB__FAIL(NNB_ERR_SHAPE);
            }
            width = l->n_out;
        }
    }
    /* Widths of the pass-through layers follow the dense layer before them. */
    width = model->layers[0].n_in;
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb__model_layer *l = &model->layers[i];
        if (l->kind != NNB_LAYER_DENSE) {
            l->n_in = width;
            l->n_out = width;
        }
        width = l->n_out;
    }
    model->fused = model->fused_allowed && model->loss == NNB_LOSS_CCE &&
                   model->layers[model->n_layers - 1].kind == NNB_LAYER_SOFTMAX;
    model->finalized = 1;
    return NNB_OK;
}
