#include "internal/tensor.h"
#include "nnbasics/metrics.h"

/* argmax of one row, ties to the lowest index, NaN never preferred (as nnb_tensor_argmax_rows). */
static size_t row_argmax(const float *row, size_t n)
{
    size_t best = 0;
    while (best < n && row[best] != row[best]) {
        ++best;
    }
    if (best == n) {
        return 0;
    }
    for (size_t c = best + 1; c < n; ++c) {
        if (row[c] > row[best]) {
            best = c;
        }
    }
    return best;
}

nnb_status nnb_accuracy_categorical(const nnb_tensor *pred, const uint32_t *labels, size_t count, double *accuracy)
{
    if (pred == NULL || labels == NULL || accuracy == NULL) {
        return NNB_ERR_NULL;
    }
    if (count != pred->rows) {
        return NNB_ERR_SHAPE;
    }
    for (size_t i = 0; i < count; ++i) {
        if (labels[i] >= pred->cols) {
            return NNB_ERR_RANGE;
        }
    }
    size_t correct = 0;
    for (size_t i = 0; i < count; ++i) {
        correct += row_argmax(pred->data + i * pred->cols, pred->cols) == labels[i];
    }
    *accuracy = (double)correct / (double)count;
    return NNB_OK;
}

nnb_status nnb_accuracy_onehot(const nnb_tensor *pred, const nnb_tensor *targets, double *accuracy)
{
    if (pred == NULL || targets == NULL || accuracy == NULL) {
        return NNB_ERR_NULL;
    }
    if (!nnb__same_shape(pred, targets)) {
        return NNB_ERR_SHAPE;
    }
    size_t correct = 0;
    for (size_t i = 0; i < pred->rows; ++i) {
        correct += row_argmax(pred->data + i * pred->cols, pred->cols) ==
                   row_argmax(targets->data + i * targets->cols, targets->cols);
    }
    *accuracy = (double)correct / (double)pred->rows;
    return NNB_OK;
}
