# JSON Schema cross-check.
# docs/schema/dataset.schema.json must accept every data file and the valid fixture, and reject
# every tests/data/schema/invalid-*.yaml; `chokepoint validate` must agree on the fixtures.
# The checker needs Debian's python3-jsonschema and python3-yaml, i.e. /usr/bin/python3
# (not a pyenv python3 from PATH).
set(CHOKEPOINT_SCHEMA_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with jsonschema and PyYAML for the schema tests")
if(EXISTS ${CHOKEPOINT_SCHEMA_PYTHON})
  set(schema_check ${CHOKEPOINT_SCHEMA_PYTHON} ${PROJECT_SOURCE_DIR}/tests/schema/check_schema.py
                   docs/schema/dataset.schema.json)
  file(GLOB schema_invalid RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/tests/data/schema/invalid-*.yaml)

  # Every data file (with its yaml-language-server modeline) passes the schema.
  add_test(NAME schema.data COMMAND ${schema_check} data
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

  set_tests_properties(schema.data schema.fixture_valid schema.fixture_valid_loader schema.fixtures_invalid
                       schema.modeline_checked PROPERTIES LABELS schema)
else()
  message(STATUS "schema tests skipped: ${CHOKEPOINT_SCHEMA_PYTHON} not found")
endif()
