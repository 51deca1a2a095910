/* SPDX-License-Identifier: MIT */
/*
 * Lesson 1 - Intro and neuron code.
 *
 * A neuron multiplies each input by its weight, adds the products and its bias. The book's code:
 *
 *   inputs = [1, 2, 3, 2.5]
 *   weights = [0.2, 0.8, -0.5, 1.0]
 *   bias = 2
 *   output = (inputs[0]*weights[0] + inputs[1]*weights[1] + inputs[2]*weights[2] + inputs[3]*weights[3] + bias)
 *   print(output)                                                                   -> 4.8
 *
 * Python's numbers are doubles, so the program computes in double (nnb_neuron_output_f64) and prints the
 * value as Python does.
 */
#include "example_util.h"

int main(void)
{
    const double inputs[] = {1, 2, 3, 2.5};
    const double weights[] = {0.2, 0.8, -0.5, 1.0};
    const double bias = 2;

    double output;
    CHECK(nnb_neuron_output_f64(inputs, weights, 4, bias, &output));
    print_python_float(output);
    printf("\n");
    return 0;
}
