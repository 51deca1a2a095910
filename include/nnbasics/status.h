/* SPDX-License-Identifier: MIT */
/**
 * @file status.h
 * @brief Status codes returned by every fallible libnnbasics function, and the error detail channel.
 *
 * Conventions that hold across the whole library:
 *   - Fallible functions return nnb_status; NNB_OK (0) is success. Results go to out-parameters.
 *   - On failure nothing the caller owns is modified: out-parameters keep their value (pointer
 *     out-parameters are left untouched), caller tensors keep their contents, objects stay usable.
 *   - The library never aborts, exits or prints on its own.
 *   - Argument checks happen in a fixed order: NULL pointers (NNB_ERR_NULL), then sizes and values
 *     (NNB_ERR_ARGUMENT / NNB_ERR_OVERFLOW), then shapes (NNB_ERR_SHAPE), then contents (NNB_ERR_RANGE,
 *     NNB_ERR_NONFINITE). Enum values are append-only: a code never changes meaning.
 *   - Every failing call also records a detail (which argument, which shape, which path and why) that
 *     nnb_last_error() returns.
 */
#ifndef NNB_STATUS_H
#define NNB_STATUS_H

#include "nnbasics/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The result of every fallible function: NNB_OK or the kind of failure. */
typedef enum nnb_status {
    NNB_OK = 0,       /**< success */
    NNB_ERR_NULL = 1, /**< a required pointer argument was NULL */
    NNB_ERR_ARGUMENT =
        2,             /**< an argument has an invalid value (zero size, NaN or negative hyper-parameter, bad enum) */
    NNB_ERR_SHAPE = 3, /**< the shapes of the arguments do not agree */
    NNB_ERR_OVERFLOW = 4,     /**< a size computation would overflow size_t */
    NNB_ERR_NOMEM = 5,        /**< memory allocation failed */
    NNB_ERR_RANGE = 6,        /**< an index or class label is out of range */
    NNB_ERR_NONFINITE = 7,    /**< NaN or infinity found in data or produced by a computation */
    NNB_ERR_IO = 8,           /**< a file could not be opened, read or written */
    NNB_ERR_FORMAT = 9,       /**< a file or buffer is truncated, corrupt or not of the expected format */
    NNB_ERR_VERSION = 10,     /**< a file was written by an unsupported format version */
    NNB_ERR_STATE = 11,       /**< the object is not in a state that allows the call (e.g.\ model not finalized) */
    NNB_ERR_UNSUPPORTED = 12, /**< the feature was not compiled in (e.g.\ gzip without zlib) */
    NNB_ERR_LIMIT = 13        /**< the input would need more memory than its bound allows (e.g.\ idx.h's max_memory) */
} nnb_status;

/**
 * A short English description of a status code ("out of memory", ...).
 *
 * Thread-safe.
 * @param status any value, including values this version does not know.
 * @return a static string, never NULL ("unknown status" for an unknown value).
 */
NNB_API const char *nnb_status_string(nnb_status status);

/**
 * The detail of the most recent failure in the calling thread.
 *
 * The detail names the function that failed and, where it knows them, the specifics (which argument, the
 * expected and the actual shape, the row and column, the path), e.g.\ "nnb_dense_forward: inputs are
 * 4 x 3, the layer takes 2 columns". A function that fails records at least its name and the status
 * string. Successful calls leave the detail as it was, so read it right after the failing call, as with
 * errno.
 * @return "" before the thread's first failure; never NULL. The string is owned by the library and
 *         thread-local: other threads neither see nor change it; its contents stay until the thread's next
 *         failing call.
 */
NNB_API const char *nnb_last_error(void);

/**
 * Records a failure detail for nnb_last_error, as the library's own functions do. Meant for add-on libraries
 * built on the public API (e.g.\ nnbasics/mpi.h), so their failures read like the library's.
 *
 * Thread-safe (the detail is thread-local).
 * @param status the status being returned.
 * @param where the failing function's name (not NULL).
 * @param detail what went wrong (not NULL; copied, truncated to the library's detail length).
 * @return status, so that a caller can write `return nnb_report_error(st, __func__, "...")`.
 */
NNB_API nnb_status nnb_report_error(nnb_status status, const char *where, const char *detail);

#ifdef __cplusplus
}
#endif

#endif /* NNB_STATUS_H */
