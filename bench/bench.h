/* SPDX-License-Identifier: MIT */
/*
 * bench.h - what the nnb-bench sources share: the options, the timing loop, the input generator, the CSV
 * rows, and the entry points of the sections that live in their own files.
 */
#ifndef NNB_BENCH_H
#define NNB_BENCH_H

#include <stddef.h>

#define BENCH_MAX_THREAD_COUNTS 4

typedef struct bench_options {
    int quick;      /* fewer sizes, shorter timings */
    int csv;        /* machine-readable rows instead of tables */
    int gemm_only;  /* skip every section but "gemm" */
    int variants;   /* also time the builtin body's per-ISA kernels */
    int e2e_only;   /* skip every section but "e2e" */
    size_t threads; /* e2e: time only this thread count (0: 1, and 2 for the larger workloads) */
    int fair_only;  /* skip every section but "fair" */
    size_t rounds;  /* fair: interleaved rounds per shape (0: 5, or 3 with --quick) */
    size_t fair_threads[BENCH_MAX_THREAD_COUNTS]; /* fair: one table per thread count */
    size_t n_fair_threads;                        /* 0: one table, 1 thread */
    const char *openblas_core; /* fair: OPENBLAS_CORETYPE for the second OpenBLAS column (NULL: chosen from
                                  the CPU; "none": no second column) */
    const char *blis_path;     /* fair: BLIS library to dlopen (NULL: the usual sonames; "none": skip BLIS) */
    const char *blis_arch;     /* fair: BLIS configuration to force (NULL: chosen from the CPU; "self": the one
                                  BLIS detects) */
    int cpu_clock;             /* fair: time with each process's CPU time instead of the wall clock */
    const char *nnb_blocks;    /* fair: NNB_GEMM_BLOCKS value for a second builtin column (NULL: none) */
    int conv_only;             /* skip every section but "conv" */
    int no_peer;               /* conv: do not start the PyTorch peer */
} bench_options;

/* Monotonic clock, in seconds; or this process's CPU time after bench_use_cpu_clock(1). */
double now_seconds(void);

/*
 * Non-zero: now_seconds() reads this process's CPU time (CLOCK_PROCESS_CPUTIME_ID), which leaves out the time
 * other processes held the CPU. Meaningful for single-threaded timings only (threads add up).
 */
void bench_use_cpu_clock(int on);

/* A workload to time: run(ctx) does one repetition. */
typedef void (*bench_run_fn)(void *ctx);

/* Median seconds per repetition of run(ctx), spending about `budget` seconds (see nnb_bench.c). */
double time_median(bench_run_fn run, void *ctx, double budget);

/* Median of v[0..n) (n > 0); sorts v. */
double median_of(double *v, size_t n);

/* count floats uniform in [-1, 1) from a fixed generator; the same seed gives the same values in any process. */
float *random_floats(size_t count, unsigned seed);

/* One CSV row (`workload,variant,shape,threads,median_us,gflops`) when o->csv is set; nothing otherwise. */
void report_row(const bench_options *o, const char *workload, const char *variant, const char *shape, size_t threads,
                double median_s, double gflops);

/* Section "fair" (bench_fair.c): the builtin core against OpenBLAS and BLIS at their best, one table. */
int bench_fair(const bench_options *o);

/* Section "conv" (bench_conv.c): the convolutional network beside PyTorch, interleaved, 1 and 2 threads. */
int bench_conv(const bench_options *o);

/* Allocations made through the library's allocator hook so far (nnb_bench.c installs a counting one). */
size_t bench_alloc_count(void);

/* The child mode behind --worker (bench_fair.c): times BLAS calls on request over stdin/stdout. */
int bench_worker(void);

/* Machine description (bench_machine.c). */
typedef struct bench_cpu {
    char model[128]; /* "model name" of /proc/cpuinfo, or the CPUID brand string */
    char vendor[32]; /* "GenuineIntel", "AuthenticAMD", ... or "" */
    /* CPUID family, model and stepping as /proc/cpuinfo prints them (-1: unknown) */
    int family, model_number, stepping;
    int avx2_fma;     /* AVX2 and FMA usable (CPU and OS) */
    int avx512;       /* AVX-512 F, DQ, BW and VL usable */
    long online_cpus; /* sysconf(_SC_NPROCESSORS_ONLN) */
} bench_cpu;

/* Describes the CPU this process runs on. */
void bench_cpu_describe(bench_cpu *cpu);

/*
 * Single-core FP32 FMA peak in GFLOP/s, measured with a register-only loop of independent FMA chains on
 * 256-bit (AVX2+FMA) or 512-bit (AVX-512F) vectors; 0 when the CPU cannot run that width. The fastest of
 * ~2 ms runs over about `budget` seconds, by the wall clock (noise only ever slows a run down).
 */
double bench_fma_peak_gflops(int vector_bits, double budget);

#endif
