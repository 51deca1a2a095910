/* SPDX-License-Identifier: MIT */
/*
 * Every GEMM body compiled into this build (nnb__gemm_bodies(), and with the builtin backend each of its
 * per-ISA kernels this CPU can run) against a plain double-precision reference: odd and skinny shapes, all
 * four transpose combinations, padded leading dimensions, alpha/beta combinations (beta = 0 over a C full
 * of NaN), thread counts 1 and 2, and a failed allocation of the packing buffers.
 *
 * Tolerance: |c - ref| <= 1e-5 * sum_k |alpha * a_ik * b_kj| + 1e-6 * |beta * c0| (+ a tiny absolute floor).
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compute/gemm_internal.h"
#ifdef NNB_TEST_BUILTIN_VARIANTS
#    include "compute/gemm_builtin.h"
#    include "compute/isa.h"
#endif

/* ---- helpers ------------------------------------------------------------------------------------------ */

static uint64_t g_lcg;

static float next_value(void)
{
    g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(g_lcg >> 40) / (double)(1u << 24) * 2.0 - 1.0);
}

static float *random_matrix(size_t count)
{
    float *x = malloc(count * sizeof(float));
    assert_non_null(x);
    for (size_t i = 0; i < count; ++i) {
        x[i] = next_value();
    }
    return x;
}

typedef struct shape {
    size_t M, K, N;
} shape;

/* The bodies under test: the build's list, then (builtin backend) each kernel variant. */
static size_t collect_bodies(const nnb__gemm_body **out, size_t cap)
{
    size_t count = 0, n;
    const nnb__gemm_body *list = nnb__gemm_bodies(&n);
    for (size_t i = 0; i < n && count < cap; ++i) {
        out[count++] = &list[i];
    }
#ifdef NNB_TEST_BUILTIN_VARIANTS
    list = nnb__gemm_builtin_variants(&n);
    for (size_t i = 0; i < n && count < cap; ++i) {
        out[count++] = &list[i];
    }
#endif
    return count;
}

typedef struct problem {
    shape s;
    nnb_transpose ta, tb;
    size_t lda, ldb, ldc;
    float *A, *B, *C0;
    double *dot, *mag; /* exact sum_k a*b and sum_k |a*b| per element of C */
} problem;

static void problem_init(problem *p, shape s, nnb_transpose ta, nnb_transpose tb, size_t pad)
{
    p->s = s;
    p->ta = ta;
    p->tb = tb;
    size_t a_rows = ta == NNB_NO_TRANS ? s.M : s.K, a_cols = ta == NNB_NO_TRANS ? s.K : s.M;
    size_t b_rows = tb == NNB_NO_TRANS ? s.K : s.N, b_cols = tb == NNB_NO_TRANS ? s.N : s.K;
    p->lda = a_cols + pad;
    p->ldb = b_cols + 2u * pad;
    p->ldc = s.N + 3u * pad;
    p->A = random_matrix(a_rows * p->lda);
    p->B = random_matrix(b_rows * p->ldb);
    p->C0 = random_matrix(s.M * p->ldc);
    p->dot = malloc(s.M * s.N * sizeof(double));
    p->mag = malloc(s.M * s.N * sizeof(double));
    assert_non_null(p->dot);
    assert_non_null(p->mag);
    for (size_t i = 0; i < s.M; ++i) {
        for (size_t j = 0; j < s.N; ++j) {
            double sum = 0.0, mag = 0.0;
            for (size_t k = 0; k < s.K; ++k) {
                double a = ta == NNB_NO_TRANS ? p->A[i * p->lda + k] : p->A[k * p->lda + i];
                double b = tb == NNB_NO_TRANS ? p->B[k * p->ldb + j] : p->B[j * p->ldb + k];
                sum += a * b;
                mag += fabs(a * b);
            }
            p->dot[i * s.N + j] = sum;
            p->mag[i * s.N + j] = mag;
        }
    }
}

static void problem_free(problem *p)
{
    free(p->A);
    free(p->B);
    free(p->C0);
    free(p->dot);
    free(p->mag);
}

/* Runs `body` on the problem with alpha/beta (beta == 0: C starts as NaN) and checks every element of C
 * and that the padding between rows is untouched. */
static void check_body(const nnb__gemm_body *body, const problem *p, float alpha, float beta)
{
    const shape s = p->s;
    size_t c_count = s.M * p->ldc;
    float *C = malloc(c_count * sizeof(float));
    assert_non_null(C);
    for (size_t i = 0; i < c_count; ++i) {
        C[i] = beta == 0.0f ? NAN : p->C0[i];
    }
    /* Padding columns keep a sentinel. */
    for (size_t i = 0; i < s.M; ++i) {
        for (size_t j = s.N; j < p->ldc; ++j) {
            C[i * p->ldc + j] = 12345.0f;
        }
    }
    assert_ok(
        nnb__gemm_checked(body->fn, p->ta, p->tb, s.M, s.N, s.K, alpha, p->A, p->lda, p->B, p->ldb, beta, C, p->ldc));
    for (size_t i = 0; i < s.M; ++i) {
        for (size_t j = 0; j < p->ldc; ++j) {
            double got = C[i * p->ldc + j];
            if (j >= s.N) {
                if (got != 12345.0) {
                    fail_msg("%s: padding C[%zu][%zu] overwritten", body->name, i, j);
                }
                continue;
            }
            double c0 = beta == 0.0f ? 0.0 : (double)p->C0[i * p->ldc + j];
            double want = (double)alpha * p->dot[i * s.N + j] + (double)beta * c0;
            double tol = 1e-5 * fabs((double)alpha) * p->mag[i * s.N + j] + 1e-6 * fabs((double)beta * c0) + 1e-30;
            if (!(fabs(got - want) <= tol)) {
                fail_msg("%s: %zux%zux%zu ta=%d tb=%d lda=%zu ldb=%zu ldc=%zu alpha=%g beta=%g: C[%zu][%zu] = %.9g, "
                         "expected %.9g (tol %.3g)",
                         body->name, s.M, s.K, s.N, (int)p->ta, (int)p->tb, p->lda, p->ldb, p->ldc, (double)alpha,
                         (double)beta, i, j, got, want, tol);
            }
        }
    }
    free(C);
}

static const float g_alpha_beta[][2] = {{1.0f, 0.0f}, {-1.5f, 0.25f}, {0.5f, 1.0f}};

static void check_shapes(const shape *shapes, size_t count)
{
    const nnb__gemm_body *bodies[16];
    size_t nb = collect_bodies(bodies, 16);
    assert_true(nb >= 1); /* naive alone in a naive build; the backend body first otherwise */
    for (size_t si = 0; si < count; ++si) {
        for (int t = 0; t < 4; ++t) {
            nnb_transpose ta = (t & 1) ? NNB_TRANS : NNB_NO_TRANS;
            nnb_transpose tb = (t & 2) ? NNB_TRANS : NNB_NO_TRANS;
            problem p;
            problem_init(&p, shapes[si], ta, tb, (si + (size_t)t) % 2 == 0 ? 0u : 5u);
            for (size_t b = 0; b < nb; ++b) {
                for (size_t ab = 0; ab < sizeof g_alpha_beta / sizeof g_alpha_beta[0]; ++ab) {
                    check_body(bodies[b], &p, g_alpha_beta[ab][0], g_alpha_beta[ab][1]);
                }
            }
            problem_free(&p);
        }
    }
}

/* ---- tests -------------------------------------------------------------------------------------------- */

static void test_gemm_bodies_match_reference_on_tiny_and_degenerate_shapes(void **state)
{
    (void)state;
    g_lcg = 1;
    static const shape shapes[] = {{1, 1, 1}, {1, 17, 100}, {1, 300, 1}, {100, 13, 1}, {2, 3, 2}, {13, 1, 40}};
    check_shapes(shapes, sizeof shapes / sizeof shapes[0]);
}

static void test_gemm_bodies_match_reference_on_odd_and_skinny_shapes(void **state)
{
    (void)state;
    g_lcg = 2;
    /* {5, 7, 300}: wider than the naive body's 256-column strip. */
    static const shape shapes[] = {{37, 53, 71},    {300, 2, 64},  {300, 64, 3},
                                   {1024, 128, 10}, {70, 600, 20}, {5, 7, 300}};
    check_shapes(shapes, sizeof shapes / sizeof shapes[0]);
}

static void test_gemm_bodies_match_reference_on_every_edge_tile(void **state)
{
    (void)state;
    g_lcg = 4;
    /* Every row count of an edge tile (the micro-tiles are 6 or 8 rows tall and 8 or 16 columns wide, more
       with AVX-512) crossed with every column count up to past two tiles, each with all four transpose
       combinations (so every stride pattern of the micro-kernels) and beta zero and nonzero. */
    static const size_t ms[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 17};
    static const size_t ns[] = {1, 2, 3, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 31, 32, 33, 47, 49};
    shape shapes[sizeof ms / sizeof ms[0] * (sizeof ns / sizeof ns[0])];
    size_t count = 0;
    for (size_t i = 0; i < sizeof ms / sizeof ms[0]; ++i) {
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; ++j) {
            shapes[count++] = (shape){ms[i], (i + j) % 2 == 0 ? 3u : 67u, ns[j]};
        }
    }
    check_shapes(shapes, count);
}

#if defined(NNB_TEST_BUILTIN_VARIANTS) && defined(NNB__GEMM_X86)
/*
 * The micro-kernels called directly with each stride pattern they specialise (packed panel, row-major A,
 * transposed A, and general strides, which the driver never passes but the kernels accept), every edge
 * height and width, beta zero and nonzero; against sums in double.
 */
static void check_ukernel(const nnb__gemm_kernel *kr)
{
    enum { K = 5 };
    const size_t mr = kr->mr, nr = kr->nr;
    const size_t pad = 3;
    /* A big enough for the widest strides: rows * (K + pad) or K * (mr + pad). */
    float a[(NNB__GEMM_MR_MAX + 3) * (K + 3) * 2];
    float b[K * NNB__GEMM_NR_MAX];
    float c[NNB__GEMM_MR_MAX * (NNB__GEMM_NR_MAX + 3)];
    for (size_t i = 0; i < sizeof a / sizeof a[0]; ++i) {
        a[i] = next_value();
    }
    for (size_t i = 0; i < sizeof b / sizeof b[0]; ++i) {
        b[i] = next_value();
    }
    const size_t strides[4][2] = {{1, mr}, {K, 1}, {1, mr + pad}, {K + pad, 2}}; /* rsa, csa */
    const size_t ldc = nr + 3;
    for (size_t st = 0; st < 4; ++st) {
        size_t rsa = strides[st][0], csa = strides[st][1];
        for (size_t m = 1; m <= mr; ++m) {
            for (size_t n = 1; n <= nr; ++n) {
                for (int with_beta = 0; with_beta < 2; ++with_beta) {
                    float beta = with_beta ? 0.5f : 0.0f;
                    for (size_t i = 0; i < sizeof c / sizeof c[0]; ++i) {
                        c[i] = with_beta ? (float)(i % 7) - 3.0f : NAN;
                    }
                    kr->ukr(K, a, rsa, csa, b, c, ldc, 2.0f, beta, m, n);
                    for (size_t r = 0; r < mr; ++r) {
                        for (size_t j = 0; j < ldc; ++j) {
                            float got = c[r * ldc + j];
                            float before = with_beta ? (float)((r * ldc + j) % 7) - 3.0f : NAN;
                            if (r >= m || j >= n) {
                                if (!(got == before || (isnan(got) && isnan(before)))) {
                                    fail_msg("%s: C[%zu][%zu] outside the %zux%zu tile written", kr->name, r, j, m, n);
                                }
                                continue;
                            }
                            double sum = 0.0, mag = 0.0;
                            for (size_t p = 0; p < K; ++p) {
                                double t = (double)a[r * rsa + p * csa] * (double)b[p * nr + j];
                                sum += t;
                                mag += fabs(t);
                            }
                            double c0 = with_beta ? (double)before : 0.0; /* NaN when beta == 0: unread */
                            double want = 2.0 * sum + 0.5 * c0;
                            if (!(fabs((double)got - want) <= 1e-5 * (2.0 * mag + fabs(c0)) + 1e-30)) {
                                fail_msg("%s: strides (%zu, %zu) m=%zu n=%zu beta=%g: C[%zu][%zu] = %.9g, want %.9g",
                                         kr->name, rsa, csa, m, n, (double)beta, r, j, (double)got, want);
                            }
                        }
                    }
                }
            }
        }
    }
}

static void test_gemm_micro_kernels_take_every_stride_pattern_and_edge(void **state)
{
    (void)state;
    g_lcg = 5;
    nnb__isa level = nnb__isa_supported();
    if (level >= NNB__ISA_AVX2) {
        check_ukernel(&nnb__gemm_kernel_avx2);
    }
    if (level >= NNB__ISA_AVX512) {
        check_ukernel(&nnb__gemm_kernel_avx512);
    }
}
#endif

static void test_gemm_bodies_match_reference_on_blocked_shapes(void **state)
{
    (void)state;
    g_lcg = 3;
    /* Past the direct-path limits: packed panels, several k blocks, edge tiles in both directions. */
    static const shape shapes[] = {{129, 257, 65}, {200, 300, 150}, {61, 520, 203}};
    check_shapes(shapes, sizeof shapes / sizeof shapes[0]);
}

static void test_gemm_bodies_agree_for_one_and_two_threads(void **state)
{
    (void)state;
    g_lcg = 4;
    const nnb__gemm_body *bodies[16];
    size_t nb = collect_bodies(bodies, 16);
    /* Split over N (N >= M) and over M (M > N), both large enough to use two threads. */
    static const shape shapes[] = {{256, 256, 256}, {600, 128, 100}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; ++si) {
        problem p;
        problem_init(&p, shapes[si], NNB_NO_TRANS, NNB_TRANS, 1);
        size_t count = p.s.M * p.ldc;
        float *c1 = malloc(count * sizeof(float)), *c2 = malloc(count * sizeof(float));
        assert_non_null(c1);
        assert_non_null(c2);
        for (size_t b = 0; b < nb; ++b) {
            memcpy(c1, p.C0, count * sizeof(float));
            memcpy(c2, p.C0, count * sizeof(float));
            assert_ok(nnb_set_num_threads(1));
            assert_ok(nnb__gemm_checked(bodies[b]->fn, p.ta, p.tb, p.s.M, p.s.N, p.s.K, 0.75f, p.A, p.lda, p.B, p.ldb,
                                        0.5f, c1, p.ldc));
            assert_ok(nnb_set_num_threads(2));
            assert_ok(nnb__gemm_checked(bodies[b]->fn, p.ta, p.tb, p.s.M, p.s.N, p.s.K, 0.75f, p.A, p.lda, p.B, p.ldb,
                                        0.5f, c2, p.ldc));
            for (size_t i = 0; i < p.s.M; ++i) {
                for (size_t j = 0; j < p.s.N; ++j) {
                    double tol = 1e-5 * p.mag[i * p.s.N + j] + 1e-6;
                    if (!(fabs((double)c1[i * p.ldc + j] - (double)c2[i * p.ldc + j]) <= tol)) {
                        fail_msg("%s: 1 vs 2 threads differ at C[%zu][%zu]: %.9g vs %.9g", bodies[b]->name, i, j,
                                 (double)c1[i * p.ldc + j], (double)c2[i * p.ldc + j]);
                    }
                }
            }
            check_body(bodies[b], &p, 1.0f, 0.0f); /* still with two threads */
        }
        assert_ok(nnb_set_num_threads(0));
        free(c1);
        free(c2);
        problem_free(&p);
    }
}

static void test_gemm_bodies_are_correct_when_scratch_allocation_fails(void **state)
{
    (void)state;
    g_lcg = 5;
    const nnb__gemm_body *bodies[16];
    size_t nb = collect_bodies(bodies, 16);
    problem p;
    problem_init(&p, (shape){160, 300, 200}, NNB_TRANS, NNB_NO_TRANS, 0);
    for (size_t b = 0; b < nb; ++b) {
        for (size_t threads = 1; threads <= 2; ++threads) {
            assert_ok(nnb_set_num_threads(threads));
            nnb_test_reset_counts();
            nnb_test_fail_allocation(1);
            check_body(bodies[b], &p, 1.0f, 0.0f);
            nnb_test_fail_allocation(0);
            assert_int_equal(nnb_test_live_blocks(), 0);
        }
    }
    assert_ok(nnb_set_num_threads(0));
    problem_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_bodies_match_reference_on_tiny_and_degenerate_shapes),
        cmocka_unit_test(test_gemm_bodies_match_reference_on_odd_and_skinny_shapes),
        cmocka_unit_test(test_gemm_bodies_match_reference_on_every_edge_tile),
#if defined(NNB_TEST_BUILTIN_VARIANTS) && defined(NNB__GEMM_X86)
        cmocka_unit_test(test_gemm_micro_kernels_take_every_stride_pattern_and_edge),
#endif
        cmocka_unit_test(test_gemm_bodies_match_reference_on_blocked_shapes),
        cmocka_unit_test(test_gemm_bodies_agree_for_one_and_two_threads),
        cmocka_unit_test_setup_teardown(test_gemm_bodies_are_correct_when_scratch_allocation_fails,
                                        nnb_test_setup_allocator, nnb_test_teardown_allocator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
