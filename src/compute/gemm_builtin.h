/* SPDX-License-Identifier: MIT */
/*
 * Internal: the pieces of the builtin GEMM body (compute/gemm_builtin.c) and its per-ISA micro-kernels
 * (compute/gemm_kernel_*.c). Never installed.
 *
 * A micro-kernel computes one MR x NR tile of C:
 *
 *   C[r][j] = alpha * sum_p a(r, p) * b[p * NR + j] + beta * C[r][j]      (r < m, j < n)
 *
 * where a(r, p) = a[r * rsa + p * csa] (a packed panel has rsa = 1, csa = MR; the direct paths pass the
 * caller's strides) and b is a packed K x NR panel (row stride NR, zero padded past the last column).
 * All MR rows of `a` must be readable; only the first m rows and n columns of C are touched. When
 * beta == 0, C is not read.
 */
#ifndef NNB_COMPUTE_GEMM_BUILTIN_H
#define NNB_COMPUTE_GEMM_BUILTIN_H

#include <stddef.h>

#include "compute/gemm_blocks.h"
#include "compute/gemm_body.h"

typedef void (*nnb__gemm_ukernel_fn)(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c,
                                     size_t ldc, float alpha, float beta, size_t m, size_t n);

/* dst[p * dld + r] = src[r * ld + p] for r < rows (a multiple of 4), p < kc. */
typedef void (*nnb__gemm_transpose_fn)(size_t rows, size_t kc, const float *src, size_t ld, float *dst, size_t dld);

typedef struct nnb__gemm_kernel {
    const char *name;
    unsigned id;       /* 0 generic, 1 AVX2, 2 AVX-512: the slot of its cached blocks */
    size_t mr, nr;     /* register tile */
    size_t mc, kc, nc; /* cache blocks when the caches are unknown: A block mc x kc (L2), B panel kc x nr (L1),
                          B block kc x nc (see compute/gemm_blocks.h for the blocks derived at run time) */
    nnb__gemm_ukernel_fn ukr;
    nnb__gemm_transpose_fn transpose; /* packs full panels of row-major A / transposed B; NULL: plain C */
} nnb__gemm_kernel;

/* Upper bounds over all kernels (sizes of the stack buffers of the direct path). */
#define NNB__GEMM_MR_MAX 16u
#define NNB__GEMM_NR_MAX 32u

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#    define NNB__GEMM_X86 1
extern const nnb__gemm_kernel nnb__gemm_kernel_avx512;
extern const nnb__gemm_kernel nnb__gemm_kernel_avx2;
#endif

/*
 * The cache blocks of variant `index` of nnb__gemm_builtin_variants (0 generic, 1 AVX2, 2 AVX-512): the
 * NNB_GEMM_BLOCKS override, else the model's (compute/gemm_blocks.h), else the kernel's fixed ones; computed
 * once per process. *mr, *nr: its register tile. Returns 0 for an index this build or CPU lacks.
 */
int nnb__gemm_builtin_blocks(size_t index, nnb__gemm_blocks *out, size_t *mr, size_t *nr);

#endif
