/* SPDX-License-Identifier: MIT */
/*
 * Chapter 10 - Optimizers: SGD with learning-rate decay and momentum.
 *
 * The chapter's last program. A network of Dense(2,64) -> ReLU -> Dense(64,3) -> softmax learns the
 * three-arm spiral (seed 0, 100 points per class), trained on the whole batch for 10001 epochs with
 * SGD(learning_rate=1.0, decay=1e-3, momentum=0.9). Each epoch runs the book's loop:
 *
 *   forward pass -> loss and accuracy -> backward pass -> pre_update, update each layer, post_update
 *
 * Every 100 epochs it prints, as the book does:
 *   epoch: 0, acc: 0.360, loss: 1.099, lr: 1.0
 *   ...
 *   epoch: 10000, acc: 0.957, loss: 0.121, lr: 0.09091735612328393    (the book's last line)
 * This program prints exactly these finals, and all 101 lines as numpy 1.24 prints them for the book's code
 * (tests/reference/ch10_numpy.py). Training amplifies every float rounding, down to the last bit of each
 * exp: numpy's float32 exp is its own SIMD routine, a few ulp off the correctly rounded value, and with a
 * correctly rounded exp (NNB_ARITHMETIC_REFERENCE) the same program ends at acc: 0.960, loss: 0.117.
 * NNB_ARITHMETIC_NUMPY computes exp and log with numpy's algorithm, bit for bit, on any CPU.
 */
#include "example_util.h"

int main(void)
{
    enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES, HIDDEN = 64, EPOCHS = 10001 };

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

    /* optimizer = Optimizer_SGD(learning_rate=1.0, decay=1e-3, momentum=0.9) */
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_SGD);
    params.learning_rate = 1.0;
    params.decay = 1e-3;
    params.momentum = 0.9;
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

    for (int epoch = 0; epoch < EPOCHS; ++epoch) {
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
