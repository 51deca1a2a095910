/* SPDX-License-Identifier: MIT */
/*
 * Lesson 6 - Softmax activation.
 *
 * Softmax turns a row of scores into probabilities: exponentiate (after subtracting the row's maximum,
 * so large scores cannot overflow), then divide by the row's sum.
 * First the lesson's single output [4.8, 1.21, 2.385], then the whole forward pass on the spiral data:
 *     Dense(2,3) -> ReLU -> Dense(3,3) -> softmax, printing the first 5 rows.
 */
#include <math.h>

#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs (its float32 exp included), so the numbers are the book's. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    /* The lesson's single output is a Python list: np.exp works in float64 and numpy prints float64.
     *   exp_values = np.exp(layer_outputs); norm_values = exp_values / np.sum(exp_values) */
    const double layer_outputs[] = {4.8, 1.21, 2.385};
    double exp_values[3], norm_values[3];
    double exp_sum = 0.0;
    for (size_t i = 0; i < 3; ++i) {
        exp_values[i] = exp(layer_outputs[i]);
        exp_sum += exp_values[i];
    }
    for (size_t i = 0; i < 3; ++i) {
        norm_values[i] = exp_values[i] / exp_sum;
    }
    CHECK(nnb_print_doubles(stdout, norm_values, 3));

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
