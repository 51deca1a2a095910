/* SPDX-License-Identifier: MIT */
/*
 * CSV reader: hand-computed features and labels, RFC 4180 quoting (doubled quotes, embedded delimiters and
 * newlines), CRLF / LF / CR, byte-order mark, empty lines, a missing final newline, column selection, string
 * and integer labels, regression targets, errors that name the line and column, ragged records, bad quotes,
 * skipped rows, every truncation, file reads across the read-buffer boundary, and allocation failures.
 */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *g_dir; /* set by group_setup */

static nnb_status parse_text(const char *text, const nnb_csv_options *o, nnb_csv_data **out, nnb_csv_error *e)
{
    return nnb_csv_parse(out, text, strlen(text), o, e);
}

static nnb_csv_data *parse_ok(const char *text, const nnb_csv_options *o)
{
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    nnb_status st = parse_text(text, o, &d, &e);
    if (st != NNB_OK) {
        fail_msg("parse failed: %s at line %zu column %zu: %s", nnb_status_string(st), e.line, e.column,
                 e.reason != NULL ? e.reason : "(none)");
    }
    assert_int_equal(e.line, 0);
    assert_null(e.reason);
    return d;
}

/* Expects a failure with the given status, line, column and reason. */
static void expect_error(const char *text, const nnb_csv_options *o, nnb_status want, size_t line, size_t column,
                         const char *reason)
{
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    nnb_status st = parse_text(text, o, &d, &e);
    if (st != want || e.line != line || e.column != column) {
        fail_msg("'%s': got %s line %zu column %zu (%s), want %s line %zu column %zu", text, nnb_status_string(st),
                 e.line, e.column, e.reason != NULL ? e.reason : "(none)", nnb_status_string(want), line, column);
    }
    assert_null(d);
    assert_non_null(e.reason);
    if (reason != NULL) {
        assert_string_equal(e.reason, reason);
    }
}

static void expect_features(const nnb_csv_data *d, size_t rows, size_t cols, const float *values)
{
    const nnb_tensor *x = nnb_csv_data_features(d);
    assert_non_null(x);
    assert_int_equal(nnb_csv_data_rows(d), rows);
    assert_int_equal(nnb_tensor_rows(x), rows);
    assert_int_equal(nnb_tensor_cols(x), cols);
    for (size_t i = 0; i < rows * cols; ++i) {
        assert_true(nnb_tensor_cdata(x)[i] == values[i]);
    }
}

static void test_csv_header_numbers_and_integer_labels(void **state)
{
    (void)state;
    nnb_csv_data *d = parse_ok("a,b,label\n1,2,0\n3.5,-4e-1,2\n+.5, 7. ,1\n", NULL);
    const float x[6] = {1.0f, 2.0f, 3.5f, -0.4f, 0.5f, 7.0f};
    expect_features(d, 3, 2, x);
    const uint32_t *lab = nnb_csv_data_labels(d);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 2);
    assert_int_equal(lab[2], 1);
    assert_int_equal(nnb_csv_data_num_classes(d), 3);
    assert_null(nnb_csv_data_class_name(d, 0)); /* integer labels have no names */
    assert_string_equal(nnb_csv_data_feature_name(d, 0), "a");
    assert_string_equal(nnb_csv_data_feature_name(d, 1), "b");
    assert_null(nnb_csv_data_feature_name(d, 2));
    assert_null(nnb_csv_data_targets(d));
    assert_int_equal(nnb_csv_data_skipped_rows(d), 0);
    nnb_csv_data_destroy(d);
}

static void test_csv_string_labels_in_order_of_first_appearance(void **state)
{
    (void)state;
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.label_name = "species";
    nnb_csv_data *d = parse_ok("x,species,y\n1,setosa,2\n3, virginica ,4\n5,setosa,6\n7,7,8\n", &o);
    const float x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    expect_features(d, 4, 2, x);
    const uint32_t *lab = nnb_csv_data_labels(d);
    assert_int_equal(lab[0], 0);
    assert_int_equal(lab[1], 1);
    assert_int_equal(lab[2], 0);
    assert_int_equal(lab[3], 2);
    assert_int_equal(nnb_csv_data_num_classes(d), 3);
    assert_string_equal(nnb_csv_data_class_name(d, 0), "setosa");
    assert_string_equal(nnb_csv_data_class_name(d, 1), "virginica"); /* trimmed */
    assert_string_equal(nnb_csv_data_class_name(d, 2), "7");
    assert_null(nnb_csv_data_class_name(d, 3));
    assert_string_equal(nnb_csv_data_feature_name(d, 1), "y");
    nnb_csv_data_destroy(d);

    /* An integer too large for a class index makes the labels strings. */
    d = parse_ok("f,l\n1,4294967295\n2,3\n", NULL);
    assert_int_equal(nnb_csv_data_num_classes(d), 2);
    assert_string_equal(nnb_csv_data_class_name(d, 0), "4294967295");
    nnb_csv_data_destroy(d);
    d = parse_ok("f,l\n1,4294967294\n2,3\n", NULL);
    assert_int_equal(nnb_csv_data_num_classes(d), 4294967295u);
    assert_int_equal(nnb_csv_data_labels(d)[0], 4294967294u);
    nnb_csv_data_destroy(d);
}

static void test_csv_rfc4180_quotes_crlf_bom_and_empty_lines(void **state)
{
    (void)state;
    /* Quoted header names with a comma and a doubled quote; CRLF; a label holding a newline; no final newline. */
    const char *text = "\"a,1\",\"b\"\"q\",c\r\n\"1\",\"2\",\"x\ny\"\r\n3,4,\"z\"";
    nnb_csv_data *d = parse_ok(text, NULL);
    const float x[4] = {1, 2, 3, 4};
    expect_features(d, 2, 2, x);
    assert_string_equal(nnb_csv_data_feature_name(d, 0), "a,1");
    assert_string_equal(nnb_csv_data_feature_name(d, 1), "b\"q");
    assert_string_equal(nnb_csv_data_class_name(d, 0), "x\ny");
    assert_string_equal(nnb_csv_data_class_name(d, 1), "z");
    nnb_csv_data_destroy(d);

    /* A byte-order mark, empty lines (LF, CRLF), a lone CR as line end, a trailing newline. */
    d = parse_ok("\xEF\xBB\xBF"
                 "p,q\n\n1,0\r\n\r\n2,1\r3,0\n\n",
                 NULL);
    const float x2[3] = {1, 2, 3};
    expect_features(d, 3, 1, x2);
    assert_string_equal(nnb_csv_data_feature_name(d, 0), "p");
    assert_int_equal(nnb_csv_data_labels(d)[1], 1);
    nnb_csv_data_destroy(d);

    /* A quoted empty label is a field, not an empty line; the line of an error counts embedded newlines. */
    expect_error("a,b\n1,\"x\ny\"\n2,\"\"\n", NULL, NNB_ERR_FORMAT, 4, 2, "empty label");
    expect_error("a,b\n1,\"x\r\ny\"\n\"\",0\n", NULL, NNB_ERR_FORMAT, 4, 1, "empty cell");

    /* Another delimiter. */
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.delimiter = ';';
    d = parse_ok("a;b;c\n1.5;2;\"k;1\"\n", &o);
    const float x3[2] = {1.5f, 2.0f};
    expect_features(d, 1, 2, x3);
    assert_string_equal(nnb_csv_data_class_name(d, 0), "k;1");
    nnb_csv_data_destroy(d);
}

static void test_csv_column_selection_and_no_header(void **state)
{
    (void)state;
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.has_header = 0;
    o.label_index = 0;
    const size_t cols[2] = {3, 1};
    o.feature_indices = cols;
    o.feature_count = 2;
    nnb_csv_data *d = parse_ok("1,10,20,30\n0,11,21,31\n", &o);
    const float x[4] = {30, 10, 31, 11};
    expect_features(d, 2, 2, x);
    assert_null(nnb_csv_data_feature_name(d, 0));
    assert_int_equal(nnb_csv_data_labels(d)[0], 1);
    nnb_csv_data_destroy(d);

    nnb_csv_options_init(&o);
    const char *names[2] = {"c", "a"};
    o.feature_names = names;
    o.feature_count = 2;
    o.label_name = "b";
    d = parse_ok("a,b,c,ignored\n1,cat,3,NA\n4,dog,6,junk\n", &o);
    const float x2[4] = {3, 1, 6, 4};
    expect_features(d, 2, 2, x2);
    assert_string_equal(nnb_csv_data_feature_name(d, 0), "c");
    assert_string_equal(nnb_csv_data_class_name(d, 1), "dog");
    nnb_csv_data_destroy(d);
}

static void test_csv_regression_and_no_label(void **state)
{
    (void)state;
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.label_kind = NNB_CSV_REGRESSION;
    o.label_index = 0;
    nnb_csv_data *d = parse_ok("y,x\n0.5,1\n-2.25,2\n", &o);
    const float x[2] = {1, 2};
    expect_features(d, 2, 1, x);
    const nnb_tensor *y = nnb_csv_data_targets(d);
    assert_int_equal(nnb_tensor_rows(y), 2);
    assert_int_equal(nnb_tensor_cols(y), 1);
    assert_true(nnb_tensor_cdata(y)[0] == 0.5f);
    assert_true(nnb_tensor_cdata(y)[1] == -2.25f);
    assert_null(nnb_csv_data_labels(d));
    assert_int_equal(nnb_csv_data_num_classes(d), 0);
    nnb_csv_data_destroy(d);
    expect_error("y,x\n0.5,1\ncat,2\n", &o, NNB_ERR_FORMAT, 3, 1, "not a number");

    nnb_csv_options_init(&o);
    o.label_kind = NNB_CSV_NO_LABEL;
    d = parse_ok("u,v\n1,2\n3,4\n", &o);
    const float x2[4] = {1, 2, 3, 4};
    expect_features(d, 2, 2, x2);
    assert_null(nnb_csv_data_labels(d));
    assert_null(nnb_csv_data_targets(d));
    nnb_csv_data_destroy(d);
}

static void test_csv_bad_cells_name_line_and_column(void **state)
{
    (void)state;
    expect_error("a,b,c\n1,2,0\n1,,0\n", NULL, NNB_ERR_FORMAT, 3, 2, "empty cell");
    expect_error("a,b,c\n1,NA,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,2,0\nNaN,2,0\n", NULL, NNB_ERR_FORMAT, 3, 1, "not a number");
    expect_error("a,b,c\n1,inf,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,1.2.3,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,1e,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,0x10,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,-,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,.,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,1 2,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "not a number");
    expect_error("a,b,c\n1,1e39,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "number out of float32 range");
    expect_error("a,b,c\n1,2,\n", NULL, NNB_ERR_FORMAT, 2, 3, "empty label");
    /* The largest float32 and values that round to it are accepted; tiny values become subnormal or 0. */
    nnb_csv_data *d = parse_ok("a,b,c\n3.4028234663852886e38,-3.40282356e38,1e-50\n", NULL);
    assert_true(nnb_tensor_cdata(nnb_csv_data_features(d))[0] == FLT_MAX);
    assert_true(nnb_tensor_cdata(nnb_csv_data_features(d))[1] == -FLT_MAX);
    nnb_csv_data_destroy(d);
}

static void test_csv_ragged_records_and_bad_quotes(void **state)
{
    (void)state;
    expect_error("a,b,c\n1,2,0\n1,2\n", NULL, NNB_ERR_FORMAT, 3, 2, "record has fewer fields than the first");
    expect_error("a,b,c\n1,2,0,9\n", NULL, NNB_ERR_FORMAT, 2, 4, "record has more fields than the first");
    expect_error("a,b,c\n1,2\"x,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "quote inside an unquoted field");
    expect_error("a,b,c\n1,\"2\"x,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "text after a closing quote");
    expect_error("a,b,c\n1,\"2,0\n", NULL, NNB_ERR_FORMAT, 2, 2, "quoted field not closed");
    expect_error("a,b,c\n", NULL, NNB_ERR_FORMAT, 2, 0, "no data record");
    expect_error("", NULL, NNB_ERR_FORMAT, 1, 0, "no data record");
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    assert_status(nnb_csv_parse(&d, "a,b\n1,\0x\n", 9, NULL, &e), NNB_ERR_FORMAT);
    assert_string_equal(e.reason, "NUL byte in a field");
    assert_int_equal(e.line, 2);
    assert_int_equal(e.column, 2);
    /* A ragged record is malformed CSV: skip_bad_rows does not hide it. */
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.skip_bad_rows = 1;
    expect_error("a,b\n1,0\n1\n", &o, NNB_ERR_FORMAT, 3, 1, NULL);
}

static void test_csv_skip_bad_rows_counts_them(void **state)
{
    (void)state;
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.skip_bad_rows = 1;
    nnb_csv_data *d = parse_ok("a,b,c\n1,2,x\n1,NA,y\n3,4,\nNaN,5,y\n6,7,y\n", &o);
    const float x[4] = {1, 2, 6, 7};
    expect_features(d, 2, 2, x);
    assert_int_equal(nnb_csv_data_skipped_rows(d), 3);
    /* A skipped row's label does not become a class. */
    assert_int_equal(nnb_csv_data_num_classes(d), 2);
    assert_string_equal(nnb_csv_data_class_name(d, 1), "y");
    nnb_csv_data_destroy(d);
    expect_error("a,b\nNA,0\n", &o, NNB_ERR_FORMAT, 3, 0, "every data record was skipped");
}

static void test_csv_skip_missing_skips_only_missing_values(void **state)
{
    (void)state;
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.skip_missing = 1;
    /* Empty, NA, n/a and nan (any case, spaces around) are missing: 4 rows skipped, and a missing label. */
    nnb_csv_data *d = parse_ok("a,b,c\n1,2,x\n1, NA ,y\n,4,x\nnan,5,y\n6,n/A,y\n6,7,y\n8,9,NA\n", &o);
    const float x[4] = {1, 2, 6, 7};
    expect_features(d, 2, 2, x);
    assert_int_equal(nnb_csv_data_skipped_rows(d), 5);
    assert_int_equal(nnb_csv_data_num_classes(d), 2);
    nnb_csv_data_destroy(d);
    /* Other text in a numeric column is still an error naming its line and column. */
    expect_error("a,b,c\n1,NA,x\n1,cat,y\n", &o, NNB_ERR_FORMAT, 3, 2, "not a number");
    expect_error("a,b,c\n1,2,x\nNAN1,2,y\n", &o, NNB_ERR_FORMAT, 3, 1, "not a number");
}

static void test_csv_rejects_null_and_bad_options(void **state)
{
    (void)state;
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    const char *text = "a,b\n1,0\n";
    assert_status(nnb_csv_parse(NULL, text, 8, NULL, &e), NNB_ERR_NULL);
    assert_non_null(e.reason);
    assert_status(nnb_csv_parse(&d, NULL, 8, NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_csv_read(&d, NULL, NULL, NULL), NNB_ERR_NULL);
    assert_status(nnb_csv_read(NULL, "x.csv", NULL, NULL), NNB_ERR_NULL);
    nnb_csv_options_init(NULL);

    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.struct_size = 8;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT);
    /* Every delimiter that would make records ambiguous: the quote, a line end, NUL. */
    const char bad_delimiters[4] = {'"', '\r', '\n', '\0'};
    for (size_t i = 0; i < 4; ++i) {
        /* "a?b\n1?0\n" with the delimiter as '?': a two-column file if the delimiter were taken. */
        char with[8] = {'a', bad_delimiters[i], 'b', '\n', '1', bad_delimiters[i], '0', '\n'};
        nnb_csv_options_init(&o);
        o.delimiter = bad_delimiters[i];
        assert_status(nnb_csv_parse(&d, with, 8, &o, NULL), NNB_ERR_ARGUMENT);
        assert_null(d);
    }
    /* Names need a header: feature names, or a label name for a labelled file, without one are refused; a
     * label name with NNB_CSV_NO_LABEL is ignored. */
    nnb_csv_options_init(&o);
    o.has_header = 0;
    const char *one_name[1] = {"a"};
    o.feature_names = one_name;
    o.feature_count = 1;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT);
    nnb_csv_options_init(&o);
    o.has_header = 0;
    o.label_name = "y";
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT);
    o.label_kind = NNB_CSV_NO_LABEL;
    assert_status(nnb_csv_parse(&d, "1,2\n3,4\n", 8, &o, NULL), NNB_OK);
    assert_int_equal(nnb_csv_data_rows(d), 2);
    nnb_csv_data_destroy(d);
    d = NULL;
    nnb_csv_options_init(&o);
    o.label_kind = (nnb_csv_label_kind)9;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT);
    nnb_csv_options_init(&o);
    const size_t idx[1] = {0};
    const char *names[1] = {"a"};
    o.feature_indices = idx;
    o.feature_names = names;
    o.feature_count = 1;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT); /* both lists */
    o.feature_names = NULL;
    o.feature_count = 0;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT); /* empty list */
    nnb_csv_options_init(&o);
    o.has_header = 0;
    o.label_name = "b";
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_ARGUMENT); /* a name without a header */
    nnb_csv_options_init(&o);
    const char *null_name[1] = {NULL};
    o.feature_names = null_name;
    o.feature_count = 1;
    assert_status(nnb_csv_parse(&d, text, 8, &o, NULL), NNB_ERR_NULL);

    /* Checks that need the first record. */
    nnb_csv_options_init(&o);
    o.label_name = "nope";
    expect_error(text, &o, NNB_ERR_ARGUMENT, 1, 0, "no column has the label name");
    nnb_csv_options_init(&o);
    o.label_index = 2;
    expect_error(text, &o, NNB_ERR_ARGUMENT, 1, 0, "label index beyond the last column");
    nnb_csv_options_init(&o);
    const size_t label_too[1] = {1};
    o.feature_indices = label_too;
    o.feature_count = 1;
    expect_error(text, &o, NNB_ERR_ARGUMENT, 1, 2, "feature column repeated or also the label");
    const size_t twice[2] = {0, 0};
    o.feature_indices = twice;
    o.feature_count = 2;
    expect_error(text, &o, NNB_ERR_ARGUMENT, 1, 1, "feature column repeated or also the label");
    const char *unknown[1] = {"zz"};
    o.feature_indices = NULL;
    o.feature_names = unknown;
    o.feature_count = 1;
    expect_error(text, &o, NNB_ERR_ARGUMENT, 1, 0, "no such feature column");
    nnb_csv_options_init(&o);
    expect_error("only\n1\n", &o, NNB_ERR_ARGUMENT, 1, 0, "no feature column");
    assert_null(d);
}

static void test_csv_every_truncation_gives_a_status_or_a_prefix(void **state)
{
    (void)state;
    const char *text = "h1,\"h,2\",lab\r\n1.25,\"2\",\"a\"\"b\"\r\n-3,4e1,c\r\n5,6,\"a\"\"b\"\r\n";
    const size_t size = strlen(text);
    nnb_csv_data *full = parse_ok(text, NULL);
    const float *fx = nnb_tensor_cdata(nnb_csv_data_features(full));
    for (size_t n = 0; n < size; ++n) {
        nnb_csv_data *d = NULL;
        nnb_csv_error e;
        nnb_status st = nnb_csv_parse(&d, text, n, NULL, &e);
        if (st != NNB_OK) {
            assert_null(d);
            assert_non_null(e.reason);
            assert_true(st == NNB_ERR_FORMAT || st == NNB_ERR_ARGUMENT); /* ARGUMENT: a cut header */
            continue;
        }
        /* A prefix that is itself CSV: its complete rows are the full file's rows. */
        size_t rows = nnb_csv_data_rows(d);
        assert_true(rows >= 1 && rows <= 3);
        const float *x = nnb_tensor_cdata(nnb_csv_data_features(d));
        for (size_t i = 0; i + 2 < rows * 2; ++i) {
            assert_true(x[i] == fx[i]);
        }
        nnb_csv_data_destroy(d);
    }
    nnb_csv_data_destroy(full);
}

static void test_csv_read_file_across_buffer_boundaries(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/big.csv", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("\"first\",second,label\r\n", f);
    const size_t rows = 9000; /* about 200 kB: several read buffers, fields cut at their edges */
    for (size_t i = 0; i < rows; ++i) {
        fprintf(f, "%zu.5,\"%zu\",\"class \"\"%zu\"\"\"\r\n", i, i * 3, i % 7);
    }
    assert_int_equal(fclose(f), 0);
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    assert_ok(nnb_csv_read(&d, path, NULL, &e));
    assert_int_equal(nnb_csv_data_rows(d), rows);
    const float *x = nnb_tensor_cdata(nnb_csv_data_features(d));
    for (size_t i = 0; i < rows; ++i) {
        assert_true(x[2 * i] == (float)i + 0.5f);
        assert_true(x[2 * i + 1] == (float)(i * 3));
        assert_int_equal(nnb_csv_data_labels(d)[i], i % 7);
    }
    assert_string_equal(nnb_csv_data_class_name(d, 3), "class \"3\"");
    assert_string_equal(nnb_csv_data_feature_name(d, 0), "first");
    nnb_csv_data_destroy(d);

    /* An error deep in the file names its line. */
    f = fopen(path, "ab");
    assert_non_null(f);
    fputs("1,2,x\n1,oops,y\n", f);
    assert_int_equal(fclose(f), 0);
    d = NULL;
    assert_status(nnb_csv_read(&d, path, NULL, &e), NNB_ERR_FORMAT);
    assert_int_equal(e.line, rows + 3);
    assert_int_equal(e.column, 2);
    assert_null(d);
    assert_int_equal(remove(path), 0);

    snprintf(path, sizeof path, "%s/missing.csv", g_dir);
    assert_status(nnb_csv_read(&d, path, NULL, &e), NNB_ERR_IO);
    assert_non_null(e.reason);
    assert_status(nnb_csv_read(&d, g_dir, NULL, &e), NNB_ERR_IO); /* a directory */
    assert_null(d);
}

/* A byte-counting allocator: a 16-byte header in front of each block keeps its size. */
static size_t g_bytes_live, g_bytes_peak;

static void *bytes_alloc(void *user, size_t size)
{
    (void)user;
    unsigned char *p = malloc(size + 16);
    if (p == NULL) {
        return NULL;
    }
    memcpy(p, &size, sizeof size);
    g_bytes_live += size;
    if (g_bytes_live > g_bytes_peak) {
        g_bytes_peak = g_bytes_live;
    }
    return p + 16;
}

static void bytes_free(void *user, void *block)
{
    (void)user;
    unsigned char *p = (unsigned char *)block - 16;
    size_t size;
    memcpy(&size, p, sizeof size);
    g_bytes_live -= size;
    free(p);
}

static void test_csv_streams_a_large_file_in_less_memory_than_its_text(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/stream.csv", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("x1,x2,x3,label\n", f);
    const size_t rows = 60000;
    for (size_t i = 0; i < rows; ++i) {
        fprintf(f, "%zu.25,-%zu.5,%zu,c%zu\n", i % 1000, i % 77, i % 13, i % 5);
    }
    long text = ftell(f);
    assert_int_equal(fclose(f), 0);

    nnb_allocator saved;
    assert_ok(nnb_get_allocator(&saved));
    nnb_allocator counting = {bytes_alloc, bytes_free, NULL};
    g_bytes_live = 0;
    g_bytes_peak = 0;
    assert_ok(nnb_set_allocator(&counting));
    nnb_csv_data *d = NULL;
    nnb_status st = nnb_csv_read(&d, path, NULL, NULL);
    size_t rows_read = nnb_csv_data_rows(d);
    size_t kept = g_bytes_live;
    nnb_csv_data_destroy(d);
    assert_ok(nnb_set_allocator(&saved));
    assert_ok(st);
    assert_int_equal(rows_read, rows);
    /* The result (3 floats + 1 label per row, with growth slack) is below the text, and so is the peak
     * (old and new blocks side by side during a growth, plus the 64 KiB read buffer). */
    print_message("  text %ld bytes, result %zu bytes, peak %zu bytes\n", text, kept, g_bytes_peak);
    assert_true(kept < (size_t)text);
    assert_true(g_bytes_peak < (size_t)text * 3 / 2);
    assert_int_equal(g_bytes_live, 0);
    assert_int_equal(remove(path), 0);
}

static void test_csv_out_of_memory_sweep_leaks_nothing(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/oom.csv", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("a,b,label\n", f);
    for (int i = 0; i < 200; ++i) { /* past the first growth of every buffer */
        fprintf(f, "%d,%d,c%d\n", i, -i, i % 70);
    }
    assert_int_equal(fclose(f), 0);
    const char *text = "a,b,c\n1,2,x\n3,4,y\n5,6,1\n";
    for (int op = 0; op < 3; ++op) {
        size_t live = nnb_test_live_blocks();
        int succeeded = 0;
        for (size_t n = 1; n < 200 && !succeeded; ++n) {
            nnb_csv_data *d = NULL;
            nnb_csv_error e;
            nnb_csv_options o;
            nnb_csv_options_init(&o);
            o.label_kind = op == 2 ? NNB_CSV_REGRESSION : NNB_CSV_CLASSES;
            o.label_index = op == 2 ? 0 : NNB_CSV_LAST_COLUMN;
            const size_t second[1] = {1};
            if (op == 2) {
                o.feature_indices = second;
                o.feature_count = 1;
            }
            nnb_test_fail_allocation(n);
            nnb_status st = op == 0 ? nnb_csv_parse(&d, text, strlen(text), &o, &e) : nnb_csv_read(&d, path, &o, &e);
            nnb_test_fail_allocation(0);
            if (st == NNB_OK) {
                succeeded = 1;
                nnb_csv_data_destroy(d);
            } else {
                if (st != NNB_ERR_NOMEM) {
                    fail_msg("op %d, allocation %zu: %s (%s)", op, n, nnb_status_string(st), e.reason);
                }
                assert_string_equal(e.reason, "out of memory");
                assert_null(d);
            }
            assert_int_equal(nnb_test_live_blocks(), live);
        }
        assert_true(succeeded);
    }
    assert_int_equal(remove(path), 0);
}

/* A path that opens but cannot be read (a directory: fread fails with EISDIR): NNB_ERR_IO, reason
 * "read error", *out untouched. */
static void test_csv_read_error_has_its_reason(void **state)
{
    (void)state;
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    memset(&e, 0, sizeof e);
    assert_status(nnb_csv_read(&d, g_dir, NULL, &e), NNB_ERR_IO);
    assert_null(d);
    assert_non_null(e.reason);
    assert_string_equal(e.reason, "read error");
    assert_non_null(strstr(nnb_last_error(), "read error"));
}

static int group_setup(void **state)
{
    int rc = nnb_test_temp_dir_setup(state, "nnb_test_csv_");
    g_dir = nnb_test_temp_dir();
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_header_numbers_and_integer_labels),
        cmocka_unit_test(test_csv_string_labels_in_order_of_first_appearance),
        cmocka_unit_test(test_csv_rfc4180_quotes_crlf_bom_and_empty_lines),
        cmocka_unit_test(test_csv_column_selection_and_no_header),
        cmocka_unit_test(test_csv_regression_and_no_label),
        cmocka_unit_test(test_csv_bad_cells_name_line_and_column),
        cmocka_unit_test(test_csv_ragged_records_and_bad_quotes),
        cmocka_unit_test(test_csv_skip_bad_rows_counts_them),
        cmocka_unit_test(test_csv_skip_missing_skips_only_missing_values),
        cmocka_unit_test(test_csv_rejects_null_and_bad_options),
        cmocka_unit_test(test_csv_every_truncation_gives_a_status_or_a_prefix),
        cmocka_unit_test(test_csv_read_file_across_buffer_boundaries),
        cmocka_unit_test(test_csv_streams_a_large_file_in_less_memory_than_its_text),
        cmocka_unit_test(test_csv_out_of_memory_sweep_leaks_nothing),
        cmocka_unit_test(test_csv_read_error_has_its_reason),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
