/* SPDX-License-Identifier: MIT */
/*
 * IDX reader: valid plain and gzip sets with hand-computed pixels, every truncation, wrong magic numbers,
 * mismatched counts, overflowing and absurd sizes, trailing garbage, file and Fashion-MNIST entry points,
 * shuffling, and an allocation-failure sweep. Files are written into a fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L

#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nnbasics/model_file.h" /* nnb_crc32, for the gzip trailer */

/* ---- building IDX bytes ---- */

typedef struct bytes {
    unsigned char data[16384];
    size_t size;
} bytes;

static void put_be32(bytes *b, uint32_t v)
{
    b->data[b->size++] = (unsigned char)(v >> 24);
    b->data[b->size++] = (unsigned char)(v >> 16);
    b->data[b->size++] = (unsigned char)(v >> 8);
    b->data[b->size++] = (unsigned char)v;
}

static void put_bytes(bytes *b, const unsigned char *p, size_t n)
{
    memcpy(b->data + b->size, p, n);
    b->size += n;
}

/* Three 2 x 2 images, labels 0, 2, 1. */
static const unsigned char k_pixels[12] = {0, 255, 127, 128, 51, 204, 0, 0, 255, 255, 255, 255};
static const unsigned char k_labels[3] = {0, 2, 1};

static bytes make_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, const unsigned char *px, size_t npx)
{
    bytes b;
    b.size = 0;
    put_be32(&b, magic);
    put_be32(&b, n);
    put_be32(&b, rows);
    put_be32(&b, cols);
    put_bytes(&b, px, npx);
    return b;
}

static bytes make_labels(uint32_t magic, uint32_t n, const unsigned char *lab, size_t nlab)
{
    bytes b;
    b.size = 0;
    put_be32(&b, magic);
    put_be32(&b, n);
    put_bytes(&b, lab, nlab);
    return b;
}

static bytes valid_images(void)
{
    return make_images(NNB_IDX_MAGIC_IMAGES, 3, 2, 2, k_pixels, sizeof k_pixels);
}

static bytes valid_labels(void)
{
    return make_labels(NNB_IDX_MAGIC_LABELS, 3, k_labels, sizeof k_labels);
}

static nnb_status parse(const bytes *img, const bytes *lab, nnb_idx_set **out)
{
    return nnb_idx_set_parse(out, img->data, img->size, lab->data, lab->size);
}

/* ---- files ---- */

static char g_dir[256];

static void make_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/nnb_test_idx_XXXXXX", base != NULL ? base : "/tmp");
    assert_non_null(mkdtemp(g_dir));
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", g_dir, name);
}

static void write_file(const char *name, const void *data, size_t size)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *name)
{
    char path[512];
    path_in_dir(path, sizeof path, name);
    (void)remove(path);
}

/*
 * Appends a gzip member (RFC 1952) holding `n` bytes in one stored, uncompressed deflate block (RFC 1951,
 * 3.2.4), so the tests need no compressor of their own.
 */
static void put_gzip_member(bytes *out, const unsigned char *data, size_t n)
{
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    put_bytes(out, head, sizeof head);
    const unsigned char block[5] = {1, (unsigned char)n, (unsigned char)(n >> 8), (unsigned char)~n,
                                    (unsigned char)(~n >> 8)}; /* BFINAL=1 BTYPE=00, LEN, NLEN */
    put_bytes(out, block, sizeof block);
    put_bytes(out, data, n);
    const uint32_t crc = nnb_crc32(0, data, n);
    const unsigned char tail[8] = {(unsigned char)crc,         (unsigned char)(crc >> 8), (unsigned char)(crc >> 16),
                                   (unsigned char)(crc >> 24), (unsigned char)n,          (unsigned char)(n >> 8),
                                   (unsigned char)(n >> 16),   (unsigned char)(n >> 24)};
    put_bytes(out, tail, sizeof tail);
}

static bytes gzip_of(const bytes *plain)
{
    bytes g;
    g.size = 0;
    put_gzip_member(&g, plain->data, plain->size);
    return g;
}

/*
 * Whether this build reads gzip, from the build configuration (CMake found zlib: NNB_TEST_HAVE_ZLIB, set by
 * tests/CMakeLists.txt), not from the library's answer: a library that wrongly refuses gzip (or accepts it
 * without zlib) fails the tests below.
 */
#ifndef NNB_TEST_HAVE_ZLIB
#    error "tests/CMakeLists.txt defines NNB_TEST_HAVE_ZLIB (0 or 1)"
#endif
static int library_reads_gzip(void)
{
    return NNB_TEST_HAVE_ZLIB;
}

/* ---- checks ---- */

static void check_valid_set(const nnb_idx_set *set)
{
    assert_int_equal(nnb_idx_set_count(set), 3);
    assert_int_equal(nnb_idx_set_image_rows(set), 2);
    assert_int_equal(nnb_idx_set_image_cols(set), 2);
    assert_int_equal(nnb_idx_set_num_classes(set), 3);
    const nnb_tensor *X = nnb_idx_set_images(set);
    assert_int_equal(nnb_tensor_rows(X), 3);
    assert_int_equal(nnb_tensor_cols(X), 4);
    /* (p - 127.5) / 127.5 by hand: 0 -> -1, 255 -> 1, 127 -> -1/255, 128 -> 1/255, 51 -> -0.6, 204 -> 0.6. */
    const double expected[12] = {-1.0, 1.0, -1.0 / 255.0, 1.0 / 255.0, -0.6, 0.6, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0};
    const float *x = nnb_tensor_cdata(X);
    for (size_t i = 0; i < 12; ++i) {
        assert_close(x[i], expected[i], 1e-6, 1e-7);
    }
    /* The endpoints are exact. */
    assert_true(x[0] == -1.0f);
    assert_true(x[1] == 1.0f);
    const uint32_t *y = nnb_idx_set_labels(set);
    assert_int_equal(y[0], 0);
    assert_int_equal(y[1], 2);
    assert_int_equal(y[2], 1);
}

/* ---- tests ---- */

static void test_idx_parse_valid_plain_matches_hand_computed(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    nnb_idx_set *set = NULL;
    assert_ok(parse(&img, &lab, &set));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    nnb_idx_set_destroy(NULL);
}

static void test_idx_rejects_null_arguments(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    nnb_idx_set *set = NULL;
    assert_status(nnb_idx_set_parse(NULL, img.data, img.size, lab.data, lab.size), NNB_ERR_NULL);
    assert_status(nnb_idx_set_parse(&set, NULL, img.size, lab.data, lab.size), NNB_ERR_NULL);
    assert_status(nnb_idx_set_parse(&set, img.data, img.size, NULL, lab.size), NNB_ERR_NULL);
    assert_status(nnb_idx_set_load(NULL, "a", "b"), NNB_ERR_NULL);
    assert_status(nnb_idx_set_load(&set, NULL, "b"), NNB_ERR_NULL);
    assert_status(nnb_idx_set_load(&set, "a", NULL), NNB_ERR_NULL);
    assert_status(nnb_fashion_mnist_load(NULL, NULL, NNB_FASHION_TEST), NNB_ERR_NULL);
    assert_status(nnb_fashion_mnist_load(&set, g_dir, (nnb_fashion_split)7), NNB_ERR_ARGUMENT);
    assert_null(set);
    assert_status(nnb_idx_set_shuffle(NULL, NULL), NNB_ERR_NULL);
    assert_int_equal(nnb_idx_set_count(NULL), 0);
    assert_int_equal(nnb_idx_set_image_rows(NULL), 0);
    assert_int_equal(nnb_idx_set_image_cols(NULL), 0);
    assert_int_equal(nnb_idx_set_num_classes(NULL), 0);
    assert_null(nnb_idx_set_images(NULL));
    assert_null(nnb_idx_set_labels(NULL));
}

static void test_idx_rejects_every_truncation(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    nnb_idx_set *set = (nnb_idx_set *)&set; /* sentinel: must stay untouched */
    nnb_idx_set *const sentinel = set;
    for (size_t len = 0; len < img.size; ++len) {
        assert_status(nnb_idx_set_parse(&set, img.data, len, lab.data, lab.size), NNB_ERR_FORMAT);
        assert_ptr_equal(set, sentinel);
    }
    for (size_t len = 0; len < lab.size; ++len) {
        assert_status(nnb_idx_set_parse(&set, img.data, img.size, lab.data, len), NNB_ERR_FORMAT);
        assert_ptr_equal(set, sentinel);
    }
}

static void test_idx_rejects_trailing_garbage(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    nnb_idx_set *set = NULL;
    img.data[img.size++] = 0;
    assert_status(parse(&img, &lab, &set), NNB_ERR_FORMAT);
    img = valid_images();
    lab.data[lab.size++] = 7;
    assert_status(parse(&img, &lab, &set), NNB_ERR_FORMAT);
    assert_null(set);
}

static void test_idx_rejects_wrong_magic(void **state)
{
    (void)state;
    const uint32_t bad[] = {0x00000802u, 0x00000903u, 0x01000803u, 0x00000801u, 0x08030000u, 0u};
    bytes lab = valid_labels();
    nnb_idx_set *set = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        bytes img = make_images(bad[i], 3, 2, 2, k_pixels, sizeof k_pixels);
        assert_status(parse(&img, &lab, &set), NNB_ERR_FORMAT);
    }
    /* Labels with the image magic, and images given where labels are expected. */
    bytes img = valid_images();
    bytes lab_bad = make_labels(NNB_IDX_MAGIC_IMAGES, 3, k_labels, sizeof k_labels);
    assert_status(parse(&img, &lab_bad, &set), NNB_ERR_FORMAT);
    assert_status(parse(&lab, &img, &set), NNB_ERR_FORMAT);
    assert_null(set);
}

static void test_idx_rejects_mismatched_counts_and_zero_sizes(void **state)
{
    (void)state;
    nnb_idx_set *set = NULL;
    bytes img = valid_images();
    bytes lab2 = make_labels(NNB_IDX_MAGIC_LABELS, 2, k_labels, 2);
    assert_status(parse(&img, &lab2, &set), NNB_ERR_FORMAT);
    bytes img2 = make_images(NNB_IDX_MAGIC_IMAGES, 2, 2, 2, k_pixels, 8);
    bytes lab = valid_labels();
    assert_status(parse(&img2, &lab, &set), NNB_ERR_FORMAT);
    /* Zero counts or sides. */
    bytes img0 = make_images(NNB_IDX_MAGIC_IMAGES, 0, 2, 2, k_pixels, 0);
    bytes lab0 = make_labels(NNB_IDX_MAGIC_LABELS, 0, k_labels, 0);
    assert_status(parse(&img0, &lab0, &set), NNB_ERR_FORMAT);
    bytes img_r0 = make_images(NNB_IDX_MAGIC_IMAGES, 3, 0, 2, k_pixels, 0);
    assert_status(parse(&img_r0, &lab, &set), NNB_ERR_FORMAT);
    bytes img_c0 = make_images(NNB_IDX_MAGIC_IMAGES, 3, 2, 0, k_pixels, 0);
    assert_status(parse(&img_c0, &lab, &set), NNB_ERR_FORMAT);
    assert_null(set);
}

static void test_idx_rejects_overflowing_and_absurd_sizes(void **state)
{
    (void)state;
    nnb_idx_set *set = NULL;
    bytes lab = valid_labels();
    /* 2^32-1 cubed overflows a 64-bit size_t. */
    bytes img = make_images(NNB_IDX_MAGIC_IMAGES, 0xffffffffu, 0xffffffffu, 0xffffffffu, k_pixels, 12);
    assert_status(parse(&img, &lab, &set), NNB_ERR_OVERFLOW);
    /* Large but representable: the header promises far more bytes than are present. */
    bytes big = make_images(NNB_IDX_MAGIC_IMAGES, 3, 0x10000u, 0x10000u, k_pixels, 12);
    assert_status(parse(&big, &lab, &set), NNB_ERR_FORMAT);
    bytes huge_lab = make_labels(NNB_IDX_MAGIC_LABELS, 0xffffffffu, k_labels, 3);
    bytes img_ok = valid_images();
    assert_status(parse(&img_ok, &huge_lab, &set), NNB_ERR_FORMAT);
    assert_null(set);
}

static void test_idx_load_files_and_report_io_errors(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    write_file("img.idx", img.data, img.size);
    write_file("lab.idx", lab.data, lab.size);
    write_file("empty.idx", "", 0);
    char pi[512], pl[512], pm[512], pe[512];
    path_in_dir(pi, sizeof pi, "img.idx");
    path_in_dir(pl, sizeof pl, "lab.idx");
    path_in_dir(pm, sizeof pm, "missing.idx");
    path_in_dir(pe, sizeof pe, "empty.idx");
    nnb_idx_set *set = NULL;
    assert_ok(nnb_idx_set_load(&set, pi, pl));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    set = NULL;
    assert_status(nnb_idx_set_load(&set, pm, pl), NNB_ERR_IO);
    assert_status(nnb_idx_set_load(&set, pi, pm), NNB_ERR_IO);
    assert_status(nnb_idx_set_load(&set, pi, pe), NNB_ERR_FORMAT);
    assert_status(nnb_idx_set_load(&set, g_dir, pl), NNB_ERR_IO); /* a directory is not a file */
    assert_null(set);
    remove_file("img.idx");
    remove_file("lab.idx");
    remove_file("empty.idx");
}

/*
 * Runs call() in a child process and returns the status it gave, or -1 when it had not returned after five
 * seconds (the child is then killed): a load that blocks fails the test instead of hanging it.
 */
static int status_within_seconds(nnb_status (*call)(void))
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit((int)call());
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

static char g_images_path[512], g_labels_path[512];

static nnb_status load_set_at_paths(void)
{
    nnb_idx_set *set = NULL;
    nnb_status st = nnb_idx_set_load(&set, g_images_path, g_labels_path);
    nnb_idx_set_destroy(set);
    return st;
}

static nnb_status load_fashion_test_split(void)
{
    nnb_idx_set *set = NULL;
    nnb_status st = nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TEST);
    nnb_idx_set_destroy(set);
    return st;
}

static void test_idx_load_refuses_a_fifo_without_blocking(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    write_file("img.idx", img.data, img.size);
    write_file("lab.idx", lab.data, lab.size);
    char fifo[512], pi[512], pl[512];
    path_in_dir(fifo, sizeof fifo, "pipe.idx");
    path_in_dir(pi, sizeof pi, "img.idx");
    path_in_dir(pl, sizeof pl, "lab.idx");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    /* Nobody writes to the FIFO: opening it for reading the usual way would wait forever. */
    snprintf(g_images_path, sizeof g_images_path, "%s", fifo);
    snprintf(g_labels_path, sizeof g_labels_path, "%s", pl);
    assert_int_equal(status_within_seconds(load_set_at_paths), NNB_ERR_IO);
    snprintf(g_images_path, sizeof g_images_path, "%s", pi);
    snprintf(g_labels_path, sizeof g_labels_path, "%s", fifo);
    assert_int_equal(status_within_seconds(load_set_at_paths), NNB_ERR_IO);
    /* A character device is refused too (only opened for reading here). */
    snprintf(g_labels_path, sizeof g_labels_path, "%s", "/dev/null");
    assert_int_equal(status_within_seconds(load_set_at_paths), NNB_ERR_IO);
    /* A FIFO under a Fashion-MNIST name counts as missing. */
    char fashion[512];
    path_in_dir(fashion, sizeof fashion, "t10k-images-idx3-ubyte");
    assert_int_equal(rename(fifo, fashion), 0);
    write_file("t10k-labels-idx1-ubyte", lab.data, lab.size);
    assert_int_equal(status_within_seconds(load_fashion_test_split), NNB_ERR_IO);
    remove_file("t10k-images-idx3-ubyte");
    remove_file("t10k-labels-idx1-ubyte");
    remove_file("img.idx");
    remove_file("lab.idx");
}

static void test_idx_gzip_files_and_buffers(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    bytes gimg = gzip_of(&img), glab = gzip_of(&lab);
    nnb_idx_set *set = NULL;
    if (!library_reads_gzip()) {
        assert_status(parse(&gimg, &lab, &set), NNB_ERR_UNSUPPORTED);
        assert_null(set);
        return;
    }
    write_file("img.gz", gimg.data, gimg.size);
    write_file("lab.gz", glab.data, glab.size);
    char pi[512], pl[512];
    path_in_dir(pi, sizeof pi, "img.gz");
    path_in_dir(pl, sizeof pl, "lab.gz");
    assert_ok(nnb_idx_set_load(&set, pi, pl));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    set = NULL;

    /* Mixed: gzip images, plain labels, from memory. */
    assert_ok(parse(&gimg, &lab, &set));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    set = NULL;

    /* Every truncation of the compressed file fails cleanly. */
    for (size_t len = 0; len < gimg.size; ++len) {
        assert_status(nnb_idx_set_parse(&set, gimg.data, len, lab.data, lab.size), NNB_ERR_FORMAT);
    }
    /* Garbage after the gzip member. */
    bytes trailing = gimg;
    trailing.data[trailing.size++] = 'x';
    assert_status(parse(&trailing, &lab, &set), NNB_ERR_FORMAT);
    /* A flipped byte in the data or the trailer breaks the CRC or the length check, or (in the compressed
     * header) makes the file claim a count past the memory bound. */
    for (size_t i = 15; i < gimg.size; ++i) {
        bytes flipped = gimg;
        flipped.data[i] ^= 0x55;
        const nnb_status st = parse(&flipped, &lab, &set);
        assert_true(st == NNB_ERR_FORMAT || st == NNB_ERR_LIMIT);
        assert_null(set);
    }
    /* A compressed file whose content is not IDX. */
    bytes junk_plain = {{'h', 'e', 'l', 'l', 'o'}, 5};
    bytes junk = gzip_of(&junk_plain);
    assert_status(parse(&junk, &lab, &set), NNB_ERR_FORMAT);
    assert_null(set);

    /* Two concatenated members make one valid stream: split the image bytes in two. */
    bytes two;
    two.size = 0;
    put_gzip_member(&two, img.data, 9);
    put_gzip_member(&two, img.data + 9, img.size - 9);
    write_file("two.gz", two.data, two.size);
    char pt[512];
    path_in_dir(pt, sizeof pt, "two.gz");
    assert_ok(nnb_idx_set_load(&set, pt, pl));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    remove_file("img.gz");
    remove_file("lab.gz");
    remove_file("two.gz");
}

/*
 * The inflate buffer starts at the size the last member's trailer announces (at least 4 KiB) and doubles
 * when the output is larger: two members, the second one small, make a 10 256-byte image file whose hint
 * is 256 bytes, so the buffer grows twice (4 KiB -> 8 KiB -> 16 KiB) and every byte must survive the moves.
 */
static void test_idx_gzip_output_larger_than_its_hint_grows_the_buffer(void **state)
{
    (void)state;
    enum { N = 40, SIDE = 16, PX = N * SIDE * SIDE };
    static unsigned char px[PX];
    unsigned char lab[N];
    for (size_t i = 0; i < PX; ++i) {
        px[i] = (unsigned char)((i * 31u + i / 256u * 7u) % 256u);
    }
    for (size_t i = 0; i < N; ++i) {
        lab[i] = (unsigned char)(i % 10u);
    }
    bytes img = make_images(NNB_IDX_MAGIC_IMAGES, N, SIDE, SIDE, px, PX);
    bytes labels = make_labels(NNB_IDX_MAGIC_LABELS, N, lab, N);
    bytes gz;
    gz.size = 0;
    put_gzip_member(&gz, img.data, 10000);
    put_gzip_member(&gz, img.data + 10000, img.size - 10000);
    nnb_idx_set *set = NULL;
    if (!library_reads_gzip()) {
        assert_status(parse(&gz, &labels, &set), NNB_ERR_UNSUPPORTED);
        return;
    }
    assert_ok(parse(&gz, &labels, &set));
    assert_int_equal(nnb_idx_set_count(set), N);
    const float *x = nnb_tensor_cdata(nnb_idx_set_images(set));
    for (size_t i = 0; i < PX; ++i) {
        double want = ((double)px[i] - 127.5) / 127.5;
        if (!nnb_test_close(x[i], want, 1e-6, 1e-7)) {
            fail_msg("pixel %zu = %.9g, expected %.9g", i, (double)x[i], want);
        }
    }
    const uint32_t *y = nnb_idx_set_labels(set);
    for (size_t i = 0; i < N; ++i) {
        assert_int_equal(y[i], i % 10u);
    }
    nnb_idx_set_destroy(set);
}

/* A 28 x 28 set of `n` images whose first pixel is 25 * label. */
static void write_fashion_files(const char *images_name, const char *labels_name, uint32_t n, unsigned char max_label,
                                uint32_t side)
{
    static unsigned char px[4 * 28 * 28];
    unsigned char lab[4];
    memset(px, 0, sizeof px);
    for (uint32_t i = 0; i < n; ++i) {
        lab[i] = (unsigned char)(i % ((unsigned)max_label + 1u));
        if (i == n - 1) {
            lab[i] = max_label;
        }
        px[(size_t)i * side * side] = (unsigned char)(25 * lab[i]);
    }
    bytes im = make_images(NNB_IDX_MAGIC_IMAGES, n, side, side, px, (size_t)n * side * side);
    bytes lb = make_labels(NNB_IDX_MAGIC_LABELS, n, lab, n);
    write_file(images_name, im.data, im.size);
    write_file(labels_name, lb.data, lb.size);
}

static void test_fashion_mnist_load_from_directory(void **state)
{
    (void)state;
    nnb_idx_set *set = NULL;
    /* Nothing there yet. */
    assert_status(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TEST), NNB_ERR_IO);

    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 9, 28);
    assert_ok(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TEST));
    assert_int_equal(nnb_idx_set_count(set), 4);
    assert_int_equal(nnb_tensor_cols(nnb_idx_set_images(set)), 784);
    assert_int_equal(nnb_idx_set_labels(set)[3], 9);
    nnb_idx_set_destroy(set);
    set = NULL;
    /* The train split is still missing. */
    assert_status(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TRAIN), NNB_ERR_IO);

    /* A label of 10 is not Fashion-MNIST; nor are 27 x 27 images. */
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 10, 28);
    assert_status(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TEST), NNB_ERR_FORMAT);
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 10, 28);
    nnb_tensor *one = NULL;
    uint32_t label = 77;
    size_t count = 77;
    assert_ok(nnb_tensor_create(&one, 1, 784));
    assert_ok(nnb_tensor_fill(one, 7.0f));
    /* Reading the one image whose label is 10 fails and leaves every output as it was. */
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 3, one, &label, &count), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "label 10"));
    assert_true(nnb_tensor_cdata(one)[0] == 7.0f && nnb_tensor_cdata(one)[783] == 7.0f);
    assert_int_equal(label, 77);
    assert_int_equal(count, 77);
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 9, 27);
    assert_status(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TEST), NNB_ERR_FORMAT);
    assert_null(set);
    /* 784 pixels that are not 28 x 28 are not Fashion-MNIST either. */
    {
        static unsigned char px16[2 * 16 * 49];
        const unsigned char lab2[2] = {1, 2};
        memset(px16, 0, sizeof px16);
        bytes im = make_images(NNB_IDX_MAGIC_IMAGES, 2, 16, 49, px16, sizeof px16);
        bytes lb = make_labels(NNB_IDX_MAGIC_LABELS, 2, lab2, 2);
        write_file("t10k-images-idx3-ubyte", im.data, im.size);
        write_file("t10k-labels-idx1-ubyte", lb.data, lb.size);
        assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 1, one, &label, &count), NNB_ERR_SHAPE);
        assert_non_null(strstr(nnb_last_error(), "16 x 49"));
        assert_true(nnb_tensor_cdata(one)[0] == 7.0f);
        assert_int_equal(label, 77);
    }
    nnb_tensor_destroy(one);
    remove_file("t10k-images-idx3-ubyte");
    remove_file("t10k-labels-idx1-ubyte");

    /* The .gz names are found when the plain ones are absent. */
    if (library_reads_gzip()) {
        static unsigned char px[3 * 784];
        memset(px, 0, sizeof px);
        const unsigned char lab3[3] = {0, 1, 2};
        bytes im = make_images(NNB_IDX_MAGIC_IMAGES, 3, 28, 28, px, sizeof px);
        bytes lb = make_labels(NNB_IDX_MAGIC_LABELS, 3, lab3, 3);
        bytes gim = gzip_of(&im), glb = gzip_of(&lb);
        write_file("train-images-idx3-ubyte.gz", gim.data, gim.size);
        write_file("train-labels-idx1-ubyte.gz", glb.data, glb.size);
        assert_ok(nnb_fashion_mnist_load(&set, g_dir, NNB_FASHION_TRAIN));
        assert_int_equal(nnb_idx_set_count(set), 3);
        assert_int_equal(nnb_idx_set_num_classes(set), 3);
        nnb_idx_set_destroy(set);
        remove_file("train-images-idx3-ubyte.gz");
        remove_file("train-labels-idx1-ubyte.gz");
    }
}

static void test_fashion_mnist_class_names(void **state)
{
    (void)state;
    const char *expected[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    for (size_t i = 0; i < 10; ++i) {
        assert_string_equal(nnb_fashion_mnist_class_name(i), expected[i]);
    }
    assert_null(nnb_fashion_mnist_class_name(10));
    assert_null(nnb_fashion_mnist_class_name((size_t)-1));
}

static void test_idx_shuffle_keeps_images_with_their_labels(void **state)
{
    (void)state;
    unsigned char px[20 * 4];
    unsigned char lab[20];
    for (unsigned i = 0; i < 20; ++i) {
        lab[i] = (unsigned char)i;
        for (unsigned k = 0; k < 4; ++k) {
            px[i * 4 + k] = (unsigned char)(10 * i + k);
        }
    }
    bytes img = make_images(NNB_IDX_MAGIC_IMAGES, 20, 2, 2, px, sizeof px);
    bytes lb = make_labels(NNB_IDX_MAGIC_LABELS, 20, lab, sizeof lab);
    nnb_idx_set *set = NULL;
    nnb_rng *rng = NULL;
    assert_ok(parse(&img, &lb, &set));
    assert_ok(nnb_rng_create(&rng, 0));
    assert_status(nnb_idx_set_shuffle(set, NULL), NNB_ERR_NULL);
    assert_ok(nnb_idx_set_shuffle(set, rng));
    const uint32_t *y = nnb_idx_set_labels(set);
    const float *x = nnb_tensor_cdata(nnb_idx_set_images(set));
    int seen[20] = {0};
    size_t moved = 0;
    for (size_t i = 0; i < 20; ++i) {
        assert_true(y[i] < 20);
        seen[y[i]]++;
        moved += y[i] != i;
        for (unsigned k = 0; k < 4; ++k) {
            float p = (float)(10 * y[i] + k);
            assert_true(x[i * 4 + k] == (p - 127.5f) / 127.5f);
        }
    }
    for (size_t i = 0; i < 20; ++i) {
        assert_int_equal(seen[i], 1);
    }
    assert_true(moved > 0);
    /* Out of memory: the set is unchanged. */
    uint32_t before[20];
    memcpy(before, y, sizeof before);
    nnb_test_fail_allocation(1);
    assert_status(nnb_idx_set_shuffle(set, rng), NNB_ERR_NOMEM);
    nnb_test_fail_allocation(0);
    assert_memory_equal(before, y, sizeof before);
    nnb_rng_destroy(rng);
    nnb_idx_set_destroy(set);
}

static void test_idx_out_of_memory_sweep_leaks_nothing(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    if (library_reads_gzip()) {
        img = gzip_of(&img); /* also sweeps the inflate path */
    }
    size_t live = nnb_test_live_blocks();
    int succeeded = 0;
    for (size_t n = 1; n < 64 && !succeeded; ++n) {
        nnb_idx_set *set = NULL;
        nnb_test_fail_allocation(n);
        nnb_status st = parse(&img, &lab, &set);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            check_valid_set(set);
            nnb_idx_set_destroy(set);
            succeeded = 1;
        } else {
            assert_int_equal(st, NNB_ERR_NOMEM);
            assert_null(set);
        }
        assert_int_equal(nnb_test_live_blocks(), live);
    }
    assert_true(succeeded);
}

static void test_idx_real_fashion_mnist_when_installed(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(NNB_FASHION_MNIST_DEFAULT_DIR, &sb) != 0) {
        skip();
    }
    nnb_idx_set *set = NULL;
    nnb_status st = nnb_fashion_mnist_load(&set, NULL, NNB_FASHION_TEST);
    if (st == NNB_ERR_UNSUPPORTED && !library_reads_gzip()) {
        skip(); /* the installed files are compressed and this build has no zlib */
    }
    assert_ok(st);
    assert_int_equal(nnb_idx_set_count(set), 10000);
    assert_int_equal(nnb_idx_set_image_rows(set), 28);
    assert_int_equal(nnb_idx_set_num_classes(set), 10);
    assert_int_equal(nnb_idx_set_labels(set)[0], 9); /* the first test image is an ankle boot */
    const float *x = nnb_tensor_cdata(nnb_idx_set_images(set));
    for (size_t i = 0; i < 784; ++i) {
        assert_true(x[i] >= -1.0f && x[i] <= 1.0f);
    }
    nnb_idx_set_destroy(set);
}

/*
 * A tiny gzip file whose header claims a huge count is refused by the memory bound before the set is
 * allocated, with the size in the message (the issue: 1 MB of gzip claiming 1 GiB of pixels cost 5 GB); a
 * caller's max_memory applies to any set. nnb_idx_read_one still reads its first image.
 */
static void test_idx_memory_bound_refuses_huge_claims_before_allocating(void **state)
{
    (void)state;
    if (!library_reads_gzip()) {
        skip();
    }
    unsigned char px[784];
    for (size_t i = 0; i < sizeof px; ++i) {
        px[i] = (unsigned char)(i * 7u);
    }
    /* 1 000 000 images of 28 x 28 claimed (784 MB of pixels, 3.1 GB as floats), one present. */
    bytes plain_img = make_images(NNB_IDX_MAGIC_IMAGES, 1000000, 28, 28, px, sizeof px);
    unsigned char one_label = 7;
    bytes plain_lab = make_labels(NNB_IDX_MAGIC_LABELS, 1000000, &one_label, 1);
    bytes img = gzip_of(&plain_img), lab = gzip_of(&plain_lab);
    nnb_idx_set *set = NULL;
    nnb_test_reset_counts();
    assert_status(parse(&img, &lab, &set), NNB_ERR_LIMIT);
    assert_null(set);
    assert_non_null(strstr(nnb_last_error(), "would need 3.7 GiB of memory (1000000 images of 28 x 28 pixels"));
    assert_non_null(strstr(nnb_last_error(), "more than 64 times their size"));
    assert_true(nnb_test_alloc_count() <= 4); /* zlib's state for the two headers, nothing sized by the claim */

    write_file("huge-images.gz", img.data, img.size);
    write_file("huge-labels.gz", lab.data, lab.size);
    char pi[512], pl[512];
    path_in_dir(pi, sizeof pi, "huge-images.gz");
    path_in_dir(pl, sizeof pl, "huge-labels.gz");
    assert_status(nnb_idx_set_load(&set, pi, pl), NNB_ERR_LIMIT);
    assert_non_null(strstr(nnb_last_error(), pi));

    /* One image is read without the set: image 0 is there, image 1 is not. */
    nnb_tensor *x = NULL;
    assert_ok(nnb_tensor_create(&x, 1, 784));
    uint32_t label = 99;
    size_t count = 0;
    assert_ok(nnb_idx_read_one(pi, pl, 0, x, &label, &count));
    assert_int_equal(label, 7);
    assert_int_equal(count, 1000000);
    for (size_t i = 0; i < 784; ++i) {
        assert_true(nnb_tensor_cdata(x)[i] == ((float)px[i] - 127.5f) / 127.5f);
    }
    label = 99;
    assert_status(nnb_idx_read_one(pi, pl, 1, x, &label, &count), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "truncated"));
    assert_int_equal(label, 99);
    assert_status(nnb_idx_read_one(pi, pl, 1000000, x, &label, &count), NNB_ERR_ARGUMENT);
    assert_non_null(strstr(nnb_last_error(), "index 1000000 is out of range"));
    nnb_tensor_destroy(x);
    remove_file("huge-images.gz");
    remove_file("huge-labels.gz");

    /* The caller's bound: the 3-image set needs 16 + 12 + 8 + 3 bytes of files, 48 + 12 of floats and labels. */
    bytes vi = valid_images(), vl = valid_labels();
    write_file("img.idx", vi.data, vi.size);
    write_file("lab.idx", vl.data, vl.size);
    path_in_dir(pi, sizeof pi, "img.idx");
    path_in_dir(pl, sizeof pl, "lab.idx");
    assert_status(nnb_idx_set_load_limited(&set, pi, pl, 100), NNB_ERR_LIMIT);
    assert_non_null(strstr(nnb_last_error(), "the limit is 100 bytes (max_memory)"));
    assert_null(set);
    assert_ok(nnb_idx_set_load_limited(&set, pi, pl, 100000));
    check_valid_set(set);
    nnb_idx_set_destroy(set);
    remove_file("img.idx");
    remove_file("lab.idx");
}

/* nnb_idx_read_one gives exactly the rows nnb_idx_set_load gives, plain and gzip; shape and range checked. */
static void test_idx_read_one_matches_the_whole_set(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    for (int gz = 0; gz < 2; ++gz) {
        if (gz && !library_reads_gzip()) {
            break;
        }
        bytes wi = gz ? gzip_of(&img) : img, wl = gz ? gzip_of(&lab) : lab;
        write_file("one-img", wi.data, wi.size);
        write_file("one-lab", wl.data, wl.size);
        char pi[512], pl[512];
        path_in_dir(pi, sizeof pi, "one-img");
        path_in_dir(pl, sizeof pl, "one-lab");
        nnb_idx_set *set = NULL;
        assert_ok(nnb_idx_set_load(&set, pi, pl));
        nnb_tensor *x = NULL, *wrong = NULL;
        assert_ok(nnb_tensor_create(&x, 1, 4));
        assert_ok(nnb_tensor_create(&wrong, 1, 5));
        for (size_t i = 0; i < 3; ++i) {
            uint32_t label = 99;
            size_t count = 0;
            assert_ok(nnb_idx_read_one(pi, pl, i, x, &label, &count));
            assert_int_equal(count, 3);
            assert_int_equal(label, k_labels[i]);
            assert_memory_equal(nnb_tensor_cdata(x), nnb_tensor_cdata(nnb_idx_set_images(set)) + 4 * i,
                                4 * sizeof(float));
        }
        uint32_t label = 0;
        assert_status(nnb_idx_read_one(pi, pl, 3, x, &label, NULL), NNB_ERR_ARGUMENT);
        assert_non_null(strstr(nnb_last_error(), "index 3 is out of range"));
        assert_status(nnb_idx_read_one(pi, pl, 0, wrong, &label, NULL), NNB_ERR_SHAPE);
        assert_status(nnb_idx_read_one(pl, pi, 0, x, &label, NULL), NNB_ERR_FORMAT); /* swapped */
        assert_non_null(strstr(nnb_last_error(), "magic 0x00000801, expected 0x00000803"));
        assert_status(nnb_idx_read_one(NULL, pl, 0, x, &label, NULL), NNB_ERR_NULL);
        assert_status(nnb_idx_read_one(pi, pl, 0, NULL, &label, NULL), NNB_ERR_NULL);
        assert_status(nnb_idx_read_one(pi, pl, 0, x, NULL, NULL), NNB_ERR_NULL);
        nnb_tensor_destroy(wrong);
        nnb_tensor_destroy(x);
        nnb_idx_set_destroy(set);
        remove_file("one-img");
        remove_file("one-lab");
    }
}

/* nnb_fashion_mnist_read_one from a directory: each item's label and scaled first pixel (25 * label, so
 * (25 * label - 127.5) / 127.5), the count, and the refusals: a label of 10, an image tensor of the wrong
 * shape, 27 x 27 images; nnb_idx_read_one with fewer labels than images and a 2-row image tensor. */
static void test_fashion_mnist_read_one_from_directory(void **state)
{
    (void)state;
    nnb_tensor *x = NULL, *wrong = NULL, *two = NULL;
    assert_ok(nnb_tensor_create(&x, 1, 784));
    assert_ok(nnb_tensor_create(&wrong, 1, 783));
    assert_ok(nnb_tensor_create(&two, 2, 4));
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 9, 28);
    const uint32_t expected[4] = {0, 1, 2, 9}; /* i % 10, the last one 9 */
    for (size_t i = 0; i < 4; ++i) {
        uint32_t label = 77;
        size_t count = 0;
        assert_ok(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, i, x, &label, i == 2 ? NULL : &count));
        assert_int_equal(label, expected[i]);
        assert_int_equal(count, i == 2 ? 0 : 4);
        assert_float_equal(nnb_tensor_cdata(x)[0], (25.0f * (float)expected[i] - 127.5f) / 127.5f, 1e-7f);
        assert_true(nnb_tensor_cdata(x)[1] == -1.0f);
    }
    uint32_t label = 0;
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 0, wrong, &label, NULL), NNB_ERR_SHAPE);
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 4, x, &label, NULL), NNB_ERR_ARGUMENT);
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TRAIN, 0, x, &label, NULL), NNB_ERR_IO);
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 10, 28);
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 3, x, &label, NULL), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "label 10 of item 3"));
    assert_ok(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 2, x, &label, NULL)); /* label 2 is fine */
    write_fashion_files("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 4, 9, 27);
    assert_status(nnb_fashion_mnist_read_one(g_dir, NNB_FASHION_TEST, 0, x, &label, NULL), NNB_ERR_SHAPE);
    remove_file("t10k-images-idx3-ubyte");
    remove_file("t10k-labels-idx1-ubyte");

    bytes img = valid_images();
    bytes lab = make_labels(NNB_IDX_MAGIC_LABELS, 2, k_labels, 2);
    write_file("one-img", img.data, img.size);
    write_file("one-lab", lab.data, lab.size);
    char pi[512], pl[512];
    path_in_dir(pi, sizeof pi, "one-img");
    path_in_dir(pl, sizeof pl, "one-lab");
    assert_status(nnb_idx_read_one(pi, pl, 0, x, &label, NULL), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "holds 3 images but"));
    lab = valid_labels();
    write_file("one-lab", lab.data, lab.size);
    assert_status(nnb_idx_read_one(pi, pl, 0, two, &label, NULL), NNB_ERR_SHAPE);
    remove_file("one-img");
    remove_file("one-lab");
    nnb_tensor_destroy(two);
    nnb_tensor_destroy(wrong);
    nnb_tensor_destroy(x);
}

/* Data-set errors name the file and the reason, not only the directory. */
static void test_idx_errors_name_the_file_and_the_reason(void **state)
{
    (void)state;
    bytes img = valid_images(), lab = valid_labels();
    nnb_idx_set *set = NULL;
    bytes short_img = img;
    short_img.size -= 1;
    assert_status(parse(&short_img, &lab, &set), NNB_ERR_FORMAT);
    assert_non_null(
        strstr(nnb_last_error(), "images: truncated: the header declares 12 bytes of images, the file holds 11"));
    bytes other = make_labels(NNB_IDX_MAGIC_LABELS, 2, k_labels, 2);
    assert_status(parse(&img, &other, &set), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "images holds 3 images but labels holds 2 labels"));
    bytes zero = make_images(NNB_IDX_MAGIC_IMAGES, 3, 0, 2, k_pixels, 0);
    assert_status(parse(&zero, &lab, &set), NNB_ERR_FORMAT);
    assert_non_null(strstr(nnb_last_error(), "images: dimension 1 is 0"));
    char dir[512];
    path_in_dir(dir, sizeof dir, "fashion");
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_status(nnb_fashion_mnist_load(&set, dir, NNB_FASHION_TEST), NNB_ERR_IO);
    assert_non_null(strstr(nnb_last_error(), "t10k-images-idx3-ubyte: neither it nor t10k-images-idx3-ubyte.gz"));
    write_file("fashion/t10k-images-idx3-ubyte", img.data, img.size);
    write_file("fashion/t10k-labels-idx1-ubyte", lab.data, lab.size);
    assert_status(nnb_fashion_mnist_load(&set, dir, NNB_FASHION_TEST), NNB_ERR_FORMAT);
    assert_non_null(
        strstr(nnb_last_error(), "t10k-images-idx3-ubyte: images of 2 x 2 pixels; Fashion-MNIST's are 28 x 28"));
    if (library_reads_gzip()) {
        bytes g = gzip_of(&lab);
        g.data[g.size - 9] ^= 1u; /* the last data byte: the CRC no longer matches */
        write_file("bad.gz", g.data, g.size);
        char pb[512], pi[512];
        path_in_dir(pb, sizeof pb, "bad.gz");
        path_in_dir(pi, sizeof pi, "fashion/t10k-images-idx3-ubyte");
        assert_status(nnb_idx_set_load(&set, pi, pb), NNB_ERR_FORMAT);
        assert_non_null(strstr(nnb_last_error(), "bad.gz: corrupt gzip data"));
        remove_file("bad.gz");
    }
    assert_null(set);
    remove_file("fashion/t10k-images-idx3-ubyte");
    remove_file("fashion/t10k-labels-idx1-ubyte");
    assert_int_equal(rmdir(dir), 0);
}

static int group_setup(void **state)
{
    make_temp_dir();
    return nnb_test_setup_allocator(state);
}

static int group_teardown(void **state)
{
    (void)rmdir(g_dir);
    return nnb_test_teardown_allocator(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_parse_valid_plain_matches_hand_computed),
        cmocka_unit_test(test_idx_rejects_null_arguments),
        cmocka_unit_test(test_idx_rejects_every_truncation),
        cmocka_unit_test(test_idx_rejects_trailing_garbage),
        cmocka_unit_test(test_idx_rejects_wrong_magic),
        cmocka_unit_test(test_idx_rejects_mismatched_counts_and_zero_sizes),
        cmocka_unit_test(test_idx_rejects_overflowing_and_absurd_sizes),
        cmocka_unit_test(test_idx_load_files_and_report_io_errors),
        cmocka_unit_test(test_idx_load_refuses_a_fifo_without_blocking),
        cmocka_unit_test(test_idx_gzip_files_and_buffers),
        cmocka_unit_test(test_idx_gzip_output_larger_than_its_hint_grows_the_buffer),
        cmocka_unit_test(test_fashion_mnist_load_from_directory),
        cmocka_unit_test(test_fashion_mnist_read_one_from_directory),
        cmocka_unit_test(test_fashion_mnist_class_names),
        cmocka_unit_test(test_idx_shuffle_keeps_images_with_their_labels),
        cmocka_unit_test(test_idx_out_of_memory_sweep_leaks_nothing),
        cmocka_unit_test(test_idx_real_fashion_mnist_when_installed),
        cmocka_unit_test(test_idx_memory_bound_refuses_huge_claims_before_allocating),
        cmocka_unit_test(test_idx_read_one_matches_the_whole_set),
        cmocka_unit_test(test_idx_errors_name_the_file_and_the_reason),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
