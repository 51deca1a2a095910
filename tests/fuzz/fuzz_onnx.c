/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the ONNX parser (and the protobuf wire reader under it). Any bytes must give a model or a
 * status with a detail of its own, never a crash, leak or undefined behaviour. A model that is accepted must
 * export to ONNX again, and that export must import to a model of the same shape.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nnb_onnx_info info;
    (void)nnb_onnx_describe(data, size, &info);

    nnb_model *m = NULL;
    const nnb_status st = nnb_model_parse_onnx(data, size, &m);
    if (st != NNB_OK) {
        if (m != NULL || strncmp(nnb_last_error(), "nnb_model_parse_onnx: ", 22) != 0 || nnb_last_error()[22] == '\0') {
            __builtin_trap();
        }
        return 0;
    }
    size_t bytes = 0;
    if (nnb_model_serialize_onnx(m, NULL, 0, &bytes) != NNB_OK || bytes == 0) {
        __builtin_trap();
    }
    uint8_t *again = malloc(bytes);
    if (again != NULL) {
        nnb_model *back = NULL;
        if (nnb_model_serialize_onnx(m, again, bytes, &bytes) != NNB_OK ||
            nnb_model_parse_onnx(again, bytes, &back) != NNB_OK ||
            nnb_model_input_size(back) != nnb_model_input_size(m) ||
            nnb_model_output_size(back) != nnb_model_output_size(m)) {
            __builtin_trap();
        }
        nnb_model_destroy(back);
        free(again);
    }
    nnb_model_destroy(m);
    return 0;
}
