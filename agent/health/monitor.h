#pragma once
// The agent's health loop body: runs the samplers (the slow ones at their own
// interval), builds the metrics batch, and checks the few local thresholds that must
// raise an event at once, even while the server cannot be reached (docs/health.md).
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/health/sampler.h"
#include "common/json/json.h"

namespace parc::agent::health {

/// A condition checked on the agent itself, with hysteresis: raised when `metric`
/// reaches `raiseAt`, cleared when it comes back past `clearAt`.
struct LocalThreshold {
  std::string rule;    // "disk_almost_full"
  std::string metric;  // "disk.used_pct"
  bool above = true;   // raise when value >= raiseAt (else <= raiseAt)
  double raiseAt = 0;
  double clearAt = 0;
  std::string severity;  // "warning" or "critical"
};

/// Disk ≥ 95 % (cleared below 90 %), SMART failing, a reboot.
std::vector<LocalThreshold> defaultLocalThresholds();

struct HealthSample {
  Json metrics;              // the "metrics" message payload
  std::vector<Json> events;  // "event" message payloads, in order
};

class HealthMonitor {
 public:
  HealthMonitor(HealthContext context, std::vector<SamplerPtr> samplers,
                std::chrono::seconds interval = std::chrono::seconds(60),
                std::chrono::seconds slowInterval = std::chrono::seconds(3600),
                std::vector<LocalThreshold> thresholds = defaultLocalThresholds(),
                std::chrono::seconds firstSlowAfter = std::chrono::seconds(0));

  /// One round: every fast sampler, the slow ones when due. Never throws for what the
  /// system reports; a sampler that throws costs its own metrics and adds a warning.
  HealthSample sample();

 private:
  std::vector<Json> checkThresholds(const std::vector<Metric>& metrics, std::int64_t now);

  HealthContext context_;
  std::vector<SamplerPtr> samplers_;
  std::chrono::seconds interval_;
  std::chrono::seconds slowInterval_;
  std::vector<LocalThreshold> thresholds_;
  std::chrono::seconds firstSlowAfter_;
  std::int64_t startedAt_ = 0;
  std::int64_t lastSlowRun_ = 0;
  std::set<std::pair<std::string, std::string>> raised_;  // (rule, subject)
};

/// The metrics payload of a batch (docs/health.md, "Metrics batch").
Json metricsPayload(const std::vector<Metric>& metrics, std::int64_t collectedAt,
                    std::chrono::seconds interval, const std::vector<std::string>& warnings);

}  // namespace parc::agent::health
