/* SPDX-License-Identifier: MIT */
/*
 * Chapter 11 - Testing with out-of-sample data.
 *
 * The chapter-10 model (Dense(2,64) -> ReLU -> Dense(64,3) -> softmax, Adam(learning_rate=0.05,
 * decay=5e-7)) trains on the spiral data for 10001 epochs, printing every 100th epoch as chapter 10 does;
 * then a second spiral data set, drawn after the first and never trained on, tests it:
 *
 *   X_test, y_test = spiral_data(samples=100, classes=3)
 *   (forward pass, loss, accuracy)
 *   print(f'validation, acc: {accuracy:.3f}, loss: {loss:.3f}')
 *
 * The gap between the training and the test numbers is the chapter's point: the model overfits. Runs under
 * NNB_ARITHMETIC_NUMPY, so every line is the one numpy prints for the book's code
 * (tests/reference/ch11_numpy.py). An optional argument trains for fewer epochs: ch11_out_of_sample 1001.
 */
#include "example_util.h"

int main(int argc, char **argv)
{
    enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES, HIDDEN = 64 };
    const int epochs = argc > 1 ? atoi(argv[1]) : 10001;

    /* numpy's arithmetic (its float32 exp and log too), bit for bit, whatever GEMM core and CPU. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    /* nnfs.init() and the data: X, y = spiral_data(samples=100, classes=3) */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    uint32_t y[N];
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, N, 2));
    CHECK(nnb_spiral_data(rng, SAMPLES, CLASSES, X, y, N));

    /* dense1 = Layer_Dense(2, 64); activation1 = Activation_ReLU(); dense2 = Layer_Dense(64, 3) */
    nnb_dense *dense1 = NULL, *dense2 = NULL;
    CHECK(nnb_dense_create(&dense1, 2, HIDDEN, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_dense_create(&dense2, HIDDEN, CLASSES, rng, NNB_DENSE_DEFAULT_INIT_SCALE));

    /* optimizer = Optimizer_Adam(learning_rate=0.05, decay=5e-7) */
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    params.learning_rate = 0.05;
    params.decay = 5e-7;
    nnb_optimizer *optimizer = NULL;
    CHECK(nnb_optimizer_create(&optimizer, &params));

    /* The outputs and gradients of each step (the book keeps them as attributes of each object). */
    nnb_tensor *dense1_out = NULL, *relu_out = NULL, *dense2_out = NULL, *probs = NULL;
    nnb_tensor *dlogits = NULL, *drelu = NULL, *ddense1 = NULL;
    CHECK(nnb_tensor_create(&dense1_out, N, HIDDEN));
    CHECK(nnb_tensor_create(&relu_out, N, HIDDEN));
    CHECK(nnb_tensor_create(&dense2_out, N, CLASSES));
    CHECK(nnb_tensor_create(&probs, N, CLASSES));
    CHECK(nnb_tensor_create(&dlogits, N, CLASSES));
    CHECK(nnb_tensor_create(&drelu, N, HIDDEN));
    CHECK(nnb_tensor_create(&ddense1, N, 2));

    for (int epoch = 0; epoch < epochs; ++epoch) {
        /* Forward pass */
        CHECK(nnb_dense_forward(dense1, X, dense1_out));
        CHECK(nnb_relu_forward(dense1_out, relu_out));
        CHECK(nnb_dense_forward(dense2, relu_out, dense2_out));
        /* loss = loss_activation.forward(dense2.output, y): softmax, then the mean cross-entropy */
        float loss;
        CHECK(nnb_softmax_forward(dense2_out, probs));
        CHECK(nnb_cce_sparse(probs, y, N, NULL, &loss));

        /* predictions = np.argmax(loss_activation.output, axis=1); accuracy = np.mean(predictions == y) */
        double accuracy;
        CHECK(nnb_accuracy_categorical(probs, y, N, &accuracy));

        if (epoch % 100 == 0) {
            printf("epoch: %d, acc: %.3f, loss: %.3f, lr: ", epoch, accuracy, (double)loss);
            print_python_float(nnb_optimizer_current_lr(optimizer));
            printf("\n");
        }

        /* Backward pass */
        CHECK(nnb_softmax_cce_backward(probs, y, N, dlogits));
        CHECK(nnb_dense_backward(dense2, relu_out, dlogits, drelu));
        CHECK(nnb_relu_backward(dense1_out, drelu, drelu));
        CHECK(nnb_dense_backward(dense1, X, drelu, ddense1));

        /* Update weights and biases */
        CHECK(nnb_optimizer_pre_update(optimizer));
        CHECK(nnb_optimizer_update_dense(optimizer, dense1));
        CHECK(nnb_optimizer_update_dense(optimizer, dense2));
        CHECK(nnb_optimizer_post_update(optimizer));
    }

    /* X_test, y_test = spiral_data(samples=100, classes=3): the generator continues after the weights. */
    nnb_tensor *X_test = NULL;
    uint32_t y_test[N];
    CHECK(nnb_tensor_create(&X_test, N, 2));
    CHECK(nnb_spiral_data(rng, SAMPLES, CLASSES, X_test, y_test, N));
    /* The test pass: forward, loss and accuracy, no update. */
    CHECK(nnb_dense_forward(dense1, X_test, dense1_out));
    CHECK(nnb_relu_forward(dense1_out, relu_out));
    CHECK(nnb_dense_forward(dense2, relu_out, dense2_out));
    CHECK(nnb_softmax_forward(dense2_out, probs));
    float test_loss;
    double test_accuracy;
    CHECK(nnb_cce_sparse(probs, y_test, N, NULL, &test_loss));
    CHECK(nnb_accuracy_categorical(probs, y_test, N, &test_accuracy));
    printf("validation, acc: %.3f, loss: %.3f\n", test_accuracy, (double)test_loss);
    nnb_tensor_destroy(X_test);

    nnb_tensor_destroy(ddense1);
    nnb_tensor_destroy(drelu);
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
