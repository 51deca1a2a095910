# SPDX-License-Identifier: MIT
# Installs the build tree at NNB_BINARY_DIR into a scratch prefix, then configures, builds and runs the
# consumer project against it with nothing but CMAKE_PREFIX_PATH (and PKG_CONFIG_PATH for pkg-config); then
# builds the installed examples with their own CMakeLists the same way and runs some of them.
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
set(docs share/doc/nnbasics)
set(expected_files include/nnbasics/nnbasics.h include/nnbasics/version.h lib/cmake/nnbasics/nnbasicsConfig.cmake
    lib/cmake/nnbasics/nnbasicsConfigVersion.cmake lib/pkgconfig/nnbasics.pc lib/libnnbasics.a
    ${docs}/LICENSE ${docs}/README.md ${docs}/CHANGELOG.md ${docs}/GUIDE.md ${docs}/MODEL_FORMAT.md
    ${docs}/examples/CMakeLists.txt ${docs}/examples/lesson_08_implementing_loss.c
    ${docs}/examples/guide/guide_classify_csv.c ${docs}/examples/guide/data/colours.csv)
if(NNB_WITH_TOOLS)
  list(APPEND expected_files bin/nnb share/man/man1/nnb.1)
endif()
foreach(f ${expected_files})
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
# The installed examples build against the installed package with their own CMakeLists, and run: a lesson
# (the book's lesson-8 loss), then the guide's CSV classifier and the deployment of the model it saves.
set(examples_build "${NNB_WORK_DIR}/examples")
run("${CMAKE_COMMAND}" -S "${prefix}/${docs}/examples" -B "${examples_build}" -DCMAKE_PREFIX_PATH=${prefix}
    -DCMAKE_C_COMPILER=${NNB_C_COMPILER} -DCMAKE_BUILD_TYPE=${NNB_BUILD_TYPE})
run("${CMAKE_COMMAND}" --build "${examples_build}")
execute_process(COMMAND "${examples_build}/lesson_08_implementing_loss" OUTPUT_VARIABLE lesson_out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT lesson_out MATCHES "1\\.0986104")
  message(FATAL_ERROR "the installed lesson 8 failed (${rc}) or did not print the book's loss 1.0986104:\n${lesson_out}")
endif()
run("${examples_build}/guide_classify_csv" "${prefix}/${docs}/examples/guide/data/colours.csv"
    "${examples_build}/colours.nnb")
run("${examples_build}/guide_deploy" "${examples_build}/colours.nnb")
message(STATUS "consumer test passed")
