/* SPDX-License-Identifier: MIT */
/*
 * Lesson 7 - Calculating loss with categorical cross-entropy.
 *
 * The loss of one sample is -log of the probability the network gave to the correct class. Targets can be
 * class indices ("sparse") or one-hot rows; both give the same numbers. Accuracy counts how often the most
 * probable class is the right one.
 */
#include "example_util.h"

int main(void)
{
    /* Compute exactly as numpy does under nnfs, so the numbers are the book's on every build. */
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_REFERENCE));

    /* One sample: softmax output [0.7, 0.1, 0.2], correct class 0 -> -log(0.7). */
    float single[] = {0.7f, 0.1f, 0.2f};
    const uint32_t single_target[] = {0};
    nnb_tensor *one = NULL;
    float loss;
    CHECK(nnb_tensor_wrap(&one, 1, 3, single));
    CHECK(nnb_cce_sparse(one, single_target, 1, NULL, &loss));
    print_float("loss of one sample: ", loss);
    nnb_tensor_destroy(one);

    /* A batch of three, with sparse and with one-hot targets. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    float softmax_outputs[] = {
        0.7f, 0.1f, 0.2f,
        0.1f, 0.5f, 0.4f,
        0.02f, 0.9f, 0.08f,
    };
    /* clang-format on */
    const uint32_t class_targets[] = {0, 1, 1};
    /* One row per line, as in the lesson. */
    /* clang-format off */
    float onehot[] = {
        1.0f, 0.0f, 0.0f,
        0.0f, 1.0f, 0.0f,
        0.0f, 1.0f, 0.0f,
    };
    /* clang-format on */
    nnb_tensor *batch = NULL, *targets = NULL;
    float losses[3];
    CHECK(nnb_tensor_wrap(&batch, 3, 3, softmax_outputs));
    CHECK(nnb_tensor_wrap(&targets, 3, 3, onehot));

    CHECK(nnb_cce_sparse(batch, class_targets, 3, losses, &loss));
    printf("losses: ");
    CHECK(nnb_print_floats(stdout, losses, 3));
    print_float("mean loss (sparse targets): ", loss);
    CHECK(nnb_cce_onehot(batch, targets, NULL, &loss));
    print_float("mean loss (one-hot targets): ", loss);
    nnb_tensor_destroy(targets);
    nnb_tensor_destroy(batch);

    /* Accuracy on the book's example: predictions 0, 0, 1 against targets 0, 1, 1 -> 2 of 3. */
    /* One row per line, as in the lesson. */
    /* clang-format off */
    float accuracy_outputs[] = {
        0.7f, 0.2f, 0.1f,
        0.5f, 0.1f, 0.4f,
        0.02f, 0.9f, 0.08f,
    };
    /* clang-format on */
    nnb_tensor *predictions = NULL;
    double accuracy;
    CHECK(nnb_tensor_wrap(&predictions, 3, 3, accuracy_outputs));
    CHECK(nnb_accuracy_categorical(predictions, class_targets, 3, &accuracy));
    printf("acc: %.16g\n", accuracy);
    nnb_tensor_destroy(predictions);
    return 0;
}
