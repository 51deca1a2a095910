/* SPDX-License-Identifier: MIT */
/*
 * Lesson 3 - The dot product.
 *
 * The sum of products of a neuron is the dot product of its weights and the inputs, so one neuron is
 * dot(weights, inputs) + bias, and a layer is the dot product of the weight matrix (one row per neuron)
 * with the input vector, plus the biases. Prints 4.8, then [4.8   1.21  2.385].
 */
#include "example_util.h"

int main(void)
{
    const float inputs[] = {1.0f, 2.0f, 3.0f, 2.5f};

    /* A single neuron. */
    const float weights[] = {0.2f, 0.8f, -0.5f, 1.0f};
    const float bias = 2.0f;
    float output;
    CHECK(nnb_dot(weights, inputs, 4, &output));
    output += bias;
    print_float("", output);

    /* A layer of three neurons: np.dot(weights, inputs) + biases. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const float layer_weights[3 * 4] = {
        0.2f, 0.8f, -0.5f, 1.0f,
        0.5f, -0.91f, 0.26f, -0.5f,
        -0.26f, -0.27f, 0.17f, 0.87f,
    };
    /* clang-format on */
    const float biases[] = {2.0f, 3.0f, 0.5f};
    float layer_outputs[3];
    CHECK(nnb_layer_output(inputs, 4, layer_weights, biases, 3, layer_outputs));
    CHECK(nnb_print_floats(stdout, layer_outputs, 3));
    return 0;
}
