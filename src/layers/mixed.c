/* SPDX-License-Identifier: MIT */
/*
 * float64 steps inside float32 trainings, as numpy promotes them (nnbasics/mixed.h; docs/BOOK.md, chapters
 * 15 and 17). Products: both operands in double, summed in index order, rounded once to float32 (nnfs's
 * np.dot). Everything else float64 stays in double until numpy stores it into a float32 array.
 */
#include <math.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "compute/linear.h"
#include "layers/dense_internal.h"
#include "tensor/tensor_internal.h"
#include "nnbasics/loss.h"
#include "nnbasics/mixed.h"

/* numpy's float64 pairwise summation: the float32 one of loss.c (blocks of 128 with eight partial sums,
   longer arrays split at a multiple of 8) in double. */
static double pairwise_f64(const double *x, size_t n)
{
    if (n < 8) {
        double s = 0.0;
        for (size_t i = 0; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    if (n <= 128) {
        double p[8];
        for (size_t j = 0; j < 8; ++j) {
            p[j] = x[j];
        }
        size_t i = 8;
        for (; i + 8 <= n; i += 8) {
            for (size_t j = 0; j < 8; ++j) {
                p[j] += x[i + j];
            }
        }
        double s = ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
        for (; i < n; ++i) {
            s += x[i];
        }
        return s;
    }
    size_t half = (n / 2) & ~(size_t)7;
    return pairwise_f64(x, half) + pairwise_f64(x + half, n - half);
}

/* np.sum of a contiguous float64 array: 0 + the pairwise sums of its 8192-element blocks, in order. */
static double numpy_sum_f64(const double *x, size_t n)
{
    const size_t block = 8192;
    double acc = 0.0;
    for (size_t i = 0; i < n; i += block) {
        acc += pairwise_f64(x + i, n - i < block ? n - i : block);
    }
    return acc;
}

nnb_status nnb_sine_data_f64(size_t samples, double *X, double *y)
{
    if (X == NULL || y == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (samples == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    /* X = np.arange(samples).reshape(-1, 1) / samples; y = np.sin(2 * np.pi * X) */
    const double two_pi = 6.283185307179586;
    for (size_t i = 0; i < samples; ++i) {
        X[i] = (double)i / (double)samples;
        y[i] = sin(two_pi * X[i]);
    }
    return NNB_OK;
}

nnb_status nnb_dense_forward_f64(const nnb_dense *layer, const double *inputs, size_t rows, nnb_tensor *output)
{
    if (layer == NULL || inputs == NULL || output == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (rows == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    size_t K = layer->n_inputs, N = layer->n_neurons;
    if (output->rows != rows || output->cols != N) {
        return NNB__FAILF(NNB_ERR_SHAPE, "output is %zu x %zu, expected %zu x %zu", output->rows, output->cols, rows,
                          N);
    }
    const float *w = layer->weights->data;
    const float *b = layer->biases->data;
    for (size_t i = 0; i < rows; ++i) {
        const double *x = inputs + i * K;
        for (size_t j = 0; j < N; ++j) {
            double s = 0.0;
            for (size_t k = 0; k < K; ++k) {
                s += x[k] * (double)w[k * N + j];
            }
            /* dot32(inputs, weights) + biases: the product rounded, the bias added in float32. */
            output->data[i * N + j] = (float)s + b[j];
        }
    }
    return NNB_OK;
}

/*
 * dw (K x N) = fl32(x^T . dv), one operand float64 and the other float32 (x64 or dv64 non-NULL): every
 * element summed over the rows in order, in double, then rounded once.
 */
static nnb_status weight_gradient(size_t rows, size_t K, size_t N, const float *x32, const double *x64,
                                  const float *dv32, const double *dv64, float *dw)
{
    size_t count = K * N;
    double *acc = nnb__calloc(count, sizeof *acc);
    if (acc == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    for (size_t i = 0; i < rows; ++i) {
        for (size_t k = 0; k < K; ++k) {
            double *row = acc + k * N;
            if (x64 != NULL) {
                double a = x64[i * K + k];
                const float *d = dv32 + i * N;
                for (size_t j = 0; j < N; ++j) {
                    row[j] += a * (double)d[j];
                }
            } else {
                double a = (double)x32[i * K + k];
                const double *d = dv64 + i * N;
                for (size_t j = 0; j < N; ++j) {
                    row[j] += a * d[j];
                }
            }
        }
    }
    for (size_t i = 0; i < count; ++i) {
        dw[i] = (float)acc[i];
    }
    nnb__free(acc);
    return NNB_OK;
}

static nnb_status check_backward(const nnb_dense *layer, size_t batch, size_t in_rows, size_t in_cols,
                                 const nnb_tensor *dinputs)
{
    if (batch == 0 || in_rows != batch || in_cols != layer->n_inputs) {
        return NNB__FAILF(NNB_ERR_SHAPE, "inputs are %zu x %zu; the layer (%zu -> %zu) needs %zu x %zu", in_rows,
                          in_cols, layer->n_inputs, layer->n_neurons, batch, layer->n_inputs);
    }
    if (dinputs != NULL && (dinputs->rows != batch || dinputs->cols != layer->n_inputs)) {
        return NNB__FAILF(NNB_ERR_SHAPE, "dinputs is %zu x %zu, expected %zu x %zu", dinputs->rows, dinputs->cols,
                          batch, layer->n_inputs);
    }
    return NNB_OK;
}

nnb_status nnb_dense_backward_f64_inputs(nnb_dense *layer, const double *inputs, const nnb_tensor *dvalues,
                                         nnb_tensor *dinputs)
{
    if (layer == NULL || inputs == NULL || dvalues == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t batch = dvalues->rows, K = layer->n_inputs, N = layer->n_neurons;
    if (dvalues->cols != N) {
        return NNB__FAILF(NNB_ERR_SHAPE, "dvalues have %zu columns, the layer has %zu neurons", dvalues->cols, N);
    }
    nnb_status st = check_backward(layer, batch, batch, K, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    if (dinputs != NULL && dinputs->data == dvalues->data) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "dinputs shares its data with dvalues");
    }
    st = nnb__dense_ensure_gradients(layer);
    if (st == NNB_OK) {
        st = weight_gradient(batch, K, N, NULL, inputs, dvalues->data, NULL, layer->dweights->data);
    }
    if (st != NNB_OK) {
        return st;
    }
    layer->dbiases_f64_valid = 0;
    /* dbiases = np.sum(dvalues, axis=0) in float32: row after row from 0; one column: numpy's pairwise sum. */
    float *db = layer->dbiases->data;
    if (N == 1) {
        (void)nnb_sum_f32(dvalues->data, batch, db);
    } else {
        for (size_t j = 0; j < N; ++j) {
            db[j] = 0.0f;
        }
        for (size_t i = 0; i < batch; ++i) {
            for (size_t j = 0; j < N; ++j) {
                db[j] += dvalues->data[i * N + j];
            }
        }
    }
    const nnb_regularization *reg = &layer->reg;
    nnb__dense_add_penalty_gradient(layer->dweights->data, layer->weights->data, K * N, reg->weight_l1, reg->weight_l2);
    nnb__dense_add_penalty_gradient(db, layer->biases->data, N, reg->bias_l1, reg->bias_l2);
    if (dinputs != NULL) {
        st = nnb__linear_backward_input(NULL, batch, K, N, dvalues->data, layer->weights->data, dinputs->data);
    }
    return st;
}

nnb_status nnb_dense_backward_f64(nnb_dense *layer, const nnb_tensor *inputs, const double *dvalues,
                                  nnb_tensor *dinputs)
{
    if (layer == NULL || inputs == NULL || dvalues == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t batch = inputs->rows, K = layer->n_inputs, N = layer->n_neurons;
    nnb_status st = check_backward(layer, batch, inputs->rows, inputs->cols, dinputs);
    if (st != NNB_OK) {
        return st;
    }
    if (dinputs != NULL && dinputs->data == layer->weights->data) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "dinputs shares its data with the weights");
    }
    st = nnb__dense_ensure_gradients(layer);
    if (st != NNB_OK) {
        return st;
    }
    if (layer->dbiases_f64 == NULL) {
        layer->dbiases_f64 = nnb__calloc(N, sizeof *layer->dbiases_f64);
        if (layer->dbiases_f64 == NULL) {
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
    }
    st = weight_gradient(batch, K, N, inputs->data, NULL, NULL, dvalues, layer->dweights->data);
    if (st != NNB_OK) {
        return st;
    }
    /* dbiases = np.sum(dvalues, axis=0) in float64: row after row from 0; one column: the pairwise sum. */
    double *db = layer->dbiases_f64;
    if (N == 1) {
        db[0] = numpy_sum_f64(dvalues, batch);
    } else {
        for (size_t j = 0; j < N; ++j) {
            db[j] = 0.0;
        }
        for (size_t i = 0; i < batch; ++i) {
            for (size_t j = 0; j < N; ++j) {
                db[j] += dvalues[i * N + j];
            }
        }
    }
    const nnb_regularization *reg = &layer->reg;
    nnb__dense_add_penalty_gradient(layer->dweights->data, layer->weights->data, K * N, reg->weight_l1, reg->weight_l2);
    /* dbiases += l1 * dL1 and += 2 * l2 * biases: float32 arrays (numpy casts the Python factor to float32)
       added to the float64 gradient in double. */
    const float *b = layer->biases->data;
    if (reg->bias_l1 > 0.0f) {
        for (size_t j = 0; j < N; ++j) {
            db[j] += (double)(reg->bias_l1 * (b[j] < 0.0f ? -1.0f : 1.0f));
        }
    }
    if (reg->bias_l2 > 0.0f) {
        float two_l2 = 2.0f * reg->bias_l2;
        for (size_t j = 0; j < N; ++j) {
            db[j] += (double)(two_l2 * b[j]);
        }
    }
    for (size_t j = 0; j < N; ++j) {
        layer->dbiases->data[j] = (float)db[j];
    }
    layer->dbiases_f64_valid = 1;
    /* dinputs = dot32(dvalues, weights^T) */
    if (dinputs != NULL) {
        const float *w = layer->weights->data;
        for (size_t i = 0; i < batch; ++i) {
            for (size_t k = 0; k < K; ++k) {
                double s = 0.0;
                for (size_t j = 0; j < N; ++j) {
                    s += dvalues[i * N + j] * (double)w[k * N + j];
                }
                dinputs->data[i * K + k] = (float)s;
            }
        }
    }
    return NNB_OK;
}

const double *nnb_dense_dbiases_f64(const nnb_dense *layer)
{
    return layer == NULL || !layer->dbiases_f64_valid ? NULL : layer->dbiases_f64;
}

nnb_status nnb_dropout_backward_f64(const double *mask, const nnb_tensor *dvalues, double *dinputs)
{
    if (mask == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t n = dvalues->rows * dvalues->cols;
    for (size_t i = 0; i < n; ++i) {
        dinputs[i] = (double)dvalues->data[i] * mask[i];
    }
    return NNB_OK;
}

nnb_status nnb_relu_backward_f64(const nnb_tensor *inputs, const double *dvalues, double *dinputs)
{
    if (inputs == NULL || dvalues == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t n = inputs->rows * inputs->cols;
    for (size_t i = 0; i < n; ++i) {
        dinputs[i] = inputs->data[i] <= 0.0f ? 0.0 : dvalues[i];
    }
    return NNB_OK;
}

nnb_status nnb_mse_f64(const nnb_tensor *pred, const double *targets, double *loss)
{
    if (pred == NULL || targets == NULL || loss == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t samples = pred->rows, outputs = pred->cols;
    if (samples == 0 || outputs == 0) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    double *per_sample = nnb__malloc(samples * sizeof *per_sample);
    double *row = nnb__malloc(outputs * sizeof *row);
    if (per_sample == NULL || row == NULL) {
        nnb__free(per_sample);
        nnb__free(row);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    /* np.mean((y - output) ** 2, axis=-1), then np.mean of those: sums divided by the counts. */
    for (size_t i = 0; i < samples; ++i) {
        for (size_t j = 0; j < outputs; ++j) {
            double d = targets[i * outputs + j] - (double)pred->data[i * outputs + j];
            row[j] = d * d;
        }
        per_sample[i] = numpy_sum_f64(row, outputs) / (double)outputs;
    }
    *loss = numpy_sum_f64(per_sample, samples) / (double)samples;
    nnb__free(row);
    nnb__free(per_sample);
    return NNB_OK;
}

nnb_status nnb_mse_backward_f64(const nnb_tensor *pred, const double *targets, double *dinputs)
{
    if (pred == NULL || targets == NULL || dinputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t samples = pred->rows, outputs = pred->cols;
    if (samples == 0 || outputs == 0) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* self.dinputs = -2 * (y_true - dvalues) / outputs; self.dinputs = self.dinputs / samples */
    for (size_t i = 0; i < samples * outputs; ++i) {
        dinputs[i] = -2.0 * (targets[i] - (double)pred->data[i]) / (double)outputs / (double)samples;
    }
    return NNB_OK;
}

nnb_status nnb_regression_precision_f64(const double *targets, size_t count, double divisor, double *precision)
{
    if (targets == NULL || precision == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count == 0 || !(isfinite(divisor) && divisor > 0.0)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "count %zu must be > 0 and divisor %g finite and > 0", count, divisor);
    }
    double *sq = nnb__malloc(count * sizeof *sq);
    if (sq == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    /* np.std: mean = sum / n; x = y - mean; var = sum(x * x) / n; sqrt. */
    double mean = numpy_sum_f64(targets, count) / (double)count;
    for (size_t i = 0; i < count; ++i) {
        double d = targets[i] - mean;
        sq[i] = d * d;
    }
    double std = sqrt(numpy_sum_f64(sq, count) / (double)count);
    nnb__free(sq);
    if (!isfinite(std)) {
        return NNB__FAIL(NNB_ERR_NONFINITE);
    }
    *precision = std / divisor;
    return NNB_OK;
}

nnb_status nnb_accuracy_regression_f64(const nnb_tensor *pred, const double *targets, double precision,
                                       double *accuracy)
{
    if (pred == NULL || targets == NULL || accuracy == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(isfinite(precision) && precision >= 0.0)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "precision %g must be finite and >= 0", precision);
    }
    size_t n = pred->rows * pred->cols;
    if (n == 0) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* np.mean(np.absolute(output - y) < precision): a count divided by n. */
    size_t hits = 0;
    for (size_t i = 0; i < n; ++i) {
        hits += fabs((double)pred->data[i] - targets[i]) < precision;
    }
    *accuracy = (double)hits / (double)n;
    return NNB_OK;
}
