/* SPDX-License-Identifier: MIT */
/*
 * Chapter 17 - Regression.
 *
 * The book's final code for the chapter: X, y = sine_data() (1000 points of sin(2 pi x)); Dense(1,64) ->
 * ReLU -> Dense(64,64) -> ReLU -> Dense(64,1) -> linear output, weights initialised as 0.1 * randn;
 * mean squared error; Adam(learning_rate=0.005, decay=1e-3); 10001 epochs. A prediction counts as accurate
 * when it lies within np.std(y) / 250 of the target. Every 100 epochs it prints, as the book does:
 *   epoch: 0, acc: ..., loss: ... (data_loss: ..., reg_loss: ...), lr: 0.005
 * (the book then plots the fitted curve, which this program does not).
 *
 * sine_data returns float64 arrays, and numpy follows them: dense1's product reads the float64 X, and the
 * squared error, its mean, its gradient, dense3's bias gradient and Adam's bias moments and the accuracy
 * test are float64 (nnbasics/mixed.h), while the layers' outputs, weights and biases stay float32. So every
 * printed line equals numpy running the book's code (tests/reference/ch17_numpy.py). An optional argument
 * trains for fewer epochs.
 */
#include "example_util.h"

int main(int argc, char **argv)
{
    enum { N = 1000, HIDDEN = 64 };
    const int epochs = argc > 1 ? atoi(argv[1]) : 10001;

    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    /* X, y = sine_data(): float64 arrays of shape (1000, 1) */
    static double X[N], y[N];
    CHECK(nnb_sine_data_f64(N, X, y));

    /* nnfs.init(): np.random.seed(0); the three layers draw their weights in order, 0.1 * randn. */
    nnb_rng *rng = NULL;
    CHECK(nnb_rng_create(&rng, 0));
    nnb_dense *dense1 = NULL, *dense2 = NULL, *dense3 = NULL;
    CHECK(nnb_dense_create(&dense1, 1, HIDDEN, rng, 0.1f));
    CHECK(nnb_dense_create(&dense2, HIDDEN, HIDDEN, rng, 0.1f));
    CHECK(nnb_dense_create(&dense3, HIDDEN, 1, rng, 0.1f));

    /* optimizer = Optimizer_Adam(learning_rate=0.005, decay=1e-3) */
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.005;
    params.decay = 1e-3;
    nnb_optimizer *optimizer = NULL;
    CHECK(nnb_optimizer_create(&optimizer, &params));

    /* accuracy_precision = np.std(y) / 250 (float64) */
    double precision;
    CHECK(nnb_regression_precision_f64(y, N, 250.0, &precision));

    nnb_tensor *h1 = NULL, *a1 = NULL, *h2 = NULL, *a2 = NULL, *out = NULL;
    nnb_tensor *da2 = NULL, *da1 = NULL;
    static double dout[N]; /* the loss gradient is float64 */
    CHECK(nnb_tensor_create(&h1, N, HIDDEN));
    CHECK(nnb_tensor_create(&a1, N, HIDDEN));
    CHECK(nnb_tensor_create(&h2, N, HIDDEN));
    CHECK(nnb_tensor_create(&a2, N, HIDDEN));
    CHECK(nnb_tensor_create(&out, N, 1));
    CHECK(nnb_tensor_create(&da2, N, HIDDEN));
    CHECK(nnb_tensor_create(&da1, N, HIDDEN));

    for (int epoch = 0; epoch < epochs; ++epoch) {
        CHECK(nnb_dense_forward_f64(dense1, X, N, h1)); /* np.dot of the float64 X, rounded to float32 */
        CHECK(nnb_relu_forward(h1, a1));
        CHECK(nnb_dense_forward(dense2, a1, h2));
        CHECK(nnb_relu_forward(h2, a2));
        CHECK(nnb_dense_forward(dense3, a2, out)); /* Activation_Linear passes the output on unchanged */

        double data_loss; /* (y - output) ** 2 and its means: float64 */
        CHECK(nnb_mse_f64(out, y, &data_loss));
        /* No layer is regularized: every regularization_loss(layer) is the Python int 0. */
        const int regularization = 0;
        double loss = data_loss + regularization;
        double accuracy;
        CHECK(nnb_accuracy_regression_f64(out, y, precision, &accuracy));
        if (epoch % 100 == 0) {
            printf("epoch: %d, acc: %.3f, loss: %.3f (data_loss: %.3f, reg_loss: %.3f), lr: ", epoch, accuracy, loss,
                   data_loss, (double)regularization);
            print_python_float(nnb_optimizer_current_lr(optimizer));
            printf("\n");
        }

        /* float64 loss gradient: dense3's bias gradient (and then its Adam bias moments) are float64 */
        CHECK(nnb_mse_backward_f64(out, y, dout));
        CHECK(nnb_dense_backward_f64(dense3, a2, dout, da2));
        CHECK(nnb_relu_backward(h2, da2, da2));
        CHECK(nnb_dense_backward(dense2, a1, da2, da1));
        CHECK(nnb_relu_backward(h1, da1, da1));
        CHECK(nnb_dense_backward_f64_inputs(dense1, X, da1, NULL)); /* dweights = np.dot(X.T, dvalues) */

        CHECK(nnb_optimizer_pre_update(optimizer));
        CHECK(nnb_optimizer_update_dense(optimizer, dense1));
        CHECK(nnb_optimizer_update_dense(optimizer, dense2));
        CHECK(nnb_optimizer_update_dense(optimizer, dense3));
        CHECK(nnb_optimizer_post_update(optimizer));
    }

    nnb_tensor_destroy(da1);
    nnb_tensor_destroy(da2);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(a2);
    nnb_tensor_destroy(h2);
    nnb_tensor_destroy(a1);
    nnb_tensor_destroy(h1);
    nnb_optimizer_destroy(optimizer);
    nnb_dense_destroy(dense3);
    nnb_dense_destroy(dense2);
    nnb_dense_destroy(dense1);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
