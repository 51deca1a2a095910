/* SPDX-License-Identifier: MIT */
/*
 * Chapter 19 - A real dataset: Fashion-MNIST.
 *
 * The book's final code for the chapter: the 60000 training images shuffled (np.random.shuffle of the keys
 * after np.random.seed(0)), every pixel scaled to [-1, 1], the model Dense(784, 128) -> ReLU -> Dense(128,
 * 128) -> ReLU -> Dense(128, 10) -> softmax with categorical cross-entropy and Adam(decay=1e-3), trained for
 * 10 epochs in batches of 128 with the test set as validation data:
 *
 *   model.train(X, y, validation_data=(X_test, y_test), epochs=10, batch_size=128, print_every=100)
 *
 * Prints, as the book does, "epoch: E", a "step: ..." line every 100 steps and at the last step, the epoch's
 * "training, ..." line and the "validation, ..." line. The data come from the Debian package
 * dataset-fashion-mnist (/usr/share/datasets/fashion-mnist); the helpers are in fashion_book.h.
 *
 *   ch19_fashion_mnist [epochs [train_samples]]     the book's run: 10 epochs on all 60000 images
 *
 * tests/reference/ch19_numpy.py is numpy running the book's code on the same data.
 */
#include "fashion_book.h"

int main(int argc, char **argv)
{
    int epochs;
    size_t train_samples;
    fashion_arguments(argc, argv, &epochs, &train_samples);
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    /* nnfs.init(): np.random.seed(0); X, y, X_test, y_test = create_data_mnist(...); shuffle; scale */
    nnb_rng *rng = NULL;
    CHECK(nnb_rng_create(&rng, 0));
    fashion_data data;
    fashion_prepare(&data, rng, train_samples);

    nnb_model *model = fashion_model(rng);
    fashion_train(model, &data, epochs, 1);
    fashion_print_digest(model);

    nnb_model_destroy(model);
    fashion_release(&data);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
