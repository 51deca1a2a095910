#include <math.h>

#include "internal/alloc.h"
#include "internal/dense.h"
#include "internal/tensor.h"
#include "nnbasics/gemm.h"

nnb_status nnb_dense_create(nnb_dense **out, size_t n_inputs, size_t n_neurons, nnb_rng *rng, float init_scale)
{
    if (out == NULL) {
        return NNB_ERR_NULL;
    }
    if (n_inputs == 0 || n_neurons == 0 || !isfinite(init_scale)) {
        return NNB_ERR_ARGUMENT;
    }
    size_t count;
    nnb_status st = nnb__mul_size(n_inputs, n_neurons, &count);
    if (st != NNB_OK) {
        return st;
    }
    nnb_dense *layer = nnb__calloc(1, sizeof *layer);
    if (layer == NULL) {
        return NNB_ERR_NOMEM;
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
        return NNB_ERR_NULL;
    }
    return nnb_tensor_load(layer->weights, weights, count);
}

nnb_status nnb_dense_set_biases(nnb_dense *layer, const float *biases, size_t count)
{
    if (layer == NULL) {
        return NNB_ERR_NULL;
    }
    return nnb_tensor_load(layer->biases, biases, count);
}

nnb_status nnb_dense_forward(const nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB_ERR_NULL;
    }
    if (inputs->data == output->data) {
        return NNB_ERR_ARGUMENT;
    }
    if (inputs->cols != layer->n_inputs || output->rows != inputs->rows || output->cols != layer->n_neurons) {
        return NNB_ERR_SHAPE;
    }
    size_t batch = inputs->rows;
    size_t n = layer->n_neurons;
    nnb_status st = nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, batch, n, layer->n_inputs, 1.0f, inputs->data,
                             inputs->cols, layer->weights->data, n, 0.0f, output->data, n);
    if (st != NNB_OK) {
        return st;
    }
    /* The bias is added after the product is rounded, in float32, as numpy does. */
    const float *b = layer->biases->data;
    for (size_t r = 0; r < batch; ++r) {
        float *row = output->data + r * n;
        for (size_t j = 0; j < n; ++j) {
            row[j] += b[j];
        }
    }
    return NNB_OK;
}

nnb_status nnb_dense_forward_own(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor **output)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB_ERR_NULL;
    }
    if (inputs->cols != layer->n_inputs) {
        return NNB_ERR_SHAPE;
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
    st = nnb_dense_forward(layer, inputs, layer->output);
    if (st == NNB_OK) {
        *output = layer->output;
    }
    return st;
}
