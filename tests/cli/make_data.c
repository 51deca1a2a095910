/* SPDX-License-Identifier: MIT */
/*
 * Writes a small synthetic data set in the Fashion-MNIST layout for the nnb end-to-end test:
 * train-images-idx3-ubyte / train-labels-idx1-ubyte (240 images) and t10k-* (60 images) of 28x28 pixels,
 * three easy classes (0: bright top half, 1: bright left half, 2: bright centre square) over faint noise.
 * With libpng it also writes sample1.png (a class-1 image), sample1_inverted.png (the same, dark on white)
 * sample1_rgb.png (the same in RGB, converted to grey on reading) and small.png (20x20, to be rejected).
 * It also saves two valid model files that are not Fashion-MNIST classifiers: other_shape.nnb (2 inputs) and
 * no_softmax.nnb (784 -> 10 without a softmax), and a parameters-only file, params_only.nnb.
 * usage: nnb_cli_make_data DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

#if defined(NNB_TOOL_WITH_PNG)
#    include <png.h>
#endif

#define SIDE 28

static unsigned long g_state = 12345;

static unsigned noise(void)
{
    g_state = g_state * 1103515245ul + 12345ul;
    return (unsigned)((g_state >> 16) % 40u);
}

static void draw(unsigned char *img, unsigned label)
{
    for (unsigned r = 0; r < SIDE; ++r) {
        for (unsigned c = 0; c < SIDE; ++c) {
            int on = (label == 0 && r < SIDE / 2) || (label == 1 && c < SIDE / 2) ||
                     (label == 2 && r >= 8 && r < 20 && c >= 8 && c < 20);
            img[r * SIDE + c] = (unsigned char)(on ? 180u + noise() : noise());
        }
    }
}

static void be32(FILE *f, unsigned long v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                          (unsigned char)v};
    fwrite(b, 1, 4, f);
}

static int write_split(const char *dir, const char *prefix, unsigned n)
{
    char path[1024];
    unsigned char img[SIDE * SIDE];
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte", dir, prefix);
    FILE *fi = fopen(path, "wb");
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte", dir, prefix);
    FILE *fl = fopen(path, "wb");
    if (fi == NULL || fl == NULL) {
        fprintf(stderr, "cannot write into %s\n", dir);
        return 0;
    }
    be32(fi, 0x803);
    be32(fi, n);
    be32(fi, SIDE);
    be32(fi, SIDE);
    be32(fl, 0x801);
    be32(fl, n);
    for (unsigned i = 0; i < n; ++i) {
        unsigned label = i % 3;
        draw(img, label);
        fwrite(img, 1, sizeof img, fi);
        unsigned char l = (unsigned char)label;
        fwrite(&l, 1, 1, fl);
    }
    int ok = fclose(fi) == 0;
    ok = fclose(fl) == 0 && ok;
    return ok;
}

#if defined(NNB_TOOL_WITH_PNG)
static int write_png(const char *dir, const char *name, const unsigned char *px, unsigned side, int rgb, int interlace)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL || setjmp(png_jmpbuf(png)) != 0) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return 0;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, side, side, 8, rgb ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const int passes = interlace ? png_set_interlace_handling(png) : 1;
    unsigned char row[3 * SIDE];
    for (int pass = 0; pass < passes; ++pass) {
        for (unsigned r = 0; r < side; ++r) {
            if (rgb) {
                for (unsigned c = 0; c < side; ++c) {
                    row[3 * c] = row[3 * c + 1] = row[3 * c + 2] = px[r * side + c];
                }
                png_write_row(png, row);
            } else {
                png_write_row(png, (png_const_bytep)(px + r * side));
            }
        }
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0;
}
#endif

static int write_model(const char *dir, const char *name, size_t inputs, size_t outputs, int softmax,
                       nnb_accuracy_kind accuracy)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    nnb_model *m = NULL;
    nnb_status st = nnb_model_create(&m, 0);
    if (st == NNB_OK)
        st = nnb_model_add_dense(m, inputs, outputs, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    if (st == NNB_OK)
        st = softmax ? nnb_model_add_softmax(m) : nnb_model_add_linear(m);
    if (st == NNB_OK)
        st = nnb_model_set_loss(m, NNB_LOSS_CCE);
    if (st == NNB_OK)
        st = nnb_model_finalize(m);
    if (st == NNB_OK && accuracy != NNB_ACCURACY_NONE)
        st = nnb_model_set_accuracy(m, accuracy);
    if (st == NNB_OK)
        st = nnb_model_save(m, path);
    nnb_model_destroy(m);
    if (st != NNB_OK) {
        fprintf(stderr, "cannot write %s: %s\n", path, nnb_status_string(st));
        return 0;
    }
    return 1;
}

/* The dense parameters of a 784 -> 10 layer alone (nnb_model_save_parameters). */
static int write_parameters(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    nnb_model *m = NULL;
    nnb_status st = nnb_model_create(&m, 0);
    if (st == NNB_OK)
        st = nnb_model_add_dense(m, 784, 10, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    if (st == NNB_OK)
        st = nnb_model_save_parameters(m, path);
    nnb_model_destroy(m);
    if (st != NNB_OK) {
        fprintf(stderr, "cannot write %s: %s\n", path, nnb_status_string(st));
        return 0;
    }
    return 1;
}

/* A convolution without biases (2 x 3 x 3 -> 3 channels: 54 weights), flatten, dense 27 -> 2 (56). */
static int write_conv_nobias(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    nnb_model *m = NULL;
    nnb_conv2d_params cp = nnb_conv2d_params_default(3);
    cp.bias = 0;
    nnb_status st = nnb_model_create(&m, 0);
    if (st == NNB_OK)
        st = nnb_model_add_conv2d(m, 2, 5, 5, 3, &cp);
    if (st == NNB_OK)
        st = nnb_model_add_flatten(m);
    if (st == NNB_OK)
        st = nnb_model_add_dense(m, 27, 2, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    if (st == NNB_OK)
        st = nnb_model_add_softmax(m);
    if (st == NNB_OK)
        st = nnb_model_set_loss(m, NNB_LOSS_CCE);
    if (st == NNB_OK)
        st = nnb_model_finalize(m);
    if (st == NNB_OK)
        st = nnb_model_save(m, path);
    nnb_model_destroy(m);
    if (st != NNB_OK) {
        fprintf(stderr, "cannot write %s: %s\n", path, nnb_status_string(st));
        return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: nnb_cli_make_data DIR\n");
        return 2;
    }
    if (!write_split(argv[1], "train", 240) || !write_split(argv[1], "t10k", 60)) {
        return 1;
    }
#if defined(NNB_TOOL_WITH_PNG)
    unsigned char img[SIDE * SIDE], inv[SIDE * SIDE], small[20 * 20];
    draw(img, 1);
    for (size_t i = 0; i < sizeof img; ++i) {
        inv[i] = (unsigned char)(255u - img[i]);
    }
    memset(small, 0, sizeof small);
    if (!write_png(argv[1], "sample1.png", img, SIDE, 0, 0) ||
        !write_png(argv[1], "sample1_inverted.png", inv, SIDE, 0, 0) ||
        !write_png(argv[1], "sample1_rgb.png", img, SIDE, 1, 0) || !write_png(argv[1], "small.png", small, 20, 0, 0) ||
        !write_png(argv[1], "sample1_interlaced.png", img, SIDE, 0, 1)) {
        fprintf(stderr, "cannot write the PNG files\n");
        return 1;
    }
#endif
    /*
     * Valid models that are not Fashion-MNIST classifiers: another shape, and no softmax at the end; a
     * parameters-only file, which is not a whole model; and a 784 -> 10 classifier that stores the binary accuracy
     * kind.
     */
    return write_model(argv[1], "other_shape.nnb", 2, 3, 1, NNB_ACCURACY_NONE) &&
                   write_model(argv[1], "no_softmax.nnb", 784, 10, 0, NNB_ACCURACY_NONE) &&
                   write_model(argv[1], "binary_acc.nnb", 784, 10, 1, NNB_ACCURACY_BINARY) &&
                   write_parameters(argv[1], "params_only.nnb") && write_conv_nobias(argv[1], "conv_nobias.nnb")
               ? 0
               : 1;
}
