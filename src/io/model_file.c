/* SPDX-License-Identifier: MIT */
/*
 * Model files: a checked little-endian encoder/decoder over the public model API, a slicing-by-8 CRC-32,
 * and atomic saving (temporary file in the same directory, flush, fsync, rename).
 * The byte layout is documented in docs/MODEL_FORMAT.md; keep the two in step.
 */
#define _XOPEN_SOURCE 700 /* POSIX.1-2008 with realpath */

#include "base/error_internal.h"
#include "nnbasics/model_file.h"
#include "nnbasics/preprocess.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc_internal.h"
#include "train/model_internal.h"
#include "io/crc32_tables.h"
#include "io/file_internal.h"

/* ---- constants of the format ---- */

static const unsigned char k_magic[8] = {0x89, 'N', 'N', 'B', 0x0d, 0x0a, 0x1a, 0x0a};
#define HEADER_BYTES 24u
#define TRAILER_BYTES 4u
#define OPT_DOUBLES 7u
#define FLAG_FUSED 1u
#define FLAG_PRECISION 2u

/* ---- CRC-32, slicing by 8: eight table look-ups per 8 bytes (crc32_tables.h) ---- */

uint32_t nnb_crc32(uint32_t crc, const void *data, size_t size)
{
    const uint32_t(*t)[256] = k_crc32_tables;
    const unsigned char *p = data;
    crc = ~crc;
    for (; size >= 8; size -= 8, p += 8) {
        const uint32_t lo =
            crc ^ ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
        crc = t[7][lo & 0xffu] ^ t[6][(lo >> 8) & 0xffu] ^ t[5][(lo >> 16) & 0xffu] ^ t[4][lo >> 24] ^ t[3][p[4]] ^
              t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; size > 0; --size, ++p) {
        crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xffu];
    }
    return ~crc;
}

/* ---- encoding ---- */

/* A writer that only counts when out is NULL. Positions are checked against overflow while counting. */
typedef struct writer {
    unsigned char *out;
    size_t pos;
    int overflow;
} writer;

static void w_bytes(writer *w, const void *src, size_t n)
{
    if (w->overflow) {
        return;
    }
    if (n > SIZE_MAX - w->pos) {
        w->overflow = 1;
        return;
    }
    if (w->out != NULL) {
        memcpy(w->out + w->pos, src, n);
    }
    w->pos += n;
}

static void w_u32(writer *w, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    w_bytes(w, b, 4);
}

static void w_u64(writer *w, uint64_t v)
{
    w_u32(w, (uint32_t)v);
    w_u32(w, (uint32_t)(v >> 32));
}

static void w_f32(writer *w, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    w_u32(w, bits);
}

static void w_f64(writer *w, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    w_u64(w, bits);
}

/* n floats; in counting mode only the size is added (checked). */
static void w_floats(writer *w, const float *values, size_t n)
{
    size_t bytes;
    if (nnb__mul_size(n, 4, &bytes) != NNB_OK) {
        w->overflow = 1;
        return;
    }
    if (w->out == NULL) {
        if (bytes > SIZE_MAX - w->pos) {
            w->overflow = 1;
        } else {
            w->pos += bytes;
        }
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        w_f32(w, values[i]);
    }
}

static nnb_status check_dense_finite(const nnb_dense *d)
{
    if (nnb_tensor_check_finite(nnb_dense_weights(d), NULL) != NNB_OK ||
        nnb_tensor_check_finite(nnb_dense_biases(d), NULL) != NNB_OK) {
        return NNB__FAILF(NNB_ERR_NONFINITE, "a dense layer holds a NaN or infinite parameter");
    }
    return NNB_OK;
}

static void w_dense_params(writer *w, const nnb_dense *d)
{
    w_floats(w, nnb_tensor_cdata(nnb_dense_weights(d)), nnb_tensor_size(nnb_dense_weights(d)));
    w_floats(w, nnb_tensor_cdata(nnb_dense_biases(d)), nnb_tensor_size(nnb_dense_biases(d)));
}

/* ---- optimizer settings: the rules a file's values must follow, for reading and writing alike ---- */

/* The stored doubles' names, for messages. */
static const char *const k_opt_field_names[OPT_DOUBLES] = {"learning_rate", "decay",  "momentum", "epsilon",
                                                           "rho",           "beta_1", "beta_2"};

/* Which of the seven stored doubles (OPT_DOUBLES order) an optimizer kind uses; learning rate and decay always. */
static int opt_uses(nnb_optimizer_kind kind, size_t field)
{
    switch (field) {
    case 0:
    case 1: return 1;
    case 2: return kind == NNB_OPTIMIZER_SGD;
    case 3: return kind != NNB_OPTIMIZER_SGD;
    case 4: return kind == NNB_OPTIMIZER_RMSPROP;
    case 5:
    case 6: return kind == NNB_OPTIMIZER_ADAM;
    default: return 0;
    }
}

/*
 * Whether v is an acceptable value of stored field `field` for an optimizer that uses it: learning rate
 * finite and > 0; decay and epsilon finite and >= 0; momentum, rho, beta_1, beta_2 in [0, 1) (momentum 1 or
 * more would let the velocity grow without bound).
 */
static int opt_value_ok(size_t field, double v)
{
    switch (field) {
    case 0: return isfinite(v) && v > 0.0;
    case 1:
    case 3: return isfinite(v) && v >= 0.0;
    default: return isfinite(v) && v >= 0.0 && v < 1.0;
    }
}

static void opt_to_array(const nnb_optimizer_params *op, double v[OPT_DOUBLES])
{
    v[0] = op->learning_rate;
    v[1] = op->decay;
    v[2] = op->momentum;
    v[3] = op->epsilon;
    v[4] = op->rho;
    v[5] = op->beta_1;
    v[6] = op->beta_2;
}

static int is_positive_zero(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    return bits == 0;
}

/* ---- the preprocessing and names section (version 2, whole model; docs/MODEL_FORMAT.md) ---- */

static void w_names(writer *w, size_t count, const char *(*get)(const nnb_model *, size_t), const nnb_model *model)
{
    w_u32(w, (uint32_t)count);
    for (size_t i = 0; i < count; ++i) {
        const char *name = get(model, i);
        const size_t len = strlen(name);
        w_u32(w, (uint32_t)len);
        w_bytes(w, name, len);
    }
}

/* Encodes the section; the model API already keeps its values valid (finite, scale > 0, names 1..1024 bytes). */
static nnb_status encode_meta(const nnb_model *model, writer *w)
{
    nnb_preprocess_kind kind = NNB_PREPROCESS_NONE;
    const float *center = NULL, *scale = NULL;
    nnb_status st = nnb_model_preprocess_info(model, &kind, &center, &scale);
    if (st != NNB_OK) {
        return st;
    }
    const size_t n = kind == NNB_PREPROCESS_NONE ? 0 : nnb_model_input_size(model);
    w_u32(w, (uint32_t)kind);
    w_u64(w, (uint64_t)n);
    if (n > 0) {
        w_floats(w, center, n);
        w_floats(w, scale, n);
    }
    w_names(w, nnb_model_class_name_count(model), nnb_model_class_name, model);
    w_names(w, nnb_model_feature_name_count(model), nnb_model_feature_name, model);
    return NNB_OK;
}

/* ---- the training-settings section (version 3, whole model; docs/MODEL_FORMAT.md) ---- */

#define TRAINING_SECTION_BYTES 76u /* after its own u32 length */

/* Encodes the section; op is the optimizer's parameters, NULL without one. The model API keeps every value valid. */
static nnb_status encode_training(const nnb_model *model, const nnb_optimizer_params *op, writer *w)
{
    nnb_lr_schedule s;
    int scheduled = 0;
    double clip_value = 0.0, clip_norm = 0.0;
    nnb_status st = nnb_model_schedule(model, &s, &scheduled);
    if (st == NNB_OK) {
        st = nnb_model_clip(model, &clip_value, &clip_norm);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (!scheduled) {
        memset(&s, 0, sizeof s); /* "0 when absent" */
    }
    w_u32(w, TRAINING_SECTION_BYTES);
    w_f64(w, op != NULL && op->kind == NNB_OPTIMIZER_ADAM ? op->weight_decay : 0.0);
    w_u32(w, scheduled ? 1u : 0u);
    w_u32(w, (uint32_t)s.kind);
    w_u64(w, (uint64_t)s.warmup);
    w_u64(w, (uint64_t)s.step_size);
    w_f64(w, s.gamma);
    w_u64(w, (uint64_t)s.period);
    w_f64(w, s.min_lr);
    w_u32(w, s.restarts ? 1u : 0u);
    w_f64(w, clip_value);
    w_f64(w, clip_norm);
    return NNB_OK;
}

/* The fields of a version-3 image layer record (docs/MODEL_FORMAT.md); nothing for the other kinds. */
static void w_image_layer(writer *w, const nnb__model_layer *l)
{
    if (l->kind == NNB_LAYER_CONV2D) {
        const uint64_t v[9] = {l->in_shape[0], l->in_shape[1], l->in_shape[2], l->conv.out_c, l->conv.kh,
                               l->conv.kw,     l->conv.stride, l->pad_h,       l->pad_w};
        for (size_t k = 0; k < 9; ++k) {
            w_u64(w, v[k]);
        }
        w_u32(w, (uint32_t)l->conv_padding);
        w_u32(w, l->conv_bias ? 1u : 0u);
        w_f32(w, l->init_scale);
        w_dense_params(w, l->dense);
    } else if (l->kind == NNB_LAYER_MAXPOOL2D || l->kind == NNB_LAYER_AVGPOOL2D) {
        w_u64(w, (uint64_t)l->pool.kh);
        w_u64(w, (uint64_t)l->pool.kw);
        w_u64(w, (uint64_t)l->pool.stride);
    } else if (l->kind == NNB_LAYER_BATCHNORM) {
        w_u64(w, (uint64_t)l->in_shape[0]);
        w_f32(w, l->bn_momentum);
        w_f32(w, l->bn_eps);
        w_dense_params(w, l->dense);
        w_floats(w, l->bn_running, 2 * l->in_shape[0]);
    }
}

/* Checks the parameters and state of the conv2d and batchnorm layers (the writer's limits, finiteness). */
static nnb_status check_image_layers(const nnb_model *model, nnb_model_file_kind kind)
{
    for (size_t i = 0; i < model->n_layers; ++i) {
        const nnb__model_layer *l = &model->layers[i];
        if (l->kind != NNB_LAYER_CONV2D && l->kind != NNB_LAYER_BATCHNORM) {
            continue;
        }
        if (kind == NNB_MODEL_FILE_PARAMETERS) {
            return NNB__FAILF(NNB_ERR_STATE,
                              "layer %zu is %s: parameters-only files hold dense layers only; save the whole model", i,
                              l->kind == NNB_LAYER_CONV2D ? "conv2d" : "batchnorm");
        }
        const size_t sizes[6] = {l->in_shape[0],
                                 l->in_shape[1],
                                 l->in_shape[2],
                                 nnb_dense_n_inputs(l->dense),
                                 nnb_dense_n_neurons(l->dense),
                                 l->pad_h > l->pad_w ? l->pad_h : l->pad_w};
        for (size_t k = 0; k < 6; ++k) {
            if (sizes[k] > NNB_MODEL_FILE_MAX_WIDTH) {
                return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu: a size (%zu) is above the format's %zu", i, sizes[k],
                                  (size_t)NNB_MODEL_FILE_MAX_WIDTH);
            }
        }
        nnb_status st = check_dense_finite(l->dense);
        if (st != NNB_OK) {
            return NNB__CONTEXTF(st, "layer %zu", i);
        }
        for (size_t k = 0; l->kind == NNB_LAYER_BATCHNORM && k < 2 * l->in_shape[0]; ++k) {
            if (!isfinite(l->bn_running[k])) {
                return NNB__FAILF(NNB_ERR_NONFINITE, "layer %zu (batchnorm): a running average is not finite", i);
            }
        }
    }
    return NNB_OK;
}

/* Checks that the model can be written (limits, finiteness) and encodes its payload. */
static nnb_status encode_payload(const nnb_model *model, nnb_model_file_kind kind, writer *w)
{
    const size_t layers = nnb_model_layer_count(model);
    if (layers > NNB_MODEL_FILE_MAX_LAYERS) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%zu layers, more than the format's %u", layers, NNB_MODEL_FILE_MAX_LAYERS);
    }
    size_t dense_count = 0;
    for (size_t i = 0; i < layers; ++i) {
        const nnb_dense *d = nnb_model_cdense(model, i);
        if (d == NULL) {
            continue;
        }
        ++dense_count;
        if (nnb_dense_n_inputs(d) > NNB_MODEL_FILE_MAX_WIDTH || nnb_dense_n_neurons(d) > NNB_MODEL_FILE_MAX_WIDTH) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense) is %zu x %zu, wider than the format's %zu", i,
                              nnb_dense_n_inputs(d), nnb_dense_n_neurons(d), (size_t)NNB_MODEL_FILE_MAX_WIDTH);
        }
        nnb_status st = check_dense_finite(d);
        if (st != NNB_OK) {
            return st;
        }
    }
    nnb_status ist = check_image_layers(model, kind);
    if (ist != NNB_OK) {
        return ist;
    }
    if (kind == NNB_MODEL_FILE_PARAMETERS) {
        if (dense_count == 0) {
            return NNB__FAILF(NNB_ERR_STATE, "the model has no dense layer: no parameters to save");
        }
        w_u32(w, (uint32_t)dense_count);
        for (size_t i = 0; i < layers; ++i) {
            const nnb_dense *d = nnb_model_cdense(model, i);
            if (d != NULL) {
                w_u64(w, (uint64_t)nnb_dense_n_inputs(d));
                w_u64(w, (uint64_t)nnb_dense_n_neurons(d));
                w_dense_params(w, d);
            }
        }
        return NNB_OK;
    }

    if (!nnb_model_is_finalized(model)) {
        return NNB__FAILF(NNB_ERR_STATE, "the model is not finalized (nnb_model_finalize)");
    }
    float precision = 0.0f;
    int precision_set = 0;
    nnb_status st = nnb_model_regression_precision(model, &precision, &precision_set);
    if (st != NNB_OK) {
        return st;
    }
    uint32_t flags = 0;
    if (nnb_model_uses_fused_backward(model)) {
        flags |= FLAG_FUSED;
    }
    if (precision_set) {
        flags |= FLAG_PRECISION;
    }
    w_u32(w, (uint32_t)layers);
    w_u32(w, (uint32_t)nnb_model_loss_kind(model));
    w_u32(w, (uint32_t)nnb_model_accuracy_kind(model));
    w_u32(w, flags);
    w_f32(w, precision_set ? precision : 0.0f);
    nnb_optimizer_params op;
    memset(&op, 0, sizeof op);
    const int has_opt = nnb_model_optimizer_params(model, &op) == NNB_OK;
    double values[OPT_DOUBLES];
    opt_to_array(&op, values);
    /* The fields the optimizer uses must pass the reader's rules; the others are written as 0. */
    for (size_t i = 0; i < OPT_DOUBLES; ++i) {
        if (!has_opt || !opt_uses(op.kind, i)) {
            values[i] = 0.0;
        } else if (!opt_value_ok(i, values[i])) {
            return NNB__FAILF(NNB_ERR_FORMAT, "optimizer %s %g cannot be stored (the file format requires %s)",
                              k_opt_field_names[i], values[i],
                              i == 0 ? "finite and > 0"
                              : (i == 1 || i == 3)
                                  ? "finite and >= 0"
                                  : "[0, 1)"); /* e.g. SGD momentum >= 1, which the optimizer API accepts */
        }
    }
    w_u32(w, has_opt ? 1u : 0u);
    w_u32(w, has_opt ? (uint32_t)op.kind : 0u);
    for (size_t i = 0; i < OPT_DOUBLES; ++i) {
        w_f64(w, values[i]);
    }
    for (size_t i = 0; i < layers; ++i) {
        nnb_layer_info info;
        st = nnb_model_layer_info(model, i, &info);
        if (st != NNB_OK) {
            return st;
        }
        w_u32(w, (uint32_t)info.kind);
        if (info.kind == NNB_LAYER_DENSE) {
            const nnb_dense *d = nnb_model_cdense(model, i);
            w_u64(w, (uint64_t)nnb_dense_n_inputs(d));
            w_u64(w, (uint64_t)nnb_dense_n_neurons(d));
            w_f32(w, info.init_scale);
            w_f32(w, info.regularization.weight_l1);
            w_f32(w, info.regularization.weight_l2);
            w_f32(w, info.regularization.bias_l1);
            w_f32(w, info.regularization.bias_l2);
            w_dense_params(w, d);
        } else if (info.kind == NNB_LAYER_DROPOUT) {
            w_f32(w, info.rate);
        } else if (info.kind == NNB_LAYER_LEAKY_RELU || info.kind == NNB_LAYER_ELU) {
            w_f32(w, info.alpha);
        } else if (info.kind == NNB_LAYER_GELU) {
            w_u32(w, (uint32_t)info.gelu);
        } else {
            w_image_layer(w, &model->layers[i]);
        }
    }
    st = encode_meta(model, w);
    if (st == NNB_OK) {
        st = encode_training(model, has_opt ? &op : NULL, w);
    }
    return st;
}

nnb_status nnb_model_serialize(const nnb_model *model, nnb_model_file_kind kind, void *buffer, size_t capacity,
                               size_t *size)
{
    if (model == NULL || size == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (kind != NNB_MODEL_FILE_MODEL && kind != NNB_MODEL_FILE_PARAMETERS) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    /* First pass: validate and measure. */
    writer count = {NULL, 0, 0};
    nnb_status st = encode_payload(model, kind, &count);
    if (st != NNB_OK) {
        return st;
    }
    if (count.overflow || count.pos > SIZE_MAX - HEADER_BYTES - TRAILER_BYTES) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    const size_t payload = count.pos;
    const size_t total = HEADER_BYTES + payload + TRAILER_BYTES;
    if (total > NNB_MODEL_FILE_MAX_BYTES) {
        return NNB__FAILF(NNB_ERR_FORMAT, "the file would be %zu bytes, more than the format's %zu", total,
                          (size_t)NNB_MODEL_FILE_MAX_BYTES);
    }
    if (buffer != NULL) {
        if (capacity < total) {
            return NNB__FAIL(NNB_ERR_ARGUMENT);
        }
        writer w = {buffer, 0, 0};
        w_bytes(&w, k_magic, sizeof k_magic);
        w_u32(&w, NNB_MODEL_FILE_VERSION);
        w_u32(&w, (uint32_t)kind);
        w_u64(&w, (uint64_t)payload);
        st = encode_payload(model, kind, &w);
        if (st != NNB_OK) {
            return st; /* unreachable: the first pass succeeded on the same const model */
        }
        w_u32(&w, nnb_crc32(0, buffer, HEADER_BYTES + payload));
    }
    *size = total;
    return NNB_OK;
}

/* ---- decoding ---- */

typedef struct reader {
    const unsigned char *p;
    size_t left;
    const unsigned char *base; /* the file's first byte, for offsets in messages */
} reader;

/* Offset in the file of the reader's next byte. */
static size_t r_offset(const reader *r)
{
    return (size_t)(r->p - r->base);
}

/* Names for messages. */
static const char *layer_kind_name(uint32_t kind)
{
    static const char *const names[] = {"dense", "relu",       "softmax", "sigmoid", "linear",  "dropout",
                                        "tanh",  "leaky_relu", "elu",     "gelu",    "softplus"};
    static const char *const image[] = {"conv2d", "maxpool2d", "avgpool2d", "global_avgpool", "batchnorm", "flatten"};
    if (kind >= (uint32_t)NNB_LAYER_CONV2D && kind <= (uint32_t)NNB_LAYER_FLATTEN) {
        return image[kind - (uint32_t)NNB_LAYER_CONV2D];
    }
    return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* "NaN", "inf", "-inf" or the value, for messages about a double. */
static const char *describe_double(double v, char *buf, size_t size)
{
    if (isnan(v)) {
        return "NaN";
    }
    if (isinf(v)) {
        return v > 0 ? "infinite" : "-infinite";
    }
    (void)snprintf(buf, size, "%.17g", v);
    return buf;
}

static int r_bytes(reader *r, size_t n, const unsigned char **at)
{
    if (n > r->left) {
        return 0;
    }
    *at = r->p;
    r->p += n;
    r->left -= n;
    return 1;
}

static uint32_t le32(const unsigned char *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static int r_u32(reader *r, uint32_t *v)
{
    const unsigned char *b;
    if (!r_bytes(r, 4, &b)) {
        return 0;
    }
    *v = le32(b);
    return 1;
}

static int r_u64(reader *r, uint64_t *v)
{
    uint32_t lo, hi;
    if (!r_u32(r, &lo) || !r_u32(r, &hi)) {
        return 0;
    }
    *v = (uint64_t)lo | ((uint64_t)hi << 32);
    return 1;
}

static float f32_at(const unsigned char *b)
{
    uint32_t bits = le32(b);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static int r_f32(reader *r, float *f)
{
    const unsigned char *b;
    if (!r_bytes(r, 4, &b)) {
        return 0;
    }
    *f = f32_at(b);
    return 1;
}

static int r_f64(reader *r, double *d)
{
    uint64_t bits;
    if (!r_u64(r, &bits)) {
        return 0;
    }
    memcpy(d, &bits, 8);
    return 1;
}

/* One layer as the file describes it; parameters stay in the file's bytes until copied. */
typedef struct layer_desc {
    uint32_t kind;
    size_t n_in, n_out;
    float init_scale;
    nnb_regularization reg;
    float rate;
    float alpha;                  /* leaky ReLU slope, ELU alpha */
    uint32_t gelu;                /* GELU approximation */
    const unsigned char *weights; /* n_in * n_out little-endian floats */
    const unsigned char *biases;  /* n_out floats */
    /* Version 3 image layers. conv2d: n_in = in_c * kh * kw and n_out = out_c (its weight matrix);
       batchnorm: n_in = 1, n_out = C (gamma as weights, beta as biases), running = 2 * C floats. */
    uint64_t shape[3]; /* conv2d: in_c, in_h, in_w */
    uint64_t size[6];  /* conv2d: out_c, kh, kw, stride, pad_h, pad_w; pooling: kh, kw, stride */
    uint32_t padding, bias;
    float momentum, eps;
    const unsigned char *running;
} layer_desc;

/* The preprocessing and names section (version 2, whole model), still in the file's bytes. */
typedef struct meta_desc {
    uint32_t pre_kind;
    size_t n_features;            /* entries at center and scale (0 when pre_kind is none) */
    const unsigned char *center;  /* n_features little-endian floats */
    const unsigned char *scale;   /* n_features floats */
    uint32_t n_class_names;       /* 0 or the output width (2 for one output) */
    const unsigned char *classes; /* the class name records */
    uint32_t n_feature_names;     /* 0 or the input width */
    const unsigned char *features;
} meta_desc;

/* The training-settings section (version 3, whole model), checked. */
typedef struct training_desc {
    double weight_decay;
    int scheduled;
    nnb_lr_schedule schedule;
    double clip_value, clip_norm;
} training_desc;

typedef struct file_desc {
    uint32_t kind;
    size_t layer_count;
    layer_desc *layers; /* library memory, layer_count entries */
    uint32_t loss, accuracy, flags;
    float precision;
    uint32_t has_optimizer;
    nnb_optimizer_params opt;
    meta_desc meta;         /* version 2 whole-model files; all zero otherwise */
    training_desc training; /* version 3 whole-model files; all zero otherwise */
} file_desc;

/* Reads a dense layer's sizes and locates its parameters, checking every size before anything else. */
static nnb_status r_dense_params(reader *r, layer_desc *l, int with_settings, size_t index)
{
    uint64_t n_in, n_out;
    if (!r_u64(r, &n_in) || !r_u64(r, &n_out)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense): truncated at byte %zu while reading its sizes", index,
                          r_offset(r));
    }
    if (n_in == 0 || n_out == 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense): %s 0 must be >= 1", index,
                          n_in == 0 ? "n_inputs" : "n_neurons");
    }
    if (n_in > NNB_MODEL_FILE_MAX_WIDTH || n_out > NNB_MODEL_FILE_MAX_WIDTH) {
        return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense): %s %llu is above the limit of %zu", index,
                          n_in > NNB_MODEL_FILE_MAX_WIDTH ? "n_inputs" : "n_neurons",
                          (unsigned long long)(n_in > NNB_MODEL_FILE_MAX_WIDTH ? n_in : n_out),
                          (size_t)NNB_MODEL_FILE_MAX_WIDTH);
    }
    l->n_in = (size_t)n_in;
    l->n_out = (size_t)n_out;
    if (with_settings) {
        if (!r_f32(r, &l->init_scale) || !r_f32(r, &l->reg.weight_l1) || !r_f32(r, &l->reg.weight_l2) ||
            !r_f32(r, &l->reg.bias_l1) || !r_f32(r, &l->reg.bias_l2)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense): truncated at byte %zu while reading its settings",
                              index, r_offset(r));
        }
    }
    size_t wbytes, bbytes;
    if (nnb__mul3_size(l->n_in, l->n_out, 4, &wbytes) != NNB_OK || nnb__mul_size(l->n_out, 4, &bbytes) != NNB_OK) {
        /* cannot be present in a file of at most NNB_MODEL_FILE_MAX_BYTES */
        return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dense): %zu x %zu parameters overflow", index, l->n_in, l->n_out);
    }
    if (!r_bytes(r, wbytes, &l->weights)) {
        return NNB__FAILF(NNB_ERR_FORMAT,
                          "layer %zu (dense): truncated at byte %zu while reading its %zu x %zu weights (%zu bytes "
                          "needed, %zu left)",
                          index, r_offset(r), l->n_in, l->n_out, wbytes, r->left);
    }
    if (!r_bytes(r, bbytes, &l->biases)) {
        return NNB__FAILF(NNB_ERR_FORMAT,
                          "layer %zu (dense): truncated at byte %zu while reading its %zu biases (%zu bytes left)",
                          index, r_offset(r), l->n_out, r->left);
    }
    return NNB_OK;
}

/* Reads n u64 sizes of layer `index` into v, each 1..NNB_MODEL_FILE_MAX_WIDTH (min_zero: 0 allowed too). */
static nnb_status r_sizes(reader *r, uint64_t *v, size_t n, size_t index, const char *what, const char *const *names,
                          uint32_t zero_ok_mask)
{
    for (size_t k = 0; k < n; ++k) {
        if (!r_u64(r, &v[k])) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (%s): truncated at byte %zu while reading its %s", index, what,
                              r_offset(r), names[k]);
        }
        if ((v[k] == 0 && (zero_ok_mask & (1u << k)) == 0) || v[k] > NNB_MODEL_FILE_MAX_WIDTH) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (%s): %s %llu is not in %u..%zu", index, what, names[k],
                              (unsigned long long)v[k], (zero_ok_mask & (1u << k)) != 0 ? 0u : 1u,
                              (size_t)NNB_MODEL_FILE_MAX_WIDTH);
        }
    }
    return NNB_OK;
}

/* Locates `count` floats of layer `index` (what: for the message). */
static nnb_status r_floats_at(reader *r, size_t count, const unsigned char **at, size_t index, const char *kind,
                              const char *what)
{
    size_t bytes;
    if (nnb__mul_size(count, 4, &bytes) != NNB_OK || !r_bytes(r, bytes, at)) {
        return NNB__FAILF(NNB_ERR_FORMAT,
                          "layer %zu (%s): truncated at byte %zu while reading its %zu %s (%zu bytes left)", index,
                          kind, r_offset(r), count, what, r->left);
    }
    return NNB_OK;
}

/* A version-3 image layer record (kinds 16..21). */
static nnb_status r_image_layer(reader *r, layer_desc *l, size_t index)
{
    static const char *const conv_names[] = {"in_c",     "in_h",   "in_w",  "out_c", "kernel_h",
                                             "kernel_w", "stride", "pad_h", "pad_w"};
    static const char *const pool_names[] = {"kernel_h", "kernel_w", "stride"};
    static const char *const bn_names[] = {"channels"};
    const char *what = layer_kind_name(l->kind);
    nnb_status st = NNB_OK;
    switch ((nnb_layer_kind)l->kind) {
    case NNB_LAYER_CONV2D: {
        uint64_t v[9];
        st = r_sizes(r, v, 9, index, what, conv_names, (1u << 7) | (1u << 8));
        if (st != NNB_OK) {
            return st;
        }
        if (!r_u32(r, &l->padding) || !r_u32(r, &l->bias) || !r_f32(r, &l->init_scale)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (conv2d): truncated at byte %zu while reading its settings",
                              index, r_offset(r));
        }
        if (l->padding > 2 || l->bias > 1) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (conv2d): padding %u (0..2) or bias flag %u (0 or 1) invalid",
                              index, l->padding, l->bias);
        }
        memcpy(l->shape, v, sizeof l->shape);
        memcpy(l->size, v + 3, sizeof l->size);
        l->n_in = (size_t)(v[0] * v[4] * v[5]); /* each at most 2^24: no overflow in 64 bits for the check below */
        l->n_out = (size_t)v[3];
        if (v[0] * v[4] * v[5] > NNB_MODEL_FILE_MAX_WIDTH) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (conv2d): in_c x kernel %llu is above the limit of %zu", index,
                              (unsigned long long)(v[0] * v[4] * v[5]), (size_t)NNB_MODEL_FILE_MAX_WIDTH);
        }
        size_t count;
        if (nnb__mul_size(l->n_in, l->n_out, &count) != NNB_OK) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (conv2d): the weights overflow", index);
        }
        st = r_floats_at(r, count, &l->weights, index, what, "weights");
        return st != NNB_OK ? st : r_floats_at(r, l->n_out, &l->biases, index, what, "biases");
    }
    case NNB_LAYER_MAXPOOL2D:
    case NNB_LAYER_AVGPOOL2D: return r_sizes(r, l->size, 3, index, what, pool_names, 0);
    case NNB_LAYER_BATCHNORM: {
        uint64_t c;
        st = r_sizes(r, &c, 1, index, what, bn_names, 0);
        if (st != NNB_OK) {
            return st;
        }
        if (!r_f32(r, &l->momentum) || !r_f32(r, &l->eps)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (batchnorm): truncated at byte %zu while reading its settings",
                              index, r_offset(r));
        }
        l->n_in = 1;
        l->n_out = (size_t)c;
        st = r_floats_at(r, l->n_out, &l->weights, index, what, "scales (gamma)");
        if (st == NNB_OK) {
            st = r_floats_at(r, l->n_out, &l->biases, index, what, "shifts (beta)");
        }
        return st != NNB_OK ? st : r_floats_at(r, 2 * l->n_out, &l->running, index, what, "running averages");
    }
    default: return NNB_OK; /* global average pooling, flatten: no fields */
    }
}

/* Checks a list of `count` names (u32 length 1..NNB_MODEL_MAX_NAME, then that many bytes, none NUL). */
static nnb_status r_names(reader *r, uint32_t count, const char *what)
{
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t len;
        const unsigned char *b;
        if (!r_u32(r, &len)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s name %u: truncated", what, i);
        }
        if (len == 0 || len > NNB_MODEL_MAX_NAME) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s name %u has %u bytes (1 to %u allowed)", what, i, len,
                              NNB_MODEL_MAX_NAME);
        }
        if (!r_bytes(r, len, &b)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s name %u: truncated", what, i);
        }
        if (memchr(b, 0, len) != NULL) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s name %u holds a NUL byte", what, i);
        }
    }
    return NNB_OK;
}

/* Reads and checks the section after the layer records; fd->layers are decoded already. */
static nnb_status r_meta(reader *r, file_desc *fd)
{
    meta_desc *m = &fd->meta;
    /* The widths the layers give: the first layer's input (dense, else finalize refuses the file later)
     * and the last dense layer's output (activations and dropout keep the width). */
    size_t in_w = 0, out_w = 0;
    for (size_t i = 0; i < fd->layer_count; ++i) {
        const layer_desc *l = &fd->layers[i];
        if (l->kind == NNB_LAYER_CONV2D && i == 0) {
            in_w = (size_t)(l->shape[0] * l->shape[1] * l->shape[2]);
        }
        if (l->kind == NNB_LAYER_DENSE) {
            in_w = in_w == 0 ? l->n_in : in_w;
            out_w = l->n_out;
        }
    }
    uint64_t n;
    if (!r_u32(r, &m->pre_kind) || !r_u64(r, &n)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "preprocessing section truncated");
    }
    if (m->pre_kind > (uint32_t)NNB_PREPROCESS_AFFINE) {
        return NNB__FAILF(NNB_ERR_FORMAT, "unknown preprocessing kind %u", m->pre_kind);
    }
    const uint64_t want = m->pre_kind == (uint32_t)NNB_PREPROCESS_NONE ? 0u : (uint64_t)in_w;
    if (n != want) {
        return NNB__FAILF(NNB_ERR_FORMAT, "preprocessing feature count %llu, expected %llu", (unsigned long long)n,
                          (unsigned long long)want);
    }
    m->n_features = (size_t)n;
    if (!r_bytes(r, m->n_features * 4, &m->center) || !r_bytes(r, m->n_features * 4, &m->scale)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "preprocessing values truncated");
    }
    for (size_t j = 0; j < m->n_features; ++j) {
        const float c = f32_at(m->center + 4 * j), sc = f32_at(m->scale + 4 * j);
        if (!isfinite(c)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "preprocessing center[%zu] is not finite", j);
        }
        if (!isfinite(sc) || !(sc > 0.0f)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "preprocessing scale[%zu] = %g is not a finite value > 0", j, (double)sc);
        }
    }
    if (!r_u32(r, &m->n_class_names)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "class name count truncated");
    }
    if (m->n_class_names != 0 && m->n_class_names != out_w && !(out_w == 1 && m->n_class_names == 2)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%u class names for %zu outputs", m->n_class_names, out_w);
    }
    m->classes = r->p;
    nnb_status st = r_names(r, m->n_class_names, "class");
    if (st != NNB_OK) {
        return st;
    }
    if (!r_u32(r, &m->n_feature_names)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "feature name count truncated");
    }
    if (m->n_feature_names != 0 && m->n_feature_names != in_w) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%u feature names for %zu inputs", m->n_feature_names, in_w);
    }
    m->features = r->p;
    return r_names(r, m->n_feature_names, "feature");
}

/* A u64 count of the section that must fit a size_t. */
static int r_size(reader *r, size_t *out)
{
    uint64_t v;
    if (!r_u64(r, &v) || v > (uint64_t)SIZE_MAX) {
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

/* Reads and checks the training-settings section; fd's optimizer settings are decoded already. */
static nnb_status r_training(reader *r, file_desc *fd)
{
    training_desc *t = &fd->training;
    uint32_t length, scheduled, kind, restarts;
    if (!r_u32(r, &length)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: truncated at byte %zu", r_offset(r));
    }
    if (length != TRAINING_SECTION_BYTES) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: section length %u, expected %u", length,
                          TRAINING_SECTION_BYTES);
    }
    nnb_lr_schedule *s = &t->schedule;
    if (!r_f64(r, &t->weight_decay) || !r_u32(r, &scheduled) || !r_u32(r, &kind) || !r_size(r, &s->warmup) ||
        !r_size(r, &s->step_size) || !r_f64(r, &s->gamma) || !r_size(r, &s->period) || !r_f64(r, &s->min_lr) ||
        !r_u32(r, &restarts) || !r_f64(r, &t->clip_value) || !r_f64(r, &t->clip_norm)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: truncated at byte %zu, or a count above SIZE_MAX",
                          r_offset(r));
    }
    char num[32];
    if (!(isfinite(t->weight_decay) && t->weight_decay >= 0.0)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: weight_decay is %s (must be finite and >= 0)",
                          describe_double(t->weight_decay, num, sizeof num));
    }
    if ((!fd->has_optimizer || fd->opt.kind != NNB_OPTIMIZER_ADAM) && !is_positive_zero(t->weight_decay)) {
        return NNB__FAILF(NNB_ERR_FORMAT,
                          "training settings: weight_decay %s stored without an Adam optimizer (must be 0)",
                          describe_double(t->weight_decay, num, sizeof num));
    }
    if (scheduled > 1) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule present is %u, not 0 or 1", scheduled);
    }
    if (kind > (uint32_t)NNB_SCHEDULE_COSINE) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: unknown schedule kind %u (0..%d)", kind,
                          (int)NNB_SCHEDULE_COSINE);
    }
    if (restarts > 1) {
        return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule restarts is %u, not 0 or 1", restarts);
    }
    s->kind = (nnb_schedule_kind)kind;
    s->restarts = (int)restarts;
    if (!scheduled) {
        if (kind != 0 || s->warmup != 0 || s->step_size != 0 || !is_positive_zero(s->gamma) || s->period != 0 ||
            !is_positive_zero(s->min_lr) || restarts != 0) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule fields must be 0 when no schedule is "
                                              "stored");
        }
    } else {
        /* Every field must be valid, used by the kind or not, so that a stored schedule is never half-checked. */
        if (s->step_size == 0 || s->period == 0) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule %s is 0 (must be >= 1)",
                              s->step_size == 0 ? "step_size" : "period");
        }
        if (!(isfinite(s->gamma) && s->gamma > 0.0)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule gamma is %s (must be finite and > 0)",
                              describe_double(s->gamma, num, sizeof num));
        }
        if (!(isfinite(s->min_lr) && s->min_lr >= 0.0)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: schedule min_lr is %s (must be finite and >= 0)",
                              describe_double(s->min_lr, num, sizeof num));
        }
        if (!fd->has_optimizer) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: a schedule stored without an optimizer");
        }
    }
    t->scheduled = (int)scheduled;
    const double clips[2] = {t->clip_value, t->clip_norm};
    for (size_t i = 0; i < 2; ++i) {
        if (!(isfinite(clips[i]) && clips[i] >= 0.0)) {
            return NNB__FAILF(NNB_ERR_FORMAT, "training settings: %s is %s (must be finite and >= 0)",
                              i == 0 ? "clip_value" : "clip_norm", describe_double(clips[i], num, sizeof num));
        }
    }
    return NNB_OK;
}

/* Validates the header, length and checksum, then decodes the payload into *fd (fd->layers allocated). */
static nnb_status decode(const void *data, size_t size, file_desc *fd)
{
    const unsigned char *bytes = data;
    if (size < sizeof k_magic || memcmp(bytes, k_magic, sizeof k_magic) != 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "not a libnnbasics model file (its first 8 bytes are not the magic "
                                          "\\x89NNB\\r\\n\\x1a\\n)");
    }
    if (size < HEADER_BYTES + TRAILER_BYTES) {
        return NNB__FAILF(NNB_ERR_FORMAT, "truncated: %zu bytes, shorter than the %u-byte header and trailer", size,
                          HEADER_BYTES + TRAILER_BYTES);
    }
    const uint32_t version = le32(bytes + 8);
    if (version < NNB_MODEL_FILE_MIN_VERSION || version > NNB_MODEL_FILE_VERSION) {
        return NNB__FAILF(NNB_ERR_VERSION, "format version %u; this library reads versions %u to %u", version,
                          NNB_MODEL_FILE_MIN_VERSION, NNB_MODEL_FILE_VERSION);
    }
    const uint32_t kind = le32(bytes + 12);
    const uint64_t payload = (uint64_t)le32(bytes + 16) | ((uint64_t)le32(bytes + 20) << 32);
    if (payload != (uint64_t)(size - HEADER_BYTES - TRAILER_BYTES)) {
        /* truncated, or trailing bytes */
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: the header says %llu payload bytes, the file holds %zu",
                          payload > (uint64_t)(size - HEADER_BYTES - TRAILER_BYTES) ? "truncated" : "trailing bytes",
                          (unsigned long long)payload, size - HEADER_BYTES - TRAILER_BYTES);
    }
    const uint32_t crc = nnb_crc32(0, bytes, size - TRAILER_BYTES);
    if (crc != le32(bytes + size - TRAILER_BYTES)) {
        return NNB__FAILF(NNB_ERR_FORMAT,
                          "CRC-32 mismatch over bytes 0..%zu (stored 0x%08x, computed 0x%08x): the file is corrupt",
                          size - TRAILER_BYTES, le32(bytes + size - TRAILER_BYTES), crc);
    }
    if (kind != NNB_MODEL_FILE_MODEL && kind != NNB_MODEL_FILE_PARAMETERS) {
        return NNB__FAILF(NNB_ERR_FORMAT, "header: unknown file kind %u (1 model, 2 parameters)", kind);
    }
    reader r = {bytes + HEADER_BYTES, size - HEADER_BYTES - TRAILER_BYTES, bytes};
    memset(fd, 0, sizeof *fd);
    fd->kind = kind;
    uint32_t count;
    if (!r_u32(&r, &count)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "truncated at byte %zu while reading the layer count", r_offset(&r));
    }
    if (count == 0 || count > NNB_MODEL_FILE_MAX_LAYERS) {
        return NNB__FAILF(NNB_ERR_FORMAT, "layer count %u is not in 1..%u", count, NNB_MODEL_FILE_MAX_LAYERS);
    }
    if (count > r.left / 4) {
        return NNB__FAILF(NNB_ERR_FORMAT, "layer count %u does not fit in the %zu payload bytes left", count, r.left);
    }
    if (kind == NNB_MODEL_FILE_MODEL) {
        uint32_t opt_kind = 0;
        double v[OPT_DOUBLES];
        int ok = r_u32(&r, &fd->loss) && r_u32(&r, &fd->accuracy) && r_u32(&r, &fd->flags) &&
                 r_f32(&r, &fd->precision) && r_u32(&r, &fd->has_optimizer) && r_u32(&r, &opt_kind);
        for (size_t i = 0; ok && i < OPT_DOUBLES; ++i) {
            ok = r_f64(&r, &v[i]);
        }
        if (!ok) {
            return NNB__FAILF(NNB_ERR_FORMAT, "truncated at byte %zu while reading the model settings", r_offset(&r));
        }
        if (fd->loss > (uint32_t)NNB_LOSS_MAE) {
            return NNB__FAILF(NNB_ERR_FORMAT, "model settings: unknown loss kind %u (0..%d)", fd->loss,
                              (int)NNB_LOSS_MAE);
        }
        if (fd->accuracy > (uint32_t)NNB_ACCURACY_REGRESSION) {
            return NNB__FAILF(NNB_ERR_FORMAT, "model settings: unknown accuracy kind %u (0..%d)", fd->accuracy,
                              (int)NNB_ACCURACY_REGRESSION);
        }
        if ((fd->flags & ~(FLAG_FUSED | FLAG_PRECISION)) != 0) {
            return NNB__FAILF(NNB_ERR_FORMAT, "model settings: unknown flag bits 0x%x", fd->flags);
        }
        if (fd->has_optimizer > 1) {
            return NNB__FAILF(NNB_ERR_FORMAT, "model settings: has_optimizer is %u, not 0 or 1", fd->has_optimizer);
        }
        if (opt_kind > (uint32_t)NNB_OPTIMIZER_ADAM) {
            return NNB__FAILF(NNB_ERR_FORMAT, "optimizer: unknown kind %u (0..%d)", opt_kind, (int)NNB_OPTIMIZER_ADAM);
        }
        if (count > r.left / 4) {
            return NNB__FAILF(NNB_ERR_FORMAT, "layer count %u does not fit in the %zu payload bytes left", count,
                              r.left);
        }
        /* "0 when absent": the precision without its flag, the optimizer fields without an optimizer. */
        uint32_t precision_bits;
        memcpy(&precision_bits, &fd->precision, 4);
        if ((fd->flags & FLAG_PRECISION) == 0 && precision_bits != 0) {
            return NNB__FAILF(NNB_ERR_FORMAT,
                              "model settings: regression precision is %g but its flag is not set (must be 0)",
                              (double)fd->precision);
        }
        if (!fd->has_optimizer && opt_kind != 0) {
            return NNB__FAILF(NNB_ERR_FORMAT, "optimizer: kind %u stored without an optimizer (must be 0)", opt_kind);
        }
        for (size_t i = 0; i < OPT_DOUBLES; ++i) {
            const double stored = v[i];
            const char *rule = NULL;
            if (!fd->has_optimizer) {
                rule = is_positive_zero(v[i]) ? NULL : "must be 0 when no optimizer is stored";
            } else if (opt_uses((nnb_optimizer_kind)opt_kind, i)) {
                if (!opt_value_ok(i, v[i])) {
                    rule = i == 0               ? "must be finite and > 0"
                           : (i == 1 || i == 3) ? "must be finite and >= 0"
                                                : "must be in [0, 1)";
                }
            } else {
                /* Unused: finite and >= 0 (ignored values an earlier writer may have stored); read as 0. */
                rule = isfinite(v[i]) && v[i] >= 0.0 ? NULL : "must be finite and >= 0 even when unused";
                v[i] = 0.0;
            }
            if (rule != NULL) {
                char num[32];
                return NNB__FAILF(NNB_ERR_FORMAT, "optimizer %s is %s (%s)", k_opt_field_names[i],
                                  describe_double(stored, num, sizeof num), rule);
            }
        }
        fd->opt.kind = (nnb_optimizer_kind)opt_kind;
        fd->opt.learning_rate = v[0];
        fd->opt.decay = v[1];
        fd->opt.momentum = v[2];
        fd->opt.epsilon = v[3];
        fd->opt.rho = v[4];
        fd->opt.beta_1 = v[5];
        fd->opt.beta_2 = v[6];
    }
    fd->layers = nnb__calloc(count, sizeof *fd->layers);
    if (fd->layers == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "out of memory for %u layer descriptions", count);
    }
    fd->layer_count = count;
    nnb_status st = NNB_OK;
    for (size_t i = 0; st == NNB_OK && i < count; ++i) {
        layer_desc *l = &fd->layers[i];
        if (kind == NNB_MODEL_FILE_PARAMETERS) {
            l->kind = NNB_LAYER_DENSE;
            st = r_dense_params(&r, l, 0, i);
            continue;
        }
        if (!r_u32(&r, &l->kind)) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "layer %zu: truncated at byte %zu while reading its kind", i, r_offset(&r));
        } else if (l->kind >= (uint32_t)NNB_LAYER_CONV2D && l->kind <= (uint32_t)NNB_LAYER_FLATTEN && version >= 3) {
            st = r_image_layer(&r, l, i);
        } else if (l->kind > (uint32_t)(version >= 3 ? NNB_LAYER_SOFTPLUS : NNB_LAYER_DROPOUT)) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "layer %zu: unknown layer kind %u (0..%d%s in a version-%u file)", i,
                            l->kind, (int)(version >= 3 ? NNB_LAYER_SOFTPLUS : NNB_LAYER_DROPOUT),
                            version >= 3 ? ", 16..21" : "", version);
        } else if ((l->kind == NNB_LAYER_LEAKY_RELU || l->kind == NNB_LAYER_ELU) && !r_f32(&r, &l->alpha)) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (%s): truncated at byte %zu while reading its %s", i,
                            layer_kind_name(l->kind), r_offset(&r), l->kind == NNB_LAYER_ELU ? "alpha" : "slope");
        } else if (l->kind == NNB_LAYER_GELU && !r_u32(&r, &l->gelu)) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (gelu): truncated at byte %zu while reading its approximation",
                            i, r_offset(&r));
        } else if (l->kind == NNB_LAYER_DENSE) {
            st = r_dense_params(&r, l, 1, i);
        } else if (l->kind == NNB_LAYER_DROPOUT && !r_f32(&r, &l->rate)) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "layer %zu (dropout): truncated at byte %zu while reading its rate", i,
                            r_offset(&r));
        }
    }
    if (st == NNB_OK && kind == NNB_MODEL_FILE_MODEL && version >= 2) {
        st = r_meta(&r, fd);
    }
    if (st == NNB_OK && kind == NNB_MODEL_FILE_MODEL && version >= 3) {
        st = r_training(&r, fd);
    }
    if (st == NNB_OK && r.left != 0) {
        /* bytes the payload does not account for */
        st =
            NNB__FAILF(NNB_ERR_FORMAT, "%zu unexplained bytes after the last layer, at byte %zu", r.left, r_offset(&r));
    }
    if (st != NNB_OK) {
        nnb__free(fd->layers);
        fd->layers = NULL;
    }
    return st;
}

/* Index of the first non-finite float of n at b, or n when all are finite. */
static size_t first_nonfinite(const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        if (!isfinite(f32_at(b + 4 * i))) {
            return i;
        }
    }
    return n;
}

static void copy_floats(float *dst, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        dst[i] = f32_at(b + 4 * i);
    }
}

static void copy_dense(nnb_dense *d, const layer_desc *l)
{
    copy_floats(nnb_tensor_data(nnb_dense_weights_mut(d)), l->weights, l->n_in * l->n_out);
    copy_floats(nnb_tensor_data(nnb_dense_biases_mut(d)), l->biases, l->n_out);
}

static nnb_status check_params_finite(const file_desc *fd)
{
    for (size_t i = 0; i < fd->layer_count; ++i) {
        const layer_desc *l = &fd->layers[i];
        if (l->kind != NNB_LAYER_DENSE && l->kind != NNB_LAYER_CONV2D && l->kind != NNB_LAYER_BATCHNORM) {
            continue;
        }
        if (l->kind == NNB_LAYER_BATCHNORM) {
            for (size_t k = 0; k < 2 * l->n_out; ++k) {
                float v = f32_at(l->running + 4 * k);
                if (!isfinite(v) || (k >= l->n_out && v < 0.0f)) {
                    return NNB__FAILF(isfinite(v) ? NNB_ERR_FORMAT : NNB_ERR_NONFINITE,
                                      "layer %zu (batchnorm): running %s %zu is %g%s", i,
                                      k < l->n_out ? "mean" : "variance", k % l->n_out, (double)v,
                                      isfinite(v) ? " (a variance must be >= 0)" : "");
                }
            }
        }
        const size_t w = first_nonfinite(l->weights, l->n_in * l->n_out);
        if (w < l->n_in * l->n_out) {
            return NNB__FAILF(NNB_ERR_NONFINITE, "layer %zu (dense): weight [%zu, %zu] is %s", i, w / l->n_out,
                              w % l->n_out, isnan(f32_at(l->weights + 4 * w)) ? "NaN" : "infinite");
        }
        const size_t b = first_nonfinite(l->biases, l->n_out);
        if (b < l->n_out) {
            return NNB__FAILF(NNB_ERR_NONFINITE, "layer %zu (dense): bias %zu is %s", i, b,
                              isnan(f32_at(l->biases + 4 * b)) ? "NaN" : "infinite");
        }
    }
    return NNB_OK;
}

/* A file's value violated a rule of the model API: the file is at fault, unless memory ran out. */
static nnb_status as_format(nnb_status st)
{
    return (st == NNB_OK || st == NNB_ERR_NOMEM) ? st : NNB_ERR_FORMAT;
}

static char *copy_string(const char *src, size_t len); /* below, with the saving code */

/* Copies a checked list of names from the file into the model (through NUL-terminated copies). */
static nnb_status build_names(nnb_model *model, const unsigned char *at, uint32_t count, int classes)
{
    if (count == 0) {
        return NNB_OK;
    }
    char **names = nnb__calloc(count, sizeof *names);
    nnb_status st = names == NULL ? NNB__FAIL(NNB_ERR_NOMEM) : NNB_OK;
    for (uint32_t i = 0; st == NNB_OK && i < count; ++i) {
        const uint32_t len = le32(at);
        names[i] = copy_string((const char *)(at + 4), len);
        if (names[i] == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
        }
        at += 4u + len;
    }
    if (st == NNB_OK) {
        st = as_format(classes ? nnb_model_set_class_names(model, (const char *const *)names, count)
                               : nnb_model_set_feature_names(model, (const char *const *)names, count));
    }
    for (uint32_t i = 0; names != NULL && i < count; ++i) {
        nnb__free(names[i]);
    }
    nnb__free(names);
    return st;
}

/* Stores the section's scaling and names in the finalized model. */
static nnb_status build_meta(const meta_desc *meta, nnb_model *model)
{
    nnb_status st = NNB_OK;
    if (meta->pre_kind != (uint32_t)NNB_PREPROCESS_NONE) {
        float *values = nnb__calloc(2 * meta->n_features, sizeof(float));
        if (values == NULL) {
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
        copy_floats(values, meta->center, meta->n_features);
        copy_floats(values + meta->n_features, meta->scale, meta->n_features);
        st = as_format(nnb_model_set_preprocess(model, (nnb_preprocess_kind)meta->pre_kind, meta->n_features, values,
                                                values + meta->n_features));
        nnb__free(values);
    }
    if (st == NNB_OK) {
        st = build_names(model, meta->classes, meta->n_class_names, 1);
    }
    if (st == NNB_OK) {
        st = build_names(model, meta->features, meta->n_feature_names, 0);
    }
    return st;
}

static nnb_status build_model(const file_desc *fd, nnb_model **out)
{
    nnb_model *m = NULL;
    nnb_status st = nnb_model_create(&m, 0);
    for (size_t i = 0; st == NNB_OK && i < fd->layer_count; ++i) {
        const layer_desc *l = &fd->layers[i];
        switch ((nnb_layer_kind)l->kind) {
        case NNB_LAYER_DENSE:
            st = as_format(nnb__model_add_dense_weights(m, l->n_in, l->n_out, l->init_scale, &l->reg, 0));
            if (st == NNB_OK) {
                copy_dense(nnb_model_dense(m, i), l);
            }
            break;
        case NNB_LAYER_RELU: st = nnb_model_add_relu(m); break;
        case NNB_LAYER_SOFTMAX: st = nnb_model_add_softmax(m); break;
        case NNB_LAYER_SIGMOID: st = nnb_model_add_sigmoid(m); break;
        case NNB_LAYER_LINEAR: st = nnb_model_add_linear(m); break;
        case NNB_LAYER_DROPOUT: st = as_format(nnb_model_add_dropout(m, l->rate)); break;
        case NNB_LAYER_TANH: st = nnb_model_add_tanh(m); break;
        case NNB_LAYER_LEAKY_RELU: st = as_format(nnb_model_add_leaky_relu(m, l->alpha)); break;
        case NNB_LAYER_ELU: st = as_format(nnb_model_add_elu(m, l->alpha)); break;
        case NNB_LAYER_GELU: st = as_format(nnb_model_add_gelu(m, (nnb_gelu_approximation)l->gelu)); break;
        case NNB_LAYER_SOFTPLUS: st = nnb_model_add_softplus(m); break;
        case NNB_LAYER_CONV2D: {
            nnb_conv2d_params p = nnb_conv2d_params_default((size_t)l->size[1]);
            p.kernel_w = (size_t)l->size[2];
            p.stride = (size_t)l->size[3];
            p.pad_h = (size_t)l->size[4];
            p.pad_w = (size_t)l->size[5];
            p.padding = (nnb_padding)l->padding;
            p.bias = (int)l->bias;
            st = as_format(nnb__model_add_conv2d(m, (size_t)l->shape[0], (size_t)l->shape[1], (size_t)l->shape[2],
                                                 (size_t)l->size[0], &p, 0));
            if (st == NNB_OK) {
                m->layers[i].init_scale = l->init_scale;
                copy_dense(nnb_model_dense_params(m, i), l);
            }
            break;
        }
        case NNB_LAYER_MAXPOOL2D:
            st = as_format(nnb_model_add_maxpool2d(m, (size_t)l->size[0], (size_t)l->size[1], (size_t)l->size[2]));
            break;
        case NNB_LAYER_AVGPOOL2D:
            st = as_format(nnb_model_add_avgpool2d(m, (size_t)l->size[0], (size_t)l->size[1], (size_t)l->size[2]));
            break;
        case NNB_LAYER_GLOBAL_AVGPOOL: st = as_format(nnb_model_add_global_avgpool(m)); break;
        case NNB_LAYER_FLATTEN: st = as_format(nnb_model_add_flatten(m)); break;
        case NNB_LAYER_BATCHNORM:
            st = as_format(nnb_model_add_batchnorm(m, l->momentum, l->eps));
            if (st == NNB_OK && m->layers[i].in_shape[0] != l->n_out) {
                st = NNB__FAILF(NNB_ERR_FORMAT, "%zu channels stored, the layer before it gives %zu", l->n_out,
                                m->layers[i].in_shape[0]);
            }
            if (st == NNB_OK) {
                copy_dense(nnb_model_dense_params(m, i), l);
                copy_floats(m->layers[i].bn_running, l->running, 2 * l->n_out);
            }
            break;
        default: st = NNB__FAIL(NNB_ERR_FORMAT); break;
        }
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "layer %zu (%s)", i, layer_kind_name(l->kind));
        }
    }
    if (st == NNB_OK && fd->loss != (uint32_t)NNB_LOSS_NONE) {
        st = as_format(nnb_model_set_loss(m, (nnb_loss_kind)fd->loss));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "model settings: loss kind %u", fd->loss);
        }
    }
    if (st == NNB_OK) {
        st = as_format(nnb_model_set_fused_backward(m, (fd->flags & FLAG_FUSED) != 0));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "model settings: fused backward flag");
        }
    }
    if (st == NNB_OK) {
        st = as_format(nnb_model_finalize(m));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "the layers do not form a valid model");
        }
    }
    if (st == NNB_OK && fd->accuracy != (uint32_t)NNB_ACCURACY_NONE) {
        st = as_format(nnb_model_set_accuracy(m, (nnb_accuracy_kind)fd->accuracy));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "model settings: accuracy kind %u", fd->accuracy);
        }
    }
    if (st == NNB_OK && (fd->flags & FLAG_PRECISION) != 0) {
        st = as_format(nnb_model_set_regression_precision(m, fd->precision));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "model settings: regression precision %g", (double)fd->precision);
        }
    }
    if (st == NNB_OK && fd->has_optimizer) {
        nnb_optimizer_params op = fd->opt;
        op.weight_decay = fd->training.weight_decay; /* 0 before version 3 */
        st = as_format(nnb_model_set_optimizer(m, &op));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "optimizer settings");
        }
    }
    if (st == NNB_OK && fd->training.scheduled) {
        st = as_format(nnb_model_set_schedule(m, &fd->training.schedule));
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "training settings: schedule");
        }
    }
    if (st == NNB_OK) {
        st = as_format(nnb_model_set_clip(m, fd->training.clip_value, fd->training.clip_norm));
    }
    /* The model API would draw a different fused choice silently; the file's must hold exactly. */
    if (st == NNB_OK && (nnb_model_uses_fused_backward(m) != 0) != ((fd->flags & FLAG_FUSED) != 0)) {
        st = NNB__FAILF(NNB_ERR_FORMAT,
                        "model settings: the fused-backward flag is %d, but these layers and loss give %d",
                        (fd->flags & FLAG_FUSED) != 0, nnb_model_uses_fused_backward(m) != 0);
    }
    if (st == NNB_OK) {
        st = build_meta(&fd->meta, m);
    }
    if (st != NNB_OK) {
        nnb_model_destroy(m);
        return st;
    }
    *out = m;
    return NNB_OK;
}

static nnb_status parse_model(nnb_model **out, const void *data, size_t size)
{
    file_desc fd;
    nnb_status st = decode(data, size, &fd);
    if (st != NNB_OK) {
        return st;
    }
    if (fd.kind != NNB_MODEL_FILE_MODEL) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "a parameters-only file, not a whole model (load it into a model built in "
                                        "code with nnb_model_load_parameters)");
    }
    if (st == NNB_OK) {
        st = check_params_finite(&fd);
    }
    if (st == NNB_OK) {
        st = build_model(&fd, out);
    }
    nnb__free(fd.layers);
    return st;
}

nnb_status nnb_model_parse(nnb_model **out, const void *data, size_t size)
{
    if (out == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_status st = parse_model(out, data, size);
    return st == NNB_OK ? st : NNB__CONTEXTF(st, "model data");
}

static nnb_status parse_parameters(nnb_model *model, const void *data, size_t size)
{
    file_desc fd;
    nnb_status st = decode(data, size, &fd);
    if (st != NNB_OK) {
        return st;
    }
    st = check_params_finite(&fd);
    /* The model's dense layers, in order, must match the file's in number and shapes. */
    const size_t layers = nnb_model_layer_count(model);
    size_t model_dense = 0, file_dense = 0;
    for (size_t i = 0; i < layers; ++i) {
        model_dense += nnb_model_cdense(model, i) != NULL;
    }
    for (size_t i = 0; i < fd.layer_count; ++i) {
        file_dense += fd.layers[i].kind == NNB_LAYER_DENSE;
    }
    if (st == NNB_OK && model_dense != file_dense) {
        st = NNB__FAILF(NNB_ERR_SHAPE, "the file holds %zu dense layers, the model has %zu", file_dense, model_dense);
    }
    for (int write = 0; write < 2 && st == NNB_OK; ++write) {
        size_t li = 0;
        for (size_t fi = 0; fi < fd.layer_count && st == NNB_OK; ++fi) {
            const layer_desc *l = &fd.layers[fi];
            if (l->kind != NNB_LAYER_DENSE) {
                continue;
            }
            while (nnb_model_cdense(model, li) == NULL) {
                ++li; /* counts agree, so a dense layer remains */
            }
            if (write) {
                copy_dense(nnb_model_dense(model, li), l);
            } else if (nnb_dense_n_inputs(nnb_model_cdense(model, li)) != l->n_in ||
                       nnb_dense_n_neurons(nnb_model_cdense(model, li)) != l->n_out) {
                st = NNB__FAILF(NNB_ERR_SHAPE,
                                "dense layer %zu: the file's is %zu x %zu, the model's (layer %zu) %zu x %zu", fi,
                                l->n_in, l->n_out, li, nnb_dense_n_inputs(nnb_model_cdense(model, li)),
                                nnb_dense_n_neurons(nnb_model_cdense(model, li)));
            }
            ++li;
        }
    }
    nnb__free(fd.layers);
    return st;
}

nnb_status nnb_model_parse_parameters(nnb_model *model, const void *data, size_t size)
{
    if (model == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    nnb_status st = parse_parameters(model, data, size);
    return st == NNB_OK ? st : NNB__CONTEXTF(st, "parameter data");
}

/* ---- files ---- */

static nnb_status read_whole_file(const char *path, unsigned char **data, size_t *size)
{
    return nnb__read_regular_file(path, NNB_MODEL_FILE_MAX_BYTES, data, size);
}

/*
 * Saving. The file replaced is `path` itself, or, when `path` is a symbolic link, the regular file it
 * resolves to (realpath), so the link stays a link and its target gets the new bytes. Anything that is not
 * a regular file (FIFO, device, socket, directory, dangling link) is refused before a temporary file is
 * made. The temporary file is `.nnb-save-<pid>-XXXXXX` in the replaced file's directory (short, so any
 * name that fits NAME_MAX can be saved). It is created with mode 0666 (less the umask) for a new file;
 * when a file is replaced, with 0600 and then the old file's permission bits and, where the process may
 * (root), its owner and group. Before it, the leftovers of killed saves in that directory are removed
 * (remove_stale_temps).
 */
#define TEMP_PREFIX ".nnb-save-"
#define TEMP_RANDOM 6 /* characters after "<pid>-" */

typedef struct save_target {
    char *file;     /* the file to replace or create (library memory) */
    char *dir;      /* its directory (library memory) */
    int exists;     /* file exists (then sb describes it) */
    struct stat sb; /* of file */
} save_target;

static char *copy_string(const char *src, size_t len)
{
    char *out = nnb__malloc(len + 1);
    if (out != NULL) {
        memcpy(out, src, len);
        out[len] = '\0';
    }
    return out;
}

static void target_free(save_target *t)
{
    nnb__free(t->file);
    nnb__free(t->dir);
}

/* Resolves what a save to `path` replaces; NNB_ERR_IO for anything but a regular file or a new name. */
static nnb_status resolve_target(const char *path, save_target *t)
{
    memset(t, 0, sizeof *t);
    const size_t len = strlen(path);
    if (len == 0) {
        return NNB__FAILF(NNB_ERR_IO, "the path is empty");
    }
    struct stat sb;
    if (lstat(path, &sb) != 0) {
        if (errno != ENOENT) {
            return NNB__FAILF(NNB_ERR_IO, "%s: %s", path, strerror(errno));
        }
        t->file = copy_string(path, len); /* a new file */
    } else if (S_ISLNK(sb.st_mode)) {
        char *real = realpath(path, NULL); /* fails for a dangling link or a loop */
        if (real == NULL) {
            return NNB__FAILF(NNB_ERR_IO, "%s: a symbolic link that does not resolve: %s", path, strerror(errno));
        }
        if (stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(real);
            return NNB__FAILF(NNB_ERR_IO, "%s: links to something that is not a regular file (refusing to replace it)",
                              path);
        }
        t->file = copy_string(real, strlen(real));
        free(real);
        t->exists = 1;
        t->sb = sb;
    } else if (S_ISREG(sb.st_mode)) {
        t->file = copy_string(path, len);
        t->exists = 1;
        t->sb = sb;
    } else {
        /* FIFO, device, socket, directory */
        return NNB__FAILF(NNB_ERR_IO, "%s: is %s, not a regular file (refusing to replace it)", path,
                          nnb__file_type_name(sb.st_mode));
    }
    if (t->file == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    const char *slash = strrchr(t->file, '/');
    if (slash == NULL) {
        t->dir = copy_string(".", 1);
    } else {
        t->dir = copy_string(t->file, slash == t->file ? 1 : (size_t)(slash - t->file));
    }
    if (t->dir == NULL) {
        nnb__free(t->file);
        t->file = NULL;
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    return NNB_OK;
}

/*
 * Whether name is exactly TEMP_PREFIX <decimal pid> "-" <TEMP_RANDOM ASCII letters or digits>, the name
 * create_temp gives; *pid receives the process id.
 */
static int parse_temp_name(const char *name, pid_t *pid)
{
    const size_t plen = sizeof TEMP_PREFIX - 1;
    if (strncmp(name, TEMP_PREFIX, plen) != 0) {
        return 0;
    }
    const char *p = name + plen;
    uint64_t v = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; ++p) {
        if (++digits > 10) {
            return 0;
        }
        v = v * 10u + (uint64_t)(*p - '0');
    }
    if (digits == 0 || v == 0 || v > (uint64_t)INT_MAX || *p != '-') {
        return 0;
    }
    ++p;
    for (size_t i = 0; i < TEMP_RANDOM; ++i) {
        const char c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    if (p[TEMP_RANDOM] != '\0') {
        return 0;
    }
    *pid = (pid_t)v;
    return 1;
}

/*
 * Removes what saves killed mid-way (kill -9, power loss) left in dir: a file is removed only when all hold:
 * its name is exactly a temporary name of this library (parse_temp_name), the process named in it no longer
 * exists on this machine (kill(pid, 0) fails with ESRCH), it is a regular file (not a link) owned by the
 * caller's effective user, and it was last modified more than NNB_MODEL_FILE_STALE_SECONDS ago. Best effort:
 * errors are ignored.
 */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    const int dfd = dirfd(d);
    const time_t now = time(NULL);
    const pid_t self = getpid();
    const uid_t me = geteuid();
    struct dirent *e;
    while (dfd >= 0 && (e = readdir(d)) != NULL) {
        pid_t pid = 0;
        struct stat sb;
        if (!parse_temp_name(e->d_name, &pid) || pid == self) {
            continue;
        }
        if (kill(pid, 0) == 0 || errno != ESRCH) {
            continue; /* alive, or not ours to judge */
        }
        if (fstatat(dfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode) || sb.st_uid != me ||
            now - sb.st_mtime <= (time_t)NNB_MODEL_FILE_STALE_SECONDS) {
            continue;
        }
        (void)unlinkat(dfd, e->d_name, 0);
    }
    closedir(d);
}

/* Fills the TEMP_RANDOM characters at out from a counter, the clock and the address of the buffer. */
static void temp_suffix(char *out, unsigned attempt)
{
    static const char k_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    static atomic_uint counter;
    struct timespec ts = {0, 0};
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)out;
    x ^= ((uint64_t)atomic_fetch_add(&counter, 1u) << 40) ^ ((uint64_t)attempt << 20);
    /* splitmix64 finaliser */
    x += 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    x ^= x >> 31;
    for (size_t i = 0; i < TEMP_RANDOM; ++i) {
        out[i] = k_chars[x % 62u];
        x /= 62u;
    }
}

/* Creates a new temporary file in t->dir; *tmp receives its name (library memory), the result its descriptor. */
static nnb_status create_temp(const save_target *t, char **tmp, int *fd_out)
{
    char head[64];
    int n = snprintf(head, sizeof head, "/" TEMP_PREFIX "%ld-", (long)getpid());
    if (n <= 0 || (size_t)n >= sizeof head) {
        return NNB__FAIL(NNB_ERR_IO);
    }
    const size_t dl = strlen(t->dir);
    if (dl > SIZE_MAX - (size_t)n - TEMP_RANDOM - 1) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    char *name = nnb__malloc(dl + (size_t)n + TEMP_RANDOM + 1);
    if (name == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    memcpy(name, t->dir, dl);
    memcpy(name + dl, head, (size_t)n);
    name[dl + (size_t)n + TEMP_RANDOM] = '\0';
    /* A new file gets 0666 less the umask, as any new file; a replacement starts private. */
    const mode_t mode = t->exists ? (mode_t)0600 : (mode_t)0666;
    for (unsigned attempt = 0; attempt < 100; ++attempt) {
        temp_suffix(name + dl + (size_t)n, attempt);
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd >= 0) {
            *tmp = name;
            *fd_out = fd;
            return NNB_OK;
        }
        if (errno != EEXIST) {
            break;
        }
    }
    const int e = errno;
    nnb__free(name);
    return NNB__FAILF(NNB_ERR_IO, "cannot create a temporary file in %s: %s", t->dir, strerror(e));
}

static int write_all(int fd, const unsigned char *data, size_t size)
{
    while (size > 0) {
        ssize_t w = write(fd, data, size);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return 0;
        }
        data += w;
        size -= (size_t)w;
    }
    return 1;
}

/*
 * Writes data to path atomically: a temporary file beside the file replaced, the old file's mode (and owner
 * where allowed), fsync, rename, then fsync the directory.
 */
static nnb_status write_atomically(const char *path, const unsigned char *data, size_t size)
{
    save_target t;
    nnb_status st = resolve_target(path, &t);
    if (st != NNB_OK) {
        return st;
    }
    remove_stale_temps(t.dir);
    char *tmp = NULL;
    int fd = -1;
    st = create_temp(&t, &tmp, &fd);
    if (st != NNB_OK) {
        target_free(&t);
        return st;
    }
    if (!write_all(fd, data, size)) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: writing %zu bytes: %s", tmp, size, strerror(errno));
    }
    if (st == NNB_OK && t.exists) {
        /* Keep the replaced file's owner (only root may give a file away: best effort) and mode. */
        if (t.sb.st_uid != geteuid() || t.sb.st_gid != getegid()) {
            (void)fchown(fd, t.sb.st_uid, t.sb.st_gid);
        }
        if (fchmod(fd, t.sb.st_mode & (S_IRWXU | S_IRWXG | S_IRWXO)) != 0) {
            st = NNB__FAILF(NNB_ERR_IO, "%s: chmod: %s", tmp, strerror(errno));
        }
    }
    if (st == NNB_OK && fsync(fd) != 0) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
    }
    if (close(fd) != 0 && st == NNB_OK) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: close: %s", tmp, strerror(errno));
    }
    if (st == NNB_OK && rename(tmp, t.file) != 0) {
        st = NNB__FAILF(NNB_ERR_IO, "renaming %s to %s: %s", tmp, t.file, strerror(errno));
    }
    if (st != NNB_OK) {
        (void)unlink(tmp);
    } else {
        /* Make the rename itself durable: fsync the directory (best effort). */
        int dfd = open(t.dir, O_RDONLY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    nnb__free(tmp);
    target_free(&t);
    return st;
}

static nnb_status save_kind(const nnb_model *model, const char *path, nnb_model_file_kind kind)
{
    if (model == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    size_t size = 0;
    nnb_status st = nnb_model_serialize(model, kind, NULL, 0, &size);
    if (st != NNB_OK) {
        return st;
    }
    unsigned char *buf = nnb__malloc(size);
    if (buf == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    st = nnb_model_serialize(model, kind, buf, size, &size);
    if (st == NNB_OK) {
        st = write_atomically(path, buf, size);
    }
    nnb__free(buf);
    return st;
}

nnb_status nnb_model_save(const nnb_model *model, const char *path)
{
    return save_kind(model, path, NNB_MODEL_FILE_MODEL);
}

nnb_status nnb_model_save_parameters(const nnb_model *model, const char *path)
{
    return save_kind(model, path, NNB_MODEL_FILE_PARAMETERS);
}

nnb_status nnb_model_load(nnb_model **out, const char *path)
{
    if (out == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    unsigned char *data = NULL;
    size_t size = 0;
    nnb_status st = read_whole_file(path, &data, &size);
    if (st == NNB_OK) {
        st = parse_model(out, data, size);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s", path);
        }
    }
    nnb__free(data);
    return st;
}

nnb_status nnb_model_load_parameters(nnb_model *model, const char *path)
{
    if (model == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    unsigned char *data = NULL;
    size_t size = 0;
    nnb_status st = read_whole_file(path, &data, &size);
    if (st == NNB_OK) {
        st = parse_parameters(model, data, size);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s", path);
        }
    }
    nnb__free(data);
    return st;
}
