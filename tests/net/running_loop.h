#pragma once
// A server's event loop run on a thread of its own for a test's length, then stopped and
// joined, an early ASSERT included (a joinable thread left behind would terminate).
#include <chrono>
#include <thread>

#include "common/net/server.h"

namespace parc::testing {

class RunningLoop {
 public:
  explicit RunningLoop(net::EventLoop& loop,
                       std::chrono::milliseconds stopGrace = std::chrono::milliseconds(500))
      : loop_(loop), stopGrace_(stopGrace), thread_([&loop] { loop.run(); }) {}
  ~RunningLoop() {
    loop_.stop(stopGrace_);
    thread_.join();
  }
  RunningLoop(const RunningLoop&) = delete;
  RunningLoop& operator=(const RunningLoop&) = delete;

 private:
  net::EventLoop& loop_;
  std::chrono::milliseconds stopGrace_;
  std::thread thread_;
};

}  // namespace parc::testing
