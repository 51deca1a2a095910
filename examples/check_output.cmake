# SPDX-License-Identifier: MIT
# Runs EXE, saves its output, and compares it with EXPECTED using the CHECKER program.
execute_process(COMMAND "${EXE}" OUTPUT_FILE "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}")
endif()
execute_process(COMMAND "${CHECKER}" "${EXPECTED}" "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(READ "${OUT}" text)
  message(FATAL_ERROR "output differs from ${EXPECTED}:\n${text}")
endif()
