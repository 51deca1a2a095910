/* SPDX-License-Identifier: MIT */
/*
 * The protocol buffers wire format: bounds-checked reading, growable writing (protobuf_wire_internal.h).
 */
#include "io/protobuf_wire_internal.h"

#include <string.h>

#include "base/alloc_internal.h"
#include "base/error_internal.h"

nnb__pb_cursor nnb__pb_cursor_make(const void *data, size_t size)
{
    nnb__pb_cursor c;
    c.p = (const unsigned char *)data;
    c.end = c.p == NULL ? NULL : c.p + size;
    c.depth = 0;
    return c;
}

int nnb__pb_more(const nnb__pb_cursor *c)
{
    return c->p != c->end;
}

static size_t left(const nnb__pb_cursor *c)
{
    return (size_t)(c->end - c->p);
}

nnb_status nnb__pb_read_varint(nnb__pb_cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; ++i) {
        if (c->p == c->end) {
            return NNB__FAILF(NNB_ERR_FORMAT, "a varint is cut off by the end of its message");
        }
        const unsigned byte = *c->p++;
        if (i == 9 && byte > 1u) {
            return NNB__FAILF(NNB_ERR_FORMAT, "a varint does not fit in 64 bits");
        }
        v |= (uint64_t)(byte & 0x7fu) << (7u * i);
        if ((byte & 0x80u) == 0) {
            *out = v;
            return NNB_OK;
        }
    }
    return NNB__FAILF(NNB_ERR_FORMAT, "a varint is longer than 10 bytes");
}

nnb_status nnb__pb_read_key(nnb__pb_cursor *c, uint32_t *field, unsigned *wire)
{
    uint64_t key = 0;
    nnb_status st = nnb__pb_read_varint(c, &key);
    if (st != NNB_OK) {
        return st;
    }
    const uint64_t number = key >> 3;
    const unsigned type = (unsigned)(key & 7u);
    if (number == 0 || number > NNB__PB_MAX_FIELD) {
        return NNB__FAILF(NNB_ERR_FORMAT, "field number %llu is outside 1 .. 2^29-1", (unsigned long long)number);
    }
    if (type != NNB__PB_VARINT && type != NNB__PB_FIXED64 && type != NNB__PB_LEN && type != NNB__PB_FIXED32) {
        return NNB__FAILF(NNB_ERR_FORMAT, "field %llu has wire type %u (%s)", (unsigned long long)number, type,
                          type == 3 || type == 4 ? "groups are not supported" : "no such wire type");
    }
    *field = (uint32_t)number;
    *wire = type;
    return NNB_OK;
}

nnb_status nnb__pb_read_fixed32(nnb__pb_cursor *c, uint32_t *out)
{
    if (left(c) < 4) {
        return NNB__FAILF(NNB_ERR_FORMAT, "a 4-byte value is cut off by the end of its message");
    }
    *out = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return NNB_OK;
}

nnb_status nnb__pb_read_fixed64(nnb__pb_cursor *c, uint64_t *out)
{
    if (left(c) < 8) {
        return NNB__FAILF(NNB_ERR_FORMAT, "an 8-byte value is cut off by the end of its message");
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < 8; ++i) {
        v |= (uint64_t)c->p[i] << (8u * i);
    }
    c->p += 8;
    *out = v;
    return NNB_OK;
}

nnb_status nnb__pb_read_bytes(nnb__pb_cursor *c, nnb__pb_slice *out)
{
    uint64_t n = 0;
    nnb_status st = nnb__pb_read_varint(c, &n);
    if (st != NNB_OK) {
        return st;
    }
    if (n > (uint64_t)left(c)) {
        return NNB__FAILF(NNB_ERR_FORMAT, "a field of %llu bytes is cut off: %zu bytes are left in its message",
                          (unsigned long long)n, left(c));
    }
    out->data = c->p;
    out->size = (size_t)n;
    c->p += (size_t)n;
    return NNB_OK;
}

nnb_status nnb__pb_read_message(nnb__pb_cursor *c, nnb__pb_cursor *sub)
{
    if (c->depth >= NNB__PB_MAX_DEPTH) {
        return NNB__FAILF(NNB_ERR_FORMAT, "messages nested more than %d deep", NNB__PB_MAX_DEPTH);
    }
    nnb__pb_slice s;
    nnb_status st = nnb__pb_read_bytes(c, &s);
    if (st != NNB_OK) {
        return st;
    }
    sub->p = s.data;
    sub->end = s.data + s.size;
    sub->depth = c->depth + 1;
    return NNB_OK;
}

nnb_status nnb__pb_skip(nnb__pb_cursor *c, unsigned wire)
{
    uint64_t u64;
    uint32_t u32;
    nnb__pb_slice s;
    switch (wire) {
    case NNB__PB_VARINT: return nnb__pb_read_varint(c, &u64);
    case NNB__PB_FIXED64: return nnb__pb_read_fixed64(c, &u64);
    case NNB__PB_LEN: return nnb__pb_read_bytes(c, &s);
    case NNB__PB_FIXED32: return nnb__pb_read_fixed32(c, &u32);
    default: return NNB__FAILF(NNB_ERR_FORMAT, "wire type %u cannot be skipped", wire);
    }
}

nnb_status nnb__pb_next_field(nnb__pb_cursor *c, nnb__pb_field *f)
{
    memset(f, 0, sizeof *f);
    f->depth = c->depth;
    if (!nnb__pb_more(c)) {
        return NNB_OK;
    }
    uint32_t number = 0;
    unsigned wire = 0;
    nnb_status st = nnb__pb_read_key(c, &number, &wire);
    if (st != NNB_OK) {
        return st;
    }
    uint32_t u32 = 0;
    switch (wire) {
    case NNB__PB_VARINT: st = nnb__pb_read_varint(c, &f->value); break;
    case NNB__PB_FIXED64: st = nnb__pb_read_fixed64(c, &f->value); break;
    case NNB__PB_FIXED32:
        st = nnb__pb_read_fixed32(c, &u32);
        f->value = u32;
        break;
    default: st = nnb__pb_read_bytes(c, &f->bytes); break; /* NNB__PB_LEN: read_key admits no other */
    }
    if (st == NNB_OK) {
        f->number = number;
        f->wire = wire;
    }
    return st;
}

nnb_status nnb__pb_field_message(const nnb__pb_field *f, nnb__pb_cursor *sub)
{
    if (f->wire != NNB__PB_LEN) {
        return NNB__FAILF(NNB_ERR_FORMAT, "field %u has wire type %u, not a length-delimited message", f->number,
                          f->wire);
    }
    if (f->depth >= NNB__PB_MAX_DEPTH) {
        return NNB__FAILF(NNB_ERR_FORMAT, "messages nested more than %d deep", NNB__PB_MAX_DEPTH);
    }
    sub->p = f->bytes.data;
    sub->end = f->bytes.data + f->bytes.size;
    sub->depth = f->depth + 1;
    return NNB_OK;
}

float nnb__pb_float_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

int nnb__pb_slice_is(nnb__pb_slice s, const char *str)
{
    const size_t n = strlen(str);
    return s.size == n && (n == 0 || memcmp(s.data, str, n) == 0);
}

int nnb__pb_slice_eq(nnb__pb_slice a, nnb__pb_slice b)
{
    return a.size == b.size && (a.size == 0 || memcmp(a.data, b.data, a.size) == 0);
}

/* ---- writer ---- */

void nnb__pb_buf_init(nnb__pb_buf *b, size_t limit)
{
    b->data = NULL;
    b->size = 0;
    b->cap = 0;
    b->limit = limit;
    b->error = NNB_OK;
}

void nnb__pb_buf_free(nnb__pb_buf *b)
{
    nnb__free(b->data);
    b->data = NULL;
    b->size = 0;
    b->cap = 0;
}

nnb_status nnb__pb_buf_status(const nnb__pb_buf *b)
{
    return b->error;
}

void nnb__pb_put_raw(nnb__pb_buf *b, const void *data, size_t size)
{
    if (b->error != NNB_OK || size == 0) {
        return;
    }
    if (size > b->limit || b->size > b->limit - size) {
        b->error = NNB__FAILF(NNB_ERR_OVERFLOW, "the encoding would exceed %zu bytes", b->limit);
        return;
    }
    const size_t need = b->size + size;
    if (need > b->cap) {
        size_t cap = b->cap < 256 ? 256 : b->cap;
        while (cap < need) {
            cap = cap > b->limit / 2 ? b->limit : cap * 2;
        }
        unsigned char *grown = nnb__malloc(cap);
        if (grown == NULL) {
            b->error = NNB__FAILF(NNB_ERR_NOMEM, "out of memory for %zu bytes of encoding", cap);
            return;
        }
        if (b->size > 0) {
            memcpy(grown, b->data, b->size);
        }
        nnb__free(b->data);
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->size, data, size);
    b->size += size;
}

void nnb__pb_put_varint(nnb__pb_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    size_t n = 0;
    do {
        unsigned char byte = (unsigned char)(v & 0x7fu);
        v >>= 7;
        if (v != 0) {
            byte |= 0x80u;
        }
        tmp[n++] = byte;
    } while (v != 0);
    nnb__pb_put_raw(b, tmp, n);
}

void nnb__pb_put_key(nnb__pb_buf *b, uint32_t field, unsigned wire)
{
    nnb__pb_put_varint(b, ((uint64_t)field << 3) | wire);
}

void nnb__pb_put_int(nnb__pb_buf *b, uint32_t field, int64_t v)
{
    nnb__pb_put_key(b, field, NNB__PB_VARINT);
    nnb__pb_put_varint(b, (uint64_t)v);
}

void nnb__pb_put_float(nnb__pb_buf *b, uint32_t field, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    const unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8), (unsigned char)(bits >> 16),
                                 (unsigned char)(bits >> 24)};
    nnb__pb_put_key(b, field, NNB__PB_FIXED32);
    nnb__pb_put_raw(b, le, sizeof le);
}

void nnb__pb_put_bytes(nnb__pb_buf *b, uint32_t field, const void *data, size_t size)
{
    nnb__pb_put_key(b, field, NNB__PB_LEN);
    nnb__pb_put_varint(b, (uint64_t)size);
    nnb__pb_put_raw(b, data, size);
}

void nnb__pb_put_string(nnb__pb_buf *b, uint32_t field, const char *s)
{
    nnb__pb_put_bytes(b, field, s, strlen(s));
}

void nnb__pb_put_message(nnb__pb_buf *b, uint32_t field, const nnb__pb_buf *sub)
{
    if (b->error == NNB_OK && sub->error != NNB_OK) {
        b->error = sub->error;
        return;
    }
    nnb__pb_put_bytes(b, field, sub->data, sub->size);
}
