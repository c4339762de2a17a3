#pragma once
// A background task run at once, then at a fixed interval, on a thread of its own until
// the owner is destroyed (the retention purges of the server's stores).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace parc {

class PeriodicThread {
 public:
  /// `work` may be long: it asks `keepGoing` between its steps, false once stopping.
  using Work = std::function<void(const std::function<bool()>& keepGoing)>;
  /// `name` names the thread (nameThisThread: at most 15 characters kept).
  PeriodicThread(std::string name, std::chrono::milliseconds interval, Work work);
  /// Wakes the thread and waits for the round in progress, if any.
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

 private:
  bool stopping();
  void run();

  std::chrono::milliseconds interval_;
  Work work_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace parc
