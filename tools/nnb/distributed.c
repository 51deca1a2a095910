/* SPDX-License-Identifier: MIT */
/*
 * nnb train --distributed (distributed.h): the MPI side, kept out of train.c. Each process loads the same data
 * and builds the same model; rank 0's weights are broadcast; every global batch is shared out among the ranks
 * and the gradients combined in rank order (nnbasics/mpi.h), so all ranks train the same model.
 */
#include "distributed.h"

#include <stdio.h>

#include "nnb.h"

#if defined(NNB_TOOL_WITH_MPI)

#    include <nnbasics/mpi.h>

static nnb_mpi *g_mpi;
static int g_started; /* MPI_Init was called here */

int nnb_dist_available(void)
{
    return 1;
}

int nnb_dist_begin(const char *cmd, nnb_model *model)
{
    int init = 0;
    if (MPI_Initialized(&init) != MPI_SUCCESS) {
        nnb_error(cmd, "--distributed: MPI_Initialized failed");
        return 0;
    }
    if (!init) {
        if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
            nnb_error(cmd, "--distributed: MPI_Init failed");
            return 0;
        }
        g_started = 1;
    }
    nnb_status st = nnb_mpi_create(&g_mpi, MPI_COMM_WORLD);
    if (st == NNB_OK) {
        st = nnb_mpi_broadcast_params(g_mpi, model, 0);
    }
    if (st != NNB_OK) {
        nnb_fail(cmd, "--distributed", st);
        return 0;
    }
    if (nnb_mpi_rank(g_mpi) != 0 && freopen("/dev/null", "w", stdout) == NULL) {
        nnb_error(cmd, "--distributed: cannot silence rank %d's output", nnb_mpi_rank(g_mpi));
        return 0;
    }
    printf("distributed: %d processes, each on 1/%d of every batch\n", nnb_mpi_size(g_mpi), nnb_mpi_size(g_mpi));
    return 1;
}

int nnb_dist_setup(const char *cmd, nnb_train_params *params)
{
    nnb_status st = nnb_mpi_setup_train(g_mpi, params);
    if (st != NNB_OK) {
        nnb_fail(cmd, "--distributed", st);
        return 0;
    }
    return 1;
}

int nnb_dist_is_root(void)
{
    return g_mpi == NULL || nnb_mpi_rank(g_mpi) == 0;
}

void nnb_dist_end(int rc)
{
    if (g_mpi == NULL && !g_started) {
        return;
    }
    if (rc != NNB_EXIT_OK) {
        (void)fflush(stdout);
        (void)MPI_Abort(MPI_COMM_WORLD, rc); /* the other ranks would wait for this one */
    }
    nnb_mpi_destroy(g_mpi);
    g_mpi = NULL;
    if (g_started) {
        (void)MPI_Finalize();
        g_started = 0;
    }
}

#else

int nnb_dist_available(void)
{
    return 0;
}

int nnb_dist_begin(const char *cmd, nnb_model *model)
{
    (void)model;
    nnb_error(cmd, "--distributed: this nnb was built without MPI (configure with -DNNB_WITH_MPI=ON)");
    return 0;
}

int nnb_dist_setup(const char *cmd, nnb_train_params *params)
{
    (void)params;
    nnb_error(cmd, "--distributed: this nnb was built without MPI (configure with -DNNB_WITH_MPI=ON)");
    return 0;
}

int nnb_dist_is_root(void)
{
    return 1;
}

void nnb_dist_end(int rc)
{
    (void)rc;
}

#endif
