/* SPDX-License-Identifier: MIT */
/*
 * The sequential model's training and evaluation: the checks of a data set against the model, batches
 * (views of the caller's rows or shuffled rows gathered into the workspace), the loss and accuracy of a
 * batch, the training loop with its progress reports, and evaluation.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"
#include "layers/dense_internal.h"
#include "nnbasics/loss.h"
#include "nnbasics/metrics.h"
#include "train/model_internal.h"

/* ---------------------------------------------------------------- validation */

static int labels_present(const nnb_targets *t)
{
    return t->labels != NULL;
}

/*
 * Checks one data set (X, targets) against the model, in the library's order: NULLs, values (labels only go
 * with CCE and categorical accuracy), shapes, contents.
 */
static nnb_status check_data(const char *where, const nnb_model *m, const nnb_tensor *X, const nnb_targets *t)
{
    if (X == NULL || t == NULL || (t->labels == NULL && t->values == NULL)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (t->labels != NULL && t->values != NULL) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (labels_present(t)) {
        if (m->loss != NNB_LOSS_CCE) {
            return NNB__FAIL(NNB_ERR_ARGUMENT);
        }
        if (m->accuracy != NNB_ACCURACY_NONE && m->accuracy != NNB_ACCURACY_CATEGORICAL) {
            return NNB__FAIL(NNB_ERR_ARGUMENT);
        }
    }
    size_t rows = nnb_tensor_rows(X);
    size_t out_w = nnb__model_last_width(m);
    if (nnb_tensor_cols(X) != m->layers[0].n_in) {
        return nnb__failf(NNB_ERR_SHAPE, where, "the data have %zu columns, the model's first layer takes %zu",
                          nnb_tensor_cols(X), m->layers[0].n_in);
    }
    if (labels_present(t)) {
        if (t->count != rows) {
            return nnb__failf(NNB_ERR_SHAPE, where, "%zu labels for %zu rows of data", t->count, rows);
        }
    } else if (nnb_tensor_rows(t->values) != rows || nnb_tensor_cols(t->values) != out_w) {
        return nnb__failf(NNB_ERR_SHAPE, where,
                          "targets are %zu x %zu; %zu rows of data and %zu outputs need %zu x %zu",
                          nnb_tensor_rows(t->values), nnb_tensor_cols(t->values), rows, out_w, rows, out_w);
    }
    if (labels_present(t) && !nnb__labels_in_range(t->labels, rows, out_w)) {
        return nnb__fail_label_range(where, t->labels, rows, out_w);
    }
    nnb_status st = nnb_tensor_check_finite(X, NULL);
    if (st == NNB_OK && t->values != NULL) {
        st = nnb_tensor_check_finite(t->values, NULL);
    }
    return st;
}

/* Data loss of the batch: per-sample values into m->per_sample and the batch mean. */
static nnb_status batch_loss(nnb_model *m, const nnb_tensor *pred, const nnb_targets *tb, float *mean)
{
    float *ps = m->per_sample;
    switch (m->loss) {
    case NNB_LOSS_CCE:
        if (tb->labels != NULL) {
            return nnb_cce_sparse(pred, tb->labels, tb->count, ps, mean);
        }
        return nnb_cce_onehot(pred, tb->values, ps, mean);
    case NNB_LOSS_BCE: return nnb_bce(pred, tb->values, ps, mean);
    case NNB_LOSS_MSE: return nnb_mse(pred, tb->values, ps, mean);
    case NNB_LOSS_MAE: return nnb_mae(pred, tb->values, ps, mean);
    case NNB_LOSS_NONE: break;
    }
    return NNB__FAIL(NNB_ERR_STATE);
}

/* Accuracy of the batch and how many items it was measured over (rows or elements). */
static nnb_status batch_accuracy(const nnb_model *m, const nnb_tensor *pred, const nnb_targets *tb, float precision,
                                 double *acc, size_t *items)
{
    *items = pred->rows;
    switch (m->accuracy) {
    case NNB_ACCURACY_NONE: *acc = 0.0; return NNB_OK;
    case NNB_ACCURACY_CATEGORICAL:
        if (tb->labels != NULL) {
            return nnb_accuracy_categorical(pred, tb->labels, tb->count, acc);
        }
        return nnb_accuracy_onehot(pred, tb->values, acc);
    case NNB_ACCURACY_BINARY: *items = pred->rows * pred->cols; return nnb_accuracy_binary(pred, tb->values, acc);
    case NNB_ACCURACY_REGRESSION:
        *items = pred->rows * pred->cols;
        return nnb_accuracy_regression(pred, tb->values, precision, acc);
    }
    return NNB__FAIL(NNB_ERR_STATE);
}

static nnb_status regularization_loss(const nnb_model *m, float *out)
{
    float total = 0.0f;
    for (size_t i = 0; i < m->n_layers; ++i) {
        if (m->layers[i].dense != NULL) {
            float r = 0.0f;
            nnb_status st = nnb_dense_regularization_loss(m->layers[i].dense, &r);
            if (st != NNB_OK) {
                return st;
            }
            total += r;
        }
    }
    *out = total;
    return NNB_OK;
}

/* ---------------------------------------------------------------- batching */

/*
 * Points xb/tb at rows [start, start + rows) of the data: views of the caller's memory when order is NULL,
 * else rows order[start..] gathered into the workspace.
 */
static void make_batch(nnb_model *m, const nnb_tensor *X, const nnb_targets *t, const uint32_t *order, size_t start,
                       size_t rows, nnb_tensor *xb, nnb_tensor *vb, nnb_targets *tb)
{
    size_t in_w = X->cols;
    *tb = *t;
    if (order == NULL) {
        nnb__tensor_view_init(xb, X->data + start * in_w, rows, in_w);
        if (t->labels != NULL) {
            tb->labels = t->labels + start;
            tb->count = rows;
        } else {
            size_t w = t->values->cols;
            nnb__tensor_view_init(vb, t->values->data + start * w, rows, w);
            tb->values = vb;
        }
        return;
    }
    for (size_t r = 0; r < rows; ++r) {
        memcpy(m->gather_x + r * in_w, X->data + (size_t)order[start + r] * in_w, in_w * sizeof(float));
    }
    nnb__tensor_view_init(xb, m->gather_x, rows, in_w);
    if (t->labels != NULL) {
        for (size_t r = 0; r < rows; ++r) {
            m->gather_l[r] = t->labels[order[start + r]];
        }
        tb->labels = m->gather_l;
        tb->count = rows;
    } else {
        size_t w = t->values->cols;
        for (size_t r = 0; r < rows; ++r) {
            memcpy(m->gather_v + r * w, t->values->data + (size_t)order[start + r] * w, w * sizeof(float));
        }
        nnb__tensor_view_init(vb, m->gather_v, rows, w);
        tb->values = vb;
    }
}

size_t nnb__model_effective_batch(size_t batch_size, size_t rows)
{
    return (batch_size == 0 || batch_size > rows) ? rows : batch_size;
}

static double now_seconds(void)
{
    struct timespec ts;
    if (timespec_get(&ts, TIME_UTC) != TIME_UTC) {
        return 0.0;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Loss and accuracy over a whole data set, batch by batch, dropout off. Data already validated. */
static nnb_status evaluate_ws(nnb_model *m, const nnb_tensor *X, const nnb_targets *t, size_t bs, float precision,
                              float *loss, double *accuracy)
{
    size_t n = X->rows;
    size_t steps = (n + bs - 1) / bs;
    double loss_sum = 0.0, acc_sum = 0.0;
    size_t acc_items = 0;
    float single_mean = 0.0f;
    double single_acc = 0.0;
    for (size_t s = 0; s < steps; ++s) {
        size_t start = s * bs;
        size_t rows = n - start < bs ? n - start : bs;
        nnb_tensor xb, vb;
        nnb_targets tb;
        make_batch(m, X, t, NULL, start, rows, &xb, &vb, &tb);
        nnb_status st = nnb__model_forward_ws(m, &xb, 0);
        float mean = 0.0f;
        if (st == NNB_OK) {
            st = batch_loss(m, nnb__model_output(m), &tb, &mean);
        }
        double acc = 0.0;
        size_t items = 0;
        if (st == NNB_OK && accuracy != NULL) {
            st = batch_accuracy(m, nnb__model_output(m), &tb, precision, &acc, &items);
        }
        if (st != NNB_OK) {
            return st;
        }
        if (steps > 1) {
            for (size_t r = 0; r < rows; ++r) {
                loss_sum += (double)m->per_sample[r];
            }
        }
        acc_sum += acc * (double)items;
        acc_items += items;
        single_mean = mean;
        single_acc = acc;
    }
    /* One batch: the batch's own mean (numpy's pairwise float32 mean), as the book's single-batch code. */
    float l = steps == 1 ? single_mean : (float)(loss_sum / (double)n);
    double a = steps == 1 || acc_items == 0 ? single_acc : acc_sum / (double)acc_items;
    if (!isfinite(l)) {
        return NNB__FAIL(NNB_ERR_NONFINITE);
    }
    if (loss != NULL) {
        *loss = l;
    }
    if (accuracy != NULL) {
        *accuracy = a;
    }
    return NNB_OK;
}

/* The precision for regression accuracy: stored, or derived from these targets. */
static nnb_status precision_for(const nnb_model *m, const nnb_targets *t, float *p)
{
    *p = m->precision;
    if (m->accuracy != NNB_ACCURACY_REGRESSION || m->precision_set) {
        return NNB_OK;
    }
    return nnb_regression_precision(t->values, NNB_REGRESSION_PRECISION_DIVISOR, p);
}

/* ---------------------------------------------------------------- train / evaluate */

nnb_train_params nnb_train_params_default(void)
{
    nnb_train_params p;
    memset(&p, 0, sizeof p);
    p.epochs = 1;
    p.print_every = 1;
    return p;
}

/* One nnb_model_train call: its data and sizes, the progress report and the sums of the epoch under way. */
typedef struct train_run {
    const nnb_tensor *X;
    const nnb_targets *targets;
    const nnb_train_params *params;
    size_t n;              /* training rows */
    size_t bs;             /* training batch size */
    size_t vbs;            /* validation batch size (0: no validation data) */
    size_t steps;          /* steps per epoch */
    float precision;       /* for regression accuracy */
    const uint32_t *order; /* the epoch's row permutation, or NULL for the rows in order */
    nnb_progress rep;      /* the report, filled in step by step: VALIDATION keeps the EPOCH report's fields */
    double t_mark;         /* when samples_since started counting */
    size_t samples_since;  /* training samples since the last EPOCH report */

    /* The epoch under way. */
    double loss_sum, acc_sum;
    size_t acc_items;
    float step_data, step_reg; /* data and regularization loss of the last step */
    double step_acc;           /* accuracy of the last step */

    /* Early stopping. */
    double best_value; /* the best figure so far */
    size_t wait;       /* epochs since it */
} train_run;

/* Data-parallel training's settings (shard_count > 1): callbacks, index, layers and batch sizes. */
static nnb_status check_shards(const nnb_model *model, const nnb_tensor *X, const nnb_train_params *params)
{
    const size_t p = params->shard_count;
    if (p <= 1) {
        return NNB_OK;
    }
    if (params->reduce_gradients == NULL || params->reduce_sums == NULL || params->shard_index >= p) {
        return NNB__FAILF(NNB_ERR_ARGUMENT,
                          "data-parallel training over %zu shards needs reduce_gradients, reduce_sums and a "
                          "shard_index below %zu (got %zu)",
                          p, p, params->shard_index);
    }
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb_layer_kind k = model->layers[i].kind;
        if (k == NNB_LAYER_DROPOUT || k == NNB_LAYER_BATCHNORM) {
            return NNB__FAILF(NNB_ERR_ARGUMENT,
                              "data-parallel training cannot split a batch through layer %zu (%s): its %s per "
                              "process",
                              i, k == NNB_LAYER_DROPOUT ? "dropout" : "batch normalisation",
                              k == NNB_LAYER_DROPOUT ? "random masks are drawn" : "batch statistics are computed");
        }
    }
    /* validation_split takes rows away first; the call on the training part checks its own batches. */
    size_t n = X->rows;
    if (params->validation_split == 0.0 && n > 0) {
        size_t bs = nnb__model_effective_batch(params->batch_size, n);
        size_t last = n - ((n - 1) / bs) * bs; /* the last batch is the smallest */
        if (last < p) {
            return NNB__FAILF(NNB_ERR_ARGUMENT,
                              "data-parallel training over %zu shards needs batches of at least %zu rows; %zu rows "
                              "in batches of %zu leave a last batch of %zu",
                              p, p, n, bs, last);
        }
    }
    return NNB_OK;
}

/* The argument, state and data checks of nnb_model_train, in the documented order; nothing changes. */
static nnb_status check_train_call(const nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                                   const nnb_train_params *params)
{
    if (model == NULL || X == NULL || targets == NULL || params == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (params->validation_x != NULL && params->validation_y == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized || model->loss == NNB_LOSS_NONE || model->optimizer == NULL) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    if (params->epochs == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (!(isfinite(params->clip_value) && params->clip_value >= 0.0) ||
        !(isfinite(params->clip_norm) && params->clip_norm >= 0.0)) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "clip_value %g and clip_norm %g must be >= 0 and finite",
                          params->clip_value, params->clip_norm);
    }
    if ((unsigned)params->early_stop > (unsigned)NNB_MONITOR_ACCURACY || !isfinite(params->min_delta) ||
        params->min_delta < 0.0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "early_stop %d unknown or min_delta %g not >= 0", (int)params->early_stop,
                          params->min_delta);
    }
    if ((params->early_stop == NNB_MONITOR_VAL_LOSS || params->early_stop == NNB_MONITOR_VAL_ACCURACY) &&
        params->validation_x == NULL && params->validation_split == 0.0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "early stopping on a validation figure needs validation data");
    }
    nnb_status st = check_shards(model, X, params);
    if (st != NNB_OK) {
        return st;
    }
    st = check_data("nnb_model_train", model, X, targets);
    if (st == NNB_OK && params->validation_x != NULL) {
        st = check_data("nnb_model_train (validation data)", model, params->validation_x, params->validation_y);
    }
    return st;
}

/* Floats of every parameter the optimizer updates: the weights and biases of each layer holding them. */
static size_t grads_count(const nnb_model *model)
{
    size_t total = 0;
    for (size_t i = 0; i < model->n_layers; ++i) {
        const nnb_dense *d = model->layers[i].dense;
        if (d != NULL) {
            const nnb_tensor *w = nnb_dense_weights(d), *b = nnb_dense_biases(d);
            total += w->rows * w->cols + b->rows * b->cols;
        }
    }
    return total;
}

/* Data-parallel training: model->grads for every parameter (kept across runs). */
static nnb_status reserve_grads(nnb_model *model)
{
    size_t n = grads_count(model);
    if (n <= model->grads_cap) {
        return NNB_OK;
    }
    size_t bytes;
    if (nnb__mul_size(n, sizeof(float), &bytes) != NNB_OK) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    float *g = nnb__malloc(bytes);
    if (g == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    nnb__free(model->grads);
    model->grads = g;
    model->grads_cap = n;
    return NNB_OK;
}

/*
 * Data-parallel training: packs every gradient into model->grads, lets reduce_gradients turn them into the
 * global batch's, and puts them back.
 */
static nnb_status reduce_gradients(nnb_model *model, const nnb_train_params *params, size_t local_rows,
                                   size_t global_rows)
{
    for (int back = 0; back < 2; ++back) {
        size_t k = 0;
        for (size_t i = 0; i < model->n_layers; ++i) {
            nnb_dense *d = model->layers[i].dense;
            if (d == NULL) {
                continue;
            }
            nnb_tensor *gs[2] = {d->dweights, d->dbiases};
            for (size_t p = 0; p < 2; ++p) {
                if (gs[p] == NULL) {
                    return NNB__FAILF(NNB_ERR_STATE, "layer %zu has no gradients after backward", i);
                }
                size_t n = gs[p]->rows * gs[p]->cols;
                if (back) {
                    memcpy(gs[p]->data, model->grads + k, n * sizeof(float));
                } else {
                    memcpy(model->grads + k, gs[p]->data, n * sizeof(float));
                }
                k += n;
            }
        }
        if (!back) {
            nnb_status st = params->reduce_gradients(model->grads, k, local_rows, global_rows, params->reduce_user);
            if (st != NNB_OK) {
                return st;
            }
        }
    }
    return NNB_OK;
}

/*
 * Floats that copy_params moves: every parameter holder's weights and biases (a convolution without bias has a
 * holder bias of zeros, copied too) and each batchnorm layer's running mean and variance. The sizes were checked
 * when the layers were added.
 */
static size_t best_floats(const nnb_model *model)
{
    size_t n = 0;
    for (size_t i = 0; i < model->n_layers; ++i) {
        const nnb__model_layer *l = &model->layers[i];
        if (l->dense == NULL) {
            continue;
        }
        const nnb_tensor *w = nnb_dense_weights(l->dense), *b = nnb_dense_biases(l->dense);
        n += w->rows * w->cols + b->rows * b->cols;
        if (l->kind == NNB_LAYER_BATCHNORM) {
            n += 2u * l->in_shape[0];
        }
    }
    return n;
}

/*
 * Everything the run needs before its first step: batch sizes, the workspace, the permutation and the
 * regression precision (stored only once every allocation succeeded), then a cleared health report.
 */
static nnb_status start_run(nnb_model *model, train_run *run)
{
    const nnb_train_params *params = run->params;
    const nnb_tensor *vx = params->validation_x;
    size_t n = run->X->rows;
    if (n > UINT32_MAX) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    size_t bs = nnb__model_effective_batch(params->batch_size, n);
    size_t vbs =
        vx != NULL ? nnb__model_effective_batch(params->batch_size == 0 ? vx->rows : params->batch_size, vx->rows) : 0;
    nnb_status st = precision_for(model, run->targets, &run->precision);
    if (st == NNB_OK) {
        st = nnb_model_prepare(model, bs > vbs ? bs : vbs);
    }
    if (st == NNB_OK && params->shuffle) {
        st = nnb__model_reserve_perm(model, n);
    }
    if (st == NNB_OK && params->record_history && params->epochs > model->history_cap) {
        size_t bytes;
        if (nnb__mul_size(params->epochs, sizeof(nnb_history_entry), &bytes) != NNB_OK) {
            st = NNB__FAIL(NNB_ERR_OVERFLOW);
        } else {
            nnb_history_entry *h = nnb__malloc(bytes);
            if (h == NULL) {
                st = NNB__FAIL(NNB_ERR_NOMEM);
            } else {
                nnb__free(model->history);
                model->history = h;
                model->history_cap = params->epochs;
                model->history_len = 0;
            }
        }
    }
    if (st == NNB_OK && params->record_history) {
        model->history_len = 0;
    }
    size_t n_params = 0;
    if (st == NNB_OK && params->early_stop != NNB_MONITOR_NONE) {
        n_params = best_floats(model);
    }
    if (st == NNB_OK && n_params > model->best_cap) {
        size_t bytes;
        float *b = nnb__mul_size(n_params, sizeof(float), &bytes) == NNB_OK ? nnb__malloc(bytes) : NULL;
        if (b == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
        } else {
            nnb__free(model->best);
            model->best = b;
            model->best_cap = n_params;
        }
    }
    if (st == NNB_OK && params->shard_count > 1) {
        st = reserve_grads(model);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (model->accuracy == NNB_ACCURACY_REGRESSION && !model->precision_set) {
        model->precision = run->precision;
        model->precision_set = 1;
    }

    memset(&model->health, 0, sizeof model->health);
    model->best_epoch = 0;
    run->best_value = 0.0;
    run->wait = 0;
    run->n = n;
    run->bs = bs;
    run->vbs = vbs;
    run->steps = (n + bs - 1) / bs;
    run->order = params->shuffle ? model->perm : NULL;
    run->t_mark = now_seconds();
    run->samples_since = 0;
    memset(&run->rep, 0, sizeof run->rep);
    run->rep.epochs = params->epochs;
    run->rep.steps = run->steps;
    return NNB_OK;
}

/* A new permutation of the n rows in model->perm (Fisher-Yates, drawn from the model's generator). */
static void shuffle_rows(nnb_model *model, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        model->perm[i] = (uint32_t)i;
    }
    for (size_t i = n - 1; i > 0; --i) {
        uint32_t j = 0;
        (void)nnb_rng_below(model->rng, (uint32_t)(i + 1), &j);
        uint32_t tmp = model->perm[i];
        model->perm[i] = model->perm[j];
        model->perm[j] = tmp;
    }
}

/* Records a non-finite loss as the run's first health finding (the check on, nothing found before). */
static void record_nonfinite_loss(nnb_model *model, size_t epoch, size_t s)
{
    if (model->health_on && model->health.phase == NNB_HEALTH_NONE) {
        model->health.phase = NNB_HEALTH_LOSS;
        model->health.epoch = epoch;
        model->health.step = s;
        model->health.layer = model->n_layers - 1;
    }
}

/*
 * Data-parallel training: the step's figures of the global batch. Sums this process's per-sample losses and
 * accuracy over its shard, adds them up over the processes with reduce_sums and sets run->step_data and
 * run->step_acc from the totals; sums[] keeps them for the epoch. A process whose forward pass, loss or
 * accuracy failed (status st) still takes part, with a NaN loss sum, so that every process stops at this
 * step (the loss check then sees the NaN); it returns its own failure.
 */
static nnb_status shard_figures(nnb_model *model, train_run *run, const nnb_targets *tb, size_t rows,
                                size_t global_rows, nnb_status st, double sums[3])
{
    const nnb_train_params *params = run->params;
    size_t items = 0;
    double acc = 0.0;
    sums[0] = 0.0;
    if (st == NNB_OK && isfinite(run->step_data)) {
        for (size_t r = 0; r < rows; ++r) {
            sums[0] += (double)model->per_sample[r];
        }
        st = batch_accuracy(model, nnb__model_output(model), tb, run->precision, &acc, &items);
    } else if (st == NNB_OK) {
        sums[0] = (double)run->step_data;
    }
    if (st != NNB_OK) {
        sums[0] = NAN;
    }
    sums[1] = acc * (double)items;
    sums[2] = (double)items;
    nnb_status rst = params->reduce_sums(sums, 3, params->reduce_user);
    if (st != NNB_OK) {
        return st;
    }
    if (rst != NNB_OK) {
        return rst;
    }
    run->step_data = (float)(sums[0] / (double)global_rows);
    run->step_acc = sums[2] > 0.0 ? sums[1] / sums[2] : 0.0;
    return NNB_OK;
}

/*
 * Step s of the epoch: forward, loss, accuracy, backward and update, then the step's sums into run. With
 * shard_count > 1, this process's part of the batch, and the figures and gradients of the global batch.
 */
static nnb_status train_step(nnb_model *model, train_run *run, size_t epoch, size_t s)
{
    const size_t shards = run->params->shard_count;
    const int sharded = shards > 1;
    size_t start = s * run->bs;
    size_t rows = run->n - start < run->bs ? run->n - start : run->bs;
    const size_t global_rows = rows;
    if (sharded) {
        const size_t k = run->params->shard_index;
        size_t lo = (size_t)((uint64_t)global_rows * k / shards);
        size_t hi = (size_t)((uint64_t)global_rows * (k + 1) / shards);
        start += lo;
        rows = hi - lo;
    }
    nnb_tensor xb, vb;
    nnb_targets tb;
    make_batch(model, run->X, run->targets, run->order, start, rows, &xb, &vb, &tb);
    model->cur_epoch = epoch;
    model->cur_step = s;
    nnb_status st = nnb__model_forward_ws(model, &xb, 1);
    if (st == NNB_OK) {
        st = batch_loss(model, nnb__model_output(model), &tb, &run->step_data);
    }
    if (st == NNB_OK) {
        st = regularization_loss(model, &run->step_reg);
    }
    double sums[3] = {0.0, 0.0, 0.0};
    if (sharded) {
        st = shard_figures(model, run, &tb, rows, global_rows, st, sums);
    }
    if (st == NNB_OK && !(isfinite(run->step_data) && isfinite(run->step_reg))) {
        record_nonfinite_loss(model, epoch, s);
        st = nnb__failf(NNB_ERR_NONFINITE, "nnb_model_train",
                        "training diverged: the loss is %s at epoch %zu, step %zu (the data were checked finite; try "
                        "a smaller learning rate)",
                        isnan(run->step_data) || isnan(run->step_reg) ? "NaN" : "infinite", epoch, s);
    } else if (st == NNB_ERR_NONFINITE && !model->health_on) {
        /* A layer refused a non-finite value mid-step: the data were checked before the run, so the weights are. */
        st = nnb__failf(NNB_ERR_NONFINITE, "nnb_model_train",
                        "training diverged: NaN or infinity in the forward pass at epoch %zu, step %zu (the data "
                        "were checked finite; try a smaller learning rate, or turn on nnb_model_set_health_check "
                        "to find the layer)",
                        epoch, s);
    }
    size_t items = 0;
    if (st == NNB_OK && !sharded) {
        st = batch_accuracy(model, nnb__model_output(model), &tb, run->precision, &run->step_acc, &items);
    }
    if (st == NNB_OK) {
        st = nnb__model_backward_ws(model, &tb);
    }
    if (st == NNB_OK && sharded) {
        st = reduce_gradients(model, run->params, rows, global_rows);
    }
    if (st == NNB_OK) {
        st = nnb__model_optimize(model);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (sharded) {
        run->loss_sum += sums[0];
        run->acc_sum += sums[1];
        run->acc_items += (size_t)sums[2];
        run->samples_since += global_rows;
        return NNB_OK;
    }
    for (size_t r = 0; r < rows; ++r) {
        run->loss_sum += (double)model->per_sample[r];
    }
    run->acc_sum += run->step_acc * (double)items;
    run->acc_items += items;
    run->samples_since += rows;
    return NNB_OK;
}

/* The STEP report of step s. Returns the callback's answer: non-zero to stop. */
static int report_step(const nnb_model *model, train_run *run, size_t epoch, size_t s)
{
    nnb_progress *rep = &run->rep;
    rep->event = NNB_PROGRESS_STEP;
    rep->epoch = epoch;
    rep->step = s;
    rep->data_loss = run->step_data;
    rep->regularization_loss = run->step_reg;
    rep->loss = run->step_data + run->step_reg;
    rep->accuracy = run->step_acc;
    rep->learning_rate = nnb_optimizer_current_lr(model->optimizer);
    rep->samples_per_second = 0.0;
    return run->params->progress(rep, run->params->user);
}

/* The epoch's figures: the last step's for one step per epoch, else the epoch's. */
static nnb_status epoch_figures(const nnb_model *model, const train_run *run, float *data, float *reg, double *acc)
{
    if (run->steps == 1) {
        *data = run->step_data;
        *reg = run->step_reg;
        *acc = run->step_acc;
        return NNB_OK;
    }
    *data = (float)(run->loss_sum / (double)run->n);
    *acc = run->acc_items == 0 ? 0.0 : run->acc_sum / (double)run->acc_items;
    return regularization_loss(model, reg);
}

/* The EPOCH report. *stop: the answer. */
static nnb_status report_epoch(const nnb_model *model, train_run *run, size_t epoch, int *stop)
{
    nnb_progress *rep = &run->rep;
    rep->event = NNB_PROGRESS_EPOCH;
    rep->epoch = epoch;
    rep->step = run->steps - 1;
    nnb_status st = epoch_figures(model, run, &rep->data_loss, &rep->regularization_loss, &rep->accuracy);
    if (st != NNB_OK) {
        return st;
    }
    rep->loss = rep->data_loss + rep->regularization_loss;
    rep->learning_rate = nnb_optimizer_current_lr(model->optimizer);
    double t_now = now_seconds();
    rep->samples_per_second = t_now > run->t_mark ? (double)run->samples_since / (t_now - run->t_mark) : 0.0;
    run->t_mark = t_now;
    run->samples_since = 0;
    *stop = run->params->progress(rep, run->params->user) != 0;
    return NNB_OK;
}

/* Evaluates the validation data and sends the VALIDATION report. *stop: the callback's answer. */
static nnb_status report_validation(nnb_model *model, train_run *run, int *stop)
{
    const nnb_train_params *params = run->params;
    float vprec = 0.0f;
    float vloss = 0.0f;
    double vacc = 0.0;
    nnb_status st = precision_for(model, params->validation_y, &vprec);
    if (st == NNB_OK) {
        st = evaluate_ws(model, params->validation_x, params->validation_y, run->vbs, vprec, &vloss, &vacc);
    }
    if (st != NNB_OK) {
        return st;
    }
    nnb_progress *rep = &run->rep;
    rep->event = NNB_PROGRESS_VALIDATION;
    rep->data_loss = vloss;
    rep->regularization_loss = 0.0f;
    rep->loss = vloss;
    rep->accuracy = vacc;
    rep->samples_per_second = 0.0;
    *stop = params->progress(rep, params->user) != 0;
    if (!*stop) {
        run->t_mark = now_seconds();
    }
    return NNB_OK;
}

/* Copies n floats from the model's v to model->best at *k (save) or back (!save); *k moves on by n. */
static void copy_floats(nnb_model *model, float *v, size_t n, int save, size_t *k)
{
    if (save) {
        memcpy(model->best + *k, v, n * sizeof(float));
    } else {
        memcpy(v, model->best + *k, n * sizeof(float));
    }
    *k += n;
}

/*
 * Copies every parameter holder's weights and biases (dense, convolution, batchnorm gamma and beta) and every
 * batchnorm layer's running mean and variance to (save) or from (!save) model->best: the best epoch's model is
 * its parameters and the statistics its inference uses.
 */
static void copy_params(nnb_model *model, int save)
{
    size_t k = 0;
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb__model_layer *l = &model->layers[i];
        if (l->dense == NULL) {
            continue;
        }
        nnb_tensor *w = nnb_dense_weights_mut(l->dense), *b = nnb_dense_biases_mut(l->dense);
        copy_floats(model, w->data, w->rows * w->cols, save, &k);
        copy_floats(model, b->data, b->rows * b->cols, save, &k);
        if (l->kind == NNB_LAYER_BATCHNORM) {
            copy_floats(model, l->bn_running, 2u * l->in_shape[0], save, &k);
        }
    }
}

/* Early stopping after epoch e with its history entry: keeps the best parameters; *stop when patience ran out. */
static void watch_epoch(nnb_model *model, train_run *run, const nnb_history_entry *e, int *stop)
{
    nnb_monitor mon = run->params->early_stop;
    double v = mon == NNB_MONITOR_VAL_LOSS       ? e->val_loss
               : mon == NNB_MONITOR_VAL_ACCURACY ? e->val_accuracy
               : mon == NNB_MONITOR_LOSS         ? e->loss
                                                 : e->accuracy;
    int lower = mon == NNB_MONITOR_VAL_LOSS || mon == NNB_MONITOR_LOSS;
    double d = run->params->min_delta;
    int improved = model->best_epoch == 0 || (lower ? v < run->best_value - d : v > run->best_value + d);
    if (improved) {
        run->best_value = v;
        run->wait = 0;
        model->best_epoch = e->epoch;
        copy_params(model, 1);
        return;
    }
    run->wait++;
    if (run->wait >= run->params->patience) {
        *stop = 1;
    }
}

/* Appends the history entry of the epoch that just ended (started at t0). */
static nnb_status record_epoch(nnb_model *model, train_run *run, size_t epoch, double t0, int *stop)
{
    const nnb_train_params *params = run->params;
    nnb_history_entry e;
    float data = 0.0f, reg = 0.0f;
    nnb_status st = epoch_figures(model, run, &data, &reg, &e.accuracy);
    if (st != NNB_OK) {
        return st;
    }
    e.epoch = epoch;
    e.loss = (double)(data + reg);
    e.learning_rate = nnb_optimizer_current_lr(model->optimizer);
    e.val_loss = NAN;
    e.val_accuracy = NAN;
    if (params->validation_x != NULL) {
        float vprec = 0.0f, vloss = 0.0f;
        st = precision_for(model, params->validation_y, &vprec);
        if (st == NNB_OK) {
            st = evaluate_ws(model, params->validation_x, params->validation_y, run->vbs, vprec, &vloss,
                             &e.val_accuracy);
        }
        if (st != NNB_OK) {
            return st;
        }
        e.val_loss = (double)vloss;
    }
    e.seconds = now_seconds() - t0;
    if (params->record_history) {
        model->history[model->history_len++] = e;
    }
    if (params->early_stop != NNB_MONITOR_NONE) {
        watch_epoch(model, run, &e, stop);
    }
    return NNB_OK;
}

/* One epoch: a new row order when shuffling, every step, then the reports print_every asks for. */
static nnb_status train_epoch(nnb_model *model, train_run *run, size_t epoch, int *stop)
{
    const nnb_train_params *params = run->params;
    double t0 = now_seconds();
    if (params->shuffle) {
        shuffle_rows(model, run->n);
    }
    run->loss_sum = 0.0;
    run->acc_sum = 0.0;
    run->acc_items = 0;
    run->step_data = 0.0f;
    run->step_reg = 0.0f;
    run->step_acc = 0.0;
    for (size_t s = 0; s < run->steps; ++s) {
        nnb_status st = train_step(model, run, epoch, s);
        if (st != NNB_OK) {
            return st;
        }
        if (params->progress != NULL && params->print_every_steps != 0 &&
            (s % params->print_every_steps == 0 || s + 1 == run->steps) && report_step(model, run, epoch, s) != 0) {
            *stop = 1;
            return NNB_OK;
        }
    }
    if (params->record_history || params->early_stop != NNB_MONITOR_NONE) {
        nnb_status st = record_epoch(model, run, epoch, t0, stop);
        if (st != NNB_OK) {
            return st;
        }
    }
    int report = epoch == params->epochs || (params->print_every != 0 && epoch % params->print_every == 0);
    if (!report || params->progress == NULL) {
        return NNB_OK;
    }
    int early = *stop; /* early stopping's decision; the reports still go out */
    nnb_status st = report_epoch(model, run, epoch, stop);
    if (st != NNB_OK || *stop || params->validation_x == NULL) {
        *stop |= early;
        return st;
    }
    st = report_validation(model, run, stop);
    *stop |= early;
    return st;
}

/* Copies the rows perm[from..to) of X and the targets into fresh tensors / labels. */
static nnb_status gather_rows(const nnb_model *model, const nnb_tensor *X, const nnb_targets *t, size_t from, size_t to,
                              nnb_tensor **gx, nnb_tensor **gv, uint32_t **gl)
{
    size_t rows = to - from;
    nnb_status st = nnb_tensor_create(gx, rows, X->cols);
    if (st == NNB_OK && t->values != NULL) {
        st = nnb_tensor_create(gv, rows, t->values->cols);
    }
    if (st == NNB_OK && t->labels != NULL) {
        *gl = nnb__calloc(rows, sizeof(uint32_t));
        st = *gl == NULL ? NNB__FAIL(NNB_ERR_NOMEM) : NNB_OK;
    }
    for (size_t r = 0; r < rows && st == NNB_OK; ++r) {
        size_t src = model->perm[from + r];
        memcpy((*gx)->data + r * X->cols, X->data + src * X->cols, X->cols * sizeof(float));
        if (t->values != NULL) {
            size_t c = t->values->cols;
            memcpy((*gv)->data + r * c, t->values->data + src * c, c * sizeof(float));
        } else {
            (*gl)[r] = t->labels[src];
        }
    }
    return st;
}

/* nnb_model_train with validation_split: splits the rows as documented, then trains on the copies. */
static nnb_status train_split(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                              const nnb_train_params *params)
{
    size_t n = X->rows;
    double split = params->validation_split;
    size_t n_val = (size_t)floor(split * (double)n);
    if (params->validation_x != NULL || !(split > 0.0 && split < 1.0) || n_val == 0 || n_val >= n) {
        return NNB__FAILF(NNB_ERR_ARGUMENT,
                          "validation_split %g must be in (0, 1), leave rows on both sides of %zu and come "
                          "without validation_x",
                          split, n);
    }
    if (n > UINT32_MAX) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    nnb_status st = nnb__model_reserve_perm(model, n);
    if (st != NNB_OK) {
        return st;
    }
    nnb_tensor *vx = NULL, *vv = NULL, *tx = NULL, *tv = NULL;
    uint32_t *vl = NULL, *tl = NULL;
    /* The permutation is drawn first (the generator advances even when a copy then fails for memory). */
    shuffle_rows(model, n);
    st = gather_rows(model, X, targets, 0, n_val, &vx, &vv, &vl);
    if (st == NNB_OK) {
        st = gather_rows(model, X, targets, n_val, n, &tx, &tv, &tl);
    }
    if (st == NNB_OK) {
        nnb_targets vy = vl != NULL ? nnb_targets_from_labels(vl, n_val) : nnb_targets_from_tensor(vv);
        nnb_targets ty = tl != NULL ? nnb_targets_from_labels(tl, n - n_val) : nnb_targets_from_tensor(tv);
        nnb_train_params p = *params;
        p.validation_split = 0.0;
        p.validation_x = vx;
        p.validation_y = &vy;
        st = nnb_model_train(model, tx, &ty, &p);
    }
    nnb_tensor_destroy(vx);
    nnb_tensor_destroy(vv);
    nnb_tensor_destroy(tx);
    nnb_tensor_destroy(tv);
    nnb__free(vl);
    nnb__free(tl);
    return st;
}

nnb_status nnb_model_train(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                           const nnb_train_params *params)
{
    nnb_status st = check_train_call(model, X, targets, params);
    if (st != NNB_OK) {
        return st;
    }
    if (params->validation_split != 0.0) {
        return train_split(model, X, targets, params);
    }
    train_run run;
    memset(&run, 0, sizeof run);
    run.X = X;
    run.targets = targets;
    run.params = params;
    st = start_run(model, &run);
    /* The run's clipping: the params', or the model's stored settings when the params set none. */
    const int given = params->clip_value > 0.0 || params->clip_norm > 0.0;
    model->clip_value = given ? params->clip_value : model->keep_clip_value;
    model->clip_norm = given ? params->clip_norm : model->keep_clip_norm;
    int stop = 0;
    for (size_t epoch = 1; epoch <= params->epochs && st == NNB_OK && !stop; ++epoch) {
        st = train_epoch(model, &run, epoch, &stop);
    }
    model->clip_value = 0.0;
    model->clip_norm = 0.0;
    if (st == NNB_OK && params->early_stop != NNB_MONITOR_NONE && model->best_epoch != 0) {
        copy_params(model, 0); /* the best epoch's parameters (the last epoch's when it was the best) */
    }
    return st;
}

nnb_status nnb_model_evaluate(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets, size_t batch_size,
                              float *loss, double *accuracy)
{
    if (model == NULL || X == NULL || targets == NULL || (loss == NULL && accuracy == NULL)) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized || model->loss == NNB_LOSS_NONE) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    nnb_status st = check_data("nnb_model_evaluate", model, X, targets);
    if (st != NNB_OK) {
        return st;
    }
    size_t bs = nnb__model_effective_batch(batch_size, X->rows);
    float precision = 0.0f;
    st = precision_for(model, targets, &precision);
    if (st == NNB_OK) {
        st = nnb_model_prepare(model, bs);
    }
    if (st != NNB_OK) {
        return st;
    }
    return evaluate_ws(model, X, targets, bs, precision, loss, accuracy);
}

nnb_status nnb_model_history(const nnb_model *model, const nnb_history_entry **entries, size_t *count)
{
    if (model == NULL || entries == NULL || count == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    *entries = model->history_len > 0 ? model->history : NULL;
    *count = model->history_len;
    return NNB_OK;
}

/* A CSV field: the number, or nothing for NaN. */
static int csv_number(FILE *out, double v)
{
    return isnan(v) ? fprintf(out, ",") : fprintf(out, ",%.9g", v);
}

nnb_status nnb_model_history_write_csv(const nnb_model *model, FILE *out)
{
    if (model == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    int bad = fprintf(out, "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n") < 0;
    for (size_t i = 0; i < model->history_len && !bad; ++i) {
        const nnb_history_entry *e = &model->history[i];
        bad |= fprintf(out, "%zu", e->epoch) < 0;
        const double v[6] = {e->loss, e->accuracy, e->val_loss, e->val_accuracy, e->learning_rate, e->seconds};
        for (size_t k = 0; k < 6 && !bad; ++k) {
            bad |= csv_number(out, v[k]) < 0;
        }
        bad |= fprintf(out, "\n") < 0;
    }
    if (bad || ferror(out)) {
        return NNB__FAILF(NNB_ERR_IO, "writing the training history failed");
    }
    return NNB_OK;
}

size_t nnb_model_best_epoch(const nnb_model *model)
{
    return model == NULL ? 0u : model->best_epoch;
}
