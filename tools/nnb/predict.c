/* SPDX-License-Identifier: MIT */
/*
 * nnb predict: the class of one image - a 28x28 PNG (read with libpng when the tool was built with it) or
 * image N of a Fashion-MNIST split - with the probability of every class.
 */
#include "nnb.h"
#include "tabular.h"

#include <stdlib.h>
#include <string.h>

#if defined(NNB_TOOL_WITH_PNG)
#    include <png.h>
#endif

#define SIDE NNB_FASHION_MNIST_SIDE
#define PIXELS (SIDE * SIDE)

static const char *const k_cmd = "nnb predict";

static void predict_usage(void)
{
    printf("usage: nnb predict --model FILE (--image FILE.png [--invert] | --idx-index N [--dir DIR] [--split S])\n"
           "                   [--quiet]\n"
           "\n"
           "Classifies one image with a model saved by 'nnb train' and prints each class's probability.\n"
           "\n"
           "options:\n"
           "  --model FILE      the saved model (required)\n"
           "  --image FILE.png  a 28x28 PNG (any colour type is converted to 8-bit grey); like the data set it\n"
           "                    should show a light garment on a black background%s\n"
           "  --invert          invert the PNG's grey levels first (for a dark garment on a white background)\n"
           "  --idx-index N     image N (0-based) of a Fashion-MNIST split instead of a PNG\n"
           "  --dir DIR         where the Fashion-MNIST files are (default %s)\n"
           "  --split NAME      test (the default) or train, for --idx-index\n"
           "  --quiet           print only the 'prediction:' line\n"
           "  --help            this text\n"
           "\n"
           "Each option's value may follow it or be attached with '=': --idx-index 3 or --idx-index=3.\n"
           "A model trained on a table predicts rows of --data FILE (CSV, .npy, .npz) into --output FILE:\n"
           "see nnb predict --data FILE --help.\n",
#if defined(NNB_TOOL_WITH_PNG)
           "",
#else
           "\n                    (this nnb was built without libpng, so only --idx-index works: install\n"
           "                    libpng-dev and reconfigure to read PNGs)",
#endif
           NNB_FASHION_MNIST_DEFAULT_DIR);
}

#if defined(NNB_TOOL_WITH_PNG)
/* Reads a 28x28 PNG into 8-bit grey pixels; prints why on failure and returns 0. */
static int read_png(const char *path, unsigned char *pixels)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        nnb_error(k_cmd, "cannot open %s", path);
        return 0;
    }
    unsigned char sig[8];
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        nnb_error(k_cmd, "%s is not a PNG file", path);
        fclose(f);
        return 0;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        fclose(f);
        nnb_error(k_cmd, "out of memory reading %s", path);
        return 0;
    }
    png_bytep rows[SIDE];
    /* volatile: the flag and the buffer are read after a longjmp back into this frame. */
    unsigned char *volatile buf = NULL;
    volatile int ok = 0;
    if (setjmp(png_jmpbuf(png)) != 0) {
        nnb_error(k_cmd, "%s is not a readable PNG", path);
        goto out;
    }
    png_init_io(png, f);
    png_set_sig_bytes(png, (int)sizeof sig);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w != SIDE || h != SIDE) {
        nnb_error(k_cmd, "%s is %lux%lu pixels; Fashion-MNIST images are 28x28", path, (unsigned long)w,
                  (unsigned long)h);
        goto out;
    }
    /* Any colour type -> 8-bit grey without alpha. */
    png_byte color = png_get_color_type(png, info);
    if (png_get_bit_depth(png, info) == 16) {
        png_set_strip_16(png);
    }
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (png_get_valid(png, info, PNG_INFO_tRNS)) {
        png_set_tRNS_to_alpha(png);
    }
    if (color == PNG_COLOR_TYPE_RGB || color == PNG_COLOR_TYPE_RGB_ALPHA || color == PNG_COLOR_TYPE_PALETTE) {
        png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    }
    png_set_strip_alpha(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != SIDE) {
        nnb_error(k_cmd, "%s: unsupported PNG layout", path);
        goto out;
    }
    buf = malloc(PIXELS);
    if (buf == NULL) {
        nnb_error(k_cmd, "out of memory reading %s", path);
        goto out;
    }
    for (size_t r = 0; r < SIDE; ++r) {
        rows[r] = buf + r * SIDE;
    }
    png_read_image(png, rows);
    memcpy(pixels, buf, PIXELS);
    ok = 1;
out:
    free(buf);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return ok;
}
#endif

int nnb_cmd_predict(int argc, char **argv)
{
    if (nnb_tabular_requested(argc, argv)) {
        return nnb_cmd_predict_tabular(argc, argv); /* --data FILE: CSV, .npy, .npz */
    }
    nnb_args a;
    nnb_args_init(&a, argc, argv, 2, k_cmd);
    const char *model_path = NULL, *image = NULL, *dir = NULL, *split_name = "test";
    size_t index = 0;
    int have_index = 0, invert = 0, quiet = 0;
    const char *opt;
    int err = 0;
    while ((opt = nnb_args_next_option(&a, &err)) != NULL) {
        int ok = 1;
        if (strcmp(opt, "--help") == 0) {
            if (!nnb_args_flag(&a)) {
                return NNB_EXIT_USAGE;
            }
            predict_usage();
            return NNB_EXIT_OK;
        } else if (strcmp(opt, "--quiet") == 0) {
            ok = nnb_args_flag(&a);
            quiet = 1;
        } else if (strcmp(opt, "--model") == 0) {
            ok = nnb_args_string(&a, opt, &model_path);
        } else if (strcmp(opt, "--image") == 0) {
            ok = nnb_args_string(&a, opt, &image);
        } else if (strcmp(opt, "--invert") == 0) {
            ok = nnb_args_flag(&a);
            invert = 1;
        } else if (strcmp(opt, "--idx-index") == 0) {
            ok = nnb_args_size(&a, opt, 0, SIZE_MAX - 1, &index);
            have_index = 1;
        } else if (strcmp(opt, "--dir") == 0) {
            ok = nnb_args_string(&a, opt, &dir);
        } else if (strcmp(opt, "--split") == 0) {
            ok = nnb_args_string(&a, opt, &split_name);
            if (ok && strcmp(split_name, "test") != 0 && strcmp(split_name, "train") != 0) {
                nnb_error(k_cmd, "--split: '%s' is neither test nor train", split_name);
                ok = 0;
            }
        } else {
            return nnb_args_unknown(&a, opt);
        }
        if (!ok) {
            return NNB_EXIT_USAGE;
        }
    }
    if (err) {
        return NNB_EXIT_USAGE;
    }
    if (model_path == NULL) {
        nnb_error(k_cmd, "--model is required; see nnb predict --help");
        return NNB_EXIT_USAGE;
    }
    if ((image == NULL) == !have_index) {
        nnb_error(k_cmd, "give exactly one of --image FILE.png and --idx-index N");
        return NNB_EXIT_USAGE;
    }
    if (invert && image == NULL) {
        nnb_error(k_cmd, "--invert applies to --image only");
        return NNB_EXIT_USAGE;
    }
#if !defined(NNB_TOOL_WITH_PNG)
    if (image != NULL) {
        nnb_error(k_cmd, "this nnb was built without PNG support (libpng was not found at configure time): "
                         "install libpng-dev and reconfigure (cmake -S . -B build), then rebuild; or use "
                         "--idx-index N");
        return NNB_EXIT_FAILURE;
    }
#endif

    int rc = NNB_EXIT_FAILURE;
    nnb_model *m = NULL;
    nnb_idx_set *set = NULL;
    nnb_tensor *x = NULL, *probs = NULL;
    long truth = -1;
    nnb_status st;
    if (!nnb_load_model(k_cmd, model_path, &m) || !nnb_check_fashion_model(k_cmd, m, model_path)) {
        goto done;
    }
    st = nnb_tensor_create(&x, 1, PIXELS);
    if (st == NNB_OK)
        st = nnb_tensor_create(&probs, 1, NNB_FASHION_MNIST_CLASSES);
    if (st != NNB_OK) {
        nnb_fail(k_cmd, "allocation", st);
        goto done;
    }
    if (have_index) {
        const nnb_fashion_split split = strcmp(split_name, "train") == 0 ? NNB_FASHION_TRAIN : NNB_FASHION_TEST;
        if (!nnb_load_fashion(k_cmd, dir, split, &set)) {
            goto done;
        }
        if (index >= nnb_idx_set_count(set)) {
            nnb_error(k_cmd, "--idx-index %zu is out of range: the %s split has %zu images (0 to %zu)", index,
                      split_name, nnb_idx_set_count(set), nnb_idx_set_count(set) - 1);
            rc = NNB_EXIT_USAGE;
            goto done;
        }
        memcpy(nnb_tensor_data(x), nnb_tensor_cdata(nnb_idx_set_images(set)) + index * PIXELS, PIXELS * sizeof(float));
        truth = (long)nnb_idx_set_labels(set)[index];
    }
#if defined(NNB_TOOL_WITH_PNG)
    else {
        unsigned char pixels[PIXELS];
        if (!read_png(image, pixels)) {
            goto done;
        }
        float *v = nnb_tensor_data(x);
        for (size_t i = 0; i < PIXELS; ++i) {
            unsigned p = invert ? 255u - pixels[i] : pixels[i];
            v[i] = ((float)p - 127.5f) / 127.5f; /* the training data's scaling */
        }
    }
#endif
    st = nnb_model_predict(m, x, probs, 1, NULL);
    if (st != NNB_OK) {
        nnb_fail(k_cmd, "prediction", st);
        goto done;
    }
    uint32_t best = 0;
    (void)nnb_tensor_argmax_rows(probs, &best, 1);
    const float *p = nnb_tensor_cdata(probs);
    if (have_index && !quiet) {
        printf("image: %s split #%zu, true class: %s (%ld)\n", split_name, index,
               nnb_fashion_mnist_class_name((size_t)truth), truth);
    } else if (!quiet) {
        printf("image: %s%s\n", image, invert ? " (inverted)" : "");
    }
    printf("prediction: %s (class %u), probability %.4f\n", nnb_fashion_mnist_class_name(best), (unsigned)best,
           (double)p[best]);
    if (!quiet) {
        printf("\nprobabilities:\n");
        for (size_t c = 0; c < NNB_FASHION_MNIST_CLASSES; ++c) {
            int bar = (int)((double)p[c] * 40.0 + 0.5);
            printf("  %zu %-12s %.4f %.*s%s\n", c, nnb_fashion_mnist_class_name(c), (double)p[c], bar,
                   "########################################", c == best ? "  <" : "");
        }
    }
    rc = NNB_EXIT_OK;
done:
    nnb_tensor_destroy(probs);
    nnb_tensor_destroy(x);
    nnb_idx_set_destroy(set);
    nnb_model_destroy(m);
    return rc;
}
