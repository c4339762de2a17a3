#pragma once
// Real processes for integration tests: parc-server, parc-agent and parcctl started
// from the build tree on 127.0.0.1 with ports chosen by the OS, in temporary
// directories, every wait bounded.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/json/json.h"
#include "tests/common/wait.h"  // waitFor

namespace parc::testing {

/// A fresh directory, removed with its content at the end of the test.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exitCode = -1;
  std::string out;
  std::string err;
};

/// Runs a program to completion (killed past `timeout`), feeding `input` on stdin.
RunResult runProgram(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {},
                     const std::string& input = "",
                     std::chrono::seconds timeout = std::chrono::seconds(60));

/// A program running in the background; SIGTERM then SIGKILL at destruction.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::filesystem::path& logPrefix,
          const std::map<std::string, std::string>& env = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  /// SIGTERM and wait (bounded); returns the exit code (-signal when killed).
  int stop(std::chrono::seconds timeout = std::chrono::seconds(15));
  void kill9();
  bool running();
  std::string stderrText() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::filesystem::path logPrefix_;
  int status_ = 0;
  bool reaped_ = false;
};

std::string binary(const std::string& name);  // path of parc-server, parc-agent, parcctl

/// A 127.0.0.1 port nothing listens on now (for a listener started later at a known port).
std::uint16_t freeLoopbackPort();

/// Waits until a helper script (tests/integration/*.py) prints "ready PORT" in
/// `stdoutFile`: the port it listens on; 0 when it exited first or said nothing within
/// `timeout` (the helper's stderr tells why).
std::uint16_t waitHelperReady(Process& helper, const std::filesystem::path& stdoutFile,
                              std::chrono::milliseconds timeout);

/// A running parc-server with its URLs, CA fingerprint and first admin password.
class ServerFixture {
 public:
  explicit ServerFixture(const std::filesystem::path& dataDir, std::uint16_t agentPort = 0,
                         std::uint16_t consolePort = 0,
                         const std::vector<std::string>& extraArgs = {});
  std::string agentUrl, consoleUrl, caFingerprint, adminPassword;
  std::uint16_t agentPort = 0, consolePort = 0;
  Process& process() { return *process_; }
  int stop() { return process_->stop(); }

 private:
  std::unique_ptr<Process> process_;
};

/// parcctl with its own session file in `home`.
class Parcctl {
 public:
  explicit Parcctl(std::filesystem::path home) : home_(std::move(home)) {}
  RunResult run(std::vector<std::string> args, const std::string& input = "") const;
  /// Runs with --json and parses the output; fails the test on a non-zero exit.
  Json json(std::vector<std::string> args) const;
  void login(const ServerFixture& server) const;

 private:
  std::filesystem::path home_;
};

}  // namespace parc::testing
