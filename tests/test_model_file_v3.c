/* SPDX-License-Identifier: MIT */
/*
 * Model file format version 3 (docs/MODEL_FORMAT.md): the layer records of the activations after the book's
 * (kinds 6 to 10) and the training-settings section (AdamW weight decay, learning-rate schedule, stored
 * gradient clipping). A saved and reloaded model continues training exactly as the original would; a
 * version-2 file written by the version-2 writer (tests/data/model_v2.nnb) still loads; every new field
 * with a bad value is refused with a detail that names it.
 */
#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Offsets in the file of make_model(): the header is 24 bytes, the model settings 84, then the layers. */
#define OFF_VERSION 8
#define OFF_PAYLOAD_SIZE 16
#define OFF_FIRST_LAYER 108
#define DENSE_2x3_RECORD (4 + 16 + 20 + 24 + 12)
#define OFF_LEAKY (OFF_FIRST_LAYER + DENSE_2x3_RECORD) /* kind, f32 slope */
#define OFF_ELU (OFF_LEAKY + 8)                        /* kind, f32 alpha */
#define OFF_GELU (OFF_ELU + 8)                         /* kind, u32 approximation */
#define OFF_TANH (OFF_GELU + 8)
#define OFF_SOFTPLUS (OFF_TANH + 4)
/* The training-settings section: the last 80 bytes before the CRC. */
#define TRAINING_BYTES 80
#define T_LENGTH 0
#define T_WEIGHT_DECAY 4
#define T_SCHEDULED 12
#define T_KIND 16
#define T_WARMUP 20
#define T_STEP_SIZE 28
#define T_GAMMA 36
#define T_PERIOD 44
#define T_MIN_LR 52
#define T_RESTARTS 60
#define T_CLIP_VALUE 64
#define T_CLIP_NORM 72

static void put_f32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    nnb_test_put_le32(p, u);
}

static void put_f64(unsigned char *p, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    nnb_test_put_le64(p, u);
}

static double get_f64(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; --i) {
        u = u << 8 | p[i];
    }
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void assert_detail_has(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

/*
 * dense(2, 3), leaky ReLU 0.125, ELU 0.75, GELU tanh, tanh, softplus, dense(3, 2), softmax; CCE; AdamW
 * (weight decay 0.05, lr 0.01); cosine schedule with warm-up and restarts; stored clipping.
 */
static nnb_model *make_model(void)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 3));
    assert_ok(nnb_model_add_dense(m, 2, 3, 0.8f, NULL));
    assert_ok(nnb_model_add_leaky_relu(m, 0.125f));
    assert_ok(nnb_model_add_elu(m, 0.75f));
    assert_ok(nnb_model_add_gelu(m, NNB_GELU_TANH));
    assert_ok(nnb_model_add_tanh(m));
    assert_ok(nnb_model_add_softplus(m));
    assert_ok(nnb_model_add_dense(m, 3, 2, 0.8f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    nnb_optimizer_params p = nnb_optimizer_adamw_defaults(0.05);
    p.learning_rate = 0.01;
    assert_ok(nnb_model_set_optimizer(m, &p));
    nnb_lr_schedule s = nnb_lr_schedule_default();
    s.kind = NNB_SCHEDULE_COSINE;
    s.warmup = 3;
    s.period = 7;
    s.min_lr = 0.001;
    s.restarts = 1;
    assert_ok(nnb_model_set_schedule(m, &s));
    assert_ok(nnb_model_set_clip(m, 0.002, 0.75)); /* clip_value binds: the gradients exceed it */
    return m;
}

/* 16 rows of 2 features, labels from the sign of x0 * x1. */
static void make_data(nnb_tensor **X, uint32_t labels[16])
{
    assert_ok(nnb_tensor_create(X, 16, 2));
    float *x = nnb_tensor_data(*X);
    for (size_t i = 0; i < 16; ++i) {
        x[2 * i] = (float)((double)(i % 4) - 1.5);
        x[2 * i + 1] = (float)((double)(i / 4) - 1.5) * 0.5f;
        labels[i] = x[2 * i] * x[2 * i + 1] > 0 ? 1u : 0u;
    }
}

/* All parameters of the dense layers, in order, into out (at most cap floats); returns the count. */
static size_t collect_params(nnb_model *m, float *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        nnb_dense *d = nnb_model_dense(m, i);
        if (d == NULL) {
            continue;
        }
        const nnb_tensor *t[2] = {nnb_dense_weights_mut(d), nnb_dense_biases_mut(d)};
        for (size_t k = 0; k < 2; ++k) {
            assert_true(n + nnb_tensor_size(t[k]) <= cap);
            memcpy(out + n, nnb_tensor_cdata(t[k]), nnb_tensor_size(t[k]) * sizeof(float));
            n += nnb_tensor_size(t[k]);
        }
    }
    return n;
}

/* ---- round trip ---- */

static void test_round_trip_keeps_layers_and_training_settings(void **state)
{
    (void)state;
    nnb_model *m = make_model();
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    assert_int_equal(nnb_test_get_le32(buf + OFF_VERSION), 3);
    assert_int_equal(nnb_test_get_le32(buf + OFF_LEAKY), NNB_LAYER_LEAKY_RELU);
    assert_int_equal(nnb_test_get_le32(buf + OFF_ELU), NNB_LAYER_ELU);
    assert_int_equal(nnb_test_get_le32(buf + OFF_GELU), NNB_LAYER_GELU);
    assert_int_equal(nnb_test_get_le32(buf + OFF_GELU + 4), NNB_GELU_TANH);
    assert_int_equal(nnb_test_get_le32(buf + OFF_TANH), NNB_LAYER_TANH);
    assert_int_equal(nnb_test_get_le32(buf + OFF_SOFTPLUS), NNB_LAYER_SOFTPLUS);
    const unsigned char *t = buf + size - 4 - TRAINING_BYTES;
    assert_int_equal(nnb_test_get_le32(t + T_LENGTH), 76);
    assert_true(get_f64(t + T_WEIGHT_DECAY) == 0.05);
    assert_true(get_f64(t + T_CLIP_NORM) == 0.75);

    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    nnb_layer_info li;
    assert_ok(nnb_model_layer_info(r, 1, &li));
    assert_int_equal(li.kind, NNB_LAYER_LEAKY_RELU);
    assert_true(li.alpha == 0.125f);
    assert_ok(nnb_model_layer_info(r, 2, &li));
    assert_int_equal(li.kind, NNB_LAYER_ELU);
    assert_true(li.alpha == 0.75f);
    assert_ok(nnb_model_layer_info(r, 3, &li));
    assert_int_equal(li.gelu, NNB_GELU_TANH);
    nnb_optimizer_params op;
    assert_ok(nnb_model_optimizer_params(r, &op));
    assert_int_equal(op.kind, NNB_OPTIMIZER_ADAM);
    assert_true(op.weight_decay == 0.05);
    assert_true(op.learning_rate == 0.01);
    nnb_lr_schedule s;
    int set = 0;
    assert_ok(nnb_model_schedule(r, &s, &set));
    assert_true(set);
    assert_int_equal(s.kind, NNB_SCHEDULE_COSINE);
    assert_int_equal(s.warmup, 3);
    assert_int_equal(s.period, 7);
    assert_true(s.min_lr == 0.001);
    assert_int_equal(s.restarts, 1);
    double cv = 0, cn = 0;
    assert_ok(nnb_model_clip(r, &cv, &cn));
    assert_true(cv == 0.002 && cn == 0.75);
    /* Saved again: the same bytes. */
    size_t size2 = 0;
    unsigned char *buf2 = nnb_test_serialize(r, NNB_MODEL_FILE_MODEL, &size2);
    assert_int_equal(size, size2);
    assert_memory_equal(buf, buf2, size);
    free(buf2);
    free(buf);
    nnb_model_destroy(r);
    nnb_model_destroy(m);
}

/*
 * The original and its reloaded copy, trained alike (no shuffling, no dropout: the generator is not used),
 * end with the same parameters bit for bit: the weight decay, the schedule and the clipping came back.
 * A copy that lost any of them would differ (checked below by removing each in turn from the copy).
 */
static void test_reloaded_model_continues_training_identically(void **state)
{
    (void)state;
    nnb_tensor *X = NULL;
    uint32_t labels[16];
    make_data(&X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, 16);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 12;
    tp.batch_size = 4;

    nnb_model *m = make_model();
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    float a[64], b[64];
    assert_ok(nnb_model_train(m, X, &y, &tp));
    size_t n = collect_params(m, a, 64);
    for (int variant = 0; variant < 4; ++variant) {
        nnb_model *r = NULL;
        assert_ok(nnb_model_parse(&r, buf, size));
        if (variant == 1) {
            nnb_optimizer_params op;
            assert_ok(nnb_model_optimizer_params(r, &op));
            op.weight_decay = 0.0;
            assert_ok(nnb_model_set_optimizer(r, &op));
        } else if (variant == 2) {
            assert_ok(nnb_model_set_schedule(r, NULL));
        } else if (variant == 3) {
            assert_ok(nnb_model_set_clip(r, 0.0, 0.0));
        }
        assert_ok(nnb_model_train(r, X, &y, &tp));
        assert_int_equal(collect_params(r, b, 64), n);
        if (variant == 0) {
            assert_memory_equal(a, b, n * sizeof(float));
        } else if (memcmp(a, b, n * sizeof(float)) == 0) {
            fail_msg("variant %d: removing a setting did not change the training", variant);
        }
        nnb_model_destroy(r);
    }
    free(buf);
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
}

/* Clipping given in the train params takes precedence over the stored one for that run. */
static void test_stored_clip_applies_only_without_params_clip(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_int_equal(nnb_model_set_clip(m, -1.0, 0.0), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_set_clip(m, 0.0, NAN), NNB_ERR_ARGUMENT);
    assert_int_equal(nnb_model_set_clip(NULL, 0.0, 0.0), NNB_ERR_NULL);
    double cv = 1, cn = 1;
    assert_ok(nnb_model_clip(m, &cv, &cn));
    assert_true(cv == 0.0 && cn == 0.0);
    nnb_model_destroy(m);

    nnb_tensor *X = NULL;
    uint32_t labels[16];
    make_data(&X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, 16);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    float a[64], b[64];
    /* Stored 1e-4 by value vs the same given in the params: the same run. */
    nnb_model *p = make_model(), *q = make_model();
    assert_ok(nnb_model_set_clip(p, 1e-4, 0.0));
    assert_ok(nnb_model_set_clip(q, 0.0, 0.0));
    assert_ok(nnb_model_train(p, X, &y, &tp));
    tp.clip_value = 1e-4;
    assert_ok(nnb_model_train(q, X, &y, &tp));
    size_t n = collect_params(p, a, 64);
    assert_int_equal(collect_params(q, b, 64), n);
    assert_memory_equal(a, b, n * sizeof(float));
    nnb_model_destroy(p);
    nnb_model_destroy(q);
    nnb_tensor_destroy(X);
}

/* ---- older files ---- */

/*
 * tests/data/model_v2.nnb was written by the version-2 writer (the library before version 3, built from
 * its own sources): dense(2, 3) W1 = [[1, -1, 0.5], [0.25, 2, -0.5]], b1 = [0.1, 0, -0.1]; ReLU; dropout
 * 0.25; dense(3, 2) W2 = [[1, -1], [0.5, 0.5], [-2, 1]], b2 = [0, 0.5]; softmax; CCE; categorical
 * accuracy; Adam lr 0.005, decay 1e-4 (its AdamW weight decay 0.05 could not be stored in version 2);
 * affine scaling center [0.5, -1], scale [2, 4]; classes "left", "right"; features "x", "y".
 */
static void test_version_2_file_still_loads(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_load(&m, NNB_TEST_DATA_DIR "/model_v2.nnb"));
    assert_int_equal(nnb_model_layer_count(m), 5);
    nnb_layer_info li;
    assert_ok(nnb_model_layer_info(m, 2, &li));
    assert_int_equal(li.kind, NNB_LAYER_DROPOUT);
    assert_true(li.rate == 0.25f);
    nnb_optimizer_params op;
    assert_ok(nnb_model_optimizer_params(m, &op));
    assert_int_equal(op.kind, NNB_OPTIMIZER_ADAM);
    assert_true(op.learning_rate == 0.005 && op.decay == 1e-4);
    assert_true(op.weight_decay == 0.0);
    int set = 1;
    nnb_lr_schedule s;
    assert_ok(nnb_model_schedule(m, &s, &set));
    assert_false(set);
    double cv = 1, cn = 1;
    assert_ok(nnb_model_clip(m, &cv, &cn));
    assert_true(cv == 0.0 && cn == 0.0);
    assert_int_equal(nnb_model_class_name_count(m), 2);
    assert_string_equal(nnb_model_class_name(m, 1), "right");
    assert_string_equal(nnb_model_feature_name(m, 0), "x");
    /* raw [1.5, 3] -> scaled [0.5, 1]; hidden relu([0.5 + 0.25 + 0.1, -0.5 + 2, 0.25 - 0.5 - 0.1]) =
       [0.85, 1.5, 0]; logits [0.85 + 0.75, -0.85 + 0.75 + 0.5] = [1.6, 0.4]. */
    const float raw[2] = {1.5f, 3.0f};
    float p[2];
    assert_ok(nnb_model_predict_one(m, raw, 2, p, 2, NULL));
    const double p0 = 1.0 / (1.0 + exp(0.4 - 1.6));
    assert_close(p[0], p0, 1e-6, 1e-7);
    assert_close(p[1], 1.0 - p0, 1e-5, 1e-7);
    /* Saved again it is a version-3 file whose section is all zero apart from its length. */
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    assert_int_equal(nnb_test_get_le32(buf + OFF_VERSION), 3);
    const unsigned char *t = buf + size - 4 - TRAINING_BYTES;
    assert_int_equal(nnb_test_get_le32(t), 76);
    for (size_t i = 4; i < TRAINING_BYTES; ++i) {
        assert_int_equal(t[i], 0);
    }
    free(buf);
    nnb_model_destroy(m);
}

/* A version-2 file may not hold the new kinds: they are refused as unknown there. */
static void test_new_layer_kinds_are_refused_in_a_version_2_file(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.5f, NULL));
    assert_ok(nnb_model_add_tanh(m));
    assert_ok(nnb_model_finalize(m));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    /* Made into a version-2 file: the training section removed, payload size and CRC fixed. */
    const size_t size2 = size - TRAINING_BYTES;
    memmove(buf + size2 - 4, buf + size - 4, 4);
    nnb_test_put_le32(buf + OFF_VERSION, 2);
    nnb_test_put_le64(buf + OFF_PAYLOAD_SIZE, (uint64_t)(size2 - 28));
    nnb_test_fix_crc(buf, size2);
    nnb_model *r = NULL;
    assert_int_equal(nnb_model_parse(&r, buf, size2), NNB_ERR_FORMAT);
    assert_detail_has("unknown layer kind 6");
    assert_null(r);
    /* The same bytes as version 3 without the section: refused as truncated. */
    nnb_test_put_le32(buf + OFF_VERSION, 3);
    nnb_test_fix_crc(buf, size2);
    assert_int_equal(nnb_model_parse(&r, buf, size2), NNB_ERR_FORMAT);
    assert_detail_has("training settings");
    free(buf);
    nnb_model_destroy(m);
}

/* ---- corrupt files: every new field ---- */

typedef struct edit {
    size_t offset; /* from the start of the file (layers) or of the section (TRAINING) */
    int in_training;
    int width; /* 4: u32, -4: f32, 8: u64, -8: f64 */
    double value;
    const char *detail;
} edit;

static void apply(unsigned char *w, size_t size, const edit *e)
{
    unsigned char *at = (e->in_training ? w + size - 4 - TRAINING_BYTES : w) + e->offset;
    switch (e->width) {
    case 4: nnb_test_put_le32(at, (uint32_t)e->value); break;
    case -4: put_f32(at, (float)e->value); break;
    case 8: nnb_test_put_le64(at, (uint64_t)e->value); break;
    default: put_f64(at, e->value); break;
    }
    nnb_test_fix_crc(w, size);
}

static void test_corrupt_new_fields_are_refused_with_their_names(void **state)
{
    (void)state;
    nnb_model *m = make_model();
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    unsigned char *w = malloc(size);
    assert_non_null(w);
    const edit edits[] = {
        {OFF_LEAKY + 4, 0, -4, NAN, "slope"},
        {OFF_LEAKY + 4, 0, -4, -0.5, "slope"},
        {OFF_ELU + 4, 0, -4, -1.0, "alpha"},
        {OFF_ELU + 4, 0, -4, INFINITY, "alpha"},
        {OFF_GELU + 4, 0, 4, 2, "GELU approximation 2"},
        {OFF_TANH, 0, 4, 11, "unknown layer kind 11"},
        {T_LENGTH, 1, 4, 75, "section length 75"},
        {T_WEIGHT_DECAY, 1, -8, -0.5, "weight_decay"},
        {T_WEIGHT_DECAY, 1, -8, NAN, "weight_decay"},
        {T_WEIGHT_DECAY, 1, -8, INFINITY, "weight_decay"},
        {T_SCHEDULED, 1, 4, 2, "schedule present is 2"},
        {T_KIND, 1, 4, 4, "unknown schedule kind 4"},
        {T_STEP_SIZE, 1, 8, 0, "step_size"},
        {T_PERIOD, 1, 8, 0, "period"},
        {T_GAMMA, 1, -8, 0.0, "gamma"},
        {T_GAMMA, 1, -8, NAN, "gamma"},
        {T_MIN_LR, 1, -8, -1.0, "min_lr"},
        {T_MIN_LR, 1, -8, INFINITY, "min_lr"},
        {T_RESTARTS, 1, 4, 2, "restarts is 2"},
        {T_CLIP_VALUE, 1, -8, -1.0, "clip_value"},
        {T_CLIP_VALUE, 1, -8, NAN, "clip_value"},
        {T_CLIP_NORM, 1, -8, INFINITY, "clip_norm"},
        {T_CLIP_NORM, 1, -8, -0.0 - 2.0, "clip_norm"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
        memcpy(w, buf, size);
        apply(w, size, &edits[i]);
        nnb_model *r = NULL;
        nnb_status st = nnb_model_parse(&r, w, size);
        if (st != NNB_ERR_FORMAT) {
            fail_msg("edit %zu (%s): status %d, expected NNB_ERR_FORMAT", i, edits[i].detail, (int)st);
        }
        assert_null(r);
        assert_detail_has(edits[i].detail);
    }
    free(w);
    free(buf);
    nnb_model_destroy(m);
}

/* "0 when absent": without a schedule its fields must be zero; weight decay needs Adam. */
static void test_absent_settings_must_be_zero(void **state)
{
    (void)state;
    nnb_model *m = make_model();
    assert_ok(nnb_model_set_schedule(m, NULL));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    unsigned char *w = malloc(size);
    assert_non_null(w);
    const edit edits[] = {
        {T_KIND, 1, 4, 1, "must be 0 when no schedule"},     {T_WARMUP, 1, 8, 5, "must be 0 when no schedule"},
        {T_GAMMA, 1, -8, 1.0, "must be 0 when no schedule"}, {T_MIN_LR, 1, -8, -0.0, "must be 0 when no schedule"},
        {T_RESTARTS, 1, 4, 1, "must be 0 when no schedule"},
    };
    nnb_model *r = NULL;
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
        memcpy(w, buf, size);
        apply(w, size, &edits[i]);
        assert_int_equal(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
        assert_detail_has(edits[i].detail);
    }
    free(buf);
    free(w);
    nnb_model_destroy(m);
    /* An SGD model may not carry a weight decay. */
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 2, 2, 0.5f, NULL));
    assert_ok(nnb_model_finalize(m));
    nnb_optimizer_params sgd = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    assert_ok(nnb_model_set_optimizer(m, &sgd));
    buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    edit e = {T_WEIGHT_DECAY, 1, -8, 0.01, "without an Adam optimizer"};
    apply(buf, size, &e);
    assert_int_equal(nnb_model_parse(&r, buf, size), NNB_ERR_FORMAT);
    assert_detail_has(e.detail);
    assert_null(r);
    free(buf);
    nnb_model_destroy(m);
}

/* Every truncation inside the section is refused. */
static void test_truncated_section_is_refused(void **state)
{
    (void)state;
    nnb_model *m = make_model();
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    unsigned char *w = malloc(size);
    assert_non_null(w);
    for (size_t cut = 1; cut <= TRAINING_BYTES; ++cut) {
        const size_t n = size - cut;
        memcpy(w, buf, n - 4);
        memcpy(w + n - 4, buf + size - 4, 4);
        nnb_test_put_le64(w + OFF_PAYLOAD_SIZE, (uint64_t)(n - 28));
        nnb_test_fix_crc(w, n);
        nnb_model *r = NULL;
        assert_int_equal(nnb_model_parse(&r, w, n), NNB_ERR_FORMAT);
        assert_null(r);
    }
    free(w);
    free(buf);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_keeps_layers_and_training_settings),
        cmocka_unit_test(test_reloaded_model_continues_training_identically),
        cmocka_unit_test(test_stored_clip_applies_only_without_params_clip),
        cmocka_unit_test(test_version_2_file_still_loads),
        cmocka_unit_test(test_new_layer_kinds_are_refused_in_a_version_2_file),
        cmocka_unit_test(test_corrupt_new_fields_are_refused_with_their_names),
        cmocka_unit_test(test_absent_settings_must_be_zero),
        cmocka_unit_test(test_truncated_section_is_refused),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
