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
        nnb__free(model->layers[i].bn_running);
    }
    nnb__free(model->layers);
    nnb__free(model->perm);
    nnb__free(model->history);
    nnb__free(model->best);
    nnb__free(model->grads);
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

void nnb__model_last_shape(const nnb_model *m, size_t shape[3])
{
    for (size_t k = 0; k < 3; ++k) {
        shape[k] = m->n_layers == 0 ? 0u : m->layers[m->n_layers - 1].out_shape[k];
    }
}

int nnb__model_passes_through(nnb_layer_kind kind)
{
    return kind == NNB_LAYER_LINEAR || kind == NNB_LAYER_FLATTEN;
}

int nnb__model_is_activation(nnb_layer_kind kind)
{
    switch (kind) {
    case NNB_LAYER_RELU:
    case NNB_LAYER_SOFTMAX:
    case NNB_LAYER_SIGMOID:
    case NNB_LAYER_TANH:
    case NNB_LAYER_LEAKY_RELU:
    case NNB_LAYER_ELU:
    case NNB_LAYER_GELU:
    case NNB_LAYER_SOFTPLUS: return 1;
    default: return 0;
    }
}

static void set_flat(size_t shape[3], size_t width)
{
    shape[0] = width;
    shape[1] = 1;
    shape[2] = 1;
}

static void copy_shape(size_t dst[3], const size_t src[3])
{
    dst[0] = src[0];
    dst[1] = src[1];
    dst[2] = src[2];
}

static size_t shape_size(const size_t s[3])
{
    return s[0] * s[1] * s[2];
}

static nnb_status check_building(const nnb_model *m)
{
    if (m == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return m->finalized ? NNB__FAILF(NNB_ERR_STATE, "the model is finalized: no more layers or settings") : NNB_OK;
}

/*
 * Appends a layer without parameters of its own that keeps the previous layer's shape. It checks that the
 * model is still being built itself, so an activation's add function is this call alone; functions that check
 * a value of their own call check_building first, so that NULL and a finalized model are reported before it.
 */
static nnb_status add_simple(nnb_model *m, nnb_layer_kind kind, float rate)
{
    nnb_status st = check_building(m);
    if (st != NNB_OK) {
        return st;
    }
    st = reserve_layer(m);
    if (st != NNB_OK) {
        return st;
    }
    nnb__model_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->n_in = nnb__model_last_width(m);
    l->n_out = l->n_in;
    l->rate = rate;
    nnb__model_last_shape(m, l->in_shape);
    copy_shape(l->out_shape, l->in_shape);
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
    set_flat(l->in_shape, n_inputs);
    set_flat(l->out_shape, n_neurons);
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
    return add_simple(model, NNB_LAYER_RELU, 0.0f);
}

nnb_status nnb_model_add_softmax(nnb_model *model)
{
    return add_simple(model, NNB_LAYER_SOFTMAX, 0.0f);
}

nnb_status nnb_model_add_sigmoid(nnb_model *model)
{
    return add_simple(model, NNB_LAYER_SIGMOID, 0.0f);
}

nnb_status nnb_model_add_linear(nnb_model *model)
{
    return add_simple(model, NNB_LAYER_LINEAR, 0.0f);
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
    return add_simple(model, NNB_LAYER_TANH, 0.0f);
}

nnb_status nnb_model_add_softplus(nnb_model *model)
{
    return add_simple(model, NNB_LAYER_SOFTPLUS, 0.0f);
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

static const char *kind_label(nnb_layer_kind kind)
{
    switch (kind) {
    case NNB_LAYER_DENSE: return "dense";
    case NNB_LAYER_CONV2D: return "conv2d";
    case NNB_LAYER_MAXPOOL2D: return "maxpool2d";
    case NNB_LAYER_AVGPOOL2D: return "avgpool2d";
    case NNB_LAYER_GLOBAL_AVGPOOL: return "global_avgpool";
    case NNB_LAYER_BATCHNORM: return "batchnorm";
    default: return "layer";
    }
}

/*
 * Walks the layers with the shape each receives: layers with a fixed input (dense, conv2d, pooling,
 * batchnorm) must receive exactly it; the others take what they receive (flatten makes it flat).
 */
static nnb_status check_chain(nnb_model *model)
{
    size_t shape[3];
    copy_shape(shape, model->layers[0].in_shape);
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb__model_layer *l = &model->layers[i];
        switch (l->kind) {
        case NNB_LAYER_DENSE:
            if (shape[1] != 1 || shape[2] != 1) {
                return NNB__FAILF(NNB_ERR_SHAPE,
                                  "layer %zu (dense) follows an image output of %zu x %zu x %zu: add a flatten layer "
                                  "before it",
                                  i, shape[0], shape[1], shape[2]);
            }
            if (shape[0] != l->n_in) {
                return NNB__FAILF(NNB_ERR_SHAPE, "layer %zu (dense) takes %zu inputs; the layer before it gives %zu", i,
                                  l->n_in, shape[0]);
            }
            break;
        case NNB_LAYER_CONV2D:
        case NNB_LAYER_MAXPOOL2D:
        case NNB_LAYER_AVGPOOL2D:
        case NNB_LAYER_GLOBAL_AVGPOOL:
        case NNB_LAYER_BATCHNORM:
            if (shape[0] != l->in_shape[0] || shape[1] != l->in_shape[1] || shape[2] != l->in_shape[2]) {
                return NNB__FAILF(NNB_ERR_SHAPE,
                                  "layer %zu (%s) takes %zu x %zu x %zu (C x H x W); the layer before it gives %zu x "
                                  "%zu x %zu",
                                  i, kind_label(l->kind), l->in_shape[0], l->in_shape[1], l->in_shape[2], shape[0],
                                  shape[1], shape[2]);
            }
            break;
        case NNB_LAYER_FLATTEN:
            copy_shape(l->in_shape, shape);
            set_flat(l->out_shape, shape_size(shape));
            break;
        default:
            copy_shape(l->in_shape, shape);
            copy_shape(l->out_shape, shape);
            break;
        }
        l->n_in = shape_size(l->in_shape);
        l->n_out = shape_size(l->out_shape);
        copy_shape(shape, l->out_shape);
    }
    return NNB_OK;
}

nnb_status nnb_model_finalize(nnb_model *model)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (model->n_layers == 0 ||
        (model->layers[0].kind != NNB_LAYER_DENSE && model->layers[0].kind != NNB_LAYER_CONV2D)) {
        return NNB__FAILF(NNB_ERR_STATE, "the first layer must be dense or conv2d");
    }
    st = check_chain(model);
    if (st != NNB_OK) {
        return st;
    }
    model->fused = model->fused_allowed && model->loss == NNB_LOSS_CCE &&
                   model->layers[model->n_layers - 1].kind == NNB_LAYER_SOFTMAX;
    model->finalized = 1;
    return NNB_OK;
}

/* ---------------------------------------------------------------- image layers */

nnb_conv2d_params nnb_conv2d_params_default(size_t kernel)
{
    nnb_conv2d_params p;
    memset(&p, 0, sizeof p);
    p.kernel_h = kernel;
    p.kernel_w = kernel;
    p.stride = 1;
    p.padding = NNB_PADDING_VALID;
    p.bias = 1;
    p.init = nnb_init_of(NNB_INIT_HE_NORMAL);
    return p;
}

nnb_status nnb__model_add_conv2d(nnb_model *model, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                                 const nnb_conv2d_params *params, int draw_weights)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    nnb_conv2d_params p = params != NULL ? *params : nnb_conv2d_params_default(3);
    if (in_c == 0 && in_h == 0 && in_w == 0) {
        if (model->n_layers == 0) {
            return NNB__FAILF(NNB_ERR_STATE, "conv2d: the first layer needs its input shape (in_c, in_h, in_w)");
        }
        size_t s[3];
        nnb__model_last_shape(model, s);
        in_c = s[0];
        in_h = s[1];
        in_w = s[2];
    }
    if (p.padding != NNB_PADDING_VALID && p.padding != NNB_PADDING_SAME && p.padding != NNB_PADDING_EXPLICIT) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "conv2d: padding %d is not a nnb_padding", (int)p.padding);
    }
    nnb__conv2d_geom g;
    st = nnb__conv2d_geom_init(&g, in_c, in_h, in_w, out_c, p.kernel_h, p.kernel_w, p.stride, (int)p.padding, p.pad_h,
                               p.pad_w);
    if (st != NNB_OK) {
        return st;
    }
    size_t K = nnb__conv2d_k(&g);
    double std = 0.0;
    st = nnb_init_std(&p.init, K, out_c, &std);
    if (st != NNB_OK) {
        return st;
    }
    st = reserve_layer(model);
    if (st != NNB_OK) {
        return st;
    }
    nnb_dense *params_holder = NULL;
    st = nnb_dense_create(&params_holder, K, out_c, NULL, 0.0f);
    if (st != NNB_OK) {
        return st;
    }
    if (draw_weights) {
        nnb_init how = p.init;
        if (!p.bias) {
            how.bias = 0.0f;
        }
        st = nnb_dense_init(params_holder, model->rng, &how);
        if (st != NNB_OK) {
            nnb_dense_destroy(params_holder);
            return st;
        }
    }
    nnb__model_layer *l = &model->layers[model->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = NNB_LAYER_CONV2D;
    l->conv = g;
    l->conv_padding = (int)p.padding;
    l->pad_h = p.pad_h;
    l->pad_w = p.pad_w;
    l->conv_bias = p.bias != 0;
    l->init = p.init;
    l->init_scale = (float)std;
    l->dense = params_holder;
    l->in_shape[0] = in_c;
    l->in_shape[1] = in_h;
    l->in_shape[2] = in_w;
    l->out_shape[0] = out_c;
    l->out_shape[1] = g.out_h;
    l->out_shape[2] = g.out_w;
    l->n_in = shape_size(l->in_shape);
    l->n_out = shape_size(l->out_shape);
    model->n_layers++;
    return NNB_OK;
}

nnb_status nnb_model_add_conv2d(nnb_model *model, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                                const nnb_conv2d_params *params)
{
    return nnb__model_add_conv2d(model, in_c, in_h, in_w, out_c, params, 1);
}

/* The input shape of an image layer about to be added: the last layer's output (NNB_ERR_STATE without one). */
static nnb_status image_input(const nnb_model *m, const char *what, size_t s[3])
{
    if (m->n_layers == 0 || nnb__model_last_width(m) == 0) {
        return NNB__FAILF(NNB_ERR_STATE, "%s takes its input shape from the layer before it; add that layer first",
                          what);
    }
    nnb__model_last_shape(m, s);
    return NNB_OK;
}

static nnb_status add_pool(nnb_model *model, nnb_layer_kind kind, size_t kh, size_t kw, size_t stride)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    const char *what = kind == NNB_LAYER_MAXPOOL2D   ? "maxpool2d"
                       : kind == NNB_LAYER_AVGPOOL2D ? "avgpool2d"
                                                     : "global_avgpool";
    size_t s[3];
    st = image_input(model, what, s);
    if (st != NNB_OK) {
        return st;
    }
    if (kind == NNB_LAYER_GLOBAL_AVGPOOL) {
        kh = s[1];
        kw = s[2];
        stride = 1;
    } else if (kh == 0 || kw == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "%s: the window is %zu x %zu (both must be >= 1)", what, kh, kw);
    } else if (stride == 0) {
        stride = kh;
    }
    if (kh > s[1] || kw > s[2]) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%s: the %zu x %zu window is larger than its %zu x %zu x %zu input", what, kh,
                          kw, s[0], s[1], s[2]);
    }
    nnb__pool2d_geom g;
    st = nnb__pool2d_geom_init(&g, s[0], s[1], s[2], kh, kw, stride);
    if (st == NNB_OK) {
        st = reserve_layer(model);
    }
    if (st != NNB_OK) {
        return st;
    }
    nnb__model_layer *l = &model->layers[model->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->pool = g;
    copy_shape(l->in_shape, s);
    l->out_shape[0] = s[0];
    l->out_shape[1] = g.out_h;
    l->out_shape[2] = g.out_w;
    l->n_in = shape_size(l->in_shape);
    l->n_out = shape_size(l->out_shape);
    model->n_layers++;
    return NNB_OK;
}

nnb_status nnb_model_add_maxpool2d(nnb_model *model, size_t kernel_h, size_t kernel_w, size_t stride)
{
    return add_pool(model, NNB_LAYER_MAXPOOL2D, kernel_h, kernel_w, stride);
}

nnb_status nnb_model_add_avgpool2d(nnb_model *model, size_t kernel_h, size_t kernel_w, size_t stride)
{
    return add_pool(model, NNB_LAYER_AVGPOOL2D, kernel_h, kernel_w, stride);
}

nnb_status nnb_model_add_global_avgpool(nnb_model *model)
{
    return add_pool(model, NNB_LAYER_GLOBAL_AVGPOOL, 0, 0, 0);
}

nnb_status nnb_model_add_batchnorm(nnb_model *model, float momentum, float eps)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (!(momentum >= 0.0f && momentum <= 1.0f)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "batchnorm: momentum %g is not in [0, 1]", (double)momentum);
    }
    if (!(eps > 0.0f && isfinite(eps))) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "batchnorm: eps %g must be > 0 and finite", (double)eps);
    }
    size_t s[3];
    st = image_input(model, "batchnorm", s);
    if (st != NNB_OK) {
        return st;
    }
    st = reserve_layer(model);
    if (st != NNB_OK) {
        return st;
    }
    const size_t C = s[0];
    nnb_dense *gb = NULL;
    st = nnb_dense_create(&gb, 1, C, NULL, 0.0f);
    if (st != NNB_OK) {
        return st;
    }
    float *running = nnb__calloc(C, 2 * sizeof(float));
    if (running == NULL) {
        nnb_dense_destroy(gb);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    float *gamma = nnb_tensor_data(nnb_dense_weights_mut(gb));
    for (size_t c = 0; c < C; ++c) {
        gamma[c] = 1.0f;
        running[C + c] = 1.0f;
    }
    nnb__model_layer *l = &model->layers[model->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = NNB_LAYER_BATCHNORM;
    l->dense = gb;
    l->bn_running = running;
    l->bn_momentum = momentum;
    l->bn_eps = eps;
    copy_shape(l->in_shape, s);
    copy_shape(l->out_shape, s);
    l->n_in = shape_size(s);
    l->n_out = l->n_in;
    model->n_layers++;
    return NNB_OK;
}

nnb_status nnb_model_add_flatten(nnb_model *model)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    size_t s[3];
    st = image_input(model, "flatten", s);
    if (st != NNB_OK) {
        return st;
    }
    st = add_simple(model, NNB_LAYER_FLATTEN, 0.0f);
    if (st == NNB_OK) {
        set_flat(model->layers[model->n_layers - 1].out_shape, shape_size(s));
    }
    return st;
}
