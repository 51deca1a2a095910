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
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const float inputs[3 * 4] = {
        1.0f, 2.0f, 3.0f, 2.5f,
        2.0f, 5.0f, -1.0f, 2.0f,
        -1.5f, 2.7f, 3.3f, -0.8f,
    };
    /* clang-format on */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const float weights[3 * 4] = {
        0.2f, 0.8f, -0.5f, 1.0f,
        0.5f, -0.91f, 0.26f, -0.5f,
        -0.26f, -0.27f, 0.17f, 0.87f,
    };
    /* clang-format on */
    const float biases[3] = {2.0f, 3.0f, 0.5f};
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const float weights2[3 * 3] = {
        0.1f, -0.14f, 0.5f,
        -0.5f, 0.12f, -0.33f,
        -0.44f, 0.73f, -0.13f,
    };
    /* clang-format on */
    const float biases2[3] = {-1.0f, 2.0f, -0.5f};

    nnb_tensor *x = NULL, *w1 = NULL, *w2 = NULL, *layer1_outputs = NULL, *layer2_outputs = NULL;
    CHECK(nnb_tensor_create_from(&x, 3, 4, inputs));
    CHECK(nnb_tensor_create_from(&w1, 3, 4, weights));
    CHECK(nnb_tensor_create_from(&w2, 3, 3, weights2));
    CHECK(nnb_tensor_create(&layer1_outputs, 3, 3));
    CHECK(nnb_tensor_create(&layer2_outputs, 3, 3));

    /* The weights hold one row per neuron, so they enter the product transposed. */
    CHECK(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, x, w1, 0.0f, layer1_outputs));
    CHECK(nnb_tensor_add_row(layer1_outputs, biases, 3));
    CHECK(nnb_matmul(NNB_NO_TRANS, NNB_TRANS, 1.0f, layer1_outputs, w2, 0.0f, layer2_outputs));
    CHECK(nnb_tensor_add_row(layer2_outputs, biases2, 3));
    CHECK(nnb_tensor_print(stdout, layer2_outputs, 0, 0));

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
    nnb_tensor_destroy(layer2_outputs);
    nnb_tensor_destroy(layer1_outputs);
    nnb_tensor_destroy(w2);
    nnb_tensor_destroy(w1);
    nnb_tensor_destroy(x);
    return 0;
}
