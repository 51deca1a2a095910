/* SPDX-License-Identifier: MIT */
/*
 * Internal: the cache sizes of the CPU and the GEMM cache blocks derived from them (compute/gemm_blocks.c).
 * Never installed.
 *
 * The builtin GEMM body (compute/gemm_builtin.c) packs B in kc x nc blocks and A in mc x kc blocks and runs
 * an MR x NR micro-kernel over them. Which blocks suit a CPU depends on its caches, so they are derived at run
 * time from the cache sizes (nnb__cache_detect) by an analytic model (nnb__gemm_blocks_model), after the one
 * of Low, Igual, Smith and Quintana-Orti, "Analytical modeling is enough for high-performance BLIS" (ACM
 * TOMS 43(2), 2016):
 *
 *   kc  one kc x NR micro-panel of packed B stays in L1 while the kernel streams kc x MR micro-panels of A
 *       through it. A contiguous buffer of b bytes takes at most ceil(b / way) lines of any set (way = L1
 *       size / associativity), so kc is the largest multiple of 8 with
 *           ceil(kc * MR * 4 / way) + ceil(kc * NR * 4 / way) <= ways - 1
 *       (the remaining way holds the C tile and the next A micro-panel). This is the constraint of the paper
 *       solved for whole ways, instead of its closed form, which rounds the A share down to whole ways first.
 *   mc  the mc x kc block of packed A stays in L2, next to one B micro-panel and one way for C; it takes half
 *       of the ways the paper gives it (the B micro-panels stream through L2 from L3, and so does C):
 *           mc = (ways2 - 1 - ceil(kc * NR * 4 / way2)) * way2 / 2 / (kc * 4), rounded down to MR.
 *   nc  the kc x nc block of packed B stays in this core's share of L3, next to the A block and one way:
 *           nc = (ways3 - 1 - ceil(mc * kc * 4 / way3)) * way3 / (kc * 4), rounded down to NR.
 *       A share below twice the L2 is taken for a victim cache (as on Skylake-SP and later Xeons), which
 *       does not hold the A block: then the A block takes no L3 ways. The share is clamped to
 *       NNB__L3_SHARE_MAX: virtual machines report the host's whole L3 (hundreds of MiB), of which a guest
 *       core gets a few MiB at most. Without an L3, nc is NNB__GEMM_NC_MAX (B then streams from memory; nc
 *       only bounds the packing buffer).
 *   Unknown associativity counts as 8 ways for L1 and L2 and 16 for L3. Each block is clamped to the range
 *   below.
 *
 * The blocks are a hardware fact, computed once per process and kernel and cached (like the ISA level,
 * compute/isa.h); they are not a setting. For tests and benchmarks the environment variable
 * NNB_GEMM_BLOCKS=mc,kc,nc replaces them for every kernel (read on first use): three positive integers,
 * each rounded up to a multiple of MR, 8 and NR respectively and clamped to the ranges below. Any other value
 * is ignored.
 */
#ifndef NNB_COMPUTE_GEMM_BLOCKS_H
#define NNB_COMPUTE_GEMM_BLOCKS_H

#include <stddef.h>

/* Ranges of the blocks (the lower bounds of mc and nc are also at least MR and NR). */
#define NNB__GEMM_KC_MIN 32u
#define NNB__GEMM_KC_MAX 1024u
#define NNB__GEMM_MC_MAX 2048u
#define NNB__GEMM_NC_MIN 256u
#define NNB__GEMM_NC_MAX 8192u
/* Most L3 counted for one core. */
#define NNB__L3_SHARE_MAX ((size_t)4u << 20)

/* Data-cache sizes in bytes (0: unknown or absent) and associativities (0: unknown). */
typedef struct nnb__cache_info {
    size_t l1d, l1d_ways;
    size_t l2, l2_ways;
    size_t l3_share, l3_ways; /* one core's share of L3: its size divided by the cores that share it */
    const char *source;       /* where the sizes came from: "sysconf", "cpuid", "sysfs" or "none" */
} nnb__cache_info;

typedef struct nnb__gemm_blocks {
    size_t mc, kc, nc;
} nnb__gemm_blocks;

/* Reads the cache sizes of the CPU this runs on: glibc's sysconf, else CPUID (leaf 4 on Intel, 0x8000001D
 * on AMD), else /sys/devices/system/cpu/cpu0/cache; fields nothing reports stay 0. Not cached. */
void nnb__cache_detect(nnb__cache_info *out);

/* Where nnb__cache_detect_from reads: a sysconf, a CPUID (fills eax, ebx, ecx, edx of leaf/subleaf into
 * regs and returns nonzero, or returns 0 for a leaf the CPU does not have) and the sysfs cache directory
 * (the one holding index0, index1, ...). nnb__cache_detect uses sysconf, the CPUID instruction (a function
 * that always returns 0 off x86-64) and /sys/devices/system/cpu/cpu0/cache; tests pass made-up ones so that
 * every fallback runs on any machine. */
typedef struct nnb__cache_sources {
    long (*sysconf_fn)(int name);
    int (*cpuid_fn)(unsigned leaf, unsigned subleaf, unsigned regs[4]);
    const char *sysfs_root;
} nnb__cache_sources;

/* nnb__cache_detect with the sources given (the test hook). */
void nnb__cache_detect_from(const nnb__cache_sources *src, nnb__cache_info *out);

/* The model above for an mr x nr micro-kernel on float32. Returns 1 and fills *out, or 0 (out untouched)
 * when L1 or L2 size is unknown: the caller then keeps its fixed blocks. */
int nnb__gemm_blocks_model(const nnb__cache_info *ci, size_t mr, size_t nr, nnb__gemm_blocks *out);

/* Parses an NNB_GEMM_BLOCKS value for an mr x nr kernel (rounded and clamped as described above). Returns 1
 * and fills *out, or 0 (out untouched) when text is NULL or not three positive integers separated by commas. */
int nnb__gemm_blocks_parse(const char *text, size_t mr, size_t nr, nnb__gemm_blocks *out);

#endif
