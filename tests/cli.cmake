# Golden CLI tests: every tests/golden/<case>/args, and every invalid fixture under
# tests/data/invalid (validated with its expected diagnostics next to it).
file(GLOB golden_cases LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/golden/*)
foreach(dir ${golden_cases})
  if(EXISTS ${dir}/args)
    get_filename_component(name ${dir} NAME)
    add_test(NAME golden.${name}
             COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:chokepoint> -DCASE=${dir}
                     -DWORKDIR=${PROJECT_SOURCE_DIR} -DEXPECTED=${dir}/expected.txt
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/golden_case.cmake)
    set_tests_properties(golden.${name} PROPERTIES LABELS golden)
  endif()
endforeach()

# One fixture per diagnostic code: tests/data/invalid/<CODE>-<what>.yaml (or a directory).
file(GLOB invalid_fixtures LIST_DIRECTORIES true ${CMAKE_CURRENT_SOURCE_DIR}/data/invalid/*)
foreach(fixture ${invalid_fixtures})
  get_filename_component(name ${fixture} NAME_WE)
  get_filename_component(ext ${fixture} EXT)
  if(ext STREQUAL ".expected")
    continue()
  endif()
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${fixture})
  set(case_dir ${CMAKE_CURRENT_BINARY_DIR}/invalid/${name})
  file(MAKE_DIRECTORY ${case_dir})
  # Fixtures named *strict* are validated with --strict (the W40x source and staleness checks).
  if(name MATCHES "strict")
    file(WRITE ${case_dir}/args "validate\n--strict\n${rel}\n")
  else()
    file(WRITE ${case_dir}/args "validate\n${rel}\n")
  endif()
  add_test(NAME invalid.${name}
           COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:chokepoint> -DCASE=${case_dir}
                   -DWORKDIR=${PROJECT_SOURCE_DIR}
                   -DEXPECTED=${CMAKE_CURRENT_SOURCE_DIR}/data/invalid/${name}.expected
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/golden_case.cmake)
  set_tests_properties(invalid.${name} PROPERTIES LABELS invalid)
endforeach()
