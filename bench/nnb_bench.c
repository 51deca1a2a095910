/* SPDX-License-Identifier: MIT */
/*
 * nnb-bench: timings for libnnbasics.
 *
 *   nnb-bench [--quick] [--csv] [--gemm-only | --fair-only | --e2e-only | --conv-only] [--threads N] [--variants]
 *             [--no-peer] [fair options]
 *
 * Sections (g_sections below) run in order; each reports rows through report_row(), which prints CSV
 * (`workload,variant,shape,threads,median_us,gflops`, one header line) with --csv, or a human table otherwise.
 *
 *   gemm - every GEMM body built into the library (nnb__gemm_bodies(); with --variants also each per-ISA
 *          kernel of the builtin body) and, when found at configure time, OpenBLAS's cblas_sgemm as it detects
 *          the CPU, on square and neural-net shaped problems (M x K x N, C = A * B), for 1 and 2 threads.
 *          Median GFLOP/s over repeated timings, and the ratio to OpenBLAS at the same thread count.
 *   fair - the library's nnb_gemm against OpenBLAS and BLIS each running the best kernels they have for this
 *          CPU (forced in child processes when they do not recognise it), interleaved rounds, results
 *          checked, every figure also as a fraction of the measured FMA peak (bench_fair.c).
 *   e2e  - end-to-end workloads (training steps and inference of the book's spiral classifier and of an
 *          MNIST-sized MLP), the same workloads as the numpy and PyTorch scripts in bench/peers/; see below.
 *   conv - the convolutional network of `nnb train --arch cnn` (forward and training step, batch 64) beside
 *          PyTorch's nn.Conv2d equivalent (bench/peers/conv_torch.py), interleaved, 1 and 2 threads
 *          (bench_conv.c).
 *
 * This program links the library's object library to reach the internal body list (see CMakeLists.txt).
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "compute/gemm_internal.h"
#include "nnbasics/nnbasics.h"
#ifdef NNB_BENCH_BUILTIN_VARIANTS
#    include "compute/gemm_builtin.h"
#endif
#ifdef NNB_BENCH_HAVE_OPENBLAS
#    include <cblas.h>
#endif

/* ---- options, timing and reporting (shared by all sections) ------------------------------------------ */

static clockid_t g_clock = CLOCK_MONOTONIC;

void bench_use_cpu_clock(int on)
{
    g_clock = on ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(g_clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
 * Median seconds per repetition of run(ctx). Repetitions are grouped into samples of >= ~2 ms (one
 * repetition per sample when it is slower), and samples are taken until about `budget` seconds have been
 * spent (at least 3 samples; a single one when one repetition alone exceeds the budget several times).
 */
double time_median(bench_run_fn run, void *ctx, double budget)
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
    return median_of(times, samples);
}

double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof v[0], compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void report_csv_header(const bench_options *o)
{
    if (o->csv) {
        printf("workload,variant,shape,threads,median_us,gflops\n");
    }
}

/* One measurement. In CSV mode it is printed at once; table sections print their own layout. */
void report_row(const bench_options *o, const char *workload, const char *variant, const char *shape, size_t threads,
                double median_s, double gflops)
{
    if (o->csv) {
        if (isnan(gflops)) {
            printf("%s,%s,%s,%zu,%.3f,\n", workload, variant, shape, threads, median_s * 1e6);
        } else {
            printf("%s,%s,%s,%zu,%.3f,%.3f\n", workload, variant, shape, threads, median_s * 1e6, gflops);
        }
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
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)g->M, (int)g->N, (int)g->K, 1.0f, g->A, (int)g->K,
                    g->B, (int)g->N, 0.0f, g->C, (int)g->N);
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

float *random_floats(size_t count, unsigned seed)
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
    static const gemm_case full[] = {{64, 64, 64},       {128, 128, 128},    {256, 256, 256}, {512, 512, 512},
                                     {1024, 1024, 1024}, {2048, 2048, 2048}, {300, 2, 64},    {300, 64, 3},
                                     {1024, 128, 10},    {1024, 784, 128}};
    static const gemm_case quick[] = {{64, 64, 64}, {256, 256, 256}, {512, 512, 512}, {300, 2, 64},
                                      {300, 64, 3}, {1024, 128, 10}, {1024, 784, 128}};
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
#ifdef NNB_BENCH_HAVE_OPENBLAS
        if (getenv("OPENBLAS_CORETYPE") != NULL) {
            printf("openblas: core %s, set by OPENBLAS_CORETYPE in the environment (see the fair-baselines section)\n",
                   openblas_get_corename());
        } else {
            printf("openblas: core %s as it detects itself (see the fair-baselines section for its best core)\n",
                   openblas_get_corename());
        }
#endif
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
 * End-to-end workloads, the same ones the peer scripts in bench/peers/ time in numpy and PyTorch:
 *   nnfs_fwd   N in {1, 300, 10000, 100000}: Dense(2,64) -> ReLU -> Dense(64,3) -> softmax -> CCE loss
 *   nnfs_train same N: forward, loss, accuracy, fused softmax+CCE backward, dense/ReLU backward,
 *              Adam (lr 0.05, decay 5e-7) update of both layers
 *   mlp_fwd / mlp_train: Dense(784,128) -> ReLU -> Dense(128,10), batch 128, Adam lr 1e-3
 * Two variants each: "layers" calls the layer functions directly, with every buffer allocated once (the
 * leanest training step a C user can write with the public API); "model" goes through nnb_model
 * (nnb_model_evaluate for fwd, nnb_model_train with one full-batch epoch for train).
 * Timing as the peers': one warm-up call, then samples of back-to-back calls lasting >= ~20 ms each, at least
 * 7 and at most 21 samples (or until ~3 s have been spent); the median per call is reported. The allocator
 * hook counts the library's allocations during the timed calls, after the warm-up (allocs/call in the table;
 * the remaining ones come from the GEMM core's packing buffers on the larger products).
 */

/* Counting allocator (installed in main before any library object exists). */
static size_t g_alloc_count;

static void *counting_alloc(void *user, size_t size)
{
    (void)user;
    ++g_alloc_count;
    return malloc(size);
}

size_t bench_alloc_count(void)
{
    return g_alloc_count;
}

static void counting_free(void *user, void *block)
{
    (void)user;
    free(block);
}

/*
 * Median seconds per call like the peers' timeit_median; *calls receives the number of timed calls and
 * *allocs the library allocations made during them (the warm-up's first-use allocations excluded).
 */
static double timeit_median(bench_run_fn run, void *ctx, const bench_options *o, size_t *calls, size_t *allocs)
{
    const double min_sample = o->quick ? 0.005 : 0.02;
    const size_t min_samples = 7, max_samples = 21;
    const double budget = o->quick ? 0.5 : 3.0;
    run(ctx); /* warm-up: first-touch page faults, gradient buffers, optimizer state */
    double t0 = now_seconds();
    run(ctx);
    double one = now_seconds() - t0;
    size_t inner = (size_t)ceil(min_sample / (one > 1e-9 ? one : 1e-9));
    inner = inner < 1u ? 1u : inner;
    double times[21];
    size_t n = 0;
    size_t allocs0 = g_alloc_count;
    double start = now_seconds();
    while (n < max_samples) {
        double s0 = now_seconds();
        for (size_t r = 0; r < inner; ++r) {
            run(ctx);
        }
        times[n++] = (now_seconds() - s0) / (double)inner;
        if (n >= min_samples && now_seconds() - start > budget) {
            break;
        }
    }
    *calls = n * inner;
    *allocs = g_alloc_count - allocs0;
    return median_of(times, n);
}

/* Standard normal from the bench's own generator (Box-Muller on an LCG; the values need not match numpy). */
typedef struct bench_rng {
    unsigned long long s;
} bench_rng;

static double rng_uniform(bench_rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return ((double)(r->s >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double rng_normal(bench_rng *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/*
 * The peers' spiral recipe: n points in 3 classes (labels i * 3 / n), per class radius linspace(0, 1) and
 * angle linspace(4k, 4k + 4) plus 0.2 * normal noise; x = r sin(2.5 t), y = r cos(2.5 t).
 */
static void spiral_like(size_t n, float *X, uint32_t *y)
{
    const size_t classes = 3;
    bench_rng rng = {12345u};
    size_t per[3] = {0, 0, 0};
    for (size_t i = 0; i < n; ++i) {
        y[i] = (uint32_t)(i * classes / n);
        per[y[i]]++;
    }
    size_t i = 0;
    for (size_t k = 0; k < classes; ++k) {
        for (size_t j = 0; j < per[k]; ++j, ++i) {
            double f = per[k] > 1 ? (double)j / (double)(per[k] - 1) : 0.0;
            double r = f;
            double t = 4.0 * (double)k + 4.0 * f + rng_normal(&rng) * 0.2;
            X[2 * i] = (float)(r * sin(t * 2.5));
            X[2 * i + 1] = (float)(r * cos(t * 2.5));
        }
    }
}

/* MNIST-like batch: pixels uniform in [0, 1), labels uniform in 0..classes-1. */
static void mlp_like(size_t n, size_t n_in, size_t classes, float *X, uint32_t *y)
{
    bench_rng rng = {777u};
    for (size_t i = 0; i < n * n_in; ++i) {
        X[i] = (float)rng_uniform(&rng);
    }
    for (size_t i = 0; i < n; ++i) {
        y[i] = (uint32_t)(rng_uniform(&rng) * (double)classes) % (uint32_t)classes;
    }
}

/* Everything one two-layer network needs, allocated once. */
typedef struct net_ctx {
    size_t n, n_in, n_hidden, n_out;
    nnb_tensor *X; /* n x n_in (the data) */
    uint32_t *y;   /* n labels */
    nnb_dense *d1, *d2;
    nnb_optimizer *opt;
    nnb_tensor *h1;  /* n x n_hidden: dense1 output, ReLU applied in place */
    nnb_tensor *z2;  /* n x n_out: dense2 output, softmax in place, then the fused gradient in place */
    nnb_tensor *dh1; /* n x n_hidden: gradient w.r.t. the ReLU output, then (in place) its input */
    nnb_model *model;
    nnb_targets targets;
    nnb_train_params tp;
    float loss;
    double accuracy;
    nnb_status status; /* first failure of a timed call */
} net_ctx;

static void note(net_ctx *c, nnb_status st)
{
    if (st != NNB_OK && c->status == NNB_OK) {
        c->status = st;
    }
}

static void net_destroy(net_ctx *c)
{
    nnb_tensor_destroy(c->X);
    free(c->y);
    nnb_dense_destroy(c->d1);
    nnb_dense_destroy(c->d2);
    nnb_optimizer_destroy(c->opt);
    nnb_tensor_destroy(c->h1);
    nnb_tensor_destroy(c->z2);
    nnb_tensor_destroy(c->dh1);
    nnb_model_destroy(c->model);
    memset(c, 0, sizeof *c);
}

static nnb_status net_create(net_ctx *c, int mlp, size_t n, double lr, double decay)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->n_in = mlp ? 784u : 2u;
    c->n_hidden = mlp ? 128u : 64u;
    c->n_out = mlp ? 10u : 3u;
    c->y = malloc(n * sizeof *c->y);
    nnb_status st = c->y == NULL ? NNB_ERR_NOMEM : nnb_tensor_create(&c->X, n, c->n_in);
    if (st != NNB_OK) {
        return st;
    }
    if (mlp) {
        mlp_like(n, c->n_in, c->n_out, nnb_tensor_data(c->X), c->y);
    } else {
        spiral_like(n, nnb_tensor_data(c->X), c->y);
    }
    nnb_rng *rng = NULL;
    st = nnb_rng_create(&rng, 0);
    if (st == NNB_OK) {
        st = nnb_dense_create(&c->d1, c->n_in, c->n_hidden, rng, NNB_DENSE_DEFAULT_INIT_SCALE);
    }
    if (st == NNB_OK) {
        st = nnb_dense_create(&c->d2, c->n_hidden, c->n_out, rng, NNB_DENSE_DEFAULT_INIT_SCALE);
    }
    nnb_rng_destroy(rng);
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = lr;
    adam.decay = decay;
    if (st == NNB_OK) {
        st = nnb_optimizer_create(&c->opt, &adam);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&c->h1, n, c->n_hidden);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&c->z2, n, c->n_out);
    }
    if (st == NNB_OK) {
        st = nnb_tensor_create(&c->dh1, n, c->n_hidden);
    }
    /* The model variant: the same network through nnb_model. */
    if (st == NNB_OK) {
        st = nnb_model_create(&c->model, 0);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense(c->model, c->n_in, c->n_hidden, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_relu(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense(c->model, c->n_hidden, c->n_out, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_softmax(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_loss(c->model, NNB_LOSS_CCE);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_optimizer(c->model, &adam);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_accuracy(c->model, NNB_ACCURACY_CATEGORICAL);
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(c->model);
    }
    c->targets = nnb_targets_from_labels(c->y, n);
    c->tp = nnb_train_params_default();
    c->tp.epochs = 1;
    c->tp.batch_size = 0;
    c->tp.print_every = 0;
    return st;
}

/* Forward + loss through the layer functions. */
static void run_layers_fwd(void *p)
{
    net_ctx *c = p;
    note(c, nnb_dense_forward_mut(c->d1, c->X, c->h1));
    note(c, nnb_relu_forward(c->h1, c->h1));
    note(c, nnb_dense_forward_mut(c->d2, c->h1, c->z2));
    note(c, nnb_softmax_forward(c->z2, c->z2));
    note(c, nnb_cce_sparse(c->z2, c->y, c->n, NULL, &c->loss));
}

/*
 * One training step through the layer functions. ReLU runs in place: its output is > 0 exactly where its
 * input is, so the backward can test the output instead of a saved copy of the input.
 */
static void run_layers_train(void *p)
{
    net_ctx *c = p;
    run_layers_fwd(c);
    note(c, nnb_accuracy_categorical(c->z2, c->y, c->n, &c->accuracy));
    note(c, nnb_softmax_cce_backward(c->z2, c->y, c->n, c->z2));
    note(c, nnb_dense_backward(c->d2, c->h1, c->z2, c->dh1));
    note(c, nnb_relu_backward(c->h1, c->dh1, c->dh1));
    note(c, nnb_dense_backward(c->d1, c->X, c->dh1, NULL));
    note(c, nnb_optimizer_pre_update(c->opt));
    note(c, nnb_optimizer_update_dense(c->opt, c->d1));
    note(c, nnb_optimizer_update_dense(c->opt, c->d2));
    note(c, nnb_optimizer_post_update(c->opt));
}

static void run_model_fwd(void *p)
{
    net_ctx *c = p;
    note(c, nnb_model_evaluate(c->model, c->X, &c->targets, 0, &c->loss, NULL));
}

static void run_model_train(void *p)
{
    net_ctx *c = p;
    note(c, nnb_model_train(c->model, c->X, &c->targets, &c->tp));
}

typedef struct e2e_case {
    const char *workload;
    int mlp;
    int train;
    size_t n;
} e2e_case;

static int bench_e2e(const bench_options *o)
{
    static const e2e_case cases[] = {
        {"nnfs_fwd", 0, 0, 1},      {"nnfs_train", 0, 1, 1},      {"nnfs_fwd", 0, 0, 300},
        {"nnfs_train", 0, 1, 300},  {"nnfs_fwd", 0, 0, 10000},    {"nnfs_train", 0, 1, 10000},
        {"nnfs_fwd", 0, 0, 100000}, {"nnfs_train", 0, 1, 100000}, {"mlp_fwd", 1, 0, 128},
        {"mlp_train", 1, 1, 128},
    };
    static const char *variants[] = {"layers", "model"};
    if (!o->csv) {
        printf("End-to-end workloads, median per call (layers: the layer functions called directly; model: "
               "nnb_model evaluate/train)\n");
        printf("%-11s %7s %3s %-7s %12s %10s %12s\n", "workload", "N", "thr", "variant", "median_us", "calls",
               "allocs/call");
    }
    int failed = 0;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ++ci) {
        const e2e_case *ec = &cases[ci];
        size_t thr_list[2] = {1, 2};
        size_t nthr = (ec->n >= 10000 || ec->mlp) ? 2u : 1u;
        if (o->threads != 0) {
            thr_list[0] = o->threads;
            nthr = 1;
        }
        for (size_t ti = 0; ti < nthr; ++ti) {
            size_t threads = thr_list[ti];
            set_threads(threads);
            for (size_t v = 0; v < 2; ++v) {
                net_ctx c;
                nnb_status st = net_create(&c, ec->mlp, ec->n, ec->mlp ? 1e-3 : 0.05, ec->mlp ? 0.0 : 5e-7);
                if (st != NNB_OK) {
                    fprintf(stderr, "nnb-bench: %s N=%zu: setup failed: %s\n", ec->workload, ec->n,
                            nnb_status_string(st));
                    net_destroy(&c);
                    failed = 1;
                    continue;
                }
                bench_run_fn fn = v == 0 ? (ec->train ? run_layers_train : run_layers_fwd)
                                         : (ec->train ? run_model_train : run_model_fwd);
                size_t calls = 0, nalloc = 0;
                double t = timeit_median(fn, &c, o, &calls, &nalloc);
                double allocs = (double)nalloc / (double)(calls > 0 ? calls : 1u);
                if (c.status != NNB_OK) {
                    fprintf(stderr, "nnb-bench: %s N=%zu %s: %s\n", ec->workload, ec->n, variants[v],
                            nnb_status_string(c.status));
                    failed = 1;
                }
                char shape[32];
                snprintf(shape, sizeof shape, "%zu", ec->n);
                report_row(o, ec->workload, variants[v], shape, threads, t, NAN);
                if (!o->csv) {
                    printf("%-11s %7zu %3zu %-7s %12.2f %10zu %12.2f\n", ec->workload, ec->n, threads, variants[v],
                           t * 1e6, calls, allocs);
                    fflush(stdout);
                }
                net_destroy(&c);
            }
        }
    }
    set_threads(0);
    if (!o->csv) {
        printf("\n");
    }
    return failed;
}

/* ---- driver ------------------------------------------------------------------------------------------- */

typedef struct bench_section {
    const char *name;
    int (*run)(const bench_options *o);
} bench_section;

/* Add a section by appending it here; --gemm-only keeps only "gemm", --fair-only only "fair", --e2e-only only
 * "e2e", --conv-only only "conv". */
static const bench_section g_sections[] = {
    {"gemm", bench_gemm},
    {"fair", bench_fair},
    {"e2e", bench_e2e},
    {"conv", bench_conv},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nnb-bench [--quick] [--csv] [--gemm-only | --fair-only | --e2e-only | --conv-only] [--threads N]\n"
            "                 [--variants] [--no-peer]\n"
            "                 [--rounds N] [--fair-threads N[,N...]] [--openblas-core NAME] [--blis PATH]\n"
            "                 [--blis-arch NAME] [--clock wall|cpu] [--nnb-blocks MC,KC,NC]\n"
            "  --quick      fewer sizes and shorter timings (the fair section skips 2048^3)\n"
            "  --csv        rows workload,variant,shape,threads,median_us,gflops\n"
            "  --gemm-only  run only the GEMM section\n"
            "  --fair-only  run only the fair-baselines section (builtin vs OpenBLAS and BLIS at their best)\n"
            "  --e2e-only   run only the end-to-end section\n"
            "  --conv-only  run only the conv section (the CNN beside PyTorch, interleaved)\n"
            "  --threads N  end-to-end and conv sections: time only with N threads (default 1, and 2 for the\n"
            "               larger workloads; conv: 1 and 2)\n"
            "  --no-peer    conv section: do not start the PyTorch peer (bench/peers/conv_torch.py; found\n"
            "               through NNB_BENCH_PEERS, run by PYTHON or /usr/bin/python3)\n"
            "  --variants   also time each per-ISA kernel of the builtin GEMM body\n"
            "fair-baselines section:\n"
            "  --rounds N             interleaved rounds per shape (default 5, 3 with --quick; conv section:\n"
            "                         rounds per workload, default 11, 5 with --quick)\n"
            "  --fair-threads LIST    one table per thread count, e.g. 1,2 (default 1)\n"
            "  --openblas-core NAME   OPENBLAS_CORETYPE for the OB-best column (default: the best core for this\n"
            "                         CPU when OpenBLAS detects a lesser one; none: no such column)\n"
            "  --blis PATH            BLIS library to dlopen (default libblis.so.4; none: skip BLIS)\n"
            "  --blis-arch NAME       BLIS configuration to force, e.g. skx, zen3, haswell (default: the best\n"
            "                         one for this CPU when BLIS detects a lesser one; self: never force)\n"
            "  --clock wall|cpu       time with the wall clock (default) or with each process's CPU time, which\n"
            "                         leaves out the time other work held the core (one thread only)\n"
            "  --nnb-blocks MC,KC,NC  also time the builtin core with these cache blocks (NNB_GEMM_BLOCKS, in a\n"
            "                         child process), e.g. the fixed blocks of earlier versions\n"
            "  (--worker is the child mode the fair section starts itself.)\n");
}

/* Parses "1,2" into at most BENCH_MAX_THREAD_COUNTS counts; returns 0 on success. */
static int parse_thread_list(const char *s, bench_options *o)
{
    o->n_fair_threads = 0;
    while (*s != '\0') {
        char *end = NULL;
        unsigned long t = strtoul(s, &end, 10);
        if (end == s || t == 0 || t > NNB_MAX_THREADS || o->n_fair_threads == BENCH_MAX_THREAD_COUNTS ||
            (*end != ',' && *end != '\0')) {
            return -1;
        }
        o->fair_threads[o->n_fair_threads++] = (size_t)t;
        s = *end == ',' ? end + 1 : end;
    }
    return o->n_fair_threads > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    bench_options o;
    memset(&o, 0, sizeof o);
    if (argc == 2 && strcmp(argv[1], "--worker") == 0) {
        return bench_worker();
    }
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--quick") == 0) {
            o.quick = 1;
        } else if (strcmp(argv[i], "--csv") == 0) {
            o.csv = 1;
        } else if (strcmp(argv[i], "--gemm-only") == 0) {
            o.gemm_only = 1;
        } else if (strcmp(argv[i], "--e2e-only") == 0) {
            o.e2e_only = 1;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long t = strtoul(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || t == 0 || t > NNB_MAX_THREADS) {
                usage(stderr);
                return 2;
            }
            o.threads = (size_t)t;
        } else if (strcmp(argv[i], "--conv-only") == 0) {
            o.conv_only = 1;
        } else if (strcmp(argv[i], "--no-peer") == 0) {
            o.no_peer = 1;
        } else if (strcmp(argv[i], "--variants") == 0) {
            o.variants = 1;
        } else if (strcmp(argv[i], "--fair-only") == 0) {
            o.fair_only = 1;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            char *end = NULL;
            unsigned long r = strtoul(argv[++i], &end, 10);
            if (end == argv[i] || *end != '\0' || r == 0 || r > 15) {
                usage(stderr);
                return 2;
            }
            o.rounds = (size_t)r;
        } else if (strcmp(argv[i], "--fair-threads") == 0 && i + 1 < argc) {
            if (parse_thread_list(argv[++i], &o) != 0) {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "--openblas-core") == 0 && i + 1 < argc) {
            o.openblas_core = argv[++i];
        } else if (strcmp(argv[i], "--blis") == 0 && i + 1 < argc) {
            o.blis_path = argv[++i];
        } else if (strcmp(argv[i], "--blis-arch") == 0 && i + 1 < argc) {
            o.blis_arch = argv[++i];
        } else if (strcmp(argv[i], "--nnb-blocks") == 0 && i + 1 < argc) {
            o.nnb_blocks = argv[++i];
        } else if (strcmp(argv[i], "--clock") == 0 && i + 1 < argc) {
            ++i;
            if (strcmp(argv[i], "wall") != 0 && strcmp(argv[i], "cpu") != 0) {
                usage(stderr);
                return 2;
            }
            o.cpu_clock = strcmp(argv[i], "cpu") == 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (o.gemm_only + o.e2e_only + o.fair_only + o.conv_only > 1) {
        usage(stderr);
        return 2;
    }
    /* Count the library's allocations (the e2e section reports them per call); set before any object exists. */
    nnb_allocator counting = {counting_alloc, counting_free, NULL};
    if (nnb_set_allocator(&counting) != NNB_OK) {
        fprintf(stderr, "nnb-bench: could not install the counting allocator\n");
        return 1;
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
        if (o.e2e_only && strcmp(g_sections[s].name, "e2e") != 0) {
            continue;
        }
        if (o.fair_only && strcmp(g_sections[s].name, "fair") != 0) {
            continue;
        }
        if (o.conv_only && strcmp(g_sections[s].name, "conv") != 0) {
            continue;
        }
        if (g_sections[s].run(&o) != 0) {
            fprintf(stderr, "nnb-bench: section %s failed\n", g_sections[s].name);
            status = 1;
        }
    }
    return status;
}
