/* SPDX-License-Identifier: MIT */
/*
 * Compares a lesson program's output with its expected text: the same words in the same order, and the
 * same numbers within a relative tolerance of 1e-5 (float32 rounding; the expected values come from the
 * course's published numbers and a numpy reference). Brackets and spacing are layout, not content.
 * Usage: check_output EXPECTED ACTUAL
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TEXT (1u << 20)

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "check_output: cannot open %s\n", path);
        return NULL;
    }
    char *text = malloc(MAX_TEXT + 1);
    size_t n = text != NULL ? fread(text, 1, MAX_TEXT, f) : 0;
    fclose(f);
    if (text != NULL) {
        text[n] = '\0';
    }
    return text;
}

/* Next token: a number or a word; brackets, commas and whitespace separate tokens. */
static const char *next_token(const char *p, char *tok, size_t cap)
{
    while (*p != '\0' && (isspace((unsigned char)*p) || strchr("[](),", *p) != NULL)) {
        ++p;
    }
    size_t n = 0;
    while (*p != '\0' && !isspace((unsigned char)*p) && strchr("[](),", *p) == NULL) {
        if (n + 1 < cap) {
            tok[n++] = *p;
        }
        ++p;
    }
    tok[n] = '\0';
    return n > 0 ? p : NULL;
}

static int as_number(const char *tok, double *value)
{
    char *end;
    *value = strtod(tok, &end);
    return end != tok && *end == '\0';
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: check_output EXPECTED ACTUAL\n");
        return 2;
    }
    char *expected = read_file(argv[1]);
    char *actual = read_file(argv[2]);
    if (expected == NULL || actual == NULL) {
        return 2;
    }
    const char *pe = expected, *pa = actual;
    char te[256], ta[256];
    int index = 0, failures = 0;
    for (;;) {
        pe = next_token(pe, te, sizeof te);
        pa = next_token(pa, ta, sizeof ta);
        if (pe == NULL || pa == NULL) {
            if (pe != NULL || pa != NULL) {
                fprintf(stderr, "token %d: output has %s tokens than expected\n", index, pe == NULL ? "more" : "fewer");
                ++failures;
            }
            break;
        }
        double ve, va;
        if (as_number(te, &ve)) {
            if (!as_number(ta, &va) || fabs(va - ve) > 1e-5 * fabs(ve) + 1e-9) {
                fprintf(stderr, "token %d: expected %s, got %s\n", index, te, ta);
                ++failures;
            }
        } else if (strcmp(te, ta) != 0) {
            fprintf(stderr, "token %d: expected '%s', got '%s'\n", index, te, ta);
            ++failures;
        }
        ++index;
    }
    free(expected);
    free(actual);
    if (failures == 0) {
        printf("output matches (%d tokens)\n", index);
    }
    return failures == 0 ? 0 : 1;
}
