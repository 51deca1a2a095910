/* SPDX-License-Identifier: MIT */
/*
 * Internal: small AVX2 helpers inlined into both the AVX2 and the AVX-512 kernels. Include only from files
 * whose callers run after the ISA check (compute/isa.h). Never installed.
 */
#ifndef NNB_COMPUTE_KERNELS_X86_INLINE_H
#define NNB_COMPUTE_KERNELS_X86_INLINE_H

#include "compute/isa.h"

#if defined(NNB__ISA_X86)
#    include <immintrin.h>

/* The sums of six vectors in lanes 0..5 of one vector (lanes 6, 7: 0), by a tree of horizontal adds. */
__attribute__((target("avx2,fma"))) static inline __m256 reduce6(__m256 v0, __m256 v1, __m256 v2, __m256 v3, __m256 v4,
                                                                 __m256 v5)
{
    const __m256 z = _mm256_setzero_ps();
    __m256 h01 = _mm256_hadd_ps(v0, v1), h23 = _mm256_hadd_ps(v2, v3), h45 = _mm256_hadd_ps(v4, v5);
    __m256 g0 = _mm256_hadd_ps(h01, h23), g1 = _mm256_hadd_ps(h45, z);
    /* g0 = [s0 s1 s2 s3 | s0 s1 s2 s3] halves of each sum (low / high 128-bit lanes); g1 likewise for s4, s5. */
    __m256 lo = _mm256_permute2f128_ps(g0, g1, 0x20), hi = _mm256_permute2f128_ps(g0, g1, 0x31);
    return _mm256_add_ps(lo, hi);
}

#endif

#endif
