/* SPDX-License-Identifier: MIT */
/**
 * @file npy.h
 * @brief Reading and writing NumPy .npy arrays and .npz archives.
 *
 * A .npy file is the magic `"\x93NUMPY"`, a version (1.0, 2.0 or 3.0 are read), a header length (2 bytes
 * little-endian for 1.0, 4 bytes for 2.0 and 3.0), a header that is a Python dict literal ending in '\n',
 * and the raw elements. The header is parsed strictly: exactly the keys 'descr', 'fortran_order' and
 * 'shape', in any order, quoted with ' or ", spaces and a trailing comma allowed, nothing else. Headers
 * longer than NNB_NPY_MAX_HEADER bytes are refused.
 *
 * Element types (descr) read: '<f4', '<f8', '<i4', '<i8', '|u1' and '<u1' (little-endian, C order). Other
 * types (big-endian, float16, object, strings, structured arrays), and fortran_order True, are refused
 * with NNB_ERR_UNSUPPORTED. A malformed header, a shape of more than NNB_NPY_MAX_RANK dimensions, an empty
 * array, or a data length that is not exactly shape product x element size (a truncated file, or trailing
 * bytes) is NNB_ERR_FORMAT; a shape whose product overflows size_t is NNB_ERR_OVERFLOW.
 *
 *
 * Into a float32 tensor: a 2-D array keeps its shape; a 1-D array of n elements becomes 1 x n
 * (NNB_NPY_ROW) or n x 1 (NNB_NPY_COLUMN); a 0-D array (a scalar) becomes 1 x 1; an array of rank 3 or
 * more (d0, d1, ..., dk) is flattened to d0 x (d1 * ... * dk), one row per item along the first axis (as
 * MNIST-style image stacks are used). float64 values are rounded to the nearest float32 (beyond float32's
 * range: +-infinity, as numpy's astype does); integers are converted to the nearest float32.
 *
 * Into labels: an integer array of any rank gives its elements in C order as uint32; a negative element or
 * one above UINT32_MAX is NNB_ERR_RANGE; a float array is NNB_ERR_FORMAT.
 *
 * A .npz file is a zip archive of .npy members, as np.savez (stored) and np.savez_compressed (deflate)
 * write them. A member is found by its name with or without the ".npy" suffix. The end-of-central-directory
 * record (and its zip64 form), the central and local headers, their agreement, the sizes and the CRC-32
 * are all validated (NNB_ERR_FORMAT); deflated members need the library to be built with zlib
 * (NNB_ERR_UNSUPPORTED otherwise), as do other compression methods and encrypted members. Loading a .npz
 * file reads it whole into memory; a .npy file is converted while it is read, so only the tensor is held.
 *
 * The writers produce what np.save writes for a float32 C-order array: version 1.0, descr '<f4', the header
 * padded with spaces so the data starts at a multiple of 64 bytes, then the elements little-endian. An .npz
 * holds stored (uncompressed) members `NAME.npy` and is limited to 4 GiB (no zip64).
 *
 * All memory comes from the library allocator (alloc.h), including zlib's. On failure out-parameters are
 * untouched and nothing leaks; a writer that fails removes the partial file. Every function is reentrant.
 */
#ifndef NNB_NPY_H
#define NNB_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most dimensions a .npy shape may have. */
#define NNB_NPY_MAX_RANK 8

/** Longest accepted .npy header (the dict text) in bytes. */
#define NNB_NPY_MAX_HEADER 65536

/** How a 1-D array becomes a tensor. */
typedef enum nnb_npy_vector {
    NNB_NPY_ROW = 0,   /**< n elements -> 1 x n */
    NNB_NPY_COLUMN = 1 /**< n elements -> n x 1 */
} nnb_npy_vector;

/**
 * Parses a .npy buffer into a new float32 tensor (shape rules in the file's description). Any bytes give a
 * tensor or a status, never a crash.
 * @param out receives the tensor (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @param vector the layout of a 1-D array.
 * @return NNB_OK, NNB_ERR_NULL (out or data), NNB_ERR_ARGUMENT (unknown vector), NNB_ERR_FORMAT,
 *         NNB_ERR_VERSION (a version other than 1.0, 2.0, 3.0), NNB_ERR_UNSUPPORTED, NNB_ERR_OVERFLOW,
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_npy_parse_tensor(nnb_tensor **out, const void *data, size_t size, nnb_npy_vector vector);

/**
 * As nnb_npy_parse_tensor, from a file read piece by piece.
 * @param out receives the tensor (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param path the file.
 * @param vector the layout of a 1-D array.
 * @return the statuses of nnb_npy_parse_tensor, and NNB_ERR_IO (cannot open or read).
 */
NNB_API nnb_status nnb_npy_load_tensor(nnb_tensor **out, const char *path, nnb_npy_vector vector);

/**
 * Parses a .npy buffer holding an integer array into labels.
 * @param out receives a new array of *count uint32 (owned by the caller; release with
 *            nnb_npy_labels_free). Untouched on failure.
 * @param count receives the number of elements. Untouched on failure.
 * @param data the file's bytes (borrowed, only read).
 * @param size bytes in data.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_FORMAT (also for a float array), NNB_ERR_VERSION,
 *         NNB_ERR_UNSUPPORTED, NNB_ERR_OVERFLOW, NNB_ERR_RANGE (a negative element or one above
 *         UINT32_MAX), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_npy_parse_labels(uint32_t **out, size_t *count, const void *data, size_t size);

/**
 * As nnb_npy_parse_labels, from a file.
 * @param out receives the labels (owned by the caller; nnb_npy_labels_free). Untouched on failure.
 * @param count receives the number of labels.
 * @param path the file.
 * @return the statuses of nnb_npy_parse_labels, and NNB_ERR_IO.
 */
NNB_API nnb_status nnb_npy_load_labels(uint32_t **out, size_t *count, const char *path);

/**
 * Releases labels returned by this module (through the library allocator).
 * @param labels the labels, or NULL (ignored).
 */
NNB_API void nnb_npy_labels_free(uint32_t *labels);

/**
 * Writes a tensor as a .npy file (version 1.0, '<f4', shape (rows, cols), C order), replacing the file.
 * @param t the tensor.
 * @param path the destination.
 * @return NNB_OK, NNB_ERR_NULL (t or path), NNB_ERR_IO (cannot create or write; the partial file is
 *         removed).
 */
NNB_API nnb_status nnb_npy_save_tensor(const nnb_tensor *t, const char *path);

/**
 * Finds a member in a .npz buffer and parses it as nnb_npy_parse_tensor does.
 * @param out receives the tensor (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param data the archive's bytes (borrowed, only read).
 * @param size bytes in data.
 * @param name the member's name, with or without ".npy".
 * @param vector the layout of a 1-D array.
 * @return the statuses of nnb_npy_parse_tensor, NNB_ERR_NULL (also name), NNB_ERR_ARGUMENT (no member of
 *         that name), NNB_ERR_FORMAT (a corrupt archive), NNB_ERR_UNSUPPORTED (deflate without zlib,
 *         another compression method, encryption).
 */
NNB_API nnb_status nnb_npz_parse_tensor(nnb_tensor **out, const void *data, size_t size, const char *name,
                                        nnb_npy_vector vector);

/**
 * As nnb_npz_parse_tensor, from a file (read whole).
 * @param out receives the tensor (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param path the archive.
 * @param name the member's name.
 * @param vector the layout of a 1-D array.
 * @return the statuses of nnb_npz_parse_tensor, and NNB_ERR_IO.
 */
NNB_API nnb_status nnb_npz_load_tensor(nnb_tensor **out, const char *path, const char *name, nnb_npy_vector vector);

/**
 * Finds a member in a .npz buffer and parses it as nnb_npy_parse_labels does.
 * @param out receives the labels (owned by the caller; nnb_npy_labels_free). Untouched on failure.
 * @param count receives the number of labels.
 * @param data the archive's bytes (borrowed, only read).
 * @param size bytes in data.
 * @param name the member's name, with or without ".npy".
 * @return the statuses of nnb_npy_parse_labels and of nnb_npz_parse_tensor's archive checks.
 */
NNB_API nnb_status nnb_npz_parse_labels(uint32_t **out, size_t *count, const void *data, size_t size, const char *name);

/**
 * As nnb_npz_parse_labels, from a file (read whole).
 * @param out receives the labels (owned by the caller; nnb_npy_labels_free). Untouched on failure.
 * @param count receives the number of labels.
 * @param path the archive.
 * @param name the member's name.
 * @return the statuses of nnb_npz_parse_labels, and NNB_ERR_IO.
 */
NNB_API nnb_status nnb_npz_load_labels(uint32_t **out, size_t *count, const char *path, const char *name);

/**
 * Writes tensors as a .npz file of stored members names[i] + ".npy" (what np.savez writes, without
 * compression), replacing the file. np.load(path)[names[i]] gives tensors[i] as a float32 array.
 * @param path the destination.
 * @param names count distinct non-empty names (borrowed), at most 255 bytes, without '/' or backslash.
 * @param tensors count tensors (borrowed).
 * @param count number of members (1 to 65535).
 * @return NNB_OK, NNB_ERR_NULL (path, names, tensors or an element), NNB_ERR_ARGUMENT (count 0 or above
 *         65535, a bad or repeated name), NNB_ERR_OVERFLOW (the archive would reach 4 GiB), NNB_ERR_IO (the
 *         partial file is removed).
 */
NNB_API nnb_status nnb_npz_save(const char *path, const char *const *names, const nnb_tensor *const *tensors,
                                size_t count);

/**
 * As nnb_npz_save, with each member's number of dimensions chosen: 2 writes a tensor as rows x cols, 1 as a
 * vector of rows * cols elements (shape (n,), as a PyTorch bias in a state_dict).
 * @param path the destination.
 * @param names count distinct non-empty names (borrowed), as nnb_npz_save.
 * @param tensors count tensors (borrowed).
 * @param ndims count values, each 1 or 2 (borrowed); NULL writes every member 2-D (nnb_npz_save).
 * @param count number of members (1 to 65535).
 * @return the statuses of nnb_npz_save, and NNB_ERR_ARGUMENT (an ndims value other than 1 or 2).
 */
NNB_API nnb_status nnb_npz_save_arrays(const char *path, const char *const *names, const nnb_tensor *const *tensors,
                                       const unsigned *ndims, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* NNB_NPY_H */
