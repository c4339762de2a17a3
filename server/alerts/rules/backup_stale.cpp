#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// The host's last successful backup is older than `hours`. Inert until the backup
// feature provides HostView::lastBackup (hosts without backup data never match).
class BackupStale : public RuleKind {
 public:
  std::string_view kind() const override { return "backup_stale"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time now,
                               const OpenSeverities&) const override {
    if (!host.lastBackup) return {};
    auto last = host.lastBackup();
    if (!last) return {};
    double hours = rule.params.value("hours", 48.0);
    if (now - *last <= hours * 3600) return {};
    return {{"", rule.severity, double(now - *last) / 3600.0}};
  }
};

}  // namespace

RuleKindPtr makeBackupStale() {
  return std::make_unique<BackupStale>();
}

}  // namespace parc::server::alerts::rules
