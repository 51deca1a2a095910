/* SPDX-License-Identifier: MIT */
/*
 * The sequential model's training workspace: which buffers each layer needs, sized for the largest batch
 * once (nnb_model_prepare), so that a training step allocates nothing. See model_internal.h for its layout.
 */
#include <string.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "layers/dense_internal.h"
#include "train/model_internal.h"

/* GEMM scratch that the dense layers need for batches of `batch` rows (forward only, or with backward). */
size_t nnb__model_scratch_bytes(const nnb_model *m, size_t batch, int training)
{
    size_t most = 0;
    for (size_t i = 0; i < m->n_layers; ++i) {
        const nnb_dense *d = m->layers[i].dense;
        if (m->layers[i].kind == NNB_LAYER_CONV2D) {
            size_t b = nnb__conv2d_scratch_bytes(&m->layers[i].conv, batch, training);
            most = b > most ? b : most;
            continue;
        }
        if (d == NULL || m->layers[i].kind != NNB_LAYER_DENSE) {
            continue;
        }
        size_t b = training ? nnb__dense_scratch_bytes(d, batch)
                            : nnb__gemm_scratch_bytes(batch, nnb_dense_n_neurons(d), nnb_dense_n_inputs(d));
        most = b > most ? b : most;
    }
    return most;
}

static void free_layer_workspace(nnb__model_layer *l)
{
    nnb__aligned_free(l->out_buf);
    nnb__aligned_free(l->din_buf);
    nnb__aligned_free(l->mask_buf);
    nnb__aligned_free(l->col_buf);
    nnb__aligned_free(l->tmp_buf);
    nnb__aligned_free(l->xhat_buf);
    nnb__aligned_free(l->idx_buf);
    l->out_buf = NULL;
    l->din_buf = NULL;
    l->mask_buf = NULL;
    l->col_buf = NULL;
    l->tmp_buf = NULL;
    l->xhat_buf = NULL;
    l->idx_buf = NULL;
}

void nnb__model_free_workspace(nnb_model *m)
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

/* ---------------------------------------------------------------- workspace */

/*
 * An activation (ReLU, softmax, sigmoid) runs in place only directly after a dense layer, in that layer's
 * buffer, because only there is the buffer it overwrites read by no later backward: no backward needs a
 * dense output (the dense backward reads its input); softmax and sigmoid backwards read their own output,
 * which is then in that buffer; the ReLU backward's mask (input <= 0) is the same read from its output
 * (output <= 0). Directly after another activation the buffer holds that activation's output, which its
 * backward reads (softmax, sigmoid: their output; ReLU: its input, its output when in place), so a second
 * activation there must write its own buffer. After a dropout or linear layer it writes its own buffer too:
 * in place would be safe in some chains (dense-linear-ReLU) but not in others (dense-ReLU-linear-sigmoid),
 * and this way the rule depends on the previous layer's kind alone, the same in training and evaluation.
 * tanh reads its own output as sigmoid does and runs in place likewise; leaky ReLU, ELU, GELU and softplus
 * backwards read their input (the dense output), so they always write their own buffer.
 */
int nnb__model_runs_in_place(const nnb_model *m, size_t i)
{
    nnb_layer_kind kind = m->layers[i].kind;
    int activation =
        kind == NNB_LAYER_RELU || kind == NNB_LAYER_SOFTMAX || kind == NNB_LAYER_SIGMOID || kind == NNB_LAYER_TANH;
    if (!activation || i == 0) {
        return 0;
    }
    /* A convolution's backward reads its saved patches and batchnorm's its normalised input, never their
       outputs: the same argument as for dense layers. */
    nnb_layer_kind prev = m->layers[i - 1].kind;
    return prev == NNB_LAYER_DENSE || prev == NNB_LAYER_CONV2D || prev == NNB_LAYER_BATCHNORM;
}

void nnb__model_conv_floats(const nnb_model *m, size_t batch, size_t *col, size_t *tmp)
{
    *col = 0;
    *tmp = 0;
    for (size_t i = 0; i < m->n_layers; ++i) {
        if (m->layers[i].kind == NNB_LAYER_CONV2D) {
            size_t c = nnb__conv2d_col_floats(&m->layers[i].conv, batch);
            size_t t = nnb__conv2d_tmp_floats(&m->layers[i].conv, batch);
            *col = c > *col ? c : *col;
            *tmp = t > *tmp ? t : *tmp;
        }
    }
}

/*
 * Floats of each buffer layer i needs for `batch` rows: out, din, mask (dropout), col and tmp (conv2d; tmp:
 * 1 / std for batchnorm), xhat (batchnorm), idx (maxpool, uint32). The one rule for allocation and sizing.
 */
enum { BUF_OUT, BUF_DIN, BUF_MASK, BUF_COL, BUF_TMP, BUF_XHAT, BUF_IDX, BUF_COUNT };

static nnb_status layer_plan(const nnb_model *m, size_t i, size_t batch, size_t n[BUF_COUNT])
{
    const nnb__model_layer *l = &m->layers[i];
    for (size_t k = 0; k < BUF_COUNT; ++k) {
        n[k] = 0;
    }
    if (nnb__model_passes_through(l->kind)) {
        return NNB_OK;
    }
    if (nnb__mul_size(batch, l->n_out, &n[BUF_OUT]) != NNB_OK || nnb__mul_size(batch, l->n_in, &n[BUF_DIN]) != NNB_OK) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    if (nnb__model_runs_in_place(m, i)) {
        n[BUF_OUT] = 0;
    }
    if (i == 0) {
        n[BUF_DIN] = 0;
    }
    switch (l->kind) {
    case NNB_LAYER_DROPOUT: n[BUF_MASK] = batch * l->n_in; break;
    case NNB_LAYER_CONV2D:
        n[BUF_COL] = nnb__conv2d_col_floats(&l->conv, batch);
        n[BUF_TMP] = nnb__conv2d_tmp_floats(&l->conv, batch);
        if (n[BUF_COL] == 0 || n[BUF_TMP] == 0) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        break;
    case NNB_LAYER_BATCHNORM:
        n[BUF_TMP] = l->in_shape[0];
        n[BUF_XHAT] = batch * l->n_in;
        break;
    case NNB_LAYER_MAXPOOL2D: n[BUF_IDX] = batch * l->n_out; break;
    default: break;
    }
    return NNB_OK;
}

float *nnb__model_alloc_floats(size_t rows, size_t cols, nnb_status *st)
{
    size_t bytes;
    if (nnb__mul3_size(rows, cols, sizeof(float), &bytes) != NNB_OK) {
        *st = NNB__FAIL(NNB_ERR_OVERFLOW);
        return NULL;
    }
    float *p = nnb__aligned_alloc(bytes);
    if (p == NULL) {
        *st = NNB__FAIL(NNB_ERR_NOMEM);
    }
    return p;
}

/* The buffers fit; the GEMM scratch may still need to grow if the thread setting or mode changed. */
static nnb_status refresh_scratch(nnb_model *m)
{
    size_t threads = nnb_get_num_threads();
    nnb_arithmetic mode = nnb_get_arithmetic();
    if (threads == m->scratch_threads && mode == m->scratch_mode) {
        return NNB_OK;
    }
    nnb_status st = nnb__gemm_scratch_reserve(&m->scratch, nnb__model_scratch_bytes(m, m->ws_batch, 1));
    if (st == NNB_OK) {
        m->scratch_threads = threads;
        m->scratch_mode = mode;
    }
    return st;
}

/* Output, dinputs and mask buffers of every layer of m, for max_batch rows, into fl (zeroed, one per layer). */
static nnb_status alloc_layer_buffers(const nnb_model *m, nnb__model_layer *fl, size_t max_batch)
{
    nnb_status st = NNB_OK;
    for (size_t i = 0; i < m->n_layers && st == NNB_OK; ++i) {
        size_t n[BUF_COUNT];
        st = layer_plan(m, i, max_batch, n);
        float **dst[BUF_IDX] = {&fl[i].out_buf, &fl[i].din_buf, &fl[i].mask_buf,
                                &fl[i].col_buf, &fl[i].tmp_buf, &fl[i].xhat_buf};
        for (size_t k = 0; k < BUF_IDX && st == NNB_OK; ++k) {
            if (n[k] > 0) {
                *dst[k] = nnb__model_alloc_floats(n[k], 1, &st);
            }
        }
        if (st == NNB_OK && n[BUF_IDX] > 0) {
            size_t bytes;
            if (nnb__mul_size(n[BUF_IDX], sizeof(uint32_t), &bytes) != NNB_OK) {
                st = NNB__FAIL(NNB_ERR_OVERFLOW);
            } else if ((fl[i].idx_buf = nnb__aligned_alloc(bytes)) == NULL) {
                st = NNB__FAIL(NNB_ERR_NOMEM);
            }
        }
    }
    return st;
}

/* The model-wide buffers for max_batch rows into fresh: loss gradient, per-sample losses, gathers, scratch. */
static nnb_status alloc_model_buffers(const nnb_model *m, nnb_model *fresh, size_t max_batch)
{
    nnb_status st = NNB_OK;
    size_t in_w = m->layers[0].n_in;
    size_t out_w = nnb__model_last_width(m);
    fresh->dloss_buf = nnb__model_alloc_floats(max_batch, out_w, &st);
    if (st == NNB_OK) {
        fresh->per_sample = nnb__model_alloc_floats(max_batch, 1, &st);
    }
    if (st == NNB_OK) {
        fresh->gather_x = nnb__model_alloc_floats(max_batch, in_w, &st);
    }
    if (st == NNB_OK) {
        fresh->gather_v = nnb__model_alloc_floats(max_batch, out_w, &st);
    }
    if (st == NNB_OK) {
        fresh->gather_l = nnb__calloc(max_batch, sizeof(uint32_t));
        if (fresh->gather_l == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
        }
    }
    if (st == NNB_OK) {
        st = nnb__gemm_scratch_reserve(&fresh->scratch, nnb__model_scratch_bytes(m, max_batch, 1));
    }
    return st;
}

/* Frees m's old workspace and hands it the new one: the model-wide buffers of fresh, the layer buffers of fl. */
static void adopt_workspace(nnb_model *m, const nnb_model *fresh, const nnb__model_layer *fl, size_t max_batch)
{
    nnb__model_free_workspace(m);
    for (size_t i = 0; i < m->n_layers; ++i) {
        m->layers[i].out_buf = fl[i].out_buf;
        m->layers[i].din_buf = fl[i].din_buf;
        m->layers[i].mask_buf = fl[i].mask_buf;
        m->layers[i].col_buf = fl[i].col_buf;
        m->layers[i].tmp_buf = fl[i].tmp_buf;
        m->layers[i].xhat_buf = fl[i].xhat_buf;
        m->layers[i].idx_buf = fl[i].idx_buf;
    }
    m->dloss_buf = fresh->dloss_buf;
    m->per_sample = fresh->per_sample;
    m->gather_x = fresh->gather_x;
    m->gather_v = fresh->gather_v;
    m->gather_l = fresh->gather_l;
    m->scratch = fresh->scratch;
    m->scratch_threads = nnb_get_num_threads();
    m->scratch_mode = nnb_get_arithmetic();
    m->ws_batch = max_batch;
}

nnb_status nnb_model_prepare(nnb_model *model, size_t max_batch)
{
    if (model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    if (max_batch == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (max_batch <= model->ws_batch) {
        return refresh_scratch(model);
    }
    /* Build the whole new workspace aside; swap it in only when every allocation succeeded. */
    nnb_model fresh;
    memset(&fresh, 0, sizeof fresh);
    nnb__model_layer *fl = nnb__calloc(model->n_layers, sizeof *fl);
    if (fl == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    fresh.layers = fl;
    fresh.n_layers = model->n_layers;
    nnb_status st = alloc_layer_buffers(model, fl, max_batch);
    if (st == NNB_OK) {
        st = alloc_model_buffers(model, &fresh, max_batch);
    }
    if (st != NNB_OK) {
        nnb__model_free_workspace(&fresh);
        nnb__free(fl);
        return st;
    }
    adopt_workspace(model, &fresh, fl, max_batch);
    nnb__free(fl);
    return NNB_OK;
}

/* Ensures the permutation holds at least n entries. */
nnb_status nnb__model_reserve_perm(nnb_model *m, size_t n)
{
    if (n <= m->perm_cap) {
        return NNB_OK;
    }
    uint32_t *p = nnb__calloc(n, sizeof(uint32_t));
    if (p == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    nnb__free(m->perm);
    m->perm = p;
    m->perm_cap = n;
    return NNB_OK;
}

/*
 * Bytes nnb_model_prepare(m, batch) allocates for its buffers, by the rules of alloc_layer_buffers and
 * alloc_model_buffers above (the GEMM scratch excluded: it depends on the core and the thread setting).
 */
nnb_status nnb__model_workspace_bytes(const nnb_model *m, size_t batch, size_t *out)
{
    size_t floats = 0;
    for (size_t i = 0; i < m->n_layers; ++i) {
        size_t n[BUF_COUNT];
        nnb_status st = layer_plan(m, i, batch, n);
        if (st != NNB_OK) {
            return st;
        }
        for (size_t t = 0; t < BUF_COUNT; ++t) {
            if (floats + n[t] < floats) {
                return NNB__FAIL(NNB_ERR_OVERFLOW);
            }
            floats += n[t]; /* the uint32 indices are as large as floats */
        }
    }
    if (m->n_layers > 0) {
        /* dloss and gather_v (output width each), per_sample (1), gather_x (input width). */
        size_t width = 2u * nnb__model_last_width(m) + 1u + m->layers[0].n_in;
        size_t f;
        if (nnb__mul_size(batch, width, &f) != NNB_OK || floats + f < floats) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        floats += f;
    }
    size_t bytes, labels;
    if (nnb__mul_size(floats, sizeof(float), &bytes) != NNB_OK ||
        nnb__mul_size(m->n_layers > 0 ? batch : 0u, sizeof(uint32_t), &labels) != NNB_OK || bytes + labels < bytes) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    *out = bytes + labels;
    return NNB_OK;
}
