#pragma once
// Waiting in tests for something another thread or process brings about, bounded in time.
#include <chrono>
#include <functional>
#include <thread>

namespace parc::testing {

/// Looks at `condition` every `poll` until it holds or `timeout` has passed; whether it
/// held at the last look.
inline bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                    std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

}  // namespace parc::testing
