/* SPDX-License-Identifier: MIT */
/*
 * The compute layer's element-wise kernels (src/compute/kernels.c), at the ISA level in use (NNB_ISA lowers
 * it: CI runs this file at every level the machine supports), against plain reference loops written here: bit for bit
 * where the kernels promise the same float32 operations, within 2 ulp of the correctly rounded value for the vectorised
 * exp and log, and within the GEMM tolerance for the small products. Lengths vary so that every vector width and every
 * tail is exercised.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compute/isa.h"
#include "compute/kernels.h"
#include "test_support.h"

/* Distance in units in the last place between two finite floats of the same sign (or both zero). */
static uint32_t ulp_distance(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    /* Map to a monotonic integer line so that the difference counts representable floats. */
    ia = ia < 0 ? INT32_MIN - ia : ia;
    ib = ib < 0 ? INT32_MIN - ib : ib;
    int64_t d = (int64_t)ia - (int64_t)ib;
    return (uint32_t)(d < 0 ? -d : d);
}

static uint32_t g_lcg = 12345u;

static float rand_float(float lo, float hi)
{
    g_lcg = g_lcg * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(g_lcg >> 8) / 16777216.0f;
}

static void test_fast_exp_is_within_two_ulp_everywhere(void **state)
{
    (void)state;
    enum { N = 4099 };
    static float x[N], y[N];
    uint32_t worst = 0;
    size_t checked = 0;
    /* Every 1021st float32 bit pattern in [-104, 89], in chunks (covers underflow to subnormals and 0). */
    for (uint32_t bits = 0; bits < 0xffffffffu - 1021u * N; bits += 1021u * N) {
        size_t n = 0;
        for (uint32_t b = bits; n < N; b += 1021u) {
            float v;
            memcpy(&v, &b, sizeof v);
            x[n++] = (isfinite(v) && v > -104.0f && v < 89.0f) ? v : 0.5f;
        }
        nnb__k_exp(x, y, N);
        for (size_t i = 0; i < N; ++i) {
            float want = (float)exp((double)x[i]);
            uint32_t d = ulp_distance(y[i], want);
            worst = d > worst ? d : worst;
            if (d > 2) {
                fail_msg("exp(%.9g) = %.9g, correctly rounded %.9g (%u ulp)", (double)x[i], (double)y[i], (double)want,
                         d);
            }
        }
        checked += N;
    }
    print_message("fast exp: %zu arguments, worst %u ulp\n", checked, worst);

    const float special[5] = {-INFINITY, INFINITY, NAN, 100.0f, -200.0f};
    float out[5];
    nnb__k_exp(special, out, 5);
    assert_true(out[0] == 0.0f);
    assert_true(isinf(out[1]) && out[1] > 0.0f);
    assert_true(isnan(out[2]));
    assert_true(isinf(out[3]) && out[3] > 0.0f);
    assert_true(out[4] == 0.0f);
}

static void test_fast_neg_log_is_within_two_ulp_for_every_positive_float(void **state)
{
    (void)state;
    enum { N = 4099 };
    static float x[N], y[N];
    uint32_t worst = 0;
    /* Every 997th positive finite bit pattern, subnormals included. */
    for (uint32_t bits = 1; bits < 0x7f800000u - 997u * N; bits += 997u * N) {
        for (size_t i = 0; i < N; ++i) {
            uint32_t b = bits + 997u * (uint32_t)i;
            memcpy(&x[i], &b, sizeof x[i]);
        }
        nnb__k_neg_log(x, y, N);
        for (size_t i = 0; i < N; ++i) {
            float want = (float)-log((double)x[i]);
            uint32_t d = ulp_distance(y[i], want);
            worst = d > worst ? d : worst;
            if (d > 2) {
                fail_msg("-log(%.9g) = %.9g, correctly rounded %.9g (%u ulp)", (double)x[i], (double)y[i], (double)want,
                         d);
            }
        }
    }
    print_message("fast -log: worst %u ulp\n", worst);
}

/* Inputs with the awkward values: NaN, infinities, signed zeros, tiny and large numbers. */
static void fill_awkward(float *x, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        x[i] = rand_float(-3.0f, 3.0f);
    }
    const float odd[6] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f};
    for (size_t i = 0; i < n; i += 7) {
        x[i] = odd[(i / 7) % 6];
    }
}

static void test_fast_elementwise_kernels_match_the_reference_bit_for_bit(void **state)
{
    (void)state;
    enum { MAX = 203 };
    float x[MAX], dv[MAX], got[MAX], want[MAX];
    for (size_t n = 1; n < MAX; n += 13) {
        fill_awkward(x, n);
        for (size_t i = 0; i < n; ++i) {
            dv[i] = rand_float(-1.0f, 1.0f);
        }
        nnb__k_relu(x, got, n);
        for (size_t i = 0; i < n; ++i) {
            want[i] = x[i] < 0.0f ? 0.0f : x[i];
        }
        assert_memory_equal(got, want, n * sizeof(float));

        nnb__k_relu_backward(x, dv, got, n);
        for (size_t i = 0; i < n; ++i) {
            want[i] = x[i] <= 0.0f ? 0.0f : dv[i];
        }
        assert_memory_equal(got, want, n * sizeof(float));

        nnb__k_div(dv, 3.0f, got, n);
        for (size_t i = 0; i < n; ++i) {
            want[i] = dv[i] / 3.0f;
        }
        assert_memory_equal(got, want, n * sizeof(float));

        int flags = nnb__k_nonfinite(x, n);
        int expect = 0;
        for (size_t i = 0; i < n; ++i) {
            expect |= (isnan(x[i]) || x[i] == INFINITY) ? NNB__K_NAN_OR_POSINF : 0;
            expect |= x[i] == -INFINITY ? NNB__K_NEGINF : 0;
        }
        assert_int_equal(flags, expect);
    }
}

static void test_fast_row_kernels_match_the_reference_bit_for_bit(void **state)
{
    (void)state;
    enum { ROWS = 37, MAXC = 19 };
    float m[ROWS * MAXC], got[ROWS * MAXC], want[ROWS * MAXC], bias[MAXC], sums[MAXC], ref_sums[MAXC];
    uint32_t labels[ROWS];
    /* Every width: 3 columns has a kernel of its own (the argmax 8 rows at a time, a block with a NaN handed to
     * the reference loop, the tail rows after the last block). */
    for (size_t cols = 1; cols <= MAXC; ++cols) {
        for (size_t i = 0; i < ROWS * cols; ++i) {
            m[i] = rand_float(-2.0f, 2.0f);
        }
        /* Ties and NaN rows for the argmax; a NaN in the first column only of row 3 (the first block) and of
         * row 33 (the tail). */
        for (size_t c = 0; c < cols; ++c) {
            m[c] = 1.0f;
            m[cols + c] = NAN;
        }
        m[3 * cols] = NAN;
        m[33 * cols] = NAN;
        for (size_t j = 0; j < cols; ++j) {
            bias[j] = rand_float(-1.0f, 1.0f);
        }
        for (size_t r = 0; r < ROWS; ++r) {
            labels[r] = (uint32_t)(r % cols);
        }

        memcpy(got, m, sizeof(float) * ROWS * cols);
        memcpy(want, m, sizeof(float) * ROWS * cols);
        nnb__k_add_bias(got, bias, ROWS, cols);
        for (size_t r = 0; r < ROWS; ++r) {
            for (size_t j = 0; j < cols; ++j) {
                want[r * cols + j] += bias[j];
            }
        }
        assert_memory_equal(got, want, sizeof(float) * ROWS * cols);

        nnb__k_col_sum(m + 2 * cols, ROWS - 2, cols, sums);
        for (size_t j = 0; j < cols; ++j) {
            ref_sums[j] = 0.0f;
        }
        for (size_t r = 2; r < ROWS; ++r) {
            for (size_t j = 0; j < cols; ++j) {
                ref_sums[j] += m[r * cols + j];
            }
        }
        assert_memory_equal(sums, ref_sums, sizeof(float) * cols);

        size_t hits = nnb__k_argmax_hits(m, ROWS, cols, labels);
        size_t ref_hits = 0;
        for (size_t r = 0; r < ROWS; ++r) {
            const float *row = m + r * cols;
            size_t best = 0;
            while (best < cols && isnan(row[best])) {
                ++best;
            }
            if (best == cols) {
                best = 0;
            }
            for (size_t c = best + 1; c < cols; ++c) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            ref_hits += best == labels[r];
        }
        assert_int_equal(hits, ref_hits);
    }
}

static void test_fast_softmax_is_within_three_ulp_of_the_exact_one(void **state)
{
    (void)state;
    enum { ROWS = 29, COLS = 11 };
    float in[ROWS * COLS], out[ROWS * COLS];
    for (size_t i = 0; i < ROWS * COLS; ++i) {
        in[i] = rand_float(-30.0f, 30.0f);
    }
    nnb__k_softmax(in, out, ROWS, COLS);
    for (size_t r = 0; r < ROWS; ++r) {
        const float *x = in + r * COLS;
        float max = x[0];
        for (size_t j = 1; j < COLS; ++j) {
            max = x[j] > max ? x[j] : max;
        }
        float e[COLS], sum = 0.0f;
        for (size_t j = 0; j < COLS; ++j) {
            e[j] = (float)exp((double)(x[j] - max));
            sum += e[j];
        }
        for (size_t j = 0; j < COLS; ++j) {
            float want = e[j] / sum;
            if (want > 1e-30f && ulp_distance(out[r * COLS + j], want) > 3) {
                fail_msg("softmax row %zu col %zu: %.9g vs %.9g", r, j, (double)out[r * COLS + j], (double)want);
            }
        }
    }
}

/*
 * Softmax at every width class of the kernels: 3 columns (the spiral classifier's 8-row blocks), other widths
 * up to 16 (8-row gathers), and more than 16 (row by row), each with row counts that leave tails of 8. The
 * reference: the same float32 difference x - max, then exp, sum and division in double. Each exp is within
 * 2 ulp (relative 4u, u = 2^-24), the float32 sum of `cols` positive terms adds gamma_cols = cols u / (1 -
 * cols u) relative and the division u, so |p - p_exact| <= (4u + 4u + gamma_cols + u) p_exact; the test
 * allows twice that. Inputs span [-60, 60] in a second pass, so that differences below -87 take the
 * kernels' slow lanes too.
 */
static void test_fast_softmax_is_within_the_exp_bound_at_every_width(void **state)
{
    (void)state;
    static const size_t widths[] = {2, 3, 7, 10, 16, 17, 24, 40, 100};
    static const size_t row_counts[] = {1, 8, 13, 32};
    enum { MAX = 32 * 100 };
    static float in[MAX], out[MAX];
    const double u = ldexp(1.0, -24);
    for (int pass = 0; pass < 2; ++pass) {
        const float range = pass == 0 ? 20.0f : 60.0f;
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; ++w) {
            for (size_t rc = 0; rc < sizeof row_counts / sizeof row_counts[0]; ++rc) {
                const size_t cols = widths[w], rows = row_counts[rc];
                for (size_t i = 0; i < rows * cols; ++i) {
                    in[i] = rand_float(-range, range);
                    out[i] = NAN;
                }
                nnb__k_softmax(in, out, rows, cols);
                const double gamma = (double)cols * u / (1.0 - (double)cols * u);
                const double rel = 2.0 * (9.0 * u + gamma);
                for (size_t r = 0; r < rows; ++r) {
                    const float *x = in + r * cols;
                    float max = x[0];
                    for (size_t j = 1; j < cols; ++j) {
                        max = x[j] > max ? x[j] : max;
                    }
                    double sum = 0.0;
                    for (size_t j = 0; j < cols; ++j) {
                        sum += exp((double)(x[j] - max));
                    }
                    for (size_t j = 0; j < cols; ++j) {
                        const double want = exp((double)(x[j] - max)) / sum;
                        const double got = (double)out[r * cols + j];
                        /* Below the smallest normal float the result may be flushed or subnormal. */
                        const double tol = want > 0x1p-126 ? rel * want : 0x1p-126;
                        if (!(fabs(got - want) <= tol)) {
                            fail_msg("softmax %zu x %zu, row %zu col %zu: %.9g, exact %.9g", rows, cols, r, j, got,
                                     want);
                        }
                    }
                }
            }
        }
    }
}

static void test_fast_adam_matches_the_scalar_update_bit_for_bit(void **state)
{
    (void)state;
    enum { N = 77 };
    float w[N], g[N], m[N], v[N], w2[N], m2[N], v2[N];
    for (size_t i = 0; i < N; ++i) {
        w[i] = w2[i] = rand_float(-1.0f, 1.0f);
        g[i] = rand_float(-0.1f, 0.1f);
        m[i] = m2[i] = rand_float(-0.01f, 0.01f);
        v[i] = v2[i] = rand_float(0.0f, 0.001f);
    }
    const nnb__adam_coef c = {0.9f,
                              0.999f,
                              (float)(1.0 - 0.9),
                              (float)(1.0 - 0.999),
                              (float)(1.0 - 0.9 * 0.9),
                              (float)(1.0 - 0.999 * 0.999),
                              -0.05f,
                              1e-7f};
    nnb__k_adam(&c, w, g, m, v, N);
    for (size_t i = 0; i < N; ++i) {
        m2[i] = c.b1 * m2[i] + c.one_minus_b1 * g[i];
        v2[i] = c.b2 * v2[i] + c.one_minus_b2 * (g[i] * g[i]);
        w2[i] += (c.neg_lr * (m2[i] / c.corr1)) / (sqrtf(v2[i] / c.corr2) + c.eps);
    }
    assert_memory_equal(m, m2, sizeof m);
    assert_memory_equal(v, v2, sizeof v);
    assert_memory_equal(w, w2, sizeof w);
}

/* |got - exact| <= 1e-5 * sum |terms| (+ tiny), the GEMM tolerance of gemm.h. */
static void check_product(const float *got, const double *exact, const double *mag, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (fabs((double)got[i] - exact[i]) > 1e-5 * mag[i] + 1e-30) {
            fail_msg("element %zu: %.9g, exact %.9g", i, (double)got[i], exact[i]);
        }
    }
}

static void test_fast_small_products_are_within_the_gemm_tolerance(void **state)
{
    (void)state;
    enum { ROWS = 23, MAXK = 64 };
    static float x[ROWS * MAXK], b[MAXK * 64], bias[64], out[ROWS * 64];
    static double exact[ROWS * 64], mag[ROWS * 64];
    for (size_t i = 0; i < ROWS * MAXK; ++i) {
        x[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t i = 0; i < MAXK * 64; ++i) {
        b[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t i = 0; i < 64; ++i) {
        bias[i] = rand_float(-1.0f, 1.0f);
    }
    /* small K: out = x . b (+ bias), b is K x n */
    for (size_t K = 1; K <= NNB__K_SMALL_K; ++K) {
        for (size_t n = 1; n <= 64; n += 9) {
            nnb__k_small_k(ROWS, K, n, x, MAXK, b, bias, out);
            for (size_t r = 0; r < ROWS; ++r) {
                for (size_t j = 0; j < n; ++j) {
                    double s = 0.0, a = 0.0;
                    for (size_t k = 0; k < K; ++k) {
                        s += (double)x[r * MAXK + k] * (double)b[k * n + j];
                        a += fabs((double)x[r * MAXK + k] * (double)b[k * n + j]);
                    }
                    /* The bias is added to the rounded product in float32: allow its rounding too. */
                    exact[r * n + j] = s + (double)bias[j];
                    mag[r * n + j] = a + fabs((double)bias[j]) * 0.1;
                }
            }
            check_product(out, exact, mag, ROWS * n);
        }
    }
    /* small n: out = x . bt^T, bt is n x K */
    for (size_t n = 1; n <= NNB__K_SMALL_N; ++n) {
        for (size_t K = 1; K <= MAXK; K += 7) {
            nnb__k_small_n(ROWS, K, n, x, MAXK, b, NULL, out);
            for (size_t r = 0; r < ROWS; ++r) {
                for (size_t j = 0; j < n; ++j) {
                    double s = 0.0, a = 0.0;
                    for (size_t k = 0; k < K; ++k) {
                        s += (double)x[r * MAXK + k] * (double)b[j * K + k];
                        a += fabs((double)x[r * MAXK + k] * (double)b[j * K + k]);
                    }
                    exact[r * n + j] = s;
                    mag[r * n + j] = a;
                }
            }
            check_product(out, exact, mag, ROWS * n);
        }
    }
    /* u^T v with the column sums of v in the same pass */
    for (size_t a_cols = 1; a_cols <= 9; a_cols += 4) {
        for (size_t b_cols = 1; b_cols <= 5; ++b_cols) {
            float sums[8];
            nnb__k_at_b(ROWS, a_cols, b_cols, x, b, out, sums);
            for (size_t i = 0; i < a_cols; ++i) {
                for (size_t j = 0; j < b_cols; ++j) {
                    double s = 0.0, a = 0.0;
                    for (size_t r = 0; r < ROWS; ++r) {
                        s += (double)x[r * a_cols + i] * (double)b[r * b_cols + j];
                        a += fabs((double)x[r * a_cols + i] * (double)b[r * b_cols + j]);
                    }
                    exact[i * b_cols + j] = s;
                    mag[i * b_cols + j] = a;
                }
            }
            check_product(out, exact, mag, a_cols * b_cols);
            float ref[8];
            nnb__k_col_sum(b, ROWS, b_cols, ref);
            assert_memory_equal(sums, ref, sizeof(float) * b_cols);
        }
    }
}

/*
 * u^T v (nnb__k_at_b, the dense backward's dweights = inputs^T dvalues) on every path's shapes and their
 * neighbours: a from 1 to 40 and 47, 48, 63, 64 (the a-rows path takes a multiple of 16 up to its stack
 * limit), b from 1 to 5 and 15, 16, 17, 32 (the columns path takes a multiple of 16), rows 1, 37 and 300 (the
 * a-rows path works in row blocks of 4096 / a rows, so 300 rows span several blocks for a >= 16). Each sum is
 * held to the worst-case bound of float32 summation of `rows` products, rows * 2^-24 * sum |u v| (plus one
 * rounding), against a double reference; the column sums must equal nnb__k_col_sum's bit for bit.
 */
static void test_at_b_matches_the_reference_on_every_path_and_edge(void **state)
{
    (void)state;
    enum { MAXR = 300, MAXA = 64, MAXB = 32 };
    float *u = malloc(sizeof(float) * MAXR * MAXA), *v = malloc(sizeof(float) * MAXR * MAXB);
    float *out = malloc(sizeof(float) * MAXA * MAXB);
    assert_non_null(u);
    assert_non_null(v);
    assert_non_null(out);
    for (size_t i = 0; i < MAXR * MAXA; ++i) {
        u[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t i = 0; i < MAXR * MAXB; ++i) {
        v[i] = rand_float(-1.0f, 1.0f);
    }
    size_t as[44], na = 0;
    for (size_t a = 1; a <= 40; ++a) {
        as[na++] = a;
    }
    as[na++] = 47;
    as[na++] = 48;
    as[na++] = 63;
    as[na++] = 64;
    const size_t bs[9] = {1, 2, 3, 4, 5, 15, 16, 17, 32};
    const size_t rs[3] = {1, 37, MAXR};
    for (size_t ri = 0; ri < 3; ++ri) {
        const size_t rows = rs[ri];
        const double bound = (double)(rows + 1) * ldexp(1.0, -24);
        for (size_t ai = 0; ai < na; ++ai) {
            for (size_t bi = 0; bi < 9; ++bi) {
                const size_t a = as[ai], b = bs[bi];
                float sums[MAXB], ref[MAXB];
                memset(out, 0xff, sizeof(float) * MAXA * MAXB); /* NaN: a value never written shows */
                nnb__k_at_b(rows, a, b, u, v, out, (ai + bi) % 2 == 0 ? sums : NULL);
                for (size_t i = 0; i < a; ++i) {
                    for (size_t j = 0; j < b; ++j) {
                        double s = 0.0, m = 0.0;
                        for (size_t r = 0; r < rows; ++r) {
                            s += (double)u[r * a + i] * (double)v[r * b + j];
                            m += fabs((double)u[r * a + i] * (double)v[r * b + j]);
                        }
                        const double got = (double)out[i * b + j];
                        if (!(fabs(got - s) <= bound * m + 1e-30)) {
                            fail_msg("rows %zu, a %zu, b %zu: out[%zu][%zu] = %.9g, exact %.9g", rows, a, b, i, j, got,
                                     s);
                        }
                    }
                }
                if ((ai + bi) % 2 == 0) {
                    nnb__k_col_sum(v, rows, b, ref);
                    assert_memory_equal(sums, ref, sizeof(float) * b);
                }
            }
        }
    }
    free(out);
    free(v);
    free(u);
}

/*
 * The small-product kernels split large calls into row (or column) parts on the worker threads, each part
 * formed exactly as in one call: the bits must not depend on the thread count. 70 000 rows of 3 inputs and
 * 13 outputs (70 000 x 16 elements: above the splitting threshold of 2^20), with x read at a row stride of 5
 * (ldx): the result with 4 threads must equal the one with 1, and each row must equal a one-row call.
 */
static void test_split_small_products_do_not_depend_on_the_thread_count(void **state)
{
    (void)state;
    enum { ROWS = 70000, K = 3, LDX = 5, N = 13 };
    float *x = malloc(sizeof(float) * ROWS * LDX), *out1 = malloc(sizeof(float) * ROWS * N);
    float *out4 = malloc(sizeof(float) * ROWS * N);
    assert_non_null(x);
    assert_non_null(out1);
    assert_non_null(out4);
    float w[K * N], bias[N], one[N];
    for (size_t i = 0; i < (size_t)ROWS * LDX; ++i) {
        x[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t i = 0; i < K * N; ++i) {
        w[i] = rand_float(-1.0f, 1.0f);
    }
    for (size_t j = 0; j < N; ++j) {
        bias[j] = rand_float(-1.0f, 1.0f);
    }
    const size_t saved = nnb_get_num_threads();
    assert_ok(nnb_set_num_threads(1));
    nnb__k_small_k(ROWS, K, N, x, LDX, w, bias, out1);
    assert_ok(nnb_set_num_threads(4));
    nnb__k_small_k(ROWS, K, N, x, LDX, w, bias, out4);
    assert_ok(nnb_set_num_threads(saved));
    assert_memory_equal(out1, out4, sizeof(float) * ROWS * N);
    const size_t probe[4] = {0, ROWS / 4 + 1, ROWS / 2 + 3, ROWS - 1};
    for (size_t p = 0; p < 4; ++p) {
        nnb__k_small_k(1, K, N, x + probe[p] * LDX, LDX, w, bias, one);
        assert_memory_equal(one, out4 + probe[p] * N, sizeof one);
    }
    free(out4);
    free(out1);
    free(x);
}

/* The level named by an NNB_ISA value, or 0 for a value that names none. */
static int isa_named(const char *name)
{
    static const char *const names[] = {"portable", "avx2", "avx512"};
    for (int i = 0; i < 3; ++i) {
        if (strcmp(name, names[i]) == 0) {
            return i + 1;
        }
    }
    return 0;
}

static void test_isa_is_the_best_supported_unless_nnb_isa_lowers_it(void **state)
{
    (void)state;
    int supported = (int)nnb__isa_supported();
    int level = (int)nnb__isa_level();
    assert_true(supported >= NNB__ISA_PORTABLE && supported <= NNB__ISA_AVX512);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    /* The compiler's own view of the CPU: AVX2 + FMA present exactly when the level reaches AVX2. */
    __builtin_cpu_init();
    assert_int_equal(supported >= NNB__ISA_AVX2, __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    assert_int_equal(supported >= NNB__ISA_AVX512, supported >= NNB__ISA_AVX2 && __builtin_cpu_supports("avx512f") &&
                                                       __builtin_cpu_supports("avx512vl"));
#endif
    const char *want = getenv("NNB_ISA");
    int expected = supported;
    if (want != NULL && isa_named(want) != 0 && isa_named(want) < supported) {
        expected = isa_named(want);
    }
    assert_int_equal(level, expected);
    assert_string_equal(nnb_compute_isa(), nnb__isa_name((nnb__isa)expected));
    assert_string_equal(nnb__isa_name(NNB__ISA_PORTABLE), "portable");
    assert_string_equal(nnb__isa_name(NNB__ISA_AVX2), "avx2");
    assert_string_equal(nnb__isa_name(NNB__ISA_AVX512), "avx512");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_is_the_best_supported_unless_nnb_isa_lowers_it),
        cmocka_unit_test(test_fast_exp_is_within_two_ulp_everywhere),
        cmocka_unit_test(test_fast_neg_log_is_within_two_ulp_for_every_positive_float),
        cmocka_unit_test(test_fast_elementwise_kernels_match_the_reference_bit_for_bit),
        cmocka_unit_test(test_fast_row_kernels_match_the_reference_bit_for_bit),
        cmocka_unit_test(test_fast_softmax_is_within_three_ulp_of_the_exact_one),
        cmocka_unit_test(test_fast_softmax_is_within_the_exp_bound_at_every_width),
        cmocka_unit_test(test_fast_adam_matches_the_scalar_update_bit_for_bit),
        cmocka_unit_test(test_fast_small_products_are_within_the_gemm_tolerance),
        cmocka_unit_test(test_at_b_matches_the_reference_on_every_path_and_edge),
        cmocka_unit_test(test_split_small_products_do_not_depend_on_the_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
