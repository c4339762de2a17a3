# parc_add_library(<name> SOURCES ... DEPS ...): a static library parc_<name>, alias parc::<name>.
function(parc_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(parc_${name} STATIC ${ARG_SOURCES})
  add_library(parc::${name} ALIAS parc_${name})
  target_link_libraries(parc_${name} PUBLIC parc_settings ${ARG_DEPS})
endfunction()

# parc_add_test(<name> SOURCES ... DEPS ... LABELS kind;capability [TIMEOUT s]
#               [SERIAL Suite.Test ...]):
# one GoogleTest executable; every test in it carries the labels. SERIAL tests run with no
# other test beside them (a race between threads that a busy machine would starve).
function(parc_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS;SERIAL" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE parc_settings ${ARG_DEPS} GTest::gtest_main GTest::gmock)
  target_compile_definitions(${name} PRIVATE
    PARC_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PARC_BINARY_DIR="${PROJECT_BINARY_DIR}")
  gtest_discover_tests(${name}
    TEST_LIST ${name}_TESTS
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
  # Labels as a list do not survive gtest_discover_tests' PROPERTIES (it splits them):
  # set them from a script CTest includes after the discovered list.
  set(label_script "${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake")
  set(properties
    "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\nendif()\n")
  foreach(test IN LISTS ARG_SERIAL)
    string(APPEND properties
      "list(FIND ${name}_TESTS ${test} at)\nif(NOT at EQUAL -1)\n"
      "  set_tests_properties(${test} PROPERTIES RUN_SERIAL TRUE)\nendif()\n")
  endforeach()
  file(WRITE "${label_script}" "${properties}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${label_script}")
endfunction()
