/* SPDX-License-Identifier: MIT */
/*
 * The convolution's geometry (nnb__conv2d_geom_init, src/layers/conv2d.c): output sizes and padding worked
 * out by hand for valid, same and explicit padding, and every refusal (each size 0, a bad padding mode, each
 * size above 2^24, a kernel larger than the padded input, products that overflow size_t), each with its
 * status and detail and the geometry left untouched.
 */
#include "test_support.h"

#include <string.h>

#include "layers/conv2d_internal.h"

#define BIG ((size_t)1 << 24)

static nnb__conv2d_geom geom(size_t in_c, size_t in_h, size_t in_w, size_t out_c, size_t kh, size_t kw, size_t stride,
                             int padding, size_t pad_h, size_t pad_w)
{
    nnb__conv2d_geom g;
    memset(&g, 0, sizeof g);
    assert_ok(nnb__conv2d_geom_init(&g, in_c, in_h, in_w, out_c, kh, kw, stride, padding, pad_h, pad_w));
    return g;
}

static void expect_refused(nnb_status want, const char *needle, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                           size_t kh, size_t kw, size_t stride, int padding, size_t pad_h, size_t pad_w)
{
    nnb__conv2d_geom g, before;
    memset(&g, 0xA5, sizeof g);
    before = g;
    nnb_status st = nnb__conv2d_geom_init(&g, in_c, in_h, in_w, out_c, kh, kw, stride, padding, pad_h, pad_w);
    if (st != want) {
        fail_msg("status %s, expected %s (%s)", nnb_status_string(st), nnb_status_string(want), nnb_last_error());
    }
    assert_memory_equal(&g, &before, sizeof g);
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

static void test_output_sizes_and_padding(void **state)
{
    (void)state;
    /* Valid: 5 x 7, kernel 3 x 2, stride 2: out (5 - 3) / 2 + 1 = 2, (7 - 2) / 2 + 1 = 3. */
    nnb__conv2d_geom g = geom(2, 5, 7, 4, 3, 2, 2, 0, 9, 9);
    assert_int_equal(g.out_h, 2);
    assert_int_equal(g.out_w, 3);
    assert_int_equal(g.pad_top, 0);
    assert_int_equal(g.pad_left, 0);
    /* Same, stride 2, kernel 3: out ceil(5 / 2) = 3, ceil(7 / 2) = 4; the padded extent (3 - 1) * 2 + 3 = 7
     * needs 2 more rows (1 above), (4 - 1) * 2 + 3 = 9 needs 2 more columns (1 left). */
    g = geom(1, 5, 7, 1, 3, 3, 2, 1, 0, 0);
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.out_w, 4);
    assert_int_equal(g.pad_top, 1);
    assert_int_equal(g.pad_left, 1);
    /* Same, kernel 4 x 2, stride 1 on 4 x 4: totals 3 and 1, the odd one's extra below/right. */
    g = geom(1, 4, 4, 1, 4, 2, 1, 1, 0, 0);
    assert_int_equal(g.out_h, 4);
    assert_int_equal(g.out_w, 4);
    assert_int_equal(g.pad_top, 1);
    assert_int_equal(g.pad_left, 0);
    /* Same with a stride beyond the kernel: 6 x 6, kernel 1, stride 4: out 2, extent 5 < 6, no padding. */
    g = geom(1, 6, 6, 1, 1, 1, 4, 1, 0, 0);
    assert_int_equal(g.out_h, 2);
    assert_int_equal(g.out_w, 2);
    assert_int_equal(g.pad_top, 0);
    assert_int_equal(g.pad_left, 0);
    /* Explicit 1 x 2 on 3 x 3, kernel 3: out 3 x 5, and a kernel equal to the padded input is allowed. */
    g = geom(1, 3, 3, 1, 3, 3, 1, 2, 1, 2);
    assert_int_equal(g.out_h, 3);
    assert_int_equal(g.out_w, 5);
    assert_int_equal(g.pad_top, 1);
    assert_int_equal(g.pad_left, 2);
    g = geom(1, 1, 1, 1, 3, 5, 1, 2, 1, 2);
    assert_int_equal(g.out_h, 1);
    assert_int_equal(g.out_w, 1);
    assert_int_equal(nnb__conv2d_k(&g), 15);
    assert_int_equal(nnb__conv2d_pixels(&g), 1);
}

static void test_refusals(void **state)
{
    (void)state;
    const size_t ok[7] = {2, 5, 5, 3, 3, 3, 1};
    for (size_t k = 0; k < 7; ++k) {
        size_t v[7];
        memcpy(v, ok, sizeof v);
        v[k] = 0;
        expect_refused(NNB_ERR_ARGUMENT, "a size is 0", v[0], v[1], v[2], v[3], v[4], v[5], v[6], 0, 0, 0);
    }
    expect_refused(NNB_ERR_ARGUMENT, "padding 3 is not valid", 2, 5, 5, 3, 3, 3, 1, 3, 0, 0);
    expect_refused(NNB_ERR_ARGUMENT, "padding -1 is not valid", 2, 5, 5, 3, 3, 3, 1, -1, 0, 0);
    for (size_t k = 0; k < 9; ++k) {
        size_t v[9] = {2, 5, 5, 3, 3, 3, 1, 0, 0};
        v[k] = BIG + 1;
        expect_refused(NNB_ERR_OVERFLOW, "a size is above 16777216", v[0], v[1], v[2], v[3], v[4], v[5], v[6], 2, v[7],
                       v[8]);
    }
    expect_refused(NNB_ERR_ARGUMENT, "the 3 x 3 kernel is larger than the 2 x 5 padded input", 1, 2, 5, 1, 3, 3, 1, 0,
                   0, 0);
    expect_refused(NNB_ERR_ARGUMENT, "the 3 x 3 kernel is larger than the 5 x 2 padded input", 1, 5, 2, 1, 3, 3, 1, 0,
                   0, 0);
    expect_refused(NNB_ERR_ARGUMENT, "the 4 x 1 kernel is larger than the 3 x 1 padded input", 1, 1, 1, 1, 4, 1, 1, 2,
                   1, 0);
    /* in_c * kh * kw = 2^72. */
    expect_refused(NNB_ERR_OVERFLOW, "the sizes overflow", BIG, BIG, BIG, 1, BIG, BIG, 1, 0, 0, 0);
    /* K = 2^24 times 2^48 output pixels. */
    expect_refused(NNB_ERR_OVERFLOW, "the sizes overflow", BIG, BIG, BIG, 1, 1, 1, 1, 0, 0, 0);
    /* K = 1, but out_c = 2^24 times 2^48 pixels. */
    expect_refused(NNB_ERR_OVERFLOW, "the sizes overflow", 1, BIG, BIG, BIG, 1, 1, 1, 0, 0, 0);
    /* One output pixel (stride 2^24), but the input image itself is 2^72 floats. */
    expect_refused(NNB_ERR_OVERFLOW, "the sizes overflow", BIG, BIG, BIG, 1, 1, 1, BIG, 0, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_sizes_and_padding),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
