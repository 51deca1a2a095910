/* SPDX-License-Identifier: MIT */
/*
 * Model files: round trips that predict bit for bit alike, parameters-only files, every byte flipped, every
 * truncation, other versions, absurd sizes with a valid checksum, invalid fields, I/O errors, atomic saving
 * and an allocation-failure sweep.
 */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nnbasics/model_file.h"

/* Offsets in a whole-model file (docs/MODEL_FORMAT.md). */
#define OFF_VERSION 8
#define OFF_KIND 12
#define OFF_PAYLOAD_SIZE 16
#define OFF_LAYER_COUNT 24
#define OFF_LOSS 28
#define OFF_FIRST_LAYER 108
#define OFF_FIRST_N_IN (OFF_FIRST_LAYER + 4)
#define OFF_FIRST_N_OUT (OFF_FIRST_LAYER + 12)
#define OFF_FIRST_WEIGHTS (OFF_FIRST_LAYER + 40)

static const char *g_dir; /* set by group_setup */

/* Dense(4,5) -> ReLU -> Dropout(0.1) -> Dense(5,3) -> softmax, CCE, Adam, categorical accuracy. */
static nnb_model *make_model(uint32_t seed, int finalize)
{
    nnb_model *m = NULL;
    nnb_regularization reg = {0.0f, 5e-4f, 0.0f, 5e-4f};
    assert_ok(nnb_model_create(&m, seed));
    assert_ok(nnb_model_add_dense(m, 4, 5, 0.5f, &reg));
    assert_ok(nnb_model_add_relu(m));
    assert_ok(nnb_model_add_dropout(m, 0.1f));
    assert_ok(nnb_model_add_dense(m, 5, 3, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.005;
    adam.decay = 1e-3;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    if (finalize) {
        assert_ok(nnb_model_finalize(m));
    }
    return m;
}

static nnb_tensor *make_inputs(void)
{
    nnb_tensor *X = NULL;
    assert_ok(nnb_tensor_create(&X, 6, 4));
    float *x = nnb_tensor_data(X);
    for (size_t i = 0; i < 24; ++i) {
        x[i] = (float)sin((double)i * 0.7) * 2.0f;
    }
    return X;
}

/* Predictions of two models on the same inputs must agree bit for bit. */
static void assert_same_predictions(const nnb_model *a, const nnb_model *b)
{
    nnb_tensor *X = make_inputs();
    nnb_tensor *pa = NULL, *pb = NULL;
    assert_ok(nnb_tensor_create(&pa, 6, 3));
    assert_ok(nnb_tensor_create(&pb, 6, 3));
    assert_ok(nnb_model_predict(a, X, pa, 0, NULL));
    assert_ok(nnb_model_predict(b, X, pb, 0, NULL));
    assert_memory_equal(nnb_tensor_cdata(pa), nnb_tensor_cdata(pb), 18 * sizeof(float));
    nnb_tensor_destroy(pb);
    nnb_tensor_destroy(pa);
    nnb_tensor_destroy(X);
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

static size_t files_in_dir(void)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

/* Entries of the test directory whose names start with the save's temporary prefix. */
static size_t temp_files_in_dir(void)
{
    DIR *d = opendir(g_dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        n += strncmp(e->d_name, ".nnb-save-", 10) == 0;
    }
    closedir(d);
    return n;
}

static mode_t mode_of(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    return sb.st_mode & 07777;
}

/* Loads path and checks that it predicts as `expected` does. */
static void assert_file_holds(const char *path, const nnb_model *expected)
{
    nnb_model *r = NULL;
    assert_ok(nnb_model_load(&r, path));
    assert_same_predictions(expected, r);
    nnb_model_destroy(r);
}

/*
 * Runs call(path) in a child process and returns the status it gave, or -1 when it had not returned after
 * five seconds (the child is then killed): a load that blocks fails the test instead of hanging it.
 */
static int status_within_seconds(nnb_status (*call)(const char *), const char *path)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit((int)call(path));
    }
    for (int i = 0; i < 500; ++i) {
        int ws = 0;
        if (waitpid(pid, &ws, WNOHANG) == pid) {
            return WIFEXITED(ws) ? WEXITSTATUS(ws) : -2;
        }
        const struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    kill(pid, SIGKILL);
    (void)waitpid(pid, NULL, 0);
    return -1;
}

static nnb_status load_model_at(const char *path)
{
    nnb_model *m = NULL;
    nnb_status st = nnb_model_load(&m, path);
    nnb_model_destroy(m);
    return st;
}

static nnb_status load_parameters_at(const char *path)
{
    nnb_model *m = make_model(3, 1);
    nnb_status st = nnb_model_load_parameters(m, path);
    nnb_model_destroy(m);
    return st;
}

/* ---- tests ---- */

static void test_crc32_matches_the_standard_check_value(void **state)
{
    (void)state;
    assert_int_equal(nnb_crc32(0, "123456789", 9), 0xcbf43926u);
    assert_int_equal(nnb_crc32(nnb_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
    assert_int_equal(nnb_crc32(0, NULL, 0), 0u);
    unsigned char zeros[32] = {0};
    assert_int_equal(nnb_crc32(0, zeros, sizeof zeros), 0x190a55adu);
}

/* The CRC-32 one bit at a time, straight from the definition. */
static uint32_t crc32_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; ++i) {
        crc ^= p[i];
        for (int k = 0; k < 8; ++k) {
            crc = (crc & 1u) ? (crc >> 1) ^ 0xedb88320u : crc >> 1;
        }
    }
    return ~crc;
}

static void test_crc32_matches_a_bitwise_reference_at_every_length_and_alignment(void **state)
{
    (void)state;
    unsigned char data[300];
    uint32_t x = 12345u;
    for (size_t i = 0; i < sizeof data; ++i) {
        x = x * 1103515245u + 12345u;
        data[i] = (unsigned char)(x >> 23);
    }
    for (size_t start = 0; start < 8; ++start) {
        for (size_t n = 0; start + n <= sizeof data; n += n < 40 ? 1 : 13) {
            assert_int_equal(nnb_crc32(0, data + start, n), crc32_bitwise(0, data + start, n));
            /* Continuing from a previous value, split at every point up to 17 bytes in. */
            for (size_t cut = 0; cut <= n && cut < 17; ++cut) {
                assert_int_equal(nnb_crc32(nnb_crc32(0, data + start, cut), data + start + cut, n - cut),
                                 crc32_bitwise(0, data + start, n));
            }
        }
    }
}

static void test_model_round_trip_predicts_bit_for_bit(void **state)
{
    (void)state;
    nnb_model *m = make_model(3, 1);
    /* Train a little so the parameters are not just the initial draw. */
    nnb_tensor *X = make_inputs();
    const uint32_t y[6] = {0, 1, 2, 0, 1, 2};
    nnb_targets t = nnb_targets_from_labels(y, 6);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 5;
    assert_ok(nnb_model_train(m, X, &t, &tp));

    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    assert_same_predictions(m, r);

    assert_int_equal(nnb_model_layer_count(r), 5);
    for (size_t i = 0; i < 5; ++i) {
        nnb_layer_info a, b;
        assert_ok(nnb_model_layer_info(m, i, &a));
        assert_ok(nnb_model_layer_info(r, i, &b));
        assert_int_equal(a.kind, b.kind);
        assert_int_equal(a.n_inputs, b.n_inputs);
        assert_int_equal(a.n_outputs, b.n_outputs);
        assert_true(a.init_scale == b.init_scale);
        assert_true(a.rate == b.rate);
        assert_memory_equal(&a.regularization, &b.regularization, sizeof a.regularization);
    }
    assert_int_equal(nnb_model_loss_kind(r), NNB_LOSS_CCE);
    assert_int_equal(nnb_model_accuracy_kind(r), NNB_ACCURACY_CATEGORICAL);
    assert_int_equal(nnb_model_uses_fused_backward(r), nnb_model_uses_fused_backward(m));
    assert_true(nnb_model_is_finalized(r));
    nnb_optimizer_params pa, pb;
    assert_ok(nnb_model_optimizer_params(m, &pa));
    assert_ok(nnb_model_optimizer_params(r, &pb));
    assert_int_equal(pa.kind, pb.kind);
    assert_true(pa.learning_rate == pb.learning_rate && pa.decay == pb.decay && pa.epsilon == pb.epsilon &&
                pa.beta_1 == pb.beta_1 && pa.beta_2 == pb.beta_2);
    /* Same model, same bytes: the encoding is deterministic. */
    size_t size2 = 0;
    unsigned char *buf2 = nnb_test_serialize(r, NNB_MODEL_FILE_MODEL, &size2);
    assert_int_equal(size, size2);
    assert_memory_equal(buf, buf2, size);
    /* The loaded model trains again. */
    assert_ok(nnb_model_train(r, X, &t, &tp));

    free(buf2);
    free(buf);
    nnb_model_destroy(r);
    nnb_tensor_destroy(X);
    nnb_model_destroy(m);
}

/* A regression model with a stored precision, sigmoid and linear layers, and no optimizer round-trips too. */
static void test_regression_model_without_optimizer_round_trips(void **state)
{
    (void)state;
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 17));
    assert_ok(nnb_model_add_dense(m, 4, 8, 0.3f, NULL));
    assert_ok(nnb_model_add_sigmoid(m));
    assert_ok(nnb_model_add_dense(m, 8, 3, 0.3f, NULL));
    assert_ok(nnb_model_add_linear(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_MSE));
    assert_ok(nnb_model_finalize(m));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_REGRESSION));
    assert_ok(nnb_model_set_regression_precision(m, 0.125f));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    assert_same_predictions(m, r);
    assert_int_equal(nnb_model_loss_kind(r), NNB_LOSS_MSE);
    assert_int_equal(nnb_model_accuracy_kind(r), NNB_ACCURACY_REGRESSION);
    assert_null(nnb_model_optimizer(r));
    float precision = 0.0f;
    int is_set = 0;
    assert_ok(nnb_model_regression_precision(r, &precision, &is_set));
    assert_true(is_set);
    assert_true(precision == 0.125f);
    nnb_optimizer_params p;
    assert_status(nnb_model_optimizer_params(r, &p), NNB_ERR_STATE);
    free(buf);
    nnb_model_destroy(r);
    nnb_model_destroy(m);
}

static void test_model_save_load_file_is_atomic_and_overwrites(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1), *b = make_model(2, 1);
    char path[512];
    path_in_dir(path, sizeof path, "m.nnb");
    size_t before = files_in_dir();
    assert_ok(nnb_model_save(a, path));
    assert_ok(nnb_model_save(b, path));           /* replaces the first */
    assert_int_equal(files_in_dir(), before + 1); /* no temporary file left behind */
    nnb_model *r = NULL;
    assert_ok(nnb_model_load(&r, path));
    assert_same_predictions(b, r);
    nnb_model_destroy(r);
    r = NULL;

    /* A failed save leaves the destination as it was. */
    nnb_model *unfinished = make_model(4, 0);
    assert_status(nnb_model_save(unfinished, path), NNB_ERR_STATE);
    assert_ok(nnb_model_load(&r, path));
    assert_same_predictions(b, r);
    nnb_model_destroy(r);
    r = NULL;

    /* I/O errors. */
    char bad[512];
    path_in_dir(bad, sizeof bad, "no/such/dir/m.nnb");
    assert_status(nnb_model_save(a, bad), NNB_ERR_IO);
    assert_status(nnb_model_load(&r, bad), NNB_ERR_IO);
    assert_status(nnb_model_load(&r, g_dir), NNB_ERR_IO);
    assert_status(nnb_model_save(a, ""), NNB_ERR_IO);
    assert_null(r);
    assert_int_equal(files_in_dir(), before + 1);

    assert_int_equal(remove(path), 0);
    nnb_model_destroy(unfinished);
    nnb_model_destroy(b);
    nnb_model_destroy(a);
}

static void test_loading_a_fifo_is_refused_without_blocking(void **state)
{
    (void)state;
    char fifo[512], link[512];
    path_in_dir(fifo, sizeof fifo, "pipe.nnb");
    path_in_dir(link, sizeof link, "pipe-link.nnb");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(symlink(fifo, link), 0);
    /* Nobody writes to the FIFO: opening it for reading the usual way would wait forever. */
    assert_int_equal(status_within_seconds(load_model_at, fifo), NNB_ERR_IO);
    assert_int_equal(status_within_seconds(load_parameters_at, fifo), NNB_ERR_IO);
    assert_int_equal(status_within_seconds(load_model_at, link), NNB_ERR_IO);
    assert_int_equal(status_within_seconds(load_parameters_at, link), NNB_ERR_IO);
    /* A character device is not a model file either (and is only read here, never written). */
    assert_int_equal(status_within_seconds(load_model_at, "/dev/null"), NNB_ERR_IO);
    assert_int_equal(remove(link), 0);
    assert_int_equal(remove(fifo), 0);
}

static void test_save_refuses_a_fifo_and_a_device_and_leaves_them_alone(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1);
    char fifo[512], fifo_link[512], null_link[512];
    path_in_dir(fifo, sizeof fifo, "fifo.nnb");
    path_in_dir(fifo_link, sizeof fifo_link, "fifo-link.nnb");
    path_in_dir(null_link, sizeof null_link, "null-link.nnb");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(symlink(fifo, fifo_link), 0);
    struct stat sb;

    /* A FIFO, directly and through a symbolic link, is refused and stays a FIFO. These checks come first:
     * if they fail, the test stops before it could hand a save a path that leads to a device. */
    assert_status(nnb_model_save(a, fifo), NNB_ERR_IO);
    assert_status(nnb_model_save_parameters(a, fifo), NNB_ERR_IO);
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_status(nnb_model_save(a, fifo_link), NNB_ERR_IO);
    assert_int_equal(lstat(fifo_link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_int_equal(lstat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));

    /* A character device, reached through a link in the test directory (never /dev/null by name): refused,
     * and /dev/null is the same node afterwards. */
    struct stat before, after;
    assert_int_equal(lstat("/dev/null", &before), 0);
    assert_true(S_ISCHR(before.st_mode));
    assert_int_equal(symlink("/dev/null", null_link), 0);
    assert_status(nnb_model_save(a, null_link), NNB_ERR_IO);
    assert_status(nnb_model_save_parameters(a, null_link), NNB_ERR_IO);
    assert_int_equal(lstat("/dev/null", &after), 0);
    assert_true(S_ISCHR(after.st_mode));
    assert_true(after.st_ino == before.st_ino && after.st_dev == before.st_dev && after.st_rdev == before.st_rdev);
    assert_int_equal(lstat(null_link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));

    /* A dangling link has no file to replace: refused too. */
    char dangling[512];
    path_in_dir(dangling, sizeof dangling, "dangling.nnb");
    assert_int_equal(symlink("no-such-target.nnb", dangling), 0);
    assert_status(nnb_model_save(a, dangling), NNB_ERR_IO);
    assert_int_equal(temp_files_in_dir(), 0);

    assert_int_equal(remove(dangling), 0);
    assert_int_equal(remove(null_link), 0);
    assert_int_equal(remove(fifo_link), 0);
    assert_int_equal(remove(fifo), 0);
    nnb_model_destroy(a);
}

static void test_save_through_a_symlink_replaces_its_target(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1), *b = make_model(2, 1);
    char sub[512], real[512], link[512];
    path_in_dir(sub, sizeof sub, "sub");
    path_in_dir(real, sizeof real, "sub/real.nnb");
    path_in_dir(link, sizeof link, "link.nnb");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_ok(nnb_model_save(a, real));
    assert_int_equal(symlink("sub/real.nnb", link), 0);

    assert_ok(nnb_model_save(b, link));
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode)); /* still a link */
    assert_file_holds(real, b);       /* whose target holds the new model */
    assert_file_holds(link, b);
    assert_int_equal(temp_files_in_dir(), 0);

    assert_int_equal(remove(link), 0);
    assert_int_equal(remove(real), 0);
    assert_int_equal(rmdir(sub), 0);
    nnb_model_destroy(b);
    nnb_model_destroy(a);
}

static void test_save_keeps_mode_and_owner_and_splits_hard_links(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1), *b = make_model(2, 1);
    char path[512], fresh[512], hard[512];
    path_in_dir(path, sizeof path, "private.nnb");
    path_in_dir(fresh, sizeof fresh, "fresh.nnb");
    path_in_dir(hard, sizeof hard, "hard.nnb");

    /* A new file gets 0666 less the umask. */
    mode_t old_mask = umask(027);
    assert_ok(nnb_model_save(a, fresh));
    umask(old_mask);
    assert_int_equal(mode_of(fresh), 0640);

    /* A replaced file keeps its permission bits: a private model stays private. */
    assert_ok(nnb_model_save(a, path));
    assert_int_equal(chmod(path, 0600), 0);
    assert_ok(nnb_model_save(b, path));
    assert_int_equal(mode_of(path), 0600);
    assert_int_equal(chmod(path, 0604), 0);
    assert_ok(nnb_model_save_parameters(b, path));
    assert_int_equal(mode_of(path), 0604);
    assert_ok(nnb_model_save(b, path));

    /* ... and its owner and group, where the process may set them (root). */
    if (geteuid() == 0) {
        assert_int_equal(chown(path, 4242, 4243), 0);
        assert_ok(nnb_model_save(a, path));
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_uid, 4242);
        assert_int_equal(sb.st_gid, 4243);
        assert_ok(nnb_model_save(b, path));
    }

    /* A hard link is split, as documented: the saved name gets the new model, the other name keeps the
     * previous contents. */
    assert_int_equal(link(path, hard), 0);
    assert_ok(nnb_model_save(a, path));
    assert_file_holds(path, a);
    assert_file_holds(hard, b);
    struct stat sp, sh;
    assert_int_equal(stat(path, &sp), 0);
    assert_int_equal(stat(hard, &sh), 0);
    assert_true(sp.st_ino != sh.st_ino);
    assert_int_equal(sh.st_nlink, 1);
    assert_int_equal(temp_files_in_dir(), 0);

    assert_int_equal(remove(hard), 0);
    assert_int_equal(remove(fresh), 0);
    assert_int_equal(remove(path), 0);
    nnb_model_destroy(b);
    nnb_model_destroy(a);
}

static void test_save_a_name_of_250_characters(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1);
    char name[251], path[512];
    memset(name, 'n', 250);
    memcpy(name + 246, ".nnb", 4);
    name[250] = '\0';
    path_in_dir(path, sizeof path, name);
    assert_ok(nnb_model_save(a, path));
    assert_ok(nnb_model_save_parameters(a, path));
    assert_ok(nnb_model_save(a, path));
    assert_file_holds(path, a);
    assert_int_equal(temp_files_in_dir(), 0);
    assert_int_equal(remove(path), 0);
    nnb_model_destroy(a);
}

/* Creates an empty file named `name` in the test directory, last modified `age` seconds ago. */
static void plant_file(const char *name, time_t age)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    const struct timespec times[2] = {{time(NULL) - age, 0}, {time(NULL) - age, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
}

static int exists_in_dir(const char *name)
{
    char path[1024];
    struct stat sb;
    path_in_dir(path, sizeof path, name);
    return lstat(path, &sb) == 0;
}

static void test_save_removes_its_own_stale_temp_files_only(void **state)
{
    (void)state;
    nnb_model *a = make_model(1, 1);
    /* A process id that is surely gone: a child that has exited and been reaped. */
    pid_t dead = fork();
    assert_true(dead >= 0);
    if (dead == 0) {
        _exit(0);
    }
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    const time_t hour = 3600;
    char stale[64], names[8][64];
    snprintf(stale, sizeof stale, ".nnb-save-%ld-aB3dE9", (long)dead);
    plant_file(stale, hour);
    /* Not to be removed: other forms of the name, a live process (this one, and pid 1), a recent file. */
    snprintf(names[0], sizeof names[0], ".nnb-save-%ld-aB3dE9.keep", (long)dead);
    snprintf(names[1], sizeof names[1], ".nnb-save-%ld-aB3dE", (long)dead);
    snprintf(names[2], sizeof names[2], "nnb-save-%ld-aB3dE9", (long)dead);
    snprintf(names[3], sizeof names[3], ".nnb-save-%ld-aB3d_9", (long)dead);
    snprintf(names[4], sizeof names[4], ".nnb-save-%ld-aB3dE9", (long)getpid());
    snprintf(names[5], sizeof names[5], ".nnb-save-1-aB3dE9");
    snprintf(names[6], sizeof names[6], ".nnb-save-%ld-zZ9yY8", (long)dead);
    snprintf(names[7], sizeof names[7], ".nnb-save-x%ld-aB3dE9", (long)dead);
    for (size_t i = 0; i < 8; ++i) {
        plant_file(names[i], i == 6 ? 10 : hour);
    }
    char path[512];
    path_in_dir(path, sizeof path, "m.nnb");
    assert_ok(nnb_model_save(a, path));
    assert_false(exists_in_dir(stale));
    for (size_t i = 0; i < 8; ++i) {
        assert_true(exists_in_dir(names[i]));
        char p[1024];
        path_in_dir(p, sizeof p, names[i]);
        assert_int_equal(remove(p), 0);
    }
    assert_file_holds(path, a);
    assert_int_equal(remove(path), 0);
    nnb_model_destroy(a);
}

static void test_unused_optimizer_fields_are_written_as_zero(void **state)
{
    (void)state;
    /* The optimizer API ignores the fields an optimizer does not use, whatever they hold. */
    nnb_model *m = make_model(5, 1);
    nnb_optimizer_params p = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    p.momentum = NAN;
    p.rho = -5.0;
    assert_ok(nnb_model_set_optimizer(m, &p));
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    static const unsigned char zero[8] = {0};
    assert_memory_equal(buf + 68, zero, 8); /* momentum */
    assert_memory_equal(buf + 84, zero, 8); /* rho */
    nnb_model *r = NULL;
    assert_ok(nnb_model_parse(&r, buf, size));
    nnb_optimizer_params q;
    assert_ok(nnb_model_optimizer_params(r, &q));
    assert_int_equal(q.kind, NNB_OPTIMIZER_ADAM);
    assert_true(q.momentum == 0.0 && q.rho == 0.0);
    assert_true(q.learning_rate == p.learning_rate && q.beta_2 == p.beta_2);
    /* A file whose unused fields hold finite, non-negative values (ignored) still loads; they read as 0. */
    const double ignored = 0.75;
    memcpy(buf + 68, &ignored, 8);
    nnb_test_fix_crc(buf, size);
    nnb_model *r2 = NULL;
    assert_ok(nnb_model_parse(&r2, buf, size));
    assert_ok(nnb_model_optimizer_params(r2, &q));
    assert_true(q.momentum == 0.0);
    nnb_model_destroy(r2);
    nnb_model_destroy(r);
    free(buf);
    nnb_model_destroy(m);
}

static void test_parameters_file_loads_into_same_architecture(void **state)
{
    (void)state;
    nnb_model *a = make_model(5, 1), *b = make_model(6, 1);
    char path[512];
    path_in_dir(path, sizeof path, "p.nnb");
    assert_ok(nnb_model_save_parameters(a, path));
    assert_ok(nnb_model_load_parameters(b, path));
    assert_same_predictions(a, b);
    /* A whole-model file also provides parameters. */
    nnb_model *c = make_model(7, 1);
    size_t size = 0;
    unsigned char *whole = nnb_test_serialize(c, NNB_MODEL_FILE_MODEL, &size);
    assert_ok(nnb_model_parse_parameters(b, whole, size));
    assert_same_predictions(c, b);
    /* A parameters file is not a whole model. */
    size_t psize = 0;
    unsigned char *params = nnb_test_serialize(a, NNB_MODEL_FILE_PARAMETERS, &psize);
    nnb_model *r = NULL;
    assert_status(nnb_model_parse(&r, params, psize), NNB_ERR_FORMAT);
    assert_null(r);

    /* Another architecture: rejected, model unchanged. */
    nnb_model *other = NULL;
    assert_ok(nnb_model_create(&other, 8));
    assert_ok(nnb_model_add_dense(other, 4, 6, 0.5f, NULL));
    assert_ok(nnb_model_add_relu(other));
    assert_ok(nnb_model_add_dense(other, 6, 3, 0.5f, NULL));
    assert_ok(nnb_model_finalize(other));
    size_t osize = 0;
    unsigned char *obuf = nnb_test_serialize(other, NNB_MODEL_FILE_PARAMETERS, &osize);
    assert_status(nnb_model_parse_parameters(b, obuf, osize), NNB_ERR_SHAPE);
    assert_same_predictions(c, b);
    nnb_model *single = NULL;
    assert_ok(nnb_model_create(&single, 9));
    assert_ok(nnb_model_add_dense(single, 4, 5, 0.5f, NULL));
    assert_status(nnb_model_parse_parameters(single, params, psize), NNB_ERR_SHAPE);
    assert_status(nnb_model_load_parameters(b, "/nonexistent/p.nnb"), NNB_ERR_IO);

    free(obuf);
    free(params);
    free(whole);
    assert_int_equal(remove(path), 0);
    nnb_model_destroy(single);
    nnb_model_destroy(other);
    nnb_model_destroy(c);
    nnb_model_destroy(b);
    nnb_model_destroy(a);
}

static void test_every_flipped_byte_is_rejected(void **state)
{
    (void)state;
    nnb_model *m = make_model(10, 1);
    nnb_model *p = make_model(11, 1);
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    size_t params_before = 0;
    unsigned char *pbuf = nnb_test_serialize(p, NNB_MODEL_FILE_PARAMETERS, &params_before);
    const unsigned char masks[3] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < size; ++i) {
        for (size_t k = 0; k < 3; ++k) {
            buf[i] ^= masks[k];
            nnb_model *r = NULL;
            nnb_status st = nnb_model_parse(&r, buf, size);
            if (st == NNB_OK) {
                fail_msg("flipping byte %zu with 0x%02x was accepted", i, masks[k]);
            }
            assert_null(r);
            /* The checksum covers everything else; the version field answers first, unless the flip made it
               another version this library reads (3 ^ 1 = 2): then the checksum fails. */
            const uint32_t v = (uint32_t)buf[OFF_VERSION] | (uint32_t)buf[OFF_VERSION + 1] << 8 |
                               (uint32_t)buf[OFF_VERSION + 2] << 16 | (uint32_t)buf[OFF_VERSION + 3] << 24;
            const int known = v >= NNB_MODEL_FILE_MIN_VERSION && v <= NNB_MODEL_FILE_VERSION;
            if (i >= OFF_VERSION && i < OFF_VERSION + 4 && !known) {
                assert_int_equal(st, NNB_ERR_VERSION);
            } else {
                assert_int_equal(st, NNB_ERR_FORMAT);
            }
            assert_status(nnb_model_parse_parameters(p, buf, size), st);
            buf[i] ^= masks[k];
        }
    }
    /* p was never changed by the failed parameter loads. */
    size_t params_after = 0;
    unsigned char *pbuf2 = nnb_test_serialize(p, NNB_MODEL_FILE_PARAMETERS, &params_after);
    assert_memory_equal(pbuf, pbuf2, params_before);
    free(pbuf2);
    free(pbuf);
    free(buf);
    nnb_model_destroy(p);
    nnb_model_destroy(m);
}

static void test_every_truncation_and_extension_is_rejected(void **state)
{
    (void)state;
    nnb_model *m = make_model(12, 1);
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    nnb_model *r = NULL;
    for (size_t len = 0; len < size; ++len) {
        assert_status(nnb_model_parse(&r, buf, len), NNB_ERR_FORMAT);
        assert_status(nnb_model_parse_parameters(m, buf, len), NNB_ERR_FORMAT);
    }
    unsigned char *longer = malloc(size + 1);
    assert_non_null(longer);
    memcpy(longer, buf, size);
    longer[size] = 0;
    assert_status(nnb_model_parse(&r, longer, size + 1), NNB_ERR_FORMAT);
    /* Even with the payload size and checksum made consistent, an extra byte is not accounted for. */
    nnb_test_put_le64(longer + OFF_PAYLOAD_SIZE, (uint64_t)(size + 1 - 28));
    memmove(longer + size - 3, longer + size - 4, 4); /* shift the CRC; insert a zero byte before it */
    longer[size - 4] = 0;
    nnb_test_fix_crc(longer, size + 1);
    assert_status(nnb_model_parse(&r, longer, size + 1), NNB_ERR_FORMAT);
    assert_null(r);
    free(longer);
    free(buf);
    nnb_model_destroy(m);
}

static void test_other_versions_are_rejected(void **state)
{
    (void)state;
    nnb_model *m = make_model(13, 1);
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    const uint32_t versions[] = {0u, NNB_MODEL_FILE_VERSION + 1u, 0x01000000u, 0xffffffffu};
    nnb_model *r = NULL;
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; ++i) {
        nnb_test_put_le32(buf + OFF_VERSION, versions[i]);
        nnb_test_fix_crc(buf, size);
        assert_status(nnb_model_parse(&r, buf, size), NNB_ERR_VERSION);
    }
    nnb_test_put_le32(buf + OFF_VERSION, NNB_MODEL_FILE_VERSION);
    nnb_test_fix_crc(buf, size);
    assert_ok(nnb_model_parse(&r, buf, size));
    nnb_model_destroy(r);
    free(buf);
    nnb_model_destroy(m);
}

static void test_absurd_sizes_and_fields_with_valid_checksum_are_rejected(void **state)
{
    (void)state;
    nnb_model *m = make_model(14, 1);
    size_t size = 0;
    unsigned char *orig = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    unsigned char *buf = malloc(size);
    assert_non_null(buf);
    nnb_model *r = NULL;

    struct edit {
        size_t offset;
        int wide;
        uint64_t value;
        nnb_status expected;
    } edits[] = {
        {OFF_PAYLOAD_SIZE, 1, UINT64_MAX, NNB_ERR_FORMAT},
        {OFF_PAYLOAD_SIZE, 1, 0, NNB_ERR_FORMAT},
        {OFF_KIND, 0, 3, NNB_ERR_FORMAT},
        {OFF_KIND, 0, 0, NNB_ERR_FORMAT},
        {OFF_LAYER_COUNT, 0, 0, NNB_ERR_FORMAT},
        {OFF_LAYER_COUNT, 0, 0xffffffffu, NNB_ERR_FORMAT},
        {OFF_LAYER_COUNT, 0, 6, NNB_ERR_FORMAT},
        {OFF_LAYER_COUNT, 0, 4, NNB_ERR_FORMAT},
        {OFF_LOSS, 0, 99, NNB_ERR_FORMAT},
        {OFF_FIRST_LAYER, 0, 77, NNB_ERR_FORMAT},
        {OFF_FIRST_N_IN, 1, UINT64_MAX, NNB_ERR_FORMAT},
        {OFF_FIRST_N_IN, 1, (uint64_t)1 << 40, NNB_ERR_FORMAT},
        {OFF_FIRST_N_IN, 1, (uint64_t)1 << 24, NNB_ERR_FORMAT},
        {OFF_FIRST_N_IN, 1, 0, NNB_ERR_FORMAT},
        {OFF_FIRST_N_OUT, 1, (uint64_t)1 << 33, NNB_ERR_FORMAT},
        {OFF_FIRST_N_IN, 1, 5, NNB_ERR_FORMAT},                 /* sizes no longer match the bytes present */
        {OFF_FIRST_WEIGHTS, 0, 0x7fc00000u, NNB_ERR_NONFINITE}, /* a NaN weight */
        {OFF_FIRST_WEIGHTS, 0, 0x7f800000u, NNB_ERR_NONFINITE}, /* +inf */
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
        memcpy(buf, orig, size);
        if (edits[i].wide) {
            nnb_test_put_le64(buf + edits[i].offset, edits[i].value);
        } else {
            nnb_test_put_le32(buf + edits[i].offset, (uint32_t)edits[i].value);
        }
        nnb_test_fix_crc(buf, size);
        nnb_status st = nnb_model_parse(&r, buf, size);
        if (st != edits[i].expected) {
            fail_msg("edit %zu: got %s, expected %s", i, nnb_status_string(st), nnb_status_string(edits[i].expected));
        }
        assert_null(r);
    }
    free(buf);
    free(orig);
    nnb_model_destroy(m);
}

/*
 * Every shorter payload with a header and checksum that agree with it: the parser runs out of bytes inside
 * each field in turn (layer records, optimizer doubles, the preprocessing and names section, the parameters
 * file's records) and must refuse each cut with NNB_ERR_FORMAT, returning nothing and leaving the model of
 * nnb_model_parse_parameters unchanged. The checksum check alone cannot catch these.
 */
static void test_every_consistent_payload_truncation_is_rejected(void **state)
{
    (void)state;
    nnb_model *m = make_model(21, 1);
    const float center[4] = {0.5f, -1.0f, 2.0f, 0.0f}, scale[4] = {1.0f, 2.0f, 0.5f, 4.0f};
    assert_ok(nnb_model_set_preprocess(m, NNB_PREPROCESS_AFFINE, 4, center, scale));
    const char *classes[3] = {"cat", "dog", "bird"};
    const char *features[4] = {"a", "bb", "ccc", "dddd"};
    assert_ok(nnb_model_set_class_names(m, classes, 3));
    assert_ok(nnb_model_set_feature_names(m, features, 4));
    nnb_model *target = make_model(22, 1);
    for (int kind = 0; kind < 2; ++kind) {
        size_t size = 0;
        unsigned char *orig =
            nnb_test_serialize(m, kind == 0 ? NNB_MODEL_FILE_MODEL : NNB_MODEL_FILE_PARAMETERS, &size);
        const size_t payload = size - 28;
        nnb_model *r = NULL;
        assert_ok(kind == 0 ? nnb_model_parse(&r, orig, size) : nnb_model_parse_parameters(target, orig, size));
        nnb_model_destroy(r);
        r = NULL;
        size_t saved_size = 0;
        unsigned char *before = nnb_test_serialize(target, NNB_MODEL_FILE_PARAMETERS, &saved_size);
        for (size_t keep = 0; keep < payload; ++keep) {
            /* A block of exactly the file's size: a read past it is seen by the sanitizers and valgrind. */
            unsigned char *buf = malloc(24 + keep + 4);
            assert_non_null(buf);
            memcpy(buf, orig, 24 + keep);
            nnb_test_put_le64(buf + OFF_PAYLOAD_SIZE, keep);
            nnb_test_fix_crc(buf, 24 + keep + 4);
            nnb_status st = kind == 0 ? nnb_model_parse(&r, buf, 24 + keep + 4)
                                      : nnb_model_parse_parameters(target, buf, 24 + keep + 4);
            free(buf);
            if (st != NNB_ERR_FORMAT) {
                fail_msg("kind %d, payload cut to %zu of %zu bytes: %s, expected NNB_ERR_FORMAT", kind, keep, payload,
                         nnb_status_string(st));
            }
            assert_null(r);
        }
        size_t after_size = 0;
        unsigned char *after = nnb_test_serialize(target, NNB_MODEL_FILE_PARAMETERS, &after_size);
        assert_int_equal(after_size, saved_size);
        assert_memory_equal(after, before, saved_size);
        free(after);
        free(before);
        free(orig);
    }
    nnb_model_destroy(target);
    nnb_model_destroy(m);
}

/*
 * The non-finite scan reaches the last parameter: a NaN or infinity in the last bias of the last dense layer
 * (the payload's last float in a parameters file, patched with a valid checksum) is refused by both parsers'
 * scan, and the writer refuses a model holding one there or in the last weight.
 */
static void test_a_non_finite_last_parameter_is_found(void **state)
{
    (void)state;
    nnb_model *m = make_model(31, 1);
    size_t size = 0;
    unsigned char *orig = nnb_test_serialize(m, NNB_MODEL_FILE_PARAMETERS, &size);
    const uint32_t bad[2] = {0x7fc00000u, 0xff800000u};
    for (size_t b = 0; b < 2; ++b) {
        unsigned char *buf = malloc(size);
        assert_non_null(buf);
        memcpy(buf, orig, size);
        nnb_test_put_le32(buf + size - 8, bad[b]); /* the float just before the CRC: biases[2] of Dense(5, 3) */
        nnb_test_fix_crc(buf, size);
        assert_status(nnb_model_parse_parameters(m, buf, size), NNB_ERR_NONFINITE);
        free(buf);
    }
    assert_ok(nnb_model_parse_parameters(m, orig, size));
    nnb_tensor *bias = nnb_dense_biases_mut(nnb_model_dense(m, 3));
    assert_ok(nnb_tensor_set(bias, 0, 2, INFINITY));
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_PARAMETERS, NULL, 0, &size), NNB_ERR_NONFINITE);
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, &size), NNB_ERR_NONFINITE);
    assert_ok(nnb_tensor_set(bias, 0, 2, 0.5f));
    nnb_tensor *w = nnb_dense_weights_mut(nnb_model_dense(m, 3));
    assert_ok(nnb_tensor_set(w, 4, 2, NAN));
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, &size), NNB_ERR_NONFINITE);
    free(orig);
    nnb_model_destroy(m);
}

/* A dense layer exactly NNB_MODEL_FILE_MAX_WIDTH wide is written (the limit is inclusive); one input more is
 * refused. Only the size is asked for (no buffer): 2^24 x 1 weights are 64 MiB in the model. The parameters
 * file is 24 + 4 + 16 + 4 (2^24 + 1) + 4 bytes. */
static void test_a_layer_at_the_maximum_width_is_written(void **state)
{
    (void)state;
    const size_t widths[2] = {NNB_MODEL_FILE_MAX_WIDTH, NNB_MODEL_FILE_MAX_WIDTH + 1};
    for (size_t i = 0; i < 2; ++i) {
        nnb_model *m = NULL;
        assert_ok(nnb_model_create(&m, 5));
        assert_ok(nnb_model_add_dense(m, widths[i], 1, NNB_DENSE_DEFAULT_INIT_SCALE, NULL));
        size_t size = 0;
        nnb_status st = nnb_model_serialize(m, NNB_MODEL_FILE_PARAMETERS, NULL, 0, &size);
        if (i == 0) {
            assert_ok(st);
            assert_int_equal(size, 24 + 4 + 16 + 4 * (NNB_MODEL_FILE_MAX_WIDTH + 1) + 4);
        } else {
            assert_int_equal(st, NNB_ERR_FORMAT);
        }
        nnb_model_destroy(m);
    }
}

/* Writes n bytes to path (a test file in g_dir). */
static void write_file(const char *path, const unsigned char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void put_f64(unsigned char *p, double d)
{
    uint64_t bits;
    memcpy(&bits, &d, 8);
    nnb_test_put_le64(p, bits);
}

/*
 * Each distinct defect of a model file gets its own detail: nnb_last_error() names the file, the section or
 * field and the reason (issue: 79 different bad files all read "truncated, corrupt...").
 */
static void test_corrupt_files_name_the_file_field_and_reason(void **state)
{
    (void)state;
    nnb_model *m = make_model(31, 1);
    size_t size = 0;
    unsigned char *orig = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    unsigned char *buf = malloc(size + 8);
    assert_non_null(buf);
    char path[512];
    path_in_dir(path, sizeof path, "corrupt.nnb");

    enum { SET32, SET64, SETF64, FLIP, CUT, NOFIX };
    struct edit {
        int how;
        size_t offset;
        uint64_t value;
        double real;
        nnb_status expected;
        const char *needle;
    } edits[] = {
        {CUT, 0, 0, 0, NNB_ERR_FORMAT, "the file is empty"},
        {SET32, 0, 0x4e4e4221u, 0, NNB_ERR_FORMAT, "not a libnnbasics model file"},
        {CUT, 10, 0, 0, NNB_ERR_FORMAT, "truncated: 10 bytes, shorter than the 28-byte header"},
        {SET32, OFF_VERSION, 99, 0, NNB_ERR_VERSION, "format version 99; this library reads versions 1 to 3"},
        {SET64, OFF_PAYLOAD_SIZE, 100000, 0, NNB_ERR_FORMAT, "truncated: the header says 100000 payload bytes"},
        {SET64, OFF_PAYLOAD_SIZE, 3, 0, NNB_ERR_FORMAT, "trailing bytes: the header says 3 payload bytes"},
        {FLIP, 200, 0, 0, NNB_ERR_FORMAT, "CRC-32 mismatch"},
        {SET32, OFF_KIND, 3, 0, NNB_ERR_FORMAT, "unknown file kind 3"},
        {SET32, OFF_LAYER_COUNT, 0, 0, NNB_ERR_FORMAT, "layer count 0 is not in 1..1024"},
        {SET32, OFF_LAYER_COUNT, 6, 0, NNB_ERR_FORMAT, "layer 5"}, /* reads the names section as a layer */
        {SET32, OFF_LAYER_COUNT, 4, 0, NNB_ERR_FORMAT,
         "preprocessing feature count 0, expected 4"}, /* the last layer read as the names section */
        {SET32, OFF_LOSS, 99, 0, NNB_ERR_FORMAT, "unknown loss kind 99"},
        {SET32, OFF_LOSS + 4, 9, 0, NNB_ERR_FORMAT, "unknown accuracy kind 9"},
        {SET32, OFF_LOSS + 8, 0x80, 0, NNB_ERR_FORMAT, "unknown flag bits 0x80"},
        {SET32, OFF_LOSS + 12, 0x3f800000u, 0, NNB_ERR_FORMAT, "regression precision is 1 but its flag is not set"},
        {SET32, OFF_LOSS + 16, 2, 0, NNB_ERR_FORMAT, "has_optimizer is 2"},
        {SET32, OFF_LOSS + 20, 9, 0, NNB_ERR_FORMAT, "optimizer: unknown kind 9"},
        {SETF64, 52, 0, -1.0, NNB_ERR_FORMAT, "optimizer learning_rate is -1 (must be finite and > 0)"},
        {SETF64, 68, 0, HUGE_VAL, NNB_ERR_FORMAT, "optimizer momentum is infinite"},
        {SETF64, 92, 0, NAN, NNB_ERR_FORMAT, "optimizer beta_1 is NaN"},
        {SETF64, 100, 0, 1.0, NNB_ERR_FORMAT, "optimizer beta_2 is 1 (must be in [0, 1))"},
        {SET32, OFF_FIRST_LAYER, 77, 0, NNB_ERR_FORMAT, "layer 0: unknown layer kind 77"},
        {SET64, OFF_FIRST_N_IN, 0, 0, NNB_ERR_FORMAT, "layer 0 (dense): n_inputs 0 must be >= 1"},
        {SET64, OFF_FIRST_N_OUT, 0, 0, NNB_ERR_FORMAT, "layer 0 (dense): n_neurons 0 must be >= 1"},
        {SET64, OFF_FIRST_N_OUT, ((uint64_t)1 << 24) + 1, 0, NNB_ERR_FORMAT,
         "layer 0 (dense): n_neurons 16777217 is above the limit"},
        {SET64, OFF_FIRST_N_IN, 1000, 0, NNB_ERR_FORMAT, "layer 0 (dense): truncated at byte 148 while reading its"},
        {SET32, OFF_FIRST_WEIGHTS + 4 * 6, 0x7fc00000u, 0, NNB_ERR_NONFINITE, "layer 0 (dense): weight [1, 1] is NaN"},
        {SET32, 256, 0x3fc00000u, 0, NNB_ERR_FORMAT, "layer 2 (dropout): dropout rate 1.5 is not in [0, 1)"},
        {SET32, OFF_FIRST_N_OUT + 8, 0x7fc00000u, 0, NNB_ERR_FORMAT, "layer 0 (dense): init_scale is NaN"},
        {SET32, OFF_FIRST_N_OUT + 16, 0xbf800000u, 0, NNB_ERR_FORMAT,
         "layer 0 (dense): regularization weight_l2 is -1 (must be finite and >= 0)"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
        const struct edit *e = &edits[i];
        memcpy(buf, orig, size);
        size_t n = size;
        switch (e->how) {
        case SET32: nnb_test_put_le32(buf + e->offset, (uint32_t)e->value); break;
        case SET64: nnb_test_put_le64(buf + e->offset, e->value); break;
        case SETF64: put_f64(buf + e->offset, e->real); break;
        case FLIP: buf[e->offset] ^= 0x10u; break;
        case CUT: n = e->offset; break;
        default: break;
        }
        if (e->how != FLIP && e->how != CUT) {
            nnb_test_fix_crc(buf, n);
        }
        write_file(path, buf, n);
        nnb_model *r = NULL;
        nnb_status st = nnb_model_load(&r, path);
        const char *detail = nnb_last_error();
        if (st != e->expected || strstr(detail, e->needle) == NULL || strstr(detail, path) == NULL) {
            fail_msg("edit %zu: got %s, '%s'; expected %s with '%s' and the path", i, nnb_status_string(st), detail,
                     nnb_status_string(e->expected), e->needle);
        }
        assert_null(r);
    }

    /* A parameters-only file is not a model; the system's reason for a missing file or a directory. */
    unsigned char *params = nnb_test_serialize(m, NNB_MODEL_FILE_PARAMETERS, &size);
    write_file(path, params, size);
    nnb_model *r = NULL;
    assert_int_equal(nnb_model_load(&r, path), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "a parameters-only file"));
    free(params);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(nnb_model_load(&r, path), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "No such file or directory"));
    assert_non_null(strstr(nnb_last_error(), path));
    assert_int_equal(nnb_model_load(&r, g_dir), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "is a directory, not a regular file"));
    /* Parameters that do not fit the model: which layer and both shapes. */
    nnb_model *small = NULL;
    assert_ok(nnb_model_create(&small, 1));
    assert_ok(nnb_model_add_dense(small, 4, 6, 0.5f, NULL));
    assert_ok(nnb_model_add_dense(small, 6, 3, 0.5f, NULL));
    params = nnb_test_serialize(m, NNB_MODEL_FILE_PARAMETERS, &size);
    assert_int_equal(nnb_model_parse_parameters(small, params, size), NNB_ERR_SHAPE);
    assert_non_null(strstr(nnb_last_error(), "dense layer 0: the file's is 4 x 5, the model's (layer 0) 4 x 6"));
    free(params);
    nnb_model_destroy(small);
    free(buf);
    free(orig);
    nnb_model_destroy(m);
}

static void test_model_file_invalid_arguments(void **state)
{
    (void)state;
    nnb_model *m = make_model(15, 1);
    nnb_model *r = NULL;
    size_t size = 0;
    unsigned char small[8];
    assert_status(nnb_model_serialize(NULL, NNB_MODEL_FILE_MODEL, NULL, 0, &size), NNB_ERR_NULL);
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_serialize(m, (nnb_model_file_kind)0, NULL, 0, &size), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, small, sizeof small, &size), NNB_ERR_ARGUMENT);
    assert_status(nnb_model_parse(NULL, small, sizeof small), NNB_ERR_NULL);
    assert_status(nnb_model_parse(&r, NULL, 0), NNB_ERR_NULL);
    assert_status(nnb_model_parse_parameters(NULL, small, sizeof small), NNB_ERR_NULL);
    assert_status(nnb_model_parse_parameters(m, NULL, 0), NNB_ERR_NULL);
    assert_status(nnb_model_save(NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_model_save(m, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_load(NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_model_load(&r, NULL), NNB_ERR_NULL);
    assert_status(nnb_model_save_parameters(NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_model_load_parameters(NULL, "x"), NNB_ERR_NULL);
    assert_status(nnb_model_parse(&r, "not a model at all, just text", 29), NNB_ERR_FORMAT);
    /* A model with no dense layer has no parameters to save. */
    nnb_model *empty = NULL;
    assert_ok(nnb_model_create(&empty, 0));
    assert_status(nnb_model_serialize(empty, NNB_MODEL_FILE_PARAMETERS, NULL, 0, &size), NNB_ERR_STATE);
    assert_status(nnb_model_serialize(empty, NNB_MODEL_FILE_MODEL, NULL, 0, &size), NNB_ERR_STATE);
    /* Non-finite parameters are not saved. */
    nnb_tensor *w = nnb_dense_weights_mut(nnb_model_dense(m, 0));
    assert_ok(nnb_tensor_set(w, 0, 0, NAN));
    assert_status(nnb_model_serialize(m, NNB_MODEL_FILE_MODEL, NULL, 0, &size), NNB_ERR_NONFINITE);
    assert_null(r);
    nnb_model_destroy(empty);
    nnb_model_destroy(m);
}

static void test_model_parse_out_of_memory_sweep_leaks_nothing(void **state)
{
    (void)state;
    nnb_model *m = make_model(16, 1);
    size_t size = 0;
    unsigned char *buf = nnb_test_serialize(m, NNB_MODEL_FILE_MODEL, &size);
    size_t live = nnb_test_live_blocks();
    int succeeded = 0;
    for (size_t n = 1; n < 500 && !succeeded; ++n) {
        nnb_model *r = NULL;
        nnb_test_fail_allocation(n);
        nnb_status st = nnb_model_parse(&r, buf, size);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            assert_same_predictions(m, r);
            nnb_model_destroy(r);
            succeeded = 1;
        } else {
            assert_int_equal(st, NNB_ERR_NOMEM);
            assert_null(r);
        }
        assert_int_equal(nnb_test_live_blocks(), live);
    }
    assert_true(succeeded);
    free(buf);
    nnb_model_destroy(m);
}

static int group_setup(void **state)
{
    int rc = nnb_test_temp_dir_setup(state, "nnb_test_model_file_");
    g_dir = nnb_test_temp_dir();
    return rc;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_matches_the_standard_check_value),
        cmocka_unit_test(test_crc32_matches_a_bitwise_reference_at_every_length_and_alignment),
        cmocka_unit_test(test_model_round_trip_predicts_bit_for_bit),
        cmocka_unit_test(test_regression_model_without_optimizer_round_trips),
        cmocka_unit_test(test_model_save_load_file_is_atomic_and_overwrites),
        cmocka_unit_test(test_loading_a_fifo_is_refused_without_blocking),
        cmocka_unit_test(test_save_refuses_a_fifo_and_a_device_and_leaves_them_alone),
        cmocka_unit_test(test_save_through_a_symlink_replaces_its_target),
        cmocka_unit_test(test_save_keeps_mode_and_owner_and_splits_hard_links),
        cmocka_unit_test(test_save_a_name_of_250_characters),
        cmocka_unit_test(test_save_removes_its_own_stale_temp_files_only),
        cmocka_unit_test(test_unused_optimizer_fields_are_written_as_zero),
        cmocka_unit_test(test_parameters_file_loads_into_same_architecture),
        cmocka_unit_test(test_every_flipped_byte_is_rejected),
        cmocka_unit_test(test_every_truncation_and_extension_is_rejected),
        cmocka_unit_test(test_other_versions_are_rejected),
        cmocka_unit_test(test_absurd_sizes_and_fields_with_valid_checksum_are_rejected),
        cmocka_unit_test(test_every_consistent_payload_truncation_is_rejected),
        cmocka_unit_test(test_a_non_finite_last_parameter_is_found),
        cmocka_unit_test(test_a_layer_at_the_maximum_width_is_written),
        cmocka_unit_test(test_corrupt_files_name_the_file_field_and_reason),
        cmocka_unit_test(test_model_file_invalid_arguments),
        cmocka_unit_test(test_model_parse_out_of_memory_sweep_leaks_nothing),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
