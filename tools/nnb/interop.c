/* SPDX-License-Identifier: MIT */
/*
 * nnb convert / export / import: models to and from other tools.
 *   nnb convert IN OUT                       .onnx <-> .nnb (by the file names' extensions)
 *   nnb export --format npz MODEL OUT.npz    dense weights and biases as torch.nn.Sequential.state_dict() names them
 *   nnb import --layers SPEC IN.npz OUT.nnb  the reverse, with the layer kinds given by SPEC
 */
#define _POSIX_C_SOURCE 200809L

#include "nnb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The most layers an .npz import or export handles (torch indices 0 .. NNB_NPZ_MAX_LAYERS-1). */
#define NNB_NPZ_MAX_LAYERS 256

int nnb_has_extension(const char *path, const char *ext)
{
    const size_t n = strlen(path), m = strlen(ext);
    return n > m && strcmp(path + n - m, ext) == 0;
}

/*
 * Splits argv[2..] into positional arguments (at most max) and the rest (options and their values), as nnb info
 * does: an argument is positional when it does not start with '-' and does not follow a value-taking option
 * of the table. Returns the count, or -1 when there are too many (message printed).
 */
static int split_positional(int argc, char **argv, const char *command, const nnb_option *table, size_t n_table,
                            const char **pos, int max, char **rest, int *n_rest)
{
    int n = 0;
    *n_rest = 0;
    for (int i = 0; i < argc; ++i) {
        const int is_value = i > 2 && nnb_option_takes_value(table, n_table, argv[i - 1]);
        if (i >= 2 && argv[i][0] != '-' && !is_value) {
            if (n == max) {
                nnb_error(command, "unexpected argument '%s'", argv[i]);
                return -1;
            }
            pos[n++] = argv[i];
        } else {
            rest[(*n_rest)++] = argv[i];
        }
    }
    return n;
}

/*
 * The command line of convert, export and import: up to max positional arguments (into pos, their count into
 * *n_pos) among the options of the table. Returns -1 to go on, else the exit code (--help printed: 0).
 */
static int parse_command_line(int argc, char **argv, const char *cmd, const nnb_option *table, size_t n_table,
                              void (*usage)(void), const char **pos, int max, int *n_pos)
{
    char **rest = malloc((size_t)argc * sizeof *rest);
    if (rest == NULL) {
        nnb_error(cmd, "out of memory");
        return NNB_EXIT_FAILURE;
    }
    int n_rest = 0, rc = NNB_EXIT_USAGE;
    *n_pos = split_positional(argc, argv, cmd, table, n_table, pos, max, rest, &n_rest);
    if (*n_pos >= 0) {
        nnb_args a;
        nnb_args_init(&a, n_rest, rest, 2, cmd);
        rc = nnb_args_parse_table(&a, table, n_table, NNB_OPTION_ALL, usage);
    }
    free(rest);
    return rc;
}

/* Loads a .onnx or .nnb model, with a message on failure. */
int nnb_load_any_model(const char *command, const char *path, nnb_model **out)
{
    if (!nnb_has_extension(path, ".onnx")) {
        return nnb_load_model(command, path, out);
    }
    nnb_status st = nnb_model_load_onnx(path, out);
    if (st != NNB_OK) {
        nnb_error(command, "cannot load the ONNX model %s: %s", path, nnb_detail_for(path));
        return 0;
    }
    return 1;
}

/* ---- convert ---- */

static void convert_usage(void)
{
    printf("usage: nnb convert [--quiet] IN OUT\n"
           "\n"
           "Converts a model between the library's format (.nnb) and ONNX (.onnx), by the files' extensions:\n"
           "an ONNX file exported from PyTorch (torch.onnx.export) becomes a model nnb and the library run, and a\n"
           "model trained here becomes an ONNX file for any ONNX runtime. docs/ONNX.md lists the operators import\n"
           "supports; anything else is refused with the node's name and operator.\n"
           "\n"
           "options:\n"
           "  --quiet   print nothing on success\n"
           "  --help    this text\n");
}

int nnb_cmd_convert(int argc, char **argv)
{
    static const char *const cmd = "nnb convert";
    const char *pos[2];
    int n = 0, quiet = 0, rc = NNB_EXIT_USAGE;
    const nnb_option options[] = {{"--quiet", NNB_OPTION_FLAG, &quiet, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL}};
    rc = parse_command_line(argc, argv, cmd, options, sizeof options / sizeof options[0], convert_usage, pos, 2, &n);
    if (rc >= 0) {
        return rc;
    }
    if (n != 2) {
        nnb_error(cmd, "give an input and an output file: nnb convert IN OUT; see nnb convert --help");
        return NNB_EXIT_USAGE;
    }
    for (int i = 0; i < 2; ++i) {
        if (!nnb_has_extension(pos[i], ".onnx") && !nnb_has_extension(pos[i], ".nnb")) {
            nnb_error(cmd, "%s: the name must end in .onnx or .nnb (the format is chosen by the extension)", pos[i]);
            return NNB_EXIT_USAGE;
        }
    }
    nnb_model *m = NULL;
    if (!nnb_load_any_model(cmd, pos[0], &m)) {
        return NNB_EXIT_FAILURE;
    }
    const int to_onnx = nnb_has_extension(pos[1], ".onnx");
    nnb_status st = to_onnx ? nnb_model_save_onnx(m, pos[1]) : nnb_model_save(m, pos[1]);
    if (st != NNB_OK) {
        rc = nnb_fail(cmd, pos[1], st);
    } else {
        if (!quiet) {
            printf("%s -> %s (%s, %zu layers, %zu inputs -> %zu outputs)\n", pos[0], pos[1],
                   to_onnx ? "ONNX" : "nnb model file", nnb_model_layer_count(m), nnb_model_input_size(m),
                   nnb_model_output_size(m));
        }
        rc = NNB_EXIT_OK;
    }
    nnb_model_destroy(m);
    return rc;
}

/* ---- .npz: torch.nn.Sequential state_dict names ---- */

static void export_usage(void)
{
    printf("usage: nnb export --format npz [--quiet] MODEL OUT.npz\n"
           "\n"
           "Writes the dense layers' weights and biases of a model (.nnb or .onnx) as a NumPy .npz archive whose\n"
           "array names and layouts are those of torch.nn.Sequential.state_dict(): the layer at position i of the\n"
           "Sequential (activations and dropout count as positions, as they are modules there) gives 'i.weight'\n"
           "(outputs x inputs, PyTorch's layout) and 'i.bias'. So a Sequential of the same layers takes them with\n"
           "model.load_state_dict({k: torch.from_numpy(v) for k, v in np.load('OUT.npz').items()}).\n"
           "Linear (identity) layers are written as nn.Identity positions.\n"
           "\n"
           "options:\n"
           "  --format npz   the output format (npz is the only one)\n"
           "  --quiet        print nothing on success\n"
           "  --help         this text\n");
}

int nnb_cmd_export(int argc, char **argv)
{
    static const char *const cmd = "nnb export";
    const char *pos[2];
    int n = 0, quiet = 0;
    const char *format = NULL;
    const nnb_option options[] = {{"--quiet", NNB_OPTION_FLAG, &quiet, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL},
                                  {"--format", NNB_OPTION_STRING, &format, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL}};
    const int parsed =
        parse_command_line(argc, argv, cmd, options, sizeof options / sizeof options[0], export_usage, pos, 2, &n);
    if (parsed >= 0) {
        return parsed;
    }
    if (format == NULL || strcmp(format, "npz") != 0) {
        nnb_error(cmd, "--format npz is required (the only format export writes)");
        return NNB_EXIT_USAGE;
    }
    if (n != 2) {
        nnb_error(cmd, "give a model and an output file: nnb export --format npz MODEL OUT.npz");
        return NNB_EXIT_USAGE;
    }
    nnb_model *m = NULL;
    if (!nnb_load_any_model(cmd, pos[0], &m)) {
        return NNB_EXIT_FAILURE;
    }
    const size_t count = nnb_model_layer_count(m);
    char names[2 * NNB_NPZ_MAX_LAYERS][32];
    const char *name_ptrs[2 * NNB_NPZ_MAX_LAYERS];
    unsigned ndims[2 * NNB_NPZ_MAX_LAYERS];
    nnb_tensor *arrays[2 * NNB_NPZ_MAX_LAYERS];
    size_t n_arrays = 0;
    int rc = NNB_EXIT_OK;
    if (count > NNB_NPZ_MAX_LAYERS) {
        nnb_error(cmd, "%s has %zu layers; export handles at most %d", pos[0], count, NNB_NPZ_MAX_LAYERS);
        rc = NNB_EXIT_FAILURE;
    }
    for (size_t i = 0; rc == NNB_EXIT_OK && i < count; ++i) {
        const nnb_dense *d = nnb_model_cdense(m, i);
        if (d == NULL) {
            continue;
        }
        const size_t in = nnb_dense_n_inputs(d), out = nnb_dense_n_neurons(d);
        nnb_tensor *w = NULL, *b = NULL;
        nnb_status st = nnb_tensor_create(&w, out, in);
        if (st == NNB_OK) {
            st = nnb_tensor_create_from(&b, 1, out, nnb_tensor_cdata(nnb_dense_biases(d)));
        }
        if (st != NNB_OK) {
            nnb_tensor_destroy(w);
            rc = nnb_fail(cmd, "export", st);
            break;
        }
        const float *src = nnb_tensor_cdata(nnb_dense_weights(d));
        float *dst = nnb_tensor_data(w);
        for (size_t r = 0; r < in; ++r) {
            for (size_t c = 0; c < out; ++c) {
                dst[c * in + r] = src[r * out + c]; /* [in, out] -> PyTorch's [out, in] */
            }
        }
        snprintf(names[n_arrays], sizeof names[0], "%zu.weight", i);
        ndims[n_arrays] = 2;
        arrays[n_arrays++] = w;
        snprintf(names[n_arrays], sizeof names[0], "%zu.bias", i);
        ndims[n_arrays] = 1;
        arrays[n_arrays++] = b;
    }
    for (size_t k = 0; k < n_arrays; ++k) {
        name_ptrs[k] = names[k];
    }
    if (rc == NNB_EXIT_OK) {
        /* Biases are vectors in a state_dict. */
        nnb_status st = nnb_npz_save_arrays(pos[1], name_ptrs, (const nnb_tensor *const *)arrays, ndims, n_arrays);
        if (st != NNB_OK) {
            rc = nnb_fail(cmd, pos[1], st);
        } else if (!quiet) {
            printf("%s -> %s (%zu arrays:", pos[0], pos[1], n_arrays);
            for (size_t k = 0; k < n_arrays; ++k) {
                printf(" %s", names[k]);
            }
            printf(")\n");
        }
    }
    for (size_t k = 0; k < n_arrays; ++k) {
        nnb_tensor_destroy(arrays[k]);
    }
    nnb_model_destroy(m);
    return rc;
}

/* ---- import ---- */

static void import_usage(void)
{
    printf("usage: nnb import --layers SPEC [--quiet] IN.npz OUT.nnb\n"
           "\n"
           "Builds a model from a NumPy .npz archive of weights named as torch.nn.Sequential.state_dict() names\n"
           "them (what 'nnb export' writes, or np.savez(path, **{k: v.numpy() for k, v in\n"
           "model.state_dict().items()}) in Python) and saves it. SPEC lists the Sequential's modules in order,\n"
           "separated by commas: dense (nn.Linear: reads 'i.weight', outputs x inputs, and 'i.bias', where i is\n"
           "the module's position), relu, sigmoid, softmax, identity, dropout or dropout:RATE (default 0.5).\n"
           "Example: --layers dense,relu,dense,softmax.\n"
           "\n"
           "options:\n"
           "  --layers SPEC   the modules, in order (required)\n"
           "  --quiet         print nothing on success\n"
           "  --help          this text\n");
}

/* Adds module i of the spec (token tok) to m, reading a dense layer's arrays from the archive. */
static int import_module(const char *cmd, const char *npz, nnb_model *m, size_t i, const char *tok)
{
    char name[32];
    nnb_status st = NNB_OK;
    if (strcmp(tok, "dense") == 0) {
        nnb_tensor *w = NULL, *b = NULL;
        snprintf(name, sizeof name, "%zu.weight", i);
        st = nnb_npz_load_tensor(&w, npz, name, NNB_NPY_ROW);
        if (st == NNB_OK) {
            snprintf(name, sizeof name, "%zu.bias", i);
            st = nnb_npz_load_tensor(&b, npz, name, NNB_NPY_ROW);
        }
        if (st != NNB_OK) {
            nnb_error(cmd, "%s: module %zu (dense) needs '%s': %s", npz, i, name, nnb_describe(st));
            nnb_tensor_destroy(w);
            return 0;
        }
        const size_t out = nnb_tensor_rows(w), in = nnb_tensor_cols(w);
        const size_t width = nnb_model_layer_count(m) ? nnb_model_output_size(m) : in;
        if (nnb_tensor_rows(b) != 1 || nnb_tensor_cols(b) != out || in != width) {
            nnb_error(cmd,
                      "%s: module %zu: weight %zu x %zu and bias of %zu do not fit (expected a bias of %zu and %zu "
                      "inputs)",
                      npz, i, out, in, nnb_tensor_size(b), out, width);
            nnb_tensor_destroy(w);
            nnb_tensor_destroy(b);
            return 0;
        }
        float *t = malloc(in * out * sizeof *t);
        st = t == NULL ? NNB_ERR_NOMEM : nnb_model_add_dense(m, in, out, NNB_DENSE_DEFAULT_INIT_SCALE, NULL);
        if (st == NNB_OK) {
            const float *src = nnb_tensor_cdata(w);
            for (size_t r = 0; r < out; ++r) {
                for (size_t c = 0; c < in; ++c) {
                    t[c * out + r] = src[r * in + c]; /* PyTorch's [out, in] -> the library's [in, out] */
                }
            }
            nnb_dense *d = nnb_model_dense(m, nnb_model_layer_count(m) - 1);
            st = nnb_dense_set_weights(d, t, in * out);
            if (st == NNB_OK) {
                st = nnb_dense_set_biases(d, nnb_tensor_cdata(b), out);
            }
        }
        free(t);
        nnb_tensor_destroy(w);
        nnb_tensor_destroy(b);
    } else if (strcmp(tok, "relu") == 0) {
        st = nnb_model_add_relu(m);
    } else if (strcmp(tok, "sigmoid") == 0) {
        st = nnb_model_add_sigmoid(m);
    } else if (strcmp(tok, "softmax") == 0) {
        st = nnb_model_add_softmax(m);
    } else if (strcmp(tok, "identity") == 0) {
        st = nnb_model_add_linear(m);
    } else if (strncmp(tok, "dropout", 7) == 0 && (tok[7] == '\0' || tok[7] == ':')) {
        char *end = NULL;
        const double rate = tok[7] == ':' ? strtod(tok + 8, &end) : 0.5;
        if (tok[7] == ':' && (end == tok + 8 || *end != '\0')) {
            nnb_error(cmd, "--layers: '%s': the rate must be a number (dropout:0.2)", tok);
            return -1;
        }
        st = nnb_model_add_dropout(m, (float)rate);
    } else {
        nnb_error(cmd, "--layers: unknown module '%s' (dense, relu, sigmoid, softmax, identity, dropout[:RATE])", tok);
        return -1;
    }
    if (st != NNB_OK) {
        nnb_error(cmd, "module %zu (%s): %s", i, tok, nnb_describe(st));
        return 0;
    }
    return 1;
}

int nnb_cmd_import(int argc, char **argv)
{
    static const char *const cmd = "nnb import";
    const char *pos[2];
    int n = 0, quiet = 0;
    const char *spec = NULL;
    const nnb_option options[] = {{"--quiet", NNB_OPTION_FLAG, &quiet, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL},
                                  {"--layers", NNB_OPTION_STRING, &spec, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL}};
    const int parsed =
        parse_command_line(argc, argv, cmd, options, sizeof options / sizeof options[0], import_usage, pos, 2, &n);
    if (parsed >= 0) {
        return parsed;
    }
    if (spec == NULL || n != 2) {
        nnb_error(cmd, "usage: nnb import --layers SPEC IN.npz OUT.nnb; see nnb import --help");
        return NNB_EXIT_USAGE;
    }
    char buf[4096];
    if (strlen(spec) >= sizeof buf) {
        nnb_error(cmd, "--layers: the list is too long");
        return NNB_EXIT_USAGE;
    }
    strcpy(buf, spec);
    nnb_model *m = NULL;
    nnb_status st = nnb_model_create(&m, 0);
    if (st != NNB_OK) {
        return nnb_fail(cmd, "create", st);
    }
    int rc = NNB_EXIT_OK;
    size_t i = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save), ++i) {
        const int r = import_module(cmd, pos[0], m, i, tok);
        if (r <= 0) {
            rc = r < 0 ? NNB_EXIT_USAGE : NNB_EXIT_FAILURE;
            break;
        }
    }
    if (rc == NNB_EXIT_OK && (st = nnb_model_finalize(m)) != NNB_OK) {
        rc = nnb_fail(cmd, "the layers do not form a model", st);
    }
    if (rc == NNB_EXIT_OK && (st = nnb_model_save(m, pos[1])) != NNB_OK) {
        rc = nnb_fail(cmd, pos[1], st);
    }
    if (rc == NNB_EXIT_OK && !quiet) {
        printf("%s -> %s (%zu layers, %zu inputs -> %zu outputs)\n", pos[0], pos[1], nnb_model_layer_count(m),
               nnb_model_input_size(m), nnb_model_output_size(m));
    }
    nnb_model_destroy(m);
    return rc;
}

/* ---- info for .onnx and .npz ---- */

/* Reads a whole file (at most max bytes) into a malloc'ed buffer; 0 (message printed) on failure. */
static int read_whole(const char *command, const char *path, size_t max, unsigned char **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        nnb_error(command, "cannot open %s: %s", path, strerror(errno));
        return 0;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap || cap >= max) {
            break;
        }
        unsigned char *grown = realloc(buf, cap * 2);
        if (grown == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    const int bad = buf == NULL || ferror(f) || n >= max;
    fclose(f);
    if (bad) {
        nnb_error(command, "cannot read %s%s", path, buf == NULL ? ": out of memory" : n >= max ? ": too large" : "");
        free(buf);
        return 0;
    }
    *data = buf;
    *size = n;
    return 1;
}

int nnb_onnx_format(const char *command, const char *path, char *buf, size_t size)
{
    unsigned char *data = NULL;
    size_t n = 0;
    if (!read_whole(command, path, NNB_ONNX_MAX_BYTES, &data, &n)) {
        return 0;
    }
    nnb_onnx_info info;
    nnb_status st = nnb_onnx_describe(data, n, &info);
    free(data);
    if (st != NNB_OK) {
        nnb_error(command, "cannot read the ONNX file %s: %s", path, nnb_detail_for(path));
        return 0;
    }
    snprintf(buf, size, "ONNX ir_version %lld, opset %lld, %zu nodes, %zu initializers%s%s", (long long)info.ir_version,
             (long long)info.opset, info.node_count, info.initializer_count, info.producer[0] ? ", producer " : "",
             info.producer);
    return 1;
}

int nnb_npz_info(const char *command, const char *path, int json, int quiet)
{
    unsigned char *data = NULL;
    size_t n = 0;
    if (!read_whole(command, path, (size_t)1 << 31, &data, &n)) {
        return NNB_EXIT_FAILURE;
    }
    size_t total = 0, arrays = 0;
    if (json) {
        printf("{\"file\": ");
        nnb_json_string(stdout, path);
        printf(", \"format\": \"npz\", \"bytes\": %zu, \"arrays\": [", n);
    } else if (!quiet) {
        printf("file: %s (%zu bytes, NumPy .npz of state_dict arrays)\n", path, n);
    }
    for (size_t i = 0; i < NNB_NPZ_MAX_LAYERS; ++i) {
        static const char *const parts[2] = {"weight", "bias"};
        for (int k = 0; k < 2; ++k) {
            char name[32];
            snprintf(name, sizeof name, "%zu.%s", i, parts[k]);
            nnb_tensor *t = NULL;
            if (nnb_npz_parse_tensor(&t, data, n, name, NNB_NPY_ROW) != NNB_OK) {
                continue;
            }
            const size_t rows = nnb_tensor_rows(t), cols = nnb_tensor_cols(t);
            total += rows * cols;
            if (json) {
                printf("%s{\"name\": \"%s\", \"shape\": [", arrays ? ", " : "", name);
                if (k == 1 && rows == 1) {
                    printf("%zu]}", cols);
                } else {
                    printf("%zu, %zu]}", rows, cols);
                }
            } else if (!quiet) {
                if (k == 1 && rows == 1) {
                    printf("  %-12s [%zu]\n", name, cols);
                } else {
                    printf("  %-12s [%zu, %zu]\n", name, rows, cols);
                }
            }
            ++arrays;
            nnb_tensor_destroy(t);
        }
    }
    free(data);
    if (json) {
        printf("], \"parameters\": %zu}\n", total);
    } else {
        printf("arrays: %zu\nparameters: %zu\n", arrays, total);
    }
    if (arrays == 0) {
        nnb_error(command, "%s holds no arrays named i.weight or i.bias (a state_dict of a torch.nn.Sequential)", path);
        return NNB_EXIT_FAILURE;
    }
    return NNB_EXIT_OK;
}
