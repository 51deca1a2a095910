/* SPDX-License-Identifier: MIT */
/*
 * Runs the playground's book mode through its C interface as the page does, and prints the book's line every
 * 100 epochs: the output must equal ch10_adam_spiral's, line for line (test web_book_mode). With an argument
 * N, trains N epochs instead of 10001. The speed goes to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "playground.h"

int main(int argc, char **argv)
{
    int epochs = argc > 1 ? atoi(argv[1]) : 10001;
    double s[PG_SETTING_COUNT];
    pg_book_settings(s);
    if (pg_create(s, PG_SETTING_COUNT) != 0) {
        fprintf(stderr, "pg_create: %s\n", pg_error());
        return EXIT_FAILURE;
    }
    clock_t t0 = clock();
    for (int e = 0; e < epochs; ++e) {
        if (pg_train(1) != 0) {
            fprintf(stderr, "pg_train: %s\n", pg_error());
            return EXIT_FAILURE;
        }
        if (e % 100 == 0) {
            printf("%s\n", pg_log_line());
        }
    }
    double seconds = (double)(clock() - t0) / CLOCKS_PER_SEC;
    fprintf(stderr, "%d epochs in %.2f s: %.0f epochs/s\n", epochs, seconds, seconds > 0 ? epochs / seconds : 0.0);
    pg_destroy();
    return EXIT_SUCCESS;
}
