/* SPDX-License-Identifier: MIT */
/* Internal: the dense layer's fields, shared with the modules that train it. Never installed. */
#ifndef NNB_INTERNAL_DENSE_H
#define NNB_INTERNAL_DENSE_H

#include "compute/gemm_internal.h"
#include "nnbasics/dense.h"

struct nnb_dense {
    size_t n_inputs;
    size_t n_neurons;
    nnb_tensor *weights; /* n_inputs x n_neurons */
    nnb_tensor *biases;  /* 1 x n_neurons */
    nnb_tensor *output;  /* forward_own's buffer, created on first use, grown as batches grow */

    /* Training (chapters 9, 10, 14). Gradients are created by the first backward, then reused. */
    nnb_tensor *dweights; /* n_inputs x n_neurons */
    nnb_tensor *dbiases;  /* 1 x n_neurons */
    nnb_regularization reg;

    /*
     * Optimizer state, created zeroed by the first update that needs it, then reused:
     * m_* = SGD momentums / Adam first moments; v_* = AdaGrad and RMSprop caches / Adam second moments.
     */
    nnb_tensor *m_weights;
    nnb_tensor *m_biases;
    nnb_tensor *v_weights;
    nnb_tensor *v_biases;

    /*
     * float64 bias path (nnbasics/mixed.h): dbiases_f64 holds the bias gradient of the last
     * nnb_dense_backward_f64 (valid while dbiases_f64_valid), m_/v_biases_f64 Adam's float64 bias moments,
     * created by the first update that sees a float64 gradient and used from then on. n_neurons each.
     */
    double *dbiases_f64;
    int dbiases_f64_valid;
    double *m_biases_f64;
    double *v_biases_f64;

    /* GEMM packing memory for forward_own and backward, grown to the largest batch seen, then reused. */
    nnb__gemm_scratch scratch;
};

/*
 * Bytes of GEMM scratch that forward and backward need to allocate nothing for batches of `batch` rows
 * (with the arithmetic mode and thread setting in effect now).
 */
size_t nnb__dense_scratch_bytes(const nnb_dense *layer, size_t batch);

/* nnb_dense_forward / nnb_dense_backward with the caller's GEMM scratch (NULL: the GEMM allocates). */
nnb_status nnb__dense_forward_ws(const nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output,
                                 const nnb__gemm_scratch *scratch);
nnb_status nnb__dense_backward_ws(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                  nnb_tensor *dinputs, const nnb__gemm_scratch *scratch);

/*
 * Creates the gradient buffers (dweights, dbiases) if they do not exist yet; both or neither exist afterwards.
 * The convolution and batch normalisation layers keep their parameters in an nnb_dense and use this too.
 */
nnb_status nnb__dense_ensure_gradients(nnb_dense *layer);

/* The book's penalty gradients in float32 (chapter 14): grad += l1 * sign(param); grad += (2 * l2) * param. */
void nnb__dense_add_penalty_gradient(float *grad, const float *param, size_t n, float l1, float l2);

#endif
