# SPDX-License-Identifier: MIT
# Every public header compiles on its own (it includes what it needs) with the C compiler in C11 pedantic
# mode, and as C++ (extern "C" guards) when a C++ compiler is found.
file(GLOB headers "${INCLUDE_DIR}/nnbasics/*.h")
file(MAKE_DIRECTORY "${WORK}")
find_program(CXX NAMES c++ g++ clang++)
set(count 0)
# mpi.h needs the MPI library's <mpi.h>: checked with MPI_INCLUDE_DIRS (a ;-list) when the build has MPI.
set(mpi_flags "")
foreach(dir IN LISTS MPI_INCLUDE_DIRS)
  list(APPEND mpi_flags "-I${dir}")
endforeach()
foreach(header IN LISTS headers)
  get_filename_component(name "${header}" NAME)
  set(extra "")
  if(name STREQUAL "mpi.h")
    if(NOT MPI_INCLUDE_DIRS)
      message(STATUS "mpi.h not checked: this build has no MPI (NNB_WITH_MPI OFF)")
      continue()
    endif()
    set(extra ${mpi_flags})
  endif()
  set(src "${WORK}/${name}.c")
  file(WRITE "${src}" "#include <nnbasics/${name}>\nint nnb_header_check_unit;\n")
  execute_process(COMMAND "${CC}" -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only
                          -I${INCLUDE_DIR} -I${GENERATED_INCLUDE_DIR} ${extra} "${src}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} does not compile alone as C:\n${err}")
  endif()
  if(CXX)
    execute_process(COMMAND "${CXX}" -x c++ -std=c++11 -Wall -Werror -fsyntax-only
                            -I${INCLUDE_DIR} -I${GENERATED_INCLUDE_DIR} ${extra} "${src}"
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${name} does not compile alone as C++:\n${err}")
    endif()
  endif()
  math(EXPR count "${count} + 1")
endforeach()
message(STATUS "${count} public headers compile alone")
