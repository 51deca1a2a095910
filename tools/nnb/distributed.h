/* SPDX-License-Identifier: MIT */
/*
 * nnb train --distributed: data-parallel training over MPI through nnbasics_mpi (a build with NNB_WITH_MPI);
 * without it every function reports that the tool was built without MPI.
 */
#ifndef NNB_TOOL_DISTRIBUTED_H
#define NNB_TOOL_DISTRIBUTED_H

#include <nnbasics/nnbasics.h>

/* Non-zero when this nnb was built with MPI. */
int nnb_dist_available(void);

/*
 * Starts MPI (when not started), joins MPI_COMM_WORLD and gives every rank rank 0's weights. Ranks other than
 * 0 then print nothing on stdout (errors still go to stderr). Returns 1, or 0 after reporting the failure.
 */
int nnb_dist_begin(const char *cmd, nnb_model *model);

/* Fills in the data-parallel fields of the training options. Returns 1, or 0 after reporting the failure. */
int nnb_dist_setup(const char *cmd, nnb_train_params *params);

/* Non-zero on rank 0, and when not distributed: the process that writes files. */
int nnb_dist_is_root(void);

/* Ends MPI when nnb_dist_begin started it: MPI_Abort for a failed run (exit code rc), else MPI_Finalize. */
void nnb_dist_end(int rc);

#endif /* NNB_TOOL_DISTRIBUTED_H */
