/* SPDX-License-Identifier: MIT */
/*
 * Data-parallel training over MPI: one spiral classifier trained by P processes, each on 1/P of every batch.
 *
 *     mpirun -np 2 build/examples/mpi_train [model.nnb]
 *
 * Every process makes the same data and the same model (same seeds); rank 0's weights are broadcast anyway.
 * nnb_mpi_setup_train fills in the training options' data-parallel fields: each global batch of 60 rows is
 * cut into P parts, every process runs forward and backward on its part, and the gradients are combined in
 * rank order into those of the whole batch, so all processes take the same steps and end with the same
 * weights, bit for bit. Rank 0 prints the progress (the figures of the global batches) and saves the model.
 * Built with NNB_WITH_MPI (libopenmpi-dev); see README.md, "Across processes (MPI)".
 */
#include <stdio.h>
#include <stdlib.h>

#include <nnbasics/mpi.h>
#include <nnbasics/nnbasics.h>

enum { SAMPLES = 100, CLASSES = 3, N = SAMPLES * CLASSES };

/* Any failure: report it and stop every process (the others would wait for this one). */
static void check(nnb_status st, const char *what)
{
    if (st != NNB_OK) {
        fprintf(stderr, "mpi_train: %s failed: %s\n", what, nnb_last_error());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
}

/* Rank 0 prints every 100th epoch; every rank answers 0 (continue), as the callback must agree. */
static int progress(const nnb_progress *p, void *user)
{
    const int rank = *(const int *)user;
    if (rank == 0 && p->event == NNB_PROGRESS_EPOCH) {
        printf("epoch %4zu  loss %.4f  acc %.3f  lr %.5f\n", p->epoch, (double)p->loss, p->accuracy, p->learning_rate);
    }
    return 0;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    nnb_mpi *mpi = NULL;
    check(nnb_mpi_create(&mpi, MPI_COMM_WORLD), "nnb_mpi_create");
    int rank = nnb_mpi_rank(mpi);

    /* The same data everywhere: X, y = spiral_data(samples=100, classes=3) from seed 0. */
    nnb_rng *rng = NULL;
    nnb_tensor *X = NULL;
    static uint32_t y[N];
    check(nnb_rng_create(&rng, 0), "nnb_rng_create");
    check(nnb_tensor_create(&X, N, 2), "nnb_tensor_create");
    check(nnb_spiral_data(rng, SAMPLES, CLASSES, X, y, N), "nnb_spiral_data");

    nnb_model *m = NULL;
    check(nnb_model_create(&m, 42), "nnb_model_create");
    const nnb_init he = nnb_init_of(NNB_INIT_HE_NORMAL);
    check(nnb_model_add_dense_init(m, 2, 64, &he, NULL), "dense");
    check(nnb_model_add_relu(m), "relu");
    check(nnb_model_add_dense_init(m, 64, CLASSES, &he, NULL), "dense");
    check(nnb_model_add_softmax(m), "softmax");
    check(nnb_model_set_loss(m, NNB_LOSS_CCE), "loss");
    nnb_optimizer_params adam = nnb_optimizer_defaults(NNB_OPTIMIZER_ADAM);
    adam.learning_rate = 0.02;
    adam.decay = 5e-5;
    check(nnb_model_set_optimizer(m, &adam), "optimizer");
    check(nnb_model_set_accuracy(m, NNB_ACCURACY_CATEGORICAL), "accuracy");
    check(nnb_model_finalize(m), "finalize");
    check(nnb_mpi_broadcast_params(mpi, m, 0), "nnb_mpi_broadcast_params");

    nnb_targets t = nnb_targets_from_labels(y, N);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = 500;
    tp.batch_size = 60; /* the global batch: 60 / P rows per process */
    tp.shuffle = 1;     /* one permutation per epoch, drawn alike by every process */
    tp.print_every = 100;
    tp.progress = progress;
    tp.user = &rank;
    check(nnb_mpi_setup_train(mpi, &tp), "nnb_mpi_setup_train");
    check(nnb_model_train(m, X, &t, &tp), "nnb_model_train");

    int same = 0;
    check(nnb_mpi_params_agree(mpi, m, &same), "nnb_mpi_params_agree");
    if (rank == 0) {
        printf("%d processes; their weights are %s\n", nnb_mpi_size(mpi), same ? "identical" : "DIFFERENT");
        if (argc > 1) {
            check(nnb_model_save(m, argv[1]), "nnb_model_save");
            printf("saved %s\n", argv[1]);
        }
    }
    nnb_model_destroy(m);
    nnb_tensor_destroy(X);
    nnb_rng_destroy(rng);
    nnb_mpi_destroy(mpi);
    MPI_Finalize();
    return same ? EXIT_SUCCESS : EXIT_FAILURE;
}
