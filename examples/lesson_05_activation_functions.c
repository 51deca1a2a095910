/* SPDX-License-Identifier: MIT */
/*
 * Lesson 5 - Hidden layer activation functions.
 *
 * ReLU, max(0, x), lets a network bend: without it, stacked layers would still be one linear map.
 * First on a list of numbers, then after the dense layer on the spiral data:
 *     X, y = spiral_data(100, 3); dense1 = Layer_Dense(2, 3); activation1 = Activation_ReLU()
 *     dense1.forward(X); activation1.forward(dense1.output); print(activation1.output[:5])
 */
#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs, so the numbers are the book's on every build. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));

    /* ReLU on the lesson's list: negative values become 0. */
    float numbers[] = {0.0f, 2.0f, -1.0f, 3.3f, -2.7f, 1.1f, 2.2f, -100.0f};
    nnb_tensor *list = NULL;
    CHECK(nnb_tensor_wrap(&list, 1, 8, numbers));
    CHECK(nnb_relu_forward(list, list));
    CHECK(nnb_tensor_print(stdout, list, 0, 1));
    nnb_tensor_destroy(list);

    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *dense1_output = NULL, *activation1_output = NULL;
    uint32_t y[300];
    nnb_dense *dense1 = NULL;
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, 300, 2));
    CHECK(nnb_spiral_data(rng, 100, 3, X, y, 300));
    CHECK(nnb_dense_create(&dense1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_tensor_create(&dense1_output, 300, 3));
    CHECK(nnb_tensor_create(&activation1_output, 300, 3));

    CHECK(nnb_dense_forward(dense1, X, dense1_output));
    CHECK(nnb_relu_forward(dense1_output, activation1_output));
    CHECK(nnb_tensor_print(stdout, activation1_output, 5, 0));

    nnb_tensor_destroy(activation1_output);
    nnb_tensor_destroy(dense1_output);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return 0;
}
