/* SPDX-License-Identifier: MIT */
/*
 * The builtin GEMM core's cache blocks (src/compute/gemm_blocks.c): the analytic model against blocks worked
 * out by hand for known CPUs, the NNB_GEMM_BLOCKS parser, and (builtin backend) products on shapes straddling
 * the block edges for every kernel this CPU runs. CMake also runs this test with NNB_GEMM_BLOCKS=13,9,33
 * at each ISA level, where the last two tests check that the override took effect and that every edge path
 * of the small blocks gives the right product.
 *
 * Tolerance of the products: |c - ref| <= 1e-5 * sum_k |alpha * a_ik * b_kj| + 1e-6 * |beta * c0|, the
 * documented one of the builtin core.
 */
/* mkdtemp. */
#define _DEFAULT_SOURCE

#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compute/gemm_blocks.h"
#ifdef NNB_TEST_BUILTIN_VARIANTS
#    include "compute/gemm_builtin.h"
#    include "compute/gemm_internal.h"
#endif

#define KIB ((size_t)1024u)
#define MIB ((size_t)1024u * 1024u)

static nnb__gemm_blocks model(size_t l1d, size_t l1d_ways, size_t l2, size_t l2_ways, size_t l3_share, size_t l3_ways,
                              size_t mr, size_t nr)
{
    nnb__cache_info ci = {l1d, l1d_ways, l2, l2_ways, l3_share, l3_ways, "test"};
    nnb__gemm_blocks b = {0, 0, 0};
    assert_int_equal(nnb__gemm_blocks_model(&ci, mr, nr, &b), 1);
    return b;
}

static void expect_blocks(nnb__gemm_blocks got, size_t mc, size_t kc, size_t nc)
{
    assert_int_equal(got.mc, mc);
    assert_int_equal(got.kc, kc);
    assert_int_equal(got.nc, nc);
}

/*
 * Haswell-class and Zen 3 (AVX2 kernel, 6 x 16). L1d 32 KiB 8-way: one way is 4 KiB. kc = 320: A micro-panel
 * 320*6*4 = 7680 B -> 2 ways, B micro-panel 320*16*4 = 20480 B -> 5 ways, 7 = 8 - 1; at 328 B takes 20992 B
 * -> 6 ways, 8 > 7.
 */
static void test_model_avx2_on_8_way_l1(void **state)
{
    (void)state;
    /* Haswell: L2 256 KiB 8-way (way 32 KiB): B micro-panel 1 way, mc = 6 * 32768 / 2 / 1280 = 76.8 -> 72.
     * L3 8 MiB 16-way for 4 cores: share 2 MiB (>= 2 * L2, so it holds A), way 128 KiB; A block
     * 72*320*4 = 92160 B -> 1 way; nc = 14 * 131072 / 1280 = 1433.6 -> 1424. */
    expect_blocks(model(32 * KIB, 8, 256 * KIB, 8, 2 * MIB, 16, 6, 16), 72, 320, 1424);
    /* Zen 3: L2 512 KiB 8-way (way 64 KiB): mc = 6 * 65536 / 2 / 1280 = 153.6 -> 150. L3 32 MiB 16-way for
     * 8 cores: share 4 MiB, way 256 KiB; A block 150*320*4 = 192000 B -> 1 way; nc = 14 * 262144 / 1280 =
     * 2867.2 -> 2864. */
    expect_blocks(model(32 * KIB, 8, 512 * KIB, 8, 4 * MIB, 16, 6, 16), 150, 320, 2864);
}

/*
 * Zen 5 and Sapphire Rapids: L1d 48 KiB 12-way, one way 4 KiB.
 *   AVX-512 kernel 12 x 32: kc = 256: A 12288 B -> 3 ways, B 32768 B -> 8 ways, 11 = 12 - 1; at 264: 4 + 9.
 *   AVX2 kernel 6 x 16: kc = 512: A 12288 B -> 3 ways, B 32768 B -> 8 ways; at 520: 4 + 9.
 */
static void test_model_on_12_way_l1(void **state)
{
    (void)state;
    /* Zen 5: L2 1 MiB 16-way (way 64 KiB), L3 32 MiB 16-way for 8 cores (share 4 MiB, way 256 KiB).
     * AVX-512: B micro-panel 1 way; mc = 14 * 65536 / 2 / 1024 = 448 -> 444; A block 444*1024 B = 1.73 ->
     * 2 ways; nc = 13 * 262144 / 1024 = 3328. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 16, 4 * MIB, 16, 12, 32), 444, 256, 3328);
    /* AVX2: mc = 14 * 65536 / 2 / 2048 = 224 -> 222; A block 222*2048 B -> 2 ways; nc = 13 * 262144 / 2048
     * = 1664. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 16, 4 * MIB, 16, 6, 16), 222, 512, 1664);
    /* Sapphire Rapids: L2 2 MiB 16-way (way 128 KiB), L3 1.875 MiB 15-way per core: below 2 * L2, a victim
     * cache, so the A block takes no L3 way. AVX-512: mc = 14 * 131072 / 2 / 1024 = 896 -> 888;
     * nc = 14 * 131072 / 1024 = 1792. AVX2: mc = 14 * 131072 / 2 / 2048 = 448 -> 444; nc = 896. */
    expect_blocks(model(48 * KIB, 12, 2 * MIB, 16, 1920 * KIB, 15, 12, 32), 888, 256, 1792);
    expect_blocks(model(48 * KIB, 12, 2 * MIB, 16, 1920 * KIB, 15, 6, 16), 444, 512, 896);
}

/* What a virtual machine may report: no associativity for L3 and the host's whole L3 (here 254 MiB per
 * core), and missing levels. */
static void test_model_clamps_and_fills_in_unknowns(void **state)
{
    (void)state;
    /* Zen 5 guest: L2 1 MiB 8-way (way 128 KiB); mc = 6 * 131072 / 2 / 1024 = 384. L3 clamped to 4 MiB,
     * taken as 16-way (way 256 KiB): A block 384 KiB -> 2 ways; nc = 13 * 262144 / 1024 = 3328. */
    expect_blocks(model(48 * KIB, 12, 1 * MIB, 8, 254 * MIB, 0, 12, 32), 384, 256, 3328);
    /* Unknown L1 and L2 associativity count as 8 ways: the Zen 3 figures. No L3: nc is the upper bound,
     * 8192. */
    expect_blocks(model(32 * KIB, 0, 512 * KIB, 0, 0, 0, 6, 16), 150, 320, 8192);
    /* The portable kernel 4 x 8 on a 12-way 48 KiB L1: kc = 896 (A 14336 B -> 4 ways, B 28672 B -> 7 ways);
     * at 904 B takes 28928 B -> 8 ways. */
    assert_int_equal(model(48 * KIB, 12, 1 * MIB, 8, 0, 0, 4, 8).kc, 896);
    /* A 4-way 8 KiB L1 (2 KiB ways): kc = 32 (A 1536 B -> 1 way, B 4096 B -> 2 ways, 3 = 4 - 1); at 40 B
     * takes 5120 B -> 3 ways. A 2-way one (4 KiB ways) holds no pair at all: kc is the floor, 32. */
    assert_int_equal(model(8 * KIB, 4, 256 * KIB, 4, 0, 0, 12, 32).kc, 32);
    assert_int_equal(model(8 * KIB, 2, 256 * KIB, 4, 0, 0, 12, 32).kc, 32);
    assert_int_equal(model(8 * KIB, 4, 256 * KIB, 4, 0, 0, 6, 16).kc, 64);
    /* A tiny L2 leaves no way for A: mc is one tile. */
    assert_int_equal(model(48 * KIB, 12, 64 * KIB, 2, 0, 0, 12, 32).mc, 12);

    /* Without L1 or L2 sizes the model gives nothing and leaves the output alone. */
    nnb__cache_info none = {0, 0, 1 * MIB, 8, 0, 0, "test"};
    nnb__gemm_blocks b = {1, 2, 3};
    assert_int_equal(nnb__gemm_blocks_model(&none, 12, 32, &b), 0);
    none.l1d = 32 * KIB;
    none.l2 = 0;
    assert_int_equal(nnb__gemm_blocks_model(&none, 12, 32, &b), 0);
    expect_blocks(b, 1, 2, 3);
}

static void test_cache_detection_gives_a_usable_answer(void **state)
{
    (void)state;
    nnb__cache_info ci;
    nnb__cache_detect(&ci);
    assert_non_null(ci.source);
    if (strcmp(ci.source, "none") == 0) {
        assert_int_equal(ci.l1d, 0);
        return;
    }
    /* Any real L1d is between 8 KiB and 1 MiB, any L2 at least as large. */
    assert_true(ci.l1d >= 8 * KIB && ci.l1d <= 1 * MIB);
    assert_true(ci.l2 >= ci.l1d);
    nnb__gemm_blocks b;
    assert_int_equal(nnb__gemm_blocks_model(&ci, 12, 32, &b), 1);
    assert_true(b.kc >= NNB__GEMM_KC_MIN && b.kc <= NNB__GEMM_KC_MAX && b.kc % 8 == 0);
    assert_true(b.mc >= 12 && b.mc % 12 == 0 && b.nc >= 32 && b.nc % 32 == 0);
}

/* ---- cache detection from made-up sources (nnb__cache_detect_from) ---------------------------------------- */

/* A fake sysconf: the six cache queries answer g_sc[0..5] (L1d size, ways, L2 size, ways, L3 size, ways),
 * the online-CPU count g_online; anything else -1. */
static long g_sc[6];
static long g_online;

static long fake_sysconf(int name)
{
    switch (name) {
    case _SC_LEVEL1_DCACHE_SIZE: return g_sc[0];
    case _SC_LEVEL1_DCACHE_ASSOC: return g_sc[1];
    case _SC_LEVEL2_CACHE_SIZE: return g_sc[2];
    case _SC_LEVEL2_CACHE_ASSOC: return g_sc[3];
    case _SC_LEVEL3_CACHE_SIZE: return g_sc[4];
    case _SC_LEVEL3_CACHE_ASSOC: return g_sc[5];
    case _SC_NPROCESSORS_ONLN: return g_online;
    default: return -1;
    }
}

/* A fake CPUID: highest basic and extended leaves, the TOPOEXT bit of 0x80000001, the cache subleaves of
 * leaf 4 / 0x8000001D (eax, ebx, ecx; a subleaf past g_n_sub fails when g_sub_fails, else reads type 0). */
static unsigned g_max_basic, g_max_ext, g_topoext, g_n_sub, g_sub_fails, g_ext1_missing;
static unsigned g_sub[8][3];
static unsigned g_cache_leaf_asked; /* which cache leaf the code read */

static int fake_cpuid(unsigned leaf, unsigned sub, unsigned r[4])
{
    memset(r, 0, 4 * sizeof r[0]);
    if (leaf >= 0x80000000u) {
        if (g_max_ext < 0x80000000u || leaf > g_max_ext || (leaf == 0x80000001u && g_ext1_missing)) {
            return 0;
        }
        if (leaf == 0x80000000u) {
            r[0] = g_max_ext;
        } else if (leaf == 0x80000001u) {
            r[2] = g_topoext ? 1u << 22 : 0u;
        }
    } else {
        if (leaf > g_max_basic) {
            return 0;
        }
        if (leaf == 0) {
            r[0] = g_max_basic;
        }
    }
    if (leaf == 4u || leaf == 0x8000001Du) {
        g_cache_leaf_asked = leaf;
        if (sub >= g_n_sub) {
            return g_sub_fails ? 0 : 1;
        }
        r[0] = g_sub[sub][0];
        r[1] = g_sub[sub][1];
        r[2] = g_sub[sub][2];
    }
    return 1;
}

/* One subleaf: type (1 data, 2 instruction, 3 unified), level, ways, 64-byte lines, sets, sharing CPUs. */
static void put_sub(unsigned i, unsigned type, unsigned level, unsigned ways, unsigned sets, unsigned sharing, int full)
{
    g_sub[i][0] = type | level << 5 | (full ? 1u << 9 : 0u) | (sharing - 1u) << 14;
    g_sub[i][1] = (ways - 1u) << 22 | 0u << 12 | 63u;
    g_sub[i][2] = sets - 1u;
}

/* An Intel-like CPU: L1d 48 KiB 12-way (64 sets), L1i, L2 1.25 MiB 10-way (2048 sets), L3 24 MiB 12-way
 * (32768 sets) shared by 16 CPUs. */
static void fake_intel(void)
{
    g_max_basic = 0x1f;
    g_max_ext = 0x80000008u;
    g_topoext = 0;
    g_ext1_missing = 0;
    g_n_sub = 4;
    g_sub_fails = 0;
    put_sub(0, 1, 1, 12, 64, 2, 0);
    put_sub(1, 2, 1, 8, 64, 2, 0);
    put_sub(2, 3, 2, 10, 2048, 2, 0);
    put_sub(3, 3, 3, 12, 32768, 16, 0);
    g_cache_leaf_asked = 0;
}

static void no_sysconf(void)
{
    memset(g_sc, 0, sizeof g_sc);
    g_online = 4;
}

static void no_cpuid(void)
{
    g_max_basic = 0;
    g_max_ext = 0;
    g_n_sub = 0;
    g_ext1_missing = 0;
    g_cache_leaf_asked = 0;
}

static void expect_info(const nnb__cache_info *ci, const char *source, size_t l1d, size_t l1w, size_t l2, size_t l2w,
                        size_t l3s, size_t l3w)
{
    assert_string_equal(ci->source, source);
    assert_int_equal(ci->l1d, l1d);
    assert_int_equal(ci->l1d_ways, l1w);
    assert_int_equal(ci->l2, l2);
    assert_int_equal(ci->l2_ways, l2w);
    assert_int_equal(ci->l3_share, l3s);
    assert_int_equal(ci->l3_ways, l3w);
}

static nnb__cache_info detect(const char *sysfs_root)
{
    nnb__cache_sources src = {fake_sysconf, fake_cpuid, sysfs_root};
    nnb__cache_info ci;
    memset(&ci, 0xA5, sizeof ci);
    nnb__cache_detect_from(&src, &ci);
    return ci;
}

/* sysconf answers: its sizes are taken; the L3 is divided by CPUID's sharing count (leaf 4's L3 entry), or,
 * without CPUID, by the online CPUs (at least 1). Non-positive answers count as unknown (0). */
static void test_detect_from_sysconf(void **state)
{
    (void)state;
    const long sc[6] = {48 * 1024, 12, 2048 * 1024, 16, 32 * 1024 * 1024, 16};
    memcpy(g_sc, sc, sizeof g_sc);
    g_online = 6;
    fake_intel();
    nnb__cache_info ci = detect("/nonexistent");
    expect_info(&ci, "sysconf", 48 * KIB, 12, 2 * MIB, 16, 2 * MIB, 16);

    no_cpuid();
    ci = detect("/nonexistent");
    expect_info(&ci, "sysconf", 48 * KIB, 12, 2 * MIB, 16, 32 * MIB / 6, 16);
    g_online = -1; /* sysconf failing: one CPU */
    ci = detect("/nonexistent");
    expect_info(&ci, "sysconf", 48 * KIB, 12, 2 * MIB, 16, 32 * MIB, 16);

    g_sc[1] = -1; /* unknown associativity, no L3 */
    g_sc[4] = 0;
    g_sc[5] = -1;
    ci = detect("/nonexistent");
    expect_info(&ci, "sysconf", 48 * KIB, 0, 2 * MIB, 16, 0, 0);
}

/* sysconf silent (or only half answering): CPUID's deterministic cache leaf, Intel's leaf 4. */
static void test_detect_from_cpuid_leaf_4(void **state)
{
    (void)state;
    no_sysconf();
    g_sc[0] = 32 * 1024; /* L1 without L2 is not enough */
    fake_intel();
    nnb__cache_info ci = detect("/nonexistent");
    /* 12 * 64 * 64 = 48 KiB; 10 * 2048 * 64 = 1.25 MiB; 12 * 32768 * 64 = 24 MiB over 16 CPUs. */
    expect_info(&ci, "cpuid", 48 * KIB, 12, 1280 * KIB, 10, 24 * MIB / 16, 12);
    assert_int_equal(g_cache_leaf_asked, 4);

    /* Fully associative L2 (EAX bit 9): its ways are unknown to the model; a level-4 entry is ignored; the
     * walk stops at a failing subleaf. */
    put_sub(2, 3, 2, 10, 2048, 2, 1);
    put_sub(3, 3, 4, 16, 65536, 16, 0);
    g_n_sub = 4;
    g_sub_fails = 1;
    ci = detect("/nonexistent");
    expect_info(&ci, "cpuid", 48 * KIB, 12, 1280 * KIB, 0, 0, 0);

    /* An AMD CPU without TOPOEXT still has leaf 4 here. */
    fake_intel();
    g_max_ext = 0x8000001Eu;
    ci = detect("/nonexistent");
    assert_string_equal(ci.source, "cpuid");
    assert_int_equal(g_cache_leaf_asked, 4);
}

/* AMD with the topology extensions: leaf 0x8000001D, whatever leaf 4 would say. */
static void test_detect_from_cpuid_amd_leaf(void **state)
{
    (void)state;
    no_sysconf();
    fake_intel();
    g_max_basic = 0x10;
    g_max_ext = 0x80000020u;
    g_topoext = 1;
    /* Zen 4: L1d 32 KiB 8-way, L2 1 MiB 8-way, L3 32 MiB 16-way shared by 16. */
    put_sub(0, 1, 1, 8, 64, 2, 0);
    put_sub(2, 3, 2, 8, 2048, 2, 0);
    put_sub(3, 3, 3, 16, 32768, 16, 0);
    nnb__cache_info ci = detect("/nonexistent");
    expect_info(&ci, "cpuid", 32 * KIB, 8, 1 * MIB, 8, 2 * MIB, 16);
    assert_int_equal(g_cache_leaf_asked, 0x8000001Du);

    /* The extended range ends below 0x8000001D: leaf 4. */
    g_max_ext = 0x8000001Cu;
    ci = detect("/nonexistent");
    assert_int_equal(g_cache_leaf_asked, 4);
    /* Neither leaf (basic range below 4, no extended range): nothing from CPUID, nothing from sysfs. */
    g_max_basic = 3;
    g_max_ext = 0x80000008u;
    g_cache_leaf_asked = 0;
    ci = detect("/nonexistent");
    expect_info(&ci, "none", 0, 0, 0, 0, 0, 0);
    assert_int_equal(g_cache_leaf_asked, 0);
    /* Leaf 0x80000001 missing though 0x80000000 claims more. */
    no_cpuid();
    g_max_ext = 0x8000001Du;
    g_ext1_missing = 1;
    g_topoext = 1;
    ci = detect("/nonexistent");
    expect_info(&ci, "none", 0, 0, 0, 0, 0, 0);
    assert_int_equal(g_cache_leaf_asked, 0); /* leaf 4 was the choice, and the basic range lacks it */
}

static char g_root[256];

static void put_file(const char *index, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_root, index);
    (void)mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/%s/%s", g_root, index, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
}

static void remove_tree(void)
{
    static const char *const names[] = {"type", "level", "size", "ways_of_associativity", "shared_cpu_list"};
    for (unsigned i = 0; i < 8; ++i) {
        char path[512];
        for (size_t k = 0; k < sizeof names / sizeof names[0]; ++k) {
            snprintf(path, sizeof path, "%s/index%u/%s", g_root, i, names[k]);
            (void)remove(path);
        }
        snprintf(path, sizeof path, "%s/index%u", g_root, i);
        (void)rmdir(path);
    }
    (void)rmdir(g_root);
}

/* Neither sysconf nor CPUID: the sysfs cache directory, with "K"/"M" suffixed and plain sizes, an
 * instruction cache skipped, and the L3's shared_cpu_list counted ("0-7,16-23" = 16). */
static void test_detect_from_sysfs(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(g_root, sizeof g_root, "%s/nnb-sysfs-XXXXXX", tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    assert_non_null(mkdtemp(g_root));
    put_file("index0", "type", "Data\n");
    put_file("index0", "level", "1\n");
    put_file("index0", "size", "48K\n");
    put_file("index0", "ways_of_associativity", "12\n");
    put_file("index1", "type", "Instruction\n");
    put_file("index1", "level", "1\n");
    put_file("index1", "size", "32K\n");
    put_file("index2", "type", "Unified\n");
    put_file("index2", "level", "2\n");
    put_file("index2", "size", "2097152\n");
    put_file("index2", "ways_of_associativity", "16\n");
    put_file("index3", "type", "Unified\n");
    put_file("index3", "level", "3\n");
    put_file("index3", "size", "32M\n");
    put_file("index3", "ways_of_associativity", "16\n");
    put_file("index3", "shared_cpu_list", "0-7,16-23\n");
    no_sysconf();
    no_cpuid();
    nnb__cache_info ci = detect(g_root);
    expect_info(&ci, "sysfs", 48 * KIB, 12, 2 * MIB, 16, 2 * MIB, 16);

    /* Sharing lists: a single CPU, a reversed range (counts nothing), trailing text. */
    put_file("index3", "shared_cpu_list", "5\n");
    ci = detect(g_root);
    assert_int_equal(ci.l3_share, 32 * MIB);
    put_file("index3", "shared_cpu_list", "0-3,9-8,x\n");
    ci = detect(g_root);
    assert_int_equal(ci.l3_share, 8 * MIB);
    /* An empty list: CPUID is asked (nothing), then the online CPUs (g_online = 4). */
    put_file("index3", "shared_cpu_list", "");
    ci = detect(g_root);
    assert_int_equal(ci.l3_share, 8 * MIB);
    /* A size that is not a number: the L2 is unknown, so the whole answer is "none". */
    put_file("index2", "size", "big\n");
    ci = detect(g_root);
    expect_info(&ci, "none", 0, 0, 0, 0, 0, 0);
    /* A root too long for the path buffer reads as absent. */
    char longroot[600];
    memset(longroot, 'a', sizeof longroot - 1);
    longroot[0] = '/';
    longroot[sizeof longroot - 1] = '\0';
    ci = detect(longroot);
    expect_info(&ci, "none", 0, 0, 0, 0, 0, 0);
    remove_tree();
    ci = detect(g_root);
    expect_info(&ci, "none", 0, 0, 0, 0, 0, 0);
}

static void test_override_parser(void **state)
{
    (void)state;
    nnb__gemm_blocks b = {0, 0, 0};
    assert_int_equal(nnb__gemm_blocks_parse("24,16,64", 12, 32, &b), 1);
    expect_blocks(b, 24, 16, 64);
    /* Rounded up to the tile and to 8. */
    assert_int_equal(nnb__gemm_blocks_parse("13,9,33", 12, 32, &b), 1);
    expect_blocks(b, 24, 16, 64);
    assert_int_equal(nnb__gemm_blocks_parse("13,9,33", 6, 16, &b), 1);
    expect_blocks(b, 18, 16, 48);
    assert_int_equal(nnb__gemm_blocks_parse("1,1,1", 4, 8, &b), 1);
    expect_blocks(b, 4, 8, 8);
    /* Clamped to the upper bounds. */
    assert_int_equal(nnb__gemm_blocks_parse("100000,100000,100000", 12, 32, &b), 1);
    expect_blocks(b, 2040, 1024, 8192);

    static const char *const bad[] = {"",      "1,2",    "1,2,3,", "1,2,3x", "a,b,c",   "0,8,8",       "8,0,8",
                                      "8,8,0", "-1,8,8", " 8,8,8", "8,,8",   "8,8,8,8", "2000000,8,8", "8;8;8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
        b = (nnb__gemm_blocks){1, 2, 3};
        assert_int_equal(nnb__gemm_blocks_parse(bad[i], 12, 32, &b), 0);
        expect_blocks(b, 1, 2, 3);
    }
    assert_int_equal(nnb__gemm_blocks_parse(NULL, 12, 32, &b), 0);
}

#ifdef NNB_TEST_BUILTIN_VARIANTS
/* Under NNB_GEMM_BLOCKS=13,9,33 every kernel runs the override rounded to its tile, and the packing memory
 * follows the blocks. Without the variable: the blocks are in range and a multiple of the tile. */
static void test_builtin_blocks_follow_the_override(void **state)
{
    (void)state;
    const char *env = getenv("NNB_GEMM_BLOCKS");
    int forced = env != NULL && strcmp(env, "13,9,33") == 0;
    size_t count;
    (void)nnb__gemm_builtin_variants(&count);
    assert_true(count >= 1);
    for (size_t v = 0; v < count; ++v) {
        nnb__gemm_blocks b;
        size_t mr, nr;
        assert_int_equal(nnb__gemm_builtin_blocks(v, &b, &mr, &nr), 1);
        if (forced) {
            expect_blocks(b, (13 + mr - 1) / mr * mr, 16, (33 + nr - 1) / nr * nr);
        } else {
            assert_true(b.mc >= mr && b.mc % mr == 0 && b.kc % 8 == 0 && b.nc >= nr && b.nc % nr == 0);
        }
    }
    nnb__gemm_blocks none;
    size_t mr, nr;
    assert_int_equal(nnb__gemm_builtin_blocks(count, &none, &mr, &nr), 0);
    if (forced) {
        /* 200^3 takes the packed path; one thread: the A block min(mc, 200) x 16 and the B block
         * min(nc, 200) x 16 floats, each rounded up to 16 floats. Blocks of the kernel in use (the last
         * variant). */
        nnb__gemm_blocks b;
        assert_int_equal(nnb__gemm_builtin_blocks(count - 1, &b, &mr, &nr), 1);
        assert_int_equal(nnb_set_num_threads(1), NNB_OK);
        size_t floats = (b.mc * 16 + 15) / 16 * 16 + (b.nc * 16 + 15) / 16 * 16;
        assert_int_equal(nnb__gemm_builtin_scratch_bytes(200, 200, 200), floats * sizeof(float));
        assert_int_equal(nnb_set_num_threads(0), NNB_OK);
    }
}

static uint64_t g_lcg = 12345;

static float next_value(void)
{
    g_lcg = g_lcg * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((double)(g_lcg >> 40) / (double)(1u << 24) * 2.0 - 1.0);
}

/* C = alpha op(A) op(B) + beta C for one body, against double sums, with the documented tolerance. */
static void check_product(const nnb__gemm_body *body, size_t M, size_t K, size_t N, nnb_transpose ta, nnb_transpose tb,
                          float alpha, float beta)
{
    size_t lda = ta == NNB_NO_TRANS ? K : M, ldb = tb == NNB_NO_TRANS ? N : K;
    float *A = malloc(M * K * sizeof *A), *B = malloc(K * N * sizeof *B), *C = malloc(M * N * sizeof *C);
    float *C0 = malloc(M * N * sizeof *C0);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C);
    assert_non_null(C0);
    for (size_t i = 0; i < M * K; ++i) {
        A[i] = next_value();
    }
    for (size_t i = 0; i < K * N; ++i) {
        B[i] = next_value();
    }
    for (size_t i = 0; i < M * N; ++i) {
        C0[i] = C[i] = next_value();
    }
    body->fn(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, N);
    for (size_t i = 0; i < M; ++i) {
        for (size_t j = 0; j < N; ++j) {
            double sum = 0.0, mag = 0.0;
            for (size_t k = 0; k < K; ++k) {
                double a = ta == NNB_NO_TRANS ? A[i * lda + k] : A[k * lda + i];
                double b = tb == NNB_NO_TRANS ? B[k * ldb + j] : B[j * ldb + k];
                sum += a * b;
                mag += fabs(a * b);
            }
            double want = (double)alpha * sum + (double)beta * C0[i * N + j];
            double tol = 1e-5 * fabs((double)alpha) * mag + 1e-6 * fabs((double)beta * C0[i * N + j]) + 1e-30;
            if (!(fabs((double)C[i * N + j] - want) <= tol)) {
                fail_msg("%s %zux%zux%zu ta %d tb %d: C[%zu][%zu] = %.9g, want %.9g", body->name, M, K, N, (int)ta,
                         (int)tb, i, j, (double)C[i * N + j], want);
            }
        }
    }
    free(A);
    free(B);
    free(C);
    free(C0);
}

/*
 * Shapes one below, at and one above multiples of the blocks of NNB_GEMM_BLOCKS=13,9,33 (mc 24/18/16,
 * kc 16, nc 64/48/40 for the AVX-512/AVX2/portable kernels) and large enough for the packed path, with every
 * transpose, beta 0 and not, on 1 and 2 threads. Without the override these are ordinary mid-size products.
 */
static void test_builtin_products_straddling_block_edges(void **state)
{
    (void)state;
    static const size_t shapes[][3] = {{119, 95, 127}, {120, 96, 128}, {121, 97, 129}, {145, 33, 193}};
    size_t count;
    const nnb__gemm_body *variants = nnb__gemm_builtin_variants(&count);
    for (size_t threads = 1; threads <= 2; ++threads) {
        assert_int_equal(nnb_set_num_threads(threads), NNB_OK);
        for (size_t v = 0; v < count; ++v) {
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
                for (int t = 0; t < 4; ++t) {
                    nnb_transpose ta = (t & 1) ? NNB_TRANS : NNB_NO_TRANS, tb = (t & 2) ? NNB_TRANS : NNB_NO_TRANS;
                    check_product(&variants[v], shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, 1.0f,
                                  t == 0 ? 0.0f : 0.5f);
                }
            }
        }
    }
    assert_int_equal(nnb_set_num_threads(0), NNB_OK);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_avx2_on_8_way_l1),
        cmocka_unit_test(test_model_on_12_way_l1),
        cmocka_unit_test(test_model_clamps_and_fills_in_unknowns),
        cmocka_unit_test(test_cache_detection_gives_a_usable_answer),
        cmocka_unit_test(test_detect_from_sysconf),
        cmocka_unit_test(test_detect_from_cpuid_leaf_4),
        cmocka_unit_test(test_detect_from_cpuid_amd_leaf),
        cmocka_unit_test(test_detect_from_sysfs),
        cmocka_unit_test(test_override_parser),
#ifdef NNB_TEST_BUILTIN_VARIANTS
        cmocka_unit_test(test_builtin_blocks_follow_the_override),
        cmocka_unit_test(test_builtin_products_straddling_block_edges),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
