/* SPDX-License-Identifier: MIT */
/*
 * bench_fair.c - section "fair" of nnb-bench: the builtin GEMM core against the BLAS libraries a user would
 * pick instead, each running the best kernels it has for this CPU, side by side in one table.
 *
 * OpenBLAS and BLIS pick their kernels by recognising the CPU when they load, and a version older than the
 * CPU falls back to the kernels of some older core without saying so (Debian 12's OpenBLAS 0.3.21 took a
 * Sapphire Rapids for a Prescott, i.e. SSE3; Debian 12's BLIS 0.9 runs its generic C kernels on a Zen 5).
 * A ratio against such a fallback measures the fallback. So this section:
 *
 *   - times OpenBLAS as it detects itself (in this process, or, when our environment sets OPENBLAS_CORETYPE,
 *     in a child process without it; the environment's choice then gets a column of its own, OB-env) and,
 *     when the core it detects has no kernels for the widest vectors of this CPU (AVX2, AVX-512), also with
 *     OPENBLAS_CORETYPE naming the best core it has for them, in a child process (OB-best): the variable is
 *     read once, when the library loads, and is set in the child's environment only;
 *   - loads BLIS with dlopen(RTLD_LOCAL) in a child process and calls its own typed API (bli_sgemm; its
 *     cblas_sgemm would reach OpenBLAS's sgemm_ through the global symbol scope), forcing its best
 *     configuration with BLIS_ARCH_TYPE when it does not recognise the CPU;
 *   - checks every contestant's result against the naive body (double accumulation) on sampled rows; a
 *     forced core that does not report the requested name or gives wrong results is not used;
 *   - measures each shape in interleaved rounds (builtin, OpenBLAS, forced OpenBLAS, BLIS, then again, the
 *     order rotating; with several threads, a 0.1 s pause before each, so that the last one's threads idle) and reports
 * the median over rounds of each contestant's median GFLOP/s, because the machine may be shared and drift between runs;
 *   - gives the builtin core's figure, and the best BLAS figure, as a fraction of the FMA peak measured by a
 *     register-only loop (bench_machine.c), times the thread count.
 *
 * The child is this program re-executed as `nnb-bench --worker`: it reads one request per line on stdin and
 * answers one line on stdout (bench_worker() below).
 */
#define _GNU_SOURCE /* dladdr, pipe2, realpath, strsignal, environ */

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "compute/gemm_blocks.h"
#include "compute/gemm_internal.h"
#ifdef NNB_BENCH_BUILTIN_VARIANTS
#    include "compute/gemm_builtin.h"
#endif
#include "nnbasics/nnbasics.h"
#ifdef NNB_BENCH_HAVE_OPENBLAS
#    include <cblas.h>
#endif

/* A contestant agrees with the reference when |C - C_ref| <= CHECK_TOL * sum_k |a_ik * b_kj| everywhere
 * checked. Correct float32 products are far inside it (the library documents 1e-5); wrong kernels are off
 * by O(1). */
#define CHECK_TOL 1e-4
#define MAX_ROUNDS 15
#define MAX_CONTESTANTS 6
#define MAX_ROWS 64

/* snprintf for messages, where cutting a long one short is fine. */
__attribute__((format(printf, 3, 4))) static void text(char *dst, size_t cap, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vsnprintf(dst, cap, format, ap);
    va_end(ap);
}

/* ---- the BLAS libraries --------------------------------------------------------------------------------- */

typedef enum blas_lib { LIB_BUILTIN, LIB_OPENBLAS, LIB_BLIS } blas_lib;

/* BLIS's typed API and the queries we need, resolved with dlsym (types as in BLIS 0.9's blis.h, which uses
 * 64-bit dim_t/inc_t; checked with bli_info_get_int_type_size). */
typedef struct blis_api {
    void *handle;
    char path[PATH_MAX];
    void (*init)(void);
    int (*arch_query_id)(void);
    char *(*arch_string)(int);
    char *(*version)(void);
    int64_t (*int_type_size)(void);
    void (*set_num_threads)(int64_t);
    void (*sgemm)(int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, float *alpha, float *a, int64_t rs_a,
                  int64_t cs_a, float *b, int64_t rs_b, int64_t cs_b, float *beta, float *c, int64_t rs_c,
                  int64_t cs_c);
} blis_api;

/* Stores the address of `name` in the function pointer at fn (POSIX guarantees the representations agree). */
static int resolve(void *handle, const char *name, void *fn, size_t size)
{
    void *sym = dlsym(handle, name);
    if (sym == NULL || size != sizeof sym) {
        return 0;
    }
    memcpy(fn, &sym, size);
    return 1;
}

/* Opens BLIS (path NULL: the usual sonames). Returns 0, or -1 with a reason in why. */
static int blis_open(blis_api *b, const char *path, char *why, size_t cap)
{
    static const char *const sonames[] = {"libblis.so.4", "libblis.so.3", "libblis.so"};
    memset(b, 0, sizeof *b);
    if (path != NULL) {
        b->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    for (size_t i = 0; path == NULL && b->handle == NULL && i < sizeof sonames / sizeof sonames[0]; ++i) {
        b->handle = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (b->handle == NULL) {
        const char *e = dlerror();
        text(why, cap, "%s", e != NULL ? e : "libblis.so.4 not found");
        return -1;
    }
    int ok = resolve(b->handle, "bli_init", &b->init, sizeof b->init) &&
             resolve(b->handle, "bli_arch_query_id", &b->arch_query_id, sizeof b->arch_query_id) &&
             resolve(b->handle, "bli_arch_string", &b->arch_string, sizeof b->arch_string) &&
             resolve(b->handle, "bli_info_get_version_str", &b->version, sizeof b->version) &&
             resolve(b->handle, "bli_info_get_int_type_size", &b->int_type_size, sizeof b->int_type_size) &&
             resolve(b->handle, "bli_thread_set_num_threads", &b->set_num_threads, sizeof b->set_num_threads) &&
             resolve(b->handle, "bli_sgemm", &b->sgemm, sizeof b->sgemm);
    if (!ok) {
        text(why, cap, "a BLIS symbol is missing (not BLIS >= 0.8?)");
        dlclose(b->handle);
        b->handle = NULL;
        return -1;
    }
    b->init();
    if (b->int_type_size() != 64) {
        text(why, cap, "BLIS built with %d-bit integers; the benchmark calls it with 64-bit ones",
             (int)b->int_type_size());
        dlclose(b->handle);
        b->handle = NULL;
        return -1;
    }
    Dl_info info;
    char real[PATH_MAX];
    void *sym = dlsym(b->handle, "bli_sgemm");
    if (sym != NULL && dladdr(sym, &info) != 0 && info.dli_fname != NULL) {
        text(b->path, sizeof b->path, "%s", realpath(info.dli_fname, real) != NULL ? real : info.dli_fname);
    }
    return 0;
}

/* BLIS's configuration id for `name` (its arch_t enumeration, whose order varies by version), or -1. */
static int blis_arch_id(const blis_api *b, const char *name)
{
    for (int id = 0; id < 64; ++id) {
        const char *s = b->arch_string(id);
        if (s == NULL) {
            break;
        }
        if (strcmp(s, name) == 0) {
            return id;
        }
        if (strcmp(s, "generic") == 0) {
            break; /* the last configuration in every version */
        }
    }
    return -1;
}

/* ---- one timed product ---------------------------------------------------------------------------------- */

/* The inputs of one shape: the same seeds in every process, so parent and children multiply the same data. */
typedef struct operands {
    size_t M, K, N;
    float *A, *B, *C;
} operands;

static void operands_free(operands *op)
{
    free(op->A);
    free(op->B);
    free(op->C);
    memset(op, 0, sizeof *op);
}

static int operands_prepare(operands *op, size_t M, size_t K, size_t N)
{
    if (op->A != NULL && op->M == M && op->K == K && op->N == N) {
        return 0;
    }
    operands_free(op);
    op->M = M;
    op->K = K;
    op->N = N;
    op->A = random_floats(M * K, 1u);
    op->B = random_floats(K * N, 2u);
    op->C = random_floats(M * N, 3u);
    return op->A != NULL && op->B != NULL && op->C != NULL ? 0 : -1;
}

typedef struct call_ctx {
    blas_lib lib;
    const blis_api *blis;
    operands *op;
    int failed;
} call_ctx;

static void run_call(void *p)
{
    call_ctx *c = p;
    operands *op = c->op;
    switch (c->lib) {
    case LIB_BUILTIN:
        if (nnb_gemm(NNB_NO_TRANS, NNB_NO_TRANS, op->M, op->N, op->K, 1.0f, op->A, op->K, op->B, op->N, 0.0f, op->C,
                     op->N) != NNB_OK) {
            c->failed = 1;
        }
        break;
    case LIB_OPENBLAS:
#ifdef NNB_BENCH_HAVE_OPENBLAS
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)op->M, (int)op->N, (int)op->K, 1.0f, op->A,
                    (int)op->K, op->B, (int)op->N, 0.0f, op->C, (int)op->N);
#else
        c->failed = 1;
#endif
        break;
    case LIB_BLIS: {
        float one = 1.0f, zero = 0.0f;
        /* Row-major: row stride = row length, column stride 1. BLIS_NO_TRANSPOSE is 0. */
        c->blis->sgemm(0, 0, (int64_t)op->M, (int64_t)op->N, (int64_t)op->K, &one, op->A, (int64_t)op->K, 1, op->B,
                       (int64_t)op->N, 1, &zero, op->C, (int64_t)op->N, 1);
        break;
    }
    }
}

/*
 * Largest |C - C_ref| / sum_k |a_ik * b_kj| over up to 8 rows spread over C (first and last included), the
 * reference from the library's naive body (each dot product accumulated in double, rounded once).
 * INFINITY for NaN or a failed allocation.
 */
static double check_result(const operands *op)
{
    size_t M = op->M, K = op->K, N = op->N;
    size_t rows = M < 8 ? M : 8;
    float *ref = malloc(N * sizeof *ref);
    double *bound = malloc(N * sizeof *bound);
    double worst = ref != NULL && bound != NULL ? 0.0 : INFINITY;
    for (size_t s = 0; s < rows && worst <= CHECK_TOL; ++s) {
        size_t i = rows > 1 ? s * (M - 1) / (rows - 1) : 0;
        const float *a = op->A + i * K;
        nnb__gemm_naive(NNB_NO_TRANS, NNB_NO_TRANS, 1, N, K, 1.0f, a, K, op->B, N, 0.0f, ref, N);
        for (size_t j = 0; j < N; ++j) {
            bound[j] = 0.0;
        }
        for (size_t k = 0; k < K; ++k) {
            double ak = fabs((double)a[k]);
            const float *b = op->B + k * N;
            for (size_t j = 0; j < N; ++j) {
                bound[j] += ak * fabs((double)b[j]);
            }
        }
        for (size_t j = 0; j < N; ++j) {
            double e = fabs((double)op->C[i * N + j] - (double)ref[j]) / (bound[j] > 0.0 ? bound[j] : 1.0);
            if (!(e <= worst)) {
                worst = isnan(e) ? INFINITY : e;
            }
        }
    }
    free(ref);
    free(bound);
    return worst;
}

static void lib_set_threads(blas_lib lib, const blis_api *blis, size_t threads)
{
    switch (lib) {
    case LIB_BUILTIN: nnb_set_num_threads(threads); break;
    case LIB_OPENBLAS:
#ifdef NNB_BENCH_HAVE_OPENBLAS
        openblas_set_num_threads((int)threads);
#endif
        break;
    case LIB_BLIS: blis->set_num_threads((int64_t)threads); break;
    }
}

/*
 * Times one product in this process: median seconds per call over about `budget` seconds, and with `check`
 * the deviation from the reference (else -1). Returns -1 when the call failed.
 */
static int time_product(blas_lib lib, const blis_api *blis, operands *op, size_t threads, double budget, int check,
                        double *seconds, double *err)
{
    lib_set_threads(lib, blis, threads);
    call_ctx ctx = {lib, blis, op, 0};
    *seconds = time_median(run_call, &ctx, budget);
    *err = check ? check_result(op) : -1.0;
    return ctx.failed ? -1 : 0;
}

/* ---- the child ------------------------------------------------------------------------------------------ */

/*
 * Requests (one line each) and answers (one line, tab-separated):
 *   openblas-core                         -> ok <core name> <openblas_get_config()>  | fail without OpenBLAS
 *   blis-open <path | ->                  -> ok <configuration> <version> <library path>  | fail <reason>
 *   blis-id <configuration>               -> ok <id> (-1: unknown to this BLIS)
 *   time <openblas|blis|builtin> M K N threads budget check clock
 *                                         -> ok <median seconds> <deviation, -1 unchecked> | fail
 *                                            (clock 1: CPU time, as bench_use_cpu_clock)
 * End of input ends the child.
 */
int bench_worker(void)
{
    blis_api blis;
    memset(&blis, 0, sizeof blis);
    operands op;
    memset(&op, 0, sizeof op);
    char line[PATH_MAX + 64], arg[PATH_MAX + 1], why[512];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        size_t M, K, N, threads;
        double budget;
        int check, cpu_clock;
        if (strcmp(line, "openblas-core") == 0) {
#ifdef NNB_BENCH_HAVE_OPENBLAS
            char config[256];
            text(config, sizeof config, "%s", openblas_get_config());
            config[strcspn(config, "\n\t")] = '\0';
            printf("ok\t%s\t%s\n", openblas_get_corename(), config);
#else
            printf("fail\tbuilt without OpenBLAS\n");
#endif
        } else if (sscanf(line, "blis-open %4096s", arg) == 1) {
            if (blis.handle == NULL && blis_open(&blis, strcmp(arg, "-") == 0 ? NULL : arg, why, sizeof why) != 0) {
                printf("fail\t%s\n", why);
            } else {
                printf("ok\t%s\t%s\t%s\n", blis.arch_string(blis.arch_query_id()), blis.version(), blis.path);
            }
        } else if (sscanf(line, "blis-id %64s", arg) == 1) {
            printf("ok\t%d\n", blis.handle != NULL ? blis_arch_id(&blis, arg) : -1);
        } else if (sscanf(line, "time %16s %zu %zu %zu %zu %lf %d %d", arg, &M, &K, &N, &threads, &budget, &check,
                          &cpu_clock) == 8) {
            bench_use_cpu_clock(cpu_clock);
            blas_lib lib = strcmp(arg, "blis") == 0      ? LIB_BLIS
                           : strcmp(arg, "builtin") == 0 ? LIB_BUILTIN
                                                         : LIB_OPENBLAS;
            double seconds = 0.0, err = -1.0;
            if (lib == LIB_BLIS && blis.handle == NULL) {
                printf("fail\tBLIS not opened\n");
            } else if (operands_prepare(&op, M, K, N) != 0) {
                printf("fail\tout of memory\n");
            } else if (time_product(lib, &blis, &op, threads, budget, check, &seconds, &err) != 0) {
                printf("fail\tthe call failed\n");
            } else {
                printf("ok\t%.9g\t%.3g\n", seconds, err);
            }
        } else {
            printf("fail\tunknown request\n");
        }
        fflush(stdout);
    }
    operands_free(&op);
    return 0;
}

/* ---- the parent's side of a child ----------------------------------------------------------------------- */

typedef struct worker {
    pid_t pid; /* 0: not running */
    FILE *to, *from;
    char exit_note[96]; /* how it ended, once stopped */
} worker;

/* The environment for a child: ours, minus the variables that choose kernels, plus `set` ("NAME=value"). */
static char **child_environment(const char *set)
{
    static const char *const drop[] = {"OPENBLAS_CORETYPE=", "BLIS_ARCH_TYPE=", "NNB_GEMM_BLOCKS="};
    size_t n = 0;
    while (environ[n] != NULL) {
        ++n;
    }
    char **env = malloc((n + 2) * sizeof *env);
    if (env == NULL) {
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) {
        int keep = 1;
        for (size_t d = 0; d < sizeof drop / sizeof drop[0]; ++d) {
            keep = keep && strncmp(environ[i], drop[d], strlen(drop[d])) != 0;
        }
        if (keep) {
            env[k++] = environ[i];
        }
    }
    if (set != NULL) {
        env[k++] = (char *)(uintptr_t)set;
    }
    env[k] = NULL;
    return env;
}

static void worker_stop(worker *w)
{
    if (w->pid == 0) {
        return;
    }
    if (w->to != NULL) {
        fclose(w->to); /* end of input: the child returns */
    }
    if (w->from != NULL) {
        fclose(w->from);
    }
    int status = 0;
    pid_t r;
    do {
        r = waitpid(w->pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        text(w->exit_note, sizeof w->exit_note, "lost (%s)", strerror(errno));
    } else if (WIFSIGNALED(status)) {
        text(w->exit_note, sizeof w->exit_note, "killed by signal %d (%s)", WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    } else {
        text(w->exit_note, sizeof w->exit_note, "exited with status %d", WEXITSTATUS(status));
    }
    w->pid = 0;
    w->to = w->from = NULL;
}

/* Starts `nnb-bench --worker` with `env_set` ("NAME=value" or NULL) added to its environment. */
static int worker_start(worker *w, const char *env_set)
{
    memset(w, 0, sizeof *w);
    int to_child[2], from_child[2];
    char **env = child_environment(env_set);
    /* Close-on-exec: a later child must not inherit this one's pipe ends (it would hold its input open). */
    if (env == NULL || pipe2(to_child, O_CLOEXEC) != 0) {
        free(env);
        text(w->exit_note, sizeof w->exit_note, "could not start (%s)", strerror(errno));
        return -1;
    }
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        free(env);
        text(w->exit_note, sizeof w->exit_note, "could not start (%s)", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        close(to_child[0]);
        close(to_child[1]);
        close(from_child[0]);
        close(from_child[1]);
        char *argv[] = {"nnb-bench", "--worker", NULL};
        execve("/proc/self/exe", argv, env);
        _exit(127);
    }
    free(env);
    close(to_child[0]);
    close(from_child[1]);
    if (pid < 0) {
        close(to_child[1]);
        close(from_child[0]);
        text(w->exit_note, sizeof w->exit_note, "could not start (%s)", strerror(errno));
        return -1;
    }
    w->pid = pid;
    w->to = fdopen(to_child[1], "w");
    w->from = fdopen(from_child[0], "r");
    if (w->to == NULL || w->from == NULL) {
        if (w->to == NULL) {
            close(to_child[1]);
        }
        if (w->from == NULL) {
            close(from_child[0]);
        }
        worker_stop(w);
        return -1;
    }
    return 0;
}

/*
 * Sends one request and reads the answer into reply (the part after "ok\t"). Returns 0 on "ok", 1 on "fail"
 * (reply holds the reason), -1 when the child is gone (stopped; w->exit_note says how it ended).
 */
static int worker_ask(worker *w, const char *request, char *reply, size_t cap)
{
    if (w->pid == 0) {
        text(reply, cap, "%s", w->exit_note);
        return -1;
    }
    char line[PATH_MAX + 256];
    if (fprintf(w->to, "%s\n", request) < 0 || fflush(w->to) != 0 || fgets(line, sizeof line, w->from) == NULL) {
        worker_stop(w);
        text(reply, cap, "%s", w->exit_note);
        return -1;
    }
    line[strcspn(line, "\n")] = '\0';
    int ok = strncmp(line, "ok\t", 3) == 0;
    text(reply, cap, "%s", strchr(line, '\t') != NULL ? strchr(line, '\t') + 1 : line);
    return ok ? 0 : 1;
}

/* Splits a tab-separated answer in place; returns the number of fields (at most max). */
static size_t split_tabs(char *s, char **field, size_t max)
{
    size_t n = 0;
    while (n < max) {
        field[n++] = s;
        char *tab = strchr(s, '\t');
        if (tab == NULL) {
            break;
        }
        *tab = '\0';
        s = tab + 1;
    }
    return n;
}

/* ---- choosing the kernels ------------------------------------------------------------------------------- */

#ifdef NNB_BENCH_HAVE_OPENBLAS
/* 2: the core has kernels for AVX-512, 1: for AVX2+FMA, 0: older ones. Names as openblas_get_corename() gives them. */
static int openblas_core_level(const char *core)
{
    static const char *const avx512[] = {"skylakex", "cooperlake", "sapphirerapids"};
    static const char *const avx2[] = {"haswell", "zen"};
    for (size_t i = 0; i < sizeof avx512 / sizeof avx512[0]; ++i) {
        if (strcasecmp(core, avx512[i]) == 0) {
            return 2;
        }
    }
    for (size_t i = 0; i < sizeof avx2 / sizeof avx2[0]; ++i) {
        if (strcasecmp(core, avx2[i]) == 0) {
            return 1;
        }
    }
    return 0;
}
#endif

/* The same levels for BLIS configurations (bli_arch_string()). */
static int blis_arch_level(const char *arch)
{
    if (strcmp(arch, "skx") == 0) {
        return 2;
    }
    if (strcmp(arch, "haswell") == 0 || strcmp(arch, "zen") == 0 || strcmp(arch, "zen2") == 0 ||
        strcmp(arch, "zen3") == 0) {
        return 1;
    }
    return 0;
}

static int cpu_level(const bench_cpu *cpu)
{
    return cpu->avx512 ? 2 : cpu->avx2_fma ? 1 : 0;
}

static int cpu_is_amd(const bench_cpu *cpu)
{
    return strcmp(cpu->vendor, "AuthenticAMD") == 0 || strcmp(cpu->vendor, "HygonGenuine") == 0;
}

#ifdef NNB_BENCH_HAVE_OPENBLAS
/*
 * OpenBLAS cores to try, best first, for a CPU of this level. Cooperlake's single-precision kernels are
 * SkylakeX's (it adds bfloat16 ones), so SkylakeX serves every AVX-512 CPU; Zen runs Haswell-class AVX2
 * kernels, tuned for AMD.
 */
static size_t openblas_candidates(const bench_cpu *cpu, const char **out)
{
    size_t n = 0;
    if (cpu_level(cpu) >= 2) {
        out[n++] = "SkylakeX";
    }
    if (cpu_level(cpu) >= 1) {
        out[n++] = cpu_is_amd(cpu) ? "Zen" : "Haswell";
        out[n++] = cpu_is_amd(cpu) ? "Haswell" : "Zen";
    }
    return n;
}
#endif

static const char *blis_candidate(const bench_cpu *cpu)
{
    return cpu_level(cpu) >= 2 ? "skx" : cpu_level(cpu) == 1 ? (cpu_is_amd(cpu) ? "zen3" : "haswell") : NULL;
}

/* ---- the section ---------------------------------------------------------------------------------------- */

/* The clock the section times with (bench_use_cpu_clock), passed on to the children. */
static int g_cpu_clock;

typedef struct contestant {
    char label[16];   /* column header */
    char variant[64]; /* CSV variant name, e.g. "openblas:SkylakeX" */
    char legend[768]; /* what the column is, or why it is empty */
    blas_lib lib;
    int in_child; /* timed by the child w instead of this process */
    int nnb;      /* a libnnbasics column (never the "best BLAS") */
    worker w;
    int usable;       /* set up, and every check so far agreed */
    double worst_err; /* largest deviation from the reference seen */
    char note[256];   /* why it stopped being usable */
} contestant;

/*
 * One measurement: GFLOP/s of the median call, or NAN when the call failed, the child died or (with check)
 * the result disagrees with the reference; then the contestant is no longer usable and c->note says why.
 */
static double measure(contestant *c, operands *op, size_t threads, double budget, int check)
{
    double seconds = 0.0, err = -1.0;
    if (c->in_child) {
        char request[160], reply[512], *field[2];
        text(request, sizeof request, "time %s %zu %zu %zu %zu %.4f %d %d",
             c->lib == LIB_BLIS      ? "blis"
             : c->lib == LIB_BUILTIN ? "builtin"
                                     : "openblas",
             op->M, op->K, op->N, threads, budget, check, g_cpu_clock);
        if (worker_ask(&c->w, request, reply, sizeof reply) != 0 || split_tabs(reply, field, 2) != 2) {
            text(c->note, sizeof c->note, "%zux%zux%zu: child %s", op->M, op->K, op->N, reply);
            c->usable = 0;
            return NAN;
        }
        seconds = strtod(field[0], NULL);
        err = strtod(field[1], NULL);
    } else if (time_product(c->lib, NULL, op, threads, budget, check, &seconds, &err) != 0) {
        text(c->note, sizeof c->note, "%zux%zux%zu: the call failed", op->M, op->K, op->N);
        c->usable = 0;
        return NAN;
    }
    if (check) {
        c->worst_err = err > c->worst_err ? err : c->worst_err;
        if (!(err <= CHECK_TOL)) {
            text(c->note, sizeof c->note, "%zux%zux%zu: result off the reference by %.3g (x sum |a*b|)", op->M, op->K,
                 op->N, err);
            c->usable = 0;
            return NAN;
        }
    }
    return 2.0 * (double)op->M * (double)op->K * (double)op->N / seconds * 1e-9;
}

/* Checks a contestant just set up on an odd shape (partial tiles everywhere); 0 when it agrees. */
static int probe(contestant *c, operands *op)
{
    c->usable = 1;
    if (operands_prepare(op, 67, 129, 33) != 0) {
        text(c->note, sizeof c->note, "out of memory");
        c->usable = 0;
        return -1;
    }
    return isnan(measure(c, op, 1, 0.002, 1)) ? -1 : 0;
}

#ifdef NNB_BENCH_HAVE_OPENBLAS
/*
 * The first OpenBLAS column: OpenBLAS as it detects the CPU. In this process, unless OPENBLAS_CORETYPE is set
 * in our environment; then in a child whose environment lacks it. The core name goes to self_core.
 */
static void setup_openblas_self(contestant *c, const char *env_core, operands *op, char *self_core, size_t cap)
{
    text(c->label, sizeof c->label, "OB-self");
    c->lib = LIB_OPENBLAS;
    char config[256];
    text(config, sizeof config, "%s", openblas_get_config());
    config[strcspn(config, "\n")] = '\0';
    text(self_core, cap, "%s", openblas_get_corename());
    if (env_core != NULL) {
        char reply[512], *field[2];
        c->in_child = 1;
        if (worker_start(&c->w, NULL) != 0 || worker_ask(&c->w, "openblas-core", reply, sizeof reply) != 0 ||
            split_tabs(reply, field, 2) != 2) {
            text(c->legend, sizeof c->legend, "skipped: no child (%s)", c->w.exit_note);
            worker_stop(&c->w);
            return;
        }
        text(self_core, cap, "%s", field[0]);
        text(config, sizeof config, "%s", field[1]);
    }
    if (probe(c, op) != 0) {
        text(c->legend, sizeof c->legend, "core %s: %s", self_core, c->note);
        worker_stop(&c->w);
        return;
    }
    text(c->variant, sizeof c->variant, "openblas:%s", self_core);
    text(c->legend, sizeof c->legend, "%s, core %s as it detects itself (openblas_get_corename)%s", config, self_core,
         env_core != NULL ? ", in a child process without OPENBLAS_CORETYPE" : "");
}

/* The column for OpenBLAS as this environment's OPENBLAS_CORETYPE configures it (what numpy gets here). */
static void setup_openblas_env(contestant *c, const char *env_core, operands *op)
{
    text(c->label, sizeof c->label, "OB-env");
    c->lib = LIB_OPENBLAS;
    if (probe(c, op) != 0) {
        text(c->legend, sizeof c->legend, "OPENBLAS_CORETYPE=%s: %s", env_core, c->note);
        return;
    }
    text(c->variant, sizeof c->variant, "openblas-env:%s", openblas_get_corename());
    text(c->legend, sizeof c->legend,
         "OpenBLAS with OPENBLAS_CORETYPE=%s as set in this environment (core %s), in this process: what every "
         "OpenBLAS user here (numpy, ...) gets",
         env_core, openblas_get_corename());
}

/* The second OpenBLAS column: the best core this OpenBLAS has for the CPU, forced in a child. */
static void setup_openblas_best(contestant *c, const bench_options *o, const bench_cpu *cpu, const char *self_core,
                                operands *op)
{
    const char *cand[4];
    size_t n = 0;
    text(c->label, sizeof c->label, "OB-best");
    c->lib = LIB_OPENBLAS;
    c->in_child = 1;
    if (o->openblas_core != NULL && strcmp(o->openblas_core, "none") == 0) {
        text(c->legend, sizeof c->legend, "not timed (--openblas-core none)");
        return;
    }
    if (o->openblas_core != NULL) {
        cand[n++] = o->openblas_core;
    } else {
        const char *all[4];
        size_t m = openblas_candidates(cpu, all);
        for (size_t i = 0; i < m; ++i) {
            if (openblas_core_level(all[i]) > openblas_core_level(self_core)) {
                cand[n++] = all[i];
            }
        }
        if (n == 0) {
            text(c->legend, sizeof c->legend,
                 "not needed: the self-detected core %s has kernels for the widest vectors of this CPU", self_core);
            return;
        }
    }
    size_t used = (size_t)snprintf(c->legend, sizeof c->legend, "no core ran correctly:");
    for (size_t i = 0; i < n; ++i) {
        char env[96], reply[512], *field[2];
        text(env, sizeof env, "OPENBLAS_CORETYPE=%s", cand[i]);
        text(c->note, sizeof c->note, "could not start a child");
        if (worker_start(&c->w, env) == 0) {
            int r = worker_ask(&c->w, "openblas-core", reply, sizeof reply);
            split_tabs(reply, field, 2);
            if (r == 0 && strcasecmp(field[0], cand[i]) == 0 && probe(c, op) == 0) {
                text(c->variant, sizeof c->variant, "openblas:%s", field[0]);
                text(c->legend, sizeof c->legend,
                     "OpenBLAS with %s in a child process (it reports core %s; agrees with the reference)", env,
                     field[0]);
                return;
            }
            if (r == 0 && strcasecmp(field[0], cand[i]) != 0) {
                text(c->note, sizeof c->note, "it ran core %s instead", field[0]);
            } else if (r != 0) {
                text(c->note, sizeof c->note, "child %s", reply);
            }
            worker_stop(&c->w);
        }
        c->usable = 0;
        if (used < sizeof c->legend) {
            used += (size_t)snprintf(c->legend + used, sizeof c->legend - used, "%s %s: %s", i > 0 ? ";" : "", env,
                                     c->note);
        }
    }
}
#endif

/* Starts a BLIS child (BLIS_ARCH_TYPE=id when id >= 0) and opens BLIS in it; fields: configuration, version,
 * path. Returns 0, or -1 with the reason in reply. */
static int blis_child(contestant *c, const char *path, int id, char *reply, size_t cap, char **field)
{
    char env[64], request[PATH_MAX + 16];
    text(env, sizeof env, "BLIS_ARCH_TYPE=%d", id);
    text(request, sizeof request, "blis-open %s", path != NULL ? path : "-");
    if (worker_start(&c->w, id >= 0 ? env : NULL) != 0) {
        text(reply, cap, "could not start a child (%s)", c->w.exit_note);
        return -1;
    }
    int r = worker_ask(&c->w, request, reply, cap);
    if (r != 0) {
        if (r < 0) {
            char why[256];
            text(why, sizeof why, "%s", reply);
            text(reply, cap, "child %s", why);
        }
        worker_stop(&c->w);
        return -1;
    }
    if (split_tabs(reply, field, 3) != 3) {
        text(reply, cap, "unexpected answer from the child");
        worker_stop(&c->w);
        return -1;
    }
    return 0;
}

/* The BLIS column: BLIS in a child, with its best configuration for the CPU forced when it detects a lesser one. */
static void setup_blis(contestant *c, const bench_options *o, const bench_cpu *cpu, operands *op)
{
    text(c->label, sizeof c->label, "BLIS");
    c->lib = LIB_BLIS;
    c->in_child = 1;
    if (o->blis_path != NULL && strcmp(o->blis_path, "none") == 0) {
        text(c->legend, sizeof c->legend, "skipped (--blis none)");
        return;
    }
    char reply[PATH_MAX + 256], *field[3];
    if (blis_child(c, o->blis_path, -1, reply, sizeof reply, field) != 0) {
        text(c->legend, sizeof c->legend, "skipped: BLIS not usable at run time (%s)", reply);
        return;
    }
    char self[32], version[32], path[PATH_MAX];
    text(self, sizeof self, "%s", field[0]);
    text(version, sizeof version, "%s", field[1]);
    text(path, sizeof path, "%s", field[2]);
    const char *want = o->blis_arch;
    if (want != NULL && strcmp(want, "self") == 0) {
        want = NULL;
    } else if (want == NULL && blis_arch_level(self) < cpu_level(cpu)) {
        want = blis_candidate(cpu);
    }
    char forced_note[512] = "";
    if (want != NULL && strcmp(want, self) != 0) {
        char request[96];
        text(request, sizeof request, "blis-id %s", want);
        int id = worker_ask(&c->w, request, reply, sizeof reply) == 0 ? atoi(reply) : -1;
        if (id < 0) {
            text(forced_note, sizeof forced_note, "; this BLIS has no configuration %s to force", want);
        } else {
            worker_stop(&c->w);
            char tried[96];
            text(tried, sizeof tried, "BLIS_ARCH_TYPE=%d (%s)", id, want);
            if (blis_child(c, o->blis_path, id, reply, sizeof reply, field) != 0) {
                text(forced_note, sizeof forced_note, "; %s failed: %s", tried, reply);
            } else if (strcmp(field[0], want) != 0) {
                text(forced_note, sizeof forced_note, "; %s ran configuration %s instead", tried, field[0]);
                worker_stop(&c->w);
            } else if (probe(c, op) != 0) {
                text(forced_note, sizeof forced_note, "; %s: %s", tried, c->note);
                worker_stop(&c->w);
            } else {
                text(c->variant, sizeof c->variant, "blis:%s", want);
                text(c->legend, sizeof c->legend,
                     "BLIS %s (%s) with %s in a child process (it detects '%s' by itself; agrees with the "
                     "reference)",
                     version, path, tried, self);
                return;
            }
            if (blis_child(c, o->blis_path, -1, reply, sizeof reply, field) != 0) {
                text(c->legend, sizeof c->legend, "skipped: %s%s", reply, forced_note);
                return;
            }
        }
    }
    if (probe(c, op) != 0) {
        text(c->legend, sizeof c->legend, "skipped: BLIS %s, configuration %s: %s%s", version, self, c->note,
             forced_note);
        worker_stop(&c->w);
        return;
    }
    text(c->variant, sizeof c->variant, "blis:%s", self);
    text(c->legend, sizeof c->legend,
         "BLIS %s (%s), configuration '%s' as it detects itself, in a child process (agrees with the "
         "reference)%s",
         version, path, self, forced_note);
}

/* A second builtin column: the builtin core in a child with NNB_GEMM_BLOCKS=blocks (e.g. older fixed blocks). */
static void setup_builtin_blocks(contestant *c, const char *blocks, operands *op)
{
    char env[96];
    text(c->label, sizeof c->label, "nnb-blk");
    text(env, sizeof env, "NNB_GEMM_BLOCKS=%s", blocks);
    c->lib = LIB_BUILTIN;
    c->nnb = 1;
    c->in_child = 1;
    if (worker_start(&c->w, env) != 0) {
        text(c->legend, sizeof c->legend, "skipped: no child (%s)", c->w.exit_note);
        return;
    }
    if (probe(c, op) != 0) {
        text(c->legend, sizeof c->legend, "%s: %s", env, c->note);
        worker_stop(&c->w);
        return;
    }
    text(c->variant, sizeof c->variant, "nnb-blocks:%s", blocks);
    text(c->legend, sizeof c->legend,
         "the builtin core with %s in a child process (rounded to the kernel's tile; blk/best = nnb-blk / best)", env);
}

static void pause_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One line of the table, kept until the end so that % peak uses the best peak measured over the whole run. */
typedef struct table_row {
    size_t M, K, N, threads;
    double gflops[MAX_CONTESTANTS]; /* NAN: not timed */
    int failed[MAX_CONTESTANTS];    /* stopped being usable on this shape */
} table_row;

static void print_table(const contestant *cs, size_t nc, const table_row *rows, size_t nrows, double peak)
{
    size_t shown_threads = 0, blk = 0;
    for (size_t i = 1; i < nc; ++i) {
        if (cs[i].nnb && blk == 0) {
            blk = i;
        }
    }
    for (size_t r = 0; r < nrows; ++r) {
        const table_row *row = &rows[r];
        if (r == 0 || row->threads != shown_threads) {
            printf("%s%-15s %3s", r == 0 ? "" : "\n", "MxKxN", "thr");
            for (size_t i = 0; i < nc; ++i) {
                printf(" %9s", cs[i].label);
            }
            printf("  %-8s %8s %8s %8s", "best", "nnb/best", "nnb %pk", "best %pk");
            printf("%s\n", blk > 0 ? " blk/best  blk %pk" : "");
            shown_threads = row->threads;
        }
        size_t best = 0;
        for (size_t i = 1; i < nc; ++i) {
            if (!cs[i].nnb && !isnan(row->gflops[i]) && (best == 0 || row->gflops[i] > row->gflops[best])) {
                best = i;
            }
        }
        char shape[48], cell[24], ratio[24] = "-", pk[24] = "-", bpk[24] = "-";
        text(shape, sizeof shape, "%zux%zux%zu", row->M, row->K, row->N);
        printf("%-15s %3zu", shape, row->threads);
        for (size_t i = 0; i < nc; ++i) {
            if (!isnan(row->gflops[i])) {
                text(cell, sizeof cell, "%.1f", row->gflops[i]);
            } else {
                text(cell, sizeof cell, "%s", row->failed[i] ? "fail" : "-");
            }
            printf(" %9s", cell);
        }
        double total_peak = peak * (double)row->threads;
        if (best > 0 && !isnan(row->gflops[0])) {
            text(ratio, sizeof ratio, "x%.2f", row->gflops[0] / row->gflops[best]);
        }
        if (total_peak > 0.0 && !isnan(row->gflops[0])) {
            text(pk, sizeof pk, "%.0f%%", 100.0 * row->gflops[0] / total_peak);
        }
        if (total_peak > 0.0 && best > 0) {
            text(bpk, sizeof bpk, "%.0f%%", 100.0 * row->gflops[best] / total_peak);
        }
        printf("  %-8s %8s %8s %8s", best > 0 ? cs[best].label : "-", ratio, pk, bpk);
        if (blk > 0) {
            char bratio[24] = "-", bkpk[24] = "-";
            if (best > 0 && !isnan(row->gflops[blk])) {
                text(bratio, sizeof bratio, "x%.2f", row->gflops[blk] / row->gflops[best]);
            }
            if (total_peak > 0.0 && !isnan(row->gflops[blk])) {
                text(bkpk, sizeof bkpk, "%.0f%%", 100.0 * row->gflops[blk] / total_peak);
            }
            printf(" %8s %8s", bratio, bkpk);
        }
        printf("\n");
    }
    printf("\n");
}

/* The caches as the library reads them and the builtin core's blocks per kernel (compute/gemm_blocks.h). */
static void print_blocks(FILE *out)
{
    nnb__cache_info ci;
    nnb__cache_detect(&ci);
    fprintf(out,
            "  caches   L1d %zu KiB %zu-way, L2 %zu KiB %zu-way, L3 share of one core %zu KiB %zu-way (from %s; "
            "0: unknown; the model counts at most %zu KiB of L3)\n",
            ci.l1d >> 10, ci.l1d_ways, ci.l2 >> 10, ci.l2_ways, ci.l3_share >> 10, ci.l3_ways, ci.source,
            (size_t)NNB__L3_SHARE_MAX >> 10);
#ifdef NNB_BENCH_BUILTIN_VARIANTS
    static const char *const names[] = {"generic", "avx2", "avx512"};
    fprintf(out, "  blocks  ");
    for (size_t v = 0; v < 3; ++v) {
        nnb__gemm_blocks b;
        size_t mr, nr;
        if (nnb__gemm_builtin_blocks(v, &b, &mr, &nr)) {
            fprintf(out, " %s %zux%zu: mc %zu kc %zu nc %zu;", names[v], mr, nr, b.mc, b.kc, b.nc);
        }
    }
    const char *env = getenv("NNB_GEMM_BLOCKS");
    fprintf(out, " (%s)\n", env != NULL ? "NNB_GEMM_BLOCKS set" : "derived from the caches");
#endif
}

/* Prints every OPENBLAS_*, BLIS_*, GOTO_*, OMP_* and NNB_* variable of our environment (they steer the contestants). */
static void print_environment(FILE *out)
{
    static const char *const prefixes[] = {"OPENBLAS_", "BLIS_", "GOTO_", "OMP_", "NNB_"};
    int any = 0;
    for (size_t i = 0; environ[i] != NULL; ++i) {
        for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; ++p) {
            if (strncmp(environ[i], prefixes[p], strlen(prefixes[p])) == 0) {
                fprintf(out, "%s %s", any ? "" : "  env     ", environ[i]);
                any = 1;
            }
        }
    }
    fprintf(out, "%s\n", any ? "" : "  env      no OPENBLAS_*, BLIS_*, OMP_* or NNB_* variables set");
}

int bench_fair(const bench_options *o)
{
    static const size_t shapes[][3] = {{64, 64, 64},       {128, 128, 128},    {256, 256, 256},  {512, 512, 512},
                                       {1024, 1024, 1024}, {2048, 2048, 2048}, {1024, 784, 128}, {128, 784, 128},
                                       {128, 128, 10},     {300, 2, 64},       {300, 64, 3},     {1024, 128, 10}};
    FILE *info = o->csv ? stderr : stdout;
    int status = 0;

    /* A child that dies must not take this process with it when we next write to its pipe. */
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ignore, NULL);

    for (size_t i = 0; o->cpu_clock && i < o->n_fair_threads; ++i) {
        if (o->fair_threads[i] != 1) {
            fprintf(stderr, "nnb-bench: --clock cpu times one thread only (CPU times of several threads add up)\n");
            return 1;
        }
    }
    g_cpu_clock = o->cpu_clock;
    bench_use_cpu_clock(g_cpu_clock);

    bench_cpu cpu;
    bench_cpu_describe(&cpu);
    double peak256 = bench_fma_peak_gflops(256, 0.3);
    double peak512 = cpu.avx512 ? bench_fma_peak_gflops(512, 0.3) : 0.0;
    size_t rounds = o->rounds != 0 ? o->rounds : o->quick ? 3u : 5u;
    rounds = rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
    const double budget = o->quick ? 0.03 : 0.08;

    fprintf(info,
            "Fair baselines  C = A * B (M x K x N, float32, row-major, no transpose), GFLOP/s: median over %zu "
            "interleaved rounds of each one's median\n",
            rounds);
    fprintf(info, "  CPU      %s (%s family %d model %d stepping %d), %ld online CPUs; AVX2+FMA %s, AVX-512 %s\n",
            cpu.model, cpu.vendor[0] != '\0' ? cpu.vendor : "unknown vendor", cpu.family, cpu.model_number,
            cpu.stepping, cpu.online_cpus, cpu.avx2_fma ? "yes" : "no", cpu.avx512 ? "F/DQ/BW/VL yes" : "no");
    print_environment(info);
    print_blocks(info);
    fprintf(info, "  clock    %s\n",
            g_cpu_clock ? "each process's CPU time (--clock cpu): leaves out the time other work held the core"
                        : "wall (CLOCK_MONOTONIC)");
    double load_start[1] = {-1.0};
    getloadavg(load_start, 1);

    contestant cs[MAX_CONTESTANTS];
    memset(cs, 0, sizeof cs);
    size_t nc = 0;
    operands op;
    memset(&op, 0, sizeof op);

    contestant *builtin = &cs[nc++];
    text(builtin->label, sizeof builtin->label, "builtin");
    text(builtin->variant, sizeof builtin->variant, "nnb:%s:%s", nnb_backend_name(), nnb_compute_isa());
    builtin->lib = LIB_BUILTIN;
    builtin->nnb = 1;
    text(builtin->legend, sizeof builtin->legend, "libnnbasics %s nnb_gemm: GEMM backend %s, compute ISA %s",
         nnb_version_string(), nnb_backend_name(), nnb_compute_isa());
    if (probe(builtin, &op) != 0) {
        fprintf(stderr, "nnb-bench: the builtin core disagrees with the reference: %s\n", builtin->note);
        status = 1;
    }
#ifdef NNB_BENCH_HAVE_OPENBLAS
    char self_core[64];
    const char *env_core = getenv("OPENBLAS_CORETYPE");
    setup_openblas_self(&cs[nc++], env_core, &op, self_core, sizeof self_core);
    setup_openblas_best(&cs[nc++], o, &cpu, self_core, &op);
    const char *best_core = strncmp(cs[2].variant, "openblas:", 9) == 0 ? cs[2].variant + 9 : "";
    if (env_core != NULL && strcasecmp(openblas_get_corename(), self_core) != 0 &&
        strcasecmp(openblas_get_corename(), best_core) != 0) {
        setup_openblas_env(&cs[nc++], env_core, &op);
    }
#else
    text(cs[nc].label, sizeof cs[nc].label, "OB-self");
    text(cs[nc++].legend, sizeof cs[0].legend, "skipped: nnb-bench was built without OpenBLAS");
    text(cs[nc].label, sizeof cs[nc].label, "OB-best");
    text(cs[nc++].legend, sizeof cs[0].legend, "skipped: nnb-bench was built without OpenBLAS");
#endif
    setup_blis(&cs[nc++], o, &cpu, &op);
    if (o->nnb_blocks != NULL) {
        setup_builtin_blocks(&cs[nc++], o->nnb_blocks, &op);
    }
    for (size_t i = 0; i < nc; ++i) {
        fprintf(info, "  %-8s %s\n", cs[i].label, cs[i].legend);
    }
    fprintf(info, "  best     the fastest BLAS column; nnb/best = builtin / best (> 1: builtin faster)\n");
    fflush(info);

    int ran[MAX_CONTESTANTS];
    for (size_t i = 0; i < nc; ++i) {
        ran[i] = cs[i].usable;
    }
    size_t thread_counts[BENCH_MAX_THREAD_COUNTS] = {1};
    size_t nthreads = 1;
    if (o->n_fair_threads > 0) {
        nthreads = o->n_fair_threads;
        memcpy(thread_counts, o->fair_threads, nthreads * sizeof thread_counts[0]);
    }
    const int naive = strcmp(nnb_backend_name(), "naive") == 0;
    table_row rows[MAX_ROWS];
    size_t nrows = 0;
    for (size_t ti = 0; ti < nthreads; ++ti) {
        size_t threads = thread_counts[ti];
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0] && nrows < MAX_ROWS; ++s) {
            size_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
            double flop = 2.0 * (double)M * (double)K * (double)N;
            if (o->quick && flop > 4e9) {
                continue; /* the largest square */
            }
            if (operands_prepare(&op, M, K, N) != 0) {
                fprintf(stderr, "nnb-bench: out of memory at %zux%zux%zu\n", M, K, N);
                status = 1;
                break;
            }
            /* Sample the peak again between shapes: on a shared machine the first try may have been unlucky. */
            double p256 = bench_fma_peak_gflops(256, 0.02);
            double p512 = cpu.avx512 ? bench_fma_peak_gflops(512, 0.02) : 0.0;
            peak256 = p256 > peak256 ? p256 : peak256;
            peak512 = p512 > peak512 ? p512 : peak512;

            table_row *row = &rows[nrows++];
            memset(row, 0, sizeof *row);
            row->M = M;
            row->K = K;
            row->N = N;
            row->threads = threads;
            int was_usable[MAX_CONTESTANTS];
            double g[MAX_CONTESTANTS][MAX_ROUNDS];
            size_t ng[MAX_CONTESTANTS] = {0};
            for (size_t i = 0; i < nc; ++i) {
                was_usable[i] = cs[i].usable;
            }
            for (size_t r = 0; r < rounds; ++r) {
                for (size_t q = 0; q < nc; ++q) {
                    size_t i = (q + r) % nc; /* rotate who goes first */
                    if (!cs[i].usable || (i == 0 && naive && flop > 2.5e9)) {
                        continue;
                    }
                    if (threads > 1) {
                        pause_seconds(0.1); /* let the last one's idle threads stop spinning */
                    }
                    double v = measure(&cs[i], &op, threads, budget, r == 0);
                    if (!isnan(v)) {
                        g[i][ng[i]++] = v;
                    }
                }
            }
            char shape[48];
            text(shape, sizeof shape, "%zux%zux%zu", M, K, N);
            for (size_t i = 0; i < nc; ++i) {
                row->gflops[i] = cs[i].usable && ng[i] > 0 ? median_of(g[i], ng[i]) : NAN;
                row->failed[i] = was_usable[i] && !cs[i].usable;
                if (i == 0 && row->failed[0]) {
                    fprintf(stderr, "nnb-bench: builtin: %s\n", cs[0].note);
                    status = 1;
                }
                if (!isnan(row->gflops[i])) {
                    report_row(o, "gemm_fair", cs[i].variant, shape, threads, flop / row->gflops[i] * 1e-9,
                               row->gflops[i]);
                }
            }
        }
    }
    double peak = peak512 > peak256 ? peak512 : peak256;
    fprintf(info,
            "  peak     one core, FP32 FMA, register-only loop, best ~2 ms run over the whole section: 256-bit "
            "%.1f GFLOP/s, 512-bit ",
            peak256);
    if (peak512 > 0.0) {
        fprintf(info, "%.1f GFLOP/s", peak512);
    } else {
        fprintf(info, "n/a");
    }
    fprintf(info, "\n  %% pk     GFLOP/s / (threads x %.1f, the %s peak of one core)\n", peak,
            peak512 > peak256 ? "512-bit" : "256-bit");
    double load_end[1] = {-1.0};
    getloadavg(load_end, 1);
    double load = load_start[0] > load_end[0] ? load_start[0] : load_end[0];
    fprintf(info, "  load     1-minute load average %.1f at the start, %.1f at the end, on %ld online CPUs%s\n\n",
            load_start[0], load_end[0], cpu.online_cpus,
            load <= (double)cpu.online_cpus ? ""
            : g_cpu_clock ? ": other work competed for the CPUs (the CPU-time clock leaves out its share of the time, "
                            "not its effect on the caches)"
                          : ": other work competed for the CPUs, so the figures are low and noisy");
    if (o->csv) {
        printf("fma_peak,256-bit,1core,1,,%.3f\n", peak256);
        if (peak512 > 0.0) {
            printf("fma_peak,512-bit,1core,1,,%.3f\n", peak512);
        }
    } else {
        print_table(cs, nc, rows, nrows, peak);
    }
    for (size_t i = 0; i < nc; ++i) {
        if (ran[i]) {
            fprintf(info, "  %-8s largest deviation from the reference %.2g (x sum |a*b|)%s%s\n", cs[i].label,
                    cs[i].worst_err, cs[i].usable ? "" : "; stopped: ", cs[i].usable ? "" : cs[i].note);
        }
        worker_stop(&cs[i].w);
    }
    fprintf(info, "\n");
    operands_free(&op);
    bench_use_cpu_clock(0);
    nnb_set_num_threads(0);
#ifdef NNB_BENCH_HAVE_OPENBLAS
    openblas_set_num_threads((int)(cpu.online_cpus > 0 ? cpu.online_cpus : 1));
#endif
    return status;
}
