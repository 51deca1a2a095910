# SPDX-License-Identifier: MIT
# Every public header compiles on its own (it includes what it needs) with the C compiler in C11 pedantic
# mode, and as C++ (extern "C" guards) when a C++ compiler is found.
file(GLOB headers "${INCLUDE_DIR}/nnbasics/*.h")
file(MAKE_DIRECTORY "${WORK}")
find_program(CXX NAMES c++ g++ clang++)
set(count 0)
foreach(header IN LISTS headers)
  get_filename_component(name "${header}" NAME)
  set(src "${WORK}/${name}.c")
  file(WRITE "${src}" "#include <nnbasics/${name}>\nint nnb_header_check_unit;\n")
  execute_process(COMMAND "${CC}" -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only
                          -I${INCLUDE_DIR} -I${GENERATED_INCLUDE_DIR} "${src}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} does not compile alone as C:\n${err}")
  endif()
  if(CXX)
    execute_process(COMMAND "${CXX}" -x c++ -std=c++11 -Wall -Werror -fsyntax-only
                            -I${INCLUDE_DIR} -I${GENERATED_INCLUDE_DIR} "${src}"
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${name} does not compile alone as C++:\n${err}")
    endif()
  endif()
  math(EXPR count "${count} + 1")
endforeach()
message(STATUS "${count} public headers compile alone")
