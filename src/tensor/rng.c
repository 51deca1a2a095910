/* SPDX-License-Identifier: MIT */
/*
 * MT19937 with NumPy's legacy seeding, doubles and polar-method normals (see rng.h and the book's
 * reference notes). Every step is written to give the same bits as numpy's RandomState.
 */
#include <math.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "nnbasics/rng.h"

#define MT_N 624u
#define MT_M 397u
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

struct nnb_rng {
    uint32_t key[MT_N];
    size_t pos;
    int has_gauss;
    double gauss;
};

static void seed_state(nnb_rng *rng, uint32_t seed)
{
    rng->key[0] = seed;
    for (uint32_t i = 1; i < MT_N; ++i) {
        uint32_t prev = rng->key[i - 1];
        rng->key[i] = 1812433253u * (prev ^ (prev >> 30)) + i;
    }
    rng->pos = MT_N;
    rng->has_gauss = 0;
    rng->gauss = 0.0;
}

static void regenerate(nnb_rng *rng)
{
    for (size_t k = 0; k < MT_N; ++k) {
        uint32_t y = (rng->key[k] & MT_UPPER) | (rng->key[(k + 1) % MT_N] & MT_LOWER);
        rng->key[k] = rng->key[(k + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? MT_MATRIX_A : 0u);
    }
    rng->pos = 0;
}

nnb_status nnb_rng_create(nnb_rng **out, uint32_t seed)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_rng *rng = nnb__malloc(sizeof *rng);
    if (rng == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    seed_state(rng, seed);
    *out = rng;
    return NNB_OK;
}

void nnb_rng_destroy(nnb_rng *rng)
{
    nnb__free(rng);
}

nnb_status nnb_rng_clone(nnb_rng **out, const nnb_rng *rng)
{
    if (out == NULL || rng == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_rng *copy = nnb__malloc(sizeof *copy);
    if (copy == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    memcpy(copy, rng, sizeof *copy);
    *out = copy;
    return NNB_OK;
}

nnb_status nnb_rng_seed(nnb_rng *rng, uint32_t seed)
{
    if (rng == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    seed_state(rng, seed);
    return NNB_OK;
}

uint32_t nnb_rng_u32(nnb_rng *rng)
{
    if (rng == NULL) {
        return 0;
    }
    if (rng->pos == MT_N) {
        regenerate(rng);
    }
    uint32_t y = rng->key[rng->pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double nnb_rng_uniform(nnb_rng *rng)
{
    if (rng == NULL) {
        return 0.0;
    }
    uint32_t a = nnb_rng_u32(rng) >> 5; /* top 27 bits */
    uint32_t b = nnb_rng_u32(rng) >> 6; /* top 26 bits */
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

double nnb_rng_normal(nnb_rng *rng)
{
    if (rng == NULL) {
        return 0.0;
    }
    if (rng->has_gauss) {
        double cached = rng->gauss;
        rng->has_gauss = 0;
        rng->gauss = 0.0;
        return cached;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * nnb_rng_uniform(rng) - 1.0;
        x2 = 2.0 * nnb_rng_uniform(rng) - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    double f = sqrt(-2.0 * log(r2) / r2);
    /* numpy returns the second uniform's deviate first and keeps the first one for the next call. */
    rng->gauss = f * x1;
    rng->has_gauss = 1;
    return f * x2;
}

nnb_status nnb_rng_fill_normal(nnb_rng *rng, float *out, size_t n, float scale)
{
    if (rng == NULL || (out == NULL && n > 0)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!isfinite(scale)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    for (size_t i = 0; i < n; ++i) {
        float g = (float)nnb_rng_normal(rng);
        out[i] = scale * g;
    }
    return NNB_OK;
}

nnb_status nnb_rng_below(nnb_rng *rng, uint32_t bound, uint32_t *out)
{
    if (rng == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (bound == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    /* Reject the top partial block of 2^32 so every residue is equally likely. */
    uint32_t limit = UINT32_MAX - (UINT32_MAX % bound + 1u) % bound;
    uint32_t r;
    do {
        r = nnb_rng_u32(rng);
    } while (r > limit);
    *out = r % bound;
    return NNB_OK;
}
