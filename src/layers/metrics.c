/* SPDX-License-Identifier: MIT */
#include <math.h>

#include "tensor/tensor_internal.h"
#include "base/error_internal.h"
#include "compute/kernels.h"
#include "nnbasics/metrics.h"

nnb_status nnb_accuracy_categorical(const nnb_tensor *pred, const uint32_t *labels, size_t count, double *accuracy)
{
    if (pred == NULL || labels == NULL || accuracy == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (count != pred->rows) {
        return NNB__FAILF(NNB_ERR_SHAPE, "%zu labels for %zu rows of predictions", count, pred->rows);
    }
    if (!nnb__labels_in_range(labels, count, pred->cols)) {
        return nnb__fail_label_range(__func__, labels, count, pred->cols);
    }
    /* Rows whose argmax (nnb__row_argmax's rule) equals the label. */
    size_t correct = nnb__k_argmax_hits(pred->data, count, pred->cols, labels);
    *accuracy = (double)correct / (double)count;
    return NNB_OK;
}

nnb_status nnb_accuracy_onehot(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy)
{
    if (pred == NULL || targets == NULL || accuracy == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    size_t correct = 0;
    for (size_t i = 0; i < pred->rows; ++i) {
        correct += nnb__row_argmax(pred->data + i * pred->cols, pred->cols) ==
                   nnb__row_argmax(targets->data + i * targets->cols, targets->cols);
    }
    *accuracy = (double)correct / (double)pred->rows;
    return NNB_OK;
}

/* ---- binary and regression accuracies (chapters 16, 17) ---- */

nnb_status nnb_accuracy_binary(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy)
{
    if (pred == NULL || targets == NULL || accuracy == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* The book: predictions = (output > 0.5) * 1; np.mean(predictions == y). */
    size_t n = pred->rows * pred->cols;
    size_t correct = 0;
    for (size_t i = 0; i < n; ++i) {
        float predicted = pred->data[i] > 0.5f ? 1.0f : 0.0f;
        correct += predicted == targets->data[i];
    }
    *accuracy = (double)correct / (double)n;
    return NNB_OK;
}

nnb_status nnb_accuracy_regression(const nnb_tensor *pred, const nnb_tensor *targets, float precision, double *accuracy)
{
    if (pred == NULL || targets == NULL || accuracy == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(isfinite(precision) && precision >= 0.0f)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* The book: np.mean(np.absolute(predictions - y) < precision), the difference in float32. */
    size_t n = pred->rows * pred->cols;
    size_t correct = 0;
    for (size_t i = 0; i < n; ++i) {
        correct += fabsf(pred->data[i] - targets->data[i]) < precision;
    }
    *accuracy = (double)correct / (double)n;
    return NNB_OK;
}

nnb_status nnb_regression_precision(const nnb_tensor *targets, float divisor, float *precision)
{
    if (targets == NULL || precision == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!(isfinite(divisor) && divisor > 0.0f)) {
        return NNB__FAIL(NNB_ERR_ARGUMENT);
    }
    size_t n = targets->rows * targets->cols;
    if (n == 0) {
        return NNB__FAIL(NNB_ERR_SHAPE);
    }
    /* np.std: population standard deviation (two passes), here in double, then / divisor, rounded once. */
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += (double)targets->data[i];
    }
    double mean = sum / (double)n;
    double sq = 0.0;
    for (size_t i = 0; i < n; ++i) {
        double d = (double)targets->data[i] - mean;
        sq += d * d;
    }
    double std = sqrt(sq / (double)n);
    if (!isfinite(std)) {
        return NNB__FAIL(NNB_ERR_NONFINITE);
    }
    *precision = (float)(std / (double)divisor);
    return NNB_OK;
}
