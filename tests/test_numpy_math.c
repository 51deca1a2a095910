/* SPDX-License-Identifier: MIT */
/*
 * NNB_ARITHMETIC_NUMPY: the mode setting, numpy 1.24's float32 exp and log (compute/numpy_math.h) at
 * hand-picked arguments (specials, overflow and underflow bounds, subnormal results and arguments, the
 * cross-entropy's clip bounds), and the layers that use them in this mode (softmax, sigmoid, the sparse
 * cross-entropy). Every expected value is the bit pattern numpy 1.24 returned for the same float32 input
 * with its AVX-512F routine (its AVX2 routine gives the same bits); tests/reference/numpy_exp_log_check.py
 * compares over 10^7 arguments when numpy is installed.
 */
#include "test_support.h"

#include <stdint.h>
#include <string.h>

#include "compute/numpy_math.h"

static uint32_t bits_of(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

typedef struct pair {
    uint32_t x, y;
} pair;

static void test_arithmetic_mode_accepts_numpy(void **state)
{
    (void)state;
    assert_ok(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));
    assert_int_equal(nnb_get_arithmetic(), NNB_ARITHMETIC_NUMPY);
    assert_int_equal(nnb_set_arithmetic((nnb_arithmetic)3), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_get_arithmetic(), NNB_ARITHMETIC_NUMPY);
    assert_ok(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));
    assert_int_equal(nnb_get_arithmetic(), NNB_ARITHMETIC_REFERENCE);
    assert_ok(nnb_set_arithmetic(NNB_ARITHMETIC_FAST));
    assert_int_equal(nnb_get_arithmetic(), NNB_ARITHMETIC_FAST);
}

static void test_exp_matches_numpy_bits(void **state)
{
    (void)state;
    static const pair cases[] = {
        {0x00000000u, 0x3f800000u}, /* exp(0) = 1 */
        {0x80000000u, 0x3f800000u}, /* exp(-0) = 1 */
        {0x3f800000u, 0x402df855u}, /* exp(1): 1 ulp above the correctly rounded 0x402df854 */
        {0xbf800000u, 0x3ebc5ab1u}, /* exp(-1) */
        {0x3f000000u, 0x3fd3094cu}, /* exp(0.5) */
        {0x41200000u, 0x46ac14efu}, /* exp(10) */
        {0xc1200000u, 0x383e6bccu}, /* exp(-10) */
        {0x42b16666u, 0x7f7a37fdu}, /* exp(88.7) */
        {0x42b17218u, 0x7f800000u}, /* exp(88.72283935546875): numpy's overflow bound gives +inf */
        {0xc2af0000u, 0x006cb2bcu}, /* exp(-87.5): a subnormal result */
        {0xc2c80000u, 0x0000001bu}, /* exp(-100) */
        {0xc2cff1b5u, 0x00000000u}, /* exp(-103.97208404541015625): numpy's underflow bound gives +0 */
        {0x0da24260u, 0x3f800000u}, /* exp(1e-30) */
        {0xc04ccccdu, 0x3d26f644u}, /* exp(-3.2) */
        {0x402df854u, 0x417277dbu}, /* exp(e) */
        {0x7f800000u, 0x7f800000u}, /* exp(+inf) = +inf */
        {0xff800000u, 0x00000000u}, /* exp(-inf) = +0 */
        {0xffc00001u, 0x7fc00000u}, /* exp(NaN) = numpy's +NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_int_equal(bits_of(nnb__numpy_expf(float_of(cases[i].x))), cases[i].y);
    }
}

static void test_log_matches_numpy_bits(void **state)
{
    (void)state;
    static const pair cases[] = {
        {0x3f800000u, 0x00000000u}, /* log(1) = +0 */
        {0x3f333333u, 0xbeb69e19u}, /* log(0.7) */
        {0x3dcccccdu, 0xc0135d8eu}, /* log(0.1) */
        {0x3e4ccccdu, 0xbfce0210u}, /* log(0.2) */
        {0x40000000u, 0x3f317218u}, /* log(2) */
        {0x33d6bf95u, 0xc180f1dcu}, /* log(fl32(1e-7)), the cross-entropy's lower clip bound */
        {0x3f7ffffeu, 0xb4000001u}, /* log(fl32(1 - 1e-7)), the upper bound: 1 ulp off */
        {0x000116c2u, 0xc2b834f2u}, /* log(1e-40), a subnormal argument */
        {0x7f7fc99eu, 0x42b171abu}, /* log(3.4e38) */
        {0x3f3504f3u, 0xbeb17218u}, /* log(fl32(sqrt(1/2))), the split point of the mantissa */
        {0x3f800001u, 0x33fffffeu}, /* log(1 + 2^-23) */
        {0x42f6e979u, 0x409a1bbbu}, /* log(123.456) */
        {0x00000000u, 0xff800000u}, /* log(+0) = -inf */
        {0x80000000u, 0xff800000u}, /* log(-0) = -inf */
        {0xbf800000u, 0xffc00000u}, /* log(-1) = numpy's -NaN */
        {0xff800000u, 0xffc00000u}, /* log(-inf) = -NaN */
        {0x7f800000u, 0x7f800000u}, /* log(+inf) = +inf */
        {0x7fc00000u, 0x7fc00000u}, /* log(NaN) = +NaN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_int_equal(bits_of(nnb__numpy_logf(float_of(cases[i].x))), cases[i].y);
    }
}

static void test_array_forms_match_scalar(void **state)
{
    (void)state;
    float x[5] = {-2.0f, 0.3f, 1.0f, 7.5f, 1e-3f};
    float e[5], l[5];
    nnb__numpy_exp_array(x, e, 5);
    nnb__numpy_neg_log_array(x + 1, l, 4);
    for (size_t i = 0; i < 5; ++i) {
        assert_int_equal(bits_of(e[i]), bits_of(nnb__numpy_expf(x[i])));
    }
    for (size_t i = 0; i < 4; ++i) {
        assert_int_equal(bits_of(l[i]), bits_of(-nnb__numpy_logf(x[i + 1])));
    }
}

static int use_numpy_arithmetic(void **state)
{
    (void)state;
    return nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY) == NNB_OK ? 0 : -1;
}

static int restore_fast_arithmetic(void **state)
{
    (void)state;
    return nnb_set_arithmetic(NNB_ARITHMETIC_FAST) == NNB_OK ? 0 : -1;
}

/* numpy: e = np.exp(x - x.max(axis=1)); e / e.sum(axis=1); -np.log(clip(p)[range(2), y]); 1 / (1 + np.exp(-x)). */
static void test_layers_follow_numpy_in_numpy_mode(void **state)
{
    (void)state;
    const float x[6] = {4.8f, 1.21f, 2.385f, 0.1f, -0.2f, 0.3f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 2, 3, x));
    assert_ok(nnb_tensor_create(&out, 2, 3));
    assert_ok(nnb_softmax_forward(in, out));
    /* A correctly rounded exp gives 0x3cca6912 and 0x3da3dbc4 for the first row's last two entries. */
    static const uint32_t softmax[6] = {0x3f65313fu, 0x3cca6913u, 0x3da3dbc3u, 0x3eacd7e0u, 0x3e800ba3u, 0x3ed31c7bu};
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(bits_of(nnb_tensor_cdata(out)[i]), softmax[i]);
    }
    const uint32_t labels[2] = {0, 2};
    float losses[2], mean;
    assert_ok(nnb_cce_sparse(out, labels, 2, losses, &mean));
    assert_int_equal(bits_of(losses[0]), 0x3de28a84u);
    assert_int_equal(bits_of(losses[1]), 0x3f62ccecu);
    assert_int_equal(bits_of(mean), 0x3eff1e3cu);
    assert_ok(nnb_sigmoid_forward(in, out));
    static const uint32_t sigmoid[6] = {0x3f7de90fu, 0x3f453250u, 0x3f6a69c4u, 0x3f066509u, 0x3ee67c29u, 0x3f130eaau};
    for (size_t i = 0; i < 6; ++i) {
        assert_int_equal(bits_of(nnb_tensor_cdata(out)[i]), sigmoid[i]);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

/*
 * Ten classes: numpy sums each row of e with its pairwise float32 summation (eight partial sums, then the
 * rest), not left to right; a left-to-right sum changes 9 of these 10 probabilities. The expected bits are
 * numpy 1.24's e / np.sum(e, axis=1, keepdims=True) with e = np.exp(x - x.max()).
 */
static void test_softmax_sums_rows_as_numpy(void **state)
{
    (void)state;
    const float x[10] = {-1.94f, -2.27f, 0.84f, -2.11f, -2.54f, 1.23f, -2.39f, -0.64f, -0.01f, -0.89f};
    nnb_tensor *in = NULL, *out = NULL;
    assert_ok(nnb_tensor_create_from(&in, 1, 10, x));
    assert_ok(nnb_tensor_create(&out, 1, 10));
    assert_ok(nnb_softmax_forward(in, out));
    static const uint32_t want[10] = {0x3c8f7cdbu, 0x3c4e503fu, 0x3e908e1bu, 0x3c721c72u, 0x3c1d7ed6u,
                                      0x3ed5814eu, 0x3c36fbcdu, 0x3d839ff1u, 0x3df723d9u, 0x3d4d04dau};
    for (size_t i = 0; i < 10; ++i) {
        assert_int_equal(bits_of(nnb_tensor_cdata(out)[i]), want[i]);
    }
    nnb_tensor_destroy(in);
    nnb_tensor_destroy(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic_mode_accepts_numpy),
        cmocka_unit_test(test_exp_matches_numpy_bits),
        cmocka_unit_test(test_log_matches_numpy_bits),
        cmocka_unit_test(test_array_forms_match_scalar),
        cmocka_unit_test_setup_teardown(test_softmax_sums_rows_as_numpy, use_numpy_arithmetic, restore_fast_arithmetic),
        cmocka_unit_test_setup_teardown(test_layers_follow_numpy_in_numpy_mode, use_numpy_arithmetic,
                                        restore_fast_arithmetic),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
