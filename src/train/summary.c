/* SPDX-License-Identifier: MIT */
/*
 * The model summary: one table row per layer, the parameter total, and the memory of the parameters and
 * of the training workspace for a batch size.
 */
#include <stdio.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "train/model_internal.h"

static const char *kind_name(nnb_layer_kind kind)
{
    switch (kind) {
    case NNB_LAYER_DENSE: return "dense";
    case NNB_LAYER_RELU: return "relu";
    case NNB_LAYER_SOFTMAX: return "softmax";
    case NNB_LAYER_SIGMOID: return "sigmoid";
    case NNB_LAYER_LINEAR: return "linear";
    case NNB_LAYER_DROPOUT: return "dropout";
    case NNB_LAYER_TANH: return "tanh";
    case NNB_LAYER_LEAKY_RELU: return "leaky_relu";
    case NNB_LAYER_ELU: return "elu";
    case NNB_LAYER_GELU: return "gelu";
    case NNB_LAYER_SOFTPLUS: return "softplus";
    case NNB_LAYER_CONV2D: return "conv2d";
    case NNB_LAYER_MAXPOOL2D: return "maxpool";
    case NNB_LAYER_AVGPOOL2D: return "avgpool";
    case NNB_LAYER_GLOBAL_AVGPOOL: return "gavgpool";
    case NNB_LAYER_BATCHNORM: return "bnorm";
    case NNB_LAYER_FLATTEN: return "flatten";
    }
    return "?";
}

static int is_activation(nnb_layer_kind kind)
{
    return kind == NNB_LAYER_LINEAR || nnb__model_is_activation(kind);
}

/* Weights and biases of layer i (0 for layers without parameters); the sizes were checked when it was added. */
static size_t layer_params(const nnb_model *m, size_t i)
{
    const nnb__model_layer *l = &m->layers[i];
    switch (l->kind) {
    case NNB_LAYER_DENSE: return l->n_in * l->n_out + l->n_out;
    case NNB_LAYER_CONV2D: return nnb__conv2d_k(&l->conv) * l->conv.out_c + (l->conv_bias ? l->conv.out_c : 0u);
    case NNB_LAYER_BATCHNORM: return 2u * l->in_shape[0]; /* gamma and beta (the running averages are not learned) */
    default: return 0u;
    }
}

nnb_status nnb_model_layer_parameter_count(const nnb_model *model, size_t index, size_t *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", model == NULL ? "model" : "out");
    }
    if (index >= model->n_layers) {
        return NNB__FAILF(NNB_ERR_RANGE, "layer %zu of a model of %zu layers", index, model->n_layers);
    }
    *out = layer_params(model, index);
    return NNB_OK;
}

nnb_status nnb_model_parameter_count(const nnb_model *model, size_t *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t total = 0;
    for (size_t i = 0; i < model->n_layers; ++i) {
        size_t p = layer_params(model, i);
        if (total + p < total) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        total += p;
    }
    *out = total;
    return NNB_OK;
}

nnb_status nnb_model_summary(const nnb_model *model, FILE *out, size_t batch)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (batch == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "batch must be > 0");
    }
    size_t total = 0, weight_bytes = 0, ws_bytes = 0;
    nnb_status st = nnb_model_parameter_count(model, &total);
    if (st == NNB_OK && nnb__mul_size(total, sizeof(float), &weight_bytes) != NNB_OK) {
        st = NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    if (st == NNB_OK) {
        st = nnb__model_workspace_bytes(model, batch, &ws_bytes);
    }
    if (st != NNB_OK) {
        return st;
    }
    int bad =
        fprintf(out, "%-5s  %-8s  %-16s  %12s  %s\n", "Layer", "Kind", "Output shape", "Parameters", "Activation") < 0;
    bad |= fprintf(out, "%-5s  %-8s  %-16s  %12s  %s\n", "-----", "--------", "----------------", "------------",
                   "----------") < 0;
    for (size_t i = 0; i < model->n_layers && !bad; ++i) {
        const nnb__model_layer *l = &model->layers[i];
        char shape[48];
        if (l->out_shape[1] * l->out_shape[2] > 1) {
            (void)snprintf(shape, sizeof shape, "(%zu, %zu, %zu, %zu)", batch, l->out_shape[0], l->out_shape[1],
                           l->out_shape[2]);
        } else {
            (void)snprintf(shape, sizeof shape, "(%zu, %zu)", batch, l->n_out);
        }
        const char *act = "-";
        if (l->kind == NNB_LAYER_DENSE || l->kind == NNB_LAYER_CONV2D) {
            int next_act = i + 1 < model->n_layers && is_activation(model->layers[i + 1].kind);
            act = next_act ? kind_name(model->layers[i + 1].kind) : "linear";
        }
        bad |= fprintf(out, "%-5zu  %-8s  %-16s  %12zu  %s\n", i, kind_name(l->kind), shape, layer_params(model, i),
                       act) < 0;
    }
    if (!bad) {
        bad |=
            fprintf(out, "Total parameters: %zu (%zu bytes of float32 weights and biases)\n", total, weight_bytes) < 0;
        bad |= fprintf(out, "Training workspace for batches of %zu: %zu bytes (plus the GEMM packing scratch)\n", batch,
                       ws_bytes) < 0;
    }
    if (bad || ferror(out)) {
        return NNB__FAILF(NNB_ERR_IO, "writing the model summary failed");
    }
    return NNB_OK;
}

nnb_status nnb_model_workspace_bytes(const nnb_model *model, size_t batch, size_t *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (batch == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "batch must be > 0");
    }
    size_t bytes = 0;
    nnb_status st = nnb__model_workspace_bytes(model, batch, &bytes);
    if (st == NNB_OK) {
        *out = bytes;
    }
    return st;
}
