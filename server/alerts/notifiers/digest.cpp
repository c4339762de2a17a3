// The daily digest's wording (docs/health.md, "Daily digest"): one e-mail a day per
// channel that asks for it, listing what is still open in its commune, most severe first.
#include <algorithm>
#include <ctime>
#include <map>

#include "server/alerts/notifiers/notifier.h"

namespace parc::server::alerts::notifiers {

namespace {

const char* severityLabel(Severity s, long n) {
  switch (s) {
    case Severity::kCritical: return n > 1 ? "critiques" : "critique";
    case Severity::kWarning: return n > 1 ? "avertissements" : "avertissement";
    case Severity::kInfo: return n > 1 ? "informations" : "information";
  }
  return "";
}

std::string frenchDay(const std::string& isoDay) {  // 2026-11-29 → 29/11/2026
  if (isoDay.size() != 10) return isoDay;
  return isoDay.substr(8, 2) + "/" + isoDay.substr(5, 2) + "/" + isoDay.substr(0, 4);
}

std::string since(Time t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%d/%m/%Y %H:%M UTC", &tm);
  return buf;
}

}  // namespace

std::string digestSubject(const std::string& day, const std::vector<Alert>& open) {
  std::string s = "[Parc] Résumé du " + frenchDay(day) + " : ";
  if (open.empty()) return s + "aucune alerte ouverte";
  std::map<Severity, long, std::greater<>> counts;
  for (const auto& a : open) ++counts[a.severity];
  s +=
      std::to_string(open.size()) + (open.size() > 1 ? " alertes ouvertes (" : " alerte ouverte (");
  bool first = true;
  for (const auto& [severity, n] : counts) {
    s += (first ? "" : ", ") + std::to_string(n) + " " + severityLabel(severity, n);
    first = false;
  }
  return s + ")";
}

std::string digestBody(const std::string& day, std::vector<Alert> open,
                       const std::map<Id, std::string>& hostNames, const std::string& consoleUrl) {
  std::string base = consoleUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string body = "Bonjour,\n\n";
  if (open.empty()) {
    body += "Aucune alerte n'est ouverte ce " + frenchDay(day) + ". Tout va bien.\n\n";
  } else {
    std::sort(open.begin(), open.end(), [](const Alert& a, const Alert& b) {
      return a.severity != b.severity ? a.severity > b.severity : a.openedAt < b.openedAt;
    });
    body += "Alertes encore ouvertes ce " + frenchDay(day) + " :\n\n";
    for (const auto& a : open) {
      auto host = hostNames.find(a.hostId);
      body += "- [" + std::string(severityLabel(a.severity, 1)) + "] " + a.summary;
      if (host != hostNames.end() && a.summary.find(host->second) == std::string::npos) {
        body += " (" + host->second + ")";
      }
      body += "\n  depuis le " + since(a.openedAt);
      if (a.state == AlertState::kAcknowledged) body += ", prise en charge par " + a.acknowledgedBy;
      body += "\n  " + base + "/alerts/" + std::to_string(a.id) + "\n";
    }
    body += "\n";
  }
  body += "-- \nParc, supervision du parc informatique (résumé quotidien)\n";
  return body;
}

}  // namespace parc::server::alerts::notifiers
