/* SPDX-License-Identifier: MIT */
/* Pictures of the nnb tool: the training curves (nnb train --plot), as a PNG with libpng, else a PPM. */
#define _POSIX_C_SOURCE 200809L

#include "nnb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(NNB_TOOL_WITH_PNG)
#    include <png.h>
#endif

enum { CURVES_WIDTH = 800, CURVES_HEIGHT = 450 };

int nnb_picture_is_png(const char *path)
{
#if defined(NNB_TOOL_WITH_PNG)
    return !nnb_has_extension(path, ".ppm");
#else
    (void)path;
    return 0;
#endif
}

int nnb_picture_prepare(const char *command, const char *path, char *out, size_t size)
{
    const size_t len = strlen(path);
    if (len >= size) {
        nnb_error(command, "--plot: the path is too long");
        return 0;
    }
    memcpy(out, path, len + 1);
#if !defined(NNB_TOOL_WITH_PNG)
    /* No libpng: a name ending in .png gets .ppm instead, so the file's name says what it holds. */
    if (nnb_has_extension(out, ".png")) {
        memcpy(out + len - 4, ".ppm", 4);
    }
#endif
    FILE *f = fopen(out, "wb"); /* created before training, so a bad path fails at once */
    if (f == NULL) {
        nnb_error(command, "--plot: cannot write %s: %s", out, strerror(errno));
        return 0;
    }
    fclose(f);
    return 1;
}

#if defined(NNB_TOOL_WITH_PNG)
static int write_png(const char *path, const nnb_image *image)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return 0;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)image->width, (png_uint_32)image->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t r = 0; r < image->height; ++r) {
        png_write_row(png, image->rgb + r * image->width * 3);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0;
}
#endif

int nnb_picture_write(const char *command, const char *path, const nnb_image *image, const char *what, int quiet)
{
#if defined(NNB_TOOL_WITH_PNG)
    if (nnb_picture_is_png(path)) {
        if (!write_png(path, image)) {
            nnb_error(command, "--plot: writing %s failed", path);
            return 0;
        }
        if (!quiet) {
            printf("wrote %s to %s (PNG)\n", what, path);
        }
        return 1;
    }
#endif
    nnb_status st = nnb_image_write_ppm(image, path);
    if (st != NNB_OK) {
        nnb_error(command, "--plot: %s", nnb_describe(st));
        return 0;
    }
    if (!quiet) {
#if defined(NNB_TOOL_WITH_PNG)
        printf("wrote %s to %s (PPM: the name ends in .ppm)\n", what, path);
#else
        printf("wrote %s to %s (PPM: this nnb was built without libpng)\n", what, path);
#endif
    }
    return 1;
}

int nnb_picture_history(const char *command, const nnb_model *model, const char *path, const char *title, int quiet)
{
    const nnb_history_entry *entries = NULL;
    size_t count = 0;
    nnb_status st = nnb_model_history(model, &entries, &count);
    if (st != NNB_OK) {
        return nnb_fail(command, "--plot", st) == NNB_EXIT_OK;
    }
    if (count == 0) {
        nnb_error(command, "--plot: no epoch completed, nothing to draw in %s", path);
        return 1; /* the training's own failure is reported next */
    }
    nnb_image image = {malloc((size_t)CURVES_WIDTH * CURVES_HEIGHT * 3), CURVES_WIDTH, CURVES_HEIGHT};
    if (image.rgb == NULL) {
        nnb_error(command, "--plot: out of memory");
        return 0;
    }
    st = nnb_plot_history(&image, entries, count, title);
    int ok = st == NNB_OK ? nnb_picture_write(command, path, &image, "the training curves", quiet)
                          : nnb_fail(command, "--plot", st) == NNB_EXIT_OK;
    free(image.rgb);
    return ok;
}
