/* SPDX-License-Identifier: MIT */
/*
 * .npz archives (src/io/npz.c): the writer's argument rules (names, counts, ndims) with nothing written on a
 * refusal, and the reader's member checks on an archive the writer made and the test then edits (both
 * headers' flags, the local header alone, CRC, sizes, compression method, member offset), each with its
 * status and detail and *out untouched.
 */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int group_setup(void **state)
{
    return nnb_test_temp_dir_setup(state, "nnb-npz-more-");
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", nnb_test_temp_dir(), name);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static void expect_detail(const char *needle)
{
    const char *d = nnb_last_error();
    if (d == NULL || strstr(d, needle) == NULL) {
        fail_msg("detail '%s' does not mention '%s'", d == NULL ? "(null)" : d, needle);
    }
}

static nnb_tensor *tensor_2x2(void)
{
    nnb_tensor *t = NULL;
    assert_ok(nnb_tensor_create(&t, 2, 2));
    const float v[4] = {1.0f, -2.0f, 0.5f, 4.0f};
    memcpy(nnb_tensor_data(t), v, sizeof v);
    return t;
}

static void test_save_argument_rules(void **state)
{
    (void)state;
    nnb_tensor *t = tensor_2x2();
    char path[512];
    path_in_dir(path, sizeof path, "a.npz");
    const nnb_tensor *one[1] = {t};
    const nnb_tensor *two[2] = {t, t};
    const nnb_tensor *null_t[1] = {NULL};
    char long_name[300];
    memset(long_name, 'n', 256);
    long_name[256] = '\0';
    const char *bad_names[] = {"", long_name, "a/b", "a\\b"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; ++i) {
        const char *names[1] = {bad_names[i]};
        assert_status(nnb_npz_save(path, names, one, 1), NNB_ERR_ARGUMENT);
        assert_false(exists(path));
    }
    long_name[255] = '\0'; /* 255 bytes: the longest name */
    const char *longest[1] = {long_name};
    assert_ok(nnb_npz_save(path, longest, one, 1));
    assert_int_equal(remove(path), 0);
    const char *dup[2] = {"w", "w"};
    assert_status(nnb_npz_save(path, dup, two, 2), NNB_ERR_ARGUMENT);
    const char *null_name[1] = {NULL};
    assert_status(nnb_npz_save(path, null_name, one, 1), NNB_ERR_NULL);
    const char *w[1] = {"w"};
    assert_status(nnb_npz_save(path, w, null_t, 1), NNB_ERR_NULL);
    assert_status(nnb_npz_save(path, w, one, 0), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_save(path, w, one, 0x10000u), NNB_ERR_ARGUMENT);
    assert_status(nnb_npz_save(NULL, w, one, 1), NNB_ERR_NULL);
    assert_status(nnb_npz_save(path, NULL, one, 1), NNB_ERR_NULL);
    assert_status(nnb_npz_save(path, w, NULL, 1), NNB_ERR_NULL);
    const unsigned three[1] = {3}, zero[1] = {0};
    assert_status(nnb_npz_save_arrays(path, w, one, three, 1), NNB_ERR_ARGUMENT);
    expect_detail("ndims[0] is 3 (1 or 2)");
    assert_status(nnb_npz_save_arrays(path, w, one, zero, 1), NNB_ERR_ARGUMENT);
    assert_false(exists(path));

    /* The vector argument of the readers. */
    nnb_tensor *out = NULL;
    assert_status(nnb_npz_load_tensor(&out, path, "w", (nnb_npy_vector)7), NNB_ERR_ARGUMENT);
    const unsigned char junk[4] = {0};
    assert_status(nnb_npz_parse_tensor(&out, junk, sizeof junk, "w", (nnb_npy_vector)7), NNB_ERR_ARGUMENT);
    assert_null(out);
    nnb_tensor_destroy(t);
}

/* Writes {"a": 2 x 2} and reads the archive back into a malloc'd buffer. */
static unsigned char *archive(size_t *size)
{
    nnb_tensor *t = tensor_2x2();
    char path[512];
    path_in_dir(path, sizeof path, "m.npz");
    const char *names[1] = {"a"};
    const nnb_tensor *ts[1] = {t};
    assert_ok(nnb_npz_save(path, names, ts, 1));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char *buf = malloc(4096);
    assert_non_null(buf);
    *size = fread(buf, 1, 4096, f);
    assert_true(*size > 100 && *size < 4096);
    fclose(f);
    assert_int_equal(remove(path), 0);
    nnb_tensor_destroy(t);
    return buf;
}

static size_t find_central(const unsigned char *z, size_t size)
{
    for (size_t i = 0; i + 4 <= size; ++i) {
        if (z[i] == 'P' && z[i + 1] == 'K' && z[i + 2] == 1 && z[i + 3] == 2) {
            return i;
        }
    }
    fail_msg("no central header");
    return 0;
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void expect_refused(const unsigned char *z, size_t size, nnb_status want, const char *needle)
{
    nnb_tensor *sentinel = (nnb_tensor *)(uintptr_t)0x4321;
    nnb_tensor *out = sentinel;
    nnb_status st = nnb_npz_parse_tensor(&out, z, size, "a", NNB_NPY_ROW);
    if (st != want) {
        fail_msg("status %s, expected %s (%s)", nnb_status_string(st), nnb_status_string(want), nnb_last_error());
    }
    assert_ptr_equal(out, sentinel);
    if (needle != NULL) {
        expect_detail(needle);
    }
}

static void test_member_checks(void **state)
{
    (void)state;
    size_t size = 0;
    unsigned char *z = archive(&size);
    const size_t c = find_central(z, size);
    /* The archive as written: stored (method 0), flags 0, read back exactly. */
    assert_int_equal(z[8] | z[9] << 8, 0);
    nnb_tensor *out = NULL;
    assert_ok(nnb_npz_parse_tensor(&out, z, size, "a", NNB_NPY_ROW));
    assert_close(nnb_tensor_cdata(out)[3], 4.0, 0.0, 0.0);
    nnb_tensor_destroy(out);

    unsigned char *w = malloc(size);
    assert_non_null(w);
    const unsigned flag_bits[2] = {0x0001u, 0x0040u};
    for (size_t k = 0; k < 2; ++k) {
        memcpy(w, z, size);
        put16(w + 6, flag_bits[k]);
        put16(w + c + 8, flag_bits[k]);
        expect_refused(w, size, NNB_ERR_UNSUPPORTED, "member 'a' is encrypted");
    }
    memcpy(w, z, size);
    put16(w + 6, 0x0001u); /* the local header alone */
    expect_refused(w, size, NNB_ERR_FORMAT, "its local and central headers disagree");
    memcpy(w, z, size);
    w[14] ^= 1u; /* the local CRC, without a data descriptor */
    expect_refused(w, size, NNB_ERR_FORMAT, NULL);
    memcpy(w, z, size);
    w[c - 1] ^= 0x40u; /* the last data byte: the CRC no longer matches */
    expect_refused(w, size, NNB_ERR_FORMAT, NULL);
    /* Stored, but the uncompressed size differs from the compressed one (both headers). */
    memcpy(w, z, size);
    w[22] ^= 1u;
    w[c + 24] ^= 1u;
    expect_refused(w, size, NNB_ERR_FORMAT, NULL);
    /* Method 12 (bzip2) in both headers. */
    memcpy(w, z, size);
    put16(w + 8, 12);
    put16(w + c + 10, 12);
    expect_refused(w, size, NNB_ERR_UNSUPPORTED, "compression method 12");
    /* The member's offset: past the end, and one byte in (no local header there). */
    memcpy(w, z, size);
    nnb_test_put_le32(w + c + 42, (uint32_t)size);
    expect_refused(w, size, NNB_ERR_FORMAT, NULL);
    memcpy(w, z, size);
    nnb_test_put_le32(w + c + 42, 1);
    expect_refused(w, size, NNB_ERR_FORMAT, "no local header at byte 1");
    /* A member name that is not there: an argument error (the archive is fine). */
    out = NULL;
    assert_status(nnb_npz_parse_tensor(&out, z, size, "b", NNB_NPY_ROW), NNB_ERR_ARGUMENT);
    assert_null(out);
    free(w);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_argument_rules),
        cmocka_unit_test(test_member_checks),
    };
    return cmocka_run_group_tests(tests, group_setup, nnb_test_temp_dir_teardown);
}
