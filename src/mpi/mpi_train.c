/* SPDX-License-Identifier: MIT */
/*
 * nnbasics_mpi: the data-parallel hook of nnb_train_params implemented with MPI (include/nnbasics/mpi.h).
 * Built as its own library on the public API only; its allocations go through the library's allocator hook.
 *
 * Deterministic reduction: every rank gathers every rank's buffer (MPI_Allgather) and adds them up in rank
 * order in double precision, so the sums do not depend on the MPI library's reduction algorithm and are the
 * same bits on every rank.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nnbasics/alloc.h"
#include "nnbasics/mpi.h"

struct nnb_mpi {
    MPI_Comm comm;
    int rank;
    int size;
    float *gather_f; /* size x cap_f floats: every rank's gradients */
    size_t cap_f;    /* floats per rank gather_f holds */
    double *gather_d;
    size_t cap_d; /* doubles per rank gather_d holds */
};

/* ---------------------------------------------------------------- helpers */

static void *mem_alloc(size_t bytes)
{
    nnb_allocator a;
    if (bytes == 0 || nnb_get_allocator(&a) != NNB_OK) {
        return NULL;
    }
    return a.alloc(a.user, bytes);
}

static void mem_free(void *block)
{
    nnb_allocator a;
    if (block != NULL && nnb_get_allocator(&a) == NNB_OK) {
        a.free(a.user, block);
    }
}

/* An MPI failure as NNB_ERR_IO with MPI's own words. */
static nnb_status mpi_fail(const char *where, const char *call, int code)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) {
        (void)snprintf(text, sizeof text, "error %d", code);
    }
    char detail[MPI_MAX_ERROR_STRING + 64];
    (void)snprintf(detail, sizeof detail, "%s failed: %s", call, text);
    return nnb_report_error(NNB_ERR_IO, where, detail);
}

/* Grows a per-rank gather buffer to `count` elements of `elem` bytes per rank. */
static nnb_status reserve(const char *where, void **buf, size_t *cap, size_t count, size_t elem, int size)
{
    if (count <= *cap) {
        return NNB_OK;
    }
    if (count > (size_t)INT_MAX || count > SIZE_MAX / elem / (size_t)size) {
        return nnb_report_error(NNB_ERR_OVERFLOW, where, "too many values for one MPI message");
    }
    void *b = mem_alloc(count * elem * (size_t)size);
    if (b == NULL) {
        return nnb_report_error(NNB_ERR_NOMEM, where, "out of memory for the gather buffer");
    }
    mem_free(*buf);
    *buf = b;
    *cap = count;
    return NNB_OK;
}

/* ---------------------------------------------------------------- the training hook */

/*
 * reduce_gradients: the global batch's gradient is sum over ranks r of (rows_r / global_rows) * g_r. Each
 * rank appends its row count (as a float: exact below 2^24 rows per shard) after its gradients, so one
 * MPI_Allgather moves both.
 */
static nnb_status reduce_gradients(float *grads, size_t count, size_t local_rows, size_t global_rows, void *user)
{
    nnb_mpi *ctx = user;
    const size_t stride = count + 1;
    nnb_status st = reserve(__func__, (void **)&ctx->gather_f, &ctx->cap_f, stride, sizeof(float), ctx->size);
    if (st != NNB_OK) {
        return st;
    }
    if (local_rows >= ((size_t)1 << 24)) {
        return nnb_report_error(NNB_ERR_OVERFLOW, __func__, "a shard of 2^24 rows or more");
    }
    float *mine = ctx->gather_f + (size_t)ctx->rank * stride;
    memcpy(mine, grads, count * sizeof(float));
    mine[count] = (float)local_rows;
    int rc = MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, ctx->gather_f, (int)stride, MPI_FLOAT, ctx->comm);
    if (rc != MPI_SUCCESS) {
        return mpi_fail(__func__, "MPI_Allgather", rc);
    }
    double total_rows = 0.0;
    for (int r = 0; r < ctx->size; ++r) {
        total_rows += (double)ctx->gather_f[(size_t)r * stride + count];
    }
    if (total_rows != (double)global_rows) {
        char detail[160];
        (void)snprintf(detail, sizeof detail, "the ranks' shards hold %.0f rows, the global batch %zu", total_rows,
                       global_rows);
        return nnb_report_error(NNB_ERR_STATE, __func__, detail);
    }
    for (size_t j = 0; j < count; ++j) {
        double s = 0.0;
        for (int r = 0; r < ctx->size; ++r) {
            const float *g = ctx->gather_f + (size_t)r * stride;
            s += (double)g[count] * (double)g[j];
        }
        grads[j] = (float)(s / total_rows);
    }
    return NNB_OK;
}

/* reduce_sums: every value summed over the ranks, in rank order. */
static nnb_status reduce_sums(double *values, size_t count, void *user)
{
    nnb_mpi *ctx = user;
    nnb_status st = reserve(__func__, (void **)&ctx->gather_d, &ctx->cap_d, count, sizeof(double), ctx->size);
    if (st != NNB_OK) {
        return st;
    }
    memcpy(ctx->gather_d + (size_t)ctx->rank * count, values, count * sizeof(double));
    int rc = MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, ctx->gather_d, (int)count, MPI_DOUBLE, ctx->comm);
    if (rc != MPI_SUCCESS) {
        return mpi_fail(__func__, "MPI_Allgather", rc);
    }
    for (size_t j = 0; j < count; ++j) {
        double s = 0.0;
        for (int r = 0; r < ctx->size; ++r) {
            s += ctx->gather_d[(size_t)r * count + j];
        }
        values[j] = s;
    }
    return NNB_OK;
}

/* ---------------------------------------------------------------- public functions */

nnb_status nnb_mpi_create(nnb_mpi **out, MPI_Comm comm)
{
    if (out == NULL) {
        return nnb_report_error(NNB_ERR_NULL, __func__, "out is NULL");
    }
    int init = 0;
    if (MPI_Initialized(&init) != MPI_SUCCESS || !init) {
        return nnb_report_error(NNB_ERR_STATE, __func__, "MPI is not initialised (call MPI_Init first)");
    }
    nnb_mpi *ctx = mem_alloc(sizeof *ctx);
    if (ctx == NULL) {
        return nnb_report_error(NNB_ERR_NOMEM, __func__, "out of memory");
    }
    memset(ctx, 0, sizeof *ctx);
    int rc = MPI_Comm_dup(comm, &ctx->comm);
    if (rc != MPI_SUCCESS) {
        mem_free(ctx);
        return mpi_fail(__func__, "MPI_Comm_dup", rc);
    }
    (void)MPI_Comm_set_errhandler(ctx->comm, MPI_ERRORS_RETURN);
    rc = MPI_Comm_rank(ctx->comm, &ctx->rank);
    if (rc == MPI_SUCCESS) {
        rc = MPI_Comm_size(ctx->comm, &ctx->size);
    }
    if (rc != MPI_SUCCESS) {
        (void)MPI_Comm_free(&ctx->comm);
        mem_free(ctx);
        return mpi_fail(__func__, "MPI_Comm_rank/size", rc);
    }
    *out = ctx;
    return NNB_OK;
}

void nnb_mpi_destroy(nnb_mpi *ctx)
{
    if (ctx == NULL) {
        return;
    }
    (void)MPI_Comm_free(&ctx->comm);
    mem_free(ctx->gather_f);
    mem_free(ctx->gather_d);
    mem_free(ctx);
}

int nnb_mpi_rank(const nnb_mpi *ctx)
{
    return ctx == NULL ? 0 : ctx->rank;
}

int nnb_mpi_size(const nnb_mpi *ctx)
{
    return ctx == NULL ? 1 : ctx->size;
}

nnb_status nnb_mpi_setup_train(nnb_mpi *ctx, nnb_train_params *params)
{
    if (ctx == NULL || params == NULL) {
        return nnb_report_error(NNB_ERR_NULL, __func__, "ctx or params is NULL");
    }
    params->shard_count = (size_t)ctx->size;
    params->shard_index = (size_t)ctx->rank;
    params->reduce_gradients = reduce_gradients;
    params->reduce_sums = reduce_sums;
    params->reduce_user = ctx;
    return NNB_OK;
}

/* Floats of every layer's learned parameters (nnb_model_dense_params). */
static size_t param_count(const nnb_model *model)
{
    size_t total = 0;
    for (size_t i = 0; i < nnb_model_layer_count(model); ++i) {
        const nnb_dense *d = nnb_model_cdense_params(model, i);
        if (d != NULL) {
            const nnb_tensor *w = nnb_dense_weights(d), *b = nnb_dense_biases(d);
            total += nnb_tensor_rows(w) * nnb_tensor_cols(w) + nnb_tensor_rows(b) * nnb_tensor_cols(b);
        }
    }
    return total;
}

/* Copies the model's parameters into buf, layer by layer (weights, then biases). */
static void copy_out(const nnb_model *model, float *buf)
{
    size_t k = 0;
    for (size_t i = 0; i < nnb_model_layer_count(model); ++i) {
        const nnb_dense *d = nnb_model_cdense_params(model, i);
        if (d == NULL) {
            continue;
        }
        const nnb_tensor *parts[2] = {nnb_dense_weights(d), nnb_dense_biases(d)};
        for (int p = 0; p < 2; ++p) {
            size_t n = nnb_tensor_rows(parts[p]) * nnb_tensor_cols(parts[p]);
            memcpy(buf + k, nnb_tensor_cdata(parts[p]), n * sizeof(float));
            k += n;
        }
    }
}

/* Copies buf into the model's parameters (the order of copy_out). */
static void copy_in(nnb_model *model, const float *buf)
{
    size_t k = 0;
    for (size_t i = 0; i < nnb_model_layer_count(model); ++i) {
        nnb_dense *d = nnb_model_dense_params(model, i);
        if (d == NULL) {
            continue;
        }
        nnb_tensor *parts[2] = {nnb_dense_weights_mut(d), nnb_dense_biases_mut(d)};
        for (int p = 0; p < 2; ++p) {
            size_t n = nnb_tensor_rows(parts[p]) * nnb_tensor_cols(parts[p]);
            memcpy(nnb_tensor_data(parts[p]), buf + k, n * sizeof(float));
            k += n;
        }
    }
}

/* Every rank's parameter count must equal rank 0's; *n receives this rank's. */
static nnb_status same_sizes(nnb_mpi *ctx, const nnb_model *model, const char *where, size_t *n)
{
    *n = param_count(model);
    unsigned long long mine = (unsigned long long)*n, lo = 0, hi = 0;
    int rc = MPI_Allreduce(&mine, &lo, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, ctx->comm);
    if (rc == MPI_SUCCESS) {
        rc = MPI_Allreduce(&mine, &hi, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, ctx->comm);
    }
    if (rc != MPI_SUCCESS) {
        return mpi_fail(where, "MPI_Allreduce", rc);
    }
    if (lo != hi) {
        char detail[160];
        (void)snprintf(detail, sizeof detail, "the ranks' models hold between %llu and %llu parameters", lo, hi);
        return nnb_report_error(NNB_ERR_SHAPE, where, detail);
    }
    if (*n > (size_t)INT_MAX) {
        return nnb_report_error(NNB_ERR_OVERFLOW, where, "too many parameters for one MPI message");
    }
    return NNB_OK;
}

nnb_status nnb_mpi_broadcast_params(nnb_mpi *ctx, nnb_model *model, int root)
{
    if (ctx == NULL || model == NULL) {
        return nnb_report_error(NNB_ERR_NULL, __func__, "ctx or model is NULL");
    }
    if (root < 0 || root >= ctx->size) {
        return nnb_report_error(NNB_ERR_RANGE, __func__, "root is not a rank of the communicator");
    }
    size_t n = 0;
    nnb_status st = same_sizes(ctx, model, __func__, &n);
    if (st != NNB_OK || n == 0) {
        return st;
    }
    float *buf = mem_alloc(n * sizeof(float));
    if (buf == NULL) {
        return nnb_report_error(NNB_ERR_NOMEM, __func__, "out of memory");
    }
    copy_out(model, buf);
    int rc = MPI_Bcast(buf, (int)n, MPI_FLOAT, root, ctx->comm);
    if (rc == MPI_SUCCESS) {
        copy_in(model, buf);
    }
    mem_free(buf);
    return rc == MPI_SUCCESS ? NNB_OK : mpi_fail(__func__, "MPI_Bcast", rc);
}

nnb_status nnb_mpi_params_agree(nnb_mpi *ctx, const nnb_model *model, int *same)
{
    if (ctx == NULL || model == NULL || same == NULL) {
        return nnb_report_error(NNB_ERR_NULL, __func__, "ctx, model or same is NULL");
    }
    size_t n = 0;
    nnb_status st = same_sizes(ctx, model, __func__, &n);
    if (st != NNB_OK) {
        return st;
    }
    if (n == 0) {
        *same = 1;
        return NNB_OK;
    }
    float *buf = mem_alloc(2 * n * sizeof(float));
    if (buf == NULL) {
        return nnb_report_error(NNB_ERR_NOMEM, __func__, "out of memory");
    }
    copy_out(model, buf);
    memcpy(buf + n, buf, n * sizeof(float));
    int rc = MPI_Bcast(buf + n, (int)n, MPI_FLOAT, 0, ctx->comm);
    int mine = rc == MPI_SUCCESS && memcmp(buf, buf + n, n * sizeof(float)) == 0, all = 0;
    if (rc == MPI_SUCCESS) {
        rc = MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, ctx->comm);
    }
    mem_free(buf);
    if (rc != MPI_SUCCESS) {
        return mpi_fail(__func__, "MPI_Bcast/MPI_Allreduce", rc);
    }
    *same = all;
    return NNB_OK;
}
