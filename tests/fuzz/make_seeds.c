/* SPDX-License-Identifier: MIT */
/*
 * Writes the fuzzers' seed corpus: valid inputs for each target (a small IDX image/label pair, plain and
 * gzip-less variants, and whole-model and parameters files) so that fuzzing starts from the accepted
 * formats. Usage: make_seeds DIR   (creates DIR/idx, DIR/model_file and DIR/onnx, and DIR itself if needed)
 */
#define _POSIX_C_SOURCE 200809L /* mkdir */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <nnbasics/nnbasics.h>

#if defined(__has_include)
#    if __has_include(<zlib.h>)
#        include <zlib.h>
#        define SEEDS_HAVE_ZLIB 1
#    endif
#endif

static int write_file(const char *dir, const char *name, const void *data, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size) {
        if (f != NULL) {
            fclose(f);
        }
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    return fclose(f) != 0;
}

/* Creates the folder path and any missing parent (as mkdir -p does); 0 on success. */
static int make_dir(const char *path)
{
    char buf[1024];
    const size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf) {
        fprintf(stderr, "bad folder name '%s'\n", path);
        return 1;
    }
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; ++i) {
        if (buf[i] != '/' && buf[i] != '\0') {
            continue;
        }
        const char saved = buf[i];
        buf[i] = '\0';
        struct stat sb;
        if (mkdir(buf, 0777) != 0) {
            const int e = errno;
            if (e != EEXIST) {
                fprintf(stderr, "cannot create the folder %s: %s\n", buf, strerror(e));
                return 1;
            }
            if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
                fprintf(stderr, "cannot create the folder %s: a file of that name exists\n", buf);
                return 1;
            }
        }
        buf[i] = saved;
    }
    return 0;
}

static void put_be32(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

#ifdef SEEDS_HAVE_ZLIB
/* gzip-compresses in[0..n) into out (capacity cap); returns the compressed size or 0. */
static size_t gzip_bytes(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return 0;
    }
    zs.next_in = (unsigned char *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t size = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? size : 0;
}

/* The same pair as idx_seed with both buffers gzip-compressed. */
static int idx_gzip_seed(const char *dir, const char *name)
{
    unsigned char images[16 + 4 * 9], labels[8 + 4], buf[2 + 512];
    memset(images, 0, sizeof images);
    memset(labels, 0, sizeof labels);
    put_be32(images, 0x803);
    put_be32(images + 4, 4);
    put_be32(images + 8, 3);
    put_be32(images + 12, 3);
    for (size_t i = 16; i < sizeof images; ++i) {
        images[i] = (unsigned char)(i * 11u);
    }
    put_be32(labels, 0x801);
    put_be32(labels + 4, 4);
    labels[8] = 1;
    labels[9] = 3;
    size_t gi = gzip_bytes(images, sizeof images, buf + 2, 256);
    size_t gl = gi != 0 ? gzip_bytes(labels, sizeof labels, buf + 2 + gi, 256) : 0;
    if (gl == 0) {
        return 1;
    }
    buf[0] = (unsigned char)(gi & 0xff);
    buf[1] = (unsigned char)(gi >> 8);
    return write_file(dir, name, buf, 2 + gi + gl);
}
#endif

/* IDX seed: 2-byte split, then images (magic 0x803, n, rows, cols, pixels), then labels (0x801, n, labels). */
static int idx_seed(const char *dir, const char *name, unsigned n, unsigned rows, unsigned cols)
{
    size_t images = 16 + (size_t)n * rows * cols, labels = 8 + n;
    unsigned char *buf = calloc(1, 2 + images + labels);
    if (buf == NULL) {
        return 1;
    }
    buf[0] = (unsigned char)(images & 0xff);
    buf[1] = (unsigned char)(images >> 8);
    unsigned char *p = buf + 2;
    put_be32(p, 0x803);
    put_be32(p + 4, n);
    put_be32(p + 8, rows);
    put_be32(p + 12, cols);
    for (size_t i = 0; i < (size_t)n * rows * cols; ++i) {
        p[16 + i] = (unsigned char)(i * 37u);
    }
    p += images;
    put_be32(p, 0x801);
    put_be32(p + 4, n);
    for (unsigned i = 0; i < n; ++i) {
        p[8 + i] = (unsigned char)(i % 10u);
    }
    int rc = write_file(dir, name, buf, 2 + images + labels);
    free(buf);
    return rc;
}

static int model_seed(const char *dir, const char *name, nnb_model_file_kind kind, int regression)
{
    nnb_model *m = NULL;
    nnb_regularization reg = {0.0f, 5e-4f, 0.0f, 5e-4f};
    size_t size = 0;
    int rc = 1;
    if (nnb_model_create(&m, 0) != NNB_OK) {
        return 1;
    }
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    if (regression) {
        if (nnb_model_add_dense(m, 1, 4, 0.1f, NULL) || nnb_model_add_relu(m) ||
            nnb_model_add_dense(m, 4, 1, 0.1f, NULL) || nnb_model_add_linear(m) ||
            nnb_model_set_loss(m, NNB_LOSS_MSE) || nnb_model_set_accuracy(m, NNB_ACCURACY_REGRESSION)) {
            goto done;
        }
    } else if (nnb_model_add_dense(m, 2, 4, 0.01f, &reg) || nnb_model_add_relu(m) || nnb_model_add_dropout(m, 0.1f) ||
               nnb_model_add_dense(m, 4, 3, 0.01f, NULL) || nnb_model_add_softmax(m) ||
               nnb_model_set_loss(m, NNB_LOSS_CCE) || nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL)) {
        goto done;
    }
    if (nnb_model_set_optimizer(m, &adam) || nnb_model_finalize(m)) {
        goto done;
    }
    if (!regression && kind == NNB_MODEL_FILE_MODEL) {
        /* The version-2 section: a scaling and both name lists. */
        const float center[2] = {0.5f, -1.0f}, scale[2] = {2.0f, 0.25f};
        const char *classes[3] = {"red", "green", "dark, blue"}, *features[2] = {"x", "y"};
        if (nnb_model_set_preprocess(m, NNB_PREPROCESS_STANDARDIZE, 2, center, scale) ||
            nnb_model_set_class_names(m, classes, 3) || nnb_model_set_feature_names(m, features, 2)) {
            goto done;
        }
    }
    if (nnb_model_serialize(m, kind, NULL, 0, &size)) {
        goto done;
    }
    void *buf = malloc(size);
    if (buf != NULL && nnb_model_serialize(m, kind, buf, size, &size) == NNB_OK) {
        rc = write_file(dir, name, buf, size);
    }
    free(buf);
done:
    nnb_model_destroy(m);
    return rc;
}

/*
 * A small convolutional model (1 x 6 x 6 images): conv 3x3 same + batchnorm (running averages set) + ReLU +
 * max pooling 2, conv 2x2 explicit padding 1 stride 2 without bias + average pooling 2 stride 1, global average
 * pooling, flatten, dense + softmax, with a per-pixel scaling. Its ONNX export is the parser's conv seed.
 */
static int cnn_seed(const char *dir, const char *name)
{
    nnb_model *m = NULL;
    size_t size = 0;
    int rc = 1;
    if (nnb_model_create(&m, 0) != NNB_OK) {
        return 1;
    }
    nnb_conv2d_params p = nnb_conv2d_params_default(3);
    p.padding = NNB_PADDING_SAME;
    nnb_conv2d_params q = nnb_conv2d_params_default(2);
    q.padding = NNB_PADDING_EXPLICIT;
    q.pad_h = q.pad_w = 1;
    q.stride = 2;
    q.bias = 0;
    if (nnb_model_add_conv2d(m, 1, 6, 6, 3, &p) || nnb_model_add_batchnorm(m, 0.1f, 1e-5f) || nnb_model_add_relu(m) ||
        nnb_model_add_maxpool2d(m, 2, 2, 2) || nnb_model_add_conv2d(m, 0, 0, 0, 2, &q) ||
        nnb_model_add_avgpool2d(m, 2, 2, 1) || nnb_model_add_global_avgpool(m) || nnb_model_add_flatten(m) ||
        nnb_model_add_dense(m, 2, 3, 0.1f, NULL) || nnb_model_add_softmax(m) || nnb_model_set_loss(m, NNB_LOSS_CCE) ||
        nnb_model_finalize(m)) {
        goto done;
    }
    float *mean = NULL, *var = NULL;
    size_t channels = 0;
    if (nnb_model_batchnorm_stats(m, 1, &mean, &var, &channels) != NNB_OK) {
        goto done;
    }
    for (size_t c = 0; c < channels; ++c) {
        mean[c] = 0.25f * (float)c - 0.1f;
        var[c] = 0.5f + (float)c;
    }
    float center[36], scale[36];
    for (size_t k = 0; k < 36; ++k) {
        center[k] = 0.1f * (float)(k % 3);
        scale[k] = 1.0f + 0.5f * (float)(k % 2);
    }
    if (nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 36, center, scale) ||
        nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, &size)) {
        goto done;
    }
    void *buf = malloc(size);
    if (buf != NULL && nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, buf, size, &size) == NNB_OK) {
        rc = write_file(dir, name, buf, size);
    }
    free(buf);
done:
    if (rc) {
        fprintf(stderr, "cannot build the conv seed %s: %s\n", name, nnb_last_error());
    }
    nnb_model_destroy(m);
    return rc;
}

/* The ONNX export of a model seed written just before (scaling included), for the ONNX parser's corpus. */
static int onnx_seed(const char *model_dir, const char *onnx_dir, const char *from, const char *name)
{
    char src[1100], dst[1100];
    snprintf(src, sizeof src, "%s/%s", model_dir, from);
    snprintf(dst, sizeof dst, "%s/%s", onnx_dir, name);
    nnb_model *m = NULL;
    int rc = nnb_model_load(&m, src) != NNB_OK || nnb_model_save_onnx(m, dst) != NNB_OK;
    if (rc) {
        fprintf(stderr, "cannot write %s: %s\n", dst, nnb_last_error());
    }
    nnb_model_destroy(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    char idx_dir[1024], model_dir[1024], onnx_dir[1024];
    snprintf(idx_dir, sizeof idx_dir, "%s/idx", argv[1]);
    snprintf(model_dir, sizeof model_dir, "%s/model_file", argv[1]);
    snprintf(onnx_dir, sizeof onnx_dir, "%s/onnx", argv[1]);
    if (make_dir(idx_dir) || make_dir(model_dir) || make_dir(onnx_dir)) {
        return 1;
    }
    int rc = idx_seed(idx_dir, "three_2x2", 3, 2, 2) | idx_seed(idx_dir, "ten_4x3", 10, 4, 3) |
             idx_seed(idx_dir, "one_1x1", 1, 1, 1) |
#ifdef SEEDS_HAVE_ZLIB
             idx_gzip_seed(idx_dir, "four_3x3.gz") |
#endif
             model_seed(model_dir, "classifier.nnb", NNB_MODEL_FILE_MODEL, 0) |
             model_seed(model_dir, "classifier_params.nnb", NNB_MODEL_FILE_PARAMETERS, 0) |
             model_seed(model_dir, "regression.nnb", NNB_MODEL_FILE_MODEL, 1) | cnn_seed(model_dir, "cnn.nnb");
    rc |= onnx_seed(model_dir, onnx_dir, "classifier.nnb", "classifier_scaled.onnx") |
          onnx_seed(model_dir, onnx_dir, "regression.nnb", "regression.onnx") |
          onnx_seed(model_dir, onnx_dir, "cnn.nnb", "cnn_scaled.onnx");
    return rc;
}
