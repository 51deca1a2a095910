/* SPDX-License-Identifier: MIT */
/* Loading Fashion-MNIST and model files, and checking that a model fits the data, with messages that say what
 * to do. */
#define _POSIX_C_SOURCE 200809L
#include "nnb.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *nnb_detail_for(const char *path)
{
    static char text[512];
    const char *d = nnb_last_error();
    const char *sep = strstr(d, ": ");
    if (sep != NULL) {
        d = sep + 2; /* the library function's name */
    }
    const size_t n = path != NULL ? strlen(path) : 0;
    if (n > 0 && strncmp(d, path, n) == 0 && d[n] == ':' && d[n + 1] == ' ') {
        d += n + 2; /* the path the caller's message names already */
    }
    (void)snprintf(text, sizeof text, "%s", d);
    for (char *c = text; *c != '\0'; c++) {
        if (*c == '\n' || *c == '\r') {
            *c = ' '; /* one line per message */
        }
    }
    return text;
}

size_t nnb_memory_limit(void)
{
    const char *v = getenv("NNB_MAX_MEMORY");
    if (v == NULL || v[0] == '\0') {
        return SIZE_MAX; /* unset: the defaults */
    }
    if (!isdigit((unsigned char)v[0])) {
        return 0;
    }
    errno = 0;
    char *end = NULL;
    const double n = strtod(v, &end);
    if (errno != 0 || end == v || !(n > 0.0)) {
        return 0;
    }
    double scale = 1.0;
    switch (*end) {
    case '\0': break;
    case 'K': scale = 1024.0; break;
    case 'M': scale = 1024.0 * 1024.0; break;
    case 'G': scale = 1024.0 * 1024.0 * 1024.0; break;
    case 'T': scale = 1024.0 * 1024.0 * 1024.0 * 1024.0; break;
    default: return 0;
    }
    if (*end != '\0' && end[1] != '\0') {
        return 0;
    }
    const double bytes = n * scale;
    if (!(bytes >= 1.0) || bytes >= (double)SIZE_MAX) {
        return 0;
    }
    return (size_t)bytes;
}

int nnb_check_memory_limit(const char *command, size_t *limit)
{
    *limit = nnb_memory_limit();
    if (*limit == 0) {
        nnb_error(command, "NNB_MAX_MEMORY='%s' is not a size (bytes, or a number with K, M, G or T: 8G)",
                  getenv("NNB_MAX_MEMORY"));
        return 0;
    }
    if (*limit == SIZE_MAX) {
        *limit = 0;
    }
    return 1;
}

const char *nnb_format_bytes(double bytes, char *buf, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t u = 0;
    while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024.0;
        ++u;
    }
    snprintf(buf, size, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    return buf;
}

/* The message for a failed Fashion-MNIST read: the library's detail names the file and the reason. */
static void fashion_error(const char *command, const char *where, const char *which, nnb_status st)
{
    if (st == NNB_ERR_IO) {
        nnb_error(command,
                  "cannot read Fashion-MNIST from %s: %s (need %s-images-idx3-ubyte[.gz] and "
                  "%s-labels-idx1-ubyte[.gz] there: install the data set or pass --dir)",
                  where, nnb_detail_for(NULL), which, which);
    } else if (st == NNB_ERR_UNSUPPORTED) {
        /* The library's status for gzip input in a build without zlib. */
        nnb_error(command,
                  "the Fashion-MNIST files in %s are gzip-compressed, and this nnb was built without zlib: "
                  "install zlib1g-dev and reconfigure (cmake -S . -B build), then rebuild; or pass --dir with "
                  "gunzipped copies",
                  where);
    } else if (st == NNB_ERR_NOMEM) {
        nnb_error(command, "out of memory reading the %s files in %s: %s", which, where, nnb_detail_for(NULL));
    } else if (st == NNB_ERR_LIMIT && nnb_memory_limit() == SIZE_MAX) {
        /* the default bound, which includes the expansion rule (idx.h) */
        nnb_error(command,
                  "cannot load the %s files in %s: %s; if the files are genuine, set NNB_MAX_MEMORY to the memory "
                  "they may use (e.g. NNB_MAX_MEMORY=8G)",
                  which, where, nnb_detail_for(NULL));
    } else if (st == NNB_ERR_LIMIT) {
        /* the caller's bound */
        nnb_error(command, "cannot load the %s files in %s: %s (NNB_MAX_MEMORY sets the limit)", which, where,
                  nnb_detail_for(NULL));
    } else {
        nnb_error(command, "the %s files in %s are not a valid Fashion-MNIST split: %s", which, where,
                  nnb_detail_for(NULL));
    }
}

int nnb_load_fashion(const char *command, const char *dir, nnb_fashion_split split, nnb_idx_set **out)
{
    const char *where = dir != NULL ? dir : NNB_FASHION_MNIST_DEFAULT_DIR;
    const char *which = split == NNB_FASHION_TRAIN ? "train" : "t10k";
    size_t limit = 0;
    if (!nnb_check_memory_limit(command, &limit)) {
        return 0;
    }
    nnb_status st = nnb_fashion_mnist_load_limited(out, dir, split, limit);
    if (st == NNB_OK) {
        return 1;
    }
    fashion_error(command, where, which, st);
    return 0;
}

int nnb_read_fashion_image(const char *command, const char *dir, nnb_fashion_split split, size_t index,
                           nnb_tensor *image, uint32_t *label)
{
    const char *where = dir != NULL ? dir : NNB_FASHION_MNIST_DEFAULT_DIR;
    const char *which = split == NNB_FASHION_TRAIN ? "train" : "t10k";
    nnb_status st = nnb_fashion_mnist_read_one(dir, split, index, image, label, NULL);
    if (st == NNB_OK) {
        return 1;
    }
    if (st == NNB_ERR_ARGUMENT) {
        /* the index is past the end: the detail gives the count */
        nnb_error(command, "--idx-index: %s", nnb_detail_for(NULL));
        return -1;
    }
    fashion_error(command, where, which, st);
    return 0;
}

int nnb_load_model(const char *command, const char *path, nnb_model **out)
{
    nnb_status st = nnb_model_load(out, path);
    if (st == NNB_OK) {
        return 1;
    }
    /* The library's detail names the file and the reason (the system's, for a file error). */
    const int missing = st == NNB_ERR_IO && access(path, F_OK) != 0 && errno == ENOENT;
    nnb_error(command, "cannot load the model %s: %s%s", path, nnb_detail_for(path),
              missing ? " (nnb train --save FILE writes one)" : "");
    return 0;
}

int nnb_check_fashion_model(const char *command, const nnb_model *model, const char *path)
{
    size_t in = nnb_model_input_size(model), out = nnb_model_output_size(model);
    if (in != NNB_FASHION_MNIST_SIDE * NNB_FASHION_MNIST_SIDE || out != NNB_FASHION_MNIST_CLASSES) {
        nnb_error(command,
                  "%s takes %zu inputs and gives %zu outputs; a Fashion-MNIST classifier takes 784 "
                  "and gives 10",
                  path, in, out);
        return 0;
    }
    nnb_layer_info last;
    if (nnb_model_layer_info(model, nnb_model_layer_count(model) - 1, &last) != NNB_OK ||
        last.kind != NNB_LAYER_SOFTMAX) {
        nnb_error(command, "%s does not end with softmax; its outputs are not class probabilities", path);
        return 0;
    }
    if (nnb_model_loss_kind(model) != NNB_LOSS_CCE) {
        nnb_error(command, "%s does not use categorical cross-entropy; it is not a classifier", path);
        return 0;
    }
    return 1;
}
