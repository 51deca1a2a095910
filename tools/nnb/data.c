/* SPDX-License-Identifier: MIT */
/* Loading Fashion-MNIST and model files, and checking that a model fits the data, with messages that say what
 * to do. */
#include "nnb.h"

#include <errno.h>
#include <string.h>

int nnb_load_fashion(const char *command, const char *dir, nnb_fashion_split split, nnb_idx_set **out)
{
    const char *where = dir != NULL ? dir : NNB_FASHION_MNIST_DEFAULT_DIR;
    const char *which = split == NNB_FASHION_TRAIN ? "train" : "t10k";
    nnb_status st = nnb_fashion_mnist_load(out, dir, split);
    if (st == NNB_OK) {
        return 1;
    }
    if (st == NNB_ERR_IO) {
        const char *detail = nnb_detail(st);
        nnb_error(command,
                  "cannot read Fashion-MNIST from %s: need %s-images-idx3-ubyte[.gz] and "
                  "%s-labels-idx1-ubyte[.gz] there (install the data set or pass --dir)%s%s%s",
                  where, which, which, detail != NULL ? " (" : "", detail != NULL ? detail : "",
                  detail != NULL ? ")" : "");
    } else if (st == NNB_ERR_UNSUPPORTED) {
        /* The library's status for gzip input in a build without zlib. */
        nnb_error(command,
                  "the Fashion-MNIST files in %s are gzip-compressed, and this nnb was built without zlib: "
                  "install zlib1g-dev and reconfigure (cmake -S . -B build), then rebuild; or pass --dir with "
                  "gunzipped copies",
                  where);
    } else {
        nnb_error(command, "the %s files in %s are not a valid Fashion-MNIST split: %s", which, where,
                  nnb_describe(st));
    }
    return 0;
}

int nnb_load_model(const char *command, const char *path, nnb_model **out)
{
    nnb_status st = nnb_model_load(out, path);
    if (st == NNB_OK) {
        return 1;
    }
    const char *text = nnb_describe(st); /* before anything else can change the detail */
    if (st == NNB_ERR_IO) {
        /* The status says "input/output"; the system says why (most often: no such file). */
        FILE *f = fopen(path, "rb");
        const int e = errno;
        if (f == NULL) {
            nnb_error(command, "cannot load the model %s: %s%s", path, strerror(e),
                      e == ENOENT ? " (nnb train --save FILE writes one)" : "");
            return 0;
        }
        fclose(f);
    }
    nnb_error(command, "cannot load the model %s: %s", path, text);
    return 0;
}

int nnb_check_fashion_model(const char *command, const nnb_model *model, const char *path)
{
    size_t in = nnb_model_input_size(model), out = nnb_model_output_size(model);
    if (in != NNB_FASHION_MNIST_SIDE * NNB_FASHION_MNIST_SIDE || out != NNB_FASHION_MNIST_CLASSES) {
        nnb_error(command,
                  "%s takes %zu inputs and gives %zu outputs; a Fashion-MNIST classifier takes 784 "
                  "and gives 10",
                  path, in, out);
        return 0;
    }
    nnb_layer_info last;
    if (nnb_model_layer_info(model, nnb_model_layer_count(model) - 1, &last) != NNB_OK ||
        last.kind != NNB_LAYER_SOFTMAX) {
        nnb_error(command, "%s does not end with softmax; its outputs are not class probabilities", path);
        return 0;
    }
    if (nnb_model_loss_kind(model) != NNB_LOSS_CCE) {
        nnb_error(command, "%s does not use categorical cross-entropy; it is not a classifier", path);
        return 0;
    }
    return 1;
}
