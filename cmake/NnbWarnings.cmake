# SPDX-License-Identifier: MIT
# Warning flags for every target the project compiles (library, tests, examples, tools).
add_library(nnb_warnings INTERFACE)
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(nnb_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wundef)
  if(NNB_WERROR)
    target_compile_options(nnb_warnings INTERFACE -Werror)
  endif()
endif()
