/* SPDX-License-Identifier: MIT */
/*
 * Lesson 3 - The dot product.
 *
 * A neuron's output is the dot product of its weights with the inputs, plus the bias; a layer's outputs are
 * the dot product of the weight matrix (one row per neuron) with the inputs, plus the biases:
 *
 *   outputs = np.dot(weights, inputs) + bias
 *   print(outputs)                                                                  -> 4.8
 *   layer_outputs = np.dot(weights, inputs) + biases
 *   print(layer_outputs)                                                 -> [4.8   1.21  2.385]
 *
 * The book's lists hold Python floats, so numpy computes in float64; the program does too, and prints a
 * float64 scalar and a float64 array as numpy does.
 */
#include "example_util.h"

int main(void)
{
    const double inputs[] = {1.0, 2.0, 3.0, 2.5};

    /* A single neuron. */
    const double weights[] = {0.2, 0.8, -0.5, 1.0};
    const double bias = 2.0;
    double output;
    CHECK(nnb_neuron_output_f64(weights, inputs, 4, bias, &output));
    print_python_float(output);
    printf("\n");

    /* A layer of three neurons: np.dot(weights, inputs) + biases. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const double layer_weights[3 * 4] = {
        0.2, 0.8, -0.5, 1,
        0.5, -0.91, 0.26, -0.5,
        -0.26, -0.27, 0.17, 0.87,
    };
    /* clang-format on */
    const double biases[] = {2.0, 3.0, 0.5};
    double layer_outputs[3];
    CHECK(nnb_layer_output_f64(inputs, 4, layer_weights, biases, 3, layer_outputs));
    CHECK(nnb_print_doubles(stdout, layer_outputs, 3));
    return 0;
}
