/* SPDX-License-Identifier: MIT */
/* Internal: what the .npz code shares with the .npy code. Never installed. */
#ifndef NNB_INTERNAL_NPY_H
#define NNB_INTERNAL_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nnbasics/npy.h"

typedef enum npy_dtype { NPY_F4, NPY_F8, NPY_I4, NPY_I8, NPY_U1 } npy_dtype;

/* A parsed .npy header. */
typedef struct npy_header {
    npy_dtype dtype;
    size_t itemsize;
    size_t ndim;
    size_t shape[NNB_NPY_MAX_RANK];
    size_t count;      /* product of the shape, > 0 */
    size_t data_bytes; /* count * itemsize */
} npy_header;

/* The .npy parsers without argument checks (data non-NULL, vector valid). */
nnb_status nnb__npy_parse_tensor(nnb_tensor **out, const unsigned char *data, size_t size, nnb_npy_vector vector);
nnb_status nnb__npy_parse_labels(uint32_t **out, size_t *count, const unsigned char *data, size_t size);

/* Largest header nnb__npy_header writes (two 20-digit sizes fit well within). */
#define NNB__NPY_HEADER_MAX 192

/* Writes the version 1.0 '<f4' header for t into buf (NNB__NPY_HEADER_MAX bytes); returns its length. */
size_t nnb__npy_header(const nnb_tensor *t, int vector, unsigned char *buf);

/* Emits t as .npy bytes: written to f (when non-NULL) and folded into *crc (when non-NULL). NNB_ERR_IO. */
nnb_status nnb__npy_write(const nnb_tensor *t, int vector, FILE *f, uint32_t *crc);

#endif
