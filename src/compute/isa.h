/* SPDX-License-Identifier: MIT */
/*
 * Internal: the instruction set the compute layer runs, chosen once per process for the GEMM kernels and the
 * element-wise kernels alike. Never installed.
 *
 * The choice is the best level this CPU (and its operating system) supports, lowered by the environment
 * variable NNB_ISA=portable|avx2|avx512 when it is set. A request above what the CPU supports, or a value
 * that is none of these, leaves the best supported level. The variable is read on the first call only.
 */
#ifndef NNB_COMPUTE_ISA_H
#define NNB_COMPUTE_ISA_H

/* Ordered: a higher level can run every kernel of a lower one. */
typedef enum nnb__isa {
    NNB__ISA_PORTABLE = 1, /* plain C loops, any CPU */
    NNB__ISA_AVX2 = 2,     /* x86-64 with AVX2 and FMA */
    NNB__ISA_AVX512 = 3    /* also AVX-512 F and VL */
} nnb__isa;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/* The x86 kernels are compiled in (each behind its own target attribute), reached only after the check. */
#    define NNB__ISA_X86 1
#endif

/* The level in use (reentrant; the detection runs once). */
nnb__isa nnb__isa_level(void);

/* The best level the CPU supports, ignoring NNB_ISA. */
nnb__isa nnb__isa_supported(void);

/* "portable", "avx2" or "avx512". */
const char *nnb__isa_name(nnb__isa level);

#endif
