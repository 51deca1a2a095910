/* SPDX-License-Identifier: MIT */
/*
 * The builtin GEMM core's cache blocks (src/compute/gemm_blocks.c): the analytic model against blocks worked
 * out by hand for known CPUs, the NNB_GEMM_BLOCKS parser, and (builtin backend) products on shapes straddling
 * the block edges for every kernel this CPU runs. CMake also runs this test with NNB_GEMM_BLOCKS=13,9,33
 * at each ISA level, where the last two tests check that the override took effect and that every edge path
 * of the small blocks gives the right product.
 *
 * Tolerance of the products: |c - ref| <= 1e-5 * sum_k |alpha * a_ik * b_kj| + 1e-6 * |beta * c0|, the
 * documented one of the builtin core.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compute/gemm_blocks.h"
#ifdef NNB_TEST_BUILTIN_VARIANTS
#    include "compute/gemm_builtin.h"
#    include "compute/gemm_internal.h"
#endif

#define KIB ((size_t)1024u)
#define MIB ((size_t)1024u * 1024u)

static nnb__gemm_blocks model(size_t l1d, size_t l1d_ways, size_t l2, size_t l2_ways, size_t l3_share, size_t l3_ways,
                              size_t mr, size_t nr)
{
    nnb__cache_info ci = {l1d, l1d_ways, l2, l2_ways, l3_share, l3_ways, "test"};
    nnb__gemm_blocks b = {0, 0, 0};
    assert_int_equal(nnb__gemm_blocks_model(&ci, mr, nr, &b), 1);
    return b;
}

static void expect_blocks(nnb__gemm_blocks got, size_t mc, size_t kc, size_t nc)
{
    assert_int_equal(got.mc, mc);
    assert_int_equal(got.kc, kc);
    assert_int_equal(got.nc, nc);
}

/*
 * Haswell-class and Zen 3 (AVX2 kernel, 6 x 16). L1d 32 KiB 8-way: one way is 4 KiB. kc = 320: A micro-panel
 * 320*6*4 = 7680 B -> 2 ways, B micro-panel 320*16*4 = 20480 B -> 5 ways, 7 = 8 - 1; at 328 B takes 20992 B
 * -> 6 ways, 8 > 7.
 */
static void test_model_avx2_on_8_way_l1(void **state)
{
    (void)state;
    /* Haswell: L2 256 KiB 8-way (way 32 KiB): B micro-panel 1 way, mc = 6 * 32768 / 2 / 1280 = 76.8 -> 72.
     * L3 8 MiB 16-way for 4 cores: share 2 MiB (>= 2 * L2, so it holds A), way 128 KiB; A block
     * 72*320*4 = 92160 B -> 1 way; nc = 14 * 131072 / 1280 = 1433.6 -> 1424. */
    expect_blocks(model(32 * KIB, 8, 256 * KIB, 8, 2 * MIB, 16, 6, 16), 72, 320, 1424);
    /* Zen 3: L2 512 KiB 8-way (way 64 KiB): mc = 6 * 65536 / 2 / 1280 = 153.6 -> 150. L3 32 MiB 16-way for
     * 8 cores: share 4 MiB, way 256 KiB; A block 150*320*4 = 192000 B -> 1 way; nc = 14 * 262144 / 1280 =
     * 2867.2 -> 2864. */
    expect_blocks(model(32 * KIB, 8, 512 * KIB, 8, 4 * MIB, 16, 6, 16), 150, 320, 2864);
}

/*
 * Zen 5 and Sapphire Rapids: L1d 48 KiB 12-way, one way 4 KiB.
 *   AVX-512 kernel 12 x 32: kc = 256: A 12288 B -> 3 ways, B 32768 B -> 8 ways, 11 = 12 - 1; at 264: 4 + 9.
 *   AVX2 kernel 6 x 16: kc = 512: A 12288 B -> 3 ways, B 32768 B -> 8 ways; at 520: 4 + 9.
 */
static void test_model_on_12_way_l1(void **state)
{
    (void)state;
    /* Zen 5: L2 1 MiB 16-way (way 64 KiB), L3 32 MiB 16-way for 8 cores (share 4 MiB, way 256 KiB).
     * AVX-512: B micro-panel 1 way; mc = 14 * 65536 / 2 / 1024 = 448 -> 444; A block 444*1024 B = 1.73 ->
     * 2 ways; nc = 13 * 262144 / 1024 = 3328. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 16, 4 * MIB, 16, 12, 32), 444, 256, 3328);
    /* AVX2: mc = 14 * 65536 / 2 / 2048 = 224 -> 222; A block 222*2048 B -> 2 ways; nc = 13 * 262144 / 2048
     * = 1664. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 16, 4 * MIB, 16, 6, 16), 222, 512, 1664);
    /* Sapphire Rapids: L2 2 MiB 16-way (way 128 KiB), L3 1.875 MiB 15-way per core: below 2 * L2, a victim
     * cache, so the A block takes no L3 way. AVX-512: mc = 14 * 131072 / 2 / 1024 = 896 -> 888;
     * nc = 14 * 131072 / 1024 = 1792. AVX2: mc = 14 * 131072 / 2 / 2048 = 448 -> 444; nc = 896. */
    expect_blocks(model(48 * KIB, 12, 2 * MIB, 16, 1920 * KIB, 15, 12, 32), 888, 256, 1792);
    expect_blocks(model(48 * KIB, 12, 2 * MIB, 16, 1920 * KIB, 15, 6, 16), 444, 512, 896);
}

/* What a virtual machine may report: no associativity for L3 and the host's whole L3 (here 254 MiB per
 * core), and missing levels. */
static void test_model_clamps_and_fills_in_unknowns(void **state)
{
    (void)state;
    /* Zen 5 guest: L2 1 MiB 8-way (way 128 KiB); mc = 6 * 131072 / 2 / 1024 = 384. L3 clamped to 4 MiB,
     * taken as 16-way (way 256 KiB): A block 384 KiB -> 2 ways; nc = 13 * 262144 / 1024 = 3328. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 8, 254 * MIB, 0, 12, 32), 384, 256, 3328);
    /* Unknown L1 and L2 associativity count as 8 ways: the Zen 3 figures. No L3: nc is the upper bound,
     * 8192. */
    expect_blocks(model(32 * KIB, 0, 512 * KIB, 0, 0, 0, 6, 16), 150, 320, 8192);
    /* The portable kernel 4 x 8 on a 12-way 48 KiB L1: kc = 896 (A 14336 B -> 4 ways, B 28672 B -> 7 ways);
     * at 904 B takes 28928 B -> 8 ways. */
    assert_int_equal(model(48 * KIB, 12, 1 * MIB, 8, 0, 0, 4, 8).kc, 896);
    /* A 4-way 8 KiB L1 (2 KiB ways): kc = 32 (A 1536 B -> 1 way, B 4096 B -> 2 ways, 3 = 4 - 1); at 40 B
     * takes 5120 B -> 3 ways. A 2-way one (4 KiB ways) holds no pair at all: kc is the floor, 32. */
    assert_int_equal(model(8 * KIB, 4, 256 * KIB, 4, 0, 0, 12, 32).kc, 32);
    assert_int_equal(model(8 * KIB, 2, 256 * KIB, 4, 0, 0, 12, 32).kc, 32);
    assert_int_equal(model(8 * KIB, 4, 256 * KIB, 4, 0, 0, 6, 16).kc, 64);
    /* A tiny L2 leaves no way for A: mc is one tile. */
    assert_int_equal(model(48 * KIB, 12, 64 * KIB, 2, 0, 0, 12, 32).mc, 12);

    /* Without L1 or L2 sizes the model gives nothing and leaves the output alone. */
    nnb__cache_info none = {0, 0, 1 * MIB, 8, 0, 0, "test"};
    nnb__gemm_blocks b = {1, 2, 3};
    assert_int_equal(nnb__gemm_blocks_model(&none, 12, 32, &b), 0);
    none.l1d = 32 * KIB;
    none.l2 = 0;
    assert_int_equal(nnb__gemm_blocks_model(&none, 12, 32, &b), 0);
    expect_blocks(b, 1, 2, 3);
}

static void test_cache_detection_gives_a_usable_answer(void **state)
{
    (void)state;
    nnb__cache_info ci;
    nnb__cache_detect(&ci);
    assert_non_null(ci.source);
    if (strcmp(ci.source, "none") == 0) {
        assert_int_equal(ci.l1d, 0);
        return;
    }
    /* Any real L1d is between 8 KiB and 1 MiB, any L2 at least as large. */
    assert_true(ci.l1d >= 8 * KIB && ci.l1d <= 1 * MIB);
    assert_true(ci.l2 >= ci.l1d);
    nnb__gemm_blocks b;
    assert_int_equal(nnb__gemm_blocks_model(&ci, 12, 32, &b), 1);
    assert_true(b.kc >= NNB__GEMM_KC_MIN && b.kc <= NNB__GEMM_KC_MAX && b.kc % 8 == 0);
    assert_true(b.mc >= 12 && b.mc % 12 == 0 && b.nc >= 32 && b.nc % 32 == 0);
}

static void test_override_parser(void **state)
{
    (void)state;
    nnb__gemm_blocks b = {0, 0, 0};
    assert_int_equal(nnb__gemm_blocks_parse("24,16,64", 12, 32, &b), 1);
    expect_blocks(b, 24, 16, 64);
    /* Rounded up to the tile and to 8. */
    assert_int_equal(nnb__gemm_blocks_parse("13,9,33", 12, 32, &b), 1);
    expect_blocks(b, 24, 16, 64);
    assert_int_equal(nnb__gemm_blocks_parse("13,9,33", 6, 16, &b), 1);
    expect_blocks(b, 18, 16, 48);
    assert_int_equal(nnb__gemm_blocks_parse("1,1,1", 4, 8, &b), 1);
    expect_blocks(b, 4, 8, 8);
    /* Clamped to the upper bounds. */
    assert_int_equal(nnb__gemm_blocks_parse("100000,100000,100000", 12, 32, &b), 1);
    expect_blocks(b, 2040, 1024, 8192);

    static const char *const bad[] = {"",      "1,2",    "1,2,3,", "1,2,3x", "a,b,c",   "0,8,8",       "8,0,8",
                                      "8,8,0", "-1,8,8", " 8,8,8", "8,,8",   "8,8,8,8", "2000000,8,8", "8;8;8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        b = (nnb__gemm_blocks){1, 2, 3};
        assert_int_equal(nnb__gemm_blocks_parse(bad[i], 12, 32, &b), 0);
        expect_blocks(b, 1, 2, 3);
    }
    assert_int_equal(nnb__gemm_blocks_parse(NULL, 12, 32, &b), 0);
}

#ifdef NNB_TEST_BUILTIN_VARIANTS
/* Under NNB_GEMM_BLOCKS=13,9,33 every kernel runs the override rounded to its tile, and the packing memory
 * follows the blocks. Without the variable: the blocks are in range and a multiple of the tile. */
static void test_builtin_blocks_follow_the_override(void **state)
{
    (void)state;
    const char *env = getenv("NNB_GEMM_BLOCKS");
    int forced = env != NULL && strcmp(env, "13,9,33") == 0;
    size_t count;
    (void)nnb__gemm_builtin_variants(&count);
    assert_true(count >= 1);
    for (size_t v = 0; v < count; ++v) {
        nnb__gemm_blocks b;
        size_t mr, nr;
        assert_int_equal(nnb__gemm_builtin_blocks(v, &b, &mr, &nr), 1);
        if (forced) {
            expect_blocks(b, (13 + mr - 1) / mr * mr, 16, (33 + nr - 1) / nr * nr);
        } else {
            assert_true(b.mc >= mr && b.mc % mr == 0 && b.kc % 8 == 0 && b.nc >= nr && b.nc % nr == 0);
        }
    }
    nnb__gemm_blocks none;
    size_t mr, nr;
    assert_int_equal(nnb__gemm_builtin_blocks(count, &none, &mr, &nr), 0);
    if (forced) {
        /* 200^3 takes the packed path; one thread: the A block min(mc, 200) x 16 and the B block
         * min(nc, 200) x 16 floats, each rounded up to 16 floats. Blocks of the kernel in use (the last
         * variant). */
        nnb__gemm_blocks b;
        assert_int_equal(nnb__gemm_builtin_blocks(count - 1, &b, &mr, &nr), 1);
        assert_int_equal(nnb_set_num_threads(1), NNB_OK);
        size_t floats = (b.mc * 16 + 15) / 16 * 16 + (b.nc * 16 + 15) / 16 * 16;
        assert_int_equal(nnb__gemm_builtin_scratch_bytes(200, 200, 200), floats * sizeof(float));
        assert_int_equal(nnb_set_num_threads(0), NNB_OK);
    }
}

static uint64_t g_lcg = 12345;

static float next_value(void)
{
    g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(g_lcg >> 40) / (double)(1u << 24) * 2.0 - 1.0);
}

/* C = alpha op(A) op(B) + beta C for one body, against double sums, with the documented tolerance. */
static void check_product(const nnb__gemm_body *body, size_t M, size_t K, size_t N, nnb_transpose ta, nnb_transpose tb,
                          float alpha, float beta)
{
    size_t lda = ta == NNB_NO_TRANS ? K : M, ldb = tb == NNB_NO_TRANS ? N : K;
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B), *C = malloc(M * N * sizeof *C);
    float *C0 = malloc(M * N * sizeof *C0);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C);
    assert_non_null(C0);
    for (size_t i = 0; i < M * K; ++i) {
        A[i] = next_value();
    }
    for (size_t i = 0; i < K * N; ++i) {
        B[i] = next_value();
    }
    for (size_t i = 0; i < M * N; ++i) {
        C0[i] = C[i] = next_value();
    }
    body->fn(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
    for (size_t i = 0; i < M; ++i) {
        for (size_t j = 0; j < N; ++j) {
            double sum = 0.0, mag = 0.0;
            for (size_t k = 0; k < K; ++k) {
                double a = ta == NNB_NO_TRANS ? A[i * lda + k] : A[k * lda + i];
                double b = tb == NNB_NO_TRANS ? B[k * ldb + j] : B[j * ldb + k];
                sum += a * b;
                mag += fabs(a * b);
            }
            double want = (double)alpha * sum + (double)beta * C0[i * N + j];
            double tol = 1e-5 * fabs((double)alpha) * mag + 1e-6 * fabs((double)beta * C0[i * N + j]) + 1e-30;
            if (!(fabs((double)C[i * N + j] - want) <= tol)) {
                fail_msg("%s %zux%zux%zu ta %d tb %d: C[%zu][%zu] = %.9g, want %.9g", body->name, M, K, N, (int)ta,
                         (int)tb, i, j, (double)C[i * N + j], want);
            }
        }
    }
    free(A);
    free(B);
    free(C);
    free(C0);
}

/*
 * Shapes one below, at and one above multiples of the blocks of NNB_GEMM_BLOCKS=13,9,33 (mc 24/18/16,
 * kc 16, nc 64/48/40 for the AVX-512/AVX2/portable kernels) and large enough for the packed path, with every
 * transpose, beta 0 and not, on 1 and 2 threads. Without the override these are ordinary mid-size products.
 */
static void test_builtin_products_straddling_block_edges(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{119, 95, 127}, {120, 96, 128}, {121, 97, 129}, {145, 33, 193}};
    size_t count;
    const nnb__gemm_body *variants = nnb__gemm_builtin_variants(&count);
    for (size_t threads = 1; threads <= 2; ++threads) {
        assert_int_equal(nnb_set_num_threads(threads), NNB_OK);
        for (size_t v = 0; v < count; ++v) {
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
                for (int t = 0; t < 4; ++t) {
                    nnb_transpose ta = (t & 1) ? NNB_TRANS : NNB_NO_TRANS, tb = (t & 2) ? NNB_TRANS : NNB_NO_TRANS;
                    check_product(&variants[v], shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, 1.0f,
                                  t == 0 ? 0.0f : 0.5f);
                }
            }
        }
    }
    assert_int_equal(nnb_set_num_threads(0), NNB_OK);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_avx2_on_8_way_l1),
        cmocka_unit_test(test_model_on_12_way_l1),
        cmocka_unit_test(test_model_clamps_and_fills_in_unknowns),
        cmocka_unit_test(test_cache_detection_gives_a_usable_answer),
        cmocka_unit_test(test_override_parser),
#ifdef NNB_TEST_BUILTIN_VARIANTS
        cmocka_unit_test(test_builtin_blocks_follow_the_override),
        cmocka_unit_test(test_builtin_products_straddling_block_edges),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
