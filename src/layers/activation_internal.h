/* SPDX-License-Identifier: MIT */
/* Internal: the parameter checks of the parameterised activations, shared with the model. Never installed. */
#ifndef NNB_INTERNAL_ACTIVATION_H
#define NNB_INTERNAL_ACTIVATION_H

#include "nnbasics/activation.h"

/* NNB_OK, or NNB_ERR_ARGUMENT with a detail when the leaky ReLU slope is not in [0, 1] (NaN included). */
nnb_status nnb__check_leaky_slope(float slope);

/* NNB_OK, or NNB_ERR_ARGUMENT with a detail when the ELU alpha is not finite and >= 0. */
nnb_status nnb__check_elu_alpha(float alpha);

/* NNB_OK, or NNB_ERR_ARGUMENT with a detail for an unknown GELU approximation. */
nnb_status nnb__check_gelu_approximation(nnb_gelu_approximation approximation);

#endif
