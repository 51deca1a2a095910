/* SPDX-License-Identifier: MIT */
/*
 * Lesson 8 - Implementing loss.
 *
 * The whole chapter in one pass: spiral data (seed 0), Dense(2,3) -> ReLU -> Dense(3,3) -> softmax, then
 * the mean categorical cross-entropy and the accuracy. The weights are still random, so the network
 * guesses: the loss is about -log(1/3) = 1.0986 and the accuracy about a third.
 * Prints the book's two lines:  loss: 1.0986104  and  acc: 0.34
 */
#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs, so the numbers are the book's on every build. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));

    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *hidden = NULL, *output = NULL;
    uint32_t y[300];
    nnb_dense *dense1 = NULL, *dense2 = NULL;

    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, 300, 2));
    CHECK(nnb_spiral_data(rng, 100, 3, X, y, 300));
    CHECK(nnb_dense_create(&dense1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_dense_create(&dense2, 3, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_tensor_create(&hidden, 300, 3));
    CHECK(nnb_tensor_create(&output, 300, 3));

    CHECK(nnb_dense_forward(dense1, X, hidden));
    CHECK(nnb_relu_forward(hidden, hidden));
    CHECK(nnb_dense_forward(dense2, hidden, output));
    CHECK(nnb_softmax_forward(output, output));

    float loss;
    double accuracy;
    CHECK(nnb_cce_sparse(output, y, 300, NULL, &loss));
    CHECK(nnb_accuracy_categorical(output, y, 300, &accuracy));
    print_float("loss: ", loss);
    printf("acc: %.16g\n", accuracy);

    nnb_tensor_destroy(output);
    nnb_tensor_destroy(hidden);
    nnb_dense_destroy(dense2);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return 0;
}
