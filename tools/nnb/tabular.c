/* SPDX-License-Identifier: MIT */
/*
 * Tables for nnb: CSV files (a label column by name or index, feature columns by name or index or all the
 * others), .npy pairs (x.npy with --labels y.npy) and .npz archives (members x and y), with missing values
 * reported by line and column or skipped and counted; and a seeded train / validation split.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include "tabular.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nnb_tab_has_ext(const char *path, const char *ext)
{
    const size_t n = strlen(path), e = strlen(ext);
    if (n < e) {
        return 0;
    }
    for (size_t i = 0; i < e; ++i) {
        char c = path[n - e + i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != ext[i]) {
            return 0;
        }
    }
    return 1;
}

int nnb_tabular_requested(int argc, char **argv)
{
    for (int i = 2; i < argc; ++i) {
        const char *v = NULL;
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            v = argv[i + 1];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            v = argv[i] + 7;
        }
        if (v != NULL) {
            /* A file: a name with a '.' or '/' in it, or one that exists; other words are data set names. */
            return strcmp(v, "fashion-mnist") != 0 && (strpbrk(v, "./") != NULL || access(v, F_OK) == 0);
        }
    }
    return 0;
}

void nnb_table_free(nnb_table *t)
{
    if (t->feature_names != NULL) {
        for (size_t i = 0; i < t->n_features; ++i) {
            free(t->feature_names[i]);
        }
    }
    free(t->feature_names);
    nnb_tensor_destroy(t->X);
    nnb_tensor_destroy(t->y);
    free(t->labels);
    for (size_t i = 0; i < t->n_class_names; ++i) {
        free(t->class_names[i]);
    }
    free(t->class_names);
    memset(t, 0, sizeof *t);
}

int nnb_tab_split_list(const char *command, const char *option, const char *list, const char **items, size_t max,
                       size_t *count, char **storage)
{
    char *copy = strdup(list);
    if (copy == NULL) {
        nnb_error(command, "%s: out of memory", option);
        return 0;
    }
    size_t n = 0;
    char *p = copy;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma != NULL) {
            *comma = '\0';
        }
        if (*p == '\0') {
            nnb_error(command, "%s: '%s' has an empty entry", option, list);
            free(copy);
            return 0;
        }
        if (n == max) {
            nnb_error(command, "%s: at most %zu entries", option, max);
            free(copy);
            return 0;
        }
        items[n++] = p;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    *count = n;
    *storage = copy;
    return 1;
}

void nnb_tab_csv_field(FILE *f, const char *text)
{
    if (strpbrk(text, ",\"\r\n") == NULL) {
        fputs(text, f);
        return;
    }
    fputc('"', f);
    for (const char *p = text; *p != '\0'; ++p) {
        if (*p == '"') {
            fputc('"', f);
        }
        fputc(*p, f);
    }
    fputc('"', f);
}

/* Parses a whole non-negative decimal number. */
static int parse_index(const char *s, size_t *out)
{
    if (*s == '\0') {
        return 0;
    }
    size_t v = 0;
    for (; *s != '\0'; ++s) {
        if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10) {
            return 0;
        }
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 1;
}

/*
 * The header name of 1-based column `column` of a CSV file, for messages (best effort: the first line split
 * at the delimiter, surrounding quotes removed). Writes "" when unknown.
 */
static void header_name(const char *path, char delimiter, size_t column, char *out, size_t size)
{
    out[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL || column == 0) {
        if (f != NULL) {
            fclose(f);
        }
        return;
    }
    char line[8192];
    if (fgets(line, sizeof line, f) == NULL) {
        fclose(f);
        return;
    }
    fclose(f);
    char *p = line;
    if ((unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) {
        p += 3; /* UTF-8 byte-order mark */
    }
    for (size_t c = 1; c < column && p != NULL; ++c) {
        p = strchr(p, delimiter);
        if (p != NULL) {
            ++p;
        }
    }
    if (p == NULL) {
        return;
    }
    size_t len = strcspn(p, (char[]){delimiter, '\r', '\n', '\0'});
    if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
        ++p;
        len -= 2;
    }
    if (len >= size) {
        len = size - 1;
    }
    memcpy(out, p, len);
    out[len] = '\0';
}

/* Whether the CSV's header line has a column named `name` (best effort, as header_name). */
static int header_has(const char *path, char delimiter, const char *name)
{
    char got[1024];
    for (size_t c = 1; c <= NNB_CSV_MAX_COLUMNS; ++c) {
        header_name(path, delimiter, c, got, sizeof got);
        if (got[0] == '\0') {
            return 0;
        }
        if (strcmp(got, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static void csv_failure(const char *command, const nnb_table_spec *spec, nnb_status st, const nnb_csv_error *e)
{
    if (e->reason != NULL && strcmp(e->reason, "no such feature column") == 0 && spec->features != NULL &&
        !spec->no_header) {
        for (size_t i = 0; i < spec->n_features; ++i) {
            if (!header_has(spec->data, spec->delimiter, spec->features[i])) {
                nnb_error(command, "%s: no column is named '%s' (a feature column%s)", spec->data, spec->features[i],
                          spec->from_model ? " of the model" : " given with --features");
                return;
            }
        }
    }
    if (st == NNB_ERR_IO) {
        nnb_error(command, "cannot read %s: %s", spec->data, e->reason != NULL ? e->reason : nnb_status_string(st));
        return;
    }
    const char *reason = e->reason != NULL ? e->reason : nnb_status_string(st);
    if (e->line == 0) {
        nnb_error(command, "%s: %s (%s)", spec->data, reason, nnb_last_error());
        return;
    }
    char name[256] = "";
    if (!spec->no_header && e->column > 0) {
        header_name(spec->data, spec->delimiter, e->column, name, sizeof name);
    }
    char col[300];
    if (e->column == 0) {
        snprintf(col, sizeof col, "%s", "");
    } else if (name[0] != '\0') {
        snprintf(col, sizeof col, ", column %zu ('%s')", e->column, name);
    } else {
        snprintf(col, sizeof col, ", column %zu", e->column);
    }
    const int missing = strcmp(reason, "empty cell") == 0 || strcmp(reason, "empty label") == 0;
    const int text = strcmp(reason, "not a number") == 0;
    nnb_error(command, "%s line %zu%s: %s%s", spec->data, e->line, col, reason,
              missing && !spec->skip_missing ? " (a missing value: --skip-missing skips such rows and counts them)"
              : text ? " (empty, NA and NaN cells are missing values, which --skip-missing skips; other text is "
                       "not: a string-valued feature column is not supported, leave it out with --features)"
                     : "");
}

static char **copy_names(size_t n, const char *(*get)(const nnb_csv_data *, size_t), const nnb_csv_data *d)
{
    char **names = calloc(n, sizeof *names);
    if (names == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; ++i) {
        const char *s = get(d, i);
        names[i] = strdup(s != NULL ? s : "");
        if (names[i] == NULL) {
            for (size_t k = 0; k < i; ++k) {
                free(names[k]);
            }
            free(names);
            return NULL;
        }
    }
    return names;
}

static int load_csv(const char *command, const nnb_table_spec *spec, nnb_table *t)
{
    nnb_csv_options o;
    nnb_csv_options_init(&o);
    o.has_header = !spec->no_header;
    o.delimiter = spec->delimiter;
    o.skip_missing = spec->skip_missing;
    o.label_kind = spec->label == NULL ? NNB_CSV_NO_LABEL : spec->regression ? NNB_CSV_REGRESSION : NNB_CSV_CLASSES;
    size_t indices[NNB_TAB_MAX_LIST];
    if (spec->label != NULL) {
        if (spec->no_header) {
            if (!parse_index(spec->label, &o.label_index)) {
                nnb_error(command, "--label: '%s' is not a 0-based column number (the file has no header)",
                          spec->label);
                return 0;
            }
        } else {
            o.label_name = spec->label;
        }
    }
    if (spec->features != NULL) {
        if (spec->no_header) {
            for (size_t i = 0; i < spec->n_features; ++i) {
                if (!parse_index(spec->features[i], &indices[i])) {
                    nnb_error(command, "--features: '%s' is not a 0-based column number (the file has no header)",
                              spec->features[i]);
                    return 0;
                }
            }
            o.feature_indices = indices;
        } else {
            o.feature_names = spec->features;
        }
        o.feature_count = spec->n_features;
    }
    nnb_csv_data *d = NULL;
    nnb_csv_error e;
    memset(&e, 0, sizeof e);
    nnb_status st = nnb_csv_read(&d, spec->data, &o, &e);
    if (st != NNB_OK) {
        if (e.reason != NULL && strcmp(e.reason, "no column has the label name") == 0) {
            nnb_error(command, "%s: no column is named '%s' (--label names a header column)", spec->data, spec->label);
        } else {
            csv_failure(command, spec, st, &e);
        }
        return 0;
    }
    const nnb_tensor *X = nnb_csv_data_features(d);
    t->rows = nnb_csv_data_rows(d);
    t->skipped = nnb_csv_data_skipped_rows(d);
    st = nnb_tensor_create_from(&t->X, nnb_tensor_rows(X), nnb_tensor_cols(X), nnb_tensor_cdata(X));
    int ok = st == NNB_OK;
    if (ok && o.label_kind == NNB_CSV_REGRESSION) {
        const nnb_tensor *y = nnb_csv_data_targets(d);
        ok = nnb_tensor_create_from(&t->y, t->rows, 1, nnb_tensor_cdata(y)) == NNB_OK;
    } else if (ok && o.label_kind == NNB_CSV_CLASSES) {
        t->labels = malloc(t->rows * sizeof *t->labels + 1);
        ok = t->labels != NULL;
        if (ok) {
            memcpy(t->labels, nnb_csv_data_labels(d), t->rows * sizeof *t->labels);
        }
        if (ok && nnb_csv_data_class_name(d, 0) != NULL) {
            t->n_class_names = nnb_csv_data_num_classes(d);
            t->class_names = copy_names(t->n_class_names, nnb_csv_data_class_name, d);
            t->labels_are_names = 1;
            ok = t->class_names != NULL;
            if (!ok) {
                t->n_class_names = 0;
            }
        }
    }
    if (ok && !spec->no_header) {
        t->feature_names = copy_names(nnb_tensor_cols(X), nnb_csv_data_feature_name, d);
        ok = t->feature_names != NULL;
        t->n_features = ok ? nnb_tensor_cols(X) : 0;
    }
    nnb_csv_data_destroy(d);
    if (!ok) {
        nnb_error(command, "%s: out of memory", spec->data);
        nnb_table_free(t);
        return 0;
    }
    return 1;
}

/* Drops the rows of a NumPy table that hold NaN or infinity (--skip-missing), or names the first one. */
static int numpy_missing(const char *command, const nnb_table_spec *spec, nnb_table *t)
{
    const size_t rows = nnb_tensor_rows(t->X), cols = nnb_tensor_cols(t->X);
    float *x = nnb_tensor_data(t->X);
    float *y = t->y != NULL ? nnb_tensor_data(t->y) : NULL;
    size_t kept = 0;
    for (size_t i = 0; i < rows; ++i) {
        size_t bad = cols;
        for (size_t j = 0; j < cols && bad == cols; ++j) {
            if (!isfinite(x[i * cols + j])) {
                bad = j;
            }
        }
        const int bad_y = y != NULL && !isfinite(y[i]);
        if (bad < cols || bad_y) {
            if (!spec->skip_missing) {
                if (bad < cols) {
                    nnb_error(command, "%s row %zu, column %zu: %s is a missing value (--skip-missing skips such rows)",
                              spec->data, i, bad, isnan(x[i * cols + bad]) ? "NaN" : "an infinity");
                } else {
                    nnb_error(command, "%s row %zu: the target is not finite (--skip-missing skips such rows)",
                              spec->labels != NULL ? spec->labels : spec->data, i);
                }
                return 0;
            }
            continue;
        }
        memmove(x + kept * cols, x + i * cols, cols * sizeof(float));
        if (y != NULL) {
            y[kept] = y[i];
        }
        if (t->labels != NULL) {
            t->labels[kept] = t->labels[i];
        }
        ++kept;
    }
    if (kept == rows) {
        return 1;
    }
    if (kept == 0) {
        nnb_error(command, "%s: every row holds a missing value", spec->data);
        return 0;
    }
    t->skipped = rows - kept;
    t->rows = kept;
    nnb_tensor *small = NULL, *smally = NULL;
    if (nnb_tensor_create_from(&small, kept, cols, x) != NNB_OK ||
        (y != NULL && nnb_tensor_create_from(&smally, kept, 1, y) != NNB_OK)) {
        nnb_tensor_destroy(small);
        nnb_error(command, "%s: out of memory", spec->data);
        return 0;
    }
    nnb_tensor_destroy(t->X);
    t->X = small;
    if (y != NULL) {
        nnb_tensor_destroy(t->y);
        t->y = smally;
    }
    return 1;
}

static int load_numpy(const char *command, const nnb_table_spec *spec, nnb_table *t)
{
    const int npz = nnb_tab_has_ext(spec->data, ".npz");
    if (!npz && spec->labels == NULL && spec->label != NULL) {
        nnb_error(command, "%s is a .npy file: give its labels with --labels y.npy", spec->data);
        return 0;
    }
    nnb_status st = npz ? nnb_npz_load_tensor(&t->X, spec->data, "x", NNB_NPY_COLUMN)
                        : nnb_npy_load_tensor(&t->X, spec->data, NNB_NPY_COLUMN);
    if (st != NNB_OK) {
        nnb_error(command, "cannot read %s%s: %s (%s)", npz ? "member 'x' of " : "", spec->data, nnb_status_string(st),
                  nnb_last_error());
        return 0;
    }
    const int want_labels = spec->label != NULL || spec->labels != NULL;
    if (want_labels) {
        const char *path = npz ? spec->data : spec->labels;
        size_t count = 0;
        if (spec->regression) {
            st = npz ? nnb_npz_load_tensor(&t->y, path, "y", NNB_NPY_COLUMN)
                     : nnb_npy_load_tensor(&t->y, path, NNB_NPY_COLUMN);
            count = st == NNB_OK ? nnb_tensor_rows(t->y) : 0;
            if (st == NNB_OK && nnb_tensor_cols(t->y) != 1) {
                nnb_error(command, "%s: the targets must be one value per row (got %zu columns)", path,
                          nnb_tensor_cols(t->y));
                nnb_table_free(t);
                return 0;
            }
        } else {
            uint32_t *lab = NULL;
            st = npz ? nnb_npz_load_labels(&lab, &count, path, "y") : nnb_npy_load_labels(&lab, &count, path);
            if (st == NNB_OK) {
                t->labels = malloc(count * sizeof *t->labels + 1);
                if (t->labels != NULL) {
                    memcpy(t->labels, lab, count * sizeof *lab);
                } else {
                    st = NNB_ERR_NOMEM;
                }
                nnb_npy_labels_free(lab);
            }
        }
        if (st != NNB_OK) {
            nnb_error(command, "cannot read the %s %s%s: %s (%s)", spec->regression ? "targets" : "labels",
                      npz ? "member 'y' of " : "", path, nnb_status_string(st), nnb_last_error());
            nnb_table_free(t);
            return 0;
        }
        if (count != nnb_tensor_rows(t->X)) {
            nnb_error(command, "%s has %zu rows but %zu %s", spec->data, nnb_tensor_rows(t->X), count,
                      spec->regression ? "targets" : "labels");
            nnb_table_free(t);
            return 0;
        }
    }
    t->rows = nnb_tensor_rows(t->X);
    if (!numpy_missing(command, spec, t)) {
        nnb_table_free(t);
        return 0;
    }
    return 1;
}

int nnb_table_load(const char *command, const nnb_table_spec *spec, nnb_table *out)
{
    nnb_table t;
    memset(&t, 0, sizeof t);
    const int numpy = nnb_tab_has_ext(spec->data, ".npy") || nnb_tab_has_ext(spec->data, ".npz");
    if (!numpy && spec->labels != NULL) {
        nnb_error(command, "--labels goes with a .npy --data file; for a CSV file name the column with --label");
        return 0;
    }
    if (numpy && spec->features != NULL) {
        nnb_error(command, "--features selects CSV columns; a NumPy array's columns are all features");
        return 0;
    }
    if (!(numpy ? load_numpy(command, spec, &t) : load_csv(command, spec, &t))) {
        return 0;
    }
    if (t.rows == 0) {
        nnb_error(command, "%s has no data rows", spec->data);
        nnb_table_free(&t);
        return 0;
    }
    *out = t;
    return 1;
}

int nnb_table_split(const char *command, const nnb_table *t, double fraction, uint32_t seed, nnb_table *train,
                    nnb_table *val)
{
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    const size_t n = t->rows, cols = nnb_tensor_cols(t->X);
    size_t n_val = (size_t)floor(fraction * (double)n + 0.5);
    if (fraction > 0.0 && n_val == 0) {
        n_val = 1;
    }
    if (n_val >= n) {
        nnb_error(command, "--val-split %g leaves no training rows out of %zu", fraction, n);
        return 0;
    }
    size_t *perm = malloc(n * sizeof *perm);
    nnb_rng *rng = NULL;
    if (perm == NULL || nnb_rng_create(&rng, seed) != NNB_OK) {
        free(perm);
        nnb_error(command, "out of memory");
        return 0;
    }
    for (size_t i = 0; i < n; ++i) {
        perm[i] = i;
    }
    if (n_val > 0) {
        /* Fisher-Yates with the library's generator: the same split for the same seed everywhere. */
        for (size_t i = n - 1; i > 0; --i) {
            uint32_t j = 0;
            (void)nnb_rng_below(rng, (uint32_t)(i + 1), &j);
            const size_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
    }
    nnb_rng_destroy(rng);
    int ok = 1;
    for (int part = 0; part < 2 && ok; ++part) {
        nnb_table *dst = part == 0 ? train : val;
        const size_t first = part == 0 ? 0 : n - n_val;
        const size_t count = part == 0 ? n - n_val : n_val;
        if (count == 0) {
            continue;
        }
        dst->rows = count;
        ok = nnb_tensor_create(&dst->X, count, cols) == NNB_OK;
        if (ok && t->y != NULL) {
            ok = nnb_tensor_create(&dst->y, count, 1) == NNB_OK;
        }
        if (ok && t->labels != NULL) {
            dst->labels = malloc(count * sizeof *dst->labels);
            ok = dst->labels != NULL;
        }
        for (size_t r = 0; ok && r < count; ++r) {
            const size_t src = perm[first + r];
            memcpy(nnb_tensor_data(dst->X) + r * cols, nnb_tensor_cdata(t->X) + src * cols, cols * sizeof(float));
            if (t->y != NULL) {
                nnb_tensor_data(dst->y)[r] = nnb_tensor_cdata(t->y)[src];
            }
            if (t->labels != NULL) {
                dst->labels[r] = t->labels[src];
            }
        }
    }
    free(perm);
    if (!ok) {
        nnb_table_free(train);
        nnb_table_free(val);
        nnb_error(command, "out of memory");
        return 0;
    }
    return 1;
}

nnb_status nnb_fashion_store_meta(nnb_model *m)
{
    enum { PIXELS = NNB_FASHION_MNIST_SIDE * NNB_FASHION_MNIST_SIDE };
    float center[PIXELS], scale[PIXELS];
    for (size_t i = 0; i < PIXELS; ++i) {
        center[i] = 127.5f;
        scale[i] = 127.5f;
    }
    const char *names[NNB_FASHION_MNIST_CLASSES];
    for (size_t c = 0; c < NNB_FASHION_MNIST_CLASSES; ++c) {
        names[c] = nnb_fashion_mnist_class_name(c);
    }
    nnb_status st = nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, PIXELS, center, scale);
    if (st == NNB_OK) {
        st = nnb_model_set_class_names(m, names, NNB_FASHION_MNIST_CLASSES);
    }
    return st;
}
