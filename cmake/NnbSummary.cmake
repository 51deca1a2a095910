# SPDX-License-Identifier: MIT
# nnb_print_summary(): at the end of configuration, a short table of the optional dependencies the build
# found or goes without, what each one brings, and the Debian package that brings a missing one.
#
# Reads what the rest of the configuration found: NNB_GEMM_BACKEND and NNB_BLAS_PKGCONFIG (cmake/NnbBlas.cmake),
# NNB_HAVE_ZLIB (src/), PNG_FOUND (the top level), NNB_HAVE_CMOCKA (tests/).
function(nnb_print_summary)
  set(missing "")
  message(STATUS "nnbasics ${PROJECT_VERSION}: GEMM body ${NNB_GEMM_BACKEND}. Optional dependencies:")

  # OpenBLAS: only the cblas GEMM body uses it (configuration stops earlier when it is asked for and missing).
  if(NNB_GEMM_BACKEND STREQUAL "cblas")
    if(NNB_BLAS_PKGCONFIG)
      message(STATUS "  OpenBLAS  found (pkg-config ${NNB_BLAS_PKGCONFIG}): the cblas GEMM body")
    else()
      message(STATUS "  OpenBLAS  found (${BLAS_LIBRARIES}): the cblas GEMM body")
    endif()
    # OpenBLAS's pkg-config file names -lgfortran for static linking, and Debian's libopenblas-dev brings only
    # the run-time library: 'pkg-config --static' links (the static consumer test) need the -dev package.
    execute_process(COMMAND "${CMAKE_C_COMPILER}" -print-file-name=libgfortran.so
                    OUTPUT_VARIABLE gfortran OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT IS_ABSOLUTE "${gfortran}" OR NOT EXISTS "${gfortran}")
      message(STATUS "  gfortran  NOT FOUND: static links through pkg-config (-lgfortran) fail, "
                     "install libgfortran-12-dev")
      list(APPEND missing libgfortran-12-dev)
    endif()
  else()
    message(STATUS "  OpenBLAS  not used (only -DNNB_GEMM_BACKEND=cblas uses it: libopenblas-dev)")
  endif()

  if(NNB_HAVE_ZLIB)
    message(STATUS "  zlib      found: gzip-compressed IDX files (Debian's Fashion-MNIST) are read")
  else()
    message(STATUS "  zlib      NOT FOUND: only uncompressed IDX files are read, install zlib1g-dev")
    list(APPEND missing zlib1g-dev)
  endif()

  if(NOT NNB_BUILD_TOOLS AND NOT NNB_BUILD_EXAMPLES)
    message(STATUS "  libpng    not searched (neither the tool nor the examples are built)")
  elseif(PNG_FOUND)
    message(STATUS "  libpng    found: nnb predict --image reads PNGs, ch18_spiral_regions writes a PNG")
  else()
    message(STATUS "  libpng    NOT FOUND: no nnb predict --image, ch18_spiral_regions writes a PPM, "
                   "install libpng-dev")
    list(APPEND missing libpng-dev)
  endif()

  if(NOT NNB_BUILD_TESTS)
    message(STATUS "  cmocka    not searched (NNB_BUILD_TESTS=OFF)")
  elseif(NNB_HAVE_CMOCKA)
    message(STATUS "  cmocka    found: the unit tests are built")
  else()
    # cmocka is found through pkg-config.
    find_program(NNB_PKG_CONFIG_PROGRAM pkg-config)
    if(NNB_PKG_CONFIG_PROGRAM)
      message(STATUS "  cmocka    NOT FOUND: the unit tests are skipped, install libcmocka-dev")
      list(APPEND missing libcmocka-dev)
    else()
      message(STATUS "  cmocka    NOT FOUND (it is looked up with pkg-config, also missing): the unit tests are "
                     "skipped, install libcmocka-dev pkg-config")
      list(APPEND missing libcmocka-dev pkg-config)
    endif()
  endif()

  if(missing)
    list(JOIN missing " " missing)
    message(STATUS "  To build everything: apt-get install ${missing} (as root), then run this cmake command again.")
  endif()
endfunction()
