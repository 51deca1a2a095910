/* SPDX-License-Identifier: MIT */
/*
 * Guide, part 1: your own data. Reads a CSV file whose "colour" column names each row's class, trains a small
 * classifier on 80 % of the rows, measures it on the other 20 %, and saves it for guide_deploy.
 *
 *   guide_classify_csv [DATA.csv [MODEL.nnb]]     (defaults: data/colours.csv, colours.nnb)
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/nnbasics.h>

/* Says which call failed, the status, and the library's detail of the failure. */
static int fail(const char *what, nnb_status st)
{
    fprintf(stderr, "%s: %s (%s)\n", what, nnb_status_string(st), nnb_last_error());
    return EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    const char *csv_path = argc > 1 ? argv[1] : "data/colours.csv";
    const char *model_path = argc > 2 ? argv[2] : "colours.nnb";

    /* 1. Read the data: every column but "colour" is a feature; the label texts become classes 0, 1, ... */
    nnb_csv_options opts;
    nnb_csv_options_init(&opts);
    opts.label_name = "colour";
    nnb_csv_error where;
    nnb_csv_data *data = NULL;
    nnb_status st = nnb_csv_read(&data, csv_path, &opts, &where);
    if (st != NNB_OK) {
        fprintf(stderr, "%s:%zu: column %zu: %s\n", csv_path, where.line, where.column, where.reason);
        return fail("nnb_csv_read", st);
    }
    const nnb_tensor *X = nnb_csv_data_features(data);
    const uint32_t *labels = nnb_csv_data_labels(data);
    const size_t rows = nnb_csv_data_rows(data), features = nnb_tensor_cols(X);
    const size_t classes = nnb_csv_data_num_classes(data);
    printf("read %zu rows, %zu features, %zu classes:", rows, features, classes);
    for (size_t c = 0; c < classes; ++c) {
        printf(" %s", nnb_csv_data_class_name(data, c));
    }
    printf("\n");

    /* 2. Split: the first 80 % of the rows train, the rest test. Views share the CSV's memory, no copy. */
    const size_t n_train = rows * 8 / 10, n_test = rows - n_train;
    float *all = (float *)nnb_tensor_cdata(X); /* the views only read it */
    nnb_tensor *X_train = NULL, *X_test = NULL;
    nnb_model *model = NULL;
    int rc = EXIT_FAILURE;
    if ((st = nnb_tensor_wrap(&X_train, n_train, features, all)) != NNB_OK ||
        (st = nnb_tensor_wrap(&X_test, n_test, features, all + n_train * features)) != NNB_OK) {
        rc = fail("nnb_tensor_wrap", st);
        goto done;
    }

    /* 3. The model: features -> 32 ReLU -> classes softmax, cross-entropy, Adam. */
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.02;
    if ((st = nnb_model_create(&model, 42)) != NNB_OK ||
        (st = nnb_model_add_dense(model, features, 32, NNB_DENSE_DEFAULT_INIT_SCALE, NULL)) != NNB_OK ||
        (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense(model, 32, classes, NNB_DENSE_DEFAULT_INIT_SCALE, NULL)) != NNB_OK ||
        (st = nnb_model_add_softmax(model)) != NNB_OK || (st = nnb_model_set_loss(model, NNB_LOSS_CCE)) != NNB_OK ||
        (st = nnb_model_set_optimizer(model, &adam)) != NNB_OK ||
        (st = nnb_model_set_accuracy(model, NNB_ACCURACY_CATEGORICAL)) != NNB_OK ||
        (st = nnb_model_finalize(model)) != NNB_OK) {
        rc = fail("building the model", st);
        goto done;
    }

    /* 4. Train in mini-batches of 32, shuffled every epoch. */
    nnb_targets y_train = nnb_targets_from_labels(labels, n_train);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 200;
    tp.batch_size = 32;
    tp.shuffle = 1;
    if ((st = nnb_model_train(model, X_train, &y_train, &tp)) != NNB_OK) {
        rc = fail("nnb_model_train", st);
        goto done;
    }

    /* 5. Measure on rows the model has not seen. */
    nnb_targets y_test = nnb_targets_from_labels(labels + n_train, n_test);
    float loss = 0.0f;
    double accuracy = 0.0;
    if ((st = nnb_model_evaluate(model, X_test, &y_test, 0, &loss, &accuracy)) != NNB_OK) {
        rc = fail("nnb_model_evaluate", st);
        goto done;
    }
    printf("test: %zu rows, accuracy %.3f, loss %.3f\n", n_test, accuracy, (double)loss);

    /* 6. Save the whole model (layers, loss, optimizer settings, parameters) for guide_deploy. */
    if ((st = nnb_model_save(model, model_path)) != NNB_OK) {
        rc = fail("nnb_model_save", st);
        goto done;
    }
    printf("saved %s\n", model_path);
    rc = accuracy >= 0.95 ? EXIT_SUCCESS : EXIT_FAILURE; /* the blobs are well apart: expect near 1 */
done:
    nnb_model_destroy(model);
    nnb_tensor_destroy(X_test);
    nnb_tensor_destroy(X_train);
    nnb_csv_data_destroy(data);
    return rc;
}
