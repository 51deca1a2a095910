/* SPDX-License-Identifier: MIT */
/*
 * Helper of tests/reference/numpy_sum_check.py: reads float32 values (raw, native byte order) from IN and, for
 * every prefix length n = 1 .. N, writes nnb_sum_f32 and nnb_mean_f32 of the first n values to OUT_SUM and
 * OUT_MEAN; for the prefix lengths listed on the command line it writes the mean sparse cross-entropy (one
 * column, label 0, NNB_ARITHMETIC_NUMPY) of those values to OUT_CCE. The script compares every value with
 * numpy's np.sum, np.mean and np.mean(-np.log(np.clip(x, 1e-7, 1 - 1e-7))) bit for bit.
 *
 *   numpy_sum_check IN OUT_SUM OUT_MEAN OUT_CCE [n ...]
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/nnbasics.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s IN OUT_SUM OUT_MEAN OUT_CCE [n ...]\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL || fseek(in, 0, SEEK_END) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    long bytes = ftell(in);
    rewind(in);
    size_t count = bytes > 0 ? (size_t)bytes / sizeof(float) : 0;
    float *x = malloc((count ? count : 1) * sizeof *x);
    float *sums = malloc((count ? count : 1) * sizeof *sums);
    float *means = malloc((count ? count : 1) * sizeof *means);
    uint32_t *labels = calloc(count ? count : 1, sizeof *labels);
    int rc = 0;
    if (x == NULL || sums == NULL || means == NULL || labels == NULL || fread(x, sizeof *x, count, in) != count) {
        fprintf(stderr, "cannot read the values\n");
        rc = 1;
    }
    fclose(in);
    for (size_t n = 1; rc == 0 && n <= count; ++n) {
        if (nnb_sum_f32(x, n, &sums[n - 1]) != NNB_OK || nnb_mean_f32(x, n, &means[n - 1]) != NNB_OK) {
            rc = 1;
        }
    }
    FILE *out_sum = fopen(argv[2], "wb");
    FILE *out_mean = fopen(argv[3], "wb");
    FILE *out_cce = fopen(argv[4], "wb");
    if (rc == 0 && (out_sum == NULL || out_mean == NULL || out_cce == NULL ||
                    fwrite(sums, sizeof *sums, count, out_sum) != count ||
                    fwrite(means, sizeof *means, count, out_mean) != count)) {
        fprintf(stderr, "cannot write the results\n");
        rc = 1;
    }
    if (rc == 0 && nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY) != NNB_OK) {
        rc = 1;
    }
    for (int a = 5; rc == 0 && a < argc; ++a) {
        size_t n = (size_t)strtoul(argv[a], NULL, 10);
        nnb_tensor *pred = NULL;
        float mean = 0.0f;
        if (n == 0 || n > count || nnb_tensor_wrap(&pred, n, 1, x) != NNB_OK ||
            nnb_cce_sparse(pred, labels, n, NULL, &mean) != NNB_OK || fwrite(&mean, sizeof mean, 1, out_cce) != 1) {
            fprintf(stderr, "cross-entropy of %zu values failed\n", n);
            rc = 1;
        }
        nnb_tensor_destroy(pred);
    }
    if (out_sum != NULL) {
        fclose(out_sum);
    }
    if (out_mean != NULL) {
        fclose(out_mean);
    }
    if (out_cce != NULL) {
        fclose(out_cce);
    }
    free(labels);
    free(means);
    free(sums);
    free(x);
    return rc;
}
