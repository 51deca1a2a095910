/* SPDX-License-Identifier: MIT */
/*
 * Helper of tests/reference/numpy_exp_log_check.py: reads float32 values (raw, native byte order) from the
 * file IN and writes nnb__numpy_expf of each to OUT_EXP and nnb__numpy_logf of each to OUT_LOG, so that the
 * script can compare them bit for bit with numpy's np.exp and np.log.
 *
 *   numpy_math_check IN OUT_EXP OUT_LOG
 */
#include <stdio.h>
#include <stdlib.h>

#include "compute/numpy_math.h"

enum { CHUNK = 1 << 16 };

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s IN OUT_EXP OUT_LOG\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    FILE *out_exp = fopen(argv[2], "wb");
    FILE *out_log = fopen(argv[3], "wb");
    static float x[CHUNK], e[CHUNK], l[CHUNK];
    int rc = 0;
    if (in == NULL || out_exp == NULL || out_log == NULL) {
        fprintf(stderr, "cannot open the files\n");
        rc = 1;
    }
    while (rc == 0) {
        size_t n = fread(x, sizeof x[0], CHUNK, in);
        for (size_t i = 0; i < n; ++i) {
            e[i] = nnb__numpy_expf(x[i]);
            l[i] = nnb__numpy_logf(x[i]);
        }
        if (fwrite(e, sizeof e[0], n, out_exp) != n || fwrite(l, sizeof l[0], n, out_log) != n) {
            fprintf(stderr, "write failed\n");
            rc = 1;
        }
        if (n < CHUNK) {
            if (ferror(in)) {
                fprintf(stderr, "read failed\n");
                rc = 1;
            }
            break;
        }
    }
    if (in != NULL) {
        fclose(in);
    }
    if (out_exp != NULL && fclose(out_exp) != 0) {
        rc = 1;
    }
    if (out_log != NULL && fclose(out_log) != 0) {
        rc = 1;
    }
    return rc;
}
