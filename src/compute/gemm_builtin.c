/* SPDX-License-Identifier: MIT */
/*
 * The builtin GEMM body: packed, cache-blocked, register-tiled SIMD kernels chosen at run time.
 *
 * Two paths, both ending in the same micro-kernel (see compute/gemm_builtin.h):
 *
 *   packed  - for larger problems. Loops jc (NC columns) > pc (KC of k) > ic (MC rows) > jr (NR) > ir (MR).
 *             op(B) is packed once per (jc, pc) into kc x NR panels (one panel stays in L1 while the
 *             kernel sweeps the A block), op(A) once per (pc, ic) into kc x MR panels (the block stays in
 *             L2). Packing reads op(A)/op(B), so the kernel never sees a transpose. The buffers come from
 *             the allocator hook, one block per call, taken in the calling thread.
 *   direct  - for small or skinny problems, and whenever that allocation fails. Only one kc x NR panel of
 *             op(B) is packed, into a stack buffer; the kernel reads A in place through its strides (a
 *             bottom edge of fewer than MR rows is copied to a zero-padded stack panel first). No heap.
 *
 * Large problems are split over threads (nnb_get_num_threads(), at least THREAD_MIN_FLOP each) along the
 * longer of M and N, in whole tiles; every part is an independent GEMM on disjoint columns or rows of C. The
 * parts run on the compute layer's persistent workers (compute/pool.h); nothing here keeps state between calls.
 *
 * The cache blocks (mc, kc, nc) come from the CPU's caches through the model of compute/gemm_blocks.h, once
 * per process and kernel, or from NNB_GEMM_BLOCKS; the kernels' own constants are used when no cache size
 * can be read.
 *
 * beta is applied on the first k block only (later blocks accumulate with beta = 1); with beta == 0 C is
 * never read. Rounding differs from the naive body (float accumulation, fused multiply-adds): the documented
 * tolerance is 1e-5 * sum |a * b|.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "compute/gemm_builtin.h"
#include "compute/isa.h"
#include "compute/pool.h"

/* Direct path: largest k block held in the stack panels (kc x NR_MAX of B, kc x MR_MAX of A). */
#define DIRECT_KC 256u
/* Problems with M * N * K up to this many multiply-adds, or at most this many columns, go direct. */
#define DIRECT_MAX_MNK (96u * 96u * 96u)
#define DIRECT_MAX_N 64u
/* Minimum work (flops) that justifies one more thread, and the most parts a call is split into. */
#define THREAD_MIN_FLOP 6.0e6
#define MAX_PARTS 64u

/* ---- portable kernel ---------------------------------------------------------------------------------- */

#define GEN_MR 4
#define GEN_NR 8

/* C += alpha * acc (+ beta * C) for the first m rows and n columns of a GEN_MR x GEN_NR tile. */
static void store_generic(const float acc[GEN_MR][GEN_NR], float *c, size_t ldc, float alpha, float beta, size_t m,
                          size_t n)
{
    for (size_t r = 0; r < m; ++r) {
        float *crow = c + r * ldc;
        if (beta != 0.0f) {
            for (size_t j = 0; j < n; ++j) {
                crow[j] = alpha * acc[r][j] + beta * crow[j];
            }
        } else {
            for (size_t j = 0; j < n; ++j) {
                crow[j] = alpha * acc[r][j];
            }
        }
    }
}

#if defined(__GNUC__) || defined(__clang__)
/* Four-float vectors of the compiler's generic vector extension (SSE2, NEON, or scalar code elsewhere); the
 * accumulators are spelt out so that the compiler keeps them in registers and vectorises along j. */
typedef float v4f __attribute__((vector_size(16)));

static void ukr_generic(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                        float alpha, float beta, size_t m, size_t n)
{
    v4f c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0}, c30 = {0}, c31 = {0};
    for (size_t p = 0; p < k; ++p) {
        v4f b0, b1;
        memcpy(&b0, b, sizeof b0);
        memcpy(&b1, b + 4, sizeof b1);
        v4f a0 = {a[0], a[0], a[0], a[0]};
        v4f a1 = {a[rsa], a[rsa], a[rsa], a[rsa]};
        v4f a2 = {a[2 * rsa], a[2 * rsa], a[2 * rsa], a[2 * rsa]};
        v4f a3 = {a[3 * rsa], a[3 * rsa], a[3 * rsa], a[3 * rsa]};
        c00 += a0 * b0;
        c01 += a0 * b1;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c30 += a3 * b0;
        c31 += a3 * b1;
        a += csa;
        b += GEN_NR;
    }
    float acc[GEN_MR][GEN_NR];
    memcpy(&acc[0][0], &c00, sizeof c00);
    memcpy(&acc[0][4], &c01, sizeof c01);
    memcpy(&acc[1][0], &c10, sizeof c10);
    memcpy(&acc[1][4], &c11, sizeof c11);
    memcpy(&acc[2][0], &c20, sizeof c20);
    memcpy(&acc[2][4], &c21, sizeof c21);
    memcpy(&acc[3][0], &c30, sizeof c30);
    memcpy(&acc[3][4], &c31, sizeof c31);
    store_generic((const float(*)[GEN_NR])acc, c, ldc, alpha, beta, m, n);
}
#else
static void ukr_generic(size_t k, const float *a, size_t rsa, size_t csa, const float *b, float *c, size_t ldc,
                        float alpha, float beta, size_t m, size_t n)
{
    float acc[GEN_MR][GEN_NR];
    memset(acc, 0, sizeof acc);
    for (size_t p = 0; p < k; ++p) {
        for (size_t r = 0; r < GEN_MR; ++r) {
            float av = a[r * rsa];
            for (size_t j = 0; j < GEN_NR; ++j) {
                acc[r][j] += av * b[j];
            }
        }
        a += csa;
        b += GEN_NR;
    }
    store_generic((const float(*)[GEN_NR])acc, c, ldc, alpha, beta, m, n);
}
#endif

static const nnb__gemm_kernel g_kernel_generic = {"generic", 0, GEN_MR, GEN_NR, 128, 256, 2048, ukr_generic, NULL};

/* ---- cache blocks ------------------------------------------------------------------------------------- */

/*
 * The blocks of each kernel, packed as mc | kc << 21 | nc << 42 (each below 2^21; 0: not yet computed). A
 * cached hardware fact, not a setting: whichever thread computes it first stores it, and every thread
 * computes the same value (from the same caches and the same NNB_GEMM_BLOCKS), so a race only repeats work.
 */
static atomic_uint_fast64_t g_blocks[3];

#define BLOCK_BITS 21u
#define BLOCK_MASK ((UINT64_C(1) << BLOCK_BITS) - 1u)

static nnb__gemm_blocks compute_blocks(const nnb__gemm_kernel *kd)
{
    nnb__gemm_blocks b = {kd->mc, kd->kc, kd->nc};
    if (!nnb__gemm_blocks_parse(getenv("NNB_GEMM_BLOCKS"), kd->mr, kd->nr, &b)) {
        nnb__cache_info ci;
        nnb__cache_detect(&ci);
        (void)nnb__gemm_blocks_model(&ci, kd->mr, kd->nr, &b); /* keeps the fixed blocks when it returns 0 */
    }
    return b;
}

static nnb__gemm_blocks kernel_blocks(const nnb__gemm_kernel *kd)
{
    uint_fast64_t packed = atomic_load_explicit(&g_blocks[kd->id], memory_order_relaxed);
    if (packed == 0) {
        nnb__gemm_blocks b = compute_blocks(kd);
        packed = (uint_fast64_t)b.mc | (uint_fast64_t)b.kc << BLOCK_BITS | (uint_fast64_t)b.nc << (2u * BLOCK_BITS);
        atomic_store_explicit(&g_blocks[kd->id], packed, memory_order_relaxed);
    }
    nnb__gemm_blocks b = {(size_t)(packed & BLOCK_MASK), (size_t)(packed >> BLOCK_BITS & BLOCK_MASK),
                          (size_t)(packed >> (2u * BLOCK_BITS) & BLOCK_MASK)};
    return b;
}

/* ---- problem description and packing ------------------------------------------------------------------ */

typedef struct gemm_problem {
    const nnb__gemm_kernel *kd;
    nnb__gemm_blocks bl; /* the kernel's cache blocks */
    nnb_transpose ta, tb;
    size_t M, N, K;
    float alpha, beta;
    const float *A;
    size_t lda;
    const float *B;
    size_t ldb;
    float *C;
    size_t ldc;
    float *ap; /* packing buffers for this part (NULL: direct path) */
    float *bp;
} gemm_problem;

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t round_up(size_t x, size_t to)
{
    return (x + to - 1u) / to * to;
}

/* Size of the blocks that split `total` into the fewest pieces of at most `limit`, as evenly as `align`
 * (which divides `limit`) allows. */
static size_t even_block(size_t total, size_t limit, size_t align)
{
    size_t pieces = (total + limit - 1u) / limit;
    return min_size(round_up((total + pieces - 1u) / pieces, align), limit);
}

/* dst[p * dld + r] = src[r * ld + p] for r < rows, p < kc (the portable packing transpose). */
static void transpose_c(size_t rows, size_t kc, const float *src, size_t ld, float *dst, size_t dld)
{
    size_t r = 0;
    for (; r + 4u <= rows; r += 4u) {
        const float *s0 = src + r * ld, *s1 = s0 + ld, *s2 = s1 + ld, *s3 = s2 + ld;
        for (size_t p = 0; p < kc; ++p) {
            float *d = dst + p * dld + r;
            d[0] = s0[p];
            d[1] = s1[p];
            d[2] = s2[p];
            d[3] = s3[p];
        }
    }
    for (; r < rows; ++r) {
        for (size_t p = 0; p < kc; ++p) {
            dst[p * dld + r] = src[r * ld + p];
        }
    }
}

/* Packs rows [i0, i0 + mc) x k [p0, p0 + kc) of op(A) into MR-row panels (kc x MR each, zero padded). */
static void pack_a(const gemm_problem *g, size_t i0, size_t mc, size_t p0, size_t kc, float *dst)
{
    const size_t MR = g->kd->mr;
    for (size_t ip = 0; ip < mc; ip += MR) {
        size_t mr = min_size(MR, mc - ip);
        if (g->ta == NNB_NO_TRANS) {
            const float *src = g->A + (i0 + ip) * g->lda + p0;
            if (mr == MR && g->kd->transpose != NULL) {
                g->kd->transpose(MR, kc, src, g->lda, dst, MR);
            } else if (mr == MR) {
                transpose_c(MR, kc, src, g->lda, dst, MR);
            } else {
                for (size_t p = 0; p < kc; ++p) {
                    for (size_t r = 0; r < mr; ++r) {
                        dst[p * MR + r] = src[r * g->lda + p];
                    }
                    for (size_t r = mr; r < MR; ++r) {
                        dst[p * MR + r] = 0.0f;
                    }
                }
            }
        } else {
            const float *src = g->A + p0 * g->lda + i0 + ip;
            for (size_t p = 0; p < kc; ++p) {
                memcpy(dst + p * MR, src + p * g->lda, mr * sizeof(float));
                for (size_t r = mr; r < MR; ++r) {
                    dst[p * MR + r] = 0.0f;
                }
            }
        }
        dst += kc * MR;
    }
}

/* Packs k [p0, p0 + kc) x columns [j0, j0 + nc) of op(B) into NR-column panels (kc x NR, zero padded). */
static void pack_b(const gemm_problem *g, size_t p0, size_t kc, size_t j0, size_t nc, float *dst)
{
    const size_t NR = g->kd->nr;
    for (size_t jp = 0; jp < nc; jp += NR) {
        size_t nr = min_size(NR, nc - jp);
        if (g->tb == NNB_NO_TRANS) {
            const float *src = g->B + p0 * g->ldb + j0 + jp;
            for (size_t p = 0; p < kc; ++p) {
                memcpy(dst + p * NR, src + p * g->ldb, nr * sizeof(float));
                for (size_t j = nr; j < NR; ++j) {
                    dst[p * NR + j] = 0.0f;
                }
            }
        } else {
            const float *src = g->B + (j0 + jp) * g->ldb + p0;
            size_t n4 = g->kd->transpose != NULL ? nr / 4u * 4u : 0u;
            if (n4 > 0) {
                g->kd->transpose(n4, kc, src, g->ldb, dst, NR);
            }
            transpose_c(nr - n4, kc, src + n4 * g->ldb, g->ldb, dst + n4, NR);
            if (nr < NR) {
                for (size_t p = 0; p < kc; ++p) {
                    for (size_t j = nr; j < NR; ++j) {
                        dst[p * NR + j] = 0.0f;
                    }
                }
            }
        }
        dst += kc * NR;
    }
}

/* ---- the two paths ------------------------------------------------------------------------------------ */

static void gemm_direct(const gemm_problem *g)
{
    _Alignas(64) float bpanel[DIRECT_KC * NNB__GEMM_NR_MAX];
    _Alignas(64) float aedge[DIRECT_KC * NNB__GEMM_MR_MAX];
    const nnb__gemm_kernel *kd = g->kd;
    const size_t MR = kd->mr, NR = kd->nr;
    const size_t m_full = g->M / MR * MR;
    const size_t rsa = g->ta == NNB_NO_TRANS ? g->lda : 1u;
    const size_t csa = g->ta == NNB_NO_TRANS ? 1u : g->lda;

    for (size_t p0 = 0; p0 < g->K; p0 += DIRECT_KC) {
        size_t kc = min_size(DIRECT_KC, g->K - p0);
        float beta = p0 == 0 ? g->beta : 1.0f;
        if (m_full < g->M) {
            pack_a(g, m_full, g->M - m_full, p0, kc, aedge);
        }
        for (size_t j0 = 0; j0 < g->N; j0 += NR) {
            size_t nr = min_size(NR, g->N - j0);
            pack_b(g, p0, kc, j0, nr, bpanel);
            float *c = g->C + j0;
            const float *a = g->ta == NNB_NO_TRANS ? g->A + p0 : g->A + p0 * g->lda;
            for (size_t i0 = 0; i0 < m_full; i0 += MR) {
                kd->ukr(kc, a + i0 * rsa, rsa, csa, bpanel, c + i0 * g->ldc, g->ldc, g->alpha, beta, MR, nr);
            }
            if (m_full < g->M) {
                kd->ukr(kc, aedge, 1, MR, bpanel, c + m_full * g->ldc, g->ldc, g->alpha, beta, g->M - m_full, nr);
            }
        }
    }
}

/* Packing buffer sizes (floats) for a part of M x N x K; both multiples of 16 so that bp stays aligned. */
static size_t ap_floats(const gemm_problem *g, size_t M, size_t K)
{
    return round_up(min_size(g->bl.mc, round_up(M, g->kd->mr)) * min_size(g->bl.kc, K), 16u);
}

static size_t bp_floats(const gemm_problem *g, size_t N, size_t K)
{
    return round_up(min_size(g->bl.nc, round_up(N, g->kd->nr)) * min_size(g->bl.kc, K), 16u);
}

static void gemm_packed(const gemm_problem *g)
{
    const nnb__gemm_kernel *kd = g->kd;
    const size_t MR = kd->mr, NR = kd->nr;
    /* Equal blocks (no thin remainder block), within the kernel's limits. */
    const size_t KC = even_block(g->K, g->bl.kc, 8u), MC = even_block(g->M, g->bl.mc, MR);
    for (size_t jc = 0; jc < g->N; jc += g->bl.nc) {
        size_t nc = min_size(g->bl.nc, g->N - jc);
        for (size_t pc = 0; pc < g->K; pc += KC) {
            size_t kc = min_size(KC, g->K - pc);
            float beta = pc == 0 ? g->beta : 1.0f;
            pack_b(g, pc, kc, jc, nc, g->bp);
            for (size_t ic = 0; ic < g->M; ic += MC) {
                size_t mc = min_size(MC, g->M - ic);
                pack_a(g, ic, mc, pc, kc, g->ap);
                for (size_t jr = 0; jr < nc; jr += NR) {
                    size_t nr = min_size(NR, nc - jr);
                    const float *b = g->bp + jr * kc;
                    float *c = g->C + ic * g->ldc + jc + jr;
                    for (size_t ir = 0; ir < mc; ir += MR) {
                        kd->ukr(kc, g->ap + ir * kc, 1, MR, b, c + ir * g->ldc, g->ldc, g->alpha, beta,
                                min_size(MR, mc - ir), nr);
                    }
                }
            }
        }
    }
}

static int wants_direct(const gemm_problem *g)
{
    return g->N <= DIRECT_MAX_N || (double)g->M * (double)g->N * (double)g->K <= (double)DIRECT_MAX_MNK;
}

static void run_part(const gemm_problem *g)
{
    if (g->ap != NULL) {
        gemm_packed(g);
    } else {
        gemm_direct(g);
    }
}

/* ---- entry points ------------------------------------------------------------------------------------- */

/* How a call is carried out: its parts (one per thread) and the packing floats each part needs. */
typedef struct gemm_plan {
    gemm_problem part[MAX_PARTS];
    size_t parts;
    size_t a_floats; /* per part: packed A block (0: direct path) */
    size_t per_part; /* per part: packed A block + packed B panel */
} gemm_plan;

static void run_plan_part(void *plan, size_t t)
{
    run_part(&((const gemm_plan *)plan)->part[t]);
}

static void plan_gemm(gemm_plan *p, const nnb__gemm_kernel *kd, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                      size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                      float *C, size_t ldc)
{
    gemm_problem whole = {kd, {0, 0, 0}, ta, tb, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, NULL, NULL};

    /* How many parts: enough work for each, at least one tile each, within the thread setting. */
    double flop = 2.0 * (double)M * (double)N * (double)K;
    int split_n = N >= M;
    size_t units = split_n ? (N + kd->nr - 1u) / kd->nr : (M + kd->mr - 1u) / kd->mr;
    /* Small problems never ask for the thread count (resolving the default costs a system call). */
    size_t parts = flop < 2.0 * THREAD_MIN_FLOP ? 1u : nnb_get_num_threads();
    parts = min_size(parts, MAX_PARTS);
    parts = min_size(parts, units);
    if (flop < THREAD_MIN_FLOP * (double)parts) {
        parts = flop < 2.0 * THREAD_MIN_FLOP ? 1u : (size_t)(flop / THREAD_MIN_FLOP);
    }
    p->parts = parts;
    for (size_t t = 0; t < parts; ++t) {
        size_t u0 = units * t / parts, u1 = units * (t + 1u) / parts;
        p->part[t] = whole;
        if (split_n) {
            size_t j0 = u0 * kd->nr, j1 = min_size(u1 * kd->nr, N);
            p->part[t].N = j1 - j0;
            if (C != NULL) { /* NULL operands: sizing only (nnb__gemm_builtin_scratch_bytes) */
                p->part[t].B = tb == NNB_NO_TRANS ? B + j0 : B + j0 * ldb;
                p->part[t].C = C + j0;
            }
        } else {
            size_t i0 = u0 * kd->mr, i1 = min_size(u1 * kd->mr, M);
            p->part[t].M = i1 - i0;
            if (C != NULL) {
                p->part[t].A = ta == NNB_NO_TRANS ? A + i0 * lda : A + i0;
                p->part[t].C = C + i0 * ldc;
            }
        }
    }
    p->a_floats = 0;
    p->per_part = 0;
    if (!wants_direct(&whole)) {
        size_t b_floats = 0;
        nnb__gemm_blocks bl = kernel_blocks(kd);
        for (size_t t = 0; t < parts; ++t) {
            p->part[t].bl = bl;
            size_t af = ap_floats(&p->part[t], p->part[t].M, K), bf = bp_floats(&p->part[t], p->part[t].N, K);
            p->a_floats = p->a_floats > af ? p->a_floats : af;
            b_floats = b_floats > bf ? b_floats : bf;
        }
        p->per_part = p->a_floats + b_floats;
    }
}

/* Bytes of packing memory the plan needs (0 for the direct path); SIZE_MAX if that overflows. */
static size_t plan_bytes(const gemm_plan *p)
{
    size_t total = 0;
    if (p->per_part != 0 && nnb__mul3_size(p->per_part, p->parts, sizeof(float), &total) != NNB_OK) {
        return SIZE_MAX;
    }
    return total;
}

/*
 * Runs the plan. Packing memory comes from `scratch` when it holds enough (64-byte aligned, as from
 * nnb__aligned_alloc), else from one heap block taken here; without either, every part goes direct.
 */
static void run_plan(gemm_plan *p, const nnb__gemm_scratch *scratch)
{
    float *block = NULL, *owned = NULL;
    size_t bytes = plan_bytes(p);
    if (bytes != 0 && bytes != SIZE_MAX) {
        if (scratch != NULL && scratch->data != NULL && scratch->bytes >= bytes) {
            block = scratch->data;
        } else {
            block = owned = nnb__aligned_alloc(bytes);
        }
        if (block != NULL) {
            for (size_t t = 0; t < p->parts; ++t) {
                p->part[t].ap = block + t * p->per_part;
                p->part[t].bp = p->part[t].ap + p->a_floats;
            }
        }
    }

    nnb__pool_run(p->parts, run_plan_part, p);
    nnb__aligned_free(owned);
}

static void gemm_run(const nnb__gemm_kernel *kd, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K,
                     float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                     size_t ldc)
{
    gemm_plan plan;
    plan_gemm(&plan, kd, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    run_plan(&plan, NULL);
}

/* The kernel of the ISA level in use (compute/isa.h); *level: 0 generic, 1 AVX2, 2 AVX-512. */
static const nnb__gemm_kernel *best_kernel(size_t *level)
{
    *level = 0;
#if defined(NNB__GEMM_X86)
    switch (nnb__isa_level()) {
    case NNB__ISA_AVX512: *level = 2; return &nnb__gemm_kernel_avx512;
    case NNB__ISA_AVX2: *level = 1; return &nnb__gemm_kernel_avx2;
    case NNB__ISA_PORTABLE:
    default: break;
    }
#endif
    return &g_kernel_generic;
}

void nnb__gemm_builtin(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                       size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    size_t level;
    gemm_run(best_kernel(&level), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void nnb__gemm_builtin_ws(const nnb__gemm_scratch *scratch, nnb_transpose ta, nnb_transpose tb, size_t M, size_t N,
                          size_t K, float alpha, const float *A, size_t lda, const float *B, size_t ldb, float beta,
                          float *C, size_t ldc)
{
    size_t level;
    gemm_plan plan;
    plan_gemm(&plan, best_kernel(&level), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    run_plan(&plan, scratch);
}

size_t nnb__gemm_builtin_scratch_bytes(size_t M, size_t N, size_t K)
{
    size_t level;
    gemm_plan plan;
    /* Only the shape matters for the plan's sizes; no operand is touched. */
    plan_gemm(&plan, best_kernel(&level), NNB_NO_TRANS, NNB_NO_TRANS, M, N, K, 1.0f, NULL, K, NULL, N, 0.0f, NULL, N);
    return plan_bytes(&plan);
}

static void gemm_builtin_generic(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                                 const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                                 size_t ldc)
{
    gemm_run(&g_kernel_generic, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

#if defined(NNB__GEMM_X86)
static void gemm_builtin_avx2(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                              const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    gemm_run(&nnb__gemm_kernel_avx2, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

static void gemm_builtin_avx512(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                                const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C,
                                size_t ldc)
{
    gemm_run(&nnb__gemm_kernel_avx512, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
#endif

static const nnb__gemm_body g_variants[] = {
    {"builtin-generic", gemm_builtin_generic},
#if defined(NNB__GEMM_X86)
    {"builtin-avx2", gemm_builtin_avx2},
    {"builtin-avx512", gemm_builtin_avx512},
#endif
};

int nnb__gemm_builtin_blocks(size_t index, nnb__gemm_blocks *out, size_t *mr, size_t *nr)
{
    size_t level;
    (void)best_kernel(&level);
    const nnb__gemm_kernel *kd = NULL;
    if (index == 0) {
        kd = &g_kernel_generic;
    }
#if defined(NNB__GEMM_X86)
    if (index == 1 && level >= 1) {
        kd = &nnb__gemm_kernel_avx2;
    } else if (index == 2 && level >= 2) {
        kd = &nnb__gemm_kernel_avx512;
    }
#endif
    if (kd == NULL) {
        return 0;
    }
    *out = kernel_blocks(kd);
    *mr = kd->mr;
    *nr = kd->nr;
    return 1;
}

const nnb__gemm_body *nnb__gemm_builtin_variants(size_t *count)
{
    size_t level;
    (void)best_kernel(&level);
    *count = level + 1u;
    return g_variants;
}
