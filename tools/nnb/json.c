/* SPDX-License-Identifier: MIT */
/* Writing JSON for --json output: strings escaped per RFC 8259, numbers in their shortest exact form. */
#include "nnb.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void nnb_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; ++p) {
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
                fputc(*p, out); /* UTF-8 passes through unchanged */
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
