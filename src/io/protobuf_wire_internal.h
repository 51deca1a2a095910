/* SPDX-License-Identifier: MIT */
/*
 * Internal: a small reader and writer of the protocol buffers wire format, for the ONNX import and export.
 * Never installed.
 *
 * Reader: a cursor over a borrowed byte range. Every read checks the bytes left before touching one, so a
 * truncated or hostile buffer gives NNB_ERR_FORMAT, never a read out of bounds. Varints longer than 10 bytes
 * (or whose 10th byte carries more than one bit) are refused. A length-delimited field gives a sub-cursor over
 * exactly its bytes, one level deeper; opening a level beyond NNB__PB_MAX_DEPTH is refused, so no input can make
 * a schema-directed decoder recurse without bound. Group wire types (3 and 4, deprecated since proto2) are
 * refused. Nothing is allocated.
 *
 * Writer: a growable buffer (library allocator). The first failure is sticky: later writes do nothing and
 * nnb__pb_buf_status reports it, so an encoder checks once at the end. Nested messages are encoded into a
 * buffer of their own and appended as one length-delimited field (the length must be known first).
 */
#ifndef NNB_INTERNAL_IO_PROTOBUF_WIRE_H
#define NNB_INTERNAL_IO_PROTOBUF_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "nnbasics/status.h"

/* Wire types. */
enum { NNB__PB_VARINT = 0, NNB__PB_FIXED64 = 1, NNB__PB_LEN = 2, NNB__PB_FIXED32 = 5 };

/* Deepest nesting of length-delimited sub-messages a cursor may open. */
#define NNB__PB_MAX_DEPTH 32

/* The largest field number protobuf allows (2^29 - 1). */
#define NNB__PB_MAX_FIELD 536870911u

typedef struct nnb__pb_cursor {
    const unsigned char *p;   /* next byte */
    const unsigned char *end; /* one past the last byte */
    unsigned depth;           /* nesting level (0: the whole buffer) */
} nnb__pb_cursor;

/* A borrowed byte range (a string, a bytes field or a sub-message), not NUL-terminated. */
typedef struct nnb__pb_slice {
    const unsigned char *data;
    size_t size;
} nnb__pb_slice;

/* A cursor over data[0..size). */
nnb__pb_cursor nnb__pb_cursor_make(const void *data, size_t size);

/* Non-zero while bytes are left. */
int nnb__pb_more(const nnb__pb_cursor *c);

/* Reads a varint (at most 10 bytes). NNB_ERR_FORMAT when truncated or too long. */
nnb_status nnb__pb_read_varint(nnb__pb_cursor *c, uint64_t *out);

/* Reads a field key: field number (1 .. 2^29-1) and wire type (0, 1, 2 or 5). NNB_ERR_FORMAT otherwise. */
nnb_status nnb__pb_read_key(nnb__pb_cursor *c, uint32_t *field, unsigned *wire);

/* Reads 4 or 8 little-endian bytes. */
nnb_status nnb__pb_read_fixed32(nnb__pb_cursor *c, uint32_t *out);
nnb_status nnb__pb_read_fixed64(nnb__pb_cursor *c, uint64_t *out);

/* Reads a length prefix and returns the bytes it covers (checked against the bytes left). */
nnb_status nnb__pb_read_bytes(nnb__pb_cursor *c, nnb__pb_slice *out);

/* Reads a length-delimited field as a sub-cursor one level deeper (NNB_ERR_FORMAT beyond the depth limit). */
nnb_status nnb__pb_read_message(nnb__pb_cursor *c, nnb__pb_cursor *sub);

/* Skips the value of a field of the given wire type. */
nnb_status nnb__pb_skip(nnb__pb_cursor *c, unsigned wire);

/*
 * One field of a message, key and value read together (nnb__pb_next_field). A varint, fixed32 or fixed64 field
 * has its value in `value` (fixed32 in the low 32 bits); a length-delimited field its bytes in `bytes` (a string,
 * a packed repeated field or a sub-message: nnb__pb_field_message opens it). number is 0 at the end.
 */
typedef struct nnb__pb_field {
    uint32_t number;
    unsigned wire;
    uint64_t value;
    nnb__pb_slice bytes;
    unsigned depth; /* the nesting level of the message the field belongs to */
} nnb__pb_field;

/*
 * Reads the next field of c: its key and its whole value, so a caller that does not want the field simply
 * goes on to the next. At the end of the message it returns NNB_OK with f->number = 0. NNB_ERR_FORMAT for a
 * bad key or a value cut off.
 */
nnb_status nnb__pb_next_field(nnb__pb_cursor *c, nnb__pb_field *f);

/* A cursor over a length-delimited field's bytes, one level deeper (NNB_ERR_FORMAT beyond the depth limit or
 * for another wire type). */
nnb_status nnb__pb_field_message(const nnb__pb_field *f, nnb__pb_cursor *sub);

/* A float from the bit pattern of a fixed32. */
float nnb__pb_float_from_bits(uint32_t bits);

/* Non-zero when the slice holds exactly the NUL-terminated string s. */
int nnb__pb_slice_is(nnb__pb_slice s, const char *str);

/* Non-zero when both slices hold the same bytes. */
int nnb__pb_slice_eq(nnb__pb_slice a, nnb__pb_slice b);

/* ---- writer ---- */

typedef struct nnb__pb_buf {
    unsigned char *data;
    size_t size;
    size_t cap;
    size_t limit;     /* the largest size allowed (NNB_ERR_OVERFLOW beyond it) */
    nnb_status error; /* the first failure, or NNB_OK */
} nnb__pb_buf;

/* An empty buffer that may grow to limit bytes. */
void nnb__pb_buf_init(nnb__pb_buf *b, size_t limit);
/* Frees the bytes (the buffer becomes empty). */
void nnb__pb_buf_free(nnb__pb_buf *b);
/* NNB_OK, or the first failure (NNB_ERR_NOMEM, NNB_ERR_OVERFLOW). */
nnb_status nnb__pb_buf_status(const nnb__pb_buf *b);

void nnb__pb_put_raw(nnb__pb_buf *b, const void *data, size_t size);
void nnb__pb_put_varint(nnb__pb_buf *b, uint64_t v);
void nnb__pb_put_key(nnb__pb_buf *b, uint32_t field, unsigned wire);
/* field = varint (int32/int64/enum: negative values as 10-byte two's complement, as protobuf does). */
void nnb__pb_put_int(nnb__pb_buf *b, uint32_t field, int64_t v);
void nnb__pb_put_float(nnb__pb_buf *b, uint32_t field, float v);
void nnb__pb_put_bytes(nnb__pb_buf *b, uint32_t field, const void *data, size_t size);
void nnb__pb_put_string(nnb__pb_buf *b, uint32_t field, const char *s);
/* Appends sub's bytes as a length-delimited field (sub's failure, if any, becomes b's). */
void nnb__pb_put_message(nnb__pb_buf *b, uint32_t field, const nnb__pb_buf *sub);

#endif /* NNB_INTERNAL_IO_PROTOBUF_WIRE_H */
