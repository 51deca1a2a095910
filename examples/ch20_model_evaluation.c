/* SPDX-License-Identifier: MIT */
/*
 * Chapter 20 - Model evaluation.
 *
 * Chapter 19's training, then the model evaluated on data it did not train on and on its training data, each
 * in one pass (Model.evaluate without a batch size):
 *
 *   model.train(X, y, validation_data=(X_test, y_test), epochs=10, batch_size=128, print_every=100)
 *   model.evaluate(X_test, y_test)
 *   model.evaluate(X, y)
 *
 * Each evaluation prints "validation, acc: A, loss: L": the accumulated loss and accuracy of a fresh pass
 * (Loss.new_pass / Accuracy.new_pass). Helpers and data as in ch19_fashion_mnist (fashion_book.h).
 *
 *   ch20_model_evaluation [epochs [train_samples]]    the book's run: 10 epochs on all 60000 images
 *
 * tests/reference/ch20_numpy.py is numpy running the book's code on the same data.
 */
#include "fashion_book.h"

int main(int argc, char **argv)
{
    int epochs;
    size_t train_samples;
    fashion_arguments(argc, argv, &epochs, &train_samples);
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    nnb_rng *rng = NULL;
    CHECK(nnb_rng_create(&rng, 0));
    fashion_data data;
    fashion_prepare(&data, rng, train_samples);
    nnb_model *model = fashion_model(rng);
    fashion_train(model, &data, epochs, 1);

    /* model.evaluate(X_test, y_test); model.evaluate(X, y): batch_size None, the whole set at once. */
    fashion_evaluate(model, data.X_test, data.y_test, 0);
    fashion_evaluate(model, data.X, data.y, 0);
    fashion_print_digest(model);

    nnb_model_destroy(model);
    fashion_release(&data);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
