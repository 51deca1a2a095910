/* SPDX-License-Identifier: MIT */
/*
 * The activations after the book's: tanh, leaky ReLU, ELU, GELU (exact and tanh approximation), softplus.
 * Forward values against hand values and double-precision formulas written here from the definitions
 * (libm's tanh, expm1, erf, log1p); backward against central finite differences of those double formulas
 * (never of the library's forward); bad parameters and shapes refused with the output untouched; in-place
 * use; the model layers and their parameters.
 */
#include "test_support.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define N_POINTS 15
/* Points across the interesting ranges: both sides of 0, the GELU bend, saturation, exact zero. */
static const float POINTS[N_POINTS] = {-30.0f, -8.0f, -3.0f, -1.5f, -1.0f, -0.5f, -0.1f, 0.0f,
                                       0.1f,   0.5f,  1.0f,  1.5f,  3.0f,  8.0f,  30.0f};

typedef enum which { W_TANH, W_LEAKY, W_ELU, W_GELU_EXACT, W_GELU_TANH, W_SOFTPLUS } which;

/* The definitions, in double, independent of the library's code. */
static double reference(which w, double x, double p)
{
    switch (w) {
    case W_TANH: return tanh(x);
    case W_LEAKY: return x > 0 ? x : p * x;
    case W_ELU: return x > 0 ? x : p * (exp(x) - 1.0);
    case W_GELU_EXACT: return x * 0.5 * erfc(-x / sqrt(2.0));
    case W_GELU_TANH: {
        const double c = sqrt(2.0 / acos(-1.0));
        return 0.5 * x * (1.0 + tanh(c * (x + 0.044715 * pow(x, 3))));
    }
    case W_SOFTPLUS: {
        if (x > 30) {
            return x + exp(-x); /* log(1 + e^x) = x + log(1 + e^-x), the second term's series to first order */
        }
        if (x < -5) {
            /* log(1 + u) = u - u^2/2 + u^3/3 - ... for u = e^x < 0.007: 1 + u would round away u's digits. */
            const double u = exp(x);
            return u * (1 - u * (1.0 / 2 - u * (1.0 / 3 - u * (1.0 / 4 - u * (1.0 / 5 - u / 6)))));
        }
        return log(1.0 + exp(x));
    }
    }
    return NAN;
}

static nnb_status forward(which w, float p, const nnb_tensor *in, nnb_tensor *out)
{
    switch (w) {
    case W_TANH: return nnb_tanh_forward(in, out);
    case W_LEAKY: return nnb_leaky_relu_forward(p, in, out);
    case W_ELU: return nnb_elu_forward(p, in, out);
    case W_GELU_EXACT: return nnb_gelu_forward(NNB_GELU_EXACT, in, out);
    case W_GELU_TANH: return nnb_gelu_forward(NNB_GELU_TANH, in, out);
    case W_SOFTPLUS: return nnb_softplus_forward(in, out);
    }
    return NNB_ERR_ARGUMENT;
}

/* tanh's backward takes the forward output, the others the forward input. */
static nnb_status backward(which w, float p, const nnb_tensor *x, const nnb_tensor *y, const nnb_tensor *dv,
                           nnb_tensor *dx)
{
    switch (w) {
    case W_TANH: return nnb_tanh_backward(y, dv, dx);
    case W_LEAKY: return nnb_leaky_relu_backward(p, x, dv, dx);
    case W_ELU: return nnb_elu_backward(p, x, dv, dx);
    case W_GELU_EXACT: return nnb_gelu_backward(NNB_GELU_EXACT, x, dv, dx);
    case W_GELU_TANH: return nnb_gelu_backward(NNB_GELU_TANH, x, dv, dx);
    case W_SOFTPLUS: return nnb_softplus_backward(x, dv, dx);
    }
    return NNB_ERR_ARGUMENT;
}

static const which ALL[6] = {W_TANH, W_LEAKY, W_ELU, W_GELU_EXACT, W_GELU_TANH, W_SOFTPLUS};
static const float PARAM[6] = {0.0f, 0.2f, 1.5f, 0.0f, 0.0f, 0.0f};

/* ---- forward ------------------------------------------------------------------------------------------ */

static void test_forward_matches_double_definitions(void **state)
{
    (void)state;
    for (size_t k = 0; k < 6; ++k) {
        nnb_tensor *in = NULL, *out = NULL;
        assert_ok(nnb_tensor_create_from(&in, 3, 5, POINTS));
        assert_ok(nnb_tensor_create(&out, 3, 5));
        assert_ok(forward(ALL[k], PARAM[k], in, out));
        for (size_t i = 0; i < N_POINTS; ++i) {
            double want = reference(ALL[k], (double)POINTS[i], (double)PARAM[k]);
            float got = nnb_tensor_cdata(out)[i];
            /* One rounding of the double value to float32: within half an ulp, i.e. 6e-8 relative. */
            if (!nnb_test_close((double)got, want, 1.2e-7, 1e-30)) {
                fail_msg("activation %zu at x = %g: got %.9g, want %.9g", k, (double)POINTS[i], (double)got, want);
            }
        }
        assert_memory_equal(nnb_tensor_cdata(in), POINTS, sizeof POINTS); /* input only read */
        nnb_tensor_destroy(in);
        nnb_tensor_destroy(out);
    }
}

/* Values worked out by hand or from published tables. */
static void test_forward_hand_values(void **state)
{
    (void)state;
    const float x[4] = {-2.0f, 0.0f, 1.0f, 2.0f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 4, x));
    assert_ok(nnb_tensor_create(&out, 1, 4));
    const float *y = nnb_tensor_cdata(out);
    /* leaky ReLU, slope 0.25: -0.5, 0, 1, 2 exactly. */
    assert_ok(nnb_leaky_relu_forward(0.25f, in, out));
    assert_true(y[0] == -0.5f && y[1] == 0.0f && y[2] == 1.0f && y[3] == 2.0f);
    /* ELU, alpha 1: e^-2 - 1 = -0.8646647167633873. */
    assert_ok(nnb_elu_forward(1.0f, in, out));
    assert_close(y[0], -0.8646647167633873, 1e-7, 0);
    assert_true(y[1] == 0.0f && y[2] == 1.0f);
    /* GELU exact: 1 * Phi(1) = 0.8413447460685429, -2 * Phi(-2) = -2 * 0.0227501319481792. */
    assert_ok(nnb_gelu_forward(NNB_GELU_EXACT, in, out));
    assert_close(y[2], 0.8413447460685429, 1e-7, 0);
    assert_close(y[0], -0.0455002638963584, 1e-7, 0);
    assert_true(y[1] == 0.0f);
    /* softplus(0) = ln 2 = 0.6931471805599453; tanh(1) = 0.7615941559557649. */
    assert_ok(nnb_softplus_forward(in, out));
    assert_close(y[1], 0.6931471805599453, 1e-7, 0);
    assert_ok(nnb_tanh_forward(in, out));
    assert_close(y[2], 0.7615941559557649, 1e-7, 0);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_forward_extremes_do_not_overflow(void **state)
{
    (void)state;
    const float x[4] = {-1e30f, 1e30f, -FLT_MAX, FLT_MAX};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 4, x));
    assert_ok(nnb_tensor_create(&out, 1, 4));
    const float *y = nnb_tensor_cdata(out);
    assert_ok(nnb_softplus_forward(in, out));
    assert_true(y[0] == 0.0f && y[1] == 1e30f && y[3] == FLT_MAX);
    assert_ok(nnb_gelu_forward(NNB_GELU_TANH, in, out));
    assert_true(y[0] == 0.0f && y[1] == 1e30f && y[3] == FLT_MAX);
    assert_ok(nnb_gelu_forward(NNB_GELU_EXACT, in, out));
    assert_true(y[0] == 0.0f && y[1] == 1e30f);
    assert_ok(nnb_elu_forward(2.0f, in, out));
    assert_true(y[0] == -2.0f && y[1] == 1e30f);
    assert_ok(nnb_tanh_forward(in, out));
    assert_true(y[0] == -1.0f && y[1] == 1.0f);
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_nan_stays_nan(void **state)
{
    (void)state;
    const float x[1] = {NAN};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 1, x));
    assert_ok(nnb_tensor_create(&out, 1, 1));
    for (size_t k = 0; k < 6; ++k) {
        assert_ok(nnb_tensor_fill(out, 0.0f));
        assert_ok(forward(ALL[k], PARAM[k], in, out));
        assert_true(isnan(nnb_tensor_cdata(out)[0]));
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

static void test_in_place_equals_out_of_place(void **state)
{
    (void)state;
    for (size_t k = 0; k < 6; ++k) {
        nnb_tensor *a = NULL, *b = NULL;
        assert_ok(nnb_tensor_create_from(&a, 3, 5, POINTS));
        assert_ok(nnb_tensor_create(&b, 3, 5));
        assert_ok(forward(ALL[k], PARAM[k], a, b));
        assert_ok(forward(ALL[k], PARAM[k], a, a));
        assert_memory_equal(nnb_tensor_cdata(a), nnb_tensor_cdata(b), sizeof POINTS);
        nnb_tensor_destroy(a);
        nnb_tensor_destroy(b);
    }
}

/* ---- backward ----------------------------------------------------------------------------------------- */

/*
 * dinputs = dvalues * f'(x), with f' the central difference of the double definition, step 1e-6 (truncation
 * ~1e-12 f''', rounding ~1e-10): the library's float32 result is within a few float32 ulp. At x = 0 the
 * kinked functions (leaky ReLU, ELU with alpha != 1) have no derivative; the library's documented choice
 * (the left branch) is checked by hand instead.
 */
static void test_backward_matches_finite_differences(void **state)
{
    (void)state;
    const double h = 1e-6;
    float dv[N_POINTS];
    for (size_t i = 0; i < N_POINTS; ++i) {
        dv[i] = 0.5f + 0.25f * (float)(i % 5); /* different upstream gradients per element */
    }
    for (size_t k = 0; k < 6; ++k) {
        nnb_tensor *x = NULL, *y = NULL, *d = NULL, *dx = NULL;
        assert_ok(nnb_tensor_create_from(&x, 3, 5, POINTS));
        assert_ok(nnb_tensor_create(&y, 3, 5));
        assert_ok(nnb_tensor_create_from(&d, 3, 5, dv));
        assert_ok(nnb_tensor_create(&dx, 3, 5));
        assert_ok(forward(ALL[k], PARAM[k], x, y));
        assert_ok(backward(ALL[k], PARAM[k], x, y, d, dx));
        for (size_t i = 0; i < N_POINTS; ++i) {
            double xi = (double)POINTS[i];
            double p = (double)PARAM[k];
            double want;
            if (xi == 0.0 && ALL[k] == W_LEAKY) {
                want = p * dv[i];
            } else if (xi == 0.0 && ALL[k] == W_ELU) {
                want = p * dv[i]; /* alpha * e^0 */
            } else {
                double fd = (reference(ALL[k], xi + h, p) - reference(ALL[k], xi - h, p)) / (2.0 * h);
                want = fd * dv[i];
            }
            double got = (double)nnb_tensor_cdata(dx)[i];
            /*
             * tanh's backward reads the float32 output y, whose rounding (up to 6e-8 near |y| = 1) moves
             * 1 - y^2 by up to 1.2e-7: an absolute error that dominates where the derivative is tiny.
             */
            double abs_tol = ALL[k] == W_TANH ? 1.5e-7 * dv[i] : 1e-9;
            if (!nnb_test_close(got, want, 2e-6, abs_tol)) {
                fail_msg("activation %zu at x = %g: gradient %.9g, finite difference %.9g", k, xi, got, want);
            }
        }
        nnb_tensor_destroy(x);
        nnb_tensor_destroy(y);
        nnb_tensor_destroy(d);
        nnb_tensor_destroy(dx);
    }
}

/* dinputs may be dvalues itself. */
static void test_backward_in_place(void **state)
{
    (void)state;
    for (size_t k = 0; k < 6; ++k) {
        nnb_tensor *x = NULL, *y = NULL, *d = NULL, *dx = NULL;
        assert_ok(nnb_tensor_create_from(&x, 3, 5, POINTS));
        assert_ok(nnb_tensor_create(&y, 3, 5));
        assert_ok(nnb_tensor_create(&d, 3, 5));
        assert_ok(nnb_tensor_create(&dx, 3, 5));
        assert_ok(nnb_tensor_fill(d, 0.75f));
        assert_ok(forward(ALL[k], PARAM[k], x, y));
        assert_ok(backward(ALL[k], PARAM[k], x, y, d, dx));
        assert_ok(backward(ALL[k], PARAM[k], x, y, d, d));
        assert_memory_equal(nnb_tensor_cdata(d), nnb_tensor_cdata(dx), sizeof POINTS);
        nnb_tensor_destroy(x);
        nnb_tensor_destroy(y);
        nnb_tensor_destroy(d);
        nnb_tensor_destroy(dx);
    }
}

/* ---- errors ------------------------------------------------------------------------------------------- */

static void test_bad_parameters_refused_output_untouched(void **state)
{
    (void)state;
    nnb_tensor *in = NULL, *out = NULL, *dv = NULL;
    assert_ok(nnb_tensor_create_from(&in, 3, 5, POINTS));
    assert_ok(nnb_tensor_create(&out, 3, 5));
    assert_ok(nnb_tensor_create(&dv, 3, 5));
    assert_ok(nnb_tensor_fill(out, 7.0f));
    const float bad_slopes[4] = {NAN, -0.01f, 1.5f, INFINITY};
    for (size_t i = 0; i < 4; ++i) {
        assert_int_equal(nnb_leaky_relu_forward(bad_slopes[i], in, out), NNB_ERR_ARGUMENT);
        assert_non_null(strstr(nnb_last_error(), "slope"));
        assert_int_equal(nnb_leaky_relu_backward(bad_slopes[i], in, dv, out), NNB_ERR_ARGUMENT);
    }
    const float bad_alphas[4] = {NAN, -1.0f, INFINITY, -INFINITY};
    for (size_t i = 0; i < 4; ++i) {
        assert_int_equal(nnb_elu_forward(bad_alphas[i], in, out), NNB_ERR_ARGUMENT);
        assert_non_null(strstr(nnb_last_error(), "alpha"));
        assert_int_equal(nnb_elu_backward(bad_alphas[i], in, dv, out), NNB_ERR_ARGUMENT);
    }
    assert_int_equal(nnb_gelu_forward((nnb_gelu_approximation)2, in, out), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "GELU"));
    assert_int_equal(nnb_gelu_backward((nnb_gelu_approximation)-1, in, dv, out), NNB_ERR_ARGUMENT);
    for (size_t i = 0; i < N_POINTS; ++i) {
        assert_true(nnb_tensor_cdata(out)[i] == 7.0f);
    }
    /* The edges of the ranges are accepted. */
    assert_ok(nnb_leaky_relu_forward(0.0f, in, out));
    assert_ok(nnb_leaky_relu_forward(1.0f, in, out));
    assert_ok(nnb_elu_forward(0.0f, in, out));
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(dv);
}

static void test_null_and_shape_errors(void **state)
{
    (void)state;
    nnb_tensor *in = NULL, *out = NULL, *wrong = NULL;
    assert_ok(nnb_tensor_create_from(&in, 3, 5, POINTS));
    assert_ok(nnb_tensor_create(&out, 3, 5));
    assert_ok(nnb_tensor_create(&wrong, 5, 3));
    assert_ok(nnb_tensor_fill(wrong, 7.0f));
    for (size_t k = 0; k < 6; ++k) {
        assert_int_equal(forward(ALL[k], PARAM[k], NULL, out), NNB_ERR_NULL);
        assert_int_equal(forward(ALL[k], PARAM[k], in, NULL), NNB_ERR_NULL);
        assert_int_equal(forward(ALL[k], PARAM[k], in, wrong), NNB_ERR_SHAPE);
        assert_int_equal(backward(ALL[k], PARAM[k], in, in, NULL, out), NNB_ERR_NULL);
        assert_int_equal(backward(ALL[k], PARAM[k], in, in, out, NULL), NNB_ERR_NULL);
        assert_int_equal(backward(ALL[k], PARAM[k], in, in, out, wrong), NNB_ERR_SHAPE);
        assert_int_equal(backward(ALL[k], PARAM[k], in, in, wrong, out), NNB_ERR_SHAPE);
        assert_true(nnb_tensor_cdata(wrong)[0] == 7.0f);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(wrong);
}

/* ---- model layers ------------------------------------------------------------------------------------- */

static void test_model_layers_store_their_parameters_and_refuse_bad_ones(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 3, 0.5f, NULL));
    assert_int_equal(nnb_model_add_leaky_relu(m, NAN), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_add_leaky_relu(m, -0.5f), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_add_elu(m, -1.0f), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_add_elu(m, INFINITY), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_add_gelu(m, (nnb_gelu_approximation)7), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_add_tanh(NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_model_add_softplus(NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_model_layer_count(m), 1); /* nothing added by the refused calls */
    assert_ok(nnb_model_add_tanh(m));
    assert_ok(nnb_model_add_leaky_relu(m, 0.125f));
    assert_ok(nnb_model_add_elu(m, 0.75f));
    assert_ok(nnb_model_add_gelu(m, NNB_GELU_TANH));
    assert_ok(nnb_model_add_softplus(m));
    assert_ok(nnb_model_add_dense(m, 3, 2, 0.5f, NULL));
    assert_ok(nnb_model_finalize(m));
    assert_int_equal(nnb_model_add_tanh(m), NNB_ERR_STATE);
    const nnb_layer_kind kinds[7] = {NNB_LAYER_DENSE, NNB_LAYER_TANH,     NNB_LAYER_LEAKY_RELU, NNB_LAYER_ELU,
                                     NNB_LAYER_GELU,  NNB_LAYER_SOFTPLUS, NNB_LAYER_DENSE};
    for (size_t i = 0; i < 7; ++i) {
        nnb_layer_info li;
        assert_ok(nnb_model_layer_info(m, i, &li));
        assert_int_equal(li.kind, kinds[i]);
        assert_int_equal(li.n_outputs, i < 6 ? 3 : 2);
    }
    /* The fixed numbers other code and model files rely on. */
    assert_int_equal(NNB_LAYER_TANH, 6);
    assert_int_equal(NNB_LAYER_LEAKY_RELU, 7);
    assert_int_equal(NNB_LAYER_ELU, 8);
    assert_int_equal(NNB_LAYER_GELU, 9);
    assert_int_equal(NNB_LAYER_SOFTPLUS, 10);
    nnb_layer_info li;
    assert_ok(nnb_model_layer_info(m, 2, &li));
    assert_true(li.alpha == 0.125f);
    assert_ok(nnb_model_layer_info(m, 3, &li));
    assert_true(li.alpha == 0.75f);
    assert_ok(nnb_model_layer_info(m, 4, &li));
    assert_int_equal(li.gelu, NNB_GELU_TANH);
    nnb_model_destroy(m);
}

/* Prediction through the chain equals the functions applied by hand, layer after layer. */
static void test_model_prediction_chains_the_functions(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.5f, NULL));
    assert_ok(nnb_model_add_elu(m, 0.5f));
    assert_ok(nnb_model_add_gelu(m, NNB_GELU_EXACT));
    assert_ok(nnb_model_add_dense(m, 2, 1, 0.5f, NULL));
    assert_ok(nnb_model_add_leaky_relu(m, 0.5f));
    assert_ok(nnb_model_finalize(m));
    const float w1[4] = {1, -2, 0.5f, 1}, b1[2] = {0, 0.25f}, w2[2] = {1, -1}, b2[1] = {0};
    assert_ok(nnb_dense_set_weights(nnb_model_dense(m, 0), w1, 4));
    assert_ok(nnb_dense_set_biases(nnb_model_dense(m, 0), b1, 2));
    assert_ok(nnb_dense_set_weights(nnb_model_dense(m, 3), w2, 2));
    assert_ok(nnb_dense_set_biases(nnb_model_dense(m, 3), b2, 1));
    const float x[2] = {1.0f, 1.0f};
    nnb_tensor *X = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&X, 1, 2, x));
    assert_ok(nnb_tensor_create(&out, 1, 1));
    assert_ok(nnb_model_predict(m, X, out, 0, NULL));
    /* h = [1 + 0.5, -2 + 1 + 0.25] = [1.5, -0.75]; ELU(0.5): [1.5, 0.5 (e^-0.75 - 1)]; GELU; dense; leaky. */
    double h0 = 1.5, h1 = 0.5 * (exp(-0.75) - 1.0);
    h0 = reference(W_GELU_EXACT, h0, 0);
    h1 = reference(W_GELU_EXACT, h1, 0);
    double o = h0 - h1;
    o = o > 0 ? o : 0.5 * o;
    assert_close(nnb_tensor_cdata(out)[0], o, 1e-6, 1e-7);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(out);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_double_definitions),
        cmocka_unit_test(test_forward_hand_values),
        cmocka_unit_test(test_forward_extremes_do_not_overflow),
        cmocka_unit_test(test_nan_stays_nan),
        cmocka_unit_test(test_in_place_equals_out_of_place),
        cmocka_unit_test(test_backward_matches_finite_differences),
        cmocka_unit_test(test_backward_in_place),
        cmocka_unit_test(test_bad_parameters_refused_output_untouched),
        cmocka_unit_test(test_null_and_shape_errors),
        cmocka_unit_test(test_model_layers_store_their_parameters_and_refuse_bad_ones),
        cmocka_unit_test(test_model_prediction_chains_the_functions),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
