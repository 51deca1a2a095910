/* SPDX-License-Identifier: MIT */
/*
 * Section "conv" of nnb-bench: the convolutional network of `nnb train --arch cnn`
 *
 *   conv:32:3,relu,pool:2,conv:64:3,relu,pool:2,flatten,dense:128,relu,dense:10   (valid padding, stride 1)
 *
 * on a batch of 64 images of 1 x 28 x 28, softmax + cross-entropy, Adam (lr 1e-3), through nnb_model:
 *
 *   conv_fwd    nnb_model_evaluate of the batch (forward and loss)
 *   conv_train  nnb_model_train, one epoch of one batch (forward, loss, backward, Adam update)
 *
 * beside PyTorch's nn.Conv2d equivalent (bench/peers/conv_torch.py, the same network and optimizer), at 1 and
 * 2 threads (nnb_set_num_threads; torch.set_num_threads). The peer runs in a child process (python3
 * conv_torch.py --serve) and the two are timed interleaved: each round times one sample of back-to-back calls
 * of each (>= ~20 ms), the order alternating from round to round, so both see the same machine load. The table
 * gives the median over rounds of each one's time per call and their ratio (PyTorch / libnnbasics: above 1,
 * libnnbasics is faster). Without python3 or PyTorch the peer columns say "-" and a message says why.
 */
#define _GNU_SOURCE /* pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "nnbasics/nnbasics.h"

#ifndef NNB_BENCH_PEERS_DIR
#    define NNB_BENCH_PEERS_DIR "bench/peers"
#endif

#define CONV_BATCH 64u
#define CONV_SIDE 28u
#define CONV_CLASSES 10u
#define CONV_MAX_ROUNDS 31u

/* ---- the PyTorch peer in a child process -------------------------------------------------------------- */

typedef struct peer {
    pid_t pid;
    FILE *to, *from;
} peer;

static void peer_stop(peer *p)
{
    if (p->to != NULL) {
        fputs("quit\n", p->to);
        fclose(p->to);
    }
    if (p->from != NULL) {
        fclose(p->from);
    }
    if (p->pid > 0) {
        int status;
        while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    memset(p, 0, sizeof *p);
}

/*
 * Starts `python3 conv_torch.py --serve` in the peers folder ($NNB_BENCH_PEERS or the source tree's
 * bench/peers; python3 from $PYTHON or /usr/bin/python3) and waits for its "ready". Returns 0, or -1 with a
 * reason in why (the peer itself reports a missing PyTorch on stderr).
 */
static int peer_start(peer *p, char *why, size_t why_size)
{
    memset(p, 0, sizeof *p);
    const char *dir = getenv("NNB_BENCH_PEERS");
    const char *python = getenv("PYTHON");
    dir = dir != NULL && dir[0] != '\0' ? dir : NNB_BENCH_PEERS_DIR;
    python = python != NULL && python[0] != '\0' ? python : "/usr/bin/python3";
    char script[4096];
    if ((size_t)snprintf(script, sizeof script, "%s/conv_torch.py", dir) >= sizeof script ||
        access(script, R_OK) != 0) {
        snprintf(why, why_size, "%s/conv_torch.py not found (set NNB_BENCH_PEERS to bench/peers)", dir);
        return -1;
    }
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0) {
        snprintf(why, why_size, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(from_child, O_CLOEXEC) != 0) {
        close(to_child[0]);
        close(to_child[1]);
        snprintf(why, why_size, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(to_child[0], STDIN_FILENO);
        dup2(from_child[1], STDOUT_FILENO);
        char *argv[] = {(char *)python, script, (char *)"--serve", NULL};
        execv(python, argv);
        _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    if (pid < 0) {
        close(to_child[1]);
        close(from_child[0]);
        snprintf(why, why_size, "fork: %s", strerror(errno));
        return -1;
    }
    p->pid = pid;
    p->to = fdopen(to_child[1], "w");
    p->from = fdopen(from_child[0], "r");
    char line[64];
    if (p->to == NULL || p->from == NULL || fgets(line, sizeof line, p->from) == NULL ||
        strncmp(line, "ready", 5) != 0) {
        int status = 0;
        if (p->to != NULL) {
            fclose(p->to);
        } else {
            close(to_child[1]);
        }
        if (p->from != NULL) {
            fclose(p->from);
        } else {
            close(from_child[0]);
        }
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        snprintf(why, why_size, "%s",
                 code == 3     ? "PyTorch is not installed (Debian: python3-torch)"
                 : code == 127 ? "python3 could not be started (set PYTHON)"
                               : "the PyTorch peer did not start");
        memset(p, 0, sizeof *p);
        return -1;
    }
    return 0;
}

/* Seconds per call of `calls` calls of the peer's workload; NAN when the peer is gone. */
static double peer_time(peer *p, const char *workload, size_t threads, size_t calls)
{
    char line[64];
    if (p->to == NULL || fprintf(p->to, "%s %zu %zu\n", workload, threads, calls) < 0 || fflush(p->to) != 0 ||
        fgets(line, sizeof line, p->from) == NULL) {
        return NAN;
    }
    return strtod(line, NULL);
}

/* ---- the library's side ------------------------------------------------------------------------------- */

typedef struct conv_ctx {
    nnb_model *model;
    nnb_tensor *X;
    uint32_t *y;
    nnb_targets targets;
    nnb_train_params tp;
    float loss;
    nnb_status status;
} conv_ctx;

static void conv_destroy(conv_ctx *c)
{
    nnb_model_destroy(c->model);
    nnb_tensor_destroy(c->X);
    free(c->y);
    memset(c, 0, sizeof *c);
}

/* The network and one batch of pixel-like inputs in [0, 1) with random labels. */
static nnb_status conv_create(conv_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->y = malloc(CONV_BATCH * sizeof *c->y);
    nnb_status st = c->y == NULL ? NNB_ERR_NOMEM : nnb_tensor_create(&c->X, CONV_BATCH, CONV_SIDE * CONV_SIDE);
    if (st != NNB_OK) {
        return st;
    }
    float *x = nnb_tensor_data(c->X);
    unsigned long long s = 99u;
    for (size_t i = 0; i < CONV_BATCH * CONV_SIDE * CONV_SIDE; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = (float)(s >> 40) / 16777216.0f;
    }
    for (size_t i = 0; i < CONV_BATCH; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        c->y[i] = (uint32_t)((s >> 33) % CONV_CLASSES);
    }
    nnb_conv2d_params cp = nnb_conv2d_params_default(3);
    cp.padding = NNB_PADDING_VALID;
    nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    st = nnb_model_create(&c->model, 0);
    if (st == NNB_OK) {
        st = nnb_model_add_conv2d(c->model, 1, CONV_SIDE, CONV_SIDE, 32, &cp);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_relu(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_maxpool2d(c->model, 2, 2, 2);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_conv2d(c->model, 0, 0, 0, 64, &cp);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_relu(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_maxpool2d(c->model, 2, 2, 2);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_flatten(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense_init(c->model, 64u * 5u * 5u, 128, &he, NULL);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_relu(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_dense_init(c->model, 128, CONV_CLASSES, &he, NULL);
    }
    if (st == NNB_OK) {
        st = nnb_model_add_softmax(c->model);
    }
    if (st == NNB_OK) {
        st = nnb_model_set_loss(c->model, NNB_LOSS_CCE);
    }
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 1e-3;
    if (st == NNB_OK) {
        st = nnb_model_set_optimizer(c->model, &adam);
    }
    if (st == NNB_OK) {
        st = nnb_model_finalize(c->model);
    }
    c->targets = nnb_targets_from_labels(c->y, CONV_BATCH);
    c->tp = nnb_train_params_default();
    c->tp.epochs = 1;
    c->tp.batch_size = 0;
    c->tp.shuffle = 0;
    c->tp.print_every = 0;
    return st;
}

static void conv_fwd(void *p)
{
    conv_ctx *c = p;
    nnb_status st = nnb_model_evaluate(c->model, c->X, &c->targets, 0, &c->loss, NULL);
    if (st != NNB_OK && c->status == NNB_OK) {
        c->status = st;
    }
}

static void conv_train(void *p)
{
    conv_ctx *c = p;
    nnb_status st = nnb_model_train(c->model, c->X, &c->targets, &c->tp);
    if (st != NNB_OK && c->status == NNB_OK) {
        c->status = st;
    }
}

/* Seconds per call of `calls` back-to-back calls. */
static double time_calls(bench_run_fn fn, void *ctx, size_t calls)
{
    double t0 = now_seconds();
    for (size_t i = 0; i < calls; ++i) {
        fn(ctx);
    }
    return (now_seconds() - t0) / (double)calls;
}

/* Calls per sample so that a sample lasts at least `min_s`, from the time of one call. */
static size_t calls_for(double one, double min_s)
{
    size_t n = (size_t)ceil(min_s / (one > 1e-9 ? one : 1e-9));
    return n < 1u ? 1u : n;
}

int bench_conv(const bench_options *o)
{
    static const char *const workloads[] = {"conv_fwd", "conv_train"};
    const size_t rounds = o->rounds != 0 ? (o->rounds > CONV_MAX_ROUNDS ? CONV_MAX_ROUNDS : o->rounds)
                          : o->quick     ? 5u
                                         : 11u;
    const double min_sample = o->quick ? 0.01 : 0.02;
    size_t thr_list[2] = {1, 2}, nthr = 2;
    if (o->threads != 0) {
        thr_list[0] = o->threads;
        nthr = 1;
    }

    peer pp;
    char why[256] = "";
    int have_peer = !o->no_peer && peer_start(&pp, why, sizeof why) == 0;
    void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a peer that dies must not take this process along */
    if (!o->csv) {
        printf("Conv network (nnb train --arch cnn: conv:32:3,relu,pool:2,conv:64:3,relu,pool:2,flatten,dense:128,"
               "relu,dense:10;\nvalid padding), batch %u of 1x28x28, Adam; %zu interleaved rounds, median ms per "
               "call; ratio = PyTorch / libnnbasics\n",
               CONV_BATCH, rounds);
        if (!have_peer) {
            printf("PyTorch peer skipped: %s\n", o->no_peer ? "--no-peer" : why);
        }
        printf("%-11s %3s %14s %12s %7s %12s\n", "workload", "thr", "libnnbasics_ms", "pytorch_ms", "ratio",
               "allocs/call");
    }
    int failed = 0;
    for (size_t wi = 0; wi < 2; ++wi) {
        const int train = wi == 1;
        for (size_t ti = 0; ti < nthr; ++ti) {
            const size_t threads = thr_list[ti];
            nnb_set_num_threads(threads);
            conv_ctx c;
            nnb_status st = conv_create(&c); /* after the thread setting: the workspace is sized for it */
            if (st != NNB_OK) {
                fprintf(stderr, "nnb-bench: conv setup failed: %s\n", nnb_status_string(st));
                conv_destroy(&c);
                failed = 1;
                continue;
            }
            bench_run_fn fn = train ? conv_train : conv_fwd;
            fn(&c); /* warm-up: gradient buffers, optimizer state, thread start-up, page faults */
            size_t n_nnb = calls_for(time_calls(fn, &c, 1), min_sample);
            size_t n_peer = 0;
            if (have_peer) {
                double one = peer_time(&pp, workloads[wi], threads, 1); /* the first request warms up */
                n_peer = isnan(one) ? 0 : calls_for(one, min_sample);
            }
            double t_nnb[CONV_MAX_ROUNDS], t_peer[CONV_MAX_ROUNDS];
            size_t peer_rounds = 0, calls = 0, allocs0 = bench_alloc_count();
            for (size_t r = 0; r < rounds; ++r) {
                for (int half = 0; half < 2; ++half) {
                    if ((half == 0) == (r % 2 == 0)) {
                        t_nnb[r] = time_calls(fn, &c, n_nnb);
                        calls += n_nnb;
                    } else if (n_peer > 0) {
                        double t = peer_time(&pp, workloads[wi], threads, n_peer);
                        if (isnan(t)) {
                            n_peer = 0;
                            fprintf(stderr, "nnb-bench: the PyTorch peer stopped answering\n");
                        } else {
                            t_peer[peer_rounds++] = t;
                        }
                    }
                }
            }
            double allocs = (double)(bench_alloc_count() - allocs0) / (double)calls;
            if (c.status != NNB_OK) {
                fprintf(stderr, "nnb-bench: %s: %s\n", workloads[wi], nnb_status_string(c.status));
                failed = 1;
            }
            double m_nnb = median_of(t_nnb, rounds);
            double m_peer = peer_rounds > 0 ? median_of(t_peer, peer_rounds) : NAN;
            report_row(o, workloads[wi], "libnnbasics", "64x1x28x28", threads, m_nnb, NAN);
            if (!isnan(m_peer)) {
                report_row(o, workloads[wi], "pytorch", "64x1x28x28", threads, m_peer, NAN);
            }
            if (!o->csv) {
                char pcell[32] = "-", rcell[32] = "-";
                if (!isnan(m_peer)) {
                    snprintf(pcell, sizeof pcell, "%.3f", m_peer * 1e3);
                    snprintf(rcell, sizeof rcell, "%.2f", m_peer / m_nnb);
                }
                printf("%-11s %3zu %14.3f %12s %7s %12.2f\n", workloads[wi], threads, m_nnb * 1e3, pcell, rcell,
                       allocs);
                fflush(stdout);
            }
            conv_destroy(&c);
        }
    }
    if (have_peer) {
        peer_stop(&pp);
    }
    signal(SIGPIPE, old_pipe);
    nnb_set_num_threads(0);
    if (!o->csv) {
        printf("\n");
    }
    return failed;
}
