/* SPDX-License-Identifier: MIT */
/*
 * Guide, part 4: deploying a saved model. Loads the model guide_classify_csv saved, classifies points given on
 * the command line (or three built-in ones), and shows what a caller sees when an input does not fit.
 *
 *   guide_deploy [MODEL.nnb [X Y]...]     (default: colours.nnb and the points (0, 2), (2, -1), (-2, -1))
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/nnbasics.h>

/* The class names, in the order the CSV reader numbered them (their first appearance in data/colours.csv). */
static const char *const k_names[] = {"blue", "red", "green"};

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "colours.nnb";
    float points[64] = {0.0f, 2.0f, 2.0f, -1.0f, -2.0f, -1.0f};
    size_t n = 3;
    if (argc > 3) {
        n = 0;
        for (int i = 2; i + 1 < argc && n < 32; i += 2, ++n) {
            points[2 * n] = strtof(argv[i], NULL);
            points[2 * n + 1] = strtof(argv[i + 1], NULL);
        }
    }

    /* Predictions are the same in every arithmetic mode within float32 rounding; REFERENCE makes them equal,
     * bit for bit, on every machine and GEMM core. One thread is plenty for a few rows. */
    nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE);
    nnb_set_num_threads(1);

    nnb_model *model = NULL;
    nnb_status st = nnb_model_load(&model, path);
    if (st != NNB_OK) {
        /* e.g. "model file: checksum mismatch (the file is corrupt)" */
        fprintf(stderr, "cannot load %s: %s (%s)\n", path, nnb_status_string(st), nnb_last_error());
        return EXIT_FAILURE;
    }
    const size_t outputs = nnb_model_output_size(model);

    /* A workspace holds the scratch memory of one thread's predictions: several threads may predict with the
     * same const model at once, each with its own workspace. */
    nnb_model_workspace *ws = NULL;
    nnb_tensor *X = NULL, *probs = NULL;
    int rc = EXIT_FAILURE;
    if ((st = nnb_model_workspace_create(&ws, model, 32)) != NNB_OK ||
        (st = nnb_tensor_wrap(&X, n, 2, points)) != NNB_OK || (st = nnb_tensor_create(&probs, n, outputs)) != NNB_OK ||
        (st = nnb_model_predict(model, X, probs, 0, ws)) != NNB_OK) {
        fprintf(stderr, "prediction failed: %s (%s)\n", nnb_status_string(st), nnb_last_error());
        goto done;
    }
    uint32_t best[32];
    nnb_tensor_argmax_rows(probs, best, n);
    /* The built-in points are the centres of the red, green and blue blobs of data/colours.csv. */
    const uint32_t expected[3] = {1, 2, 0};
    int as_expected = 1;
    for (size_t i = 0; i < n && argc <= 3; ++i) {
        as_expected &= best[i] == expected[i];
    }
    for (size_t i = 0; i < n; ++i) {
        float p;
        nnb_tensor_get(probs, i, best[i], &p);
        printf("(%g, %g) -> %s (p = %.3f)\n", (double)points[2 * i], (double)points[2 * i + 1],
               best[i] < outputs && best[i] < 3 ? k_names[best[i]] : "?", (double)p);
    }

    /* A mistake, on purpose: three features for a model that takes two. The status says what kind of failure,
     * nnb_last_error() which tensor and which shapes. */
    nnb_tensor *wrong = NULL;
    if (nnb_tensor_create(&wrong, 1, 3) == NNB_OK) {
        st = nnb_model_predict(model, wrong, probs, 0, ws);
        printf("wrong input: %s: %s\n", nnb_status_string(st), nnb_last_error());
        nnb_tensor_destroy(wrong);
    }
    rc = st == NNB_ERR_SHAPE && as_expected ? EXIT_SUCCESS : EXIT_FAILURE;
done:
    nnb_tensor_destroy(probs);
    nnb_tensor_destroy(X);
    nnb_model_workspace_destroy(ws);
    nnb_model_destroy(model);
    return rc;
}
