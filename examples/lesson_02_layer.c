/* SPDX-License-Identifier: MIT */
/*
 * Lesson 2 - Coding a layer.
 *
 * A layer is several neurons looking at the same inputs, each with its own weights and bias. The book's
 * loop computes one neuron after the other and prints the list of outputs:
 *
 *   for neuron_weights, neuron_bias in zip(weights, biases):
 *       neuron_output = 0
 *       for n_input, weight in zip(inputs, neuron_weights):
 *           neuron_output += n_input*weight
 *       neuron_output += neuron_bias
 *       layer_outputs.append(neuron_output)
 *   print(layer_outputs)                                                      -> [4.8, 1.21, 2.385]
 *
 * In double precision, as Python computes, printed as Python prints a list.
 */
#include "example_util.h"

int main(void)
{
    const double inputs[] = {1, 2, 3, 2.5};
    /* One row of weights per neuron. */
    const double weights[3][4] = {
        {0.2, 0.8, -0.5, 1},
        {0.5, -0.91, 0.26, -0.5},
        {-0.26, -0.27, 0.17, 0.87},
    };
    const double biases[] = {2, 3, 0.5};

    /* Each neuron's output, one after the other, exactly as the lesson's loop does. */
    double layer_outputs[3];
    for (size_t neuron = 0; neuron < 3; ++neuron) {
        CHECK(nnb_neuron_output_f64(inputs, weights[neuron], 4, biases[neuron], &layer_outputs[neuron]));
    }
    print_python_list(layer_outputs, 3);
    return 0;
}
