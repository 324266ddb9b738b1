# Runs one golden CLI case and compares its transcript with the expected file.
#   -DBIN=chokepoint -DCASE=<dir with 'args' (one argument per line)> -DWORKDIR=<source dir>
#   -DEXPECTED=<file> [-DUPDATE=1]
# The transcript is stdout, then stderr, then the exit code, so a reviewer reads one diff.
file(STRINGS "${CASE}/args" args ENCODING UTF-8)
set(ENV{NO_COLOR} 1)
set(ENV{LC_ALL} C)
execute_process(COMMAND ${BIN} ${args}
                WORKING_DIRECTORY ${WORKDIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
                TIMEOUT 120)
list(JOIN args " " shown)
set(transcript "$ chokepoint ${shown}\n${out}--- stderr\n${err}--- exit ${rc}\n")
if(UPDATE OR "$ENV{CHOKEPOINT_UPDATE_GOLDEN}")
  file(WRITE ${EXPECTED} "${transcript}")
  message(STATUS "updated ${EXPECTED}")
  return()
endif()
if(NOT EXISTS ${EXPECTED})
  message(FATAL_ERROR "no expected file ${EXPECTED}; run with CHOKEPOINT_UPDATE_GOLDEN=1 and review the diff")
endif()
file(READ ${EXPECTED} expected)
if(NOT transcript STREQUAL expected)
  get_filename_component(name ${EXPECTED} NAME)
  set(actual_file ${CMAKE_CURRENT_BINARY_DIR}/${name}.actual)
  file(WRITE ${actual_file} "${transcript}")
  execute_process(COMMAND diff -u ${EXPECTED} ${actual_file})
  message(FATAL_ERROR "output differs from ${EXPECTED} (CHOKEPOINT_UPDATE_GOLDEN=1 ctest -R golden rewrites it)")
endif()
