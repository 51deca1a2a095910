/*
 * nnb-bench: timings for libnnbasics.
 *
 *   nnb-bench [--quick] [--csv] [--gemm-only] [--variants]
 *
 * Sections (g_sections below) run in order; each reports rows through report_row(), which prints CSV
 * (`workload,variant,shape,threads,median_us,gflops`, one header line) with --csv, or a human table otherwise.
 *
 *   gemm - every GEMM body built into the library (nnb__gemm_bodies(); with --variants also each per-ISA
 *          kernel of the builtin body) and, when found at configure time, OpenBLAS's cblas_sgemm, on square
 *          and neural-net shaped problems (M x K x N, C = A * B), for 1 and 2 threads. Median GFLOP/s over
 *          repeated timings, and the ratio to OpenBLAS at the same thread count.
 *   e2e  - end-to-end workloads (training steps, inference); a hook to be filled in.
 *
 * This program links the library's object library to reach the internal body list (see CMakeLists.txt).
 */
#define _POSIX_C_SOURCE 199309L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal/gemm.h"
#include "nnbasics/nnbasics.h"
#ifdef NNB_BENCH_BUILTIN_VARIANTS
#include "internal/gemm_builtin.h"
#endif
#ifdef NNB_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

/* ---- options, timing and reporting (shared by all sections) ------------------------------------------ */

typedef struct bench_options {
    int quick;     /* fewer sizes, shorter timings */
    int csv;       /* machine-readable rows instead of tables */
    int gemm_only; /* skip every section but "gemm" */
    int variants;  /* also time the builtin body's per-ISA kernels */
} bench_options;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A workload to time: run(ctx) does one repetition. */
typedef void (*bench_run_fn)(void *ctx);

/*
 * Median seconds per repetition of run(ctx). Repetitions are grouped into samples of >= ~2 ms (one
 * repetition per sample when it is slower), and samples are taken until about `budget` seconds have been
 * spent (at least 3 samples; a single one when one repetition alone exceeds the budget several times).
 */
static double time_median(bench_run_fn run, void *ctx, double budget)
{
    double t0 = now_seconds();
    run(ctx); /* warm-up: page faults, thread start-up, cache */
    double once = now_seconds() - t0;
    if (once > 4.0 * budget) {
        return once;
    }
    size_t per_sample = once >= 2e-3 ? 1u : (size_t)(2e-3 / (once > 1e-7 ? once : 1e-7)) + 1u;
    double sample_time = once * (double)per_sample;
    size_t samples = (size_t)(budget / (sample_time > 1e-9 ? sample_time : 1e-9));
    samples = samples < 3u ? 3u : samples > 101u ? 101u : samples;
    double times[101];
    for (size_t s = 0; s < samples; ++s) {
        double start = now_seconds();
        for (size_t r = 0; r < per_sample; ++r) {
            run(ctx);
        }
        times[s] = (now_seconds() - start) / (double)per_sample;
    }
    qsort(times, samples, sizeof times[0], compare_double);
    return samples % 2 ? times[samples / 2] : 0.5 * (times[samples / 2 - 1] + times[samples / 2]);
}

static void report_csv_header(const bench_options *o)
{
    if (o->csv) {
        printf("workload,variant,shape,threads,median_us,gflops\n");
    }
}

/* One measurement. In CSV mode it is printed at once; table sections print their own layout. */
static void report_row(const bench_options *o, const char *workload, const char *variant, const char *shape,
                       size_t threads, double median_s, double gflops)
{
    if (o->csv) {
        printf("%s,%s,%s,%zu,%.3f,%.3f\n", workload, variant, shape, threads, median_s * 1e6, gflops);
        fflush(stdout);
    }
}

/* ---- section: gemm ------------------------------------------------------------------------------------ */

typedef struct gemm_case {
    size_t M, K, N;
} gemm_case;

typedef struct gemm_ctx {
    nnb__gemm_fn fn; /* NULL: OpenBLAS */
    size_t M, K, N;
    const float *A, *B;
    float *C;
} gemm_ctx;

static void run_gemm(void *p)
{
    const gemm_ctx *g = p;
#ifdef NNB_BENCH_HAVE_OPENBLAS
    if (g->fn == NULL) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g->M, (int)g->N, (int)g->K, 1.0f, g->A,
                    (int)g->K, g->B, (int)g->N, 0.0f, g->C, (int)g->N);
        return;
    }
#endif
    g->fn(NNB_NO_TRANS, NNB_NO_TRANS, g->M, g->N, g->K, 1.0f, g->A, g->K, g->B, g->N, 0.0f, g->C, g->N);
}

typedef struct gemm_variant {
    const char *name;
    nnb__gemm_fn fn; /* NULL: OpenBLAS */
    int is_naive;
} gemm_variant;

#define MAX_VARIANTS 16

static size_t gemm_variants(const bench_options *o, gemm_variant *out)
{
    size_t count = 0, n;
    const nnb__gemm_body *bodies = nnb__gemm_bodies(&n);
    for (size_t i = 0; i < n && count < MAX_VARIANTS; ++i) {
        out[count++] = (gemm_variant){bodies[i].name, bodies[i].fn, strcmp(bodies[i].name, "naive") == 0};
    }
#ifdef NNB_BENCH_BUILTIN_VARIANTS
    if (o->variants) {
        bodies = nnb__gemm_builtin_variants(&n);
        for (size_t i = 0; i < n && count < MAX_VARIANTS; ++i) {
            out[count++] = (gemm_variant){bodies[i].name, bodies[i].fn, 0};
        }
    }
#else
    (void)o;
#endif
#ifdef NNB_BENCH_HAVE_OPENBLAS
    if (count < MAX_VARIANTS) {
        out[count++] = (gemm_variant){"openblas", NULL, 0};
    }
#endif
    return count;
}

static float *random_floats(size_t count, unsigned seed)
{
    float *x = malloc(count * sizeof(float));
    if (x != NULL) {
        unsigned s = seed;
        for (size_t i = 0; i < count; ++i) {
            s = s * 1664525u + 1013904223u;
            x[i] = (float)(s >> 8) / 16777216.0f * 2.0f - 1.0f;
        }
    }
    return x;
}

static void set_threads(size_t threads)
{
    nnb_set_num_threads(threads);
#ifdef NNB_BENCH_HAVE_OPENBLAS
    openblas_set_num_threads((int)threads);
#endif
}

static int bench_gemm(const bench_options *o)
{
    static const gemm_case full[] = {{64, 64, 64},     {128, 128, 128},   {256, 256, 256}, {512, 512, 512},
                                     {1024, 1024, 1024}, {2048, 2048, 2048}, {300, 2, 64},    {300, 64, 3},
                                     {1024, 128, 10},  {1024, 784, 128}};
    static const gemm_case quick[] = {{64, 64, 64},   {256, 256, 256}, {512, 512, 512},
                                      {300, 2, 64},   {300, 64, 3},    {1024, 128, 10},
                                      {1024, 784, 128}};
    const gemm_case *cases = o->quick ? quick : full;
    size_t ncases = o->quick ? sizeof quick / sizeof quick[0] : sizeof full / sizeof full[0];
    const double budget = o->quick ? 0.05 : 0.2;
    /* The naive body would take minutes on the largest squares. */
    const double naive_max_flop = o->quick ? 3e8 : 2.5e9;

    gemm_variant var[MAX_VARIANTS];
    size_t nvar = gemm_variants(o, var);
    size_t ref = nvar; /* index of OpenBLAS, if present */
    for (size_t v = 0; v < nvar; ++v) {
        if (var[v].fn == NULL) {
            ref = v;
        }
    }

    if (!o->csv) {
        printf("GEMM  C = A * B (M x K x N, row-major, no transpose), median GFLOP/s");
        printf(ref < nvar ? "; (x) = ratio to openblas at the same thread count\n" : "\n");
        printf("%-16s %3s", "MxKxN", "thr");
        for (size_t v = 0; v < nvar; ++v) {
            printf(" %20s", var[v].name);
        }
        printf("\n");
    }

    for (size_t c = 0; c < ncases; ++c) {
        const gemm_case *gc = &cases[c];
        float *A = random_floats(gc->M * gc->K, 1u);
        float *B = random_floats(gc->K * gc->N, 2u);
        float *C = random_floats(gc->M * gc->N, 3u);
        if (A == NULL || B == NULL || C == NULL) {
            fprintf(stderr, "nnb-bench: out of memory at %zux%zux%zu\n", gc->M, gc->K, gc->N);
            free(A);
            free(B);
            free(C);
            return 1;
        }
        char shape[64];
        snprintf(shape, sizeof shape, "%zux%zux%zu", gc->M, gc->K, gc->N);
        double flop = 2.0 * (double)gc->M * (double)gc->K * (double)gc->N;
        for (size_t threads = 1; threads <= 2; ++threads) {
            set_threads(threads);
            double gflops[MAX_VARIANTS];
            for (size_t v = 0; v < nvar; ++v) {
                gflops[v] = NAN;
                if (var[v].is_naive && flop > naive_max_flop) {
                    continue;
                }
                gemm_ctx ctx = {var[v].fn, gc->M, gc->K, gc->N, A, B, C};
                double t = time_median(run_gemm, &ctx, budget);
                gflops[v] = flop / t * 1e-9;
                report_row(o, "gemm", var[v].name, shape, threads, t, gflops[v]);
            }
            if (!o->csv) {
                printf("%-16s %3zu", shape, threads);
                for (size_t v = 0; v < nvar; ++v) {
                    char cell[40];
                    if (isnan(gflops[v])) {
                        snprintf(cell, sizeof cell, "-");
                    } else if (ref < nvar && v != ref && !isnan(gflops[ref])) {
                        snprintf(cell, sizeof cell, "%.1f (x%.2f)", gflops[v], gflops[v] / gflops[ref]);
                    } else {
                        snprintf(cell, sizeof cell, "%.1f", gflops[v]);
                    }
                    printf(" %20s", cell);
                }
                printf("\n");
                fflush(stdout);
            }
        }
        free(A);
        free(B);
        free(C);
    }
    set_threads(0);
    if (!o->csv) {
        printf("\n");
    }
    return 0;
}

/* ---- section: e2e ------------------------------------------------------------------------------------- */

/*
 * End-to-end workloads (e.g. a training epoch of the spiral classifier, batched inference). Each one should
 * time itself with time_median(), report through report_row(o, "e2e", <variant>, <shape>, threads, ...), and
 * print its own table when !o->csv. Returns 0 on success.
 */
static int bench_e2e(const bench_options *o)
{
    (void)o;
    return 0;
}

/* ---- driver ------------------------------------------------------------------------------------------- */

typedef struct bench_section {
    const char *name;
    int (*run)(const bench_options *o);
} bench_section;

/* Add a section by appending it here; --gemm-only keeps only "gemm". */
static const bench_section g_sections[] = {
    {"gemm", bench_gemm},
    {"e2e", bench_e2e},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: nnb-bench [--quick] [--csv] [--gemm-only] [--variants]\n"
                 "  --quick      fewer sizes and shorter timings\n"
                 "  --csv        rows workload,variant,shape,threads,median_us,gflops\n"
                 "  --gemm-only  run only the GEMM section\n"
                 "  --variants   also time each per-ISA kernel of the builtin GEMM body\n");
}

int main(int argc, char **argv)
{
    bench_options o = {0, 0, 0, 0};
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--quick") == 0) {
            o.quick = 1;
        } else if (strcmp(argv[i], "--csv") == 0) {
            o.csv = 1;
        } else if (strcmp(argv[i], "--gemm-only") == 0) {
            o.gemm_only = 1;
        } else if (strcmp(argv[i], "--variants") == 0) {
            o.variants = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!o.csv) {
        printf("nnb-bench: libnnbasics %s, GEMM backend %s\n\n", nnb_version_string(), nnb_backend_name());
    }
    report_csv_header(&o);
    int status = 0;
    for (size_t s = 0; s < sizeof g_sections / sizeof g_sections[0]; ++s) {
        if (o.gemm_only && strcmp(g_sections[s].name, "gemm") != 0) {
            continue;
        }
        if (g_sections[s].run(&o) != 0) {
            fprintf(stderr, "nnb-bench: section %s failed\n", g_sections[s].name);
            status = 1;
        }
    }
    return status;
}
