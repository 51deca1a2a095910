/* SPDX-License-Identifier: MIT */
/**
 * @file mpi.h
 * @brief Data-parallel training over MPI (the separate library nnbasics_mpi, built with NNB_WITH_MPI).
 *
 * The core library knows nothing of MPI: nnb_train_params has a generic hook (shard_count, shard_index,
 * reduce_gradients, reduce_sums; model.h), and this library fills it in with MPI collectives. Every process
 * (rank) of the communicator holds the whole data set and the same model; each global batch is cut into one
 * contiguous part per rank, each rank runs forward and backward on its part, and the gradients are combined
 * into those of the global batch before every rank applies the same update.
 *
 * @code
 *     MPI_Init(&argc, &argv);
 *     nnb_mpi *mpi;
 *     nnb_mpi_create(&mpi, MPI_COMM_WORLD);
 *     nnb_model *m;                                  // built alike on every rank (same seed)
 *     ...
 *     nnb_mpi_broadcast_params(mpi, m, 0);           // rank 0's weights everywhere (optional with one seed)
 *     nnb_train_params tp = nnb_train_params_default();
 *     tp.batch_size = 128;                           // the global batch
 *     tp.shuffle = 1;                                // one permutation, drawn alike on every rank
 *     nnb_mpi_setup_train(mpi, &tp);
 *     if (nnb_model_train(m, X, &y, &tp) != NNB_OK) {
 *         MPI_Abort(MPI_COMM_WORLD, 1);              // the other ranks would wait for this one
 *     }
 *     nnb_mpi_destroy(mpi);
 *     MPI_Finalize();
 * @endcode
 *
 * Reduction order: every rank receives every rank's gradients (MPI_Allgather) and adds them up itself in
 * rank order, in double precision, weighting rank r's gradients by its rows / the global batch's rows; the
 * step's loss and accuracy sums go the same way. The result therefore does not depend on the MPI library's
 * reduction algorithm, and all ranks hold the same gradients and the same weights, bit for bit.
 *
 * Equivalence with one process on the global batch: the same mathematics, but not the same rounding. One
 * process sums the gradient over all rows of the batch inside one matrix product; here each rank sums over
 * its rows and the ranks' sums are added afterwards, so float32 results differ in their last bits and the
 * difference grows slowly over the steps. README.md ("Across processes (MPI)") gives the measured figure.
 *
 * Initial weights: every rank builds its model from the same seed, which gives identical weights;
 * nnb_mpi_broadcast_params copies rank 0's anyway (needed when a rank loaded or changed its model alone).
 * Shuffling draws from the model's generator, identical on every rank, so the permutations agree.
 *
 * Failures: a rank whose step fails (other than by a non-finite loss, which every rank sees at the same
 * step) returns while the others wait in the next collective; call MPI_Abort then, as above. The progress
 * callback must give the same answer on every rank (e.g.\ only rank 0 prints, all return 0).
 *
 * MPI must be initialised before nnb_mpi_create and finalised after nnb_mpi_destroy. MPI errors are
 * reported as NNB_ERR_IO with the MPI error string in nnb_last_error (the communicator's error handler is
 * set to MPI_ERRORS_RETURN on its duplicate).
 */
#ifndef NNB_MPI_H
#define NNB_MPI_H

#include <mpi.h>

#include "nnbasics/export.h"
#include "nnbasics/model.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The MPI side of data-parallel training: a duplicate of the communicator and the exchange buffers. Opaque. */
typedef struct nnb_mpi nnb_mpi;

/**
 * Creates the context on every rank of `comm` (collective: all ranks call it).
 * @param out receives the context (owned by the caller; nnb_mpi_destroy). Untouched on failure.
 * @param comm the communicator whose ranks train together (duplicated; the caller keeps its own).
 * @return NNB_OK, NNB_ERR_NULL (out), NNB_ERR_STATE (MPI not initialised), NNB_ERR_IO (an MPI call failed),
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_mpi_create(nnb_mpi **out, MPI_Comm comm);

/**
 * Releases the context and its duplicate communicator (collective). Call before MPI_Finalize.
 * @param ctx the context, or NULL (ignored).
 */
NNB_API void nnb_mpi_destroy(nnb_mpi *ctx);

/**
 * This process's rank in the communicator.
 * @param ctx the context.
 * @return the rank (0-based); 0 for NULL.
 */
NNB_API int nnb_mpi_rank(const nnb_mpi *ctx);

/**
 * The number of ranks.
 * @param ctx the context.
 * @return the number of processes; 1 for NULL.
 */
NNB_API int nnb_mpi_size(const nnb_mpi *ctx);

/**
 * Fills in the data-parallel fields of training options: shard_count (the number of ranks), shard_index
 * (this rank), reduce_gradients, reduce_sums and reduce_user (the context). The other fields stay as they
 * are; batch_size is the global batch. The context must outlive the nnb_model_train calls using them.
 * @param ctx the context.
 * @param params the options to fill in.
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_mpi_setup_train(nnb_mpi *ctx, nnb_train_params *params);

/**
 * Copies rank root's learned parameters (every layer's weights and biases, nnb_model_dense_params) to all
 * other ranks (collective). The models must have the same layers on every rank.
 * @param ctx the context.
 * @param model this rank's model (its parameters are overwritten on the other ranks).
 * @param root the rank whose parameters are sent.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_RANGE (root not a rank), NNB_ERR_IO (an MPI call failed),
 *         NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_mpi_broadcast_params(nnb_mpi *ctx, nnb_model *model, int root);

/**
 * Compares every rank's learned parameters with rank 0's, bit for bit (collective).
 * @param ctx the context.
 * @param model this rank's model (only read).
 * @param same receives 1 on every rank when all ranks hold the same bits, else 0.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (the ranks' models differ in size), NNB_ERR_IO (an MPI
 *         call failed), NNB_ERR_NOMEM.
 */
NNB_API nnb_status nnb_mpi_params_agree(nnb_mpi *ctx, const nnb_model *model, int *same);

#ifdef __cplusplus
}
#endif

#endif /* NNB_MPI_H */
