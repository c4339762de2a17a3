#pragma once
// Running a helper program (smartctl) with a deadline: the agent must never hang on a
// disk that does not answer, so the child is killed when the deadline passes.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace parc::agent::collectors::linux_ {

struct RunResult {
  std::string output;  // standard output (at most maxOutput bytes)
  int exitCode = -1;   // -1 when killed or not started
  bool timedOut = false;
  std::string error;  // why it could not run, empty otherwise
};

/// Runs argv[0] (an absolute path; no shell, no PATH search) with stdin and stderr on
/// /dev/null, collecting stdout until exit or the timeout.
RunResult runProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                     std::size_t maxOutput = 4 << 20);

}  // namespace parc::agent::collectors::linux_
