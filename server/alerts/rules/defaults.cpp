#include "server/alerts/rules/rule.h"

namespace parc::server::alerts::rules {

namespace {

RuleConfig threshold(std::string id, std::string metric, bool above, std::optional<double> warn,
                     std::optional<double> warnClear, std::optional<double> crit,
                     std::optional<double> critClear, std::int64_t forSeconds, std::string summary,
                     Json params = Json::object()) {
  RuleConfig r;
  r.id = std::move(id);
  r.kind = "threshold";
  r.metric = std::move(metric);
  r.above = above;
  r.warning = warn;
  r.warningClear = warnClear;
  r.critical = crit;
  r.criticalClear = critClear;
  r.forSeconds = forSeconds;
  r.clearSeconds = 120;
  r.summary = std::move(summary);
  r.params = std::move(params);
  if (!r.params.contains("max_age_seconds")) r.params["max_age_seconds"] = 900;
  return r;
}

RuleConfig other(std::string id, std::string kind, std::string metric, Severity severity,
                 std::int64_t forSeconds, Json params, std::string summary) {
  RuleConfig r;
  r.id = std::move(id);
  r.kind = std::move(kind);
  r.metric = std::move(metric);
  r.severity = severity;
  r.forSeconds = forSeconds;
  r.clearSeconds = 120;
  r.params = std::move(params);
  r.summary = std::move(summary);
  return r;
}

}  // namespace

// Defaults for town-hall PCs (docs/health.md, "Default rules"): few, and only what a
// technician would act on. Netdata's disk levels and hysteresis; Tactical RMM's 30
// minutes before an agent is overdue.
std::vector<RuleConfig> defaultRules() {
  constexpr std::int64_t kSlow = 3 * 3600;  // SMART and apt are sampled hourly
  return {
      threshold("disk_usage", "disk.used_pct", true, 90, 80, 98, 90, 0,
                "{host} : disque {subject} rempli à {value} %"),
      threshold("cpu_usage", "cpu.usage_pct", true, 95, 85, std::nullopt, std::nullopt, 900,
                "{host} : processeur occupé à {value} % depuis 15 minutes",
                Json{{"host_wide_only", true}}),
      threshold("memory_usage", "mem.used_pct", true, 95, 85, std::nullopt, std::nullopt, 900,
                "{host} : mémoire utilisée à {value} % depuis 15 minutes"),
      threshold("temperature", "temp.celsius", true, 90, 80, 100, 90, 300,
                "{host} : température {subject} à {value} °C"),
      threshold("battery_worn", "battery.health_pct", false, 50, 55, std::nullopt, std::nullopt, 0,
                "{host} : batterie {subject} usée ({value} % de sa capacité d'origine)",
                Json{{"max_age_seconds", 900}}),
      other("host_silent", "absence", "", Severity::kWarning, 0, Json{{"silent_minutes", 30}},
            "{host} ne donne plus de nouvelles depuis {value} minutes"),
      other("smart_failing", "state", "smart.healthy", Severity::kCritical, 0,
            Json{{"op", "eq"}, {"value", 0}, {"max_age_seconds", kSlow}},
            "{host} : le disque {subject} annonce une panne (SMART)"),
      other("unit_failed", "state", "systemd.unit_failed", Severity::kWarning, 300,
            Json{{"op", "ge"}, {"value", 1}, {"max_age_seconds", 900}},
            "{host} : le service {subject} est en échec"),
      other("printer_stuck", "state", "printer.stuck_jobs", Severity::kWarning, 0,
            Json{{"op", "ge"}, {"value", 1}, {"max_age_seconds", 900}},
            "{host} : {value} impression(s) bloquée(s) sur {subject}"),
      other("time_unsynced", "state", "time.synced", Severity::kWarning, 3600,
            Json{{"op", "eq"}, {"value", 0}, {"max_age_seconds", 900}},
            "{host} : l'horloge n'est plus synchronisée depuis une heure"),
      other("disk_full_soon", "prediction", "disk.used_pct", Severity::kWarning, 0,
            Json{{"days", 7},
                 {"window_hours", 24},
                 {"full_at", 100},
                 {"min_points", 6},
                 {"max_age_seconds", 900}},
            "{host} : le disque {subject} sera plein dans {value} heures au rythme actuel"),
      other("backup_stale", "backup_stale", "", Severity::kWarning, 0, Json{{"hours", 48}},
            "{host} : pas de sauvegarde réussie depuis {value} heures"),
      // Fed by backup verification (server/backup/damage.h); resolved by a sound pass.
      other("backup_damaged", "backup_damaged", "", Severity::kCritical, 0, Json::object(),
            "Sauvegarde endommagée ({host}) : {detail}"),
      // Fed by the inventory ingest (server/api/host_clone_routes.cpp), not by metrics.
      other("clone_suspected", "state", "inventory.clone_suspected", Severity::kWarning, 0,
            Json{{"op", "eq"}, {"value", 1}, {"max_age_seconds", 7 * 24 * 3600}},
            "{host} : clone suspecté (même identité d'agent, matériel différent)"),
  };
}

}  // namespace parc::server::alerts::rules
