/* SPDX-License-Identifier: MIT */
/*
 * Guide, part 3: regression, and NumPy files. Fits y = sin(2 pi x) on [0, 1) (the book's chapter 17) with a
 * linear output and mean squared error, exchanging the data with NumPy through an .npz archive on the way:
 * np.load("sine.npz")["X"] reads what this program writes, and this program would read an archive that
 * np.savez wrote just the same.
 *
 *   guide_regression [ARCHIVE.npz]     (default: sine.npz, written first)
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/nnbasics.h>

static int fail(const char *what, nnb_status st)
{
    fprintf(stderr, "%s: %s (%s)\n", what, nnb_status_string(st), nnb_last_error());
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    const char *archive = argc > 1 ? argv[1] : "sine.npz";
    enum { N = 1000 };

    /* Make the data and store it as NumPy would (two float32 arrays, N x 1, in one archive). */
    nnb_tensor *X0 = NULL, *Y0 = NULL;
    nnb_status st;
    if ((st = nnb_tensor_create(&X0, N, 1)) != NNB_OK || (st = nnb_tensor_create(&Y0, N, 1)) != NNB_OK ||
        (st = nnb_sine_data(N, X0, Y0)) != NNB_OK) {
        return fail("making the data", st);
    }
    const char *const names[] = {"X", "y"};
    const nnb_tensor *const arrays[] = {X0, Y0};
    st = nnb_npz_save(archive, names, arrays, 2);
    nnb_tensor_destroy(X0);
    nnb_tensor_destroy(Y0);
    if (st != NNB_OK) {
        return fail("nnb_npz_save", st);
    }

    /* Read it back, as from a file NumPy wrote. A 1-D array would become a column with NNB_NPY_COLUMN. */
    nnb_tensor *X = NULL, *y = NULL;
    if ((st = nnb_npz_load_tensor(&X, archive, "X", NNB_NPY_COLUMN)) != NNB_OK ||
        (st = nnb_npz_load_tensor(&y, archive, "y", NNB_NPY_COLUMN)) != NNB_OK) {
        nnb_tensor_destroy(X);
        return fail("nnb_npz_load_tensor", st);
    }

    /* 1 -> 64 ReLU -> 64 ReLU -> 1 linear, MSE, Adam; accuracy: |prediction - target| < std(y) / 250. */
    nnb_model *model = NULL;
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.005;
    adam.decay = 1e-3;
    if ((st = nnb_model_create(&model, 0)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 1, 64, 0.1f, NULL)) != NNB_OK || (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 64, 64, 0.1f, NULL)) != NNB_OK || (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 64, 1, 0.1f, NULL)) != NNB_OK ||
        (st = nnb_model_add_linear(model)) != NNB_OK || (st = nnb_model_set_loss(model, NNB_LOSS_MSE)) != NNB_OK ||
        (st = nnb_model_set_optimizer(model, &adam)) != NNB_OK ||
        (st = nnb_model_set_accuracy(model, NNB_ACCURACY_REGRESSION)) != NNB_OK ||
        (st = nnb_model_finalize(model)) != NNB_OK) {
        nnb_model_destroy(model);
        nnb_tensor_destroy(y);
        nnb_tensor_destroy(X);
        return fail("building the model", st);
    }
    nnb_targets targets = nnb_targets_from_tensor(y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 2000;
    float loss = 0.0f;
    double accuracy = 0.0;
    if ((st = nnb_model_train(model, X, &targets, &tp)) == NNB_OK) {
        st = nnb_model_evaluate(model, X, &targets, 0, &loss, &accuracy);
    }
    float at_quarter = 0.0f;
    if (st == NNB_OK) {
        /* sin(2 pi * 0.25) = 1: the fitted curve should be close. */
        float q = 0.25f;
        nnb_tensor *in = NULL, *out = NULL;
        if ((st = nnb_tensor_wrap(&in, 1, 1, &q)) == NNB_OK &&
            (st = nnb_tensor_wrap(&out, 1, 1, &at_quarter)) == NNB_OK) {
            st = nnb_model_predict(model, in, out, 0, NULL);
        }
        nnb_tensor_destroy(out);
        nnb_tensor_destroy(in);
    }
    nnb_model_destroy(model);
    nnb_tensor_destroy(y);
    nnb_tensor_destroy(X);
    if (st != NNB_OK) {
        return fail("training", st);
    }
    printf("regression: mse %.5f, accuracy %.3f, f(0.25) = %.3f (sin: 1)\n", (double)loss, accuracy,
           (double)at_quarter);
    return loss < 0.01f && at_quarter > 0.9f && at_quarter < 1.1f ? EXIT_SUCCESS : EXIT_FAILURE;
}
