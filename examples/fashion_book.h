/* SPDX-License-Identifier: MIT */
/*
 * Shared by the Fashion-MNIST chapter programs (ch19_fashion_mnist ... ch22_prediction): the book's data
 * preparation, its model, and its Model.train / Model.evaluate loops with the lines they print.
 *
 * Everything runs under NNB_ARITHMETIC_NUMPY and follows the book's code step by step:
 *   - the data: the IDX files in their own order (the book reads PNG folders in os.listdir order, which depends
 *     on the file system), np.random.seed(0), the training keys shuffled by np.random.shuffle (numpy's legacy
 *     Fisher-Yates: for i = n-1 down to 1, j drawn by masked rejection from the 32-bit Mersenne Twister
 *     words), pixels scaled as (x - 127.5) / 127.5 in float32;
 *   - the model: Dense(784, 128) -> ReLU -> Dense(128, 128) -> ReLU -> Dense(128, 10) -> softmax, weights
 *     0.01 * randn drawn after the shuffle, categorical cross-entropy, Adam(learning_rate=0.001, decay=1e-3);
 *   - training: batches of 128 (the last one 96), "step: S, acc: ..., loss: ... (data_loss: ..., reg_loss:
 *     ...), lr: ..." every 100th step and at the last step; after each epoch the accumulated loss (the sum of
 *     each batch's float32 np.sum of sample losses, added in float64) and accuracy (correct / seen) on the
 *     "training, ..." line; evaluation in batches or whole with the "validation, acc: ..., loss: ..." line.
 *
 * With the environment variable NNB_BOOK_DIGEST set (the ctest checks set it), the programs also print
 * "parameters crc32: XXXXXXXX", the CRC-32 of every weight and bias as little-endian float32 bits, where the
 * reference scripts print the same of numpy's parameters: the printed three decimals would hide a one-ulp
 * difference for many steps, the digest does not.
 *
 * A shorter run for the tests: the programs' optional arguments are the epochs (the book: 10) and the number
 * of training samples kept after the shuffle (the book: all 60000); the test set is then cut to a sixth of
 * that (tests/reference/nnfs_book.py, fashion_mnist_prepared, does the same).
 */
#ifndef NNB_EXAMPLE_FASHION_BOOK_H
#define NNB_EXAMPLE_FASHION_BOOK_H

#include "example_util.h"

enum { FASHION_FEATURES = 784, FASHION_HIDDEN = 128, FASHION_CLASSES = 10, FASHION_BATCH = 128 };

/* The prepared data: X and X_test own their rows; y and y_test their labels. */
typedef struct fashion_data {
    nnb_tensor *X, *X_test;
    uint32_t *y, *y_test;
    size_t n, n_test;
} fashion_data;

/* numpy's legacy RandomState.shuffle of a 1-D array of n keys (random_interval: masked rejection). */
static inline void numpy_shuffle(nnb_rng *rng, size_t *keys, size_t n)
{
    for (size_t i = n - 1; i > 0; --i) {
        uint32_t mask = (uint32_t)i;
        for (unsigned shift = 1; shift < 32; shift *= 2) {
            mask |= mask >> shift;
        }
        uint32_t j;
        do {
            j = nnb_rng_u32(rng) & mask;
        } while (j > i);
        size_t tmp = keys[i];
        keys[i] = keys[j];
        keys[j] = tmp;
    }
}

/*
 * Chapter 19's data preparation. rng is seeded 0 (nnfs.init()); the shuffle draws from it, so the layers
 * created from it afterwards get the book's weights. train_samples 0 keeps the whole set.
 */
static inline void fashion_prepare(fashion_data *d, nnb_rng *rng, size_t train_samples)
{
    nnb_idx_set *train = NULL, *test = NULL;
    CHECK(nnb_fashion_mnist_load(&train, NULL, NNB_FASHION_TRAIN));
    CHECK(nnb_fashion_mnist_load(&test, NULL, NNB_FASHION_TEST));
    const size_t n_all = nnb_idx_set_count(train);
    size_t *keys = malloc(n_all * sizeof *keys);
    if (keys == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(EXIT_FAILURE);
    }
    for (size_t i = 0; i < n_all; ++i) {
        keys[i] = i;
    }
    numpy_shuffle(rng, keys, n_all);
    d->n = train_samples > 0 && train_samples < n_all ? train_samples : n_all;
    d->n_test = nnb_idx_set_count(test);
    if (train_samples > 0 && train_samples / 6 < d->n_test) {
        d->n_test = train_samples / 6;
    }
    d->y = malloc(d->n * sizeof *d->y);
    d->y_test = malloc(d->n_test * sizeof *d->y_test);
    if (d->y == NULL || d->y_test == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(EXIT_FAILURE);
    }
    CHECK(nnb_tensor_create(&d->X, d->n, FASHION_FEATURES));
    CHECK(nnb_tensor_create(&d->X_test, d->n_test, FASHION_FEATURES));
    /* X = X[keys]; y = y[keys]: the images are already scaled as the book scales them, in float32. */
    const float *images = nnb_tensor_cdata(nnb_idx_set_images(train));
    const uint32_t *labels = nnb_idx_set_labels(train);
    float *X = nnb_tensor_data(d->X);
    for (size_t i = 0; i < d->n; ++i) {
        memcpy(X + i * FASHION_FEATURES, images + keys[i] * FASHION_FEATURES, FASHION_FEATURES * sizeof(float));
        d->y[i] = labels[keys[i]];
    }
    memcpy(nnb_tensor_data(d->X_test), nnb_tensor_cdata(nnb_idx_set_images(test)),
           d->n_test * FASHION_FEATURES * sizeof(float));
    memcpy(d->y_test, nnb_idx_set_labels(test), d->n_test * sizeof *d->y_test);
    free(keys);
    nnb_idx_set_destroy(test);
    nnb_idx_set_destroy(train);
}

static inline void fashion_release(fashion_data *d)
{
    nnb_tensor_destroy(d->X);
    nnb_tensor_destroy(d->X_test);
    free(d->y);
    free(d->y_test);
}

/* The book's model, its layers drawn from a copy of rng; layers 0, 2, 4 are the dense ones. */
static inline nnb_model *fashion_model(const nnb_rng *rng)
{
    nnb_model *model = NULL;
    CHECK(nnb_model_create_from_rng(&model, rng));
    CHECK(nnb_model_add_dense(model, FASHION_FEATURES, FASHION_HIDDEN, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    CHECK(nnb_model_add_relu(model));
    CHECK(nnb_model_add_dense(model, FASHION_HIDDEN, FASHION_HIDDEN, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    CHECK(nnb_model_add_relu(model));
    CHECK(nnb_model_add_dense(model, FASHION_HIDDEN, FASHION_CLASSES, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
    CHECK(nnb_model_add_softmax(model));
    CHECK(nnb_model_set_loss(model, NNB_LOSS_CCE));
    CHECK(nnb_model_set_accuracy(model, NNB_ACCURACY_CATEGORICAL));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.decay = 1e-3;
    CHECK(nnb_model_set_optimizer(model, &adam));
    CHECK(nnb_model_finalize(model));
    return model;
}

/* The buffers of one pass over a batch of up to FASHION_BATCH rows (or the whole set when evaluating). */
typedef struct fashion_pass {
    nnb_tensor *batch_X; /* a view on rows of X */
    nnb_tensor *h1, *r1, *h2, *r2, *logits, *probs, *dlogits, *dr2, *dr1;
    float *sample_losses;
    uint32_t *predictions;
    size_t rows;
} fashion_pass;

static inline void fashion_pass_create(fashion_pass *p, size_t rows)
{
    static float dummy;
    p->rows = rows;
    CHECK(nnb_tensor_wrap(&p->batch_X, 1, 1, &dummy));
    nnb_tensor **hidden[] = {&p->h1, &p->r1, &p->h2, &p->r2, &p->dr2, &p->dr1};
    for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; ++k) {
        CHECK(nnb_tensor_create(hidden[k], rows, FASHION_HIDDEN));
    }
    CHECK(nnb_tensor_create(&p->logits, rows, FASHION_CLASSES));
    CHECK(nnb_tensor_create(&p->probs, rows, FASHION_CLASSES));
    CHECK(nnb_tensor_create(&p->dlogits, rows, FASHION_CLASSES));
    p->sample_losses = malloc(rows * sizeof *p->sample_losses);
    p->predictions = malloc(rows * sizeof *p->predictions);
    if (p->sample_losses == NULL || p->predictions == NULL) {
        fprintf(stderr, "out of memory\n");
        exit(EXIT_FAILURE);
    }
}

static inline void fashion_pass_destroy(fashion_pass *p)
{
    nnb_tensor *all[] = {p->batch_X, p->h1, p->r1, p->h2, p->r2, p->logits, p->probs, p->dlogits, p->dr2, p->dr1};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; ++k) {
        nnb_tensor_destroy(all[k]);
    }
    free(p->sample_losses);
    free(p->predictions);
}

/* Resizes the pass's tensors to `rows` (<= p->rows) and points batch_X at rows [first, first + rows) of X. */
static inline void fashion_pass_select(fashion_pass *p, const nnb_tensor *X, size_t first, size_t rows)
{
    float *data = (float *)nnb_tensor_cdata(X) + first * FASHION_FEATURES; /* only read through the view */
    CHECK(nnb_tensor_rewrap(p->batch_X, rows, FASHION_FEATURES, data));
    nnb_tensor *hidden[] = {p->h1, p->r1, p->h2, p->r2, p->dr2, p->dr1};
    for (size_t k = 0; k < sizeof hidden / sizeof hidden[0]; ++k) {
        CHECK(nnb_tensor_resize(hidden[k], rows, FASHION_HIDDEN));
    }
    CHECK(nnb_tensor_resize(p->logits, rows, FASHION_CLASSES));
    CHECK(nnb_tensor_resize(p->probs, rows, FASHION_CLASSES));
    CHECK(nnb_tensor_resize(p->dlogits, rows, FASHION_CLASSES));
}

/*
 * Model.forward then Loss.calculate and Accuracy.calculate on the selected batch: returns the batch's mean
 * loss (np.mean), adds np.sum of the sample losses to *loss_sum (in double, as the book's accumulated_sum
 * becomes a float64) and the number of correct predictions to *correct.
 */
static inline float fashion_forward(nnb_model *model, fashion_pass *p, const uint32_t *y, double *loss_sum,
                                    size_t *correct, double *accuracy)
{
    const size_t rows = nnb_tensor_rows(p->batch_X);
    CHECK(nnb_dense_forward(nnb_model_dense(model, 0), p->batch_X, p->h1));
    CHECK(nnb_relu_forward(p->h1, p->r1));
    CHECK(nnb_dense_forward(nnb_model_dense(model, 2), p->r1, p->h2));
    CHECK(nnb_relu_forward(p->h2, p->r2));
    CHECK(nnb_dense_forward(nnb_model_dense(model, 4), p->r2, p->logits));
    CHECK(nnb_softmax_forward(p->logits, p->probs));
    float mean, sum;
    CHECK(nnb_cce_sparse(p->probs, y, rows, p->sample_losses, &mean));
    CHECK(nnb_sum_f32(p->sample_losses, rows, &sum));
    *loss_sum += (double)sum;
    CHECK(nnb_tensor_argmax_rows(p->probs, p->predictions, rows));
    size_t hits = 0;
    for (size_t i = 0; i < rows; ++i) {
        hits += p->predictions[i] == y[i];
    }
    *correct += hits;
    *accuracy = (double)hits / (double)rows;
    return mean;
}

static inline size_t fashion_steps(size_t count, size_t batch_size)
{
    return batch_size == 0 ? 1 : (count + batch_size - 1) / batch_size;
}

/* Model.evaluate(X_val, y_val, batch_size=...): prints "validation, acc: A, loss: L". batch_size 0 = whole. */
static inline void fashion_evaluate(nnb_model *model, const nnb_tensor *X, const uint32_t *y, size_t batch_size)
{
    const size_t n = nnb_tensor_rows(X);
    const size_t rows = batch_size == 0 ? n : batch_size;
    fashion_pass p;
    fashion_pass_create(&p, rows);
    double loss_sum = 0, accuracy;
    size_t correct = 0;
    for (size_t step = 0; step < fashion_steps(n, batch_size); ++step) {
        size_t first = step * rows;
        size_t count = n - first < rows ? n - first : rows;
        fashion_pass_select(&p, X, first, count);
        (void)fashion_forward(model, &p, y + first, &loss_sum, &correct, &accuracy);
    }
    printf("validation, acc: %.3f, loss: %.3f\n", (double)correct / (double)n, loss_sum / (double)n);
    fashion_pass_destroy(&p);
}

/*
 * Model.train(X, y, validation_data=(X_test, y_test), epochs=epochs, batch_size=128, print_every=100), the
 * optimizer being the model's Adam.
 */
static inline void fashion_train(nnb_model *model, const fashion_data *d, int epochs, int validate)
{
    const size_t print_every = 100;
    nnb_optimizer_params adam;
    CHECK(nnb_model_optimizer_params(model, &adam));
    nnb_optimizer *optimizer = NULL;
    CHECK(nnb_optimizer_create(&optimizer, &adam));
    fashion_pass p;
    fashion_pass_create(&p, FASHION_BATCH);
    const size_t steps = fashion_steps(d->n, FASHION_BATCH);
    for (int epoch = 1; epoch <= epochs; ++epoch) {
        printf("epoch: %d\n", epoch);
        double loss_sum = 0;
        size_t correct = 0;
        for (size_t step = 0; step < steps; ++step) {
            size_t first = step * FASHION_BATCH;
            size_t rows = d->n - first < FASHION_BATCH ? d->n - first : FASHION_BATCH;
            const uint32_t *batch_y = d->y + first;
            fashion_pass_select(&p, d->X, first, rows);
            double accuracy;
            float data_loss = fashion_forward(model, &p, batch_y, &loss_sum, &correct, &accuracy);
            /* Model.backward: the combined softmax + cross-entropy gradient, then the layers in reverse. */
            CHECK(nnb_softmax_cce_backward(p.probs, batch_y, rows, p.dlogits));
            CHECK(nnb_dense_backward(nnb_model_dense(model, 4), p.r2, p.dlogits, p.dr2));
            CHECK(nnb_relu_backward(p.h2, p.dr2, p.dr2));
            CHECK(nnb_dense_backward(nnb_model_dense(model, 2), p.r1, p.dr2, p.dr1));
            CHECK(nnb_relu_backward(p.h1, p.dr1, p.dr1));
            CHECK(nnb_dense_backward(nnb_model_dense(model, 0), p.batch_X, p.dr1, NULL));
            CHECK(nnb_optimizer_pre_update(optimizer));
            for (size_t layer = 0; layer <= 4; layer += 2) {
                CHECK(nnb_optimizer_update_dense(optimizer, nnb_model_dense(model, layer)));
            }
            CHECK(nnb_optimizer_post_update(optimizer));
            if (step % print_every == 0 || step == steps - 1) {
                /* reg_loss is the book's integer 0: no layer has a regularizer. */
                printf("step: %zu, acc: %.3f, loss: %.3f (data_loss: %.3f, reg_loss: 0.000), lr: ", step, accuracy,
                       (double)data_loss, (double)data_loss);
                print_python_float(nnb_optimizer_current_lr(optimizer));
                printf("\n");
            }
        }
        double epoch_loss = loss_sum / (double)d->n;
        printf("training, acc: %.3f, loss: %.3f (data_loss: %.3f, reg_loss: 0.000), lr: ",
               (double)correct / (double)d->n, epoch_loss, epoch_loss);
        print_python_float(nnb_optimizer_current_lr(optimizer));
        printf("\n");
        if (validate) {
            fashion_evaluate(model, d->X_test, d->y_test, FASHION_BATCH);
        }
    }
    fashion_pass_destroy(&p);
    nnb_optimizer_destroy(optimizer);
}

/* With NNB_BOOK_DIGEST set: "parameters crc32: XXXXXXXX" over the dense layers' weights, then biases. */
static inline void fashion_print_digest(const nnb_model *model)
{
    const char *flag = getenv("NNB_BOOK_DIGEST");
    if (flag == NULL || flag[0] == '\0') {
        return;
    }
    uint32_t crc = 0;
    for (size_t layer = 0; layer <= 4; layer += 2) {
        const nnb_dense *dense = nnb_model_cdense(model, layer);
        const nnb_tensor *params[2] = {nnb_dense_weights(dense), nnb_dense_biases(dense)};
        for (int k = 0; k < 2; ++k) {
            const float *v = nnb_tensor_cdata(params[k]);
            for (size_t i = 0; i < nnb_tensor_size(params[k]); ++i) {
                uint32_t bits;
                memcpy(&bits, &v[i], sizeof bits);
                const unsigned char le[4] = {(unsigned char)bits, (unsigned char)(bits >> 8),
                                             (unsigned char)(bits >> 16), (unsigned char)(bits >> 24)};
                crc = nnb_crc32(crc, le, sizeof le);
            }
        }
    }
    printf("parameters crc32: %08x\n", (unsigned)crc);
}

/* The programs' arguments: [epochs [train_samples]]. */
static inline void fashion_arguments(int argc, char **argv, int *epochs, size_t *train_samples)
{
    *epochs = argc > 1 ? atoi(argv[1]) : 10;
    *train_samples = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 0;
}

#endif
