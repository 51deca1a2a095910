/* SPDX-License-Identifier: MIT */
/* Shared by the lesson programs: stop with a message when a library call fails. */
#ifndef NNB_EXAMPLE_UTIL_H
#define NNB_EXAMPLE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

/* Every call's status is checked; on failure the program says which call and why, and exits. */
#define CHECK(call)                                                                                                    \
    do {                                                                                                               \
        nnb_status check_status_ = (call);                                                                             \
        if (check_status_ != NNB_OK) {                                                                                 \
            fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, nnb_status_string(check_status_));    \
            exit(EXIT_FAILURE);                                                                                        \
        }                                                                                                              \
    } while (0)

/* Prints a float32 the way Python prints a np.float32 (shortest text that reads back exactly). */
static inline void print_float(const char *label, float value)
{
    char text[32];
    CHECK(nnb_format_float(text, sizeof text, value));
    printf("%s%s\n", label, text);
}

/* Prints a double the way Python's print() does (repr: the shortest text that reads back exactly). */
static inline void print_python_float(double value)
{
    char text[40];
    CHECK(nnb_format_double(text, sizeof text, value));
    printf("%s", text);
}

/* Prints a Python list of floats as print() does: "[4.8, 1.21, 2.385]". */
static inline void print_python_list(const double *values, size_t count)
{
    printf("[");
    for (size_t i = 0; i < count; ++i) {
        printf(i > 0 ? ", " : "");
        print_python_float(values[i]);
    }
    printf("]\n");
}

#endif
