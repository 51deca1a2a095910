/* SPDX-License-Identifier: MIT */
/*
 * The sequential model's accessors (for saving, loading and inspection) and its small run-time settings:
 * the regression precision and the numerical health check.
 */
#include <math.h>
#include <string.h>

#include "base/error_internal.h"
#include "train/model_internal.h"

/* ---------------------------------------------------------------- accessors */

size_t nnb_model_layer_count(const nnb_model *model)
{
    return model == NULL ? 0u : model->n_layers;
}

nnb_status nnb_model_layer_info(const nnb_model *model, size_t i, nnb_layer_info *info)
{
    if (model == NULL || info == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (i >= model->n_layers) {
        return NNB__FAIL(NNB_ERR_RANGE);
    }
    const nnb__model_layer *l = &model->layers[i];
    nnb_layer_info r;
    memset(&r, 0, sizeof r);
    r.kind = l->kind;
    r.n_inputs = l->n_in;
    r.n_outputs = l->n_out;
    r.init_scale = l->init_scale;
    r.rate = l->rate;
    r.regularization = l->reg;
    r.init = l->init;
    r.alpha = l->alpha;
    r.gelu = l->gelu;
    *info = r;
    return NNB_OK;
}

nnb_dense *nnb_model_dense(nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers || model->layers[i].kind != NNB_LAYER_DENSE) {
        return NULL;
    }
    return model->layers[i].dense;
}

const nnb_dense *nnb_model_cdense(const nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers || model->layers[i].kind != NNB_LAYER_DENSE) {
        return NULL;
    }
    return model->layers[i].dense;
}

nnb_dense *nnb_model_dense_params(nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers) {
        return NULL;
    }
    return model->layers[i].dense;
}

const nnb_dense *nnb_model_cdense_params(const nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers) {
        return NULL;
    }
    return model->layers[i].dense;
}

nnb_status nnb_model_layer_shape(const nnb_model *model, size_t i, size_t chw[3])
{
    if (model == NULL || chw == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (i >= model->n_layers) {
        return NNB__FAILF(NNB_ERR_RANGE, "layer %zu of a model of %zu layers", i, model->n_layers);
    }
    for (size_t k = 0; k < 3; ++k) {
        chw[k] = model->layers[i].out_shape[k];
    }
    return NNB_OK;
}

nnb_status nnb_model_batchnorm_stats(nnb_model *model, size_t i, float **mean, float **var, size_t *channels)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (i >= model->n_layers) {
        return NNB__FAILF(NNB_ERR_RANGE, "layer %zu of a model of %zu layers", i, model->n_layers);
    }
    const nnb__model_layer *l = &model->layers[i];
    if (l->kind != NNB_LAYER_BATCHNORM) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "layer %zu is not batch normalisation", i);
    }
    size_t C = l->in_shape[0];
    if (mean != NULL) {
        *mean = l->bn_running;
    }
    if (var != NULL) {
        *var = l->bn_running + C;
    }
    if (channels != NULL) {
        *channels = C;
    }
    return NNB_OK;
}

size_t nnb_model_input_size(const nnb_model *model)
{
    if (model == NULL) {
        return 0;
    }
    for (size_t i = 0; i < model->n_layers; ++i) {
        if (model->layers[i].kind == NNB_LAYER_DENSE || model->layers[i].kind == NNB_LAYER_CONV2D) {
            return model->layers[i].n_in;
        }
    }
    return 0;
}

size_t nnb_model_output_size(const nnb_model *model)
{
    if (model == NULL) {
        return 0;
    }
    /* Before finalize a trailing activation may not know its width yet: use the last dense layer's. */
    for (size_t i = model->n_layers; i-- > 0;) {
        if (model->layers[i].kind == NNB_LAYER_DENSE || model->finalized || model->layers[i].n_out > 0) {
            return model->layers[i].n_out;
        }
    }
    return 0;
}

int nnb_model_is_finalized(const nnb_model *model)
{
    return model != NULL && model->finalized;
}

int nnb_model_uses_fused_backward(const nnb_model *model)
{
    return model != NULL && model->finalized && model->fused;
}

nnb_loss_kind nnb_model_loss_kind(const nnb_model *model)
{
    return model == NULL ? NNB_LOSS_NONE : model->loss;
}

nnb_accuracy_kind nnb_model_accuracy_kind(const nnb_model *model)
{
    return model == NULL ? NNB_ACCURACY_NONE : model->accuracy;
}

nnb_status nnb_model_optimizer_params(const nnb_model *model, nnb_optimizer_params *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (model->optimizer == NULL) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    *out = *nnb_optimizer_params_of(model->optimizer);
    return NNB_OK;
}

const nnb_optimizer *nnb_model_optimizer(const nnb_model *model)
{
    return model == NULL ? NULL : model->optimizer;
}

nnb_status nnb_model_regression_precision(const nnb_model *model, float *out, int *is_set)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *out = model->precision;
    if (is_set != NULL) {
        *is_set = model->precision_set;
    }
    return NNB_OK;
}

nnb_status nnb_model_set_regression_precision(nnb_model *model, float precision)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(isfinite(precision) && precision >= 0.0f)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    model->precision = precision;
    model->precision_set = 1;
    return NNB_OK;
}

nnb_status nnb_model_set_health_check(nnb_model *model, int enabled)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    model->health_on = enabled != 0;
    return NNB_OK;
}

nnb_status nnb_model_health(const nnb_model *model, nnb_health_report *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *out = model->health;
    return NNB_OK;
}

nnb_rng *nnb_model_rng(nnb_model *model)
{
    return model == NULL ? NULL : model->rng;
}
