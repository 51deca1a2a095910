/* SPDX-License-Identifier: MIT */
/*
 * Chapter 15 - Dropout.
 *
 * The book's final code for the chapter: the chapter-14 model (1000 spiral points per class, Dense(2,512)
 * with L2 5e-4 on weights and biases -> ReLU -> Dense(512,3) -> softmax with cross-entropy) with a dropout
 * layer after the ReLU, Layer_Dropout(0.1), and Adam(learning_rate=0.05, decay=5e-5); 10001 epochs. Dropout
 * draws its mask as numpy's np.random.binomial(1, 0.9, size) does (numpy's legacy generator, continuing
 * after the data and the weights) and scales the kept values by 1 / 0.9. The test pass after training
 * skips the dropout. Prints the chapter-14 lines: epoch: E, acc: A, loss: L (data_loss: D, reg_loss: R),
 * lr: LR every 100 epochs, then validation, acc: A, loss: L.
 *
 * The book's mask is a float64 array (binomial(...) / 0.9), and numpy follows it: the dropout output is the
 * float32 ReLU output times the mask in double, unrounded; dense2's product reads it; backward, the dropout
 * and ReLU gradients are float64, dense1's bias gradient and Adam's bias moments too (nnbasics/mixed.h).
 * Weights, layer outputs and every parameter stay float32. So the printed lines are those of numpy running
 * the book's code (tests/reference/ch15_numpy.py; the full run compared, docs/BOOK.md). An
 * optional argument trains for fewer epochs.
 */
#include "example_util.h"

/*
 * The book's Loss.regularization_loss(layer): 0, plus l2 * np.sum(weights * weights) (a float32 square,
 * numpy's float32 sum, times the Python float l2 in double), plus the same for the biases.
 */
static double regularization_loss(const nnb_dense *layer, double weight_l2, double bias_l2, float *scratch)
{
    double loss = 0;
    const nnb_tensor *params[2] = {nnb_dense_weights(layer), nnb_dense_biases(layer)};
    const double l2[2] = {weight_l2, bias_l2};
    for (int k = 0; k < 2; ++k) {
        size_t n = nnb_tensor_size(params[k]);
        const float *p = nnb_tensor_cdata(params[k]);
        for (size_t i = 0; i < n; ++i) {
            scratch[i] = p[i] * p[i];
        }
        float sum;
        CHECK(nnb_sum_f32(scratch, n, &sum));
        loss += l2[k] * (double)sum;
    }
    return loss;
}

int main(int argc, char **argv)
{
    enum { SAMPLES = 1000, CLASSES = 3, N = SAMPLES * CLASSES, HIDDEN = 512, TEST_SAMPLES = 100 };
    const int epochs = argc > 1 ? atoi(argv[1]) : 10001;
    const double l2 = 5e-4;

    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    /* X, y = spiral_data(samples=1000, classes=3) */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    static uint32_t y[N];
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, N, 2));
    CHECK(nnb_spiral_data(rng, SAMPLES, CLASSES, X, y, N));

    /* dense1 = Layer_Dense(2, 512, weight_regularizer_l2=5e-4, bias_regularizer_l2=5e-4); dense2 = ... */
    nnb_dense *dense1 = NULL, *dense2 = NULL;
    CHECK(nnb_dense_create(&dense1, 2, HIDDEN, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    const nnb_regularization reg = {0.0f, (float)l2, 0.0f, (float)l2};
    CHECK(nnb_dense_set_regularization(dense1, &reg));
    CHECK(nnb_dense_create(&dense2, HIDDEN, CLASSES, rng, NNB_DENSE_DEFAULT_INIT_SCALE));

    /* dropout1 = Layer_Dropout(0.1); optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-5) */
    const double dropout_rate = 0.1;
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.05;
    params.decay = 5e-5;
    nnb_optimizer *optimizer = NULL;
    CHECK(nnb_optimizer_create(&optimizer, &params));

    nnb_tensor *dense1_out = NULL, *relu_out = NULL, *dense2_out = NULL, *probs = NULL;
    nnb_tensor *dlogits = NULL, *ddropout = NULL, *ddense1 = NULL;
    CHECK(nnb_tensor_create(&dense1_out, N, HIDDEN));
    CHECK(nnb_tensor_create(&relu_out, N, HIDDEN));
    CHECK(nnb_tensor_create(&dense2_out, N, CLASSES));
    CHECK(nnb_tensor_create(&probs, N, CLASSES));
    CHECK(nnb_tensor_create(&dlogits, N, CLASSES));
    CHECK(nnb_tensor_create(&ddropout, N, HIDDEN));
    CHECK(nnb_tensor_create(&ddense1, N, 2));
    /* float64 arrays: the mask, the dropout output, and the gradient behind the dropout (12 MB each) */
    double *mask = malloc(sizeof(double) * N * HIDDEN);
    double *dropout_out = malloc(sizeof(double) * N * HIDDEN);
    double *drelu = malloc(sizeof(double) * N * HIDDEN);
    if (mask == NULL || dropout_out == NULL || drelu == NULL) {
        fprintf(stderr, "ch15_dropout: out of memory\n");
        return EXIT_FAILURE;
    }
    static float scratch[HIDDEN * CLASSES];

    for (int epoch = 0; epoch < epochs; ++epoch) {
        CHECK(nnb_dense_forward(dense1, X, dense1_out));
        CHECK(nnb_relu_forward(dense1_out, relu_out));
        CHECK(nnb_dropout_forward_f64(rng, dropout_rate, relu_out, mask, dropout_out));
        CHECK(nnb_dense_forward_f64(dense2, dropout_out, N, dense2_out));
        float data_loss;
        CHECK(nnb_softmax_forward(dense2_out, probs));
        CHECK(nnb_cce_sparse(probs, y, N, NULL, &data_loss));
        /* regularization_loss = loss.regularization_loss(dense1) + loss.regularization_loss(dense2) */
        double regularization =
            regularization_loss(dense1, l2, l2, scratch) + regularization_loss(dense2, 0, 0, scratch);
        double loss = (double)data_loss + regularization;

        double accuracy;
        CHECK(nnb_accuracy_categorical(probs, y, N, &accuracy));
        if (epoch % 100 == 0) {
            printf("epoch: %d, acc: %.3f, loss: %.3f (data_loss: %.3f, reg_loss: %.3f), lr: ", epoch, accuracy, loss,
                   (double)data_loss, regularization);
            print_python_float(nnb_optimizer_current_lr(optimizer));
            printf("\n");
        }

        CHECK(nnb_softmax_cce_backward(probs, y, N, dlogits));
        CHECK(nnb_dense_backward_f64_inputs(dense2, dropout_out, dlogits, ddropout));
        CHECK(nnb_dropout_backward_f64(mask, ddropout, drelu));
        CHECK(nnb_relu_backward_f64(dense1_out, drelu, drelu));
        CHECK(nnb_dense_backward_f64(dense1, X, drelu, ddense1)); /* float64 bias gradient */

        CHECK(nnb_optimizer_pre_update(optimizer));
        CHECK(nnb_optimizer_update_dense(optimizer, dense1));
        CHECK(nnb_optimizer_update_dense(optimizer, dense2));
        CHECK(nnb_optimizer_post_update(optimizer));
    }

    /* X_test, y_test = spiral_data(samples=100, classes=3); the test pass reports the data loss. */
    nnb_tensor *X_test = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL;
    uint32_t y_test[TEST_SAMPLES * CLASSES];
    CHECK(nnb_tensor_create(&X_test, TEST_SAMPLES * CLASSES, 2));
    CHECK(nnb_spiral_data(rng, TEST_SAMPLES, CLASSES, X_test, y_test, TEST_SAMPLES * CLASSES));
    CHECK(nnb_tensor_create(&t1, TEST_SAMPLES * CLASSES, HIDDEN));
    CHECK(nnb_tensor_create(&t2, TEST_SAMPLES * CLASSES, CLASSES));
    CHECK(nnb_tensor_create(&t3, TEST_SAMPLES * CLASSES, CLASSES));
    CHECK(nnb_dense_forward(dense1, X_test, t1));
    CHECK(nnb_relu_forward(t1, t1));
    CHECK(nnb_dense_forward(dense2, t1, t2));
    CHECK(nnb_softmax_forward(t2, t3));
    float test_loss;
    double test_accuracy;
    CHECK(nnb_cce_sparse(t3, y_test, TEST_SAMPLES * CLASSES, NULL, &test_loss));
    CHECK(nnb_accuracy_categorical(t3, y_test, TEST_SAMPLES * CLASSES, &test_accuracy));
    printf("validation, acc: %.3f, loss: %.3f\n", test_accuracy, (double)test_loss);

    free(drelu);
    free(dropout_out);
    free(mask);
    nnb_tensor_destroy(t3);
    nnb_tensor_destroy(t2);
    nnb_tensor_destroy(t1);
    nnb_tensor_destroy(X_test);
    nnb_tensor_destroy(ddense1);
    nnb_tensor_destroy(ddropout);
    nnb_tensor_destroy(dlogits);
    nnb_tensor_destroy(probs);
    nnb_tensor_destroy(dense2_out);
    nnb_tensor_destroy(relu_out);
    nnb_tensor_destroy(dense1_out);
    nnb_optimizer_destroy(optimizer);
    nnb_dense_destroy(dense2);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
