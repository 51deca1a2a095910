/* SPDX-License-Identifier: MIT */
/**
 * @file init.h
 * @brief Weight and bias initializers for dense layers: the book's 0.01 * randn, He/Kaiming and
 *        Glorot/Xavier (normal and uniform), biases at zero or a constant.
 *
 * Every initializer draws from an explicit generator (rng.h), so a run is reproducible from its seed.
 * With fan_in = n_inputs and fan_out = n_neurons of the layer:
 * @verbatim
   NNB_INIT_SCALED_NORMAL   w = fl32(scale) * fl32(randn)             (the book: scale 0.01)
   NNB_INIT_HE_NORMAL       w = fl32(sqrt(2 / fan_in)) * fl32(randn)
   NNB_INIT_HE_UNIFORM      w = U(-limit, limit),  limit = sqrt(6 / fan_in)
   NNB_INIT_GLOROT_NORMAL   w = fl32(sqrt(2 / (fan_in + fan_out))) * fl32(randn)
   NNB_INIT_GLOROT_UNIFORM  w = U(-limit, limit),  limit = sqrt(6 / (fan_in + fan_out))
   biases                   b = bias (0 by default)
   @endverbatim
 * Normals are plain (not truncated) and drawn with nnb_rng_fill_normal, one per weight in row-major
 * order; a uniform weight is fl32((2 u - 1) * limit) with u = nnb_rng_uniform, one per weight in
 * row-major order, so |w| <= fl32(limit). NNB_INIT_SCALED_NORMAL with scale 0.01 and bias 0 draws exactly
 * what nnb_dense_create draws with NNB_DENSE_DEFAULT_INIT_SCALE. Biases draw nothing.
 */
#ifndef NNB_INIT_H
#define NNB_INIT_H

#include <stddef.h>

#include "nnbasics/dense.h"
#include "nnbasics/export.h"
#include "nnbasics/rng.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Weight initializers (append-only values). */
typedef enum nnb_init_kind {
    NNB_INIT_SCALED_NORMAL = 0, /**< scale * randn, the book's (scale 0.01) */
    NNB_INIT_HE_NORMAL = 1,     /**< He/Kaiming normal: std sqrt(2 / fan_in) */
    NNB_INIT_HE_UNIFORM = 2,    /**< He/Kaiming uniform: limit sqrt(6 / fan_in) */
    NNB_INIT_GLOROT_NORMAL = 3, /**< Glorot/Xavier normal: std sqrt(2 / (fan_in + fan_out)) */
    NNB_INIT_GLOROT_UNIFORM = 4 /**< Glorot/Xavier uniform: limit sqrt(6 / (fan_in + fan_out)) */
} nnb_init_kind;

/** How a dense layer's parameters start (a small parameter struct: fill it from nnb_init_default). */
typedef struct nnb_init {
    nnb_init_kind weights; /**< the weight initializer */
    float scale;           /**< NNB_INIT_SCALED_NORMAL: the factor (finite); ignored by the others */
    float bias;            /**< every bias starts at this value (finite; 0 = zeros) */
} nnb_init;

/**
 * The book's initialization: NNB_INIT_SCALED_NORMAL with scale NNB_DENSE_DEFAULT_INIT_SCALE, biases 0.
 * @return the descriptor.
 */
NNB_API nnb_init nnb_init_default(void);

/**
 * A descriptor for `kind` with biases 0 (scale NNB_DENSE_DEFAULT_INIT_SCALE for NNB_INIT_SCALED_NORMAL).
 * @param kind the weight initializer.
 * @return the descriptor (an unknown kind is kept and rejected by the functions that use it).
 */
NNB_API nnb_init nnb_init_of(nnb_init_kind kind);

/**
 * The standard deviation of the weights `init` draws for a layer of fan_in inputs and fan_out neurons:
 * the normal's std, or limit / sqrt(3) for the uniform ones.
 * @param init the descriptor.
 * @param fan_in inputs of the layer (> 0).
 * @param fan_out neurons of the layer (> 0).
 * @param out receives the standard deviation; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL (init or out), NNB_ERR_ARGUMENT (unknown kind, a fan 0, scale or bias not
 *         finite).
 */
NNB_API nnb_status nnb_init_std(const nnb_init *init, size_t fan_in, size_t fan_out, double *out);

/**
 * Fills a weight array and a bias array as `init` says.
 * @param rng the generator the weights are drawn from (advanced by fan_in * fan_out draws).
 * @param init the descriptor.
 * @param fan_in inputs of the layer (> 0): the weights have fan_in rows.
 * @param fan_out neurons of the layer (> 0): the weights have fan_out columns, the biases fan_out values.
 * @param weights caller buffer of fan_in * fan_out floats, row-major (written).
 * @param biases caller buffer of fan_out floats (written), or NULL to leave biases alone.
 * @return NNB_OK, NNB_ERR_NULL (rng, init or weights), NNB_ERR_ARGUMENT (as nnb_init_std; nothing drawn or
 *         written), NNB_ERR_OVERFLOW (fan_in * fan_out).
 */
NNB_API nnb_status nnb_init_fill(nnb_rng *rng, const nnb_init *init, size_t fan_in, size_t fan_out, float *weights,
                                 float *biases);

/**
 * Re-initializes a dense layer's weights and biases in place (its shape stays).
 * @param layer the layer.
 * @param rng the generator the weights are drawn from.
 * @param init the descriptor.
 * @return the statuses of nnb_init_fill; the layer is unchanged on failure.
 */
NNB_API nnb_status nnb_dense_init(nnb_dense *layer, nnb_rng *rng, const nnb_init *init);

#ifdef __cplusplus
}
#endif

#endif /* NNB_INIT_H */
