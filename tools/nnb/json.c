/* SPDX-License-Identifier: MIT */
/* Writing JSON for --json output: strings escaped per RFC 8259, numbers in their shortest exact form. */
#include "nnb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (1 to 4), or 0 when the bytes there are not one. */
static size_t utf8_length(const unsigned char *p)
{
    size_t n;
    unsigned min;
    if (p[0] < 0x80) {
        return 1;
    } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        n = 2, min = 0x80;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        n = 3, min = 0x800;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        n = 4, min = 0x10000;
    } else {
        return 0;
    }
    unsigned code = p[0] & (0x7fu >> n);
    for (size_t i = 1; i < n; ++i) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0; /* also stops at the terminating NUL */
        }
        code = (code << 6) | (p[i] & 0x3fu);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        return 0; /* overlong, beyond Unicode, or a surrogate */
    }
    return n;
}

void nnb_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; ++p) {
        if (*p >= 0x80) {
            /* JSON text is UTF-8: a byte that does not begin a valid sequence (a path in another encoding)
             * becomes U+FFFD, the replacement character. */
            const size_t n = utf8_length(p);
            if (n == 0) {
                fputs("\\ufffd", out);
            } else {
                fwrite(p, 1, n, out);
                p += n - 1;
            }
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                fprintf(out, "\\u%04x", (unsigned)*p);
            } else {
                fputc(*p, out);
            }
        }
    }
    fputc('"', out);
}

void nnb_json_number(FILE *out, double v)
{
    if (!isfinite(v)) {
        fputs("null", out); /* JSON has no NaN or infinity */
        return;
    }
    char buf[40];
    for (int digits = 6; digits <= 17; ++digits) {
        (void)snprintf(buf, sizeof buf, "%.*g", digits, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    fputs(buf, out);
}

void nnb_json_float(FILE *out, float v)
{
    if (!isfinite(v)) {
        fputs("null", out);
        return;
    }
    char buf[40];
    for (int digits = 6; digits <= 9; ++digits) {
        (void)snprintf(buf, sizeof buf, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v) {
            break;
        }
    }
    fputs(buf, out);
}
