# JSON Schema cross-check.
# docs/schema/dataset.schema.json and docs/schema/scenario.schema.json must accept every data file
# (each file's modeline says which schema is its) and the valid fixtures, and reject every
# invalid-*.yaml fixture; `chokepoint validate` must agree on the fixtures.
# The checker needs Debian's python3-jsonschema and python3-yaml, i.e. /usr/bin/python3
# (not a pyenv python3 from PATH).
set(CHOKEPOINT_SCHEMA_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with jsonschema and PyYAML for the schema tests")
if(EXISTS ${CHOKEPOINT_SCHEMA_PYTHON})
  set(schema_checker ${CHOKEPOINT_SCHEMA_PYTHON} ${PROJECT_SOURCE_DIR}/tests/schema/check_schema.py)
  set(schema_check ${schema_checker} docs/schema/dataset.schema.json)
  set(scenario_check ${schema_checker} docs/schema/scenario.schema.json)
  file(GLOB schema_invalid RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/data/schema/invalid-*.yaml)
  file(GLOB scenario_valid RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/data/schema-scenario/valid-*.yaml)
  file(GLOB scenario_invalid RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/data/schema-scenario/invalid-*.yaml)

  # Every data file passes the schema its yaml-language-server modeline names, which must be a
  # schema in docs/schema: datasets (data/example, data/rare-earths) and scenarios
  # (data/scenarios) in one run.
  add_test(NAME schema.data COMMAND ${schema_checker} docs/schema data
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # The fixture with every key of every section passes the schema and the loader.
  add_test(NAME schema.fixture_valid COMMAND ${schema_check} tests/data/schema/valid.yaml
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME schema.fixture_valid_loader COMMAND chokepoint validate tests/data/schema/valid.yaml
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # Every invalid-*.yaml fails the schema ...
  add_test(NAME schema.fixtures_invalid COMMAND ${schema_check} --expect-invalid ${schema_invalid}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # ... and the loader (an error diagnostic, not a crash: the regex replaces the exit-code check).
  foreach(fixture ${schema_invalid})
    get_filename_component(name ${fixture} NAME_WE)
    add_test(NAME schema.loader_rejects.${name} COMMAND chokepoint validate ${fixture}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(schema.loader_rejects.${name} PROPERTIES PASS_REGULAR_EXPRESSION "error\\[E[0-9]+\\]")
    set_property(TEST schema.loader_rejects.${name} APPEND PROPERTY LABELS schema)
  endforeach()
  # The modeline check itself: a modeline that misses the schema fails the run.
  add_test(NAME schema.modeline_checked COMMAND ${schema_check} tests/data/schema/modeline-wrong.yaml
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(schema.modeline_checked PROPERTIES
                       PASS_REGULAR_EXPRESSION "1 without a correct modeline")

  # Scenarios: the valid fixtures (every key, every enum value, every null the loader allows,
  # an include) pass the scenario schema and the loader against data/example ...
  add_test(NAME schema.scenario_fixtures_valid COMMAND ${scenario_check} ${scenario_valid}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME schema.scenario_fixtures_valid_loader
           COMMAND chokepoint validate --dataset data/example ${scenario_valid}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # ... every invalid-*.yaml fails the schema with the problem its '# expect-schema:' line names ...
  add_test(NAME schema.scenario_fixtures_invalid COMMAND ${scenario_check} --expect-invalid ${scenario_invalid}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # ... and the loader with the code its '# expect-loader: E...' line names.
  foreach(fixture ${scenario_invalid})
    get_filename_component(name ${fixture} NAME_WE)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${fixture})
    file(STRINGS ${PROJECT_SOURCE_DIR}/${fixture} expect REGEX "^# expect-loader: E[0-9]+$")
    if(NOT expect)
      message(FATAL_ERROR "${fixture} has no '# expect-loader: E...' line")
    endif()
    string(REGEX REPLACE "^# expect-loader: (E[0-9]+)$" "\\1" code "${expect}")
    add_test(NAME schema.scenario_loader_rejects.${name}
             COMMAND chokepoint validate --dataset data/example ${fixture}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(schema.scenario_loader_rejects.${name} PROPERTIES
                         PASS_REGULAR_EXPRESSION "error\\[${code}\\]")
    set_property(TEST schema.scenario_loader_rejects.${name} APPEND PROPERTY LABELS schema)
  endforeach()
  # Schemas chosen by modeline: datasets and scenarios in one run; a file whose modeline is
  # missing, or names no schema in docs/schema, fails the run.
  add_test(NAME schema.modeline_selects_schema
           COMMAND ${schema_checker} --schema-from-modeline tests/data/schema/valid.yaml ${scenario_valid}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  add_test(NAME schema.modeline_selection_checked
           COMMAND ${schema_checker} docs/schema tests/data/schema/modeline-wrong.yaml
                   tests/data/schema-scenario/modeline-none.yaml
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set_tests_properties(schema.modeline_selection_checked PROPERTIES
                       PASS_REGULAR_EXPRESSION "2 without a correct modeline")

  set_tests_properties(schema.data schema.fixture_valid schema.fixture_valid_loader schema.fixtures_invalid
                       schema.modeline_checked schema.scenario_fixtures_valid schema.scenario_fixtures_valid_loader
                       schema.scenario_fixtures_invalid schema.modeline_selects_schema
                       schema.modeline_selection_checked PROPERTIES LABELS schema)
else()
  message(STATUS "schema tests skipped: ${CHOKEPOINT_SCHEMA_PYTHON} not found")
endif()
