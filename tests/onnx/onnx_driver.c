/* SPDX-License-Identifier: MIT */
/*
 * Helper for the ONNX and .npz interop scripts (the Python scripts in tests/onnx): library operations on files, through
 * the public API only. onnx_driver predict MODEL X.npy OUT.npy     MODEL .onnx or .nnb; OUT = the model's predictions
 * for X onnx_driver convert IN OUT                  .onnx <-> .nnb by the extensions onnx_driver train KIND OUT.nnb
 * X.npy        trains a small model on spiral data (KIND: softmax, sigmoid, regression, dropout, scaled) and saves it;
 * X.npy gets inputs that were not trained on (KIND cnn, cnn_gap: a small convolutional network on random images,
 * X.npy in NCHW rows) Exit status 0, or 1 with the library's message on stderr.
 */
#include <stdio.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

static int fail(const char *what, nnb_status st)
{
    fprintf(stderr, "onnx_driver: %s: %s (%s)\n", what, nnb_status_string(st), nnb_last_error());
    return 1;
}

static int ends_with(const char *s, const char *tail)
{
    const size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

static nnb_status load_any(const char *path, nnb_model **m)
{
    return ends_with(path, ".onnx") ? nnb_model_load_onnx(path, m) : nnb_model_load(m, path);
}

static int predict(const char *model_path, const char *x_path, const char *out_path)
{
    nnb_model *m = NULL;
    nnb_tensor *X = NULL, *P = NULL;
    nnb_status st = load_any(model_path, &m);
    if (st != NNB_OK) {
        return fail(model_path, st);
    }
    st = nnb_npy_load_tensor(&X, x_path, NNB_NPY_ROW);
    if (st == NNB_OK) {
        st = nnb_tensor_create(&P, nnb_tensor_rows(X), nnb_model_output_size(m));
    }
    if (st == NNB_OK) {
        nnb_preprocess_kind kind = NNB_PREPROCESS_NONE;
        (void)nnb_model_preprocess_info(m, &kind, NULL, NULL);
        st =
            kind == NNB_PREPROCESS_NONE ? nnb_model_predict(m, X, P, 0, NULL) : nnb_model_predict_raw(m, X, P, 0, NULL);
    }
    if (st == NNB_OK) {
        st = nnb_npy_save_tensor(P, out_path);
    }
    int rc = st == NNB_OK ? 0 : fail("predict", st);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(P);
    nnb_model_destroy(m);
    return rc;
}

static int convert(const char *in, const char *out)
{
    nnb_model *m = NULL;
    nnb_status st = load_any(in, &m);
    if (st != NNB_OK) {
        return fail(in, st);
    }
    st = ends_with(out, ".onnx") ? nnb_model_save_onnx(m, out) : nnb_model_save(m, out);
    nnb_model_destroy(m);
    return st == NNB_OK ? 0 : fail(out, st);
}

/* The hidden activation of a trained model: ReLU, or the layer the kind names. */
static nnb_status add_hidden_activation(nnb_model *m, const char *kind)
{
    if (strcmp(kind, "tanh") == 0) {
        return nnb_model_add_tanh(m);
    }
    if (strcmp(kind, "leaky_relu") == 0) {
        return nnb_model_add_leaky_relu(m, 0.2f);
    }
    if (strcmp(kind, "elu") == 0) {
        return nnb_model_add_elu(m, 0.7f);
    }
    if (strcmp(kind, "softplus") == 0) {
        return nnb_model_add_softplus(m);
    }
    if (strcmp(kind, "gelu") == 0) {
        return nnb_model_add_gelu(m, NNB_GELU_EXACT);
    }
    return nnb_model_add_relu(m);
}

static int train(const char *kind, const char *out, const char *x_path)
{
    nnb_tensor *X = NULL, *Xt = NULL, *Y = NULL;
    uint32_t labels[300], labels_t[60];
    nnb_model *m = NULL;
    nnb_rng *rng = NULL;
    const int regression = strcmp(kind, "regression") == 0;
    const int sigmoid = strcmp(kind, "sigmoid") == 0;
    nnb_status st = nnb_rng_create(&rng, 0);
    if (st == NNB_OK) {
        st = nnb_tensor_create(&X, 300, 2);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&Xt, 60, 2);
    }
    if (st == NNB_OK) {
        st = nnb_spiral_data(rng, 100, 3, X, labels, 300);
    }
    if (st == NNB_OK) {
        st = nnb_spiral_data(rng, 20, 3, Xt, labels_t, 60);
    }
    if (st == NNB_OK) {
        st = nnb_model_create(&m, 1);
    }
    const size_t out_w = regression ? 1 : sigmoid ? 1 : 3;
    if (st == NNB_OK) {
        st = nnb_model_add_dense_init(m, 2, 16, &(nnb_init){.weights = NNB_INIT_HE_NORMAL}, NULL);
    }
    if (st == NNB_OK) {
        st = add_hidden_activation(m, kind);
    }
    if (st == NNB_OK && strcmp(kind, "dropout") == 0) {
        st = nnb_model_add_dropout(m, 0.1f);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense_init(m, 16, out_w, &(nnb_init){.weights = NNB_INIT_GLOROT_UNIFORM}, NULL);
    }
    if (st == NNB_OK) {
        st = regression ? nnb_model_add_linear(m) : sigmoid ? nnb_model_add_sigmoid(m) : nnb_model_add_softmax(m);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_loss(m, regression ? NNB_LOSS_MSE : sigmoid ? NNB_LOSS_BCE : NNB_LOSS_CCE);
    }
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.02;
    if (st == NNB_OK) {
        st = nnb_model_set_optimizer(m, &adam);
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(m);
    }
    if (st == NNB_OK && (regression || sigmoid)) {
        st = nnb_tensor_create(&Y, nnb_tensor_rows(X), 1);
        for (size_t i = 0; st == NNB_OK && i < nnb_tensor_rows(X); ++i) {
            float x0 = 0.0f;
            (void)nnb_tensor_get(X, i, 0, &x0);
            st = nnb_tensor_set(Y, i, 0, regression ? x0 * x0 : (labels[i] == 0 ? 1.0f : 0.0f));
        }
    }
    if (st == NNB_OK) {
        nnb_targets y = Y != NULL ? nnb_targets_from_tensor(Y) : nnb_targets_from_labels(labels, nnb_tensor_rows(X));
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = 200;
        st = nnb_model_train(m, X, &y, &tp);
    }
    if (st == NNB_OK && strcmp(kind, "scaled") == 0) {
        const float center[2] = {0.25f, -0.5f}, scale[2] = {2.0f, 0.5f};
        st = nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 2, center, scale);
    }
    if (st == NNB_OK) {
        st = nnb_model_save(m, out);
    }
    if (st == NNB_OK) {
        st = nnb_npy_save_tensor(Xt, x_path);
    }
    int rc = st == NNB_OK ? 0 : fail("train", st);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Xt);
    nnb_tensor_destroy(Y);
    nnb_rng_destroy(rng);
    nnb_model_destroy(m);
    return rc;
}

/*
 * A small CNN on 2 x 10 x 9 random images, trained a few epochs so that the batch-normalisation running averages
 * move away from 0 and 1. KIND cnn: conv 3x3 same + batchnorm + ReLU + maxpool 2, conv 3x3 padding 1 stride 2
 * without bias + tanh + avgpool 2 stride 1, flatten, dense + batchnorm (flat) + ReLU, dense + softmax.
 * KIND cnn_gap: conv 3x3 valid + ReLU, global average pooling, flatten, dense + softmax, with a stored scaling.
 */
static int train_cnn(const char *kind, const char *out, const char *x_path)
{
    enum { N = 64, NT = 20, C = 2, H = 10, W = 9 };
    const int gap = strcmp(kind, "cnn_gap") == 0;
    nnb_tensor *X = NULL, *Xt = NULL;
    uint32_t labels[N];
    nnb_model *m = NULL;
    nnb_rng *rng = NULL;
    nnb_status st = nnb_rng_create(&rng, 7);
    if (st == NNB_OK) {
        st = nnb_tensor_create(&X, N, C * H * W);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&Xt, NT, C * H * W);
    }
    if (st == NNB_OK) {
        st = nnb_rng_fill_normal(rng, nnb_tensor_data(X), (size_t)N * C * H * W, 1.0f);
    }
    if (st == NNB_OK) {
        st = nnb_rng_fill_normal(rng, nnb_tensor_data(Xt), (size_t)NT * C * H * W, 1.0f);
    }
    for (size_t i = 0; st == NNB_OK && i < N; ++i) {
        const float *row = nnb_tensor_data(X) + i * C * H * W;
        labels[i] = row[0] + row[100] > 0.0f ? (row[5] > 0.0f ? 2u : 1u) : 0u; /* something to learn */
        nnb_tensor_data(X)[i * C * H * W + 17] += 0.5f;                        /* a non-zero mean */
    }
    if (st == NNB_OK) {
        st = nnb_model_create(&m, 3);
    }
    nnb_conv2d_params p = nnb_conv2d_params_default(3);
    if (gap) {
        if (st == NNB_OK) {
            st = nnb_model_add_conv2d(m, C, H, W, 4, &p);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_relu(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_global_avgpool(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_flatten(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_dense_init(m, 4, 3, &(nnb_init){.weights = NNB_INIT_GLOROT_UNIFORM}, NULL);
        }
    } else {
        p.padding = NNB_PADDING_SAME;
        if (st == NNB_OK) {
            st = nnb_model_add_conv2d(m, C, H, W, 6, &p);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_batchnorm(m, 0.3f, 1e-3f);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_relu(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_maxpool2d(m, 2, 2, 2); /* 6 x 5 x 4 */
        }
        p.padding = NNB_PADDING_EXPLICIT;
        p.pad_h = p.pad_w = 1;
        p.stride = 2;
        p.bias = 0;
        if (st == NNB_OK) {
            st = nnb_model_add_conv2d(m, 0, 0, 0, 5, &p); /* 5 x 3 x 2 */
        }
        if (st == NNB_OK) {
            st = nnb_model_add_tanh(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_avgpool2d(m, 2, 2, 1); /* 5 x 2 x 1 */
        }
        if (st == NNB_OK) {
            st = nnb_model_add_flatten(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_dense_init(m, 10, 8, &(nnb_init){.weights = NNB_INIT_HE_NORMAL}, NULL);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_batchnorm(m, 0.3f, 1e-5f);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_relu(m);
        }
        if (st == NNB_OK) {
            st = nnb_model_add_dense_init(m, 8, 3, &(nnb_init){.weights = NNB_INIT_GLOROT_UNIFORM}, NULL);
        }
    }
    if (st == NNB_OK) {
        st = nnb_model_add_softmax(m);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_loss(m, NNB_LOSS_CCE);
    }
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.01;
    if (st == NNB_OK) {
        st = nnb_model_set_optimizer(m, &adam);
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(m);
    }
    if (st == NNB_OK) {
        nnb_targets y = nnb_targets_from_labels(labels, N);
        nnb_train_params tp = nnb_train_params_default();
        tp.epochs = 5;
        tp.batch_size = 16;
        st = nnb_model_train(m, X, &y, &tp);
    }
    if (st == NNB_OK && gap) {
        float center[C * H * W], scale[C * H * W];
        for (size_t k = 0; k < C * H * W; ++k) {
            center[k] = 0.01f * (float)(k % 7);
            scale[k] = 0.5f + 0.1f * (float)(k % 5);
        }
        st = nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, C * H * W, center, scale);
    }
    if (st == NNB_OK) {
        st = nnb_model_save(m, out);
    }
    if (st == NNB_OK) {
        st = nnb_npy_save_tensor(Xt, x_path);
    }
    int rc = st == NNB_OK ? 0 : fail("train", st);
    nnb_tensor_destroy(X);
    nnb_tensor_destroy(Xt);
    nnb_rng_destroy(rng);
    nnb_model_destroy(m);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "predict") == 0) {
        return predict(argv[2], argv[3], argv[4]);
    }
    if (argc == 4 && strcmp(argv[1], "convert") == 0) {
        return convert(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "train") == 0 && strncmp(argv[2], "cnn", 3) == 0) {
        return train_cnn(argv[2], argv[3], argv[4]);
    }
    if (argc == 5 && strcmp(argv[1], "train") == 0) {
        return train(argv[2], argv[3], argv[4]);
    }
    fprintf(stderr, "usage: onnx_driver predict MODEL X.npy OUT.npy | convert IN OUT | train KIND OUT.nnb X.npy\n");
    return 2;
}
