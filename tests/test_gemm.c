/* SPDX-License-Identifier: MIT */
/*
 * The public GEMM entry points (nnb_gemm, nnb_matmul, nnb_dot) against hand-computed products and a plain
 * double-precision reference written in this file: degenerate and odd shapes, all four transpose
 * combinations, alpha/beta (beta = 0 never reads C), padded leading dimensions (padding never read or
 * written), argument errors that leave C untouched, the backend name and the thread setting.
 *
 * Tolerance (gemm.h): |c - ref| <= 1e-5 * sum_k |alpha * a_ik * b_kj| + 1e-6 * |beta * c0|, plus 1e-30.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_lcg;

static float next_value(void)
{
    g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
    /* 24 random bits scaled to [-1, 1). */
    return (float)((double)(g_lcg >> 40) / 8388608.0 - 1.0);
}

static float *alloc_floats(size_t count, float fill)
{
    float *x = malloc(count * sizeof(float));
    assert_non_null(x);
    for (size_t i = 0; i < count; ++i) {
        x[i] = fill;
    }
    return x;
}

/* A stored rows x cols matrix with row stride ld: values random, padding columns set to `pad`. */
static float *random_stored(size_t rows, size_t cols, size_t ld, float pad)
{
    float *x = alloc_floats(rows * ld, pad);
    for (size_t r = 0; r < rows; ++r) {
        for (size_t c = 0; c < cols; ++c) {
            x[r * ld + c] = next_value();
        }
    }
    return x;
}

/* op(X)(r, c) read straight from storage. */
static double op_elem(const float *X, size_t ld, nnb_transpose t, size_t r, size_t c)
{
    return t == NNB_NO_TRANS ? (double)X[r * ld + c] : (double)X[c * ld + r];
}

/*
 * Checks C (after the call) against the double reference computed from A, B and the C before the call
 * (C0), element by element with the documented bound; padding columns of C must still hold `pad`.
 */
static void check_against_reference(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha,
                                    const float *A, size_t lda, const float *B, size_t ldb, float beta, const float *C0,
                                    const float *C, size_t ldc, float pad)
{
    for (size_t i = 0; i < M; ++i) {
        for (size_t j = 0; j < N; ++j) {
            double sum = 0.0, abs_sum = 0.0;
            for (size_t k = 0; k < K; ++k) {
                double p = (double)alpha * op_elem(A, lda, ta, i, k) * op_elem(B, ldb, tb, k, j);
                sum += p;
                abs_sum += fabs(p);
            }
            double c0_term = beta == 0.0f ? 0.0 : (double)beta * (double)C0[i * ldc + j];
            double ref = sum + c0_term;
            double got = (double)C[i * ldc + j];
            double bound = 1e-5 * abs_sum + 1e-6 * fabs(c0_term) + 1e-30;
            if (!(fabs(got - ref) <= bound)) {
                fail_msg("ta=%d tb=%d M=%zu N=%zu K=%zu alpha=%g beta=%g: C[%zu][%zu] = %.9g, reference %.9g "
                         "(bound %.3g)",
                         (int)ta, (int)tb, M, N, K, (double)alpha, (double)beta, i, j, got, ref, bound);
            }
        }
        for (size_t j = N; j < ldc; ++j) {
            if (memcmp(&C[i * ldc + j], &pad, sizeof pad) != 0) {
                fail_msg("padding C[%zu][%zu] was written", i, j);
            }
        }
    }
}

/* One random case: op(A) M x K, op(B) K x N, with `extra` padding columns on every matrix. */
static void run_case(nnb_transpose ta, nnb_transpose tb, size_t M, size_t N, size_t K, float alpha, float beta,
                     size_t extra, int c0_nan)
{
    size_t a_rows = ta == NNB_NO_TRANS ? M : K, a_cols = ta == NNB_NO_TRANS ? K : M;
    size_t b_rows = tb == NNB_NO_TRANS ? K : N, b_cols = tb == NNB_NO_TRANS ? N : K;
    size_t lda = a_cols + extra, ldb = b_cols + extra, ldc = N + extra;
    /* NaN padding in A and B: any read of it would turn results into NaN. */
    float *A = random_stored(a_rows, a_cols, lda, NAN);
    float *B = random_stored(b_rows, b_cols, ldb, NAN);
    const float c_pad = 12345.0f;
    float *C = random_stored(M, N, ldc, c_pad);
    if (c0_nan) {
        for (size_t i = 0; i < M; ++i) {
            for (size_t j = 0; j < N; ++j) {
                C[i * ldc + j] = NAN;
            }
        }
    }
    float *C0 = alloc_floats(M * ldc, 0.0f);
    memcpy(C0, C, M * ldc * sizeof(float));
    assert_ok(nnb_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc));
    check_against_reference(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C0, C, ldc, c_pad);
    free(A);
    free(B);
    free(C);
    free(C0);
}

static const nnb_transpose k_trans[2] = {NNB_NO_TRANS, NNB_TRANS};

/* ---- hand-computed ---------------------------------------------------------------------------------- */

static void test_gemm_one_by_one_by_one(void **state)
{
    (void)state;
    const float a = 3.0f, b = -2.0f;
    float c = 5.0f;
    /* 2 * (3 * -2) + 0.5 * 5 = -12 + 2.5 = -9.5 */
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 1, 1, 1, 2.0f, &a, 1, &b, 1, 0.5f, &c, 1));
    assert_true(c == -9.5f);
    /* Transposes of a 1 x 1 matrix change nothing: 1 * (3 * -2) + 0 = -6. */
    for (size_t x = 0; x < 2; ++x) {
        for (size_t y = 0; y < 2; ++y) {
            c = 100.0f;
            assert_ok(nnb_gemm(k_trans[x], k_trans[y], 1, 1, 1, 1.0f, &a, 1, &b, 1, 0.0f, &c, 1));
            assert_true(c == -6.0f);
        }
    }
}

static void test_gemm_matches_hand_computed_product(void **state)
{
    (void)state;
    /* A = [[1, 2, 3], [4, 5, 6]], B = [[7, 8], [9, 10], [11, 12]]
     * A.B = [[1*7+2*9+3*11, 1*8+2*10+3*12], [4*7+5*9+6*11, 4*8+5*10+6*12]] = [[58, 64], [139, 154]] */
    const float A[6] = {1, 2, 3, 4, 5, 6};
    const float B[6] = {7, 8, 9, 10, 11, 12};
    float C[4] = {NAN, NAN, NAN, NAN};
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2));
    assert_true(C[0] == 58.0f && C[1] == 64.0f && C[2] == 139.0f && C[3] == 154.0f);

    /* A^T.A with A 2 x 3 stored: 3 x 3 = [[1+16, 2+20, 3+24], [2+20, 4+25, 6+30], [3+24, 6+30, 9+36]] */
    float G[9];
    assert_ok(nnb_gemm(NNB_TRANS, NNB_NO_TRANS, 3, 3, 2, 1.0f, A, 3, A, 3, 0.0f, G, 3));
    const float g_expected[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
    assert_memory_equal(G, g_expected, sizeof G);

    /* A.A^T: 2 x 2 = [[1+4+9, 4+10+18], [4+10+18, 16+25+36]] = [[14, 32], [32, 77]];
     * with alpha = -1 and beta = 2 over C = [[1, 1], [1, 1]]: [[-12, -30], [-30, -75]] */
    float H[4] = {1, 1, 1, 1};
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_TRANS, 2, 2, 3, -1.0f, A, 3, A, 3, 2.0f, H, 2));
    const float h_expected[4] = {-12, -30, -30, -75};
    assert_memory_equal(H, h_expected, sizeof H);

    /* B^T.A^T = (A.B)^T = [[58, 139], [64, 154]] */
    float T[4];
    assert_ok(nnb_gemm(NNB_TRANS, NNB_TRANS, 2, 2, 3, 1.0f, B, 2, A, 3, 0.0f, T, 2));
    const float t_expected[4] = {58, 139, 64, 154};
    assert_memory_equal(T, t_expected, sizeof T);
}

static void test_gemm_beta_zero_ignores_nan_in_c(void **state)
{
    (void)state;
    /* [1 2] . [[3], [4]] = 11; C starts as NaN and must not be read. */
    const float A[2] = {1, 2}, B[2] = {3, 4};
    float C[1] = {NAN};
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 1, 1, 2, 1.0f, A, 2, B, 1, 0.0f, C, 1));
    assert_true(C[0] == 11.0f);
    g_lcg = 7;
    for (size_t x = 0; x < 2; ++x) {
        for (size_t y = 0; y < 2; ++y) {
            run_case(k_trans[x], k_trans[y], 19, 23, 17, 1.0f, 0.0f, 0, 1);
            run_case(k_trans[x], k_trans[y], 37, 53, 71, -0.5f, 0.0f, 3, 1);
        }
    }
}

static void test_gemm_beta_one_accumulates_exactly(void **state)
{
    (void)state;
    /* C += A.B twice: [[58, 64], [139, 154]] * 2 + [[1, 2], [3, 4]] */
    const float A[6] = {1, 2, 3, 4, 5, 6};
    const float B[6] = {7, 8, 9, 10, 11, 12};
    float C[4] = {1, 2, 3, 4};
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 2, 2, 3, 1.0f, A, 3, B, 2, 1.0f, C, 2));
    assert_ok(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 2, 2, 3, 1.0f, A, 3, B, 2, 1.0f, C, 2));
    const float expected[4] = {117, 130, 281, 312};
    assert_memory_equal(C, expected, sizeof C);
}

/* ---- against the double reference ---------------------------------------------------------------- */

static void test_gemm_vector_shapes_all_transposes(void **state)
{
    (void)state;
    g_lcg = 1;
    const size_t shapes[][3] = {
        {1, 1, 1}, {1, 57, 33}, {41, 1, 29}, {1, 1, 300}, {50, 60, 1}, {1, 100, 1}, {100, 1, 1},
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
        for (size_t x = 0; x < 2; ++x) {
            for (size_t y = 0; y < 2; ++y) {
                run_case(k_trans[x], k_trans[y], shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, 0.0f, 0, 0);
            }
        }
    }
}

static void test_gemm_odd_sizes_all_transposes_alpha_beta(void **state)
{
    (void)state;
    g_lcg = 2;
    const float alphas[3] = {1.0f, -0.5f, 2.0f};
    const float betas[3] = {0.0f, 1.0f, -1.5f};
    for (size_t x = 0; x < 2; ++x) {
        for (size_t y = 0; y < 2; ++y) {
            for (size_t a = 0; a < 3; ++a) {
                for (size_t b = 0; b < 3; ++b) {
                    run_case(k_trans[x], k_trans[y], 37, 53, 71, alphas[a], betas[b], 0, 0);
                }
            }
        }
    }
}

static void test_gemm_padded_leading_dimensions(void **state)
{
    (void)state;
    g_lcg = 3;
    const size_t extras[3] = {1, 5, 16};
    for (size_t e = 0; e < 3; ++e) {
        for (size_t x = 0; x < 2; ++x) {
            for (size_t y = 0; y < 2; ++y) {
                run_case(k_trans[x], k_trans[y], 37, 53, 71, 1.0f, 0.5f, extras[e], 0);
                run_case(k_trans[x], k_trans[y], 3, 2, 5, 1.0f, 0.0f, extras[e], 0);
            }
        }
    }
}

static void test_gemm_larger_product_and_thread_counts(void **state)
{
    (void)state;
    g_lcg = 4;
    const size_t threads[3] = {1, 2, 0};
    for (size_t t = 0; t < 3; ++t) {
        assert_ok(nnb_set_num_threads(threads[t]));
        run_case(NNB_NO_TRANS, NNB_NO_TRANS, 300, 64, 130, 1.0f, 0.0f, 0, 0);
        run_case(NNB_TRANS, NNB_NO_TRANS, 129, 200, 300, 1.0f, 1.0f, 2, 0);
        run_case(NNB_NO_TRANS, NNB_TRANS, 200, 129, 97, -1.0f, 0.0f, 0, 1);
    }
    assert_ok(nnb_set_num_threads(0));
}

/* ---- argument errors ------------------------------------------------------------------------------ */

static void expect_untouched(const float *C, size_t n, float value)
{
    for (size_t i = 0; i < n; ++i) {
        assert_true(C[i] == value);
    }
}

static void test_gemm_invalid_arguments_leave_c_untouched(void **state)
{
    (void)state;
    float A[16], B[16], C[16];
    for (size_t i = 0; i < 16; ++i) {
        A[i] = 1.0f;
        B[i] = 1.0f;
        C[i] = -3.0f;
    }
    const nnb_transpose N_ = NNB_NO_TRANS, T_ = NNB_TRANS;
    /* NULL pointers */
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, NULL, 2, B, 2, 0.0f, C, 2), NNB_ERR_NULL);
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, A, 2, NULL, 2, 0.0f, C, 2), NNB_ERR_NULL);
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, NULL, 2), NNB_ERR_NULL);
    /* zero dimensions */
    assert_status(nnb_gemm(N_, N_, 0, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, N_, 2, 0, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, N_, 2, 2, 0, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    /* bad transpose flags */
    assert_status(nnb_gemm((nnb_transpose)2, N_, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, (nnb_transpose)-1, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    /* leading dimensions smaller than the stored rows: A is 2 x 3 (lda >= 3), transposed 3 x 2 (lda >= 2) */
    assert_status(nnb_gemm(N_, N_, 2, 2, 3, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(T_, N_, 3, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, N_, 2, 3, 2, 1.0f, A, 2, B, 2, 0.0f, C, 3), NNB_ERR_ARGUMENT); /* ldb < N */
    assert_status(nnb_gemm(N_, T_, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2), NNB_ERR_ARGUMENT); /* ldb < K */
    assert_status(nnb_gemm(N_, N_, 2, 3, 2, 1.0f, A, 2, B, 3, 0.0f, C, 2), NNB_ERR_ARGUMENT); /* ldc < N */
    /* extents that overflow size_t: (rows - 1) * ld */
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, A, SIZE_MAX, B, 2, 0.0f, C, 2), NNB_ERR_OVERFLOW);
    assert_status(nnb_gemm(N_, N_, SIZE_MAX / 2, 2, 2, 1.0f, A, 4, B, 2, 0.0f, C, 2), NNB_ERR_OVERFLOW);
    assert_status(nnb_gemm(N_, N_, 2, 2, 3, 1.0f, A, 3, B, SIZE_MAX / 2, 0.0f, C, 2), NNB_ERR_OVERFLOW);
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, SIZE_MAX - 1), NNB_ERR_OVERFLOW);
    expect_untouched(C, 16, -3.0f);
}

/* Issue: C overlapping A or B used to return OK with partial results fed back into the product. */
static void test_gemm_refuses_c_overlapping_an_input(void **state)
{
    (void)state;
    const nnb_transpose N_ = NNB_NO_TRANS, T_ = NNB_TRANS;
    float buf[32], before[32];
    for (size_t i = 0; i < 32; ++i) {
        buf[i] = (float)(i % 5) - 2.0f;
    }
    memcpy(before, buf, sizeof buf);
    float other[16];
    for (size_t i = 0; i < 16; ++i) {
        other[i] = 1.0f;
    }
    /* C is A, C starts inside A, C ends inside B, C is B; transposed and strided spans too. */
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, buf, 2, other, 2, 0.0f, buf, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, buf, 2, other, 2, 0.0f, buf + 3, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, N_, 2, 2, 2, 1.0f, other, 2, buf + 3, 2, 0.0f, buf, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_gemm(N_, T_, 2, 2, 2, 1.0f, other, 2, buf, 2, 1.0f, buf, 2), NNB_ERR_ARGUMENT);
    /* A spans (K - 1) * lda + M = 1 * 10 + 2 elements when transposed: buf[0..11]; C at buf + 11 touches it. */
    assert_status(nnb_gemm(T_, N_, 2, 2, 2, 1.0f, buf, 10, other, 2, 0.0f, buf + 11, 2), NNB_ERR_ARGUMENT);
    assert_memory_equal(buf, before, sizeof buf);

    /* Right after A's span is fine: A = [[1, 2], [3, 4]] (transposed, lda 10) at buf, C at buf + 12. */
    float a[32] = {0};
    a[0] = 1.0f;
    a[1] = 3.0f;
    a[10] = 2.0f;
    a[11] = 4.0f;
    const float b[4] = {1, 1, 1, 0}; /* [[1, 1], [1, 0]] */
    assert_ok(nnb_gemm(T_, N_, 2, 2, 2, 1.0f, a, 10, b, 2, 0.0f, a + 12, 2));
    const float want[4] = {3, 1, 7, 3}; /* [[1 + 2, 1], [3 + 4, 3]] */
    assert_memory_equal(a + 12, want, sizeof want);

    /* The tensor form: C sharing A's buffer is refused, A and B may share one. */
    nnb_tensor *t = NULL, *u = NULL;
    const float sq[4] = {1, 2, 3, 4};
    assert_ok(nnb_tensor_create_from(&t, 2, 2, sq));
    assert_ok(nnb_tensor_create(&u, 2, 2));
    assert_status(nnb_matmul(N_, N_, 1.0f, t, u, 0.0f, t), NNB_ERR_ARGUMENT);
    assert_memory_equal(nnb_tensor_cdata(t), sq, sizeof sq);
    assert_ok(nnb_matmul(N_, N_, 1.0f, t, t, 0.0f, u));
    const float sq2[4] = {7, 10, 15, 22};
    assert_memory_equal(nnb_tensor_cdata(u), sq2, sizeof sq2);
    nnb_tensor_destroy(t);
    nnb_tensor_destroy(u);
}

/* ---- tensor form ---------------------------------------------------------------------------------- */

static void test_matmul_uses_tensor_shapes_and_transposes(void **state)
{
    (void)state;
    const float a[6] = {1, 2, 3, 4, 5, 6};    /* 2 x 3 */
    const float b[6] = {7, 8, 9, 10, 11, 12}; /* 3 x 2 */
    nnb_tensor *A = NULL, *B = NULL, *C = NULL, *G = NULL;
    assert_ok(nnb_tensor_create_from(&A, 2, 3, a));
    assert_ok(nnb_tensor_create_from(&B, 3, 2, b));
    assert_ok(nnb_tensor_create(&C, 2, 2));
    assert_ok(nnb_tensor_create(&G, 3, 3));
    assert_ok(nnb_matmul(NNB_NO_TRANS, NNB_NO_TRANS, 1.0f, A, B, 0.0f, C));
    const float ab[4] = {58, 64, 139, 154}; /* as in test_gemm_matches_hand_computed_product */
    assert_memory_equal(nnb_tensor_cdata(C), ab, sizeof ab);
    /* C = 0.5 * A.A^T + 1 * C = [[7 + 58, 16 + 64], [16 + 139, 38.5 + 154]] */
    assert_ok(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 0.5f, A, A, 1.0f, C));
    const float c2[4] = {65, 80, 155, 192.5f};
    assert_memory_equal(nnb_tensor_cdata(C), c2, sizeof c2);
    assert_ok(nnb_matmul(NNB_TRANS, NNB_NO_TRANS, 1.0f, A, A, 0.0f, G));
    const float g_expected[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
    assert_memory_equal(nnb_tensor_cdata(G), g_expected, sizeof g_expected);
    /* B^T . A^T = (A.B)^T */
    assert_ok(nnb_matmul(NNB_TRANS, NNB_TRANS, 1.0f, B, A, 0.0f, C));
    const float abt[4] = {58, 139, 64, 154};
    assert_memory_equal(nnb_tensor_cdata(C), abt, sizeof abt);
    nnb_tensor_destroy(A);
    nnb_tensor_destroy(B);
    nnb_tensor_destroy(C);
    nnb_tensor_destroy(G);
}

static void test_matmul_shape_errors_leave_c_untouched(void **state)
{
    (void)state;
    nnb_tensor *A = NULL, *B = NULL, *C = NULL;
    assert_ok(nnb_tensor_create(&A, 2, 3));
    assert_ok(nnb_tensor_create(&B, 2, 3));
    assert_ok(nnb_tensor_create(&C, 2, 2));
    assert_ok(nnb_tensor_fill(A, 1.0f));
    assert_ok(nnb_tensor_fill(B, 1.0f));
    assert_ok(nnb_tensor_fill(C, 9.0f));
    /* inner dimensions 3 vs 2 */
    assert_status(nnb_matmul(NNB_NO_TRANS, NNB_NO_TRANS, 1.0f, A, B, 0.0f, C), NNB_ERR_SHAPE);
    /* A^T.B is 3 x 3, C is 2 x 2 */
    assert_status(nnb_matmul(NNB_TRANS, NNB_NO_TRANS, 1.0f, A, B, 0.0f, C), NNB_ERR_SHAPE);
    assert_status(nnb_matmul((nnb_transpose)5, NNB_TRANS, 1.0f, A, B, 0.0f, C), NNB_ERR_ARGUMENT);
    assert_status(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, NULL, B, 0.0f, C), NNB_ERR_NULL);
    assert_status(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, A, NULL, 0.0f, C), NNB_ERR_NULL);
    assert_status(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, A, B, 0.0f, NULL), NNB_ERR_NULL);
    expect_untouched(nnb_tensor_cdata(C), 4, 9.0f);
    /* A.B^T is 2 x 2: fine. 1*1*3 = 3 everywhere. */
    assert_ok(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, A, B, 0.0f, C));
    expect_untouched(nnb_tensor_cdata(C), 4, 3.0f);
    nnb_tensor_destroy(A);
    nnb_tensor_destroy(B);
    nnb_tensor_destroy(C);
}

/* ---- dot -------------------------------------------------------------------------------------------- */

static void test_dot_hand_computed(void **state)
{
    (void)state;
    /* Lesson 1 without the bias: 1*0.2 + 2*0.8 + 3*-0.5 + 2.5*1.0 = 0.2 + 1.6 - 1.5 + 2.5 = 2.8 */
    const float x[4] = {1.0f, 2.0f, 3.0f, 2.5f};
    const float w[4] = {0.2f, 0.8f, -0.5f, 1.0f};
    float out = 0.0f;
    assert_ok(nnb_dot(x, w, 4, &out));
    assert_close(out, 2.8, 1e-6, 0.0);
    /* Exact small integers: 1*4 + 2*5 + 3*6 = 32 */
    const float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    assert_ok(nnb_dot(a, b, 3, &out));
    assert_true(out == 32.0f);
}

static void test_dot_accumulates_in_double(void **state)
{
    (void)state;
    /* 1e8 + 1 - 1e8: in float32 the 1 is lost (1e8 + 1 rounds to 1e8), in double the sum is exactly 1. */
    const float a[3] = {1e8f, 1.0f, -1e8f};
    const float ones[3] = {1.0f, 1.0f, 1.0f};
    float out = -1.0f;
    assert_ok(nnb_dot(a, ones, 3, &out));
    assert_true(out == 1.0f);
}

static void test_dot_rejects_bad_arguments(void **state)
{
    (void)state;
    const float a[1] = {1.0f};
    float out = 42.0f;
    assert_status(nnb_dot(a, a, 0, &out), NNB_ERR_ARGUMENT);
    assert_status(nnb_dot(NULL, a, 1, &out), NNB_ERR_NULL);
    assert_status(nnb_dot(a, NULL, 1, &out), NNB_ERR_NULL);
    assert_status(nnb_dot(a, a, 1, NULL), NNB_ERR_NULL);
    assert_true(out == 42.0f);
}

/* ---- backend and threads ---------------------------------------------------------------------------- */

/* NNB_TEST_GEMM_BACKEND: the configured NNB_GEMM_BACKEND, passed by tests/CMakeLists.txt. */
#ifndef NNB_TEST_GEMM_BACKEND
#    error "tests/CMakeLists.txt defines NNB_TEST_GEMM_BACKEND"
#endif

static void test_backend_name_is_the_configured_one(void **state)
{
    (void)state;
    const char *name = nnb_backend_name();
    assert_non_null(name);
    assert_string_equal(name, NNB_TEST_GEMM_BACKEND);
    assert_ptr_equal(name, nnb_backend_name());
}

static void test_thread_setting_bounds(void **state)
{
    (void)state;
    assert_ok(nnb_set_num_threads(0));
    size_t all = nnb_get_num_threads();
    assert_true(all >= 1 && all <= NNB_MAX_THREADS);
    assert_ok(nnb_set_num_threads(1));
    assert_int_equal(nnb_get_num_threads(), 1);
    assert_ok(nnb_set_num_threads(3));
    assert_int_equal(nnb_get_num_threads(), 3);
    assert_ok(nnb_set_num_threads(NNB_MAX_THREADS));
    assert_int_equal(nnb_get_num_threads(), NNB_MAX_THREADS);
    /* Out of range: rejected, setting unchanged. */
    assert_status(nnb_set_num_threads(NNB_MAX_THREADS + 1), NNB_ERR_ARGUMENT);
    assert_status(nnb_set_num_threads(SIZE_MAX), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_get_num_threads(), NNB_MAX_THREADS);
    assert_ok(nnb_set_num_threads(0));
    assert_int_equal(nnb_get_num_threads(), all);
}

static void test_gemm_argument_checks_follow_documented_order(void **state)
{
    (void)state;
    float A[4] = {1, 1, 1, 1}, C[4] = {2, 2, 2, 2};
    /* NULL before zero sizes; zero sizes before bad strides; bad flags are ARGUMENT errors too. */
    assert_status(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 0, 0, 0, 1.0f, NULL, 0, A, 0, 0.0f, C, 0), NNB_ERR_NULL);
    assert_status(nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, 0, 2, 2, 1.0f, A, 0, A, 0, 0.0f, C, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_dot(NULL, A, 0, C), NNB_ERR_NULL);
    /* matmul: NULL before a bad flag. */
    assert_status(nnb_matmul((nnb_transpose)7, NNB_NO_TRANS, 1.0f, NULL, NULL, 0.0f, NULL), NNB_ERR_NULL);
    expect_untouched(C, 4, 2.0f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gemm_one_by_one_by_one),
        cmocka_unit_test(test_gemm_matches_hand_computed_product),
        cmocka_unit_test(test_gemm_beta_zero_ignores_nan_in_c),
        cmocka_unit_test(test_gemm_beta_one_accumulates_exactly),
        cmocka_unit_test(test_gemm_vector_shapes_all_transposes),
        cmocka_unit_test(test_gemm_odd_sizes_all_transposes_alpha_beta),
        cmocka_unit_test(test_gemm_padded_leading_dimensions),
        cmocka_unit_test(test_gemm_larger_product_and_thread_counts),
        cmocka_unit_test(test_gemm_invalid_arguments_leave_c_untouched),
        cmocka_unit_test(test_gemm_argument_checks_follow_documented_order),
        cmocka_unit_test(test_matmul_uses_tensor_shapes_and_transposes),
        cmocka_unit_test(test_matmul_shape_errors_leave_c_untouched),
        cmocka_unit_test(test_dot_hand_computed),
        cmocka_unit_test(test_dot_accumulates_in_double),
        cmocka_unit_test(test_dot_rejects_bad_arguments),
        cmocka_unit_test(test_backend_name_is_the_configured_one),
        cmocka_unit_test(test_gemm_refuses_c_overlapping_an_input),
        cmocka_unit_test(test_thread_setting_bounds),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
