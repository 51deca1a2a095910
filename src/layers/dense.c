/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/dense_internal.h"
#include "compute/gemm_internal.h"
#include "tensor/tensor_internal.h"
#include "compute/linear.h"
#include "nnbasics/gemm.h"
#include "nnbasics/loss.h"

nnb_status nnb_dense_create(nnb_dense **out, size_t n_inputs, size_t n_neurons, nnb_rng *rng, float init_scale)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (n_inputs == 0 || n_neurons == 0 || !isfinite(init_scale)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "n_inputs %zu and n_neurons %zu must be > 0, init_scale %g finite",
                          n_inputs, n_neurons, (double)init_scale);
    }
    size_t count;
    nnb_status st = nnb__mul_size(n_inputs, n_neurons, &count);
    if (st != NNB_OK) {
        return st;
    }
    nnb_dense *layer = nnb__calloc(1, sizeof *layer);
    if (layer == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    layer->n_inputs = n_inputs;
    layer->n_neurons = n_neurons;
    st = nnb_tensor_create(&layer->weights, n_inputs, n_neurons);
    if (st == NNB_OK) {
        st = nnb_tensor_create(&layer->biases, 1, n_neurons);
    }
    if (st != NNB_OK) {
        nnb_dense_destroy(layer);
        return st;
    }
    /* Everything is allocated: only now consume normals, so a failed create leaves the stream alone. */
    if (rng != NULL) {
        (void)nnb_rng_fill_normal(rng, layer->weights->data, count, init_scale);
    }
    *out = layer;
    return NNB_OK;
}

void nnb_dense_destroy(nnb_dense *layer)
{
    if (layer == NULL) {
        return;
    }
    nnb_tensor_destroy(layer->weights);
    nnb_tensor_destroy(layer->biases);
    nnb_tensor_destroy(layer->output);
    nnb_tensor_destroy(layer->dweights);
    nnb_tensor_destroy(layer->dbiases);
    nnb_tensor_destroy(layer->m_weights);
    nnb_tensor_destroy(layer->m_biases);
    nnb_tensor_destroy(layer->v_weights);
    nnb_tensor_destroy(layer->v_biases);
    nnb__free(layer->dbiases_f64);
    nnb__free(layer->m_biases_f64);
    nnb__free(layer->v_biases_f64);
    nnb__aligned_free(layer->scratch.data);
    nnb__free(layer);
}

size_t nnb_dense_n_inputs(const nnb_dense *layer)
{
    return layer == NULL ? 0u : layer->n_inputs;
}

size_t nnb_dense_n_neurons(const nnb_dense *layer)
{
    return layer == NULL ? 0u : layer->n_neurons;
}

const nnb_tensor *nnb_dense_weights(const nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->weights;
}

const nnb_tensor *nnb_dense_biases(const nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->biases;
}

nnb_tensor *nnb_dense_weights_mut(nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->weights;
}

nnb_tensor *nnb_dense_biases_mut(nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->biases;
}

nnb_status nnb_dense_set_weights(nnb_dense *layer, const float *weights, size_t count)
{
    if (layer == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return nnb_tensor_load(layer->weights, weights, count);
}

nnb_status nnb_dense_set_biases(nnb_dense *layer, const float *biases, size_t count)
{
    if (layer == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return nnb_tensor_load(layer->biases, biases, count);
}

size_t nnb__dense_scratch_bytes(const nnb_dense *layer, size_t batch)
{
    return nnb__linear_scratch_bytes(batch, layer->n_inputs, layer->n_neurons);
}

nnb_status nnb_dense_forward(const nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output)
{
    return nnb__dense_forward_ws(layer, inputs, output, NULL);
}

nnb_status nnb__dense_forward_ws(const nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output,
                                 const nnb__gemm_scratch *scratch)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (inputs->data == output->data) {
        return nnb__failf(NNB_ERR_ARGUMENT, "nnb_dense_forward", "output shares its data with inputs");
    }
    if (inputs->cols != layer->n_inputs || output->rows != inputs->rows || output->cols != layer->n_neurons) {
        return nnb__failf(NNB_ERR_SHAPE, "nnb_dense_forward",
                          "inputs are %zu x %zu and output %zu x %zu; the layer (%zu -> %zu) needs inputs with %zu "
                          "columns and an output of %zu x %zu",
                          inputs->rows, inputs->cols, output->rows, output->cols, layer->n_inputs, layer->n_neurons,
                          layer->n_inputs, inputs->rows, layer->n_neurons);
    }
    return nnb__linear_forward(scratch, inputs->rows, layer->n_inputs, layer->n_neurons, inputs->data, inputs->cols,
                               layer->weights->data, layer->biases->data, output->data);
}

nnb_status nnb_dense_forward_mut(nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    /* Grow the layer's packing memory only for a call that will pass the checks. */
    if (inputs->cols == layer->n_inputs && output->rows == inputs->rows && output->cols == layer->n_neurons &&
        inputs->data != output->data) {
        nnb_status st = nnb__gemm_scratch_reserve(&layer->scratch, nnb__dense_scratch_bytes(layer, inputs->rows));
        if (st != NNB_OK) {
            return st;
        }
    }
    return nnb__dense_forward_ws(layer, inputs, output, &layer->scratch);
}

nnb_status nnb_dense_forward_own(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor **output)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (inputs->cols != layer->n_inputs) {
        return NNB__FAILF(NNB_ERR_SHAPE, "inputs have %zu columns, the layer takes %zu", inputs->cols, layer->n_inputs);
    }
    nnb_status st;
    if (layer->output == NULL) {
        st = nnb_tensor_create(&layer->output, inputs->rows, layer->n_neurons);
    } else {
        st = nnb_tensor_resize(layer->output, inputs->rows, layer->n_neurons);
    }
    if (st != NNB_OK) {
        return st;
    }
    st = nnb_dense_forward_mut(layer, inputs, layer->output);
    if (st == NNB_OK) {
        *output = layer->output;
    }
    return st;
}

/* ---- training ---- */

/* Creates the gradient buffers on the first backward; both or neither exist afterwards. */
nnb_status nnb__dense_ensure_gradients(nnb_dense *layer)
{
    if (layer->dweights != NULL && layer->dbiases != NULL) {
        return NNB_OK;
    }
    nnb_tensor *dw = NULL, *db = NULL;
    nnb_status st = nnb_tensor_create(&dw, layer->n_inputs, layer->n_neurons);
    if (st == NNB_OK) {
        st = nnb_tensor_create(&db, 1, layer->n_neurons);
    }
    if (st != NNB_OK) {
        nnb_tensor_destroy(dw);
        return st;
    }
    nnb_tensor_destroy(layer->dweights);
    nnb_tensor_destroy(layer->dbiases);
    layer->dweights = dw;
    layer->dbiases = db;
    return NNB_OK;
}

/*
 * Adds the penalty gradients to grad, as the book does (chapter 14), in float32:
 *   L1: grad += l1 * s with s = 1 where p >= 0 and -1 where p < 0 (the book's ones_like, then -1 where negative)
 *   L2: grad += (2 * l2) * p
 */
void nnb__dense_add_penalty_gradient(float *grad, const float *param, size_t n, float l1, float l2)
{
    if (l1 > 0.0f) {
        for (size_t i = 0; i < n; ++i) {
            grad[i] += l1 * (param[i] < 0.0f ? -1.0f : 1.0f);
        }
    }
    if (l2 > 0.0f) {
        float two_l2 = 2.0f * l2;
        for (size_t i = 0; i < n; ++i) {
            grad[i] += two_l2 * param[i];
        }
    }
}

nnb_status nnb_dense_backward(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                              nnb_tensor *dinputs)
{
    if (layer == NULL || inputs == NULL || dvalues == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    /*
     * The layer's own packing memory, grown once to this batch size (a failure leaves it as it was); only
     * for arguments that will pass the checks, so that a bad call reports its own error.
     */
    if (inputs->cols == layer->n_inputs && dvalues->rows == inputs->rows && dvalues->cols == layer->n_neurons) {
        nnb_status st = nnb__gemm_scratch_reserve(&layer->scratch, nnb__dense_scratch_bytes(layer, inputs->rows));
        if (st != NNB_OK) {
            return st;
        }
    }
    return nnb__dense_backward_ws(layer, inputs, dvalues, dinputs, &layer->scratch);
}

nnb_status nnb__dense_backward_ws(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                  nnb_tensor *dinputs, const nnb__gemm_scratch *scratch)
{
    if (layer == NULL || inputs == NULL || dvalues == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t batch = inputs->rows;
    size_t n_in = layer->n_inputs;
    size_t n_out = layer->n_neurons;
    if (batch == 0 || inputs->cols != n_in || dvalues->rows != batch || dvalues->cols != n_out) {
        return nnb__failf(NNB_ERR_SHAPE, "nnb_dense_backward",
                          "inputs are %zu x %zu and dvalues %zu x %zu; the layer (%zu -> %zu) needs inputs with %zu "
                          "columns and dvalues of %zu x %zu",
                          inputs->rows, inputs->cols, dvalues->rows, dvalues->cols, n_in, n_out, n_in, batch, n_out);
    }
    if (dinputs != NULL) {
        if (dinputs->rows != batch || dinputs->cols != n_in) {
            return nnb__failf(NNB_ERR_SHAPE, "nnb_dense_backward", "dinputs is %zu x %zu, expected %zu x %zu",
                              dinputs->rows, dinputs->cols, batch, n_in);
        }
        /* dinputs is written while dvalues and the weights are read. */
        if (dinputs->data == dvalues->data || dinputs->data == layer->weights->data) {
            return nnb__failf(NNB_ERR_ARGUMENT, "nnb_dense_backward",
                              "dinputs shares its data with dvalues or the weights");
        }
    }
    nnb_status st = nnb__dense_ensure_gradients(layer);
    if (st != NNB_OK) {
        return st;
    }
    layer->dbiases_f64_valid = 0; /* this bias gradient is float32 */

    /*
     * dweights = inputs^T . dvalues (compute/linear.h); dbiases = np.sum(dvalues, axis=0): row after row,
     * sequentially in float32, from 0.
     */
    float *db = layer->dbiases->data;
    st = nnb__linear_backward_params(scratch, batch, n_in, n_out, inputs->data, dvalues->data, layer->dweights->data,
                                     db);
    if (st != NNB_OK) {
        return st;
    }
    if (n_out == 1 && !nnb__fast_arithmetic()) {
        /* A single column: numpy drops the length-1 axis, and np.sum(dvalues, axis=0) of the remaining 1-D
         * array is numpy's pairwise sum in 8192-element blocks (nnb_sum_f32), not a row-by-row addition. */
        (void)nnb_sum_f32(dvalues->data, batch, db);
    }

    const nnb_regularization *reg = &layer->reg;
    nnb__dense_add_penalty_gradient(layer->dweights->data, layer->weights->data, n_in * n_out, reg->weight_l1,
                                    reg->weight_l2);
    nnb__dense_add_penalty_gradient(db, layer->biases->data, n_out, reg->bias_l1, reg->bias_l2);

    /* dinputs = dvalues . weights^T. */
    if (dinputs != NULL) {
        st =
            nnb__linear_backward_input(scratch, batch, n_in, n_out, dvalues->data, layer->weights->data, dinputs->data);
    }
    return st;
}

const nnb_tensor *nnb_dense_dweights(const nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->dweights;
}

const nnb_tensor *nnb_dense_dbiases(const nnb_dense *layer)
{
    return layer == NULL ? NULL : layer->dbiases;
}

static int valid_penalty(float v)
{
    return isfinite(v) && v >= 0.0f;
}

nnb_status nnb_dense_set_regularization(nnb_dense *layer, const nnb_regularization *reg)
{
    if (layer == NULL || reg == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!valid_penalty(reg->weight_l1) || !valid_penalty(reg->weight_l2) || !valid_penalty(reg->bias_l1) ||
        !valid_penalty(reg->bias_l2)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT,
                          "penalties must be finite and >= 0 (weight_l1 %g, weight_l2 %g, bias_l1 %g, bias_l2 %g)",
                          (double)reg->weight_l1, (double)reg->weight_l2, (double)reg->bias_l1, (double)reg->bias_l2);
    }
    layer->reg = *reg;
    return NNB_OK;
}

/* l1 * sum|p| + l2 * sum p^2 of one parameter array, accumulated in double. */
static double penalty(const float *p, size_t n, float l1, float l2)
{
    double total = 0.0;
    if (l1 > 0.0f) {
        double s = 0.0;
        for (size_t i = 0; i < n; ++i) {
            s += fabs((double)p[i]);
        }
        total += (double)l1 * s;
    }
    if (l2 > 0.0f) {
        double s = 0.0;
        for (size_t i = 0; i < n; ++i) {
            s += (double)p[i] * (double)p[i];
        }
        total += (double)l2 * s;
    }
    return total;
}

nnb_status nnb_dense_regularization_loss(const nnb_dense *layer, float *loss)
{
    if (layer == NULL || loss == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    /* Summed in double and rounded once (numpy's float32 pairwise sums differ from this by a few ulp). */
    const nnb_regularization *reg = &layer->reg;
    double total = penalty(layer->weights->data, layer->n_inputs * layer->n_neurons, reg->weight_l1, reg->weight_l2) +
                   penalty(layer->biases->data, layer->n_neurons, reg->bias_l1, reg->bias_l2);
    *loss = (float)total;
    return NNB_OK;
}
