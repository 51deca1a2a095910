/* SPDX-License-Identifier: MIT */
/*
 * nnb - train, evaluate and use neural networks built with libnnbasics.
 *   nnb [demo]            the book's spiral pipeline, then a short training run (needs no files)
 *   nnb train ...         train on Fashion-MNIST and save the model
 *   nnb eval ...          accuracy, loss and confusion matrix of a saved model
 *   nnb predict ...       classify one image
 *   nnb info FILE         what a saved model (.nnb, .onnx) or weights archive (.npz) holds
 *   nnb convert IN OUT    .onnx <-> .nnb
 *   nnb export / import   dense weights as a PyTorch-style .npz and back
 */
#define _POSIX_C_SOURCE 200809L
#include "nnb.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

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
            "  info      describe a saved model: layers, shapes, parameters, loss, optimizer (.nnb, .onnx, .npz)\n"
            "  convert   convert a model between .nnb and ONNX (.onnx): nnb convert IN OUT\n"
            "  export    write a model's weights as a PyTorch state_dict-style .npz (--format npz)\n"
            "  import    build a model from such an .npz and a layer list (--layers SPEC)\n"
            "\n"
            "'nnb COMMAND --help' describes each command's options. An option's value may follow it or be\n"
            "attached with '=' (--epochs 5, --epochs=5); every command takes --quiet (results and errors only).\n"
            "train, eval and predict also work on your own tables: --data FILE.csv (or x.npy, file.npz);\n"
            "'nnb train --data FILE --help' describes the options.\n"
            "'nnb --version' names the library version, the GEMM body and the instruction set in use\n"
            "('nnb --version --json': as one JSON object, with the thread count).\n"
            "Exit status: 0 success, 1 failure while running (results that cannot be written included), 2 usage\n"
            "error. NNB_MAX_MEMORY (bytes, or 8G, 512M; default 4G) bounds the memory a data set or a network may\n"
            "claim; it is checked before anything is allocated.\n",
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

/*
 * A standard descriptor closed when nnb starts (nnb >&-) is filled with /dev/null opened read-only: no file nnb
 * opens (a model being saved) can become "standard output", and writes to it still fail, as on a closed one.
 */
static void reserve_standard_descriptors(void)
{
    for (int fd = 0; fd <= 2; ++fd) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int got = open("/dev/null", O_RDONLY); /* the lowest free descriptor: fd */
            if (got >= 0 && got != fd) {
                close(got);
            }
        }
    }
}

/*
 * Results that could not be written are a failure: flushes and closes standard output and checks its error
 * flag (a full disk, /dev/full, a closed descriptor, a broken pipe). Returns rc, or NNB_EXIT_FAILURE with a
 * one-line message when the output was lost.
 */
static int finish(const char *command, int rc)
{
    int failed = ferror(stdout) != 0;
    int err = failed ? EIO : 0;
    if (fflush(stdout) != 0) {
        failed = 1;
        err = errno;
    }
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (!failed) {
        return rc;
    }
    if (err == EBADF) {
        fprintf(stderr, "%s: cannot write the results: standard output is closed\n", command);
    } else {
        fprintf(stderr, "%s: cannot write the results to standard output: %s\n", command, strerror(err));
    }
    return rc == NNB_EXIT_OK ? NNB_EXIT_FAILURE : rc;
}

static int run(int argc, char **argv)
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
    if (strcmp(cmd, "convert") == 0) {
        return nnb_cmd_convert(argc, argv);
    }
    if (strcmp(cmd, "export") == 0) {
        return nnb_cmd_export(argc, argv);
    }
    if (strcmp(cmd, "import") == 0) {
        return nnb_cmd_import(argc, argv);
    }
    if (cmd[0] == '-') {
        fprintf(stderr, "nnb: unknown option '%s' (see nnb --help)\n", cmd);
    } else {
        fprintf(stderr,
                "nnb: unknown command '%s' (commands: demo, train, eval, predict, info, convert, export, import; see "
                "nnb --help)\n",
                cmd);
    }
    return NNB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    reserve_standard_descriptors();
    /*
     * Not a terminal: one 64 KiB block instead of stdio's default (often 4 KiB), so that a help text or a
     * report is written by the final flush, whose error (a full disk) finish() then names exactly.
     */
    static char out_buffer[1 << 16];
    if (!nnb_stdout_is_tty()) {
        (void)setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
    }
    char command[64] = "nnb";
    if (argc >= 2 && argv[1][0] != '-' && strlen(argv[1]) < 32) {
        snprintf(command, sizeof command, "nnb %s", argv[1]);
    }
    return finish(command, run(argc, argv));
}
