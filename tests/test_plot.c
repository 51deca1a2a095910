/* SPDX-License-Identifier: MIT */
/*
 * Raster plots (plot.h): glyphs against hand-drawn bitmaps, frame and tick pixels at the positions the
 * documented formulas give, curve pixels of a known history computed by hand, legend swatches, the PPM
 * header, and the statuses of bad input (with the image left untouched).
 */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char k_white[3] = {255, 255, 255};
static const unsigned char k_black[3] = {0, 0, 0};
static const unsigned char k_train[3] = {31, 119, 180};
static const unsigned char k_val[3] = {255, 127, 14};
static const unsigned char k_dark[3] = {40, 40, 40};
static const unsigned char k_grid[3] = {225, 225, 225};

static nnb_image new_image(size_t w, size_t h)
{
    nnb_image im = {malloc(w * h * 3), w, h};
    assert_non_null(im.rgb);
    assert_ok(nnb_plot_fill(&im, k_white));
    return im;
}

static int pixel_is(const nnb_image *im, size_t x, size_t y, const unsigned char rgb[3])
{
    const unsigned char *p = im->rgb + (y * im->width + x) * 3;
    return p[0] == rgb[0] && p[1] == rgb[1] && p[2] == rgb[2];
}

static size_t count_colour(const nnb_image *im, const unsigned char rgb[3])
{
    size_t n = 0;
    for (size_t y = 0; y < im->height; ++y) {
        for (size_t x = 0; x < im->width; ++x) {
            n += (size_t)pixel_is(im, x, y, rgb);
        }
    }
    return n;
}

/* "1.0" drawn by hand in the 5x7 font: '#' set, '.' background (glyph, blank column, glyph, ...). */
static const char *const k_one_point_zero[7] = {
    "..#..|.....|.###.", ".##..|.....|#...#", "..#..|.....|#..##", "..#..|.....|#.#.#",
    "..#..|.....|##..#", "..#..|.##..|#...#", ".###.|.##..|.###.",
};

static void test_plot_text_matches_hand_drawn_glyphs(void **state)
{
    (void)state;
    nnb_image im = new_image(20, 9);
    assert_ok(nnb_plot_text(&im, 1, 1, "1.0", k_black));
    for (size_t y = 0; y < 9; ++y) {
        for (size_t x = 0; x < 20; ++x) {
            int expected = 0;
            if (y >= 1 && y < 8 && x >= 1 && x < 18) {
                expected = k_one_point_zero[y - 1][x - 1] == '#';
            }
            if (expected) {
                assert_true(pixel_is(&im, x, y, k_black));
            } else {
                assert_true(pixel_is(&im, x, y, k_white));
            }
        }
    }
    assert_int_equal(nnb_plot_text_width("1.0"), 17);
    assert_int_equal(nnb_plot_text_width(""), 0);

    /* Lower case is drawn as upper case; an unknown character as '?'. */
    nnb_image a = new_image(12, 7), b = new_image(12, 7);
    assert_ok(nnb_plot_text(&a, 0, 0, "e~", k_black));
    assert_ok(nnb_plot_text(&b, 0, 0, "E?", k_black));
    assert_memory_equal(a.rgb, b.rgb, 12 * 7 * 3);
    /* 'E' by hand: full top, middle and bottom rows, the left column. */
    static const char *const e_rows[7] = {"#####", "#....", "#....", "####.", "#....", "#....", "#####"};
    for (size_t y = 0; y < 7; ++y) {
        for (size_t x = 0; x < 5; ++x) {
            assert_int_equal(pixel_is(&a, x, y, k_black), e_rows[y][x] == '#');
        }
    }
    /* Clipped at the edge without an error. */
    assert_ok(nnb_plot_text(&a, 10, 5, "888", k_black));
    free(a.rgb);
    free(b.rgb);
    free(im.rgb);
}

static void test_plot_map_matches_hand_computed(void **state)
{
    (void)state;
    nnb_plot_axes a = {20, 10, 60, 50, 0.0, 10.0, 0.0, 1.0};
    long px = 0, py = 0;
    /* x 5: 20 + round(0.5 * 59 = 29.5 -> 30) = 50; y 0.5: 10 + 49 - round(24.5 -> 25) = 34. */
    assert_ok(nnb_plot_map(&a, 5.0, 0.5, &px, &py));
    assert_int_equal(px, 50);
    assert_int_equal(py, 34);
    assert_ok(nnb_plot_map(&a, 0.0, 0.0, &px, &py));
    assert_int_equal(px, 20);
    assert_int_equal(py, 59);
    assert_ok(nnb_plot_map(&a, 10.0, 1.0, &px, &py));
    assert_int_equal(px, 79);
    assert_int_equal(py, 10);
    /* Outside the range: outside the frame. */
    assert_ok(nnb_plot_map(&a, -10.0, 2.0, &px, &py));
    assert_int_equal(px, 20 - 59);
    assert_int_equal(py, 59 - 98);
}

static void test_plot_axes_frame_and_ticks_at_computed_pixels(void **state)
{
    (void)state;
    nnb_image im = new_image(100, 80);
    nnb_plot_axes a = {20, 10, 60, 50, 0.0, 10.0, 0.0, 1.0};
    assert_ok(nnb_plot_axes_draw(&im, &a, 5.0, 0.5));
    /* The frame: columns 20 and 79, rows 10 and 59. */
    for (size_t y = 10; y <= 59; ++y) {
        assert_true(pixel_is(&im, 20, y, k_dark));
        assert_true(pixel_is(&im, 79, y, k_dark));
    }
    for (size_t x = 20; x <= 79; ++x) {
        assert_true(pixel_is(&im, x, 10, k_dark));
        assert_true(pixel_is(&im, x, 59, k_dark));
    }
    /* Inside: the grid at x = 5 (column 50) and y = 0.5 (row 34), white elsewhere. */
    assert_true(pixel_is(&im, 50, 20, k_grid));
    assert_true(pixel_is(&im, 30, 34, k_grid));
    assert_true(pixel_is(&im, 30, 20, k_white));
    /* Tick marks: 3 pixels below the frame at column 50, left of it at row 34. */
    for (size_t k = 1; k <= 3; ++k) {
        assert_true(pixel_is(&im, 50, 59 + k, k_dark));
        assert_true(pixel_is(&im, 20 - k, 34, k_dark));
    }
    /* The label "5" below column 50: centred (x 48..52), 5 pixels under the frame (rows 64..70); its top row
       is full (the glyph's 0x1F). */
    for (size_t x = 48; x <= 52; ++x) {
        assert_true(pixel_is(&im, x, 64, k_dark));
    }
    /* The label "0.5" right-aligned 4 pixels left of the frame: ends at column 15, starts at 15 - 16 = -1
       (clipped), rows 31..37: the '5' glyph's top row at columns 11..15. */
    for (size_t x = 11; x <= 15; ++x) {
        assert_true(pixel_is(&im, x, 31, k_dark));
    }
    free(im.rgb);
}

static void test_plot_line_skips_nonfinite_points(void **state)
{
    (void)state;
    nnb_image im = new_image(40, 40);
    nnb_plot_axes a = {0, 0, 40, 40, 0.0, 39.0, 0.0, 39.0};
    const double x[3] = {0.0, 20.0, 39.0};
    const double y[3] = {39.0, NAN, 0.0};
    assert_ok(nnb_plot_line(&im, &a, x, y, 3, k_train));
    /* Two isolated 3x3 markers, at (0, 0) (clipped to 2x2) and (39, 39) (2x2): no line between them. */
    assert_int_equal(count_colour(&im, k_train), 8);
    assert_true(pixel_is(&im, 0, 0, k_train));
    assert_true(pixel_is(&im, 39, 39, k_train));
    assert_true(pixel_is(&im, 20, 20, k_white));
    /* Finite: the diagonal is drawn. */
    const double y2[3] = {39.0, 19.0, 0.0};
    assert_ok(nnb_plot_line(&im, &a, x, y2, 3, k_train));
    assert_true(pixel_is(&im, 10, 10, k_train));
    assert_true(pixel_is(&im, 30, 30, k_train));
    free(im.rgb);
}

static void fill_history(nnb_history_entry *e, int with_val)
{
    static const double loss[3] = {2.0, 1.0, 0.5}, acc[3] = {0.5, 0.75, 0.9};
    static const double vloss[3] = {1.5, 1.25, 1.0}, vacc[3] = {0.4, 0.6, 0.7};
    for (size_t i = 0; i < 3; ++i) {
        memset(&e[i], 0, sizeof e[i]);
        e[i].epoch = i + 1;
        e[i].loss = loss[i];
        e[i].accuracy = acc[i];
        e[i].val_loss = with_val ? vloss[i] : NAN;
        e[i].val_accuracy = with_val ? vacc[i] : NAN;
    }
}

static void test_plot_history_curve_pixels_at_hand_computed_positions(void **state)
{
    (void)state;
    nnb_history_entry e[3];
    fill_history(e, 0);
    nnb_image im = new_image(320, 200);
    assert_ok(nnb_plot_history(&im, e, 3, "test run"));
    /*
     * W 320, H 200: half 160; loss frame left 44, top 28, width 104, height 132 (rows 28..159, columns
     * 44..147); x range [1, 3]; losses 2, 1, 0.5: r = 0.4, step 0.5, top 2.
     * Epoch 2, loss 1: column 44 + round(0.5 * 103 = 51.5) = 96, row 159 - round(0.5 * 131 = 65.5) = 93.
     * Epoch 3, loss 0.5: column 147, row 159 - round(0.25 * 131 = 32.75) = 126.
     */
    assert_true(pixel_is(&im, 96, 93, k_train));
    assert_true(pixel_is(&im, 147, 126, k_train));
    assert_true(pixel_is(&im, 44, 28, k_train)); /* epoch 1, loss 2: the top-left corner */
    /* Accuracy frame: left 204; epoch 3, accuracy 0.9: column 307, row 159 - round(117.9) = 41. */
    assert_true(pixel_is(&im, 307, 41, k_train));
    /* Epoch 1, accuracy 0.5: column 204, row 159 - round(65.5) = 93. */
    assert_true(pixel_is(&im, 205, 93, k_train)); /* the marker's right column */
    /* The frames' edges where no curve passes. */
    assert_true(pixel_is(&im, 44, 120, k_dark));
    assert_true(pixel_is(&im, 100, 159, k_dark));
    assert_true(pixel_is(&im, 147, 60, k_dark));
    assert_true(pixel_is(&im, 204, 150, k_dark));
    assert_true(pixel_is(&im, 307, 120, k_dark));
    /* Loss ticks every 0.5: 1.5 at row 159 - round(0.75 * 131 = 98.25) = 61, a tick mark left of column 44. */
    assert_true(pixel_is(&im, 41, 61, k_dark));
    assert_true(pixel_is(&im, 100, 61, k_grid));
    /* Legend: the train swatch at (44..53, 188..194); no validation data, so no orange anywhere. */
    for (size_t y = 188; y <= 194; ++y) {
        for (size_t x = 44; x <= 53; ++x) {
            assert_true(pixel_is(&im, x, y, k_train));
        }
    }
    assert_int_equal(count_colour(&im, k_val), 0);
    /* The title is black, centred: "TEST RUN" is 47 pixels wide, x = (320 - 47) / 2 = 136, rows 6..12; its
       'T' has a full top row. */
    for (size_t x = 136; x <= 140; ++x) {
        assert_true(pixel_is(&im, x, 6, k_black));
    }
    assert_true(pixel_is(&im, 135, 6, k_white));

    /* With validation data: orange curves and the second swatch at x 44 + 14 + 29 + 12 = 99. */
    fill_history(e, 1);
    assert_ok(nnb_plot_history(&im, e, 3, NULL));
    for (size_t y = 188; y <= 194; ++y) {
        for (size_t x = 99; x <= 108; ++x) {
            assert_true(pixel_is(&im, x, y, k_val));
        }
    }
    /* Validation loss 1.25 at epoch 2: column 96, row 159 - round(0.625 * 131 = 81.875) = 77. */
    assert_true(pixel_is(&im, 96, 77, k_val));
    /* Validation accuracy 0.7 at epoch 3: column 307, row 159 - round(91.7) = 67. */
    assert_true(pixel_is(&im, 307, 67, k_val));
    free(im.rgb);
}

static void test_plot_history_skips_nan_and_single_epoch(void **state)
{
    (void)state;
    nnb_history_entry e[3];
    fill_history(e, 1);
    e[1].loss = NAN;
    e[1].val_loss = INFINITY;
    nnb_image im = new_image(320, 200);
    assert_ok(nnb_plot_history(&im, e, 3, "nan"));
    /* No marker where epoch 2's loss would have been (column 96, row 93). */
    assert_true(!pixel_is(&im, 96, 93, k_train));
    /* One epoch: x range [1, 2], the point at the frame's left edge. */
    assert_ok(nnb_plot_history(&im, e, 1, NULL));
    /* Loss 2 with val 1.5: top 2 (step 0.5); epoch 1 loss 2 at (44, 28). */
    assert_true(pixel_is(&im, 44, 28, k_train));
    free(im.rgb);
}

static void test_plot_bad_input(void **state)
{
    (void)state;
    nnb_history_entry e[3];
    fill_history(e, 0);
    nnb_image im = new_image(320, 200);
    unsigned char *copy = malloc(320 * 200 * 3);
    assert_non_null(copy);
    memcpy(copy, im.rgb, 320 * 200 * 3);

    assert_int_equal(nnb_plot_history(NULL, e, 3, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_plot_history(&im, NULL, 3, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_plot_history(&im, e, 0, NULL), NNB_ERR_ARGUMENT);
    assert_true(strstr(nnb_last_error(), "count") != NULL);
    nnb_image small = {im.rgb, 319, 200};
    assert_int_equal(nnb_plot_history(&small, e, 3, NULL), NNB_ERR_ARGUMENT);
    nnb_image no_pixels = {NULL, 320, 200};
    assert_int_equal(nnb_plot_history(&no_pixels, e, 3, NULL), NNB_ERR_NULL);
    nnb_image empty = {im.rgb, 0, 200};
    assert_int_equal(nnb_plot_fill(&empty, k_black), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_plot_fill(&im, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_plot_text(&im, 0, 0, NULL, k_black), NNB_ERR_NULL);

    nnb_plot_axes flat = {10, 10, 50, 50, 1.0, 1.0, 0.0, 1.0};
    long px = 0, py = 0;
    assert_int_equal(nnb_plot_map(&flat, 1.0, 0.5, &px, &py), NNB_ERR_ARGUMENT);
    nnb_plot_axes ok = {10, 10, 50, 50, 0.0, 1.0, 0.0, 1.0};
    assert_int_equal(nnb_plot_map(&ok, NAN, 0.5, &px, &py), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_plot_map(&ok, 0.5, 0.5, NULL, &py), NNB_ERR_NULL);
    nnb_plot_axes tiny = {10, 10, 1, 50, 0.0, 1.0, 0.0, 1.0};
    assert_int_equal(nnb_plot_axes_draw(&im, &tiny, 0.5, 0.5), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_plot_axes_draw(&im, &ok, 0.0, 0.5), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_plot_axes_draw(&im, &ok, 0.5, NAN), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_plot_axes_draw(&im, &ok, 0.001, 0.5), NNB_ERR_ARGUMENT); /* 1000 ticks */
    const double xs[2] = {0.0, 1.0};
    assert_int_equal(nnb_plot_line(&im, &ok, xs, NULL, 2, k_black), NNB_ERR_NULL);
    assert_int_equal(nnb_plot_line(&im, &flat, xs, xs, 2, k_black), NNB_ERR_ARGUMENT);
    const char *labels[2] = {"a", NULL};
    assert_int_equal(nnb_plot_legend(&im, 0, 0, labels, k_train, 2), NNB_ERR_NULL);
    assert_int_equal(nnb_image_write_ppm(&im, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_image_write_ppm(&im, "/nonexistent-dir/x.ppm"), NNB_ERR_IO);
    assert_true(strstr(nnb_last_error(), "/nonexistent-dir/x.ppm") != NULL);
    /* Nothing was drawn by any failing call. */
    assert_memory_equal(copy, im.rgb, 320 * 200 * 3);
    free(copy);
    free(im.rgb);
}

static void test_plot_ppm_header_and_bytes(void **state)
{
    (void)state;
    nnb_image im = new_image(7, 3);
    im.rgb[0] = 1;
    im.rgb[7 * 3 * 3 - 1] = 2;
    char path[] = "test_plot_out.ppm";
    assert_ok(nnb_image_write_ppm(&im, path));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char buf[128];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    remove(path);
    static const char header[] = "P6\n7 3\n255\n";
    assert_int_equal(n, sizeof header - 1 + 63);
    assert_memory_equal(buf, header, sizeof header - 1);
    assert_int_equal(buf[sizeof header - 1], 1);
    assert_int_equal(buf[n - 1], 2);
    free(im.rgb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plot_text_matches_hand_drawn_glyphs),
        cmocka_unit_test(test_plot_map_matches_hand_computed),
        cmocka_unit_test(test_plot_axes_frame_and_ticks_at_computed_pixels),
        cmocka_unit_test(test_plot_line_skips_nonfinite_points),
        cmocka_unit_test(test_plot_history_curve_pixels_at_hand_computed_positions),
        cmocka_unit_test(test_plot_history_skips_nan_and_single_epoch),
        cmocka_unit_test(test_plot_bad_input),
        cmocka_unit_test(test_plot_ppm_header_and_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
