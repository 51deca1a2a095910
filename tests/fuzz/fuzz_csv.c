/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the CSV reader. The first byte chooses the options (header or not, label kind, skipping
 * bad rows, the delimiter); the rest is the text. Any bytes must give a data set or a status with an error
 * reason, never a crash, leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>

#include <nnbasics/nnbasics.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const uint8_t mode = data[0];
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.has_header = (mode & 1) == 0;
    o.label_kind = (nnb_csv_label_kind)((mode >> 1) % 3);
    o.skip_bad_rows = (mode >> 3) & 1;
    o.delimiter = (mode >> 4) & 1 ? ';' : ',';
    o.label_index = (mode >> 5) & 1 ? 0 : NNB_CSV_LAST_COLUMN;
    o.skip_missing = (mode >> 6) & 1;
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    nnb_status st = nnb_csv_parse(&d, data + 1, size - 1, &o, &e);
    if (st != NNB_OK) {
        if (d != NULL || e.reason == NULL) {
            __builtin_trap();
        }
        return 0;
    }
    /* A data set must be consistent. */
    const size_t rows = nnb_csv_data_rows(d);
    const nnb_tensor *x = nnb_csv_data_features(d);
    if (rows == 0 || nnb_tensor_rows(x) != rows) {
        __builtin_trap();
    }
    const uint32_t *labels = nnb_csv_data_labels(d);
    if (o.label_kind == NNB_CSV_CLASSES) {
        size_t classes = nnb_csv_data_num_classes(d);
        for (size_t i = 0; i < rows; ++i) {
            if (labels[i] >= classes) {
                __builtin_trap();
            }
        }
        for (size_t c = 0; c < classes && c < 4; ++c) {
            const char *name = nnb_csv_data_class_name(d, c);
            if (name != NULL && name[0] == '\0') {
                __builtin_trap(); /* empty labels are refused */
            }
        }
    } else if (labels != NULL) {
        __builtin_trap();
    }
    if (o.label_kind == NNB_CSV_REGRESSION && nnb_tensor_rows(nnb_csv_data_targets(d)) != rows) {
        __builtin_trap();
    }
    const float *v = nnb_tensor_cdata(x);
    for (size_t i = 0; i < nnb_tensor_size(x); ++i) {
        if (v[i] != v[i]) {
            __builtin_trap(); /* NaN is never read */
        }
    }
    nnb_csv_data_destroy(d);
    return 0;
}
