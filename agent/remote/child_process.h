#pragma once
// A helper program run by remote support (consent dialog, notification, VNC server):
// its own process group, stdin from /dev/null, killed (group-wide) by its owner's
// destruction so that nothing outlives the session.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace parc::agent::remote {

class ChildProcess {
 public:
  /// Starts argv[0] (searched in PATH); kUnavailable when it cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// The exit code once it has ended within `timeout` (-signal when killed by one).
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running();
  /// SIGTERM to the group, then SIGKILL after `grace`.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

/// Runs to completion within `timeout` (killed past it: nullopt).
std::optional<int> runWithTimeout(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout);

}  // namespace parc::agent::remote
