#include <ctime>

#include "common/error.h"
#include "server/alerts/notifiers/notifier.h"

namespace parc::server::alerts::notifiers {

std::vector<NotifierPtr> allNotifiers(const OutgoingPolicy& policy) {
  std::vector<NotifierPtr> list;
  list.push_back(makeEmail(policy));
  list.push_back(makeWebhook(policy));
  list.push_back(makeGlpi(policy));
  return list;
}

void Notifier::sendDigest(const Channel& channel, const std::string&, const std::string&) {
  throw Error(ErrorKind::kBadRequest, "channels of kind " + channel.kind + " send no digest");
}

namespace {

const char* frenchSeverity(Severity s) {
  switch (s) {
    case Severity::kInfo: return "information";
    case Severity::kWarning: return "avertissement";
    case Severity::kCritical: return "critique";
  }
  return "avertissement";
}

std::string frenchTime(Time t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d/%m/%Y %H:%M UTC", &tm);
  return buf;
}

}  // namespace

std::string alertUrl(const Notification& n) {
  std::string base = n.consoleUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/alerts/" + std::to_string(n.alert.id);
}

std::string frenchSubject(const Notification& n) {
  std::string prefix;
  if (n.event == "resolved") {
    prefix = "[Parc] Résolu : ";
  } else if (n.event == "acknowledged") {
    prefix = "[Parc] Pris en charge : ";
  } else {
    prefix = std::string("[Parc] Alerte ") + frenchSeverity(n.alert.severity) + " : ";
  }
  return prefix + n.alert.summary;
}

std::string frenchBody(const Notification& n) {
  std::string body = "Bonjour,\n\n";
  if (n.event == "resolved") {
    body += "L'alerte suivante est résolue";
    if (n.alert.resolvedAt) body += " depuis le " + frenchTime(*n.alert.resolvedAt);
    body += " :\n\n";
  } else if (n.event == "acknowledged") {
    body += "L'alerte suivante a été prise en charge par " + n.alert.acknowledgedBy + " :\n\n";
  } else {
    body += "Parc a détecté un problème qui demande votre attention :\n\n";
  }
  body += "  " + n.alert.summary + "\n\n";
  body += "Gravité : " + std::string(frenchSeverity(n.alert.severity)) + "\n";
  if (!n.host.name.empty()) body += "Poste : " + n.host.name + "\n";
  body += "Règle : " + n.alert.ruleId + "\n";
  body += "Depuis le : " + frenchTime(n.alert.openedAt) + "\n\n";
  body += "Voir l'alerte dans la console : " + alertUrl(n) + "\n\n";
  body += "-- \nParc, supervision du parc informatique\n";
  return body;
}

Json notificationJson(const Notification& n) {
  Json host{{"id", n.host.hostId}, {"name", n.host.name}};
  return Json{{"version", 1},
              {"event", n.event},
              {"alert", n.alert.toJson()},
              {"host", host},
              {"tenant_id", n.alert.tenantId},
              {"subject", frenchSubject(n)},
              {"url", alertUrl(n)}};
}

}  // namespace parc::server::alerts::notifiers
