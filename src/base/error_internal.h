/*
 * Internal: the thread's failure detail behind nnb_last_error() (status.h). Never installed.
 *
 * A failing function returns NNB__FAIL(status) or NNB__FAILF(status, "format", ...): the detail becomes
 * "<function>: <status string>" or "<function>: <formatted specifics>", and the status is returned.
 */
#ifndef NNB_BASE_ERROR_INTERNAL_H
#define NNB_BASE_ERROR_INTERNAL_H

#include "nnbasics/status.h"

#if defined(__GNUC__) || defined(__clang__)
#    define NNB__PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#    define NNB__PRINTF_LIKE(f, a)
#endif

/* Records "where: <status string>" and returns status. */
nnb_status nnb__fail(nnb_status status, const char *where);

/* Records "where: <fmt, ...>" (truncated to the buffer) and returns status. */
nnb_status nnb__failf(nnb_status status, const char *where, const char *fmt, ...) NNB__PRINTF_LIKE(3, 4);

#define NNB__FAIL(status) nnb__fail((status), __func__)
#define NNB__FAILF(status, ...) nnb__failf((status), __func__, __VA_ARGS__)

#endif
