/* SPDX-License-Identifier: MIT */
/*
 * nnb train / eval / predict on a table (CSV, .npy, .npz): a Dense-ReLU network with a softmax output for
 * classes or a linear output for regression, the feature scaling and the class and feature names saved in
 * the model, so that eval and predict take raw rows.
 */
#define _POSIX_C_SOURCE 200809L /* mkstemp */

#include "tabular.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS 8

/* Options shared by the three commands. */
typedef struct tab_options {
    nnb_table_spec spec;
    const char *features_arg, *class_names_arg, *model, *save, *output, *plot;
    const char *features[NNB_TAB_MAX_LIST];
    const char *class_names[NNB_TAB_MAX_LIST];
    size_t n_class_names;
    char *features_store, *names_store;
    size_t layers[MAX_LAYERS], n_layers;
    size_t epochs, batch, seed, threads;
    double lr, decay, val_split;
    int lr_set, standardize, minmax, quiet;
    nnb_optimizer_kind optimizer;
} tab_options;

static void train_usage(void)
{
    printf("usage: nnb train --data FILE.csv --label COLUMN [--features A,B,...] [--no-header] [--delimiter C]\n"
           "       nnb train --data x.npy --labels y.npy | --data file.npz\n"
           "                 [--task classification|regression] [--standardize | --minmax] [--skip-missing]\n"
           "                 [--val-split F] [--class-names A,B,...] [--layers W1,W2,...] [--epochs N] [--batch N]\n"
           "                 [--optimizer sgd|adagrad|rmsprop|adam] [--lr X] [--decay X] [--seed S] [--threads N]\n"
           "                 [--save FILE] [--plot FILE] [--quiet]\n"
           "\n"
           "Trains Dense-ReLU layers of widths W1,W2,... then a softmax output (classification: one output per\n"
           "class, categorical cross-entropy) or a linear output (regression: mean squared error) on a table,\n"
           "and saves the whole model with its feature scaling and class and feature names, so that\n"
           "'nnb eval' and 'nnb predict' take raw rows of the same columns.\n"
           "\n"
           "data:\n"
           "  --data FILE        a CSV file (first line: column names, unless --no-header), or x.npy (rows x\n"
           "                     features) with --labels y.npy, or a .npz holding members 'x' and 'y'\n"
           "  --label COLUMN     the CSV's label column: a header name, or with --no-header a 0-based number\n"
           "  --labels FILE      the labels (or targets) of an x.npy, one per row\n"
           "  --features LIST    the feature columns (names, or 0-based numbers with --no-header); default:\n"
           "                     every column but the label. Every feature cell must be a number: a text-valued\n"
           "                     column is refused with its name (leave it out with --features)\n"
           "  --no-header        the CSV has no header line\n"
           "  --delimiter C      the CSV field separator (default ',')\n"
           "  --skip-missing     skip rows with missing values (empty, NA, N/A, NaN cells; NaN in NumPy input)\n"
           "                     and print how many; without it the first one is an error naming its line and\n"
           "                     column\n"
           "  --task KIND        classification (default: labels are integers 0..K-1 or texts, each text a\n"
           "                     class in order of first appearance) or regression (numeric targets)\n"
           "  --class-names LIST names of the classes 0,1,... of integer labels (stored in the model)\n"
           "  --standardize      scale each feature by the training rows' mean and standard deviation\n"
           "  --minmax           scale each feature to [0, 1] over the training rows\n"
           "  --val-split F      hold out this fraction of the rows (shuffled with --seed) and report the\n"
           "                     validation loss and accuracy (or MSE, MAE, R^2); default 0\n"
           "\n"
           "training (as for Fashion-MNIST):\n"
           "  --layers LIST      hidden widths, 1 to %d values of 1 to 65536 (default 64)\n"
           "  --epochs N         default 100;  --batch N  default 32;  --optimizer NAME  default adam\n"
           "  --lr X             default: the optimizer's (adam 0.001);  --decay X  default 0\n"
           "  --seed S           weights, shuffling and the split (default 0);  --threads N  default 0 (all)\n"
           "  --save FILE        write the model (atomically); checked before training starts\n"
           "  --plot FILE        draw the loss and accuracy per epoch (training and validation) as a PNG, or a\n"
           "                     PPM when FILE ends in .ppm or the tool was built without libpng\n"
           "  --quiet            print only the results\n",
           MAX_LAYERS);
}

static void eval_usage(void)
{
    printf("usage: nnb eval --model FILE --data FILE.csv --label COLUMN [--no-header] [--delimiter C]\n"
           "                [--features LIST] [--skip-missing] [--quiet]\n"
           "       nnb eval --model FILE --data x.npy --labels y.npy | --data file.npz\n"
           "\n"
           "Evaluates a model trained on a table by 'nnb train --data FILE' on labelled raw rows: the loss and\n"
           "accuracy of a classifier (text labels are matched to the model's class names), or the MSE, MAE and\n"
           "R^2 of a regression model. The feature columns are the model's (by the names stored at training)\n"
           "unless --features lists others; the scaling stored in the model is applied.\n");
}

static void predict_usage(void)
{
    printf("usage: nnb predict --model FILE --data FILE.csv|x.npy|file.npz [--output FILE] [--no-header]\n"
           "                   [--delimiter C] [--features LIST] [--quiet]\n"
           "\n"
           "Runs a model trained on a table on raw rows and writes one CSV line per row to FILE (default: the\n"
           "standard output): for a classifier 'row,class,name,p_NAME1,p_NAME2,...' (the predicted class\n"
           "index, its stored name or the index again, and every class's probability); for a regression model\n"
           "'row,value'. An --output ending in .npy gets the raw outputs as a float32 array instead.\n"
           "The feature columns are found by the names stored in the model (other columns, such as the\n"
           "label, are ignored), or given with --features; rows with missing values are errors.\n");
}

static int parse_optimizer(const char *name, nnb_optimizer_kind *kind)
{
    static const char *const names[] = {"sgd", "adagrad", "rmsprop", "adam"};
    static const nnb_optimizer_kind kinds[] = {NNB_OPTIMIZER_SGD, NNB_OPTIMIZER_ADAGRAD, NNB_OPTIMIZER_RMSPROP,
                                               NNB_OPTIMIZER_ADAM};
    for (size_t i = 0; i < 4; ++i) {
        if (strcmp(name, names[i]) == 0) {
            *kind = kinds[i];
            return 1;
        }
    }
    return 0;
}

/* The option readers that check more than a range (NNB_OPTION_CUSTOM rows). */
static int parse_delimiter(nnb_args *a, const char *name, void *out)
{
    const char *d = NULL;
    if (!nnb_args_string(a, name, &d)) {
        return 0;
    }
    if (strlen(d) != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n') {
        nnb_error(a->command, "--delimiter: one character other than a quote or a line end (got '%s')", d);
        return 0;
    }
    *(char *)out = d[0];
    return 1;
}

static int parse_task(nnb_args *a, const char *name, void *out)
{
    const char *t = NULL;
    if (!nnb_args_string(a, name, &t)) {
        return 0;
    }
    if (strcmp(t, "classification") != 0 && strcmp(t, "regression") != 0) {
        nnb_error(a->command, "--task: '%s' is neither classification nor regression", t);
        return 0;
    }
    *(int *)out = strcmp(t, "regression") == 0;
    return 1;
}

static int parse_optimizer_option(nnb_args *a, const char *name, void *out)
{
    const char *v = NULL;
    if (!nnb_args_string(a, name, &v)) {
        return 0;
    }
    if (!parse_optimizer(v, out)) {
        nnb_error(a->command, "--optimizer: unknown optimizer '%s' (sgd, adagrad, rmsprop or adam)", v);
        return 0;
    }
    return 1;
}

static int parse_layers(nnb_args *a, const char *name, void *out)
{
    tab_options *o = out;
    return nnb_args_size_list(a, name, 1, 65536, MAX_LAYERS, o->layers, &o->n_layers);
}

/* 0 = train, 1 = eval, 2 = predict. Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char *cmd, int which, tab_options *o)
{
    enum { TRAIN = 1, EVAL = 2, PREDICT = 4 };
    const unsigned ALL = NNB_OPTION_ALL;
    const nnb_option options[] = {
        {"--quiet", NNB_OPTION_FLAG, &o->quiet, ALL, 0, 0, 0, NULL, NULL},
        {"--data", NNB_OPTION_STRING, &o->spec.data, ALL, 0, 0, 0, NULL, NULL},
        {"--label", NNB_OPTION_STRING, &o->spec.label, TRAIN | EVAL, 0, 0, 0, NULL, NULL},
        {"--labels", NNB_OPTION_STRING, &o->spec.labels, TRAIN | EVAL, 0, 0, 0, NULL, NULL},
        {"--features", NNB_OPTION_STRING, &o->features_arg, ALL, 0, 0, 0, NULL, NULL},
        {"--no-header", NNB_OPTION_FLAG, &o->spec.no_header, ALL, 0, 0, 0, NULL, NULL},
        {"--delimiter", NNB_OPTION_CUSTOM, &o->spec.delimiter, ALL, 0, 0, 0, NULL, parse_delimiter},
        {"--skip-missing", NNB_OPTION_FLAG, &o->spec.skip_missing, TRAIN | EVAL, 0, 0, 0, NULL, NULL},
        {"--model", NNB_OPTION_STRING, &o->model, EVAL | PREDICT, 0, 0, 0, NULL, NULL},
        {"--output", NNB_OPTION_STRING, &o->output, PREDICT, 0, 0, 0, NULL, NULL},
        {"--task", NNB_OPTION_CUSTOM, &o->spec.regression, TRAIN, 0, 0, 0, NULL, parse_task},
        {"--class-names", NNB_OPTION_STRING, &o->class_names_arg, TRAIN, 0, 0, 0, NULL, NULL},
        {"--standardize", NNB_OPTION_FLAG, &o->standardize, TRAIN, 0, 0, 0, NULL, NULL},
        {"--minmax", NNB_OPTION_FLAG, &o->minmax, TRAIN, 0, 0, 0, NULL, NULL},
        {"--val-split", NNB_OPTION_DOUBLE, &o->val_split, TRAIN, 0.0, 0.9, 1, NULL, NULL},
        {"--layers", NNB_OPTION_CUSTOM, o, TRAIN, 0, 0, 0, NULL, parse_layers},
        {"--epochs", NNB_OPTION_SIZE, &o->epochs, TRAIN, 1, 1000000, 0, NULL, NULL},
        {"--batch", NNB_OPTION_SIZE, &o->batch, ALL, 1, 1000000, 0, NULL, NULL},
        {"--seed", NNB_OPTION_SIZE, &o->seed, TRAIN, 0, UINT32_MAX, 0, NULL, NULL},
        {"--threads", NNB_OPTION_SIZE, &o->threads, ALL, 0, NNB_MAX_THREADS, 0, NULL, NULL},
        {"--lr", NNB_OPTION_DOUBLE, &o->lr, TRAIN, 0.0, 1e6, 0, &o->lr_set, NULL},
        {"--decay", NNB_OPTION_DOUBLE, &o->decay, TRAIN, 0.0, 1e6, 1, NULL, NULL},
        {"--optimizer", NNB_OPTION_CUSTOM, &o->optimizer, TRAIN, 0, 0, 0, NULL, parse_optimizer_option},
        {"--save", NNB_OPTION_STRING, &o->save, TRAIN, 0, 0, 0, NULL, NULL},
        {"--plot", NNB_OPTION_STRING, &o->plot, TRAIN, 0, 0, 0, NULL, NULL},
    };
    nnb_args a;
    nnb_args_init(&a, argc, argv, 2, cmd);
    const int rc = nnb_args_parse_table(&a, options, sizeof options / sizeof options[0], 1u << which,
                                        which == 0   ? train_usage
                                        : which == 1 ? eval_usage
                                                     : predict_usage);
    if (rc >= 0) {
        return rc;
    }
    if (o->spec.data == NULL) {
        nnb_error(cmd, "--data is required");
        return NNB_EXIT_USAGE;
    }
    if (which != 0 && o->model == NULL) {
        nnb_error(cmd, "--model is required (the file 'nnb train --save' wrote)");
        return NNB_EXIT_USAGE;
    }
    const int numpy = nnb_tab_has_ext(o->spec.data, ".npy") || nnb_tab_has_ext(o->spec.data, ".npz");
    if (which != 2 && !numpy && o->spec.label == NULL) {
        nnb_error(cmd, "--label COLUMN is required for a CSV file (the column of the labels or targets)");
        return NNB_EXIT_USAGE;
    }
    if (which != 2 && nnb_tab_has_ext(o->spec.data, ".npy") && o->spec.labels == NULL) {
        nnb_error(cmd, "--labels y.npy is required with --data x.npy");
        return NNB_EXIT_USAGE;
    }
    if (numpy && which != 2) {
        o->spec.label = "y"; /* the labels come from --labels or the .npz member */
    }
    if (o->standardize && o->minmax) {
        nnb_error(cmd, "--standardize and --minmax exclude each other");
        return NNB_EXIT_USAGE;
    }
    if (o->class_names_arg != NULL && o->spec.regression) {
        nnb_error(cmd, "--class-names applies to classification only");
        return NNB_EXIT_USAGE;
    }
    if (o->features_arg != NULL && !nnb_tab_split_list(cmd, "--features", o->features_arg, o->features,
                                                       NNB_TAB_MAX_LIST, &o->spec.n_features, &o->features_store)) {
        return NNB_EXIT_USAGE;
    }
    if (o->features_arg != NULL) {
        o->spec.features = o->features;
    }
    if (o->class_names_arg != NULL && !nnb_tab_split_list(cmd, "--class-names", o->class_names_arg, o->class_names,
                                                          NNB_TAB_MAX_LIST, &o->n_class_names, &o->names_store)) {
        return NNB_EXIT_USAGE;
    }
    return -1;
}

static void options_init(tab_options *o)
{
    memset(o, 0, sizeof *o);
    o->spec.delimiter = ',';
    o->layers[0] = 64;
    o->n_layers = 1;
    o->epochs = 100;
    o->batch = 32;
    o->optimizer = NNB_OPTIMIZER_ADAM;
}

static void options_free(tab_options *o)
{
    free(o->features_store);
    free(o->names_store);
}

/* ---- metrics ---- */

typedef struct reg_metrics {
    double mse, mae, r2;
} reg_metrics;

static reg_metrics regression_metrics(const float *pred, const float *y, size_t n)
{
    reg_metrics m = {0.0, 0.0, 0.0};
    double mean = 0.0;
    for (size_t i = 0; i < n; ++i) {
        mean += (double)y[i];
    }
    mean /= (double)n;
    double ss_res = 0.0, ss_tot = 0.0, abs_sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double d = (double)pred[i] - (double)y[i];
        ss_res += d * d;
        abs_sum += fabs(d);
        ss_tot += ((double)y[i] - mean) * ((double)y[i] - mean);
    }
    m.mse = ss_res / (double)n;
    m.mae = abs_sum / (double)n;
    m.r2 = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : 0.0;
    return m;
}

/* Predictions of raw rows (or of rows scaled already) into a new rows x outputs tensor. */
static nnb_status predict_table(const nnb_model *m, const nnb_tensor *X, int scaled, nnb_tensor **out)
{
    nnb_tensor *P = NULL;
    nnb_status st = nnb_tensor_create(&P, nnb_tensor_rows(X), nnb_model_output_size(m));
    if (st == NNB_OK) {
        st = scaled ? nnb_model_predict(m, X, P, 1024, NULL) : nnb_model_predict_raw(m, X, P, 1024, NULL);
    }
    if (st != NNB_OK) {
        nnb_tensor_destroy(P);
        return st;
    }
    *out = P;
    return NNB_OK;
}

/* Prints "label: acc A, loss L (N rows)" or "label: mse, mae, r2" for raw (or scaled) rows. */
static int report(const char *cmd, const char *label, const nnb_model *m, const nnb_table *t, int scaled)
{
    nnb_tensor *P = NULL;
    nnb_status st = predict_table(m, t->X, scaled, &P);
    if (st != NNB_OK) {
        return nnb_fail(cmd, "predicting", st);
    }
    const float *p = nnb_tensor_cdata(P);
    const size_t k = nnb_model_output_size(m);
    if (t->y != NULL) {
        reg_metrics r = regression_metrics(p, nnb_tensor_cdata(t->y), t->rows);
        printf("%s: mse %.6g, mae %.6g, r2 %.4f (%zu rows)\n", label, r.mse, r.mae, r.r2, t->rows);
    } else {
        size_t right = 0;
        double loss = 0.0;
        for (size_t i = 0; i < t->rows; ++i) {
            size_t best = 0;
            for (size_t c = 1; c < k; ++c) {
                best = p[i * k + c] > p[i * k + best] ? c : best;
            }
            right += best == t->labels[i];
            double q = (double)p[i * k + t->labels[i]];
            q = q < 1e-7 ? 1e-7 : q > 1.0 - 1e-7 ? 1.0 - 1e-7 : q; /* the book's clipping */
            loss -= log(q);
        }
        printf("%s: acc %.4f, loss %.4f (%zu rows)\n", label, (double)right / (double)t->rows, loss / (double)t->rows,
               t->rows);
    }
    nnb_tensor_destroy(P);
    return NNB_EXIT_OK;
}

/* ---- train ---- */

/* Epoch and validation lines; a regression run shows its loss (MSE) only, not the book's regression accuracy. */
static int on_progress(const nnb_progress *p, void *user)
{
    const int regression = *(const int *)user;
    if (p->event == NNB_PROGRESS_EPOCH) {
        printf("epoch %zu/%zu  loss %.6g", p->epoch, p->epochs, (double)p->loss);
        if (!regression) {
            printf("  acc %.4f", p->accuracy);
        }
        printf("  lr %.6g\n", p->learning_rate);
    } else if (p->event == NNB_PROGRESS_VALIDATION) {
        printf("  validation: loss %.6g", (double)p->data_loss);
        if (!regression) {
            printf("  acc %.4f", p->accuracy);
        }
        printf("\n");
    }
    fflush(stdout);
    return 0;
}

static nnb_status build(const tab_options *o, size_t in, size_t out, int regression, nnb_model **res)
{
    nnb_model *m = NULL;
    nnb_status st = nnb_model_create(&m, (uint32_t)o->seed);
    size_t width = in;
    for (size_t i = 0; st == NNB_OK && i <= o->n_layers; ++i) {
        const size_t next = i < o->n_layers ? o->layers[i] : out;
        st = nnb_model_add_dense(m, width, next, (float)sqrt(2.0 / (double)width), NULL);
        if (st == NNB_OK) {
            st = i < o->n_layers ? nnb_model_add_relu(m)
                 : regression    ? nnb_model_add_linear(m)
                                 : nnb_model_add_softmax(m);
        }
        width = next;
    }
    if (st == NNB_OK)
        st = nnb_model_set_loss(m, regression ? NNB_LOSS_MSE : NNB_LOSS_CCE);
    if (st == NNB_OK)
        st = nnb_model_set_accuracy(m, regression ? NNB_ACCURACY_REGRESSION : NNB_ACCURACY_CATEGORICAL);
    if (st == NNB_OK)
        st = nnb_model_finalize(m);
    if (st == NNB_OK) /* a diverging run then says where (nnb_fail_training) */
        st = nnb_model_set_health_check(m, 1);
    if (st == NNB_OK) {
        nnb_optimizer_params p = nnb_optimizer_defaults(o->optimizer);
        if (o->lr_set) {
            p.learning_rate = o->lr;
        }
        p.decay = o->decay;
        st = nnb_model_set_optimizer(m, &p);
    }
    if (st != NNB_OK) {
        nnb_model_destroy(m);
        return st;
    }
    *res = m;
    return NNB_OK;
}

/* The class count and names of a training table; 0 after a message when they do not fit. */
static int class_setup(const char *cmd, const tab_options *o, const nnb_table *t, size_t *k, const char *const **names,
                       size_t *n_names)
{
    uint32_t top = 0;
    for (size_t i = 0; i < t->rows; ++i) {
        top = t->labels[i] > top ? t->labels[i] : top;
    }
    *k = (size_t)top + 1;
    *names = NULL;
    *n_names = 0;
    if (o->n_class_names > 0) {
        if (t->labels_are_names) {
            nnb_error(cmd, "--class-names: the labels are texts already; they become the class names");
            return 0;
        }
        if (o->n_class_names < *k) {
            nnb_error(cmd, "--class-names: %zu names, but the labels go up to %u", o->n_class_names, top);
            return 0;
        }
        *k = o->n_class_names;
        *names = o->class_names;
        *n_names = o->n_class_names;
    } else if (t->labels_are_names) {
        *names = (const char *const *)t->class_names;
        *n_names = t->n_class_names;
        *k = t->n_class_names;
        /* Many classes that all read as numbers: most likely a numeric target. */
        size_t numeric = 0;
        for (size_t i = 0; i < t->n_class_names; ++i) {
            char *end = NULL;
            (void)strtod(t->class_names[i], &end);
            numeric += end != t->class_names[i] && *end == '\0';
        }
        if (t->n_class_names > 20 && numeric == t->n_class_names && !o->quiet) {
            fprintf(stderr,
                    "%s: note: the label column holds %zu distinct numbers, each taken as a class; for a numeric "
                    "target use --task regression\n",
                    cmd, t->n_class_names);
        }
    }
    if (*k < 2) {
        nnb_error(cmd, "the labels hold a single class; classification needs at least two (or --task regression)");
        return 0;
    }
    if (*k > 100000) {
        nnb_error(cmd, "the labels go up to %u: too many classes (--task regression for numeric targets?)", top);
        return 0;
    }
    return 1;
}

int nnb_cmd_train_tabular(int argc, char **argv)
{
    static const char *const cmd = "nnb train";
    tab_options o;
    options_init(&o);
    int rc = parse(argc, argv, cmd, 0, &o);
    if (rc >= 0) {
        options_free(&o);
        return rc;
    }
    nnb_table all, train, val;
    memset(&all, 0, sizeof all);
    memset(&train, 0, sizeof train);
    memset(&val, 0, sizeof val);
    nnb_model *m = NULL;
    rc = NNB_EXIT_FAILURE;
    nnb_status st = nnb_set_num_threads(o.threads);
    if (st != NNB_OK) {
        nnb_fail(cmd, "--threads", st);
        goto done;
    }
    if (o.save != NULL && !nnb_check_save_path(o.save)) {
        goto done;
    }
    if (!nnb_table_load(cmd, &o.spec, &all)) {
        goto done;
    }
    const size_t n_feat = nnb_tensor_cols(all.X);
    if (!o.quiet || all.skipped > 0) {
        printf("data: %s, %zu rows of %zu features%s", o.spec.data, all.rows, n_feat,
               o.spec.regression ? ", regression target" : "");
        if (o.spec.skip_missing) {
            printf("; skipped %zu rows with missing values", all.skipped);
        }
        printf("\n");
    }
    if (!nnb_table_split(cmd, &all, o.val_split, (uint32_t)o.seed, &train, &val)) {
        goto done;
    }
    size_t k = 1;
    const char *const *names = NULL;
    size_t n_names = 0;
    if (!o.spec.regression && !class_setup(cmd, &o, &all, &k, &names, &n_names)) {
        goto done;
    }
    st = build(&o, n_feat, k, o.spec.regression, &m);
    if (st != NNB_OK) {
        nnb_fail(cmd, "building the model", st);
        goto done;
    }
    if (o.standardize || o.minmax) {
        const nnb_preprocess_kind kind = o.standardize ? NNB_PREPROCESS_STANDARDIZE : NNB_PREPROCESS_MINMAX;
        float *cs = malloc(2 * n_feat * sizeof(float));
        st = cs == NULL ? NNB_ERR_NOMEM : nnb_preprocess_compute(kind, train.X, cs, cs + n_feat);
        if (st == NNB_OK) {
            st = nnb_model_set_preprocess(m, kind, n_feat, cs, cs + n_feat);
        }
        free(cs);
        if (st != NNB_OK) {
            nnb_error(cmd, "computing the feature scaling: %s (%s)", nnb_status_string(st), nnb_last_error());
            goto done;
        }
    }
    if (n_names > 0 && (st = nnb_model_set_class_names(m, names, n_names)) != NNB_OK) {
        nnb_error(cmd, "storing the class names: %s (%s)", nnb_status_string(st), nnb_last_error());
        goto done;
    }
    if (all.feature_names != NULL &&
        (st = nnb_model_set_feature_names(m, (const char *const *)all.feature_names, n_feat)) != NNB_OK) {
        nnb_error(cmd, "storing the feature names: %s (%s)", nnb_status_string(st), nnb_last_error());
        goto done;
    }
    /* The network trains on scaled rows: scaled in place (the raw copy in `all` goes first, to save memory). */
    nnb_tensor_destroy(all.X);
    all.X = NULL;
    st = nnb_model_preprocess(m, train.X, train.X);
    if (st == NNB_OK && val.rows > 0) {
        st = nnb_model_preprocess(m, val.X, val.X);
    }
    if (st != NNB_OK) {
        nnb_error(cmd, "scaling the features: %s (%s)", nnb_status_string(st), nnb_last_error());
        goto done;
    }
    if (o.spec.regression) {
        /* Start the linear output at the targets' mean, so that training fits the variation, not the offset. */
        double mean = 0.0;
        for (size_t i = 0; i < train.rows; ++i) {
            mean += (double)nnb_tensor_cdata(train.y)[i];
        }
        nnb_dense *last = nnb_model_dense(m, 2 * o.n_layers);
        if (last != NULL) {
            nnb_tensor_data(nnb_dense_biases_mut(last))[0] = (float)(mean / (double)train.rows);
        }
    }
    if (!o.quiet) {
        printf("model: %zu", n_feat);
        for (size_t i = 0; i < o.n_layers; ++i) {
            printf(" -> %zu relu", o.layers[i]);
        }
        printf(" -> %zu %s; %zu training and %zu validation rows; batch %zu; %zu epochs; seed %zu%s\n", k,
               o.spec.regression ? "linear (MSE)" : "softmax", train.rows, val.rows, o.batch, o.epochs, o.seed,
               o.standardize ? "; standardized"
               : o.minmax    ? "; min-max scaled"
                             : "");
    }
    nnb_targets y =
        o.spec.regression ? nnb_targets_from_tensor(train.y) : nnb_targets_from_labels(train.labels, train.rows);
    nnb_targets vy = o.spec.regression ? nnb_targets_from_tensor(val.y) : nnb_targets_from_labels(val.labels, val.rows);
    nnb_train_params tp = nnb_train_params_default();
    tp.epochs = o.epochs;
    tp.batch_size = o.batch;
    tp.shuffle = 1;
    tp.print_every = o.epochs >= 10 ? o.epochs / 10 : 1;
    tp.progress = o.quiet ? NULL : on_progress;
    tp.user = &o.spec.regression;
    if (val.rows > 0) {
        tp.validation_x = val.X;
        tp.validation_y = &vy;
    }
    tp.record_history = o.plot != NULL;
    char plot_path[4096], title[128];
    if (o.plot != NULL && !nnb_picture_prepare(cmd, o.plot, plot_path, sizeof plot_path)) {
        goto done;
    }
    st = nnb_model_train(m, train.X, &y, &tp);
    if (o.plot != NULL) {
        const char *slash = strrchr(o.spec.data, '/');
        (void)snprintf(title, sizeof title, "nnb train: %s", slash != NULL ? slash + 1 : o.spec.data);
        if (!nnb_picture_history(cmd, m, plot_path, title, o.quiet)) {
            goto done;
        }
    }
    if (st != NNB_OK) {
        nnb_optimizer_params used;
        nnb_fail_training(cmd, m, st, nnb_model_optimizer_params(m, &used) == NNB_OK ? used.learning_rate : o.lr);
        goto done;
    }
    if (report(cmd, "train", m, &train, 1) != NNB_EXIT_OK ||
        (val.rows > 0 && report(cmd, "validation", m, &val, 1) != NNB_EXIT_OK)) {
        goto done;
    }
    if (o.save != NULL) {
        st = nnb_model_save(m, o.save);
        if (st != NNB_OK) {
            nnb_error(cmd, "cannot save the model to %s: %s", o.save, nnb_status_string(st));
            goto done;
        }
        if (!o.quiet) {
            printf("saved model to %s\n", o.save);
        }
    }
    rc = NNB_EXIT_OK;
done:
    nnb_model_destroy(m);
    nnb_table_free(&val);
    nnb_table_free(&train);
    nnb_table_free(&all);
    options_free(&o);
    return rc;
}

/* ---- eval and predict ---- */

/* Uses the model's stored feature names to choose the CSV's columns when none are given. */
static void default_features(tab_options *o, const nnb_model *m)
{
    const int numpy = nnb_tab_has_ext(o->spec.data, ".npy") || nnb_tab_has_ext(o->spec.data, ".npz");
    const size_t n = nnb_model_feature_name_count(m);
    if (numpy || o->spec.features != NULL || o->spec.no_header || n == 0 || n > NNB_TAB_MAX_LIST) {
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        o->features[i] = nnb_model_feature_name(m, i);
    }
    o->spec.features = o->features;
    o->spec.n_features = n;
    o->spec.from_model = 1;
}

/* Loads the model and the table for eval / predict, checking that they fit. */
static int load_for_use(const char *cmd, tab_options *o, nnb_model **m, nnb_table *t)
{
    if (!nnb_load_model(cmd, o->model, m)) {
        return 0;
    }
    nnb_layer_info last;
    const int regression = nnb_model_loss_kind(*m) == NNB_LOSS_MSE || nnb_model_loss_kind(*m) == NNB_LOSS_MAE;
    if (nnb_model_layer_info(*m, nnb_model_layer_count(*m) - 1, &last) != NNB_OK ||
        (!regression && last.kind != NNB_LAYER_SOFTMAX)) {
        nnb_error(cmd, "%s is neither a softmax classifier nor a regression model", o->model);
        return 0;
    }
    o->spec.regression = regression;
    default_features(o, *m);
    if (!nnb_table_load(cmd, &o->spec, t)) {
        return 0;
    }
    if (nnb_tensor_cols(t->X) != nnb_model_input_size(*m)) {
        nnb_error(cmd, "%s has %zu feature columns; the model takes %zu (choose them with --features)", o->spec.data,
                  nnb_tensor_cols(t->X), nnb_model_input_size(*m));
        return 0;
    }
    return 1;
}

/* Turns the table's labels into the model's class indices (text labels by the model's class names). */
static int map_labels(const char *cmd, const tab_options *o, const nnb_model *m, nnb_table *t)
{
    const size_t k = nnb_model_output_size(m);
    if (t->labels_are_names) {
        const size_t n = nnb_model_class_name_count(m);
        if (n == 0) {
            nnb_error(cmd, "the labels of %s are texts, but %s stores no class names", o->spec.data, o->model);
            return 0;
        }
        for (size_t i = 0; i < t->rows; ++i) {
            const char *text = t->class_names[t->labels[i]];
            size_t c = 0;
            while (c < n && strcmp(nnb_model_class_name(m, c), text) != 0) {
                ++c;
            }
            if (c == n) {
                nnb_error(cmd, "%s: label '%s' is not one of the model's classes", o->spec.data, text);
                return 0;
            }
            t->labels[i] = (uint32_t)c;
        }
        return 1;
    }
    for (size_t i = 0; i < t->rows; ++i) {
        if (t->labels[i] >= k) {
            nnb_error(cmd, "%s: label %u is not a class of the model (0 to %zu)", o->spec.data, t->labels[i], k - 1);
            return 0;
        }
    }
    return 1;
}

int nnb_cmd_eval_tabular(int argc, char **argv)
{
    static const char *const cmd = "nnb eval";
    tab_options o;
    options_init(&o);
    int rc = parse(argc, argv, cmd, 1, &o);
    if (rc >= 0) {
        options_free(&o);
        return rc;
    }
    nnb_model *m = NULL;
    nnb_table t;
    memset(&t, 0, sizeof t);
    rc = NNB_EXIT_FAILURE;
    nnb_status st = nnb_set_num_threads(o.threads);
    if (st != NNB_OK) {
        nnb_fail(cmd, "--threads", st);
    } else if (load_for_use(cmd, &o, &m, &t) && (o.spec.regression || map_labels(cmd, &o, m, &t))) {
        if (o.spec.skip_missing) {
            printf("skipped %zu rows with missing values\n", t.skipped);
        }
        rc = report(cmd, "test", m, &t, 0);
    }
    nnb_model_destroy(m);
    nnb_table_free(&t);
    options_free(&o);
    return rc;
}

int nnb_cmd_predict_tabular(int argc, char **argv)
{
    static const char *const cmd = "nnb predict";
    tab_options o;
    options_init(&o);
    int rc = parse(argc, argv, cmd, 2, &o);
    if (rc >= 0) {
        options_free(&o);
        return rc;
    }
    nnb_model *m = NULL;
    nnb_table t;
    memset(&t, 0, sizeof t);
    nnb_tensor *P = NULL;
    FILE *f = NULL;
    rc = NNB_EXIT_FAILURE;
    nnb_status st = nnb_set_num_threads(o.threads);
    if (st != NNB_OK) {
        nnb_fail(cmd, "--threads", st);
        goto done;
    }
    if (!load_for_use(cmd, &o, &m, &t)) {
        goto done;
    }
    st = predict_table(m, t.X, 0, &P);
    if (st != NNB_OK) {
        nnb_error(cmd, "predicting: %s (%s)", nnb_status_string(st), nnb_last_error());
        goto done;
    }
    if (o.output != NULL && nnb_tab_has_ext(o.output, ".npy")) {
        st = nnb_npy_save_tensor(P, o.output);
        if (st != NNB_OK) {
            nnb_error(cmd, "cannot write %s: %s", o.output, nnb_status_string(st));
            goto done;
        }
    } else {
        f = o.output != NULL ? fopen(o.output, "w") : stdout;
        if (f == NULL) {
            nnb_error(cmd, "cannot write %s", o.output);
            goto done;
        }
        const size_t k = nnb_model_output_size(m);
        const float *p = nnb_tensor_cdata(P);
        if (o.spec.regression) {
            fprintf(f, "row,value\n");
            for (size_t i = 0; i < t.rows; ++i) {
                fprintf(f, "%zu,%.9g\n", i, (double)p[i * k]);
            }
        } else {
            fprintf(f, "row,class,name");
            for (size_t c = 0; c < k; ++c) {
                char head[64];
                const char *name = nnb_model_class_name(m, c);
                if (name == NULL) {
                    snprintf(head, sizeof head, "p_%zu", c);
                    fprintf(f, ",%s", head);
                } else {
                    fputc(',', f);
                    char *buf = malloc(strlen(name) + 3);
                    if (buf != NULL) {
                        sprintf(buf, "p_%s", name);
                        nnb_tab_csv_field(f, buf);
                        free(buf);
                    }
                }
            }
            fputc('\n', f);
            for (size_t i = 0; i < t.rows; ++i) {
                size_t best = 0;
                for (size_t c = 1; c < k; ++c) {
                    best = p[i * k + c] > p[i * k + best] ? c : best;
                }
                const char *name = nnb_model_class_name(m, best);
                fprintf(f, "%zu,%zu,", i, best);
                if (name != NULL) {
                    nnb_tab_csv_field(f, name);
                } else {
                    fprintf(f, "%zu", best);
                }
                for (size_t c = 0; c < k; ++c) {
                    fprintf(f, ",%.6g", (double)p[i * k + c]);
                }
                fputc('\n', f);
            }
        }
        const int failed = ferror(f) != 0;
        if ((f != stdout && fclose(f) != 0) || failed || (f == stdout && fflush(stdout) != 0)) {
            f = NULL;
            nnb_error(cmd, "cannot write %s", o.output != NULL ? o.output : "the standard output");
            goto done;
        }
        f = NULL;
    }
    if (!o.quiet && o.output != NULL) {
        fprintf(stderr, "%s: wrote %zu predictions to %s\n", cmd, t.rows, o.output);
    }
    rc = NNB_EXIT_OK;
done:
    if (f != NULL && f != stdout) {
        fclose(f);
    }
    nnb_tensor_destroy(P);
    nnb_model_destroy(m);
    nnb_table_free(&t);
    options_free(&o);
    return rc;
}
