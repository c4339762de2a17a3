#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// value > level (or < level for rules on a floor, like battery health), with Netdata's
// hysteresis: once at a severity, the alert keeps it until the value passes the
// level's clear value (disk: warning from 90 %, kept down to 80 %).
class Threshold : public RuleKind {
 public:
  std::string_view kind() const override { return "threshold"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                               const OpenSeverities& open) const override {
    std::vector<Condition> out;
    for (const auto& [subject, r] : freshReadings(rule, host, now)) {
      auto current = open.find(subject);
      auto beyond = [&](const std::optional<double>& level, const std::optional<double>& clear,
                        Severity s) {
        if (!level) return false;
        bool held = current != open.end() && current->second >= s;
        double limit = held && clear ? *clear : *level;
        return rule.above ? r.value > limit : r.value < limit;
      };
      if (beyond(rule.critical, rule.criticalClear, Severity::kCritical)) {
        out.push_back({subject, Severity::kCritical, r.value});
      } else if (beyond(rule.warning, rule.warningClear, Severity::kWarning)) {
        out.push_back({subject, Severity::kWarning, r.value});
      }
    }
    return out;
  }
};

}  // namespace

RuleKindPtr makeThreshold() {
  return std::make_unique<Threshold>();
}

}  // namespace parc::server::alerts::rules
