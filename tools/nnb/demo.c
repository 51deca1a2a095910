/* SPDX-License-Identifier: MIT */
/*
 * nnb demo: the book's forward pipeline on the spiral data (lesson 8: loss 1.0986104, accuracy 0.34 with
 * seed 0), then the same network trained with the model API and Adam (chapter 10) and checked on fresh
 * spiral data. Needs no files; takes a few seconds.
 */
#include "nnb.h"

#include <string.h>

#define DEMO_SAMPLES 100
#define DEMO_CLASSES 3
#define DEMO_N (DEMO_SAMPLES * DEMO_CLASSES)

static const char *const k_cmd = "nnb demo";

static void demo_usage(void)
{
    printf("usage: nnb demo [--epochs N] [--seed S] [--quiet]\n"
           "\n"
           "Runs without files:\n"
           "  1. the book's forward pass on 300 spiral points (Dense(2,3), ReLU, Dense(3,3), softmax) and its\n"
           "     mean cross-entropy and accuracy - with seed 0 the book's 'loss: 1.0986104' and 'acc: 0.34';\n"
           "  2. a Dense(2,64)-ReLU-Dense(64,3)-softmax model trained on the same points with Adam\n"
           "     (lr 0.05, decay 5e-7, full batch), progress every tenth of the run, then checked on new\n"
           "     spiral points.\n"
           "\n"
           "options:\n"
           "  --epochs N   training epochs of part 2 (1 to 1000000; default 10000)\n"
           "  --seed S     generator seed (0 to 4294967295; default 0, the book's)\n"
           "  --quiet      print only the results: part 1's loss and accuracy, part 2's validation line\n"
           "  --help       this text\n");
}

static int print_float_line(const char *label, float value)
{
    char text[32];
    if (nnb_format_float(text, sizeof text, value) != NNB_OK) {
        return 0;
    }
    printf("%s%s\n", label, text);
    return 1;
}

/* Part 1: lesson 8, exactly as the book computes it. */
static nnb_status book_forward(uint32_t seed, int quiet)
{
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *hidden = NULL, *output = NULL;
    nnb_dense *d1 = NULL, *d2 = NULL;
    uint32_t y[DEMO_N];
    float loss = 0.0f;
    double acc = 0.0;
    nnb_status st = nnb_rng_create(&rng, seed);
    if (st == NNB_OK)
        st = nnb_tensor_create(&X, DEMO_N, 2);
    if (st == NNB_OK)
        st = nnb_spiral_data(rng, DEMO_SAMPLES, DEMO_CLASSES, X, y, DEMO_N);
    if (st == NNB_OK)
        st = nnb_dense_create(&d1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE);
    if (st == NNB_OK)
        st = nnb_dense_create(&d2, 3, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE);
    if (st == NNB_OK)
        st = nnb_tensor_create(&hidden, DEMO_N, 3);
    if (st == NNB_OK)
        st = nnb_tensor_create(&output, DEMO_N, 3);
    if (st == NNB_OK)
        st = nnb_dense_forward(d1, X, hidden);
    if (st == NNB_OK)
        st = nnb_relu_forward(hidden, hidden);
    if (st == NNB_OK)
        st = nnb_dense_forward(d2, hidden, output);
    if (st == NNB_OK)
        st = nnb_softmax_forward(output, output);
    if (st == NNB_OK)
        st = nnb_cce_sparse(output, y, DEMO_N, NULL, &loss);
    if (st == NNB_OK)
        st = nnb_accuracy_categorical(output, y, DEMO_N, &acc);
    if (st == NNB_OK) {
        if (!quiet) {
            printf("book pipeline (lesson 8): spiral data, %d samples x %d classes, seed %u\n", DEMO_SAMPLES,
                   DEMO_CLASSES, (unsigned)seed);
        }
        print_float_line("loss: ", loss);
        printf("acc: %.16g\n", acc);
    }
    nnb_tensor_destroy(output);
    nnb_tensor_destroy(hidden);
    nnb_dense_destroy(d2);
    nnb_dense_destroy(d1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return st;
}

typedef struct demo_progress {
    double start;
} demo_progress;

static int on_progress(const nnb_progress *p, void *user)
{
    const demo_progress *dp = user;
    if (p->event == NNB_PROGRESS_EPOCH) {
        printf("epoch: %6zu/%zu, acc: %.3f, loss: %.3f, lr: %.6g  (%.1f s)\n", p->epoch, p->epochs, p->accuracy,
               (double)p->loss, p->learning_rate, nnb_now() - dp->start);
        fflush(stdout);
    }
    return 0;
}

/* Part 2: train with the model API, then validate on fresh points. */
static nnb_status model_training(uint32_t seed, size_t epochs, int quiet)
{
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *Xv = NULL;
    nnb_model *m = NULL;
    uint32_t y[DEMO_N], yv[DEMO_N];
    nnb_status st = nnb_rng_create(&rng, seed);
    if (st == NNB_OK)
        st = nnb_tensor_create(&X, DEMO_N, 2);
    if (st == NNB_OK)
        st = nnb_tensor_create(&Xv, DEMO_N, 2);
    if (st == NNB_OK)
        st = nnb_spiral_data(rng, DEMO_SAMPLES, DEMO_CLASSES, X, y, DEMO_N);
    if (st == NNB_OK)
        st = nnb_model_create_from_rng(&m, rng);
    if (st == NNB_OK)
        st = nnb_model_add_dense(m, 2, 64, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    if (st == NNB_OK)
        st = nnb_model_add_relu(m);
    if (st == NNB_OK)
        st = nnb_model_add_dense(m, 64, DEMO_CLASSES, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    if (st == NNB_OK)
        st = nnb_model_add_softmax(m);
    if (st == NNB_OK)
        st = nnb_model_set_loss(m, NNB_LOSS_CCE);
    if (st == NNB_OK)
        st = nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL);
    if (st == NNB_OK)
        st = nnb_model_finalize(m);
    if (st == NNB_OK) {
        nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
        adam.learning_rate = 0.05;
        adam.decay = 5e-7;
        st = nnb_model_set_optimizer(m, &adam);
    }
    demo_progress dp = {nnb_now()};
    if (st == NNB_OK) {
        if (!quiet) {
            printf("\ntraining Dense(2,64)-ReLU-Dense(64,3)-softmax with Adam (lr 0.05, decay 5e-7), %zu epochs\n",
                   epochs);
        }
        nnb_targets t = nnb_targets_from_labels(y, DEMO_N);
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = epochs;
        tp.batch_size = 0;
        tp.print_every = epochs >= 10 ? epochs / 10 : 1;
        tp.progress = quiet ? NULL : on_progress;
        tp.user = &dp;
        st = nnb_model_train(m, X, &t, &tp);
    }
    /* Fresh points from the generator's continuing stream. */
    if (st == NNB_OK)
        st = nnb_spiral_data(rng, DEMO_SAMPLES, DEMO_CLASSES, Xv, yv, DEMO_N);
    if (st == NNB_OK) {
        nnb_targets tv = nnb_targets_from_labels(yv, DEMO_N);
        float loss = 0.0f;
        double acc = 0.0;
        st = nnb_model_evaluate(m, Xv, &tv, 0, &loss, &acc);
        if (st == NNB_OK) {
            printf("validation (new spiral points), acc: %.3f, loss: %.3f\n", acc, (double)loss);
            if (!quiet) {
                printf("done in %.1f s\n", nnb_now() - dp.start);
            }
        }
    }
    nnb_model_destroy(m);
    nnb_tensor_destroy(Xv);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return st;
}

int nnb_cmd_demo(int argc, char **argv)
{
    nnb_args a;
    nnb_args_init(&a, argc, argv, 2, k_cmd);
    size_t epochs = 10000, seed = 0;
    int quiet = 0;
    const char *opt;
    int err = 0;
    while ((opt = nnb_args_next_option(&a, &err)) != NULL) {
        if (strcmp(opt, "--help") == 0) {
            if (!nnb_args_flag(&a)) {
                return NNB_EXIT_USAGE;
            }
            demo_usage();
            return NNB_EXIT_OK;
        } else if (strcmp(opt, "--quiet") == 0) {
            if (!nnb_args_flag(&a))
                return NNB_EXIT_USAGE;
            quiet = 1;
        } else if (strcmp(opt, "--epochs") == 0) {
            if (!nnb_args_size(&a, opt, 1, 1000000, &epochs))
                return NNB_EXIT_USAGE;
        } else if (strcmp(opt, "--seed") == 0) {
            if (!nnb_args_size(&a, opt, 0, UINT32_MAX, &seed))
                return NNB_EXIT_USAGE;
        } else {
            return nnb_args_unknown(&a, opt);
        }
    }
    if (err) {
        return NNB_EXIT_USAGE;
    }
    nnb_status st = book_forward((uint32_t)seed, quiet);
    if (st != NNB_OK) {
        return nnb_fail(k_cmd, "book pipeline", st);
    }
    fflush(stdout);
    st = model_training((uint32_t)seed, epochs, quiet);
    if (st != NNB_OK) {
        return nnb_fail(k_cmd, "training", st);
    }
    return NNB_EXIT_OK;
}
