/* SPDX-License-Identifier: MIT */
/**
 * @file tensor.h
 * @brief 2-D float32 storage: the data type every other module reads and writes.
 *
 * A tensor is a row-major, contiguous matrix of float32 with `rows` x `cols` elements: element (r, c)
 * lives at data[r * cols + c]. Shapes list the outermost dimension first (rows = samples of a batch,
 * cols = features), as in C and NumPy; a batch of one is simply rows == 1. The rank is fixed at
 * NNB_TENSOR_MAX_RANK (2); a vector is a 1 x n tensor.
 *
 * Ownership: a tensor either owns its data (nnb_tensor_create*, _clone) or is a view of a caller's
 * buffer (nnb_tensor_wrap*), which the caller keeps alive and frees. Both kinds are released with
 * nnb_tensor_destroy. Owned data is 64-byte aligned.
 *
 * Capacity: an owned tensor remembers the largest size it has held, so nnb_tensor_resize to a size within
 * that capacity never allocates. Layers and models use this to run every batch without allocating.
 *
 * Thread safety: distinct tensors may be used from different threads; reading one tensor from several
 * threads is safe; writing needs the caller's locking. All element counts are size_t and every product
 * rows * cols is checked (NNB_ERR_OVERFLOW).
 */
#ifndef NNB_TENSOR_H
#define NNB_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The number of dimensions of every tensor (rows and columns). */
#define NNB_TENSOR_MAX_RANK 2

/** A rows x cols float32 matrix, row-major and contiguous. Opaque. */
typedef struct nnb_tensor nnb_tensor;

/**
 * Creates an owned rows x cols tensor filled with zeros.
 * @param out receives the new tensor (owned by the caller; release with nnb_tensor_destroy). Untouched on
 *            failure.
 * @param rows number of rows (> 0).
 * @param cols number of columns (> 0).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (rows or cols is 0), NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_tensor_create(nnb_tensor **out, size_t rows, size_t cols);

/**
 * Creates an owned rows x cols tensor holding a copy of `values`.
 * @param out receives the new tensor (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param rows number of rows (> 0).
 * @param cols number of columns (> 0).
 * @param values rows * cols floats, row-major (borrowed, only read).
 * @return the statuses of nnb_tensor_create; NNB_ERR_NULL also if values is NULL.
 */
NNB_API nnb_status nnb_tensor_create_from(nnb_tensor **out, size_t rows, size_t cols, const float *values);

/**
 * Creates a view of the caller's buffer `data`; no copy is made.
 *
 * Writes through the tensor change `data`. The caller keeps `data` alive until the view is destroyed,
 * and frees it afterwards; nnb_tensor_destroy releases only the view itself.
 * A view cannot grow beyond rows * cols (nnb_tensor_resize returns NNB_ERR_SHAPE).
 * @param out receives the view (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param rows number of rows (> 0).
 * @param cols number of columns (> 0).
 * @param data rows * cols floats, row-major (borrowed for the view's lifetime).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT, NNB_ERR_OVERFLOW, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_tensor_wrap(nnb_tensor **out, size_t rows, size_t cols, float *data);

/**
 * Points an existing view at another caller buffer with a new shape, without allocating.
 * @param view a tensor made by nnb_tensor_wrap (NNB_ERR_STATE otherwise).
 * @param rows new number of rows (> 0).
 * @param cols new number of columns (> 0).
 * @param data rows * cols floats (borrowed for the view's lifetime, or until the next rewrap).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT, NNB_ERR_OVERFLOW, NNB_ERR_STATE.
 */
NNB_API nnb_status nnb_tensor_rewrap(nnb_tensor *view, size_t rows, size_t cols, float *data);

/**
 * Creates an owned deep copy of `src` (shape and values).
 * @param out receives the copy (owned by the caller; nnb_tensor_destroy). Untouched on failure.
 * @param src the tensor to copy (only read).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_tensor_clone(nnb_tensor **out, const nnb_tensor *src);

/**
 * Releases a tensor (and its data if owned; a view's buffer stays the caller's).
 * @param t the tensor, or NULL (ignored).
 */
NNB_API void nnb_tensor_destroy(nnb_tensor *t);

/**
 * Number of rows.
 * @param t the tensor.
 * @return its rows; 0 for a NULL tensor.
 */
NNB_API size_t nnb_tensor_rows(const nnb_tensor *t);

/**
 * Number of columns.
 * @param t the tensor.
 * @return its columns; 0 for a NULL tensor.
 */
NNB_API size_t nnb_tensor_cols(const nnb_tensor *t);

/**
 * Number of elements, rows * cols (never overflows: checked at creation).
 * @param t the tensor.
 * @return rows * cols; 0 for a NULL tensor.
 */
NNB_API size_t nnb_tensor_size(const nnb_tensor *t);

/**
 * The element buffer (rows * cols floats, row-major), for reading and writing.
 * @param t the tensor.
 * @return a borrowed pointer, valid until the tensor is destroyed or resized beyond its capacity; NULL for
 *         a NULL tensor.
 */
NNB_API float *nnb_tensor_data(nnb_tensor *t);

/**
 * The element buffer of a const tensor, read-only; lifetime as nnb_tensor_data.
 * @param t the tensor.
 * @return a borrowed pointer; NULL for a NULL tensor.
 */
NNB_API const float *nnb_tensor_cdata(const nnb_tensor *t);

/**
 * Reads element (row, col).
 * @param t the tensor.
 * @param row 0-based row index.
 * @param col 0-based column index.
 * @param value receives the element; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE (index outside the shape).
 */
NNB_API nnb_status nnb_tensor_get(const nnb_tensor *t, size_t row, size_t col, float *value);

/**
 * Writes element (row, col).
 * @param t the tensor.
 * @param row 0-based row index.
 * @param col 0-based column index.
 * @param value the new value.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE.
 */
NNB_API nnb_status nnb_tensor_set(nnb_tensor *t, size_t row, size_t col, float value);

/**
 * Sets every element to `value`.
 * @param t the tensor.
 * @param value the value.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_tensor_fill(nnb_tensor *t, float value);

/**
 * Sets every element to 0.
 * @param t the tensor.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_tensor_zero(nnb_tensor *t);

/**
 * Copies the values of `src` into `dst`, which must have the same shape.
 * @param dst the destination.
 * @param src the source (only read).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_tensor_copy(nnb_tensor *dst, const nnb_tensor *src);

/**
 * Copies `count` floats from `values` into the tensor, keeping its shape.
 * @param t the tensor; its size (rows * cols) must equal count.
 * @param values count floats, row-major (borrowed, only read).
 * @param count number of values.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (count differs from the size).
 */
NNB_API nnb_status nnb_tensor_load(nnb_tensor *t, const float *values, size_t count);

/**
 * Changes the shape to rows x cols.
 *
 * Within the tensor's capacity nothing is allocated and the data pointer stays the same; an owned tensor
 * grows (reallocating; contents become unspecified) when needed. Views cannot grow past the buffer they
 * wrap (NNB_ERR_SHAPE). Contents after a resize are unspecified. On failure the tensor keeps its old shape
 * and data.
 * @param t the tensor.
 * @param rows new number of rows (> 0).
 * @param cols new number of columns (> 0).
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (zero size), NNB_ERR_OVERFLOW, NNB_ERR_NOMEM, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_tensor_resize(nnb_tensor *t, size_t rows, size_t cols);

/**
 * Adds `row` to every row of t: t[r][c] += row[c], in float32 (numpy's broadcast of a 1 x cols bias).
 * @param t the tensor; untouched on failure.
 * @param row count values (borrowed); must not lie in t's own data, where the result would depend on the
 *            order of the additions.
 * @param count number of values; must equal t's columns.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (count differs from cols), NNB_ERR_ARGUMENT (row lies in t).
 */
NNB_API nnb_status nnb_tensor_add_row(nnb_tensor *t, const float *row, size_t count);

/**
 * Index of the largest value in each row, ties resolved to the lowest index (as numpy's argmax).
 *
 * NaN elements are never chosen unless the whole row is NaN (then 0).
 * @param t the tensor.
 * @param out caller buffer of `count` entries, receives one index per row.
 * @param count entries in out; must equal the number of rows.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE.
 */
NNB_API nnb_status nnb_tensor_argmax_rows(const nnb_tensor *t, uint32_t *out, size_t count);

/**
 * Checks that every element is finite.
 * @param t the tensor.
 * @param first_bad optional (NULL): receives the flat index of the first NaN or infinite element.
 * @return NNB_OK if every element is finite, NNB_ERR_NONFINITE if any is NaN or infinite, NNB_ERR_NULL if t
 *         is NULL.
 */
NNB_API nnb_status nnb_tensor_check_finite(const nnb_tensor *t, size_t *first_bad);

/**
 * Writes a tensor to a stream, formatted the way NumPy prints a float32 array.
 *
 * Shortest round-trip digits, a common width, scientific notation when the magnitudes call for it,
 * e.g.\ `[[ 0.0000000e+00 -1.0475188e-04]\n [...]]`. Ends with a newline.
 * @param stream the output stream (borrowed; not closed).
 * @param t the tensor.
 * @param max_rows print the first max_rows rows (all rows when 0 or larger than rows).
 * @param as_vector non-zero: a 1 x n tensor prints as a 1-D array `[4.8   1.21  2.385]`.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_IO (a write failed).
 */
NNB_API nnb_status nnb_tensor_print(FILE *stream, const nnb_tensor *t, size_t max_rows, int as_vector);

/**
 * Writes the shortest decimal text that reads back as the same float32 (what Python prints for a
 * np.float32, e.g.\ "1.0986104").
 * @param buf caller buffer, receives the NUL-terminated text.
 * @param size bytes in buf; at least 32 (enough for any float).
 * @param value the number.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (size smaller than 32 bytes).
 */
NNB_API nnb_status nnb_format_float(char *buf, size_t size, float value);

/**
 * Formats `count` floats (a 1-D array) like NumPy into `stream`, followed by a newline.
 * @param stream the output stream (borrowed).
 * @param values count floats (may be NULL when count is 0).
 * @param count number of values.
 * @return NNB_OK, NNB_ERR_NULL (stream NULL, or values NULL with count > 0), NNB_ERR_IO.
 */
NNB_API nnb_status nnb_print_floats(FILE *stream, const float *values, size_t count);

/**
 * Writes the text Python prints for a float (its repr), e.g. "4.8", "0.35667494393873245", "1e-05".
 *
 * The shortest decimal digits (1 to 17) that read back as exactly `value`; positional for
 * 1e-4 <= |value| < 1e16 with at least one fraction digit ("2.0"), scientific otherwise with at least two
 * exponent digits ("1e-05", "1.5e+16"); "nan", "inf", "-inf", "-0.0" as Python writes them. A numpy float64
 * scalar prints the same text.
 *
 * @param buf   receives the NUL-terminated text (owned by the caller).
 * @param size  capacity of buf in bytes; at least 32 (enough for any double).
 * @param value the value.
 * @return NNB_OK, NNB_ERR_NULL (buf NULL) or NNB_ERR_ARGUMENT (size < 32); buf is untouched on failure.
 */
NNB_API nnb_status nnb_format_double(char *buf, size_t size, double value);

/**
 * Writes `count` doubles as numpy prints a 1-D float64 array, then a newline, e.g. "[0.35667494 0.69314718
 * 0.10536052]".
 *
 * numpy's defaults (precision 8, floatmode "maxprec", line width 75): the same layout as nnb_print_floats,
 * with digits that read back as float64.
 *
 * @param stream where to write (owned by the caller).
 * @param values the values (read only, owned by the caller); may be NULL when count is 0 ("[]").
 * @param count  number of values.
 * @return NNB_OK, NNB_ERR_NULL (stream NULL, or values NULL with count > 0) or NNB_ERR_IO (a write failed).
 */
NNB_API nnb_status nnb_print_doubles(FILE *stream, const double *values, size_t count);

/**
 * Writes a rows x cols matrix of doubles as numpy prints a 2-D float64 array, then a newline, e.g.
 * "[[ 0.5031   -1.04185  -2.03875 ]\n [...]]".
 *
 * The layout of nnb_tensor_print with digits that read back as float64 (numpy's defaults: precision 8,
 * floatmode "maxprec", line width 75).
 *
 * @param stream where to write (owned by the caller).
 * @param values rows * cols values, row-major (read only, owned by the caller).
 * @param rows   number of rows; at least 1.
 * @param cols   number of columns; at least 1.
 * @return NNB_OK, NNB_ERR_NULL (stream or values NULL), NNB_ERR_ARGUMENT (rows or cols 0) or NNB_ERR_IO.
 */
NNB_API nnb_status nnb_print_doubles_2d(FILE *stream, const double *values, size_t rows, size_t cols);

#ifdef __cplusplus
}
#endif

#endif /* NNB_TENSOR_H */
