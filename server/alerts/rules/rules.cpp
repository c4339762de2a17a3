#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

std::vector<RuleKindPtr> allRuleKinds() {
  std::vector<RuleKindPtr> list;
  list.push_back(makeThreshold());
  list.push_back(makeAbsence());
  list.push_back(makeState());
  list.push_back(makePrediction());
  list.push_back(makeBackupStale());
  list.push_back(makeBackupDamaged());
  return list;
}

std::vector<std::pair<std::string, Reading>> freshReadings(const RuleConfig& rule,
                                                           const HostView& host, Time now) {
  Time maxAge = rule.params.value("max_age_seconds", 900);
  bool hostWideOnly = rule.params.value("host_wide_only", false);
  std::vector<std::pair<std::string, Reading>> out;
  if (!host.latest) return {};
  auto it = host.latest->lower_bound({rule.metric, ""});
  for (; it != host.latest->end() && it->first.first == rule.metric; ++it) {
    if (hostWideOnly && !it->first.second.empty()) continue;
    if (it->second.t < now - maxAge) continue;  // gone (unplugged disk) or not sent lately
    out.emplace_back(it->first.second, it->second);
  }
  return out;
}

}  // namespace parc::server::alerts::rules
