# SPDX-License-Identifier: MIT
# Runs EXE, saves its output, and compares it with EXPECTED using the CHECKER program.
# EMULATOR, when set, runs both programs (node for the WebAssembly build).
execute_process(COMMAND ${EMULATOR} "${EXE}" OUTPUT_FILE "${OUT}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} exited with ${rc}")
endif()
execute_process(COMMAND ${EMULATOR} "${CHECKER}" "${EXPECTED}" "${OUT}" RESULT_VARIABLE rc)
file(READ "${OUT}" text)
file(READ "${EXPECTED}" want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "output differs from ${EXPECTED}:\n${text}")
endif()
# The numbers agree within the checker's tolerance; the whole text must be the same as well.
if(NOT text STREQUAL want)
  message(FATAL_ERROR "output is not the text of ${EXPECTED}:\n--- expected\n${want}--- printed\n${text}")
endif()
