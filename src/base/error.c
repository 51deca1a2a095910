/* SPDX-License-Identifier: MIT */
/* The thread's failure detail (status.h, base/error_internal.h). */
#include <stdarg.h>
#include <stdio.h>

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
