/* SPDX-License-Identifier: MIT */
/*
 * Initializers: the statistics of the drawn weights against the published formulas (He: var 2 / fan_in,
 * Glorot: var 2 / (fan_in + fan_out), uniform on [-limit, limit] with limit sqrt(6 / fan_in) or
 * sqrt(6 / (fan_in + fan_out))), with bounds of five standard errors for the sample size; the uniform bounds
 * exactly; reproducibility from the seed; the default path drawing the very bits of nnb_model_add_dense.
 */
#include "test_support.h"

#include <math.h>
#include <string.h>

#define FAN_IN 400u
#define FAN_OUT 250u
#define COUNT (FAN_IN * FAN_OUT)

static float g_w[COUNT];
static float g_b[FAN_OUT];

static void draw(nnb_init_kind kind, uint32_t seed)
{
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, seed));
    nnb_init init = nnb_init_of(kind);
    assert_ok(nnb_init_fill(rng, &init, FAN_IN, FAN_OUT, g_w, g_b));
    nnb_rng_destroy(rng);
}

/*
 * Mean within 5 standard errors of 0 (sigma / sqrt(n)); mean square within 5 standard errors of var, where
 * the spread of x^2 is sqrt(2) var for a normal and sqrt(4/45) limit^2 = sqrt(4/5) var for a uniform.
 */
static void check_moments(double var, int uniform)
{
    double sum = 0.0, sq = 0.0;
    for (size_t i = 0; i < COUNT; ++i) {
        sum += g_w[i];
        sq += (double)g_w[i] * g_w[i];
    }
    double n = (double)COUNT;
    double mean = sum / n;
    double msq = sq / n;
    double sd_x2 = uniform ? sqrt(4.0 / 5.0) * var : sqrt(2.0) * var;
    if (fabs(mean) > 5.0 * sqrt(var / n)) {
        fail_msg("mean %.6g outside 5 standard errors (%.6g)", mean, 5.0 * sqrt(var / n));
    }
    if (fabs(msq - var) > 5.0 * sd_x2 / sqrt(n)) {
        fail_msg("mean square %.6g, expected %.6g within %.6g", msq, var, 5.0 * sd_x2 / sqrt(n));
    }
    for (size_t j = 0; j < FAN_OUT; ++j) {
        assert_true(g_b[j] == 0.0f);
    }
}

static void check_uniform_bounds(double limit)
{
    float lim = (float)limit;
    float most = 0.0f;
    for (size_t i = 0; i < COUNT; ++i) {
        float a = fabsf(g_w[i]);
        if (a > lim) {
            fail_msg("weight %zu = %.9g outside the limit %.9g", i, (double)g_w[i], (double)lim);
        }
        most = a > most ? a : most;
    }
    /* 10^5 uniform draws all below 0.999 limit: probability 0.999^100000, about e^-100. */
    assert_true(most > 0.999f * lim);
}

static void test_he_normal_moments(void **state)
{
    (void)state;
    draw(NNB_INIT_HE_NORMAL, 1);
    check_moments(2.0 / FAN_IN, 0);
}

static void test_glorot_normal_moments(void **state)
{
    (void)state;
    draw(NNB_INIT_GLOROT_NORMAL, 2);
    check_moments(2.0 / (FAN_IN + FAN_OUT), 0);
}

static void test_he_uniform_moments_and_bounds(void **state)
{
    (void)state;
    draw(NNB_INIT_HE_UNIFORM, 3);
    double limit = sqrt(6.0 / FAN_IN);
    check_moments(limit * limit / 3.0, 1);
    check_uniform_bounds(limit);
}

static void test_glorot_uniform_moments_and_bounds(void **state)
{
    (void)state;
    draw(NNB_INIT_GLOROT_UNIFORM, 4);
    double limit = sqrt(6.0 / (FAN_IN + FAN_OUT));
    check_moments(limit * limit / 3.0, 1);
    check_uniform_bounds(limit);
}

static void test_scaled_normal_moments(void **state)
{
    (void)state;
    draw(NNB_INIT_SCALED_NORMAL, 5);
    check_moments(0.01 * 0.01, 0);
}

static void test_std_reports_the_formulas(void **state)
{
    (void)state;
    double s = 0.0;
    nnb_init init = nnb_init_of(NNB_INIT_HE_NORMAL);
    assert_ok(nnb_init_std(&init, 50, 10, &s));
    assert_close(s, 0.2, 1e-15, 0.0); /* sqrt(2 / 50) */
    init.weights = NNB_INIT_GLOROT_NORMAL;
    assert_ok(nnb_init_std(&init, 60, 40, &s));
    assert_close(s, sqrt(0.02), 1e-15, 0.0); /* sqrt(2 / 100) */
    init.weights = NNB_INIT_HE_UNIFORM;
    assert_ok(nnb_init_std(&init, 6, 1, &s));
    assert_close(s, 1.0 / sqrt(3.0), 1e-15, 0.0); /* limit sqrt(6 / 6) = 1 */
    init.weights = NNB_INIT_GLOROT_UNIFORM;
    assert_ok(nnb_init_std(&init, 4, 2, &s));
    assert_close(s, 1.0 / sqrt(3.0), 1e-15, 0.0); /* limit sqrt(6 / 6) = 1 */
    init = nnb_init_default();
    assert_ok(nnb_init_std(&init, 4, 2, &s));
    assert_close(s, (double)0.01f, 0.0, 0.0);
}

static void test_same_seed_same_bits(void **state)
{
    (void)state;
    static float first[COUNT];
    for (int k = 0; k <= NNB_INIT_GLOROT_UNIFORM; ++k) {
        draw((nnb_init_kind)k, 42);
        memcpy(first, g_w, sizeof first);
        draw((nnb_init_kind)k, 42);
        assert_memory_equal(first, g_w, sizeof first);
        draw((nnb_init_kind)k, 43);
        assert_true(memcmp(first, g_w, sizeof first) != 0);
    }
}

static void test_bias_constant(void **state)
{
    (void)state;
    nnb_dense *d = NULL;
    nnb_rng *rng = NULL;
    assert_ok(nnb_rng_create(&rng, 0));
    assert_ok(nnb_dense_create(&d, 3, 4, NULL, 1.0f));
    nnb_init init = nnb_init_of(NNB_INIT_GLOROT_UNIFORM);
    init.bias = 0.1f;
    assert_ok(nnb_dense_init(d, rng, &init));
    const float *b = nnb_tensor_cdata(nnb_dense_biases(d));
    for (size_t j = 0; j < 4; ++j) {
        assert_true(b[j] == 0.1f);
    }
    nnb_dense_destroy(d);
    nnb_rng_destroy(rng);
}

static void expect_same_weights(const nnb_model *a, const nnb_model *b, size_t layer)
{
    const nnb_tensor *wa = nnb_dense_weights(nnb_model_cdense(a, layer));
    const nnb_tensor *wb = nnb_dense_weights(nnb_model_cdense(b, layer));
    assert_int_equal(nnb_tensor_size(wa), nnb_tensor_size(wb));
    assert_memory_equal(nnb_tensor_cdata(wa), nnb_tensor_cdata(wb), nnb_tensor_size(wa) * sizeof(float));
}

static void test_default_path_is_the_books(void **state)
{
    (void)state;
    nnb_model *old = NULL, *fresh = NULL;
    assert_ok(nnb_model_create(&old, 0));
    assert_ok(nnb_model_create(&fresh, 0));
    assert_ok(nnb_model_add_dense(old, 2, 64, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    assert_ok(nnb_model_add_relu(old));
    assert_ok(nnb_model_add_dense(old, 64, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    nnb_init book = nnb_init_default();
    assert_ok(nnb_model_add_dense_init(fresh, 2, 64, NULL, NULL));
    assert_ok(nnb_model_add_relu(fresh));
    assert_ok(nnb_model_add_dense_init(fresh, 64, 3, &book, NULL));
    expect_same_weights(old, fresh, 0);
    expect_same_weights(old, fresh, 2);
    nnb_layer_info info;
    assert_ok(nnb_model_layer_info(fresh, 2, &info));
    assert_true(info.init_scale == NNB_DENSE_DEFAULT_INIT_SCALE);
    assert_int_equal(info.init.weights, NNB_INIT_SCALED_NORMAL);
    nnb_model_destroy(old);
    nnb_model_destroy(fresh);
}

static void test_model_layer_draws_from_the_model_generator(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    nnb_rng *rng = NULL;
    assert_ok(nnb_model_create(&m, 9));
    assert_ok(nnb_rng_create(&rng, 9));
    nnb_init he = nnb_init_of(NNB_INIT_HE_UNIFORM);
    assert_ok(nnb_model_add_dense_init(m, FAN_IN, FAN_OUT, &he, NULL));
    assert_ok(nnb_init_fill(rng, &he, FAN_IN, FAN_OUT, g_w, g_b));
    assert_memory_equal(nnb_tensor_cdata(nnb_dense_weights(nnb_model_cdense(m, 0))), g_w, sizeof g_w);
    nnb_layer_info info;
    assert_ok(nnb_model_layer_info(m, 0, &info));
    assert_int_equal(info.init.weights, NNB_INIT_HE_UNIFORM);
    assert_close(info.init_scale, sqrt(6.0 / FAN_IN) / sqrt(3.0), 1e-6, 0.0);
    /* Both generators are at the same place afterwards. */
    assert_int_equal(nnb_rng_u32(nnb_model_rng(m)), nnb_rng_u32(rng));
    nnb_model_destroy(m);
    nnb_rng_destroy(rng);
}

static void test_bad_arguments_change_nothing(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    nnb_rng *ref = NULL;
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_rng_create(&ref, 3));
    nnb_init bad = nnb_init_of((nnb_init_kind)99);
    assert_status(nnb_model_add_dense_init(m, 2, 2, &bad, NULL), NNB_ERR_ARGUMENT);
    bad = nnb_init_default();
    bad.scale = NAN;
    assert_status(nnb_model_add_dense_init(m, 2, 2, &bad, NULL), NNB_ERR_ARGUMENT);
    bad = nnb_init_of(NNB_INIT_HE_NORMAL);
    bad.bias = INFINITY;
    assert_status(nnb_model_add_dense_init(m, 2, 2, &bad, NULL), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dense_init(m, 0, 2, NULL, NULL), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_add_dense_init(NULL, 2, 2, NULL, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_model_layer_count(m), 0);
    assert_int_equal(nnb_rng_u32(nnb_model_rng(m)), nnb_rng_u32(ref));

    double s = 0.0;
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    assert_status(nnb_init_std(&he, 0, 3, &s), NNB_ERR_ARGUMENT);
    assert_status(nnb_init_std(NULL, 1, 3, &s), NNB_ERR_NULL);
    assert_status(nnb_init_fill(ref, &he, 1, 1, NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_dense_init(NULL, ref, &he), NNB_ERR_NULL);
    nnb_model_destroy(m);
    nnb_rng_destroy(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_he_normal_moments),
        cmocka_unit_test(test_glorot_normal_moments),
        cmocka_unit_test(test_he_uniform_moments_and_bounds),
        cmocka_unit_test(test_glorot_uniform_moments_and_bounds),
        cmocka_unit_test(test_scaled_normal_moments),
        cmocka_unit_test(test_std_reports_the_formulas),
        cmocka_unit_test(test_same_seed_same_bits),
        cmocka_unit_test(test_bias_constant),
        cmocka_unit_test(test_default_path_is_the_books),
        cmocka_unit_test(test_model_layer_draws_from_the_model_generator),
        cmocka_unit_test(test_bad_arguments_change_nothing),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
