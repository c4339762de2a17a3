#include "server/control/report_latency.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace parc::server::control {

namespace {
constexpr std::array<const char*, ReportLatency::kStageCount> kNames = {"queued", "store", "health",
                                                                        "finish", "answered"};

// The q-quantile of a non-empty `v` (reordered in place).
float quantile(std::vector<float>& v, double q) {
  auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

// "p50 1.2 / p99 35 / max 80 ms" of `v` (reordered in place).
std::string percentiles(std::vector<float>& v) {
  float p50 = quantile(v, 0.50), p99 = quantile(v, 0.99);
  float max = *std::max_element(v.begin(), v.end());
  return fmt::format("p50 {:.1f} / p99 {:.1f} / max {:.0f} ms", p50, p99, max);
}
}  // namespace

void ReportLatency::add(Stage stage, Clock::duration d) {
  float ms = std::chrono::duration<float, std::milli>(d).count();
  std::lock_guard lock(mutex_);
  if (ms_[stage].size() < kMaxSamples) ms_[stage].push_back(ms);
}

ReportLatency::Answered ReportLatency::lastAnswered() {
  std::lock_guard lock(mutex_);
  return lastAnswered_;
}

void ReportLatency::maybeLog(Clock::time_point now) {
  log(now, false);
}

void ReportLatency::log(Clock::time_point now, bool early) {
  std::array<std::vector<float>, kStageCount> taken;
  Clock::duration over{};
  {
    std::lock_guard lock(mutex_);
    if (!early && now - since_ < period_) return;
    over = now - since_;
    since_ = now;
    taken.swap(ms_);
  }
  if (taken[kAnswered].empty()) return;
  auto& answered = taken[kAnswered];
  Answered figures{answered.size(), 0, quantile(answered, 0.50) / 1000.0,
                   quantile(answered, 0.99) / 1000.0};
  for (float ms : answered) figures.sumSeconds += ms / 1000.0;
  {
    std::lock_guard lock(mutex_);
    lastAnswered_ = figures;
  }
  std::string line = fmt::format("reports over the channel: {} in {} s", taken[kAnswered].size(),
                                 std::chrono::duration_cast<std::chrono::seconds>(over).count());
  for (std::size_t s = 0; s < kStageCount; ++s) {
    if (!taken[s].empty()) line += fmt::format("; {} {}", kNames[s], percentiles(taken[s]));
  }
  spdlog::info("{}", line);
}

}  // namespace parc::server::control
