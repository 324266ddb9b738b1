# `risk --shard K/4` as four processes, merged, must equal one `risk` run byte for byte.
# Included from tests/CMakeLists.txt.
add_test(NAME risk.shards_merge_equals_one_run
         COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:chokepoint> -DSOURCE=${PROJECT_SOURCE_DIR}
                 -DWORK=${CMAKE_CURRENT_BINARY_DIR}/risk-shards
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/risk/shards_merge.cmake)
set_tests_properties(risk.shards_merge_equals_one_run PROPERTIES LABELS risk)
