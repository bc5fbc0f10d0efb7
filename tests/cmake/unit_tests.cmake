# Registers the doctest cases of one area's unit test executable with ctest, one test per case,
# named unit.<area>.<file>.<case> (<file>: the source file test_<file>.cpp the case is in).
# One executable per area keeps the link steps few (each links the area's whole library); the
# names stay per file: each file's cases are listed and run with doctest's --source-file filter.
#
# Run by ctest (TEST_INCLUDE_FILES) after the build, so the list always matches the binary:
#   cmake -D EXE=<binary> -D AREA=<area> -D FILES=<stem;stem...> -D WORKDIR=<dir> -D OUT=<file>
#         -P unit_tests.cmake

set(script "")
foreach(stem ${FILES})
  set(filter "--source-file=*/test_${stem}.cpp")
  execute_process(COMMAND "${EXE}" ${filter} --list-test-cases --no-intro=true --no-version=true
                  OUTPUT_VARIABLE listing RESULT_VARIABLE rc WORKING_DIRECTORY "${WORKDIR}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${EXE} ${filter} --list-test-cases failed (${rc}):\n${listing}")
  endif()
  string(REPLACE ";" "\\;" listing "${listing}")
  string(REPLACE "\n" ";" lines "${listing}")
  foreach(case IN LISTS lines)
    if(case STREQUAL "" OR case MATCHES "^===" OR case MATCHES "^\\[doctest\\]")
      continue()
    endif()
    # doctest's filters: a comma separates filters, a backslash escapes it.
    string(REPLACE "," "\\," pattern "${case}")
    set(name "unit.${AREA}.${stem}.${case}")
    string(APPEND script
           "add_test([==[${name}]==] \"${EXE}\" [==[${filter}]==] [==[--test-case=${pattern}]==])\n"
           "set_tests_properties([==[${name}]==] PROPERTIES LABELS unit "
           "WORKING_DIRECTORY \"${WORKDIR}\")\n")
  endforeach()
endforeach()
file(WRITE "${OUT}" "${script}")
