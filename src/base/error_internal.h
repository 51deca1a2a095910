/* SPDX-License-Identifier: MIT */
/*
 * Internal: the thread's failure detail behind nnb_last_error() (status.h). Never installed.
 *
 * A failing function returns NNB__FAIL(status) or NNB__FAILF(status, "format", ...): the detail becomes
 * "<function>: <status string>" or "<function>: <formatted specifics>", and the status is the value.
 */
#ifndef NNB_BASE_ERROR_INTERNAL_H
#define NNB_BASE_ERROR_INTERNAL_H

#include "nnbasics/status.h"

#if defined(__GNUC__) || defined(__clang__)
#    define NNB__PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#    define NNB__PRINTF_LIKE(f, a)
#endif

/* Record "where: <status string>" or "where: <fmt, ...>" (truncated to the buffer). */
void nnb__note(nnb_status status, const char *where);
void nnb__notef(nnb_status status, const char *where, const char *fmt, ...) NNB__PRINTF_LIKE(3, 4);

/* The same, returning status (for details recorded under another name than the calling function's). */
nnb_status nnb__fail(nnb_status status, const char *where);
nnb_status nnb__failf(nnb_status status, const char *where, const char *fmt, ...) NNB__PRINTF_LIKE(3, 4);

/*
 * Puts context in front of the detail a callee recorded: "where: <context>: <the callee's specifics>" (the
 * callee's "<function>: " is dropped). For a path or a layer index that only the caller knows. Returns status.
 */
nnb_status nnb__fail_context(nnb_status status, const char *where, const char *fmt, ...) NNB__PRINTF_LIKE(3, 4);
#define NNB__CONTEXTF(status, ...) nnb__fail_context((status), __func__, __VA_ARGS__)

/*
 * Record under the calling function's name and yield status. The value stays visible to the compiler (a
 * comma expression, not a call's result), so its flow analysis still sees which status a path returns.
 * status is evaluated twice: pass a constant or a plain variable.
 */
#define NNB__FAIL(status) (nnb__note((status), __func__), (status))
#define NNB__FAILF(status, ...) (nnb__notef((status), __func__, __VA_ARGS__), (status))

#endif
