/* SPDX-License-Identifier: MIT */
/*
 * Preprocessing stored in the model (preprocess.h): computing the scaling (hand-computed means, standard
 * deviations and ranges), validating and applying it, class and feature names, single-sample inference
 * (bit for bit equal to nnb_model_predict, no allocation with a workspace), and the model file's version-2
 * section: round trip, field checks with named details, and a version-1 file that still loads.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

#ifndef NNB_TEST_DATA_DIR
#    error "NNB_TEST_DATA_DIR must name tests/data"
#endif

static nnb_tensor *tensor_of(size_t rows, size_t cols, const float *v)
{
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, rows, cols, v));
    return t;
}

/* 3 inputs -> 4 ReLU -> 3 softmax, CCE; weights from the seed. */
static nnb_model *make_classifier(uint32_t seed)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, seed));
    assert_ok(nnb_model_add_dense(m, 3, 4, 0.5f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 4, 3, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    assert_ok(nnb_model_finalize(m));
    return m;
}

static void assert_detail_has(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

/* ---- computing ---- */

static void test_standardize_matches_hand_computed(void **state)
{
    (void)state;
    /* column 0: 1, 2, 3, 6: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, std sqrt(14 / 4) = sqrt(3.5);
     * column 1: constant 10: std 0, stored as 1; column 2: -1, 1, -1, 1: mean 0, std 1. */
    const float x[] = {1, 10, -1, 2, 10, 1, 3, 10, -1, 6, 10, 1};
    nnb_tensor *X = tensor_of(4, 3, x);
    float c[3], s[3];
    assert_ok(nnb_preprocess_compute(NNB_PREPROCESS_STANDARDIZE, X, c, s));
    assert_true(c[0] == 3.0f && c[1] == 10.0f && c[2] == 0.0f);
    assert_true(s[0] == (float)sqrt(3.5));
    assert_true(s[1] == 1.0f && s[2] == 1.0f);
    assert_ok(nnb_preprocess_compute(NNB_PREPROCESS_MINMAX, X, c, s));
    assert_true(c[0] == 1.0f && s[0] == 5.0f);
    assert_true(c[1] == 10.0f && s[1] == 1.0f); /* constant: range 0 stored as 1 */
    assert_true(c[2] == -1.0f && s[2] == 2.0f);
    nnb_tensor_destroy(X);
}

static void test_compute_rejects_bad_input(void **state)
{
    (void)state;
    const float x[] = {1, 2, NAN, 4};
    nnb_tensor *X = tensor_of(2, 2, x);
    float c[2] = {7, 7}, s[2] = {7, 7};
    assert_status(nnb_preprocess_compute(NNB_PREPROCESS_STANDARDIZE, X, c, s), NNB_ERR_NONFINITE);
    assert_detail_has("row 1, column 0");
    assert_true(c[0] == 7.0f && s[1] == 7.0f); /* untouched */
    assert_status(nnb_preprocess_compute(NNB_PREPROCESS_AFFINE, X, c, s), NNB_ERR_ARGUMENT);
    assert_status(nnb_preprocess_compute(NNB_PREPROCESS_MINMAX, NULL, c, s), NNB_ERR_NULL);
    nnb_tensor_destroy(X);
}

/* ---- storing and applying ---- */

static void test_set_preprocess_validates_with_named_fields(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(1);
    const float c[3] = {1, 2, 3};
    float s[3] = {1, 0, 2};
    assert_status(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s), NNB_ERR_ARGUMENT);
    assert_detail_has("scale[1]");
    s[1] = NAN;
    assert_status(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s), NNB_ERR_ARGUMENT);
    assert_detail_has("scale[1]");
    s[1] = -2;
    assert_status(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s), NNB_ERR_ARGUMENT);
    s[1] = 4;
    const float cinf[3] = {1, 2, INFINITY};
    assert_status(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, cinf, s), NNB_ERR_ARGUMENT);
    assert_detail_has("center[2]");
    assert_status(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 2, c, s), NNB_ERR_SHAPE);
    assert_status(nnb_model_set_preprocess(m, (nnb_preprocess_kind)4, 3, c, s), NNB_ERR_ARGUMENT);
    nnb_preprocess_kind k = NNB_PREPROCESS_AFFINE;
    assert_ok(nnb_model_preprocess_info(m, &k, NULL, NULL));
    assert_int_equal(k, NNB_PREPROCESS_NONE); /* nothing stored by the failed calls */
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s));
    const float *gc = NULL, *gs = NULL;
    assert_ok(nnb_model_preprocess_info(m, &k, &gc, &gs));
    assert_int_equal(k, NNB_PREPROCESS_STANDARDIZE);
    assert_memory_equal(gc, c, sizeof c);
    assert_memory_equal(gs, s, sizeof s);
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_NONE, 0, NULL, NULL));
    assert_ok(nnb_model_preprocess_info(m, &k, &gc, &gs));
    assert_int_equal(k, NNB_PREPROCESS_NONE);
    assert_null(gc);

    nnb_model *open = NULL;
    assert_ok(nnb_model_create(&open, 0));
    assert_ok(nnb_model_add_dense(open, 3, 2, 0.1f, NULL));
    assert_status(nnb_model_set_preprocess(open, NNB_PREPROCESS_STANDARDIZE, 3, c, s), NNB_ERR_STATE);
    nnb_model_destroy(open);
    nnb_model_destroy(m);
}

static void test_preprocess_applies_hand_computed_values(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(2);
    const float c[3] = {3, 10, -1};
    const float s[3] = {2, 4, 0.5f};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_MINMAX, 3, c, s));
    const float raw[] = {3, 10, -1, 7, 2, 0, -1, 14, -2};
    const float want[] = {0, 0, 0, 2, -2, 2, -2, 1, -2};
    nnb_tensor *R = tensor_of(3, 3, raw);
    nnb_tensor *O = NULL;
    assert_ok(nnb_tensor_create(&O, 3, 3));
    assert_ok(nnb_model_preprocess(m, R, O));
    assert_memory_equal(nnb_tensor_cdata(O), want, sizeof want);
    assert_ok(nnb_model_preprocess(m, R, R)); /* in place */
    assert_memory_equal(nnb_tensor_cdata(R), want, sizeof want);
    nnb_tensor_destroy(O);
    nnb_tensor_destroy(R);
    nnb_model_destroy(m);
}

/* The book's Fashion-MNIST scaling as an affine preprocessing: the same float32 values, bit for bit. */
static void test_affine_reproduces_fashion_scaling(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 0));
    assert_ok(nnb_model_add_dense(m, 256, 2, 0.1f, NULL));
    assert_ok(nnb_model_finalize(m));
    float c[256], s[256], p[256], want[256];
    for (size_t i = 0; i < 256; ++i) {
        c[i] = 127.5f;
        s[i] = 127.5f;
        p[i] = (float)i;
        want[i] = ((float)i - 127.5f) / 127.5f;
    }
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 256, c, s));
    nnb_tensor *P = tensor_of(1, 256, p);
    assert_ok(nnb_model_preprocess(m, P, P));
    assert_memory_equal(nnb_tensor_cdata(P), want, sizeof want);
    assert_true(nnb_tensor_cdata(P)[0] == -1.0f && nnb_tensor_cdata(P)[255] == 1.0f);
    nnb_tensor_destroy(P);
    nnb_model_destroy(m);
}

static void test_names_are_validated_and_copied(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(3);
    char buf[8] = "beta";
    const char *names[3] = {"alpha", buf, "gamma"};
    assert_ok(nnb_model_set_class_names(m, names, 3));
    buf[0] = 'X'; /* copied: the caller's change does not reach the model */
    assert_string_equal(nnb_model_class_name(m, 1), "beta");
    assert_int_equal(nnb_model_class_name_count(m), 3);
    assert_null(nnb_model_class_name(m, 3));
    assert_status(nnb_model_set_class_names(m, names, 2), NNB_ERR_SHAPE);
    const char *empty[3] = {"a", "", "c"};
    assert_status(nnb_model_set_class_names(m, empty, 3), NNB_ERR_ARGUMENT);
    assert_detail_has("name 1");
    const char *feats[3] = {"x", "y", "z"};
    assert_ok(nnb_model_set_feature_names(m, feats, 3));
    assert_string_equal(nnb_model_feature_name(m, 2), "z");
    assert_status(nnb_model_set_feature_names(m, feats, 2), NNB_ERR_SHAPE);
    assert_string_equal(nnb_model_class_name(m, 0), "alpha"); /* kept after the failures */
    assert_ok(nnb_model_set_class_names(m, NULL, 0));
    assert_int_equal(nnb_model_class_name_count(m), 0);
    nnb_model_destroy(m);
}

/* ---- single-sample inference ---- */

static void test_predict_one_equals_predict_bit_for_bit_without_allocating(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(4);
    const float raw[] = {5.5f, -3, 100, 4, 0.25f, 90, 7, -1, 110, 6.5f, 2, 95, 5, 1, 105};
    nnb_tensor *R = tensor_of(5, 3, raw);
    float c[3], s[3];
    assert_ok(nnb_preprocess_compute(NNB_PREPROCESS_STANDARDIZE, R, c, s));
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s));
    const char *names[3] = {"cat", "dog", "bird"};
    assert_ok(nnb_model_set_class_names(m, names, 3));

    nnb_tensor *X = NULL, *P = NULL, *P1 = NULL, *Praw = NULL;
    assert_ok(nnb_tensor_create(&X, 5, 3));
    assert_ok(nnb_tensor_create(&P, 5, 3));
    assert_ok(nnb_tensor_create(&P1, 5, 3));
    assert_ok(nnb_tensor_create(&Praw, 5, 3));
    assert_ok(nnb_model_preprocess(m, R, X));
    assert_ok(nnb_model_predict(m, X, P, 0, NULL));
    assert_ok(nnb_model_predict(m, X, P1, 1, NULL));
    /* predict_raw = preprocess + predict, batch for batch (2 rows here), bit for bit on every GEMM core. */
    assert_ok(nnb_model_predict_raw(m, R, Praw, 2, NULL));
    assert_ok(nnb_model_predict(m, X, P, 2, NULL));
    assert_memory_equal(nnb_tensor_cdata(Praw), nnb_tensor_cdata(P), 15 * sizeof(float));
    assert_ok(nnb_model_predict(m, X, P, 0, NULL));

    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_model_workspace_create(&ws, m, 1));
    for (size_t i = 0; i < 5; ++i) {
        float out[3] = {0, 0, 0};
        nnb_test_reset_counts();
        assert_ok(nnb_model_predict_one(m, raw + 3 * i, 3, out, 3, ws));
        size_t cls = 99;
        float score = 0;
        assert_ok(nnb_model_classify_one(m, raw + 3 * i, 3, &cls, &score, ws));
        assert_int_equal(nnb_test_alloc_count(), 0);
        /* The same row through nnb_model_predict, one row per batch: bit for bit. */
        assert_memory_equal(out, nnb_tensor_cdata(P1) + 3 * i, sizeof out);
        if (strcmp(nnb_backend_name(), "cblas") != 0) {
            /* builtin and naive cores give batch-independent results: also equal to the 5-row batch */
            assert_memory_equal(out, nnb_tensor_cdata(P) + 3 * i, sizeof out);
        }
        size_t best = 0;
        for (size_t k = 1; k < 3; ++k) {
            best = out[k] > out[best] ? k : best;
        }
        assert_int_equal(cls, best);
        assert_true(score == out[best]);
        assert_non_null(nnb_model_class_name(m, cls));
        assert_string_equal(nnb_model_class_name(m, cls), names[best]);
    }
    /* Without a workspace it allocates and frees its own, with the same result. */
    float again[3];
    assert_ok(nnb_model_predict_one(m, raw, 3, again, 3, NULL));
    assert_memory_equal(again, nnb_tensor_cdata(P1), sizeof again);

    /* Bad calls leave the outputs alone. */
    float keep[3] = {7, 7, 7};
    const float bad[3] = {1, NAN, 2};
    assert_status(nnb_model_predict_one(m, bad, 3, keep, 3, ws), NNB_ERR_NONFINITE);
    assert_detail_has("feature 1");
    assert_status(nnb_model_predict_one(m, raw, 2, keep, 3, ws), NNB_ERR_SHAPE);
    assert_status(nnb_model_predict_one(m, raw, 3, keep, 2, ws), NNB_ERR_SHAPE);
    assert_status(nnb_model_predict_one(m, NULL, 3, keep, 3, ws), NNB_ERR_NULL);
    assert_true(keep[0] == 7.0f && keep[1] == 7.0f && keep[2] == 7.0f);

    nnb_model_workspace_destroy(ws);
    nnb_tensor_destroy(Praw);
    nnb_tensor_destroy(P1);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(R);
    nnb_model_destroy(m);
}

/* ---- the model file's section ---- */

static void put_f32(unsigned char *b, float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    nnb_test_put_le32(b, bits);
}

static void test_file_round_trip_keeps_scaling_and_names(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(5);
    const float c[3] = {1.5f, -2, 1e6f};
    const float s[3] = {0.25f, 3, 7e5f};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c, s));
    const char *names[3] = {"setosa", "versi,color", "virginica \"v\""};
    const char *feats[3] = {"sepal length", "petal", "x"};
    assert_ok(nnb_model_set_class_names(m, names, 3));
    assert_ok(nnb_model_set_feature_names(m, feats, 3));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    assert_int_equal(nnb_test_get_le32(buf + 8), NNB_MODEL_FILE_VERSION); /* version 2 or later */
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    nnb_preprocess_kind k;
    const float *gc, *gs;
    assert_ok(nnb_model_preprocess_info(r, &k, &gc, &gs));
    assert_int_equal(k, NNB_PREPROCESS_STANDARDIZE);
    assert_memory_equal(gc, c, sizeof c);
    assert_memory_equal(gs, s, sizeof s);
    for (size_t i = 0; i < 3; ++i) {
        assert_string_equal(nnb_model_class_name(r, i), names[i]);
        assert_string_equal(nnb_model_feature_name(r, i), feats[i]);
    }
    const float row[3] = {2, -1, 9e5f};
    float a[3], b[3];
    assert_ok(nnb_model_predict_one(m, row, 3, a, 3, NULL));
    assert_ok(nnb_model_predict_one(r, row, 3, b, 3, NULL));
    assert_memory_equal(a, b, sizeof a);
    /* Serializing the loaded model gives the same bytes. */
    size_t size2 = 0;
    unsigned char *buf2 = nnb_test_serialize(r, NNB_MODEL_FILE_MODEL, &size2);
    assert_int_equal(size, size2);
    assert_memory_equal(buf, buf2, size);
    free(buf2);
    free(buf);
    nnb_model_destroy(r);
    nnb_model_destroy(m);
}

static void test_file_section_fields_are_checked(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(6);
    const float c[3] = {0, 1, 2};
    const float s[3] = {1, 2, 3};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_MINMAX, 3, c, s));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    /* Without names the section ends with 0 class names, 0 feature names; then come the 80 bytes of the
       training-settings section (version 3) and the CRC. */
    const size_t end = size - 4 - 80 - 8;
    const size_t scale_at = end - 12, center_at = end - 24, count_at = center_at - 8, kind_at = count_at - 4;
    assert_int_equal(nnb_test_get_le32(buf + kind_at), NNB_PREPROCESS_MINMAX);
    assert_int_equal(nnb_test_get_le32(buf + count_at), 3);
    unsigned char *w = malloc(size);
    assert_non_null(w);
    nnb_model *r = NULL;
    const float bad_scales[4] = {0.0f, -1.0f, NAN, INFINITY};
    for (size_t i = 0; i < 4; ++i) {
        memcpy(w, buf, size);
        put_f32(w + scale_at + 4, bad_scales[i]);
        nnb_test_fix_crc(w, size);
        assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
        assert_detail_has("scale[1]");
        assert_null(r);
    }
    memcpy(w, buf, size);
    put_f32(w + center_at + 8, NAN);
    nnb_test_fix_crc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    assert_detail_has("center[2]");
    memcpy(w, buf, size);
    nnb_test_put_le32(w + kind_at, 4);
    nnb_test_fix_crc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    assert_detail_has("preprocessing kind");
    memcpy(w, buf, size);
    nnb_test_put_le32(w + count_at, 2);
    nnb_test_fix_crc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    assert_detail_has("feature count");
    memcpy(w, buf, size);
    nnb_test_put_le32(w + end, 1); /* one class name for 3 outputs */
    nnb_test_fix_crc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    assert_detail_has("class names");
    /* The section is covered by the checksum: an unfixed change is a checksum failure. */
    memcpy(w, buf, size);
    w[scale_at] ^= 1;
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_FORMAT);
    /* The next version is from the future. */
    memcpy(w, buf, size);
    nnb_test_put_le32(w + 8, NNB_MODEL_FILE_VERSION + 1u);
    nnb_test_fix_crc(w, size);
    assert_status(nnb_model_parse(&r, w, size), NNB_ERR_VERSION);
    assert_null(r);
    free(w);
    free(buf);
    nnb_model_destroy(m);
}

/* Every truncation of a file with the whole section is refused; every byte of the section flipped (with the
 * checksum made to match) loads or is refused cleanly, never anything else. */
static void test_section_truncations_and_flips(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(8);
    const float c[3] = {1, 2, 3}, s[3] = {4, 5, 6};
    const char *names[3] = {"a", "bb", "ccc"}, *feats[3] = {"x", "yy", "zzz"};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_MINMAX, 3, c, s));
    assert_ok(nnb_model_set_class_names(m, names, 3));
    assert_ok(nnb_model_set_feature_names(m, feats, 3));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    nnb_model *r = NULL;
    for (size_t len = 0; len < size; ++len) {
        assert_status(nnb_model_parse(&r, buf, len), NNB_ERR_FORMAT);
    }
    /* The section: 4 + 8 + 12 + 12 bytes of scaling, 4 + (4+1) + (4+2) + (4+3) of class names, the same of
     * feature names, then the CRC. */
    const size_t section = 36 + 22 + 22;
    unsigned char *w = malloc(size);
    assert_non_null(w);
    size_t loaded = 0;
    for (size_t i = size - 4 - section; i < size - 4; ++i) {
        for (unsigned bit = 0; bit < 8; ++bit) {
            memcpy(w, buf, size);
            w[i] ^= (unsigned char)(1u << bit);
            nnb_test_fix_crc(w, size);
            nnb_status st = nnb_model_parse(&r, w, size);
            if (st == NNB_OK) {
                ++loaded; /* e.g. another name byte or scale value */
                nnb_model_destroy(r);
                r = NULL;
            } else {
                assert_int_equal(st, NNB_ERR_FORMAT);
                assert_null(r);
            }
        }
    }
    assert_true(loaded > 0);
    free(w);
    free(buf);
    nnb_model_destroy(m);
}

/*
 * tests/data/model_v1.nnb was written by the version-1 writer, before this section existed: 2 -> 3 ReLU ->
 * 2 softmax, CCE, categorical accuracy, Adam (defaults), weights set by hand:
 * W1 = [[1, -1, 0.5], [0.25, 2, -0.5]], b1 = [0.1, 0, -0.1], W2 = [[1, -1], [0.5, 0.5], [-2, 1]], b2 = [0, 0.5].
 */
static void test_version_1_file_still_loads(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_load(&m, NNB_TEST_DATA_DIR "/model_v1.nnb"));
    assert_int_equal(nnb_model_layer_count(m), 4);
    assert_int_equal(nnb_model_loss_kind(m), NNB_LOSS_CCE);
    nnb_preprocess_kind k = NNB_PREPROCESS_AFFINE;
    assert_ok(nnb_model_preprocess_info(m, &k, NULL, NULL));
    assert_int_equal(k, NNB_PREPROCESS_NONE);
    assert_int_equal(nnb_model_class_name_count(m), 0);
    assert_int_equal(nnb_model_feature_name_count(m), 0);
    nnb_optimizer_params op;
    assert_ok(nnb_model_optimizer_params(m, &op));
    assert_int_equal(op.kind, NNB_OPTIMIZER_ADAM);
    /* x = [1, 2]: hidden = relu([1.6, 3, -0.6]) = [1.6, 3, 0]; logits = [3.1, 0.4]. */
    const float x[2] = {1, 2};
    float p[2];
    assert_ok(nnb_model_predict_one(m, x, 2, p, 2, NULL));
    const double p0 = 1.0 / (1.0 + exp(0.4 - 3.1));
    assert_close(p[0], p0, 1e-6, 1e-7);
    assert_close(p[1], 1.0 - p0, 1e-5, 1e-7);
    /* Saved again, it becomes a version-2 file that loads to the same model. */
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    assert_int_equal(nnb_test_get_le32(buf + 8), NNB_MODEL_FILE_VERSION);
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    float q[2];
    assert_ok(nnb_model_predict_one(r, x, 2, q, 2, NULL));
    assert_memory_equal(p, q, sizeof p);
    free(buf);
    nnb_model_destroy(r);
    nnb_model_destroy(m);
}

/* Every allocation of the storing, loading and single-row calls fails in turn: NNB_ERR_NOMEM, nothing
 * leaks (the group's allocator checks), and the model keeps what it had. */
static void test_out_of_memory_sweep(void **state)
{
    (void)state;
    nnb_model *m = make_classifier(7);
    const float c[3] = {1, 2, 3}, s[3] = {4, 5, 6};
    const char *names[3] = {"a", "b", "c"}, *feats[3] = {"x", "y", "z"};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 3, c, s));
    assert_ok(nnb_model_set_class_names(m, names, 3));
    assert_ok(nnb_model_set_feature_names(m, feats, 3));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    const float c2[3] = {0, 0, 0};
    const char *names2[3] = {"p", "q", "r"};
    const float row[3] = {1, 2, 3};
    size_t failures = 0;
    for (int call = 0; call < 5; ++call) {
        for (size_t n = 1;; ++n) {
            nnb_test_fail_allocation(n);
            nnb_model *r = NULL;
            float out[3];
            nnb_status st;
            switch (call) {
            case 0: st = nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 3, c2, s); break;
            case 1: st = nnb_model_set_class_names(m, names2, 3); break;
            case 2: st = nnb_model_set_feature_names(m, names2, 3); break;
            case 3: st = nnb_model_parse(&r, buf, size); break;
            default: st = nnb_model_predict_one(m, row, 3, out, 3, NULL); break;
            }
            nnb_test_fail_allocation(0);
            if (st == NNB_OK) {
                nnb_model_destroy(r);
                break;
            }
            ++failures;
            assert_int_equal(st, NNB_ERR_NOMEM);
            assert_null(r);
            /* Nothing changed: the earlier scaling and names are all there. */
            const float *gc = NULL;
            nnb_preprocess_kind k;
            assert_ok(nnb_model_preprocess_info(m, &k, &gc, NULL));
            if (call == 0) {
                assert_int_equal(k, NNB_PREPROCESS_AFFINE);
                assert_memory_equal(gc, c, sizeof c);
            }
            if (call == 1) {
                assert_string_equal(nnb_model_class_name(m, 2), "c");
            }
            if (call == 2) {
                assert_string_equal(nnb_model_feature_name(m, 0), "x");
            }
        }
        /* Put the first values back for the next call. */
        assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 3, c, s));
        assert_ok(nnb_model_set_class_names(m, names, 3));
        assert_ok(nnb_model_set_feature_names(m, feats, 3));
    }
    assert_true(failures >= 10);
    free(buf);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standardize_matches_hand_computed),
        cmocka_unit_test(test_compute_rejects_bad_input),
        cmocka_unit_test(test_set_preprocess_validates_with_named_fields),
        cmocka_unit_test(test_preprocess_applies_hand_computed_values),
        cmocka_unit_test(test_affine_reproduces_fashion_scaling),
        cmocka_unit_test(test_names_are_validated_and_copied),
        cmocka_unit_test(test_predict_one_equals_predict_bit_for_bit_without_allocating),
        cmocka_unit_test(test_file_round_trip_keeps_scaling_and_names),
        cmocka_unit_test(test_file_section_fields_are_checked),
        cmocka_unit_test(test_section_truncations_and_flips),
        cmocka_unit_test(test_version_1_file_still_loads),
        cmocka_unit_test(test_out_of_memory_sweep),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
