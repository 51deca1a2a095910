/* SPDX-License-Identifier: MIT */
/*
 * Chapter 18 - The model object, and what the network learned.
 *
 * Teaches: building, training and using a whole network through nnb_model instead of wiring layers by
 * hand. The network is chapter 10's: Dense(2,64) -> ReLU -> Dense(64,3) -> softmax with categorical
 * cross-entropy (fused backward) and Adam(learning_rate=0.05, decay=5e-7), trained on the full spiral
 * batch (seed 0, 100 points per class) for 10000 epochs. A progress callback receives each report; the
 * library itself never prints.
 *
 * Then the trained model predicts every pixel of the plane [-1,1]^2 and the program draws the decision
 * regions: each class a light colour, deeper where the network is more confident, with the training points
 * on top in saturated colours, framed by axes with numbered ticks, a title and a legend drawn with the library's
 * plot module (plot.h). Outputs, in argv[1] or the current directory:
 *   spiral_regions.png   (spiral_regions.ppm when built without libpng)
 *   spiral_training.csv  epoch,loss,accuracy,learning_rate every 100 epochs
 * The loss and accuracy of epoch k are measured in that epoch's forward pass, before its update.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef NNB_EXAMPLE_HAVE_PNG
#    include <png.h>
#endif

#include "example_util.h"

enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES, HIDDEN = 64, EPOCHS = 10000 };
enum { WIDTH = 400, HEIGHT = 400, CSV_EVERY = 100, PRINT_EVERY = 1000 };
/* The picture: the 400 x 400 plane at (LEFT, TOP) of a larger canvas with room for ticks, title and legend. */
enum { LEFT = 44, TOP = 28, CANVAS_W = LEFT + WIDTH + 16, CANVAS_H = TOP + HEIGHT + 44 };

/* Saturated class colours (points) and the background they tint. */
static const unsigned char class_rgb[CLASSES][3] = {{214, 39, 40}, {44, 160, 44}, {31, 119, 180}};

typedef struct training_log {
    FILE *csv;
    int write_failed;
} training_log;

/* The progress callback: a CSV row every report (every 100 epochs), a console line every 1000. */
static int on_progress(const nnb_progress *p, void *user)
{
    training_log *log = user;
    if (p->event != NNB_PROGRESS_EPOCH) {
        return 0;
    }
    if (fprintf(log->csv, "%zu,%.7g,%.6f,%.17g\n", p->epoch, (double)p->loss, p->accuracy, p->learning_rate) < 0) {
        log->write_failed = 1;
        return 1; /* stop training: the log cannot be written */
    }
    if (p->epoch % PRINT_EVERY == 0 || p->epoch == p->epochs) {
        printf("epoch: %zu, acc: %.3f, loss: %.3f, lr: %.10g, %.0f samples/s\n", p->epoch, p->accuracy, (double)p->loss,
               p->learning_rate, p->samples_per_second);
    }
    return 0;
}

static void join_path(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size) {
        fprintf(stderr, "output path too long: %s/%s\n", dir, name);
        exit(EXIT_FAILURE);
    }
}

static void put_pixel(unsigned char *img, long x, long y, const unsigned char rgb[3])
{
    if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT) {
        return;
    }
    unsigned char *px = img + ((size_t)y * WIDTH + (size_t)x) * 3;
    px[0] = rgb[0];
    px[1] = rgb[1];
    px[2] = rgb[2];
}

/* A filled disc of radius r centred on pixel (cx, cy). */
static void disc(unsigned char *img, long cx, long cy, long r, const unsigned char rgb[3])
{
    for (long dy = -r; dy <= r; ++dy) {
        for (long dx = -r; dx <= r; ++dx) {
            if (dx * dx + dy * dy <= r * r) {
                put_pixel(img, cx + dx, cy + dy, rgb);
            }
        }
    }
}

/* Nearest integer (the example needs no libm). */
static long round_to_long(double v)
{
    return v >= 0.0 ? (long)(v + 0.5) : -(long)(0.5 - v);
}

/* Plane coordinate to pixel column / row (y grows upwards in the plane, downwards in the image). */
static long to_col(float x)
{
    return round_to_long(((double)x + 1.0) * 0.5 * WIDTH - 0.5);
}

static long to_row(float y)
{
    return round_to_long((1.0 - (double)y) * 0.5 * HEIGHT - 0.5);
}

#ifdef NNB_EXAMPLE_HAVE_PNG
static int write_image(const char *path, const unsigned char *rgb)
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
    png_set_IHDR(png, info, CANVAS_W, CANVAS_H, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t r = 0; r < CANVAS_H; ++r) {
        png_write_row(png, rgb + r * CANVAS_W * 3);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0;
}
#    define IMAGE_NAME "spiral_regions.png"
#    define IMAGE_NOTE ""
#else
static int write_image(const char *path, const unsigned char *rgb)
{
    nnb_image image = {(unsigned char *)rgb, CANVAS_W, CANVAS_H};
    return nnb_image_write_ppm(&image, path) == NNB_OK;
}
#    define IMAGE_NAME "spiral_regions.ppm"
#    define IMAGE_NOTE " (a PPM: this build has no libpng; install libpng-dev and reconfigure for a PNG)"
#endif

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    char csv_path[4096], image_path[4096];
    join_path(csv_path, sizeof csv_path, dir, "spiral_training.csv");
    join_path(image_path, sizeof image_path, dir, IMAGE_NAME);

    /* The data, then the model drawing its weights from the same generator (as the book's global stream). */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t y[N];
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, N, 2));
    CHECK(nnb_spiral_data(rng, SAMPLES, CLASSES, X, y, N));

    nnb_model *model = NULL;
    CHECK(nnb_model_create_from_rng(&model, rng));
    CHECK(nnb_model_add_dense(model, 2, HIDDEN, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    CHECK(nnb_model_add_relu(model));
    CHECK(nnb_model_add_dense(model, HIDDEN, CLASSES, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    CHECK(nnb_model_add_softmax(model));
    CHECK(nnb_model_set_loss(model, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.05;
    adam.decay = 5e-7;
    CHECK(nnb_model_set_optimizer(model, &adam));
    CHECK(nnb_model_set_accuracy(model, NNB_ACCURACY_CATEGORICAL));
    CHECK(nnb_model_finalize(model));

    /* Train, logging through the callback. */
    training_log log = {fopen(csv_path, "w"), 0};
    if (log.csv == NULL) {
        perror(csv_path);
        return EXIT_FAILURE;
    }
    fprintf(log.csv, "epoch,loss,accuracy,learning_rate\n");
    nnb_targets targets = nnb_targets_from_labels(y, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = EPOCHS;
    tp.batch_size = 0; /* the whole batch, as in chapter 10 */
    tp.print_every = CSV_EVERY;
    tp.progress = on_progress;
    tp.user = &log;
    CHECK(nnb_model_train(model, X, &targets, &tp));
    if (fclose(log.csv) != 0 || log.write_failed) {
        fprintf(stderr, "could not write %s\n", csv_path);
        return EXIT_FAILURE;
    }

    float loss = 0.0f;
    double accuracy = 0.0;
    CHECK(nnb_model_evaluate(model, X, &targets, 0, &loss, &accuracy));
    printf("trained: acc: %.3f, loss: %.3f\n", accuracy, (double)loss);

    /* Every pixel centre of the plane, predicted in batches through one workspace. */
    const size_t pixels = (size_t)WIDTH * HEIGHT;
    nnb_tensor *grid = NULL, *probs = NULL;
    CHECK(nnb_tensor_create(&grid, pixels, 2));
    CHECK(nnb_tensor_create(&probs, pixels, CLASSES));
    float *g = nnb_tensor_data(grid);
    for (size_t r = 0; r < HEIGHT; ++r) {
        for (size_t c = 0; c < WIDTH; ++c) {
            g[2 * (r * WIDTH + c)] = (float)(-1.0 + 2.0 * ((double)c + 0.5) / WIDTH);
            g[2 * (r * WIDTH + c) + 1] = (float)(1.0 - 2.0 * ((double)r + 0.5) / HEIGHT);
        }
    }
    nnb_model_workspace *ws = NULL;
    CHECK(nnb_model_workspace_create(&ws, model, 4096));
    CHECK(nnb_model_predict(model, grid, probs, 0, ws));

    /* Background: white tinted towards the winning class, from 15% (a tie) to 60% (certainty). */
    unsigned char *img = malloc(pixels * 3);
    if (img == NULL) {
        fprintf(stderr, "out of memory\n");
        return EXIT_FAILURE;
    }
    const float *p = nnb_tensor_cdata(probs);
    for (size_t i = 0; i < pixels; ++i) {
        size_t best = 0;
        for (size_t k = 1; k < CLASSES; ++k) {
            if (p[i * CLASSES + k] > p[i * CLASSES + best]) {
                best = k;
            }
        }
        double confidence = ((double)p[i * CLASSES + best] - 1.0 / CLASSES) / (1.0 - 1.0 / CLASSES);
        double tint = 0.15 + 0.45 * (confidence < 0.0 ? 0.0 : confidence);
        for (size_t ch = 0; ch < 3; ++ch) {
            double v = 255.0 + ((double)class_rgb[best][ch] - 255.0) * tint;
            img[i * 3 + ch] = (unsigned char)round_to_long(v);
        }
    }
    /* The training points: a dark ring and the class colour. */
    static const unsigned char outline[3] = {20, 20, 20};
    const float *x = nnb_tensor_cdata(X);
    for (size_t i = 0; i < N; ++i) {
        long cx = to_col(x[2 * i]), cy = to_row(x[2 * i + 1]);
        disc(img, cx, cy, 4, outline);
        disc(img, cx, cy, 3, class_rgb[y[i]]);
    }
    /* The canvas: axes over [-1, 1]^2 with ticks every 0.5, the plane inside the frame, title and legend. */
    unsigned char *canvas = malloc((size_t)CANVAS_W * CANVAS_H * 3);
    if (canvas == NULL) {
        fprintf(stderr, "out of memory\n");
        return EXIT_FAILURE;
    }
    static const unsigned char white[3] = {255, 255, 255}, black[3] = {0, 0, 0};
    nnb_image image = {canvas, CANVAS_W, CANVAS_H};
    const nnb_plot_axes axes = {LEFT, TOP, WIDTH, HEIGHT, -1.0, 1.0, -1.0, 1.0};
    CHECK(nnb_plot_fill(&image, white));
    CHECK(nnb_plot_axes_draw(&image, &axes, 0.5, 0.5));
    /* The plane inside the frame's edges (its outermost pixels lie under the frame). */
    for (size_t r = 1; r + 1 < HEIGHT; ++r) {
        memcpy(canvas + ((TOP + r) * CANVAS_W + LEFT + 1) * 3, img + (r * WIDTH + 1) * 3, (WIDTH - 2) * 3);
    }
    static const char title[] = "spiral data: decision regions of the trained network";
    CHECK(nnb_plot_text(&image, (CANVAS_W - nnb_plot_text_width(title)) / 2, 8, title, black));
    static const char *const labels[CLASSES] = {"class 0", "class 1", "class 2"};
    CHECK(nnb_plot_legend(&image, LEFT, CANVAS_H - 12, labels, &class_rgb[0][0], CLASSES));
    if (!write_image(image_path, canvas)) {
        fprintf(stderr, "could not write %s\n", image_path);
        return EXIT_FAILURE;
    }
    printf("wrote %s and %s%s\n", image_path, csv_path, IMAGE_NOTE);

    free(canvas);
    free(img);
    nnb_model_workspace_destroy(ws);
    nnb_tensor_destroy(probs);
    nnb_tensor_destroy(grid);
    nnb_model_destroy(model);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
