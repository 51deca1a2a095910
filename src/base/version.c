/* SPDX-License-Identifier: MIT */
#include "nnbasics/version.h"

const char *nnb_version_string(void)
{
    return NNB_VERSION_STRING;
}

unsigned nnb_version_number(void)
{
    return (unsigned)NNB_VERSION_NUMBER;
}
