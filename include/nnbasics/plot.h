/* SPDX-License-Identifier: MIT */
/**
 * @file plot.h
 * @brief Small raster plots into a caller-owned RGB image: a 5x7 bitmap font, axes with numbered ticks,
 *        polylines, legends, the training-curve picture of a history, and a PPM writer.
 *
 * Rules that apply to every function here:
 *   - An image is the caller's: nnb_image describes width * height * 3 bytes, 8-bit RGB, row-major, the top
 *     row first. The functions draw into it and never allocate, keep or free it. Anything drawn outside the
 *     image is clipped silently.
 *   - Pixel coordinates count from the top-left corner: x to the right, y downwards.
 *   - Text uses a built-in 5x7 font: digits, the letters A-Z (lower case is drawn as upper case), space and
 *     . , - + : ( ) / % = _ ? *; any other character is drawn as '?'. A glyph is NNB_PLOT_GLYPH_WIDTH
 *     pixels wide and NNB_PLOT_GLYPH_HEIGHT tall; characters advance NNB_PLOT_GLYPH_ADVANCE pixels.
 *   - Data coordinates map to pixels linearly inside a frame (nnb_plot_map); non-finite data values are
 *     skipped (they break a line), never an error.
 *   - A failing call draws nothing and returns NNB_ERR_NULL for a NULL pointer, NNB_ERR_ARGUMENT for a bad
 *     size or range (with nnb_last_error() saying which), NNB_ERR_OVERFLOW when width * height * 3 does not fit
 *     in size_t.
 * Distinct images may be drawn from different threads at once.
 */
#ifndef NNB_PLOT_H
#define NNB_PLOT_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/model.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Glyph width in pixels. */
#define NNB_PLOT_GLYPH_WIDTH 5
/** Glyph height in pixels. */
#define NNB_PLOT_GLYPH_HEIGHT 7
/** Horizontal distance from one character to the next (one blank column between glyphs). */
#define NNB_PLOT_GLYPH_ADVANCE 6

/** An RGB image the caller owns (a small parameter struct). */
typedef struct nnb_image {
    unsigned char *rgb; /**< width * height * 3 bytes, row-major, top row first; owned by the caller */
    size_t width;       /**< pixels per row (> 0) */
    size_t height;      /**< rows (> 0) */
} nnb_image;

/**
 * A plot frame: a rectangle of pixels and the data ranges it shows (a small parameter struct).
 * The frame's columns left .. left + width - 1 show x_min .. x_max, its rows top + height - 1 .. top show
 * y_min .. y_max (upwards).
 */
typedef struct nnb_plot_axes {
    size_t left;   /**< column of the frame's left edge */
    size_t top;    /**< row of the frame's top edge */
    size_t width;  /**< frame width in pixels (>= 2) */
    size_t height; /**< frame height in pixels (>= 2) */
    double x_min;  /**< data x at the left edge */
    double x_max;  /**< data x at the right edge (> x_min) */
    double y_min;  /**< data y at the bottom edge */
    double y_max;  /**< data y at the top edge (> y_min) */
} nnb_plot_axes;

/**
 * Fills the whole image with one colour.
 * @param image the image (drawn into).
 * @param rgb the colour, 3 bytes.
 * @return NNB_OK, NNB_ERR_NULL (image, its pixels or rgb), NNB_ERR_ARGUMENT (zero width or height).
 */
NNB_API nnb_status nnb_plot_fill(nnb_image *image, const unsigned char rgb[3]);

/**
 * The width in pixels of a text line: NNB_PLOT_GLYPH_ADVANCE * length - 1 (0 for "" and NULL).
 * @param text the text (NUL-terminated) or NULL.
 * @return the width.
 */
NNB_API size_t nnb_plot_text_width(const char *text);

/**
 * Draws one line of text with the built-in 5x7 font: only the glyphs' set pixels are painted, the
 * background stays.
 * @param image the image (drawn into).
 * @param x column of the first glyph's left edge.
 * @param y row of the glyphs' top edge.
 * @param text the text (NUL-terminated; borrowed).
 * @param rgb the colour, 3 bytes.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (zero width or height).
 */
NNB_API nnb_status nnb_plot_text(nnb_image *image, size_t x, size_t y, const char *text, const unsigned char rgb[3]);

/**
 * Maps a data point to its pixel in a frame: px = left + round((x - x_min) / (x_max - x_min) * (width - 1)),
 * py = top + height - 1 - round((y - y_min) / (y_max - y_min) * (height - 1)), rounding halves up. Points
 * outside the ranges map outside the frame (negative results are possible).
 * @param axes the frame.
 * @param x data x (finite).
 * @param y data y (finite).
 * @param px receives the column.
 * @param py receives the row.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (a frame under 2x2, an empty or non-finite range, a
 *         non-finite point, a pixel beyond the range of long).
 */
NNB_API nnb_status nnb_plot_map(const nnb_plot_axes *axes, double x, double y, long *px, long *py);

/**
 * Draws a frame with light grid lines, tick marks and numbered tick labels. Ticks sit at every multiple of
 * x_step in [x_min, x_max] and of y_step in [y_min, y_max]; each gets a light grey (225, 225, 225) grid line
 * inside the frame, a 3-pixel tick mark outside it, and its value (printf "%.*f" with as many decimals as
 * the step needs, at most 6) below the frame (centred) or left of it (right-aligned, 4 pixels away). The
 * frame's four edges are drawn last, in dark grey (40, 40, 40): columns left and left + width - 1, rows top
 * and top + height - 1.
 * @param image the image (drawn into).
 * @param axes the frame.
 * @param x_step distance between x ticks (> 0, at most 200 ticks).
 * @param y_step distance between y ticks (> 0, at most 200 ticks).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (as nnb_plot_map, a zero-size image, a step that is not
 *         positive and finite or gives more than 200 ticks).
 */
NNB_API nnb_status nnb_plot_axes_draw(nnb_image *image, const nnb_plot_axes *axes, double x_step, double y_step);

/**
 * Draws a polyline through the points (x[i], y[i]), one pixel wide (Bresenham), with a 3x3 square at every
 * point when there are at most 60 points. A point with a non-finite coordinate is skipped and breaks the
 * line.
 * @param image the image (drawn into).
 * @param axes the frame mapping data to pixels (nnb_plot_map).
 * @param x the n x values (borrowed).
 * @param y the n y values (borrowed).
 * @param n the number of points (0 draws nothing).
 * @param rgb the colour, 3 bytes.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (as nnb_plot_map, a zero-size image).
 */
NNB_API nnb_status nnb_plot_line(nnb_image *image, const nnb_plot_axes *axes, const double *x, const double *y,
                                 size_t n, const unsigned char rgb[3]);

/**
 * Draws a legend on one row: for every entry a filled 10x7 swatch of its colour, then its label 4 pixels
 * to the right in dark grey (40, 40, 40); the next entry starts 12 pixels after the label.
 * @param image the image (drawn into).
 * @param x column of the first swatch's left edge.
 * @param y row of the swatches' and labels' top edge.
 * @param labels the n labels (borrowed).
 * @param colours n * 3 bytes, entry i's colour at colours[3 * i] (borrowed).
 * @param n the number of entries.
 * @return NNB_OK, NNB_ERR_NULL (also for a NULL label), NNB_ERR_ARGUMENT (zero-size image).
 */
NNB_API nnb_status nnb_plot_legend(nnb_image *image, size_t x, size_t y, const char *const *labels,
                                   const unsigned char *colours, size_t n);

/** Minimum width of nnb_plot_history's image. */
#define NNB_PLOT_HISTORY_MIN_WIDTH 320
/** Minimum height of nnb_plot_history's image. */
#define NNB_PLOT_HISTORY_MIN_HEIGHT 200

/**
 * Draws the training curves of a history (nnb_model_history): loss per epoch in the left panel, accuracy in
 * the right, the training figures in blue (31, 119, 180), the validation figures in orange (255, 127, 14),
 * on white. The layout, for an image of W x H pixels, half = W / 2 (integer division):
 *   - the title (if not NULL or empty) in black, centred: x = (W - nnb_plot_text_width(title)) / 2, y = 6;
 *   - panel p (0 loss, 1 accuracy): frame left = p * half + 44, top = 28, width = half - 56, height = H - 68,
 *     its caption ("loss", "accuracy") in black at (left, 18), "epoch" centred under the tick labels at
 *     y = H - 27;
 *   - x range [1, count] (count 1: [1, 2]), y range: accuracy [0, 1] with ticks every 0.2; loss
 *     [min(0, lowest), top] where, with r = (highest - min(0, lowest)) / 5, step = the least of 1, 2, 5
 *     or 10 times 10^floor(log10 r) that is >= r, and top = ceil(highest / step) * step (highest <= 0 or no
 *     finite loss: top = 1, step 0.2); x ticks every max(1, the same rounding of (count - 1) / 5);
 *   - the legend (nnb_plot_legend) at (44, H - 12): "train", and "validation" when any validation figure is
 *     finite.
 * Non-finite figures are skipped (a validation run without validation data has NaN there).
 * @param image the image (drawn into, entirely).
 * @param entries the count history entries (borrowed).
 * @param count the number of epochs (> 0).
 * @param title the title (borrowed) or NULL.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (count 0, an image under NNB_PLOT_HISTORY_MIN_WIDTH x
 *         NNB_PLOT_HISTORY_MIN_HEIGHT).
 */
NNB_API nnb_status nnb_plot_history(nnb_image *image, const nnb_history_entry *entries, size_t count,
                                    const char *title);

/**
 * Writes the image as a binary PPM (P6): the header "P6", the width, the height and 255 on three lines, then the RGB
 * bytes.
 * @param image the image (read only).
 * @param path the file to create or replace.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (zero-size image), NNB_ERR_IO (with the path and
 *         strerror in nnb_last_error()).
 */
NNB_API nnb_status nnb_image_write_ppm(const nnb_image *image, const char *path);

#ifdef __cplusplus
}
#endif

#endif
