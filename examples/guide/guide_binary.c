/* SPDX-License-Identifier: MIT */
/*
 * Guide, part 2: binary classification. Each row of data/circle.csv is a point (x1, x2) and "inside" is 1
 * when it lies inside a circle, else 0. One sigmoid output gives the probability of "inside"; the loss is
 * binary cross-entropy and the accuracy counts (p > 0.5) == target.
 *
 *   guide_binary [DATA.csv]     (default: data/circle.csv)
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
    const char *csv_path = argc > 1 ? argv[1] : "data/circle.csv";

    /* The 0/1 label is read as a number (NNB_CSV_REGRESSION): a rows x 1 float tensor, the shape BCE wants. */
    nnb_csv_options opts;
    nnb_csv_options_init(&opts);
    opts.label_name = "inside";
    opts.label_kind = NNB_CSV_REGRESSION;
    nnb_csv_data *data = NULL;
    nnb_status st = nnb_csv_read(&data, csv_path, &opts, NULL);
    if (st != NNB_OK) {
        return fail("nnb_csv_read", st);
    }
    const nnb_tensor *X = nnb_csv_data_features(data);
    const nnb_tensor *y = nnb_csv_data_targets(data);

    /* 2 -> 64 ReLU -> 64 ReLU -> 1 sigmoid. */
    nnb_model *model = NULL;
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.005;
    adam.decay = 5e-7;
    if ((st = nnb_model_create(&model, 7)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 2, 64, 0.5f, NULL)) != NNB_OK || (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 64, 64, 0.1f, NULL)) != NNB_OK || (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 64, 1, 0.1f, NULL)) != NNB_OK ||
        (st = nnb_model_add_sigmoid(model)) != NNB_OK || (st = nnb_model_set_loss(model, NNB_LOSS_BCE)) != NNB_OK ||
        (st = nnb_model_set_optimizer(model, &adam)) != NNB_OK ||
        (st = nnb_model_set_accuracy(model, NNB_ACCURACY_BINARY)) != NNB_OK ||
        (st = nnb_model_finalize(model)) != NNB_OK) {
        nnb_model_destroy(model);
        nnb_csv_data_destroy(data);
        return fail("building the model", st);
    }

    nnb_targets targets = nnb_targets_from_tensor(y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 500;
    float loss = 0.0f;
    double accuracy = 0.0;
    if ((st = nnb_model_train(model, X, &targets, &tp)) == NNB_OK) {
        st = nnb_model_evaluate(model, X, &targets, 0, &loss, &accuracy);
    }
    if (st != NNB_OK) {
        nnb_model_destroy(model);
        nnb_csv_data_destroy(data);
        return fail("training", st);
    }
    printf("binary: %zu points, accuracy %.3f, loss %.3f\n", nnb_csv_data_rows(data), accuracy, (double)loss);

    /* The probability of "inside" for the centre and for a far corner. */
    float probe[4] = {0.0f, 0.0f, 1.9f, 1.9f}, p[2] = {0};
    nnb_tensor *in = NULL, *out = NULL;
    if (nnb_tensor_wrap(&in, 2, 2, probe) == NNB_OK && nnb_tensor_wrap(&out, 2, 1, p) == NNB_OK &&
        nnb_model_predict(model, in, out, 0, NULL) == NNB_OK) {
        printf("p(inside | 0, 0) = %.3f, p(inside | 1.9, 1.9) = %.3f\n", (double)p[0], (double)p[1]);
    }
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(in);
    nnb_model_destroy(model);
    nnb_csv_data_destroy(data);
    return accuracy >= 0.9 && p[0] > 0.5f && p[1] < 0.5f ? EXIT_SUCCESS : EXIT_FAILURE;
}
