/* SPDX-License-Identifier: MIT */
/**
 * @file nnbasics.h
 * @brief Umbrella header: includes the whole public API of libnnbasics.
 */
#ifndef NNB_NNBASICS_H
#define NNB_NNBASICS_H

#include "nnbasics/export.h"
#include "nnbasics/version.h"
#include "nnbasics/status.h"
#include "nnbasics/alloc.h"
#include "nnbasics/tensor.h"
#include "nnbasics/rng.h"
#include "nnbasics/datasets.h"
#include "nnbasics/gemm.h"
#include "nnbasics/neuron.h"
#include "nnbasics/dense.h"
#include "nnbasics/init.h"
#include "nnbasics/activation.h"
#include "nnbasics/loss.h"
#include "nnbasics/metrics.h"
#include "nnbasics/mixed.h"
#include "nnbasics/optimizer.h"
#include "nnbasics/schedule.h"
#include "nnbasics/model.h"
#include "nnbasics/preprocess.h"
#include "nnbasics/idx.h"
#include "nnbasics/csv.h"
#include "nnbasics/npy.h"
#include "nnbasics/model_file.h"
#include "nnbasics/onnx.h"
#include "nnbasics/plot.h"

#endif /* NNB_NNBASICS_H */
