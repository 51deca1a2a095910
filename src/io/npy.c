/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npy reader and writer: a strict parser of the header dict, then the elements converted piece by
 * piece from a buffer or a file. The .npz archive code (npz.c) reuses the buffer reader through npy_internal.h.
 */
#include "base/error_internal.h"
#include "nnbasics/npy.h"
#include "nnbasics/model_file.h" /* nnb_crc32 */

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "io/npy_internal.h"
#include "tensor/tensor_internal.h"

/* ---- sources: a buffer or a file, read forward ------------------------------------------------------- */

typedef struct source {
    const unsigned char *mem; /* buffer source, or NULL */
    size_t size, pos;
    FILE *f; /* file source, or NULL */
    int io_error;
} source;

/* Reads up to n bytes; fewer only at the end (or on a read error, which sets io_error). */
static size_t src_read(source *s, void *buf, size_t n)
{
    if (s->f != NULL) {
        size_t got = fread(buf, 1, n, s->f);
        if (got < n && ferror(s->f)) {
            s->io_error = 1;
        }
        return got;
    }
    size_t left = s->size - s->pos;
    if (n > left) {
        n = left;
    }
    memcpy(buf, s->mem + s->pos, n);
    s->pos += n;
    return n;
}

/* NNB_OK when nothing follows; NNB_ERR_FORMAT for trailing bytes, NNB_ERR_IO for a read error. */
static nnb_status src_expect_end(source *s)
{
    if (s->f != NULL) {
        int c = fgetc(s->f);
        if (c != EOF) {
            return NNB__FAILF(NNB_ERR_FORMAT, "trailing bytes after the array's data");
        }
        return ferror(s->f) ? NNB__FAILF(NNB_ERR_IO, "read error: %s", strerror(errno)) : NNB_OK;
    }
    return s->pos == s->size
               ? NNB_OK
               : NNB__FAILF(NNB_ERR_FORMAT, "%zu trailing bytes after the array's data", s->size - s->pos);
}

/*
 * Checks, before anything is allocated, that exactly `want` bytes remain: NNB_ERR_FORMAT otherwise. A file
 * that cannot seek (a pipe) is checked while it is read instead.
 */
static nnb_status src_expect_remaining(source *s, size_t want)
{
    if (s->f == NULL) {
        return s->size - s->pos == want
                   ? NNB_OK
                   : NNB__FAILF(NNB_ERR_FORMAT, "the header's shape and dtype need %zu data bytes, %zu follow", want,
                                s->size - s->pos);
    }
    long here = ftell(s->f);
    if (here < 0 || fseek(s->f, 0, SEEK_END) != 0) {
        clearerr(s->f);
        return NNB_OK;
    }
    long end = ftell(s->f);
    if (fseek(s->f, here, SEEK_SET) != 0) {
        return NNB__FAIL(NNB_ERR_IO);
    }
    if (end < here || (unsigned long)(end - here) != (unsigned long)want) {
        return NNB__FAILF(NNB_ERR_FORMAT, "the header's shape and dtype need %zu data bytes, %ld follow", want,
                          end - here);
    }
    return NNB_OK;
}

/* Reads exactly n bytes: NNB_ERR_FORMAT when the input ends first (truncated), NNB_ERR_IO on a read error. */
static nnb_status src_read_exact(source *s, void *buf, size_t n)
{
    size_t got = src_read(s, buf, n);
    if (got == n) {
        return NNB_OK;
    }
    return s->io_error ? NNB__FAILF(NNB_ERR_IO, "read error: %s", strerror(errno))
                       : NNB__FAILF(NNB_ERR_FORMAT, "truncated: %zu bytes wanted, %zu left", n, got);
}

/* ---- the header dict --------------------------------------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_spaces(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t')) {
        ++c->p;
    }
}

static int accept(cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        ++c->p;
        return 1;
    }
    return 0;
}

/* A Python string literal without escapes: '...' or "..."; *s, *len point into the header. */
static nnb_status parse_string(cursor *c, const char **s, size_t *len)
{
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const char quote = *c->p++;
    const char *start = c->p;
    while (c->p < c->end && *c->p != quote) {
        if (*c->p == '\\' || *c->p == '\n') {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        ++c->p;
    }
    if (c->p >= c->end) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    *s = start;
    *len = (size_t)(c->p - start);
    ++c->p;
    return NNB_OK;
}

static int match_word(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) >= n && memcmp(c->p, word, n) == 0) {
        /* The word must end here: "Truex" is not True. */
        const char *after = c->p + n;
        if (after < c->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
                               (*after >= '0' && *after <= '9') || *after == '_')) {
            return 0;
        }
        c->p = after;
        return 1;
    }
    return 0;
}

/* A non-negative Python int literal: "0" or digits without a leading zero. */
static nnb_status parse_int(cursor *c, size_t *value)
{
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (*c->p == '0' && c->p + 1 < c->end && c->p[1] >= '0' && c->p[1] <= '9') {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    size_t v = 0;
    nnb_status st = NNB_OK;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        size_t d = (size_t)(*c->p - '0');
        if (v > (SIZE_MAX - d) / 10) {
            st = NNB__FAIL(NNB_ERR_OVERFLOW); /* keep scanning so a later syntax error still wins */
        } else {
            v = v * 10 + d;
        }
        ++c->p;
    }
    *value = v;
    return st;
}

/* A tuple of ints: "()", "(3,)", "(2, 3)", "(2, 3,)"; a lone "(3)" is an int, not a tuple. */
static nnb_status parse_shape(cursor *c, npy_header *h)
{
    if (!accept(c, '(')) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    nnb_status overflow = NNB_OK;
    size_t n = 0;
    int trailing_comma = 0;
    skip_spaces(c);
    while (!accept(c, ')')) {
        if (n == NNB_NPY_MAX_RANK) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        size_t v = 0;
        nnb_status st = parse_int(c, &v);
        if (st == NNB_ERR_OVERFLOW) {
            overflow = st;
        } else if (st != NNB_OK) {
            return st;
        }
        h->shape[n++] = v;
        skip_spaces(c);
        trailing_comma = accept(c, ',');
        skip_spaces(c);
        if (!trailing_comma) {
            if (!accept(c, ')')) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
            break;
        }
    }
    if (n == 1 && !trailing_comma) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    h->ndim = n;
    return overflow;
}

typedef struct dtype_entry {
    const char *descr;
    npy_dtype dtype;
    size_t itemsize;
} dtype_entry;

static const dtype_entry k_dtypes[] = {
    {"<f4", NPY_F4, 4}, {"<f8", NPY_F8, 8}, {"<i4", NPY_I4, 4},
    {"<i8", NPY_I8, 8}, {"|u1", NPY_U1, 1}, {"<u1", NPY_U1, 1},
};

/* Parses the header text (the dict, padding and final '\n'). */
static nnb_status parse_dict(const char *text, size_t len, npy_header *h)
{
    if (len == 0 || text[len - 1] != '\n') {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    cursor c = {text, text + len - 1};
    const char *descr = NULL;
    size_t descr_len = 0;
    int seen_descr = 0, seen_fortran = 0, seen_shape = 0, fortran = 0, structured = 0;
    nnb_status overflow = NNB_OK;

    skip_spaces(&c);
    if (!accept(&c, '{')) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    skip_spaces(&c);
    while (!accept(&c, '}')) {
        const char *key;
        size_t key_len;
        nnb_status st = parse_string(&c, &key, &key_len);
        if (st != NNB_OK) {
            return st;
        }
        skip_spaces(&c);
        if (!accept(&c, ':')) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        skip_spaces(&c);
        if (key_len == 5 && memcmp(key, "descr", 5) == 0) {
            if (seen_descr) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
            seen_descr = 1;
            if (c.p < c.end && *c.p == '[') {
                /* A structured dtype: a list of fields. Skip it, bracket-balanced, quotes respected. */
                int depth = 0;
                char quote = 0;
                do {
                    if (c.p >= c.end) {
                        return NNB__FAIL(NNB_ERR_FORMAT);
                    }
                    char ch = *c.p++;
                    if (quote) {
                        if (ch == quote) {
                            quote = 0;
                        }
                    } else if (ch == '\'' || ch == '"') {
                        quote = ch;
                    } else if (ch == '[' || ch == '(') {
                        ++depth;
                    } else if (ch == ']' || ch == ')') {
                        --depth;
                    }
                } while (depth > 0);
                structured = 1;
            } else {
                st = parse_string(&c, &descr, &descr_len);
                if (st != NNB_OK) {
                    return st;
                }
            }
        } else if (key_len == 13 && memcmp(key, "fortran_order", 13) == 0) {
            if (seen_fortran) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
            seen_fortran = 1;
            if (match_word(&c, "True")) {
                fortran = 1;
            } else if (!match_word(&c, "False")) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
        } else if (key_len == 5 && memcmp(key, "shape", 5) == 0) {
            if (seen_shape) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
            seen_shape = 1;
            st = parse_shape(&c, h);
            if (st == NNB_ERR_OVERFLOW) {
                overflow = st;
            } else if (st != NNB_OK) {
                return st;
            }
        } else {
            return NNB__FAILF(NNB_ERR_FORMAT, "header: unknown key '%.*s'", (int)(key_len > 40 ? 40 : key_len), key);
        }
        skip_spaces(&c);
        if (!accept(&c, ',')) {
            skip_spaces(&c);
            if (!accept(&c, '}')) {
                return NNB__FAIL(NNB_ERR_FORMAT);
            }
            break;
        }
        skip_spaces(&c);
    }
    /* Only padding may follow the dict. */
    while (c.p < c.end) {
        if (*c.p != ' ') {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        ++c.p;
    }
    if (!seen_descr || !seen_fortran || !seen_shape) {
        return NNB__FAILF(NNB_ERR_FORMAT, "header: the key '%s' is missing",
                          !seen_descr     ? "descr"
                          : !seen_fortran ? "fortran_order"
                                          : "shape");
    }
    if (overflow != NNB_OK) {
        return overflow;
    }
    if (structured || fortran) {
        return NNB__FAILF(NNB_ERR_UNSUPPORTED, "%s arrays are not supported",
                          structured ? "structured (record)" : "Fortran-order");
    }
    int found = 0;
    for (size_t i = 0; i < sizeof k_dtypes / sizeof k_dtypes[0]; ++i) {
        if (descr_len == 3 && memcmp(descr, k_dtypes[i].descr, 3) == 0) {
            h->dtype = k_dtypes[i].dtype;
            h->itemsize = k_dtypes[i].itemsize;
            found = 1;
            break;
        }
    }
    if (!found) {
        /* big-endian, float16, object, strings, ... */
        return NNB__FAILF(NNB_ERR_UNSUPPORTED, "dtype '%.*s' is not supported (<f4, <f8, <i4, <i8, u1)",
                          (int)(descr_len > 16 ? 16 : descr_len), descr);
    }
    size_t count = 1;
    for (size_t i = 0; i < h->ndim; ++i) {
        if (nnb__mul_size(count, h->shape[i], &count) != NNB_OK) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
    }
    if (nnb__mul_size(count, h->itemsize, &h->data_bytes) != NNB_OK) {
        return NNB__FAIL(NNB_ERR_OVERFLOW);
    }
    if (count == 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "the array is empty (a dimension is 0)"); /* no tensor */
    }
    h->count = count;
    return NNB_OK;
}

/* Reads the magic, version, length and dict from the source, leaving it at the first element. */
static nnb_status read_header(source *s, npy_header *h)
{
    unsigned char pre[12];
    nnb_status st = src_read_exact(s, pre, 8);
    if (st != NNB_OK) {
        return st;
    }
    if (memcmp(pre, "\x93NUMPY", 6) != 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "not a .npy array (no \\x93NUMPY magic)");
    }
    if ((pre[6] != 1 && pre[6] != 2 && pre[6] != 3) || pre[7] != 0) {
        return NNB__FAILF(NNB_ERR_VERSION, ".npy format version %u.%u; versions 1.0 to 3.0 are read", pre[6], pre[7]);
    }
    size_t len;
    if (pre[6] == 1) {
        st = src_read_exact(s, pre + 8, 2);
        len = (size_t)pre[8] | ((size_t)pre[9] << 8);
    } else {
        st = src_read_exact(s, pre + 8, 4);
        len = (size_t)pre[8] | ((size_t)pre[9] << 8) | ((size_t)pre[10] << 16) | ((size_t)pre[11] << 24);
    }
    if (st != NNB_OK) {
        return st;
    }
    if (len > NNB_NPY_MAX_HEADER || len == 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "header length %zu is not in 1..%zu", len, (size_t)NNB_NPY_MAX_HEADER);
    }
    char *text = nnb__malloc(len);
    if (text == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    st = src_read_exact(s, text, len);
    if (st == NNB_OK) {
        memset(h, 0, sizeof *h);
        st = parse_dict(text, len, h);
    }
    nnb__free(text);
    if (st == NNB_OK) {
        st = src_expect_remaining(s, h->data_bytes);
    }
    return st;
}

/* ---- element conversion ------------------------------------------------------------------------------ */

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static float to_float(npy_dtype dtype, const unsigned char *p)
{
    switch (dtype) {
    case NPY_F4: {
        uint32_t bits = le32(p);
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    case NPY_F8: {
        uint64_t bits = le64(p);
        double d;
        memcpy(&d, &bits, sizeof d);
        /* Beyond float32's range is infinity, as numpy's astype gives; the cast itself would be undefined.
         * Below FLT_MAX + half an ulp (2^103) the value still rounds to FLT_MAX. */
        const double limit = (double)FLT_MAX + 0x1p103;
        if (d > (double)FLT_MAX) {
            return d < limit ? FLT_MAX : INFINITY;
        }
        if (d < -(double)FLT_MAX) {
            return d > -limit ? -FLT_MAX : -INFINITY;
        }
        return (float)d;
    }
    case NPY_I4: return (float)(int32_t)le32(p);
    case NPY_I8: return (float)(int64_t)le64(p);
    case NPY_U1: return (float)p[0];
    }
    return 0.0f;
}

/* The element as an unsigned label; NNB_ERR_RANGE when negative or above UINT32_MAX. */
static nnb_status to_label(npy_dtype dtype, const unsigned char *p, uint32_t *out)
{
    int64_t v;
    switch (dtype) {
    case NPY_I4: v = (int32_t)le32(p); break;
    case NPY_I8: v = (int64_t)le64(p); break;
    case NPY_U1: v = p[0]; break;
    default: return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (v < 0 || v > (int64_t)UINT32_MAX) {
        return NNB__FAIL(NNB_ERR_RANGE);
    }
    *out = (uint32_t)v;
    return NNB_OK;
}

/* Converts h->count elements from the source into floats (labels NULL) or labels (floats NULL). */
static nnb_status convert(source *s, const npy_header *h, float *floats, uint32_t *labels)
{
    unsigned char chunk[16384]; /* a multiple of every item size */
    const size_t per_chunk = sizeof chunk / h->itemsize;
    nnb_status result = NNB_OK;
    for (size_t done = 0; done < h->count;) {
        size_t n = h->count - done < per_chunk ? h->count - done : per_chunk;
        nnb_status st = src_read_exact(s, chunk, n * h->itemsize);
        if (st != NNB_OK) {
            return st;
        }
        for (size_t i = 0; i < n; ++i) {
            const unsigned char *p = chunk + i * h->itemsize;
            if (floats != NULL) {
                floats[done + i] = to_float(h->dtype, p);
            } else if (result == NNB_OK) {
                /* A range error is reported after the whole length is known to be right. */
                result = to_label(h->dtype, p, &labels[done + i]);
            }
        }
        done += n;
    }
    nnb_status st = src_expect_end(s);
    return st != NNB_OK ? st : result;
}

static nnb_status tensor_shape(const npy_header *h, nnb_npy_vector vector, size_t *rows, size_t *cols)
{
    if (h->ndim == 0) {
        *rows = 1;
        *cols = 1;
    } else if (h->ndim == 1) {
        *rows = vector == NNB_NPY_ROW ? 1 : h->shape[0];
        *cols = vector == NNB_NPY_ROW ? h->shape[0] : 1;
    } else {
        *rows = h->shape[0];
        *cols = h->count / h->shape[0]; /* count > 0, so shape[0] > 0 */
    }
    size_t bytes;
    return nnb__mul_size(h->count, sizeof(float), &bytes);
}

static nnb_status read_tensor(source *s, nnb_tensor **out, nnb_npy_vector vector)
{
    npy_header h;
    memset(&h, 0, sizeof h);
    nnb_status st = read_header(s, &h);
    size_t rows = 0, cols = 0;
    if (st == NNB_OK) {
        st = tensor_shape(&h, vector, &rows, &cols);
    }
    nnb_tensor *t = NULL;
    if (st == NNB_OK) {
        st = nnb_tensor_create(&t, rows, cols);
    }
    if (st == NNB_OK) {
        st = convert(s, &h, t->data, NULL);
    }
    if (st != NNB_OK) {
        nnb_tensor_destroy(t);
        return st;
    }
    *out = t;
    return NNB_OK;
}

static nnb_status read_labels(source *s, uint32_t **out, size_t *count)
{
    npy_header h;
    memset(&h, 0, sizeof h);
    nnb_status st = read_header(s, &h);
    size_t bytes = 0;
    if (st == NNB_OK && h.dtype != NPY_I4 && h.dtype != NPY_I8 && h.dtype != NPY_U1) {
        st = NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (st == NNB_OK) {
        st = nnb__mul_size(h.count, sizeof(uint32_t), &bytes);
    }
    uint32_t *labels = NULL;
    if (st == NNB_OK) {
        labels = nnb__malloc(bytes);
        if (labels == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
        }
    }
    if (st == NNB_OK) {
        st = convert(s, &h, NULL, labels);
    }
    if (st != NNB_OK) {
        nnb__free(labels);
        return st;
    }
    *out = labels;
    *count = h.count;
    return NNB_OK;
}

nnb_status nnb__npy_parse_tensor(nnb_tensor **out, const unsigned char *data, size_t size, nnb_npy_vector vector)
{
    source s = {data, size, 0, NULL, 0};
    return read_tensor(&s, out, vector);
}

nnb_status nnb__npy_parse_labels(uint32_t **out, size_t *count, const unsigned char *data, size_t size)
{
    source s = {data, size, 0, NULL, 0};
    return read_labels(&s, out, count);
}

nnb_status nnb_npy_parse_tensor(nnb_tensor **out, const void *data, size_t size, nnb_npy_vector vector)
{
    if (out == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (vector != NNB_NPY_ROW && vector != NNB_NPY_COLUMN) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    return nnb__npy_parse_tensor(out, data, size, vector);
}

nnb_status nnb_npy_parse_labels(uint32_t **out, size_t *count, const void *data, size_t size)
{
    if (out == NULL || count == NULL || data == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return nnb__npy_parse_labels(out, count, data, size);
}

nnb_status nnb_npy_load_tensor(nnb_tensor **out, const char *path, nnb_npy_vector vector)
{
    if (out == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (vector != NNB_NPY_ROW && vector != NNB_NPY_COLUMN) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    source s = {NULL, 0, 0, f, 0};
    nnb_status st = read_tensor(&s, out, vector);
    fclose(f);
    return st == NNB_OK ? st : NNB__CONTEXTF(st, "%s", path);
}

nnb_status nnb_npy_load_labels(uint32_t **out, size_t *count, const char *path)
{
    if (out == NULL || count == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    source s = {NULL, 0, 0, f, 0};
    nnb_status st = read_labels(&s, out, count);
    fclose(f);
    return st == NNB_OK ? st : NNB__CONTEXTF(st, "%s", path);
}

void nnb_npy_labels_free(uint32_t *labels)
{
    nnb__free(labels);
}

/* ---- writer ------------------------------------------------------------------------------------------ */

/* Decimal digits of v into buf (no terminator); returns the count. */
static size_t put_size(char *buf, size_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; ++i) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

size_t nnb__npy_header(const nnb_tensor *t, int vector, unsigned char *buf)
{
    /* numpy 1.24's _write_array_header: the sorted dict, spare room for the first axis to grow (21 digits),
     * spaces up to a multiple of 64 bytes including the 10-byte preamble, then '\n'. */
    char *text = (char *)buf + 10;
    size_t n = 0;
    static const char head[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (";
    memcpy(text, head, sizeof head - 1);
    n += sizeof head - 1;
    /* A vector (1-D, shape "(n,)") when asked for; otherwise rows x cols. */
    size_t rows_digits = put_size(text + n, vector ? t->rows * t->cols : t->rows);
    n += rows_digits;
    text[n++] = ',';
    if (!vector) {
        text[n++] = ' ';
        n += put_size(text + n, t->cols);
    }
    memcpy(text + n, "), }", 4);
    n += 4;
    for (size_t i = rows_digits; i < 21; ++i) {
        text[n++] = ' ';
    }
    while ((10 + n + 1) % 64 != 0) {
        text[n++] = ' ';
    }
    text[n++] = '\n';
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)(n & 0xffu);
    buf[9] = (unsigned char)(n >> 8);
    return 10 + n;
}

static void element_bytes(const float *src, size_t n, unsigned char *dst)
{
    for (size_t i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, &src[i], sizeof bits);
        dst[4 * i] = (unsigned char)(bits & 0xffu);
        dst[4 * i + 1] = (unsigned char)((bits >> 8) & 0xffu);
        dst[4 * i + 2] = (unsigned char)((bits >> 16) & 0xffu);
        dst[4 * i + 3] = (unsigned char)(bits >> 24);
    }
}

nnb_status nnb__npy_write(const nnb_tensor *t, int vector, FILE *f, uint32_t *crc)
{
    unsigned char header[NNB__NPY_HEADER_MAX];
    size_t hlen = nnb__npy_header(t, vector, header);
    if (crc != NULL) {
        *crc = nnb_crc32(*crc, header, hlen);
    }
    if (f != NULL && fwrite(header, 1, hlen, f) != hlen) {
        return NNB__FAILF(NNB_ERR_IO, "writing the .npy header: %s", strerror(errno));
    }
    unsigned char chunk[16384];
    const size_t total = t->rows * t->cols;
    for (size_t done = 0; done < total;) {
        size_t n = total - done < sizeof chunk / 4 ? total - done : sizeof chunk / 4;
        element_bytes(t->data + done, n, chunk);
        if (crc != NULL) {
            *crc = nnb_crc32(*crc, chunk, 4 * n);
        }
        if (f != NULL && fwrite(chunk, 1, 4 * n, f) != 4 * n) {
            return NNB__FAILF(NNB_ERR_IO, "writing element %zu of %zu: %s", done, total, strerror(errno));
        }
        done += n;
    }
    return NNB_OK;
}

nnb_status nnb_npy_save_tensor(const nnb_tensor *t, const char *path)
{
    if (t == NULL || path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    nnb_status st = nnb__npy_write(t, 0, f, NULL);
    if (st != NNB_OK) {
        st = NNB__CONTEXTF(st, "%s", path);
    }
    if (fclose(f) != 0 && st == NNB_OK) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: close: %s", path, strerror(errno));
    }
    if (st != NNB_OK) {
        (void)remove(path);
    }
    return st;
}
