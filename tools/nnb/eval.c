/* SPDX-License-Identifier: MIT */
/* nnb eval: accuracy, loss and the confusion matrix of a saved Fashion-MNIST classifier. */
#include "nnb.h"
#include "tabular.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const k_cmd = "nnb eval";

static void eval_usage(void)
{
    printf("usage: nnb eval --model FILE [--data fashion-mnist] [--dir DIR] [--split test|train] [--batch N]\n"
           "                [--json] [--quiet]\n"
           "\n"
           "Evaluates a model saved by 'nnb train' on a Fashion-MNIST split: mean cross-entropy loss, accuracy,\n"
           "the confusion matrix (rows: true class, columns: predicted class) and each class's recall.\n"
           "\n"
           "options:\n"
           "  --model FILE   the saved model (required)\n"
           "  --data NAME    the data set; only 'fashion-mnist' (the default)\n"
           "  --dir DIR      where its IDX files are (default %s)\n"
           "  --split NAME   test (10000 images, the default) or train (60000)\n"
           "  --batch N      images per forward pass, 1 to 1000000 (default 1000)\n"
           "  --json         print one JSON object: accuracy, loss, n, per-class counts, confusion matrix\n"
           "  --quiet        print only the 'acc:' and 'loss:' lines\n"
           "  --help         this text\n"
           "\n"
           "Each option's value may follow it or be attached with '=': --model m.nnb or --model=m.nnb.\n"
           "A model trained on a table takes --data FILE (CSV, .npy, .npz): see nnb eval --data FILE --help.\n",
           NNB_FASHION_MNIST_DEFAULT_DIR);
}

/* The results as one JSON object (--json). */
static void print_json(const char *model_path, const char *split_name, size_t n, double acc, float loss,
                       const size_t *cm)
{
    enum { K = NNB_FASHION_MNIST_CLASSES };
    printf("{\"model\": ");
    nnb_json_string(stdout, model_path);
    printf(", \"data\": \"fashion-mnist\", \"split\": ");
    nnb_json_string(stdout, split_name);
    printf(", \"n\": %zu, \"accuracy\": ", n);
    nnb_json_number(stdout, acc);
    printf(", \"loss\": ");
    nnb_json_float(stdout, loss);
    printf(", \"classes\": [");
    for (size_t i = 0; i < K; ++i) {
        size_t count = 0, predicted = 0;
        for (size_t j = 0; j < K; ++j) {
            count += cm[i * K + j];
            predicted += cm[j * K + i];
        }
        printf("%s{\"index\": %zu, \"name\": ", i ? ", " : "", i);
        nnb_json_string(stdout, nnb_fashion_mnist_class_name(i));
        printf(", \"count\": %zu, \"predicted\": %zu, \"correct\": %zu, \"recall\": ", count, predicted, cm[i * K + i]);
        nnb_json_number(stdout, count > 0 ? (double)cm[i * K + i] / (double)count : (double)NAN);
        printf("}");
    }
    printf("], \"confusion_matrix\": [");
    for (size_t i = 0; i < K; ++i) {
        printf("%s[", i ? ", " : "");
        for (size_t j = 0; j < K; ++j) {
            printf("%s%zu", j ? ", " : "", cm[i * K + j]);
        }
        printf("]");
    }
    printf("]}\n");
}

static void print_confusion(const size_t *cm)
{
    enum { K = NNB_FASHION_MNIST_CLASSES };
    printf("\nconfusion matrix (rows: true class, columns: predicted class)\n");
    printf("%-16s", "");
    for (size_t j = 0; j < K; ++j) {
        printf(" %6zu", j);
    }
    printf("   recall\n");
    for (size_t i = 0; i < K; ++i) {
        size_t row = 0;
        for (size_t j = 0; j < K; ++j) {
            row += cm[i * K + j];
        }
        printf("%zu %-14s", i, nnb_fashion_mnist_class_name(i));
        for (size_t j = 0; j < K; ++j) {
            printf(" %6zu", cm[i * K + j]);
        }
        if (row > 0) {
            printf("   %.4f\n", (double)cm[i * K + i] / (double)row);
        } else {
            printf("   -\n");
        }
    }
}

int nnb_cmd_eval(int argc, char **argv)
{
    if (nnb_tabular_requested(argc, argv)) {
        return nnb_cmd_eval_tabular(argc, argv); /* --data FILE: CSV, .npy, .npz */
    }
    nnb_args a;
    nnb_args_init(&a, argc, argv, 2, k_cmd);
    const char *model_path = NULL, *dir = NULL, *data = "fashion-mnist", *split_name = "test";
    size_t batch = 1000;
    int quiet = 0, json = 0;
    const char *opt;
    int err = 0;
    while ((opt = nnb_args_next_option(&a, &err)) != NULL) {
        int ok = 1;
        if (strcmp(opt, "--help") == 0) {
            if (!nnb_args_flag(&a)) {
                return NNB_EXIT_USAGE;
            }
            eval_usage();
            return NNB_EXIT_OK;
        } else if (strcmp(opt, "--quiet") == 0) {
            ok = nnb_args_flag(&a);
            quiet = 1;
        } else if (strcmp(opt, "--json") == 0) {
            ok = nnb_args_flag(&a);
            json = 1;
        } else if (strcmp(opt, "--model") == 0) {
            ok = nnb_args_string(&a, opt, &model_path);
        } else if (strcmp(opt, "--data") == 0) {
            ok = nnb_args_string(&a, opt, &data);
            if (ok && strcmp(data, "fashion-mnist") != 0) {
                nnb_error(k_cmd, "--data: unknown data set '%s' (supported: fashion-mnist)", data);
                ok = 0;
            }
        } else if (strcmp(opt, "--dir") == 0) {
            ok = nnb_args_string(&a, opt, &dir);
        } else if (strcmp(opt, "--split") == 0) {
            ok = nnb_args_string(&a, opt, &split_name);
            if (ok && strcmp(split_name, "test") != 0 && strcmp(split_name, "train") != 0) {
                nnb_error(k_cmd, "--split: '%s' is neither test nor train", split_name);
                ok = 0;
            }
        } else if (strcmp(opt, "--batch") == 0) {
            ok = nnb_args_size(&a, opt, 1, 1000000, &batch);
        } else {
            return nnb_args_unknown(&a, opt);
        }
        if (!ok) {
            return NNB_EXIT_USAGE;
        }
    }
    if (err) {
        return NNB_EXIT_USAGE;
    }
    if (model_path == NULL) {
        nnb_error(k_cmd, "--model is required; see nnb eval --help");
        return NNB_EXIT_USAGE;
    }
    const nnb_fashion_split split = strcmp(split_name, "train") == 0 ? NNB_FASHION_TRAIN : NNB_FASHION_TEST;

    int rc = NNB_EXIT_FAILURE;
    nnb_model *m = NULL;
    nnb_idx_set *set = NULL;
    nnb_tensor *probs = NULL;
    uint32_t *pred = NULL;
    const double t0 = nnb_now();
    nnb_status st;
    if (!nnb_load_model(k_cmd, model_path, &m)) {
        goto done;
    }
    if (!nnb_check_fashion_model(k_cmd, m, model_path) || !nnb_load_fashion(k_cmd, dir, split, &set)) {
        goto done;
    }
    const size_t n = nnb_idx_set_count(set);
    const uint32_t *labels = nnb_idx_set_labels(set);
    nnb_targets y = nnb_targets_from_labels(labels, n);
    float loss = 0.0f;
    double acc = 0.0;
    st = nnb_model_evaluate(m, nnb_idx_set_images(set), &y, batch, &loss, &acc);
    if (st == NNB_OK)
        st = nnb_tensor_create(&probs, n, NNB_FASHION_MNIST_CLASSES);
    if (st == NNB_OK)
        st = nnb_model_predict(m, nnb_idx_set_images(set), probs, batch, NULL);
    if (st == NNB_OK) {
        pred = malloc(n * sizeof *pred);
        st = pred == NULL ? NNB_ERR_NOMEM : nnb_tensor_argmax_rows(probs, pred, n);
    }
    if (st != NNB_OK) {
        nnb_fail(k_cmd, "evaluation", st);
        goto done;
    }
    size_t cm[NNB_FASHION_MNIST_CLASSES * NNB_FASHION_MNIST_CLASSES] = {0};
    size_t correct = 0;
    for (size_t i = 0; i < n; ++i) {
        cm[labels[i] * NNB_FASHION_MNIST_CLASSES + pred[i]]++;
        correct += labels[i] == pred[i];
    }
    /* From the predictions themselves, so that a model saved without an accuracy kind is measured too. */
    acc = (double)correct / (double)n;
    if (json) {
        print_json(model_path, split_name, n, acc, loss, cm);
        rc = NNB_EXIT_OK;
        goto done;
    }
    if (!quiet) {
        printf("model: %s (%zu layers)\n", model_path, nnb_model_layer_count(m));
        printf("data: Fashion-MNIST %s split, %zu images\n", split_name, n);
    }
    printf("acc: %.4f\nloss: %.4f\n", acc, (double)loss);
    if (!quiet) {
        print_confusion(cm);
        printf("\nevaluated in %.2f s\n", nnb_now() - t0);
    }
    rc = NNB_EXIT_OK;
done:
    free(pred);
    nnb_tensor_destroy(probs);
    nnb_idx_set_destroy(set);
    nnb_model_destroy(m);
    return rc;
}
