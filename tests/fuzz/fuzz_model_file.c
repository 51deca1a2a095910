/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the model file parser: whole-model files, and parameters loaded into a fixed model,
 * each on the raw input and on a copy whose checksum has been repaired.
 * Any bytes must give a model or a status, never a crash, leak or undefined behaviour; a rejected
 * parameter load must leave the model unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nnb_model *fixed_model(void)
{
    nnb_model *m = NULL;
    if (nnb_model_create(&m, 0) != NNB_OK) {
        return NULL;
    }
    if (nnb_model_add_dense(m, 2, 4, NNB_DENSE_DEFAULT_INIT_SCALE, NULL) != NNB_OK || nnb_model_add_relu(m) != NNB_OK ||
        nnb_model_add_dense(m, 4, 3, NNB_DENSE_DEFAULT_INIT_SCALE, NULL) != NNB_OK ||
        nnb_model_add_softmax(m) != NNB_OK || nnb_model_finalize(m) != NNB_OK) {
        nnb_model_destroy(m);
        return NULL;
    }
    return m;
}

static void parse_one(const uint8_t *data, size_t size)
{
    nnb_model *parsed = NULL;
    nnb_status st = nnb_model_parse(&parsed, data, size);
    if (st == NNB_OK) {
        /* A parsed model must serialize again. */
        size_t bytes = 0;
        if (nnb_model_serialize(parsed, NNB_MODEL_FILE_MODEL, NULL, 0, &bytes) != NNB_OK || bytes == 0) {
            __builtin_trap();
        }
        nnb_model_destroy(parsed);
    } else if (parsed != NULL) {
        __builtin_trap();
    } else if (strncmp(nnb_last_error(), "nnb_model_parse: model data: ", 29) != 0 || nnb_last_error()[29] == '\0') {
        __builtin_trap(); /* every rejected file gets a detail of its own */
    }

    nnb_model *m = fixed_model();
    if (m == NULL) {
        return;
    }
    float before[12];
    const nnb_dense *d0 = nnb_model_cdense(m, 0);
    memcpy(before, nnb_tensor_cdata(nnb_dense_weights(d0)), sizeof(float) * 8);
    if (nnb_model_parse_parameters(m, data, size) != NNB_OK &&
        memcmp(before, nnb_tensor_cdata(nnb_dense_weights(d0)), sizeof(float) * 8) != 0) {
        __builtin_trap();
    }
    nnb_model_destroy(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_one(data, size);
    /* Most mutations break the trailing CRC-32; parse a copy with it repaired as well, so that the fuzzer
       reaches the fields behind the checksum. */
    if (size >= 4) {
        uint8_t *copy = malloc(size);
        if (copy == NULL) {
            return 0;
        }
        memcpy(copy, data, size);
        uint32_t crc = nnb_crc32(0, copy, size - 4);
        for (int i = 0; i < 4; ++i) {
            copy[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        }
        parse_one(copy, size);
        free(copy);
    }
    return 0;
}
