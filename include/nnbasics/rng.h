/* SPDX-License-Identifier: MIT */
/**
 * @file rng.h
 * @brief An explicit random generator that reproduces NumPy's legacy stream bit for bit.
 *
 * The generator is MT19937 seeded like np.random.seed(s) for an integer s, with the legacy
 * random_sample() doubles and the legacy polar-method randn() normals, including the cached second
 * normal. With seed 0 the same calls give the same numbers as the book's Python code, so every printed
 * number of the book can be reproduced in C. There is no hidden global generator: every function that
 * needs randomness takes an nnb_rng.
 *
 * Thread safety: a generator is mutable state; use one per thread or lock.
 */
#ifndef NNB_RNG_H
#define NNB_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An MT19937 generator with numpy's legacy seeding and normals. Opaque. */
typedef struct nnb_rng nnb_rng;

/**
 * Creates a generator seeded with `seed` (as np.random.seed(seed)).
 * @param out receives the generator (owned by the caller; nnb_rng_destroy). Untouched on failure.
 * @param seed the seed.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_rng_create(nnb_rng **out, uint32_t seed);

/**
 * Releases a generator.
 * @param rng the generator, or NULL (ignored).
 */
NNB_API void nnb_rng_destroy(nnb_rng *rng);

/**
 * Creates an independent copy with the same state (same future stream).
 * @param out receives the copy (owned by the caller; nnb_rng_destroy). Untouched on failure.
 * @param rng the generator to copy (not advanced).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_rng_clone(nnb_rng **out, const nnb_rng *rng);

/**
 * Re-seeds (as np.random.seed(seed)); clears the cached normal.
 * @param rng the generator.
 * @param seed the seed.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_rng_seed(nnb_rng *rng, uint32_t seed);

/**
 * Next raw 32-bit MT19937 output.
 * @param rng the generator; must not be NULL.
 * @return the output (0 if rng is NULL).
 */
NNB_API uint32_t nnb_rng_u32(nnb_rng *rng);

/**
 * Next uniform double in [0, 1) (np.random.random_sample).
 * @param rng the generator; must not be NULL.
 * @return the number (0 if rng is NULL).
 */
NNB_API double nnb_rng_uniform(nnb_rng *rng);

/**
 * Next standard normal (np.random.randn, legacy polar method).
 * @param rng the generator; must not be NULL.
 * @return the number (0 if rng is NULL).
 */
NNB_API double nnb_rng_normal(nnb_rng *rng);

/**
 * Fills out[0..n-1] with scale * N(0,1) the way nnfs does: each normal is rounded to float32 and the
 * product fl32(scale) * fl32(g) is formed in float32.
 * @param rng the generator.
 * @param out caller buffer of n floats.
 * @param n number of values.
 * @param scale the factor (finite).
 * @return NNB_OK, NNB_ERR_NULL (n > 0 with NULL out), NNB_ERR_ARGUMENT (scale not finite; nothing drawn).
 */
NNB_API nnb_status nnb_rng_fill_normal(nnb_rng *rng, float *out, size_t n, float scale);

/**
 * A uniformly distributed integer in [0, bound) without modulo bias (rejection sampling on raw draws).
 * @param rng the generator.
 * @param bound the exclusive upper bound (> 0).
 * @param out receives the integer.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (bound is 0).
 */
NNB_API nnb_status nnb_rng_below(nnb_rng *rng, uint32_t bound, uint32_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NNB_RNG_H */
