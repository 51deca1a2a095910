/* SPDX-License-Identifier: MIT */
/*
 * Learning-rate schedules (schedule.h): the rate as a function of the iteration, in double.
 */
#include <math.h>

#include "base/error_internal.h"
#include "train/optimizer_internal.h"
#include "nnbasics/schedule.h"

nnb_lr_schedule nnb_lr_schedule_default(void)
{
    nnb_lr_schedule s;
    s.kind = NNB_SCHEDULE_NONE;
    s.warmup = 0;
    s.step_size = 1;
    s.gamma = 1.0;
    s.period = 1;
    s.min_lr = 0.0;
    s.restarts = 0;
    return s;
}

nnb_status nnb__lr_schedule_check(const nnb_lr_schedule *s)
{
    switch (s->kind) {
    case NNB_SCHEDULE_NONE: return NNB_OK;
    case NNB_SCHEDULE_STEP:
    case NNB_SCHEDULE_EXPONENTIAL:
        if (s->step_size == 0 || !isfinite(s->gamma) || s->gamma <= 0.0) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "schedule step_size %zu must be >= 1 and gamma %g > 0", s->step_size,
                              s->gamma);
        }
        return NNB_OK;
    case NNB_SCHEDULE_COSINE:
        if (s->period == 0 || !isfinite(s->min_lr) || s->min_lr < 0.0) {
            return NNB__FAILF(NNB_ERR_ARGUMENT, "schedule period %zu must be >= 1 and min_lr %g >= 0", s->period,
                              s->min_lr);
        }
        return NNB_OK;
    }
    return NNB__FAILF(NNB_ERR_ARGUMENT, "unknown schedule kind %d", (int)s->kind);
}

double nnb__lr_schedule_value(const nnb_lr_schedule *s, double lr, size_t t)
{
    if (t < s->warmup) {
        return lr * (double)(t + 1u) / (double)s->warmup;
    }
    size_t since = t - s->warmup;
    switch (s->kind) {
    case NNB_SCHEDULE_STEP: return lr * pow(s->gamma, (double)(since / s->step_size));
    case NNB_SCHEDULE_EXPONENTIAL: return lr * pow(s->gamma, (double)since / (double)s->step_size);
    case NNB_SCHEDULE_COSINE: {
        size_t c = s->restarts ? since % s->period : (since < s->period ? since : s->period);
        double pi = acos(-1.0);
        return s->min_lr + (lr - s->min_lr) * (1.0 + cos(pi * (double)c / (double)s->period)) / 2.0;
    }
    case NNB_SCHEDULE_NONE:
    default: return lr;
    }
}

nnb_status nnb_lr_schedule_rate(const nnb_lr_schedule *schedule, double learning_rate, size_t t, double *out)
{
    if (schedule == NULL || out == NULL) {
        return NNB__FAIL(NNB_ERR_NULL);
    }
    if (!isfinite(learning_rate) || learning_rate <= 0.0) {
        return NNB__FAILF(NNB_ERR_ARGUMENT, "learning_rate %g must be > 0 and finite", learning_rate);
    }
    nnb_status st = nnb__lr_schedule_check(schedule);
    if (st != NNB_OK) {
        return st;
    }
    *out = nnb__lr_schedule_value(schedule, learning_rate, t);
    return NNB_OK;
}
