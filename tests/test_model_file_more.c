/* SPDX-License-Identifier: MIT */
/*
 * More of the model file (src/io/model_file.c), on the shared test model and byte helpers: a parameters file
 * whose dense layer differs only in its width, a round trip of a model with every layer kind, and the save
 * target rules (a path through a regular file, a link to a directory, a bare file name in the working
 * directory, temporary-file names that only look like the writer's own).
 */
/* fork, symlink, utimensat, chdir. */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int group_setup(void **state)
{
    return nnb_test_temp_dir_setup(state, "nnb-model-file-more-");
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", nnb_test_temp_dir(), name);
}

static void expect_detail(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

/* Predictions of two models on the same rows, bit for bit. */
static void assert_same_predictions(const nnb_model *a, const nnb_model *b, const nnb_tensor *X, size_t n_out)
{
    nnb_tensor *pa = NULL, *pb = NULL;
    assert_ok(nnb_tensor_create(&pa, nnb_tensor_rows(X), n_out));
    assert_ok(nnb_tensor_create(&pb, nnb_tensor_rows(X), n_out));
    assert_ok(nnb_model_predict(a, X, pa, 0, NULL));
    assert_ok(nnb_model_predict(b, X, pb, 0, NULL));
    assert_memory_equal(nnb_tensor_cdata(pa), nnb_tensor_cdata(pb), nnb_tensor_size(pa) * sizeof(float));
    nnb_tensor_destroy(pb);
    nnb_tensor_destroy(pa);
}

/* The file's first dense layer is 2 x 4, the model's 2 x 5: same input width, another output width. */
static void test_parameters_of_another_width_are_refused(void **state)
{
    (void)state;
    nnb_model *file_model = nnb_test_small_model(1, 20);
    size_t size = 0;
    unsigned char *bytes = nnb_test_serialize(file_model, NNB_MODEL_FILE_PARAMETERS, &size);
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 2));
    assert_ok(nnb_model_add_dense(m, 2, 5, 0.5f, NULL));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dense(m, 5, 3, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_finalize(m));
    size_t csize = 0;
    unsigned char *before = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &csize);
    assert_status(nnb_model_parse_parameters(m, bytes, size), NNB_ERR_SHAPE);
    expect_detail("dense layer 0: the file's is 2 x 4, the model's (layer 0) 2 x 5");
    size_t asize = 0;
    unsigned char *after = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &asize);
    assert_int_equal(asize, csize);
    assert_memory_equal(after, before, csize);
    free(after);
    free(before);
    free(bytes);
    nnb_model_destroy(m);
    nnb_model_destroy(file_model);
}

/*
 * conv (same padding, stride 1, bias) -> ELU -> max pool -> batch normalisation -> conv (explicit padding,
 * stride 2, no bias) -> leaky ReLU -> average pool -> global average pool -> flatten -> dense -> GELU ->
 * dense -> tanh -> dense -> softplus -> dropout -> dense -> sigmoid, trained a few epochs (batch
 * normalisation's running averages move), then written and read back: the same predictions bit for bit, and
 * the same bytes written again.
 */
static void test_every_layer_kind_round_trips(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 4));
    nnb_conv2d_params c1 = nnb_conv2d_params_default(3);
    c1.padding = NNB_PADDING_SAME;
    assert_ok(nnb_model_add_conv2d(m, 2, 6, 6, 3, &c1));
    assert_ok(nnb_model_add_elu(m, 0.5f));
    assert_ok(nnb_model_add_maxpool2d(m, 2, 2, 0));
    assert_ok(nnb_model_add_batchnorm(m, 0.2f, 1e-3f));
    nnb_conv2d_params c2 = nnb_conv2d_params_default(2);
    c2.padding = NNB_PADDING_EXPLICIT;
    c2.pad_h = 1;
    c2.pad_w = 1;
    c2.stride = 2;
    c2.bias = 0;
    assert_ok(nnb_model_add_conv2d(m, 0, 0, 0, 4, &c2));
    assert_ok(nnb_model_add_leaky_relu(m, 0.125f));
    assert_ok(nnb_model_add_avgpool2d(m, 1, 1, 1));
    assert_ok(nnb_model_add_global_avgpool(m));
    assert_ok(nnb_model_add_flatten(m));
    assert_ok(nnb_model_add_dense(m, 4, 5, 0.5f, NULL));
    assert_ok(nnb_model_add_gelu(m, NNB_GELU_TANH));
    assert_ok(nnb_model_add_dense(m, 5, 5, 0.5f, NULL));
    assert_ok(nnb_model_add_tanh(m));
    assert_ok(nnb_model_add_dense(m, 5, 4, 0.5f, NULL));
    assert_ok(nnb_model_add_softplus(m));
    assert_ok(nnb_model_add_dropout(m, 0.25f));
    assert_ok(nnb_model_add_dense(m, 4, 2, 0.5f, NULL));
    assert_ok(nnb_model_add_sigmoid(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_BCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.01;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_finalize(m));

    nnb_tensor *X = NULL, *Y = NULL;
    assert_ok(nnb_tensor_create(&X, 8, 72));
    assert_ok(nnb_tensor_create(&Y, 8, 2));
    for (size_t i = 0; i < 8 * 72; ++i) {
        nnb_tensor_data(X)[i] = (float)((i * 37u) % 11u) / 5.0f - 1.0f;
    }
    for (size_t i = 0; i < 16; ++i) {
        nnb_tensor_data(Y)[i] = (float)((i / 2 + i) % 2u);
    }
    nnb_targets t = nnb_targets_from_tensor(Y);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 3;
    tp.batch_size = 4;
    tp.print_every = 0;
    assert_ok(nnb_model_train(m, X, &t, &tp));

    /* A parameters-only file holds dense layers only: refused with the first image layer named. */
    size_t psize = 0;
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_PARAMETERS, NULL, 0, &psize), NNB_ERR_STATE);
    assert_non_null(strstr(nnb_last_error(), "layer 0 is conv2d: parameters-only files hold dense layers only"));

    size_t size = 0;
    unsigned char *bytes = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, bytes, size));
    assert_int_equal(nnb_model_layer_count(r), nnb_model_layer_count(m));
    for (size_t i = 0; i < nnb_model_layer_count(m); ++i) {
        nnb_layer_info a, b;
        assert_ok(nnb_model_layer_info(m, i, &a));
        assert_ok(nnb_model_layer_info(r, i, &b));
        assert_int_equal(a.kind, b.kind);
    }
    float *mean_m = NULL, *mean_r = NULL;
    size_t ch = 0;
    assert_ok(nnb_model_batchnorm_stats(m, 3, &mean_m, NULL, &ch));
    assert_ok(nnb_model_batchnorm_stats(r, 3, &mean_r, NULL, NULL));
    assert_int_equal(ch, 3);
    assert_memory_equal(mean_m, mean_r, 2 * ch * sizeof(float));
    assert_true(mean_m[0] != 0.0f); /* training moved the running mean */
    assert_same_predictions(m, r, X, 2);
    size_t size2 = 0;
    unsigned char *bytes2 = nnb_test_serialize(r, NNB_MODEL_FILE_MODEL, &size2);
    assert_int_equal(size2, size);
    assert_memory_equal(bytes2, bytes, size);

    free(bytes2);
    free(bytes);
    nnb_model_destroy(r);
    nnb_tensor_destroy(Y);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

static void plant(const char *name, time_t age)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    const struct timespec times[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static void test_save_targets(void **state)
{
    (void)state;
    nnb_model *m = nnb_test_small_model(5, 0);
    char file[512], dir[512], link[512], through[600];
    path_in_dir(file, sizeof file, "plain");
    path_in_dir(dir, sizeof dir, "sub");
    path_in_dir(link, sizeof link, "to-dir");
    plant("plain", 0);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(symlink(dir, link), 0);
    /* A path through a regular file: lstat fails with ENOTDIR, named in the detail. */
    snprintf(through, sizeof through, "%s/m.nnb", file);
    assert_status(nnb_model_save(m, through), NNB_ERR_IO);
    expect_detail("Not a directory");
    /* A link to a directory is not replaced. */
    assert_status(nnb_model_save(m, link), NNB_ERR_IO);
    expect_detail("links to something that is not a regular file");
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_status(nnb_model_save(m, ""), NNB_ERR_IO);
    expect_detail("the path is empty");

    /* A bare file name: saved in the working directory. */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    nnb_status st = nnb_model_save(m, "bare.nnb");
    assert_int_equal(chdir(cwd), 0);
    assert_ok(st);
    char bare[600];
    snprintf(bare, sizeof bare, "%s/bare.nnb", dir);
    nnb_model *r = NULL;
    assert_ok(nnb_model_load(&r, bare));
    nnb_model_destroy(r);

    /* Names that only look like the writer's temporary files, an hour old: none is removed by a save. */
    const char *keep[] = {".nnb-save-12345678901-aB3dE9", ".nnb-save-0-aB3dE9",      ".nnb-save-3000000000-aB3dE9",
                          ".nnb-save-999999-aB[dE9",      ".nnb-save-999999-aB{dE9", ".nnb-save-999999-aB:dE9",
                          ".nnb-save-999999-aB@dE9",      ".nnb-save-999999-aB`dE9", ".nnb-save--aB3dE9"};
    const size_t n_keep = sizeof keep / sizeof keep[0];
    for (size_t i = 0; i < n_keep; ++i) {
        plant(keep[i], 3600);
    }
    char target[512];
    path_in_dir(target, sizeof target, "m.nnb");
    assert_ok(nnb_model_save(m, target));
    for (size_t i = 0; i < n_keep; ++i) {
        char p[600];
        path_in_dir(p, sizeof p, keep[i]);
        if (lstat(p, &sb) != 0) {
            fail_msg("%s was removed", keep[i]);
        }
        assert_int_equal(remove(p), 0);
    }
    assert_int_equal(remove(target), 0);
    assert_int_equal(remove(bare), 0);
    assert_int_equal(remove(link), 0);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(remove(file), 0);
    nnb_model_destroy(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parameters_of_another_width_are_refused),
        cmocka_unit_test(test_every_layer_kind_round_trips),
        cmocka_unit_test(test_save_targets),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
