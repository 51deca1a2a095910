# SPDX-License-Identifier: MIT
# The unit tests of the WebAssembly build (NNB_TARGET_WASM), included by tests/CMakeLists.txt. Each runs under
# node (CMAKE_CROSSCOMPILING_EMULATOR from Emscripten's toolchain) with the host's files (NODERAWFS). No cmocka
# library exists for the target: tests/wasm/cmocka_lite.c provides the part of its interface the tests use.
# Left out: the modules that start threads or processes (threads, pool, error, cli, idx and model_file fork,
# alloc's guard-page faults, oom) and the numpy comparisons, which hand a native program to python. bad_input,
# npy and tensor run: their size cases hold with wasm32's 32-bit size_t as with a 64-bit one (sizes taken from
# SIZE_MAX, or small enough for both); only npy's full-disk writes are left out under Emscripten, whose
# setrlimit does not limit a file's size.
# Linked at -O1 like the examples (compiled at -O3): the optimizing link is ten times slower.
add_link_options(-O1 -sNODERAWFS=1 -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1 -sWASM_ASYNC_COMPILATION=0)

add_library(nnb_cmocka_lite STATIC wasm/cmocka_lite.c)
target_include_directories(nnb_cmocka_lite PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/wasm")
target_link_libraries(nnb_cmocka_lite PRIVATE nnb_warnings)
set_target_properties(nnb_cmocka_lite PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)

add_library(nnb_test_support STATIC test_support.c)
target_link_libraries(nnb_test_support PUBLIC nnbasics_objects nnb_cmocka_lite nnb_warnings)
target_compile_options(nnb_test_support PUBLIC -ffp-contract=off)
target_include_directories(nnb_test_support PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}" "${PROJECT_SOURCE_DIR}/src")
set_target_properties(nnb_test_support PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)

set(NNB_WASM_TEST_MODULES
  status tensor gemm kernels rng datasets neuron dense activation loss metrics backward optimizer model model_gradcheck
  health gemm_bodies csv linear numpy_math preprocess init summary schedule clip history bad_input npy)
foreach(module IN LISTS NNB_WASM_TEST_MODULES)
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/test_${module}.c")
    add_executable(test_${module} test_${module}.c)
    target_link_libraries(test_${module} PRIVATE nnb_test_support)
    set_target_properties(test_${module} PROPERTIES C_STANDARD 11 C_EXTENSIONS OFF)
    add_test(NAME test_${module} COMMAND test_${module})
    set_tests_properties(test_${module} PROPERTIES LABELS "unit;wasm;${module}" TIMEOUT 300)
  endif()
endforeach()

if(TARGET test_preprocess)
  target_compile_definitions(test_preprocess PRIVATE "NNB_TEST_DATA_DIR=\"${CMAKE_CURRENT_SOURCE_DIR}/data\"")
endif()
if(TARGET test_gemm)
  target_compile_definitions(test_gemm PRIVATE "NNB_TEST_GEMM_BACKEND=\"${NNB_GEMM_BACKEND}\"")
endif()

# For the configuration summary: the unit tests are built (on the stand-in above).
set(NNB_HAVE_CMOCKA TRUE PARENT_SCOPE)
