/* SPDX-License-Identifier: MIT */
/**
 * @file model_file.h
 * @brief Saving and loading models (chapter 21): the parameters alone, or the whole model.
 *
 * Two kinds of file share one versioned, little-endian binary format (described byte by byte in
 * docs/MODEL_FORMAT.md): a 24-byte header (magic, format version, kind, payload size), the payload, and a
 * CRC-32 of everything before it.
 *   - NNB_MODEL_FILE_PARAMETERS: the weights and biases of each dense layer, in order (the book's
 *     save_parameters / load_parameters). Loaded into an existing model of the same architecture.
 *   - NNB_MODEL_FILE_MODEL: the whole model - layers (kinds, sizes, init scales, regularization, dropout
 *     rates), loss, accuracy kind and regression precision, fused-backward choice, optimizer settings and
 *     every parameter (the book's save / load). Loading makes a new, finalized model. The optimizer's
 *     running state (iteration count, momentums, caches) is not stored: a loaded model that trains again
 *     starts its optimizer from iteration 0. Its generator is seeded with 0 (re-seed with nnb_model_rng).
 *
 * Loading validates before it builds anything: the magic, the version (1 to 3; NNB_ERR_VERSION otherwise), the
 * exact length (truncation and trailing bytes are NNB_ERR_FORMAT), the checksum (NNB_ERR_FORMAT), every
 * enum, every optimizer setting (the used ones as nnb_optimizer_create checks them, and SGD momentum below
 * 1; unused ones finite and >= 0, loaded as 0; all 0 when no optimizer is stored), the regression precision
 * (0 when none is stored), every size against NNB_MODEL_FILE_MAX_* and against the bytes present (before
 * any allocation), the preprocessing and names section of a version-2 file (preprocess.h: every scale
 * finite and > 0, every center finite, counts against the widths, names 1 to NNB_MODEL_MAX_NAME bytes
 * without NUL; NNB_ERR_FORMAT with the field named in nnb_last_error), and that the parameters are finite
 * (NNB_ERR_NONFINITE). A failed load leaves its
 * outputs untouched and leaks nothing. Saving is atomic: the bytes go to a temporary file in the
 * destination's directory, which is flushed to disk and then renamed over the destination, so a reader
 * sees the old file or the new one, never a part.
 *
 * What a save replaces (nnb_model_save, nnb_model_save_parameters):
 *   - A path that does not exist becomes a new regular file with mode 0666 less the process's umask.
 *   - An existing regular file is replaced; the new file keeps its permission bits (a 0600 model stays
 *     0600) and, when the process may set them (as root), its owner and group. Otherwise the new file
 *     belongs to the caller.
 *   - A symbolic link is followed (realpath): the regular file it leads to is replaced, atomically, in that
 *     file's own directory, and the link stays as it was. A dangling link is NNB_ERR_IO.
 *   - Anything else - FIFO, character or block device (e.g. /dev/null, also through a link), socket,
 *     directory - is refused with NNB_ERR_IO before any file is created; it is left untouched.
 *   - A hard link is split: the rename gives the saved name a new file, and the file's other names keep the
 *     previous contents. Writing in place to keep the link would give up atomicity, so it is not done.
 * The temporary file is named `.nnb-save-PID-XXXXXX` (the saving process's id, six random characters), so
 * a file name of any length up to NAME_MAX can be saved. A save that is killed (kill -9, power loss) leaves
 * its temporary file behind; the next save into the same directory removes such a leftover when, and only
 * when, its name has exactly that form, the process it names no longer exists on this machine, it is a
 * regular file owned by the caller's effective user and it was last modified more than
 * NNB_MODEL_FILE_STALE_SECONDS ago (so a save in progress on another machine sharing the directory is left
 * alone). No other file is ever removed.
 *
 * Thread safety: the functions are reentrant; a model being saved must not be modified at the same time.
 */
#ifndef NNB_MODEL_FILE_H
#define NNB_MODEL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/model.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The format version this library writes. Version 2 added the whole-model file's preprocessing and names
 * section (preprocess.h); a version-1 file loads as a model without them. Version 3 added the layer kinds
 * 6 to 10 (tanh, leaky ReLU, ELU, GELU, softplus), the image layer records (conv2d, pooling, batchnorm with
 * its running averages, flatten: kinds 16 to 21) and the training-settings section (AdamW weight decay,
 * learning-rate schedule, stored gradient clipping); a version-2 file loads without them.
 */
#define NNB_MODEL_FILE_VERSION 3u
/** The oldest format version this library reads. */
#define NNB_MODEL_FILE_MIN_VERSION 1u

/** Most layers a model file may describe (a larger value is rejected as NNB_ERR_FORMAT). */
#define NNB_MODEL_FILE_MAX_LAYERS 1024u
/** Largest n_inputs or n_neurons of a dense layer in a model file. */
#define NNB_MODEL_FILE_MAX_WIDTH ((size_t)1 << 24)
/** Largest model file (2 GiB). */
#define NNB_MODEL_FILE_MAX_BYTES ((size_t)1 << 31)

/** A save's leftover temporary file must be older than this (seconds) before a later save removes it. */
#define NNB_MODEL_FILE_STALE_SECONDS (15 * 60)

/** What a file holds (the header's kind field). */
typedef enum nnb_model_file_kind {
    NNB_MODEL_FILE_PARAMETERS = 1, /**< dense weights and biases only */
    NNB_MODEL_FILE_MODEL = 2       /**< architecture, settings and parameters */
} nnb_model_file_kind;

/**
 * Serializes `model` into a caller buffer. With buffer NULL only the size is computed.
 *
 * Optimizer fields the optimizer does not use are written as 0.
 * @param model the model (only read).
 * @param kind NNB_MODEL_FILE_MODEL (the model must be finalized) or NNB_MODEL_FILE_PARAMETERS.
 * @param buffer receives the file's bytes, or NULL to compute the size only. Untouched on failure.
 * @param capacity bytes available in buffer.
 * @param size receives the number of bytes the file takes (always, on success).
 * @return NNB_OK, NNB_ERR_NULL (model or size), NNB_ERR_ARGUMENT (unknown kind; buffer not NULL and
 *         capacity smaller than the size), NNB_ERR_STATE (whole model not finalized; parameters of a model
 *         with no dense layer), NNB_ERR_NONFINITE (a parameter is NaN or infinite), NNB_ERR_OVERFLOW,
 *         NNB_ERR_FORMAT (the model exceeds the format's limits, or its optimizer has a setting the reader
 *         refuses: SGD momentum >= 1).
 */
NNB_API nnb_status nnb_model_serialize(const nnb_model *model, nnb_model_file_kind kind, void *buffer, size_t capacity,
                                       size_t *size);

/**
 * Builds a new model from the bytes of a whole-model file (suited to fuzzing: any bytes give a model or a
 * status).
 * @param out receives the model (owned by the caller; nnb_model_destroy). Untouched on failure.
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_FORMAT (not a model file, truncated, trailing bytes, bad checksum, bad
 *         field, a parameters-only file, a chain that does not finalize), NNB_ERR_VERSION, NNB_ERR_NONFINITE,
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_model_parse(nnb_model **out, const void *data, size_t size);

/**
 * Loads the dense parameters of a parameters-only file (or of a whole-model file) into `model`.
 *
 * All checks happen before the first parameter is written: on failure the model is unchanged.
 * @param model the model; its dense layers must match the file's in number and shapes.
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_FORMAT, NNB_ERR_VERSION, NNB_ERR_NONFINITE, NNB_ERR_SHAPE (the
 *         model's dense layers differ from the file's).
 */
NNB_API nnb_status nnb_model_parse_parameters(nnb_model *model, const void *data, size_t size);

/**
 * Saves the whole model (NNB_MODEL_FILE_MODEL) to a file, atomically (see the file's description).
 * @param model the model, finalized (only read).
 * @param path the destination.
 * @return the statuses of nnb_model_serialize, and NNB_ERR_IO (cannot create, write, flush or rename, or
 *         the destination is not a regular file; on a failed save the destination is unchanged and the
 *         temporary file removed).
 */
NNB_API nnb_status nnb_model_save(const nnb_model *model, const char *path);

/**
 * Loads a whole-model file into a new model.
 *
 * Reads the whole file (at most NNB_MODEL_FILE_MAX_BYTES) and parses it as nnb_model_parse. Loading reads
 * regular files only (symbolic links are followed): a FIFO, device, socket or directory is NNB_ERR_IO at
 * once, without reading from it or waiting for a writer.
 * @param out receives the model (owned by the caller; nnb_model_destroy). Untouched on failure.
 * @param path the file.
 * @return the statuses of nnb_model_parse (an empty file is NNB_ERR_FORMAT), and NNB_ERR_IO (cannot open or
 *         read).
 */
NNB_API nnb_status nnb_model_load(nnb_model **out, const char *path);

/**
 * Saves the dense parameters only (NNB_MODEL_FILE_PARAMETERS) to a file, atomically.
 * @param model the model (only read); it needs at least one dense layer.
 * @param path the destination.
 * @return the statuses of nnb_model_serialize, and NNB_ERR_IO (as nnb_model_save).
 */
NNB_API nnb_status nnb_model_save_parameters(const nnb_model *model, const char *path);

/**
 * Loads the dense parameters of a file into `model`, as nnb_model_parse_parameters does with its bytes.
 * @param model the model; its dense layers must match the file's. Unchanged on failure.
 * @param path the file (regular files only, as nnb_model_load).
 * @return the statuses of nnb_model_parse_parameters, and NNB_ERR_IO (cannot open or read).
 */
NNB_API nnb_status nnb_model_load_parameters(nnb_model *model, const char *path);

/**
 * CRC-32 (the IEEE 802.3 / zlib / PNG polynomial, reflected, initial and final XOR 0xffffffff).
 *
 * nnb_crc32(nnb_crc32(0, a, n), b, m) is the CRC of a then b. "123456789" gives 0xcbf43926.
 * @param crc the CRC so far (start with 0).
 * @param data the bytes (may be NULL when size is 0).
 * @param size number of bytes.
 * @return the CRC of everything so far.
 */
NNB_API uint32_t nnb_crc32(uint32_t crc, const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* NNB_MODEL_FILE_H */
