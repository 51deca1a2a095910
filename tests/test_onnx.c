/* SPDX-License-Identifier: MIT */
/*
 * ONNX import and export, and the protobuf wire reader/writer under them: hand-encoded graphs with
 * hand-computed outputs, export -> import round trips, and every kind of malformed input (truncation at every
 * length, wrong wire types, huge dimensions, a missing initializer, cycles and disorder, unknown operators)
 * giving a status and a detail, never a crash or a leak.
 */
#include "test_support.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

#include "io/protobuf_wire_internal.h"

/* ---- a tiny ONNX encoder for the tests (field numbers of onnx.proto) ---- */

static void put_sub(nnb__pb_buf *parent, uint32_t field, nnb__pb_buf *sub)
{
    nnb__pb_put_message(parent, field, sub);
    nnb__pb_buf_free(sub);
}

/* TensorProto FLOAT with dims and raw_data. */
static void add_init(nnb__pb_buf *graph, const char *name, const int64_t *dims, size_t rank, const float *v)
{
    nnb__pb_buf t;
    nnb__pb_buf_init(&t, 1u << 20);
    size_t n = 1;
    for (size_t i = 0; i < rank; ++i) {
        nnb__pb_put_int(&t, 1, dims[i]);
        n *= (size_t)dims[i];
    }
    nnb__pb_put_int(&t, 2, 1);
    nnb__pb_put_string(&t, 8, name);
    if (v != NULL) {
        nnb__pb_put_bytes(&t, 9, v, n * sizeof(float)); /* little-endian hosts only (as the tests run) */
    }
    put_sub(graph, 5, &t);
}

typedef struct attr_spec {
    const char *name;
    int is_float;
    int64_t i;
    float f;
} attr_spec;

static void add_node(nnb__pb_buf *graph, const char *op, const char *name, const char *const *in, size_t n_in,
                     const char *out, const attr_spec *attrs, size_t n_attrs)
{
    nnb__pb_buf n;
    nnb__pb_buf_init(&n, 1u << 20);
    for (size_t i = 0; i < n_in; ++i) {
        nnb__pb_put_string(&n, 1, in[i]);
    }
    nnb__pb_put_string(&n, 2, out);
    nnb__pb_put_string(&n, 3, name);
    nnb__pb_put_string(&n, 4, op);
    for (size_t i = 0; i < n_attrs; ++i) {
        nnb__pb_buf a;
        nnb__pb_buf_init(&a, 1u << 20);
        nnb__pb_put_string(&a, 1, attrs[i].name);
        if (attrs[i].is_float) {
            nnb__pb_put_float(&a, 2, attrs[i].f);
            nnb__pb_put_int(&a, 20, 1);
        } else {
            nnb__pb_put_int(&a, 3, attrs[i].i);
            nnb__pb_put_int(&a, 20, 2);
        }
        put_sub(&n, 5, &a);
    }
    put_sub(graph, 1, &n);
}

/* ValueInfoProto float ["N", width] (width 0: no shape). */
static void add_value(nnb__pb_buf *graph, uint32_t field, const char *name, int64_t width)
{
    nnb__pb_buf v, type, tensor, shape, d0, d1;
    nnb__pb_buf *all[] = {&v, &type, &tensor, &shape, &d0, &d1};
    for (size_t i = 0; i < 6; ++i) {
        nnb__pb_buf_init(all[i], 1u << 20);
    }
    nnb__pb_put_string(&d0, 2, "N");
    nnb__pb_put_int(&d1, 1, width);
    put_sub(&shape, 1, &d0);
    put_sub(&shape, 1, &d1);
    nnb__pb_put_int(&tensor, 1, 1);
    if (width > 0) {
        put_sub(&tensor, 2, &shape);
    }
    put_sub(&type, 1, &tensor);
    nnb__pb_put_string(&v, 1, name);
    put_sub(&v, 2, &type);
    put_sub(graph, field, &v);
    for (size_t i = 0; i < 6; ++i) {
        nnb__pb_buf_free(all[i]);
    }
}

/* ModelProto around graph (freed), ir_version 7 and the given opset. */
static nnb__pb_buf wrap_model(nnb__pb_buf *graph, int64_t opset)
{
    nnb__pb_buf m, os;
    nnb__pb_buf_init(&m, 1u << 20);
    nnb__pb_buf_init(&os, 1u << 20);
    nnb__pb_put_int(&m, 1, 7);
    put_sub(&m, 7, graph);
    nnb__pb_put_string(&os, 1, "");
    nnb__pb_put_int(&os, 2, opset);
    put_sub(&m, 8, &os);
    assert_int_equal(nnb__pb_buf_status(&m), NNB_OK);
    return m;
}

/* x[1x2] -> Gemm(W [3x2], transB = 1, alpha 2, C [3], beta 0.5) -> Relu -> output. */
static const float W_T[6] = {1.0f, -1.0f, 0.5f, 2.0f, -3.0f, 0.25f}; /* rows: output neurons */
static const float C3[3] = {0.5f, -2.0f, 1.0f};

static nnb__pb_buf gemm_relu_model(void)
{
    nnb__pb_buf g;
    nnb__pb_buf_init(&g, 1u << 20);
    const int64_t wd[2] = {3, 2}, cd[1] = {3};
    add_init(&g, "W", wd, 2, W_T);
    add_init(&g, "C", cd, 1, C3);
    const char *gin[3] = {"x", "W", "C"};
    const attr_spec at[3] = {{"transB", 0, 1, 0.0f}, {"alpha", 1, 0, 2.0f}, {"beta", 1, 0, 0.5f}};
    add_node(&g, "Gemm", "fc", gin, 3, "h", at, 3);
    const char *rin[1] = {"h"};
    add_node(&g, "Relu", "act", rin, 1, "y", NULL, 0);
    add_value(&g, 11, "x", 2);
    add_value(&g, 12, "y", 3);
    return wrap_model(&g, 13);
}

static void test_onnx_gemm_transb_alpha_beta_matches_hand_computed(void **state)
{
    (void)state;
    nnb__pb_buf bytes = gemm_relu_model();
    nnb_model *m = NULL;
    assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), NNB_OK);
    assert_non_null(m);
    assert_int_equal(nnb_model_input_size(m), 2);
    assert_int_equal(nnb_model_output_size(m), 3);
    /* x = [1, 2]: y_j = relu(2 * (W_j . x) + 0.5 * C_j)
       j=0: 2 * (1 - 2) + 0.25 = -1.75 -> 0; j=1: 2 * (0.5 + 4) - 1 = 8; j=2: 2 * (-3 + 0.5) + 0.5 = -4.5 -> 0 */
    nnb_tensor *X = NULL, *P = NULL;
    const float x[2] = {1.0f, 2.0f};
    assert_int_equal(nnb_tensor_create_from(&X, 1, 2, x), NNB_OK);
    assert_int_equal(nnb_tensor_create(&P, 1, 3), NNB_OK);
    assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
    const float *p = nnb_tensor_cdata(P);
    assert_true(p[0] == 0.0f && p[1] == 8.0f && p[2] == 0.0f);
    /* A batch of 3 rows: the batch dimension is dynamic. */
    nnb_tensor *X3 = NULL, *P3 = NULL;
    const float x3[6] = {1.0f, 2.0f, 0.0f, 0.0f, -1.0f, 1.0f};
    assert_int_equal(nnb_tensor_create_from(&X3, 3, 2, x3), NNB_OK);
    assert_int_equal(nnb_tensor_create(&P3, 3, 3), NNB_OK);
    assert_int_equal(nnb_model_predict(m, X3, P3, 0, NULL), NNB_OK);
    /* row 1 (x = 0): relu(0.5 * C) = [0.25, 0, 0.5]; row 2 (x = [-1, 1]): 2 * [-2, 1.5, 3.25] + 0.5 * C. */
    const float *q = nnb_tensor_cdata(P3);
    assert_true(q[3] == 0.25f && q[4] == 0.0f && q[5] == 0.5f);
    assert_true(q[6] == 0.0f && q[7] == 2.0f && q[8] == 7.0f);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(X3);
    nnb_tensor_destroy(P3);
    nnb_model_destroy(m);
    nnb__pb_buf_free(&bytes);
}

/* An attribute of repeated ints (kernel_shape, strides, pads). */
static void add_ints_attr(nnb__pb_buf *node, const char *name, const int64_t *v, size_t n)
{
    nnb__pb_buf a;
    nnb__pb_buf_init(&a, 1u << 20);
    nnb__pb_put_string(&a, 1, name);
    for (size_t i = 0; i < n; ++i) {
        nnb__pb_put_int(&a, 8, v[i]);
    }
    nnb__pb_put_int(&a, 20, 7);
    put_sub(node, 5, &a);
}

/* ValueInfoProto float ["N", c, h, w]. */
static void add_image_value(nnb__pb_buf *graph, uint32_t field, const char *name, int64_t c, int64_t h, int64_t w)
{
    nnb__pb_buf v, type, tensor, shape;
    nnb__pb_buf *all[] = {&v, &type, &tensor, &shape};
    for (size_t i = 0; i < 4; ++i) {
        nnb__pb_buf_init(all[i], 1u << 20);
    }
    const int64_t dims[3] = {c, h, w};
    nnb__pb_buf d;
    nnb__pb_buf_init(&d, 1u << 20);
    nnb__pb_put_string(&d, 2, "N");
    put_sub(&shape, 1, &d);
    for (size_t k = 0; k < 3; ++k) {
        nnb__pb_buf_init(&d, 1u << 20);
        nnb__pb_put_int(&d, 1, dims[k]);
        put_sub(&shape, 1, &d);
    }
    nnb__pb_put_int(&tensor, 1, 1);
    put_sub(&tensor, 2, &shape);
    put_sub(&type, 1, &tensor);
    nnb__pb_put_string(&v, 1, name);
    put_sub(&v, 2, &type);
    put_sub(graph, field, &v);
}

/*
 * x [N, 1, 3, 3] -> Conv (2x2 ones, bias 0.5, pads [0, 0, 1, 1]: the zeros below and right only, the library's
 * same padding) -> BatchNormalization (scale 2, B 1, mean 0.5, var 3, epsilon 1) -> AveragePool 2x2 stride 1 ->
 * Flatten -> [N, 4]. mid_op: an operator put between the pooling and the flatten (NULL: none).
 */
static nnb__pb_buf conv_model(const char *mid_op, int64_t group)
{
    nnb__pb_buf g;
    nnb__pb_buf_init(&g, 1u << 20);
    const int64_t wd[4] = {1, 1, 2, 2}, one[1] = {1};
    const float w[4] = {1.0f, 1.0f, 1.0f, 1.0f}, b[1] = {0.5f}, sc[1] = {2.0f}, bb[1] = {1.0f}, mu[1] = {0.5f},
                var[1] = {3.0f};
    add_init(&g, "W", wd, 4, w);
    add_init(&g, "B", one, 1, b);
    add_init(&g, "s", one, 1, sc);
    add_init(&g, "bb", one, 1, bb);
    add_init(&g, "mu", one, 1, mu);
    add_init(&g, "var", one, 1, var);
    nnb__pb_buf n;
    nnb__pb_buf_init(&n, 1u << 20);
    nnb__pb_put_string(&n, 1, "x");
    nnb__pb_put_string(&n, 1, "W");
    nnb__pb_put_string(&n, 1, "B");
    nnb__pb_put_string(&n, 2, "c");
    nnb__pb_put_string(&n, 3, "conv");
    nnb__pb_put_string(&n, 4, "Conv");
    const int64_t pads[4] = {0, 0, 1, 1}, k2[2] = {2, 2}, s1[2] = {1, 1};
    add_ints_attr(&n, "pads", pads, 4);
    add_ints_attr(&n, "kernel_shape", k2, 2);
    if (group == -1) {
        /* An attribute whose bytes hold a key of field number 0 (found by fuzz_onnx). */
        const unsigned char bad[2] = {0x00, 0x01};
        nnb__pb_put_bytes(&n, 5, bad, sizeof bad);
    } else if (group != 1) {
        nnb__pb_buf a;
        nnb__pb_buf_init(&a, 1u << 20);
        nnb__pb_put_string(&a, 1, "group");
        nnb__pb_put_int(&a, 3, group);
        nnb__pb_put_int(&a, 20, 2);
        put_sub(&n, 5, &a);
    }
    put_sub(&g, 1, &n);
    const char *bn_in[5] = {"c", "s", "bb", "mu", "var"};
    const attr_spec eps = {"epsilon", 1, 0, 1.0f};
    add_node(&g, "BatchNormalization", "bn", bn_in, 5, "n", &eps, 1);
    nnb__pb_buf_init(&n, 1u << 20);
    nnb__pb_put_string(&n, 1, "n");
    nnb__pb_put_string(&n, 2, "p");
    nnb__pb_put_string(&n, 3, "pool");
    nnb__pb_put_string(&n, 4, "AveragePool");
    add_ints_attr(&n, "kernel_shape", k2, 2);
    add_ints_attr(&n, "strides", s1, 2);
    put_sub(&g, 1, &n);
    const char *p_in[1] = {"p"}, *q_in[1] = {"q"};
    if (mid_op != NULL) {
        add_node(&g, mid_op, "mid", p_in, 1, "q", NULL, 0);
    }
    add_node(&g, "Flatten", "flat", mid_op != NULL ? q_in : p_in, 1, "y", NULL, 0);
    add_image_value(&g, 11, "x", 1, 3, 3);
    add_value(&g, 12, "y", 4);
    return wrap_model(&g, 13);
}

static void test_onnx_conv_bn_pool_match_hand_computed(void **state)
{
    (void)state;
    nnb__pb_buf bytes = conv_model("Relu", 1);
    nnb_model *m = NULL;
    assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), NNB_OK);
    assert_int_equal(nnb_model_input_size(m), 9);
    assert_int_equal(nnb_model_output_size(m), 4);
    /* x = 1..9 row by row. Conv sums of 2x2 windows (zeros past the bottom and right) + 0.5:
         12.5 16.5  9.5 / 24.5 28.5 15.5 / 15.5 17.5 9.5
       BatchNormalization: (z - 0.5) / sqrt(3 + 1) * 2 + 1 = z + 0.5:  13 17 10 / 25 29 16 / 16 18 10
       AveragePool 2x2 stride 1: (13+17+25+29)/4 = 21, (17+10+29+16)/4 = 18, (25+29+16+18)/4 = 22,
       (29+16+18+10)/4 = 18.25. Relu keeps them. */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    nnb_tensor *X = NULL, *P = NULL;
    assert_int_equal(nnb_tensor_create_from(&X, 1, 9, x), NNB_OK);
    assert_int_equal(nnb_tensor_create(&P, 1, 4), NNB_OK);
    assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
    const float *p = nnb_tensor_cdata(P);
    assert_float_equal(p[0], 21.0f, 1e-5f);
    assert_float_equal(p[1], 18.0f, 1e-5f);
    assert_float_equal(p[2], 22.0f, 1e-5f);
    assert_float_equal(p[3], 18.25f, 1e-5f);
    /* Export and import again: the same predictions, bit for bit. */
    size_t size = 0;
    assert_int_equal(nnb_model_serialize_onnx(m, NULL, 0, &size), NNB_OK);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(nnb_model_serialize_onnx(m, buf, size, &size), NNB_OK);
    nnb_model *back = NULL;
    assert_int_equal(nnb_model_parse_onnx(buf, size, &back), NNB_OK);
    nnb_tensor *Q = NULL;
    assert_int_equal(nnb_tensor_create(&Q, 1, 4), NNB_OK);
    assert_int_equal(nnb_model_predict(back, X, Q, 0, NULL), NNB_OK);
    assert_memory_equal(nnb_tensor_cdata(Q), p, 4 * sizeof(float));
    /* Every truncation of the export is refused. */
    for (size_t len = 0; len < size; len += 1) {
        unsigned char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, buf, len);
        nnb_model *cut = NULL;
        if (nnb_model_parse_onnx(copy, len, &cut) == NNB_OK) {
            fail_msg("the conv export cut to %zu of %zu bytes was accepted", len, size);
        }
        assert_null(cut);
        free(copy);
    }
    free(buf);
    nnb_tensor_destroy(Q);
    nnb_model_destroy(back);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_model_destroy(m);
    nnb__pb_buf_free(&bytes);
}

static void test_onnx_conv_refusals_name_the_node(void **state)
{
    (void)state;
    const struct {
        const char *mid;
        int64_t group;
        const char *expect;
    } cases[] = {
        {NULL, 2, "node 0 'conv' (Conv): group = 2"},
        {"Softmax", 1, "node 3 'mid' (Softmax): softmax over an N x C x H x W image"},
        {"MaxPool", 1, "node 3 'mid' (MaxPool): the attribute kernel_shape is missing"},
        {NULL, -1, "nnb_model_parse_onnx: node 'conv' (Conv), looking for attribute group: field number 0"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb__pb_buf bytes = conv_model(cases[c].mid, cases[c].group);
        nnb_model *m = NULL;
        const nnb_status st = nnb_model_parse_onnx(bytes.data, bytes.size, &m);
        assert_true(st == NNB_ERR_UNSUPPORTED || st == NNB_ERR_FORMAT);
        assert_null(m);
        if (strstr(nnb_last_error(), cases[c].expect) == NULL) {
            fail_msg("case %zu: '%s' not in '%s'", c, cases[c].expect, nnb_last_error());
        }
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_truncation_at_every_length_is_refused(void **state)
{
    (void)state;
    nnb__pb_buf bytes = gemm_relu_model();
    for (size_t len = 0; len < bytes.size; ++len) {
        /* An exact-size copy, so that a read past the end is caught by the sanitizers and guard pages. */
        unsigned char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        memcpy(copy, bytes.data, len);
        nnb_model *m = NULL;
        const nnb_status st = nnb_model_parse_onnx(copy, len, &m);
        if (st == NNB_OK) {
            fail_msg("a model cut to %zu of %zu bytes was accepted", len, bytes.size);
        }
        assert_null(m);
        assert_true(strlen(nnb_last_error()) > strlen("nnb_model_parse_onnx: "));
        free(copy);
    }
    nnb__pb_buf_free(&bytes);
}

/* Rewrites every byte's low three bits (a key's wire type, when the byte is a key) to each other wire type. */
static void test_onnx_flipped_wire_types_never_crash(void **state)
{
    (void)state;
    nnb__pb_buf bytes = gemm_relu_model();
    size_t refused = 0;
    for (size_t i = 0; i < bytes.size; ++i) {
        for (unsigned w = 0; w < 8; ++w) {
            unsigned char *copy = malloc(bytes.size);
            assert_non_null(copy);
            memcpy(copy, bytes.data, bytes.size);
            copy[i] = (unsigned char)((copy[i] & ~7u) | w);
            nnb_model *m = NULL;
            const nnb_status st = nnb_model_parse_onnx(copy, bytes.size, &m);
            if (st == NNB_OK) {
                nnb_model_destroy(m);
            } else {
                assert_null(m);
                assert_true(strlen(nnb_last_error()) > strlen("nnb_model_parse_onnx: "));
                ++refused;
            }
            free(copy);
        }
    }
    assert_true(refused > bytes.size); /* most flips break the file */
    /* The first key (ir_version, a varint) as length-delimited: named in the detail. */
    unsigned char *copy = malloc(bytes.size);
    assert_non_null(copy);
    memcpy(copy, bytes.data, bytes.size);
    copy[0] = (1u << 3) | 2u;
    nnb_model *m = NULL;
    assert_int_not_equal(nnb_model_parse_onnx(copy, bytes.size, &m), NNB_OK);
    assert_non_null(strstr(nnb_last_error(), "ir_version"));
    free(copy);
    nnb__pb_buf_free(&bytes);
}

/* Builds a one-Gemm model whose weight initializer is given by the caller; returns the parse status. */
static nnb_status parse_with_weight(const int64_t *dims, size_t rank, const float *w, const char *weight_name)
{
    nnb__pb_buf g;
    nnb__pb_buf_init(&g, 1u << 20);
    add_init(&g, "W", dims, rank, w);
    const char *gin[2] = {"x", weight_name};
    add_node(&g, "Gemm", "fc", gin, 2, "y", NULL, 0);
    add_value(&g, 11, "x", 2);
    add_value(&g, 12, "y", 0);
    nnb__pb_buf bytes = wrap_model(&g, 13);
    nnb_model *m = NULL;
    const nnb_status st = nnb_model_parse_onnx(bytes.data, bytes.size, &m);
    nnb_model_destroy(m);
    nnb__pb_buf_free(&bytes);
    return st;
}

static void test_onnx_huge_dims_and_missing_initializers_are_refused(void **state)
{
    (void)state;
    const float w[6] = {1, 2, 3, 4, 5, 6};
    const int64_t ok_dims[2] = {2, 3};
    assert_int_equal(parse_with_weight(ok_dims, 2, w, "W"), NNB_OK);

    const int64_t huge[2] = {2, (int64_t)1 << 40};
    assert_int_equal(parse_with_weight(huge, 2, NULL, "W"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "dimension 1"));

    const int64_t negative[2] = {2, -3};
    assert_int_equal(parse_with_weight(negative, 2, NULL, "W"), NNB_ERR_FORMAT);

    const int64_t many[2] = {1 << 14, 1 << 14}; /* each dimension fine, 2^28 elements too many */
    assert_int_equal(parse_with_weight(many, 2, NULL, "W"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "elements"));

    /* raw_data shorter than the shape says. */
    const int64_t bigger[2] = {2, 4};
    nnb__pb_buf g;
    nnb__pb_buf_init(&g, 1u << 20);
    assert_int_equal(parse_with_weight(bigger, 2, NULL, "W"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "holds 0 values"));
    nnb__pb_buf_free(&g);

    assert_int_equal(parse_with_weight(ok_dims, 2, w, "missing"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "missing initializer"));
    assert_non_null(strstr(nnb_last_error(), "node 0 'fc' (Gemm)"));

    /* A shape that disagrees with the input's two features. */
    const int64_t wrong[2] = {3, 2};
    assert_int_equal(parse_with_weight(wrong, 2, w, "W"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "takes 3 features"));
}

/* alpha * B or beta * C beyond float32 (found by fuzz_onnx): refused, not a model with infinite parameters. */
static void test_onnx_scaled_parameters_that_overflow_are_refused(void **state)
{
    (void)state;
    for (int which = 0; which < 2; ++which) {
        nnb__pb_buf g;
        nnb__pb_buf_init(&g, 1u << 20);
        const float w[2] = {1.0f, which == 0 ? 3e38f : 1.0f}, c[1] = {which == 1 ? 3e38f : 1.0f};
        const int64_t wd[2] = {2, 1}, cd[1] = {1};
        add_init(&g, "W", wd, 2, w);
        add_init(&g, "C", cd, 1, c);
        const char *gin[3] = {"x", "W", "C"};
        const attr_spec at[2] = {{"alpha", 1, 0, 2.0f}, {"beta", 1, 0, 2.0f}};
        add_node(&g, "Gemm", "fc", gin, 3, "y", at, 2);
        add_value(&g, 11, "x", 2);
        add_value(&g, 12, "y", 1);
        nnb__pb_buf bytes = wrap_model(&g, 13);
        nnb_model *m = NULL;
        assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), NNB_ERR_NONFINITE);
        assert_null(m);
        assert_non_null(strstr(nnb_last_error(), which == 0 ? "alpha" : "beta"));
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_cycles_disorder_and_unknown_ops_are_refused(void **state)
{
    (void)state;
    const float w[4] = {1, 0, 0, 1};
    const int64_t wd[2] = {2, 2};
    struct {
        const char *op0, *in0, *out0, *op1, *in1, *out1, *expect;
        nnb_status status;
    } cases[] = {
        /* Relu first consumes what the Gemm after it computes: disorder. */
        {"Relu", "h", "y", "Gemm", "x", "h", "not in topological order", NNB_ERR_FORMAT},
        /* A node feeding itself. */
        {"Gemm", "x", "h", "Relu", "y", "y", "a cycle", NNB_ERR_FORMAT},
        /* An operator the library has no layer for. */
        {"Gemm", "x", "h", "Abs", "h", "y", "node 1 'n1' (Abs): unsupported operator", NNB_ERR_UNSUPPORTED},
        /* Two nodes writing one name. */
        {"Gemm", "x", "y", "Relu", "y", "y", "also defined elsewhere", NNB_ERR_FORMAT},
        /* An undefined value. */
        {"Gemm", "x", "h", "Relu", "nowhere", "y", "which no node, input or initializer defines", NNB_ERR_FORMAT},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb__pb_buf g;
        nnb__pb_buf_init(&g, 1u << 20);
        add_init(&g, "W", wd, 2, w);
        const char *in0[2] = {cases[c].in0, "W"}, *in1[2] = {cases[c].in1, "W"};
        add_node(&g, cases[c].op0, "n0", in0, strcmp(cases[c].op0, "Gemm") == 0 ? 2 : 1, cases[c].out0, NULL, 0);
        add_node(&g, cases[c].op1, "n1", in1, strcmp(cases[c].op1, "Gemm") == 0 ? 2 : 1, cases[c].out1, NULL, 0);
        add_value(&g, 11, "x", 2);
        add_value(&g, 12, "y", 0);
        nnb__pb_buf bytes = wrap_model(&g, 13);
        nnb_model *m = NULL;
        assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), cases[c].status);
        assert_null(m);
        if (strstr(nnb_last_error(), cases[c].expect) == NULL) {
            fail_msg("case %zu: '%s' not in '%s'", c, cases[c].expect, nnb_last_error());
        }
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_opset_range_and_softmax_axis(void **state)
{
    (void)state;
    const float w[4] = {1, 0, 0, 1};
    const int64_t wd[2] = {2, 2};
    const struct {
        int64_t opset;
        int has_axis;
        int64_t axis;
        nnb_status status;
    } cases[] = {
        {8, 0, 0, NNB_ERR_VERSION},
        {18, 0, 0, NNB_ERR_VERSION},
        {9, 0, 0, NNB_OK},
        {12, 1, 1, NNB_OK},
        {17, 1, -1, NNB_OK},
        {13, 1, 0, NNB_ERR_UNSUPPORTED},
        {11, 1, -2, NNB_ERR_UNSUPPORTED},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb__pb_buf g;
        nnb__pb_buf_init(&g, 1u << 20);
        add_init(&g, "W", wd, 2, w);
        const char *gin[2] = {"x", "W"}, *sin[1] = {"h"};
        add_node(&g, "MatMul", "mm", gin, 2, "h", NULL, 0);
        const attr_spec axis = {"axis", 0, cases[c].axis, 0.0f};
        add_node(&g, "Softmax", "sm", sin, 1, "y", &axis, cases[c].has_axis ? 1 : 0);
        add_value(&g, 11, "x", 2);
        add_value(&g, 12, "y", 2);
        nnb__pb_buf bytes = wrap_model(&g, cases[c].opset);
        nnb_model *m = NULL;
        assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), cases[c].status);
        if (m != NULL) {
            /* identity weights: softmax([1, 3]) = [1, e^2] / (1 + e^2) */
            nnb_tensor *X = NULL, *P = NULL;
            const float x[2] = {1.0f, 3.0f};
            assert_int_equal(nnb_tensor_create_from(&X, 1, 2, x), NNB_OK);
            assert_int_equal(nnb_tensor_create(&P, 1, 2), NNB_OK);
            assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
            assert_true(nnb_test_close(nnb_tensor_cdata(P)[0], 1.0 / (1.0 + exp(2.0)), 1e-6, 1e-7));
            nnb_tensor_destroy(X);
            nnb_tensor_destroy(P);
        }
        nnb_model_destroy(m);
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_export_then_import_predicts_the_same(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_int_equal(nnb_model_create(&m, 3), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 3, 5, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_sigmoid(m), NNB_OK);
    assert_int_equal(nnb_model_add_dropout(m, 0.3f), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 5, 4, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_relu(m), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 4, 2, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_softmax(m), NNB_OK);
    size_t size = 0;
    assert_int_equal(nnb_model_serialize_onnx(m, NULL, 0, &size), NNB_ERR_STATE);
    assert_int_equal(nnb_model_finalize(m), NNB_OK);
    assert_int_equal(nnb_model_serialize_onnx(m, NULL, 0, &size), NNB_OK);
    assert_true(size > 100);
    unsigned char small[16];
    size_t need = 0;
    assert_int_equal(nnb_model_serialize_onnx(m, small, sizeof small, &need), NNB_ERR_ARGUMENT);
    assert_int_equal(need, size);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(nnb_model_serialize_onnx(m, buf, size, &need), NNB_OK);

    nnb_model *back = NULL;
    assert_int_equal(nnb_model_parse_onnx(buf, size, &back), NNB_OK);
    /* Dropout writes no node: dense, sigmoid, dense, relu, dense, softmax. */
    assert_int_equal(nnb_model_layer_count(back), 6);
    nnb_tensor *X = NULL, *P = NULL, *Q = NULL;
    const float x[6] = {0.5f, -1.0f, 2.0f, 0.0f, 3.0f, -0.25f};
    assert_int_equal(nnb_tensor_create_from(&X, 2, 3, x), NNB_OK);
    assert_int_equal(nnb_tensor_create(&P, 2, 2), NNB_OK);
    assert_int_equal(nnb_tensor_create(&Q, 2, 2), NNB_OK);
    assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
    assert_int_equal(nnb_model_predict(back, X, Q, 0, NULL), NNB_OK);
    assert_memory_equal(nnb_tensor_cdata(P), nnb_tensor_cdata(Q), 4 * sizeof(float));

    nnb_onnx_info info;
    assert_int_equal(nnb_onnx_describe(buf, size, &info), NNB_OK);
    assert_int_equal(info.ir_version, NNB_ONNX_EXPORT_IR_VERSION);
    assert_int_equal(info.opset, NNB_ONNX_EXPORT_OPSET);
    assert_int_equal(info.node_count, 6);
    assert_int_equal(info.initializer_count, 6);
    assert_string_equal(info.input_name, "input");
    assert_string_equal(info.output_name, "output");
    assert_int_equal(strncmp(info.producer, "libnnbasics ", 12), 0);

    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(Q);
    free(buf);
    nnb_model_destroy(back);
    nnb_model_destroy(m);
}

/* x[2] -> MatMul(identity) -> one activation node (attributes given) -> y. */
static nnb__pb_buf activation_model(const char *op, const attr_spec *attrs, size_t n_attrs)
{
    nnb__pb_buf g;
    nnb__pb_buf_init(&g, 1u << 20);
    const float eye[4] = {1.0f, 0.0f, 0.0f, 1.0f};
    const int64_t wd[2] = {2, 2};
    add_init(&g, "W", wd, 2, eye);
    const char *min[2] = {"x", "W"};
    add_node(&g, "MatMul", "fc", min, 2, "h", NULL, 0);
    const char *ain[1] = {"h"};
    add_node(&g, op, "act", ain, 1, "y", attrs, n_attrs);
    add_value(&g, 11, "x", 2);
    add_value(&g, 12, "y", 2);
    return wrap_model(&g, 13);
}

static void test_onnx_new_activations_match_hand_computed(void **state)
{
    (void)state;
    const attr_spec leaky02 = {"alpha", 1, 0, 0.2f}, elu07 = {"alpha", 1, 0, 0.7f};
    /* x = [-1, 2]; the expected values from the definitions, by hand (and a calculator):
       tanh(-1) = -0.76159416, tanh(2) = 0.96402758; softplus: ln(1 + e^-1) = 0.31326169,
       ln(1 + e^2) = 2.12692801; LeakyRelu default alpha 0.01: -0.01; alpha 0.2: -0.2;
       Elu default alpha 1: e^-1 - 1 = -0.63212056; alpha 0.7: -0.44248439. Positive inputs pass. */
    struct {
        const char *op;
        const attr_spec *attr;
        nnb_layer_kind kind;
        float alpha, y0, y1;
    } cases[] = {
        {"Tanh", NULL, NNB_LAYER_TANH, 0.0f, -0.76159416f, 0.96402758f},
        {"Softplus", NULL, NNB_LAYER_SOFTPLUS, 0.0f, 0.31326169f, 2.12692801f},
        {"LeakyRelu", NULL, NNB_LAYER_LEAKY_RELU, 0.01f, -0.01f, 2.0f},
        {"LeakyRelu", &leaky02, NNB_LAYER_LEAKY_RELU, 0.2f, -0.2f, 2.0f},
        {"Elu", NULL, NNB_LAYER_ELU, 1.0f, -0.63212056f, 2.0f},
        {"Elu", &elu07, NNB_LAYER_ELU, 0.7f, -0.44248439f, 2.0f},
    };
    const float x[2] = {-1.0f, 2.0f};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb__pb_buf bytes = activation_model(cases[c].op, cases[c].attr, cases[c].attr != NULL ? 1 : 0);
        nnb_model *m = NULL;
        if (nnb_model_parse_onnx(bytes.data, bytes.size, &m) != NNB_OK) {
            fail_msg("case %zu (%s): %s", c, cases[c].op, nnb_last_error());
        }
        assert_int_equal(nnb_model_layer_count(m), 2);
        nnb_layer_info info;
        assert_int_equal(nnb_model_layer_info(m, 1, &info), NNB_OK);
        assert_int_equal(info.kind, cases[c].kind);
        assert_true(info.alpha == cases[c].alpha);
        nnb_tensor *X = NULL, *P = NULL;
        assert_int_equal(nnb_tensor_create_from(&X, 1, 2, x), NNB_OK);
        assert_int_equal(nnb_tensor_create(&P, 1, 2), NNB_OK);
        assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
        const float *p = nnb_tensor_cdata(P);
        if (fabsf(p[0] - cases[c].y0) > 1e-6f || fabsf(p[1] - cases[c].y1) > 1e-6f) {
            fail_msg("case %zu (%s): [%.8g, %.8g], expected [%.8g, %.8g]", c, cases[c].op, (double)p[0], (double)p[1],
                     (double)cases[c].y0, (double)cases[c].y1);
        }
        nnb_tensor_destroy(X);
        nnb_tensor_destroy(P);
        nnb_model_destroy(m);
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_new_activation_refusals(void **state)
{
    (void)state;
    const attr_spec steep = {"alpha", 1, 0, 1.5f}, negative = {"alpha", 1, 0, -1.0f}, int_alpha = {"alpha", 0, 1, 0};
    struct {
        const char *op;
        const attr_spec *attr;
        nnb_status status;
        const char *expect;
    } cases[] = {
        {"LeakyRelu", &steep, NNB_ERR_ARGUMENT, "node 1 'act' (LeakyRelu)"},
        {"Elu", &negative, NNB_ERR_ARGUMENT, "node 1 'act' (Elu)"},
        {"Elu", &int_alpha, NNB_ERR_FORMAT, "alpha is not a float"},
        {"Gelu", NULL, NNB_ERR_UNSUPPORTED, "opset 20"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb__pb_buf bytes = activation_model(cases[c].op, cases[c].attr, cases[c].attr != NULL ? 1 : 0);
        nnb_model *m = NULL;
        assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), cases[c].status);
        assert_null(m);
        if (strstr(nnb_last_error(), cases[c].expect) == NULL) {
            fail_msg("case %zu: '%s' not in '%s'", c, cases[c].expect, nnb_last_error());
        }
        nnb__pb_buf_free(&bytes);
    }
}

static void test_onnx_export_new_activations_round_trip(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_int_equal(nnb_model_create(&m, 3), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 3, 4, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_tanh(m), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 4, 4, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_leaky_relu(m, 0.2f), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 4, 4, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_elu(m, 0.7f), NNB_OK);
    assert_int_equal(nnb_model_add_dense(m, 4, 2, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_softplus(m), NNB_OK);
    assert_int_equal(nnb_model_finalize(m), NNB_OK);
    size_t size = 0;
    assert_int_equal(nnb_model_serialize_onnx(m, NULL, 0, &size), NNB_OK);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    assert_int_equal(nnb_model_serialize_onnx(m, buf, size, &size), NNB_OK);
    nnb_model *back = NULL;
    assert_int_equal(nnb_model_parse_onnx(buf, size, &back), NNB_OK);
    assert_int_equal(nnb_model_layer_count(back), 8);
    const nnb_layer_kind kinds[8] = {NNB_LAYER_DENSE, NNB_LAYER_TANH, NNB_LAYER_DENSE, NNB_LAYER_LEAKY_RELU,
                                     NNB_LAYER_DENSE, NNB_LAYER_ELU,  NNB_LAYER_DENSE, NNB_LAYER_SOFTPLUS};
    const float alphas[8] = {0, 0, 0, 0.2f, 0, 0.7f, 0, 0};
    for (size_t i = 0; i < 8; ++i) {
        nnb_layer_info info;
        assert_int_equal(nnb_model_layer_info(back, i, &info), NNB_OK);
        assert_int_equal(info.kind, kinds[i]);
        assert_true(info.alpha == alphas[i]); /* the non-default alphas travel as attributes */
    }
    nnb_tensor *X = NULL, *P = NULL, *Q = NULL;
    const float x[6] = {0.5f, -1.0f, 2.0f, -3.0f, 3.0f, -0.25f};
    assert_int_equal(nnb_tensor_create_from(&X, 2, 3, x), NNB_OK);
    assert_int_equal(nnb_tensor_create(&P, 2, 2), NNB_OK);
    assert_int_equal(nnb_tensor_create(&Q, 2, 2), NNB_OK);
    assert_int_equal(nnb_model_predict(m, X, P, 0, NULL), NNB_OK);
    assert_int_equal(nnb_model_predict(back, X, Q, 0, NULL), NNB_OK);
    assert_memory_equal(nnb_tensor_cdata(P), nnb_tensor_cdata(Q), 4 * sizeof(float));
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_tensor_destroy(Q);
    free(buf);
    nnb_model_destroy(back);
    nnb_model_destroy(m);

    /* GELU has no ONNX operator before opset 20: refused, the caller's size untouched. */
    nnb_model *g = NULL;
    assert_int_equal(nnb_model_create(&g, 2), NNB_OK);
    assert_int_equal(nnb_model_add_dense(g, 2, 2, 0.5f, NULL), NNB_OK);
    assert_int_equal(nnb_model_add_gelu(g, NNB_GELU_TANH), NNB_OK);
    assert_int_equal(nnb_model_finalize(g), NNB_OK);
    size = 12345;
    assert_int_equal(nnb_model_serialize_onnx(g, NULL, 0, &size), NNB_ERR_UNSUPPORTED);
    assert_int_equal(size, 12345);
    assert_non_null(strstr(nnb_last_error(), "layer 1 is GELU"));
    nnb_model_destroy(g);
}

static void test_onnx_null_and_empty_arguments(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_int_equal(nnb_model_parse_onnx(NULL, 4, &m), NNB_ERR_NULL);
    assert_int_equal(nnb_model_parse_onnx("x", 1, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_model_parse_onnx("", 0, &m), NNB_ERR_FORMAT);
    assert_int_equal(nnb_model_load_onnx(NULL, &m), NNB_ERR_NULL);
    assert_int_equal(nnb_model_load_onnx("/nonexistent/x.onnx", &m), NNB_ERR_IO);
    assert_null(m);
    size_t size;
    assert_int_equal(nnb_model_serialize_onnx(NULL, NULL, 0, &size), NNB_ERR_NULL);
    assert_int_equal(nnb_model_save_onnx(NULL, NULL), NNB_ERR_NULL);
    /* Not a model at all: a graph-less message. */
    const unsigned char junk[4] = {0x08, 0x07, 0x12, 0x00};
    assert_int_equal(nnb_model_parse_onnx(junk, sizeof junk, &m), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "no graph"));
}

/* Every allocation of an import and of an export failing in turn: NNB_ERR_NOMEM with a detail, nothing leaked. */
static void test_onnx_out_of_memory_sweep(void **state)
{
    (void)state;
    nnb__pb_buf bytes = gemm_relu_model();
    for (int pass = 0; pass < 2; ++pass) {
        nnb_model *m = NULL;
        if (pass == 1) {
            assert_int_equal(nnb_model_parse_onnx(bytes.data, bytes.size, &m), NNB_OK);
        }
        for (size_t k = 1;; ++k) {
            const size_t live = nnb_test_live_blocks();
            nnb_model *out = NULL;
            size_t size = 0;
            nnb_test_fail_allocation(k);
            const nnb_status st = pass == 0 ? nnb_model_parse_onnx(bytes.data, bytes.size, &out)
                                            : nnb_model_serialize_onnx(m, NULL, 0, &size);
            nnb_test_fail_allocation(0);
            if (st == NNB_OK) {
                assert_true(k > 1);
                nnb_model_destroy(out);
                break;
            }
            assert_int_equal(st, NNB_ERR_NOMEM);
            assert_null(out);
            assert_non_null(strstr(nnb_last_error(), "memory"));
            assert_int_equal(nnb_test_live_blocks(), live);
        }
        nnb_model_destroy(m);
    }
    nnb__pb_buf_free(&bytes);
}

static void test_protobuf_wire_varints_depth_and_limits(void **state)
{
    (void)state;
    uint64_t v = 0;
    const unsigned char max[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    nnb__pb_cursor c = nnb__pb_cursor_make(max, sizeof max);
    assert_int_equal(nnb__pb_read_varint(&c, &v), NNB_OK);
    assert_true(v == UINT64_MAX);
    const unsigned char over[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    c = nnb__pb_cursor_make(over, sizeof over);
    assert_int_equal(nnb__pb_read_varint(&c, &v), NNB_ERR_FORMAT);
    const unsigned char cut[2] = {0x96, 0x81};
    c = nnb__pb_cursor_make(cut, sizeof cut);
    assert_int_equal(nnb__pb_read_varint(&c, &v), NNB_ERR_FORMAT);
    const unsigned char v150[2] = {0x96, 0x01}; /* protobuf's documentation example: 150 */
    c = nnb__pb_cursor_make(v150, sizeof v150);
    assert_int_equal(nnb__pb_read_varint(&c, &v), NNB_OK);
    assert_true(v == 150);
    /* Keys: field 0, and the group wire types, are refused. */
    uint32_t f;
    unsigned w;
    const unsigned char key0[1] = {0x02}, group[1] = {0x0b};
    c = nnb__pb_cursor_make(key0, 1);
    assert_int_equal(nnb__pb_read_key(&c, &f, &w), NNB_ERR_FORMAT);
    c = nnb__pb_cursor_make(group, 1);
    assert_int_equal(nnb__pb_read_key(&c, &f, &w), NNB_ERR_FORMAT);
    /* A length beyond the bytes left. */
    const unsigned char len[3] = {0x05, 'a', 'b'};
    nnb__pb_slice s;
    c = nnb__pb_cursor_make(len, sizeof len);
    assert_int_equal(nnb__pb_read_bytes(&c, &s), NNB_ERR_FORMAT);
    /* Nesting: 40 levels of one-field messages; opening them stops at the depth limit. */
    unsigned char nest[80];
    for (size_t i = 0; i < 40; ++i) {
        nest[2 * i] = 0x0a;                            /* field 1, length-delimited */
        nest[2 * i + 1] = (unsigned char)(78 - 2 * i); /* the rest */
    }
    c = nnb__pb_cursor_make(nest, sizeof nest);
    nnb_status st = NNB_OK;
    unsigned levels = 0;
    while (st == NNB_OK && nnb__pb_more(&c)) {
        st = nnb__pb_read_key(&c, &f, &w);
        if (st == NNB_OK) {
            nnb__pb_cursor sub;
            st = nnb__pb_read_message(&c, &sub);
            if (st == NNB_OK) {
                c = sub;
                ++levels;
            }
        }
    }
    assert_int_equal(st, NNB_ERR_FORMAT);
    assert_int_equal(levels, NNB__PB_MAX_DEPTH);
    /* Writer: negative int64 as a 10-byte varint, and the size limit. */
    nnb__pb_buf b;
    nnb__pb_buf_init(&b, 11);
    nnb__pb_put_int(&b, 1, -1);
    assert_int_equal(nnb__pb_buf_status(&b), NNB_OK);
    assert_int_equal(b.size, 11);
    c = nnb__pb_cursor_make(b.data, b.size);
    assert_int_equal(nnb__pb_read_key(&c, &f, &w), NNB_OK);
    assert_int_equal(nnb__pb_read_varint(&c, &v), NNB_OK);
    assert_true((int64_t)v == -1);
    nnb__pb_put_int(&b, 1, 1);
    assert_int_equal(nnb__pb_buf_status(&b), NNB_ERR_OVERFLOW);
    nnb__pb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onnx_gemm_transb_alpha_beta_matches_hand_computed),
        cmocka_unit_test(test_onnx_truncation_at_every_length_is_refused),
        cmocka_unit_test(test_onnx_conv_bn_pool_match_hand_computed),
        cmocka_unit_test(test_onnx_conv_refusals_name_the_node),
        cmocka_unit_test(test_onnx_flipped_wire_types_never_crash),
        cmocka_unit_test(test_onnx_huge_dims_and_missing_initializers_are_refused),
        cmocka_unit_test(test_onnx_scaled_parameters_that_overflow_are_refused),
        cmocka_unit_test(test_onnx_cycles_disorder_and_unknown_ops_are_refused),
        cmocka_unit_test(test_onnx_opset_range_and_softmax_axis),
        cmocka_unit_test(test_onnx_export_then_import_predicts_the_same),
        cmocka_unit_test(test_onnx_new_activations_match_hand_computed),
        cmocka_unit_test(test_onnx_new_activation_refusals),
        cmocka_unit_test(test_onnx_export_new_activations_round_trip),
        cmocka_unit_test(test_onnx_null_and_empty_arguments),
        cmocka_unit_test(test_onnx_out_of_memory_sweep),
        cmocka_unit_test(test_protobuf_wire_varints_depth_and_limits),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
