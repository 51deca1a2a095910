/* SPDX-License-Identifier: MIT */
/*
 * The sequential model's prediction: workspaces (one per thread) and the inference forward of
 * nnb_model_predict, which reads the model and never its training workspace, so that several threads may
 * predict with one const model at once.
 */
#include <math.h>
#include <string.h>

#include "base/error_internal.h"
#include "base/alloc_internal.h"
#include "layers/batchnorm_internal.h"
#include "layers/dense_internal.h"
#include "nnbasics/activation.h"
#include "train/model_internal.h"

/* ---------------------------------------------------------------- prediction */

/* Non-zero when ws holds the convolution buffers m needs for ws->max_batch rows. */
static int conv_fits(const nnb_model *m, const nnb_model_workspace *ws)
{
    size_t col = 0, tmp = 0;
    nnb__model_conv_floats(m, ws->max_batch, &col, &tmp);
    return ws->col_n >= col && ws->tmp_n >= tmp;
}

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

static nnb_status workspace_new(nnb_model_workspace **out, const nnb_model *m, size_t max_batch, size_t width,
                                size_t scratch_bytes)
{
    nnb_model_workspace *ws = nnb__calloc(1, sizeof *ws);
    if (ws == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    nnb_status st = NNB_OK;
    size_t col = 0, tmp = 0;
    nnb__model_conv_floats(m, max_batch, &col, &tmp);
    ws->buf[0] = nnb__model_alloc_floats(max_batch, width, &st);
    if (st == NNB_OK) {
        ws->buf[1] = nnb__model_alloc_floats(max_batch, width, &st);
    }
    if (st == NNB_OK && col > 0) {
        ws->col = nnb__model_alloc_floats(col, 1, &st);
    }
    if (st == NNB_OK && tmp > 0) {
        ws->tmp = nnb__model_alloc_floats(tmp, 1, &st);
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
    ws->col_n = col;
    ws->tmp_n = tmp;
    *out = ws;
    return NNB_OK;
}

nnb_status nnb_model_workspace_create(nnb_model_workspace **out, const nnb_model *model, size_t max_batch)
{
    if (out == NULL || model == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    if (max_batch == 0) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    return workspace_new(out, model, max_batch, max_width(model), nnb__model_scratch_bytes(model, max_batch, 0));
}

void nnb_model_workspace_destroy(nnb_model_workspace *ws)
{
    if (ws == NULL) {
        return;
    }
    nnb__aligned_free(ws->buf[0]);
    nnb__aligned_free(ws->buf[1]);
    nnb__aligned_free(ws->col);
    nnb__aligned_free(ws->tmp);
    nnb__aligned_free(ws->scratch.data);
    nnb__free(ws);
}

/* Layer l (not dense) from cur into dst, or in place when dst == cur (element-wise kinds only). */
static nnb_status forward_other(const nnb__model_layer *l, const nnb_tensor *cur, nnb_tensor *dst, size_t rows,
                                nnb_model_workspace *ws)
{
    switch (l->kind) {
    case NNB_LAYER_RELU: return nnb_relu_forward(cur, dst);
    case NNB_LAYER_SOFTMAX: return nnb_softmax_forward(cur, dst);
    case NNB_LAYER_SIGMOID: return nnb_sigmoid_forward(cur, dst);
    case NNB_LAYER_TANH: return nnb_tanh_forward(cur, dst);
    case NNB_LAYER_LEAKY_RELU: return nnb_leaky_relu_forward(l->alpha, cur, dst);
    case NNB_LAYER_ELU: return nnb_elu_forward(l->alpha, cur, dst);
    case NNB_LAYER_GELU: return nnb_gelu_forward(l->gelu, cur, dst);
    case NNB_LAYER_SOFTPLUS: return nnb_softplus_forward(cur, dst);
    case NNB_LAYER_BATCHNORM: {
        const size_t C = l->in_shape[0];
        nnb__batchnorm_forward_infer(rows, C, l->in_shape[1] * l->in_shape[2], l->bn_eps, cur->data,
                                     nnb_tensor_cdata(nnb_dense_weights(l->dense)),
                                     nnb_tensor_cdata(nnb_dense_biases(l->dense)), l->bn_running, l->bn_running + C,
                                     dst->data);
        return NNB_OK;
    }
    case NNB_LAYER_CONV2D:
        return nnb__conv2d_forward(&l->conv, rows, cur->data, nnb_tensor_cdata(nnb_dense_weights(l->dense)),
                                   l->conv_bias ? nnb_tensor_cdata(nnb_dense_biases(l->dense)) : NULL, dst->data,
                                   ws->col, ws->tmp, &ws->scratch);
    case NNB_LAYER_MAXPOOL2D: nnb__maxpool2d_forward(&l->pool, rows, cur->data, dst->data, NULL); return NNB_OK;
    case NNB_LAYER_AVGPOOL2D:
    case NNB_LAYER_GLOBAL_AVGPOOL: nnb__avgpool2d_forward(&l->pool, rows, cur->data, dst->data); return NNB_OK;
    default: return NNB_OK;
    }
}

/*
 * Inference forward of one batch; returns the tensor holding the output (inside ws). Layers that change the
 * shape (dense, conv2d, pooling) write the other of the two buffers; element-wise ones (activations,
 * batchnorm) work in place in the buffer holding their input, or copy out of the caller's batch.
 */
static nnb_status forward_predict(const nnb_model *m, const nnb_tensor *xb, nnb_model_workspace *ws, nnb_tensor hdr[2],
                                  const nnb_tensor **result)
{
    const nnb_tensor *cur = xb;
    int next = 0;
    size_t rows = xb->rows;
    for (size_t i = 0; i < m->n_layers; ++i) {
        const nnb__model_layer *l = &m->layers[i];
        nnb_status st = NNB_OK;
        if (nnb__model_passes_through(l->kind) || l->kind == NNB_LAYER_DROPOUT) {
            continue;
        }
        int elementwise = nnb__model_is_activation(l->kind) || l->kind == NNB_LAYER_BATCHNORM;
        if (elementwise && cur != xb) {
            nnb_tensor *t = &hdr[next ^ 1];
            st = forward_other(l, t, t, rows, ws);
        } else {
            nnb__tensor_view_init(&hdr[next], ws->buf[next], rows, l->n_out);
            st = l->kind == NNB_LAYER_DENSE ? nnb__dense_forward_ws(l->dense, cur, &hdr[next], &ws->scratch)
                                            : forward_other(l, cur, &hdr[next], rows, ws);
            cur = &hdr[next];
            next ^= 1;
        }
        if (st != NNB_OK) {
            return st;
        }
    }
    *result = cur;
    return NNB_OK;
}

/*
 * nnb_model_predict, and with apply_pre nnb_model_predict_raw: each batch scaled into the workspace first.
 * `where` is the public function's name for the failure detail.
 */
static nnb_status predict_rows(const char *where, const nnb_model *model, const nnb_tensor *X, nnb_tensor *out,
                               size_t batch_size, nnb_model_workspace *ws, int apply_pre)
{
    if (model == NULL || X == NULL || out == NULL) {
        return nnb__failf(NNB_ERR_NULL, where, "%s is NULL", model == NULL ? "model" : X == NULL ? "X" : "out");
    }
    if (!model->finalized) {
        return nnb__failf(NNB_ERR_STATE, where, "the model is not finalized (nnb_model_finalize)");
    }
    size_t n = X->rows;
    size_t bs = batch_size;
    if (ws != NULL) {
        if (bs > ws->max_batch) {
            return nnb__failf(NNB_ERR_ARGUMENT, where, "batch_size %zu exceeds the workspace's max_batch %zu", bs,
                              ws->max_batch);
        }
        if (bs == 0) {
            bs = ws->max_batch;
        }
    }
    bs = nnb__model_effective_batch(bs, n);
    size_t out_w = nnb__model_last_width(model);
    if (X->cols != model->layers[0].n_in) {
        return nnb__failf(NNB_ERR_SHAPE, where, "X is %zu x %zu; the model takes %zu inputs per row", X->rows, X->cols,
                          model->layers[0].n_in);
    }
    if (out->rows != n || out->cols != out_w) {
        return nnb__failf(NNB_ERR_SHAPE, where, "out is %zu x %zu; expected %zu x %zu (rows of X x model outputs)",
                          out->rows, out->cols, n, out_w);
    }
    if (ws != NULL && (ws->width < max_width(model) || !conv_fits(model, ws))) {
        return nnb__failf(NNB_ERR_SHAPE, where,
                          "the workspace (rows of %zu values) was not made for this model (it needs %zu, and "
                          "room for its convolutions): nnb_model_workspace_create",
                          ws->width, max_width(model));
    }
    nnb_status st = nnb_tensor_check_finite(X, NULL);
    if (st != NNB_OK) {
        return st;
    }
    nnb_model_workspace *own = NULL;
    if (ws == NULL) {
        st = workspace_new(&own, model, bs, max_width(model), nnb__model_scratch_bytes(model, bs, 0));
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
        if (apply_pre && model->pre_kind != NNB_PREPROCESS_NONE) {
            /* buf[1] holds at least max_batch x input width; the first (dense) layer writes buf[0]. */
            st = nnb__model_apply_preprocess(model, X->data + start * in_w, ws->buf[1], rows);
            if (st != NNB_OK) {
                break;
            }
            nnb__tensor_view_init(&xb, ws->buf[1], rows, in_w);
        } else {
            nnb__tensor_view_init(&xb, X->data + start * in_w, rows, in_w);
        }
        const nnb_tensor *res = NULL;
        st = forward_predict(model, &xb, ws, hdr, &res);
        if (st == NNB_OK) {
            memcpy(out->data + start * out_w, res->data, rows * out_w * sizeof(float));
        }
    }
    nnb_model_workspace_destroy(own);
    return st;
}

nnb_status nnb_model_predict(const nnb_model *model, const nnb_tensor *X, nnb_tensor *out, size_t batch_size,
                             nnb_model_workspace *ws)
{
    return predict_rows("nnb_model_predict", model, X, out, batch_size, ws, 0);
}

nnb_status nnb_model_predict_raw(const nnb_model *model, const nnb_tensor *raw, nnb_tensor *out, size_t batch_size,
                                 nnb_model_workspace *ws)
{
    return predict_rows("nnb_model_predict_raw", model, raw, out, batch_size, ws, 1);
}

/* ---------------------------------------------------------------- one raw row */

/*
 * The forward pass of one raw row into ws (or into *own, a workspace made here when ws is NULL: the caller
 * destroys it): *result points at the out_w outputs inside the workspace, all checked finite.
 */
static nnb_status one_row(const nnb_model *model, const float *features, size_t n_features, size_t n_outputs,
                          nnb_model_workspace *ws, nnb_model_workspace **own, const float **result)
{
    if (!model->finalized) {
        return NNB__FAIL(NNB_ERR_STATE);
    }
    const size_t in_w = model->layers[0].n_in;
    const size_t out_w = nnb__model_last_width(model);
    if (n_features != in_w || n_outputs != out_w) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu features and %zu outputs given; the model takes %zu and gives %zu",
                          n_features, n_outputs, in_w, out_w);
    }
    if (ws != NULL && (ws->width < max_width(model) || !conv_fits(model, ws))) {
        return NNB__FAILF(NNB_ERR_SHAPE,
                          "the workspace holds rows of %zu values; this model needs %zu (and room for "
                          "its convolutions)",
                          ws->width, max_width(model));
    }
    for (size_t j = 0; j < in_w; ++j) {
        if (!isfinite(features[j])) {
            return NNB__FAILF(NNB_ERR_NONFINITE, "feature %zu is not finite", j);
        }
    }
    if (ws == NULL) {
        nnb_status st = workspace_new(own, model, 1, max_width(model), nnb__model_scratch_bytes(model, 1, 0));
        if (st != NNB_OK) {
            return st;
        }
        ws = *own;
    }
    /* The row goes into buf[1] (scaled, or copied), so the caller's buffer is only read. */
    nnb_status st = nnb__model_apply_preprocess(model, features, ws->buf[1], 1);
    if (st != NNB_OK) {
        return st;
    }
    nnb_tensor xb;
    nnb_tensor hdr[2];
    const nnb_tensor *res = NULL;
    nnb__tensor_view_init(&xb, ws->buf[1], 1, in_w);
    st = forward_predict(model, &xb, ws, hdr, &res);
    if (st != NNB_OK) {
        return st;
    }
    for (size_t k = 0; k < out_w; ++k) {
        if (!isfinite(res->data[k])) {
            return NNB__FAILF(NNB_ERR_NONFINITE, "output %zu is not finite", k);
        }
    }
    *result = res->data;
    return NNB_OK;
}

nnb_status nnb_model_predict_one(const nnb_model *model, const float *features, size_t n_features, float *outputs,
                                 size_t n_outputs, nnb_model_workspace *ws)
{
    if (model == NULL || features == NULL || outputs == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_model_workspace *own = NULL;
    const float *res = NULL;
    nnb_status st = one_row(model, features, n_features, n_outputs, ws, &own, &res);
    if (st == NNB_OK) {
        memcpy(outputs, res, n_outputs * sizeof(float));
    }
    nnb_model_workspace_destroy(own);
    return st;
}

nnb_status nnb_model_classify_one(const nnb_model *model, const float *features, size_t n_features, size_t *class_index,
                                  float *score, nnb_model_workspace *ws)
{
    if (model == NULL || features == NULL || class_index == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const size_t out_w = model->finalized ? nnb__model_last_width(model) : 0;
    nnb_model_workspace *own = NULL;
    const float *o = NULL;
    nnb_status st = one_row(model, features, n_features, out_w, ws, &own, &o);
    if (st == NNB_OK) {
        size_t best = 0;
        if (out_w == 1) {
            best = o[0] > 0.5f ? 1u : 0u;
        } else {
            for (size_t k = 1; k < out_w; ++k) {
                if (o[k] > o[best]) {
                    best = k;
                }
            }
        }
        *class_index = best;
        if (score != NULL) {
            *score = out_w == 1 ? o[0] : o[best];
        }
    }
    nnb_model_workspace_destroy(own);
    return st;
}
