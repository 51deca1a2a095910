/* SPDX-License-Identifier: MIT */
/**
 * @file onnx.h
 * @brief ONNX import and export of sequential models (docs/ONNX.md): a network trained in PyTorch and
 *        exported with torch.onnx.export runs in C, and a model trained here opens in any ONNX runtime.
 *
 * Import accepts the graphs the library can run: a chain of nodes from one float input of shape
 * [batch, features] (the batch dimension may be symbolic) to one output, in opsets 9 to 17 of the default
 * domain. Supported operators (the table in docs/ONNX.md):
 *   - Gemm (transA = 0, transB 0 or 1, alpha, beta; C a bias of shape [out], [1, out], [1] or a scalar) and
 *     MatMul with a constant [in, out] matrix, followed or not by Add of a constant bias: a dense layer whose
 *     weights are alpha * B (transposed when transB = 1) and biases beta * C;
 *   - Relu, Sigmoid; Softmax over the last axis (axis -1 or 1; for opsets below 13 axis 1 flattens a 2-D input
 *     to itself, so both mean the same row-wise softmax);
 *   - Flatten (axis 1 or -1: the identity on a 2-D input), Identity, Dropout (the identity at inference);
 *   - a leading Sub and Div by constant per-feature vectors become the model's stored scaling
 *     (NNB_PREPROCESS_AFFINE, preprocess.h), as export writes it.
 * Weights are initializers (TensorProto of FLOAT data in raw_data or float_data; external data is refused).
 * Anything else is refused with NNB_ERR_UNSUPPORTED and a detail that names the node (its index and name), its
 * op_type and the reason; a malformed file (truncated, wrong wire types, huge dimensions, a missing initializer,
 * nodes out of topological order or in a cycle) with NNB_ERR_FORMAT and a detail. The imported model is
 * finalized and ready to predict; it has no loss, optimizer or accuracy (set them to train it further).
 *
 * Export writes any model the library builds as ONNX IR version 7, opset 13: each dense layer a Gemm
 * (transB = 0, the weights in the library's [in, out] layout), each activation its operator, linear layers
 * and dropout nothing (both are the identity at inference), stored scaling a leading Sub and Div. The input
 * is named "input", of shape ["N", features]; the output "output", of shape ["N", outputs].
 *
 * The protobuf encoding is read and written by the library itself (no dependency); every read is bounds
 * checked and the nesting depth is limited, so any bytes give a model or a status. Thread safety: as the rest
 * of the library (distinct objects from distinct threads).
 */
#ifndef NNB_ONNX_H
#define NNB_ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/model.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The largest ONNX file nnb_model_load_onnx reads (bytes). */
#define NNB_ONNX_MAX_BYTES ((size_t)1 << 30)
/** The most nodes (and, separately, initializers) an imported graph may have. */
#define NNB_ONNX_MAX_NODES 1024u
/** The largest dimension of an imported tensor. */
#define NNB_ONNX_MAX_DIM ((uint64_t)1 << 24)
/** The most elements of one imported tensor. */
#define NNB_ONNX_MAX_ELEMENTS ((uint64_t)1 << 26)
/** The opset export writes. */
#define NNB_ONNX_EXPORT_OPSET 13
/** The IR version export writes. */
#define NNB_ONNX_EXPORT_IR_VERSION 7

/** What an ONNX file says about itself (nnb_onnx_describe). Texts are cut to fit and NUL-terminated. */
typedef struct nnb_onnx_info {
    int64_t ir_version;       /**< the model's ir_version */
    int64_t opset;            /**< the version of the default ("" or "ai.onnx") operator set */
    size_t node_count;        /**< nodes in the graph */
    size_t initializer_count; /**< initializers in the graph */
    char producer[64];        /**< producer_name and producer_version, e.g.\ "pytorch 1.13.0" ("" if none) */
    char input_name[64];      /**< the graph input that is not an initializer */
    char output_name[64];     /**< the graph's output */
} nnb_onnx_info;

/**
 * Builds a new model from the bytes of an ONNX file (suited to fuzzing: any bytes give a model or a status).
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @param out receives the model (owned by the caller; nnb_model_destroy). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_FORMAT (not a valid ONNX model: truncated, wrong wire type, missing or
 *         malformed graph, input, output or initializer, shapes that do not agree, a huge dimension, nodes out
 *         of topological order or in a cycle, a graph that is not a chain), NNB_ERR_VERSION (an opset outside 9
 *         to 17, or an IR version below 3), NNB_ERR_UNSUPPORTED (an operator, attribute value, data type or
 *         domain the library cannot run; the detail names the node), NNB_ERR_NONFINITE (a weight is NaN or
 *         infinite, or alpha * B or beta * C exceeds float32), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_parse_onnx(const void *data, size_t size, nnb_model **out);

/**
 * Loads an ONNX file into a new model (reads the whole regular file, at most NNB_ONNX_MAX_BYTES, and parses it
 * as nnb_model_parse_onnx).
 * @param path the file.
 * @param out receives the model (owned by the caller; nnb_model_destroy). Untouched on failure.
 * @return the statuses of nnb_model_parse_onnx, and NNB_ERR_IO (cannot open or read, not a regular file).
 */
NNB_API nnb_status nnb_model_load_onnx(const char *path, nnb_model **out);

/**
 * Reads the header facts of an ONNX file without building a model: IR version, opset, producer, node and
 * initializer counts, input and output names.
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @param info receives the facts (caller's struct). Untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_FORMAT, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_onnx_describe(const void *data, size_t size, nnb_onnx_info *info);

/**
 * Encodes a model as ONNX (see the file's description) into a caller's buffer.
 * @param model the model, finalized (only read).
 * @param buffer receives the bytes; may be NULL when capacity is 0 (to learn the size).
 * @param capacity bytes available in buffer.
 * @param size receives the encoding's size in bytes (also when the buffer is too small).
 * @return NNB_OK, NNB_ERR_NULL (model or size; buffer with capacity > 0), NNB_ERR_STATE (not finalized),
 *         NNB_ERR_ARGUMENT (capacity smaller than the encoding: *size says how much is needed; a NULL buffer
 *         with capacity 0 only reports the size and returns NNB_OK), NNB_ERR_UNSUPPORTED (a layer kind export
 *         does not know), NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_serialize_onnx(const nnb_model *model, void *buffer, size_t capacity, size_t *size);

/**
 * Saves a model as an ONNX file (written to a temporary file beside path, then renamed over it).
 * @param model the model, finalized (only read).
 * @param path the destination.
 * @return the statuses of nnb_model_serialize_onnx, and NNB_ERR_IO (cannot write; the destination is then
 *         unchanged and the temporary file removed).
 */
NNB_API nnb_status nnb_model_save_onnx(const nnb_model *model, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* NNB_ONNX_H */
