/* SPDX-License-Identifier: MIT */
/**
 * @file csv.h
 * @brief Reading a labelled data set from CSV text (RFC 4180).
 *
 * The format: records end with CRLF or LF (a lone CR also ends a line); fields are separated by the
 * delimiter (',' by default); a field may be quoted with '"', and then holds delimiters, CR and LF, and
 * doubled quotes ("") standing for one quote. A quote inside an unquoted field, or text between a closing
 * quote and the next delimiter, is an error, as is a NUL byte anywhere. A UTF-8 byte-order mark at the start is
 * skipped; empty lines are skipped; the last record may or may not end with a newline. The first record is a header of
 * column names unless the options say otherwise. Every record must have as many fields as the first.
 *
 * Columns: one label column (chosen by header name or by index, default the last column), and the feature
 * columns (by default every other column; or an explicit list of names or indices, in the order given).
 * Other columns are ignored. Feature cells must be decimal numbers: optional spaces/tabs around, an
 * optional sign, digits with an optional '.' fraction, an optional exponent. Empty cells, "NA", "NaN",
 * "inf" and anything else are errors, as are values beyond float32's range; each is converted with
 * strtod (so the process locale's decimal point must be '.', as in the default "C" locale) and rounded to
 * float32.
 *
 * Labels, NNB_CSV_CLASSES: when every label cell is a non-negative decimal integer below 2^32 - 1, the
 * labels are those integers and there are no class names; otherwise each distinct label text becomes a
 * class index in order of first appearance (the first label seen is class 0, the next new one class 1,
 * ...) and the texts are kept as class names. Label cells are compared after trimming surrounding spaces
 * and tabs; an empty label is an error. NNB_CSV_REGRESSION: the label cell is a number like the
 * features, and goes into a rows x 1 target tensor. NNB_CSV_NO_LABEL: there is no label column.
 *
 * A bad cell or record stops the read with a status, and the optional nnb_csv_error tells the line (of the
 * record's start, 1-based, counting physical lines), the column (1-based field index) and a short reason.
 * With skip_bad_rows set, records with a bad feature or label cell are skipped and counted instead
 * (nnb_csv_data_skipped_rows); malformed CSV (quotes, field counts) is still an error. With skip_missing
 * set, only records whose bad cells are all missing values (empty, "NA", "N/A", "NaN" in any case) are
 * skipped; other text in a numeric column still stops the read.
 *
 * Input is read in fixed-size pieces and the outputs grow geometrically (by half), so a file is never held
 * in memory: the float32 output is about the size of the text or less. A field is at most
 * NNB_CSV_MAX_FIELD bytes, a record at most NNB_CSV_MAX_COLUMNS fields.
 *
 * All memory comes from the library allocator (alloc.h). On failure the out-parameter is untouched and
 * nothing leaks. Distinct data sets may be used from different threads; the accessors are read-only.
 */
#ifndef NNB_CSV_H
#define NNB_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest field in bytes. */
#define NNB_CSV_MAX_FIELD 65536
/** Most fields in a record. */
#define NNB_CSV_MAX_COLUMNS 65536

/** nnb_csv_options::label_index value meaning "the last column". */
#define NNB_CSV_LAST_COLUMN ((size_t)-1)

/** What the label column holds. */
typedef enum nnb_csv_label_kind {
    NNB_CSV_CLASSES = 0,    /**< class labels: integers or strings -> uint32 class indices */
    NNB_CSV_REGRESSION = 1, /**< numeric targets -> a rows x 1 float32 tensor */
    NNB_CSV_NO_LABEL = 2    /**< no label column: features only */
} nnb_csv_label_kind;

/**
 * Reading options.
 *
 * Always fill with nnb_csv_options_init first, then change fields: init sets struct_size to the size this
 * header declares, so a program built against this version keeps working when later versions append
 * fields (they read only the first struct_size bytes, defaulting the rest). All pointers are borrowed for
 * the duration of the call.
 */
typedef struct nnb_csv_options {
    size_t struct_size;               /**< sizeof(nnb_csv_options), set by nnb_csv_options_init */
    int has_header;                   /**< non-zero (default): the first record names the columns */
    char delimiter;                   /**< field separator; default ',' (not '"', CR or LF) */
    nnb_csv_label_kind label_kind;    /**< default NNB_CSV_CLASSES */
    const char *label_name;           /**< label column by header name (needs has_header); NULL (default): by index */
    size_t label_index;               /**< 0-based label column when label_name is NULL; default NNB_CSV_LAST_COLUMN */
    const char *const *feature_names; /**< feature columns by header name, or NULL (default) */
    const size_t *feature_indices;    /**< feature columns by 0-based index, or NULL (default) */
    size_t feature_count;             /**< entries in feature_names or feature_indices (one of them, not both) */
    int skip_bad_rows;                /**< non-zero: skip records with a bad cell instead of failing; default 0 */
    int skip_missing;                 /**< non-zero: skip records whose bad cells are missing values (empty, NA,
                                           N/A, NaN in any case; for class labels also empty, NA, N/A, NaN),
                                           failing on any other bad cell; default 0 */
} nnb_csv_options;

/** Where and why a read failed. line and column are 1-based (0 when not about a place). */
typedef struct nnb_csv_error {
    size_t line;        /**< physical line where the offending record starts */
    size_t column;      /**< 1-based field index in the record */
    const char *reason; /**< a static English phrase, e.g.\ "not a number"; never NULL after a failed call */
} nnb_csv_error;

/** A data set read from CSV. Opaque. */
typedef struct nnb_csv_data nnb_csv_data;

/**
 * Fills *options with the defaults described above.
 * @param options the options to fill; NULL is ignored.
 */
NNB_API void nnb_csv_options_init(nnb_csv_options *options);

/**
 * Parses CSV text from a buffer into a new data set. Any bytes give a data set or a status, never a crash.
 * Reentrant.
 * @param out receives the data set (owned by the caller; nnb_csv_data_destroy). Untouched on failure.
 * @param data the text (borrowed; need not be NUL-terminated).
 * @param size bytes of text.
 * @param options NULL for the defaults (borrowed).
 * @param error optional (NULL); on failure receives the place and reason, on success line = column = 0.
 * @return NNB_OK, NNB_ERR_NULL (out or data), NNB_ERR_ARGUMENT (options: struct_size too small, bad
 *         delimiter or kind, both feature lists, a name without a header, an unknown column name or index, the
 *         label column also a feature, a repeated feature, no feature left), NNB_ERR_FORMAT (malformed CSV,
 *         ragged record, a bad cell, a field or record too large, no data record), NNB_ERR_OVERFLOW (the output
 *         size overflows size_t), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_csv_parse(nnb_csv_data **out, const void *data, size_t size, const nnb_csv_options *options,
                                 nnb_csv_error *error);

/**
 * As nnb_csv_parse, reading the file at `path` piece by piece.
 * @param out receives the data set (owned by the caller; nnb_csv_data_destroy). Untouched on failure.
 * @param path the file's path.
 * @param options NULL for the defaults (borrowed).
 * @param error optional (NULL): the place and reason of a failure.
 * @return the statuses of nnb_csv_parse, and NNB_ERR_IO (cannot open or read).
 */
NNB_API nnb_status nnb_csv_read(nnb_csv_data **out, const char *path, const nnb_csv_options *options,
                                nnb_csv_error *error);

/**
 * Releases a data set and everything it owns.
 * @param data the data set, or NULL (ignored).
 */
NNB_API void nnb_csv_data_destroy(nnb_csv_data *data);

/**
 * Number of data records kept (rows of the features).
 * @param data the data set.
 * @return the rows; 0 for NULL.
 */
NNB_API size_t nnb_csv_data_rows(const nnb_csv_data *data);

/**
 * Number of records skipped for a bad cell (only with skip_bad_rows).
 * @param data the data set.
 * @return the count; 0 for NULL.
 */
NNB_API size_t nnb_csv_data_skipped_rows(const nnb_csv_data *data);

/**
 * The features, rows x feature count, float32.
 * @param data the data set.
 * @return borrowed until the data set is destroyed; NULL for NULL.
 */
NNB_API const nnb_tensor *nnb_csv_data_features(const nnb_csv_data *data);

/**
 * The name of a feature column, from the header.
 * @param data the data set.
 * @param index 0-based feature index.
 * @return borrowed, NUL-terminated, valid until the data set is destroyed; NULL without a header or when
 *         index is out of range.
 */
NNB_API const char *nnb_csv_data_feature_name(const nnb_csv_data *data, size_t index);

/**
 * The class labels (NNB_CSV_CLASSES only).
 * @param data the data set.
 * @return rows entries, borrowed like the features; NULL for other kinds.
 */
NNB_API const uint32_t *nnb_csv_data_labels(const nnb_csv_data *data);

/**
 * Number of classes.
 * @param data the data set.
 * @return for string labels the number of distinct texts, for integer labels the largest + 1; 0 for NULL
 *         or other kinds.
 */
NNB_API size_t nnb_csv_data_num_classes(const nnb_csv_data *data);

/**
 * The text of a class when the labels were strings.
 * @param data the data set.
 * @param index the class index.
 * @return borrowed, NUL-terminated, valid until the data set is destroyed; NULL when the labels were
 *         integers, for other kinds, or index out of range.
 */
NNB_API const char *nnb_csv_data_class_name(const nnb_csv_data *data, size_t index);

/**
 * The regression targets, rows x 1 (NNB_CSV_REGRESSION only).
 * @param data the data set.
 * @return borrowed like the features; NULL for other kinds.
 */
NNB_API const nnb_tensor *nnb_csv_data_targets(const nnb_csv_data *data);

#ifdef __cplusplus
}
#endif

#endif /* NNB_CSV_H */
