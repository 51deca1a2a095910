/* SPDX-License-Identifier: MIT */
/*
 * Chapter 21 - Saving and loading models and their parameters.
 *
 * The book trains chapter 19's model, then moves its parameters into a new model three ways and evaluates
 * each on the test data:
 *
 *   parameters = model.get_parameters()            a new model of the same layers, set_parameters(parameters)
 *   model.save_parameters('fashion_mnist.parms')   a new model, load_parameters('fashion_mnist.parms')
 *   model.save('fashion_mnist.model')              model = Model.load('fashion_mnist.model')
 *
 * Every evaluation prints the same "validation, acc: A, loss: L" line: the parameters come back bit for bit.
 * The files here are the library's (nnb_model_save_parameters, nnb_model_save: model_file.h), written to the
 * current directory under the book's names; ch22_prediction loads fashion_mnist.model.
 *
 *   ch21_saving_loading [epochs [train_samples]]    the book's run: 10 epochs on all 60000 images
 *
 * tests/reference/ch21_numpy.py is numpy running the book's code (pickle files) on the same data.
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

    /* parameters = model.get_parameters(); model = Model(); ...; model.set_parameters(parameters) */
    nnb_model *copy = fashion_model(rng);
    for (size_t layer = 0; layer <= 4; layer += 2) {
        const nnb_dense *from = nnb_model_cdense(model, layer);
        nnb_dense *to = nnb_model_dense(copy, layer);
        CHECK(nnb_dense_set_weights(to, nnb_tensor_cdata(nnb_dense_weights(from)),
                                    nnb_tensor_size(nnb_dense_weights(from))));
        CHECK(nnb_dense_set_biases(to, nnb_tensor_cdata(nnb_dense_biases(from)),
                                   nnb_tensor_size(nnb_dense_biases(from))));
    }
    fashion_evaluate(copy, data.X_test, data.y_test, 0);
    nnb_model_destroy(copy);

    /* model.save_parameters('fashion_mnist.parms'); a new model; model.load_parameters(...) */
    CHECK(nnb_model_save_parameters(model, "fashion_mnist.parms"));
    copy = fashion_model(rng);
    CHECK(nnb_model_load_parameters(copy, "fashion_mnist.parms"));
    fashion_evaluate(copy, data.X_test, data.y_test, 0);
    nnb_model_destroy(copy);

    /* model.save('fashion_mnist.model'); model = Model.load('fashion_mnist.model') */
    CHECK(nnb_model_save(model, "fashion_mnist.model"));
    nnb_model *loaded = NULL;
    CHECK(nnb_model_load(&loaded, "fashion_mnist.model"));
    fashion_evaluate(loaded, data.X_test, data.y_test, 0);
    fashion_print_digest(model);
    fashion_print_digest(loaded);

    nnb_model_destroy(loaded);
    nnb_model_destroy(model);
    fashion_release(&data);
    nnb_rng_destroy(rng);
    return EXIT_SUCCESS;
}
