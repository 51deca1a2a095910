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
static nnb_status gunzip(const unsigned char *in, size_t in_size, byte_buf *out)
{
    const size_t limit = NNB_IDX_MAX_BYTES;
    /* The trailer's ISIZE (length mod 2^32) is only a hint for the first allocation. */
    size_t cap = 0;
    if (in_size >= 18) {
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
        return NNB__FAIL(NNB_ERR_NOMEM);
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
        return zr == Z_MEM_ERROR ? NNB_ERR_NOMEM : NNB_ERR_FORMAT;
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
                st = NNB__FAIL(NNB_ERR_FORMAT); /* larger than any accepted file */
                break;
            }
            size_t new_cap = cap > limit / 2 ? limit : cap * 2;
            st = grow(&buf, used, new_cap);
            if (st != NNB_OK) {
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
                st = NNB__FAIL(NNB_ERR_FORMAT); /* trailing garbage after the compressed data */
                break;
            }
            if (inflateReset(&zs) != Z_OK) {
                st = NNB__FAIL(NNB_ERR_FORMAT);
                break;
            }
            continue;
        }
        if (zr == Z_MEM_ERROR) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
            break;
        }
        if (zr == Z_BUF_ERROR) {
            /* No progress possible: either the output is full (grow on the next turn) or the input ended. */
            if (zs.avail_out == 0) {
                continue;
            }
            if (zs.avail_in == 0 && consumed == in_size) {
                st = NNB__FAIL(NNB_ERR_FORMAT); /* truncated */
                break;
            }
            continue;
        }
        if (zr != Z_OK) {
            st = NNB__FAIL(NNB_ERR_FORMAT); /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            break;
        }
        if (zs.avail_in == 0 && consumed == in_size && zs.avail_out != 0) {
            st = NNB__FAIL(NNB_ERR_FORMAT); /* all input used, stream not finished: truncated */
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

static nnb_status gunzip(const unsigned char *in, size_t in_size, byte_buf *out)
{
    (void)in;
    (void)in_size;
    (void)out;
    return NNB__FAIL(NNB_ERR_UNSUPPORTED);
}

#endif

/* ---- headers ------------------------------------------------------------------------------------------- */

typedef struct idx_header {
    size_t dims[3];
    size_t ndim;
    size_t payload; /* product of the dims = element count */
} idx_header;

/* Validates an IDX buffer of unsigned bytes with the given magic (and so ndim); data follows the header. */
static nnb_status parse_header(const unsigned char *data, size_t size, uint32_t magic, idx_header *h)
{
    const size_t ndim = (size_t)(magic & 0xffu);
    if (size < 4) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (read_be32(data) != magic) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const size_t header = 4 + 4 * ndim;
    if (size < header) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    size_t payload = 1;
    for (size_t i = 0; i < ndim; ++i) {
        uint32_t d = read_be32(data + 4 + 4 * i);
        if (d == 0) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        if (nnb__mul_size(payload, (size_t)d, &payload) != NNB_OK) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        h->dims[i] = (size_t)d;
    }
    if (payload > NNB_IDX_MAX_BYTES) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (size - header != payload) {
        return NNB__FAIL(NNB_ERR_FORMAT); /* truncated (shorter) or trailing garbage (longer) */
    }
    h->ndim = ndim;
    h->payload = payload;
    return NNB_OK;
}

/* Makes *plain point at the IDX bytes of `data`: the buffer itself, or an inflated copy stored in *owned. */
static nnb_status plain_bytes(const void *data, size_t size, byte_buf *owned, const unsigned char **plain,
                              size_t *plain_size)
{
    const unsigned char *bytes = data;
    if (is_gzip(bytes, size)) {
        nnb_status st = gunzip(bytes, size, owned);
        if (st != NNB_OK) {
            return st;
        }
        *plain = owned->data;
        *plain_size = owned->size;
        return NNB_OK;
    }
    if (size > NNB_IDX_MAX_BYTES) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    *plain = bytes;
    *plain_size = size;
    return NNB_OK;
}

/* ---- sets ---------------------------------------------------------------------------------------------- */

nnb_status nnb_idx_set_parse(nnb_idx_set **out, const void *images, size_t images_size, const void *labels,
                             size_t labels_size)
{
    if (out == NULL || images == NULL || labels == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    byte_buf img_buf = {NULL, 0}, lab_buf = {NULL, 0};
    const unsigned char *img = NULL, *lab = NULL;
    size_t img_size = 0, lab_size = 0;
    nnb_tensor *tensor = NULL;
    uint32_t *label_out = NULL;
    nnb_idx_set *set = NULL;
    idx_header ih, lh;

    nnb_status st = plain_bytes(images, images_size, &img_buf, &img, &img_size);
    if (st == NNB_OK) {
        st = parse_header(img, img_size, NNB_IDX_MAGIC_IMAGES, &ih);
    }
    if (st == NNB_OK) {
        st = plain_bytes(labels, labels_size, &lab_buf, &lab, &lab_size);
    }
    if (st == NNB_OK) {
        st = parse_header(lab, lab_size, NNB_IDX_MAGIC_LABELS, &lh);
    }
    if (st == NNB_OK && ih.dims[0] != lh.dims[0]) {
        st = NNB__FAIL(NNB_ERR_FORMAT); /* the files disagree on the number of items */
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
    }
    if (st == NNB_OK) {
        label_out = nnb__malloc(label_bytes);
        set = nnb__malloc(sizeof *set);
        if (label_out == NULL || set == NULL) {
            st = NNB__FAIL(NNB_ERR_NOMEM);
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

/*
 * Reads a whole regular file into library memory (at most NNB_IDX_MAX_BYTES; compressed files are smaller
 * still). A FIFO, device or directory is NNB_ERR_IO at once, without blocking.
 */
static nnb_status read_file(const char *path, byte_buf *out)
{
    return nnb__read_regular_file(path, NNB_IDX_MAX_BYTES, &out->data, &out->size);
}

nnb_status nnb_idx_set_load(nnb_idx_set **out, const char *images_path, const char *labels_path)
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
        st = nnb_idx_set_parse(out, img.data, img.size, lab.data, lab.size);
    }
    nnb__free(lab.data);
    nnb__free(img.data);
    return st;
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
            return NNB__FAIL(NNB_ERR_NOMEM);
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
    return NNB__FAIL(NNB_ERR_IO);
}

nnb_status nnb_fashion_mnist_load(nnb_idx_set **out, const char *dir, nnb_fashion_split split)
{
    if (out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (split != NNB_FASHION_TRAIN && split != NNB_FASHION_TEST) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (dir == NULL) {
        dir = NNB_FASHION_MNIST_DEFAULT_DIR;
    }
    const char *images_name = split == NNB_FASHION_TRAIN ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";
    const char *labels_name = split == NNB_FASHION_TRAIN ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
    char *images_path = NULL, *labels_path = NULL;
    nnb_idx_set *set = NULL;
    nnb_status st = find_file(dir, images_name, &images_path);
    if (st == NNB_OK) {
        st = find_file(dir, labels_name, &labels_path);
    }
    if (st == NNB_OK) {
        st = nnb_idx_set_load(&set, images_path, labels_path);
    }
    nnb__free(labels_path);
    nnb__free(images_path);
    if (st != NNB_OK) {
        return st;
    }
    if (set->rows != NNB_FASHION_MNIST_SIDE || set->cols != NNB_FASHION_MNIST_SIDE ||
        set->classes > NNB_FASHION_MNIST_CLASSES) {
        nnb_idx_set_destroy(set);
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    *out = set;
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
