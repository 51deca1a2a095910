/* SPDX-License-Identifier: MIT */
/* Internal: optimizer helpers for the model. Never installed. */
#ifndef NNB_INTERNAL_OPTIMIZER_H
#define NNB_INTERNAL_OPTIMIZER_H

#include "nnbasics/optimizer.h"
#include "nnbasics/schedule.h"

/*
 * Creates the layer's per-parameter state for this optimizer (momentums, caches) if it does not exist yet,
 * without updating anything, so that a caller can make every allocation of a step before the first
 * parameter changes. Returns NNB_ERR_NOMEM (the layer keeps what it had).
 */
nnb_status nnb__optimizer_prepare_dense(const nnb_optimizer *opt, nnb_dense *layer);

/* schedule.c: checks a schedule's fields (NNB_ERR_ARGUMENT with a detail) and evaluates it (checked). */
nnb_status nnb__lr_schedule_check(const nnb_lr_schedule *s);
double nnb__lr_schedule_value(const nnb_lr_schedule *s, double lr, size_t t);

#endif
