#include <cmath>

#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// "Disk full in less than 7 days" (Netdata's disk fill prediction): a least-squares
// line through the last `window_hours` of usage, extrapolated to `full_at` %. A flat
// or shrinking disk, or too few points, predicts nothing.
class Prediction : public RuleKind {
 public:
  std::string_view kind() const override { return "prediction"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                               const OpenSeverities&) const override {
    if (!host.history) return {};
    double days = rule.params.value("days", 7.0);
    double windowHours = rule.params.value("window_hours", 24.0);
    double fullAt = rule.params.value("full_at", 100.0);
    std::size_t minPoints = rule.params.value("min_points", 6);
    std::vector<Condition> out;
    for (const auto& [subject, r] : freshReadings(rule, host, now)) {
      auto points = host.history(rule.metric, subject, now - Time(windowHours * 3600));
      if (points.size() < minPoints) continue;
      // Span at least a quarter of the window, or noise passes for a trend.
      if (points.back().first - points.front().first < windowHours * 3600 / 4) continue;
      double n = double(points.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
      Time t0 = points.front().first;
      for (const auto& [t, v] : points) {
        double x = double(t - t0);
        sx += x;
        sy += v;
        sxx += x * x;
        sxy += x * v;
      }
      double denom = n * sxx - sx * sx;
      if (denom <= 0) continue;
      double slope = (n * sxy - sx * sy) / denom;  // % per second
      if (slope <= 0) continue;
      double secondsLeft = (fullAt - r.value) / slope;
      if (secondsLeft < 0) secondsLeft = 0;
      if (secondsLeft < days * 86400) {
        out.push_back({subject, rule.severity, std::round(secondsLeft / 3600.0 * 10) / 10});
      }
    }
    return out;
  }
};

}  // namespace

RuleKindPtr makePrediction() {
  return std::make_unique<Prediction>();
}

}  // namespace parc::server::alerts::rules
