/* SPDX-License-Identifier: MIT */
/* Cache sizes at run time and the GEMM cache blocks derived from them (compute/gemm_blocks.h). */
#include "compute/gemm_blocks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#    include <cpuid.h>
#    define NNB__HAVE_CPUID 1
#endif

#define FLOAT_BYTES 4u

/* ---- detection -------------------------------------------------------------------------------------------- */

static int real_cpuid(unsigned leaf, unsigned sub, unsigned regs[4])
{
#if defined(NNB__HAVE_CPUID)
    return __get_cpuid_count(leaf, sub, &regs[0], &regs[1], &regs[2], &regs[3]);
#else
    (void)leaf;
    (void)sub;
    (void)regs;
    return 0;
#endif
}

static const nnb__cache_sources real_sources = {sysconf, real_cpuid, "/sys/devices/system/cpu/cpu0/cache"};

static size_t online_cpus(const nnb__cache_sources *src)
{
    long n = src->sysconf_fn(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1u;
}

/* glibc answers these (from CPUID on x86); other C libraries may not define them. */
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL3_CACHE_ASSOC)
static size_t positive(long v)
{
    return v > 0 ? (size_t)v : 0u;
}
#endif

static void from_sysconf(const nnb__cache_sources *src, nnb__cache_info *ci, size_t *l3_total)
{
#if defined(_SC_LEVEL1_DCACHE_SIZE) && defined(_SC_LEVEL3_CACHE_ASSOC)
    ci->l1d = positive(src->sysconf_fn(_SC_LEVEL1_DCACHE_SIZE));
    ci->l1d_ways = positive(src->sysconf_fn(_SC_LEVEL1_DCACHE_ASSOC));
    ci->l2 = positive(src->sysconf_fn(_SC_LEVEL2_CACHE_SIZE));
    ci->l2_ways = positive(src->sysconf_fn(_SC_LEVEL2_CACHE_ASSOC));
    *l3_total = positive(src->sysconf_fn(_SC_LEVEL3_CACHE_SIZE));
    ci->l3_ways = positive(src->sysconf_fn(_SC_LEVEL3_CACHE_ASSOC));
#else
    (void)src;
    (void)ci;
    (void)l3_total;
#endif
}

/* Deterministic cache parameters: leaf 4 (Intel) or 0x8000001D (AMD, with the topology extensions); the
 * L3 entry also says how many logical processors share it (*l3_sharing, 0 if no L3 entry). */
static void from_cpuid(const nnb__cache_sources *src, nnb__cache_info *ci, size_t *l3_total, size_t *l3_sharing)
{
    *l3_sharing = 0;
    unsigned r[4];
    unsigned leaf = 4u;
    if (src->cpuid_fn(0x80000000u, 0, r) && r[0] >= 0x8000001Du) {
        /* AMD: ECX bit 22 of leaf 0x80000001 is TOPOEXT. */
        unsigned r1[4];
        if (src->cpuid_fn(0x80000001u, 0, r1) && (r1[2] & (1u << 22)) != 0u) {
            leaf = 0x8000001Du;
        }
    }
    if (leaf == 4u && (!src->cpuid_fn(0, 0, r) || r[0] < 4u)) {
        return;
    }
    for (unsigned sub = 0; sub < 16u; ++sub) {
        if (!src->cpuid_fn(leaf, sub, r)) {
            return;
        }
        unsigned a = r[0], b = r[1], c = r[2];
        unsigned type = a & 31u, level = (a >> 5) & 7u;
        if (type == 0u) {
            return;
        }
        if (type == 2u) {
            continue; /* instruction cache */
        }
        size_t ways = (size_t)(b >> 22) + 1u, parts = (size_t)((b >> 12) & 0x3FFu) + 1u;
        size_t line = (size_t)(b & 0xFFFu) + 1u, sets = (size_t)c + 1u;
        size_t size = ways * parts * line * sets;
        if ((a & (1u << 9)) != 0u) {
            ways = 0; /* fully associative: no set conflicts to model */
        }
        if (level == 1u) {
            ci->l1d = size;
            ci->l1d_ways = ways;
        } else if (level == 2u) {
            ci->l2 = size;
            ci->l2_ways = ways;
        } else if (level == 3u) {
            *l3_total = size;
            ci->l3_ways = ways;
            *l3_sharing = (size_t)((a >> 14) & 0xFFFu) + 1u;
        }
    }
}

/* The first line of a sysfs file, or "" when it cannot be read. */
static void read_line(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return;
    }
    if (fgets(buf, (int)cap, f) == NULL) {
        buf[0] = '\0';
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* "48K", "1024K", "32M" or a plain number of bytes. */
static size_t parse_size(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) {
        return 0;
    }
    if (*end == 'K') {
        v <<= 10;
    } else if (*end == 'M') {
        v <<= 20;
    }
    return (size_t)v;
}

/* Counts the CPUs of a list such as "0-3,8-11". */
static size_t count_cpu_list(const char *s)
{
    size_t n = 0;
    while (*s != '\0') {
        char *end;
        unsigned long lo = strtoul(s, &end, 10), hi = lo;
        if (end == s) {
            break;
        }
        s = end;
        if (*s == '-') {
            hi = strtoul(s + 1, &end, 10);
            s = end;
        }
        n += hi >= lo ? (size_t)(hi - lo) + 1u : 0u;
        if (*s == ',') {
            ++s;
        }
    }
    return n;
}

/* <root>/index<i>/<name>: the first line, or "" (also when the path does not fit). */
static void read_index(const nnb__cache_sources *src, unsigned i, const char *name, char *buf, size_t cap)
{
    char path[512];
    int n = snprintf(path, sizeof path, "%s/index%u/%s", src->sysfs_root, i, name);
    if (n < 0 || (size_t)n >= sizeof path) {
        buf[0] = '\0';
        return;
    }
    read_line(path, buf, cap);
}

static void from_sysfs(const nnb__cache_sources *src, nnb__cache_info *ci, size_t *l3_total, size_t *l3_sharing)
{
    *l3_sharing = 0;
    for (unsigned i = 0; i < 8u; ++i) {
        char buf[256];
        read_index(src, i, "type", buf, sizeof buf);
        if (buf[0] == '\0') {
            return;
        }
        if (strcmp(buf, "Instruction") == 0) {
            continue;
        }
        read_index(src, i, "level", buf, sizeof buf);
        unsigned long level = strtoul(buf, NULL, 10);
        read_index(src, i, "size", buf, sizeof buf);
        size_t size = parse_size(buf);
        read_index(src, i, "ways_of_associativity", buf, sizeof buf);
        size_t ways = (size_t)strtoul(buf, NULL, 10);
        if (level == 1u) {
            ci->l1d = size;
            ci->l1d_ways = ways;
        } else if (level == 2u) {
            ci->l2 = size;
            ci->l2_ways = ways;
        } else if (level == 3u) {
            *l3_total = size;
            ci->l3_ways = ways;
            read_index(src, i, "shared_cpu_list", buf, sizeof buf);
            *l3_sharing = count_cpu_list(buf);
        }
    }
}

void nnb__cache_detect_from(const nnb__cache_sources *src, nnb__cache_info *out)
{
    nnb__cache_info ci;
    size_t l3_total = 0, sharing = 0;
    memset(&ci, 0, sizeof ci);
    ci.source = "sysconf";
    from_sysconf(src, &ci, &l3_total);
    if (ci.l1d == 0 || ci.l2 == 0) {
        memset(&ci, 0, sizeof ci);
        l3_total = 0;
        ci.source = "cpuid";
        from_cpuid(src, &ci, &l3_total, &sharing);
    }
    if (ci.l1d == 0 || ci.l2 == 0) {
        memset(&ci, 0, sizeof ci);
        l3_total = 0;
        ci.source = "sysfs";
        from_sysfs(src, &ci, &l3_total, &sharing);
    }
    if (ci.l1d == 0 || ci.l2 == 0) {
        memset(&ci, 0, sizeof ci);
        l3_total = 0;
        ci.source = "none";
    }
    if (l3_total != 0 && sharing == 0) {
        /* sysconf does not say how many cores share the L3: ask CPUID, else count every online CPU (the
         * smaller share). */
        nnb__cache_info probe;
        size_t probe_l3 = 0;
        memset(&probe, 0, sizeof probe);
        from_cpuid(src, &probe, &probe_l3, &sharing);
        if (sharing == 0) {
            sharing = online_cpus(src);
        }
    }
    ci.l3_share = l3_total != 0 ? l3_total / (sharing != 0 ? sharing : 1u) : 0u;
    *out = ci;
}

void nnb__cache_detect(nnb__cache_info *out)
{
    nnb__cache_detect_from(&real_sources, out);
}

/* ---- the model -------------------------------------------------------------------------------------------- */

static size_t ceil_div(size_t a, size_t b)
{
    return (a + b - 1u) / b;
}

static size_t clamp(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static size_t round_down(size_t v, size_t to)
{
    return v / to * to;
}

static size_t round_up(size_t v, size_t to)
{
    return ceil_div(v, to) * to;
}

int nnb__gemm_blocks_model(const nnb__cache_info *ci, size_t mr, size_t nr, nnb__gemm_blocks *out)
{
    if (ci->l1d == 0 || ci->l2 == 0 || mr == 0 || nr == 0) {
        return 0;
    }
    /* kc: the B micro-panel and the A micro-panel in at most ways - 1 ways of L1. */
    size_t w1 = ci->l1d_ways != 0 ? ci->l1d_ways : 8u;
    size_t way1 = ci->l1d / w1;
    size_t kc = NNB__GEMM_KC_MIN;
    for (size_t k = NNB__GEMM_KC_MAX; k >= NNB__GEMM_KC_MIN; k -= 8u) {
        if (way1 != 0 && ceil_div(k * mr * FLOAT_BYTES, way1) + ceil_div(k * nr * FLOAT_BYTES, way1) + 1u <= w1) {
            kc = k;
            break;
        }
    }

    /* mc: the A block in L2 beside one B micro-panel and one way. */
    size_t w2 = ci->l2_ways != 0 ? ci->l2_ways : 8u;
    size_t way2 = ci->l2 / w2;
    size_t b_ways = way2 != 0 ? ceil_div(kc * nr * FLOAT_BYTES, way2) : w2;
    /* Half of those ways: measured on Zen 5, an A block filling them all (768 x 256 in a 1 MiB L2) ran 5-7 %
     * slower than 192 x 256 from 1024^3 up; half of them (384) ran level with it. */
    size_t mc = b_ways + 1u < w2 ? (w2 - 1u - b_ways) * way2 / 2u / (kc * FLOAT_BYTES) : 0u;
    mc = round_down(clamp(mc, mr, NNB__GEMM_MC_MAX), mr);

    /* nc: the B block in this core's share of L3 beside the A block and one way. */
    size_t nc_max = round_down(NNB__GEMM_NC_MAX, nr);
    size_t nc = nc_max;
    if (ci->l3_share != 0) {
        size_t share = ci->l3_share < NNB__L3_SHARE_MAX ? ci->l3_share : NNB__L3_SHARE_MAX;
        size_t w3 = ci->l3_ways != 0 ? ci->l3_ways : 16u;
        size_t way3 = share / w3;
        /* An L3 share below twice the L2 is a victim cache (Skylake-SP and later Xeons): it holds no copy of
         * the A block, which lives in L2. */
        size_t a_ways = share < 2u * ci->l2 ? 0u : way3 != 0 ? ceil_div(mc * kc * FLOAT_BYTES, way3) : w3;
        nc = a_ways + 1u < w3 ? (w3 - 1u - a_ways) * way3 / (kc * FLOAT_BYTES) : 0u;
        size_t nc_min = round_up(NNB__GEMM_NC_MIN > nr ? NNB__GEMM_NC_MIN : nr, nr);
        nc = round_down(clamp(nc, nc_min, nc_max), nr);
    }
    out->mc = mc;
    out->kc = kc;
    out->nc = nc;
    return 1;
}

/* ---- the override ----------------------------------------------------------------------------------------- */

int nnb__gemm_blocks_parse(const char *text, size_t mr, size_t nr, nnb__gemm_blocks *out)
{
    if (text == NULL || mr == 0 || nr == 0) {
        return 0;
    }
    size_t v[3];
    const char *s = text;
    for (int i = 0; i < 3; ++i) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        char *end;
        unsigned long long x = strtoull(s, &end, 10);
        if (x == 0 || x > 1000000u) {
            return 0;
        }
        v[i] = (size_t)x;
        s = end;
        if (*s != (i < 2 ? ',' : '\0')) {
            return 0;
        }
        ++s;
    }
    out->mc = clamp(round_up(v[0], mr), mr, round_down(NNB__GEMM_MC_MAX, mr));
    out->kc = clamp(round_up(v[1], 8u), 8u, NNB__GEMM_KC_MAX);
    out->nc = clamp(round_up(v[2], nr), nr, round_down(NNB__GEMM_NC_MAX, nr));
    return 1;
}
