/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the .npy and .npz readers. The first byte chooses the entry point (.npy as a row or a
 * column tensor, .npy labels, .npz member "x" as a tensor or as labels); the rest is the file. Any bytes
 * must give a result or a status, never a crash, leak or undefined behaviour.
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
    const uint8_t mode = data[0] % 5;
    const uint8_t *file = data + 1;
    const size_t file_size = size - 1;
    nnb_tensor *t = NULL;
    uint32_t *labels = NULL;
    size_t count = 0;
    nnb_status st;
    switch (mode) {
    case 0: st = nnb_npy_parse_tensor(&t, file, file_size, NNB_NPY_ROW); break;
    case 1: st = nnb_npy_parse_tensor(&t, file, file_size, NNB_NPY_COLUMN); break;
    case 2: st = nnb_npy_parse_labels(&labels, &count, file, file_size); break;
    case 3: st = nnb_npz_parse_tensor(&t, file, file_size, "x", NNB_NPY_ROW); break;
    default: st = nnb_npz_parse_labels(&labels, &count, file, file_size, "x"); break;
    }
    if (st != NNB_OK) {
        if (t != NULL || labels != NULL) {
            __builtin_trap(); /* out-parameters stay untouched on failure */
        }
        return 0;
    }
    if (t != NULL) {
        if (nnb_tensor_size(t) == 0 || nnb_tensor_size(t) > file_size) {
            __builtin_trap(); /* every element came from at least one byte of the file */
        }
        nnb_tensor_destroy(t);
    } else {
        if (labels == NULL || count == 0) {
            __builtin_trap();
        }
        nnb_npy_labels_free(labels);
    }
    return 0;
}
