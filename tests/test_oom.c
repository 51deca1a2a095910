/*
 * Allocation-failure sweep: for every public operation that allocates, make the k-th allocation fail for
 * k = 1, 2, ... until the operation succeeds, and check each failure: the out-of-memory status, no block
 * leaked (the hook counts live blocks), and the caller's objects unchanged and still usable.
 */
#include <string.h>

#include "test_support.h"

/* One case: `run` performs the operation once (returning its status); `undo` releases what a successful
 * run created; `unchanged` verifies the caller-owned state is as before (NULL when nothing to check). */
typedef struct oom_case {
    const char *name;
    nnb_status (*run)(void *ctx);
    void (*undo)(void *ctx);
    int (*unchanged)(void *ctx);
} oom_case;

static size_t g_points_swept;

/* Sweeps one case; returns the number of allocation points it has. */
static size_t sweep(const oom_case *c, void *ctx)
{
    for (size_t k = 1; k < 10000; ++k) {
        size_t live_before = nnb_test_live_blocks();
        nnb_test_fail_allocation(k);
        nnb_status st = c->run(ctx);
        nnb_test_fail_allocation(0);
        if (st == NNB_OK) {
            c->undo(ctx);
            assert_int_equal(nnb_test_live_blocks(), live_before);
            g_points_swept += k - 1;
            return k - 1;
        }
        if (st != NNB_ERR_NOMEM) {
            fail_msg("%s: allocation %zu failing gave %s, expected out of memory", c->name, k,
                     nnb_status_string(st));
        }
        if (nnb_test_live_blocks() != live_before) {
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
    };
    return cmocka_run_group_tests(tests, nnb_test_setup_allocator, report);
}
