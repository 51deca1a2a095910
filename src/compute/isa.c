/* SPDX-License-Identifier: MIT */
/* Run-time choice of the instruction set (compute/isa.h). */
#include "compute/isa.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nnbasics/gemm.h"

static nnb__isa detect(void)
{
#if defined(NNB__ISA_X86)
    /* __builtin_cpu_supports also checks that the OS saves the vector registers (XGETBV). */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
            return NNB__ISA_AVX512;
        }
        return NNB__ISA_AVX2;
    }
#endif
    return NNB__ISA_PORTABLE;
}

/* The documented NNB_ISA override: a lower level, never a higher one. */
static nnb__isa requested(nnb__isa supported)
{
    const char *want = getenv("NNB_ISA");
    if (want == NULL) {
        return supported;
    }
    for (int level = NNB__ISA_PORTABLE; level <= NNB__ISA_AVX512; ++level) {
        if (strcmp(want, nnb__isa_name((nnb__isa)level)) == 0) {
            return (nnb__isa)level < supported ? (nnb__isa)level : supported;
        }
    }
    return supported;
}

/* Both caches are written once with the same value by whichever thread gets there first. */
static atomic_int g_supported;
static atomic_int g_level;

nnb__isa nnb__isa_supported(void)
{
    int level = atomic_load_explicit(&g_supported, memory_order_relaxed);
    if (level == 0) {
        level = (int)detect();
        atomic_store_explicit(&g_supported, level, memory_order_relaxed);
    }
    return (nnb__isa)level;
}

nnb__isa nnb__isa_level(void)
{
    int level = atomic_load_explicit(&g_level, memory_order_relaxed);
    if (level == 0) {
        level = (int)requested(nnb__isa_supported());
        atomic_store_explicit(&g_level, level, memory_order_relaxed);
    }
    return (nnb__isa)level;
}

const char *nnb__isa_name(nnb__isa level)
{
    switch (level) {
    case NNB__ISA_AVX512: return "avx512";
    case NNB__ISA_AVX2: return "avx2";
    case NNB__ISA_PORTABLE:
    default: return "portable";
    }
}

const char *nnb_compute_isa(void)
{
    return nnb__isa_name(nnb__isa_level());
}
