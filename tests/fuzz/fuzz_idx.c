/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the IDX reader. The input is split in two: the first two bytes (little-endian) give the
 * length of the image buffer, the rest after it is the label buffer. Any bytes must give a set or a
 * status, never a crash, leak or undefined behaviour.
 */
#include <stddef.h>
#include <stdint.h>

#include <nnbasics/nnbasics.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t split = (size_t)data[0] | ((size_t)data[1] << 8);
    const uint8_t *rest = data + 2;
    size_t rest_size = size - 2;
    if (split > rest_size) {
        split = rest_size;
    }
    nnb_idx_set *set = NULL;
    nnb_status st = nnb_idx_set_parse(&set, rest, split, rest + split, rest_size - split);
    if (st == NNB_OK) {
        /* A parsed set must be internally consistent. */
        size_t n = nnb_idx_set_count(set);
        const nnb_tensor *images = nnb_idx_set_images(set);
        const uint32_t *labels = nnb_idx_set_labels(set);
        if (nnb_tensor_rows(images) != n || labels == NULL) {
            __builtin_trap();
        }
        for (size_t i = 0; i < n; ++i) {
            if (labels[i] > 255u) {
                __builtin_trap();
            }
        }
        nnb_idx_set_destroy(set);
    } else if (set != NULL) {
        __builtin_trap(); /* out-parameter must stay untouched on failure */
    }
    return 0;
}
