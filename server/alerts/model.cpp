#include "server/alerts/model.h"

#include "common/error.h"

namespace parc::server::alerts {

const char* severityName(Severity s) {
  switch (s) {
    case Severity::kInfo: return "info";
    case Severity::kWarning: return "warning";
    case Severity::kCritical: return "critical";
  }
  return "warning";
}

Severity severityFromName(const std::string& name) {
  if (name == "info") return Severity::kInfo;
  if (name == "warning") return Severity::kWarning;
  if (name == "critical") return Severity::kCritical;
  throw Error(ErrorKind::kBadRequest, "severity must be info, warning or critical: " + name);
}

const char* stateName(AlertState s) {
  switch (s) {
    case AlertState::kFiring: return "firing";
    case AlertState::kAcknowledged: return "acknowledged";
    case AlertState::kResolved: return "resolved";
  }
  return "firing";
}

namespace {
template <typename T>
void putOpt(Json& j, const char* key, const std::optional<T>& v) {
  j[key] = v ? Json(*v) : Json(nullptr);
}
}  // namespace

Json RuleConfig::toJson() const {
  Json j{{"id", id},
         {"kind", kind},
         {"enabled", enabled},
         {"metric", metric},
         {"above", above},
         {"for_seconds", forSeconds},
         {"clear_seconds", clearSeconds},
         {"severity", severityName(severity)},
         {"params", params},
         {"summary", summary}};
  putOpt(j, "warning", warning);
  putOpt(j, "critical", critical);
  putOpt(j, "warning_clear", warningClear);
  putOpt(j, "critical_clear", criticalClear);
  return j;
}

void RuleConfig::merge(const Json& o) {
  if (!o.is_object()) throw Error(ErrorKind::kBadRequest, "rule override must be an object");
  auto number = [&](const Json& v, const std::string& key) {
    if (!v.is_number()) throw Error(ErrorKind::kBadRequest, key + " must be a number");
    return v.get<double>();
  };
  auto optNumber = [&](const Json& v, const std::string& key) -> std::optional<double> {
    if (v.is_null()) return std::nullopt;  // null switches a level off
    return number(v, key);
  };
  for (const auto& [key, v] : o.items()) {
    if (key == "enabled") {
      if (!v.is_boolean()) throw Error(ErrorKind::kBadRequest, "enabled must be true or false");
      enabled = v.get<bool>();
    } else if (key == "warning") {
      warning = optNumber(v, key);
    } else if (key == "critical") {
      critical = optNumber(v, key);
    } else if (key == "warning_clear") {
      warningClear = optNumber(v, key);
    } else if (key == "critical_clear") {
      criticalClear = optNumber(v, key);
    } else if (key == "for_seconds" || key == "clear_seconds") {
      double s = number(v, key);
      if (s < 0 || s > 7 * 86400) {
        throw Error(ErrorKind::kBadRequest, key + " must be between 0 and 604800");
      }
      (key == "for_seconds" ? forSeconds : clearSeconds) = static_cast<std::int64_t>(s);
    } else if (key == "severity") {
      if (!v.is_string()) throw Error(ErrorKind::kBadRequest, "severity must be a string");
      severity = severityFromName(v.get<std::string>());
    } else if (key == "params") {
      if (!v.is_object()) throw Error(ErrorKind::kBadRequest, "params must be an object");
      for (const auto& [pk, pv] : v.items()) {
        if (!params.contains(pk)) {
          throw Error(ErrorKind::kBadRequest, "rule " + id + " has no parameter " + pk);
        }
        if (pv.type() != params[pk].type() && !(pv.is_number() && params[pk].is_number())) {
          throw Error(ErrorKind::kBadRequest, "parameter " + pk + " has the wrong type");
        }
        params[pk] = pv;
      }
    } else {
      throw Error(ErrorKind::kBadRequest, "unknown rule setting: " + key);
    }
  }
}

Json Alert::toJson() const {
  Json j{{"id", id},
         {"tenant_id", tenantId},
         {"host_id", hostId},
         {"rule", ruleId},
         {"subject", subject},
         {"severity", severityName(severity)},
         {"state", stateName(state)},
         {"value", value},
         {"summary", summary},
         {"opened_at", openedAt},
         {"updated_at", updatedAt},
         {"acknowledged_by", acknowledgedBy},
         {"silenced", silenced},
         {"flaps", flaps}};
  putOpt(j, "acknowledged_at", acknowledgedAt);
  putOpt(j, "resolved_at", resolvedAt);
  putOpt(j, "suppressed_by", suppressedBy);
  return j;
}

bool Silence::matches(const Alert& a, Time now) const {
  if (now < startsAt || now >= endsAt) return false;
  if (tenantId && *tenantId != a.tenantId) return false;
  if (hostId && *hostId != a.hostId) return false;
  if (ruleId && *ruleId != a.ruleId) return false;
  if (alertId && *alertId != a.id) return false;
  return true;
}

Json Silence::toJson() const {
  Json j{{"id", id},
         {"starts_at", startsAt},
         {"ends_at", endsAt},
         {"comment", comment},
         {"created_by", createdBy}};
  putOpt(j, "tenant_id", tenantId);
  putOpt(j, "host_id", hostId);
  putOpt(j, "rule", ruleId);
  putOpt(j, "alert_id", alertId);
  return j;
}

Json Channel::toJson() const {
  Json shown = Json::object();
  for (const auto& [k, v] : settings.items()) {
    bool secret = k.find("password") != std::string::npos ||
                  k.find("secret") != std::string::npos || k.find("token") != std::string::npos;
    shown[k] = secret ? Json("********") : v;
  }
  return Json{{"id", id},
              {"tenant_id", tenantId},
              {"kind", kind},
              {"name", name},
              {"min_severity", severityName(minSeverity)},
              {"delay_seconds", delaySeconds},
              {"enabled", enabled},
              {"settings", shown}};
}

}  // namespace parc::server::alerts
