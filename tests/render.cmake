# Diagram, export and diff tests that go beyond one layer (issue 6). Included from
# tests/CMakeLists.txt after the per-layer unit tests.

# Graphviz tests run one at a time: layouts are CPU-heavy and Graphviz is not thread-safe. The
# per-layer loop discovers render_test's cases at build time, so their properties are set by a
# script that CTest runs after it has read the discovered list (render_test_TESTS).
if(TARGET render_test)
  set(serial_script ${CMAKE_CURRENT_BINARY_DIR}/render_test_serial.cmake)
  file(WRITE ${serial_script}
       "if(DEFINED render_test_TESTS)\n"
       "  set_tests_properties(\${render_test_TESTS} PROPERTIES RUN_SERIAL TRUE LABELS \"unit;graphviz\")\n"
       "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${serial_script})
endif()

# GraphML read back by NetworkX (Debian's python3-networkx), compared with the JSON export.
find_program(CHOKEPOINT_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(CHOKEPOINT_SYSTEM_PYTHON)
  add_test(NAME render.graphml_networkx
           COMMAND ${CHOKEPOINT_SYSTEM_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/render/check_graphml.py
                   $<TARGET_FILE:chokepoint> ${PROJECT_SOURCE_DIR}/data/example ${PROJECT_SOURCE_DIR}/data/rare-earths)
  set_tests_properties(render.graphml_networkx PROPERTIES LABELS "render;python" SKIP_RETURN_CODE 77)
endif()
