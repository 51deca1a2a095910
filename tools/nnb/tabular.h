/* SPDX-License-Identifier: MIT */
/*
 * nnb on any data: tables from CSV, .npy or .npz files (tabular.c) and the train / eval / predict commands
 * on them (tabular_cmd.c). The Fashion-MNIST commands hand over to these when --data names a file.
 */
#ifndef NNB_TOOL_TABULAR_H
#define NNB_TOOL_TABULAR_H

#include "nnb.h"

/* Most entries of --features and --class-names. */
#define NNB_TAB_MAX_LIST 4096

/* A data set in memory: raw features, and class labels or regression targets. */
typedef struct nnb_table {
    nnb_tensor *X;        /* rows x features, raw (owned) */
    uint32_t *labels;     /* classification: one per row (owned, malloc), else NULL */
    nnb_tensor *y;        /* regression: rows x 1 (owned), else NULL */
    size_t rows;          /* rows kept */
    size_t n_features;    /* feature columns (X width, kept when X is released early) */
    size_t skipped;       /* rows skipped for missing values (--skip-missing) */
    char **feature_names; /* one per feature column (owned), or NULL (no header, NumPy input) */
    char **class_names;   /* string labels in order of first appearance (owned), or NULL */
    size_t n_class_names; /* entries of class_names */
    int labels_are_names; /* the label column held text (class_names gives each label's text) */
} nnb_table;

/* What to read. */
typedef struct nnb_table_spec {
    const char *data;            /* FILE.csv, x.npy (with labels), file.npz (members x and y) */
    const char *labels;          /* y.npy for an x.npy, else NULL */
    const char *label;           /* the label column (header name, or 0-based index with no_header); NULL: none */
    const char *const *features; /* feature columns (names, or indices with no_header), or NULL: all others */
    size_t n_features;
    int no_header;    /* the CSV's first line is data */
    char delimiter;   /* CSV field separator */
    int regression;   /* labels are numeric targets */
    int skip_missing; /* skip rows with missing values (and count them) instead of failing */
    int from_model;   /* the feature names come from the model (for messages) */
} nnb_table_spec;

/* Whether a file name ends with the extension (".npy"). */
int nnb_tab_has_ext(const char *path, const char *ext);

/* Loads a table; prints a message naming the file, line / row and column on failure and returns 0. */
int nnb_table_load(const char *command, const nnb_table_spec *spec, nnb_table *out);

/* Releases a table's contents (the struct itself is the caller's). */
void nnb_table_free(nnb_table *t);

/*
 * Splits off the last `fraction` of the rows after a shuffle seeded with seed (0 = none: val stays empty):
 * train and val receive new tables (features, labels/targets; names are not copied). Returns 0 after
 * printing a message on failure.
 */
int nnb_table_split(const char *command, const nnb_table *t, double fraction, uint32_t seed, nnb_table *train,
                    nnb_table *val);

/* Splits a comma-separated list into at most max entries (pointers into a malloc'd copy *storage). */
int nnb_tab_split_list(const char *command, const char *option, const char *list, const char **items, size_t max,
                       size_t *count, char **storage);

/* Writes a CSV field, quoted when it holds the delimiter, a quote, CR or LF. */
void nnb_tab_csv_field(FILE *f, const char *text);

/* Whether --data on the command line names something else than fashion-mnist (a file). */
int nnb_tabular_requested(int argc, char **argv);

/*
 * Stores the book's Fashion-MNIST pixel scaling (p - 127.5) / 127.5 as a fixed affine preprocessing and the
 * ten class names in a 784-input model, so that the saved file also takes raw pixel rows
 * (nnb_model_predict_one, nnb predict --data pixels.csv). The Fashion-MNIST commands keep feeding scaled
 * images to nnb_model_train / evaluate / predict, which do not apply it.
 */
nnb_status nnb_fashion_store_meta(nnb_model *m);

/* Checks before training that a model can be saved to path (train.c); prints why not and returns 0. */
int nnb_check_save_path(const char *path);

/* The commands on tables (argv as for nnb_cmd_train etc.). */
int nnb_cmd_train_tabular(int argc, char **argv);
int nnb_cmd_eval_tabular(int argc, char **argv);
int nnb_cmd_predict_tabular(int argc, char **argv);

#endif
