#include "common/remote/action_catalog.h"

#include <algorithm>

#include "common/error.h"

namespace parc::remote {

namespace {

bool allOf(const std::string& s, const char* extra) {
  return std::all_of(s.begin(), s.end(), [extra](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(extra).find(c) != std::string_view::npos;
  });
}

// Nothing may look like an option to the program it is passed to.
bool noLeadingDash(const std::string& s) {
  return !s.empty() && s.front() != '-';
}

bool isPrintableLine(const std::string& s) {
  // UTF-8 bytes >= 0x80 are accepted (French accents); control characters are not.
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

const char* typeName(ParamType t) {
  switch (t) {
    case ParamType::kUnit: return "unit";
    case ParamType::kInterface: return "interface";
    case ParamType::kPrinter: return "printer";
    case ParamType::kMessage: return "message";
    case ParamType::kInteger: return "integer";
  }
  return "unknown";
}

ParamSpec text(std::string name, ParamType type, bool required, std::string label) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = type;
  p.required = required;
  p.label = std::move(label);
  return p;
}

ParamSpec integer(std::string name, std::int64_t min, std::int64_t max, std::int64_t fallback,
                  std::string label) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = ParamType::kInteger;
  p.min = min;
  p.max = max;
  p.fallback = fallback;
  p.label = std::move(label);
  return p;
}

}  // namespace

bool isValidUnitName(const std::string& s) {
  return s.size() <= 128 && noLeadingDash(s) && allOf(s, "@._:-");
}

bool isValidInterfaceName(const std::string& s) {
  return s.size() <= 15 && noLeadingDash(s) && allOf(s, "._-");
}

const std::vector<ActionSpec>& actionCatalog() {
  static const std::vector<ActionSpec> kCatalog = {
      {"restart_service",
       "Redémarrer un service",
       {text("unit", ParamType::kUnit, true, "Service (unité systemd autorisée)")},
       60},
      {"clear_print_queue",
       "Vider la file d'impression et redémarrer CUPS",
       {text("printer", ParamType::kPrinter, false, "Imprimante (toutes si vide)")},
       60},
      {"collect_logs",
       "Collecter les journaux",
       {integer("hours", 1, 168, 24, "Depuis (heures)")},
       90},
      {"flush_dns", "Vider le cache DNS", {}, 30},
      {"renew_dhcp",
       "Renouveler le bail DHCP",
       {text("interface", ParamType::kInterface, false, "Interface réseau")},
       60},
      {"inventory_now", "Lancer l'inventaire maintenant", {}, 15},
      {"backup_now", "Lancer la sauvegarde maintenant", {}, 30},
      {"reboot",
       "Redémarrer le poste",
       {integer("delay_minutes", 0, 1440, 5, "Délai (minutes)"),
        text("message", ParamType::kMessage, false, "Message à l'utilisateur")},
       30},
      {"shutdown",
       "Éteindre le poste",
       {integer("delay_minutes", 0, 1440, 5, "Délai (minutes)"),
        text("message", ParamType::kMessage, false, "Message à l'utilisateur")},
       30},
      {"cancel_shutdown", "Annuler un redémarrage ou un arrêt programmé", {}, 30},
  };
  return kCatalog;
}

const ActionSpec& findAction(const std::string& name) {
  for (const auto& a : actionCatalog()) {
    if (a.name == name) return a;
  }
  throw Error(ErrorKind::kNotFound, "unknown action '" + name.substr(0, 64) + "'");
}

Json validateParams(const ActionSpec& spec, const Json& params) {
  if (!params.is_null() && !params.is_object())
    throw Error(ErrorKind::kBadRequest, "params must be an object");
  Json in = params.is_null() ? Json::object() : params;
  for (const auto& item : in.items()) {
    const std::string& key = item.key();  // a named reference: clang cannot capture bindings
    bool known = std::any_of(spec.params.begin(), spec.params.end(),
                             [&key](const ParamSpec& p) { return p.name == key; });
    if (!known)
      throw Error(ErrorKind::kBadRequest,
                  spec.name + ": unknown parameter '" + key.substr(0, 64) + "'");
  }
  Json out = Json::object();
  for (const auto& p : spec.params) {
    auto it = in.find(p.name);
    bool absent = it == in.end() || it->is_null() ||
                  (it->is_string() && it->get_ref<const std::string&>().empty());
    if (absent) {
      if (p.required)
        throw Error(ErrorKind::kBadRequest, spec.name + ": parameter '" + p.name + "' is required");
      if (p.type == ParamType::kInteger) out[p.name] = p.fallback;
      continue;
    }
    const std::string where = spec.name + ": parameter '" + p.name + "' ";
    if (p.type == ParamType::kInteger) {
      std::int64_t v = 0;
      if (it->is_number_integer()) {
        v = it->get<std::int64_t>();
      } else if (it->is_string()) {  // from a form or the command line
        const auto& s = it->get_ref<const std::string&>();
        if (s.size() > 12 || s.find_first_not_of("0123456789") != std::string::npos)
          throw Error(ErrorKind::kBadRequest, where + "must be an integer");
        v = std::stoll(s);
      } else {
        throw Error(ErrorKind::kBadRequest, where + "must be an integer");
      }
      if (v < p.min || v > p.max)
        throw Error(ErrorKind::kBadRequest, where + "must be between " + std::to_string(p.min) +
                                                " and " + std::to_string(p.max));
      out[p.name] = v;
      continue;
    }
    if (!it->is_string()) throw Error(ErrorKind::kBadRequest, where + "must be a string");
    const auto& s = it->get_ref<const std::string&>();
    bool valid = false;
    switch (p.type) {
      case ParamType::kUnit: valid = isValidUnitName(s); break;
      case ParamType::kInterface: valid = isValidInterfaceName(s); break;
      case ParamType::kPrinter:
        valid = s.size() <= 127 && noLeadingDash(s) && allOf(s, "._-");
        break;
      case ParamType::kMessage:
        valid = s.size() <= 200 && noLeadingDash(s) && isPrintableLine(s);
        break;
      case ParamType::kInteger: break;
    }
    if (!valid) throw Error(ErrorKind::kBadRequest, where + "is not a valid " + typeName(p.type));
    out[p.name] = s;
  }
  return out;
}

Json catalogJson() {
  Json items = Json::array();
  for (const auto& a : actionCatalog()) {
    Json params = Json::array();
    for (const auto& p : a.params) {
      Json j{{"name", p.name},
             {"type", typeName(p.type)},
             {"required", p.required},
             {"label", p.label}};
      if (p.type == ParamType::kInteger) {
        j["min"] = p.min;
        j["max"] = p.max;
        j["default"] = p.fallback;
      }
      params.push_back(std::move(j));
    }
    items.push_back(Json{{"name", a.name},
                         {"label", a.label},
                         {"params", std::move(params)},
                         {"timeout_seconds", a.defaultTimeoutSeconds}});
  }
  return Json{{"items", items}, {"count", items.size()}};
}

}  // namespace parc::remote
