/* SPDX-License-Identifier: MIT */
/**
 * @file gemm.h
 * @brief The dot-product / matrix-multiply core that every layer calls, and the process-wide compute
 *        settings (threads, arithmetic mode).
 *
 * @verbatim
   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T
   @endverbatim
 *
 * All matrices are row-major float32. op(A) is M x K, op(B) is K x N, C is M x N. lda/ldb/ldc are the row
 * strides (in elements) of the matrices as stored: A is M x K (lda >= K) or, transposed, K x M (lda >= M);
 * likewise B. When beta is 0, C is not read (it may hold NaN or garbage).
 *
 * Which body computes it is fixed at build time by NNB_GEMM_BACKEND (nnb_backend_name() tells):
 *   - naive: the lesson's loops, each dot product accumulated in double and rounded once (this matches
 *     numpy's float64 np.dot under nnfs bit for bit);
 *   - cblas: cblas_sgemm from OpenBLAS;
 *   - builtin: the library's own blocked SIMD kernels (when compiled in).
 *
 * All bodies agree within float32 rounding: |C - C_exact| <= 1e-5 * sum_k |a_ik * b_kj| (+ beta term).
 *
 * Thread count: the one documented process-wide setting besides the allocator. Bodies that can use
 * several threads use nnb_get_num_threads() of them.
 */
#ifndef NNB_GEMM_H
#define NNB_GEMM_H

#include <stddef.h>

#include "nnbasics/export.h"
#include "nnbasics/status.h"
#include "nnbasics/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Whether a GEMM operand is used as stored or transposed. */
typedef enum nnb_transpose {
    NNB_NO_TRANS = 0, /**< use the matrix as stored */
    NNB_TRANS = 1     /**< use its transpose */
} nnb_transpose;

/**
 * General matrix multiply on raw buffers: C = alpha * op(A) * op(B) + beta * C. Reentrant.
 * @param trans_a whether A is used transposed.
 * @param trans_b whether B is used transposed.
 * @param M rows of op(A) and of C (> 0).
 * @param N columns of op(B) and of C (> 0).
 * @param K columns of op(A), rows of op(B) (> 0).
 * @param alpha the product's factor.
 * @param A the first operand (borrowed, only read).
 * @param lda row stride of A as stored, in elements.
 * @param B the second operand (borrowed, only read; may share memory with A).
 * @param ldb row stride of B as stored.
 * @param beta the factor of C's previous contents (0: C is not read).
 * @param C the result, M x N; must not overlap A or B. Untouched on failure.
 * @param ldc row stride of C.
 * @return NNB_OK, NNB_ERR_NULL (A, B or C NULL), NNB_ERR_ARGUMENT (M, N or K is 0; bad transpose flag; a
 *         leading dimension smaller than the row it holds; the memory C spans overlaps that of A or B),
 *         NNB_ERR_OVERFLOW (an extent overflows size_t).
 */
NNB_API nnb_status nnb_gemm(nnb_transpose trans_a, nnb_transpose trans_b, size_t M, size_t N, size_t K, float alpha,
                            const float *A, size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/**
 * Tensor form: C = alpha * op(A) * op(B) + beta * C with shapes taken from the tensors.
 * @param trans_a whether A is used transposed.
 * @param trans_b whether B is used transposed.
 * @param alpha the product's factor.
 * @param A the first operand.
 * @param B the second operand.
 * @param beta the factor of C's previous contents.
 * @param C the result; its data must not overlap A's or B's.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_SHAPE (inner dimensions or C's shape disagree), NNB_ERR_ARGUMENT
 *         (C's data overlaps A's or B's).
 */
NNB_API nnb_status nnb_matmul(nnb_transpose trans_a, nnb_transpose trans_b, float alpha, const nnb_tensor *A,
                              const nnb_tensor *B, float beta, nnb_tensor *C);

/**
 * Dot product sum_i a[i] * b[i] of two length-n vectors, accumulated in double and rounded once.
 * @param a n floats.
 * @param b n floats.
 * @param n the length (> 0).
 * @param out receives the dot product.
 * @return NNB_OK, NNB_ERR_NULL, NNB_ERR_ARGUMENT (n is 0).
 */
NNB_API nnb_status nnb_dot(const float *a, const float *b, size_t n, float *out);

/**
 * Name of the GEMM body compiled in as the default.
 * @return "naive", "cblas" or "builtin"; a static string.
 */
NNB_API const char *nnb_backend_name(void);

/**
 * Instruction set the compute core runs.
 *
 * It serves the builtin GEMM body's kernels and the element-wise kernels (ReLU, softmax, exp/log, losses,
 * optimizers, accuracy) of every build. Chosen once per process: the best the CPU supports, lowered by
 * the environment variable NNB_ISA=portable|avx2|avx512 (read on first use; a level the CPU lacks, or an
 * unknown value, is ignored). Every level gives the same results in the NNB_ARITHMETIC_REFERENCE and
 * NNB_ARITHMETIC_NUMPY modes.
 * @return "avx512", "avx2" or "portable"; a static string.
 */
NNB_API const char *nnb_compute_isa(void);

/** The largest thread count nnb_set_num_threads accepts. */
#define NNB_MAX_THREADS 256

/**
 * Sets how many threads the GEMM core (and OpenBLAS, when used) may use.
 *
 * Process-wide; safe to call at any time from one thread, takes effect on the next call.
 * @param n the thread count; 0 means all online cores (the default).
 * @return NNB_OK, NNB_ERR_ARGUMENT if n exceeds NNB_MAX_THREADS.
 */
NNB_API nnb_status nnb_set_num_threads(size_t n);

/**
 * Number of threads the GEMM core will use now.
 * @return the count (0 resolved to the number of online cores); >= 1.
 */
NNB_API size_t nnb_get_num_threads(void);

/**
 * Joins the library's worker threads.
 *
 * The builtin GEMM core and the element-wise kernels split large calls
 * over persistent workers (at most nnb_get_num_threads() - 1 of them), created on first use and then asleep
 * between calls; they are joined at normal process exit (and when a shared build is unloaded), or here, for
 * programs that want no idle thread of the library left (before a sandbox is entered, or in leak checkers).
 * The next call that needs workers creates them again. Waits for a call in progress in another thread.
 * After fork() the child starts without workers and creates its own when needed.
 */
NNB_API void nnb_release_threads(void);

/**
 * Arithmetic mode: the third documented process-wide setting.
 *
 * It chooses between speed and reproducing the book's numpy arithmetic bit for bit. With the naive backend
 * all modes compute the same products; only exp and log differ. Lesson programs select REFERENCE or NUMPY,
 * the chapter-10 trainings NUMPY. Every other element-wise pass (ReLU, sums, divisions, optimizer updates,
 * accuracy) gives the same bits in every mode and at every ISA level.
 */
typedef enum nnb_arithmetic {
    /** (default) the build's GEMM body; vectorised exp/log within 2 ulp in every build; in builtin builds
        also small-shape kernels that accumulate in float32. */
    NNB_ARITHMETIC_FAST = 0,
    /** every product through the naive body (double accumulation, one rounding, as np.dot under nnfs) and
        correctly rounded exp/log, whatever the backend, so that trainings follow numpy's trajectory exactly
        wherever numpy itself rounds correctly. Slower. */
    NNB_ARITHMETIC_REFERENCE = 1,
    /** like REFERENCE (the same products and element-wise passes), but float32 exp and log (softmax,
        sigmoid, the cross-entropy losses) are computed with numpy 1.24's algorithm for float32 arrays, bit
        for bit, on any CPU. numpy computes them with its own AVX2/AVX-512F routines, which are up to 2.5 ulp
        (exp) and 3.8 ulp (log) off the correctly rounded result; a chaotic training amplifies that last bit,
        and this mode is what reproduces the book's printed results (which come from such a numpy). Its exp
        and log are portable C and give the same bits at every ISA level (nnb_compute_isa). */
    NNB_ARITHMETIC_NUMPY = 2
} nnb_arithmetic;

/**
 * Sets the arithmetic mode. Safe to call at any time (atomic); takes effect on the next call.
 * @param mode the mode.
 * @return NNB_OK, NNB_ERR_ARGUMENT for an unknown mode.
 */
NNB_API nnb_status nnb_set_arithmetic(nnb_arithmetic mode);

/**
 * The arithmetic mode in effect.
 * @return the mode.
 */
NNB_API nnb_arithmetic nnb_get_arithmetic(void);

#ifdef __cplusplus
}
#endif

#endif /* NNB_GEMM_H */
