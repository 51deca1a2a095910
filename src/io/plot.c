/* SPDX-License-Identifier: MIT */
/*
 * Raster plots into caller-owned RGB images (plot.h): a 5x7 bitmap font, frames with ticks, polylines,
 * legends, the training-curve picture and a PPM writer. No allocation.
 */
#include "nnbasics/plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"

/* ---- the font: 7 rows per glyph, 5 bits per row, bit 4 the leftmost pixel ---- */

typedef struct glyph {
    char c;
    unsigned char rows[NNB_PLOT_GLYPH_HEIGHT];
} glyph;

static const glyph k_font[] = {
    {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}, {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}}, {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}}, {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}}, {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}}, {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}}, {'A', {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}},
    {'B', {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}}, {'C', {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}},
    {'D', {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}}, {'E', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}},
    {'F', {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}}, {'G', {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}},
    {'H', {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}}, {'I', {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'J', {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}}, {'K', {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}},
    {'L', {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}}, {'M', {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}},
    {'N', {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}}, {'O', {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'P', {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}}, {'Q', {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}},
    {'R', {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}}, {'S', {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}},
    {'T', {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}}, {'U', {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}},
    {'V', {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}}, {'W', {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}},
    {'X', {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}}, {'Y', {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04}},
    {'Z', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}}, {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {',', {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}}, {'-', {0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}}, {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}},
    {'(', {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}}, {')', {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}},
    {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}}, {'%', {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}},
    {'=', {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}}, {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
    {'*', {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00}}, {'?', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}},
};

static const unsigned char *glyph_rows(char c)
{
    if (c >= 'a' && c <= 'z') {
        c = (char)(c - 'a' + 'A');
    }
    const size_t n = sizeof k_font / sizeof k_font[0];
    for (size_t i = 0; i < n; ++i) {
        if (k_font[i].c == c) {
            return k_font[i].rows;
        }
    }
    return k_font[n - 1].rows; /* '?' */
}

/* ---- pixels ---- */

static const unsigned char k_dark[3] = {40, 40, 40};
static const unsigned char k_grid[3] = {225, 225, 225};
static const unsigned char k_black[3] = {0, 0, 0};
static const unsigned char k_white[3] = {255, 255, 255};
static const unsigned char k_train[3] = {31, 119, 180};
static const unsigned char k_val[3] = {255, 127, 14};

static nnb_status check_image(const nnb_image *image)
{
    if (image == NULL || image->rgb == NULL) {
        return NNB_ERR_NULL;
    }
    if (image->width == 0 || image->height == 0) {
        return NNB_ERR_ARGUMENT;
    }
    if (image->width > SIZE_MAX / 3 / image->height) {
        return NNB_ERR_OVERFLOW;
    }
    return NNB_OK;
}

#define CHECK_IMAGE(image)                                                                                             \
    do {                                                                                                               \
        nnb_status st_ = check_image(image);                                                                           \
        if (st_ != NNB_OK) {                                                                                           \
            return NNB__FAILF(st_, "image: %s",                                                                        \
                              st_ == NNB_ERR_NULL       ? "NULL image or pixels"                                       \
                              : st_ == NNB_ERR_ARGUMENT ? "zero width or height"                                       \
                                                        : "width * height * 3 overflows");                             \
        }                                                                                                              \
    } while (0)

static void put(nnb_image *image, long x, long y, const unsigned char rgb[3])
{
    if (x < 0 || y < 0 || (unsigned long)x >= image->width || (unsigned long)y >= image->height) {
        return;
    }
    unsigned char *p = image->rgb + ((size_t)y * image->width + (size_t)x) * 3;
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
}

static long to_long(size_t v)
{
    return v > (size_t)LONG_MAX ? LONG_MAX : (long)v;
}

static void rect(nnb_image *image, long x, long y, long w, long h, const unsigned char rgb[3])
{
    for (long r = y; r < y + h; ++r) {
        for (long c = x; c < x + w; ++c) {
            put(image, c, r, rgb);
        }
    }
}

static void text(nnb_image *image, long x, long y, const char *s, const unsigned char rgb[3])
{
    for (; *s != '\0'; ++s, x += NNB_PLOT_GLYPH_ADVANCE) {
        const unsigned char *rows = glyph_rows(*s);
        for (long r = 0; r < NNB_PLOT_GLYPH_HEIGHT; ++r) {
            for (long c = 0; c < NNB_PLOT_GLYPH_WIDTH; ++c) {
                if (rows[r] & (0x10u >> c)) {
                    put(image, x + c, y + r, rgb);
                }
            }
        }
    }
}

static long text_width(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return n == 0 ? 0 : to_long(n) * NNB_PLOT_GLYPH_ADVANCE - 1;
}

nnb_status nnb_plot_fill(nnb_image *image, const unsigned char rgb[3])
{
    if (rgb == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "rgb is NULL");
    }
    CHECK_IMAGE(image);
    const size_t n = image->width * image->height;
    for (size_t i = 0; i < n; ++i) {
        memcpy(image->rgb + 3 * i, rgb, 3);
    }
    return NNB_OK;
}

size_t nnb_plot_text_width(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    return n == 0 ? 0 : n * NNB_PLOT_GLYPH_ADVANCE - 1;
}

nnb_status nnb_plot_text(nnb_image *image, size_t x, size_t y, const char *s, const unsigned char rgb[3])
{
    if (s == NULL || rgb == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", s == NULL ? "text" : "rgb");
    }
    CHECK_IMAGE(image);
    text(image, to_long(x), to_long(y), s, rgb);
    return NNB_OK;
}

/* ---- frames ---- */

static nnb_status check_axes(const nnb_plot_axes *a)
{
    if (a->width < 2 || a->height < 2) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "axes: the frame is %zu x %zu pixels (at least 2 x 2)", a->width,
                          a->height);
    }
    if (a->left > (size_t)LONG_MAX / 2 || a->top > (size_t)LONG_MAX / 2 || a->width > (size_t)LONG_MAX / 2 ||
        a->height > (size_t)LONG_MAX / 2) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "axes: the frame is beyond the range of long");
    }
    if (!isfinite(a->x_min) || !isfinite(a->x_max) || !(a->x_max > a->x_min) || !isfinite(a->x_max - a->x_min)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "axes: x range [%g, %g] is empty or not finite", a->x_min, a->x_max);
    }
    if (!isfinite(a->y_min) || !isfinite(a->y_max) || !(a->y_max > a->y_min) || !isfinite(a->y_max - a->y_min)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "axes: y range [%g, %g] is empty or not finite", a->y_min, a->y_max);
    }
    return NNB_OK;
}

/* Maps without argument checks; 0 when the pixel is beyond +-LONG_MAX / 4. */
static int map(const nnb_plot_axes *a, double x, double y, long *px, long *py)
{
    double fx = floor((x - a->x_min) / (a->x_max - a->x_min) * (double)(a->width - 1) + 0.5);
    double fy = floor((y - a->y_min) / (a->y_max - a->y_min) * (double)(a->height - 1) + 0.5);
    const double lim = (double)(LONG_MAX / 4);
    if (!(fx > -lim && fx < lim && fy > -lim && fy < lim)) {
        return 0;
    }
    *px = to_long(a->left) + (long)fx;
    *py = to_long(a->top) + to_long(a->height) - 1 - (long)fy;
    return 1;
}

nnb_status nnb_plot_map(const nnb_plot_axes *axes, double x, double y, long *px, long *py)
{
    if (axes == NULL || px == NULL || py == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", axes == NULL ? "axes" : px == NULL ? "px" : "py");
    }
    nnb_status st = check_axes(axes);
    if (st != NNB_OK) {
        return st;
    }
    long cx = 0, cy = 0;
    if (!isfinite(x) || !isfinite(y) || !map(axes, x, y, &cx, &cy)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "the point (%g, %g) has no pixel", x, y);
    }
    *px = cx;
    *py = cy;
    return NNB_OK;
}

/* Decimals that show every multiple of step (at most 6). */
static int decimals_for(double step)
{
    int d = 0;
    double s = step;
    while (d < 6 && fabs(s - floor(s + 0.5)) > 1e-9 * (s > 1.0 ? s : 1.0)) {
        s *= 10.0;
        ++d;
    }
    return d;
}

static nnb_status check_step(const nnb_plot_axes *a, double step, int is_x)
{
    const double range = is_x ? a->x_max - a->x_min : a->y_max - a->y_min;
    if (!isfinite(step) || !(step > 0.0) || range / step > 200.0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "%s_step %g is not positive or gives more than 200 ticks", is_x ? "x" : "y",
                          step);
    }
    return NNB_OK;
}

nnb_status nnb_plot_axes_draw(nnb_image *image, const nnb_plot_axes *axes, double x_step, double y_step)
{
    if (axes == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "axes is NULL");
    }
    CHECK_IMAGE(image);
    nnb_status st = check_axes(axes);
    if (st == NNB_OK) {
        st = check_step(axes, x_step, 1);
    }
    if (st == NNB_OK) {
        st = check_step(axes, y_step, 0);
    }
    if (st != NNB_OK) {
        return st;
    }
    const long left = to_long(axes->left), top = to_long(axes->top);
    const long right = left + to_long(axes->width) - 1, bottom = top + to_long(axes->height) - 1;
    char label[64];
    /* x ticks */
    const int xd = decimals_for(x_step);
    for (double k = ceil(axes->x_min / x_step - 1e-9);; k += 1.0) {
        const double v = k * x_step;
        if (v > axes->x_max + 1e-9 * x_step) {
            break;
        }
        long px = 0, py = 0;
        if (!map(axes, v, axes->y_min, &px, &py)) {
            continue;
        }
        rect(image, px, top, 1, bottom - top + 1, k_grid);
        rect(image, px, bottom + 1, 1, 3, k_dark);
        (void)snprintf(label, sizeof label, "%.*f", xd, v == 0.0 ? 0.0 : v);
        text(image, px - text_width(label) / 2, bottom + 5, label, k_dark);
    }
    /* y ticks */
    const int yd = decimals_for(y_step);
    for (double k = ceil(axes->y_min / y_step - 1e-9);; k += 1.0) {
        const double v = k * y_step;
        if (v > axes->y_max + 1e-9 * y_step) {
            break;
        }
        long px = 0, py = 0;
        if (!map(axes, axes->x_min, v, &px, &py)) {
            continue;
        }
        rect(image, left, py, right - left + 1, 1, k_grid);
        rect(image, left - 3, py, 3, 1, k_dark);
        (void)snprintf(label, sizeof label, "%.*f", yd, v == 0.0 ? 0.0 : v);
        text(image, left - 4 - text_width(label), py - NNB_PLOT_GLYPH_HEIGHT / 2, label, k_dark);
    }
    rect(image, left, top, right - left + 1, 1, k_dark);
    rect(image, left, bottom, right - left + 1, 1, k_dark);
    rect(image, left, top, 1, bottom - top + 1, k_dark);
    rect(image, right, top, 1, bottom - top + 1, k_dark);
    return NNB_OK;
}

static void segment(nnb_image *image, long x0, long y0, long x1, long y1, const unsigned char rgb[3])
{
    const long dx = x1 > x0 ? x1 - x0 : x0 - x1, sx = x0 < x1 ? 1 : -1;
    const long dy = y1 > y0 ? y0 - y1 : y1 - y0, sy = y0 < y1 ? 1 : -1;
    long err = dx + dy;
    for (;;) {
        put(image, x0, y0, rgb);
        if (x0 == x1 && y0 == y1) {
            break;
        }
        const long e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

nnb_status nnb_plot_line(nnb_image *image, const nnb_plot_axes *axes, const double *x, const double *y, size_t n,
                         const unsigned char rgb[3])
{
    if (axes == NULL || rgb == NULL || (n > 0 && (x == NULL || y == NULL))) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", axes == NULL ? "axes" : rgb == NULL ? "rgb" : "x or y");
    }
    CHECK_IMAGE(image);
    nnb_status st = check_axes(axes);
    if (st != NNB_OK) {
        return st;
    }
    int have_prev = 0;
    long prev_x = 0, prev_y = 0;
    for (size_t i = 0; i < n; ++i) {
        long px = 0, py = 0;
        if (!isfinite(x[i]) || !isfinite(y[i]) || !map(axes, x[i], y[i], &px, &py)) {
            have_prev = 0;
            continue;
        }
        if (have_prev) {
            segment(image, prev_x, prev_y, px, py, rgb);
        } else {
            put(image, px, py, rgb);
        }
        if (n <= 60) {
            rect(image, px - 1, py - 1, 3, 3, rgb);
        }
        prev_x = px;
        prev_y = py;
        have_prev = 1;
    }
    return NNB_OK;
}

nnb_status nnb_plot_legend(nnb_image *image, size_t x, size_t y, const char *const *labels,
                           const unsigned char *colours, size_t n)
{
    if (n > 0 && (labels == NULL || colours == NULL)) {
        return NNB__FAILF(NNB_ERR_NULL, "%s is NULL", labels == NULL ? "labels" : "colours");
    }
    for (size_t i = 0; i < n; ++i) {
        if (labels[i] == NULL) {
            return NNB__FAILF(NNB_ERR_NULL, "labels[%zu] is NULL", i);
        }
    }
    CHECK_IMAGE(image);
    long cx = to_long(x);
    const long cy = to_long(y);
    for (size_t i = 0; i < n; ++i) {
        rect(image, cx, cy, 10, NNB_PLOT_GLYPH_HEIGHT, colours + 3 * i);
        text(image, cx + 14, cy, labels[i], k_dark);
        cx += 14 + text_width(labels[i]) + 12;
    }
    return NNB_OK;
}

/* ---- the training curves ---- */

/* The least of 1, 2, 5, 10 times 10^floor(log10 r) that is >= r (r > 0). */
static double nice_step(double r)
{
    const double mag = pow(10.0, floor(log10(r)));
    const double f = r / mag;
    return (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0) * mag;
}

typedef struct series {
    const nnb_history_entry *e;
    size_t n;
    size_t offset; /* offsetof the double in nnb_history_entry */
} series;

static double value_at(const series *s, size_t i)
{
    double v;
    memcpy(&v, (const unsigned char *)(s->e + i) + s->offset, sizeof v);
    return v;
}

static void draw_series(nnb_image *image, const nnb_plot_axes *a, const series *s, const unsigned char rgb[3])
{
    int have_prev = 0;
    long prev_x = 0, prev_y = 0;
    for (size_t i = 0; i < s->n; ++i) {
        const double v = value_at(s, i);
        long px = 0, py = 0;
        if (!isfinite(v) || !map(a, (double)(i + 1), v, &px, &py)) {
            have_prev = 0;
            continue;
        }
        if (have_prev) {
            segment(image, prev_x, prev_y, px, py, rgb);
        } else {
            put(image, px, py, rgb);
        }
        if (s->n <= 60) {
            rect(image, px - 1, py - 1, 3, 3, rgb);
        }
        prev_x = px;
        prev_y = py;
        have_prev = 1;
    }
}

nnb_status nnb_plot_history(nnb_image *image, const nnb_history_entry *entries, size_t count, const char *title)
{
    if (entries == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "entries is NULL");
    }
    CHECK_IMAGE(image);
    if (count == 0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "count is 0: no epochs to draw");
    }
    if (image->width < NNB_PLOT_HISTORY_MIN_WIDTH || image->height < NNB_PLOT_HISTORY_MIN_HEIGHT) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "the image is %zu x %zu pixels (at least %d x %d)", image->width,
                          image->height, NNB_PLOT_HISTORY_MIN_WIDTH, NNB_PLOT_HISTORY_MIN_HEIGHT);
    }
    if (image->width > 100000 || image->height > 100000) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "the image is %zu x %zu pixels (at most 100000 x 100000)", image->width,
                          image->height);
    }
    /* Ranges. */
    double lo = 0.0, hi = -INFINITY;
    int any_val = 0;
    for (size_t i = 0; i < count; ++i) {
        const double l[2] = {entries[i].loss, entries[i].val_loss};
        for (size_t k = 0; k < 2; ++k) {
            if (isfinite(l[k])) {
                lo = l[k] < lo ? l[k] : lo;
                hi = l[k] > hi ? l[k] : hi;
            }
        }
        any_val |= isfinite(entries[i].val_loss) || isfinite(entries[i].val_accuracy);
    }
    double loss_step = 0.2, loss_top = 1.0;
    if (hi > 0.0 && isfinite(hi - lo)) {
        loss_step = nice_step((hi - lo) / 5.0);
        loss_top = ceil(hi / loss_step) * loss_step;
    }
    const double x_max = count > 1 ? (double)count : 2.0;
    const double x_step = count > 6 ? nice_step((double)(count - 1) / 5.0) : 1.0;

    (void)nnb_plot_fill(image, k_white);
    const long w = to_long(image->width), h = to_long(image->height), half = w / 2;
    if (title != NULL && title[0] != '\0') {
        text(image, (w - text_width(title)) / 2, 6, title, k_black);
    }
    static const char *const captions[2] = {"loss", "accuracy"};
    static const size_t offsets[2][2] = {
        {offsetof(nnb_history_entry, loss), offsetof(nnb_history_entry, val_loss)},
        {offsetof(nnb_history_entry, accuracy), offsetof(nnb_history_entry, val_accuracy)}};
    for (int p = 0; p < 2; ++p) {
        nnb_plot_axes a = {
            (size_t)(p * half + 44), 28, (size_t)(half - 56), (size_t)(h - 68), 1.0, x_max, p == 0 ? lo : 0.0,
            p == 0 ? loss_top : 1.0};
        nnb_status st = nnb_plot_axes_draw(image, &a, x_step, p == 0 ? loss_step : 0.2);
        if (st != NNB_OK) {
            return st; /* not reached: the ranges above are valid */
        }
        text(image, to_long(a.left), 18, captions[p], k_black);
        text(image, to_long(a.left) + (to_long(a.width) - text_width("epoch")) / 2, h - 27, "epoch", k_dark);
        const series train = {entries, count, offsets[p][0]}, val = {entries, count, offsets[p][1]};
        if (any_val) {
            draw_series(image, &a, &val, k_val);
        }
        draw_series(image, &a, &train, k_train);
    }
    static const char *const labels[2] = {"train", "validation"};
    unsigned char colours[6];
    memcpy(colours, k_train, 3);
    memcpy(colours + 3, k_val, 3);
    return nnb_plot_legend(image, 44, (size_t)(h - 12), labels, colours, any_val ? 2 : 1);
}

nnb_status nnb_image_write_ppm(const nnb_image *image, const char *path)
{
    if (path == NULL) {
        return NNB__FAILF(NNB_ERR_NULL, "path is NULL");
    }
    CHECK_IMAGE(image);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return NNB__FAILF(NNB_ERR_IO, "%s: %s", path, strerror(errno));
    }
    const size_t bytes = image->width * image->height * 3;
    int ok =
        fprintf(f, "P6\n%zu %zu\n255\n", image->width, image->height) > 0 && fwrite(image->rgb, 1, bytes, f) == bytes;
    if (fclose(f) != 0) {
        ok = 0;
    }
    if (!ok) {
        return NNB__FAILF(NNB_ERR_IO, "%s: writing failed", path);
    }
    return NNB_OK;
}
