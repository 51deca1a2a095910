/* SPDX-License-Identifier: MIT */
/*
 * CSV reader: a byte-at-a-time RFC 4180 tokenizer fed from a buffer or from fixed-size file reads, which
 * hands each complete record to the row builder; the outputs grow geometrically, owned by the library
 * allocator, and become the data set's tensors without a final copy.
 */
#include "base/error_internal.h"
#include "nnbasics/csv.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "tensor/tensor_internal.h"

#define READ_CHUNK 65536
#define ROLE_IGNORED (-1)
#define ROLE_LABEL (-2)

/* A growable block of bytes from the library allocator. */
typedef struct byte_vec {
    char *data;
    size_t len, cap;
} byte_vec;

/* Makes room for `extra` more bytes (capacity grows by half, at least 64). */
static nnb_status bytes_reserve(byte_vec *b, size_t extra)
{
    if (extra <= b->cap - b->len) {
        return NNB_OK;
    }
    if (extra > SIZE_MAX - b->len) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    size_t need = b->len + extra;
    size_t cap = b->cap < 64 ? 64 : b->cap;
    while (cap < need) {
        cap = cap > SIZE_MAX / 3 * 2 ? need : cap + cap / 2;
    }
    char *bigger = nnb__malloc(cap);
    if (bigger == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    if (b->len > 0) {
        memcpy(bigger, b->data, b->len);
    }
    nnb__free(b->data);
    b->data = bigger;
    b->cap = cap;
    return NNB_OK;
}

static nnb_status bytes_append(byte_vec *b, const void *src, size_t n)
{
    nnb_status st = bytes_reserve(b, n);
    if (st != NNB_OK) {
        return st;
    }
    if (n > 0) {
        memcpy(b->data + b->len, src, n);
    }
    b->len += n;
    return NNB_OK;
}

/* Distinct label texts, in order of first appearance, with an open-addressing hash index. */
typedef struct class_table {
    byte_vec names;    /* NUL-terminated texts one after the other */
    byte_vec offsets;  /* size_t offset of each text in names */
    byte_vec values;   /* uint32 integer value of each text (meaningful while all_int) */
    size_t *slots;     /* class index + 1, or 0 for empty */
    size_t slot_count; /* a power of two, at least twice the classes */
    size_t count;
    int all_int;
} class_table;

struct nnb_csv_data {
    nnb_tensor *features;
    nnb_tensor *targets;
    uint32_t *labels;
    size_t rows, skipped, classes;
    nnb_csv_label_kind kind;
    byte_vec feature_names; /* NUL-terminated names, or empty without a header */
    size_t *feature_name_offsets;
    size_t feature_count;
    class_table table; /* string labels: the class names (freed for integer labels) */
    int string_labels;
};

typedef enum tok_state { AT_FIELD_START, IN_UNQUOTED, IN_QUOTED, QUOTE_IN_QUOTED } tok_state;

typedef struct reader {
    nnb_csv_options opt;
    nnb_csv_error *error;
    /* tokenizer */
    tok_state state;
    int after_cr;       /* a CR ended the last line: a following LF belongs to it */
    int record_started; /* some byte of the current record has been consumed */
    int first_quoted;   /* the first field was quoted (so a line "" is not blank) */
    size_t line;        /* current physical line, 1-based */
    size_t record_line; /* line where the current record started */
    size_t field_start; /* offset of the current field in rec */
    byte_vec rec;       /* the record's fields, each NUL-terminated */
    byte_vec ends;      /* size_t offset of each field's NUL */
    size_t nfields;
    int at_start; /* no byte consumed yet (for the byte-order mark) */
    /* columns */
    size_t ncols; /* fields per record, 0 until the first record */
    int header_done;
    int *role; /* per column: feature slot, ROLE_LABEL or ROLE_IGNORED */
    size_t nfeat;
    size_t label_col;
    int has_label;
    /* outputs */
    float *x;      /* rows x nfeat, capacity cap_rows (aligned block) */
    float *y;      /* regression targets, capacity cap_rows (aligned block) */
    uint32_t *lab; /* class indices, capacity cap_rows */
    size_t rows, cap_rows, skipped;
    float *row; /* one row of features under construction */
    class_table table;
    byte_vec feature_names;
    size_t *feature_name_offsets;
} reader;

static void set_error(reader *r, size_t line, size_t column, const char *reason)
{
    if (r->error != NULL) {
        r->error->line = line;
        r->error->column = column;
        r->error->reason = reason;
    }
}

/* ---- numbers ----------------------------------------------------------------------------------------- */

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Parses a NUL-terminated cell as a decimal number into float32; returns NULL or the reason it is not one. */
static const char *parse_number(const char *s, size_t len, float *out)
{
    const char *p = s, *end = s + len;
    while (p < end && is_space(*p)) {
        ++p;
    }
    while (end > p && is_space(end[-1])) {
        --end;
    }
    if (p == end) {
        return "empty cell";
    }
    const char *q = p;
    if (*q == '+' || *q == '-') {
        ++q;
    }
    size_t digits = 0;
    while (q < end && is_digit(*q)) {
        ++q;
        ++digits;
    }
    if (q < end && *q == '.') {
        ++q;
        while (q < end && is_digit(*q)) {
            ++q;
            ++digits;
        }
    }
    if (digits == 0) {
        return "not a number";
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        ++q;
        if (q < end && (*q == '+' || *q == '-')) {
            ++q;
        }
        if (q == end || !is_digit(*q)) {
            return "not a number";
        }
        while (q < end && is_digit(*q)) {
            ++q;
        }
    }
    if (q != end) {
        return "not a number";
    }
    char *stop = NULL;
    double d = strtod(p, &stop);
    if (stop != end) {
        return "not a number"; /* the locale's decimal point is not '.' */
    }
    /* Beyond FLT_MAX plus half an ulp (2^103) the float32 would be infinite. */
    const double limit = (double)FLT_MAX + 0x1p103;
    if (d >= limit || d <= -limit) {
        return "number out of float32 range";
    }
    if (d > (double)FLT_MAX) {
        *out = FLT_MAX;
    } else if (d < -(double)FLT_MAX) {
        *out = -FLT_MAX;
    } else {
        *out = (float)d;
    }
    return NULL;
}

/* ---- classes ----------------------------------------------------------------------------------------- */

static size_t hash_text(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; ++i) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    }
    return (size_t)h;
}

static const char *class_text(const class_table *t, size_t index)
{
    size_t off;
    memcpy(&off, t->offsets.data + index * sizeof off, sizeof off);
    return t->names.data + off;
}

static nnb_status table_rehash(class_table *t, size_t slot_count)
{
    size_t *slots = nnb__calloc(slot_count, sizeof *slots);
    if (slots == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    for (size_t i = 0; i < t->count; ++i) {
        const char *s = class_text(t, i);
        size_t h = hash_text(s, strlen(s)) & (slot_count - 1);
        while (slots[h] != 0) {
            h = (h + 1) & (slot_count - 1);
        }
        slots[h] = i + 1;
    }
    nnb__free(t->slots);
    t->slots = slots;
    t->slot_count = slot_count;
    return NNB_OK;
}

/* The class index of text s[0..len), adding it when new. */
static nnb_status table_lookup(class_table *t, const char *s, size_t len, uint32_t *index)
{
    if (t->slot_count == 0 || (t->count + 1) * 2 > t->slot_count) {
        if (t->count >= (size_t)UINT32_MAX - 1 || t->slot_count > SIZE_MAX / 4 / sizeof(size_t)) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        nnb_status st = table_rehash(t, t->slot_count == 0 ? 64 : t->slot_count * 2);
        if (st != NNB_OK) {
            return st;
        }
    }
    size_t h = hash_text(s, len) & (t->slot_count - 1);
    while (t->slots[h] != 0) {
        size_t i = t->slots[h] - 1;
        const char *known = class_text(t, i);
        if (strlen(known) == len && memcmp(known, s, len) == 0) {
            *index = (uint32_t)i;
            return NNB_OK;
        }
        h = (h + 1) & (t->slot_count - 1);
    }
    /* A new class: its integer value when it is one (at most 2^32 - 2, so that max + 1 fits). */
    uint64_t value = 0;
    int is_int = len > 0;
    for (size_t i = 0; i < len && is_int; ++i) {
        if (!is_digit(s[i])) {
            is_int = 0;
        } else {
            value = value * 10 + (uint64_t)(s[i] - '0');
            if (value > (uint64_t)UINT32_MAX - 1) {
                is_int = 0;
            }
        }
    }
    size_t off = t->names.len;
    uint32_t v32 = is_int ? (uint32_t)value : 0;
    nnb_status st = bytes_reserve(&t->names, len + 1);
    if (st == NNB_OK) {
        st = bytes_reserve(&t->offsets, sizeof off);
    }
    if (st == NNB_OK) {
        st = bytes_reserve(&t->values, sizeof v32);
    }
    if (st != NNB_OK) {
        return st;
    }
    memcpy(t->names.data + t->names.len, s, len);
    t->names.data[t->names.len + len] = '\0';
    t->names.len += len + 1;
    (void)bytes_append(&t->offsets, &off, sizeof off); /* reserved above: cannot fail */
    (void)bytes_append(&t->values, &v32, sizeof v32);
    if (!is_int) {
        t->all_int = 0;
    }
    t->slots[h] = t->count + 1;
    *index = (uint32_t)t->count;
    ++t->count;
    return NNB_OK;
}

static void table_free(class_table *t)
{
    nnb__free(t->names.data);
    nnb__free(t->offsets.data);
    nnb__free(t->values.data);
    nnb__free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- records ----------------------------------------------------------------------------------------- */

static const char *field_text(const reader *r, size_t i, size_t *len)
{
    size_t start = 0, end;
    if (i > 0) {
        memcpy(&start, r->ends.data + (i - 1) * sizeof start, sizeof start);
        ++start; /* past the previous NUL */
    }
    memcpy(&end, r->ends.data + i * sizeof end, sizeof end);
    *len = end - start;
    return r->rec.data + start;
}

/* The column whose header text equals name, or ncols. */
static size_t find_column(const reader *r, const char *name)
{
    for (size_t c = 0; c < r->ncols; ++c) {
        size_t len;
        const char *text = field_text(r, c, &len);
        if (strlen(name) == len && memcmp(text, name, len) == 0) {
            return c;
        }
    }
    return r->ncols;
}

/* Decides every column's role once the first record (header or data) is known. */
static nnb_status resolve_columns(reader *r)
{
    const nnb_csv_options *o = &r->opt;
    r->role = nnb__malloc(r->ncols * sizeof *r->role);
    if (r->role == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    for (size_t c = 0; c < r->ncols; ++c) {
        r->role[c] = ROLE_IGNORED;
    }
    r->has_label = o->label_kind != NNB_CSV_NO_LABEL;
    if (r->has_label) {
        if (o->label_name != NULL) {
            r->label_col = find_column(r, o->label_name);
            if (r->label_col == r->ncols) {
                set_error(r, r->record_line, 0, "no column has the label name");
                return NNB__FAIL(NNB_ERR_ARGUMENT);
            }
        } else {
            r->label_col = o->label_index == NNB_CSV_LAST_COLUMN ? r->ncols - 1 : o->label_index;
            if (r->label_col >= r->ncols) {
                set_error(r, r->record_line, 0, "label index beyond the last column");
                return NNB__FAIL(NNB_ERR_ARGUMENT);
            }
        }
        r->role[r->label_col] = ROLE_LABEL;
    }
    if (o->feature_names != NULL || o->feature_indices != NULL) {
        for (size_t j = 0; j < o->feature_count; ++j) {
            size_t c = o->feature_indices != NULL ? o->feature_indices[j] : find_column(r, o->feature_names[j]);
            if (c >= r->ncols) {
                set_error(r, r->record_line, 0, "no such feature column");
                return NNB__FAIL(NNB_ERR_ARGUMENT);
            }
            if (r->role[c] != ROLE_IGNORED) {
                set_error(r, r->record_line, c + 1, "feature column repeated or also the label");
                return NNB__FAIL(NNB_ERR_ARGUMENT);
            }
            r->role[c] = (int)j;
        }
        r->nfeat = o->feature_count;
    } else {
        size_t j = 0;
        for (size_t c = 0; c < r->ncols; ++c) {
            if (r->role[c] == ROLE_IGNORED) {
                r->role[c] = (int)j++;
            }
        }
        r->nfeat = j;
    }
    if (r->nfeat == 0) {
        set_error(r, r->record_line, 0, "no feature column");
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    r->row = nnb__malloc(r->nfeat * sizeof *r->row);
    if (r->row == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    if (o->has_header) {
        /* Keep the feature columns' names, in feature order. */
        r->feature_name_offsets = nnb__malloc(r->nfeat * sizeof *r->feature_name_offsets);
        if (r->feature_name_offsets == NULL) {
            return NNB__FAIL(NNB_ERR_NOMEM);
        }
        for (size_t j = 0; j < r->nfeat; ++j) {
            size_t c = 0;
            while (r->role[c] != (int)j) {
                ++c;
            }
            size_t len;
            const char *text = field_text(r, c, &len);
            r->feature_name_offsets[j] = r->feature_names.len;
            nnb_status st = bytes_append(&r->feature_names, text, len + 1);
            if (st != NNB_OK) {
                return st;
            }
        }
    }
    return NNB_OK;
}

/* Replaces an aligned block of `used` floats with one of `cap` floats. */
static nnb_status grow_floats(float **block, size_t used, size_t cap)
{
    size_t bytes;
    if (nnb__mul_size(cap, sizeof(float), &bytes) != NNB_OK) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    float *bigger = nnb__aligned_alloc(bytes);
    if (bigger == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    if (used > 0) {
        memcpy(bigger, *block, used * sizeof(float));
    }
    nnb__aligned_free(*block);
    *block = bigger;
    return NNB_OK;
}

/* Makes room for one more row in every output (capacity grows by half, at least 64 rows). */
static nnb_status reserve_row(reader *r)
{
    if (r->rows < r->cap_rows) {
        return NNB_OK;
    }
    size_t cap = r->cap_rows < 64 ? 64 : r->cap_rows + r->cap_rows / 2;
    size_t elements;
    if (nnb__mul_size(cap, r->nfeat, &elements) != NNB_OK || elements > SIZE_MAX / sizeof(float)) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    nnb_status st = grow_floats(&r->x, r->rows * r->nfeat, elements);
    if (st == NNB_OK && r->opt.label_kind == NNB_CSV_REGRESSION) {
        st = grow_floats(&r->y, r->rows, cap);
    }
    if (st == NNB_OK && r->opt.label_kind == NNB_CSV_CLASSES) {
        uint32_t *bigger = nnb__malloc(cap * sizeof *bigger);
        if (bigger == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
        } else {
            if (r->rows > 0) {
                memcpy(bigger, r->lab, r->rows * sizeof *bigger);
            }
            nnb__free(r->lab);
            r->lab = bigger;
        }
    }
    if (st != NNB_OK) {
        return st; /* the blocks already grown keep the rows; all are freed by the caller */
    }
    r->cap_rows = cap;
    return NNB_OK;
}

/* Whether a cell is a missing-value marker: empty, or NA, N/A or NaN in any case, after trimming. */
static int is_missing(const char *s, size_t len)
{
    while (len > 0 && is_space(*s)) {
        ++s;
        --len;
    }
    while (len > 0 && is_space(s[len - 1])) {
        --len;
    }
    static const char *const k_markers[] = {"na", "n/a", "nan"};
    for (size_t m = 0; m < sizeof k_markers / sizeof k_markers[0]; ++m) {
        const size_t ml = strlen(k_markers[m]);
        size_t i = 0;
        while (i < len && i < ml && (s[i] | 0x20) == k_markers[m][i]) {
            ++i;
        }
        if (len == ml && i == ml) {
            return 1;
        }
    }
    return len == 0;
}

/* A bad cell: skipped (counted) when the caller asked (for any bad cell, or for missing values), else the error. */
static nnb_status bad_cell(reader *r, size_t column, const char *reason, int *skip, int missing)
{
    if (r->opt.skip_bad_rows || (r->opt.skip_missing && missing)) {
        *skip = 1;
        return NNB_OK;
    }
    set_error(r, r->record_line, column + 1, reason);
    return NNB__FAIL(NNB_ERR_FORMAT);
}

static nnb_status data_record(reader *r)
{
    int skip = 0;
    float target = 0.0f;
    const char *label = NULL;
    size_t label_len = 0;
    for (size_t c = 0; c < r->ncols && !skip; ++c) {
        size_t len;
        const char *text = field_text(r, c, &len);
        if (r->role[c] >= 0) {
            const char *why = parse_number(text, len, &r->row[r->role[c]]);
            if (why != NULL) {
                nnb_status st = bad_cell(r, c, why, &skip, is_missing(text, len));
                if (st != NNB_OK) {
                    return st;
                }
            }
        } else if (r->role[c] == ROLE_LABEL) {
            if (r->opt.label_kind == NNB_CSV_REGRESSION) {
                const char *why = parse_number(text, len, &target);
                if (why != NULL) {
                    nnb_status st = bad_cell(r, c, why, &skip, is_missing(text, len));
                    if (st != NNB_OK) {
                        return st;
                    }
                }
            } else {
                while (len > 0 && is_space(*text)) {
                    ++text;
                    --len;
                }
                while (len > 0 && is_space(text[len - 1])) {
                    --len;
                }
                if (len == 0 || (r->opt.skip_missing && is_missing(text, len))) {
                    nnb_status st = bad_cell(r, c, "empty label", &skip, 1);
                    if (st != NNB_OK) {
                        return st;
                    }
                }
                label = text;
                label_len = len;
            }
        }
    }
    if (skip) {
        ++r->skipped;
        return NNB_OK;
    }
    nnb_status st = reserve_row(r);
    if (st != NNB_OK) {
        return st;
    }
    if (r->opt.label_kind == NNB_CSV_CLASSES) {
        uint32_t index = 0;
        st = table_lookup(&r->table, label, label_len, &index);
        if (st != NNB_OK) {
            return st;
        }
        r->lab[r->rows] = index;
    } else if (r->opt.label_kind == NNB_CSV_REGRESSION) {
        r->y[r->rows] = target;
    }
    memcpy(r->x + r->rows * r->nfeat, r->row, r->nfeat * sizeof(float));
    ++r->rows;
    return NNB_OK;
}

static nnb_status end_record(reader *r)
{
    size_t len0;
    (void)field_text(r, 0, &len0);
    const int blank = r->nfields == 1 && len0 == 0 && !r->first_quoted;
    nnb_status st = NNB_OK;
    if (!blank) {
        if (r->ncols == 0) {
            r->ncols = r->nfields;
            st = resolve_columns(r);
            if (st == NNB_OK && !r->opt.has_header) {
                st = data_record(r);
            }
        } else if (r->nfields != r->ncols) {
            set_error(r, r->record_line, r->nfields < r->ncols ? r->nfields : r->ncols + 1,
                      r->nfields < r->ncols ? "record has fewer fields than the first"
                                            : "record has more fields than the first");
            st = NNB__FAIL(NNB_ERR_FORMAT);
        } else {
            st = data_record(r);
        }
    }
    r->rec.len = 0;
    r->ends.len = 0;
    r->nfields = 0;
    r->field_start = 0;
    r->record_started = 0;
    r->first_quoted = 0;
    r->state = AT_FIELD_START;
    return st;
}

static nnb_status end_field(reader *r)
{
    if (r->nfields >= NNB_CSV_MAX_COLUMNS) {
        set_error(r, r->record_line, r->nfields + 1, "too many fields");
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    size_t end = r->rec.len;
    char nul = '\0';
    nnb_status st = bytes_append(&r->rec, &nul, 1);
    if (st == NNB_OK) {
        st = bytes_append(&r->ends, &end, sizeof end);
    }
    if (st != NNB_OK) {
        return st;
    }
    ++r->nfields;
    r->field_start = r->rec.len;
    r->state = AT_FIELD_START;
    return NNB_OK;
}

static nnb_status add_char(reader *r, char c)
{
    if (c == '\0') {
        /* Text never holds NUL bytes; names and labels are returned as C strings. */
        set_error(r, r->record_line, r->nfields + 1, "NUL byte in a field");
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (r->rec.len - r->field_start >= NNB_CSV_MAX_FIELD) {
        set_error(r, r->record_line, r->nfields + 1, "field too long");
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (r->rec.len < r->rec.cap) {
        r->rec.data[r->rec.len++] = c;
        return NNB_OK;
    }
    return bytes_append(&r->rec, &c, 1);
}

/* One byte of an unquoted field. */
static nnb_status unquoted_char(reader *r, char c)
{
    nnb_status st;
    if (c == r->opt.delimiter) {
        st = end_field(r);
    } else if (c == '\n' || c == '\r') {
        r->after_cr = c == '\r';
        st = end_field(r);
        if (st == NNB_OK) {
            st = end_record(r);
        }
        ++r->line;
    } else if (c == '"') {
        set_error(r, r->record_line, r->nfields + 1, "quote inside an unquoted field");
        st = NNB__FAIL(NNB_ERR_FORMAT);
    } else {
        st = add_char(r, c);
    }
    return st;
}

/* Feeds n bytes of text to the tokenizer. */
static nnb_status feed(reader *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n; ++i) {
        char c = p[i];
        if (r->at_start) {
            r->at_start = 0;
            if (n - i >= 3 && (unsigned char)p[i] == 0xEF && (unsigned char)p[i + 1] == 0xBB &&
                (unsigned char)p[i + 2] == 0xBF) {
                i += 2;
                continue;
            }
        }
        if (r->after_cr) {
            r->after_cr = 0;
            if (c == '\n') {
                continue;
            }
        }
        if (!r->record_started) {
            r->record_started = 1;
            r->record_line = r->line;
        }
        nnb_status st = NNB_OK;
        switch (r->state) {
        case AT_FIELD_START:
            if (c == '"') {
                if (r->nfields == 0) {
                    r->first_quoted = 1;
                }
                r->state = IN_QUOTED;
                break;
            }
            r->state = IN_UNQUOTED;
            st = unquoted_char(r, c);
            break;
        case IN_UNQUOTED: st = unquoted_char(r, c); break;
        case IN_QUOTED:
            if (c == '"') {
                r->state = QUOTE_IN_QUOTED;
            } else {
                if (c == '\n') {
                    ++r->line;
                }
                st = add_char(r, c);
            }
            break;
        case QUOTE_IN_QUOTED:
            if (c == '"') {
                r->state = IN_QUOTED;
                st = add_char(r, '"');
            } else if (c == r->opt.delimiter) {
                st = end_field(r);
            } else if (c == '\n' || c == '\r') {
                r->after_cr = c == '\r';
                st = end_field(r);
                if (st == NNB_OK) {
                    st = end_record(r);
                }
                ++r->line;
            } else {
                set_error(r, r->record_line, r->nfields + 1, "text after a closing quote");
                st = NNB__FAIL(NNB_ERR_FORMAT);
            }
            break;
        }
        if (st != NNB_OK) {
            return st;
        }
    }
    return NNB_OK;
}

/* The end of the text: completes a last record without a newline. */
static nnb_status finish(reader *r)
{
    if (r->state == IN_QUOTED) {
        set_error(r, r->record_line, r->nfields + 1, "quoted field not closed");
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (r->record_started) {
        nnb_status st = end_field(r);
        if (st == NNB_OK) {
            st = end_record(r);
        }
        if (st != NNB_OK) {
            return st;
        }
    }
    if (r->rows == 0) {
        set_error(r, r->line, 0, r->skipped > 0 ? "every data record was skipped" : "no data record");
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    return NNB_OK;
}

/* ---- driver ------------------------------------------------------------------------------------------ */

static nnb_status check_options(const nnb_csv_options *o)
{
    if (o->struct_size < sizeof(nnb_csv_options)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (o->delimiter == '"' || o->delimiter == '\r' || o->delimiter == '\n' || o->delimiter == '\0') {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (o->label_kind != NNB_CSV_CLASSES && o->label_kind != NNB_CSV_REGRESSION && o->label_kind != NNB_CSV_NO_LABEL) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (o->feature_names != NULL && o->feature_indices != NULL) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if ((o->feature_names != NULL || o->feature_indices != NULL) &&
        (o->feature_count == 0 || o->feature_count > NNB_CSV_MAX_COLUMNS)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (!o->has_header && (o->feature_names != NULL || (o->label_name != NULL && o->label_kind != NNB_CSV_NO_LABEL))) {
        return NNB__FAIL(NNB_ERR_ARGUMENT); /* names need a header */
    }
    if (o->feature_names != NULL) {
        for (size_t j = 0; j < o->feature_count; ++j) {
            if (o->feature_names[j] == NULL) {
                return NNB__FAIL(NNB_ERR_NULL);
            }
        }
    }
    return NNB_OK;
}

static void reader_free(reader *r)
{
    nnb__free(r->rec.data);
    nnb__free(r->ends.data);
    nnb__free(r->role);
    nnb__free(r->row);
    nnb__aligned_free(r->x);
    nnb__aligned_free(r->y);
    nnb__free(r->lab);
    table_free(&r->table);
    nnb__free(r->feature_names.data);
    nnb__free(r->feature_name_offsets);
}

/* Wraps an aligned block as an owned rows x cols tensor (the block's capacity is cap elements). */
static nnb_status adopt(nnb_tensor **out, float *block, size_t rows, size_t cols, size_t cap)
{
    nnb_tensor *t = nnb__malloc(sizeof *t);
    if (t == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    t->data = block;
    t->rows = rows;
    t->cols = cols;
    t->capacity = cap;
    t->owned = 1;
    *out = t;
    return NNB_OK;
}

/* Builds the data set from a finished reader, taking its outputs. */
static nnb_status build(reader *r, nnb_csv_data **out)
{
    nnb_csv_data *d = nnb__malloc(sizeof *d);
    if (d == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    memset(d, 0, sizeof *d);
    nnb_status st = adopt(&d->features, r->x, r->rows, r->nfeat, r->cap_rows * r->nfeat);
    if (st == NNB_OK && r->opt.label_kind == NNB_CSV_REGRESSION) {
        st = adopt(&d->targets, r->y, r->rows, 1, r->cap_rows);
    }
    if (st != NNB_OK) {
        nnb__free(d->features); /* the struct only: the block still belongs to the reader */
        nnb__free(d);
        return st;
    }
    r->x = NULL;
    r->y = NULL;
    d->rows = r->rows;
    d->skipped = r->skipped;
    d->kind = r->opt.label_kind;
    d->feature_count = r->nfeat;
    d->feature_names = r->feature_names;
    d->feature_name_offsets = r->feature_name_offsets;
    memset(&r->feature_names, 0, sizeof r->feature_names);
    r->feature_name_offsets = NULL;
    if (r->opt.label_kind == NNB_CSV_CLASSES) {
        d->labels = r->lab;
        r->lab = NULL;
        if (r->table.all_int) {
            /* Integer labels: the class index of each text becomes its value. */
            uint32_t max = 0;
            for (size_t i = 0; i < d->rows; ++i) {
                uint32_t v;
                memcpy(&v, r->table.values.data + d->labels[i] * sizeof v, sizeof v);
                d->labels[i] = v;
                max = v > max ? v : max;
            }
            d->classes = (size_t)max + 1;
            table_free(&r->table);
        } else {
            d->classes = r->table.count;
            d->table = r->table;
            d->string_labels = 1;
            memset(&r->table, 0, sizeof r->table);
        }
    }
    *out = d;
    return NNB_OK;
}

static void reader_init(reader *r, const nnb_csv_options *options, nnb_csv_error *error)
{
    memset(r, 0, sizeof *r);
    if (options != NULL) {
        r->opt = *options;
    } else {
        nnb_csv_options_init(&r->opt);
    }
    r->error = error;
    r->line = 1;
    r->record_line = 1;
    r->at_start = 1;
    r->state = AT_FIELD_START;
    r->table.all_int = 1;
}

/* Resets the error, then checks the pointers (NNB_ERR_NULL) and the options (NNB_ERR_ARGUMENT). */
static nnb_status start(nnb_csv_data **out, const void *input, const nnb_csv_options *options, nnb_csv_error *error)
{
    if (error != NULL) {
        error->line = 0;
        error->column = 0;
        error->reason = NULL;
    }
    nnb_status st = NNB_OK;
    if (out == NULL || input == NULL) {
        st = NNB__FAIL(NNB_ERR_NULL);
    } else if (options != NULL) {
        st = check_options(options);
    }
    if (st != NNB_OK && error != NULL) {
        error->reason = st == NNB_ERR_NULL ? "a required pointer is NULL" : "invalid options";
    }
    return st;
}

/* Fills the error's reason for a status that did not set one. */
static nnb_status fail(reader *r, nnb_status st)
{
    if (r->error != NULL && r->error->reason == NULL) {
        r->error->line = r->record_line;
        r->error->reason = st == NNB_ERR_NOMEM ? "out of memory" : st == NNB_ERR_IO ? "read error" : "too large";
    }
    reader_free(r);
    return st;
}

nnb_status nnb_csv_parse(nnb_csv_data **out, const void *data, size_t size, const nnb_csv_options *options,
                         nnb_csv_error *error)
{
    nnb_status st = start(out, data, options, error);
    if (st != NNB_OK) {
        return st;
    }
    reader r;
    reader_init(&r, options, error);
    st = feed(&r, data, size);
    if (st == NNB_OK) {
        st = finish(&r);
    }
    if (st == NNB_OK) {
        st = build(&r, out);
    }
    if (st != NNB_OK) {
        return fail(&r, st);
    }
    reader_free(&r);
    return NNB_OK;
}

nnb_status nnb_csv_read(nnb_csv_data **out, const char *path, const nnb_csv_options *options, nnb_csv_error *error)
{
    nnb_status st = start(out, path, options, error);
    if (st != NNB_OK) {
        return st;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        if (error != NULL) {
            error->reason = "cannot open the file";
        }
        return NNB__FAIL(NNB_ERR_IO);
    }
    reader r;
    reader_init(&r, options, error);
    char *chunk = nnb__malloc(READ_CHUNK);
    if (chunk == NULL) {
        st = NNB__FAIL(NNB_ERR_NOMEM);
    }
    while (st == NNB_OK) {
        size_t got = fread(chunk, 1, READ_CHUNK, f);
        if (got > 0) {
            st = feed(&r, chunk, got);
        }
        if (got < READ_CHUNK) {
            if (st == NNB_OK && ferror(f)) {
                st = NNB__FAIL(NNB_ERR_IO);
            }
            break;
        }
    }
    nnb__free(chunk);
    fclose(f);
    if (st == NNB_OK) {
        st = finish(&r);
    }
    if (st == NNB_OK) {
        st = build(&r, out);
    }
    if (st != NNB_OK) {
        return fail(&r, st);
    }
    reader_free(&r);
    return NNB_OK;
}

void nnb_csv_options_init(nnb_csv_options *options)
{
    if (options == NULL) {
        return;
    }
    memset(options, 0, sizeof *options);
    options->struct_size = sizeof *options;
    options->has_header = 1;
    options->delimiter = ',';
    options->label_kind = NNB_CSV_CLASSES;
    options->label_name = NULL;
    options->label_index = NNB_CSV_LAST_COLUMN;
    options->feature_names = NULL;
    options->feature_indices = NULL;
    options->feature_count = 0;
    options->skip_bad_rows = 0;
    options->skip_missing = 0;
}

void nnb_csv_data_destroy(nnb_csv_data *data)
{
    if (data == NULL) {
        return;
    }
    nnb_tensor_destroy(data->features);
    nnb_tensor_destroy(data->targets);
    nnb__free(data->labels);
    nnb__free(data->feature_names.data);
    nnb__free(data->feature_name_offsets);
    table_free(&data->table);
    nnb__free(data);
}

size_t nnb_csv_data_rows(const nnb_csv_data *data)
{
    return data == NULL ? 0 : data->rows;
}

size_t nnb_csv_data_skipped_rows(const nnb_csv_data *data)
{
    return data == NULL ? 0 : data->skipped;
}

const nnb_tensor *nnb_csv_data_features(const nnb_csv_data *data)
{
    return data == NULL ? NULL : data->features;
}

const char *nnb_csv_data_feature_name(const nnb_csv_data *data, size_t index)
{
    if (data == NULL || data->feature_name_offsets == NULL || index >= data->feature_count) {
        return NULL;
    }
    return data->feature_names.data + data->feature_name_offsets[index];
}

const uint32_t *nnb_csv_data_labels(const nnb_csv_data *data)
{
    return data == NULL ? NULL : data->labels;
}

size_t nnb_csv_data_num_classes(const nnb_csv_data *data)
{
    return data == NULL ? 0 : data->classes;
}

const char *nnb_csv_data_class_name(const nnb_csv_data *data, size_t index)
{
    if (data == NULL || !data->string_labels || index >= data->table.count) {
        return NULL;
    }
    return class_text(&data->table, index);
}

const nnb_tensor *nnb_csv_data_targets(const nnb_csv_data *data)
{
    return data == NULL ? NULL : data->targets;
}
