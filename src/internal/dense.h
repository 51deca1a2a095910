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
};

#endif
