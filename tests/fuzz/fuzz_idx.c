/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the IDX reader. The input is split in two: the first two bytes (little-endian) give the
 * length of the image buffer, the rest after it is the label buffer. Any bytes must give a set or a
 * status, never a crash, leak or undefined behaviour. The same bytes, written to two files, go through the
 * one-record reader (nnb_idx_read_one): for a set that parses, every record it reads must equal the set's.
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nnbasics/nnbasics.h>

/* Two files made once per process, rewritten for every input. */
static char g_img_path[256], g_lab_path[256];
static int g_img_fd = -1, g_lab_fd = -1;

static int make_file(char *path, size_t size, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, size, "%s/nnb_fuzz_idx_%s_XXXXXX", dir != NULL ? dir : "/tmp", name);
    return mkstemp(path);
}

static int rewrite(int fd, const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0) {
        return 0;
    }
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) {
            return 0;
        }
        done += (size_t)w;
    }
    return 1;
}

static void cleanup(void)
{
    (void)unlink(g_img_path);
    (void)unlink(g_lab_path);
}

/* nnb_idx_read_one on the files: agrees with the parsed set (when there is one), never crashes. */
static void read_records(const uint8_t *img, size_t img_size, const uint8_t *lab, size_t lab_size,
                         const nnb_idx_set *set)
{
    if (g_img_fd < 0) {
        g_img_fd = make_file(g_img_path, sizeof g_img_path, "images");
        g_lab_fd = make_file(g_lab_path, sizeof g_lab_path, "labels");
        if (g_img_fd < 0 || g_lab_fd < 0) {
            __builtin_trap();
        }
        atexit(cleanup);
    }
    if (!rewrite(g_img_fd, img, img_size) || !rewrite(g_lab_fd, lab, lab_size)) {
        __builtin_trap();
    }
    const size_t features = set != NULL ? nnb_tensor_cols(nnb_idx_set_images(set)) : 16;
    nnb_tensor *x = NULL;
    if (nnb_tensor_create(&x, 1, features) != NNB_OK) {
        return;
    }
    const size_t n = set != NULL ? nnb_idx_set_count(set) : 2;
    for (size_t i = 0; i < n && i < 4; ++i) {
        uint32_t label = 0;
        nnb_status st = nnb_idx_read_one(g_img_path, g_lab_path, i, x, &label, NULL);
        if (set == NULL) {
            if (st != NNB_OK && nnb_last_error()[0] == '\0') {
                __builtin_trap(); /* every failure says why */
            }
            continue;
        }
        if (st != NNB_OK || label != nnb_idx_set_labels(set)[i] ||
            memcmp(nnb_tensor_cdata(x), nnb_tensor_cdata(nnb_idx_set_images(set)) + i * features,
                   features * sizeof(float)) != 0) {
            __builtin_trap(); /* the one-record reader disagrees with the whole-set reader */
        }
    }
    if (set != NULL && nnb_idx_read_one(g_img_path, g_lab_path, n, x, &(uint32_t){0}, NULL) != NNB_ERR_ARGUMENT) {
        __builtin_trap(); /* one past the end */
    }
    nnb_tensor_destroy(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) {
        return 0;
    }
    size_t split = (size_t)data[0] | ((size_t)data[1] << 8);
    const uint8_t *rest = data + 2;
    size_t rest_size = size - 2;
    if (split > rest_size) {
        split = rest_size;
    }
    nnb_idx_set *set = NULL;
    nnb_status st = nnb_idx_set_parse(&set, rest, split, rest + split, rest_size - split);
    if (st == NNB_OK) {
        /* A parsed set must be internally consistent. */
        size_t n = nnb_idx_set_count(set);
        const nnb_tensor *images = nnb_idx_set_images(set);
        const uint32_t *labels = nnb_idx_set_labels(set);
        if (nnb_tensor_rows(images) != n || labels == NULL) {
            __builtin_trap();
        }
        for (size_t i = 0; i < n; ++i) {
            if (labels[i] > 255u) {
                __builtin_trap();
            }
        }
        read_records(rest, split, rest + split, rest_size - split, set);
        nnb_idx_set_destroy(set);
    } else if (set != NULL) {
        __builtin_trap(); /* out-parameter must stay untouched on failure */
    } else {
        if (nnb_last_error()[0] == '\0') {
            __builtin_trap(); /* every failure says why */
        }
        read_records(rest, split, rest + split, rest_size - split, NULL);
    }
    return 0;
}
