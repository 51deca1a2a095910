/* SPDX-License-Identifier: MIT */
/*
 * numpy 1.24's float32 exp and log (compute/numpy_math.h): the algorithm of numpy's AVX2/AVX-512F routines
 * (numpy/core/src/umath/loops_exponent_log.dispatch.c.src, simd_exp_FLOAT and simd_log_FLOAT), in scalar C:
 *
 * exp: NaN lanes become 0 and are answered NaN at the end, x >= xmax gives +inf, x <= xmin gives 0;
 * otherwise k = rint(x * log2(e)) (the product fused with the addition of 1.5 * 2^23 that rounds it to an
 * integer, as numpy's compiled code does, then 1.5 * 2^23 subtracted), the reduced argument
 * r = x + k * c1 + k * c2 (Cody-Waite with a two-part -ln 2, two fused multiply-adds; numpy's third step
 * adds k * 0 and changes nothing), then exp(r) ~ P(r) / Q(r) with a degree-5 numerator and a degree-2
 * denominator, each in Horner form with fused multiply-adds and one float32 division, and finally
 * P/Q * 2^k, rounded once (a subnormal result is rounded correctly).
 *
 * log: special values aside, x = m * 2^e with the mantissa m in [0.5, 1) (a subnormal x is first scaled by
 * 2^100); if m <= fl32(sqrt(1/2)) then m = 2m and e = e - 1; with f = m - 1, log(1 + f) ~ P(f) / Q(f), both
 * of degree 5 in Horner form with fused multiply-adds, one float32 division, and the result is
 * fma(e, fl32(ln 2), P/Q).
 *
 * Every constant below is the float32 value numpy's source spells in decimal (npy_simd_data.h, npy_math.h),
 * given here by its bits.
 */
#include "compute/numpy_math.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

#define POS_NAN 0x7fc00000u
#define NEG_NAN 0xffc00000u
#define POS_INF 0x7f800000u
#define NEG_INF 0xff800000u

/* exp: overflow and underflow bounds, log2(e), the rounding constant 1.5 * 2^23, -ln 2 = c1 + c2. */
#define EXP_XMAX 0x42b17218u   /* 88.72283935546875 */
#define EXP_XMIN 0xc2cff1b5u   /* -103.97208404541015625 */
#define LOG2E 0x3fb8aa3bu      /* 1.44269502 */
#define RINT_MAGIC 0x4b400000u /* 12582912 */
#define CW_C1 0xbf317200u      /* -0.693145752 */
#define CW_C2 0xb5bfbe8eu      /* -1.42860677e-6 */

/* exp's rational approximation: P = p0 + p1 r + ... + p5 r^5, Q = q0 + q1 r + q2 r^2. */
static const uint32_t exp_p[6] = {0x3f800000u, 0x3f39cbd5u, 0x3e7d4c58u, 0x3d517d8cu, 0x3bdd7159u, 0x3a053dd8u};
static const uint32_t exp_q[3] = {0x3f800000u, 0xbe8c6857u, 0x3cb0e832u};

/* log's rational approximation of log(1 + f): P of degree 5 (p0 = 0), Q of degree 5; ln 2; sqrt(1/2). */
static const uint32_t log_p[6] = {0x00000000u, 0x3f800000u, 0x4007361cu, 0x3fbd70a9u, 0x3ec30333u, 0x3cd42bcdu};
static const uint32_t log_q[6] = {0x3f800000u, 0x4027361cu, 0x401cfe0du, 0x3f7c8ae4u, 0x3e1e5bf3u, 0x3bc083dfu};
#define LN2 0x3f317218u     /* 0.693147182 */
#define SQRT1_2 0x3f3504f3u /* 0.707106769 */

/*
 * poly * 2^k rounded once to float32, for poly in [0.5, 2) and -150 <= k <= 128 (what exp produces).
 * Above 2^-125 only the exponent field changes (exact); below, poly * 2^-125 is formed exactly and divided
 * by the power of two 2^(-125 - k), which rounds the subnormal result correctly.
 */
static float scale_pow2(float poly, int k)
{
    if (k > -125) {
        return from_bits(to_bits(poly) + ((uint32_t)k << 23));
    }
    float high = from_bits(to_bits(poly) - (125u << 23));
    return high / (float)(1u << (unsigned)(-125 - k));
}

float nnb__numpy_expf(float x)
{
    if (isnan(x)) {
        return from_bits(POS_NAN);
    }
    if (x >= from_bits(EXP_XMAX)) {
        return from_bits(POS_INF);
    }
    if (x <= from_bits(EXP_XMIN)) {
        return 0.0f;
    }
    /*
     * numpy's source multiplies by log2(e) and then adds 1.5 * 2^23, two operations; but GCC, which builds
     * numpy's binaries, contracts that product and sum into one fused multiply-add (the intrinsics are plain
     * vector arithmetic to it, and it contracts by default). The difference shows where x * log2(e) is
     * within half an ulp of a half-integer: one rounding picks the other k, and the result moves a few ulp.
     */
    float k = fmaf(x, from_bits(LOG2E), from_bits(RINT_MAGIC));
    k = k - from_bits(RINT_MAGIC);
    float r = fmaf(k, from_bits(CW_C1), x);
    r = fmaf(k, from_bits(CW_C2), r);
    r = fmaf(k, 0.0f, r);
    float num = fmaf(from_bits(exp_p[5]), r, from_bits(exp_p[4]));
    num = fmaf(num, r, from_bits(exp_p[3]));
    num = fmaf(num, r, from_bits(exp_p[2]));
    num = fmaf(num, r, from_bits(exp_p[1]));
    num = fmaf(num, r, from_bits(exp_p[0]));
    float den = fmaf(from_bits(exp_q[2]), r, from_bits(exp_q[1]));
    den = fmaf(den, r, from_bits(exp_q[0]));
    return scale_pow2(num / den, (int)k);
}

float nnb__numpy_logf(float x)
{
    if (isnan(x)) {
        return from_bits(POS_NAN);
    }
    if (x < 0.0f) {
        return from_bits(NEG_NAN);
    }
    if (x == 0.0f) {
        return from_bits(NEG_INF);
    }
    if (isinf(x)) {
        return from_bits(POS_INF);
    }
    /* Exponent and mantissa in [0.5, 1); a subnormal is scaled by 2^100 (exactly) first. */
    uint32_t bits = to_bits(x);
    float e_bias = 0.0f;
    if (x < from_bits(0x00800000u)) {
        bits = to_bits(x * from_bits(0x71800000u));
        e_bias = 100.0f;
    }
    float e = (float)((int32_t)(bits >> 23) - 126) - e_bias;
    float m = from_bits((bits & 0x007fffffu) | (126u << 23));
    if (m <= from_bits(SQRT1_2)) {
        m = m + m;
        e = e - 1.0f;
    }
    float f = m - 1.0f;
    float num = fmaf(from_bits(log_p[5]), f, from_bits(log_p[4]));
    num = fmaf(num, f, from_bits(log_p[3]));
    num = fmaf(num, f, from_bits(log_p[2]));
    num = fmaf(num, f, from_bits(log_p[1]));
    num = fmaf(num, f, from_bits(log_p[0]));
    float den = fmaf(from_bits(log_q[5]), f, from_bits(log_q[4]));
    den = fmaf(den, f, from_bits(log_q[3]));
    den = fmaf(den, f, from_bits(log_q[2]));
    den = fmaf(den, f, from_bits(log_q[1]));
    den = fmaf(den, f, from_bits(log_q[0]));
    return fmaf(e, from_bits(LN2), num / den);
}

void nnb__numpy_exp_array(const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        out[i] = nnb__numpy_expf(in[i]);
    }
}

void nnb__numpy_neg_log_array(const float *in, float *out, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        out[i] = -nnb__numpy_logf(in[i]);
    }
}
