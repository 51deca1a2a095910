/* SPDX-License-Identifier: MIT */
/*
 * Lesson 4 - Batches, layers and objects.
 *
 * Part 1: a batch of three samples goes through two layers at once with matrix products:
 *     layer1_outputs = inputs . weights^T + biases;  layer2_outputs = layer1_outputs . weights2^T + biases2
 * Part 2: the layer becomes an object (nnb_dense, the book's Layer_Dense) and sees the spiral data set:
 *     X, y = spiral_data(100, 3); dense1 = Layer_Dense(2, 3); dense1.forward(X); print(dense1.output[:5])
 */
#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs, so the numbers are the book's on every build. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));

    /* ---- Part 1: a batch through two layers ---- */
    /* The book's lists hold Python floats: np.dot computes in float64 and prints a float64 array. Each
     * sample's row of layer outputs is the layer of lesson 2 applied to that sample. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const double inputs[3][4] = {
        {1, 2, 3, 2.5},
        {2.0, 5.0, -1.0, 2.0},
        {-1.5, 2.7, 3.3, -0.8},
    };
    const double weights[3 * 4] = {
        0.2, 0.8, -0.5, 1.0,
        0.5, -0.91, 0.26, -0.5,
        -0.26, -0.27, 0.17, 0.87,
    };
    const double biases[3] = {2, 3, 0.5};
    const double weights2[3 * 3] = {
        0.1, -0.14, 0.5,
        -0.5, 0.12, -0.33,
        -0.44, 0.73, -0.13,
    };
    const double biases2[3] = {-1, 2, -0.5};
    /* clang-format on */

    /* layer1_outputs = np.dot(inputs, np.array(weights).T) + biases; layer2_outputs likewise. */
    double layer1_outputs[3][3], layer2_outputs[3][3];
    for (size_t i = 0; i < 3; ++i) {
        CHECK(nnb_layer_output_f64(inputs[i], 4, weights, biases, 3, layer1_outputs[i]));
        CHECK(nnb_layer_output_f64(layer1_outputs[i], 3, weights2, biases2, 3, layer2_outputs[i]));
    }
    CHECK(nnb_print_doubles_2d(stdout, &layer2_outputs[0][0], 3, 3));

    /* ---- Part 2: Layer_Dense on the spiral data (np.random.seed(0), as nnfs.init() does) ---- */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *dense1_output = NULL;
    uint32_t y[300];
    nnb_dense *dense1 = NULL;
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, 300, 2));
    CHECK(nnb_spiral_data(rng, 100, 3, X, y, 300));
    CHECK(nnb_dense_create(&dense1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_tensor_create(&dense1_output, 300, 3));
    CHECK(nnb_dense_forward(dense1, X, dense1_output));
    CHECK(nnb_tensor_print(stdout, dense1_output, 5, 0));

    nnb_tensor_destroy(dense1_output);
    nnb_dense_destroy(dense1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return 0;
}
