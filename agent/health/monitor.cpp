#include "agent/health/monitor.h"

#include <cmath>
#include <cstdio>

namespace parc::agent::health {

std::vector<LocalThreshold> defaultLocalThresholds() {
  return {
      {"disk_almost_full", "disk.used_pct", true, 95, 90, "critical"},
      {"smart_failing", "smart.healthy", false, 0, 1, "critical"},
      {"rebooted", "system.rebooted", true, 1, 0, "info"},
  };
}

HealthMonitor::HealthMonitor(HealthContext context, std::vector<SamplerPtr> samplers,
                             std::chrono::seconds interval, std::chrono::seconds slowInterval,
                             std::vector<LocalThreshold> thresholds,
                             std::chrono::seconds firstSlowAfter)
    : context_(std::move(context)),
      samplers_(std::move(samplers)),
      interval_(interval),
      slowInterval_(slowInterval),
      thresholds_(std::move(thresholds)),
      firstSlowAfter_(firstSlowAfter) {}

Json metricsPayload(const std::vector<Metric>& metrics, std::int64_t collectedAt,
                    std::chrono::seconds interval, const std::vector<std::string>& warnings) {
  Json list = Json::array();
  for (const auto& m : metrics) {
    if (!std::isfinite(m.value)) continue;  // JSON has no NaN
    // Three decimals are plenty for every metric here and keep the batch small.
    Json item{{"name", m.name}, {"value", std::round(m.value * 1000) / 1000}};
    if (!m.subject.empty()) item["subject"] = m.subject;
    list.push_back(std::move(item));
  }
  Json payload{{"version", 1},
               {"collected_at", collectedAt},
               {"interval_seconds", interval.count()},
               {"metrics", std::move(list)}};
  if (!warnings.empty()) payload["warnings"] = warnings;
  return payload;
}

HealthSample HealthMonitor::sample() {
  std::int64_t now = context_.now();
  if (startedAt_ == 0) startedAt_ = now;
  bool slowDue = lastSlowRun_ == 0 ? now - startedAt_ >= firstSlowAfter_.count()
                                   : now - lastSlowRun_ >= slowInterval_.count();
  if (slowDue) lastSlowRun_ = now;
  std::vector<Metric> metrics;
  std::vector<std::string> warnings;
  for (auto& s : samplers_) {
    if (s->slow() && !slowDue) continue;
    try {
      s->sample(context_, metrics, warnings);
    } catch (const std::exception& e) {
      warnings.push_back(std::string(s->name()) + ": " + e.what());
    }
  }
  HealthSample out;
  out.events = checkThresholds(metrics, now);
  out.metrics = metricsPayload(metrics, now, interval_, warnings);
  return out;
}

std::vector<Json> HealthMonitor::checkThresholds(const std::vector<Metric>& metrics,
                                                 std::int64_t now) {
  std::vector<Json> events;
  for (const auto& t : thresholds_) {
    for (const auto& m : metrics) {
      if (m.name != t.metric) continue;
      auto key = std::make_pair(t.rule, m.subject);
      bool isRaised = raised_.count(key) > 0;
      bool reach = t.above ? m.value >= t.raiseAt : m.value <= t.raiseAt;
      bool clear = t.above ? m.value < t.clearAt : m.value > t.clearAt;
      std::string state;
      if (!isRaised && reach) {
        state = "raised";
        raised_.insert(key);
      } else if (isRaised && clear) {
        state = "cleared";
        raised_.erase(key);
      } else {
        continue;
      }
      if (t.rule == "rebooted") {  // a fact, not a condition: nothing to clear later
        raised_.erase(key);
        if (state != "raised") continue;
      }
      Json e{{"kind", "local_threshold"},
             {"rule", t.rule},
             {"state", state},
             {"severity", t.severity},
             {"metric", t.metric},
             {"value", m.value},
             {"at", now}};
      if (!m.subject.empty()) e["subject"] = m.subject;
      events.push_back(std::move(e));
    }
  }
  return events;
}

}  // namespace parc::agent::health
