/* SPDX-License-Identifier: MIT */
/**
 * @file model.h
 * @brief A sequential model (chapter 18): layers, loss, optimizer and accuracy in one object that trains,
 *        evaluates and predicts.
 *
 * Building a model:
 * @code
 *     nnb_model *m;
 *     nnb_model_create(&m, 0);                              // seed for weights, shuffling and dropout
 *     nnb_model_add_dense(m, 2, 64, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
 *     nnb_model_add_relu(m);
 *     nnb_model_add_dense(m, 64, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
 *     nnb_model_add_softmax(m);
 *     nnb_model_set_loss(m, NNB_LOSS_CCE);
 *     nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
 *     nnb_model_set_optimizer(m, &adam);
 *     nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL);
 *     nnb_model_finalize(m);
 *     nnb_targets y = nnb_targets_from_labels(labels, n);
 *     nnb_train_params tp = nnb_train_params_default();
 *     tp.epochs = 1000;
 *     nnb_model_train(m, X, &y, &tp);
 * @endcode
 *
 * Life cycle: layers and the loss are added while the model is being built; nnb_model_finalize checks the
 * chain and freezes its structure (later adds return NNB_ERR_STATE). The optimizer and the accuracy may be
 * set before or after finalize. Training needs a loss and an optimizer, evaluation a loss; prediction only
 * needs a finalized model.
 *
 * Layer rules checked by finalize: the first layer is dense; every dense layer's n_inputs equals the width
 * of the layer before it (the previous dense layer's n_neurons). Activations and dropout keep the width.
 * When the last layer is softmax and the loss is categorical cross-entropy, backward uses the fused
 * softmax + CCE gradient (p - onehot(y)) / batch instead of the softmax Jacobian (faster, same values
 * within rounding); nnb_model_set_fused_backward turns this off.
 *
 * Randomness: the model owns one generator (nnb_rng), seeded at creation or copied from a caller's
 * generator. Dense weights are drawn from it when the layer is added (in order, as the book's layers
 * draw from numpy's global stream), then it drives shuffling and dropout. There is no other randomness.
 *
 * Memory: the model keeps a workspace sized for the largest batch it has seen (or for nnb_model_prepare).
 * After the first training step (in which the dense layers also create their gradient buffers and the
 * optimizer its per-layer state), training and evaluation with batches no larger than that and data of
 * no more rows than before allocate nothing. Batches are views of the caller's data when the rows are
 * contiguous (no shuffling); shuffled batches are gathered into a buffer of the workspace.
 *
 * Targets: nnb_targets holds either class indices (uint32, one per row: sparse CCE, categorical accuracy)
 * or a float tensor with one row per sample and one column per model output (one-hot CCE, 0/1 targets
 * for binary cross-entropy, values for MSE/MAE).
 *
 * Errors: every function returns nnb_status (status.h conventions). A failed call leaves the model valid.
 * Argument, shape and content checks of train/evaluate happen before anything changes, so a call that
 * fails them leaves the model exactly as it was. A training run stopped by a non-finite loss returns
 * NNB_ERR_NONFINITE; the steps before it have been applied. A step that runs out of memory makes every
 * allocation before it changes a parameter, so NNB_ERR_NOMEM leaves the parameters as the previous step
 * left them.
 *
 * Thread safety: functions taking a non-const nnb_model need exclusive access. nnb_model_predict takes a
 * const model and writes only to the caller's tensor and workspace, so several threads may predict with
 * one shared model at once (each with its own workspace, or none), as long as nobody modifies it.
 */
#ifndef NNB_MODEL_H
#define NNB_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nnbasics/activation.h"
#include "nnbasics/dense.h"
#include "nnbasics/export.h"
#include "nnbasics/init.h"
#include "nnbasics/optimizer.h"
#include "nnbasics/rng.h"
#include "nnbasics/schedule.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A sequential model. Opaque. */
typedef struct nnb_model nnb_model;

/** Layer kinds (append-only values: a model file may store them). */
typedef enum nnb_layer_kind {
    NNB_LAYER_DENSE = 0,           /**< fully connected, dense.h */
    NNB_LAYER_RELU = 1,            /**< max(0, x) */
    NNB_LAYER_SOFTMAX = 2,         /**< row-wise softmax */
    NNB_LAYER_SIGMOID = 3,         /**< 1 / (1 + exp(-x)) */
    NNB_LAYER_LINEAR = 4,          /**< identity (the book's Activation_Linear, for regression outputs) */
    NNB_LAYER_DROPOUT = 5,         /**< inverted dropout while training, identity otherwise */
    NNB_LAYER_TANH = 6,            /**< tanh(x) */
    NNB_LAYER_LEAKY_RELU = 7,      /**< x for x > 0, slope * x otherwise (nnb_layer_info::alpha is the slope) */
    NNB_LAYER_ELU = 8,             /**< x for x > 0, alpha * (e^x - 1) otherwise */
    NNB_LAYER_GELU = 9,            /**< x * Phi(x), exact or tanh approximation (nnb_layer_info::gelu) */
    NNB_LAYER_SOFTPLUS = 10,       /**< log(1 + e^x) */
    NNB_LAYER_CONV2D = 16,         /**< 2-D convolution over NCHW images (nnb_model_add_conv2d) */
    NNB_LAYER_MAXPOOL2D = 17,      /**< 2-D max pooling (nnb_model_add_maxpool2d) */
    NNB_LAYER_AVGPOOL2D = 18,      /**< 2-D average pooling (nnb_model_add_avgpool2d) */
    NNB_LAYER_GLOBAL_AVGPOOL = 19, /**< mean of each channel's image: C x H x W -> C x 1 x 1 */
    NNB_LAYER_BATCHNORM = 20,      /**< batch normalisation per channel (nnb_model_add_batchnorm) */
    NNB_LAYER_FLATTEN = 21         /**< C x H x W -> (C*H*W) x 1 x 1; the data stay as they are */
} nnb_layer_kind;

/** Zero padding of a convolution (nnb_conv2d_params). */
typedef enum nnb_padding {
    NNB_PADDING_VALID = 0,   /**< none: out = (in - kernel) / stride + 1 */
    NNB_PADDING_SAME = 1,    /**< out = ceil(in / stride); an odd total puts the extra zeros below / right */
    NNB_PADDING_EXPLICIT = 2 /**< pad_h rows above and below, pad_w columns left and right */
} nnb_padding;

/**
 * Settings of a convolution layer (nnb_model_add_conv2d). Start from nnb_conv2d_params_default and change
 * what differs.
 */
typedef struct nnb_conv2d_params {
    size_t kernel_h;     /**< kernel rows (>= 1) */
    size_t kernel_w;     /**< kernel columns (>= 1) */
    size_t stride;       /**< step in both directions (>= 1); dilation is 1 and groups 1 */
    nnb_padding padding; /**< zero padding */
    size_t pad_h;        /**< NNB_PADDING_EXPLICIT: rows of zeros above and below */
    size_t pad_w;        /**< NNB_PADDING_EXPLICIT: columns of zeros left and right */
    int bias;            /**< non-zero: one bias per output channel */
    nnb_init init;       /**< weight initializer, with fan_in = in_c * kernel_h * kernel_w, fan_out = out_c */
} nnb_conv2d_params;

/** Loss kinds (append-only values). */
typedef enum nnb_loss_kind {
    NNB_LOSS_NONE = 0, /**< not set */
    NNB_LOSS_CCE = 1,  /**< categorical cross-entropy: sparse labels or one-hot tensor targets */
    NNB_LOSS_BCE = 2,  /**< binary cross-entropy: 0/1 tensor targets */
    NNB_LOSS_MSE = 3,  /**< mean squared error: tensor targets */
    NNB_LOSS_MAE = 4   /**< mean absolute error: tensor targets */
} nnb_loss_kind;

/** Accuracy kinds (append-only values). */
typedef enum nnb_accuracy_kind {
    NNB_ACCURACY_NONE = 0,        /**< not computed (reported as 0) */
    NNB_ACCURACY_CATEGORICAL = 1, /**< argmax vs class label (or vs argmax of a one-hot row) */
    NNB_ACCURACY_BINARY = 2,      /**< (pred > 0.5) vs 0/1 target, per element */
    NNB_ACCURACY_REGRESSION = 3   /**< |pred - target| < precision, per element (see below) */
} nnb_accuracy_kind;

/** The book's regression precision: std(training targets) / NNB_REGRESSION_PRECISION_DIVISOR. */
#define NNB_REGRESSION_PRECISION_DIVISOR 250.0f

/** Description of one layer (nnb_model_layer_info). */
typedef struct nnb_layer_info {
    nnb_layer_kind kind;               /**< what the layer computes */
    size_t n_inputs;                   /**< width of the layer's input (dense: its n_inputs) */
    size_t n_outputs;                  /**< width of its output (dense: n_neurons; others: n_inputs) */
    float init_scale;                  /**< dense: the weight scale it was created with (for an initializer
                                            other than the scaled normal: the std of its weights, nnb_init_std);
                                            0 for other kinds */
    float rate;                        /**< dropout: the fraction of inputs dropped; 0 for other kinds */
    nnb_regularization regularization; /**< dense: its L1/L2 factors; all 0 for other kinds */
    nnb_init init;                     /**< dense: how its parameters started (a layer read from a model file:
                                            the scaled normal with init_scale); other kinds: all 0 */
    float alpha;                       /**< leaky ReLU: its slope; ELU: its alpha; 0 for other kinds */
    nnb_gelu_approximation gelu;       /**< GELU: exact or tanh; NNB_GELU_EXACT for other kinds */
} nnb_layer_info;

/**
 * Default convolution settings: a kernel x kernel window, stride 1, valid padding, biases, He normal weights
 * (biases 0).
 * @param kernel the kernel's rows and columns.
 * @return the settings.
 */
NNB_API nnb_conv2d_params nnb_conv2d_params_default(size_t kernel);

/* ---- targets ---- */

/** Either labels (count entries) or values; the other member is NULL. Borrowed: the caller keeps them alive. */
typedef struct nnb_targets {
    const uint32_t *labels;   /**< class indices, one per sample, each < the model's output width */
    size_t count;             /**< number of labels */
    const nnb_tensor *values; /**< samples x outputs float targets */
} nnb_targets;

/**
 * Targets made of class indices.
 * @param labels count class indices (borrowed: kept alive by the caller while the targets are used).
 * @param count number of labels.
 * @return the targets.
 */
static inline nnb_targets nnb_targets_from_labels(const uint32_t *labels, size_t count)
{
    nnb_targets t;
    t.labels = labels;
    t.count = count;
    t.values = NULL;
    return t;
}

/**
 * Targets made of a float tensor (one row per sample).
 * @param values the targets (borrowed: kept alive by the caller while the targets are used).
 * @return the targets.
 */
static inline nnb_targets nnb_targets_from_tensor(const nnb_tensor *values)
{
    nnb_targets t;
    t.labels = NULL;
    t.count = 0;
    t.values = values;
    return t;
}

/* ---- creation and building ---- */

/**
 * Creates an empty model whose generator is seeded with `seed` (as np.random.seed(seed)).
 * @param out receives the model (owned by the caller; release with nnb_model_destroy). Untouched on failure.
 * @param seed the generator's seed.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_create(nnb_model **out, uint32_t seed);

/**
 * Creates an empty model whose generator is a copy of `rng` in its current state.
 *
 * With the generator that just made the book's spiral data, the layers receive the book's weights.
 * @param out receives the model (owned by the caller; nnb_model_destroy). Untouched on failure.
 * @param rng the generator to copy (not advanced and not kept).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_create_from_rng(nnb_model **out, const nnb_rng *rng);

/**
 * Releases the model, its layers, optimizer and workspace.
 * @param model the model, or NULL (ignored).
 */
NNB_API void nnb_model_destroy(nnb_model *model);

/**
 * Appends a dense layer of n_inputs x n_neurons, weights init_scale * randn from the model's generator,
 * biases 0. On failure the model is unchanged (no normals are drawn).
 * @param model the model, not yet finalized.
 * @param n_inputs inputs of the layer (> 0).
 * @param n_neurons neurons of the layer (> 0).
 * @param init_scale the weight scale (finite), e.g.\ NNB_DENSE_DEFAULT_INIT_SCALE.
 * @param reg optional L1/L2 regularization (copied; NULL = none).
 * @return NNB_OK, NNB_ERR_NULL (model), NNB_ERR_STATE (already finalized), NNB_ERR_ARGUMENT (a size is 0,
 *         init_scale not finite, a regularization factor negative or not finite), NNB_ERR_OVERFLOW,
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_dense(nnb_model *model, size_t n_inputs, size_t n_neurons, float init_scale,
                                       const nnb_regularization *reg);

/**
 * Appends a dense layer of n_inputs x n_neurons whose weights and biases start as `init` says (init.h),
 * drawn from the model's generator. With nnb_init_default() it draws exactly what nnb_model_add_dense with
 * NNB_DENSE_DEFAULT_INIT_SCALE draws. On failure the model and its generator are unchanged.
 * @param model the model, not yet finalized.
 * @param n_inputs inputs of the layer (> 0): the fan_in.
 * @param n_neurons neurons of the layer (> 0): the fan_out.
 * @param init the initializer (copied; NULL = nnb_init_default()).
 * @param reg optional L1/L2 regularization (copied; NULL = none).
 * @return NNB_OK, NNB_ERR_NULL (model), NNB_ERR_STATE (already finalized), NNB_ERR_ARGUMENT (a size is 0,
 *         unknown initializer, scale or bias not finite, a regularization factor negative or not finite),
 *         NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_dense_init(nnb_model *model, size_t n_inputs, size_t n_neurons, const nnb_init *init,
                                            const nnb_regularization *reg);

/**
 * Appends a ReLU activation.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_relu(nnb_model *model);

/**
 * Appends a softmax activation.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_softmax(nnb_model *model);

/**
 * Appends a sigmoid activation.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_sigmoid(nnb_model *model);

/**
 * Appends a linear (identity) activation, the book's Activation_Linear for regression outputs.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_linear(nnb_model *model);

/**
 * Appends a dropout layer that zeroes a fraction `rate` of its inputs while training (chapter 15).
 * @param model the model, not yet finalized.
 * @param rate the fraction dropped, in [0, 1).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE, NNB_ERR_ARGUMENT (rate outside [0, 1) or NaN), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_dropout(nnb_model *model, float rate);

/*
 * Image layers. Activations are NCHW: a batch is a rows x (C * H * W) tensor, image n's channel c, row y,
 * column x at column (c * H + y) * W + x of row n (PyTorch's and ONNX's order, so weights and data move
 * between them unchanged). Every layer has an output shape C x H x W (dense layers: n_neurons x 1 x 1);
 * nnb_model_layer_shape reports it. Pooling, batch normalisation and flatten take their input shape from
 * the layer before them; a dense layer after an image layer needs a flatten in between.
 */

/**
 * Appends a 2-D convolution of in_c x in_h x in_w images into out_c channels.
 *
 * The weights are stored as a (in_c * kernel_h * kernel_w) x out_c matrix (row (c * kernel_h + i) *
 * kernel_w + j: tap i, j of input channel c), which is PyTorch's out_c x in_c x kh x kw tensor transposed;
 * nnb_model_dense_params gives access to them. Computed through im2col and one GEMM per batch. The initial
 * weights are drawn from the model's generator.
 * @param model the model, not yet finalized.
 * @param in_c input channels; in_c, in_h and in_w all 0: the previous layer's output shape (the first
 *        layer must give them).
 * @param in_h input rows.
 * @param in_w input columns.
 * @param out_c output channels (>= 1).
 * @param params the settings (copied; NULL = nnb_conv2d_params_default(3)).
 * @return NNB_OK, NNB_ERR_NULL (model), NNB_ERR_STATE (finalized; or shape 0 x 0 x 0 with no previous
 *         layer), NNB_ERR_ARGUMENT (a size 0, kernel larger than the padded input, bad padding or
 *         initializer), NNB_ERR_OVERFLOW, NNB_ERR_NOMEM. On failure the model and its generator are unchanged.
 */
NNB_API nnb_status nnb_model_add_conv2d(nnb_model *model, size_t in_c, size_t in_h, size_t in_w, size_t out_c,
                                        const nnb_conv2d_params *params);

/**
 * Appends max pooling over kernel_h x kernel_w windows every `stride` pixels, no padding (out = (in -
 * kernel) / stride + 1, rounded down), on the previous layer's output.
 * @param model the model, not yet finalized.
 * @param kernel_h window rows (>= 1).
 * @param kernel_w window columns (>= 1).
 * @param stride step (0 = kernel_h, non-overlapping windows for square ones).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized, or no previous layer), NNB_ERR_ARGUMENT (a size 0),
 *         NNB_ERR_SHAPE (window larger than the input), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_maxpool2d(nnb_model *model, size_t kernel_h, size_t kernel_w, size_t stride);

/**
 * Appends average pooling; as nnb_model_add_maxpool2d with the mean of each window.
 * @param model the model, not yet finalized.
 * @param kernel_h window rows (>= 1).
 * @param kernel_w window columns (>= 1).
 * @param stride step (0 = kernel_h).
 * @return as nnb_model_add_maxpool2d.
 */
NNB_API nnb_status nnb_model_add_avgpool2d(nnb_model *model, size_t kernel_h, size_t kernel_w, size_t stride);

/**
 * Appends global average pooling: each channel's mean, C x H x W -> C x 1 x 1.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized, or no previous layer), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_global_avgpool(nnb_model *model);

/**
 * Appends batch normalisation of the previous layer's output: per channel for images (statistics over the
 * batch and the pixels), per feature for dense activations. Training normalises with the batch's mean and
 * biased variance and updates running averages as PyTorch does (running = (1 - momentum) * running +
 * momentum * batch statistic, the variance unbiased); evaluation and prediction use the running averages.
 * Scale (gamma, starting at 1) and shift (beta, starting at 0) are learned: nnb_model_dense_params gives
 * them as the weights and biases (1 x C each). The running averages start at 0 and 1 and are saved in
 * model files.
 * @param model the model, not yet finalized.
 * @param momentum in [0, 1] (PyTorch's default 0.1).
 * @param eps added to the variance, > 0 and finite (PyTorch's default 1e-5).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized, or no previous layer), NNB_ERR_ARGUMENT
 *         (momentum or eps out of range), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_batchnorm(nnb_model *model, float momentum, float eps);

/**
 * Appends a flatten layer: C x H x W images become rows of C * H * W features (in NCHW order, as
 * torch.flatten(x, 1)); nothing is copied.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized, or no previous layer), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_flatten(nnb_model *model);

/**
 * Appends a tanh activation.
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_tanh(nnb_model *model);

/**
 * Appends a leaky ReLU activation (activation.h).
 * @param model the model, not yet finalized.
 * @param slope the slope for inputs <= 0, in [0, 1] (e.g.\ 0.01).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_ARGUMENT (slope outside [0, 1] or NaN;
 *         the model is unchanged), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_leaky_relu(nnb_model *model, float slope);

/**
 * Appends an ELU activation (activation.h).
 * @param model the model, not yet finalized.
 * @param alpha the saturation value for large negative inputs (finite, >= 0; usually 1).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_ARGUMENT (alpha negative or not finite;
 *         the model is unchanged), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_elu(nnb_model *model, float alpha);

/**
 * Appends a GELU activation (activation.h).
 * @param model the model, not yet finalized.
 * @param approximation NNB_GELU_EXACT (the error function) or NNB_GELU_TANH.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_ARGUMENT (unknown approximation; the
 *         model is unchanged), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_gelu(nnb_model *model, nnb_gelu_approximation approximation);

/**
 * Appends a softplus activation, log(1 + e^x).
 * @param model the model, not yet finalized.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (finalized), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_add_softplus(nnb_model *model);

/**
 * Sets the loss. Before finalize only.
 * @param model the model.
 * @param kind the loss.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE, NNB_ERR_ARGUMENT (unknown kind).
 */
NNB_API nnb_status nnb_model_set_loss(nnb_model *model, nnb_loss_kind kind);

/**
 * Sets (or replaces) the optimizer. Allowed before and after finalize.
 *
 * A replacement starts from iteration 0 (the dense layers keep the per-parameter state earlier updates
 * created: momentums, caches). On failure the previous optimizer stays.
 * @param model the model.
 * @param params the hyper-parameters (copied).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (as nnb_optimizer_create), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_set_optimizer(nnb_model *model, const nnb_optimizer_params *params);

/**
 * Sets (or removes) the learning-rate schedule (schedule.h). Allowed before and after finalize.
 *
 * The model keeps the schedule and gives it to its optimizer now and to every optimizer set later, so the
 * order of this call and nnb_model_set_optimizer does not matter.
 * @param model the model.
 * @param schedule the schedule (copied), or NULL for none.
 * @return NNB_OK, NNB_ERR_NULL (model), NNB_ERR_ARGUMENT (as nnb_optimizer_set_schedule; nothing changes).
 */
NNB_API nnb_status nnb_model_set_schedule(nnb_model *model, const nnb_lr_schedule *schedule);

/**
 * The model's learning-rate schedule (nnb_model_set_schedule).
 * @param model the model.
 * @param out receives the schedule (nnb_lr_schedule_default() when none is set).
 * @param is_set optional (NULL): receives whether one is set.
 * @return NNB_OK, NNB_ERR_NULL (model or out).
 */
NNB_API nnb_status nnb_model_schedule(const nnb_model *model, nnb_lr_schedule *out, int *is_set);

/**
 * Stores gradient-clipping settings in the model (saved in model files from version 3), used by every
 * nnb_model_train call whose params set neither clip_value nor clip_norm (both 0); params that set either
 * take precedence for that run. The meaning of the two values is that of nnb_train_params.
 * @param model the model.
 * @param clip_value > 0 to clamp every gradient to [-clip_value, clip_value]; 0 = off.
 * @param clip_norm > 0 to scale the gradients down to this global L2 norm; 0 = off.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (a value negative or not finite; nothing changes).
 */
NNB_API nnb_status nnb_model_set_clip(nnb_model *model, double clip_value, double clip_norm);

/**
 * The clipping settings stored with nnb_model_set_clip (0 and 0 when none).
 * @param model the model.
 * @param clip_value receives the stored clip_value.
 * @param clip_norm receives the stored clip_norm.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_model_clip(const nnb_model *model, double *clip_value, double *clip_norm);

/**
 * Sets the accuracy measure (any time).
 *
 * Choosing NNB_ACCURACY_REGRESSION clears the stored precision, so the next training run sets it from its
 * targets.
 * @param model the model.
 * @param kind the accuracy measure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (unknown kind).
 */
NNB_API nnb_status nnb_model_set_accuracy(nnb_model *model, nnb_accuracy_kind kind);

/**
 * Uses or avoids the fused softmax + CCE backward. Before finalize only.
 *
 * With it off, the gradient goes through the CCE derivative and the full softmax Jacobian, as chapter 9
 * first derives it.
 * @param model the model.
 * @param enabled non-zero (the default) to use it, 0 to avoid it.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE.
 */
NNB_API nnb_status nnb_model_set_fused_backward(nnb_model *model, int enabled);

/**
 * Checks the layer chain and freezes it (see the rules above).
 *
 * On failure the model stays unfinalized and may still be built.
 * @param model the model.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (no layers, first layer not dense, already finalized),
 *         NNB_ERR_SHAPE (a dense layer's n_inputs differs from the width before it).
 */
NNB_API nnb_status nnb_model_finalize(nnb_model *model);

/**
 * Sizes the training workspace for batches of up to max_batch rows now, instead of at the first batch.
 * @param model the model, finalized.
 * @param max_batch the largest batch (> 0).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_ARGUMENT (max_batch is 0),
 *         NNB_ERR_OVERFLOW, NNB_ERR_NOMEM (the previous workspace is kept).
 */
NNB_API nnb_status nnb_model_prepare(nnb_model *model, size_t max_batch);

/* ---- training, evaluation, prediction ---- */

/** What a progress report describes. */
typedef enum nnb_progress_event {
    NNB_PROGRESS_STEP = 0,      /**< one training step (batch) inside an epoch; loss/accuracy of that batch */
    NNB_PROGRESS_EPOCH = 1,     /**< an epoch ended; loss/accuracy over all its batches */
    NNB_PROGRESS_VALIDATION = 2 /**< validation after a reported epoch; data loss/accuracy of the validation data */
} nnb_progress_event;

/** One progress report, passed to the callback (valid during the call only). */
typedef struct nnb_progress {
    nnb_progress_event event;  /**< what the report describes */
    size_t epoch;              /**< 1-based */
    size_t epochs;             /**< epochs of this run */
    size_t step;               /**< 0-based step within the epoch (STEP); steps - 1 otherwise */
    size_t steps;              /**< steps per epoch */
    float loss;                /**< data_loss + regularization_loss */
    float data_loss;           /**< the loss of the data alone */
    float regularization_loss; /**< penalty of the parameters (0 for VALIDATION) */
    double accuracy;           /**< by the model's accuracy kind (0 for NNB_ACCURACY_NONE) */
    double learning_rate;      /**< the rate of the last update (nnb_optimizer_current_lr) */
    double samples_per_second; /**< EPOCH: training samples per second since the previous EPOCH report; else 0 */
} nnb_progress;

/**
 * Progress callback.
 * @param progress the report (valid during the call only).
 * @param user nnb_train_params::user.
 * @return 0 to continue, non-zero to stop training after this report (train then returns NNB_OK).
 */
typedef int (*nnb_progress_fn)(const nnb_progress *progress, void *user);

/** The figure early stopping watches (nnb_train_params::early_stop). */
typedef enum nnb_monitor {
    NNB_MONITOR_NONE = 0,         /**< no early stopping */
    NNB_MONITOR_VAL_LOSS = 1,     /**< validation data loss (lower is better; needs validation data) */
    NNB_MONITOR_VAL_ACCURACY = 2, /**< validation accuracy (higher is better; needs validation data) */
    NNB_MONITOR_LOSS = 3,         /**< the epoch's training loss (lower is better) */
    NNB_MONITOR_ACCURACY = 4      /**< the epoch's training accuracy (higher is better) */
} nnb_monitor;

/**
 * Data-parallel training: replaces the gradients of one process's shard of a batch with those of the whole
 * (global) batch, e.g.\ by exchanging them with the other processes (nnbasics/mpi.h does it over MPI).
 *
 * On entry `grads` holds the gradient of this process's shard: the derivative of the mean data loss over its
 * local_rows rows plus the regularization's derivative, for every parameter of the model, packed layer by
 * layer (each layer that nnb_model_dense_params gives parameters for, in order: its weights row by row, then
 * its biases). The gradient of the global batch is the sum over the processes of their buffers weighted by
 * local_rows / global_rows (the regularization part adds up to itself, as the weights add up to 1). On return
 * `grads` must hold it, identical on every process, or the models drift apart.
 * @param grads count floats, read and overwritten (borrowed for the call).
 * @param count number of parameters.
 * @param local_rows rows of this process's shard.
 * @param global_rows rows of the global batch (the sum of local_rows over the processes).
 * @param user nnb_train_params::reduce_user.
 * @return NNB_OK, or a failure status, which stops training with it.
 */
typedef nnb_status (*nnb_reduce_gradients_fn)(float *grads, size_t count, size_t local_rows, size_t global_rows,
                                              void *user);

/**
 * Data-parallel training: replaces every value with its sum over all processes (the same result, bit for bit,
 * on every process). Used for the training figures (loss and accuracy sums of each step), so every process
 * reports the figures of the global batch.
 * @param values count doubles, read and overwritten (borrowed for the call).
 * @param count number of values.
 * @param user nnb_train_params::reduce_user.
 * @return NNB_OK, or a failure status, which stops training with it.
 */
typedef nnb_status (*nnb_reduce_sums_fn)(double *values, size_t count, void *user);

/** Training options. Start from nnb_train_params_default(). */
typedef struct nnb_train_params {
    size_t epochs;                   /**< >= 1 */
    size_t batch_size;               /**< rows per step; 0 (or >= rows) = the whole data set in one step */
    int shuffle;                     /**< non-zero: a new permutation of the rows every epoch (model's rng) */
    const nnb_tensor *validation_x;  /**< optional validation inputs (NULL = none) */
    const nnb_targets *validation_y; /**< their targets; required when validation_x is set */
    size_t print_every;              /**< EPOCH (and VALIDATION) report every print_every epochs and after
                                        the last one; 0 = only after the last */
    size_t print_every_steps;        /**< STEP report every print_every_steps steps and at each epoch's last
                                        step; 0 = no STEP reports */
    nnb_progress_fn progress;        /**< NULL = no reports */
    void *user;                      /**< passed to progress */
    double clip_value;               /**< > 0: every weight and bias gradient is clamped to [-clip_value,
                                        clip_value] before the update; 0 = off */
    double clip_norm;                /**< > 0: when the global L2 norm of all weight and bias gradients (after
                                        clip_value) exceeds clip_norm, they are all scaled by
                                        clip_norm / norm before the update; 0 = off */
    int record_history;              /**< non-zero: record one nnb_history_entry per epoch (nnb_model_history),
                                        evaluating the validation data, if any, after every epoch */
    nnb_monitor early_stop;          /**< not NONE: after every epoch the figure is compared with the best so
                                        far; an epoch improves on it when it is better by more than min_delta;
                                        after `patience` epochs in a row without improvement (at least one)
                                        training stops (train returns NNB_OK) and, when the run ends without
                                        an error (stopped or not), the
                                        weights and biases of the best epoch, and its batchnorm running
                                        means and variances, are put back (the optimizer's state and
                                        iteration count are not) */
    size_t patience;                 /**< early_stop: epochs without improvement before stopping (0: stop at
                                        the first) */
    double min_delta;                /**< early_stop: the least change that counts as improvement (>= 0) */
    double validation_split;         /**< in (0, 1) with validation_x NULL: the rows are permuted with the
                                        model's generator (as shuffling does: perm = 0..n-1, then for
                                        i = n-1 down to 1 swap perm[i] and perm[nnb_rng_below(i + 1)]); the
                                        first floor(validation_split * n) rows of the permutation become the
                                        validation data, the others, in permutation order, the training data
                                        (both copied for the run); 0 = off */

    /**
     * Data-parallel training over shard_count processes (> 1; 0 or 1 = off). Every process calls
     * nnb_model_train with the same model (same seed, or weights broadcast), the same data and the same
     * params except shard_index. Each global batch of batch_size rows (after the shuffle, drawn alike
     * everywhere from identical generators) is cut into shard_count contiguous parts, part k being rows
     * [rows * k / shard_count, rows * (k + 1) / shard_count), and this process trains on part shard_index.
     * After backward the gradients go through reduce_gradients and, before the reports, the step's figures
     * through reduce_sums, so all processes take the same steps and report the figures of the global
     * batches. Needs both callbacks, every batch of at least shard_count rows, and no dropout or batch
     * normalisation layer (their random masks and batch statistics are per process). Validation data are
     * evaluated whole by every process. nnbasics/mpi.h fills these fields in for MPI.
     */
    size_t shard_count;
    /** This process's part, < shard_count. */
    size_t shard_index;
    /** shard_count > 1: see nnb_reduce_gradients_fn. */
    nnb_reduce_gradients_fn reduce_gradients;
    /** shard_count > 1: see nnb_reduce_sums_fn. */
    nnb_reduce_sums_fn reduce_sums;
    /** Passed to reduce_gradients and reduce_sums. */
    void *reduce_user;
} nnb_train_params;

/** One epoch of the training history (nnb_train_params::record_history). */
typedef struct nnb_history_entry {
    size_t epoch;         /**< 1-based, within its run */
    double loss;          /**< mean data loss over the epoch's samples plus the regularization loss at its end */
    double accuracy;      /**< over the epoch's batches (0 for NNB_ACCURACY_NONE) */
    double val_loss;      /**< data loss of the validation data after the epoch; NaN without validation data */
    double val_accuracy;  /**< accuracy of the validation data after the epoch; NaN without validation data */
    double learning_rate; /**< the rate of the epoch's last update */
    double seconds;       /**< wall-clock seconds of the epoch, its validation included */
} nnb_history_entry;

/**
 * The default training options.
 * @return epochs 1, full batch, no shuffle, no validation, print_every 1, no step reports, no callback, no
 *         gradient clipping.
 */
NNB_API nnb_train_params nnb_train_params_default(void);

/**
 * Trains for params->epochs epochs.
 *
 * Each step: forward (dropout active), loss and accuracy, backward, optimizer pre_update, update of every
 * dense layer in order, post_update. With NNB_ACCURACY_REGRESSION and no stored precision, the precision
 * becomes std(targets) / NNB_REGRESSION_PRECISION_DIVISOR (as the book's Accuracy_Regression.init).
 * @param model the model: finalized, with a loss and an optimizer.
 * @param X the inputs, samples x input width (borrowed, only read).
 * @param targets labels (CCE only; accuracy categorical or none) or a samples x output width tensor.
 * @param params the options.
 * @return NNB_OK, NNB_ERR_NULL (model, X, targets or params; both target members NULL; validation_x without
 * validation_y), NNB_ERR_STATE (not finalized, no loss or no optimizer), NNB_ERR_ARGUMENT (epochs 0; both
 * target members set; labels with a loss other than CCE or an accuracy other than categorical or none;
 * clip_value or clip_norm negative or not finite; unknown early_stop, a validation figure without validation
 * data, min_delta negative or not finite; validation_split outside [0, 1), set together with validation_x, or
 * leaving no row on either side; shard_count > 1 with a callback missing, shard_index >= shard_count, a batch
 * of fewer rows than shard_count, or a dropout or batch normalisation layer),
 * NNB_ERR_SHAPE (X width, target count or target shape), NNB_ERR_RANGE (a label
 * >= output width), NNB_ERR_NONFINITE (NaN/inf in X or float targets — before any change; or the loss became
 * non-finite during training — training stops there), NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_train(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                                   const nnb_train_params *params);

/**
 * Evaluates without training (dropout off): data loss and accuracy.
 *
 * The loss is the mean over all samples, regularization excluded, as the book's validation. Uses the
 * model's workspace (may grow it). Regression accuracy uses the stored precision, or, when none is stored
 * yet, std(targets) / 250 of these targets (not stored).
 * @param model the model: finalized, with a loss.
 * @param X the inputs, samples x input width.
 * @param targets labels or a samples x output width tensor, as for nnb_model_train.
 * @param batch_size rows per batch (0 = all rows at once).
 * @param loss optional (NULL): receives the data loss.
 * @param accuracy optional (NULL, but not both): receives the accuracy.
 * @return the statuses of nnb_model_train (no optimizer needed); outputs untouched on failure.
 */
NNB_API nnb_status nnb_model_evaluate(nnb_model *model, const nnb_tensor *X, const nnb_targets *targets,
                                      size_t batch_size, float *loss, double *accuracy);

/** Scratch memory for nnb_model_predict: one per thread. Opaque. */
typedef struct nnb_model_workspace nnb_model_workspace;

/**
 * Creates a prediction workspace for `model` and batches of up to max_batch rows.
 * @param out receives the workspace (owned by the caller; nnb_model_workspace_destroy). Untouched on
 *            failure.
 * @param model the model, finalized (not referenced after the call).
 * @param max_batch the largest batch (> 0).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (model not finalized), NNB_ERR_ARGUMENT (max_batch 0),
 *         NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_workspace_create(nnb_model_workspace **out, const nnb_model *model, size_t max_batch);

/**
 * Releases a workspace.
 * @param ws the workspace, or NULL (ignored).
 */
NNB_API void nnb_model_workspace_destroy(nnb_model_workspace *ws);

/**
 * Forward pass without training (dropout off).
 *
 * Only the model is read, never its internal scratch. Thread-safe on a shared model with distinct
 * workspaces and outputs. The results do not depend on batch_size, bit for bit, with the naive and builtin
 * GEMM cores; OpenBLAS chooses its kernels by shape, so with the cblas core they may differ by float32
 * rounding. X holds the network's inputs: a scaling stored with nnb_model_set_preprocess (preprocess.h) is
 * NOT applied here (as in nnb_model_train and nnb_model_evaluate); nnb_model_predict_raw and
 * nnb_model_predict_one take raw rows and apply it.
 * @param model the model, finalized (only read).
 * @param X the inputs, samples x input width.
 * @param out receives the outputs, samples x output width.
 * @param batch_size rows at a time (0 = all rows, or the workspace's max_batch when ws is given).
 * @param ws a workspace made for this model (or one of the same layer widths), or NULL: then the call
 *           allocates its scratch and frees it before returning.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (not finalized), NNB_ERR_ARGUMENT (batch_size larger than the
 * workspace's max_batch), NNB_ERR_SHAPE (X or out shape; workspace too narrow for the model),
 * NNB_ERR_NONFINITE (NaN/inf in X: out untouched; or produced by the network: out's contents are then
 * unspecified), NNB_ERR_NOMEM (ws NULL and allocation failed).
 */
NNB_API nnb_status nnb_model_predict(const nnb_model *model, const nnb_tensor *X, nnb_tensor *out, size_t batch_size,
                                     nnb_model_workspace *ws);

/* ---- numerical health (optional, off by default) ---- */

/** Where a non-finite value was first seen. */
typedef enum nnb_health_phase {
    NNB_HEALTH_NONE = 0,     /**< nothing found */
    NNB_HEALTH_FORWARD = 1,  /**< the output of `layer` in the forward pass */
    NNB_HEALTH_LOSS = 2,     /**< the loss (layer = the last layer) */
    NNB_HEALTH_BACKWARD = 3, /**< the gradient computed by `layer` (its input gradient or, for a dense
                                layer, its weight/bias gradients) */
    NNB_HEALTH_UPDATE = 4    /**< the parameters of dense `layer` after the optimizer's update */
} nnb_health_phase;

/** The first place a NaN or infinity appeared during the last nnb_model_train with the check on. */
typedef struct nnb_health_report {
    nnb_health_phase phase; /**< NNB_HEALTH_NONE when the run stayed finite */
    size_t epoch;           /**< 1-based epoch of the step */
    size_t step;            /**< 0-based step within the epoch */
    size_t layer;           /**< 0-based layer index */
} nnb_health_report;

/**
 * Turns the numerical health check on or off.
 *
 * When on, nnb_model_train checks every layer's output, the loss, every gradient and every updated
 * parameter of each step, stops at the first NaN or infinity with NNB_ERR_NONFINITE, and records where it
 * was (nnb_model_health). When off (the default) none of these checks run; only the loss is watched, as
 * always.
 * @param model the model.
 * @param enabled non-zero for on.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_model_set_health_check(nnb_model *model, int enabled);

/**
 * Copies the report of the last training run made with the check on.
 * @param model the model.
 * @param out receives the report (phase NNB_HEALTH_NONE if it found nothing, or if no such run happened).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_model_health(const nnb_model *model, nnb_health_report *out);

/* ---- history ---- */

/**
 * The history of the last training run made with record_history set: one entry per completed epoch (a run
 * stopped early by the callback or an error keeps the epochs it completed). A new such run replaces it.
 * @param model the model.
 * @param entries receives a borrowed pointer to the entries (valid until the next nnb_model_train with
 *                record_history or the model's destruction), NULL when there are none.
 * @param count receives the number of entries.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_model_history(const nnb_model *model, const nnb_history_entry **entries, size_t *count);

/**
 * Writes the history as CSV: a header line "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds",
 * then one line per epoch, numbers with 9 significant digits ("%.9g"), an empty field for a NaN validation
 * figure.
 * @param model the model.
 * @param out the stream (borrowed; not closed or flushed).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_IO (writing failed).
 */
NNB_API nnb_status nnb_model_history_write_csv(const nnb_model *model, FILE *out);

/**
 * The best epoch of the last training run with early stopping (its weights are the model's now).
 * @param model the model.
 * @return the 1-based epoch; 0 when the last run had no early stopping, and for NULL.
 */
NNB_API size_t nnb_model_best_epoch(const nnb_model *model);

/* ---- summary ---- */

/**
 * Counts the model's trainable parameters: the sum of nnb_model_layer_parameter_count over its layers.
 * @param model the model (finalized or not).
 * @param out receives the count; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_OVERFLOW.
 */
NNB_API nnb_status nnb_model_parameter_count(const nnb_model *model, size_t *out);

/**
 * Counts the trainable parameters of one layer: n_inputs * n_neurons + n_neurons for a dense layer,
 * in_c * kernel_h * kernel_w * out_c weights plus out_c biases (only when the layer has biases) for a
 * convolution, 2 * channels (gamma and beta; the running averages are not learned) for batch normalisation,
 * 0 for every other layer. nnb_model_parameter_count is the sum over the layers.
 * @param model the model (finalized or not).
 * @param index the layer, 0-based, below nnb_model_layer_count.
 * @param out receives the count; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE (index beyond the last layer).
 */
NNB_API nnb_status nnb_model_layer_parameter_count(const nnb_model *model, size_t index, size_t *out);

/**
 * Writes a table of the model's layers (index, kind, output shape for `batch` rows, parameters, and for a
 * dense layer the activation applied to its output: the activation layer that follows it, else linear),
 * the parameter total with the bytes of the float32 weights and biases, and the bytes of the training
 * workspace nnb_model_prepare(model, batch) allocates (layer outputs and input gradients, the loss gradient,
 * per-sample losses and the gather buffers; the GEMM core's packing scratch, which depends on the core and
 * the thread setting, comes on top). Example:
 * @verbatim
   Layer  Kind      Output shape        Parameters  Activation
   -----  --------  ----------------  ------------  ----------
   0      dense     (10, 4)                     12  relu
   1      relu      (10, 4)                      0  -
   Total parameters: 12 (48 bytes of float32 weights and biases)
   Training workspace for batches of 10: 800 bytes (plus the GEMM packing scratch)
   @endverbatim
 * @param model the model (finalized or not; only read).
 * @param out the stream written to (borrowed; not closed or flushed).
 * @param batch the batch size the shapes and the workspace are given for (> 0).
 * @return NNB_OK, NNB_ERR_NULL (model or out), NNB_ERR_ARGUMENT (batch 0), NNB_ERR_OVERFLOW, NNB_ERR_IO
 *         (writing failed).
 */
NNB_API nnb_status nnb_model_summary(const nnb_model *model, FILE *out, size_t batch);

/**
 * The bytes of the training workspace nnb_model_prepare(model, batch) allocates, as nnb_model_summary
 * reports them (layer outputs and input gradients, convolution and batch-normalisation buffers, the loss
 * gradient, per-sample losses and the gather buffers; the GEMM core's packing scratch comes on top). For
 * checking a memory bound before anything large is allocated.
 * @param model the model (finalized or not; only read).
 * @param batch the batch size (> 0).
 * @param out receives the byte count; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL (model or out), NNB_ERR_ARGUMENT (batch 0), NNB_ERR_OVERFLOW (the count does not
 *         fit a size_t).
 */
NNB_API nnb_status nnb_model_workspace_bytes(const nnb_model *model, size_t batch, size_t *out);

/* ---- accessors (for saving, loading and inspection) ---- */

/**
 * Number of layers added so far.
 * @param model the model.
 * @return the count; 0 for NULL.
 */
NNB_API size_t nnb_model_layer_count(const nnb_model *model);

/**
 * Describes a layer.
 * @param model the model.
 * @param i 0-based layer index, in order of addition.
 * @param info receives the description; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE (i >= layer count).
 */
NNB_API nnb_status nnb_model_layer_info(const nnb_model *model, size_t i, nnb_layer_info *info);

/**
 * The dense layer at index i, to read or load its parameters (nnb_dense_weights_mut /
 * nnb_dense_set_weights; never change their shapes).
 * @param model the model.
 * @param i 0-based layer index.
 * @return borrowed, valid until the model is destroyed; NULL when the model is NULL, i is out of range or
 *         layer i is not dense.
 */
NNB_API nnb_dense *nnb_model_dense(nnb_model *model, size_t i);

/**
 * The dense layer at index i, read-only.
 * @param model the model.
 * @param i 0-based layer index.
 * @return borrowed, as nnb_model_dense.
 */
NNB_API const nnb_dense *nnb_model_cdense(const nnb_model *model, size_t i);

/**
 * Input width: the first dense layer's n_inputs.
 * @param model the model.
 * @return the width; 0 when empty or NULL.
 */
NNB_API size_t nnb_model_input_size(const nnb_model *model);

/**
 * The output shape of layer i as channels x rows x columns (dense and other flat layers: width x 1 x 1).
 * @param model the model.
 * @param i the layer's index.
 * @param chw receives C, H and W (untouched on failure).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE (no layer i).
 */
NNB_API nnb_status nnb_model_layer_shape(const nnb_model *model, size_t i, size_t chw[3]);

/**
 * The learned parameters of layer i as a dense layer holds them: dense layers themselves; convolutions
 * (weights (in_c * kh * kw) x out_c, biases 1 x out_c); batch normalisation (weights = gamma, biases =
 * beta, 1 x C each). Other kinds: NULL.
 * @param model the model.
 * @param i the layer's index.
 * @return the parameters (borrowed: owned by the model, valid until it is destroyed), or NULL.
 */
NNB_API nnb_dense *nnb_model_dense_params(nnb_model *model, size_t i);

/**
 * nnb_model_dense_params for a const model.
 * @param model the model.
 * @param i the layer's index.
 * @return the parameters (borrowed, read-only), or NULL.
 */
NNB_API const nnb_dense *nnb_model_cdense_params(const nnb_model *model, size_t i);

/**
 * Batch normalisation layer i's running averages (C each).
 * @param model the model.
 * @param i the layer's index.
 * @param mean receives the running means (borrowed: owned by the model), or NULL.
 * @param var receives the running variances (borrowed), or NULL.
 * @param channels receives C, or NULL.
 * @return NNB_OK, NNB_ERR_NULL (model), NNB_ERR_RANGE (no layer i), NNB_ERR_ARGUMENT (not batch normalisation).
 */
NNB_API nnb_status nnb_model_batchnorm_stats(nnb_model *model, size_t i, float **mean, float **var, size_t *channels);

/**
 * Output width: the last layer's.
 * @param model the model.
 * @return the width; 0 when empty or NULL.
 */
NNB_API size_t nnb_model_output_size(const nnb_model *model);

/**
 * Whether nnb_model_finalize has succeeded.
 * @param model the model.
 * @return non-zero once finalized; 0 otherwise and for NULL.
 */
NNB_API int nnb_model_is_finalized(const nnb_model *model);

/**
 * Whether the finalized model uses the fused softmax + CCE backward.
 * @param model the model.
 * @return non-zero when it does; 0 otherwise and for NULL.
 */
NNB_API int nnb_model_uses_fused_backward(const nnb_model *model);

/**
 * The loss kind.
 * @param model the model.
 * @return the kind; NNB_LOSS_NONE when unset or for NULL.
 */
NNB_API nnb_loss_kind nnb_model_loss_kind(const nnb_model *model);

/**
 * The accuracy kind.
 * @param model the model.
 * @return the kind; NNB_ACCURACY_NONE when unset or for NULL.
 */
NNB_API nnb_accuracy_kind nnb_model_accuracy_kind(const nnb_model *model);

/**
 * Copies the optimizer's parameters.
 * @param model the model.
 * @param out receives the parameters.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_STATE (no optimizer set).
 */
NNB_API nnb_status nnb_model_optimizer_params(const nnb_model *model, nnb_optimizer_params *out);

/**
 * The optimizer, for nnb_optimizer_iterations / nnb_optimizer_current_lr.
 * @param model the model.
 * @return borrowed (valid until the optimizer is replaced or the model destroyed); NULL when unset.
 */
NNB_API const nnb_optimizer *nnb_model_optimizer(const nnb_model *model);

/**
 * The regression precision.
 * @param model the model.
 * @param out receives the precision.
 * @param is_set optional (NULL): receives whether one is stored (0 until the first regression training run
 *               or nnb_model_set_regression_precision).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_model_regression_precision(const nnb_model *model, float *out, int *is_set);

/**
 * Stores a regression precision (e.g.\ from a model file).
 * @param model the model.
 * @param precision finite, >= 0.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (< 0 or not finite).
 */
NNB_API nnb_status nnb_model_set_regression_precision(nnb_model *model, float precision);

/**
 * The model's generator, e.g.\ to re-seed it.
 * @param model the model.
 * @return borrowed, valid until the model is destroyed; NULL for NULL.
 */
NNB_API nnb_rng *nnb_model_rng(nnb_model *model);

#ifdef __cplusplus
}
#endif

#endif /* NNB_MODEL_H */
