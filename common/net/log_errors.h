#pragma once
// Internal to parc_net: the completion handler every co_spawn gets, so that a
// coroutine's exception is logged (`detached` would drop it silently).
#include <spdlog/spdlog.h>

#include <exception>
#include <string>

namespace parc::net::detail {

inline auto logErrors(std::string what) {
  return [what = std::move(what)](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::warn("{}: {}", what, ex.what());
    }
  };
}

}  // namespace parc::net::detail
