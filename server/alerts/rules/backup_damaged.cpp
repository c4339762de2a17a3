#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

// Backup verification found a pack or snapshot this host's backups depend on damaged
// (server/backup/damage.h): one alert per pack or snapshot, its text built by the
// backup side (which pack, which snapshots, what is lost). The condition holds until a
// complete verification pass no longer finds it.
class BackupDamaged : public RuleKind {
 public:
  std::string_view kind() const override { return "backup_damaged"; }

  std::vector<Condition> check(const RuleConfig& rule, const HostView& host, Time,
                               const OpenSeverities&) const override {
    if (!host.backupDamage) return {};
    std::vector<Condition> out;
    for (auto& [subject, detail, snapshots] : host.backupDamage()) {
      out.push_back({subject, rule.severity, snapshots, detail});
    }
    return out;
  }
};

}  // namespace

RuleKindPtr makeBackupDamaged() {
  return std::make_unique<BackupDamaged>();
}

}  // namespace parc::server::alerts::rules
