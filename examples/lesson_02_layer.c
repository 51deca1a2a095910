/* SPDX-License-Identifier: MIT */
/*
 * Lesson 2 - Coding a layer.
 *
 * A layer is several neurons looking at the same inputs, each with its own weights and bias.
 * Three neurons, four inputs: prints [4.8   1.21  2.385].
 */
#include "example_util.h"

int main(void)
{
    const float inputs[] = {1.0f, 2.0f, 3.0f, 2.5f};
    /* One row of weights per neuron. */
    const float weights[3][4] = {
        {0.2f, 0.8f, -0.5f, 1.0f},
        {0.5f, -0.91f, 0.26f, -0.5f},
        {-0.26f, -0.27f, 0.17f, 0.87f},
    };
    const float biases[] = {2.0f, 3.0f, 0.5f};

    /* Each neuron's output, one after the other, exactly as the lesson's loop does. */
    float layer_outputs[3];
    for (size_t neuron = 0; neuron < 3; ++neuron) {
        CHECK(nnb_neuron_output(inputs, weights[neuron], 4, biases[neuron], &layer_outputs[neuron]));
    }
    CHECK(nnb_print_floats(stdout, layer_outputs, 3));
    return 0;
}
