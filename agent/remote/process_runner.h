#pragma once
// Runs a program for a remote action or script: fork/exec with an argv (never a shell
// line), a minimal environment, a timeout that kills the whole process group, and
// stdout/stderr captured up to a cap. Programs are looked up only in the configured
// directories ("commands root"), so tests point it at scripts of their own.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace parc::agent::remote {

struct RunLimits {
  std::chrono::milliseconds timeout{60000};
  std::size_t maxOutputBytes = 256 * 1024;  // per stream; the rest is read and dropped
};

struct RunOutcome {
  std::string command;  // argv joined, for logs and results
  int exitCode = -1;    // -1 when killed by a signal
  int signal = 0;
  bool timedOut = false;
  bool truncated = false;
  std::string out, err;
  std::int64_t durationMs = 0;
  bool succeeded() const { return exitCode == 0 && !timedOut; }
};

class ProcessRunner {
 public:
  /// `searchPath`: where programs are found, in order (default /usr/sbin, /usr/bin,
  /// /sbin, /bin); it is also the child's PATH.
  explicit ProcessRunner(std::vector<std::filesystem::path> searchPath = defaultPath());
  static std::vector<std::filesystem::path> defaultPath();

  /// The program's path in the search path, or nullopt.
  std::optional<std::filesystem::path> find(const std::string& program) const;
  /// Runs `program` (a name looked up in the search path) with `args`. kNotFound when
  /// the program is not there; kInternal when it cannot be started. A non-zero exit or
  /// a timeout is an outcome, not a throw. `extraEnv` ("NAME=value") is added to the
  /// minimal environment, for the rare caller that must pass one permission on purpose.
  RunOutcome run(const std::string& program, const std::vector<std::string>& args,
                 const RunLimits& limits = {}, const std::vector<std::string>& extraEnv = {}) const;

 private:
  std::vector<std::filesystem::path> searchPath_;
};

}  // namespace parc::agent::remote
