/* SPDX-License-Identifier: MIT */
/*
 * nnb_model_train's argument rules (src/train/model_train.c) on the shared small model: each refused
 * setting gives its status and detail and leaves the model exactly as it was (same bytes when serialized,
 * no history); then the history's CSV against values read from the history itself, and a stream that
 * cannot be written.
 */
/* fdopen, dup. */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void expect_detail(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

typedef struct bad_case {
    const char *what;
    nnb_status st;
    const char *needle; /* NULL: any detail */
} bad_case;

static void test_refused_settings_leave_the_model_alone(void **state)
{
    (void)state;
    nnb_model *m = nnb_test_small_model(11, 5);
    nnb_tensor *X = NULL;
    uint32_t labels[NNB_TEST_SMALL_ROWS];
    nnb_test_small_data(&X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, NNB_TEST_SMALL_ROWS);
    size_t size0 = 0;
    unsigned char *before = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size0);

    static const bad_case cases[] = {
        {"clip_value NaN", NNB_ERR_ARGUMENT, "clip_value nan and clip_norm 0 must be >= 0 and finite"},
        {"clip_value < 0", NNB_ERR_ARGUMENT, "clip_value -1"},
        {"clip_norm inf", NNB_ERR_ARGUMENT, "clip_norm inf"},
        {"clip_norm < 0", NNB_ERR_ARGUMENT, "clip_norm -2"},
        {"early_stop 99", NNB_ERR_ARGUMENT, "early_stop 99 unknown"},
        {"min_delta NaN", NNB_ERR_ARGUMENT, "min_delta nan"},
        {"min_delta < 0", NNB_ERR_ARGUMENT, "min_delta -0.5"},
        {"val stop, no data", NNB_ERR_ARGUMENT, "needs validation data"},
        {"val acc stop, no data", NNB_ERR_ARGUMENT, "needs validation data"},
        {"epochs 0", NNB_ERR_ARGUMENT, NULL},
        {"validation_x without y", NNB_ERR_NULL, NULL},
        {"split 1", NNB_ERR_ARGUMENT, "validation_split 1 must be in (0, 1)"},
        {"split leaves no row", NNB_ERR_ARGUMENT, "leave rows on both sides of 12"},
        {"split with validation_x", NNB_ERR_ARGUMENT, "come without validation_x"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = 3;
        tp.print_every = 0;
        tp.record_history = 1;
        switch (c) {
        case 0: tp.clip_value = NAN; break;
        case 1: tp.clip_value = -1.0; break;
        case 2: tp.clip_norm = INFINITY; break;
        case 3: tp.clip_norm = -2.0; break;
        case 4: tp.early_stop = (nnb_monitor)99; break;
        case 5:
            tp.early_stop = NNB_MONITOR_LOSS;
            tp.min_delta = NAN;
            break;
        case 6:
            tp.early_stop = NNB_MONITOR_LOSS;
            tp.min_delta = -0.5;
            break;
        case 7: tp.early_stop = NNB_MONITOR_VAL_LOSS; break;
        case 8: tp.early_stop = NNB_MONITOR_VAL_ACCURACY; break;
        case 9: tp.epochs = 0; break;
        case 10: tp.validation_x = X; break;
        case 11: tp.validation_split = 1.0; break;
        case 12: tp.validation_split = 0.05; break; /* floor(0.6) = 0 rows */
        case 13:
            tp.validation_split = 0.5;
            tp.validation_x = X;
            tp.validation_y = &y;
            break;
        default: break;
        }
        nnb_status st = nnb_model_train(m, X, &y, &tp);
        if (st != cases[c].st) {
            fail_msg("%s: %s, expected %s (%s)", cases[c].what, nnb_status_string(st), nnb_status_string(cases[c].st),
                     nnb_last_error());
        }
        if (cases[c].needle != NULL) {
            expect_detail(cases[c].needle);
        }
        size_t size = 0;
        unsigned char *after = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
        assert_int_equal(size, size0);
        if (memcmp(after, before, size0) != 0) {
            fail_msg("%s: the model changed", cases[c].what);
        }
        free(after);
        const nnb_history_entry *h = NULL;
        size_t n = 9;
        assert_ok(nnb_model_history(m, &h, &n));
        assert_int_equal(n, 0);
        assert_null(h);
    }
    free(before);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

static void test_history_csv(void **state)
{
    (void)state;
    nnb_model *m = nnb_test_small_model(12, 0);
    nnb_tensor *X = NULL;
    uint32_t labels[NNB_TEST_SMALL_ROWS];
    nnb_test_small_data(&X, labels);
    nnb_targets y = nnb_targets_from_labels(labels, NNB_TEST_SMALL_ROWS);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 2;
    tp.print_every = 0;
    tp.record_history = 1;
    assert_ok(nnb_model_train(m, X, &y, &tp));
    const nnb_history_entry *h = NULL;
    size_t n = 0;
    assert_ok(nnb_model_history(m, &h, &n));
    assert_int_equal(n, 2);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_ok(nnb_model_history_write_csv(m, f));
    rewind(f);
    char text[1024];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    /* Two rows: epoch, loss, accuracy, then the validation figures empty (NaN: no validation data). */
    char want[512];
    snprintf(want, sizeof want,
             "epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,seconds\n1,%.9g,%.9g,,,%.9g,%.9g\n2,%.9g,%.9g,,,"
             "%.9g,%.9g\n",
             h[0].loss, h[0].accuracy, h[0].learning_rate, h[0].seconds, h[1].loss, h[1].accuracy, h[1].learning_rate,
             h[1].seconds);
    assert_string_equal(text, want);
    assert_close(h[0].learning_rate, 0.02, 0.0, 0.0);

    FILE *t = tmpfile();
    assert_non_null(t);
    FILE *r = fdopen(dup(fileno(t)), "r");
    assert_non_null(r);
    assert_status(nnb_model_history_write_csv(m, r), NNB_ERR_IO);
    expect_detail("writing the training history failed");
    fclose(r);
    fclose(t);
    assert_status(nnb_model_history_write_csv(NULL, stdout), NNB_ERR_NULL);
    assert_status(nnb_model_history_write_csv(m, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_history(m, NULL, &n), NNB_ERR_NULL);
    assert_int_equal(nnb_model_best_epoch(NULL), 0);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_settings_leave_the_model_alone),
        cmocka_unit_test(test_history_csv),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, nnb_test_teardown_allocator);
}
