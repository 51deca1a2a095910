/* SPDX-License-Identifier: MIT */
/*
 * IDX reader: whole-file reads into library memory, optional gzip inflation (through the library allocator),
 * header validation, then the book's preprocessing into a tensor.
 */
#define _POSIX_C_SOURCE 200809L

#include "base/error_internal.h"
#include "nnbasics/idx.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "io/file_internal.h"
#include "tensor/tensor_internal.h"

#if defined(NNB_WITH_ZLIB)
#    include "io/zlib_internal.h"
#endif

struct nnb_idx_set {
    nnb_tensor *images; /* count x (rows * cols) */
    uint32_t *labels;   /* count entries */
    size_t count;
    size_t rows;
    size_t cols;
    size_t classes; /* max label + 1 */
};

/* A byte buffer owned by the library allocator. */
typedef struct byte_buf {
    unsigned char *data;
    size_t size;
} byte_buf;

static uint32_t read_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static int is_gzip(const unsigned char *data, size_t size)
{
    return size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

/* ---- gzip ---------------------------------------------------------------------------------------------- */

#if defined(NNB_WITH_ZLIB)

/* Replaces *buf (capacity *cap, `used` bytes valid) with a larger block of new_cap bytes. */
static nnb_status grow(unsigned char **buf, size_t used, size_t new_cap)
{
    unsigned char *bigger = nnb__malloc(new_cap);
    if (bigger == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    if (used > 0) {
        memcpy(bigger, *buf, used);
    }
    nnb__free(*buf);
    *buf = bigger;
    return NNB_OK;
}

/*
 * Inflates gzip data (one or more concatenated members) into a new buffer of at most NNB_IDX_MAX_BYTES.
 * Anything after the last member that is not another member is trailing garbage (NNB_ERR_FORMAT).
 */
static nnb_status gunzip(const unsigned char *in, size_t in_size, byte_buf *out, const char *name, size_t expected)
{
    const size_t limit = NNB_IDX_MAX_BYTES;
    /* The header's sizes (checked against the memory bound) or the trailer's ISIZE (length mod 2^32) are only a
     * hint for the first allocation. */
    size_t cap = expected;
    if (cap == 0 && in_size >= 18) {
        cap = (size_t)(((uint32_t)in[in_size - 1] << 24) | ((uint32_t)in[in_size - 2] << 16) |
                       ((uint32_t)in[in_size - 3] << 8) | (uint32_t)in[in_size - 4]);
    }
    /* Deflate expands at most ~1032:1, so a larger hint is a lie: never let 18 bytes reserve a gigabyte. */
    const size_t max_ratio = 1032;
    if (in_size <= limit / max_ratio && cap > in_size * max_ratio) {
        cap = in_size * max_ratio;
    }
    if (cap < 4096) {
        cap = 4096;
    }
    if (cap > limit) {
        cap = limit;
    }
    unsigned char *buf = nnb__malloc(cap);
    if (buf == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for %zu bytes of inflated data", name, cap);
    }
    size_t used = 0;
    size_t consumed = 0;
    nnb_status st = NNB_OK;

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    nnb__zlib_use_hook(&zs);
    int zr = inflateInit2(&zs, 16 + MAX_WBITS);
    if (zr != Z_OK) {
        nnb__free(buf);
        return zr == Z_MEM_ERROR ? NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for zlib's state", name)
                                 : NNB__FAILF(NNB_ERR_FORMAT, "%s: zlib cannot start (%d)", name, zr);
    }
    for (;;) {
        /* Feed at most 1 GiB at a time: zlib counts in uInt. */
        if (zs.avail_in == 0 && consumed < in_size) {
            size_t chunk = in_size - consumed;
            if (chunk > ((size_t)1 << 30)) {
                chunk = (size_t)1 << 30;
            }
            zs.next_in = (Bytef *)(uintptr_t)(in + consumed);
            zs.avail_in = (uInt)chunk;
            consumed += chunk;
        }
        if (used == cap) {
            if (cap == limit) {
                /* larger than any accepted file */
                st = NNB__FAILF(NNB_ERR_FORMAT, "%s: inflates to more than the IDX limit of %zu bytes", name, limit);
                break;
            }
            size_t new_cap = cap > limit / 2 ? limit : cap * 2;
            st = grow(&buf, used, new_cap);
            if (st != NNB_OK) {
                st = NNB__FAILF(st, "%s: out of memory for %zu bytes of inflated data", name, new_cap);
                break;
            }
            cap = new_cap;
        }
        size_t room = cap - used;
        if (room > ((size_t)1 << 30)) {
            room = (size_t)1 << 30;
        }
        zs.next_out = buf + used;
        zs.avail_out = (uInt)room;
        zr = inflate(&zs, Z_NO_FLUSH);
        used += room - (size_t)zs.avail_out;
        if (zr == Z_STREAM_END) {
            size_t left = (size_t)zs.avail_in + (in_size - consumed);
            if (left == 0) {
                break;
            }
            const unsigned char *rest = in + (in_size - left);
            if (!is_gzip(rest, left)) {
                /* trailing garbage after the compressed data */
                st = NNB__FAILF(NNB_ERR_FORMAT, "%s: %zu bytes of trailing garbage after the gzip data", name, left);
                break;
            }
            if (inflateReset(&zs) != Z_OK) {
                st = NNB__FAILF(NNB_ERR_FORMAT, "%s: zlib cannot restart for the next gzip member", name);
                break;
            }
            continue;
        }
        if (zr == Z_MEM_ERROR) {
            st = NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory while inflating", name);
            break;
        }
        if (zr == Z_BUF_ERROR) {
            /* No progress possible: either the output is full (grow on the next turn) or the input ended. */
            if (zs.avail_out == 0) {
                continue;
            }
            if (zs.avail_in == 0 && consumed == in_size) {
                st = NNB__FAILF(NNB_ERR_FORMAT, "%s: the gzip data is truncated after %zu inflated bytes", name, used);
                break;
            }
            continue;
        }
        if (zr != Z_OK) {
            /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            st = NNB__FAILF(NNB_ERR_FORMAT, "%s: corrupt gzip data after %zu inflated bytes (zlib: %s)", name, used,
                            zs.msg != NULL ? zs.msg : "error");
            break;
        }
        if (zs.avail_in == 0 && consumed == in_size && zs.avail_out != 0) {
            /* all input used, stream not finished: truncated */
            st = NNB__FAILF(NNB_ERR_FORMAT, "%s: the gzip data is truncated after %zu inflated bytes", name, used);
            break;
        }
    }
    inflateEnd(&zs);
    if (st != NNB_OK) {
        nnb__free(buf);
        return st;
    }
    out->data = buf;
    out->size = used;
    return NNB_OK;
}

#else

static nnb_status gunzip(const unsigned char *in, size_t in_size, byte_buf *out, const char *name, size_t expected)
{
    (void)in;
    (void)in_size;
    (void)out;
    (void)expected;
    return NNB__FAILF(NNB_ERR_UNSUPPORTED, "%s: gzip data, and this library was built without zlib", name);
}

#endif

/* ---- headers ------------------------------------------------------------------------------------------- */

typedef struct idx_header {
    size_t dims[3];
    size_t ndim;
    size_t payload; /* product of the dims = element count */
} idx_header;

/* "images" or "labels", for messages. */
static const char *magic_role(uint32_t magic)
{
    return magic == NNB_IDX_MAGIC_IMAGES ? "images" : "labels";
}

/* Validates the header at data (avail bytes of it present) with the given magic (and so ndim). */
static nnb_status header_dims(const unsigned char *data, size_t avail, uint32_t magic, idx_header *h, const char *name)
{
    const size_t ndim = (size_t)(magic & 0xffu);
    const size_t header = 4 + 4 * ndim;
    if (avail < 4) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: %zu bytes, too short for an IDX header", name, avail);
    }
    if (read_be32(data) != magic) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: magic 0x%08x, expected 0x%08x (IDX %s, unsigned bytes)", name,
                          read_be32(data), magic, magic_role(magic));
    }
    if (avail < header) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: truncated in the %zu-byte header", name, header);
    }
    size_t payload = 1;
    for (size_t i = 0; i < ndim; ++i) {
        uint32_t d = read_be32(data + 4 + 4 * i);
        if (d == 0) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s: dimension %zu is 0", name, i);
        }
        if (nnb__mul_size(payload, (size_t)d, &payload) != NNB_OK) {
            return NNB__FAILF(NNB_ERR_OVERFLOW, "%s: the dimensions' product overflows", name);
        }
        h->dims[i] = (size_t)d;
    }
    if (payload > NNB_IDX_MAX_BYTES) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: the header declares %zu bytes of %s, more than the IDX limit of %zu",
                          name, payload, magic_role(magic), (size_t)NNB_IDX_MAX_BYTES);
    }
    h->ndim = ndim;
    h->payload = payload;
    return NNB_OK;
}

/* Validates an IDX buffer of unsigned bytes with the given magic (and so ndim); data follows the header. */
static nnb_status parse_header(const unsigned char *data, size_t size, uint32_t magic, idx_header *h, const char *name)
{
    nnb_status st = header_dims(data, size, magic, h, name);
    if (st != NNB_OK) {
        return st;
    }
    const size_t header = 4 + 4 * h->ndim;
    if (size - header != h->payload) {
        /* truncated (shorter) or trailing garbage (longer) */
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: %s: the header declares %zu bytes of %s, the file holds %zu", name,
                          size - header < h->payload ? "truncated" : "trailing bytes", h->payload, magic_role(magic),
                          size - header);
    }
    return NNB_OK;
}

#if defined(NNB_WITH_ZLIB)
/*
 * Inflates the first n (<= 16) bytes of gzip data into out; *got receives the number obtained (fewer on
 * corrupt data). NNB_ERR_NOMEM when zlib's state cannot be allocated.
 */
static nnb_status gunzip_prefix(const unsigned char *in, size_t in_size, unsigned char *out, size_t n, size_t *got,
                                const char *name)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    nnb__zlib_use_hook(&zs);
    *got = 0;
    int zr = inflateInit2(&zs, 16 + MAX_WBITS);
    if (zr != Z_OK) {
        return zr == Z_MEM_ERROR ? NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for zlib's state", name)
                                 : NNB__FAILF(NNB_ERR_FORMAT, "%s: zlib cannot start (%d)", name, zr);
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)(in_size > ((size_t)1 << 30) ? ((size_t)1 << 30) : in_size);
    zs.next_out = out;
    zs.avail_out = (uInt)n;
    while (zs.avail_out > 0 && zr == Z_OK) {
        zr = inflate(&zs, Z_NO_FLUSH);
    }
    *got = n - (size_t)zs.avail_out;
    inflateEnd(&zs);
    if (zr == Z_MEM_ERROR) {
        return NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory while inflating", name);
    }
    return NNB_OK;
}
#endif

/*
 * The header of an IDX buffer that may be gzip-compressed, read without inflating more than the header (so
 * the memory bound is checked before anything large is allocated). A corrupt gzip stream is left to the full
 * inflation to report; h->payload is then 0.
 */
static nnb_status peek_header(const unsigned char *data, size_t size, uint32_t magic, idx_header *h, const char *name)
{
    memset(h, 0, sizeof *h);
    if (!is_gzip(data, size)) {
        return header_dims(data, size, magic, h, name);
    }
#if defined(NNB_WITH_ZLIB)
    unsigned char head[16];
    const size_t want = 4 + 4 * (size_t)(magic & 0xffu);
    size_t got = 0;
    nnb_status st = gunzip_prefix(data, size, head, want, &got, name);
    if (st != NNB_OK || got < want) {
        return st;
    }
    return header_dims(head, got, magic, h, name);
#else
    return NNB__FAILF(NNB_ERR_UNSUPPORTED, "%s: gzip data, and this library was built without zlib", name);
#endif
}

/* "12.3 MiB" */
static const char *human_bytes(double bytes, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024.0;
        ++u;
    }
    (void)snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

/*
 * The memory bound (idx.h): what the set will hold (inflated copies, the float tensor, the labels, and
 * `extra` bytes already held, such as the files read) against max_memory, or, when max_memory is 0, against
 * NNB_IDX_DEFAULT_MAX_MEMORY and NNB_IDX_MAX_EXPANSION times the stored size.
 */
static nnb_status check_memory(const idx_header *ih, const idx_header *lh, int img_gz, int lab_gz, size_t stored,
                               size_t extra, size_t max_memory, const char *name)
{
    /* A caller's explicit bound replaces both defaults: the caller vouches for highly compressible data. */
    const int explicit_bound = max_memory != 0;
    if (!explicit_bound) {
        max_memory = NNB_IDX_DEFAULT_MAX_MEMORY;
    }
    /* In double: an overflowing claim is simply enormous. */
    const double pixels = (double)ih->payload;
    const double count = (double)ih->dims[0];
    const double need = (double)extra + (img_gz ? pixels + 16.0 : 0.0) + (lab_gz ? count + 8.0 : 0.0) + 4.0 * pixels +
                        4.0 * count + 64.0 * 4.0;
    const double ratio_cap = (double)NNB_IDX_MAX_EXPANSION * (double)stored;
    char a[32], b[32], c[32];
    if (need > (double)max_memory) {
        return NNB__FAILF(NNB_ERR_LIMIT,
                          "%s: the data set would need %s of memory (%zu images of %zu x %zu pixels as float32); the "
                          "limit is %s (max_memory)",
                          name, human_bytes(need, a, sizeof a), ih->dims[0], ih->dims[1], ih->dims[2],
                          human_bytes((double)max_memory, b, sizeof b));
    }
    if (!explicit_bound && need > (double)NNB_IDX_SMALL_SET_BYTES && need > ratio_cap) {
        return NNB__FAILF(NNB_ERR_LIMIT,
                          "%s: the data set would need %s of memory (%zu images of %zu x %zu pixels as float32) for "
                          "%s of files, more than %u times their size: a decompression bomb or a corrupt header (an "
                          "explicit max_memory accepts it)",
                          name, human_bytes(need, a, sizeof a), ih->dims[0], ih->dims[1], ih->dims[2],
                          human_bytes((double)stored, c, sizeof c), (unsigned)NNB_IDX_MAX_EXPANSION);
    }
    (void)lh;
    return NNB_OK;
}

/* Makes *plain point at the IDX bytes of `data`: the buffer itself, or an inflated copy stored in *owned. */
static nnb_status plain_bytes(const void *data, size_t size, byte_buf *owned, const unsigned char **plain,
                              size_t *plain_size, const char *name, size_t expected)
{
    const unsigned char *bytes = data;
    if (is_gzip(bytes, size)) {
        nnb_status st = gunzip(bytes, size, owned, name, expected);
        if (st != NNB_OK) {
            return st;
        }
        *plain = owned->data;
        *plain_size = owned->size;
        return NNB_OK;
    }
    if (size > NNB_IDX_MAX_BYTES) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: %zu bytes, more than the IDX limit of %zu", name, size,
                          (size_t)NNB_IDX_MAX_BYTES);
    }
    *plain = bytes;
    *plain_size = size;
    return NNB_OK;
}

/* ---- sets ---------------------------------------------------------------------------------------------- */

/* nnb_idx_set_parse with names for messages, the memory bound, and `extra` bytes the caller already holds. */
static nnb_status parse_set(nnb_idx_set **out, const void *images, size_t images_size, const void *labels,
                            size_t labels_size, const char *iname, const char *lname, size_t max_memory, size_t extra)
{
    byte_buf img_buf = {NULL, 0}, lab_buf = {NULL, 0};
    const unsigned char *img = NULL, *lab = NULL;
    size_t img_size = 0, lab_size = 0;
    nnb_tensor *tensor = NULL;
    uint32_t *label_out = NULL;
    nnb_idx_set *set = NULL;
    idx_header ih, lh;

    /* The headers first, and the memory they claim, before anything large is allocated. */
    nnb_status st = peek_header(images, images_size, NNB_IDX_MAGIC_IMAGES, &ih, iname);
    if (st == NNB_OK) {
        st = peek_header(labels, labels_size, NNB_IDX_MAGIC_LABELS, &lh, lname);
    }
    if (st == NNB_OK && ih.payload != 0) {
        const size_t stored = images_size + labels_size; /* both buffers exist: no overflow */
        st = check_memory(&ih, &lh, is_gzip(images, images_size), is_gzip(labels, labels_size), stored, extra,
                          max_memory, iname);
    }
    if (st == NNB_OK) {
        st = plain_bytes(images, images_size, &img_buf, &img, &img_size, iname, ih.payload != 0 ? 16 + ih.payload : 0);
    }
    if (st == NNB_OK) {
        st = parse_header(img, img_size, NNB_IDX_MAGIC_IMAGES, &ih, iname);
    }
    if (st == NNB_OK) {
        st = plain_bytes(labels, labels_size, &lab_buf, &lab, &lab_size, lname, lh.payload != 0 ? 8 + lh.payload : 0);
    }
    if (st == NNB_OK) {
        st = parse_header(lab, lab_size, NNB_IDX_MAGIC_LABELS, &lh, lname);
    }
    if (st == NNB_OK && ih.dims[0] != lh.dims[0]) {
        /* the files disagree on the number of items */
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s holds %zu images but %s holds %zu labels", iname, ih.dims[0], lname,
                        lh.dims[0]);
    }
    size_t count = 0, features = 0, label_bytes = 0;
    if (st == NNB_OK) {
        count = ih.dims[0];
        st = nnb__mul_size(ih.dims[1], ih.dims[2], &features);
    }
    if (st == NNB_OK) {
        st = nnb__mul_size(count, sizeof(uint32_t), &label_bytes);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&tensor, count, features);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s: %zu images of %zu features", iname, count, features);
        }
    }
    if (st == NNB_OK) {
        label_out = nnb__malloc(label_bytes);
        set = nnb__malloc(sizeof *set);
        if (label_out == NULL || set == NULL) {
            st = NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for %zu labels", lname, count);
        }
    }
    if (st != NNB_OK) {
        nnb__free(set);
        nnb__free(label_out);
        nnb_tensor_destroy(tensor);
        nnb__free(lab_buf.data);
        nnb__free(img_buf.data);
        return st;
    }

    /* The book: (X.astype(np.float32) - 127.5) / 127.5, in float32. */
    const unsigned char *pixels = img + 16;
    float *dst = tensor->data;
    const size_t total = count * features;
    for (size_t i = 0; i < total; ++i) {
        dst[i] = ((float)pixels[i] - 127.5f) / 127.5f;
    }
    size_t max_label = 0;
    for (size_t i = 0; i < count; ++i) {
        label_out[i] = (uint32_t)lab[8 + i];
        if (label_out[i] > max_label) {
            max_label = label_out[i];
        }
    }
    nnb__free(lab_buf.data);
    nnb__free(img_buf.data);

    set->images = tensor;
    set->labels = label_out;
    set->count = count;
    set->rows = ih.dims[1];
    set->cols = ih.dims[2];
    set->classes = max_label + 1;
    *out = set;
    return NNB_OK;
}

nnb_status nnb_idx_set_parse(nnb_idx_set **out, const void *images, size_t images_size, const void *labels,
                             size_t labels_size)
{
    if (out == NULL || images == NULL || labels == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return parse_set(out, images, images_size, labels, labels_size, "images", "labels", 0, 0);
}

/*
 * Reads a whole regular file into library memory (at most NNB_IDX_MAX_BYTES; compressed files are smaller
 * still). A FIFO, device or directory is NNB_ERR_IO at once, without blocking.
 */
static nnb_status read_file(const char *path, byte_buf *out)
{
    return nnb__read_regular_file(path, NNB_IDX_MAX_BYTES, &out->data, &out->size);
}

nnb_status nnb_idx_set_load_limited(nnb_idx_set **out, const char *images_path, const char *labels_path,
                                    size_t max_memory)
{
    if (out == NULL || images_path == NULL || labels_path == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    byte_buf img = {NULL, 0}, lab = {NULL, 0};
    nnb_status st = read_file(images_path, &img);
    if (st == NNB_OK) {
        st = read_file(labels_path, &lab);
    }
    if (st == NNB_OK) {
        st = parse_set(out, img.data, img.size, lab.data, lab.size, images_path, labels_path, max_memory,
                       img.size + lab.size);
    }
    nnb__free(lab.data);
    nnb__free(img.data);
    return st;
}

nnb_status nnb_idx_set_load(nnb_idx_set **out, const char *images_path, const char *labels_path)
{
    return nnb_idx_set_load_limited(out, images_path, labels_path, 0);
}

/* ---- one record ---------------------------------------------------------------------------------------- */

#define STREAM_CHUNK ((size_t)1 << 16)

/* Sequential reading of a plain or gzip-compressed file through a fixed window. */
typedef struct idx_stream {
    int fd;
    const char *path;
    int gz;
    unsigned char *window; /* STREAM_CHUNK bytes: compressed input, or skipped output */
#if defined(NNB_WITH_ZLIB)
    z_stream zs;
    int z_open;
#endif
    size_t done; /* uncompressed bytes delivered so far */
} idx_stream;

static void stream_close(idx_stream *s)
{
#if defined(NNB_WITH_ZLIB)
    if (s->z_open) {
        inflateEnd(&s->zs);
    }
#endif
    nnb__free(s->window);
    if (s->fd >= 0) {
        close(s->fd);
    }
}

static nnb_status stream_open(idx_stream *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->path = path;
    size_t size = 0;
    nnb_status st = nnb__open_regular(path, &s->fd, &size);
    if (st != NNB_OK) {
        return st;
    }
    if (size == 0) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%s: the file is empty", path);
    }
    unsigned char sig[2] = {0, 0};
    ssize_t r;
    do {
        r = pread(s->fd, sig, 2, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return NNB__FAILF(NNB_ERR_IO, "%s: read error: %s", path, strerror(errno));
    }
    s->gz = is_gzip(sig, (size_t)r);
    s->window = nnb__malloc(STREAM_CHUNK);
    if (s->window == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for a %zu-byte read window", path, STREAM_CHUNK);
    }
    if (!s->gz) {
        return NNB_OK;
    }
#if defined(NNB_WITH_ZLIB)
    nnb__zlib_use_hook(&s->zs);
    int zr = inflateInit2(&s->zs, 16 + MAX_WBITS);
    if (zr != Z_OK) {
        return zr == Z_MEM_ERROR ? NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for zlib's state", path)
                                 : NNB__FAILF(NNB_ERR_FORMAT, "%s: zlib cannot start (%d)", path, zr);
    }
    s->z_open = 1;
    return NNB_OK;
#else
    return NNB__FAILF(NNB_ERR_UNSUPPORTED, "%s: gzip data, and this library was built without zlib", path);
#endif
}

/* read() that retries on EINTR: bytes read, 0 at the end, -1 on error. */
static ssize_t read_some(int fd, void *buf, size_t n)
{
    ssize_t r;
    do {
        r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    return r;
}

/* Exactly n bytes into dst (n <= 1 GiB). */
static nnb_status stream_read(idx_stream *s, unsigned char *dst, size_t n, const char *what)
{
    if (!s->gz) {
        size_t got = 0;
        while (got < n) {
            ssize_t r = read_some(s->fd, dst + got, n - got);
            if (r < 0) {
                return NNB__FAILF(NNB_ERR_IO, "%s: read error at byte %zu: %s", s->path, s->done + got,
                                  strerror(errno));
            }
            if (r == 0) {
                return NNB__FAILF(NNB_ERR_FORMAT, "%s: truncated at byte %zu while reading %s", s->path, s->done + got,
                                  what);
            }
            got += (size_t)r;
        }
        s->done += n;
        return NNB_OK;
    }
#if defined(NNB_WITH_ZLIB)
    s->zs.next_out = dst;
    s->zs.avail_out = (uInt)n;
    while (s->zs.avail_out > 0) {
        if (s->zs.avail_in == 0) {
            ssize_t r = read_some(s->fd, s->window, STREAM_CHUNK);
            if (r < 0) {
                return NNB__FAILF(NNB_ERR_IO, "%s: read error: %s", s->path, strerror(errno));
            }
            if (r == 0) {
                return NNB__FAILF(NNB_ERR_FORMAT, "%s: truncated at inflated byte %zu while reading %s", s->path,
                                  s->done + (n - (size_t)s->zs.avail_out), what);
            }
            s->zs.next_in = s->window;
            s->zs.avail_in = (uInt)r;
        }
        int zr = inflate(&s->zs, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            if (s->zs.avail_out > 0 && inflateReset(&s->zs) != Z_OK) {
                return NNB__FAILF(NNB_ERR_FORMAT, "%s: zlib cannot restart for the next gzip member", s->path);
            }
        } else if (zr == Z_MEM_ERROR) {
            return NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory while inflating", s->path);
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return NNB__FAILF(NNB_ERR_FORMAT, "%s: corrupt gzip data (zlib: %s)", s->path,
                              s->zs.msg != NULL ? s->zs.msg : "error");
        }
    }
    s->done += n;
    return NNB_OK;
#else
    (void)dst;
    (void)what;
    return NNB__FAIL(NNB_ERR_UNSUPPORTED);
#endif
}

/* Skips n uncompressed bytes (a seek for a plain file; inflation into the window for gzip). */
static nnb_status stream_skip(idx_stream *s, size_t n, const char *what)
{
    if (!s->gz) {
        if (n > 0 && lseek(s->fd, (off_t)n, SEEK_CUR) < 0) {
            return NNB__FAILF(NNB_ERR_IO, "%s: seek: %s", s->path, strerror(errno));
        }
        s->done += n;
        return NNB_OK;
    }
    unsigned char *scratch = nnb__malloc(STREAM_CHUNK);
    if (scratch == NULL) {
        return NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for a %zu-byte window", s->path, STREAM_CHUNK);
    }
    nnb_status st = NNB_OK;
    while (st == NNB_OK && n > 0) {
        const size_t step = n < STREAM_CHUNK ? n : STREAM_CHUNK;
        st = stream_read(s, scratch, step, what);
        n -= step;
    }
    nnb__free(scratch);
    return st;
}

/* Reads the header of an open stream (magic and sizes checked). */
static nnb_status stream_header(idx_stream *s, uint32_t magic, idx_header *h)
{
    unsigned char head[16];
    const size_t want = 4 + 4 * (size_t)(magic & 0xffu);
    nnb_status st = stream_read(s, head, 4, "the magic number");
    if (st == NNB_OK && read_be32(head) != magic) {
        st = header_dims(head, 4, magic, h, s->path); /* reports the wrong magic */
    }
    if (st == NNB_OK) {
        st = stream_read(s, head + 4, want - 4, "the header");
    }
    if (st == NNB_OK) {
        st = header_dims(head, want, magic, h, s->path);
    }
    return st;
}

/* nnb_idx_read_one, and when side is not 0 the images must be side x side pixels and when classes is not 0
 * the label below classes; checked before any output is written. */
static nnb_status read_one(const char *images_path, const char *labels_path, size_t index, nnb_tensor *image,
                           uint32_t *label, size_t *count, size_t side, uint32_t classes)
{
    idx_stream is, ls;
    idx_header ih, lh;
    unsigned char *pixels = NULL;
    uint8_t lab = 0;
    size_t features = 0;
    nnb_status st = stream_open(&is, images_path);
    nnb_status lst = stream_open(&ls, labels_path);
    if (st == NNB_OK) {
        st = lst;
    }
    if (st == NNB_OK) {
        st = stream_header(&is, NNB_IDX_MAGIC_IMAGES, &ih);
    }
    if (st == NNB_OK) {
        st = stream_header(&ls, NNB_IDX_MAGIC_LABELS, &lh);
    }
    if (st == NNB_OK && ih.dims[0] != lh.dims[0]) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s holds %zu images but %s holds %zu labels", images_path, ih.dims[0],
                        labels_path, lh.dims[0]);
    }
    if (st == NNB_OK && side != 0 && (ih.dims[1] != side || ih.dims[2] != side)) {
        st = NNB__FAILF(NNB_ERR_SHAPE, "%s: images of %zu x %zu pixels, expected %zu x %zu", images_path, ih.dims[1],
                        ih.dims[2], side, side);
    }
    if (st == NNB_OK) {
        features = ih.dims[1] * ih.dims[2]; /* at most the payload: no overflow */
        if (index >= ih.dims[0]) {
            st = NNB__FAILF(NNB_ERR_ARGUMENT, "index %zu is out of range: %s holds %zu images (0 to %zu)", index,
                            images_path, ih.dims[0], ih.dims[0] - 1);
        } else if (image->rows != 1 || image->cols != features) {
            st = NNB__FAILF(NNB_ERR_SHAPE, "image is %zu x %zu, expected 1 x %zu (%zu x %zu pixels)", image->rows,
                            image->cols, features, ih.dims[1], ih.dims[2]);
        } else if ((pixels = nnb__malloc(features)) == NULL) {
            st = NNB__FAILF(NNB_ERR_NOMEM, "out of memory for one image of %zu pixels", features);
        }
    }
    if (st == NNB_OK) {
        st = stream_skip(&is, index * features, "the images before the one asked for");
    }
    if (st == NNB_OK) {
        st = stream_read(&is, pixels, features, "the image asked for");
    }
    if (st == NNB_OK) {
        st = stream_skip(&ls, index, "the labels before the one asked for");
    }
    if (st == NNB_OK) {
        st = stream_read(&ls, &lab, 1, "the label asked for");
    }
    if (st == NNB_OK && classes != 0 && lab >= classes) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s: label %u of item %zu; expected 0 to %u", labels_path, (unsigned)lab, index,
                        classes - 1);
    }
    if (st == NNB_OK) {
        for (size_t i = 0; i < features; ++i) {
            image->data[i] = ((float)pixels[i] - 127.5f) / 127.5f;
        }
        *label = (uint32_t)lab;
        if (count != NULL) {
            *count = ih.dims[0];
        }
    }
    nnb__free(pixels);
    stream_close(&ls);
    stream_close(&is);
    return st;
}

nnb_status nnb_idx_read_one(const char *images_path, const char *labels_path, size_t index, nnb_tensor *image,
                            uint32_t *label, size_t *count)
{
    if (images_path == NULL || labels_path == NULL || image == NULL || label == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    return read_one(images_path, labels_path, index, image, label, count, 0, 0);
}

/* Joins dir "/" name [".gz"] into a new string; NULL on overflow or out of memory. */
static char *join_path(const char *dir, const char *name, const char *suffix)
{
    size_t a = strlen(dir), b = strlen(name), c = strlen(suffix);
    if (a > SIZE_MAX / 4 || b > SIZE_MAX / 4 || c > SIZE_MAX / 4) {
        return NULL;
    }
    char *path = nnb__malloc(a + b + c + 2);
    if (path == NULL) {
        return NULL;
    }
    memcpy(path, dir, a);
    path[a] = '/';
    memcpy(path + a + 1, name, b);
    memcpy(path + a + 1 + b, suffix, c);
    path[a + 1 + b + c] = '\0';
    return path;
}

/* The plain file when it opens as a regular file, else the .gz one; NNB_ERR_IO when neither does. */
static nnb_status find_file(const char *dir, const char *name, char **found)
{
    static const char *const suffixes[2] = {"", ".gz"};
    for (size_t i = 0; i < 2; ++i) {
        char *path = join_path(dir, name, suffixes[i]);
        if (path == NULL) {
            return NNB__FAILF(NNB_ERR_NOMEM, "out of memory for a path in %s", dir);
        }
        int fd = -1;
        size_t size = 0;
        if (nnb__open_regular(path, &fd, &size) == NNB_OK) {
            close(fd);
            *found = path;
            return NNB_OK;
        }
        nnb__free(path);
    }
    return NNB__FAILF(NNB_ERR_IO, "%s/%s: neither it nor %s.gz is a readable regular file", dir, name, name);
}

/* The file names of a split. */
static nnb_status split_names(nnb_fashion_split split, const char **images, const char **labels)
{
    if (split != NNB_FASHION_TRAIN && split != NNB_FASHION_TEST) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "split %d is neither NNB_FASHION_TRAIN nor NNB_FASHION_TEST", (int)split);
    }
    *images = split == NNB_FASHION_TRAIN ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
    *labels = split == NNB_FASHION_TRAIN ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
    return NNB_OK;
}

nnb_status nnb_fashion_mnist_load_limited(nnb_idx_set **out, const char *dir, nnb_fashion_split split,
                                          size_t max_memory)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const char *images_name = NULL, *labels_name = NULL;
    nnb_status st = split_names(split, &images_name, &labels_name);
    if (st != NNB_OK) {
        return st;
    }
    if (dir == NULL) {
        dir = NNB_FASHION_MNIST_DEFAULT_DIR;
    }
    char *images_path = NULL, *labels_path = NULL;
    nnb_idx_set *set = NULL;
    st = find_file(dir, images_name, &images_path);
    if (st == NNB_OK) {
        st = find_file(dir, labels_name, &labels_path);
    }
    if (st == NNB_OK) {
        st = nnb_idx_set_load_limited(&set, images_path, labels_path, max_memory);
    }
    if (st == NNB_OK && (set->rows != NNB_FASHION_MNIST_SIDE || set->cols != NNB_FASHION_MNIST_SIDE)) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s: images of %zu x %zu pixels; Fashion-MNIST's are 28 x 28", images_path,
                        set->rows, set->cols);
    }
    if (st == NNB_OK && set->classes > NNB_FASHION_MNIST_CLASSES) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "%s: label %zu; Fashion-MNIST's are 0 to 9", labels_path, set->classes - 1);
    }
    nnb__free(labels_path);
    nnb__free(images_path);
    if (st != NNB_OK) {
        nnb_idx_set_destroy(set);
        return st;
    }
    *out = set;
    return NNB_OK;
}

nnb_status nnb_fashion_mnist_load(nnb_idx_set **out, const char *dir, nnb_fashion_split split)
{
    return nnb_fashion_mnist_load_limited(out, dir, split, 0);
}

nnb_status nnb_fashion_mnist_read_one(const char *dir, nnb_fashion_split split, size_t index, nnb_tensor *image,
                                      uint32_t *label, size_t *count)
{
    if (image == NULL || label == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const char *images_name = NULL, *labels_name = NULL;
    nnb_status st = split_names(split, &images_name, &labels_name);
    if (st != NNB_OK) {
        return st;
    }
    if (dir == NULL) {
        dir = NNB_FASHION_MNIST_DEFAULT_DIR;
    }
    if (image->rows != 1 || image->cols != NNB_FASHION_MNIST_SIDE * NNB_FASHION_MNIST_SIDE) {
        return NNB__FAILF(NNB_ERR_SHAPE, "image is %zu x %zu, expected 1 x 784", image->rows, image->cols);
    }
    char *images_path = NULL, *labels_path = NULL;
    uint32_t lab = 0;
    size_t n = 0;
    st = find_file(dir, images_name, &images_path);
    if (st == NNB_OK) {
        st = find_file(dir, labels_name, &labels_path);
    }
    if (st == NNB_OK) {
        st = read_one(images_path, labels_path, index, image, &lab, &n, NNB_FASHION_MNIST_SIDE,
                      NNB_FASHION_MNIST_CLASSES);
    }
    nnb__free(labels_path);
    nnb__free(images_path);
    if (st != NNB_OK) {
        return st;
    }
    *label = lab;
    if (count != NULL) {
        *count = n;
    }
    return NNB_OK;
}

const char *nnb_fashion_mnist_class_name(size_t index)
{
    static const char *const names[NNB_FASHION_MNIST_CLASSES] = {
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
    return index < NNB_FASHION_MNIST_CLASSES ? names[index] : NULL;
}

void nnb_idx_set_destroy(nnb_idx_set *set)
{
    if (set == NULL) {
        return;
    }
    nnb_tensor_destroy(set->images);
    nnb__free(set->labels);
    nnb__free(set);
}

size_t nnb_idx_set_count(const nnb_idx_set *set)
{
    return set == NULL ? 0 : set->count;
}

size_t nnb_idx_set_image_rows(const nnb_idx_set *set)
{
    return set == NULL ? 0 : set->rows;
}

size_t nnb_idx_set_image_cols(const nnb_idx_set *set)
{
    return set == NULL ? 0 : set->cols;
}

size_t nnb_idx_set_num_classes(const nnb_idx_set *set)
{
    return set == NULL ? 0 : set->classes;
}

const nnb_tensor *nnb_idx_set_images(const nnb_idx_set *set)
{
    return set == NULL ? NULL : set->images;
}

const uint32_t *nnb_idx_set_labels(const nnb_idx_set *set)
{
    return set == NULL ? NULL : set->labels;
}

nnb_status nnb_idx_set_shuffle(nnb_idx_set *set, nnb_rng *rng)
{
    if (set == NULL || rng == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const size_t features = set->images->cols;
    const size_t row_bytes = features * sizeof(float); /* checked when the tensor was created */
    float *tmp = nnb__malloc(row_bytes);
    if (tmp == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    float *data = set->images->data;
    for (size_t i = set->count; i > 1; --i) {
        uint32_t j32 = 0;
        nnb_status st = nnb_rng_below(rng, (uint32_t)i, &j32); /* count <= NNB_IDX_MAX_BYTES < 2^32 */
        if (st != NNB_OK) {
            nnb__free(tmp);
            return st; /* unreachable: rng and bound are valid */
        }
        const size_t a = i - 1, b = (size_t)j32;
        if (a == b) {
            continue;
        }
        memcpy(tmp, data + a * features, row_bytes);
        memcpy(data + a * features, data + b * features, row_bytes);
        memcpy(data + b * features, tmp, row_bytes);
        uint32_t l = set->labels[a];
        set->labels[a] = set->labels[b];
        set->labels[b] = l;
    }
    nnb__free(tmp);
    return NNB_OK;
}
