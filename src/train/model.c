/*
 * The sequential model (chapter 18): a list of layers, a loss, an optimizer and an accuracy measure, with a
 * workspace allocated once for the largest batch.
 *
 * Training workspace: every layer owns an output buffer and a dinputs buffer of max_batch rows (linear and
 * dropout-at-inference pass their input through; the first dense layer needs no dinputs). The model holds
 * the loss gradient, per-sample losses, a gather buffer for shuffled batches and the permutation. The
 * tensors that point into these buffers are headers embedded in the structs, re-aimed at every batch, so
 * nothing is allocated per step.
 */
#include <math.h>
#include <string.h>
#include <time.h>

#include "base/alloc_internal.h"
#include "layers/dense_internal.h"
#include "tensor/tensor_internal.h"
#include "nnbasics/activation.h"
#include "nnbasics/loss.h"
#include "nnbasics/metrics.h"
#include "train/optimizer_internal.h"
#include "nnbasics/model.h"

typedef struct model_layer {
    nnb_layer_kind kind;
    size_t n_in;
    size_t n_out;
    float init_scale;
    float rate;
    nnb_regularization reg;
    nnb_dense *dense;

    /* Workspace (max_batch rows). */
    float *out_buf;  /* dense, relu, softmax, sigmoid, dropout */
    float *din_buf;  /* every kind except linear and the first layer */
    float *mask_buf; /* dropout */

    /* Per-batch headers and links, set by forward. */
    nnb_tensor out;
    nnb_tensor dinputs;
    nnb_tensor mask;
    const nnb_tensor *input;  /* what the layer received */
    const nnb_tensor *output; /* where its output is (&out, or its input when passing through) */
    int dropped;              /* dropout applied in this forward (training) */
} model_layer;

struct nnb_model {
    nnb_rng *rng;
    model_layer *layers;
    size_t n_layers;
    size_t cap_layers;
    int finalized;
    int fused_allowed;
    int fused;
    nnb_loss_kind loss;
    nnb_accuracy_kind accuracy;
    nnb_optimizer *optimizer;
    float precision;
    int precision_set;

    /* Training workspace. */
    size_t ws_batch;    /* rows the buffers hold (0: none yet) */
    float *dloss_buf;   /* ws_batch x output width: gradient of the loss w.r.t. the last output */
    float *per_sample;  /* ws_batch per-sample losses */
    float *gather_x;    /* ws_batch x input width */
    float *gather_v;    /* ws_batch x output width (float targets) */
    uint32_t *gather_l; /* ws_batch labels */
    uint32_t *perm;     /* perm_cap row indices */
    size_t perm_cap;
    nnb_tensor dloss;
    nnb__gemm_scratch scratch; /* GEMM packing memory for the dense layers' products */
    size_t scratch_threads;    /* thread setting and arithmetic mode the scratch was sized for */
    nnb_arithmetic scratch_mode;

    /* Optional numerical health check (nnb_model_set_health_check) and where the current step is. */
    int health_on;
    nnb_health_report health;
    size_t cur_epoch;
    size_t cur_step;
};

struct nnb_model_workspace {
    size_t max_batch;
    size_t width; /* largest layer width the buffers hold */
    float *buf[2];
    nnb__gemm_scratch scratch; /* GEMM packing memory for the forward products */
};

/* GEMM scratch that the dense layers need for batches of `batch` rows (forward only, or with backward). */
static size_t model_scratch_bytes(const nnb_model *m, size_t batch, int training)
{
    size_t most = 0;
    for (size_t i = 0; i < m->n_layers; ++i) {
        const nnb_dense *d = m->layers[i].dense;
        if (d == NULL) {
            continue;
        }
        size_t b = training ? nnb__dense_scratch_bytes(d, batch)
                            : nnb__gemm_scratch_bytes(batch, nnb_dense_n_neurons(d), nnb_dense_n_inputs(d));
        most = b > most ? b : most;
    }
    return most;
}

/* ---------------------------------------------------------------- creation and building */

static nnb_status model_new(nnb_model **out, nnb_rng *rng)
{
    nnb_model *m = nnb__calloc(1, sizeof *m);
    if (m == NULL) {
        nnb_rng_destroy(rng);
        return NNB_ERR_NOMEM;
    }
    m->rng = rng;
    m->fused_allowed = 1;
    *out = m;
    return NNB_OK;
}

nnb_status nnb_model_create(nnb_model **out, uint32_t seed)
{
    if (out == NULL) {
        return NNB_ERR_NULL;
    }
    nnb_rng *rng = NULL;
    nnb_status st = nnb_rng_create(&rng, seed);
    if (st != NNB_OK) {
        return st;
    }
    return model_new(out, rng);
}

nnb_status nnb_model_create_from_rng(nnb_model **out, const nnb_rng *rng)
{
    if (out == NULL || rng == NULL) {
        return NNB_ERR_NULL;
    }
    nnb_rng *copy = NULL;
    nnb_status st = nnb_rng_clone(&copy, rng);
    if (st != NNB_OK) {
        return st;
    }
    return model_new(out, copy);
}

static void free_layer_workspace(model_layer *l)
{
    nnb__aligned_free(l->out_buf);
    nnb__aligned_free(l->din_buf);
    nnb__aligned_free(l->mask_buf);
    l->out_buf = NULL;
    l->din_buf = NULL;
    l->mask_buf = NULL;
}

static void free_model_workspace(nnb_model *m)
{
    for (size_t i = 0; i < m->n_layers; ++i) {
        free_layer_workspace(&m->layers[i]);
    }
    nnb__aligned_free(m->dloss_buf);
    nnb__aligned_free(m->per_sample);
    nnb__aligned_free(m->gather_x);
    nnb__aligned_free(m->gather_v);
    nnb__free(m->gather_l);
    nnb__aligned_free(m->scratch.data);
    m->scratch.data = NULL;
    m->scratch.bytes = 0;
    m->dloss_buf = NULL;
    m->per_sample = NULL;
    m->gather_x = NULL;
    m->gather_v = NULL;
    m->gather_l = NULL;
    m->ws_batch = 0;
}

void nnb_model_destroy(nnb_model *model)
{
    if (model == NULL) {
        return;
    }
    free_model_workspace(model);
    for (size_t i = 0; i < model->n_layers; ++i) {
        nnb_dense_destroy(model->layers[i].dense);
    }
    nnb__free(model->layers);
    nnb__free(model->perm);
    nnb_optimizer_destroy(model->optimizer);
    nnb_rng_destroy(model->rng);
    nnb__free(model);
}

/* Room for one more layer (the array only grows while building). */
static nnb_status reserve_layer(nnb_model *m)
{
    if (m->n_layers < m->cap_layers) {
        return NNB_OK;
    }
    size_t cap = m->cap_layers == 0 ? 8u : m->cap_layers * 2u;
    size_t bytes;
    if (nnb__mul_size(cap, sizeof(model_layer), &bytes) != NNB_OK) {
        return NNB_ERR_OVERFLOW;
    }
    model_layer *grown = nnb__malloc(bytes);
    if (grown == NULL) {
        return NNB_ERR_NOMEM;
    }
    if (m->n_layers > 0) {
        memcpy(grown, m->layers, m->n_layers * sizeof(model_layer));
    }
    nnb__free(m->layers);
    m->layers = grown;
    m->cap_layers = cap;
    return NNB_OK;
}

/* Width of the output of the last layer added (0 if none). */
static size_t last_width(const nnb_model *m)
{
    return m->n_layers == 0 ? 0u : m->layers[m->n_layers - 1].n_out;
}

static nnb_status check_building(const nnb_model *m)
{
    if (m == NULL) {
        return NNB_ERR_NULL;
    }
    return m->finalized ? NNB_ERR_STATE : NNB_OK;
}

static nnb_status add_simple(nnb_model *m, nnb_layer_kind kind, float rate)
{
    nnb_status st = reserve_layer(m);
    if (st != NNB_OK) {
        return st;
    }
    model_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->n_in = last_width(m);
    l->n_out = l->n_in;
    l->rate = rate;
    m->n_layers++;
    return NNB_OK;
}

static int reg_valid(const nnb_regularization *r)
{
    const float v[4] = {r->weight_l1, r->weight_l2, r->bias_l1, r->bias_l2};
    for (size_t i = 0; i < 4; ++i) {
        if (!(isfinite(v[i]) && v[i] >= 0.0f)) {
            return 0;
        }
    }
    return 1;
}

nnb_status nnb_model_add_dense(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                               const nnb_regularization *reg)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (n_inputs == 0 || n_neurons == 0 || !isfinite(init_scale) || (reg != NULL && !reg_valid(reg))) {
        return NNB_ERR_ARGUMENT;
    }
    size_t count;
    st = nnb__mul_size(n_inputs, n_neurons, &count);
    if (st != NNB_OK) {
        return st;
    }
    st = reserve_layer(model);
    if (st != NNB_OK) {
        return st;
    }
    /* nnb_dense_create draws no normals when it fails, so the generator is untouched on failure. */
    nnb_dense *dense = NULL;
    st = nnb_dense_create(&dense, n_inputs, n_neurons, model->rng, init_scale);
    if (st != NNB_OK) {
        return st;
    }
    if (reg != NULL) {
        st = nnb_dense_set_regularization(dense, reg);
        if (st != NNB_OK) {
            nnb_dense_destroy(dense);
            return st;
        }
    }
    model_layer *l = &model->layers[model->n_layers];
    memset(l, 0, sizeof *l);
    l->kind = NNB_LAYER_DENSE;
    l->n_in = n_inputs;
    l->n_out = n_neurons;
    l->init_scale = init_scale;
    if (reg != NULL) {
        l->reg = *reg;
    }
    l->dense = dense;
    model->n_layers++;
    return NNB_OK;
}

nnb_status nnb_model_add_relu(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_RELU, 0.0f);
}

nnb_status nnb_model_add_softmax(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_SOFTMAX, 0.0f);
}

nnb_status nnb_model_add_sigmoid(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_SIGMOID, 0.0f);
}

nnb_status nnb_model_add_linear(nnb_model *model)
{
    nnb_status st = check_building(model);
    return st != NNB_OK ? st : add_simple(model, NNB_LAYER_LINEAR, 0.0f);
}

nnb_status nnb_model_add_dropout(nnb_model *model, float rate)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (!(rate >= 0.0f && rate < 1.0f)) {
        return NNB_ERR_ARGUMENT;
    }
    return add_simple(model, NNB_LAYER_DROPOUT, rate);
}

nnb_status nnb_model_set_loss(nnb_model *model, nnb_loss_kind kind)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    switch (kind) {
    case NNB_LOSS_NONE:
    case NNB_LOSS_CCE:
    case NNB_LOSS_BCE:
    case NNB_LOSS_MSE:
    case NNB_LOSS_MAE: model->loss = kind; return NNB_OK;
    }
    return NNB_ERR_ARGUMENT;
}

nnb_status nnb_model_set_optimizer(nnb_model *model, const nnb_optimizer_params *params)
{
    if (model == NULL || params == NULL) {
        return NNB_ERR_NULL;
    }
    nnb_optimizer *opt = NULL;
    nnb_status st = nnb_optimizer_create(&opt, params);
    if (st != NNB_OK) {
        return st;
    }
    nnb_optimizer_destroy(model->optimizer);
    model->optimizer = opt;
    return NNB_OK;
}

nnb_status nnb_model_set_accuracy(nnb_model *model, nnb_accuracy_kind kind)
{
    if (model == NULL) {
        return NNB_ERR_NULL;
    }
    switch (kind) {
    case NNB_ACCURACY_NONE:
    case NNB_ACCURACY_CATEGORICAL:
    case NNB_ACCURACY_BINARY:
    case NNB_ACCURACY_REGRESSION:
        model->accuracy = kind;
        if (kind == NNB_ACCURACY_REGRESSION) {
            model->precision = 0.0f;
            model->precision_set = 0;
        }
        return NNB_OK;
    }
    return NNB_ERR_ARGUMENT;
}

nnb_status nnb_model_set_fused_backward(nnb_model *model, int enabled)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    model->fused_allowed = enabled != 0;
    return NNB_OK;
}

nnb_status nnb_model_finalize(nnb_model *model)
{
    nnb_status st = check_building(model);
    if (st != NNB_OK) {
        return st;
    }
    if (model->n_layers == 0 || model->layers[0].kind != NNB_LAYER_DENSE) {
        return NNB_ERR_STATE;
    }
    size_t width = model->layers[0].n_in;
    for (size_t i = 0; i < model->n_layers; ++i) {
        model_layer *l = &model->layers[i];
        if (l->kind == NNB_LAYER_DENSE) {
            if (l->n_in != width) {
                return NNB_ERR_SHAPE;
            }
            width = l->n_out;
        }
    }
    /* Widths of the pass-through layers follow the dense layer before them. */
    width = model->layers[0].n_in;
    for (size_t i = 0; i < model->n_layers; ++i) {
        model_layer *l = &model->layers[i];
        if (l->kind != NNB_LAYER_DENSE) {
            l->n_in = width;
            l->n_out = width;
        }
        width = l->n_out;
    }
    model->fused = model->fused_allowed && model->loss == NNB_LOSS_CCE &&
                   model->layers[model->n_layers - 1].kind == NNB_LAYER_SOFTMAX;
    model->finalized = 1;
    return NNB_OK;
}

/* ---------------------------------------------------------------- workspace */

/* Activations that run in the buffer of the dense layer before them (see forward_ws). */
static int runs_in_place(nnb_layer_kind kind)
{
    return kind == NNB_LAYER_RELU || kind == NNB_LAYER_SOFTMAX || kind == NNB_LAYER_SIGMOID;
}

static float *alloc_floats(size_t rows, size_t cols, nnb_status *st)
{
    size_t bytes;
    if (nnb__mul3_size(rows, cols, sizeof(float), &bytes) != NNB_OK) {
        *st = NNB_ERR_OVERFLOW;
        return NULL;
    }
    float *p = nnb__aligned_alloc(bytes);
    if (p == NULL) {
        *st = NNB_ERR_NOMEM;
    }
    return p;
}

nnb_status nnb_model_prepare(nnb_model *model, size_t max_batch)
{
    if (model == NULL) {
        return NNB_ERR_NULL;
    }
    if (!model->finalized) {
        return NNB_ERR_STATE;
    }
    if (max_batch == 0) {
        return NNB_ERR_ARGUMENT;
    }
    if (max_batch <= model->ws_batch) {
        /* The buffers fit; the GEMM scratch may still need to grow if the thread setting or mode changed. */
        size_t threads = nnb_get_num_threads();
        nnb_arithmetic mode = nnb_get_arithmetic();
        if (threads == model->scratch_threads && mode == model->scratch_mode) {
            return NNB_OK;
        }
        nnb_status st = nnb__gemm_scratch_reserve(&model->scratch, model_scratch_bytes(model, model->ws_batch, 1));
        if (st == NNB_OK) {
            model->scratch_threads = threads;
            model->scratch_mode = mode;
        }
        return st;
    }
    /* Build the whole new workspace aside; swap it in only when every allocation succeeded. */
    nnb_model fresh;
    memset(&fresh, 0, sizeof fresh);
    model_layer *fl = nnb__calloc(model->n_layers, sizeof *fl);
    if (fl == NULL) {
        return NNB_ERR_NOMEM;
    }
    fresh.layers = fl;
    fresh.n_layers = model->n_layers;
    nnb_status st = NNB_OK;
    size_t in_w = model->layers[0].n_in;
    size_t out_w = last_width(model);
    for (size_t i = 0; i < model->n_layers && st == NNB_OK; ++i) {
        const model_layer *l = &model->layers[i];
        /* An activation right after a dense layer works in that layer's buffer (see forward_ws). */
        int in_place = runs_in_place(l->kind) && i > 0 && model->layers[i - 1].kind == NNB_LAYER_DENSE;
        if (l->kind != NNB_LAYER_LINEAR) {
            if (!in_place) {
                fl[i].out_buf = alloc_floats(max_batch, l->n_out, &st);
            }
            if (st == NNB_OK && i > 0) {
                fl[i].din_buf = alloc_floats(max_batch, l->n_in, &st);
            }
        }
        if (st == NNB_OK && l->kind == NNB_LAYER_DROPOUT) {
            fl[i].mask_buf = alloc_floats(max_batch, l->n_in, &st);
        }
    }
    if (st == NNB_OK) {
        fresh.dloss_buf = alloc_floats(max_batch, out_w, &st);
    }
    if (st == NNB_OK) {
        fresh.per_sample = alloc_floats(max_batch, 1, &st);
    }
    if (st == NNB_OK) {
        fresh.gather_x = alloc_floats(max_batch, in_w, &st);
    }
    if (st == NNB_OK) {
        fresh.gather_v = alloc_floats(max_batch, out_w, &st);
    }
    if (st == NNB_OK) {
        fresh.gather_l = nnb__calloc(max_batch, sizeof(uint32_t));
        if (fresh.gather_l == NULL) {
            st = NNB_ERR_NOMEM;
        }
    }
    if (st == NNB_OK) {
        st = nnb__gemm_scratch_reserve(&fresh.scratch, model_scratch_bytes(model, max_batch, 1));
    }
    if (st != NNB_OK) {
        free_model_workspace(&fresh);
        nnb__free(fl);
        return st;
    }
    free_model_workspace(model);
    for (size_t i = 0; i < model->n_layers; ++i) {
        model->layers[i].out_buf = fl[i].out_buf;
        model->layers[i].din_buf = fl[i].din_buf;
        model->layers[i].mask_buf = fl[i].mask_buf;
    }
    nnb__free(fl);
    model->dloss_buf = fresh.dloss_buf;
    model->per_sample = fresh.per_sample;
    model->gather_x = fresh.gather_x;
    model->gather_v = fresh.gather_v;
    model->gather_l = fresh.gather_l;
    model->scratch = fresh.scratch;
    model->scratch_threads = nnb_get_num_threads();
    model->scratch_mode = nnb_get_arithmetic();
    model->ws_batch = max_batch;
    return NNB_OK;
}

/* Ensures the permutation holds at least n entries. */
static nnb_status reserve_perm(nnb_model *m, size_t n)
{
    if (n <= m->perm_cap) {
        return NNB_OK;
    }
    uint32_t *p = nnb__calloc(n, sizeof(uint32_t));
    if (p == NULL) {
        return NNB_ERR_NOMEM;
    }
    nnb__free(m->perm);
    m->perm = p;
    m->perm_cap = n;
    return NNB_OK;
}

/* ---------------------------------------------------------------- validation */

static int labels_present(const nnb_targets *t)
{
    return t->labels != NULL;
}

/*
 * Checks one data set (X, targets) against the model, in the library's order: NULLs, values (labels only go
 * with CCE and categorical accuracy), shapes, contents.
 */
static nnb_status check_data(const nnb_model *m, const nnb_tensor *X, const nnb_targets *t)
{
    if (X == NULL || t == NULL || (t->labels == NULL && t->values == NULL)) {
        return NNB_ERR_NULL;
    }
    if (t->labels != NULL && t->values != NULL) {
        return NNB_ERR_ARGUMENT;
    }
    if (labels_present(t)) {
        if (m->loss != NNB_LOSS_CCE) {
            return NNB_ERR_ARGUMENT;
        }
        if (m->accuracy != NNB_ACCURACY_NONE && m->accuracy != NNB_ACCURACY_CATEGORICAL) {
            return NNB_ERR_ARGUMENT;
        }
    }
    size_t rows = nnb_tensor_rows(X);
    size_t out_w = last_width(m);
    if (nnb_tensor_cols(X) != m->layers[0].n_in) {
        return NNB_ERR_SHAPE;
    }
    if (labels_present(t)) {
        if (t->count != rows) {
            return NNB_ERR_SHAPE;
        }
    } else if (nnb_tensor_rows(t->values) != rows || nnb_tensor_cols(t->values) != out_w) {
        return NNB_ERR_SHAPE;
    }
    if (labels_present(t) && !nnb__labels_in_range(t->labels, rows, out_w)) {
        return NNB_ERR_RANGE;
    }
    nnb_status st = nnb_tensor_check_finite(X, NULL);
    if (st == NNB_OK && t->values != NULL) {
        st = nnb_tensor_check_finite(t->values, NULL);
    }
    return st;
}

/* ---------------------------------------------------------------- forward / loss / backward */

/* Forward of a batch through the training workspace. training: dropout active. */
/*
 * With the health check on: records the first non-finite value of t (phase, layer, current step) and
 * returns NNB_ERR_NONFINITE; NNB_OK otherwise. Called only when m->health_on, so it costs nothing when off.
 */
static nnb_status health_check(nnb_model *m, const nnb_tensor *t, nnb_health_phase phase, size_t layer)
{
    if (t == NULL || nnb_tensor_check_finite(t, NULL) == NNB_OK) {
        return NNB_OK;
    }
    if (m->health.phase == NNB_HEALTH_NONE) {
        m->health.phase = phase;
        m->health.epoch = m->cur_epoch;
        m->health.step = m->cur_step;
        m->health.layer = layer;
    }
    return NNB_ERR_NONFINITE;
}

static nnb_status forward_ws(nnb_model *m, const nnb_tensor *xb, int training)
{
    const nnb_tensor *cur = xb;
    model_layer *producer = NULL; /* the layer whose buffer holds cur (NULL: the caller's data) */
    size_t rows = xb->rows;
    for (size_t i = 0; i < m->n_layers; ++i) {
        model_layer *l = &m->layers[i];
        nnb_status st = NNB_OK;
        l->input = cur;
        l->dropped = 0;
        if (l->kind == NNB_LAYER_LINEAR || (l->kind == NNB_LAYER_DROPOUT && !training)) {
            l->output = cur;
            continue;
        }
        /*
         * An activation straight after a dense layer runs in place, in the dense layer's buffer (one pass
         * over memory fewer): no backward needs the dense output; softmax and sigmoid backwards read their
         * own output; the ReLU backward's mask (input <= 0) is the same read from its output (output <= 0).
         */
        if (runs_in_place(l->kind) && producer != NULL && producer->kind == NNB_LAYER_DENSE) {
            nnb_tensor *t = &producer->out;
            st = l->kind == NNB_LAYER_RELU      ? nnb_relu_forward(t, t)
                 : l->kind == NNB_LAYER_SOFTMAX ? nnb_softmax_forward(t, t)
                                                : nnb_sigmoid_forward(t, t);
            l->output = t; /* l->input is t too: cur is the producer's buffer */
            if (st == NNB_OK && m->health_on && training) {
                st = health_check(m, cur, NNB_HEALTH_FORWARD, i);
            }
            if (st != NNB_OK) {
                return st;
            }
            continue;
        }
        nnb__tensor_view_init(&l->out, l->out_buf, rows, l->n_out);
        switch (l->kind) {
        case NNB_LAYER_DENSE: st = nnb__dense_forward_ws(l->dense, cur, &l->out, &m->scratch); break;
        case NNB_LAYER_RELU: st = nnb_relu_forward(cur, &l->out); break;
        case NNB_LAYER_SOFTMAX: st = nnb_softmax_forward(cur, &l->out); break;
        case NNB_LAYER_SIGMOID: st = nnb_sigmoid_forward(cur, &l->out); break;
        case NNB_LAYER_DROPOUT:
            nnb__tensor_view_init(&l->mask, l->mask_buf, rows, l->n_in);
            st = nnb_dropout_forward(m->rng, l->rate, cur, &l->mask, &l->out);
            l->dropped = 1;
            break;
        case NNB_LAYER_LINEAR: break;
        }
        if (st != NNB_OK) {
            return st;
        }
        l->output = &l->out;
        cur = &l->out;
        producer = l;
        if (m->health_on && training) {
            st = health_check(m, cur, NNB_HEALTH_FORWARD, i);
            if (st != NNB_OK) {
                return st;
            }
        }
    }
    return NNB_OK;
}

static const nnb_tensor *model_output(const nnb_model *m)
{
    return m->layers[m->n_layers - 1].output;
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
    return NNB_ERR_STATE;
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
    return NNB_ERR_STATE;
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

/* (probs - onehot) / batch for one-hot targets, in float32 as the sparse form. */
static void softmax_cce_onehot_backward(const nnb_tensor *probs, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    float n = (float)probs->rows;
    size_t total = probs->rows * probs->cols;
    for (size_t i = 0; i < total; ++i) {
        dinputs->data[i] = (probs->data[i] - targets->data[i]) / n;
    }
}

static nnb_status backward_ws(nnb_model *m, const nnb_targets *tb)
{
    const nnb_tensor *pred = model_output(m);
    size_t rows = pred->rows;
    size_t last = m->n_layers - 1;
    const nnb_tensor *dv;
    size_t i;
    nnb_status st;
    if (m->fused) {
        model_layer *sm = &m->layers[last];
        nnb__tensor_view_init(&sm->dinputs, sm->din_buf, rows, sm->n_in);
        if (tb->labels != NULL) {
            st = nnb_softmax_cce_backward(pred, tb->labels, tb->count, &sm->dinputs);
            if (st != NNB_OK) {
                return st;
            }
        } else {
            softmax_cce_onehot_backward(pred, tb->values, &sm->dinputs);
        }
        dv = &sm->dinputs;
        i = last;
    } else {
        nnb__tensor_view_init(&m->dloss, m->dloss_buf, rows, pred->cols);
        switch (m->loss) {
        case NNB_LOSS_CCE:
            st = tb->labels != NULL ? nnb_cce_sparse_backward(pred, tb->labels, tb->count, &m->dloss)
                                    : nnb_cce_onehot_backward(pred, tb->values, &m->dloss);
            break;
        case NNB_LOSS_BCE: st = nnb_bce_backward(pred, tb->values, &m->dloss); break;
        case NNB_LOSS_MSE: st = nnb_mse_backward(pred, tb->values, &m->dloss); break;
        case NNB_LOSS_MAE: st = nnb_mae_backward(pred, tb->values, &m->dloss); break;
        case NNB_LOSS_NONE:
        default: st = NNB_ERR_STATE; break;
        }
        if (st != NNB_OK) {
            return st;
        }
        dv = &m->dloss;
        i = m->n_layers;
    }
    while (i-- > 0) {
        model_layer *l = &m->layers[i];
        if (l->kind == NNB_LAYER_LINEAR || (l->kind == NNB_LAYER_DROPOUT && !l->dropped)) {
            continue;
        }
        nnb_tensor *din = NULL;
        if (i > 0) {
            nnb__tensor_view_init(&l->dinputs, l->din_buf, rows, l->n_in);
            din = &l->dinputs;
        }
        switch (l->kind) {
        case NNB_LAYER_DENSE: st = nnb__dense_backward_ws(l->dense, l->input, dv, din, &m->scratch); break;
        case NNB_LAYER_RELU: st = din == NULL ? NNB_OK : nnb_relu_backward(l->input, dv, din); break;
        case NNB_LAYER_SOFTMAX: st = din == NULL ? NNB_OK : nnb_softmax_backward(l->output, dv, din); break;
        case NNB_LAYER_SIGMOID: st = din == NULL ? NNB_OK : nnb_sigmoid_backward(l->output, dv, din); break;
        case NNB_LAYER_DROPOUT: st = din == NULL ? NNB_OK : nnb_dropout_backward(&l->mask, dv, din); break;
        case NNB_LAYER_LINEAR: st = NNB_OK; break;
        }
        if (st == NNB_OK && m->health_on) {
            st = health_check(m, din, NNB_HEALTH_BACKWARD, i);
            if (st == NNB_OK && l->dense != NULL) {
                st = health_check(m, nnb_dense_dweights(l->dense), NNB_HEALTH_BACKWARD, i);
            }
            if (st == NNB_OK && l->dense != NULL) {
                st = health_check(m, nnb_dense_dbiases(l->dense), NNB_HEALTH_BACKWARD, i);
            }
        }
        if (st != NNB_OK) {
            return st;
        }
        if (din != NULL) {
            dv = din;
        }
    }
    return NNB_OK;
}

static nnb_status optimize(nnb_model *m)
{
    /* Every layer's optimizer state first: a failed allocation must not leave half a step applied. */
    for (size_t i = 0; i < m->n_layers; ++i) {
        if (m->layers[i].dense != NULL) {
            nnb_status st = nnb__optimizer_prepare_dense(m->optimizer, m->layers[i].dense);
            if (st != NNB_OK) {
                return st;
            }
        }
    }
    nnb_status st = nnb_optimizer_pre_update(m->optimizer);
    for (size_t i = 0; i < m->n_layers && st == NNB_OK; ++i) {
        const nnb_dense *d = m->layers[i].dense;
        if (d != NULL) {
            st = nnb_optimizer_update_dense(m->optimizer, m->layers[i].dense);
            if (st == NNB_OK && m->health_on) {
                st = health_check(m, nnb_dense_weights(d), NNB_HEALTH_UPDATE, i);
            }
            if (st == NNB_OK && m->health_on) {
                st = health_check(m, nnb_dense_biases(d), NNB_HEALTH_UPDATE, i);
            }
        }
    }
    if (st == NNB_OK) {
        st = nnb_optimizer_post_update(m->optimizer);
    }
    return st;
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

static size_t effective_batch(size_t batch_size, size_t rows)
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
        nnb_status st = forward_ws(m, &xb, 0);
        float mean = 0.0f;
        if (st == NNB_OK) {
            st = batch_loss(m, model_output(m), &tb, &mean);
        }
        double acc = 0.0;
        size_t items = 0;
        if (st == NNB_OK && accuracy != NULL) {
            st = batch_accuracy(m, model_output(m), &tb, precision, &acc, &items);
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
        return NNB_ERR_NONFINITE;
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

nnb_status nnb_model_train(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                           const nnb_train_params *params)
{
    if (model == NULL || X == NULL || targets == NULL || params == NULL) {
        return NNB_ERR_NULL;
    }
    if (params->validation_x != NULL && params->validation_y == NULL) {
        return NNB_ERR_NULL;
    }
    if (!model->finalized || model->loss == NNB_LOSS_NONE || model->optimizer == NULL) {
        return NNB_ERR_STATE;
    }
    if (params->epochs == 0) {
        return NNB_ERR_ARGUMENT;
    }
    nnb_status st = check_data(model, X, targets);
    const nnb_tensor *vx = params->validation_x;
    if (st == NNB_OK && vx != NULL) {
        st = check_data(model, vx, params->validation_y);
    }
    if (st != NNB_OK) {
        return st;
    }
    size_t n = X->rows;
    if (n > UINT32_MAX) {
        return NNB_ERR_OVERFLOW;
    }
    size_t bs = effective_batch(params->batch_size, n);
    size_t vbs = vx != NULL ? effective_batch(params->batch_size == 0 ? vx->rows : params->batch_size, vx->rows) : 0;
    float precision = 0.0f;
    st = precision_for(model, targets, &precision);
    if (st == NNB_OK) {
        st = nnb_model_prepare(model, bs > vbs ? bs : vbs);
    }
    if (st == NNB_OK && params->shuffle) {
        st = reserve_perm(model, n);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (model->accuracy == NNB_ACCURACY_REGRESSION && !model->precision_set) {
        model->precision = precision;
        model->precision_set = 1;
    }

    memset(&model->health, 0, sizeof model->health);
    size_t steps = (n + bs - 1) / bs;
    const uint32_t *order = params->shuffle ? model->perm : NULL;
    double t_mark = now_seconds();
    size_t samples_since = 0;
    nnb_progress rep;
    memset(&rep, 0, sizeof rep);
    rep.epochs = params->epochs;
    rep.steps = steps;

    for (size_t epoch = 1; epoch <= params->epochs; ++epoch) {
        if (params->shuffle) {
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
        double loss_sum = 0.0, acc_sum = 0.0;
        size_t acc_items = 0;
        float step_data = 0.0f, step_reg = 0.0f;
        double step_acc = 0.0;
        for (size_t s = 0; s < steps; ++s) {
            size_t start = s * bs;
            size_t rows = n - start < bs ? n - start : bs;
            nnb_tensor xb, vb;
            nnb_targets tb;
            make_batch(model, X, targets, order, start, rows, &xb, &vb, &tb);
            model->cur_epoch = epoch;
            model->cur_step = s;
            st = forward_ws(model, &xb, 1);
            if (st == NNB_OK) {
                st = batch_loss(model, model_output(model), &tb, &step_data);
            }
            if (st == NNB_OK) {
                st = regularization_loss(model, &step_reg);
            }
            if (st == NNB_OK && !(isfinite(step_data) && isfinite(step_reg))) {
                st = NNB_ERR_NONFINITE;
                if (model->health_on && model->health.phase == NNB_HEALTH_NONE) {
                    model->health.phase = NNB_HEALTH_LOSS;
                    model->health.epoch = epoch;
                    model->health.step = s;
                    model->health.layer = model->n_layers - 1;
                }
            }
            size_t items = 0;
            if (st == NNB_OK) {
                st = batch_accuracy(model, model_output(model), &tb, precision, &step_acc, &items);
            }
            if (st == NNB_OK) {
                st = backward_ws(model, &tb);
            }
            if (st == NNB_OK) {
                st = optimize(model);
            }
            if (st != NNB_OK) {
                return st;
            }
            for (size_t r = 0; r < rows; ++r) {
                loss_sum += (double)model->per_sample[r];
            }
            acc_sum += step_acc * (double)items;
            acc_items += items;
            samples_since += rows;
            if (params->progress != NULL && params->print_every_steps != 0 &&
                (s % params->print_every_steps == 0 || s + 1 == steps)) {
                rep.event = NNB_PROGRESS_STEP;
                rep.epoch = epoch;
                rep.step = s;
                rep.data_loss = step_data;
                rep.regularization_loss = step_reg;
                rep.loss = step_data + step_reg;
                rep.accuracy = step_acc;
                rep.learning_rate = nnb_optimizer_current_lr(model->optimizer);
                rep.samples_per_second = 0.0;
                if (params->progress(&rep, params->user) != 0) {
                    return NNB_OK;
                }
            }
        }
        int report = epoch == params->epochs || (params->print_every != 0 && epoch % params->print_every == 0);
        if (!report || params->progress == NULL) {
            continue;
        }
        rep.event = NNB_PROGRESS_EPOCH;
        rep.epoch = epoch;
        rep.step = steps - 1;
        if (steps == 1) {
            rep.data_loss = step_data;
            rep.regularization_loss = step_reg;
            rep.accuracy = step_acc;
        } else {
            rep.data_loss = (float)(loss_sum / (double)n);
            st = regularization_loss(model, &rep.regularization_loss);
            if (st != NNB_OK) {
                return st;
            }
            rep.accuracy = acc_items == 0 ? 0.0 : acc_sum / (double)acc_items;
        }
        rep.loss = rep.data_loss + rep.regularization_loss;
        rep.learning_rate = nnb_optimizer_current_lr(model->optimizer);
        double t_now = now_seconds();
        rep.samples_per_second = t_now > t_mark ? (double)samples_since / (t_now - t_mark) : 0.0;
        t_mark = t_now;
        samples_since = 0;
        if (params->progress(&rep, params->user) != 0) {
            return NNB_OK;
        }
        if (vx != NULL) {
            float vprec = 0.0f;
            float vloss = 0.0f;
            double vacc = 0.0;
            st = precision_for(model, params->validation_y, &vprec);
            if (st == NNB_OK) {
                st = evaluate_ws(model, vx, params->validation_y, vbs, vprec, &vloss, &vacc);
            }
            if (st != NNB_OK) {
                return st;
            }
            rep.event = NNB_PROGRESS_VALIDATION;
            rep.data_loss = vloss;
            rep.regularization_loss = 0.0f;
            rep.loss = vloss;
            rep.accuracy = vacc;
            rep.samples_per_second = 0.0;
            if (params->progress(&rep, params->user) != 0) {
                return NNB_OK;
            }
            t_mark = now_seconds();
        }
    }
    return NNB_OK;
}

nnb_status nnb_model_evaluate(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets, size_t batch_size,
                              float *loss, double *accuracy)
{
    if (model == NULL || X == NULL || targets == NULL || (loss == NULL && accuracy == NULL)) {
        return NNB_ERR_NULL;
    }
    if (!model->finalized || model->loss == NNB_LOSS_NONE) {
        return NNB_ERR_STATE;
    }
    nnb_status st = check_data(model, X, targets);
    if (st != NNB_OK) {
        return st;
    }
    size_t bs = effective_batch(batch_size, X->rows);
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

/* ---------------------------------------------------------------- prediction */

static size_t max_width(const nnb_model *m)
{
    size_t w = 0;
    for (size_t i = 0; i < m->n_layers; ++i) {
        if (m->layers[i].n_in > w) {
            w = m->layers[i].n_in;
        }
        if (m->layers[i].n_out > w) {
            w = m->layers[i].n_out;
        }
    }
    return w;
}

static nnb_status workspace_new(nnb_model_workspace **out, size_t max_batch, size_t width, size_t scratch_bytes)
{
    nnb_model_workspace *ws = nnb__calloc(1, sizeof *ws);
    if (ws == NULL) {
        return NNB_ERR_NOMEM;
    }
    nnb_status st = NNB_OK;
    ws->buf[0] = alloc_floats(max_batch, width, &st);
    if (st == NNB_OK) {
        ws->buf[1] = alloc_floats(max_batch, width, &st);
    }
    if (st == NNB_OK) {
        st = nnb__gemm_scratch_reserve(&ws->scratch, scratch_bytes);
    }
    if (st != NNB_OK) {
        nnb_model_workspace_destroy(ws);
        return st;
    }
    ws->max_batch = max_batch;
    ws->width = width;
    *out = ws;
    return NNB_OK;
}

nnb_status nnb_model_workspace_create(nnb_model_workspace **out, const nnb_model *model, size_t max_batch)
{
    if (out == NULL || model == NULL) {
        return NNB_ERR_NULL;
    }
    if (!model->finalized) {
        return NNB_ERR_STATE;
    }
    if (max_batch == 0) {
        return NNB_ERR_ARGUMENT;
    }
    return workspace_new(out, max_batch, max_width(model), model_scratch_bytes(model, max_batch, 0));
}

void nnb_model_workspace_destroy(nnb_model_workspace *ws)
{
    if (ws == NULL) {
        return;
    }
    nnb__aligned_free(ws->buf[0]);
    nnb__aligned_free(ws->buf[1]);
    nnb__aligned_free(ws->scratch.data);
    nnb__free(ws);
}

/* Inference forward of one batch; returns the tensor holding the output (inside ws). */
static nnb_status forward_predict(const nnb_model *m, const nnb_tensor *xb, nnb_model_workspace *ws, nnb_tensor hdr[2],
                                  const nnb_tensor **result)
{
    const nnb_tensor *cur = xb;
    int next = 0;
    size_t rows = xb->rows;
    for (size_t i = 0; i < m->n_layers; ++i) {
        const model_layer *l = &m->layers[i];
        nnb_status st = NNB_OK;
        if (l->kind == NNB_LAYER_DENSE) {
            nnb__tensor_view_init(&hdr[next], ws->buf[next], rows, l->n_out);
            st = nnb__dense_forward_ws(l->dense, cur, &hdr[next], &ws->scratch);
            cur = &hdr[next];
            next ^= 1;
        } else {
            /* The first layer is dense, so cur is a workspace buffer here: activations run in place. */
            nnb_tensor *t = &hdr[next ^ 1];
            switch (l->kind) {
            case NNB_LAYER_RELU: st = nnb_relu_forward(t, t); break;
            case NNB_LAYER_SOFTMAX: st = nnb_softmax_forward(t, t); break;
            case NNB_LAYER_SIGMOID: st = nnb_sigmoid_forward(t, t); break;
            case NNB_LAYER_LINEAR:
            case NNB_LAYER_DROPOUT:
            case NNB_LAYER_DENSE: break;
            }
        }
        if (st != NNB_OK) {
            return st;
        }
    }
    *result = cur;
    return NNB_OK;
}

nnb_status nnb_model_predict(const nnb_model *model, const nnb_tensor *X, nnb_tensor *out, size_t batch_size,
                             nnb_model_workspace *ws)
{
    if (model == NULL || X == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    if (!model->finalized) {
        return NNB_ERR_STATE;
    }
    size_t n = X->rows;
    size_t bs = batch_size;
    if (ws != NULL) {
        if (bs > ws->max_batch) {
            return NNB_ERR_ARGUMENT;
        }
        if (bs == 0) {
            bs = ws->max_batch;
        }
    }
    bs = effective_batch(bs, n);
    size_t out_w = last_width(model);
    if (X->cols != model->layers[0].n_in || out->rows != n || out->cols != out_w) {
        return NNB_ERR_SHAPE;
    }
    if (ws != NULL && ws->width < max_width(model)) {
        return NNB_ERR_SHAPE;
    }
    nnb_status st = nnb_tensor_check_finite(X, NULL);
    if (st != NNB_OK) {
        return st;
    }
    nnb_model_workspace *own = NULL;
    if (ws == NULL) {
        st = workspace_new(&own, bs, max_width(model), model_scratch_bytes(model, bs, 0));
        if (st != NNB_OK) {
            return st;
        }
        ws = own;
    }
    size_t in_w = X->cols;
    for (size_t start = 0; start < n && st == NNB_OK; start += bs) {
        size_t rows = n - start < bs ? n - start : bs;
        nnb_tensor xb;
        nnb_tensor hdr[2];
        nnb__tensor_view_init(&xb, X->data + start * in_w, rows, in_w);
        const nnb_tensor *res = NULL;
        st = forward_predict(model, &xb, ws, hdr, &res);
        if (st == NNB_OK) {
            memcpy(out->data + start * out_w, res->data, rows * out_w * sizeof(float));
        }
    }
    nnb_model_workspace_destroy(own);
    return st;
}

/* ---------------------------------------------------------------- accessors */

size_t nnb_model_layer_count(const nnb_model *model)
{
    return model == NULL ? 0u : model->n_layers;
}

nnb_status nnb_model_layer_info(const nnb_model *model, size_t i, nnb_layer_info *info)
{
    if (model == NULL || info == NULL) {
        return NNB_ERR_NULL;
    }
    if (i >= model->n_layers) {
        return NNB_ERR_RANGE;
    }
    const model_layer *l = &model->layers[i];
    nnb_layer_info r;
    memset(&r, 0, sizeof r);
    r.kind = l->kind;
    r.n_inputs = l->n_in;
    r.n_outputs = l->n_out;
    r.init_scale = l->init_scale;
    r.rate = l->rate;
    r.regularization = l->reg;
    *info = r;
    return NNB_OK;
}

nnb_dense *nnb_model_dense(nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers) {
        return NULL;
    }
    return model->layers[i].dense;
}

const nnb_dense *nnb_model_cdense(const nnb_model *model, size_t i)
{
    if (model == NULL || i >= model->n_layers) {
        return NULL;
    }
    return model->layers[i].dense;
}

size_t nnb_model_input_size(const nnb_model *model)
{
    if (model == NULL) {
        return 0;
    }
    for (size_t i = 0; i < model->n_layers; ++i) {
        if (model->layers[i].kind == NNB_LAYER_DENSE) {
            return model->layers[i].n_in;
        }
    }
    return 0;
}

size_t nnb_model_output_size(const nnb_model *model)
{
    if (model == NULL) {
        return 0;
    }
    /* Before finalize a trailing activation may not know its width yet: use the last dense layer's. */
    for (size_t i = model->n_layers; i-- > 0;) {
        if (model->layers[i].kind == NNB_LAYER_DENSE) {
            return model->layers[i].n_out;
        }
    }
    return 0;
}

int nnb_model_is_finalized(const nnb_model *model)
{
    return model != NULL && model->finalized;
}

int nnb_model_uses_fused_backward(const nnb_model *model)
{
    return model != NULL && model->finalized && model->fused;
}

nnb_loss_kind nnb_model_loss_kind(const nnb_model *model)
{
    return model == NULL ? NNB_LOSS_NONE : model->loss;
}

nnb_accuracy_kind nnb_model_accuracy_kind(const nnb_model *model)
{
    return model == NULL ? NNB_ACCURACY_NONE : model->accuracy;
}

nnb_status nnb_model_optimizer_params(const nnb_model *model, nnb_optimizer_params *out)
{
    if (model == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    if (model->optimizer == NULL) {
        return NNB_ERR_STATE;
    }
    *out = *nnb_optimizer_params_of(model->optimizer);
    return NNB_OK;
}

const nnb_optimizer *nnb_model_optimizer(const nnb_model *model)
{
    return model == NULL ? NULL : model->optimizer;
}

nnb_status nnb_model_regression_precision(const nnb_model *model, float *out, int *is_set)
{
    if (model == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    *out = model->precision;
    if (is_set != NULL) {
        *is_set = model->precision_set;
    }
    return NNB_OK;
}

nnb_status nnb_model_set_regression_precision(nnb_model *model, float precision)
{
    if (model == NULL) {
        return NNB_ERR_NULL;
    }
    if (!(isfinite(precision) && precision >= 0.0f)) {
        return NNB_ERR_ARGUMENT;
    }
    model->precision = precision;
    model->precision_set = 1;
    return NNB_OK;
}

nnb_status nnb_model_set_health_check(nnb_model *model, int enabled)
{
    if (model == NULL) {
        return NNB_ERR_NULL;
    }
    model->health_on = enabled != 0;
    return NNB_OK;
}

nnb_status nnb_model_health(const nnb_model *model, nnb_health_report *out)
{
    if (model == NULL || out == NULL) {
        return NNB_ERR_NULL;
    }
    *out = model->health;
    return NNB_OK;
}

nnb_rng *nnb_model_rng(nnb_model *model)
{
    return model == NULL ? NULL : model->rng;
}
