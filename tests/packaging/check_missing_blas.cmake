# SPDX-License-Identifier: MIT
# Configuring with NNB_GEMM_BACKEND=cblas where OpenBLAS cannot be found must fail at configure time and
# say what to install. The lookup is hidden from CMake to simulate a machine without OpenBLAS.
file(REMOVE_RECURSE "${WORK}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${SRC}" -B "${WORK}" -DNNB_GEMM_BACKEND=cblas
          -DNNB_BUILD_TESTS=OFF -DNNB_BUILD_EXAMPLES=OFF -DNNB_BUILD_TOOLS=OFF
          -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON -DCMAKE_DISABLE_FIND_PACKAGE_BLAS=ON
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc EQUAL 0)
  message(FATAL_ERROR "configure succeeded without OpenBLAS")
endif()
if(NOT err MATCHES "apt-get install libopenblas-dev")
  message(FATAL_ERROR "configure failed without naming the package to install:\n${err}")
endif()
message(STATUS "configure fails as expected and names libopenblas-dev")
