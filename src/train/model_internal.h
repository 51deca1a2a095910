/* SPDX-License-Identifier: MIT */
/*
 * Internal: the sequential model's fields and the functions its source files share. Never installed.
 *
 * The sequential model (chapter 18): a list of layers, a loss, an optimizer and an accuracy measure, with a
 * workspace allocated once for the largest batch. Its code is split by concern:
 *   model_build.c      creation, building, finalize, destroy
 *   model_workspace.c  sizing and allocating the training workspace (nnb_model_prepare)
 *   model_step.c       forward, backward and update of one batch through that workspace
 *   model_train.c      data checks, batching, the training loop and evaluation
 *   model_predict.c    prediction workspaces and the const forward of nnb_model_predict
 *   model_access.c     accessors
 *
 * Training workspace: every layer owns an output buffer and a dinputs buffer of max_batch rows (linear and
 * dropout-at-inference pass their input through; the first dense layer needs no dinputs). The model holds
 * the loss gradient, per-sample losses, a gather buffer for shuffled batches and the permutation. The
 * tensors that point into these buffers are headers embedded in the structs, re-aimed at every batch, so
 * nothing is allocated per step.
 */
#ifndef NNB_INTERNAL_MODEL_H
#define NNB_INTERNAL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "compute/gemm_internal.h"
#include "layers/conv2d_internal.h"
#include "layers/pool2d_internal.h"
#include "tensor/tensor_internal.h"
#include "nnbasics/model.h"
#include "nnbasics/preprocess.h"

typedef struct nnb__model_layer {
    nnb_layer_kind kind;
    size_t n_in;
    size_t n_out;
    float init_scale;
    nnb_init init;               /* dense: how its parameters started */
    float rate;                  /* dropout */
    float alpha;                 /* leaky ReLU slope, ELU alpha */
    nnb_gelu_approximation gelu; /* GELU */
    nnb_regularization reg;
    nnb_dense *dense; /* dense: the layer; conv2d: its weights and biases; batchnorm: gamma (weights), beta */

    /* Image shapes (C, H, W; flat layers: width, 1, 1). Set when added, checked by finalize. */
    size_t in_shape[3];
    size_t out_shape[3];
    nnb__conv2d_geom conv; /* conv2d */
    int conv_padding;      /* conv2d: nnb_padding as given, and its explicit sizes (for model files) */
    size_t pad_h, pad_w;
    int conv_bias;
    nnb__pool2d_geom pool; /* max/avg/global pooling */
    float bn_momentum;     /* batchnorm */
    float bn_eps;
    float *bn_running; /* batchnorm: 2 x C (running means, then variances), owned by the layer */

    /* Workspace (max_batch rows). */
    float *out_buf;    /* dense, relu, softmax, sigmoid, dropout */
    float *din_buf;    /* every kind except linear and the first layer */
    float *mask_buf;   /* dropout */
    float *col_buf;    /* conv2d: im2col of the batch (K x rows*P) */
    float *tmp_buf;    /* conv2d: the product before rearranging (out_c x rows*P); batchnorm: 1 / std (C) */
    float *xhat_buf;   /* batchnorm: the normalised input */
    uint32_t *idx_buf; /* maxpool2d: where each maximum came from */

    /* Per-batch headers and links, set by forward. */
    nnb_tensor out;
    nnb_tensor dinputs;
    nnb_tensor mask;
    const nnb_tensor *input;  /* what the layer received */
    const nnb_tensor *output; /* where its output is (&out, or its input when passing through) */
    int dropped;              /* dropout applied in this forward (training) */
} nnb__model_layer;

struct nnb_model {
    nnb_rng *rng;
    nnb__model_layer *layers;
    size_t n_layers;
    size_t cap_layers;
    int finalized;
    int fused_allowed;
    int fused;
    nnb_loss_kind loss;
    nnb_accuracy_kind accuracy;
    nnb_optimizer *optimizer;
    int scheduled;            /* nnb_model_set_schedule: given to every optimizer */
    nnb_lr_schedule schedule; /* (valid when scheduled) */
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
    nnb_history_entry *history; /* record_history: one entry per epoch of the last such run */
    size_t history_len;
    size_t history_cap;
    float *best;       /* early stopping: the parameters of the best epoch, all dense layers in order */
    size_t best_cap;   /* floats best holds */
    size_t best_epoch; /* of the last run with early stopping; 0 otherwise */
    float *grads;      /* data-parallel training: every parameter's gradient, packed for reduce_gradients */
    size_t grads_cap;  /* floats grads holds */
    double clip_value; /* of the training run under way (nnb_train_params, else the stored ones below) */
    double clip_norm;
    double keep_clip_value; /* nnb_model_set_clip: for runs whose params set no clipping */
    double keep_clip_norm;
    int health_on;
    nnb_health_report health;
    size_t cur_epoch;
    size_t cur_step;

    /* What the model stores for raw rows (model_preprocess.c): scaling and names, library memory. */
    nnb_preprocess_kind pre_kind;
    float *pre_center; /* input width values when pre_kind != NONE, else NULL */
    float *pre_scale;
    char **class_names; /* n_class_names NUL-terminated texts, or NULL */
    size_t n_class_names;
    char **feature_names; /* n_feature_names texts, or NULL */
    size_t n_feature_names;
};

struct nnb_model_workspace {
    size_t max_batch;
    size_t width; /* largest layer width the buffers hold */
    float *buf[2];
    float *col; /* convolutions: im2col and product buffers (max_batch rows), NULL without convolutions */
    float *tmp;
    size_t col_n, tmp_n;       /* floats they hold */
    nnb__gemm_scratch scratch; /* GEMM packing memory for the forward products */
};

/* ---- model_build.c */

/* Width of the output of the last layer added (0 if none). */
size_t nnb__model_last_width(const nnb_model *m);

/* Output shape of the last layer added (zeros if none). */
void nnb__model_last_shape(const nnb_model *m, size_t shape[3]);

/* Non-zero for layers that pass their input on unchanged (linear, flatten). */
int nnb__model_passes_through(nnb_layer_kind kind);

/* Non-zero for the element-wise activations (relu, softmax, sigmoid, tanh, leaky ReLU, ELU, GELU, softplus). */
int nnb__model_is_activation(nnb_layer_kind kind);

/* ---- model_workspace.c */

/* The largest conv2d col and tmp buffers for batches of `batch` rows (floats; 0 without convolutions). */
void nnb__model_conv_floats(const nnb_model *m, size_t batch, size_t *col, size_t *tmp);

/*
 * Non-zero when layer i runs in place: it overwrites the output buffer of the layer before it instead of
 * writing a buffer of its own. The one rule for the training forward and for the workspace sizing alike.
 */
int nnb__model_runs_in_place(const nnb_model *m, size_t i);

/* GEMM scratch that the dense layers need for batches of `batch` rows (forward only, or with backward). */
size_t nnb__model_scratch_bytes(const nnb_model *m, size_t batch, int training);

/* An aligned rows x cols float buffer; NULL with *st set to NNB_ERR_OVERFLOW or NNB_ERR_NOMEM on failure. */
float *nnb__model_alloc_floats(size_t rows, size_t cols, nnb_status *st);

/* Frees the training workspace (layer buffers, model buffers, GEMM scratch); the permutation stays. */
void nnb__model_free_workspace(nnb_model *m);

/* Bytes of the training workspace's buffers for batches of `batch` rows (GEMM scratch excluded). */
nnb_status nnb__model_workspace_bytes(const nnb_model *m, size_t batch, size_t *out);

/* Ensures the permutation holds at least n entries. */
nnb_status nnb__model_reserve_perm(nnb_model *m, size_t n);

/* ---- model_step.c */

/* Forward of a batch through the training workspace. training: dropout active. */
nnb_status nnb__model_forward_ws(nnb_model *m, const nnb_tensor *xb, int training);

/* The output of the last forward (inside the workspace, or the batch itself when every layer passes through). */
const nnb_tensor *nnb__model_output(const nnb_model *m);

/* Backward of the last training forward: loss gradient for the targets tb, then every layer in reverse. */
nnb_status nnb__model_backward_ws(nnb_model *m, const nnb_targets *tb);

/* Optimizer update of every dense layer (pre_update, updates in order, post_update). */
nnb_status nnb__model_optimize(nnb_model *m);

/* ---- model_train.c */

/* Rows per batch: batch_size, or all rows when it is 0 or larger than rows. */
size_t nnb__model_effective_batch(size_t batch_size, size_t rows);

/*
 * nnb_model_add_dense, drawing the initial weights from the model's generator only when draw_weights is
 * non-zero (the model reader sets them from the file: drawing them first would cost most of a load and
 * advance the generator).
 */
nnb_status nnb__model_add_dense_weights(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                                        const nnb_regularization *reg, int draw_weights);

/* nnb_model_add_conv2d, drawing the initial weights only when draw_weights is non-zero (the model reader). */
nnb_status nnb__model_add_conv2d(nnb_model *model, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                                 const nnb_conv2d_params *params, int draw_weights);

/* ---- model_preprocess.c */

/* Frees the stored scaling and names (nnb_model_destroy). */
void nnb__model_free_meta(nnb_model *m);

/*
 * The stored scaling of `rows` rows of the input width from src into dst (a copy when none is stored).
 * Returns NNB_ERR_NONFINITE when a result is not finite (dst's contents are then unspecified).
 */
nnb_status nnb__model_apply_preprocess(const nnb_model *m, const float *src, float *dst, size_t rows);

/* The same with an initializer (NULL: the book's, with init_scale); nnb_model_add_dense_init. */
nnb_status nnb__model_add_dense_with_init(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                                          const nnb_init *init, const nnb_regularization *reg, int draw_weights);

#endif
