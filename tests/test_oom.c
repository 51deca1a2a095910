/* SPDX-License-Identifier: MIT */
/*
 * Allocation-failure sweep: for every public operation that allocates, make the k-th allocation fail for
 * k = 1, 2, ... until the operation succeeds, and check each failure: the out-of-memory status, no block
 * leaked (the hook counts live blocks), and the caller's objects unchanged and still usable.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

#include "nnbasics/model_file.h"

#if defined(__has_include)
#    if __has_include(<zlib.h>)
#        include <zlib.h>
#        define OOM_HAVE_ZLIB 1
#    endif
#endif

/* One case: `run` performs the operation once (returning its status); `undo` releases what a successful
 * run created; `unchanged` verifies the caller-owned state is as before (NULL when nothing to check). */
typedef struct oom_case {
    const char *name;
    nnb_status (*run)(void *ctx);
    void (*undo)(void *ctx);
    int (*unchanged)(void *ctx);
} oom_case;

static size_t g_points_swept;

/* Set while sweeping operations on an object that may keep what it allocated before the failing point
 * (a grown layer array, a workspace, gradient buffers): the object owns those blocks and frees them when
 * destroyed, so the live count may rise on failure. True leaks then show as live blocks once every object
 * is destroyed (checked at the end of those tests, and by cmocka's leak check). */
static int g_object_may_keep;

/* Set while sweeping many variants of one operation, which then report one total. */
static int g_quiet;

static void report_points(const char *name, size_t points)
{
    if (!g_quiet) {
        print_message("  %-58s %3zu allocation point(s)\n", name, points);
    }
}

/* Sweeps one case; returns the number of allocation points it has. */
static size_t sweep(const oom_case *c, void *ctx)
{
    const size_t live_start = nnb_test_live_blocks();
    for (size_t k = 1; k < 10000; ++k) {
        size_t live_before = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = c->run(ctx);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            c->undo(ctx);
            /* undo released what the run created (for objects that may keep blocks: it rebuilt them) */
            assert_int_equal(nnb_test_live_blocks(), g_object_may_keep ? live_start : live_before);
            if (!g_object_may_keep) {
                g_points_swept += k - 1; /* retries on one object are not counted: sweep_fresh counts those */
                report_points(c->name, k - 1);
            }
            return k - 1;
        }
        if (st != NNB_ERR_NOMEM) {
            fail_msg("%s: allocation %zu failing gave %s, expected out of memory", c->name, k, nnb_status_string(st));
        }
        if (strstr(nnb_last_error(), "memory") == NULL) {
            fail_msg("%s: allocation %zu failing: the detail '%s' does not say memory", c->name, k, nnb_last_error());
        }
        if (!g_object_may_keep && nnb_test_live_blocks() != live_before) {
            fail_msg("%s: allocation %zu failing leaked %zu block(s)", c->name, k,
                     nnb_test_live_blocks() - live_before);
        }
        if (c->unchanged != NULL && !c->unchanged(ctx)) {
            fail_msg("%s: allocation %zu failing changed the caller's objects", c->name, k);
        }
    }
    fail_msg("%s never succeeded", c->name);
    return 0;
}

/* ---- tensors ---- */

typedef struct tensor_ctx {
    nnb_tensor *out;
    nnb_tensor *existing;
    float values[6];
} tensor_ctx;

static nnb_status run_tensor_create(void *p)
{
    tensor_ctx *c = p;
    return nnb_tensor_create(&c->out, 2, 3);
}

static nnb_status run_tensor_create_from(void *p)
{
    tensor_ctx *c = p;
    return nnb_tensor_create_from(&c->out, 2, 3, c->values);
}

static nnb_status run_tensor_wrap(void *p)
{
    tensor_ctx *c = p;
    return nnb_tensor_wrap(&c->out, 2, 3, c->values);
}

static nnb_status run_tensor_clone(void *p)
{
    tensor_ctx *c = p;
    return nnb_tensor_clone(&c->out, c->existing);
}

static void undo_tensor(void *p)
{
    tensor_ctx *c = p;
    nnb_tensor_destroy(c->out);
    c->out = NULL;
}

static int tensor_out_untouched(void *p)
{
    tensor_ctx *c = p;
    return c->out == NULL;
}

static nnb_status run_tensor_grow(void *p)
{
    tensor_ctx *c = p;
    return nnb_tensor_resize(c->existing, 20, 30);
}

static void undo_tensor_grow(void *p)
{
    tensor_ctx *c = p;
    /* Shrinking back never allocates; the grown capacity is kept. */
    assert_ok(nnb_tensor_resize(c->existing, 2, 3));
}

static int tensor_grow_untouched(void *p)
{
    tensor_ctx *c = p;
    float v;
    if (nnb_tensor_rows(c->existing) != 2 || nnb_tensor_cols(c->existing) != 3) {
        return 0;
    }
    for (size_t i = 0; i < 6; ++i) {
        if (nnb_tensor_get(c->existing, i / 3, i % 3, &v) != NNB_OK || v != c->values[i]) {
            return 0;
        }
    }
    return 1;
}

static void test_oom_tensor_constructors_fail_cleanly(void **state)
{
    (void)state;
    tensor_ctx c = {NULL, NULL, {1, 2, 3, 4, 5, 6}};
    assert_ok(nnb_tensor_create_from(&c.existing, 2, 3, c.values));
    const oom_case cases[] = {
        {"nnb_tensor_create", run_tensor_create, undo_tensor, tensor_out_untouched},
        {"nnb_tensor_create_from", run_tensor_create_from, undo_tensor, tensor_out_untouched},
        {"nnb_tensor_wrap", run_tensor_wrap, undo_tensor, tensor_out_untouched},
        {"nnb_tensor_clone", run_tensor_clone, undo_tensor, tensor_out_untouched},
        {"nnb_tensor_resize (grow)", run_tensor_grow, undo_tensor_grow, tensor_grow_untouched},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        assert_true(sweep(&cases[i], &c) >= 1);
    }
    nnb_tensor_destroy(c.existing);
}

/* ---- generator, dense layer, optimizer ---- */

typedef struct layer_ctx {
    nnb_rng *rng;
    nnb_rng *rng_copy;
    nnb_dense *dense;
    nnb_dense *existing;
    nnb_optimizer *opt;
    const nnb_tensor *own_out;
    nnb_tensor *x, *dvalues, *dinputs;
    double first_normal; /* what the generator would draw next (must not move on failure) */
} layer_ctx;

static nnb_status run_rng_create(void *p)
{
    layer_ctx *c = p;
    return nnb_rng_create(&c->rng_copy, 7);
}

static nnb_status run_rng_clone(void *p)
{
    layer_ctx *c = p;
    return nnb_rng_clone(&c->rng_copy, c->rng);
}

static void undo_rng(void *p)
{
    layer_ctx *c = p;
    nnb_rng_destroy(c->rng_copy);
    c->rng_copy = NULL;
}

static int rng_untouched(void *p)
{
    layer_ctx *c = p;
    return c->rng_copy == NULL;
}

static nnb_status run_dense_create(void *p)
{
    layer_ctx *c = p;
    return nnb_dense_create(&c->dense, 4, 5, c->rng, 0.01f);
}

static void undo_dense(void *p)
{
    layer_ctx *c = p;
    nnb_dense_destroy(c->dense);
    c->dense = NULL;
    /* Put the generator back where it was for the next sweep point. */
    assert_ok(nnb_rng_seed(c->rng, 3));
}

/* A failed create must not consume normals: the next normal is still the first of seed 3. */
static int dense_create_untouched(void *p)
{
    layer_ctx *c = p;
    if (c->dense != NULL) {
        return 0;
    }
    nnb_rng *probe = NULL;
    if (nnb_rng_clone(&probe, c->rng) != NNB_OK) {
        return 0;
    }
    int same = nnb_rng_normal(probe) == c->first_normal;
    nnb_rng_destroy(probe);
    return same;
}

static nnb_status run_dense_forward_own(void *p)
{
    layer_ctx *c = p;
    return nnb_dense_forward_own(c->existing, c->x, &c->own_out);
}

/* Replaces the layer by a fresh one, so that the next sweep point starts from a layer without buffers. */
static void undo_layer_reset(void *p)
{
    layer_ctx *c = p;
    nnb_dense_destroy(c->existing);
    c->existing = NULL;
    assert_ok(nnb_dense_create(&c->existing, 4, 5, NULL, 0.01f));
}

static nnb_status run_dense_backward_first(void *p)
{
    layer_ctx *c = p;
    return nnb_dense_backward(c->existing, c->x, c->dvalues, c->dinputs);
}

static nnb_status run_optimizer_create(void *p)
{
    layer_ctx *c = p;
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    return nnb_optimizer_create(&c->opt, &params);
}

static void undo_optimizer(void *p)
{
    layer_ctx *c = p;
    nnb_optimizer_destroy(c->opt);
    c->opt = NULL;
}

static void test_oom_rng_layer_and_optimizer_fail_cleanly(void **state)
{
    (void)state;
    layer_ctx c;
    memset(&c, 0, sizeof c);
    assert_ok(nnb_rng_create(&c.rng, 3));
    c.first_normal = nnb_rng_normal(c.rng);
    assert_ok(nnb_rng_seed(c.rng, 3));
    assert_ok(nnb_dense_create(&c.existing, 4, 5, NULL, 0.01f));
    assert_ok(nnb_tensor_create(&c.x, 8, 4));
    assert_ok(nnb_tensor_fill(c.x, 0.5f));
    assert_ok(nnb_tensor_create(&c.dvalues, 8, 5));
    assert_ok(nnb_tensor_fill(c.dvalues, 0.25f));
    assert_ok(nnb_tensor_create(&c.dinputs, 8, 4));

    const oom_case cases[] = {
        {"nnb_rng_create", run_rng_create, undo_rng, rng_untouched},
        {"nnb_rng_clone", run_rng_clone, undo_rng, rng_untouched},
        {"nnb_dense_create", run_dense_create, undo_dense, dense_create_untouched},
        {"nnb_dense_forward_own (first call)", run_dense_forward_own, undo_layer_reset, NULL},
        {"nnb_dense_backward (first call)", run_dense_backward_first, undo_layer_reset, NULL},
        {"nnb_optimizer_create", run_optimizer_create, undo_optimizer, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        (void)sweep(&cases[i], &c);
    }

    /* The optimizer's per-layer state is created on the first update: sweep that too. */
    assert_ok(nnb_dense_backward(c.existing, c.x, c.dvalues, NULL));
    nnb_optimizer_params params = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    assert_ok(nnb_optimizer_create(&c.opt, &params));
    float w_before[20];
    memcpy(w_before, nnb_tensor_cdata(nnb_dense_weights(c.existing)), sizeof w_before);
    for (size_t k = 1;; ++k) {
        size_t live = nnb_test_live_blocks();
        assert_ok(nnb_optimizer_pre_update(c.opt));
        nnb_test_fail_allocation(k);
        nnb_status st = nnb_optimizer_update_dense(c.opt, c.existing);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            g_points_swept += k - 1;
            break;
        }
        assert_int_equal(st, NNB_ERR_NOMEM);
        assert_int_equal(nnb_test_live_blocks(), live);
        assert_memory_equal(w_before, nnb_tensor_cdata(nnb_dense_weights(c.existing)), sizeof w_before);
    }
    undo_optimizer(&c);

    nnb_tensor_destroy(c.dinputs);
    nnb_tensor_destroy(c.dvalues);
    nnb_tensor_destroy(c.x);
    nnb_dense_destroy(c.existing);
    nnb_rng_destroy(c.rng);
}

/* ---- models: building ---- */

/* Bitwise equality of two models' dense parameters (same architecture). */
static int same_parameters(const nnb_model *a, const nnb_model *b)
{
    if (nnb_model_layer_count(a) != nnb_model_layer_count(b)) {
        return 0;
    }
    for (size_t i = 0; i < nnb_model_layer_count(a); ++i) {
        const nnb_dense *da = nnb_model_cdense(a, i), *db = nnb_model_cdense(b, i);
        if ((da == NULL) != (db == NULL)) {
            return 0;
        }
        if (da == NULL) {
            continue;
        }
        const nnb_tensor *pa[2] = {nnb_dense_weights(da), nnb_dense_biases(da)};
        const nnb_tensor *pb[2] = {nnb_dense_weights(db), nnb_dense_biases(db)};
        for (size_t k = 0; k < 2; ++k) {
            if (nnb_tensor_size(pa[k]) != nnb_tensor_size(pb[k]) ||
                memcmp(nnb_tensor_cdata(pa[k]), nnb_tensor_cdata(pb[k]), nnb_tensor_size(pa[k]) * sizeof(float)) != 0) {
                return 0;
            }
        }
    }
    return 1;
}

/* The next raw draw of a generator, without advancing it (the probe is freed before returning). */
static uint32_t peek_u32(const nnb_rng *rng)
{
    nnb_rng *probe = NULL;
    assert_ok(nnb_rng_clone(&probe, rng));
    uint32_t v = nnb_rng_u32(probe);
    nnb_rng_destroy(probe);
    return v;
}

/* The training model: dense 2x8, relu, [dropout 0.1,] dense 8x3, softmax; CCE, Adam, categorical. */
static nnb_model *build_model(uint32_t seed, int dropout, int finalize)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, seed));
    const nnb_regularization reg = {0.0f, 5e-4f, 0.0f, 5e-4f};
    assert_ok(nnb_model_add_dense(m, 2, 8, 0.5f, &reg));
    assert_ok(nnb_model_add_relu(m));
    if (dropout) {
        assert_ok(nnb_model_add_dropout(m, 0.1f));
    }
    assert_ok(nnb_model_add_dense(m, 8, 3, 0.5f, NULL));
    assert_ok(nnb_model_add_softmax(m));
    assert_ok(nnb_model_set_loss(m, NNB_LOSS_CCE));
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.05;
    assert_ok(nnb_model_set_optimizer(m, &adam));
    assert_ok(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL));
    if (finalize) {
        assert_ok(nnb_model_finalize(m));
    }
    return m;
}

/*
 * Sweeps an operation on a model that may keep blocks it allocated before the failing point: each point on
 * a freshly built model, so that no point is skipped. After each failure: the out-of-memory status, the
 * model unchanged as `unchanged` defines it, a retry that succeeds and passes `verify`, and once the model
 * is destroyed, no block left.
 */
typedef struct fresh_case {
    const char *name;
    nnb_model *(*build)(void *ctx);
    nnb_status (*run)(nnb_model *m, void *ctx);
    int (*unchanged)(nnb_model *m, void *ctx);
    void (*verify)(nnb_model *m, void *ctx);
} fresh_case;

static size_t sweep_fresh(const fresh_case *c, void *ctx)
{
    for (size_t k = 1; k < 10000; ++k) {
        size_t live_before = nnb_test_live_blocks();
        nnb_model *m = c->build(ctx);
        nnb_test_fail_allocation(k);
        nnb_status st = c->run(m, ctx);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            if (c->verify != NULL) {
                c->verify(m, ctx);
            }
            nnb_model_destroy(m);
            assert_int_equal(nnb_test_live_blocks(), live_before);
            g_points_swept += k - 1;
            report_points(c->name, k - 1);
            return k - 1;
        }
        if (st != NNB_ERR_NOMEM) {
            fail_msg("%s: allocation %zu failing gave %s, expected out of memory", c->name, k, nnb_status_string(st));
        }
        if (c->unchanged != NULL && !c->unchanged(m, ctx)) {
            fail_msg("%s: allocation %zu failing changed the model", c->name, k);
        }
        st = c->run(m, ctx);
        if (st != NNB_OK) {
            fail_msg("%s: retry after allocation %zu failed gave %s", c->name, k, nnb_status_string(st));
        }
        if (c->verify != NULL) {
            c->verify(m, ctx);
        }
        nnb_model_destroy(m);
        if (nnb_test_live_blocks() != live_before) {
            fail_msg("%s: allocation %zu failing leaked %zu block(s)", c->name, k,
                     nnb_test_live_blocks() - live_before);
        }
    }
    fail_msg("%s never succeeded", c->name);
    return 0;
}

typedef struct model_ctx {
    nnb_model *m;        /* the model the operation works on */
    nnb_model *pristine; /* built the same way, never touched: what m must still equal after a failure */
    nnb_model *out;      /* a model the operation creates */
    nnb_rng *rng;
    nnb_model_workspace *ws;
    nnb_tensor *X, *X2, *pred;
    nnb_targets y, y2;
    uint32_t labels[12];
    nnb_train_params tp;
    size_t prefix; /* layers added before the swept add */
    int add_kind;  /* 0 dense, 1 relu, 2 softmax, 3 sigmoid, 4 linear, 5 dropout */
    uint32_t rng_next;
    int dropout;         /* the training model has a dropout layer (and shuffles) */
    int partial_updates; /* failed first steps that left the parameters changed */
    float loss, loss_sentinel;
    double acc, acc_sentinel;
    float pred_before[36];
    int changed;          /* the last failure left the parameters changed (fresh sweeps) */
    nnb_model *reference; /* trained without failures */
} model_ctx;

static nnb_status run_model_create(void *p)
{
    model_ctx *c = p;
    return nnb_model_create(&c->out, 11);
}

static nnb_status run_model_create_from_rng(void *p)
{
    model_ctx *c = p;
    return nnb_model_create_from_rng(&c->out, c->rng);
}

static void undo_model_out(void *p)
{
    model_ctx *c = p;
    nnb_model_destroy(c->out);
    c->out = NULL;
}

static int model_out_untouched(void *p)
{
    model_ctx *c = p;
    return c->out == NULL && (c->rng == NULL || peek_u32(c->rng) == c->rng_next);
}

/* A model of `prefix` layers: dense 4x4 and relu alternately (the layer array starts at 8, then doubles). */
static nnb_model *build_prefix(size_t prefix)
{
    nnb_model *m = NULL;
    assert_ok(nnb_model_create(&m, 21));
    for (size_t i = 0; i < prefix; ++i) {
        assert_ok(i % 2 == 0 ? nnb_model_add_dense(m, 4, 4, 0.1f, NULL) : nnb_model_add_relu(m));
    }
    return m;
}

static nnb_status run_model_add(void *p)
{
    model_ctx *c = p;
    switch (c->add_kind) {
    case 0: {
        const nnb_regularization reg = {1e-4f, 1e-4f, 0.0f, 0.0f};
        return nnb_model_add_dense(c->m, 4, 4, 0.1f, &reg);
    }
    case 1: return nnb_model_add_relu(c->m);
    case 2: return nnb_model_add_softmax(c->m);
    case 3: return nnb_model_add_sigmoid(c->m);
    case 4: return nnb_model_add_linear(c->m);
    default: return nnb_model_add_dropout(c->m, 0.25f);
    }
}

static void undo_model_add(void *p)
{
    model_ctx *c = p;
    assert_int_equal(nnb_model_layer_count(c->m), c->prefix + 1);
    nnb_model_destroy(c->m);
    c->m = build_prefix(c->prefix);
}

static int model_add_untouched(void *p)
{
    model_ctx *c = p;
    return nnb_model_layer_count(c->m) == c->prefix && peek_u32(nnb_model_rng(c->m)) == c->rng_next &&
           same_parameters(c->m, c->pristine);
}

static nnb_status run_model_set_optimizer(void *p)
{
    model_ctx *c = p;
    nnb_optimizer_params rms = nnb_optimizer_defaults(NNB_OPTIMIZER_RMSPROP);
    return nnb_model_set_optimizer(c->m, &rms);
}

/* After success the optimizer is RMSprop: put the original Adam back (replacing allocates no more blocks). */
static void undo_model_set_optimizer(void *p)
{
    model_ctx *c = p;
    nnb_optimizer_params now, adam;
    assert_ok(nnb_model_optimizer_params(c->m, &now));
    assert_int_equal(now.kind, NNB_OPTIMIZER_RMSPROP);
    assert_ok(nnb_model_optimizer_params(c->pristine, &adam));
    assert_ok(nnb_model_set_optimizer(c->m, &adam));
}

static int model_optimizer_untouched(void *p)
{
    model_ctx *c = p;
    nnb_optimizer_params now, before;
    if (nnb_model_optimizer_params(c->m, &now) != NNB_OK ||
        nnb_model_optimizer_params(c->pristine, &before) != NNB_OK) {
        return 0;
    }
    /* field by field: the structs' padding bytes are unspecified */
    return now.kind == before.kind && now.learning_rate == before.learning_rate && now.decay == before.decay &&
           now.momentum == before.momentum && now.epsilon == before.epsilon && now.rho == before.rho &&
           now.beta_1 == before.beta_1 && now.beta_2 == before.beta_2;
}

static nnb_status run_model_finalize(void *p)
{
    model_ctx *c = p;
    return nnb_model_finalize(c->m);
}

static void undo_model_rebuild_unfinalized(void *p)
{
    model_ctx *c = p;
    nnb_model_destroy(c->m);
    c->m = build_model(31, 0, 0);
}

static int model_unfinalized_untouched(void *p)
{
    model_ctx *c = p;
    return !nnb_model_is_finalized(c->m) && same_parameters(c->m, c->pristine);
}

static nnb_model *fresh_prefix(void *p)
{
    model_ctx *c = p;
    return build_prefix(c->prefix);
}

static nnb_status fresh_add(nnb_model *m, void *p)
{
    model_ctx *c = p;
    nnb_model *saved = c->m;
    c->m = m;
    nnb_status st = run_model_add(c);
    c->m = saved;
    return st;
}

static int fresh_add_unchanged(nnb_model *m, void *p)
{
    model_ctx *c = p;
    return nnb_model_layer_count(m) == c->prefix && peek_u32(nnb_model_rng(m)) == c->rng_next &&
           same_parameters(m, c->pristine);
}

static void fresh_add_verify(nnb_model *m, void *p)
{
    model_ctx *c = p;
    assert_int_equal(nnb_model_layer_count(m), c->prefix + 1);
    nnb_layer_info info;
    assert_ok(nnb_model_layer_info(m, c->prefix, &info));
    assert_int_equal(info.kind, c->add_kind == 0   ? NNB_LAYER_DENSE
                                : c->add_kind == 1 ? NNB_LAYER_RELU
                                : c->add_kind == 2 ? NNB_LAYER_SOFTMAX
                                : c->add_kind == 3 ? NNB_LAYER_SIGMOID
                                : c->add_kind == 4 ? NNB_LAYER_LINEAR
                                                   : NNB_LAYER_DROPOUT);
}

static void test_oom_model_building_fails_cleanly(void **state)
{
    (void)state;
    model_ctx c;
    memset(&c, 0, sizeof c);

    /* creation */
    assert_ok(nnb_rng_create(&c.rng, 5));
    c.rng_next = peek_u32(c.rng);
    const oom_case creators[] = {
        {"nnb_model_create", run_model_create, undo_model_out, model_out_untouched},
        {"nnb_model_create_from_rng", run_model_create_from_rng, undo_model_out, model_out_untouched},
    };
    for (size_t i = 0; i < 2; ++i) {
        assert_true(sweep(&creators[i], &c) >= 1);
    }
    nnb_rng_destroy(c.rng);
    c.rng = NULL;

    /* every add, at every fill level of the layer array up to its second growth (the array may have grown
     * when a later allocation fails) */
    g_object_may_keep = 1;
    g_quiet = 1;
    size_t add_points = 0;
    static const char *const add_names[6] = {"nnb_model_add_dense",   "nnb_model_add_relu",   "nnb_model_add_softmax",
                                             "nnb_model_add_sigmoid", "nnb_model_add_linear", "nnb_model_add_dropout"};
    for (int kind = 0; kind < 6; ++kind) {
        for (size_t prefix = 0; prefix <= 17; ++prefix) {
            if (kind != 0 && prefix == 0) {
                continue; /* keep every model dense-first, as models are built */
            }
            c.add_kind = kind;
            c.prefix = prefix;
            c.m = build_prefix(prefix);
            c.pristine = build_prefix(prefix);
            c.rng_next = peek_u32(nnb_model_rng(c.m));
            /* each point on a fresh model, then retries on one model (which may keep a grown array) */
            const fresh_case fresh = {add_names[kind], fresh_prefix, fresh_add, fresh_add_unchanged, fresh_add_verify};
            size_t points = sweep_fresh(&fresh, &c);
            add_points += points;
            const oom_case add = {add_names[kind], run_model_add, undo_model_add, model_add_untouched};
            (void)sweep(&add, &c);
            /* a dense layer always allocates; the others only when the layer array grows (at 0, 8, 16) */
            if (kind == 0 || prefix == 0 || prefix == 8 || prefix == 16) {
                assert_true(points >= 1);
            }
            nnb_model_destroy(c.pristine);
            nnb_model_destroy(c.m);
        }
    }

    g_quiet = 0;
    g_object_may_keep = 0;
    report_points("nnb_model_add_* (6 kinds x 17-18 layer counts)", add_points);

    /* replacing the optimizer (the previous one stays on failure), and finalize */
    c.m = build_model(31, 0, 0);
    c.pristine = build_model(31, 0, 0);
    const oom_case builders[] = {
        {"nnb_model_set_optimizer", run_model_set_optimizer, undo_model_set_optimizer, model_optimizer_untouched},
        {"nnb_model_finalize", run_model_finalize, undo_model_rebuild_unfinalized, model_unfinalized_untouched},
    };
    for (size_t i = 0; i < 2; ++i) {
        (void)sweep(&builders[i], &c);
    }
    g_object_may_keep = 0;
    nnb_model_destroy(c.pristine);
    nnb_model_destroy(c.m);
    assert_int_equal(nnb_test_live_blocks(), 0);
}

/* ---- models: workspaces, training, evaluation, prediction ---- */

static void fill_data(model_ctx *c)
{
    assert_ok(nnb_tensor_create(&c->X, 12, 2));
    float *x = nnb_tensor_data(c->X);
    for (size_t i = 0; i < 12; ++i) {
        c->labels[i] = (uint32_t)(i % 3);
        x[2 * i] = (float)(i % 3) - 1.0f + 0.05f * (float)i;
        x[2 * i + 1] = 0.5f * (float)((i + 1) % 3) - 0.1f * (float)i;
    }
    c->y = nnb_targets_from_labels(c->labels, 12);
    assert_ok(nnb_tensor_create(&c->X2, 2, 2));
    assert_ok(nnb_tensor_fill(c->X2, 0.25f));
    c->y2 = nnb_targets_from_labels(c->labels, 2);
    assert_ok(nnb_tensor_create(&c->pred, 12, 3));
    c->tp = nnb_train_params_default();
    c->tp.epochs = 3;
}

static void reset_pred(model_ctx *c)
{
    assert_ok(nnb_tensor_fill(c->pred, -7.0f));
    memcpy(c->pred_before, nnb_tensor_cdata(c->pred), sizeof c->pred_before);
}

static void rebuild_finalized(model_ctx *c)
{
    nnb_model_destroy(c->m);
    c->m = build_model(31, c->dropout, 1);
}

static nnb_status run_model_prepare(void *p)
{
    model_ctx *c = p;
    return nnb_model_prepare(c->m, 16);
}

/* The model had a workspace for 2 rows before: rebuild it so. */
static void undo_model_prepare(void *p)
{
    model_ctx *c = p;
    rebuild_finalized(c);
    assert_ok(nnb_model_prepare(c->m, 2));
}

/* The previous workspace was kept: evaluating 2 rows still allocates nothing, parameters unchanged. */
static int model_prepare_untouched(void *p)
{
    model_ctx *c = p;
    size_t before = nnb_test_alloc_count();
    float loss = 0.0f;
    if (nnb_model_evaluate(c->m, c->X2, &c->y2, 0, &loss, NULL) != NNB_OK) {
        return 0;
    }
    return nnb_test_alloc_count() == before && same_parameters(c->m, c->pristine);
}

static nnb_status run_model_train(void *p)
{
    model_ctx *c = p;
    return nnb_model_train(c->m, c->X, &c->y, &c->tp);
}

/* After the first successful run: the model trained as one that never failed (when no failure changed it
 * earlier), and it keeps training. Then start again from a fresh model. */
static void undo_model_train(void *p)
{
    model_ctx *c = p;
    size_t steps = c->tp.batch_size == 0 ? 1 : (12 + c->tp.batch_size - 1) / c->tp.batch_size;
    assert_int_equal(nnb_optimizer_iterations(nnb_model_optimizer(c->m)), c->tp.epochs * steps);
    if (c->partial_updates == 0 && !c->dropout) {
        nnb_model *reference = build_model(31, 0, 1);
        assert_ok(nnb_model_train(reference, c->X, &c->y, &c->tp));
        assert_true(same_parameters(c->m, reference));
        nnb_model_destroy(reference);
    }
    float before = 0.0f, after = 0.0f;
    assert_ok(nnb_model_evaluate(c->m, c->X, &c->y, 0, &before, NULL));
    nnb_train_params more = c->tp;
    more.epochs = 50;
    assert_ok(nnb_model_train(c->m, c->X, &c->y, &more));
    assert_ok(nnb_model_evaluate(c->m, c->X, &c->y, 0, &after, NULL));
    assert_true(isfinite(after) && after < before);
    rebuild_finalized(c);
}

/* A failed first step: no optimizer step counted. The parameters are compared with a model that never
 * trained; model.h does not promise them untouched on NNB_ERR_NOMEM (only that the model stays valid), so
 * a change is counted and reported rather than failed. */
static int model_train_untouched(void *p)
{
    model_ctx *c = p;
    if (nnb_optimizer_iterations(nnb_model_optimizer(c->m)) != 0) {
        return 0;
    }
    if (!same_parameters(c->m, c->pristine)) {
        c->partial_updates++;
    }
    return 1;
}

static nnb_model *fresh_training_model(void *p)
{
    model_ctx *c = p;
    c->changed = 0;
    return build_model(31, c->dropout, 1);
}

static nnb_status fresh_train(nnb_model *m, void *p)
{
    model_ctx *c = p;
    return nnb_model_train(m, c->X, &c->y, &c->tp);
}

static int fresh_train_unchanged(nnb_model *m, void *p)
{
    model_ctx *c = p;
    c->changed = !same_parameters(m, c->pristine);
    c->partial_updates += c->changed;
    return nnb_optimizer_iterations(nnb_model_optimizer(m)) == 0;
}

/* The retry trained the model exactly as one that never failed (unless the failure had changed parameters,
 * or shuffling had drawn from the generator), and training goes on lowering the loss. */
static void fresh_train_verify(nnb_model *m, void *p)
{
    model_ctx *c = p;
    if (!c->changed && !c->dropout) {
        assert_true(same_parameters(m, c->reference));
    }
    float before = 0.0f, after = 0.0f;
    assert_ok(nnb_model_evaluate(m, c->X, &c->y, 0, &before, NULL));
    nnb_train_params more = c->tp;
    more.epochs = 30;
    assert_ok(nnb_model_train(m, c->X, &c->y, &more));
    assert_ok(nnb_model_evaluate(m, c->X, &c->y, 0, &after, NULL));
    assert_true(isfinite(after) && after < before);
}

static nnb_status fresh_evaluate(nnb_model *m, void *p)
{
    model_ctx *c = p;
    return nnb_model_evaluate(m, c->X, &c->y, 5, &c->loss, &c->acc);
}

static int fresh_evaluate_unchanged(nnb_model *m, void *p)
{
    model_ctx *c = p;
    return c->loss == c->loss_sentinel && c->acc == c->acc_sentinel && same_parameters(m, c->pristine);
}

static void fresh_evaluate_verify(nnb_model *m, void *p)
{
    model_ctx *c = p;
    (void)m;
    assert_true(isfinite(c->loss) && c->acc >= 0.0 && c->acc <= 1.0);
    c->loss = c->loss_sentinel;
    c->acc = c->acc_sentinel;
}

static nnb_status run_model_evaluate(void *p)
{
    model_ctx *c = p;
    return nnb_model_evaluate(c->m, c->X, &c->y, 5, &c->loss, &c->acc);
}

static void undo_model_evaluate(void *p)
{
    model_ctx *c = p;
    assert_true(isfinite(c->loss) && c->acc >= 0.0 && c->acc <= 1.0);
    c->loss = c->loss_sentinel;
    c->acc = c->acc_sentinel;
    undo_model_prepare(p); /* back to a model with a 2-row workspace, as the sweep started */
}

static int model_evaluate_untouched(void *p)
{
    model_ctx *c = p;
    return c->loss == c->loss_sentinel && c->acc == c->acc_sentinel && same_parameters(c->m, c->pristine);
}

static nnb_status run_workspace_create(void *p)
{
    model_ctx *c = p;
    return nnb_model_workspace_create(&c->ws, c->m, 5);
}

static void undo_workspace(void *p)
{
    model_ctx *c = p;
    nnb_model_workspace_destroy(c->ws);
    c->ws = NULL;
}

static int workspace_untouched(void *p)
{
    model_ctx *c = p;
    return c->ws == NULL;
}

static nnb_status run_model_predict(void *p)
{
    model_ctx *c = p;
    return nnb_model_predict(c->m, c->X, c->pred, 5, NULL);
}

static void undo_model_predict(void *p)
{
    model_ctx *c = p;
    /* The same numbers as with a caller workspace. */
    nnb_tensor *again = NULL;
    nnb_model_workspace *ws = NULL;
    assert_ok(nnb_tensor_create(&again, 12, 3));
    assert_ok(nnb_model_workspace_create(&ws, c->m, 5));
    assert_ok(nnb_model_predict(c->m, c->X, again, 5, ws));
    assert_memory_equal(nnb_tensor_cdata(again), nnb_tensor_cdata(c->pred), 36 * sizeof(float));
    nnb_model_workspace_destroy(ws);
    nnb_tensor_destroy(again);
    reset_pred(c);
}

static int model_predict_untouched(void *p)
{
    model_ctx *c = p;
    return memcmp(nnb_tensor_cdata(c->pred), c->pred_before, sizeof c->pred_before) == 0;
}

static void test_oom_model_training_fails_cleanly(void **state)
{
    (void)state;
    model_ctx c;
    memset(&c, 0, sizeof c);
    fill_data(&c);
    c.loss_sentinel = c.loss = -123.0f;
    c.acc_sentinel = c.acc = -456.0;

    g_object_may_keep = 1; /* a failed first step may keep its workspace and gradient buffers */
    for (int dropout = 0; dropout <= 1; ++dropout) {
        c.dropout = dropout;
        c.tp.shuffle = dropout;
        c.tp.batch_size = dropout ? 5 : 0;
        c.pristine = build_model(31, dropout, 1);
        c.m = build_model(31, dropout, 1);
        c.partial_updates = 0;
        c.reference = build_model(31, dropout, 1);
        assert_ok(nnb_model_train(c.reference, c.X, &c.y, &c.tp));
        const char *name =
            dropout ? "nnb_model_train (first call, shuffled batches, dropout)" : "nnb_model_train (first call)";
        const fresh_case fresh = {name, fresh_training_model, fresh_train, fresh_train_unchanged, fresh_train_verify};
        assert_true(sweep_fresh(&fresh, &c) >= 1);
        /* and retries on one model, which keeps its workspace and gradient buffers between attempts */
        const oom_case train = {name, run_model_train, undo_model_train, model_train_untouched};
        int partial_fresh = c.partial_updates;
        c.partial_updates = 0;
        (void)sweep(&train, &c);
        nnb_model_destroy(c.reference);
        c.reference = NULL;
        /* A step that runs out of memory must not have updated any parameter (model.h). */
        if (partial_fresh + c.partial_updates != 0) {
            fail_msg("%s: %d failure point(s) on fresh models and %d on retries returned out of memory "
                     "after updating some parameters",
                     name, partial_fresh, c.partial_updates);
        }
        nnb_model_destroy(c.m);
        nnb_model_destroy(c.pristine);
    }

    c.dropout = 1;
    c.pristine = build_model(31, 1, 1);
    c.m = build_model(31, 1, 1);
    assert_ok(nnb_model_prepare(c.m, 2));
    reset_pred(&c);
    const oom_case cases[] = {
        {"nnb_model_prepare", run_model_prepare, undo_model_prepare, model_prepare_untouched},
        {"nnb_model_evaluate (no workspace yet)", run_model_evaluate, undo_model_evaluate, model_evaluate_untouched},
        {"nnb_model_workspace_create", run_workspace_create, undo_workspace, workspace_untouched},
        {"nnb_model_predict (ws NULL)", run_model_predict, undo_model_predict, model_predict_untouched},
    };
    const fresh_case evaluate = {"nnb_model_evaluate (no workspace yet)", fresh_training_model, fresh_evaluate,
                                 fresh_evaluate_unchanged, fresh_evaluate_verify};
    assert_true(sweep_fresh(&evaluate, &c) >= 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        g_object_may_keep = cases[i].run == run_model_evaluate; /* may keep a grown workspace */
        assert_true(sweep(&cases[i], &c) >= 1);
    }
    g_object_may_keep = 0;
    nnb_model_destroy(c.m);
    nnb_model_destroy(c.pristine);
    nnb_tensor_destroy(c.pred);
    nnb_tensor_destroy(c.X2);
    nnb_tensor_destroy(c.X);
    assert_int_equal(nnb_test_live_blocks(), 0);
}

/* ---- IDX data sets ---- */

typedef struct io_ctx {
    char dir[64];
    nnb_idx_set *set;
    nnb_idx_set *existing;
    nnb_rng *rng;
    unsigned char img[16 + 4 * 28 * 28], lab[8 + 4];
    size_t img_size, lab_size;
    unsigned char gz_img[2048], gz_lab[256];
    size_t gz_img_size, gz_lab_size;
    int gzip;
    char img_path[128], lab_path[128], fashion_dir[128], fashion_gz_dir[128];
    float images_before[4 * 28 * 28];
    uint32_t labels_before[4];
    nnb_tensor *one; /* 1 x 784, for one-record reads */
    uint32_t one_label;
    /* model files */
    nnb_model *m, *other, *pristine_other, *out;
    unsigned char *file, *pfile, *old_file;
    size_t size, psize, old_size;
    char path[128], ppath[128];
    size_t dir_entries;
    unsigned char buffer[4096];
} io_ctx;

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, size, f), size);
    assert_int_equal(fclose(f), 0);
}

static void join(char *buf, size_t size, const char *dir, const char *name)
{
    int n = snprintf(buf, size, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e = readdir(d); e != NULL; e = readdir(d)) {
        n += e->d_name[0] != '.';
    }
    closedir(d);
    return n;
}

#ifdef OOM_HAVE_ZLIB
/* gzip-compresses `n` bytes into out (capacity cap); returns the compressed size. */
static size_t gzip_bytes(unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = (size_t)zs.total_out;
    assert_int_equal(deflateEnd(&zs), Z_OK);
    return len;
}
#endif

static nnb_status run_idx_parse(void *p)
{
    io_ctx *c = p;
    if (c->gzip) {
        return nnb_idx_set_parse(&c->set, c->gz_img, c->gz_img_size, c->gz_lab, c->gz_lab_size);
    }
    return nnb_idx_set_parse(&c->set, c->img, c->img_size, c->lab, c->lab_size);
}

static nnb_status run_idx_load(void *p)
{
    io_ctx *c = p;
    return nnb_idx_set_load(&c->set, c->img_path, c->lab_path);
}

static nnb_status run_fashion_load(void *p)
{
    io_ctx *c = p;
    return nnb_fashion_mnist_load(&c->set, c->gzip ? c->fashion_gz_dir : c->fashion_dir, NNB_FASHION_TEST);
}

static nnb_status run_idx_load_limited(void *p)
{
    io_ctx *c = p;
    return nnb_idx_set_load_limited(&c->set, c->img_path, c->lab_path, (size_t)1 << 20);
}

/* Image 3 of the four, without loading the set. */
static nnb_status run_read_one(void *p)
{
    io_ctx *c = p;
    return nnb_fashion_mnist_read_one(c->gzip ? c->fashion_gz_dir : c->fashion_dir, NNB_FASHION_TEST, 3, c->one,
                                      &c->one_label, NULL);
}

static void fill_one(io_ctx *c)
{
    float *x = nnb_tensor_data(c->one);
    for (size_t i = 0; i < 784; ++i) {
        x[i] = 0.5f;
    }
    c->one_label = 99;
}

static void undo_read_one(void *p)
{
    io_ctx *c = p;
    assert_int_equal(c->one_label, c->labels_before[3]);
    const float *x = nnb_tensor_cdata(c->one);
    for (size_t i = 0; i < 784; ++i) {
        assert_true(x[i] == ((float)c->img[16 + 3 * 784 + i] - 127.5f) / 127.5f);
    }
    fill_one(c);
}

static int read_one_untouched(void *p)
{
    io_ctx *c = p;
    const float *x = nnb_tensor_cdata(c->one);
    for (size_t i = 0; i < 784; ++i) {
        if (x[i] != 0.5f) {
            return 0;
        }
    }
    return c->one_label == 99;
}

static void undo_idx_set(void *p)
{
    io_ctx *c = p;
    assert_int_equal(nnb_idx_set_count(c->set), 4);
    assert_int_equal(nnb_idx_set_image_rows(c->set), 28);
    assert_memory_equal(nnb_idx_set_labels(c->set), c->labels_before, sizeof c->labels_before);
    nnb_idx_set_destroy(c->set);
    c->set = NULL;
}

static int idx_set_untouched(void *p)
{
    io_ctx *c = p;
    return c->set == NULL;
}

static nnb_status run_idx_shuffle(void *p)
{
    io_ctx *c = p;
    return nnb_idx_set_shuffle(c->existing, c->rng);
}

static void undo_idx_shuffle(void *p)
{
    (void)p;
}

static int idx_shuffle_untouched(void *p)
{
    io_ctx *c = p;
    return memcmp(nnb_tensor_cdata(nnb_idx_set_images(c->existing)), c->images_before, sizeof c->images_before) == 0 &&
           memcmp(nnb_idx_set_labels(c->existing), c->labels_before, sizeof c->labels_before) == 0;
}

static void test_oom_idx_fails_cleanly(void **state)
{
    (void)state;
    static io_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.dir, sizeof c.dir, "/tmp/nnb_oom_idx_XXXXXX");
    assert_non_null(mkdtemp(c.dir));

    /* 4 images of 28 x 28 (Fashion-MNIST's side) and 4 labels below 10. */
    put_be32(c.img, NNB_IDX_MAGIC_IMAGES);
    put_be32(c.img + 4, 4);
    put_be32(c.img + 8, 28);
    put_be32(c.img + 12, 28);
    for (size_t i = 0; i < 4 * 28 * 28; ++i) {
        c.img[16 + i] = (unsigned char)((i * 7) % 251);
    }
    c.img_size = sizeof c.img;
    put_be32(c.lab, NNB_IDX_MAGIC_LABELS);
    put_be32(c.lab + 4, 4);
    const unsigned char labels[4] = {9, 0, 3, 7};
    memcpy(c.lab + 8, labels, 4);
    c.lab_size = sizeof c.lab;
    for (size_t i = 0; i < 4; ++i) {
        c.labels_before[i] = labels[i];
    }

    join(c.img_path, sizeof c.img_path, c.dir, "images.idx");
    join(c.lab_path, sizeof c.lab_path, c.dir, "labels.idx");
    write_file(c.img_path, c.img, c.img_size);
    write_file(c.lab_path, c.lab, c.lab_size);
    char p[192];
    join(c.fashion_dir, sizeof c.fashion_dir, c.dir, "fashion");
    assert_int_equal(mkdir(c.fashion_dir, 0700), 0);
    join(p, sizeof p, c.fashion_dir, "t10k-images-idx3-ubyte");
    write_file(p, c.img, c.img_size);
    join(p, sizeof p, c.fashion_dir, "t10k-labels-idx1-ubyte");
    write_file(p, c.lab, c.lab_size);

    assert_ok(nnb_tensor_create(&c.one, 1, 784));
    fill_one(&c);
    const oom_case plain[] = {
        {"nnb_idx_set_parse", run_idx_parse, undo_idx_set, idx_set_untouched},
        {"nnb_idx_set_load", run_idx_load, undo_idx_set, idx_set_untouched},
        {"nnb_idx_set_load_limited", run_idx_load_limited, undo_idx_set, idx_set_untouched},
        {"nnb_fashion_mnist_load", run_fashion_load, undo_idx_set, idx_set_untouched},
        {"nnb_fashion_mnist_read_one", run_read_one, undo_read_one, read_one_untouched},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; ++i) {
        assert_true(sweep(&plain[i], &c) >= 1);
    }

#ifdef OOM_HAVE_ZLIB
    /* The same files gzip-compressed: zlib's own allocations go through the hook too. */
    c.gz_img_size = gzip_bytes(c.img, c.img_size, c.gz_img, sizeof c.gz_img);
    c.gz_lab_size = gzip_bytes(c.lab, c.lab_size, c.gz_lab, sizeof c.gz_lab);
    c.gzip = 1;
    join(c.fashion_gz_dir, sizeof c.fashion_gz_dir, c.dir, "fashion-gz");
    assert_int_equal(mkdir(c.fashion_gz_dir, 0700), 0);
    join(p, sizeof p, c.fashion_gz_dir, "t10k-images-idx3-ubyte.gz");
    write_file(p, c.gz_img, c.gz_img_size);
    join(p, sizeof p, c.fashion_gz_dir, "t10k-labels-idx1-ubyte.gz");
    write_file(p, c.gz_lab, c.gz_lab_size);
    write_file(c.img_path, c.gz_img, c.gz_img_size);
    write_file(c.lab_path, c.gz_lab, c.gz_lab_size);
    const oom_case gz[] = {
        {"nnb_idx_set_parse (gzip)", run_idx_parse, undo_idx_set, idx_set_untouched},
        {"nnb_idx_set_load (gzip)", run_idx_load, undo_idx_set, idx_set_untouched},
        {"nnb_idx_set_load_limited (gzip)", run_idx_load_limited, undo_idx_set, idx_set_untouched},
        {"nnb_fashion_mnist_load (gzip)", run_fashion_load, undo_idx_set, idx_set_untouched},
        {"nnb_fashion_mnist_read_one (gzip)", run_read_one, undo_read_one, read_one_untouched},
    };
    for (size_t i = 0; i < sizeof gz / sizeof gz[0]; ++i) {
        assert_true(sweep(&gz[i], &c) >= 1);
    }
    c.gzip = 0;
#endif

    nnb_tensor_destroy(c.one);
    c.one = NULL;

    /* Shuffling allocates a one-row scratch buffer: a failure leaves the set as it was. */
    assert_ok(nnb_idx_set_parse(&c.existing, c.img, c.img_size, c.lab, c.lab_size));
    assert_ok(nnb_rng_create(&c.rng, 2));
    memcpy(c.images_before, nnb_tensor_cdata(nnb_idx_set_images(c.existing)), sizeof c.images_before);
    const oom_case shuffle = {"nnb_idx_set_shuffle", run_idx_shuffle, undo_idx_shuffle, idx_shuffle_untouched};
    assert_true(sweep(&shuffle, &c) >= 1);
    nnb_rng_destroy(c.rng);
    nnb_idx_set_destroy(c.existing);

    const char *const names[2] = {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (size_t i = 0; i < 2; ++i) {
        join(p, sizeof p, c.fashion_dir, names[i]);
        assert_int_equal(remove(p), 0);
#ifdef OOM_HAVE_ZLIB
        char gzname[64];
        snprintf(gzname, sizeof gzname, "%s.gz", names[i]);
        join(p, sizeof p, c.fashion_gz_dir, gzname);
        assert_int_equal(remove(p), 0);
#endif
    }
    assert_int_equal(rmdir(c.fashion_dir), 0);
#ifdef OOM_HAVE_ZLIB
    assert_int_equal(rmdir(c.fashion_gz_dir), 0);
#endif
    assert_int_equal(remove(c.img_path), 0);
    assert_int_equal(remove(c.lab_path), 0);
    assert_int_equal(rmdir(c.dir), 0);
}

/* ---- model files ---- */

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    assert_int_equal(fseek(f, 0, SEEK_SET), 0);
    unsigned char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

static nnb_status run_serialize(void *p)
{
    io_ctx *c = p;
    size_t size = 0;
    return nnb_model_serialize(c->m, NNB_MODEL_FILE_MODEL, c->buffer, sizeof c->buffer, &size);
}

static void undo_serialize(void *p)
{
    io_ctx *c = p;
    assert_memory_equal(c->buffer, c->file, c->size);
    memset(c->buffer, 0xab, sizeof c->buffer);
}

static int serialize_untouched(void *p)
{
    io_ctx *c = p;
    for (size_t i = 0; i < sizeof c->buffer; ++i) {
        if (c->buffer[i] != 0xab) {
            return 0;
        }
    }
    return 1;
}

static nnb_status run_model_parse(void *p)
{
    io_ctx *c = p;
    return nnb_model_parse(&c->out, c->file, c->size);
}

static nnb_status run_model_load(void *p)
{
    io_ctx *c = p;
    return nnb_model_load(&c->out, c->path);
}

static void undo_model_loaded(void *p)
{
    io_ctx *c = p;
    assert_true(same_parameters(c->out, c->m));
    nnb_model_destroy(c->out);
    c->out = NULL;
}

static int model_loaded_untouched(void *p)
{
    io_ctx *c = p;
    return c->out == NULL;
}

static nnb_status run_parse_parameters(void *p)
{
    io_ctx *c = p;
    return nnb_model_parse_parameters(c->other, c->pfile, c->psize);
}

static nnb_status run_load_parameters(void *p)
{
    io_ctx *c = p;
    return nnb_model_load_parameters(c->other, c->ppath);
}

/* The parameters arrived: put the other model back as it was built. */
static void undo_parameters_loaded(void *p)
{
    io_ctx *c = p;
    assert_true(same_parameters(c->other, c->m));
    nnb_model_destroy(c->other);
    c->other = build_model(32, 0, 1);
}

static int parameters_untouched(void *p)
{
    io_ctx *c = p;
    return same_parameters(c->other, c->pristine_other);
}

static nnb_status run_model_save(void *p)
{
    io_ctx *c = p;
    return nnb_model_save(c->m, c->path);
}

static nnb_status run_model_save_parameters(void *p)
{
    io_ctx *c = p;
    return nnb_model_save_parameters(c->m, c->path);
}

/* Saved: put the old destination content back. */
static void undo_model_saved(void *p)
{
    io_ctx *c = p;
    size_t n = 0;
    unsigned char *now = read_whole(c->path, &n);
    assert_true(n == c->size || n == c->psize);
    assert_true(memcmp(now, n == c->size ? c->file : c->pfile, n) == 0);
    free(now);
    write_file(c->path, c->old_file, c->old_size);
}

/* A failed save leaves the destination as it was and no temporary file behind. */
static int model_save_untouched(void *p)
{
    io_ctx *c = p;
    size_t n = 0;
    unsigned char *now = read_whole(c->path, &n);
    int same = n == c->old_size && memcmp(now, c->old_file, n) == 0;
    free(now);
    return same && count_entries(c->dir) == c->dir_entries;
}

static void test_oom_model_files_fail_cleanly(void **state)
{
    (void)state;
    static io_ctx c;
    memset(&c, 0, sizeof c);
    snprintf(c.dir, sizeof c.dir, "/tmp/nnb_oom_file_XXXXXX");
    assert_non_null(mkdtemp(c.dir));
    c.m = build_model(31, 0, 1);
    c.other = build_model(32, 0, 1);
    c.pristine_other = build_model(32, 0, 1);
    assert_ok(nnb_model_serialize(c.m, NNB_MODEL_FILE_MODEL, NULL, 0, &c.size));
    assert_ok(nnb_model_serialize(c.m, NNB_MODEL_FILE_PARAMETERS, NULL, 0, &c.psize));
    c.file = malloc(c.size);
    c.pfile = malloc(c.psize);
    assert_non_null(c.file);
    assert_non_null(c.pfile);
    assert_ok(nnb_model_serialize(c.m, NNB_MODEL_FILE_MODEL, c.file, c.size, &c.size));
    assert_ok(nnb_model_serialize(c.m, NNB_MODEL_FILE_PARAMETERS, c.pfile, c.psize, &c.psize));
    assert_true(c.size <= sizeof c.buffer);
    memset(c.buffer, 0xab, sizeof c.buffer);
    join(c.path, sizeof c.path, c.dir, "model.nnb");
    join(c.ppath, sizeof c.ppath, c.dir, "params.nnb");
    write_file(c.ppath, c.pfile, c.psize);

    /* Parameters-only loads go into `other`, whose dense layers have the same shapes but its own values. */
    write_file(c.path, c.file, c.size);
    const oom_case loads[] = {
        {"nnb_model_serialize", run_serialize, undo_serialize, serialize_untouched},
        {"nnb_model_parse", run_model_parse, undo_model_loaded, model_loaded_untouched},
        {"nnb_model_load", run_model_load, undo_model_loaded, model_loaded_untouched},
        {"nnb_model_parse_parameters", run_parse_parameters, undo_parameters_loaded, parameters_untouched},
        {"nnb_model_load_parameters", run_load_parameters, undo_parameters_loaded, parameters_untouched},
    };
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; ++i) {
        (void)sweep(&loads[i], &c);
    }

    /* Saving over an existing file: on failure the old content stays and no temporary file remains. */
    assert_ok(nnb_model_serialize(c.other, NNB_MODEL_FILE_MODEL, NULL, 0, &c.old_size));
    c.old_file = malloc(c.old_size);
    assert_non_null(c.old_file);
    assert_ok(nnb_model_serialize(c.other, NNB_MODEL_FILE_MODEL, c.old_file, c.old_size, &c.old_size));
    write_file(c.path, c.old_file, c.old_size);
    c.dir_entries = count_entries(c.dir);
    const oom_case saves[] = {
        {"nnb_model_save", run_model_save, undo_model_saved, model_save_untouched},
        {"nnb_model_save_parameters", run_model_save_parameters, undo_model_saved, model_save_untouched},
    };
    for (size_t i = 0; i < sizeof saves / sizeof saves[0]; ++i) {
        (void)sweep(&saves[i], &c);
    }

    assert_int_equal(remove(c.path), 0);
    assert_int_equal(remove(c.ppath), 0);
    assert_int_equal(rmdir(c.dir), 0);
    free(c.old_file);
    free(c.pfile);
    free(c.file);
    nnb_model_destroy(c.pristine_other);
    nnb_model_destroy(c.other);
    nnb_model_destroy(c.m);
}

static int report(void **state)
{
    (void)state;
    print_message("allocation points swept: %zu\n", g_points_swept);
    return nnb_test_teardown_allocator(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_tensor_constructors_fail_cleanly),
        cmocka_unit_test(test_oom_rng_layer_and_optimizer_fail_cleanly),
        cmocka_unit_test(test_oom_model_building_fails_cleanly),
        cmocka_unit_test(test_oom_model_training_fails_cleanly),
        cmocka_unit_test(test_oom_idx_fails_cleanly),
        cmocka_unit_test(test_oom_model_files_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, report);
}
