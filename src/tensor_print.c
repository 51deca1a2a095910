/*
 * NumPy-style printing of float32 arrays, so that lesson programs can be read next to the Python output.
 *
 * NumPy's default ("maxprec", precision 8) rules, as they apply to float32:
 *   - scientific notation when the largest magnitude is >= 1e8, or the smallest non-zero one is < 1e-4,
 *     or their ratio exceeds 1000; otherwise positional;
 *   - positional: each value with the fewest fraction digits (at most 8) that read back as the same
 *     float32, trailing zeros dropped but the point kept ("0."), padded with spaces on the right to a
 *     common fraction width and on the left to a common integer width;
 *   - scientific: every value with the same number of fraction digits, the most any value needs to read
 *     back exactly (at most 8), e.g. "-1.0475188e-04", padded on the left to a common width.
 * Lines wrap at 75 characters like NumPy's default linewidth.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal/tensor.h"

#define MAX_PRECISION 8
#define LINE_WIDTH 75
#define FIELD 48

typedef struct format {
    int scientific;
    int frac_digits; /* scientific: fixed fraction digits; positional: pad width for the fraction */
    int int_width;   /* width of the part before the point, sign included */
} format;

/* Fewest fraction digits (0..MAX_PRECISION) for which the text reads back as x; MAX_PRECISION if none. */
static int shortest_digits(float x, int scientific)
{
    char buf[FIELD];
    for (int d = 0; d < MAX_PRECISION; ++d) {
        snprintf(buf, sizeof buf, scientific ? "%.*e" : "%.*f", d, (double)x);
        if (strtof(buf, NULL) == x) {
            return d;
        }
    }
    return MAX_PRECISION;
}

/* The integer part of the positional text of x with d fraction digits, e.g. "-12" (its length matters). */
static int int_part_width(float x, int d, int scientific)
{
    char buf[FIELD];
    snprintf(buf, sizeof buf, scientific ? "%.*e" : "%.*f", d, (double)x);
    const char *dot = strchr(buf, '.');
    const char *e = strchr(buf, 'e');
    size_t len = dot != NULL ? (size_t)(dot - buf) : (e != NULL ? (size_t)(e - buf) : strlen(buf));
    return (int)len;
}

/*
 * Positional text of x: the fewest fraction digits that read back exactly (at most 8), trailing zeros
 * removed, the point always kept ("0.", "2.385"). Returns the number of fraction digits left.
 */
static int positional_text(char *buf, size_t cap, float x)
{
    snprintf(buf, cap, "%.*f", shortest_digits(x, 0), (double)x);
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

static format choose_format(const float *values, size_t count)
{
    format f = {0, 0, 1};
    float max_abs = 0.0f, min_abs = INFINITY;
    for (size_t i = 0; i < count; ++i) {
        float a = fabsf(values[i]);
        if (isfinite(a) && a != 0.0f) {
            max_abs = a > max_abs ? a : max_abs;
            min_abs = a < min_abs ? a : min_abs;
        }
    }
    if (max_abs > 0.0f) {
        f.scientific = max_abs >= 1e8f || (double)min_abs < 1e-4 || max_abs / min_abs > 1000.0f;
    }
    char text[FIELD];
    for (size_t i = 0; i < count; ++i) {
        if (!isfinite(values[i])) {
            continue;
        }
        int d = f.scientific ? shortest_digits(values[i], 1) : positional_text(text, sizeof text, values[i]);
        f.frac_digits = d > f.frac_digits ? d : f.frac_digits;
    }
    for (size_t i = 0; i < count; ++i) {
        if (!isfinite(values[i])) {
            continue;
        }
        int w;
        if (f.scientific) {
            w = int_part_width(values[i], f.frac_digits, 1);
        } else {
            (void)positional_text(text, sizeof text, values[i]);
            w = (int)(strchr(text, '.') - text);
        }
        f.int_width = w > f.int_width ? w : f.int_width;
    }
    return f;
}

/* Formats one value into buf (padded to the common width); returns its length. */
static int format_value(char *buf, size_t cap, float x, const format *f)
{
    char core[FIELD];
    int total_width = f->int_width + 1 + f->frac_digits + (f->scientific ? 4 : 0);
    if (isnan(x) || isinf(x)) {
        const char *word = isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf");
        return snprintf(buf, cap, "%*s", total_width, word);
    }
    if (f->scientific) {
        snprintf(core, sizeof core, "%.*e", f->frac_digits, (double)x);
        if (f->frac_digits == 0) {
            /* "1e+00" -> "1.e+00", as NumPy keeps the point. */
            char *e = strchr(core, 'e');
            char tail[FIELD];
            snprintf(tail, sizeof tail, "%s", e);
            snprintf(e, sizeof core - (size_t)(e - core), ".%s", tail);
        }
        return snprintf(buf, cap, "%*s", total_width, core);
    }
    int frac_len = positional_text(core, sizeof core, x);
    int int_len = (int)(strchr(core, '.') - core);
    return snprintf(buf, cap, "%*s%s%*s", f->int_width - int_len, "", core, f->frac_digits - frac_len, "");
}

/* Prints rows [0, rows) of a rows x cols block; `nested` selects the 2-D bracket layout. */
static int print_block(FILE *stream, const float *values, size_t rows, size_t cols, int nested)
{
    format f = choose_format(values, rows * cols);
    char field[FIELD + 8];
    const char *open = nested ? "[[" : "[";
    if (fputs(open, stream) == EOF) {
        return -1;
    }
    size_t indent = nested ? 2 : 1;
    for (size_t r = 0; r < rows; ++r) {
        size_t line = indent;
        if (r > 0 && fputs("\n [", stream) == EOF) {
            return -1;
        }
        for (size_t c = 0; c < cols; ++c) {
            int len = format_value(field, sizeof field, values[r * cols + c], &f);
            size_t need = (size_t)len + (c > 0 ? 1u : 0u);
            if (c > 0 && line + need + 1 > LINE_WIDTH) {
                if (fprintf(stream, "\n%*s", (int)indent, "") < 0) {
                    return -1;
                }
                line = indent;
                need = (size_t)len;
            } else if (c > 0 && fputc(' ', stream) == EOF) {
                return -1;
            }
            if (fputs(field, stream) == EOF) {
                return -1;
            }
            line += need;
        }
        if (fputc(']', stream) == EOF) {
            return -1;
        }
    }
    if (nested && fputc(']', stream) == EOF) {
        return -1;
    }
    return fputc('\n', stream) == EOF ? -1 : 0;
}

nnb_status nnb_tensor_print(FILE *stream, const nnb_tensor *t, size_t max_rows, int as_vector)
{
    if (stream == NULL || t == NULL) {
        return NNB_ERR_NULL;
    }
    size_t rows = (max_rows == 0 || max_rows > t->rows) ? t->rows : max_rows;
    int nested = !(as_vector && rows == 1);
    return print_block(stream, t->data, rows, t->cols, nested) == 0 ? NNB_OK : NNB_ERR_IO;
}

nnb_status nnb_format_float(char *buf, size_t size, float value)
{
    if (buf == NULL) {
        return NNB_ERR_NULL;
    }
    if (size < 32) {
        return NNB_ERR_ARGUMENT;
    }
    if (isnan(value) || isinf(value)) {
        snprintf(buf, size, "%s", isnan(value) ? "nan" : (value > 0 ? "inf" : "-inf"));
        return NNB_OK;
    }
    for (int digits = 1; digits <= 9; ++digits) {
        snprintf(buf, size, "%.*g", digits, (double)value);
        if (strtof(buf, NULL) == value) {
            break;
        }
    }
    return NNB_OK;
}

nnb_status nnb_print_floats(FILE *stream, const float *values, size_t count)
{
    if (stream == NULL || (values == NULL && count > 0)) {
        return NNB_ERR_NULL;
    }
    if (count == 0) {
        return fputs("[]\n", stream) == EOF ? NNB_ERR_IO : NNB_OK;
    }
    return print_block(stream, values, 1, count, 0) == 0 ? NNB_OK : NNB_ERR_IO;
}
