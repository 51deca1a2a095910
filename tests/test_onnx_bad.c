/* SPDX-License-Identifier: MIT */
/*
 * ONNX import of hand-built byte strings through the public API only (nnb_model_parse_onnx): the protobuf
 * encoding is written here from onnx.proto's field numbers, independent of the library's own wire code, so
 * these checks hold whatever the reader's internals become. Each malformed or unsupported graph must give
 * its status and a detail naming the defect, and leave *out untouched; the accepted corner cases (unpacked
 * float_data, a leading Sub/Div scaling, Identity/Dropout pass-throughs, the ai.onnx domain) are compared
 * with outputs computed by hand.
 */
/* rmdir, mkdir. */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnbasics/onnx.h"
#include "nnbasics/preprocess.h"

/* ---- a protobuf writer of its own ---- */

typedef struct pb {
    unsigned char *p;
    size_t n, cap;
} pb;

static void pb_raw(pb *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->p + b->n, data, n);
    }
    b->n += n;
}

static void pb_varint(pb *b, uint64_t v)
{
    unsigned char c[10];
    size_t n = 0;
    do {
        c[n] = (unsigned char)(v & 0x7Fu);
        v >>= 7;
        if (v != 0) {
            c[n] |= 0x80u;
        }
        ++n;
    } while (v != 0);
    pb_raw(b, c, n);
}

static void pb_key(pb *b, uint32_t field, unsigned wire)
{
    pb_varint(b, (uint64_t)field << 3 | wire);
}

static void pb_int(pb *b, uint32_t field, int64_t v)
{
    pb_key(b, field, 0);
    pb_varint(b, (uint64_t)v);
}

static void pb_bytes(pb *b, uint32_t field, const void *data, size_t n)
{
    pb_key(b, field, 2);
    pb_varint(b, n);
    pb_raw(b, data, n);
}

static void pb_str(pb *b, uint32_t field, const char *s)
{
    pb_bytes(b, field, s, strlen(s));
}

static void pb_fixed32(pb *b, uint32_t field, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    unsigned char c[4];
    nnb_test_put_le32(c, u);
    pb_key(b, field, 5);
    pb_raw(b, c, 4);
}

/* Appends sub as a length-delimited field and frees it. */
static void pb_msg(pb *b, uint32_t field, pb *sub)
{
    pb_bytes(b, field, sub->p, sub->n);
    free(sub->p);
    memset(sub, 0, sizeof *sub);
}

/* ---- graph pieces (onnx.proto field numbers) ---- */

enum { F_RAW, F_PACKED, F_UNPACKED, F_BOTH, F_NONE };

/* TensorProto: dims, data_type (1 = FLOAT unless dtype given), name, values in the chosen encoding. */
static void init_tensor(pb *g, const char *name, const int64_t *dims, size_t rank, const float *v, size_t n, int enc,
                        int64_t dtype)
{
    pb t = {0};
    for (size_t i = 0; i < rank; ++i) {
        pb_int(&t, 1, dims[i]);
    }
    pb_int(&t, 2, dtype);
    pb_str(&t, 8, name);
    if (enc == F_RAW || enc == F_BOTH) {
        unsigned char buf[256];
        assert_true(n * 4 <= sizeof buf);
        for (size_t i = 0; i < n; ++i) {
            uint32_t u;
            memcpy(&u, &v[i], 4);
            nnb_test_put_le32(buf + 4 * i, u);
        }
        pb_bytes(&t, 9, buf, 4 * n);
    }
    if (enc == F_PACKED || enc == F_BOTH) {
        pb packed = {0};
        for (size_t i = 0; i < n; ++i) {
            uint32_t u;
            memcpy(&u, &v[i], 4);
            unsigned char c[4];
            nnb_test_put_le32(c, u);
            pb_raw(&packed, c, 4);
        }
        pb_msg(&t, 4, &packed);
    }
    if (enc == F_UNPACKED) {
        for (size_t i = 0; i < n; ++i) {
            pb_fixed32(&t, 4, v[i]);
        }
    }
    pb_msg(g, 5, &t);
}

static void init_floats(pb *g, const char *name, const int64_t *dims, size_t rank, const float *v, size_t n)
{
    init_tensor(g, name, dims, rank, v, n, F_RAW, 1);
}

typedef struct attr {
    const char *name;
    int kind; /* 1 float, 2 int */
    double value;
} attr;

static void node(pb *g, const char *op, const char *domain, const char *const *in, size_t n_in, const char *const *out,
                 size_t n_out, const attr *attrs, size_t n_attrs)
{
    pb n = {0};
    for (size_t i = 0; i < n_in; ++i) {
        pb_str(&n, 1, in[i]);
    }
    for (size_t i = 0; i < n_out; ++i) {
        pb_str(&n, 2, out[i]);
    }
    pb_str(&n, 4, op);
    if (domain != NULL) {
        pb_str(&n, 7, domain);
    }
    for (size_t i = 0; i < n_attrs; ++i) {
        pb a = {0};
        pb_str(&a, 1, attrs[i].name);
        if (attrs[i].kind == 1) {
            pb_fixed32(&a, 2, (float)attrs[i].value);
        } else {
            pb_int(&a, 3, (int64_t)attrs[i].value);
        }
        pb_int(&a, 20, attrs[i].kind);
        pb_msg(&n, 5, &a);
    }
    pb_msg(g, 1, &n);
}

/* One-input, one-output node. */
static void node1(pb *g, const char *op, const char *in, const char *out)
{
    node(g, op, NULL, &in, 1, &out, 1, NULL, 0);
}

/* ValueInfoProto of a float tensor [N, width] (rank 0: no shape; rank 1 or 3 for the bad cases). */
static void value(pb *g, uint32_t field, const char *name, int64_t elem, size_t rank, int64_t width)
{
    pb v = {0}, type = {0}, tensor = {0}, shape = {0};
    for (size_t i = 0; i < rank; ++i) {
        pb d = {0};
        if (i == 0) {
            pb_str(&d, 2, "N");
        } else {
            pb_int(&d, 1, width);
        }
        pb_msg(&shape, 1, &d);
    }
    pb_int(&tensor, 1, elem);
    if (rank > 0) {
        pb_msg(&tensor, 2, &shape);
    } else {
        free(shape.p);
    }
    pb_msg(&type, 1, &tensor);
    pb_str(&v, 1, name);
    pb_msg(&v, 2, &type);
    pb_msg(g, field, &v);
}

/* ModelProto: ir_version, the graph (freed), an opset import of the default domain (opset 0: none). */
static pb model(pb *g, int64_t ir, int64_t opset)
{
    pb m = {0};
    pb_int(&m, 1, ir);
    pb_msg(&m, 7, g);
    if (opset != 0) {
        pb os = {0};
        pb_str(&os, 1, "");
        pb_int(&os, 2, opset);
        pb_msg(&m, 8, &os);
    }
    return m;
}

/* W [2 x 3] (no transB: inputs x outputs), bias [3]. */
static const float W23[6] = {1.0f, 2.0f, -1.0f, 0.5f, -0.5f, 3.0f};
static const float B3[3] = {0.25f, -1.0f, 2.0f};
static const int64_t D23[2] = {2, 3}, D3[1] = {3}, D2[1] = {2};

/* The start of most graphs: input x [N, 2], W and B as initializers. */
static pb graph_start(void)
{
    pb g = {0};
    init_floats(&g, "W", D23, 2, W23, 6);
    init_floats(&g, "B", D3, 1, B3, 3);
    value(&g, 11, "x", 1, 2, 2);
    return g;
}

static void gemm(pb *g, const char *in, const char *out, const attr *attrs, size_t n_attrs)
{
    const char *ins[3] = {in, "W", "B"};
    node(g, "Gemm", NULL, ins, 3, &out, 1, attrs, n_attrs);
}

/* Parses m (freed); expects status `want` with a detail containing `needle`, and *out untouched. */
static void expect_refused(pb *m, nnb_status want, const char *needle)
{
    nnb_model *sentinel = (nnb_model *)(uintptr_t)0x1234;
    nnb_model *out = sentinel;
    nnb_status st = nnb_model_parse_onnx(m->p, m->n, &out);
    free(m->p);
    memset(m, 0, sizeof *m);
    if (st != want) {
        fail_msg("status %s (%s), expected %s; detail: %s", nnb_status_string(st), nnb_last_error(),
                 nnb_status_string(want), needle);
    }
    assert_ptr_equal(out, sentinel);
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

static nnb_model *expect_parsed(pb *m)
{
    nnb_model *out = NULL;
    nnb_status st = nnb_model_parse_onnx(m->p, m->n, &out);
    free(m->p);
    memset(m, 0, sizeof *m);
    if (st != NNB_OK) {
        fail_msg("parse failed: %s", nnb_last_error());
    }
    return out;
}

/* x = (1, 2) through the model: row of outputs. */
static void predict_row(const nnb_model *m, const float x[2], float *y, size_t n_out)
{
    nnb_tensor *X = NULL, *Y = NULL;
    assert_ok(nnb_tensor_create(&X, 1, 2));
    assert_ok(nnb_tensor_create(&Y, 1, n_out));
    memcpy(nnb_tensor_data(X), x, 2 * sizeof(float));
    assert_ok(nnb_model_predict_raw(m, X, Y, 0, NULL)); /* with the stored scaling, if any */
    memcpy(y, nnb_tensor_cdata(Y), n_out * sizeof(float));
    nnb_tensor_destroy(Y);
    nnb_tensor_destroy(X);
}

/* ---- initializer encodings ---- */

static void test_initializer_encodings(void **state)
{
    (void)state;
    const float x[2] = {1.0f, 2.0f};
    /* y = x W + B: (1 + 1, 2 - 1, -1 + 6) + B = (2.25, 0, 7) */
    const float want[3] = {2.25f, 0.0f, 7.0f};
    for (int enc = F_RAW; enc <= F_UNPACKED; ++enc) {
        pb g = {0};
        init_tensor(&g, "W", D23, 2, W23, 6, enc, 1);
        init_tensor(&g, "B", D3, 1, B3, 3, enc, 1);
        value(&g, 11, "x", 1, 2, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        nnb_model *r = expect_parsed(&m);
        float y[3];
        predict_row(r, x, y, 3);
        for (size_t k = 0; k < 3; ++k) {
            assert_close(y[k], want[k], 0.0, 1e-6);
        }
        nnb_model_destroy(r);
    }
    static const struct {
        int enc;
        size_t n;
        nnb_status st;
        const char *needle;
    } bad[] = {
        {F_RAW, 5, NNB_ERR_FORMAT, "raw_data holds 20 bytes"},
        {F_PACKED, 5, NNB_ERR_FORMAT, "holds 5 values, its shape 6"},
        {F_UNPACKED, 4, NNB_ERR_FORMAT, "holds 4 values, its shape 6"},
        {F_BOTH, 6, NNB_ERR_FORMAT, "more values than its 6 elements"},
        {F_NONE, 0, NNB_ERR_FORMAT, "holds 0 values"},
    };
    float seven[7] = {1, 2, 3, 4, 5, 6, 7};
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; ++c) {
        pb g = {0};
        init_tensor(&g, "W", D23, 2, seven, bad[c].n, bad[c].enc, 1);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 2, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, bad[c].st, bad[c].needle);
    }
    /* Packed float_data longer than the shape. */
    {
        pb g = {0};
        init_tensor(&g, "W", D23, 2, seven, 7, F_PACKED, 1);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 2, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "more values than its 6 elements");
    }
    /* A NaN and an infinity among the weights. */
    for (int k = 0; k < 2; ++k) {
        float w[6];
        memcpy(w, W23, sizeof w);
        w[4] = k == 0 ? NAN : INFINITY;
        pb g = {0};
        init_floats(&g, "W", D23, 2, w, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 2, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_NONFINITE, k == 0 ? "element 4 is NaN" : "element 4 is infinite");
    }
}

/* ---- Gemm / MatMul / Add ---- */

static void test_gemm_attributes_and_inputs(void **state)
{
    (void)state;
    const attr trans_a[1] = {{"transA", 2, 1}};
    const attr trans_b2[1] = {{"transB", 2, 2}};
    const attr alpha_int[1] = {{"alpha", 2, 3}};
    const attr beta_inf[1] = {{"beta", 1, INFINITY}};
    const struct {
        const attr *a;
        nnb_status st;
        const char *needle;
    } cases[] = {
        {trans_a, NNB_ERR_UNSUPPORTED, "transA = 1; only 0 is supported"},
        {trans_b2, NNB_ERR_FORMAT, "transB = 2 (must be 0 or 1)"},
        {alpha_int, NNB_ERR_FORMAT, "alpha or beta is not a finite float"},
        {beta_inf, NNB_ERR_FORMAT, "alpha or beta is not a finite float"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        pb g = graph_start();
        gemm(&g, "x", "y", cases[c].a, 1);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, cases[c].st, cases[c].needle);
    }
    /* MatMul with a third input; Gemm with one. */
    {
        pb g = graph_start();
        const char *ins[3] = {"x", "W", "B"}, *out = "y";
        node(&g, "MatMul", NULL, ins, 3, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has 3 inputs (expected 2)");
    }
    {
        pb g = graph_start();
        node1(&g, "Gemm", "x", "y");
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has 1 inputs (expected 2 or 3)");
    }
    /* A weight of rank 1; an empty weight name; a weight computed by a node. */
    {
        pb g = graph_start();
        const char *ins[2] = {"x", "B"}, *out = "y";
        node(&g, "MatMul", NULL, ins, 2, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "must be a non-empty matrix (rank 1)");
    }
    {
        pb g = graph_start();
        const char *ins[2] = {"x", ""}, *out = "y";
        node(&g, "MatMul", NULL, ins, 2, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "input 1 is missing");
    }
    {
        pb g = graph_start();
        const char *ins[2] = {"h", "h"}, *out = "y";
        node1(&g, "Identity", "x", "h");
        node(&g, "MatMul", NULL, ins, 2, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "only a constant (initializer) is supported there");
    }
}

static void test_add_and_scaling(void **state)
{
    (void)state;
    /* MatMul then Add with the constant first (Add(B, h)): the bias; accepted, outputs by hand. */
    {
        pb g = graph_start();
        const char *mm[2] = {"x", "W"}, *h = "h", *add[2] = {"B", "h"}, *y = "y";
        node(&g, "MatMul", NULL, mm, 2, &h, 1, NULL, 0);
        node(&g, "Add", "ai.onnx", add, 2, &y, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        nnb_model *r = expect_parsed(&m);
        const float x[2] = {1.0f, 2.0f};
        float out[3];
        predict_row(r, x, out, 3);
        assert_close(out[0], 2.25, 0.0, 1e-6);
        assert_close(out[1], 0.0, 0.0, 1e-6);
        assert_close(out[2], 7.0, 0.0, 1e-6);
        nnb_model_destroy(r);
    }
    /* Add after an activation; Add with three inputs. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        node1(&g, "Relu", "h", "r");
        const char *add[2] = {"r", "B"}, *y = "y";
        node(&g, "Add", NULL, add, 2, &y, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "Add is supported only as the bias right after MatMul or Gemm");
    }
    {
        pb g = graph_start();
        const char *mm[2] = {"x", "W"}, *h = "h", *add[3] = {"h", "B", "B"}, *y = "y";
        node(&g, "MatMul", NULL, mm, 2, &h, 1, NULL, 0);
        node(&g, "Add", NULL, add, 3, &y, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has 3 inputs (expected 2)");
    }
    /* Sub (center) then Div (scale) before the first layer: x' = (x - c) / s with c = (1, 1), s = (2, 4):
     * (1, 2) -> (0, 0.25); y = x' W + B = (0.125, -0.125, 0.75) + B = (0.375, -1.125, 2.75). */
    {
        pb g = graph_start();
        const float c[2] = {1.0f, 1.0f}, s[2] = {2.0f, 4.0f};
        init_floats(&g, "c", D2, 1, c, 2);
        init_floats(&g, "s", D2, 1, s, 2);
        const char *sub[2] = {"x", "c"}, *div[2] = {"xc", "s"}, *xc = "xc", *xs = "xs";
        node(&g, "Sub", NULL, sub, 2, &xc, 1, NULL, 0);
        node(&g, "Div", NULL, div, 2, &xs, 1, NULL, 0);
        gemm(&g, "xs", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        nnb_model *r = expect_parsed(&m);
        const float x[2] = {1.0f, 2.0f};
        float out[3];
        predict_row(r, x, out, 3);
        assert_close(out[0], 0.375, 0.0, 1e-6);
        assert_close(out[1], -1.125, 0.0, 1e-6);
        assert_close(out[2], 2.75, 0.0, 1e-6);
        nnb_model_destroy(r);
    }
    /* Div alone (scale 0.5, 0.25 as a [1, 2] matrix): (1, 2) -> (2, 8): y = (2 + 4, 4 - 4, -2 + 24) + B. */
    {
        pb g = graph_start();
        const float s[2] = {0.5f, 0.25f};
        const int64_t d12[2] = {1, 2};
        init_floats(&g, "s", d12, 2, s, 2);
        const char *div[2] = {"x", "s"}, *xs = "xs";
        node(&g, "Div", NULL, div, 2, &xs, 1, NULL, 0);
        gemm(&g, "xs", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        nnb_model *r = expect_parsed(&m);
        const float x[2] = {1.0f, 2.0f};
        float out[3];
        predict_row(r, x, out, 3);
        assert_close(out[0], 6.25, 0.0, 1e-6);
        assert_close(out[1], -1.0, 0.0, 1e-6);
        assert_close(out[2], 24.0, 0.0, 1e-6);
        nnb_model_destroy(r);
    }
    /* Refusals: a scale of 0, a center of the wrong width, Sub after a dense layer, two Subs, three inputs. */
    const float zero_scale[2] = {1.0f, 0.0f}, three[3] = {1, 2, 3};
    {
        pb g = graph_start();
        init_floats(&g, "s", D2, 1, zero_scale, 2);
        const char *div[2] = {"x", "s"}, *xs = "xs";
        node(&g, "Div", NULL, div, 2, &xs, 1, NULL, 0);
        gemm(&g, "xs", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "scale 1 is 0; the stored scaling needs scales > 0");
    }
    {
        pb g = graph_start();
        init_floats(&g, "c", D3, 1, three, 3);
        const char *sub[2] = {"x", "c"}, *xc = "xc";
        node(&g, "Sub", NULL, sub, 2, &xc, 1, NULL, 0);
        gemm(&g, "xc", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "must be a vector of the input's 2 features");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const char *sub[2] = {"h", "B"}, *y = "y";
        node(&g, "Sub", NULL, sub, 2, &y, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "Sub and Div are supported only as the scaling of the input");
    }
    {
        pb g = graph_start();
        const float c[2] = {1.0f, 1.0f};
        init_floats(&g, "c", D2, 1, c, 2);
        const char *s1[2] = {"x", "c"}, *s2[2] = {"a", "c"}, *a = "a", *b = "b";
        node(&g, "Sub", NULL, s1, 2, &a, 1, NULL, 0);
        node(&g, "Sub", NULL, s2, 2, &b, 1, NULL, 0);
        gemm(&g, "b", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "Sub and Div are supported only as the scaling of the input");
    }
    {
        pb g = graph_start();
        const char *sub[3] = {"x", "B", "B"}, *a = "a";
        node(&g, "Sub", NULL, sub, 3, &a, 1, NULL, 0);
        gemm(&g, "a", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has 3 inputs (expected 2)");
    }
}

/* ---- the chain and the nodes around it ---- */

static void test_chain_and_node_refusals(void **state)
{
    (void)state;
    /* The data input is a constant. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        node1(&g, "Relu", "B", "y");
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "its data input 'B' is a constant, not the chain's value 'h'");
    }
    /* The data input is defined nowhere. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        node1(&g, "Relu", "ghost", "y");
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "consumes 'ghost', which no node, input or initializer defines");
    }
    /* Not a chain: node 2 reads node 0's output. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        node1(&g, "Relu", "h", "r");
        node1(&g, "Sigmoid", "h", "y");
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "the graph is not a chain");
    }
    /* Another domain; no output; two outputs; an activation with two inputs; an activation first. */
    {
        pb g = graph_start();
        const char *in = "x", *out = "y";
        node(&g, "Relu", "com.example", &in, 1, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "operator domain 'com.example' is not supported");
    }
    {
        pb g = graph_start();
        const char *in = "x";
        node(&g, "Relu", NULL, &in, 1, NULL, 0, NULL, 0);
        value(&g, 12, "y", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has no output");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const char *in = "h", *outs[2] = {"y", "z"};
        node(&g, "Relu", NULL, &in, 1, outs, 2, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "has 2 outputs (expected 1)");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const char *ins[2] = {"h", "B"}, *out = "y";
        node(&g, "Tanh", NULL, ins, 2, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has 2 inputs (expected 1)");
    }
    {
        pb g = graph_start();
        node(&g, "Relu", NULL, NULL, 0, (const char *const[]){"y"}, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "has no input");
    }
    {
        pb g = graph_start();
        node1(&g, "Softplus", "x", "s");
        gemm(&g, "s", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "the first layer must be dense (Gemm or MatMul)");
    }
    /* LeakyRelu with an integer alpha; Elu with a negative one (the layer refuses it). */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const attr a[1] = {{"alpha", 2, 1}};
        const char *in = "h", *out = "y";
        node(&g, "LeakyRelu", NULL, &in, 1, &out, 1, a, 1);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "attribute alpha is not a float");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const attr a[1] = {{"alpha", 1, -1.0}};
        const char *in = "h", *out = "y";
        node(&g, "Elu", NULL, &in, 1, &out, 1, a, 1);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_ARGUMENT, "alpha");
    }
    /* Softmax over axis 0. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const attr a[1] = {{"axis", 2, 0}};
        const char *in = "h", *out = "y";
        node(&g, "Softmax", NULL, &in, 1, &out, 1, a, 1);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "axis = 0; on a [batch, features] input only axis 1");
    }
    /* An output name defined twice by one node; a node output that shadows an initializer. */
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        const char *in = "h", *outs[2] = {"y", "y"};
        node(&g, "Dropout", NULL, &in, 1, outs, 2, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "names its output 'y' twice");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "B", NULL, 0);
        value(&g, 12, "B", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "is also defined elsewhere");
    }
}

/* ---- the model and graph around the nodes ---- */

static void test_model_and_graph_refusals(void **state)
{
    (void)state;
    /* ir_version 2, no default-domain opset, opset 8 and 18. */
    const struct {
        int64_t ir, opset;
        nnb_status st;
        const char *needle;
    } versions[] = {
        {2, 13, NNB_ERR_VERSION, "ir_version 2 is not supported"},
        {7, 0, NNB_ERR_FORMAT, "imports no opset of the default domain"},
        {7, 8, NNB_ERR_VERSION, "opset 8 is not supported (9 to 17)"},
        {7, 18, NNB_ERR_VERSION, "opset 18 is not supported (9 to 17)"},
    };
    for (size_t c = 0; c < sizeof versions / sizeof versions[0]; ++c) {
        pb g = graph_start();
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, versions[c].ir, versions[c].opset);
        expect_refused(&m, versions[c].st, versions[c].needle);
    }
    /* The input: an int64 tensor; rank 3. */
    {
        pb g = {0};
        init_floats(&g, "W", D23, 2, W23, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 7, 2, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "input 'x' is not a float tensor (elem_type 7)");
    }
    {
        pb g = {0};
        init_floats(&g, "W", D23, 2, W23, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 3, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "input 'x' has rank 3");
    }
    /* Two graph outputs; none; no nodes. */
    {
        pb g = graph_start();
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        value(&g, 12, "x", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "the graph has 2 outputs");
    }
    {
        pb g = graph_start();
        value(&g, 12, "x", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "the graph has no nodes");
    }
    /* The output: computed by no node; by a node before the end; declared with the wrong width or rank. */
    {
        pb g = graph_start();
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "z", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "the graph output 'z' is computed by no node");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "h", NULL, 0);
        node1(&g, "Relu", "h", "y");
        value(&g, 12, "h", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "the graph output 'h' comes from node 0");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 4);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "declared with 2 dimensions / 4 features; the chain gives [batch, 3]");
    }
    {
        pb g = graph_start();
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 3, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "declared with 3 dimensions");
    }
    /* Only pass-throughs: no dense layer. */
    {
        pb g = graph_start();
        node1(&g, "Identity", "x", "y");
        value(&g, 12, "y", 1, 2, 2);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "the graph has no Gemm, MatMul or Conv");
    }
    /* Identity, Dropout and Flatten pass the value through: y = relu(Flatten(Dropout(Identity(x))) W + B). */
    {
        pb g = graph_start();
        node1(&g, "Identity", "x", "a");
        node1(&g, "Dropout", "a", "b");
        node1(&g, "Flatten", "b", "c");
        gemm(&g, "c", "h", NULL, 0);
        node1(&g, "Relu", "h", "y");
        value(&g, 12, "y", 1, 0, 0);
        pb m = model(&g, 7, 13);
        nnb_model *r = expect_parsed(&m);
        const float x[2] = {-1.0f, 1.0f};
        float out[3];
        /* (-1 + 0.5, -2 - 0.5, 1 + 3) + B = (-0.25, -3.5, 6) -> relu (0, 0, 6) */
        predict_row(r, x, out, 3);
        assert_close(out[0], 0.0, 0.0, 0.0);
        assert_close(out[1], 0.0, 0.0, 0.0);
        assert_close(out[2], 6.0, 0.0, 1e-6);
        nnb_model_destroy(r);
    }
}

/* ---- decoder limits, describe and load ---- */

/* A graph of one Gemm whose W initializer carries extra fields (for the decoder's refusals). */
static pb gemm_model_with_w(pb *w_fields)
{
    pb g = {0};
    pb_msg(&g, 5, w_fields);
    init_floats(&g, "B", D3, 1, B3, 3);
    value(&g, 11, "x", 1, 2, 2);
    gemm(&g, "x", "y", NULL, 0);
    value(&g, 12, "y", 1, 2, 3);
    return model(&g, 7, 13);
}

static void test_decoder_limits(void **state)
{
    (void)state;
    /* An initializer of rank 9; one stored in an external file (data_location 1, or external_data). */
    {
        pb t = {0};
        pb_str(&t, 8, "W"); /* the name first: the detail can name it */
        for (int i = 0; i < 9; ++i) {
            pb_int(&t, 1, 1);
        }
        pb_int(&t, 2, 1);
        pb m = gemm_model_with_w(&t);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "initializer 'W' has more than 8 dimensions");
    }
    for (int k = 0; k < 2; ++k) {
        pb t = {0};
        pb_int(&t, 1, 2);
        pb_int(&t, 1, 3);
        pb_int(&t, 2, 1);
        pb_str(&t, 8, "W");
        if (k == 0) {
            pb_int(&t, 14, 1);
        } else {
            pb_str(&t, 13, "location");
        }
        pb m = gemm_model_with_w(&t);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "initializer 0 'W' keeps its data in an external file");
    }
    /* A node with 9 inputs. */
    {
        pb g = graph_start();
        const char *ins[9] = {"x", "W", "B", "B", "B", "B", "B", "B", "B"}, *out = "y";
        node(&g, "Gemm", NULL, ins, 9, &out, 1, NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "node 0 has more than 8 inputs");
    }
    /* A value dimension of -1; a value of rank 9; a non-tensor value type (a sequence) as the input. */
    {
        pb g = {0};
        init_floats(&g, "W", D23, 2, W23, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 2, -1);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_FORMAT, "dimension 1 is -1");
    }
    {
        pb g = {0};
        init_floats(&g, "W", D23, 2, W23, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        value(&g, 11, "x", 1, 9, 2);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "more than 8 dimensions");
    }
    {
        pb g = {0}, v = {0}, type = {0}, seq = {0};
        init_floats(&g, "W", D23, 2, W23, 6);
        init_floats(&g, "B", D3, 1, B3, 3);
        pb_int(&seq, 1, 1);
        pb_msg(&type, 4, &seq); /* TypeProto.sequence_type */
        pb_str(&v, 1, "x");
        pb_msg(&v, 2, &type);
        pb_msg(&g, 11, &v);
        gemm(&g, "x", "y", NULL, 0);
        value(&g, 12, "y", 1, 2, 3);
        pb m = model(&g, 7, 13);
        expect_refused(&m, NNB_ERR_UNSUPPORTED, "input 'x' is not a float tensor");
    }
}

static void test_describe_and_load(void **state)
{
    (void)state;
    pb g = graph_start();
    gemm(&g, "x", "h", NULL, 0);
    node1(&g, "Relu", "h", "y");
    value(&g, 12, "y", 1, 2, 3);
    pb m = {0};
    pb_int(&m, 1, 8);
    pb_str(&m, 2, "pytorch");
    pb_str(&m, 3, "2.1.0");
    pb_msg(&m, 7, &g);
    pb os = {0};
    pb_str(&os, 1, "");
    pb_int(&os, 2, 12);
    pb_msg(&m, 8, &os);

    nnb_onnx_info info;
    memset(&info, 0, sizeof info);
    assert_ok(nnb_onnx_describe(m.p, m.n, &info));
    assert_int_equal(info.ir_version, 8);
    assert_int_equal(info.opset, 12);
    assert_int_equal(info.node_count, 2);
    assert_int_equal(info.initializer_count, 2);
    assert_string_equal(info.producer, "pytorch 2.1.0");
    assert_string_equal(info.input_name, "x");
    assert_string_equal(info.output_name, "y");
    nnb_onnx_info before = info;
    assert_status(nnb_onnx_describe(m.p, 0, &info), NNB_ERR_FORMAT);
    assert_status(nnb_onnx_describe(NULL, 4, &info), NNB_ERR_NULL);
    assert_status(nnb_onnx_describe(m.p, m.n, NULL), NNB_ERR_NULL);
    assert_memory_equal(&info, &before, sizeof info);

    char path[512];
    snprintf(path, sizeof path, "%s/m.onnx", nnb_test_temp_dir());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(m.p, 1, m.n, f), m.n);
    assert_int_equal(fclose(f), 0);
    nnb_model *r = NULL;
    assert_ok(nnb_model_load_onnx(path, &r));
    const float x[2] = {1.0f, 2.0f};
    float y[3];
    predict_row(r, x, y, 3);
    assert_close(y[0], 2.25, 0.0, 1e-6);
    assert_close(y[1], 0.0, 0.0, 0.0);
    assert_close(y[2], 7.0, 0.0, 1e-6);
    nnb_model_destroy(r);
    /* A model the parser refuses: the detail starts with the path. */
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(m.p, 1, m.n - 3, f), m.n - 3);
    assert_int_equal(fclose(f), 0);
    r = NULL;
    assert_true(nnb_model_load_onnx(path, &r) != NNB_OK);
    assert_null(r);
    assert_non_null(strstr(nnb_last_error(), path));
    assert_int_equal(remove(path), 0);
    assert_status(nnb_model_load_onnx(path, &r), NNB_ERR_IO);
    assert_status(nnb_model_load_onnx(NULL, &r), NNB_ERR_NULL);
    assert_status(nnb_model_load_onnx(path, NULL), NNB_ERR_NULL);
    assert_null(r);
    free(m.p);
}

/* Export's argument rules: NULLs, a model not finalized, a buffer one byte short (untouched), a path in a
 * missing directory and a path that is a directory (nothing left behind). */
static void test_export_arguments(void **state)
{
    (void)state;
    nnb_model *m = nnb_test_small_model(2, 0);
    size_t size = 0;
    assert_ok(nnb_model_serialize_onnx(m, NULL, 0, &size));
    assert_true(size > 0);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    memset(buf, 0x5A, size);
    size_t got = 0;
    assert_status(nnb_model_serialize_onnx(m, buf, size - 1, &got), NNB_ERR_ARGUMENT);
    char want[96];
    snprintf(want, sizeof want, "the buffer holds %zu bytes; the encoding needs %zu", size - 1, size);
    assert_non_null(strstr(nnb_last_error(), want));
    for (size_t i = 0; i < size; ++i) {
        assert_int_equal(buf[i], 0x5A);
    }
    assert_ok(nnb_model_serialize_onnx(m, buf, size, &got));
    assert_int_equal(got, size);
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse_onnx(buf, got, &r)); /* and it reads back */
    nnb_model_destroy(r);
    assert_status(nnb_model_serialize_onnx(NULL, buf, size, &got), NNB_ERR_NULL);
    assert_status(nnb_model_serialize_onnx(m, buf, size, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_serialize_onnx(m, NULL, size, &got), NNB_ERR_NULL);
    nnb_model *open = NULL;
    assert_ok(nnb_model_create(&open, 0));
    assert_ok(nnb_model_add_dense(open, 2, 2, 0.1f, NULL));
    assert_status(nnb_model_serialize_onnx(open, buf, size, &got), NNB_ERR_STATE);
    assert_status(nnb_model_save_onnx(open, "x.onnx"), NNB_ERR_STATE);
    nnb_model_destroy(open);

    char path[600];
    snprintf(path, sizeof path, "%s/missing/m.onnx", nnb_test_temp_dir());
    assert_status(nnb_model_save_onnx(m, path), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "cannot create"));
    snprintf(path, sizeof path, "%s/dir.onnx", nnb_test_temp_dir());
    assert_int_equal(mkdir(path, 0700), 0);
    assert_status(nnb_model_save_onnx(m, path), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "cannot rename"));
    assert_int_equal(rmdir(path), 0);
    assert_status(nnb_model_save_onnx(m, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_save_onnx(NULL, path), NNB_ERR_NULL);
    free(buf);
    nnb_model_destroy(m);
}

static int group_setup(void **state)
{
    return nnb_test_temp_dir_setup(state, "nnb-onnx-bad-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initializer_encodings),    cmocka_unit_test(test_gemm_attributes_and_inputs),
        cmocka_unit_test(test_add_and_scaling),          cmocka_unit_test(test_chain_and_node_refusals),
        cmocka_unit_test(test_model_and_graph_refusals), cmocka_unit_test(test_decoder_limits),
        cmocka_unit_test(test_describe_and_load),        cmocka_unit_test(test_export_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
