/* SPDX-License-Identifier: MIT */
/**
 * @file dense.h
 * @brief The fully connected layer (lesson 4, the book's Layer_Dense).
 *
 * @verbatim
   output = inputs . weights + biases
   @endverbatim
 *
 * inputs: batch x n_inputs; weights: n_inputs x n_neurons; biases: 1 x n_neurons; output: batch x n_neurons.
 * The product goes through the GEMM core (gemm.h); the bias is then added in float32, as numpy does.
 *
 * Weights start as init_scale * randn from the caller's generator (the book: 0.01), biases at zero, so a
 * layer built after nnb_spiral_data with seed 0 holds exactly the book's weights.
 *
 * Thread safety: forward takes a const layer and writes only to the caller's output, so several threads
 * may run forward on one layer at once. Functions taking a non-const layer need exclusive access.
 */
#ifndef NNB_DENSE_H
#define NNB_DENSE_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A dense layer: weights, biases, and (after a backward pass) their gradients. Opaque. */
typedef struct nnb_dense nnb_dense;

/** The book's weight scale (0.01 * randn). */
#define NNB_DENSE_DEFAULT_INIT_SCALE 0.01f

/**
 * Creates a layer with n_inputs inputs and n_neurons neurons.
 * @param out receives the layer (owned by the caller; nnb_dense_destroy). Untouched on failure.
 * @param n_inputs number of inputs (> 0).
 * @param n_neurons number of neurons (> 0).
 * @param rng weights become init_scale * randn drawn from it in row-major order (n_inputs * n_neurons
 *            normals); NULL leaves the weights at zero (to load known values with nnb_dense_set_weights).
 *            No normals are consumed on failure.
 * @param init_scale the weight scale (finite), e.g.\ NNB_DENSE_DEFAULT_INIT_SCALE.
 * @return NNB_OK, NNB_ERR_NULL (out), NNB_ERR_ARGUMENT (a size is 0, init_scale not finite),
 *         NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_dense_create(nnb_dense **out, size_t n_inputs, size_t n_neurons, nnb_rng *rng, float init_scale);

/**
 * Releases the layer and everything it owns.
 * @param layer the layer, or NULL (ignored).
 */
NNB_API void nnb_dense_destroy(nnb_dense *layer);

/**
 * Number of inputs.
 * @param layer the layer.
 * @return n_inputs; 0 for NULL.
 */
NNB_API size_t nnb_dense_n_inputs(const nnb_dense *layer);

/**
 * Number of neurons (outputs).
 * @param layer the layer.
 * @return n_neurons; 0 for NULL.
 */
NNB_API size_t nnb_dense_n_neurons(const nnb_dense *layer);

/**
 * The weights, n_inputs x n_neurons.
 * @param layer the layer.
 * @return borrowed, valid until the layer is destroyed; NULL for a NULL layer.
 */
NNB_API const nnb_tensor *nnb_dense_weights(const nnb_dense *layer);

/**
 * The biases, 1 x n_neurons.
 * @param layer the layer.
 * @return borrowed, valid until the layer is destroyed; NULL for a NULL layer.
 */
NNB_API const nnb_tensor *nnb_dense_biases(const nnb_dense *layer);

/**
 * The weights, mutable, to load or adjust them in place (keep the shape: do not resize them).
 * @param layer the layer.
 * @return borrowed, valid until the layer is destroyed; NULL for a NULL layer.
 */
NNB_API nnb_tensor *nnb_dense_weights_mut(nnb_dense *layer);

/**
 * The biases, mutable, to load or adjust them in place (keep the shape: do not resize them).
 * @param layer the layer.
 * @return borrowed, valid until the layer is destroyed; NULL for a NULL layer.
 */
NNB_API nnb_tensor *nnb_dense_biases_mut(nnb_dense *layer);

/**
 * Loads the weights from a caller array.
 * @param layer the layer.
 * @param weights n_inputs x n_neurons values, row-major (borrowed, only read).
 * @param count number of values; must equal n_inputs * n_neurons.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (count differs).
 */
NNB_API nnb_status nnb_dense_set_weights(nnb_dense *layer, const float *weights, size_t count);

/**
 * Loads the biases from a caller array.
 * @param layer the layer.
 * @param biases n_neurons values (borrowed, only read).
 * @param count number of values; must equal n_neurons.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (count differs).
 */
NNB_API nnb_status nnb_dense_set_biases(nnb_dense *layer, const float *biases, size_t count);

/**
 * Forward pass into a caller tensor: output = inputs . weights + biases.
 * @param layer the layer (only read: several threads may share it).
 * @param inputs batch x n_inputs (batch >= 1).
 * @param output receives batch x n_neurons; must not alias inputs. Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (output and inputs share their data), NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_dense_forward(const nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output);

/**
 * The same forward pass for a caller that has the layer to itself (a training loop).
 *
 * The product's temporary packing memory (needed by the builtin GEMM core for large layers) comes from the
 * layer and is kept for the next call, so that after the first call of a batch size nothing is allocated.
 * nnb_dense_forward may allocate that memory per call instead, because it must stay usable from several
 * threads at once.
 * @param layer the layer (exclusive access).
 * @param inputs batch x n_inputs.
 * @param output receives batch x n_neurons; must not alias inputs. Untouched on failure.
 * @return the statuses of nnb_dense_forward, and NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_dense_forward_mut(nnb_dense *layer, const nnb_tensor *inputs, nnb_tensor *output);

/**
 * Forward pass into a buffer the layer owns (grown to the batch size when needed, then reused).
 * @param layer the layer (exclusive access).
 * @param inputs batch x n_inputs.
 * @param output receives a borrowed pointer to the batch x n_neurons result, valid until the next call on
 *               this layer or its destruction.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_dense_forward_own(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor **output);

/* ---- training (chapters 9, 14) ---- */

/**
 * Backward pass: the gradients of the weights and biases, and optionally of the inputs.
 *
 * Computes, in the layer's own gradient buffers,
 * @verbatim
   dweights = inputs^T . dvalues  (+ regularization terms),  dbiases = column sums of dvalues (+ terms),
   @endverbatim
 * and, when dinputs is not NULL, dinputs = dvalues . weights^T (batch x n_inputs). Transposes are done by
 * the GEMM core, never by copies. Allocates the gradient buffers (and the product's packing memory) on the
 * first call for a batch size only. On failure the layer's gradients are unspecified but the layer stays
 * valid and dinputs is untouched.
 * @param layer the layer (exclusive access).
 * @param inputs the batch given to forward (batch x n_inputs).
 * @param dvalues gradient of the loss with respect to the layer's output (batch x n_neurons).
 * @param dinputs optional (NULL): receives the gradient with respect to the inputs; must not share memory
 *                with dvalues (it may reuse the inputs' buffer).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE, NNB_ERR_ARGUMENT (dinputs is dvalues), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_dense_backward(nnb_dense *layer, const nnb_tensor *inputs, const nnb_tensor *dvalues,
                                      nnb_tensor *dinputs);

/**
 * The weight gradient from the last backward, n_inputs x n_neurons.
 * @param layer the layer.
 * @return borrowed; NULL before the first backward or for a NULL layer.
 */
NNB_API const nnb_tensor *nnb_dense_dweights(const nnb_dense *layer);

/**
 * The bias gradient from the last backward, 1 x n_neurons.
 * @param layer the layer.
 * @return borrowed; NULL before the first backward or for a NULL layer.
 */
NNB_API const nnb_tensor *nnb_dense_dbiases(const nnb_dense *layer);

/** L1/L2 penalties on weights and biases (chapter 14); all zero = none. */
typedef struct nnb_regularization {
    float weight_l1; /**< L1 factor on the weights */
    float weight_l2; /**< L2 factor on the weights */
    float bias_l1;   /**< L1 factor on the biases */
    float bias_l2;   /**< L2 factor on the biases */
} nnb_regularization;

/**
 * Sets the layer's regularization.
 *
 * The penalty l1 * sum|w| + l2 * sum w^2 (weights and biases alike) enters nnb_dense_regularization_loss
 * and its gradient l1 * sign(w) + 2 * l2 * w is added by nnb_dense_backward.
 * @param layer the layer.
 * @param reg the factors (copied); each must be finite and >= 0.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (a factor negative or not finite).
 */
NNB_API nnb_status nnb_dense_set_regularization(nnb_dense *layer, const nnb_regularization *reg);

/**
 * The current penalty of the layer's parameters.
 * @param layer the layer.
 * @param loss receives the penalty (0 without regularization).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_dense_regularization_loss(const nnb_dense *layer, float *loss);

#ifdef __cplusplus
}
#endif

#endif /* NNB_DENSE_H */
