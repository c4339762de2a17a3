# One INTERFACE target carries the flags every Parc target shares.
add_library(parc_settings INTERFACE)
target_compile_features(parc_settings INTERFACE cxx_std_20)
target_include_directories(parc_settings INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_definitions(parc_settings INTERFACE
  PARC_VERSION="${PROJECT_VERSION}"
  # Boost 1.74 looks for <experimental/coroutine>; clang-tidy/clangd need these to see awaitable.
  BOOST_ASIO_HAS_CO_AWAIT=1
  BOOST_ASIO_HAS_STD_COROUTINE=1
  BOOST_ASIO_NO_DEPRECATED
  BOOST_BEAST_USE_STD_STRING_VIEW)
target_compile_options(parc_settings INTERFACE -Wall -Wextra -Wpedantic
  # g++ needs -fcoroutines in C++20; clang refuses the flag.
  $<$<CXX_COMPILER_ID:GNU>:-fcoroutines>
  # g++ 12 reports std::optional members as maybe-uninitialized at -O2 (GCC bug 80635):
  # noise that would make -Werror builds depend on the optimiser's mood.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
# Debug information as line tables (-g1 for optimised builds), compressed (-gz): backtraces,
# sanitizer reports and perf keep file:line, and the two build trees shrink from 13 GB to a
# few (full DWARF filled a CI disk). The debug build keeps full -g for gdb.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(parc_settings INTERFACE $<$<CONFIG:RelWithDebInfo>:-g1> -gz)
  target_link_options(parc_settings INTERFACE -gz)
endif()
if(PARC_WERROR)
  target_compile_options(parc_settings INTERFACE -Werror)
endif()
if(PARC_SANITIZE)
  target_compile_options(parc_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                         -fno-sanitize-recover=undefined)
  target_link_options(parc_settings INTERFACE -fsanitize=address,undefined)
endif()
