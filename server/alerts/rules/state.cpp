#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// A state reported by the agent as a number: SMART failing (smart.healthy = 0), a
// failed unit (systemd.unit_failed = 1), a stuck print job (printer.stuck_jobs ≥ 1).
// params: "op" "eq" or "ge", "value".
class State : public RuleKind {
 public:
  std::string_view kind() const override { return "state"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                               const OpenSeverities&) const override {
    std::string op = rule.params.value("op", "eq");
    double target = rule.params.value("value", 0.0);
    std::vector<Condition> out;
    for (const auto& [subject, r] : freshReadings(rule, host, now)) {
      bool holds = op == "ge" ? r.value >= target : r.value == target;
      if (holds) out.push_back({subject, rule.severity, r.value});
    }
    return out;
  }
};

}  // namespace

RuleKindPtr makeState() {
  return std::make_unique<State>();
}

}  // namespace parc::server::alerts::rules
