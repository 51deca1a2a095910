/* SPDX-License-Identifier: MIT */
/* The thread's failure detail (status.h, base/error_internal.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/error_internal.h"

/* Long enough for a function name, two shapes and a path; longer details are cut. */
#define DETAIL_BYTES 512

/* Thread-local: each thread reads only the details of its own calls (documented in status.h). */
static _Thread_local char g_detail[DETAIL_BYTES];

const char *nnb_last_error(void)
{
    return g_detail;
}

void nnb__note(nnb_status status, const char *where)
{
    (void)snprintf(g_detail, sizeof g_detail, "%s: %s", where, nnb_status_string(status));
}

/* fmt comes from the NNB__PRINTF_LIKE entry points, where the compiler has already checked it. */
NNB__PRINTF_LIKE(2, 0) static void note_va(const char *where, const char *fmt, va_list args)
{
    int used = snprintf(g_detail, sizeof g_detail, "%s: ", where);
    if (used < 0 || (size_t)used >= sizeof g_detail) {
        return;
    }
    (void)vsnprintf(g_detail + used, sizeof g_detail - (size_t)used, fmt, args);
}

void nnb__notef(nnb_status status, const char *where, const char *fmt, ...)
{
    (void)status;
    va_list args;
    va_start(args, fmt);
    note_va(where, fmt, args);
    va_end(args);
}

nnb_status nnb__fail(nnb_status status, const char *where)
{
    nnb__note(status, where);
    return status;
}

nnb_status nnb__failf(nnb_status status, const char *where, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    note_va(where, fmt, args);
    va_end(args);
    return status;
}

nnb_status nnb_report_error(nnb_status status, const char *where, const char *detail)
{
    return nnb__failf(status, where != NULL ? where : "?", "%s", detail != NULL ? detail : "");
}

nnb_status nnb__fail_context(nnb_status status, const char *where, const char *fmt, ...)
{
    char old[DETAIL_BYTES];
    const char *sep = strstr(g_detail, ": ");
    (void)snprintf(old, sizeof old, "%s", sep != NULL ? sep + 2 : g_detail);
    int used = snprintf(g_detail, sizeof g_detail, "%s: ", where);
    if (used < 0 || (size_t)used >= sizeof g_detail) {
        return status;
    }
    va_list args;
    va_start(args, fmt);
    int more = vsnprintf(g_detail + used, sizeof g_detail - (size_t)used, fmt, args);
    va_end(args);
    if (more < 0 || (size_t)used + (size_t)more >= sizeof g_detail) {
        return status;
    }
    used += more;
    /* ": " and the callee's specifics, cut at the end of the buffer. */
    const char *rest = old[0] != '\0' ? old : nnb_status_string(status);
    size_t at = (size_t)used;
    const char *parts[2] = {": ", rest};
    for (size_t p = 0; p < 2; ++p) {
        for (const char *c = parts[p]; *c != '\0' && at + 1 < sizeof g_detail; ++c) {
            g_detail[at++] = *c;
        }
    }
    g_detail[at] = '\0';
    return status;
}
