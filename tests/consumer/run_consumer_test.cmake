# SPDX-License-Identifier: MIT
# Installs the build tree at NNB_BINARY_DIR into a scratch prefix, then configures, builds and runs the
# consumer project against it with nothing but CMAKE_PREFIX_PATH (and PKG_CONFIG_PATH for pkg-config).
file(REMOVE_RECURSE "${NNB_WORK_DIR}")
set(prefix "${NNB_WORK_DIR}/prefix")
set(build "${NNB_WORK_DIR}/build")
if(NOT NNB_BUILD_TYPE)
  set(NNB_BUILD_TYPE Release)
endif()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}")
  endif()
endfunction()

run("${CMAKE_COMMAND}" --install "${NNB_BINARY_DIR}" --prefix "${prefix}" --config "${NNB_BUILD_TYPE}")
foreach(f include/nnbasics/nnbasics.h include/nnbasics/version.h lib/cmake/nnbasics/nnbasicsConfig.cmake
          lib/cmake/nnbasics/nnbasicsConfigVersion.cmake lib/pkgconfig/nnbasics.pc lib/libnnbasics.a
          share/doc/nnbasics/LICENSE)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install is missing ${f}")
  endif()
endforeach()

set(ENV{PKG_CONFIG_PATH} "${prefix}/lib/pkgconfig")
run("${CMAKE_COMMAND}" -S "${NNB_CONSUMER_SOURCE}" -B "${build}" -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${NNB_C_COMPILER} -DCMAKE_BUILD_TYPE=${NNB_BUILD_TYPE})
run("${CMAKE_COMMAND}" --build "${build}")
foreach(exe consumer_shared consumer_static consumer_pkgconfig)
  run("${build}/${exe}")
endforeach()

# The static consumers must not depend on the shared library at run time.
foreach(exe consumer_static consumer_pkgconfig)
  execute_process(COMMAND readelf -d "${build}/${exe}" OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND dyn MATCHES "libnnbasics\\.so")
    message(FATAL_ERROR "${exe} links libnnbasics.so although it should use the static archive")
  endif()
endforeach()
message(STATUS "consumer test passed")
