/* SPDX-License-Identifier: MIT */
/*
 * NumPy .npz archives: a strict zip reader (end record, zip64 end record, central and local headers, sizes,
 * CRC-32) for stored and deflated members, and a writer of stored members.
 */
#include "base/error_internal.h"
#include "nnbasics/npy.h"
#include "nnbasics/model_file.h" /* nnb_crc32 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc_internal.h"
#include "io/npy_internal.h"
#include "tensor/tensor_internal.h"

#if defined(NNB_WITH_ZLIB)
#    include "io/zlib_internal.h"
#endif

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u

/* Longest member name the writer accepts. */
#define NAME_MAX_BYTES 255

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

/* A member as the central directory describes it. */
typedef struct member {
    uint16_t flags, method;
    uint32_t crc;
    uint64_t csize, usize, offset;
    const unsigned char *name;
    size_t name_len;
} member;

/*
 * Applies a zip64 extra field (id 1) from extra[0..len): each 32-bit field that holds 0xFFFFFFFF is replaced
 * by the next 64-bit value, in the order usize, csize, offset. Other fields are skipped, but the extra area
 * must be well formed.
 */
static nnb_status apply_zip64(const unsigned char *extra, size_t len, uint64_t *usize, uint64_t *csize,
                              uint64_t *offset)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos < 4) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        uint16_t id = rd16(extra + pos), size = rd16(extra + pos + 2);
        pos += 4;
        if (size > len - pos) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        if (id == 1) {
            const unsigned char *f = extra + pos;
            size_t left = size;
            uint64_t *fields[3] = {usize, csize, offset};
            for (int i = 0; i < 3; ++i) {
                if (fields[i] != NULL && *fields[i] == 0xffffffffu) {
                    if (left < 8) {
                        return NNB__FAIL(NNB_ERR_FORMAT);
                    }
                    *fields[i] = rd64(f);
                    f += 8;
                    left -= 8;
                }
            }
        }
        pos += size;
    }
    return NNB_OK;
}

/* Locates the central directory: its offset, size and entry count, all inside the archive. */
static nnb_status find_directory(const unsigned char *z, size_t size, uint64_t *cd_offset, uint64_t *cd_size,
                                 uint64_t *entries)
{
    if (size < 22) {
        return NNB__FAILF(NNB_ERR_FORMAT, "%zu bytes: too short for a zip archive (.npz)", size);
    }
    /* The end record is the last 22 bytes plus a comment of at most 65535 bytes; its comment must end the file. */
    size_t end = 0;
    int found = 0;
    for (size_t back = 0; back <= 65535 && back <= size - 22; ++back) {
        size_t pos = size - 22 - back;
        if (rd32(z + pos) == SIG_END && (size_t)rd16(z + pos + 20) == back) {
            end = pos;
            found = 1;
            break;
        }
    }
    if (!found) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const unsigned char *e = z + end;
    uint64_t disk = rd16(e + 4), cd_disk = rd16(e + 6), n_disk = rd16(e + 8), n = rd16(e + 10);
    uint64_t cds = rd32(e + 12), cdo = rd32(e + 16);
    size_t limit = end; /* the directory ends before the end record(s) */
    if (n == 0xffffu || n_disk == 0xffffu || cds == 0xffffffffu || cdo == 0xffffffffu) {
        /* zip64: a locator just before the end record points at the zip64 end record. */
        if (end < 20 || rd32(z + end - 20) != SIG_LOCATOR64 || rd32(z + end - 16) != 0 || rd32(z + end - 4) != 1) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        uint64_t off64 = rd64(z + end - 12);
        if (off64 > end - 20 || end - 20 - off64 < 56) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        const unsigned char *e64 = z + off64;
        if (rd32(e64) != SIG_END64) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        disk = rd32(e64 + 16);
        cd_disk = rd32(e64 + 20);
        n_disk = rd64(e64 + 24);
        n = rd64(e64 + 32);
        cds = rd64(e64 + 40);
        cdo = rd64(e64 + 48);
        limit = (size_t)off64;
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n) {
        return NNB__FAIL(NNB_ERR_FORMAT); /* multi-disk archives */
    }
    if (cdo > limit || cds > limit - cdo) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    *cd_offset = cdo;
    *cd_size = cds;
    *entries = n;
    return NNB_OK;
}

/* Does the stored name equal `want`, or `want` + ".npy"? */
static int name_matches(const unsigned char *name, size_t len, const char *want)
{
    size_t w = strlen(want);
    if (len == w && memcmp(name, want, w) == 0) {
        return 1;
    }
    return len == w + 4 && memcmp(name, want, w) == 0 && memcmp(name + w, ".npy", 4) == 0;
}

/* Finds `want` in the central directory, checking every entry on the way. */
static nnb_status find_member(const unsigned char *z, size_t size, const char *want, member *out)
{
    uint64_t cdo, cds, n;
    nnb_status st = find_directory(z, size, &cdo, &cds, &n);
    if (st != NNB_OK) {
        return st;
    }
    const unsigned char *p = z + cdo;
    size_t left = (size_t)cds;
    int found = 0;
    for (uint64_t i = 0; i < n; ++i) {
        if (left < 46 || rd32(p) != SIG_CENTRAL) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        size_t name_len = rd16(p + 28), extra_len = rd16(p + 30), comment_len = rd16(p + 32);
        size_t entry = 46 + name_len + extra_len + comment_len;
        if (entry > left) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        member m;
        m.flags = rd16(p + 8);
        m.method = rd16(p + 10);
        m.crc = rd32(p + 16);
        m.csize = rd32(p + 20);
        m.usize = rd32(p + 24);
        m.offset = rd32(p + 42);
        m.name = p + 46;
        m.name_len = name_len;
        st = apply_zip64(p + 46 + name_len, extra_len, &m.usize, &m.csize, &m.offset);
        if (st != NNB_OK) {
            return st;
        }
        if (!found && name_matches(m.name, m.name_len, want)) {
            *out = m;
            found = 1;
        }
        p += entry;
        left -= entry;
    }
    if (left != 0) {
        /* the directory size disagrees with its entries */
        return NNB__FAILF(NNB_ERR_FORMAT, "the central directory's size disagrees with its entries");
    }
    if (!found) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "no array named '%.64s' in the archive", want);
    }
    /* The member's data must lie before the central directory. */
    if (out->offset > cdo) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    return NNB_OK;
}

#if defined(NNB_WITH_ZLIB)

/* Inflates raw deflate data that must give exactly usize bytes and use all of the input. */
static nnb_status inflate_member(const unsigned char *in, size_t csize, unsigned char *out, size_t usize)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    nnb__zlib_use_hook(&zs);
    int zr = inflateInit2(&zs, -MAX_WBITS);
    if (zr != Z_OK) {
        return zr == Z_MEM_ERROR ? NNB_ERR_NOMEM : NNB_ERR_FORMAT;
    }
    size_t in_done = 0, out_done = 0;
    nnb_status st = NNB_OK;
    const size_t step = (size_t)1 << 30; /* zlib counts in uInt */
    unsigned char spare;                 /* once usize bytes are out, any further byte is one too many */
    for (;;) {
        if (zs.avail_in == 0 && in_done < csize) {
            size_t chunk = csize - in_done < step ? csize - in_done : step;
            zs.next_in = (Bytef *)(uintptr_t)(in + in_done);
            zs.avail_in = (uInt)chunk;
            in_done += chunk;
        }
        size_t room = 1;
        if (out_done < usize) {
            room = usize - out_done < step ? usize - out_done : step;
            zs.next_out = out + out_done;
        } else {
            zs.next_out = &spare;
        }
        zs.avail_out = (uInt)room;
        zr = inflate(&zs, Z_NO_FLUSH);
        size_t produced = room - (size_t)zs.avail_out;
        if (out_done == usize && produced > 0) {
            st = NNB__FAILF(NNB_ERR_FORMAT, "a member inflates to more than its announced %zu bytes", usize);
            break;
        }
        out_done += produced;
        if (zr == Z_STREAM_END) {
            if (out_done != usize || zs.avail_in != 0 || in_done != csize) {
                /* shorter than announced, or bytes after the stream */
                st = NNB__FAILF(NNB_ERR_FORMAT,
                                "a member inflates to %zu bytes, %zu announced, or has bytes after its stream",
                                out_done, usize);
            }
            break;
        }
        if (zr == Z_MEM_ERROR) {
            st = NNB__FAILF(NNB_ERR_NOMEM, "out of memory while inflating a member");
            break;
        }
        if (zr == Z_BUF_ERROR && zs.avail_in == 0 && in_done < csize) {
            continue; /* the next piece of input comes on the next turn */
        }
        if (zr != Z_OK) {
            /* truncated (Z_BUF_ERROR), corrupt (Z_DATA_ERROR), ... */
            st = NNB__FAILF(NNB_ERR_FORMAT, "corrupt or truncated deflate data (zlib: %s)",
                            zs.msg != NULL ? zs.msg : "no progress");
            break;
        }
    }
    inflateEnd(&zs);
    return st;
}

#endif /* NNB_WITH_ZLIB: without zlib, open_member refuses deflated members itself */

/*
 * Finds and validates member `want`: *data points at its uncompressed .npy bytes, either inside the archive
 * or in *owned (a library block the caller frees).
 */
static nnb_status open_member(const unsigned char *z, size_t size, const char *want, const unsigned char **data,
                              size_t *data_size, unsigned char **owned)
{
    member m;
    memset(&m, 0, sizeof m);
    nnb_status st = find_member(z, size, want, &m);
    if (st != NNB_OK) {
        return st;
    }
    if (m.offset > size || size - m.offset < 30) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const unsigned char *l = z + m.offset;
    if (rd32(l) != SIG_LOCAL) {
        return NNB__FAILF(NNB_ERR_FORMAT, "member '%.64s': no local header at byte %llu", want,
                          (unsigned long long)m.offset);
    }
    uint16_t flags = rd16(l + 6), method = rd16(l + 8);
    uint64_t lcrc = rd32(l + 14), lcsize = rd32(l + 18), lusize = rd32(l + 22);
    size_t name_len = rd16(l + 26), extra_len = rd16(l + 28);
    if (size - m.offset - 30 < name_len + extra_len) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    if (name_len != m.name_len || memcmp(l + 30, m.name, name_len) != 0 || method != m.method || flags != m.flags) {
        return NNB__FAILF(NNB_ERR_FORMAT, "member '%.64s': its local and central headers disagree", want);
    }
    if ((flags & 0x0001u) != 0 || (flags & 0x0040u) != 0) {
        return NNB__FAILF(NNB_ERR_UNSUPPORTED, "member '%.64s' is encrypted", want);
    }
    st = apply_zip64(l + 30 + name_len, extra_len, &lusize, &lcsize, NULL);
    if (st != NNB_OK) {
        return st;
    }
    if ((flags & 0x0008u) == 0 && (lcrc != m.crc || lcsize != m.csize || lusize != m.usize)) {
        return NNB__FAIL(NNB_ERR_FORMAT); /* without a data descriptor the local header carries the real values */
    }
    const size_t start = (size_t)m.offset + 30 + name_len + extra_len;
    if (m.csize > size - start) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const unsigned char *comp = z + start;
    const size_t csize = (size_t)m.csize;
    if (m.method == 0) {
        if (m.usize != m.csize) {
            return NNB__FAIL(NNB_ERR_FORMAT);
        }
        if (nnb_crc32(0, comp, csize) != m.crc) {
            return NNB__FAILF(NNB_ERR_FORMAT, "member '%.64s': CRC-32 mismatch", want);
        }
        *data = comp;
        *data_size = csize;
        return NNB_OK;
    }
    if (m.method != 8) {
        return NNB__FAILF(NNB_ERR_UNSUPPORTED,
                          "member '%.64s': compression method %u (only stored and deflate are read)", want,
                          (unsigned)m.method);
    }
#if !defined(NNB_WITH_ZLIB)
    (void)owned; /* only inflated members need a block of their own */
    return NNB__FAILF(NNB_ERR_UNSUPPORTED,
                      "member '%.64s' is deflate-compressed, and this library was built without zlib", want);
#else
    /* Deflate expands at most about 1032:1: a larger announced size is a lie, refused before allocating. */
    if (m.usize == 0 || m.usize / 1032 > m.csize || (uint64_t)(size_t)m.usize != m.usize) {
        return NNB__FAIL(NNB_ERR_FORMAT);
    }
    const size_t usize = (size_t)m.usize;
    unsigned char *buf = nnb__malloc(usize);
    if (buf == NULL) {
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    st = inflate_member(comp, csize, buf, usize);
    if (st == NNB_OK && nnb_crc32(0, buf, usize) != m.crc) {
        st = NNB__FAILF(NNB_ERR_FORMAT, "member '%.64s': CRC-32 mismatch after inflating", want);
    }
    if (st != NNB_OK) {
        nnb__free(buf);
        return st;
    }
    *owned = buf;
    *data = buf;
    *data_size = usize;
    return NNB_OK;
#endif
}

nnb_status nnb_npz_parse_tensor(nnb_tensor **out, const void *data, size_t size, const char *name,
                                nnb_npy_vector vector)
{
    if (out == NULL || data == NULL || name == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (vector != NNB_NPY_ROW && vector != NNB_NPY_COLUMN) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    const unsigned char *npy = NULL;
    size_t npy_size = 0;
    unsigned char *owned = NULL;
    nnb_status st = open_member(data, size, name, &npy, &npy_size, &owned);
    if (st == NNB_OK) {
        st = nnb__npy_parse_tensor(out, npy, npy_size, vector);
    }
    nnb__free(owned);
    return st;
}

nnb_status nnb_npz_parse_labels(uint32_t **out, size_t *count, const void *data, size_t size, const char *name)
{
    if (out == NULL || count == NULL || data == NULL || name == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    const unsigned char *npy = NULL;
    size_t npy_size = 0;
    unsigned char *owned = NULL;
    nnb_status st = open_member(data, size, name, &npy, &npy_size, &owned);
    if (st == NNB_OK) {
        st = nnb__npy_parse_labels(out, count, npy, npy_size);
    }
    nnb__free(owned);
    return st;
}

/* Reads a whole file into library memory. */
static nnb_status read_whole(const char *path, unsigned char **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NNB__FAILF(NNB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    }
    nnb_status st = NNB_OK;
    unsigned char *buf = NULL;
    long end = -1;
    int first = fgetc(f);
    if (first == EOF) {
        /* empty: not an archive */
        st = ferror(f) ? NNB__FAILF(NNB_ERR_IO, "%s: read error: %s", path, strerror(errno))
                       : NNB__FAILF(NNB_ERR_FORMAT, "%s: the file is empty (not a .npz archive)", path);
    } else if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: cannot seek (not a regular file?): %s", path, strerror(errno));
    } else {
        size_t n = (size_t)end;
        buf = nnb__malloc(n);
        if (buf == NULL) {
            st = NNB__FAILF(NNB_ERR_NOMEM, "%s: out of memory for %zu bytes", path, n);
        } else if (fread(buf, 1, n, f) != n) {
            st = NNB__FAILF(NNB_ERR_IO, "%s: read error: %s", path,
                            ferror(f) ? strerror(errno) : "shorter than its size");
        } else {
            *out = buf;
            *size = n;
            buf = NULL;
        }
    }
    nnb__free(buf);
    fclose(f);
    return st;
}

nnb_status nnb_npz_load_tensor(nnb_tensor **out, const char *path, const char *name, nnb_npy_vector vector)
{
    if (out == NULL || path == NULL || name == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (vector != NNB_NPY_ROW && vector != NNB_NPY_COLUMN) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    unsigned char *z = NULL;
    size_t size = 0;
    nnb_status st = read_whole(path, &z, &size);
    if (st == NNB_OK) {
        st = nnb_npz_parse_tensor(out, z, size, name, vector);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s: array '%s'", path, name);
        }
    }
    nnb__free(z);
    return st;
}

nnb_status nnb_npz_load_labels(uint32_t **out, size_t *count, const char *path, const char *name)
{
    if (out == NULL || count == NULL || path == NULL || name == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    unsigned char *z = NULL;
    size_t size = 0;
    nnb_status st = read_whole(path, &z, &size);
    if (st == NNB_OK) {
        st = nnb_npz_parse_labels(out, count, z, size, name);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s: array '%s'", path, name);
        }
    }
    nnb__free(z);
    return st;
}

/* ---- writer ------------------------------------------------------------------------------------------ */

static void wr16(unsigned char *p, size_t v)
{
    p[0] = (unsigned char)(v & 0xffu);
    p[1] = (unsigned char)((v >> 8) & 0xffu);
}

static void wr32(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 4; ++i) {
        p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
    }
}

/* The fields local and central headers share, from "version needed" to the extra length: 26 bytes. */
static void common_fields(unsigned char *p, uint32_t crc, uint64_t size, size_t name_len)
{
    wr16(p, 20);     /* version needed: 2.0 */
    wr16(p + 2, 0);  /* flags */
    wr16(p + 4, 0);  /* stored */
    wr16(p + 6, 0);  /* time 00:00:00 */
    wr16(p + 8, 33); /* date 1980-01-01 */
    wr32(p + 10, crc);
    wr32(p + 14, size);
    wr32(p + 18, size);
    wr16(p + 22, name_len);
    wr16(p + 24, 0); /* extra length */
}

/* Member i is written as a vector (1-D). */
#define VEC(i) (ndims != NULL && ndims[(i)] == 1)

static nnb_status check_names(const char *const *names, const nnb_tensor *const *tensors, const unsigned *ndims,
                              size_t count, uint64_t *total)
{
    uint64_t sum = 22;
    for (size_t i = 0; i < count; ++i) {
        if (names[i] == NULL || tensors[i] == NULL) {
            return NNB__FAIL(NNB_ERR_NULL);
        }
    }
    for (size_t i = 0; i < count; ++i) {
        size_t len = strlen(names[i]);
        if (len == 0 || len > NAME_MAX_BYTES || strchr(names[i], '/') != NULL || strchr(names[i], '\\') != NULL) {
            return NNB__FAIL(NNB_ERR_ARGUMENT);
        }
        for (size_t j = 0; j < i; ++j) {
            if (strcmp(names[i], names[j]) == 0) {
                return NNB__FAIL(NNB_ERR_ARGUMENT);
            }
        }
        unsigned char header[NNB__NPY_HEADER_MAX];
        if (ndims != NULL && ndims[i] != 1 && ndims[i] != 2) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "ndims[%zu] is %u (1 or 2)", i, ndims[i]);
        }
        uint64_t member_size = (uint64_t)nnb__npy_header(tensors[i], VEC(i), header);
        uint64_t elements = (uint64_t)tensors[i]->rows * (uint64_t)tensors[i]->cols; /* < 2^62: checked */
        member_size += 4 * elements;
        if (member_size >= 0xffffffffu) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
        sum += member_size + 30 + 46 + 2 * (uint64_t)(len + 4);
        if (sum >= 0xffffffffu) {
            return NNB__FAIL(NNB_ERR_OVERFLOW);
        }
    }
    *total = sum;
    return NNB_OK;
}

static nnb_status write_archive(FILE *f, const char *const *names, const nnb_tensor *const *tensors,
                                const unsigned *ndims, size_t count, uint32_t *crcs, uint64_t *offsets)
{
    uint64_t pos = 0;
    unsigned char h[46];
    unsigned char header[NNB__NPY_HEADER_MAX];
    for (size_t i = 0; i < count; ++i) {
        uint32_t crc = 0;
        nnb_status st = nnb__npy_write(tensors[i], VEC(i), NULL, &crc); /* first pass: the CRC only */
        if (st != NNB_OK) {
            return st;
        }
        crcs[i] = crc;
        uint64_t size =
            (uint64_t)nnb__npy_header(tensors[i], VEC(i), header) + 4 * (uint64_t)tensors[i]->rows * tensors[i]->cols;
        size_t len = strlen(names[i]);
        wr32(h, SIG_LOCAL);
        common_fields(h + 4, crc, size, len + 4);
        offsets[i] = pos;
        if (fwrite(h, 1, 30, f) != 30 || fwrite(names[i], 1, len, f) != len || fwrite(".npy", 1, 4, f) != 4) {
            return NNB__FAILF(NNB_ERR_IO, "writing the local header of '%s': %s", names[i], strerror(errno));
        }
        st = nnb__npy_write(tensors[i], VEC(i), f, NULL);
        if (st != NNB_OK) {
            return st;
        }
        pos += 30 + len + 4 + size;
    }
    const uint64_t cd_start = pos;
    for (size_t i = 0; i < count; ++i) {
        uint64_t size =
            (uint64_t)nnb__npy_header(tensors[i], VEC(i), header) + 4 * (uint64_t)tensors[i]->rows * tensors[i]->cols;
        size_t len = strlen(names[i]);
        wr32(h, SIG_CENTRAL);
        wr16(h + 4, 20); /* version made by: 2.0, MS-DOS attributes */
        common_fields(h + 6, crcs[i], size, len + 4);
        wr16(h + 32, 0); /* comment length */
        wr16(h + 34, 0); /* disk */
        wr16(h + 36, 0); /* internal attributes */
        wr32(h + 38, 0); /* external attributes */
        wr32(h + 42, offsets[i]);
        if (fwrite(h, 1, 46, f) != 46 || fwrite(names[i], 1, len, f) != len || fwrite(".npy", 1, 4, f) != 4) {
            return NNB__FAILF(NNB_ERR_IO, "writing the directory entry of '%s': %s", names[i], strerror(errno));
        }
        pos += 46 + len + 4;
    }
    wr32(h, SIG_END);
    wr16(h + 4, 0);
    wr16(h + 6, 0);
    wr16(h + 8, count);
    wr16(h + 10, count);
    wr32(h + 12, pos - cd_start);
    wr32(h + 16, cd_start);
    wr16(h + 20, 0);
    if (fwrite(h, 1, 22, f) != 22) {
        return NNB__FAILF(NNB_ERR_IO, "writing the end record: %s", strerror(errno));
    }
    return NNB_OK;
}

nnb_status nnb_npz_save(const char *path, const char *const *names, const nnb_tensor *const *tensors, size_t count)
{
    return nnb_npz_save_arrays(path, names, tensors, NULL, count);
}

nnb_status nnb_npz_save_arrays(const char *path, const char *const *names, const nnb_tensor *const *tensors,
                               const unsigned *ndims, size_t count)
{
    if (path == NULL || names == NULL || tensors == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count == 0 || count > 0xffffu) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    uint64_t total = 0;
    nnb_status st = check_names(names, tensors, ndims, count, &total);
    if (st != NNB_OK) {
        return st;
    }
    uint32_t *crcs = nnb__calloc(count, sizeof *crcs);
    uint64_t *offsets = nnb__calloc(count, sizeof *offsets);
    if (crcs == NULL || offsets == NULL) {
        nnb__free(offsets);
        nnb__free(crcs);
        return NNB__FAIL(NNB_ERR_NOMEM);
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        st = NNB__FAILF(NNB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    } else {
        st = write_archive(f, names, tensors, ndims, count, crcs, offsets);
        if (st != NNB_OK) {
            st = NNB__CONTEXTF(st, "%s", path);
        }
        if (fclose(f) != 0 && st == NNB_OK) {
            st = NNB__FAILF(NNB_ERR_IO, "%s: close: %s", path, strerror(errno));
        }
        if (st != NNB_OK) {
            (void)remove(path);
        }
    }
    nnb__free(offsets);
    nnb__free(crcs);
    return st;
}
