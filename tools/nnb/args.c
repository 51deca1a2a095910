/* SPDX-License-Identifier: MIT */
/* Strict option parsing and small helpers shared by the nnb commands. */
#define _POSIX_C_SOURCE 200809L

#include "nnb.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void nnb_error(const char *command, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fprintf(stderr, "%s: ", command);
    vfprintf(stderr, format, ap);
    fputc('\n', stderr);
    va_end(ap);
}

const char *nnb_detail(nnb_status status)
{
    const char *detail = nnb_detail_for(NULL);
    /* "function: <status text>" only repeats the status. */
    return detail[0] == '\0' || strcmp(detail, nnb_status_string(status)) == 0 ? NULL : detail;
}

const char *nnb_describe(nnb_status status)
{
    static char text[640];
    const char *name = nnb_status_string(status);
    const char *detail = nnb_detail(status);
    if (detail == NULL) {
        (void)snprintf(text, sizeof text, "%s", name);
    } else {
        (void)snprintf(text, sizeof text, "%s (%s)", name, detail);
    }
    return text;
}

int nnb_fail_training(const char *command, const nnb_model *model, nnb_status status, double learning_rate)
{
    if (status != NNB_ERR_NONFINITE) {
        return nnb_fail(command, "training", status);
    }
    static const char *const where[] = {"", "in the output of", "in the loss after", "in the gradient of",
                                        "in the parameters, after the update, of"};
    nnb_health_report rep;
    if (nnb_model_health(model, &rep) == NNB_OK && rep.phase >= NNB_HEALTH_FORWARD && rep.phase <= NNB_HEALTH_UPDATE) {
        nnb_error(command,
                  "training diverged: NaN or infinity %s layer %zu at epoch %zu, step %zu; the data are finite: "
                  "try a smaller --lr (this run: %g)",
                  where[rep.phase], rep.layer, rep.epoch, rep.step + 1, learning_rate);
    } else {
        nnb_error(command, "training diverged: %s; try a smaller --lr (this run: %g)", nnb_detail_for(NULL),
                  learning_rate);
    }
    return NNB_EXIT_FAILURE;
}

int nnb_fail(const char *command, const char *what, nnb_status status)
{
    nnb_error(command, "%s: %s", what, nnb_describe(status));
    return NNB_EXIT_FAILURE;
}

double nnb_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0.0;
    }
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int nnb_stdout_is_tty(void)
{
    return isatty(STDOUT_FILENO);
}

static int is_option(const char *s)
{
    return s[0] == '-' && s[1] == '-' && s[2] != '\0';
}

void nnb_args_init(nnb_args *a, int argc, char **argv, int first, const char *command)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->pos = first;
    a->command = command;
}

/* A value attached to the previous option that no reader took: that option takes no value. */
static int reject_unused_value(nnb_args *a)
{
    if (a->inline_value == NULL) {
        return 1;
    }
    nnb_error(a->command, "%s takes no value (got '%s=%s')", a->name, a->name, a->inline_value);
    a->inline_value = NULL;
    return 0;
}

const char *nnb_args_next_option(nnb_args *a, int *error)
{
    *error = 0;
    if (!reject_unused_value(a)) {
        *error = 1;
        return NULL;
    }
    if (a->pos >= a->argc) {
        return NULL;
    }
    const char *s = a->argv[a->pos];
    if (strcmp(s, "-h") == 0) {
        a->pos++;
        return "--help";
    }
    if (!is_option(s)) {
        nnb_error(a->command, "unexpected argument '%s' (options start with --; see --help)", s);
        *error = 1;
        return NULL;
    }
    a->pos++;
    const char *eq = strchr(s, '=');
    if (eq == NULL) {
        return s;
    }
    /* "--name=VALUE": the name is returned, the value waits for the option's reader. */
    const size_t len = (size_t)(eq - s);
    if (len >= sizeof a->name) {
        nnb_error(a->command, "unknown option '%.*s' (see %s --help)", (int)len, s, a->command);
        *error = 1;
        return NULL;
    }
    memcpy(a->name, s, len);
    a->name[len] = '\0';
    a->inline_value = eq + 1;
    return a->name;
}

int nnb_args_flag(nnb_args *a)
{
    return reject_unused_value(a);
}

int nnb_args_unknown(const nnb_args *a, const char *option)
{
    nnb_error(a->command, "unknown option '%s' (see %s --help)", option, a->command);
    return NNB_EXIT_USAGE;
}

int nnb_args_string(nnb_args *a, const char *option, const char **out)
{
    const char *v;
    if (a->inline_value != NULL) {
        v = a->inline_value; /* "--name=VALUE": taken as it is, even if it starts with -- */
        a->inline_value = NULL;
    } else if (a->pos >= a->argc || is_option(a->argv[a->pos])) {
        nnb_error(a->command, "%s needs a value", option);
        return 0;
    } else {
        v = a->argv[a->pos++];
    }
    if (v[0] == '\0') {
        nnb_error(a->command, "%s needs a non-empty value", option);
        return 0;
    }
    *out = v;
    return 1;
}

/* Parses a whole string as a decimal unsigned integer; 0 on any malformation or overflow. */
static int parse_size(const char *s, size_t *out)
{
    if (!isdigit((unsigned char)s[0])) {
        return 0; /* no sign, no spaces */
    }
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > (unsigned long long)SIZE_MAX) {
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

int nnb_args_size(nnb_args *a, const char *option, size_t min, size_t max, size_t *out)
{
    const char *v;
    if (!nnb_args_string(a, option, &v)) {
        return 0;
    }
    size_t n;
    if (!parse_size(v, &n)) {
        nnb_error(a->command, "%s: '%s' is not a whole number", option, v);
        return 0;
    }
    if (n < min || n > max) {
        nnb_error(a->command, "%s: %zu is out of range (%zu to %zu)", option, n, min, max);
        return 0;
    }
    *out = n;
    return 1;
}

int nnb_args_double(nnb_args *a, const char *option, double min, double max, int min_inclusive, double *out)
{
    const char *v;
    if (!nnb_args_string(a, option, &v)) {
        return 0;
    }
    errno = 0;
    char *end = NULL;
    double d = strtod(v, &end);
    /*
     * ERANGE alone is no reason to refuse: strtod sets it for subnormal results (1e-320), which are finite.
     * Overflow gives an infinity (refused as not finite), underflow to zero is out of range below.
     */
    if (end == v || *end != '\0' || isspace((unsigned char)v[0]) || !isfinite(d)) {
        nnb_error(a->command, "%s: '%s' is not a finite number (accepted: %s %g to %g)", option, v,
                  min_inclusive ? "from" : "above", min, max);
        return 0;
    }
    if ((min_inclusive ? d < min : d <= min) || d > max) {
        nnb_error(a->command, "%s: %s is out of range (%s %g to %g)%s", option, v, min_inclusive ? "from" : "above",
                  min, max, errno == ERANGE && d == 0.0 ? "; it is too small for a double and reads as 0" : "");
        return 0;
    }
    *out = d;
    return 1;
}

int nnb_args_size_list(nnb_args *a, const char *option, size_t min, size_t max, size_t max_count, size_t *out,
                       size_t *count)
{
    const char *v;
    if (!nnb_args_string(a, option, &v)) {
        return 0;
    }
    size_t n = 0;
    const char *p = v;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        char item[32];
        size_t value = 0;
        if (len == 0 || len >= sizeof item) {
            nnb_error(a->command, "%s: '%s' is not a comma-separated list of whole numbers", option, v);
            return 0;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (!parse_size(item, &value)) {
            nnb_error(a->command, "%s: '%s' in '%s' is not a whole number", option, item, v);
            return 0;
        }
        if (value < min || value > max) {
            nnb_error(a->command, "%s: %zu is out of range (%zu to %zu)", option, value, min, max);
            return 0;
        }
        if (n == max_count) {
            nnb_error(a->command, "%s: at most %zu values", option, max_count);
            return 0;
        }
        out[n++] = value;
        if (comma == NULL) {
            break;
        }
        p = comma + 1;
    }
    *count = n;
    return 1;
}

int nnb_option_takes_value(const nnb_option *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; ++i) {
        if (table[i].kind != NNB_OPTION_FLAG && strcmp(table[i].name, name) == 0) {
            return 1;
        }
    }
    return 0;
}

static const nnb_option *find_option(const nnb_option *table, size_t n, const char *name, unsigned command)
{
    for (size_t i = 0; i < n; ++i) {
        if ((table[i].commands & command) != 0 && strcmp(table[i].name, name) == 0) {
            return &table[i];
        }
    }
    return NULL;
}

/* Reads the value of one option by its row; 1 when accepted. */
static int read_option(nnb_args *a, const nnb_option *o, const char *name)
{
    int ok = 0;
    switch (o->kind) {
    case NNB_OPTION_FLAG:
        ok = nnb_args_flag(a);
        *(int *)o->out = 1;
        break;
    case NNB_OPTION_STRING: ok = nnb_args_string(a, name, (const char **)o->out); break;
    case NNB_OPTION_SIZE: ok = nnb_args_size(a, name, (size_t)o->min, (size_t)o->max, (size_t *)o->out); break;
    case NNB_OPTION_DOUBLE: ok = nnb_args_double(a, name, o->min, o->max, o->min_inclusive, (double *)o->out); break;
    case NNB_OPTION_CUSTOM: ok = o->parse(a, name, o->out); break;
    }
    if (o->given != NULL) {
        *o->given = 1;
    }
    return ok;
}

int nnb_args_parse_table(nnb_args *a, const nnb_option *table, size_t n, unsigned command, void (*usage)(void))
{
    const char *opt;
    int err = 0;
    while ((opt = nnb_args_next_option(a, &err)) != NULL) {
        if (strcmp(opt, "--help") == 0) {
            if (!nnb_args_flag(a)) {
                return NNB_EXIT_USAGE;
            }
            usage();
            return NNB_EXIT_OK;
        }
        const nnb_option *o = find_option(table, n, opt, command);
        if (o == NULL) {
            return nnb_args_unknown(a, opt);
        }
        if (!read_option(a, o, opt)) {
            return NNB_EXIT_USAGE;
        }
    }
    return err ? NNB_EXIT_USAGE : -1;
}
