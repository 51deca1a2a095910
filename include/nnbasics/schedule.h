/* SPDX-License-Identifier: MIT */
/**
 * @file schedule.h
 * @brief Learning-rate schedules: step, exponential and cosine (with optional restarts), each with an
 *        optional linear warm-up, composable with every optimizer and with the book's decay.
 *
 * The optimizer's learning rate at iteration t (0-based: the number of updates made before this one) is
 * @verbatim
   lr_t = schedule(learning_rate, t) * (1 / (1 + decay * t))      (the second factor only when decay != 0)
   @endverbatim
 * where, with W = warmup and s = t - W the iterations since the warm-up ended,
 * @verbatim
   t < W:        schedule = learning_rate * (t + 1) / W
   NONE:         schedule = learning_rate
   STEP:         schedule = learning_rate * gamma^floor(s / step_size)
   EXPONENTIAL:  schedule = learning_rate * gamma^(s / step_size)
   COSINE:       schedule = min_lr + (learning_rate - min_lr) * (1 + cos(pi * c / period)) / 2
                 c = s mod period with restarts, else min(s, period)
   @endverbatim
 * all in double; the optimizer rounds the rate to float32 where it meets the parameters, as before.
 * Iterations count optimizer updates (training steps, i.e.\ batches), as the book's decay does: for a
 * schedule in epochs multiply by the steps per epoch. The rate in use is nnb_optimizer_current_lr, which
 * the training progress reports (nnb_progress::learning_rate).
 */
#ifndef NNB_SCHEDULE_H
#define NNB_SCHEDULE_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/optimizer.h"
#include "nnbasics/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Schedule kinds (append-only values). */
typedef enum nnb_schedule_kind {
    NNB_SCHEDULE_NONE = 0,        /**< the learning rate stays (only the warm-up and the book's decay apply) */
    NNB_SCHEDULE_STEP = 1,        /**< multiplied by gamma every step_size iterations */
    NNB_SCHEDULE_EXPONENTIAL = 2, /**< multiplied by gamma^(1 / step_size) every iteration */
    NNB_SCHEDULE_COSINE = 3       /**< half a cosine from learning_rate down to min_lr over period iterations */
} nnb_schedule_kind;

/** A learning-rate schedule (a small parameter struct: start from nnb_lr_schedule_default). */
typedef struct nnb_lr_schedule {
    nnb_schedule_kind kind; /**< the shape after the warm-up */
    size_t warmup;          /**< iterations of linear warm-up (0 = none) */
    size_t step_size;       /**< STEP, EXPONENTIAL: iterations per factor gamma (>= 1) */
    double gamma;           /**< STEP, EXPONENTIAL: the factor (> 0, finite) */
    size_t period;          /**< COSINE: iterations of one half cosine (>= 1) */
    double min_lr;          /**< COSINE: the lowest rate (>= 0, finite) */
    int restarts;           /**< COSINE: non-zero = start again from learning_rate every period iterations;
                                 0 = stay at min_lr after one period */
} nnb_lr_schedule;

/**
 * A schedule that changes nothing: NONE, no warm-up, step_size 1, gamma 1, period 1, min_lr 0, no restarts.
 * @return the schedule.
 */
NNB_API nnb_lr_schedule nnb_lr_schedule_default(void);

/**
 * The scheduled rate at iteration t (the formulas above, without the book's decay).
 * @param schedule the schedule.
 * @param learning_rate the base rate (> 0, finite).
 * @param t the 0-based iteration.
 * @param out receives the rate; untouched on failure.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (unknown kind, a field outside its range, learning_rate
 *         not positive and finite).
 */
NNB_API nnb_status nnb_lr_schedule_rate(const nnb_lr_schedule *schedule, double learning_rate, size_t t, double *out);

/**
 * Gives the optimizer a schedule (replacing any earlier one); its iteration count stays.
 * @param opt the optimizer.
 * @param schedule the schedule (copied), or NULL to remove it.
 * @return NNB_OK, NNB_ERR_NULL (opt), NNB_ERR_ARGUMENT (as nnb_lr_schedule_rate; the old schedule stays).
 */
NNB_API nnb_status nnb_optimizer_set_schedule(nnb_optimizer *opt, const nnb_lr_schedule *schedule);

/**
 * The optimizer's schedule.
 * @param opt the optimizer.
 * @param out receives the schedule (nnb_lr_schedule_default() when it has none).
 * @return NNB_OK, NNB_ERR_NULL.
 */
NNB_API nnb_status nnb_optimizer_schedule(const nnb_optimizer *opt, nnb_lr_schedule *out);

#ifdef __cplusplus
}
#endif

#endif /* NNB_SCHEDULE_H */
