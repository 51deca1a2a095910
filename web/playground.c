/* SPDX-License-Identifier: MIT */
/* The playground's C interface (playground.h): one network, its data, and the figures the page shows. */
#include "playground.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nnbasics/nnbasics.h"

enum { DATASET_SPIRAL = 0, DATASET_VERTICAL = 1, DATASET_SINE = 2 };

static struct {
    nnb_model *model;
    nnb_tensor *X, *X_val; /* training and validation inputs */
    nnb_tensor *Y, *Y_val; /* sine's targets */
    uint32_t *y, *y_val;   /* class labels */
    nnb_tensor *grid_in, *grid_out;
    size_t rows, inputs, classes;
    int sine;
    size_t batch;
    int epochs;                /* trained so far */
    double loss, accuracy, lr; /* of the last trained epoch (lr: before its update, as the book prints) */
    float val_loss;
    double val_accuracy;
    char line[128];
    char error[512];
} g;

static int fail(nnb_status st, const char *what)
{
    snprintf(g.error, sizeof g.error, "%s: %s", what, nnb_last_error());
    return (int)st;
}

void pg_book_settings(double *out)
{
    for (int i = 0; i < PG_SETTING_COUNT; ++i) {
        out[i] = 0.0;
    }
    out[PG_DATASET] = DATASET_SPIRAL;
    out[PG_SAMPLES] = 100;
    out[PG_CLASSES] = 3;
    out[PG_SEED] = 0;
    out[PG_LAYERS] = 1;
    out[PG_WIDTH0] = 64;
    out[PG_ACTIVATION] = 0;
    out[PG_OPTIMIZER] = NNB_OPTIMIZER_ADAM;
    out[PG_LR] = 0.05;
    out[PG_DECAY] = 5e-7;
    out[PG_BATCH] = 0;
    out[PG_NUMPY] = 1;
}

void pg_destroy(void)
{
    nnb_model_destroy(g.model);
    nnb_tensor_destroy(g.X);
    nnb_tensor_destroy(g.X_val);
    nnb_tensor_destroy(g.Y);
    nnb_tensor_destroy(g.Y_val);
    nnb_tensor_destroy(g.grid_in);
    nnb_tensor_destroy(g.grid_out);
    free(g.y);
    free(g.y_val);
    memset(&g, 0, sizeof g);
}

/* A whole number in [lo, hi] from the settings, else -1. */
static long long whole(const double *s, int i, long long lo, long long hi)
{
    double v = s[i];
    if (!(v >= (double)lo && v <= (double)hi) || v != floor(v)) {
        return -1;
    }
    return (long long)v;
}

static int bad_setting(const char *what)
{
    snprintf(g.error, sizeof g.error, "setting out of range: %s", what);
    return (int)NNB_ERR_ARGUMENT;
}

/* Training data from rng, validation data from rng_val (classification). */
static nnb_status make_class_data(int dataset, size_t samples, nnb_rng *rng, nnb_rng *rng_val)
{
    nnb_status st = NNB_OK;
    g.y = malloc(g.rows * sizeof *g.y);
    g.y_val = malloc(g.rows * sizeof *g.y_val);
    if (g.y == NULL || g.y_val == NULL) {
        return NNB_ERR_NOMEM;
    }
    if ((st = nnb_tensor_create(&g.X, g.rows, 2)) != NNB_OK ||
        (st = nnb_tensor_create(&g.X_val, g.rows, 2)) != NNB_OK) {
        return st;
    }
    if (dataset == DATASET_SPIRAL) {
        if ((st = nnb_spiral_data(rng, samples, g.classes, g.X, g.y, g.rows)) == NNB_OK) {
            st = nnb_spiral_data(rng_val, samples, g.classes, g.X_val, g.y_val, g.rows);
        }
    } else {
        if ((st = nnb_vertical_data(rng, samples, g.classes, g.X, g.y, g.rows)) == NNB_OK) {
            st = nnb_vertical_data(rng_val, samples, g.classes, g.X_val, g.y_val, g.rows);
        }
    }
    return st;
}

/* Sine: training points on the grid i / n, validation points half a step further. */
static nnb_status make_sine_data(size_t samples)
{
    nnb_status st;
    if ((st = nnb_tensor_create(&g.X, samples, 1)) != NNB_OK || (st = nnb_tensor_create(&g.Y, samples, 1)) != NNB_OK ||
        (st = nnb_tensor_create(&g.X_val, samples, 1)) != NNB_OK ||
        (st = nnb_tensor_create(&g.Y_val, samples, 1)) != NNB_OK) {
        return st;
    }
    if ((st = nnb_sine_data(samples, g.X, g.Y)) != NNB_OK) {
        return st;
    }
    float *xv = nnb_tensor_data(g.X_val), *yv = nnb_tensor_data(g.Y_val);
    for (size_t i = 0; i < samples; ++i) {
        double x = ((double)i + 0.5) / (double)samples;
        xv[i] = (float)x;
        yv[i] = (float)sin(2.0 * 3.14159265358979323846 * x);
    }
    return NNB_OK;
}

int pg_create(const double *s, size_t count)
{
    pg_destroy();
    if (s == NULL || count != PG_SETTING_COUNT) {
        snprintf(g.error, sizeof g.error, "pg_create: %zu settings, expected %d", count, (int)PG_SETTING_COUNT);
        return (int)NNB_ERR_ARGUMENT;
    }
    long long dataset = whole(s, PG_DATASET, 0, 2), samples = whole(s, PG_SAMPLES, 2, 2000);
    long long classes = whole(s, PG_CLASSES, 2, PG_MAX_CLASSES), seed = whole(s, PG_SEED, 0, 4294967295LL);
    long long layers = whole(s, PG_LAYERS, 1, PG_MAX_LAYERS), activation = whole(s, PG_ACTIVATION, 0, 2);
    long long optimizer = whole(s, PG_OPTIMIZER, 0, 3), batch = whole(s, PG_BATCH, 0, 100000);
    if (dataset < 0 || samples < 0 || classes < 0 || seed < 0 || layers < 0 || activation < 0 || optimizer < 0 ||
        batch < 0) {
        return bad_setting("data set, samples, classes, seed, layers, activation, optimizer or batch size");
    }
    long long width[PG_MAX_LAYERS];
    for (long long i = 0; i < layers; ++i) {
        if ((width[i] = whole(s, PG_WIDTH0 + (int)i, 1, PG_MAX_WIDTH)) < 0) {
            return bad_setting("layer width");
        }
    }
    for (int i = PG_LR; i <= PG_DROPOUT; ++i) {
        if (!isfinite(s[i]) || s[i] < 0.0) {
            return bad_setting("learning rate, decay, momentum, L1, L2 or dropout");
        }
    }
    if (!(s[PG_LR] > 0.0) || !(s[PG_DROPOUT] < 1.0)) {
        return bad_setting("learning rate (> 0) or dropout (< 1)");
    }

    nnb_status st = nnb_set_arithmetic(s[PG_NUMPY] != 0.0 ? NNB_ARITHMETIC_NUMPY : NNB_ARITHMETIC_FAST);
    if (st != NNB_OK) {
        return fail(st, "arithmetic");
    }
    g.sine = dataset == DATASET_SINE;
    g.inputs = g.sine ? 1u : 2u;
    g.classes = g.sine ? 1u : (size_t)classes;
    g.rows = g.sine ? (size_t)samples : (size_t)samples * (size_t)classes;
    g.batch = (size_t)batch;

    nnb_rng *rng = NULL, *rng_val = NULL;
    if ((st = nnb_rng_create(&rng, (uint32_t)seed)) != NNB_OK ||
        (st = nnb_rng_create(&rng_val, (uint32_t)seed + 1u)) != NNB_OK) {
        nnb_rng_destroy(rng);
        return fail(st, "generator");
    }
    st = g.sine ? make_sine_data((size_t)samples) : make_class_data((int)dataset, (size_t)samples, rng, rng_val);
    if (st == NNB_OK) {
        /* The weights come after the data from the same stream, as in the book. */
        st = nnb_model_create_from_rng(&g.model, rng);
    }
    nnb_rng_destroy(rng_val);
    nnb_rng_destroy(rng);
    if (st != NNB_OK) {
        int rc = fail(st, "data");
        pg_destroy();
        return rc;
    }

    nnb_regularization reg = {(float)s[PG_L1], (float)s[PG_L2], (float)s[PG_L1], (float)s[PG_L2]};
    int regularized = s[PG_L1] > 0.0 || s[PG_L2] > 0.0;
    size_t in = g.inputs;
    for (long long i = 0; i < layers && st == NNB_OK; ++i) {
        st =
            nnb_model_add_dense(g.model, in, (size_t)width[i], NNB_DENSE_DEFAULT_INIT_SCALE, regularized ? &reg : NULL);
        if (st == NNB_OK) {
            st = activation == 0   ? nnb_model_add_relu(g.model)
                 : activation == 1 ? nnb_model_add_sigmoid(g.model)
                                   : nnb_model_add_linear(g.model);
        }
        if (st == NNB_OK && s[PG_DROPOUT] > 0.0) {
            st = nnb_model_add_dropout(g.model, (float)s[PG_DROPOUT]);
        }
        in = (size_t)width[i];
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense(g.model, in, g.classes, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    }
    if (st == NNB_OK) {
        st = g.sine ? nnb_model_add_linear(g.model) : nnb_model_add_softmax(g.model);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_loss(g.model, g.sine ? NNB_LOSS_MSE : NNB_LOSS_CCE);
    }
    if (st == NNB_OK) {
        nnb_optimizer_params p = nnb_optimizer_defaults((nnb_optimizer_kind)optimizer);
        p.learning_rate = s[PG_LR];
        p.decay = s[PG_DECAY];
        if (optimizer == NNB_OPTIMIZER_SGD) {
            p.momentum = s[PG_MOMENTUM];
        }
        st = nnb_model_set_optimizer(g.model, &p);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_accuracy(g.model, g.sine ? NNB_ACCURACY_REGRESSION : NNB_ACCURACY_CATEGORICAL);
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(g.model);
    }
    if (st != NNB_OK) {
        int rc = fail(st, "network");
        pg_destroy();
        return rc;
    }
    g.lr = s[PG_LR];
    g.error[0] = '\0';
    return 0;
}

static nnb_targets train_targets(void)
{
    return g.sine ? nnb_targets_from_tensor(g.Y) : nnb_targets_from_labels(g.y, g.rows);
}

/* Keeps the figures of the one epoch trained. */
static int on_epoch(const nnb_progress *p, void *user)
{
    (void)user;
    if (p->event == NNB_PROGRESS_EPOCH) {
        g.loss = (double)p->loss;
        g.accuracy = p->accuracy;
    }
    return 0;
}

int pg_train(int epochs)
{
    if (g.model == NULL) {
        snprintf(g.error, sizeof g.error, "pg_train: no network (pg_create first)");
        return (int)NNB_ERR_STATE;
    }
    nnb_targets t = train_targets();
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 1;
    tp.batch_size = g.batch;
    tp.shuffle = g.batch != 0;
    tp.print_every = 1;
    tp.progress = on_epoch;
    /*
     * One epoch per call, so that each epoch's learning rate is read before its first update, as the book's
     * loop prints it (the shuffling stream and the optimizer's state carry over from call to call).
     */
    for (int e = 0; e < epochs; ++e) {
        double lr = nnb_optimizer_current_lr(nnb_model_optimizer(g.model));
        nnb_status st = nnb_model_train(g.model, g.X, &t, &tp);
        if (st != NNB_OK) {
            return fail(st, "training");
        }
        g.lr = lr;
        ++g.epochs;
    }
    return 0;
}

int pg_epoch(void)
{
    return g.epochs;
}

double pg_loss(void)
{
    return g.loss;
}

double pg_accuracy(void)
{
    return g.accuracy;
}

double pg_lr(void)
{
    return g.lr;
}

const char *pg_log_line(void)
{
    char lr[40];
    if (nnb_format_double(lr, sizeof lr, g.lr) != NNB_OK) {
        snprintf(lr, sizeof lr, "%.17g", g.lr);
    }
    snprintf(g.line, sizeof g.line, "epoch: %d, acc: %.3f, loss: %.3f, lr: %s", g.epochs > 0 ? g.epochs - 1 : 0,
             g.accuracy, g.loss, lr);
    return g.line;
}

int pg_validate(void)
{
    if (g.model == NULL) {
        snprintf(g.error, sizeof g.error, "pg_validate: no network (pg_create first)");
        return (int)NNB_ERR_STATE;
    }
    nnb_targets t = g.sine ? nnb_targets_from_tensor(g.Y_val) : nnb_targets_from_labels(g.y_val, g.rows);
    nnb_status st = nnb_model_evaluate(g.model, g.X_val, &t, 0, &g.val_loss, &g.val_accuracy);
    return st == NNB_OK ? 0 : fail(st, "validation");
}

double pg_val_loss(void)
{
    return (double)g.val_loss;
}

double pg_val_accuracy(void)
{
    return g.val_accuracy;
}

int pg_rows(void)
{
    return (int)g.rows;
}

int pg_inputs(void)
{
    return (int)g.inputs;
}

int pg_classes(void)
{
    return (int)g.classes;
}

const float *pg_points(void)
{
    return g.X != NULL ? nnb_tensor_cdata(g.X) : NULL;
}

const uint32_t *pg_labels(void)
{
    return g.y;
}

const float *pg_targets(void)
{
    return g.Y != NULL ? nnb_tensor_cdata(g.Y) : NULL;
}

const float *pg_grid(int res)
{
    if (g.model == NULL || res < 2 || res > 1024) {
        snprintf(g.error, sizeof g.error, "pg_grid: no network, or resolution %d outside [2, 1024]", res);
        return NULL;
    }
    size_t n = g.sine ? (size_t)res : (size_t)res * (size_t)res;
    if (g.grid_in == NULL || nnb_tensor_rows(g.grid_in) != n) {
        nnb_tensor_destroy(g.grid_in);
        nnb_tensor_destroy(g.grid_out);
        g.grid_out = NULL;
        if (nnb_tensor_create(&g.grid_in, n, g.inputs) != NNB_OK ||
            nnb_tensor_create(&g.grid_out, n, g.classes) != NNB_OK) {
            fail(NNB_ERR_NOMEM, "grid");
            return NULL;
        }
        float *in = nnb_tensor_data(g.grid_in);
        for (size_t r = 0; r < (g.sine ? 1u : (size_t)res); ++r) {
            for (size_t c = 0; c < (size_t)res; ++c) {
                double fx = ((double)c + 0.5) / (double)res;
                if (g.sine) {
                    in[c] = (float)fx;
                } else {
                    in[(r * (size_t)res + c) * 2] = (float)(fx * 2.0 - 1.0);
                    in[(r * (size_t)res + c) * 2 + 1] = (float)(1.0 - ((double)r + 0.5) / (double)res * 2.0);
                }
            }
        }
    }
    nnb_status st = nnb_model_predict(g.model, g.grid_in, g.grid_out, 0, NULL);
    if (st != NNB_OK) {
        fail(st, "grid");
        return NULL;
    }
    return nnb_tensor_cdata(g.grid_out);
}

const char *pg_error(void)
{
    return g.error;
}
