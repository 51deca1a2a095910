/* SPDX-License-Identifier: MIT */
/*
 * Lesson 7 - Calculating loss with categorical cross-entropy.
 *
 * The loss of one sample is -log of the probability the network gave to the correct class. Targets can be
 * class indices ("sparse") or one-hot rows; both give the same numbers. Accuracy counts how often the most
 * probable class is the right one. The book's code for this lesson works on Python floats and on numpy
 * arrays made from them (float64), so this program computes in double and prints as Python and numpy do:
 *
 *   print(loss)                                        -> 0.35667494393873245          (math.log, one sample)
 *   print(-np.log(softmax_outputs[range(3), class_targets]))  -> [0.35667494 0.69314718 0.10536052]
 *   print(average_loss)                                -> 0.38506088005216804          (np.mean, sparse)
 *   print(np.mean(-np.log(correct_confidences)))       -> 0.38506088005216804          (one-hot, clipped)
 *   print('acc:', accuracy)                            -> acc: 0.6666666666666666
 */
#include <math.h>

#include "example_util.h"

/* np.mean of a few float64 values: numpy adds fewer than 8 values left to right from 0, then divides. */
static double numpy_mean(const double *values, size_t count)
{
    double sum = 0.0;
    for (size_t i = 0; i < count; ++i) {
        sum += values[i];
    }
    return sum / (double)count;
}

int main(void)
{
    /* One sample: softmax output [0.7, 0.1, 0.2], one-hot target [1, 0, 0]. */
    const double softmax_output[] = {0.7, 0.1, 0.2};
    const double target_output[] = {1, 0, 0};
    double loss = -(log(softmax_output[0]) * target_output[0] + log(softmax_output[1]) * target_output[1] +
                    log(softmax_output[2]) * target_output[2]);
    print_python_float(loss);
    printf("\n");

    /* A batch of three with sparse targets: -log of each row's confidence in its correct class. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    const double softmax_outputs[3][3] = {
        {0.7, 0.1, 0.2},
        {0.1, 0.5, 0.4},
        {0.02, 0.9, 0.08},
    };
    /* clang-format on */
    const size_t class_targets[] = {0, 1, 1};
    double neg_log[3];
    for (size_t i = 0; i < 3; ++i) {
        neg_log[i] = -log(softmax_outputs[i][class_targets[i]]);
    }
    CHECK(nnb_print_doubles(stdout, neg_log, 3));
    print_python_float(numpy_mean(neg_log, 3));
    printf("\n");

    /* One-hot targets: the predictions clipped to [1e-7, 1 - 1e-7], the confidence the sum of
     * prediction * target over each row. */
    const double onehot[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 1, 0}};
    double onehot_neg_log[3];
    for (size_t i = 0; i < 3; ++i) {
        double confidence = 0.0;
        for (size_t j = 0; j < 3; ++j) {
            double p = fmin(fmax(softmax_outputs[i][j], 1e-7), 1 - 1e-7);
            confidence += p * onehot[i][j];
        }
        onehot_neg_log[i] = -log(confidence);
    }
    print_python_float(numpy_mean(onehot_neg_log, 3));
    printf("\n");

    /* Accuracy on the book's example: predictions 0, 0, 1 against targets 0, 1, 1 -> 2 of 3. The library's
     * accuracy takes float32 predictions; the argmax is the same. */
    /* clang-format off */
    float accuracy_outputs[] = {
        0.7f, 0.2f, 0.1f,
        0.5f, 0.1f, 0.4f,
        0.02f, 0.9f, 0.08f,
    };
    /* clang-format on */
    const uint32_t accuracy_targets[] = {0, 1, 1};
    nnb_tensor *predictions = NULL;
    double accuracy;
    CHECK(nnb_tensor_wrap(&predictions, 3, 3, accuracy_outputs));
    CHECK(nnb_accuracy_categorical(predictions, accuracy_targets, 3, &accuracy));
    printf("acc: ");
    print_python_float(accuracy);
    printf("\n");
    nnb_tensor_destroy(predictions);
    return 0;
}
