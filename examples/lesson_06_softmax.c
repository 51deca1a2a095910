/* SPDX-License-Identifier: MIT */
/*
 * Lesson 6 - Softmax activation.
 *
 * Softmax turns a row of scores into probabilities: exponentiate (after subtracting the row's maximum,
 * so large scores cannot overflow), then divide by the row's sum.
 * First the lesson's single output [4.8, 1.21, 2.385], then the whole forward pass on the spiral data:
 *     Dense(2,3) -> ReLU -> Dense(3,3) -> softmax, printing the first 5 rows.
 */
#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs, so the numbers are the book's on every build. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));

    float layer_outputs[] = {4.8f, 1.21f, 2.385f};
    nnb_tensor *scores = NULL;
    CHECK(nnb_tensor_wrap(&scores, 1, 3, layer_outputs));
    CHECK(nnb_softmax_forward(scores, scores));
    CHECK(nnb_tensor_print(stdout, scores, 0, 1));
    nnb_tensor_destroy(scores);

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
    CHECK(nnb_tensor_print(stdout, output, 5, 0));

    nnb_tensor_destroy(output);
    nnb_tensor_destroy(hidden);
    nnb_dense_destroy(dense2);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return 0;
}
