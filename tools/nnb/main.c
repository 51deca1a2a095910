/* SPDX-License-Identifier: MIT */
/*
 * nnb - train, evaluate and use neural networks built with libnnbasics.
 *   nnb [demo]            the book's spiral pipeline, then a short training run (needs no files)
 *   nnb train ...         train on Fashion-MNIST and save the model
 *   nnb eval ...          accuracy, loss and confusion matrix of a saved model
 *   nnb predict ...       classify one image
 *   nnb info FILE         what a saved model holds
 */
#include "nnb.h"

#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: nnb [--help | --version [--json] | COMMAND [OPTIONS]]\n"
            "\n"
            "Neural networks from scratch, in C (libnnbasics %s).\n"
            "\n"
            "commands:\n"
            "  demo      the book's spiral pipeline (lesson 8 numbers), then a short training run;\n"
            "            what 'nnb' alone runs. Needs no files.\n"
            "  train     train a classifier on Fashion-MNIST and save it\n"
            "  eval      accuracy, loss and confusion matrix of a saved model on Fashion-MNIST\n"
            "  predict   classify one image (a 28x28 PNG or an image of the data set)\n"
            "  info      describe a saved model: layers, shapes, parameters, loss, optimizer\n"
            "\n"
            "'nnb COMMAND --help' describes each command's options. An option's value may follow it or be\n"
            "attached with '=' (--epochs 5, --epochs=5); every command takes --quiet (results and errors only).\n"
            "train, eval and predict also work on your own tables: --data FILE.csv (or x.npy, file.npz);\n"
            "'nnb train --data FILE --help' describes the options.\n"
            "'nnb --version' names the library version, the GEMM body and the instruction set in use\n"
            "('nnb --version --json': as one JSON object, with the thread count).\n"
            "Exit status: 0 success, 1 failure while running, 2 usage error.\n",
            nnb_version_string());
}

/* The tool's version, then what the loaded library reports: its version, GEMM body and instruction set. */
static void version(int json)
{
    if (json) {
        printf("{\"nnb\": \"%s\", \"libnnbasics\": \"%s\", \"gemm_body\": \"%s\", \"isa\": \"%s\", \"threads\": %zu}\n",
               NNB_VERSION_STRING, nnb_version_string(), nnb_backend_name(), nnb_compute_isa(), nnb_get_num_threads());
        return;
    }
    printf("nnb %s (libnnbasics %s, GEMM body %s, ISA %s)\n", NNB_VERSION_STRING, nnb_version_string(),
           nnb_backend_name(), nnb_compute_isa());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        return nnb_cmd_demo(argc, argv);
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return NNB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        const int json = argc == 3 && strcmp(argv[2], "--json") == 0;
        if (argc > 2 && !json) {
            fprintf(stderr, "nnb: unexpected argument '%s' after --version (only --json may follow)\n", argv[2]);
            return NNB_EXIT_USAGE;
        }
        version(json);
        return NNB_EXIT_OK;
    }
    /* Each command parses argv from index 2. */
    if (strcmp(cmd, "demo") == 0) {
        return nnb_cmd_demo(argc, argv);
    }
    if (strcmp(cmd, "train") == 0) {
        return nnb_cmd_train(argc, argv);
    }
    if (strcmp(cmd, "eval") == 0) {
        return nnb_cmd_eval(argc, argv);
    }
    if (strcmp(cmd, "predict") == 0) {
        return nnb_cmd_predict(argc, argv);
    }
    if (strcmp(cmd, "info") == 0) {
        return nnb_cmd_info(argc, argv);
    }
    if (cmd[0] == '-') {
        fprintf(stderr, "nnb: unknown option '%s' (see nnb --help)\n", cmd);
    } else {
        fprintf(stderr, "nnb: unknown command '%s' (commands: demo, train, eval, predict, info; see nnb --help)\n",
                cmd);
    }
    return NNB_EXIT_USAGE;
}
