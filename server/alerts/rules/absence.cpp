#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// The agent is silent: no metrics and no control-channel frame for `silent_minutes`
// (Tactical RMM's "overdue", 30 minutes by default). A host never seen is not silent:
// it is not installed yet.
class Absence : public RuleKind {
 public:
  std::string_view kind() const override { return "absence"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                               const OpenSeverities&) const override {
    double minutes = rule.params.value("silent_minutes", 30.0);
    if (host.lastSeen <= 0 || now - host.lastSeen <= minutes * 60) return {};
    return {{"", rule.severity, double(now - host.lastSeen) / 60.0}};
  }
};

}  // namespace

RuleKindPtr makeAbsence() {
  return std::make_unique<Absence>();
}

}  // namespace parc::server::alerts::rules
