/* SPDX-License-Identifier: MIT */
/* Consumer check: the book's lesson-8 pipeline through the installed headers and library. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

#define CHECK(expr)                                                                                                    \
    do {                                                                                                               \
        nnb_status s_ = (expr);                                                                                        \
        if (s_ != NNB_OK) {                                                                                            \
            fprintf(stderr, "%s failed: %s\n", #expr, nnb_status_string(s_));                                          \
            return 1;                                                                                                  \
        }                                                                                                              \
    } while (0)

int main(void)
{
    if (strcmp(nnb_version_string(), NNB_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s but library %s\n", NNB_VERSION_STRING, nnb_version_string());
        return 1;
    }
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL, *h = NULL, *out = NULL;
    nnb_dense *d1 = NULL, *d2 = NULL;
    uint32_t y[300];
    float loss = 0.0f;
    double acc = 0.0;
    CHECK(nnb_rng_create(&rng, 0));
    CHECK(nnb_tensor_create(&X, 300, 2));
    CHECK(nnb_spiral_data(rng, 100, 3, X, y, 300));
    CHECK(nnb_dense_create(&d1, 2, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_dense_create(&d2, 3, 3, rng, NNB_DENSE_DEFAULT_INIT_SCALE));
    CHECK(nnb_tensor_create(&h, 300, 3));
    CHECK(nnb_tensor_create(&out, 300, 3));
    CHECK(nnb_dense_forward(d1, X, h));
    CHECK(nnb_relu_forward(h, h));
    CHECK(nnb_dense_forward(d2, h, out));
    CHECK(nnb_softmax_forward(out, out));
    CHECK(nnb_cce_sparse(out, y, 300, NULL, &loss));
    CHECK(nnb_accuracy_categorical(out, y, 300, &acc));
    printf("nnbasics %s (%s): loss %.7f acc %.2f\n", nnb_version_string(), nnb_backend_name(), (double)loss, acc);
    nnb_tensor_destroy(out);
    nnb_tensor_destroy(h);
    nnb_dense_destroy(d2);
    nnb_dense_destroy(d1);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    return fabs((double)loss - 1.0986104) < 2e-6 && fabs(acc - 0.34) < 1e-9 ? 0 : 1;
}
