/* SPDX-License-Identifier: MIT */
/*
 * The sequential model, one training step through its workspace: forward of a batch, backward from the
 * loss gradient down to the first layer, and the optimizer's update, with the optional health checks.
 */
#include <math.h>

#include "base/error_internal.h"
#include "layers/batchnorm_internal.h"
#include "layers/dense_internal.h"
#include "nnbasics/activation.h"
#include "nnbasics/loss.h"
#include "train/model_internal.h"
#include "train/optimizer_internal.h"

/* ---------------------------------------------------------------- forward */

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
    static const char *const what[] = {"", "output", "loss", "gradients", "updated parameters"};
    return nnb__failf(NNB_ERR_NONFINITE, "nnb_model_train",
                      "training diverged: NaN or infinity in the %s of layer %zu at epoch %zu, step %zu (the first "
                      "finding; try a smaller learning rate)",
                      what[m->health.phase], m->health.layer, m->health.epoch, m->health.step);
}

/* Activation l (layer i) overwriting t, the buffer that holds its input. */
static nnb_status forward_in_place(nnb_model *m, nnb__model_layer *l, size_t i, nnb_tensor *t, int training)
{
    nnb_status st = l->kind == NNB_LAYER_RELU      ? nnb_relu_forward(t, t)
                    : l->kind == NNB_LAYER_SOFTMAX ? nnb_softmax_forward(t, t)
                    : l->kind == NNB_LAYER_TANH    ? nnb_tanh_forward(t, t)
                                                   : nnb_sigmoid_forward(t, t);
    l->output = t; /* l->input is t too: cur is the dense layer's buffer */
    if (st == NNB_OK && m->health_on && training) {
        st = health_check(m, t, NNB_HEALTH_FORWARD, i);
    }
    return st;
}

/* Batch normalisation of cur into l->out: batch statistics (training) or the running averages. */
static void batchnorm_forward(nnb__model_layer *l, const nnb_tensor *cur, size_t rows, int training)
{
    const size_t C = l->in_shape[0];
    const size_t S = l->in_shape[1] * l->in_shape[2];
    const float *gamma = nnb_tensor_cdata(nnb_dense_weights(l->dense));
    const float *beta = nnb_tensor_cdata(nnb_dense_biases(l->dense));
    if (training) {
        nnb__batchnorm_forward_train(rows, C, S, l->bn_eps, l->bn_momentum, cur->data, gamma, beta, l->out.data,
                                     l->xhat_buf, l->tmp_buf, l->bn_running, l->bn_running + C);
    } else {
        nnb__batchnorm_forward_infer(rows, C, S, l->bn_eps, cur->data, gamma, beta, l->bn_running, l->bn_running + C,
                                     l->out.data);
    }
}

/* Layer l from cur into its own output buffer (l->out, rows rows). training: batch statistics for batchnorm. */
static nnb_status forward_into_buffer(nnb_model *m, nnb__model_layer *l, const nnb_tensor *cur, size_t rows,
                                      int training)
{
    nnb_status st = NNB_OK;
    nnb__tensor_view_init(&l->out, l->out_buf, rows, l->n_out);
    switch (l->kind) {
    case NNB_LAYER_DENSE: st = nnb__dense_forward_ws(l->dense, cur, &l->out, &m->scratch); break;
    case NNB_LAYER_RELU: st = nnb_relu_forward(cur, &l->out); break;
    case NNB_LAYER_SOFTMAX: st = nnb_softmax_forward(cur, &l->out); break;
    case NNB_LAYER_SIGMOID: st = nnb_sigmoid_forward(cur, &l->out); break;
    case NNB_LAYER_TANH: st = nnb_tanh_forward(cur, &l->out); break;
    case NNB_LAYER_LEAKY_RELU: st = nnb_leaky_relu_forward(l->alpha, cur, &l->out); break;
    case NNB_LAYER_ELU: st = nnb_elu_forward(l->alpha, cur, &l->out); break;
    case NNB_LAYER_GELU: st = nnb_gelu_forward(l->gelu, cur, &l->out); break;
    case NNB_LAYER_SOFTPLUS: st = nnb_softplus_forward(cur, &l->out); break;
    case NNB_LAYER_DROPOUT:
        nnb__tensor_view_init(&l->mask, l->mask_buf, rows, l->n_in);
        st = nnb_dropout_forward(m->rng, l->rate, cur, &l->mask, &l->out);
        l->dropped = 1;
        break;
    case NNB_LAYER_CONV2D:
        st = nnb__conv2d_forward(&l->conv, rows, cur->data, nnb_tensor_cdata(nnb_dense_weights(l->dense)),
                                 l->conv_bias ? nnb_tensor_cdata(nnb_dense_biases(l->dense)) : NULL, l->out.data,
                                 l->col_buf, l->tmp_buf, &m->scratch);
        break;
    case NNB_LAYER_MAXPOOL2D: nnb__maxpool2d_forward(&l->pool, rows, cur->data, l->out.data, l->idx_buf); break;
    case NNB_LAYER_AVGPOOL2D:
    case NNB_LAYER_GLOBAL_AVGPOOL: nnb__avgpool2d_forward(&l->pool, rows, cur->data, l->out.data); break;
    case NNB_LAYER_BATCHNORM: batchnorm_forward(l, cur, rows, training); break;
    case NNB_LAYER_LINEAR:
    case NNB_LAYER_FLATTEN:
    default: break;
    }
    return st;
}

/* Forward of a batch through the training workspace. training: dropout active. */
nnb_status nnb__model_forward_ws(nnb_model *m, const nnb_tensor *xb, int training)
{
    const nnb_tensor *cur = xb;
    size_t rows = xb->rows;
    for (size_t i = 0; i < m->n_layers; ++i) {
        nnb__model_layer *l = &m->layers[i];
        nnb_status st = NNB_OK;
        l->input = cur;
        l->dropped = 0;
        if (nnb__model_passes_through(l->kind) || (l->kind == NNB_LAYER_DROPOUT && !training)) {
            l->output = cur;
            continue;
        }
        /*
         * An activation straight after a dense layer runs in place, in the dense layer's buffer (one pass
         * over memory fewer), and only there: see nnb__model_runs_in_place for why that is safe.
         */
        if (nnb__model_runs_in_place(m, i)) {
            st = forward_in_place(m, l, i, &m->layers[i - 1].out, training);
            if (st != NNB_OK) {
                return st;
            }
            continue;
        }
        st = forward_into_buffer(m, l, cur, rows, training);
        if (st != NNB_OK) {
            return st;
        }
        l->output = &l->out;
        cur = &l->out;
        if (m->health_on && training) {
            st = health_check(m, cur, NNB_HEALTH_FORWARD, i);
            if (st != NNB_OK) {
                return st;
            }
        }
    }
    return NNB_OK;
}

const nnb_tensor *nnb__model_output(const nnb_model *m)
{
    return m->layers[m->n_layers - 1].output;
}

/* ---------------------------------------------------------------- backward */

/* (probs - onehot) / batch for one-hot targets, in float32 as the sparse form. */
static void softmax_cce_onehot_backward(const nnb_tensor *probs, const nnb_tensor *targets, nnb_tensor *dinputs)
{
    float n = (float)probs->rows;
    size_t total = probs->rows * probs->cols;
    for (size_t i = 0; i < total; ++i) {
        dinputs->data[i] = (probs->data[i] - targets->data[i]) / n;
    }
}

/*
 * Where the backward chain starts. Fused softmax + CCE: *dv is the last (softmax) layer's dinputs and
 * *next = the last layer's index, so the chain goes on below it. Otherwise: *dv is the loss gradient with
 * respect to the model output and *next = n_layers.
 */
static nnb_status loss_gradient(nnb_model *m, const nnb_targets *tb, const nnb_tensor **dv, size_t *next)
{
    const nnb_tensor *pred = nnb__model_output(m);
    size_t rows = pred->rows;
    size_t last = m->n_layers - 1;
    nnb_status st = NNB_OK;
    if (m->fused) {
        nnb__model_layer *sm = &m->layers[last];
        nnb__tensor_view_init(&sm->dinputs, sm->din_buf, rows, sm->n_in);
        if (tb->labels != NULL) {
            st = nnb_softmax_cce_backward(pred, tb->labels, tb->count, &sm->dinputs);
        } else {
            softmax_cce_onehot_backward(pred, tb->values, &sm->dinputs);
        }
        *dv = &sm->dinputs;
        *next = last;
        return st;
    }
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
    *dv = &m->dloss;
    *next = m->n_layers;
    return st;
}

/* Convolution or batchnorm backward: their gradients into the parameter holder (created by the first one). */
static nnb_status backward_image(nnb_model *m, nnb__model_layer *l, const nnb_tensor *dv, nnb_tensor *din)
{
    nnb_status st = nnb__dense_ensure_gradients(l->dense);
    if (st != NNB_OK) {
        return st;
    }
    nnb_dense *d = l->dense;
    const size_t rows = dv->rows;
    if (l->kind == NNB_LAYER_CONV2D) {
        return nnb__conv2d_backward(&l->conv, rows, d->weights->data, dv->data, d->dweights->data,
                                    l->conv_bias ? d->dbiases->data : NULL, din != NULL ? din->data : NULL, l->col_buf,
                                    l->tmp_buf, &m->scratch);
    }
    nnb__batchnorm_backward(rows, l->in_shape[0], l->in_shape[1] * l->in_shape[2], d->weights->data, l->xhat_buf,
                            l->tmp_buf, dv->data, d->dweights->data, d->dbiases->data, din != NULL ? din->data : NULL);
    return NNB_OK;
}

/* Backward of layer l from dv into din (NULL for the first layer: no input gradient needed). */
static nnb_status backward_layer(nnb_model *m, nnb__model_layer *l, const nnb_tensor *dv, nnb_tensor *din)
{
    switch (l->kind) {
    case NNB_LAYER_CONV2D:
    case NNB_LAYER_BATCHNORM: return backward_image(m, l, dv, din);
    case NNB_LAYER_MAXPOOL2D:
        if (din != NULL) {
            nnb__maxpool2d_backward(&l->pool, dv->rows, l->idx_buf, dv->data, din->data);
        }
        return NNB_OK;
    case NNB_LAYER_AVGPOOL2D:
    case NNB_LAYER_GLOBAL_AVGPOOL:
        if (din != NULL) {
            nnb__avgpool2d_backward(&l->pool, dv->rows, dv->data, din->data);
        }
        return NNB_OK;
    case NNB_LAYER_FLATTEN: return NNB_OK;
    case NNB_LAYER_DENSE: return nnb__dense_backward_ws(l->dense, l->input, dv, din, &m->scratch);
    case NNB_LAYER_RELU: return din == NULL ? NNB_OK : nnb_relu_backward(l->input, dv, din);
    case NNB_LAYER_SOFTMAX: return din == NULL ? NNB_OK : nnb_softmax_backward(l->output, dv, din);
    case NNB_LAYER_SIGMOID: return din == NULL ? NNB_OK : nnb_sigmoid_backward(l->output, dv, din);
    case NNB_LAYER_TANH: return din == NULL ? NNB_OK : nnb_tanh_backward(l->output, dv, din);
    case NNB_LAYER_LEAKY_RELU: return din == NULL ? NNB_OK : nnb_leaky_relu_backward(l->alpha, l->input, dv, din);
    case NNB_LAYER_ELU: return din == NULL ? NNB_OK : nnb_elu_backward(l->alpha, l->input, dv, din);
    case NNB_LAYER_GELU: return din == NULL ? NNB_OK : nnb_gelu_backward(l->gelu, l->input, dv, din);
    case NNB_LAYER_SOFTPLUS: return din == NULL ? NNB_OK : nnb_softplus_backward(l->input, dv, din);
    case NNB_LAYER_DROPOUT: return din == NULL ? NNB_OK : nnb_dropout_backward(&l->mask, dv, din);
    case NNB_LAYER_LINEAR: return NNB_OK;
    }
    return NNB_OK;
}

/* With the health check on: the gradients layer i just produced (input gradient, dense weight/bias ones). */
static nnb_status check_gradients(nnb_model *m, const nnb__model_layer *l, size_t i, const nnb_tensor *din)
{
    nnb_status st = health_check(m, din, NNB_HEALTH_BACKWARD, i);
    if (st == NNB_OK && l->dense != NULL) {
        st = health_check(m, nnb_dense_dweights(l->dense), NNB_HEALTH_BACKWARD, i);
    }
    if (st == NNB_OK && l->dense != NULL) {
        st = health_check(m, nnb_dense_dbiases(l->dense), NNB_HEALTH_BACKWARD, i);
    }
    return st;
}

nnb_status nnb__model_backward_ws(nnb_model *m, const nnb_targets *tb)
{
    size_t rows = nnb__model_output(m)->rows;
    const nnb_tensor *dv = NULL;
    size_t i = 0;
    nnb_status st = loss_gradient(m, tb, &dv, &i);
    if (st != NNB_OK) {
        return st;
    }
    while (i-- > 0) {
        nnb__model_layer *l = &m->layers[i];
        if (nnb__model_passes_through(l->kind) || (l->kind == NNB_LAYER_DROPOUT && !l->dropped)) {
            continue;
        }
        nnb_tensor *din = NULL;
        if (i > 0) {
            nnb__tensor_view_init(&l->dinputs, l->din_buf, rows, l->n_in);
            din = &l->dinputs;
        }
        st = backward_layer(m, l, dv, din);
        if (st == NNB_OK && m->health_on) {
            st = check_gradients(m, l, i, din);
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

/* ---------------------------------------------------------------- update */

static void clip_by_value(float *g, size_t n, float limit)
{
    for (size_t i = 0; i < n; ++i) {
        g[i] = g[i] > limit ? limit : (g[i] < -limit ? -limit : g[i]);
    }
}

static double sum_squares(const float *g, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; ++i) {
        s += (double)g[i] * (double)g[i];
    }
    return s;
}

static void scale(float *g, size_t n, float f)
{
    for (size_t i = 0; i < n; ++i) {
        g[i] *= f;
    }
}

/* clip_value, then clip_norm, on the gradients of every dense layer (in place, before the update). */
static void clip_gradients(nnb_model *m)
{
    double norm2 = 0.0;
    for (int pass = 0; pass < 2; ++pass) {
        float f = 1.0f;
        if (pass == 1) {
            double norm = sqrt(norm2);
            if (m->clip_norm <= 0.0 || !(norm > m->clip_norm)) {
                return;
            }
            f = (float)(m->clip_norm / norm);
        }
        for (size_t i = 0; i < m->n_layers; ++i) {
            nnb_dense *d = m->layers[i].dense;
            if (d == NULL) {
                continue;
            }
            nnb_tensor *gs[2] = {d->dweights, d->dbiases};
            for (size_t k = 0; k < 2; ++k) {
                size_t n = gs[k]->rows * gs[k]->cols;
                if (pass == 0) {
                    if (m->clip_value > 0.0) {
                        clip_by_value(gs[k]->data, n, (float)m->clip_value);
                    }
                    norm2 += sum_squares(gs[k]->data, n);
                } else {
                    scale(gs[k]->data, n, f);
                }
            }
        }
    }
}

nnb_status nnb__model_optimize(nnb_model *m)
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
    if (m->clip_value > 0.0 || m->clip_norm > 0.0) {
        clip_gradients(m);
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
