/* Internal: the dense layer's fields, shared with the modules that train it. Never installed. */
#ifndef NNB_INTERNAL_DENSE_H
#define NNB_INTERNAL_DENSE_H

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
};

#endif
