/* SPDX-License-Identifier: MIT */
/**
 * @file optimizer.h
 * @brief Parameter updates (chapter 10): SGD with decay and momentum, AdaGrad, RMSprop, Adam; and AdamW.
 *
 * Every optimizer follows the book's loop: pre_update (learning-rate decay), update each dense layer,
 * post_update (iterations += 1). The current learning rate is
 * @verbatim
   lr_t = learning_rate * (1 / (1 + decay * iterations))
   @endverbatim
 * Updates (g the gradient, all arithmetic in float32 as numpy does, see the book's reference notes):
 * @verbatim
   SGD:      momentum > 0: m = momentum * m - lr_t * g;  w += m     momentum == 0: w += -lr_t * g
   AdaGrad:  c += g^2;  w += -lr_t * g / (sqrt(c) + eps)
   RMSprop:  c = rho * c + (1 - rho) * g^2;  w += -lr_t * g / (sqrt(c) + eps)
   Adam:     m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  m^ = m / (1 - b1^(t+1));  v^ = v / (1 - b2^(t+1));
             w += (-lr_t * m^) / (sqrt(v^) + eps)
   AdamW:    Adam with weight_decay > 0: first, weights only, w = w - fl32(lr_t * weight_decay) * w;
             then the Adam update of weights and biases
   @endverbatim
 * AdamW is Adam with decoupled weight decay (Loshchilov and Hutter): the decay shrinks the weights directly
 * instead of entering the gradient, so Adam's scaling does not weaken it. Biases are not decayed. With
 * weight_decay 0 (the default) Adam is the book's, bit for bit. Model files store weight_decay from version 3;
 * a model loaded from an older file has weight_decay 0.
 * A learning-rate schedule (schedule.h) may replace the constant learning_rate in lr_t.
 * Per-parameter state (momentums, caches) lives with each dense layer, created on its first update.
 */
#ifndef NNB_OPTIMIZER_H
#define NNB_OPTIMIZER_H

#include <stddef.h>

#include "nnbasics/dense.h"
#include "nnbasics/export.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The optimizers. */
typedef enum nnb_optimizer_kind {
    NNB_OPTIMIZER_SGD = 0,     /**< stochastic gradient descent, with optional decay and momentum */
    NNB_OPTIMIZER_ADAGRAD = 1, /**< AdaGrad */
    NNB_OPTIMIZER_RMSPROP = 2, /**< RMSprop */
    NNB_OPTIMIZER_ADAM = 3     /**< Adam; AdamW with nnb_optimizer_params::weight_decay > 0 */
} nnb_optimizer_kind;

/** Hyper-parameters with the book's names. Fields an optimizer does not use are ignored. */
typedef struct nnb_optimizer_params {
    nnb_optimizer_kind kind; /**< which optimizer */
    double learning_rate;    /**< the initial learning rate (> 0) */
    double decay;            /**< learning-rate decay per iteration (>= 0) */
    double momentum;         /**< SGD */
    double epsilon;          /**< AdaGrad, RMSprop, Adam */
    double rho;              /**< RMSprop */
    double beta_1;           /**< Adam, AdamW */
    double beta_2;           /**< Adam, AdamW */
    double weight_decay;     /**< Adam: decoupled weight decay factor (>= 0; > 0 makes it AdamW) */
} nnb_optimizer_params;

/**
 * The book's defaults for an optimizer.
 *
 * SGD lr 1.0; AdaGrad lr 1.0, eps 1e-7; RMSprop lr 0.001, eps 1e-7, rho 0.9; Adam lr 0.001, eps 1e-7,
 * beta_1 0.9, beta_2 0.999; decay, momentum and weight_decay 0 everywhere.
 * @param kind the optimizer.
 * @return the defaults; an unknown kind gives the SGD defaults with that kind (rejected later by create).
 */
NNB_API nnb_optimizer_params nnb_optimizer_defaults(nnb_optimizer_kind kind);

/**
 * AdamW: the Adam defaults (lr 0.001, eps 1e-7, beta_1 0.9, beta_2 0.999) with decoupled weight decay.
 * @param weight_decay the decay factor (>= 0, finite; e.g.\ 0.01).
 * @return the parameters (an invalid factor is rejected later by create).
 */
NNB_API nnb_optimizer_params nnb_optimizer_adamw_defaults(double weight_decay);

/** An optimizer: its parameters and iteration count. Opaque. */
typedef struct nnb_optimizer nnb_optimizer;

/**
 * Creates an optimizer.
 * @param out receives the optimizer (owned by the caller; nnb_optimizer_destroy). Untouched on failure.
 * @param params the hyper-parameters (copied).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (unknown kind; learning_rate <= 0 or not finite; decay,
 *         epsilon < 0 or not finite; momentum, rho, beta_1, beta_2 outside [0, 1); Adam's weight_decay < 0 or not
 *         finite), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_optimizer_create(nnb_optimizer **out, const nnb_optimizer_params *params);

/**
 * Releases an optimizer (the per-parameter state lives with the dense layers and stays).
 * @param opt the optimizer, or NULL (ignored).
 */
NNB_API void nnb_optimizer_destroy(nnb_optimizer *opt);

/**
 * The parameters the optimizer was created with.
 * @param opt the optimizer.
 * @return borrowed, valid until the optimizer is destroyed; NULL for NULL.
 */
NNB_API const nnb_optimizer_params *nnb_optimizer_params_of(const nnb_optimizer *opt);

/**
 * Computes lr_t for this iteration.
 * @param opt the optimizer.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_optimizer_pre_update(nnb_optimizer *opt);

/**
 * Updates a layer's weights and biases from its last gradients (nnb_dense_backward must have run).
 * @param opt the optimizer.
 * @param layer the layer; its per-parameter state is created on its first update.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (no gradients yet), NNB_ERR_NOMEM (first update of the layer
 *         could not allocate its state: parameters untouched).
 */
NNB_API nnb_status nnb_optimizer_update_dense(nnb_optimizer *opt, nnb_dense *layer);

/**
 * Ends the iteration (iterations += 1).
 * @param opt the optimizer.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_optimizer_post_update(nnb_optimizer *opt);

/**
 * The learning rate in use (lr_t after pre_update).
 * @param opt the optimizer.
 * @return the rate; 0 for NULL.
 */
NNB_API double nnb_optimizer_current_lr(const nnb_optimizer *opt);

/**
 * The number of completed iterations.
 * @param opt the optimizer.
 * @return the count; 0 for NULL.
 */
NNB_API size_t nnb_optimizer_iterations(const nnb_optimizer *opt);

#ifdef __cplusplus
}
#endif

#endif /* NNB_OPTIMIZER_H */
