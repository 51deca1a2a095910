/* SPDX-License-Identifier: MIT */
/*
 * A small command-line front end to the .npy/.npz readers and writers, driven by npy_roundtrip.py:
 *   npy_tool tensor <in> <member|-> <row|col> <out.npy>   read a tensor ('-': a .npy file), write it as .npy
 *   npy_tool labels <in> <member|-> <out.txt>             read labels, write one per line
 *   npy_tool npz <out.npz> <name> <in.npy> [<name> <in.npy> ...]   write .npy tensors into one .npz
 * On a library failure it prints "status <code>" on stdout and exits with 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nnbasics/nnbasics.h>

static int report(nnb_status st)
{
    printf("status %d\n", (int)st);
    return 3;
}

static nnb_status read_tensor(const char *path, const char *member, nnb_npy_vector vector, nnb_tensor **t)
{
    if (strcmp(member, "-") == 0) {
        return nnb_npy_load_tensor(t, path, vector);
    }
    return nnb_npz_load_tensor(t, path, member, vector);
}

int main(int argc, char **argv)
{
    if (argc >= 6 && strcmp(argv[1], "tensor") == 0) {
        nnb_npy_vector vector = strcmp(argv[4], "col") == 0 ? NNB_NPY_COLUMN : NNB_NPY_ROW;
        nnb_tensor *t = NULL;
        nnb_status st = read_tensor(argv[2], argv[3], vector, &t);
        if (st == NNB_OK) {
            st = nnb_npy_save_tensor(t, argv[5]);
        }
        nnb_tensor_destroy(t);
        return st == NNB_OK ? 0 : report(st);
    }
    if (argc >= 5 && strcmp(argv[1], "labels") == 0) {
        uint32_t *labels = NULL;
        size_t count = 0;
        nnb_status st = strcmp(argv[3], "-") == 0 ? nnb_npy_load_labels(&labels, &count, argv[2])
                                                  : nnb_npz_load_labels(&labels, &count, argv[2], argv[3]);
        if (st != NNB_OK) {
            return report(st);
        }
        FILE *f = fopen(argv[4], "w");
        if (f == NULL) {
            nnb_npy_labels_free(labels);
            return 2;
        }
        for (size_t i = 0; i < count; ++i) {
            fprintf(f, "%lu\n", (unsigned long)labels[i]);
        }
        nnb_npy_labels_free(labels);
        return fclose(f) == 0 ? 0 : 2;
    }
    if (argc >= 5 && argc % 2 == 1 && strcmp(argv[1], "npz") == 0) {
        size_t count = (size_t)(argc - 3) / 2;
        const char *names[16];
        const nnb_tensor *tensors[16];
        nnb_tensor *owned[16];
        if (count > 16) {
            return 2;
        }
        nnb_status st = NNB_OK;
        size_t made = 0;
        for (; made < count && st == NNB_OK; ++made) {
            names[made] = argv[3 + 2 * made];
            owned[made] = NULL;
            st = nnb_npy_load_tensor(&owned[made], argv[4 + 2 * made], NNB_NPY_ROW);
            tensors[made] = owned[made];
        }
        if (st == NNB_OK) {
            st = nnb_npz_save(argv[2], names, tensors, count);
        }
        for (size_t i = 0; i < made; ++i) {
            nnb_tensor_destroy(owned[i]);
        }
        return st == NNB_OK ? 0 : report(st);
    }
    fprintf(stderr, "usage: npy_tool tensor|labels|npz ...\n");
    return 2;
}
