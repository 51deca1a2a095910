/* SPDX-License-Identifier: MIT */
/*
 * NumPy-style printing of float32 arrays and scalars, so that lesson programs can be read next to the
 * Python output. The rules below are NumPy's defaults (floatmode "maxprec", precision 8, linewidth 75,
 * sign "-") as they apply to float32:
 *
 *   - an array prints in scientific notation when its largest finite magnitude is >= 1e8, or its smallest
 *     non-zero one is < 1e-4, or their ratio exceeds 1000 (compared in double); otherwise positionally;
 *   - positional: each value with the fewest fraction digits (at most 8) that read back as the same
 *     float32, trailing zeros dropped but the point kept ("0."), padded on the right to the widest
 *     fraction and on the left to the widest integer part;
 *   - scientific: every value with the same number of fraction digits, the most any value needs to read
 *     back exactly (at most 8), e.g. "-1.0475188e-04";
 *   - nan / inf / -inf are right-aligned in the common width, which grows to fit them;
 *   - elements are separated by one space; a row wraps before an element that would pass column 74 (73
 *     inside a 2-D array), continuation lines are indented under the first element and lose their
 *     trailing spaces.
 * float64 arrays (nnb_print_doubles) follow the same rules with texts that read back as float64, as numpy
 * prints a float64 array. A scalar prints like str(np.float32(x)) or Python's repr of a float: positional for 1e-4 <=
 * |x| < 1e16 (and 0) with at least one fraction digit ("1.0"), scientific otherwise ("1e-04").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error_internal.h"
#include "tensor/tensor_internal.h"

#define MAX_PRECISION 8
#define LINE_WIDTH 75
#define FIELD 48
#define LINE_CAP 256

/* The values to print: float32 (f) or float64 (d); exactly one is set. Texts must read back in that type. */
typedef struct values_view {
    const float *f;
    const double *d;
} values_view;

static double value_at(values_view v, size_t i)
{
    return v.f != NULL ? (double)v.f[i] : v.d[i];
}

/* Does the text read back as x in the values' type? */
static int reads_back(const char *text, double x, int f64)
{
    return f64 ? strtod(text, NULL) == x : strtof(text, NULL) == (float)x;
}

typedef struct format {
    int f64; /* texts read back as float64, not float32 */
    int scientific;
    int frac_digits; /* scientific: fixed fraction digits; positional: pad width for the fraction */
    int int_width;   /* width of the part before the point, sign included */
} format;

/* Fewest fraction digits (0..MAX_PRECISION) for which the text reads back as x; MAX_PRECISION if none. */
static int shortest_digits(double x, int scientific, int f64)
{
    char buf[FIELD];
    for (int d = 0; d < MAX_PRECISION; ++d) {
        snprintf(buf, sizeof buf, scientific ? "%.*e" : "%.*f", d, x);
        if (reads_back(buf, x, f64)) {
            return d;
        }
    }
    return MAX_PRECISION;
}

/* Length of the part before the point (or the exponent) of the scientific text with d fraction digits. */
static int scientific_int_width(double x, int d)
{
    char buf[FIELD];
    snprintf(buf, sizeof buf, "%.*e", d, x);
    return (int)strcspn(buf, ".e");
}

/*
 * Positional text of x: the fewest fraction digits that read back exactly (at most 8), trailing zeros
 * removed, the point always kept ("0.", "2.385"). Returns the number of fraction digits left.
 */
static int positional_text(char *buf, size_t cap, double x, int f64)
{
    snprintf(buf, cap, "%.*f", shortest_digits(x, 0, f64), x);
    char *dot = strchr(buf, '.');
    if (dot == NULL) {
        strncat(buf, ".", cap - strlen(buf) - 1);
        return 0;
    }
    size_t len = strlen(buf);
    while (len > 0 && buf[len - 1] == '0') {
        buf[--len] = '\0';
    }
    return (int)(len - (size_t)(dot - buf) - 1);
}

static format choose_format(values_view values, size_t count)
{
    format f = {values.d != NULL, 0, 0, 0};
    double max_abs = 0.0, min_abs = INFINITY;
    int any_finite = 0, any_nan = 0, any_neg_inf = 0, any_inf = 0;
    for (size_t i = 0; i < count; ++i) {
        double v = value_at(values, i);
        if (isnan(v)) {
            any_nan = 1;
            continue;
        }
        if (isinf(v)) {
            any_inf = 1;
            any_neg_inf |= v < 0.0;
            continue;
        }
        any_finite = 1;
        double a = fabs(v);
        if (a != 0.0) {
            max_abs = a > max_abs ? a : max_abs;
            min_abs = a < min_abs ? a : min_abs;
        }
    }
    if (max_abs > 0.0) {
        f.scientific = max_abs >= 1e8 || min_abs < 1e-4 || max_abs / min_abs > 1000.0;
    }
    /* One text per value gives both widths positionally; scientific widths need the common digit count. */
    char text[FIELD];
    for (size_t i = 0; i < count; ++i) {
        double v = value_at(values, i);
        if (!isfinite(v)) {
            continue;
        }
        if (f.scientific) {
            int d = shortest_digits(v, 1, f.f64);
            f.frac_digits = d > f.frac_digits ? d : f.frac_digits;
        } else {
            int d = positional_text(text, sizeof text, v, f.f64);
            int w = (int)(strchr(text, '.') - text);
            f.frac_digits = d > f.frac_digits ? d : f.frac_digits;
            f.int_width = w > f.int_width ? w : f.int_width;
        }
    }
    for (size_t i = 0; f.scientific && i < count; ++i) {
        if (isfinite(value_at(values, i))) {
            int w = scientific_int_width(value_at(values, i), f.frac_digits);
            f.int_width = w > f.int_width ? w : f.int_width;
        }
    }
    if (!any_finite) {
        f.int_width = 0;
    }
    /* Room for "nan" and "[-]inf" in the same width: width = int_width + point + the rest. */
    int offset = 1 + f.frac_digits + (f.scientific ? 4 : 0);
    int need = any_nan ? 3 - offset : 0;
    if (any_inf && 3 + any_neg_inf - offset > need) {
        need = 3 + any_neg_inf - offset;
    }
    f.int_width = need > f.int_width ? need : f.int_width;
    return f;
}

/* Formats one value into buf, padded to the common width; returns its length. */
static int format_value(char *buf, size_t cap, double x, const format *f)
{
    char core[FIELD];
    int total_width = f->int_width + 1 + f->frac_digits + (f->scientific ? 4 : 0);
    if (!isfinite(x)) {
        const char *word = isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
        return snprintf(buf, cap, "%*s", total_width, word);
    }
    if (f->scientific) {
        snprintf(core, sizeof core, "%.*e", f->frac_digits, x);
        if (f->frac_digits == 0) {
            /* "1e+00" -> "1.e+00": NumPy keeps the point. */
            char *e = strchr(core, 'e');
            memmove(e + 1, e, strlen(e) + 1);
            *e = '.';
        }
        return snprintf(buf, cap, "%*s", total_width, core);
    }
    int frac_len = positional_text(core, sizeof core, x, f->f64);
    int int_len = (int)(strchr(core, '.') - core);
    return snprintf(buf, cap, "%*s%s%*s", f->int_width - int_len, "", core, f->frac_digits - frac_len, "");
}

/* Writes line[0..len) without its trailing spaces, then a newline. */
static int flush_wrapped(FILE *stream, const char *line, size_t len)
{
    while (len > 0 && line[len - 1] == ' ') {
        --len;
    }
    return fwrite(line, 1, len, stream) == len && fputc('\n', stream) != EOF ? 0 : -1;
}

/*
 * Prints one row of `cols` values as NumPy's _formatArray does: `first` (e.g. "[[" or " [") opens the row,
 * continuation lines start with `indent` spaces (the same length), `limit` is the last column a value may
 * reach.
 */
static int print_row(FILE *stream, values_view values, size_t first_value, size_t cols, const format *f,
                     const char *first, size_t indent, size_t limit)
{
    char line[LINE_CAP];
    char word[FIELD + 8];
    size_t len = strlen(first);
    memcpy(line, first, len);
    for (size_t c = 0; c < cols; ++c) {
        size_t wlen = (size_t)format_value(word, sizeof word, value_at(values, first_value + c), f);
        /* Wrap when the value would pass the limit, unless the line holds nothing but its indent. */
        if (len + wlen > limit && len > indent) {
            if (flush_wrapped(stream, line, len) != 0) {
                return -1;
            }
            memset(line, ' ', indent);
            len = indent;
        }
        memcpy(line + len, word, wlen);
        len += wlen;
        if (c + 1 < cols) {
            line[len++] = ' ';
        }
    }
    line[len++] = ']';
    return fwrite(line, 1, len, stream) == len ? 0 : -1;
}

/* Prints rows [0, rows) of a rows x cols block; `nested` selects the 2-D bracket layout. */
static int print_block(FILE *stream, values_view values, size_t rows, size_t cols, int nested)
{
    format f = choose_format(values, rows * cols);
    if (!nested) {
        if (print_row(stream, values, 0, cols, &f, "[", 1, LINE_WIDTH - 1) != 0) {
            return -1;
        }
    } else {
        for (size_t r = 0; r < rows; ++r) {
            if (print_row(stream, values, r * cols, cols, &f, r == 0 ? "[[" : " [", 2, LINE_WIDTH - 2) != 0) {
                return -1;
            }
            if (fputs(r + 1 < rows ? "\n" : "]", stream) == EOF) {
                return -1;
            }
        }
    }
    return fputc('\n', stream) == EOF ? -1 : 0;
}

nnb_status nnb_tensor_print(FILE *stream, const nnb_tensor *t, size_t max_rows, int as_vector)
{
    if (stream == NULL || t == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t rows = (max_rows == 0 || max_rows > t->rows) ? t->rows : max_rows;
    int nested = !(as_vector && rows == 1);
    values_view v = {t->data, NULL};
    return print_block(stream, v, rows, t->cols, nested) == 0 ? NNB_OK : NNB_ERR_IO;
}

/*
 * Python's repr of a float (f64) or str(np.float32) (float32): the shortest digits that read back as the
 * value, positional for 1e-4 <= |x| < 1e16 with at least one fraction digit, else scientific ("1e-05").
 */
static void format_shortest(char *buf, size_t size, double value, int f64)
{
    if (!isfinite(value)) {
        snprintf(buf, size, "%s", isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf"));
        return;
    }
    if (value == 0.0) {
        snprintf(buf, size, "%s", signbit(value) ? "-0.0" : "0.0");
        return;
    }
    /* The shortest significant digits that read back as the value (correctly rounded, hence closest). */
    char sci[FIELD];
    int p = 0;
    do {
        snprintf(sci, sizeof sci, "%.*e", p, value);
    } while (!reads_back(sci, value, f64) && ++p < (f64 ? 17 : 9));
    char digits[24];
    size_t nd = 0;
    const char *s = sci;
    int negative = *s == '-';
    s += negative;
    for (; *s != 'e'; ++s) {
        if (*s != '.') {
            digits[nd++] = *s;
        }
    }
    digits[nd] = '\0';
    int exponent = atoi(s + 1);
    double magnitude = fabs(value);
    char *out = buf;
    if (negative) {
        *out++ = '-';
    }
    if (magnitude >= 1e-4 && magnitude < 1e16) {
        /* Positional: digits placed around the point, at least one fraction digit ("1.0"). */
        if (exponent >= 0) {
            for (int i = 0; i <= exponent; ++i) {
                *out++ = (size_t)i < nd ? digits[i] : '0';
            }
            *out++ = '.';
            if ((size_t)exponent + 1 < nd) {
                for (size_t i = (size_t)exponent + 1; i < nd; ++i) {
                    *out++ = digits[i];
                }
            } else {
                *out++ = '0';
            }
        } else {
            *out++ = '0';
            *out++ = '.';
            for (int i = 0; i < -exponent - 1; ++i) {
                *out++ = '0';
            }
            for (size_t i = 0; i < nd; ++i) {
                *out++ = digits[i];
            }
        }
        *out = '\0';
    } else {
        /* Scientific: "d[.ddd]e+XX" with at least two exponent digits. */
        *out++ = digits[0];
        if (nd > 1) {
            *out++ = '.';
            memcpy(out, digits + 1, nd - 1);
            out += nd - 1;
        }
        snprintf(out, size - (size_t)(out - buf), "e%c%02d", exponent < 0 ? '-' : '+', abs(exponent));
    }
}

nnb_status nnb_format_float(char *buf, size_t size, float value)
{
    if (buf == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (size < 32) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    format_shortest(buf, size, (double)value, 0);
    return NNB_OK;
}

nnb_status nnb_format_double(char *buf, size_t size, double value)
{
    if (buf == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (size < 32) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    format_shortest(buf, size, value, 1);
    return NNB_OK;
}

nnb_status nnb_print_floats(FILE *stream, const float *values, size_t count)
{
    if (stream == NULL || (values == NULL && count > 0)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count == 0) {
        return fputs("[]\n", stream) == EOF ? NNB_ERR_IO : NNB_OK;
    }
    values_view v = {values, NULL};
    return print_block(stream, v, 1, count, 0) == 0 ? NNB_OK : NNB_ERR_IO;
}

nnb_status nnb_print_doubles(FILE *stream, const double *values, size_t count)
{
    if (stream == NULL || (values == NULL && count > 0)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count == 0) {
        return fputs("[]\n", stream) == EOF ? NNB_ERR_IO : NNB_OK;
    }
    values_view v = {NULL, values};
    return print_block(stream, v, 1, count, 0) == 0 ? NNB_OK : NNB_ERR_IO;
}

nnb_status nnb_print_doubles_2d(FILE *stream, const double *values, size_t rows, size_t cols)
{
    if (stream == NULL || values == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (rows == 0 || cols == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    values_view v = {NULL, values};
    return print_block(stream, v, rows, cols, 1) == 0 ? NNB_OK : NNB_ERR_IO;
}
