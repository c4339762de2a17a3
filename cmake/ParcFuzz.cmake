# Fuzzing (docs/security.md, "Fuzzing"): libFuzzer targets for every parser that reads
# untrusted bytes. Needs clang (g++ has no libFuzzer):
#   CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DPARC_FUZZ=ON
# or scripts/fuzz.sh, which does that, builds the targets and runs each for a while.
option(PARC_FUZZ "Build the libFuzzer targets of tests/fuzz (clang only)" OFF)

if(PARC_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PARC_FUZZ needs clang (libFuzzer): CC=clang-14 CXX=clang++-14")
  endif()

  # Every library is instrumented for coverage and sanitized; the fuzz executables add
  # the libFuzzer driver (tests/fuzz/CMakeLists.txt). UB aborts instead of printing, so
  # that it counts as a crash.
  target_compile_options(parc_settings INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer -g)
  target_link_options(parc_settings INTERFACE -fsanitize=address,undefined)

  if(NOT PARC_BUILD_TESTS)
    enable_testing()
  endif()
  add_subdirectory(${PROJECT_SOURCE_DIR}/tests/fuzz ${PROJECT_BINARY_DIR}/tests/fuzz)
endif()
