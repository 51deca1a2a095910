/* SPDX-License-Identifier: MIT */
/*
 * Guide, part 5: training your own network with what practitioners reach for beyond the book: He
 * initialization, a model summary, AdamW, a learning-rate schedule with warm-up and gradient clipping, on
 * the points of data/circle.csv (1 inside a circle, 0 outside).
 *
 *   guide_own_network [DATA.csv]     (default: data/circle.csv)
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

    /* He initialization suits ReLU layers; the output layer keeps Glorot. */
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    nnb_init glorot = nnb_init_of(NNB_INIT_GLOROT_UNIFORM);
    nnb_optimizer_params adamw = nnb_optimizer_adamw_defaults(1e-4);
    adamw.learning_rate = 0.01;
    nnb_model *model = NULL;
    if ((st = nnb_model_create(&model, 7)) != NNB_OK ||
        (st = nnb_model_add_dense_init(model, 2, 64, &he, NULL)) != NNB_OK ||
        (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense_init(model, 64, 64, &he, NULL)) != NNB_OK ||
        (st = nnb_model_add_relu(model)) != NNB_OK ||
        (st = nnb_model_add_dense_init(model, 64, 1, &glorot, NULL)) != NNB_OK ||
        (st = nnb_model_add_sigmoid(model)) != NNB_OK || (st = nnb_model_set_loss(model, NNB_LOSS_BCE)) != NNB_OK ||
        (st = nnb_model_set_optimizer(model, &adamw)) != NNB_OK ||
        (st = nnb_model_set_accuracy(model, NNB_ACCURACY_BINARY)) != NNB_OK ||
        (st = nnb_model_finalize(model)) != NNB_OK) {
        nnb_model_destroy(model);
        nnb_csv_data_destroy(data);
        return fail("building the model", st);
    }
    nnb_model_summary(model, stdout, 32);

    /* 100 epochs of 13 steps: 50 steps of warm-up, then a cosine down to 1% of the rate. */
    nnb_lr_schedule cosine = nnb_lr_schedule_default();
    cosine.kind = NNB_SCHEDULE_COSINE;
    cosine.warmup = 50;
    cosine.period = 100 * 13 - 50;
    cosine.min_lr = 1e-4;
    nnb_targets targets = nnb_targets_from_tensor(y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 100;
    tp.batch_size = 32;
    tp.shuffle = 1;
    tp.clip_norm = 1.0;
    float loss = 0.0f;
    double accuracy = 0.0;
    if ((st = nnb_model_set_schedule(model, &cosine)) == NNB_OK &&
        (st = nnb_model_train(model, X, &targets, &tp)) == NNB_OK) {
        st = nnb_model_evaluate(model, X, &targets, 0, &loss, &accuracy);
    }
    if (st != NNB_OK) {
        nnb_model_destroy(model);
        nnb_csv_data_destroy(data);
        return fail("training", st);
    }
    printf("own network: %zu points, accuracy %.3f, loss %.3f\n", nnb_csv_data_rows(data), accuracy, (double)loss);
    nnb_model_destroy(model);
    nnb_csv_data_destroy(data);
    return accuracy >= 0.9 ? EXIT_SUCCESS : EXIT_FAILURE;
}
