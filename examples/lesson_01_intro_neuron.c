/* SPDX-License-Identifier: MIT */
/*
 * Lesson 1 - Intro and neuron code.
 *
 * A neuron multiplies each input by its weight, adds them up and adds its bias:
 *     output = inputs[0]*weights[0] + inputs[1]*weights[1] + inputs[2]*weights[2] + inputs[3]*weights[3] + bias
 * Prints 4.8.
 */
#include "example_util.h"

int main(void)
{
    const float inputs[] = {1.0f, 2.0f, 3.0f, 2.5f};
    const float weights[] = {0.2f, 0.8f, -0.5f, 1.0f};
    const float bias = 2.0f;

    float output;
    CHECK(nnb_neuron_output(inputs, weights, 4, bias, &output));
    print_float("", output);
    return 0;
}
