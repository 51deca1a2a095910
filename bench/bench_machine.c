/* SPDX-License-Identifier: MIT */
/*
 * bench_machine.c - what nnb-bench says about the machine: the CPU (/proc/cpuinfo, else CPUID), its vector
 * extensions, and its single-core FP32 FMA peak measured with a register-only loop.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#    define BENCH_X86 1
#    include <cpuid.h>
#    include <immintrin.h>
#endif

/* Copies the value of a "key<tabs>: value" line of /proc/cpuinfo when the key is `key`; returns 1 then. */
static int cpuinfo_value(const char *line, const char *key, char *out, size_t cap)
{
    size_t n = strlen(key);
    if (strncmp(line, key, n) != 0) {
        return 0;
    }
    const char *p = line + n;
    while (*p == ' ' || *p == '\t') {
        ++p;
    }
    if (*p != ':') {
        return 0; /* a longer key with the same start ("model" vs "model name") */
    }
    ++p;
    while (*p == ' ') {
        ++p;
    }
    snprintf(out, cap, "%s", p);
    out[strcspn(out, "\n")] = '\0';
    return 1;
}

/* Copies src into dst, cut to cap - 1 characters. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int parse_int(const char *s)
{
    int v = -1;
    if (sscanf(s, "%d", &v) != 1) {
        v = -1;
    }
    return v;
}

void bench_cpu_describe(bench_cpu *cpu)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->family = cpu->model_number = cpu->stepping = -1;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f != NULL) {
        char line[4096], value[256];
        while (fgets(line, sizeof line, f) != NULL) {
            if (line[0] == '\n') {
                break; /* the first processor's block is enough */
            }
            if (cpuinfo_value(line, "model name", value, sizeof value)) {
                copy_text(cpu->model, sizeof cpu->model, value);
            } else if (cpuinfo_value(line, "vendor_id", value, sizeof value)) {
                copy_text(cpu->vendor, sizeof cpu->vendor, value);
            } else if (cpuinfo_value(line, "cpu family", value, sizeof value)) {
                cpu->family = parse_int(value);
            } else if (cpuinfo_value(line, "model", value, sizeof value)) {
                cpu->model_number = parse_int(value);
            } else if (cpuinfo_value(line, "stepping", value, sizeof value)) {
                cpu->stepping = parse_int(value);
            }
        }
        fclose(f);
    }
#ifdef BENCH_X86
    unsigned a, b, c, d;
    if (cpu->model[0] == '\0' && __get_cpuid(0x80000000u, &a, &b, &c, &d) && a >= 0x80000004u) {
        unsigned brand[12];
        for (unsigned i = 0; i < 3; ++i) {
            __get_cpuid(0x80000002u + i, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2], &brand[4 * i + 3]);
        }
        char text[49];
        memcpy(text, brand, 48);
        text[48] = '\0';
        const char *p = text;
        while (*p == ' ') {
            ++p;
        }
        snprintf(cpu->model, sizeof cpu->model, "%s", p);
    }
    if (cpu->vendor[0] == '\0' && __get_cpuid(0, &a, &b, &c, &d)) {
        unsigned v[3] = {b, d, c};
        memcpy(cpu->vendor, v, 12);
        cpu->vendor[12] = '\0';
    }
    /* __builtin_cpu_supports also checks that the OS saves the vector registers. */
    __builtin_cpu_init();
    cpu->avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    cpu->avx512 = cpu->avx2_fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
    if (cpu->model[0] == '\0') {
        snprintf(cpu->model, sizeof cpu->model, "unknown CPU");
    }
    cpu->online_cpus = sysconf(_SC_NPROCESSORS_ONLN);
}

/* ---- FMA peak ------------------------------------------------------------------------------------------ */

#ifdef BENCH_X86
static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Each loop runs `chains` independent dependency chains x = x * m + c (no loads or stores inside the loop),
 * enough of them to cover the FMA latency (4-5 cycles) times the number of FMA pipes (2) on current cores:
 * 12 for 256-bit vectors (leaving 4 of the 16 registers free), 24 for 512-bit vectors (32 registers).
 * m and c keep every x near 1, so no denormals or overflow slow the loop down; they are read from volatile
 * variables so that the compiler cannot work the result out in advance. Returns a value that depends on every
 * chain, so that none can be dropped.
 */
static volatile float g_fma_start = 1.0f, g_fma_m = 0.9999999f, g_fma_c = 1e-7f, g_fma_sink;

#    define CHAINS_256 12
#    define CHAINS_512 24
/* Each chain is a named variable (an array would live in memory): X(i) for every chain i. */
#    define FOR_12_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#    define FOR_24_CHAINS(X) FOR_12_CHAINS(X) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)

#    define DECLARE_256(i) __m256 x##i = _mm256_set1_ps(g_fma_start + 0.01f * (float)(i));
#    define STEP_256(i) x##i = _mm256_fmadd_ps(x##i, m, c);
#    define SUM_256(i) s = _mm256_add_ps(s, x##i);
#    define DECLARE_512(i) __m512 x##i = _mm512_set1_ps(g_fma_start + 0.01f * (float)(i));
#    define STEP_512(i) x##i = _mm512_fmadd_ps(x##i, m, c);
#    define SUM_512(i) s = _mm512_add_ps(s, x##i);

__attribute__((target("avx2,fma"))) static float fma_loop_256(size_t iters)
{
    const __m256 m = _mm256_set1_ps(g_fma_m), c = _mm256_set1_ps(g_fma_c);
    FOR_12_CHAINS(DECLARE_256)
    for (size_t i = 0; i < iters; ++i) {
        FOR_12_CHAINS(STEP_256)
    }
    __m256 s = _mm256_setzero_ps();
    FOR_12_CHAINS(SUM_256)
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0] + lanes[7];
}

__attribute__((target("avx512f"))) static float fma_loop_512(size_t iters)
{
    const __m512 m = _mm512_set1_ps(g_fma_m), c = _mm512_set1_ps(g_fma_c);
    FOR_24_CHAINS(DECLARE_512)
    for (size_t i = 0; i < iters; ++i) {
        FOR_24_CHAINS(STEP_512)
    }
    __m512 s = _mm512_setzero_ps();
    FOR_24_CHAINS(SUM_512)
    return _mm512_reduce_add_ps(s);
}
#endif

double bench_fma_peak_gflops(int vector_bits, double budget)
{
#ifdef BENCH_X86
    __builtin_cpu_init();
    float (*loop)(size_t) = NULL;
    double flop_per_iter = 0.0;
    if (vector_bits == 256 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        loop = fma_loop_256;
        flop_per_iter = 2.0 * 8.0 * CHAINS_256;
    } else if (vector_bits == 512 && __builtin_cpu_supports("avx512f")) {
        loop = fma_loop_512;
        flop_per_iter = 2.0 * 16.0 * CHAINS_512;
    }
    if (loop == NULL) {
        return 0.0;
    }
    /*
     * Runs of about 2 ms, short enough that on a shared machine many of them run without being descheduled;
     * growing the trip count to that length also wakes the vector units up. The fastest run counts, by the
     * wall clock whatever now_seconds() reads: its errors only ever lengthen a run, so the fastest run is not
     * biased upwards (CPU-time accounting, on a virtual machine, can err both ways).
     */
    size_t iters = 1u << 10;
    double start = wall_seconds(), best = 0.0;
    for (;;) {
        double t0 = wall_seconds();
        g_fma_sink = loop(iters);
        double t = wall_seconds() - t0;
        double gflops = flop_per_iter * (double)iters / (t > 1e-9 ? t : 1e-9) * 1e-9;
        best = gflops > best ? gflops : best;
        if (t < 2e-3 && iters < ((size_t)1 << 40)) {
            iters *= 2;
        } else if (t0 + t - start >= budget) {
            break;
        }
    }
    return best;
#else
    (void)vector_bits;
    (void)budget;
    return 0.0;
#endif
}
