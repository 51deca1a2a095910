/* SPDX-License-Identifier: MIT */
/*
 * nnb - the libnnbasics command-line tool. Shared declarations of its commands and helpers.
 * The tool uses the installed public API only.
 */
#ifndef NNB_TOOL_H
#define NNB_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <nnbasics/nnbasics.h>

/* Exit codes: success, a failure while running (file, data, library error), a usage error. */
#define NNB_EXIT_OK 0
#define NNB_EXIT_FAILURE 1
#define NNB_EXIT_USAGE 2

/* ---- strict option parsing (args.c) ---- */

/* The arguments of one command, consumed left to right. Set up with nnb_args_init. */
typedef struct nnb_args {
    int argc;
    char **argv;
    int pos;                  /* next argument */
    const char *command;      /* for messages: "nnb train" */
    const char *inline_value; /* the VALUE of "--name=VALUE" until a value reader takes it, else NULL */
    char name[64];            /* "--name" of "--name=VALUE" */
} nnb_args;

/* Starts reading argv[first..argc) for command ("nnb train"). */
void nnb_args_init(nnb_args *a, int argc, char **argv, int first, const char *command);

/*
 * Next option name ("--epochs"), or NULL at the end. An option's value may follow it ("--epochs 3") or be
 * attached to it ("--epochs=3"); the value readers below take either. A non-option argument, or a value
 * attached to an option that takes none ("--invert=1"), is reported as a usage error and sets *error.
 */
const char *nnb_args_next_option(nnb_args *a, int *error);

/*
 * For an option that takes no value (--quiet): returns 1, or prints a usage error and returns 0 if a value
 * was attached to it ("--quiet=yes").
 */
int nnb_args_flag(nnb_args *a);

/* Reports an unknown option and returns NNB_EXIT_USAGE. */
int nnb_args_unknown(const nnb_args *a, const char *option);

/*
 * Value readers for the option just returned by nnb_args_next_option. Each checks that a value is present
 * (not another option), well formed and in range; on error prints "nnb CMD: OPTION ..." to stderr and
 * returns 0. Return 1 on success.
 */
int nnb_args_string(nnb_args *a, const char *option, const char **out);
int nnb_args_size(nnb_args *a, const char *option, size_t min, size_t max, size_t *out);
int nnb_args_double(nnb_args *a, const char *option, double min, double max, int min_inclusive, double *out);
/* A comma-separated list of 1..max_count integers in [min, max] ("128,128"). */
int nnb_args_size_list(nnb_args *a, const char *option, size_t min, size_t max, size_t max_count, size_t *out,
                       size_t *count);

/* ---- option tables (args.c): one row per option instead of one strcmp branch each ---- */

/* How an option's value is read. */
typedef enum nnb_option_kind {
    NNB_OPTION_FLAG,   /* no value; *(int *)out = 1 */
    NNB_OPTION_STRING, /* *(const char **)out = the value (non-empty) */
    NNB_OPTION_SIZE,   /* *(size_t *)out = a whole number in [min, max] */
    NNB_OPTION_DOUBLE, /* *(double *)out = a finite number in [min, max] (above min when !min_inclusive) */
    NNB_OPTION_CUSTOM  /* parse(a, name, out) reads and checks the value itself */
} nnb_option_kind;

/* One option of a command. Rows are looked up by name among those whose `commands` include the caller's. */
typedef struct nnb_option {
    const char *name;     /* "--epochs" */
    nnb_option_kind kind; /* how the value is read */
    void *out;            /* where it goes (see the kinds) */
    unsigned commands;    /* bit mask of the commands that take the option (NNB_OPTION_ALL: every one) */
    double min, max;      /* NNB_OPTION_SIZE and NNB_OPTION_DOUBLE: the accepted range */
    int min_inclusive;    /* NNB_OPTION_DOUBLE: min itself is accepted */
    int *given;           /* if not NULL, set to 1 when the option is given */
    int (*parse)(nnb_args *a, const char *name, void *out); /* NNB_OPTION_CUSTOM: 1 = accepted, 0 = message printed */
} nnb_option;

#define NNB_OPTION_ALL (~0u)

/*
 * Reads every option of a with the table: --help (no value) prints usage() and returns NNB_EXIT_OK; an unknown
 * option (or one whose row does not include `command`, a bit of the rows' masks), a missing, malformed or
 * out-of-range value prints a message and returns NNB_EXIT_USAGE; otherwise it returns -1 (go on).
 */
int nnb_args_parse_table(nnb_args *a, const nnb_option *table, size_t n, unsigned command, void (*usage)(void));

/* True when name is a value-taking option (any kind but NNB_OPTION_FLAG) of the table. */
int nnb_option_takes_value(const nnb_option *table, size_t n, const char *name);

/* Prints "nnb CMD: message" to stderr (printf format). */
void nnb_error(const char *command, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * The status text followed, when it adds something, by the library's detail of the failure just returned
 * (nnb_detail_for(NULL)): "invalid argument value (layer 2: ...)". One line; a static buffer that the next
 * call overwrites. Call it right after the failing library call.
 */
const char *nnb_describe(nnb_status status);

/* nnb_detail_for(NULL), or NULL when it is empty or would only repeat the status text. */
const char *nnb_detail(nnb_status status);

/*
 * A failed nnb_model_train: a run that stopped on a NaN or infinity (NNB_ERR_NONFINITE; the data were checked
 * finite before it, so the training diverged) is reported with where the model's health check saw it first
 * (epoch, 1-based step, layer, phase) and the advice to lower --lr; other failures as nnb_fail. Returns
 * NNB_EXIT_FAILURE.
 */
int nnb_fail_training(const char *command, const nnb_model *model, nnb_status status, double learning_rate);

/* Prints "nnb CMD: what: <nnb_describe(status)>" to stderr and returns NNB_EXIT_FAILURE. */
int nnb_fail(const char *command, const char *what, nnb_status status);

/* Seconds from a monotonic clock. */
double nnb_now(void);

/* True when stdout is a terminal. */
int nnb_stdout_is_tty(void);

/* ---- data (data.c) ---- */

/* Loads one Fashion-MNIST split from dir (NULL = default), printing a clear message on failure. */
int nnb_load_fashion(const char *command, const char *dir, nnb_fashion_split split, nnb_idx_set **out);

/*
 * Reads image `index` of a split without loading the split, printing a clear message on failure. Returns 1,
 * 0 (a file error), or -1 (the index is out of range: a usage error).
 */
int nnb_read_fashion_image(const char *command, const char *dir, nnb_fashion_split split, size_t index,
                           nnb_tensor *image, uint32_t *label);

/* Loads a model file, printing a clear message (the library's detail: file, field, reason) on failure. */
int nnb_load_model(const char *command, const char *path, nnb_model **out);

/*
 * nnb_last_error() without the library function's name, and without "PATH: " when it starts with path (NULL:
 * no path to drop), for messages that name the file already; on one line, in a static buffer the next call of
 * this function (or nnb_detail, nnb_describe) overwrites.
 */
const char *nnb_detail_for(const char *path);

/*
 * The memory bound for a data set or a network: the environment variable NNB_MAX_MEMORY (bytes, or a number
 * with K, M, G or T: "8G"); SIZE_MAX when it is unset, 0 when it is malformed.
 */
#define NNB_TOOL_DEFAULT_MAX_MEMORY ((size_t)4 << 30)
size_t nnb_memory_limit(void);

/*
 * nnb_memory_limit for the library's max_memory arguments: *limit is NNB_MAX_MEMORY, or 0 when it is unset
 * (the library's default bound). Prints a message and returns 0 when NNB_MAX_MEMORY is malformed.
 */
int nnb_check_memory_limit(const char *command, size_t *limit);

/* "12.3 MiB" into buf. */
const char *nnb_format_bytes(double bytes, char *buf, size_t size);

/* Checks that a loaded model takes 784 inputs and gives 10 outputs; prints a message and returns 0 if not. */
int nnb_check_fashion_model(const char *command, const nnb_model *model, const char *path);

/* ---- JSON output (json.c) ---- */

/* Writes s as a JSON string (quoted, escaped; NULL as ""). */
void nnb_json_string(FILE *out, const char *s);

/* Writes v as a JSON number in the fewest digits that read back as v; null when v is NaN or infinite. */
void nnb_json_number(FILE *out, double v);

/* The same for a float32 value: the fewest digits that read back as the same float. */
void nnb_json_float(FILE *out, float v);

/* ---- pictures (picture.c) ---- */

/* True when path will be written as a PNG: libpng is built in and the name does not end in .ppm. */
int nnb_picture_is_png(const char *path);

/*
 * The file --plot PATH writes into out (size bytes): PATH, with a final .png made .ppm when the tool has no
 * libpng. Creates it once so that a bad path fails before training; 0 (message printed) on failure.
 */
int nnb_picture_prepare(const char *command, const char *path, char *out, size_t size);

/* Writes image as a PNG (nnb_picture_is_png) or a PPM and, unless quiet, says which; 0 (message) on failure. */
int nnb_picture_write(const char *command, const char *path, const nnb_image *image, const char *what, int quiet);

/* Draws the model's training history (nnb_plot_history) into path; 0 (message printed) on failure. */
int nnb_picture_history(const char *command, const nnb_model *model, const char *path, const char *title, int quiet);

/* ---- commands ---- */

int nnb_cmd_demo(int argc, char **argv);
int nnb_cmd_train(int argc, char **argv);
int nnb_cmd_eval(int argc, char **argv);
int nnb_cmd_predict(int argc, char **argv);
int nnb_cmd_info(int argc, char **argv);
int nnb_cmd_convert(int argc, char **argv);
int nnb_cmd_export(int argc, char **argv);
int nnb_cmd_import(int argc, char **argv);

/* ---- interop (interop.c) ---- */

/* True when path ends in ext (".onnx") and has something before it. */
int nnb_has_extension(const char *path, const char *ext);

/* Loads a .onnx (nnb_model_load_onnx) or any other (nnb_model_load) model, printing a message on failure. */
int nnb_load_any_model(const char *command, const char *path, nnb_model **out);

/* "ONNX ir_version 7, opset 13, producer pytorch 1.13" for an ONNX file into buf; 0 (message printed) on failure. */
int nnb_onnx_format(const char *command, const char *path, char *buf, size_t size);

/* nnb info for a .npz weights archive: its state_dict arrays, shapes and parameter count. Returns an exit code. */
int nnb_npz_info(const char *command, const char *path, int json, int quiet);

#endif
