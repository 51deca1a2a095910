/* SPDX-License-Identifier: MIT */
#include "nnbasics/status.h"

const char *nnb_status_string(nnb_status status)
{
    switch (status) {
    case NNB_OK: return "success";
    case NNB_ERR_NULL: return "a required pointer argument is NULL";
    case NNB_ERR_ARGUMENT: return "invalid argument value";
    case NNB_ERR_SHAPE: return "tensor shapes do not agree";
    case NNB_ERR_OVERFLOW: return "size computation overflows";
    case NNB_ERR_NOMEM: return "out of memory";
    case NNB_ERR_RANGE: return "index or class label out of range";
    case NNB_ERR_NONFINITE: return "NaN or infinity in data";
    case NNB_ERR_IO: return "file input/output error";
    case NNB_ERR_FORMAT: return "truncated, corrupt or unrecognised data";
    case NNB_ERR_VERSION: return "unsupported format version";
    case NNB_ERR_STATE: return "object is not in a state that allows this call";
    case NNB_ERR_UNSUPPORTED: return "feature not compiled into this build";
    case NNB_ERR_LIMIT: return "input needs more memory than its bound allows";
    }
    return "unknown status";
}
