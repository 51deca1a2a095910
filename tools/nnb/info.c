/* SPDX-License-Identifier: MIT */
/* nnb info: what a saved model holds - its layers, shapes, parameter count, loss, accuracy and optimizer. */
#define _POSIX_C_SOURCE 200809L

#include "nnb.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const k_cmd = "nnb info";

/* What the file is, for the first line: "model format version 2", or "ONNX ir_version 7, opset 13, ...". */
static char g_format[256];

static void info_usage(void)
{
    printf("usage: nnb info [--json] [--quiet] (FILE | --model FILE)\n"
           "\n"
           "Describes a model file saved by 'nnb train' (or by nnb_model_save): the format version and size,\n"
           "each layer with its input and output widths and parameters, the parameter count, the loss, the\n"
           "accuracy measure and the optimizer with its settings. An ONNX file (.onnx) is described as the\n"
           "model it imports to, with its IR version, opset and producer; a weights archive (.npz, as 'nnb\n"
           "export' writes) by its state_dict arrays, their shapes and the parameter count.\n"
           "\n"
           "options:\n"
           "  --model FILE   the model file (or give FILE as the first argument)\n"
           "  --json         print one JSON object instead of text\n"
           "  --quiet        print only the layers line and the parameter count\n"
           "  --help         this text\n");
}

static const char *layer_name(nnb_layer_kind kind)
{
    switch (kind) {
    case NNB_LAYER_DENSE: return "dense";
    case NNB_LAYER_RELU: return "relu";
    case NNB_LAYER_SOFTMAX: return "softmax";
    case NNB_LAYER_SIGMOID: return "sigmoid";
    case NNB_LAYER_LINEAR: return "linear";
    case NNB_LAYER_DROPOUT: return "dropout";
    case NNB_LAYER_TANH: return "tanh";
    case NNB_LAYER_LEAKY_RELU: return "leaky_relu";
    case NNB_LAYER_ELU: return "elu";
    case NNB_LAYER_GELU: return "gelu";
    case NNB_LAYER_SOFTPLUS: return "softplus";
    case NNB_LAYER_CONV2D: return "conv2d";
    case NNB_LAYER_MAXPOOL2D: return "maxpool2d";
    case NNB_LAYER_AVGPOOL2D: return "avgpool2d";
    case NNB_LAYER_GLOBAL_AVGPOOL: return "global_avgpool";
    case NNB_LAYER_BATCHNORM: return "batchnorm";
    case NNB_LAYER_FLATTEN: return "flatten";
    }
    return "unknown";
}

static const char *loss_name(nnb_loss_kind kind)
{
    switch (kind) {
    case NNB_LOSS_NONE: return "none";
    case NNB_LOSS_CCE: return "cce";
    case NNB_LOSS_BCE: return "bce";
    case NNB_LOSS_MSE: return "mse";
    case NNB_LOSS_MAE: return "mae";
    }
    return "unknown";
}

static const char *accuracy_name(nnb_accuracy_kind kind)
{
    switch (kind) {
    case NNB_ACCURACY_NONE: return "none";
    case NNB_ACCURACY_CATEGORICAL: return "categorical";
    case NNB_ACCURACY_BINARY: return "binary";
    case NNB_ACCURACY_REGRESSION: return "regression";
    }
    return "unknown";
}

static const char *optimizer_name(nnb_optimizer_kind kind)
{
    switch (kind) {
    case NNB_OPTIMIZER_SGD: return "sgd";
    case NNB_OPTIMIZER_ADAGRAD: return "adagrad";
    case NNB_OPTIMIZER_RMSPROP: return "rmsprop";
    case NNB_OPTIMIZER_ADAM: return "adam";
    }
    return "unknown";
}

/* Learned parameters of layer i (the library's count: a convolution without biases has none). */
static size_t layer_parameters(const nnb_model *m, size_t i)
{
    size_t n = 0;
    return nnb_model_layer_parameter_count(m, i, &n) == NNB_OK ? n : 0;
}

static int has_regularization(const nnb_regularization *r)
{
    return r->weight_l1 != 0.0f || r->weight_l2 != 0.0f || r->bias_l1 != 0.0f || r->bias_l2 != 0.0f;
}

/* The optimizer's settings that apply to its kind, as "name": value pairs (JSON) or "name value" (text). */
static void print_optimizer_settings(const nnb_optimizer_params *p, int json)
{
    struct {
        const char *name;
        double value;
        int used;
    } f[] = {{"learning_rate", p->learning_rate, 1},
             {"decay", p->decay, 1},
             {"momentum", p->momentum, p->kind == NNB_OPTIMIZER_SGD},
             {"epsilon", p->epsilon, p->kind != NNB_OPTIMIZER_SGD},
             {"rho", p->rho, p->kind == NNB_OPTIMIZER_RMSPROP},
             {"beta_1", p->beta_1, p->kind == NNB_OPTIMIZER_ADAM},
             {"beta_2", p->beta_2, p->kind == NNB_OPTIMIZER_ADAM},
             {"weight_decay", p->weight_decay, p->kind == NNB_OPTIMIZER_ADAM && p->weight_decay != 0.0}};
    int first = 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; ++i) {
        if (!f[i].used) {
            continue;
        }
        if (json) {
            printf(", \"%s\": ", f[i].name);
            nnb_json_number(stdout, f[i].value);
        } else {
            printf("%s%s ", first ? "" : ", ", f[i].name);
            nnb_json_number(stdout, f[i].value); /* the shortest exact form reads well as text too */
        }
        first = 0;
    }
}

static void print_json(const char *path, long long bytes, const nnb_model *m, size_t total)
{
    printf("{\"file\": ");
    nnb_json_string(stdout, path);
    printf(", \"format\": ");
    nnb_json_string(stdout, g_format);
    printf(", \"format_version\": %u, \"bytes\": %lld", (unsigned)NNB_MODEL_FILE_VERSION, bytes);
    printf(", \"input_size\": %zu, \"output_size\": %zu, \"parameters\": %zu", nnb_model_input_size(m),
           nnb_model_output_size(m), total);
    printf(", \"layers\": [");
    const size_t count = nnb_model_layer_count(m);
    for (size_t i = 0; i < count; ++i) {
        nnb_layer_info li;
        if (nnb_model_layer_info(m, i, &li) != NNB_OK) {
            continue;
        }
        printf("%s{\"index\": %zu, \"kind\": \"%s\", \"inputs\": %zu, \"outputs\": %zu, \"parameters\": %zu",
               i ? ", " : "", i, layer_name(li.kind), li.n_inputs, li.n_outputs, layer_parameters(m, i));
        if (li.kind == NNB_LAYER_DENSE) {
            printf(", \"init_scale\": ");
            nnb_json_float(stdout, li.init_scale);
            printf(", \"regularization\": {\"weight_l1\": ");
            nnb_json_float(stdout, li.regularization.weight_l1);
            printf(", \"weight_l2\": ");
            nnb_json_float(stdout, li.regularization.weight_l2);
            printf(", \"bias_l1\": ");
            nnb_json_float(stdout, li.regularization.bias_l1);
            printf(", \"bias_l2\": ");
            nnb_json_float(stdout, li.regularization.bias_l2);
            printf("}");
        } else if (li.kind == NNB_LAYER_DROPOUT) {
            printf(", \"rate\": ");
            nnb_json_float(stdout, li.rate);
        } else if (li.kind == NNB_LAYER_LEAKY_RELU || li.kind == NNB_LAYER_ELU) {
            printf(", \"%s\": ", li.kind == NNB_LAYER_ELU ? "alpha" : "slope");
            nnb_json_float(stdout, li.alpha);
        } else if (li.kind == NNB_LAYER_GELU) {
            printf(", \"approximation\": \"%s\"", li.gelu == NNB_GELU_TANH ? "tanh" : "exact");
        }
        printf("}");
    }
    printf("], \"loss\": \"%s\", \"accuracy\": \"%s\", \"fused_backward\": %s", loss_name(nnb_model_loss_kind(m)),
           accuracy_name(nnb_model_accuracy_kind(m)), nnb_model_uses_fused_backward(m) ? "true" : "false");
    float precision = 0.0f;
    int is_set = 0;
    printf(", \"regression_precision\": ");
    if (nnb_model_regression_precision(m, &precision, &is_set) == NNB_OK && is_set) {
        nnb_json_float(stdout, precision);
    } else {
        printf("null");
    }
    nnb_optimizer_params p;
    printf(", \"optimizer\": ");
    if (nnb_model_optimizer_params(m, &p) == NNB_OK) {
        printf("{\"kind\": \"%s\"", optimizer_name(p.kind));
        print_optimizer_settings(&p, 1);
        printf("}");
    } else {
        printf("null");
    }
    printf("}\n");
}

static void print_text(const char *path, long long bytes, const nnb_model *m, size_t total, int quiet)
{
    const size_t count = nnb_model_layer_count(m);
    if (!quiet) {
        printf("file: %s (%lld bytes, %s)\n", path, bytes, g_format);
    }
    printf("layers: %zu (%zu inputs -> %zu outputs)\n", count, nnb_model_input_size(m), nnb_model_output_size(m));
    for (size_t i = 0; !quiet && i < count; ++i) {
        nnb_layer_info li;
        if (nnb_model_layer_info(m, i, &li) != NNB_OK) {
            continue;
        }
        printf("  %2zu %-8s %6zu -> %zu", i, layer_name(li.kind), li.n_inputs, li.n_outputs);
        if (li.kind == NNB_LAYER_DENSE) {
            printf(", %zu parameters, init scale ", layer_parameters(m, i));
            nnb_json_float(stdout, li.init_scale);
            if (has_regularization(&li.regularization)) {
                printf(", L1/L2 weights %g/%g biases %g/%g", (double)li.regularization.weight_l1,
                       (double)li.regularization.weight_l2, (double)li.regularization.bias_l1,
                       (double)li.regularization.bias_l2);
            }
        } else if (li.kind == NNB_LAYER_DROPOUT) {
            printf(", rate ");
            nnb_json_float(stdout, li.rate);
        } else if (li.kind == NNB_LAYER_LEAKY_RELU || li.kind == NNB_LAYER_ELU) {
            printf(", %s ", li.kind == NNB_LAYER_ELU ? "alpha" : "slope");
            nnb_json_float(stdout, li.alpha);
        } else if (li.kind == NNB_LAYER_GELU) {
            printf(", %s approximation", li.gelu == NNB_GELU_TANH ? "tanh" : "exact");
        }
        printf("\n");
    }
    printf("parameters: %zu\n", total);
    if (quiet) {
        return;
    }
    printf("loss: %s%s\n", loss_name(nnb_model_loss_kind(m)),
           nnb_model_uses_fused_backward(m) ? " (fused softmax + cross-entropy backward)" : "");
    printf("accuracy: %s", accuracy_name(nnb_model_accuracy_kind(m)));
    float precision = 0.0f;
    int is_set = 0;
    if (nnb_model_regression_precision(m, &precision, &is_set) == NNB_OK && is_set) {
        printf(" (precision %g)", (double)precision);
    }
    printf("\n");
    nnb_optimizer_params p;
    if (nnb_model_optimizer_params(m, &p) == NNB_OK) {
        printf("optimizer: %s (", optimizer_name(p.kind));
        print_optimizer_settings(&p, 0);
        printf(")\n");
    } else {
        printf("optimizer: none\n");
    }
}

static int info_main(int argc, char **argv, const char *path);

int nnb_cmd_info(int argc, char **argv)
{
    /* nnb info FILE [options] or [options] FILE: the one argument that is neither an option nor the value
     * of "--model VALUE" is the file; the options are parsed without it. */
    const char *path = NULL;
    char **rest = malloc((size_t)argc * sizeof *rest);
    if (rest == NULL) {
        nnb_error(k_cmd, "out of memory");
        return NNB_EXIT_FAILURE;
    }
    int n_rest = 0;
    for (int i = 0; i < argc; ++i) {
        const int is_value = i > 2 && strcmp(argv[i - 1], "--model") == 0;
        if (i >= 2 && path == NULL && argv[i][0] != '-' && !is_value) {
            path = argv[i];
        } else {
            rest[n_rest++] = argv[i];
        }
    }
    const int rc = info_main(n_rest, rest, path);
    free(rest);
    return rc;
}

/* --model FILE, refused when the file was also given as FILE. */
static int parse_model(nnb_args *a, const char *name, void *out)
{
    if (*(const char **)out != NULL) {
        nnb_error(a->command, "give the model file once (as FILE or with --model)");
        return 0;
    }
    return nnb_args_string(a, name, out);
}

static int info_main(int argc, char **argv, const char *path)
{
    int json = 0, quiet = 0;
    const nnb_option options[] = {{"--json", NNB_OPTION_FLAG, &json, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL},
                                  {"--quiet", NNB_OPTION_FLAG, &quiet, NNB_OPTION_ALL, 0, 0, 0, NULL, NULL},
                                  {"--model", NNB_OPTION_CUSTOM, &path, NNB_OPTION_ALL, 0, 0, 0, NULL, parse_model}};
    nnb_args a;
    nnb_args_init(&a, argc, argv, 2, k_cmd);
    const int rc = nnb_args_parse_table(&a, options, sizeof options / sizeof options[0], NNB_OPTION_ALL, info_usage);
    if (rc >= 0) {
        return rc;
    }
    if (path == NULL) {
        nnb_error(k_cmd, "a model file is required: nnb info FILE; see nnb info --help");
        return NNB_EXIT_USAGE;
    }
    if (nnb_has_extension(path, ".npz")) {
        return nnb_npz_info(k_cmd, path, json, quiet);
    }
    snprintf(g_format, sizeof g_format, "model format version %u", (unsigned)NNB_MODEL_FILE_VERSION);
    if (nnb_has_extension(path, ".onnx") && !nnb_onnx_format(k_cmd, path, g_format, sizeof g_format)) {
        return NNB_EXIT_FAILURE;
    }
    nnb_model *m = NULL;
    if (!nnb_load_any_model(k_cmd, path, &m)) {
        return NNB_EXIT_FAILURE;
    }
    struct stat sb;
    const long long bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    size_t total = 0;
    nnb_status st = nnb_model_parameter_count(m, &total);
    if (st != NNB_OK) {
        nnb_model_destroy(m);
        return nnb_fail(k_cmd, path, st);
    }
    if (json) {
        print_json(path, bytes, m, total);
    } else {
        print_text(path, bytes, m, total, quiet);
    }
    nnb_model_destroy(m);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        nnb_error(k_cmd, "cannot write the output");
        return NNB_EXIT_FAILURE;
    }
    return NNB_EXIT_OK;
}
