/* SPDX-License-Identifier: MIT */
/*
 * The generator against numpy's published legacy stream for seed 0 (raw MT19937 words, random_sample
 * doubles, randn normals: tests/../reference lessons.json), and against an independent MT19937 written
 * in this file from the reference algorithm (checked first against the published seed-0 key words and
 * outputs), for long streams, other seeds, the normal cache, reseeding, cloning, scaled float32 normals
 * and bounded integers.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* lessons.json, rng_numpy_legacy_seed0 */
static const uint32_t k_mt_first5[5] = {2357136044u, 2546248239u, 3071714933u, 3626093760u, 2588848963u};
static const double k_uniform_first5[5] = {0.5488135039273248, 0.7151893663724195, 0.6027633760716439,
                                           0.5448831829968969, 0.4236547993389047};
static const double k_randn_first5[5] = {1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458,
                                         1.8675579901499675};

/* ---- independent reference: Matsumoto & Nishimura's mt19937ar, restructured ------------------------ */

typedef struct ref_mt {
    uint32_t mt[624];
    int mti;
    int has_gauss;
    double gauss;
} ref_mt;

static void ref_seed(ref_mt *r, uint32_t s)
{
    r->mt[0] = s;
    for (uint32_t i = 1; i < 624; ++i) {
        uint64_t prev = r->mt[i - 1];
        r->mt[i] = (uint32_t)((1812433253ull * (prev ^ (prev >> 30)) + i) & 0xffffffffull);
    }
    r->mti = 624;
    r->has_gauss = 0;
    r->gauss = 0.0;
}

static uint32_t ref_u32(ref_mt *r)
{
    static const uint32_t mag01[2] = {0x0u, 0x9908b0dfu};
    uint32_t y;
    if (r->mti >= 624) {
        int kk;
        for (kk = 0; kk < 624 - 397; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + 397] ^ (y >> 1) ^ mag01[y & 0x1u];
        }
        for (; kk < 623; kk++) {
            y = (r->mt[kk] & 0x80000000u) | (r->mt[kk + 1] & 0x7fffffffu);
            r->mt[kk] = r->mt[kk + (397 - 624)] ^ (y >> 1) ^ mag01[y & 0x1u];
        }
        y = (r->mt[623] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[623] = r->mt[396] ^ (y >> 1) ^ mag01[y & 0x1u];
        r->mti = 0;
    }
    y = r->mt[r->mti++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

static double ref_uniform(ref_mt *r)
{
    /* genrand_res53: (a * 2^26 + b) / 2^53 with a the top 27 bits, b the top 26 bits. */
    double a = (double)(ref_u32(r) >> 5), b = (double)(ref_u32(r) >> 6);
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

static double ref_normal(ref_mt *r)
{
    if (r->has_gauss) {
        r->has_gauss = 0;
        return r->gauss;
    }
    for (;;) {
        double x1 = 2.0 * ref_uniform(r) - 1.0;
        double x2 = 2.0 * ref_uniform(r) - 1.0;
        double r2 = x1 * x1 + x2 * x2;
        if (r2 < 1.0 && r2 != 0.0) {
            double f = sqrt(-2.0 * log(r2) / r2);
            r->gauss = f * x1;
            r->has_gauss = 1;
            return f * x2;
        }
    }
}

static void test_reference_generator_matches_published_seed0(void **state)
{
    (void)state;
    /* Guards the reference itself against the published facts before it is used below. */
    ref_mt r;
    ref_seed(&r, 0);
    assert_int_equal(r.mt[0], 0u);
    assert_int_equal(r.mt[1], 1u);
    assert_int_equal(r.mt[2], 1812433255u);
    assert_int_equal(r.mt[3], 1900727105u);
    assert_int_equal(r.mt[4], 1208447044u);
    for (size_t i = 0; i < 5; ++i) {
        assert_int_equal(ref_u32(&r), k_mt_first5[i]);
    }
    ref_seed(&r, 0);
    for (size_t i = 0; i < 5; ++i) {
        assert_true(ref_uniform(&r) == k_uniform_first5[i]);
    }
    ref_seed(&r, 0);
    for (size_t i = 0; i < 5; ++i) {
        assert_close(ref_normal(&r), k_randn_first5[i], 1e-15, 0.0);
    }
}

/* ---- published stream ---------------------------------------------------------------------------- */

static void test_rng_seed0_raw_words_match_numpy(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    for (size_t i = 0; i < 5; ++i) {
        assert_int_equal(nnb_rng_u32(rng), k_mt_first5[i]);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_seed0_uniforms_match_numpy_exactly(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    for (size_t i = 0; i < 5; ++i) {
        double u = nnb_rng_uniform(rng);
        /* (a * 2^26 + b) / 2^53 is exact in double: equality, not closeness. */
        assert_true(u == k_uniform_first5[i]);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_seed0_normals_match_numpy(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    for (size_t i = 0; i < 5; ++i) {
        assert_close(nnb_rng_normal(rng), k_randn_first5[i], 1e-15, 0.0);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_long_streams_match_reference_for_several_seeds(void **state)
{
    (void)state;
    const uint32_t seeds[4] = {0u, 1u, 12345u, 0xffffffffu};
    for (size_t s = 0; s < 4; ++s) {
        nnb_rng *rng = NULL;
        ref_mt r;
        assert_ok(nnb_rng_create(&rng, seeds[s]));
        ref_seed(&r, seeds[s]);
        /* Crosses several 624-word regenerations. */
        for (size_t i = 0; i < 3000; ++i) {
            assert_int_equal(nnb_rng_u32(rng), ref_u32(&r));
        }
        for (size_t i = 0; i < 1000; ++i) {
            assert_true(nnb_rng_uniform(rng) == ref_uniform(&r));
        }
        for (size_t i = 0; i < 1001; ++i) {
            assert_close(nnb_rng_normal(rng), ref_normal(&r), 1e-15, 0.0);
        }
        /* Mixed calls after an odd number of normals (one cached): the cache is returned first. */
        assert_close(nnb_rng_normal(rng), ref_normal(&r), 1e-15, 0.0);
        assert_int_equal(nnb_rng_u32(rng), ref_u32(&r));
        nnb_rng_destroy(rng);
    }
}

static void test_rng_normals_come_in_cached_pairs(void **state)
{
    (void)state;
    /* The second normal of a pair uses no raw draws: after two normals the raw stream has advanced by
     * exactly four words (if the first pair was accepted) - compare with a generator that skipped four. */
    ref_mt r;
    ref_seed(&r, 0);
    double u1 = ref_uniform(&r), u2 = ref_uniform(&r);
    double x1 = 2.0 * u1 - 1.0, x2 = 2.0 * u2 - 1.0;
    double r2 = x1 * x1 + x2 * x2;
    assert_true(r2 < 1.0 && r2 > 0.0); /* the first pair of seed 0 is accepted */
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    (void)nnb_rng_normal(rng);
    (void)nnb_rng_normal(rng);
    assert_int_equal(nnb_rng_u32(rng), ref_u32(&r));
    nnb_rng_destroy(rng);
}

/* ---- reseed and clone ----------------------------------------------------------------------------- */

static void test_rng_reseed_clears_the_normal_cache(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    /* One normal: the second of the pair (randn[1]) is now cached. */
    assert_close(nnb_rng_normal(rng), k_randn_first5[0], 1e-15, 0.0);
    assert_ok(nnb_rng_seed(rng, 0));
    /* Without clearing, this would return the cached randn[1]. */
    assert_close(nnb_rng_normal(rng), k_randn_first5[0], 1e-15, 0.0);
    assert_close(nnb_rng_normal(rng), k_randn_first5[1], 1e-15, 0.0);
    /* Reseeding also restarts the raw stream. */
    assert_ok(nnb_rng_seed(rng, 0));
    assert_int_equal(nnb_rng_u32(rng), k_mt_first5[0]);
    assert_status(nnb_rng_seed(NULL, 0), NNB_ERR_NULL);
    nnb_rng_destroy(rng);
}

static void test_rng_reseed_with_other_seed_matches_fresh_generator(void **state)
{
    (void)state;
    nnb_rng *a = NULL, *b = NULL;
    assert_ok(nnb_rng_create(&a, 0));
    assert_ok(nnb_rng_create(&b, 777));
    for (int i = 0; i < 1000; ++i) {
        (void)nnb_rng_u32(a);
    }
    (void)nnb_rng_normal(a);
    assert_ok(nnb_rng_seed(a, 777));
    for (int i = 0; i < 700; ++i) {
        assert_int_equal(nnb_rng_u32(a), nnb_rng_u32(b));
    }
    for (int i = 0; i < 11; ++i) {
        assert_true(nnb_rng_normal(a) == nnb_rng_normal(b));
    }
    nnb_rng_destroy(a);
    nnb_rng_destroy(b);
}

static void test_rng_clone_continues_identically_and_independently(void **state)
{
    (void)state;
    nnb_rng *rng = NULL, *copy = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    for (int i = 0; i < 700; ++i) {
        (void)nnb_rng_u32(rng);
    }
    (void)nnb_rng_normal(rng); /* leaves a cached normal, which the clone must carry */
    assert_ok(nnb_rng_clone(&copy, rng));
    double n_orig = nnb_rng_normal(rng);
    double n_copy = nnb_rng_normal(copy);
    assert_true(n_orig == n_copy);
    for (int i = 0; i < 1500; ++i) {
        assert_int_equal(nnb_rng_u32(rng), nnb_rng_u32(copy));
    }
    /* Independence: drawing from the copy does not move the original. */
    nnb_rng *witness = NULL;
    assert_ok(nnb_rng_clone(&witness, rng));
    for (int i = 0; i < 100; ++i) {
        (void)nnb_rng_u32(copy);
    }
    for (int i = 0; i < 10; ++i) {
        assert_int_equal(nnb_rng_u32(rng), nnb_rng_u32(witness));
    }
    nnb_rng_destroy(rng);
    /* The copy outlives its source. */
    (void)nnb_rng_u32(copy);
    nnb_rng_destroy(copy);
    nnb_rng_destroy(witness);
}

/* ---- scaled float32 normals ----------------------------------------------------------------------- */

static void test_rng_fill_normal_rounds_like_nnfs(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    float out[5];
    assert_ok(nnb_rng_fill_normal(rng, out, 5, 0.01f));
    for (size_t i = 0; i < 5; ++i) {
        /* fl32(fl32(0.01) * fl32(g)): round the double normal to float32 first, then multiply in float32. */
        float g = (float)k_randn_first5[i];
        float expected = 0.01f * g;
        assert_true(out[i] == expected);
    }
    /* Scale 1 gives the normals rounded to float32. */
    assert_ok(nnb_rng_seed(rng, 0));
    assert_ok(nnb_rng_fill_normal(rng, out, 5, 1.0f));
    for (size_t i = 0; i < 5; ++i) {
        assert_true(out[i] == (float)k_randn_first5[i]);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_fill_normal_rounds_normal_before_scaling(void **state)
{
    (void)state;
    /* nnfs rounds each double normal to float32 and only then multiplies by fl32(scale) in float32.
     * Scaling the double normal and rounding once gives a different float for some draws; the loop
     * checks that such draws exist among the ones compared, so the check can tell the two rules apart. */
    nnb_rng *rng = NULL;
    ref_mt r;
    assert_ok(nnb_rng_create(&rng, 0));
    ref_seed(&r, 0);
    static float out[2000];
    assert_ok(nnb_rng_fill_normal(rng, out, 2000, 0.2f));
    int distinguishing = 0;
    for (size_t i = 0; i < 2000; ++i) {
        double g = ref_normal(&r);
        float rounded_first = 0.2f * (float)g;
        float rounded_once = (float)((double)0.2f * g);
        distinguishing += rounded_first != rounded_once;
        assert_true(out[i] == rounded_first);
    }
    assert_true(distinguishing > 0);
    nnb_rng_destroy(rng);
}

static void test_rng_fill_normal_arguments(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_rng_fill_normal(rng, NULL, 0, 1.0f));
    assert_status(nnb_rng_fill_normal(rng, NULL, 3, 1.0f), NNB_ERR_NULL);
    float out[1] = {42.0f};
    assert_status(nnb_rng_fill_normal(NULL, out, 1, 1.0f), NNB_ERR_NULL);
    assert_true(out[0] == 42.0f);
    /* Nothing was consumed by the calls above: the stream still starts at randn[0]. */
    assert_close(nnb_rng_normal(rng), k_randn_first5[0], 1e-15, 0.0);
    nnb_rng_destroy(rng);
}

/* ---- bounded integers ------------------------------------------------------------------------------- */

static void test_rng_below_power_of_two_is_low_bits(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    /* 16 divides 2^32: no rejection, value = word mod 16.
     * 2357136044 = 16 * 147321002 + 12, 2546248239 = 16 * 159140514 + 15, 3071714933 = 16 * 191982183 + 5,
     * 3626093760 = 16 * 226630860 + 0, 2588848963 = 16 * 161803060 + 3 */
    const uint32_t expected[5] = {12, 15, 5, 0, 3};
    for (size_t i = 0; i < 5; ++i) {
        uint32_t v = 99;
        assert_ok(nnb_rng_below(rng, 16, &v));
        assert_int_equal(v, expected[i]);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_below_three_uses_unrejected_words(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    /* 2^32 mod 3 = 1, so only the word 2^32 - 1 is rejected; none of the first five is.
     * 2357136044 = 3 * 785712014 + 2, 2546248239 = 3 * 848749413 + 0, 3071714933 = 3 * 1023904977 + 2,
     * 3626093760 = 3 * 1208697920 + 0, 2588848963 = 3 * 862949654 + 1 */
    const uint32_t expected[5] = {2, 0, 2, 0, 1};
    for (size_t i = 0; i < 5; ++i) {
        uint32_t v = 99;
        assert_ok(nnb_rng_below(rng, 3, &v));
        assert_int_equal(v, expected[i]);
    }
    nnb_rng_destroy(rng);
}

static void test_rng_below_rejects_the_partial_top_block(void **state)
{
    (void)state;
    /* bound = 2^31 + 1: 2^32 = 1 * bound + (2^31 - 1), so words >= 2^32 - (2^31 - 1) = 2^31 + 1 are rejected
     * and the accepted ones are taken mod bound. The reference finds the first accepted words. */
    const uint32_t bound = 0x80000001u;
    nnb_rng *rng = NULL;
    ref_mt r;
    assert_ok(nnb_rng_create(&rng, 0));
    ref_seed(&r, 0);
    int rejected = 0;
    for (int i = 0; i < 50; ++i) {
        uint32_t w;
        while ((w = ref_u32(&r)) > 0x80000000u) {
            ++rejected;
        }
        uint32_t v = 0;
        assert_ok(nnb_rng_below(rng, bound, &v));
        assert_int_equal(v, w % bound);
    }
    /* The first five published words are all above 2^31: at least those were rejected. */
    assert_true(rejected >= 5);
    nnb_rng_destroy(rng);
}

static void test_rng_below_stays_in_range_and_covers_it(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 42));
    size_t seen[7] = {0};
    for (int i = 0; i < 7000; ++i) {
        uint32_t v = 1000;
        assert_ok(nnb_rng_below(rng, 7, &v));
        assert_true(v < 7);
        ++seen[v];
    }
    for (size_t k = 0; k < 7; ++k) {
        /* Expected 1000 each; 6 sigma of a binomial(7000, 1/7) is about 178. */
        assert_true(seen[k] > 800 && seen[k] < 1200);
    }
    uint32_t one = 5;
    assert_ok(nnb_rng_below(rng, 1, &one));
    assert_int_equal(one, 0);
    nnb_rng_destroy(rng);
}

static void test_rng_below_bound_zero_and_null(void **state)
{
    (void)state;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    uint32_t v = 77;
    assert_status(nnb_rng_below(rng, 0, &v), NNB_ERR_ARGUMENT);
    assert_int_equal(v, 77);
    assert_status(nnb_rng_below(rng, 5, NULL), NNB_ERR_NULL);
    assert_status(nnb_rng_below(NULL, 5, &v), NNB_ERR_NULL);
    assert_int_equal(v, 77);
    /* No words were consumed by the failed calls. */
    assert_int_equal(nnb_rng_u32(rng), k_mt_first5[0]);
    nnb_rng_destroy(rng);
}

/* ---- NULL handling and allocation failures --------------------------------------------------------- */

static void test_rng_null_generator_gives_zero_and_errors(void **state)
{
    (void)state;
    assert_int_equal(nnb_rng_u32(NULL), 0u);
    assert_true(nnb_rng_uniform(NULL) == 0.0);
    assert_true(nnb_rng_normal(NULL) == 0.0);
    assert_status(nnb_rng_create(NULL, 0), NNB_ERR_NULL);
    static int sentinel_storage;
    nnb_rng *out = (nnb_rng *)(void *)&sentinel_storage;
    assert_status(nnb_rng_clone(&out, NULL), NNB_ERR_NULL);
    assert_ptr_equal(out, (void *)&sentinel_storage);
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_status(nnb_rng_clone(NULL, rng), NNB_ERR_NULL);
    nnb_rng_destroy(rng);
    nnb_rng_destroy(NULL);
}

static void test_rng_create_and_clone_oom_sweep(void **state)
{
    (void)state;
    static int sentinel_storage;
    nnb_rng *const sentinel = (nnb_rng *)(void *)&sentinel_storage;
    nnb_rng *rng = sentinel;
    size_t failures = 0;
    for (size_t k = 1; k < 16; ++k) {
        size_t live = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_rng_create(&rng, 0);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            break;
        }
        assert_status(st, NNB_ERR_NOMEM);
        assert_ptr_equal(rng, sentinel);
        assert_int_equal(nnb_test_live_blocks(), live);
        ++failures;
    }
    assert_true(failures >= 1);
    assert_ptr_not_equal(rng, sentinel);

    (void)nnb_rng_u32(rng);
    nnb_rng *copy = sentinel;
    failures = 0;
    for (size_t k = 1; k < 16; ++k) {
        size_t live = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_rng_clone(&copy, rng);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            break;
        }
        assert_status(st, NNB_ERR_NOMEM);
        assert_ptr_equal(copy, sentinel);
        assert_int_equal(nnb_test_live_blocks(), live);
        ++failures;
    }
    assert_true(failures >= 1);
    /* The failed clones did not disturb the source: both continue with the second published word. */
    assert_int_equal(nnb_rng_u32(copy), k_mt_first5[1]);
    assert_int_equal(nnb_rng_u32(rng), k_mt_first5[1]);
    nnb_rng_destroy(copy);
    nnb_rng_destroy(rng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_generator_matches_published_seed0),
        cmocka_unit_test(test_rng_seed0_raw_words_match_numpy),
        cmocka_unit_test(test_rng_seed0_uniforms_match_numpy_exactly),
        cmocka_unit_test(test_rng_seed0_normals_match_numpy),
        cmocka_unit_test(test_rng_long_streams_match_reference_for_several_seeds),
        cmocka_unit_test(test_rng_normals_come_in_cached_pairs),
        cmocka_unit_test(test_rng_reseed_clears_the_normal_cache),
        cmocka_unit_test(test_rng_reseed_with_other_seed_matches_fresh_generator),
        cmocka_unit_test(test_rng_clone_continues_identically_and_independently),
        cmocka_unit_test(test_rng_fill_normal_rounds_like_nnfs),
        cmocka_unit_test(test_rng_fill_normal_rounds_normal_before_scaling),
        cmocka_unit_test(test_rng_fill_normal_arguments),
        cmocka_unit_test(test_rng_below_power_of_two_is_low_bits),
        cmocka_unit_test(test_rng_below_three_uses_unrejected_words),
        cmocka_unit_test(test_rng_below_rejects_the_partial_top_block),
        cmocka_unit_test(test_rng_below_stays_in_range_and_covers_it),
        cmocka_unit_test(test_rng_below_bound_zero_and_null),
        cmocka_unit_test(test_rng_null_generator_gives_zero_and_errors),
        cmocka_unit_test(test_rng_create_and_clone_oom_sweep),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
