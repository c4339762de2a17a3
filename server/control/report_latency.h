#pragma once
// Where a channel report's time goes on the server: waiting for a worker, then the group's
// store transaction, health (metrics store, rules' inputs) and the per-report finish. Under
// load, one line a minute in the log with each stage's p50 / p99 / max (docs/operations.md):
// what makes the slow percentiles slow is read there, not guessed.
#include <array>
#include <chrono>
#include <mutex>
#include <vector>

namespace parc::server::control {

class ReportLatency {
 public:
  using Clock = std::chrono::steady_clock;
  enum Stage { kQueued, kStore, kHealth, kFinish, kAnswered, kStageCount };

  explicit ReportLatency(Clock::duration period = std::chrono::minutes(1)) : period_(period) {}

  /// One report's (or, for kStore/kHealth/kFinish, one group's) time in `stage`.
  void add(Stage stage, Clock::duration d);
  /// Logs and starts a new period once `period` has passed since the last line.
  void maybeLog(Clock::time_point now = Clock::now());
  /// Logs what the current period holds, however short (at shutdown).
  void flush() { log(Clock::now(), true); }

  /// Arrival-to-answer figures of the last period logged (for /metrics).
  struct Answered {
    std::size_t count = 0;
    double sumSeconds = 0, p50Seconds = 0, p99Seconds = 0;
  };
  Answered lastAnswered();

 private:
  void log(Clock::time_point now, bool early);

  static constexpr std::size_t kMaxSamples = 500000;  // per stage and period: bounded memory
  std::mutex mutex_;
  Clock::duration period_;
  Clock::time_point since_ = Clock::now();
  std::array<std::vector<float>, kStageCount> ms_;
  Answered lastAnswered_;
};

}  // namespace parc::server::control
