/* SPDX-License-Identifier: MIT */
/*
 * Training your own network with the tools beyond the book (README, "Training your own networks"): He
 * initialization, GELU, AdamW, a cosine learning-rate schedule with warm-up, gradient clipping stored in
 * the model, a validation split with early stopping, the per-epoch history as CSV, and a model file that
 * keeps all of it, and the training curves drawn with plot.h into a PPM. Data: the book's spiral, 3 classes of
 * 300 points. Exits non-zero when a result is wrong.
 *
 *   train_own_network [MODEL.nnb] [HISTORY.csv] [CURVES.ppm]
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/nnbasics.h>

#define CHECK(call)                                                                                                    \
    do {                                                                                                               \
        nnb_status st_ = (call);                                                                                       \
        if (st_ != NNB_OK) {                                                                                           \
            fprintf(stderr, "%s: %s (%s)\n", #call, nnb_status_string(st_), nnb_last_error());                         \
            return EXIT_FAILURE;                                                                                       \
        }                                                                                                              \
    } while (0)

int main(int argc, char **argv)
{
    const char *model_path = argc > 1 ? argv[1] : "own_network.nnb";
    const char *history_path = argc > 2 ? argv[2] : "own_network_history.csv";
    const char *curves_path = argc > 3 ? argv[3] : "own_network_curves.ppm";
    enum { SAMPLES = 300, CLASSES = 3, N = SAMPLES * CLASSES };
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    static uint32_t labels[N];
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, N, 2));
    CHECK(nnb_spiral_data(rng, SAMPLES, CLASSES, X, labels, N));

    /* The network: He-initialized dense layers with GELU, softmax output. */
    nnb_model *m = NULL;
    CHECK(nnb_model_create(&m, 1));
    const nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    CHECK(nnb_model_add_dense_init(m, 2, 64, &he, NULL));
    CHECK(nnb_model_add_gelu(m, NNB_GELU_EXACT));
    CHECK(nnb_model_add_dense_init(m, 64, 64, &he, NULL));
    CHECK(nnb_model_add_gelu(m, NNB_GELU_EXACT));
    CHECK(nnb_model_add_dense_init(m, 64, CLASSES, &he, NULL));
    CHECK(nnb_model_add_softmax(m));
    CHECK(nnb_model_set_loss(m, NNB_LOSS_CCE));
    CHECK(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    CHECK(nnb_model_finalize(m));
    CHECK(nnb_model_summary(m, stdout, 64));

    /* AdamW at rate 0.02, a cosine schedule after 100 warm-up steps, gradients clipped to norm 1. */
    nnb_optimizer_params adamw = nnb_optimizer_adamw_defaults(1e-3);
    adamw.learning_rate = 0.02;
    CHECK(nnb_model_set_optimizer(m, &adamw));
    nnb_lr_schedule cosine = nnb_lr_schedule_default();
    cosine.kind = NNB_SCHEDULE_COSINE;
    cosine.warmup = 100;
    cosine.period = 3500; /* steps: 300 epochs of 12 batches, after the warm-up */
    cosine.min_lr = 1e-5;
    CHECK(nnb_model_set_schedule(m, &cosine));
    CHECK(nnb_model_set_clip(m, 0.0, 1.0));

    /* 20 % held out for validation; stop when its loss has not improved for 30 epochs, keep the best. */
    nnb_targets y = nnb_targets_from_labels(labels, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 300;
    tp.batch_size = 64;
    tp.shuffle = 1;
    tp.validation_split = 0.2;
    tp.record_history = 1;
    tp.early_stop = NNB_MONITOR_VAL_LOSS;
    tp.patience = 30;
    CHECK(nnb_model_train(m, X, &y, &tp));

    const nnb_history_entry *h = NULL;
    size_t epochs = 0;
    CHECK(nnb_model_history(m, &h, &epochs));
    const size_t best = nnb_model_best_epoch(m);
    printf("trained %zu epochs; best epoch %zu: validation loss %.4f, accuracy %.3f\n", epochs, best,
           h[best - 1].val_loss, h[best - 1].val_accuracy);
    FILE *csv = fopen(history_path, "w");
    if (csv == NULL) {
        perror(history_path);
        return EXIT_FAILURE;
    }
    CHECK(nnb_model_history_write_csv(m, csv));
    if (fclose(csv) != 0) {
        perror(history_path);
        return EXIT_FAILURE;
    }
    /* The curves: loss and accuracy per epoch, training and validation, into a buffer this program owns. */
    static unsigned char rgb[800 * 450 * 3];
    nnb_image image = {rgb, 800, 450};
    CHECK(nnb_plot_history(&image, h, epochs, "spiral: training and validation"));
    CHECK(nnb_image_write_ppm(&image, curves_path));

    /* The file keeps the layers, AdamW's weight decay, the schedule and the clipping. */
    CHECK(nnb_model_save(m, model_path));
    nnb_model *back = NULL;
    CHECK(nnb_model_load(&back, model_path));
    nnb_optimizer_params op;
    nnb_lr_schedule s;
    int scheduled = 0;
    double clip_value = 0, clip_norm = 0;
    CHECK(nnb_model_optimizer_params(back, &op));
    CHECK(nnb_model_schedule(back, &s, &scheduled));
    CHECK(nnb_model_clip(back, &clip_value, &clip_norm));
    float loss = 0.0f;
    double acc = 0.0;
    CHECK(nnb_model_evaluate(back, X, &y, 0, &loss, &acc));
    printf("reloaded: weight decay %g, schedule %s, clip norm %g; accuracy on all points %.3f\n", op.weight_decay,
           scheduled && s.kind == NNB_SCHEDULE_COSINE ? "cosine" : "?", clip_norm, acc);
    int ok = op.weight_decay == 1e-3 && scheduled && s.kind == NNB_SCHEDULE_COSINE && clip_norm == 1.0 && best >= 1 &&
             best <= epochs && acc > 0.8;
    nnb_model_destroy(back);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    if (!ok) {
        fprintf(stderr, "unexpected result\n");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
