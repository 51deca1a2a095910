# SPDX-License-Identifier: MIT
# The compute layer's sources and the build-time choice of GEMM body (included by src/CMakeLists.txt).
# Only these files see which body is built in (NNB_WITH_*): the layers above call the compute interface
# and cannot test the backend even by mistake.
set(NNB_COMPUTE_SOURCES
  compute/isa.c
  compute/gemm.c
  compute/gemm_blocks.c
  compute/gemm_naive.c
  compute/kernels.c
  compute/kernels_portable.c
  compute/kernels_avx2.c
  compute/kernels_avx512.c
  compute/linear.c
  compute/numpy_math.c
  compute/pool.c
)
set(NNB_COMPUTE_DEFINITIONS "NNB_GEMM_BACKEND_NAME=\"${NNB_GEMM_BACKEND}\"")
if(NNB_GEMM_BACKEND STREQUAL "cblas")
  list(APPEND NNB_COMPUTE_SOURCES compute/gemm_cblas.c)
  list(APPEND NNB_COMPUTE_DEFINITIONS NNB_WITH_CBLAS=1)
elseif(NNB_GEMM_BACKEND STREQUAL "builtin")
  # The kernel files carry per-function target attributes and are only called after a run-time CPU check.
  list(APPEND NNB_COMPUTE_SOURCES compute/gemm_builtin.c compute/gemm_kernel_avx2.c compute/gemm_kernel_avx512.c)
  list(APPEND NNB_COMPUTE_DEFINITIONS NNB_WITH_BUILTIN=1)
endif()
set_source_files_properties(${NNB_COMPUTE_SOURCES} PROPERTIES COMPILE_DEFINITIONS "${NNB_COMPUTE_DEFINITIONS}")
