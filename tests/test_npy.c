/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npy and .npz: hand-built files of every supported dtype and version with hand-computed values, the
 * strict header parser (accepted spellings and refused ones), unsupported dtypes, huge and lying shapes,
 * every truncation, the writers' exact bytes and round trips, archive validation (stored and deflated
 * members, CRC, lying sizes), and allocation-failure sweeps. Files go into a fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nnbasics/model_file.h" /* nnb_crc32 */

#if defined(__has_include)
#    if __has_include(<zlib.h>)
#        include <zlib.h>
#        define NPY_TEST_HAVE_ZLIB 1
#    endif
#endif

/* ---- building files ---- */

typedef struct buf {
    unsigned char data[8192];
    size_t size;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    assert_true(b->size + n <= sizeof b->data);
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

static void put_le(buf *b, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        unsigned char c = (unsigned char)(v >> (8 * i));
        put(b, &c, 1);
    }
}

/* A .npy file: magic, version major.minor, the dict (padded to 64 with spaces and '\n'), then the data. */
static buf make_npy_v(int major, int minor, const char *dict, const void *data, size_t data_size)
{
    buf b;
    memset(&b, 0, sizeof b); /* bytes past the end are read by the "longer than announced" zip case */
    put(&b, "\x93NUMPY", 6);
    unsigned char ver[2] = {(unsigned char)major, (unsigned char)minor};
    put(&b, ver, 2);
    size_t pre = major == 1 ? 10 : 12;
    size_t len = strlen(dict) + 1;
    while ((pre + len) % 64 != 0) {
        ++len;
    }
    put_le(&b, len, pre - 8);
    put(&b, dict, strlen(dict));
    for (size_t i = strlen(dict); i + 1 < len; ++i) {
        put(&b, " ", 1);
    }
    put(&b, "\n", 1);
    put(&b, data, data_size);
    return b;
}

static buf make_npy(const char *dict, const void *data, size_t data_size)
{
    return make_npy_v(1, 0, dict, data, data_size);
}

static const float k_f4[6] = {1.5f, -2.0f, 0.25f, 3.0f, 1e-3f, 7.0f};

static buf valid_f4(void)
{
    return make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", k_f4, sizeof k_f4);
}

static void expect_tensor(const nnb_tensor *t, size_t rows, size_t cols, const float *values)
{
    assert_non_null(t);
    assert_int_equal(nnb_tensor_rows(t), rows);
    assert_int_equal(nnb_tensor_cols(t), cols);
    const float *d = nnb_tensor_cdata(t);
    for (size_t i = 0; i < rows * cols; ++i) {
        if (isnan(values[i])) {
            assert_true(isnan(d[i]));
        } else {
            assert_true(memcmp(&d[i], &values[i], sizeof(float)) == 0 || d[i] == values[i]);
        }
    }
}

static nnb_status parse(const buf *b, nnb_tensor **t)
{
    return nnb_npy_parse_tensor(t, b->data, b->size, NNB_NPY_ROW);
}

/* Parses and expects a status; on success also frees. */
static void expect_status(const buf *b, nnb_status want)
{
    nnb_tensor *t = NULL;
    nnb_status st = parse(b, &t);
    if (st != want) {
        fail_msg("got %s, want %s for header %.*s", nnb_status_string(st), nnb_status_string(want), 80,
                 (const char *)b->data + 10);
    }
    if (st == NNB_OK) {
        nnb_tensor_destroy(t);
    } else {
        assert_null(t);
    }
}

static void expect_dict(const char *dict, size_t data_size, nnb_status want)
{
    static unsigned char zeros[64];
    assert_true(data_size <= sizeof zeros);
    buf b = make_npy(dict, zeros, data_size);
    expect_status(&b, want);
}

/* ---- files ---- */

static const char *g_dir; /* set by group_setup */

static void path_of(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static size_t read_file(const char *path, unsigned char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(out, 1, cap, f);
    assert_int_equal(fclose(f), 0);
    return n;
}

/* ---- .npy reading ---- */

static void test_npy_parse_f4_matches_hand_values(void **state)
{
    (void)state;
    buf b = valid_f4();
    nnb_tensor *t = NULL;
    assert_ok(parse(&b, &t));
    expect_tensor(t, 2, 3, k_f4);
    nnb_tensor_destroy(t);
}

static void test_npy_parse_every_dtype_converts_exactly(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    /* float64: rounded to float32; beyond float32's range becomes infinity. */
    const double f8[4] = {0.1, -1e300, 1e300, 3.0};
    buf b = make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", f8, sizeof f8);
    assert_ok(parse(&b, &t));
    const float want_f8[4] = {0.1f, -INFINITY, INFINITY, 3.0f};
    expect_tensor(t, 1, 4, want_f8);
    nnb_tensor_destroy(t);

    const int32_t i4[3] = {-3, 7, 16777217}; /* 2^24 + 1 rounds to 2^24 in float32 */
    b = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4, sizeof i4);
    assert_ok(nnb_npy_parse_tensor(&t, b.data, b.size, NNB_NPY_COLUMN));
    const float want_i4[3] = {-3.0f, 7.0f, 16777216.0f};
    expect_tensor(t, 3, 1, want_i4);
    nnb_tensor_destroy(t);

    const int64_t i8[2] = {-((int64_t)1 << 40), 5};
    b = make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }", i8, sizeof i8);
    assert_ok(parse(&b, &t));
    const float want_i8[2] = {-1099511627776.0f, 5.0f};
    expect_tensor(t, 1, 2, want_i8);
    nnb_tensor_destroy(t);

    const unsigned char u1[4] = {0, 1, 128, 255};
    const float want_u1[4] = {0.0f, 1.0f, 128.0f, 255.0f};
    b = make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }", u1, sizeof u1);
    assert_ok(parse(&b, &t));
    expect_tensor(t, 2, 2, want_u1);
    nnb_tensor_destroy(t);
    b = make_npy("{'descr': '<u1', 'fortran_order': False, 'shape': (2, 2), }", u1, sizeof u1);
    assert_ok(parse(&b, &t));
    expect_tensor(t, 2, 2, want_u1);
    nnb_tensor_destroy(t);
}

static void test_npy_shapes_scalar_vector_and_flattened_rank3(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    const float one = 4.5f;
    buf b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &one, sizeof one);
    assert_ok(parse(&b, &t));
    expect_tensor(t, 1, 1, &one);
    nnb_tensor_destroy(t);

    float v12[12];
    for (int i = 0; i < 12; ++i) {
        v12[i] = (float)i;
    }
    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 3), }", v12, sizeof v12);
    assert_ok(parse(&b, &t));
    expect_tensor(t, 2, 6, v12); /* (d0, d1, d2) -> d0 x (d1 * d2), C order kept */
    nnb_tensor_destroy(t);

    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 1, 1, 1, 1, 2, 3), }", v12, sizeof v12);
    assert_ok(parse(&b, &t));
    expect_tensor(t, 2, 6, v12);
    nnb_tensor_destroy(t);

    b = make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", v12, 6 * sizeof(float));
    assert_ok(nnb_npy_parse_tensor(&t, b.data, b.size, NNB_NPY_ROW));
    expect_tensor(t, 1, 6, v12);
    nnb_tensor_destroy(t);
    assert_ok(nnb_npy_parse_tensor(&t, b.data, b.size, NNB_NPY_COLUMN));
    expect_tensor(t, 6, 1, v12);
    nnb_tensor_destroy(t);
}

static void test_npy_versions_2_and_3_read_others_refused(void **state)
{
    (void)state;
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    for (int major = 1; major <= 3; ++major) {
        buf b = make_npy_v(major, 0, dict, k_f4, sizeof k_f4);
        nnb_tensor *t = NULL;
        assert_ok(parse(&b, &t));
        expect_tensor(t, 2, 3, k_f4);
        nnb_tensor_destroy(t);
    }
    buf b = make_npy_v(4, 0, dict, k_f4, sizeof k_f4);
    expect_status(&b, NNB_ERR_VERSION);
    b = make_npy_v(1, 1, dict, k_f4, sizeof k_f4);
    expect_status(&b, NNB_ERR_VERSION);
    b = make_npy_v(0, 0, dict, k_f4, sizeof k_f4);
    expect_status(&b, NNB_ERR_VERSION);
    b = valid_f4();
    b.data[0] = 0x92; /* wrong magic */
    expect_status(&b, NNB_ERR_FORMAT);
}

static void test_npy_header_parser_accepts_python_spellings(void **state)
{
    (void)state;
    const char *ok[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3)}",
        "  {  'descr' :'<f4' ,'fortran_order':False,'shape':( 2 , 3 , ) ,}",
        "{'fortran_order': False, 'descr': '<f4', 'shape': (2, 3,),}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; ++i) {
        expect_dict(ok[i], 24, NNB_OK);
    }
}

static void test_npy_header_parser_refuses_malformed_dicts(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "{}",
        "{'descr': '<f4', 'shape': (2, 3), }",                                         /* missing key */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }",     /* unknown key */
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", /* repeated key */
        "{'descr': '<f4', 'fortran_order': false, 'shape': (2, 3), }",                 /* not a Python bool */
        "{'descr': '<f4', 'fortran_order': Falsey, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (24), }",                        /* an int, not a tuple */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -3), }",                    /* negative */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (02, 3), }",                     /* leading zero */
        "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }",                      /* a list */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3),, }",                     /* two commas */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) 'x', }",                  /* no comma */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x",                    /* text after */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",                       /* not closed */
        "{'descr': '<f4\\x', 'fortran_order': False, 'shape': (2, 3), }",                   /* escape */
        "{'descr': \"<f4', 'fortran_order': False, 'shape': (2, 3), }",                     /* quotes differ */
        "{descr: '<f4', 'fortran_order': False, 'shape': (2, 3), }",                        /* bare key */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 1, 1, 1, 1, 1, 1, 1), }", /* rank 9 */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }",                      /* empty */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        expect_dict(bad[i], 24, NNB_ERR_FORMAT);
    }
    /* A header that does not end in '\n'. */
    buf b = valid_f4();
    b.data[127] = ' ';
    expect_status(&b, NNB_ERR_FORMAT);
    /* A header length beyond the file, and a zero one. */
    b = valid_f4();
    b.data[8] = 0xff;
    b.data[9] = 0xff;
    expect_status(&b, NNB_ERR_FORMAT);
    b.data[8] = 0;
    b.data[9] = 0;
    expect_status(&b, NNB_ERR_FORMAT);
}

/* A version 1.0 .npy whose header is exactly `text` (no padding) and `data_size` zero bytes. */
static buf make_npy_exact(const char *text, size_t text_len, size_t data_size)
{
    buf b;
    memset(&b, 0, sizeof b);
    put(&b, "\x93NUMPY\x01\x00", 8);
    put_le(&b, text_len, 2);
    put(&b, text, text_len);
    assert_true(b.size + data_size <= sizeof b.data);
    b.size += data_size;
    return b;
}

/*
 * The dict parser at the end of its text: every proper prefix of valid dicts, each closed by the final '\n'
 * with no padding, so the text ends inside a key, a string, a word, a number or the tuple; then repeated
 * keys, missing ones, words that run on into identifier characters, tabs and line breaks.
 */
static void test_npy_header_parser_refuses_every_prefix_and_more_malformed_dicts(void **state)
{
    (void)state;
    const char *valid[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{\t'shape':\t(2,3,),'fortran_order':False,\"descr\":\"<f4\"}",
        "{'fortran_order': False, 'shape': (6,), 'descr': '<f4'}",
    };
    char text[256];
    for (size_t v = 0; v < sizeof valid / sizeof valid[0]; ++v) {
        const size_t n = strlen(valid[v]);
        memcpy(text, valid[v], n);
        text[n] = '\n';
        buf whole = make_npy_exact(text, n + 1, 24);
        expect_status(&whole, NNB_OK);
        for (size_t cut = 0; cut < n; ++cut) {
            text[cut] = '\n';
            buf b = make_npy_exact(text, cut + 1, 24);
            nnb_tensor *t = NULL;
            nnb_status st = parse(&b, &t);
            if (st != NNB_ERR_FORMAT) {
                fail_msg("dict %zu cut to %zu bytes: %s, expected NNB_ERR_FORMAT", v, cut, nnb_status_string(st));
            }
            assert_null(t);
            text[cut] = valid[v][cut];
        }
    }
    const char *bad[] = {
        "{'descr': '<f4', 'fortran_order': False, 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (2, 3), }",
        "{'fortran_order': False, 'shape': (2, 3), }", /* no descr */
        "{'descr': '<f4', 'fortran_order': False, }",  /* no shape */
        "{'descr': '<f4', 'fortran_order': False0, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False_, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': FalseX, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': False 'shape': (2, 3), }", /* no comma between items */
        "{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3), }", /* no colon */
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 03), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }",
        "{'descr': '<\nf4', 'fortran_order': False, 'shape': (2, 3), }", /* a line break in a string */
        "{'descr': 4, 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': None, 'shape': (2, 3), }",
        "{'shap': (2, 3), 'descr': '<f4', 'fortran_order': False, }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } }",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        const size_t n = strlen(bad[i]);
        memcpy(text, bad[i], n);
        text[n] = '\n';
        buf b = make_npy_exact(text, n + 1, 24);
        nnb_tensor *t = NULL;
        nnb_status st = parse(&b, &t);
        if (st != NNB_ERR_FORMAT) {
            fail_msg("malformed dict %zu: %s, expected NNB_ERR_FORMAT", i, nnb_status_string(st));
        }
        assert_null(t);
    }
}

static void test_npy_refuses_unsupported_dtypes_and_fortran_order(void **state)
{
    (void)state;
    const char *unsupported[] = {
        "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '<U3', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '>i8', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
        "{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2, 3), }",
    };
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; ++i) {
        expect_dict(unsupported[i], 24, NNB_ERR_UNSUPPORTED);
    }
}

static void test_npy_refuses_huge_and_lying_shapes(void **state)
{
    (void)state;
    expect_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }", 24,
                NNB_ERR_OVERFLOW);
    expect_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }", 24, NNB_ERR_OVERFLOW);
    expect_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 1), }", 24,
                NNB_ERR_OVERFLOW);
    /* The shape says 3 x 3 (36 bytes) but 24 follow; or 2 x 2 (16) and 24 follow. */
    expect_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", 24, NNB_ERR_FORMAT);
    expect_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 24, NNB_ERR_FORMAT);
    /*
     * Shapes taken from this target's SIZE_MAX, so that each case means the same with a 32-bit size_t
     * (wasm32) as with a 64-bit one: the element count overflows; the count fits but its bytes overflow; and
     * a large shape whose bytes fit size_t but not the data, refused from the length before allocating.
     */
    char dict[160];
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, 2), }", SIZE_MAX / 2 + 1);
    expect_dict(dict, 24, NNB_ERR_OVERFLOW);
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu,), }", SIZE_MAX / 4 + 1);
    expect_dict(dict, 24, NNB_ERR_OVERFLOW);
    snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%zu, 2), }", SIZE_MAX / 16);
    expect_dict(dict, 24, NNB_ERR_FORMAT);
    expect_dict("{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 10000), }", 24, NNB_ERR_FORMAT);
}

static void test_npy_rejects_every_truncation_and_trailing_bytes(void **state)
{
    (void)state;
    buf b = valid_f4();
    for (size_t n = 0; n < b.size; ++n) {
        nnb_tensor *t = NULL;
        nnb_status st = nnb_npy_parse_tensor(&t, b.data, n, NNB_NPY_ROW);
        if (st == NNB_OK) {
            fail_msg("prefix of %zu bytes accepted", n);
        }
        assert_null(t);
    }
    b.data[b.size++] = 0;
    expect_status(&b, NNB_ERR_FORMAT);
}

static void test_npy_labels_from_integer_arrays(void **state)
{
    (void)state;
    uint32_t *labels = NULL;
    size_t count = 0;
    const int32_t i4[3] = {0, 2, 1};
    buf b = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", i4, sizeof i4);
    assert_ok(nnb_npy_parse_labels(&labels, &count, b.data, b.size));
    assert_int_equal(count, 3);
    assert_int_equal(labels[0], 0);
    assert_int_equal(labels[1], 2);
    assert_int_equal(labels[2], 1);
    nnb_npy_labels_free(labels);

    const int64_t i8[2] = {4294967295LL, 9};
    b = make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", i8, sizeof i8);
    assert_ok(nnb_npy_parse_labels(&labels, &count, b.data, b.size));
    assert_int_equal(count, 2);
    assert_int_equal(labels[0], 4294967295u);
    nnb_npy_labels_free(labels);

    const unsigned char u1[2] = {255, 3};
    b = make_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }", u1, sizeof u1);
    assert_ok(nnb_npy_parse_labels(&labels, &count, b.data, b.size));
    assert_int_equal(labels[0], 255);
    nnb_npy_labels_free(labels);

    labels = NULL;
    count = 77;
    const int32_t neg[2] = {1, -1};
    b = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", neg, sizeof neg);
    assert_status(nnb_npy_parse_labels(&labels, &count, b.data, b.size), NNB_ERR_RANGE);
    const int64_t big[1] = {4294967296LL};
    b = make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", big, sizeof big);
    assert_status(nnb_npy_parse_labels(&labels, &count, b.data, b.size), NNB_ERR_RANGE);
    b = valid_f4();
    assert_status(nnb_npy_parse_labels(&labels, &count, b.data, b.size), NNB_ERR_FORMAT);
    /* A range error in a truncated file is reported as the truncation. */
    b = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", neg, sizeof neg);
    assert_status(nnb_npy_parse_labels(&labels, &count, b.data, b.size), NNB_ERR_FORMAT);
    assert_null(labels);
    assert_int_equal(count, 77);
}

static void test_npy_rejects_null_and_bad_arguments(void **state)
{
    (void)state;
    buf b = valid_f4();
    nnb_tensor *t = NULL;
    uint32_t *labels = NULL;
    size_t count = 0;
    assert_status(nnb_npy_parse_tensor(NULL, b.data, b.size, NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npy_parse_tensor(&t, NULL, b.size, NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npy_parse_tensor(&t, b.data, b.size, (nnb_npy_vector)5), NNB_ERR_ARGUMENT);
    assert_status(nnb_npy_load_tensor(NULL, "x", NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npy_load_tensor(&t, NULL, NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npy_load_tensor(&t, "x", (nnb_npy_vector)-1), NNB_ERR_ARGUMENT);
    assert_status(nnb_npy_parse_labels(NULL, &count, b.data, b.size), NNB_ERR_NULL);
    assert_status(nnb_npy_parse_labels(&labels, NULL, b.data, b.size), NNB_ERR_NULL);
    assert_status(nnb_npy_parse_labels(&labels, &count, NULL, b.size), NNB_ERR_NULL);
    assert_status(nnb_npy_load_labels(&labels, &count, NULL), NNB_ERR_NULL);
    assert_status(nnb_npy_save_tensor(NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_tensor(&t, b.data, b.size, NULL, NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_tensor(&t, b.data, b.size, "a", (nnb_npy_vector)9), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_parse_labels(&labels, &count, NULL, 0, "a"), NNB_ERR_NULL);
    assert_status(nnb_npz_load_tensor(&t, NULL, "a", NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_load_labels(&labels, &count, "x", NULL), NNB_ERR_NULL);
    assert_status(nnb_npz_save(NULL, NULL, NULL, 1), NNB_ERR_NULL);
    /* Each pointer argument alone NULL, and each bad vector choice, in every .npz entry point. */
    assert_status(nnb_npy_load_labels(NULL, &count, "x"), NNB_ERR_NULL);
    assert_status(nnb_npy_load_labels(&labels, NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_npy_save_tensor(t, NULL), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_tensor(NULL, b.data, b.size, "a", NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_tensor(&t, NULL, b.size, "a", NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_labels(NULL, &count, b.data, b.size, "a"), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_labels(&labels, NULL, b.data, b.size, "a"), NNB_ERR_NULL);
    assert_status(nnb_npz_parse_labels(&labels, &count, b.data, b.size, NULL), NNB_ERR_NULL);
    assert_status(nnb_npz_load_tensor(NULL, "x", "a", NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_load_tensor(&t, "x", NULL, NNB_NPY_ROW), NNB_ERR_NULL);
    assert_status(nnb_npz_load_tensor(&t, "x", "a", (nnb_npy_vector)7), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_load_labels(NULL, &count, "x", "a"), NNB_ERR_NULL);
    assert_status(nnb_npz_load_labels(&labels, NULL, "x", "a"), NNB_ERR_NULL);
    assert_status(nnb_npz_load_labels(&labels, &count, NULL, "a"), NNB_ERR_NULL);
    assert_null(t);
    assert_null(labels);
    nnb_npy_labels_free(NULL);
}

/* ---- writing ---- */

static void test_npy_save_writes_numpy_bytes_and_reads_back(void **state)
{
    (void)state;
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create_from(&t, 2, 3, k_f4));
    char path[512];
    path_of(path, sizeof path, "a.npy");
    assert_ok(nnb_npy_save_tensor(t, path));
    unsigned char got[512];
    size_t n = read_file(path, got, sizeof got);
    /* What np.save(np.array(..., dtype=np.float32).reshape(2, 3)) writes (numpy 1.24). */
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    assert_int_equal(n, 128 + sizeof k_f4);
    assert_memory_equal(got, "\x93NUMPY\x01\x00\x76\x00", 10);
    assert_memory_equal(got + 10, dict, strlen(dict));
    for (size_t i = 10 + strlen(dict); i < 127; ++i) {
        assert_int_equal(got[i], ' ');
    }
    assert_int_equal(got[127], '\n');
    for (size_t i = 0; i < 6; ++i) {
        uint32_t bits;
        memcpy(&bits, &k_f4[i], 4);
        assert_int_equal(got[128 + 4 * i], bits & 0xffu);
        assert_int_equal(got[128 + 4 * i + 3], bits >> 24);
    }
    nnb_tensor *back = NULL;
    assert_ok(nnb_npy_load_tensor(&back, path, NNB_NPY_ROW));
    expect_tensor(back, 2, 3, k_f4);
    nnb_tensor_destroy(back);
    back = NULL;
    assert_status(nnb_npy_load_labels((uint32_t **)&back, &n, path), NNB_ERR_FORMAT);
    assert_null(back);

    /* Every truncation of the file on disk is refused too. */
    char cut[512];
    path_of(cut, sizeof cut, "cut.npy");
    for (size_t k = 0; k < 128 + sizeof k_f4; k += 7) {
        write_file(cut, got, k);
        assert_true(nnb_npy_load_tensor(&back, cut, NNB_NPY_ROW) != NNB_OK);
        assert_null(back);
    }
    assert_int_equal(remove(cut), 0);

    char missing[512];
    path_of(missing, sizeof missing, "missing/b.npy");
    assert_status(nnb_npy_save_tensor(t, missing), NNB_ERR_IO);
    assert_status(nnb_npy_load_tensor(&back, missing, NNB_NPY_ROW), NNB_ERR_IO);
    assert_status(nnb_npy_load_tensor(&back, g_dir, NNB_NPY_ROW), NNB_ERR_IO); /* a directory */
    assert_int_equal(remove(path), 0);
    nnb_tensor_destroy(t);
}

/* ---- .npz ---- */

/* A one-member zip: method 0 (payload stored) or 8 (comp holds the raw deflate stream). */
static buf make_zip(const char *name, uint16_t method, const unsigned char *payload, size_t payload_size,
                    const unsigned char *comp, size_t comp_size)
{
    buf z;
    z.size = 0;
    const uint32_t crc = nnb_crc32(0, payload, payload_size);
    const size_t nl = strlen(name);
    put_le(&z, 0x04034b50u, 4);
    put_le(&z, 20, 2);
    put_le(&z, 0, 2);
    put_le(&z, method, 2);
    put_le(&z, 0, 4);
    put_le(&z, crc, 4);
    put_le(&z, comp_size, 4);
    put_le(&z, payload_size, 4);
    put_le(&z, nl, 2);
    put_le(&z, 0, 2);
    put(&z, name, nl);
    put(&z, comp, comp_size);
    const size_t cd = z.size;
    put_le(&z, 0x02014b50u, 4);
    put_le(&z, 20, 2);
    put_le(&z, 20, 2);
    put_le(&z, 0, 2);
    put_le(&z, method, 2);
    put_le(&z, 0, 4);
    put_le(&z, crc, 4);
    put_le(&z, comp_size, 4);
    put_le(&z, payload_size, 4);
    put_le(&z, nl, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 4);
    put_le(&z, 0, 4);
    put(&z, name, nl);
    const size_t cd_size = z.size - cd;
    put_le(&z, 0x06054b50u, 4);
    put_le(&z, 0, 4);
    put_le(&z, 1, 2);
    put_le(&z, 1, 2);
    put_le(&z, cd_size, 4);
    put_le(&z, cd, 4);
    put_le(&z, 0, 2);
    return z;
}

static void test_npz_save_and_parse_members_by_name(void **state)
{
    (void)state;
    nnb_tensor *a = NULL, *b = NULL;
    const float bv[2] = {-1.0f, 0.5f};
    assert_ok(nnb_tensor_create_from(&a, 2, 3, k_f4));
    assert_ok(nnb_tensor_create_from(&b, 2, 1, bv));
    const char *names[2] = {"x", "y_train"};
    const nnb_tensor *tensors[2] = {a, b};
    char path[512];
    path_of(path, sizeof path, "s.npz");
    assert_ok(nnb_npz_save(path, names, tensors, 2));

    static unsigned char z[8192];
    size_t zn = read_file(path, z, sizeof z);
    nnb_tensor *t = NULL;
    assert_ok(nnb_npz_parse_tensor(&t, z, zn, "x", NNB_NPY_ROW));
    expect_tensor(t, 2, 3, k_f4);
    nnb_tensor_destroy(t);
    assert_ok(nnb_npz_parse_tensor(&t, z, zn, "y_train.npy", NNB_NPY_ROW));
    expect_tensor(t, 2, 1, bv);
    nnb_tensor_destroy(t);
    assert_ok(nnb_npz_load_tensor(&t, path, "y_train", NNB_NPY_ROW));
    expect_tensor(t, 2, 1, bv);
    nnb_tensor_destroy(t);
    t = NULL;
    assert_status(nnb_npz_parse_tensor(&t, z, zn, "z", NNB_NPY_ROW), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_parse_tensor(&t, z, zn, "y", NNB_NPY_ROW), NNB_ERR_ARGUMENT);
    uint32_t *labels = NULL;
    size_t count = 0;
    assert_status(nnb_npz_parse_labels(&labels, &count, z, zn, "x"), NNB_ERR_FORMAT); /* float member */

    /* Every truncation refused; every single-byte change refused or still read right. */
    for (size_t n = 0; n < zn; ++n) {
        assert_true(nnb_npz_parse_tensor(&t, z, n, "x", NNB_NPY_ROW) != NNB_OK);
        assert_null(t);
    }
    for (size_t i = 0; i < zn; ++i) {
        z[i] ^= 0x41;
        nnb_status st = nnb_npz_parse_tensor(&t, z, zn, "x", NNB_NPY_ROW);
        if (st == NNB_OK) {
            /* Only bytes no check covers (times, attributes, the other member's headers) may change. */
            expect_tensor(t, 2, 3, k_f4);
            nnb_tensor_destroy(t);
            t = NULL;
        }
        z[i] ^= 0x41;
    }

    /* Bad writer arguments. */
    const char *dup[2] = {"x", "x"};
    const char *slash[2] = {"a/b", "y"};
    const char *empty[2] = {"", "y"};
    assert_status(nnb_npz_save(path, dup, tensors, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_save(path, slash, tensors, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_save(path, empty, tensors, 2), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_save(path, names, tensors, 0), NNB_ERR_ARGUMENT);
    const nnb_tensor *holes[2] = {a, NULL};
    assert_status(nnb_npz_save(path, names, holes, 2), NNB_ERR_NULL);
    char missing[512];
    path_of(missing, sizeof missing, "missing/s.npz");
    assert_status(nnb_npz_save(missing, names, tensors, 2), NNB_ERR_IO);
    assert_status(nnb_npz_load_tensor(&t, missing, "x", NNB_NPY_ROW), NNB_ERR_IO);
    assert_int_equal(remove(path), 0);
    nnb_tensor_destroy(a);
    nnb_tensor_destroy(b);
}

static void test_npz_validates_sizes_crc_and_methods(void **state)
{
    (void)state;
    const int32_t lab[3] = {2, 0, 1};
    buf npy = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", lab, sizeof lab);
    buf z = make_zip("labels.npy", 0, npy.data, npy.size, npy.data, npy.size);
    uint32_t *labels = NULL;
    size_t count = 0;
    assert_ok(nnb_npz_parse_labels(&labels, &count, z.data, z.size, "labels"));
    assert_int_equal(count, 3);
    assert_int_equal(labels[0], 2);
    nnb_npy_labels_free(labels);
    labels = NULL;

    /* A flipped data byte: the CRC catches it even where the .npy would parse. */
    buf bad = z;
    bad.data[30 + 10 + npy.size - 1] ^= 1;
    assert_status(nnb_npz_parse_labels(&labels, &count, bad.data, bad.size, "labels"), NNB_ERR_FORMAT);
    /* An unknown compression method, an encrypted member. */
    bad = make_zip("labels.npy", 12, npy.data, npy.size, npy.data, npy.size);
    assert_status(nnb_npz_parse_labels(&labels, &count, bad.data, bad.size, "labels"), NNB_ERR_UNSUPPORTED);
    bad = z;
    bad.data[6] = 1;
    bad.data[30 + 10 + npy.size + 8] = 1;
    assert_status(nnb_npz_parse_labels(&labels, &count, bad.data, bad.size, "labels"), NNB_ERR_UNSUPPORTED);
    /* Lying sizes: the central directory claims a larger member than the local header. */
    bad = z;
    bad.data[30 + 10 + npy.size + 20] ^= 4;
    assert_status(nnb_npz_parse_labels(&labels, &count, bad.data, bad.size, "labels"), NNB_ERR_FORMAT);
    /* The end record points past its own position. */
    bad = z;
    bad.data[bad.size - 6] = 0xff;
    assert_status(nnb_npz_parse_labels(&labels, &count, bad.data, bad.size, "labels"), NNB_ERR_FORMAT);
    /* Not a zip at all. */
    assert_status(nnb_npz_parse_labels(&labels, &count, npy.data, npy.size, "labels"), NNB_ERR_FORMAT);
    assert_null(labels);

#if defined(NPY_TEST_HAVE_ZLIB)
    unsigned char comp[1024];
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = npy.data;
    zs.avail_in = (uInt)npy.size;
    zs.next_out = comp;
    zs.avail_out = sizeof comp;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t comp_size = sizeof comp - zs.avail_out;
    deflateEnd(&zs);
    buf d = make_zip("labels.npy", 8, npy.data, npy.size, comp, comp_size);
    nnb_status st = nnb_npz_parse_labels(&labels, &count, d.data, d.size, "labels.npy");
    if (st == NNB_ERR_UNSUPPORTED) {
        skip(); /* the library was built without zlib */
    }
    assert_ok(st);
    assert_int_equal(count, 3);
    assert_int_equal(labels[2], 1);
    nnb_npy_labels_free(labels);
    labels = NULL;
    for (size_t n = 0; n < d.size; ++n) {
        assert_true(nnb_npz_parse_labels(&labels, &count, d.data, n, "labels") != NNB_OK);
    }
    /* A deflate stream that is cut short, and one that says the member is longer than it is. */
    buf cut = make_zip("labels.npy", 8, npy.data, npy.size, comp, comp_size - 1);
    assert_status(nnb_npz_parse_labels(&labels, &count, cut.data, cut.size, "labels"), NNB_ERR_FORMAT);
    buf longer = make_zip("labels.npy", 8, npy.data, npy.size + 1, comp, comp_size);
    assert_status(nnb_npz_parse_labels(&labels, &count, longer.data, longer.size, "labels"), NNB_ERR_FORMAT);
    buf shorter = make_zip("labels.npy", 8, npy.data, npy.size - 1, comp, comp_size);
    assert_status(nnb_npz_parse_labels(&labels, &count, shorter.data, shorter.size, "labels"), NNB_ERR_FORMAT);
    assert_null(labels);
#endif
}

/*
 * A one-member zip64 archive (stored): the local header's sizes and the central entry's sizes and offset all
 * read 0xFFFFFFFF and come from zip64 extra fields (id 1), the end record's counts read 0xFFFF and point, by
 * the zip64 locator, at a zip64 end record (APPNOTE 4.3.14-4.3.15, 4.5.3). `other_extra` puts an unrelated
 * extra field (id 0x5455, 5 bytes) before the zip64 one in the central entry.
 */
typedef struct zip64_parts {
    size_t central; /* offset of the central entry */
    size_t end64;   /* offset of the zip64 end record */
    size_t locator; /* offset of the zip64 locator */
    size_t end;     /* offset of the end record */
} zip64_parts;

static buf make_zip64(const char *name, const unsigned char *payload, size_t payload_size, int other_extra,
                      zip64_parts *parts)
{
    buf z;
    z.size = 0;
    const uint32_t crc = nnb_crc32(0, payload, payload_size);
    const size_t nl = strlen(name);
    put_le(&z, 0x04034b50u, 4);
    put_le(&z, 45, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2); /* stored */
    put_le(&z, 0, 4);
    put_le(&z, crc, 4);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, nl, 2);
    put_le(&z, 20, 2);
    put(&z, name, nl);
    put_le(&z, 1, 2); /* zip64 extra: usize, csize */
    put_le(&z, 16, 2);
    put_le(&z, payload_size, 8);
    put_le(&z, payload_size, 8);
    put(&z, payload, payload_size);
    const size_t cd = z.size;
    const size_t extra = 28 + (other_extra ? 9 : 0);
    put_le(&z, 0x02014b50u, 4);
    put_le(&z, 45, 2);
    put_le(&z, 45, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 4);
    put_le(&z, crc, 4);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, nl, 2);
    put_le(&z, extra, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 2);
    put_le(&z, 0, 4);
    put_le(&z, 0xffffffffu, 4);
    put(&z, name, nl);
    if (other_extra) {
        put_le(&z, 0x5455, 2);
        put_le(&z, 5, 2);
        put_le(&z, 0x0102030401u, 5);
    }
    put_le(&z, 1, 2); /* zip64 extra: usize, csize, offset */
    put_le(&z, 24, 2);
    put_le(&z, payload_size, 8);
    put_le(&z, payload_size, 8);
    put_le(&z, 0, 8);
    const size_t cd_size = z.size - cd;
    const size_t end64 = z.size;
    put_le(&z, 0x06064b50u, 4);
    put_le(&z, 44, 8);
    put_le(&z, 45, 2);
    put_le(&z, 45, 2);
    put_le(&z, 0, 4);
    put_le(&z, 0, 4);
    put_le(&z, 1, 8);
    put_le(&z, 1, 8);
    put_le(&z, cd_size, 8);
    put_le(&z, cd, 8);
    const size_t locator = z.size;
    put_le(&z, 0x07064b50u, 4);
    put_le(&z, 0, 4);
    put_le(&z, end64, 8);
    put_le(&z, 1, 4);
    const size_t end = z.size;
    put_le(&z, 0x06054b50u, 4);
    put_le(&z, 0, 4);
    put_le(&z, 0xffff, 2);
    put_le(&z, 0xffff, 2);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, 0xffffffffu, 4);
    put_le(&z, 0, 2);
    if (parts != NULL) {
        parts->central = cd;
        parts->end64 = end64;
        parts->locator = locator;
        parts->end = end;
    }
    return z;
}

static void set_le(buf *b, size_t at, uint64_t v, size_t n)
{
    assert_true(at + n <= b->size);
    for (size_t i = 0; i < n; ++i) {
        b->data[at + i] = (unsigned char)(v >> (8 * i));
    }
}

/* Parses `z` as labels {2, 0, 1} or expects `want`; nothing is returned on failure. */
static void expect_zip64_labels(const buf *z, nnb_status want)
{
    uint32_t *labels = NULL;
    size_t count = 0;
    nnb_status st = nnb_npz_parse_labels(&labels, &count, z->data, z->size, "labels");
    if (st != want) {
        fail_msg("nnb_npz_parse_labels returned %s, expected %s (%s)", nnb_status_string(st), nnb_status_string(want),
                 nnb_last_error());
    }
    if (want == NNB_OK) {
        assert_int_equal(count, 3);
        assert_int_equal(labels[0], 2);
        assert_int_equal(labels[1], 0);
        assert_int_equal(labels[2], 1);
        nnb_npy_labels_free(labels);
    } else {
        assert_null(labels);
    }
}

static void test_npz_reads_zip64_records_and_refuses_broken_ones(void **state)
{
    (void)state;
    const int32_t lab[3] = {2, 0, 1};
    buf npy = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", lab, sizeof lab);
    zip64_parts p;
    const buf z = make_zip64("labels.npy", npy.data, npy.size, 0, &p);
    expect_zip64_labels(&z, NNB_OK);
    const buf zo = make_zip64("labels.npy", npy.data, npy.size, 1, NULL);
    expect_zip64_labels(&zo, NNB_OK); /* an unrelated extra field first is skipped */

    /* Every truncation is refused. */
    for (size_t n = 0; n < z.size; ++n) {
        uint32_t *labels = NULL;
        size_t count = 0;
        assert_true(nnb_npz_parse_labels(&labels, &count, z.data, n, "labels") != NNB_OK);
        assert_null(labels);
    }

    const size_t nl = strlen("labels.npy");
    const size_t cextra = p.central + 46 + nl; /* the central entry's zip64 extra field */
    buf bad;
    /* The zip64 field's size leaves the extra area, or is too short for the fields it must hold. */
    bad = z;
    set_le(&bad, cextra + 2, 25, 2);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, cextra + 2, 16, 2); /* usize and csize but no room for the offset */
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.central + 30, 2, 2); /* an extra area of 2 bytes: shorter than a field's header */
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    /* The local header's zip64 field too short for usize and csize. */
    bad = z;
    set_le(&bad, 30 + nl + 2, 8, 2);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    /* The zip64 sizes disagree between the local header and the central entry. */
    bad = z;
    set_le(&bad, 30 + nl + 4, npy.size + 1, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);

    /* 64-bit values: an offset of 4 GiB, a size 4 GiB larger than the local header's (the high halves count). */
    bad = z;
    set_le(&bad, cextra + 4 + 16, (uint64_t)1 << 32, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, cextra + 4, npy.size + ((uint64_t)1 << 32), 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    /* A central entry whose comment runs into the zip64 end record: the directory must end before it. */
    bad = z;
    set_le(&bad, p.central + 32, 56, 2);
    set_le(&bad, p.end64 + 40, p.end64 - p.central + 56, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);

    /* The locator: wrong signature, a disk other than 0, a disk count other than 1, pointing past itself or
     * less than a whole zip64 end record before it. */
    bad = z;
    set_le(&bad, p.locator, 0x07064b51u, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.locator + 4, 1, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.locator + 16, 2, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.locator + 8, p.locator + 1, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.locator + 8, p.end64 + 1, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    /* The zip64 end record: wrong signature, another disk, per-disk and total counts that disagree, a
     * directory reaching into the record itself. */
    bad = z;
    set_le(&bad, p.end64, 0x06064b51u, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.end64 + 16, 1, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.end64 + 20, 1, 4);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.end64 + 24, 2, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    bad = z;
    set_le(&bad, p.end64 + 40, p.end64 - p.central + 1, 8);
    expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    /* Each of the end record's four markers alone sends the reader to the zip64 record: with the locator
     * gone (zeroed), every one of them is refused. */
    const size_t markers[4][2] = {{8, 2}, {10, 2}, {12, 4}, {16, 4}};
    for (size_t m = 0; m < 4; ++m) {
        bad = z;
        set_le(&bad, p.end + 8, 1, 2);
        set_le(&bad, p.end + 10, 1, 2);
        set_le(&bad, p.end + 12, p.end64 - p.central, 4);
        set_le(&bad, p.end + 16, p.central, 4);
        set_le(&bad, p.locator, 0, 4);
        expect_zip64_labels(&bad, NNB_OK); /* no marker: the plain end record is used */
        set_le(&bad, p.end + markers[m][0], markers[m][1] == 2 ? 0xffffu : 0xffffffffu, markers[m][1]);
        expect_zip64_labels(&bad, NNB_ERR_FORMAT);
    }
}

/*
 * Writers whose writes fail: the file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored) makes write(2) fail
 * with EFBIG past `limit` bytes, as a full disk would. A small file fails only when fclose flushes it, a
 * large one in the middle of the data; either way the call says NNB_ERR_IO and leaves no partial file.
 * Then the readers on an empty file and on a directory.
 */
static void test_npy_npz_writers_report_failed_writes_and_remove_the_file(void **state)
{
    (void)state;
    static float big[64 * 64];
    for (size_t i = 0; i < 64 * 64; ++i) {
        big[i] = (float)i;
    }
    nnb_tensor *small = NULL, *large = NULL;
    assert_ok(nnb_tensor_create_from(&small, 2, 3, k_f4));
    assert_ok(nnb_tensor_create_from(&large, 64, 64, big));
    char path[512];
    path_of(path, sizeof path, "full.npy");
    const char *names[2] = {"a", "b"};
    const nnb_tensor *small_then_large[2] = {small, large};
#if !defined(__EMSCRIPTEN__) /* its setrlimit is accepted but not enforced: no write can be made to fail */
    const nnb_tensor *one_small[1] = {small};
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = saved;
    lim.rlim_cur = 100;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    nnb_status st[4];
    st[0] = nnb_npy_save_tensor(small, path); /* 152 bytes: fails in fclose */
    int gone0 = access(path, F_OK) != 0;
    st[1] = nnb_npy_save_tensor(large, path); /* fails writing the data */
    int gone1 = access(path, F_OK) != 0;
    st[2] = nnb_npz_save(path, names, one_small, 1);
    int gone2 = access(path, F_OK) != 0;
    st[3] = nnb_npz_save(path, names, small_then_large, 2);
    int gone3 = access(path, F_OK) != 0;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    (void)signal(SIGXFSZ, old_handler);
    for (size_t i = 0; i < 4; ++i) {
        if (st[i] != NNB_ERR_IO) {
            fail_msg("write %zu under a 100-byte file limit returned %s, expected NNB_ERR_IO", i,
                     nnb_status_string(st[i]));
        }
    }
    assert_true(gone0 && gone1 && gone2 && gone3);
#endif

    /* Without the limit the same calls succeed; a float member is refused as labels, naming the file. */
    assert_ok(nnb_npz_save(path, names, small_then_large, 2));
    uint32_t *labels = NULL;
    size_t count = 0;
    assert_status(nnb_npz_load_labels(&labels, &count, path, "b"), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "full.npy"));
    assert_null(labels);
    nnb_tensor *t = NULL;
    assert_ok(nnb_npz_load_tensor(&t, path, "b", NNB_NPY_ROW));
    assert_int_equal(nnb_tensor_rows(t), 64);
    assert_true(nnb_tensor_data(t)[64 * 64 - 1] == 4095.0f);
    nnb_tensor_destroy(t);
    t = NULL;

    /* An empty file is not an archive; a directory cannot be read. */
    write_file(path, "", 0);
    assert_status(nnb_npz_load_tensor(&t, path, "a", NNB_NPY_ROW), NNB_ERR_FORMAT);
    assert_status(nnb_npz_load_tensor(&t, g_dir, "a", NNB_NPY_ROW), NNB_ERR_IO);
    assert_null(t);
    assert_int_equal(remove(path), 0);
    nnb_tensor_destroy(large);
    nnb_tensor_destroy(small);
}

/* ---- allocation failures ---- */

static void test_npy_out_of_memory_sweep_leaks_nothing(void **state)
{
    (void)state;
    buf b = valid_f4();
    nnb_tensor *a = NULL;
    assert_ok(nnb_tensor_create_from(&a, 2, 3, k_f4));
    const char *names[1] = {"x"};
    const nnb_tensor *tensors[1] = {a};
    char path[512];
    path_of(path, sizeof path, "oom.npz");
    assert_ok(nnb_npz_save(path, names, tensors, 1));
    static unsigned char z[8192];
    size_t zn = read_file(path, z, sizeof z);

    for (int op = 0; op < 4; ++op) {
        size_t live = nnb_test_live_blocks();
        int succeeded = 0;
        for (size_t n = 1; n < 64 && !succeeded; ++n) {
            nnb_tensor *t = NULL;
            uint32_t *labels = NULL;
            size_t count = 0;
            nnb_test_fail_allocation(n);
            nnb_status st;
            switch (op) {
            case 0: st = nnb_npy_parse_tensor(&t, b.data, b.size, NNB_NPY_ROW); break;
            case 1: st = nnb_npz_parse_tensor(&t, z, zn, "x", NNB_NPY_ROW); break;
            case 2: st = nnb_npz_save(path, names, tensors, 1); break;
            default: {
                const int32_t lab[2] = {1, 0};
                buf l = make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", lab, sizeof lab);
                st = nnb_npy_parse_labels(&labels, &count, l.data, l.size);
                break;
            }
            }
            nnb_test_fail_allocation(0);
            if (st == NNB_OK) {
                succeeded = 1;
                nnb_tensor_destroy(t);
                nnb_npy_labels_free(labels);
            } else {
                assert_int_equal(st, NNB_ERR_NOMEM);
                assert_null(t);
                assert_null(labels);
            }
            assert_int_equal(nnb_test_live_blocks(), live);
        }
        assert_true(succeeded);
    }
    assert_int_equal(remove(path), 0);
    nnb_tensor_destroy(a);
}

static int group_setup(void **state)
{
    int rc = nnb_test_temp_dir_setup(state, "nnb_test_npy_");
    g_dir = nnb_test_temp_dir();
    return rc;
}

/* The header length limit, NNB_NPY_MAX_HEADER bytes, exactly: a v2.0 header of 65536 bytes (the dict padded
 * with spaces) is read, one of 65537 is refused with the limit in the detail. */
static void test_npy_header_of_exactly_the_maximum_length(void **state)
{
    (void)state;
    static const char dict[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    for (size_t len = NNB_NPY_MAX_HEADER; len <= NNB_NPY_MAX_HEADER + 1; ++len) {
        size_t size = 12 + len + 8;
        unsigned char *f = malloc(size);
        assert_non_null(f);
        memcpy(f, "\x93NUMPY\x02\x00", 8);
        nnb_test_put_le32(f + 8, (uint32_t)len);
        memset(f + 12, ' ', len);
        memcpy(f + 12, dict, strlen(dict));
        f[12 + len - 1] = '\n';
        const float v[2] = {0.5f, -3.0f};
        memcpy(f + 12 + len, v, 8);
        nnb_tensor *t = NULL;
        nnb_status st = nnb_npy_parse_tensor(&t, f, size, NNB_NPY_ROW);
        if (len == NNB_NPY_MAX_HEADER) {
            assert_ok(st);
            assert_int_equal(nnb_tensor_cols(t), 2);
            assert_true(nnb_tensor_cdata(t)[1] == -3.0f);
            nnb_tensor_destroy(t);
        } else {
            assert_status(st, NNB_ERR_FORMAT);
            assert_null(t);
            assert_non_null(strstr(nnb_last_error(), "header length 65537 is not in 1..65536"));
        }
        free(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_npy_parse_f4_matches_hand_values),
        cmocka_unit_test(test_npy_parse_every_dtype_converts_exactly),
        cmocka_unit_test(test_npy_shapes_scalar_vector_and_flattened_rank3),
        cmocka_unit_test(test_npy_versions_2_and_3_read_others_refused),
        cmocka_unit_test(test_npy_header_parser_accepts_python_spellings),
        cmocka_unit_test(test_npy_header_parser_refuses_malformed_dicts),
        cmocka_unit_test(test_npy_header_parser_refuses_every_prefix_and_more_malformed_dicts),
        cmocka_unit_test(test_npy_refuses_unsupported_dtypes_and_fortran_order),
        cmocka_unit_test(test_npy_refuses_huge_and_lying_shapes),
        cmocka_unit_test(test_npy_rejects_every_truncation_and_trailing_bytes),
        cmocka_unit_test(test_npy_labels_from_integer_arrays),
        cmocka_unit_test(test_npy_rejects_null_and_bad_arguments),
        cmocka_unit_test(test_npy_save_writes_numpy_bytes_and_reads_back),
        cmocka_unit_test(test_npz_save_and_parse_members_by_name),
        cmocka_unit_test(test_npz_validates_sizes_crc_and_methods),
        cmocka_unit_test(test_npz_reads_zip64_records_and_refuses_broken_ones),
        cmocka_unit_test(test_npy_npz_writers_report_failed_writes_and_remove_the_file),
        cmocka_unit_test(test_npy_out_of_memory_sweep_leaks_nothing),
        cmocka_unit_test(test_npy_header_of_exactly_the_maximum_length),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
