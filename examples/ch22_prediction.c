/* SPDX-License-Identifier: MIT */
/*
 * Chapter 22 - Prediction (inference).
 *
 * The book loads the model chapter 21 saved and predicts: first the first five test images,
 *
 *   model = Model.load('fashion_mnist.model')
 *   confidences = model.predict(X_test[:5])
 *   predictions = model.output_layer_activation.predictions(confidences)
 *   print(predictions)          the predicted classes, e.g. [9 2 1 1 6]
 *   print(y_test[:5])           the labels
 *   for prediction in predictions: print(fashion_mnist_labels[prediction])
 *
 * then one image prepared on its own and classified by name. The book photographs a pair of trousers; here
 * the single image is test image 42 read straight from the IDX file (nnb_fashion_mnist_read_one), scaled as
 * the book scales its photo, and its class name is printed.
 *
 *   ch22_prediction [model_file]    default fashion_mnist.model (written by ch21_saving_loading)
 *
 * tests/reference/ch22_numpy.py trains as chapter 21 did and predicts the same images with numpy.
 */
#include "fashion_book.h"

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "fashion_mnist.model";
    CHECK(nnb_set_arithmetic(NNB_ARITHMETIC_NUMPY));

    nnb_model *model = NULL;
    CHECK(nnb_model_load(&model, path));

    /* X_test[:5], y_test[:5] */
    enum { FIRST = 5, SINGLE_INDEX = 42 };
    nnb_tensor *X = NULL, *confidences = NULL;
    uint32_t labels[FIRST], predictions[FIRST];
    CHECK(nnb_tensor_create(&X, FIRST, FASHION_FEATURES));
    CHECK(nnb_tensor_create(&confidences, FIRST, FASHION_CLASSES));
    nnb_tensor *row = NULL;
    CHECK(nnb_tensor_create(&row, 1, FASHION_FEATURES));
    for (size_t i = 0; i < FIRST; ++i) {
        CHECK(nnb_fashion_mnist_read_one(NULL, NNB_FASHION_TEST, i, row, &labels[i], NULL));
        memcpy(nnb_tensor_data(X) + i * FASHION_FEATURES, nnb_tensor_cdata(row), FASHION_FEATURES * sizeof(float));
    }
    CHECK(nnb_model_predict(model, X, confidences, 0, NULL));
    CHECK(nnb_tensor_argmax_rows(confidences, predictions, FIRST));
    /* print(predictions); print(y_test[:5]): numpy integer arrays */
    for (int which = 0; which < 2; ++which) {
        const uint32_t *v = which == 0 ? predictions : labels;
        printf("[");
        for (size_t i = 0; i < FIRST; ++i) {
            printf(i > 0 ? " %u" : "%u", (unsigned)v[i]);
        }
        printf("]\n");
    }
    for (size_t i = 0; i < FIRST; ++i) {
        printf("%s\n", nnb_fashion_mnist_class_name(predictions[i]));
    }

    /* One image on its own: image_data = (image.reshape(1, -1).astype(np.float32) - 127.5) / 127.5 */
    uint32_t label, prediction;
    CHECK(nnb_fashion_mnist_read_one(NULL, NNB_FASHION_TEST, SINGLE_INDEX, row, &label, NULL));
    nnb_tensor *confidence = NULL;
    CHECK(nnb_tensor_create(&confidence, 1, FASHION_CLASSES));
    CHECK(nnb_model_predict(model, row, confidence, 0, NULL));
    CHECK(nnb_tensor_argmax_rows(confidence, &prediction, 1));
    printf("%s\n", nnb_fashion_mnist_class_name(prediction));

    nnb_tensor_destroy(confidence);
    nnb_tensor_destroy(row);
    nnb_tensor_destroy(confidences);
    nnb_tensor_destroy(X);
    nnb_model_destroy(model);
    return EXIT_SUCCESS;
}
